//! End-to-end: the lessons chunk (split_lessons.wasm, every lesson but the landing one: see
//! src/lessons/chunk.rs) that the release site loads apart from the page.
//! - A chunk that does not load (missing on the host: a 404; or not WebAssembly) ends the run of
//!   a lesson that needs it failed, with the reason in words in the page: no hang, no panic. The
//!   landing lesson, in the page's own module, still runs; and once the file is there, the next
//!   run loads it and runs (a failed load is not remembered).
//! - With nothing run, the page fetches the chunk by itself, once, never before its first paint:
//!   on the landing lesson only after what it shows first (its lesson's texts), so as not to
//!   delay the first visit; on a lesson of the chunk at once, since its Run needs it.
//! - The trace panel is in the chunk too: its place in the page says it is loading, shows the
//!   panel once the page's own fetch has brought it (no run needed), and says why it could not
//!   come, with a retry, while the landing lesson still runs.
//!
//! Ignored by a plain `cargo test`: after the release build (./dev test builds it, split), run it
//! with `cargo test --test e2e_chunk -- --ignored`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};

use support::{
    app_started, browser, copy_dir, dist, run_report, serve, serve_logged, start_chromedriver,
    text_when_shown,
};

/// What the page's error names; the file is `split_lessons-CHECKSUM.wasm` ([`chunk_in`]).
const CHUNK: &str = "split_lessons.wasm";

/// Whether the file `name` is a build's lessons chunk (`split_lessons-CHECKSUM.wasm`, named
/// after its checksum by ./split-page).
fn is_chunk(name: &str) -> bool {
    name.starts_with("split_lessons-") && name.ends_with(".wasm")
}

/// The lessons chunk of the build in `dir`.
fn chunk_in(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_chunk))
}

