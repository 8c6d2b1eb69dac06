//! What the tracer records: one [`Event`] per thing that happened to a task or a resource,
//! stamped with the clock ([`super::clock::now_ms`]) when it happened.
//!
//! An event is 48 bytes: the ring of 100,000 events is the tracer's largest allocation, so
//! strings live out of line (in an `Rc`) and a task's name and spawn location are written once,
//! in the [`TaskMeta`] its `Spawned` event and its stats share.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::panic::Location;
use std::rc::Rc;

/// A task's identity, unique for the life of the page (ids are never reused, so a waker that
/// outlives a [`super::reset`] cannot be mistaken for a new task's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    /// The task with id `n` (ids start at 1).
    pub fn new(n: u64) -> Option<TaskId> {
        NonZeroU64::new(n).map(TaskId)
    }

    /// The id as a number (from 1).
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A traced resource's identity (semaphore, channel, fetch, request), unique for the life of
/// the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(NonZeroU64);

impl ResourceId {
    /// The resource with id `n` (ids start at 1).
    pub fn new(n: u64) -> Option<ResourceId> {
        NonZeroU64::new(n).map(ResourceId)
    }

    /// The id as a number (from 1).
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

thread_local! {
    static NEXT_TASK: Cell<u64> = const { Cell::new(1) };
    static NEXT_RESOURCE: Cell<u64> = const { Cell::new(1) };
}

/// A new task id, never given before on this thread.
pub(crate) fn next_task_id() -> TaskId {
    let n = NEXT_TASK.with(|c| {
        let n = c.get();
        c.set(n + 1);
        n
    });
    TaskId(NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN))
}

/// A new resource id, never given before on this thread.
pub(crate) fn next_resource_id() -> ResourceId {
    let n = NEXT_RESOURCE.with(|c| {
        let n = c.get();
        c.set(n + 1);
        n
    });
    ResourceId(NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN))
}

/// Text kept out of line (an error, an outcome): one pointer wide in an event.
pub type Text = Rc<String>;

/// How a task came to be traced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// `spawn`: a task of its own on the event loop.
    Spawned,
    /// `instrument`: a future its caller awaits, traced from its first poll.
    Instrumented,
    /// A `tracing` span (feature `tracing`): a row from its first entry, under the task that
    /// entered it; each time it is entered is a poll (tracing enters an `#[instrument]`ed
    /// future's span for each of its polls, and once more to drop it), and it ends when the
    /// span closes.
    Span,
}

impl TaskKind {
    /// The kind in a word, for tables and exports: spawn, instrument, span.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Spawned => "spawn",
            TaskKind::Instrumented => "instrument",
            TaskKind::Span => "span",
        }
    }
}

/// Where in the source a task was spawned, instrumented or (a span) declared: a
/// `std::panic::Location` (`#[track_caller]`), or a `tracing` span's file and line.
#[derive(Debug, Clone, Copy, Eq)]
pub struct Site {
    file: &'static str,
    line: u32,
    column: u32,
}

impl Site {
    /// `file:line:column`; a column of 0 means none is known (`tracing` gives none).
    pub const fn new(file: &'static str, line: u32, column: u32) -> Site {
        Site { file, line, column }
    }

    /// The source file, as the compiler names it (`src/main.rs`).
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line, from 1 (0 if none is known).
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The column, from 1 (0 if none is known).
    pub fn column(&self) -> u32 {
        self.column
    }
}

impl From<&'static Location<'static>> for Site {
    fn from(l: &'static Location<'static>) -> Site {
        Site::new(l.file(), l.line(), l.column())
    }
}

impl PartialEq for Site {
    fn eq(&self, other: &Site) -> bool {
        // The same call site has the same `&'static str`: no need to compare the text.
        self.line == other.line
            && self.column == other.column
            && (std::ptr::eq(self.file, other.file) || self.file == other.file)
    }
}

impl std::hash::Hash for Site {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.file.hash(h);
        self.line.hash(h);
        self.column.hash(h);
    }
}

