//! Lesson `timeout`: `asyncio.wait_for` on a fast and a slow coroutine. The fast one returns its
//! value; the slow one is dropped at the deadline (`trace::timeout`), which runs its cleanup (a
//! `Drop` guard, Python's `finally:`) and clears its timer: the trace shows it cancelled because
//! it timed out, and its sleep never finishing.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use super::lesson;
use super::{
    check_at_least, check_at_most, check_lines, lesson_params, millis, Check, Lesson, Line,
    Printer, LATE_TOLERANCE_MS,
};
use crate::trace::{
    instrument, now_ms, sleep, timeout, with_recorder, CancelReason, EventKind, TaskState,
};

/// A sleep and its deadline this close may end either way (their timers fire in the same turn).
const TIE_MS: f64 = 10.0;

/// wait_for gives fast() (0.1 s) its 1 s and gets 'fast result'; slow() (10 s) is cancelled at its
/// 1 s deadline: its cleanup (Python's finally, a Drop guard in Rust) runs at that moment and its
/// timer is cleared, so the trace shows it cancelled (timed out) and its sleep never finishing. The
/// seed only mentions setting timeouts (with aiohttp); this is the canonical asyncio.wait_for
/// program.
pub const LESSON: Lesson = lesson! {
    id: "timeout", title: "wait_for: a deadline that cancels", params: TimeoutParams,
    article: ASYNCIO_AIOHTTP, section: "5.3 异步请求的高级用法",
};

pub(super) async fn run(out: Printer, params: TimeoutParams) -> Result<(), String> {
    let TimeoutParams {
        timeout_ms: limit,
        fast_ms,
        slow_ms,
    } = params;
    let cleanup = main(out.clone(), limit, fast_ms, slow_ms).await;
    judge_from_the_trace(&out, &cleanup, limit, slow_ms);
    Ok(())
}

lesson_params! {
    /// What `timeout` takes.
    pub(super) struct TimeoutParams {
        /// the deadline wait_for gives each coroutine, in ms (the Python: timeout=1)
        timeout_ms: Duration = 1000 in 0..=10_000,
        /// how long fast() sleeps, in ms (the Python: 0.1 s)
        fast_ms: Duration = 100 in 0..=10_000,
        /// how long slow() sleeps, in ms (the Python: 10 s)
        slow_ms: Duration = 10_000 in 0..=60_000,
    }
}

// ANCHOR: lesson
/// Python's `finally:` block: `drop` runs when slow() returns, and when the timeout drops
/// slow() unfinished. It records when it ran (ms after slow() started) for the lesson's notes.
struct Cleanup {
    started: f64,
    ran_after_ms: Rc<Cell<Option<f64>>>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.ran_after_ms.set(Some(now_ms() - self.started));
    }
}

async fn fast(duration: Duration) -> &'static str {
    sleep(duration).await;
    "fast result"
}

async fn slow(duration: Duration, cleanup_ran: Rc<Cell<Option<f64>>>) -> &'static str {
    let _cleanup = Cleanup {
        started: now_ms(),
        ran_after_ms: cleanup_ran,
    };
    sleep(duration).await; // dropped here at the deadline: its setTimeout is cleared
    "slow result"
}

/// `asyncio.wait_for(coro, timeout)` is `timeout(limit, future)`: `Err(Elapsed)` at the
/// deadline, after the future has been dropped.
async fn main(
    out: Printer,
    limit: Duration,
    fast_d: Duration,
    slow_d: Duration,
) -> Rc<Cell<Option<f64>>> {
    match timeout(limit, instrument("fast", fast(fast_d))).await {
        Ok(value) => out.print(value),
        Err(_elapsed) => out.print("fast() timed out"),
    }
    let cleanup_ran = Rc::new(Cell::new(None));
    match timeout(
        limit,
        instrument("slow", slow(slow_d, Rc::clone(&cleanup_ran))),
    )
    .await
    {
        Ok(value) => out.print(value),
        Err(_elapsed) => out.print("slow() timed out"),
    }
    cleanup_ran
}
// ANCHOR_END: lesson

