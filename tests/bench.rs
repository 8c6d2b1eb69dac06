//! The benchmark behind `./dev bench`: the app's release build (dist/) and the benchmark page's
//! (target/bench-dist/, tests/bench.html and src/bin/bench/) served on loopback, the page driven
//! in headless Chromium through chromedriver, and one JSON object of figures printed at the end
//! (and written to target/bench/figures.json, which `./dev bench` prints alone on stdout).
//!
//! The page measures the figures that need the browser (`window.asyncscope_bench`), each in a
//! fresh page of its own; this driver measures those that do not ([`NATIVE_FIGURES`]). A new
//! page figure needs nothing here; a new native figure is one function in that list.
//!
//! Both pages are cross-origin isolated, so that `performance.now()` runs to 5 µs rather than
//! 100 µs: the app's as on a static host, by its service worker (this server sends no headers
//! for it), the benchmark page, which has no worker, by the headers this server sends with it,
//! as `trunk serve` would. `clock_resolution_us` measures the clock in both.
//!
//! Ignored by a plain `cargo test`: `./dev bench` builds both and runs it with
//! `cargo test --test bench -- --ignored --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

// The figures' statistics, as the benchmark page computes them (and tests them).
#[path = "../src/bin/bench/stats.rs"]
mod stats;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::Client;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Map, Value};

use support::{
    app_started, browser, dist, fetch_concurrency_script, page_isolation, serve, serve_isolated,
    serve_logged, start_chromedriver, CONTROLLED, ROOT,
};

/// What the native figures see.
struct Context {
    /// The app's release build.
    dist: PathBuf,
    /// What a first visit downloaded, measured in the browser ([`first_visit`]).
    first_visit: Result<FirstVisit, String>,
    /// How long a lesson of the lessons chunk takes to start in a fresh page ([`chunk_run`]).
    chunk_run: Result<ChunkRun, String>,
}

/// A lesson of the lessons chunk run at once in a freshly opened page of a fresh profile (the
/// chunk not in any cache, its download not yet done), then again: what the chunk's download
/// costs the user who clicks Run first thing.
struct ChunkRun {
    /// From `window.asyncscope.run('gather')` to the lesson's start (its report's `elapsed_ms`
    /// taken off the time until the report): the chunk's download, compile and instantiation
    /// included.
    cold_ms: f64,
    /// The same for the next run, the chunk loaded: the page's own scheduling.
    warm_ms: f64,
}

/// The files a first visit to the app downloaded (paths in dist/), in the order it asked for
/// them: until the page worked, then for its first `/api/` request.
struct FirstVisit {
    until_works: Vec<String>,
    first_api: Vec<String>,
    /// The page's first render, and the moment it worked, in ms since navigation.
    rendered_ms: f64,
    works_ms: f64,
    /// The first `/api/` request (which waits for the server if it was not loaded yet) and the
    /// next one.
    first_api_ms: f64,
    next_api_ms: f64,
}

/// Measures one figure outside the browser: its JSON object, or why it could not.
type NativeFigure = fn(&Context) -> Result<Value, String>;

/// The figures measured here rather than in the page, after the page's.
const NATIVE_FIGURES: &[(&str, NativeFigure)] =
    &[("bundle", bundle), ("trace_crate_size", trace_crate_size)];

/// Chrome flags for steady timings: no throttling of timers or of a page it thinks hidden.
const BENCH_ARGS: &[&str] = &[
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
];

/// Longest a single figure may take in the page.
const FIGURE_TIMEOUT: Duration = Duration::from_secs(120);

fn bench_dist() -> PathBuf {
    let dir = std::env::var("ASYNCSCOPE_BENCH_DIST").map_or_else(
        |_| Path::new(ROOT).join("target").join("bench-dist"),
        PathBuf::from,
    );
    assert!(
        dir.join("index.html").is_file(),
        "{} has no index.html: build it first with \
         `trunk build tests/bench.html --release --dist target/bench-dist` (./dev bench does)",
        dir.display()
    );
    dir
}

/// Whether to measure the figure `name`: all of them, or those named in `ASYNCSCOPE_FIGURES`
/// (comma-separated, e.g. `ASYNCSCOPE_FIGURES=bundle ./dev bench`).
fn wanted(name: &str) -> bool {
    std::env::var("ASYNCSCOPE_FIGURES")
        .map_or(true, |names| names.split(',').any(|n| n.trim() == name))
}

fn figure_timeouts() -> TimeoutConfiguration {
    TimeoutConfiguration::new(
        Some(FIGURE_TIMEOUT),
        Some(Duration::from_secs(60)),
        Some(Duration::ZERO),
    )
}

