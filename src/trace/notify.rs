//! Telling viewers that the recording changed: at most once per animation frame, never per
//! event, so a busy run cannot make the UI redraw thousands of times a second.

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

/// Something was recorded: schedule a notification unless one is already on its way. Cheap
/// (two thread-local reads) when nobody listens or a frame is pending.
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
    super::record_quietly(|r| r.check_stalled(super::now_ms()));
    // Copied out first: a listener may subscribe or unsubscribe.
    let listeners: Vec<Listener> =
        LISTENERS.with(|l| l.borrow().iter().map(|(_, f)| Rc::clone(f)).collect());
    for listener in listeners {
        listener();
    }
}

#[cfg(target_arch = "wasm32")]
fn request_frame() -> bool {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return false;
    };
    // A one-shot closure frees itself after it runs.
    let callback = Closure::once_into_js(deliver);
    window
        .request_animation_frame(callback.unchecked_ref())
        .is_ok()
}

/// Off the browser there are no frames: deliver at once (native tests).
#[cfg(not(target_arch = "wasm32"))]
fn request_frame() -> bool {
    deliver();
    true
}
