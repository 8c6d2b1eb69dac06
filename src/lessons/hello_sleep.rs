//! Lesson `hello-sleep`: the seeds' first program. `main` prints, sleeps without blocking the
//! event loop, and prints again.

use std::time::Duration;

use super::lesson;
use super::{
    check_at_most, check_lines, check_on_time, lesson_params, millis, Check, Lesson, Line, Printer,
    AT_ONCE_MS, LATE_TOLERANCE_MS,
};
use crate::trace::sleep;

/// main() prints Hello, awaits a sleep that hands the event loop back to the browser, then prints
/// World about one second later.
pub const LESSON: Lesson = lesson! {
    id: "hello-sleep", title: "Hello, sleep, World", params: HelloSleepParams,
    article: ASYNCHAT_ASYNCIO, section: "2.1.1 async/await语法的介绍",
    // The landing lesson: in the page's own module, so a first visit runs it without the chunk.
    code: page,
};

async fn run(out: Printer, params: HelloSleepParams) -> Result<(), String> {
    main(out, params.delay_ms).await;
    Ok(())
}

lesson_params! {
    /// What `hello-sleep` takes.
    struct HelloSleepParams {
        /// how long main sleeps, in ms (the Python sleeps 1 s)
        delay_ms: Duration = 1000 in 0..=60_000,
    }
}

// ANCHOR: lesson
/// `async def main()`. The sleep is a future: awaiting it hands the
/// event loop back to the browser until a `setTimeout` wakes the task.
async fn main(out: Printer, delay: Duration) {
    out.print("Hello");
    sleep(delay).await;
    out.print("World");
}
// ANCHOR_END: lesson

fn checks(params: &HelloSleepParams, lines: &[Line]) -> Vec<Check> {
    let delay = millis(params.delay_ms);
    let mut checks = vec![check_lines(lines, &["Hello", "World"])];
    if let [hello, world] = lines {
        let gap = world.t_ms - hello.t_ms;
        checks.push(check_at_most("Hello at the start", hello.t_ms, AT_ONCE_MS));
        checks.extend(check_on_time(
            "World after Hello",
            gap,
            delay,
            LATE_TOLERANCE_MS,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    fn params(delay_ms: u64) -> HelloSleepParams {
        HelloSleepParams {
            delay_ms: Duration::from_millis(delay_ms),
        }
    }

    #[test]
    fn a_run_on_time_passes_every_check() {
        let checks = checks(&params(1000), &lines(&[(0.2, "Hello"), (1001.5, "World")]));
        assert_eq!(checks.len(), 4);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn an_early_world_fails() {
        let checks = checks(&params(1000), &lines(&[(0.0, "Hello"), (999.0, "World")]));
        assert!(!checks[2].ok);
    }

    #[test]
    fn a_late_world_fails() {
        let checks = checks(&params(1000), &lines(&[(0.0, "Hello"), (1200.0, "World")]));
        assert!(!checks[3].ok);
    }

    #[test]
    fn a_missing_line_fails() {
        let checks = checks(&params(1000), &lines(&[(0.0, "Hello")]));
        assert!(checks.iter().any(|c| !c.ok));
    }
}
