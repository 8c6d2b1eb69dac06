//! The chat room's protocol, after asynchat's chat server: every participant posts chunks of
//! its own byte stream of lines ([`Post`]), cut anywhere, and frames each sender's stream with a
//! [`Framer`] of its own ([`Room`]); a message's terminator inside it is escaped ([`compose`],
//! [`unescape`]). Pure and natively tested; the transport is in [`channel`](super::channel).

use std::collections::BTreeMap;
use std::fmt;

use super::framing::{FrameError, Framer};

/// The BroadcastChannel of the app's chat room: the chat lesson's tabs and worker meet there.
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
pub const MAX_NAME_BYTES: usize = 64;
/// Senders a participant keeps a framer for; a post from one more is refused.
pub const MAX_PEERS: usize = 32;
/// Posts waiting to be read; past this a post is dropped and counted.
pub const BACKLOG: u32 = 256;
/// The worker participant's name starts with this; workers never answer one another.
pub const SERVER: &str = "server";

/// One post on the channel: JSON text, `{"kind":"data","from":"tab-1","chunk":"hi\n"}`.
/// Written and read by hand ([`Post::to_json`], [`Post::from_json`]) rather than by serde
/// derives: the derived reader alone was 10 KB of the page's wasm before wasm-opt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Post {
    /// `from` joined and asks who is there.
    Join { from: String },
    /// `from` is in the room (an answer to a join, or the worker's arrival).
    Here { from: String },
    /// Bytes of `from`'s stream, cut anywhere: what one socket read gives asynchat.
    Data { from: String, chunk: String },
}

impl Post {
    /// The post as JSON text: an object of strings, `kind` first.
    pub fn to_json(&self) -> String {
        let mut json = String::new();
        let mut field = |name: &str, value: &str| {
            json.push(if json.is_empty() { '{' } else { ',' });
            push_json_string(&mut json, name);
            json.push(':');
            push_json_string(&mut json, value);
        };
        match self {
            Post::Join { from } => {
                field("kind", "join");
                field("from", from);
            }
            Post::Here { from } => {
                field("kind", "here");
                field("from", from);
            }
            Post::Data { from, chunk } => {
                field("kind", "data");
                field("from", from);
                field("chunk", chunk);
            }
        }
        json.push('}');
        json
    }

    /// A post read from JSON text, or why it is not one, in serde's words ("missing field
    /// `from`", "unknown variant `shout`, expected one of `join`, `here`, `data`"). Fields
    /// other than the post's are ignored.
    pub fn from_json(raw: &str) -> Result<Post, String> {
        let value: serde_json::Value = crate::json::from_str(raw)?;
        let Some(fields) = value.as_object() else {
            return Err(format!(
                "invalid type: {}, expected a post",
                unexpected(&value)
            ));
        };
        let text = |name: &str| match fields.get(name) {
            None => Err(format!("missing field `{name}`")),
            Some(serde_json::Value::String(text)) => Ok(text.clone()),
            Some(other) => Err(format!(
                "invalid type: {}, expected a string",
                unexpected(other)
            )),
        };
        match text("kind")?.as_str() {
            "join" => Ok(Post::Join {
                from: text("from")?,
            }),
            "here" => Ok(Post::Here {
                from: text("from")?,
            }),
            "data" => Ok(Post::Data {
                from: text("from")?,
                chunk: text("chunk")?,
            }),
            kind => Err(format!(
                "unknown variant `{kind}`, expected one of `join`, `here`, `data`"
            )),
        }
    }

    fn from(&self) -> &str {
        match self {
            Post::Join { from } | Post::Here { from } | Post::Data { from, .. } => from,
        }
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it.
fn push_json_string(json: &mut String, text: &str) {
    json.push('"');
    for c in text.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            '\u{8}' => json.push_str("\\b"),
            '\u{c}' => json.push_str("\\f"),
            c if c < ' ' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                json.push_str("\\u00");
                json.push(char::from(HEX[(c as usize) >> 4]));
                json.push(char::from(HEX[(c as usize) & 15]));
            }
            c => json.push(c),
        }
    }
    json.push('"');
}

/// A JSON value as serde names one it did not expect.
fn unexpected(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "null".to_string(),
        serde_json::Value::Bool(b) => format!("boolean `{b}`"),
        serde_json::Value::Number(n) => format!("number {n}"),
        serde_json::Value::String(s) => format!("string {s:?}"),
        serde_json::Value::Array(_) => "sequence".to_string(),
        serde_json::Value::Object(_) => "map".to_string(),
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
        }
    }
}

impl std::error::Error for ChatError {}

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
        let post = Post::from_json(raw).map_err(ChatError::NotProtocol)?;
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
    fn a_post_is_json_as_serde_json_writes_it_and_reads_back() {
        let tricky = "a \"quote\", a \\ backslash, \n\r\t\u{8}\u{c}\u{1}\u{1f} controls, é 你 🦀";
        let posts = [
            Post::Join {
                from: "tab-1".into(),
            },
            Post::Here {
                from: tricky.into(),
            },
            Post::Data {
                from: "server-1".into(),
                chunk: tricky.into(),
            },
        ];
        for post in posts {
            let json = post.to_json();
            let (kind, from, chunk) = match &post {
                Post::Join { from } => ("join", from, None),
                Post::Here { from } => ("here", from, None),
                Post::Data { from, chunk } => ("data", from, Some(chunk)),
            };
            let mut expected = serde_json::json!({ "kind": kind, "from": from });
            if let Some(chunk) = chunk {
                expected["chunk"] = chunk.as_str().into();
            }
            let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(value, expected, "{json}");
            let str_json = |s: &str| serde_json::to_string(s).expect("a string");
            assert!(
                json.contains(&str_json(from)),
                "escaped as serde_json: {json}"
            );
            assert_eq!(Post::from_json(&json), Ok(post));
        }
    }

    #[test]
    fn a_post_of_another_shape_is_refused_in_serdes_words() {
        let refused = |raw: &str| Post::from_json(raw).expect_err(raw);
        assert!(refused(r#"{"kind":"shout","from":"a"}"#)
            .contains("unknown variant `shout`, expected one of `join`, `here`, `data`"));
        assert_eq!(refused(r#"{"from":"a"}"#), "missing field `kind`");
        assert_eq!(
            refused(r#"{"kind":"data","from":"a"}"#),
            "missing field `chunk`"
        );
        assert_eq!(
            refused(r#"{"kind":"join","from":5}"#),
            "invalid type: number 5, expected a string"
        );
        assert!(refused("[1]").contains("expected a post"));
        assert!(!refused("hello").is_empty());
        // Fields beyond the post's are ignored, as serde's derive did.
        assert_eq!(
            Post::from_json(r#"{"kind":"join","from":"a","extra":[1]}"#),
            Ok(Post::Join { from: "a".into() })
        );
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
    }
}
