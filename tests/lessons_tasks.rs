//! The task lessons run for real in headless Chrome: create-task, task-order, task-result,
//! gather and one-thread. Each test checks the printed lines, their order, that no line comes
//! before its sleeps could have ended, and what the trace shows about the tasks.
//! Run with `wasm-pack test --headless --chrome -- --test lessons_tasks`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::lessons::{self, Line, RunReport, RunState};
use asyncscope::trace::{now_ms, with_recorder, CancelReason, EventKind, TaskState};
use gloo_timers::future::sleep;
use wasm_bindgen_test::*;

mod lesson_run;
use lesson_run::{at, run, task, texts};

wasm_bindgen_test_configure!(run_in_browser);

/// The lesson's own verdict that the lines are the Python's, in order, passed.
fn assert_prints_what_python_prints(report: &RunReport) {
    let check = &report.checks[0];
    assert!(
        check.name.starts_with("prints what the Python prints") && check.ok,
        "{check:?}"
    );
}

/// The recording's events of `kind`'s sort for task `name`, as their sequence numbers.
fn seqs(name: &str, matches: impl Fn(&EventKind) -> bool) -> Vec<u64> {
    let id = task(name).id;
    with_recorder(|r| {
        r.events()
            .iter()
            .filter(|e| e.task == Some(id) && matches(&e.kind))
            .map(|e| e.seq)
            .collect()
    })
}

fn sleep_started(name: &str) -> u64 {
    seqs(name, |k| matches!(k, EventKind::SleepStarted { .. }))[0]
}

fn sleep_done(name: &str) -> u64 {
    seqs(name, |k| matches!(k, EventKind::SleepDone { .. }))[0]
}

// create-task

#[wasm_bindgen_test]
async fn create_task_runs_both_sleeps_at_once() {
    let report = run("create-task", &[("hello_ms", "150"), ("world_ms", "300")]).await;
    assert_eq!(texts(&report.lines), ["hello", "world"]);
    assert_prints_what_python_prints(&report);
    assert!(at(&report, "hello") >= 150.0, "{:?}", report.lines);
    assert!(at(&report, "world") >= 300.0, "{:?}", report.lines);
    // Both sleeps started before either ended: the tasks ran at the same time.
    assert!(sleep_started("task2") < sleep_done("task1"));
    let main = task("main").id;
    for name in ["task1", "task2"] {
        let t = task(name);
        assert_eq!((t.state, t.parent), (TaskState::Done, Some(main)), "{t:?}");
    }
}

#[wasm_bindgen_test]
async fn create_task_sequential_starts_the_second_sleep_when_the_first_ends() {
    let params = [("hello_ms", "150"), ("world_ms", "300")];
    let concurrent = run("create-task", &params).await;
    let mut sequential_params = params.to_vec();
    sequential_params.push(("mode", "sequential"));
    let sequential = run("create-task", &sequential_params).await;
    assert_eq!(texts(&sequential.lines), ["hello", "world"]);
    assert_prints_what_python_prints(&sequential);
    assert!(at(&sequential, "hello") >= 150.0);
    assert!(at(&sequential, "world") >= 450.0, "{:?}", sequential.lines);
    assert!(sleep_done("say_after hello") < sleep_started("say_after world"));
    // The tasks' world came before one-after-the-other sleeps could possibly have ended.
    assert!(at(&concurrent, "world") < at(&sequential, "world"));
}

#[wasm_bindgen_test]
async fn create_task_prints_the_shorter_sleep_first() {
    let report = run("create-task", &[("hello_ms", "250"), ("world_ms", "50")]).await;
    assert_eq!(texts(&report.lines), ["world", "hello"]);
    assert_prints_what_python_prints(&report);
}

