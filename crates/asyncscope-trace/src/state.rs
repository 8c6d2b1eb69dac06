//! The recording's state machine: tasks and resources, their stats, and the warnings, all
//! derived from the events by [`State::apply`]. The live recording, its snapshot of the oldest
//! kept moment, and every replayed moment run this same code over the same events, so a
//! replayed moment shows what the live page showed then, warnings included.

use std::collections::VecDeque;
use std::rc::Rc;

use super::event::{
    Event, EventKind, ResourceEvent, ResourceId, TaskId, TaskKind, TaskMeta, WakeSource,
};
use super::recorder::IdMap;
use super::stats::{ResourceStats, TaskState, TaskStats};
use super::warning::{
    WarningKind, Warnings, LARGE_FUTURE_BYTES, LONG_POLL_MS, NEVER_POLLED_MS, STORM_MIN_WAKES,
};

/// The tasks' stats, in slots reused as tasks are forgotten (no allocation per task: a spawn
/// and an eviction were an allocation and a free each, most of recording a short task).
///
/// A task's slot is found by its id in a window indexed by id (ids only grow, so the tasks
/// alive are mostly a run of recent ids): an array index rather than a hash lookup at each of a
/// task's events. Tasks that outlive the window (a `main` alive while thousands of short tasks
/// come and go) move to a map, so the window never holds more than [`WINDOW_MIN`] entries or
/// twice the tasks alive, however long the page runs.
#[derive(Debug, Clone)]
pub(crate) struct TaskTable<T = TaskStats> {
    /// Slot numbers of the ids `base..`, [`NO_SLOT`] where there is no task.
    window: VecDeque<u32>,
    base: u64,
    /// Slot numbers of tasks outside the window.
    others: IdMap<TaskId, u32>,
    live: usize,
    stats: Slots<T>,
    free: Vec<u32>,
}

impl<T> Default for TaskTable<T> {
    fn default() -> Self {
        TaskTable {
            window: VecDeque::new(),
            base: 0,
            others: IdMap::default(),
            live: 0,
            stats: Slots::default(),
            free: Vec::new(),
        }
    }
}

/// Task stats in chunks of [`SLOT_CHUNK`] that never move once made: a burst of 100,000 live
/// tasks grows the table a chunk at a time, where one `Vec` copied all it held at each doubling
/// (a fifth of a spawn's instructions in `./dev bench`'s spawn_throughput).
#[derive(Debug, Clone)]
struct Slots<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

const SLOT_CHUNK: usize = 1024;

impl<T> Slots<T> {
    fn get(&self, i: u32) -> &T {
        let i = i as usize;
        &self.chunks[i / SLOT_CHUNK][i % SLOT_CHUNK]
    }

    fn get_mut(&mut self, i: u32) -> &mut T {
        let i = i as usize;
        &mut self.chunks[i / SLOT_CHUNK][i % SLOT_CHUNK]
    }

    /// Adds the stats `make` makes in a new slot (built in place: inlined, with no copy of
    /// them on the way); gives its number.
    #[inline(always)]
    fn push(&mut self, make: impl FnOnce() -> T) -> u32 {
        if self.len.is_multiple_of(SLOT_CHUNK) {
            self.chunks.push(Vec::with_capacity(SLOT_CHUNK));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(make());
        }
        self.len += 1;
        (self.len - 1) as u32
    }

    fn len(&self) -> usize {
        self.len
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.chunks.iter_mut().flatten()
    }
}

const NO_SLOT: u32 = u32::MAX;
/// The window may always hold this many ids.
const WINDOW_MIN: usize = 4096;
/// An id this far past the window's end goes to the map, not into a window stretched to it.
const GAP_MAX: u64 = 4096;

impl<T> TaskTable<T> {
    /// Where id `n` is in the window, if it is in its range.
    fn window_index(&self, n: u64) -> Option<usize> {
        let at = usize::try_from(n.checked_sub(self.base)?).ok()?;
        (at < self.window.len()).then_some(at)
    }

