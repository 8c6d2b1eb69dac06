//! A panic hook that keeps the recording of the moment that mattered: the panic is recorded as
//! the failure of the task that panicked (its message and where), and the whole recording is
//! exported, before the module traps, into `globalThis.asyncscopeTrapTrace` (Chrome trace JSON
//! text) for the page's trap banner to offer as a download. Without it a panic in wasm loses
//! everything: no Rust runs after the trap.

use std::cell::Cell;
use std::panic::PanicHookInfo;

thread_local! {
    static STOPPED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a panic stopped the module. In wasm a panic traps it, but the browser still calls
/// in afterwards (timers, frames, promise callbacks, events) into a memory left mid-way: a
/// `RefCell` borrowed at the panic stays borrowed, and the next use traps again. So from the
/// panic on, no traced task is woken or polled again and viewers are no longer told of
/// changes: the page stays as it was, behind the trap banner.
pub fn stopped_by_panic() -> bool {
    STOPPED.with(Cell::get)
}

/// What the hook found: the panic in words, and whether a task was running.
pub fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    match info.location() {
        Some(at) => format!("panicked at {at}: {message}"),
        None => format!("panicked: {message}"),
    }
}

/// Installs the hook (once; the hook set before it still runs after it). An app that renders
/// with yew sets [`record_panic`] through `yew::set_custom_panic_hook` instead: yew replaces any
/// other hook when it renders.
pub fn install_panic_hook() {
    thread_local! {
        static INSTALLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        record_panic(info);
        previous(info);
    }));
}

/// What the hook does: records the panic as the failure of the task that panicked (after the
/// poll it panicked in), and exports the recording for the trap banner.
pub fn record_panic(info: &PanicHookInfo<'_>) {
    STOPPED.with(|s| s.set(true));
    let text = describe(info);
    let now = super::clock::now_ms();
    if let Some(task) = super::task::current_task() {
        // The poll that panicked never returned: record it up to now, then the failure.
        // The recorder may be the thing that panicked while borrowed: then leave it.
        let poll = super::task::poll_under_way(task);
        let _ = super::try_record(|r| {
            if let Some(frame) = poll {
                let record = super::recorder::PollRecord {
                    start_ms: frame.start,
                    children_ms: frame.children,
                    ready: false,
                    self_wakes: frame.self_wakes,
                    child_long: frame.child_long,
                };
                r.polled(task, now, record);
            }
            r.failed(task, text.clone(), now)
        });
    }
    keep_for_the_banner(&text, now);
}

#[cfg(target_arch = "wasm32")]
fn keep_for_the_banner(text: &str, now: f64) {
    use wasm_bindgen::JsValue;
    let global = js_sys::global();
    let _ = js_sys::Reflect::set(&global, &"asyncscopeTrapMessage".into(), &text.into());
    if let Some(json) = super::try_read(|r| super::chrome_trace(r, now)) {
        let _ = js_sys::Reflect::set(
            &global,
            &"asyncscopeTrapTrace".into(),
            &JsValue::from_str(&json),
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn keep_for_the_banner(_text: &str, _now: f64) {}
