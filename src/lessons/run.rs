//! Running a lesson: its `main` becomes a traced task, what it prints is collected with the time
//! since the run started, and when it ends the lesson's own checks judge the run.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use futures::future::{FutureExt, LocalBoxFuture};
use serde::Serialize;

use super::{Check, Lesson, Params};
use crate::browser::{server_log, service_worker};
use crate::trace::{self, now_ms, JoinError, Ring, Scope, TaskAbort};

/// Lines one run keeps; past this the oldest are dropped and counted.
pub const MAX_LINES: usize = 10_000;

/// One printed line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Milliseconds since the run started.
    pub t_ms: f64,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Done,
    Failed,
    Cancelled,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Done => "done",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
        }
    }
}

/// How a run ended: what `window.asyncscope.run` resolves with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub id: &'static str,
    pub state: RunState,
    pub elapsed_ms: f64,
    pub lines: Vec<Line>,
    /// Lines dropped to stay within [`MAX_LINES`] (the oldest go first).
    pub lines_dropped: u64,
    /// What the lesson explains beside the output (not printed by the Python): a cleanup that
    /// ran, a lateness measured.
    pub notes: Vec<Line>,
    pub checks: Vec<Check>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a lesson prints with: Python's `print`, stamped with the time since the run started.
#[derive(Clone)]
pub struct Printer {
    inner: Rc<OutInner>,
}

struct OutInner {
    start_ms: f64,
    lines: RefCell<Ring<Line>>,
    notes: RefCell<Ring<Line>>,
    checks: RefCell<Vec<Check>>,
    /// What the run is doing now, in words ("now one after another, for contrast: 12/50").
    phase: RefCell<Option<String>>,
}

/// Phases longer than this are cut (a phase is a line of status, not a log).
const PHASE_CHARS: usize = 120;

impl Printer {
    /// Lines are stamped relative to `start_ms`.
    pub fn new(start_ms: f64) -> Printer {
        Printer {
            inner: Rc::new(OutInner {
                start_ms,
                lines: RefCell::new(Ring::new(MAX_LINES)),
                notes: RefCell::new(Ring::new(MAX_LINES)),
                phase: RefCell::new(None),
                checks: RefCell::new(Vec::new()),
            }),
        }
    }

    /// Stores the line, and nothing else: printing runs inside the lesson's poll, so it calls
    /// nothing of the page's (a viewer reads [`Printed`] at its own pace, outside the polls).
    pub fn print(&self, text: impl Into<String>) {
        let line = Line {
            t_ms: now_ms() - self.inner.start_ms,
            text: text.into(),
        };
        self.inner.lines.borrow_mut().push(line);
    }

    /// A reader of the lines as they are printed.
    pub fn printed(&self) -> Printed {
        Printed {
            inner: Rc::clone(&self.inner),
        }
    }

    /// Says what the run is doing now, for the page's status while it runs (a lesson with
    /// phases narrates them: "now one after another, for contrast: 12/50"). Stored only: the
    /// page reads it at its next live refresh.
    pub fn phase(&self, text: impl Into<String>) {
        let mut text: String = text.into();
        if let Some((cut, _)) = text.char_indices().nth(PHASE_CHARS) {
            text.truncate(cut);
            text.push('…');
        }
        *self.inner.phase.borrow_mut() = Some(text);
    }

    /// Records an explanation beside the output (shown apart from what the program prints).
    pub fn note(&self, text: impl Into<String>) {
        let note = Line {
            t_ms: now_ms() - self.inner.start_ms,
            text: text.into(),
        };
        self.inner.notes.borrow_mut().push(note);
    }

    /// Adds a verdict the program measured itself (reported after the lesson's own checks
    /// when the run is done).
    pub fn check(&self, check: Check) {
        let mut checks = self.inner.checks.borrow_mut();
        if checks.len() < MAX_LINES {
            checks.push(check);
        }
    }

