//! The tracer's warnings: what tokio-console would flag, each linked to the event that raised it.

use std::fmt;

use super::event::TaskId;

/// A poll longer than this blocked the event loop: the browser's own Long Task threshold.
pub const LONG_POLL_MS: f64 = 50.0;
/// A self-wake storm needs at least this many wakes, so that one `yield_now` is not a storm.
pub const STORM_MIN_WAKES: u64 = 10;
/// A task scheduled this long without its first poll is reported as never polled.
pub const NEVER_POLLED_MS: f64 = 1000.0;
/// Warnings kept before the oldest are dropped (and counted).
pub const DEFAULT_WARNING_CAP: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub enum WarningKind {
    /// One poll ran this long: nothing else on the page ran meanwhile.
    LongPoll { busy_ms: f64 },
    /// The task is pending and nobody holds its waker: it can never be woken.
    LostWaker,
    /// More than half of the task's wakes were by itself: it is busy-looping through the queue.
    SelfWakeStorm { self_wakes: u64, wakes: u64 },
    /// The task waited this long (or was dropped) without ever being polled.
    NeverPolled { waited_ms: f64 },
    /// The task failed and its `JoinHandle` was dropped: nobody will see the error.
    ErrorDropped { error: String },
}

impl WarningKind {
    /// A stable short name, for exports and `data-*` attributes.
    pub fn code(&self) -> &'static str {
        match self {
            WarningKind::LongPoll { .. } => "long-poll",
            WarningKind::LostWaker => "lost-waker",
            WarningKind::SelfWakeStorm { .. } => "self-wake-storm",
            WarningKind::NeverPolled { .. } => "never-polled",
            WarningKind::ErrorDropped { .. } => "error-dropped",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The event that raised it (its `seq`).
    pub event: u64,
    pub t_ms: f64,
    pub task: TaskId,
    pub kind: WarningKind,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = self.task;
        match &self.kind {
            WarningKind::LongPoll { busy_ms } => write!(
                f,
                "task {task} blocked the event loop: one poll took {busy_ms:.1} ms (over {LONG_POLL_MS} ms)"
            ),
            WarningKind::LostWaker => write!(
                f,
                "task {task} lost its waker: it is pending and nothing can wake it again"
            ),
            WarningKind::SelfWakeStorm { self_wakes, wakes } => write!(
                f,
                "task {task} woke itself {self_wakes} of {wakes} times: it is spinning through the queue"
            ),
            WarningKind::NeverPolled { waited_ms } => {
                write!(f, "task {task} was never polled ({waited_ms:.0} ms since spawn)")
            }
            WarningKind::ErrorDropped { error } => write!(
                f,
                "task {task} failed and its JoinHandle was dropped, so nobody saw: {error}"
            ),
        }
    }
}
