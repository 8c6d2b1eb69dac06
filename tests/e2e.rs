//! End-to-end: the release build (`trunk build --release` into dist/), served on loopback by a
//! small static file server (tests/support), driven in headless Chromium through chromedriver.
//!
//! Ignored by a plain `cargo test` because it needs the build and a browser; `./dev test` builds
//! dist/ and runs it with `cargo test --test e2e -- --ignored`. Screenshots go to target/e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};

use support::{browser, dist, serve, start_chromedriver, ROOT};

fn save_screenshot(name: &str, png: &[u8]) {
    let dir = Path::new(ROOT).join("target").join("e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e");
    std::fs::write(dir.join(name), png).expect("screenshot written");
}

async fn log_lines(client: &Client) -> Vec<(f64, String)> {
    let mut lines = Vec::new();
    for li in client
        .find_all(Locator::Css("[data-testid=log] li"))
        .await
        .expect("log lines")
    {
        let t = li
            .attr("data-t-ms")
            .await
            .expect("readable")
            .and_then(|t| t.parse().ok())
            .expect("each log line carries data-t-ms");
        let text = li
            .find(Locator::Css(".text"))
            .await
            .expect("text span")
            .text()
            .await
            .expect("text");
        lines.push((t, text));
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn hello_sleep_runs_from_the_url_in_chromium() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e", &[]).await;

    client
        .goto(&format!("http://{site}/?scenario=hello-sleep&run=1"))
        .await
        .expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(
            r#"[data-scenario="hello-sleep"][data-run-state="done"]"#,
        ))
        .await
        .expect("the run reaches data-run-state=done");

    let lines = log_lines(&client).await;
    let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, ["Hello", "World"]);
    let gap = lines[1].0 - lines[0].0;
    assert!(gap >= 1000.0, "World {gap} ms after Hello");

    let checks = client
        .find_all(Locator::Css("[data-testid=checks] li"))
        .await
        .expect("checks");
    assert!(checks.len() >= 4, "the lesson judged its run");
    for check in checks {
        assert_eq!(
            check
                .attr("data-check-ok")
                .await
                .expect("readable")
                .as_deref(),
            Some("true"),
            "{}",
            check.text().await.unwrap_or_default()
        );
    }
    let rows = client
        .find_all(Locator::Css("[data-testid=task-table] tbody tr"))
        .await
        .expect("task rows");
    assert_eq!(rows.len(), 1, "one traced task: main");
    assert_eq!(
        rows[0]
            .attr("data-task-state")
            .await
            .expect("readable")
            .as_deref(),
        Some("done")
    );

    save_screenshot(
        "hello-sleep.png",
        &client.screenshot().await.expect("screenshot"),
    );
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn bad_url_params_are_explained_and_the_api_still_runs() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e", &[]).await;

    client
        .goto(&format!(
            "http://{site}/?scenario=hello-sleep&run=1&delay_ms=abc"
        ))
        .await
        .expect("page loads");
    let notice = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[data-testid=notice]"))
        .await
        .expect("an in-page message");
    assert!(notice
        .text()
        .await
        .expect("text")
        .contains("delay_ms must be a number from 0 to 60000, got 'abc'"));
    let state = client
        .find(Locator::Css("[data-scenario=hello-sleep]"))
        .await
        .expect("lesson root")
        .attr("data-run-state")
        .await
        .expect("readable");
    assert_eq!(state.as_deref(), Some("idle"), "a refused URL does not run");

    let report = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.asyncscope.run('hello-sleep', {delay_ms: 120})
               .then(done, e => done({rejected: String(e && e.message)}));",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(report["state"], "done", "{report}");
    assert_eq!(report["lines"][0]["text"], "Hello");
    assert_eq!(report["lines"][1]["text"], "World");
    let gap = report["lines"][1]["t_ms"].as_f64().unwrap_or(0.0)
        - report["lines"][0]["t_ms"].as_f64().unwrap_or(f64::MAX);
    assert!(gap >= 120.0, "{report}");
    assert!(
        report["checks"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["ok"] == true)),
        "{report}"
    );

    // The trace of that run, through the contract.
    let tasks = client
        .execute("return window.asyncscope.tasks();", vec![])
        .await
        .expect("tasks()");
    assert_eq!(tasks.as_array().map(Vec::len), Some(1), "{tasks}");
    assert_eq!(tasks[0]["name"], "main");
    assert_eq!(tasks[0]["state"], "done");
    assert_eq!(tasks[0]["polls"], 2);
    assert_eq!(tasks[0]["wakes"], 1);
    for key in [
        "id",
        "parent",
        "self_wakes",
        "busy_ms",
        "idle_ms",
        "scheduled_ms",
        "total_ms",
        "location",
    ] {
        assert!(tasks[0].get(key).is_some(), "tasks() lacks {key}: {tasks}");
    }
    let trace = client
        .execute("return window.asyncscope.trace();", vec![])
        .await
        .expect("trace()");
    let phases: Vec<&str> = trace["traceEvents"]
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["ph"].as_str()).collect())
        .unwrap_or_default();
    for ph in ["b", "e", "X", "s", "f"] {
        assert!(
            phases.contains(&ph),
            "the Chrome trace has no '{ph}' event: {phases:?}"
        );
    }

    let rejected = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.asyncscope.run('hello-sleep', {delay_ms: 99999})
               .then(() => done('resolved'), e => done(String(e.message)));",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(rejected, "delay_ms must be from 0 to 60000, got 99999");
    save_screenshot(
        "bad-params.png",
        &client.screenshot().await.expect("screenshot"),
    );
    client.close().await.expect("session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn every_lesson_runs_from_its_url_and_passes_its_own_checks() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e", &[]).await;
    client
        .goto(&format!("http://{site}/"))
        .await
        .expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[data-scenario]"))
        .await
        .expect("the app starts");
    let lessons = client
        .execute(
            "return window.asyncscope.scenarios().map(s => s.id);",
            vec![],
        )
        .await
        .expect("scenarios()");
    let ids: Vec<String> = serde_json::from_value(lessons).expect("a list of ids");
    assert!(!ids.is_empty());
    for id in ids {
        client
            .goto(&format!("http://{site}/?scenario={id}&run=1"))
            .await
            .expect("page loads");
        let finished = format!(
            r#"[data-scenario="{id}"][data-run-state="done"], [data-scenario="{id}"][data-run-state="failed"], [data-scenario="{id}"][data-run-state="cancelled"]"#
        );
        let root = client
            .wait()
            .at_most(Duration::from_secs(60))
            .for_element(Locator::Css(&finished))
            .await
            .unwrap_or_else(|e| panic!("{id} never finished: {e}"));
        let state = root.attr("data-run-state").await.expect("readable");
        save_screenshot(
            &format!("lesson-{id}.png"),
            &client.screenshot().await.expect("screenshot"),
        );
        assert_eq!(state.as_deref(), Some("done"), "{id} ended {state:?}");
        let checks = client
            .find_all(Locator::Css("[data-testid=checks] li"))
            .await
            .expect("checks");
        assert!(!checks.is_empty(), "{id} judged nothing");
        for check in checks {
            assert_eq!(
                check
                    .attr("data-check-ok")
                    .await
                    .expect("readable")
                    .as_deref(),
                Some("true"),
                "{id}: {}",
                check.text().await.unwrap_or_default()
            );
        }
    }
    client.close().await.expect("session closed");
}

