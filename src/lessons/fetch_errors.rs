//! Lesson `fetch-errors`: article 002's error handling (`except aiohttp.ClientConnectorError`),
//! widened to every way a GET fails: an unreachable host, a URL that is not one, 404 and 500
//! statuses, a CORS refusal, a body that is not JSON. Each is a typed error with a message in
//! words ([`HttpError`]); none is a panic, and the run goes on after each.

use futures::future::FutureExt;

use super::articles;
use super::{Check, Lesson, Line, Params, Printer};
use crate::browser::http::{self, HttpError};
use crate::browser::service_worker;

/// Six GETs that fail six ways (no such host, not a URL, 404, 500, refused by CORS, not JSON), each
/// caught as its own error and explained.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "fetch-errors",
    title: "Fetch errors, each one typed",
    article: &articles::ASYNCIO_AIOHTTP,
    section: "5.2 异步请求的错误处理",
    params: &[],
    main: |out, _params| async move { run(out).await }.boxed_local(),
    checks,
};

/// The seed's invalid URL, on the `.invalid` top-level domain, which never resolves (RFC 2606).
const UNREACHABLE: &str = "https://www.invalidurl.invalid/";
const NOT_A_URL: &str = "http://[::1";

async fn run(out: Printer) -> Result<(), String> {
    service_worker::ready(&out)
        .await
        .map_err(|e| e.to_string())?;
    let cross_origin = http::cross_origin_url();
    let cases = [
        (UNREACHABLE.to_string(), "ClientConnectorError"),
        (NOT_A_URL.to_string(), "InvalidURL"),
        ("/api/posts/101".to_string(), "ClientResponseError"),
        ("/api/status/500".to_string(), "ClientResponseError"),
        (cross_origin.clone(), "CORS refusal"),
        ("/api/".to_string(), "ContentTypeError"),
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
        // Off loopback the other origin is a public site: with no network it is unreachable.
        let ok = actual == *expected
            || (*expected == "CORS refusal"
                && !http::is_loopback(url)
                && actual == "ClientConnectorError");
        out.check(Check {
            name: format!("{url} fails as {expected}"),
            ok,
            expected: (*expected).into(),
            actual: actual.into(),
        });
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

fn checks(_params: &Params, lines: &[Line]) -> Vec<Check> {
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
            ok: lines.len() == expected.len()
                && kinds
                    .iter()
                    .zip(expected)
                    .all(|(k, e)| *k == e || (e == "CORS refusal" && *k == "ClientConnectorError")),
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
        let params = LESSON.validate([]).expect("valid");
        assert!(checks(&params, &lines).iter().all(|c| c.ok));
        assert!(checks(&params, &lines[1..]).iter().any(|c| !c.ok));
    }
}
