//! The in-browser server's handlers, called directly in the test page with `web_sys::Request`s
//! (the test page has no service worker): bodies, statuses, real timers, concurrency, streamed
//! lines, and requests given up by the client. Also: a fetch lesson where no worker can be
//! registered fails with a message instead of hanging.
//! Run with `wasm-pack test --headless --chrome -- --test server`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use asyncscope::chat::Framer;
use asyncscope::lessons::{self, RunState};
use asyncscope::server::{self, LogSink};
use asyncscope::trace::now_ms;
use asyncscope::wire::{LogEntry, MAX_ECHO_BODY};
use futures::future::join_all;
use futures::StreamExt;
use gloo_timers::future::sleep;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A log sink that keeps what it is given.
fn log() -> (LogSink, Rc<RefCell<Vec<LogEntry>>>) {
    let entries = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&entries);
    (Rc::new(move |e| sink.borrow_mut().push(e)), entries)
}

fn request(method: &str, path: &str) -> web_sys::Request {
    request_with(method, path, None, None)
}

fn request_with(
    method: &str,
    path: &str,
    body: Option<&str>,
    signal: Option<&web_sys::AbortSignal>,
) -> web_sys::Request {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(signal) = signal {
        init.set_signal(Some(signal));
    }
    let headers = web_sys::Headers::new().expect("headers");
    headers.set("x-test", "yes").expect("header");
    init.set_headers(&headers);
    let url = format!("http://127.0.0.1:9999{path}");
    web_sys::Request::new_with_str_and_init(&url, &init).expect("a request")
}

async fn respond(method: &str, path: &str) -> (web_sys::Response, Rc<RefCell<Vec<LogEntry>>>) {
    let (sink, entries) = log();
    let response = server::respond(request(method, path), sink)
        .await
        .expect("a response");
    (response, entries)
}

async fn text(response: &web_sys::Response) -> String {
    let promise = response.text().expect("text()");
    JsFuture::from(promise)
        .await
        .expect("a body")
        .as_string()
        .unwrap_or_default()
}

fn header(response: &web_sys::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_seeds_index_and_hello_answer_its_bodies_and_hello_waits_half_a_second() {
    let (response, entries) = respond("GET", "/api/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(text(&response).await, "<h1>Index</h1>");

    let start = now_ms();
    let (response, _) = respond("GET", "/api/hello/%E5%BC%A0%E4%B8%89").await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&response).await, "<h1>Hello, 张三!</h1>");
    let took = now_ms() - start;
    assert!(took >= 500.0, "hello answered after {took} ms");
    assert_eq!(entries.borrow().len(), 1);
    assert!(!entries.borrow()[0].aborted);
}

#[wasm_bindgen_test]
async fn many_delays_run_at_once_and_none_answers_early() {
    let delay = 200.0;
    let start = now_ms();
    let requests = (0..20).map(|_| async {
        let started = now_ms();
        let (response, entries) = respond("GET", "/api/delay/200").await;
        let body = text(&response).await;
        (now_ms() - started, body, entries)
    });
    let results = join_all(requests).await;
    let all = now_ms() - start;
    let mut most_in_flight = 0;
    for (took, body, entries) in &results {
        assert!(*took >= delay, "a delay answered after {took} ms");
        let json: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(json["delay_ms"], 200);
        assert!(
            json["waited_ms"].as_f64().is_some_and(|w| w >= delay),
            "{body}"
        );
        most_in_flight = most_in_flight.max(json["in_flight"].as_u64().unwrap_or(0));
        let entry = &entries.borrow()[0];
        assert_eq!((entry.status, entry.aborted), (Some(200), false));
    }
    assert_eq!(most_in_flight, 20, "all 20 were in flight at once");
    // One after another they would take 20 × 200 ms.
    assert!(
        all * 2.0 <= 20.0 * delay,
        "20 concurrent delays took {all} ms"
    );
    assert_eq!(server::in_flight(), 0, "every request was counted out");
}

