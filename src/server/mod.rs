//! The in-browser HTTP server: a service worker written in Rust answers the page's requests
//! under `api/` of the site's folder (the worker's scope), so the built site is static files and
//! needs no backend, and the lessons' fetches are real ones (they go through the browser's
//! network stack and show in DevTools' Network panel).
//!
//! - [`route`](mod@route): path, method and query to a [`Route`] (pure, natively tested);
//! - [`body`]: what each route answers (pure);
//! - [`respond`]: the async handler, used by the worker ([`handle`]) and by the wasm tests.
//!
//! The worker itself is `src/bin/server.rs` (built by trunk into a no-modules bundle) loaded by
//! `static/sw.js`, a few lines of JS that register the listeners synchronously, as the service
//! worker spec demands. This module knows nothing of the lessons or the UI: what it shares with
//! the page (paths, limits, the request log's entries) is [`crate::wire`].

pub mod body;
mod handler;
pub mod route;
mod worker;

pub use handler::{in_flight, respond, LogSink};
pub use route::{route, LineEnd, LinesSpec, Route, RouteError};
pub use worker::handle;