    /// The notes so far, oldest first.
    pub fn notes(&self) -> Vec<Line> {
        self.inner.notes.borrow().iter().cloned().collect()
    }

    pub fn start_ms(&self) -> f64 {
        self.inner.start_ms
    }

    /// Every line kept so far, oldest first, and how many were dropped.
    pub fn lines(&self) -> (Vec<Line>, u64) {
        let lines = self.inner.lines.borrow();
        (lines.iter().cloned().collect(), lines.dropped())
    }
}

/// What a run printed so far, read without copying: a viewer keeps how many lines it has
/// shown ([`Printed::count`]) and reads only the ones it puts on screen ([`Printed::visit`]).
/// Cheap to clone; equal when it reads the same run.
#[derive(Clone)]
pub struct Printed {
    inner: Rc<OutInner>,
}

impl Printed {
    /// Lines printed so far, the dropped ones included: line `i` is the `i`th printed, from 0.
    pub fn count(&self) -> u64 {
        let lines = self.inner.lines.borrow();
        lines.dropped() + lines.len() as u64
    }

    /// What the run said it is doing now ([`Printer::phase`]), if it narrates its phases.
    pub fn phase(&self) -> Option<String> {
        self.inner.phase.borrow().clone()
    }

    /// The first line still kept: the ones before it were dropped to stay within [`MAX_LINES`].
    pub fn first_kept(&self) -> u64 {
        self.inner.lines.borrow().dropped()
    }

    /// Calls `f(i, line)` for each line `i` in `range` that is still kept, oldest first.
    pub fn visit(&self, range: std::ops::Range<u64>, mut f: impl FnMut(u64, &Line)) {
        let lines = self.inner.lines.borrow();
        let first = lines.dropped();
        let start = range.start.max(first);
        let end = range.end.min(first + lines.len() as u64);
        if start >= end {
            return;
        }
        for (i, line) in lines.range((start - first) as usize..(end - first) as usize) {
            f(first + i as u64, line);
        }
    }
}

