//! Lesson `semaphore`: three `count()`s gathered, each holding the semaphore while it counts. With
//! one permit (Python's `asyncio.Semaphore()` default) `counting` and `done counting` strictly
//! alternate; with more, that many count at once. The sleeps are really random (`Math.random`),
//! so the lesson's verdicts never depend on the values drawn.

use std::time::Duration;

use futures::future::join_all;
use js_sys::Math;

use super::lesson;
use super::{check_at_most, check_lines, lesson_params, Check, Lesson, Line, Printer, AT_ONCE_MS};
use crate::trace::{instrument, now_ms, sleep, with_recorder, ResourceDetail, Semaphore};

const COUNTING: &str = "counting";
const DONE: &str = "done counting";

/// Three count()s run concurrently, but each holds the semaphore while it counts: with one permit
/// (asyncio.Semaphore()'s default) 'counting' and 'done counting' strictly alternate, each count
/// sleeping a random fraction of a second. Raise `permits` and that many count at once; the trace's
/// semaphore row never shows more holders than permits.
pub const LESSON: Lesson = lesson! {
    id: "semaphore", title: "Semaphore: one count() at a time", params: SemaphoreParams,
    article: ASYNCHAT_ASYNCIO, section: "2.2.2 锁与信号量的使用",
};

pub(super) async fn run(out: Printer, params: SemaphoreParams) -> Result<(), String> {
    main(out, params.permits, params.tasks).await;
    Ok(())
}

/// What one count() drew with `random.random()`, and how long its sleep really took.
struct Slept {
    drawn_ms: f64,
    actual_ms: f64,
}

lesson_params! {
    /// What `semaphore` takes.
    pub(super) struct SemaphoreParams {
        /// how many count()s may hold the semaphore at once (asyncio.Semaphore()'s default: 1)
        permits: u32 = 1 in 1..=10,
        /// how many count()s are gathered (the Python gathers 3)
        tasks: u32 = 3 in 1..=20,
    }
}

// ANCHOR: lesson
/// `count()`: holds a permit while it counts. The permit is released when `_permit` is
/// dropped at the end of the block, as leaving `async with sem:` releases it.
async fn count(out: Printer, sem: Semaphore) -> Slept {
    let _permit = sem.acquire().await;
    out.print("counting");
    let drawn_ms = Math::random() * 1000.0; // random.random() seconds
    let start = now_ms();
    sleep(Duration::from_secs_f64(drawn_ms / 1000.0)).await;
    let actual_ms = now_ms() - start;
    out.print("done counting");
    Slept {
        drawn_ms,
        actual_ms,
    }
}

/// `asyncio.gather(count(), count(), count())`: each count() is traced as a task of its own.
async fn main(out: Printer, permits: u32, tasks: u32) {
    let sem = Semaphore::new("sem", permits); // asyncio.Semaphore(permits)
    let counts =
        (1..=tasks).map(|i| instrument(&format!("count-{i}"), count(out.clone(), sem.clone())));
    let slept = join_all(counts).await;
    judge_from_the_trace(&out, &sem, &slept); // what the tracer saw (below)
}
// ANCHOR_END: lesson

/// Verdicts measured in the run: the semaphore's holders as the trace recorded them, and each
/// sleep against the value it drew.
fn judge_from_the_trace(out: &Printer, sem: &Semaphore, slept: &[Slept]) {
    for (i, s) in slept.iter().enumerate() {
        out.note(format!(
            "count-{}: random.random() drew {:.3} s, slept {:.1} ms",
            i + 1,
            s.drawn_ms / 1000.0,
            s.actual_ms
        ));
    }
    let worst = slept
        .iter()
        .map(|s| s.actual_ms - s.drawn_ms)
        .fold(f64::INFINITY, f64::min);
    out.check(Check {
        name: "every count() slept at least the time it drew".to_string(),
        ok: slept.is_empty() || worst >= 0.0,
        expected: "slept - drawn >= 0 ms".to_string(),
        actual: format!("the smallest slept - drawn: {worst:.1} ms"),
    });
    let detail = with_recorder(|r| r.resource_stats(sem.id()).map(|s| s.detail.clone()));
    let (ok, actual) = match detail {
        Some(ResourceDetail::Semaphore {
            permits,
            max_holders,
            ..
        }) => {
            out.note(format!(
                "the trace: semaphore 'sem' was held by at most {max_holders} of its {permits} permit(s)"
            ));
            (
                max_holders <= permits && max_holders >= 1,
                format!("{max_holders} of {permits}"),
            )
        }
        _ => (false, "the semaphore is missing from the trace".to_string()),
    };
    out.check(Check {
        name: "the trace never shows more holders than permits".to_string(),
        ok,
        expected: "between 1 and the permits".to_string(),
        actual,
    });
}