fn progress(message: &str) {
    eprintln!("[bench] {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release builds and chromedriver: run ./dev bench"]
async fn bench() {
    let dist = dist();
    let app = serve(dist.clone());
    let page = serve_isolated(bench_dist());
    let driver = start_chromedriver();
    let first_visit = if wanted("bundle") {
        progress("first visit (a fresh browser profile: what the app downloads before it works)");
        first_visit(&driver, dist.clone()).await
    } else {
        Err("not measured".to_string())
    };
    let chunk_run = if wanted("bundle") {
        progress("a lesson of the lessons chunk run first thing in a fresh page");
        chunk_run(&driver, app).await
    } else {
        Err("not measured".to_string())
    };
    let context = Context {
        dist,
        first_visit,
        chunk_run,
    };
    let client = browser(&driver, "bench", BENCH_ARGS).await;
    client
        .update_timeouts(figure_timeouts())
        .await
        .expect("WebDriver timeouts set");

    // The sizes below are those of a build that starts.
    app_starts(&client, app).await;

    let mut figures = Map::new();
    if wanted("clock_resolution_us") {
        progress(
            "clock_resolution_us (performance.now() in the app's page and the benchmark page)",
        );
        let clock = clock_resolution(&client, app, page).await;
        progress(&format!(
            "clock: {} µs steps in the app's page ({} µs in the benchmark page)",
            clock["median_step_us"], clock["bench_page"]["median_step_us"]
        ));
        figures.insert("clock_resolution_us".to_string(), clock);
    }
    if wanted("first_paint_ms") {
        progress("first_paint_ms (the release app, loaded 5 times)");
        figures.insert(
            "first_paint_ms".to_string(),
            first_paint(&client, app).await,
        );
    }
    if wanted("fetch_concurrency") {
        progress(
            "fetch_concurrency (100 concurrent /api/delay/500 against one, on the service worker)",
        );
        figures.insert(
            "fetch_concurrency".to_string(),
            fetch_concurrency(&client, app).await,
        );
    }
    if wanted("observer_cost") {
        progress("observer_cost (big runs shown live against the same runs with ?view=none)");
        figures.insert(
            "observer_cost".to_string(),
            observer_cost(&client, app).await,
        );
    }
    if wanted("python_overhead") {
        progress("python_overhead (lessons run as Rust and their Python run by the playground)");
        figures.insert(
            "python_overhead".to_string(),
            python_overhead(&client, app).await,
        );
    }
    let names = page_figures(&client, page).await;
    for name in names.iter().filter(|n| wanted(n)) {
        progress(&format!("{name} (in a fresh page)"));
        let value = page_figure(&client, page, name).await;
        figures.insert(name.clone(), value);
    }
    for (name, measure) in NATIVE_FIGURES.iter().filter(|(n, _)| wanted(n)) {
        progress(name);
        let value = measure(&context).unwrap_or_else(|e| json!({ "error": e }));
        figures.insert(name.to_string(), value);
    }
    client.close().await.expect("session closed");

    let json = serde_json::to_string_pretty(&Value::Object(figures.clone())).expect("JSON");
    let out = Path::new(ROOT).join("target").join("bench");
    std::fs::create_dir_all(&out).expect("target/bench");
    std::fs::write(out.join("figures.json"), format!("{json}\n")).expect("figures.json written");
    println!("{json}");

    let failed: Vec<String> = figures
        .iter()
        .filter_map(|(name, v)| v.get("error").map(|e| format!("{name}: {e}")))
        .collect();
    assert!(failed.is_empty(), "figures not measured: {failed:?}");
}

/// A first visit to the app, in a browser profile of its own (no cache, no service worker yet),
/// with the files served logged: what the page downloads until it works (it has rendered, the
/// lesson's texts are shown, and the service worker controls the page, so a fetch lesson can
/// run), then what its first `/api/` request downloads.
async fn first_visit(driver: &support::Driver, dist: PathBuf) -> Result<FirstVisit, String> {
    let (site, served) = serve_logged(dist);
    let taken = || -> Result<Vec<String>, String> {
        let mut served = served.lock().map_err(|e| e.to_string())?;
        Ok(std::mem::take(&mut *served))
    };
    let client = fresh_page(driver, "bench-first-visit", &format!("http://{site}/")).await?;
    let works = client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 const until = async (test, what) => {{
                   const started = performance.now();
                   while (!test()) {{
                     if (performance.now() - started > 30000) throw new Error(`${{what}}: not within 30 s`);
                     await new Promise(r => setTimeout(r, 10));
                   }}
                 }};
                 (async () => {{
                   const mark = () => performance.getEntriesByName('asyncscope:first-render')[0];
                   await until(mark, 'the first render');
                   await until(() => document.querySelector(
                     '.code:not([aria-busy=true]), [data-testid=texts-error]'), 'the lesson texts');
                   {CONTROLLED}
                   done({{rendered: mark().startTime, works: performance.now(),
                          texts: !document.querySelector('[data-testid=texts-error]')}});
                 }})().catch(e => done({{error: String(e && e.message || e)}}));"
            ),
            vec![],
        )
        .await
        .map_err(|e| format!("WebDriver: {e}"))?;
    if let Some(e) = works.get("error") {
        return Err(format!("the first visit did not work: {e}"));
    }
    if works["texts"] != json!(true) {
        return Err("the first visit could not load the lesson's texts".into());
    }
    let until_works = taken()?;
    let api = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const get = async () => {
               const started = performance.now();
               const r = await fetch('/api/delay/0');
               await r.text();
               if (!r.ok) throw new Error(`/api/delay/0: ${r.status}`);
               return performance.now() - started;
             };
             (async () => done({first: await get(), next: await get()}))()
               .catch(e => done({error: String(e && e.message || e)}));",
            vec![],
        )
        .await
        .map_err(|e| format!("WebDriver: {e}"))?;
    if let Some(e) = api.get("error") {
        return Err(format!("the first /api/ request failed: {e}"));
    }
    let first_api = taken()?;
    let _ = client.close().await;
    let ms = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    Ok(FirstVisit {
        until_works,
        first_api,
        rendered_ms: ms(&works["rendered"]),
        works_ms: ms(&works["works"]),
        first_api_ms: ms(&api["first"]),
        next_api_ms: ms(&api["next"]),
    })
}