impl fmt::Display for Site {
    /// `file:line:column` as `Location` writes it; `file:line` without a column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            0 => write!(f, "{}:{}", self.file, self.line),
            c => write!(f, "{}:{}:{c}", self.file, self.line),
        }
    }
}

/// How much a `tracing` event matters, as `tracing::Level` says (feature `tracing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Something failed.
    Error,
    /// Something may be wrong.
    Warn,
    /// Something worth knowing.
    Info,
    /// Detail for debugging.
    Debug,
    /// The finest detail.
    Trace,
}

impl Level {
    /// The level as tracing writes it: ERROR, WARN, INFO, DEBUG, TRACE.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }
}

/// What never changes about a task: written once, shared by its stats and its `Spawned` event.
#[derive(Debug, PartialEq)]
pub struct TaskMeta {
    /// The task's name; for a task from `spawn_local`, which takes none, `file:line` of
    /// where it was spawned.
    pub name: Rc<str>,
    /// Where it was spawned or instrumented (`#[track_caller]`), or its span declared.
    pub location: Site,
    /// `size_of` the future it runs, in bytes (tokio-console's large-future lint reads this).
    pub size: usize,
    /// Whether it was spawned or instrumented.
    pub kind: TaskKind,
}

/// What called a task's waker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeSource {
    /// A timer the tracer set (see [`super::sleep`]) fired.
    Timer,
    /// A traced fetch settled (see [`super::fetch`]).
    Fetch(ResourceId),
    /// A traced channel had a message, or room, for the task.
    Channel(ResourceId),
    /// A traced semaphore handed the task a permit.
    Semaphore(ResourceId),
    /// A traced request of a browser API settled (an IndexedDB request, a worker's reply...).
    Request(ResourceId),
    /// Another task, while it was being polled (a join handle completing, an untraced channel...).
    Task(TaskId),
    /// The task itself, during its own poll (`yield_now`, a future asking to be polled again).
    OwnPoll,
    /// Something outside any traced task and resource: a JS callback, an untraced future.
    External,
}

impl WakeSource {
    /// A short label for tables and exports: timer, fetch, channel, semaphore, task, self, external.
    pub fn label(self) -> &'static str {
        match self {
            WakeSource::Timer => "timer",
            WakeSource::Fetch(_) => "fetch",
            WakeSource::Channel(_) => "channel",
            WakeSource::Semaphore(_) => "semaphore",
            WakeSource::Request(_) => "request",
            WakeSource::Task(_) => "task",
            WakeSource::OwnPoll => "self",
            WakeSource::External => "external",
        }
    }

    /// The resource that caused the wake, if one did.
    pub fn resource(self) -> Option<ResourceId> {
        match self {
            WakeSource::Fetch(r)
            | WakeSource::Channel(r)
            | WakeSource::Semaphore(r)
            | WakeSource::Request(r) => Some(r),
            _ => None,
        }
    }
}

impl fmt::Display for WakeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeSource::Timer => f.write_str("a timer"),
            WakeSource::Fetch(r) => write!(f, "fetch {r}"),
            WakeSource::Channel(r) => write!(f, "channel {r}"),
            WakeSource::Semaphore(r) => write!(f, "semaphore {r}"),
            WakeSource::Request(r) => write!(f, "request {r}"),
            WakeSource::Task(id) => write!(f, "task {id}"),
            WakeSource::OwnPoll => f.write_str("itself"),
            WakeSource::External => f.write_str("outside the traced tasks"),
        }
    }
}

/// Why a task stopped before it completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// Its [`super::JoinHandle::abort`] (or its scope's) was called.
    Aborted,
    /// A [`super::timeout`] ran out first.
    TimedOut,
    /// It was a branch of a [`super::select`] that another branch won.
    LostSelect,
    /// The future was dropped while pending by whoever owned it.
    Dropped,
}

