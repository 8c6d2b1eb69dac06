//! A traced semaphore (Python's `asyncio.Semaphore`): the trace shows its holders and waiters
//! over time, which release woke which waiter, the waits given up (a timeout around `acquire`),
//! and when the semaphore itself is gone.
//!
//! First come, first served, as asyncio's: a release hands its permit to the longest waiter,
//! and no one acquires past a waiter. (async-lock's semaphore, used before, let a later waiter
//! overtake: a notified waiter that found the permit taken queued again at the back.)

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Poll, Waker};

use super::clock::now_ms;
use super::event::{ResourceEvent, ResourceId, WakeSource};
use super::record;
use super::stats::ResourceDetail;
use super::task::{current_task, with_wake_source};

/// A semaphore with `permits` permits; cheap to clone (clones share the permits).
#[derive(Clone)]
pub struct Semaphore {
    inner: Rc<Inner>,
}

struct Inner {
    id: ResourceId,
    /// Permits no one holds and no waiter has been handed.
    free: Cell<u32>,
    /// Waiters, longest first.
    queue: RefCell<VecDeque<Rc<Turn>>>,
    holders: Cell<u32>,
    waiters: Cell<u32>,
}

/// One waiter's place in the queue.
#[derive(Default)]
struct Turn {
    /// A release handed it a permit.
    granted: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Inner {
    /// A permit comes back: to the longest waiter if there is one (woken, by this semaphore),
    /// else to the free ones.
    fn release(&self) {
        let next = self.queue.borrow_mut().pop_front();
        match next {
            Some(turn) => {
                turn.granted.set(true);
                let waker = turn.waker.borrow_mut().take();
                if let Some(waker) = waker {
                    with_wake_source(WakeSource::Semaphore(self.id), || waker.wake());
                }
            }
            None => self.free.set(self.free.get() + 1),
        }
    }
}

impl Drop for Inner {
    /// Every clone and every permit is gone: the semaphore is closed.
    fn drop(&mut self) {
        let id = self.id;
        record(|r| r.resource(id, current_task(), ResourceEvent::Closed, now_ms()));
    }
}

impl Semaphore {
    #[track_caller]
    /// A semaphore named `name` with `permits` permits, recorded as created where this is
    /// called.
    pub fn new(name: &str, permits: u32) -> Semaphore {
        let location = Location::caller();
        let detail = ResourceDetail::Semaphore {
            permits,
            holders: 0,
            waiters: 0,
            max_holders: 0,
        };
        let id = super::new_resource(name, detail, location);
        Semaphore {
            inner: Rc::new(Inner {
                id,
                free: Cell::new(permits),
                queue: RefCell::new(VecDeque::new()),
                holders: Cell::new(0),
                waiters: Cell::new(0),
            }),
        }
    }

    /// The semaphore's resource id.
    pub fn id(&self) -> ResourceId {
        self.inner.id
    }

    /// Tasks holding a permit now.
    pub fn holders(&self) -> u32 {
        self.inner.holders.get()
    }

    /// Permits free now: neither held nor handed to a waiter.
    pub fn available(&self) -> u32 {
        self.inner.free.get()
    }

    /// Tasks waiting for a permit now.
    pub fn waiters(&self) -> u32 {
        self.inner.waiters.get()
    }

    /// Waits for a permit (`async with sem:`); the permit is released when dropped. Dropping the
    /// future while it waits gives up its place in the queue (recorded as a cancelled wait).
    pub async fn acquire(&self) -> Permit {
        let inner = &self.inner;
        if inner.free.get() > 0 && inner.queue.borrow().is_empty() {
            inner.free.set(inner.free.get() - 1);
            return Permit::new(Rc::clone(inner));
        }
        let turn = Rc::new(Turn::default());
        inner.queue.borrow_mut().push_back(Rc::clone(&turn));
        let mut waiting = Waiting::start(inner, turn);
        poll_fn(|cx| {
            if waiting.turn.granted.get() {
                Poll::Ready(())
            } else {
                *waiting.turn.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
        waiting.served();
        Permit::new(Rc::clone(inner))
    }
}

/// Counts a task in the queue while it waits, and records the wait given up if it is dropped.
struct Waiting<'a> {
    inner: &'a Inner,
    turn: Rc<Turn>,
    served: bool,
}

impl<'a> Waiting<'a> {
    fn start(inner: &'a Inner, turn: Rc<Turn>) -> Self {
        inner.waiters.set(inner.waiters.get() + 1);
        let waiters = inner.waiters.get();
        record(|r| {
            r.resource(
                inner.id,
                current_task(),
                ResourceEvent::Waiting { waiters },
                now_ms(),
            )
        });
        Waiting {
            inner,
            turn,
            served: false,
        }
    }

    /// Got its permit: out of the queue (the `Acquired` event says how many still wait).
    fn served(&mut self) {
        self.served = true;
        self.inner
            .waiters
            .set(self.inner.waiters.get().saturating_sub(1));
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.served {
            return;
        }
        let inner = self.inner;
        if self.turn.granted.get() {
            // Handed a permit it will not take: it goes to the next waiter.
            inner.release();
        } else {
            inner
                .queue
                .borrow_mut()
                .retain(|t| !Rc::ptr_eq(t, &self.turn));
        }
        inner.waiters.set(inner.waiters.get().saturating_sub(1));
        let waiters = inner.waiters.get();
        record(|r| {
            r.resource(
                inner.id,
                current_task(),
                ResourceEvent::WaitCancelled { waiters },
                now_ms(),
            )
        });
    }
}

/// A held permit; dropping it releases the permit and wakes the next waiter.
pub struct Permit {
    inner: Rc<Inner>,
}

impl Permit {
    fn new(inner: Rc<Inner>) -> Permit {
        inner.holders.set(inner.holders.get() + 1);
        let (holders, waiters) = (inner.holders.get(), inner.waiters.get());
        record(|r| {
            r.resource(
                inner.id,
                current_task(),
                ResourceEvent::Acquired { holders, waiters },
                now_ms(),
            )
        });
        Permit { inner }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let inner = &self.inner;
        inner.holders.set(inner.holders.get().saturating_sub(1));
        let holders = inner.holders.get();
        record(|r| {
            r.resource(
                inner.id,
                current_task(),
                ResourceEvent::Released { holders },
                now_ms(),
            )
        });
        inner.release();
    }
}
