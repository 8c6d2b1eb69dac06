//! The page's layout and accessibility, in the release build (dist/) in Chromium: four lessons
//! at 390, 1024, 1440 and 1920 px, light and dark, each run, each screenshot saved to
//! target/e2e/layout-LESSON-WIDTH-THEME.png (look at them), each checked for what a person
//! would notice (no sideways scrolling, no blank band between the output and the trace, the
//! trace beside the lesson from 1200 px, Run and the status in view however far the page is
//! scrolled, check marks beside their names, the lesson list a drop-down on a phone), and, at
//! 390 and 1440 px, checked by axe-core (npm, installed by ./dev) for serious and critical
//! violations.
//!
//! Ignored by a plain `cargo test`: `./dev test` builds dist/ and runs it.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;

use support::{app_started, browser, dist, save_screenshot, serve, start_chromedriver};

const LESSONS: [&str; 4] = ["hello-sleep", "semaphore", "lock", "fetch-gather"];
const WIDTHS: [u32; 4] = [390, 1024, 1440, 1920];
const THEMES: [&str; 2] = ["light", "dark"];

/// axe-core's script: where ./dev installed it (`ASYNCSCOPE_AXE`), or its default place.
fn axe_script() -> String {
    let path = std::env::var("ASYNCSCOPE_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            Path::new(&home)
                .join(".cache/asyncscope/axe-core-4.11.0/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not at {} ({e}): run ./dev setup, which installs it",
            path.display()
        )
    })
}

/// What the page looks like, measured in it (CSS px).
const GEOMETRY: &str = "
    const r = (sel) => { const e = document.querySelector(sel); return e ? e.getBoundingClientRect() : null; };
    const body = r('.lesson-body'), trace = r('.lesson > .trace');
    // The last thing of the lesson's own column: its bottom, against the top of the trace.
    const kids = [...document.querySelectorAll('.lesson-body > *')].filter(e => e.offsetParent !== null);
    const lastBottom = kids.length ? Math.max(...kids.map(e => e.getBoundingClientRect().bottom)) : 0;
    const checks = [...document.querySelectorAll('[data-testid=checks] li')].map(li => {
        const m = li.querySelector('.mark').getBoundingClientRect(), n = li.querySelector('.name').getBoundingClientRect();
        return {beside: m.right <= n.left + 1 && Math.abs(m.top - n.top) < 6};
    });
    const picker = document.querySelector('[data-testid=lesson-picker]');
    const list = document.querySelector('.lessons .article');
    return {
        inner: innerWidth,
        scroll_width: document.documentElement.scrollWidth,
        beside: !!(body && trace && trace.left >= body.right - 1 && trace.top < body.bottom),
        gap: body && trace && trace.top > body.top ? trace.top - lastBottom : null,
        // From the run bar's bottom to the lesson's top (its title): a band here was the page's
        // grid stretching the lesson to the lesson list's height.
        under_runbar: body && r('[data-testid=runbar]') ? body.top - r('[data-testid=runbar]').bottom : null,
        checks_beside: checks.every(c => c.beside),
        checks: checks.length,
        picker_shown: !!(picker && picker.offsetParent !== null),
        list_shown: !!(list && list.offsetParent !== null),
    };";

/// Scrolls to the bottom of the page: is the run bar in view?
const RUNBAR_AFTER_SCROLL: &str = "
    window.scrollTo(0, document.documentElement.scrollHeight);
    const bar = document.querySelector('[data-testid=runbar]').getBoundingClientRect();
    const tall = document.documentElement.scrollHeight > innerHeight + 50;
    const shown = bar.top >= -1 && bar.bottom <= innerHeight + 1;
    window.scrollTo(0, 0);
    return {tall, shown};";

async fn open_run(client: &Client, site: std::net::SocketAddr, lesson: &str) {
    client
        .goto(&format!("http://{site}/?scenario={lesson}&run=1"))
        .await
        .expect("page loads");
    app_started(client, 30).await;
    client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css(&format!(
            r#"[data-scenario="{lesson}"][data-run-state="done"]"#
        )))
        .await
        .unwrap_or_else(|e| panic!("{lesson} never finished: {e}"));
}