impl CancelReason {
    /// The reason in words, for tables and exports: aborted, timed out, lost a select, dropped.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::Aborted => "aborted",
            CancelReason::TimedOut => "timed out",
            CancelReason::LostSelect => "lost a select",
            CancelReason::Dropped => "dropped",
        }
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened in an [`Event`]: to a task, or (`Resource`) to a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The task was created: by `spawn` (it waits for its first poll), or by `instrument` (at its
    /// first poll, which follows at once). `parent` is the task that spawned it or first polled it.
    Spawned {
        /// The task that spawned it or first polled it; `None` if none did.
        parent: Option<TaskId>,
        /// Its name, location, future size and kind, shared with its stats.
        meta: Rc<TaskMeta>,
    },
    /// A poll, recorded when it returned (the event's time is its end): one event a poll, so
    /// that a task polled in a loop costs one event per turn, not three.
    Polled {
        /// When it began.
        start_ms: f64,
        /// Time inside it spent polling traced futures nested in it (`instrument`): theirs,
        /// not this task's.
        children_ms: f64,
        /// `Poll::Ready`.
        ready: bool,
        /// Times the task woke itself during the poll (each a wake by itself; not events of
        /// their own).
        self_wakes: u16,
        /// A nested poll inside it ran over the long-poll threshold: this one was long because
        /// of it, and is not warned about.
        child_long: bool,
    },
    /// The task's waker was called by `by` (outside the task's own poll: a wake during it is
    /// counted in its `Polled`), while task `from` was being polled (if any): the task that
    /// sent, released or finished, so that an arrow can start there.
    Woken {
        /// What called the waker.
        by: WakeSource,
        /// The task being polled when the waker was called, if any.
        from: Option<TaskId>,
    },
    /// `abort()` was called on the task (by task `by`, or from outside any task): it is dropped
    /// at its next turn of the event loop.
    AbortRequested {
        /// The task that called it; `None` if it was called from outside any task.
        by: Option<TaskId>,
    },
    /// A traced sleep started inside the task.
    SleepStarted {
        /// The length asked for, in ms.
        requested_ms: f64,
    },
    /// A traced sleep finished: it was asked for `requested_ms` and its timer fired after
    /// `actual_ms`.
    SleepDone {
        /// The length asked for, in ms.
        requested_ms: f64,
        /// From its start to its timer's firing, in ms (0 for a sleep of zero or less).
        actual_ms: f64,
    },
    /// The task's future was dropped before it completed; `unpolled` if it was never polled.
    Cancelled {
        /// Why it was dropped.
        reason: CancelReason,
        /// It was never polled.
        unpolled: bool,
    },
    /// The task's output was an error (a task from [`super::spawn_fallible`]), or it panicked.
    Failed {
        /// The error in words (its `Display`), or `panicked at file:line: message`.
        error: Text,
    },
    /// The task's `JoinHandle` was dropped before it gave the task's output.
    HandleDropped,
    /// The task was pending and the last copy of its waker was dropped: nothing can wake it.
    LostWaker,
    /// The task was spawned `waited_ms` ago and has not been polled yet.
    Stalled {
        /// Time since its spawn, in ms.
        waited_ms: f64,
    },
    /// A `tracing` event (feature `tracing`), on the row of the span or task it was emitted in
    /// (the event's task), or of none.
    Log {
        /// Its level.
        level: Level,
        /// Its message, then its other fields (`name=value`), as tracing's fmt writes them.
        message: Text,
    },
    /// A `tracing` span closed (feature `tracing`): its row ends.
    Closed,
    /// Something happened to a resource (the event's task, if any, is the one that did it).
    Resource {
        /// The resource it happened to.
        resource: ResourceId,
        /// What happened to it.
        what: ResourceEvent,
    },
}

/// What never changes about a resource: written once, in its `Created` event and its stats.
#[derive(Debug, PartialEq)]
pub struct ResourceMeta {
    /// The resource's name (a fetch's method and URL, a request's API and operation).
    pub name: Rc<str>,
    /// Where it was created (`#[track_caller]`).
    pub location: &'static Location<'static>,
    /// Its state when created (permits, capacity, the request's URL...).
    pub initial: super::stats::ResourceDetail,
}

