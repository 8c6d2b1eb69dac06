//! The tracer's warnings: what tokio-console's lints flag, one per task and kind (as console shows
//! a lint per task), updated as it recurs: how often, the worst case, the first and last event.

use std::collections::VecDeque;
use std::fmt;

use super::event::{TaskId, Text};
use super::recorder::IdMap;

/// A poll longer than this blocked the event loop: the browser's own Long Task threshold.
pub const LONG_POLL_MS: f64 = 50.0;
/// A self-wake storm needs at least this many wakes, so that one `yield_now` is not a storm.
pub const STORM_MIN_WAKES: u64 = 10;
/// A spawned task scheduled this long without its first poll is reported as never polled
/// (tokio-console's default for its never-yielded lint is the same second).
pub const NEVER_POLLED_MS: f64 = 1000.0;
/// A future this large or larger is reported (tokio-console's large-future lint: 1024 bytes).
pub const LARGE_FUTURE_BYTES: usize = 1024;
/// Warnings kept before the oldest are dropped (and counted).
pub const DEFAULT_WARNING_CAP: usize = 1000;

/// What a warning is about, with its figures.
#[derive(Debug, Clone, PartialEq)]
pub enum WarningKind {
    /// Polls that ran this long (the worst one): nothing else on the page ran meanwhile.
    LongPoll {
        /// The longest such poll, in ms (time in traced futures nested in it included).
        worst_ms: f64,
    },
    /// The task is pending and nobody holds its waker: it can never be woken.
    LostWaker,
    /// More than half of the task's wakes were by itself: it is busy-looping through the queue.
    SelfWakeStorm {
        /// Wakes by the task itself so far.
        self_wakes: u64,
        /// All its wakes so far, self-wakes included.
        wakes: u64,
    },
    /// The spawned task waited this long without its first poll.
    NeverPolled {
        /// From its spawn to the check that found it unpolled, or to its first poll if that
        /// came first, in ms.
        waited_ms: f64,
    },
    /// The task failed and its `JoinHandle` was dropped: nobody will see the error.
    ErrorDropped {
        /// The error nobody saw, in words.
        error: Text,
    },
    /// The future takes this many bytes (tokio-console's large-future lint).
    LargeFuture {
        /// `size_of` the future, in bytes.
        bytes: usize,
    },
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
            WarningKind::LargeFuture { .. } => "large-future",
        }
    }

    fn slot(&self) -> u8 {
        match self {
            WarningKind::LongPoll { .. } => 0,
            WarningKind::LostWaker => 1,
            WarningKind::SelfWakeStorm { .. } => 2,
            WarningKind::NeverPolled { .. } => 3,
            WarningKind::ErrorDropped { .. } => 4,
            WarningKind::LargeFuture { .. } => 5,
        }
    }
}

/// A warning about one task: one per task and kind, updated each time it recurs.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The task it is about.
    pub task: TaskId,
    /// The task's name, kept so that a warning reads well after the task is forgotten.
    pub task_name: std::rc::Rc<str>,
    /// What, with its worst (or latest) figures.
    pub kind: WarningKind,
    /// The event that first raised it (its `seq`), and when.
    pub event: u64,
    /// When it was first raised.
    pub t_ms: f64,
    /// The event that raised it last, and when.
    pub last_event: u64,
    /// When it was last raised.
    pub last_t_ms: f64,
    /// How many times it was raised (long polls: how many long polls).
    pub count: u64,
    /// Still true now; a self-wake storm clears when the task's self-wakes fall back to half of
    /// its wakes or fewer, as console's lint does.
    pub active: bool,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = format!("task {} {}", self.task_name, self.task);
        match &self.kind {
            WarningKind::LongPoll { worst_ms } if self.count > 1 => write!(
                f,
                "{task} blocked the event loop {} times: polls over {LONG_POLL_MS} ms, the longest {worst_ms:.1} ms",
                self.count
            ),
            WarningKind::LongPoll { worst_ms } => write!(
                f,
                "{task} blocked the event loop: one poll took {worst_ms:.1} ms (over {LONG_POLL_MS} ms)"
            ),
            WarningKind::LostWaker => write!(
                f,
                "{task} lost its waker: it is pending and nothing can wake it again"
            ),
            WarningKind::SelfWakeStorm { self_wakes, wakes } => {
                write!(
                    f,
                    "{task} woke itself {self_wakes} of {wakes} times: it is spinning through the queue"
                )?;
                if !self.active {
                    f.write_str(" (cleared: now half or fewer)")?;
                }
                Ok(())
            }
            WarningKind::NeverPolled { waited_ms } => {
                write!(f, "{task} was not polled for {waited_ms:.0} ms after its spawn")
            }
            WarningKind::ErrorDropped { error } => write!(
                f,
                "{task} failed and its JoinHandle was dropped, so nobody saw: {error}"
            ),
            WarningKind::LargeFuture { bytes } => write!(
                f,
                "{task}'s future takes {bytes} bytes (at least {LARGE_FUTURE_BYTES}): every spawn copies it; box its large parts"
            ),
        }
    }
}

