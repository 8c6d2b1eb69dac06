//! Lesson `event-loop`: how the browser's event loop runs Rust futures (the seeds' "事件循环的
//! 工作机制"). A ready future, a task woken by another task, a 0 ms timer and a frame each print
//! a line when they run; the checks assert only the order the HTML event loop guarantees.

use std::fmt;
use std::time::Duration;

use futures::channel::oneshot;
use gloo_render::request_animation_frame;
use gloo_timers::callback::Timeout;

use super::lesson;
use super::{check_lines, lesson_params, millis, Check, Lesson, Line, Printer};
use crate::trace::{now_ms, spawn, timeout, yield_microtask, IoRequest, JoinError};
use crate::worker::CpuWork;

/// How long to wait for a frame before saying the tab draws none (hidden tabs don't).
const FRAME_WAIT: Duration = Duration::from_secs(5);

const START: &str = "main: start";
const READY: &str = "main: awaited a future that was ready";
const WOKE: &str = "main: woke the waiter and set a timer";
const WAITER: &str = "waiter: woken by main";
const TIMER: &str = "timer: a 0 ms timer ran";
/// Printed by the Rust only: asyncio draws no frames.
const FRAME: &str = "frame: the browser ran requestAnimationFrame";
/// What the Python prints, in its order.
const PYTHON_LINES: [&str; 5] = [START, READY, WOKE, WAITER, TIMER];

/// A ready future completes inside the poll that awaits it; a task woken by another task runs in
/// the next microtask, before anything else; a 0 ms timer and a frame come after, in an order the
/// browser chooses.
pub const LESSON: Lesson = lesson! {
    id: "event-loop",
    title: "The event loop: microtasks, timers and frames",
    params: EventLoopParams,
    article: ASYNCHAT_ASYNCIO, section: "2.1.2 事件循环(Event Loop)的工作机制",
};

lesson_params! {
    /// What `event-loop` takes.
    pub(super) struct EventLoopParams {
        /// ms main spins before it sets the timer and asks for a frame (Rust only): after a long
        /// task Chromium often draws the overdue frame before it runs the timer
        busy_ms: Duration = 0 in 0..=500,
    }
}

/// The run, then the lanes it printed in, as notes.
pub(super) async fn run(out: Printer, params: EventLoopParams) -> Result<(), String> {
    let busy_ms = millis(params.busy_ms);
    main(out.clone(), busy_ms)
        .await
        .map_err(|e| e.to_string())?;
    explain(&out, busy_ms);
    Ok(())
}

// ANCHOR: lesson
/// `async def ready()`: complete at its first poll, so awaiting it
/// never gives the event loop back.
async fn ready() -> &'static str {
    "ready"
}

async fn main(out: Printer, busy_ms: f64) -> Result<(), LoopError> {
    out.print("main: start");
    let (wake, woken) = oneshot::channel::<()>();
    let waiter = spawn("waiter", {
        let out = out.clone();
        async move {
            let _ = woken.await; // pending until main sends
            out.print("waiter: woken by main");
        }
    });
    yield_microtask().await; // the waiter starts, and waits
    out.print(format!("main: awaited a future that was {}", ready().await));
    busy(busy_ms); // Rust only, 0 ms unless set: see the notes

    // `loop.call_later(0, on_timer)`: a setTimeout(0) callback.
    let (timer_ran, timer_done) = oneshot::channel();
    let _timer = Timeout::new(0, {
        let out = out.clone();
        move || {
            out.print("timer: a 0 ms timer ran");
            let _ = timer_ran.send(());
        }
    });
    // Rust only: a callback the browser runs before it draws the next frame.
    let (frame_ran, frame_done) = oneshot::channel();
    let _frame = request_animation_frame({
        let out = out.clone();
        move |_| {
            out.print("frame: the browser ran requestAnimationFrame");
            let _ = frame_ran.send(());
        }
    });
    // A task of its own waits for the frame, traced as a request of the browser's: it starts
    // waiting in this turn's microtasks, before any frame can run, so the frame wakes it and
    // the trace's event-loop lane shows that frame as a block of its own.
    let frame = spawn("frame", async move {
        let request = IoRequest::start("requestAnimationFrame", "frame");
        let ran = request.wait(frame_done).await.is_ok();
        request.done("ran");
        ran
    });
    let _ = wake.send(()); // schedules the waiter (a microtask); does not run it
    out.print("main: woke the waiter and set a timer");
    waiter.await?;
    timer_done.await.map_err(|_| LoopError::Lost("timer"))?;
    match timeout(FRAME_WAIT, frame).await {
        Ok(Ok(true)) => Ok(()),
        Ok(_) => Err(LoopError::Lost("frame")),
        Err(_) => Err(LoopError::NoFrame),
    }
}
// ANCHOR_END: lesson

/// Spins for `ms`: a long task, after which the page's next frame is overdue.
fn busy(ms: f64) {
    CpuWork::new().run_for(ms, now_ms);
}

/// Why a run of this lesson failed.
#[derive(Debug, Clone, PartialEq)]
pub enum LoopError {
    /// No frame within [`FRAME_WAIT`].
    NoFrame,
    /// A callback's handle went away before it ran.
    Lost(&'static str),
    Waiter(JoinError),
}

impl fmt::Display for LoopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopError::NoFrame => write!(
                f,
                "the browser drew no frame within {} s: browsers draw nothing for a hidden tab \
                 (and pause requestAnimationFrame there); show this tab and run again",
                FRAME_WAIT.as_secs()
            ),
            LoopError::Lost(what) => write!(f, "the {what} callback was dropped before it ran"),
            LoopError::Waiter(e) => write!(f, "the waiter task did not finish: {e}"),
        }
    }
}

