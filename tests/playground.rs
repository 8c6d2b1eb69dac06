//! The playground in headless Chrome: every program of the Python corpus (tests/python) run by
//! the page's own machinery (`lessons::start_python`: the interpreter, the page's host, the
//! tracer, the browser's event loop and timers), compared with what CPython 3.11 printed
//! (programs/NAME.out): the same lines, in the same order, each never earlier than CPython's by
//! more than 20 ms (the interpreter has no start-up to pay; a line cannot come before its
//! sleeps end), and not later than [`LATE_MS`] on this machine's real clock. The exact times,
//! within 20 ms, are checked on the tracer's fake clock, where a busy machine cannot make
//! them late (crates/asyncscope-python/tests/run_corpus.rs).
//!
//! A fetch here goes through the browser, which does not say why it failed (on purpose): where
//! CPython, seeing the name not resolve, prints `ClientConnectorDNSError` and `[Name or service
//! not known]`, the page says `ClientConnectorError` and the browser's words. Those two are
//! compared as one.
//!
//! The programs are split into eight tests (`corpus_0` ... `corpus_7`), about 6 s each. The
//! whole file takes about 50 s, more than the 20 s wasm-bindgen-test's runner allows a test file
//! unless told: run it as ./dev test does,
//! `WASM_BINDGEN_TEST_TIMEOUT=180 wasm-pack test --headless --chrome -- --test playground`.
#![cfg(target_arch = "wasm32")]

use asyncscope::lessons::python::parse_recording;
use asyncscope::lessons::{self, RunState};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// The lessons' variants, made as the native corpus tests and `tests/python/record` make them.
#[path = "../crates/asyncscope-python/tests/common/variant.rs"]
mod variant;
use variant::with_change;

/// How much later than CPython a line may come on this machine (timers on a loaded machine).
const LATE_MS: f64 = 500.0;

struct Program {
    name: &'static str,
    source: &'static str,
    /// A lesson's variant: its one top-level `CONSTANT = value` changed.
    change: Option<&'static str>,
    /// CPython's times varied from run to run: the text only is compared.
    times_vary: bool,
    recording: &'static str,
}

macro_rules! program {
    ($name:ident, $path:literal, $change:expr, $vary:literal) => {
        Program {
            name: stringify!($name),
            source: include_str!($path),
            change: $change,
            times_vary: $vary,
            recording: include_str!(concat!("python/programs/", stringify!($name), ".out")),
        }
    };
}