    fn slot(&self, id: &TaskId) -> Option<u32> {
        let at = id.get().wrapping_sub(self.base);
        if let Some(&i) = usize::try_from(at).ok().and_then(|at| self.window.get(at)) {
            if i != NO_SLOT {
                return Some(i);
            }
        }
        if self.others.is_empty() {
            return None;
        }
        self.others.get(id).copied()
    }

    pub fn get(&self, id: &TaskId) -> Option<&T> {
        self.slot(id).map(|i| self.stats.get(i))
    }

    pub fn get_mut(&mut self, id: &TaskId) -> Option<&mut T> {
        self.slot(id).map(|i| self.stats.get_mut(i))
    }

    /// Adds task `id`, made by `make`, unless it is known already (then false, and nothing is
    /// made): the stats are built in their slot's place.
    pub fn insert_new(&mut self, id: TaskId, make: impl FnOnce() -> T) -> bool {
        if self.slot(&id).is_some() {
            return false;
        }
        self.add(id, make);
        true
    }

    /// Adds `id`, known to be absent.
    fn add(&mut self, id: TaskId, make: impl FnOnce() -> T) {
        let i = match self.free.pop() {
            Some(i) => {
                *self.stats.get_mut(i) = make();
                i
            }
            None => self.stats.push(make),
        };
        self.live += 1;
        let n = id.get();
        if self.window.is_empty() {
            self.base = n;
        }
        let end = self.base + self.window.len() as u64;
        if let Some(at) = self.window_index(n) {
            self.window[at] = i;
        } else if n >= end && n - end <= GAP_MAX {
            for _ in end..n {
                self.window.push_back(NO_SLOT);
            }
            self.window.push_back(i);
        } else {
            self.others.insert(id, i);
        }
        // Tasks that outlived the window move to the map.
        while self.window.len() > WINDOW_MIN && self.window.len() > 2 * self.live {
            if let Some(i) = self.window.pop_front().filter(|&i| i != NO_SLOT) {
                if let Some(old) = TaskId::new(self.base) {
                    self.others.insert(old, i);
                }
            }
            self.base += 1;
        }
    }

    pub fn remove(&mut self, id: &TaskId) {
        let at = id.get().wrapping_sub(self.base);
        let in_window = usize::try_from(at)
            .ok()
            .and_then(|at| self.window.get_mut(at))
            .filter(|i| **i != NO_SLOT)
            .map(|i| std::mem::replace(i, NO_SLOT));
        let Some(i) = in_window.or_else(|| self.others.remove(id)) else {
            return;
        };
        // The stats stay in the slot until it is reused: dropping them now would free what
        // they point to one by one.
        self.free.push(i);
        self.live -= 1;
        while self.window.front() == Some(&NO_SLOT) {
            self.window.pop_front();
            self.base += 1;
        }
    }

    fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.window
            .iter()
            .copied()
            .filter(|&i| i != NO_SLOT)
            .chain(self.others.values().copied())
    }

    /// The tasks, those in the window in the order of their ids first.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.slots().map(|i| self.stats.get(i))
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        let mut live = vec![false; self.stats.len()];
        for i in self.slots() {
            live[i as usize] = true;
        }
        self.stats
            .iter_mut()
            .zip(live)
            .filter(|(_, live)| *live)
            .map(|(t, _)| t)
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

/// `f64::max` (NaN gives the other), inlined: in wasm `f64::max` is a call to `fmax` (the
/// instruction `f64.max` gives NaN for NaN), 2% of an instrumented poll in a profile.
#[inline(always)]
pub(crate) fn max(a: f64, b: f64) -> f64 {
    if a > b || b.is_nan() {
        a
    } else {
        b
    }
}