/// What happened to a resource; each carries the resource's state right after it.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceEvent {
    /// The resource was created.
    Created {
        /// Its name, where it was created and its state then.
        meta: Rc<ResourceMeta>,
    },
    /// A task started waiting for a permit (recorded by [`super::Semaphore`]).
    Waiting {
        /// Tasks waiting now, the new one included.
        waiters: u32,
    },
    /// A task stopped waiting without getting what it waited for (its wait was dropped).
    WaitCancelled {
        /// Tasks still waiting.
        waiters: u32,
    },
    /// A permit was taken.
    Acquired {
        /// Permits held now, this one included.
        holders: u32,
        /// Tasks still waiting for one.
        waiters: u32,
    },
    /// A permit was released (its [`super::Permit`] dropped).
    Released {
        /// Permits still held.
        holders: u32,
    },
    /// A message was sent into a channel.
    Sent {
        /// Messages in the channel right after.
        depth: u32,
    },
    /// A message was taken from a channel.
    Received {
        /// Messages in the channel right after.
        depth: u32,
    },
    /// A fetch got its response headers.
    Response {
        /// The HTTP status code.
        status: u16,
    },
    /// A fetch read its whole body.
    Body {
        /// The body's length, in bytes.
        bytes: u64,
    },
    /// A request completed, with what it gave.
    Done {
        /// What it gave, in words (as passed to [`super::IoRequest::done`]).
        outcome: Text,
    },
    /// A fetch or request was aborted (dropped or timed out) before it finished.
    Aborted,
    /// A fetch failed (no response: the network, an invalid request, or its body failed to
    /// read), or a request ([`super::IoRequest::failed`]) did.
    Error {
        /// What went wrong, in words.
        message: Text,
    },
    /// The resource finished: a semaphore dropped (every clone and permit gone), a channel
    /// closed (every sender or every receiver gone), a fetch completed.
    Closed,
}

impl ResourceEvent {
    /// The resource is finished after this.
    pub fn closes(&self) -> bool {
        matches!(
            self,
            ResourceEvent::Closed
                | ResourceEvent::Aborted
                | ResourceEvent::Error { .. }
                | ResourceEvent::Done { .. }
        )
    }
}

impl fmt::Display for ResourceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceEvent::Created { .. } => f.write_str("created"),
            ResourceEvent::Waiting { waiters } => write!(f, "waiting ({waiters} waiting)"),
            ResourceEvent::WaitCancelled { waiters } => {
                write!(f, "a wait was cancelled ({waiters} waiting)")
            }
            ResourceEvent::Acquired { holders, waiters } => {
                write!(f, "acquired ({holders} holding, {waiters} waiting)")
            }
            ResourceEvent::Released { holders } => write!(f, "released ({holders} holding)"),
            ResourceEvent::Sent { depth } => write!(f, "sent (depth {depth})"),
            ResourceEvent::Received { depth } => write!(f, "received (depth {depth})"),
            ResourceEvent::Response { status } => write!(f, "response {status}"),
            ResourceEvent::Body { bytes } => write!(f, "body {bytes} bytes"),
            ResourceEvent::Done { outcome } => write!(f, "done: {outcome}"),
            ResourceEvent::Aborted => f.write_str("aborted"),
            ResourceEvent::Error { message } => write!(f, "error: {message}"),
            ResourceEvent::Closed => f.write_str("closed"),
        }
    }
}

