//! Tests that need the browser: real timers, wakes and cancellation on Chrome's event loop, the
//! hello-sleep lesson run for real, and the page's automation contract with bad input.
//! Run with `wasm-pack test --headless --chrome` (./dev test does).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::lessons::{self, RunState};
use asyncscope::trace::{
    self, now_ms, sleep, with_recorder, CancelReason, EventKind, JoinError, TaskState, WakeSource,
};
use futures::future::join_all;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn texts(lines: &[lessons::Line]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

#[wasm_bindgen_test]
async fn hello_sleep_prints_hello_then_world_no_earlier_than_one_second_later() {
    let lesson = lessons::find("hello-sleep").expect("registered");
    let params = lesson.validate([]).expect("defaults are valid");
    let report = lessons::start(lesson, params).report.await;
    assert_eq!(report.state, RunState::Done, "{report:?}");
    assert_eq!(texts(&report.lines), ["Hello", "World"]);
    let gap = report.lines[1].t_ms - report.lines[0].t_ms;
    assert!(gap >= 1000.0, "World came {gap} ms after Hello");
    assert!(report.elapsed_ms >= 1000.0);
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.name.contains("no earlier") && c.ok),
        "{:?}",
        report.checks
    );
}

#[wasm_bindgen_test]
async fn printed_lines_can_be_read_as_they_come() {
    let lesson = lessons::find("hello-sleep").expect("registered");
    let params = lesson.validate([("delay_ms", "150")]).expect("valid");
    let run = lessons::start(lesson, params);
    let printed = run.printed.clone();
    let report = run.report;
    // Read while the run sleeps: Hello is there before World was printed, live, not at the end.
    let watch = async {
        let deadline = now_ms() + 3000.0;
        while printed.count() == 0 {
            assert!(now_ms() < deadline, "Hello never came");
            sleep(Duration::from_millis(5)).await;
        }
        let mut first = Vec::new();
        printed.visit(0..u64::MAX, |_, l| first.push(l.text.clone()));
        first
    };
    let (first, report) = futures::join!(watch, report);
    assert_eq!(first, ["Hello"]);
    assert_eq!(printed.count(), 2);
    assert_eq!(texts(&report.lines), ["Hello", "World"]);
}

#[wasm_bindgen_test]
async fn sleep_never_wakes_early() {
    // Fractional and tiny delays are where setTimeout's clock and performance.now() disagree.
    let delays: Vec<f64> = (0..60)
        .map(|i| (i % 20) as f64 * 1.37 + (i / 20) as f64 * 0.3)
        .collect();
    let sleeps = delays.iter().map(|&ms| async move {
        let start = now_ms();
        sleep(Duration::from_secs_f64(ms / 1000.0)).await;
        (ms, now_ms() - start)
    });
    for (requested, actual) in join_all(sleeps).await {
        assert!(
            actual >= requested,
            "asked for {requested} ms, woke after {actual} ms"
        );
    }
}

#[wasm_bindgen_test]
async fn the_trace_records_spawn_polls_the_timer_wake_and_ready() {
    let lesson = lessons::find("hello-sleep").expect("registered");
    let params = lesson.validate([("delay_ms", "100")]).expect("valid");
    let report = lessons::start(lesson, params).report.await;
    assert_eq!(report.state, RunState::Done);
    let (main, kinds) = with_recorder(|r| {
        let main = r
            .tasks()
            .find(|t| t.name() == "main")
            .cloned()
            .expect("main traced");
        let kinds: Vec<EventKind> = r
            .events()
            .iter()
            .filter(|e| e.task == Some(main.id))
            .map(|e| e.kind.clone())
            .collect();
        (main, kinds)
    });
    assert_eq!(main.state, TaskState::Done);
    assert_eq!((main.polls, main.wakes, main.self_wakes), (2, 1, 0));
    // The sleep began inside the first poll: idle time plus that poll's rest covers it.
    let end = main.ended_ms.expect("ended");
    assert!(
        main.idle_ms_at(end) + main.busy_ms >= 100.0,
        "it slept while idle: {main:?}"
    );
    assert!(main.idle_ms_at(end) > main.busy_ms, "{main:?}");
    assert!(matches!(kinds[0], EventKind::Spawned { parent: None, .. }));
    assert_eq!(
        kinds[1],
        EventKind::SleepStarted {
            requested_ms: 100.0
        }
    );
    assert!(matches!(
        kinds[2],
        EventKind::Polled {
            ready: false,
            self_wakes: 0,
            ..
        }
    ));
    assert_eq!(
        kinds[3],
        EventKind::Woken {
            by: WakeSource::Timer,
            from: None
        }
    );
    assert!(
        matches!(kinds[4], EventKind::SleepDone { requested_ms, actual_ms } if requested_ms == 100.0 && actual_ms >= 100.0)
    );
    assert!(matches!(kinds[5], EventKind::Polled { ready: true, .. }));
    assert_eq!(kinds.len(), 6, "one event a poll: {kinds:?}");
}

#[wasm_bindgen_test]
async fn a_spawned_task_records_its_parent_and_the_join_wakes_the_parent() {
    trace::reset();
    let parent = trace::spawn("parent", async {
        let child = trace::spawn("child", async { 42 });
        (child.id(), child.await)
    });
    let parent_id = parent.id();
    let (child_id, value) = parent.await.expect("parent completes");
    assert_eq!(value, Ok(42));
    with_recorder(|r| {
        let child = r.task(child_id).expect("child traced");
        assert_eq!(child.parent, Some(parent_id));
        assert_eq!(child.state, TaskState::Done);
        let parent = r.task(parent_id).expect("parent traced");
        assert_eq!(parent.state, TaskState::Done);
        assert!(parent.wakes >= 1, "the child's completion woke the parent");
        let by: Vec<WakeSource> = r
            .events()
            .iter()
            .filter(|e| e.task == Some(parent_id))
            .filter_map(|e| match e.kind {
                EventKind::Woken { by, .. } => Some(by),
                _ => None,
            })
            .collect();
        assert_eq!(by, vec![WakeSource::Task(child_id)]);
        assert!(
            child.location().file().ends_with("web.rs"),
            "{}",
            child.location()
        );
    });
}

