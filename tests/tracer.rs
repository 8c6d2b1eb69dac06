//! The tracer tells the truth, on Chrome's real event loop: each case where it once showed a
//! wrong row, number, warning or arrow (a false never-polled warning, a parent's counts inflated
//! by its children, a flood of warnings, a waiter waiting forever, an abort misfiled, a replay
//! without `main`, an export Perfetto misreads) run for real and checked.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use asyncscope::lessons;
use asyncscope::trace::{
    self, now_ms, sleep, with_recorder, CancelReason, EventKind, JoinError, Limits, ResourceDetail,
    TaskId, TaskState, TaskStats, WakeSource, EVENT_LOOP_TID,
};
use futures::future::{try_join_all, Either};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn task_named(name: &str) -> TaskStats {
    with_recorder(|r| r.tasks().find(|t| t.name() == name).cloned()).expect("traced")
}

fn warnings() -> Vec<(String, &'static str)> {
    with_recorder(|r| {
        r.warnings()
            .iter()
            .map(|w| (w.task_name.to_string(), w.kind.code()))
            .collect()
    })
}

fn events_of(id: TaskId) -> Vec<EventKind> {
    with_recorder(|r| {
        r.events()
            .iter()
            .filter(|e| e.task == Some(id))
            .map(|e| e.kind.clone())
            .collect()
    })
}

/// Waits past the never-polled threshold and runs the check the page runs every frame.
async fn past_the_never_polled_threshold() {
    sleep(Duration::from_millis(1100)).await;
    let _ = trace::chrome_trace_json(); // runs the stalled check, as an export does
}

// 2. Never-polled: only a spawned task waiting too long for its first poll.

#[wasm_bindgen_test]
async fn a_select_loser_dropped_unpolled_is_recorded_in_words_without_a_warning() {
    trace::reset();
    let won = trace::select(
        trace::instrument("ready-at-once", async { 1 }),
        trace::instrument("never-polled-loser", sleep(Duration::from_secs(5))),
    )
    .await;
    assert!(matches!(won, Either::Left(1)));
    past_the_never_polled_threshold().await;
    let loser = task_named("never-polled-loser");
    assert_eq!(
        (loser.state, loser.cancel_reason(), loser.polls),
        (TaskState::Cancelled, Some(CancelReason::LostSelect), 0)
    );
    assert!(events_of(loser.id)
        .iter()
        .any(|k| k.to_string() == "dropped before its first poll (lost a select)"));
    assert!(warnings().is_empty(), "{:?}", warnings());
}

#[wasm_bindgen_test]
async fn abort_right_after_spawn_is_no_warning() {
    trace::reset();
    let handle = trace::spawn("aborted-at-once", sleep(Duration::from_secs(5)));
    let id = handle.id();
    handle.abort();
    assert_eq!(handle.await, Err(JoinError::Cancelled(id)));
    past_the_never_polled_threshold().await;
    let t = task_named("aborted-at-once");
    assert_eq!((t.state, t.polls), (TaskState::Cancelled, 0));
    assert_eq!(t.cancel_reason(), Some(CancelReason::Aborted));
    assert!(warnings().is_empty(), "{:?}", warnings());
}

#[wasm_bindgen_test]
async fn the_futures_after_the_first_error_of_try_join_all_are_no_warning() {
    trace::reset();
    let futures = (0..4).map(|i| {
        trace::instrument(&format!("part-{i}"), async move {
            if i == 0 {
                Err("the first fails at once")
            } else {
                sleep(Duration::from_millis(10)).await;
                Ok(i)
            }
        })
    });
    assert!(try_join_all(futures).await.is_err());
    past_the_never_polled_threshold().await;
    assert!(warnings().is_empty(), "{:?}", warnings());
    assert_eq!(task_named("part-3").state, TaskState::Cancelled);
}