#[wasm_bindgen_test]
async fn bad_input_gets_its_status_and_a_message() {
    let cases = [
        ("GET", "/api/nope", 404, "no route for api/nope"),
        (
            "GET",
            "/api/delay/abc",
            400,
            "delay in ms must be a whole number from 0 to 60000, got 'abc'",
        ),
        (
            "GET",
            "/api/delay/70000",
            400,
            "delay in ms must be a whole number from 0 to 60000, got '70000'",
        ),
        (
            "POST",
            "/api/delay/5",
            405,
            "api/delay/5 does not take POST",
        ),
        ("GET", "/api/posts/101", 404, "there is no post 101"),
        ("GET", "/api/lines?n=0", 400, "n must be a whole number"),
    ];
    for (method, path, status, message) in cases {
        let (response, entries) = respond(method, path).await;
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(header(&response, "content-type"), "application/json");
        let json: Value = serde_json::from_str(&text(&response).await).expect("JSON");
        let error = json["error"].as_str().unwrap_or("");
        assert!(error.contains(message), "{path}: {error}");
        assert_eq!(entries.borrow()[0].status, Some(status));
    }
}

#[wasm_bindgen_test]
async fn status_routes_answer_with_their_code() {
    let (response, _) = respond("GET", "/api/status/500").await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.status_text(), "Internal Server Error");
    let json: Value = serde_json::from_str(&text(&response).await).expect("JSON");
    assert_eq!(json["status"], 500);
    let (response, _) = respond("GET", "/api/status/204").await;
    assert_eq!(response.status(), 204);
    assert!(response.body().is_none());
}

#[wasm_bindgen_test]
async fn echo_shows_the_method_query_headers_and_body_that_arrived() {
    let (sink, _) = log();
    let request = request_with("POST", "/api/echo?key=value&a=b%20c", Some("hi"), None);
    let response = server::respond(request, sink).await.expect("a response");
    let json: Value = serde_json::from_str(&text(&response).await).expect("JSON");
    assert_eq!(json["method"], "POST");
    assert_eq!(json["path"], "api/echo");
    assert_eq!(json["query"]["key"], "value");
    assert_eq!(json["query"]["a"], "b c");
    assert_eq!(json["headers"]["x-test"], "yes");
    assert_eq!(json["body"], "hi");

    let big = "x".repeat(MAX_ECHO_BODY + 1);
    let (sink, _) = log();
    let request = request_with("POST", "/api/echo", Some(&big), None);
    let response = server::respond(request, sink).await.expect("a response");
    assert_eq!(response.status(), 413);
}

#[wasm_bindgen_test]
async fn an_aborted_request_stops_its_timer_and_is_logged_aborted() {
    let controller = web_sys::AbortController::new().expect("controller");
    let (sink, entries) = log();
    let request = request_with("GET", "/api/delay/2000", None, Some(&controller.signal()));
    let start = now_ms();
    let response = server::respond(request, sink).await.expect("a response");
    sleep(Duration::from_millis(100)).await;
    controller.abort();
    // The body ends at the abort, not 2 s later: the timer was dropped.
    let _ = text(&response).await;
    let ended = now_ms() - start;
    assert!(ended < 1000.0, "the body ended {ended} ms in");
    let entries = entries.borrow();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].aborted, "{:?}", entries[0]);
    assert!(entries[0].duration_ms >= 100.0 && entries[0].duration_ms < 1000.0);
    assert_eq!(entries[0].path, "api/delay/2000");
}

#[wasm_bindgen_test]
async fn a_cancelled_body_stops_its_timer_and_is_logged_aborted() {
    let (response, entries) = respond("GET", "/api/delay/2000").await;
    sleep(Duration::from_millis(100)).await;
    let body = response.body().expect("a streamed body");
    let _ = JsFuture::from(body.cancel()).await;
    // Cancelling drops the body's stream, and with it the timer and the log record.
    let entries = entries.borrow();
    assert_eq!(entries.len(), 1, "logged at the cancel");
    assert!(entries[0].aborted);
    assert!(entries[0].duration_ms < 1000.0, "{:?}", entries[0]);
    assert_eq!(server::in_flight(), 0);
}

