//! The in-browser HTTP server: a service worker written in Rust answers the page's requests
//! under `/api/`, so the built site is static files and needs no backend, and the lessons' fetches
//! are real ones (they go through the browser's network stack and show in DevTools' Network
//! panel).
//!
//! - [`route`]: path, method and query to a [`Route`] (pure, natively tested);
//! - [`body`]: what each route answers (pure);
//! - [`log`]: the request log's entries, as the worker sends them to the page (pure);
//! - [`respond`]: the async handler, used by the worker ([`handle`]) and by the wasm tests.
//!
//! The worker itself is `src/bin/server.rs` (built by trunk into a no-modules bundle) loaded by
//! `static/sw.js`, a few lines of JS that register the listeners synchronously, as the service
//! worker spec demands. This module knows nothing of the lessons or the UI.

pub mod body;
mod handler;
pub mod log;
pub mod route;
mod worker;

pub use handler::{in_flight, respond, LogSink, HELLO_DELAY_MS, MAX_ECHO_BODY};
pub use log::LogEntry;
pub use route::{route, LineEnd, LinesSpec, Route, RouteError, MAX_DELAY_MS};
pub use worker::handle;
