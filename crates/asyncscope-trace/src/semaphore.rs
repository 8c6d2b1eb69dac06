//! A traced semaphore (Python's `asyncio.Semaphore`), on async-lock's: the trace shows its
//! holders and waiters over time, which release woke which waiter, the waits given up (a
//! timeout around `acquire`), and when the semaphore itself is gone.

use std::cell::Cell;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;

use async_lock::SemaphoreGuardArc;

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
    permits: Arc<async_lock::Semaphore>,
    holders: Cell<u32>,
    waiters: Cell<u32>,
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
                permits: Arc::new(async_lock::Semaphore::new(permits as usize)),
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

    /// Tasks waiting for a permit now.
    pub fn waiters(&self) -> u32 {
        self.inner.waiters.get()
    }

    /// Waits for a permit (`async with sem:`); the permit is released when dropped. Dropping the
    /// future while it waits gives up its place in the queue (recorded as a cancelled wait).
    pub async fn acquire(&self) -> Permit {
        let inner = &self.inner;
        if let Some(guard) = inner.permits.try_acquire_arc() {
            return Permit::new(Rc::clone(inner), guard);
        }
        let mut waiting = Waiting::start(inner);
        let guard = inner.permits.acquire_arc().await;
        waiting.served();
        Permit::new(Rc::clone(inner), guard)
    }
}

/// Counts a task in the queue while it waits, and records the wait given up if it is dropped.
struct Waiting<'a> {
    inner: &'a Inner,
    served: bool,
}

impl<'a> Waiting<'a> {
    fn start(inner: &'a Inner) -> Self {
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
    guard: Option<SemaphoreGuardArc>,
}

impl Permit {
    fn new(inner: Rc<Inner>, guard: SemaphoreGuardArc) -> Permit {
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
        Permit {
            inner,
            guard: Some(guard),
        }
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
        let guard = self.guard.take();
        with_wake_source(WakeSource::Semaphore(inner.id), || drop(guard));
    }
}