/// One thing that happened. Its position in the whole recording (`seq`) is implied by its place
/// in the ring (see [`super::EventLog`]), not stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `performance.now()` when it happened, in ms.
    pub t_ms: f64,
    /// The task it happened to (or, for a resource event, the task that caused it, if any).
    pub task: Option<TaskId>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// The event in words, with what needs its time (a poll's length).
    pub fn describe(&self) -> String {
        match &self.kind {
            EventKind::Polled {
                start_ms,
                ready,
                self_wakes,
                ..
            } => {
                let outcome = if *ready { "ready" } else { "pending" };
                let woke = if *self_wakes > 0 { ", woke itself" } else { "" };
                format!(
                    "polled {:.3} ms: {outcome}{woke}",
                    (self.t_ms - start_ms).max(0.0)
                )
            }
            kind => kind.to_string(),
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Spawned { parent, meta } => {
                let (what, by) = match meta.kind {
                    TaskKind::Spawned => ("spawned", " by"),
                    TaskKind::Instrumented => ("first polled", ", by"),
                    TaskKind::Span => ("span entered", ", in"),
                };
                match parent {
                    Some(p) => write!(f, "{what}{by} {p}"),
                    None => f.write_str(what),
                }
            }
            EventKind::Polled {
                ready, self_wakes, ..
            } => {
                f.write_str(if *ready {
                    "polled: ready"
                } else {
                    "polled: pending"
                })?;
                if *self_wakes > 0 {
                    f.write_str(", woke itself")?;
                }
                Ok(())
            }
            EventKind::Woken { by, .. } => write!(f, "woken by {by}"),
            EventKind::AbortRequested { by: Some(by) } => write!(f, "aborted by task {by}"),
            EventKind::AbortRequested { by: None } => f.write_str("aborted from outside the tasks"),
            EventKind::SleepStarted { requested_ms } => {
                write!(f, "sleep {} ms", Ms(*requested_ms))
            }
            EventKind::SleepDone {
                requested_ms,
                actual_ms,
            } => write!(f, "slept {actual_ms:.1} ms of {} ms", Ms(*requested_ms)),
            EventKind::Cancelled {
                reason,
                unpolled: false,
            } => write!(f, "cancelled ({reason})"),
            EventKind::Cancelled {
                reason,
                unpolled: true,
            } => write!(f, "dropped before its first poll ({reason})"),
            EventKind::Failed { error } => write!(f, "failed: {error}"),
            EventKind::HandleDropped => f.write_str("join handle dropped"),
            EventKind::LostWaker => f.write_str("lost its last waker while pending"),
            EventKind::Stalled { waited_ms } => {
                write!(f, "not polled {waited_ms:.0} ms after its spawn")
            }
            EventKind::Log { level, message } => write!(f, "{} {message}", level.as_str()),
            EventKind::Closed => f.write_str("span closed"),
            EventKind::Resource { resource, what } => write!(f, "{resource} {what}"),
        }
    }
}

/// Milliseconds for people: whole ones as they are ("sleep 1000 ms"), others to a tenth
/// ("sleep 870.9 ms", not 870.919944).
pub struct Ms(pub f64);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            write!(f, "{:.0}", self.0)
        } else {
            write!(f, "{:.1}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_read_as_people_write_them() {
        assert_eq!(Ms(1000.0).to_string(), "1000");
        assert_eq!(Ms(870.919944).to_string(), "870.9");
        assert_eq!(Ms(0.04).to_string(), "0.0");
        let sleep = EventKind::SleepStarted {
            requested_ms: 870.919944,
        };
        assert_eq!(sleep.to_string(), "sleep 870.9 ms");
    }

    #[test]
    fn a_rows_beginning_says_how_it_came_to_be_traced() {
        let said = |kind, parent| {
            let meta = Rc::new(TaskMeta {
                name: "t".into(),
                location: Site::new("src/lib.rs", 1, 0),
                size: 0,
                kind,
            });
            EventKind::Spawned { parent, meta }.to_string()
        };
        let p = TaskId::new(7);
        assert_eq!(said(TaskKind::Spawned, p), "spawned by #7");
        assert_eq!(said(TaskKind::Instrumented, p), "first polled, by #7");
        assert_eq!(said(TaskKind::Span, p), "span entered, in #7");
        assert_eq!(said(TaskKind::Span, None), "span entered");
        assert_eq!(Site::new("src/lib.rs", 3, 0).to_string(), "src/lib.rs:3");
        assert_eq!(Site::new("src/lib.rs", 3, 9).to_string(), "src/lib.rs:3:9");
    }

    #[test]
    fn an_event_is_48_bytes() {
        // The ring holds 100,000 of them: every byte here is 100 KB of the page's memory.
        assert_eq!(std::mem::size_of::<Event>(), 48);
        assert_eq!(std::mem::size_of::<Option<TaskId>>(), 8);
    }

    #[test]
    fn ids_are_never_given_twice() {
        let a = next_task_id();
        let b = next_task_id();
        assert!(b > a);
        assert_ne!(next_resource_id(), next_resource_id());
    }
}
