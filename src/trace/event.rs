//! What the tracer records: one [`Event`] per thing that happened to a task or a resource,
//! stamped with the clock ([`super::clock::now_ms`]) when it happened.

use std::fmt;

/// A task's identity, unique for the life of the page (ids are never reused, so a waker that
/// outlives a [`super::reset`] cannot be mistaken for a new task's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A traced resource's identity (semaphore, channel, fetch), unique for the life of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(pub u64);

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
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
    ItSelf,
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
            WakeSource::ItSelf => "self",
            WakeSource::External => "external",
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
            WakeSource::ItSelf => f.write_str("itself"),
            WakeSource::External => f.write_str("outside the traced tasks"),
        }
    }
}

/// Why a task stopped before it completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// Its [`super::JoinHandle::abort`] was called.
    Aborted,
    /// A [`super::timeout`] ran out first.
    TimedOut,
    /// It was a branch of a [`super::select`] that another branch won.
    LostSelect,
    /// The future was dropped while pending by whoever owned it.
    Dropped,
}

impl CancelReason {
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

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The task was created (by `spawn` or `instrument`); its name and parent are in its stats.
    Spawned {
        parent: Option<TaskId>,
    },
    PollStart,
    /// A poll returned: `ready` is `Poll::Ready`.
    PollEnd {
        ready: bool,
    },
    Woken {
        by: WakeSource,
    },
    /// A traced sleep started inside the task.
    SleepStarted {
        requested_ms: f64,
    },
    /// A traced sleep finished: it was asked for `requested_ms` and took `actual_ms`.
    SleepDone {
        requested_ms: f64,
        actual_ms: f64,
    },
    Cancelled {
        reason: CancelReason,
    },
    /// The task's output was an error (a task from [`super::spawn_fallible`]).
    Failed {
        error: String,
    },
    /// The task's `JoinHandle` was dropped before it gave the task's output.
    HandleDropped,
    /// Something happened to a resource (the event's task, if any, is the one that did it).
    Resource {
        resource: ResourceId,
        what: ResourceEvent,
    },
}

/// What happened to a resource; each carries the resource's state right after it.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceEvent {
    Created,
    /// A task started waiting (for a permit, for room or a message).
    Waiting {
        waiters: u32,
    },
    /// A permit was taken.
    Acquired {
        holders: u32,
        waiters: u32,
    },
    Released {
        holders: u32,
    },
    Sent {
        depth: u32,
    },
    Received {
        depth: u32,
    },
    /// A fetch got its response headers.
    Response {
        status: u16,
    },
    /// A fetch read its whole body.
    Body {
        bytes: u64,
    },
    /// A request completed, with what it gave.
    Done {
        outcome: String,
    },
    /// A fetch or request was aborted (dropped or timed out) before it finished.
    Aborted,
    /// A fetch failed at the network level (no response at all).
    Error {
        message: String,
    },
    Closed,
}

impl fmt::Display for ResourceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceEvent::Created => f.write_str("created"),
            ResourceEvent::Waiting { waiters } => write!(f, "waiting ({waiters} waiting)"),
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

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the whole recording, counting events the ring buffer has since dropped.
    pub seq: u64,
    /// `performance.now()` when it happened, in ms.
    pub t_ms: f64,
    /// The task it happened to (or, for a resource event, the task that caused it, if any).
    pub task: Option<TaskId>,
    pub kind: EventKind,
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Spawned { parent: Some(p) } => write!(f, "spawned by {p}"),
            EventKind::Spawned { parent: None } => f.write_str("spawned"),
            EventKind::PollStart => f.write_str("poll"),
            EventKind::PollEnd { ready: true } => f.write_str("ready"),
            EventKind::PollEnd { ready: false } => f.write_str("pending"),
            EventKind::Woken { by } => write!(f, "woken by {by}"),
            EventKind::SleepStarted { requested_ms } => write!(f, "sleep {requested_ms} ms"),
            EventKind::SleepDone {
                requested_ms,
                actual_ms,
            } => write!(f, "slept {actual_ms:.1} ms of {requested_ms} ms"),
            EventKind::Cancelled { reason } => write!(f, "cancelled ({reason})"),
            EventKind::Failed { error } => write!(f, "failed: {error}"),
            EventKind::HandleDropped => f.write_str("join handle dropped"),
            EventKind::Resource { resource, what } => write!(f, "{resource} {what}"),
        }
    }
}
