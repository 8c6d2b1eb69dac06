//! Lesson `db-query`: the seed's aiomysql query (`SELECT id, name FROM students`, each row
//! printed), on the browser's own asynchronous database, IndexedDB, through the futures of
//! [`crate::browser::idb`]. Its variants run several queries at once, commit a write and read it back,
//! read a row written by an earlier page load, and show three failures in words: a rollback, a
//! duplicate key, and an upgrade blocked by another connection.

use std::fmt;

use futures::future::{join, try_join_all};
use serde::{Deserialize, Serialize};

use super::lesson;
use super::{check_lines, lesson_params, param_choice, Check, Lesson, Line, Printer};
use crate::browser::idb::{self, Database, IdbError, TxMode};
use crate::trace::{self, instrument, EventKind, ResourceDetail, ResourceEvent};

/// The lesson's database, at this version: version 1 has the `students` store.
const DATABASE: &str = "asyncscope-lessons";
const VERSION: u32 = 1;
const STUDENTS: &str = "students";
/// The rows `students` is created with.
const SEEDED: [(u32, &str); 3] = [(1, "Alice"), (2, "Bob"), (3, "Carol")];
/// The row the write and reload variants put; the rows the abort and duplicate-key variants
/// try to add and roll back.
const DAVE: (u32, &str) = (4, "Dave");
const EVE: (u32, &str) = (5, "Eve");
const FRANK: (u32, &str) = (6, "Frank");
/// The blocked variant's own database, so the lesson's is never at stake.
const BLOCKED_DATABASE: &str = "asyncscope-blocked";

/// fetch_data() connects, runs SELECT `id`, `name` FROM `students` in a cursor and prints each row.
/// The browser's asynchronous database is IndexedDB: open it (creating and filling students on
/// first use), start a read-only transaction, make one getAll request and await its success event;
/// each row prints as Python prints a tuple, (1, 'Alice'). The variants run queries at once, commit
/// a write, read a row an earlier page load wrote, roll back, hit a duplicate key and get blocked.
pub const LESSON: Lesson = lesson! {
    id: "db-query", title: "A database query that waits without blocking", params: DbQueryParams,
    article: ASYNCHAT_ASYNCIO, section: "2.3.2 异步数据库交互",
};

param_choice! {
    /// The seed's query, or one of the variants around it.
    pub(super) enum Mode {
        /// The seed's `SELECT`.
        Query = "query",
        /// Three `SELECT ... WHERE id = ?` at once, each in its own transaction.
        Concurrent = "concurrent",
        /// Put (4, 'Dave'), commit, read the table back.
        Write = "write",
        /// Read (4, 'Dave') as an earlier page load wrote it.
        Reload = "reload",
        /// Put (5, 'Eve'), then roll back.
        Abort = "abort",
        /// Add (6, 'Frank') and (1, 'Alice') again: the ConstraintError rolls back both.
        DuplicateKey = "duplicate-key",
        /// Upgrade the database while another connection holds the old version open.
        Blocked = "blocked",
    }
}

lesson_params! {
    /// What `db-query` takes.
    pub(super) struct DbQueryParams {
        /// query: the seed's SELECT; concurrent: three SELECT ... WHERE id = ? at once, each in
        /// its own transaction; write: put (4, 'Dave'), commit, read the table back; reload:
        /// read (4, 'Dave') as an earlier page load wrote it (run it, reload the page, run it
        /// again); abort: put (5, 'Eve'), then roll back; duplicate-key: add (6, 'Frank') and
        /// (1, 'Alice') again, and the ConstraintError rolls back both; blocked: upgrade the
        /// database while another connection holds the old version open
        mode: Mode,
    }
}

pub(super) async fn run(out: Printer, params: DbQueryParams) -> Result<(), String> {
    run_variant(out, params.mode)
        .await
        .map_err(|e| e.to_string())
}

/// A row of `students`, stored as the plain object `{id, name}`. Rows the lesson writes also
/// carry the page load that wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Student {
    id: u32,
    name: String,
    /// `performance.timeOrigin` of the page load that wrote the row (ms since 1970).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    written_by_page: Option<f64>,
}

impl Student {
    fn new((id, name): (u32, &str)) -> Student {
        Student {
            id,
            name: name.to_string(),
            written_by_page: None,
        }
    }

    /// The write variants' row, stamped with the page load writing it.
    fn dave(page: f64) -> Student {
        Student {
            written_by_page: Some(page),
            ..Student::new(DAVE)
        }
    }
}

