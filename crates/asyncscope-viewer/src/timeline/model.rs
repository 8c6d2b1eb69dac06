//! What the timeline draws, derived from a recording and kept up to date incrementally: a lane
//! per task with its polls (and what woke each), the gaps between them, its sleeps and markers;
//! the wakes between lanes; the polls the event loop ran at top level; semaphore holders and
//! channel depth over time; fetches and requests in flight. Pure, so it is tested natively;
//! `layout.rs` orders the lanes (children under their parents, siblings of one name grouped) and
//! `draw.rs` turns it all into pixels.
//!
//! **Incremental.** Events are append-only: the log only drops its oldest when full, and a reset
//! starts a new recording. [`Model::update`] adds the events recorded since its last call and
//! drops what derives from events the log no longer holds, so a live frame costs what it adds
//! and draws, not what the recording holds. Everything kept is a function of the kept events
//! (and of the task and resource tables), so the model after any number of updates equals
//! [`Model::build`] of the same recording: every item is keyed by the `seq` of the first event it
//! derives from and leaves with that event, and what pairs events across the oldest kept one (a
//! poll's cause, a gap's colour) is only shown when the event it starts from is still kept.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::rc::Rc;

use asyncscope_trace::{
    CancelReason, EventKind, EventRef, Level, Recorder, ResourceEvent, ResourceId, ResourceKind,
    ResourceMeta, Site, TaskId, TaskKind, TaskState, Text, WakeSource, Warning,
};

/// A closed interval of time, in ms (`performance.now()`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: f64,
    pub end: f64,
}

/// What a pending task waits for, as far as the recording tells: what woke it (once something
/// did), else what it started waiting on in its last poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Await {
    Timer,
    Semaphore,
    Channel,
    Fetch,
    IndexedDb,
    Worker,
    /// Another browser API's request.
    Request,
    /// Another task (a join handle, a child future).
    Task,
    /// Itself: a yield.
    Yield,
    /// A JS callback, an untraced future.
    Outside,
    /// Nothing recorded says.
    Unknown,
}

impl Await {
    pub const ALL: [Await; 11] = [
        Await::Timer,
        Await::Semaphore,
        Await::Channel,
        Await::Fetch,
        Await::IndexedDb,
        Await::Worker,
        Await::Request,
        Await::Task,
        Await::Yield,
        Await::Outside,
        Await::Unknown,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Await::Timer => "a timer",
            Await::Semaphore => "a semaphore",
            Await::Channel => "a channel",
            Await::Fetch => "a fetch",
            Await::IndexedDb => "IndexedDB",
            Await::Worker => "a worker",
            Await::Request => "a request",
            Await::Task => "another task",
            Await::Yield => "its own yield",
            Await::Outside => "JS (outside the traced tasks)",
            Await::Unknown => "something untraced",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The first wake after a task's previous poll: what made it scheduled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Woke {
    pub at: f64,
    pub by: WakeSource,
    /// The task whose poll woke it (None: the event loop).
    pub from: Option<TaskId>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Poll {
    /// Its `Polled` event (recorded at its end).
    pub seq: u64,
    pub start: f64,
    pub end: f64,
    /// The previous poll's event (or the spawn's; 0: not known): what woke it is known only
    /// while that event is kept (else the wakes between may be gone).
    since: u64,
    woke: Option<Woke>,
    /// What it was waiting on when this poll ended (a sleep, a permit, a message, a fetch),
    /// and the event that said so.
    hint: Option<SaidHint>,
    /// `ready`: its last poll.
    pub ready: bool,
}

impl Poll {
    /// What led to this poll, if the recording still holds all that came between it and the
    /// previous poll.
    pub fn cause(&self, first_seq: u64) -> PollCause {
        PollCause::of(self.since, self.woke, first_seq)
    }
}

/// What led to a poll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PollCause {
    /// A wake (the first since the previous poll).
    Wake(Woke),
    /// Nothing woke it: its first poll after the spawn (or a child polled by its parent).
    Unwoken,
    /// The events between it and the previous poll are no longer kept.
    Forgotten,
}

impl PollCause {
    fn of(since: u64, woke: Option<Woke>, first_seq: u64) -> PollCause {
        match woke {
            _ if since < first_seq => PollCause::Forgotten,
            Some(w) => PollCause::Wake(w),
            None => PollCause::Unwoken,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MarkerKind {
    Done,
    Cancelled(CancelReason),
    Failed(Text),
    AbortRequested(Option<TaskId>),
    /// A `tracing` event emitted in it.
    Log(Level, Text),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub seq: u64,
    pub t: f64,
    pub kind: MarkerKind,
}

/// A traced sleep: asked for `requested` ms at `start`, its timer fired `actual` ms later
/// (None while it waits). Its timer was due at `start + requested`: what lies past that is late.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SleepSpan {
    pub seq: u64,
    pub start: f64,
    pub requested: f64,
    pub actual: Option<f64>,
}

impl SleepSpan {
    pub fn due(&self) -> f64 {
        self.start + self.requested.max(0.0)
    }

    pub fn fired(&self) -> Option<f64> {
        self.actual.map(|a| self.start + a)
    }
}

/// What a task started waiting on, as recorded, until what it waited for came (a permit, a
/// message, its timer, its fetch's end): read through the model's resources when drawn, so
/// that it reads the same whatever the model knew when it saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hint {
    /// A traced sleep.
    Timer,
    /// A permit, a message or room on this semaphore or channel.
    Resource(ResourceId),
    /// This fetch or request, which is one of these.
    Flight(ResourceId, Await),
}

/// A hint and the `seq` of the event that gave it (it counts while that event is kept).
pub type SaidHint = (u64, Hint);

/// What a task did between two polls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stretch {
    /// Pending, waiting for this; the wake that ended the wait, once one came.
    Waiting(Await, Option<Woke>),
    /// Woken (or spawned), waiting for the event loop to poll it.
    Scheduled(Option<Woke>),
}

#[derive(Debug, Clone)]
pub struct Lane {
    pub task: TaskId,
    pub name: Rc<str>,
    /// "name #id".
    pub label: String,
    pub location: Site,
    /// As recorded (layout treats a forgotten parent as none).
    pub parent: Option<TaskId>,
    /// Polled by the event loop itself (a spawned task, or a future no traced task polls),
    /// not inside another task's poll.
    pub top_level: bool,
    pub spawned: f64,
    pub ended: Option<f64>,
    pub state: TaskState,
    pub polls: VecDeque<Poll>,
    pub markers: VecDeque<Marker>,
    pub sleeps: VecDeque<SleepSpan>,
    /// The event that began the stretch before the next poll: the last poll (or the spawn);
    /// 0 when not known. What woke the next poll is known only while that event is kept.
    since: Option<u64>,
    /// The first wake since the last poll (a wake of itself during it, if it woke itself).
    woke: Option<Woke>,
    /// What it waits on (since the event that said so), until that comes.
    hint: Option<SaidHint>,
    finished: bool,
    touched: u64,
}

impl Lane {
    fn new(
        task: TaskId,
        name: Rc<str>,
        location: Site,
        parent: Option<TaskId>,
        kind: TaskKind,
        spawned: f64,
    ) -> Lane {
        Lane {
            task,
            label: format!("{name} {task}"),
            name,
            location,
            parent,
            top_level: kind == TaskKind::Spawned || parent.is_none(),
            spawned,
            ended: None,
            state: TaskState::Scheduled,
            polls: VecDeque::new(),
            markers: VecDeque::new(),
            sleeps: VecDeque::new(),
            since: None,
            woke: None,
            hint: None,
            finished: false,
            touched: 0,
        }
    }

    /// Finished: done, cancelled or failed.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Since the last poll ended: the first wake (if any came), and what it waits on by its last
    /// poll's account. Only while the last poll is kept (its end starts the gap).
    pub fn waiting(&self, first_seq: u64) -> Option<(f64, Option<Woke>, Option<SaidHint>)> {
        if self.finished {
            return None;
        }
        let last = self.polls.back()?;
        if last.ready {
            return None;
        }
        if last.seq < first_seq {
            return None;
        }
        Some((last.end, self.woke, self.hint))
    }

    /// The polls that overlap `[from, to]` (binary searches, then a slice).
    pub fn polls_in(&self, from: f64, to: f64) -> impl Iterator<Item = &Poll> {
        let first = self.polls.partition_point(|p| p.end < from);
        let last = self.polls.partition_point(|p| p.start <= to);
        self.polls.range(first..last.max(first))
    }

    /// The start of the first poll recorded after event `seq` (the one a wake at `seq` caused).
    pub fn poll_after(&self, seq: u64) -> Option<f64> {
        let i = self.polls.partition_point(|p| p.seq < seq);
        self.polls.get(i).map(|p| p.start)
    }
}

/// A wake: from a task's lane (or the event loop's, for timers, fetches and JS) to the poll it
/// caused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wake {
    pub seq: u64,
    pub at: f64,
    pub from: Option<TaskId>,
    pub to: TaskId,
    pub by: WakeSource,
}

