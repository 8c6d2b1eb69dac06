//! Lesson `blocking`: the seeds' warning against blocking calls in async code (002 §6.1), with
//! 003 §3's comparison of async IO against threads and processes. A 300 ms CPU loop inside a task
//! delays a timer set for 100 ms and freezes the page; two fixes, each measured: chunks with a
//! real yield to the browser, and a Web Worker running the same loop in Rust.
//!
//! The loop is [`CpuWork`] and the worker is reached through [`WorkerClient`] (src/worker/);
//! the frames are counted by [`FrameWatch`] (src/browser/frames.rs).

use std::fmt;
use std::time::Duration;

use super::lesson;
use super::{
    check_at_least, check_at_most, check_lines, lesson_params, millis, param_choice, Check, Lesson,
    Line, Printer,
};
use crate::browser::frames::{FrameWatch, Frames};
use crate::trace::{
    instrument, now_ms, sleep, spawn, with_recorder, yield_microtask, yield_now, JoinError,
    WarningKind, LONG_POLL_MS,
};
use crate::worker::{CpuWork, WorkerClient, WorkerError, WORKER_URL};

/// The timer the work must not delay (the Python sleeps 0.1 s).
const TIMER_MS: f64 = 100.0;
const TIMER: Duration = Duration::from_millis(100);
/// How late the timer may fire while a fix runs the work: half of the least a blocking run of
/// the default 300 ms delays it (200 ms). Measured in headless Chromium: 2-20 ms on a bare page,
/// up to about 40 ms in the app while the trace panel redraws each frame.
const LATE_OK_MS: f64 = 100.0;

const SET: &str = "timer: set for 100 ms";
const START: &str = "work: start";
const FIRED: &str = "timer: fired";
const DONE: &str = "work: done";

/// A 300 ms CPU loop inside a task: a timer set for 100 ms fires only when the loop ends, and the
/// page draws nothing meanwhile. Chunking the loop with a real yield to the browser, or moving it
/// to a Web Worker, keeps the timer on time.
pub const LESSON: Lesson = lesson! {
    id: "blocking", title: "Blocking the event loop, and two fixes", params: BlockingParams,
    article: ASYNCIO_AIOHTTP, section: "6.1 异步编程的常见陷阱 (避免阻塞操作); 003 §3 异步IO与多线程/多进程的比较",
};

param_choice! {
    /// How the lesson runs the work.
    pub(super) enum Variant {
        /// One loop in a task: it blocks the event loop.
        Blocking = "blocking",
        /// Chunks, each followed by a real yield to the browser.
        Chunked = "chunked",
        /// The same loop in a Web Worker.
        Worker = "worker",
    }
}

lesson_params! {
    /// What `blocking` takes.
    pub(super) struct BlockingParams {
        /// blocking: one 300 ms loop in a task; chunked: 10 ms chunks, each followed by a
        /// setTimeout(0) yield; worker: the same loop in a Web Worker running Rust
        variant: Variant,
        /// ms of CPU work (the Python crunches 300 ms); at least 200, so the 100 ms timer
        /// falls due while it runs
        work_ms: Duration = 300 in 200..=5000,
        /// ms per chunk in the chunked variant (under the 50 ms long-poll threshold)
        chunk_ms: Duration = 10 in 1..=40,
    }
}

/// The run, its frames watched; then the notes and measured checks.
pub(super) async fn run(out: Printer, params: BlockingParams) -> Result<(), String> {
    let variant = params.variant;
    let work_ms = millis(params.work_ms);
    let chunk_ms = millis(params.chunk_ms);
    let frames = FrameWatch::start();
    let measured = main(out.clone(), variant, work_ms, chunk_ms).await;
    let frames = frames.stop();
    let measured = measured.map_err(|e| e.to_string())?;
    report(&out, variant, work_ms, chunk_ms, &measured, frames);
    Ok(())
}

/// What a run measured, for the notes and checks.
pub struct Measured {
    pub work: CpuWork,
    /// How late the timer fired, in ms.
    pub late_ms: f64,
    /// How long the work took from start to answer (wall time), in ms.
    pub wall_ms: f64,
}

// ANCHOR: lesson
/// `crunch(ms)`: CPU work with no await inside. While it runs nothing
/// else on the page runs: no timer, no click, no frame.
fn crunch(work: &mut CpuWork, ms: f64) {
    work.run_for(ms, now_ms);
}

/// `async def timer()`; returns how late it fired, in ms.
async fn timer(out: Printer) -> f64 {
    out.print("timer: set for 100 ms");
    let set = now_ms();
    sleep(TIMER).await;
    out.print("timer: fired");
    now_ms() - set - TIMER_MS
}

/// `work_blocking`: one poll that spins for `work_ms`.
async fn work_blocking(work_ms: f64) -> Result<CpuWork, WorkerError> {
    let mut work = CpuWork::new();
    crunch(&mut work, work_ms);
    Ok(work)
}