/// Runs `gather` (a lesson of the lessons chunk) as soon as the app has started in a fresh
/// profile, then again; each time from the call to the lesson's start ([`ChunkRun`]).
async fn chunk_run(driver: &support::Driver, app: SocketAddr) -> Result<ChunkRun, String> {
    let url = format!("http://{app}/?lesson=gather");
    let client = fresh_page(driver, "bench-chunk-run", &url).await?;
    let runs = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const start = async () => {
               const called = performance.now();
               const report = await window.asyncscope.run('gather', {a_ms: 30, b_ms: 10, c_ms: 20});
               if (report.state !== 'done') throw new Error(`gather: ${report.state}: ${report.error}`);
               return performance.now() - called - report.elapsed_ms;
             };
             (async () => done({cold: await start(), warm: await start()}))()
               .catch(e => done({error: String(e && e.message || e)}));",
            vec![],
        )
        .await
        .map_err(|e| format!("WebDriver: {e}"))?;
    let _ = client.close().await;
    if let Some(e) = runs.get("error") {
        return Err(format!("the chunk's lesson did not run: {e}"));
    }
    let ms = |v: &Value| v.as_f64().ok_or_else(|| format!("not a time: {runs}"));
    Ok(ChunkRun {
        cold_ms: ms(&runs["cold"])?,
        warm_ms: ms(&runs["warm"])?,
    })
}

/// `url` opened in a browser with a fresh profile (a first visit), once the app has started:
/// past the one reload of a first visit that makes the page cross-origin isolated.
async fn fresh_page(driver: &support::Driver, profile: &str, url: &str) -> Result<Client, String> {
    let client = browser(driver, profile, BENCH_ARGS).await;
    client
        .update_timeouts(figure_timeouts())
        .await
        .map_err(|e| format!("WebDriver: {e}"))?;
    client
        .goto(url)
        .await
        .map_err(|e| format!("the app did not load: {e}"))?;
    app_started(&client, 30).await;
    Ok(client)
}

/// Opens the app and waits for its automation API: a release build that really starts (on
/// this first visit, after the one reload that isolates it).
async fn app_starts(client: &Client, app: SocketAddr) {
    progress("the release app starts");
    client
        .goto(&format!("http://{app}/"))
        .await
        .expect("the app loads");
    app_started(client, 30).await;
    let lessons = client
        .execute_async(
            &wait_for("window.asyncscope", "window.asyncscope.scenarios().length"),
            vec![],
        )
        .await
        .expect("script runs");
    assert!(
        lessons.as_u64().is_some_and(|n| n > 0),
        "the release app did not start: {lessons}"
    );
}

/// Reads `performance.now()` back to back for 200 ms (or until it has changed 20,000 times) and
/// resolves with the steps between successive different readings: the smallest and the median,
/// in µs, with `crossOriginIsolated`.
const CLOCK: &str = "
    const steps = [];
    let readings = 0;
    let last = performance.now();
    const end = last + 200;
    while (steps.length < 20000) {
        const t = performance.now();
        readings++;
        if (t !== last) {
            steps.push(t - last);
            last = t;
        }
        if (t >= end) break;
    }
    steps.sort((a, b) => a - b);
    const us = (ms) => Math.round(ms * 1e6) / 1e3;
    return {isolated: self.crossOriginIsolated === true, readings, steps: steps.length,
            min_step_us: us(steps[0]), median_step_us: us(steps[steps.length >> 1])};";

/// The clock's resolution where the figures are measured: the app's page (the one the tracer
/// records in, isolated by its service worker) and the benchmark page (isolated by headers).
async fn clock_resolution(client: &Client, app: SocketAddr, page: SocketAddr) -> Value {
    if let Err(e) = client.goto(&format!("http://{app}/")).await {
        return json!({ "error": format!("the app did not load: {e}") });
    }
    app_started(client, 30).await;
    let in_app = match client.execute(CLOCK, vec![]).await {
        Ok(v) => v,
        Err(e) => return json!({ "error": format!("WebDriver: {e}") }),
    };
    open_bench_page(client, page).await;
    let in_page = match client.execute(CLOCK, vec![]).await {
        Ok(v) => v,
        Err(e) => return json!({ "error": format!("WebDriver: {e}") }),
    };
    let median = in_app["median_step_us"].as_f64();
    json!({
        "min_step_us": in_app["min_step_us"],
        "median_step_us": in_app["median_step_us"],
        "cross_origin_isolated": in_app["isolated"],
        "steps": in_app["steps"],
        "readings": in_app["readings"],
        "bench_page": {
            "min_step_us": in_page["min_step_us"],
            "median_step_us": in_page["median_step_us"],
            "cross_origin_isolated": in_page["isolated"],
        },
        "goal": "median_step_us <= 5 in the app's page",
        "goal_met": median.is_some_and(|us| us <= 5.0),
    })
}

/// The release app's first contentful paint on loopback (the page is empty until the app has
/// rendered, so this is when the app first shows), or where the browser gives no paint timing
/// (headless), the app's own mark of its first render: the median of 5 loads.
async fn first_paint(client: &Client, app: SocketAddr) -> Value {
    let mut paints = Vec::new();
    for i in 0..5 {
        if let Err(e) = client.goto(&format!("http://{app}/?load={i}")).await {
            return json!({ "error": format!("the app did not load: {e}") });
        }
        let fcp = client
            .execute_async(
                &wait_for(
                    "window.asyncscope",
                    "(performance.getEntriesByName('first-contentful-paint')[0] \
                      || performance.getEntriesByName('asyncscope:first-render')[0]).startTime",
                ),
                vec![],
            )
            .await;
        match fcp.ok().and_then(|v| v.as_f64()) {
            Some(ms) => paints.push(ms),
            None => {
                return json!({ "error": "neither a first-contentful-paint entry nor the app's mark" })
            }
        }
    }
    paints.sort_by(f64::total_cmp);
    let median = paints[paints.len() / 2];
    json!({
        "first_paint_ms": stats::round(median, 1),
        "loads_ms": paints,
        "goal": "first_paint_ms < 1000",
        "goal_met": median < 1000.0,
    })
}