#[wasm_bindgen_test]
async fn abort_cancels_a_sleeping_task_at_once_and_says_why() {
    trace::reset();
    let task = trace::spawn("sleeper", async {
        sleep(Duration::from_secs(30)).await;
        "woke"
    });
    let id = task.id();
    sleep(Duration::from_millis(20)).await;
    let started = now_ms();
    task.abort();
    let result = task.await;
    assert_eq!(result, Err(JoinError::Cancelled(id)));
    assert!(
        now_ms() - started < 1000.0,
        "the abort did not wait for the timer"
    );
    with_recorder(|r| {
        let t = r.task(id).expect("traced");
        assert_eq!(t.state, TaskState::Cancelled);
        assert_eq!(t.cancel_reason(), Some(CancelReason::Aborted));
    });
}

#[wasm_bindgen_test]
async fn instrumented_futures_get_their_own_rows_under_the_awaiting_task() {
    trace::reset();
    let handle = trace::spawn("joiner", async {
        let a = trace::instrument("a", sleep(Duration::from_millis(30)));
        let b = trace::instrument("b", sleep(Duration::from_millis(10)));
        let (ida, idb) = (a.id(), b.id());
        futures::join!(a, b);
        (ida, idb)
    });
    let joiner = handle.id();
    let (a, b) = handle.await.expect("completes");
    with_recorder(|r| {
        for id in [a, b] {
            let t = r.task(id).expect("traced");
            assert_eq!(t.parent, Some(joiner));
            assert_eq!(t.state, TaskState::Done);
            // At most its timer's wake: on a loaded machine the other timer's wake may poll a
            // branch already due, which then completes without a wake of its own.
            assert!(t.wakes <= 1, "{t:?}");
        }
    });
}

// The automation contract, through the real app mounted in this page.

async fn mounted_api() -> JsValue {
    let window = web_sys::window().expect("window");
    let document = window.document().expect("document");
    let api = Reflect::get(&window, &"asyncscope".into()).expect("readable");
    if !api.is_undefined() {
        return api;
    }
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("appended");
    asyncscope::ui::start_in(root);
    // yew renders and runs effects on its own schedule: wait for the API, 5 s at most.
    let deadline = now_ms() + 5000.0;
    loop {
        let api = Reflect::get(&window, &"asyncscope".into()).expect("readable");
        if !api.is_undefined() {
            return api;
        }
        assert!(now_ms() < deadline, "window.asyncscope never appeared");
        sleep(Duration::from_millis(10)).await;
    }
}

async fn call_run(api: &JsValue, id: JsValue, params: JsValue) -> Result<JsValue, JsValue> {
    let run: Function = Reflect::get(api, &"run".into())
        .expect("run")
        .dyn_into()
        .expect("fn");
    let promise: Promise = run
        .call2(api, &id, &params)
        .expect("callable")
        .dyn_into()
        .expect("promise");
    JsFuture::from(promise).await
}

fn params(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test JSON")
}

