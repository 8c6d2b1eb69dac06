//! Lesson `task-result`: `nested()` returns 42 and runs as a task; main awaits it. A task's
//! value comes back through its handle, but only to whoever keeps it: the seed's main awaits
//! the task and drops the value, so `print(asyncio.run(main()))` prints `None`. The
//! `return-value` variant returns it, and 42 is printed.

use super::lesson;
use super::{
    check_at_most, check_lines, lesson_params, param_choice, Check, Lesson, Line, Printer,
    AT_ONCE_MS,
};
use crate::trace::{spawn, JoinError};

/// nested() returns 42 and runs as a task; main() awaits it. Its JoinHandle gives 42 back, but the
/// seed's main drops it, so asyncio.run(main()) returns None and None is printed. The return-value
/// variant (return await task) prints 42.
pub const LESSON: Lesson = lesson! {
    id: "task-result", title: "A task's value, and where it goes", params: TaskResultParams,
    article: ASYNCHAT_ASYNCIO, section: "2.2.1 任务(Task)和协程(Coroutine)",
};

pub(super) async fn run(out: Printer, params: TaskResultParams) -> Result<(), String> {
    print_asyncio_run(out, params.mode)
        .await
        .map_err(|e| e.to_string())
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

param_choice! {
    /// What main does with the task's value.
    pub(super) enum Mode {
        /// Await the task and drop its value, as the seed does.
        Seed = "seed",
        /// `return await task`.
        ReturnValue = "return-value",
    }
}

lesson_params! {
    /// What `task-result` takes.
    pub(super) struct TaskResultParams {
        /// seed: main awaits the task and drops its value (CPython prints None); return-value:
        /// main does return await task (prints 42)
        mode: Mode,
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
async fn print_asyncio_run(out: Printer, mode: Mode) -> Result<(), JoinError> {
    match mode {
        Mode::Seed => out.print(main(&out).await?.py_str()),
        Mode::ReturnValue => out.print(main_returning().await?.py_str()),
    }
    Ok(())
}
// ANCHOR_END: lesson

pub(super) fn checks(params: &TaskResultParams, lines: &[Line]) -> Vec<Check> {
    let expected = match params.mode {
        Mode::Seed => "None",
        Mode::ReturnValue => "42",
    };
    let mut checks = vec![check_lines(lines, &[expected])];
    if let [line] = lines {
        checks.push(check_at_most(
            "printed at once (nothing sleeps)",
            line.t_ms,
            AT_ONCE_MS,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lessons::checks::printed_at;

    fn params(mode: Mode) -> TaskResultParams {
        TaskResultParams { mode }
    }

    #[test]
    fn the_seed_prints_none_as_cpython_does() {
        let checks = checks(&params(Mode::Seed), &printed_at(&[(1.0, "None")]));
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert!(!super::checks(&params(Mode::Seed), &printed_at(&[(1.0, "42")]))[0].ok);
    }

    #[test]
    fn the_return_value_variant_prints_42() {
        let checks = checks(&params(Mode::ReturnValue), &printed_at(&[(1.0, "42")]));
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn a_late_line_fails() {
        let checks = checks(&params(Mode::ReturnValue), &printed_at(&[(500.0, "42")]));
        assert!(!checks[1].ok);
    }

    #[test]
    fn python_str_of_nothing_is_none() {
        assert_eq!(().py_str(), "None");
        assert_eq!(42.py_str(), "42");
    }
}