impl Wake {
    /// Woken by the event loop (a timer, a fetch, JS): the start of a macrotask.
    pub fn from_loop(&self) -> bool {
        self.from.is_none() && !matches!(self.by, WakeSource::OwnPoll | WakeSource::Task(_))
    }
}

/// A poll the event loop ran itself (not nested in another task's poll).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopPoll {
    pub seq: u64,
    pub start: f64,
    pub end: f64,
    pub task: TaskId,
}

/// A semaphore's holders or a channel's depth over time, from the events that change them.
#[derive(Debug, Clone, PartialEq)]
pub struct Counter {
    pub resource: ResourceId,
    pub kind: ResourceKind,
    /// `(seq, t, value)`: the value from `t` on.
    pub points: VecDeque<(u64, f64, u32)>,
}

/// What a flight is: a fetch, or a request of one browser API.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlightClass {
    Fetch,
    Request(Rc<str>),
}

impl FlightClass {
    pub fn label(&self) -> String {
        match self {
            FlightClass::Fetch => "fetches in flight".to_string(),
            FlightClass::Request(api) if api.as_ref() == "indexeddb" => {
                "IndexedDB requests in flight".to_string()
            }
            FlightClass::Request(api) => format!("{api} requests in flight"),
        }
    }
}

/// A fetch or a request, from its creation to its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Flight {
    pub seq: u64,
    pub resource: ResourceId,
    pub class: FlightClass,
    pub start: f64,
    pub end: Option<f64>,
}

/// What the model knows of a resource: its name, kind and initial state.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInfo {
    pub meta: Rc<ResourceMeta>,
    /// Its `Created` event, when seen.
    created: Option<u64>,
}

impl ResourceInfo {
    pub fn kind(&self) -> ResourceKind {
        self.meta.initial.kind()
    }

    /// Permits or capacity: what its counter is drawn against.
    pub fn cap(&self) -> Option<u32> {
        match self.meta.initial {
            asyncscope_trace::ResourceDetail::Semaphore { permits, .. } => Some(permits),
            asyncscope_trace::ResourceDetail::Channel { capacity, .. } => Some(capacity),
            _ => None,
        }
    }

    fn api(&self) -> Option<&str> {
        match &self.meta.initial {
            asyncscope_trace::ResourceDetail::Request { api, .. } => Some(api),
            _ => None,
        }
    }

    fn flight_class(&self) -> Option<FlightClass> {
        match &self.meta.initial {
            asyncscope_trace::ResourceDetail::Fetch { .. } => Some(FlightClass::Fetch),
            asyncscope_trace::ResourceDetail::Request { api, .. } => {
                Some(FlightClass::Request(Rc::from(api.as_str())))
            }
            _ => None,
        }
    }
}

/// Where each derived item came from, oldest first, so that what derives from events the log
/// dropped leaves with them, at a cost of the events dropped.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ticket {
    /// A poll, open or closed, by its start.
    Poll(TaskId),
    Marker(TaskId),
    Sleep(TaskId),
    Counter(ResourceId),
}

pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHash>>;

/// Ids are sequential integers: one multiplication hashes them well enough.
#[derive(Default)]
pub struct IdHash(u64);

impl std::hash::Hasher for IdHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// The last event folded in, to tell the same recording grown from a new one (a reset, or
/// another replayed moment).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fingerprint {
    seq: u64,
    t_bits: u64,
    task: Option<TaskId>,
    kind: std::mem::Discriminant<EventKind>,
}

impl Fingerprint {
    fn of(e: &EventRef<'_>) -> Fingerprint {
        Fingerprint {
            seq: e.seq,
            t_bits: e.t_ms.to_bits(),
            task: e.task,
            kind: std::mem::discriminant(&e.kind),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    lanes: IdMap<TaskId, Lane>,
    /// Each parent's children (None: the roots), by id.
    children: IdMap<Option<TaskId>, Vec<TaskId>>,
    /// Finished lanes in the order they finished: the recorder forgets the oldest first.
    finished: VecDeque<TaskId>,
    pub wakes: VecDeque<Wake>,
    /// The wakes from the event loop itself (timers, fetches, JS): where its turns start.
    pub loop_wakes: VecDeque<Wake>,
    pub loop_polls: VecDeque<LoopPoll>,
    counters: BTreeMap<ResourceId, Counter>,
    pub flights: VecDeque<Flight>,
    /// Open flights: resource -> its flight's number (`flights_base` + index).
    open_flights: IdMap<ResourceId, u64>,
    flights_base: u64,
    /// Flights kept, by class.
    flight_classes: BTreeMap<FlightClass, usize>,
    resources: IdMap<ResourceId, ResourceInfo>,
    /// Resources by their `Created` event, to forget with it.
    resource_order: VecDeque<(u64, ResourceId)>,
    /// Resources whose `Created` left the log but that the recorder still holds.
    old_resources: Vec<ResourceId>,
    tickets: VecDeque<(u64, Ticket)>,
    pub warnings: Vec<Warning>,
    /// The recorded time range.
    pub start: f64,
    pub end: f64,
    /// The moment running things are drawn up to.
    pub now: f64,
    first_seq: u64,
    next_seq: u64,
    last: Option<Fingerprint>,
    tasks_dropped: u64,
    resources_dropped: u64,
    /// Changes whenever lanes come or go (the layout is redone).
    structure: u64,
    /// Changes with every update that changed anything.
    version: u64,
    /// Rebuilds from scratch so far (for tests and the benchmark).
    rebuilds: u64,
    batch: u64,
}

/// How an update went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Unchanged,
    /// Added the events since the last update.
    Added(usize),
    /// Started afresh: a new recording, a moment before the last one, or more new events than
    /// the log keeps.
    Rebuilt,
}

impl Model {
    /// The model of `rec` as it is at `now` (waits still going are drawn up to `now`).
    pub fn build(rec: &Recorder, now: f64) -> Model {
        let mut model = Model::default();
        model.update(rec, now);
        model
    }

    /// Brings the model up to `rec` at `now`: adds the events since the last update and drops
    /// what the log dropped; starts afresh when `rec` is not the recording it was built from
    /// grown (a reset, an earlier replayed moment).
    pub fn update(&mut self, rec: &Recorder, now: f64) -> Updated {
        self.now = now;
        let log = rec.events();
        let same = self.last.is_some_and(|last| {
            log.get(last.seq)
                .is_some_and(|e| Fingerprint::of(&e) == last)
        });
        let outcome = if !same || log.first_seq() > self.next_seq {
            // Nothing recorded, nothing held: nothing to do (and the range stays put, so that
            // a page with no run does not redraw).
            if self.last.is_none()
                && log.is_empty()
                && self.lanes.is_empty()
                && rec.task_count() == 0
            {
                return Updated::Unchanged;
            }
            self.rebuild(rec);
            Updated::Rebuilt
        } else if log.next_seq() == self.next_seq {
            return Updated::Unchanged;
        } else {
            let added = (log.next_seq() - self.next_seq) as usize;
            self.fold(rec, self.next_seq);
            Updated::Added(added)
        };
        self.version += 1;
        outcome
    }

    fn rebuild(&mut self, rec: &Recorder) {
        let rebuilds = self.rebuilds + 1;
        let version = self.version;
        let structure = self.structure + 1;
        let now = self.now;
        *self = Model::default();
        self.rebuilds = rebuilds;
        self.version = version;
        self.structure = structure;
        self.now = now;
        let mut finished: Vec<(u64, TaskId)> = Vec::new();
        for task in rec.tasks() {
            let mut lane = Lane::new(
                task.id,
                Rc::clone(&task.meta.name),
                task.meta.location,
                task.parent,
                task.meta.kind,
                task.spawned_ms,
            );
            lane.state = task.state;
            lane.ended = task.ended_ms;
            if task.state.is_finished() {
                lane.finished = true;
                finished.push((task.ended_seq.unwrap_or(0), task.id));
            }
            self.insert_lane(lane);
        }
        finished.sort_unstable();
        self.finished = finished.into_iter().map(|(_, id)| id).collect();
        for r in rec.resources() {
            self.resources.insert(
                r.id,
                ResourceInfo {
                    meta: Rc::clone(&r.meta),
                    created: None,
                },
            );
            self.old_resources.push(r.id);
        }
        self.tasks_dropped = rec.tasks_dropped();
        self.resources_dropped = rec.resources_dropped();
        let first = rec.events().first_seq();
        self.first_seq = first;
        self.next_seq = first;
        self.fold(rec, first);
    }

