//! The recorder: events in a bounded log, the state they make (tasks, resources, warnings), and
//! a snapshot of the oldest moment the log still holds, so that any kept moment can be replayed.
//!
//! Pure bookkeeping: every method takes the time of what it records, so the state machine, the
//! stats and every warning are tested natively with hand-picked times ([`super::task`] feeds it
//! the real clock).

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;
use std::rc::Rc;

use super::event::{
    next_resource_id, next_task_id, CancelReason, Event, EventKind, Level, ResourceEvent,
    ResourceId, ResourceMeta, Site, TaskId, TaskKind, TaskMeta, Text, WakeSource,
};
use super::log::EventLog;
use super::state::{Follow, State};
use super::stats::{ResourceDetail, ResourceStats, TaskState, TaskStats};
use super::warning::{Warnings, DEFAULT_WARNING_CAP, NEVER_POLLED_MS};

/// Events kept before the oldest are dropped (and counted).
pub const DEFAULT_EVENT_CAP: usize = 100_000;
/// Finished tasks (and closed resources) kept, with their final stats, before the oldest are
/// forgotten (and counted).
pub const DEFAULT_FINISHED_TASK_CAP: usize = 10_000;
/// Distinct task names kept for sharing between tasks of one name.
const NAME_CACHE: usize = 1024;
/// Spawned tasks awaiting the never-polled check, past which the oldest are looked up (and
/// dropped from the queue once polled) even before their second is up.
const UNPOLLED_CHECKED: usize = 1024;

/// Hashes ids (sequential integers) with one multiplication: every event looks its task up,
/// and SipHash was most of the cost of recording one.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// A poll as the task that ran it saw it (see [`Recorder::polled`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollRecord {
    /// When the poll began.
    pub start_ms: f64,
    /// Time spent polling traced futures nested in it.
    pub children_ms: f64,
    /// It returned `Poll::Ready`.
    pub ready: bool,
    /// Times the task woke itself during the poll.
    pub self_wakes: u16,
    /// A nested poll inside it was long.
    pub child_long: bool,
}

impl PollRecord {
    /// A poll from `start_ms` with nothing nested and no self-wake.
    pub fn plain(start_ms: f64, ready: bool) -> Self {
        PollRecord {
            start_ms,
            children_ms: 0.0,
            ready,
            self_wakes: 0,
            child_long: false,
        }
    }
}

/// Caps on what the recorder keeps, so memory stays bounded however long a page runs.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Events kept (see [`DEFAULT_EVENT_CAP`]).
    pub events: usize,
    /// Finished tasks kept; closed resources are kept up to the same number.
    pub finished_tasks: usize,
    /// Warnings kept (see [`DEFAULT_WARNING_CAP`]).
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

/// A recording: its tasks, resources, events and warnings, and what it needs to replay
/// any moment it still holds events of. The page records into one (see
/// [`super::with_recorder`]); tests feed their own.
#[derive(Debug)]
pub struct Recorder {
    limits: Limits,
    /// Stopped: nothing more is recorded, and what was stays as it is.
    stopped: bool,
    state: State,
    /// The state as of the oldest event the log still holds (its tasks and resources alive then):
    /// where a replay starts.
    base: State,
    /// A spawn pushed out of the log and not yet folded into `base`, with its `seq`: held until
    /// the next event leaves, which may end its task quietly (then neither is folded: see
    /// `State::quiet_life`). `base` and it are the oldest kept moment.
    held: Option<(u64, Event)>,
    events: EventLog,
    /// Spawned tasks not yet polled, in spawn order, for the never-polled check.
    unpolled: VecDeque<(TaskId, f64)>,
    /// Past this length the never-polled check looks the oldest up even before its second is
    /// up, to drop those polled since: doubled while the oldest still waits, so that a burst of
    /// spawns looks up one task per doubling rather than one per spawn.
    unpolled_limit: usize,
    names: HashSet<Rc<str>, BuildHasherDefault<IdHasher>>,
    /// What tasks spawned at one place with one name share: one `TaskMeta` for them all.
    metas: IdMap<MetaKey, Rc<TaskMeta>>,
    /// The last one given, checked first (a loop spawning one kind of task hashes nothing).
    last_meta: Option<Rc<TaskMeta>>,
    /// The descriptions of tasks named after where they were spawned, by kind, place and size:
    /// the name is written once per place.
    unnamed: IdMap<(TaskKind, Site, usize), Rc<TaskMeta>>,
}

