//! Per-task and per-resource stats: what tokio-console's task and resource tables show.
//!
//! The time columns follow console's definitions (console-subscriber's `PollStats`, tokio-console's
//! `state/tasks.rs`): **busy** is time inside `poll`; **scheduled** runs from the last wake after
//! the last poll to the poll it caused (a wake during a poll counts from that poll's end); **idle**
//! is the rest: `total - busy - scheduled`. Two differences, both for tasks console cannot see:
//! a spawned task's wait for its first poll counts as scheduled (console has no wake for it), and
//! a task that polls another traced future inside its own poll (`instrument`) counts that time in
//! the child's busy, not its own (`in_children`), so that no time is counted twice.

use std::panic::Location;
use std::rc::Rc;

use super::event::{CancelReason, ResourceId, ResourceMeta, Site, TaskId, TaskMeta, Text};

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Pending, and nothing has woken it yet.
    Idle,
    /// Woken (or just spawned) and waiting for its next poll.
    Scheduled,
    /// Completed: a poll returned `Ready`.
    Done,
    /// Dropped before it completed (see [`TaskStats::cancel_reason`]).
    Cancelled,
    /// Completed with an error (a task from `spawn_fallible`), or panicked.
    Failed,
}

impl TaskState {
    /// The state in words, for tables and exports: idle, scheduled, done, cancelled, failed.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Done => "done",
            TaskState::Cancelled => "cancelled",
            TaskState::Failed => "failed",
        }
    }

    /// Done, cancelled or failed: it will not be polled again.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskState::Done | TaskState::Cancelled | TaskState::Failed
        )
    }
}

/// What tokio-console shows for a task: who it is, where it was spawned, and where its time went.
///
/// Every spawn writes one, and every poll reads it again long after when many tasks wait: its
/// size is most of what a spawn costs (`./dev bench`'s spawn_throughput, README "The tracer's
/// cost"). So what few tasks have (an error, a cancel, an abort, long polls, traced children, a
/// storm) is kept apart, read through methods, and made the first time a task needs it.
#[derive(Debug, Clone)]
pub struct TaskStats {
    /// The task's id.
    pub id: TaskId,
    /// Its name, location, future size and kind, shared with its `Spawned` event.
    pub meta: Rc<TaskMeta>,
    /// The task that spawned it (for an instrumented future, first polled it), if any.
    pub parent: Option<TaskId>,
    /// Where it is now.
    pub state: TaskState,
    /// When it was spawned; for an instrumented future, when it was first polled.
    pub spawned_ms: f64,
    /// When it completed, was cancelled or failed; `None` while alive.
    pub ended_ms: Option<f64>,
    /// The event that finished it.
    pub ended_seq: Option<u64>,
    /// Polls so far.
    pub polls: u64,
    /// Wakes so far, self-wakes included.
    pub wakes: u64,
    /// Wakes by the task itself: during its own polls, or by [`super::WakeSource::OwnPoll`].
    pub self_wakes: u64,
    /// Copies of the task's waker made (by the futures it polls) and dropped. Not events: a
    /// replayed moment does not know them (see `wakers_known`).
    pub waker_clones: u64,
    /// Copies of its waker dropped (see `waker_clones`).
    pub waker_drops: u64,
    /// False in a replayed moment, which rebuilds stats from events and cannot count wakers.
    pub wakers_known: bool,
    /// Time inside its own polls (not in the traced futures it polls).
    pub busy_ms: f64,
    /// Time from a wake (or the spawn) to the poll it caused.
    pub scheduled_ms: f64,
    /// The longest single poll (its own time).
    pub max_poll_ms: f64,
    /// Polled inside another task's poll (an `instrument` under a task), or a span entered in
    /// one.
    pub nested: bool,
    /// Its `JoinHandle` was dropped without taking the output.
    pub handle_dropped: bool,
    /// It was reported as waiting too long for its first poll.
    pub(crate) stalled: bool,
    /// When the last wake since the last poll came (scheduled time runs from it); NaN if none.
    /// A time or NaN rather than an `Option<f64>`: 8 bytes, not 16 (see the struct's doc).
    pub(crate) last_wake: f64,
    /// When its last poll ended; NaN before its first.
    pub(crate) last_poll_end: f64,
    /// What few tasks have; `None` for most.
    rare: Option<Box<Rare>>,
}

