//! Lesson `line-protocol`: asynchat's terminator-based protocol (article 004). The server streams
//! chat lines; the page reads the body's bytes as they come, buffers them (asynchat's
//! `collect_incoming_data`), splits them on the terminator (`set_terminator`) and handles each
//! message as soon as it is whole (`found_terminator`), also a line that came in two chunks.
//!
//! The framing is [`Framer`]: pure, natively tested, and reused by other lessons.

use std::fmt;
use std::time::Duration;

use futures::future::FutureExt;
use futures::StreamExt;

use super::articles;
use super::{Check, Lesson, Line, ParamSpec, Params, Printer};
use crate::browser::{body_stream, server_log, service_worker};
use crate::trace::now_ms;

/// Splits a byte stream into messages on a terminator, as asynchat's `async_chat` does: bytes
/// go in as they arrive ([`Framer::push`]); whole messages come out ([`Framer::next_message`]),
/// without their terminator. The terminator may change between messages
/// ([`Framer::set_terminator`]), e.g. `\r\n\r\n` for a head, then `\n` for lines.
#[derive(Debug, Clone)]
pub struct Framer {
    terminator: Vec<u8>,
    buffer: Vec<u8>,
    /// How far the buffer was searched without finding the terminator.
    searched: usize,
    max_buffer: usize,
}

/// Why the framer refused its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A terminator must have at least one byte.
    EmptyTerminator,
    /// Taking the chunk would buffer more than the cap: a message that long without its
    /// terminator is not one this protocol sends (or the reader forgot to take messages out).
    TooLong {
        buffered: usize,
        chunk: usize,
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::EmptyTerminator => f.write_str("a terminator needs at least one byte"),
            FrameError::TooLong {
                buffered,
                chunk,
                max,
            } => write!(
                f,
                "no terminator in {buffered} buffered bytes plus a chunk of {chunk}: more than the \
                 {max} bytes a message may take"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

impl Framer {
    /// The cap on buffered bytes unless set with [`Framer::with_max_buffer`].
    pub const DEFAULT_MAX_BUFFER: usize = 1 << 20;

    pub fn new(terminator: &[u8]) -> Result<Framer, FrameError> {
        Framer::with_max_buffer(terminator, Framer::DEFAULT_MAX_BUFFER)
    }

    pub fn with_max_buffer(terminator: &[u8], max_buffer: usize) -> Result<Framer, FrameError> {
        if terminator.is_empty() {
            return Err(FrameError::EmptyTerminator);
        }
        Ok(Framer {
            terminator: terminator.to_vec(),
            buffer: Vec::new(),
            searched: 0,
            max_buffer,
        })
    }

    /// asynchat's `set_terminator`: applies to the bytes not yet framed.
    pub fn set_terminator(&mut self, terminator: &[u8]) -> Result<(), FrameError> {
        if terminator.is_empty() {
            return Err(FrameError::EmptyTerminator);
        }
        self.terminator = terminator.to_vec();
        self.searched = 0;
        Ok(())
    }

    pub fn terminator(&self) -> &[u8] {
        &self.terminator
    }

    /// asynchat's `collect_incoming_data`: buffers `chunk` (refused whole if it would overflow
    /// the cap). Take the messages out with [`Framer::next_message`] after each push.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), FrameError> {
        if self.buffer.len() + chunk.len() > self.max_buffer {
            return Err(FrameError::TooLong {
                buffered: self.buffer.len(),
                chunk: chunk.len(),
                max: self.max_buffer,
            });
        }
        self.buffer.extend_from_slice(chunk);
        Ok(())
    }

    /// The next whole message, without its terminator (asynchat's `found_terminator`), or
    /// `None` until more bytes come.
    pub fn next_message(&mut self) -> Option<Vec<u8>> {
        let t = &self.terminator;
        let found = self.buffer[self.searched..]
            .windows(t.len())
            .position(|w| w == t.as_slice());
        match found {
            Some(at) => {
                let end = self.searched + at;
                let message = self.buffer[..end].to_vec();
                self.buffer.drain(..end + t.len());
                self.searched = 0;
                Some(message)
            }
            None => {
                // A terminator may start in the last len-1 bytes and end in the next chunk.
                self.searched = self.buffer.len().saturating_sub(t.len() - 1);
                None
            }
        }
    }

    /// Bytes received after the last terminator.
    pub fn pending(&self) -> &[u8] {
        &self.buffer
    }

    /// At the end of the stream: what came after the last terminator, if anything.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        self.searched = 0;
        (!self.buffer.is_empty()).then(|| std::mem::take(&mut self.buffer))
    }
}

