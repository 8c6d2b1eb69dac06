//! The chat room's transport: a BroadcastChannel, which delivers each post to every other
//! channel object of its name in this browser's same-origin pages and workers. [`ChatChannel`]
//! is a participant that reads posts through a traced channel (the page's side);
//! [`serve_in_worker`] is the server that answers them (the worker's side).

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

use super::{ChatError, Post, Room, BACKLOG, MAX_POST_BYTES};
use crate::browser::js::error_text;
use crate::trace::{self, Receiver, ResourceId};

fn open(name: &str) -> Result<BroadcastChannel, ChatError> {
    BroadcastChannel::new(name).map_err(|e| ChatError::Channel(error_text(&e)))
}

fn post_on(channel: &BroadcastChannel, post: &Post) -> Result<(), ChatError> {
    channel
        .post_message(&JsValue::from_str(&post.to_json()))
        .map_err(|e| ChatError::Channel(error_text(&e)))
}

/// The text a message event carries, if it is text no longer than a post may be.
fn post_text(event: &web_sys::Event) -> Option<String> {
    let text = event.dyn_ref::<MessageEvent>()?.data().as_string()?;
    (text.len() <= MAX_POST_BYTES).then_some(text)
}

/// The page's side of a BroadcastChannel: its message listener puts each post into a traced
/// channel, so that a post from another tab or the worker shows in the trace as the wake of the
/// task that reads it. Closed when dropped (and the listener removed).
pub struct ChatChannel {
    channel: BroadcastChannel,
    inbox: Receiver<String>,
    dropped: Rc<Cell<u64>>,
    _on_message: EventListener,
}

impl ChatChannel {
    pub fn open(name: &str) -> Result<ChatChannel, ChatError> {
        let channel = open(name)?;
        let (tx, inbox) = trace::channel(&format!("BroadcastChannel {name}"), BACKLOG);
        let dropped = Rc::new(Cell::new(0u64));
        let on_message = EventListener::new(&channel, "message", {
            let dropped = Rc::clone(&dropped);
            move |event| {
                // Not text, too big to read, or no room in the backlog: dropped and counted.
                let kept = post_text(event).is_some_and(|text| tx.try_send(text).is_ok());
                if !kept {
                    dropped.set(dropped.get() + 1);
                }
            }
        });
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
        post_on(&self.channel, post)
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
        // Leave the room; the listener is removed as the fields drop, after this.
        self.channel.close();
    }
}

/// The seed's chat server in the room, for as long as it is held: [`serve_in_worker`] gives it
/// to the worker, which keeps it for its life. Leaves the room when dropped.
pub struct ChatServer {
    channel: BroadcastChannel,
    _on_message: EventListener,
}

impl Drop for ChatServer {
    fn drop(&mut self) {
        self.channel.close();
    }
}

/// The worker's participant (src/bin/worker.rs): joins `channel` as `name`, says it is here,
/// and answers every post with [`Room::answer`] while the [`ChatServer`] it gives is held.
pub fn serve_in_worker(channel: &str, name: &str) -> Result<ChatServer, ChatError> {
    let channel = open(channel)?;
    let mut room = Room::new(name);
    let on_message = EventListener::new(&channel, "message", {
        let channel = channel.clone();
        move |event| {
            let Some(text) = post_text(event) else {
                return;
            };
            for post in room.answer(&text) {
                // Fails only once the channel is closed, and then nobody is there to hear.
                let _ = post_on(&channel, &post);
            }
        }
    });
    let here = Post::Here {
        from: name.to_string(),
    };
    post_on(&channel, &here)?;
    Ok(ChatServer {
        channel,
        _on_message: on_message,
    })
}
