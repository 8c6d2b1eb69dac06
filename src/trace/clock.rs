//! The tracer's clock: `performance.now()` in the browser, in milliseconds.
//!
//! Every timestamp the tracer records and every time a lesson prints comes from here, so that
//! "World no earlier than 1000 ms after Hello" compares readings of one clock.

/// Milliseconds since the page started (`performance.now()`).
///
/// Called on every poll and wake, so it calls `performance.now` directly (a binding through a
/// `Performance` object costs about twice as much); scopes without `performance` (none that
/// run wasm today) fall back to `Date.now()`.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    thread_local! {
        static HAS_PERFORMANCE: bool = js_sys::Reflect::has(&js_sys::global(), &"performance".into())
            .unwrap_or(false);
    }
    if HAS_PERFORMANCE.with(|h| *h) {
        performance_now()
    } else {
        js_sys::Date::now()
    }
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Milliseconds since the first reading, off the browser (native unit tests), unless a test
/// set the time with [`set_fake_now`].
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    if let Some(t) = FAKE_NOW.with(std::cell::Cell::get) {
        return t;
    }
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static FAKE_NOW: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// Native tests drive the clock by hand: `Some(t)` fixes the time at `t` ms for this thread.
#[cfg(not(target_arch = "wasm32"))]
pub fn set_fake_now(t: Option<f64>) {
    FAKE_NOW.with(|f| f.set(t));
}
