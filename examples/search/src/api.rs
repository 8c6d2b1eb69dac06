//! The search client: what a search asks the server (`api/search` of the in-browser server),
//! how it retries, and what it makes of the answers. The async functions are
//! `#[tracing::instrument]`ed, so each call is a span (a row in asyncscope's overlay, under the
//! task that awaits it) and their `tracing` events are instants on it.

use std::fmt;
use std::time::Duration;

use asyncscope_trace::{self as trace, fetch::Request};
use serde::Deserialize;

/// The in-browser server's routes, relative to this page: the app's `api/`, two folders up from
/// `examples/search/`, wherever the app is published.
const API: &str = "../../api/";

/// A keystroke starts a search only after this long without another one.
pub const DEBOUNCE: Duration = Duration::from_millis(250);
/// A search tries this many times before it gives up (the first, then one retry per
/// [`backoff`]).
pub const ATTEMPTS: u32 = 4;
/// The server status panel checks this often.
pub const STATUS_EVERY: Duration = Duration::from_secs(3);

/// How long to wait after failed attempt `attempt` (from 1) before the next: 100, 200, 400 ms.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100u64 << attempt.clamp(1, 8).saturating_sub(1))
}

/// How the in-browser server answers searches: the page's settings, sent with each request (the
/// server keeps no state, so a failure it is told to make is the same every time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    /// How long it takes to answer, in ms.
    pub latency_ms: u32,
    /// What it does with a search.
    pub mode: Mode,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            latency_ms: 300,
            mode: Mode::Flaky,
        }
    }
}

/// The server's health, as the page asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every attempt is answered.
    Healthy,
    /// Each search's first attempt gets a 503: the retry gets through.
    Flaky,
    /// Every attempt gets a 503 (the server fails the first 10, more than [`ATTEMPTS`]).
    Down,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Healthy, Mode::Flaky, Mode::Down];

    /// The server's `flaky` parameter: how many first attempts fail.
    fn failing_attempts(self) -> u32 {
        match self {
            Mode::Healthy => 0,
            Mode::Flaky => 1,
            Mode::Down => 10,
        }
    }

    /// Its name in the page's `<select>`.
    pub fn id(self) -> &'static str {
        match self {
            Mode::Healthy => "healthy",
            Mode::Flaky => "flaky",
            Mode::Down => "down",
        }
    }

    pub fn from_id(id: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Healthy => "healthy",
            Mode::Flaky => "flaky: each search's first attempt fails",
            Mode::Down => "down: every attempt fails",
        }
    }
}

/// The request for attempt `attempt` of a search for `query`.
pub fn search_url(query: &str, server: Server, attempt: u32) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", query)
        .append_pair("delay_ms", &server.latency_ms.to_string())
        .append_pair("attempt", &attempt.to_string())
        .append_pair("flaky", &server.mode.failing_attempts().to_string())
        .finish();
    format!("{API}search?{query}")
}

/// The server's answer to a search.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Found {
    /// The query it answers (checked against the one asked).
    pub query: String,
    /// The first matches.
    pub matches: Vec<String>,
    /// How many words matched in all.
    pub total: u32,
}

/// Why one attempt gave no results.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptError {
    /// No answer: the request failed (no service worker in control, a network error).
    Network(String),
    /// A 5xx: the server is briefly unable; another attempt may get through.
    Unavailable { status: u16, message: String },
    /// Another status: the server refuses this search, and would refuse it again.
    Refused { status: u16, message: String },
    /// A 2xx whose body is not the answer to this search.
    BadAnswer(String),
}

impl AttemptError {
    /// Worth another attempt: the next one may get through.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AttemptError::Network(_) | AttemptError::Unavailable { .. }
        )
    }
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptError::Network(m) => write!(f, "no answer from the server ({m})"),
            AttemptError::Unavailable { status, message }
            | AttemptError::Refused { status, message } => {
                write!(f, "the server answered {status}: {message}")
            }
            AttemptError::BadAnswer(m) => write!(f, "the server's answer made no sense: {m}"),
        }
    }
}

/// Why a search gave no results, after all its attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchError {
    pub attempts: u32,
    pub last: AttemptError,
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tries = if self.attempts == 1 {
            "1 attempt".to_string()
        } else {
            format!("{} attempts", self.attempts)
        };
        write!(f, "the search failed after {tries}: {}", self.last)
    }
}

impl std::error::Error for SearchError {}

/// What an answer of `status` with `body` says: the results of a search for `query`, or why not.
pub fn read_answer(query: &str, status: u16, body: &[u8]) -> Result<Found, AttemptError> {
    if !(200..300).contains(&status) {
        // The server's refusals are `{"error": message}`; anything else is quoted as it came.
        #[derive(Deserialize)]
        struct Refusal {
            error: String,
        }
        let message = serde_json::from_slice::<Refusal>(body)
            .map(|r| r.error)
            .unwrap_or_else(|_| clip(&String::from_utf8_lossy(body)));
        return Err(if status >= 500 {
            AttemptError::Unavailable { status, message }
        } else {
            AttemptError::Refused { status, message }
        });
    }
    let found: Found = serde_json::from_slice(body)
        .map_err(|e| AttemptError::BadAnswer(format!("not the JSON of a search: {e}")))?;
    if found.query != query {
        return Err(AttemptError::BadAnswer(format!(
            "it answers a search for '{}', not '{query}'",
            clip(&found.query)
        )));
    }
    Ok(found)
}

/// `text` cut to 120 characters for a message.
fn clip(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let start: String = text.chars().take(MAX).collect();
    format!("{start}…")
}

