//! Lesson `gather`: three coroutines that return values after different sleeps, gathered.
//! They finish in the order their sleeps end, but the results come back in argument order. One
//! of them can fail: `first-error` gives up at the first error (plain `gather`), `collect-all`
//! returns the error among the values (`return_exceptions=True`).

use std::fmt::Write as _;
use std::time::Duration;

use futures::future::{join_all, try_join_all};

use super::lesson;
use super::{check_schedule, lesson_params, millis, param_choice, Check, Lesson, Line, Printer};
use crate::trace::{instrument, sleep};

/// The coroutines' names, in argument order.
const NAMES: [&str; 3] = ["a", "b", "c"];
/// The one that fails in the `first-error` and `collect-all` variants.
const FAILING: &str = "c";

impl GatherParams {
    /// The fetches' sleeps, in argument order.
    fn delays(&self) -> [Duration; 3] {
        [self.a_ms, self.b_ms, self.c_ms]
    }
}

/// gather runs fetch('a', 3), fetch('b', 1) and fetch('c', 2) at once: they finish b, c, a, and the
/// results come back A, B, C, in argument order, after 3 s. When c fails, plain gather raises at 2
/// s (first-error); with return_exceptions=True it waits for all and returns the error in c's place
/// (collect-all). The seed gathers five aiohttp requests; here each request is a sleep, so the
/// order is visible.
pub const LESSON: Lesson = lesson! {
    id: "gather", title: "gather: results in argument order", params: GatherParams,
    article: ASYNCIO_AIOHTTP, section: "4.3 异步编程实践示例",
};

pub(super) async fn run(out: Printer, params: GatherParams) -> Result<(), String> {
    main(out, params.mode, params.delays()).await;
    Ok(())
}

/// Python's `repr` of the values printed: a string in single quotes, an exception as its
/// constructor call, a list of either in brackets.
fn repr_list(results: &[Result<String, ConnectionError>]) -> String {
    let mut text = String::from("[");
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        let _ = match result {
            Ok(value) => write!(text, "'{value}'"),
            Err(error) => write!(text, "{}", error.repr()),
        };
    }
    text.push(']');
    text
}

/// Seconds as Python writes the literal: `3`, `1.5`.
fn secs(delay: Duration) -> String {
    format!("{}", delay.as_secs_f64())
}

param_choice! {
    /// Whether c fails, and what gather does then.
    pub(super) enum Mode {
        /// Every fetch returns.
        AllSucceed = "all-succeed",
        /// c raises, and plain gather raises with it.
        FirstError = "first-error",
        /// c raises, and `gather(..., return_exceptions=True)` returns its error.
        CollectAll = "collect-all",
    }
}

lesson_params! {
    /// What `gather` takes.
    pub(super) struct GatherParams {
        /// all-succeed: every fetch returns; first-error: c raises and gather raises with it;
        /// collect-all: c raises, and gather(..., return_exceptions=True) returns its error
        /// among the values
        mode: Mode,
        /// how long fetch('a') sleeps, in ms (the Python: 3 s)
        a_ms: Duration = 3000 in 0..=60_000,
        /// how long fetch('b') sleeps, in ms (the Python: 1 s)
        b_ms: Duration = 1000 in 0..=60_000,
        /// how long fetch('c') sleeps, in ms (the Python: 2 s)
        c_ms: Duration = 2000 in 0..=60_000,
    }
}

// ANCHOR: lesson
/// Python's `ConnectionError`, with its message.
#[derive(Debug)]
struct ConnectionError(String);

impl ConnectionError {
    fn repr(&self) -> String {
        format!("ConnectionError('{}')", self.0)
    }
}

/// `async def fetch(name, seconds)`: the sleep stands in for the request.
async fn fetch(
    out: Printer,
    name: &'static str,
    delay: Duration,
    mode: Mode,
) -> Result<String, ConnectionError> {
    sleep(delay).await;
    if name == FAILING && mode != Mode::AllSucceed {
        return Err(ConnectionError(format!("{name} failed")));
    }
    out.print(format!("{name} done"));
    Ok(name.to_ascii_uppercase()) // name.upper(): the names are ASCII
}

/// `async def main()`. Each coroutine is a traced future that main's task polls (its own row
/// in the trace); `join_all` and `try_join_all` poll them all at once and give their values in
/// argument order, as `gather` does.
async fn main(out: Printer, mode: Mode, delays: [Duration; 3]) {
    let coros = NAMES.into_iter().zip(delays).map(|(name, delay)| {
        let call = format!("fetch('{name}', {})", secs(delay));
        instrument(&call, fetch(out.clone(), name, delay, mode))
    });
    if mode == Mode::CollectAll {
        // return_exceptions=True: wait for every one; an error is a value like the others.
        let results = join_all(coros).await;
        out.print(repr_list(&results));
        return;
    }
    // The first error ends the gather at once. The fetches still running are dropped with
    // it, so they stop: Python's gather leaves them running until asyncio.run cancels them
    // when main returns, which prints the same.
    match try_join_all(coros).await {
        Ok(values) => out.print(repr_list(&values.into_iter().map(Ok).collect::<Vec<_>>())),
        Err(error) => out.print(format!("gather raised: {}", error.repr())),
    }
}
// ANCHOR_END: lesson

