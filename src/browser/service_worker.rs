//! The page's side of the in-browser server: registering its service worker (`sw.js`, at the
//! site root) when the app starts, listening to its request log, and waiting until it controls
//! the page before a lesson fetches from `/api/`.

use std::cell::RefCell;
use std::fmt;
use std::time::Duration;

use futures::future::{FutureExt, Shared};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::server_log;
use crate::lessons::Printer;
use crate::server::LogEntry;
use crate::trace::now_ms;

/// The worker's script, copied to the site root by trunk (static/sw.js).
pub const SCRIPT: &str = "/sw.js";
/// How long a lesson waits for the worker to take control of the page.
pub const CONTROL_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a lesson waits for the worker to say its server is loaded (its wasm loads on first
/// use, not when a first visit installs the worker). Past this the lesson goes on: its first
/// request then waits for the server itself.
pub const START_WAIT: Duration = Duration::from_secs(10);

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
                 them turned on, and this page ({origin}) has none"
            ),
            ServerError::Registration(message) => write!(
                f,
                "the in-browser server's service worker ({SCRIPT}) could not be registered: {message}"
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

thread_local! {
    static STATE: RefCell<Option<Registered>> = const { RefCell::new(None) };
}

/// What registering once set up for the page's lifetime.
struct Registered {
    registration: Shared<JsFuture>,
    /// The log listener: kept for as long as the page lives.
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
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
/// Later calls do nothing. The registration's outcome is for [`ready`] to report.
pub fn register() -> Result<(), ServerError> {
    let container = container()?;
    STATE.with(|state| {
        if state.borrow().is_some() {
            return;
        }
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
                let message = event.data().as_string().unwrap_or_default();
                for entry in LogEntry::from_message(&message).unwrap_or_default() {
                    server_log::push(entry);
                }
            });
        let _ = container
            .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        // Messages from the worker queue until the page says it listens (startMessages, which
        // web-sys does not bind).
        let start = js_sys::Reflect::get(&container, &"startMessages".into());
        if let Ok(start) = start.and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = start.call0(&container);
        }
        // JsFuture handles the promise's rejection, so a failure is not an uncaught error.
        let registration = JsFuture::from(container.register(SCRIPT)).shared();
        *state.borrow_mut() = Some(Registered {
            registration,
            _on_message: on_message,
        });
    });
    Ok(())
}

/// Waits until the worker controls this page and has loaded its server, so that the lesson's
/// fetches of `/api/` reach it and its timings are the program's, not the server's loading.
/// Notes the waits when there are some (the first visit, or a new build being installed).
pub async fn ready(out: &Printer) -> Result<(), ServerError> {
    in_control(out).await?;
    start_server(out).await
}

/// Waits until the worker controls this page.
async fn in_control(out: &Printer) -> Result<(), ServerError> {
    register()?;
    if is_controlled()? {
        return Ok(());
    }
    out.note(
        "waiting for the in-browser server: its service worker is being installed and will take \
         control of this page (on a first visit, or after a new build)",
    );
    let waited_ms = take_control(CONTROL_TIMEOUT).await?;
    out.note(format!(
        "the in-browser server took control of this page after {waited_ms:.0} ms"
    ));
    Ok(())
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
        .map_err(|e| ServerError::Registration(js_message(&e)))?
        .dyn_into()
        .map_err(|_| ServerError::Registration("register gave no registration".into()))?;
    let changed = JsFuture::from(Promise::new(&mut |resolve, _| {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let _ = container.add_event_listener_with_callback_and_add_event_listener_options(
            "controllerchange",
            &resolve,
            &options,
        );
    }));
    if container.controller().is_none() {
        // Active but not in control: the page was loaded with Shift+Reload, which bypasses
        // service workers; the worker claims the page when asked.
        if let Some(active) = registration.active() {
            let _ = active.post_message(&JsValue::from_str("claim"));
        }
        let deadline = gloo_timers::future::sleep(timeout);
        futures::future::select(changed, std::pin::pin!(deadline)).await;
    }
    let waited_ms = now_ms() - start;
    if container.controller().is_none() {
        return Err(ServerError::NotInControl { waited_ms });
    }
    Ok(waited_ms)
}

/// Asks the worker in control to load its server (`start-server`, answered on a port of a
/// `MessageChannel`: `loaded`, `ready` if it was, or why not) and waits for the answer,
/// [`START_WAIT`] at most.
async fn start_server(out: &Printer) -> Result<(), ServerError> {
    let Some(worker) = container()?.controller() else {
        return Ok(());
    };
    let not_started = |e: JsValue| ServerError::NotStarted(js_message(&e));
    let channel = web_sys::MessageChannel::new().map_err(not_started)?;
    let answer = JsFuture::from(Promise::new(&mut |resolve, _| {
        channel.port1().set_onmessage(Some(&resolve));
    }));
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
        futures::future::Either::Left((answer, _)) => Some(answer),
        futures::future::Either::Right(_) => None,
    };
    channel.port1().set_onmessage(None);
    let waited_ms = now_ms() - start;
    let answer = match answer {
        Some(Ok(event)) => event
            .dyn_into::<web_sys::MessageEvent>()
            .ok()
            .and_then(|e| e.data().as_string()),
        // The worker has not answered (a worker of an older build, being replaced): the lesson's
        // first request will wait for the server itself.
        _ => {
            out.note(format!(
                "the in-browser server did not say it was ready within {waited_ms:.0} ms: going on"
            ));
            return Ok(());
        }
    };
    match answer.as_deref() {
        Some("ready") => Ok(()),
        Some("loaded") => {
            out.note(format!(
                "the in-browser server loaded its WebAssembly in {waited_ms:.0} ms (it loads \
                 the first time a lesson needs it)"
            ));
            Ok(())
        }
        other => Err(ServerError::NotStarted(
            other
                .unwrap_or("the worker's answer was not text")
                .to_string(),
        )),
    }
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
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
        let e = ServerError::NotInControl { waited_ms: 15000.4 };
        assert!(e.to_string().contains("within 15000 ms: reload"), "{e}");
        let e = ServerError::Registration("404".into());
        assert!(e.to_string().contains("/sw.js"), "{e}");
        let e = ServerError::NotStarted("TypeError: Failed to fetch".into());
        assert!(e.to_string().contains("Failed to fetch; reload"), "{e}");
    }
}
