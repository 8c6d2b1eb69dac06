//! The tracer's data model: events in a bounded ring, a table of per-task stats, a table of
//! resources, and the warnings raised on the way.
//!
//! Pure bookkeeping: every method takes the time of what it records, so the state machine, the
//! stats and every warning are tested natively with hand-picked times ([`super::task`] feeds it
//! the real clock).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;
use std::rc::Rc;

use super::event::{CancelReason, Event, EventKind, ResourceEvent, ResourceId, TaskId, WakeSource};
use super::ring::Ring;
use super::warning::{
    Warning, WarningKind, DEFAULT_WARNING_CAP, LONG_POLL_MS, NEVER_POLLED_MS, STORM_MIN_WAKES,
};

/// Events kept before the oldest are dropped (and counted).
pub const DEFAULT_EVENT_CAP: usize = 100_000;
/// Finished tasks (and closed resources) kept, with their final stats, before the oldest are
/// forgotten (and counted).
pub const DEFAULT_FINISHED_TASK_CAP: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Pending, and nothing has woken it yet.
    Idle,
    /// Woken (or just spawned) and waiting for its next poll.
    Scheduled,
    /// Inside `poll` right now.
    Running,
    Done,
    Cancelled,
    /// Completed with an error (a task from `spawn_fallible`).
    Failed,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Done => "done",
            TaskState::Cancelled => "cancelled",
            TaskState::Failed => "failed",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskState::Done | TaskState::Cancelled | TaskState::Failed
        )
    }
}

/// What tokio-console shows for a task: who it is, where it was spawned, and where its time went.
#[derive(Debug, Clone)]
pub struct TaskStats {
    pub id: TaskId,
    pub name: Rc<str>,
    pub parent: Option<TaskId>,
    pub location: &'static Location<'static>,
    pub state: TaskState,
    pub spawned_ms: f64,
    pub ended_ms: Option<f64>,
    pub cancel_reason: Option<CancelReason>,
    pub error: Option<String>,
    pub polls: u64,
    pub wakes: u64,
    pub self_wakes: u64,
    /// Copies of the task's waker made (by the futures it polls) and dropped.
    pub waker_clones: u64,
    pub waker_drops: u64,
    /// Time inside `poll`.
    pub busy_ms: f64,
    /// Time pending with nobody having woken it.
    pub idle_ms: f64,
    /// Time from a wake (or the spawn) to the poll it caused.
    pub scheduled_ms: f64,
    /// The longest single poll.
    pub max_poll_ms: f64,
    /// When the current state began: the open interval is added to its total when it ends.
    since_ms: f64,
    /// A wake arrived while the task was running, so when the poll returns pending it is
    /// scheduled rather than idle.
    woken_in_poll: bool,
    handle_dropped: bool,
    /// The warnings already raised that are raised once per task.
    warned: u8,
    spawn_seq: u64,
}

const WARNED_LOST_WAKER: u8 = 1;
const WARNED_STORM: u8 = 2;
const WARNED_NEVER_POLLED: u8 = 4;
const WARNED_ERROR_DROPPED: u8 = 8;

impl TaskStats {
    /// Time from spawn to the end, or to `now_ms` while still alive.
    pub fn total_ms(&self, now_ms: f64) -> f64 {
        self.ended_ms.unwrap_or(now_ms) - self.spawned_ms
    }

    fn open(&self, state: TaskState, now_ms: f64) -> f64 {
        if self.state == state {
            (now_ms - self.since_ms).max(0.0)
        } else {
            0.0
        }
    }

    /// Busy time including a poll still running at `now_ms`.
    pub fn busy_ms_at(&self, now_ms: f64) -> f64 {
        self.busy_ms + self.open(TaskState::Running, now_ms)
    }

    /// Idle time including the current idle stretch.
    pub fn idle_ms_at(&self, now_ms: f64) -> f64 {
        self.idle_ms + self.open(TaskState::Idle, now_ms)
    }

    /// Scheduled time including a wake still waiting for its poll.
    pub fn scheduled_ms_at(&self, now_ms: f64) -> f64 {
        self.scheduled_ms + self.open(TaskState::Scheduled, now_ms)
    }

    /// Wakers alive now: the copies made minus the copies dropped.
    pub fn wakers_alive(&self) -> u64 {
        self.waker_clones.saturating_sub(self.waker_drops)
    }

    /// Closes the current state's interval at `t` and enters `next`; returns the closed
    /// interval's length.
    fn enter(&mut self, next: TaskState, t: f64) -> f64 {
        let spent = (t - self.since_ms).max(0.0);
        match self.state {
            TaskState::Idle => self.idle_ms += spent,
            TaskState::Scheduled => self.scheduled_ms += spent,
            TaskState::Running => self.busy_ms += spent,
            TaskState::Done | TaskState::Cancelled | TaskState::Failed => {}
        }
        self.state = next;
        self.since_ms = t;
        if next.is_finished() {
            self.ended_ms = Some(t);
        }
        spent
    }

    /// True the first time `flag` is raised for this task.
    fn first(&mut self, flag: u8) -> bool {
        let first = self.warned & flag == 0;
        self.warned |= flag;
        first
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Semaphore,
    Channel,
    Fetch,
    Request,
}

impl ResourceKind {
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
    Semaphore {
        permits: u32,
        holders: u32,
        waiters: u32,
        max_holders: u32,
    },
    Channel {
        capacity: u32,
        depth: u32,
        max_depth: u32,
        sent: u64,
        received: u64,
    },
    Fetch {
        method: String,
        url: String,
        status: Option<u16>,
        bytes: Option<u64>,
        aborted: bool,
        error: Option<String>,
    },
    /// A request of some other browser API (see `IoRequest`).
    Request {
        api: String,
        operation: String,
        outcome: Option<String>,
        aborted: bool,
        error: Option<String>,
    },
}

impl ResourceDetail {
    pub fn kind(&self) -> ResourceKind {
        match self {
            ResourceDetail::Semaphore { .. } => ResourceKind::Semaphore,
            ResourceDetail::Channel { .. } => ResourceKind::Channel,
            ResourceDetail::Fetch { .. } => ResourceKind::Fetch,
            ResourceDetail::Request { .. } => ResourceKind::Request,
        }
    }