/// The warnings raised so far, one per task and kind, oldest first, bounded.
#[derive(Debug, Clone)]
pub struct Warnings {
    /// In the order first raised; `base + i` is the serial of `list[i]`.
    list: VecDeque<Warning>,
    base: u64,
    index: IdMap<(TaskId, u8), u64>,
    cap: usize,
    dropped: u64,
}

impl Warnings {
    /// No warnings yet, keeping at most `cap` (at least one).
    pub fn new(cap: usize) -> Self {
        Warnings {
            list: VecDeque::new(),
            base: 0,
            index: IdMap::default(),
            cap: cap.max(1),
            dropped: 0,
        }
    }

    fn position(&self, task: TaskId, slot: u8) -> Option<usize> {
        let serial = *self.index.get(&(task, slot))?;
        serial
            .checked_sub(self.base)
            .map(|i| i as usize)
            .filter(|&i| i < self.list.len())
    }

    /// Raises `kind` for `task` at event `seq`: a new warning, or the task's existing one of that
    /// kind updated by `update` (given the old kind and the new one).
    pub(crate) fn raise(
        &mut self,
        task: TaskId,
        task_name: &std::rc::Rc<str>,
        kind: WarningKind,
        seq: u64,
        t: f64,
        update: impl FnOnce(&mut WarningKind, WarningKind),
    ) -> u64 {
        let slot = kind.slot();
        if let Some(i) = self.position(task, slot) {
            let w = &mut self.list[i];
            update(&mut w.kind, kind);
            w.last_event = seq;
            w.last_t_ms = t;
            w.count += 1;
            w.active = true;
            return self.base + i as u64;
        }
        if self.list.len() == self.cap {
            if let Some(old) = self.list.pop_front() {
                self.index.remove(&(old.task, old.kind.slot()));
            }
            self.base += 1;
            self.dropped += 1;
        }
        let serial = self.base + self.list.len() as u64;
        self.index.insert((task, slot), serial);
        self.list.push_back(Warning {
            task,
            task_name: std::rc::Rc::clone(task_name),
            kind,
            event: seq,
            t_ms: t,
            last_event: seq,
            last_t_ms: t,
            count: 1,
            active: true,
        });
        serial
    }

    /// The warning numbered `serial` (as [`Warnings::raise`] returned it), if still kept and
    /// still `task`'s of that kind: found without hashing, for a warning updated on every wake.
    pub(crate) fn by_serial(
        &mut self,
        serial: u64,
        task: TaskId,
        kind: &WarningKind,
    ) -> Option<&mut Warning> {
        let i = usize::try_from(serial.checked_sub(self.base)?).ok()?;
        let w = self.list.get_mut(i)?;
        (w.task == task && w.kind.slot() == kind.slot()).then_some(w)
    }

    /// Marks `task`'s warning of `code`'s kind as no longer holding (a storm that calmed down).
    #[cfg(test)]
    pub(crate) fn clear(&mut self, task: TaskId, kind: &WarningKind) {
        if let Some(i) = self.position(task, kind.slot()) {
            self.list[i].active = false;
        }
    }

