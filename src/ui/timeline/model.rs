//! What the timeline draws, derived from a recording: a lane per task in tree order (children
//! under their parent), each with its polls and markers, and the wakes between lanes. Pure, so
//! it is tested natively; `draw.rs` turns it into pixels.

use std::collections::HashMap;
use std::panic::Location;

use crate::trace::{CancelReason, EventKind, Recorder, TaskId, TaskState, WakeSource};

/// A closed interval of time, in ms (`performance.now()`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MarkerKind {
    Spawned,
    Done,
    Cancelled(CancelReason),
    Failed(String),
    Warning(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub t: f64,
    pub kind: MarkerKind,
}

impl Marker {
    /// What the tooltip says (made when asked: a model has tens of thousands of markers).
    pub fn text(&self, lane: &Lane) -> String {
        match &self.kind {
            MarkerKind::Spawned => format!("spawned at {}", lane.location),
            MarkerKind::Done => "completed".to_string(),
            MarkerKind::Cancelled(reason) => format!("cancelled ({reason})"),
            MarkerKind::Failed(error) => format!("failed: {error}"),
            MarkerKind::Warning(text) => text.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub task: TaskId,
    pub label: String,
    pub location: &'static Location<'static>,
    /// How deep under the root tasks (0 for a task nobody spawned).
    pub depth: usize,
    pub spawned: f64,
    /// When it finished; None while it lives.
    pub ended: Option<f64>,
    pub state: TaskState,
    /// Its polls, in order; a poll still running ends at the recording's last moment.
    pub polls: Vec<Span>,
    pub markers: Vec<Marker>,
}

/// A wake: from a task's lane (or the event loop's, for timers, fetches and JS) to the poll it
/// caused.
#[derive(Debug, Clone, PartialEq)]
pub struct Wake {
    pub from: Option<TaskId>,
    pub at: f64,
    pub to: TaskId,
    /// The start of the poll it caused, once that came.
    pub poll_at: Option<f64>,
    pub by: WakeSource,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub lanes: Vec<Lane>,
    pub wakes: Vec<Wake>,
    /// The recorded time range.
    pub start: f64,
    pub end: f64,
}

/// Wakes kept for drawing arrows; past this the oldest are left out.
const MAX_WAKES: usize = 100_000;

impl Model {
    /// Builds the model of `rec` as it is at `now` (live tasks run to `now`). One pass over the
    /// events, with lanes found by binary search: tens of milliseconds for 100,000 events.
    pub fn build(rec: &Recorder, now: f64) -> Model {
        // Tree order: each root in spawn order, its descendants right under it.
        let tasks: Vec<_> = rec.tasks().collect();
        let mut children: HashMap<Option<TaskId>, Vec<TaskId>> = HashMap::new();
        for task in &tasks {
            // A parent the recording forgot is treated as no parent.
            let parent = task.parent.filter(|p| rec.task(*p).is_some());
            children.entry(parent).or_default().push(task.id);
        }
        let mut lanes = Vec::with_capacity(tasks.len());
        let mut stack: Vec<(TaskId, usize)> = children
            .get(&None)
            .map(|roots| roots.iter().rev().map(|&id| (id, 0)).collect())
            .unwrap_or_default();
        while let Some((id, depth)) = stack.pop() {
            if let Some(task) = rec.task(id) {
                lanes.push(Lane {
                    task: id,
                    label: format!("{} {}", task.name(), task.id),
                    location: task.location(),
                    depth,
                    spawned: task.spawned_ms,
                    ended: task.ended_ms,
                    state: task.state,
                    polls: Vec::with_capacity(task.polls as usize),
                    markers: vec![Marker {
                        t: task.spawned_ms,
                        kind: MarkerKind::Spawned,
                    }],
                });
            }
            if let Some(kids) = children.get(&Some(id)) {
                stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
            }
        }
        // Lane of each task id, for a binary search per event.
        let mut index: Vec<(TaskId, usize)> =
            lanes.iter().enumerate().map(|(i, l)| (l.task, i)).collect();
        index.sort_unstable_by_key(|(id, _)| *id);
        let lane_of = |task: TaskId| {
            index
                .binary_search_by_key(&task, |(id, _)| *id)
                .ok()
                .map(|i| index[i].1)
        };

        let mut wakes: Vec<Wake> = Vec::new();
        let mut waiting: Vec<Vec<usize>> = vec![Vec::new(); lanes.len()];
        let mut start = f64::INFINITY;
        let mut end = f64::NEG_INFINITY;
        for event in rec.events().iter() {
            start = start.min(event.t_ms);
            end = end.max(event.t_ms);
            let Some(task) = event.task else { continue };
            let Some(lane) = lane_of(task) else {
                continue;
            };
            match &event.kind {
                EventKind::Polled {
                    start_ms,
                    ready,
                    self_wakes,
                    ..
                } => {
                    for w in waiting[lane].drain(..) {
                        if let Some(wake) = wakes.get_mut(w) {
                            wake.poll_at = Some(*start_ms);
                        }
                    }
                    lanes[lane].polls.push(Span {
                        start: *start_ms,
                        end: event.t_ms,
                    });
                    // Woken during the poll: an arrow from its end to the next poll.
                    if *self_wakes > 0 && wakes.len() < MAX_WAKES {
                        waiting[lane].push(wakes.len());
                        wakes.push(Wake {
                            from: Some(task),
                            at: event.t_ms,
                            to: task,
                            poll_at: None,
                            by: WakeSource::ItSelf,
                        });
                    }
                    if *ready {
                        lanes[lane].markers.push(Marker {
                            t: event.t_ms,
                            kind: MarkerKind::Done,
                        });
                    }
                }
                EventKind::Woken { by, from } if wakes.len() < MAX_WAKES => {
                    // From the task that sent, released or finished (the task itself for a
                    // self-wake), else from the event loop.
                    let from = match by {
                        WakeSource::ItSelf => Some(task),
                        _ => *from,
                    };
                    waiting[lane].push(wakes.len());
                    wakes.push(Wake {
                        from,
                        at: event.t_ms,
                        to: task,
                        poll_at: None,
                        by: *by,
                    });
                }
                EventKind::Cancelled { reason, .. } => lanes[lane].markers.push(Marker {
                    t: event.t_ms,
                    kind: MarkerKind::Cancelled(*reason),
                }),
                EventKind::Failed { error } => lanes[lane].markers.push(Marker {
                    t: event.t_ms,
                    kind: MarkerKind::Failed(error.to_string()),
                }),
                _ => {}
            }
        }
        for warning in rec.warnings().iter() {
            if let Some(lane) = lane_of(warning.task) {
                lanes[lane].markers.push(Marker {
                    t: warning.t_ms,
                    kind: MarkerKind::Warning(warning.to_string()),
                });
            }
        }
        if !start.is_finite() {
            start = now;
            end = now;
        }
        Model {
            lanes,
            wakes,
            start,
            end: end.max(start),
        }
    }

    /// The lane of `task`, if drawn.
    pub fn lane_of(&self, task: TaskId) -> Option<usize> {
        self.lanes.iter().position(|l| l.task == task)
    }
}

/// The polls of a lane that overlap `[from, to]`: a binary search, then a walk.
pub fn polls_in(polls: &[Span], from: f64, to: f64) -> &[Span] {
    let first = polls.partition_point(|p| p.end < from);
    let last = polls.partition_point(|p| p.start <= to);
    if first >= last {
        &[]
    } else {
        &polls[first..last]
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;

    fn recording() -> (Recorder, TaskId, TaskId, TaskId) {
        let mut rec = Recorder::default();
        let here = Location::caller();
        let main = rec.spawn("main", None, here, 0.0);
        rec.waker_cloned(main);
        let a = rec.spawn("a", Some(main), here, 1.2);
        let other = rec.spawn("other", None, here, 1.3);
        rec.poll(main, 1.0, 2.0, false);
        rec.waker_cloned(a);
        rec.poll(a, 3.0, 4.0, false);
        rec.woken(a, WakeSource::Timer, 50.0);
        rec.wake(main, WakeSource::Task(a), Some(a), 51.5);
        rec.poll(a, 51.0, 52.0, true);
        rec.poll(main, 53.0, 54.0, true);
        (rec, main, a, other)
    }

    #[test]
    fn lanes_are_in_tree_order_with_depth() {
        let (rec, main, a, other) = recording();
        let model = Model::build(&rec, 60.0);
        let order: Vec<(TaskId, usize)> = model.lanes.iter().map(|l| (l.task, l.depth)).collect();
        assert_eq!(order, vec![(main, 0), (a, 1), (other, 0)]);
        assert_eq!(model.lanes[1].label, "a #2");
    }

    #[test]
    fn polls_are_spans_and_completion_is_marked() {
        let (rec, main, a, _) = recording();
        let model = Model::build(&rec, 60.0);
        let lane = &model.lanes[model.lane_of(a).expect("drawn")];
        assert_eq!(
            lane.polls,
            vec![
                Span {
                    start: 3.0,
                    end: 4.0
                },
                Span {
                    start: 51.0,
                    end: 52.0
                }
            ]
        );
        assert!(lane
            .markers
            .iter()
            .any(|m| m.kind == MarkerKind::Done && m.t == 52.0));
        assert_eq!(
            model.lanes[model.lane_of(main).expect("drawn")].polls.len(),
            2
        );
        assert_eq!((model.start, model.end), (0.0, 54.0));
    }

    #[test]
    fn wakes_point_from_their_source_to_the_poll_they_caused() {
        let (rec, main, a, _) = recording();
        let model = Model::build(&rec, 60.0);
        assert_eq!(
            model.wakes,
            vec![
                Wake {
                    from: None,
                    at: 50.0,
                    to: a,
                    poll_at: Some(51.0),
                    by: WakeSource::Timer
                },
                Wake {
                    from: Some(a),
                    at: 51.5,
                    to: main,
                    poll_at: Some(53.0),
                    by: WakeSource::Task(a)
                },
            ]
        );
    }

    #[test]
    fn polls_in_finds_exactly_the_overlapping_ones() {
        let polls: Vec<Span> = (0..100)
            .map(|i| Span {
                start: i as f64 * 10.0,
                end: i as f64 * 10.0 + 2.0,
            })
            .collect();
        let found = polls_in(&polls, 21.0, 41.0);
        assert_eq!(
            found.first().map(|p| p.start),
            Some(20.0),
            "20-22 reaches into 21"
        );
        assert_eq!(found.last().map(|p| p.start), Some(40.0));
        assert_eq!(polls_in(&polls, 22.0, 22.0).len(), 1, "20-22 touches 22");
        assert!(polls_in(&polls, 1000.5, 2000.0).is_empty());
        assert_eq!(polls_in(&polls, -5.0, 5000.0).len(), 100);
    }
}
