//! The page's side of the in-browser server: registering its service worker (`sw.js`, in the
//! site's folder, which is its scope) when the app starts, listening to its request log, and
//! waiting until it controls the page before a lesson fetches from `api/`. [`wait_ready`] gives what it waited for
//! ([`Readiness`]); the lesson notes it.

use std::cell::RefCell;
use std::fmt;
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{Either, FutureExt, Shared};
use gloo_events::EventListener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::js::error_text;
use super::server_log;
use super::site;
use crate::trace::now_ms;
use crate::wire::LogEntry;

/// The worker's script, copied beside index.html by trunk (static/sw.js): relative to the site's
/// base, so that its scope is the site's folder and a second copy of the site elsewhere on the
/// same origin has a worker of its own.
pub const SCRIPT: &str = "sw.js";
/// How long a lesson waits for the worker to take control of the page.
pub const CONTROL_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a lesson waits for the worker to say its server is loaded (its wasm loads on first
/// use, not when a first visit installs the worker). Past this the lesson goes on: its first
/// request then waits for the server itself.
pub const START_WAIT: Duration = Duration::from_secs(10);
/// How long after the app starts the page asks the worker for its offline copy of the site
/// (`offline`; static/sw.js): the copy downloads the whole build again, which must not slow the
/// first visit's start and first lessons, nor count in what `./dev bench` measures of it. The
/// worker waits as long itself before a page load or a lesson makes it.
pub const OFFLINE_COPY_AFTER: Duration = Duration::from_secs(30);
/// What a lesson says before [`wait_ready`] when the worker does not control the page yet
/// ([`is_controlled`] is false): the wait can take seconds, and the page shows notes as they come.
pub const INSTALLING: &str = "waiting for the in-browser server: its service worker is being \
                              installed and will take control of this page (on a first visit, \
                              or after a new build)";
/// Why the in-browser server cannot answer this page.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerError {
    /// No `navigator.serviceWorker`: not a secure context, or a browser without them.
    Unsupported { origin: String },
    /// `register` was refused (the script missing or failing, or service workers turned off).
    Registration(String),
    /// Registered, but it did not take control of the page in time.
    NotInControl { waited_ms: f64 },
    /// In control, but its server's wasm could not be loaded.
    NotStarted(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Unsupported { origin } => write!(
                f,
                "this page cannot run the in-browser server: service workers need a secure \
                 context (https://, or http:// on localhost or 127.0.0.1) and a browser that has \
                 them turned on, and this page ({origin}) has none. Open the site over https:// \
                 (or on localhost) to run this lesson; the lessons without a server run here"
            ),
            ServerError::Registration(message) => write!(
                f,
                "the in-browser server's service worker ({SCRIPT}) could not be registered: \
                 {message} (service workers turned off in this browser, or {SCRIPT} missing on \
                 the host); the lessons without a server still run"
            ),
            ServerError::NotInControl { waited_ms } => write!(
                f,
                "the in-browser server's service worker did not take control of this page within \
                 {waited_ms:.0} ms: reload the page (Shift+Reload bypasses service workers, a \
                 plain reload does not)"
            ),
            ServerError::NotStarted(message) => write!(
                f,
                "the in-browser server could not load its WebAssembly: {message}; reload the \
                 page to try again"
            ),
        }
    }
}

impl std::error::Error for ServerError {}

/// What the page waited for before the server could answer it: usually nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    /// The worker did not control the page yet (a first visit, or a new build being
    /// installed) and took control after this many ms.
    pub took_control_ms: Option<f64>,
    /// How the server's wasm came to be loaded.
    pub server: ServerStart,
}

/// How the worker answered `start-server`.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerStart {
    /// The server was loaded already.
    Running,
    /// It loaded now, in this many ms: the first time a lesson needs it.
    Loaded { ms: f64 },
    /// No answer within [`START_WAIT`] (a worker of an older build, being replaced): the
    /// lesson's first request will wait for the server itself.
    Unanswered { waited_ms: f64 },
}

impl Readiness {
    /// What a lesson notes of the waits, oldest first; nothing when there were none.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(ms) = self.took_control_ms {
            notes.push(format!(
                "the in-browser server took control of this page after {ms:.0} ms"
            ));
        }
        match self.server {
            ServerStart::Running => {}
            ServerStart::Loaded { ms } => notes.push(format!(
                "the in-browser server loaded its WebAssembly in {ms:.0} ms (it loads the first \
                 time a lesson needs it)"
            )),
            ServerStart::Unanswered { waited_ms } => notes.push(format!(
                "the in-browser server did not say it was ready within {waited_ms:.0} ms: going on"
            )),
        }
        notes
    }
}

