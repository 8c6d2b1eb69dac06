//! The synchronization and failure lessons run for real in headless Chrome: semaphore, lock,
//! producer-consumer, timeout, cancel and errors. Each test checks the printed lines, their
//! order, that nothing comes before its sleeps could have ended, what each variant must show,
//! and what the trace recorded (holders, queue depth, cancellations and failures).
//! Run with `wasm-pack test --headless --chrome -- --test lessons_sync`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::lessons::RunReport;
use asyncscope::trace::{
    self, instrument, now_ms, sleep, timeout, with_recorder, CancelReason, EventKind,
    ResourceDetail, ResourceEvent, TaskState, WakeSource,
};
use wasm_bindgen_test::*;

mod lesson_run;
use lesson_run::{at, run, task, texts};

wasm_bindgen_test_configure!(run_in_browser);

/// Every verdict of the lesson (its own checks and those measured in the run) passed.
fn assert_all_checks_pass(report: &RunReport) {
    assert!(!report.checks.is_empty(), "judged nothing");
    for check in &report.checks {
        assert!(check.ok, "{check:?}");
    }
}

/// The resource named `name`'s final state, as the trace recorded it.
fn resource(name: &str) -> ResourceDetail {
    with_recorder(|r| {
        r.resources()
            .find(|res| res.name() == name)
            .map(|res| res.detail.clone())
    })
    .unwrap_or_else(|| panic!("no resource {name:?} in the trace"))
}

fn notes(report: &RunReport) -> String {
    texts(&report.notes).join("\n")
}

// semaphore

#[wasm_bindgen_test]
async fn semaphore_with_one_permit_alternates_counting_and_done_counting() {
    let report = run("semaphore", &[]).await;
    assert_eq!(
        texts(&report.lines),
        [
            "counting",
            "done counting",
            "counting",
            "done counting",
            "counting",
            "done counting"
        ]
    );
    // Each count() holds the only permit until it is done: the next starts no sooner.
    for pair in report.lines.windows(2) {
        assert!(pair[0].t_ms <= pair[1].t_ms, "{:?}", report.lines);
    }
    assert_all_checks_pass(&report);
    assert!(
        matches!(
            resource("sem"),
            ResourceDetail::Semaphore {
                permits: 1,
                max_holders: 1,
                holders: 0,
                ..
            }
        ),
        "{:?}",
        resource("sem")
    );
    assert_eq!(task("count-3").state, TaskState::Done);
    assert!(notes(&report).contains("random.random() drew"));
}

#[wasm_bindgen_test]
async fn semaphore_never_exceeds_its_permits() {
    let report = run("semaphore", &[("permits", "2"), ("tasks", "6")]).await;
    assert_all_checks_pass(&report);
    let mut holding = 0;
    let mut most = 0;
    for line in texts(&report.lines) {
        match line {
            "counting" => holding += 1,
            "done counting" => holding -= 1,
            other => panic!("unexpected line {other:?}"),
        }
        most = most.max(holding);
    }
    assert_eq!(most, 2);
    assert!(matches!(
        resource("sem"),
        ResourceDetail::Semaphore {
            permits: 2,
            max_holders: 2,
            ..
        }
    ));
    // Four count()s waited (six start at once, two permits), and the semaphore's wakes went to
    // waiting count()s, each of which then got its permit. Not one wake per waiter: async-lock
    // notifies one listener per release unless one is notified already, so two releases in one
    // pass of the gather (two sleeps ending in one timer callback) wake one waiter, and the next
    // count() the gather polls in that pass takes the other permit without a wake (polled
    // because its parent was, not woken: the trace says so). At least one wake per two releases.
    let events = with_recorder(|r| {
        r.events()
            .iter()
            .map(|e| e.event.clone())
            .collect::<Vec<_>>()
    });
    let is = |e: &trace::Event, want: fn(&ResourceEvent) -> bool| matches!(&e.kind, EventKind::Resource { what, .. } if want(what));
    let waiting = |e: &trace::Event| is(e, |w| matches!(w, ResourceEvent::Waiting { .. }));
    let acquired = |e: &trace::Event| is(e, |w| matches!(w, ResourceEvent::Acquired { .. }));
    assert_eq!(events.iter().filter(|e| waiting(e)).count(), 4);
    let mut by_semaphore = 0;
    for (i, e) in events.iter().enumerate() {
        let EventKind::Woken {
            by: WakeSource::Semaphore(_),
            ..
        } = e.kind
        else {
            continue;
        };
        by_semaphore += 1;
        let (before, after) = events.split_at(i);
        assert!(
            before.iter().any(|b| b.task == e.task && waiting(b)),
            "{e:?} woke a task that was not waiting"
        );
        assert!(
            after.iter().any(|a| a.task == e.task && acquired(a)),
            "{e:?} woke a task that never got its permit"
        );
    }
    assert!(by_semaphore >= 2, "{by_semaphore} wakes by the semaphore");
}

