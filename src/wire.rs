//! What the page and the in-browser server agree on: the paths the lessons ask for, the limits
//! and timings the server keeps, and the request log's entries the worker posts to the page.
//!
//! A module of its own at the crate's root, not inside `server/`: both sides import it and
//! neither imports the other, so the server stays apart from the lessons and the UI, and the
//! page reads the server's answers through this contract rather than through the server's code.
//! It is pure (no browser, no async), so both sides' builds carry only what they use of it.
//!
//! What the server *answers* (its bodies) is not here: a lesson judges those against the seed's
//! expected text, written in the lesson, so that a wrong answer fails its checks.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest delay `api/delay/{ms}` takes: a longer one is refused with 400.
pub const MAX_DELAY_MS: u32 = 60_000;
/// Posts are numbered like jsonplaceholder's, from 1 to this: `api/posts/{MAX_POST_ID + 1}`
/// is a 404.
pub const MAX_POST_ID: u32 = 100;
/// The largest body `api/echo` takes back, in bytes received (413 above).
pub const MAX_ECHO_BODY: usize = 64 * 1024;
/// How long `api/hello/{name}` sleeps before it answers: the seed's `await asyncio.sleep(0.5)`.
pub const HELLO_DELAY_MS: u32 = 500;

/// The paths the page asks the server for; the server's router (`server::route`) reads them.
/// They are relative to the site's base (no leading `/`): the site may live under any path, and
/// the service worker answers `<its scope>api/...` (`browser::site::url` makes them absolute).
pub mod path {
    /// The server answers under this prefix only (the service worker passes the rest on).
    pub const API: &str = "api/";
    /// The seed's index page.
    pub const INDEX: &str = API;
    /// The request itself, as JSON (GET, HEAD or POST).
    pub const ECHO: &str = "api/echo";

    /// The seed's greeting of `name`, which goes in the path percent-encoded (张 is
    /// `%E5%BC%A0`); the server decodes it.
    pub fn hello(name: &str) -> String {
        let encoded =
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
        format!("{API}hello/{encoded}")
    }

    /// A JSON body after `ms` (at most [`super::MAX_DELAY_MS`]).
    pub fn delay(ms: u32) -> String {
        format!("{API}delay/{ms}")
    }

    /// Post `id`, shaped like jsonplaceholder's (1 to [`super::MAX_POST_ID`]).
    pub fn post(id: u32) -> String {
        format!("{API}posts/{id}")
    }

    /// A response with the status `code`.
    pub fn status(code: u16) -> String {
        format!("{API}status/{code}")
    }
}

/// Every log message starts with this, so that the page tells them from other messages.
const LOG_TAG: &str = "asyncscope-log ";

/// One request the server handled, when it was over. The worker posts them to the page that
/// made the request (`postMessage`) as JSON text, a batch at a time (one message per page every
/// few ms, not one per request: each message costs two trips between processes); the page
/// keeps the last few (`browser::server_log`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When it arrived: ms since the Unix epoch (`Date.now()`), comparable across page and worker.
    pub at_ms: f64,
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// The status sent; none when the client gave up before the server answered.
    pub status: Option<u16>,
    /// From arrival to the last byte of the body sent (or to the client giving up).
    pub duration_ms: f64,
    /// The client gave up (aborted the fetch, or cancelled its body) before the body was done.
    pub aborted: bool,
}

impl LogEntry {
    /// The message the worker posts for a batch of entries.
    pub fn to_message(entries: &[LogEntry]) -> String {
        format!(
            "{LOG_TAG}{}",
            // The server writes its bodies with serde_json: it has it anyway.
            serde_json::to_string(entries).unwrap_or_default()
        )
    }

    /// The entries in a message, if it is a log message.
    pub fn from_message(message: &str) -> Option<Vec<LogEntry>> {
        crate::json::from_str(message.strip_prefix(LOG_TAG)?).ok()
    }
}

/// `GET api/delay/500 200 in 501 ms`, or `... aborted by the client after 300 ms`.
impl fmt::Display for LogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(status) = self.status {
            write!(f, " {status}")?;
        }
        if self.aborted {
            write!(f, " aborted by the client after {:.0} ms", self.duration_ms)
        } else {
            write!(f, " in {:.0} ms", self.duration_ms)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(aborted: bool) -> LogEntry {
        LogEntry {
            at_ms: 1_700_000_000_000.0,
            method: "GET".into(),
            path: "api/delay/500?case=timeout".into(),
            status: Some(200),
            duration_ms: 300.4,
            aborted,
        }
    }

    #[test]
    fn a_batch_survives_the_message_round_trip() {
        let batch = vec![entry(true), entry(false)];
        assert_eq!(
            LogEntry::from_message(&LogEntry::to_message(&batch)),
            Some(batch)
        );
    }

    #[test]
    fn other_messages_are_not_entries() {
        assert_eq!(LogEntry::from_message("claim"), None);
        assert_eq!(LogEntry::from_message("asyncscope-log {broken"), None);
        assert_eq!(LogEntry::from_message(r#"{"at_ms":1}"#), None);
        assert_eq!(
            LogEntry::from_message(r#"asyncscope-log {"at_ms":1}"#),
            None
        );
    }

    #[test]
    fn an_entry_reads_as_a_log_line() {
        assert_eq!(
            entry(false).to_string(),
            "GET api/delay/500?case=timeout 200 in 300 ms"
        );
        assert_eq!(
            entry(true).to_string(),
            "GET api/delay/500?case=timeout 200 aborted by the client after 300 ms"
        );
    }

    #[test]
    fn paths_are_the_ones_the_router_reads() {
        assert_eq!(path::INDEX, "api/");
        assert_eq!(path::delay(500), "api/delay/500");
        assert_eq!(path::post(MAX_POST_ID + 1), "api/posts/101");
        assert_eq!(path::status(500), "api/status/500");
        // Every route the lessons call is one the router takes (it is pure: no browser).
        for p in [
            path::INDEX.to_string(),
            path::ECHO.to_string(),
            path::hello("张三"),
            path::delay(MAX_DELAY_MS),
            path::post(1),
            path::status(404),
        ] {
            assert!(crate::server::route("GET", &p, "").is_ok(), "{p}");
        }
        assert!(crate::server::route("GET", &path::delay(MAX_DELAY_MS + 1), "").is_err());
        assert!(crate::server::route("GET", &path::post(MAX_POST_ID + 1), "").is_err());
    }

    #[test]
    fn names_are_percent_encoded_for_the_path() {
        assert_eq!(path::hello("Ann"), "api/hello/Ann");
        assert_eq!(path::hello("张三"), "api/hello/%E5%BC%A0%E4%B8%89");
        assert_eq!(path::hello("<b>Eve</b>"), "api/hello/%3Cb%3EEve%3C%2Fb%3E");
    }
}