thread_local! {
    static STATE: RefCell<Option<Registered>> = const { RefCell::new(None) };
}

/// What registering once set up for the page's lifetime.
struct Registered {
    registration: Shared<JsFuture>,
    /// The request log's listener: it lives as long as this state, the page's lifetime.
    _on_message: EventListener,
    /// Asks for the offline copy [`OFFLINE_COPY_AFTER`] the start (cancelled if dropped).
    _offline_copy: gloo_timers::callback::Timeout,
}

fn container() -> Result<web_sys::ServiceWorkerContainer, ServerError> {
    let unsupported = || ServerError::Unsupported {
        origin: web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_else(|| "this scope has no window".to_string()),
    };
    let window = web_sys::window().ok_or_else(unsupported)?;
    let container = js_sys::Reflect::get(&window.navigator(), &"serviceWorker".into())
        .map_err(|_| unsupported())?;
    container.dyn_into().map_err(|_| unsupported())
}

/// Registers the worker and starts listening to its request log; the app calls this at start.
/// Later calls do nothing. The registration's outcome is for [`wait_ready`] to report.
pub fn register() -> Result<(), ServerError> {
    let container = container()?;
    STATE.with(|state| {
        if state.borrow().is_some() {
            return;
        }
        let on_message = EventListener::new(&container, "message", |event| {
            let message = event
                .dyn_ref::<web_sys::MessageEvent>()
                .and_then(|e| e.data().as_string())
                .unwrap_or_default();
            for entry in LogEntry::from_message(&message).unwrap_or_default() {
                server_log::push(entry);
            }
        });
        // Messages from the worker queue until the page says it listens (startMessages, which
        // web-sys does not bind).
        let start = js_sys::Reflect::get(&container, &"startMessages".into());
        if let Ok(start) = start.and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = start.call0(&container);
        }
        // JsFuture handles the promise's rejection, so a failure is not an uncaught error.
        let registration = JsFuture::from(container.register(&site::url(SCRIPT))).shared();
        let offline_copy =
            gloo_timers::callback::Timeout::new(OFFLINE_COPY_AFTER.as_millis() as u32, || {
                // No worker in control (refused, or not yet): no copy to ask for.
                if let Some(worker) = self::container().ok().and_then(|c| c.controller()) {
                    let _ = worker.post_message(&JsValue::from_str("offline"));
                }
            });
        *state.borrow_mut() = Some(Registered {
            registration,
            _on_message: on_message,
            _offline_copy: offline_copy,
        });
    });
    Ok(())
}

/// Waits until the worker controls this page and has loaded its server, so that a lesson's
/// fetches of `api/` reach it and its timings are the program's, not the server's loading.
/// Gives what it waited for (the first visit, or a new build being installed), for the lesson
/// to note.
pub async fn wait_ready() -> Result<Readiness, ServerError> {
    register()?;
    let took_control_ms = if is_controlled()? {
        None
    } else {
        Some(take_control(CONTROL_TIMEOUT).await?)
    };
    let server = start_server().await?;
    Ok(Readiness {
        took_control_ms,
        server,
    })
}

/// Whether the worker controls this page now (its requests go through it).
pub fn is_controlled() -> Result<bool, ServerError> {
    Ok(container()?.controller().is_some())
}

/// Registers the worker if need be and waits, up to `timeout`, until it controls this page;
/// gives the ms waited. The wait is the page's, not a lesson's: it is not traced.
pub async fn take_control(timeout: Duration) -> Result<f64, ServerError> {
    let container = container()?;
    register()?;
    let start = now_ms();
    if container.controller().is_some() {
        return Ok(0.0);
    }
    let registration = STATE.with(|s| s.borrow().as_ref().map(|r| r.registration.clone()));
    let registration = match registration {
        Some(registration) => registration.await,
        None => Err(JsValue::from_str("it was never registered")),
    };
    let registration: web_sys::ServiceWorkerRegistration = registration
        .map_err(|e| ServerError::Registration(error_text(&e)))?
        .dyn_into()
        .map_err(|_| ServerError::Registration("register gave no registration".into()))?;
    // Removed when this returns, whether the change came or the time ran out.
    let (changed, on_change) = next_event(&container, "controllerchange");
    if container.controller().is_none() {
        // Active but not in control: the page was loaded with Shift+Reload, which bypasses
        // service workers; the worker claims the page when asked.
        if let Some(active) = registration.active() {
            let _ = active.post_message(&JsValue::from_str("claim"));
        }
        let deadline = gloo_timers::future::sleep(timeout);
        futures::future::select(changed, std::pin::pin!(deadline)).await;
    }
    drop(on_change);
    let waited_ms = now_ms() - start;
    if container.controller().is_none() {
        return Err(ServerError::NotInControl { waited_ms });
    }
    Ok(waited_ms)
}

