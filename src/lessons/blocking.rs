//! Lesson `blocking`: the seeds' warning against blocking calls in async code (002 §6.1), with
//! 003 §3's comparison of async IO against threads and processes. A 300 ms CPU loop inside a task
//! delays a timer set for 100 ms and freezes the page; two fixes, each measured: chunks with a
//! real yield to the browser, and a Web Worker running the same loop in Rust.
//!
//! The loop ([`Crunch`]) and the worker's protocol ([`ToWorker`], [`FromWorker`], [`answer`]) are
//! pure and shared with the worker binary (src/bin/worker.rs); [`CrunchWorker`] is the page's
//! side of it.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::FutureExt;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

use super::{
    articles, check_at_least, check_at_most, check_lines, Check, Line, ParamSpec, Printer,
};
use super::{Lesson, Params};
use crate::trace::{
    self, instrument, now_ms, sleep, spawn, with_recorder, yield_microtask, yield_now, JoinError,
    WarningKind, LONG_POLL_MS,
};

/// The timer the work must not delay (the Python sleeps 0.1 s).
const TIMER_MS: f64 = 100.0;
const TIMER: Duration = Duration::from_millis(100);
/// How late the timer may fire while a fix runs the work: half of the least a blocking run of
/// the default 300 ms delays it (200 ms). Measured in headless Chromium: 2-20 ms on a bare page,
/// up to about 40 ms in the app while the trace panel redraws each frame.
const LATE_OK_MS: f64 = 100.0;
/// Where trunk puts the worker's loader (static/crunch_worker.js, copied by index.html).
pub const WORKER_URL: &str = "./crunch_worker.js";
/// How long the worker may take to fetch and compile its wasm and say it is ready.
const WORKER_START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long past the work itself the worker may take to answer.
const WORKER_ANSWER_SLACK_MS: f64 = 10_000.0;

const SET: &str = "timer: set for 100 ms";
const START: &str = "work: start";
const FIRED: &str = "timer: fired";
const DONE: &str = "work: done";

/// A 300 ms CPU loop inside a task: a timer set for 100 ms fires only when the loop ends, and the
/// page draws nothing meanwhile. Chunking the loop with a real yield to the browser, or moving it
/// to a Web Worker, keeps the timer on time.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "blocking",
    title: "Blocking the event loop, and two fixes",
    article: &articles::ASYNCIO_AIOHTTP,
    section: "6.1 异步编程的常见陷阱 (避免阻塞操作); 003 §3 异步IO与多线程/多进程的比较",
    params: &[
        ParamSpec::choice(
            "variant",
            &["blocking", "chunked", "worker"],
            "blocking: one 300 ms loop in a task; chunked: 10 ms chunks, each followed by a \
             setTimeout(0) yield; worker: the same loop in a Web Worker running Rust",
        ),
        ParamSpec::number(
            "work_ms",
            300.0,
            200.0,
            5000.0,
            "ms of CPU work (the Python crunches 300 ms); at least 200, so the 100 ms timer \
             falls due while it runs",
        ),
        ParamSpec::number(
            "chunk_ms",
            10.0,
            1.0,
            40.0,
            "ms per chunk in the chunked variant (under the 50 ms long-poll threshold)",
        ),
    ],
    main: |out, params| {
        let variant = Variant::from_index(params.index("variant"));
        let work_ms = params.get("work_ms");
        let chunk_ms = params.get("chunk_ms");
        async move {
            let frames = FrameWatch::start();
            let measured = main(out.clone(), variant, work_ms, chunk_ms).await;
            let frames = frames.stop();
            let measured = measured.map_err(|e| e.to_string())?;
            report(&out, variant, work_ms, chunk_ms, &measured, frames);
            Ok(())
        }
        .boxed_local()
    },
    checks,
};

/// How the lesson runs the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Blocking,
    Chunked,
    Worker,
}

impl Variant {
    fn from_index(i: usize) -> Variant {
        match i {
            1 => Variant::Chunked,
            2 => Variant::Worker,
            _ => Variant::Blocking,
        }
    }
}

