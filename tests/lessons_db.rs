//! The db-query lesson and its IndexedDB futures, run for real in headless Chrome against the
//! browser's own IndexedDB: the rows and their order, writes that commit and aborts that keep
//! nothing (checked again by a connection of the test's own), a blocked upgrade in words, and
//! queries in flight at once. A reload is the end-to-end test's (tests/e2e.rs).
//! Run with `wasm-pack test --headless --chrome -- --test lessons_db`.
#![cfg(target_arch = "wasm32")]

use asyncscope::browser::idb::{self, Database, IdbError, TxMode};
use asyncscope::lessons::{self, Line, RunReport, RunState};
use std::future::Future;
use std::time::Duration;

use asyncscope::trace::{
    timeout, with_recorder, EventKind, ResourceDetail, ResourceEvent, ResourceId, TaskState,
    WakeSource,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const DATABASE: &str = "asyncscope-lessons";
const BLOCKED: &str = "asyncscope-blocked";
const SEEDED: [&str; 3] = ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')"];

/// A row as the test reads it, on a connection of its own.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    id: u32,
    name: String,
}

/// Runs db-query in `mode` to its end; every check of the lesson must pass.
async fn run(mode: &str) -> RunReport {
    let report = run_to_the_end(mode).await;
    for check in &report.checks {
        assert!(check.ok, "{mode}: {check:?}");
    }
    report
}

/// Runs db-query in `mode` to its end, whatever its checks say.
async fn run_to_the_end(mode: &str) -> RunReport {
    let lesson = lessons::find("db-query").expect("registered");
    let params = lesson.validate([("mode", mode)]).expect("valid");
    let report = within(mode, lessons::start(lesson, params).report).await;
    assert_eq!(report.state, RunState::Done, "{report:?}");
    report
}