/// Each expected line, with the earliest time (ms since the start) it may be printed.
fn expected(params: &GatherParams) -> Vec<(String, f64)> {
    let mode = params.mode;
    let delays = params.delays().map(millis);
    let fails = |name: &str| name == FAILING && mode != Mode::AllSucceed;
    let failing_at = NAMES
        .iter()
        .zip(delays)
        .find(|(name, _)| fails(name))
        .map(|(_, ms)| ms);
    // The fetches in the order their sleeps end; on a tie, in argument order (their timers
    // were set in that order): each goes after those that end no later. (Three of them: an
    // insertion, rather than one more instantiation of the standard sort in the wasm.)
    let mut by_end: Vec<(&str, f64)> = Vec::new();
    for (name, ms) in NAMES.iter().copied().zip(delays) {
        let at = by_end.iter().position(|(_, end)| *end > ms);
        by_end.insert(at.unwrap_or(by_end.len()), (name, ms));
    }
    let mut lines: Vec<(String, f64)> = Vec::new();
    for (name, ms) in by_end {
        if fails(name) {
            continue;
        }
        // Plain gather stops at the error: only fetches that ended by then print (c is the
        // last argument, so a tie goes to the others).
        if mode == Mode::FirstError && failing_at.is_some_and(|at| ms > at) {
            continue;
        }
        lines.push((format!("{name} done"), ms));
    }
    let last = delays.iter().copied().fold(0.0, f64::max);
    let (result, at) = match (mode, failing_at) {
        (Mode::FirstError, Some(at)) => ("gather raised: ConnectionError('c failed')".into(), at),
        (Mode::CollectAll, _) => ("['A', 'B', ConnectionError('c failed')]".into(), last),
        _ => ("['A', 'B', 'C']".into(), last),
    };
    lines.push((result, at));
    lines
}

pub(super) fn checks(params: &GatherParams, lines: &[Line]) -> Vec<Check> {
    check_schedule(lines, &expected(params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    fn params(mode: Mode) -> GatherParams {
        GatherParams {
            mode,
            ..GatherParams::default()
        }
    }

    fn texts(params: &GatherParams) -> Vec<String> {
        expected(params).into_iter().map(|(text, _)| text).collect()
    }

    #[test]
    fn the_defaults_expect_what_cpython_prints() {
        assert_eq!(
            texts(&params(Mode::AllSucceed)),
            ["b done", "c done", "a done", "['A', 'B', 'C']"]
        );
        assert_eq!(
            texts(&params(Mode::FirstError)),
            ["b done", "gather raised: ConnectionError('c failed')"]
        );
        assert_eq!(
            texts(&params(Mode::CollectAll)),
            [
                "b done",
                "a done",
                "['A', 'B', ConnectionError('c failed')]"
            ]
        );
    }

    #[test]
    fn a_run_on_time_passes_every_check() {
        let run = [
            (1001.0, "b done"),
            (2001.0, "c done"),
            (3001.0, "a done"),
            (3001.5, "['A', 'B', 'C']"),
        ];
        let checks = checks(&params(Mode::AllSucceed), &lines(&run));
        assert_eq!(checks.len(), 9);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn results_in_finishing_order_fail() {
        let run = [
            (1001.0, "b done"),
            (2001.0, "c done"),
            (3001.0, "a done"),
            (3001.5, "['B', 'C', 'A']"),
        ];
        assert!(!checks(&params(Mode::AllSucceed), &lines(&run))[0].ok);
    }

    #[test]
    fn a_gather_that_waited_for_the_sum_of_the_sleeps_fails() {
        let run = [
            (1001.0, "b done"),
            (3001.0, "c done"),
            (6001.0, "a done"),
            (6001.5, "['A', 'B', 'C']"),
        ];
        let checks = checks(&params(Mode::AllSucceed), &lines(&run));
        assert!(checks.iter().any(|c| !c.ok), "{checks:?}");
    }

    #[test]
    fn first_error_gives_up_when_c_fails_and_later_ones_never_print() {
        let p = GatherParams {
            a_ms: Duration::from_millis(500),
            ..params(Mode::FirstError)
        };
        assert_eq!(
            texts(&p),
            [
                "a done",
                "b done",
                "gather raised: ConnectionError('c failed')"
            ]
        );
        let p = GatherParams {
            c_ms: Duration::from_millis(100),
            ..params(Mode::FirstError)
        };
        assert_eq!(texts(&p), ["gather raised: ConnectionError('c failed')"]);
    }

    #[test]
    fn python_reprs() {
        let results = [Ok("A".to_string()), Err(ConnectionError("c failed".into()))];
        assert_eq!(repr_list(&results), "['A', ConnectionError('c failed')]");
        assert_eq!(secs(Duration::from_millis(3000)), "3");
        assert_eq!(secs(Duration::from_millis(1500)), "1.5");
    }
}
