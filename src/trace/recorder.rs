//! The tracer's data model: events in a bounded ring and a table of per-task stats.
//!
//! Pure bookkeeping: every method takes the time of what it records, so the state machine and
//! the stats are tested natively with hand-picked times ([`super::task`] feeds it the real clock).

use std::collections::{BTreeMap, VecDeque};
use std::panic::Location;
use std::rc::Rc;

use super::event::{CancelReason, Event, EventKind, TaskId, WakeSource};
use super::ring::Ring;

/// Events kept before the oldest are dropped (and counted).
pub const DEFAULT_EVENT_CAP: usize = 100_000;
/// Finished tasks kept, with their final stats, before the oldest are forgotten (and counted).
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
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Done => "done",
            TaskState::Cancelled => "cancelled",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, TaskState::Done | TaskState::Cancelled)
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
    pub polls: u64,
    pub wakes: u64,
    pub self_wakes: u64,
    /// Time inside `poll`.
    pub busy_ms: f64,
    /// Time pending with nobody having woken it.
    pub idle_ms: f64,
    /// Time from a wake (or the spawn) to the poll it caused.
    pub scheduled_ms: f64,
    /// When the current state began: the open interval is added to its total when it ends.
    since_ms: f64,
    /// A wake arrived while the task was running, so when the poll returns pending it is
    /// scheduled rather than idle.
    woken_in_poll: bool,
}

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

    /// Closes the current state's interval at `t` and enters `next`.
    fn enter(&mut self, next: TaskState, t: f64) {
        let spent = (t - self.since_ms).max(0.0);
        match self.state {
            TaskState::Idle => self.idle_ms += spent,
            TaskState::Scheduled => self.scheduled_ms += spent,
            TaskState::Running => self.busy_ms += spent,
            TaskState::Done | TaskState::Cancelled => {}
        }
        self.state = next;
        self.since_ms = t;
        if next.is_finished() {
            self.ended_ms = Some(t);
        }
    }
}

/// Caps on what the recorder keeps, so memory stays bounded however long a page runs.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub events: usize,
    pub finished_tasks: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            events: DEFAULT_EVENT_CAP,
            finished_tasks: DEFAULT_FINISHED_TASK_CAP,
        }
    }
}

#[derive(Debug)]
pub struct Recorder {
    events: Ring<Event>,
    tasks: BTreeMap<TaskId, TaskStats>,
    /// Finished tasks, oldest first, for evicting past the cap.
    finished: VecDeque<TaskId>,
    finished_cap: usize,
    tasks_dropped: u64,
    next_id: u64,
    next_seq: u64,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new(Limits::default())
    }
}

impl Recorder {
    pub fn new(limits: Limits) -> Self {
        Recorder {
            events: Ring::new(limits.events),
            tasks: BTreeMap::new(),
            finished: VecDeque::new(),
            finished_cap: limits.finished_tasks.max(1),
            tasks_dropped: 0,
            next_id: 1,
            next_seq: 0,
        }
    }

    /// Forgets every task and event, keeping the limits. Task ids keep counting up, so events
    /// from tasks of before the reset (still alive somewhere) are ignored rather than misfiled.
    pub fn reset(&mut self) {
        self.events.clear();
        self.tasks.clear();
        self.finished.clear();
        self.tasks_dropped = 0;
        self.next_seq = 0;
    }

    /// Sets new caps, starting a fresh recording.
    pub fn set_limits(&mut self, limits: Limits) {
        let next_id = self.next_id;
        *self = Recorder::new(limits);
        self.next_id = next_id;
    }

    fn push(&mut self, task: TaskId, t_ms: f64, kind: EventKind) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.events.push(Event {
            seq,
            t_ms,
            task,
            kind,
        });
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
        let id = TaskId(self.next_id);
        self.next_id += 1;
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
                polls: 0,
                wakes: 0,
                self_wakes: 0,
                busy_ms: 0.0,
                idle_ms: 0.0,
                scheduled_ms: 0.0,
                since_ms: t,
                woken_in_poll: false,
            },
        );
        self.push(id, t, EventKind::Spawned { parent });
        id
    }

    /// The live (not finished) task `id`, if this recording knows it.
    fn live(&mut self, id: TaskId) -> Option<&mut TaskStats> {
        self.tasks.get_mut(&id).filter(|s| !s.state.is_finished())
    }

    pub fn poll_start(&mut self, id: TaskId, t: f64) {
        let Some(task) = self.live(id) else { return };
        task.woken_in_poll = false;
        task.enter(TaskState::Running, t);
        self.push(id, t, EventKind::PollStart);
    }

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
        task.enter(next, t);
        self.push(id, t, EventKind::PollEnd { ready });
        if ready {
            self.finish(id);
        }
    }

    pub fn woken(&mut self, id: TaskId, by: WakeSource, t: f64) {
        let Some(task) = self.live(id) else { return };
        task.wakes += 1;
        if by == WakeSource::ItSelf {
            task.self_wakes += 1;
        }
        match task.state {
            TaskState::Idle => task.enter(TaskState::Scheduled, t),
            TaskState::Running => task.woken_in_poll = true,
            _ => {}
        }
        self.push(id, t, EventKind::Woken { by });
    }

    /// Notes why a task is about to be cancelled; [`Recorder::cancelled`] records it when the
    /// task's future is actually dropped.
    pub fn cancel_requested(&mut self, id: TaskId, reason: CancelReason) {
        if let Some(task) = self.live(id) {
            task.cancel_reason.get_or_insert(reason);
        }
    }

    /// The task's future was dropped before it completed.
    pub fn cancelled(&mut self, id: TaskId, t: f64) {
        let Some(task) = self.live(id) else { return };
        let reason = *task.cancel_reason.get_or_insert(CancelReason::Dropped);
        task.enter(TaskState::Cancelled, t);
        self.push(id, t, EventKind::Cancelled { reason });
        self.finish(id);
    }

    pub fn sleep_started(&mut self, id: TaskId, requested_ms: f64, t: f64) {
        if self.live(id).is_some() {
            self.push(id, t, EventKind::SleepStarted { requested_ms });
        }
    }

    pub fn sleep_done(&mut self, id: TaskId, requested_ms: f64, actual_ms: f64, t: f64) {
        if self.live(id).is_some() {
            self.push(
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
        while self.finished.len() > self.finished_cap {
            if let Some(old) = self.finished.pop_front() {
                self.tasks.remove(&old);
                self.tasks_dropped += 1;
            }
        }
    }

    /// Every task this recording holds, by id (spawn order).
    pub fn tasks(&self) -> impl Iterator<Item = &TaskStats> {
        self.tasks.values()
    }

    pub fn task(&self, id: TaskId) -> Option<&TaskStats> {
        self.tasks.get(&id)
    }

    /// Finished tasks forgotten to stay within the cap.
    pub fn tasks_dropped(&self) -> u64 {
        self.tasks_dropped
    }

    pub fn events(&self) -> &Ring<Event> {
        &self.events
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
            .filter(|e| e.task == id)
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
        rec.cancelled(a, 5.0);
        rec.cancelled(b, 6.0);
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
        rec.cancelled(id, 3.0);
        assert_eq!(rec.recorded(), before);
        assert_eq!(rec.task(id).map(|t| t.state), Some(TaskState::Done));
    }

    #[test]
    fn finished_tasks_past_the_cap_are_forgotten_and_counted() {
        let mut rec = Recorder::new(Limits {
            events: 1000,
            finished_tasks: 2,
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
}