fn texts(lines: &[Line]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

fn noted(report: &RunReport, words: &str) -> bool {
    report.notes.iter().any(|n| n.text.contains(words))
}

/// `future`'s output, or a failure naming `what` if it has not come within 10 s: a connection
/// left open makes a later open or deletion wait forever, and the test should say so, not hang.
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    timeout(Duration::from_secs(10), future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 10 s (a connection left open?)"))
}

/// Starts from no database at all (the first use of a new browser profile).
async fn fresh(name: &str) {
    within(&format!("deleting {name}"), idb::delete_database(name))
        .await
        .unwrap_or_else(|e| panic!("deleting {name}: {e}"));
}

/// The test's own connection to the lesson's database (it exists: a run made it).
async fn connect() -> Database {
    within("opening", idb::open(DATABASE, None, |_| Ok(())))
        .await
        .expect("the lesson's database opens")
}

/// Reads row `id` in a new read-only transaction of the test's own.
async fn row(db: &Database, id: u32) -> Option<Row> {
    let tx = db
        .transaction("students", TxMode::ReadOnly)
        .expect("a transaction");
    let row = tx.store().expect("students").get(id).await.expect("get");
    tx.commit().await.expect("commits");
    row
}

/// This run's IndexedDB requests: (resource, operation, how it ended).
fn requests() -> Vec<(ResourceId, String, String)> {
    with_recorder(|r| {
        r.resources()
            .filter_map(|res| match &res.detail {
                ResourceDetail::Request {
                    api,
                    operation,
                    outcome,
                    aborted,
                    error,
                } if api == "indexeddb" => {
                    let end = match (outcome, error, aborted) {
                        (Some(o), _, _) => o.to_string(),
                        (_, Some(e), _) => format!("failed: {e}"),
                        (_, _, true) => "aborted".to_string(),
                        _ => "pending".to_string(),
                    };
                    Some((res.id, operation.clone(), end))
                }
                _ => None,
            })
            .collect()
    })
}

fn request(operation: &str) -> (ResourceId, String) {
    requests()
        .into_iter()
        .find(|(_, op, _)| op == operation)
        .map(|(id, _, end)| (id, end))
        .unwrap_or_else(|| panic!("no request {operation:?} in {:?}", requests()))
}

#[wasm_bindgen_test]
async fn the_query_creates_fills_and_prints_the_students_in_id_order() {
    fresh(DATABASE).await;
    let report = run("query").await;
    assert_eq!(texts(&report.lines), SEEDED);
    assert!(
        noted(&report, "had no such database yet"),
        "{:?}",
        report.notes
    );
    let (_, upgrade) = request("upgrade asyncscope-lessons v0 to v1");
    assert_eq!(
        upgrade,
        "committed: created students, put students 1, put students 2, put students 3"
    );
    // The getAll request's success event is what woke main.
    let (get_all, rows) = request("getAll students");
    assert_eq!(rows, "3 rows");
    let woken_by_it = with_recorder(|r| {
        r.events().iter().any(
            |e| matches!(e.kind, EventKind::Woken { by: WakeSource::Request(id), .. } if id == get_all),
        )
    });
    assert!(woken_by_it, "main was never woken by the getAll request");

    // The second time the database is there: opened, not created.
    let again = run("query").await;
    assert_eq!(texts(&again.lines), SEEDED);
    assert!(noted(&again, "already there"), "{:?}", again.notes);
    assert!(requests()
        .iter()
        .all(|(_, op, _)| !op.starts_with("upgrade")));
}

#[wasm_bindgen_test]
async fn concurrent_queries_are_all_in_flight_at_once_each_in_its_own_branch() {
    let report = run("concurrent").await;
    assert_eq!(texts(&report.lines), SEEDED);
    assert!(report
        .checks
        .iter()
        .any(|c| c.name == "the three queries were in flight at once"));
    // Every get was made before any was answered, each by its own traced branch of main.
    let gets: Vec<ResourceId> = (1..=3)
        .map(|id| request(&format!("get students {id}")).0)
        .collect();
    let (made, first_answer, makers) = with_recorder(|r| {
        let mut made = Vec::new();
        let mut makers = Vec::new();
        let mut first_answer = u64::MAX;
        for e in r.events().iter() {
            if let EventKind::Resource { resource, what } = &e.kind {
                if !gets.contains(resource) {
                    continue;
                }
                match what {
                    ResourceEvent::Created { .. } => {
                        made.push(e.seq);
                        makers.push(e.task.and_then(|t| r.task(t)).cloned());
                    }
                    ResourceEvent::Done { .. } => first_answer = first_answer.min(e.seq),
                    _ => {}
                }
            }
        }
        (made, first_answer, makers)
    });
    assert_eq!(made.len(), 3);
    assert!(
        made.iter().all(|&seq| seq < first_answer),
        "{made:?} vs {first_answer}"
    );
    let main = with_recorder(|r| r.tasks().find(|t| t.name() == "main").map(|t| t.id));
    for (i, maker) in makers.into_iter().enumerate() {
        let maker = maker.expect("made inside a traced branch");
        assert_eq!(maker.name(), format!("SELECT WHERE id = {}", i + 1));
        assert_eq!((maker.parent, maker.state), (main, TaskState::Done));
    }
}

#[wasm_bindgen_test]
async fn a_committed_write_is_read_by_a_new_transaction() {
    let report = run("write").await;
    let lines = texts(&report.lines);
    assert_eq!(lines[..3], SEEDED);
    assert_eq!(lines.last(), Some(&"(4, 'Dave')"));
    assert_eq!(request("transaction readwrite students").1, "committed");
    // A connection of the test's own sees the row.
    let db = connect().await;
    let dave = row(&db, 4).await;
    assert_eq!(dave.map(|r| r.name).as_deref(), Some("Dave"));
}

#[wasm_bindgen_test]
async fn an_aborted_transaction_writes_nothing() {
    let report = run("abort").await;
    assert_eq!(
        texts(&report.lines),
        [
            "(5, 'Eve')",
            "the readwrite transaction on students was aborted by the program: nothing it wrote \
             was kept",
            "None"
        ]
    );
    assert_eq!(
        request("transaction readwrite students").1,
        "failed: aborted by the program"
    );
    let db = connect().await;
    assert_eq!(row(&db, 5).await, None);
}

#[wasm_bindgen_test]
async fn a_duplicate_key_aborts_the_transaction_and_the_rows_before_it_go_too() {
    let report = run("duplicate-key").await;
    assert_eq!(
        texts(&report.lines),
        [
            "the readwrite transaction on students was aborted by a ConstraintError (a row with \
             that key already exists): nothing it wrote was kept",
            "None",
            "(1, 'Alice')"
        ]
    );
    assert_eq!(request("add students 6").1, "written");
    assert!(request("add students 1")
        .1
        .starts_with("failed: add students 1 failed: ConstraintError"));
    let db = connect().await;
    assert_eq!(
        row(&db, 6).await,
        None,
        "Frank was rolled back with the transaction"
    );
    assert_eq!(
        row(&db, 1).await,
        Some(Row {
            id: 1,
            name: "Alice".into()
        })
    );
}

#[wasm_bindgen_test]
async fn a_transaction_dropped_before_its_end_is_aborted() {
    run("query").await; // the database exists
    let db = connect().await;
    let tx = db
        .transaction("students", TxMode::ReadWrite)
        .expect("a transaction");
    tx.store()
        .expect("students")
        .put(&Row {
            id: 7,
            name: "Grace".into(),
        })
        .await
        .expect("written inside the transaction");
    drop(tx);
    assert_eq!(row(&db, 7).await, None);
}

#[wasm_bindgen_test]
async fn a_blocked_upgrade_is_reported_in_words_and_leaves_the_version_as_it_was() {
    fresh(BLOCKED).await;
    let report = run("blocked").await;
    assert_eq!(
        texts(&report.lines),
        ["opening asyncscope-blocked at version 2 is blocked: another connection holds version 1 \
          open and did not close it when asked; close the page's other tabs, then try again"]
    );
    assert!(request("open asyncscope-blocked v2")
        .1
        .starts_with("failed: opening asyncscope-blocked at version 2 is blocked"));
    // Nothing was left open: the database can be deleted at once.
    fresh(BLOCKED).await;
}

#[wasm_bindgen_test]
async fn an_open_dropped_before_its_answer_neither_upgrades_nor_stays_open() {
    fresh(BLOCKED).await;
    let holder = idb::open(BLOCKED, None, |_| Ok(())).await.expect("opens");
    assert_eq!(holder.version(), 1);
    let blocked = idb::open(BLOCKED, Some(2), |_| Ok(())).await;
    assert!(
        matches!(
            blocked,
            Err(IdbError::Blocked {
                old_version: 1,
                new_version: Some(2),
                ..
            })
        ),
        "{:?}",
        blocked.err()
    );
    // A second open, dropped without ever being polled.
    drop(idb::open(BLOCKED, Some(3), |_| Ok(())));
    holder.close();
    // Both abandoned upgrades went on once the holder closed, and were aborted.
    let after = within("reopening", idb::open(BLOCKED, None, |_| Ok(())))
        .await
        .expect("opens");
    assert_eq!(after.version(), 1);
    after.close();
    // And no connection stayed open to block a deletion.
    fresh(BLOCKED).await;
}

#[wasm_bindgen_test]
async fn the_reload_variant_writes_the_row_for_the_next_page_load() {
    fresh(DATABASE).await;
    let report = run("reload").await;
    assert_eq!(texts(&report.lines), ["(4, 'Dave')"]);
    assert!(noted(&report, "Reload the page"), "{:?}", report.notes);
    // In the same page load the row is this page's own, not an earlier one's.
    let again = run("reload").await;
    assert_eq!(texts(&again.lines), ["(4, 'Dave')"]);
    assert!(!again
        .checks
        .iter()
        .any(|c| c.name.contains("earlier page load")));
    let db = connect().await;
    assert_eq!(row(&db, 4).await.map(|r| r.id), Some(4));
}

#[wasm_bindgen_test]
async fn a_store_that_does_not_exist_is_an_error_in_words() {
    run("query").await;
    let db = connect().await;
    let err = db
        .transaction("teachers", TxMode::ReadOnly)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "transaction readonly teachers failed: NotFoundError, there is no such object store \
             in this version of the database"
        )
    );
}

