//! asyncio on the tracer: coroutines, tasks (`trace::spawn`), Python's cancellation, `sleep`,
//! `gather`, `wait_for`, `wait`, the event loop object, `Lock`/`Semaphore` (the traced
//! semaphore), `Event`, `Queue` and futures.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use asyncscope_trace as trace;

use super::eval::{call, collect};
use super::exc::{ExcObj, ExcType};
use super::value::{Builtin, Module, Value};
use super::{fail, BoxFuture, Cx, Flow, Res, TaskCtx};

/// What starts a coroutine's body in the task that awaits it.
pub type Starter = Box<dyn FnOnce(Cx) -> BoxFuture<Res<Value>>>;

/// A coroutine object: `say_after(1, 'hello')` before it is awaited or made a task.
pub struct CoroObj {
    pub name: String,
    start: RefCell<Option<Starter>>,
}

impl CoroObj {
    pub fn new(name: String, start: Starter) -> Rc<CoroObj> {
        Rc::new(CoroObj {
            name,
            start: RefCell::new(Some(start)),
        })
    }

    fn native(name: &str, start: impl FnOnce(Cx) -> BoxFuture<Res<Value>> + 'static) -> Value {
        Value::Coro(CoroObj::new(name.to_string(), Box::new(start)))
    }

    fn take(&self) -> Res<Starter> {
        self.start.borrow_mut().take().ok_or_else(|| {
            fail(
                ExcType::RuntimeError,
                "cannot reuse already awaited coroutine",
            )
        })
    }
}

// ---- waiting, with Python's cancellation ----

/// Waits for `fut` as an `await` in Python does: a cancellation of the task raises
/// `CancelledError` here (dropping `fut`), unless `forward` passes it on to what is awaited (a
/// task, a gather), in which case the wait goes on and its outcome says how it ended.
pub(crate) struct Wait<F> {
    cx: Cx,
    fut: Pin<Box<F>>,
    forward: Option<Box<dyn FnMut(Option<Value>) -> bool>>,
    forwarded: bool,
    was_pending: bool,
}

pub(crate) fn wait<F: Future>(cx: &Cx, fut: F) -> Wait<F> {
    Wait {
        cx: cx.clone(),
        fut: Box::pin(fut),
        forward: None,
        forwarded: false,
        was_pending: false,
    }
}

fn wait_forwarding<F: Future>(
    cx: &Cx,
    fut: F,
    forward: impl FnMut(Option<Value>) -> bool + 'static,
) -> Wait<F> {
    Wait {
        forward: Some(Box::new(forward)),
        ..wait(cx, fut)
    }
}

pub(crate) fn cancelled_error(msg: Option<Value>) -> Flow {
    Flow::Exc(ExcObj::new(
        ExcType::CancelledError,
        msg.into_iter().collect(),
    ))
}

impl<F: Future> Future for Wait<F> {
    type Output = Res<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let interp = &this.cx.interp;
        if this.was_pending {
            interp.resumed();
        }
        if let Some(message) = interp.stopped.borrow().clone() {
            return Poll::Ready(Err(Flow::Fatal(message)));
        }
        if !this.forwarded {
            let pending = this.cx.cancel.borrow_mut().take();
            if let Some(msg) = pending {
                let forwarded = this.forward.as_mut().is_some_and(|f| f(msg.clone()));
                if !forwarded {
                    return Poll::Ready(Err(cancelled_error(msg)));
                }
                this.forwarded = true;
            }
        }
        *this.cx.waker.borrow_mut() = Some(cx.waker().clone());
        match this.fut.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Ok(v)),
            Poll::Pending => {
                this.was_pending = true;
                Poll::Pending
            }
        }
    }
}

// ---- tasks ----

#[derive(Clone)]
enum TaskState {
    Pending,
    Done(Value),
    Failed(Rc<ExcObj>),
    Cancelled(Option<Value>),
}

/// A Python task: a coroutine running as a traced task of its own.
pub struct TaskObj {
    /// Python's name for it (`Task-2`).
    name: RefCell<String>,
    /// What it runs (`say_after(1, 'hello')`): the tracer's name for it.
    label: String,
    ctx: Cx,
    state: RefCell<TaskState>,
    waiters: RefCell<Vec<Waker>>,
    handle: RefCell<Option<trace::JoinHandle<()>>>,
    callbacks: RefCell<Vec<Value>>,
}

impl TaskObj {
    pub fn repr(&self) -> String {
        let name = self.name.borrow();
        match &*self.state.borrow() {
            TaskState::Pending => format!("<Task pending name='{name}' coro=<{}>>", self.label),
            TaskState::Done(v) => format!(
                "<Task finished name='{name}' coro=<{}> result={}>",
                self.label,
                v.repr()
            ),
            TaskState::Failed(e) => format!(
                "<Task finished name='{name}' coro=<{}> exception={}>",
                self.label,
                e.repr()
            ),
            TaskState::Cancelled(_) => {
                format!("<Task cancelled name='{name}' coro=<{}>>", self.label)
            }
        }
    }

    pub fn done(&self) -> bool {
        !matches!(*self.state.borrow(), TaskState::Pending)
    }

    /// `task.cancel(msg)`: asks; the task raises `CancelledError` at its next `await`.
    pub fn cancel(&self, msg: Option<Value>) -> bool {
        if self.done() {
            return false;
        }
        *self.ctx.cancel.borrow_mut() = Some(msg);
        if let Some(w) = self.ctx.waker.borrow().as_ref() {
            w.wake_by_ref();
        }
        true
    }

    /// The run is over: the task is dropped where it stands.
    pub fn abort(&self) {
        if let Some(h) = self.handle.borrow().as_ref() {
            h.abort();
        }
        if !self.done() {
            self.settle(TaskState::Cancelled(None));
        }
    }

    fn settle(&self, state: TaskState) {
        *self.state.borrow_mut() = state;
        for w in self.waiters.take() {
            w.wake();
        }
    }

    fn outcome(&self) -> Option<Res<Value>> {
        match &*self.state.borrow() {
            TaskState::Pending => None,
            TaskState::Done(v) => Some(Ok(v.clone())),
            TaskState::Failed(e) => Some(Err(Flow::Exc(e.clone()))),
            TaskState::Cancelled(msg) => Some(Err(cancelled_error(msg.clone()))),
        }
    }
}