fn error_message(err: JsValue) -> String {
    Reflect::get(&err, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

fn notice_text() -> Option<String> {
    let document = web_sys::window()?.document()?;
    document
        .query_selector("[data-testid=notice]")
        .ok()
        .flatten()
        .and_then(|n| n.text_content())
}

async fn wait_for_notice(expected: &str) {
    let deadline = now_ms() + 2000.0;
    while !notice_text().is_some_and(|t| t.contains(expected)) {
        assert!(
            now_ms() < deadline,
            "the page never said '{expected}': {:?}",
            notice_text()
        );
        sleep(Duration::from_millis(10)).await;
    }
}

#[wasm_bindgen_test]
async fn bad_params_are_rejected_with_the_parameter_and_its_range_and_the_page_keeps_working() {
    let api = mounted_api().await;

    let ids: Vec<&str> = lessons::LESSONS.iter().map(|s| s.id).collect();
    let unknown = format!(
        "no lesson 'no-such-lesson': the lessons are {}",
        ids.join(", ")
    );
    let cases = [
        (
            "hello-sleep",
            r#"{"delay_ms": "soon"}"#,
            "delay_ms must be a number from 0 to 60000, got 'soon'",
        ),
        (
            "hello-sleep",
            r#"{"delay_ms": 70000}"#,
            "delay_ms must be from 0 to 60000, got 70000",
        ),
        (
            "hello-sleep",
            r#"{"delay_ms": -5}"#,
            "delay_ms must be from 0 to 60000, got -5",
        ),
        (
            "hello-sleep",
            r#"{"delay_ms": true}"#,
            "delay_ms must be a number from 0 to 60000, got 'true'",
        ),
        (
            "hello-sleep",
            r#"{"delay": 5}"#,
            "lesson hello-sleep has no parameter 'delay': it takes delay_ms",
        ),
        ("no-such-lesson", "null", unknown.as_str()),
    ];
    for (id, json, expected) in cases {
        let err = call_run(&api, id.into(), params(json))
            .await
            .expect_err("bad input is rejected");
        assert_eq!(error_message(err), expected);
        wait_for_notice(expected).await;
    }
    let err = call_run(&api, JsValue::from(7), JsValue::UNDEFINED)
        .await
        .expect_err("rejected");
    assert!(error_message(err).contains("id must be a lesson id string"));

    // After all that, a good run still works and the page shows it.
    let report = call_run(&api, "hello-sleep".into(), params(r#"{"delay_ms": 50}"#))
        .await
        .expect("a valid run resolves");
    let state = Reflect::get(&report, &"state".into())
        .ok()
        .and_then(|s| s.as_string());
    assert_eq!(state.as_deref(), Some("done"));
    let lines = js_sys::Array::from(&Reflect::get(&report, &"lines".into()).expect("lines"));
    let texts: Vec<String> = lines
        .iter()
        .filter_map(|l| Reflect::get(&l, &"text".into()).ok()?.as_string())
        .collect();
    assert_eq!(texts, ["Hello", "World"]);
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let deadline = now_ms() + 2000.0;
    loop {
        let shown = document
            .query_selector("[data-scenario=hello-sleep]")
            .ok()
            .flatten()
            .and_then(|e| e.get_attribute("data-run-state"));
        if shown.as_deref() == Some("done") {
            break;
        }
        assert!(now_ms() < deadline, "the page shows run state {shown:?}");
        sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        document
            .query_selector_all("[data-testid=log] li[data-t-ms]")
            .map(|l| l.length())
            .ok(),
        Some(2)
    );
}

#[wasm_bindgen_test]
async fn scenarios_lists_each_lesson_with_its_params_and_ranges() {
    let api = mounted_api().await;
    let list: Function = Reflect::get(&api, &"scenarios".into())
        .expect("fn")
        .dyn_into()
        .expect("fn");
    let json = js_sys::JSON::stringify(&list.call0(&api).expect("callable")).expect("json");
    let json: String = json.into();
    assert!(
        json.contains(r#"{"id":"hello-sleep","title":"Hello, sleep, World","params":[{"name":"delay_ms","default":1000,"min":0,"max":60000}]}"#),
        "{json}"
    );
}

#[wasm_bindgen_test]
async fn lesson_in_the_address_opens_a_lesson_as_scenario_does_and_lessons_is_scenarios() {
    let api = mounted_api().await;
    let list = |name: &str| -> String {
        let f: Function = Reflect::get(&api, &name.into())
            .expect("readable")
            .dyn_into()
            .unwrap_or_else(|_| panic!("window.asyncscope.{name} is a function"));
        js_sys::JSON::stringify(&f.call0(&api).expect("callable"))
            .expect("json")
            .into()
    };
    let lessons = list("lessons");
    assert!(lessons.contains(r#""id":"hello-sleep""#), "{lessons}");
    assert_eq!(lessons, list("scenarios"));

    // The address as the browser decodes it, under either name.
    let window = web_sys::window().expect("window");
    let history = window.history().expect("history");
    let before = window.location().href().expect("href");
    for name in ["lesson", "scenario"] {
        history
            .replace_state_with_url(
                &JsValue::NULL,
                "",
                Some(&format!("?{name}=create-task&run=1&mode=tasks")),
            )
            .expect("address set");
        let plan = asyncscope::ui::plan_from_query(&asyncscope::ui::query_pairs());
        assert_eq!(plan.lesson.id, "create-task", "?{name}=");
        assert!(plan.run.is_some(), "?{name}=: {:?}", plan.notice);
    }

    // The page writes the lesson's name: in its links, and in the address once one is picked.
    let shown = text_attr("[data-scenario]", "data-scenario").expect("a lesson on show");
    let link = document()
        .query_selector(&format!("a[data-lesson='{shown}']"))
        .ok()
        .flatten()
        .expect("the lesson's link");
    assert_eq!(link.get_attribute("href"), Some(format!("?lesson={shown}")));
    link.dyn_into::<web_sys::HtmlElement>()
        .expect("a link")
        .click();
    assert_eq!(
        window.location().search().ok(),
        Some(format!("?lesson={shown}"))
    );
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&before))
        .expect("address restored");
}

fn text_attr(selector: &str, name: &str) -> Option<String> {
    document()
        .query_selector(selector)
        .ok()
        .flatten()?
        .get_attribute(name)
}

/// These tests run a development build (debug assertions on): the page says so, in the badge
/// and in `data-build`, since its polls run slower than the release build's.
#[wasm_bindgen_test]
async fn a_development_build_says_so_in_the_page() {
    let _api = mounted_api().await;
    if !cfg!(debug_assertions) {
        return; // a release build of the tests: the e2e test checks the release build's page
    }
    let badge = text_of("[data-testid=build-badge]").expect("the badge is shown");
    assert_eq!(badge.trim(), "debug build: polls run slower");
    let build = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".app[data-build]").ok().flatten())
        .and_then(|e| e.get_attribute("data-build"));
    assert_eq!(build.as_deref(), Some("debug"));
}

/// The text of the first element matching `selector` in the page, if there is one.
fn text_of(selector: &str) -> Option<String> {
    let document = web_sys::window()?.document()?;
    document
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|n| n.text_content())
}

#[wasm_bindgen_test]
async fn a_lesson_whose_texts_cannot_be_loaded_says_which_and_why_and_still_runs() {
    // This test page has no lessons/ folder (the release build does: tests/e2e_texts.rs), so
    // the lesson on show cannot fetch its Python and Rust.
    let api = mounted_api().await;
    let shown = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[data-scenario]").ok().flatten())
        .and_then(|e| e.get_attribute("data-scenario"))
        .expect("a lesson on show");
    let expected = format!("lessons/{shown}/");
    let deadline = now_ms() + 5000.0;
    loop {
        let message = text_of("[data-testid=texts-error]");
        if message.as_deref().is_some_and(|m| m.contains(&expected)) {
            let message = message.unwrap_or_default();
            assert!(message.contains("could not be loaded"), "{message}");
            assert!(message.contains("The lesson still runs"), "{message}");
            break;
        }
        assert!(
            now_ms() < deadline,
            "no message naming {expected}: {message:?}"
        );
        sleep(Duration::from_millis(10)).await;
    }
    // No code panes pretending to load, and the lesson runs all the same.
    assert_eq!(text_of("[data-testid=python]"), None);
    let report = call_run(&api, "hello-sleep".into(), params(r#"{"delay_ms": 0}"#))
        .await
        .expect("the run resolves");
    let state = Reflect::get(&report, &"state".into()).expect("state");
    assert_eq!(state.as_string().as_deref(), Some("done"));
}

// The tracer's resources and warnings, on the real event loop.

fn task_named(name: &str) -> trace::TaskStats {
    with_recorder(|r| r.tasks().find(|t| t.name() == name).cloned()).expect("traced")
}

fn warning_codes() -> Vec<&'static str> {
    with_recorder(|r| r.warnings().iter().map(|w| w.kind.code()).collect())
}

fn wake_sources(id: trace::TaskId) -> Vec<WakeSource> {
    with_recorder(|r| {
        r.events()
            .iter()
            .filter(|e| e.task == Some(id))
            .filter_map(|e| match e.kind {
                EventKind::Woken { by, .. } => Some(by),
                _ => None,
            })
            .collect()
    })
}

#[wasm_bindgen_test]
async fn timeout_cancels_the_slow_future_as_timed_out_and_clears_its_timer() {
    trace::reset();
    let started = now_ms();
    let fast = trace::timeout(
        Duration::from_millis(200),
        trace::instrument("fast", async {
            sleep(Duration::from_millis(10)).await;
            7
        }),
    )
    .await;
    assert_eq!(fast, Ok(7));
    let slow = trace::timeout(
        Duration::from_millis(50),
        trace::instrument("slow", async {
            sleep(Duration::from_secs(30)).await;
            8
        }),
    )
    .await;
    assert_eq!(slow.map_err(|e| e.after_ms), Err(50.0));
    assert!(now_ms() - started < 1000.0);
    let slow = task_named("slow");
    assert_eq!(slow.state, TaskState::Cancelled);
    assert_eq!(slow.cancel_reason(), Some(CancelReason::TimedOut));
    assert_eq!(task_named("fast").state, TaskState::Done);
    // Its 30 s timer was cleared with it: nothing ever wakes the cancelled task.
    sleep(Duration::from_millis(30)).await;
    assert_eq!(task_named("slow").wakes, 0);
}

#[wasm_bindgen_test]
async fn select_keeps_the_winner_and_cancels_the_loser_as_lost_select() {
    trace::reset();
    let won = trace::select(
        trace::instrument("quick", sleep(Duration::from_millis(10))),
        trace::instrument("tardy", sleep(Duration::from_millis(5000))),
    )
    .await;
    assert!(matches!(won, futures::future::Either::Left(())));
    assert_eq!(
        task_named("tardy").cancel_reason(),
        Some(CancelReason::LostSelect)
    );
    assert_eq!(task_named("quick").state, TaskState::Done);
}

#[wasm_bindgen_test]
async fn semaphore_never_exceeds_its_permits_and_its_releases_wake_the_waiters() {
    trace::reset();
    let sem = trace::Semaphore::new("sem", 2);
    let peak = std::rc::Rc::new(std::cell::Cell::new(0));
    let workers: Vec<_> = (0..6)
        .map(|i| {
            let sem = sem.clone();
            let peak = peak.clone();
            trace::spawn(&format!("worker{i}"), async move {
                let _permit = sem.acquire().await;
                peak.set(peak.get().max(sem.holders()));
                sleep(Duration::from_millis(20)).await;
            })
        })
        .collect();
    let started = now_ms();
    for w in workers {
        w.await.expect("worker completes");
    }
    assert_eq!(peak.get(), 2);
    assert!(
        now_ms() - started >= 60.0,
        "3 rounds of 20 ms with 2 permits"
    );
    let detail = with_recorder(|r| r.resource_stats(sem.id()).map(|r| r.detail.clone()));
    assert!(
        matches!(
            detail,
            Some(trace::ResourceDetail::Semaphore {
                max_holders: 2,
                holders: 0,
                waiters: 0,
                ..
            })
        ),
        "{detail:?}"
    );
    let waited = task_named("worker5");
    assert!(
        wake_sources(waited.id).contains(&WakeSource::Semaphore(sem.id())),
        "{:?}",
        wake_sources(waited.id)
    );
}

#[wasm_bindgen_test]
async fn a_channel_records_its_depth_and_wakes_the_receiver_as_the_channel() {
    trace::reset();
    let (tx, rx) = trace::channel::<u32>("queue", 2);
    let channel_id = tx.id();
    let consumer = trace::spawn("consumer", async move {
        let mut got = Vec::new();
        while let Ok(v) = rx.recv().await {
            got.push(v);
        }
        got
    });
    let producer = trace::spawn("producer", async move {
        for i in 0..5 {
            tx.send(i).await.expect("open");
        }
    });
    producer.await.expect("producer completes");
    assert_eq!(
        consumer.await.expect("consumer completes"),
        vec![0, 1, 2, 3, 4]
    );
    let detail = with_recorder(|r| r.resource_stats(channel_id).map(|r| r.detail.clone()));
    assert!(
        matches!(detail, Some(trace::ResourceDetail::Channel { capacity: 2, sent: 5, received: 5, max_depth, .. }) if (1..=2).contains(&max_depth)),
        "{detail:?}"
    );
    assert!(wake_sources(task_named("consumer").id).contains(&WakeSource::Channel(channel_id)));
}

#[wasm_bindgen_test]
async fn fetch_goes_through_the_network_and_records_status_and_bytes() {
    use asyncscope::trace::fetch::{FetchError, Request};
    trace::reset();
    let task = trace::spawn("fetcher", async {
        let ok = Request::get("/").send().await;
        let refused = Request::get("http://127.0.0.1:9/").send().await;
        (ok, refused)
    });
    let id = task.id();
    let (ok, refused) = task.await.expect("completes");
    let ok = ok.expect("the test server answers /");
    assert_eq!(ok.status, 200);
    assert!(!ok.body.is_empty());
    assert!(
        matches!(refused, Err(FetchError::Network(_))),
        "{refused:?}"
    );
    let fetches: Vec<trace::ResourceDetail> =
        with_recorder(|r| r.resources().map(|r| r.detail.clone()).collect());
    assert!(
        matches!(&fetches[0], trace::ResourceDetail::Fetch { status: Some(200), bytes: Some(b), aborted: false, .. } if *b == ok.body.len() as u64),
        "{fetches:?}"
    );
    assert!(
        matches!(
            &fetches[1],
            trace::ResourceDetail::Fetch { error: Some(_), .. }
        ),
        "{fetches:?}"
    );
    assert!(wake_sources(id)
        .iter()
        .any(|w| matches!(w, WakeSource::Fetch(_))));
}

#[wasm_bindgen_test]
async fn a_fetch_dropped_by_a_timeout_is_aborted() {
    use asyncscope::trace::fetch::Request;
    trace::reset();
    // A request to a port that accepts and never answers would hang; instead time out at 0 ms,
    // before any response can arrive.
    let result = trace::timeout(Duration::ZERO, Request::get("/").send()).await;
    assert!(result.is_err());
    let aborted = with_recorder(|r| {
        r.resources()
            .any(|r| matches!(r.detail, trace::ResourceDetail::Fetch { aborted: true, .. }))
    });
    assert!(aborted);
}

#[wasm_bindgen_test]
async fn a_failed_task_whose_handle_was_dropped_warns_that_nobody_saw() {
    trace::reset();
    let handle = trace::spawn_fallible("doomed", async {
        sleep(Duration::from_millis(5)).await;
        Err::<(), String>("disk on fire".into())
    });
    drop(handle);
    sleep(Duration::from_millis(30)).await;
    let doomed = task_named("doomed");
    assert_eq!(doomed.state, TaskState::Failed);
    assert_eq!(doomed.error().map(|e| e.as_str()), Some("disk on fire"));
    assert_eq!(warning_codes(), vec!["error-dropped"]);

    trace::reset();
    let seen = trace::spawn_fallible("observed", async { Err::<(), String>("seen".into()) });
    assert_eq!(seen.await, Ok(Err("seen".to_string())));
    assert!(warning_codes().is_empty());
}

#[wasm_bindgen_test]
async fn a_busy_loop_in_a_poll_raises_the_long_poll_warning() {
    trace::reset();
    trace::spawn("hog", async {
        let start = now_ms();
        while now_ms() - start < 60.0 {}
    })
    .await
    .expect("completes");
    let warnings = with_recorder(|r| r.warnings().iter().cloned().collect::<Vec<_>>());
    assert_eq!(warnings.len(), 1);
    assert!(
        matches!(warnings[0].kind, trace::WarningKind::LongPoll { worst_ms } if worst_ms >= 60.0)
    );
}

#[wasm_bindgen_test]
async fn subscribers_are_told_at_most_once_per_animation_frame() {
    trace::reset();
    let told = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let counter = told.clone();
    let _subscription = trace::subscribe(move || counter.set(counter.get() + 1));
    // Thousands of events in one turn of the event loop...
    for _ in 0..2000 {
        drop(trace::instrument("blip", async {}));
    }
    assert_eq!(told.get(), 0, "nothing is delivered synchronously");
    next_frame().await;
    next_frame().await;
    // ...make one notification.
    assert_eq!(told.get(), 1);
}

async fn next_frame() {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let callback = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = tx.send(());
    });
    web_sys::window()
        .expect("window")
        .request_animation_frame(callback.unchecked_ref())
        .expect("a frame");
    let _ = rx.await;
}

#[wasm_bindgen_test]
async fn the_chrome_trace_of_a_real_run_parses_with_its_tasks_polls_and_wakes() {
    let lesson = lessons::find("hello-sleep").expect("registered");
    let params = lesson.validate([("delay_ms", "20")]).expect("valid");
    lessons::start(lesson, params).report.await;
    let json: serde_json::Value = serde_json::from_str(&trace::chrome_trace_json()).expect("JSON");
    let events = json["traceEvents"].as_array().expect("events");
    let count = |ph: &str| events.iter().filter(|e| e["ph"] == ph).count();
    assert_eq!(count("b"), 1);
    assert_eq!(count("e"), 1);
    assert_eq!(
        events
            .iter()
            .filter(|e| e["ph"] == "X" && e["cat"] == "poll")
            .count(),
        2
    );
    assert_eq!(count("s"), 1, "one wake, by the timer");
    assert_eq!(count("f"), 1);
}

#[wasm_bindgen_test]
async fn yield_now_lets_a_due_timer_run_first_and_yield_microtask_does_not() {
    use std::cell::Cell;
    use std::rc::Rc;
    let fired = Rc::new(Cell::new(false));
    let flag = fired.clone();
    let _timer = gloo_timers::callback::Timeout::new(0, move || flag.set(true));
    trace::yield_microtask().await;
    assert!(!fired.get(), "a microtask yield runs before any timer");
    // A setTimeout(0) queued after the timer above fires after it.
    trace::yield_now().await;
    assert!(fired.get(), "yield_now let the browser run the timer first");
}

#[wasm_bindgen_test]
async fn an_io_request_attributes_its_wake_and_records_its_outcome_or_abort() {
    trace::reset();
    let task = trace::spawn("asker", async {
        let request = trace::IoRequest::start("test-api", "answer");
        let id = request.id();
        // A promise settled by a JS timer callback, as a browser API's would be.
        let promise = Promise::new(&mut |resolve, _| {
            let window = web_sys::window().expect("window");
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 5);
        });
        request
            .wait(JsFuture::from(promise))
            .await
            .expect("resolves");
        request.done("42");
        let abandoned = trace::IoRequest::start("test-api", "never answered");
        let abandoned_id = abandoned.id();
        drop(abandoned);
        (id, abandoned_id)
    });
    let asker = task.id();
    let (id, abandoned) = task.await.expect("completes");
    assert!(
        wake_sources(asker).contains(&WakeSource::Request(id)),
        "{:?}",
        wake_sources(asker)
    );
    let details: Vec<trace::ResourceDetail> = with_recorder(|r| {
        [id, abandoned]
            .iter()
            .filter_map(|i| r.resource_stats(*i).map(|s| s.detail.clone()))
            .collect()
    });
    assert!(
        matches!(&details[0], trace::ResourceDetail::Request { outcome: Some(o), .. } if o.as_str() == "42"),
        "{details:?}"
    );
    assert!(
        matches!(
            &details[1],
            trace::ResourceDetail::Request {
                aborted: true,
                outcome: None,
                ..
            }
        ),
        "{details:?}"
    );
}

