//! Lesson `fetch-post`: article 002's "advanced" request, a POST with a custom `user-agent`
//! header and a `key=value` query, sent to the server's echo, which shows what arrived. Then a
//! timeout (aiohttp's `ClientTimeout`) aborts a slow request through its `AbortController`, and
//! a fetch future dropped mid-flight aborts too: the server's log shows both requests given up.

use std::time::Duration;

use super::lesson;
use super::run::server_ready;
use super::{check_at_least, lesson_params, Check, Lesson, Line, Printer};
use crate::browser::server_log;
use crate::trace::fetch::{FetchError, Request};
use crate::trace::{now_ms, select, sleep, timeout};
use crate::wire::{path, LogEntry};

/// A POST with a user-agent header and ?key=value comes back from the echo as it arrived. A GET
/// slower than its timeout is aborted, and so is one whose future is dropped: the server's log
/// shows that both stopped.
pub const LESSON: Lesson = lesson! {
    id: "fetch-post",
    title: "POST with headers and params; timeouts that really cancel",
    params: FetchPostParams,
    article: ASYNCIO_AIOHTTP, section: "5.3 异步请求的高级用法",
};

lesson_params! {
    /// What `fetch-post` takes. The timeout is whole ms: three times it goes in the path of the
    /// slow GET, `/api/delay/{ms}`.
    pub(super) struct FetchPostParams {
        /// the timeout of the slow GET, in ms (the server takes 3x as long to answer)
        timeout_ms: u32 = 1000 in 100..=10_000,
    }
}

const USER_AGENT: &str = "Mozilla/5.0";
/// How long the dropped fetch runs before its future is dropped.
const DROP_AFTER_MS: u32 = 300;

pub(super) async fn run(out: Printer, params: FetchPostParams) -> Result<(), String> {
    let timeout_ms = params.timeout_ms;
    server_ready(&out).await?;
    let echo = fetch_url(path::ECHO).await.map_err(|e| e.to_string())?;
    out.print(&echo);
    judge_echo(&out, &echo);

    let slow_ms = timeout_ms * 3;
    let mark = server_log::mark();
    let start = now_ms();
    let url = format!("{}?case=timeout", path::delay(slow_ms));
    slow(&out, &url, timeout_ms)
        .await
        .map_err(|e| e.to_string())?;
    let waited = now_ms() - start;
    out.check(check_at_least(
        "the timeout fired no earlier than its time",
        waited,
        f64::from(timeout_ms),
    ));
    let within = Duration::from_secs(3);
    let entry = server_log::wait_for_entry(mark, within, |e| e.path == url).await;
    judge_abort(&out, "timed out", entry.as_ref(), timeout_ms, slow_ms);

    let mark = server_log::mark();
    let url = format!("{}?case=dropped", path::delay(slow_ms));
    dropped(&url).await;
    let entry = server_log::wait_for_entry(mark, within, |e| e.path == url).await;
    judge_abort(&out, "dropped", entry.as_ref(), DROP_AFTER_MS, slow_ms);
    Ok(())
}

// ANCHOR: lesson
/// A POST with the seed's header and query parameter; the echo shows what arrived.
async fn fetch_url(url: &str) -> Result<String, FetchError> {
    let response = Request::post(format!("{url}?key=value"))
        .header("user-agent", USER_AGENT)
        .header("x-lesson", "fetch-post")
        .send()
        .await?;
    Ok(response.text())
}

/// `ClientTimeout(total=...)`: `timeout` drops the fetch when time is up, and dropping the fetch
/// aborts the request (its `AbortController`), so the server stops too.
async fn slow(out: &Printer, url: &str, timeout_ms: u32) -> Result<(), FetchError> {
    let limit = Duration::from_millis(timeout_ms.into());
    match timeout(limit, Request::get(url).send()).await {
        Ok(response) => out.print(response?.text()),
        Err(_elapsed) => out.print(format!("timed out after {timeout_ms} ms")),
    }
    Ok(())
}

