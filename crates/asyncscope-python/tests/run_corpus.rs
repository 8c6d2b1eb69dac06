//! Every program of the Python corpus run through the interpreter, natively, on the tracer's
//! fake clock: it must print what CPython 3.11 printed (tests/python/programs/NAME.out), line
//! for line, each line within 20 ms of CPython's time (unless the recording says its times
//! vary), and end the same way (an escaped exception's last traceback line, the end time).
//!
//! On the fake clock a program takes no time but what it sleeps or blocks, so the times
//! compared are the program's own timing, not this machine's speed.
// Native only: runs programs on the tracer's fake clock (`interp::simulate`), in threads.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use asyncscope_python::interp::{self, Options, Outcome};
use common::{corpus, recording, Recorded};

/// Runs `source` on the fake clock; what it printed and how it ended, as a recording has it.
fn run(source: &str) -> Vec<Recorded> {
    let module = match asyncscope_python::parse(source) {
        Ok(m) => m,
        Err(e) => return vec![Recorded::Raised(format!("SyntaxError: {e}"))],
    };
    let options = Options {
        seed: Some(1),
        ..Options::default()
    };
    let t = interp::simulate(module, options);
    let mut lines: Vec<Recorded> = t
        .lines
        .into_iter()
        .map(|(ms, text)| Recorded::Line(ms, text))
        .collect();
    if !t.unterminated.is_empty() {
        lines.push(Recorded::Unterminated(t.unterminated));
    }
    match t.outcome {
        Some(Outcome::Finished) => lines.push(Recorded::End(t.end_ms, 0)),
        Some(Outcome::Raised { last_line, .. }) => {
            lines.push(Recorded::Raised(last_line));
            lines.push(Recorded::End(t.end_ms, 1));
        }
        Some(Outcome::Stopped(message)) => {
            lines.push(Recorded::Raised(format!("stopped: {message}")));
            lines.push(Recorded::End(t.end_ms, 1));
        }
        None => lines.push(Recorded::Raised(
            "never ended: every task waits for nothing".into(),
        )),
    }
    lines
}

/// The differences between what CPython printed and what the interpreter did, in words.
fn compare(expected: &[Recorded], got: &[Recorded], times_vary: bool) -> Vec<String> {
    let mut diffs = Vec::new();
    let n = expected.len().max(got.len());
    for i in 0..n {
        match (expected.get(i), got.get(i)) {
            (Some(Recorded::Line(t0, a)), Some(Recorded::Line(t1, b))) => {
                if a != b {
                    diffs.push(format!("line {i}: CPython {a:?}, here {b:?}"));
                } else if !times_vary && (t0 - t1).abs() > 20.0 {
                    diffs.push(format!(
                        "line {i} {a:?}: CPython at {t0} ms, here at {t1:.1} ms"
                    ));
                }
            }
            (Some(Recorded::End(t0, c0)), Some(Recorded::End(t1, c1))) => {
                if c0 != c1 {
                    diffs.push(format!("exit code: CPython {c0}, here {c1}"));
                } else if !times_vary && (t0 - t1).abs() > 20.0 {
                    diffs.push(format!("end: CPython at {t0} ms, here at {t1:.1} ms"));
                }
            }
            (a, b) if a == b => {}
            (a, b) => diffs.push(format!("item {i}: CPython {a:?}, here {b:?}")),
        }
        if diffs.len() > 4 {
            break;
        }
    }
    diffs
}

#[test]
fn every_corpus_program_prints_what_cpython_printed_at_the_same_moments() {
    let only = std::env::var("ASYNCSCOPE_PROGRAM").ok();
    let mut failures = Vec::new();
    let mut passed = 0;
    for program in corpus() {
        if only
            .as_ref()
            .is_some_and(|o| !program.name.contains(o.as_str()))
        {
            continue;
        }
        let source = program.source.clone();
        // A thread of its own: a fresh tracer, and a stack as small as the page's.
        let got = std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(move || run(&source))
            .expect("thread")
            .join();
        let got = match got {
            Ok(g) => g,
            Err(_) => {
                failures.push(format!("{}: PANICKED", program.name));
                continue;
            }
        };
        let diffs = compare(&recording(&program.name), &got, program.times_vary);
        if diffs.is_empty() {
            passed += 1;
        } else {
            failures.push(format!("{}:\n    {}", program.name, diffs.join("\n    ")));
        }
    }
    eprintln!("{passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The page's test of the corpus (tests/playground.rs, in headless Chrome) names every program:
/// a program added here and not there would go untested in the browser.
#[test]
fn the_browser_test_runs_every_program_of_the_corpus() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/playground.rs");
    let test: String = std::fs::read_to_string(&path)
        .expect("tests/playground.rs")
        .split_whitespace()
        .collect();
    let missing: Vec<String> = corpus()
        .into_iter()
        .map(|p| p.name)
        .filter(|name| !test.contains(&format!("program!({name},")))
        .collect();
    assert!(
        missing.is_empty(),
        "tests/playground.rs does not list {missing:?}: add a program! line for each"
    );
}