/// As Python prints a row, the tuple `(1, 'Alice')`.
impl fmt::Display for Student {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.id, py_repr(&self.name))
    }
}

/// As Python prints what `fetchone()` gives: the row, or `None`.
fn fetchone(row: Option<Student>) -> String {
    row.map_or_else(|| "None".to_string(), |row| row.to_string())
}

/// Python's `repr` of a str: in single quotes, unless it holds a single quote and no double
/// one; the quote, backslashes and unprintable characters escaped as Python escapes them.
fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut repr = String::with_capacity(text.len() + 2);
    repr.push(quote);
    for c in text.chars() {
        match c {
            '\\' => repr.push_str("\\\\"),
            '\n' => repr.push_str("\\n"),
            '\r' => repr.push_str("\\r"),
            '\t' => repr.push_str("\\t"),
            c if c == quote => {
                repr.push('\\');
                repr.push(c);
            }
            c if !py_printable(c) => {
                let n = u32::from(c);
                let escaped = match n {
                    0..=0xff => format!("\\x{n:02x}"),
                    0x100..=0xffff => format!("\\u{n:04x}"),
                    _ => format!("\\U{n:08x}"),
                };
                repr.push_str(&escaped);
            }
            c => repr.push(c),
        }
    }
    repr.push(quote);
    repr
}

/// Python's `str.isprintable` for one character, near enough: control characters, spaces other
/// than ' ', and the invisible format characters are not.
fn py_printable(c: char) -> bool {
    let format = matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
            | '\u{feff}'
    );
    c == ' ' || !(c.is_control() || c.is_whitespace() || format)
}

// ANCHOR: lesson
/// `await aiomysql.connect(...)`: open the database. The first time, its `upgradeneeded`
/// event creates the `students` store and fills it, in one versionchange transaction.
async fn connect() -> Result<Database, IdbError> {
    idb::open(DATABASE, Some(VERSION), |upgrade| {
        let students = upgrade.create_store(STUDENTS, "id")?;
        for row in SEEDED {
            students.put(&Student::new(row))?;
        }
        Ok(())
    })
    .await
}

/// `async def fetch_data(loop)`, the seed. Every `.await` hands the event loop back to the
/// browser until IndexedDB's event for that request wakes the task.
async fn fetch_data(out: &Printer) -> Result<Vec<Student>, IdbError> {
    let conn = connect().await?;
    // async with conn.cursor() as cur: a read-only transaction on students.
    let cur = conn.transaction(STUDENTS, TxMode::ReadOnly)?;
    // await cur.execute("SELECT `id`, `name` FROM `students`"); await cur.fetchall():
    // one getAll request, answered with every row in key order.
    let result: Vec<Student> = cur.store()?.get_all().await?;
    cur.commit().await?;
    for row in &result {
        out.print(row.to_string());
    }
    conn.close();
    Ok(result)
}

/// `SELECT id, name FROM students WHERE id = ?` and `fetchone()`, in a transaction of its own.
async fn select_by_id(conn: &Database, id: u32) -> Result<Option<Student>, IdbError> {
    let cur = conn.transaction(STUDENTS, TxMode::ReadOnly)?;
    let row = cur.store()?.get(id).await?;
    cur.commit().await?;
    Ok(row)
}

/// `concurrent`: three queries gathered. Each is a traced branch of main whose request is made
/// at its first poll, so all three are in flight before the first answer comes.
async fn fetch_concurrently(out: &Printer) -> Result<(), IdbError> {
    let conn = connect().await?;
    let queries = SEEDED.map(|(id, _)| {
        let name = format!("SELECT WHERE id = {id}");
        instrument(&name, select_by_id(&conn, id))
    });
    for row in try_join_all(queries).await? {
        out.print(fetchone(row));
    }
    Ok(())
}

/// `write`: `REPLACE INTO students VALUES (4, 'Dave')`, `await conn.commit()`, then the table
/// again, read by a new transaction.
async fn write_and_read_back(out: &Printer, this_page: f64) -> Result<(), IdbError> {
    let conn = connect().await?;
    let cur = conn.transaction(STUDENTS, TxMode::ReadWrite)?;
    cur.store()?.put(&Student::dave(this_page)).await?;
    // The transaction's `complete` event: the write is committed.
    cur.commit().await?;
    let cur = conn.transaction(STUDENTS, TxMode::ReadOnly)?;
    let result: Vec<Student> = cur.store()?.get_all().await?;
    cur.commit().await?;
    for row in &result {
        out.print(row.to_string());
    }
    Ok(())
}

