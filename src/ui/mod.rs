//! The yew app: the lesson list, a lesson (its Python and Rust, parameters, Run, the live log)
//! and the trace of its run; plus the page's automation contract (`window.asyncscope`, URL
//! parameters, `data-*` attributes), documented in the README.

mod app;
mod automation;
pub mod editor;
mod export;
pub mod isolation;
mod lesson;
mod lesson_texts;
pub mod log;
mod playground;
mod python_link;
mod state;
mod trace;

pub use automation::{plan_from_query, query_pairs, StartPlan};

/// Mounts the app on the page's `<body>`.
pub fn start() {
    set_panic_hook();
    // index.html's "Loading…" placeholder goes when the app is about to render.
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    yew::Renderer::<app::App>::new().render();
}

/// yew replaces any panic hook when it renders, unless one is set through it: the tracer's (the
/// panic kept in the recording, for the trap banner's Download trace), then the message in the
/// console.
fn set_panic_hook() {
    yew::set_custom_panic_hook(Box::new(|info| {
        crate::trace::record_panic(info);
        web_sys::console::error_1(&info.to_string().into());
    }));
}

/// Mounts the app inside `root` (the wasm tests mount it in an element of their own).
pub fn start_in(root: web_sys::Element) {
    set_panic_hook();
    yew::Renderer::<app::App>::with_root(root).render();
}
