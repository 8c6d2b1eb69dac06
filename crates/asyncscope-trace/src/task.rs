//! Traced tasks: [`spawn`] runs a future on the browser's event loop (through
//! `wasm_bindgen_futures::spawn_local`, which polls tasks in microtasks), [`instrument`] traces a
//! future its caller awaits. Both wrap the future in [`Traced`], which records each poll and
//! hands the future a waker of its own that records who woke it, and every copy made and dropped.
//!
//! A traced future polled inside another's poll (an `instrument` under a task) nests: its waker
//! wakes the outer one directly, without holding (and so without counting) a copy of it, its
//! busy time is its own and not the outer's, and a self-wake inside it is a self-wake of both.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use pin_project_lite::pin_project;

use super::clock::now_ms;
use super::devtools;
use super::event::{next_task_id, CancelReason, TaskId, TaskKind, TaskMeta, WakeSource};
use super::executor::{self, Outcome, RawTask};
use super::record;
use super::recorder::PollRecord;
use super::warning::LONG_POLL_MS;

/// A traced poll under way: polls nest when a task polls a traced future of its own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub task: TaskId,
    pub start: f64,
    /// Time spent in traced polls nested inside this one.
    pub children: f64,
    /// A nested poll was long: this one is long because of it.
    pub child_long: bool,
    /// Wakes of this task during this poll.
    pub self_wakes: u16,
}

thread_local! {
    /// The traced task being polled right now (the innermost, for nested `instrument`s).
    static CURRENT: Cell<Option<TaskId>> = const { Cell::new(None) };
    /// The traced polls under way, innermost last.
    static POLLS: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    /// What is calling wakers right now (a timer callback, a resource handing over), and when,
    /// if it already read the clock.
    static WAKE_SOURCE: Cell<Option<(WakeSource, Option<f64>)>> = const { Cell::new(None) };
    /// Why the futures being dropped right now are dropped (a timeout, a lost select).
    static DROP_REASON: Cell<Option<CancelReason>> = const { Cell::new(None) };
    /// The scope of the task being polled right now, which the tasks it spawns join.
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// The traced task being polled right now, if any.
pub fn current_task() -> Option<TaskId> {
    CURRENT.with(Cell::get)
}

/// Runs `f` (which may call wakers) with `source` named as the cause of any wake it causes.
pub fn with_wake_source<R>(source: WakeSource, f: impl FnOnce() -> R) -> R {
    let prev = WAKE_SOURCE.with(|s| s.replace(Some((source, None))));
    let out = f();
    WAKE_SOURCE.with(|s| s.set(prev));
    out
}

/// [`with_wake_source`] for a caller that read the clock already (`t`): the wakes it causes are
/// stamped `t`, with no further clock reads (a timer waking a thousand sleepers).
pub(crate) fn with_wake_source_at<R>(source: WakeSource, t: f64, f: impl FnOnce() -> R) -> R {
    let prev = WAKE_SOURCE.with(|s| s.replace(Some((source, Some(t)))));
    let out = f();
    WAKE_SOURCE.with(|s| s.set(prev));
    out
}

/// Runs `f` (which drops futures) recording `reason` as why any traced future it drops was
/// cancelled: `drop_with_reason(CancelReason::TimedOut, || drop(fut))`.
pub fn drop_with_reason<R>(reason: CancelReason, f: impl FnOnce() -> R) -> R {
    with_drop_reason(reason, f)
}

pub(crate) fn with_drop_reason<R>(reason: CancelReason, f: impl FnOnce() -> R) -> R {
    let prev = DROP_REASON.with(|r| r.replace(Some(reason)));
    let out = f();
    DROP_REASON.with(|r| r.set(prev));
    out
}

/// Why the futures being dropped right now are dropped, if someone said.
pub(crate) fn drop_reason() -> Option<CancelReason> {
    DROP_REASON.with(Cell::get)
}

/// Sets the scope the tasks spawned from now join; gives back the one before.
pub(crate) fn scope_swap(scope: Option<Scope>) -> Option<Scope> {
    SCOPE.with(|c| std::mem::replace(&mut *c.borrow_mut(), scope))
}

/// A traced poll under way: pushed on the poll stack when it starts, popped (also if the poll
/// unwinds) with what happened inside it.
pub(crate) struct PollScope {
    outer: Option<TaskId>,
}

/// What happened inside a poll that ended: time in traced polls nested in it, whether one of
/// them was long, and the task's wakes of itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PollInside {
    pub children: f64,
    pub child_long: bool,
    pub self_wakes: u16,
}