/// `work_chunked`: a chunk, then a real yield to the browser. `yield_now`
/// is a `setTimeout(0)`: due timers, input and frames run before we
/// are polled again. (`yield_microtask` would not do: the browser runs
/// every microtask before any timer or frame.)
async fn work_chunked(work_ms: f64, chunk_ms: f64) -> Result<CpuWork, WorkerError> {
    let mut work = CpuWork::new();
    while work.busy_ms < work_ms {
        let chunk = chunk_ms.min(work_ms - work.busy_ms);
        crunch(&mut work, chunk);
        yield_now().await;
    }
    Ok(work)
}

/// `work_in_process`: the same loop in a Web Worker, a thread with its
/// own wasm instance and no shared memory (like Python's process pool);
/// the page awaits its answer, which comes as a message.
async fn work_in_worker(work_ms: f64) -> Result<CpuWork, WorkerError> {
    let worker = WorkerClient::start(WORKER_URL).await?;
    worker.cpu_work(work_ms).await
}

async fn main(
    out: Printer,
    variant: Variant,
    work_ms: f64,
    chunk_ms: f64,
) -> Result<Measured, BlockingError> {
    let timer = spawn("timer", timer(out.clone()));
    yield_microtask().await; // the timer starts first
    out.print("work: start");
    let started = now_ms();
    let work = match variant {
        Variant::Blocking => instrument("work", work_blocking(work_ms)).await,
        Variant::Chunked => instrument("work", work_chunked(work_ms, chunk_ms)).await,
        Variant::Worker => instrument("work", work_in_worker(work_ms)).await,
    }?;
    let wall_ms = now_ms() - started;
    out.print("work: done");
    let late_ms = timer.await?;
    Ok(Measured {
        work,
        late_ms,
        wall_ms,
    })
}
// ANCHOR_END: lesson

/// Why a run of this lesson failed.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockingError {
    Worker(WorkerError),
    Timer(JoinError),
}

impl fmt::Display for BlockingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockingError::Worker(e) => e.fmt(f),
            BlockingError::Timer(e) => write!(f, "the timer task did not finish: {e}"),
        }
    }
}

impl std::error::Error for BlockingError {}

impl From<WorkerError> for BlockingError {
    fn from(e: WorkerError) -> Self {
        BlockingError::Worker(e)
    }
}

impl From<JoinError> for BlockingError {
    fn from(e: JoinError) -> Self {
        BlockingError::Timer(e)
    }
}