/// A poll as its event tells it.
struct PollRecord {
    start: f64,
    end: f64,
    children: f64,
    ready: bool,
    self_wakes: u64,
    child_long: bool,
}

/// A task the snapshot of the oldest kept moment knows only by its spawn: its stats are made
/// when another of its events leaves the log, or when the snapshot is read. Most short tasks
/// leave the snapshot before either (a burst of 100,000 spawns evicts 100,000 of these, a
/// sixth the bytes of their stats: a tenth of a traced spawn's time in wasm).
#[derive(Debug, Clone)]
struct Spawn {
    id: TaskId,
    parent: Option<TaskId>,
    meta: Rc<TaskMeta>,
    t: f64,
}

/// The stats of task `id`, spawned (or, instrumented, first polled) by `parent` at `t`.
fn new_task(id: TaskId, parent: Option<TaskId>, meta: &Rc<TaskMeta>, t: f64) -> TaskStats {
    let mut task = TaskStats::new(id, Rc::clone(meta), parent, t);
    // An instrumented future first polled by a task is polled inside that task's polls.
    task.nested = meta.kind != TaskKind::Spawned && parent.is_some();
    task
}

/// What applying an event asks the recorder to record next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Follow {
    Nothing,
    /// The task went idle with no waker alive: record a lost waker.
    LostWaker(TaskId),
    /// The spawned task's first poll came this long after its spawn: record it stalled.
    Stalled(TaskId, f64),
}

#[derive(Debug, Clone)]
pub(crate) struct State {
    pub tasks: TaskTable,
    /// A snapshot's tasks known only by their spawn (see [`Spawn`]).
    spawns: TaskTable<Spawn>,
    /// Finished tasks, oldest first, for evicting past the cap.
    finished: VecDeque<TaskId>,
    pub tasks_dropped: u64,
    pub resources: IdMap<ResourceId, ResourceStats>,
    closed: VecDeque<ResourceId>,
    pub resources_dropped: u64,
    pub warnings: Warnings,
    finished_cap: usize,
    /// The live recording: counts wakers and asks for lost-waker events. A snapshot or a
    /// replay only follows the events.
    live: bool,
    /// A snapshot of the oldest kept moment keeps only what is alive: finished tasks and closed
    /// resources are in the live tables.
    keep_finished: bool,
}

impl State {
    pub fn new(finished_cap: usize, warning_cap: usize, live: bool) -> Self {
        State {
            tasks: TaskTable::default(),
            spawns: TaskTable::default(),
            finished: VecDeque::new(),
            tasks_dropped: 0,
            resources: IdMap::default(),
            closed: VecDeque::new(),
            resources_dropped: 0,
            warnings: Warnings::new(warning_cap),
            finished_cap: finished_cap.max(1),
            live,
            keep_finished: true,
        }
    }

    /// The snapshot kept of the oldest moment still in the ring.
    pub fn snapshot(finished_cap: usize, warning_cap: usize) -> Self {
        State {
            keep_finished: false,
            ..State::new(finished_cap, warning_cap, false)
        }
    }

    /// A replay's starting point: the snapshot of the oldest kept moment (`base`, as of event
    /// `first_seq`), plus what the live tables keep of tasks and resources that had finished
    /// before it.
    pub fn replay_from(base: &State, live: &State, first_seq: u64) -> State {
        let mut past = base.clone();
        past.keep_finished = true;
        for spawn in std::mem::take(&mut past.spawns).values() {
            past.tasks.insert_new(spawn.id, || {
                new_task(spawn.id, spawn.parent, &spawn.meta, spawn.t)
            });
        }
        for task in live.tasks.values() {
            if task.ended_seq.is_some_and(|s| s < first_seq) {
                past.tasks.insert_new(task.id, || task.clone());
            }
        }
        let mut finished: Vec<(u64, TaskId)> = past
            .tasks
            .values()
            .filter_map(|t| t.ended_seq.map(|s| (s, t.id)))
            .collect();
        finished.sort_unstable();
        past.finished = finished.into_iter().map(|(_, id)| id).collect();
        for r in live.resources.values() {
            if r.closed_seq.is_some_and(|s| s < first_seq) && !past.resources.contains_key(&r.id) {
                past.resources.insert(r.id, r.clone());
            }
        }
        let mut closed: Vec<(u64, ResourceId)> = past
            .resources
            .values()
            .filter_map(|r| r.closed_seq.map(|s| (s, r.id)))
            .collect();
        closed.sort_unstable();
        past.closed = closed.into_iter().map(|(_, id)| id).collect();
        for task in past.tasks.values_mut() {
            if !task.state.is_finished() {
                task.wakers_known = false;
            }
        }
        past
    }