/// What a run measured, for the notes and checks.
pub struct Measured {
    pub work: Crunch,
    /// How late the timer fired, in ms.
    pub late_ms: f64,
    /// How long the work took from start to answer (wall time), in ms.
    pub wall_ms: f64,
}

// ANCHOR: lesson
/// `crunch(ms)`: CPU work with no await inside. While it runs nothing
/// else on the page runs: no timer, no click, no frame.
fn crunch(work: &mut Crunch, ms: f64) {
    work.run_for(ms, now_ms);
}

/// `async def timer()`; returns how late it fired, in ms.
async fn timer(out: Printer) -> f64 {
    out.print("timer: set for 100 ms");
    let set = now_ms();
    sleep(TIMER).await;
    out.print("timer: fired");
    now_ms() - set - TIMER_MS
}

/// `work_blocking`: one poll that spins for `work_ms`.
async fn work_blocking(work_ms: f64) -> Result<Crunch, WorkerError> {
    let mut work = Crunch::new();
    crunch(&mut work, work_ms);
    Ok(work)
}

/// `work_chunked`: a chunk, then a real yield to the browser. `yield_now`
/// is a `setTimeout(0)`: due timers, input and frames run before we
/// are polled again. (`yield_microtask` would not do: the browser runs
/// every microtask before any timer or frame.)
async fn work_chunked(work_ms: f64, chunk_ms: f64) -> Result<Crunch, WorkerError> {
    let mut work = Crunch::new();
    while work.busy_ms < work_ms {
        let chunk = chunk_ms.min(work_ms - work.busy_ms);
        crunch(&mut work, chunk);
        yield_now().await;
    }
    Ok(work)
}

/// `work_in_process`: the same loop in a Web Worker, a thread with its
/// own wasm instance and no shared memory (like Python's process pool);
/// the page awaits its answer, which comes as a message.
async fn work_in_worker(work_ms: f64) -> Result<Crunch, WorkerError> {
    let worker = CrunchWorker::start(WORKER_URL).await?;
    worker.crunch(work_ms).await
}

async fn main(
    out: Printer,
    variant: Variant,
    work_ms: f64,
    chunk_ms: f64,
) -> Result<Measured, BlockingError> {
    let timer = spawn("timer", timer(out.clone()));
    yield_microtask().await; // the timer starts first
    out.print("work: start");
    let started = now_ms();
    let work = match variant {
        Variant::Blocking => instrument("work", work_blocking(work_ms)).await,
        Variant::Chunked => instrument("work", work_chunked(work_ms, chunk_ms)).await,
        Variant::Worker => instrument("work", work_in_worker(work_ms)).await,
    }?;
    let wall_ms = now_ms() - started;
    out.print("work: done");
    let late_ms = timer.await?;
    Ok(Measured {
        work,
        late_ms,
        wall_ms,
    })
}
// ANCHOR_END: lesson

/// Why a run of this lesson failed.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockingError {
    Worker(WorkerError),
    Timer(JoinError),
}

impl fmt::Display for BlockingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockingError::Worker(e) => e.fmt(f),
            BlockingError::Timer(e) => write!(f, "the timer task did not finish: {e}"),
        }
    }
}

impl std::error::Error for BlockingError {}

impl From<WorkerError> for BlockingError {
    fn from(e: WorkerError) -> Self {
        BlockingError::Worker(e)
    }
}

impl From<JoinError> for BlockingError {
    fn from(e: JoinError) -> Self {
        BlockingError::Timer(e)
    }
}

