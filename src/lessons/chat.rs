//! Lesson `chat`: asynchat's chat server (004 §2.1.1; the series of 000). A chat room between tabs
//! of this browser over a BroadcastChannel, a real asynchronous message transport. Each post
//! carries a chunk of its sender's byte stream, cut anywhere; every participant frames each
//! sender's stream on the terminator with a [`Framer`](crate::chat::Framer) (asynchat's
//! `collect_incoming_data` / `found_terminator`). With no other tab open, a Web Worker joins the
//! room as the seed's server and pushes every line back.
//!
//! The room ([`Post`](crate::chat::Post), [`compose`](crate::chat::compose),
//! [`Room`](crate::chat::Room)) and its transport ([`ChatChannel`](crate::chat::ChatChannel)) are
//! the chat library's (src/chat/), shared with the worker binary; this file is the lesson.

use std::time::Duration;

use super::lesson;
use super::{lesson_params, param_choice, Check, Lesson, Line, Printer};

const GREETING: &str = "Hello, World";
const MULTILINE: &str = "two lines\nin one message";

/// A chat room over a BroadcastChannel: each line goes out in two chunks, and every participant
/// buffers each sender's bytes until the terminator, as async_chat does. Alone, a Web Worker joins
/// as the seed's ChatServer and pushes each line back; open ?scenario=chat&peer=tab&run=1 in two
/// tabs and they talk to each other.
pub const LESSON: Lesson = lesson! {
    id: "chat", title: "asynchat's chat server, between tabs", params: ChatParams,
    article: ASYNCHAT_COMPARED, section: "2.1.1 asynchat模块的导入和初始化; 2.1.2 异步读写操作的实现",
};

param_choice! {
    /// Who this tab talks to.
    pub(super) enum Peer {
        /// Another tab if one answers at once, else a Web Worker as the server.
        Auto = "auto",
        /// A Web Worker as the server.
        Worker = "worker",
        /// Another tab running the lesson, waited for.
        Tab = "tab",
    }
}

lesson_params! {
    /// What `chat` takes.
    pub(super) struct ChatParams {
        /// who this tab talks to: auto (another tab that answers within 0.5 s, else a Web
        /// Worker as the server), worker, or tab (waits for another tab running the lesson)
        peer: Peer,
        /// how long to wait for another tab (peer=tab) and for the lines awaited
        wait_s: u64 = 30 in 1..=300,
    }
}

impl ChatParams {
    /// How long to wait for another tab (peer=tab) and for the lines awaited.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn wait(&self) -> Duration {
        Duration::from_secs(self.wait_s)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub(super) async fn run(_out: Printer, _params: ChatParams) -> Result<(), String> {
    Err("the chat lesson runs in a browser".to_string())
}

#[cfg(target_arch = "wasm32")]
pub(super) async fn run(out: Printer, params: ChatParams) -> Result<(), String> {
    lesson::main(out, params).await.map_err(|e| e.to_string())
}

#[cfg(target_arch = "wasm32")]
mod lesson {
    use std::fmt;
    use std::time::Duration;

    use super::{ChatParams, Peer, GREETING, MULTILINE};
    use crate::chat::{compose, cut, ChatChannel, ChatError, Heard, Post, Room, CHANNEL, SERVER};
    use crate::lessons::{Check, Printer};
    use crate::trace::{self, now_ms, with_recorder, EventKind, WakeSource};
    use crate::worker::{WorkerClient, WorkerError, WORKER_URL};

    /// How long a tab listens for another tab before the worker joins instead (peer=auto).
    const LOOK_AROUND: Duration = Duration::from_millis(500);
    /// How long the worker may take to start and join.
    const WORKER_JOIN: Duration = Duration::from_secs(15);

    /// Why a run failed: the room's own error, or a participant that never came or went quiet.
    #[derive(Debug)]
    pub(super) enum RunError {
        Room(ChatError),
        /// The worker participant did not start or join.
        Worker(WorkerError),
        /// Nobody answered in time.
        NoPeer {
            waited_ms: f64,
        },
        /// Lines still missing when the wait ended.
        Silent {
            from: String,
            got: usize,
            want: usize,
        },
    }