// Not inlined: called from `Traced::poll`, which the app builds at its own opt-level (see
// [`first_poll`]).
impl PollScope {
    #[inline(never)]
    pub(crate) fn enter(task: TaskId, start: f64) -> PollScope {
        PollScope {
            outer: push_poll(task, start),
        }
    }

    /// Ends the poll at `end`: what happened inside it, and its time added to the poll it is
    /// nested in.
    #[inline(never)]
    pub(crate) fn leave(self, end: f64) -> PollInside {
        // The unwinding path (`Drop`) is not taken: the frame is popped here.
        let this = ManuallyDrop::new(self);
        // Polls nest strictly: this one is the top of the stack.
        let inside = POLLS.with(|p| {
            let mut polls = p.borrow_mut();
            let Some(frame) = polls.pop() else {
                return PollInside::default();
            };
            credit_outer(polls.last_mut(), &frame, end);
            PollInside {
                children: frame.children,
                child_long: frame.child_long,
                self_wakes: frame.self_wakes,
            }
        });
        CURRENT.with(|c| c.set(this.outer));
        inside
    }
}

impl Drop for PollScope {
    /// The poll unwound: its frame is still on the stack.
    fn drop(&mut self) {
        POLLS.with(|p| p.borrow_mut().pop());
        CURRENT.with(|c| c.set(self.outer));
    }
}

/// A poll of `task` begins at `start` (a task's, an instrumented future's, or a span's entry):
/// it is the current task until it ends. Gives the task current before it.
pub(crate) fn push_poll(task: TaskId, start: f64) -> Option<TaskId> {
    POLLS.with(|p| {
        p.borrow_mut().push(Frame {
            task,
            start,
            children: 0.0,
            child_long: false,
            self_wakes: 0,
        })
    });
    CURRENT.with(|c| c.replace(Some(task)))
}

/// A nested poll that began at `frame.start` ended at `end`: its time goes to the poll it was
/// nested in (`outer`, if any), and its length decides whether that one was long because of it.
fn credit_outer(outer: Option<&mut Frame>, frame: &Frame, end: f64) {
    if let Some(outer) = outer {
        let whole = end - frame.start;
        outer.children += whole;
        outer.child_long |= whole > LONG_POLL_MS || frame.child_long;
    }
}

/// A span's entry ends at `end`: its frame (the innermost of `task`'s, the top of the stack
/// unless spans were exited out of order, which `tracing` allows), its time credited to the
/// poll it was nested in. The caller puts back the current task ([`restore_current`]).
#[cfg(feature = "tracing")]
pub(crate) fn pop_span(task: TaskId, end: f64) -> Option<Frame> {
    POLLS.with(|p| {
        let mut polls = p.borrow_mut();
        let at = polls.iter().rposition(|f| f.task == task)?;
        let frame = polls.remove(at);
        credit_outer(
            at.checked_sub(1).and_then(|i| polls.get_mut(i)),
            &frame,
            end,
        );
        Some(frame)
    })
}

/// Makes `task` the current task again if `was` is (the end of a span's entry: see
/// [`push_poll`]).
#[cfg(feature = "tracing")]
pub(crate) fn restore_current(was: TaskId, task: Option<TaskId>) {
    CURRENT.with(|c| {
        if c.get() == Some(was) {
            c.set(task);
        }
    });
}