/// axe-core's serious and critical violations in the page as it is: `[rule: targets]`. The
/// experimental label-content-name-mismatch rule is on too (a label that does not contain the
/// visible text misleads speech input).
async fn axe_violations(client: &Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.expect("axe-core loads");
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations'],
                                rules: {'label-content-name-mismatch': {enabled: true}}})
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 4).map(n => n.target.join(' ')
                       + (n.any[0] ? ' ' + n.any[0].message : '')).join(' | '))),
                     e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    result
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn four_lessons_at_four_widths_light_and_dark_read_well_and_pass_axe() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-layout", &[]).await;
    let axe = axe_script();
    // The check can fail: planted, a button with no name and one whose label hides its text
    // are both reported.
    open_run(&client, site, "hello-sleep").await;
    client
        .execute(
            "const b = document.createElement('button'); b.id = 'planted-1'; document.body.append(b);
             const c = document.createElement('button'); c.id = 'planted-2'; c.textContent = 'Download trace';
             c.setAttribute('aria-label', 'Save'); document.body.append(c);",
            vec![],
        )
        .await
        .expect("planted");
    let planted = axe_violations(&client, &axe).await.join("\n");
    assert!(
        planted.contains("button-name") && planted.contains("label-content-name-mismatch"),
        "axe-core did not see the planted violations: {planted}"
    );
    let mut problems = Vec::new();
    for theme in THEMES {
        // The theme is remembered: set it once per theme, as the switch would.
        client
            .goto(&format!("http://{site}/?scenario=hello-sleep"))
            .await
            .expect("page loads");
        app_started(&client, 30).await;
        client
            .execute(
                &format!("localStorage.setItem('asyncscope-theme', '{theme}');"),
                vec![],
            )
            .await
            .expect("theme stored");
        for width in WIDTHS {
            client
                .set_window_size(width, 900)
                .await
                .expect("window resized");
            for lesson in LESSONS {
                open_run(&client, site, lesson).await;
                let shown = client
                    .execute("return document.documentElement.dataset.theme;", vec![])
                    .await
                    .expect("theme");
                assert_eq!(shown, theme);
                let g: Value = client.execute(GEOMETRY, vec![]).await.expect("geometry");
                let at = format!("{lesson} at {width} px, {theme}");
                let inner = g["inner"].as_f64().unwrap_or(0.0);
                if g["scroll_width"].as_f64().unwrap_or(0.0) > inner + 1.0 {
                    problems.push(format!("{at}: the page scrolls sideways: {g}"));
                }
                if inner >= 1200.0 {
                    if g["beside"] != true {
                        problems.push(format!("{at}: the trace is not beside the lesson: {g}"));
                    }
                } else if g["gap"].as_f64().is_none_or(|gap| gap > 80.0) {
                    problems.push(format!(
                        "{at}: a blank band between the output and the trace: {g}"
                    ));
                }
                if g["under_runbar"].as_f64().is_none_or(|band| band > 40.0) {
                    problems.push(format!(
                        "{at}: a blank band between the run bar and the lesson: {g}"
                    ));
                }
                if g["checks"].as_u64().unwrap_or(0) == 0 || g["checks_beside"] != true {
                    problems.push(format!("{at}: check marks not beside their names: {g}"));
                }
                let phone = inner <= 760.0;
                if g["picker_shown"] != phone || g["list_shown"] == phone {
                    problems.push(format!(
                        "{at}: the lesson list should be a drop-down only on a phone: {g}"
                    ));
                }
                let bar: Value = client
                    .execute(RUNBAR_AFTER_SCROLL, vec![])
                    .await
                    .expect("scrolled");
                if bar["tall"] == true && bar["shown"] != true {
                    problems.push(format!("{at}: Run is out of view once scrolled: {bar}"));
                }
                save_screenshot(
                    &format!("layout-{lesson}-{width}-{theme}.png"),
                    &client.screenshot().await.expect("screenshot"),
                );
                if width == 390 || width == 1440 {
                    for v in axe_violations(&client, &axe).await {
                        problems.push(format!("{at}: axe: {v}"));
                    }
                }
            }
        }
    }
    client
        .execute("localStorage.removeItem('asyncscope-theme');", vec![])
        .await
        .expect("theme forgotten");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    client.close().await.expect("session closed");
}

