//! Racing futures, with the loser's cancellation traced for what it is: [`timeout`] (Python's
//! `asyncio.wait_for`) and [`select`] (the first of two).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::Either;

use super::event::CancelReason;
use super::sleep::{sleep, Sleep};
use super::task::drop_with_reason;

/// A [`timeout`] ran out before its future completed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elapsed {
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
        inner: Some(Box::pin(future)),
        deadline: sleep(duration),
    }
}

pub struct Timeout<F: Future> {
    inner: Option<Pin<Box<F>>>,
    deadline: Sleep,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Pending;
        };
        if let Poll::Ready(output) = inner.as_mut().poll(cx) {
            this.inner = None;
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut this.deadline).poll(cx) {
            Poll::Ready(()) => {
                drop_with_reason(CancelReason::TimedOut, this.inner.take());
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
        a: Some(Box::pin(a)),
        b: Some(Box::pin(b)),
    }
}

pub struct Select<A: Future, B: Future> {
    a: Option<Pin<Box<A>>>,
    b: Option<Pin<Box<B>>>,
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let (Some(a), Some(b)) = (this.a.as_mut(), this.b.as_mut()) else {
            return Poll::Pending;
        };
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            this.a = None;
            drop_with_reason(CancelReason::LostSelect, this.b.take());
            return Poll::Ready(Either::Left(out));
        }
        if let Poll::Ready(out) = b.as_mut().poll(cx) {
            this.b = None;
            drop_with_reason(CancelReason::LostSelect, this.a.take());
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    }
}
