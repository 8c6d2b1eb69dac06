//! The playground (issue 16): the reader's own asyncio program, run by the interpreter of
//! `asyncscope-python` as Rust futures on the browser's event loop, traced like a lesson.
//!
//! The interpreter is not in the page's first download: in the release site it is in the
//! lessons chunk, reached only through [`split_python`] (see [`chunk`](super::chunk)), which the
//! page loads when the playground first runs, checks or opens a program. Here is what the page
//! keeps: the [`PageHost`] the interpreter prints, blocks and fetches through, and the run's
//! frame (a lesson's: the program's `main` as the traced task "main", its lines stamped from
//! its start, its report).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use asyncscope_python::interp::{BoxFuture, Host, HttpFailure, HttpReply, HttpRequest, Outcome};
use futures::future::LocalBoxFuture;

use super::{Check, Code, Lesson, Line, Printer};
use crate::trace::fetch::{FetchError, Request};
use crate::trace::{self, now_ms};

/// The playground's id: `?lesson=playground`, `data-scenario`, a report's `id`.
pub const ID: &str = "playground";

/// The playground as the page shows it: a lesson without parameters whose program is the
/// editor's text.
pub static LESSON: Lesson = Lesson {
    id: ID,
    title: "Playground: your own asyncio program",
    article: &super::articles::ASYNCIO_AIOHTTP,
    section: "any",
    params: &[],
    location: std::panic::Location::caller(),
    code: Code::Python,
};

/// A program the playground will not run: where, and why, in words that say what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.col, self.message
        )
    }
}

/// The page side of the interpreter: prints go to the run's [`Printer`] a line at a time,
/// `time.sleep` freezes the page as it freezes Python's loop, HTTP is the tracer's fetch.
pub struct PageHost {
    out: Printer,
    /// Text printed since the last newline.
    pending: RefCell<String>,
}

/// A line printed without a newline is cut at this many bytes (a line is not a log).
const LINE_BYTES: usize = 64 * 1024;

impl PageHost {
    pub fn new(out: Printer) -> Rc<PageHost> {
        Rc::new(PageHost {
            out,
            pending: RefCell::new(String::new()),
        })
    }

    /// The text after the last newline, printed as a line of its own: what Python's stdout
    /// holds when the program ends.
    pub fn flush(&self) {
        let rest = std::mem::take(&mut *self.pending.borrow_mut());
        if !rest.is_empty() {
            self.out.print(rest);
        }
    }
}

impl Host for PageHost {
    fn now_ms(&self) -> f64 {
        now_ms()
    }

    fn write(&self, text: &str) {
        let mut pending = self.pending.borrow_mut();
        let mut rest = text;
        while let Some(i) = rest.find('\n') {
            pending.push_str(&rest[..i]);
            self.out.print(std::mem::take(&mut *pending));
            rest = &rest[i + 1..];
        }
        pending.push_str(rest);
        if pending.len() > LINE_BYTES {
            self.out.print(std::mem::take(&mut *pending));
        }
    }

    fn block(&self, ms: f64) {
        // As `time.sleep` in Python: nothing else on the loop runs meanwhile (the interpreter
        // stops a run before this passes its time budget).
        let end = now_ms() + ms;
        while now_ms() < end {}
    }

    fn fetch(&self, request: HttpRequest) -> BoxFuture<Result<HttpReply, HttpFailure>> {
        Box::pin(fetch(request))
    }
}

/// One request through the browser's network stack (the tracer's fetch), as aiohttp's outcome.
async fn fetch(request: HttpRequest) -> Result<HttpReply, HttpFailure> {
    let mut r = Request::new(request.method.as_str(), request.url.as_str());
    for (name, value) in &request.headers {
        r = r.header(name.as_str(), value.as_str());
    }
    if let Some(body) = request.body {
        r = r.body(body);
    }
    let sending = r.send();
    let answer = match request.timeout_ms {
        Some(ms) => {
            let limit = std::time::Duration::from_secs_f64((ms / 1000.0).clamp(0.0, 1e6));
            match trace::timeout(limit, sending).await {
                Ok(answer) => answer,
                Err(_) => return Err(HttpFailure::Timeout),
            }
        }
        None => sending.await,
    };
    match answer {
        Ok(response) => Ok(HttpReply {
            status: response.status,
            reason: response.status_text.clone(),
            headers: response.headers.clone(),
            body: response.text(),
        }),
        Err(FetchError::InvalidRequest(_)) => Err(HttpFailure::InvalidUrl),
        // The browser does not say why (no name, refused, offline, CORS): its words are kept.
        Err(FetchError::Network(why)) | Err(FetchError::Body(why)) => {
            Err(HttpFailure::Connect { dns: false, why })
        }
    }
}