    /// The state the resource was created in (its counters at zero).
    pub fn initial(&self) -> ResourceDetail {
        match self {
            ResourceDetail::Semaphore { permits, .. } => ResourceDetail::Semaphore {
                permits: *permits,
                holders: 0,
                waiters: 0,
                max_holders: 0,
            },
            ResourceDetail::Channel { capacity, .. } => ResourceDetail::Channel {
                capacity: *capacity,
                depth: 0,
                max_depth: 0,
                sent: 0,
                received: 0,
            },
            ResourceDetail::Fetch { method, url, .. } => ResourceDetail::Fetch {
                method: method.clone(),
                url: url.clone(),
                status: None,
                bytes: None,
                aborted: false,
                error: None,
            },
            ResourceDetail::Request { api, operation, .. } => ResourceDetail::Request {
                api: api.clone(),
                operation: operation.clone(),
                outcome: None,
                aborted: false,
                error: None,
            },
        }
    }

    /// Applies what happened to the resource to its state.
    fn apply(&mut self, what: &ResourceEvent) {
        match (self, what) {
            (
                ResourceDetail::Semaphore {
                    holders,
                    waiters,
                    max_holders,
                    ..
                },
                ResourceEvent::Acquired {
                    holders: h,
                    waiters: w,
                },
            ) => {
                *holders = *h;
                *waiters = *w;
                *max_holders = (*max_holders).max(*h);
            }
            (ResourceDetail::Semaphore { holders, .. }, ResourceEvent::Released { holders: h }) => {
                *holders = *h;
            }
            (ResourceDetail::Semaphore { waiters, .. }, ResourceEvent::Waiting { waiters: w }) => {
                *waiters = *w;
            }
            (
                ResourceDetail::Channel {
                    depth,
                    max_depth,
                    sent,
                    ..
                },
                ResourceEvent::Sent { depth: d },
            ) => {
                *depth = *d;
                *max_depth = (*max_depth).max(*d);
                *sent += 1;
            }
            (
                ResourceDetail::Channel {
                    depth, received, ..
                },
                ResourceEvent::Received { depth: d },
            ) => {
                *depth = *d;
                *received += 1;
            }
            (ResourceDetail::Fetch { status, .. }, ResourceEvent::Response { status: s }) => {
                *status = Some(*s);
            }
            (ResourceDetail::Fetch { bytes, .. }, ResourceEvent::Body { bytes: b }) => {
                *bytes = Some(*b);
            }
            (
                ResourceDetail::Fetch { aborted, .. } | ResourceDetail::Request { aborted, .. },
                ResourceEvent::Aborted,
            ) => *aborted = true,
            (
                ResourceDetail::Fetch { error, .. } | ResourceDetail::Request { error, .. },
                ResourceEvent::Error { message },
            ) => {
                *error = Some(message.clone());
            }
            (ResourceDetail::Request { outcome, .. }, ResourceEvent::Done { outcome: o }) => {
                *outcome = Some(o.clone());
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResourceStats {
    pub id: ResourceId,
    pub name: Rc<str>,
    pub location: &'static Location<'static>,
    pub created_ms: f64,
    pub closed_ms: Option<f64>,
    pub detail: ResourceDetail,
}

/// Hashes ids (sequential integers) with one multiplication: every event looks its task up,
/// and SipHash or a B-tree walk was most of the cost of recording one.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Caps on what the recorder keeps, so memory stays bounded however long a page runs.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub events: usize,
    /// Finished tasks kept; closed resources are kept up to the same number.
    pub finished_tasks: usize,
    pub warnings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            events: DEFAULT_EVENT_CAP,
            finished_tasks: DEFAULT_FINISHED_TASK_CAP,
            warnings: DEFAULT_WARNING_CAP,
        }
    }
}

#[derive(Debug)]
pub struct Recorder {
    limits: Limits,
    events: Ring<Event>,
    warnings: Ring<Warning>,
    tasks: IdMap<TaskId, TaskStats>,
    /// Finished tasks, oldest first, for evicting past the cap.
    finished: VecDeque<TaskId>,
    tasks_dropped: u64,
    resources: IdMap<ResourceId, ResourceStats>,
    closed: VecDeque<ResourceId>,
    resources_dropped: u64,
    next_id: u64,
    next_seq: u64,
    /// Rebuilding a past moment ([`Recorder::as_of`]): warnings are copied, not raised again.
    replaying: bool,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new(Limits::default())
    }
}

impl Recorder {
    pub fn new(limits: Limits) -> Self {
        Recorder {
            limits,
            events: Ring::new(limits.events),
            warnings: Ring::new(limits.warnings),
            tasks: IdMap::default(),
            finished: VecDeque::new(),
            tasks_dropped: 0,
            resources: IdMap::default(),
            closed: VecDeque::new(),
            resources_dropped: 0,
            next_id: 1,
            next_seq: 0,
            replaying: false,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Forgets every task, resource, event and warning, keeping the limits. Ids keep counting
    /// up, so events from tasks of before the reset (still alive somewhere) are ignored rather
    /// than misfiled.
    pub fn reset(&mut self) {
        let next_id = self.next_id;
        *self = Recorder::new(self.limits);
        self.next_id = next_id;
    }

    /// Sets new caps, starting a fresh recording.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.reset();
    }

    fn push(&mut self, task: Option<TaskId>, t_ms: f64, kind: EventKind) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.events.push(Event {
            seq,
            t_ms,
            task,
            kind,
        });
        seq
    }

