//! Python calls without Rust recursion: a trampoline.
//!
//! The evaluator is a tree of boxed futures, so a Python call nested in a Python call is a poll
//! nested in a poll: each level costs the stack every poll function on the way (about 7 KB in a
//! release build, 70 KB in a debug one), and wasm32's stack is 1 MiB. So a call's body is not
//! polled by its caller: [`call`] pushes it on its task's [`Frames`] and waits; the
//! [`Driver`] at the bottom of the task's poll (or of a generator's resumption) polls the top
//! of that stack from where it stands, and when the body is done, its caller below. The stack's
//! depth is then one call's, however deep the recursion.
//!
//! A body that waits for something real (a sleep) leaves the stack as it is: the driver returns
//! `Pending`, and the next wake polls the top again. A driver that is dropped (its task
//! aborted) drops the bodies it was driving.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{BoxFuture, Cx};

/// The call bodies a task is running, innermost last.
#[derive(Default)]
pub(crate) struct Frames {
    stack: RefCell<Vec<BoxFuture<()>>>,
    /// Drivers polling now (a task's, and a generator's inside it): a call may be pushed only
    /// when one is there to poll it.
    drivers: Cell<u32>,
}

impl Frames {
    fn len(&self) -> usize {
        self.stack.borrow().len()
    }

    /// Drops the bodies above `base` (outside any borrow: a drop may touch the stack).
    fn truncate(&self, base: usize) {
        let dropped = {
            let mut stack = self.stack.borrow_mut();
            if stack.len() > base {
                stack.split_off(base)
            } else {
                Vec::new()
            }
        };
        drop(dropped);
    }
}

/// Runs `body` (a call's) from the driver below when there is one, else in place.
pub(crate) async fn call<T: 'static>(cx: &Cx, body: BoxFuture<T>) -> T {
    if cx.frames.drivers.get() == 0 {
        return body.await;
    }
    let slot: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let out = slot.clone();
    cx.frames.stack.borrow_mut().push(Box::pin(async move {
        let v = body.await;
        *out.borrow_mut() = Some(v);
    }));
    std::future::poll_fn(move |_| match slot.borrow_mut().take() {
        Some(v) => Poll::Ready(v),
        None => Poll::Pending,
    })
    .await
}

/// Polls `root` and every call body pushed above `base` while it runs, innermost first, until
/// the root is done or the innermost body waits for something real.
pub(crate) fn drive<T>(
    cx: &Cx,
    base: usize,
    mut root: Pin<&mut (dyn Future<Output = T> + '_)>,
    context: &mut Context<'_>,
) -> Poll<T> {
    let frames = &cx.frames;
    frames.drivers.set(frames.drivers.get() + 1);
    let result = loop {
        let top = {
            let mut stack = frames.stack.borrow_mut();
            if stack.len() > base {
                stack.pop()
            } else {
                None
            }
        };
        match top {
            Some(mut body) => {
                let at = frames.len();
                match body.as_mut().poll(context) {
                    // Done: its caller, below, takes the result next.
                    Poll::Ready(()) => {}
                    Poll::Pending => {
                        let pushed = frames.len() > at;
                        frames.stack.borrow_mut().insert(at, body);
                        if !pushed {
                            break Poll::Pending;
                        }
                    }
                }
            }
            None => {
                let before = frames.len();
                match root.as_mut().poll(context) {
                    Poll::Ready(v) => break Poll::Ready(v),
                    Poll::Pending if frames.len() > before => {}
                    Poll::Pending => break Poll::Pending,
                }
            }
        }
    };
    frames.drivers.set(frames.drivers.get() - 1);
    result
}

/// A task's (or the module's) code with the calls it makes driven from here.
pub(crate) struct Driver<T> {
    cx: Cx,
    base: usize,
    root: BoxFuture<T>,
}

impl<T> Driver<T> {
    pub(crate) fn new(cx: Cx, root: BoxFuture<T>) -> Driver<T> {
        let base = cx.frames.len();
        Driver { cx, base, root }
    }
}

impl<T> Future for Driver<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        drive(&this.cx, this.base, this.root.as_mut(), context)
    }
}

impl<T> Drop for Driver<T> {
    fn drop(&mut self) {
        self.cx.frames.truncate(self.base);
    }
}

/// After a generator's step: what it left above `base` is dropped (a step that waited for
/// something real is an error already reported).
pub(crate) fn abandon(cx: &Cx, base: usize) {
    cx.frames.truncate(base);
}

/// How many bodies are on the stack now: a generator's driver starts there.
pub(crate) fn depth(cx: &Cx) -> usize {
    cx.frames.len()
}