/// 100 concurrent `/api/delay/500` against one, answered by the app's Rust service worker: the
/// best of 5 rounds each, and their ratio.
async fn fetch_concurrency(client: &Client, app: SocketAddr) -> Value {
    if let Err(e) = client.goto(&format!("http://{app}/")).await {
        return json!({ "error": format!("the app did not load: {e}") });
    }
    let result = match client
        .execute_async(&fetch_concurrency_script(), vec![])
        .await
    {
        Ok(r) => r,
        Err(e) => return json!({ "error": format!("WebDriver: {e}") }),
    };
    if let Some(e) = result.get("error") {
        return json!({ "error": e });
    }
    let (one, all) = (result["oneMs"].as_f64(), result["allMs"].as_f64());
    match (one, all) {
        (Some(one), Some(all)) if one > 0.0 => json!({
            "one_ms": stats::round(one, 1),
            "hundred_ms": stats::round(all, 1),
            "ratio": stats::round(all / one, 3),
            "in_flight_at_once": result["inFlight"],
            "goal": "ratio <= 1.2",
            "goal_met": all / one <= 1.2,
        }),
        _ => json!({ "error": format!("no timings: {result}") }),
    }
}

/// The runs `observer_cost` measures: the sizes at which the page's drawing once made the
/// programs it showed late.
const OBSERVED_RUNS: [(&str, &str); 3] = [
    ("one-thread", "{coroutines: 100}"),
    ("lock", "{tasks: 500}"),
    ("fetch-limit", "{n: 100}"),
];

/// Runs of each lesson and view; the median of them is taken.
const OBSERVED_REPEATS: usize = 5;

/// What the page showing a run live costs the run: each of [`OBSERVED_RUNS`] run
/// [`OBSERVED_REPEATS`] times in the app's page with its views live (the log, the status, the
/// trace panel and its timeline, as a user sees them) and as many with `?view=none` (nothing
/// drawn while it runs); the ratios of the medians of elapsed time and of median sleep lateness
/// (from `window.asyncscope.sleeps()`: each sleep's poll after its due time). The runs of both
/// views alternate, so that a slower moment of the machine falls on both.
async fn observer_cost(client: &Client, app: SocketAddr) -> Value {
    let mut out = Map::new();
    let mut worst_elapsed: f64 = 0.0;
    let mut worst_late: f64 = 0.0;
    for (lesson, params) in OBSERVED_RUNS {
        let mut elapsed = [Vec::new(), Vec::new()];
        let mut late = [Vec::new(), Vec::new()];
        for _ in 0..OBSERVED_REPEATS {
            for (i, view) in ["live", "none"].into_iter().enumerate() {
                match observed_run(client, app, lesson, params, view).await {
                    Ok((e, l)) => {
                        elapsed[i].push(e);
                        if let Some(l) = l {
                            late[i].push(l);
                        }
                    }
                    Err(e) => return json!({ "error": format!("{lesson} ({view}): {e}") }),
                }
            }
        }
        let med = |xs: &Vec<f64>| stats::median(xs);
        let (Some(e_live), Some(e_none)) = (med(&elapsed[0]), med(&elapsed[1])) else {
            return json!({ "error": format!("{lesson}: no timings") });
        };
        let elapsed_ratio = e_live / e_none;
        worst_elapsed = worst_elapsed.max(elapsed_ratio);
        let mut row = json!({
            "elapsed_ms_live": stats::round(e_live, 1),
            "elapsed_ms_none": stats::round(e_none, 1),
            "elapsed_ratio": stats::round(elapsed_ratio, 3),
        });
        if let (Some(l_live), Some(l_none)) = (med(&late[0]), med(&late[1])) {
            // Lateness below the timers' own granularity (1 ms) is compared as 1 ms: a ratio
            // of 0.2 ms to 0.1 ms says nothing about the page.
            let ratio = l_live.max(1.0) / l_none.max(1.0);
            worst_late = worst_late.max(ratio);
            row["late_ms_live"] = json!(stats::round(l_live, 2));
            row["late_ms_none"] = json!(stats::round(l_none, 2));
            row["late_ratio"] = json!(stats::round(ratio, 3));
        } else {
            row["late_ratio"] = json!(null);
            row["note"] = json!("no traced sleep in this lesson: elapsed time only");
        }
        progress(&format!("observer_cost {lesson} {params}: {row}"));
        out.insert(format!("{lesson} {params}"), row);
    }
    out.insert(
        "worst_elapsed_ratio".to_string(),
        json!(stats::round(worst_elapsed, 3)),
    );
    out.insert(
        "worst_late_ratio".to_string(),
        json!(stats::round(worst_late, 3)),
    );
    out.insert(
        "runs".to_string(),
        json!(format!(
            "median of {OBSERVED_REPEATS} runs per lesson and view, alternating"
        )),
    );
    out.insert(
        "bar".to_string(),
        json!("both ratios <= 1.1 (lateness under 1 ms counted as 1 ms)"),
    );
    out.insert(
        "bar_met".to_string(),
        json!(worst_elapsed <= 1.1 && worst_late <= 1.1),
    );
    out.insert("goal".to_string(), json!("both ratios <= 1.03"));
    out.insert(
        "goal_met".to_string(),
        json!(worst_elapsed <= 1.03 && worst_late <= 1.03),
    );
    Value::Object(out)
}

/// The lessons `python_overhead` runs both ways: their Rust, and their Python (the lesson's
/// NAME.py, which the page serves as lessons/ID/python.txt) through the playground's
/// interpreter. Each does the same waits and prints the same lines both ways.
/// (Not producer-consumer: its lesson runs one of its Python's two programs by default.)
const INTERPRETED: [&str; 4] = ["create-task", "lock", "gather", "timeout"];

/// Runs of each lesson and way; the median is taken.
const INTERPRETED_REPEATS: usize = 3;