    fn push_task(&mut self, id: TaskId, t_ms: f64, kind: EventKind) -> u64 {
        self.push(Some(id), t_ms, kind)
    }

    fn warn(&mut self, event: u64, t_ms: f64, task: TaskId, kind: WarningKind) {
        if self.replaying {
            return;
        }
        self.warnings.push(Warning {
            event,
            t_ms,
            task,
            kind,
        });
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Records a new task and returns its id. A spawned task is scheduled: it waits for its
    /// first poll.
    pub fn spawn(
        &mut self,
        name: &str,
        parent: Option<TaskId>,
        location: &'static Location<'static>,
        t: f64,
    ) -> TaskId {
        let id = TaskId(self.next_id());
        self.insert_task(id, name, parent, location, t);
        id
    }

    fn insert_task(
        &mut self,
        id: TaskId,
        name: &str,
        parent: Option<TaskId>,
        location: &'static Location<'static>,
        t: f64,
    ) {
        let seq = self.next_seq;
        self.tasks.insert(
            id,
            TaskStats {
                id,
                name: Rc::from(name),
                parent,
                location,
                state: TaskState::Scheduled,
                spawned_ms: t,
                ended_ms: None,
                cancel_reason: None,
                error: None,
                polls: 0,
                wakes: 0,
                self_wakes: 0,
                waker_clones: 0,
                waker_drops: 0,
                busy_ms: 0.0,
                idle_ms: 0.0,
                scheduled_ms: 0.0,
                max_poll_ms: 0.0,
                since_ms: t,
                woken_in_poll: false,
                handle_dropped: false,
                warned: 0,
                spawn_seq: seq,
            },
        );
        self.push_task(id, t, EventKind::Spawned { parent });
    }

    /// The live (not finished) task `id`, if this recording knows it.
    fn live(&mut self, id: TaskId) -> Option<&mut TaskStats> {
        self.tasks.get_mut(&id).filter(|s| !s.state.is_finished())
    }

    pub fn poll_start(&mut self, id: TaskId, t: f64) {
        let Some(task) = self.live(id) else { return };
        task.woken_in_poll = false;
        task.enter(TaskState::Running, t);
        self.push_task(id, t, EventKind::PollStart);
    }

    /// A poll returned. Raises a long-poll warning past [`LONG_POLL_MS`], and a lost-waker
    /// warning when it returned pending with no waker alive and no wake on the way.
    pub fn poll_end(&mut self, id: TaskId, t: f64, ready: bool) {
        let Some(task) = self.live(id) else { return };
        task.polls += 1;
        let next = if ready {
            TaskState::Done
        } else if task.woken_in_poll {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        let busy = task.enter(next, t);
        task.max_poll_ms = task.max_poll_ms.max(busy);
        let lost = next == TaskState::Idle && task.wakers_alive() == 0;
        let lost = lost && task.first(WARNED_LOST_WAKER);
        let seq = self.push_task(id, t, EventKind::PollEnd { ready });
        if busy > LONG_POLL_MS {
            self.warn(seq, t, id, WarningKind::LongPoll { busy_ms: busy });
        }
        if lost {
            self.warn(seq, t, id, WarningKind::LostWaker);
        }
        if ready {
            self.finish(id);
        }
    }

    /// The task's waker was woken by `by`. Raises a self-wake storm warning once more than
    /// half of at least [`STORM_MIN_WAKES`] wakes were by the task itself.
    pub fn woken(&mut self, id: TaskId, by: WakeSource, t: f64) {
        let Some(task) = self.live(id) else { return };
        task.wakes += 1;
        if by == WakeSource::ItSelf {
            task.self_wakes += 1;
        }
        match task.state {
            TaskState::Idle => {
                task.enter(TaskState::Scheduled, t);
            }
            TaskState::Running => task.woken_in_poll = true,
            _ => {}
        }
        let (self_wakes, wakes) = (task.self_wakes, task.wakes);
        let storm = wakes >= STORM_MIN_WAKES && self_wakes * 2 > wakes && task.first(WARNED_STORM);
        let seq = self.push_task(id, t, EventKind::Woken { by });
        if storm {
            self.warn(seq, t, id, WarningKind::SelfWakeStorm { self_wakes, wakes });
        }
    }

    /// A future polled by the task kept a copy of its waker.
    pub fn waker_cloned(&mut self, id: TaskId) {
        if let Some(task) = self.live(id) {
            task.waker_clones += 1;
        }
    }

    /// A copy of the task's waker was dropped. The last one going while the task is idle means
    /// nothing can wake it: a lost waker.
    /// `now` is read only if a warning is raised: a waker is dropped on most wakes, and reading
    /// the clock costs more than the rest of this.
    pub fn waker_dropped(&mut self, id: TaskId, now: impl FnOnce() -> f64) {
        let Some(task) = self.live(id) else { return };
        task.waker_drops += 1;
        if task.state == TaskState::Idle
            && task.wakers_alive() == 0
            && task.first(WARNED_LOST_WAKER)
        {
            let spawn_seq = task.spawn_seq;
            // Linked to the task's last event (its pending poll): found once, when warning.
            let seq = self
                .events
                .iter()
                .rev()
                .find(|e| e.task == Some(id))
                .map_or(spawn_seq, |e| e.seq);
            self.warn(seq, now(), id, WarningKind::LostWaker);
        }
    }

    /// Notes why a task is about to be cancelled; [`Recorder::cancelled`] records it when the
    /// task's future is actually dropped.
    pub fn cancel_requested(&mut self, id: TaskId, reason: CancelReason) {
        if let Some(task) = self.live(id) {
            task.cancel_reason.get_or_insert(reason);
        }
    }

    /// The task's future was dropped before it completed, for `reason` unless one was requested
    /// before. A task dropped without a single poll was never polled.
    pub fn cancelled(&mut self, id: TaskId, t: f64, reason: CancelReason) {
        let Some(task) = self.live(id) else { return };
        let reason = *task.cancel_reason.get_or_insert(reason);
        task.enter(TaskState::Cancelled, t);
        let never_polled = task.polls == 0 && task.first(WARNED_NEVER_POLLED);
        let waited_ms = t - task.spawned_ms;
        let seq = self.push_task(id, t, EventKind::Cancelled { reason });
        if never_polled {
            self.warn(seq, t, id, WarningKind::NeverPolled { waited_ms });
        }
        self.finish(id);
    }

    /// The task completed with an error (recorded after its last poll, which made it done).
    pub fn failed(&mut self, id: TaskId, error: String, t: f64) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        if task.state == TaskState::Failed {
            return;
        }
        task.state = TaskState::Failed;
        task.ended_ms.get_or_insert(t);
        task.error = Some(error.clone());
        let dropped = task.handle_dropped && task.first(WARNED_ERROR_DROPPED);
        let seq = self.push_task(
            id,
            t,
            EventKind::Failed {
                error: error.clone(),
            },
        );
        if dropped {
            self.warn(seq, t, id, WarningKind::ErrorDropped { error });
        }
    }

    /// The task's `JoinHandle` was dropped without giving its output to anyone.
    pub fn handle_dropped(&mut self, id: TaskId, t: f64) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        task.handle_dropped = true;
        let failed = task.state == TaskState::Failed && task.first(WARNED_ERROR_DROPPED);
        let error = task.error.clone().unwrap_or_default();
        let seq = self.push_task(id, t, EventKind::HandleDropped);
        if failed {
            self.warn(seq, t, id, WarningKind::ErrorDropped { error });
        }
    }