    /// Folds in the events from `from` on, then drops what left the log and what the recorder
    /// forgot.
    fn fold(&mut self, rec: &Recorder, from: u64) {
        let log = rec.events();
        self.batch += 1;
        let mut touched: Vec<TaskId> = Vec::new();
        let mut seq = from;
        while let Some(e) = log.get(seq) {
            if self.last.is_none() {
                self.end = e.t_ms;
            }
            self.end = self.end.max(e.t_ms);
            self.apply(rec, &e, &mut touched);
            self.last = Some(Fingerprint::of(&e));
            seq += 1;
        }
        self.next_seq = seq;
        // What the touched tasks' stats say now (state, end).
        for id in touched {
            if let (Some(lane), Some(stats)) = (self.lanes.get_mut(&id), rec.task(id)) {
                lane.state = stats.state;
                lane.ended = stats.ended_ms;
            }
        }
        self.trim(rec, log.first_seq());
        if let Some(first) = log.get(log.first_seq()) {
            self.start = first.t_ms;
        }
        self.forget(rec);
        self.refresh_warnings(rec);
    }

    fn insert_lane(&mut self, lane: Lane) {
        // A parent the model does not hold is no parent.
        let parent = lane.parent.filter(|p| self.lanes.contains_key(p));
        let id = lane.task;
        let siblings = self.children.entry(parent).or_default();
        // Ids only grow, so a new task goes last; a rebuild inserts in id order too.
        match siblings.last() {
            Some(&last) if last > id => {
                let at = siblings.partition_point(|&s| s < id);
                siblings.insert(at, id);
            }
            _ => siblings.push(id),
        }
        self.lanes.insert(id, lane);
        self.structure += 1;
    }

    fn remove_lane(&mut self, id: TaskId) {
        let Some(lane) = self.lanes.remove(&id) else {
            return;
        };
        let parent = lane.parent.filter(|p| self.lanes.contains_key(p));
        if let Some(siblings) = self.children.get_mut(&parent) {
            if let Ok(i) = siblings.binary_search(&id) {
                siblings.remove(i);
            }
            if siblings.is_empty() {
                self.children.remove(&parent);
            }
        }
        // Its children become roots, in id order.
        if let Some(kids) = self.children.remove(&Some(id)) {
            let roots = self.children.entry(None).or_default();
            roots.extend(kids);
            roots.sort_unstable();
        }
        self.structure += 1;
    }

    fn lane_mut(&mut self, id: TaskId, touched: &mut Vec<TaskId>) -> Option<&mut Lane> {
        let batch = self.batch;
        let lane = self.lanes.get_mut(&id)?;
        if lane.touched != batch {
            lane.touched = batch;
            touched.push(id);
        }
        Some(lane)
    }

    /// Finishes the lane (once): the recorder forgets finished tasks oldest first.
    fn finish(&mut self, id: TaskId) {
        if let Some(lane) = self.lanes.get_mut(&id) {
            if !lane.finished {
                lane.finished = true;
                self.finished.push_back(id);
            }
        }
    }

    fn await_of(&self, by: WakeSource) -> Await {
        match by {
            WakeSource::Timer => Await::Timer,
            WakeSource::Fetch(_) => Await::Fetch,
            WakeSource::Channel(_) => Await::Channel,
            WakeSource::Semaphore(_) => Await::Semaphore,
            WakeSource::Request(r) => self.request_await(r),
            WakeSource::Task(_) => Await::Task,
            WakeSource::OwnPoll => Await::Yield,
            WakeSource::External => Await::Outside,
        }
    }

    fn request_await(&self, r: ResourceId) -> Await {
        match self.resources.get(&r).and_then(|i| i.api()) {
            Some("indexeddb") => Await::IndexedDb,
            Some(api) if api.to_ascii_lowercase().contains("worker") => Await::Worker,
            _ => Await::Request,
        }
    }

    /// What a task waited for after a poll: what it asked for in that poll if it said, else
    /// what woke it.
    fn waited(&self, hint: Option<SaidHint>, woke: Option<&Woke>) -> Await {
        match (self.hinted(hint), woke) {
            (Await::Unknown, Some(w)) => self.awaited(w),
            (a, _) => a,
        }
    }

    /// What a hint says a task waits for (nothing, if the event that said so left the log).
    pub fn hinted(&self, hint: Option<SaidHint>) -> Await {
        match hint {
            Some((seq, _)) if seq < self.first_seq => Await::Unknown,
            Some((_, Hint::Timer)) => Await::Timer,
            Some((_, Hint::Flight(_, a))) => a,
            Some((_, Hint::Resource(r))) => match self.resources.get(&r).map(ResourceInfo::kind) {
                Some(ResourceKind::Semaphore) => Await::Semaphore,
                Some(ResourceKind::Channel) => Await::Channel,
                _ => Await::Unknown,
            },
            None => Await::Unknown,
        }
    }

    /// What a wake from `by` means a task waited for.
    pub fn awaited_source(&self, by: WakeSource) -> Await {
        self.await_of(by)
    }

    /// What a pending stretch that ended with `woke` waited for.
    pub fn awaited(&self, woke: &Woke) -> Await {
        self.await_of(woke.by)
    }

    fn apply(&mut self, rec: &Recorder, e: &EventRef<'_>, touched: &mut Vec<TaskId>) {
        let seq = e.seq;
        let t = e.t_ms;
        if let EventKind::Resource { resource, what } = &e.kind {
            self.resource_event(seq, t, e.task, *resource, what, touched);
            return;
        }
        let Some(id) = e.task else { return };
        match &e.kind {
            EventKind::Spawned { parent, meta } => {
                // A task the recorder forgot since has no lane (as in a fresh build).
                if !self.lanes.contains_key(&id) && rec.task(id).is_some() {
                    let lane = Lane::new(
                        id,
                        Rc::clone(&meta.name),
                        meta.location,
                        *parent,
                        meta.kind,
                        t,
                    );
                    self.insert_lane(lane);
                }
                if let Some(lane) = self.lane_mut(id, touched) {
                    lane.since = Some(seq);
                    lane.woke = None;
                }
            }
            EventKind::Polled {
                start_ms,
                ready,
                self_wakes,
                ..
            } => {
                let Some(lane) = self.lane_mut(id, touched) else {
                    return;
                };
                let top = lane.top_level;
                lane.polls.push_back(Poll {
                    seq,
                    start: *start_ms,
                    end: t,
                    since: lane.since.unwrap_or(0),
                    woke: lane.woke.take(),
                    hint: lane.hint,
                    ready: *ready,
                });
                // What woke it next: itself, during this poll, if it did.
                lane.since = Some(seq);
                lane.woke = (*self_wakes > 0).then_some(Woke {
                    at: t,
                    by: WakeSource::OwnPoll,
                    from: Some(id),
                });
                self.tickets.push_back((seq, Ticket::Poll(id)));
                if top {
                    self.loop_polls.push_back(LoopPoll {
                        seq,
                        start: *start_ms,
                        end: t,
                        task: id,
                    });
                }
                if *ready {
                    self.marker(id, seq, t, MarkerKind::Done, touched);
                    self.finish(id);
                }
            }
            EventKind::Woken { by, from } => {
                let from = match by {
                    WakeSource::OwnPoll => Some(id),
                    _ => *from,
                };
                let woke = Woke {
                    at: t,
                    by: *by,
                    from,
                };
                let Some(lane) = self.lane_mut(id, touched) else {
                    return;
                };
                lane.woke.get_or_insert(woke);
                let wake = Wake {
                    seq,
                    at: t,
                    from,
                    to: id,
                    by: *by,
                };
                if wake.from_loop() {
                    self.loop_wakes.push_back(wake);
                }
                self.wakes.push_back(wake);
            }
            EventKind::AbortRequested { by } => {
                self.marker(id, seq, t, MarkerKind::AbortRequested(*by), touched)
            }
            EventKind::SleepStarted { requested_ms } => {
                if let Some(lane) = self.lane_mut(id, touched) {
                    lane.sleeps.push_back(SleepSpan {
                        seq,
                        start: t,
                        requested: *requested_ms,
                        actual: None,
                    });
                    lane.hint = Some((seq, Hint::Timer));
                    self.tickets.push_back((seq, Ticket::Sleep(id)));
                }
            }
            EventKind::SleepDone {
                requested_ms,
                actual_ms,
            } => {
                if let Some(lane) = self.lane_mut(id, touched) {
                    if let Some(open) = lane.sleeps.back_mut().filter(|s| {
                        s.actual.is_none() && s.requested.to_bits() == requested_ms.to_bits()
                    }) {
                        open.actual = Some(*actual_ms);
                    }
                    if lane.hint.is_some_and(|h| h.1 == Hint::Timer) {
                        lane.hint = None;
                    }
                }
            }
            EventKind::Cancelled { reason, .. } => {
                self.marker(id, seq, t, MarkerKind::Cancelled(*reason), touched);
                self.finish(id);
            }
            EventKind::Failed { error } => {
                self.marker(id, seq, t, MarkerKind::Failed(Rc::clone(error)), touched);
                self.finish(id);
            }
            EventKind::Log { level, message } => {
                let kind = MarkerKind::Log(*level, Rc::clone(message));
                self.marker(id, seq, t, kind, touched);
            }
            EventKind::Closed => {
                self.marker(id, seq, t, MarkerKind::Done, touched);
                self.finish(id);
            }
            EventKind::HandleDropped | EventKind::LostWaker | EventKind::Stalled { .. } => {
                self.lane_mut(id, touched);
            }
            EventKind::Resource { .. } => {}
        }
    }