/// What running a program through the interpreter costs against the same program as a lesson
/// of Rust: for each of [`INTERPRETED`], the lesson `run()` and its Python `runPython()` in
/// fresh app pages (views detached, as `observer_cost`'s baseline: the figure is the
/// interpreter's, not the page's), alternating, [`INTERPRETED_REPEATS`] times each; the medians
/// of elapsed time and of busy time (every task's time in polls, from `tasks()`), and their
/// ratios.
async fn python_overhead(client: &Client, app: SocketAddr) -> Value {
    let mut out = Map::new();
    let mut worst_busy: f64 = 0.0;
    let mut worst_elapsed: f64 = 0.0;
    for lesson in INTERPRETED {
        let mut elapsed = [Vec::new(), Vec::new()];
        let mut busy = [Vec::new(), Vec::new()];
        for _ in 0..INTERPRETED_REPEATS {
            for (i, interpreted) in [false, true].into_iter().enumerate() {
                match interpreted_run(client, app, lesson, interpreted).await {
                    Ok((e, b)) => {
                        elapsed[i].push(e);
                        busy[i].push(b);
                    }
                    Err(e) => {
                        let way = if interpreted { "Python" } else { "Rust" };
                        return json!({ "error": format!("{lesson} ({way}): {e}") });
                    }
                }
            }
        }
        let med = |xs: &Vec<f64>| stats::median(xs).unwrap_or(f64::NAN);
        let (e_rust, e_py) = (med(&elapsed[0]), med(&elapsed[1]));
        let (b_rust, b_py) = (med(&busy[0]), med(&busy[1]));
        worst_elapsed = worst_elapsed.max(e_py / e_rust);
        worst_busy = worst_busy.max(b_py / b_rust.max(0.01));
        let row = json!({
            "elapsed_ms_rust": stats::round(e_rust, 1),
            "elapsed_ms_python": stats::round(e_py, 1),
            "elapsed_ratio": stats::round(e_py / e_rust, 3),
            "busy_ms_rust": stats::round(b_rust, 2),
            "busy_ms_python": stats::round(b_py, 2),
            "busy_ratio": stats::round(b_py / b_rust.max(0.01), 1),
        });
        progress(&format!("python_overhead {lesson}: {row}"));
        out.insert(lesson.to_string(), row);
    }
    out.insert(
        "worst_elapsed_ratio".to_string(),
        json!(stats::round(worst_elapsed, 3)),
    );
    out.insert(
        "worst_busy_ratio".to_string(),
        json!(stats::round(worst_busy, 1)),
    );
    out.insert(
        "runs".to_string(),
        json!(format!(
            "median of {INTERPRETED_REPEATS} runs per lesson and way, alternating, ?view=none; busy = sum of every task's busy_ms"
        )),
    );
    Value::Object(out)
}

/// One run of `lesson` (its Rust, or its Python through the interpreter) in a freshly loaded
/// app page with the views detached: its elapsed time and its tasks' busy time, in ms.
async fn interpreted_run(
    client: &Client,
    app: SocketAddr,
    lesson: &str,
    interpreted: bool,
) -> Result<(f64, f64), String> {
    client
        .goto(&format!("http://{app}/?lesson={lesson}&view=none"))
        .await
        .map_err(|e| format!("the app did not load: {e}"))?;
    app_started(client, 30).await;
    let call = if interpreted {
        format!(
            "const source = await (await fetch('lessons/{lesson}/python.txt')).text();
             const report = await window.asyncscope.runPython(source, {{seed: 1}});"
        )
    } else {
        format!("const report = await window.asyncscope.run('{lesson}');")
    };
    let script = format!(
        "const done = arguments[arguments.length - 1];
         (async () => {{
           {CONTROLLED}
           while (!window.asyncscope) await new Promise(r => setTimeout(r, 20));
           await new Promise(r => setTimeout(r, 300));
           {call}
           const busy = window.asyncscope.tasks().reduce((s, t) => s + t.busy_ms, 0);
           return {{state: report.state, elapsed_ms: report.elapsed_ms, busy_ms: busy,
                    error: report.error || null}};
         }})().then(done, e => done({{error: String(e && e.message || e)}}));"
    );
    let r = client
        .execute_async(&script, vec![])
        .await
        .map_err(|e| format!("WebDriver: {e}"))?;
    if r["state"] != "done" {
        return Err(format!("the run did not finish: {r}"));
    }
    match (r["elapsed_ms"].as_f64(), r["busy_ms"].as_f64()) {
        (Some(e), Some(b)) => Ok((e, b)),
        _ => Err(format!("no timings: {r}")),
    }
}

/// One run of `lesson` in a freshly loaded app page with views `view`: its elapsed time and the
/// median lateness of its traced sleeps (None when it slept on no traced timer).
async fn observed_run(
    client: &Client,
    app: SocketAddr,
    lesson: &str,
    params: &str,
    view: &str,
) -> Result<(f64, Option<f64>), String> {
    client
        .goto(&format!("http://{app}/?scenario={lesson}&view={view}"))
        .await
        .map_err(|e| format!("the app did not load: {e}"))?;
    app_started(client, 30).await;
    let script = format!(
        "const done = arguments[arguments.length - 1];
         (async () => {{
           {CONTROLLED}
           while (!window.asyncscope) await new Promise(r => setTimeout(r, 20));
           // Settle: the page's first render and the worker's start are behind us.
           await new Promise(r => setTimeout(r, 300));
           const report = await window.asyncscope.run('{lesson}', {params});
           const late = window.asyncscope.sleeps().map(s => s.late_ms).sort((a, b) => a - b);
           return {{state: report.state, elapsed_ms: report.elapsed_ms,
                    failed: report.checks.filter(c => !c.ok).map(c => c.name),
                    late_ms: late.length ? late[late.length >> 1] : null}};
         }})().then(done, e => done({{error: String(e && e.message || e)}}));"
    );
    let r = client
        .execute_async(&script, vec![])
        .await
        .map_err(|e| format!("WebDriver: {e}"))?;
    if let Some(e) = r.get("error") {
        return Err(e.to_string());
    }
    if r["state"] != "done" {
        return Err(format!("the run did not finish: {r}"));
    }
    let elapsed = r["elapsed_ms"]
        .as_f64()
        .ok_or_else(|| format!("no elapsed time: {r}"))?;
    Ok((elapsed, r["late_ms"].as_f64()))
}