#[wasm_bindgen_test]
async fn a_scope_aborts_every_task_spawned_from_it_however_deep() {
    trace::reset();
    let scope = trace::Scope::new();
    let root = scope.spawn("root", async {
        let child = trace::spawn("child", async {
            let grandchild = trace::spawn("grandchild", sleep(Duration::from_secs(30)));
            let _ = grandchild.await;
        });
        let _ = child.await;
    });
    sleep(Duration::from_millis(20)).await;
    assert_eq!(scope.live(), 3);
    scope.abort_all();
    assert_eq!(root.await, Err(JoinError::Cancelled(task_named("root").id)));
    let deadline = now_ms() + 2000.0;
    while task_named("grandchild").state != TaskState::Cancelled {
        assert!(now_ms() < deadline, "{:?}", task_named("grandchild"));
        sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        task_named("child").cancel_reason(),
        Some(CancelReason::Aborted)
    );
    // A task spawned outside the scope is not touched.
    let outside = trace::spawn("outside", async { 5 });
    assert_eq!(outside.await, Ok(5));
}

#[wasm_bindgen_test]
async fn a_finished_run_cancels_the_tasks_its_main_left_running() {
    use futures::future::FutureExt;
    // As asyncio.run does: main returns while a task it spawned still sleeps.
    static LEFTOVER: lessons::Lesson = lessons::Lesson {
        location: std::panic::Location::caller(),
        id: "test-leftover",
        title: "leftover",
        article: &lessons::articles::ASYNCHAT_ASYNCIO,
        section: "test",
        params: &[],
        code: lessons::Code::Page {
            main: |_, _| {
                async {
                    drop(trace::spawn("leftover", sleep(Duration::from_secs(30))));
                    Ok(())
                }
                .boxed_local()
            },
            checks: |_, _| Vec::new(),
        },
    };
    let report = lessons::start(&LEFTOVER, lessons::Params::defaults(&[]))
        .report
        .await;
    assert_eq!(report.state, RunState::Done);
    let deadline = now_ms() + 2000.0;
    while task_named("leftover").state != TaskState::Cancelled {
        assert!(now_ms() < deadline, "{:?}", task_named("leftover"));
        sleep(Duration::from_millis(5)).await;
    }
}