/// Any drop aborts: `select` keeps the first to finish and drops the other, here the fetch.
async fn dropped(url: &str) {
    let short = sleep(Duration::from_millis(DROP_AFTER_MS.into()));
    let _first = select(short, Request::get(url).send()).await;
}
// ANCHOR_END: lesson

fn judge_echo(out: &Printer, echo: &str) {
    let json: serde_json::Value = crate::json::from_str(echo).unwrap_or_default();
    out.check(Check {
        name: "the echo got a POST with ?key=value".into(),
        ok: json["method"] == "POST" && json["query"]["key"] == "value",
        expected: "POST, key=value".into(),
        actual: format!("{}, key={}", json["method"], json["query"]["key"]),
    });
    out.check(Check {
        name: "a custom header arrived as sent".into(),
        ok: json["headers"]["x-lesson"] == "fetch-post",
        expected: "x-lesson: fetch-post".into(),
        actual: format!("x-lesson: {}", json["headers"]["x-lesson"]),
    });
    let arrived = json["headers"]["user-agent"].as_str().unwrap_or("");
    let browsers = web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    if arrived != USER_AGENT {
        out.note(format!(
            "the user-agent that arrived is the browser's own ({arrived}): Chrome drops a \
             page's user-agent header without a word (Chromium issue 571722), though the fetch \
             spec allows it; Firefox and Safari send it"
        ));
    }
    out.check(Check {
        name: "the user-agent arrived as sent, or as the browser's own where the browser \
               keeps it (Chrome)"
            .into(),
        ok: arrived == USER_AGENT || (!arrived.is_empty() && arrived == browsers),
        expected: format!("{USER_AGENT} (or {browsers})"),
        actual: arrived.into(),
    });
}

fn judge_abort(out: &Printer, how: &str, entry: Option<&LogEntry>, gave_up_ms: u32, slow_ms: u32) {
    match entry {
        Some(entry) => out.note(server_log::note_text(entry)),
        None => out.note(format!("the server log has no entry for the {how} request")),
    }
    out.check(Check {
        name: format!("the server saw the {how} request aborted"),
        ok: entry.is_some_and(|e| e.aborted),
        expected: "aborted".into(),
        actual: entry.map_or("no log entry".into(), |e| {
            if e.aborted {
                "aborted".into()
            } else {
                "completed".into()
            }
        }),
    });
    out.check(Check {
        name: format!("the server stopped the {how} request's timer when the client gave up"),
        ok: entry.is_some_and(|e| {
            e.duration_ms >= f64::from(gave_up_ms) / 2.0 && e.duration_ms < f64::from(slow_ms)
        }),
        expected: format!("about {gave_up_ms} ms, well under {slow_ms} ms"),
        actual: entry.map_or("no log entry".into(), |e| {
            format!("{:.0} ms", e.duration_ms)
        }),
    });
}

pub(super) fn checks(params: &FetchPostParams, lines: &[Line]) -> Vec<Check> {
    let expected = format!("timed out after {} ms", params.timeout_ms);
    vec![Check {
        name: "prints the echo, then the timeout".into(),
        ok: lines.len() == 2 && lines[0].text.starts_with('{') && lines[1].text == expected,
        expected: format!("{{...echo...}} / {expected}"),
        actual: lines
            .iter()
            .map(|l| l.text.chars().take(40).collect::<String>())
            .collect::<Vec<_>>()
            .join(" / "),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed as lines;

    #[test]
    fn the_echo_then_the_timeout_of_the_parameter_pass() {
        let params = FetchPostParams { timeout_ms: 250 };
        let run = [r#"{"method":"POST"}"#, "timed out after 250 ms"];
        assert!(checks(&params, &lines(&run))[0].ok);
        // The timeout the run printed must be the one asked for.
        let other = FetchPostParams::default();
        assert!(!checks(&other, &lines(&run))[0].ok);
        assert!(!checks(&params, &lines(&run[..1]))[0].ok);
    }
}