/// Completes when the task is done.
struct Join(Rc<TaskObj>);

impl Future for Join {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.done() {
            Poll::Ready(())
        } else {
            let mut waiters = self.0.waiters.borrow_mut();
            if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                waiters.push(cx.waker().clone());
            }
            Poll::Pending
        }
    }
}

/// `await task`: its result, its exception, or CancelledError. Cancelling the awaiting task
/// cancels the awaited one, and the wait ends when that one has ended, as in asyncio.
async fn join_task(cx: &Cx, task: Rc<TaskObj>) -> Res<Value> {
    let inner = task.clone();
    wait_forwarding(cx, Join(task.clone()), move |msg| inner.cancel(msg)).await?;
    task.outcome().unwrap_or(Ok(Value::None))
}

/// Makes `coro` a task (`asyncio.create_task`).
///
/// `create_task` needs a running loop; `gather`, `ensure_future` and `run_until_complete` make
/// tasks on the loop that will run (`require_running` false), as asyncio's current loop does.
pub(crate) fn spawn_task(
    cx: &Cx,
    coro: &CoroObj,
    name: Option<String>,
    require_running: bool,
) -> Res<Rc<TaskObj>> {
    let interp = cx.interp.clone();
    if require_running && !interp.loop_running.get() {
        return Err(fail(ExcType::RuntimeError, "no running event loop"));
    }
    let start = coro.take()?;
    let child = TaskCtx::new(interp.clone());
    let number = interp.next_task_number();
    let task = Rc::new(TaskObj {
        name: RefCell::new(name.unwrap_or_else(|| format!("Task-{number}"))),
        label: coro.name.clone(),
        ctx: child.clone(),
        state: RefCell::new(TaskState::Pending),
        waiters: RefCell::new(Vec::new()),
        handle: RefCell::new(None),
        callbacks: RefCell::new(Vec::new()),
    });
    *child.task.borrow_mut() = Rc::downgrade(&task);
    // The running task keeps itself alive (as asyncio's loop keeps a scheduled task), however
    // many names for it are gone; its future is dropped when it ends.
    let this = task.clone();
    let body = async move {
        let started = child.cancel.borrow_mut().take();
        let result = match started {
            Some(msg) => Err(cancelled_error(msg)),
            None => super::frames::Driver::new(child.clone(), start(child.clone())).await,
        };
        let task = this;
        let state = match result {
            Ok(v) => match child.cancel.borrow_mut().take() {
                Some(msg) => TaskState::Cancelled(msg),
                None => TaskState::Done(v),
            },
            Err(Flow::Exc(e)) if e.ty == ExcType::CancelledError => {
                TaskState::Cancelled(e.args.first().cloned())
            }
            Err(Flow::Exc(e)) => TaskState::Failed(e),
            Err(Flow::Fatal(message)) => {
                child.interp.stop(message.clone());
                TaskState::Failed(ExcObj::msg(ExcType::RuntimeError, message))
            }
            Err(Flow::Return(v)) => TaskState::Done(v),
            Err(Flow::Break | Flow::Continue) => TaskState::Done(Value::None),
        };
        task.settle(state);
        let callbacks = task.callbacks.take();
        for cb in callbacks {
            let _ = call(child.clone(), cb, vec![Value::Task(task.clone())], vec![]).await;
        }
    };
    let handle = trace::spawn(&task.label, body);
    *task.handle.borrow_mut() = Some(handle);
    let mut tasks = interp.tasks.borrow_mut();
    // Swept at each power of two past 1024, so that many live tasks do not make it quadratic.
    if tasks.len() > 1024 && tasks.len().is_power_of_two() {
        tasks.retain(|t| t.upgrade().is_some_and(|t| !t.done()));
    }
    tasks.push(Rc::downgrade(&task));
    Ok(task)
}

/// What `await value` and the functions that take awaitables run: a coroutine (in the current
/// task), a task, a future, a gather.
pub(crate) fn awaitable(cx: &Cx, v: Value) -> Res<BoxFuture<Res<Value>>> {
    Ok(match v {
        Value::Coro(c) => {
            let start = c.take()?;
            start(cx.clone())
        }
        Value::Task(t) => {
            let cx = cx.clone();
            Box::pin(async move { join_task(&cx, t).await })
        }
        Value::Aio(a) => match &*a {
            AioObject::Gathering(g) => {
                let g = g.clone();
                let cx = cx.clone();
                Box::pin(async move { g.run(&cx).await })
            }
            AioObject::Future(fut) => {
                let fut = fut.clone();
                let cx = cx.clone();
                Box::pin(async move {
                    wait(&cx, FutureDone(fut.clone())).await?;
                    fut.outcome()
                })
            }
            _ => return Err(not_awaitable(&Value::Aio(a.clone()))),
        },
        v @ Value::Http(_) => {
            let cx = cx.clone();
            Box::pin(async move { super::http::await_request(&cx, &v).await })
        }
        other => return Err(not_awaitable(&other)),
    })
}

/// An awaitable that gives `v` at once (`await response.text()`).
pub(crate) fn ready(v: Value) -> Value {
    CoroObj::native("ready", move |_| Box::pin(async move { Ok(v) }))
}

pub(crate) fn awaitable_none() -> Value {
    ready(Value::None)
}

fn not_awaitable(v: &Value) -> Flow {
    fail(
        ExcType::TypeError,
        format!(
            "object {} can't be used in 'await' expression",
            v.type_name()
        ),
    )
}

pub(crate) async fn await_value(cx: &Cx, v: Value) -> Res<Value> {
    awaitable(cx, v)?.await
}

/// A task from an awaitable (`ensure_future`): tasks as they are, coroutines and gathers wrapped.
fn ensure_task(cx: &Cx, v: Value) -> Res<Rc<TaskObj>> {
    match v {
        Value::Task(t) => Ok(t),
        Value::Coro(c) => spawn_task(cx, &c, None, false),
        other @ Value::Aio(_) => {
            let label = other.type_name().to_string();
            let coro = CoroObj::new(
                label,
                Box::new(move |cx: Cx| -> BoxFuture<Res<Value>> {
                    Box::pin(async move { await_value(&cx, other).await })
                }),
            );
            spawn_task(cx, &coro, None, false)
        }
        other => Err(fail(
            ExcType::TypeError,
            format!(
                "An asyncio.Future, a coroutine or an awaitable is required, not {}",
                other.type_name()
            ),
        )),
    }
}