/// The next `kind` event of `target`, and the listener that waits for it: dropping the
/// listener removes it, so a wait given up leaves nothing behind.
fn next_event(
    target: &web_sys::EventTarget,
    kind: &'static str,
) -> (oneshot::Receiver<web_sys::Event>, EventListener) {
    let (sender, event) = oneshot::channel();
    let listener = EventListener::once(target, kind, move |e| {
        // The receiver is gone only if the wait was given up: nobody wants the event then.
        let _ = sender.send(e.clone());
    });
    (event, listener)
}

/// Asks the worker in control to load its server (`start-server`, answered on a port of a
/// `MessageChannel`: `loaded`, `ready` if it was, or why not) and waits for the answer,
/// [`START_WAIT`] at most.
async fn start_server() -> Result<ServerStart, ServerError> {
    let Some(worker) = container()?.controller() else {
        // No worker to ask (wait_ready just saw one in control): the first request will load
        // the server, if there is one.
        return Ok(ServerStart::Running);
    };
    let not_started = |e: JsValue| ServerError::NotStarted(error_text(&e));
    let channel = web_sys::MessageChannel::new().map_err(not_started)?;
    let port = channel.port1();
    let (answer, on_answer) = next_event(&port, "message");
    // A port listened to with addEventListener delivers nothing until started (`onmessage`
    // would start it).
    port.start();
    let start = now_ms();
    worker
        .post_message_with_transferable(
            &JsValue::from_str("start-server"),
            &js_sys::Array::of1(&channel.port2()),
        )
        .map_err(not_started)?;
    // The page's wait, not the lesson's: not traced.
    let deadline = gloo_timers::future::sleep(START_WAIT);
    let answer = match futures::future::select(answer, std::pin::pin!(deadline)).await {
        Either::Left((Ok(event), _)) => Some(event),
        _ => None,
    };
    drop(on_answer);
    port.close();
    let waited_ms = now_ms() - start;
    let Some(event) = answer else {
        return Ok(ServerStart::Unanswered { waited_ms });
    };
    let text = event
        .dyn_into::<web_sys::MessageEvent>()
        .ok()
        .and_then(|e| e.data().as_string());
    match text.as_deref() {
        Some("ready") => Ok(ServerStart::Running),
        Some("loaded") => Ok(ServerStart::Loaded { ms: waited_ms }),
        other => Err(ServerError::NotStarted(
            other
                .unwrap_or("the worker's answer was not text")
                .to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_says_what_to_do() {
        let e = ServerError::Unsupported {
            origin: "http://192.168.1.5:8080".into(),
        };
        assert!(e.to_string().contains("secure context"), "{e}");
        assert!(e.to_string().contains("http://192.168.1.5:8080"), "{e}");
        assert!(e.to_string().contains("Open the site over https://"), "{e}");
        let e = ServerError::NotInControl { waited_ms: 15000.4 };
        assert!(e.to_string().contains("within 15000 ms: reload"), "{e}");
        let e = ServerError::Registration("404".into());
        assert!(e.to_string().contains("(sw.js)"), "{e}");
        assert!(e.to_string().contains("turned off in this browser"), "{e}");
        let e = ServerError::NotStarted("TypeError: Failed to fetch".into());
        assert!(e.to_string().contains("Failed to fetch; reload"), "{e}");
    }

    #[test]
    fn only_the_waits_there_were_are_noted() {
        let none = Readiness {
            took_control_ms: None,
            server: ServerStart::Running,
        };
        assert!(none.notes().is_empty());
        let first_visit = Readiness {
            took_control_ms: Some(812.4),
            server: ServerStart::Loaded { ms: 40.2 },
        };
        assert_eq!(
            first_visit.notes(),
            [
                "the in-browser server took control of this page after 812 ms",
                "the in-browser server loaded its WebAssembly in 40 ms (it loads the first \
                 time a lesson needs it)"
            ]
        );
        let old_worker = Readiness {
            took_control_ms: None,
            server: ServerStart::Unanswered { waited_ms: 10000.0 },
        };
        assert_eq!(
            old_worker.notes(),
            ["the in-browser server did not say it was ready within 10000 ms: going on"]
        );
    }
}
