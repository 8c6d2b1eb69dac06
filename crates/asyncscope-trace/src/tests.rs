//! The tracer's native tests: the recorder's state machine, stats and warnings with hand-picked
//! times; traced futures polled by hand with hand-made wakers and the fake clock; replay after
//! the log wraps; the Chrome trace's structure as Perfetto reads it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use serde_json::Value;

use super::*;

fn here() -> &'static Location<'static> {
    Location::caller()
}

fn kinds(rec: &Recorder, id: TaskId) -> Vec<EventKind> {
    rec.events()
        .iter()
        .filter(|e| e.task == Some(id))
        .map(|e| e.kind.clone())
        .collect()
}

fn codes(rec: &Recorder) -> Vec<(TaskId, &'static str)> {
    rec.warnings()
        .iter()
        .map(|w| (w.task, w.kind.code()))
        .collect()
}

fn state(rec: &Recorder, id: TaskId) -> Option<TaskState> {
    rec.task(id).map(|t| t.state)
}

/// A task polled once at t=0 that keeps a waker (as any real pending future does).
fn pending_with_waker(rec: &mut Recorder, name: &str) -> TaskId {
    let id = rec.spawn(name, None, here(), 0.0);
    rec.waker_cloned(id);
    rec.poll(id, 0.0, 1.0, false);
    id
}

// ---------------------------------------------------------------------------------------------
// The state machine and tokio-console's columns

#[test]
fn a_task_goes_scheduled_idle_scheduled_done_with_one_event_a_poll() {
    let mut rec = Recorder::default();
    let id = rec.spawn("main", None, here(), 10.0);
    assert_eq!(state(&rec, id), Some(TaskState::Scheduled));
    rec.waker_cloned(id);
    rec.poll(id, 12.0, 13.0, false);
    assert_eq!(state(&rec, id), Some(TaskState::Idle));
    rec.woken(id, WakeSource::Timer, 1013.0);
    assert_eq!(state(&rec, id), Some(TaskState::Scheduled));
    rec.poll(id, 1014.0, 1016.0, true);
    let t = rec.task(id).cloned().expect("task kept");
    assert_eq!(t.state, TaskState::Done);
    assert_eq!((t.polls, t.wakes), (2, 1));
    assert_eq!(t.busy_ms, 3.0);
    assert_eq!(
        t.scheduled_ms, 3.0,
        "spawn to first poll (2) and wake to poll (1)"
    );
    assert_eq!(t.idle_ms_at(5000.0), 1000.0);
    assert_eq!(t.total_ms(5000.0), 1006.0);
    assert_eq!(
        kinds(&rec, id)
            .into_iter()
            .filter(|k| !matches!(k, EventKind::Spawned { .. }))
            .collect::<Vec<_>>(),
        vec![
            EventKind::Polled {
                start_ms: 12.0,
                children_ms: 0.0,
                ready: false,
                self_wakes: 0,
                child_long: false
            },
            EventKind::Woken {
                by: WakeSource::Timer,
                from: None
            },
            EventKind::Polled {
                start_ms: 1014.0,
                children_ms: 0.0,
                ready: true,
                self_wakes: 0,
                child_long: false
            },
        ]
    );
}

#[test]
fn scheduled_time_runs_from_the_last_wake_as_in_tokio_console() {
    let mut rec = Recorder::default();
    let id = pending_with_waker(&mut rec, "twice-woken");
    rec.woken(id, WakeSource::Timer, 10.0);
    rec.woken(id, WakeSource::External, 20.0);
    rec.poll(id, 25.0, 26.0, false);
    let t = rec.task(id).expect("kept");
    // 5 ms from the *last* wake (not 15 from the first); its first poll came at its spawn.
    assert_eq!(t.scheduled_ms, 5.0);
}

#[test]
fn a_wake_during_its_own_poll_is_scheduled_from_the_end_of_that_poll() {
    let mut rec = Recorder::default();
    let id = rec.spawn("yielder", None, here(), 0.0);
    rec.polled(
        id,
        2.0,
        PollRecord {
            self_wakes: 1,
            ..PollRecord::plain(0.0, false)
        },
    );
    let t = rec.task(id).expect("kept");
    assert_eq!(t.state, TaskState::Scheduled);
    assert_eq!(
        (t.wakes, t.self_wakes),
        (1, 1),
        "a wake inside its own poll is by itself"
    );
    assert_eq!(t.scheduled_ms_at(3.0), 1.0, "from the poll's end (2)");
    rec.poll(id, 7.0, 8.0, false);
    assert_eq!(rec.task(id).map(|t| t.scheduled_ms), Some(5.0));
}

#[test]
fn busy_idle_and_scheduled_add_up_to_total() {
    let mut rec = Recorder::default();
    let id = rec.spawn("t", None, here(), 0.0);
    rec.waker_cloned(id);
    rec.poll(id, 1.0, 4.0, false);
    rec.woken(id, WakeSource::External, 20.0);
    rec.poll(id, 25.0, 26.0, true);
    let t = rec.task(id).expect("kept");
    let now = 99.0;
    let sum = t.busy_ms_at(now) + t.idle_ms_at(now) + t.scheduled_ms_at(now);
    assert_eq!(sum, t.total_ms(now));
    assert_eq!(t.total_ms(now), 26.0);
    assert_eq!(t.idle_ms_at(now), 16.0, "idle = total - busy - scheduled");
}

#[test]
fn live_stats_include_the_open_interval() {
    let mut rec = Recorder::default();
    let id = rec.spawn("sleeper", None, here(), 0.0);
    rec.waker_cloned(id);
    rec.poll(id, 0.0, 1.0, false);
    let t = rec.task(id).expect("kept");
    assert_eq!(t.idle_ms_at(501.0), 500.0);
    assert_eq!(t.total_ms(501.0), 501.0);
    rec.woken(id, WakeSource::Timer, 600.0);
    let t = rec.task(id).expect("kept");
    assert_eq!(t.scheduled_ms_at(610.0), 10.0);
}

#[test]
fn finished_tasks_ignore_late_events() {
    let mut rec = Recorder::default();
    let id = rec.spawn("t", None, here(), 0.0);
    rec.poll(id, 0.0, 1.0, true);
    let before = rec.recorded();
    rec.woken(id, WakeSource::External, 2.0);
    rec.cancelled(id, 3.0, CancelReason::Dropped);
    assert_eq!(rec.recorded(), before);
    assert_eq!(state(&rec, id), Some(TaskState::Done));
}

#[test]
fn finished_tasks_past_the_cap_are_forgotten_and_counted() {
    let mut rec = Recorder::new(Limits {
        events: 1000,
        finished_tasks: 2,
        ..Limits::default()
    });
    let ids: Vec<_> = (0..5)
        .map(|i| rec.spawn(&format!("t{i}"), None, here(), 0.0))
        .collect();
    for &id in &ids[..4] {
        rec.poll(id, 1.0, 2.0, true);
    }
    let kept: Vec<_> = rec.tasks().map(|t| t.id).collect();
    assert_eq!(
        kept,
        vec![ids[2], ids[3], ids[4]],
        "the live task is never evicted"
    );
    assert_eq!(rec.tasks_dropped(), 2);
}

#[test]
fn the_event_log_is_bounded_and_counts_drops() {
    let mut rec = Recorder::new(Limits {
        events: 10,
        finished_tasks: 10,
        ..Limits::default()
    });
    let id = rec.spawn("busy", None, here(), 0.0);
    rec.waker_cloned(id);
    for i in 0..100 {
        rec.poll(id, i as f64, i as f64 + 0.5, false);
    }
    assert_eq!(rec.events().len(), 10);
    assert_eq!(
        rec.events().dropped(),
        91,
        "a spawn and a hundred polls: one event each"
    );
    assert_eq!(rec.recorded(), 101);
}

#[test]
fn reset_forgets_tasks_but_never_reuses_ids() {
    let mut rec = Recorder::default();
    let old = rec.spawn("old", None, here(), 0.0);
    rec.reset();
    assert_eq!(rec.tasks().count(), 0);
    rec.poll(old, 1.0, 2.0, false);
    assert_eq!(
        rec.recorded(),
        0,
        "events of a task from before the reset are ignored"
    );
    let new = rec.spawn("new", None, here(), 2.0);
    assert!(new > old);
}

#[test]
fn tasks_of_one_name_share_it() {
    let mut rec = Recorder::default();
    let a = rec.spawn("worker", None, here(), 0.0);
    let b = rec.spawn("worker", None, here(), 0.0);
    let (a, b) = (rec.task(a).expect("a"), rec.task(b).expect("b"));
    assert!(Rc::ptr_eq(&a.meta.name, &b.meta.name));
    assert!(
        Rc::ptr_eq(&a.meta, &b.meta),
        "spawned at one place: one description"
    );
}

// ---------------------------------------------------------------------------------------------
// Warnings: one per task and kind, as tokio-console's lints