/// A copy of the release build, to break; it must be the split one.
fn site_copy(name: &str) -> PathBuf {
    let dist = dist();
    assert!(
        chunk_in(&dist).is_some(),
        "{} has no split_lessons-*.wasm: build the release site split (ASYNCSCOPE_SPLIT=1 trunk build --release, as ./dev test does)",
        dist.display()
    );
    let dir = std::env::temp_dir().join(format!("asyncscope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&dist, &dir);
    dir
}

/// The page's run error, once shown.
async fn run_error(client: &Client) -> String {
    text_when_shown(
        client,
        "[data-testid=run-error]",
        20,
        "the page shows the run's error",
    )
    .await
}

/// Opens `site` on `gather` (a lesson of the chunk) and runs it with the chunk broken; then the
/// landing lesson; then, `repaired`, gather again.
async fn a_broken_chunk_fails_the_run_in_words(
    site_dir: &Path,
    profile: &str,
    repair: impl FnOnce(),
) {
    let site = serve(site_dir.to_path_buf());
    let driver = start_chromedriver();
    let client = browser(&driver, profile, &[]).await;
    client
        .goto(&format!("http://{site}/?lesson=gather"))
        .await
        .expect("page loads");
    // Past the one reload of a first visit that makes the page cross-origin isolated.
    app_started(&client, 30).await;

    let report = run_report(&client, "gather").await;
    assert_eq!(report["state"], "failed", "{report}");
    let error = report["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains(CHUNK), "{error}");
    assert!(error.contains("did not load"), "{error}");
    assert_eq!(
        report["lines"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    let shown = run_error(&client).await;
    assert!(shown.contains(CHUNK), "{shown}");
    let state = client
        .execute(
            "return document.querySelector('[data-run-state]')?.dataset.runState ?? null;",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(state, "failed");
    // Nothing trapped: the page works on, and the landing lesson (in the page's own module) runs.
    let trap = client
        .find(Locator::Css("[data-testid=wasm-stopped]"))
        .await;
    assert!(trap.is_err(), "a wasm trap banner is shown");
    let hello = run_report(&client, "hello-sleep").await;
    assert_eq!(hello["state"], "done", "{hello}");
    // The trace panel's place says why it is empty, with a retry (the run above went ahead
    // without the panel), where the panel goes.
    let said = text_when_shown(
        &client,
        ".lesson > .trace [data-testid=trace-error]",
        10,
        "the trace panel's place says it could not be loaded",
    )
    .await;
    assert!(said.contains(CHUNK), "{said}");
    assert!(said.contains("Try again"), "{said}");

    // The chunk is back: Try again brings the panel...
    repair();
    client
        .find(Locator::Css("[data-testid=trace-error] button"))
        .await
        .expect("the retry button")
        .click()
        .await
        .expect("clicked");
    panel_shown(&client).await;
    // ...and the next run loads the lessons' way in, and gather runs as ever.
    let report = run_report(&client, "gather").await;
    assert_eq!(report["state"], "done", "{report}");
    assert!(
        report["checks"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["ok"] == true)),
        "{report}"
    );
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_chunk_missing_on_the_host_fails_the_run_in_words_and_loads_when_back() {
    let site_dir = site_copy("chunk-missing");
    let chunk = chunk_in(&site_dir).expect("the copy has the chunk");
    let aside = site_dir.join("chunk-aside");
    std::fs::rename(&chunk, &aside).expect("chunk moved aside");
    let back = move || std::fs::rename(&aside, &chunk).expect("chunk put back");
    a_broken_chunk_fails_the_run_in_words(&site_dir, "e2e-chunk-missing", back).await;
    let _ = std::fs::remove_dir_all(&site_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_chunk_that_is_not_webassembly_fails_the_run_in_words() {
    let site_dir = site_copy("chunk-garbled");
    let chunk = chunk_in(&site_dir).expect("the copy has the chunk");
    let good = std::fs::read(&chunk).expect("chunk read");
    std::fs::write(&chunk, b"<!doctype html><title>Not found</title>").expect("chunk replaced");
    let back = {
        let chunk = chunk.clone();
        move || std::fs::write(&chunk, &good).expect("chunk restored")
    };
    a_broken_chunk_fails_the_run_in_words(&site_dir, "e2e-chunk-garbled", back).await;
    let _ = std::fs::remove_dir_all(&site_dir);
}

/// Waits (20 s at most) until the trace panel is in the page, in place of its placeholder.
async fn panel_shown(client: &Client) {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".lesson > .trace [data-testid=task-table]"))
        .await
        .expect("the trace panel comes");
    for placeholder in ["[data-testid=trace-loading]", "[data-testid=trace-error]"] {
        assert!(
            client.find(Locator::Css(placeholder)).await.is_err(),
            "{placeholder} is still shown beside the panel"
        );
    }
}

/// Asserts that the chunk's download began after each of `marks` (`render`: the app's
/// `asyncscope:first-render` mark, set as it first renders; `paint`: the browser's first
/// contentful paint), by the browser's resource and paint timing: the page never asks for the
/// chunk before it has painted, with or without the trace panel's place waiting for it.
async fn the_chunk_began_after(client: &Client, marks: &[&str]) {
    let timing = client
        .execute(
            "const last = (part) => performance.getEntriesByType('resource')
               .filter(e => e.name.includes(part)).pop() ?? null;
             const chunk = last('split_lessons-');
             const paint = performance.getEntriesByName('first-contentful-paint')[0] ?? null;
             const render = performance.getEntriesByName('asyncscope:first-render')[0] ?? null;
             return {chunk: chunk && chunk.startTime, paint: paint && paint.startTime,
                     render: render && render.startTime};",
            vec![],
        )
        .await
        .expect("script runs");
    let at = |what: &str| {
        timing[what]
            .as_f64()
            .unwrap_or_else(|| panic!("no {what} timing: {timing}"))
    };
    for mark in marks {
        assert!(
            at("chunk") >= at(mark),
            "the chunk began before the page's first {mark}: {timing}"
        );
    }
}

/// What the host served, once it has served the chunk with no run asked (at most 20 s).
async fn fetched_by_itself(served: &support::Served) -> Vec<String> {
    let log = || served.lock().map(|s| s.clone()).unwrap_or_default();
    let waited = std::time::Instant::now();
    while !log().iter().any(|p| is_chunk(p)) {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "the page never fetched the chunk by itself: {:?}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    log()
}

/// The split build, served with a log of what it served, opened at `path` in a fresh browser
/// profile once the app has started (the driver comes too: it must outlive the client).
async fn opened_logged(profile: &str, path: &str) -> (support::Driver, Client, support::Served) {
    let dist = dist();
    assert!(
        chunk_in(&dist).is_some(),
        "{} is not the split build",
        dist.display()
    );
    let (site, served) = serve_logged(dist);
    let driver = start_chromedriver();
    let client = browser(&driver, profile, &[]).await;
    client
        .goto(&format!("http://{site}/{path}"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    (driver, client, served)
}

/// After the page fetched the chunk by itself: a run of one of its lessons is done and fetches
/// it no more (once in all).
async fn a_run_fetches_the_chunk_no_more(client: &Client, served: &support::Served) {
    let report = run_report(client, "gather").await;
    assert_eq!(report["state"], "done", "{report}");
    let fetched = served
        .lock()
        .map(|s| s.iter().filter(|p| is_chunk(p)).count())
        .unwrap_or_default();
    assert_eq!(fetched, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn the_page_fetches_the_chunk_by_itself_after_its_lessons_texts() {
    let (_driver, client, served) = opened_logged("e2e-chunk-prefetch", "").await;
    let log = fetched_by_itself(&served).await;
    let chunk_at = log.iter().position(|p| is_chunk(p)).expect("found above");
    for text in ["summary.txt", "python.txt", "rust.txt"] {
        let path = format!("lessons/hello-sleep/{text}");
        let text_at = log.iter().position(|p| *p == path);
        assert!(
            text_at.is_some_and(|at| at < chunk_at),
            "{path} not served before the chunk: {log:?}"
        );
    }
    // Not only asked after them: begun once they had come (the browser's resource timing).
    let timing = client
        .execute(
            "const entries = performance.getEntriesByType('resource');
             const last = (part) => entries.filter(e => e.name.includes(part)).pop() ?? null;
             const chunk = last('split_lessons-');
             const texts = ['summary.txt', 'python.txt', 'rust.txt']
               .map(f => last('lessons/hello-sleep/' + f)?.responseEnd ?? null);
             return {chunk: chunk && chunk.startTime, texts};",
            vec![],
        )
        .await
        .expect("script runs");
    let chunk_start = timing["chunk"]
        .as_f64()
        .expect("the chunk's resource timing");
    for end in timing["texts"].as_array().expect("texts' timing") {
        let end = end.as_f64().expect("a text's resource timing");
        assert!(
            chunk_start >= end,
            "the chunk began before a text had come: {timing}"
        );
    }
    the_chunk_began_after(&client, &["render", "paint"]).await;
    // The trace panel came with it, no run needed.
    panel_shown(&client).await;
    a_run_fetches_the_chunk_no_more(&client, &served).await;
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_page_opened_on_a_lesson_of_the_chunk_fetches_it_at_once() {
    let (_driver, client, served) =
        opened_logged("e2e-chunk-prefetch-gather", "?lesson=gather").await;
    fetched_by_itself(&served).await;
    // Right after the paint (a task after the frame it was drawn in): the browser's paint entry,
    // which Chromium times at the frame's presentation, may come a few ms later than that.
    the_chunk_began_after(&client, &["render"]).await;
    panel_shown(&client).await;
    // Its first run waits for nothing more.
    a_run_fetches_the_chunk_no_more(&client, &served).await;
    client.close().await.expect("session closed");
}