/// Every program of the corpus (the python crate's tests check that none is missing).
const CORPUS: &[Program] = &[
    program!(
        own_aiohttp_get_error,
        "python/programs/own_aiohttp_get_error.py",
        None,
        false
    ),
    program!(
        own_aiohttp_post_error,
        "python/programs/own_aiohttp_post_error.py",
        None,
        false
    ),
    program!(
        own_assignment_unpacking,
        "python/programs/own_assignment_unpacking.py",
        None,
        false
    ),
    program!(
        own_beyond_comprehension,
        "python/programs/own_beyond_comprehension.py",
        None,
        false
    ),
    program!(
        own_blocking_sleep,
        "python/programs/own_blocking_sleep.py",
        None,
        false
    ),
    program!(
        own_builtins_numbers,
        "python/programs/own_builtins_numbers.py",
        None,
        false
    ),
    program!(
        own_cancel_finally,
        "python/programs/own_cancel_finally.py",
        None,
        false
    ),
    program!(
        own_cancel_reraise,
        "python/programs/own_cancel_reraise.py",
        None,
        false
    ),
    program!(
        own_closures_nonlocal,
        "python/programs/own_closures_nonlocal.py",
        None,
        false
    ),
    program!(
        own_comprehensions,
        "python/programs/own_comprehensions.py",
        None,
        false
    ),
    program!(
        own_containers,
        "python/programs/own_containers.py",
        None,
        false
    ),
    program!(
        own_containers_sorting,
        "python/programs/own_containers_sorting.py",
        None,
        false
    ),
    program!(
        own_control_flow,
        "python/programs/own_control_flow.py",
        None,
        false
    ),
    program!(
        own_create_task_order,
        "python/programs/own_create_task_order.py",
        None,
        false
    ),
    program!(
        own_equal_sleeps_order,
        "python/programs/own_equal_sleeps_order.py",
        None,
        false
    ),
    program!(
        own_event_queue_bounded,
        "python/programs/own_event_queue_bounded.py",
        None,
        false
    ),
    program!(
        own_event_set_wait,
        "python/programs/own_event_set_wait.py",
        None,
        false
    ),
    program!(
        own_exception_chaining,
        "python/programs/own_exception_chaining.py",
        None,
        false
    ),
    program!(
        own_exception_escapes_run,
        "python/programs/own_exception_escapes_run.py",
        None,
        false
    ),
    program!(
        own_fstring_format,
        "python/programs/own_fstring_format.py",
        None,
        false
    ),
    program!(
        own_functions_scope,
        "python/programs/own_functions_scope.py",
        None,
        false
    ),
    program!(
        own_gather_results,
        "python/programs/own_gather_results.py",
        None,
        false
    ),
    program!(
        own_gather_return_exceptions,
        "python/programs/own_gather_return_exceptions.py",
        None,
        false
    ),
    program!(
        own_generator_close_throw,
        "python/programs/own_generator_close_throw.py",
        None,
        false
    ),
    program!(
        own_generator_send,
        "python/programs/own_generator_send.py",
        None,
        false
    ),
    program!(
        own_json_print,
        "python/programs/own_json_print.py",
        None,
        false
    ),
    program!(
        own_keyerror_escapes_task,
        "python/programs/own_keyerror_escapes_task.py",
        None,
        false
    ),
    program!(
        own_lock_async_with,
        "python/programs/own_lock_async_with.py",
        None,
        false
    ),
    program!(
        own_percent_format,
        "python/programs/own_percent_format.py",
        None,
        false
    ),
    program!(
        own_perf_counter_elapsed,
        "python/programs/own_perf_counter_elapsed.py",
        None,
        false
    ),
    program!(
        own_print_sep_end,
        "python/programs/own_print_sep_end.py",
        None,
        false
    ),
    program!(
        own_queue_workers,
        "python/programs/own_queue_workers.py",
        None,
        false
    ),
    program!(
        own_random_seed,
        "python/programs/own_random_seed.py",
        None,
        false
    ),
    program!(
        own_random_sleeps,
        "python/programs/own_random_sleeps.py",
        None,
        false
    ),
    program!(
        own_repr_str_numbers,
        "python/programs/own_repr_str_numbers.py",
        None,
        false
    ),
    program!(
        own_run_return_value,
        "python/programs/own_run_return_value.py",
        None,
        false
    ),
    program!(
        own_run_until_complete,
        "python/programs/own_run_until_complete.py",
        None,
        false
    ),
    program!(
        own_semaphore_limit,
        "python/programs/own_semaphore_limit.py",
        None,
        false
    ),
    program!(
        own_shield_callbacks,
        "python/programs/own_shield_callbacks.py",
        None,
        false
    ),
    program!(
        own_sleep_zero_interleave,
        "python/programs/own_sleep_zero_interleave.py",
        None,
        false
    ),
    program!(
        own_str_methods,
        "python/programs/own_str_methods.py",
        None,
        false
    ),
    program!(
        own_strings_basic,
        "python/programs/own_strings_basic.py",
        None,
        false
    ),
    program!(
        own_task_result_exception,
        "python/programs/own_task_result_exception.py",
        None,
        false
    ),
    program!(
        own_thread_name,
        "python/programs/own_thread_name.py",
        None,
        false
    ),
    program!(
        own_timeouts_in_loop,
        "python/programs/own_timeouts_in_loop.py",
        None,
        false
    ),
    program!(
        own_try_except,
        "python/programs/own_try_except.py",
        None,
        false
    ),
    program!(own_try_flow, "python/programs/own_try_flow.py", None, false),
    program!(
        own_unawaited_task_error,
        "python/programs/own_unawaited_task_error.py",
        None,
        false
    ),
    program!(
        own_wait_first_completed,
        "python/programs/own_wait_first_completed.py",
        None,
        false
    ),
    program!(
        own_wait_for_timeout,
        "python/programs/own_wait_for_timeout.py",
        None,
        false
    ),
    program!(
        own_while_polling,
        "python/programs/own_while_polling.py",
        None,
        false
    ),
    program!(
        seed000_aiohttp_fetch,
        "python/programs/seed000_aiohttp_fetch.py",
        None,
        false
    ),
    program!(
        seed001_producer_consumer,
        "python/programs/seed001_producer_consumer.py",
        None,
        false
    ),
    program!(
        seed001_repl_main,
        "python/programs/seed001_repl_main.py",
        None,
        false
    ),
    program!(
        seed002_async_function,
        "python/programs/seed002_async_function.py",
        None,
        false
    ),
    program!(
        seed002_fetch_error,
        "python/programs/seed002_fetch_error.py",
        None,
        true
    ),
    program!(
        seed002_fetch_example_com,
        "python/programs/seed002_fetch_example_com.py",
        None,
        true
    ),
    program!(
        seed002_fetch_jsonplaceholder,
        "python/programs/seed002_fetch_jsonplaceholder.py",
        None,
        true
    ),
    program!(
        seed002_gather_example_com,
        "python/programs/seed002_gather_example_com.py",
        None,
        true
    ),
    program!(
        seed002_post_example_com,
        "python/programs/seed002_post_example_com.py",
        None,
        true
    ),
    program!(
        seed003_hello_world,
        "python/programs/seed003_hello_world.py",
        None,
        false
    ),
    program!(
        seed003_hello_world_again,
        "python/programs/seed003_hello_world_again.py",
        None,
        false
    ),
    program!(lesson_blocking, "../src/lessons/blocking.py", None, false),
    program!(lesson_cancel, "../src/lessons/cancel.py", None, false),
    program!(
        lesson_create_task,
        "../src/lessons/create_task.py",
        None,
        false
    ),
    program!(lesson_errors, "../src/lessons/errors.py", None, false),
    program!(
        lesson_event_loop,
        "../src/lessons/event_loop.py",
        None,
        false
    ),
    program!(lesson_gather, "../src/lessons/gather.py", None, false),
    program!(
        lesson_gather_collect_all,
        "../src/lessons/gather.py",
        Some("MODE = 'collect-all'"),
        false
    ),
    program!(
        lesson_gather_first_error,
        "../src/lessons/gather.py",
        Some("MODE = 'first-error'"),
        false
    ),
    program!(
        lesson_hello_sleep,
        "../src/lessons/hello_sleep.py",
        None,
        false
    ),
    program!(lesson_lock, "../src/lessons/lock.py", None, true),
    program!(
        lesson_lock_no_lock,
        "../src/lessons/lock.py",
        Some("USE_LOCK = False"),
        false
    ),
    program!(
        lesson_one_thread,
        "../src/lessons/one_thread.py",
        None,
        false
    ),
    program!(
        lesson_producer_consumer,
        "../src/lessons/producer_consumer.py",
        None,
        false
    ),
    program!(lesson_semaphore, "../src/lessons/semaphore.py", None, true),
    program!(
        lesson_task_order,
        "../src/lessons/task_order.py",
        None,
        false
    ),
    program!(
        lesson_task_result,
        "../src/lessons/task_result.py",
        None,
        false
    ),
    program!(lesson_timeout, "../src/lessons/timeout.py", None, false),
];

