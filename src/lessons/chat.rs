//! Lesson `chat`: asynchat's chat server (004 §2.1.1; the series of 000). A chat room between tabs
//! of this browser over a BroadcastChannel, a real asynchronous message transport. Each post
//! carries a chunk of its sender's byte stream, cut anywhere; every participant frames each
//! sender's stream on the terminator with the line-protocol lesson's [`Framer`] (asynchat's
//! `collect_incoming_data` / `found_terminator`). With no other tab open, a Web Worker joins the
//! room as the seed's server and pushes every line back.
//!
//! The room's protocol ([`Post`], [`compose`], [`Room`]) is pure and natively tested, and shared
//! with the worker binary (src/bin/worker.rs); [`ChatChannel`] is the page's traced side of the
//! BroadcastChannel.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use futures::future::FutureExt;
use serde::{Deserialize, Serialize};

use super::blocking::WorkerError;
use super::line_protocol::{FrameError, Framer};
use super::{articles, Check, Lesson, Line, ParamSpec, Params, Printer};

/// The BroadcastChannel every participant of the lesson joins.
pub const CHANNEL: &str = "asyncscope-chat";
/// The terminator, as the seed's `set_terminator(b'\n')`.
pub const TERMINATOR: &[u8] = b"\n";
/// The longest message, in bytes once escaped; longer ones are refused before they are sent.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The longest post a participant reads: half a line at most, JSON-escaped (a control
/// character takes six bytes), with its sender's name. Longer ones are dropped unread.
pub const MAX_POST_BYTES: usize = 3 * MAX_LINE_BYTES + 1024;
/// The longest line: a sender's name, `: `, a message and the terminator.
const MAX_LINE_BYTES: usize = MAX_NAME_BYTES + 2 + MAX_MESSAGE_BYTES + TERMINATOR.len();
/// The longest participant name.
const MAX_NAME_BYTES: usize = 64;
/// Senders a participant keeps a framer for; a post from one more is refused.
pub const MAX_PEERS: usize = 32;
/// Posts waiting to be read; past this a post is dropped and counted.
pub const BACKLOG: u32 = 256;
/// The worker participant's name starts with this; workers never answer one another.
pub const SERVER: &str = "server";

/// One post on the channel: JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Post {
    /// `from` joined and asks who is there.
    Join { from: String },
    /// `from` is in the room (an answer to a join, or the worker's arrival).
    Here { from: String },
    /// Bytes of `from`'s stream, cut anywhere: what one socket read gives asynchat.
    Data { from: String, chunk: String },
}

impl Post {
    pub fn to_json(&self) -> String {
        // A struct of strings always serializes.
        crate::json::to_string(self).unwrap_or_default()
    }

    fn from(&self) -> &str {
        match self {
            Post::Join { from } | Post::Here { from } | Post::Data { from, .. } => from,
        }
    }
}

/// Why a message was not sent, or a post not read.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatError {
    /// An empty message: on a line protocol it would be an empty line, which says nothing.
    Empty,
    /// A message over the cap, refused whole before anything was sent.
    TooLong { bytes: usize, max: usize },
    /// A post over [`MAX_POST_BYTES`], dropped unread.
    PostTooBig { bytes: usize },
    /// A post that is not this protocol's.
    NotProtocol(String),
    /// A sender's stream had no terminator within the cap: its buffered bytes were dropped.
    Overflow { from: String, error: FrameError },
    /// More senders than [`MAX_PEERS`].
    TooManyPeers { from: String },
    /// The browser would not open the channel or post on it.
    Channel(String),
    /// Nobody answered in time.
    NoPeer { waited_ms: f64 },
    /// Lines still missing when the wait ended.
    Silent {
        from: String,
        got: usize,
        want: usize,
    },
    /// The worker participant did not start.
    Worker(WorkerError),
}