/// A script for `execute_async` that waits (30 s at most) for `global` to appear in the page,
/// then resolves with `then` (or with `{error}`).
fn wait_for(global: &str, then: &str) -> String {
    format!(
        "const done = arguments[arguments.length - 1];
         const started = Date.now();
         (function wait() {{
           if ({global}) {{
             try {{ done({then}); }} catch (e) {{ done({{error: String(e && e.message || e)}}); }}
           }} else if (Date.now() - started > 30000) {{
             done({{error: '{global} did not appear within 30 s (see the console)'}});
           }} else {{
             setTimeout(wait, 20);
           }}
         }})();"
    )
}

async fn open_bench_page(client: &Client, page: SocketAddr) -> Value {
    client
        .goto(&format!("http://{page}/"))
        .await
        .expect("the benchmark page loads");
    client
        .execute_async(
            &wait_for(
                "window.asyncscope_bench",
                "window.asyncscope_bench.figures()",
            ),
            vec![],
        )
        .await
        .expect("script runs")
}

/// The names of the figures the page measures; the page must be cross-origin isolated, or its
/// figures would be timed with the 100 µs clock.
async fn page_figures(client: &Client, page: SocketAddr) -> Vec<String> {
    let names = open_bench_page(client, page).await;
    let isolation = page_isolation(client).await;
    assert_eq!(
        isolation["isolated"], true,
        "the benchmark page is not cross-origin isolated: {isolation}"
    );
    serde_json::from_value(names.clone())
        .unwrap_or_else(|_| panic!("the benchmark page did not start: {names}"))
}

/// Measures one figure in a fresh page: its own heap and event loop, nothing left over from
/// the figure before. Profiled if asked ([`profiling`]).
async fn page_figure(client: &Client, page: SocketAddr, name: &str) -> Value {
    open_bench_page(client, page).await;
    if profiling() {
        profile_start(client).await;
    }
    let value = client
        .execute_async(
            "const [name, done] = arguments;
             window.asyncscope_bench.run(name)
               .then(done, e => done({error: String(e && e.message || e)}));",
            vec![json!(name)],
        )
        .await
        .unwrap_or_else(|e| json!({ "error": format!("WebDriver: {e}") }));
    if profiling() {
        profile_stop(client, name).await;
    }
    value
}

/// `ASYNCSCOPE_PROFILE=1 ./dev bench`: every page figure runs under Chromium's sampling profiler
/// (the DevTools protocol's `Profiler`, a sample every 50 µs), in a build of the benchmark page
/// that keeps the functions' names (`./dev` builds it so). Where the time goes is then a table of
/// Rust functions rather than `wasm-function[236]`. The figures of a profiled run are not
/// comparable with the others: sampling takes time too.
fn profiling() -> bool {
    std::env::var_os("ASYNCSCOPE_PROFILE").is_some()
}

/// The profiler samples every this many µs.
const PROFILE_INTERVAL_US: u64 = 50;
/// Functions listed from a figure's profile.
const PROFILE_TOP: usize = 25;

async fn profile_start(client: &Client) {
    support::devtools(client, "Profiler.enable", json!({})).await;
    support::devtools(
        client,
        "Profiler.setSamplingInterval",
        json!({ "interval": PROFILE_INTERVAL_US }),
    )
    .await;
    support::devtools(client, "Profiler.start", json!({})).await;
}

/// Stops the profiler, writes its profile to target/bench/profiles/NAME.cpuprofile (DevTools'
/// Performance panel opens it) and the functions that took the most time, by their own
/// samples, to NAME.txt beside it and to stderr.
async fn profile_stop(client: &Client, name: &str) {
    let stopped = support::devtools(client, "Profiler.stop", json!({})).await;
    let profile = &stopped["profile"];
    let dir = Path::new(ROOT)
        .join("target")
        .join("bench")
        .join("profiles");
    std::fs::create_dir_all(&dir).expect("target/bench/profiles");
    std::fs::write(dir.join(format!("{name}.cpuprofile")), profile.to_string())
        .expect("profile written");
    let table = match self_samples(profile) {
        Ok((functions, total)) => {
            let mut lines = vec![format!(
                "{name}: {total} samples, one every {PROFILE_INTERVAL_US} µs; by own samples:"
            )];
            lines.extend(functions.iter().take(PROFILE_TOP).map(|(function, n)| {
                let share = 100.0 * *n as f64 / total.max(1) as f64;
                format!("{n:7} {share:5.1}%  {function}")
            }));
            lines.join("\n")
        }
        Err(e) => format!("{name}: the profile could not be read: {e}"),
    };
    std::fs::write(dir.join(format!("{name}.txt")), format!("{table}\n")).expect("table written");
    progress(&table);
}

