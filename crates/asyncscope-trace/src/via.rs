//! Naming the cause of wakes: a future polled through [`via`] has every wake it causes, and
//! every wake of its waker from outside (a JS callback settling a promise), attributed to
//! `source`: a resource, so that the trace says "woken by fetch r7" rather than "outside".
//! A task that wakes itself inside `via` still woke itself: the recorder names a wake of a task
//! being polled a self-wake, whatever the source.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use pin_project_lite::pin_project;

use super::event::WakeSource;
use super::task::with_wake_source;

/// Polls `future` with `source` named as the cause of the wakes it makes or receives (for a
/// completion that arrives from outside any poll: a fetch, a request of a browser API).
pub fn via<F: Future>(source: WakeSource, future: F) -> Via<F> {
    Via {
        source,
        wrap: true,
        waker: None,
        inner: future,
    }
}

/// Polls `future` with `source` named as the cause of the wakes it makes during its polls only
/// (a channel's send waking a receiver): no waker of its own, so nothing is allocated.
pub(crate) fn via_polls<F: Future>(source: WakeSource, future: F) -> Via<F> {
    Via {
        source,
        wrap: false,
        waker: None,
        inner: future,
    }
}

pin_project! {
    /// The future [`via`] returns: `future`'s output, its wakes named as `source`'s.
    pub struct Via<F> {
        source: WakeSource,
        wrap: bool,
        // The task's waker we were last polled with, and ours around it.
        waker: Option<(Waker, Waker)>,
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for Via<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let source = *this.source;
        let inner = this.inner;
        if !*this.wrap {
            return with_wake_source(source, || inner.poll(cx));
        }
        let waker = match &*this.waker {
            Some((outer, ours)) if outer.will_wake(cx.waker()) => ours.clone(),
            _ => {
                let ours = Waker::from(Arc::new(SourceWaker {
                    source,
                    inner: cx.waker().clone(),
                }));
                *this.waker = Some((cx.waker().clone(), ours.clone()));
                ours
            }
        };
        with_wake_source(source, || inner.poll(&mut Context::from_waker(&waker)))
    }
}

/// Wakes the task with `source` named as the cause.
struct SourceWaker {
    source: WakeSource,
    inner: Waker,
}

impl Wake for SourceWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        with_wake_source(self.source, || self.inner.wake_by_ref());
    }
}