impl fmt::Display for ChatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatError::Empty => {
                f.write_str("an empty message is not sent: it would be an empty line")
            }
            ChatError::TooLong { bytes, max } => write!(
                f,
                "a {bytes} byte message is refused: the room takes at most {max} bytes a message"
            ),
            ChatError::PostTooBig { bytes } => write!(
                f,
                "a {bytes} byte post was dropped unread: over the {MAX_POST_BYTES} a post may take"
            ),
            ChatError::NotProtocol(why) => write!(f, "a post that is not the room's: {why}"),
            ChatError::Overflow { from, error } => {
                write!(f, "{from}'s buffered bytes were dropped: {error}")
            }
            ChatError::TooManyPeers { from } => write!(
                f,
                "a post from {from} was refused: the room frames at most {MAX_PEERS} senders"
            ),
            ChatError::Channel(why) => write!(f, "the BroadcastChannel failed: {why}"),
            ChatError::NoPeer { waited_ms } => write!(
                f,
                "no other participant answered within {waited_ms:.0} ms (open this lesson in a \
                 second tab with ?scenario=chat&peer=tab&run=1)"
            ),
            ChatError::Silent { from, got, want } => write!(
                f,
                "{from} sent {got} of the {want} lines awaited before the wait ended"
            ),
            ChatError::Worker(e) => write!(f, "the worker participant did not join: {e}"),
        }
    }
}

impl std::error::Error for ChatError {}

impl From<WorkerError> for ChatError {
    fn from(e: WorkerError) -> Self {
        ChatError::Worker(e)
    }
}

/// A message as it goes on the wire: a terminator inside it is escaped (`\n` as the two
/// characters `\` `n`, a backslash as two), then the terminator ends it. Empty and over-cap
/// messages are refused.
pub fn compose(message: &str) -> Result<String, ChatError> {
    if message.is_empty() {
        return Err(ChatError::Empty);
    }
    // Checked before escaping (which at most doubles it), so a huge message is never copied.
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(ChatError::TooLong {
            bytes: message.len(),
            max: MAX_MESSAGE_BYTES,
        });
    }
    let mut line = String::with_capacity(message.len() + 1);
    for c in message.chars() {
        match c {
            '\\' => line.push_str("\\\\"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            c => line.push(c),
        }
    }
    if line.len() > MAX_MESSAGE_BYTES {
        return Err(ChatError::TooLong {
            bytes: line.len(),
            max: MAX_MESSAGE_BYTES,
        });
    }
    line.push('\n');
    Ok(line)
}

/// The message a framed line carries: [`compose`]'s escapes undone.
pub fn unescape(line: &str) -> String {
    let mut message = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            message.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => message.push('\n'),
            Some('r') => message.push('\r'),
            Some('\\') => message.push('\\'),
            // Not an escape this protocol makes: kept as it came.
            Some(other) => {
                message.push('\\');
                message.push(other);
            }
            None => message.push('\\'),
        }
    }
    message
}

/// A composed line cut in two at a character boundary near its middle: two posts, so that
/// every line reaches the others in two chunks, as a socket may deliver it.
pub fn cut(line: &str) -> [&str; 2] {
    let mut at = line.len() / 2;
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    let (a, b) = line.split_at(at);
    [a, b]
}

/// What a participant made of one post.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    Join {
        from: String,
    },
    Here {
        from: String,
    },
    /// A chunk of `from`'s stream and the messages it completed (unescaped).
    Data {
        from: String,
        chunk: String,
        messages: Vec<String>,
    },
}

/// One participant's side of the room: a [`Framer`] per sender (asynchat's buffer per
/// connection), each capped.
#[derive(Debug)]
pub struct Room {
    me: String,
    framers: BTreeMap<String, Framer>,
}

impl Room {
    pub fn new(me: &str) -> Room {
        Room {
            me: me.to_string(),
            framers: BTreeMap::new(),
        }
    }

    pub fn me(&self) -> &str {
        &self.me
    }