    /// Raises never-polled warnings for tasks scheduled since spawn for over
    /// [`NEVER_POLLED_MS`]. Called on each frame the UI draws, and before exports.
    pub fn check_stalled(&mut self, now: f64) {
        let mut stalled = Vec::new();
        for task in self.tasks.values_mut() {
            if task.polls == 0
                && task.state == TaskState::Scheduled
                && now - task.spawned_ms > NEVER_POLLED_MS
                && task.first(WARNED_NEVER_POLLED)
            {
                stalled.push((task.spawn_seq, task.id, now - task.spawned_ms));
            }
        }
        for (seq, id, waited_ms) in stalled {
            self.warn(seq, now, id, WarningKind::NeverPolled { waited_ms });
        }
    }

    pub fn sleep_started(&mut self, id: TaskId, requested_ms: f64, t: f64) {
        if self.live(id).is_some() {
            self.push_task(id, t, EventKind::SleepStarted { requested_ms });
        }
    }

    pub fn sleep_done(&mut self, id: TaskId, requested_ms: f64, actual_ms: f64, t: f64) {
        if self.live(id).is_some() {
            self.push_task(
                id,
                t,
                EventKind::SleepDone {
                    requested_ms,
                    actual_ms,
                },
            );
        }
    }

    fn finish(&mut self, id: TaskId) {
        self.finished.push_back(id);
        while self.finished.len() > self.limits.finished_tasks.max(1) {
            if let Some(old) = self.finished.pop_front() {
                self.tasks.remove(&old);
                self.tasks_dropped += 1;
            }
        }
    }

    /// Records a new resource, created by task `by` (if any).
    pub fn resource_created(
        &mut self,
        name: &str,
        detail: ResourceDetail,
        location: &'static Location<'static>,
        by: Option<TaskId>,
        t: f64,
    ) -> ResourceId {
        let id = ResourceId(self.next_id());
        self.insert_resource(id, name, detail, location, by, t);
        id
    }

    fn insert_resource(
        &mut self,
        id: ResourceId,
        name: &str,
        detail: ResourceDetail,
        location: &'static Location<'static>,
        by: Option<TaskId>,
        t: f64,
    ) {
        self.resources.insert(
            id,
            ResourceStats {
                id,
                name: Rc::from(name),
                location,
                created_ms: t,
                closed_ms: None,
                detail,
            },
        );
        self.push(
            by,
            t,
            EventKind::Resource {
                resource: id,
                what: ResourceEvent::Created,
            },
        );
    }

    /// Something happened to resource `id`, caused by task `by` (if any).
    pub fn resource(&mut self, id: ResourceId, by: Option<TaskId>, what: ResourceEvent, t: f64) {
        let Some(resource) = self.resources.get_mut(&id) else {
            return;
        };
        if resource.closed_ms.is_some() {
            return;
        }
        resource.detail.apply(&what);
        let closes = matches!(
            what,
            ResourceEvent::Closed
                | ResourceEvent::Aborted
                | ResourceEvent::Error { .. }
                | ResourceEvent::Done { .. }
        );
        if closes {
            resource.closed_ms = Some(t);
        }
        self.push(by, t, EventKind::Resource { resource: id, what });
        if closes {
            self.closed.push_back(id);
            while self.closed.len() > self.limits.finished_tasks.max(1) {
                if let Some(old) = self.closed.pop_front() {
                    self.resources.remove(&old);
                    self.resources_dropped += 1;
                }
            }
        }
    }