/// Notes and measured checks of a finished run: the timer's lateness, the frames, the tracer's
/// long-poll warnings.
fn report(
    out: &Printer,
    variant: Variant,
    work_ms: f64,
    chunk_ms: f64,
    m: &Measured,
    frames: Frames,
) {
    let late = m.late_ms;
    out.note(format!(
        "timer: due {TIMER_MS} ms after it was set, fired {late:.1} ms late"
    ));
    let how = match variant {
        Variant::Blocking => format!("one poll of task work spun for {:.1} ms", m.work.busy_ms),
        Variant::Chunked => format!(
            "{:.1} ms of busy work in chunks of at most {chunk_ms} ms, each followed by a \
             setTimeout(0) yield, took {:.1} ms in all: the yields cost {:.1} ms (each lets \
             the browser run what waited, timers, input and the page's frames, and a \
             setTimeout(0) set from a timer five deep waits at least 4 ms)",
            m.work.busy_ms,
            m.wall_ms,
            m.wall_ms - m.work.busy_ms
        ),
        Variant::Worker => format!(
            "the worker spun for {:.1} ms on its own thread; the page awaited its answer for \
             {:.1} ms in all (starting the worker included)",
            m.work.busy_ms, m.wall_ms
        ),
    };
    out.note(format!(
        "work: {how}; {} loop steps, checksum {:016x}",
        m.work.iterations, m.work.state
    ));
    out.note(describe(&frames));

    let long_polls: Vec<(String, String)> = with_recorder(|r| {
        r.warnings()
            .iter()
            .filter(|w| matches!(w.kind, WarningKind::LongPoll { .. }))
            .map(|w| {
                let name = r
                    .task(w.task)
                    .map_or("?".to_string(), |t| t.name().to_string());
                (name, w.to_string())
            })
            .collect()
    });
    for (_, warning) in &long_polls {
        out.note(format!("tracer warning: {warning}"));
    }
    let listed = if long_polls.is_empty() {
        "none".to_string()
    } else {
        long_polls
            .iter()
            .map(|(task, w)| format!("{task}: {w}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    out.check(match variant {
        Variant::Blocking => Check {
            name: format!("the tracer flags the work's poll as blocking (over {LONG_POLL_MS} ms)"),
            ok: long_polls.iter().any(|(task, _)| task == "work"),
            expected: "a long-poll warning for task work".to_string(),
            actual: listed,
        },
        Variant::Chunked | Variant::Worker => Check {
            name: format!("no poll blocks the event loop (none over {LONG_POLL_MS} ms)"),
            ok: long_polls.is_empty(),
            expected: "no long-poll warning".to_string(),
            actual: listed,
        },
    });
    if variant == Variant::Worker {
        out.check(check_at_least(
            format!("the worker did the work ({work_ms} ms of CPU on its thread)"),
            m.work.busy_ms,
            work_ms,
        ));
    }
}

/// The frames in words, beside what a smooth page draws.
fn describe(frames: &Frames) -> String {
    if frames.count == 0 {
        format!(
            "frames: none drawn in {:.0} ms (a blocked page draws nothing; a hidden tab draws \
             nothing either)",
            frames.watched_ms
        )
    } else {
        format!(
            "frames: {} drawn in {:.0} ms; the longest time without one was {:.1} ms (a smooth \
             page draws one every 16.7 ms at 60 Hz)",
            frames.count, frames.watched_ms, frames.longest_gap_ms
        )
    }
}

pub(super) fn checks(params: &BlockingParams, lines: &[Line]) -> Vec<Check> {
    let variant = params.variant;
    let work_ms = millis(params.work_ms);
    let expected = match variant {
        Variant::Blocking => [SET, START, DONE, FIRED],
        Variant::Chunked | Variant::Worker => [SET, START, FIRED, DONE],
    };
    let mut checks = vec![check_lines(lines, &expected)];
    let at = |text: &str| lines.iter().find(|l| l.text == text).map(|l| l.t_ms);
    if let (Some(set), Some(fired)) = (at(SET), at(FIRED)) {
        let waited = fired - set;
        checks.push(check_at_least(
            "the timer never fires early",
            waited,
            TIMER_MS,
        ));
        let late = waited - TIMER_MS;
        checks.push(match variant {
            Variant::Blocking => check_at_least(
                format!(
                    "the timer is late by at least the rest of the work ({work_ms} - {TIMER_MS} ms): \
                     it could not run until the loop ended"
                ),
                late,
                work_ms - TIMER_MS,
            ),
            Variant::Chunked | Variant::Worker => check_at_most(
                format!(
                    "the timer fires on time while the work runs (at most {LATE_OK_MS} ms late; \
                     blocking, it is at least 200 ms late)"
                ),
                late,
                LATE_OK_MS,
            ),
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed_at as lines;

    fn params(variant: Variant) -> BlockingParams {
        BlockingParams {
            variant,
            ..BlockingParams::default()
        }
    }

    #[test]
    fn blocking_passes_when_the_timer_waited_for_the_work() {
        let run = lines(&[(0.1, SET), (0.2, START), (300.4, DONE), (301.0, FIRED)]);
        let checks = checks(&params(Variant::Blocking), &run);
        assert_eq!(checks.len(), 3);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn blocking_fails_when_the_timer_was_not_delayed() {
        // The timer at its time and the work after: this run did not block.
        let run = lines(&[(0.1, SET), (0.2, START), (101.0, FIRED), (300.4, DONE)]);
        let checks = checks(&params(Variant::Blocking), &run);
        assert!(!checks[0].ok, "wrong order for the blocking variant");
        assert!(!checks[2].ok, "1 ms late is not the work's 200 ms");
    }

    #[test]
    fn a_fix_passes_on_time_and_fails_late() {
        let on_time = lines(&[(0.1, SET), (0.2, START), (104.0, FIRED), (380.0, DONE)]);
        for variant in [Variant::Chunked, Variant::Worker] {
            let checks = checks(&params(variant), &on_time);
            assert!(checks.iter().all(|c| c.ok), "{variant:?}: {checks:?}");
        }
        let late = lines(&[(0.1, SET), (0.2, START), (250.0, FIRED), (380.0, DONE)]);
        let checks = checks(&params(Variant::Chunked), &late);
        assert!(checks[0].ok && !checks[2].ok, "{checks:?}");
    }

    #[test]
    fn an_early_timer_fails_and_missing_lines_fail() {
        let early = lines(&[(0.0, SET), (0.1, START), (99.0, FIRED), (300.0, DONE)]);
        assert!(!checks(&params(Variant::Worker), &early)[1].ok);
        assert!(!checks(&params(Variant::Worker), &lines(&[(0.0, SET)]))[0].ok);
    }

    #[test]
    fn blocking_wants_the_timer_as_late_as_the_work_given() {
        let longer = BlockingParams {
            work_ms: Duration::from_millis(1000),
            ..params(Variant::Blocking)
        };
        // 300 ms of work delays the timer enough; 1000 ms of it would have delayed it more.
        let run = lines(&[(0.1, SET), (0.2, START), (300.4, DONE), (301.0, FIRED)]);
        assert!(checks(&params(Variant::Blocking), &run)[2].ok);
        let checks = checks(&longer, &run);
        assert!(!checks[2].ok, "{checks:?}");
        assert!(
            checks[2].name.contains("(1000 - 100 ms)"),
            "{}",
            checks[2].name
        );
    }

    #[test]
    fn the_url_parameters_read_typed() {
        let params: BlockingParams = LESSON
            .validate([("variant", "worker"), ("work_ms", "250.5")])
            .expect("valid")
            .typed();
        assert_eq!(params.variant, Variant::Worker);
        assert_eq!(millis(params.work_ms), 250.5);
        assert_eq!(params.chunk_ms, Duration::from_millis(10));
    }
}
