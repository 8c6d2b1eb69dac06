//! The tracer: runs Rust futures on the browser's event loop and records what tokio-console
//! records (every spawn, poll, wake and cancellation, per-task stats, resources and warnings),
//! in the page, with no server.
//!
//! It knows nothing of yew or the DOM. Instrument with [`spawn`], [`spawn_fallible`],
//! [`instrument`], and the traced resources ([`sleep`], [`Semaphore`], [`channel`], [`fetch`]);
//! read the recording with [`with_recorder`], [`subscribe`] to changes (once per frame at most),
//! and export it with [`chrome_trace`] and [`task_rows`].

mod channel;
mod clock;
mod devtools;
mod event;
mod export;
pub mod fetch;
mod notify;
mod race;
mod recorder;
mod request;
mod ring;
mod semaphore;
mod sleep;
mod task;
mod via;
mod warning;

use std::cell::RefCell;

pub use channel::{channel, Receiver, RecvError, SendError, Sender, TrySendError};
pub use clock::now_ms;
#[cfg(not(target_arch = "wasm32"))]
pub use clock::set_fake_now;
pub use devtools::{devtools_tracks, set_devtools_tracks};
pub use event::{CancelReason, Event, EventKind, ResourceEvent, ResourceId, TaskId, WakeSource};
pub use export::{chrome_trace, describe, task_rows, TaskRow};
pub use notify::{subscribe, Subscription};
pub use race::{select, timeout, Elapsed, Select, Timeout};
pub use recorder::{
    Limits, Recorder, ResourceDetail, ResourceKind, ResourceStats, TaskState, TaskStats,
    DEFAULT_EVENT_CAP, DEFAULT_FINISHED_TASK_CAP,
};
pub use request::IoRequest;
pub use ring::Ring;
pub use semaphore::{Permit, Semaphore};
pub use sleep::{sleep, yield_microtask, yield_now, Sleep, YieldMicrotask, YieldNow};
pub use task::{
    current_task, drop_with_reason, instrument, spawn, spawn_fallible, with_wake_source, JoinError,
    JoinHandle, Scope, TaskAbort, Traced,
};
pub use via::{via, Via};
pub use warning::{
    Warning, WarningKind, DEFAULT_WARNING_CAP, LONG_POLL_MS, NEVER_POLLED_MS, STORM_MIN_WAKES,
};

thread_local! {
    // The page's one recorder: wasm in the browser is single-threaded.
    static RECORDER: RefCell<Recorder> = RefCell::new(Recorder::default());
}

/// Records into the page's recorder, then tells subscribers (on the next frame). Callers never
/// call out (poll, wake, JS) inside `f`, so the borrow cannot be re-entered.
pub(crate) fn record<R>(f: impl FnOnce(&mut Recorder) -> R) -> R {
    let out = record_quietly(f);
    notify::changed();
    out
}

/// Records without telling subscribers (for bookkeeping done while they are being told).
fn record_quietly<R>(f: impl FnOnce(&mut Recorder) -> R) -> R {
    RECORDER.with(|r| f(&mut r.borrow_mut()))
}

/// Reads the recording (to draw it, or to export it).
pub fn with_recorder<R>(f: impl FnOnce(&Recorder) -> R) -> R {
    RECORDER.with(|r| f(&r.borrow()))
}

/// Starts a fresh recording: forgets every task, resource, event and warning so far.
pub fn reset() {
    record(Recorder::reset);
}

/// Sets the caps on kept events, finished tasks and warnings, and starts a fresh recording.
pub fn set_limits(limits: Limits) {
    record(|r| r.set_limits(limits));
}

/// The recording in Chrome's Trace Event Format, as JSON text (never-polled checks run first).
pub fn chrome_trace_json() -> String {
    let now = now_ms();
    record(|r| r.check_stalled(now));
    with_recorder(|r| chrome_trace(r, now).to_string())
}
