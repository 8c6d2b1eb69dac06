//! Exports of the recording: Chrome's Trace Event Format (opens in Perfetto and
//! chrome://tracing), written straight to text, and a row per task with tokio-console's columns.
//!
//! Written for how Perfetto reads it: every track has a real thread id (Perfetto takes tid 0 for
//! "unset"), each poll is a slice at least 1 µs long and never overlapping the task's previous
//! one, and a wake's arrow (a flow) starts inside a slice of the task that sent, released or
//! finished (or of the event loop's track for timers and the browser) and ends inside the poll
//! it caused, written after that poll's slice.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::event::{EventKind, ResourceEvent, TaskId, WakeSource};
use super::recorder::Recorder;
use super::stats::{ResourceDetail, TaskStats};

/// The thread id of the lane for what is not a task: timers firing, fetches settling, JS.
pub const EVENT_LOOP_TID: u64 = 0x7fff_ffff;
const PID: u64 = 1;
/// The shortest slice written, in µs: Perfetto binds flows only to slices with a duration.
const MIN_SLICE_US: f64 = 1.0;
/// How far inside a slice a flow's end is put, in µs.
const INSIDE_US: f64 = 0.001;

/// Microseconds, to the nanosecond.
fn us(ms: f64) -> f64 {
    (ms * 1_000_000.0).round() / 1000.0
}

