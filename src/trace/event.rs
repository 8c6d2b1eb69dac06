//! What the tracer records: one [`Event`] per thing that happened to a task, stamped with the
//! clock ([`super::clock::now_ms`]) when it happened.

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

/// What called a task's waker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeSource {
    /// A timer the tracer set (see [`super::sleep`]) fired.
    Timer,
    /// Another task, while it was being polled (a channel send, a join handle completing...).
    Task(TaskId),
    /// The task itself, during its own poll (`yield_now`, a busy loop asking to be polled again).
    ItSelf,
    /// Something outside any traced task and timer: a JS callback, an untraced future.
    External,
}

impl fmt::Display for WakeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeSource::Timer => f.write_str("a timer"),
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
    /// The future was dropped while pending by whoever owned it.
    Dropped,
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CancelReason::Aborted => "aborted",
            CancelReason::Dropped => "dropped",
        })
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the whole recording, counting events the ring buffer has since dropped.
    pub seq: u64,
    /// `performance.now()` when it happened, in ms.
    pub t_ms: f64,
    pub task: TaskId,
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
        }
    }
}