// ---- gather ----

/// `asyncio.gather(...)`: its children already run as tasks; awaiting it collects them.
pub struct Gathering {
    children: Vec<Rc<TaskObj>>,
    return_exceptions: bool,
}

struct AllDone(Vec<Rc<TaskObj>>, bool);

impl Future for AllDone {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let stop_at_error = self.1;
        let mut all = true;
        for t in &self.0 {
            match &*t.state.borrow() {
                TaskState::Pending => all = false,
                TaskState::Failed(_) | TaskState::Cancelled(_) if stop_at_error => {
                    return Poll::Ready(())
                }
                _ => {}
            }
        }
        if all {
            return Poll::Ready(());
        }
        for t in &self.0 {
            if !t.done() {
                let mut waiters = t.waiters.borrow_mut();
                if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    waiters.push(cx.waker().clone());
                }
            }
        }
        Poll::Pending
    }
}

impl Gathering {
    async fn run(self: Rc<Self>, cx: &Cx) -> Res<Value> {
        let children = self.children.clone();
        let cancelled = Rc::new(Cell::new(false));
        let flag = cancelled.clone();
        let to_cancel = children.clone();
        let all = AllDone(children.clone(), !self.return_exceptions);
        wait_forwarding(cx, all, move |msg| {
            flag.set(true);
            let mut any = false;
            for t in &to_cancel {
                any |= t.cancel(msg.clone());
            }
            any
        })
        .await?;
        if cancelled.get() {
            // Cancelled from outside: wait for the children to end, then raise it.
            wait(cx, AllDone(children.clone(), false)).await?;
            return Err(cancelled_error(None));
        }
        let mut results = Vec::with_capacity(children.len());
        for t in &children {
            match t.outcome() {
                Some(Ok(v)) => results.push(v),
                // asyncio's gather gives a cancelled child's error a message, '' by default.
                Some(Err(Flow::Exc(e)))
                    if self.return_exceptions && e.ty == ExcType::CancelledError =>
                {
                    let msg = e.args.first().cloned().unwrap_or_else(|| Value::str(""));
                    results.push(Value::Exc(ExcObj::new(ExcType::CancelledError, vec![msg])))
                }
                Some(Err(Flow::Exc(e))) if self.return_exceptions => results.push(Value::Exc(e)),
                Some(Err(e)) => return Err(e),
                None => results.push(Value::None),
            }
        }
        Ok(Value::list(results))
    }
}

// ---- futures made by the loop ----

/// `loop.create_future()`
pub struct PyFuture {
    state: RefCell<TaskState>,
    waiters: RefCell<Vec<Waker>>,
}

impl PyFuture {
    fn outcome(&self) -> Res<Value> {
        match &*self.state.borrow() {
            TaskState::Pending => Err(fail(ExcType::InvalidStateError, "Result is not set.")),
            TaskState::Done(v) => Ok(v.clone()),
            TaskState::Failed(e) => Err(Flow::Exc(e.clone())),
            TaskState::Cancelled(msg) => Err(cancelled_error(msg.clone())),
        }
    }

    fn settle(&self, state: TaskState) -> Res<()> {
        if !matches!(*self.state.borrow(), TaskState::Pending) {
            return Err(fail(ExcType::InvalidStateError, "invalid state"));
        }
        *self.state.borrow_mut() = state;
        for w in self.waiters.take() {
            w.wake();
        }
        Ok(())
    }
}

struct FutureDone(Rc<PyFuture>);

impl Future for FutureDone {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if matches!(*self.0.state.borrow(), TaskState::Pending) {
            self.0.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

// ---- synchronisation ----

/// `asyncio.Lock()` and `asyncio.Semaphore(n)`: the traced semaphore, with the permits held
/// kept here (Python releases by call, not by scope).
pub struct SemObj {
    sem: trace::Semaphore,
    held: RefCell<Vec<trace::Permit>>,
    /// `release()` beyond what was acquired: permits added.
    extra: Cell<u32>,
    is_lock: bool,
}

impl SemObj {
    async fn acquire(self: Rc<Self>, cx: &Cx) -> Res<Value> {
        if self.extra.get() > 0 {
            self.extra.set(self.extra.get() - 1);
            return Ok(Value::Bool(true));
        }
        let sem = self.sem.clone();
        let permit = wait(cx, async move { sem.acquire().await }).await?;
        self.held.borrow_mut().push(permit);
        Ok(Value::Bool(true))
    }

    fn release(&self) -> Res<()> {
        if self.held.borrow_mut().pop().is_none() {
            if self.is_lock {
                return Err(fail(ExcType::RuntimeError, "Lock is not acquired."));
            }
            self.extra.set(self.extra.get() + 1);
        }
        Ok(())
    }

    /// asyncio's `locked()`: no permit can be taken now (none free, or others wait first).
    fn locked(&self) -> bool {
        self.extra.get() == 0 && (self.sem.available() == 0 || self.sem.waiters() > 0)
    }
}

/// Wakers waiting for a condition, woken all at once (each re-checks).
#[derive(Default)]
struct WaitList(RefCell<Vec<Waker>>);

impl WaitList {
    fn add(&self, w: &Waker) {
        let mut list = self.0.borrow_mut();
        if !list.iter().any(|x| x.will_wake(w)) {
            list.push(w.clone());
        }
    }
    fn wake_all(&self) {
        for w in self.0.take() {
            w.wake();
        }
    }
}

/// `asyncio.Event()`
#[derive(Default)]
pub struct EventObj {
    set: Cell<bool>,
    waiters: WaitList,
}

/// `asyncio.Queue(maxsize)`
pub struct QueueObj {
    items: RefCell<VecDeque<Value>>,
    maxsize: usize,
    unfinished: Cell<u64>,
    getters: WaitList,
    putters: WaitList,
    joiners: WaitList,
}

/// The most items an unbounded queue may hold: the run's memory cap.
const QUEUE_CAP: usize = 1_000_000;

impl QueueObj {
    fn full(&self) -> bool {
        let n = self.items.borrow().len();
        (self.maxsize > 0 && n >= self.maxsize) || n >= QUEUE_CAP
    }