#[wasm_bindgen_test]
async fn cancelling_create_task_cancels_its_tasks_too() {
    let lesson = lessons::find("create-task").expect("registered");
    let params = lesson
        .validate([("hello_ms", "50"), ("world_ms", "5000")])
        .expect("valid");
    let run = lessons::start(lesson, params);
    let deadline = now_ms() + 3000.0;
    while run.printed.count() == 0 {
        assert!(now_ms() < deadline, "hello never came");
        sleep(Duration::from_millis(5)).await;
    }
    run.cancel.cancel();
    let report = run.report.await;
    assert_eq!(report.state, RunState::Cancelled);
    assert_eq!(texts(&report.lines), ["hello"]);
    // Its sleeping task goes with it rather than printing world into a finished run.
    let deadline = now_ms() + 3000.0;
    while task("task2").state != TaskState::Cancelled {
        assert!(now_ms() < deadline, "task2 still {:?}", task("task2"));
        sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(task("task2").cancel_reason(), Some(CancelReason::Aborted));
    assert_eq!(task("task1").state, TaskState::Done);
}

// task-order

#[wasm_bindgen_test]
async fn task_order_starts_both_then_the_shorter_completes_first() {
    let report = run("task-order", &[("task1_ms", "300"), ("task2_ms", "100")]).await;
    assert_eq!(
        texts(&report.lines),
        [
            "Start async task Task 1",
            "Start async task Task 2",
            "Async task Task 2 completed",
            "Async task Task 1 completed",
        ]
    );
    assert_prints_what_python_prints(&report);
    let start2 = at(&report, "Start async task Task 2");
    assert!(at(&report, "Async task Task 2 completed") - start2 >= 100.0);
    assert!(at(&report, "Async task Task 1 completed") >= 300.0);
    // Task 1's sleep was still under way when Task 2's began and ended.
    assert!(sleep_started("Task 2") < sleep_done("Task 1"));
    assert!(sleep_done("Task 2") < sleep_done("Task 1"));
}

#[wasm_bindgen_test]
async fn task_order_follows_the_sleeps_not_the_awaits() {
    let report = run("task-order", &[("task1_ms", "100"), ("task2_ms", "300")]).await;
    assert_eq!(
        texts(&report.lines),
        [
            "Start async task Task 1",
            "Start async task Task 2",
            "Async task Task 1 completed",
            "Async task Task 2 completed",
        ]
    );
    assert_prints_what_python_prints(&report);
    assert!(at(&report, "Async task Task 2 completed") >= 300.0);
}

// task-result

#[wasm_bindgen_test]
async fn task_result_prints_none_as_the_seed_does_and_notes_the_value_it_dropped() {
    let report = run("task-result", &[]).await;
    assert_eq!(texts(&report.lines), ["None"]);
    assert_prints_what_python_prints(&report);
    assert!(
        report.notes.iter().any(|n| n.text.contains("gave 42")),
        "{:?}",
        report.notes
    );
    let nested = task("nested");
    assert_eq!(nested.state, TaskState::Done);
    assert_eq!(nested.parent, Some(task("main").id));
}

#[wasm_bindgen_test]
async fn task_result_returns_the_join_handles_value() {
    let report = run("task-result", &[("mode", "return-value")]).await;
    assert_eq!(texts(&report.lines), ["42"]);
    assert_prints_what_python_prints(&report);
    assert_eq!(task("nested").state, TaskState::Done);
}

// gather

const GATHER_FAST: [(&str, &str); 3] = [("a_ms", "300"), ("b_ms", "100"), ("c_ms", "200")];

fn gather_params(mode: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut params = GATHER_FAST.to_vec();
    params.push(("mode", mode));
    params
}

#[wasm_bindgen_test]
async fn gather_gives_results_in_argument_order_whatever_the_finishing_order() {
    let report = run("gather", &gather_params("all-succeed")).await;
    assert_eq!(
        texts(&report.lines),
        ["b done", "c done", "a done", "['A', 'B', 'C']"]
    );
    assert_prints_what_python_prints(&report);
    assert!(at(&report, "b done") >= 100.0);
    assert!(at(&report, "c done") >= 200.0);
    assert!(at(&report, "['A', 'B', 'C']") >= 300.0);
    // Each branch is its own row, child of main, and all three slept at once.
    let main = task("main").id;
    for name in ["fetch('a', 0.3)", "fetch('b', 0.1)", "fetch('c', 0.2)"] {
        let t = task(name);
        assert_eq!((t.state, t.parent), (TaskState::Done, Some(main)), "{t:?}");
    }
    assert!(sleep_started("fetch('c', 0.2)") < sleep_done("fetch('b', 0.1)"));
}

#[wasm_bindgen_test]
async fn gather_first_error_raises_when_c_fails_and_drops_the_rest() {
    let report = run("gather", &gather_params("first-error")).await;
    let raised = "gather raised: ConnectionError('c failed')";
    assert_eq!(texts(&report.lines), ["b done", raised]);
    assert_prints_what_python_prints(&report);
    assert!(at(&report, raised) >= 200.0);
    // a was still sleeping: the gather gave up on it.
    let a = task("fetch('a', 0.3)");
    assert_eq!(a.state, TaskState::Cancelled, "{a:?}");
    assert_eq!(a.cancel_reason(), Some(CancelReason::Dropped));
    assert_eq!(task("fetch('c', 0.2)").state, TaskState::Done);
}

#[wasm_bindgen_test]
async fn gather_collect_all_waits_for_every_one_and_returns_the_error_in_place() {
    let report = run("gather", &gather_params("collect-all")).await;
    let results = "['A', 'B', ConnectionError('c failed')]";
    assert_eq!(texts(&report.lines), ["b done", "a done", results]);
    assert_prints_what_python_prints(&report);
    assert!(at(&report, "a done") >= 300.0);
    assert!(at(&report, results) >= 300.0);
    assert_eq!(task("fetch('a', 0.3)").state, TaskState::Done);
}

// one-thread

/// The thread a `Hello ...! (thread)` line names.
fn thread_of(line: &Line) -> &str {
    let (_, rest) = line.text.split_once('(').expect("a thread in parentheses");
    rest.strip_suffix(')').expect("ends with ')'")
}

#[wasm_bindgen_test]
async fn one_thread_runs_both_coroutines_on_the_main_thread() {
    let report = run("one-thread", &[("delay_ms", "200")]).await;
    assert_eq!(report.lines.len(), 4, "{:?}", report.lines);
    let thread = thread_of(&report.lines[0]);
    let world = format!("Hello World! ({thread})");
    let again = format!("Hello Again! ({thread})");
    assert_eq!(texts(&report.lines), [&world, &world, &again, &again]);
    assert!(report.lines[2].t_ms >= 200.0, "{:?}", report.lines);
    assert!(thread.contains("ThreadId"), "names Rust's thread: {thread}");
    assert_prints_what_python_prints(&report);
    let main_thread = report
        .checks
        .iter()
        .find(|c| c.name.contains("main thread"))
        .expect("the run measured where it ran");
    assert!(main_thread.ok, "{main_thread:?}");
    assert!(report
        .checks
        .iter()
        .any(|c| c.name.contains("same thread") && c.ok));
}

#[wasm_bindgen_test]
async fn one_thread_sleeps_of_many_coroutines_overlap() {
    let report = run("one-thread", &[("coroutines", "5"), ("delay_ms", "150")]).await;
    assert_eq!(report.lines.len(), 10);
    let (worlds, agains) = report.lines.split_at(5);
    assert!(worlds.iter().all(|l| l.text.starts_with("Hello World! (")));
    assert!(agains.iter().all(|l| l.text.starts_with("Hello Again! (")));
    assert!(agains[0].t_ms >= 150.0);
    assert_prints_what_python_prints(&report);
    // Every sleep started before the first one ended.
    let first_done = (1..=5)
        .map(|i| sleep_done(&format!("hello #{i}")))
        .min()
        .expect("five tasks");
    for i in 1..=5 {
        assert!(sleep_started(&format!("hello #{i}")) < first_done);
    }
}