/// Folds event `seq`, pushing out of the log, into `base`: in its slot (a spawn, held back, is
/// moved out of it; see `Recorder::held`).
fn fold(base: &mut State, held: &mut Option<(u64, Event)>, seq: u64, event: &mut Event) {
    if let Some((held_seq, spawn)) = held.take() {
        if State::quiet_life(&spawn, event) {
            return;
        }
        base.apply(held_seq, &spawn);
    }
    if matches!(event.kind, EventKind::Spawned { .. }) {
        let vacant = Event {
            t_ms: 0.0,
            task: None,
            kind: EventKind::Closed,
        };
        *held = Some((seq, std::mem::replace(event, vacant)));
    } else {
        base.apply(seq, event);
    }
}

/// A task's kind, where it was spawned, its future's size and its name (interned).
type MetaKey = (TaskKind, Site, usize, usize);

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new(Limits::default())
    }
}

impl Recorder {
    /// An empty recording within `limits`, recording if this build records.
    pub fn new(limits: Limits) -> Self {
        Recorder {
            limits,
            // A build without `enabled` never records.
            stopped: !super::ENABLED,
            state: State::new(limits.finished_tasks, limits.warnings, true),
            base: State::snapshot(limits.finished_tasks, limits.warnings),
            held: None,
            events: EventLog::new(limits.events),
            unpolled: VecDeque::new(),
            unpolled_limit: UNPOLLED_CHECKED,
            names: HashSet::default(),
            metas: IdMap::default(),
            last_meta: None,
            unnamed: IdMap::default(),
        }
    }

    /// The caps it keeps within.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Forgets every task, resource, event and warning, keeping the limits. Ids keep counting
    /// up, so events from tasks of before the reset (still alive somewhere) are ignored rather
    /// than misfiled.
    pub fn reset(&mut self) {
        *self = Recorder {
            stopped: self.stopped,
            ..Recorder::new(self.limits)
        };
    }

    /// Stops recording: what was recorded stays, to read and export; nothing more is.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Starts recording again after [`Self::stop`], afresh: tasks alive from before are not in
    /// the new recording (their events are ignored), so none is shown with what it did while
    /// nobody recorded missing. Recording already: nothing changes.
    pub fn start(&mut self) {
        if self.stopped && super::ENABLED {
            self.stopped = false;
            self.reset();
        }
    }

    /// Whether events are being recorded (see [`Self::stop`]).
    pub fn is_recording(&self) -> bool {
        !self.stopped
    }

    /// The live task `id`, if recording.
    fn live_task(&mut self, id: TaskId) -> Option<&mut TaskStats> {
        if self.stopped {
            return None;
        }
        self.state.live_task(id)
    }