    fn put_now(&self, v: Value) {
        self.items.borrow_mut().push_back(v);
        self.unfinished.set(self.unfinished.get() + 1);
        self.getters.wake_all();
    }

    fn get_now(&self) -> Option<Value> {
        let v = self.items.borrow_mut().pop_front();
        if v.is_some() {
            self.putters.wake_all();
        }
        v
    }
}

/// Anything asyncio-shaped that is not a task or a coroutine.
pub enum AioObject {
    Loop,
    Sem(Rc<SemObj>),
    Event(Rc<EventObj>),
    Queue(Rc<QueueObj>),
    Future(Rc<PyFuture>),
    Gathering(Rc<Gathering>),
    /// `loop.call_later(...)`'s handle.
    Timer(Rc<TaskObj>),
    /// `threading.current_thread()`
    Thread,
    /// `contextlib.nullcontext()`
    NullContext(Value),
}

impl AioObject {
    pub fn type_name(&self) -> &'static str {
        match self {
            AioObject::Loop => "_UnixSelectorEventLoop",
            AioObject::Sem(s) if s.is_lock => "Lock",
            AioObject::Sem(_) => "Semaphore",
            AioObject::Event(_) => "Event",
            AioObject::Queue(_) => "Queue",
            AioObject::Future(_) => "Future",
            AioObject::Gathering(_) => "_GatheringFuture",
            AioObject::Timer(_) => "TimerHandle",
            AioObject::Thread => "_MainThread",
            AioObject::NullContext(_) => "nullcontext",
        }
    }

    pub fn repr(&self) -> String {
        match self {
            AioObject::Thread => "<_MainThread(MainThread, started 140000000000000)>".into(),
            AioObject::Loop => {
                "<_UnixSelectorEventLoop running=True closed=False debug=False>".into()
            }
            AioObject::Queue(q) => {
                format!(
                    "<Queue maxsize={} _qsize={}>",
                    q.maxsize,
                    q.items.borrow().len()
                )
            }
            other => format!("<asyncio.{} object>", other.type_name()),
        }
    }
}

fn aio(obj: AioObject) -> Value {
    Value::Aio(Rc::new(obj))
}

fn seconds(v: &Value, what: &str) -> Res<f64> {
    match v.as_number() {
        Some(n) => Ok(n.as_f64()),
        None => Err(fail(
            ExcType::TypeError,
            format!(
                "{what}: a number of seconds is required, not {}",
                v.type_name()
            ),
        )),
    }
}

fn duration(secs: f64) -> Duration {
    if secs.is_finite() && secs > 0.0 {
        Duration::from_secs_f64(secs.min(1e9))
    } else {
        Duration::ZERO
    }
}

/// Sleeps `secs` on the tracer's timers; 0 yields to the loop once, as asyncio does: to the
/// other ready tasks (a microtask), and to the browser too (a macrotask) when the program has
/// not let it run for a frame, so that `while True: await asyncio.sleep(0)` keeps the page alive.
/// How long `sleep(0)` yields only to other tasks (microtasks) before it lets the browser run.
#[cfg(target_arch = "wasm32")]
const MICROTASK_STREAK_MS: f64 = 50.0;

async fn sleep_for(cx: &Cx, secs: f64) -> Res<()> {
    if secs <= 0.0 || secs.is_nan() {
        // Only a program that has done nothing but `sleep(0)` for 50 ms (a browser's long task)
        // is given a macrotask: asyncio's order (the task after those already ready) holds
        // for every other `sleep(0)`.
        #[cfg(target_arch = "wasm32")]
        {
            let interp = &cx.interp;
            let now = interp.host.now_ms();
            if now - interp.last_macrotask.get() > MICROTASK_STREAK_MS {
                interp.last_macrotask.set(now);
                return wait(cx, trace::yield_now()).await;
            }
        }
        wait(cx, trace::yield_microtask()).await
    } else {
        wait(cx, trace::sleep(duration(secs))).await?;
        // A timer woke it: the browser had its turn just now.
        cx.interp.last_macrotask.set(cx.interp.host.now_ms());
        Ok(())
    }
}

fn kwarg<'a>(keywords: &'a [(Rc<str>, Value)], name: &str) -> Option<&'a Value> {
    keywords.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
}

fn arg(positional: &[Value], keywords: &[(Rc<str>, Value)], i: usize, name: &str) -> Option<Value> {
    positional.get(i).or_else(|| kwarg(keywords, name)).cloned()
}

fn required(
    positional: &[Value],
    keywords: &[(Rc<str>, Value)],
    i: usize,
    name: &str,
    func: &str,
) -> Res<Value> {
    arg(positional, keywords, i, name).ok_or_else(|| {
        fail(
            ExcType::TypeError,
            format!("{func}() missing 1 required positional argument: '{name}'"),
        )
    })
}

