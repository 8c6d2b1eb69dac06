//! Optional DevTools tracks: each poll as a `performance.measure` entry with `detail.devtools`,
//! so a run shows as custom tracks (one per task) in Chrome's Performance panel.
//! Off by default: it costs a JS call per poll.

use std::cell::Cell;

use super::event::TaskId;

/// Measures between clears of the page's performance buffer, which would otherwise grow
/// forever (a recording in DevTools keeps what it saw).
#[cfg(target_arch = "wasm32")]
const CLEAR_EVERY: u32 = 10_000;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    #[cfg(target_arch = "wasm32")]
    static SINCE_CLEAR: Cell<u32> = const { Cell::new(0) };
}

/// Turns the DevTools tracks on or off.
pub fn set_devtools_tracks(on: bool) {
    ENABLED.with(|e| e.set(on));
}

/// Whether the DevTools tracks are on (see [`set_devtools_tracks`]).
pub fn devtools_tracks() -> bool {
    ENABLED.with(Cell::get)
}

/// Called after each poll of task `id`, from `start` to `end` (ms).
pub(crate) fn poll(id: TaskId, start: f64, end: f64) {
    if !devtools_tracks() {
        return;
    }
    #[cfg(target_arch = "wasm32")]
    measure(id, start, end);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (id, start, end);
}

#[cfg(target_arch = "wasm32")]
fn measure(id: TaskId, start: f64, end: f64) {
    use js_sys::{Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    let name = super::with_recorder(|r| r.task(id).map(|t| format!("{} {id}", t.name())))
        .unwrap_or_else(|| id.to_string());
    let global = js_sys::global();
    let Ok(performance) = Reflect::get(&global, &"performance".into()) else {
        return;
    };
    let Ok(measure) = Reflect::get(&performance, &"measure".into()) else {
        return;
    };
    let Ok(measure) = measure.dyn_into::<Function>() else {
        return;
    };
    let devtools = Object::new();
    let options = Object::new();
    let detail = Object::new();
    let set = |o: &Object, k: &str, v: JsValue| {
        let _ = Reflect::set(o, &k.into(), &v);
    };
    set(&devtools, "dataType", "track-entry".into());
    set(&devtools, "track", name.as_str().into());
    set(&devtools, "trackGroup", "asyncscope tasks".into());
    set(&devtools, "color", "primary".into());
    set(
        &devtools,
        "tooltipText",
        format!("poll of {name}: {:.3} ms", end - start).into(),
    );
    set(&detail, "devtools", devtools.into());
    set(&options, "start", start.into());
    set(&options, "end", end.into());
    set(&options, "detail", detail.into());
    let _ = measure.call2(&performance, &"poll".into(), &options);
    let count = SINCE_CLEAR.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if count >= CLEAR_EVERY {
        SINCE_CLEAR.with(|c| c.set(0));
        if let Ok(clear) = Reflect::get(&performance, &"clearMeasures".into()) {
            if let Ok(clear) = clear.dyn_into::<Function>() {
                let _ = clear.call0(&performance);
            }
        }
    }
}
