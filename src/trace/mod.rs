//! The tracer: runs Rust futures on the browser's event loop and records what tokio-console
//! records (every spawn, poll, wake and cancellation, with per-task stats), in the page.
//!
//! It knows nothing of yew or the DOM; the UI, the lessons and any other wasm app use it through
//! [`spawn`], [`instrument`], [`sleep`] and read it with [`with_recorder`].

mod clock;
mod event;
mod recorder;
mod ring;
mod sleep;
mod task;

use std::cell::RefCell;

pub use clock::now_ms;
pub use event::{CancelReason, Event, EventKind, TaskId, WakeSource};
pub use recorder::{
    Limits, Recorder, TaskState, TaskStats, DEFAULT_EVENT_CAP, DEFAULT_FINISHED_TASK_CAP,
};
pub use ring::Ring;
pub use sleep::{sleep, Sleep};
pub use task::{
    current_task, instrument, spawn, with_wake_source, JoinError, JoinHandle, TaskAbort, Traced,
};

thread_local! {
    // The page's one recorder: wasm in the browser is single-threaded.
    static RECORDER: RefCell<Recorder> = RefCell::new(Recorder::default());
}

/// Records into the page's recorder. Callers never call out (poll, wake, JS) inside `f`, so the
/// borrow cannot be re-entered.
pub(crate) fn record<R>(f: impl FnOnce(&mut Recorder) -> R) -> R {
    RECORDER.with(|r| f(&mut r.borrow_mut()))
}

/// Reads the recording (to draw it, or to export it).
pub fn with_recorder<R>(f: impl FnOnce(&Recorder) -> R) -> R {
    RECORDER.with(|r| f(&r.borrow()))
}

/// Starts a fresh recording: forgets every task and event so far.
pub fn reset() {
    record(Recorder::reset);
}

/// Sets the caps on kept events and finished tasks, and starts a fresh recording.
pub fn set_limits(limits: Limits) {
    record(|r| r.set_limits(limits));
}
