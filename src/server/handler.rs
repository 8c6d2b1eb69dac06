//! The server's async side: answers a `web_sys::Request` with a `web_sys::Response`, many at
//! once on the worker's event loop (a delay is a timer, not a blocked thread).
//!
//! Every body that takes time (a delay, the greeting, the chat lines) is a stream: the status
//! and headers go out at once and the body follows. That is what lets the server see a client
//! give up: Chrome does not signal a page's abort to a service worker's `request.signal`, but it
//! does cancel the body stream, and a cancelled stream drops its timers here and is logged
//! "aborted". Where a browser does signal the abort, [`until_aborted`] stops the wait too.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use futures::future::{self, Either, FutureExt, Shared};
use futures::stream::{self, Stream, StreamExt};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::body;
use super::route::{query_pairs, route, LinesSpec, Route};
use crate::trace::now_ms;
use crate::wire::{LogEntry, HELLO_DELAY_MS, MAX_ECHO_BODY};

/// Where finished requests are reported: the worker posts them to the page, tests collect them.
pub type LogSink = Rc<dyn Fn(LogEntry)>;

thread_local! {
    /// Requests under way (arrived, body not yet done): what `api/delay` reports as `in_flight`.
    static IN_FLIGHT: Cell<u32> = const { Cell::new(0) };
}

/// Requests the server is handling now.
pub fn in_flight() -> u32 {
    IN_FLIGHT.with(Cell::get)
}

/// The path of the folder the server answers under: its service worker's scope (`/` at an
/// origin's root, `/asyncscope/` on a project's GitHub Pages), or `/` outside a service worker
/// (the tests call the server in a page).
fn scope_path() -> String {
    js_sys::global()
        .dyn_into::<web_sys::ServiceWorkerGlobalScope>()
        .ok()
        .and_then(|scope| web_sys::Url::new(&scope.registration().scope()).ok())
        .map_or_else(|| "/".to_string(), |scope| scope.pathname())
}

/// `path` relative to the site's base `scope` (`/some/where/api/echo` under `/some/where/` is
/// `api/echo`), which is what the page asked for (`wire::path`) and what the router reads. A
/// path outside the scope stays whole, so the router refuses it as not under `api/`.
fn site_path<'a>(path: &'a str, scope: &str) -> &'a str {
    path.strip_prefix(scope).unwrap_or(path)
}

/// Answers `request`; `log` gets its entry when the body is done or the client gave up.
/// An `Err` is a failure to build a response (or a client gone before it had one).
pub async fn respond(
    request: web_sys::Request,
    log: LogSink,
) -> Result<web_sys::Response, JsValue> {
    let url = web_sys::Url::new(&request.url())?;
    let path = site_path(&url.pathname(), &scope_path()).to_string();
    let search = url.search();
    let method = request.method();
    let record = Record {
        log,
        at_ms: js_sys::Date::now(),
        start: now_ms(),
        method: method.clone(),
        path: format!("{path}{search}"),
        status: None,
        done: false,
        _in_flight: InFlight::enter(),
    };
    let aborted = aborted(&request.signal());
    // HEAD is answered as GET, with the same status and headers and no body.
    let head = method.eq_ignore_ascii_case("HEAD");
    let route = match route(&method, &path, search.trim_start_matches('?')) {
        Ok(route) => route,
        Err(e) if head => return record.head(e.status(), Some(JSON)),
        Err(e) => return record.text(e.status(), JSON, &body::error(&e.to_string())),
    };
    if head {
        let (status, kind) = match &route {
            Route::Index | Route::Hello { .. } => (200, Some(HTML)),
            Route::Delay { .. } | Route::Post { .. } | Route::Echo => (200, Some(JSON)),
            Route::Status { code } if body::is_null_body(*code) => (*code, None),
            Route::Status { code } => (*code, Some(JSON)),
            Route::Lines(_) => (200, Some(TEXT)),
            Route::Search(spec) if spec.fails() => (503, Some(JSON)),
            Route::Search(_) => (200, Some(JSON)),
        };
        return record.head(status, kind);
    }
    match route {
        Route::Index => record.text(200, HTML, body::INDEX),
        Route::Hello { name } => {
            let deadline = record.start + f64::from(HELLO_DELAY_MS);
            let text = body::hello(&name);
            record.stream(200, HTML, delayed(deadline, move |_| text, aborted))
        }
        Route::Delay { ms } => {
            let deadline = record.start + f64::from(ms);
            let (start, in_flight) = (record.start, in_flight());
            let make = move |at: f64| body::delay(ms, at - start, in_flight);
            record.stream(200, JSON, delayed(deadline, make, aborted))
        }
        Route::Status { code } if body::is_null_body(code) => record.empty(code),
        Route::Status { code } => record.text(code, JSON, &body::status(code)),
        Route::Post { id } => record.text(200, JSON, &body::post(id)),
        Route::Echo => {
            let read = read_body(&request, MAX_ECHO_BODY);
            let Ok(bytes) = until_aborted(aborted, read).await else {
                return Err(JsValue::from_str(
                    "the client gave up before its body arrived",
                ));
            };
            let Some(bytes) = bytes? else {
                let message = format!(
                    "the body is more than {MAX_ECHO_BODY} bytes; api/echo takes at most \
                     {MAX_ECHO_BODY} bytes"
                );
                return record.text(413, JSON, &body::error(&message));
            };
            let query = query_pairs(search.trim_start_matches('?'));
            let headers = header_pairs(&request.headers());
            let echo = body::echo(&method, &path, &query, &headers, &bytes);
            record.text(200, JSON, &echo)
        }
        Route::Lines(spec) => {
            let start = record.start;
            record.stream(200, TEXT, lines(spec, start, aborted))
        }
        // A failing attempt takes as long as a good one: a search server that is down is slow
        // to say so, which is what makes a client's retries take time.
        Route::Search(spec) => {
            let deadline = record.start + f64::from(spec.delay_ms);
            let (status, text) = if spec.fails() {
                (503, body::search_unavailable(spec.attempt, spec.flaky))
            } else {
                (200, body::search(&spec.query))
            };
            record.stream(status, JSON, delayed(deadline, move |_| text, aborted))
        }
    }
}