/// A search for `query`, tried up to [`ATTEMPTS`] times with [`backoff`] between attempts while
/// the failures are transient. `on_retry(next_attempt, error)` is told before each wait.
#[tracing::instrument(skip(server, on_retry))]
pub async fn search(
    query: String,
    server: Server,
    on_retry: impl Fn(u32, &AttemptError),
) -> Result<Found, SearchError> {
    let mut attempt = 1;
    loop {
        let url = search_url(&query, server, attempt);
        match fetch_attempt(&url, attempt, &query).await {
            Ok(found) => {
                tracing::info!(
                    total = found.total,
                    attempts = attempt,
                    "found {} matches",
                    found.total
                );
                return Ok(found);
            }
            Err(error) if error.is_transient() && attempt < ATTEMPTS => {
                let wait = backoff(attempt);
                tracing::warn!(
                    attempt,
                    %error,
                    "attempt {attempt} failed; retrying in {} ms",
                    wait.as_millis()
                );
                on_retry(attempt + 1, &error);
                trace::sleep(wait).await;
                attempt += 1;
            }
            Err(error) => {
                tracing::warn!(attempt, %error, "giving up after attempt {attempt}");
                return Err(SearchError {
                    attempts: attempt,
                    last: error,
                });
            }
        }
    }
}

/// One request of a search: the answer's results, or why not.
#[tracing::instrument(skip(query))]
async fn fetch_attempt(url: &str, attempt: u32, query: &str) -> Result<Found, AttemptError> {
    let response = Request::get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| AttemptError::Network(e.to_string()))?;
    tracing::info!(
        status = response.status,
        bytes = response.body.len(),
        "answered {}",
        response.status
    );
    read_answer(query, response.status, &response.body)
}

/// What the server status panel shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerStatus {
    /// Requests the server was handling when the check arrived (the check included).
    pub in_flight: u32,
    /// The check's round trip, in ms.
    pub round_trip_ms: f64,
}

/// Asks the server how busy it is (`api/delay/0` reports its requests in flight).
#[tracing::instrument]
pub async fn check_status() -> Result<ServerStatus, AttemptError> {
    #[derive(Deserialize)]
    struct Delay {
        in_flight: u32,
    }
    let start = trace::now_ms();
    let response = Request::get(format!("{API}delay/0"))
        .send()
        .await
        .map_err(|e| AttemptError::Network(e.to_string()))?;
    let round_trip_ms = trace::now_ms() - start;
    if !(200..300).contains(&response.status) {
        let error = AttemptError::Unavailable {
            status: response.status,
            message: clip(&response.text()),
        };
        tracing::warn!(%error, "status check failed");
        return Err(error);
    }
    let delay: Delay = serde_json::from_slice(&response.body)
        .map_err(|e| AttemptError::BadAnswer(format!("not the JSON of api/delay: {e}")))?;
    tracing::info!(
        in_flight = delay.in_flight,
        "{} requests in flight",
        delay.in_flight
    );
    Ok(ServerStatus {
        in_flight: delay.in_flight,
        round_trip_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_100_ms() {
        let waits: Vec<u128> = (1..ATTEMPTS).map(|a| backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400]);
        // Out of range: never zero, never huge.
        assert_eq!(backoff(0).as_millis(), 100);
        assert_eq!(backoff(u32::MAX).as_millis(), 12_800);
    }

    #[test]
    fn a_search_url_encodes_the_query_and_carries_the_servers_settings() {
        let server = Server {
            latency_ms: 600,
            mode: Mode::Flaky,
        };
        assert_eq!(
            search_url("async rust & co", server, 2),
            "../../api/search?q=async+rust+%26+co&delay_ms=600&attempt=2&flaky=1"
        );
        let down = Server {
            mode: Mode::Down,
            ..server
        };
        assert!(search_url("x", down, 1).ends_with("&flaky=10"));
        assert!(
            Mode::Down.failing_attempts() >= ATTEMPTS,
            "down fails every attempt"
        );
    }

    #[test]
    fn an_answer_is_results_for_the_query_or_an_error_in_words() {
        let body = br#"{"query":"ru","matches":["rust","rustc"],"total":8}"#;
        assert_eq!(
            read_answer("ru", 200, body),
            Ok(Found {
                query: "ru".into(),
                matches: vec!["rust".into(), "rustc".into()],
                total: 8
            })
        );
        let other = read_answer("go", 200, body).expect_err("another query's answer");
        assert!(other.to_string().contains("not 'go'"), "{other}");
        assert!(!other.is_transient());

        let busy = read_answer("ru", 503, br#"{"error":"briefly unavailable"}"#).expect_err("503");
        assert!(busy.is_transient());
        assert_eq!(
            busy.to_string(),
            "the server answered 503: briefly unavailable"
        );
        let refused = read_answer("ru", 400, b"<h1>no</h1>").expect_err("400");
        assert!(!refused.is_transient());
        assert_eq!(refused.to_string(), "the server answered 400: <h1>no</h1>");
        let garbled = read_answer("ru", 200, b"{\"query\": 5").expect_err("bad JSON");
        assert!(matches!(garbled, AttemptError::BadAnswer(_)), "{garbled}");
        assert!(AttemptError::Network("refused".into()).is_transient());
    }

    #[test]
    fn a_failed_search_says_how_many_attempts_it_made() {
        let error = SearchError {
            attempts: ATTEMPTS,
            last: AttemptError::Unavailable {
                status: 503,
                message: "down".into(),
            },
        };
        assert_eq!(
            error.to_string(),
            "the search failed after 4 attempts: the server answered 503: down"
        );
    }

    #[test]
    fn modes_round_trip_through_their_ids() {
        for mode in Mode::ALL {
            assert_eq!(Mode::from_id(mode.id()), Some(mode));
        }
        assert_eq!(Mode::from_id("sideways"), None);
    }
}