/// Counts a wake of `task` during one of its own polls (true), or says it is not being polled.
pub(crate) fn self_wake(task: TaskId) -> bool {
    POLLS.with(|p| {
        let mut polls = p.borrow_mut();
        match polls.iter_mut().rev().find(|f| f.task == task) {
            Some(frame) => {
                frame.self_wakes = frame.self_wakes.saturating_add(1);
                true
            }
            None => false,
        }
    })
}

/// The poll under way of `task` (for the panic hook: the poll that panicked).
pub(crate) fn poll_under_way(task: TaskId) -> Option<Frame> {
    POLLS
        .try_with(|p| {
            p.try_borrow()
                .ok()
                .and_then(|polls| polls.iter().rev().find(|f| f.task == task).copied())
        })
        .ok()
        .flatten()
}

pin_project! {
    /// A future whose polls, wakes and cancellation are recorded as task `id`.
    pub struct Traced<F: Future> {
        id: TaskId,
        // `None` in a build that does not record.
        meta: Option<Rc<TaskMeta>>,
        // An instrumented future is recorded at its first poll.
        recorded: bool,
        done: bool,
        outcome: Option<Outcome<F::Output>>,
        // Our waker, around the one we were last polled with.
        waker: Option<Rc<TaskWaker>>,
        #[pin]
        inner: F,
    }

    impl<F: Future> PinnedDrop for Traced<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(meta) = this.meta.as_ref().filter(|_| !*this.done) {
                dropped_before_done(*this.id, meta, *this.recorded);
            }
        }
    }
}

impl<F: Future> Traced<F> {
    fn new(
        id: TaskId,
        meta: Option<Rc<TaskMeta>>,
        inner: F,
        outcome: Option<Outcome<F::Output>>,
        recorded: bool,
    ) -> Self {
        Traced {
            id,
            meta,
            recorded,
            done: false,
            outcome,
            waker: None,
            inner,
        }
    }

    /// The id it is recorded as.
    pub fn id(&self) -> TaskId {
        self.id
    }
}

/// Whether `kept` (our waker of an earlier poll) wakes what `outer` wakes.
fn same_target(kept: &TaskWaker, outer: &Waker) -> bool {
    match &kept.target {
        Target::Outer(w) => w.will_wake(outer),
        Target::Parent(p) => {
            (outer.vtable() == &VTABLE && std::ptr::eq(Rc::as_ptr(p).cast(), outer.data()))
                || (outer.vtable() == &BORROWED
                    // SAFETY: a waker of BORROWED points at a live PollWaker (see `poll`).
                    && unsafe { &*outer.data().cast::<PollWaker>() }
                        .shared
                        .borrow()
                        .as_ref()
                        .is_some_and(|s| Rc::ptr_eq(s, p)))
        }
        Target::Task(t) => {
            outer.vtable() == &executor::WAKER_VTABLE
                && std::ptr::eq((t.header() as *const executor::Header).cast(), outer.data())
        }
    }
}

/// What waking a future polled with `outer` must wake: a traced outer waker (we are nested) is
/// woken directly, without a counted copy of it.
fn target_of(outer: &Waker) -> Target {
    if outer.vtable() == &VTABLE {
        // SAFETY: a waker with our vtable has an `Rc<TaskWaker>` pointer as its data (see
        // `clone_raw`), alive for as long as `outer` is; we take a reference of our own to it,
        // which no recorded count sees.
        let parent = unsafe {
            let ptr = outer.data().cast::<TaskWaker>();
            Rc::increment_strong_count(ptr);
            Rc::from_raw(ptr)
        };
        Target::Parent(parent)
    } else if outer.vtable() == &BORROWED {
        // SAFETY: a waker of BORROWED points at a live PollWaker (see `Traced::poll`).
        let parent = unsafe { &*outer.data().cast::<PollWaker>() };
        Target::Parent(parent.shared())
    } else if let Some(task) = executor::nested_parent(outer) {
        Target::Task(task)
    } else {
        Target::Outer(outer.clone())
    }
}