/// The slow task as the trace recorded it: cancelled because it timed out, its sleep never
/// done, never woken after; or done, when it beat the deadline.
fn judge_from_the_trace(
    out: &Printer,
    cleanup: &Cell<Option<f64>>,
    limit: Duration,
    slow_d: Duration,
) {
    let limit_ms = millis(limit);
    let slow_ms = millis(slow_d);
    match cleanup.get() {
        Some(after) => out.note(format!(
            "slow(): its cleanup (finally / Drop) ran {after:.1} ms after it started"
        )),
        None => out.note("slow(): its cleanup never ran"),
    }
    let slow = with_recorder(|r| {
        let task = r.tasks().find(|t| t.name() == "slow").cloned()?;
        let events: Vec<EventKind> = r
            .events()
            .iter()
            .filter(|e| e.task == Some(task.id))
            .map(|e| e.kind.clone())
            .collect();
        Some((task, events))
    });
    let Some((task, events)) = slow else {
        out.check(Check {
            name: "the trace holds the slow task".to_string(),
            ok: false,
            expected: "a task named slow".to_string(),
            actual: "none".to_string(),
        });
        return;
    };
    if (slow_ms - limit_ms).abs() <= TIE_MS {
        return; // either ending is right; the lines' checks say which happened
    }
    if slow_ms < limit_ms {
        out.check(Check {
            name: "slow() beat the deadline: its task is done".to_string(),
            ok: task.state == TaskState::Done,
            expected: "done".to_string(),
            actual: task.state.as_str().to_string(),
        });
        return;
    }
    let reason = task.cancel_reason().map_or("none", CancelReason::as_str);
    out.note(format!(
        "the trace: task slow {} ({reason}) after {:.1} ms",
        task.state.as_str(),
        task.total_ms(now_ms())
    ));
    out.check(Check {
        name: "the trace shows slow cancelled because it timed out".to_string(),
        ok: task.state == TaskState::Cancelled
            && task.cancel_reason() == Some(CancelReason::TimedOut),
        expected: "cancelled (timed out)".to_string(),
        actual: format!("{} ({reason})", task.state.as_str()),
    });
    let cancelled_at = events
        .iter()
        .position(|k| matches!(k, EventKind::Cancelled { .. }));
    let woken_after = cancelled_at.map_or(0, |at| {
        events[at..]
            .iter()
            .filter(|k| matches!(k, EventKind::Woken { .. }))
            .count()
    });
    let slept = events
        .iter()
        .any(|k| matches!(k, EventKind::SleepDone { .. }));
    out.check(Check {
        name: "slow's sleep never finished, and nothing woke slow after it was cancelled"
            .to_string(),
        ok: cancelled_at.is_some() && woken_after == 0 && !slept,
        expected: "no 'slept' event, no wake after 'cancelled'".to_string(),
        actual: format!("slept: {slept}, wakes after cancelled: {woken_after}"),
    });
    out.check(match cleanup.get() {
        Some(after) => check_at_least(
            "slow's cleanup ran at the deadline, not before",
            after,
            limit_ms,
        ),
        None => Check {
            name: "slow's cleanup ran when the timeout dropped it".to_string(),
            ok: false,
            expected: "a Drop at the deadline".to_string(),
            actual: "it never ran".to_string(),
        },
    });
}

/// What wait_for gives for a sleep of `sleep_ms` with `limit_ms`, or both endings on a tie.
fn endings(
    sleep_ms: f64,
    limit_ms: f64,
    value: &'static str,
    timed_out: &'static str,
) -> Vec<&'static str> {
    if (sleep_ms - limit_ms).abs() <= TIE_MS {
        vec![value, timed_out]
    } else if sleep_ms < limit_ms {
        vec![value]
    } else {
        vec![timed_out]
    }
}

pub(super) fn checks(params: &TimeoutParams, lines: &[Line]) -> Vec<Check> {
    let limit = millis(params.timeout_ms);
    let fast_ms = millis(params.fast_ms);
    let slow_ms = millis(params.slow_ms);
    let fast_endings = endings(fast_ms, limit, "fast result", "fast() timed out");
    let slow_endings = endings(slow_ms, limit, "slow result", "slow() timed out");
    // The expected pair: each line one of its allowed endings (the first when it is not a tie).
    let first = lines
        .first()
        .map(|l| l.text.as_str())
        .filter(|t| fast_endings.contains(t))
        .unwrap_or(fast_endings[0]);
    let second = lines
        .get(1)
        .map(|l| l.text.as_str())
        .filter(|t| slow_endings.contains(t))
        .unwrap_or(slow_endings[0]);
    let mut checks = vec![check_lines(lines, &[first, second])];
    if let [a, b] = lines {
        let fast_took = fast_ms.min(limit);
        let slow_took = slow_ms.min(limit);
        checks.push(check_at_least(
            format!("'{}' no earlier than {fast_took} ms", a.text),
            a.t_ms,
            fast_took,
        ));
        checks.push(check_at_most(
            format!("'{}' at most {LATE_TOLERANCE_MS} ms late", a.text),
            a.t_ms,
            fast_took + LATE_TOLERANCE_MS,
        ));
        checks.push(check_at_least(
            format!("'{}' no earlier than {slow_took} ms after it", b.text),
            b.t_ms - a.t_ms,
            slow_took,
        ));
        checks.push(check_at_most(
            format!("'{}' at most {LATE_TOLERANCE_MS} ms late", b.text),
            b.t_ms - a.t_ms,
            slow_took + LATE_TOLERANCE_MS,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    #[test]
    fn the_python_run_passes() {
        let params = TimeoutParams::default();
        let run = lines(&[(100.5, "fast result"), (1101.0, "slow() timed out")]);
        let checks = checks(&params, &run);
        assert_eq!(checks.len(), 5);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn an_early_timeout_fails() {
        let params = TimeoutParams::default();
        let run = lines(&[(100.5, "fast result"), (900.0, "slow() timed out")]);
        assert!(!checks(&params, &run)[3].ok);
    }

    #[test]
    fn the_wrong_ending_fails_and_a_tie_takes_either() {
        let params = TimeoutParams::default();
        let run = lines(&[(100.5, "fast result"), (10101.0, "slow result")]);
        assert!(!checks(&params, &run)[0].ok);
        let tie = TimeoutParams {
            fast_ms: Duration::from_millis(1000),
            ..TimeoutParams::default()
        };
        for first in ["fast result", "fast() timed out"] {
            let run = lines(&[(1000.5, first), (2001.0, "slow() timed out")]);
            assert!(checks(&tie, &run)[0].ok, "{first}");
        }
    }
}
