//! Racing futures, with the loser's cancellation traced for what it is: [`timeout`] (Python's
//! `asyncio.wait_for`) and [`select`] (the first of two). Both hold their futures inline (no box
//! per race).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::Either;
use pin_project_lite::pin_project;

use super::event::CancelReason;
use super::sleep::{sleep, Sleep};
use super::task::drop_with_reason;

/// A [`timeout`] ran out before its future completed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elapsed {
    /// The timeout's length, in ms.
    pub after_ms: f64,
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {} ms", self.after_ms)
    }
}

impl std::error::Error for Elapsed {}

/// Gives `future`'s output if it completes within `duration`; otherwise drops it (its traced
/// tasks are recorded as cancelled because they timed out, its timers are cleared) and gives
/// [`Elapsed`].
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        inner: Some(future),
        deadline: sleep(duration),
    }
}

pin_project! {
    /// The future [`timeout`] returns.
    pub struct Timeout<F> {
        #[pin]
        inner: Option<F>,
        deadline: Sleep,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Pending;
        };
        if let Poll::Ready(output) = inner.poll(cx) {
            this.inner.set(None);
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut *this.deadline).poll(cx) {
            Poll::Ready(()) => {
                let mut inner = this.inner;
                drop_with_reason(CancelReason::TimedOut, || inner.set(None));
                Poll::Ready(Err(Elapsed {
                    after_ms: this.deadline.requested_ms(),
                }))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Waits for the first of `a` and `b` (polling `a` first when both are ready) and drops the
/// other, whose traced tasks are recorded as cancelled because they lost the select.
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select {
        a: Some(a),
        b: Some(b),
    }
}

pin_project! {
    /// The future [`select`] returns: the output of the first to complete, `Either::Left` for
    /// `a`, `Either::Right` for `b`.
    pub struct Select<A, B> {
        #[pin]
        a: Option<A>,
        #[pin]
        b: Option<B>,
    }
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.a.is_none() || this.b.is_none() {
            return Poll::Pending;
        }
        if let Some(a) = this.a.as_mut().as_pin_mut() {
            if let Poll::Ready(out) = a.poll(cx) {
                this.a.set(None);
                let mut b = this.b;
                drop_with_reason(CancelReason::LostSelect, || b.set(None));
                return Poll::Ready(Either::Left(out));
            }
        }
        if let Some(b) = this.b.as_mut().as_pin_mut() {
            if let Poll::Ready(out) = b.poll(cx) {
                this.b.set(None);
                let mut a = this.a;
                drop_with_reason(CancelReason::LostSelect, || a.set(None));
                return Poll::Ready(Either::Right(out));
            }
        }
        Poll::Pending
    }
}