/// A JSON string literal of `s`.
fn quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON number (finite; anything else is written as 0).
/// The start of a task's async span event (`ph` "b" or "e"), up to its `ts` value.
fn task_span_head(out: &mut String, ph: &str, task: &TaskStats) {
    let _ = write!(out, r#"{{"ph":"{ph}","cat":"task","name":"#);
    quoted(out, task.name());
    let _ = write!(
        out,
        r#","id":{id},"pid":{PID},"tid":{id},"ts":"#,
        id = task.id.get()
    );
}

fn number(out: &mut String, x: f64) {
    if x.is_finite() {
        let _ = write!(out, "{x}");
    } else {
        out.push('0');
    }
}

/// Writes the events of the trace, one object each, comma-separated.
struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    fn event(&mut self) -> &mut String {
        if !self.first {
            self.out.push_str(",\n");
        }
        self.first = false;
        &mut self.out
    }

    fn meta(&mut self, tid: u64, name: &str, value: &str, sort: i64) {
        let out = self.event();
        let _ = write!(
            out,
            r#"{{"ph":"M","pid":{PID},"tid":{tid},"name":"thread_name","args":{{"name":"#
        );
        quoted(out, value);
        let _ = write!(out, "}}}}");
        let _ = name;
        let out = self.event();
        let _ = write!(
            out,
            r#"{{"ph":"M","pid":{PID},"tid":{tid},"name":"thread_sort_index","args":{{"sort_index":{sort}}}}}"#
        );
    }

    fn slice(&mut self, tid: u64, cat: &str, name: &str, ts: f64, dur: f64, args: &str) {
        let out = self.event();
        let _ = write!(out, r#"{{"ph":"X","cat":"{cat}","name":"#);
        quoted(out, name);
        let _ = write!(out, r#","pid":{PID},"tid":{tid},"ts":"#);
        number(out, ts);
        out.push_str(r#","dur":"#);
        number(out, dur);
        if !args.is_empty() {
            let _ = write!(out, r#","args":{{{args}}}"#);
        }
        out.push('}');
    }

    fn instant(&mut self, tid: u64, cat: &str, name: &str, ts: f64, args: &str) {
        let out = self.event();
        let _ = write!(out, r#"{{"ph":"i","s":"t","cat":"{cat}","name":"#);
        quoted(out, name);
        let _ = write!(out, r#","pid":{PID},"tid":{tid},"ts":"#);
        number(out, ts);
        if !args.is_empty() {
            let _ = write!(out, r#","args":{{{args}}}"#);
        }
        out.push('}');
    }

    fn flow(&mut self, ph: char, id: u64, tid: u64, ts: f64, by: &str) {
        let out = self.event();
        let _ = write!(
            out,
            r#"{{"ph":"{ph}","cat":"wake","name":"wake","id":{id},"pid":{PID},"tid":{tid},"ts":"#
        );
        number(out, ts);
        if ph == 'f' {
            out.push_str(r#","bp":"e""#);
        } else {
            let _ = write!(out, r#","args":{{"by":"{by}"}}"#);
        }
        out.push('}');
    }
}

/// A slice written on a track: where the next may start, and where a flow can start inside it.
#[derive(Clone, Copy)]
struct Written {
    ts: f64,
    end: f64,
}

/// A wake waiting for the poll it causes: its flow's id, where it starts, and its source.
struct PendingFlow {
    id: u64,
    tid: u64,
    ts: f64,
    by: &'static str,
}

/// The event loop's slices: wakes from outside the tasks at one moment share one slice.
struct LoopSlice {
    ts: f64,
    label: &'static str,
    wakes: u64,
}

fn loop_label(by: WakeSource) -> &'static str {
    match by {
        WakeSource::Timer => "timer fired",
        WakeSource::Fetch(_) => "fetch settled",
        WakeSource::Channel(_) => "channel (from JS)",
        WakeSource::Semaphore(_) => "semaphore",
        WakeSource::Request(_) => "request settled",
        WakeSource::Task(_) | WakeSource::OwnPoll | WakeSource::External => "JS callback",
    }
}

/// The recording in Chrome's Trace Event Format, as JSON text: per task an async `b`/`e` span
/// and a thread track with an `X` slice per poll; a flow (`s` -> `f`) from whatever woke a task
/// to the poll it caused; instants for sleeps, cancellations, failures and warnings; counters
/// for semaphore holders and channel depth, one track per resource.
pub fn chrome_trace(rec: &Recorder, now_ms: f64) -> String {
    let mut w = Writer {
        out: String::with_capacity(128 * rec.events().len() + 4096),
        first: true,
    };
    w.out.push_str("{\"traceEvents\":[\n");
    {
        let out = w.event();
        let _ = write!(
            out,
            r#"{{"ph":"M","pid":{PID},"name":"process_name","args":{{"name":"asyncscope"}}}}"#
        );
    }
    w.meta(EVENT_LOOP_TID, "", "event loop (timers, fetch, JS)", -1);

    // Names for every task track: those the recording holds, then any whose spawn is in the
    // kept events but whose stats were forgotten.
    let mut named: std::collections::HashSet<TaskId> = std::collections::HashSet::new();
    for task in rec.tasks() {
        named.insert(task.id);
        w.meta(
            task.id.get(),
            "",
            &format!("{} {}", task.name(), task.id),
            task.id.get() as i64,
        );
        let out = w.event();
        task_span_head(out, "b", task);
        number(out, us(task.spawned_ms));
        out.push_str(r#","args":{"parent":"#);
        match task.parent {
            Some(p) => {
                let _ = write!(out, "{}", p.get());
            }
            None => out.push_str("null"),
        }
        out.push_str(r#","location":"#);
        quoted(out, &task.location().to_string());
        let _ = write!(out, r#","size_bytes":{}}}}}"#, task.meta.size);
        let out = w.event();
        task_span_head(out, "e", task);
        number(out, us(task.ended_ms.unwrap_or(now_ms)));
        let _ = write!(
            out,
            r#","args":{{"state":"{}","polls":{},"wakes":{},"busy_ms":"#,
            task.state.as_str(),
            task.polls,
            task.wakes
        );
        number(out, task.busy_ms_at(now_ms));
        out.push_str(r#","idle_ms":"#);
        number(out, task.idle_ms_at(now_ms));
        out.push_str(r#","scheduled_ms":"#);
        number(out, task.scheduled_ms_at(now_ms));
        out.push_str("}}");
    }

    let mut last_slice: HashMap<TaskId, Written> = HashMap::new();
    let mut waiting: HashMap<TaskId, Vec<PendingFlow>> = HashMap::new();
    let mut loop_slice: Option<LoopSlice> = None;
    let mut loop_end = f64::NEG_INFINITY;
    let flushed_loop = |w: &mut Writer, slice: &mut Option<LoopSlice>, loop_end: &mut f64| {
        if let Some(s) = slice.take() {
            let name = if s.wakes > 1 {
                format!("{} (woke {} tasks)", s.label, s.wakes)
            } else {
                s.label.to_string()
            };
            w.slice(EVENT_LOOP_TID, "loop", &name, s.ts, MIN_SLICE_US, "");
            *loop_end = s.ts + MIN_SLICE_US;
        }
    };
    for event in rec.events().iter() {
        let ts = us(event.t_ms);
        let lane = event.task.map_or(EVENT_LOOP_TID, TaskId::get);
        if let Some(task) = event.task {
            if named.insert(task) {
                let name = match &event.kind {
                    EventKind::Spawned { meta, .. } => format!("{} {task}", meta.name),
                    _ => format!("task {task}"),
                };
                w.meta(task.get(), "", &name, task.get() as i64);
            }
        }
        match &event.kind {
            EventKind::Polled {
                start_ms,
                ready,
                self_wakes,
                ..
            } => {
                let Some(task) = event.task else { continue };
                // Never before the end of the task's previous slice (which may have been
                // lengthened to the minimum), and never shorter than the minimum.
                let start = us(*start_ms);
                let start = last_slice
                    .get(&task)
                    .map_or(start, |prev| start.max(prev.end));
                let end = ts.max(start + MIN_SLICE_US);
                let args = format!(r#""ready":{ready},"self_wakes":{self_wakes}"#);
                w.slice(task.get(), "poll", "poll", start, end - start, &args);
                last_slice.insert(task, Written { ts: start, end });
                // The arrows of the wakes this poll answered, now that its slice is written:
                // each starts inside the slice of the task that woke it (written before, as
                // that task's poll ended before this one began).
                for flow in waiting.remove(&task).unwrap_or_default() {
                    let from = TaskId::new(flow.tid).and_then(|t| last_slice.get(&t).copied());
                    let at = match from {
                        Some(slice) if flow.tid != EVENT_LOOP_TID => {
                            flow.ts.clamp(slice.ts + INSIDE_US, slice.end - INSIDE_US)
                        }
                        _ => flow.ts,
                    };
                    w.flow('s', flow.id, flow.tid, at, flow.by);
                    w.flow('f', flow.id, task.get(), start + INSIDE_US, flow.by);
                }
            }
            EventKind::Woken { by, from } => {
                let Some(woken) = event.task else { continue };
                let (tid, start) = match from {
                    Some(from) => (from.get(), ts),
                    None => {
                        let label = loop_label(*by);
                        let joins = loop_slice
                            .as_ref()
                            .is_some_and(|s| s.label == label && ts <= s.ts + MIN_SLICE_US);
                        if joins {
                            if let Some(s) = loop_slice.as_mut() {
                                s.wakes += 1;
                            }
                        } else {
                            flushed_loop(&mut w, &mut loop_slice, &mut loop_end);
                            loop_slice = Some(LoopSlice {
                                ts: ts.max(loop_end),
                                label,
                                wakes: 1,
                            });
                        }
                        let at = loop_slice.as_ref().map_or(ts, |s| s.ts);
                        (EVENT_LOOP_TID, at + INSIDE_US)
                    }
                };
                waiting.entry(woken).or_default().push(PendingFlow {
                    id: event.seq,
                    tid,
                    ts: start,
                    by: by.label(),
                });
            }
            EventKind::Spawned { .. } | EventKind::SleepStarted { .. } => {
                if let EventKind::SleepStarted { requested_ms } = &event.kind {
                    w.instant(lane, "task", &format!("sleep {requested_ms} ms"), ts, "");
                }
            }
            EventKind::Resource { resource, what } => {
                let name = rec.resource_stats(*resource).map_or_else(
                    || match what {
                        ResourceEvent::Created { meta } => meta.name.to_string(),
                        _ => resource.to_string(),
                    },
                    |r| r.name().to_string(),
                );
                w.instant(lane, "resource", &format!("{name}: {what}"), ts, "");
                let counter = match what {
                    ResourceEvent::Acquired { holders, .. }
                    | ResourceEvent::Released { holders } => Some(("holders", u64::from(*holders))),
                    ResourceEvent::Sent { depth } | ResourceEvent::Received { depth } => {
                        Some(("depth", u64::from(*depth)))
                    }
                    _ => None,
                };
                if let Some((key, value)) = counter {
                    let out = w.event();
                    out.push_str(r#"{"ph":"C","name":"#);
                    quoted(out, &format!("{name} ({resource}) {key}"));
                    let _ = write!(out, r#","id":"{resource}","pid":{PID},"ts":"#);
                    number(out, ts);
                    let _ = write!(out, r#","args":{{"{key}":{value}}}}}"#);
                }
            }
            EventKind::Log { level, message } => {
                let mut args = String::from(r#""level":"#);
                quoted(&mut args, level.as_str());
                w.instant(lane, "log", message, ts, &args);
            }
            other => {
                w.instant(lane, "task", &other.to_string(), ts, "");
            }
        }
    }
    flushed_loop(&mut w, &mut loop_slice, &mut loop_end);
    for warning in rec.warnings().iter() {
        let mut args = String::from(r#""message":"#);
        quoted(&mut args, &warning.to_string());
        let _ = write!(
            args,
            r#","event":{},"count":{},"active":{}"#,
            warning.event, warning.count, warning.active
        );
        w.instant(
            warning.task.get(),
            "warning",
            &format!("warning: {}", warning.kind.code()),
            us(warning.t_ms),
            &args,
        );
    }
    let _ = write!(
        w.out,
        "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{{\"generator\":\"asyncscope\",\"events_kept\":{},\"events_dropped\":{},\"tasks_dropped\":{},\"warnings_dropped\":{}}}}}",
        rec.events().len(),
        rec.events().dropped(),
        rec.tasks_dropped(),
        rec.warnings().dropped()
    );
    w.out
}

/// One task with tokio-console's columns: what `window.asyncscope.tasks()` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRow {
    /// The task's id ([`TaskId::get`]).
    pub id: u64,
    /// The task's name.
    pub name: String,
    /// The id of the task that spawned or first polled it, if any.
    pub parent: Option<u64>,
    /// Its state ([`super::TaskState::as_str`]): idle, scheduled, done, cancelled or failed.
    pub state: &'static str,
    /// Polls so far.
    pub polls: u64,
    /// Wakes so far, self-wakes included.
    pub wakes: u64,
    /// Wakes by the task itself.
    pub self_wakes: u64,
    /// Copies of its waker made.
    pub waker_clones: u64,
    /// Copies of its waker dropped.
    pub waker_drops: u64,
    /// Time inside its own polls, in ms.
    pub busy_ms: f64,
    /// The rest of its total (not busy, in children or scheduled), in ms.
    pub idle_ms: f64,
    /// Time from wakes to the polls they caused, in ms, a wake still waiting for its poll
    /// counted up to the export.
    pub scheduled_ms: f64,
    /// Time inside its polls spent polling traced futures of its own.
    pub in_children_ms: f64,
    /// Time from its spawn to its end, or to the export while alive, in ms.
    pub total_ms: f64,
    /// The longest single poll (its own time), in ms.
    pub max_poll_ms: f64,
    /// Where it was spawned or instrumented, as `file:line:column`.
    pub location: String,
    /// `size_of` its future, in bytes.
    pub size_bytes: usize,
    /// How it came to be traced ([`super::TaskKind::as_str`]): spawn, instrument or span.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Why it was cancelled ([`super::CancelReason::as_str`]); left out of the JSON unless
    /// it was.
    pub cancel_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Its error, or panic message; left out of the JSON unless it failed.
    pub error: Option<String>,
}

/// One traced sleep: what `window.asyncscope.sleeps()` returns. `late_ms` is how late its task
/// ran on: polled at `polled_ms`, against `started_ms + requested_ms` (the timer's own
/// lateness and the wait for the poll it caused, both).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SleepRow {
    /// The id of the task that slept.
    pub task: u64,
    /// The length asked for, in ms.
    pub requested_ms: f64,
    /// When the sleep started (its first poll).
    pub started_ms: f64,
    /// When its task was polled and found it over.
    pub polled_ms: f64,
    /// `polled_ms - started_ms - requested_ms`, in ms.
    pub late_ms: f64,
}

/// The recording's finished sleeps, in the order they finished (a sleep whose start left the
/// event ring is left out).
pub fn sleep_rows(rec: &Recorder) -> Vec<SleepRow> {
    let mut started: std::collections::HashMap<TaskId, f64> = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for e in rec.events().iter() {
        let Some(task) = e.task else { continue };
        match e.kind {
            EventKind::SleepStarted { .. } => {
                started.insert(task, e.t_ms);
            }
            EventKind::SleepDone { requested_ms, .. } => {
                if let Some(start) = started.remove(&task) {
                    rows.push(SleepRow {
                        task: task.get(),
                        requested_ms,
                        started_ms: start,
                        polled_ms: e.t_ms,
                        late_ms: e.t_ms - start - requested_ms.max(0.0),
                    });
                }
            }
            _ => {}
        }
    }
    rows
}

/// Every task the recording holds, in spawn order, with its times as of `now_ms`.
pub fn task_rows(rec: &Recorder, now_ms: f64) -> Vec<TaskRow> {
    rec.tasks()
        .map(|t| TaskRow {
            id: t.id.get(),
            name: t.name().to_string(),
            parent: t.parent.map(TaskId::get),
            state: t.state.as_str(),
            polls: t.polls,
            wakes: t.wakes,
            self_wakes: t.self_wakes,
            waker_clones: t.waker_clones,
            waker_drops: t.waker_drops,
            busy_ms: t.busy_ms_at(now_ms),
            idle_ms: t.idle_ms_at(now_ms),
            scheduled_ms: t.scheduled_ms_at(now_ms),
            in_children_ms: t.in_children_ms(),
            total_ms: t.total_ms(now_ms),
            max_poll_ms: t.max_poll_ms,
            location: t.location().to_string(),
            size_bytes: t.meta.size,
            kind: t.meta.kind.as_str(),
            cancel_reason: t.cancel_reason().map(|r| r.as_str()),
            error: t.error().map(|e| e.to_string()),
        })
        .collect()
}

/// A short description of a resource's state, for tables.
pub fn describe(detail: &ResourceDetail) -> String {
    match detail {
        ResourceDetail::Semaphore {
            permits,
            holders,
            waiters,
            max_holders,
        } => {
            format!("{holders}/{permits} held, {waiters} waiting, peak {max_holders}")
        }
        ResourceDetail::Channel {
            capacity,
            depth,
            max_depth,
            sent,
            received,
        } => {
            format!("depth {depth}/{capacity} (peak {max_depth}), {sent} sent, {received} received")
        }
        ResourceDetail::Fetch {
            method,
            url,
            status,
            bytes,
            aborted,
            error,
        } => {
            let status = status.map_or_else(|| "…".to_string(), |s| s.to_string());
            let mut s = format!("{method} {url} -> {status}");
            if let Some(b) = bytes {
                let _ = write!(s, ", {b} bytes");
            }
            if *aborted {
                s.push_str(", aborted");
            }
            if let Some(e) = error {
                let _ = write!(s, ", {e}");
            }
            s
        }
        ResourceDetail::Request {
            api,
            operation,
            outcome,
            aborted,
            error,
        } => {
            let state = match (outcome, error, aborted) {
                (Some(o), _, _) => o.to_string(),
                (_, Some(e), _) => format!("failed: {e}"),
                (_, _, true) => "aborted".to_string(),
                _ => "…".to_string(),
            };
            format!("{api} {operation} -> {state}")
        }
    }
}