/// A traced future's waker for one poll, on the poll's stack, until a copy of it is made: a
/// short future that never keeps its waker costs no allocation for it. The first copy makes
/// the shared, counted one ([`TaskWaker`] in an `Rc`), kept for the future's later polls.
struct PollWaker {
    waker: TaskWaker,
    shared: RefCell<Option<Rc<TaskWaker>>>,
}

impl PollWaker {
    /// The shared waker, made on first need.
    fn shared(&self) -> Rc<TaskWaker> {
        Rc::clone(self.shared.borrow_mut().get_or_insert_with(|| {
            Rc::new(TaskWaker {
                task: self.waker.task,
                target: self.waker.target.clone(),
            })
        }))
    }
}

// The borrowed waker's vtable: copies are made of the shared one; it is never dropped or woken
// by value (only ever lent, in a `Context`).
static BORROWED: RawWakerVTable = RawWakerVTable::new(
    clone_borrowed,
    wake_borrowed,
    wake_by_ref_borrowed,
    drop_borrowed,
);

unsafe fn clone_borrowed(data: *const ()) -> RawWaker {
    // SAFETY: `data` is the PollWaker of a poll under way (see `Traced::poll`).
    let poll_waker = unsafe { &*data.cast::<PollWaker>() };
    let shared = Rc::into_raw(poll_waker.shared());
    // SAFETY: `shared` is an `Rc<TaskWaker>` pointer: counted like any copy (`clone_raw`),
    // then the extra reference `into_raw` made is given back.
    unsafe {
        let copy = clone_raw(shared.cast());
        drop(Rc::from_raw(shared));
        copy
    }
}

unsafe fn wake_borrowed(data: *const ()) {
    // SAFETY: as in `clone_borrowed`; nothing to drop (never owned).
    unsafe { wake_by_ref_borrowed(data) }
}

unsafe fn wake_by_ref_borrowed(data: *const ()) {
    // SAFETY: as in `clone_borrowed`.
    unsafe { &*data.cast::<PollWaker>() }.waker.wake_by_ref();
}

unsafe fn drop_borrowed(_data: *const ()) {}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(meta) = this.meta.as_ref() else {
            // A build that does not record: the future as it is.
            return this.inner.poll(cx);
        };
        if super::stopped_by_panic() {
            return Poll::Pending; // the module trapped: nothing of it runs again
        }
        let id = *this.id;
        // The shared waker of an earlier poll if it still wakes the right thing; else one on
        // this poll's stack, made shared only if the future copies it.
        if this
            .waker
            .as_ref()
            .is_some_and(|w| !same_target(w, cx.waker()))
        {
            *this.waker = None;
        }
        let poll_waker = PollWaker {
            waker: TaskWaker {
                task: id,
                target: match this.waker {
                    Some(_) => Target::Outer(Waker::noop().clone()),
                    None => target_of(cx.waker()),
                },
            },
            shared: RefCell::new(this.waker.clone()),
        };
        // A lent waker: never dropped; the copies the future makes are counted.
        let waker = ManuallyDrop::new(match this.waker {
            // SAFETY: the pointer comes from an `Rc<TaskWaker>` kept alive for this whole poll
            // (`this.waker`), and VTABLE's functions treat it as exactly that.
            Some(ours) => unsafe {
                Waker::from_raw(RawWaker::new(Rc::as_ptr(ours).cast(), &VTABLE))
            },
            // SAFETY: `poll_waker` outlives this poll, and BORROWED's functions treat the
            // pointer as a PollWaker.
            None => unsafe {
                Waker::from_raw(RawWaker::new(
                    std::ptr::from_ref(&poll_waker).cast(),
                    &BORROWED,
                ))
            },
        });
        let start = now_ms();
        if !*this.recorded {
            *this.recorded = true;
            first_poll(id, meta, start);
        }
        let scope = PollScope::enter(id, start);
        let result = this.inner.poll(&mut Context::from_waker(&waker));
        let end = now_ms();
        // A copy was made: keep the shared waker for the next polls.
        if this.waker.is_none() {
            *this.waker = poll_waker.shared.take();
        }
        let inside = scope.leave(end);
        let poll = PollRecord {
            start_ms: start,
            children_ms: inside.children,
            ready: result.is_ready(),
            self_wakes: inside.self_wakes,
            child_long: inside.child_long,
        };
        let error = match &result {
            Poll::Pending => None,
            Poll::Ready(output) => {
                *this.done = true;
                this.outcome.and_then(|outcome| outcome(output))
            }
        };
        polled(id, end, poll, error);
        result
    }
}

