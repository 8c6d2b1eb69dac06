//! Lesson `lock`: many tasks update a shared counter by reading it, awaiting, and writing it
//! back. Without a lock every task reads the same old value and the updates are lost; with an
//! async lock (a traced one-permit semaphore, so the trace shows its holder) the count is exact.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::future::{join_all, FutureExt};

use super::{articles, check_at_least, Check, Line, ParamSpec, Printer};
use super::{Lesson, Params};
use crate::trace::{instrument, sleep, with_recorder, ResourceDetail, Semaphore};

const WITH_LOCK: usize = 0;

/// 100 tasks each add one to a shared counter: read it, await (another task runs meanwhile), write
/// it back. With an asyncio.Lock held across the three steps the counter ends at 100, one task
/// after the other; with `lock` set to none every task reads 0 before any writes, and the counter
/// ends at 1: 99 updates lost. The seed's section speaks of locks guarding shared resources but
/// shows no lock program: this is the canonical asyncio one.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "lock",
    title: "Lock: no update lost",
    article: &articles::ASYNCHAT_ASYNCIO,
    section: "2.2.2 锁与信号量的使用",
    params: &[
        ParamSpec::choice(
            "lock",
            &["asyncio.Lock", "none"],
            "asyncio.Lock: each task holds the lock from its read to its write; none: no lock \
             (contextlib.nullcontext()), so the read, the await and the write interleave",
        ),
        ParamSpec::number(
            "tasks",
            100.0,
            1.0,
            500.0,
            "how many increment() tasks run at once (the Python: 100)",
        ),
        ParamSpec::number(
            "work_ms",
            10.0,
            1.0,
            100.0,
            "how long each task awaits between its read and its write, in ms (the Python: 0.01 s)",
        ),
    ],
    main: |out, params| {
        let locked = params.index("lock") == WITH_LOCK;
        let tasks = params.get("tasks") as u32;
        let work = Duration::from_secs_f64(params.get("work_ms") / 1000.0);
        async move {
            main(out, locked, tasks, work).await;
            Ok(())
        }
        .boxed_local()
    },
    checks,
};

// ANCHOR: lesson
/// `increment(lock)`: read, await, write. Holding the lock (a permit of a one-permit
/// semaphore) from the read to the write keeps other tasks from reading a value about to change.
async fn increment(counter: Rc<Cell<u32>>, lock: Option<Semaphore>, work: Duration) {
    let _held = match &lock {
        Some(lock) => Some(lock.acquire().await), // async with lock:
        None => None,                             // async with contextlib.nullcontext():
    };
    let value = counter.get(); // read
    sleep(work).await; // another task runs here
    counter.set(value + 1); // write
}

async fn main(out: Printer, locked: bool, n: u32, work: Duration) {
    let counter = Rc::new(Cell::new(0)); // single-threaded: a Cell, no atomics
    let lock = locked.then(|| Semaphore::new("lock", 1)); // asyncio.Lock()
    let tasks = (1..=n).map(|i| {
        let task = increment(Rc::clone(&counter), lock.clone(), work);
        instrument(&format!("increment-{i}"), task)
    });
    join_all(tasks).await;
    out.print(format!("counter = {}, expected {n}", counter.get()));
    judge_from_the_trace(&out, lock.as_ref(), counter.get(), n); // below
}
// ANCHOR_END: lesson

/// The lock's holders as the trace recorded them, and what was lost.
fn judge_from_the_trace(out: &Printer, lock: Option<&Semaphore>, counter: u32, n: u32) {
    let lost = n.saturating_sub(counter);
    match lock {
        None => out.note(format!(
            "without a lock, {lost} of {n} updates were lost: every task read the counter before \
             any task wrote it"
        )),
        Some(lock) => {
            let max = with_recorder(|r| match r.resource_stats(lock.id()).map(|s| &s.detail) {
                Some(ResourceDetail::Semaphore { max_holders, .. }) => Some(*max_holders),
                _ => None,
            });
            out.note(format!(
                "with the lock the {n} tasks took turns: the trace's 'lock' row shows one holder \
                 at a time ({} at most)",
                max.map_or("?".to_string(), |m| m.to_string())
            ));
            out.check(Check {
                name: "the trace shows one lock holder at a time".to_string(),
                ok: max == Some(1),
                expected: "at most 1 holder".to_string(),
                actual: max.map_or("the lock is missing from the trace".to_string(), |m| {
                    format!("at most {m}")
                }),
            });
        }
    }
}

/// The counter printed in `counter = N, expected M`.
fn printed_counter(lines: &[Line]) -> Option<u32> {
    let [line] = lines else { return None };
    let rest = line.text.strip_prefix("counter = ")?;
    rest.split(',').next()?.parse().ok()
}

fn checks(params: &Params, lines: &[Line]) -> Vec<Check> {
    let locked = params.index("lock") == WITH_LOCK;
    let n = params.get("tasks") as u32;
    let work_ms = params.get("work_ms");
    let counter = printed_counter(lines);
    let shown = |c: Option<u32>| c.map_or(format!("{lines:?}"), |c| c.to_string());
    let mut checks = Vec::new();
    if locked {
        checks.push(Check {
            name: "with the lock, no update is lost".to_string(),
            ok: counter == Some(n),
            expected: format!("counter = {n}, expected {n}"),
            actual: shown(counter),
        });
        if let Some(line) = lines.first() {
            checks.push(check_at_least(
                format!("the {n} tasks took turns: no sooner than {n} × {work_ms} ms"),
                line.t_ms,
                f64::from(n) * work_ms,
            ));
        }
    } else {
        // Every task reads 0 before the first write: one update survives.
        checks.push(Check {
            name: "without a lock, updates are lost (all but one)".to_string(),
            ok: counter == Some(1),
            expected: format!("counter = 1, expected {n}"),
            actual: shown(counter),
        });
        if let Some(line) = lines.first() {
            checks.push(check_at_least(
                format!("the tasks overlapped: no sooner than {work_ms} ms"),
                line.t_ms,
                work_ms,
            ));
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(t_ms: f64, text: &str) -> Vec<Line> {
        vec![Line {
            t_ms,
            text: text.to_string(),
        }]
    }

    fn params(lock: &str) -> Params {
        LESSON.validate([("lock", lock)]).expect("valid")
    }

    #[test]
    fn the_counter_is_read_from_the_line() {
        assert_eq!(
            printed_counter(&printed(0.0, "counter = 42, expected 100")),
            Some(42)
        );
        assert_eq!(printed_counter(&printed(0.0, "count: 42")), None);
        assert_eq!(printed_counter(&[]), None);
    }

    #[test]
    fn with_the_lock_an_exact_count_after_the_serial_time_passes() {
        let run = printed(1012.0, "counter = 100, expected 100");
        assert!(checks(&params("asyncio.Lock"), &run).iter().all(|c| c.ok));
        let short = printed(1012.0, "counter = 99, expected 100");
        assert!(!checks(&params("asyncio.Lock"), &short)[0].ok);
        let too_soon = printed(500.0, "counter = 100, expected 100");
        assert!(!checks(&params("asyncio.Lock"), &too_soon)[1].ok);
    }

    #[test]
    fn without_a_lock_all_but_one_update_is_lost() {
        let run = printed(11.0, "counter = 1, expected 100");
        assert!(checks(&params("none"), &run).iter().all(|c| c.ok));
        let exact = printed(11.0, "counter = 100, expected 100");
        assert!(!checks(&params("none"), &exact)[0].ok);
    }
}
