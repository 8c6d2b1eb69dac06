//! The tracer's executor: runs spawned tasks on the browser's microtask queue, as
//! wasm-bindgen-futures' `spawn_local` does (every task woken before a turn is polled in that
//! turn, one microtask; a task woken during the turn waits for the next), but knows where each
//! poll begins and ends.
//!
//! That is what makes a traced poll cheap. `performance.now()` costs more than the rest of
//! recording a poll (0.1 to 0.6 µs a read, measured by `./dev bench`'s `tracer_costs`), and
//! inside one turn nothing but this loop runs between two polls: so the clock is read once per
//! poll, at its end, and that reading is the next poll's start. A task is one allocation: its
//! header, its future and its output together, its waker a pointer to it that counts its copies.
//! Nothing here runs untraced futures: `wasm_bindgen_futures::spawn_local` still does.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr::NonNull;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::clock::now_ms;
use super::devtools;
use super::event::{CancelReason, TaskId, WakeSource};
use super::record;
use super::recorder::PollRecord;
use super::task::{
    current_task, drop_reason, scope_swap, with_drop_reason, with_wake_source_at, PollScope, Scope,
};

/// Tells the recorder whether a task's output is an error (for `spawn_fallible`).
pub(crate) type Outcome<T> = fn(&T) -> Option<String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Running,
    /// The output is waiting for (or was taken by) the handle.
    Completed,
    Cancelled,
}

/// What every task has, whatever its future: the part the queue, wakers and handles see.
pub(crate) struct Header {
    vtable: &'static TaskVtable,
    pub id: TaskId,
    /// In the run queue (a wake while queued does not queue it twice).
    queued: Cell<bool>,
    pub status: Cell<Status>,
    /// `abort()` was called: it is dropped at its next turn instead of polled.
    abort: Cell<bool>,
    /// The waker of whoever awaits the handle.
    joiner: RefCell<Option<Waker>>,
    /// The scope the tasks it spawns join.
    scope: Option<Scope>,
}

/// The operations that depend on the task's future type.
struct TaskVtable {
    /// Polls the future: `None` while pending; when ready, the output is kept for the handle
    /// and the error's text (for `spawn_fallible`) given back.
    poll: unsafe fn(NonNull<Header>, &mut Context<'_>) -> Option<Option<String>>,
    /// Drops the future (an abort).
    drop_future: unsafe fn(NonNull<Header>),
    /// Moves the output into `*out`, an `Option<F::Output>`.
    take_output: unsafe fn(NonNull<Header>, *mut ()),
    acquire: unsafe fn(NonNull<Header>),
    release: unsafe fn(NonNull<Header>),
}

enum Stage<F: Future> {
    Running(F),
    Finished(Option<F::Output>),
    Gone,
}

/// A task: header first (so that a pointer to it is a pointer to its header), in one `Rc`.
#[repr(C)]
struct TaskCell<F: Future> {
    header: Header,
    stage: UnsafeCell<Stage<F>>,
    outcome: Option<Outcome<F::Output>>,
}

impl<F: Future> Drop for TaskCell<F> {
    /// Every reference is gone while the future still runs: no waker, no queue, no handle can
    /// ever get it polled again. Its future is dropped: recorded as such.
    fn drop(&mut self) {
        if matches!(self.stage.get_mut(), Stage::Running(_)) {
            let id = self.header.id;
            let reason = drop_reason().unwrap_or(CancelReason::Dropped);
            record(|r| r.cancelled(id, now_ms(), reason));
        }
    }
}

impl<F: Future + 'static> TaskCell<F> {
    const VTABLE: TaskVtable = TaskVtable {
        poll: Self::poll,
        drop_future: Self::drop_future,
        take_output: Self::take_output,
        acquire: Self::acquire,
        release: Self::release,
    };

    /// # Safety (all of these)
    /// `header` points at the header of a live `TaskCell<F>` made by [`spawn_task`], and the
    /// caller holds a reference to it for the whole call; its stage is touched only here, never
    /// while borrowed elsewhere (single-threaded, and never re-entered for one task).
    unsafe fn cell<'a>(header: NonNull<Header>) -> &'a TaskCell<F> {
        unsafe { header.cast::<TaskCell<F>>().as_ref() }
    }

