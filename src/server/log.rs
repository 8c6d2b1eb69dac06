//! The request log: one [`LogEntry`] per request the server handled, sent to the page that made
//! it (`postMessage`) as JSON text, a batch at a time (one message per page every few ms, not one
//! per request: each message costs two trips between processes). The page keeps the last few
//! (`browser::server_log`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Every log message starts with this, so that the page tells them from other messages.
const TAG: &str = "asyncscope-log ";

/// One request, when it was over.
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
            "{TAG}{}",
            // The server writes its bodies with serde_json: it has it anyway.
            serde_json::to_string(entries).unwrap_or_default()
        )
    }

    /// The entries in a message, if it is a log message.
    pub fn from_message(message: &str) -> Option<Vec<LogEntry>> {
        crate::json::from_str(message.strip_prefix(TAG)?).ok()
    }
}

/// `GET /api/delay/500 200 in 501 ms`, or `... aborted after 300 ms`.
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
            path: "/api/delay/500?case=timeout".into(),
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
            "GET /api/delay/500?case=timeout 200 in 300 ms"
        );
        assert_eq!(
            entry(true).to_string(),
            "GET /api/delay/500?case=timeout 200 aborted by the client after 300 ms"
        );
    }
}