    /// Sets new caps, starting a fresh recording.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.reset();
    }

    /// Records an event if it concerns something the recording knows; returns its `seq`.
    fn record(&mut self, task: Option<TaskId>, t_ms: f64, kind: EventKind) -> Option<u64> {
        if self.stopped {
            return None;
        }
        let event = Event { t_ms, task, kind };
        let seq = self.events.next_seq();
        let follow = self.state.apply(seq, &event)?;
        let (base, held) = (&mut self.base, &mut self.held);
        self.events
            .push_with(event, |old_seq, old| fold(base, held, old_seq, old));
        match follow {
            Follow::Nothing => {}
            Follow::LostWaker(id) => {
                self.record(Some(id), t_ms, EventKind::LostWaker);
            }
            Follow::Stalled(id, waited_ms) => {
                self.record(Some(id), t_ms, EventKind::Stalled { waited_ms });
            }
        }
        Some(seq)
    }

    /// The state as of the oldest event the log still holds: `base`, with the spawn it holds
    /// back.
    fn oldest_kept(&self) -> std::borrow::Cow<'_, State> {
        let Some((seq, held)) = &self.held else {
            return std::borrow::Cow::Borrowed(&self.base);
        };
        let mut base = self.base.clone();
        base.apply(*seq, held);
        std::borrow::Cow::Owned(base)
    }

    /// `name`, shared with the other tasks of that name.
    pub fn intern(&mut self, name: &str) -> Rc<str> {
        if let Some(known) = self.names.get(name) {
            return Rc::clone(known);
        }
        if self.names.len() >= NAME_CACHE {
            self.names.clear();
        }
        let name: Rc<str> = Rc::from(name);
        self.names.insert(Rc::clone(&name));
        name
    }

    /// The description of a task named `name` spawned (or instrumented: `kind`) at `location`,
    /// running a future of `size` bytes: shared with every task of the same, so that spawning
    /// in a loop allocates no description per task.
    pub fn task_meta(
        &mut self,
        name: &str,
        location: impl Into<Site>,
        size: usize,
        kind: TaskKind,
    ) -> Rc<TaskMeta> {
        let location = location.into();
        if let Some(last) = &self.last_meta {
            if last.kind == kind
                && last.size == size
                && last.location == location
                && &*last.name == name
            {
                return Rc::clone(last);
            }
        }
        let name = self.intern(name);
        let key = (
            kind,
            location,
            size,
            Rc::as_ptr(&name).cast::<u8>() as usize,
        );
        if let Some(meta) = self.metas.get(&key) {
            self.last_meta = Some(Rc::clone(meta));
            return Rc::clone(meta);
        }
        if self.metas.len() >= NAME_CACHE {
            self.metas.clear();
        }
        let meta = Rc::new(TaskMeta {
            name,
            location,
            size,
            kind,
        });
        self.metas.insert(key, Rc::clone(&meta));
        self.last_meta = Some(Rc::clone(&meta));
        meta
    }

    /// [`Self::task_meta`] for a task with no name of its own: named after `location`
    /// (`src/app.rs:42`).
    pub fn task_meta_at(
        &mut self,
        location: impl Into<Site>,
        size: usize,
        kind: TaskKind,
    ) -> Rc<TaskMeta> {
        let location = location.into();
        let key = (kind, location, size);
        if let Some(meta) = self.unnamed.get(&key) {
            return Rc::clone(meta);
        }
        let name = format!("{}:{}", location.file(), location.line());
        let meta = self.task_meta(&name, location, size, kind);
        if self.unnamed.len() >= NAME_CACHE {
            self.unnamed.clear();
        }
        self.unnamed.insert(key, Rc::clone(&meta));
        meta
    }

    /// Records a new spawned task named `name` and returns its id. It is scheduled: it waits
    /// for its first poll.
    pub fn spawn(
        &mut self,
        name: &str,
        parent: Option<TaskId>,
        location: impl Into<Site>,
        t: f64,
    ) -> TaskId {
        let meta = self.task_meta(name, location, 0, TaskKind::Spawned);
        let id = next_task_id();
        self.spawn_task(id, meta, parent, t);
        id
    }

    /// Records the spawn of task `id`, described by `meta`.
    pub fn spawn_task(&mut self, id: TaskId, meta: Rc<TaskMeta>, parent: Option<TaskId>, t: f64) {
        self.check_stalled(t);
        let spawned = meta.kind == TaskKind::Spawned;
        if self
            .record(Some(id), t, EventKind::Spawned { parent, meta })
            .is_some()
            && spawned
        {
            self.unpolled.push_back((id, t));
        }
    }

    /// The first poll of an instrumented future `id` begins: its row starts here, a child of
    /// the task polling it (`parent`).
    pub fn first_poll(&mut self, id: TaskId, meta: Rc<TaskMeta>, parent: Option<TaskId>, t: f64) {
        self.record(Some(id), t, EventKind::Spawned { parent, meta });
    }

    /// Records a new instrumented future whose first poll begins at `t`, for tests: see
    /// [`Self::first_poll`].
    pub fn instrumented(
        &mut self,
        name: &str,
        parent: Option<TaskId>,
        location: impl Into<Site>,
        t: f64,
    ) -> TaskId {
        let meta = self.task_meta(name, location, 0, TaskKind::Instrumented);
        let id = next_task_id();
        self.first_poll(id, meta, parent, t);
        id
    }

    /// A poll of task `id` from `start` to `end`, with nothing nested in it and no self-wake.
    pub fn poll(&mut self, id: TaskId, start: f64, end: f64, ready: bool) {
        self.polled(id, end, PollRecord::plain(start, ready));
    }

    /// A poll of task `id` ended at `end`, as `poll` says. A lost waker is recorded when it
    /// returned pending with no waker alive and no wake on the way.
    pub fn polled(&mut self, id: TaskId, end: f64, poll: PollRecord) {
        self.record(
            Some(id),
            end,
            EventKind::Polled {
                start_ms: poll.start_ms,
                children_ms: poll.children_ms,
                ready: poll.ready,
                self_wakes: poll.self_wakes,
                child_long: poll.child_long,
            },
        );
    }

    /// The task's waker was woken by `by`, outside any traced poll (a timer, a JS callback).
    pub fn woken(&mut self, id: TaskId, by: WakeSource, t: f64) {
        self.record(Some(id), t, EventKind::Woken { by, from: None });
    }

    /// The task's waker was woken by `by`, during the poll of task `from` (if any): a send, a
    /// release, a task handing over its output. A wake of a task during its own poll is not
    /// this: it is counted in that poll's [`PollRecord::self_wakes`].
    pub fn wake(&mut self, id: TaskId, by: WakeSource, from: Option<TaskId>, t: f64) {
        self.record(Some(id), t, EventKind::Woken { by, from });
    }

    /// A future polled by the task kept a copy of its waker.
    pub fn waker_cloned(&mut self, id: TaskId) {
        if let Some(task) = self.live_task(id) {
            task.waker_clones += 1;
        }
    }

    /// A copy of the task's waker was dropped. The last one going while the task is idle means
    /// nothing can wake it: a lost waker. `now` is read only then: a waker is dropped on most
    /// wakes, and reading the clock costs more than the rest of this.
    pub fn waker_dropped(&mut self, id: TaskId, now: impl FnOnce() -> f64) {
        let Some(task) = self.live_task(id) else {
            return;
        };
        task.waker_drops += 1;
        self.check_lost(id, now);
    }

    /// A copy of the waker of a traced future nested inside task `id` was made: it wakes `id` too.
    pub fn nested_waker_cloned(&mut self, id: TaskId) {
        if let Some(task) = self.live_task(id) {
            task.nested_waker_cloned();
        }
    }

    /// A copy of the waker of a traced future nested inside task `id` was dropped: as
    /// [`Self::waker_dropped`], the last waker going while the task is idle is a lost waker.
    pub fn nested_waker_dropped(&mut self, id: TaskId, now: impl FnOnce() -> f64) {
        let Some(task) = self.live_task(id) else {
            return;
        };
        task.nested_waker_dropped();
        self.check_lost(id, now);
    }

    fn check_lost(&mut self, id: TaskId, now: impl FnOnce() -> f64) {
        let lost = self.state.tasks.get(&id).is_some_and(|t| {
            t.state == TaskState::Idle
                && t.waker_lost()
                && !self
                    .state
                    .warnings
                    .is_active(id, &super::WarningKind::LostWaker)
        });
        if lost {
            self.record(Some(id), now(), EventKind::LostWaker);
        }
    }

    /// `abort()` was called on the task, by task `by` (or from outside any task).
    pub fn abort_requested(&mut self, id: TaskId, by: Option<TaskId>, t: f64) {
        self.record(Some(id), t, EventKind::AbortRequested { by });
    }

    /// The task's future was dropped before it completed, for `reason`.
    pub fn cancelled(&mut self, id: TaskId, t: f64, reason: CancelReason) {
        let unpolled = self.state.tasks.get(&id).is_some_and(|t| t.polls == 0);
        self.record(Some(id), t, EventKind::Cancelled { reason, unpolled });
    }

    /// A never-polled instrumented future was dropped by its owner (`parent`, if a task): its
    /// row is only this.
    pub fn dropped_unpolled(
        &mut self,
        id: TaskId,
        meta: Rc<TaskMeta>,
        parent: Option<TaskId>,
        t: f64,
        reason: CancelReason,
    ) {
        self.record(Some(id), t, EventKind::Spawned { parent, meta });
        self.record(
            Some(id),
            t,
            EventKind::Cancelled {
                reason,
                unpolled: true,
            },
        );
    }

    /// The task completed with an error (recorded after its last poll, which made it done), or
    /// panicked (recorded in its poll).
    pub fn failed(&mut self, id: TaskId, error: impl Into<String>, t: f64) {
        let error: Text = Rc::new(error.into());
        self.record(Some(id), t, EventKind::Failed { error });
    }

    /// A `tracing` event at `level` (its message and fields in `message`), emitted in task or
    /// span `task`, or outside them all.
    pub fn log(&mut self, task: Option<TaskId>, level: Level, message: String, t: f64) {
        let message: Text = Rc::new(message);
        self.record(task, t, EventKind::Log { level, message });
    }

    /// Span `id` closed: its row ends.
    pub fn closed(&mut self, id: TaskId, t: f64) {
        self.record(Some(id), t, EventKind::Closed);
    }

    /// The task's `JoinHandle` was dropped without giving its output to anyone. Recorded while
    /// the task runs (it is detached) or after it failed (nobody saw the error).
    pub fn handle_dropped(&mut self, id: TaskId, now: impl FnOnce() -> f64) {
        if self.stopped {
            return;
        }
        let Some(task) = self.state.tasks.get_mut(&id) else {
            return;
        };
        let worth =
            !task.handle_dropped && (!task.state.is_finished() || task.state == TaskState::Failed);
        if !worth {
            task.handle_dropped = true;
            return;
        }
        self.record(Some(id), now(), EventKind::HandleDropped);
    }

    /// Records a never-polled warning for each spawned task scheduled since spawn for over
    /// [`NEVER_POLLED_MS`]. Walks only the tasks spawned and not yet polled, oldest first.
    pub fn check_stalled(&mut self, now: f64) {
        if self.stopped {
            return;
        }
        while let Some(&(id, spawned)) = self.unpolled.front() {
            // Nothing at the front has waited a second yet: stop without looking anything up
            // (this runs at every spawn), unless the queue grew long with tasks long polled.
            let young = now - spawned <= NEVER_POLLED_MS;
            if young && self.unpolled.len() <= self.unpolled_limit {
                break;
            }
            let waiting = self
                .state
                .tasks
                .get(&id)
                .is_some_and(|t| t.polls == 0 && !t.state.is_finished());
            if !waiting {
                self.unpolled.pop_front();
                continue;
            }
            if young {
                self.unpolled_limit = self.unpolled.len() * 2;
                break;
            }
            self.unpolled.pop_front();
            self.record(
                Some(id),
                now,
                EventKind::Stalled {
                    waited_ms: now - spawned,
                },
            );
        }
        if self.unpolled.len() <= UNPOLLED_CHECKED {
            self.unpolled_limit = UNPOLLED_CHECKED;
        }
    }

    /// A traced sleep of `requested_ms` started in task `id`.
    pub fn sleep_started(&mut self, id: TaskId, requested_ms: f64, t: f64) {
        self.record(Some(id), t, EventKind::SleepStarted { requested_ms });
    }

    /// A traced sleep of task `id`, asked for `requested_ms`, is over: its timer fired
    /// `actual_ms` after it started.
    pub fn sleep_done(&mut self, id: TaskId, requested_ms: f64, actual_ms: f64, t: f64) {
        self.record(
            Some(id),
            t,
            EventKind::SleepDone {
                requested_ms,
                actual_ms,
            },
        );
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
        let id = next_resource_id();
        if self.stopped {
            return id;
        }
        let meta = Rc::new(ResourceMeta {
            name: Rc::from(name),
            location,
            initial: detail,
        });
        self.record(
            by,
            t,
            EventKind::Resource {
                resource: id,
                what: ResourceEvent::Created { meta },
            },
        );
        id
    }

    /// Something happened to resource `id`, caused by task `by` (if any).
    pub fn resource(&mut self, id: ResourceId, by: Option<TaskId>, what: ResourceEvent, t: f64) {
        self.record(by, t, EventKind::Resource { resource: id, what });
    }

    /// The recording as it stood right after event `seq`: the snapshot of the oldest kept
    /// moment, with the kept events up to `seq` replayed over it, numbered as here. Waker
    /// copies are counted, not recorded as events, so a replayed live task's waker counts are
    /// unknown (`wakers_known` is false).
    pub fn as_of(&self, seq: u64) -> Recorder {
        let first = self.events.first_seq();
        let base = self.oldest_kept();
        let mut past = State::replay_from(&base, &self.state, first);
        for event in self.events.iter().take_while(|e| e.seq <= seq) {
            past.apply(event.seq, event.event);
        }
        Recorder {
            limits: self.limits,
            stopped: self.stopped,
            state: past,
            base: base.into_owned(),
            held: None,
            events: self.events.until(seq),
            unpolled: VecDeque::new(),
            unpolled_limit: UNPOLLED_CHECKED,
            names: HashSet::default(),
            metas: IdMap::default(),
            last_meta: None,
            unnamed: IdMap::default(),
        }
    }

    /// Every task this recording holds, by id (spawn order).
    pub fn tasks(&self) -> impl Iterator<Item = &TaskStats> {
        let mut tasks: Vec<&TaskStats> = self.state.tasks.values().collect();
        tasks.sort_unstable_by_key(|t| t.id);
        tasks.into_iter()
    }

    /// How many tasks this recording holds.
    pub fn task_count(&self) -> usize {
        self.state.tasks.len()
    }

    /// Task `id`, if this recording holds it.
    pub fn task(&self, id: TaskId) -> Option<&TaskStats> {
        self.state.tasks.get(&id)
    }

    /// Every resource this recording holds, by id (creation order).
    pub fn resources(&self) -> impl Iterator<Item = &ResourceStats> {
        let mut resources: Vec<&ResourceStats> = self.state.resources.values().collect();
        resources.sort_unstable_by_key(|r| r.id);
        resources.into_iter()
    }

    /// Resource `id`, if this recording holds it.
    pub fn resource_stats(&self, id: ResourceId) -> Option<&ResourceStats> {
        self.state.resources.get(&id)
    }

    /// Finished tasks forgotten to stay within the cap.
    pub fn tasks_dropped(&self) -> u64 {
        self.state.tasks_dropped
    }

    /// Closed resources forgotten to stay within the cap.
    pub fn resources_dropped(&self) -> u64 {
        self.state.resources_dropped
    }

    /// The events kept, oldest first.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The warnings raised (those kept).
    pub fn warnings(&self) -> &Warnings {
        &self.state.warnings
    }

    /// How many events were recorded (including those since dropped): it changes whenever
    /// anything is recorded, so a viewer can skip redrawing when it has not.
    pub fn recorded(&self) -> u64 {
        self.events.next_seq()
    }

    /// How many tasks and resources the snapshot of the oldest kept moment holds.
    pub fn snapshot_size(&self) -> (usize, usize) {
        // A held spawn adds its task to `base`, nothing else (no copy of `base` to count it).
        let held = usize::from(self.held.is_some());
        (self.base.task_count() + held, self.base.resources.len())
    }
}

