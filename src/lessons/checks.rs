//! A lesson's verdicts on a finished run ([`Check`]), and the builders its `checks` share: the
//! lines are the Python's, a line came on time, a duration is within bounds.

use serde::Serialize;

use super::Line;

/// A lesson's verdict on one aspect of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub expected: String,
    pub actual: String,
}

/// How late a line due after a sleep may be and still count as on time: a timer on a busy page
/// fires a few ms late; more than this means the event loop was blocked (or sleeps that should
/// overlap did not).
pub const LATE_TOLERANCE_MS: f64 = 100.0;

/// How soon a line due at once comes: the first polls of a run's tasks come within a few
/// microtasks of its start.
pub const AT_ONCE_MS: f64 = 50.0;

/// The printed texts, in order, are exactly `expected`.
pub fn check_lines(lines: &[Line], expected: &[&str]) -> Check {
    let actual: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    Check {
        name: "prints what the Python prints, in the same order".to_string(),
        ok: actual == expected,
        expected: expected.join(" / "),
        actual: actual.join(" / "),
    }
}

/// The lines are `expected`'s texts, in order, and each came when it was due (ms since the
/// start): a line due at 0 within [`AT_ONCE_MS`], any other no earlier than its time and at
/// most [`LATE_TOLERANCE_MS`] after it. The times are judged only when as many lines came as
/// were expected.
pub fn check_schedule<T: AsRef<str>>(lines: &[Line], expected: &[(T, f64)]) -> Vec<Check> {
    let texts: Vec<&str> = expected.iter().map(|(text, _)| text.as_ref()).collect();
    let mut checks = vec![check_lines(lines, &texts)];
    if lines.len() != expected.len() {
        return checks;
    }
    for (line, (text, due)) in lines.iter().zip(expected) {
        let label = format!("'{}'", text.as_ref());
        if *due == 0.0 {
            checks.push(check_at_most(
                format!("{label} at the start"),
                line.t_ms,
                AT_ONCE_MS,
            ));
        } else {
            checks.extend(check_on_time(&label, line.t_ms, *due, LATE_TOLERANCE_MS));
        }
    }
    checks
}

/// A duration in ms is at least `min_ms`.
pub fn check_at_least(name: impl Into<String>, actual_ms: f64, min_ms: f64) -> Check {
    Check {
        name: name.into(),
        ok: actual_ms >= min_ms,
        expected: format!(">= {min_ms} ms"),
        actual: format!("{actual_ms:.1} ms"),
    }
}

/// Something (`label`) that happened at `t_ms`, due at `earliest`: never early, and at most
/// `tolerance_ms` late ("world no earlier than 2000 ms", "world at about 2000 ms").
pub fn check_on_time(label: &str, t_ms: f64, earliest: f64, tolerance_ms: f64) -> [Check; 2] {
    [
        check_at_least(
            format!("{label} no earlier than {earliest} ms"),
            t_ms,
            earliest,
        ),
        check_at_most(
            format!("{label} at about {earliest} ms (at most {tolerance_ms} ms late)"),
            t_ms,
            earliest + tolerance_ms,
        ),
    ]
}

/// A duration in ms is at most `max_ms`.
pub fn check_at_most(name: impl Into<String>, actual_ms: f64, max_ms: f64) -> Check {
    Check {
        name: name.into(),
        ok: actual_ms <= max_ms,
        expected: format!("<= {max_ms} ms"),
        actual: format!("{actual_ms:.1} ms"),
    }
}

/// Lines printed at the given times: for the tests of lessons' checks.
#[cfg(test)]
pub(crate) fn printed_at(lines: &[(f64, &str)]) -> Vec<Line> {
    lines
        .iter()
        .map(|&(t_ms, text)| Line {
            t_ms,
            text: text.to_string(),
        })
        .collect()
}

/// Lines printed one millisecond apart: for the tests of checks that judge only the text.
#[cfg(test)]
pub(crate) fn printed(texts: &[&str]) -> Vec<Line> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| Line {
            t_ms: i as f64,
            text: text.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lines_fails_on_a_different_order() {
        let check = check_lines(&printed(&["World", "Hello"]), &["Hello", "World"]);
        assert!(!check.ok);
        assert_eq!(check.actual, "World / Hello");
        assert!(check_lines(&printed(&["Hello", "World"]), &["Hello", "World"]).ok);
    }

    #[test]
    fn timing_checks_compare_inclusively() {
        assert!(check_at_least("x", 1000.0, 1000.0).ok);
        assert!(!check_at_least("x", 999.9, 1000.0).ok);
        assert!(check_at_most("x", 50.0, 50.0).ok);
        assert!(!check_at_most("x", 50.1, 50.0).ok);
    }

    const SCHEDULE: [(&str, f64); 3] = [("start", 0.0), ("hello", 1000.0), ("world", 2000.0)];

    #[test]
    fn a_schedule_kept_passes_with_one_check_at_the_start_and_two_per_timed_line() {
        let run = printed_at(&[(0.4, "start"), (1001.0, "hello"), (2099.0, "world")]);
        let checks = check_schedule(&run, &SCHEDULE);
        assert_eq!(checks.len(), 1 + 1 + 2 + 2);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert_eq!(checks[1].name, "'start' at the start");
        assert_eq!(checks[2].name, "'hello' no earlier than 1000 ms");
    }

    #[test]
    fn a_schedule_fails_on_an_early_late_or_missing_line() {
        let early = printed_at(&[(0.4, "start"), (999.0, "hello"), (2001.0, "world")]);
        assert!(!check_schedule(&early, &SCHEDULE)[2].ok);
        let late = printed_at(&[(0.4, "start"), (1001.0, "hello"), (2101.0, "world")]);
        assert!(!check_schedule(&late, &SCHEDULE)[5].ok);
        let slow_start = printed_at(&[(60.0, "start"), (1001.0, "hello"), (2001.0, "world")]);
        assert!(!check_schedule(&slow_start, &SCHEDULE)[1].ok);
        let missing = printed_at(&[(0.4, "start"), (1001.0, "hello")]);
        let checks = check_schedule(&missing, &SCHEDULE);
        assert_eq!(checks.len(), 1);
        assert!(!checks[0].ok);
    }
}