#[wasm_bindgen_test]
async fn semaphore_with_enough_permits_counts_all_at_once() {
    let report = run("semaphore", &[("permits", "3")]).await;
    assert_all_checks_pass(&report);
    assert_eq!(
        texts(&report.lines)[..3],
        ["counting", "counting", "counting"]
    );
}

// lock

#[wasm_bindgen_test]
async fn with_the_lock_no_update_is_lost_and_the_tasks_take_turns() {
    let report = run("lock", &[("tasks", "20"), ("work_ms", "5")]).await;
    assert_eq!(texts(&report.lines), ["counter = 20, expected 20"]);
    assert!(
        report.lines[0].t_ms >= 20.0 * 5.0,
        "{:?}: one after the other takes 100 ms at least",
        report.lines
    );
    assert_all_checks_pass(&report);
    assert!(matches!(
        resource("lock"),
        ResourceDetail::Semaphore {
            permits: 1,
            max_holders: 1,
            ..
        }
    ));
}

#[wasm_bindgen_test]
async fn without_a_lock_updates_are_lost_and_the_tasks_overlap() {
    let report = run(
        "lock",
        &[("lock", "none"), ("tasks", "40"), ("work_ms", "10")],
    )
    .await;
    assert_eq!(texts(&report.lines), ["counter = 1, expected 40"]);
    let t = report.lines[0].t_ms;
    assert!(t >= 10.0, "never early: {t} ms");
    // Overlapping, they take far less than the 400 ms one after the other would.
    assert!(
        t < 200.0,
        "concurrent is at least 2x faster than sequential: {t} ms"
    );
    assert_all_checks_pass(&report);
    assert!(notes(&report).contains("39 of 40 updates were lost"));
    let no_lock = with_recorder(|r| r.resources().all(|res| res.name() != "lock"));
    assert!(no_lock, "the none variant takes no lock");
}

// producer-consumer

#[wasm_bindgen_test]
async fn producer_consumer_hands_over_each_item_and_waits_for_its_answer() {
    let report = run("producer-consumer", &[]).await;
    let mut expected = Vec::new();
    for n in 1..=5 {
        expected.push(format!("[PRODUCER] Producing {n}..."));
        expected.push(format!("[CONSUMER] Consuming {n}..."));
        expected.push("[PRODUCER] Consumer return:200 OK".to_string());
    }
    assert_eq!(texts(&report.lines), expected);
    assert_all_checks_pass(&report);
    let (producer, consumer) = (task("produce"), task("consumer"));
    assert_eq!(
        (producer.state, consumer.state),
        (TaskState::Done, TaskState::Done)
    );
    // A rendezvous: each of the 5 items (and the start) woke the other task through a channel.
    let channel_wakes = |id| {
        with_recorder(|r| {
            r.events()
                .iter()
                .filter(|e| e.task == Some(id))
                .filter(|e| {
                    matches!(
                        e.kind,
                        EventKind::Woken {
                            by: WakeSource::Channel(_),
                            ..
                        }
                    )
                })
                .count()
        })
    };
    assert!(channel_wakes(producer.id) >= 5, "{producer:?}");
    assert!(channel_wakes(consumer.id) >= 5, "{consumer:?}");
    for name in ["c.send(n)", "yield r"] {
        assert!(
            matches!(
                resource(name),
                ResourceDetail::Channel {
                    capacity: 1,
                    max_depth: 1,
                    ..
                }
            ),
            "{name}: {:?}",
            resource(name)
        );
    }
}