impl PartialEq for Printed {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

/// A run under way: stop it with `cancel`, await `report` for how it ended, read what it
/// prints as it prints it with `printed`.
pub struct Run {
    pub cancel: RunCancel,
    pub report: LocalBoxFuture<'static, RunReport>,
    pub printed: Printed,
}

/// Cancels a run: its main and every task spawned from it. Cheap to clone.
#[derive(Clone)]
pub struct RunCancel {
    main: TaskAbort,
    scope: Scope,
}

impl RunCancel {
    pub fn cancel(&self) {
        self.main.abort();
        self.scope.abort_all();
    }
}

/// Starts `lesson` with `params` on a fresh trace: its `main` runs as the traced task "main",
/// in a scope of its own. As `asyncio.run` does, when main ends the tasks it left running are
/// cancelled, so a finished run leaves nothing behind.
pub fn start(lesson: &'static Lesson, params: Params) -> Run {
    let out = fresh();
    let main = super::chunk::main(lesson, out.clone(), params.clone());
    launch(lesson, params, out, main)
}

/// Starts the playground's program, `source`, as [`start`] starts a lesson (its `main` the
/// traced task "main", on a fresh trace), with `seed` for `random`; a program that does not
/// parse is refused before anything runs. In the release site the lessons chunk must be
/// loaded first ([`super::chunk::preload`]).
pub fn start_python(source: &str, seed: Option<u64>) -> Result<Run, super::python::Refused> {
    let out = fresh();
    let main = super::python::program(source, out.clone(), seed)?;
    Ok(launch(
        &super::python::LESSON,
        Params::defaults(&[]),
        out,
        main,
    ))
}

/// A fresh trace, and a printer whose lines count from now. (Not inlined: the tracer's reset is
/// large, and both kinds of run start here.)
#[inline(never)]
fn fresh() -> Printer {
    trace::reset();
    Printer::new(now_ms())
}

/// Runs `main` as the traced task "main" of `lesson`, in a scope of its own.
fn launch(
    lesson: &'static Lesson,
    params: Params,
    out: Printer,
    main: LocalBoxFuture<'static, Result<(), String>>,
) -> Run {
    let printed = out.printed();
    let scope = Scope::new();
    let handle = scope.spawn_at("main", lesson.location, main);
    let cancel = RunCancel {
        main: handle.abort_handle(),
        scope: scope.clone(),
    };
    let report = async move {
        let result = handle.await;
        scope.abort_all();
        let elapsed_ms = now_ms() - out.start_ms();
        let (lines, lines_dropped) = out.lines();
        let (state, error) = match result {
            Ok(Ok(())) => (RunState::Done, None),
            Ok(Err(message)) => (RunState::Failed, Some(message)),
            Err(JoinError::Cancelled(_)) => (
                RunState::Cancelled,
                Some("the run was cancelled before it finished".to_string()),
            ),
        };
        let checks = match state {
            RunState::Done => {
                let mut checks = super::chunk::checks(lesson, &params, &lines).await;
                checks.extend(out.inner.checks.borrow().iter().cloned());
                checks
            }
            _ => Vec::new(),
        };
        RunReport {
            id: lesson.id,
            state,
            elapsed_ms,
            lines,
            lines_dropped,
            notes: out.notes(),
            checks,
            error,
        }
    }
    .boxed_local();
    Run {
        cancel,
        report,
        printed,
    }
}

// The frame of the lessons that ask the in-browser server.

/// How long a lesson waits for the request log's entries after its last answer: the worker
/// posts them in batches (every 50 ms), after the responses.
const LOG_WAIT: Duration = Duration::from_secs(2);

/// Waits until the in-browser server answers this page, noting what it waited for (its worker
/// being installed, its wasm loading), so that the lesson's timings are the program's.
pub async fn server_ready(out: &Printer) -> Result<(), String> {
    if service_worker::is_controlled() == Ok(false) {
        out.note(service_worker::INSTALLING);
    }
    let readiness = service_worker::wait_ready()
        .await
        .map_err(|e| e.to_string())?;
    for note in readiness.notes() {
        out.note(note);
    }
    Ok(())
}

/// A fetch lesson's frame: [`server_ready`], then the lesson's `body`, then the server's log of
/// the `requests` it made, noted. The entries come after the answers, so it waits for them
/// ([`LOG_WAIT`] at most; fewer are noted as they are).
pub async fn with_server<T, F>(
    out: &Printer,
    requests: usize,
    body: impl FnOnce() -> F,
) -> Result<T, String>
where
    F: Future<Output = Result<T, String>>,
{
    server_ready(out).await?;
    let mark = server_log::mark();
    let value = body().await?;
    server_log::wait_for(mark, requests, LOG_WAIT).await;
    for note in server_log::notes_since(mark) {
        out.note(note);
    }
    Ok(value)
}

/// The most requests the server had in flight, as its `/api/delay/{ms}` bodies say
/// (`{"delay_ms":..,"waited_ms":..,"in_flight":..}`, counted when each answered); `None` when
/// no body says.
pub fn most_in_flight(bodies: &[String]) -> Option<u64> {
    bodies
        .iter()
        .filter_map(|b| crate::json::from_str::<serde_json::Value>(b).ok())
        .filter_map(|j| j["in_flight"].as_u64())
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t_ms: f64, text: &str) -> Line {
        Line {
            t_ms,
            text: text.to_string(),
        }
    }

    #[test]
    fn most_in_flight_is_the_largest_count_the_delay_bodies_give() {
        let bodies = [
            r#"{"delay_ms":300,"waited_ms":300.2,"in_flight":2}"#,
            r#"{"delay_ms":300,"waited_ms":300.1,"in_flight":5}"#,
            "not JSON",
            r#"{"delay_ms":300}"#,
        ]
        .map(String::from);
        assert_eq!(most_in_flight(&bodies), Some(5));
        assert_eq!(most_in_flight(&bodies[2..]), None);
        assert_eq!(most_in_flight(&[]), None);
    }

