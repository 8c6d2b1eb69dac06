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
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use pin_project_lite::pin_project;

use super::clock::{last_ms, now_ms};
use super::devtools;
use super::event::{next_task_id, CancelReason, TaskId, TaskKind, TaskMeta, WakeSource};
use super::record;

thread_local! {
    /// The traced task being polled right now (the innermost, for nested `instrument`s).
    static CURRENT: Cell<Option<TaskId>> = const { Cell::new(None) };
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

fn with_drop_reason<R>(reason: CancelReason, f: impl FnOnce() -> R) -> R {
    let prev = DROP_REASON.with(|r| r.replace(Some(reason)));
    let out = f();
    DROP_REASON.with(|r| r.set(prev));
    out
}

/// Tells the recorder whether a task's output is an error (for `spawn_fallible`).
type Outcome<T> = fn(&T) -> Option<String>;

/// Restores the current task when a poll ends, also if it unwinds.
struct PollScope(Option<TaskId>);

impl Drop for PollScope {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

pin_project! {
    /// A future whose polls, wakes and cancellation are recorded as task `id`.
    pub struct Traced<F: Future> {
        id: TaskId,
        meta: Rc<TaskMeta>,
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
            if *this.done {
                return;
            }
            let id = *this.id;
            let reason = DROP_REASON.with(Cell::get).unwrap_or(CancelReason::Dropped);
            let now = now_ms();
            if *this.recorded {
                record(|r| r.cancelled(id, now, reason));
            } else {
                let meta = Rc::clone(this.meta);
                record(|r| r.dropped_unpolled(id, meta, now, reason));
            }
        }
    }
}

impl<F: Future> Traced<F> {
    fn new(
        id: TaskId,
        meta: Rc<TaskMeta>,
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

    pub fn id(&self) -> TaskId {
        self.id
    }
}

/// Our waker for task `task` polled with `outer`: the one kept if `outer` wakes the same
/// thing, else a new one. A traced outer waker (we are nested) is woken directly, not copied.
fn task_waker(kept: &mut Option<Rc<TaskWaker>>, task: TaskId, outer: &Waker) -> Rc<TaskWaker> {
    if let Some(ours) = kept {
        let same = match &ours.target {
            Target::Outer(w) => w.will_wake(outer),
            Target::Parent(p) => {
                outer.vtable() == &VTABLE && std::ptr::eq(Rc::as_ptr(p).cast(), outer.data())
            }
        };
        if same {
            return Rc::clone(ours);
        }
    }
    let target = if outer.vtable() == &VTABLE {
        // SAFETY: a waker with our vtable has an `Rc<TaskWaker>` pointer as its data (see
        // `clone_raw`), alive for as long as `outer` is; we take a reference of our own to it,
        // which no recorded count sees.
        let parent = unsafe {
            let ptr = outer.data().cast::<TaskWaker>();
            Rc::increment_strong_count(ptr);
            Rc::from_raw(ptr)
        };
        Target::Parent(parent)
    } else {
        Target::Outer(outer.clone())
    };
    let ours = Rc::new(TaskWaker { task, target });
    *kept = Some(Rc::clone(&ours));
    ours
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if super::stopped_by_panic() {
            return Poll::Pending; // the module trapped: nothing of it runs again
        }
        let this = self.project();
        let id = *this.id;
        let ours = task_waker(this.waker, id, cx.waker());
        // A borrowed waker: not counted, never dropped; the copies the future makes are counted.
        let waker = ManuallyDrop::new(unsafe {
            // SAFETY: the pointer comes from an `Rc<TaskWaker>` that `ours` keeps alive for
            // this whole poll, and VTABLE's functions treat it as exactly that.
            Waker::from_raw(RawWaker::new(Rc::as_ptr(&ours).cast(), &VTABLE))
        });
        let start = now_ms();
        if *this.recorded {
            record(|r| r.poll_start(id, start));
        } else {
            *this.recorded = true;
            let meta = Rc::clone(this.meta);
            record(|r| r.first_poll(id, meta, start));
        }
        let result = {
            let _restore = PollScope(CURRENT.with(|c| c.replace(Some(id))));
            this.inner.poll(&mut Context::from_waker(&waker))
        };
        let end = now_ms();
        match &result {
            Poll::Pending => record(|r| r.poll_end(id, end, false)),
            Poll::Ready(output) => {
                *this.done = true;
                let error = this.outcome.and_then(|outcome| outcome(output));
                record(|r| {
                    r.poll_end(id, end, true);
                    if let Some(error) = error {
                        r.failed(id, error, end);
                    }
                });
            }
        }
        devtools::poll(id, start, end);
        result
    }
}

/// What waking a traced task wakes next.
enum Target {
    /// The executor's waker (or any untraced one) it was polled with.
    Outer(Waker),
    /// The traced task it is nested in: woken as that task, not through a copy of its waker.
    Parent(Rc<TaskWaker>),
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
        let task = self.task;
        let (hint, at) = match WAKE_SOURCE.with(Cell::get) {
            Some((source, at)) => (Some(source), at),
            None => (None, None),
        };
        // A wake inside the task's own poll needs no clock: its scheduled time runs from the
        // poll's end.
        let t = at.unwrap_or_else(|| {
            if current_task() == Some(task) {
                last_ms()
            } else {
                now_ms()
            }
        });
        record(|r| r.wake(task, hint, t));
        match &self.target {
            Target::Outer(waker) => waker.wake_by_ref(),
            Target::Parent(parent) => parent.wake_by_ref(),
        }
    }

    /// This task and the traced tasks it is nested in, innermost first.
    fn for_each_ancestor(&self, mut f: impl FnMut(TaskId)) {
        let mut target = &self.target;
        while let Target::Parent(parent) = target {
            f(parent.task);
            target = &parent.target;
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
    let location = Location::caller();
    let id = next_task_id();
    let meta = record(|r| {
        Rc::new(TaskMeta {
            name: r.intern(name),
            location,
            size: std::mem::size_of::<F>(),
            kind: TaskKind::Instrumented,
        })
    });
    Traced::new(id, meta, future, None, false)
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
    let id = next_task_id();
    let parent = current_task();
    let t = now_ms();
    let meta = record(|r| {
        let meta = Rc::new(TaskMeta {
            name: r.intern(name),
            location,
            size: std::mem::size_of::<F>(),
            kind: TaskKind::Spawned,
        });
        r.spawn_task(id, Rc::clone(&meta), parent, t);
        meta
    });
    let shared = Rc::new(Shared::new(id));
    let scope = current_scope();
    if let Some(scope) = &scope {
        let control: Rc<dyn Control> = Rc::clone(&shared) as Rc<dyn Control>;
        scope.register(Rc::downgrade(&control));
    }
    wasm_bindgen_futures::spawn_local(TaskFuture {
        shared: Rc::clone(&shared),
        scope,
        traced: Some(Traced::new(id, meta, future, outcome, true)),
    });
    JoinHandle {
        shared,
        delivered: false,
    }
}

fn current_scope() -> Option<Scope> {
    SCOPE.with(|s| s.borrow().clone())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Running,
    /// The output is waiting for (or was taken by) the handle.
    Completed,
    Cancelled,
}

/// What a spawned task and its handle share: the output, who waits for it, and the abort.
struct Shared<T> {
    id: TaskId,
    status: Cell<Status>,
    output: RefCell<Option<T>>,
    abort: Cell<bool>,
    /// The executor's waker of the task, to get it polled (and dropped) when aborted.
    executor: RefCell<Option<Waker>>,
    /// The waker of whoever awaits the handle.
    joiner: RefCell<Option<Waker>>,
}

impl<T> Shared<T> {
    fn new(id: TaskId) -> Self {
        Shared {
            id,
            status: Cell::new(Status::Running),
            output: RefCell::new(None),
            abort: Cell::new(false),
            executor: RefCell::new(None),
            joiner: RefCell::new(None),
        }
    }

    /// The task ended (`output` if it completed): the one awaiting its handle is woken by it.
    fn finish(&self, output: Option<T>) {
        self.status.set(if output.is_some() {
            Status::Completed
        } else {
            Status::Cancelled
        });
        *self.output.borrow_mut() = output;
        let joiner = self.joiner.borrow_mut().take();
        if let Some(joiner) = joiner {
            with_wake_source_at(WakeSource::Task(self.id), last_ms(), || joiner.wake());
        }
    }
}

/// A spawned task's abort, whatever its output's type (for [`TaskAbort`] and [`Scope`]).
trait Control {
    fn id(&self) -> TaskId;
    fn abort(&self);
    fn running(&self) -> bool;
}

impl<T> Control for Shared<T> {
    fn id(&self) -> TaskId {
        self.id
    }

    fn abort(&self) {
        if self.status.get() != Status::Running || self.abort.replace(true) {
            return;
        }
        let id = self.id;
        let by = current_task();
        let t = now_ms();
        record(|r| r.abort_requested(id, by, t));
        // Polled at its next turn, where it is dropped. Not yet polled at all: it is queued.
        let executor = self.executor.borrow().clone();
        if let Some(executor) = executor {
            executor.wake();
        }
    }

    fn running(&self) -> bool {
        self.status.get() == Status::Running
    }
}

pin_project! {
    /// The future `spawn_local` runs: the traced future, dropped when aborted, its output
    /// handed to the handle.
    struct TaskFuture<F: Future> {
        shared: Rc<Shared<F::Output>>,
        scope: Option<Scope>,
        #[pin]
        traced: Option<Traced<F>>,
    }

    impl<F: Future> PinnedDrop for TaskFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped by the executor without completing (the page is going away): the handle
            // learns it was cancelled.
            let this = this.project();
            if this.shared.status.get() == Status::Running && this.traced.is_some() {
                this.shared.status.set(Status::Cancelled);
            }
        }
    }
}

