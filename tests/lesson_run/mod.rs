//! What the wasm tests of the lessons share: run a lesson to its end, read its lines and the
//! tasks it recorded. Each test file uses some of these, hence `dead_code` allowed.
#![allow(dead_code)]

use asyncscope::lessons::{self, Line, RunReport, RunState};
use asyncscope::trace::{with_recorder, TaskStats};

/// Runs lesson `id` with `params` to its end; it must end done.
pub async fn run(id: &str, params: &[(&str, &str)]) -> RunReport {
    let lesson = lessons::find(id).expect("registered");
    let params = lesson.validate(params.iter().copied()).expect("valid");
    let report = lessons::start(lesson, params).report.await;
    assert_eq!(report.state, RunState::Done, "{report:?}");
    report
}

/// The printed texts, in order.
pub fn texts(lines: &[Line]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

/// The time the line `text` was printed at.
pub fn at(report: &RunReport, text: &str) -> f64 {
    report
        .lines
        .iter()
        .find(|l| l.text == text)
        .unwrap_or_else(|| panic!("no line {text:?} in {:?}", report.lines))
        .t_ms
}

/// The recorded task named `name` (the first, if several).
pub fn task(name: &str) -> TaskStats {
    with_recorder(|r| r.tasks().find(|t| t.name() == name).cloned())
        .unwrap_or_else(|| panic!("no task {name:?} in the trace"))
}