    /// The recording as it stood right after event `seq`, rebuilt by replaying the events kept
    /// (for stepping back and forth through a finished run). Waker copies are counted, not
    /// recorded as events, so the rebuilt counts of clones and drops are zero; warnings are
    /// those raised up to `seq`.
    pub fn as_of(&self, seq: u64) -> Recorder {
        let mut past = Recorder::new(self.limits);
        past.replaying = true;
        past.next_id = self.next_id;
        past.next_seq = self.events.iter().next().map_or(0, |e| e.seq);
        let here = Location::caller();
        for event in self.events.iter().take_while(|e| e.seq <= seq) {
            let t = event.t_ms;
            match (&event.kind, event.task) {
                (EventKind::Spawned { parent }, Some(id)) => {
                    let (name, location) = self
                        .tasks
                        .get(&id)
                        .map_or((Rc::from("?"), here), |t| (Rc::clone(&t.name), t.location));
                    past.insert_task(id, &name, *parent, location, t);
                }
                (EventKind::PollStart, Some(id)) => past.poll_start(id, t),
                (EventKind::PollEnd { ready }, Some(id)) => past.poll_end(id, t, *ready),
                (EventKind::Woken { by }, Some(id)) => past.woken(id, *by, t),
                (EventKind::SleepStarted { requested_ms }, Some(id)) => {
                    past.sleep_started(id, *requested_ms, t)
                }
                (
                    EventKind::SleepDone {
                        requested_ms,
                        actual_ms,
                    },
                    Some(id),
                ) => past.sleep_done(id, *requested_ms, *actual_ms, t),
                (EventKind::Cancelled { reason }, Some(id)) => past.cancelled(id, t, *reason),
                (EventKind::Failed { error }, Some(id)) => past.failed(id, error.clone(), t),
                (EventKind::HandleDropped, Some(id)) => past.handle_dropped(id, t),
                (EventKind::Resource { resource, what }, by) => match what {
                    ResourceEvent::Created => {
                        if let Some(r) = self.resources.get(resource) {
                            past.insert_resource(
                                *resource,
                                &r.name,
                                r.detail.initial(),
                                r.location,
                                by,
                                t,
                            );
                        }
                    }
                    what => past.resource(*resource, by, what.clone(), t),
                },
                _ => {}
            }
        }
        past.replaying = false;
        for warning in self.warnings.iter().filter(|w| w.event <= seq) {
            past.warnings.push(warning.clone());
        }
        past
    }

    /// Every task this recording holds, by id (spawn order).
    pub fn tasks(&self) -> impl Iterator<Item = &TaskStats> {
        let mut tasks: Vec<&TaskStats> = self.tasks.values().collect();
        tasks.sort_unstable_by_key(|t| t.id);
        tasks.into_iter()
    }

    /// How many tasks this recording holds.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    pub fn task(&self, id: TaskId) -> Option<&TaskStats> {
        self.tasks.get(&id)
    }

    /// Every resource this recording holds, by id (creation order).
    pub fn resources(&self) -> impl Iterator<Item = &ResourceStats> {
        let mut resources: Vec<&ResourceStats> = self.resources.values().collect();
        resources.sort_unstable_by_key(|r| r.id);
        resources.into_iter()
    }

    pub fn resource_stats(&self, id: ResourceId) -> Option<&ResourceStats> {
        self.resources.get(&id)
    }

    /// Finished tasks forgotten to stay within the cap.
    pub fn tasks_dropped(&self) -> u64 {
        self.tasks_dropped
    }

    /// Closed resources forgotten to stay within the cap.
    pub fn resources_dropped(&self) -> u64 {
        self.resources_dropped
    }

    pub fn events(&self) -> &Ring<Event> {
        &self.events
    }

    pub fn warnings(&self) -> &Ring<Warning> {
        &self.warnings
    }