/// A function of `asyncio` (or the loop) called.
pub(crate) async fn call_asyncio(
    cx: &Cx,
    name: &str,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    let interp = &cx.interp;
    match name {
        "sleep" => {
            let secs = seconds(
                &required(&positional, &keywords, 0, "delay", "sleep")?,
                "sleep()",
            )?;
            let result = arg(&positional, &keywords, 1, "result").unwrap_or(Value::None);
            let label = format!(
                "sleep({})",
                required(&positional, &keywords, 0, "delay", "sleep")?.repr()
            );
            Ok(CoroObj::native(&label, move |cx| {
                Box::pin(async move {
                    sleep_for(&cx, secs).await?;
                    Ok(result)
                })
            }))
        }
        "run" => {
            let main = required(&positional, &keywords, 0, "main", "run")?;
            if interp.loop_running.get() {
                return Err(fail(
                    ExcType::RuntimeError,
                    "asyncio.run() cannot be called from a running event loop",
                ));
            }
            let Value::Coro(coro) = &main else {
                return Err(fail(
                    ExcType::ValueError,
                    format!("a coroutine was expected, got {}", main.repr()),
                ));
            };
            interp.loop_running.set(true);
            let result = run_main(cx, coro).await;
            interp.loop_running.set(false);
            result
        }
        "create_task" | "ensure_future" => {
            let coro = required(&positional, &keywords, 0, "coro", name)?;
            let task_name = kwarg(&keywords, "name").map(Value::to_str);
            match coro {
                Value::Coro(c) => Ok(Value::Task(spawn_task(cx, &c, task_name, true)?)),
                Value::Task(t) if name == "ensure_future" => Ok(Value::Task(t)),
                other if name == "ensure_future" => Ok(Value::Task(ensure_task(cx, other)?)),
                other => Err(fail(
                    ExcType::TypeError,
                    format!("a coroutine was expected, got {}", other.repr()),
                )),
            }
        }
        "gather" => {
            let return_exceptions =
                kwarg(&keywords, "return_exceptions").is_some_and(Value::truthy);
            let mut children = Vec::with_capacity(positional.len());
            for aw in positional {
                children.push(ensure_task(cx, aw)?);
            }
            Ok(aio(AioObject::Gathering(Rc::new(Gathering {
                children,
                return_exceptions,
            }))))
        }
        "wait_for" => {
            let aw = required(&positional, &keywords, 0, "fut", "wait_for")?;
            let timeout = arg(&positional, &keywords, 1, "timeout").unwrap_or(Value::None);
            let timeout = match timeout {
                Value::None => None,
                t => Some(seconds(&t, "wait_for()")?),
            };
            let label = "wait_for(...)".to_string();
            let task = ensure_task(cx, aw)?;
            Ok(CoroObj::native(&label, move |cx| {
                Box::pin(async move { wait_for(&cx, task, timeout).await })
            }))
        }
        "wait" => {
            let aws = required(&positional, &keywords, 0, "fs", "wait")?;
            let timeout = match arg(&positional, &keywords, 1, "timeout") {
                None | Some(Value::None) => None,
                Some(t) => Some(seconds(&t, "wait()")?),
            };
            let when = kwarg(&keywords, "return_when")
                .map(Value::to_str)
                .unwrap_or_else(|| "ALL_COMPLETED".into());
            let mut tasks = Vec::new();
            for aw in collect(cx, &aws)? {
                tasks.push(ensure_task(cx, aw)?);
            }
            if tasks.is_empty() {
                return Err(fail(ExcType::ValueError, "Set of Tasks/Futures is empty."));
            }
            Ok(CoroObj::native("wait(...)", move |cx| {
                Box::pin(async move { wait_tasks(&cx, tasks, timeout, &when).await })
            }))
        }
        "Lock" | "Semaphore" | "BoundedSemaphore" => {
            let permits = if name == "Lock" {
                1
            } else {
                match arg(&positional, &keywords, 0, "value") {
                    None => 1,
                    Some(v) => {
                        let n = v
                            .as_int()
                            .ok_or_else(|| fail(ExcType::TypeError, "Semaphore() takes an int"))?;
                        if n < 0 {
                            return Err(fail(
                                ExcType::ValueError,
                                "Semaphore initial value must be >= 0",
                            ));
                        }
                        u32::try_from(n).unwrap_or(u32::MAX)
                    }
                }
            };
            let label = if name == "Lock" {
                "asyncio.Lock()".to_string()
            } else {
                format!("asyncio.Semaphore({permits})")
            };
            Ok(aio(AioObject::Sem(Rc::new(SemObj {
                sem: trace::Semaphore::new(&label, permits),
                held: RefCell::new(Vec::new()),
                extra: Cell::new(0),
                is_lock: name == "Lock",
            }))))
        }
        "Event" => Ok(aio(AioObject::Event(Rc::new(EventObj::default())))),
        "Queue" => {
            let maxsize = match arg(&positional, &keywords, 0, "maxsize") {
                None => 0,
                Some(v) => v.as_int().unwrap_or(0).max(0) as usize,
            };
            Ok(aio(AioObject::Queue(Rc::new(QueueObj {
                items: RefCell::new(VecDeque::new()),
                maxsize,
                unfinished: Cell::new(0),
                getters: WaitList::default(),
                putters: WaitList::default(),
                joiners: WaitList::default(),
            }))))
        }
        "get_event_loop" | "new_event_loop" | "get_running_loop" => {
            if name == "new_event_loop" {
                interp.loop_closed.set(false);
            }
            if name == "get_running_loop" && !interp.loop_running.get() {
                return Err(fail(ExcType::RuntimeError, "no running event loop"));
            }
            Ok(aio(AioObject::Loop))
        }
        "set_event_loop" => Ok(Value::None),
        "current_task" => Ok(cx
            .task
            .borrow()
            .upgrade()
            .map(Value::Task)
            .unwrap_or(Value::None)),
        "all_tasks" => {
            let tasks: Vec<Value> = interp
                .tasks
                .borrow()
                .iter()
                .filter_map(Weak::upgrade)
                .filter(|t| !t.done())
                .map(Value::Task)
                .collect();
            super::builtins::make_set(tasks)
        }
        "shield" => {
            let aw = required(&positional, &keywords, 0, "arg", "shield")?;
            let task = ensure_task(cx, aw)?;
            Ok(CoroObj::native("shield(...)", move |cx| {
                Box::pin(async move {
                    wait(&cx, Join(task.clone())).await?;
                    task.outcome().unwrap_or(Ok(Value::None))
                })
            }))
        }
        "iscoroutine" => Ok(Value::Bool(matches!(
            positional.first(),
            Some(Value::Coro(_))
        ))),
        "iscoroutinefunction" => Ok(Value::Bool(matches!(
            positional.first(),
            Some(Value::Function(f)) if f.is_async
        ))),
        _ => Err(fail(
            ExcType::AttributeError,
            format!("module 'asyncio' has no attribute '{name}'"),
        )),
    }
}

/// The names `asyncio` has in the playground (functions; classes are in [`ExcType`]).
pub(crate) const ASYNCIO_FUNCTIONS: &[&str] = &[
    "sleep",
    "run",
    "create_task",
    "ensure_future",
    "gather",
    "wait_for",
    "wait",
    "Lock",
    "Semaphore",
    "BoundedSemaphore",
    "Event",
    "Queue",
    "get_event_loop",
    "new_event_loop",
    "get_running_loop",
    "set_event_loop",
    "current_task",
    "all_tasks",
    "shield",
    "iscoroutine",
    "iscoroutinefunction",
];

