//! The Web Worker: a thread of the page's own, with its own wasm instance (src/bin/worker.rs),
//! and everything both sides share. The worker runs every job the lessons give it: CPU work off
//! the page's thread (the blocking lesson) and a chat participant (the chat lesson).
//!
//! - [`cpu_work`]: the work itself ([`CpuWork`]), also spun on the page by the lessons;
//! - [`protocol`]: the one message protocol, [`Job`] in and [`Answer`] out, as JS objects
//!   through `postMessage`, written and read by hand, each checked for size and shape before
//!   it is read;
//! - [`dispatch`]: the worker's answer to each job ([`answer`]), pure;
//! - [`client`]: the page's side ([`WorkerClient`], [`WorkerError`]).

pub mod client;
pub mod cpu_work;
pub mod dispatch;
pub mod protocol;

pub use client::{WorkerClient, WorkerError, WORKER_URL};
pub use cpu_work::{CpuWork, MAX_WORK_MS};
pub use dispatch::answer;
pub use protocol::{Answer, Job};
