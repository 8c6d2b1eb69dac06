//! A traced bounded channel (Python's `asyncio.Queue(maxsize)`), on async-channel's: the trace
//! shows its depth over time, which send or receive woke which task, and when it closed.

use std::cell::Cell;
use std::panic::Location;
use std::rc::Rc;

use super::clock::now_ms;
use super::event::{ResourceEvent, ResourceId, WakeSource};
use super::record;
use super::stats::ResourceDetail;
use super::task::{current_task, with_wake_source};
use super::via::via_polls;

pub use async_channel::{RecvError, SendError, TrySendError};

/// A channel holding at most `capacity` messages (at least 1): `send` waits while it is full,
/// `recv` while it is empty. It closes when every sender or every receiver is gone.
#[track_caller]
pub fn channel<T>(name: &str, capacity: u32) -> (Sender<T>, Receiver<T>) {
    let capacity = capacity.max(1);
    let location = Location::caller();
    let detail = ResourceDetail::Channel {
        capacity,
        depth: 0,
        max_depth: 0,
        sent: 0,
        received: 0,
    };
    let id = super::new_resource(name, detail, location);
    let (tx, rx) = async_channel::bounded(capacity as usize);
    let meta = Rc::new(Meta {
        id,
        senders: Cell::new(1),
        receivers: Cell::new(1),
        closed: Cell::new(false),
    });
    (
        Sender {
            inner: tx,
            meta: Rc::clone(&meta),
        },
        Receiver { inner: rx, meta },
    )
}

/// Shared by every end of one channel: counts the ends, to record the close when the last
/// sender or the last receiver goes (as async-channel closes it then).
struct Meta {
    id: ResourceId,
    senders: Cell<u32>,
    receivers: Cell<u32>,
    closed: Cell<bool>,
}

impl Meta {
    fn end_gone(&self, ends: &Cell<u32>) {
        ends.set(ends.get().saturating_sub(1));
        if ends.get() == 0 && !self.closed.replace(true) {
            let id = self.id;
            record(|r| r.resource(id, current_task(), ResourceEvent::Closed, now_ms()));
        }
    }
}

/// The sending end of a [`channel`]; cheap to clone (clones send into the same channel).
pub struct Sender<T> {
    inner: async_channel::Sender<T>,
    meta: Rc<Meta>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.meta.senders.set(self.meta.senders.get() + 1);
        Sender {
            inner: self.inner.clone(),
            meta: Rc::clone(&self.meta),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.meta.end_gone(&self.meta.senders);
    }
}

/// The receiving end of a [`channel`]; cheap to clone (clones receive from the same channel).
pub struct Receiver<T> {
    inner: async_channel::Receiver<T>,
    meta: Rc<Meta>,
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.meta.receivers.set(self.meta.receivers.get() + 1);
        Receiver {
            inner: self.inner.clone(),
            meta: Rc::clone(&self.meta),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.meta.end_gone(&self.meta.receivers);
    }
}

impl<T> Sender<T> {
    /// The channel's resource id.
    pub fn id(&self) -> ResourceId {
        self.meta.id
    }

    /// Messages waiting in the channel.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// No message is waiting in the channel.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Sends `value` now if there is room, for a caller that cannot wait (a JS event handler);
    /// an error gives the value back when the channel is full or closed.
    pub fn try_send(&self, value: T) -> Result<(), async_channel::TrySendError<T>> {
        let id = self.meta.id;
        // The receiver it wakes is woken by this channel, not by "outside".
        with_wake_source(WakeSource::Channel(id), || self.inner.try_send(value))?;
        let depth = self.inner.len() as u32;
        record(|r| r.resource(id, current_task(), ResourceEvent::Sent { depth }, now_ms()));
        Ok(())
    }

    /// Sends `value`, waiting for room; an error gives the value back if the channel closed.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        let id = self.meta.id;
        via_polls(WakeSource::Channel(id), self.inner.send(value)).await?;
        let depth = self.inner.len() as u32;
        record(|r| r.resource(id, current_task(), ResourceEvent::Sent { depth }, now_ms()));
        Ok(())
    }
}

impl<T> Receiver<T> {
    /// The channel's resource id.
    pub fn id(&self) -> ResourceId {
        self.meta.id
    }

    /// Messages waiting in the channel.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// No message is waiting in the channel.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Receives the next message, waiting for one; an error once the channel is closed and empty.
    pub async fn recv(&self) -> Result<T, RecvError> {
        let id = self.meta.id;
        let value = via_polls(WakeSource::Channel(id), self.inner.recv()).await?;
        let depth = self.inner.len() as u32;
        record(|r| {
            r.resource(
                id,
                current_task(),
                ResourceEvent::Received { depth },
                now_ms(),
            )
        });
        Ok(value)
    }
}