    /// How many events were recorded (including those since dropped): it changes whenever
    /// anything is recorded, so a viewer can skip redrawing when it has not.
    pub fn recorded(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    fn kinds(rec: &Recorder, id: TaskId) -> Vec<EventKind> {
        rec.events()
            .iter()
            .filter(|e| e.task == Some(id))
            .map(|e| e.kind.clone())
            .collect()
    }

    #[test]
    fn a_task_goes_scheduled_running_idle_scheduled_running_done() {
        let mut rec = Recorder::default();
        let id = rec.spawn("main", None, here(), 10.0);
        assert_eq!(rec.task(id).map(|t| t.state), Some(TaskState::Scheduled));
        rec.poll_start(id, 12.0);
        assert_eq!(rec.task(id).map(|t| t.state), Some(TaskState::Running));
        rec.poll_end(id, 13.0, false);
        assert_eq!(rec.task(id).map(|t| t.state), Some(TaskState::Idle));
        rec.woken(id, WakeSource::Timer, 1013.0);
        assert_eq!(rec.task(id).map(|t| t.state), Some(TaskState::Scheduled));
        rec.poll_start(id, 1014.0);
        rec.poll_end(id, 1016.0, true);
        let t = rec.task(id).cloned().expect("task kept");
        assert_eq!(t.state, TaskState::Done);
        assert_eq!(t.polls, 2);
        assert_eq!(t.wakes, 1);
        assert_eq!(t.busy_ms, 3.0);
        assert_eq!(t.idle_ms, 1000.0);
        assert_eq!(t.scheduled_ms, 3.0);
        assert_eq!(t.total_ms(5000.0), 1006.0);
        assert_eq!(
            kinds(&rec, id),
            vec![
                EventKind::Spawned { parent: None },
                EventKind::PollStart,
                EventKind::PollEnd { ready: false },
                EventKind::Woken {
                    by: WakeSource::Timer
                },
                EventKind::PollStart,
                EventKind::PollEnd { ready: true },
            ]
        );
    }

    #[test]
    fn busy_idle_and_scheduled_add_up_to_total() {
        let mut rec = Recorder::default();
        let id = rec.spawn("t", None, here(), 0.0);
        rec.poll_start(id, 1.0);
        rec.poll_end(id, 4.0, false);
        rec.woken(id, WakeSource::External, 20.0);
        rec.poll_start(id, 25.0);
        rec.poll_end(id, 26.0, true);
        let t = rec.task(id).expect("kept");
        let sum = t.busy_ms + t.idle_ms + t.scheduled_ms;
        assert_eq!(sum, t.total_ms(99.0));
        assert_eq!(t.total_ms(99.0), 26.0);
    }

    #[test]
    fn a_wake_during_its_own_poll_is_a_self_wake_and_leaves_it_scheduled() {
        let mut rec = Recorder::default();
        let id = rec.spawn("yielder", None, here(), 0.0);
        rec.poll_start(id, 1.0);
        rec.woken(id, WakeSource::ItSelf, 1.5);
        rec.poll_end(id, 2.0, false);
        let t = rec.task(id).expect("kept");
        assert_eq!(t.state, TaskState::Scheduled);
        assert_eq!((t.wakes, t.self_wakes), (1, 1));
    }

    #[test]
    fn live_stats_include_the_open_interval() {
        let mut rec = Recorder::default();
        let id = rec.spawn("sleeper", None, here(), 0.0);
        rec.poll_start(id, 0.0);
        rec.poll_end(id, 1.0, false);
        let t = rec.task(id).expect("kept");
        assert_eq!(t.idle_ms_at(501.0), 500.0);
        assert_eq!(t.idle_ms, 0.0);
        assert_eq!(t.total_ms(501.0), 501.0);
    }

    #[test]
    fn cancellation_keeps_the_requested_reason_else_says_dropped() {
        let mut rec = Recorder::default();
        let a = rec.spawn("a", None, here(), 0.0);
        let b = rec.spawn("b", Some(a), here(), 0.0);
        rec.cancel_requested(a, CancelReason::Aborted);
        rec.cancelled(a, 5.0, CancelReason::Dropped);
        rec.cancelled(b, 6.0, CancelReason::Dropped);
        let state = |id| rec.task(id).map(|t| (t.state, t.cancel_reason, t.ended_ms));
        assert_eq!(
            state(a),
            Some((TaskState::Cancelled, Some(CancelReason::Aborted), Some(5.0)))
        );
        assert_eq!(
            state(b),
            Some((TaskState::Cancelled, Some(CancelReason::Dropped), Some(6.0)))
        );
    }

    #[test]
    fn finished_tasks_ignore_late_events() {
        let mut rec = Recorder::default();
        let id = rec.spawn("t", None, here(), 0.0);
        rec.poll_start(id, 0.0);
        rec.poll_end(id, 1.0, true);
        let before = rec.recorded();
        rec.woken(id, WakeSource::External, 2.0);
        rec.cancelled(id, 3.0, CancelReason::Dropped);
        assert_eq!(rec.recorded(), before);
        assert_eq!(rec.task(id).map(|t| t.state), Some(TaskState::Done));
    }

    #[test]
    fn finished_tasks_past_the_cap_are_forgotten_and_counted() {
        let mut rec = Recorder::new(Limits {
            events: 1000,
            finished_tasks: 2,
            ..Limits::default()
        });
        let ids: Vec<_> = (0..5)
            .map(|i| rec.spawn(&format!("t{i}"), None, here(), 0.0))
            .collect();
        for &id in &ids[..4] {
            rec.poll_start(id, 1.0);
            rec.poll_end(id, 2.0, true);
        }
        let kept: Vec<_> = rec.tasks().map(|t| t.id).collect();
        assert_eq!(
            kept,
            vec![ids[2], ids[3], ids[4]],
            "the live task is never evicted"
        );
        assert_eq!(rec.tasks_dropped(), 2);
    }

    #[test]
    fn the_event_ring_is_bounded_and_counts_drops() {
        let mut rec = Recorder::new(Limits {
            events: 10,
            finished_tasks: 10,
            ..Limits::default()
        });
        let id = rec.spawn("busy", None, here(), 0.0);
        for i in 0..100 {
            rec.poll_start(id, i as f64);
            rec.poll_end(id, i as f64 + 0.5, false);
        }
        assert_eq!(rec.events().len(), 10);
        assert_eq!(rec.events().dropped(), 191);
        assert_eq!(rec.recorded(), 201);
    }

    #[test]
    fn reset_forgets_tasks_but_never_reuses_ids() {
        let mut rec = Recorder::default();
        let old = rec.spawn("old", None, here(), 0.0);
        rec.reset();
        assert_eq!(rec.tasks().count(), 0);
        rec.poll_start(old, 1.0);
        assert_eq!(
            rec.recorded(),
            0,
            "events of a task from before the reset are ignored"
        );
        let new = rec.spawn("new", None, here(), 2.0);
        assert!(new > old);
    }

    fn warnings(rec: &Recorder) -> Vec<(TaskId, &'static str)> {
        rec.warnings()
            .iter()
            .map(|w| (w.task, w.kind.code()))
            .collect()
    }

    /// A task polled once at t=0 that keeps a waker (as any real pending future does).
    fn pending_with_waker(rec: &mut Recorder, name: &str) -> TaskId {
        let id = rec.spawn(name, None, here(), 0.0);
        rec.poll_start(id, 0.0);
        rec.waker_cloned(id);
        rec.poll_end(id, 1.0, false);
        id
    }

    #[test]
    fn a_poll_over_50_ms_warns_of_a_blocked_event_loop_linked_to_its_poll() {
        let mut rec = Recorder::default();
        let id = rec.spawn("busy", None, here(), 0.0);
        rec.poll_start(id, 0.0);
        rec.waker_cloned(id);
        rec.poll_end(id, 50.0, false);
        assert!(warnings(&rec).is_empty(), "50 ms is not over the threshold");
        rec.woken(id, WakeSource::Timer, 60.0);
        rec.poll_start(id, 60.0);
        rec.poll_end(id, 360.0, true);
        let w = rec.warnings().iter().next().cloned().expect("a warning");
        assert_eq!(w.kind, WarningKind::LongPoll { busy_ms: 300.0 });
        let raised_by = rec
            .events()
            .iter()
            .find(|e| e.seq == w.event)
            .expect("linked event");
        assert_eq!(raised_by.kind, EventKind::PollEnd { ready: true });
        assert_eq!(rec.task(id).map(|t| t.max_poll_ms), Some(300.0));
        assert!(w.to_string().contains("blocked the event loop"));
    }

    #[test]
    fn pending_without_a_live_waker_is_a_lost_waker() {
        let mut rec = Recorder::default();
        let id = rec.spawn("forgetful", None, here(), 0.0);
        rec.poll_start(id, 0.0);
        rec.poll_end(id, 1.0, false);
        assert_eq!(warnings(&rec), vec![(id, "lost-waker")]);
    }

    #[test]
    fn dropping_the_last_waker_of_an_idle_task_is_a_lost_waker_once() {
        let mut rec = Recorder::default();
        let id = pending_with_waker(&mut rec, "waiting");
        assert!(warnings(&rec).is_empty());
        rec.waker_cloned(id);
        rec.waker_dropped(id, || 5.0);
        assert!(warnings(&rec).is_empty(), "one waker is still alive");
        rec.waker_dropped(id, || 6.0);
        rec.waker_cloned(id);
        rec.waker_dropped(id, || 7.0);
        assert_eq!(warnings(&rec), vec![(id, "lost-waker")]);
    }

    #[test]
    fn a_waker_dropped_after_waking_is_not_lost() {
        let mut rec = Recorder::default();
        let id = pending_with_waker(&mut rec, "woken");
        rec.woken(id, WakeSource::Timer, 10.0);
        rec.waker_dropped(id, || 10.0);
        assert!(warnings(&rec).is_empty());
    }

    #[test]
    fn mostly_self_wakes_is_a_storm_but_one_yield_is_not() {
        let mut rec = Recorder::default();
        let yielder = pending_with_waker(&mut rec, "yield-once");
        rec.woken(yielder, WakeSource::ItSelf, 2.0);
        let spinner = pending_with_waker(&mut rec, "spinner");
        for i in 0..12 {
            let t = 10.0 + i as f64;
            rec.poll_start(spinner, t);
            rec.woken(spinner, WakeSource::ItSelf, t + 0.1);
            rec.poll_end(spinner, t + 0.2, false);
        }
        assert_eq!(warnings(&rec), vec![(spinner, "self-wake-storm")]);
        let w = rec.warnings().iter().next().cloned().expect("warning");
        assert_eq!(
            w.kind,
            WarningKind::SelfWakeStorm {
                self_wakes: 10,
                wakes: 10
            }
        );
    }

    #[test]
    fn a_third_self_wakes_is_not_a_storm() {
        let mut rec = Recorder::default();
        let id = pending_with_waker(&mut rec, "mixed");
        for i in 0..30 {
            let by = if i % 3 == 2 {
                WakeSource::ItSelf
            } else {
                WakeSource::Timer
            };
            rec.poll_start(id, i as f64);
            rec.woken(id, by, i as f64);
            rec.poll_end(id, i as f64 + 0.5, false);
        }
        assert!(warnings(&rec).is_empty(), "{:?}", warnings(&rec));
    }

    #[test]
    fn a_task_never_polled_is_reported_when_dropped_or_after_a_second() {
        let mut rec = Recorder::default();
        let dropped = rec.spawn("dropped", None, here(), 0.0);
        let stuck = rec.spawn("stuck", None, here(), 0.0);
        let fine = rec.spawn("fine", None, here(), 0.0);
        rec.poll_start(fine, 1.0);
        rec.poll_end(fine, 2.0, true);
        rec.cancelled(dropped, 5.0, CancelReason::Dropped);
        rec.check_stalled(900.0);
        assert_eq!(warnings(&rec), vec![(dropped, "never-polled")]);
        rec.check_stalled(1500.0);
        rec.check_stalled(2500.0);
        assert_eq!(
            warnings(&rec),
            vec![(dropped, "never-polled"), (stuck, "never-polled")]
        );
        let spawn_event = rec.warnings().iter().nth(1).map(|w| w.event);
        assert_eq!(
            rec.events()
                .iter()
                .find(|e| Some(e.seq) == spawn_event)
                .map(|e| &e.kind),
            Some(&EventKind::Spawned { parent: None }),
            "linked to its spawn"
        );
    }

    #[test]
    fn an_error_with_its_join_handle_dropped_warns_whichever_comes_first() {
        let mut rec = Recorder::default();
        let early = rec.spawn("handle-dropped-first", None, here(), 0.0);
        rec.handle_dropped(early, 1.0);
        rec.poll_start(early, 2.0);
        rec.poll_end(early, 3.0, true);
        rec.failed(early, "boom".into(), 3.0);
        let late = rec.spawn("failed-first", None, here(), 0.0);
        rec.poll_start(late, 2.0);
        rec.poll_end(late, 3.0, true);
        rec.failed(late, "bang".into(), 3.0);
        assert_eq!(
            warnings(&rec),
            vec![(early, "error-dropped")],
            "late's handle may still be awaited"
        );
        rec.handle_dropped(late, 4.0);
        assert_eq!(
            warnings(&rec),
            vec![(early, "error-dropped"), (late, "error-dropped")]
        );
        assert_eq!(rec.task(late).map(|t| t.state), Some(TaskState::Failed));
        assert_eq!(
            rec.task(late).and_then(|t| t.error.clone()).as_deref(),
            Some("bang")
        );
    }

    #[test]
    fn a_failure_whose_handle_is_kept_raises_nothing() {
        let mut rec = Recorder::default();
        let id = rec.spawn("failing", None, here(), 0.0);
        rec.poll_start(id, 0.0);
        rec.poll_end(id, 1.0, true);
        rec.failed(id, "seen by its awaiter".into(), 1.0);
        assert!(warnings(&rec).is_empty());
    }

    #[test]
    fn the_warning_ring_is_bounded() {
        let mut rec = Recorder::new(Limits {
            warnings: 3,
            ..Limits::default()
        });
        let id = pending_with_waker(&mut rec, "slow");
        for i in 0..10 {
            let t = 100.0 * (i + 1) as f64;
            rec.woken(id, WakeSource::Timer, t);
            rec.poll_start(id, t);
            rec.poll_end(id, t + 60.0, false);
        }
        assert_eq!(rec.warnings().len(), 3);
        assert_eq!(rec.warnings().dropped(), 7);
    }

    #[test]
    fn waker_clones_and_drops_are_counted() {
        let mut rec = Recorder::default();
        let id = pending_with_waker(&mut rec, "t");
        rec.waker_cloned(id);
        rec.waker_cloned(id);
        rec.waker_dropped(id, || 2.0);
        let t = rec.task(id).expect("kept");
        assert_eq!((t.waker_clones, t.waker_drops, t.wakers_alive()), (3, 1, 2));
    }

    #[test]
    fn a_semaphore_tracks_holders_waiters_and_the_peak() {
        let mut rec = Recorder::default();
        let sem = rec.resource_created(
            "sem",
            ResourceDetail::Semaphore {
                permits: 2,
                holders: 0,
                waiters: 0,
                max_holders: 0,
            },
            here(),
            None,
            0.0,
        );
        rec.resource(
            sem,
            None,
            ResourceEvent::Acquired {
                holders: 1,
                waiters: 0,
            },
            1.0,
        );
        rec.resource(
            sem,
            None,
            ResourceEvent::Acquired {
                holders: 2,
                waiters: 0,
            },
            2.0,
        );
        rec.resource(sem, None, ResourceEvent::Waiting { waiters: 1 }, 3.0);
        rec.resource(sem, None, ResourceEvent::Released { holders: 1 }, 4.0);
        let detail = rec.resource_stats(sem).map(|r| r.detail.clone());
        assert_eq!(
            detail,
            Some(ResourceDetail::Semaphore {
                permits: 2,
                holders: 1,
                waiters: 1,
                max_holders: 2
            })
        );
    }

    #[test]
    fn closed_resources_past_the_cap_are_forgotten_and_counted() {
        let mut rec = Recorder::new(Limits {
            finished_tasks: 2,
            ..Limits::default()
        });
        let fetch = || ResourceDetail::Fetch {
            method: "GET".into(),
            url: "/api/".into(),
            status: None,
            bytes: None,
            aborted: false,
            error: None,
        };
        let ids: Vec<_> = (0..4)
            .map(|i| rec.resource_created(&format!("f{i}"), fetch(), here(), None, 0.0))
            .collect();
        for &id in &ids[..3] {
            rec.resource(id, None, ResourceEvent::Response { status: 200 }, 1.0);
            rec.resource(id, None, ResourceEvent::Closed, 2.0);
        }
        rec.resource(ids[2], None, ResourceEvent::Body { bytes: 9 }, 3.0);
        assert_eq!(
            rec.resources().count(),
            3,
            "two closed kept, the open one never evicted"
        );
        assert_eq!(rec.resources_dropped(), 1);
        assert!(
            matches!(
                rec.resource_stats(ids[2]).map(|r| &r.detail),
                Some(ResourceDetail::Fetch {
                    bytes: None,
                    status: Some(200),
                    ..
                })
            ),
            "nothing is recorded after a resource closed"
        );
    }

    #[test]
    fn as_of_rebuilds_the_states_and_stats_of_a_past_moment() {
        let mut rec = Recorder::default();
        let main = rec.spawn("main", None, here(), 0.0);
        rec.poll_start(main, 1.0);
        rec.waker_cloned(main);
        rec.poll_end(main, 2.0, false);
        let mid = rec.recorded() - 1;
        rec.woken(main, WakeSource::Timer, 100.0);
        rec.poll_start(main, 101.0);
        rec.poll_end(main, 160.0, true); // a long poll: warned after `mid`
        let past = rec.as_of(mid);
        let t = past.task(main).expect("rebuilt");
        assert_eq!(t.state, TaskState::Idle);
        assert_eq!(t.polls, 1);
        assert_eq!(&*t.name, "main");
        assert_eq!(past.events().len(), 3);
        assert!(past.warnings().is_empty(), "the long poll came later");
        let now = rec.as_of(rec.recorded() - 1);
        let t = now.task(main).expect("rebuilt");
        assert_eq!((t.state, t.polls, t.wakes), (TaskState::Done, 2, 1));
        assert_eq!(t.busy_ms, 60.0);
        assert_eq!(now.warnings().len(), 1);
        assert_eq!(now.recorded(), rec.recorded());
    }

    #[test]
    fn as_of_replays_resources_from_their_initial_state() {
        let mut rec = Recorder::default();
        let sem = rec.resource_created(
            "sem",
            ResourceDetail::Semaphore {
                permits: 1,
                holders: 0,
                waiters: 0,
                max_holders: 0,
            },
            here(),
            None,
            0.0,
        );
        rec.resource(
            sem,
            None,
            ResourceEvent::Acquired {
                holders: 1,
                waiters: 0,
            },
            1.0,
        );
        let mid = rec.recorded() - 1;
        rec.resource(sem, None, ResourceEvent::Released { holders: 0 }, 2.0);
        let held = rec.as_of(mid).resource_stats(sem).map(|r| r.detail.clone());
        assert!(matches!(
            held,
            Some(ResourceDetail::Semaphore {
                holders: 1,
                max_holders: 1,
                ..
            })
        ));
        let before = rec.as_of(0).resource_stats(sem).map(|r| r.detail.clone());
        assert!(matches!(
            before,
            Some(ResourceDetail::Semaphore {
                holders: 0,
                max_holders: 0,
                ..
            })
        ));
    }
}