    impl fmt::Display for RunError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RunError::Room(e) => e.fmt(f),
                RunError::Worker(e) => write!(f, "the worker participant did not join: {e}"),
                RunError::NoPeer { waited_ms } => write!(
                    f,
                    "no other participant answered within {waited_ms:.0} ms (open this lesson \
                     in a second tab with ?scenario=chat&peer=tab&run=1)"
                ),
                RunError::Silent { from, got, want } => write!(
                    f,
                    "{from} sent {got} of the {want} lines awaited before the wait ended"
                ),
            }
        }
    }

    impl From<ChatError> for RunError {
        fn from(e: ChatError) -> Self {
            RunError::Room(e)
        }
    }

    impl From<WorkerError> for RunError {
        fn from(e: WorkerError) -> Self {
            RunError::Worker(e)
        }
    }

    /// This tab's name in the room: `tab-` and four hex digits.
    fn tab_name() -> String {
        format!(
            "tab-{:04x}",
            (js_sys::Math::random() * 65536.0) as u32 & 0xffff
        )
    }

    // ANCHOR: lesson
    /// One post read and handled: a join is answered with here; a chunk is buffered
    /// (collect_incoming_data) and each line it completed is handled at
    /// once (found_terminator). Gives the lines and who sent them.
    fn handle(
        out: &Printer,
        room: &mut Room,
        channel: &ChatChannel,
        raw: &str,
    ) -> Result<Option<(String, Vec<String>)>, ChatError> {
        match room.hear(raw) {
            Ok(Heard::Join { from }) => {
                channel.post(&Post::Here {
                    from: room.me().to_string(),
                })?;
                Ok(Some((from, Vec::new())))
            }
            Ok(Heard::Here { from }) => Ok(Some((from, Vec::new()))),
            Ok(Heard::Data {
                from,
                chunk,
                messages,
            }) => {
                out.print(format!("Received data: {chunk:?}"));
                for line in &messages {
                    out.print(format!("Line received: {line}"));
                }
                Ok(Some((from, messages)))
            }
            // A bad post from someone else: said, and the room goes on.
            Err(e) => {
                out.note(format!("ignored: {e}"));
                Ok(None)
            }
        }
    }

    /// Reads posts until `done` says so, or `within` runs out.
    async fn listen(
        out: &Printer,
        room: &mut Room,
        channel: &ChatChannel,
        within: Duration,
        mut done: impl FnMut(&str, &[String]) -> bool,
    ) -> Result<bool, ChatError> {
        let deadline = now_ms() + within.as_secs_f64() * 1000.0;
        loop {
            let left = deadline - now_ms();
            if left <= 0.0 {
                return Ok(false);
            }
            let left = Duration::from_secs_f64(left / 1000.0);
            let Ok(raw) = trace::timeout(left, channel.next()).await else {
                return Ok(false);
            };
            if let Some((from, lines)) = handle(out, room, channel, &raw?)? {
                if done(&from, &lines) {
                    return Ok(true);
                }
            }
        }
    }

    /// The client's `s.sendall(line)`: one message, composed (escaped,
    /// terminated) and posted in two chunks.
    fn send(channel: &ChatChannel, me: &str, message: &str) -> Result<(), ChatError> {
        // The message is checked and escaped alone, then its sender named.
        let line = format!("{me}: {}", compose(message)?);
        for chunk in cut(&line) {
            channel.post(&Post::Data {
                from: me.to_string(),
                chunk: chunk.to_string(),
            })?;
        }
        Ok(())
    }

    pub(super) async fn main(out: Printer, params: ChatParams) -> Result<(), RunError> {
        let me = tab_name();
        out.note(format!(
            "this tab is {me} in the room (BroadcastChannel {CHANNEL})"
        ));
        let channel = ChatChannel::open(CHANNEL)?;
        let mut room = Room::new(&me);
        channel.post(&Post::Join { from: me.clone() })?;

        // Who is there? Another tab answers the join at once.
        let mut peer = None;
        if params.peer != Peer::Worker {
            let look = if params.peer == Peer::Tab {
                params.wait()
            } else {
                LOOK_AROUND
            };
            listen(&out, &mut room, &channel, look, |from, _| {
                let tab = !from.starts_with(SERVER);
                if tab {
                    peer = Some(from.to_string());
                }
                tab
            })
            .await?;
        }
        // Alone: a Web Worker joins as the seed's server.
        let mut _worker = None;
        let peer = match (peer, params.peer) {
            (Some(tab), _) => tab,
            (None, Peer::Tab) => {
                return Err(RunError::NoPeer {
                    waited_ms: params.wait().as_secs_f64() * 1000.0,
                })
            }
            (None, _) => {
                let name = format!("{SERVER}-{}", me.trim_start_matches("tab-"));
                let worker = WorkerClient::start(WORKER_URL).await?;
                worker.join_chat(CHANNEL, &name).await?;
                _worker = Some(worker);
                let joined = listen(&out, &mut room, &channel, WORKER_JOIN, |from, _| {
                    from == name
                })
                .await?;
                if !joined {
                    return Err(RunError::NoPeer {
                        waited_ms: WORKER_JOIN.as_secs_f64() * 1000.0,
                    });
                }
                name
            }
        };
        out.note(format!("talking with {peer}"));

        // The client sends: the seed's line, and one with a terminator inside.
        send(&channel, &me, GREETING)?;
        send(&channel, &me, MULTILINE)?;
        // Two the room refuses, in words.
        for bad in [String::new(), "x".repeat(10 << 20)] {
            if let Err(e) = send(&channel, &me, &bad) {
                out.note(format!("not sent: {e}"));
            }
        }

        // The peer's two lines: a server pushes ours back, a tab sends its own.
        let mut got = Vec::new();
        listen(&out, &mut room, &channel, params.wait(), |from, lines| {
            if from == peer {
                got.extend(lines.iter().cloned());
            }
            got.len() >= 2
        })
        .await?;
        judge(&out, &channel, &me, &peer, &got);
        if got.len() < 2 {
            return Err(RunError::Silent {
                from: peer,
                got: got.len(),
                want: 2,
            });
        }
        Ok(())
    }
    // ANCHOR_END: lesson

    fn judge(out: &Printer, channel: &ChatChannel, me: &str, peer: &str, got: &[String]) {
        // A server pushes back our lines; a tab sends its own.
        let sender = if peer.starts_with(SERVER) { me } else { peer };
        let expected = [
            format!("{sender}: {GREETING}"),
            format!("{sender}: {MULTILINE}"),
        ];
        out.check(Check {
            name: format!("{peer}'s lines arrived whole, in order, the terminator inside kept"),
            ok: got == expected,
            expected: format!("{expected:?}"),
            actual: format!("{got:?}"),
        });
        let inbox = channel.inbox_id();
        let wakes = with_recorder(|r| {
            r.events()
                .iter()
                .filter(|e| {
                    matches!(e.kind, EventKind::Woken { by: WakeSource::Channel(id), .. } if id == inbox)
                })
                .count()
        });
        out.check(Check {
            name: "posts from the other side woke the reading task through the traced channel"
                .to_string(),
            ok: wakes >= 1,
            expected: "at least 1 wake by the BroadcastChannel's inbox".to_string(),
            actual: format!("{wakes}"),
        });
        out.check(Check {
            name: "no post dropped (size cap, backlog)".to_string(),
            ok: channel.dropped() == 0,
            expected: "0".to_string(),
            actual: channel.dropped().to_string(),
        });
    }
}