/// Notes and measured checks of a finished run: the timer's lateness, the frames, the tracer's
/// long-poll warnings.
fn report(
    out: &Printer,
    variant: Variant,
    work_ms: f64,
    chunk_ms: f64,
    m: &Measured,
    frames: Frames,
) {
    let late = m.late_ms;
    out.note(format!(
        "timer: due {TIMER_MS} ms after it was set, fired {late:.1} ms late"
    ));
    let how = match variant {
        Variant::Blocking => format!("one poll of task work spun for {:.1} ms", m.work.busy_ms),
        Variant::Chunked => format!(
            "{:.1} ms of busy work in chunks of at most {chunk_ms} ms, each followed by a \
             setTimeout(0) yield, took {:.1} ms in all: the yields cost {:.1} ms (each lets \
             the browser run what waited, timers, input and the page's frames, and a \
             setTimeout(0) set from a timer five deep waits at least 4 ms)",
            m.work.busy_ms,
            m.wall_ms,
            m.wall_ms - m.work.busy_ms
        ),
        Variant::Worker => format!(
            "the worker spun for {:.1} ms on its own thread; the page awaited its answer for \
             {:.1} ms in all (starting the worker included)",
            m.work.busy_ms, m.wall_ms
        ),
    };
    out.note(format!(
        "work: {how}; {} loop steps, checksum {:016x}",
        m.work.iterations, m.work.state
    ));
    out.note(frames.describe());

    let long_polls: Vec<(String, String)> = with_recorder(|r| {
        r.warnings()
            .iter()
            .filter(|w| matches!(w.kind, WarningKind::LongPoll { .. }))
            .map(|w| {
                let name = r
                    .task(w.task)
                    .map_or("?".to_string(), |t| t.name().to_string());
                (name, w.to_string())
            })
            .collect()
    });
    for (_, warning) in &long_polls {
        out.note(format!("tracer warning: {warning}"));
    }
    let listed = if long_polls.is_empty() {
        "none".to_string()
    } else {
        long_polls
            .iter()
            .map(|(task, w)| format!("{task}: {w}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    out.check(match variant {
        Variant::Blocking => Check {
            name: format!("the tracer flags the work's poll as blocking (over {LONG_POLL_MS} ms)"),
            ok: long_polls.iter().any(|(task, _)| task == "work"),
            expected: "a long-poll warning for task work".to_string(),
            actual: listed,
        },
        Variant::Chunked | Variant::Worker => Check {
            name: format!("no poll blocks the event loop (none over {LONG_POLL_MS} ms)"),
            ok: long_polls.is_empty(),
            expected: "no long-poll warning".to_string(),
            actual: listed,
        },
    });
    if variant == Variant::Worker {
        out.check(check_at_least(
            format!("the worker did the work ({work_ms} ms of CPU on its thread)"),
            m.work.busy_ms,
            work_ms,
        ));
    }
}

fn checks(params: &Params, lines: &[Line]) -> Vec<Check> {
    let variant = Variant::from_index(params.index("variant"));
    let work_ms = params.get("work_ms");
    let expected = match variant {
        Variant::Blocking => [SET, START, DONE, FIRED],
        Variant::Chunked | Variant::Worker => [SET, START, FIRED, DONE],
    };
    let mut checks = vec![check_lines(lines, &expected)];
    let at = |text: &str| lines.iter().find(|l| l.text == text).map(|l| l.t_ms);
    if let (Some(set), Some(fired)) = (at(SET), at(FIRED)) {
        let waited = fired - set;
        checks.push(check_at_least(
            "the timer never fires early",
            waited,
            TIMER_MS,
        ));
        let late = waited - TIMER_MS;
        checks.push(match variant {
            Variant::Blocking => check_at_least(
                format!(
                    "the timer is late by at least the rest of the work ({work_ms} - {TIMER_MS} ms): \
                     it could not run until the loop ended"
                ),
                late,
                work_ms - TIMER_MS,
            ),
            Variant::Chunked | Variant::Worker => check_at_most(
                format!(
                    "the timer fires on time while the work runs (at most {LATE_OK_MS} ms late; \
                     blocking, it is at least 200 ms late)"
                ),
                late,
                LATE_OK_MS,
            ),
        });
    }
    checks
}

// The work itself, shared with the worker.

/// CPU work with no await inside: xorshift steps until a time budget is spent. Time-boxed
/// rather than a fixed count of steps, so that it takes as long on any machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crunch {
    /// The xorshift state: the work's result, a checksum. It travels as 16 hex digits: a JSON
    /// number is a double, and the browser's `JSON.parse` would round a u64 past 2^53.
    #[serde(with = "hex_u64")]
    pub state: u64,
    pub iterations: u64,
    /// CPU time spent, by the clock it was given, in ms.
    pub busy_ms: f64,
}