/// `asyncio.run(main)`: main as a task; when it ends, the tasks left are cancelled and
/// waited for, as asyncio.run does.
async fn run_main(cx: &Cx, coro: &CoroObj) -> Res<Value> {
    let task = spawn_task(cx, coro, None, true)?;
    let joined = wait(cx, Join(task.clone())).await;
    let result = match joined {
        Ok(()) => task.outcome().unwrap_or(Ok(Value::None)),
        Err(e) => Err(e),
    };
    if let Err(Flow::Fatal(_)) = result {
        return result;
    }
    let left: Vec<Rc<TaskObj>> = cx
        .interp
        .tasks
        .borrow()
        .iter()
        .filter_map(Weak::upgrade)
        .filter(|t| !t.done())
        .collect();
    for t in &left {
        t.cancel(None);
    }
    if !left.is_empty() {
        wait(cx, AllDone(left, false)).await?;
    }
    result
}

/// `loop.run_until_complete(aw)`
async fn run_until_complete(cx: &Cx, aw: Value) -> Res<Value> {
    let interp = &cx.interp;
    if interp.loop_running.get() {
        return Err(fail(
            ExcType::RuntimeError,
            "This event loop is already running",
        ));
    }
    if interp.loop_closed.get() {
        return Err(fail(ExcType::RuntimeError, "Event loop is closed"));
    }
    interp.loop_running.set(true);
    let result = async {
        let task = ensure_task(cx, aw)?;
        wait(cx, Join(task.clone())).await?;
        task.outcome().unwrap_or(Ok(Value::None))
    }
    .await;
    interp.loop_running.set(false);
    result
}

/// Sleeps, or ends early when the task is done.
struct DoneOrTimeout {
    task: Rc<TaskObj>,
    sleep: Option<Pin<Box<trace::Sleep>>>,
}

impl Future for DoneOrTimeout {
    type Output = bool;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.task.done() {
            return Poll::Ready(true);
        }
        if let Some(sleep) = self.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(self.task.done());
            }
        }
        let mut waiters = self.task.waiters.borrow_mut();
        if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// `asyncio.wait_for(task, timeout)` as 3.11 does it: on timeout the task is cancelled and
/// waited for, then TimeoutError.
async fn wait_for(cx: &Cx, task: Rc<TaskObj>, timeout: Option<f64>) -> Res<Value> {
    let inner = task.clone();
    let timed = DoneOrTimeout {
        task: task.clone(),
        sleep: timeout.map(|t| Box::pin(trace::sleep(duration(t)))),
    };
    let done = match timeout {
        Some(t) if t <= 0.0 => task.done(),
        _ => wait_forwarding(cx, timed, move |msg| inner.cancel(msg)).await?,
    };
    if done {
        return task.outcome().unwrap_or(Ok(Value::None));
    }
    task.cancel(None);
    wait(cx, Join(task.clone())).await?;
    match task.outcome() {
        // It finished after all (it swallowed the cancellation): its result.
        Some(Ok(v)) => Ok(v),
        _ => Err(Flow::Exc(ExcObj::new(ExcType::TimeoutError, vec![]))),
    }
}

/// `asyncio.wait(tasks, timeout, return_when)`: `(done, pending)` as two sets.
async fn wait_tasks(
    cx: &Cx,
    tasks: Vec<Rc<TaskObj>>,
    timeout: Option<f64>,
    when: &str,
) -> Res<Value> {
    struct Until {
        tasks: Vec<Rc<TaskObj>>,
        first: bool,
        first_exception: bool,
        sleep: Option<Pin<Box<trace::Sleep>>>,
    }
    impl Future for Until {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let done = self.tasks.iter().filter(|t| t.done()).count();
            let failed = self
                .tasks
                .iter()
                .any(|t| matches!(*t.state.borrow(), TaskState::Failed(_)));
            if done == self.tasks.len()
                || (self.first && done > 0)
                || (self.first_exception && failed)
            {
                return Poll::Ready(());
            }
            if let Some(s) = self.sleep.as_mut() {
                if s.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(());
                }
            }
            for t in &self.tasks {
                if !t.done() {
                    let mut waiters = t.waiters.borrow_mut();
                    if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                        waiters.push(cx.waker().clone());
                    }
                }
            }
            Poll::Pending
        }
    }
    let until = Until {
        tasks: tasks.clone(),
        first: when == "FIRST_COMPLETED",
        first_exception: when == "FIRST_EXCEPTION",
        sleep: timeout.map(|t| Box::pin(trace::sleep(duration(t)))),
    };
    wait(cx, until).await?;
    let (done, pending): (Vec<_>, Vec<_>) = tasks.into_iter().partition(|t| t.done());
    let set =
        |ts: Vec<Rc<TaskObj>>| super::builtins::make_set(ts.into_iter().map(Value::Task).collect());
    Ok(Value::tuple(vec![set(done)?, set(pending)?]))
}

// ---- methods ----

pub(crate) async fn call_method(
    cx: &Cx,
    recv: &Value,
    name: &str,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    match recv {
        Value::Task(t) => task_method(cx, t, name, positional, keywords).await,
        Value::Coro(c) => match name {
            "close" => {
                c.start.borrow_mut().take();
                Ok(Value::None)
            }
            _ => Err(no_attr(recv, name)),
        },
        Value::Aio(a) => aio_method(cx, recv, a, name, positional, keywords).await,
        _ => Err(no_attr(recv, name)),
    }
}

pub(crate) fn no_attr(v: &Value, name: &str) -> Flow {
    fail(
        ExcType::AttributeError,
        format!("'{}' object has no attribute '{name}'", v.type_name()),
    )
}