/// The same words, but for what a browser cannot know about a failed fetch.
fn same_text(cpython: &str, page: &str) -> bool {
    let normal = |s: &str| {
        let s = s.replace("ClientConnectorDNSError", "ClientConnectorError");
        match (s.find(" ssl:default ["), s.rfind(']')) {
            (Some(i), Some(j)) if j > i => format!("{}{}", &s[..i + 14], &s[j..]),
            _ => s,
        }
    };
    normal(cpython) == normal(page)
}

async fn check(program: &Program) -> Result<f64, String> {
    let source = match program.change {
        Some(change) => with_change(program.source, change),
        None => program.source.to_string(),
    };
    let run = lessons::start_python(&source, Some(1)).map_err(|e| format!("refused: {e}"))?;
    let report = run.report.await;
    let recording = parse_recording(program.recording).ok_or("not a recording")?;
    let (expected, raised) = (&recording.lines, &recording.raised);
    let got: Vec<&str> = report.lines.iter().map(|l| l.text.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(_, t)| t.as_str()).collect();
    if got.len() != want.len() || !want.iter().zip(&got).all(|(w, g)| same_text(w, g)) {
        return Err(format!("printed {got:?}, CPython {want:?}"));
    }
    match (raised, report.state, &report.error) {
        (None, RunState::Done, _) => {}
        (Some(last), RunState::Failed, Some(error))
            if same_text(last, error.split_once(": ").map_or(error, |(_, e)| e)) => {}
        (r, state, error) => {
            return Err(format!("ended {state:?} ({error:?}), CPython raised {r:?}"));
        }
    }
    let mut latest = 0.0f64;
    if !program.times_vary {
        for ((want, text), line) in expected.iter().zip(&report.lines) {
            if want.is_nan() {
                continue;
            }
            if line.t_ms < want - 20.0 {
                return Err(format!(
                    "{text:?} at {:.1} ms, CPython at {want} ms: early",
                    line.t_ms
                ));
            }
            if line.t_ms > want + LATE_MS {
                return Err(format!(
                    "{text:?} at {:.1} ms, CPython at {want} ms: late",
                    line.t_ms
                ));
            }
            latest = latest.max(line.t_ms - want);
        }
    }
    Ok(latest)
}