// What a traced future records is recorded by these functions, not inline in its generic code:
// that is built where the future's type is known, in the app's crate and at its opt-level
// ("z" for the app's release build), where these stay at the tracer's (see Cargo.toml).

/// An instrumented future's first poll begins at `start`: its row starts, under the task
/// polling it.
#[inline(never)]
fn first_poll(id: TaskId, meta: &Rc<TaskMeta>, start: f64) {
    let meta = Rc::clone(meta);
    let parent = current_task();
    record(|r| r.first_poll(id, meta, parent, start));
}

/// A traced future's poll ended at `end` (ready, with its outcome's error if any, as `poll`
/// says): one event for the whole poll, recorded at its end.
#[inline(never)]
fn polled(id: TaskId, end: f64, poll: PollRecord, error: Option<String>) {
    record(|r| {
        r.polled(id, end, poll);
        if let Some(error) = error {
            r.failed(id, error, end);
        }
    });
    devtools::poll(id, poll.start_ms, end);
}

/// A traced future dropped before it completed: cancelled, or (never polled) dropped unpolled.
#[inline(never)]
fn dropped_before_done(id: TaskId, meta: &Rc<TaskMeta>, recorded: bool) {
    let reason = DROP_REASON.with(Cell::get).unwrap_or(CancelReason::Dropped);
    let now = now_ms();
    if recorded {
        record(|r| r.cancelled(id, now, reason));
    } else {
        let meta = Rc::clone(meta);
        let owner = current_task();
        record(|r| r.dropped_unpolled(id, meta, owner, now, reason));
    }
}

/// Records a wake of `task` now: a self-wake if it is being polled (counted in its poll's
/// record, with no event and no clock: its scheduled time runs from the poll's end), else a
/// wake by whatever is named (a timer, a resource handing over) or by the task being polled.
pub(crate) fn record_wake(task: TaskId) {
    if !super::ENABLED || self_wake(task) {
        return;
    }
    let (hint, at) = match WAKE_SOURCE.with(Cell::get) {
        Some((source, at)) => (Some(source), at),
        None => (None, None),
    };
    let running = current_task();
    let by = hint.unwrap_or(match running {
        Some(running) => WakeSource::Task(running),
        None => WakeSource::External,
    });
    // Outside any poll, a task handing over its output is where the wake comes from.
    let from = running.or(match by {
        WakeSource::Task(from) => Some(from),
        _ => None,
    });
    let t = at.unwrap_or_else(now_ms);
    record(|r| r.wake(task, by, from, t));
}

/// What waking a traced task wakes next.
#[derive(Clone)]
enum Target {
    /// The executor's waker (or any untraced one) it was polled with.
    Outer(Waker),
    /// The traced future it is nested in: woken as that one, not through a copy of its waker.
    Parent(Rc<TaskWaker>),
    /// The spawned task it is nested in, likewise.
    Task(RawTask),
}

