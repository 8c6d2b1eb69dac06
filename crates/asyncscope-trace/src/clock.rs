//! The tracer's clock: `performance.now()` in the browser, in milliseconds.
//!
//! Every timestamp the tracer records and every time a lesson prints comes from here, so that
//! "World no earlier than 1000 ms after Hello" compares readings of one clock. The last reading
//! is kept ([`last_ms`]) for what needs a time but not a new one: a task waking itself during its
//! own poll (its scheduled time runs from the poll's end anyway), a task handing its output over
//! right after its poll ended.

use std::cell::Cell;

thread_local! {
    static LAST: Cell<f64> = const { Cell::new(0.0) };
}

#[cfg(all(test, not(target_arch = "wasm32")))]
thread_local! {
    static READS: Cell<u64> = const { Cell::new(0) };
}

/// How many times this thread read the clock (native tests: what a build without `enabled`
/// does not do).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn reads() -> u64 {
    READS.with(Cell::get)
}

/// Milliseconds since the page started (`performance.now()`).
pub fn now_ms() -> f64 {
    #[cfg(all(test, not(target_arch = "wasm32")))]
    READS.with(|n| n.set(n.get() + 1));
    let t = read();
    LAST.with(|l| l.set(t));
    t
}

/// The latest reading of [`now_ms`], without reading the clock.
pub fn last_ms() -> f64 {
    LAST.with(Cell::get)
}

/// Called on every poll, spawn and sleep, so the `Performance` object is looked up once and
/// kept: a binding that names `performance.now` looks the global up on each call, and measured
/// slower here (about 190 ns a call against 120 ns, `./dev bench`'s `tracer_costs.now_ns`).
#[cfg(target_arch = "wasm32")]
fn read() -> f64 {
    thread_local! {
        static PERFORMANCE: Option<web_sys::Performance> = performance();
    }
    PERFORMANCE.with(|p| match p {
        Some(p) => p.now(),
        None => js_sys::Date::now(),
    })
}

/// `performance` of the page, or of the worker this runs in.
#[cfg(target_arch = "wasm32")]
fn performance() -> Option<web_sys::Performance> {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
}

/// Milliseconds since the first reading, off the browser (native unit tests), unless a test
/// set the time with [`set_fake_now`].
#[cfg(not(target_arch = "wasm32"))]
fn read() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    if let Some(t) = FAKE_NOW.with(Cell::get) {
        return t;
    }
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static FAKE_NOW: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Native tests drive the clock by hand: `Some(t)` fixes the time at `t` ms for this thread.
#[cfg(not(target_arch = "wasm32"))]
pub fn set_fake_now(t: Option<f64>) {
    FAKE_NOW.with(|f| f.set(t));
}
