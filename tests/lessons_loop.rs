//! The event-loop and blocking lessons run for real in headless Chrome; the frame watch they
//! report with; the worker protocol's JS objects (the checksum, the size and shape guard); and
//! the page's side of the Web Worker against stand-in workers (`data:` URLs: these test pages
//! have no trunk build, so the Rust worker itself is exercised by the end-to-end run of dist/).
//! Run with `wasm-pack test --headless --chrome -- --test lessons_loop`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::browser::frames::FrameWatch;
use asyncscope::lessons::{self, Line, RunReport, RunState};
use asyncscope::trace::{now_ms, sleep, with_recorder, EventKind, WakeSource, WarningKind};
use asyncscope::worker::{Answer, CpuWork, Job, WorkerClient, WorkerError};
use futures::future::{select, Either};
use futures::pin_mut;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
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
    // This test page has no crunch_worker.js (the Web Worker's script, relative to the page):
    // the run fails in words, the page lives on.
    let report = run("blocking", &[("variant", "worker")]).await;
    assert_eq!(report.state, RunState::Failed, "{report:?}");
    let error = report.error.unwrap_or_default();
    assert!(
        error.starts_with("the Web Worker crunch_worker.js did not load"),
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
const JS_WORKER: &str = r#"
postMessage({ type: 'ready' });
onmessage = (e) => {
  const job = e.data;
  if (job.type === 'join_chat') {
    postMessage(job.name.startsWith('server') ? { type: 'joined', name: job.name } : { type: 'failed', error: 'not a server' });
    return;
  }
  const start = performance.now();
  let x = 1;
  while (performance.now() - start < job.work_ms) { x = (x * 48271) % 2147483647; }
  // The checksum travels as 16 hex digits (a JS number could not hold a u64).
  const state = x.toString(16).padStart(16, '0');
  postMessage({ type: 'work_done', work: { state, iterations: 1, busy_ms: performance.now() - start } });
};
"#;

#[wasm_bindgen_test]
async fn a_worker_answers_through_messages_while_the_page_keeps_its_timers() {
    let worker = WorkerClient::start(&data_worker(JS_WORKER))
        .await
        .expect("the stand-in starts");
    assert!(worker.ready_ms() >= 0.0);
    let started = now_ms();
    let work = worker.cpu_work(200.0);
    let tick = sleep(Duration::from_millis(20));
    pin_mut!(work, tick);
    // The page's 20 ms timer fires while the worker spins: the work is on another thread.
    let work = match select(work, tick).await {
        Either::Right(((), work)) => {
            let ticked = now_ms() - started;
            assert!(ticked < 200.0, "the timer waited {ticked} ms");
            work.await
        }
        Either::Left((done, _)) => panic!("the 200 ms job answered before a 20 ms timer: {done:?}"),
    };
    let work = work.expect("an answer");
    assert!(work.busy_ms >= 200.0, "{work:?}");
}

#[wasm_bindgen_test]
async fn a_worker_joins_a_room_or_says_why_not() {
    let worker = WorkerClient::start(&data_worker(JS_WORKER))
        .await
        .expect("the stand-in starts");
    worker
        .join_chat("asyncscope-chat-test-worker", "server-1")
        .await
        .expect("joined");
    let err = worker
        .join_chat("asyncscope-chat-test-worker", "tab-1")
        .await
        .expect_err("refused");
    assert_eq!(err, WorkerError::Failed("not a server".into()));
}

#[wasm_bindgen_test]
async fn a_worker_that_cannot_load_is_a_clear_error_not_a_hang() {
    let err = WorkerClient::start("./no-such-worker.js")
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, WorkerError::Load { .. }), "{err:?}");
    assert!(err.to_string().contains("did not load"), "{err}");
}

#[wasm_bindgen_test]
async fn a_worker_that_throws_is_a_load_error_with_its_message() {
    let err = WorkerClient::start(&data_worker("throw new Error('no wasm here');"))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("no wasm here"), "{err}");
}

#[wasm_bindgen_test]
async fn a_worker_whose_wasm_fails_says_so_in_the_protocols_words() {
    // What static/crunch_worker.js posts when worker_bg.wasm does not start.
    let failed = data_worker("postMessage({ type: 'failed', error: 'its wasm did not start' });");
    let err = WorkerClient::start(&failed).await.err().expect("refused");
    assert!(matches!(err, WorkerError::Load { .. }), "{err:?}");
    assert!(err.to_string().contains("its wasm did not start"), "{err}");
}

#[wasm_bindgen_test]
async fn a_message_outside_the_protocol_is_named() {
    let not_an_object =
        data_worker("postMessage({ type: 'ready' }); onmessage = () => postMessage(42);");
    let worker = WorkerClient::start(&not_an_object).await.expect("starts");
    let err = worker.cpu_work(1.0).await.expect_err("refused");
    assert!(
        err.to_string()
            .contains("a number where the protocol has an object"),
        "{err}"
    );

    let unknown = data_worker(
        "postMessage({ type: 'ready' }); onmessage = () => postMessage({ type: 'tada' });",
    );
    let worker = WorkerClient::start(&unknown).await.expect("starts");
    let err = worker.cpu_work(1.0).await.expect_err("refused");
    assert!(
        matches!(&err, WorkerError::BadMessage(m) if m.contains("tada")),
        "{err:?}"
    );

    // A checksum sent as a JS number may have been rounded: refused, not taken.
    let rounded = data_worker(
        "postMessage({ type: 'ready' }); onmessage = () => postMessage({ type: 'work_done', \
         work: { state: 2 ** 60, iterations: 1, busy_ms: 1 } });",
    );
    let worker = WorkerClient::start(&rounded).await.expect("starts");
    let err = worker.cpu_work(1.0).await.expect_err("refused");
    assert!(matches!(err, WorkerError::BadMessage(_)), "{err:?}");

    let huge = data_worker(
        "postMessage({ type: 'ready' }); \
         onmessage = () => postMessage({ type: 'failed', error: 'x'.repeat(10 << 20) });",
    );
    let worker = WorkerClient::start(&huge).await.expect("starts");
    let err = worker.cpu_work(1.0).await.expect_err("refused");
    assert!(
        err.to_string().contains("over the 4096 a message may hold"),
        "{err}"
    );

    let wrong_first = data_worker("postMessage({ type: 'joined', name: 'server-1' });");
    let err = WorkerClient::start(&wrong_first)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(&err, WorkerError::BadMessage(m) if m.starts_with("expected ready first")),
        "{err:?}"
    );
}