/// Where db-query keeps, for the tab, the page load that left (4, 'Dave') committed.
const DAVE_WRITTEN_BY: &str = "asyncscope-db-query-dave-written-by";

/// (4, 'Dave') as a page load stamps it.
#[derive(Serialize)]
struct StampedRow {
    id: u32,
    name: String,
    written_by_page: f64,
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .expect("the test page has sessionStorage")
}

fn this_page_load() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.time_origin())
        .expect("the test page has performance")
}

#[wasm_bindgen_test]
async fn the_reload_check_fails_when_the_row_an_earlier_load_committed_is_gone() {
    let verdict = |report: &RunReport| {
        report
            .checks
            .iter()
            .find(|c| c.name == "a row committed by an earlier page load is read in this one")
            .cloned()
            .unwrap_or_else(|| panic!("no reload check in {report:?}"))
    };
    // As if a page load 5 s ago had committed the row, and the storage had lost it since.
    let earlier = this_page_load() - 5_000.0;
    session_storage()
        .set_item(DAVE_WRITTEN_BY, &earlier.to_string())
        .expect("stored");
    fresh(DATABASE).await;
    let lost = run_to_the_end("reload").await;
    let check = verdict(&lost);
    assert!(!check.ok, "{check:?}");
    assert_eq!(
        check.actual,
        "no row 4, though the page loaded 5.0 s before this one committed it"
    );

    // The row that page load left, there: passes.
    session_storage()
        .set_item(DAVE_WRITTEN_BY, &earlier.to_string())
        .expect("stored");
    let db = connect().await;
    let tx = db
        .transaction("students", TxMode::ReadWrite)
        .expect("a transaction");
    let dave = StampedRow {
        id: 4,
        name: "Dave".into(),
        written_by_page: earlier,
    };
    tx.store().expect("students").put(&dave).await.expect("put");
    tx.commit().await.expect("commits");
    db.close();
    let kept = run("reload").await;
    assert!(verdict(&kept).ok);
    session_storage()
        .remove_item(DAVE_WRITTEN_BY)
        .expect("removed");
}