/// The waker a traced future sees: records the wake, then wakes the real task.
struct TaskWaker {
    task: TaskId,
    target: Target,
}

impl TaskWaker {
    fn wake_by_ref(&self) {
        if super::stopped_by_panic() {
            return; // the module trapped: see `stopped_by_panic`
        }
        record_wake(self.task);
        match &self.target {
            Target::Outer(waker) => waker.wake_by_ref(),
            Target::Parent(parent) => parent.wake_by_ref(),
            Target::Task(task) => executor::wake_task(task.header()),
        }
    }

    /// This task and the traced tasks it is nested in, innermost first.
    fn for_each_ancestor(&self, mut f: impl FnMut(TaskId)) {
        let mut target = &self.target;
        loop {
            match target {
                Target::Parent(parent) => {
                    f(parent.task);
                    target = &parent.target;
                }
                Target::Task(task) => return f(task.header().id),
                Target::Outer(_) => return,
            }
        }
    }
}

// A hand-written vtable (rather than `std::task::Wake`) so that clones and drops are counted:
// a pending task whose last waker copy is gone can never be woken again (a lost waker).
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: `data` is an `Rc<TaskWaker>` pointer (see `Traced::poll` and this function); the
    // count is raised for the copy this returns.
    let waker = unsafe {
        Rc::increment_strong_count(data.cast::<TaskWaker>());
        &*data.cast::<TaskWaker>()
    };
    let task = waker.task;
    record(|r| {
        r.waker_cloned(task);
        waker.for_each_ancestor(|a| r.nested_waker_cloned(a));
    });
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake_raw(data: *const ()) {
    // SAFETY: as in `clone_raw`; waking by value consumes this copy, so drop it after.
    unsafe {
        wake_by_ref_raw(data);
        drop_raw(data);
    }
}

unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: as in `clone_raw`; borrowed for this call only.
    let waker = unsafe { &*data.cast::<TaskWaker>() };
    waker.wake_by_ref();
}

unsafe fn drop_raw(data: *const ()) {
    // SAFETY: `data` is a counted copy made by `clone_raw`; this releases it.
    let waker = unsafe { Rc::from_raw(data.cast::<TaskWaker>()) };
    let task = waker.task;
    record(|r| {
        r.waker_dropped(task, now_ms);
        waker.for_each_ancestor(|a| r.nested_waker_dropped(a, now_ms));
    });
}

/// Traces `future` as a task of its own, named `name`, child of the task that polls it. For
/// futures awaited in place (a branch of `join!` or `select!`) so that each gets its own row.
/// Its row starts at its first poll; dropped before one, it is recorded as dropped unpolled.
#[track_caller]
pub fn instrument<F: Future>(name: &str, future: F) -> Traced<F> {
    let size = std::mem::size_of::<F>();
    let meta = super::ENABLED.then(|| instrumented_meta(name, Location::caller(), size));
    Traced::new(next_task_id(), meta, future, None, false)
}

/// The description of an instrumented future (not generic: see [`first_poll`]).
#[inline(never)]
fn instrumented_meta(
    name: &str,
    location: &'static Location<'static>,
    size: usize,
) -> Rc<TaskMeta> {
    // Nothing is recorded yet (its row starts at its first poll): no one to tell.
    super::record_quietly(|r| r.task_meta(name, location, size, TaskKind::Instrumented))
}

/// Runs `future` on the browser's event loop as a traced task named `name`, child of the task
/// that spawns it. Like `asyncio.create_task`: it starts without being awaited; the handle can
/// be awaited for its output, or dropped to let it run detached, or used to abort it.
#[track_caller]
pub fn spawn<F>(name: &str, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_traced(name, Location::caller(), future, None)
}