/// A u64 as a string of 16 hex digits in JSON.
mod hex_u64 {
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let hex = String::deserialize(deserializer)?;
        u64::from_str_radix(&hex, 16)
            .map_err(|_| de::Error::custom(format!("not a 64-bit hex number: {hex}")))
    }
}

/// The longest one call to [`Crunch::run_for`] spins.
pub const MAX_WORK_MS: f64 = 10_000.0;
/// Steps between clock readings: in the browser, reading the clock is a call into JS.
const STEPS_PER_READING: u64 = 1024;

impl Default for Crunch {
    fn default() -> Self {
        Self::new()
    }
}

impl Crunch {
    pub fn new() -> Crunch {
        Crunch {
            state: 0x9E37_79B9_7F4A_7C15,
            iterations: 0,
            busy_ms: 0.0,
        }
    }

    /// Spins for `ms` (0 to [`MAX_WORK_MS`]; anything else is clamped, NaN is 0) by the clock
    /// `now`, which must advance.
    pub fn run_for(&mut self, ms: f64, mut now: impl FnMut() -> f64) {
        let budget = if ms.is_nan() {
            0.0
        } else {
            ms.clamp(0.0, MAX_WORK_MS)
        };
        let start = now();
        loop {
            let spent = now() - start;
            // A clock giving NaN ends the work too: NaN is not less than the budget.
            let within = spent.partial_cmp(&budget) == Some(std::cmp::Ordering::Less);
            if !within {
                if spent.is_finite() {
                    self.busy_ms += spent.max(0.0);
                }
                return;
            }
            for _ in 0..STEPS_PER_READING {
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
            }
            self.iterations += STEPS_PER_READING;
        }
    }
}

// The worker's protocol: JSON text both ways, so that it is pure and tested natively.

/// The longest message either side reads; anything longer is refused unread.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// What the page asks the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    Crunch { work_ms: f64 },
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// Sent once, when its wasm has started: messages sent before it would be lost.
    Ready,
    Done {
        work: Crunch,
    },
    Failed {
        error: String,
    },
}

impl ToWorker {
    pub fn to_json(&self) -> String {
        crate::json::to_string(self).unwrap_or_default()
    }
}

impl FromWorker {
    pub fn to_json(&self) -> String {
        crate::json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"type":"failed","error":"the worker could not write its answer: {e}"}}"#)
        })
    }

    /// Reads a message from the worker.
    pub fn parse(text: &str) -> Result<FromWorker, WorkerError> {
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(WorkerError::BadMessage(format!(
                "{} bytes, over the {MAX_MESSAGE_BYTES} this page reads",
                text.len()
            )));
        }
        crate::json::from_str(text).map_err(|e| WorkerError::BadMessage(format!("{e}: {text}")))
    }
}

/// The worker's whole job: reads one message from the page and answers it, spinning by the
/// clock `now` (the worker's own `performance.now()`).
pub fn answer(message: &str, now: impl FnMut() -> f64) -> FromWorker {
    if message.len() > MAX_MESSAGE_BYTES {
        return FromWorker::Failed {
            error: format!(
                "a {} byte message, over the {MAX_MESSAGE_BYTES} this worker reads",
                message.len()
            ),
        };
    }
    match crate::json::from_str::<ToWorker>(message) {
        Ok(ToWorker::Crunch { work_ms }) if (0.0..=MAX_WORK_MS).contains(&work_ms) => {
            let mut work = Crunch::new();
            work.run_for(work_ms, now);
            FromWorker::Done { work }
        }
        Ok(ToWorker::Crunch { work_ms }) => FromWorker::Failed {
            error: format!("work_ms must be from 0 to {MAX_WORK_MS}, got {work_ms}"),
        },
        Err(e) => FromWorker::Failed {
            error: format!("not a job this worker knows ({e})"),
        },
    }
}

// The page's side of the worker.

/// Why the worker did not give an answer, in words a user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerError {
    /// `new Worker(url)` threw (no worker support, a URL the page may not load).
    Create { url: String, error: String },
    /// The worker's script or its wasm did not load or start.
    Load { url: String, error: String },
    /// A message that is not the protocol's.
    BadMessage(String),
    /// The worker understood the job and refused or failed it.
    Failed(String),
    /// No answer in time.
    NoAnswer { waited_ms: f64 },
}

