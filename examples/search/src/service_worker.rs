//! The in-browser server: the asyncscope app's service worker (`sw.js` in the app's folder, two
//! up from this page's `examples/search/`) answers `api/` of that folder. This page registers it and waits until it controls the page, since a page's
//! requests go through the worker that controlled it when it loaded, or that claimed it since.

use std::fmt;
use std::time::Duration;

use asyncscope_trace as trace;
use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The app's worker script, relative to this page (the site may live under any path): its scope,
/// the app's folder, covers this page.
const SCRIPT: &str = "../../sw.js";
/// How long the page waits for the worker to take control.
pub const CONTROL_TIMEOUT: Duration = Duration::from_secs(15);

/// Why the in-browser server cannot answer this page.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerError {
    /// No `navigator.serviceWorker`: not a secure context, or a browser without them.
    Unsupported,
    /// `register` was refused (the script missing, or service workers turned off).
    Registration(String),
    /// Registered, but it did not take control of the page in time.
    NotInControl { waited_ms: f64 },
}

impl fmt::Display for WorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerError::Unsupported => f.write_str(
                "this page cannot reach its server: service workers need a secure context \
                 (https://, or http:// on localhost or 127.0.0.1) and a browser that has them on",
            ),
            WorkerError::Registration(m) => {
                write!(
                    f,
                    "the server's service worker ({SCRIPT}) could not be registered: {m}"
                )
            }
            WorkerError::NotInControl { waited_ms } => write!(
                f,
                "the server's service worker did not take control of this page within \
                 {waited_ms:.0} ms: reload the page (a plain reload, not Shift+Reload)"
            ),
        }
    }
}

impl std::error::Error for WorkerError {}

fn container() -> Result<web_sys::ServiceWorkerContainer, WorkerError> {
    let window = web_sys::window().ok_or(WorkerError::Unsupported)?;
    // `navigator.serviceWorker` is undefined outside a secure context: read it, don't assume it.
    js_sys::Reflect::get(&window.navigator(), &"serviceWorker".into())
        .ok()
        .and_then(|c| c.dyn_into().ok())
        .ok_or(WorkerError::Unsupported)
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Registers the worker and waits, up to [`CONTROL_TIMEOUT`], until it controls this page; gives
/// the ms waited (0 when it already did: any visit after the first).
pub async fn take_control() -> Result<f64, WorkerError> {
    let container = container()?;
    let start = trace::now_ms();
    // Registering again is harmless: the browser checks the script for an update.
    let registration = JsFuture::from(container.register(SCRIPT));
    if container.controller().is_some() {
        return Ok(0.0);
    }
    // Listen before waiting, so that a change while the registration settles is not missed.
    let changed = JsFuture::from(Promise::new(&mut |resolve, _| {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let _ = container.add_event_listener_with_callback_and_add_event_listener_options(
            "controllerchange",
            &resolve,
            &options,
        );
    }));
    let registration: web_sys::ServiceWorkerRegistration = registration
        .await
        .map_err(|e| WorkerError::Registration(js_message(&e)))?
        .dyn_into()
        .map_err(|_| WorkerError::Registration("register gave no registration".into()))?;
    if container.controller().is_none() {
        // A first visit: the worker claims the page when it activates. A page loaded with
        // Shift+Reload is not controlled even by an active worker: this one claims it when asked.
        if let Some(active) = registration.active() {
            let _ = active.post_message(&JsValue::from_str("claim"));
        }
        let _ = trace::timeout(CONTROL_TIMEOUT, changed).await;
    }
    let waited_ms = trace::now_ms() - start;
    if container.controller().is_none() {
        return Err(WorkerError::NotInControl { waited_ms });
    }
    Ok(waited_ms)
}