/// A JS object from pairs of a field and a value.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        Reflect::set(&object, &JsValue::from_str(key), value).expect("a plain object");
    }
    object.into()
}

#[wasm_bindgen_test]
fn the_workers_answer_keeps_its_64_bit_checksum_as_hex_digits() {
    // A JS number is a double: past 2^53 it would round the checksum. It travels as text.
    let work = CpuWork {
        state: u64::MAX - 1,
        iterations: 1 << 40,
        busy_ms: 12.5,
    };
    let answer = Answer::WorkDone { work: work.clone() }.to_js();
    let state = Reflect::get(&answer, &"work".into())
        .and_then(|w| Reflect::get(&w, &"state".into()))
        .expect("a state field");
    assert_eq!(state.as_string().as_deref(), Some("fffffffffffffffe"));
    assert_eq!(Answer::from_js(&answer), Ok(Answer::WorkDone { work }));
    // A count past 2^53 cannot be written as a JS number: the answer says so instead.
    let too_many = Answer::WorkDone {
        work: CpuWork {
            iterations: u64::MAX,
            ..CpuWork::new()
        },
    }
    .to_js();
    assert!(
        matches!(Answer::from_js(&too_many), Ok(Answer::Failed { error }) if error.contains("could not write")),
    );
}

#[wasm_bindgen_test]
fn every_job_and_answer_goes_through_a_js_object_and_back() {
    for job in [
        Job::CpuWork { work_ms: 5.0 },
        Job::JoinChat {
            channel: "asyncscope-chat".into(),
            name: "server-1".into(),
        },
    ] {
        let value = job.to_js().expect("written");
        assert_eq!(Job::from_js(&value), Ok(job));
    }
    for answer in [
        Answer::Ready,
        Answer::WorkDone {
            work: CpuWork::new(),
        },
        Answer::Joined {
            name: "server-1".into(),
        },
        Answer::Failed { error: "no".into() },
    ] {
        assert_eq!(Answer::from_js(&answer.to_js()), Ok(answer));
    }
    let job = object(&[("type", "cpu_work".into()), ("work_ms", 5.0.into())]);
    assert_eq!(Job::from_js(&job), Ok(Job::CpuWork { work_ms: 5.0 }));
}

#[wasm_bindgen_test]
fn a_message_of_another_size_or_shape_is_refused_in_words() {
    let refused = |value: JsValue| Job::from_js(&value).expect_err("refused");
    let long = "x".repeat(5000);
    let cases: Vec<(JsValue, &str)> = vec![
        (
            "cpu_work".into(),
            "a string where the protocol has an object",
        ),
        (JsValue::NULL, "null where the protocol has an object"),
        (Array::new().into(), "an array where"),
        (js_sys::Map::new().into(), "not a plain one"),
        (
            object(&[
                ("type", "join_chat".into()),
                ("channel", long.as_str().into()),
            ]),
            "a text of 5000 characters, over the 4096",
        ),
        (
            object(&[(long.as_str(), 1.into())]),
            "a text of 5000 characters",
        ),
        (
            object(&[(
                "type",
                object(&[("deeper", object(&[("still", 1.into())]))]),
            )]),
            "nested deeper than 2",
        ),
        (
            object(
                &(0..9)
                    .map(|k| (["a", "b", "c", "d", "e", "f", "g", "h", "i"][k], 1.into()))
                    .collect::<Vec<_>>(),
            ),
            "an object of 9 fields",
        ),
        (
            object(&[("type", "cpu_work".into()), ("work_ms", "5".into())]),
            "invalid type: string \"5\", expected f64",
        ),
        (object(&[("type", "sing".into())]), "unknown variant `sing`"),
        (object(&[("work_ms", 5.into())]), "missing field `type`"),
        (
            object(&[
                ("type", "cpu_work".into()),
                ("work_ms", JsValue::bigint_from_str("5")),
            ]),
            "a bigint where",
        ),
    ];
    for (value, words) in cases {
        let error = refused(value);
        assert!(error.contains(words), "{error:?} should say {words:?}");
    }
}

#[wasm_bindgen_test]
async fn a_frame_watch_counts_the_frames_and_the_longest_gap_between_them() {
    let watch = FrameWatch::start();
    sleep(Duration::from_millis(200)).await;
    let frames = watch.stop();
    assert!(frames.watched_ms >= 200.0, "{frames:?}");
    // Headless Chrome draws about every 16.7 ms: a 200 ms watch sees frames, and no gap
    // longer than the watch itself.
    assert!(frames.count >= 1, "{frames:?}");
    assert!(
        frames.longest_gap_ms > 0.0 && frames.longest_gap_ms <= frames.watched_ms,
        "{frames:?}"
    );
}