/// The keyboard: a skip link first, and the trace's tabs as the ARIA tab pattern (one in the tab
/// order, arrow keys and Home/End move the selection and the focus).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn a_skip_link_and_tabs_that_follow_the_arrow_keys() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-keys", &[]).await;
    open_run(&client, site, "hello-sleep").await;
    let r: Value = client
        .execute(
            "const first = [...document.querySelectorAll('a[href], button, input, select, [tabindex]')]
                 .find(e => e.tabIndex >= 0);
             const tabs = () => [...document.querySelectorAll('[role=tab]')];
             const selected = () => tabs().findIndex(t => t.getAttribute('aria-selected') === 'true');
             const key = (k) => document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true}));
             const wait = () => new Promise(r => setTimeout(r, 50));
             return (async () => {
               tabs()[selected()].focus();
               const start = selected();
               key('ArrowRight'); await wait();
               const right = selected(), focused = tabs().indexOf(document.activeElement);
               key('End'); await wait();
               const end = selected();
               key('ArrowRight'); await wait();
               const wrapped = selected();
               key('Home'); await wait();
               const home = selected();
               const inOrder = tabs().filter(t => t.tabIndex === 0).length;
               const panel = document.getElementById(tabs()[home].getAttribute('aria-controls'));
               return {skip: first.dataset.testid, target: !!document.querySelector(first.getAttribute('href')),
                       start, right, focused, end, wrapped, home, inOrder, n: tabs().length,
                       labelled: panel && panel.getAttribute('aria-labelledby') === tabs()[home].id};
             })();",
            vec![],
        )
        .await
        .expect("keys");
    assert_eq!(r["skip"], "skip-link", "{r}");
    assert_eq!(r["target"], true, "{r}");
    let n = r["n"].as_u64().unwrap_or(0);
    assert_eq!(n, 4, "{r}");
    assert_eq!(
        (&r["start"], &r["right"], &r["focused"]),
        (&Value::from(0), &Value::from(1), &Value::from(1)),
        "{r}"
    );
    assert_eq!(
        (&r["end"], &r["wrapped"], &r["home"]),
        (&Value::from(3), &Value::from(0), &Value::from(0)),
        "{r}"
    );
    assert_eq!(r["inOrder"], 1, "one tab in the tab order: {r}");
    assert_eq!(r["labelled"], true, "{r}");
    client.close().await.expect("session closed");
}

/// A lesson with phases narrates them in the status while it runs: fetch-gather's second half
/// says "now one after another, for contrast: k/n".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build in dist/ and chromedriver: run ./dev test"]
async fn the_status_narrates_a_lessons_phases() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-phases", &[]).await;
    client
        .goto(&format!("http://{site}/?scenario=fetch-gather"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    let seen: Value = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const seen = new Set();
             const status = () => document.querySelector('[data-testid=status]').textContent;
             const timer = setInterval(() => seen.add(status()), 40);
             (async () => {
               while (!window.asyncscope) await new Promise(r => setTimeout(r, 20));
               const r = await window.asyncscope.run('fetch-gather', {n: 10, delay_ms: 300});
               clearInterval(timer);
               return {state: r.state, seen: [...seen]};
             })().then(done, e => done({error: String(e)}));",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(seen["state"], "done", "{seen}");
    let texts: Vec<&str> = seen["seen"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let narrated: Vec<&&str> = texts
        .iter()
        .filter(|t| t.contains("now one after another, for contrast: ") && t.contains("/10"))
        .collect();
    assert!(
        narrated.len() >= 2,
        "the sequential phase was narrated with its progress: {texts:?}"
    );
    client.close().await.expect("session closed");
}