#[wasm_bindgen_test]
async fn an_instrument_created_then_awaited_later_starts_at_its_first_poll() {
    trace::reset();
    let created = now_ms();
    let later = trace::instrument("awaited-later", async { 5 });
    let id = later.id();
    sleep(Duration::from_millis(1200)).await;
    let _ = trace::chrome_trace_json();
    assert!(
        with_recorder(|r| r.task(id).is_none()),
        "no row before its first poll"
    );
    assert_eq!(later.await, 5);
    let t = task_named("awaited-later");
    assert!(t.spawned_ms - created >= 1200.0, "{t:?}");
    assert!(
        t.scheduled_ms < 5.0,
        "the wait before its await is not scheduled: {t:?}"
    );
    assert!(warnings().is_empty(), "{:?}", warnings());
}

#[wasm_bindgen_test]
async fn a_spawned_task_starved_of_its_first_poll_is_warned() {
    trace::reset();
    let starved = Rc::new(Cell::new(None));
    let seen = starved.clone();
    trace::spawn("hog", async move {
        seen.set(Some(trace::spawn("starved", async {}).id()));
        let start = now_ms();
        while now_ms() - start < 1100.0 {}
    })
    .await
    .expect("completes");
    let _ = trace::chrome_trace_json();
    sleep(Duration::from_millis(10)).await;
    let w = warnings();
    assert!(
        w.contains(&("starved".to_string(), "never-polled")),
        "{w:?}"
    );
}

// 3. Nested instrument and via do not distort the parent.

#[wasm_bindgen_test]
async fn a_nested_instrument_keeps_no_counted_copy_of_its_parents_waker() {
    trace::reset();
    trace::spawn("parent", async {
        trace::instrument("child", sleep(Duration::from_millis(20))).await;
    })
    .await
    .expect("completes");
    let parent = task_named("parent");
    let child = task_named("child");
    assert_eq!(
        (parent.waker_clones, parent.waker_drops),
        (0, 0),
        "the child's waker wakes the parent without holding copies of its waker"
    );
    assert!(
        child.waker_clones >= 1,
        "the child's timer kept the child's waker"
    );
    assert_eq!(child.parent, Some(parent.id));
}

#[wasm_bindgen_test]
async fn a_self_waking_child_makes_its_parent_a_self_wake_storm() {
    trace::reset();
    trace::spawn("parent", async {
        trace::instrument("spinner", async {
            for _ in 0..20 {
                trace::yield_microtask().await;
            }
        })
        .await;
    })
    .await
    .expect("completes");
    let parent = task_named("parent");
    assert!(parent.self_wakes >= 20, "{parent:?}");
    let w = warnings();
    assert!(
        w.contains(&("parent".to_string(), "self-wake-storm")),
        "{w:?}"
    );
    assert!(
        w.contains(&("spinner".to_string(), "self-wake-storm")),
        "{w:?}"
    );
}

#[wasm_bindgen_test]
async fn a_self_wake_inside_via_is_a_self_wake() {
    trace::reset();
    let (tx, rx) = trace::channel::<u8>("ch", 1);
    trace::spawn("yielder", async move {
        let _ = tx.send(1).await;
        for _ in 0..3 {
            trace::via(WakeSource::Channel(rx.id()), trace::yield_microtask()).await;
        }
        drop(rx);
    })
    .await
    .expect("completes");
    let t = task_named("yielder");
    assert_eq!((t.wakes, t.self_wakes), (3, 3));
    let named_the_channel = events_of(t.id).into_iter().any(|k| {
        matches!(
            k,
            EventKind::Woken {
                by: WakeSource::Channel(_),
                ..
            }
        )
    });
    assert!(
        !named_the_channel,
        "a self-wake is a self-wake, inside via or not"
    );
}