const JSON: &str = "application/json";
const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Counts a request in [`in_flight`] while it lives.
struct InFlight;

impl InFlight {
    fn enter() -> InFlight {
        IN_FLIGHT.with(|n| n.set(n.get() + 1));
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// One request's log entry in the making: logged when dropped, as aborted unless `done`.
struct Record {
    log: LogSink,
    at_ms: f64,
    start: f64,
    method: String,
    path: String,
    status: Option<u16>,
    done: bool,
    _in_flight: InFlight,
}

impl Drop for Record {
    fn drop(&mut self) {
        (self.log)(LogEntry {
            at_ms: self.at_ms,
            method: std::mem::take(&mut self.method),
            path: std::mem::take(&mut self.path),
            status: self.status,
            duration_ms: now_ms() - self.start,
            aborted: !self.done,
        });
    }
}

impl Record {
    /// A response whose body is all there now.
    fn text(mut self, status: u16, kind: &str, text: &str) -> Result<web_sys::Response, JsValue> {
        let response =
            web_sys::Response::new_with_opt_str_and_init(Some(text), &init(status, Some(kind))?)?;
        self.status = Some(status);
        self.done = true;
        Ok(response)
    }

    fn empty(self, status: u16) -> Result<web_sys::Response, JsValue> {
        self.head(status, None)
    }

    /// A response with no body: a null-body status, or the answer to a HEAD.
    fn head(mut self, status: u16, kind: Option<&str>) -> Result<web_sys::Response, JsValue> {
        let response = web_sys::Response::new_with_opt_str_and_init(None, &init(status, kind)?)?;
        self.status = Some(status);
        self.done = true;
        Ok(response)
    }

    /// A response whose body `chunks` makes over time. The record goes with the stream: it is
    /// logged when the stream ends, or when the page cancels it (the stream is dropped).
    fn stream<S>(mut self, status: u16, kind: &str, chunks: S) -> Result<web_sys::Response, JsValue>
    where
        S: Stream<Item = Chunk> + 'static,
    {
        self.status = Some(status);
        let record = Rc::new(std::cell::RefCell::new(Some(self)));
        let body = chunks.map(move |chunk| {
            if chunk.last {
                if let Some(record) = record.borrow_mut().as_mut() {
                    record.done = true;
                }
            }
            Ok(Uint8Array::from(chunk.bytes.as_slice()).into())
        });
        let body = wasm_streams::ReadableStream::from_stream(body).into_raw();
        web_sys::Response::new_with_opt_readable_stream_and_init(
            Some(&body),
            &init(status, Some(kind))?,
        )
    }
}

fn init(status: u16, kind: Option<&str>) -> Result<web_sys::ResponseInit, JsValue> {
    let headers = web_sys::Headers::new()?;
    if let Some(kind) = kind {
        headers.set("content-type", kind)?;
    }
    headers.set("cache-control", "no-store")?;
    // The browser takes the content-type as given, never guessing another (a JSON error that
    // quotes `<script>` is not HTML).
    headers.set("x-content-type-options", "nosniff")?;
    // Shows in DevTools that the answer came from the service worker, not a network server.
    headers.set("x-served-by", "asyncscope service worker")?;
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_status_text(body::reason(status));
    init.set_headers(&headers);
    Ok(init)
}

/// A piece of a streamed body; `last` marks the end of it.
struct Chunk {
    bytes: Vec<u8>,
    last: bool,
}

/// A body sent once `deadline` (a [`now_ms`] reading) has passed; `make` gets the time it is made.
fn delayed(
    deadline: f64,
    make: impl FnOnce(f64) -> String + 'static,
    aborted: Aborted,
) -> impl Stream<Item = Chunk> {
    stream::once(async move {
        let waited = until_aborted(aborted, sleep_until(deadline)).await;
        waited.ok().map(|()| Chunk {
            bytes: make(now_ms()).into_bytes(),
            last: true,
        })
    })
    .filter_map(future::ready)
}

/// `api/lines`: line `i` at `i × interval` after arrival, in one write or (split) two.
fn lines(spec: LinesSpec, start: f64, aborted: Aborted) -> impl Stream<Item = Chunk> {
    let parts: u32 = if spec.split { 2 } else { 1 };
    let writes = spec.n * parts;
    stream::unfold(0u32, move |k| {
        let aborted = aborted.clone();
        async move {
            if k >= writes {
                return None;
            }
            let (i, part) = (k / parts, k % parts);
            let at = f64::from(i) * f64::from(spec.interval_ms)
                + f64::from(part) * f64::from(spec.interval_ms) / 2.0;
            until_aborted(aborted, sleep_until(start + at)).await.ok()?;
            let mut line = body::chat_line(i).into_bytes();
            // Split at the middle byte, even inside a character: the reader must frame bytes
            // first and decode whole messages after.
            let mut bytes = match (parts, part) {
                (1, _) => line,
                (_, 0) => line[..line.len() / 2].to_vec(),
                _ => line.split_off(line.len() / 2),
            };
            if part == parts - 1 {
                bytes.extend_from_slice(spec.terminator.bytes());
            }
            Some((
                Chunk {
                    bytes,
                    last: k + 1 == writes,
                },
                k + 1,
            ))
        }
    })
}

/// Waits until `deadline` by the [`now_ms`] clock, never less: `setTimeout` may fire a fraction
/// of a millisecond early by that clock, so an early wake waits for the rest.
async fn sleep_until(deadline: f64) {
    loop {
        let left = deadline - now_ms();
        if left <= 0.0 {
            return;
        }
        TimeoutFuture::new(left.ceil().min(f64::from(u32::MAX)) as u32).await;
    }
}

/// Resolves when the request's signal aborts (never, where the browser does not signal it).
type Aborted = Shared<JsFuture>;

fn aborted(signal: &web_sys::AbortSignal) -> Aborted {
    let signal = signal.clone();
    let promise = Promise::new(&mut |resolve, _reject| {
        if signal.aborted() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
            return;
        }
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let _ = signal.add_event_listener_with_callback_and_add_event_listener_options(
            "abort", &resolve, &options,
        );
    });
    JsFuture::from(promise).shared()
}

/// `future`'s output, or `Err(())` if the request is aborted first (then `future` is dropped,
/// and with it its timer).
async fn until_aborted<F: Future>(aborted: Aborted, future: F) -> Result<F::Output, ()> {
    match future::select(Box::pin(future), aborted).await {
        Either::Left((output, _)) => Ok(output),
        Either::Right(_) => Err(()),
    }
}

/// The request's body, read as it arrives and counted in bytes: `None` as soon as it passes
/// `cap` (the rest is not read: dropping the reader cancels the stream).
async fn read_body(request: &web_sys::Request, cap: usize) -> Result<Option<Vec<u8>>, JsValue> {
    let Some(body) = request.body() else {
        return Ok(Some(Vec::new()));
    };
    let mut chunks = wasm_streams::ReadableStream::from_raw(body.unchecked_into()).into_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk: Uint8Array = chunk?.dyn_into()?;
        if bytes.len() + chunk.length() as usize > cap {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk.to_vec());
    }
    Ok(Some(bytes))
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

#[cfg(test)]
mod tests {
    use super::site_path;

    #[test]
    fn a_path_is_read_relative_to_the_workers_scope() {
        assert_eq!(site_path("/api/echo", "/"), "api/echo");
        assert_eq!(
            site_path("/some/where/api/echo", "/some/where/"),
            "api/echo"
        );
        assert_eq!(site_path("/some/where/", "/some/where/"), "");
        // Another copy's requests, or the root's, are not under this scope: not `api/...`.
        assert_eq!(
            site_path("/other/api/echo", "/some/where/"),
            "/other/api/echo"
        );
        assert!(crate::server::route("GET", site_path("/other/api/", "/some/where/"), "").is_err());
    }
}