    /// Reads one post: checks its size and shape, buffers a chunk in its sender's framer and
    /// takes out every message it completed.
    pub fn hear(&mut self, raw: &str) -> Result<Heard, ChatError> {
        if raw.len() > MAX_POST_BYTES {
            return Err(ChatError::PostTooBig { bytes: raw.len() });
        }
        let post: Post = crate::json::from_str(raw).map_err(ChatError::NotProtocol)?;
        let from = post.from();
        if from.is_empty() || from.len() > MAX_NAME_BYTES {
            return Err(ChatError::NotProtocol(format!(
                "a sender name of {} bytes (1 to {MAX_NAME_BYTES})",
                from.len()
            )));
        }
        match post {
            Post::Join { from } => Ok(Heard::Join { from }),
            Post::Here { from } => Ok(Heard::Here { from }),
            Post::Data { from, chunk } => {
                if !self.framers.contains_key(&from) && self.framers.len() >= MAX_PEERS {
                    return Err(ChatError::TooManyPeers { from });
                }
                let framer = self.framers.entry(from.clone()).or_insert_with(|| {
                    Framer::with_max_buffer(TERMINATOR, MAX_LINE_BYTES)
                        // TERMINATOR is not empty.
                        .unwrap_or_else(|_| unreachable!("the terminator has a byte"))
                });
                if let Err(error) = framer.push(chunk.as_bytes()) {
                    // What it buffered can never end well: drop it and start afresh.
                    framer.finish();
                    return Err(ChatError::Overflow { from, error });
                }
                let mut messages = Vec::new();
                while let Some(line) = framer.next_message() {
                    messages.push(unescape(&String::from_utf8_lossy(&line)));
                }
                Ok(Heard::Data {
                    from,
                    chunk,
                    messages,
                })
            }
        }
    }