    #[test]
    fn out_stamps_lines_relative_to_the_start_and_a_reader_sees_them() {
        let out = Printer::new(now_ms());
        let printed = out.printed();
        assert_eq!(printed.count(), 0);
        out.print("Hello");
        out.print(String::from("World"));
        let (lines, dropped) = out.lines();
        assert_eq!(dropped, 0);
        assert_eq!(printed.count(), 2);
        let mut seen = Vec::new();
        printed.visit(0..2, |i, l| seen.push((i, l.text.clone())));
        assert_eq!(
            seen,
            vec![(0, "Hello".to_string()), (1, "World".to_string())]
        );
        assert!(lines[0].t_ms >= 0.0 && lines[0].t_ms <= lines[1].t_ms);
    }

    #[test]
    fn past_the_cap_the_oldest_lines_go_and_the_reader_numbers_them_as_printed() {
        let out = Printer::new(now_ms());
        let printed = out.printed();
        let total = MAX_LINES as u64 + 2_000;
        for i in 0..total {
            out.print(format!("line {i}"));
        }
        let (lines, dropped) = out.lines();
        assert_eq!((lines.len(), dropped), (MAX_LINES, 2_000));
        assert_eq!(lines[0].text, "line 2000");
        assert_eq!((printed.count(), printed.first_kept()), (total, 2_000));
        let mut seen = Vec::new();
        // Asked from the start, it gives what is still kept: line 2000 on.
        printed.visit(1_998..2_002, |i, l| seen.push((i, l.text.clone())));
        assert_eq!(
            seen,
            vec![
                (2_000, "line 2000".to_string()),
                (2_001, "line 2001".to_string())
            ]
        );
        seen.clear();
        printed.visit(total - 1..total + 5, |i, l| seen.push((i, l.text.clone())));
        assert_eq!(seen, vec![(total - 1, format!("line {}", total - 1))]);
    }

    #[test]
    fn a_phase_is_read_as_last_said_and_a_long_one_is_cut() {
        let out = Printer::new(now_ms());
        let printed = out.printed();
        assert_eq!(printed.phase(), None);
        out.phase("all 50 at once: 3/50 answered");
        out.phase("now one after another, for contrast: 12/50");
        assert_eq!(
            printed.phase().as_deref(),
            Some("now one after another, for contrast: 12/50")
        );
        out.phase("x".repeat(500));
        let cut = printed.phase().unwrap_or_default();
        assert_eq!(cut.chars().count(), PHASE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn a_run_below_the_cap_keeps_every_line() {
        let out = Printer::new(now_ms());
        for i in 0..5_000 {
            out.print(format!("line {i}"));
        }
        let (lines, dropped) = out.lines();
        assert_eq!((lines.len(), dropped), (5_000, 0));
        assert_eq!(lines[4_999].text, "line 4999");
    }

    #[test]
    fn reports_serialize_with_the_contract_names() {
        let report = RunReport {
            id: "hello-sleep",
            state: RunState::Cancelled,
            elapsed_ms: 5.0,
            lines: vec![line(0.0, "Hello")],
            lines_dropped: 0,
            notes: vec![],
            checks: vec![],
            error: Some("stopped".into()),
        };
        let json = serde_json::to_value(&report).expect("serializes");
        assert_eq!(json["state"], "cancelled");
        assert_eq!(json["lines"][0]["t_ms"], 0.0);
        assert_eq!(json["error"], "stopped");
        let done = RunReport {
            state: RunState::Done,
            error: None,
            ..report
        };
        let json = serde_json::to_value(&done).expect("serializes");
        assert!(
            json.get("error").is_none(),
            "error is absent when there is none"
        );
    }
}
