//! End-to-end: the release build (`trunk build --release` into dist/), served on loopback by a
//! small static file server (tests/support), driven in headless Chromium through chromedriver.
//!
//! The server sends no headers but the file's type, as a static host (GitHub Pages) does, so the
//! page is cross-origin isolated by the app's service worker: on a first visit after one reload.
//! Each test opens its own origin (a new port), so each one's first visit is a first visit.
//!
//! Ignored by a plain `cargo test` because it needs the build and a browser; `./dev test` builds
//! dist/ and runs it with `cargo test --test e2e -- --ignored`. Screenshots go to target/e2e/.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use support::{
    app_started, browser, devtools, dist, fetch_concurrency_script, page_isolation,
    record_csp_violations, save_screenshot, serve, serve_isolated, start_chromedriver,
    text_when_shown, CONTROLLED, CSP_VIOLATIONS, ISOLATION_HEADERS, ROOT,
};

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

/// A script run at each document's start: when the trace panel's task table first comes into the
/// page, notes in `window.__panelCame` how many tasks the tracer held then
/// (`window.asyncscope.tasks()`) and the lesson's `data-run-state`.
const PANEL_CAME: &str = "window.__panelCame = null;
    new MutationObserver((_, observer) => {
      if (!document.querySelector('[data-testid=task-table]')) return;
      observer.disconnect();
      const lesson = document.querySelector('[data-run-state]');
      window.__panelCame = {tasks: window.asyncscope ? window.asyncscope.tasks().length : null,
                            state: lesson && lesson.dataset.runState};
    }).observe(document, {childList: true, subtree: true});";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn hello_sleep_runs_from_the_url_in_chromium() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e", &[]).await;
    // Notes, in each document from its start, what the tracer held when the trace panel came.
    devtools(
        &client,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": PANEL_CAME }),
    )
    .await;

    client
        .goto(&format!("http://{site}/?scenario=hello-sleep&run=1"))
        .await
        .expect("page loads");
    // The trace panel follows the run live: in the release site its code is in the lessons
    // chunk, which a run shown live awaits before it starts (src/ui/trace.rs), so the panel
    // lists main while the run is under way (it sleeps 1 s), not only once it is done...
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .every(Duration::from_millis(20))
        .for_element(Locator::Css(
            r#"[data-scenario="hello-sleep"][data-run-state="running"] [data-testid=task-table] tbody tr[data-task-id]"#,
        ))
        .await
        .expect("the trace panel lists the run's task while it runs");
    // ...and it came before the run started (the run shown, no task of it traced yet), so that
    // its first render did not land among the run's polls.
    let came = client
        .execute("return window.__panelCame;", vec![])
        .await
        .expect("script runs");
    assert_eq!(came, json!({"tasks": 0, "state": "running"}), "{came}");
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
    // The release build says it is one, and shows no "debug build" badge.
    let build = client
        .find(Locator::Css(".app[data-build]"))
        .await
        .expect("the app's root")
        .attr("data-build")
        .await
        .expect("readable");
    assert_eq!(build.as_deref(), Some("release"));
    assert!(
        client
            .find(Locator::Css("[data-testid=build-badge]"))
            .await
            .is_err(),
        "no debug badge in the release build"
    );

    // A first visit on a static host: the page reloaded once, through the service worker, which
    // isolated it, and the run happened there (its lines and checks above).
    let isolation = page_isolation(&client).await;
    assert_eq!(isolation["isolated"], true, "{isolation}");
    assert_eq!(isolation["navigation"], "reload", "{isolation}");
    assert_eq!(isolation["controlled"], true, "{isolation}");

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
        .find_all(Locator::Css(
            "[data-testid=task-table] tbody tr[data-task-id]",
        ))
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
    // Under the app's Content-Security-Policy (its meta tag, and the service worker's header):
    // no lesson does anything the policy forbids, from the page's first script on.
    record_csp_violations(&client).await;
    client
        .goto(&format!("http://{site}/"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
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
        let violations = client
            .execute(CSP_VIOLATIONS, vec![])
            .await
            .expect("readable");
        assert_eq!(violations, serde_json::json!([]), "{id}: CSP violations");
        let csp = client
            .execute(
                "return document.querySelector('meta[http-equiv=Content-Security-Policy]')?.content;",
                vec![],
            )
            .await
            .expect("readable");
        assert!(
            csp.as_str()
                .is_some_and(|c| c.contains("script-src 'self' 'wasm-unsafe-eval'")),
            "{id}: the page has no CSP: {csp}"
        );
        assert_eq!(state.as_deref(), Some("done"), "{id} ended {state:?}");
        // Each lesson ran in a cross-origin isolated page: the fine clock, COEP on its fetches.
        let isolation = page_isolation(&client).await;
        assert_eq!(isolation["isolated"], true, "{id}: {isolation}");
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
        .find_all(Locator::Css(
            "[data-testid=task-table] tbody tr[data-task-id]",
        ))
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
             // The blob the link points at, read as the download would save it (a fetch of its
             // blob: URL is a connection the page's Content-Security-Policy does not allow).
             let saved = null;
             const create = URL.createObjectURL;
             URL.createObjectURL = (blob) => { saved = blob; return create.call(URL, blob); };
             HTMLAnchorElement.prototype.click = function () {
               (saved ? saved.text() : Promise.reject(new Error('no blob made for ' + this.href)))
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
    click(&client, "[data-testid=task-table] tbody tr[data-task-id]").await;
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

/// Runs db-query in `mode` through `window.asyncscope.run` and gives its report.
async fn run_db_query(client: &Client, mode: &str) -> serde_json::Value {
    let report = client
        .execute_async(
            "const [mode, done] = arguments;
             window.asyncscope.run('db-query', {mode})
               .then(done, e => done({rejected: String(e && e.message)}));",
            vec![serde_json::Value::String(mode.to_string())],
        )
        .await
        .expect("script runs");
    assert_eq!(report["state"], "done", "{mode}: {report}");
    let checks = report["checks"].as_array().cloned().unwrap_or_default();
    assert!(!checks.is_empty(), "{mode}: {report}");
    for check in &checks {
        assert_eq!(check["ok"], true, "{mode}: {check}");
    }
    report
}

fn report_lines(report: &serde_json::Value) -> Vec<String> {
    report["lines"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| l["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn db_query_prints_the_rows_in_order_and_a_written_row_survives_a_reload() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-db", &[]).await;
    let seeded = ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')"];
    let lesson = Locator::Css(r#"[data-scenario="db-query"]"#);

    // No database yet: the first query creates and fills it.
    client
        .goto(&format!("http://{site}/?scenario=db-query"))
        .await
        .expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(lesson)
        .await
        .expect("the app starts");
    let deleted = client
        .execute_async(
            "const done = arguments[0];
             const r = indexedDB.deleteDatabase('asyncscope-lessons');
             r.onsuccess = () => done('deleted');
             r.onerror = () => done('error: ' + r.error);
             r.onblocked = () => done('blocked');",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(deleted, "deleted");

    // The seed's query, run from its URL: the rows in id order, in the page's log.
    client
        .goto(&format!("http://{site}/?scenario=db-query&run=1"))
        .await
        .expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(
            r#"[data-scenario="db-query"][data-run-state="done"]"#,
        ))
        .await
        .expect("the run reaches data-run-state=done");
    let lines = log_lines(&client).await;
    let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, seeded);
    assert!(lines.windows(2).all(|w| w[0].0 <= w[1].0), "{lines:?}");
    for check in client
        .find_all(Locator::Css("[data-testid=checks] li"))
        .await
        .expect("checks")
    {
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
    save_screenshot(
        "db-query.png",
        &client.screenshot().await.expect("screenshot"),
    );

    // The write variant commits (4, 'Dave') and reads it back.
    let write = run_db_query(&client, "write").await;
    let written = report_lines(&write);
    assert_eq!(written[..3], seeded);
    assert_eq!(written.last().map(String::as_str), Some("(4, 'Dave')"));

    // A new page load: the row is read back from the browser's storage.
    client.refresh().await.expect("page reloads");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(lesson)
        .await
        .expect("the app starts again");
    let query = run_db_query(&client, "query").await;
    assert_eq!(
        report_lines(&query),
        ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')", "(4, 'Dave')"]
    );
    let notes = query["notes"].to_string();
    assert!(
        notes.contains("(4, 'Dave') was written by the page loaded"),
        "{notes}"
    );
    let reload = run_db_query(&client, "reload").await;
    assert_eq!(report_lines(&reload), ["(4, 'Dave')"]);
    let survived = reload["checks"]
        .as_array()
        .and_then(|checks| {
            checks.iter().find(|c| {
                c["name"] == "a row committed by an earlier page load is read in this one"
            })
        })
        .cloned();
    assert!(
        survived.as_ref().is_some_and(|c| c["ok"] == true),
        "{reload}"
    );
    client.close().await.expect("session closed");
}

/// A GET of `path` from the static server over a plain socket: the status line, the
/// Content-Type and the body as text.
fn http_get(site: std::net::SocketAddr, path: &str) -> (String, String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(site).expect("the static server");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {site}\r\n\r\n").expect("request sent");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("a response");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.lines().next().unwrap_or("").to_string();
    let kind = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or("")
        .to_string();
    (status, kind, body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn the_service_worker_is_served_as_javascript_and_answers_100_delays_at_once() {
    let site = serve(dist());
    // The static server gives the worker's script a JS type (browsers refuse it otherwise), with
    // the server bundle's version written in by the build.
    let (status, kind, body) = http_get(site, "/sw.js");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        kind.starts_with("text/javascript"),
        "sw.js served as {kind}"
    );
    assert!(
        body.contains("importScripts(`./server.js?v=${VERSION}`)"),
        "{body}"
    );
    // ./offline-shell wrote the build's version and its file list (the offline copy) in.
    assert!(
        !body.contains("__ASYNCSCOPE_VERSION__"),
        "the build did not write its version into sw.js"
    );
    assert!(
        body.contains("const SHELL = ['") && body.contains("'./'"),
        "the build did not write its file list (with the page as ./) into sw.js"
    );
    // It adds the same isolation headers as Trunk.toml sends under `trunk serve`.
    let trunk_toml =
        std::fs::read_to_string(Path::new(ROOT).join("Trunk.toml")).expect("Trunk.toml");
    for (name, value) in ISOLATION_HEADERS {
        let pair = format!("['{name}', '{value}']");
        assert!(body.contains(&pair), "sw.js does not add {pair}");
        let setting = format!("\"{name}\" = \"{value}\"");
        assert!(
            trunk_toml.contains(&setting),
            "Trunk.toml does not send {setting}"
        );
    }
    let (_, kind, _) = http_get(site, "/server.js");
    assert!(
        kind.starts_with("text/javascript"),
        "server.js served as {kind}"
    );
    let (_, kind, _) = http_get(site, "/server_bg.wasm");
    assert_eq!(kind, "application/wasm");

    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-server", &[]).await;
    client
        .goto(&format!("http://{site}/"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    let script = fetch_concurrency_script();
    let result = client.execute_async(&script, vec![]).await;
    // Closed before judging, so that a failed assertion leaves no browser behind.
    client.close().await.expect("session closed");
    let result = result.expect("script runs");
    assert!(result.get("error").is_none(), "{result}");
    assert_eq!(result["one"]["by"], "asyncscope service worker", "{result}");
    assert_eq!(result["ok"], 100, "{result}");
    assert_eq!(
        result["inFlight"], 100,
        "the server had all 100 at once: {result}"
    );
    let one = result["oneMs"].as_f64().unwrap_or(0.0);
    let all = result["allMs"].as_f64().unwrap_or(f64::MAX);
    let ratio = all / one;
    println!(
        "fetch_concurrency: 100 concurrent /api/delay/500 in {all:.0} ms, one in {one:.0} ms: \
         {ratio:.2}x one (best of 5 rounds: {})",
        result["rounds"]
    );
    assert!(one >= 500.0 && all >= 500.0, "{result}");
    // Concurrent, not one after another (which would take 100x): the speed target (1.2x)
    // lives in the benchmark's fetch_concurrency, since on a loaded 2-core machine it moves.
    assert!(ratio < 2.0, "100 concurrent delays took {ratio:.2}x one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_new_build_of_the_worker_takes_over_the_open_page_at_once() {
    // A copy of the build whose sw.js changes, as a new build's does.
    let copy = std::env::temp_dir().join(format!("asyncscope-e2e-update-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).expect("a temp folder");
    for entry in std::fs::read_dir(dist()).expect("dist/").flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copied");
        }
    }
    let site = serve(copy.clone());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-update", &[]).await;
    client
        .goto(&format!("http://{site}/"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    let controlled = format!(
        "const done = arguments[arguments.length - 1];
         (async () => {{ {CONTROLLED} done('controlled'); }})().catch(e => done(String(e)));",
        CONTROLLED = CONTROLLED
    );
    let state = client.execute_async(&controlled, vec![]).await;
    if !matches!(&state, Ok(s) if s == "controlled") {
        client.close().await.expect("session closed");
        panic!("the worker never controlled the page: {state:?}");
    }

    let sw = copy.join("sw.js");
    let script = std::fs::read_to_string(&sw).expect("sw.js");
    let next = script.replacen("const VERSION = '", "const VERSION = 'next-", 1);
    assert_ne!(script, next, "sw.js has a VERSION line");
    std::fs::write(&sw, next).expect("sw.js rewritten");

    let update = "const done = arguments[arguments.length - 1];
        (async () => {
            const old = navigator.serviceWorker.controller;
            const changed = new Promise(r =>
                navigator.serviceWorker.addEventListener('controllerchange', r, {once: true}));
            const registration = await navigator.serviceWorker.getRegistration();
            await registration.update();
            await changed;
            const replaced = navigator.serviceWorker.controller !== old;
            const r = await fetch('/api/hello/again');
            done({replaced, status: r.status, text: await r.text()});
        })().catch(e => done({error: String(e)}));";
    let result = client.execute_async(update, vec![]).await;
    client.close().await.expect("session closed");
    let _ = std::fs::remove_dir_all(&copy);
    let result = result.expect("script runs");
    assert_eq!(result["replaced"], true, "{result}");
    assert_eq!(result["text"], "<h1>Hello, again!</h1>", "{result}");
}

/// Starts the chat lesson in the current window without waiting for it (`window.__chat`).
async fn start_chat(client: &Client, url: &str) {
    client.goto(url).await.expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(r#"[data-scenario="chat"]"#))
        .await
        .expect("the app starts");
    client
        .execute(
            "window.__chat = window.asyncscope.run('chat', {peer: 'tab', wait_s: 60})
               .catch(e => ({rejected: String(e && e.message)}));
             return true;",
            vec![],
        )
        .await
        .expect("the run starts");
}

/// The report of the run [`start_chat`] started in the current window.
async fn chat_report(client: &Client) -> serde_json::Value {
    client
        .execute_async(
            "const done = arguments[0]; window.__chat.then(done);",
            vec![],
        )
        .await
        .unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}))
}

/// The name a chat run gave itself ("this tab is tab-1a2b in the room ...").
fn chat_name(report: &serde_json::Value) -> String {
    report["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["text"].as_str())
        .find_map(|n| n.strip_prefix("this tab is "))
        .and_then(|n| n.split(' ').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn chat_between_two_windows_exchanges_lines_both_ways() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-chat", &[]).await;
    let url = format!("http://{site}/?scenario=chat");
    // The first window waits for another participant; the second joins it.
    start_chat(&client, &url).await;
    let first = client.window().await.expect("a window");
    let second = client
        .new_window(false)
        .await
        .expect("a second window")
        .handle;
    client
        .switch_to_window(second)
        .await
        .expect("switched to the second window");
    start_chat(&client, &url).await;
    let b = chat_report(&client).await;
    client.switch_to_window(first).await.expect("switched back");
    let a = chat_report(&client).await;
    // Closed before judging, so that a failed assertion leaves no browser behind.
    client.close().await.expect("session closed");

    for report in [&a, &b] {
        assert_eq!(report["state"], "done", "{report}");
        let checks = report["checks"].as_array().cloned().unwrap_or_default();
        assert!(!checks.is_empty(), "{report}");
        for check in &checks {
            assert_eq!(check["ok"], true, "{check}");
        }
    }
    let (name_a, name_b) = (chat_name(&a), chat_name(&b));
    assert!(name_a.starts_with("tab-") && name_b.starts_with("tab-") && name_a != name_b);
    let received = |report: &serde_json::Value| -> Vec<String> {
        report_lines(report)
            .into_iter()
            .filter(|l| l.starts_with("Line received: "))
            .collect()
    };
    // Each window got the other's lines, in order, the terminator inside one kept.
    for (report, other) in [(&a, &name_b), (&b, &name_a)] {
        assert_eq!(
            received(report),
            [
                format!("Line received: {other}: Hello, World"),
                format!("Line received: {other}: two lines\nin one message"),
            ],
            "{report}"
        );
    }
}

/// An attribute of the first element matching `css`, as a number.
async fn number_attr(client: &Client, css: &str, name: &str) -> f64 {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .attr(name)
        .await
        .expect("readable")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{css} has no numeric {name}"))
}

/// Moves the pointer over the timeline at (`x`, `y`) CSS px from its top left corner and gives
/// the hover card's text.
async fn hover_card(client: &Client, x: f64, y: f64) -> String {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction};
    let canvas = client
        .find(Locator::Css("[data-testid=timeline]"))
        .await
        .expect("the timeline");
    let size = client
        .execute(
            "const c = document.querySelector('[data-testid=timeline]');
             return [c.clientWidth, c.clientHeight];",
            vec![],
        )
        .await
        .expect("its size");
    let (w, h) = (
        size[0].as_f64().unwrap_or(0.0),
        size[1].as_f64().unwrap_or(0.0),
    );
    let moves = MouseActions::new("mouse".to_string()).then(PointerAction::MoveToElement {
        element: canvas,
        duration: None,
        x: x - w / 2.0,
        y: y - h / 2.0,
    });
    client.perform_actions(moves).await.expect("pointer moved");
    text_when_shown(client, ".timeline-tip[role=tooltip]", 5, "a hover card").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn the_timeline_folds_500_siblings_into_a_group_and_counts_the_lock_holders() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e", &[]).await;
    client
        .goto(&format!("http://{site}/?scenario=lock&tasks=500&run=1"))
        .await
        .expect("page loads");
    // 500 tasks taking a lock in turn, each holding it across a 10 ms sleep: 5 s at the least;
    // far more on a busy machine, whose page redraws its 500-row task table as it goes.
    client
        .wait()
        .at_most(Duration::from_secs(240))
        .for_element(Locator::Css(
            r#"[data-scenario="lock"][data-run-state="done"]"#,
        ))
        .await
        .expect("the run ends");
    let timeline = "[data-testid=timeline]";
    // main, and its 500 increment-N folded into one row; the lock's holders as a track.
    assert_eq!(number_attr(&client, timeline, "data-groups").await, 1.0);
    assert_eq!(number_attr(&client, timeline, "data-rows").await, 2.0);
    assert_eq!(number_attr(&client, timeline, "data-tracks").await, 1.0);
    let group = r#"[data-testid=timeline-group][data-group="increment-"]"#;
    assert_eq!(number_attr(&client, group, "data-group-size").await, 500.0);
    let expanded = |client: Client| async move {
        client
            .find(Locator::Css(group))
            .await
            .expect("the group's button")
            .attr("aria-expanded")
            .await
            .expect("readable")
    };
    assert_eq!(expanded(client.clone()).await.as_deref(), Some("false"));
    let label = client
        .find(Locator::Css(timeline))
        .await
        .expect("canvas")
        .attr("aria-label")
        .await
        .expect("readable")
        .unwrap_or_default();
    assert!(
        label.contains("501 tasks") && label.contains("1 counter tracks"),
        "{label}"
    );
    let colours = client
        .execute(CANVAS_COLOURS, vec![])
        .await
        .expect("pixels");
    assert!(
        colours.as_u64().unwrap_or(0) > 6,
        "the timeline looks bare: {colours} colours"
    );
    // The group's row (the second, under main) says what its tasks were doing.
    let card = hover_card(&client, 700.0, 44.0 + 20.0 + 10.0).await;
    assert!(card.contains("increment-* ×500: 500 tasks"), "{card}");
    // The lock's track: never more than its one permit.
    let wrap = client
        .find(Locator::Css(".timeline-wrap"))
        .await
        .expect("the timeline's box");
    save_screenshot(
        "timeline-lock-500.png",
        &wrap.screenshot().await.expect("screenshot"),
    );
    let height = client
        .execute(
            "return document.querySelector('[data-testid=timeline]').clientHeight;",
            vec![],
        )
        .await
        .expect("height")
        .as_f64()
        .unwrap_or(0.0);
    let track = hover_card(&client, 700.0, height - 17.0).await;
    let holders: Option<u32> = track
        .strip_prefix("lock: holders (1 permit): ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok());
    assert!(holders.is_some_and(|h| h <= 1), "{track}");

    // Opened, a lane per task.
    click(&client, group).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while expanded(client.clone()).await.as_deref() != Some("true") {
        assert!(
            std::time::Instant::now() < deadline,
            "the group never opened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(number_attr(&client, timeline, "data-rows").await, 502.0);
    save_screenshot(
        "timeline-lock-500-open.png",
        &wrap.screenshot().await.expect("screenshot"),
    );

    // The semaphore lesson: three tasks, no group, the semaphore's holders under them.
    client
        .goto(&format!("http://{site}/?scenario=semaphore&run=1"))
        .await
        .expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css(
            r#"[data-scenario="semaphore"][data-run-state="done"]"#,
        ))
        .await
        .expect("the run ends");
    assert_eq!(number_attr(&client, timeline, "data-groups").await, 0.0);
    assert_eq!(number_attr(&client, timeline, "data-tracks").await, 1.0);
    let wrap = client
        .find(Locator::Css(".timeline-wrap"))
        .await
        .expect("the timeline's box");
    save_screenshot(
        "timeline-semaphore.png",
        &wrap.screenshot().await.expect("screenshot"),
    );
    // count-2's lane (the third row): a hover card that names what it waited for.
    let card = hover_card(&client, 420.0, 44.0 + 2.0 * 20.0 + 10.0).await;
    assert!(card.starts_with("count-2 #"), "{card}");
    save_screenshot(
        "timeline-semaphore-hover.png",
        &wrap.screenshot().await.expect("screenshot"),
    );
    client.close().await.expect("session closed");
}

/// Runs hello-sleep from its URL in the current window and waits for it to finish; its state.
/// `delay_ms` differs from visit to visit: a navigation to the very URL shown counts as a reload.
async fn run_hello_sleep(
    client: &Client,
    site: std::net::SocketAddr,
    delay_ms: u32,
) -> Option<String> {
    client
        .goto(&format!(
            "http://{site}/?scenario=hello-sleep&run=1&delay_ms={delay_ms}"
        ))
        .await
        .expect("page loads");
    let root = client
        .wait()
        .at_most(Duration::from_secs(40))
        .for_element(Locator::Css(
            r#"[data-scenario="hello-sleep"]:not([data-run-state="idle"]):not([data-run-state="running"])"#,
        ))
        .await
        .expect("the run ends");
    root.attr("data-run-state").await.expect("readable")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn served_with_the_headers_the_page_is_isolated_at_once_and_its_worker_runs() {
    // As under `trunk serve`: the headers on every response, the Web Worker's script included.
    let site = serve_isolated(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-headers", &[]).await;
    client
        .goto(&format!(
            "http://{site}/?scenario=blocking&run=1&variant=worker"
        ))
        .await
        .expect("page loads");
    let finished = client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css(
            r#"[data-scenario="blocking"][data-run-state="done"], [data-scenario="blocking"][data-run-state="failed"]"#,
        ))
        .await;
    let isolation = page_isolation(&client).await;
    let state = match finished {
        Ok(root) => root.attr("data-run-state").await.ok().flatten(),
        Err(e) => Some(format!("never finished: {e}")),
    };
    client.close().await.expect("session closed");
    assert_eq!(state.as_deref(), Some("done"));
    assert_eq!(isolation["isolated"], true, "{isolation}");
    assert_eq!(
        isolation["navigation"], "navigate",
        "isolated by the headers, no reload: {isolation}"
    );
}

/// A copy of dist/ in a temp folder whose sw.js is `sw` (None: no sw.js at all).
fn dist_copy(name: &str, sw: Option<&dyn Fn(String) -> String>) -> std::path::PathBuf {
    let copy = std::env::temp_dir().join(format!("asyncscope-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).expect("a temp folder");
    for entry in std::fs::read_dir(dist()).expect("dist/").flatten() {
        if entry.path().is_file() && entry.file_name() != "sw.js" {
            std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copied");
        }
    }
    if let Some(sw) = sw {
        let script = std::fs::read_to_string(dist().join("sw.js")).expect("sw.js");
        std::fs::write(copy.join("sw.js"), sw(script)).expect("sw.js written");
    }
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn where_no_worker_isolates_the_page_it_runs_as_it_is_after_one_reload_at_most() {
    // No service worker at all (sw.js missing): no reload, the run happens, nothing alarming.
    let without = dist_copy("no-sw", None);
    // A worker whose headers do not isolate (as in a browser without COEP credentialless): it
    // takes control, the page reloads once, stays unisolated, and never reloads again.
    let unsafe_none = |script: String| {
        let weak = script.replace("'credentialless'", "'unsafe-none'");
        assert_ne!(weak, script, "sw.js sends COEP credentialless");
        weak
    };
    let weak = dist_copy("weak-sw", Some(&unsafe_none));
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-fallback", &[]).await;

    let mut seen = Vec::new();
    let site = serve(without.clone());
    let state = run_hello_sleep(&client, site, 200).await;
    let notices = client
        .find_all(Locator::Css("[data-testid=notice]"))
        .await
        .map(|n| n.len())
        .unwrap_or(usize::MAX);
    seen.push(("no worker", state, page_isolation(&client).await, notices));
    let site = serve(weak.clone());
    for (visit, delay_ms) in [
        ("weak worker, first visit", 200),
        ("weak worker, second visit", 210),
    ] {
        let state = run_hello_sleep(&client, site, delay_ms).await;
        seen.push((visit, state, page_isolation(&client).await, 0));
    }
    client.close().await.expect("session closed");
    let _ = std::fs::remove_dir_all(&without);
    let _ = std::fs::remove_dir_all(&weak);

    for (visit, state, isolation, _) in &seen {
        assert_eq!(state.as_deref(), Some("done"), "{visit}: {isolation}");
        assert_eq!(isolation["isolated"], false, "{visit}: {isolation}");
    }
    let navigations: Vec<&serde_json::Value> = seen.iter().map(|s| &s.2["navigation"]).collect();
    assert_eq!(navigations, ["navigate", "reload", "navigate"], "{seen:?}");
    assert_eq!(
        seen[0].3, 0,
        "the page without a worker said nothing alarming"
    );
}

/// `one-thread` at its largest (100 coroutines) in the page that shows it live, 20 runs in a
/// row: every run passes the lesson's own checks ("every Hello Again! at about 1000 ms", at
/// most 100 ms late), so the page's drawing never makes the program it shows late.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn one_thread_at_100_coroutines_passes_its_checks_20_runs_in_20_while_shown_live() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-one-thread", &[]).await;
    client
        .goto(&format!("http://{site}/?scenario=one-thread"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    let mut failures = Vec::new();
    for run in 1..=20 {
        let report = client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const wait = () => window.asyncscope ? Promise.resolve()
                     : new Promise(r => setTimeout(r, 20)).then(wait);
                 wait().then(() => window.asyncscope.run('one-thread', {coroutines: 100}))
                   .then(r => done({state: r.state, elapsed_ms: r.elapsed_ms, lines: r.lines.length,
                                    failed: r.checks.filter(c => !c.ok)}),
                         e => done({error: String(e && e.message)}));",
                vec![],
            )
            .await
            .expect("script runs");
        assert_eq!(report["state"], "done", "run {run}: {report}");
        assert_eq!(report["lines"], 200, "run {run}: {report}");
        if report["failed"].as_array().is_none_or(|f| !f.is_empty()) {
            failures.push(format!("run {run}: {report}"));
        }
    }
    // The page showed the last one: its 200 lines (virtualised), its checks, the live log gone.
    let lines = client
        .find(Locator::Css("[data-testid=log]"))
        .await
        .expect("the log")
        .attr("data-lines")
        .await
        .expect("readable");
    assert_eq!(lines.as_deref(), Some("200"));
    assert!(
        client
            .find(Locator::Css("[data-testid=live]"))
            .await
            .is_err(),
        "no live mark once the run is over"
    );
    assert!(
        failures.is_empty(),
        "{} of 20 failed: {failures:#?}",
        failures.len()
    );
    client.close().await.expect("session closed");
}

/// `?view=none` detaches the views: the run happens (window.asyncscope.run reports every line,
/// `data-run-state` follows it, the checks show at the end) but no log, no trace panel and no
/// live status are drawn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn view_none_runs_the_lesson_without_drawing_it() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-view-none", &[]).await;
    client
        .goto(&format!(
            "http://{site}/?scenario=one-thread&view=none&coroutines=20&run=1"
        ))
        .await
        .expect("page loads");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(
            r#"[data-scenario="one-thread"][data-run-state="done"]"#,
        ))
        .await
        .expect("the run reaches data-run-state=done");
    for absent in [
        "[data-testid=log]",
        "[data-testid=timeline]",
        "[data-testid=task-table]",
        "[data-testid=trace-loading]",
        "[data-testid=live]",
    ] {
        assert!(
            client.find(Locator::Css(absent)).await.is_err(),
            "{absent} is drawn with the views detached"
        );
    }
    client
        .find(Locator::Css("[data-testid=view-none]"))
        .await
        .expect("the page says its views are detached");
    let checks = client
        .find_all(Locator::Css("[data-testid=checks] li[data-check-ok=true]"))
        .await
        .expect("checks");
    assert!(!checks.is_empty(), "the checks show once the run is over");
    let report = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.asyncscope.run('one-thread', {coroutines: 20})
               .then(r => done({state: r.state, lines: r.lines.length,
                                sleeps: window.asyncscope.sleeps().length}),
                     e => done({error: String(e && e.message)}));",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(report["state"], "done", "{report}");
    assert_eq!(report["lines"], 40, "{report}");
    assert_eq!(report["sleeps"], 20, "every sleep is traced: {report}");
    // A view that is neither live nor none is refused, in words, and nothing runs.
    client
        .goto(&format!(
            "http://{site}/?scenario=one-thread&view=off&run=1"
        ))
        .await
        .expect("page loads");
    let notice = text_when_shown(&client, "[data-testid=notice]", 30, "a notice").await;
    assert!(
        notice.contains("view must be live or none, got 'off'"),
        "{notice}"
    );
    client.close().await.expect("session closed");
}

/// The texts of the output's lines, the value of each parameter's control, the status and the
/// run state, as the page shows them.
async fn page_shows(client: &Client) -> serde_json::Value {
    client
        .execute(
            "const q = (s) => document.querySelector(s);
             return {
               lesson: q('[data-scenario]')?.dataset.scenario,
               state: q('[data-scenario]')?.dataset.runState,
               lines: [...document.querySelectorAll('[data-testid=log] li[data-t-ms] .text')].map(l => l.textContent),
               params: Object.fromEntries([...document.querySelectorAll('[data-param]')].map(p => [p.dataset.param, p.value])),
               status: q('[data-testid=status]')?.textContent,
               notice: q('[data-testid=notice]')?.textContent ?? null,
             };",
            vec![],
        )
        .await
        .expect("the page answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_lesson_switch_mid_run_and_duplicate_or_refused_parameters_show_nothing_wrong() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e", &[]).await;

    // Mid-run, the user opens another lesson: the run is cancelled, and none of its lines show
    // in the lesson opened.
    client
        .goto(&format!(
            "http://{site}/?scenario=hello-sleep&delay_ms=1500"
        ))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    // The app's first render may still be replaced (a first visit's one reload for isolation):
    // click the Run button that is there once the page is isolated.
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const wait = () => self.crossOriginIsolated && document.querySelector('[data-testid=run]')
               ? done(true) : setTimeout(wait, 20);
             wait();",
            vec![],
        )
        .await
        .expect("the isolated page");
    click(&client, "[data-testid=run]").await;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            "[data-scenario=hello-sleep] [data-testid=log] li[data-t-ms]",
        ))
        .await
        .expect("Hello shows");
    click(&client, "a[data-lesson=create-task]").await;
    // Wait for the run to be over (its main task no longer running), then two frames.
    let ended = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const over = () => window.asyncscope.tasks().every(t => t.state !== 'running' && t.state !== 'idle' && t.state !== 'scheduled');
             const wait = () => over()
               ? requestAnimationFrame(() => requestAnimationFrame(() => done(window.asyncscope.tasks().map(t => t.state))))
               : setTimeout(wait, 20);
             wait();",
            vec![],
        )
        .await
        .expect("the run ends");
    assert_eq!(ended, serde_json::json!(["cancelled"]), "{ended}");
    let shown = page_shows(&client).await;
    assert_eq!(shown["lesson"], "create-task", "{shown}");
    assert_eq!(shown["state"], "idle", "{shown}");
    assert_eq!(shown["lines"], serde_json::json!([]), "{shown}");
    assert_eq!(shown["status"], "not run yet: press Run", "{shown}");

    // A parameter given twice is refused in words; the form shows its default; nothing runs.
    for (query, notice, params) in [
        (
            "scenario=hello-sleep&run=1&delay_ms=10&delay_ms=300",
            "delay_ms is given 2 times ('10', '300'): give it once",
            serde_json::json!({"delay_ms": "1000"}),
        ),
        (
            "scenario=hello-sleep&run=1&delay_ms=10&delay_ms=70000",
            "delay_ms is given 2 times ('10', '70000'): give it once",
            serde_json::json!({"delay_ms": "1000"}),
        ),
        // A refused choice shows the default, never another valid choice.
        (
            "scenario=errors&panic=xyz",
            "panic must be one of off, on, got 'xyz'",
            serde_json::json!({"panic": "off"}),
        ),
        (
            "scenario=errors&panic=2",
            "panic must be from 0 to 1, got 2",
            serde_json::json!({"panic": "off"}),
        ),
        (
            "scenario=create-task&mode=0.5",
            "mode must be one of tasks, sequential, got '0.5'",
            serde_json::json!({"mode": "tasks"}),
        ),
    ] {
        client
            .goto(&format!("http://{site}/?{query}"))
            .await
            .expect("page loads");
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("[data-testid=notice]"))
            .await
            .expect("an in-page message");
        let shown = page_shows(&client).await;
        assert!(
            shown["notice"].as_str().is_some_and(|n| n.contains(notice)),
            "{query}: {shown}"
        );
        for (name, value) in params.as_object().into_iter().flatten() {
            assert_eq!(&shown["params"][name], value, "{query}: {shown}");
        }
        assert_eq!(shown["state"], "idle", "{query}: {shown}");
    }
    save_screenshot(
        "refused-choice.png",
        &client.screenshot().await.expect("screenshot"),
    );

    // The real service worker: a Latin-1 header comes back, HEAD answers without a body, a
    // binary body comes back whole, and every answer says nosniff.
    let probe = client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 (async () => {{
                    {CONTROLLED}
                    const echo = await fetch('/api/echo', {{method: 'POST', headers: {{'x-latin1': 'café'}},
                        body: new Uint8Array([255, 0, 254])}});
                    const json = await echo.json();
                    const head = await fetch('/api/posts/1', {{method: 'HEAD'}});
                    const bad = await fetch('/api/hello/%ZZ');
                    return {{
                        latin1: json.headers['x-latin1'] ?? null, page_sees: new Headers({{'x-latin1': 'café'}}).get('x-latin1'),
                        body: json.body, encoding: json.body_encoding, bytes: json.body_bytes,
                        nosniff: echo.headers.get('x-content-type-options'),
                        head: [head.status, head.headers.get('content-type'), (await head.text()).length],
                        bad: [bad.status, (await bad.json()).error],
                    }};
                 }})().then(done, (e) => done({{error: String(e)}}));"
            ),
            vec![],
        )
        .await
        .expect("the probe runs");
    assert_eq!(probe["page_sees"], "café", "{probe}");
    // Chromium hands the service worker an empty value for a header whose bytes are not UTF-8
    // (the worker's own JS reads '' for x-latin1: measured with a probe in sw.js), before any
    // Rust runs; the server echoes what arrived (tests/server.rs: 'café' when it arrives). Never
    // another value.
    assert!(
        probe["latin1"] == "café" || probe["latin1"] == "",
        "{probe}"
    );
    assert_eq!(probe["body"], "/wD+", "{probe}");
    assert_eq!(probe["encoding"], "base64", "{probe}");
    assert_eq!(probe["bytes"], 3, "{probe}");
    assert_eq!(probe["nosniff"], "nosniff", "{probe}");
    assert_eq!(
        probe["head"],
        serde_json::json!([200, "application/json", 0]),
        "{probe}"
    );
    assert_eq!(probe["bad"][0], 400, "{probe}");
    client.close().await.expect("session closed");
}