    unsafe fn poll(header: NonNull<Header>, cx: &mut Context<'_>) -> Option<Option<String>> {
        let cell = unsafe { Self::cell(header) };
        // SAFETY: see `cell`: nothing else holds the stage now.
        let stage = unsafe { &mut *cell.stage.get() };
        let Stage::Running(future) = stage else {
            return Some(None);
        };
        // SAFETY: the future lives inside the `Rc` allocation, which never moves, and is
        // dropped in place (never moved out).
        let future = unsafe { Pin::new_unchecked(future) };
        match future.poll(cx) {
            Poll::Pending => None,
            Poll::Ready(output) => {
                let error = cell.outcome.and_then(|outcome| outcome(&output));
                *stage = Stage::Finished(Some(output));
                Some(error)
            }
        }
    }

    unsafe fn drop_future(header: NonNull<Header>) {
        let cell = unsafe { Self::cell(header) };
        // Dropped in place; its `Drop` may record (a fetch aborted...), so no borrow is held.
        let stage = unsafe { &mut *cell.stage.get() };
        *stage = Stage::Gone;
    }

    unsafe fn take_output(header: NonNull<Header>, out: *mut ()) {
        let cell = unsafe { Self::cell(header) };
        let stage = unsafe { &mut *cell.stage.get() };
        if let Stage::Finished(output) = stage {
            // SAFETY: `out` is an `Option<F::Output>` (see `JoinHandle<F::Output>`).
            unsafe { *out.cast::<Option<F::Output>>() = output.take() };
        }
    }

    unsafe fn acquire(header: NonNull<Header>) {
        // SAFETY: the pointer came from `Rc::into_raw` of an `Rc<TaskCell<F>>`.
        unsafe { Rc::increment_strong_count(header.cast::<TaskCell<F>>().as_ptr()) }
    }

    unsafe fn release(header: NonNull<Header>) {
        // SAFETY: as in `acquire`; this gives back one reference taken before.
        unsafe { Rc::decrement_strong_count(header.cast::<TaskCell<F>>().as_ptr()) }
    }
}

/// One counted reference to a task.
pub(crate) struct RawTask(NonNull<Header>);

impl RawTask {
    pub fn header(&self) -> &Header {
        // SAFETY: a `RawTask` holds a reference, so the task is alive.
        unsafe { self.0.as_ref() }
    }

    /// Another reference to the same task, not counted as a waker copy.
    fn from_header(header: &Header) -> RawTask {
        let ptr = NonNull::from(header);
        // SAFETY: `header` is alive (borrowed), so adding a reference is sound.
        unsafe { (header.vtable.acquire)(ptr) };
        RawTask(ptr)
    }
}

impl Clone for RawTask {
    fn clone(&self) -> Self {
        RawTask::from_header(self.header())
    }
}

impl Drop for RawTask {
    fn drop(&mut self) {
        let release = self.header().vtable.release;
        // SAFETY: this reference was counted when made.
        unsafe { release(self.0) };
    }
}

/// Spawns `future` as task `id` (its spawn already recorded), in `scope`.
pub(crate) fn spawn_task<F>(
    id: TaskId,
    future: F,
    outcome: Option<Outcome<F::Output>>,
    scope: Option<Scope>,
) -> RawTask
where
    F: Future + 'static,
    F::Output: 'static,
{
    let cell = Rc::new(TaskCell {
        header: Header {
            vtable: &TaskCell::<F>::VTABLE,
            id,
            queued: Cell::new(false),
            status: Cell::new(Status::Running),
            abort: Cell::new(false),
            joiner: RefCell::new(None),
            scope,
        },
        stage: UnsafeCell::new(Stage::Running(future)),
        outcome,
    });
    // SAFETY: `header` is the first field of a `repr(C)` struct: same address.
    let task = RawTask(unsafe { NonNull::new_unchecked(Rc::into_raw(cell).cast_mut().cast()) });
    schedule(task.header());
    task
}

// ---------------------------------------------------------------------------------------------
// The run queue

