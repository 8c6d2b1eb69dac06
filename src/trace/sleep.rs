//! A traced `sleep`, on the browser's `setTimeout` (through gloo-timers).
//!
//! It never wakes early by the tracer's clock: `setTimeout` fires on its own clock and can come a
//! fraction of a millisecond before `performance.now()` reaches the deadline, so a wake before
//! the deadline re-arms the timer for what is left instead of completing.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gloo_timers::callback::Timeout;

use super::clock::now_ms;
use super::event::{TaskId, WakeSource};
use super::record;
use super::task::{current_task, with_wake_source};

/// The longest delay `setTimeout` takes; longer ones fire at once in browsers.
const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// Completes after `duration`, like `asyncio.sleep`. The clock starts at the first poll (as
/// Python's starts when the coroutine is awaited), and dropping the future clears its timer.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        requested_ms: duration.as_secs_f64() * 1000.0,
        started: None,
        timer: None,
        shared: Rc::new(Shared::default()),
    }
}

#[derive(Default)]
struct Shared {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

pub struct Sleep {
    requested_ms: f64,
    /// When the first poll happened, and the task that polled it.
    started: Option<(f64, Option<TaskId>)>,
    timer: Option<Timeout>,
    shared: Rc<Shared>,
}

impl Sleep {
    pub fn requested_ms(&self) -> f64 {
        self.requested_ms
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let now = now_ms();
        let requested = this.requested_ms;
        let (start, task) = *this.started.get_or_insert_with(|| {
            let task = current_task();
            if let Some(id) = task {
                record(|r| r.sleep_started(id, requested, now));
            }
            (now, task)
        });
        let deadline = start + requested;
        if now >= deadline {
            this.timer = None;
            if let Some(id) = task {
                record(|r| r.sleep_done(id, requested, now - start, now));
            }
            return Poll::Ready(());
        }
        {
            let mut waker = this.shared.waker.borrow_mut();
            match waker.as_ref() {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *waker = Some(cx.waker().clone()),
            }
        }
        if this.timer.is_none() || this.shared.fired.get() {
            // First poll, or the timer fired before the deadline by our clock: (re-)arm it.
            this.shared.fired.set(false);
            let remaining = (deadline - now).ceil().clamp(0.0, MAX_TIMEOUT_MS) as u32;
            let shared = Rc::clone(&this.shared);
            this.timer = Some(Timeout::new(remaining, move || {
                shared.fired.set(true);
                // Take the waker out before waking: the wake may poll us, which borrows it again.
                let waker = shared.waker.borrow_mut().take();
                if let Some(waker) = waker {
                    with_wake_source(WakeSource::Timer, || waker.wake());
                }
            }));
        }
        Poll::Pending
    }
}

/// Yields to the browser: completes after a `setTimeout(0)`, so everything the browser has
/// queued (other timers, input, rendering) runs first. The fix for a long loop in a task: do a
/// chunk, then `yield_now().await`.
pub fn yield_now() -> YieldNow {
    YieldNow {
        timer: None,
        shared: Rc::new(Shared::default()),
    }
}

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