    /// The live (not finished) task `id`.
    pub fn live_task(&mut self, id: TaskId) -> Option<&mut TaskStats> {
        self.tasks.get_mut(&id).filter(|s| !s.state.is_finished())
    }

    /// Applies event number `seq`, if it concerns something this state knows (a live task, an
    /// open resource): `None` if it does not, and then nothing changed and the event is not to
    /// be recorded. One lookup of the task per event: this runs for every event recorded, and
    /// again for every event leaving the log.
    pub fn apply(&mut self, seq: u64, event: &Event) -> Option<Follow> {
        // The two events every task has (most of those recorded) first, each in a function of
        // its own; the general path for the rest.
        let t = event.t_ms;
        match &event.kind {
            EventKind::Spawned { parent, meta } => self.spawned(seq, event.task?, *parent, meta, t),
            EventKind::Polled {
                start_ms,
                children_ms,
                ready,
                self_wakes,
                child_long,
            } => {
                let poll = PollRecord {
                    start: *start_ms,
                    end: t,
                    children: *children_ms,
                    ready: *ready,
                    self_wakes: u64::from(*self_wakes),
                    child_long: *child_long,
                };
                self.poll_ended(seq, event.task?, &poll)
            }
            _ => self.apply_other(seq, event),
        }
    }

    /// Whether `end`, right after `spawn` in the log, ends its task's whole life quietly: a
    /// spawn that raises no warning, then a last poll that is not long and woke nothing.
    /// Applied to a snapshot of the oldest kept moment, the two would add the task and take it
    /// away again, changing nothing else: the recorder folds neither (an instrumented future
    /// polled once to completion, a task run at once: about a third of recording them once the
    /// log is full).
    pub fn quiet_life(spawn: &Event, end: &Event) -> bool {
        let EventKind::Spawned { meta, .. } = &spawn.kind else {
            return false;
        };
        matches!(
            end.kind,
            EventKind::Polled {
                start_ms,
                ready: true,
                self_wakes: 0,
                ..
            } if end.t_ms - start_ms <= LONG_POLL_MS
        ) && spawn.task.is_some()
            && end.task == spawn.task
            && meta.size < LARGE_FUTURE_BYTES
    }

    /// Task `id` was spawned (or an instrumented future first polled) by `parent` at `t`.
    fn spawned(
        &mut self,
        seq: u64,
        id: TaskId,
        parent: Option<TaskId>,
        meta: &Rc<TaskMeta>,
        t: f64,
    ) -> Option<Follow> {
        let added = if self.keep_finished {
            self.tasks.insert_new(id, || new_task(id, parent, meta, t))
        } else {
            // A snapshot keeps the spawn alone until more is needed (see `Spawn`).
            self.tasks.get(&id).is_none()
                && self.spawns.insert_new(id, || Spawn {
                    id,
                    parent,
                    meta: Rc::clone(meta),
                    t,
                })
        };
        if !added {
            return None;
        }
        if meta.size >= LARGE_FUTURE_BYTES {
            let kind = WarningKind::LargeFuture { bytes: meta.size };
            self.warnings.raise(id, &meta.name, kind, seq, t, |_, _| {});
        }
        Some(Follow::Nothing)
    }

