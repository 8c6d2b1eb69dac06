//! The event-loop and blocking lessons run for real in headless Chrome, and the page's side of
//! the blocking lesson's Web Worker against stand-in workers (`data:` URLs: these test pages
//! have no trunk build, so the Rust worker itself is exercised by the end-to-end run of dist/).
//! Run with `wasm-pack test --headless --chrome -- --test lessons_loop`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::lessons::blocking::{CrunchWorker, WorkerError};
use asyncscope::lessons::{self, Line, RunReport, RunState};
use asyncscope::trace::{now_ms, sleep, with_recorder, EventKind, WakeSource, WarningKind};
use futures::future::{select, Either};
use futures::pin_mut;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn run(id: &str, params: &[(&str, &str)]) -> RunReport {
    let lesson = lessons::find(id).expect("registered");
    let params = lesson.validate(params.iter().copied()).expect("valid");
    lessons::start(lesson, params).report.await
}

fn at(lines: &[Line], text: &str) -> Option<usize> {
    lines.iter().position(|l| l.text == text)
}

fn t(lines: &[Line], text: &str) -> f64 {
    lines
        .iter()
        .find(|l| l.text == text)
        .map(|l| l.t_ms)
        .unwrap_or_else(|| panic!("no line {text:?} in {lines:?}"))
}

fn all_ok(report: &RunReport) {
    assert_eq!(report.state, RunState::Done, "{report:?}");
    assert!(!report.checks.is_empty());
    for check in &report.checks {
        assert!(check.ok, "{check:?}\nnotes: {:?}", report.notes);
    }
}

const WAITER: &str = "waiter: woken by main";
const TIMER: &str = "timer: a 0 ms timer ran";
const FRAME: &str = "frame: the browser ran requestAnimationFrame";

#[wasm_bindgen_test]
async fn event_loop_runs_the_woken_task_before_the_timer_and_the_frame() {
    let report = run("event-loop", &[]).await;
    all_ok(&report);
    let lines = &report.lines;
    let python: Vec<&str> = lines
        .iter()
        .map(|l| l.text.as_str())
        .filter(|t| *t != FRAME)
        .collect();
    assert_eq!(
        python,
        [
            "main: start",
            "main: awaited a future that was ready",
            "main: woke the waiter and set a timer",
            WAITER,
            TIMER,
        ]
    );
    assert!(at(lines, WAITER) < at(lines, FRAME));
    // The waiter was woken by main itself, while main was being polled.
    let by = with_recorder(|r| {
        let main = r.tasks().find(|t| t.name() == "main").map(|t| t.id);
        let waiter = r.tasks().find(|t| t.name() == "waiter").map(|t| t.id);
        r.events()
            .iter()
            .filter(|e| e.task == waiter)
            .find_map(|e| match e.kind {
                EventKind::Woken { by, .. } => Some((by, main)),
                _ => None,
            })
    });
    let (by, main) = by.expect("the waiter was woken");
    assert_eq!(Some(by), main.map(WakeSource::Task));
    assert!(report.notes.iter().any(|n| n.text.contains("microtask")));
    // The animation frame is on the trace: a request of the browser's, and the wake of the task
    // that waits for it came from it (the event-loop lane draws that turn as a frame's block).
    let frame = with_recorder(|r| {
        let waiting = r.tasks().find(|t| t.name() == "frame").map(|t| t.id);
        let frame = r
            .resources()
            .find(|res| res.meta.name.starts_with("requestAnimationFrame"))
            .map(|res| res.id);
        let woken = r.events().iter().any(|e| {
            e.task == waiting
                && matches!(e.kind, EventKind::Woken { by: WakeSource::Request(id), .. } if Some(id) == frame)
        });
        (frame.is_some(), woken)
    });
    assert_eq!(
        frame,
        (true, true),
        "the frame traced, and its task woken by it"
    );
}

