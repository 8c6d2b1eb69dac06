//! End-to-end: the example app (examples/search), built into dist/examples/search/ after the app
//! (`./dev test` builds both), served with the app on loopback and driven in headless Chromium.
//!
//! It types into the search box as a person would, fast enough that the debounce and the
//! cancellation have work to do, then opens asyncscope's overlay and checks that the example's
//! tasks, its `tracing` spans, the cancellations and the warning it earns are all there. The
//! screenshot (target/e2e/example-overlay.png) is the README's picture of the overlay.
//!
//! What makes the cancellation certain rather than likely: the server takes 1 s to answer (and
//! fails each search's first attempt: the page's "flaky" setting), and the test types the rest
//! of the word only once the page says the search for "ru" is under way: its request is still
//! out when the keystroke comes, unless the test takes a whole second to send it.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::Value;

use support::{
    browser, dist, record_csp_violations, save_screenshot, serve, start_chromedriver,
    CSP_VIOLATIONS,
};

/// Runs `script` (it `return`s a value) until it gives something other than null or false, for
/// `secs` at most; gives that value.
async fn until(client: &Client, what: &str, script: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let value = client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{what}: the page does not answer: {e}"));
        if !value.is_null() && value != Value::Bool(false) {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {secs} s (last: {value})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Script lines that set `root` to the overlay's shadow root, or return null when it has none.
const SHADOW: &str = "const host = document.querySelector('[data-asyncscope-overlay]');
    const root = host && host.shadowRoot;
    if (!root) return null;";

/// Clicks `selector` inside the overlay's shadow root (fantoccini's locators cannot reach in).
async fn click_in_overlay(client: &Client, selector: &str) {
    let script = format!(
        "{SHADOW}
         const el = root.querySelector({selector:?});
         if (!el) return null;
         el.click();
         return true;"
    );
    until(client, &format!("{selector} in the overlay"), &script, 10).await;
}

/// The status line's state and text.
async fn status(client: &Client) -> (String, String) {
    let v = client
        .execute(
            "const s = document.querySelector('[data-testid=status]');
             return s ? [s.dataset.state, s.textContent] : ['', ''];",
            vec![],
        )
        .await
        .expect("the page answers");
    let text = |i: usize| v[i].as_str().unwrap_or_default().to_string();
    (text(0), text(1))
}

/// A row of the overlay's task table.
#[derive(Debug, Clone)]
struct Row {
    state: String,
    kind: String,
    name: String,
}

/// The rows in short, for a failure's message: each name (cut to 60 characters) with its
/// states and how many rows have them.
fn summary(rows: &BTreeMap<u64, Row>) -> String {
    let mut by_name: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    for row in rows.values() {
        let name: String = row.name.chars().take(60).collect();
        *by_name
            .entry(format!("{name} ({})", row.kind))
            .or_default()
            .entry(row.state.as_str())
            .or_default() += 1;
    }
    let lines: Vec<String> = by_name
        .iter()
        .take(60)
        .map(|(name, states)| format!("  {name}: {states:?}"))
        .collect();
    format!("{} rows:\n{}", rows.len(), lines.join("\n"))
}

/// Every row of the overlay's task table, by task id. The table puts only the rows in view in
/// the page, so this scrolls it from top to bottom, collecting, until it has seen as many rows
/// as the table says it lists (`data-rows`), 20 s at most.
async fn task_rows(client: &Client) -> BTreeMap<u64, Row> {
    let read = format!(
        "{SHADOW}
         const table = root.querySelector('table[data-testid=task-table]');
         if (!table) return null;
         const scroller = table.closest('.table-scroll');
         scroller.scrollTop = arguments[0] * scroller.clientHeight / 2;
         const rows = [...table.querySelectorAll('tbody tr[data-task-id]')].map(tr => [
            Number(tr.dataset.taskId), tr.dataset.taskState || '', tr.dataset.taskKind || '',
            (tr.querySelectorAll('td')[2] || {{}}).textContent || '']);
         return {{total: Number(table.dataset.rows), bottom:
            scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1, rows}};"
    );
    let mut seen = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut step = 0u64;
    loop {
        let v = client
            .execute(&read, vec![Value::from(step)])
            .await
            .expect("the page answers");
        for row in v["rows"].as_array().into_iter().flatten() {
            let text = |i: usize| row[i].as_str().unwrap_or_default().to_string();
            if let Some(id) = row[0].as_u64() {
                seen.insert(
                    id,
                    Row {
                        state: text(1),
                        kind: text(2),
                        name: text(3),
                    },
                );
            }
        }
        let total = v["total"].as_u64().unwrap_or(u64::MAX);
        if seen.len() as u64 >= total {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "the task table lists {total} rows; scrolling it showed {}",
            summary(&seen)
        );
        // Half a box further down each time (from the top again after the bottom), with time
        // for the table to draw the rows now in view.
        step = if v["bottom"] == true { 0 } else { step + 1 };
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release builds in dist/ (the app, then examples/search) and chromedriver: run ./dev test"]
async fn the_search_example_debounces_cancels_retries_and_shows_it_in_the_overlay() {
    let dist = dist();
    assert!(
        dist.join("examples/search/index.html").is_file(),
        "{} has no examples/search/: build it after the app with \
         `trunk build --release --config examples/search/Trunk.toml` (./dev test does)",
        dist.display()
    );
    let site = serve(dist);
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-example", &[]).await;
    record_csp_violations(&client).await;
    client
        .goto(&format!("http://{site}/examples/search/"))
        .await
        .expect("page loads");
    // A page of 1280 × 800 CSS pixels, for the screenshot: the window is that plus its frame.
    let frame = client
        .execute(
            "return [outerWidth - innerWidth, outerHeight - innerHeight];",
            vec![],
        )
        .await
        .expect("the page answers");
    let frame = |i: usize| frame[i].as_u64().unwrap_or(0) as u32;
    client
        .set_window_size(1280 + frame(0), 800 + frame(1))
        .await
        .expect("window resized");

    // The page registers the app's service worker and waits until it is in control: its
    // requests to /api/ go to the in-browser server.
    until(
        &client,
        "the service worker controls the page and the search box is ready",
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)
                && !!document.querySelector('.app[data-server=ready] [data-testid=search-input]:not([disabled])');",
        30,
    )
    .await;
    let notices = client
        .find_all(Locator::Css("[data-testid=notice]"))
        .await
        .expect("notices");
    assert!(
        notices.is_empty(),
        "the tracing layer and the overlay started without a problem"
    );
    let input = client
        .find(Locator::Css("[data-testid=search-input]"))
        .await
        .expect("the search box");
    let latency = client
        .find(Locator::Css("[data-testid=latency]"))
        .await
        .expect("the latency setting");
    let mode = client
        .find(Locator::Css("[data-testid=server-mode]"))
        .await
        .expect("the server's behaviour setting");

    // 1. The server down: a search fails after all its attempts, and says so in the page.
    mode.clone()
        .select_by_value("down")
        .await
        .expect("server down");
    latency
        .clone()
        .select_by_value("100")
        .await
        .expect("latency 100 ms");
    input.send_keys("go").await.expect("typed");
    until(
        &client,
        "the failed search's message",
        "const s = document.querySelector('[data-testid=status][data-state=failed]');
         return s && s.textContent;",
        20,
    )
    .await;
    let (_, failure) = status(&client).await;
    assert!(
        failure.contains("failed after 4 attempts") && failure.contains("503"),
        "{failure}"
    );
    assert!(
        client
            .find(Locator::Css("[data-testid=results]"))
            .await
            .is_err(),
        "no results shown for a failed search"
    );
    // Emptied, the box shows nothing and searches nothing.
    input.send_keys("\u{E003}\u{E003}").await.expect("erased");
    until(
        &client,
        "the emptied box",
        "return !!document.querySelector('[data-testid=status][data-state=idle]');",
        10,
    )
    .await;

    // 2. A slow, flaky server: "r" then "u" at once (the debounce drops "r"), and once "ru" is
    // waiting for its answer, "s" then "t": "ru" is aborted in flight, "rus" in its debounce.
    mode.select_by_value("flaky").await.expect("server flaky");
    latency.select_by_value("1000").await.expect("latency 1 s");
    input.send_keys("ru").await.expect("typed");
    until(
        &client,
        "the search for 'ru' under way",
        "const s = document.querySelector('[data-testid=status][data-state=searching]');
         return !!s && s.textContent.includes('“ru”');",
        10,
    )
    .await;
    input.send_keys("st").await.expect("typed");
    let words = until(
        &client,
        "the results for 'rust'",
        "const list = document.querySelector('[data-testid=results][data-query=rust][aria-busy=false]');
         return list && [...list.querySelectorAll('[data-testid=result]')].map(li => li.textContent);",
        20,
    )
    .await;
    let words: Vec<&str> = words
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(words.contains(&"rust"), "{words:?}");
    assert!(
        words.iter().all(|w| w.to_lowercase().contains("rust")),
        "every result holds the query: {words:?}"
    );
    let (state, text) = status(&client).await;
    assert_eq!(state, "done", "{text}");
    // Its first attempt got a 503: the retry got through.
    assert!(text.contains("2 attempts"), "{text}");

    // 3. The overlay: open it from its corner button.
    click_in_overlay(&client, "[data-asyncscope-overlay-toggle]").await;
    until(
        &client,
        "the overlay's task table",
        &format!(
            "{SHADOW} return !!root.querySelector('[data-asyncscope-overlay-drawer] table[data-testid=task-table]');"
        ),
        10,
    )
    .await;
    let rows = task_rows(&client).await;
    let named = |name: &str| -> Vec<(u64, &Row)> {
        rows.iter()
            .filter(|(_, r)| r.name == name)
            .map(|(id, r)| (*id, r))
            .collect()
    };
    // The example's tasks, by the names it gave them: one search per keystroke (g, go, g, r,
    // ru, rus, rust: the box emptied starts none), the connection, the poller.
    let searches = named("debounced-search");
    assert_eq!(searches.len(), 7, "{}", summary(&rows));
    assert_eq!(named("connect-server").len(), 1, "{}", summary(&rows));
    let poller = named("status-poller");
    assert_eq!(poller.len(), 1, "{}", summary(&rows));
    assert_eq!(
        poller[0].1.state, "idle",
        "the poller sleeps between checks"
    );
    for (_, row) in searches.iter().chain(&poller) {
        assert_eq!(row.kind, "spawn", "{row:?}");
    }
    // Stale searches were aborted (g twice, r and rus in their debounce; ru in flight); the last
    // one is done; the one against the server down failed.
    let in_state = |state: &str| searches.iter().filter(|(_, r)| r.state == state).count();
    assert_eq!(in_state("cancelled"), 5, "{searches:#?}");
    assert_eq!(in_state("done"), 1, "{searches:#?}");
    assert_eq!(in_state("failed"), 1, "{searches:#?}");
    // The `tracing` spans, named as tracing's fmt names them: `search{query="rust"}` and the
    // attempts under it, among them those of the aborted search for "ru".
    let spans: Vec<&Row> = rows.values().filter(|r| r.kind == "span").collect();
    let span = |prefix: &str| spans.iter().filter(|r| r.name.starts_with(prefix)).count();
    assert_eq!(span(r#"search{query="rust"}"#), 1, "{spans:#?}");
    assert_eq!(span(r#"search{query="ru"}"#), 1, "{spans:#?}");
    assert_eq!(span(r#"search{query="go"}"#), 1, "{spans:#?}");
    assert!(span("fetch_attempt{") >= 2 + 1 + 4, "{spans:#?}");
    assert!(span("check_status") >= 1, "{spans:#?}");
    assert!(
        spans
            .iter()
            .any(|r| r.name.starts_with(r#"search{query="ru"}"#) && r.state == "cancelled"),
        "the aborted search's span is cancelled with its task: {spans:#?}"
    );

    // The request of the aborted "ru" search: aborted before its body came.
    click_in_overlay(&client, "#trace-tab-resources").await;
    let aborted = until(
        &client,
        "the aborted request of the search for 'ru'",
        &format!(
            "{SHADOW}
             return [...root.querySelectorAll('[data-testid=resource-table] tr[data-resource-kind=fetch]')]
                .map(tr => tr.querySelectorAll('td')[2].textContent)
                .find(t => t.includes('q=ru&') && t.includes('aborted')) || null;"
        ),
        10,
    )
    .await;
    let aborted = aborted.as_str().unwrap_or_default();
    assert!(!aborted.contains("bytes"), "{aborted}");

    // The warning the example earns: the search against the server down failed, and the page
    // had dropped its JoinHandle (it keeps only what aborts the task, and learns the outcome
    // from the task itself), so nobody awaited that error through the handle: error-dropped.
    click_in_overlay(&client, "#trace-tab-warnings").await;
    let warnings = until(
        &client,
        "the error-dropped warning",
        &format!(
            "{SHADOW}
             const items = [...root.querySelectorAll('ul[data-testid=warnings] li[data-warning]')]
                .map(li => [li.dataset.warning, Number(li.dataset.taskId)]);
             return items.some(([kind]) => kind === 'error-dropped') && items;"
        ),
        10,
    )
    .await;
    let failed_search = searches
        .iter()
        .find(|(_, r)| r.state == "failed")
        .map(|(id, _)| *id);
    let dropped: Vec<u64> = warnings
        .as_array()
        .into_iter()
        .flatten()
        .filter(|w| w[0] == "error-dropped")
        .filter_map(|w| w[1].as_u64())
        .collect();
    assert_eq!(
        dropped,
        failed_search.into_iter().collect::<Vec<_>>(),
        "{warnings}"
    );

    // The picture: the results above; below, the drawer scrolled to the last rows of the
    // timeline (the searches) and the top of the task table.
    click_in_overlay(&client, "#trace-tab-tasks").await;
    until(
        &client,
        "the task table, scrolled to its top",
        &format!(
            "{SHADOW}
             const table = root.querySelector('table[data-testid=task-table]');
             if (!table) return null;
             table.closest('.table-scroll').scrollTop = 0;
             const drawer = root.querySelector('[data-asyncscope-overlay-drawer]');
             const tabs = root.querySelector('[role=tablist]');
             drawer.scrollTop += tabs.getBoundingClientRect().top
                - drawer.getBoundingClientRect().top - drawer.clientHeight * 0.62;
             return !!table.querySelector('tbody tr[data-task-id][aria-rowindex=\"2\"]');"
        ),
        10,
    )
    .await;
    save_screenshot(
        "example-overlay.png",
        &client.screenshot().await.expect("screenshot"),
    );

    let violations = client
        .execute(CSP_VIOLATIONS, vec![])
        .await
        .expect("the page answers");
    assert_eq!(violations, serde_json::json!([]), "no CSP violation");
    client.close().await.expect("session closed");
}
