//! The tracer: runs Rust futures on the browser's event loop and records what tokio-console
//! records (every spawn, poll, wake and cancellation, per-task stats, resources and warnings),
//! in the page, with no server.
//!
//! It knows nothing of yew or the DOM. Instrument with [`spawn`], [`spawn_fallible`],
//! [`spawn_local`] (`wasm_bindgen_futures::spawn_local`'s signature: a one-word switch),
//! [`instrument`], and the traced resources ([`sleep`], [`Semaphore`], [`channel`], [`fetch`]);
//! read the recording with [`with_recorder`], [`subscribe`] to changes (once per frame at most),
//! and export it with [`chrome_trace`] and [`task_rows`]. With the `tracing` feature,
//! `TracingLayer` records the app's `tracing` spans as rows and its events as instants.
//!
//! ```
//! use asyncscope_trace::{self as trace, TaskState};
//!
//! // Like asyncio.create_task: it runs on the event loop; the handle gives its output.
//! let answer = trace::spawn("answer", async { 6 * 7 });
//! let asker = trace::spawn("asker", async move { answer.await.map(|n| n + 1) });
//! # #[cfg(not(target_arch = "wasm32"))]
//! # trace::run_until_idle(); // natively, turn the event loop by hand
//! let done = trace::with_recorder(|r| {
//!     r.tasks().filter(|t| t.state == TaskState::Done).map(|t| t.name().to_string()).collect::<Vec<_>>()
//! });
//! assert_eq!(done, ["answer", "asker"]);
//! // Chrome's Trace Event Format, for Perfetto.
//! assert!(trace::chrome_trace_json().contains("\"answer\""));
//! # drop(asker);
//! ```

#![warn(missing_docs)]

mod channel;
mod clock;
mod devtools;
mod event;
mod executor;
mod export;
pub mod fetch;
mod log;
mod notify;
mod panic;
mod race;
mod recorder;
mod request;
mod ring;
mod semaphore;
mod sleep;
mod state;
mod stats;
mod task;
mod timers;
#[cfg(feature = "tracing")]
mod tracing_layer;
mod via;
mod warning;

use std::cell::RefCell;

pub use channel::{channel, Receiver, RecvError, SendError, Sender, TrySendError};
#[cfg(not(target_arch = "wasm32"))]
pub use clock::set_fake_now;
pub use clock::{last_ms, now_ms};
pub use devtools::{devtools_tracks, set_devtools_tracks};
pub use event::{
    CancelReason, Event, EventKind, Level, ResourceEvent, ResourceId, ResourceMeta, Site, TaskId,
    TaskKind, TaskMeta, Text, WakeSource,
};
#[cfg(not(target_arch = "wasm32"))]
pub use executor::run_until_idle;
pub use export::{
    chrome_trace, describe, sleep_rows, task_rows, SleepRow, TaskRow, EVENT_LOOP_TID,
};
pub use log::{EventLog, EventRef};
pub use notify::{subscribe, Subscription};
pub use panic::{install_panic_hook, record_panic, stopped_by_panic};
pub use race::{select, timeout, Elapsed, Select, Timeout};
pub use recorder::{Limits, PollRecord, Recorder, DEFAULT_EVENT_CAP, DEFAULT_FINISHED_TASK_CAP};
pub use request::IoRequest;
pub use ring::Ring;
pub use semaphore::{Permit, Semaphore};
pub use sleep::{sleep, yield_microtask, yield_now, Sleep, YieldMicrotask, YieldNow};
pub use stats::{ResourceDetail, ResourceKind, ResourceStats, TaskState, TaskStats};
pub use task::{
    current_task, drop_with_reason, instrument, spawn, spawn_fallible, spawn_local,
    with_wake_source, JoinError, JoinHandle, Scope, TaskAbort, Traced,
};
#[cfg(not(target_arch = "wasm32"))]
pub use timers::fire_due_timers;
pub use timers::{next_timer_due, timer_stats, TimerStats};
#[cfg(feature = "tracing")]
pub use tracing_layer::TracingLayer;
pub use via::{via, Via};
pub use warning::{
    Warning, WarningKind, Warnings, DEFAULT_WARNING_CAP, LARGE_FUTURE_BYTES, LONG_POLL_MS,
    NEVER_POLLED_MS, STORM_MIN_WAKES,
};

