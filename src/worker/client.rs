//! The page's side of the Web Worker: starts it, posts [`Job`]s and awaits its [`Answer`]s,
//! with every way it can fail in words ([`WorkerError`]).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::oneshot;
use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use super::{Answer, CpuWork, Job, MAX_WORK_MS};
use crate::browser::js::error_text;
use crate::browser::site;
use crate::trace::{self, now_ms};

/// Where trunk puts the worker's loader (static/crunch_worker.js, copied by index.html beside
/// it): relative to the site's base, wherever the site is served.
pub const WORKER_URL: &str = "crunch_worker.js";
/// How long the worker may take to fetch and compile its wasm and say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long past the work itself the worker may take to answer.
const ANSWER_SLACK_MS: f64 = 10_000.0;

/// Why the worker did not give an answer, in words a user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerError {
    /// `new Worker(url)` threw (no worker support, a URL the page may not load).
    Create { url: String, error: String },
    /// The worker's script or its wasm did not load or start.
    Load { url: String, error: String },
    /// The page could not post the job.
    Post(String),
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
            WorkerError::Post(e) => write!(f, "the page could not post to the worker: {e}"),
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

type Reply = Result<Answer, WorkerError>;

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

/// A dedicated Web Worker running src/bin/worker.rs; terminated when dropped (and its
/// listeners removed with it).
pub struct WorkerClient {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    /// How long from `new Worker` until it said it was ready, in ms.
    ready_ms: f64,
    _listeners: [EventListener; 3],
}

impl WorkerClient {
    /// Starts the worker whose loader is at `url` and waits until it says it is ready.
    pub async fn start(url: &str) -> Result<WorkerClient, WorkerError> {
        let started_ms = now_ms();
        let worker = Worker::new(&site::url(url)).map_err(|e| WorkerError::Create {
            url: url.to_string(),
            error: error_text(&e),
        })?;
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let on_message = EventListener::new(&worker, "message", {
            let inbox = Rc::clone(&inbox);
            move |event| {
                let reply = match event.dyn_ref::<MessageEvent>() {
                    Some(message) => {
                        Answer::from_js(&message.data()).map_err(WorkerError::BadMessage)
                    }
                    None => Err(WorkerError::BadMessage(
                        "a message event without a message".to_string(),
                    )),
                };
                Inbox::deliver(&inbox, reply);
            }
        });
        let on_message_error = EventListener::new(&worker, "messageerror", {
            let inbox = Rc::clone(&inbox);
            move |_| {
                let error = "a message that could not be deserialized".to_string();
                Inbox::deliver(&inbox, Err(WorkerError::BadMessage(error)));
            }
        });
        // Not passive: the handler prevents the default report of the error to the console.
        let on_error = EventListener::new_with_options(
            &worker,
            "error",
            EventListenerOptions::enable_prevent_default(),
            {
                let inbox = Rc::clone(&inbox);
                let url = url.to_string();
                move |event| {
                    // A script that throws gives an ErrorEvent with a message; a script that
                    // does not load gives a bare Event.
                    let error = match event.dyn_ref::<ErrorEvent>() {
                        Some(e) if !e.message().is_empty() => e.message(),
                        _ => "its script could not be fetched or run".to_string(),
                    };
                    event.prevent_default();
                    let url = url.clone();
                    Inbox::deliver(&inbox, Err(WorkerError::Load { url, error }));
                }
            },
        );
        let mut this = WorkerClient {
            worker,
            inbox,
            ready_ms: 0.0,
            _listeners: [on_message, on_message_error, on_error],
        };
        match this.next_reply(START_TIMEOUT).await? {
            Answer::Ready => {
                this.ready_ms = now_ms() - started_ms;
                Ok(this)
            }
            Answer::Failed { error } => Err(WorkerError::Load {
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

    /// Has the worker spin for `work_ms` and awaits its answer.
    pub async fn cpu_work(&self, work_ms: f64) -> Result<CpuWork, WorkerError> {
        self.post(&Job::CpuWork { work_ms })?;
        let allowed = work_ms.clamp(0.0, MAX_WORK_MS) + ANSWER_SLACK_MS;
        match self
            .next_reply(Duration::from_secs_f64(allowed / 1000.0))
            .await?
        {
            Answer::WorkDone { work } => Ok(work),
            Answer::Failed { error } => Err(WorkerError::Failed(error)),
            other => Err(WorkerError::BadMessage(format!(
                "{other:?}, instead of the work"
            ))),
        }
    }

    /// Has the worker join the chat room on the BroadcastChannel `channel` as `name` and awaits
    /// its word that it did; what it says in the room comes on the channel.
    pub async fn join_chat(&self, channel: &str, name: &str) -> Result<(), WorkerError> {
        self.post(&Job::JoinChat {
            channel: channel.to_string(),
            name: name.to_string(),
        })?;
        let within = Duration::from_secs_f64(ANSWER_SLACK_MS / 1000.0);
        match self.next_reply(within).await? {
            Answer::Joined { name: joined } if joined == name => Ok(()),
            Answer::Failed { error } => Err(WorkerError::Failed(error)),
            other => Err(WorkerError::BadMessage(format!(
                "{other:?}, instead of joined as {name}"
            ))),
        }
    }

    fn post(&self, job: &Job) -> Result<(), WorkerError> {
        let message = job.to_js().map_err(WorkerError::Post)?;
        self.worker
            .post_message(&message)
            .map_err(|e| WorkerError::Post(error_text(&e)))
    }

    /// The next message or error from the worker, through a oneshot the listeners complete.
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
            Ok(Err(oneshot::Canceled)) | Err(_) => Err(WorkerError::NoAnswer {
                waited_ms: now_ms() - since,
            }),
        }
    }
}

impl Drop for WorkerClient {
    fn drop(&mut self) {
        // Stopped before the listeners go (they are removed as the fields drop, after this).
        self.worker.terminate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_that_comes_while_nobody_waits_is_kept_for_the_next_wait() {
        let inbox = RefCell::new(Inbox::default());
        Inbox::deliver(&inbox, Ok(Answer::Ready));
        Inbox::deliver(&inbox, Err(WorkerError::Failed("second".into())));
        assert_eq!(inbox.borrow_mut().early.take(), Some(Ok(Answer::Ready)));
        let (tx, mut rx) = oneshot::channel();
        inbox.borrow_mut().waiting = Some(tx);
        Inbox::deliver(&inbox, Ok(Answer::Ready));
        assert_eq!(rx.try_recv(), Ok(Some(Ok(Answer::Ready))));
        assert!(inbox.borrow().early.is_none());
    }

    #[test]
    fn worker_errors_say_what_to_do() {
        let e = WorkerError::Load {
            url: WORKER_URL.to_string(),
            error: "its script could not be fetched or run".to_string(),
        };
        assert_eq!(
            e.to_string(),
            "the Web Worker crunch_worker.js did not load: its script could not be fetched or \
             run (serve the app built by trunk, which puts crunch_worker.js, worker.js and \
             worker_bg.wasm beside index.html)"
        );
        assert_eq!(
            WorkerError::NoAnswer { waited_ms: 15000.2 }.to_string(),
            "the worker did not answer within 15000 ms"
        );
    }
}