/// The part of a task's stats most tasks never set (see [`TaskStats`]).
#[derive(Debug, Clone, Default)]
struct Rare {
    cancel_reason: Option<CancelReason>,
    abort_requested: Option<Option<TaskId>>,
    error: Option<Text>,
    in_children_ms: f64,
    long_polls: u64,
    /// Live copies of wakers of traced futures nested inside it (they wake it too).
    nested_wakers: u64,
    /// Its self-wakes are over half of its wakes (a storm warning holds): the warning's number.
    storming: Option<u64>,
}

impl TaskStats {
    pub(crate) fn new(id: TaskId, meta: Rc<TaskMeta>, parent: Option<TaskId>, t: f64) -> Self {
        TaskStats {
            id,
            meta,
            parent,
            state: TaskState::Scheduled,
            spawned_ms: t,
            ended_ms: None,
            ended_seq: None,
            polls: 0,
            wakes: 0,
            self_wakes: 0,
            waker_clones: 0,
            waker_drops: 0,
            wakers_known: true,
            busy_ms: 0.0,
            scheduled_ms: 0.0,
            max_poll_ms: 0.0,
            nested: false,
            handle_dropped: false,
            stalled: false,
            last_wake: t,
            last_poll_end: f64::NAN,
            rare: None,
        }
    }

    /// Why it was cancelled; `None` unless it was.
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        self.rare.as_ref().and_then(|r| r.cancel_reason)
    }

    /// `abort()` was called on it, by this task (or from outside any task).
    pub fn abort_requested(&self) -> Option<Option<TaskId>> {
        self.rare.as_ref().and_then(|r| r.abort_requested)
    }

    /// Its error, or panic message; `None` unless it failed.
    pub fn error(&self) -> Option<&Text> {
        self.rare.as_ref().and_then(|r| r.error.as_ref())
    }

    /// Time inside its polls spent polling traced futures of its own (`instrument`).
    pub fn in_children_ms(&self) -> f64 {
        self.rare.as_ref().map_or(0.0, |r| r.in_children_ms)
    }

    /// Polls over the long-poll threshold that were not long because of a traced child.
    pub fn long_polls(&self) -> u64 {
        self.rare.as_ref().map_or(0, |r| r.long_polls)
    }

    pub(crate) fn nested_wakers(&self) -> u64 {
        self.rare.as_ref().map_or(0, |r| r.nested_wakers)
    }

    pub(crate) fn storming(&self) -> Option<u64> {
        self.rare.as_ref().and_then(|r| r.storming)
    }

    /// The rare part, made the first time it is set.
    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    pub(crate) fn set_cancel_reason(&mut self, reason: CancelReason) {
        self.rare_mut().cancel_reason = Some(reason);
    }

    pub(crate) fn set_abort_requested(&mut self, by: Option<TaskId>) {
        self.rare_mut().abort_requested = Some(by);
    }

    pub(crate) fn set_error(&mut self, error: Text) {
        self.rare_mut().error = Some(error);
    }

    pub(crate) fn add_children_ms(&mut self, ms: f64) {
        if ms != 0.0 {
            self.rare_mut().in_children_ms += ms;
        }
    }

    pub(crate) fn count_long_poll(&mut self) {
        self.rare_mut().long_polls += 1;
    }

    pub(crate) fn nested_waker_cloned(&mut self) {
        self.rare_mut().nested_wakers += 1;
    }

    pub(crate) fn nested_waker_dropped(&mut self) {
        if let Some(rare) = &mut self.rare {
            rare.nested_wakers = rare.nested_wakers.saturating_sub(1);
        }
    }

    pub(crate) fn set_storming(&mut self, serial: Option<u64>) {
        if serial.is_some() || self.rare.is_some() {
            self.rare_mut().storming = serial;
        }
    }

    /// The task's name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// Where it was spawned or instrumented, or (a span) declared.
    pub fn location(&self) -> Site {
        self.meta.location
    }

    /// Time from spawn to the end, or to `now_ms` while still alive.
    pub fn total_ms(&self, now_ms: f64) -> f64 {
        (self.ended_ms.unwrap_or(now_ms) - self.spawned_ms).max(0.0)
    }

    /// Busy time as of `now_ms` (polls are recorded when they end, and nothing else runs
    /// meanwhile to look: the same as `busy_ms`).
    pub fn busy_ms_at(&self, _now_ms: f64) -> f64 {
        self.busy_ms
    }

    /// Scheduled time including a wake still waiting for its poll.
    pub fn scheduled_ms_at(&self, now_ms: f64) -> f64 {
        match (self.state, self.scheduled_since()) {
            (TaskState::Scheduled, Some(since)) => self.scheduled_ms + (now_ms - since).max(0.0),
            _ => self.scheduled_ms,
        }
    }

    /// Idle time: the rest of the total (tokio-console's `total - busy - scheduled`).
    pub fn idle_ms_at(&self, now_ms: f64) -> f64 {
        (self.total_ms(now_ms)
            - self.busy_ms_at(now_ms)
            - self.in_children_ms()
            - self.scheduled_ms_at(now_ms))
        .max(0.0)
    }

    /// Where the current scheduled stretch began: the last wake, or the end of the poll it came
    /// in (console: "if the last poll ended after the last wake, it was a self-wake").
    pub(crate) fn scheduled_since(&self) -> Option<f64> {
        let wake = self.last_wake;
        // `max` gives `wake` when there was no poll yet (a NaN end).
        (!wake.is_nan()).then(|| super::state::max(self.last_poll_end, wake))
    }

    /// Wakers alive now: the copies made minus the copies dropped.
    pub fn wakers_alive(&self) -> u64 {
        self.waker_clones.saturating_sub(self.waker_drops)
    }

    /// Nothing can wake it if it is pending: no copy of its waker or of a nested future's is
    /// alive, and it is not polled inside another task's polls (which wake it). A span is
    /// entered, never woken: it never loses a waker.
    pub(crate) fn waker_lost(&self) -> bool {
        !self.nested
            && self.meta.kind != super::event::TaskKind::Span
            && self.wakers_alive() == 0
            && self.nested_wakers() == 0
    }
}

