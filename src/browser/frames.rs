//! Watching frames: how many the page drew while something ran, and the longest time it went
//! without one (a blocked event loop draws nothing), counted with requestAnimationFrame.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_render::AnimationFrame;

use crate::trace::now_ms;

/// The frames the page drew while a [`FrameWatch`] ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Frames {
    pub count: u32,
    /// The longest time without a frame, counting from the start and up to the stop, in ms.
    pub longest_gap_ms: f64,
    pub watched_ms: f64,
}

struct FrameState {
    started: f64,
    last: f64,
    count: u32,
    longest_gap: f64,
    /// The pending request and the one whose callback may be running now (kept alive until
    /// the next frame, so that no closure is dropped while it runs).
    pending: Option<AnimationFrame>,
    previous: Option<AnimationFrame>,
}

/// Counts the page's frames from [`FrameWatch::start`] to [`FrameWatch::stop`]; dropped
/// without a stop, it cancels its request and counts no more.
pub struct FrameWatch {
    state: Rc<RefCell<FrameState>>,
}

impl FrameWatch {
    pub fn start() -> FrameWatch {
        let now = now_ms();
        let state = Rc::new(RefCell::new(FrameState {
            started: now,
            last: now,
            count: 0,
            longest_gap: 0.0,
            pending: None,
            previous: None,
        }));
        FrameWatch::request(&state);
        FrameWatch { state }
    }

    fn request(state: &Rc<RefCell<FrameState>>) {
        // Weak: the callback must not keep the watch alive after it is dropped.
        let weak = Rc::downgrade(state);
        let frame = gloo_render::request_animation_frame(move |_| {
            let Some(state) = weak.upgrade() else { return };
            {
                let mut s = state.borrow_mut();
                let now = now_ms();
                s.longest_gap = s.longest_gap.max(now - s.last);
                s.last = now;
                s.count = s.count.saturating_add(1);
                s.previous = s.pending.take();
            }
            FrameWatch::request(&state);
        });
        state.borrow_mut().pending = Some(frame);
    }

    /// What was drawn from the start until now.
    pub fn stop(self) -> Frames {
        let now = now_ms();
        let (pending, previous, frames) = {
            let mut s = self.state.borrow_mut();
            let frames = Frames {
                count: s.count,
                longest_gap_ms: s.longest_gap.max(now - s.last),
                watched_ms: now - s.started,
            };
            (s.pending.take(), s.previous.take(), frames)
        };
        // Dropped outside the borrow: dropping the pending request cancels it.
        drop((pending, previous));
        frames
    }
}