#[wasm_bindgen_test]
async fn a_full_queue_makes_the_producer_wait_and_the_depth_is_recorded() {
    let report = run(
        "producer-consumer",
        &[
            ("mode", "queue"),
            ("items", "8"),
            ("capacity", "2"),
            ("produce_ms", "10"),
            ("consume_ms", "60"),
        ],
    )
    .await;
    assert_all_checks_pass(&report);
    let lines = texts(&report.lines);
    let full = lines
        .iter()
        .filter(|l| l.contains("queue full (2/2)"))
        .count();
    assert!(
        full >= 3,
        "the producer, 6x faster, found the queue full: {lines:?}"
    );
    // Consuming in order, each no sooner than the consumer could have got to it.
    for n in 1..=8u32 {
        let t = at(&report, &format!("[CONSUMER] Consuming {n}..."));
        assert!(
            t >= 10.0 + f64::from(n - 1) * 60.0,
            "Consuming {n} at {t} ms"
        );
    }
    assert!(matches!(
        resource("queue"),
        ResourceDetail::Channel {
            capacity: 2,
            max_depth: 2,
            sent: 8,
            received: 8,
            ..
        }
    ));
    let notes = notes(&report);
    assert!(notes.contains("queue depth over time"), "{notes}");
    assert!(
        notes.contains("→ 2"),
        "the depth reached the capacity: {notes}"
    );
}

// timeout

#[wasm_bindgen_test]
async fn wait_for_returns_the_fast_value_and_cancels_the_slow_at_the_deadline() {
    let report = run(
        "timeout",
        &[
            ("timeout_ms", "200"),
            ("fast_ms", "50"),
            ("slow_ms", "5000"),
        ],
    )
    .await;
    assert_eq!(texts(&report.lines), ["fast result", "slow() timed out"]);
    let (fast, slow) = (report.lines[0].t_ms, report.lines[1].t_ms);
    assert!(fast >= 50.0, "fast result at {fast} ms");
    assert!(slow - fast >= 200.0, "timed out {} ms after", slow - fast);
    assert!(
        slow < 5000.0,
        "the deadline, not slow()'s sleep, ended the wait"
    );
    assert_all_checks_pass(&report);
    let slow_task = task("slow");
    assert_eq!(slow_task.state, TaskState::Cancelled);
    assert_eq!(slow_task.cancel_reason(), Some(CancelReason::TimedOut));
    assert_eq!(task("fast").state, TaskState::Done);
    assert!(
        notes(&report).contains("slow(): its cleanup (finally / Drop) ran"),
        "{}",
        notes(&report)
    );
}

#[wasm_bindgen_test]
async fn a_slow_coroutine_within_the_deadline_returns_its_value() {
    let report = run("timeout", &[("timeout_ms", "300"), ("slow_ms", "100")]).await;
    assert_eq!(texts(&report.lines), ["fast result", "slow result"]);
    assert_all_checks_pass(&report);
    assert_eq!(task("slow").state, TaskState::Done);
}

/// The timeout drops slow()'s sleep: its setTimeout is cleared, so nothing wakes the awaiting
/// task when the slow sleep would have ended. Watched while that task is still alive and idle.
#[wasm_bindgen_test]
async fn a_timed_out_sleep_never_fires_later() {
    trace::reset();
    let start = now_ms();
    let main = trace::spawn("main", async {
        let slow = instrument("slow", sleep(Duration::from_millis(300)));
        let timed_out = timeout(Duration::from_millis(100), slow).await.is_err();
        sleep(Duration::from_millis(400)).await; // alive, and idle, past 300 ms
        timed_out
    });
    let id = main.id();
    assert_eq!(main.await, Ok(true));
    let wakes: Vec<f64> = with_recorder(|r| {
        r.events()
            .iter()
            .filter(|e| e.task == Some(id) && matches!(e.kind, EventKind::Woken { .. }))
            .map(|e| e.t_ms - start)
            .collect()
    });
    // The deadline wakes main at ~100 ms and its own sleep at ~500 ms; a wake in between could
    // only be slow()'s timer.
    let stray: Vec<&f64> = wakes.iter().filter(|&&t| t > 150.0 && t < 450.0).collect();
    assert!(stray.is_empty(), "woken at {wakes:?}");
    assert!(wakes.iter().any(|&t| t >= 100.0), "{wakes:?}");
    assert_eq!(task("slow").cancel_reason(), Some(CancelReason::TimedOut));
}

// cancel

