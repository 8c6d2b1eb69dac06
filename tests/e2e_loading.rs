//! End-to-end: what the release build loads, and when.
//! - The lessons' texts (each one's summary, Python and the Rust that runs) are static files under
//!   dist/lessons/ (written by ./lesson-texts after each build), fetched when a lesson opens:
//!   every lesson shows its own, and texts that cannot be loaded are named in the page and load
//!   when tried again.
//! - The in-browser server's wasm is not downloaded by a first visit: the first fetch lesson
//!   loads it, and runs as well as ever.
//!
//! Ignored by a plain `cargo test`: after `trunk build --release`, run it with
//! `cargo test --test e2e_loading -- --ignored` (./dev test does).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::Path;
use std::time::Duration;

use asyncscope::lessons::LESSONS;
use fantoccini::{Client, Locator};
use serde_json::Value;

use support::{
    app_started, browser, copy_dir, dist, run_report, serve, serve_logged, start_chromedriver,
    text_when_shown, CONTROLLED,
};

/// The `textContent` of the first element matching `selector`, or None.
async fn text_of(client: &Client, selector: &str) -> Option<String> {
    let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;";
    match client
        .execute(script, vec![Value::String(selector.to_string())])
        .await
        .expect("script runs")
    {
        Value::String(text) => Some(text),
        _ => None,
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Waits until the lesson `id` shows its loaded texts (the code panes no longer `aria-busy`).
async fn texts_shown(client: &Client, id: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(&format!(
            r#"[data-scenario="{id}"] .code[aria-busy="false"] [data-testid=python]"#
        )))
        .await
        .unwrap_or_else(|e| panic!("{id}: its texts never showed: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn every_lesson_shows_its_summary_python_and_rust_from_the_release_build() {
    let dist = dist();
    let site = serve(dist.clone());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-texts", &[]).await;
    client
        .goto(&format!("http://{site}/?scenario=hello-sleep"))
        .await
        .expect("page loads");
    // Past the one reload of a first visit that makes the page cross-origin isolated.
    app_started(&client, 30).await;
    for lesson in LESSONS {
        let id = lesson.id;
        client
            .find(Locator::Css(&format!("[data-lesson={id}]")))
            .await
            .expect("the lesson in the list")
            .click()
            .await
            .expect("clicked");
        texts_shown(&client, id).await;
        let summary = read(&dist.join("lessons").join(id).join("summary.txt"));
        let python = read(&dist.join("lessons").join(id).join("python.txt"));
        let rust = read(&dist.join("lessons").join(id).join("rust.txt"));
        assert!(rust.contains("async fn"), "{id}: {rust}");
        assert_eq!(
            text_of(&client, "[data-testid=summary]").await.as_deref(),
            Some(summary.trim_end()),
            "{id}"
        );
        assert_eq!(
            text_of(&client, "[data-testid=python]").await.as_deref(),
            Some(python.trim_end()),
            "{id}"
        );
        assert_eq!(
            text_of(&client, "[data-testid=rust]").await.as_deref(),
            Some(rust.trim_end()),
            "{id}"
        );
        let caption = text_of(&client, ".code figcaption")
            .await
            .unwrap_or_default();
        let adapted = python.starts_with("# Adapted");
        assert_eq!(caption.contains("adapted"), adapted, "{id}: {caption}");
    }
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn texts_that_cannot_be_loaded_are_named_in_the_page_and_load_when_tried_again() {
    // A copy of the build without the gather lesson's texts.
    let site_dir = std::env::temp_dir().join(format!("asyncscope-texts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&site_dir);
    copy_dir(&dist(), &site_dir);
    let texts = site_dir.join("lessons").join("gather");
    let aside = site_dir.join("gather-texts");
    std::fs::rename(&texts, &aside).expect("texts moved aside");

    let site = serve(site_dir.clone());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-texts-missing", &[]).await;
    client
        .goto(&format!("http://{site}/?scenario=gather"))
        .await
        .expect("page loads");
    // Past the one reload of a first visit that makes the page cross-origin isolated.
    app_started(&client, 30).await;
    let message = text_when_shown(
        &client,
        "[data-testid=texts-error][role=alert]",
        20,
        "a message says the texts could not be loaded",
    )
    .await;
    assert!(message.contains("lessons/gather/"), "{message}");
    assert!(message.contains("404"), "{message}");
    assert!(message.contains("The lesson still runs"), "{message}");
    assert_eq!(text_of(&client, "[data-testid=python]").await, None);
    assert_eq!(text_of(&client, "[data-testid=summary]").await, None);
    assert!(client.find(Locator::Css("[data-testid=run]")).await.is_ok());

    // The files are back: trying again shows them, and the message goes.
    std::fs::rename(&aside, &texts).expect("texts put back");
    client
        .find(Locator::Css("[data-testid=texts-error] button.retry"))
        .await
        .expect("a Try again button")
        .click()
        .await
        .expect("clicked");
    texts_shown(&client, "gather").await;
    let python = read(&texts.join("python.txt"));
    assert_eq!(
        text_of(&client, "[data-testid=python]").await.as_deref(),
        Some(python.trim_end())
    );
    assert_eq!(text_of(&client, "[data-testid=texts-error]").await, None);
    client.close().await.expect("session closed");
    let _ = std::fs::remove_dir_all(&site_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_host_missing_the_apps_wasm_says_so_instead_of_loading_for_ever() {
    // A copy of the build without the app's WebAssembly (as a host given half the files).
    let site_dir = std::env::temp_dir().join(format!("asyncscope-nowasm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&site_dir);
    copy_dir(&dist(), &site_dir);
    let mut removed = 0;
    for entry in std::fs::read_dir(&site_dir).expect("readable").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("asyncscope-") && name.ends_with("_bg.wasm") {
            std::fs::remove_file(entry.path()).expect("removed");
            removed += 1;
        }
    }
    assert_eq!(removed, 1, "the build has one app wasm");
    let site = serve(site_dir.clone());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-nowasm", &[]).await;
    client
        .goto(&format!("http://{site}/"))
        .await
        .expect("page loads");
    // The message that replaces the loading line (static/start-check.js).
    let message = text_when_shown(
        &client,
        "#loading[data-start-error][role=alert]",
        20,
        "the page says why the app cannot start",
    )
    .await;
    assert!(message.contains("start failed"), "{message}");
    assert!(message.contains("application/wasm"), "{message}");
    client.close().await.expect("session closed");
    let _ = std::fs::remove_dir_all(&site_dir);
}

/// How many times the server sent `file`.
fn times_served(served: &support::Served, file: &str) -> usize {
    served
        .lock()
        .map(|s| s.iter().filter(|f| *f == file).count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_first_visit_leaves_the_server_wasm_to_the_first_fetch_lesson() {
    let (site, served) = serve_logged(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-first-visit", &[]).await;
    client
        .goto(&format!("http://{site}/"))
        .await
        .expect("page loads");
    // Past the one reload of a first visit that makes the page cross-origin isolated.
    app_started(&client, 30).await;
    // The page works: rendered, its lesson's texts shown, the service worker in control.
    texts_shown(&client, "hello-sleep").await;
    let controlled = client
        .execute_async(
            &format!(
                "const done = arguments[0];
                 (async () => {{ {CONTROLLED} }})().then(() => done(true), e => done(String(e)));"
            ),
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(controlled, Value::Bool(true));
    assert_eq!(times_served(&served, "sw.js"), 1);
    assert_eq!(times_served(&served, "server_bg.wasm"), 0);

    // The first fetch lesson loads the server (and says so), then runs as it always did.
    let report = run_report(&client, "fetch").await;
    assert_eq!(report["state"], "done", "{report}");
    let checks = report["checks"].as_array().cloned().unwrap_or_default();
    assert!(!checks.is_empty(), "{report}");
    assert!(checks.iter().all(|c| c["ok"] == true), "{report}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("the in-browser server loaded its WebAssembly in"),
        "{notes}"
    );
    assert_eq!(times_served(&served, "server_bg.wasm"), 1);

    // Loaded once: the next run neither waits for it nor downloads it again.
    let again = run_report(&client, "fetch").await;
    assert_eq!(again["state"], "done", "{again}");
    assert!(!again["notes"]
        .to_string()
        .contains("loaded its WebAssembly"));
    assert_eq!(times_served(&served, "server_bg.wasm"), 1);
    client.close().await.expect("session closed");
}
