//! asyncscope: see asynchronous Rust run on the browser's event loop.
//!
//! Three layers, each looking only down:
//! - [`trace`]: the tracer, the crate `asyncscope-trace` (crates/asyncscope-trace), used through
//!   its public API only. Spawns and instruments futures on the browser event loop and records
//!   every poll, wake and cancellation. Knows nothing of yew or the DOM.
//! - [`lessons`]: the lessons, plain async Rust that uses the tracer and the libraries below, plus
//!   their registry and run machinery.
//! - [`browser`]: the browser's asynchronous APIs as futures (IndexedDB, HTTP helpers, the
//!   service-worker client and its request log), which know nothing of the lessons.
//! - [`worker`]: the Web Worker's one message protocol, the work it does and the page's client.
//! - [`chat`]: the chat room (framing, posts, a participant's room) and its BroadcastChannel.
//! - [`ui`]: the yew app and the page's automation contract (`window.asyncscope`).
//!
//! Apart from them, [`server`]: the in-browser HTTP server (a service worker) that answers the
//! lessons' fetches under `/api/`; and [`json`], JSON text to and from Rust values (with the
//! browser's parser, in the browser).

pub mod browser;
pub mod chat;
pub mod json;
pub mod lessons;
pub mod server;
/// The tracer (the crate `asyncscope-trace`).
pub use asyncscope_trace as trace;
pub mod ui;
pub mod worker;
