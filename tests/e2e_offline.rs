//! End-to-end: the site after its first visit works offline and is installable, and where
//! something it needs is missing it says so, never a blank page:
//! - offline: the service worker keeps a copy of the whole build (static/sw.js, ./offline-shell);
//!   with the network gone (DevTools' offline mode, then the host itself stopped) a reload still
//!   opens the page and runs the lessons that need no internet, the in-browser server's included;
//! - opened as a file (file://): the page says to serve it through a web server;
//! - a host that sends `.wasm` with another type: the app still starts and runs (wasm-bindgen's
//!   loader compiles the downloaded bytes instead of the stream);
//! - no service workers (an origin that is not a secure context): the page works, and the lessons
//!   that need the in-browser server say why they cannot run.
//!
//! It builds nothing: it serves the release build in dist/ (built for a relative base, so that it
//! works under any path, and from a file as far as a file can go). Ignored by a plain
//! `cargo test`: run it with `cargo test --test e2e_offline -- --ignored` (./dev test does).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use support::{
    app_started, browser, browser_with_prefs, devtools, dist, run_from_url, serve, serve_stoppable,
    serve_wasm_as, start_chromedriver, text_when_shown, CONTROLLED,
};

/// Where the offline test serves the build: a sub-path, as a project's site lives.
const BASE: &str = "/offline/";

/// Asks the service worker in control whether its offline copy is complete (it completes it
/// first): `cached`, or why not.
async fn offline_copy(client: &Client) -> Value {
    client
        .execute_async(
            &format!(
                "const done = arguments[0];
                 (async () => {{
                     {CONTROLLED}
                     const channel = new MessageChannel();
                     const answer = new Promise((r) => {{ channel.port1.onmessage = (e) => r(e.data); }});
                     navigator.serviceWorker.controller.postMessage('offline', [channel.port2]);
                     return answer;
                 }})().then(done, (e) => done(String(e)));"
            ),
            vec![],
        )
        .await
        .expect("the page answers")
}

/// The names of this origin's caches and, for each, how many requests it holds.
async fn caches(client: &Client) -> Value {
    client
        .execute_async(
            "const done = arguments[0];
             (async () => {
                 const out = {};
                 for (const name of await caches.keys()) {
                     out[name] = (await (await caches.open(name)).keys()).length;
                 }
                 return out;
             })().then(done, (e) => done(String(e)));",
            vec![],
        )
        .await
        .expect("the page answers")
}

/// The files the build's service worker keeps offline (its SHELL, written by ./offline-shell).
fn shell_files() -> usize {
    let sw = std::fs::read_to_string(dist().join("sw.js")).expect("dist/sw.js");
    let line = sw
        .lines()
        .find(|l| l.starts_with("const SHELL = ['"))
        .expect("the build wrote SHELL into sw.js");
    line.matches("', '").count() + 1
}

async fn script(client: &Client, source: &str) -> Value {
    client
        .execute_async(source, vec![])
        .await
        .expect("the page answers")
}