    /// Makes task `id`'s stats from its spawn if a snapshot knew only that (its next event
    /// needs them).
    fn make_from_spawn(&mut self, id: TaskId) {
        if self.spawns.is_empty() || self.tasks.get(&id).is_some() {
            return;
        }
        let Some(spawn) = self.spawns.get(&id).cloned() else {
            return;
        };
        self.spawns.remove(&id);
        self.tasks
            .insert_new(id, || new_task(id, spawn.parent, &spawn.meta, spawn.t));
    }

    /// How many tasks it holds.
    pub fn task_count(&self) -> usize {
        self.tasks.len() + self.spawns.len()
    }

    /// A poll of task `id` ended.
    fn poll_ended(&mut self, seq: u64, id: TaskId, poll: &PollRecord) -> Option<Follow> {
        if poll.ready && !self.keep_finished && poll.self_wakes == 0 {
            let long = poll.end - poll.start > LONG_POLL_MS && !poll.child_long;
            if !long {
                // A snapshot forgets a task as it ends, and a last poll that is not long and
                // woke nothing raises no warning: nothing it keeps changes but the task's
                // leaving (its stats are never read again, or never made).
                if self.tasks.get(&id).is_some_and(|t| !t.state.is_finished()) {
                    self.tasks.remove(&id);
                    return Some(Follow::Nothing);
                }
                if self.spawns.get(&id).is_some() {
                    self.spawns.remove(&id);
                    return Some(Follow::Nothing);
                }
                return None;
            }
        }
        self.make_from_spawn(id);
        let task = self.tasks.get_mut(&id)?;
        if task.state.is_finished() {
            return None;
        }
        let follow = Self::polled(&mut self.warnings, self.live, task, seq, poll);
        if poll.ready {
            task.ended_seq = Some(seq);
            self.finish(id);
        }
        Some(follow)
    }