#[test]
fn long_polls_make_one_warning_per_task_counting_them_with_the_worst() {
    let mut rec = Recorder::default();
    let id = pending_with_waker(&mut rec, "chunks");
    let other = pending_with_waker(&mut rec, "forgetful");
    rec.waker_dropped(other, || 2.0); // a lost waker: another kind, raised early
    let mut t = 10.0;
    for i in 0..2000 {
        rec.woken(id, WakeSource::Timer, t);
        let busy = if i == 7 { 300.0 } else { 60.0 };
        rec.poll(id, t, t + busy, false);
        t += busy + 1.0;
    }
    let long: Vec<&Warning> = rec
        .warnings()
        .iter()
        .filter(|w| w.kind.code() == "long-poll")
        .collect();
    assert_eq!(long.len(), 1, "one warning, not 2,000");
    let w = long[0];
    assert_eq!(w.count, 2000);
    assert_eq!(w.kind, WarningKind::LongPoll { worst_ms: 300.0 });
    let last = rec.events().get(w.last_event).expect("linked");
    assert!(matches!(last.kind, EventKind::Polled { ready: false, .. }));
    assert_eq!(last.task, Some(id));
    assert!(w.to_string().contains("2000 times"), "{w}");
    assert!(
        codes(&rec).contains(&(other, "lost-waker")),
        "nothing pushed out"
    );
    assert_eq!(rec.task(id).map(|t| t.long_polls()), Some(2000));
}

#[test]
fn a_poll_of_exactly_50_ms_is_not_long() {
    let mut rec = Recorder::default();
    let id = rec.spawn("edge", None, here(), 0.0);
    rec.poll(id, 0.0, 50.0, true);
    assert!(codes(&rec).is_empty());
}

#[test]
fn pending_without_a_live_waker_is_a_lost_waker() {
    let mut rec = Recorder::default();
    let id = rec.spawn("forgetful", None, here(), 0.0);
    rec.poll(id, 0.0, 1.0, false);
    assert_eq!(codes(&rec), vec![(id, "lost-waker")]);
    assert!(
        kinds(&rec, id).contains(&EventKind::LostWaker),
        "an event: replays see it"
    );
}

#[test]
fn dropping_the_last_waker_of_an_idle_task_is_a_lost_waker_once() {
    let mut rec = Recorder::default();
    let id = pending_with_waker(&mut rec, "waiting");
    assert!(codes(&rec).is_empty());
    rec.waker_cloned(id);
    rec.waker_dropped(id, || 5.0);
    assert!(codes(&rec).is_empty(), "one waker is still alive");
    rec.waker_dropped(id, || 6.0);
    rec.waker_cloned(id);
    rec.waker_dropped(id, || 7.0);
    assert_eq!(codes(&rec), vec![(id, "lost-waker")]);
    assert_eq!(rec.warnings().iter().next().map(|w| w.count), Some(1));
}

#[test]
fn a_waker_dropped_after_waking_is_not_lost() {
    let mut rec = Recorder::default();
    let id = pending_with_waker(&mut rec, "woken");
    rec.woken(id, WakeSource::Timer, 10.0);
    rec.waker_dropped(id, || 10.0);
    assert!(codes(&rec).is_empty());
}

#[test]
fn mostly_self_wakes_is_a_storm_that_clears_when_the_ratio_falls_back() {
    let mut rec = Recorder::default();
    let yielder = pending_with_waker(&mut rec, "yield-once");
    rec.polled(
        yielder,
        2.5,
        PollRecord {
            self_wakes: 1,
            ..PollRecord::plain(2.0, false)
        },
    );
    let spinner = pending_with_waker(&mut rec, "spinner");
    for i in 0..12 {
        let t = 10.0 + i as f64;
        rec.polled(
            spinner,
            t + 0.2,
            PollRecord {
                self_wakes: 1,
                ..PollRecord::plain(t, false)
            },
        );
    }
    assert_eq!(codes(&rec), vec![(spinner, "self-wake-storm")]);
    let w = rec.warnings().iter().next().cloned().expect("warning");
    assert_eq!(
        w.kind,
        WarningKind::SelfWakeStorm {
            self_wakes: 12,
            wakes: 12
        }
    );
    assert!(w.active);
    // Then it waits on timers: after 13 more wakes, 12 of 25 are self-wakes, half or fewer.
    for i in 0..13 {
        let t = 100.0 + i as f64;
        rec.woken(spinner, WakeSource::Timer, t);
        rec.poll(spinner, t, t + 0.1, false);
    }
    let w = rec.warnings().iter().next().cloned().expect("warning");
    assert!(!w.active, "cleared: {w}");
    assert_eq!(
        w.kind,
        WarningKind::SelfWakeStorm {
            self_wakes: 12,
            wakes: 24
        },
        "the figures of the moment it cleared"
    );
    assert_eq!(w.count, 1);
}

#[test]
fn a_third_self_wakes_is_not_a_storm() {
    let mut rec = Recorder::default();
    let id = pending_with_waker(&mut rec, "mixed");
    for i in 0..30 {
        let self_wakes = u16::from(i % 3 == 2);
        if self_wakes == 0 {
            rec.woken(id, WakeSource::Timer, i as f64);
        }
        let poll = PollRecord {
            self_wakes,
            ..PollRecord::plain(i as f64, false)
        };
        rec.polled(id, i as f64 + 0.5, poll);
    }
    assert!(codes(&rec).is_empty(), "{:?}", codes(&rec));
}

#[test]
fn never_polled_is_only_a_spawned_task_waiting_over_a_second_for_its_first_poll() {
    let mut rec = Recorder::default();
    let aborted = rec.spawn("aborted-at-once", None, here(), 0.0);
    let stuck = rec.spawn("stuck", None, here(), 0.0);
    let fine = rec.spawn("fine", None, here(), 0.0);
    rec.poll(fine, 1.0, 2.0, true);
    rec.abort_requested(aborted, None, 3.0);
    rec.cancelled(aborted, 5.0, CancelReason::Aborted);
    rec.check_stalled(900.0);
    assert!(codes(&rec).is_empty(), "{:?}", codes(&rec));
    rec.check_stalled(1500.0);
    rec.check_stalled(2500.0);
    assert_eq!(codes(&rec), vec![(stuck, "never-polled")]);
    let w = rec.warnings().iter().next().cloned().expect("warning");
    assert_eq!(w.kind, WarningKind::NeverPolled { waited_ms: 1500.0 });
    assert_eq!(
        rec.events().get(w.event).map(|e| e.kind.clone()),
        Some(EventKind::Stalled { waited_ms: 1500.0 })
    );
    // The aborted one is recorded as what happened, in words.
    let cancelled = kinds(&rec, aborted)
        .into_iter()
        .find(|k| matches!(k, EventKind::Cancelled { .. }))
        .expect("cancelled");
    assert_eq!(
        cancelled.to_string(),
        "dropped before its first poll (aborted)"
    );
}

#[test]
fn a_spawned_task_first_polled_over_a_second_late_is_warned_at_that_poll() {
    let mut rec = Recorder::default();
    let late = rec.spawn("starved", None, here(), 0.0);
    // Nothing checked while the event loop was blocked; its first poll comes 1.2 s late.
    rec.poll(late, 1200.0, 1201.0, true);
    rec.check_stalled(3000.0);
    assert_eq!(codes(&rec), vec![(late, "never-polled")]);
    assert_eq!(rec.warnings().iter().next().map(|w| w.count), Some(1));
}

#[test]
fn an_unpolled_instrument_dropped_by_its_owner_is_a_row_in_words_without_a_warning() {
    let mut rec = Recorder::default();
    let meta = Rc::new(TaskMeta {
        name: "loser".into(),
        location: here().into(),
        size: 16,
        kind: TaskKind::Instrumented,
    });
    let id = TaskId::new(1_000_000).expect("id");
    rec.dropped_unpolled(id, meta, None, 40.0, CancelReason::LostSelect);
    rec.check_stalled(5000.0);
    assert!(codes(&rec).is_empty());
    let t = rec.task(id).expect("a row");
    assert_eq!(
        (t.state, t.cancel_reason()),
        (TaskState::Cancelled, Some(CancelReason::LostSelect))
    );
    assert_eq!(
        t.total_ms(9999.0),
        0.0,
        "its row starts and ends where it was dropped"
    );
}

#[test]
fn an_error_with_its_join_handle_dropped_warns_whichever_comes_first() {
    let mut rec = Recorder::default();
    let early = rec.spawn("handle-dropped-first", None, here(), 0.0);
    rec.handle_dropped(early, || 1.0);
    rec.poll(early, 2.0, 3.0, true);
    rec.failed(early, "boom", 3.0);
    let late = rec.spawn("failed-first", None, here(), 0.0);
    rec.poll(late, 2.0, 3.0, true);
    rec.failed(late, "bang", 3.0);
    assert_eq!(
        codes(&rec),
        vec![(early, "error-dropped")],
        "late's handle may still be awaited"
    );
    rec.handle_dropped(late, || 4.0);
    assert_eq!(
        codes(&rec),
        vec![(early, "error-dropped"), (late, "error-dropped")]
    );
    assert_eq!(state(&rec, late), Some(TaskState::Failed));
    assert_eq!(
        rec.task(late).and_then(|t| t.error()).map(|e| e.as_str()),
        Some("bang")
    );
}

#[test]
fn a_failure_whose_handle_is_kept_raises_nothing_and_a_done_handle_records_nothing() {
    let mut rec = Recorder::default();
    let id = rec.spawn("failing", None, here(), 0.0);
    rec.poll(id, 0.0, 1.0, true);
    rec.failed(id, "seen by its awaiter", 1.0);
    assert!(codes(&rec).is_empty());
    let done = rec.spawn("done", None, here(), 0.0);
    rec.poll(done, 0.0, 1.0, true);
    let before = rec.recorded();
    rec.handle_dropped(done, || 2.0);
    assert_eq!(
        rec.recorded(),
        before,
        "a finished task's handle going is no event"
    );
}