impl fmt::Display for WorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerError::Create { url, error } => write!(
                f,
                "this browser would not start the Web Worker {url}: {error}"
            ),
            WorkerError::Load { url, error } => write!(
                f,
                "the Web Worker {url} did not load: {error} (serve the app built by trunk, \
                 which puts crunch_worker.js, worker.js and worker_bg.wasm beside index.html)"
            ),
            WorkerError::BadMessage(m) => {
                write!(f, "the worker sent a message this page cannot read: {m}")
            }
            WorkerError::Failed(m) => write!(f, "the worker failed: {m}"),
            WorkerError::NoAnswer { waited_ms } => {
                write!(f, "the worker did not answer within {waited_ms:.0} ms")
            }
        }
    }
}

impl std::error::Error for WorkerError {}

type Reply = Result<FromWorker, WorkerError>;

/// The one reply awaited at a time, and at most one that came while nobody waited.
#[derive(Default)]
struct Inbox {
    waiting: Option<oneshot::Sender<Reply>>,
    early: Option<Reply>,
}

impl Inbox {
    fn deliver(inbox: &RefCell<Inbox>, reply: Reply) {
        // Take the sender out before sending: the send wakes a task, which may read the inbox.
        let waiting = inbox.borrow_mut().waiting.take();
        match waiting {
            Some(tx) => {
                let _ = tx.send(reply);
            }
            None => {
                let mut inbox = inbox.borrow_mut();
                if inbox.early.is_none() {
                    inbox.early = Some(reply);
                }
            }
        }
    }
}

