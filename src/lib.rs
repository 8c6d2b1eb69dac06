//! asyncscope: see asynchronous Rust run on the browser's event loop.
//!
//! Layers, each looking only down (`ui -> lessons -> browser, worker, chat -> trace`):
//! - [`ui`]: the yew app and the page's automation contract (`window.asyncscope`).
//! - [`lessons`]: only lessons, one file each, plus their registry and run machinery (run,
//!   params, checks, articles). A lesson imports the tracer and the libraries below, never
//!   another lesson.
//! - The libraries the lessons share, which know nothing of a lesson (they return what happened;
//!   the lesson prints it):
//!   - [`browser`]: the browser's asynchronous APIs as futures (IndexedDB, HTTP helpers, the
//!     service-worker client and its request log, frame watching, a JS error in words);
//!   - [`worker`]: the Web Worker's one message protocol, the work it does and the page's client
//!     (src/bin/worker.rs is the worker itself);
//!   - [`chat`]: the chat room (framing, posts, a participant's room) and its BroadcastChannel.
//! - [`trace`]: the tracer, the crate `asyncscope-trace` (crates/asyncscope-trace), used through
//!   its public API only. Spawns and instruments futures on the browser event loop and records
//!   every poll, wake and cancellation. Knows nothing of yew or the DOM.
//!
//! Apart from them, [`server`]: the in-browser HTTP server (a service worker) that answers the
//! lessons' fetches under `/api/`; and [`json`], JSON text to and from Rust values (with the
//! browser's parser, in the browser). Between the page and the server, [`wire`]: what both agree
//! on (paths, limits, the request log's entries), so that neither imports the other.

pub mod browser;
pub mod chat;
pub mod json;
pub mod lessons;
pub mod server;
/// The tracer (the crate `asyncscope-trace`).
pub use asyncscope_trace as trace;
pub mod ui;
pub mod wire;
pub mod worker;
