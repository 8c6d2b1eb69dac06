//! Lesson `lock`: many tasks update a shared counter by reading it, awaiting, and writing it
//! back. Without a lock every task reads the same old value and the updates are lost; with an
//! async lock (a traced one-permit semaphore, so the trace shows its holder) the count is exact.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::future::join_all;

use super::lesson;
use super::{check_at_least, lesson_params, millis, param_choice, Check, Lesson, Line, Printer};
use crate::trace::{instrument, sleep, with_recorder, ResourceDetail, Semaphore};

/// 100 tasks each add one to a shared counter: read it, await (another task runs meanwhile), write
/// it back. With an asyncio.Lock held across the three steps the counter ends at 100, one task
/// after the other; with `lock` set to none every task reads 0 before any writes, and the counter
/// ends at 1: 99 updates lost. The seed's section speaks of locks guarding shared resources but
/// shows no lock program: this is the canonical asyncio one.
pub const LESSON: Lesson = lesson! {
    id: "lock", title: "Lock: no update lost", params: LockParams,
    article: ASYNCHAT_ASYNCIO, section: "2.2.2 锁与信号量的使用",
};

pub(super) async fn run(out: Printer, params: LockParams) -> Result<(), String> {
    let locked = params.lock == Guard::Lock;
    main(out, locked, params.tasks, params.work_ms).await;
    Ok(())
}

param_choice! {
    /// What guards the counter.
    pub(super) enum Guard {
        /// Each task holds an `asyncio.Lock` from its read to its write.
        Lock = "asyncio.Lock",
        /// Nothing: `contextlib.nullcontext()`.
        Nothing = "none",
    }
}

lesson_params! {
    /// What `lock` takes.
    pub(super) struct LockParams {
        /// asyncio.Lock: each task holds the lock from its read to its write; none: no lock
        /// (contextlib.nullcontext()), so the read, the await and the write interleave
        lock: Guard,
        /// how many increment() tasks run at once (the Python: 100)
        tasks: u32 = 100 in 1..=500,
        /// how long each task awaits between its read and its write, in ms (the Python: 0.01 s)
        work_ms: Duration = 10 in 1..=100,
    }
}

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

pub(super) fn checks(params: &LockParams, lines: &[Line]) -> Vec<Check> {
    let n = params.tasks;
    let work_ms = millis(params.work_ms);
    let counter = printed_counter(lines);
    // With the lock the tasks take turns and every update counts; without, every task reads 0
    // before the first write, so one update survives, and their awaits overlap.
    let (name, exact, turns, took) = match params.lock {
        Guard::Lock => (
            "with the lock, no update is lost",
            n,
            format!("the {n} tasks took turns: no sooner than {n} × {work_ms} ms"),
            f64::from(n) * work_ms,
        ),
        Guard::Nothing => (
            "without a lock, updates are lost (all but one)",
            1,
            format!("the tasks overlapped: no sooner than {work_ms} ms"),
            work_ms,
        ),
    };
    let mut checks = vec![Check {
        name: name.to_string(),
        ok: counter == Some(exact),
        expected: format!("counter = {exact}, expected {n}"),
        actual: counter.map_or(format!("{lines:?}"), |c| c.to_string()),
    }];
    if let Some(line) = lines.first() {
        checks.push(check_at_least(turns, line.t_ms, took));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lessons::checks::printed_at;

    fn params(lock: Guard) -> LockParams {
        LockParams {
            lock,
            ..LockParams::default()
        }
    }

    #[test]
    fn the_counter_is_read_from_the_line() {
        assert_eq!(
            printed_counter(&printed_at(&[(0.0, "counter = 42, expected 100")])),
            Some(42)
        );
        assert_eq!(printed_counter(&printed_at(&[(0.0, "count: 42")])), None);
        assert_eq!(printed_counter(&[]), None);
    }

    #[test]
    fn with_the_lock_an_exact_count_after_the_serial_time_passes() {
        let run = printed_at(&[(1012.0, "counter = 100, expected 100")]);
        assert!(checks(&params(Guard::Lock), &run).iter().all(|c| c.ok));
        let short = printed_at(&[(1012.0, "counter = 99, expected 100")]);
        assert!(!checks(&params(Guard::Lock), &short)[0].ok);
        let too_soon = printed_at(&[(500.0, "counter = 100, expected 100")]);
        assert!(!checks(&params(Guard::Lock), &too_soon)[1].ok);
    }

    #[test]
    fn without_a_lock_all_but_one_update_is_lost() {
        let run = printed_at(&[(11.0, "counter = 1, expected 100")]);
        assert!(checks(&params(Guard::Nothing), &run).iter().all(|c| c.ok));
        let exact = printed_at(&[(11.0, "counter = 100, expected 100")]);
        assert!(!checks(&params(Guard::Nothing), &exact)[0].ok);
    }
}