impl<F: Future> Future for TaskFuture<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        {
            let mut executor = this.shared.executor.borrow_mut();
            if !executor.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *executor = Some(cx.waker().clone());
            }
        }
        if this.shared.abort.get() {
            let mut traced = this.traced;
            with_drop_reason(CancelReason::Aborted, || traced.set(None));
            this.shared.finish(None);
            return Poll::Ready(());
        }
        let Some(traced) = this.traced.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        let outer_scope = this
            .scope
            .as_ref()
            .map(|s| SCOPE.with(|c| c.replace(Some(s.clone()))));
        let result = traced.poll(cx);
        if let Some(outer) = outer_scope {
            SCOPE.with(|c| *c.borrow_mut() = outer);
        }
        match result {
            Poll::Ready(output) => {
                this.traced.set(None);
                this.shared.finish(Some(output));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
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
    tasks: Vec<Weak<dyn Control>>,
    /// Aborted: tasks spawned into it from now on are aborted at once.
    closed: bool,
}

impl Scope {
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
        let location = Location::caller();
        let outer = SCOPE.with(|c| c.replace(Some(self.clone())));
        let handle = spawn_traced(name, location, future, None);
        SCOPE.with(|c| *c.borrow_mut() = outer);
        handle
    }

    fn register(&self, task: Weak<dyn Control>) {
        let closed = {
            let mut inner = self.inner.borrow_mut();
            // Forget finished tasks now and then, so a long-lived scope stays small.
            if inner.tasks.len() >= 64 && inner.tasks.len().is_power_of_two() {
                inner
                    .tasks
                    .retain(|t| t.upgrade().is_some_and(|t| t.running()));
            }
            inner.tasks.push(task.clone());
            inner.closed
        };
        if closed {
            if let Some(task) = task.upgrade() {
                task.abort();
            }
        }
    }

    /// Aborts every task of the scope still running, and any spawned into it later.
    pub fn abort_all(&self) {
        let tasks = {
            let mut inner = self.inner.borrow_mut();
            inner.closed = true;
            std::mem::take(&mut inner.tasks)
        };
        // Outside the borrow: aborting wakes tasks, which may spawn (and so register).
        for task in tasks {
            if let Some(task) = task.upgrade() {
                task.abort();
            }
        }
    }

    /// Tasks of the scope still running.
    pub fn live(&self) -> usize {
        self.inner
            .borrow()
            .tasks
            .iter()
            .filter(|t| t.upgrade().is_some_and(|t| t.running()))
            .count()
    }
}

