//! The tracer in a dedicated Web Worker (wasm-bindgen-test runs this file's tests in one): it
//! records there as in a page (tasks, sleeps on the worker's timers, a timeout's cancellation, a
//! traced fetch on the worker's own `fetch`), and the overlay, which needs a document, says so
//! in words instead of panicking.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::trace::{self, fetch::Request, now_ms, sleep, CancelReason, TaskState};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn in_a_worker_the_tracer_records_tasks_sleeps_cancellations_and_fetches() {
    assert!(web_sys::window().is_none(), "this runs in a worker");
    trace::reset();
    let start = now_ms();
    let sleeper = trace::spawn("sleeper", async {
        sleep(Duration::from_millis(30)).await;
        7
    });
    let cut = trace::spawn("cut", async {
        trace::timeout(
            Duration::from_millis(10),
            trace::instrument("too-slow", sleep(Duration::from_secs(5))),
        )
        .await
        .is_err()
    });
    // The worker's own fetch (a data: URL: no server needed), traced as a resource.
    let fetched = trace::spawn("fetcher", async {
        let response = Request::get("data:text/plain,hello").send().await;
        response.map(|r| r.text()).map_err(|e| e.to_string())
    });
    assert_eq!(sleeper.await.ok(), Some(7));
    assert!(now_ms() - start >= 30.0, "never early");
    assert_eq!(cut.await.ok(), Some(true));
    assert_eq!(fetched.await.ok(), Some(Ok("hello".to_string())));
    let (states, too_slow, fetches) = trace::with_recorder(|r| {
        let mut states: Vec<(String, TaskState)> = r
            .tasks()
            .filter(|t| t.name() != "too-slow")
            .map(|t| (t.name().to_string(), t.state))
            .collect();
        states.sort_by(|a, b| a.0.cmp(&b.0));
        let too_slow = r
            .tasks()
            .find(|t| t.name() == "too-slow")
            .map(|t| (t.state, t.cancel_reason()));
        let fetches = r
            .resources()
            .filter(|res| res.name().contains("data:text/plain"))
            .count();
        (states, too_slow, fetches)
    });
    assert_eq!(
        states,
        [
            ("cut".to_string(), TaskState::Done),
            ("fetcher".to_string(), TaskState::Done),
            ("sleeper".to_string(), TaskState::Done)
        ]
    );
    assert_eq!(
        too_slow,
        Some((TaskState::Cancelled, Some(CancelReason::TimedOut)))
    );
    assert_eq!(fetches, 1, "the fetch is a traced resource");
}

#[wasm_bindgen_test]
fn in_a_worker_the_overlay_says_it_has_no_document() {
    match asyncscope_viewer::mount_overlay() {
        Ok(_) => panic!("a worker has no document to mount an overlay in"),
        Err(e) => assert!(e.contains("no document"), "{e}"),
    }
}