// The page's live views: virtualised, refreshed at a bounded rate.

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("document")
}

/// The `data-line` of each log row in `root`, in order.
fn drawn_lines(root: &web_sys::Element) -> Vec<u64> {
    let rows = root.query_selector_all("li[data-line]").expect("query");
    (0..rows.length())
        .filter_map(|i| rows.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .filter_map(|e| e.get_attribute("data-line")?.parse().ok())
        .collect()
}

/// Scrolls the log in `root` to `top` px and waits (2 s at most) until row `line` is drawn.
async fn scroll_until_drawn(root: &web_sys::Element, top: i32, line: u64) -> Vec<u64> {
    // yew renders on its own schedule: the box is there within 2 s.
    let deadline = now_ms() + 2000.0;
    let scroller = loop {
        if let Some(scroller) = root.query_selector(".log-scroll").ok().flatten() {
            break scroller;
        }
        assert!(now_ms() < deadline, "the log's scroll box never appeared");
        gloo_timers::future::TimeoutFuture::new(10).await;
    };
    scroller.set_scroll_top(top);
    let deadline = now_ms() + 2000.0;
    loop {
        let drawn = drawn_lines(root);
        if drawn.contains(&line) {
            return drawn;
        }
        assert!(now_ms() < deadline, "line {line} never drawn: {drawn:?}");
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
}

#[wasm_bindgen_test]
async fn a_5000_line_log_draws_only_the_rows_on_screen_and_every_line_is_reached_by_scrolling() {
    use asyncscope::ui::log::{Log, LogProps, ROW_PX};
    let out = lessons::Printer::new(now_ms());
    for i in 0..5_000 {
        out.print(format!("line {i}"));
    }
    let root = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("appended");
    yew::Renderer::<Log>::with_root_and_props(
        root.clone(),
        LogProps {
            printed: Some(out.printed()),
            shown: 5_000,
        },
    )
    .render();
    // It opens at the end, like a terminal following its output.
    let end = scroll_until_drawn(&root, i32::MAX, 4_999).await;
    let list = root
        .query_selector("[data-testid=log]")
        .ok()
        .flatten()
        .expect("the log");
    assert_eq!(list.get_attribute("data-lines").as_deref(), Some("5000"));
    assert!(
        end.len() <= 40,
        "{} rows in the page for 5,000 lines: {end:?}",
        end.len()
    );
    // Every line is there to scroll to: the first, one in the middle, each with its own text.
    let top = scroll_until_drawn(&root, 0, 0).await;
    assert!(top.len() <= 40 && top[0] == 0, "{top:?}");
    let middle = scroll_until_drawn(&root, (2_500.0 * ROW_PX) as i32, 2_500).await;
    assert!(middle.len() <= 40, "{middle:?}");
    let row = root
        .query_selector("li[data-line='2500'] .text")
        .ok()
        .flatten()
        .and_then(|e| e.text_content());
    assert_eq!(row.as_deref(), Some("line 2500"));
    // The run's report is not the page's: it keeps every line up to the cap.
    let (lines, dropped) = out.lines();
    assert_eq!((lines.len(), dropped), (5_000, 0));
    root.remove();
}

#[wasm_bindgen_test]
async fn the_live_views_refresh_a_few_times_a_second_not_per_line() {
    let api = mounted_api().await;
    let run = call_run(
        &api,
        "one-thread".into(),
        params(r#"{"coroutines": 100, "delay_ms": 1000}"#),
    );
    // Sample the status and the log every 5 ms while the run lasts: each render changes the
    // status text ("running… N ms"), so every refresh is seen.
    let sample = async {
        let mut seen: Vec<(String, Option<String>, bool)> = Vec::new();
        let root = || {
            document()
                .query_selector("[data-scenario=one-thread]")
                .ok()
                .flatten()
        };
        let deadline = now_ms() + 10_000.0;
        loop {
            let Some(lesson) = root() else {
                gloo_timers::future::TimeoutFuture::new(5).await;
                continue;
            };
            let state = lesson.get_attribute("data-run-state").unwrap_or_default();
            let status = document()
                .query_selector("[data-testid=status]")
                .ok()
                .flatten()
                .and_then(|s| s.text_content())
                .unwrap_or_default();
            let lines = document()
                .query_selector("[data-testid=log]")
                .ok()
                .flatten()
                .and_then(|l| l.get_attribute("data-lines"));
            let live = document()
                .query_selector("[data-testid=live]")
                .ok()
                .flatten()
                .is_some();
            if seen.last().map(|s| &s.0) != Some(&status) {
                seen.push((status.clone(), lines, live));
            }
            if state == "done" || now_ms() > deadline {
                return seen;
            }
            gloo_timers::future::TimeoutFuture::new(5).await;
        }
    };
    let (report, seen) = futures::join!(run, sample);
    let report = report.expect("the run resolves");
    let elapsed = Reflect::get(&report, &"elapsed_ms".into())
        .ok()
        .and_then(|e| e.as_f64())
        .expect("elapsed_ms");
    let running: Vec<_> = seen.iter().filter(|s| s.0.starts_with("running")).collect();
    // One status per refresh (every 250 ms) and the first: never one per line (200 lines) or
    // per frame (60 a second).
    let bound = (elapsed / 250.0).ceil() as usize + 2;
    assert!(
        running.len() <= bound,
        "{} statuses in {elapsed:.0} ms (at most {bound}): {seen:?}",
        running.len()
    );
    // And it is live: the 100 first lines showed while the run slept, with the live mark.
    assert!(
        running.iter().any(|s| s.2
            && s.1
                .as_deref()
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| n >= 100)),
        "no refresh showed the first lines during the run: {seen:?}"
    );
}

// Hostile input through run() (issue 15): every call settles, with a message in words, and the
// page keeps working.

/// Hostile `[id, params]` pairs, made in JS: throwing getters, proxies whose traps throw, a
/// revoked proxy, huge strings, NaN, Infinity, -0, prototype keys and wrong types, each key
/// crossed with each value.
const HOSTILE: &str = r#"
    const boom = () => { throw new Error('boom'); };
    const revoked = Proxy.revocable({}, {}); revoked.revoke();
    const huge = 'x'.repeat(1 << 20);
    const keys = ['delay_ms', '__proto__', 'constructor', 'toString', '', 'k'.repeat(100000)];
    const values = [NaN, Infinity, -Infinity, -0, 1e300, -5, 0.5, 'soon', '', ' ', huge, null,
        undefined, true, [], {}, 10n, Symbol('s'), () => 1, { toJSON: boom }, revoked.proxy,
        new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom })];
    const cases = [];
    for (const key of keys) {
        for (const value of values) {
            const plain = {}; Object.defineProperty(plain, key, { value, enumerable: true });
            cases.push(['hello-sleep', plain]);
        }
        cases.push(['hello-sleep', Object.defineProperty({}, key, { get: boom, enumerable: true })]);
        cases.push(['hello-sleep', Object.defineProperty({}, key, { get() { throw 'a string'; }, enumerable: true })]);
        cases.push(['hello-sleep', Object.defineProperty({}, key, { get() { throw revoked.proxy; }, enumerable: true })]);
    }
    for (const trap of ['ownKeys', 'get', 'getOwnPropertyDescriptor', 'has', 'getPrototypeOf']) {
        cases.push(['hello-sleep', new Proxy({ delay_ms: 5 }, { [trap]: boom })]);
    }
    cases.push(['hello-sleep', revoked.proxy]);
    cases.push(['hello-sleep', JSON.parse('{"__proto__": 5}')]);
    for (const params of [[1, 2], 5, 'text', () => 1, Symbol('p'), 10n, true, NaN]) {
        cases.push(['hello-sleep', params]);
    }
    for (const id of [revoked.proxy, { toString: boom }, huge, 7, NaN, null, undefined, Symbol('i'), ['hello-sleep']]) {
        cases.push([id, {}]);
    }
    return cases;