/// The kinds of traced resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A [`super::Semaphore`].
    Semaphore,
    /// A [`super::channel`].
    Channel,
    /// A fetch ([`super::fetch::Request::send`]).
    Fetch,
    /// A request of another browser API ([`super::IoRequest`]).
    Request,
}

impl ResourceKind {
    /// The kind in words, for tables and exports: semaphore, channel, fetch, request.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Semaphore => "semaphore",
            ResourceKind::Channel => "channel",
            ResourceKind::Fetch => "fetch",
            ResourceKind::Request => "request",
        }
    }
}

/// A resource's current state, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceDetail {
    /// A semaphore's permits, and who holds and waits for them.
    Semaphore {
        /// Its permits, as made.
        permits: u32,
        /// Permits held now.
        holders: u32,
        /// Tasks waiting for a permit now.
        waiters: u32,
        /// The most permits held at once so far.
        max_holders: u32,
    },
    /// A channel's depth and traffic.
    Channel {
        /// Messages it holds at most.
        capacity: u32,
        /// Messages in it after its last send or receive.
        depth: u32,
        /// The greatest depth so far.
        max_depth: u32,
        /// Messages sent so far.
        sent: u64,
        /// Messages received so far.
        received: u64,
    },
    /// A fetch: what it asked for, and how it went.
    Fetch {
        /// The HTTP method.
        method: String,
        /// The URL asked for.
        url: String,
        /// The response's HTTP status; `None` until its headers came.
        status: Option<u16>,
        /// The body's length in bytes; `None` until it was read whole.
        bytes: Option<u64>,
        /// It was dropped before it finished.
        aborted: bool,
        /// Why it failed, in words; `None` unless it did.
        error: Option<Text>,
    },
    /// A request of some other browser API (see `IoRequest`).
    Request {
        /// The API, as given to [`super::IoRequest::start`] (`indexeddb`...).
        api: String,
        /// What was asked of it (`getAll students`...).
        operation: String,
        /// What it gave, in words; `None` until it completed.
        outcome: Option<Text>,
        /// It was dropped before it ended.
        aborted: bool,
        /// Why it failed, in words; `None` unless it did.
        error: Option<Text>,
    },
}

impl ResourceDetail {
    /// Which kind of resource this is.
    pub fn kind(&self) -> ResourceKind {
        match self {
            ResourceDetail::Semaphore { .. } => ResourceKind::Semaphore,
            ResourceDetail::Channel { .. } => ResourceKind::Channel,
            ResourceDetail::Fetch { .. } => ResourceKind::Fetch,
            ResourceDetail::Request { .. } => ResourceKind::Request,
        }
    }