/// Awaits a spawned task's output; dropping it detaches the task, [`JoinHandle::abort`] cancels it.
#[must_use = "a dropped JoinHandle detaches its task; await it or call abort()"]
pub struct JoinHandle<T> {
    shared: Rc<Shared<T>>,
    /// The output (or the cancellation) reached whoever awaits this handle.
    delivered: bool,
}

impl<T: 'static> JoinHandle<T> {
    pub fn id(&self) -> TaskId {
        self.shared.id
    }

    /// Cancels the task: its future is dropped on the event loop's next turn, and awaiting this
    /// handle gives [`JoinError::Cancelled`]. A task that completes in the poll running now
    /// completes.
    pub fn abort(&self) {
        self.shared.abort();
    }

    /// A handle that can abort the task from elsewhere (a Cancel button) while this one is awaited.
    pub fn abort_handle(&self) -> TaskAbort {
        TaskAbort {
            control: Rc::clone(&self.shared) as Rc<dyn Control>,
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = self.shared.id;
        match self.shared.status.get() {
            Status::Running => {
                let mut joiner = self.shared.joiner.borrow_mut();
                if !joiner.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *joiner = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            Status::Completed => {
                self.delivered = true;
                let output = self.shared.output.borrow_mut().take();
                Poll::Ready(output.ok_or(JoinError::Cancelled(id)))
            }
            Status::Cancelled => {
                self.delivered = true;
                Poll::Ready(Err(JoinError::Cancelled(id)))
            }
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.delivered {
            let id = self.shared.id;
            record(|r| r.handle_dropped(id, now_ms));
        }
    }
}

/// Aborts one task; cheap to clone.
#[derive(Clone)]
pub struct TaskAbort {
    control: Rc<dyn Control>,
}

impl TaskAbort {
    pub fn abort(&self) {
        self.control.abort();
    }

    pub fn id(&self) -> TaskId {
        self.control.id()
    }
}

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