    /// Every event but a spawn and a poll (see [`Self::apply`]).
    fn apply_other(&mut self, seq: u64, event: &Event) -> Option<Follow> {
        let t = event.t_ms;
        if let EventKind::Resource { resource, what } = &event.kind {
            return self
                .resource(seq, *resource, what, t)
                .then_some(Follow::Nothing);
        }
        let Some(id) = event.task else {
            // A `tracing` event outside every traced task and span: on no row.
            return matches!(event.kind, EventKind::Log { .. }).then_some(Follow::Nothing);
        };
        self.make_from_spawn(id);
        let task = self.tasks.get_mut(&id)?;
        let finished = task.state.is_finished();
        match &event.kind {
            EventKind::Woken { by, .. } => {
                if finished {
                    return None;
                }
                Self::woken(&mut self.warnings, task, seq, *by, t);
                Some(Follow::Nothing)
            }
            EventKind::AbortRequested { by } => {
                if finished {
                    return None;
                }
                task.set_abort_requested(*by);
                // It is dropped at its next turn: scheduled from now.
                if task.state == TaskState::Idle {
                    task.state = TaskState::Scheduled;
                    task.last_wake = t;
                }
                Some(Follow::Nothing)
            }
            EventKind::SleepStarted { .. } | EventKind::SleepDone { .. } => {
                (!finished).then_some(Follow::Nothing)
            }
            EventKind::Cancelled { reason, .. } => {
                if finished {
                    return None;
                }
                task.set_cancel_reason(*reason);
                task.state = TaskState::Cancelled;
                task.ended_ms = Some(t);
                task.ended_seq = Some(seq);
                self.finish(id);
                Some(Follow::Nothing)
            }
            EventKind::Failed { error } => {
                if matches!(task.state, TaskState::Failed | TaskState::Cancelled) {
                    return None;
                }
                task.state = TaskState::Failed;
                task.ended_ms.get_or_insert(t);
                task.set_error(Rc::clone(error));
                let warn = task.handle_dropped;
                let name = Rc::clone(&task.meta.name);
                if !finished {
                    task.ended_seq = Some(seq);
                    self.finish(id);
                }
                if warn {
                    let kind = WarningKind::ErrorDropped {
                        error: Rc::clone(error),
                    };
                    self.warnings.raise(id, &name, kind, seq, t, |_, _| {});
                }
                Some(Follow::Nothing)
            }
            EventKind::HandleDropped => {
                if task.handle_dropped || task.state == TaskState::Cancelled {
                    return None;
                }
                task.handle_dropped = true;
                if let (TaskState::Failed, Some(error)) = (task.state, task.error()) {
                    let kind = WarningKind::ErrorDropped {
                        error: Rc::clone(error),
                    };
                    self.warnings
                        .raise(id, &task.meta.name, kind, seq, t, |_, _| {});
                }
                Some(Follow::Nothing)
            }
            EventKind::LostWaker => {
                self.warnings.raise(
                    id,
                    &task.meta.name,
                    WarningKind::LostWaker,
                    seq,
                    t,
                    |_, _| {},
                );
                Some(Follow::Nothing)
            }
            EventKind::Stalled { waited_ms } => {
                task.stalled = true;
                let kind = WarningKind::NeverPolled {
                    waited_ms: *waited_ms,
                };
                self.warnings
                    .raise(id, &task.meta.name, kind, seq, t, |_, _| {});
                Some(Follow::Nothing)
            }
            EventKind::Closed => {
                if finished {
                    return None;
                }
                task.state = TaskState::Done;
                task.ended_ms = Some(t);
                task.ended_seq = Some(seq);
                self.finish(id);
                Some(Follow::Nothing)
            }
            EventKind::Spawned { .. }
            | EventKind::Polled { .. }
            | EventKind::Resource { .. }
            | EventKind::Log { .. } => Some(Follow::Nothing),
        }
    }

    /// A poll of `task` ended: its scheduled time before it, its own time, its self-wakes, the
    /// long-poll and self-wake-storm warnings, and (live) whether its waker is lost.
    fn polled(
        warnings: &mut Warnings,
        live: bool,
        task: &mut TaskStats,
        seq: u64,
        poll: &PollRecord,
    ) -> Follow {
        let id = task.id;
        let t = poll.end;
        if let Some(since) = task.scheduled_since() {
            task.scheduled_ms += max(poll.start - since, 0.0);
        }
        let first = task.polls == 0;
        let whole = max(t - poll.start, 0.0);
        let own = max(whole - poll.children, 0.0);
        let long = whole > LONG_POLL_MS && !poll.child_long;
        task.polls += 1;
        task.busy_ms += own;
        task.add_children_ms(poll.children);
        task.max_poll_ms = max(task.max_poll_ms, own);
        task.last_poll_end = t;
        task.last_wake = f64::NAN;
        if poll.self_wakes > 0 {
            // Woken during the poll: scheduled from its end.
            task.wakes += poll.self_wakes;
            task.self_wakes += poll.self_wakes;
            task.last_wake = t;
        }
        task.state = if poll.ready {
            task.ended_ms = Some(t);
            TaskState::Done
        } else if !task.last_wake.is_nan() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        if long {
            task.count_long_poll();
            warnings.raise(
                id,
                &task.meta.name,
                WarningKind::LongPoll { worst_ms: whole },
                seq,
                t,
                |old, new| {
                    if let (
                        WarningKind::LongPoll { worst_ms: a },
                        WarningKind::LongPoll { worst_ms: b },
                    ) = (old, new)
                    {
                        *a = a.max(b);
                    }
                },
            );
        }
        if poll.self_wakes > 0 {
            Self::storm(warnings, task, seq, t);
        }
        let waited = poll.start - task.spawned_ms;
        if first && !task.stalled && task.meta.kind == TaskKind::Spawned && waited > NEVER_POLLED_MS
        {
            return Follow::Stalled(id, waited);
        }
        let lost = live && task.state == TaskState::Idle && task.waker_lost();
        if lost {
            Follow::LostWaker(id)
        } else {
            Follow::Nothing
        }
    }