/// Counts the distinct colours in the timeline canvas: a blank canvas has one.
const CANVAS_COLOURS: &str = "
    const c = document.querySelector('[data-testid=timeline]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 16) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;";

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

async fn row_states(client: &Client) -> Vec<String> {
    let mut states = Vec::new();
    for row in client
        .find_all(Locator::Css("[data-testid=task-table] tbody tr"))
        .await
        .expect("rows")
    {
        states.push(
            row.attr("data-task-state")
                .await
                .ok()
                .flatten()
                .unwrap_or_default(),
        );
    }
    states
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn the_trace_panel_draws_replays_exports_and_themes() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e", &[]).await;
    client
        .goto(&format!(
            "http://{site}/?scenario=hello-sleep&run=1&delay_ms=300"
        ))
        .await
        .expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(r#"[data-run-state="done"]"#))
        .await
        .expect("the run ends");

    // A row per task, as the tracer counts them.
    let tasks = client
        .execute("return window.asyncscope.tasks().length;", vec![])
        .await
        .expect("tasks()");
    assert_eq!(
        row_states(&client).await.len() as u64,
        tasks.as_u64().unwrap_or(0)
    );
    assert_eq!(row_states(&client).await, vec!["done"]);

    // The timeline canvas is drawn.
    let colours = client
        .execute(CANVAS_COLOURS, vec![])
        .await
        .expect("pixels");
    assert!(
        colours.as_u64().unwrap_or(0) > 3,
        "the timeline looks blank: {colours} colours"
    );

    // The scrubber replays: at the first event the task was just spawned, not done.
    client
        .execute(
            "const s = document.querySelector('[data-testid=scrubber]');
             s.value = s.min; s.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await
        .expect("scrub");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while row_states(&client).await != vec!["scheduled"] {
        assert!(
            std::time::Instant::now() < deadline,
            "replay shows {:?}",
            row_states(&client).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let position = client
        .find(Locator::Css("[data-testid=scrub-position]"))
        .await
        .expect("position")
        .text()
        .await
        .expect("text");
    assert!(position.contains("spawned"), "{position}");
    save_screenshot(
        "ui-replay.png",
        &client.screenshot().await.expect("screenshot"),
    );
    click(&client, ".scrubber-row button:last-of-type").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while row_states(&client).await != vec!["done"] {
        assert!(
            std::time::Instant::now() < deadline,
            "back to live: {:?}",
            row_states(&client).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The download is the Chrome trace, and it parses.
    let exported = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             HTMLAnchorElement.prototype.click = function () {
               fetch(this.href).then(r => r.text())
                 .then(t => done({name: this.download, events: JSON.parse(t).traceEvents.length}),
                       e => done({error: String(e)}));
             };
             document.querySelector('[data-testid=export-trace]').click();",
            vec![],
        )
        .await
        .expect("download");
    assert_eq!(
        exported["name"], "asyncscope-hello-sleep.trace.json",
        "{exported}"
    );
    assert!(exported["events"].as_u64().unwrap_or(0) > 5, "{exported}");

    // A task's detail opens from its row, with the poll histogram.
    click(&client, "[data-testid=task-table] tbody tr").await;
    client
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(
            "[data-testid=task-detail] [data-testid=poll-histogram]",
        ))
        .await
        .expect("the detail opens");

    // Each main view, in both themes.
    for theme in ["light", "dark"] {
        while client
            .find(Locator::Css("[data-testid=theme-switch]"))
            .await
            .expect("switch")
            .attr("data-theme-choice")
            .await
            .ok()
            .flatten()
            .as_deref()
            != Some(theme)
        {
            click(&client, "[data-testid=theme-switch]").await;
        }
        let html_theme = client
            .execute("return document.documentElement.dataset.theme;", vec![])
            .await
            .expect("theme");
        assert_eq!(html_theme, theme);
        for (tab, name) in [(1, "tasks"), (2, "warnings"), (3, "resources"), (4, "loop")] {
            click(&client, &format!(".tabs button:nth-child({tab})")).await;
            tokio::time::sleep(Duration::from_millis(100)).await; // a frame to draw; only for the picture
            save_screenshot(
                &format!("ui-{name}-{theme}.png"),
                &client.screenshot().await.expect("screenshot"),
            );
        }
    }
    client.close().await.expect("session closed");
}