/// [`spawn`] for a future that returns a `Result`: an `Err` marks the task failed (with the
/// error's message), and a warning is raised if its `JoinHandle` was dropped, since then
/// nobody sees the error.
#[track_caller]
pub fn spawn_fallible<F, T, E>(name: &str, future: F) -> JoinHandle<Result<T, E>>
where
    F: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: fmt::Display + 'static,
{
    let outcome: Outcome<Result<T, E>> = |r| r.as_ref().err().map(ToString::to_string);
    spawn_traced(name, Location::caller(), future, Some(outcome))
}

/// `wasm_bindgen_futures::spawn_local`, traced: the same signature, so that switching is one
/// word (`use asyncscope_trace::spawn_local;`). The task is named after where it is spawned
/// (`src/app.rs:42`), and it runs detached: with no handle, nothing is recorded or warned about
/// one being dropped. Give it a name, a handle or an error of its own with [`spawn`] and
/// [`spawn_fallible`]. In a build without the `enabled` feature it is wasm-bindgen-futures' own.
#[track_caller]
pub fn spawn_local<F>(future: F)
where
    F: Future<Output = ()> + 'static,
{
    // A build that does not record: wasm-bindgen-futures' own, so that the switch costs nothing.
    #[cfg(target_arch = "wasm32")]
    if !super::ENABLED {
        return wasm_bindgen_futures::spawn_local(future);
    }
    start(Described::At(Location::caller()), future, None);
}

fn spawn_traced<F>(
    name: &str,
    location: &'static Location<'static>,
    future: F,
    outcome: Option<Outcome<F::Output>>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let task = start(Described::Named(name, location), future, outcome);
    JoinHandle {
        handle: executor::Handle::new(task),
        delivered: false,
    }
}

/// How a spawned task is named: by its spawner, or after where it was spawned.
enum Described<'a> {
    Named(&'a str, &'static Location<'static>),
    At(&'static Location<'static>),
}

