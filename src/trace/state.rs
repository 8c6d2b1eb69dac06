//! The recording's state machine: tasks and resources, their stats, and the warnings, all
//! derived from the events by [`State::apply`]. The live recording, its snapshot of the oldest
//! kept moment, and every replayed moment run this same code over the same events, so a
//! replayed moment shows what the live page showed then, warnings included.

use std::collections::VecDeque;

use super::event::{
    CancelReason, Event, EventKind, ResourceEvent, ResourceId, TaskId, TaskKind, WakeSource,
};
use super::recorder::IdMap;
use super::stats::{ResourceStats, TaskState, TaskStats};
use super::warning::{
    WarningKind, Warnings, LARGE_FUTURE_BYTES, LONG_POLL_MS, NEVER_POLLED_MS, STORM_MIN_WAKES,
};

/// A poll under way: polls nest when a task polls a traced future of its own (`instrument`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub task: TaskId,
    pub start: f64,
    /// Time spent in traced polls nested inside this one.
    pub children: f64,
    /// A nested poll was long: this one is long because of it, and is not warned about.
    pub child_long: bool,
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
    pub tasks: IdMap<TaskId, TaskStats>,
    /// Finished tasks, oldest first, for evicting past the cap.
    finished: VecDeque<TaskId>,
    pub tasks_dropped: u64,
    pub resources: IdMap<ResourceId, ResourceStats>,
    closed: VecDeque<ResourceId>,
    pub resources_dropped: u64,
    pub warnings: Warnings,
    /// The polls under way, innermost last.
    pub frames: Vec<Frame>,
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
            tasks: IdMap::default(),
            finished: VecDeque::new(),
            tasks_dropped: 0,
            resources: IdMap::default(),
            closed: VecDeque::new(),
            resources_dropped: 0,
            warnings: Warnings::new(warning_cap),
            frames: Vec::new(),
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
        for task in live.tasks.values() {
            if task.ended_seq.is_some_and(|s| s < first_seq) && !past.tasks.contains_key(&task.id) {
                past.tasks.insert(task.id, task.clone());
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

    /// The task being polled right now (the innermost).
    pub fn current(&self) -> Option<TaskId> {
        self.frames.last().map(|f| f.task)
    }

    pub fn is_polling(&self, id: TaskId) -> bool {
        self.frames.iter().any(|f| f.task == id)
    }

    /// Whether `event` concerns something this state knows (a live task, an open resource):
    /// events that do not are not recorded.
    pub fn accepts(&self, event: &Event) -> bool {
        match (&event.kind, event.task) {
            (EventKind::Spawned { .. }, Some(id)) => !self.tasks.contains_key(&id),
            (EventKind::Resource { resource, what }, _) => match what {
                ResourceEvent::Created { .. } => !self.resources.contains_key(resource),
                // A closed channel's receivers still drain what it holds.
                ResourceEvent::Received { .. } => self.resources.contains_key(resource),
                _ => self
                    .resources
                    .get(resource)
                    .is_some_and(|r| r.closed_ms.is_none()),
            },
            // A failure is recorded after the poll that finished the task; a handle can be
            // dropped after its task finished.
            (EventKind::Failed { .. }, Some(id)) => self
                .tasks
                .get(&id)
                .is_some_and(|t| t.state != TaskState::Failed && t.state != TaskState::Cancelled),
            (EventKind::HandleDropped, Some(id)) => self
                .tasks
                .get(&id)
                .is_some_and(|t| !t.handle_dropped && t.state != TaskState::Cancelled),
            (EventKind::LostWaker | EventKind::Stalled { .. }, Some(id)) => {
                self.tasks.contains_key(&id)
            }
            (_, Some(id)) => self.tasks.get(&id).is_some_and(|t| !t.state.is_finished()),
            (_, None) => false,
        }
    }

    /// Applies event number `seq`. The caller checked [`State::accepts`] (for the live
    /// recording) or took the event from the recording (for a snapshot or a replay).
    pub fn apply(&mut self, seq: u64, event: &Event) -> Follow {
        let t = event.t_ms;
        let Some(id) = event.task else {
            if let EventKind::Resource { resource, what } = &event.kind {
                self.resource(seq, *resource, what, t);
            }
            return Follow::Nothing;
        };
        match &event.kind {
            EventKind::Spawned { parent, meta } => {
                let task = TaskStats::new(id, std::rc::Rc::clone(meta), *parent, t);
                let name = std::rc::Rc::clone(&meta.name);
                let size = meta.size;
                self.tasks.insert(id, task);
                if size >= LARGE_FUTURE_BYTES {
                    self.warnings.raise(
                        id,
                        &name,
                        WarningKind::LargeFuture { bytes: size },
                        seq,
                        t,
                        |_, _| {},
                    );
                }
                Follow::Nothing
            }
            EventKind::PollStart => {
                let nested = !self.frames.is_empty();
                let mut follow = Follow::Nothing;
                if let Some(task) = self.live_task(id) {
                    let waited = t - task.spawned_ms;
                    if task.polls == 0
                        && !task.stalled
                        && task.meta.kind == TaskKind::Spawned
                        && waited > NEVER_POLLED_MS
                    {
                        follow = Follow::Stalled(id, waited);
                    }
                    if let Some(since) = task.scheduled_since() {
                        task.scheduled_ms += (t - since).max(0.0);
                    }
                    task.last_wake = None;
                    task.state = TaskState::Running;
                    task.poll_start = t;
                    task.nested |= nested;
                }
                self.frames.push(Frame {
                    task: id,
                    start: t,
                    children: 0.0,
                    child_long: false,
                });
                follow
            }
            EventKind::PollEnd { ready } => self.poll_end(seq, id, t, *ready),
            EventKind::Woken { by, .. } => {
                self.woken(seq, id, *by, t);
                Follow::Nothing
            }
            EventKind::AbortRequested { by } => {
                if let Some(task) = self.live_task(id) {
                    task.abort_requested = Some(*by);
                    // It is dropped at its next turn: scheduled from now.
                    if task.state == TaskState::Idle {
                        task.state = TaskState::Scheduled;
                        task.last_wake = Some(t);
                    }
                }
                Follow::Nothing
            }
            EventKind::SleepStarted { .. } | EventKind::SleepDone { .. } => Follow::Nothing,
            EventKind::Cancelled { reason, .. } => {
                self.cancelled(seq, id, *reason, t);
                Follow::Nothing
            }
            EventKind::Failed { error } => {
                if let Some(task) = self.tasks.get_mut(&id) {
                    let was_finished = task.state.is_finished();
                    task.state = TaskState::Failed;
                    task.ended_ms.get_or_insert(t);
                    task.error = Some(std::rc::Rc::clone(error));
                    let warn = task.handle_dropped;
                    let name = std::rc::Rc::clone(&task.meta.name);
                    if !was_finished {
                        self.finish(seq, id);
                    }
                    if warn {
                        self.warnings.raise(
                            id,
                            &name,
                            WarningKind::ErrorDropped {
                                error: std::rc::Rc::clone(error),
                            },
                            seq,
                            t,
                            |_, _| {},
                        );
                    }
                }
                Follow::Nothing
            }
            EventKind::HandleDropped => {
                if let Some(task) = self.tasks.get_mut(&id) {
                    task.handle_dropped = true;
                    if let (TaskState::Failed, Some(error)) = (task.state, &task.error) {
                        let error = std::rc::Rc::clone(error);
                        let name = std::rc::Rc::clone(&task.meta.name);
                        self.warnings.raise(
                            id,
                            &name,
                            WarningKind::ErrorDropped { error },
                            seq,
                            t,
                            |_, _| {},
                        );
                    }
                }
                Follow::Nothing
            }
            EventKind::LostWaker => {
                if let Some(name) = self
                    .tasks
                    .get(&id)
                    .map(|t| std::rc::Rc::clone(&t.meta.name))
                {
                    self.warnings
                        .raise(id, &name, WarningKind::LostWaker, seq, t, |_, _| {});
                }
                Follow::Nothing
            }
            EventKind::Stalled { waited_ms } => {
                if let Some(task) = self.tasks.get_mut(&id) {
                    task.stalled = true;
                    let name = std::rc::Rc::clone(&task.meta.name);
                    self.warnings.raise(
                        id,
                        &name,
                        WarningKind::NeverPolled {
                            waited_ms: *waited_ms,
                        },
                        seq,
                        t,
                        |_, _| {},
                    );
                }
                Follow::Nothing
            }
            EventKind::Resource { resource, what } => {
                self.resource(seq, *resource, what, t);
                Follow::Nothing
            }
        }
    }

    fn poll_end(&mut self, seq: u64, id: TaskId, t: f64, ready: bool) -> Follow {
        // The frame of this poll: the innermost, unless a nested poll never ended (a panic
        // unwound through it), which is closed with it.
        let frame = match self.frames.iter().rposition(|f| f.task == id) {
            Some(i) => {
                let frame = self.frames[i];
                self.frames.truncate(i);
                Some(frame)
            }
            None => None,
        };
        let (start, children, child_long) =
            frame.map_or((t, 0.0, false), |f| (f.start, f.children, f.child_long));
        let whole = (t - start).max(0.0);
        let own = (whole - children).max(0.0);
        let long = whole > LONG_POLL_MS && !child_long;
        if let Some(outer) = self.frames.last_mut() {
            outer.children += whole;
            outer.child_long |= whole > LONG_POLL_MS || child_long;
        }
        let live = self.live;
        let Some(task) = self.live_task(id) else {
            return Follow::Nothing;
        };
        task.polls += 1;
        task.busy_ms += own;
        task.in_children_ms += children;
        task.max_poll_ms = task.max_poll_ms.max(own);
        task.last_poll_end = Some(t);
        if long {
            task.long_polls += 1;
        }
        task.state = if ready {
            TaskState::Done
        } else if task.last_wake.is_some() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        let lost = live
            && task.state == TaskState::Idle
            && !task.nested
            && task.wakers_alive() == 0
            && task.nested_wakers == 0;
        let name = std::rc::Rc::clone(&task.meta.name);
        if ready {
            task.ended_ms = Some(t);
            self.finish(seq, id);
        }
        if long {
            self.warnings.raise(
                id,
                &name,
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
        if lost {
            Follow::LostWaker(id)
        } else {
            Follow::Nothing
        }
    }

    fn woken(&mut self, seq: u64, id: TaskId, by: WakeSource, t: f64) {
        let Some(task) = self.live_task(id) else {
            return;
        };
        task.wakes += 1;
        if by == WakeSource::ItSelf {
            task.self_wakes += 1;
        }
        match task.state {
            TaskState::Idle => {
                task.state = TaskState::Scheduled;
                task.last_wake = Some(t);
            }
            TaskState::Running | TaskState::Scheduled => task.last_wake = Some(t),
            _ => {}
        }
        let (self_wakes, wakes) = (task.self_wakes, task.wakes);
        let storm = wakes >= STORM_MIN_WAKES && self_wakes * 2 > wakes;
        if storm == task.storming && !storm {
            return;
        }
        let was = task.storming;
        task.storming = storm;
        let name = std::rc::Rc::clone(&task.meta.name);
        let kind = WarningKind::SelfWakeStorm { self_wakes, wakes };
        if storm && !was {
            self.warnings
                .raise(id, &name, kind, seq, t, |old, new| *old = new);
        } else if storm {
            self.warnings.update(id, kind, seq, t);
        } else {
            self.warnings.update(id, kind.clone(), seq, t);
            self.warnings.clear(id, &kind);
        }
    }

    fn cancelled(&mut self, seq: u64, id: TaskId, reason: CancelReason, t: f64) {
        let Some(task) = self.live_task(id) else {
            return;
        };
        task.cancel_reason = Some(reason);
        task.state = TaskState::Cancelled;
        task.ended_ms = Some(t);
        self.finish(seq, id);
    }

    fn finish(&mut self, seq: u64, id: TaskId) {
        if let Some(task) = self.tasks.get_mut(&id) {
            task.ended_seq = Some(seq);
        }
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

    fn resource(&mut self, seq: u64, id: ResourceId, what: &ResourceEvent, t: f64) {
        if let ResourceEvent::Created { meta } = what {
            self.resources.insert(
                id,
                ResourceStats {
                    id,
                    meta: std::rc::Rc::clone(meta),
                    created_ms: t,
                    closed_ms: None,
                    closed_seq: None,
                    detail: meta.initial.clone(),
                },
            );
            return;
        }
        let Some(resource) = self.resources.get_mut(&id) else {
            return;
        };
        if resource.closed_ms.is_some() {
            if let ResourceEvent::Received { .. } = what {
                resource.detail.apply(what);
            }
            return;
        }
        resource.detail.apply(what);
        if !what.closes() {
            return;
        }
        resource.closed_ms = Some(t);
        resource.closed_seq = Some(seq);
        if !self.keep_finished {
            self.resources.remove(&id);
            return;
        }
        self.closed.push_back(id);
        while self.closed.len() > self.finished_cap {
            if let Some(old) = self.closed.pop_front() {
                self.resources.remove(&old);
                self.resources_dropped += 1;
            }
        }
    }
}
