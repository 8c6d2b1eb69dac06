//! End-to-end for the blocking lesson's two fixes. Its worker variant needs the release build:
//! trunk puts the Rust worker (worker.js + worker_bg.wasm) and its loader (crunch_worker.js) in
//! dist/, which wasm-bindgen-test pages do not have; tests/e2e.rs runs every lesson with its
//! defaults (the blocking variant) only.
//!
//! Ignored by a plain `cargo test`: after `trunk build --release`, run it with
//! `cargo test --test e2e_loop -- --ignored`. Screenshots go to target/e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};

use support::{browser, dist, page_isolation, serve, start_chromedriver, ROOT};

async fn texts(client: &Client, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in client.find_all(Locator::Css(css)).await.expect(css) {
        texts.push(element.text().await.expect("text"));
    }
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: trunk build --release first"]
async fn the_blocking_lessons_fixes_run_from_their_urls_with_the_rust_worker() {
    let dist = dist();
    for file in ["worker.js", "worker_bg.wasm", "crunch_worker.js"] {
        assert!(
            dist.join(file).is_file(),
            "dist/ has no {file}: index.html builds it"
        );
    }
    let site = serve(dist);
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-loop", &[]).await;
    for variant in ["worker", "chunked"] {
        client
            .goto(&format!(
                "http://{site}/?scenario=blocking&run=1&variant={variant}"
            ))
            .await
            .expect("page loads");
        let root = client
            .wait()
            .at_most(Duration::from_secs(60))
            .for_element(Locator::Css(
                r#"[data-scenario="blocking"][data-run-state="done"], [data-scenario="blocking"][data-run-state="failed"]"#,
            ))
            .await
            .unwrap_or_else(|e| panic!("{variant} never finished: {e}"));
        let state = root.attr("data-run-state").await.expect("readable");
        let screenshot = client.screenshot().await.expect("screenshot");
        let dir = Path::new(ROOT).join("target").join("e2e");
        std::fs::create_dir_all(&dir).expect("target/e2e");
        std::fs::write(
            dir.join(format!("lesson-blocking-{variant}.png")),
            screenshot,
        )
        .expect("screenshot written");
        assert_eq!(
            state.as_deref(),
            Some("done"),
            "{variant}: {:?}",
            texts(&client, "[data-testid=run-error]").await
        );
        // In a page the service worker made cross-origin isolated: it gives the worker's
        // script COEP too, without which Chromium would not start the worker.
        let isolation = page_isolation(&client).await;
        assert_eq!(isolation["isolated"], true, "{variant}: {isolation}");
        // The timer fired while the work went on: before "work: done".
        assert_eq!(
            texts(&client, "[data-testid=log] li .text").await,
            [
                "timer: set for 100 ms",
                "work: start",
                "timer: fired",
                "work: done"
            ],
            "{variant}"
        );
        let checks = client
            .find_all(Locator::Css("[data-testid=checks] li"))
            .await
            .expect("checks");
        assert!(checks.len() >= 4, "{variant}: the lesson judged its run");
        for check in checks {
            assert_eq!(
                check
                    .attr("data-check-ok")
                    .await
                    .expect("readable")
                    .as_deref(),
                Some("true"),
                "{variant}: {}",
                check.text().await.unwrap_or_default()
            );
        }
    }
    client.close().await.expect("session closed");
}
