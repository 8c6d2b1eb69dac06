//! End-to-end: the site served under a sub-path, as a static host serves a project
//! (`https://someone.github.io/asyncscope/`), beside another copy of it at a second sub-path of
//! the same origin. Each copy's service worker has its own folder as scope and answers its own
//! `api/` only, so the lessons that need the in-browser server or the Web Worker run in both.
//!
//! It builds nothing: it serves the build `./dev test` makes for `/some/where/`
//! (`trunk build --release --public-url /some/where/ --dist target/dist-subpath`), or the folder
//! `ASYNCSCOPE_DIST_SUBPATH` names. The copy at `/other/` is that build with its base written
//! over in index.html, the one file trunk writes the base into (the test checks it is the only one).
//!
//! Ignored by a plain `cargo test`: run it with `cargo test --test e2e_subpath -- --ignored`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};

use fantoccini::{Client, Locator};

use support::{browser, run_from_url, serve_sites, start_chromedriver, ROOT};

/// The base the build was made for.
const BASE: &str = "/some/where/";
/// The second copy's base.
const OTHER: &str = "/other/";

/// The lessons that use what a base path moves: the server's routes and its service worker
/// (fetch-gather, server-hello, line-protocol), the Web Worker's script (blocking), the lessons'
/// texts (all), and a store of the origin (db-query).
const LESSONS: &[&str] = &[
    "hello-sleep",
    "fetch-gather",
    "server-hello",
    "line-protocol",
    "db-query",
    "blocking&variant=worker",
];

/// The build for [`BASE`], or a panic that says how to make it.
fn subpath_dist() -> PathBuf {
    let dist = std::env::var("ASYNCSCOPE_DIST_SUBPATH").map_or_else(
        |_| Path::new(ROOT).join("target").join("dist-subpath"),
        PathBuf::from,
    );
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: build the site for {BASE} first with \
         `trunk build --release --public-url {BASE} --dist target/dist-subpath` (./dev test does)",
        dist.display()
    );
    dist
}

/// A copy of `dist` (built for [`BASE`]) for `base`: its index.html's links rewritten, after
/// checking that no other text file of the build names the base.
fn copy_for(dist: &Path, base: &str) -> PathBuf {
    let copy = std::env::temp_dir().join(format!("asyncscope-subpath-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(dist, &copy);
    for entry in walk(&copy) {
        let is_text = matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("js" | "css" | "json")
        );
        if is_text {
            let text = std::fs::read_to_string(&entry).unwrap_or_default();
            assert!(
                !text.contains(BASE),
                "{} names the base {BASE}: a copy for another base needs its own build",
                entry.display()
            );
        }
    }
    let index = copy.join("index.html");
    let html = std::fs::read_to_string(&index).expect("index.html");
    assert!(html.contains(BASE), "index.html was not built for {BASE}");
    std::fs::write(&index, html.replace(BASE, base)).expect("index.html written");
    copy
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder for the copy");
    for entry in std::fs::read_dir(from).expect("the build's folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a file copied");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Opens `lesson` (an id, with any parameters after it: `blocking&variant=worker`) under `base`
/// and runs it: done, every check green (support's `run_from_url`).
async fn run(client: &Client, origin: &str, base: &str, lesson: &str) {
    let id = lesson.split('&').next().unwrap_or(lesson);
    run_from_url(client, &format!("{origin}{base}?lesson={lesson}&run=1"), id).await;
}

/// What the page's service worker is: its scope and whether it controls the page.
async fn worker_scope(client: &Client) -> serde_json::Value {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.getRegistration().then(
                 (r) => done({scope: r ? r.scope : null,
                              controlled: !!navigator.serviceWorker.controller}),
                 (e) => done({error: String(e)}));",
            vec![],
        )
        .await
        .expect("the page answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the site built for /some/where/ in target/dist-subpath and chromedriver (./dev test)"]
async fn the_site_runs_its_lessons_under_a_sub_path_beside_another_copy() {
    let dist = subpath_dist();
    let other = copy_for(&dist, OTHER);
    let addr = serve_sites(vec![(BASE, dist), (OTHER, other.clone())]);
    let origin = format!("http://{addr}");
    let driver = start_chromedriver();
    let client = browser(&driver, "e2e-subpath", &[]).await;

    for lesson in LESSONS {
        run(&client, &origin, BASE, lesson).await;
    }
    let here = worker_scope(&client).await;
    assert_eq!(here["scope"], format!("{origin}{BASE}"), "{here}");
    assert_eq!(here["controlled"], true, "{here}");

    // The second copy gets its own worker, scoped to its folder; the first one's still answers
    // its own pages afterwards: neither took the other's requests.
    for lesson in ["server-hello", "fetch-gather", "blocking&variant=worker"] {
        run(&client, &origin, OTHER, lesson).await;
    }
    let there = worker_scope(&client).await;
    assert_eq!(there["scope"], format!("{origin}{OTHER}"), "{there}");
    run(&client, &origin, BASE, "server-hello").await;
    // Outside both folders there is nothing: the host's 404, not a page of either copy.
    client
        .goto(&format!("{origin}/api/"))
        .await
        .expect("page loads");
    let body = client
        .find(Locator::Css("body"))
        .await
        .expect("a body")
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(body.trim(), "not found", "{origin}/api/ is neither copy's");

    client.close().await.expect("session closed");
    let _ = std::fs::remove_dir_all(other);
}