/// `reload`: reads (4, 'Dave'). If no earlier page load wrote it, writes it for the next one.
/// Gives the row as it was found.
async fn read_after_reload(out: &Printer, this_page: f64) -> Result<Option<Student>, IdbError> {
    let conn = connect().await?;
    let before = select_by_id(&conn, DAVE.0).await?;
    let written_by = before.as_ref().and_then(|row| row.written_by_page);
    if written_by.is_none_or(|page| page >= this_page) {
        let cur = conn.transaction(STUDENTS, TxMode::ReadWrite)?;
        cur.store()?.put(&Student::dave(this_page)).await?;
        cur.commit().await?;
    }
    out.print(fetchone(select_by_id(&conn, DAVE.0).await?));
    Ok(before)
}

/// `abort`: `INSERT (5, 'Eve')`, then `await conn.rollback()`. Inside its transaction the row
/// is there; once the transaction is aborted, a new one finds nothing.
async fn rollback(out: &Printer) -> Result<(), IdbError> {
    let conn = connect().await?;
    let cur = conn.transaction(STUDENTS, TxMode::ReadWrite)?;
    let students = cur.store()?;
    students.put(&Student::new(EVE)).await?;
    out.print(fetchone(students.get(EVE.0).await?));
    cur.abort()?;
    match cur.done().await {
        Ok(()) => out.print("committed"),
        Err(error) => out.print(error.to_string()),
    }
    out.print(fetchone(select_by_id(&conn, EVE.0).await?));
    Ok(())
}

/// `duplicate-key`: `INSERT (6, 'Frank')`, then `INSERT (1, 'Alice')`, whose key exists. The
/// ConstraintError aborts the transaction, and Frank goes with it. Gives both inserts' results.
async fn duplicate_key(out: &Printer) -> Result<[Result<(), IdbError>; 2], IdbError> {
    let conn = connect().await?;
    let cur = conn.transaction(STUDENTS, TxMode::ReadWrite)?;
    let students = cur.store()?;
    let frank = students.add(&Student::new(FRANK));
    let alice = students.add(&Student::new(SEEDED[0]));
    let (frank, alice) = join(frank, alice).await;
    match cur.done().await {
        Ok(()) => out.print("committed"),
        Err(error) => out.print(error.to_string()),
    }
    out.print(fetchone(select_by_id(&conn, FRANK.0).await?));
    out.print(fetchone(select_by_id(&conn, SEEDED[0].0).await?));
    Ok([frank, alice])
}

/// `blocked`: another tab holds the database open at its version and ignores `versionchange`;
/// this one asks for the next version. Gives the version before and after.
async fn blocked_upgrade(out: &Printer) -> Result<(u32, u32), IdbError> {
    let other_tab = idb::open(BLOCKED_DATABASE, None, |_| Ok(())).await?;
    let before = other_tab.version();
    let upgrade = idb::open(BLOCKED_DATABASE, Some(before + 1), |upgrade| {
        upgrade.create_store("notes", "id")?;
        Ok(())
    })
    .await;
    match upgrade {
        Ok(conn) => out.print(format!("opened at version {}", conn.version())),
        Err(error) => out.print(error.to_string()),
    }
    // The other tab closes. The abandoned upgrade then goes on, and is aborted.
    other_tab.close();
    let after = idb::open(BLOCKED_DATABASE, None, |_| Ok(())).await?;
    Ok((before, after.version()))
}
// ANCHOR_END: lesson