thread_local! {
    static QUEUE: RefCell<VecDeque<RawTask>> = const { RefCell::new(VecDeque::new()) };
    /// A turn is already asked for.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Queues the task for the next turn (once), asking for a turn if none is on its way. Not
/// inlined into `spawn_task`, which the app builds at its own opt-level (see `task::first_poll`).
#[inline(never)]
pub(crate) fn schedule(header: &Header) {
    if header.queued.replace(true) || header.status.get() != Status::Running {
        return;
    }
    let task = RawTask::from_header(header);
    QUEUE.with(|q| q.borrow_mut().push_back(task));
    if !SCHEDULED.with(|s| s.replace(true)) {
        turn::ask();
    }
}

/// One turn: every task queued before it began, each polled once, in order; the clock read
/// once at the start and once after each poll.
fn run_turn() {
    SCHEDULED.with(|s| s.set(false));
    if super::stopped_by_panic() {
        return; // the module trapped: nothing of it runs again (see `stopped_by_panic`)
    }
    let mut left = QUEUE.with(|q| q.borrow().len());
    let mut t = clock_or(0.0);
    while left > 0 {
        left -= 1;
        let Some(task) = QUEUE.with(|q| q.borrow_mut().pop_front()) else {
            break;
        };
        t = run(&task, t);
    }
}

/// Polls (or, aborted, drops) one task whose turn began at `start`; returns the clock reading
/// after it: where the next one begins.
fn run(task: &RawTask, start: f64) -> f64 {
    let header = task.header();
    header.queued.set(false);
    if header.status.get() != Status::Running {
        return start;
    }
    let id = header.id;
    if header.abort.get() {
        let drop_future = header.vtable.drop_future;
        // SAFETY: `task` holds a reference; the stage is not borrowed.
        with_drop_reason(CancelReason::Aborted, || unsafe { drop_future(task.0) });
        let end = clock_or(start);
        record(|r| r.cancelled(id, end, CancelReason::Aborted));
        finish(header, Status::Cancelled, end);
        return end;
    }
    let waker = ManuallyDrop::new(unsafe {
        // SAFETY: borrowed for this poll, while `task` keeps the task alive; never dropped
        // (ManuallyDrop), so it takes no reference.
        Waker::from_raw(RawWaker::new(task.0.as_ptr() as *const (), &WAKER_VTABLE))
    });
    let outer_scope = header.scope.as_ref().map(|s| scope_swap(Some(s.clone())));
    // A build that does not record keeps no poll stack: the poll alone.
    let scope = super::ENABLED.then(|| PollScope::enter(id, start));
    let poll = header.vtable.poll;
    // SAFETY: `task` holds a reference; the stage is not borrowed.
    let result = unsafe { poll(task.0, &mut Context::from_waker(&waker)) };
    let end = clock_or(start);
    let inside = scope.map(|s| s.leave(end)).unwrap_or_default();
    if let Some(outer) = outer_scope {
        scope_swap(outer);
    }
    if !super::ENABLED {
        if result.is_some() {
            finish(header, Status::Completed, end);
        }
        return end;
    }
    let polled = PollRecord {
        start_ms: start,
        children_ms: inside.children,
        ready: result.is_some(),
        self_wakes: inside.self_wakes,
        child_long: inside.child_long,
    };
    match result {
        None => record(|r| r.polled(id, end, polled)),
        Some(error) => {
            record(|r| {
                r.polled(id, end, polled);
                if let Some(error) = error {
                    r.failed(id, error, end);
                }
            });
            finish(header, Status::Completed, end);
        }
    }
    devtools::poll(id, start, end);
    end
}

/// The clock, in a build that records; else `instead` (nothing reads the time of a poll then).
fn clock_or(instead: f64) -> f64 {
    if super::ENABLED {
        now_ms()
    } else {
        instead
    }
}

/// The task ended: whoever awaits its handle is woken by it.
fn finish(header: &Header, status: Status, t: f64) {
    header.status.set(status);
    let joiner = header.joiner.borrow_mut().take();
    if let Some(joiner) = joiner {
        with_wake_source_at(WakeSource::Task(header.id), t, || joiner.wake());
    }
}

/// Asks for the task to be dropped at its next turn (once; not if it has ended).
pub(crate) fn abort(header: &Header) {
    if header.status.get() != Status::Running || header.abort.replace(true) {
        return;
    }
    let id = header.id;
    record(|r| r.abort_requested(id, current_task(), now_ms()));
    schedule(header);
}

/// The output of a completed task, moved out (once).
///
/// # Safety
/// `T` must be the task's future's output type.
pub(crate) unsafe fn take_output<T>(task: &RawTask) -> Option<T> {
    let mut out: Option<T> = None;
    let take = task.header().vtable.take_output;
    // SAFETY: the caller guarantees `T`.
    unsafe { take(task.0, (&raw mut out).cast()) };
    out
}

/// Registers `waker` to be woken when the task ends.
pub(crate) fn join(header: &Header, waker: &Waker) {
    let mut joiner = header.joiner.borrow_mut();
    if !joiner.as_ref().is_some_and(|w| w.will_wake(waker)) {
        *joiner = Some(waker.clone());
    }
}

// ---------------------------------------------------------------------------------------------
// The task's waker: a pointer to its header, each copy counted by the recorder

pub(crate) static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

/// The header a waker of [`WAKER_VTABLE`] points at.
///
/// # Safety
/// `data` is a waker's data of [`WAKER_VTABLE`], alive.
unsafe fn header<'a>(data: *const ()) -> &'a Header {
    unsafe { &*data.cast::<Header>() }
}

unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: a waker of ours is alive (being cloned), so its task is.
    let header = unsafe { header(data) };
    // SAFETY: as above.
    unsafe { (header.vtable.acquire)(NonNull::from(header)) };
    let id = header.id;
    record(|r| r.waker_cloned(id));
    RawWaker::new(data, &WAKER_VTABLE)
}

