//! A traced `sleep`, on the tracer's timer queue ([`super::timers`]): one browser timer for the
//! earliest deadline, every sleep due woken by one firing, never early by the tracer's clock.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gloo_timers::callback::Timeout;

use super::clock::{last_ms, now_ms};
use super::event::{TaskId, WakeSource};
use super::record;
use super::task::{current_task, with_wake_source};
use super::timers::{self, Key};

/// Completes after `duration`, like `asyncio.sleep`. The clock starts at the first poll (as
/// Python's starts when the coroutine is awaited), and dropping the future clears its timer.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        requested_ms: duration.as_secs_f64() * 1000.0,
        state: State::New,
    }
}

enum State {
    New,
    Waiting {
        start: f64,
        key: Key,
        task: Option<TaskId>,
    },
    Done,
}

/// The future [`sleep`] returns.
pub struct Sleep {
    requested_ms: f64,
    state: State,
}

impl Sleep {
    /// The length asked for, in ms.
    pub fn requested_ms(&self) -> f64 {
        self.requested_ms
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let requested = this.requested_ms;
        match this.state {
            State::New => {
                let now = now_ms();
                let task = current_task();
                if let Some(id) = task {
                    record(|r| r.sleep_started(id, requested, now));
                }
                let deadline = now + requested;
                if requested.is_nan() || requested <= 0.0 {
                    // Zero (or not a number): done at once, as before any timer.
                    if let Some(id) = task {
                        record(|r| r.sleep_done(id, requested, 0.0, now));
                    }
                    this.state = State::Done;
                    return Poll::Ready(());
                }
                let key = timers::insert(deadline, cx.waker().clone(), now);
                this.state = State::Waiting {
                    start: now,
                    key,
                    task,
                };
                Poll::Pending
            }
            State::Waiting { start, key, task } => {
                let fired = timers::with_queue(|q| {
                    let fired = q.fired(key);
                    match fired {
                        Some(_) => q.remove(key),
                        None => q.update_waker(key, cx.waker()),
                    }
                    fired
                });
                let Some(at) = fired else {
                    return Poll::Pending;
                };
                this.state = State::Done;
                if let Some(id) = task {
                    // Stamped with this poll's clock reading, so that events stay in time order;
                    // the sleep's length is up to its timer's firing.
                    let t = last_ms().max(at);
                    record(|r| r.sleep_done(id, requested, at - start, t));
                }
                Poll::Ready(())
            }
            State::Done => Poll::Ready(()),
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Waiting { key, .. } = self.state {
            timers::with_queue(|q| q.remove(key));
        }
    }
}

#[derive(Default)]
struct Shared {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// Yields to the browser: completes after a `setTimeout(0)` of its own, so everything the
/// browser has queued (other timers, input, rendering) runs first. The fix for a long loop in a
/// task: do a chunk, then `yield_now().await`.
pub fn yield_now() -> YieldNow {
    YieldNow {
        timer: None,
        shared: Rc::new(Shared::default()),
    }
}

/// The future [`yield_now`] returns.
pub struct YieldNow {
    timer: Option<Timeout>,
    shared: Rc<Shared>,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.shared.fired.get() {
            this.timer = None;
            return Poll::Ready(());
        }
        *this.shared.waker.borrow_mut() = Some(cx.waker().clone());
        if this.timer.is_none() {
            let shared = Rc::clone(&this.shared);
            this.timer = Some(Timeout::new(0, move || {
                shared.fired.set(true);
                let waker = shared.waker.borrow_mut().take();
                if let Some(waker) = waker {
                    with_wake_source(WakeSource::Timer, || waker.wake());
                }
            }));
        }
        Poll::Pending
    }
}

/// Yields to the other ready tasks only: the task wakes itself and is polled again in a later
/// microtask, before the browser gets to run timers or render. Not a fix for blocking work.
pub fn yield_microtask() -> YieldMicrotask {
    YieldMicrotask { yielded: false }
}

/// The future [`yield_microtask`] returns.
pub struct YieldMicrotask {
    yielded: bool,
}

impl Future for YieldMicrotask {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