    /// `task` was woken (outside its own polls): counts, the scheduled stretch, the storm.
    fn woken(warnings: &mut Warnings, task: &mut TaskStats, seq: u64, by: WakeSource, t: f64) {
        task.wakes += 1;
        if by == WakeSource::OwnPoll {
            task.self_wakes += 1;
        }
        match task.state {
            TaskState::Idle => {
                task.state = TaskState::Scheduled;
                task.last_wake = t;
            }
            TaskState::Scheduled => task.last_wake = t,
            _ => {}
        }
        Self::storm(warnings, task, seq, t);
    }

    /// The self-wake storm: raised when more than half of at least [`STORM_MIN_WAKES`] wakes
    /// were by the task itself, updated while it holds, cleared when it no longer does.
    fn storm(warnings: &mut Warnings, task: &mut TaskStats, seq: u64, t: f64) {
        let (self_wakes, wakes) = (task.self_wakes, task.wakes);
        let storm = wakes >= STORM_MIN_WAKES && self_wakes * 2 > wakes;
        let id = task.id;
        let kind = WarningKind::SelfWakeStorm { self_wakes, wakes };
        match task.storming() {
            None if storm => {
                let serial =
                    warnings.raise(id, &task.meta.name, kind, seq, t, |old, new| *old = new);
                task.set_storming(Some(serial));
            }
            None => {}
            Some(serial) => {
                // Updated on every wake while it holds (a task spinning wakes itself a lot):
                // found by its number, not looked up.
                if let Some(w) = warnings.by_serial(serial, id, &kind) {
                    w.kind = kind;
                    w.last_event = seq;
                    w.last_t_ms = t;
                    if !storm {
                        w.active = false;
                    }
                }
                if !storm {
                    task.set_storming(None);
                }
            }
        }
    }

    /// Task `id` ended (its `ended_seq` set by the caller, which holds it): a snapshot forgets
    /// it, the others keep it among the finished, within their cap.
    fn finish(&mut self, id: TaskId) {
        if !self.keep_finished {
            self.tasks.remove(&id);
            return;
        }
        self.finished.push_back(id);
        while self.finished.len() > self.finished_cap {
            if let Some(old) = self.finished.pop_front() {
                self.tasks.remove(&old);
                self.tasks_dropped += 1;
            }
        }
    }

    /// Applies a resource event; false if the resource is unknown or closed.
    fn resource(&mut self, seq: u64, id: ResourceId, what: &ResourceEvent, t: f64) -> bool {
        if let ResourceEvent::Created { meta } = what {
            if self.resources.contains_key(&id) {
                return false;
            }
            self.resources.insert(
                id,
                ResourceStats {
                    id,
                    meta: Rc::clone(meta),
                    created_ms: t,
                    closed_ms: None,
                    closed_seq: None,
                    detail: meta.initial.clone(),
                },
            );
            return true;
        }
        let Some(resource) = self.resources.get_mut(&id) else {
            return false;
        };
        if resource.closed_ms.is_some() {
            // A closed channel's receivers still drain what it holds.
            if let ResourceEvent::Received { .. } = what {
                resource.detail.apply(what);
                return true;
            }
            return false;
        }
        resource.detail.apply(what);
        if !what.closes() {
            return true;
        }
        resource.closed_ms = Some(t);
        resource.closed_seq = Some(seq);
        if !self.keep_finished {
            self.resources.remove(&id);
            return true;
        }
        self.closed.push_back(id);
        while self.closed.len() > self.finished_cap {
            if let Some(old) = self.closed.pop_front() {
                self.resources.remove(&old);
                self.resources_dropped += 1;
            }
        }
        true
    }
}

