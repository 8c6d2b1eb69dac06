//! Lesson `fetch-errors`: article 002's error handling (`except aiohttp.ClientConnectorError`),
//! widened to every way a GET fails: an unreachable host, a URL that is not one, 404 and 500
//! statuses, a CORS refusal, a body that is not JSON. Each is a typed error with a message in
//! words ([`HttpError`]); none is a panic, and the run goes on after each.

use super::articles;
use super::run::server_ready;
use super::{Check, Lesson, Line, Printer};
use crate::browser::http::{self, HttpError};
use crate::wire::{path, MAX_POST_ID};

/// Six GETs that fail six ways (no such host, not a URL, 404, 500, refused by CORS, not JSON), each
/// caught as its own error and explained.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "fetch-errors",
    title: "Fetch errors, each one typed",
    article: &articles::ASYNCIO_AIOHTTP,
    section: "5.2 异步请求的错误处理",
    // It takes no parameters: its six cases are the lesson.
    params: &[],
    code: super::Code::Chunk,
};

/// The seed's invalid URL, on the `.invalid` top-level domain, which never resolves (RFC 2606).
const UNREACHABLE: &str = "https://www.invalidurl.invalid/";
const NOT_A_URL: &str = "http://[::1";

pub(super) async fn run(out: Printer) -> Result<(), String> {
    server_ready(&out).await?;
    let cases = [
        (UNREACHABLE.to_string(), "ClientConnectorError"),
        (NOT_A_URL.to_string(), "InvalidURL"),
        (path::post(MAX_POST_ID + 1), "ClientResponseError"),
        (path::status(500), "ClientResponseError"),
        (http::cross_origin_url(), "CORS refusal"),
        (path::INDEX.to_string(), "ContentTypeError"),
    ];
    for (url, expected) in &cases {
        let result = fetch_url(url).await;
        if let Err(e) = &result {
            out.note(e.to_string());
        }
        let actual = match &result {
            Ok(_) => "no error",
            Err(e) => e.kind(),
        };
        if *expected == "CORS refusal" && actual == "ClientConnectorError" {
            // Off loopback the other origin is a public site, which does not answer without a
            // network: there is then no answer for the browser to refuse.
            out.note(format!(
                "{url} did not answer at all, so this run shows no CORS refusal (is there a \
                 network?)"
            ));
        }
        out.check(check_case(url, expected, actual));
        match result {
            Ok(json) => out.print(json.to_string()),
            Err(e) => out.print(python_line(&e)),
        }
    }
    Ok(())
}

// ANCHOR: lesson
/// GET, `raise_for_status`, then the body as JSON: each failure is an [`HttpError`] case.
async fn fetch_url(url: &str) -> Result<serde_json::Value, HttpError> {
    let response = http::get(url).await?;
    http::json(url, &response)
}

/// What the Python prints in each `except`.
fn python_line(e: &HttpError) -> String {
    match e {
        HttpError::Status { status, .. } => format!("ClientResponseError: {status}"),
        other => format!("{}: {other}", other.kind()),
    }
}
// ANCHOR_END: lesson

/// One case caught as the error it shows, and as no other: a CORS refusal is not any failure to
/// connect (the browser reports both alike; [`http::get`] tells them apart).
fn check_case(url: &str, expected: &str, actual: &str) -> Check {
    Check {
        name: format!("{url} fails as {expected}"),
        ok: actual == expected,
        expected: expected.into(),
        actual: actual.into(),
    }
}

pub(super) fn checks(lines: &[Line]) -> Vec<Check> {
    let kinds: Vec<&str> = lines
        .iter()
        .map(|l| l.text.split(':').next().unwrap_or(""))
        .collect();
    let expected = [
        "ClientConnectorError",
        "InvalidURL",
        "ClientResponseError",
        "ClientResponseError",
        "CORS refusal",
        "ContentTypeError",
    ];
    let statuses: Vec<&str> = lines
        .iter()
        .filter(|l| l.text.starts_with("ClientResponseError"))
        .map(|l| l.text.trim_start_matches("ClientResponseError: "))
        .collect();
    vec![
        Check {
            name: "one line per case, each caught".into(),
            ok: kinds == expected,
            expected: expected.join(" / "),
            actual: kinds.join(" / "),
        },
        Check {
            name: "the statuses are 404 then 500".into(),
            ok: statuses == ["404", "500"],
            expected: "404 / 500".into(),
            actual: statuses.join(" / "),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_lines_are_judged_in_order() {
        let line = |text: &str| Line {
            t_ms: 0.0,
            text: text.into(),
        };
        let lines = [
            line("ClientConnectorError: could not connect"),
            line("InvalidURL: 'http://[::1' is not a URL"),
            line("ClientResponseError: 404"),
            line("ClientResponseError: 500"),
            line("CORS refusal: http://localhost:8080/ answered"),
            line("ContentTypeError: not JSON"),
        ];
        assert!(checks(&lines).iter().all(|c| c.ok));
        assert!(checks(&lines[1..]).iter().any(|c| !c.ok));
        // The other origin not answering at all is no CORS refusal.
        let mut unreachable = lines.clone();
        unreachable[4] = line("ClientConnectorError: could not connect");
        assert!(!checks(&unreachable)[0].ok);
    }

    #[test]
    fn the_cors_case_passes_only_on_a_cors_refusal() {
        let url = "http://localhost:8080/";
        assert!(check_case(url, "CORS refusal", "CORS refusal").ok);
        assert!(!check_case(url, "CORS refusal", "ClientConnectorError").ok);
        assert!(!check_case(url, "CORS refusal", "no error").ok);
        assert!(check_case(url, "ClientConnectorError", "ClientConnectorError").ok);
    }
}