    fn marker(
        &mut self,
        id: TaskId,
        seq: u64,
        t: f64,
        kind: MarkerKind,
        touched: &mut Vec<TaskId>,
    ) {
        if let Some(lane) = self.lane_mut(id, touched) {
            lane.markers.push_back(Marker { seq, t, kind });
            self.tickets.push_back((seq, Ticket::Marker(id)));
        }
    }

    fn resource_event(
        &mut self,
        seq: u64,
        t: f64,
        by: Option<TaskId>,
        id: ResourceId,
        what: &ResourceEvent,
        touched: &mut Vec<TaskId>,
    ) {
        let value = match what {
            ResourceEvent::Created { meta } => {
                let info = ResourceInfo {
                    meta: Rc::clone(meta),
                    created: Some(seq),
                };
                let class = info.flight_class();
                let kind = info.kind();
                self.resources.insert(id, info);
                self.resource_order.push_back((seq, id));
                if let Some(class) = class {
                    let hint = match &class {
                        FlightClass::Fetch => Await::Fetch,
                        FlightClass::Request(_) => self.request_await(id),
                    };
                    self.open_flights
                        .insert(id, self.flights_base + self.flights.len() as u64);
                    *self.flight_classes.entry(class.clone()).or_default() += 1;
                    self.flights.push_back(Flight {
                        seq,
                        resource: id,
                        class,
                        start: t,
                        end: None,
                    });
                    // The task that starts a fetch or a request (in its poll) awaits it.
                    if let Some(lane) = by.and_then(|task| self.lane_mut(task, touched)) {
                        lane.hint = Some((seq, Hint::Flight(id, hint)));
                    }
                }
                match kind {
                    ResourceKind::Semaphore | ResourceKind::Channel => Some((kind, 0)),
                    _ => None,
                }
            }
            ResourceEvent::Waiting { .. } => {
                if let Some(task) = by {
                    if let Some(lane) = self.lane_mut(task, touched) {
                        lane.hint = Some((seq, Hint::Resource(id)));
                    }
                }
                None
            }
            ResourceEvent::Acquired { holders, .. } | ResourceEvent::Released { holders } => {
                Some((ResourceKind::Semaphore, *holders))
            }
            ResourceEvent::Sent { depth } | ResourceEvent::Received { depth } => {
                Some((ResourceKind::Channel, *depth))
            }
            _ => None,
        };
        // What a task waited for came: it no longer waits on it.
        if let Some(lane) = by.and_then(|task| self.lane_mut(task, touched)) {
            let served = matches!(
                what,
                ResourceEvent::Acquired { .. }
                    | ResourceEvent::Received { .. }
                    | ResourceEvent::Sent { .. }
                    | ResourceEvent::WaitCancelled { .. }
            );
            let came = match lane.hint {
                Some((_, Hint::Resource(r))) => served && r == id,
                Some((_, Hint::Flight(r, _))) => what.closes() && r == id,
                _ => false,
            };
            if came {
                lane.hint = None;
            }
        }
        if what.closes() {
            if let Some(n) = self.open_flights.remove(&id) {
                if let Some(f) = n
                    .checked_sub(self.flights_base)
                    .and_then(|i| self.flights.get_mut(i as usize))
                {
                    f.end = Some(t);
                }
            }
        }
        if let Some((kind, value)) = value {
            let counter = self.counters.entry(id).or_insert_with(|| Counter {
                resource: id,
                kind,
                points: VecDeque::new(),
            });
            counter.points.push_back((seq, t, value));
            self.tickets.push_back((seq, Ticket::Counter(id)));
        }
    }

    /// Drops what derives from events before `first` (the log dropped them).
    fn trim(&mut self, rec: &Recorder, first: u64) {
        if first <= self.first_seq {
            return;
        }
        self.first_seq = first;
        while let Some(&(seq, ticket)) = self.tickets.front() {
            if seq >= first {
                break;
            }
            self.tickets.pop_front();
            match ticket {
                Ticket::Poll(id) => {
                    if let Some(lane) = self.lanes.get_mut(&id) {
                        if lane.polls.front().is_some_and(|p| p.seq == seq) {
                            lane.polls.pop_front();
                        }
                    }
                }
                Ticket::Marker(id) => {
                    if let Some(lane) = self.lanes.get_mut(&id) {
                        if lane.markers.front().is_some_and(|m| m.seq == seq) {
                            lane.markers.pop_front();
                        }
                    }
                }
                Ticket::Sleep(id) => {
                    if let Some(lane) = self.lanes.get_mut(&id) {
                        if lane.sleeps.front().is_some_and(|s| s.seq == seq) {
                            lane.sleeps.pop_front();
                        }
                    }
                }
                Ticket::Counter(id) => {
                    if let Some(counter) = self.counters.get_mut(&id) {
                        if counter.points.front().is_some_and(|p| p.0 == seq) {
                            counter.points.pop_front();
                        }
                        if counter.points.is_empty() {
                            self.counters.remove(&id);
                        }
                    }
                }
            }
        }
        while self.wakes.front().is_some_and(|w| w.seq < first) {
            self.wakes.pop_front();
        }
        while self.loop_wakes.front().is_some_and(|w| w.seq < first) {
            self.loop_wakes.pop_front();
        }
        while self.loop_polls.front().is_some_and(|p| p.seq < first) {
            self.loop_polls.pop_front();
        }
        while let Some(f) = self.flights.front() {
            if f.seq >= first {
                break;
            }
            if f.end.is_none() {
                self.open_flights.remove(&f.resource);
            }
            if let Some(n) = self.flight_classes.get_mut(&f.class) {
                *n -= 1;
                if *n == 0 {
                    self.flight_classes.remove(&f.class);
                }
            }
            self.flights.pop_front();
            self.flights_base += 1;
        }
        while let Some(&(seq, id)) = self.resource_order.front() {
            if seq >= first {
                break;
            }
            self.resource_order.pop_front();
            // Still that resource's entry (ids are never reused): kept while the recorder holds
            // it, as a fresh build takes it from the recorder's table.
            if self
                .resources
                .get(&id)
                .is_some_and(|r| r.created == Some(seq))
            {
                if rec.resource_stats(id).is_some() {
                    self.old_resources.push(id);
                } else {
                    self.resources.remove(&id);
                }
            }
        }
    }

    /// Drops the lanes of tasks the recorder forgot (finished ones, oldest first), and what it
    /// knew of resources it forgot whose creation the log no longer holds.
    fn forget(&mut self, rec: &Recorder) {
        if rec.tasks_dropped() != self.tasks_dropped {
            let expected = rec.tasks_dropped().saturating_sub(self.tasks_dropped);
            self.tasks_dropped = rec.tasks_dropped();
            let mut forgotten = 0u64;
            while let Some(&id) = self.finished.front() {
                if rec.task(id).is_some() {
                    break;
                }
                self.finished.pop_front();
                if self.lanes.contains_key(&id) {
                    self.remove_lane(id);
                    forgotten += 1;
                }
            }
            if forgotten < expected {
                // Not in the order expected: look at every lane.
                let gone: Vec<TaskId> = self
                    .lanes
                    .keys()
                    .copied()
                    .filter(|id| rec.task(*id).is_none())
                    .collect();
                for id in gone {
                    self.remove_lane(id);
                }
                self.finished.retain(|id| rec.task(*id).is_some());
            }
        }
        if rec.resources_dropped() != self.resources_dropped {
            self.resources_dropped = rec.resources_dropped();
            let first = self.first_seq;
            let resources = &mut self.resources;
            self.old_resources.retain(|id| {
                let created_kept = resources
                    .get(id)
                    .is_some_and(|r| r.created.is_some_and(|s| s >= first));
                if created_kept {
                    // Back on the creation queue's watch.
                    return false;
                }
                if rec.resource_stats(*id).is_some() {
                    return true;
                }
                resources.remove(id);
                false
            });
        }
    }

    fn refresh_warnings(&mut self, rec: &Recorder) {
        let w = rec.warnings();
        let changed = w.len() != self.warnings.len()
            || w.iter().zip(&self.warnings).any(|(a, b)| {
                a.task != b.task || a.last_event != b.last_event || a.active != b.active
            });
        if changed {
            self.warnings = w.iter().cloned().collect();
        }
    }

    /// The `seq` of the oldest event the model derives from (the log's oldest).
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// The `seq` the next event will have.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn lane(&self, task: TaskId) -> Option<&Lane> {
        self.lanes.get(&task)
    }

    pub fn lane_count(&self) -> usize {
        self.lanes.len()
    }

    /// The children of `parent` (None: the roots) in id order, as the layout places them.
    pub fn children(&self, parent: Option<TaskId>) -> &[TaskId] {
        self.children.get(&parent).map_or(&[], |v| v.as_slice())
    }

    pub fn resource(&self, id: ResourceId) -> Option<&ResourceInfo> {
        self.resources.get(&id)
    }

