//! The event loop's turns, as its lane shows them: each wake from the loop (a timer firing, a
//! fetch settling, JS) starts one, and the polls the loop ran right after belong to it. Pure.

use super::model::{Await, Model};
use asyncscope_trace::{TaskId, WakeSource};

/// Polls one macrotask's checkpoint may leave between them and still be one turn.
const SAME_TURN_MS: f64 = 0.5;

/// Where something causing a block on the event loop's lane came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cause {
    /// A wake from the loop: a timer, a fetch, a request, JS.
    Wake(WakeSource),
    /// Polls with no wake from the loop before them (a spawn, a microtask).
    Polls,
}

/// A turn of the event loop as the lane shows it: what started it, and the polls it ran.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    pub start: f64,
    pub end: f64,
    pub cause: Cause,
    /// Tasks the loop woke (a timer firing for 500 sleeps is one block).
    pub wakes: usize,
    pub polls: usize,
    /// Time inside those polls.
    pub busy: f64,
    pub first_task: Option<TaskId>,
}

/// The event loop's turns over `[from, to]`: each wake from the loop starts one, and the polls
/// the loop ran right after belong to it; turns closer than `merge_ms` are drawn as one.
pub fn loop_blocks(model: &Model, from: f64, to: f64, merge_ms: f64) -> Vec<Block> {
    let wakes = &model.loop_wakes;
    let polls = &model.loop_polls;
    let mut wi = wakes.partition_point(|w| w.at < from);
    let mut pi = polls.partition_point(|p| p.end < from);
    let mut blocks: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    let gap = SAME_TURN_MS.max(merge_ms);
    loop {
        let wake = wakes.get(wi).filter(|w| w.at <= to);
        let poll = polls.get(pi).filter(|p| p.start <= to);
        let take_wake = match (wake, poll) {
            (Some(w), Some(p)) => w.at <= p.start,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_wake {
            let w = wakes[wi];
            wi += 1;
            // Wakes of tasks the recorder forgot stay until their events leave the log, unseen.
            if model.lane(w.to).is_none() {
                continue;
            }
            match &mut current {
                Some(b) if (b.polls == 0 && w.at - b.end <= gap) || w.at - b.end <= merge_ms => {
                    b.wakes += 1;
                    b.end = b.end.max(w.at);
                }
                _ => {
                    blocks.extend(current.take());
                    current = Some(Block {
                        start: w.at,
                        end: w.at,
                        cause: Cause::Wake(w.by),
                        wakes: 1,
                        polls: 0,
                        busy: 0.0,
                        first_task: Some(w.to),
                    });
                }
            }
        } else {
            let p = polls[pi];
            pi += 1;
            if model.lane(p.task).is_none() {
                continue;
            }
            match &mut current {
                Some(b) if b.polls == 0 || p.start - b.end <= gap => {
                    b.end = b.end.max(p.end);
                    b.polls += 1;
                    b.busy += p.end - p.start;
                    b.first_task.get_or_insert(p.task);
                }
                _ => {
                    blocks.extend(current.take());
                    current = Some(Block {
                        start: p.start,
                        end: p.end,
                        cause: Cause::Polls,
                        wakes: 0,
                        polls: 1,
                        busy: p.end - p.start,
                        first_task: Some(p.task),
                    });
                }
            }
        }
    }
    blocks.extend(current);
    blocks
}

/// The event loop's lane per pixel column, for a window too busy to list its turns: whether
/// the loop ran anything there, and what started the turn (`Some(None)`: polls with no wake
/// from the loop before them). Two binary searches a column.
pub fn loop_columns(
    model: &Model,
    t_from: f64,
    ms_per_px: f64,
    cols: usize,
) -> Vec<Option<Option<Await>>> {
    let wakes = &model.loop_wakes;
    let polls = &model.loop_polls;
    let mut out = Vec::with_capacity(cols);
    let mut cause: Option<Option<Await>> = None;
    for c in 0..cols {
        let (a, b) = (
            t_from + c as f64 * ms_per_px,
            t_from + (c + 1) as f64 * ms_per_px,
        );
        let mut wi = wakes.partition_point(|w| w.at < a);
        let mut woke = None;
        while let Some(w) = wakes.get(wi).filter(|w| w.at < b) {
            if model.lane(w.to).is_some() {
                woke = Some(model.awaited_source(w.by));
                break;
            }
            wi += 1;
        }
        let mut pi = polls.partition_point(|p| p.end < a);
        let mut busy = false;
        while let Some(p) = polls.get(pi).filter(|p| p.start < b) {
            if model.lane(p.task).is_some() {
                busy = true;
                break;
            }
            pi += 1;
        }
        match woke {
            Some(w) => cause = Some(Some(w)),
            None if !busy => cause = None,
            None => {}
        }
        out.push((busy || woke.is_some()).then(|| cause.unwrap_or(None)));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use asyncscope_trace::Recorder;

    #[test]
    fn a_timer_firing_for_many_tasks_is_one_block_with_its_polls() {
        let mut rec = Recorder::default();
        let here = Location::caller();
        let tasks: Vec<TaskId> = (0..5)
            .map(|i| rec.spawn(&format!("t-{i}"), None, here, 0.0))
            .collect();
        for (i, &t) in tasks.iter().enumerate() {
            let at = 0.1 + i as f64 * 0.1;
            rec.waker_cloned(t);
            rec.poll(t, at, at + 0.05, false);
        }
        for (i, &t) in tasks.iter().enumerate() {
            rec.woken(t, WakeSource::Timer, 100.0 + i as f64 * 0.01);
        }
        for (i, &t) in tasks.iter().enumerate() {
            let at = 100.2 + i as f64 * 0.1;
            rec.poll(t, at, at + 0.05, true);
        }
        let model = Model::build(&rec, 200.0);
        let blocks = loop_blocks(&model, 0.0, 200.0, 0.001);
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        assert_eq!(
            blocks[0].cause,
            Cause::Polls,
            "the first polls came with no wake"
        );
        assert_eq!(blocks[0].polls, 5);
        assert_eq!(blocks[1].cause, Cause::Wake(WakeSource::Timer));
        assert_eq!((blocks[1].wakes, blocks[1].polls), (5, 5));
        assert!((blocks[1].start - 100.0).abs() < 1e-9);
        assert!(
            (blocks[1].end - 100.65).abs() < 1e-9,
            "to the end of the last poll"
        );
        assert_eq!(
            loop_blocks(&model, 50.0, 200.0, 0.001).len(),
            1,
            "the window filters"
        );
        assert_eq!(
            loop_blocks(&model, 0.0, 200.0, 200.0).len(),
            1,
            "blocks closer than a pixel are drawn as one"
        );
    }
}