    /// The seed's server: answers a join with here, and pushes every line a tab sent back to
    /// the room (`self.push(data)`), cut in two. Lines from another server are not answered, so
    /// that two workers never echo each other forever.
    pub fn answer(&mut self, raw: &str) -> Vec<Post> {
        let me = self.me.clone();
        match self.hear(raw) {
            Ok(Heard::Join { .. }) => vec![Post::Here { from: me }],
            Ok(Heard::Data { from, messages, .. }) if !from.starts_with(SERVER) => messages
                .iter()
                .filter_map(|m| compose(m).ok())
                .flat_map(|line| {
                    cut(&line)
                        .map(|chunk| Post::Data {
                            from: me.clone(),
                            chunk: chunk.to_string(),
                        })
                        .into_iter()
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// What the worker is asked, beside the blocking lesson's jobs: join the room as `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerJob {
    JoinChat { channel: String, name: String },
}

impl WorkerJob {
    pub fn to_json(&self) -> String {
        crate::json::to_string(self).unwrap_or_default()
    }

    /// The job, if `text` is one (anything else is the blocking lesson's).
    pub fn parse(text: &str) -> Option<WorkerJob> {
        if text.len() > MAX_NAME_BYTES * 4 {
            return None;
        }
        crate::json::from_str(text).ok()
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{serve_in_worker, ChatChannel};

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::Cell;
    use std::rc::Rc;

    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{BroadcastChannel, MessageEvent};

    use super::{ChatError, Post, Room, BACKLOG, MAX_POST_BYTES};
    use crate::trace::{self, Receiver, ResourceId};

    fn js_text(value: &JsValue) -> String {
        if let Some(error) = value.dyn_ref::<js_sys::Error>() {
            return String::from(error.message());
        }
        value.as_string().unwrap_or_else(|| format!("{value:?}"))
    }

    /// The page's side of a BroadcastChannel: its `onmessage` puts each post into a traced
    /// channel, so that a post from another tab or the worker shows in the trace as the wake
    /// of the task that reads it. Closed when dropped.
    pub struct ChatChannel {
        channel: BroadcastChannel,
        inbox: Receiver<String>,
        dropped: Rc<Cell<u64>>,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
    }

    impl ChatChannel {
        pub fn open(name: &str) -> Result<ChatChannel, ChatError> {
            let channel =
                BroadcastChannel::new(name).map_err(|e| ChatError::Channel(js_text(&e)))?;
            let (tx, inbox) = trace::channel(&format!("BroadcastChannel {name}"), BACKLOG);
            let dropped = Rc::new(Cell::new(0u64));
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
                let dropped = Rc::clone(&dropped);
                move |event: MessageEvent| {
                    // Not text, too big to read, or no room in the backlog: dropped and counted.
                    let kept = match event.data().as_string() {
                        Some(text) if text.len() <= MAX_POST_BYTES => tx.try_send(text).is_ok(),
                        _ => false,
                    };
                    if !kept {
                        dropped.set(dropped.get() + 1);
                    }
                }
            });
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            Ok(ChatChannel {
                channel,
                inbox,
                dropped,
                _on_message: on_message,
            })
        }

        /// The traced channel posts arrive through (the trace's wake source).
        pub fn inbox_id(&self) -> ResourceId {
            self.inbox.id()
        }

        pub fn post(&self, post: &Post) -> Result<(), ChatError> {
            self.channel
                .post_message(&JsValue::from_str(&post.to_json()))
                .map_err(|e| ChatError::Channel(js_text(&e)))
        }

        /// The next post, as it came; waits for one.
        pub async fn next(&self) -> Result<String, ChatError> {
            self.inbox
                .recv()
                .await
                .map_err(|_| ChatError::Channel("its inbox closed".to_string()))
        }

        /// Nothing waits in the inbox right now.
        pub fn is_empty_now(&self) -> bool {
            self.inbox.is_empty()
        }

        /// Posts dropped: not text, over the size cap, or past the backlog.
        pub fn dropped(&self) -> u64 {
            self.dropped.get()
        }
    }

    impl Drop for ChatChannel {
        fn drop(&mut self) {
            // Unhook the handler before its closure goes, then leave the room.
            self.channel.set_onmessage(None);
            self.channel.close();
        }
    }

    /// The worker's participant (src/bin/worker.rs): joins `channel` as `name`, says it is
    /// here, and answers every post with [`Room::answer`] for as long as the worker lives.
    pub fn serve_in_worker(channel: &str, name: &str) -> Result<(), ChatError> {
        let channel =
            BroadcastChannel::new(channel).map_err(|e| ChatError::Channel(js_text(&e)))?;
        let mut room = Room::new(name);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let channel = channel.clone();
            move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                for post in room.answer(&text) {
                    // Fails only once the channel is closed, with the worker.
                    let _ = channel.post_message(&JsValue::from_str(&post.to_json()));
                }
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handler lives as long as the worker: the page ends both with terminate().
        on_message.forget();
        let here = Post::Here {
            from: name.to_string(),
        };
        channel
            .post_message(&JsValue::from_str(&here.to_json()))
            .map_err(|e| ChatError::Channel(js_text(&e)))
    }
}

const GREETING: &str = "Hello, World";
const MULTILINE: &str = "two lines\nin one message";

const PEERS: &[&str] = &["auto", "worker", "tab"];

/// A chat room over a BroadcastChannel: each line goes out in two chunks, and every participant
/// buffers each sender's bytes until the terminator, as async_chat does. Alone, a Web Worker joins
/// as the seed's ChatServer and pushes each line back; open ?scenario=chat&peer=tab&run=1 in two
/// tabs and they talk to each other.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "chat",
    title: "asynchat's chat server, between tabs",
    article: &articles::ASYNCHAT_COMPARED,
    section: "2.1.1 asynchat模块的导入和初始化; 2.1.2 异步读写操作的实现",
    params: &[
        ParamSpec::choice(
            "peer",
            PEERS,
            "who this tab talks to: auto (another tab that answers within 0.5 s, else a Web \
             Worker as the server), worker, or tab (waits for another tab running the lesson)",
        ),
        ParamSpec::number(
            "wait_s",
            30.0,
            1.0,
            300.0,
            "how long to wait for another tab (peer=tab) and for the lines awaited",
        ),
    ],
    main: |out, params| {
        let spec = Spec {
            peer: Peer::from_index(params.index("peer")),
            wait: Duration::from_secs_f64(params.get("wait_s")),
        };
        async move { run(out, spec).await }.boxed_local()
    },
    checks,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Auto,
    Worker,
    Tab,
}

impl Peer {
    fn from_index(i: usize) -> Peer {
        match i {
            1 => Peer::Worker,
            2 => Peer::Tab,
            _ => Peer::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Spec {
    peer: Peer,
    wait: Duration,
}

#[cfg(not(target_arch = "wasm32"))]
async fn run(_out: Printer, _spec: Spec) -> Result<(), String> {
    Err("the chat lesson runs in a browser".to_string())
}

#[cfg(target_arch = "wasm32")]
async fn run(out: Printer, spec: Spec) -> Result<(), String> {
    lesson::main(out, spec).await.map_err(|e| e.to_string())
}

#[cfg(target_arch = "wasm32")]
mod lesson {
    use std::time::Duration;

    use super::super::blocking::{CrunchWorker, WORKER_URL};
    use super::{compose, cut, ChatChannel, ChatError, Heard, Peer, Post, Room, Spec, WorkerJob};
    use super::{CHANNEL, GREETING, MULTILINE, SERVER};
    use crate::lessons::{Check, Printer};
    use crate::trace::{self, now_ms, with_recorder, EventKind, WakeSource};

    /// How long a tab listens for another tab before the worker joins instead (peer=auto).
    const LOOK_AROUND: Duration = Duration::from_millis(500);
    /// How long the worker may take to start and join.
    const WORKER_JOIN: Duration = Duration::from_secs(15);

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

    pub(super) async fn main(out: Printer, spec: Spec) -> Result<(), ChatError> {
        let me = tab_name();
        out.note(format!(
            "this tab is {me} in the room (BroadcastChannel {CHANNEL})"
        ));
        let channel = ChatChannel::open(CHANNEL)?;
        let mut room = Room::new(&me);
        channel.post(&Post::Join { from: me.clone() })?;

        // Who is there? Another tab answers the join at once.
        let mut peer = None;
        if spec.peer != Peer::Worker {
            let look = if spec.peer == Peer::Tab {
                spec.wait
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
        let peer = match (peer, spec.peer) {
            (Some(tab), _) => tab,
            (None, Peer::Tab) => {
                return Err(ChatError::NoPeer {
                    waited_ms: spec.wait.as_secs_f64() * 1000.0,
                })
            }
            (None, _) => {
                let name = format!("{SERVER}-{}", me.trim_start_matches("tab-"));
                let worker = CrunchWorker::start(WORKER_URL).await?;
                let job = WorkerJob::JoinChat {
                    channel: CHANNEL.to_string(),
                    name: name.clone(),
                };
                worker.post_text(&job.to_json())?;
                _worker = Some(worker);
                let joined = listen(&out, &mut room, &channel, WORKER_JOIN, |from, _| {
                    from == name
                })
                .await?;
                if !joined {
                    return Err(ChatError::NoPeer {
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
        listen(&out, &mut room, &channel, spec.wait, |from, lines| {
            if from == peer {
                got.extend(lines.iter().cloned());
            }
            got.len() >= 2
        })
        .await?;
        judge(&out, &channel, &me, &peer, &got);
        if got.len() < 2 {
            return Err(ChatError::Silent {
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

fn checks(_params: &Params, lines: &[Line]) -> Vec<Check> {
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

    fn data(from: &str, chunk: &str) -> String {
        Post::Data {
            from: from.to_string(),
            chunk: chunk.to_string(),
        }
        .to_json()
    }

    /// Every message `room` framed from the posts, in order.
    fn hear_all(room: &mut Room, posts: &[String]) -> Vec<(String, String)> {
        let mut got = Vec::new();
        for post in posts {
            if let Ok(Heard::Data { from, messages, .. }) = room.hear(post) {
                got.extend(messages.into_iter().map(|m| (from.clone(), m)));
            }
        }
        got
    }

    #[test]
    fn a_terminator_inside_a_message_is_escaped_and_comes_back_whole() {
        let line = compose("a\nb\\n\r").expect("sent");
        assert_eq!(line, "a\\nb\\\\n\\r\n");
        assert_eq!(line.matches('\n').count(), 1, "only the terminator");
        assert_eq!(unescape(line.trim_end_matches('\n')), "a\nb\\n\r");
        assert_eq!(unescape("odd \\x and \\"), "odd \\x and \\");
    }

    #[test]
    fn empty_and_oversized_messages_are_refused_in_words() {
        assert_eq!(compose(""), Err(ChatError::Empty));
        let huge = "x".repeat(10 << 20);
        let err = compose(&huge).expect_err("refused");
        assert_eq!(
            err,
            ChatError::TooLong {
                bytes: 10 << 20,
                max: MAX_MESSAGE_BYTES
            }
        );
        assert!(err.to_string().contains("at most 65536 bytes"));
        // At the cap it goes; escaping that doubles it past the cap does not.
        assert!(compose(&"x".repeat(MAX_MESSAGE_BYTES)).is_ok());
        assert!(matches!(
            compose(&"\n".repeat(MAX_MESSAGE_BYTES / 2 + 1)),
            Err(ChatError::TooLong { .. })
        ));
    }

    #[test]
    fn lines_cut_anywhere_into_posts_are_framed_per_sender() {
        let a = compose("tab-a: 你好, World").expect("ok");
        let b = compose("tab-b: two\nlines").expect("ok");
        // Every cut of a's line, with b's chunks interleaved: each sender has its own buffer.
        for i in 0..=a.len() {
            if !a.is_char_boundary(i) {
                continue;
            }
            let [b1, b2] = cut(&b);
            let posts = [
                data("tab-a", &a[..i]),
                data("tab-b", b1),
                data("tab-a", &a[i..]),
                data("tab-b", b2),
            ];
            let got = hear_all(&mut Room::new("me"), &posts);
            assert_eq!(
                got,
                [
                    ("tab-a".to_string(), "tab-a: 你好, World".to_string()),
                    ("tab-b".to_string(), "tab-b: two\nlines".to_string())
                ],
                "cut at {i}"
            );
        }
        assert_eq!(cut("ab你\n"), ["ab", "你\n"]);
    }

    #[test]
    fn bad_posts_are_refused_and_the_room_goes_on() {
        let mut room = Room::new("me");
        assert!(matches!(room.hear("hello"), Err(ChatError::NotProtocol(_))));
        let big = data("x", &"y".repeat(MAX_POST_BYTES));
        assert!(matches!(room.hear(&big), Err(ChatError::PostTooBig { .. })));
        assert!(matches!(
            room.hear(&data("", "a\n")),
            Err(ChatError::NotProtocol(_))
        ));
        // A sender that never ends its line: its bytes are dropped at the cap, then it goes on.
        let chunk = "z".repeat(40_000);
        assert!(room.hear(&data("flood", &chunk)).is_ok());
        let err = room.hear(&data("flood", &chunk)).expect_err("over the cap");
        assert!(err
            .to_string()
            .starts_with("flood's buffered bytes were dropped"));
        assert_eq!(
            hear_all(&mut room, &[data("flood", "ok\n")]),
            [("flood".to_string(), "ok".to_string())]
        );
        for k in 0..MAX_PEERS {
            let _ = room.hear(&data(&format!("p{k}"), "x"));
        }
        assert!(matches!(
            room.hear(&data("one-more", "x")),
            Err(ChatError::TooManyPeers { .. })
        ));
    }

    #[test]
    fn the_server_answers_joins_and_pushes_each_line_back_but_never_to_a_server() {
        let mut server = Room::new("server-1");
        assert_eq!(
            server.answer(
                &Post::Join {
                    from: "tab-a".into()
                }
                .to_json()
            ),
            [Post::Here {
                from: "server-1".into()
            }]
        );
        let line = compose("tab-a: hi\nthere").expect("ok");
        let [c1, c2] = cut(&line);
        assert!(server.answer(&data("tab-a", c1)).is_empty());
        let pushed = server.answer(&data("tab-a", c2));
        let mut tab = Room::new("tab-a");
        let posts: Vec<String> = pushed.iter().map(Post::to_json).collect();
        assert_eq!(posts.len(), 2, "pushed back in two chunks");
        assert_eq!(
            hear_all(&mut tab, &posts),
            [("server-1".to_string(), "tab-a: hi\nthere".to_string())]
        );
        assert!(server.answer(&data("server-2", "loop\n")).is_empty());
        assert_eq!(
            WorkerJob::parse(
                &WorkerJob::JoinChat {
                    channel: CHANNEL.into(),
                    name: "server-1".into()
                }
                .to_json()
            ),
            Some(WorkerJob::JoinChat {
                channel: CHANNEL.into(),
                name: "server-1".into()
            })
        );
        assert_eq!(WorkerJob::parse(r#"{"type":"crunch","work_ms":1}"#), None);
    }

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
        let params = LESSON.validate([]).expect("defaults");
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
}