#[wasm_bindgen_test]
async fn event_loop_keeps_its_guarantees_after_a_long_task() {
    // After 150 ms busy the frame is overdue; which of it and the timer comes first is the
    // browser's choice, and the lesson's checks pass either way.
    let report = run("event-loop", &[("busy_ms", "150")]).await;
    all_ok(&report);
    let lines = &report.lines;
    assert!(at(lines, WAITER) < at(lines, TIMER));
    assert!(at(lines, WAITER) < at(lines, FRAME));
}

#[wasm_bindgen_test]
async fn a_blocking_loop_delays_the_timer_by_the_work_and_the_tracer_warns() {
    let report = run("blocking", &[]).await;
    all_ok(&report);
    let lines = &report.lines;
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "timer: set for 100 ms",
            "work: start",
            "work: done",
            "timer: fired"
        ]
    );
    let waited = t(lines, "timer: fired") - t(lines, "timer: set for 100 ms");
    assert!(waited >= 300.0, "the 100 ms timer fired after {waited} ms");
    let long_polls: Vec<String> = with_recorder(|r| {
        r.warnings()
            .iter()
            .filter(|w| matches!(w.kind, WarningKind::LongPoll { worst_ms } if worst_ms >= 300.0))
            .filter_map(|w| r.task(w.task).map(|t| t.name().to_string()))
            .collect()
    });
    assert!(
        long_polls.iter().any(|n| n == "work"),
        "long polls: {long_polls:?}"
    );
}

#[wasm_bindgen_test]
async fn chunks_with_a_real_yield_keep_the_timer_on_time_and_no_poll_long() {
    let report = run("blocking", &[("variant", "chunked")]).await;
    assert_eq!(report.state, RunState::Done, "{report:?}");
    let lines = &report.lines;
    assert!(
        at(lines, "timer: fired") < at(lines, "work: done"),
        "{lines:?}"
    );
    let late = t(lines, "timer: fired") - t(lines, "timer: set for 100 ms") - 100.0;
    // The blocking run is late by at least 200 ms (300 ms of work after a 100 ms timer); the
    // chunked one by far less: at least 2x less, on any machine.
    assert!((0.0..100.0).contains(&late), "the timer was {late} ms late");
    let (work, woken) = with_recorder(|r| {
        let work = r
            .tasks()
            .find(|t| t.name() == "work")
            .cloned()
            .expect("work traced");
        let woken: Vec<WakeSource> = r
            .events()
            .iter()
            .filter(|e| e.task == Some(work.id))
            .filter_map(|e| match e.kind {
                EventKind::Woken { by, .. } => Some(by),
                _ => None,
            })
            .collect();
        (work, woken)
    });
    // Every wake of the work was a timer's: each yield was a real setTimeout(0), and after each
    // the work was polled again.
    assert!(woken.iter().all(|b| *b == WakeSource::Timer), "{woken:?}");
    assert_eq!(work.polls, woken.len() as u64 + 1, "{work:?}");
    // One poll per chunk, and none near the whole 300 ms that the blocking variant spends in
    // one (at least 2x shorter even when the machine is loaded and a chunk overruns).
    assert!(work.polls >= 6, "{work:?}");
    assert!(work.max_poll_ms < 150.0, "{work:?}");
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.name.starts_with("no poll blocks")),
        "the lesson checks for long polls: {:?}",
        report.checks
    );
}

#[wasm_bindgen_test]
async fn the_worker_variant_without_the_trunk_build_fails_with_a_clear_error() {
    // This test page has no crunch_worker.js: the run fails in words, the page lives on.
    let report = run("blocking", &[("variant", "worker")]).await;
    assert_eq!(report.state, RunState::Failed, "{report:?}");
    let error = report.error.unwrap_or_default();
    assert!(
        error.starts_with("the Web Worker ./crunch_worker.js did not load"),
        "{error}"
    );
    assert!(report.checks.is_empty());
}

fn data_worker(js: &str) -> String {
    format!(
        "data:text/javascript,{}",
        String::from(js_sys::encode_uri_component(js))
    )
}