#[wasm_bindgen_test]
async fn a_60_ms_chunk_in_an_instrument_under_a_task_is_one_warning_and_counted_once() {
    trace::reset();
    trace::spawn("task", async {
        trace::instrument("chunk", async {
            let start = now_ms();
            while now_ms() - start < 60.0 {}
        })
        .await;
    })
    .await
    .expect("completes");
    assert_eq!(warnings(), vec![("chunk".to_string(), "long-poll")]);
    let (task, chunk) = (task_named("task"), task_named("chunk"));
    assert!(chunk.busy_ms >= 60.0);
    assert!(task.busy_ms < 5.0, "the parent's own time: {task:?}");
    assert!(task.in_children_ms() >= 60.0);
    let rows = with_recorder(|r| trace::task_rows(r, now_ms()));
    let total_busy: f64 = rows.iter().map(|r| r.busy_ms).sum();
    assert!(
        total_busy < chunk.busy_ms + 5.0,
        "nothing counted twice: {total_busy}"
    );
}

// 4. One warning per task and kind.

#[wasm_bindgen_test]
async fn many_long_polls_are_one_warning_counting_them() {
    trace::reset();
    trace::spawn("chunks", async {
        for _ in 0..5 {
            let start = now_ms();
            while now_ms() - start < 55.0 {}
            trace::yield_now().await;
        }
    })
    .await
    .expect("completes");
    let all = with_recorder(|r| r.warnings().iter().cloned().collect::<Vec<_>>());
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].count, 5);
    assert!(all[0].last_event > all[0].event);
}

// 5. Resources do not go stale.

#[wasm_bindgen_test]
async fn a_semaphore_wait_cut_by_a_timeout_stops_waiting_and_the_semaphore_closes() {
    trace::reset();
    let sem = trace::Semaphore::new("sem", 1);
    let id = sem.id();
    let held = sem.acquire().await;
    let waited = trace::timeout(Duration::from_millis(20), sem.acquire()).await;
    assert!(waited.is_err());
    let detail = with_recorder(|r| r.resource_stats(id).map(|s| s.detail.clone()));
    assert!(
        matches!(
            detail,
            Some(ResourceDetail::Semaphore {
                waiters: 0,
                holders: 1,
                ..
            })
        ),
        "{detail:?}"
    );
    drop(held);
    drop(sem);
    assert!(with_recorder(|r| r
        .resource_stats(id)
        .is_some_and(|s| s.closed_ms.is_some())));
}

#[wasm_bindgen_test]
async fn a_channel_is_recorded_closed_when_its_receivers_are_gone() {
    trace::reset();
    let (tx, rx) = trace::channel::<u8>("ch", 2);
    let id = tx.id();
    drop(rx);
    assert!(tx.send(1).await.is_err(), "async-channel closed it");
    assert!(with_recorder(|r| r
        .resource_stats(id)
        .is_some_and(|s| s.closed_ms.is_some())));
}

// 6. Abort.

#[wasm_bindgen_test]
async fn a_task_that_aborts_itself_and_then_completes_is_done() {
    trace::reset();
    let slot: Rc<Cell<Option<trace::TaskAbort>>> = Rc::default();
    let mine = slot.clone();
    let handle = trace::spawn("self-aborting", async move {
        if let Some(me) = mine.take() {
            me.abort();
        }
        7
    });
    slot.set(Some(handle.abort_handle()));
    assert_eq!(handle.await, Ok(7));
    let t = task_named("self-aborting");
    assert_eq!((t.state, t.cancel_reason()), (TaskState::Done, None));
}

#[wasm_bindgen_test]
async fn an_aborted_idle_task_is_scheduled_at_once_and_says_who_aborted_it() {
    trace::reset();
    let victim = trace::spawn("victim", sleep(Duration::from_secs(30)));
    let victim_id = victim.id();
    let aborter = trace::spawn("aborter", async move {
        sleep(Duration::from_millis(10)).await;
        victim.abort();
        let state = with_recorder(|r| r.task(victim_id).map(|t| t.state));
        (state, victim.await)
    });
    let aborter_id = aborter.id();
    let (state_after_abort, result) = aborter.await.expect("completes");
    assert_eq!(
        state_after_abort,
        Some(TaskState::Scheduled),
        "not idle until dropped"
    );
    assert_eq!(result, Err(JoinError::Cancelled(victim_id)));
    let t = task_named("victim");
    assert_eq!(t.abort_requested(), Some(Some(aborter_id)));
    assert_eq!(t.cancel_reason(), Some(CancelReason::Aborted));
    // The aborter awaited the victim: it was woken by the victim's end, not "from outside".
    let by: Vec<WakeSource> = events_of(aborter_id)
        .into_iter()
        .filter_map(|k| match k {
            EventKind::Woken { by, .. } => Some(by),
            _ => None,
        })
        .collect();
    assert_eq!(by.last(), Some(&WakeSource::Task(victim_id)), "{by:?}");
}