/// Runs the variant, then explains and judges it.
async fn run_variant(out: Printer, mode: Mode) -> Result<(), IdbError> {
    let this_page = this_page_load();
    if mode != Mode::Query {
        out.note(
            "The seed has no program for this variant: the lines are what the Rust prints, \
             rows as Python prints them (a missing fetchone() row prints None) and errors in \
             words.",
        );
    }
    match mode {
        Mode::Query => {
            let rows = fetch_data(&out).await?;
            note_mapping(&out);
            note_rows_from_earlier_loads(&out, &rows, this_page);
        }
        Mode::Concurrent => {
            fetch_concurrently(&out).await?;
            out.check(check_in_flight_at_once(&traced_requests()));
        }
        Mode::Write => {
            write_and_read_back(&out, this_page).await?;
            remember_dave(this_page);
            out.check(check_read_after_commit(&traced_requests()));
            out.note(
                "(4, 'Dave') is committed: reload the page and run the query, or the reload \
                 variant, and it is read back from the browser's storage.",
            );
        }
        Mode::Reload => {
            let remembered = remembered_dave(this_page);
            let before = read_after_reload(&out, this_page).await?;
            remember_dave(this_page);
            match check_read_after_reload(before.as_ref(), remembered, this_page) {
                Some(check) => out.check(check),
                None => out.note(
                    "No earlier page load had written (4, 'Dave'): this run wrote it and \
                     committed it. Reload the page and run this variant again: it is read back \
                     from the browser's storage, written by the page before.",
                ),
            }
        }
        Mode::Abort => {
            rollback(&out).await?;
            out.note(
                "(5, 'Eve') was there inside its transaction; abort() ended the transaction in \
                 its abort event, and a new transaction finds no row 5: a transaction is kept \
                 whole or not at all.",
            );
        }
        Mode::DuplicateKey => {
            let [frank, alice] = duplicate_key(&out).await?;
            out.note(format!(
                "add (6, 'Frank'): {}; add (1, 'Alice'): {}",
                outcome(&frank),
                outcome(&alice)
            ));
            out.check(check_constraint_error(&alice));
        }
        Mode::Blocked => {
            let (before, after) = blocked_upgrade(&out).await?;
            out.note(
                "A page should close its connection when another asks for a newer version \
                 (db.onversionchange = () => db.close()); the other tab here does not, so \
                 IndexedDB fires blocked at the upgrade.",
            );
            out.check(Check {
                name: "the abandoned upgrade was aborted: the database kept its version"
                    .to_string(),
                ok: after == before,
                expected: format!("version {before}"),
                actual: format!("version {after}"),
            });
        }
    }
    out.check(check_every_request_answered(&traced_requests()));
    Ok(())
}

fn outcome(result: &Result<(), IdbError>) -> String {
    match result {
        Ok(()) => "written inside the transaction (then rolled back with it)".to_string(),
        Err(IdbError::Request { error, .. }) => {
            format!("{} (the browser says: {})", error.name, error.message)
        }
        Err(error) => error.to_string(),
    }
}

fn note_mapping(out: &Printer) {
    let created = traced_requests()
        .iter()
        .any(|r| r.operation.starts_with("upgrade ") && r.outcome.starts_with("committed"));
    out.note(if created {
        "aiomysql.connect() is indexedDB.open('asyncscope-lessons', 1). This page had no such \
         database yet: its upgradeneeded event created the students store and put three rows, \
         in one versionchange transaction."
    } else {
        "aiomysql.connect() is indexedDB.open('asyncscope-lessons', 1): the database was \
         already there, as an earlier run left it."
    });
    out.note(
        "conn.cursor() is a read-only transaction; execute() and fetchall() are one getAll \
         request, whose success event wakes main (the trace says: woken by the request); \
         conn.close() is db.close().",
    );
}

fn note_rows_from_earlier_loads(out: &Printer, rows: &[Student], this_page: f64) {
    for row in rows {
        if let Some(page) = row.written_by_page.filter(|page| *page < this_page) {
            out.note(format!(
                "{row} was written by the page loaded {:.1} s before this one: the browser \
                 kept it across the reload.",
                (this_page - page) / 1000.0
            ));
        }
    }
}

/// Where a page load that left (4, 'Dave') committed says so: the tab's sessionStorage, which
/// a reload keeps and which is not IndexedDB, so that a row IndexedDB lost is seen as lost.
const DAVE_WRITTEN_BY: &str = "asyncscope-db-query-dave-written-by";

/// Notes in the tab that this page load left (4, 'Dave') committed. Without sessionStorage (a
/// sandboxed frame) the next load expects nothing, and judges only what it finds.
fn remember_dave(this_page: f64) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(DAVE_WRITTEN_BY, &this_page.to_string());
    }
}

