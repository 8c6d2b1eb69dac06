//! A traced request of a browser API the tracer has no resource for (an IndexedDB request, a
//! message to a worker, a post on a BroadcastChannel): when it started, how it ended, and the
//! wakes its completion caused. Dropped before it ended, it is recorded as aborted.

use std::future::Future;
use std::panic::Location;

use super::clock::now_ms;
use super::event::{ResourceEvent, ResourceId, WakeSource};
use super::record;
use super::stats::ResourceDetail;
use super::task::current_task;
use super::via::{via, Via};

/// A request of a browser API under way, traced as a resource. End it with
/// [`IoRequest::done`] or [`IoRequest::failed`]; dropped before either, it is recorded as aborted.
pub struct IoRequest {
    id: ResourceId,
    ended: bool,
}

impl IoRequest {
    /// Starts tracing `operation` on `api` (e.g. `IoRequest::start("indexeddb", "getAll students")`).
    #[track_caller]
    pub fn start(api: &str, operation: impl Into<String>) -> IoRequest {
        let operation = operation.into();
        let name = format!("{api} {operation}");
        let detail = ResourceDetail::Request {
            api: api.to_string(),
            operation,
            outcome: None,
            aborted: false,
            error: None,
        };
        let location = Location::caller();
        let id = super::new_resource(&name, detail, location);
        IoRequest { id, ended: false }
    }

    /// The request's resource id.
    pub fn id(&self) -> ResourceId {
        self.id
    }

    /// Awaits `future` (the request's completion) with its wakes attributed to this request.
    pub fn wait<F: Future>(&self, future: F) -> Via<F> {
        via(WakeSource::Request(self.id), future)
    }

    /// The request completed, giving `outcome` (shown in the trace).
    pub fn done(mut self, outcome: impl Into<String>) {
        self.end(ResourceEvent::Done {
            outcome: std::rc::Rc::new(outcome.into()),
        });
    }

    /// The request failed with `error`.
    pub fn failed(mut self, error: impl Into<String>) {
        self.end(ResourceEvent::Error {
            message: std::rc::Rc::new(error.into()),
        });
    }

    fn end(&mut self, what: ResourceEvent) {
        self.ended = true;
        let id = self.id;
        record(|r| r.resource(id, current_task(), what, now_ms()));
    }
}

impl Drop for IoRequest {
    fn drop(&mut self) {
        if !self.ended {
            self.end(ResourceEvent::Aborted);
        }
    }
}