// 7. Scheduled time from the last wake.

#[wasm_bindgen_test]
async fn busy_scheduled_and_idle_add_up_to_the_total() {
    trace::reset();
    trace::spawn("sleeper", async {
        for _ in 0..3 {
            sleep(Duration::from_millis(15)).await;
        }
    })
    .await
    .expect("completes");
    let t = task_named("sleeper");
    let end = t.ended_ms.expect("ended");
    let sum = t.busy_ms_at(end) + t.scheduled_ms_at(end) + t.idle_ms_at(end);
    assert!((sum - t.total_ms(end)).abs() < 1e-6, "{t:?}");
    assert!(t.idle_ms_at(end) >= 40.0, "it slept: {t:?}");
}

// 9. Large futures.

#[wasm_bindgen_test]
async fn a_future_of_more_than_a_kib_is_a_large_future() {
    trace::reset();
    trace::spawn("big", async {
        let buffer = [7u8; 2048];
        sleep(Duration::from_millis(1)).await;
        buffer.iter().map(|&b| u32::from(b)).sum::<u32>()
    })
    .await
    .expect("completes");
    trace::spawn("small", async { 1 }).await.expect("completes");
    let big = task_named("big");
    assert!(big.meta.size >= 2048, "{}", big.meta.size);
    assert_eq!(warnings(), vec![("big".to_string(), "large-future")]);
}

// 1. Replay after the ring wraps.

#[wasm_bindgen_test]
async fn a_replay_after_the_log_wraps_shows_main_with_the_live_numbers() {
    trace::set_limits(Limits {
        events: 300,
        ..Limits::default()
    });
    let lesson = lessons::find("lock").expect("registered");
    let params = lesson.validate([("tasks", "100")]).expect("valid");
    let report = lessons::start(lesson, params).report.await;
    assert_eq!(report.state, lessons::RunState::Done, "{report:?}");
    let (first, last, dropped) = with_recorder(|r| {
        (
            r.events().first_seq(),
            r.recorded() - 1,
            r.events().dropped(),
        )
    });
    assert!(dropped > 0, "the log wrapped");
    for seq in [first, (first + last) / 2, last] {
        let past = with_recorder(|r| r.as_of(seq));
        assert!(
            past.tasks().any(|t| t.name() == "main"),
            "main is in the replay as of event {seq}"
        );
        assert_eq!(past.events().first_seq(), first);
        let live = with_recorder(|r| r.events().get(seq).map(|e| (e.t_ms, e.kind.clone())));
        let replayed = past.events().get(seq).map(|e| (e.t_ms, e.kind.clone()));
        assert_eq!(replayed, live, "event {seq} is the same event");
    }
    trace::set_limits(Limits::default());
}

// The export, as Perfetto reads it, on a real run.