"#;

/// `promise`'s outcome, or `None` when it has not settled within `ms`.
async fn settled_within(promise: Promise, ms: u32) -> Option<Result<JsValue, JsValue>> {
    let settled = JsFuture::from(promise);
    let timeout = gloo_timers::future::TimeoutFuture::new(ms);
    match futures::future::select(settled, timeout).await {
        futures::future::Either::Left((outcome, _)) => Some(outcome),
        futures::future::Either::Right(_) => None,
    }
}

fn run_fn(api: &JsValue) -> Function {
    Reflect::get(api, &"run".into())
        .expect("run")
        .dyn_into()
        .expect("fn")
}

fn state_of(report: &JsValue) -> Option<String> {
    Reflect::get(report, &"state".into())
        .ok()
        .and_then(|s| s.as_string())
}

#[wasm_bindgen_test]
async fn every_hostile_run_call_settles_within_a_second_with_a_message_and_the_page_still_runs() {
    let api = mounted_api().await;
    let run = run_fn(&api);
    let cases = js_sys::Array::from(
        &Function::new_no_args(HOSTILE)
            .call0(&JsValue::UNDEFINED)
            .expect("the cases"),
    );
    assert!(cases.length() > 150, "{} cases", cases.length());
    let mut rejected = 0;
    for (i, case) in cases.iter().enumerate() {
        let case = js_sys::Array::from(&case);
        let (id, params) = (case.get(0), case.get(1));
        // run() itself never throws: it returns a promise.
        let promise: Promise = run
            .call2(&api, &id, &params)
            .unwrap_or_else(|e| panic!("case {i}: run() threw {e:?}"))
            .dyn_into()
            .expect("a promise");
        let outcome = settled_within(promise, 1000).await;
        match outcome {
            None => panic!("case {i}: run() had not settled after 1 s"),
            Some(Ok(report)) => {
                // Only a valid call runs: delay_ms -0 and 0.5 are in range.
                assert_eq!(state_of(&report).as_deref(), Some("done"), "case {i}");
            }
            Some(Err(err)) => {
                rejected += 1;
                assert!(err.is_instance_of::<js_sys::Error>(), "case {i}: {err:?}");
                let message = error_message(err);
                assert!(!message.is_empty(), "case {i}");
                // A 1 MB value is cut: the longest message is the unknown id's list of lessons.
                assert!(message.len() < 1000, "case {i}: {} bytes", message.len());
            }
        }
    }
    assert!(rejected as u32 + 10 > cases.length(), "{rejected} rejected");

    // A valid call made in the same tick as a hostile one is not lost.
    let hostile = Function::new_no_args(
        "return Object.defineProperty({}, 'delay_ms', \
         { get() { throw new Error('boom'); }, enumerable: true });",
    )
    .call0(&JsValue::UNDEFINED)
    .expect("hostile");
    let valid: Promise = run
        .call2(&api, &"hello-sleep".into(), &params(r#"{"delay_ms": 50}"#))
        .expect("callable")
        .dyn_into()
        .expect("promise");
    let refused: Promise = run
        .call2(&api, &"hello-sleep".into(), &hostile)
        .expect("callable")
        .dyn_into()
        .expect("promise");
    let err = settled_within(refused, 1000)
        .await
        .expect("settled")
        .expect_err("rejected");
    assert_eq!(
        error_message(err),
        "run(id, params): reading params threw (its delay_ms): boom"
    );
    let report = settled_within(valid, 5000)
        .await
        .expect("the valid run settles")
        .expect("and resolves");
    assert_eq!(state_of(&report).as_deref(), Some("done"));
    // And the page still runs hello-sleep.
    let report = call_run(&api, "hello-sleep".into(), params(r#"{"delay_ms": 30}"#))
        .await
        .expect("a valid run resolves");
    assert_eq!(state_of(&report).as_deref(), Some("done"));
}

#[wasm_bindgen_test]
async fn run_names_infinity_and_cuts_a_huge_value_as_the_address_does() {
    let api = mounted_api().await;
    let make = |js: &str| {
        Function::new_no_args(js)
            .call0(&JsValue::UNDEFINED)
            .expect("value")
    };
    let err = call_run(
        &api,
        "hello-sleep".into(),
        make("return {delay_ms: Infinity};"),
    )
    .await
    .expect_err("refused");
    assert_eq!(
        error_message(err),
        "delay_ms must be a number from 0 to 60000, got 'Infinity'"
    );
    let err = call_run(
        &api,
        "hello-sleep".into(),
        make("return {delay_ms: '9'.repeat(1 << 20)};"),
    )
    .await
    .expect_err("refused");
    let message = error_message(err);
    assert!(message.ends_with("… (1048576 characters)'"), "{message}");
    assert!(message.len() < 200);
    wait_for_notice("(1048576 characters)").await;
}

/// A line of a hello-sleep run under way, on show: the live view has refreshed during the run
/// (not an earlier run's line: the lesson is running).
const HELLO_SHOWN_RUNNING: &str =
    "[data-scenario=hello-sleep][data-run-state=running] [data-testid=log] li[data-t-ms]";

/// Waits until `selector` matches something, 5 s at most.
async fn wait_for(selector: &str) -> web_sys::Element {
    let deadline = now_ms() + 5000.0;
    loop {
        if let Some(found) = document().query_selector(selector).ok().flatten() {
            return found;
        }
        assert!(now_ms() < deadline, "nothing matched {selector}");
        sleep(Duration::from_millis(10)).await;
    }
}

#[wasm_bindgen_test]
async fn opening_another_lesson_mid_run_cancels_the_run_and_shows_none_of_its_lines() {
    let api = mounted_api().await;
    let run = call_run(&api, "hello-sleep".into(), params(r#"{"delay_ms": 1500}"#));
    let switch = async {
        // Once this run shows Hello (not an earlier run: the lesson is running), open
        // create-task from the lesson list.
        wait_for(HELLO_SHOWN_RUNNING).await;
        wait_for("a[data-lesson=create-task]")
            .await
            .dyn_into::<web_sys::HtmlElement>()
            .expect("a link")
            .click();
    };
    let (report, ()) = futures::join!(run, switch);
    let report = report.expect("the run resolves");
    assert_eq!(state_of(&report).as_deref(), Some("cancelled"));
    // The report has been handed to the page too: two frames for it to render.
    next_frame().await;
    next_frame().await;
    let lesson = wait_for("[data-scenario=create-task]").await;
    assert_eq!(
        lesson.get_attribute("data-run-state").as_deref(),
        Some("idle")
    );
    let lines = document()
        .query_selector_all("[data-testid=log] li[data-t-ms]")
        .map(|l| l.length())
        .ok();
    assert_eq!(lines, Some(0), "create-task shows hello-sleep's lines");
    assert_eq!(
        text_of("[data-testid=status]").as_deref(),
        Some("not run yet: press Run")
    );
}

#[wasm_bindgen_test]
async fn a_page_frozen_for_two_seconds_during_a_run_says_so() {
    let api = mounted_api().await;
    // A sleep long enough for a live refresh to come first: the refresh steps aside for a
    // sleep due within 50 ms (asyncscope_viewer::Ticker), and a 300 ms run ended before its first one.
    let run = call_run(&api, "hello-sleep".into(), params(r#"{"delay_ms": 1500}"#));
    let freeze = async {
        // Once the live view has refreshed (Hello shows), freeze the page for 2 s.
        wait_for(HELLO_SHOWN_RUNNING).await;
        let start = now_ms();
        while now_ms() - start < 2000.0 {}
    };
    let (report, ()) = futures::join!(run, freeze);
    assert_eq!(
        state_of(&report.expect("resolves")).as_deref(),
        Some("done")
    );
    let hidden_note = document()
        .query_selector("[data-testid=hidden-note]")
        .ok()
        .flatten()
        .is_some();
    assert!(!document().hidden() && !hidden_note, "the test page was hidden during the run (hidden={}, note={hidden_note}): its timers were throttled", document().hidden());
    let note = wait_for("[data-testid=frozen-note]").await;
    let text = note.text_content().unwrap_or_default();
    assert!(text.contains("The page was frozen for"), "{text}");
    let seconds: f64 = text
        .trim_start_matches("The page was frozen for ")
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a number of seconds");
    assert!(seconds >= 1.5, "{text}");
}
