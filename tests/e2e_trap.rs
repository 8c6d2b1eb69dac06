//! End-to-end: a real Rust panic in the release build (the errors lesson with `panic=on`) stops
//! the WebAssembly module; the page shows static/wasm-trap.js's banner, and its Reload button
//! brings the app back, without `run=1` so the panic does not happen again.
//!
//! A wasm test cannot survive a panic, hence this test. Ignored by a plain `cargo test`: after
//! `trunk build --release`, run it with `cargo test --test e2e_trap -- --ignored`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;

use support::{browser, dist, serve, start_chromedriver, ROOT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver"]
async fn a_panic_stops_the_module_and_the_banner_reloads_the_page() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-trap", &[]).await;

    client
        .goto(&format!("http://{site}/?scenario=errors&run=1&panic=on"))
        .await
        .expect("page loads");
    let banner = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[role=alert][data-testid=wasm-stopped]"))
        .await
        .expect("the banner appears when the module traps");
    let text = banner.text().await.expect("banner text");
    assert!(
        text.contains("the WebAssembly module stopped: reload the page"),
        "{text}"
    );
    // The panic hook kept the recording: the panicking task failed, in words, and the banner
    // offers it for download (Perfetto reads it).
    assert!(
        text.contains("panicked at"),
        "the panic itself, in words: {text}"
    );
    client
        .find(Locator::Css("[data-testid=trap-download-trace]"))
        .await
        .expect("a Download trace button");
    let kept = client
        .execute("return window.asyncscopeTrapTrace;", vec![])
        .await
        .expect("readable");
    let trace: serde_json::Value =
        serde_json::from_str(kept.as_str().expect("the trace as text")).expect("JSON");
    let failed = trace["traceEvents"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["ph"] == "e" && e["name"] == "panics" && e["args"]["state"] == "failed")
        .cloned();
    assert!(failed.is_some(), "the task that panicked ends failed");
    assert!(
        trace["traceEvents"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["name"]
                .as_str()
                .is_some_and(|n| n.contains("failed: panicked at"))),
        "its failure says where it panicked"
    );
    let dir = Path::new(ROOT).join("target").join("e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e");
    std::fs::write(
        dir.join("wasm-trap-banner.png"),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("screenshot written");

    // The lesson's own lines came first; then the module stopped, so the run never ended.
    let logged = client
        .find_all(Locator::Css("[data-testid=log] li"))
        .await
        .expect("log lines")
        .len();
    assert!(logged >= 5, "{logged} lines before the panic");
    let root = client
        .find(Locator::Css("[data-scenario=errors]"))
        .await
        .expect("the lesson");
    let state = root.attr("data-run-state").await.expect("readable");
    assert_eq!(
        state.as_deref(),
        Some("running"),
        "nothing ends a trapped run"
    );

    // The page is inert behind the banner, which says what still works: the status stops
    // (a live page changes it 4 times a second), the buttons take no clicks, a click that
    // reaches Cancel anyway does nothing, and no second trap follows.
    let works = client
        .find(Locator::Css("[data-testid=wasm-stopped-works]"))
        .await
        .expect("the banner says what still works")
        .text()
        .await
        .expect("text");
    assert!(
        works.contains("What still works: Reload, Download trace"),
        "{works}"
    );
    let frozen = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const status = () => document.querySelector('[data-testid=status]').textContent;
             const cancel = document.querySelector('[data-testid=cancel]');
             const before = status();
             const inert = !!cancel.closest('[inert]');
             cancel.click();
             // A second of live refreshes (every 250 ms) and frames: a live page changes its
             // status in that time, and whatever the click reached has run.
             const start = performance.now();
             let frames = 0;
             (function frame() {
               frames++;
               if (performance.now() - start < 1000 || frames < 5) {
                 requestAnimationFrame(frame);
               } else {
                 done({before, after: status(), inert, traps: window.asyncscopeTraps,
                       state: document.querySelector('[data-scenario]').dataset.runState});
               }
             })();",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(
        frozen["before"], frozen["after"],
        "the status stopped: {frozen}"
    );
    assert_eq!(
        frozen["inert"], true,
        "Cancel sits in an inert page: {frozen}"
    );
    assert_eq!(frozen["traps"], 1, "one trap, no second one: {frozen}");
    assert_eq!(frozen["state"], "running", "{frozen}");
    // window.asyncscope answers without the module: run() says why not, trace() gives the
    // recording kept at the panic.
    let api = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const trace = window.asyncscope.trace();
             window.asyncscope.run('hello-sleep').then(
               () => done({resolved: true}),
               e => done({rejected: String(e && e.message), events: trace.traceEvents.length}));",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(
        api["rejected"], "the WebAssembly module stopped (a Rust panic): reload the page",
        "{api}"
    );
    assert!(api["events"].as_u64().is_some_and(|n| n > 0), "{api}");

    client
        .find(Locator::Css("[data-testid=reload]"))
        .await
        .expect("a Reload button")
        .click()
        .await
        .expect("clicked");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(
            r#"[data-scenario="errors"][data-run-state="idle"]"#,
        ))
        .await
        .expect("the app is back, idle");
    let url = client.current_url().await.expect("url");
    assert!(!url.as_str().contains("run=1"), "{url}");
    assert!(
        client
            .find(Locator::Css("[data-testid=wasm-stopped]"))
            .await
            .is_err(),
        "a fresh page has no banner"
    );

    // A fresh module answers: the lesson runs to its end with its defaults (no panic).
    let report = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.asyncscope.run('errors')
               .then(done, e => done({rejected: String(e && e.message)}));",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(report["state"], "done", "{report}");
    client.close().await.expect("session closed");
}
