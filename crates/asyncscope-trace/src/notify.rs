//! Telling viewers that the recording changed: at most once per animation frame, never per
//! event, so a busy run cannot make the UI redraw thousands of times a second. A change costs
//! two thread-local reads when a frame is already requested (or nobody listens); a frame costs
//! no allocation (one callback for the page's life).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

type Listener = Rc<dyn Fn()>;

thread_local! {
    static LISTENERS: RefCell<Vec<(u64, Listener)>> = const { RefCell::new(Vec::new()) };
    static NEXT: Cell<u64> = const { Cell::new(0) };
    /// A frame is already requested: further changes before it ride along.
    static FRAME_PENDING: Cell<bool> = const { Cell::new(false) };
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// Calls `listener` on the next animation frame after the recording changes (at most once per
/// frame), for as long as the returned [`Subscription`] lives.
pub fn subscribe(listener: impl Fn() + 'static) -> Subscription {
    let id = NEXT.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    LISTENERS.with(|l| l.borrow_mut().push((id, Rc::new(listener))));
    ACTIVE.with(|a| a.set(true));
    Subscription { id }
}

/// Unsubscribes when dropped.
#[must_use = "the listener is removed when the Subscription is dropped"]
pub struct Subscription {
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let empty = LISTENERS.with(|l| {
            let mut listeners = l.borrow_mut();
            listeners.retain(|(id, _)| *id != self.id);
            listeners.is_empty()
        });
        if empty {
            ACTIVE.with(|a| a.set(false));
        }
    }
}

/// Something was recorded: schedule a notification unless one is already on its way.
pub(crate) fn changed() {
    if !ACTIVE.with(Cell::get) || FRAME_PENDING.with(|p| p.replace(true)) {
        return;
    }
    if !request_frame() {
        FRAME_PENDING.with(|p| p.set(false));
    }
}

/// Runs on the animation frame: every listener once, with the recording as it is now.
fn deliver() {
    FRAME_PENDING.with(|p| p.set(false));
    if super::stopped_by_panic() {
        return;
    }
    let now = super::now_ms();
    super::record_quietly(|r| r.check_stalled(now));
    // One at a time, the list unborrowed while each runs: a listener may subscribe or
    // unsubscribe.
    let mut i = 0;
    while let Some(listener) = LISTENERS.with(|l| l.borrow().get(i).map(|(_, f)| Rc::clone(f))) {
        listener();
        i += 1;
    }
}

#[cfg(target_arch = "wasm32")]
fn request_frame() -> bool {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    thread_local! {
        static CALLBACK: Closure<dyn FnMut()> = Closure::new(deliver);
    }
    let Some(window) = web_sys::window() else {
        return false;
    };
    CALLBACK.with(|c| {
        window
            .request_animation_frame(c.as_ref().unchecked_ref())
            .is_ok()
    })
}

/// Off the browser there are no frames: deliver at once (native tests).
#[cfg(not(target_arch = "wasm32"))]
fn request_frame() -> bool {
    deliver();
    true
}