/// A dedicated Web Worker running src/bin/worker.rs; terminated when dropped.
pub struct CrunchWorker {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    /// How long from `new Worker` until it said it was ready, in ms.
    ready_ms: f64,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_message_error: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl CrunchWorker {
    /// Starts the worker whose loader is at `url` and waits until it says it is ready.
    pub async fn start(url: &str) -> Result<CrunchWorker, WorkerError> {
        let started_ms = now_ms();
        let worker = Worker::new(url).map_err(|e| WorkerError::Create {
            url: url.to_string(),
            error: js_error_text(&e),
        })?;
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let inbox = Rc::clone(&inbox);
            move |event: MessageEvent| {
                let reply = match event.data().as_string() {
                    Some(text) => FromWorker::parse(&text),
                    None => Err(WorkerError::BadMessage(
                        "not text (the protocol is JSON text)".to_string(),
                    )),
                };
                Inbox::deliver(&inbox, reply);
            }
        });
        let on_message_error = Closure::<dyn FnMut(MessageEvent)>::new({
            let inbox = Rc::clone(&inbox);
            move |_: MessageEvent| {
                let error = "a message that could not be deserialized".to_string();
                Inbox::deliver(&inbox, Err(WorkerError::BadMessage(error)));
            }
        });
        let on_error = Closure::<dyn FnMut(Event)>::new({
            let inbox = Rc::clone(&inbox);
            let url = url.to_string();
            move |event: Event| {
                // A script that throws gives an ErrorEvent with a message; a script that does
                // not load gives a bare Event.
                let error = match event.dyn_ref::<ErrorEvent>() {
                    Some(e) if !e.message().is_empty() => e.message(),
                    _ => "its script could not be fetched or run".to_string(),
                };
                event.prevent_default();
                let url = url.clone();
                Inbox::deliver(&inbox, Err(WorkerError::Load { url, error }));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(on_message_error.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut this = CrunchWorker {
            worker,
            inbox,
            ready_ms: 0.0,
            _on_message: on_message,
            _on_message_error: on_message_error,
            _on_error: on_error,
        };
        match this.next_reply(WORKER_START_TIMEOUT).await? {
            FromWorker::Ready => {
                this.ready_ms = now_ms() - started_ms;
                Ok(this)
            }
            FromWorker::Failed { error } => Err(WorkerError::Load {
                url: url.to_string(),
                error,
            }),
            other => Err(WorkerError::BadMessage(format!(
                "expected ready first, got {other:?}"
            ))),
        }
    }

    /// How long the worker took from `new Worker` to ready, in ms.
    pub fn ready_ms(&self) -> f64 {
        self.ready_ms
    }

    /// Posts `text` to the worker without awaiting an answer (the chat lesson's join, which
    /// the worker answers on the BroadcastChannel instead).
    pub fn post_text(&self, text: &str) -> Result<(), WorkerError> {
        self.worker
            .post_message(&JsValue::from_str(text))
            .map_err(|e| WorkerError::Failed(js_error_text(&e)))
    }

    /// Has the worker spin for `work_ms` and awaits its answer.
    pub async fn crunch(&self, work_ms: f64) -> Result<Crunch, WorkerError> {
        let job = ToWorker::Crunch { work_ms }.to_json();
        self.worker
            .post_message(&JsValue::from_str(&job))
            .map_err(|e| WorkerError::Failed(js_error_text(&e)))?;
        let allowed = work_ms.clamp(0.0, MAX_WORK_MS) + WORKER_ANSWER_SLACK_MS;
        match self
            .next_reply(Duration::from_secs_f64(allowed / 1000.0))
            .await?
        {
            FromWorker::Done { work } => Ok(work),
            FromWorker::Failed { error } => Err(WorkerError::Failed(error)),
            FromWorker::Ready => Err(WorkerError::BadMessage(
                "ready again, instead of an answer".to_string(),
            )),
        }
    }

    /// The next message or error from the worker, through a oneshot the handlers complete.
    async fn next_reply(&self, within: Duration) -> Reply {
        let early = self.inbox.borrow_mut().early.take();
        if let Some(reply) = early {
            return reply;
        }
        let (tx, rx) = oneshot::channel();
        self.inbox.borrow_mut().waiting = Some(tx);
        let since = now_ms();
        match trace::timeout(within, rx).await {
            Ok(Ok(reply)) => reply,
            // The sender lives in the inbox, which lives as long as `self`: not reached.
            Ok(Err(oneshot::Canceled)) => Err(WorkerError::NoAnswer {
                waited_ms: now_ms() - since,
            }),
            Err(_) => Err(WorkerError::NoAnswer {
                waited_ms: now_ms() - since,
            }),
        }
    }
}

impl Drop for CrunchWorker {
    fn drop(&mut self) {
        // Stop the worker first, then unhook the handlers before their closures are dropped.
        self.worker.terminate();
        self.worker.set_onmessage(None);
        self.worker.set_onmessageerror(None);
        self.worker.set_onerror(None);
    }
}

/// A thrown JS value in words.
fn js_error_text(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

// Watching frames: how long the page went without drawing.

/// The frames the page drew while a run went on: counted with requestAnimationFrame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frames {
    pub count: u32,
    /// The longest time without a frame, counting from the start and up to the stop.
    pub longest_gap_ms: f64,
    pub watched_ms: f64,
}

impl Frames {
    fn describe(&self) -> String {
        if self.count == 0 {
            format!(
                "frames: none drawn in {:.0} ms (a blocked page draws nothing; a hidden tab \
                 draws nothing either)",
                self.watched_ms
            )
        } else {
            format!(
                "frames: {} drawn in {:.0} ms; the longest time without one was {:.1} ms (a \
                 smooth page draws one every 16.7 ms at 60 Hz)",
                self.count, self.watched_ms, self.longest_gap_ms
            )
        }
    }
}

struct FrameState {
    started: f64,
    last: f64,
    count: u32,
    longest_gap: f64,
    /// The pending request and the one whose callback may be running now (kept alive until
    /// the next frame, so that no closure is dropped while it runs).
    pending: Option<gloo_render::AnimationFrame>,
    previous: Option<gloo_render::AnimationFrame>,
}

struct FrameWatch {
    state: Rc<RefCell<FrameState>>,
}

impl FrameWatch {
    fn start() -> FrameWatch {
        let now = now_ms();
        let state = Rc::new(RefCell::new(FrameState {
            started: now,
            last: now,
            count: 0,
            longest_gap: 0.0,
            pending: None,
            previous: None,
        }));
        FrameWatch::request(&state);
        FrameWatch { state }
    }

    fn request(state: &Rc<RefCell<FrameState>>) {
        let weak = Rc::downgrade(state);
        let frame = gloo_render::request_animation_frame(move |_| {
            let Some(state) = weak.upgrade() else { return };
            {
                let mut s = state.borrow_mut();
                let now = now_ms();
                s.longest_gap = s.longest_gap.max(now - s.last);
                s.last = now;
                s.count = s.count.saturating_add(1);
                s.previous = s.pending.take();
            }
            FrameWatch::request(&state);
        });
        state.borrow_mut().pending = Some(frame);
    }

    fn stop(self) -> Frames {
        let now = now_ms();
        let (pending, previous, frames) = {
            let mut s = self.state.borrow_mut();
            let frames = Frames {
                count: s.count,
                longest_gap_ms: s.longest_gap.max(now - s.last),
                watched_ms: now - s.started,
            };
            (s.pending.take(), s.previous.take(), frames)
        };
        // Dropped outside the borrow: dropping the pending request cancels it.
        drop((pending, previous));
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::run::printed_at as lines;

    fn params(variant: &str) -> Params {
        LESSON.validate([("variant", variant)]).expect("valid")
    }

    /// A clock that advances `step` ms per reading.
    fn ticking(step: f64) -> impl FnMut() -> f64 {
        let mut t = 0.0;
        move || {
            t += step;
            t
        }
    }

    #[test]
    fn crunch_spins_for_its_budget_by_the_clock_and_continues_its_state() {
        // On this clock each reading is 1 ms later: a 10 ms budget reads 1..=10 ms after the
        // start and does a batch of steps after each reading under 10, so 9 batches.
        let mut work = Crunch::new();
        work.run_for(10.0, ticking(1.0));
        assert_eq!(work.busy_ms, 10.0);
        assert_eq!(work.iterations, 9 * STEPS_PER_READING);
        let after_one = work.state;
        work.run_for(10.0, ticking(1.0));
        assert_eq!(work.busy_ms, 20.0);
        assert_ne!(work.state, after_one, "the second chunk continues the work");
        let mut once = Crunch::new();
        once.run_for(19.0, ticking(1.0));
        assert_eq!(once.iterations, work.iterations);
        assert_eq!(
            once.state, work.state,
            "two chunks do the same steps as one loop of as many batches"
        );
    }

    #[test]
    fn crunch_ends_on_nan_negative_and_nan_clocks() {
        for ms in [f64::NAN, -5.0, 0.0] {
            let mut work = Crunch::new();
            work.run_for(ms, ticking(1.0));
            assert_eq!(work.iterations, 0, "{ms}");
        }
        let mut work = Crunch::new();
        work.run_for(100.0, || f64::NAN);
        assert_eq!((work.iterations, work.busy_ms), (0, 0.0));
        let mut work = Crunch::new();
        work.run_for(1e12, ticking(1000.0));
        assert_eq!(work.busy_ms, MAX_WORK_MS, "clamped to the maximum");
    }

    #[test]
    fn the_worker_answers_a_job_with_the_work_and_refuses_anything_else() {
        let job = ToWorker::Crunch { work_ms: 5.0 }.to_json();
        assert_eq!(job, r#"{"type":"crunch","work_ms":5.0}"#);
        let FromWorker::Done { work } = answer(&job, ticking(1.0)) else {
            panic!("a job is done")
        };
        assert_eq!(work.busy_ms, 5.0);
        assert!(matches!(
            answer(r#"{"type":"crunch","work_ms":20000}"#, ticking(1.0)),
            FromWorker::Failed { error } if error == "work_ms must be from 0 to 10000, got 20000"
        ));
        assert!(matches!(
            answer("hello", ticking(1.0)),
            FromWorker::Failed { error } if error.starts_with("not a job this worker knows")
        ));
        let huge = "x".repeat(MAX_MESSAGE_BYTES + 1);
        assert!(matches!(
            answer(&huge, ticking(1.0)),
            FromWorker::Failed { .. }
        ));
    }

    #[test]
    fn the_checksum_travels_as_hex_digits_whole() {
        let work = Crunch {
            state: u64::MAX - 1,
            iterations: 3,
            busy_ms: 1.5,
        };
        let text = FromWorker::Done { work: work.clone() }.to_json();
        assert!(text.contains(r#""state":"fffffffffffffffe""#), "{text}");
        assert_eq!(FromWorker::parse(&text), Ok(FromWorker::Done { work }));
    }

    #[test]
    fn the_page_reads_every_worker_answer_and_names_a_bad_one() {
        for reply in [
            FromWorker::Ready,
            FromWorker::Done {
                work: Crunch::new(),
            },
            FromWorker::Failed {
                error: "no".to_string(),
            },
        ] {
            assert_eq!(FromWorker::parse(&reply.to_json()), Ok(reply));
        }
        let err = FromWorker::parse(r#"{"type":"tada"}"#).expect_err("refused");
        assert!(err.to_string().starts_with(
            "the worker sent a message this page cannot read: unknown variant `tada`"
        ));
        let huge = format!(r#"{{"type":"failed","error":"{}"}}"#, "x".repeat(5000));
        assert!(matches!(
            FromWorker::parse(&huge),
            Err(WorkerError::BadMessage(m)) if m.contains("over the 4096")
        ));
    }

    #[test]
    fn a_reply_that_comes_while_nobody_waits_is_kept_for_the_next_wait() {
        let inbox = RefCell::new(Inbox::default());
        Inbox::deliver(&inbox, Ok(FromWorker::Ready));
        Inbox::deliver(&inbox, Err(WorkerError::Failed("second".into())));
        assert_eq!(inbox.borrow_mut().early.take(), Some(Ok(FromWorker::Ready)));
        let (tx, mut rx) = oneshot::channel();
        inbox.borrow_mut().waiting = Some(tx);
        Inbox::deliver(&inbox, Ok(FromWorker::Ready));
        assert_eq!(rx.try_recv(), Ok(Some(Ok(FromWorker::Ready))));
        assert!(inbox.borrow().early.is_none());
    }

    #[test]
    fn blocking_passes_when_the_timer_waited_for_the_work() {
        let run = lines(&[(0.1, SET), (0.2, START), (300.4, DONE), (301.0, FIRED)]);
        let checks = checks(&params("blocking"), &run);
        assert_eq!(checks.len(), 3);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn blocking_fails_when_the_timer_was_not_delayed() {
        // The timer at its time and the work after: this run did not block.
        let run = lines(&[(0.1, SET), (0.2, START), (101.0, FIRED), (300.4, DONE)]);
        let checks = checks(&params("blocking"), &run);
        assert!(!checks[0].ok, "wrong order for the blocking variant");
        assert!(!checks[2].ok, "1 ms late is not the work's 200 ms");
    }

    #[test]
    fn a_fix_passes_on_time_and_fails_late() {
        let on_time = lines(&[(0.1, SET), (0.2, START), (104.0, FIRED), (380.0, DONE)]);
        for variant in ["chunked", "worker"] {
            let checks = checks(&params(variant), &on_time);
            assert!(checks.iter().all(|c| c.ok), "{variant}: {checks:?}");
        }
        let late = lines(&[(0.1, SET), (0.2, START), (250.0, FIRED), (380.0, DONE)]);
        let checks = checks(&params("chunked"), &late);
        assert!(checks[0].ok && !checks[2].ok, "{checks:?}");
    }

    #[test]
    fn an_early_timer_fails_and_missing_lines_fail() {
        let early = lines(&[(0.0, SET), (0.1, START), (99.0, FIRED), (300.0, DONE)]);
        assert!(!checks(&params("worker"), &early)[1].ok);
        assert!(!checks(&params("worker"), &lines(&[(0.0, SET)]))[0].ok);
    }

    #[test]
    fn worker_errors_say_what_to_do() {
        let e = WorkerError::Load {
            url: WORKER_URL.to_string(),
            error: "its script could not be fetched or run".to_string(),
        };
        assert_eq!(
            e.to_string(),
            "the Web Worker ./crunch_worker.js did not load: its script could not be fetched or \
             run (serve the app built by trunk, which puts crunch_worker.js, worker.js and \
             worker_bg.wasm beside index.html)"
        );
        assert_eq!(
            WorkerError::NoAnswer { waited_ms: 15000.2 }.to_string(),
            "the worker did not answer within 15000 ms"
        );
    }
}
