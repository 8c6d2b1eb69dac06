//! Lesson `line-protocol`: asynchat's terminator-based protocol (article 004). The server streams
//! chat lines; the page reads the body's bytes as they come, buffers them (asynchat's
//! `collect_incoming_data`), splits them on the terminator (`set_terminator`) and handles each
//! message as soon as it is whole (`found_terminator`), also a line that came in two chunks.
//!
//! The framing is [`Framer`] (src/chat/framing.rs), which the chat room frames each sender with.

use futures::StreamExt;

use super::lesson;
use super::run::with_server;
use super::{lesson_params, param_choice, Check, Lesson, Line, ParamChoice, Printer};
use crate::browser::body_stream;
use crate::chat::Framer;
use crate::trace::now_ms;

/// The server streams chat lines; the page buffers the bytes as they arrive, splits them on the
/// terminator and handles each line as soon as it is whole, also a line that came in two chunks.
pub const LESSON: Lesson = lesson! {
    id: "line-protocol", title: "asynchat: a line-terminated protocol", params: LineProtocolParams,
    article: ASYNCHAT_COMPARED, section: "2.1 asynchat的基本概念和使用",
};

param_choice! {
    /// What ends a line.
    pub(super) enum Terminator {
        /// `\n`
        Lf = "lf",
        /// `\r\n`
        Crlf = "crlf",
    }
}

param_choice! {
    /// How the server writes each line.
    pub(super) enum Chunks {
        /// In two writes, half an interval apart.
        Split = "split",
        /// In one write.
        Whole = "whole",
    }
}

lesson_params! {
    /// What `line-protocol` takes. 50 lines × 1000 ms stays within the server's 60 s for a
    /// whole body.
    pub(super) struct LineProtocolParams {
        /// how many chat lines the server sends
        n: usize = 6 in 1..=50,
        /// time between two lines, in ms
        interval_ms: u32 = 200 in 20..=1000,
        /// what ends a line: lf (\n) or crlf (\r\n); the server and the framer use the same
        terminator: Terminator,
        /// split: the server sends each line in two writes, half an interval apart; whole: one
        chunks: Chunks,
    }
}

impl Terminator {
    /// Its bytes, which the server ends each line with and the framer splits on.
    fn bytes(self) -> &'static [u8] {
        match self {
            Terminator::Lf => b"\n",
            Terminator::Crlf => b"\r\n",
        }
    }
}

impl LineProtocolParams {
    /// The server's stream of lines that these parameters ask for.
    fn url(&self) -> String {
        format!(
            "api/lines?n={}&interval_ms={}&terminator={}&split={}",
            self.n,
            self.interval_ms,
            self.terminator.name(),
            u8::from(self.chunks == Chunks::Split)
        )
    }
}

pub(super) async fn run(out: Printer, params: LineProtocolParams) -> Result<(), String> {
    let (stats, ended) = with_server(&out, 1, || async {
        let start = now_ms();
        let stats = chat(&out, &params.url(), params.terminator.bytes()).await?;
        Ok((stats, now_ms() - start))
    })
    .await?;
    judge(&out, &params, &stats, ended);
    Ok(())
}

/// What the reader measured.
#[derive(Debug, Default)]
struct Stats {
    chunks: usize,
    /// Each message and when it was handled (ms since the request went out).
    messages: Vec<(String, f64)>,
    /// Messages whose bytes came in more than one chunk.
    spanning: usize,
    leftover: Option<Vec<u8>>,
}

// ANCHOR: lesson
/// The client: read the body's bytes as they arrive and frame them.
async fn chat(out: &Printer, url: &str, terminator: &[u8]) -> Result<Stats, String> {
    let start = now_ms();
    // set_terminator: the framer splits on it.
    let mut framer = Framer::new(terminator).map_err(|e| e.to_string())?;
    let mut body = body_stream::get(url).await.map_err(|e| e.to_string())?;
    if body.status != 200 {
        return Err(format!("the server answered {} to {url}", body.status));
    }
    let mut stats = Stats::default();
    let mut chunks_in_message = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        stats.chunks += 1;
        chunks_in_message += 1;
        // collect_incoming_data: buffer what came, however it was cut.
        out.print(format!(
            "Received data: {:?}",
            String::from_utf8_lossy(&chunk)
        ));
        framer.push(&chunk).map_err(|e| e.to_string())?;
        // found_terminator: every message now whole, at once.
        while let Some(message) = framer.next_message() {
            let line = String::from_utf8_lossy(&message).into_owned();
            out.print(format!("Line received: {line}"));
            stats.messages.push((line, now_ms() - start));
            if chunks_in_message > 1 {
                stats.spanning += 1;
            }
            chunks_in_message = 0;
        }
        if framer.pending().is_empty() {
            chunks_in_message = 0;
        } else {
            chunks_in_message = 1;
        }
    }
    stats.leftover = framer.finish();
    Ok(stats)
}
// ANCHOR_END: lesson

