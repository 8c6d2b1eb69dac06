//! Traced tasks: [`spawn`] runs a future on the browser's event loop (through
//! `wasm_bindgen_futures::spawn_local`, which polls tasks in microtasks), [`instrument`] traces a
//! future its caller awaits. Both wrap the future in [`Traced`], which records each poll and
//! hands the future a waker of its own that records who woke it, and every copy made and dropped.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use futures::channel::oneshot;
use futures::future::{AbortHandle, Abortable};

use super::clock::now_ms;
use super::devtools;
use super::event::{CancelReason, TaskId, WakeSource};
use super::record;

thread_local! {
    /// The traced task being polled right now (the innermost, for nested `instrument`s).
    static CURRENT: Cell<Option<TaskId>> = const { Cell::new(None) };
    /// What is calling wakers right now: a timer callback, a resource handing over.
    static WAKE_SOURCE: Cell<Option<WakeSource>> = const { Cell::new(None) };
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
    let prev = WAKE_SOURCE.with(|s| s.replace(Some(source)));
    let out = f();
    WAKE_SOURCE.with(|s| s.set(prev));
    out
}

/// Drops `value`, recording `reason` as why any traced future inside it was cancelled.
pub fn drop_with_reason<T>(reason: CancelReason, value: T) {
    let prev = DROP_REASON.with(|r| r.replace(Some(reason)));
    drop(value);
    DROP_REASON.with(|r| r.set(prev));
}

/// What woke a task, when it is woken now: the resource or timer handing over if one is, else
/// the task being polled (itself or another), else something outside.
fn wake_source_now(woken: TaskId) -> WakeSource {
    if let Some(source) = WAKE_SOURCE.with(Cell::get) {
        return source;
    }
    match current_task() {
        Some(running) if running == woken => WakeSource::ItSelf,
        Some(running) => WakeSource::Task(running),
        None => WakeSource::External,
    }
}

/// Tells the recorder whether a task's output is an error (for `spawn_fallible`).
type Outcome<T> = fn(&T) -> Option<String>;

/// A future whose polls, wakes and cancellation are recorded as task `id`.
pub struct Traced<F: Future> {
    id: TaskId,
    // Boxed so that `Traced` is `Unpin` and can have a plain `Drop`.
    inner: Pin<Box<F>>,
    done: bool,
    outcome: Option<Outcome<F::Output>>,
    /// The waker we were last polled with, and our recording waker around it.
    waker: Option<(Waker, Arc<TaskWaker>)>,
    /// The scope the tasks this one spawns join (the one it was created in).
    scope: Option<Scope>,
}

impl<F: Future> Traced<F> {
    fn new(id: TaskId, inner: F, outcome: Option<Outcome<F::Output>>) -> Self {
        Traced {
            id,
            inner: Box::pin(inner),
            done: false,
            outcome,
            waker: None,
            scope: current_scope(),
        }
    }

    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Our waker around `outer`, reused while we are polled with the same one.
    fn task_waker(&mut self, outer: &Waker) -> Arc<TaskWaker> {
        match &self.waker {
            Some((prev, ours)) if prev.will_wake(outer) => Arc::clone(ours),
            _ => {
                let ours = Arc::new(TaskWaker {
                    task: self.id,
                    inner: outer.clone(),
                });
                self.waker = Some((outer.clone(), Arc::clone(&ours)));
                ours
            }
        }
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let id = this.id;
        let ours = this.task_waker(cx.waker());
        // A borrowed waker: not counted, never dropped; the copies the future makes are counted.
        let waker = ManuallyDrop::new(unsafe {
            // SAFETY: the pointer comes from an `Arc<TaskWaker>` that `ours` keeps alive for
            // this whole poll, and VTABLE's functions treat it as exactly that.
            Waker::from_raw(RawWaker::new(Arc::as_ptr(&ours).cast(), &VTABLE))
        });
        let start = now_ms();
        record(|r| r.poll_start(id, start));
        let outer_task = CURRENT.with(|c| c.replace(Some(id)));
        let outer_scope = this
            .scope
            .as_ref()
            .map(|s| SCOPE.with(|c| c.replace(Some(s.clone()))));
        let result = this.inner.as_mut().poll(&mut Context::from_waker(&waker));
        if let Some(outer) = outer_scope {
            SCOPE.with(|c| *c.borrow_mut() = outer);
        }
        CURRENT.with(|c| c.set(outer_task));
        let end = now_ms();
        let ready = result.is_ready();
        record(|r| r.poll_end(id, end, ready));
        devtools::poll(id, start, end);
        if let Poll::Ready(output) = &result {
            this.done = true;
            if let Some(error) = this.outcome.and_then(|outcome| outcome(output)) {
                record(|r| r.failed(id, error, end));
            }
        }
        result
    }
}