/// How the interpreter's run ended, as a lesson's program ends: `Err` with the words a reader
/// needs (the exception's last traceback line and where it was raised).
pub fn outcome_result(outcome: Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Finished => Ok(()),
        Outcome::Raised {
            last_line, line, ..
        } if line > 0 => Err(format!("line {line}: {last_line}")),
        Outcome::Raised { last_line, .. } => Err(last_line),
        Outcome::Stopped(message) => Err(message),
    }
}

/// Where in the program a run's error points, read back from [`outcome_result`]'s words.
pub fn error_line(error: &str) -> Option<u32> {
    let rest = error.strip_prefix("line ")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// What CPython 3.11 printed for a program of the corpus (tests/python/programs/NAME.out, whose
/// format tests/python/README.md gives): its lines and their times, how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub lines: Vec<(f64, String)>,
    /// The traceback's last line, when an exception escaped.
    pub raised: Option<String>,
    /// The recording says its times vary from run to run: the text only is compared.
    pub times_vary: bool,
}

/// How far a line may be from CPython's time and still be "at the same moment".
pub const SAME_MOMENT_MS: f64 = 20.0;

/// Reads a recording; `None` when the text is not one.
pub fn parse_recording(text: &str) -> Option<Recording> {
    let mut recording = Recording {
        lines: Vec::new(),
        raised: None,
        times_vary: false,
    };
    let mut ended = false;
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            recording.times_vary |= comment.contains("times vary");
        } else if let Some(rest) = line.strip_prefix("raised\t") {
            recording.raised = Some(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("unterminated\t") {
            recording.lines.push((f64::NAN, rest.to_string()));
        } else if line.starts_with("end ") {
            ended = true;
        } else {
            let (t, text) = line.split_once('\t')?;
            recording.lines.push((t.parse().ok()?, text.to_string()));
        }
    }
    ended.then_some(recording)
}

/// Whether a run printed what CPython printed: the same lines in the same order, each within
/// [`SAME_MOMENT_MS`] of CPython's time (unless CPython's own times vary), and the same end.
pub fn matches_cpython(recording: &Recording, lines: &[Line], error: Option<&str>) -> Check {
    let texts = |l: &mut dyn Iterator<Item = &str>| l.collect::<Vec<_>>().join(" / ");
    let expected_text = texts(&mut recording.lines.iter().map(|(_, t)| t.as_str()));
    let actual_text = texts(&mut lines.iter().map(|l| l.text.as_str()));
    let mut problem = None;
    if expected_text != actual_text {
        problem = Some(actual_text.clone());
    } else if !recording.times_vary {
        let off = recording
            .lines
            .iter()
            .zip(lines)
            .filter(|((t, _), _)| t.is_finite())
            .find(|((t, _), line)| (line.t_ms - t).abs() > SAME_MOMENT_MS);
        if let Some(((t, text), line)) = off {
            problem = Some(format!(
                "{text:?} at {:.1} ms, CPython at {t} ms ({:+.1} ms)",
                line.t_ms,
                line.t_ms - t
            ));
        }
    }
    let raised_here = error.map(|e| {
        match error_line(e) {
            Some(_) => e.split_once(": ").map_or(e, |(_, rest)| rest),
            None => e,
        }
        .to_string()
    });
    if problem.is_none() && recording.raised != raised_here {
        problem = Some(format!(
            "it ended {}",
            raised_here.map_or("normally".to_string(), |r| format!("raising {r}"))
        ));
    }
    let when = if recording.times_vary {
        "in order (CPython's own times vary)"
    } else {
        "in order, each within 20 ms of CPython's time"
    };
    Check {
        name: "prints what CPython 3.11 printed, at the same moments".to_string(),
        ok: problem.is_none(),
        expected: format!(
            "{expected_text}{} {when}",
            recording
                .raised
                .as_ref()
                .map_or(String::new(), |r| format!(", then raises {r},"))
        ),
        actual: problem.unwrap_or_else(|| format!("{actual_text}, {when}")),
    }
}

