//! Lesson `hello-sleep`: the seeds' first program. `main` prints, sleeps without blocking the
//! event loop, and prints again.

use std::time::Duration;

use futures::future::FutureExt;

use super::{
    articles, check_at_least, check_at_most, check_lines, Check, Line, ParamSpec, Printer,
};
use super::{Lesson, Params};
use crate::trace::sleep;

/// How late "World" may be and still count as "at about the delay": a timer on a busy page
/// fires a few ms late; more than this means the event loop was blocked.
const LATE_TOLERANCE_MS: f64 = 100.0;
/// "Hello" is printed at once: the first poll of `main` comes within a few microtasks.
const HELLO_BY_MS: f64 = 50.0;

/// main() prints Hello, awaits a sleep that hands the event loop back to the browser, then prints
/// World about one second later.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "hello-sleep",
    title: "Hello, sleep, World",
    article: &articles::ASYNCHAT_ASYNCIO,
    section: "2.1.1 async/await语法的介绍",
    params: &[ParamSpec::number(
        "delay_ms",
        1000.0,
        0.0,
        60_000.0,
        "how long main sleeps, in ms (the Python sleeps 1 s)",
    )],
    main: |out, params| {
        let delay = Duration::from_secs_f64(params.get("delay_ms") / 1000.0);
        async move {
            main(out, delay).await;
            Ok(())
        }
        .boxed_local()
    },
    checks,
};

// ANCHOR: lesson
/// `async def main()`. The sleep is a future: awaiting it hands the
/// event loop back to the browser until a `setTimeout` wakes the task.
async fn main(out: Printer, delay: Duration) {
    out.print("Hello");
    sleep(delay).await;
    out.print("World");
}
// ANCHOR_END: lesson

fn checks(params: &Params, lines: &[Line]) -> Vec<Check> {
    let delay = params.get("delay_ms");
    let mut checks = vec![check_lines(lines, &["Hello", "World"])];
    if let [hello, world] = lines {
        let gap = world.t_ms - hello.t_ms;
        checks.push(check_at_most("Hello at the start", hello.t_ms, HELLO_BY_MS));
        checks.push(check_at_least(
            format!("World no earlier than {delay} ms after Hello"),
            gap,
            delay,
        ));
        checks.push(check_at_most(
            format!("World about {delay} ms after Hello (at most {LATE_TOLERANCE_MS} ms late)"),
            gap,
            delay + LATE_TOLERANCE_MS,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::run::printed_at as lines;

    fn params(delay: &str) -> Params {
        LESSON.validate([("delay_ms", delay)]).expect("valid")
    }

    #[test]
    fn a_run_on_time_passes_every_check() {
        let checks = checks(
            &params("1000"),
            &lines(&[(0.2, "Hello"), (1001.5, "World")]),
        );
        assert_eq!(checks.len(), 4);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn an_early_world_fails() {
        let checks = checks(&params("1000"), &lines(&[(0.0, "Hello"), (999.0, "World")]));
        assert!(!checks[2].ok);
    }

    #[test]
    fn a_late_world_fails() {
        let checks = checks(
            &params("1000"),
            &lines(&[(0.0, "Hello"), (1200.0, "World")]),
        );
        assert!(!checks[3].ok);
    }

    #[test]
    fn a_missing_line_fails() {
        let checks = checks(&params("1000"), &lines(&[(0.0, "Hello")]));
        assert!(checks.iter().any(|c| !c.ok));
    }
}
