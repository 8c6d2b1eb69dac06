//! Redrawing at most once per animation frame: the UI never re-renders per trace event.

use gloo_render::{request_animation_frame, AnimationFrame};
use yew::prelude::*;

/// While `active`, re-renders the component once per animation frame and returns the frame's
/// timestamp; the pending frame is cancelled when the component goes or `active` turns false.
#[hook]
pub fn use_animation_frames(active: bool) -> f64 {
    let frame = use_state(|| 0.0);
    {
        let setter = frame.setter();
        use_effect_with((active, *frame), move |&(active, _)| {
            let pending: Option<AnimationFrame> =
                active.then(|| request_animation_frame(move |t| setter.set(t)));
            move || drop(pending)
        });
    }
    *frame
}