async fn task_method(
    cx: &Cx,
    t: &Rc<TaskObj>,
    name: &str,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    Ok(match name {
        "cancel" => Value::Bool(t.cancel(arg(&positional, &keywords, 0, "msg"))),
        "cancelled" => Value::Bool(matches!(*t.state.borrow(), TaskState::Cancelled(_))),
        "done" => Value::Bool(t.done()),
        "result" => match t.outcome() {
            None => return Err(fail(ExcType::InvalidStateError, "Result is not set.")),
            Some(r) => r?,
        },
        "exception" => match &*t.state.borrow() {
            TaskState::Pending => {
                return Err(fail(ExcType::InvalidStateError, "Exception is not set."))
            }
            TaskState::Cancelled(msg) => return Err(cancelled_error(msg.clone())),
            TaskState::Failed(e) => Value::Exc(e.clone()),
            TaskState::Done(_) => Value::None,
        },
        "get_name" => Value::str(&t.name.borrow()),
        "set_name" => {
            *t.name.borrow_mut() =
                required(&positional, &keywords, 0, "value", "set_name")?.to_str();
            Value::None
        }
        "add_done_callback" => {
            let cb = required(&positional, &keywords, 0, "fn", "add_done_callback")?;
            if t.done() {
                call(cx.clone(), cb, vec![Value::Task(t.clone())], vec![]).await?;
            } else {
                t.callbacks.borrow_mut().push(cb);
            }
            Value::None
        }
        "get_coro" => Value::None,
        _ => return Err(no_attr(&Value::Task(t.clone()), name)),
    })
}

async fn aio_method(
    cx: &Cx,
    recv: &Value,
    a: &Rc<AioObject>,
    name: &str,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    match (&**a, name) {
        (AioObject::Loop, "run_until_complete") => {
            let aw = required(&positional, &keywords, 0, "future", name)?;
            run_until_complete(cx, aw).await
        }
        (AioObject::Loop, "create_task") => {
            call_asyncio(cx, "create_task", positional, keywords).await
        }
        (AioObject::Loop, "time") => Ok(Value::Float(cx.interp.host.now_ms() / 1000.0)),
        (AioObject::Loop, "close") => {
            if cx.interp.loop_running.get() {
                return Err(fail(
                    ExcType::RuntimeError,
                    "Cannot close a running event loop",
                ));
            }
            cx.interp.loop_closed.set(true);
            Ok(Value::None)
        }
        (AioObject::Loop, "stop") => Ok(Value::None),
        (AioObject::Loop, "is_closed") => Ok(Value::Bool(cx.interp.loop_closed.get())),
        (AioObject::Loop, "is_running") => Ok(Value::Bool(cx.interp.loop_running.get())),
        (AioObject::Loop, "create_future") => Ok(aio(AioObject::Future(Rc::new(PyFuture {
            state: RefCell::new(TaskState::Pending),
            waiters: RefCell::new(Vec::new()),
        })))),
        (AioObject::Loop, "call_later" | "call_soon") => {
            let (delay, rest) = if name == "call_later" {
                let d = seconds(&required(&positional, &keywords, 0, "delay", name)?, name)?;
                (d, positional.get(1..).unwrap_or(&[]).to_vec())
            } else {
                (0.0, positional.clone())
            };
            let Some((callback, args)) = rest.split_first() else {
                return Err(fail(
                    ExcType::TypeError,
                    format!("{name}() missing the callback"),
                ));
            };
            let (callback, args) = (callback.clone(), args.to_vec());
            let label = format!("{name}({})", callback.repr());
            let coro = CoroObj::new(
                label,
                Box::new(move |cx: Cx| -> BoxFuture<Res<Value>> {
                    Box::pin(async move {
                        if delay > 0.0 {
                            wait(&cx, trace::sleep(duration(delay))).await?;
                        } else {
                            wait(&cx, trace::yield_microtask()).await?;
                        }
                        call(cx, callback, args, vec![]).await
                    })
                }),
            );
            Ok(aio(AioObject::Timer(spawn_task(cx, &coro, None, true)?)))
        }
        (AioObject::Loop, "run_in_executor") => Err(fail(
            ExcType::NotImplementedError,
            "run_in_executor needs threads or processes, which a browser page's Python does \
             not have: the blocking lesson shows what it does",
        )),
        (AioObject::Timer(t), "cancel") => Ok(Value::Bool(t.cancel(None))),
        (AioObject::Timer(t), "cancelled") => Ok(Value::Bool(matches!(
            *t.state.borrow(),
            TaskState::Cancelled(_)
        ))),
        (AioObject::Future(f), "set_result") => {
            f.settle(TaskState::Done(required(
                &positional,
                &keywords,
                0,
                "result",
                name,
            )?))?;
            Ok(Value::None)
        }
        (AioObject::Future(f), "set_exception") => {
            let e = match required(&positional, &keywords, 0, "exception", name)? {
                Value::Exc(e) => e,
                Value::ExcType(t) => ExcObj::new(t, vec![]),
                other => {
                    return Err(fail(
                        ExcType::TypeError,
                        format!("invalid exception object {}", other.repr()),
                    ))
                }
            };
            f.settle(TaskState::Failed(e))?;
            Ok(Value::None)
        }
        (AioObject::Future(f), "result") => f.outcome(),
        (AioObject::Future(f), "done") => Ok(Value::Bool(!matches!(
            *f.state.borrow(),
            TaskState::Pending
        ))),
        (AioObject::Future(f), "cancel") => Ok(Value::Bool(
            f.settle(TaskState::Cancelled(arg(&positional, &keywords, 0, "msg")))
                .is_ok(),
        )),
        (AioObject::Future(f), "cancelled") => Ok(Value::Bool(matches!(
            *f.state.borrow(),
            TaskState::Cancelled(_)
        ))),
        (AioObject::Gathering(g), "cancel") => {
            let mut any = false;
            for t in &g.children {
                any |= t.cancel(None);
            }
            Ok(Value::Bool(any))
        }
        (AioObject::Gathering(g), "done") => Ok(Value::Bool(g.children.iter().all(|t| t.done()))),
        (AioObject::Sem(s), "acquire") => {
            let s = s.clone();
            Ok(CoroObj::native("acquire()", move |cx| {
                Box::pin(async move { s.acquire(&cx).await })
            }))
        }
        (AioObject::Sem(s), "release") => {
            s.release()?;
            Ok(Value::None)
        }
        (AioObject::Sem(s), "locked") => Ok(Value::Bool(s.locked())),
        (AioObject::Event(e), "set") => {
            e.set.set(true);
            e.waiters.wake_all();
            Ok(Value::None)
        }
        (AioObject::Event(e), "clear") => {
            e.set.set(false);
            Ok(Value::None)
        }
        (AioObject::Event(e), "is_set") => Ok(Value::Bool(e.set.get())),
        (AioObject::Event(e), "wait") => {
            let e = e.clone();
            Ok(CoroObj::native("Event.wait()", move |cx| {
                Box::pin(async move {
                    wait(
                        &cx,
                        std::future::poll_fn(|c| {
                            if e.set.get() {
                                Poll::Ready(())
                            } else {
                                e.waiters.add(c.waker());
                                Poll::Pending
                            }
                        }),
                    )
                    .await?;
                    Ok(Value::Bool(true))
                })
            }))
        }
        (AioObject::Queue(q), "put") => {
            let item = required(&positional, &keywords, 0, "item", name)?;
            let q = q.clone();
            Ok(CoroObj::native("Queue.put()", move |cx| {
                Box::pin(async move {
                    wait(
                        &cx,
                        std::future::poll_fn(|c| {
                            if q.full() {
                                q.putters.add(c.waker());
                                Poll::Pending
                            } else {
                                Poll::Ready(())
                            }
                        }),
                    )
                    .await?;
                    q.put_now(item);
                    Ok(Value::None)
                })
            }))
        }
        (AioObject::Queue(q), "get") => {
            let q = q.clone();
            Ok(CoroObj::native("Queue.get()", move |cx| {
                Box::pin(async move {
                    let v = wait(
                        &cx,
                        std::future::poll_fn(|c| match q.get_now() {
                            Some(v) => Poll::Ready(v),
                            None => {
                                q.getters.add(c.waker());
                                Poll::Pending
                            }
                        }),
                    )
                    .await?;
                    Ok(v)
                })
            }))
        }
        (AioObject::Queue(q), "put_nowait") => {
            let item = required(&positional, &keywords, 0, "item", name)?;
            if q.full() {
                return Err(Flow::Exc(ExcObj::new(ExcType::QueueFull, vec![])));
            }
            q.put_now(item);
            Ok(Value::None)
        }
        (AioObject::Queue(q), "get_nowait") => q
            .get_now()
            .ok_or_else(|| Flow::Exc(ExcObj::new(ExcType::QueueEmpty, vec![]))),
        (AioObject::Queue(q), "qsize") => Ok(Value::Int(q.items.borrow().len() as i128)),
        (AioObject::Queue(q), "empty") => Ok(Value::Bool(q.items.borrow().is_empty())),
        (AioObject::Queue(q), "full") => Ok(Value::Bool(q.maxsize > 0 && q.full())),
        (AioObject::Queue(q), "task_done") => {
            let n = q.unfinished.get();
            if n == 0 {
                return Err(fail(
                    ExcType::ValueError,
                    "task_done() called too many times",
                ));
            }
            q.unfinished.set(n - 1);
            if n == 1 {
                q.joiners.wake_all();
            }
            Ok(Value::None)
        }
        (AioObject::Queue(q), "join") => {
            let q = q.clone();
            Ok(CoroObj::native("Queue.join()", move |cx| {
                Box::pin(async move {
                    wait(
                        &cx,
                        std::future::poll_fn(|c| {
                            if q.unfinished.get() == 0 {
                                Poll::Ready(())
                            } else {
                                q.joiners.add(c.waker());
                                Poll::Pending
                            }
                        }),
                    )
                    .await?;
                    Ok(Value::None)
                })
            }))
        }
        (AioObject::Thread, "getName") => Ok(Value::str("MainThread")),
        _ => Err(no_attr(recv, name)),
    }
}

