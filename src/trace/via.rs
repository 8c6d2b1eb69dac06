//! Naming the cause of wakes: a future polled through [`via`] has every wake it causes, and
//! every wake of its waker from outside (a JS callback settling a promise), attributed to
//! `source`: a resource, so that the trace says "woken by fetch r7" rather than "outside".

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::event::WakeSource;
use super::task::with_wake_source;

/// Polls `future` with `source` named as the cause of the wakes it makes or receives.
pub fn via<F: Future>(source: WakeSource, future: F) -> Via<F> {
    Via {
        source,
        inner: Box::pin(future),
        waker: None,
    }
}

pub struct Via<F> {
    source: WakeSource,
    inner: Pin<Box<F>>,
    /// The task's waker we were last polled with, and ours around it.
    waker: Option<(Waker, Waker)>,
}

impl<F: Future> Future for Via<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let waker = match &this.waker {
            Some((outer, ours)) if outer.will_wake(cx.waker()) => ours.clone(),
            _ => {
                let ours = Waker::from(Arc::new(SourceWaker {
                    source: this.source,
                    inner: cx.waker().clone(),
                }));
                this.waker = Some((cx.waker().clone(), ours.clone()));
                ours
            }
        };
        let source = this.source;
        let inner = &mut this.inner;
        with_wake_source(source, || {
            inner.as_mut().poll(&mut Context::from_waker(&waker))
        })
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