const TERMINATORS: &[&str] = &["lf", "crlf"];
const CHUNKING: &[&str] = &["split", "whole"];

/// The server streams chat lines; the page buffers the bytes as they arrive, splits them on the
/// terminator and handles each line as soon as it is whole, also a line that came in two chunks.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "line-protocol",
    title: "asynchat: a line-terminated protocol",
    article: &articles::ASYNCHAT_COMPARED,
    section: "2.1 asynchat的基本概念和使用",
    params: &[
        ParamSpec::number("n", 6.0, 1.0, 50.0, "how many chat lines the server sends"),
        // 50 lines × 1000 ms stays within the server's 60 s for a whole body.
        ParamSpec::number(
            "interval_ms",
            200.0,
            20.0,
            1000.0,
            "time between two lines, in ms",
        ),
        ParamSpec::choice(
            "terminator",
            TERMINATORS,
            "what ends a line: lf (\\n) or crlf (\\r\\n); the server and the framer use the same",
        ),
        ParamSpec::choice(
            "chunks",
            CHUNKING,
            "split: the server sends each line in two writes, half an interval apart; whole: one",
        ),
    ],
    main: |out, params| {
        let spec = Spec {
            n: params.get("n") as u32,
            interval_ms: params.get("interval_ms") as u32,
            crlf: params.index("terminator") == 1,
            split: params.index("chunks") == 0,
        };
        async move { main(out, spec).await }.boxed_local()
    },
    checks,
};

#[derive(Debug, Clone, Copy)]
struct Spec {
    n: u32,
    interval_ms: u32,
    crlf: bool,
    split: bool,
}

impl Spec {
    fn url(&self) -> String {
        format!(
            "/api/lines?n={}&interval_ms={}&terminator={}&split={}",
            self.n,
            self.interval_ms,
            if self.crlf { "crlf" } else { "lf" },
            u8::from(self.split)
        )
    }
}