pub(super) fn checks(_params: &ChatParams, lines: &[Line]) -> Vec<Check> {
    let received: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.text.strip_prefix("Line received: "))
        .collect();
    let greeting = received.iter().position(|l| l.ends_with(GREETING));
    let multiline = received.iter().position(|l| l.ends_with(MULTILINE));
    let chunks = lines
        .iter()
        .filter(|l| l.text.starts_with("Received data: "))
        .count();
    vec![
        Check {
            name: "prints \"Line received\" for the greeting, then for the line with a \
                   terminator inside"
                .into(),
            ok: matches!((greeting, multiline), (Some(g), Some(m)) if g < m),
            expected: format!("... {GREETING}, then ... {MULTILINE:?}"),
            actual: format!("{received:?}"),
        },
        Check {
            name: "each line came in two chunks (\"Received data\" twice per line)".into(),
            ok: chunks >= 2 * received.len() && !received.is_empty(),
            expected: format!(">= {} chunks", 2 * received.len()),
            actual: chunks.to_string(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_want_both_lines_in_order_each_in_two_chunks() {
        let line = |text: &str| Line {
            t_ms: 0.0,
            text: text.to_string(),
        };
        let run = [
            line("Received data: \"a\""),
            line("Received data: \"b\""),
            line(&format!("Line received: tab-1: {GREETING}")),
            line("Received data: \"c\""),
            line("Received data: \"d\""),
            line(&format!("Line received: tab-1: {MULTILINE}")),
        ];
        let params = ChatParams::default();
        assert!(checks(&params, &run).iter().all(|c| c.ok));
        let swapped = [
            run[0].clone(),
            run[1].clone(),
            run[5].clone(),
            run[2].clone(),
        ];
        assert!(!checks(&params, &swapped)[0].ok);
        assert!(!checks(&params, &[])[1].ok);
    }

    #[test]
    fn the_url_parameters_read_typed_and_a_fraction_of_a_second_is_refused() {
        let params: ChatParams = LESSON
            .validate([("peer", "tab"), ("wait_s", "10")])
            .expect("valid")
            .typed();
        assert_eq!(params.peer, Peer::Tab);
        assert_eq!(params.wait(), Duration::from_secs(10));
        assert!(LESSON.validate([("wait_s", "1.5")]).is_err());
    }
}