#[wasm_bindgen_test]
async fn lines_come_one_per_interval_each_split_in_two_chunks() {
    let start = now_ms();
    let (response, entries) = respond(
        "GET",
        "/api/lines?n=3&interval_ms=100&split=1&terminator=crlf",
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = response.body().expect("a streamed body");
    let mut chunks = wasm_streams::ReadableStream::from_raw(body.unchecked_into()).into_stream();
    let mut framer = Framer::new(b"\r\n").expect("valid");
    let mut arrivals = Vec::new();
    let mut lines = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk: js_sys::Uint8Array = chunk.expect("a chunk").unchecked_into();
        arrivals.push(now_ms() - start);
        framer.push(&chunk.to_vec()).expect("within the cap");
        while let Some(line) = framer.next_message() {
            lines.push(String::from_utf8(line).expect("whole UTF-8"));
        }
    }
    assert_eq!(
        lines,
        [
            server::body::chat_line(0),
            server::body::chat_line(1),
            server::body::chat_line(2)
        ]
    );
    assert_eq!(arrivals.len(), 6, "two chunks per line: {arrivals:?}");
    for (k, t) in arrivals.iter().enumerate() {
        // Write k leaves at k × 50 ms (line k/2, half k%2): never earlier.
        assert!(*t >= k as f64 * 50.0, "chunk {k} at {t} ms");
    }
    assert!(framer.finish().is_none());
    assert!(!entries.borrow()[0].aborted);
}

#[wasm_bindgen_test]
async fn a_fetch_lesson_without_its_service_worker_fails_and_says_why() {
    // The test page's server has no sw.js: registering fails, and the run says so. Every lesson
    // that fetches waits for the in-browser server the same way (`lessons::run::with_server`).
    for id in ["fetch", "line-protocol"] {
        let lesson = lessons::find(id).expect("registered");
        let params = lesson.validate([]).expect("defaults");
        let report = lessons::start(lesson, params).report.await;
        assert_eq!(report.state, RunState::Failed, "{id}: {report:?}");
        let error = report.error.unwrap_or_default();
        assert!(
            error.contains("service worker (sw.js) could not be registered"),
            "{id}: {error}"
        );
    }
}

// Bad input, route by route (issue 15): bytes, binary and oversized bodies, escapes, HEAD.

fn request_bytes(
    method: &str,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> web_sys::Request {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_body(&js_sys::Uint8Array::from(body).into());
    let h = web_sys::Headers::new().expect("headers");
    for (name, value) in headers {
        h.set(name, value)
            .expect("a header value the browser takes");
    }
    init.set_headers(&h);
    let url = format!("http://127.0.0.1:9999{path}");
    web_sys::Request::new_with_str_and_init(&url, &init).expect("a request")
}

async fn echo_json(body: &[u8], headers: &[(&str, &str)]) -> (u16, Value) {
    let (sink, _) = log();
    let response = server::respond(request_bytes("POST", "/api/echo", body, headers), sink)
        .await
        .expect("a response");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    let json = serde_json::from_str(&text(&response).await).expect("JSON");
    (response.status(), json)
}

#[wasm_bindgen_test]
async fn echo_caps_the_bytes_received_and_echoes_a_binary_body_whole_as_base64() {
    // 30,000 bytes of 0xFF: under the cap in bytes (it was counted as 90,000 characters).
    let (status, json) = echo_json(&[0xFF; 30_000], &[]).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["body_encoding"], "base64");
    assert_eq!(json["body_bytes"], 30_000);
    assert_eq!(json["body"].as_str().map(str::len), Some(40_000));
    assert!(json["body"].as_str().is_some_and(|b| b.starts_with("////")));
    // Exactly the cap is taken; one byte more is refused, whatever the bytes.
    let (status, json) = echo_json(&vec![b'a'; MAX_ECHO_BODY], &[]).await;
    assert_eq!(
        (status, &json["body_encoding"]),
        (200, &Value::from("utf-8"))
    );
    assert_eq!(json["body_bytes"], MAX_ECHO_BODY);
    let (status, json) = echo_json(&vec![0xFF; MAX_ECHO_BODY + 1], &[]).await;
    assert_eq!(status, 413);
    assert_eq!(
        json["error"],
        "the body is more than 65536 bytes; api/echo takes at most 65536 bytes"
    );
    // 40,000 'é' are 40,000 characters but 80,000 bytes: refused.
    let (status, _) = echo_json("é".repeat(40_000).as_bytes(), &[]).await;
    assert_eq!(status, 413);
    // 8 MB is refused at the first chunk past the cap, with no copy into the server's memory.
    let (status, _) = echo_json(&vec![0u8; 8 << 20], &[]).await;
    assert_eq!(status, 413);
}

