//! `tracing` spans and events in the recording (feature `tracing`).
//!
//! A span is a row from its first entry, a child of the task (or span) it was entered in: each
//! entry is a poll on the poll stack, as an [`super::instrument`]ed future's is (what runs inside
//! it is its own time, taken off the task's), so an `#[instrument]`ed async fn shows a bar per
//! poll of its future. It ends when the span closes: cancelled, if that happens while a task is
//! aborted, a timeout runs out or a select drops it (the reason the tracer already knows), else
//! done. An event is an instant on the row of the innermost task or span being polled (or of the
//! span named as its parent), with its level and its message and fields as tracing's fmt writes
//! them.

use std::fmt::{self, Write as _};
use std::rc::Rc;

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::clock::now_ms;
use super::devtools;
use super::event::{next_task_id, Level, Site, TaskId, TaskKind, TaskMeta};
use super::recorder::PollRecord;
use super::task::{current_task, drop_reason, pop_span, push_poll, restore_current};
use super::{record, ENABLED};

/// The longest text kept of an event's message and fields, or a span's fields, in bytes: the
/// rest is cut (marked `…`), so that one event cannot hold megabytes.
const MAX_TEXT: usize = 1024;

/// A `tracing_subscriber::Layer` that records the app's `tracing` spans as rows (children of the
/// task that enters them: an `#[instrument]`ed async fn's row has a bar per poll) and its events
/// as instants, with level and message, on the row of the task or span that emitted them.
///
/// It records spans and events at `INFO` and above (an `#[instrument]`'s spans are `INFO`
/// unless told otherwise); [`TracingLayer::max_level`] sets another bound. Below it, spans and
/// events pass through to the other layers untouched. (yew traces every component's render at
/// `DEBUG`: recorded, those would bury the app's rows, the overlay's own renders among them.)
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
///
/// #[tracing::instrument]
/// async fn search(query: &str) -> usize {
///     tracing::info!(found = 3, "searched");
///     3
/// }
///
/// let subscriber = tracing_subscriber::registry().with(asyncscope_trace::TracingLayer::default());
/// tracing::subscriber::with_default(subscriber, || {
///     let task = asyncscope_trace::spawn("app", async { search("rust").await });
/// #   #[cfg(not(target_arch = "wasm32"))]
/// #   asyncscope_trace::run_until_idle();
/// #   drop(task);
/// });
/// let span = asyncscope_trace::with_recorder(|r| {
///     r.tasks().find(|t| t.meta.kind == asyncscope_trace::TaskKind::Span).map(|t| t.name().to_string())
/// });
/// assert_eq!(span.as_deref(), Some(r#"search{query="rust"}"#));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TracingLayer {
    max_level: Level,
}

impl Default for TracingLayer {
    /// Records `INFO`, `WARN` and `ERROR`.
    fn default() -> TracingLayer {
        TracingLayer {
            max_level: Level::Info,
        }
    }
}

impl TracingLayer {
    /// Records spans and events up to `level` (`Level::Debug`: also `DEBUG`; `Level::Warn`: only
    /// `WARN` and `ERROR`).
    pub fn max_level(self, level: Level) -> TracingLayer {
        TracingLayer { max_level: level }
    }

    fn records(&self, meta: &Metadata<'_>) -> bool {
        ENABLED && level(meta) <= self.max_level
    }
}

/// What the layer keeps in a span's extensions.
struct SpanRow {
    id: TaskId,
    /// Its fields (`name=value ...`) until its first entry names its row.
    fields: String,
    /// Its row was recorded (at its first entry while recording): its entries and close are.
    recorded: bool,
    /// The task current before each entry under way, innermost last.
    entries: Vec<Option<TaskId>>,
}

