//! Lesson `cancel`: `task.cancel()`. main starts a worker that counts to ten, one step per
//! 100 ms, and cancels it after `cancel_after_ms` with `JoinHandle::abort`. The worker's future
//! is dropped at its next turn (its `Drop` is where Python's `except CancelledError:` runs), the
//! trace shows it cancelled because it was aborted, and main goes on.

use std::time::Duration;

use super::lesson;
use super::{check_at_least, lesson_params, millis, Check, Lesson, Line, Printer};
use crate::trace::{self, sleep, with_recorder, CancelReason, JoinError, TaskId, TaskState};

/// The worker's steps and the time between them (the Python: range(1, 11), sleep(0.1)).
const STEPS: u32 = 10;
const STEP_MS: f64 = 100.0;
/// A cancel this close to a step may land on either side of it.
const TIE_MS: f64 = 20.0;

/// main starts worker() as a task, sleeps 0.35 s, and cancels it: the worker has printed working 1
/// to 4, its cancellation runs (Python's except CancelledError, a Drop in Rust), awaiting the task
/// reports it cancelled, and main goes on. The trace shows the worker cancelled (aborted). The seed
/// only says that a task 'can be used to cancel nested()'; this is the canonical task.cancel()
/// program.
pub const LESSON: Lesson = lesson! {
    id: "cancel", title: "Cancelling a task", params: CancelParams,
    article: ASYNCHAT_ASYNCIO, section: "2.2.1 任务(Task)和协程(Coroutine)",
};

pub(super) async fn run(out: Printer, params: CancelParams) -> Result<(), String> {
    let worker = main(out.clone(), params.cancel_after_ms).await;
    judge_from_the_trace(&out, worker);
    Ok(())
}

lesson_params! {
    /// What `cancel` takes.
    pub(super) struct CancelParams {
        /// how long main lets the worker run before cancelling it, in ms (the Python: 0.35 s;
        /// past 1000 the worker has finished and cancel() does nothing)
        cancel_after_ms: Duration = 350 in 1..=5000,
    }
}

// ANCHOR: lesson
/// Python's `except asyncio.CancelledError:`. A cancelled Rust future is not resumed with an
/// exception: it is dropped, so what must run on cancellation goes in a `Drop`.
struct OnCancel {
    out: Printer,
    finished: bool,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if !self.finished {
            self.out.print("worker: cancelled");
        }
    }
}

async fn worker(out: Printer) -> &'static str {
    let mut on_cancel = OnCancel {
        out: out.clone(),
        finished: false,
    };
    for i in 1..=10 {
        out.print(format!("working {i}"));
        sleep(Duration::from_millis(100)).await; // a cancel lands at an await like this one
    }
    on_cancel.finished = true;
    "finished"
}

async fn main(out: Printer, cancel_after: Duration) -> TaskId {
    let task = trace::spawn("worker", worker(out.clone())); // asyncio.create_task(worker())
    sleep(cancel_after).await;
    task.abort(); // task.cancel()
    let id = task.id();
    match task.await {
        Ok(value) => out.print(value),
        Err(JoinError::Cancelled(_)) => out.print("main: the task was cancelled"),
    }
    out.print("main goes on");
    id
}
// ANCHOR_END: lesson

/// The worker as the trace recorded it: cancelled because it was aborted, or done when the
/// cancel came after it finished.
fn judge_from_the_trace(out: &Printer, worker: TaskId) {
    let stats = with_recorder(|r| {
        r.task(worker)
            .map(|t| (t.state, t.cancel_reason(), t.polls))
    });
    let Some((state, reason, polls)) = stats else {
        out.check(Check {
            name: "the trace holds the worker".to_string(),
            ok: false,
            expected: "the worker task".to_string(),
            actual: "none".to_string(),
        });
        return;
    };
    let reason_text = reason.map_or("none", CancelReason::as_str);
    out.note(format!(
        "the trace: worker {} ({reason_text}) after {polls} polls",
        state.as_str()
    ));
    let ok = match state {
        TaskState::Cancelled => reason == Some(CancelReason::Aborted),
        TaskState::Done => true, // it finished before the cancel: cancel() did nothing
        _ => false,
    };
    out.check(Check {
        name: "the trace shows the worker cancelled because it was aborted (or done)".to_string(),
        ok,
        expected: "cancelled (aborted), or done".to_string(),
        actual: format!("{} ({reason_text})", state.as_str()),
    });
}

fn working(i: u32) -> String {
    format!("working {i}")
}

