//! Lesson `task-result`: `nested()` returns 42 and runs as a task; main awaits it. A task's
//! value comes back through its handle, but only to whoever keeps it: the seed's main awaits
//! the task and drops the value, so `print(asyncio.run(main()))` prints `None`. The
//! `return-value` variant returns it, and 42 is printed.

use futures::future::FutureExt;

use super::{articles, check_at_most, check_lines, Check, Line, ParamSpec, Printer};
use super::{Lesson, Params};
use crate::trace::{spawn, JoinError};

/// The run never sleeps: the line comes within a few microtasks of the start.
const PRINTED_BY_MS: f64 = 50.0;

/// nested() returns 42 and runs as a task; main() awaits it. Its JoinHandle gives 42 back, but the
/// seed's main drops it, so asyncio.run(main()) returns None and None is printed. The return-value
/// variant (return await task) prints 42.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "task-result",
    title: "A task's value, and where it goes",
    article: &articles::ASYNCHAT_ASYNCIO,
    section: "2.2.1 任务(Task)和协程(Coroutine)",
    params: &[ParamSpec::choice(
        "mode",
        &["seed", "return-value"],
        "seed: main awaits the task and drops its value (CPython prints None); \
         return-value: main does return await task (prints 42)",
    )],
    main: |out, params| {
        let mode = Mode::of(&params);
        async move { run(out, mode).await.map_err(|e| e.to_string()) }.boxed_local()
    },
    checks,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Seed,
    ReturnValue,
}

impl Mode {
    fn of(params: &Params) -> Mode {
        match params.index("mode") {
            1 => Mode::ReturnValue,
            _ => Mode::Seed,
        }
    }
}

/// What Python's `print` shows for a value.
trait PyStr {
    fn py_str(&self) -> String;
}

/// A function that returns nothing returns `()` in Rust, `None` in Python.
impl PyStr for () {
    fn py_str(&self) -> String {
        "None".to_string()
    }
}

impl PyStr for i32 {
    fn py_str(&self) -> String {
        self.to_string()
    }
}

// ANCHOR: lesson
/// `async def nested()`.
async fn nested() -> i32 {
    42
}

/// `async def main()` as the seed has it. The task runs on its own (`spawn` is
/// `asyncio.create_task`); awaiting its `JoinHandle` gives its value, 42, which this main
/// drops: a bare `await task` is a statement, and main returns nothing.
async fn main(out: &Printer) -> Result<(), JoinError> {
    let task = spawn("nested", nested());
    let value = task.await?;
    out.note(format!(
        "await task gave {value}; main drops it and returns nothing"
    ));
    Ok(())
}

/// The `return-value` variant: `return await task` hands the value on.
async fn main_returning() -> Result<i32, JoinError> {
    let task = spawn("nested", nested());
    task.await
}

/// `print(asyncio.run(main()))`: prints what main returned.
async fn run(out: Printer, mode: Mode) -> Result<(), JoinError> {
    match mode {
        Mode::Seed => out.print(main(&out).await?.py_str()),
        Mode::ReturnValue => out.print(main_returning().await?.py_str()),
    }
    Ok(())
}
// ANCHOR_END: lesson

fn checks(params: &Params, lines: &[Line]) -> Vec<Check> {
    let expected = match Mode::of(params) {
        Mode::Seed => "None",
        Mode::ReturnValue => "42",
    };
    let mut checks = vec![check_lines(lines, &[expected])];
    if let [line] = lines {
        checks.push(check_at_most(
            "printed at once (nothing sleeps)",
            line.t_ms,
            PRINTED_BY_MS,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t_ms: f64, text: &str) -> Vec<Line> {
        vec![Line {
            t_ms,
            text: text.to_string(),
        }]
    }

    fn params(mode: &str) -> Params {
        LESSON.validate([("mode", mode)]).expect("valid")
    }

    #[test]
    fn the_seed_prints_none_as_cpython_does() {
        let checks = checks(&params("seed"), &line(1.0, "None"));
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert!(!super::checks(&params("seed"), &line(1.0, "42"))[0].ok);
    }

    #[test]
    fn the_return_value_variant_prints_42() {
        let checks = checks(&params("return-value"), &line(1.0, "42"));
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn a_late_line_fails() {
        let checks = checks(&params("return-value"), &line(500.0, "42"));
        assert!(!checks[1].ok);
    }

    #[test]
    fn python_str_of_nothing_is_none() {
        assert_eq!(().py_str(), "None");
        assert_eq!(42.py_str(), "42");
    }
}