#[test]
fn the_warning_list_is_bounded() {
    let mut rec = Recorder::new(Limits {
        warnings: 3,
        ..Limits::default()
    });
    for i in 0..10 {
        let id = rec.spawn("slow", None, here(), 0.0);
        rec.poll(id, i as f64 * 100.0, i as f64 * 100.0 + 60.0, true);
    }
    assert_eq!(rec.warnings().len(), 3);
    assert_eq!(rec.warnings().dropped(), 7);
}

#[test]
fn a_future_of_1024_bytes_or_more_is_a_large_future() {
    let mut rec = Recorder::default();
    let meta = |size| {
        Rc::new(TaskMeta {
            name: "f".into(),
            location: here().into(),
            size,
            kind: TaskKind::Spawned,
        })
    };
    let small = TaskId::new(2_000_001).expect("id");
    let large = TaskId::new(2_000_002).expect("id");
    rec.spawn_task(small, meta(1023), None, 0.0);
    rec.spawn_task(large, meta(1024), None, 0.0);
    assert_eq!(codes(&rec), vec![(large, "large-future")]);
    assert_eq!(
        rec.warnings().iter().next().map(|w| w.kind.clone()),
        Some(WarningKind::LargeFuture { bytes: 1024 })
    );
}

#[test]
fn waker_clones_and_drops_are_counted() {
    let mut rec = Recorder::default();
    let id = pending_with_waker(&mut rec, "t");
    rec.waker_cloned(id);
    rec.waker_cloned(id);
    rec.waker_dropped(id, || 2.0);
    let t = rec.task(id).expect("kept");
    assert_eq!((t.waker_clones, t.waker_drops, t.wakers_alive()), (3, 1, 2));
}

#[test]
fn an_abort_schedules_an_idle_task_and_says_who() {
    let mut rec = Recorder::default();
    let main = rec.spawn("main", None, here(), 0.0);
    let victim = pending_with_waker(&mut rec, "victim");
    rec.abort_requested(victim, Some(main), 5.5);
    rec.poll(main, 5.0, 6.0, true);
    let t = rec.task(victim).expect("kept");
    assert_eq!(t.state, TaskState::Scheduled, "dropped at its next turn");
    assert_eq!(t.abort_requested(), Some(Some(main)));
    assert_eq!(t.cancel_reason(), None, "not cancelled yet");
    assert!(kinds(&rec, victim)
        .iter()
        .any(|k| k.to_string() == format!("aborted by task {main}")));
}

#[test]
fn an_abort_during_a_poll_that_completes_leaves_the_task_done() {
    let mut rec = Recorder::default();
    let id = rec.spawn("self-aborting", None, here(), 0.0);
    rec.abort_requested(id, Some(id), 1.5);
    rec.poll(id, 1.0, 2.0, true);
    let t = rec.task(id).expect("kept");
    assert_eq!((t.state, t.cancel_reason()), (TaskState::Done, None));
}

// ---------------------------------------------------------------------------------------------
// Resources

fn semaphore(rec: &mut Recorder, permits: u32) -> ResourceId {
    rec.resource_created(
        "sem",
        ResourceDetail::Semaphore {
            permits,
            holders: 0,
            waiters: 0,
            max_holders: 0,
        },
        here(),
        None,
        0.0,
    )
}

#[test]
fn a_semaphore_tracks_holders_waiters_cancelled_waits_and_the_peak() {
    let mut rec = Recorder::default();
    let sem = semaphore(&mut rec, 2);
    let acquired = |holders, waiters| ResourceEvent::Acquired { holders, waiters };
    rec.resource(sem, None, acquired(1, 0), 1.0);
    rec.resource(sem, None, acquired(2, 0), 2.0);
    rec.resource(sem, None, ResourceEvent::Waiting { waiters: 1 }, 3.0);
    rec.resource(sem, None, ResourceEvent::WaitCancelled { waiters: 0 }, 3.5);
    rec.resource(sem, None, ResourceEvent::Released { holders: 1 }, 4.0);
    let detail = rec.resource_stats(sem).map(|r| r.detail.clone());
    assert_eq!(
        detail,
        Some(ResourceDetail::Semaphore {
            permits: 2,
            holders: 1,
            waiters: 0,
            max_holders: 2
        })
    );
}

#[test]
fn closed_resources_past_the_cap_are_forgotten_and_counted() {
    let mut rec = Recorder::new(Limits {
        finished_tasks: 2,
        ..Limits::default()
    });
    let ids: Vec<_> = (0..4).map(|_| semaphore(&mut rec, 1)).collect();
    for &id in &ids[..3] {
        rec.resource(id, None, ResourceEvent::Closed, 2.0);
    }
    rec.resource(ids[2], None, ResourceEvent::Released { holders: 0 }, 3.0);
    assert_eq!(
        rec.resources().count(),
        3,
        "two closed kept, the open one never evicted"
    );
    assert_eq!(rec.resources_dropped(), 1);
}

fn noop_waker() -> Waker {
    futures::task::noop_waker()
}

#[test]
fn a_semaphore_wait_given_up_is_recorded_and_a_dropped_semaphore_closes() {
    reset();
    let sem = Semaphore::new("one", 1);
    let id = sem.id();
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut held = Box::pin(sem.acquire());
    let Poll::Ready(permit) = held.as_mut().poll(&mut cx) else {
        panic!("a free permit is taken at once");
    };
    let mut waiting = Box::pin(sem.acquire());
    assert!(waiting.as_mut().poll(&mut cx).is_pending());
    assert_eq!(sem.waiters(), 1);
    drop(waiting); // as a timeout around acquire() would
    assert_eq!(sem.waiters(), 0);
    let waiters = with_recorder(|r| {
        r.resource_stats(id).map(|r| match r.detail {
            ResourceDetail::Semaphore { waiters, .. } => waiters,
            _ => 99,
        })
    });
    assert_eq!(waiters, Some(0), "not waiting forever");
    drop(held);
    drop(sem);
    assert!(
        with_recorder(|r| r.resource_stats(id).is_some_and(|r| r.closed_ms.is_none())),
        "a permit still holds it"
    );
    drop(permit);
    assert!(with_recorder(|r| r
        .resource_stats(id)
        .is_some_and(|r| r.closed_ms.is_some())));
}

