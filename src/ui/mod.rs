//! The yew app: the lesson list, a lesson (its Python and Rust, parameters, Run, the live log)
//! and the trace of its run; plus the page's automation contract (`window.asyncscope`, URL
//! parameters, `data-*` attributes), documented in the README.

mod app;
mod automation;
mod export;
pub mod isolation;
mod lesson;
pub mod log;
mod loop_lanes;
mod resources;
mod source;
mod state;
mod task_table;
pub mod timeline;
mod trace_panel;

pub use automation::{plan_from_query, StartPlan};

/// Mounts the app on the page's `<body>`.
pub fn start() {
    keep_panic_hook();
    yew::Renderer::<app::App>::new().render();
}

/// Mounts the app inside `root` (the wasm tests mount it in an element of their own).
pub fn start_in(root: web_sys::Element) {
    keep_panic_hook();
    yew::Renderer::<app::App>::with_root(root).render();
}

/// yew replaces the panic hook when it first renders, unless one was set through it: hand it the
/// hook in place (the tracer's, which keeps the recording for the trap banner's Download trace),
/// so that it stays.
fn keep_panic_hook() {
    yew::set_custom_panic_hook(std::panic::take_hook());
}