impl<F: Future> Drop for Traced<F> {
    fn drop(&mut self) {
        if !self.done {
            let id = self.id;
            let reason = DROP_REASON.with(Cell::get).unwrap_or(CancelReason::Dropped);
            record(|r| r.cancelled(id, now_ms(), reason));
        }
    }
}

/// The waker a traced future sees: records the wake, then wakes the real task.
struct TaskWaker {
    task: TaskId,
    inner: Waker,
}

impl TaskWaker {
    fn wake_by_ref(&self) {
        let task = self.task;
        let by = wake_source_now(task);
        record(|r| r.woken(task, by, now_ms()));
        self.inner.wake_by_ref();
    }
}

// A hand-written vtable (rather than `std::task::Wake`) so that clones and drops are counted:
// a pending task whose last waker copy is gone can never be woken again (a lost waker).
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: `data` is an `Arc<TaskWaker>` pointer (see `Traced::poll` and this function);
    // ManuallyDrop keeps this reference from being released here.
    let waker = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<TaskWaker>()) });
    let task = waker.task;
    record(|r| r.waker_cloned(task));
    let copy = Arc::clone(&waker);
    RawWaker::new(Arc::into_raw(copy).cast(), &VTABLE)
}

unsafe fn wake_raw(data: *const ()) {
    // SAFETY: as in `clone_raw`; waking by value consumes this copy, so drop it after.
    unsafe {
        wake_by_ref_raw(data);
        drop_raw(data);
    }
}

unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: as in `clone_raw`.
    let waker = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<TaskWaker>()) });
    waker.wake_by_ref();
}

unsafe fn drop_raw(data: *const ()) {
    // SAFETY: `data` is a counted copy made by `clone_raw`; this releases it.
    let waker = unsafe { Arc::from_raw(data.cast::<TaskWaker>()) };
    let task = waker.task;
    record(|r| r.waker_dropped(task, now_ms));
}