async fn main(out: Printer, spec: Spec) -> Result<(), String> {
    service_worker::ready(&out)
        .await
        .map_err(|e| e.to_string())?;
    let mark = server_log::mark();
    let start = now_ms();
    let terminator: &[u8] = if spec.crlf { b"\r\n" } else { b"\n" };
    let stats = chat(&out, &spec.url(), terminator).await?;
    let ended = now_ms() - start;
    server_log::wait_for(mark, 1, Duration::from_secs(2)).await;
    server_log::note_since(&out, mark);
    judge(&out, &spec, &stats, ended);
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

fn judge(out: &Printer, spec: &Spec, stats: &Stats, ended_ms: f64) {
    let n = spec.n as usize;
    let numbers: Vec<Option<u32>> = stats
        .messages
        .iter()
        .map(|(line, _)| line.split(' ').next().and_then(|k| k.parse().ok()))
        .collect();
    let expected: Vec<Option<u32>> = (1..=spec.n).map(Some).collect();
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
    if spec.split {
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
        .filter(|(k, (_, t))| *t < *k as f64 * f64::from(spec.interval_ms))
        .map(|(k, _)| k + 1)
        .collect();
    out.check(Check {
        name: "no line handled before the server sent it".into(),
        ok: early.is_empty() && !stats.messages.is_empty(),
        expected: format!("line k at >= (k-1) × {} ms", spec.interval_ms),
        actual: if early.is_empty() {
            "none early".into()
        } else {
            format!("early: {early:?}")
        },
    });
    if let (Some((_, first)), true) = (stats.messages.first(), n > 1) {
        out.check(Check {
            name: "each line handled as it arrived, not at the end of the body".into(),
            ok: *first < ended_ms - f64::from(spec.interval_ms) / 2.0,
            expected: format!(
                "line 1 handled over {} ms before the body ended",
                spec.interval_ms / 2
            ),
            actual: format!("line 1 at {first:.0} ms, body ended at {ended_ms:.0} ms"),
        });
    }
}

fn checks(_params: &Params, lines: &[Line]) -> Vec<Check> {
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

    fn frame_all(framer: &mut Framer, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut messages = Vec::new();
        for chunk in chunks {
            framer.push(chunk).expect("within the cap");
            while let Some(m) = framer.next_message() {
                messages.push(m);
            }
        }
        messages
    }

    #[test]
    fn whole_lines_come_out_without_their_terminator() {
        let mut f = Framer::new(b"\n").expect("valid");
        assert_eq!(
            frame_all(&mut f, &[b"a\nbb\n"]),
            [b"a".to_vec(), b"bb".to_vec()]
        );
        assert!(f.pending().is_empty());
        assert_eq!(f.finish(), None);
    }

    #[test]
    fn a_line_cut_anywhere_comes_out_the_same() {
        let stream = "1 alice: hi\r\n2 carol: 你好\r\n3 bob: bye\r\n".as_bytes();
        let whole = frame_all(&mut Framer::new(b"\r\n").expect("valid"), &[stream]);
        assert_eq!(whole.len(), 3);
        // Every single cut and every pair of cuts, also inside \r\n and inside a character.
        for i in 0..=stream.len() {
            for j in i..=stream.len() {
                let mut f = Framer::new(b"\r\n").expect("valid");
                let got = frame_all(&mut f, &[&stream[..i], &stream[i..j], &stream[j..]]);
                assert_eq!(got, whole, "cut at {i} and {j}");
                assert!(f.pending().is_empty());
            }
        }
        assert_eq!(String::from_utf8_lossy(&whole[1]), "2 carol: 你好");
    }

    #[test]
    fn one_byte_at_a_time_works_for_a_long_terminator() {
        let stream = b"GET / HTTP/1.0\r\nHost: x\r\n\r\nbody";
        let mut f = Framer::new(b"\r\n\r\n").expect("valid");
        let chunks: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(
            frame_all(&mut f, &chunks),
            [b"GET / HTTP/1.0\r\nHost: x".to_vec()]
        );
        assert_eq!(f.finish(), Some(b"body".to_vec()));
    }

    #[test]
    fn the_terminator_can_change_between_messages_as_in_asynchat() {
        let mut f = Framer::new(b"\r\n\r\n").expect("valid");
        f.push(b"HTTP/1.0 200 OK\r\n\r\n1 a\n2 b\n").expect("fits");
        assert_eq!(f.next_message(), Some(b"HTTP/1.0 200 OK".to_vec()));
        f.set_terminator(b"\n").expect("valid");
        assert_eq!(f.next_message(), Some(b"1 a".to_vec()));
        assert_eq!(f.next_message(), Some(b"2 b".to_vec()));
        assert_eq!(f.next_message(), None);
        assert_eq!(f.terminator(), b"\n");
    }

    #[test]
    fn the_buffer_has_a_cap_and_says_so() {
        let mut f = Framer::with_max_buffer(b"\n", 8).expect("valid");
        f.push(b"12345").expect("fits");
        let err = f.push(b"6789").expect_err("over the cap");
        assert_eq!(
            err,
            FrameError::TooLong {
                buffered: 5,
                chunk: 4,
                max: 8
            }
        );
        assert!(err.to_string().contains("more than the 8 bytes"));
        // Refused whole: the framer is as it was, and goes on.
        assert_eq!(f.pending(), b"12345");
        f.push(b"\n").expect("fits");
        assert_eq!(f.next_message(), Some(b"12345".to_vec()));
    }

    #[test]
    fn an_empty_terminator_is_refused() {
        assert_eq!(Framer::new(b"").err(), Some(FrameError::EmptyTerminator));
        let mut f = Framer::new(b"\n").expect("valid");
        assert_eq!(f.set_terminator(b""), Err(FrameError::EmptyTerminator));
    }

    #[test]
    fn the_url_asks_for_what_the_params_say() {
        let spec = Spec {
            n: 6,
            interval_ms: 200,
            crlf: true,
            split: true,
        };
        assert_eq!(
            spec.url(),
            "/api/lines?n=6&interval_ms=200&terminator=crlf&split=1"
        );
    }
}