/// A DevTools CPU profile's samples counted by the function they were taken in (its own time,
/// not its callees'), most first, functions of one name counted together (the hash rustc adds
/// to each instance taken off); and the number of samples.
fn self_samples(profile: &Value) -> Result<(Vec<(String, u64)>, u64), String> {
    let nodes = profile["nodes"].as_array().ok_or("no nodes")?;
    let samples = profile["samples"].as_array().ok_or("no samples")?;
    let mut names = std::collections::HashMap::new();
    for node in nodes {
        let id = node["id"].as_u64().ok_or("a node without an id")?;
        let frame = &node["callFrame"];
        let function = frame["functionName"].as_str().unwrap_or_default();
        let name = if function.is_empty() {
            format!("(anonymous {})", frame["url"].as_str().unwrap_or_default())
        } else {
            without_hash(function)
        };
        names.insert(id, name);
    }
    let mut counts: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for sample in samples {
        let id = sample.as_u64().ok_or("a sample that is not a node id")?;
        let name = names.get(&id).ok_or("a sample of an unknown node")?;
        *counts.entry(name).or_default() += 1;
    }
    let mut functions: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(f, n)| (f.to_string(), n))
        .collect();
    functions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok((functions, samples.len() as u64))
}

/// A Rust symbol without the `::h` and 16 hex digits rustc ends each instance's name with.
fn without_hash(symbol: &str) -> String {
    let mut out = String::with_capacity(symbol.len());
    let mut rest = symbol;
    while let Some(at) = rest.find("::h") {
        let digits = &rest[at + 3..];
        let hash = digits.len() >= 16
            && digits.as_bytes()[..16].iter().all(u8::is_ascii_hexdigit)
            && !digits
                .as_bytes()
                .get(16)
                .is_some_and(u8::is_ascii_alphanumeric);
        out.push_str(&rest[..at]);
        if hash {
            rest = &digits[16..];
        } else {
            out.push_str("::h");
            rest = digits;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn a_profile_is_counted_by_function_its_hashes_taken_off() {
    let profile = json!({
        "nodes": [
            { "id": 1, "callFrame": { "functionName": "(root)", "url": "" }, "children": [2, 4] },
            { "id": 2, "callFrame": { "functionName": "a::State::apply::h0123456789abcdef", "url": "" }, "children": [3] },
            { "id": 3, "callFrame": { "functionName": "now", "url": "" } },
            { "id": 4, "callFrame": { "functionName": "a::State::apply::hfedcba9876543210", "url": "" } },
            { "id": 5, "callFrame": { "functionName": "", "url": "boot.js" } }
        ],
        "samples": [2, 3, 4, 4, 3, 3, 5]
    });
    let (functions, total) = self_samples(&profile).expect("a profile");
    assert_eq!(total, 7);
    assert_eq!(
        functions,
        [
            ("a::State::apply".to_string(), 3),
            ("now".to_string(), 3),
            ("(anonymous boot.js)".to_string(), 1),
        ]
    );
    assert_eq!(
        without_hash("<a::B as c::D>::f::h0123456789abcdef shim"),
        "<a::B as c::D>::f shim"
    );
    assert_eq!(without_hash("x::hello::y"), "x::hello::y");
    assert!(self_samples(&json!({ "nodes": [], "samples": [9] })).is_err());
}

/// The app's size: every `.wasm` and `.js` in dist/ (snippets included), raw and gzipped at
/// level 9, by when it loads; and, the figure with the goal, what a first visit really
/// downloaded before the page worked (every file it asked for: HTML, CSS, JS, wasm, the
/// lesson's texts), gzipped the same way.
fn bundle(context: &Context) -> Result<Value, String> {
    let mut files = Vec::new();
    list_files(&context.dist, &mut files)
        .map_err(|e| format!("{}: {e}", context.dist.display()))?;
    let (mut wasm, mut js) = ((0, 0), (0, 0));
    // What loads when: the page itself, the service worker it registers at start, and the Web
    // Worker only the blocking and chat lessons start.
    let (mut page, mut service_worker, mut worker, mut chunk) = (0, 0, 0, 0);
    let mut per_file = Map::new();
    for file in files {
        let sizes = match file.extension().and_then(|e| e.to_str()) {
            Some("wasm") => &mut wasm,
            Some("js") => &mut js,
            _ => continue,
        };
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let gz = gzipped_len(&bytes)?;
        sizes.0 += bytes.len();
        sizes.1 += gz;
        let name = file
            .strip_prefix(&context.dist)
            .unwrap_or(&file)
            .display()
            .to_string();
        match loads_with(&name) {
            Load::ServiceWorker => service_worker += gz,
            Load::WebWorker => worker += gz,
            Load::Page => page += gz,
            Load::Chunk => chunk += gz,
        }
        per_file.insert(name, json!({ "bytes": bytes.len(), "gzip_bytes": gz }));
    }
    if wasm.0 == 0 || js.0 == 0 {
        return Err(format!(
            "{} holds no wasm or no JS: is it trunk's build?",
            context.dist.display()
        ));
    }
    let visit = context.first_visit.as_ref().map_err(|e| e.clone())?;
    let downloaded = |names: &[String]| -> Result<(usize, usize, Map<String, Value>), String> {
        let (mut page, mut service_worker, mut list) = (0, 0, Map::new());
        for name in names {
            // Each file once: the one reload of a first visit (into a cross-origin isolated
            // page) asks for the page's files again, which any static host's caching answers
            // without sending them twice (this loopback server sends no cache headers).
            if list.contains_key(name) {
                continue;
            }
            let path = context.dist.join(name);
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let gz = gzipped_len(&bytes)?;
            match loads_with(name) {
                Load::ServiceWorker => service_worker += gz,
                // Fetched once the page has painted (or at the first run of one of its
                // lessons), not needed for the page to work: listed, not counted.
                Load::Chunk => {}
                _ => page += gz,
            }
            list.insert(name.clone(), json!(gz));
        }
        Ok((page, service_worker, list))
    };
    let (visit_page, visit_sw, visit_files) = downloaded(&visit.until_works)?;
    let (api_page, api_sw, api_files) = downloaded(&visit.first_api)?;
    let first_visit = visit_page + visit_sw;
    let ms = |v: f64| stats::round(v, 1);
    let chunk_run = context.chunk_run.as_ref().map_err(|e| e.clone())?;
    Ok(json!({
        "first_visit_gzip_kb": kb(first_visit as f64),
        "first_visit": {
            "page_gzip_kb": kb(visit_page as f64),
            "service_worker_gzip_kb": kb(visit_sw as f64),
            "rendered_ms": ms(visit.rendered_ms),
            "works_ms": ms(visit.works_ms),
            "files_gzip_bytes": visit_files,
        },
        "first_api_request": {
            "gzip_kb": kb((api_page + api_sw) as f64),
            "ms": ms(visit.first_api_ms),
            "next_ms": ms(visit.next_api_ms),
            "files_gzip_bytes": api_files,
        },
        "wasm_bytes": wasm.0,
        "wasm_gzip_bytes": wasm.1,
        "js_bytes": js.0,
        "js_gzip_bytes": js.1,
        "total_gzip_bytes": wasm.1 + js.1,
        "bundle_gzip_kb": kb((wasm.1 + js.1) as f64),
        "page_gzip_kb": kb(page as f64),
        "service_worker_gzip_kb": kb(service_worker as f64),
        "web_worker_gzip_kb": kb(worker as f64),
        "lessons_chunk": {
            "gzip_kb": kb(chunk as f64),
            "cold_run_ms": ms(chunk_run.cold_ms),
            "warm_run_ms": ms(chunk_run.warm_ms),
            "note": "split_lessons-CHECKSUM.wasm: every lesson but hello-sleep, the playground and the trace panel, fetched after the page's first paint (on hello-sleep once its texts have come and the page is idle) or at the first run of one of them, not counted in first_visit; cold_run_ms: from window.asyncscope.run('gather') to its start, called as soon as a fresh profile's page started (what is left of the chunk's download, compile and instantiation, which the page's own prefetch may have begun; the same call again: warm_run_ms)",
        },
        "goal": "first_visit_gzip_kb <= 350 (issue 11's bar: page + service worker as a first visit downloads them before the page works); its goal: <= 250",
        "goal_met": first_visit <= 350_000,
        "stretch_goal_met": first_visit <= 250_000,
        "gzip_level": 9,
        "files": per_file,
    }))
}

/// What adding asyncscope-trace to an app costs in its wasm: tests/size-probe (an empty yew app
/// that spawns one task) built plain, with the tracer, and with the tracer without its `enabled`
/// feature, by `./dev bench` into target/size-probe/VARIANT/ (the workspace's release profile:
/// the app at opt-level "z", the tracer at 3).
fn trace_crate_size(_: &Context) -> Result<Value, String> {
    let wasm_gz = |variant: &str| -> Result<usize, String> {
        let dir = Path::new(ROOT)
            .join("target")
            .join("size-probe")
            .join(variant);
        let mut files = Vec::new();
        list_files(&dir, &mut files)
            .map_err(|e| format!("{}: {e} (./dev bench builds it)", dir.display()))?;
        let wasm: Vec<&PathBuf> = files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "wasm"))
            .collect();
        let [file] = wasm[..] else {
            return Err(format!(
                "{} holds {} wasm files, not one",
                dir.display(),
                wasm.len()
            ));
        };
        gzipped_len(&std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?)
    };
    let (plain, traced, off) = (wasm_gz("plain")?, wasm_gz("trace")?, wasm_gz("trace-off")?);
    let layered = wasm_gz("trace-tracing")?;
    let python = wasm_gz("python")?;
    let (with_kb, without_kb) = (
        kb(traced as f64 - plain as f64),
        kb(off as f64 - plain as f64),
    );
    Ok(json!({
        "plain_gzip_kb": kb(plain as f64),
        "traced_gzip_kb": kb(traced as f64),
        "off_gzip_kb": kb(off as f64),
        "added_gzip_kb": with_kb,
        "added_off_gzip_kb": without_kb,
        // The `tracing` feature with its layer installed (tracing-subscriber's registry included),
        // on top of the tracer: what an app that already uses tracing pays for its spans as rows.
        "tracing_layer_added_gzip_kb": kb(layered as f64 - traced as f64),
        // The playground's parser and interpreter running a program, on top of the tracer: what
        // the lessons chunk grows by for the playground (issue 16).
        "python_interpreter_added_gzip_kb": kb(python as f64 - traced as f64),
        "gzip_level": 9,
        "goal": "added_gzip_kb <= 60 and added_off_gzip_kb <= 0 (issue 12: asyncscope-trace in an empty yew app, with and without its enabled feature)",
        "goal_met": with_kb <= 60.0 && without_kb <= 0.0,
    }))
}

/// `bytes` in KB (1,000 bytes), to one decimal.
fn kb(bytes: f64) -> f64 {
    (bytes / 100.0).round() / 10.0
}

/// When a file of dist/ loads.
enum Load {
    /// With the page (index.html, its CSS, wasm and JS, the texts of the lesson it opens).
    Page,
    /// The in-browser server: sw.js and its Rust (server.js, server_bg.wasm).
    ServiceWorker,
    /// The Web Worker that only the blocking and chat lessons start.
    WebWorker,
    /// The lessons chunk (every lesson but the landing one), fetched after the page works.
    Chunk,
}

fn loads_with(name: &str) -> Load {
    match name {
        n if n.starts_with("server") || n == "sw.js" => Load::ServiceWorker,
        n if n.starts_with("worker") || n == "crunch_worker.js" => Load::WebWorker,
        n if n.starts_with("split_lessons") => Load::Chunk,
        _ => Load::Page,
    }
}

fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn gzipped_len(bytes: &[u8]) -> Result<usize, String> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(bytes).map_err(|e| e.to_string())?;
    gz.finish().map(|out| out.len()).map_err(|e| e.to_string())
}
