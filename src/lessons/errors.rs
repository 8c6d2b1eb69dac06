//! Lesson `errors`: a task that raises. Three tasks run at once and one fails; main awaits each
//! in turn and catches the error, and the other two are unaffected. The trace marks the failing
//! task failed, with its error. An opt-in demonstration (`panic`, off by default) shows what
//! Python has no twin for: a panic in WebAssembly stops the whole module, and the page must be
//! reloaded.

use std::fmt;
use std::time::Duration;

use super::lesson;
use super::{check_schedule, lesson_params, param_choice, Check, Lesson, Line, Printer};
use crate::trace::{self, sleep, with_recorder, TaskState};

/// The lines the Python prints, and when (ms from the start).
const EXPECTED: [(&str, f64); 5] = [
    ("a done", 100.0),
    ("a: 'a'", 100.0),
    ("fail raised ValueError('the disk is full')", 200.0),
    ("b done", 300.0),
    ("b: 'b'", 300.0),
];

/// Tasks a, fail and b run at once; fail raises ValueError at 0.2 s. main awaits each in turn: it
/// gets a's value, catches fail's error, then gets b's value: the error touched nothing else. In
/// Rust the error is a value (Result): the trace shows the task failed, with its message. The
/// seed's advice ('注意异常处理') has no program: this is the canonical one. Set `panic` to on for what
/// Python has no twin for: a Rust panic in WebAssembly is not an exception: it stops the whole
/// module, and the page offers a reload.
pub const LESSON: Lesson = lesson! {
    id: "errors", title: "A task that raises", params: ErrorsParams,
    article: ASYNCIO_AIOHTTP, section: "6.1 异步编程的常见陷阱",
};

/// Each line at its time, as the Python prints it: the run is judged by its lines alone.
pub(super) fn checks(_params: &ErrorsParams, lines: &[Line]) -> Vec<Check> {
    check_schedule(lines, &EXPECTED)
}

pub(super) async fn run(out: Printer, params: ErrorsParams) -> Result<(), String> {
    main(out.clone()).await;
    judge_from_the_trace(&out);
    if params.panic == PanicDemo::On {
        panic_demo_run(out).await;
    }
    Ok(())
}

param_choice! {
    /// Whether the run ends with a panic, to show what it does to the page.
    pub(super) enum PanicDemo {
        Off = "off",
        On = "on",
    }
}

lesson_params! {
    /// What `errors` takes.
    pub(super) struct ErrorsParams {
        /// on: after the lesson, a task panics (0.5 s later) to show that a panic in
        /// WebAssembly stops the whole page until it is reloaded. Off by default.
        panic: PanicDemo,
    }
}

// ANCHOR: lesson
/// Python's `ValueError`: in Rust an error is a value the task returns, not an exception.
#[derive(Debug)]
struct ValueError(&'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

async fn work(out: Printer, name: &'static str, ms: u64) -> Result<&'static str, ValueError> {
    sleep(Duration::from_millis(ms)).await;
    out.print(format!("{name} done"));
    Ok(name)
}

async fn fail(ms: u64) -> Result<&'static str, ValueError> {
    sleep(Duration::from_millis(ms)).await;
    Err(ValueError("the disk is full"))
}

async fn main(out: Printer) {
    // spawn_fallible: an Err marks the task failed in the trace, with its message.
    let tasks = [
        ("a", trace::spawn_fallible("a", work(out.clone(), "a", 100))),
        ("fail", trace::spawn_fallible("fail", fail(200))),
        ("b", trace::spawn_fallible("b", work(out.clone(), "b", 300))),
    ];
    for (name, task) in tasks {
        match task.await {
            Ok(Ok(value)) => out.print(format!("{name}: '{value}'")),
            Ok(Err(e)) => out.print(format!("{name} raised ValueError('{e}')")),
            Err(cancelled) => out.print(format!("{name}: {cancelled}")),
        }
    }
}

/// Not in the Python: a panic. It is not an error value, and nothing can catch it: with
/// `panic = "abort"` (and on wasm32 anyway) the module traps, every Rust future on the page
/// stops with it, and the page can only be reloaded.
async fn panic_demo_run(out: Printer) {
    out.print(
        "[panic demo] in 0.5 s a task panics: a panic is not an error value, nothing catches it",
    );
    out.print("[panic demo] the WebAssembly module will stop: reload the page to bring it back");
    let doomed = trace::spawn("panics", async {
        sleep(Duration::from_millis(500)).await;
        panic!("the errors lesson's deliberate panic (panic=on)");
    });
    let _ = doomed.await; // never returns: the trap stops everything
}
// ANCHOR_END: lesson

/// The three tasks as the trace recorded them: fail failed with its error, a and b done.
fn judge_from_the_trace(out: &Printer) {
    let states: Vec<(String, TaskState, Option<String>)> = with_recorder(|r| {
        r.tasks()
            .filter(|t| matches!(t.name(), "a" | "fail" | "b"))
            .map(|t| {
                (
                    t.name().to_string(),
                    t.state,
                    t.error().map(|e| e.to_string()),
                )
            })
            .collect()
    });
    for (name, state, error) in &states {
        match error {
            Some(error) => out.note(format!(
                "the trace: task {name} {} with error: {error}",
                state.as_str()
            )),
            None => out.note(format!("the trace: task {name} {}", state.as_str())),
        }
    }
    let shown: Vec<String> = states
        .iter()
        .map(|(name, state, error)| match error {
            Some(e) => format!("{name} {} ({e})", state.as_str()),
            None => format!("{name} {}", state.as_str()),
        })
        .collect();
    let expected = [
        ("a", TaskState::Done, None),
        ("fail", TaskState::Failed, Some("the disk is full")),
        ("b", TaskState::Done, None),
    ];
    let ok = states.len() == expected.len()
        && states
            .iter()
            .zip(expected)
            .all(|((n, s, e), (en, es, ee))| n == en && *s == es && e.as_deref() == ee);
    out.check(Check {
        name: "the trace shows fail failed with its error, a and b done".to_string(),
        ok,
        expected: "a done, fail failed (the disk is full), b done".to_string(),
        actual: shown.join(", "),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::Line;

    fn run(times: [f64; 5]) -> Vec<Line> {
        EXPECTED
            .iter()
            .zip(times)
            .map(|((text, _), t_ms)| Line {
                t_ms,
                text: text.to_string(),
            })
            .collect()
    }

    fn judge(lines: &[Line]) -> Vec<Check> {
        checks(&ErrorsParams::default(), lines)
    }

    #[test]
    fn the_python_run_passes() {
        let checks = judge(&run([100.5, 100.7, 201.0, 300.9, 301.0]));
        assert_eq!(checks.len(), 1 + 2 * EXPECTED.len());
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn an_early_failure_a_late_line_or_a_lost_line_fails() {
        let early = judge(&run([100.5, 100.7, 150.0, 300.9, 301.0]));
        assert!(!early[5].ok, "{:?}", early[5]);
        let late = judge(&run([100.5, 100.7, 201.0, 300.9, 450.0]));
        assert!(!late[10].ok, "{:?}", late[10]);
        let mut short = run([100.5, 100.7, 201.0, 300.9, 301.0]);
        short.pop();
        assert!(!judge(&short)[0].ok);
    }

    #[test]
    fn the_panic_demo_is_off_by_default_and_on_by_name() {
        assert_eq!(ErrorsParams::default().panic, PanicDemo::Off);
        let on: ErrorsParams = LESSON.validate([("panic", "on")]).expect("valid").typed();
        assert_eq!(on.panic, PanicDemo::On);
    }
}
