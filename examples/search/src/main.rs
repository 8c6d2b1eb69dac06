//! Word search: a small app that uses asyncscope as any app would. A search box with a debounce,
//! cancellation of stale searches, retries with backoff, and a status panel that polls the
//! server, all against the in-browser server that the asyncscope app's service worker runs
//! (`api/search` of the app's folder). Its async functions are instrumented with `tracing`; asyncscope's
//! `TracingLayer` turns their spans into rows of the overlay's task table.
//!
//! Build: `trunk build --release --config examples/search/Trunk.toml` after the app's own build
//! (it goes into dist/examples/search/ and is served under /examples/search/).

mod api;
mod app;
mod service_worker;

use std::cell::RefCell;
use std::rc::Rc;

use tracing_subscriber::layer::SubscriberExt as _;

thread_local! {
    /// The overlay, kept for the page's life.
    static OVERLAY: RefCell<Option<asyncscope_viewer::Overlay>> = const { RefCell::new(None) };
}

fn main() {
    // A panic is recorded as the failure of the task that panicked, with its message.
    asyncscope_trace::install_panic_hook();
    let mut problems = Vec::new();
    // The two lines an app adds: its `tracing` spans into the recording (INFO and up: yew's
    // own DEBUG spans of every component render stay out), and the overlay.
    let layer = asyncscope_trace::TracingLayer::default();
    let subscriber = tracing_subscriber::registry().with(layer);
    if let Err(e) = tracing::subscriber::set_global_default(subscriber) {
        problems.push(format!(
            "the tracing spans will not show: the tracing layer could not be installed ({e})"
        ));
    }
    match asyncscope_viewer::mount_overlay() {
        Ok(overlay) => OVERLAY.with(|o| *o.borrow_mut() = Some(overlay)),
        Err(e) => problems.push(e),
    }
    let props = app::AppProps {
        problems: Rc::from(problems),
    };
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            // The "Loading…" line goes; the app takes its place.
            root.set_inner_html("");
            yew::Renderer::<app::App>::with_root_and_props(root, props).render();
        }
        None => {
            yew::Renderer::<app::App>::with_props(props).render();
        }
    }
}
