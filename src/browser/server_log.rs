//! The in-browser server's request log, page side: the service worker posts an entry for each
//! request this page made when it is over ([`LogEntry`], in `wire`); this keeps the last
//! [`CAPACITY`] of them, numbered, so that a lesson can read what the server saw of its own
//! requests ("GET /api/delay/5000 aborted by the client after 1000 ms") and note it.
//!
//! Not a yew module: lessons read it, and the lessons' notes are where the page shows it. It
//! gives the entries, or the texts to note ([`notes_since`]); the lesson prints them.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::trace::{self, Ring};
use crate::wire::LogEntry;

/// Entries kept; older ones are dropped (and counted).
pub const CAPACITY: usize = 200;

#[derive(Default)]
struct Log {
    entries: Option<Ring<LogEntry>>,
    /// Entries received since the page opened: the last kept one is number `received`.
    received: u64,
    /// Tasks waiting for the next entry.
    waiting: Vec<Waker>,
}

thread_local! {
    static LOG: RefCell<Log> = RefCell::new(Log::default());
}

/// Adds an entry (the message listener calls this; so can tests) and wakes the waiters.
pub fn push(entry: LogEntry) {
    let waiting = LOG.with(|log| {
        let mut log = log.borrow_mut();
        log.entries
            .get_or_insert_with(|| Ring::new(CAPACITY))
            .push(entry);
        log.received += 1;
        std::mem::take(&mut log.waiting)
    });
    // Outside the borrow: a wake may poll a waiter at once, which reads the log.
    for waker in waiting {
        waker.wake();
    }
}

/// A mark to read later entries from: the number of entries received so far.
pub fn mark() -> u64 {
    LOG.with(|log| log.borrow().received)
}

/// The kept entries received after `mark`, oldest first.
pub fn since(mark: u64) -> Vec<LogEntry> {
    LOG.with(|log| {
        let log = log.borrow();
        let Some(entries) = &log.entries else {
            return Vec::new();
        };
        let first = log.received - entries.len() as u64; // the number before the oldest kept
        entries
            .iter()
            .enumerate()
            .filter(|(i, _)| first + *i as u64 + 1 > mark)
            .map(|(_, e)| e.clone())
            .collect()
    })
}

/// Waits until `count` entries arrived after `mark` (the worker posts an entry when a request is
/// over, and the message can come after the response), at most `within`; gives what arrived.
pub async fn wait_for(mark: u64, count: usize, within: Duration) -> Vec<LogEntry> {
    let enough = Enough { mark, count };
    let _ = trace::timeout(within, enough).await;
    since(mark)
}

/// Waits for an entry after `mark` that `matches`, at most `within`.
pub async fn wait_for_entry(
    mark: u64,
    within: Duration,
    matches: impl Fn(&LogEntry) -> bool,
) -> Option<LogEntry> {
    let found = Found { mark, matches };
    trace::timeout(within, found).await.ok()
}

/// What a lesson notes of an entry: `server log: GET /api/delay/500 200 in 501 ms`.
pub fn note_text(entry: &LogEntry) -> String {
    format!("server log: {entry}")
}

/// The note of each entry after `mark`, oldest first: what the server saw of a run's requests.
pub fn notes_since(mark: u64) -> Vec<String> {
    since(mark).iter().map(note_text).collect()
}

fn wait(cx: &Context<'_>) {
    LOG.with(|log| {
        let mut log = log.borrow_mut();
        if !log.waiting.iter().any(|w| w.will_wake(cx.waker())) {
            log.waiting.push(cx.waker().clone());
        }
    });
}

struct Enough {
    mark: u64,
    count: usize,
}

impl Future for Enough {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if mark().saturating_sub(self.mark) >= self.count as u64 {
            return Poll::Ready(());
        }
        wait(cx);
        Poll::Pending
    }
}

struct Found<F> {
    mark: u64,
    matches: F,
}

impl<F: Fn(&LogEntry) -> bool> Future for Found<F> {
    type Output = LogEntry;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LogEntry> {
        if let Some(entry) = since(self.mark).into_iter().find(|e| (self.matches)(e)) {
            return Poll::Ready(entry);
        }
        wait(cx);
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> LogEntry {
        LogEntry {
            at_ms: 0.0,
            method: "GET".into(),
            path: path.into(),
            status: Some(200),
            duration_ms: 1.0,
            aborted: false,
        }
    }

    #[test]
    fn since_gives_the_entries_after_a_mark() {
        let before = mark();
        push(entry("/api/a"));
        let middle = mark();
        push(entry("/api/b"));
        let paths: Vec<String> = since(before).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/api/a", "/api/b"]);
        let paths: Vec<String> = since(middle).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/api/b"]);
        assert!(since(mark()).is_empty());
        assert_eq!(notes_since(middle), ["server log: GET /api/b 200 in 1 ms"]);
    }

    #[test]
    fn the_log_keeps_only_the_newest_entries() {
        let before = mark();
        for i in 0..CAPACITY + 50 {
            push(entry(&format!("/api/{i}")));
        }
        let kept = since(before);
        assert_eq!(kept.len(), CAPACITY);
        assert_eq!(kept[0].path, "/api/50");
        assert_eq!(mark() - before, (CAPACITY + 50) as u64);
    }
}
