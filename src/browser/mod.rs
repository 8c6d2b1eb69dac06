//! The browser's asynchronous APIs as futures, below the lessons: they know nothing of a lesson
//! and return what happened, which the lesson prints.
//!
//! - [`idb`]: IndexedDB requests and transactions;
//! - [`http`]: fetch helpers for the lessons' requests (errors in words, the page's origin);
//! - [`body_stream`]: a response body read as a stream of chunks;
//! - [`service_worker`]: the client of the in-browser server (register, wait until it answers);
//! - [`server_log`]: the server's request log, as the page receives it;
//! - [`site`]: the site's base URL, which every URL the app uses is relative to;
//! - [`frames`]: the frames the page drew while something ran (requestAnimationFrame);
//! - [`js`]: a JavaScript error in words ([`js::error_text`], the one function for it).

pub mod body_stream;
pub mod frames;
pub mod http;
pub mod idb;
pub mod js;
pub mod server_log;
pub mod service_worker;
pub mod site;