fn judge(out: &Printer, params: &LineProtocolParams, stats: &Stats, ended_ms: f64) {
    let n = params.n;
    let numbers: Vec<Option<usize>> = stats
        .messages
        .iter()
        .map(|(line, _)| line.split(' ').next().and_then(|k| k.parse().ok()))
        .collect();
    let expected: Vec<Option<usize>> = (1..=n).map(Some).collect();
    out.check(Check {
        name: "every line arrived whole, once, in order".into(),
        ok: numbers == expected && stats.leftover.is_none(),
        expected: format!("lines 1 to {n}, nothing left over"),
        actual: format!(
            "{} lines {:?}, {} bytes left over",
            stats.messages.len(),
            numbers.iter().flatten().collect::<Vec<_>>(),
            stats.leftover.as_ref().map_or(0, Vec::len)
        ),
    });
    let no_replacement = stats.messages.iter().all(|(l, _)| !l.contains('\u{fffd}'));
    out.check(Check {
        name: "messages decoded whole (a character cut between chunks is put back together)".into(),
        ok: no_replacement,
        expected: "no U+FFFD in any line".into(),
        actual: if no_replacement {
            "none".into()
        } else {
            "some line has U+FFFD".into()
        },
    });
    if params.chunks == Chunks::Split {
        out.check(Check {
            name: "lines cut across chunks were reassembled".into(),
            ok: stats.spanning == n && stats.chunks >= 2 * n,
            expected: format!("{n} lines each from 2 chunks, >= {} chunks", 2 * n),
            actual: format!(
                "{} lines from 2+ chunks, {} chunks",
                stats.spanning, stats.chunks
            ),
        });
    }
    // Line k leaves the server k intervals after the request came in: never earlier here.
    let early: Vec<usize> = stats
        .messages
        .iter()
        .enumerate()
        .filter(|(k, (_, t))| *t < *k as f64 * f64::from(params.interval_ms))
        .map(|(k, _)| k + 1)
        .collect();
    out.check(Check {
        name: "no line handled before the server sent it".into(),
        ok: early.is_empty() && !stats.messages.is_empty(),
        expected: format!("line k at >= (k-1) × {} ms", params.interval_ms),
        actual: if early.is_empty() {
            "none early".into()
        } else {
            format!("early: {early:?}")
        },
    });
    if let (Some((_, first)), true) = (stats.messages.first(), n > 1) {
        out.check(Check {
            name: "each line handled as it arrived, not at the end of the body".into(),
            ok: *first < ended_ms - f64::from(params.interval_ms) / 2.0,
            expected: format!(
                "line 1 handled over {} ms before the body ended",
                params.interval_ms / 2
            ),
            actual: format!("line 1 at {first:.0} ms, body ended at {ended_ms:.0} ms"),
        });
    }
}

pub(super) fn checks(_params: &LineProtocolParams, lines: &[Line]) -> Vec<Check> {
    let received = lines
        .iter()
        .filter(|l| l.text.starts_with("Line received: "))
        .count();
    vec![Check {
        name: "prints a \"Line received\" line per message".into(),
        ok: received > 0,
        expected: "at least one".into(),
        actual: received.to_string(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_asks_for_what_the_params_say() {
        let params = LineProtocolParams {
            terminator: Terminator::Crlf,
            ..LineProtocolParams::default()
        };
        assert_eq!(
            params.url(),
            "api/lines?n=6&interval_ms=200&terminator=crlf&split=1"
        );
        let params = LineProtocolParams {
            n: 3,
            interval_ms: 50,
            chunks: Chunks::Whole,
            ..LineProtocolParams::default()
        };
        assert_eq!(
            params.url(),
            "api/lines?n=3&interval_ms=50&terminator=lf&split=0"
        );
        assert_eq!(Terminator::Crlf.bytes(), b"\r\n");
    }

    #[test]
    fn the_url_parameters_read_typed_and_fractional_counts_are_refused() {
        let params: LineProtocolParams = LESSON
            .validate([("terminator", "crlf"), ("chunks", "whole"), ("n", "3")])
            .expect("valid")
            .typed();
        assert_eq!(
            (params.terminator, params.chunks, params.n),
            (Terminator::Crlf, Chunks::Whole, 3)
        );
        assert!(LESSON.validate([("n", "2.5")]).is_err());
        assert!(LESSON.validate([("interval_ms", "20.5")]).is_err());
    }
}
