//! The tracer's clock: `performance.now()` in the browser, in milliseconds.
//!
//! Every timestamp the tracer records and every time a lesson prints comes from here, so that
//! "World no earlier than 1000 ms after Hello" compares readings of one clock.

/// Milliseconds since the page started (`performance.now()`).
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    thread_local! {
        static PERFORMANCE: Option<web_sys::Performance> =
            web_sys::window().and_then(|w| w.performance());
    }
    PERFORMANCE.with(|p| match p {
        Some(p) => p.now(),
        // Workers without `performance` are not a target; fall back to the wall clock.
        None => js_sys::Date::now(),
    })
}

/// Milliseconds since the first reading, off the browser (native unit tests).
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}