/// The tests the corpus is split into.
const PARTS: usize = 8;

async fn corpus_part(part: usize) {
    let mut failures = Vec::new();
    for program in CORPUS.iter().skip(part).step_by(PARTS) {
        match check(program).await {
            Ok(late) => web_sys::console::log_1(
                &format!("{}: ok, at most {late:.1} ms after CPython", program.name).into(),
            ),
            Err(why) => failures.push(format!("{}: {why}", program.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
async fn corpus_0() {
    corpus_part(0).await;
}

#[wasm_bindgen_test]
async fn corpus_1() {
    corpus_part(1).await;
}

#[wasm_bindgen_test]
async fn corpus_2() {
    corpus_part(2).await;
}

#[wasm_bindgen_test]
async fn corpus_3() {
    corpus_part(3).await;
}

#[wasm_bindgen_test]
async fn corpus_4() {
    corpus_part(4).await;
}

#[wasm_bindgen_test]
async fn corpus_5() {
    corpus_part(5).await;
}

#[wasm_bindgen_test]
async fn corpus_6() {
    corpus_part(6).await;
}

#[wasm_bindgen_test]
async fn corpus_7() {
    corpus_part(7).await;
}

#[wasm_bindgen_test]
async fn a_program_that_does_not_parse_is_refused_with_its_line_and_column() {
    let refused = lessons::start_python("import asyncio\nasync def f(:\n    pass\n", None)
        .err()
        .expect("refused");
    // The parser points at the bracket left open (CPython 3.11 says "invalid syntax" at the colon).
    assert_eq!((refused.line, refused.col), (2, 12), "{refused}");
    assert!(refused.message.contains("never closed"), "{refused}");
}
