//! Lesson `task-order`: two tasks that each print when they start and when they end. Both
//! start before either ends, and the shorter sleep ends first, whatever order they were
//! created and awaited in.

use std::time::Duration;

use super::lesson;
use super::{check_schedule, lesson_params, millis, Check, Lesson, Line, Printer};
use crate::trace::{sleep, spawn, JoinError};

/// Task 1 sleeps 2 s and Task 2 sleeps 1 s. Both start at once, in the order they were created;
/// Task 2 completes at 1 s and Task 1 at 2 s, although main awaits Task 1 first.
pub const LESSON: Lesson = lesson! {
    id: "task-order", title: "Two tasks: who finishes first", params: TaskOrderParams,
    article: ASYNCIO_AIOHTTP, section: "4.2 asyncio中的异步任务管理",
};

pub(super) async fn run(out: Printer, params: TaskOrderParams) -> Result<(), String> {
    main(out, params.task1_ms, params.task2_ms)
        .await
        .map_err(|e| e.to_string())
}

lesson_params! {
    /// What `task-order` takes.
    pub(super) struct TaskOrderParams {
        /// how long Task 1 sleeps, in ms (the Python: 2 s)
        task1_ms: Duration = 2000 in 0..=60_000,
        /// how long Task 2 sleeps, in ms (the Python: 1 s)
        task2_ms: Duration = 1000 in 0..=60_000,
    }
}

// ANCHOR: lesson
/// `async def async_task(name, seconds)`.
async fn async_task(out: Printer, name: &'static str, seconds: Duration) {
    out.print(format!("Start async task {name}"));
    sleep(seconds).await; // stands in for slow work
    out.print(format!("Async task {name} completed"));
}

/// `async def main()`. Spawned tasks start in the order they were spawned, as soon as main
/// yields (at its first `.await`); they then end in the order their sleeps end.
async fn main(out: Printer, task1_sleep: Duration, task2_sleep: Duration) -> Result<(), JoinError> {
    let task1 = spawn("Task 1", async_task(out.clone(), "Task 1", task1_sleep));
    let task2 = spawn("Task 2", async_task(out, "Task 2", task2_sleep));
    task1.await?;
    task2.await?;
    Ok(())
}
// ANCHOR_END: lesson

/// Each expected line, with the earliest time (ms since the start) it may be printed.
fn expected(params: &TaskOrderParams) -> Vec<(&'static str, f64)> {
    let (one, two) = (millis(params.task1_ms), millis(params.task2_ms));
    let one_done = ("Async task Task 1 completed", one);
    let two_done = ("Async task Task 2 completed", two);
    let mut lines = vec![
        ("Start async task Task 1", 0.0),
        ("Start async task Task 2", 0.0),
    ];
    // On a tie Task 1 ends first: its timer was set first.
    if two < one {
        lines.extend([two_done, one_done]);
    } else {
        lines.extend([one_done, two_done]);
    }
    lines
}

pub(super) fn checks(params: &TaskOrderParams, lines: &[Line]) -> Vec<Check> {
    check_schedule(lines, &expected(params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    const SEED_RUN: [(f64, &str); 4] = [
        (0.3, "Start async task Task 1"),
        (0.4, "Start async task Task 2"),
        (1001.0, "Async task Task 2 completed"),
        (2001.0, "Async task Task 1 completed"),
    ];

    #[test]
    fn the_seed_order_on_time_passes_every_check() {
        let checks = checks(&TaskOrderParams::default(), &lines(&SEED_RUN));
        assert_eq!(checks.len(), 7);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn completing_in_await_order_fails() {
        let mut run = SEED_RUN;
        run.swap(2, 3);
        let checks = checks(&TaskOrderParams::default(), &lines(&run));
        assert!(!checks[0].ok);
    }

    #[test]
    fn a_late_start_fails() {
        let mut run = SEED_RUN;
        run[1].0 = 900.0;
        let checks = checks(&TaskOrderParams::default(), &lines(&run));
        assert!(checks.iter().any(|c| !c.ok), "{checks:?}");
    }

    #[test]
    fn a_longer_task_two_completes_last() {
        let p = TaskOrderParams {
            task1_ms: Duration::from_millis(100),
            task2_ms: Duration::from_millis(300),
        };
        let run = [
            (0.1, "Start async task Task 1"),
            (0.2, "Start async task Task 2"),
            (101.0, "Async task Task 1 completed"),
            (301.0, "Async task Task 2 completed"),
        ];
        let checks = checks(&p, &lines(&run));
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }
}