#[wasm_bindgen_test]
async fn echo_shows_a_latin1_header_value_as_it_arrived() {
    let (status, json) = echo_json(b"", &[("x-latin1", "café")]).await;
    assert_eq!(status, 200);
    assert_eq!(json["headers"]["x-latin1"], "café", "{json}");
}

#[wasm_bindgen_test]
async fn each_route_refuses_bad_input_in_words_with_nosniff() {
    let cases = [
        (
            "/api/posts/1.5",
            400,
            "post id must be a whole number from 1 to 100, got '1.5'",
        ),
        ("/api/posts/0", 404, "no route for api/posts/0: there is no post 0: posts are 1 to 100"),
        (
            "/api/hello/%ZZ",
            400,
            "the name '%ZZ' has an invalid percent escape '%ZZ': % must be followed by two hex digits",
        ),
        ("/api/hello/%FF", 400, "the name '%FF' is not valid UTF-8"),
        ("/api/status/99", 400, "status must be a whole number from 200 to 599, got '99'"),
        ("/api/delay/-1", 400, "delay in ms must be a whole number from 0 to 60000, got '-1'"),
        ("/api/lines?terminator=nul", 400, "terminator must be lf or crlf, got 'nul'"),
        ("/api/nope", 404, "no route for api/nope"),
    ];
    for (path, status, message) in cases {
        let (response, _) = respond("GET", path).await;
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        let json: Value = serde_json::from_str(&text(&response).await).expect("JSON");
        let error = json["error"].as_str().unwrap_or_default();
        assert!(error.starts_with(message), "{path}: {error}");
    }
    let (response, _) = respond("DELETE", "/api/echo").await;
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
}

#[wasm_bindgen_test]
async fn head_on_a_get_route_answers_as_get_without_the_body_and_at_once() {
    let start = now_ms();
    let cases = [
        ("/api/", 200, "text/html; charset=utf-8"),
        ("/api/hello/Ann", 200, "text/html; charset=utf-8"),
        ("/api/delay/2000", 200, "application/json"),
        ("/api/posts/1", 200, "application/json"),
        ("/api/status/404", 404, "application/json"),
        ("/api/lines", 200, "text/plain; charset=utf-8"),
        ("/api/echo", 200, "application/json"),
        ("/api/posts/1.5", 400, "application/json"),
    ];
    for (path, status, kind) in cases {
        let (response, entries) = respond("HEAD", path).await;
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(header(&response, "content-type"), kind, "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert!(response.body().is_none(), "{path} has a body");
        assert_eq!(entries.borrow()[0].status, Some(status), "{path}");
    }
    // No delay waited: a HEAD has no body to wait for.
    assert!(now_ms() - start < 1000.0);
}