#[cfg(test)]
mod table_tests {
    use std::panic::Location;

    use super::*;
    use crate::Recorder;

    fn stats(n: u64) -> TaskStats {
        let meta = Recorder::default().task_meta("t", Location::caller(), 0, TaskKind::Spawned);
        TaskStats::new(id(n), meta, None, n as f64)
    }

    fn id(n: u64) -> TaskId {
        TaskId::new(n).expect("ids start at 1")
    }

    #[test]
    fn tasks_are_found_by_id_until_removed_and_an_id_is_added_once() {
        let mut table = TaskTable::default();
        for n in 1..=10 {
            assert!(table.insert_new(id(n), || stats(n)));
        }
        assert!(!table.insert_new(id(3), || unreachable!("a known id makes nothing")));
        table.remove(&id(1));
        table.remove(&id(4));
        table.remove(&id(4)); // twice: nothing
        assert_eq!(table.len(), 8);
        for n in 1..=10 {
            let found = table.get(&id(n)).map(|t| t.spawned_ms);
            let expected = (n != 1 && n != 4).then_some(n as f64);
            assert_eq!(found, expected, "task {n}");
        }
        assert!(table.get(&id(11)).is_none());
        let ids: Vec<u64> = table.values().map(|t| t.id.get()).collect();
        assert_eq!(ids, [2, 3, 5, 6, 7, 8, 9, 10]);
    }

    #[test]
    fn a_long_lived_task_among_300_000_short_ones_keeps_the_window_small() {
        let mut table = TaskTable::default();
        assert!(table.insert_new(id(1), || stats(1))); // main
        for n in 2..300_000 {
            assert!(table.insert_new(id(n), || stats(n)));
            table.remove(&id(n));
        }
        assert_eq!(table.len(), 1);
        assert!(
            table.window.len() <= WINDOW_MIN + 1,
            "{}",
            table.window.len()
        );
        assert!(
            table.stats.len() <= 2,
            "slots are reused: {}",
            table.stats.len()
        );
        assert_eq!(table.get(&id(1)).map(|t| t.id), Some(id(1)));
        table.get_mut(&id(1)).expect("main").polls = 7;
        assert_eq!(table.values_mut().map(|t| t.polls).collect::<Vec<_>>(), [7]);
        table.remove(&id(1));
        assert_eq!(table.len(), 0);
        assert!(table.values().next().is_none());
    }

    #[test]
    fn many_tasks_alive_at_once_stay_in_the_window_and_far_ids_in_the_map() {
        let mut table = TaskTable::default();
        for n in 1..=100_000 {
            assert!(table.insert_new(id(n), || stats(n)));
        }
        assert!(table.others.is_empty(), "100,000 live tasks fit the window");
        // Ids far apart (a test's, or ids from before a reset) go to the map.
        assert!(table.insert_new(id(10_000_000), || stats(10_000_000)));
        assert!(table.insert_new(id(u64::MAX), || stats(7)));
        assert_eq!(table.others.len(), 2);
        assert_eq!(table.len(), 100_002);
        assert_eq!(table.get(&id(u64::MAX)).map(|t| t.spawned_ms), Some(7.0));
        assert!(table.get(&id(200_000)).is_none());
        for n in 1..=100_000 {
            table.remove(&id(n));
        }
        assert_eq!(table.len(), 2);
        assert!(table.window.is_empty());
        // The window starts again at the next id added.
        assert!(table.insert_new(id(10_000_001), || stats(10_000_001)));
        assert_eq!(
            table.get(&id(10_000_000)).map(|t| t.id),
            Some(id(10_000_000))
        );
        assert_eq!(
            table.get(&id(10_000_001)).map(|t| t.id),
            Some(id(10_000_001))
        );
        assert_eq!(table.values().count(), 3);
    }
}
