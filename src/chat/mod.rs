//! The chat room of the chat lesson, after asynchat's chat server, as a library: participants
//! in tabs and in the Web Worker post chunks of their streams of lines on a BroadcastChannel,
//! and each frames every other's stream on the terminator.
//!
//! - [`framing`]: the asynchat-style [`Framer`] (bytes in, whole messages out), also the
//!   line-protocol lesson's;
//! - [`protocol`]: the posts, the escaping, the limits and a participant's [`Room`], pure;
//! - [`channel`]: the transport, a BroadcastChannel: the page's [`ChatChannel`] and the worker's
//!   [`serve_in_worker`].

pub mod channel;
pub mod framing;
pub mod protocol;

pub use channel::{serve_in_worker, ChatChannel, ChatServer};
pub use framing::{FrameError, Framer};
pub use protocol::{
    compose, cut, unescape, ChatError, Heard, Post, Room, BACKLOG, CHANNEL, MAX_MESSAGE_BYTES,
    MAX_NAME_BYTES, MAX_PEERS, MAX_POST_BYTES, SERVER, TERMINATOR,
};
