//! End-to-end: the lessons' texts (each one's Python and the Rust that runs) are static files
//! under dist/lessons/ (written by ./lesson-texts after each build), fetched when a lesson opens;
//! the release build shows every lesson's texts, and one that cannot be loaded says which and why
//! and loads when tried again.
//!
//! Ignored by a plain `cargo test`: after `trunk build --release`, run it with
//! `cargo test --test e2e_texts -- --ignored` (./dev test does).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::Path;
use std::time::Duration;

use asyncscope::scenarios::LESSONS;
use fantoccini::{Client, Locator};
use serde_json::Value;

use support::{browser, dist, serve, start_chromedriver};

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
async fn every_lesson_shows_its_python_and_rust_from_the_release_build() {
    let dist = dist();
    let site = serve(dist.clone());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-texts", &[]).await;
    client
        .goto(&format!("http://{site}/?scenario=hello-sleep"))
        .await
        .expect("page loads");
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
        let python = read(&dist.join("lessons").join(id).join("python.txt"));
        let rust = read(&dist.join("lessons").join(id).join("rust.txt"));
        assert!(rust.contains("async fn"), "{id}: {rust}");
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder created");
    for entry in std::fs::read_dir(from).expect("readable folder").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("file copied");
        }
    }
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
    let message = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[data-testid=texts-error][role=alert]"))
        .await
        .expect("a message says the texts could not be loaded")
        .text()
        .await
        .expect("text");
    assert!(message.contains("lessons/gather/"), "{message}");
    assert!(message.contains("404"), "{message}");
    assert!(message.contains("The lesson still runs"), "{message}");
    assert_eq!(text_of(&client, "[data-testid=python]").await, None);
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