/// asyncio's order: the longest waiter gets the next permit, a newcomer does not overtake the
/// queue, and a permit handed to a waiter that gives up goes on to the next one.
#[test]
fn a_semaphore_serves_its_waiters_first_come_first_served() {
    reset();
    let sem = Semaphore::new("lock", 1);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let Poll::Ready(held) = Box::pin(sem.acquire()).as_mut().poll(&mut cx) else {
        panic!("a free permit is taken at once");
    };
    let mut waiting: Vec<_> = (0..4).map(|_| Box::pin(sem.acquire())).collect();
    for w in &mut waiting {
        assert!(w.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(sem.waiters(), 4);
    drop(held);
    // The permit went to the first waiter: a newcomer cannot take it, nor the others.
    assert!(Box::pin(sem.acquire()).as_mut().poll(&mut cx).is_pending());
    for w in &mut waiting[1..] {
        assert!(w.as_mut().poll(&mut cx).is_pending());
    }
    let Poll::Ready(first) = waiting[0].as_mut().poll(&mut cx) else {
        panic!("the first waiter was handed the permit");
    };
    drop(first);
    // The second was handed it next, and gives up: it goes on to the third.
    drop(waiting.remove(1));
    assert!(
        waiting[2].as_mut().poll(&mut cx).is_pending(),
        "the fourth waits"
    );
    let Poll::Ready(third) = waiting[1].as_mut().poll(&mut cx) else {
        panic!("the third waiter got the permit the second gave up");
    };
    assert_eq!((sem.holders(), sem.waiters()), (1, 1));
    drop(third);
    assert!(waiting[2].as_mut().poll(&mut cx).is_ready());
}

#[test]
fn a_channel_closes_when_its_last_receiver_goes_though_senders_remain() {
    reset();
    let (tx, rx) = channel::<u32>("queue", 4);
    let tx2 = tx.clone();
    let id = tx.id();
    let rx2 = rx.clone();
    drop(rx);
    let closed = || with_recorder(|r| r.resource_stats(id).is_some_and(|r| r.closed_ms.is_some()));
    assert!(!closed());
    drop(rx2);
    assert!(
        closed(),
        "no receiver: async-channel closes it, and so does the record"
    );
    assert!(tx.try_send(1).is_err());
    drop((tx, tx2));
}

#[test]
fn a_channel_closed_by_its_senders_still_counts_what_its_receiver_drains() {
    reset();
    let (tx, rx) = channel::<u32>("queue", 4);
    let id = tx.id();
    tx.try_send(1).expect("room");
    tx.try_send(2).expect("room");
    drop(tx);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    for want in [1, 2] {
        let mut recv = Box::pin(rx.recv());
        assert!(matches!(recv.as_mut().poll(&mut cx), Poll::Ready(Ok(v)) if v == want));
    }
    let detail = with_recorder(|r| {
        r.resource_stats(id)
            .map(|r| (r.closed_ms.is_some(), r.detail.clone()))
    });
    assert!(
        matches!(
            detail,
            Some((
                true,
                ResourceDetail::Channel {
                    sent: 2,
                    received: 2,
                    depth: 0,
                    ..
                }
            ))
        ),
        "{detail:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Traced futures polled by hand

/// The executor's side: counts how often the task was woken.
struct Executor(AtomicUsize);

impl Wake for Executor {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future whose every poll runs `step`.
struct Scripted<S>(S);

impl<S: FnMut(&mut Context<'_>) -> Poll<()> + Unpin> Future for Scripted<S> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        (self.0)(cx)
    }
}

fn fresh() -> (Arc<Executor>, Waker) {
    reset();
    set_fake_now(None);
    let executor = Arc::new(Executor(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&executor));
    (executor, waker)
}

fn poll<F: Future>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

fn stats(id: TaskId) -> TaskStats {
    with_recorder(|r| r.task(id).cloned()).expect("traced")
}

fn warning_codes() -> Vec<&'static str> {
    with_recorder(|r| r.warnings().iter().map(|w| w.kind.code()).collect())
}

fn keeper(
    slot: &Rc<RefCell<Option<Waker>>>,
) -> Scripted<impl FnMut(&mut Context<'_>) -> Poll<()> + Unpin> {
    let keep = Rc::clone(slot);
    Scripted(move |cx: &mut Context<'_>| {
        *keep.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
}

#[test]
fn a_kept_waker_wakes_the_task_and_its_copies_are_counted() {
    let (executor, waker) = fresh();
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let keep = Rc::clone(&slot);
    let mut polls = 0;
    let fut = instrument(
        "keeper",
        Scripted(move |cx: &mut Context<'_>| {
            polls += 1;
            if polls == 1 {
                *keep.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }),
    );
    let id = fut.id();
    let mut fut = Box::pin(fut);
    assert!(
        with_recorder(|r| r.task(id).is_none()),
        "no row before the first poll"
    );
    assert!(poll(fut.as_mut(), &waker).is_pending());
    assert_eq!(stats(id).wakers_alive(), 1);
    let kept = slot.borrow_mut().take().expect("the future kept its waker");
    kept.wake();
    assert_eq!(
        executor.0.load(Ordering::SeqCst),
        1,
        "the real task was woken"
    );
    assert!(poll(fut.as_mut(), &waker).is_ready());
    let t = stats(id);
    assert_eq!(t.state, TaskState::Done);
    assert_eq!((t.polls, t.wakes, t.self_wakes), (2, 1, 0));
    assert_eq!((t.waker_clones, t.waker_drops), (1, 1));
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
}

#[test]
fn an_instrumented_future_created_early_starts_its_row_at_its_first_poll() {
    let (_, waker) = fresh();
    set_fake_now(Some(100.0));
    let fut = instrument("later", Scripted(|_: &mut Context<'_>| Poll::Ready(())));
    let id = fut.id();
    let mut fut = Box::pin(fut);
    set_fake_now(Some(5000.0)); // awaited five seconds later
    assert!(with_recorder(|r| r.task(id).is_none()), "no row yet");
    super::record(|r| r.check_stalled(5000.0));
    assert!(poll(fut.as_mut(), &waker).is_ready());
    let t = stats(id);
    assert_eq!(t.spawned_ms, 5000.0);
    assert_eq!(
        t.scheduled_ms, 0.0,
        "the wait before it was awaited is not scheduled time"
    );
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
    set_fake_now(None);
}

#[test]
fn pending_without_keeping_the_waker_is_a_lost_waker() {
    let (_, waker) = fresh();
    let mut fut = Box::pin(instrument(
        "forgetful",
        Scripted(|_: &mut Context<'_>| Poll::Pending),
    ));
    assert!(poll(fut.as_mut(), &waker).is_pending());
    assert_eq!(warning_codes(), vec!["lost-waker"]);
}

#[test]
fn waking_itself_in_every_poll_is_a_self_wake_storm() {
    let (executor, waker) = fresh();
    let fut = instrument(
        "spinner",
        Scripted(|cx: &mut Context<'_>| {
            cx.waker().wake_by_ref();
            Poll::Pending
        }),
    );
    let id = fut.id();
    let mut fut = Box::pin(fut);
    for _ in 0..12 {
        assert!(poll(fut.as_mut(), &waker).is_pending());
    }
    let t = stats(id);
    assert_eq!((t.wakes, t.self_wakes), (12, 12));
    assert_eq!(t.state, TaskState::Scheduled, "woken in its poll: not idle");
    assert_eq!(executor.0.load(Ordering::SeqCst), 12);
    assert_eq!(warning_codes(), vec!["self-wake-storm"]);
}

#[test]
fn a_wake_inside_with_wake_source_is_attributed_to_that_source() {
    let (_, waker) = fresh();
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let mut fut = Box::pin(instrument("sleeper", keeper(&slot)));
    assert!(poll(fut.as_mut(), &waker).is_pending());
    let kept = slot.borrow_mut().take().expect("kept");
    with_wake_source(WakeSource::Timer, || kept.wake_by_ref());
    let sources: Vec<WakeSource> = with_recorder(|r| {
        r.events()
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Woken { by, .. } => Some(by),
                _ => None,
            })
            .collect()
    });
    assert_eq!(sources, vec![WakeSource::Timer]);
}

#[test]
fn a_self_wake_inside_via_is_a_self_wake_not_the_resource() {
    let (_, waker) = fresh();
    let resource = ResourceId::new(77).expect("id");
    let fut = instrument(
        "yields-inside-via",
        via(
            WakeSource::Channel(resource),
            Scripted(|cx: &mut Context<'_>| {
                cx.waker().wake_by_ref();
                Poll::Pending
            }),
        ),
    );
    let id = fut.id();
    let mut fut = Box::pin(fut);
    assert!(poll(fut.as_mut(), &waker).is_pending());
    let t = stats(id);
    assert_eq!((t.wakes, t.self_wakes), (1, 1));
}

#[test]
fn a_poll_longer_than_50_ms_on_the_fake_clock_warns() {
    let (_, waker) = fresh();
    set_fake_now(Some(1000.0));
    let fut = instrument(
        "blocker",
        Scripted(|_: &mut Context<'_>| {
            set_fake_now(Some(1300.0)); // a 300 ms busy loop
            Poll::Ready(())
        }),
    );
    let id = fut.id();
    let mut fut = Box::pin(fut);
    assert!(poll(fut.as_mut(), &waker).is_ready());
    assert_eq!(stats(id).busy_ms, 300.0);
    assert_eq!(warning_codes(), vec!["long-poll"]);
    set_fake_now(None);
}

#[test]
fn dropping_records_the_reason_given_else_dropped() {
    let (_, waker) = fresh();
    let one: Rc<RefCell<Option<Waker>>> = Rc::default();
    let two: Rc<RefCell<Option<Waker>>> = Rc::default();
    let timed_out = instrument("slow", keeper(&one));
    let dropped = instrument("abandoned", keeper(&two));
    let (a, b) = (timed_out.id(), dropped.id());
    let mut timed_out = Box::pin(timed_out);
    let mut dropped = Box::pin(dropped);
    assert!(poll(timed_out.as_mut(), &waker).is_pending());
    assert!(poll(dropped.as_mut(), &waker).is_pending());
    drop_with_reason(CancelReason::TimedOut, || drop(timed_out));
    drop(dropped);
    assert_eq!(stats(a).cancel_reason(), Some(CancelReason::TimedOut));
    assert_eq!(stats(b).cancel_reason(), Some(CancelReason::Dropped));
    assert_eq!(stats(a).state, TaskState::Cancelled);
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
}

#[test]
fn a_future_dropped_before_its_first_poll_is_recorded_so_without_a_warning() {
    let _ = fresh();
    let fut = instrument("unlucky", Scripted(|_: &mut Context<'_>| Poll::Ready(())));
    let id = fut.id();
    drop_with_reason(CancelReason::LostSelect, || drop(fut));
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
    let t = stats(id);
    assert_eq!(t.cancel_reason(), Some(CancelReason::LostSelect));
    assert_eq!(t.polls, 0);
}

#[test]
fn an_instrument_created_inside_a_poll_is_a_child_of_that_task() {
    let (_, waker) = fresh();
    let child: Rc<RefCell<Option<TaskId>>> = Rc::default();
    let seen = Rc::clone(&child);
    let parent = instrument(
        "parent",
        Scripted(move |cx: &mut Context<'_>| {
            let c = instrument("child", Scripted(|_: &mut Context<'_>| Poll::Ready(())));
            *seen.borrow_mut() = Some(c.id());
            Box::pin(c).as_mut().poll(cx)
        }),
    );
    let parent_id = parent.id();
    let mut parent = Box::pin(parent);
    assert!(poll(parent.as_mut(), &waker).is_ready());
    let child = child.borrow().expect("created");
    assert_eq!(stats(child).parent, Some(parent_id));
    assert!(stats(child).nested);
}

/// `outer` polls `inner` (an instrumented future) and returns what it returns.
fn nest<F: Future<Output = ()> + Unpin + 'static>(
    name: &str,
    inner: F,
) -> Traced<Scripted<impl FnMut(&mut Context<'_>) -> Poll<()> + Unpin>> {
    let mut inner = Box::pin(inner);
    instrument(
        name,
        Scripted(move |cx: &mut Context<'_>| inner.as_mut().poll(cx)),
    )
}

#[test]
fn a_nested_child_neither_copies_the_parents_waker_nor_hides_its_lost_waker() {
    let (_, waker) = fresh();
    let child = instrument("child", Scripted(|_: &mut Context<'_>| Poll::Pending));
    let child_id = child.id();
    let parent = nest("parent", child);
    let parent_id = parent.id();
    let mut parent = Box::pin(parent);
    assert!(poll(parent.as_mut(), &waker).is_pending());
    let p = stats(parent_id);
    assert_eq!(
        (p.waker_clones, p.waker_drops),
        (0, 0),
        "the child holds no counted copy"
    );
    assert_eq!(
        with_recorder(codes),
        vec![(parent_id, "lost-waker")],
        "nobody can wake the parent: said of it (not of the nested child, which it re-polls)"
    );
    assert!(stats(child_id).nested);
}

#[test]
fn a_waker_kept_by_a_nested_child_keeps_the_parent_wakeable() {
    let (executor, waker) = fresh();
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let child = instrument("child", keeper(&slot));
    let child_id = child.id();
    let parent = nest("parent", child);
    let parent_id = parent.id();
    let mut parent = Box::pin(parent);
    assert!(poll(parent.as_mut(), &waker).is_pending());
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
    assert_eq!(stats(child_id).wakers_alive(), 1);
    assert_eq!(stats(parent_id).wakers_alive(), 0);
    let kept = slot.borrow_mut().take().expect("kept");
    kept.wake();
    assert_eq!(
        executor.0.load(Ordering::SeqCst),
        1,
        "through the parent to the executor"
    );
    assert_eq!((stats(child_id).wakes, stats(parent_id).wakes), (1, 1));
    assert!(
        warning_codes().is_empty(),
        "dropping the child's waker after waking loses nothing"
    );
}

#[test]
fn a_self_wake_inside_a_child_is_a_self_wake_of_the_parent_too() {
    let (_, waker) = fresh();
    let child = instrument(
        "spinning-child",
        Scripted(|cx: &mut Context<'_>| {
            cx.waker().wake_by_ref();
            Poll::Pending
        }),
    );
    let parent = nest("parent", child);
    let parent_id = parent.id();
    let mut parent = Box::pin(parent);
    for _ in 0..12 {
        assert!(poll(parent.as_mut(), &waker).is_pending());
    }
    let p = stats(parent_id);
    assert_eq!((p.wakes, p.self_wakes), (12, 12));
    assert!(with_recorder(codes).contains(&(parent_id, "self-wake-storm")));
}

#[test]
fn a_long_chunk_in_a_nested_child_is_one_warning_and_its_time_is_counted_once() {
    let (_, waker) = fresh();
    set_fake_now(Some(1000.0));
    let child = instrument(
        "chunk",
        Scripted(|_: &mut Context<'_>| {
            set_fake_now(Some(1060.0)); // 60 ms of work inside the child
            Poll::Ready(())
        }),
    );
    let child_id = child.id();
    let parent = nest("task", child);
    let parent_id = parent.id();
    let mut parent = Box::pin(parent);
    assert!(poll(parent.as_mut(), &waker).is_ready());
    assert_eq!(
        with_recorder(codes),
        vec![(child_id, "long-poll")],
        "one warning, on the child that ran long"
    );
    let (p, c) = (stats(parent_id), stats(child_id));
    assert_eq!(c.busy_ms, 60.0);
    assert_eq!(p.busy_ms, 0.0, "the parent's own time");
    assert_eq!(p.in_children_ms(), 60.0);
    assert_eq!(p.busy_ms + c.busy_ms, 60.0, "nothing counted twice");
    set_fake_now(None);
}

#[test]
fn two_short_children_making_a_long_poll_warn_on_the_parent() {
    let (_, waker) = fresh();
    set_fake_now(Some(0.0));
    let step = |to: f64| {
        instrument(
            "half",
            Scripted(move |_: &mut Context<'_>| {
                set_fake_now(Some(to));
                Poll::Ready(())
            }),
        )
    };
    let mut a = Box::pin(step(30.0));
    let mut b = Box::pin(step(60.0));
    let parent = instrument(
        "parent",
        Scripted(move |cx: &mut Context<'_>| {
            let _ = a.as_mut().poll(cx);
            let _ = b.as_mut().poll(cx);
            Poll::Ready(())
        }),
    );
    let parent_id = parent.id();
    let mut parent = Box::pin(parent);
    assert!(poll(parent.as_mut(), &waker).is_ready());
    assert_eq!(with_recorder(codes), vec![(parent_id, "long-poll")]);
    set_fake_now(None);
}

#[test]
fn subscribers_hear_of_changes_until_they_unsubscribe() {
    let _ = fresh();
    let heard = Rc::new(std::cell::Cell::new(0));
    let counter = Rc::clone(&heard);
    let subscription = subscribe(move || counter.set(counter.get() + 1));
    let fut = instrument("noticed", Scripted(|_: &mut Context<'_>| Poll::Ready(())));
    let mut fut = Box::pin(fut);
    let _ = poll(fut.as_mut(), &noop_waker());
    assert!(heard.get() >= 1);
    drop(subscription);
    let before = heard.get();
    drop(fut);
    assert_eq!(heard.get(), before);
}

// ---------------------------------------------------------------------------------------------
// Replay

#[test]
fn as_of_rebuilds_the_states_and_stats_of_a_past_moment() {
    let mut rec = Recorder::default();
    let main = rec.spawn("main", None, here(), 0.0);
    rec.waker_cloned(main);
    rec.poll(main, 1.0, 2.0, false);
    let mid = rec.recorded() - 1;
    rec.woken(main, WakeSource::Timer, 100.0);
    rec.poll(main, 101.0, 160.0, true); // a long poll: warned after `mid`
    let past = rec.as_of(mid);
    let t = past.task(main).expect("rebuilt");
    assert_eq!(t.state, TaskState::Idle);
    assert_eq!(t.polls, 1);
    assert_eq!(t.name(), "main");
    assert_eq!(past.events().len(), 2);
    assert!(past.warnings().is_empty(), "the long poll came later");
    let now = rec.as_of(rec.recorded() - 1);
    let t = now.task(main).expect("rebuilt");
    assert_eq!((t.state, t.polls, t.wakes), (TaskState::Done, 2, 1));
    assert_eq!(t.busy_ms, 60.0);
    assert_eq!(now.warnings().len(), 1);
    assert_eq!(now.recorded(), rec.recorded());
}

#[test]
fn as_of_after_the_log_wraps_keeps_main_and_the_live_event_numbers() {
    let mut rec = Recorder::new(Limits {
        events: 50,
        finished_tasks: 100,
        warnings: 100,
    });
    let main = rec.spawn("main", None, here(), 0.0);
    rec.waker_cloned(main);
    let sem = semaphore(&mut rec, 1);
    rec.resource(
        sem,
        Some(main),
        ResourceEvent::Acquired {
            holders: 1,
            waiters: 0,
        },
        0.5,
    );
    rec.poll(main, 0.0, 1.0, false);
    let worker = rec.spawn("worker", None, here(), 1.0);
    rec.waker_cloned(worker);
    let mut t = 2.0;
    for _ in 0..40 {
        rec.woken(worker, WakeSource::Timer, t);
        rec.poll(worker, t, t + 0.5, false);
        t += 1.0;
    }
    rec.woken(worker, WakeSource::Timer, t);
    rec.poll(worker, t, t + 80.0, false); // a long poll, inside the kept window
    assert!(rec.events().dropped() > 0, "the log wrapped");
    let first = rec.events().first_seq();
    let long_poll = rec.warnings().iter().next().cloned().expect("warned");
    for seq in [first, first + 10, rec.recorded() - 1] {
        let past = rec.as_of(seq);
        let m = past.task(main).expect("main is there at every kept moment");
        assert_eq!(m.state, TaskState::Idle);
        assert_eq!(m.polls, 1);
        assert!(!m.wakers_known, "replayed: waker copies are not events");
        let s = past
            .resource_stats(sem)
            .expect("the semaphore created before the window");
        assert!(matches!(
            s.detail,
            ResourceDetail::Semaphore { holders: 1, .. }
        ));
        assert_eq!(past.events().first_seq(), first, "live numbering");
        assert_eq!(past.recorded(), seq + 1);
    }
    let end = rec.as_of(rec.recorded() - 1);
    let w = end
        .warnings()
        .iter()
        .next()
        .cloned()
        .expect("replayed warning");
    assert_eq!(
        (w.event, w.kind.clone()),
        (long_poll.event, long_poll.kind.clone())
    );
    assert!(
        matches!(
            end.events().get(w.event).map(|e| e.kind.clone()),
            Some(EventKind::Polled { ready: false, .. })
        ),
        "the warning points at the same event in the replay"
    );
    let worker_polls = end.task(worker).map(|t| t.polls);
    assert_eq!(worker_polls, rec.task(worker).map(|t| t.polls));
    assert_eq!(
        rec.snapshot_size().0,
        2,
        "the snapshot holds the two live tasks"
    );
}

#[test]
fn the_snapshot_forgets_tasks_as_they_leave_and_keeps_the_warnings_of_their_last_polls() {
    let mut rec = Recorder::new(Limits {
        events: 20,
        finished_tasks: 100,
        warnings: 100,
    });
    let main = pending_with_waker(&mut rec, "main");
    let (mut t, mut long) = (2.0, None);
    for i in 0..30 {
        let id = rec.spawn("short", None, here(), t);
        // One of them ends in a long poll: its warning must outlive its events.
        let end = if i == 5 { t + 80.0 } else { t + 0.5 };
        rec.poll(id, t, end, true);
        if i == 5 {
            long = Some(id);
        }
        t = end + 1.0;
    }
    assert!(rec.events().dropped() > 20, "the log wrapped");
    assert_eq!(
        rec.snapshot_size().0,
        1,
        "the oldest kept moment has only main alive"
    );
    let past = rec.as_of(rec.events().first_seq());
    assert!(past.task(main).is_some());
    let replayed: Vec<(TaskId, &str)> = past
        .warnings()
        .iter()
        .map(|w| (w.task, w.kind.code()))
        .collect();
    assert_eq!(replayed, codes(&rec), "a replay shows the live warnings");
    assert_eq!(replayed, [(long.expect("spawned"), "long-poll")]);
}

/// What a moment shows of its tasks and warnings (waker counts aside: not events).
fn moment(rec: &Recorder) -> Vec<String> {
    let mut out: Vec<String> = rec
        .tasks()
        .map(|t| {
            format!(
                "{} {:?} parent {:?} nested {} spawned {} polls {} wakes {} busy {} scheduled {} ended {:?}",
                t.id, t.state, t.parent, t.nested, t.spawned_ms, t.polls, t.wakes, t.busy_ms,
                t.scheduled_ms, t.ended_ms
            )
        })
        .collect();
    out.extend(
        rec.warnings()
            .iter()
            .map(|w| format!("{} {}", w.task, w.kind.code())),
    );
    out
}

#[test]
fn short_lives_left_out_of_the_snapshot_replay_as_an_unbounded_recording_shows_them() {
    // Tasks spawned and ended at once (the spawn and the last poll leave the log together, and
    // the snapshot skips both when the last poll is quiet), among a long poll, a self-wake, a
    // large future and a failure: after every call, the oldest kept moment replays as the
    // recording that keeps everything shows it.
    let mut small = Recorder::new(Limits {
        events: 7,
        finished_tasks: 1000,
        warnings: 100,
    });
    let mut big = Recorder::default();
    let main = TaskId::new(4_999_999).expect("non-zero");
    let main_meta = Recorder::default().task_meta("main", here(), 8, TaskKind::Spawned);
    for r in [&mut small, &mut big] {
        r.spawn_task(main, Rc::clone(&main_meta), None, 0.0);
        r.waker_cloned(main);
        r.poll(main, 0.0, 1.0, false);
    }
    let mut t = 2.0;
    for i in 0..40u64 {
        let id = TaskId::new(5_000_000 + i).expect("non-zero");
        let size = if i % 7 == 3 { LARGE_FUTURE_BYTES } else { 8 };
        let meta = Recorder::default().task_meta("short", here(), size, TaskKind::Instrumented);
        let poll = PollRecord {
            start_ms: t,
            children_ms: 0.0,
            ready: true,
            self_wakes: u16::from(i % 5 == 1),
            child_long: false,
        };
        let end = if i % 6 == 2 { t + 80.0 } else { t + 0.5 };
        for r in [&mut small, &mut big] {
            r.first_poll(id, Rc::clone(&meta), Some(main), t);
            r.polled(id, end, poll);
            if i % 4 == 0 {
                r.failed(id, "no", end);
            }
        }
        let first = small.events().first_seq();
        assert_eq!(
            moment(&small.as_of(first)),
            moment(&big.as_of(first)),
            "after task {i}"
        );
        t = end + 1.0;
    }
    assert!(small.events().dropped() > 50, "the small log wrapped");
}

#[test]
fn every_kept_moment_replays_as_an_unbounded_recording_shows_it() {
    // The same calls into a recorder that keeps 40 events and one that keeps them all: each
    // moment the small one still holds replays to what the big one shows of it, whatever
    // left its log (spawns alone, quiet and long last polls, wakes, instrumented children).
    let small = RefCell::new(Recorder::new(Limits {
        events: 40,
        finished_tasks: 1000,
        warnings: 100,
    }));
    let big = RefCell::new(Recorder::default());
    let both = |f: &dyn Fn(&mut Recorder)| {
        f(&mut small.borrow_mut());
        f(&mut big.borrow_mut());
    };
    let id = |n: u64| TaskId::new(n).expect("non-zero");
    let spawn = |task: TaskId, name: &str, kind: TaskKind, parent: Option<TaskId>, t: f64| {
        let meta = Recorder::default().task_meta(name, here(), 0, kind);
        both(&|r| match kind {
            TaskKind::Spawned => r.spawn_task(task, Rc::clone(&meta), parent, t),
            _ => r.first_poll(task, Rc::clone(&meta), parent, t),
        });
    };
    let main = id(1_000_000);
    spawn(main, "main", TaskKind::Spawned, None, 0.0);
    both(&|r| r.waker_cloned(main));
    both(&|r| r.poll(main, 0.0, 0.5, false));
    let mut t = 1.0;
    for round in 0..12u64 {
        // A slow task a round, alive long after its spawn left the log: three rounds on it
        // is woken (that wake leaves the log in turn), four rounds on it ends.
        spawn(
            id(4_000_000 + round),
            "slow",
            TaskKind::Spawned,
            Some(main),
            t,
        );
        if round >= 3 {
            let slow = id(4_000_000 + round - 3);
            both(&|r| r.poll(slow, t, t + 0.5, false));
            both(&|r| r.woken(slow, WakeSource::Timer, t + 1.0));
        }
        if round >= 4 {
            let slow = id(4_000_000 + round - 4);
            both(&|r| r.poll(slow, t + 1.0, t + 1.5, true));
        }
        // A burst of spawns, then their polls: some end at once, one in a long poll, others
        // wait for a wake first.
        let ids: Vec<TaskId> = (0..6).map(|i| id(2_000_000 + round * 10 + i)).collect();
        for task in &ids {
            spawn(*task, "burst", TaskKind::Spawned, Some(main), t);
            t += 0.25;
        }
        let child = id(3_000_000 + round);
        spawn(child, "kid", TaskKind::Instrumented, Some(main), t);
        both(&|r| r.poll(child, t, t + 0.5, round % 3 == 0));
        for (i, task) in ids.iter().enumerate() {
            let start = t + i as f64;
            match i {
                0 | 1 => both(&|r| r.poll(*task, start, start + 0.5, true)),
                2 => both(&|r| r.poll(*task, start, start + 80.0, true)),
                _ => {
                    both(&|r| r.waker_cloned(*task));
                    both(&|r| r.poll(*task, start, start + 0.5, false));
                    both(&|r| r.woken(*task, WakeSource::Timer, start + 2.0));
                    both(&|r| r.poll(*task, start + 3.0, start + 3.5, true));
                }
            }
        }
        t += 100.0;
    }
    let small = small.into_inner();
    let big = big.into_inner();
    assert!(small.events().dropped() > 200, "the small log wrapped");
    for seq in small.events().first_seq()..small.recorded() {
        assert_eq!(
            moment(&small.as_of(seq)),
            moment(&big.as_of(seq)),
            "moment {seq}"
        );
    }
}

#[test]
fn as_of_replays_resources_from_their_initial_state() {
    let mut rec = Recorder::default();
    let sem = semaphore(&mut rec, 1);
    rec.resource(
        sem,
        None,
        ResourceEvent::Acquired {
            holders: 1,
            waiters: 0,
        },
        1.0,
    );
    let mid = rec.recorded() - 1;
    rec.resource(sem, None, ResourceEvent::Released { holders: 0 }, 2.0);
    let held = rec.as_of(mid).resource_stats(sem).map(|r| r.detail.clone());
    assert!(matches!(
        held,
        Some(ResourceDetail::Semaphore {
            holders: 1,
            max_holders: 1,
            ..
        })
    ));
    let before = rec.as_of(0).resource_stats(sem).map(|r| r.detail.clone());
    assert!(matches!(
        before,
        Some(ResourceDetail::Semaphore {
            holders: 0,
            max_holders: 0,
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// The Chrome trace, as Perfetto reads it

/// main (#1) spawns child; child sleeps and is woken by a timer; it releases a semaphore that
/// wakes waiter; child's completion wakes main; main's last poll is long.
fn recording() -> (Recorder, TaskId, TaskId, TaskId) {
    let mut rec = Recorder::new(Limits::default());
    let main = rec.spawn("main", None, here(), 0.0);
    rec.waker_cloned(main);
    let child = rec.spawn("child", Some(main), here(), 1.5);
    let waiter = rec.spawn("waiter", Some(main), here(), 1.6);
    let sem = semaphore(&mut rec, 1);
    rec.poll(main, 1.0, 2.0, false);
    rec.waker_cloned(child);
    rec.resource(
        sem,
        Some(child),
        ResourceEvent::Acquired {
            holders: 1,
            waiters: 0,
        },
        3.0,
    );
    rec.sleep_started(child, 100.0, 3.0);
    rec.poll(child, 3.0, 3.0, false); // a poll the coarse clock saw as 0 µs
    rec.waker_cloned(waiter);
    rec.resource(
        sem,
        Some(waiter),
        ResourceEvent::Waiting { waiters: 1 },
        3.6,
    );
    rec.poll(waiter, 3.5, 4.0, false);
    rec.woken(child, WakeSource::Timer, 104.0);
    rec.resource(
        sem,
        Some(child),
        ResourceEvent::Released { holders: 0 },
        105.2,
    );
    rec.wake(waiter, WakeSource::Semaphore(sem), Some(child), 105.2);
    rec.poll(child, 105.0, 106.0, true);
    // Handed over after its poll.
    rec.wake(main, WakeSource::Task(child), Some(child), 106.0);
    rec.poll(waiter, 106.5, 106.5, true);
    rec.poll(main, 107.0, 180.0, true); // a long poll: a warning
    (rec, main, child, waiter)
}

fn parse(rec: &Recorder) -> Vec<Value> {
    let text = chrome_trace(rec, 200.0);
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
    parsed["traceEvents"]
        .as_array()
        .cloned()
        .expect("traceEvents")
}

fn of<'a>(events: &'a [Value], ph: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["ph"] == ph).collect()
}

#[test]
fn every_task_has_a_begin_and_an_end_and_one_named_track() {
    let (rec, main, ..) = recording();
    let events = parse(&rec);
    assert_eq!(of(&events, "b").len(), 3);
    assert_eq!(of(&events, "e").len(), 3);
    let mut names: HashMap<u64, Vec<String>> = HashMap::new();
    for m in of(&events, "M")
        .into_iter()
        .filter(|m| m["name"] == "thread_name")
    {
        names
            .entry(m["tid"].as_u64().expect("tid"))
            .or_default()
            .push(m["args"]["name"].as_str().unwrap_or("").to_string());
    }
    assert!(names.values().all(|n| n.len() == 1), "{names:?}");
    assert_eq!(names[&main.get()], vec![format!("main {main}")]);
    assert!(names.contains_key(&EVENT_LOOP_TID));
    let main_end = of(&events, "e")
        .into_iter()
        .find(|e| e["id"] == main.get())
        .cloned()
        .expect("main's end");
    assert_eq!(main_end["ts"], 180_000.0, "microseconds");
    assert_eq!(main_end["args"]["state"], "done");
}

#[test]
fn no_event_sits_on_tid_0() {
    let (rec, ..) = recording();
    for e in parse(&rec) {
        if let Some(tid) = e.get("tid") {
            assert_ne!(tid, 0, "{e}");
        }
    }
}

#[test]
fn every_poll_is_a_slice_of_at_least_1_us_that_never_overlaps_its_previous() {
    let (rec, _, child, _) = recording();
    let events = parse(&rec);
    let mut by_tid: HashMap<u64, Vec<(f64, f64)>> = HashMap::new();
    for x in of(&events, "X").into_iter().filter(|x| x["cat"] == "poll") {
        let dur = x["dur"].as_f64().expect("dur");
        assert!(dur >= 1.0, "{x}");
        by_tid
            .entry(x["tid"].as_u64().expect("tid"))
            .or_default()
            .push((x["ts"].as_f64().expect("ts"), dur));
    }
    for slices in by_tid.values() {
        for pair in slices.windows(2) {
            assert!(pair[1].0 >= pair[0].0 + pair[0].1, "{slices:?}");
        }
    }
    assert_eq!(
        by_tid[&child.get()][0],
        (3000.0, 1.0),
        "the 0 µs poll is 1 µs"
    );
}

#[test]
fn every_flow_starts_and_ends_inside_a_slice_of_its_track() {
    let (rec, main, child, waiter) = recording();
    let events = parse(&rec);
    let slices: Vec<(u64, f64, f64)> = of(&events, "X")
        .into_iter()
        .map(|x| {
            let ts = x["ts"].as_f64().unwrap_or(-1.0);
            (
                x["tid"].as_u64().unwrap_or(0),
                ts,
                ts + x["dur"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let inside = |e: &Value| {
        let tid = e["tid"].as_u64().unwrap_or(0);
        let ts = e["ts"].as_f64().unwrap_or(-1.0);
        slices
            .iter()
            .any(|&(t, start, end)| t == tid && start <= ts && ts <= end && end > start)
    };
    let starts = of(&events, "s");
    let ends = of(&events, "f");
    assert_eq!(
        starts.len(),
        3,
        "timer -> child, semaphore -> waiter, child -> main"
    );
    assert_eq!(ends.len(), 3);
    for e in starts.iter().chain(&ends) {
        assert!(inside(e), "outside any slice of its track: {e}");
    }
    for f in &ends {
        assert_eq!(f["bp"], "e");
        let s_index = events
            .iter()
            .position(|e| e["ph"] == "s" && e["id"] == f["id"]);
        let f_index = events.iter().position(|e| e == *f);
        assert!(s_index < f_index);
    }
    let start_of = |to: TaskId| {
        let f = ends
            .iter()
            .find(|f| f["tid"] == to.get())
            .expect("an arrow");
        starts
            .iter()
            .find(|s| s["id"] == f["id"])
            .cloned()
            .cloned()
            .expect("paired")
    };
    assert_eq!(
        start_of(child)["tid"],
        EVENT_LOOP_TID,
        "a timer wake starts on the event loop"
    );
    assert_eq!(
        start_of(waiter)["tid"],
        child.get(),
        "the release starts on the releasing task"
    );
    assert_eq!(start_of(waiter)["args"]["by"], "semaphore");
    assert_eq!(
        start_of(main)["tid"],
        child.get(),
        "the finished task hands its output over"
    );
}

#[test]
fn counters_are_keyed_by_resource_and_warnings_are_instants() {
    let (mut rec, main, ..) = recording();
    let other = semaphore(&mut rec, 1); // a second resource of the same name
    rec.resource(
        other,
        None,
        ResourceEvent::Acquired {
            holders: 1,
            waiters: 0,
        },
        190.0,
    );
    let events = parse(&rec);
    let tracks: HashSet<String> = of(&events, "C")
        .into_iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        tracks.len(),
        2,
        "two semaphores named sem get two tracks: {tracks:?}"
    );
    assert!(of(&events, "i")
        .iter()
        .any(|i| i["name"] == "warning: long-poll" && i["tid"] == main.get()));
    assert!(of(&events, "i").iter().any(|i| i["name"] == "sleep 100 ms"));
}

#[test]
fn strings_are_escaped() {
    let mut rec = Recorder::default();
    let id = rec.spawn("a \"quoted\"\nname\\", None, here(), 0.0);
    rec.poll(id, 0.0, 1.0, true);
    rec.failed(id, "bad\tthing \u{1}", 1.0);
    let events = parse(&rec);
    assert!(of(&events, "M").iter().any(|m| m["args"]["name"]
        .as_str()
        .is_some_and(|n| n.starts_with("a \"quoted\"\nname\\"))));
}

#[test]
fn task_rows_carry_the_contract_columns() {
    let (rec, ..) = recording();
    let rows = task_rows(&rec, 200.0);
    let json = serde_json::to_value(&rows[1]).expect("serializes");
    for key in [
        "id",
        "name",
        "parent",
        "state",
        "polls",
        "wakes",
        "self_wakes",
        "busy_ms",
        "idle_ms",
        "scheduled_ms",
        "total_ms",
        "location",
        "size_bytes",
        "in_children_ms",
    ] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    assert_eq!(json["name"], "child");
    assert_eq!(json["polls"], 2);
    assert_eq!(json["busy_ms"], 1.0);
}

#[test]
fn sleep_rows_pair_each_sleep_with_the_poll_that_ended_it() {
    let mut rec = Recorder::default();
    let a = rec.spawn("a", None, here(), 0.0);
    let b = rec.spawn("b", None, here(), 0.0);
    rec.sleep_started(a, 100.0, 1.0);
    rec.sleep_started(b, 50.0, 2.0);
    // b's timer fired at 53 and b was polled at 60: 8 ms late in all.
    rec.sleep_done(b, 50.0, 51.0, 60.0);
    rec.sleep_done(a, 100.0, 100.0, 101.0);
    // A second sleep of a, and one that never ended (not listed).
    rec.sleep_started(a, 10.0, 110.0);
    rec.sleep_done(a, 10.0, 10.5, 120.5);
    rec.sleep_started(b, 10.0, 130.0);
    let rows = sleep_rows(&rec);
    let got: Vec<(u64, f64, f64)> = rows
        .iter()
        .map(|r| (r.task, r.requested_ms, r.late_ms))
        .collect();
    assert_eq!(
        got,
        vec![
            (b.get(), 50.0, 8.0),
            (a.get(), 100.0, 0.0),
            (a.get(), 10.0, 0.5)
        ]
    );
    let json = serde_json::to_value(&rows[0]).expect("serializes");
    for key in ["task", "requested_ms", "started_ms", "polled_ms", "late_ms"] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
}

// ---------------------------------------------------------------------------------------------
// The executor, turned by hand

#[test]
fn tasks_queued_before_a_turn_run_in_it_one_clock_reading_after_each_poll() {
    reset();
    set_fake_now(Some(10.0));
    let a = spawn("a", async { 1 });
    let b = spawn("b", async { 2 });
    let (ida, idb) = (a.id(), b.id());
    let reads = clock::reads();
    assert_eq!(run_until_idle(), 1, "both in one turn");
    assert_eq!(
        clock::reads() - reads,
        3,
        "the turn's start, and after each poll"
    );
    set_fake_now(None);
    let polls: Vec<(TaskId, f64, f64)> = with_recorder(|r| {
        r.events()
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Polled { start_ms, .. } => Some((e.task?, start_ms, e.t_ms)),
                _ => None,
            })
            .collect()
    });
    assert_eq!(polls, vec![(ida, 10.0, 10.0), (idb, 10.0, 10.0)]);
    // The handles give the outputs.
    let joined = spawn("joiner", async move { (a.await, b.await) });
    run_until_idle();
    assert_eq!(
        with_recorder(|r| r.task(joined.id()).map(|t| t.state)),
        Some(TaskState::Done)
    );
}

#[test]
fn a_spawned_task_costs_two_clock_reads_and_an_instrumented_poll_two() {
    // `performance.now()` is a JS call, the largest part of a traced spawn in the browser:
    // this pins how many a task costs in all, so that none creeps in.
    reset();
    set_fake_now(Some(5.0));
    let reads = clock::reads();
    let handles: Vec<JoinHandle<u32>> = (0..1000).map(|i| spawn("t", async move { i })).collect();
    assert_eq!(clock::reads() - reads, 1000, "one at each spawn");
    let reads = clock::reads();
    assert_eq!(run_until_idle(), 1);
    assert_eq!(
        clock::reads() - reads,
        1 + 1000,
        "the turn's start, then one per poll"
    );
    let reads = clock::reads();
    drop(handles);
    assert_eq!(
        clock::reads() - reads,
        0,
        "a finished task's handle dropped: none"
    );

    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let reads = clock::reads();
    for _ in 0..100 {
        let mut fut = std::pin::pin!(instrument("i", async { 1 }));
        assert!(fut.as_mut().poll(&mut cx).is_ready());
    }
    assert_eq!(clock::reads() - reads, 200, "its poll's start and end");
    let reads = clock::reads();
    let mut woken = false;
    let mut fut = std::pin::pin!(instrument(
        "self-waking",
        std::future::poll_fn(move |cx| {
            if woken {
                return Poll::Ready(());
            }
            woken = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
    ));
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        clock::reads() - reads,
        2,
        "a wake during its own poll reads no clock"
    );
    set_fake_now(None);
}

#[test]
fn spawn_local_names_a_task_after_its_call_site_and_records_nothing_of_a_handle() {
    reset();
    let ran = Rc::new(std::cell::Cell::new(0));
    let mut lines = Vec::new();
    for _ in 0..2 {
        let ran = Rc::clone(&ran);
        lines.push(line!() + 1);
        spawn_local(async move { ran.set(ran.get() + 1) });
    }
    let other = Rc::clone(&ran);
    lines.push(line!() + 1);
    spawn_local(async move { other.set(other.get() + 10) });
    // A named task whose handle is dropped while it runs is recorded as detached.
    let detached = spawn("named", async {}).id();
    run_until_idle();
    assert_eq!(ran.get(), 12, "every task ran");
    let site = |line: u32| format!("{}:{line}", file!());
    with_recorder(|rec| {
        let tasks: Vec<&TaskStats> = rec.tasks().filter(|t| t.id != detached).collect();
        let names: Vec<&str> = tasks.iter().map(|t| t.name()).collect();
        assert_eq!(names, [site(lines[0]), site(lines[0]), site(lines[2])]);
        assert!(
            Rc::ptr_eq(&tasks[0].meta, &tasks[1].meta),
            "one place, one description"
        );
        assert!(tasks
            .iter()
            .all(|t| t.state == TaskState::Done && !t.handle_dropped));
        let handle_events: Vec<Option<TaskId>> = rec
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::HandleDropped))
            .map(|e| e.task)
            .collect();
        assert_eq!(handle_events, [Some(detached)], "only the named task's");
    });
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
}

#[test]
fn a_stopped_recording_stays_as_it_was_and_starts_afresh() {
    reset();
    set_fake_now(Some(5.0));
    let (tx, rx) = futures::channel::oneshot::channel::<u8>();
    let before = spawn("before", async move { rx.await.unwrap_or(0) });
    let before_id = before.id();
    run_until_idle();
    let seen = |id| with_recorder(|r| r.task(id).map(|t| (t.state, t.polls)));
    assert_eq!(seen(before_id), Some((TaskState::Idle, 1)));
    let recorded = with_recorder(Recorder::recorded);

    set_recording(false);
    assert!(!is_recording());
    set_recording(false);
    // Over a second later: a task spawned and never polled would be warned about, if recorded.
    set_fake_now(Some(10_000.0));
    let during = spawn("during", async { 1 });
    let during_id = during.id();
    drop(during);
    run_until_idle();
    assert_eq!(with_recorder(Recorder::recorded), recorded);
    assert_eq!(seen(during_id), None);
    assert_eq!(seen(before_id), Some((TaskState::Idle, 1)), "as it was");

    set_recording(true);
    assert!(is_recording());
    // `before` was alive across the stop: the fresh recording does not know it, so its wake
    // and last poll are not misfiled under a row that missed the rest.
    let _ = tx.send(1);
    let after = spawn("after", async { 2 });
    let after_id = after.id();
    run_until_idle();
    assert_eq!(seen(after_id), Some((TaskState::Done, 1)));
    assert_eq!(seen(before_id), None);
    assert_eq!(with_recorder(Recorder::task_count), 1, "afresh");
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());

    set_recording(false);
    reset();
    assert!(!is_recording(), "a reset keeps it stopped");
    set_recording(true);
    set_fake_now(None);
    drop((before, after));
}

#[test]
fn stopping_keeps_what_was_recorded_unchanged() {
    reset();
    let (tx, rx) = futures::channel::oneshot::channel::<u8>();
    let task = spawn("waits", async move { rx.await.unwrap_or(0) });
    let id = task.id();
    run_until_idle();
    let snapshot = || {
        with_recorder(|r| {
            let t = r
                .task(id)
                .map(|t| (t.state, t.polls, t.wakes, t.waker_drops));
            (r.recorded(), t, r.warnings().iter().count())
        })
    };
    let before = snapshot();
    set_recording(false);
    let _ = tx.send(3);
    run_until_idle();
    drop(task);
    drop(spawn("ignored", async {}));
    run_until_idle();
    assert_eq!(snapshot(), before, "frozen: no event, no count, no warning");
    set_recording(true);
}

#[test]
fn a_task_woken_during_a_turn_waits_for_the_next() {
    reset();
    let mut turns = 0;
    let counter = Rc::new(std::cell::Cell::new(0));
    let seen = Rc::clone(&counter);
    let handle = spawn("yields-twice", async move {
        for _ in 0..2 {
            yield_microtask().await;
            seen.set(seen.get() + 1);
        }
    });
    let id = handle.id();
    turns += run_until_idle();
    assert_eq!(
        turns, 3,
        "one poll a turn: the self-wake waits for the next"
    );
    assert_eq!(counter.get(), 2);
    let t = stats(id);
    assert_eq!((t.polls, t.wakes, t.self_wakes), (3, 2, 2));
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
}

#[test]
fn an_abort_before_the_first_poll_drops_it_unpolled_and_the_handle_says_cancelled() {
    reset();
    let victim = spawn("victim", async { 5 });
    let id = victim.id();
    victim.abort();
    let result = Rc::new(RefCell::new(None));
    let out = Rc::clone(&result);
    let _awaiter = spawn("awaiter", async move {
        *out.borrow_mut() = Some(victim.await);
    });
    run_until_idle();
    assert_eq!(*result.borrow(), Some(Err(JoinError::Cancelled(id))));
    let t = stats(id);
    assert_eq!(
        (t.state, t.polls, t.cancel_reason()),
        (TaskState::Cancelled, 0, Some(CancelReason::Aborted))
    );
    assert!(warning_codes().is_empty(), "{:?}", warning_codes());
}

#[test]
fn the_handles_awaiter_is_woken_by_the_task_it_awaits() {
    reset();
    let (tx, rx) = futures::channel::oneshot::channel::<u8>();
    let worker = spawn("worker", async move { rx.await.unwrap_or(0) });
    let worker_id = worker.id();
    let awaiter = spawn("awaiter", worker);
    let awaiter_id = awaiter.id();
    run_until_idle();
    let _ = tx.send(9);
    run_until_idle();
    let by: Vec<(WakeSource, Option<TaskId>)> = with_recorder(|r| {
        r.events()
            .iter()
            .filter(|e| e.task == Some(awaiter_id))
            .filter_map(|e| match e.kind {
                EventKind::Woken { by, from } => Some((by, from)),
                _ => None,
            })
            .collect()
    });
    assert_eq!(by, vec![(WakeSource::Task(worker_id), Some(worker_id))]);
    drop(awaiter);
}

#[test]
fn a_pending_task_nobody_can_wake_is_a_lost_waker_and_its_future_is_dropped_with_it() {
    reset();
    let handle = spawn("forgotten", futures::future::pending::<()>());
    let id = handle.id();
    run_until_idle();
    assert_eq!(warning_codes(), vec!["lost-waker"]);
    drop(handle); // the last reference: the future goes with it
    let t = stats(id);
    assert_eq!(
        (t.state, t.cancel_reason()),
        (TaskState::Cancelled, Some(CancelReason::Dropped))
    );
}

#[test]
fn a_task_spawned_at_a_given_place_says_so() {
    reset();
    let lesson: &'static Location<'static> = Location::caller();
    let handle = Scope::new().spawn_at("main", lesson, async {});
    run_until_idle();
    let t = stats(handle.id());
    assert_eq!(t.location(), Site::from(lesson));
    assert_eq!(t.location().to_string(), lesson.to_string());
}

#[test]
fn a_scope_aborts_its_tasks_and_those_they_spawn() {
    reset();
    let scope = Scope::new();
    let inner_id = Rc::new(std::cell::Cell::new(None));
    let seen = Rc::clone(&inner_id);
    let outer = scope.spawn("outer", async move {
        let inner = spawn("inner", futures::future::pending::<()>());
        seen.set(Some(inner.id()));
        let _ = inner.await;
    });
    run_until_idle();
    assert_eq!(scope.live(), 2);
    scope.abort_all();
    run_until_idle();
    assert_eq!(scope.live(), 0);
    let inner = inner_id.get().expect("spawned");
    assert_eq!(stats(inner).cancel_reason(), Some(CancelReason::Aborted));
    assert_eq!(stats(outer.id()).state, TaskState::Cancelled);
}

#[test]
fn an_instrument_inside_a_spawned_task_nests_without_counting_its_waker() {
    reset();
    let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
    let child = instrument("child", keeper(&slot));
    let child_id = child.id();
    let parent = spawn("parent", child);
    run_until_idle();
    let p = stats(parent.id());
    assert_eq!((p.waker_clones, p.waker_drops), (0, 0));
    assert_eq!(stats(child_id).parent, Some(parent.id()));
    assert!(
        warning_codes().is_empty(),
        "the child's kept waker keeps the parent wakeable"
    );
    slot.borrow_mut().take().expect("kept").wake();
    run_until_idle();
    assert_eq!(stats(parent.id()).wakes, 1);
}