// Recording on: without `enabled` nothing is recorded, so no task ever waits to be polled.
#[cfg(all(test, feature = "enabled"))]
mod unpolled_tests {
    use super::*;

    #[test]
    fn the_never_polled_queue_forgets_polled_tasks_and_stays_within_twice_the_waiting() {
        let mut rec = Recorder::default();
        let here = Location::caller();
        let ids: Vec<TaskId> = (0..5000)
            .map(|i| rec.spawn("t", None, here, f64::from(i) * 0.001))
            .collect();
        assert_eq!(rec.unpolled.len(), 5000, "all wait for their first poll");
        assert!(rec.unpolled_limit <= 2 * 5000);
        for (i, id) in ids.iter().enumerate() {
            let t = 6.0 + i as f64 * 0.001;
            rec.poll(*id, t, t + 0.0005, true);
        }
        // Polled within their second: a later spawn drops them all, and warns of none.
        let late = rec.spawn("late", None, here, 1100.0);
        assert_eq!(
            rec.unpolled.iter().map(|&(id, _)| id).collect::<Vec<_>>(),
            [late]
        );
        assert_eq!(rec.unpolled_limit, UNPOLLED_CHECKED);
        assert!(rec.warnings().is_empty());
        // Still waiting two seconds on: never polled.
        rec.check_stalled(3100.0);
        assert_eq!(
            rec.warnings().iter().map(|w| w.task).collect::<Vec<_>>(),
            [late]
        );
    }
}