#[wasm_bindgen_test]
async fn cancel_stops_the_worker_at_its_next_await_and_main_goes_on() {
    let report = run("cancel", &[]).await;
    assert_eq!(
        texts(&report.lines),
        [
            "working 1",
            "working 2",
            "working 3",
            "working 4",
            "worker: cancelled",
            "main: the task was cancelled",
            "main goes on"
        ]
    );
    for i in 1..=4u32 {
        let t = at(&report, &format!("working {i}"));
        assert!(t >= f64::from(i - 1) * 100.0, "working {i} at {t} ms");
    }
    assert!(at(&report, "worker: cancelled") >= 350.0);
    assert_all_checks_pass(&report);
    let worker = task("worker");
    assert_eq!(worker.state, TaskState::Cancelled);
    assert_eq!(worker.cancel_reason(), Some(CancelReason::Aborted));
    assert_eq!(task("main").state, TaskState::Done);
}

#[wasm_bindgen_test]
async fn cancelling_a_finished_task_does_nothing() {
    let report = run("cancel", &[("cancel_after_ms", "1300")]).await;
    let lines = texts(&report.lines);
    assert_eq!(lines.len(), 12, "{lines:?}");
    assert_eq!(lines[9..], ["working 10", "finished", "main goes on"]);
    assert!(at(&report, "finished") >= 1300.0);
    assert_all_checks_pass(&report);
    assert_eq!(task("worker").state, TaskState::Done);
}

// errors

#[wasm_bindgen_test]
async fn a_task_that_raises_leaves_the_others_unaffected() {
    let report = run("errors", &[]).await;
    assert_eq!(
        texts(&report.lines),
        [
            "a done",
            "a: 'a'",
            "fail raised ValueError('the disk is full')",
            "b done",
            "b: 'b'"
        ]
    );
    assert!(at(&report, "a done") >= 100.0);
    assert!(at(&report, "fail raised ValueError('the disk is full')") >= 200.0);
    assert!(at(&report, "b done") >= 300.0);
    assert_all_checks_pass(&report);
    let fail = task("fail");
    assert_eq!(fail.state, TaskState::Failed);
    assert_eq!(fail.error().map(|e| e.as_str()), Some("the disk is full"));
    assert_eq!(
        (task("a").state, task("b").state),
        (TaskState::Done, TaskState::Done)
    );
    // main saw the error: no warning that it was dropped unseen.
    let codes: Vec<&str> = with_recorder(|r| r.warnings().iter().map(|w| w.kind.code()).collect());
    assert!(!codes.contains(&"error-dropped"), "{codes:?}");
}

// The page's banner for a stopped module (static/wasm-trap.js, loaded by index.html). A real
// trap would stop this test too, so the test page gets the script and synthetic events.

/// Runs `js` as the body of a function, returning its value.
fn js(code: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(code)
        .call0(&wasm_bindgen::JsValue::NULL)
        .expect("the script runs")
}

fn banner_text() -> Option<String> {
    js(
        "const b = document.querySelector('[role=alert][data-testid=wasm-stopped]');\
        return b && b.querySelector('button[data-testid=reload]') ? b.innerText : null;",
    )
    .as_string()
}

#[wasm_bindgen_test]
fn the_stopped_module_banner_answers_a_wasm_trap_and_nothing_else() {
    js(include_str!("../static/wasm-trap.js"));
    js(
        "window.dispatchEvent(new ErrorEvent('error', { error: new TypeError('not a trap') }));\
        window.dispatchEvent(new PromiseRejectionEvent('unhandledrejection', \
            { promise: Promise.resolve(), reason: new Error('not a trap either') }));",
    );
    assert_eq!(
        banner_text(),
        None,
        "an ordinary error is the app's to show"
    );

    js("window.dispatchEvent(new ErrorEvent('error', \
            { error: new WebAssembly.RuntimeError('unreachable') }));");
    let text = banner_text().expect("a trap in a task shows the banner");
    assert!(
        text.contains("the WebAssembly module stopped: reload the page"),
        "{text}"
    );
    assert!(text.contains("Reload"), "{text}");
    js("document.getElementById('wasm-stopped').remove();");

    js(
        "window.dispatchEvent(new PromiseRejectionEvent('unhandledrejection', \
            { promise: Promise.resolve(), reason: new WebAssembly.RuntimeError('unreachable') }));",
    );
    assert!(
        banner_text().is_some(),
        "a trap in a promise callback shows it too"
    );
    js("document.getElementById('wasm-stopped').remove();");
}