/// A stand-in for the Rust worker: the same protocol, in JS.
const JS_CRUNCHER: &str = r#"
postMessage(JSON.stringify({ type: 'ready' }));
onmessage = (e) => {
  const job = JSON.parse(e.data);
  const start = performance.now();
  let x = 1;
  while (performance.now() - start < job.work_ms) { x = (x * 48271) % 2147483647; }
  // The checksum travels as 16 hex digits (a JSON number could not hold a u64).
  const state = x.toString(16).padStart(16, '0');
  postMessage(JSON.stringify({ type: 'done', work: { state, iterations: 1, busy_ms: performance.now() - start } }));
};
"#;

#[wasm_bindgen_test]
async fn a_worker_answers_through_messages_while_the_page_keeps_its_timers() {
    let worker = CrunchWorker::start(&data_worker(JS_CRUNCHER))
        .await
        .expect("the stand-in starts");
    assert!(worker.ready_ms() >= 0.0);
    let started = now_ms();
    let crunch = worker.crunch(200.0);
    let tick = sleep(Duration::from_millis(20));
    pin_mut!(crunch, tick);
    // The page's 20 ms timer fires while the worker spins: the work is on another thread.
    let crunch = match select(crunch, tick).await {
        Either::Right(((), crunch)) => {
            let ticked = now_ms() - started;
            assert!(ticked < 200.0, "the timer waited {ticked} ms");
            crunch.await
        }
        Either::Left((done, _)) => panic!("the 200 ms job answered before a 20 ms timer: {done:?}"),
    };
    let work = crunch.expect("an answer");
    assert!(work.busy_ms >= 200.0, "{work:?}");
}

#[wasm_bindgen_test]
async fn a_worker_that_cannot_load_is_a_clear_error_not_a_hang() {
    let err = CrunchWorker::start("./no-such-worker.js")
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, WorkerError::Load { .. }), "{err:?}");
    assert!(err.to_string().contains("did not load"), "{err}");
}

#[wasm_bindgen_test]
async fn a_worker_that_throws_is_a_load_error_with_its_message() {
    let err = CrunchWorker::start(&data_worker("throw new Error('no wasm here');"))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("no wasm here"), "{err}");
}

#[wasm_bindgen_test]
async fn a_message_outside_the_protocol_is_named() {
    let not_text = data_worker(
        "postMessage(JSON.stringify({ type: 'ready' })); onmessage = () => postMessage(42);",
    );
    let worker = CrunchWorker::start(&not_text).await.expect("starts");
    let err = worker.crunch(1.0).await.expect_err("refused");
    assert!(err.to_string().contains("not text"), "{err}");

    let unknown = data_worker(
        "postMessage(JSON.stringify({ type: 'ready' })); \
         onmessage = () => postMessage(JSON.stringify({ type: 'tada' }));",
    );
    let worker = CrunchWorker::start(&unknown).await.expect("starts");
    let err = worker.crunch(1.0).await.expect_err("refused");
    assert!(
        matches!(&err, WorkerError::BadMessage(m) if m.contains("tada")),
        "{err:?}"
    );

    let silent_start = data_worker("postMessage(JSON.stringify({ type: 'done' }));");
    let err = CrunchWorker::start(&silent_start)
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, WorkerError::BadMessage(_)), "{err:?}");
}

#[wasm_bindgen_test]
fn the_workers_answer_keeps_its_64_bit_checksum_through_the_browsers_json() {
    use asyncscope::lessons::blocking::{Crunch, FromWorker};
    // The worker and the page write and read with JSON.stringify and JSON.parse, whose numbers
    // are doubles: the checksum must come through whole all the same.
    let work = Crunch {
        state: 0x9E37_79B9_7F4A_7C15,
        iterations: 1 << 40,
        busy_ms: 12.5,
    };
    let text = FromWorker::Done { work: work.clone() }.to_json();
    assert_eq!(
        FromWorker::parse(&text),
        Ok(FromWorker::Done { work }),
        "{text}"
    );
}