    /// Whether `task` has a warning of `kind`'s kind (its figures aside) that still holds.
    pub fn is_active(&self, task: TaskId, kind: &WarningKind) -> bool {
        self.position(task, kind.slot())
            .is_some_and(|i| self.list[i].active)
    }

    /// The warnings kept, in the order first raised.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Warning> + ExactSizeIterator {
        self.list.iter()
    }

    /// Warnings kept.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// No warning is kept.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Warnings forgotten to stay within the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Warnings kept at most.
    pub fn cap(&self) -> usize {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> TaskId {
        TaskId::new(n).expect("non-zero")
    }

    fn name() -> std::rc::Rc<str> {
        "t".into()
    }

    fn worst(old: &mut WarningKind, new: WarningKind) {
        if let (WarningKind::LongPoll { worst_ms: a }, WarningKind::LongPoll { worst_ms: b }) =
            (old, new)
        {
            *a = a.max(b);
        }
    }

    #[test]
    fn one_warning_per_task_and_kind_counts_and_keeps_the_worst() {
        let mut w = Warnings::new(10);
        for (i, ms) in [60.0, 300.0, 70.0].into_iter().enumerate() {
            w.raise(
                id(1),
                &name(),
                WarningKind::LongPoll { worst_ms: ms },
                i as u64,
                i as f64,
                worst,
            );
        }
        w.raise(id(1), &name(), WarningKind::LostWaker, 9, 9.0, |_, _| {});
        w.raise(
            id(2),
            &name(),
            WarningKind::LongPoll { worst_ms: 51.0 },
            10,
            10.0,
            worst,
        );
        let got: Vec<_> = w
            .iter()
            .map(|w| (w.task, w.kind.code(), w.count, w.event, w.last_event))
            .collect();
        assert_eq!(
            got,
            vec![
                (id(1), "long-poll", 3, 0, 2),
                (id(1), "lost-waker", 1, 9, 9),
                (id(2), "long-poll", 1, 10, 10)
            ]
        );
        assert_eq!(
            w.iter().next().map(|w| w.kind.clone()),
            Some(WarningKind::LongPoll { worst_ms: 300.0 })
        );
    }

    #[test]
    fn past_the_cap_the_oldest_go_and_are_counted_and_the_rest_still_update() {
        let mut w = Warnings::new(2);
        for n in 1..=5 {
            w.raise(id(n), &name(), WarningKind::LostWaker, n, 0.0, |_, _| {});
        }
        assert_eq!(w.len(), 2);
        assert_eq!(w.dropped(), 3);
        w.raise(id(5), &name(), WarningKind::LostWaker, 99, 0.0, |_, _| {});
        assert_eq!(
            w.iter().map(|w| (w.task, w.count)).collect::<Vec<_>>(),
            vec![(id(4), 1), (id(5), 2)]
        );
        w.raise(id(1), &name(), WarningKind::LostWaker, 100, 0.0, |_, _| {});
        assert_eq!(
            w.iter().map(|w| w.task).collect::<Vec<_>>(),
            vec![id(5), id(1)],
            "a forgotten one comes back new"
        );
    }

    #[test]
    fn a_cleared_warning_is_inactive_until_raised_again() {
        let mut w = Warnings::new(5);
        let storm = WarningKind::SelfWakeStorm {
            self_wakes: 10,
            wakes: 10,
        };
        w.raise(id(1), &name(), storm.clone(), 1, 1.0, |o, n| *o = n);
        assert!(w.is_active(id(1), &storm));
        w.clear(id(1), &storm);
        assert!(!w.is_active(id(1), &storm));
        assert!(w
            .iter()
            .next()
            .is_some_and(|w| w.to_string().contains("cleared")));
        w.raise(id(1), &name(), storm.clone(), 2, 2.0, |o, n| *o = n);
        assert!(w.is_active(id(1), &storm));
    }
}
