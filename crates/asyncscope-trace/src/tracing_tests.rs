//! The `tracing` layer with real `#[tracing::instrument]`ed async fns, on the tracer's own
//! executor (natively: the event loop turned by hand).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use tracing_subscriber::layer::SubscriberExt;

use super::*;

/// Runs `f` with the layer as the thread's subscriber, on a fresh recording.
fn traced<R>(f: impl FnOnce() -> R) -> R {
    reset();
    let subscriber = tracing_subscriber::registry().with(TracingLayer::default());
    tracing::subscriber::with_default(subscriber, f)
}

/// Pending once (waking itself), then ready: a future of two polls.
struct Twice(bool);

impl Future for Twice {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[tracing::instrument]
async fn search(query: &str, attempt: u32) -> usize {
    tracing::info!(found = 3, "searched");
    Twice(false).await;
    tracing::warn!("slow");
    query.len()
}

#[tracing::instrument]
async fn forever() {
    std::future::pending::<()>().await;
}

fn spans() -> Vec<TaskStats> {
    with_recorder(|r| {
        r.tasks()
            .filter(|t| t.meta.kind == TaskKind::Span)
            .cloned()
            .collect()
    })
}

fn logs(task: Option<TaskId>) -> Vec<(Level, String)> {
    with_recorder(|r| {
        r.events()
            .iter()
            .filter(|e| e.task == task)
            .filter_map(|e| match &e.kind {
                EventKind::Log { level, message } => Some((*level, message.to_string())),
                _ => None,
            })
            .collect()
    })
}

#[test]
fn an_instrumented_async_fn_is_a_row_of_its_task_with_a_poll_per_poll_of_its_future() {
    let (task, span) = traced(|| {
        let handle = spawn("app", async { search("rust", 1).await });
        let task = handle.id();
        run_until_idle();
        (task, spans())
    });
    let [span] = span.as_slice() else {
        panic!("one span row: {span:?}");
    };
    assert_eq!(span.name(), r#"search{query="rust" attempt=1}"#);
    assert_eq!(span.parent, Some(task));
    assert_eq!(span.location().file(), file!());
    assert!(span.location().line() > 0);
    // Its future was polled twice (pending, then ready), each poll one entry of the span, and
    // tracing enters it once more to drop the future.
    assert_eq!(span.polls, 3);
    assert_eq!(span.state, TaskState::Done, "closed after its last poll");
    assert!(span.nested);
    // Its polls ran inside the task's: their time is the span's, not counted twice.
    let app = stats(task);
    assert_eq!(app.polls, 2);
    assert!(app.in_children_ms() >= span.busy_ms_at(0.0) - 1e-9);
    assert_eq!(
        logs(Some(span.id)),
        [
            (Level::Info, "searched found=3".to_string()),
            (Level::Warn, "slow".to_string())
        ]
    );
    assert!(logs(Some(task)).is_empty(), "the events are the span's");
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
}

#[test]
fn a_span_whose_task_is_aborted_is_cancelled_and_one_timed_out_says_so() {
    let (aborted, timed_out) = traced(|| {
        let handle = spawn("app", forever());
        run_until_idle();
        handle.abort();
        run_until_idle();
        let aborted = spans();
        reset();
        let handle = spawn("app", async {
            let mut fut = Box::pin(forever());
            let _ = futures::poll!(fut.as_mut());
            drop_with_reason(CancelReason::TimedOut, || drop(fut));
        });
        run_until_idle();
        drop(handle);
        (aborted, spans())
    });
    let [span] = aborted.as_slice() else {
        panic!("one span row: {aborted:?}");
    };
    assert_eq!(span.name(), "forever");
    assert_eq!(
        (span.state, span.cancel_reason()),
        (TaskState::Cancelled, Some(CancelReason::Aborted))
    );
    let [span] = timed_out.as_slice() else {
        panic!("one span row: {timed_out:?}");
    };
    assert_eq!(
        (span.state, span.cancel_reason()),
        (TaskState::Cancelled, Some(CancelReason::TimedOut))
    );
}

#[test]
fn a_span_entered_outside_every_task_is_a_row_of_its_own_that_never_loses_a_waker() {
    let (span, outside) = traced(|| {
        let span = tracing::info_span!("startup", version = "1.0");
        span.in_scope(|| tracing::info!("inside"));
        let stats = spans();
        drop(span);
        tracing::error!(code = 7, "outside everything");
        (stats, logs(None))
    });
    let [span] = span.as_slice() else {
        panic!("one span row: {span:?}");
    };
    assert_eq!(span.name(), r#"startup{version="1.0"}"#);
    assert_eq!(span.parent, None);
    assert_eq!(span.polls, 1);
    assert_eq!(span.state, TaskState::Idle, "exited, not closed yet");
    assert_eq!(logs(Some(span.id)), [(Level::Info, "inside".to_string())]);
    // Pending with no waker is how a span always is: no lost-waker warning.
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
    assert_eq!(stats(span.id).state, TaskState::Done);
    assert_eq!(
        outside,
        [(Level::Error, "outside everything code=7".to_string())]
    );
}

#[test]
fn fields_recorded_after_the_first_entry_are_instants_on_the_row() {
    let span = traced(|| {
        let span = tracing::info_span!("load", rows = tracing::field::Empty);
        span.record("rows", 1);
        span.in_scope(|| {});
        span.record("rows", 2);
        spans()
    });
    let [span] = span.as_slice() else {
        panic!("one span row: {span:?}");
    };
    assert_eq!(span.name(), "load{rows=1}");
    assert_eq!(logs(Some(span.id)), [(Level::Info, "rows=2".to_string())]);
}

#[test]
fn with_recording_stopped_spans_and_events_are_not_recorded() {
    let recorded = traced(|| {
        set_recording(false);
        let handle = spawn("app", search("stopped", 1));
        run_until_idle();
        tracing::info!("not kept");
        drop(handle);
        let recorded = with_recorder(|r| (r.task_count(), r.events().len()));
        set_recording(true);
        recorded
    });
    assert_eq!(recorded, (0, 0));
}

#[test]
fn a_long_message_is_cut_and_the_trace_export_has_events_as_instants_with_their_level() {
    let (text, json) = traced(|| {
        tracing::warn!("{}", "x".repeat(5000));
        let text = logs(None).pop().map(|(_, t)| t).unwrap_or_default();
        (text, chrome_trace_json())
    });
    assert!(text.len() <= 1024 + '…'.len_utf8(), "{}", text.len());
    assert!(text.ends_with('…'));
    let trace: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let events = trace["traceEvents"].as_array().expect("events");
    let log = events
        .iter()
        .find(|e| e["cat"] == "log")
        .expect("the event is in the trace");
    assert_eq!(log["ph"], "i");
    assert_eq!(log["args"]["level"], "WARN");
    assert_eq!(log["tid"], EVENT_LOOP_TID);
}

#[test]
fn a_thousand_spans_are_a_thousand_rows_each_named_by_its_fields() {
    let names = traced(|| {
        for i in 0..1000 {
            let span = tracing::info_span!("q", i);
            span.in_scope(|| {});
        }
        with_recorder(|r| {
            r.tasks()
                .filter(|t| t.meta.kind == TaskKind::Span)
                .map(|t| Rc::clone(&t.meta.name))
                .collect::<Vec<_>>()
        })
    });
    assert_eq!(names.len(), 1000);
    assert_eq!(&*names[999], "q{i=999}");
}

fn stats(id: TaskId) -> TaskStats {
    with_recorder(|r| r.task(id).cloned()).expect("traced")
}

fn warning_codes() -> Vec<&'static str> {
    with_recorder(|r| r.warnings().iter().map(|w| w.kind.code()).collect())
}

#[test]
fn spans_and_events_below_the_layers_level_are_not_recorded() {
    #[tracing::instrument(level = "debug")]
    async fn chatty() {
        tracing::debug!("detail");
        tracing::info!("news");
    }
    let (kept, debug) = traced(|| {
        let handle = spawn("app", chatty());
        let task = handle.id();
        run_until_idle();
        let kept = (spans().len(), logs(Some(task)));
        reset();
        let subscriber =
            tracing_subscriber::registry().with(TracingLayer::default().max_level(Level::Debug));
        let debug = tracing::subscriber::with_default(subscriber, || {
            let handle = spawn("app", chatty());
            run_until_idle();
            drop(handle);
            spans()
                .into_iter()
                .map(|s| logs(Some(s.id)))
                .collect::<Vec<_>>()
        });
        (kept, debug)
    });
    // INFO by default: the DEBUG span is no row and its DEBUG event is not kept; the INFO event
    // is, on the task (the innermost row being polled).
    assert_eq!(kept, (0, vec![(Level::Info, "news".to_string())]));
    assert_eq!(
        debug,
        [vec![
            (Level::Debug, "detail".to_string()),
            (Level::Info, "news".to_string())
        ]]
    );
}