impl<S> tracing_subscriber::Layer<S> for TracingLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !self.records(attrs.metadata()) {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut fields = String::new();
        attrs.record(&mut Fields(&mut fields));
        span.extensions_mut().insert(SpanRow {
            id: next_task_id(),
            fields,
            recorded: false,
            entries: Vec::new(),
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        with_row(&ctx, id, |meta, row| {
            if !row.recorded {
                values.record(&mut Fields(&mut row.fields));
                return;
            }
            // Its row is named already: the new values are an instant on it.
            let mut text = String::new();
            values.record(&mut Fields(&mut text));
            let (task, level) = (row.id, level(meta));
            record(|r| r.log(Some(task), level, text, now_ms()));
        });
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        with_row(&ctx, id, |meta, row| {
            if !row.recorded && !super::is_recording() {
                return;
            }
            let start = now_ms();
            if !row.recorded {
                row.recorded = true;
                let meta = span_meta(meta, std::mem::take(&mut row.fields));
                let (task, parent) = (row.id, current_task());
                record(|r| r.first_poll(task, meta, parent, start));
            }
            row.entries.push(push_poll(row.id, start));
        });
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        with_row(&ctx, id, |_, row| {
            let Some(outer) = row.entries.pop() else {
                return; // entered while nothing was recorded
            };
            let (task, end) = (row.id, now_ms());
            restore_current(task, outer);
            let Some(frame) = pop_span(task, end) else {
                return;
            };
            let poll = PollRecord {
                start_ms: frame.start,
                children_ms: frame.children,
                ready: false,
                self_wakes: frame.self_wakes,
                child_long: frame.child_long,
            };
            record(|r| r.polled(task, end, poll));
            devtools::poll(task, frame.start, end);
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(task) = recorded_row(&ctx, &id) else {
            return;
        };
        let t = now_ms();
        match drop_reason() {
            Some(reason) => record(|r| r.cancelled(task, t, reason)),
            None => record(|r| r.closed(task, t)),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !self.records(event.metadata()) {
            return;
        }
        // An event names its span only when given one (`parent: &span`); else it belongs to
        // the innermost poll under way, which the poll stack knows better than tracing's
        // current span (a task polled inside a long-lived span is its own row).
        let task = event
            .parent()
            .and_then(|id| recorded_row(&ctx, id))
            .or_else(current_task);
        let mut text = String::new();
        event.record(&mut Fields(&mut text));
        let level = level(event.metadata());
        record(|r| r.log(task, level, text, now_ms()));
    }
}

/// Runs `f` with span `id`'s metadata and the layer's row of it, if the layer keeps one (a span
/// under the layer's level has none).
fn with_row<S, R>(
    ctx: &Context<'_, S>,
    id: &Id,
    f: impl FnOnce(&'static Metadata<'static>, &mut SpanRow) -> R,
) -> Option<R>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let span = ctx.span(id)?;
    let mut extensions = span.extensions_mut();
    let row = extensions.get_mut::<SpanRow>()?;
    Some(f(span.metadata(), row))
}

/// The task id of span `id`'s row, if it was recorded.
fn recorded_row<S>(ctx: &Context<'_, S>, id: &Id) -> Option<TaskId>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    with_row(ctx, id, |_, row| row.recorded.then_some(row.id)).flatten()
}

/// The row of a span: named as tracing's fmt writes it (`search{query="rust"}`), at the file
/// and line of its declaration.
fn span_meta(meta: &'static Metadata<'static>, fields: String) -> Rc<TaskMeta> {
    let name = if fields.is_empty() {
        meta.name().to_string()
    } else {
        format!("{}{{{fields}}}", meta.name())
    };
    Rc::new(TaskMeta {
        name: Rc::from(name),
        location: Site::new(
            meta.file().unwrap_or(meta.target()),
            meta.line().unwrap_or(0),
            0,
        ),
        size: 0,
        kind: TaskKind::Span,
    })
}

fn level(meta: &Metadata<'_>) -> Level {
    match *meta.level() {
        tracing_core::Level::ERROR => Level::Error,
        tracing_core::Level::WARN => Level::Warn,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::DEBUG => Level::Debug,
        _ => Level::Trace,
    }
}

/// Writes fields as tracing's fmt does: the message as it is, the others `name=value` (strings
/// quoted), space-separated, at most [`MAX_TEXT`] bytes.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let out = &mut *self.0;
        match field.name() {
            _ if out.len() >= MAX_TEXT => return,
            // The message first, whatever the order the fields came in.
            "message" => {
                let message = format!("{value:?}");
                let gap = if out.is_empty() { "" } else { " " };
                out.insert_str(0, &format!("{message}{gap}"));
            }
            // tracing-log's own fields: the log record's origin, not the app's.
            name if name.starts_with("log.") => return,
            name => {
                if !out.is_empty() {
                    out.push(' ');
                }
                let _ = write!(out, "{name}={value:?}");
            }
        }
        if out.len() > MAX_TEXT {
            let mut cut = MAX_TEXT;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push('…');
        }
    }
}
