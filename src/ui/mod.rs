//! The yew app: the lesson list, a lesson (its Python and Rust, parameters, Run, the live log)
//! and the trace of its run; plus the page's automation contract (`window.asyncscope`, URL
//! parameters, `data-*` attributes), documented in the README.

mod app;
mod automation;
mod export;
mod frames;
pub mod isolation;
mod lesson;
mod lesson_texts;
mod loop_lanes;
mod names;
mod resources;
mod source;
mod state;
mod task_table;
pub mod timeline;
mod trace_panel;

pub use automation::{plan_from_query, StartPlan};

/// Mounts the app on the page's `<body>`.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}

/// Mounts the app inside `root` (the wasm tests mount it in an element of their own).
pub fn start_in(root: web_sys::Element) {
    yew::Renderer::<app::App>::with_root(root).render();
}
