//! End-to-end: the playground (issue 16) in the release site, driven through chromedriver.
//! - `window.asyncscope.runPython(source, {seed})` runs a program and resolves with the same
//!   report as `run()`: its lines, in order, a sleep's line never early; the trace holds the
//!   program's tasks under the names of their calls; bad source rejects with the refusal's
//!   words, and the editor underlines the spot.
//! - A lesson's "Edit and run" opens its Python in the editor; typing a change and Ctrl+Enter
//!   runs the changed program.
//! - "Copy a link to this program" makes a `?python=` address that opens the same program in a
//!   fresh page, and `&run=1` runs it.
//! - A loop that never awaits is stopped with the playground's words, and the page keeps working.
//!
//! Ignored by a plain `cargo test`: after the release build (./dev test builds it), run it with
//! `cargo test --test e2e_playground -- --ignored`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use fantoccini::{key::Key, Client, Locator};
use serde_json::{json, Value};

use support::{app_started, browser, dist, serve, start_chromedriver, text_when_shown};

/// `runPython(source, options)`'s outcome: the report, or `{error}` when it rejected.
async fn run_python(client: &Client, source: &str, options: Value) -> Value {
    client
        .execute_async(
            "const [source, options, done] = arguments;
             window.asyncscope.runPython(source, options).then(done, e => done({error: String(e)}));",
            vec![json!(source), options],
        )
        .await
        .expect("script runs")
}

fn texts(report: &Value) -> Vec<String> {
    report["lines"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| l["text"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn at(report: &Value, text: &str) -> f64 {
    report["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|l| l["text"] == text))
        .and_then(|l| l["t_ms"].as_f64())
        .unwrap_or_else(|| panic!("no line {text:?} in {report}"))
}

/// The log of the playground's run, once it has ended done (`what` names it if it does not).
async fn ran_log(client: &Client, what: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(
            r#"[data-scenario="playground"][data-run-state="done"]"#,
        ))
        .await
        .unwrap_or_else(|e| panic!("{what} did not run: {e}"));
    text_when_shown(client, "[data-testid=log]", 10, "the log").await
}

const SAY_AFTER: &str = "import asyncio
import random

async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)

async def main():
    t1 = asyncio.create_task(say_after(0.2, 'hello'))
    t2 = asyncio.create_task(say_after(0.4, 'world'))
    print('started', random.randint(1, 1000))
    await t1
    await t2
    print('finished')

asyncio.run(main())
";

#[tokio::test]
#[ignore = "needs the release build in dist/ and chromedriver: run by ./dev test"]
async fn the_playground_runs_python_from_the_api_the_editor_and_a_link() {
    let site = serve(dist());
    let driver = start_chromedriver();
    let client = browser(&driver, "playground", &[]).await;
    client
        .goto(&format!("http://{site}/?lesson=playground"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;

    // The API: the report of run(), the lines in order, never early; seeded random as CPython's
    // random.seed(7) draws (random.randint(1, 1000) after seed(7) is 332 in CPython 3.11).
    let report = run_python(&client, SAY_AFTER, json!({"seed": 7})).await;
    assert_eq!(report["state"], "done", "{report}");
    assert_eq!(report["id"], "playground");
    assert_eq!(
        texts(&report),
        ["started 332", "hello", "world", "finished"],
        "{report}"
    );
    assert!(at(&report, "hello") >= 200.0 && at(&report, "world") >= 400.0);
    // A program of the reader's own is not judged (nothing to compare it with), and the page
    // says so rather than showing a check that could not fail.
    assert_eq!(report["checks"], json!([]), "{report}");
    let none = text_when_shown(&client, "[data-testid=no-checks]", 10, "the no-checks note").await;
    assert!(none.contains("CPython"), "{none}");
    assert!(
        at(&report, "world") < 400.0 + 300.0,
        "the two sleeps overlap: {report}"
    );
    // The trace names the tasks after their calls.
    let tasks: Value = client
        .execute("return window.asyncscope.tasks()", vec![])
        .await
        .expect("tasks");
    let names: Vec<&str> = tasks
        .as_array()
        .map(|t| t.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default();
    for name in [
        "main",
        "main()",
        "say_after(0.2, 'hello')",
        "say_after(0.4, 'world')",
    ] {
        assert!(names.contains(&name), "no task {name:?} in {names:?}");
    }

    // Bad source rejects with the refusal's words, and the editor shows where.
    let refused = run_python(&client, "async def f(:\n    pass\n", json!({})).await;
    let error = refused["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("line 1, column"), "{refused}");
    let shown = text_when_shown(
        &client,
        "[data-testid=python-error]",
        10,
        "the editor's error",
    )
    .await;
    assert!(shown.contains("line 1"), "{shown}");
    let bad_option = run_python(&client, "print(1)", json!({"seed": -1})).await;
    assert!(
        bad_option["error"]
            .as_str()
            .is_some_and(|e| e.contains("seed must be")),
        "{bad_option}"
    );

    // A loop that never awaits is stopped in words; the page still runs the next program.
    let spin = "import asyncio\nasync def main():\n    n = 0\n    while True:\n        n += 1\nasyncio.run(main())\n";
    let stopped = run_python(&client, spin, json!({})).await;
    assert_eq!(stopped["state"], "failed", "{stopped}");
    assert!(
        stopped["error"]
            .as_str()
            .is_some_and(|e| e.contains("without awaiting")),
        "{stopped}"
    );
    let after = run_python(&client, "print('still here')", json!(null)).await;
    assert_eq!(texts(&after), ["still here"], "{after}");

    // A lesson's Edit and run, a change typed, Ctrl+Enter.
    client
        .goto(&format!("http://{site}/?lesson=hello-sleep"))
        .await
        .expect("page loads");
    app_started(&client, 30).await;
    let edit = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[data-testid=edit-python]:not([disabled])"))
        .await
        .expect("Edit and run is enabled once the lesson's Python is loaded");
    edit.click().await.expect("click");
    let editor = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-testid=python-editor]"))
        .await
        .expect("the editor opens");
    let source: String = editor
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(source.contains("asyncio"), "the lesson's Python: {source}");
    client
        .execute(
            "const e = document.querySelector('[data-testid=python-editor]');
             e.value = 'import asyncio\\nasync def main():\\n    print(\"edited\")\\n    await asyncio.sleep(0.1)\\n    print(\"done\")\\nasyncio.run(main())\\n';
             e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await
        .expect("types");
    editor
        .send_keys(&format!("{}{}", Key::Control, Key::Enter))
        .await
        .expect("Ctrl+Enter");
    let log = ran_log(&client, "the edited program").await;
    assert!(log.contains("edited") && log.contains("done"), "{log}");

    // The link: made by the page, opened fresh, it holds the program; with run=1 it runs it.
    client
        .find(Locator::Css("[data-testid=python-share]"))
        .await
        .expect("share button")
        .click()
        .await
        .expect("click");
    let link = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-testid=python-permalink]"))
        .await
        .expect("the link is shown");
    let url: String = link.prop("value").await.ok().flatten().unwrap_or_default();
    assert!(url.contains("?lesson=playground&python="), "{url}");
    client.goto(&format!("{url}&run=1")).await.expect("opens");
    app_started(&client, 30).await;
    let log = ran_log(&client, "the linked program").await;
    assert!(log.contains("edited"), "{log}");
    let broken = url.replace("python=", "python=AAAA");
    client.goto(&broken).await.expect("opens");
    app_started(&client, 30).await;
    let notice = text_when_shown(&client, "[data-testid=notice]", 10, "a notice").await;
    assert!(notice.contains("python="), "{notice}");

    client.close().await.expect("closes");
}