/// Traces `future` as a task of its own, named `name`, child of the task that awaits it. For
/// futures awaited in place (a branch of `join!` or `select!`) so that each gets its own row.
#[track_caller]
pub fn instrument<F: Future>(name: &str, future: F) -> Traced<F> {
    let location = Location::caller();
    let id = record(|r| r.spawn(name, current_task(), location, now_ms()));
    Traced::new(id, future, None)
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
    let id = record(|r| r.spawn(name, current_task(), location, now_ms()));
    let (tx, rx) = oneshot::channel();
    let (abort, registration) = AbortHandle::new_pair();
    let traced = Traced::new(id, future, outcome);
    let abort = TaskAbort { id, handle: abort };
    // While the task lives, its scope can abort it.
    let alive = Rc::new(());
    if let Some(scope) = &traced.scope {
        scope.register(&abort, Rc::downgrade(&alive));
    }
    let task = Abortable::new(traced, registration);
    wasm_bindgen_futures::spawn_local(async move {
        let _alive = alive;
        if let Ok(output) = task.await {
            // The handle may be gone (a detached task): then nobody wants the output. Handing
            // it over wakes the awaiting task: this task is the cause.
            with_wake_source(WakeSource::Task(id), || {
                let _ = tx.send(output);
            });
        }
    });
    JoinHandle {
        id,
        output: rx,
        abort,
        delivered: false,
    }
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
    /// Each task's abort handle, and a token that dies with the task.
    tasks: Vec<(TaskAbort, Weak<()>)>,
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

    fn register(&self, task: &TaskAbort, alive: Weak<()>) {
        let closed = {
            let mut inner = self.inner.borrow_mut();
            // Forget finished tasks now and then, so a long-lived scope stays small.
            if inner.tasks.len() >= 64 && inner.tasks.len().is_power_of_two() {
                inner.tasks.retain(|(_, alive)| alive.strong_count() > 0);
            }
            inner.tasks.push((task.clone(), alive));
            inner.closed
        };
        if closed {
            task.abort();
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
        for (task, alive) in tasks {
            if alive.strong_count() > 0 {
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
            .filter(|(_, alive)| alive.strong_count() > 0)
            .count()
    }
}

/// Awaits a spawned task's output; dropping it detaches the task, [`JoinHandle::abort`] cancels it.
#[must_use = "a dropped JoinHandle detaches its task; await it or call abort()"]
pub struct JoinHandle<T> {
    id: TaskId,
    output: oneshot::Receiver<T>,
    abort: TaskAbort,
    /// The output (or the cancellation) reached whoever awaits this handle.
    delivered: bool,
}

impl<T> JoinHandle<T> {
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Cancels the task: its future is dropped on the event loop's next turn, and awaiting this
    /// handle gives [`JoinError::Cancelled`].
    pub fn abort(&self) {
        self.abort.abort();
    }

    /// A handle that can abort the task from elsewhere (a Cancel button) while this one is awaited.
    pub fn abort_handle(&self) -> TaskAbort {
        self.abort.clone()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = self.id;
        let result = Pin::new(&mut self.output).poll(cx);
        if result.is_ready() {
            self.delivered = true;
        }
        result.map(|r| r.map_err(|_| JoinError::Cancelled(id)))
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.delivered {
            let id = self.id;
            record(|r| r.handle_dropped(id, now_ms()));
        }
    }
}

/// Aborts one task; cheap to clone.
#[derive(Clone)]
pub struct TaskAbort {
    id: TaskId,
    handle: AbortHandle,
}

impl TaskAbort {
    pub fn abort(&self) {
        let id = self.id;
        record(|r| r.cancel_requested(id, CancelReason::Aborted));
        self.handle.abort();
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    //! Traced futures polled by hand, with hand-made wakers and the fake clock.

    use std::cell::RefCell;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;
    use crate::trace::{reset, set_fake_now, with_recorder, EventKind, TaskState, TaskStats};

    /// The executor's side: counts how often the task was woken.
    struct Executor(AtomicUsize);

    impl Wake for Executor {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A future whose every poll runs `step`.
    struct Scripted<S>(S);

    impl<S: FnMut(&mut Context<'_>) -> Poll<()> + Unpin> Future for Scripted<S> {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            (self.0)(cx)
        }
    }

    fn fresh() -> (Arc<Executor>, Waker) {
        reset();
        set_fake_now(None);
        let executor = Arc::new(Executor(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&executor));
        (executor, waker)
    }

    fn poll<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(waker))
    }

    fn stats(id: TaskId) -> TaskStats {
        with_recorder(|r| r.task(id).cloned()).expect("traced")
    }

    fn warning_codes() -> Vec<&'static str> {
        with_recorder(|r| r.warnings().iter().map(|w| w.kind.code()).collect())
    }

    #[test]
    fn a_kept_waker_wakes_the_task_and_its_copies_are_counted() {
        let (executor, waker) = fresh();
        let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
        let keep = Rc::clone(&slot);
        let mut polls = 0;
        let mut fut = instrument(
            "keeper",
            Scripted(move |cx: &mut Context<'_>| {
                polls += 1;
                if polls == 1 {
                    *keep.borrow_mut() = Some(cx.waker().clone());
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            }),
        );
        let id = fut.id();
        assert!(poll(&mut fut, &waker).is_pending());
        assert_eq!(stats(id).wakers_alive(), 1);
        let kept = slot.borrow_mut().take().expect("the future kept its waker");
        kept.wake();
        assert_eq!(
            executor.0.load(Ordering::SeqCst),
            1,
            "the real task was woken"
        );
        assert!(poll(&mut fut, &waker).is_ready());
        let t = stats(id);
        assert_eq!(t.state, TaskState::Done);
        assert_eq!((t.polls, t.wakes, t.self_wakes), (2, 1, 0));
        assert_eq!((t.waker_clones, t.waker_drops), (1, 1));
        assert!(warning_codes().is_empty(), "{:?}", warning_codes());
        let woken_by = with_recorder(|r| {
            r.events().iter().find_map(|e| match e.kind {
                EventKind::Woken { by } => Some(by),
                _ => None,
            })
        });
        assert_eq!(woken_by, Some(WakeSource::External));
    }

    #[test]
    fn pending_without_keeping_the_waker_is_a_lost_waker() {
        let (_, waker) = fresh();
        let mut fut = instrument("forgetful", Scripted(|_: &mut Context<'_>| Poll::Pending));
        assert!(poll(&mut fut, &waker).is_pending());
        assert_eq!(warning_codes(), vec!["lost-waker"]);
    }

    #[test]
    fn waking_itself_in_every_poll_is_a_self_wake_storm() {
        let (executor, waker) = fresh();
        let mut fut = instrument(
            "spinner",
            Scripted(|cx: &mut Context<'_>| {
                cx.waker().wake_by_ref();
                Poll::Pending
            }),
        );
        for _ in 0..12 {
            assert!(poll(&mut fut, &waker).is_pending());
        }
        let t = stats(fut.id());
        assert_eq!((t.wakes, t.self_wakes), (12, 12));
        assert_eq!(t.state, TaskState::Scheduled, "woken in its poll: not idle");
        assert_eq!(executor.0.load(Ordering::SeqCst), 12);
        assert_eq!(warning_codes(), vec!["self-wake-storm"]);
    }

    #[test]
    fn a_wake_inside_with_wake_source_is_attributed_to_that_source() {
        let (_, waker) = fresh();
        let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
        let keep = Rc::clone(&slot);
        let mut fut = instrument(
            "sleeper",
            Scripted(move |cx: &mut Context<'_>| {
                *keep.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }),
        );
        assert!(poll(&mut fut, &waker).is_pending());
        let kept = slot.borrow_mut().take().expect("kept");
        with_wake_source(WakeSource::Timer, || kept.wake_by_ref());
        let sources: Vec<WakeSource> = with_recorder(|r| {
            r.events()
                .iter()
                .filter_map(|e| match e.kind {
                    EventKind::Woken { by } => Some(by),
                    _ => None,
                })
                .collect()
        });
        assert_eq!(sources, vec![WakeSource::Timer]);
    }

    #[test]
    fn a_poll_longer_than_50_ms_on_the_fake_clock_warns() {
        let (_, waker) = fresh();
        set_fake_now(Some(1000.0));
        let mut fut = instrument(
            "blocker",
            Scripted(|_: &mut Context<'_>| {
                set_fake_now(Some(1300.0)); // a 300 ms busy loop
                Poll::Ready(())
            }),
        );
        assert!(poll(&mut fut, &waker).is_ready());
        let t = stats(fut.id());
        assert_eq!(t.busy_ms, 300.0);
        assert_eq!(warning_codes(), vec!["long-poll"]);
        set_fake_now(None);
    }

    #[test]
    fn dropping_records_the_reason_given_else_dropped() {
        let (_, waker) = fresh();
        let pending = || {
            let keep: Rc<RefCell<Option<Waker>>> = Rc::default();
            Scripted(move |cx: &mut Context<'_>| {
                *keep.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            })
        };
        let mut timed_out = instrument("slow", pending());
        let mut dropped = instrument("abandoned", pending());
        assert!(poll(&mut timed_out, &waker).is_pending());
        assert!(poll(&mut dropped, &waker).is_pending());
        let (a, b) = (timed_out.id(), dropped.id());
        drop_with_reason(CancelReason::TimedOut, timed_out);
        drop(dropped);
        assert_eq!(stats(a).cancel_reason, Some(CancelReason::TimedOut));
        assert_eq!(stats(b).cancel_reason, Some(CancelReason::Dropped));
        assert_eq!(stats(a).state, TaskState::Cancelled);
        assert!(warning_codes().is_empty(), "{:?}", warning_codes());
    }

    #[test]
    fn a_future_dropped_before_its_first_poll_was_never_polled() {
        let _ = fresh();
        let fut = instrument("unlucky", Scripted(|_: &mut Context<'_>| Poll::Ready(())));
        drop(fut);
        assert_eq!(warning_codes(), vec!["never-polled"]);
    }

    #[test]
    fn nested_instruments_record_their_parent_and_the_inner_wake_reaches_the_outer() {
        let (executor, waker) = fresh();
        let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
        let keep = Rc::clone(&slot);
        let inner = instrument(
            "inner",
            Scripted(move |cx: &mut Context<'_>| {
                *keep.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }),
        );
        let inner_id = inner.id();
        let mut inner = Some(inner);
        let mut outer = instrument(
            "outer",
            Scripted(move |cx: &mut Context<'_>| match inner.as_mut() {
                Some(f) => Pin::new(f).poll(cx),
                None => Poll::Ready(()),
            }),
        );
        assert!(poll(&mut outer, &waker).is_pending());
        assert_eq!(stats(inner_id).parent, None, "created outside any task");
        let kept = slot.borrow_mut().take().expect("kept");
        kept.wake();
        assert_eq!(stats(inner_id).wakes, 1);
        assert_eq!(
            stats(outer.id()).wakes,
            1,
            "the inner waker wakes through the outer"
        );
        assert_eq!(executor.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_instrument_created_inside_a_poll_is_a_child_of_that_task() {
        let (_, waker) = fresh();
        let child: Rc<RefCell<Option<TaskId>>> = Rc::default();
        let seen = Rc::clone(&child);
        let mut parent = instrument(
            "parent",
            Scripted(move |cx: &mut Context<'_>| {
                let mut c = instrument("child", Scripted(|_: &mut Context<'_>| Poll::Ready(())));
                *seen.borrow_mut() = Some(c.id());
                Pin::new(&mut c).poll(cx)
            }),
        );
        assert!(poll(&mut parent, &waker).is_ready());
        let child = child.borrow().expect("created");
        assert_eq!(stats(child).parent, Some(parent.id()));
    }

    #[test]
    fn subscribers_hear_of_changes_until_they_unsubscribe() {
        let _ = fresh();
        let heard = Rc::new(std::cell::Cell::new(0));
        let counter = Rc::clone(&heard);
        let subscription = crate::trace::subscribe(move || counter.set(counter.get() + 1));
        let fut = instrument("noticed", Scripted(|_: &mut Context<'_>| Poll::Ready(())));
        assert!(heard.get() >= 1);
        drop(subscription);
        let before = heard.get();
        drop(fut);
        assert_eq!(heard.get(), before);
    }
}
