//! A traced HTTP fetch through the browser's own network stack (`fetch` with an
//! `AbortController`): the trace shows its method, URL, status, body size, and whether it was
//! aborted. Dropping the future (a timeout, a lost select, a cancelled task) aborts the request.

use std::fmt;
use std::future::Future;
use std::panic::Location;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::clock::now_ms;
use super::event::{ResourceEvent, ResourceId, WakeSource};
use super::record;
use super::stats::ResourceDetail;
use super::task::current_task;
use super::via::via;

/// A request to send with [`Request::send`].
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The HTTP method (`GET`, `POST`...).
    pub method: String,
    /// The URL, absolute or relative to the page.
    pub url: String,
    /// Headers to send (name, value), in order; a name may repeat.
    pub headers: Vec<(String, String)>,
    /// The body to send, as text; `None` sends none.
    pub body: Option<String>,
}

impl Request {
    /// A `GET` of `url`.
    pub fn get(url: impl Into<String>) -> Request {
        Request::new("GET", url)
    }

    /// A `POST` to `url`, with no body yet (see [`Request::body`]).
    pub fn post(url: impl Into<String>) -> Request {
        Request::new("POST", url)
    }

    /// A request of `method` to `url`, with no headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Request {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds header `name: value`, after those added before.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body to send.
    pub fn body(mut self, body: impl Into<String>) -> Request {
        self.body = Some(body.into());
        self
    }

    /// Sends the request and reads the whole body. Any status is a response (a 404 is not an
    /// error here); errors are failures to get one.
    #[track_caller]
    pub fn send(self) -> impl Future<Output = Result<Response, FetchError>> {
        let location = Location::caller();
        async move {
            let detail = ResourceDetail::Fetch {
                method: self.method.clone(),
                url: self.url.clone(),
                status: None,
                bytes: None,
                aborted: false,
                error: None,
            };
            let name = format!("{} {}", self.method, self.url);
            let id = super::new_resource(&name, detail, location);
            let mut flight = InFlight {
                id,
                controller: None,
                finished: false,
            };
            let result = flight.run(self).await;
            flight.finished = true;
            let what = match &result {
                Ok(_) => ResourceEvent::Closed,
                Err(e) => ResourceEvent::Error {
                    message: std::rc::Rc::new(e.to_string()),
                },
            };
            record(|r| r.resource(id, current_task(), what, now_ms()));
            result
        }
    }
}

/// A response, its body read whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The status message (`statusText`).
    pub status_text: String,
    /// The response's headers (name, value), as the browser lists them.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of header `name` (in any case), if the response has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why [`Request::send`] gave no response.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The request could not be built (a bad URL or method, no `fetch` in this scope).
    InvalidRequest(String),
    /// No response at all: connection refused, DNS, or a CORS refusal (the browser does not
    /// say which, on purpose).
    Network(String),
    /// The response came but its body could not be read.
    Body(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            FetchError::Network(m) => write!(
                f,
                "network error (connection refused, unreachable, or blocked by CORS): {m}"
            ),
            FetchError::Body(m) => write!(f, "could not read the response body: {m}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// The request under way: aborts it (and records so) if dropped before it finished.
struct InFlight {
    id: ResourceId,
    controller: Option<web_sys::AbortController>,
    finished: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(controller) = &self.controller {
            controller.abort();
        }
        let id = self.id;
        record(|r| r.resource(id, current_task(), ResourceEvent::Aborted, now_ms()));
    }
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

impl InFlight {
    async fn run(&mut self, request: Request) -> Result<Response, FetchError> {
        let invalid = |e: JsValue| FetchError::InvalidRequest(js_message(&e));
        let controller = web_sys::AbortController::new().map_err(invalid)?;
        let init = web_sys::RequestInit::new();
        init.set_method(&request.method);
        init.set_signal(Some(&controller.signal()));
        let headers = web_sys::Headers::new().map_err(invalid)?;
        for (name, value) in &request.headers {
            headers.append(name, value).map_err(invalid)?;
        }
        init.set_headers(&headers);
        if let Some(body) = &request.body {
            init.set_body(&JsValue::from_str(body));
        }
        self.controller = Some(controller);
        let promise = start_fetch(&request.url, &init)?;
        let response = via(WakeSource::Fetch(self.id), JsFuture::from(promise))
            .await
            .map_err(|e| FetchError::Network(js_message(&e)))?;
        let response: web_sys::Response = response.dyn_into().map_err(|_| {
            FetchError::Network("fetch gave something other than a Response".into())
        })?;
        let status = response.status();
        let id = self.id;
        record(|r| {
            r.resource(
                id,
                current_task(),
                ResourceEvent::Response { status },
                now_ms(),
            )
        });
        let headers = header_pairs(&response.headers());
        let body = response
            .array_buffer()
            .map_err(|e| FetchError::Body(js_message(&e)))?;
        let body = via(WakeSource::Fetch(self.id), JsFuture::from(body))
            .await
            .map_err(|e| FetchError::Body(js_message(&e)))?;
        let body = Uint8Array::new(&body).to_vec();
        let bytes = body.len() as u64;
        record(|r| r.resource(id, current_task(), ResourceEvent::Body { bytes }, now_ms()));
        Ok(Response {
            status,
            status_text: response.status_text(),
            headers,
            body,
        })
    }
}

/// `fetch` of the page, or of the worker this runs in.
fn start_fetch(url: &str, init: &web_sys::RequestInit) -> Result<Promise, FetchError> {
    let global = js_sys::global();
    if let Some(window) = global.dyn_ref::<web_sys::Window>() {
        return Ok(window.fetch_with_str_and_init(url, init));
    }
    if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        return Ok(worker.fetch_with_str_and_init(url, init));
    }
    Err(FetchError::InvalidRequest(
        "this scope has no fetch (neither a window nor a worker)".into(),
    ))
}

fn header_pairs(headers: &web_sys::Headers) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let Ok(Some(entries)) = js_sys::try_iter(headers) else {
        return pairs;
    };
    for entry in entries.flatten() {
        let entry = Array::from(&entry);
        if let (Some(k), Some(v)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((k, v));
        }
    }
    pairs
}