    /// The semaphores' and channels' counters, by resource id.
    pub fn counters(&self) -> impl Iterator<Item = &Counter> {
        self.counters.values()
    }

    pub fn counter(&self, id: ResourceId) -> Option<&Counter> {
        self.counters.get(&id)
    }

    /// The classes of flights kept (fetches, each API's requests), in a stable order.
    pub fn flight_classes(&self) -> impl Iterator<Item = &FlightClass> {
        self.flight_classes.keys()
    }

    /// The flights that overlap `[from, to]` (a flight still going runs to now).
    pub fn flights_in(&self, from: f64, to: f64) -> impl Iterator<Item = &Flight> {
        let last = self.flights.partition_point(|f| f.start <= to);
        self.flights
            .range(..last)
            .filter(move |f| f.end.unwrap_or(f64::INFINITY) >= from)
    }

    /// What the task of `lane` did between its polls, over `[from, to]`: each stretch with
    /// what it waited for (and the wake that ended the wait, if one did), or scheduled (woken,
    /// waiting for its poll). Stretches whose start the log no longer holds are left out.
    pub fn stretches(&self, lane: &Lane, from: f64, to: f64, mut f: impl FnMut(f64, f64, Stretch)) {
        let first = self.first_seq;
        let polls = &lane.polls;
        let n = polls.len();
        let i0 = polls.partition_point(|p| p.end < from);
        let i1 = polls.partition_point(|p| p.start <= to);
        // Each poll in view (and the one after it), with the stretch before it.
        let mut i = i0;
        while i < n {
            let (start, woke) = (polls[i].start, polls[i].cause(first));
            let prev = if i > 0 {
                Some(polls[i - 1].end)
            } else if woke != PollCause::Forgotten {
                Some(lane.spawned)
            } else {
                None
            };
            let hint = i.checked_sub(1).and_then(|j| polls[j].hint);
            if let Some(prev) = prev {
                if prev > to {
                    break;
                }
                if start >= from {
                    match woke {
                        PollCause::Wake(w) => {
                            let at = w.at.clamp(prev, start);
                            f(
                                prev,
                                at,
                                Stretch::Waiting(self.waited(hint, Some(&w)), Some(w)),
                            );
                            f(at, start, Stretch::Scheduled(Some(w)));
                        }
                        // Waiting for its first poll.
                        PollCause::Unwoken if i == 0 => f(prev, start, Stretch::Scheduled(None)),
                        _ => f(prev, start, Stretch::Waiting(self.waited(hint, None), None)),
                    }
                }
            }
            if i > i1 {
                break;
            }
            i += 1;
        }
        let end = lane.ended.unwrap_or(self.now);
        if let Some((t0, woke, hint)) = lane.waiting(first) {
            if t0 <= to && end >= from {
                match woke {
                    Some(w) => {
                        let at = w.at.clamp(t0, end.max(t0));
                        f(
                            t0,
                            at,
                            Stretch::Waiting(self.waited(hint, Some(&w)), Some(w)),
                        );
                        f(at, end, Stretch::Scheduled(Some(w)));
                    }
                    None => f(t0, end, Stretch::Waiting(self.hinted(hint), None)),
                }
            }
        } else if n == 0 && !lane.finished && lane.spawned >= self.start {
            // Never polled yet: scheduled since its spawn.
            if lane.spawned <= to && end >= from {
                f(lane.spawned, end, Stretch::Scheduled(None));
            }
        }
    }

    pub fn structure(&self) -> u64 {
        self.structure
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }

    /// A task's name and id ("count-1 #2"), or its id if the model does not hold it.
    pub fn task_label(&self, task: TaskId) -> String {
        self.lanes
            .get(&task)
            .map_or_else(|| format!("task {task}"), |l| l.label.clone())
    }

    /// A resource's kind and name ("semaphore 'sem'"), or its id.
    pub fn resource_label(&self, id: ResourceId) -> String {
        match self.resources.get(&id) {
            Some(r) => format!("{} '{}'", r.kind().as_str(), r.meta.name),
            None => format!("resource {id}"),
        }
    }

    /// What a wake source was, in words with names: "the timer", "semaphore 'sem'", "task
    /// main #1".
    pub fn source_label(&self, by: WakeSource) -> String {
        match by {
            WakeSource::Timer => "its timer".to_string(),
            WakeSource::Fetch(r)
            | WakeSource::Channel(r)
            | WakeSource::Semaphore(r)
            | WakeSource::Request(r) => self.resource_label(r),
            WakeSource::Task(t) => self.task_label(t),
            WakeSource::OwnPoll => "itself".to_string(),
            WakeSource::External => "JS (outside the traced tasks)".to_string(),
        }
    }

    /// Every lane, in no particular order.
    pub fn lanes(&self) -> impl Iterator<Item = &Lane> {
        self.lanes.values()
    }
}