/// Opens server-hello from `origin` with `run=1` and gives the run's error: it must fail.
async fn server_hello_error(client: &Client, origin: &str) -> String {
    client
        .goto(&format!("{origin}/?scenario=server-hello&run=1"))
        .await
        .expect("page loads");
    let failed =
        r#"[data-scenario="server-hello"][data-run-state="failed"] [data-testid=run-error]"#;
    text_when_shown(client, failed, 30, "the lesson fails, saying why").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn after_a_first_visit_the_site_runs_its_lessons_offline_and_is_installable() {
    let host = serve_stoppable(dist(), BASE);
    let site = format!("http://{}{BASE}", host.addr);
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-offline", &[]).await;
    client
        .goto(&format!("{site}?scenario=hello-sleep"))
        .await
        .expect("page loads");
    // Past the one reload of a first visit that makes the page cross-origin isolated.
    app_started(&client, 30).await;
    // A host that sends .wasm as application/wasm: no note about its type.
    let notes = client
        .find_all(Locator::Css("[data-testid=host-note]"))
        .await
        .expect("the page answers");
    assert!(
        notes.is_empty(),
        "a note about the wasm's type on a host that sends it right"
    );
    // The page asks for the copy once its start has settled (30 s), with nobody asking it to:
    // one copy, of this folder and this build, holding every file of the build.
    let prefix = format!("asyncscope {site} ");
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let names = loop {
        let names = caches(&client).await;
        let copies: Vec<_> = names
            .as_object()
            .expect("cache names")
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .map(|(_, files)| files.clone())
            .collect();
        if copies == [json!(shell_files())] {
            break names;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no complete copy within 90 s: {names}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert_eq!(offline_copy(&client).await, "cached", "{names}");

    // Installable: a manifest Chromium reads without error, nothing missing to install it.
    let manifest = devtools(&client, "Page.getAppManifest", json!({})).await;
    assert_eq!(manifest["errors"], json!([]), "{manifest}");
    assert!(
        manifest["url"]
            .as_str()
            .is_some_and(|u| u == format!("{site}manifest.webmanifest")),
        "{manifest}"
    );
    let installable = devtools(&client, "Page.getInstallabilityErrors", json!({})).await;
    assert_eq!(
        installable["installabilityErrors"],
        json!([]),
        "{installable}"
    );

    // DevTools' offline mode: the page itself cannot reach the network.
    devtools(&client, "Network.enable", json!({})).await;
    devtools(
        &client,
        "Network.emulateNetworkConditions",
        json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await;
    for id in ["hello-sleep", "server-hello"] {
        run_from_url(&client, &format!("{site}?scenario={id}&run=1"), id).await;
    }
    let online = script(&client, "arguments[0](navigator.onLine);").await;
    assert_eq!(online, false, "the page is offline");

    // The host gone as well (the worker's own requests no longer reach it either): the page, its
    // wasm, the in-browser server's, the Web Worker's and the lessons' texts all come from the copy.
    host.stop();
    let gone = script(
        &client,
        "const done = arguments[0];
         fetch('not-in-the-build.txt', {cache: 'no-store'}).then((r) => done(r.status), (e) => done(String(e)));",
    )
    .await;
    assert!(
        gone.as_str().is_some_and(|e| e.contains("Failed to fetch")),
        "the host still answers: {gone}"
    );
    for lesson in ["hello-sleep", "server-hello", "blocking&variant=worker"] {
        let id = lesson.split('&').next().unwrap_or(lesson);
        run_from_url(&client, &format!("{site}?scenario={lesson}&run=1"), id).await;
    }
    let texts = r#".code[aria-busy="false"] [data-testid=python]"#;
    let python = text_when_shown(&client, texts, 20, "the lesson's texts, from the copy").await;
    assert!(python.contains("def "), "{python}");
    client.close().await.expect("session closed");
}

/// The text of the message that replaces the loading line (static/start-check.js), once shown.
async fn start_error(client: &Client) -> String {
    text_when_shown(
        client,
        "#loading[data-start-error][role=alert]",
        20,
        "the page says why the app cannot start",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_page_opened_as_a_file_says_to_serve_it_through_a_web_server() {
    let index = dist().join("index.html");
    let index = index.canonicalize().expect("dist/index.html");
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-file", &[]).await;
    client
        .goto(&format!("file://{}", index.display()))
        .await
        .expect("page loads");
    let message = start_error(&client).await;
    assert!(message.contains("opened as a file (file://)"), "{message}");
    assert!(
        message.contains("Open it through a web server: ./dev serve"),
        "{message}"
    );
    // The cause stays named: the failures it brings (the app's module script) do not replace it.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(start_error(&client).await, message);
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_host_that_sends_wasm_as_another_type_still_runs_the_app() {
    let site = serve_wasm_as(dist(), "application/octet-stream");
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-wasm-type", &[]).await;
    client
        .goto(&format!("http://{site}/?scenario=hello-sleep"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    let kind = script(
        &client,
        "const done = arguments[0];
         const wasm = document.querySelector('script[data-asyncscope-wasm]').dataset.asyncscopeWasm;
         fetch(wasm, {cache: 'no-store'}).then((r) => done(r.headers.get('content-type')), (e) => done(String(e)));",
    )
    .await;
    assert_eq!(kind, "application/octet-stream");
    // The page says so, with the fix, in a note (not an alert: the app works).
    let note = text_when_shown(
        &client,
        "[role=status][data-testid=host-note]",
        10,
        "a note about the wasm's type",
    )
    .await;
    assert!(
        note.contains("as application/octet-stream, not application/wasm"),
        "{note}"
    );
    assert!(note.contains("\"Publish\""), "{note}");
    // The app's wasm, the lessons chunk (all but hello-sleep), the in-browser server's and the
    // Web Worker's: each compiled all the same.
    for lesson in ["hello-sleep", "server-hello", "blocking&variant=worker"] {
        let id = lesson.split('&').next().unwrap_or(lesson);
        run_from_url(
            &client,
            &format!("http://{site}/?scenario={lesson}&run=1"),
            id,
        )
        .await;
    }
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn without_service_workers_the_page_runs_and_the_server_lessons_say_why() {
    // A name for loopback that is not `localhost`: plain http:// there is not a secure context,
    // so the browser offers no service workers (and no caches).
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(
        &driver,
        "e2e-no-sw",
        &[
            "--host-resolver-rules=MAP asyncscope.test 127.0.0.1",
            "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
        ],
    )
    .await;
    let origin = format!("http://asyncscope.test:{}", site.port());
    run_from_url(
        &client,
        &format!("{origin}/?scenario=hello-sleep&run=1"),
        "hello-sleep",
    )
    .await;
    let context = script(
        &client,
        "arguments[0]({secure: isSecureContext, workers: 'serviceWorker' in navigator});",
    )
    .await;
    assert_eq!(context, json!({"secure": false, "workers": false}));
    let error = server_hello_error(&client, &origin).await;
    assert!(
        error.contains("service workers need a secure context"),
        "{error}"
    );
    assert!(error.contains(&origin), "{error}");
    assert!(error.contains("Open the site over https://"), "{error}");
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn with_service_workers_turned_off_the_page_runs_and_the_server_lessons_say_why() {
    // A secure context (loopback) whose browser blocks sites' storage: registering is refused.
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser_with_prefs(
        &driver,
        "e2e-sw-off",
        &[],
        json!({"profile.default_content_setting_values.cookies": 2}),
    )
    .await;
    let origin = format!("http://{site}");
    run_from_url(
        &client,
        &format!("{origin}/?scenario=hello-sleep&run=1"),
        "hello-sleep",
    )
    .await;
    let error = server_hello_error(&client, &origin).await;
    assert!(
        error.contains("service worker (sw.js) could not be registered"),
        "{error}"
    );
    assert!(error.contains("turned off in this browser"), "{error}");
    client.close().await.expect("session closed");
}