/// The earlier page load of this tab that left (4, 'Dave') committed, if one did.
fn remembered_dave(this_page: f64) -> Option<f64> {
    let page = session_storage()?.get_item(DAVE_WRITTEN_BY).ok()??;
    page.parse::<f64>().ok().filter(|page| *page < this_page)
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The reload variant's verdict on the row it found before writing anything: (4, 'Dave') as an
/// earlier page load wrote it. `None` (nothing to judge) when neither the row nor the tab says
/// an earlier load wrote it: this run is the first, and wrote it for the next. When the tab says
/// one did and the row is not there, or is this load's own, the check fails.
fn check_read_after_reload(
    found: Option<&Student>,
    remembered: Option<f64>,
    this_page: f64,
) -> Option<Check> {
    let dave = found.filter(|row| row.id == DAVE.0 && row.name == DAVE.1);
    let earlier = dave
        .and_then(|row| row.written_by_page)
        .filter(|page| *page < this_page);
    if earlier.is_none() && remembered.is_none() {
        return None;
    }
    let seconds_before = |page: f64| (this_page - page) / 1000.0;
    let actual = match (found, earlier, remembered) {
        (_, Some(page), _) => format!(
            "(4, 'Dave') written by the page loaded {:.1} s before this one",
            seconds_before(page)
        ),
        (Some(row), None, _) => format!("{row}, not written by an earlier page load"),
        (None, None, Some(page)) => format!(
            "no row 4, though the page loaded {:.1} s before this one committed it",
            seconds_before(page)
        ),
        (None, None, None) => "no row 4".to_string(),
    };
    Some(Check {
        name: "a row committed by an earlier page load is read in this one".to_string(),
        ok: earlier.is_some(),
        expected: "(4, 'Dave') written before this page loaded".to_string(),
        actual,
    })
}

/// `performance.timeOrigin`: when this page load began (ms since 1970), the same for every run
/// in it and different after a reload.
fn this_page_load() -> f64 {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or(0.0, |p| p.time_origin())
}

/// One IndexedDB request of this run, as the trace recorded it.
#[derive(Debug, Clone, PartialEq)]
struct TracedRequest {
    operation: String,
    /// The `seq` of the events that started and ended it.
    started: u64,
    ended: Option<u64>,
    /// How it ended: its outcome, `failed: ...` or `aborted`.
    outcome: String,
}

/// This run's IndexedDB requests, in the order they were made.
fn traced_requests() -> Vec<TracedRequest> {
    trace::with_recorder(|r| {
        let mut requests: Vec<(crate::trace::ResourceId, TracedRequest)> = Vec::new();
        for event in r.events().iter() {
            let EventKind::Resource { resource, what } = &event.kind else {
                continue;
            };
            if let ResourceEvent::Created { .. } = what {
                if let Some(ResourceDetail::Request { api, operation, .. }) =
                    r.resource_stats(*resource).map(|s| &s.detail)
                {
                    if api == "indexeddb" {
                        requests.push((
                            *resource,
                            TracedRequest {
                                operation: operation.clone(),
                                started: event.seq,
                                ended: None,
                                outcome: String::new(),
                            },
                        ));
                    }
                }
                continue;
            }
            let Some((_, request)) = requests.iter_mut().find(|(id, _)| id == resource) else {
                continue;
            };
            let outcome = match what {
                ResourceEvent::Done { outcome } => outcome.to_string(),
                ResourceEvent::Error { message } => format!("failed: {message}"),
                ResourceEvent::Aborted => "aborted".to_string(),
                _ => continue,
            };
            request.ended = Some(event.seq);
            request.outcome = outcome;
        }
        requests.into_iter().map(|(_, r)| r).collect()
    })
}

/// Every request the run made was traced and ended.
fn check_every_request_answered(requests: &[TracedRequest]) -> Check {
    let actual: Vec<String> = requests
        .iter()
        .map(|r| match r.ended {
            Some(_) => format!("{}: {}", r.operation, r.outcome),
            None => format!("{}: still pending", r.operation),
        })
        .collect();
    Check {
        name: "every IndexedDB request is in the trace, and answered".to_string(),
        ok: !requests.is_empty() && requests.iter().all(|r| r.ended.is_some()),
        expected: "each one done, failed or aborted; none pending".to_string(),
        actual: actual.join("; "),
    }
}

/// The `get` requests of the concurrent variant all started before the first was answered.
fn check_in_flight_at_once(requests: &[TracedRequest]) -> Check {
    let gets: Vec<&TracedRequest> = requests
        .iter()
        .filter(|r| r.operation.starts_with("get "))
        .collect();
    let first_answer = gets.iter().filter_map(|r| r.ended).min();
    let started_by_then = gets
        .iter()
        .filter(|r| first_answer.is_some_and(|first| r.started < first))
        .count();
    Check {
        name: "the three queries were in flight at once".to_string(),
        ok: gets.len() == SEEDED.len() && started_by_then == gets.len(),
        expected: format!("all {} requests made before the first answer", SEEDED.len()),
        actual: format!(
            "{started_by_then} of {} made before the first answer",
            gets.len()
        ),
    }
}

/// The write variant's read-back began after its write transaction's `complete` event.
fn check_read_after_commit(requests: &[TracedRequest]) -> Check {
    let commit = requests
        .iter()
        .find(|r| r.operation == "transaction readwrite students");
    let read = requests
        .iter()
        .rev()
        .find(|r| r.operation == "getAll students");
    let (ok, actual) = match (commit, read) {
        (Some(commit), Some(read)) => (
            commit.outcome == "committed" && commit.ended.is_some_and(|end| end < read.started),
            format!(
                "write transaction {} (event {}), getAll made at event {}",
                commit.outcome,
                commit.ended.map_or("-".to_string(), |e| e.to_string()),
                read.started
            ),
        ),
        _ => (
            false,
            "no write transaction and read in the trace".to_string(),
        ),
    };
    Check {
        name: "a new transaction read the row after the write committed".to_string(),
        ok,
        expected: "the write transaction committed, then the getAll was made".to_string(),
        actual,
    }
}

/// The duplicate add failed with a ConstraintError.
fn check_constraint_error(duplicate: &Result<(), IdbError>) -> Check {
    let actual = match duplicate {
        Ok(()) => "the add succeeded".to_string(),
        Err(IdbError::Request { error, .. }) => error.name.clone(),
        Err(error) => error.to_string(),
    };
    Check {
        name: "adding (1, 'Alice') again fails: the key exists".to_string(),
        ok: actual == "ConstraintError",
        expected: "ConstraintError".to_string(),
        actual,
    }
}

/// The seeded rows as Python prints them.
fn seeded_lines() -> Vec<String> {
    SEEDED.map(|row| Student::new(row).to_string()).to_vec()
}

/// The id of a printed row `(N, '...')`, if the line is one.
fn row_id(line: &str) -> Option<u32> {
    let inner = line.strip_prefix('(')?.strip_suffix(')')?;
    let (id, name) = inner.split_once(", ")?;
    let quoted = name.len() >= 2
        && ((name.starts_with('\'') && name.ends_with('\''))
            || (name.starts_with('"') && name.ends_with('"')));
    quoted.then(|| id.parse().ok()).flatten()
}

/// The lines of a variant whose output does not depend on what the store held before.
fn fixed_lines(mode: Mode) -> Option<Vec<String>> {
    let aborted = |cause: Option<&str>| {
        IdbError::Aborted {
            store: STUDENTS.to_string(),
            mode: TxMode::ReadWrite,
            cause: cause.map(|name| idb::DomError::new(name, "")),
        }
        .to_string()
    };
    let row = |r| Student::new(r).to_string();
    Some(match mode {
        Mode::Query | Mode::Write => return None,
        Mode::Concurrent => seeded_lines(),
        Mode::Reload => vec![row(DAVE)],
        Mode::Abort => vec![row(EVE), aborted(None), "None".to_string()],
        Mode::DuplicateKey => vec![
            aborted(Some("ConstraintError")),
            "None".to_string(),
            row(SEEDED[0]),
        ],
        Mode::Blocked => vec![IdbError::Blocked {
            database: BLOCKED_DATABASE.to_string(),
            old_version: 1,
            new_version: Some(2),
        }
        .to_string()],
    })
}

pub(super) fn checks(params: &DbQueryParams, lines: &[Line]) -> Vec<Check> {
    let mode = params.mode;
    if let Some(expected) = fixed_lines(mode) {
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        return vec![check_lines(lines, &expected)];
    }
    // The whole table: the seeded rows, then any the write variant added, in id order.
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let seeded = seeded_lines();
    let ids: Vec<Option<u32>> = texts.iter().map(|t| row_id(t)).collect();
    let ascending = ids.iter().all(Option::is_some) && ids.windows(2).all(|w| w[0] < w[1]);
    let mut checks = vec![Check {
        name: "prints what the Python prints: every row of students, in id order".to_string(),
        ok: texts.len() >= seeded.len() && texts[..seeded.len()] == seeded[..] && ascending,
        expected: format!(
            "{}, then any rows written since, each a tuple, ids ascending",
            seeded.join(" / ")
        ),
        actual: texts.join(" / "),
    }];
    if mode == Mode::Write {
        let dave = Student::new(DAVE).to_string();
        checks.push(Check {
            name: "the committed row is read back".to_string(),
            ok: texts.contains(&dave.as_str()),
            expected: dave,
            actual: texts
                .last()
                .map_or("nothing".to_string(), |t| t.to_string()),
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed as lines;

    fn params(mode: Mode) -> DbQueryParams {
        DbQueryParams { mode }
    }

    #[test]
    fn rows_print_as_python_prints_tuples() {
        assert_eq!(Student::new((1, "Alice")).to_string(), "(1, 'Alice')");
        assert_eq!(fetchone(Some(Student::new(DAVE))), "(4, 'Dave')");
        assert_eq!(fetchone(None), "None");
        // The page load a row carries is not part of the SELECT.
        assert_eq!(Student::dave(1.7e12).to_string(), "(4, 'Dave')");
    }

    #[test]
    fn py_repr_quotes_and_escapes_as_python_does() {
        assert_eq!(py_repr("Alice"), "'Alice'");
        assert_eq!(py_repr("O'Brien"), "\"O'Brien\"");
        assert_eq!(py_repr("say \"hi\""), "'say \"hi\"'");
        assert_eq!(py_repr("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(py_repr("a\\b\nc\td"), "'a\\\\b\\nc\\td'");
        assert_eq!(py_repr("\u{0}\u{7f}\u{a0}"), "'\\x00\\x7f\\xa0'");
        assert_eq!(py_repr("zero\u{200b}width"), "'zero\\u200bwidth'");
        assert_eq!(py_repr("李涛 café"), "'李涛 café'");
        assert_eq!(py_repr(""), "''");
    }

    #[test]
    fn a_printed_row_is_recognised_by_its_id() {
        assert_eq!(row_id("(1, 'Alice')"), Some(1));
        assert_eq!(row_id("(12, \"O'Brien\")"), Some(12));
        assert_eq!(row_id("None"), None);
        assert_eq!(row_id("(x, 'Alice')"), None);
        assert_eq!(row_id("(1, Alice)"), None);
    }

    #[test]
    fn the_query_passes_with_the_seeded_rows_and_any_written_since() {
        let seeded = ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')"];
        assert!(checks(&params(Mode::Query), &lines(&seeded))
            .iter()
            .all(|c| c.ok));
        let with_dave = [seeded.as_slice(), &["(4, 'Dave')"]].concat();
        assert!(checks(&params(Mode::Query), &lines(&with_dave))
            .iter()
            .all(|c| c.ok));
    }

    #[test]
    fn the_query_fails_out_of_order_missing_rows_or_not_a_tuple() {
        let p = params(Mode::Query);
        let swapped = ["(2, 'Bob')", "(1, 'Alice')", "(3, 'Carol')"];
        assert!(!checks(&p, &lines(&swapped))[0].ok);
        assert!(!checks(&p, &lines(&["(1, 'Alice')", "(2, 'Bob')"]))[0].ok);
        let unsorted = ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')", "(3, 'Carol')"];
        assert!(!checks(&p, &lines(&unsorted))[0].ok);
        let not_a_tuple = ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')", "1 Alice"];
        assert!(!checks(&p, &lines(&not_a_tuple))[0].ok);
    }

    #[test]
    fn the_write_variant_must_read_its_row_back() {
        let p = params(Mode::Write);
        let without = ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')"];
        let got = checks(&p, &lines(&without));
        assert!(got[0].ok && !got[1].ok, "{got:?}");
        let with = ["(1, 'Alice')", "(2, 'Bob')", "(3, 'Carol')", "(4, 'Dave')"];
        assert!(checks(&p, &lines(&with)).iter().all(|c| c.ok));
    }

    #[test]
    fn the_failure_variants_expect_their_errors_in_words() {
        assert_eq!(
            fixed_lines(Mode::Abort).expect("fixed"),
            [
                "(5, 'Eve')",
                "the readwrite transaction on students was aborted by the program: nothing it \
                 wrote was kept",
                "None"
            ]
        );
        assert_eq!(
            fixed_lines(Mode::DuplicateKey).expect("fixed"),
            [
                "the readwrite transaction on students was aborted by a ConstraintError (a row \
                 with that key already exists): nothing it wrote was kept",
                "None",
                "(1, 'Alice')"
            ]
        );
        let blocked = fixed_lines(Mode::Blocked).expect("fixed");
        assert!(
            blocked[0].starts_with("opening asyncscope-blocked at version 2 is blocked"),
            "{blocked:?}"
        );
        // An abort that committed after all fails.
        let committed = lines(&["(5, 'Eve')", "committed", "(5, 'Eve')"]);
        assert!(!checks(&params(Mode::Abort), &committed)[0].ok);
    }

    fn request(operation: &str, started: u64, ended: Option<u64>, outcome: &str) -> TracedRequest {
        TracedRequest {
            operation: operation.to_string(),
            started,
            ended,
            outcome: outcome.to_string(),
        }
    }

    #[test]
    fn queries_in_flight_at_once_pass_and_one_after_another_fail() {
        let overlapping = [
            request("get students 1", 10, Some(20), "1 row"),
            request("get students 2", 12, Some(22), "1 row"),
            request("get students 3", 14, Some(24), "1 row"),
        ];
        assert!(check_in_flight_at_once(&overlapping).ok);
        let sequential = [
            request("get students 1", 10, Some(11), "1 row"),
            request("get students 2", 12, Some(13), "1 row"),
            request("get students 3", 14, Some(15), "1 row"),
        ];
        let check = check_in_flight_at_once(&sequential);
        assert!(!check.ok);
        assert_eq!(check.actual, "1 of 3 made before the first answer");
    }

    #[test]
    fn a_pending_request_fails_the_trace_check() {
        let done = [request("getAll students", 1, Some(2), "3 rows")];
        assert!(check_every_request_answered(&done).ok);
        let pending = [request("getAll students", 1, None, "")];
        let check = check_every_request_answered(&pending);
        assert!(!check.ok);
        assert_eq!(check.actual, "getAll students: still pending");
        assert!(!check_every_request_answered(&[]).ok);
    }

    #[test]
    fn the_read_back_must_come_after_the_commit() {
        let in_order = [
            request("transaction readwrite students", 5, Some(9), "committed"),
            request("getAll students", 10, Some(12), "4 rows"),
        ];
        assert!(check_read_after_commit(&in_order).ok);
        let too_soon = [
            request("transaction readwrite students", 5, Some(11), "committed"),
            request("getAll students", 10, Some(12), "4 rows"),
        ];
        assert!(!check_read_after_commit(&too_soon).ok);
    }

    #[test]
    fn the_reload_check_fails_when_the_row_is_not_there_after_the_reload() {
        let this_page = 1_700_000_010_000.0;
        let earlier = this_page - 8_000.0;
        let written = Student::dave;
        // Written by an earlier page load and found: passes, whether or not the tab says so.
        let found = written(earlier);
        let check = check_read_after_reload(Some(&found), Some(earlier), this_page);
        assert!(check.is_some_and(|c| c.ok));
        let check = check_read_after_reload(Some(&found), None, this_page);
        assert!(check.is_some_and(|c| c.ok));
        // The tab says an earlier load committed it, and it is gone: fails.
        let check = check_read_after_reload(None, Some(earlier), this_page).expect("a check");
        assert!(!check.ok);
        assert_eq!(
            check.actual,
            "no row 4, though the page loaded 8.0 s before this one committed it"
        );
        // Found, but written by this page load (the earlier one's is lost): fails.
        let own = written(this_page);
        let check = check_read_after_reload(Some(&own), Some(earlier), this_page);
        assert!(check.is_some_and(|c| !c.ok));
        // Another row under id 4: fails.
        let other = Student {
            name: "Mallory".into(),
            ..written(earlier)
        };
        let check = check_read_after_reload(Some(&other), Some(earlier), this_page);
        assert!(check.is_some_and(|c| !c.ok));
        // Nothing written before, as far as anyone knows: this is the first run, nothing to judge.
        assert_eq!(check_read_after_reload(None, None, this_page), None);
        assert_eq!(check_read_after_reload(Some(&own), None, this_page), None);
    }

    #[test]
    fn only_a_constraint_error_passes_the_duplicate_check() {
        let constraint = Err(IdbError::Request {
            operation: "add students 1".into(),
            error: idb::DomError::new("ConstraintError", "exists"),
        });
        assert!(check_constraint_error(&constraint).ok);
        assert!(!check_constraint_error(&Ok(())).ok);
    }
}