/// A canonical, comparable account of what a model shows (what is drawn and said), for
/// checking an incremental model against a fresh build.
#[cfg(test)]
pub(crate) fn account(model: &Model) -> String {
    use std::fmt::Write;
    let first = model.first_seq;
    let mut out = String::new();
    let mut ids: Vec<&TaskId> = model.lanes.keys().collect();
    ids.sort();
    let _ = writeln!(out, "range {} {} now {}", model.start, model.end, model.now);
    for parent in std::iter::once(None).chain(ids.iter().map(|i| Some(**i))) {
        let kids = model.children(parent);
        if !kids.is_empty() {
            let _ = writeln!(out, "children of {parent:?}: {kids:?}");
        }
    }
    for id in ids {
        let l = &model.lanes[id];
        let _ = writeln!(
            out,
            "lane {} parent {:?} top {} spawned {} ended {:?} state {:?} finished {}",
            l.label, l.parent, l.top_level, l.spawned, l.ended, l.state, l.finished
        );
        for p in &l.polls {
            let _ = writeln!(
                out,
                "  poll {} {}-{} ready {} woke {:?} waits on {:?}",
                p.seq,
                p.start,
                p.end,
                p.ready,
                p.cause(first),
                model.hinted(p.hint)
            );
        }
        let _ = writeln!(
            out,
            "  waiting {:?}",
            l.waiting(first).map(|(t, w, h)| (t, w, model.hinted(h)))
        );
        for m in &l.markers {
            let _ = writeln!(out, "  marker {m:?}");
        }
        for s in &l.sleeps {
            let _ = writeln!(out, "  sleep {s:?}");
        }
    }
    // Wakes of tasks the recorder forgot stay until their events leave the log, unseen.
    for w in model.wakes.iter().filter(|w| model.lane(w.to).is_some()) {
        let poll_at = model.lane(w.to).and_then(|l| l.poll_after(w.seq));
        let _ = writeln!(out, "wake {w:?} -> {poll_at:?}");
    }
    for w in model
        .loop_wakes
        .iter()
        .filter(|w| model.lane(w.to).is_some())
    {
        let _ = writeln!(out, "loop wake {w:?}");
    }
    for p in model
        .loop_polls
        .iter()
        .filter(|p| model.lane(p.task).is_some())
    {
        let _ = writeln!(out, "loop {p:?}");
    }
    for c in model.counters() {
        let _ = writeln!(out, "counter {c:?}");
    }
    for f in &model.flights {
        let _ = writeln!(out, "flight {f:?}");
    }
    let mut res: Vec<_> = model.resources.keys().collect();
    res.sort();
    let _ = writeln!(out, "resources {res:?}");
    for w in &model.warnings {
        let _ = writeln!(out, "warning {} {} {}", w.task, w.kind.code(), w.count);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use asyncscope_trace::{Limits, PollRecord, ResourceDetail};

    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    /// Every stretch of every lane, for comparing two models.
    fn stretches(model: &Model) -> String {
        let mut ids: Vec<TaskId> = model.lanes().map(|l| l.task).collect();
        ids.sort();
        let mut out = String::new();
        for id in ids {
            let lane = model.lane(id).expect("listed");
            model.stretches(lane, f64::NEG_INFINITY, f64::INFINITY, |a, b, s| {
                out.push_str(&format!("{id} {a}-{b} {s:?}\n"));
            });
        }
        out
    }

    fn same(incremental: &Model, rec: &Recorder, now: f64, what: &str) {
        let fresh = Model::build(rec, now);
        let (a, b) = (account(incremental), account(&fresh));
        if a != b {
            let at = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            let lane = a
                .lines()
                .take(at + 1)
                .filter(|l| l.starts_with("lane"))
                .last()
                .unwrap_or("");
            eprintln!("{what}: in {lane}");
            if std::env::var("MODEL_DEBUG").is_ok() {
                for e in rec.events().iter() {
                    eprintln!("{} {:?} {:?} {:?}", e.seq, e.t_ms, e.task, e.kind);
                }
            }
            let diff: Vec<String> = a
                .lines()
                .zip(b.lines())
                .filter(|(x, y)| x != y)
                .take(5)
                .map(|(x, y)| format!("incremental: {x}\n      fresh: {y}"))
                .collect();
            panic!(
                "{what}: the incremental model differs from a fresh build ({} vs {} lines)\n{}",
                a.lines().count(),
                b.lines().count(),
                diff.join("\n")
            );
        }
        assert_eq!(
            stretches(incremental),
            stretches(&fresh),
            "{what}: stretches"
        );
    }

    /// A small random number generator (xorshift), so that each seed replays.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }

        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }

        fn one_in(&mut self, n: u64) -> bool {
            self.next().is_multiple_of(n)
        }

        fn pick<T: Copy>(&mut self, xs: &[T]) -> Option<T> {
            (!xs.is_empty()).then(|| xs[self.below(xs.len())])
        }
    }

    /// Drives a recorder through random but plausible runs: spawns, nested polls, wakes of every
    /// kind, sleeps, semaphores, channels, fetches, requests, cancellations, failures.
    struct Sim {
        rec: Recorder,
        rng: Rng,
        t: f64,
        names: u32,
        live: Vec<TaskId>,
        /// The polls under way, innermost last: the task, its start, its self-wakes so far.
        polling: Vec<(TaskId, f64, u16)>,
        sleeping: Vec<(TaskId, f64, f64)>,
        semaphores: Vec<(ResourceId, u32)>,
        channels: Vec<(ResourceId, u32)>,
        flights: Vec<ResourceId>,
    }

    impl Sim {
        fn new(seed: u64, limits: Limits) -> Sim {
            Sim {
                rec: Recorder::new(limits),
                rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
                t: 0.0,
                names: 0,
                live: Vec::new(),
                polling: Vec::new(),
                sleeping: Vec::new(),
                semaphores: Vec::new(),
                channels: Vec::new(),
                flights: Vec::new(),
            }
        }

        fn tick(&mut self) -> f64 {
            self.t += [0.0, 0.01, 0.3, 5.0][self.rng.below(4)];
            self.t
        }

        fn name(&mut self) -> String {
            self.names += 1;
            match self.rng.below(3) {
                0 => format!("increment-{}", self.names),
                1 => "worker".to_string(),
                _ => format!("job{}", self.rng.below(3)),
            }
        }

        fn current(&self) -> Option<TaskId> {
            self.polling.last().map(|p| p.0)
        }

        fn is_polling(&self, id: TaskId) -> bool {
            self.polling.iter().any(|p| p.0 == id)
        }

        fn step(&mut self) {
            self.live
                .retain(|&id| self.rec.task(id).is_some_and(|t| !t.state.is_finished()));
            let t = self.tick();
            let current = self.current();
            match self.rng.below(16) {
                0 => {
                    let name = self.name();
                    let parent = if self.rng.chance(50) {
                        current.or_else(|| self.rng.pick(&self.live))
                    } else {
                        None
                    };
                    let id = self.rec.spawn(&name, parent, here(), t);
                    self.live.push(id);
                }
                1 | 2 => {
                    // Poll: a top-level task when nothing runs; else an instrumented child.
                    if current.is_some() && self.rng.chance(40) {
                        let name = self.name();
                        let id = self.rec.instrumented(&name, current, here(), t);
                        self.rec.waker_cloned(id);
                        self.live.push(id);
                        self.polling.push((id, t, 0));
                    } else if current.is_none() {
                        let idle: Vec<TaskId> = self.live.clone();
                        if let Some(id) = self.rng.pick(&idle) {
                            self.rec.waker_cloned(id);
                            self.polling.push((id, t, 0));
                        }
                    } else if let Some(id) = current {
                        // The running task polls a child of its own again.
                        let kids: Vec<TaskId> = self
                            .live
                            .iter()
                            .copied()
                            .filter(|k| {
                                self.rec.task(*k).is_some_and(|s| {
                                    s.parent == Some(id)
                                        && s.meta.kind == asyncscope_trace::TaskKind::Instrumented
                                }) && !self.is_polling(*k)
                            })
                            .collect();
                        if let Some(k) = self.rng.pick(&kids) {
                            self.polling.push((k, t, 0));
                        }
                    }
                }
                3 | 4 => {
                    if let Some((id, start, self_wakes)) = self.polling.pop() {
                        let ready = self.rng.chance(20);
                        let poll = PollRecord {
                            self_wakes,
                            ..PollRecord::plain(start, ready)
                        };
                        self.rec.polled(id, t, poll);
                        if ready && self.rng.chance(30) {
                            self.rec.failed(id, "boom", t);
                        }
                    }
                }
                5 | 6 => {
                    let live = self.live.clone();
                    if let Some(id) = self.rng.pick(&live) {
                        if let Some(frame) = self.polling.iter_mut().find(|p| p.0 == id) {
                            // A wake during its own poll: counted in the poll, not an event.
                            frame.2 += 1;
                            return;
                        }
                        let by = match self.rng.below(7) {
                            0 => WakeSource::Timer,
                            1 => self
                                .rng
                                .pick(&self.semaphores)
                                .map_or(WakeSource::External, |s| WakeSource::Semaphore(s.0)),
                            2 => self
                                .rng
                                .pick(&self.channels)
                                .map_or(WakeSource::External, |c| WakeSource::Channel(c.0)),
                            3 => self
                                .rng
                                .pick(&self.flights)
                                .map_or(WakeSource::External, WakeSource::Request),
                            4 => current.map_or(WakeSource::External, WakeSource::Task),
                            _ => WakeSource::External,
                        };
                        self.rec.wake(id, by, current, t);
                    }
                }
                7 => {
                    if let Some(id) = current {
                        let requested = [0.0, 10.0, 100.0][self.rng.below(3)];
                        self.rec.sleep_started(id, requested, t);
                        self.sleeping.push((id, t, requested));
                    }
                }
                8 => {
                    if !self.sleeping.is_empty() {
                        let i = self.rng.below(self.sleeping.len());
                        let (id, start, requested) = self.sleeping.swap_remove(i);
                        let actual = (t - start).max(requested);
                        if !self.is_polling(id) {
                            self.rec.woken(id, WakeSource::Timer, t);
                        }
                        self.rec.sleep_done(id, requested, actual, t);
                    }
                }
                9 => {
                    let detail = match self.rng.below(4) {
                        0 => ResourceDetail::Semaphore {
                            permits: 2,
                            holders: 0,
                            waiters: 0,
                            max_holders: 0,
                        },
                        1 => ResourceDetail::Channel {
                            capacity: 3,
                            depth: 0,
                            max_depth: 0,
                            sent: 0,
                            received: 0,
                        },
                        2 => ResourceDetail::Fetch {
                            method: "GET".into(),
                            url: "/api/delay/5".into(),
                            status: None,
                            bytes: None,
                            aborted: false,
                            error: None,
                        },
                        _ => ResourceDetail::Request {
                            api: ["indexeddb", "worker"][self.rng.below(2)].into(),
                            operation: "get".into(),
                            outcome: None,
                            aborted: false,
                            error: None,
                        },
                    };
                    let kind = detail.kind();
                    let id = self.rec.resource_created("r", detail, here(), current, t);
                    match kind {
                        ResourceKind::Semaphore => self.semaphores.push((id, 0)),
                        ResourceKind::Channel => self.channels.push((id, 0)),
                        _ => self.flights.push(id),
                    }
                }
                10 => {
                    if let Some(i) =
                        (!self.semaphores.is_empty()).then(|| self.rng.below(self.semaphores.len()))
                    {
                        let (id, holders) = self.semaphores[i];
                        let what = match self.rng.below(3) {
                            0 => ResourceEvent::Waiting { waiters: 1 },
                            1 if holders < 2 => ResourceEvent::Acquired {
                                holders: holders + 1,
                                waiters: 0,
                            },
                            _ => ResourceEvent::Released {
                                holders: holders.saturating_sub(1),
                            },
                        };
                        self.semaphores[i].1 = match what {
                            ResourceEvent::Acquired { holders, .. }
                            | ResourceEvent::Released { holders } => holders,
                            _ => holders,
                        };
                        self.rec.resource(id, current, what, t);
                    }
                }
                11 => {
                    if let Some(i) =
                        (!self.channels.is_empty()).then(|| self.rng.below(self.channels.len()))
                    {
                        let (id, depth) = self.channels[i];
                        let what = if self.rng.chance(50) && depth < 3 {
                            ResourceEvent::Sent { depth: depth + 1 }
                        } else if depth > 0 {
                            ResourceEvent::Received { depth: depth - 1 }
                        } else {
                            ResourceEvent::Waiting { waiters: 1 }
                        };
                        self.channels[i].1 = match what {
                            ResourceEvent::Sent { depth } | ResourceEvent::Received { depth } => {
                                depth
                            }
                            _ => depth,
                        };
                        self.rec.resource(id, current, what, t);
                    }
                }
                12 => {
                    if !self.flights.is_empty() {
                        let i = self.rng.below(self.flights.len());
                        let id = self.flights.swap_remove(i);
                        let what = match self.rng.below(3) {
                            0 => ResourceEvent::Closed,
                            1 => ResourceEvent::Aborted,
                            _ => ResourceEvent::Done {
                                outcome: Rc::new("ok".into()),
                            },
                        };
                        self.rec.resource(id, current, what, t);
                    }
                }
                13 => {
                    let idle: Vec<TaskId> = self
                        .live
                        .iter()
                        .copied()
                        .filter(|id| !self.is_polling(*id))
                        .collect();
                    if let Some(id) = self.rng.pick(&idle) {
                        match self.rng.below(3) {
                            0 => self.rec.abort_requested(id, current, t),
                            1 => self.rec.cancelled(id, t, CancelReason::Aborted),
                            _ => self.rec.handle_dropped(id, || t),
                        }
                    }
                }
                14 => {
                    let live = self.live.clone();
                    if let Some(id) = self.rng.pick(&live) {
                        self.rec.waker_dropped(id, || t);
                    }
                }
                _ => {
                    if let Some(i) =
                        (!self.semaphores.is_empty()).then(|| self.rng.below(self.semaphores.len()))
                    {
                        if self.rng.chance(20) {
                            let (id, _) = self.semaphores.swap_remove(i);
                            self.rec.resource(id, current, ResourceEvent::Closed, t);
                        }
                    }
                }
            }
        }

        /// Ends the polls under way (before a reset or a replay), as the executor would.
        fn reset(&mut self) {
            self.rec.reset();
            self.live.clear();
            self.polling.clear();
            self.sleeping.clear();
            self.semaphores.clear();
            self.channels.clear();
            self.flights.clear();
        }
    }

    fn small_limits() -> Limits {
        Limits {
            events: 150,
            finished_tasks: 6,
            warnings: 4,
        }
    }

    #[test]
    fn the_incremental_model_equals_a_fresh_build_over_random_runs_with_wraps_and_resets() {
        let mut updates = 0;
        let mut resets = 0;
        let mut wrapped = 0;
        let mut checked_wrapped = 0;
        for seed in 1..=200u64 {
            let mut sim = Sim::new(seed, small_limits());
            let mut model = Model::default();
            for step in 0..600 {
                sim.step();
                if sim.rng.chance(25) {
                    model.update(&sim.rec, sim.t + 0.5);
                    updates += 1;
                }
                if sim.rng.chance(4) {
                    model.update(&sim.rec, sim.t + 0.5);
                    same(
                        &model,
                        &sim.rec,
                        sim.t + 0.5,
                        &format!("seed {seed} step {step}"),
                    );
                    checked_wrapped += usize::from(sim.rec.events().dropped() > 0);
                }
                if sim.rng.one_in(400) {
                    wrapped += usize::from(sim.rec.events().dropped() > 0);
                    sim.reset();
                    resets += 1;
                }
            }
            model.update(&sim.rec, sim.t + 1.0);
            same(
                &model,
                &sim.rec,
                sim.t + 1.0,
                &format!("seed {seed} at the end"),
            );
            wrapped += usize::from(sim.rec.events().dropped() > 0);
        }
        assert!(updates > 10_000, "{updates} updates");
        assert!(resets > 150, "{resets} resets");
        assert!(
            wrapped > 150,
            "the log wrapped in only {wrapped} recordings"
        );
        assert!(
            checked_wrapped > 1000,
            "{checked_wrapped} checks after the log wrapped"
        );
    }

    #[test]
    fn the_model_of_a_replayed_moment_follows_the_scrubber_both_ways() {
        for seed in 1..=60u64 {
            let mut sim = Sim::new(seed + 1000, small_limits());
            for _ in 0..500 {
                sim.step();
            }
            let (first, next) = (sim.rec.events().first_seq(), sim.rec.events().next_seq());
            let mut past = Model::default();
            // Forward event by event (incremental), then back (a fresh start each time).
            let seqs: Vec<u64> = (first..next)
                .step_by(7)
                .chain((first..next).rev().step_by(11))
                .collect();
            let mut rebuilt = 0;
            for seq in seqs {
                let moment = sim.rec.as_of(seq);
                let t = moment.events().last().map_or(0.0, |e| e.t_ms);
                if past.update(&moment, t) == Updated::Rebuilt {
                    rebuilt += 1;
                }
                same(&past, &moment, t, &format!("seed {seed} as of {seq}"));
            }
            assert!(
                rebuilt >= 2,
                "seed {seed}: going back starts afresh ({rebuilt})"
            );
        }
    }

    #[test]
    fn a_live_update_adds_only_the_new_events_and_keeps_memory_within_the_log() {
        let mut sim = Sim::new(7, small_limits());
        let mut model = Model::default();
        for _ in 0..50 {
            sim.step();
        }
        model.update(&sim.rec, sim.t);
        let rebuilds = model.rebuilds();
        for _ in 0..3000 {
            let before = sim.rec.events().next_seq();
            sim.step();
            let added = sim.rec.events().next_seq() - before;
            match model.update(&sim.rec, sim.t) {
                Updated::Added(n) => assert_eq!(n as u64, added),
                Updated::Unchanged => assert_eq!(added, 0),
                Updated::Rebuilt => panic!("appending never rebuilds"),
            }
            let items: usize = model
                .lanes()
                .map(|l| l.polls.len() + l.markers.len() + l.sleeps.len())
                .sum::<usize>()
                + model.wakes.len()
                + model.loop_polls.len()
                + model.flights.len()
                + model.counters().map(|c| c.points.len()).sum::<usize>();
            assert!(
                items <= 2 * small_limits().events,
                "{items} items for a log of 150"
            );
            assert!(model.tickets.len() <= small_limits().events);
            assert!(model.lane_count() <= sim.rec.task_count());
        }
        assert_eq!(model.rebuilds(), rebuilds);
    }

    #[test]
    fn with_nothing_recorded_the_model_stays_put_as_time_passes() {
        // The panel draws when the model changes: a range that moved with the clock would have
        // an idle page redraw, and tell its parent of a new window, forever.
        let rec = Recorder::default();
        let mut model = Model::default();
        assert_eq!(model.update(&rec, 10.0), Updated::Unchanged);
        assert_eq!(model.update(&rec, 20.0), Updated::Unchanged);
        assert_eq!((model.start, model.end, model.version()), (0.0, 0.0, 0));
        let mut rec = Recorder::default();
        let t = rec.spawn("t", None, here(), 5.0);
        rec.poll(t, 6.0, 7.0, false);
        model.update(&rec, 30.0);
        let (range, version) = ((model.start, model.end), model.version());
        assert_eq!(model.update(&rec, 40.0), Updated::Unchanged);
        assert_eq!(
            ((model.start, model.end), model.version()),
            (range, version)
        );
    }

    #[test]
    fn a_reset_starts_the_model_afresh_even_when_the_new_recording_is_longer() {
        let mut rec = Recorder::default();
        let a = rec.spawn("old", None, here(), 0.0);
        rec.poll(a, 1.0, 2.0, true);
        let mut model = Model::build(&rec, 3.0);
        assert!(model.lane(a).is_some());
        rec.reset();
        let b = rec.spawn("new", None, here(), 10.0);
        for i in 0..10 {
            rec.waker_cloned(b);
            rec.poll(b, 11.0 + i as f64, 11.5 + i as f64, false);
        }
        assert_eq!(model.update(&rec, 30.0), Updated::Rebuilt);
        assert!(model.lane(a).is_none(), "the old recording's task is gone");
        assert_eq!(model.lane(b).map(|l| l.polls.len()), Some(10));
        same(&model, &rec, 30.0, "after the reset");
    }

    #[test]
    fn polls_know_what_woke_them_and_wakes_find_the_poll_they_caused() {
        let mut rec = Recorder::default();
        let main = rec.spawn("main", None, here(), 0.0);
        rec.waker_cloned(main);
        let a = rec.spawn("a", Some(main), here(), 1.2);
        rec.poll(main, 1.0, 2.0, false);
        rec.waker_cloned(a);
        rec.poll(a, 3.0, 4.0, false);
        rec.woken(a, WakeSource::Timer, 50.0);
        rec.wake(main, WakeSource::Task(a), Some(a), 51.5);
        rec.poll(a, 51.0, 52.0, true);
        rec.poll(main, 53.0, 54.0, true);
        let model = Model::build(&rec, 60.0);
        let lane = model.lane(a).expect("a's lane");
        let spans: Vec<(f64, f64)> = lane.polls.iter().map(|p| (p.start, p.end)).collect();
        assert_eq!(spans, vec![(3.0, 4.0), (51.0, 52.0)]);
        assert_eq!(
            lane.polls[0].cause(0),
            PollCause::Unwoken,
            "the first poll follows the spawn"
        );
        assert_eq!(
            lane.polls[1].cause(0),
            PollCause::Wake(Woke {
                at: 50.0,
                by: WakeSource::Timer,
                from: None
            })
        );
        let main_lane = model.lane(main).expect("main's lane");
        assert_eq!(
            match main_lane.polls[1].cause(0) {
                PollCause::Wake(w) => Some((w.by, w.from)),
                _ => None,
            },
            Some((WakeSource::Task(a), Some(a))),
            "woken inside a's poll"
        );
        let wakes: Vec<(Option<TaskId>, TaskId, Option<f64>)> = model
            .wakes
            .iter()
            .map(|w| {
                (
                    w.from,
                    w.to,
                    model.lane(w.to).and_then(|l| l.poll_after(w.seq)),
                )
            })
            .collect();
        assert_eq!(
            wakes,
            vec![(None, a, Some(51.0)), (Some(a), main, Some(53.0))]
        );
        assert!(lane
            .markers
            .iter()
            .any(|m| m.kind == MarkerKind::Done && m.t == 52.0));
        assert_eq!((model.start, model.end), (0.0, 54.0));
        assert_eq!(model.children(None), &[main]);
        assert_eq!(model.children(Some(main)), &[a]);
    }

    #[test]
    fn a_tracing_span_is_a_lane_with_its_events_as_markers_that_ends_when_it_closes() {
        let mut rec = Recorder::default();
        let main = rec.spawn("main", None, here(), 0.0);
        let span = TaskId::new(9_000_000).expect("id");
        let meta = rec.task_meta(r#"search{query="rust"}"#, here(), 0, TaskKind::Span);
        rec.first_poll(span, meta, Some(main), 1.0);
        rec.log(Some(span), Level::Warn, "retrying attempt=2".into(), 1.5);
        rec.poll(span, 1.0, 2.0, false);
        rec.poll(main, 0.5, 2.5, false);
        rec.closed(span, 3.0);
        let model = Model::build(&rec, 10.0);
        let lane = model.lane(span).expect("the span's lane");
        assert_eq!(lane.parent, Some(main));
        assert!(!lane.top_level, "entered inside main's poll");
        let markers: Vec<(f64, MarkerKind)> =
            lane.markers.iter().map(|m| (m.t, m.kind.clone())).collect();
        assert_eq!(
            markers,
            [
                (
                    1.5,
                    MarkerKind::Log(Level::Warn, Rc::new("retrying attempt=2".into()))
                ),
                (3.0, MarkerKind::Done)
            ]
        );
        assert_eq!(lane.ended, Some(3.0));
        assert_eq!(model.children(Some(main)), &[span]);
    }

    #[test]
    fn pending_time_is_coloured_by_what_the_task_awaits() {
        let mut rec = Recorder::default();
        let sem = rec.resource_created(
            "lock",
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
        let t = rec.spawn("t", None, here(), 0.0);
        rec.waker_cloned(t);
        rec.resource(sem, Some(t), ResourceEvent::Waiting { waiters: 1 }, 1.5);
        rec.poll(t, 1.0, 2.0, false);
        let model = Model::build(&rec, 5.0);
        let mut seen = Vec::new();
        model.stretches(model.lane(t).expect("lane"), 0.0, 10.0, |a, b, s| {
            seen.push((a, b, s))
        });
        assert_eq!(
            seen,
            vec![
                (0.0, 1.0, Stretch::Scheduled(None)),
                (2.0, 5.0, Stretch::Waiting(Await::Semaphore, None))
            ],
            "scheduled until its first poll, then waiting for the semaphore it asked"
        );
        rec.woken(t, WakeSource::Semaphore(sem), 8.0);
        rec.poll(t, 9.0, 9.5, false);
        rec.sleep_started(t, 10.0, 9.2);
        let model = Model::build(&rec, 30.0);
        let mut seen = Vec::new();
        model.stretches(model.lane(t).expect("lane"), 0.0, 100.0, |a, b, s| {
            seen.push((a, b, s))
        });
        let woke = Woke {
            at: 8.0,
            by: WakeSource::Semaphore(sem),
            from: None,
        };
        assert_eq!(
            seen[1],
            (2.0, 8.0, Stretch::Waiting(Await::Semaphore, Some(woke)))
        );
        assert_eq!(seen[2], (8.0, 9.0, Stretch::Scheduled(Some(woke))));
        assert_eq!(seen[3], (9.5, 30.0, Stretch::Waiting(Await::Timer, None)));
        assert_eq!(
            model.source_label(WakeSource::Semaphore(sem)),
            "semaphore 'lock'"
        );
    }

    #[test]
    fn a_wait_keeps_its_colour_through_polls_that_did_not_end_it() {
        let mut rec = Recorder::default();
        let sem = rec.resource_created(
            "lock",
            ResourceDetail::Semaphore {
                permits: 1,
                holders: 1,
                waiters: 0,
                max_holders: 1,
            },
            here(),
            None,
            0.0,
        );
        let parent = rec.spawn("main", None, here(), 0.0);
        let t = rec.spawn("waiter", None, here(), 0.0);
        rec.waker_cloned(t);
        rec.resource(sem, Some(t), ResourceEvent::Waiting { waiters: 1 }, 1.5);
        rec.poll(t, 1.0, 2.0, false);
        // Polled again for another reason: still waiting for the permit.
        rec.woken(t, WakeSource::Task(parent), 5.0);
        rec.poll(t, 6.0, 6.5, false);
        rec.woken(t, WakeSource::Semaphore(sem), 9.0);
        rec.resource(
            sem,
            Some(t),
            ResourceEvent::Acquired {
                holders: 1,
                waiters: 0,
            },
            10.2,
        );
        rec.poll(t, 10.0, 10.5, false);
        rec.woken(t, WakeSource::Task(parent), 15.0);
        let model = Model::build(&rec, 20.0);
        let mut waits = Vec::new();
        model.stretches(model.lane(t).expect("lane"), 0.0, 100.0, |a, _, s| {
            if let Stretch::Waiting(w, _) = s {
                waits.push((a, w));
            }
        });
        assert_eq!(
            waits,
            vec![
                (2.0, Await::Semaphore),
                (6.5, Await::Semaphore),
                (10.5, Await::Task)
            ],
            "the permit came at 10.2: what it waited for after is what woke it"
        );
    }

    #[test]
    fn a_sleep_spans_from_its_start_past_its_due_time_to_when_it_fired() {
        let mut rec = Recorder::default();
        let t = rec.spawn("sleeper", None, here(), 0.0);
        rec.waker_cloned(t);
        rec.sleep_started(t, 100.0, 1.0);
        rec.poll(t, 1.0, 1.1, false);
        let model = Model::build(&rec, 50.0);
        let s = model.lane(t).expect("lane").sleeps[0];
        assert_eq!((s.due(), s.fired()), (101.0, None), "not fired yet");
        rec.woken(t, WakeSource::Timer, 104.5);
        rec.sleep_done(t, 100.0, 103.5, 104.6);
        let model = Model::build(&rec, 110.0);
        let s = model.lane(t).expect("lane").sleeps[0];
        assert_eq!((s.start, s.due(), s.fired()), (1.0, 101.0, Some(104.5)));
        assert!(
            (s.fired().unwrap_or(0.0) - s.due() - 3.5).abs() < 1e-9,
            "3.5 ms late"
        );
    }

    #[test]
    fn counters_follow_holders_and_depth_and_flights_their_requests() {
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
        for (t, what) in [
            (
                1.0,
                ResourceEvent::Acquired {
                    holders: 1,
                    waiters: 0,
                },
            ),
            (
                2.0,
                ResourceEvent::Acquired {
                    holders: 2,
                    waiters: 0,
                },
            ),
            (2.5, ResourceEvent::Waiting { waiters: 1 }),
            (3.0, ResourceEvent::Released { holders: 1 }),
        ] {
            rec.resource(sem, None, what, t);
        }
        let fetch = |rec: &mut Recorder, t: f64| {
            rec.resource_created(
                "GET /a",
                ResourceDetail::Fetch {
                    method: "GET".into(),
                    url: "/a".into(),
                    status: None,
                    bytes: None,
                    aborted: false,
                    error: None,
                },
                here(),
                None,
                t,
            )
        };
        let f1 = fetch(&mut rec, 4.0);
        let _f2 = fetch(&mut rec, 5.0);
        rec.resource(f1, None, ResourceEvent::Closed, 6.0);
        let model = Model::build(&rec, 10.0);
        let points: Vec<(f64, u32)> = model
            .counter(sem)
            .expect("a counter")
            .points
            .iter()
            .map(|p| (p.1, p.2))
            .collect();
        assert_eq!(points, vec![(0.0, 0), (1.0, 1), (2.0, 2), (3.0, 1)]);
        assert_eq!(model.resource(sem).and_then(|r| r.cap()), Some(2));
        assert_eq!(
            model.flight_classes().collect::<Vec<_>>(),
            vec![&FlightClass::Fetch]
        );
        let spans: Vec<(f64, Option<f64>)> =
            model.flights.iter().map(|f| (f.start, f.end)).collect();
        assert_eq!(spans, vec![(4.0, Some(6.0)), (5.0, None)]);
        assert_eq!(model.flights_in(5.5, 5.6).count(), 2);
        assert_eq!(
            model.flights_in(7.0, 8.0).count(),
            1,
            "the open one runs to now"
        );
    }
}
