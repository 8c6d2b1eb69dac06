//! Traced tasks: [`spawn`] runs a future on the browser's event loop (through
//! `wasm_bindgen_futures::spawn_local`, which polls tasks in microtasks), [`instrument`] traces a
//! future its caller awaits. Both wrap the future in [`Traced`], which records each poll and
//! hands the future a waker that records who woke it.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures::channel::oneshot;
use futures::future::{AbortHandle, Abortable};

use super::clock::now_ms;
use super::event::{CancelReason, TaskId, WakeSource};
use super::record;

thread_local! {
    /// The traced task being polled right now (the innermost, for nested `instrument`s).
    static CURRENT: Cell<Option<TaskId>> = const { Cell::new(None) };
    /// What is calling wakers right now when no task is running (a timer callback, say).
    static WAKE_SOURCE: Cell<Option<WakeSource>> = const { Cell::new(None) };
}

/// The traced task being polled right now, if any.
pub fn current_task() -> Option<TaskId> {
    CURRENT.with(Cell::get)
}

/// Runs `f` (which calls wakers) with `source` named as the reason for any wake it causes.
pub fn with_wake_source<R>(source: WakeSource, f: impl FnOnce() -> R) -> R {
    let prev = WAKE_SOURCE.with(|s| s.replace(Some(source)));
    let out = f();
    WAKE_SOURCE.with(|s| s.set(prev));
    out
}

/// A future whose polls, wakes and cancellation are recorded as task `id`.
pub struct Traced<F> {
    id: TaskId,
    // Boxed so that `Traced` is `Unpin` and can have a plain `Drop`.
    inner: Pin<Box<F>>,
    done: bool,
    /// The waker we were last polled with, and our recording wrapper around it.
    wakers: Option<(Waker, Waker)>,
}

impl<F> Traced<F> {
    fn new(id: TaskId, inner: F) -> Self {
        Traced {
            id,
            inner: Box::pin(inner),
            done: false,
            wakers: None,
        }
    }

    pub fn id(&self) -> TaskId {
        self.id
    }

    fn traced_waker(&mut self, outer: &Waker) -> Waker {
        match &self.wakers {
            // The same waker as last poll: reuse the wrapper instead of allocating one per poll.
            Some((prev, traced)) if prev.will_wake(outer) => traced.clone(),
            _ => {
                let traced = Waker::from(Arc::new(TaskWaker {
                    task: self.id,
                    inner: outer.clone(),
                }));
                self.wakers = Some((outer.clone(), traced.clone()));
                traced
            }
        }
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let id = this.id;
        let waker = this.traced_waker(cx.waker());
        record(|r| r.poll_start(id, now_ms()));
        let outer_task = CURRENT.with(|c| c.replace(Some(id)));
        let result = this.inner.as_mut().poll(&mut Context::from_waker(&waker));
        CURRENT.with(|c| c.set(outer_task));
        let ready = result.is_ready();
        record(|r| r.poll_end(id, now_ms(), ready));
        this.done |= ready;
        result
    }
}

impl<F> Drop for Traced<F> {
    fn drop(&mut self) {
        if !self.done {
            let id = self.id;
            record(|r| r.cancelled(id, now_ms()));
        }
    }
}

/// The waker a traced future sees: records the wake, then wakes the real task.
struct TaskWaker {
    task: TaskId,
    inner: Waker,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let by = match current_task() {
            Some(running) if running == self.task => WakeSource::ItSelf,
            Some(running) => WakeSource::Task(running),
            None => WAKE_SOURCE.with(Cell::get).unwrap_or(WakeSource::External),
        };
        let task = self.task;
        record(|r| r.woken(task, by, now_ms()));
        self.inner.wake_by_ref();
    }
}

/// Traces `future` as a task of its own, named `name`, child of the task that awaits it. For
/// futures awaited in place (a branch of `join!` or `select!`) so that each gets its own row.
#[track_caller]
pub fn instrument<F: Future>(name: &str, future: F) -> Traced<F> {
    let location = Location::caller();
    let id = record(|r| r.spawn(name, current_task(), location, now_ms()));
    Traced::new(id, future)
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
    let location = Location::caller();
    let id = record(|r| r.spawn(name, current_task(), location, now_ms()));
    let (tx, rx) = oneshot::channel();
    let (abort, registration) = AbortHandle::new_pair();
    let task = Abortable::new(Traced::new(id, future), registration);
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(output) = task.await {
            // The handle may be gone (a detached task): then nobody wants the output.
            let _ = tx.send(output);
        }
    });
    JoinHandle {
        id,
        output: rx,
        abort: TaskAbort { id, handle: abort },
    }
}

/// Awaits a spawned task's output; dropping it detaches the task, [`JoinHandle::abort`] cancels it.
#[must_use = "a dropped JoinHandle detaches its task; await it or call abort()"]
pub struct JoinHandle<T> {
    id: TaskId,
    output: oneshot::Receiver<T>,
    abort: TaskAbort,
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
        Pin::new(&mut self.output)
            .poll(cx)
            .map(|r| r.map_err(|_| JoinError::Cancelled(id)))
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