/// The most count()s between their `counting` and their `done counting` at any moment.
fn most_at_once(lines: &[Line]) -> usize {
    let mut now = 0usize;
    let mut most = 0;
    for line in lines {
        match line.text.as_str() {
            COUNTING => now += 1,
            DONE => now = now.saturating_sub(1),
            _ => {}
        }
        most = most.max(now);
    }
    most
}

pub(super) fn checks(params: &SemaphoreParams, lines: &[Line]) -> Vec<Check> {
    let (permits, tasks) = (params.permits as usize, params.tasks as usize);
    let mut checks = Vec::new();
    if permits == 1 {
        let expected: Vec<&str> = (0..tasks).flat_map(|_| [COUNTING, DONE]).collect();
        let mut check = check_lines(lines, &expected);
        check.name = "'counting' and 'done counting' strictly alternate".to_string();
        checks.push(check);
    } else {
        let counted = |text: &str| lines.iter().filter(|l| l.text == text).count();
        let (c, d) = (counted(COUNTING), counted(DONE));
        checks.push(Check {
            name: format!("each of the {tasks} count()s prints 'counting' then 'done counting'"),
            ok: c == tasks && d == tasks && c + d == lines.len(),
            expected: format!("{tasks} × counting, {tasks} × done counting, nothing else"),
            actual: format!("{c} × counting, {d} × done counting, {} lines", lines.len()),
        });
    }
    let at_once = permits.min(tasks);
    let most = most_at_once(lines);
    checks.push(Check {
        name: format!("{at_once} count()s at once at most (permits: {permits})"),
        ok: most == at_once,
        expected: at_once.to_string(),
        actual: most.to_string(),
    });
    if let Some(first) = lines.iter().filter(|l| l.text == COUNTING).nth(at_once - 1) {
        checks.push(check_at_most(
            format!("the first {at_once} 'counting' at the start"),
            first.t_ms,
            AT_ONCE_MS,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    fn params(permits: u32, tasks: u32) -> SemaphoreParams {
        SemaphoreParams { permits, tasks }
    }

    /// Three count()s, one after the other.
    const ONE_AT_A_TIME: [(f64, &str); 6] = [
        (0.1, COUNTING),
        (300.0, DONE),
        (300.2, COUNTING),
        (900.0, DONE),
        (900.1, COUNTING),
        (950.0, DONE),
    ];

    #[test]
    fn one_permit_alternating_passes() {
        let checks = checks(&params(1, 3), &lines(&ONE_AT_A_TIME));
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn two_counting_at_once_with_one_permit_fails() {
        let run = lines(&[
            (0.1, COUNTING),
            (0.2, COUNTING),
            (300.0, DONE),
            (310.0, DONE),
            (310.1, COUNTING),
            (400.0, DONE),
        ]);
        let checks = checks(&params(1, 3), &run);
        assert!(!checks[0].ok);
        assert!(!checks[1].ok);
    }

    #[test]
    fn three_permits_count_at_once() {
        let run = lines(&[
            (0.1, COUNTING),
            (0.2, COUNTING),
            (0.3, COUNTING),
            (300.0, DONE),
            (310.0, DONE),
            (400.0, DONE),
        ]);
        assert!(checks(&params(3, 3), &run).iter().all(|c| c.ok));
        // With three permits but one at a time, the permits went unused: that fails.
        assert!(!checks(&params(3, 3), &lines(&ONE_AT_A_TIME))[1].ok);
    }

    #[test]
    fn a_late_start_fails() {
        let run = lines(&[(200.0, COUNTING), (300.0, DONE)]);
        let checks = checks(&params(1, 1), &run);
        assert!(!checks[2].ok, "{checks:?}");
    }
}