    /// Applies what happened to the resource to its state.
    pub(crate) fn apply(&mut self, what: &super::event::ResourceEvent) {
        use super::event::ResourceEvent as E;
        match (self, what) {
            (
                ResourceDetail::Semaphore {
                    holders,
                    waiters,
                    max_holders,
                    ..
                },
                E::Acquired {
                    holders: h,
                    waiters: w,
                },
            ) => {
                *holders = *h;
                *waiters = *w;
                *max_holders = (*max_holders).max(*h);
            }
            (ResourceDetail::Semaphore { holders, .. }, E::Released { holders: h }) => {
                *holders = *h;
            }
            (
                ResourceDetail::Semaphore { waiters, .. },
                E::Waiting { waiters: w } | E::WaitCancelled { waiters: w },
            ) => {
                *waiters = *w;
            }
            (
                ResourceDetail::Channel {
                    depth,
                    max_depth,
                    sent,
                    ..
                },
                E::Sent { depth: d },
            ) => {
                *depth = *d;
                *max_depth = (*max_depth).max(*d);
                *sent += 1;
            }
            (
                ResourceDetail::Channel {
                    depth, received, ..
                },
                E::Received { depth: d },
            ) => {
                *depth = *d;
                *received += 1;
            }
            (ResourceDetail::Fetch { status, .. }, E::Response { status: s }) => {
                *status = Some(*s);
            }
            (ResourceDetail::Fetch { bytes, .. }, E::Body { bytes: b }) => {
                *bytes = Some(*b);
            }
            (
                ResourceDetail::Fetch { aborted, .. } | ResourceDetail::Request { aborted, .. },
                E::Aborted,
            ) => *aborted = true,
            (
                ResourceDetail::Fetch { error, .. } | ResourceDetail::Request { error, .. },
                E::Error { message },
            ) => {
                *error = Some(Rc::clone(message));
            }
            (ResourceDetail::Request { outcome, .. }, E::Done { outcome: o }) => {
                *outcome = Some(Rc::clone(o));
            }
            _ => {}
        }
    }
}

/// What the recording knows of a resource: who it is, when it lived, its state now.
#[derive(Debug, Clone)]
pub struct ResourceStats {
    /// The resource's id.
    pub id: ResourceId,
    /// Its name, where it was created and its state then.
    pub meta: Rc<ResourceMeta>,
    /// When it was created.
    pub created_ms: f64,
    /// When it closed, was aborted, failed or completed; `None` while open.
    pub closed_ms: Option<f64>,
    /// The event that closed it.
    pub closed_seq: Option<u64>,
    /// Its state now, by kind.
    pub detail: ResourceDetail,
}

impl ResourceStats {
    /// The resource's name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// Where it was created.
    pub fn location(&self) -> &'static Location<'static> {
        self.meta.location
    }
}

// Recording on: without `enabled` nothing is recorded, so no task is kept to look at.
#[cfg(all(test, feature = "enabled"))]
mod tests {
    use super::super::event::WakeSource;
    use super::super::recorder::Recorder;
    use super::*;

    #[test]
    fn a_task_that_only_runs_keeps_no_rare_part_and_its_stats_stay_small() {
        let mut rec = Recorder::default();
        let plain = rec.spawn("plain", None, Location::caller(), 0.0);
        rec.poll(plain, 1.0, 2.0, false);
        rec.wake(plain, WakeSource::Timer, None, 3.0);
        rec.poll(plain, 4.0, 5.0, true);
        let task = rec.task(plain).expect("kept");
        assert_eq!(task.state, TaskState::Done);
        assert!(task.rare.is_none(), "a plain task made its rare part");
        // A cancelled one has it, and shows why.
        let cancelled = rec.spawn("cancelled", None, Location::caller(), 6.0);
        rec.cancelled(cancelled, 7.0, CancelReason::Aborted);
        let task = rec.task(cancelled).expect("kept");
        assert!(task.rare.is_some());
        assert_eq!(task.cancel_reason(), Some(CancelReason::Aborted));
        // What every spawn writes: 232 bytes on a 64-bit host before the rare part moved out.
        let size = std::mem::size_of::<TaskStats>();
        assert!(size <= 160, "TaskStats grew to {size} bytes");
    }
}