thread_local! {
    // The page's one recorder: wasm in the browser is single-threaded.
    static RECORDER: RefCell<Recorder> = RefCell::new(Recorder::default());
}

/// This build records (the `enabled` feature, on by default). Off, every hook returns before
/// reading the clock or touching the recorder, and the compiler drops what follows.
pub const ENABLED: bool = cfg!(feature = "enabled");

/// Records into the page's recorder, then tells subscribers (on the next frame); in a build
/// without `enabled`, nothing (`f` is not called). Callers never call out (poll, wake, JS)
/// inside `f`, so the borrow cannot be re-entered.
pub(crate) fn record(f: impl FnOnce(&mut Recorder)) {
    if ENABLED {
        record_with(f);
    }
}

/// A new resource's id, its creation recorded (by the task being polled, now) if this build
/// records.
pub(crate) fn new_resource(
    name: &str,
    detail: ResourceDetail,
    location: &'static std::panic::Location<'static>,
) -> ResourceId {
    if !ENABLED {
        return event::next_resource_id();
    }
    record_with(|r| r.resource_created(name, detail, location, current_task(), now_ms()))
}

/// [`record`] for what gives a value back (a task's description), made whether or not this
/// build records.
pub(crate) fn record_with<R>(f: impl FnOnce(&mut Recorder) -> R) -> R {
    let out = record_quietly(f);
    notify::changed();
    out
}

/// Records without telling subscribers (for bookkeeping done while they are being told).
fn record_quietly<R>(f: impl FnOnce(&mut Recorder) -> R) -> R {
    RECORDER.with(|r| f(&mut r.borrow_mut()))
}

/// Records if the recorder is free (a panic hook cannot know what it interrupted).
fn try_record<R>(f: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
    RECORDER
        .try_with(|r| r.try_borrow_mut().ok().map(|mut r| f(&mut r)))
        .ok()
        .flatten()
}

/// Reads the recording if it is not being written (for the panic hook).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn try_read<R>(f: impl FnOnce(&Recorder) -> R) -> Option<R> {
    RECORDER
        .try_with(|r| r.try_borrow().ok().map(|r| f(&r)))
        .ok()
        .flatten()
}

/// Reads the recording (to draw it, or to export it).
pub fn with_recorder<R>(f: impl FnOnce(&Recorder) -> R) -> R {
    RECORDER.with(|r| f(&r.borrow()))
}

/// Starts a fresh recording: forgets every task, resource, event and warning so far.
pub fn reset() {
    record(Recorder::reset);
}

/// Stops recording (`false`): what was recorded stays, to read and export, and nothing more is
/// (tasks run as before; each would-be event costs a check). Started again (`true`), the
/// recording begins afresh: tasks alive from before are not in it. Recording is on from the
/// start; a [`reset`] keeps it on or off.
pub fn set_recording(on: bool) {
    record(|r| if on { r.start() } else { r.stop() });
}

/// Whether the tracer is recording (see [`set_recording`]).
pub fn is_recording() -> bool {
    with_recorder(Recorder::is_recording)
}

/// Sets the caps on kept events, finished tasks and warnings, and starts a fresh recording.
pub fn set_limits(limits: Limits) {
    record(|r| r.set_limits(limits));
}

/// The recording in Chrome's Trace Event Format, as JSON text (never-polled checks run first).
pub fn chrome_trace_json() -> String {
    let now = now_ms();
    record(|r| r.check_stalled(now));
    with_recorder(|r| chrome_trace(r, now))
}

#[cfg(all(test, feature = "enabled", not(target_arch = "wasm32")))]
mod tests;

#[cfg(all(test, not(feature = "enabled"), not(target_arch = "wasm32")))]
mod off_tests;

#[cfg(all(
    test,
    feature = "enabled",
    feature = "tracing",
    not(target_arch = "wasm32")
))]
mod tracing_tests;