/// Data attributes of asyncio objects (`thread.name`).
pub(crate) fn get_attr(v: &AioObject, name: &str) -> Option<Value> {
    match (v, name) {
        (AioObject::Thread, "name") => Some(Value::str("MainThread")),
        (AioObject::Queue(q), "maxsize") => Some(Value::Int(q.maxsize as i128)),
        _ => None,
    }
}

/// `with manager:` / `async with manager:` entering: what `as` binds.
pub(crate) async fn enter(cx: &Cx, manager: &Value, is_async: bool) -> Res<Value> {
    match manager {
        Value::Aio(a) => match &**a {
            AioObject::Sem(s) if is_async => {
                s.clone().acquire(cx).await?;
                Ok(Value::None)
            }
            AioObject::NullContext(v) => Ok(v.clone()),
            _ => Err(no_context(manager, is_async)),
        },
        Value::Http(_) if is_async => super::http::enter(cx, manager).await,
        _ => Err(no_context(manager, is_async)),
    }
}

/// Leaving a `with`: whether the exception (if any) was swallowed.
pub(crate) async fn exit(
    cx: &Cx,
    manager: &Value,
    is_async: bool,
    _exc: Option<Rc<ExcObj>>,
) -> Res<bool> {
    match manager {
        Value::Aio(a) => match &**a {
            AioObject::Sem(s) if is_async => {
                s.release()?;
                Ok(false)
            }
            _ => Ok(false),
        },
        Value::Http(_) => super::http::exit(cx, manager).await.map(|()| false),
        _ => Ok(false),
    }
}

fn no_context(v: &Value, is_async: bool) -> Flow {
    fail(
        ExcType::TypeError,
        if is_async {
            format!(
                "'{}' object does not support the asynchronous context manager protocol",
                v.type_name()
            )
        } else {
            format!(
                "'{}' object does not support the context manager protocol",
                v.type_name()
            )
        },
    )
}

/// `asyncio.X` as a value.
pub(crate) fn module_attr(name: &str) -> Option<Value> {
    if let Some(t) = ExcType::in_module("asyncio", name) {
        return Some(Value::ExcType(t));
    }
    match name {
        "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED" => Some(Value::str(name)),
        _ => ASYNCIO_FUNCTIONS.iter().find(|n| **n == name).map(|n| {
            Value::Builtin(Builtin {
                module: Some(Module::Asyncio),
                name: n,
            })
        }),
    }
}

/// `contextlib.nullcontext(value)`
pub(crate) fn null_context(v: Value) -> Value {
    aio(AioObject::NullContext(v))
}

/// `threading.current_thread()`
pub(crate) fn main_thread() -> Value {
    aio(AioObject::Thread)
}