impl std::error::Error for LoopError {}

impl From<JoinError> for LoopError {
    fn from(e: JoinError) -> Self {
        LoopError::Waiter(e)
    }
}

/// Where each line of the run ran, as lanes of the event loop.
fn lane(text: &str) -> &'static str {
    match text {
        START => "microtask: main's first poll (wasm-bindgen-futures polls tasks from a queueMicrotask callback)",
        READY => "microtask: main's second poll (its own wake after yield_microtask); ready() completed inside it",
        WOKE => "microtask: the same poll; the send queued the waiter, it did not run it",
        WAITER => "microtask: the waiter, polled in the next microtask; the checkpoint drains every microtask before the browser moves on",
        TIMER => "task: the timer task source's 0 ms setTimeout, run once the microtasks were done",
        FRAME => "rendering: requestAnimationFrame callbacks run in 'update the rendering', just before the paint",
        _ => "?",
    }
}

/// Notes: a lane diagram of this run, and which of the timer and the frame came first.
fn explain(out: &Printer, busy_ms: f64) {
    let (lines, _) = out.lines();
    out.note(
        "Lanes, in the order this run printed (one task's microtask checkpoint, then tasks and \
         rendering):",
    );
    for line in &lines {
        out.note(format!(
            "{:>7.1} ms  {}  <-  {}",
            line.t_ms,
            line.text,
            lane(&line.text)
        ));
    }
    let at = |text: &str| lines.iter().position(|l| l.text == text);
    let first = match (at(TIMER), at(FRAME)) {
        (Some(t), Some(f)) if t < f => "the timer ran before the frame",
        (Some(_), Some(_)) => "the frame came before the timer",
        _ => "the timer or the frame is missing",
    };
    out.note(format!(
        "This run ({busy_ms} ms busy): {first}. The HTML standard lets the browser choose \
         between a due timer task and a rendering opportunity (about every 16.7 ms at 60 Hz), so \
         the checks do not rely on it. On an idle page Chromium runs the timer first (300 of 300 \
         tries on a bare page in headless Chromium 156); when a frame is due, because the page \
         is busy drawing or a long task just ended, it often draws first (after a 120 ms task: \
         17 of 20 tries; busy_ms=150 shows it)."
    ));
}

pub(super) fn checks(_params: &EventLoopParams, lines: &[Line]) -> Vec<Check> {
    let python: Vec<Line> = lines.iter().filter(|l| l.text != FRAME).cloned().collect();
    let at = |text: &str| lines.iter().position(|l| l.text == text);
    let frames = lines.iter().filter(|l| l.text == FRAME).count();
    vec![
        check_lines(&python, &PYTHON_LINES),
        before(
            "the woken waiter (a microtask) runs before the 0 ms timer (a task)",
            at(WAITER),
            at(TIMER),
        ),
        before(
            "the woken waiter (a microtask) runs before the frame (rendering)",
            at(WAITER),
            at(FRAME),
        ),
        Check {
            name: "the frame callback ran once, after main's lines".to_string(),
            ok: frames == 1 && at(FRAME) > at(WOKE),
            expected: "once, after line 3".to_string(),
            actual: match at(FRAME) {
                Some(i) => format!("{frames} time(s), first as line {}", i + 1),
                None => "never".to_string(),
            },
        },
    ]
}

/// Line `a` was printed before line `b` (both printed).
fn before(name: &str, a: Option<usize>, b: Option<usize>) -> Check {
    let show = |i: Option<usize>| i.map_or("missing".to_string(), |i| format!("line {}", i + 1));
    Check {
        name: name.to_string(),
        ok: matches!((a, b), (Some(a), Some(b)) if a < b),
        expected: "the first printed before the second".to_string(),
        actual: format!("{} and {}", show(a), show(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed as lines;

    fn params() -> EventLoopParams {
        EventLoopParams::default()
    }

    #[test]
    fn either_order_of_timer_and_frame_passes() {
        for run in [
            [START, READY, WOKE, WAITER, TIMER, FRAME],
            [START, READY, WOKE, WAITER, FRAME, TIMER],
        ] {
            let checks = checks(&params(), &lines(&run));
            assert_eq!(checks.len(), 4);
            assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        }
    }

    #[test]
    fn a_timer_before_the_woken_waiter_fails() {
        let checks = checks(
            &params(),
            &lines(&[START, READY, WOKE, TIMER, WAITER, FRAME]),
        );
        assert!(!checks[0].ok, "not the Python's order");
        assert!(!checks[1].ok);
        assert!(checks[2].ok);
    }

    #[test]
    fn a_frame_before_the_waiter_or_missing_fails() {
        let early = checks(
            &params(),
            &lines(&[START, READY, WOKE, FRAME, WAITER, TIMER]),
        );
        assert!(early[0].ok, "the Python's lines are still in order");
        assert!(!early[2].ok);
        let none = checks(&params(), &lines(&PYTHON_LINES));
        assert!(!none[2].ok && !none[3].ok);
        assert_eq!(none[3].actual, "never");
        let twice = checks(
            &params(),
            &lines(&[START, READY, WOKE, WAITER, FRAME, TIMER, FRAME]),
        );
        assert!(!twice[3].ok);
    }

    #[test]
    fn every_line_has_a_lane() {
        for text in PYTHON_LINES.iter().chain([&FRAME]) {
            assert_ne!(lane(text), "?", "{text}");
        }
    }

    #[test]
    fn no_frame_says_what_to_do() {
        assert!(LoopError::NoFrame
            .to_string()
            .contains("show this tab and run again"));
    }
}
