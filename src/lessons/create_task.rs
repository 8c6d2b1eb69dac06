//! Lesson `create-task`: two `say_after` coroutines started as tasks with
//! `asyncio.create_task`, then awaited. Their sleeps overlap, so the run takes 2 s, not 3; the
//! `sequential` variant awaits each coroutine where it is called, and takes 3 s.

use std::time::Duration;

use super::lesson;
use super::{check_schedule, lesson_params, millis, param_choice, Check, Lesson, Line, Printer};
use crate::trace::{instrument, sleep, spawn, JoinError};

/// main() starts say_after(1, 'hello') and say_after(2, 'world') as tasks, then awaits them: both
/// sleep at once, so hello comes at 1 s and world at 2 s, 2 s in all, not 3. The sequential variant
/// awaits one coroutine, then the other: 3 s.
pub const LESSON: Lesson = lesson! {
    id: "create-task", title: "create_task: two sleeps at once", params: CreateTaskParams,
    article: ASYNCHAT_ASYNCIO, section: "2.1.2 事件循环(Event Loop)的工作机制",
};

pub(super) async fn run(out: Printer, params: CreateTaskParams) -> Result<(), String> {
    let CreateTaskParams {
        mode,
        hello_ms,
        world_ms,
    } = params;
    match mode {
        Mode::Tasks => main(out, hello_ms, world_ms)
            .await
            .map_err(|e| e.to_string()),
        Mode::Sequential => {
            main_sequential(out, hello_ms, world_ms).await;
            Ok(())
        }
    }
}

param_choice! {
    /// How main runs the two say_afters.
    pub(super) enum Mode {
        /// `asyncio.create_task` both, then await them (the seed).
        Tasks = "tasks",
        /// Await each where it is called.
        Sequential = "sequential",
    }
}

lesson_params! {
    /// What `create-task` takes.
    pub(super) struct CreateTaskParams {
        /// tasks: create_task both, then await them (the seed); sequential: await
        /// say_after(1, 'hello'), then await say_after(2, 'world')
        mode: Mode,
        /// how long say_after sleeps before printing hello, in ms (the Python: 1 s)
        hello_ms: Duration = 1000 in 0..=60_000,
        /// how long say_after sleeps before printing world, in ms (the Python: 2 s)
        world_ms: Duration = 2000 in 0..=60_000,
    }
}

// ANCHOR: lesson
/// `async def say_after(delay, what)`.
async fn say_after(out: Printer, delay: Duration, what: &'static str) {
    sleep(delay).await;
    out.print(what);
}

/// `async def main()` of the seed. `spawn` is `asyncio.create_task`: both tasks are on the
/// event loop at once, so their sleeps overlap; awaiting a `JoinHandle` only waits for its
/// task to end.
async fn main(out: Printer, hello: Duration, world: Duration) -> Result<(), JoinError> {
    let task1 = spawn("task1", say_after(out.clone(), hello, "hello"));
    let task2 = spawn("task2", say_after(out, world, "world"));

    task1.await?;
    task2.await?;
    Ok(())
}

/// The `sequential` variant: `await say_after(1, 'hello')`, then `await say_after(2, 'world')`.
/// A future does nothing until it is awaited, so the second sleep starts when the first ends.
async fn main_sequential(out: Printer, hello: Duration, world: Duration) {
    instrument("say_after hello", say_after(out.clone(), hello, "hello")).await;
    instrument("say_after world", say_after(out, world, "world")).await;
}
// ANCHOR_END: lesson

/// Each expected line, with the earliest time (ms since the start) it may be printed.
fn expected(params: &CreateTaskParams) -> Vec<(&'static str, f64)> {
    let (hello, world) = (millis(params.hello_ms), millis(params.world_ms));
    match params.mode {
        // Each task's sleep starts at once; the shorter prints first (hello on a tie: its
        // timer was set first).
        Mode::Tasks if world < hello => vec![("world", world), ("hello", hello)],
        Mode::Tasks => vec![("hello", hello), ("world", world)],
        Mode::Sequential => vec![("hello", hello), ("world", hello + world)],
    }
}

pub(super) fn checks(params: &CreateTaskParams, lines: &[Line]) -> Vec<Check> {
    check_schedule(lines, &expected(params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    fn params(hello_ms: u64, world_ms: u64) -> CreateTaskParams {
        CreateTaskParams {
            hello_ms: Duration::from_millis(hello_ms),
            world_ms: Duration::from_millis(world_ms),
            ..CreateTaskParams::default()
        }
    }

    #[test]
    fn concurrent_tasks_on_time_pass_every_check() {
        let checks = checks(
            &CreateTaskParams::default(),
            &lines(&[(1001.0, "hello"), (2002.0, "world")]),
        );
        assert_eq!(checks.len(), 5);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn tasks_that_ran_one_after_the_other_fail() {
        // world at 3 s: the sleeps did not overlap.
        let checks = checks(
            &CreateTaskParams::default(),
            &lines(&[(1001.0, "hello"), (3002.0, "world")]),
        );
        assert!(checks.iter().any(|c| !c.ok), "{checks:?}");
    }

    #[test]
    fn the_sequential_variant_expects_world_after_both_sleeps() {
        let p = CreateTaskParams {
            mode: Mode::Sequential,
            ..CreateTaskParams::default()
        };
        let on_time = checks(&p, &lines(&[(1001.0, "hello"), (3002.0, "world")]));
        assert!(on_time.iter().all(|c| c.ok), "{on_time:?}");
        let early = checks(&p, &lines(&[(1001.0, "hello"), (2002.0, "world")]));
        assert!(early.iter().any(|c| !c.ok), "{early:?}");
    }

    #[test]
    fn a_shorter_second_sleep_prints_world_first() {
        let p = params(300, 100);
        let got = checks(&p, &lines(&[(101.0, "world"), (301.0, "hello")]));
        assert!(got.iter().all(|c| c.ok), "{got:?}");
        let wrong_order = checks(&p, &lines(&[(101.0, "hello"), (301.0, "world")]));
        assert!(!wrong_order[0].ok);
    }

    #[test]
    fn an_early_line_fails() {
        let checks = checks(
            &CreateTaskParams::default(),
            &lines(&[(999.0, "hello"), (2002.0, "world")]),
        );
        assert!(!checks[1].ok, "{checks:?}");
    }
}