/// How many `working` lines may come before a cancel at `c` ms: one per step begun, and one
/// either way when the cancel is within [`TIE_MS`] of a step.
fn steps_before(c: f64) -> (u32, u32) {
    // The first step begins at 0 ms, step i + 1 at i steps in.
    let steps = |t: f64| 1 + (1..STEPS).filter(|&i| f64::from(i) * STEP_MS <= t).count() as u32;
    (steps(c - TIE_MS), steps(c + TIE_MS))
}

pub(super) fn checks(params: &CancelParams, lines: &[Line]) -> Vec<Check> {
    let c = millis(params.cancel_after_ms);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let k = texts
        .iter()
        .take_while(|t| t.starts_with("working "))
        .count() as u32;
    let numbered = (1..=k).all(|i| texts[i as usize - 1] == working(i));
    let rest = &texts[k as usize..];
    let cancelled = rest
        == [
            "worker: cancelled",
            "main: the task was cancelled",
            "main goes on",
        ];
    let finished = k == STEPS && rest == ["finished", "main goes on"];
    let finish_ms = f64::from(STEPS) * STEP_MS;
    let (lo, hi) = steps_before(c);
    let (expected, ok) = if c < finish_ms - TIE_MS {
        (
            format!("working 1..{lo} (or ..{hi}), worker: cancelled, main: the task was cancelled, main goes on"),
            numbered && cancelled && (lo..=hi).contains(&k),
        )
    } else if c > finish_ms + 2.0 * STEP_MS {
        (
            "working 1..10, finished, main goes on".to_string(),
            numbered && finished,
        )
    } else {
        (
            "cancelled near its last step, or finished".to_string(),
            numbered && (cancelled || finished),
        )
    };
    let mut checks = vec![Check {
        name: "prints what the Python prints, in the same order".to_string(),
        ok,
        expected,
        actual: texts.join(" / "),
    }];
    // Never early: step i comes no sooner than (i - 1) steps in, the cancellation no sooner
    // than main asked for it.
    let early_step = lines
        .iter()
        .take(k as usize)
        .enumerate()
        .find(|(i, l)| l.t_ms < *i as f64 * STEP_MS);
    checks.push(Check {
        name: "each 'working i' no earlier than (i - 1) × 100 ms".to_string(),
        ok: early_step.is_none(),
        expected: "none early".to_string(),
        actual: early_step.map_or("none early".to_string(), |(_, l)| {
            format!("'{}' at {:.1} ms", l.text, l.t_ms)
        }),
    });
    if let Some(line) = lines.iter().find(|l| l.text == "worker: cancelled") {
        checks.push(check_at_least(
            format!("the worker cancelled no earlier than {c} ms"),
            line.t_ms,
            c,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    fn python_run() -> Vec<Line> {
        lines(&[
            (0.2, "working 1"),
            (101.0, "working 2"),
            (202.0, "working 3"),
            (303.0, "working 4"),
            (351.0, "worker: cancelled"),
            (351.2, "main: the task was cancelled"),
            (351.3, "main goes on"),
        ])
    }

    #[test]
    fn the_python_run_passes() {
        let params = CancelParams::default();
        let checks = checks(&params, &python_run());
        assert_eq!(checks.len(), 3);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn a_step_after_the_cancel_or_too_many_steps_fail() {
        let params = CancelParams::default();
        let mut run = python_run();
        run.insert(
            4,
            Line {
                t_ms: 404.0,
                text: "working 5".to_string(),
            },
        );
        assert!(!checks(&params, &run)[0].ok);
        let mut early = python_run();
        early[4].t_ms = 340.0;
        assert!(!checks(&params, &early)[2].ok);
        let mut early_step = python_run();
        early_step[2].t_ms = 150.0;
        assert!(!checks(&params, &early_step)[1].ok);
    }

    #[test]
    fn a_cancel_after_the_end_finds_the_task_finished() {
        let params = CancelParams {
            cancel_after_ms: Duration::from_millis(2000),
        };
        let mut run: Vec<Line> = (1..=10)
            .map(|i| Line {
                t_ms: f64::from(i - 1) * 100.5,
                text: working(i),
            })
            .collect();
        run.extend(lines(&[(2001.0, "finished"), (2001.1, "main goes on")]));
        assert!(checks(&params, &run).iter().all(|c| c.ok));
    }

    #[test]
    fn a_cancel_at_a_step_allows_either_side() {
        assert_eq!(steps_before(350.0), (4, 4));
        assert_eq!(steps_before(300.0), (3, 4));
        assert_eq!(steps_before(1.0), (1, 1));
        assert_eq!(steps_before(4000.0), (10, 10));
    }
}