#[wasm_bindgen_test]
async fn the_export_of_a_real_run_binds_every_arrow_to_a_slice_of_its_track() {
    let lesson = lessons::find("semaphore").expect("registered");
    let params = lesson.validate([]).expect("valid");
    lessons::start(lesson, params).report.await;
    let json: serde_json::Value = serde_json::from_str(&trace::chrome_trace_json()).expect("JSON");
    let events = json["traceEvents"].as_array().expect("events");
    let mut names: HashMap<u64, usize> = HashMap::new();
    let mut slices: Vec<(u64, f64, f64)> = Vec::new();
    for e in events {
        if let Some(tid) = e.get("tid").and_then(|t| t.as_u64()) {
            assert_ne!(tid, 0, "Perfetto reads tid 0 as unset: {e}");
        }
        if e["ph"] == "M" && e["name"] == "thread_name" {
            *names.entry(e["tid"].as_u64().unwrap_or(0)).or_default() += 1;
        }
        if e["ph"] == "X" {
            let (ts, dur) = (
                e["ts"].as_f64().unwrap_or(-1.0),
                e["dur"].as_f64().unwrap_or(0.0),
            );
            assert!(dur > 0.0, "{e}");
            slices.push((e["tid"].as_u64().unwrap_or(0), ts, ts + dur));
        }
    }
    assert!(names.values().all(|&n| n == 1), "{names:?}");
    assert!(names.contains_key(&EVENT_LOOP_TID));
    let flows: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["ph"] == "s" || e["ph"] == "f")
        .collect();
    assert!(flows.len() >= 4, "the run has wakes");
    for f in flows {
        let (tid, ts) = (
            f["tid"].as_u64().unwrap_or(0),
            f["ts"].as_f64().unwrap_or(-1.0),
        );
        assert!(
            slices
                .iter()
                .any(|&(t, a, b)| t == tid && a <= ts && ts <= b),
            "outside any slice of its track: {f}"
        );
    }
    // Releases of the semaphore wake the waiters: those arrows start on the releasing task.
    let semaphore_starts: Vec<u64> = events
        .iter()
        .filter(|e| e["ph"] == "s" && e["args"]["by"] == "semaphore")
        .filter_map(|e| e["tid"].as_u64())
        .collect();
    assert!(!semaphore_starts.is_empty());
    assert!(semaphore_starts.iter().all(|&t| t != EVENT_LOOP_TID));
}

// The `tracing` layer (asyncscope-trace's feature `tracing`), with real timers.

#[tracing::instrument]
async fn search_with_retry(query: &'static str) -> usize {
    for attempt in 1..=2 {
        tracing::warn!(attempt, "no answer yet");
        sleep(Duration::from_millis(20)).await;
    }
    query.len()
}

#[wasm_bindgen_test]
async fn a_tracing_span_across_real_sleeps_is_a_row_of_its_task_with_its_events() {
    use tracing_subscriber::layer::SubscriberExt;

    trace::reset();
    let subscriber = tracing_subscriber::registry().with(asyncscope_trace::TracingLayer::default());
    let _default = tracing::subscriber::set_default(subscriber);
    let start = now_ms();
    let handle = trace::spawn("searcher", search_with_retry("rust"));
    let task = handle.id();
    assert_eq!(handle.await.ok(), Some(4));
    let span = task_named(r#"search_with_retry{query="rust"}"#);
    assert_eq!(span.meta.kind, trace::TaskKind::Span);
    assert_eq!(span.parent, Some(task));
    assert_eq!(span.location().file(), file!());
    assert_eq!(span.state, TaskState::Done);
    // Three polls of the future (two sleeps), and tracing's entry to drop it.
    assert_eq!(span.polls, 4);
    // Its time is its own: inside the task's polls, not added to them.
    let searcher = task_named("searcher");
    assert!(
        searcher.in_children_ms() + 1e-9 >= span.busy_ms_at(now_ms()),
        "{} < {}",
        searcher.in_children_ms(),
        span.busy_ms_at(now_ms())
    );
    // Never early: the span's row lasts the two 20 ms sleeps at least.
    let ended = span.ended_ms.expect("closed");
    assert!(ended - span.spawned_ms >= 40.0 && span.spawned_ms >= start);
    let events: Vec<String> = events_of(span.id)
        .iter()
        .filter_map(|e| match e {
            EventKind::Log { level, message } => Some(format!("{} {message}", level.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        [
            "WARN no answer yet attempt=1",
            "WARN no answer yet attempt=2"
        ]
    );
    assert!(warnings().is_empty(), "{:?}", warnings());
}