/// [`matches_cpython`] on a recording's text: what the chunk judges (`chunk::judge_python`).
pub fn judge(recording: &str, lines: &[Line], error: Option<&str>) -> Option<Check> {
    parse_recording(recording).map(|r| matches_cpython(&r, lines, error))
}

/// The program's `main`: parses `source` (a [`Refused`] when it does not parse), then runs it
/// with `seed` for `random`, printing through `out`. In the release site this is the lessons
/// chunk's, loaded first by the caller ([`super::chunk::preload`]).
pub fn program(
    source: &str,
    out: Printer,
    seed: Option<u64>,
) -> Result<LocalBoxFuture<'static, Result<(), String>>, Refused> {
    super::chunk::python(source, out, seed)
}

/// Parses and runs: what the chunk holds of the playground (`chunk::split_python`).
pub(super) fn parse_and_run(
    source: &str,
    out: Printer,
    seed: Option<u64>,
) -> Result<LocalBoxFuture<'static, Result<(), String>>, Refused> {
    let program = asyncscope_python::interp::prepare(source).map_err(|r| Refused {
        line: r.line,
        col: r.col,
        message: if r.kind == "SyntaxError" {
            r.message
        } else {
            r.last_line()
        },
    })?;
    let host = PageHost::new(out);
    let options = asyncscope_python::interp::Options {
        seed,
        ..Default::default()
    };
    let as_host: Rc<dyn Host> = host.clone();
    Ok(Box::pin(async move {
        let outcome = asyncscope_python::interp::run_prepared(program, as_host, options).await;
        host.flush();
        outcome_result(outcome)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_text_becomes_lines_at_each_newline_and_the_rest_at_the_end() {
        let out = Printer::new(now_ms());
        let host = PageHost::new(out.clone());
        host.write("a b");
        host.write(" c\nd\n\ne");
        host.write("nd");
        assert_eq!(
            out.lines()
                .0
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>(),
            ["a b c", "d", ""]
        );
        host.flush();
        assert_eq!(out.lines().0.last().map(|l| l.text.as_str()), Some("end"));
    }

    #[test]
    fn a_line_without_an_end_is_cut_rather_than_grown_forever() {
        let out = Printer::new(now_ms());
        let host = PageHost::new(out.clone());
        for _ in 0..100 {
            host.write(&"x".repeat(1000));
        }
        let (lines, _) = out.lines();
        assert!(!lines.is_empty());
        assert!(lines.iter().all(|l| l.text.len() <= LINE_BYTES + 1000));
    }

    fn line(t_ms: f64, text: &str) -> Line {
        Line {
            t_ms,
            text: text.to_string(),
        }
    }

    const RECORDED: &str = "# python3.11 tests/python/record x  (CPython 3.11.7)\n0.7\tHello\n1001.2\tWorld\nend 1001.5 exit=0\n";

    #[test]
    fn a_run_matches_cpython_with_the_same_lines_each_within_20_ms() {
        let recording = parse_recording(RECORDED).expect("a recording");
        assert_eq!(recording.lines.len(), 2);
        let on_time = [line(0.1, "Hello"), line(1015.0, "World")];
        assert!(matches_cpython(&recording, &on_time, None).ok);
        let late = [line(0.1, "Hello"), line(1030.0, "World")];
        let check = matches_cpython(&recording, &late, None);
        assert!(!check.ok);
        assert!(check.actual.contains("+28.8 ms"), "{}", check.actual);
        let other = [line(0.1, "Hello"), line(1000.0, "world")];
        assert!(!matches_cpython(&recording, &other, None).ok);
        assert!(!matches_cpython(&recording, &on_time[..1], None).ok);
        let raised = matches_cpython(&recording, &on_time, Some("line 3: ValueError: x"));
        assert!(!raised.ok && raised.actual.contains("raising ValueError: x"));
        assert_eq!(
            parse_recording("0.7\tHello\n"),
            None,
            "no end: not a recording"
        );
        assert_eq!(parse_recording("x\nend 1 exit=0"), None);
    }

    #[test]
    fn an_error_names_its_line_and_the_page_reads_it_back() {
        let e = outcome_result(Outcome::Raised {
            last_line: "ValueError: boom".into(),
            line: 7,
            col: 5,
        });
        assert_eq!(e, Err("line 7: ValueError: boom".to_string()));
        assert_eq!(error_line("line 7: ValueError: boom"), Some(7));
        assert_eq!(error_line("ValueError: boom"), None);
        assert_eq!(outcome_result(Outcome::Finished), Ok(()));
    }
}