unsafe fn wake_raw(data: *const ()) {
    // SAFETY: waking by value consumes this copy: wake, then drop it.
    unsafe {
        wake_by_ref_raw(data);
        drop_raw(data);
    }
}

unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: the waker is alive for this call.
    wake_task(unsafe { header(data) });
}

unsafe fn drop_raw(data: *const ()) {
    // SAFETY: this copy's reference is released last, after recording.
    let header = unsafe { header(data) };
    let (id, release) = (header.id, header.vtable.release);
    record(|r| r.waker_dropped(id, now_ms));
    // SAFETY: this copy was counted when made.
    unsafe { release(NonNull::from(header)) };
}

/// A wake of a spawned task: a self-wake (counted in its poll) if it is being polled, else a
/// recorded wake; then it is queued.
pub(crate) fn wake_task(header: &Header) {
    if super::stopped_by_panic() {
        return;
    }
    super::task::record_wake(header.id);
    schedule(header);
}

/// An uncounted reference for a traced future nested in this task, whose waker wakes this task
/// without holding (and so without counting) a copy of its waker.
pub(crate) fn nested_parent(waker: &Waker) -> Option<RawTask> {
    if waker.vtable() != &WAKER_VTABLE {
        return None;
    }
    // SAFETY: a waker of our vtable points at a live task header.
    Some(RawTask::from_header(unsafe { header(waker.data()) }))
}

/// A typed handle's view of a task: what [`super::JoinHandle`] holds.
pub(crate) struct Handle<T> {
    pub task: RawTask,
    // A function pointer's marker: the handle is `Unpin` whatever `T` is.
    _output: PhantomData<fn() -> T>,
}

impl<T> Handle<T> {
    pub fn new(task: RawTask) -> Self {
        Handle {
            task,
            _output: PhantomData,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Asking for a turn

#[cfg(target_arch = "wasm32")]
mod turn {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    #[wasm_bindgen]
    extern "C" {
        // The global's, so that it works in a page and in a worker alike.
        #[wasm_bindgen(js_name = queueMicrotask, catch)]
        fn queue_microtask(callback: &js_sys::Function) -> Result<(), JsValue>;
    }

    thread_local! {
        /// One callback for the page's life: asking for a turn allocates nothing.
        static CALLBACK: Closure<dyn FnMut()> = Closure::new(super::run_turn);
        static RESOLVED: js_sys::Promise = js_sys::Promise::resolve(&JsValue::UNDEFINED);
        static THEN: Closure<dyn FnMut(JsValue)> = Closure::new(|_| super::run_turn());
    }

    pub fn ask() {
        CALLBACK.with(|c| {
            let f: &js_sys::Function = c.as_ref().unchecked_ref();
            if queue_microtask(f).is_err() {
                // No queueMicrotask in this scope: a resolved promise's callback is one too.
                RESOLVED.with(|p| THEN.with(|then| drop(p.then(then))));
            }
        });
    }
}

/// Off the browser there is no microtask queue: native tests run turns by hand
/// ([`run_until_idle`]).
#[cfg(not(target_arch = "wasm32"))]
mod turn {
    pub fn ask() {}
}

/// Runs turns until no task is queued (native tests only: in the browser, the microtask queue
/// runs them). Returns the number of turns.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_until_idle() -> usize {
    let mut turns = 0;
    while QUEUE.with(|q| !q.borrow().is_empty()) {
        run_turn();
        turns += 1;
        if turns > 1_000_000 {
            break;
        }
    }
    SCHEDULED.with(|s| s.set(false));
    turns
}