/// Records the spawn of a task described by `meta`, in the scope of the task spawning it, and
/// queues it.
fn start<F>(meta: Described<'_>, future: F, outcome: Option<Outcome<F::Output>>) -> RawTask
where
    F: Future + 'static,
    F::Output: 'static,
{
    let (id, scope) = spawned(meta, std::mem::size_of::<F>());
    let task = executor::spawn_task(id, future, outcome, scope.clone());
    if let Some(scope) = &scope {
        scope.register(&task);
    }
    task
}

/// Records the spawn of a new task (its future of `size` bytes) by the task being polled, and
/// gives its id and the scope it joins (not generic: see [`first_poll`]).
#[inline(never)]
fn spawned(meta: Described<'_>, size: usize) -> (TaskId, Option<Scope>) {
    let id = next_task_id();
    record(|r| {
        let meta = match meta {
            Described::Named(name, location) => {
                r.task_meta(name, location, size, TaskKind::Spawned)
            }
            Described::At(location) => r.task_meta_at(location, size, TaskKind::Spawned),
        };
        r.spawn_task(id, meta, current_task(), now_ms());
    });
    (id, current_scope())
}

fn current_scope() -> Option<Scope> {
    SCOPE.with(|s| s.borrow().clone())
}

/// The tasks spawned, directly or not, from the tasks of a scope: aborted together, as
/// `asyncio.run` cancels the tasks its main left running. A task joins the scope of the task
/// that spawns it; [`Scope::spawn`] starts one in this scope.
#[derive(Clone, Default)]
pub struct Scope {
    inner: Rc<RefCell<ScopeInner>>,
}

#[derive(Default)]
struct ScopeInner {
    tasks: Vec<RawTask>,
    /// Aborted: tasks spawned into it from now on are aborted at once.
    closed: bool,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// Spawns a task (see [`spawn`]) in this scope: it, and every task spawned from it, are
    /// aborted by [`Scope::abort_all`].
    #[track_caller]
    pub fn spawn<F>(&self, name: &str, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_at(name, Location::caller(), future)
    }

    /// [`Scope::spawn`] with the place to show as where the task was spawned: a harness that
    /// spawns someone else's future names that future's file rather than its own.
    pub fn spawn_at<F>(
        &self,
        name: &str,
        location: &'static Location<'static>,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let outer = scope_swap(Some(self.clone()));
        let handle = spawn_traced(name, location, future, None);
        scope_swap(outer);
        handle
    }

    fn register(&self, task: &RawTask) {
        let closed = {
            let mut inner = self.inner.borrow_mut();
            // Forget finished tasks now and then, so a long-lived scope stays small.
            if inner.tasks.len() >= 64 && inner.tasks.len().is_power_of_two() {
                inner
                    .tasks
                    .retain(|t| t.header().status.get() == executor::Status::Running);
            }
            inner.tasks.push(task.clone());
            inner.closed
        };
        if closed {
            executor::abort(task.header());
        }
    }

    /// Aborts every task of the scope still running, and any spawned into it later.
    pub fn abort_all(&self) {
        let tasks = {
            let mut inner = self.inner.borrow_mut();
            inner.closed = true;
            std::mem::take(&mut inner.tasks)
        };
        // Outside the borrow: aborting may record, and the tasks may spawn (and so register).
        for task in tasks {
            executor::abort(task.header());
        }
    }

    /// Tasks of the scope still running.
    pub fn live(&self) -> usize {
        self.inner
            .borrow()
            .tasks
            .iter()
            .filter(|t| t.header().status.get() == executor::Status::Running)
            .count()
    }
}

/// Awaits a spawned task's output; dropping it detaches the task, [`JoinHandle::abort`] cancels it.
#[must_use = "a dropped JoinHandle detaches its task; await it or call abort()"]
pub struct JoinHandle<T> {
    handle: executor::Handle<T>,
    /// The output (or the cancellation) reached whoever awaits this handle.
    delivered: bool,
}

impl<T: 'static> JoinHandle<T> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.handle.task.header().id
    }

    /// Cancels the task: its future is dropped on the event loop's next turn, and awaiting this
    /// handle gives [`JoinError::Cancelled`]. A task that completes in the poll running now
    /// completes.
    pub fn abort(&self) {
        executor::abort(self.handle.task.header());
    }

    /// A handle that can abort the task from elsewhere (a Cancel button) while this one is awaited.
    pub fn abort_handle(&self) -> TaskAbort {
        TaskAbort {
            task: self.handle.task.clone(),
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let header = self.handle.task.header();
        let id = header.id;
        match header.status.get() {
            executor::Status::Running => {
                executor::join(header, cx.waker());
                Poll::Pending
            }
            executor::Status::Completed => {
                self.delivered = true;
                // SAFETY: a `JoinHandle<T>` is only made for a task whose output is `T`.
                let output = unsafe { executor::take_output::<T>(&self.handle.task) };
                Poll::Ready(output.ok_or(JoinError::Cancelled(id)))
            }
            executor::Status::Cancelled => {
                self.delivered = true;
                Poll::Ready(Err(JoinError::Cancelled(id)))
            }
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.delivered {
            handle_dropped(self.handle.task.header().id);
        }
    }
}

/// A task's handle was dropped before it gave its output (not generic: see [`first_poll`]).
#[inline(never)]
fn handle_dropped(id: TaskId) {
    record(|r| r.handle_dropped(id, now_ms));
}

/// Aborts one task; cheap to clone.
#[derive(Clone)]
pub struct TaskAbort {
    task: RawTask,
}

impl TaskAbort {
    /// Cancels the task, as [`JoinHandle::abort`] does.
    pub fn abort(&self) {
        executor::abort(self.task.header());
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.header().id
    }
}

/// Why a [`JoinHandle`] gave no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    /// The task was aborted, or its future dropped, before it completed.
    Cancelled(TaskId),
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled(id) => write!(f, "task {id} was cancelled before it completed"),
        }
    }
}

impl std::error::Error for JoinError {}
