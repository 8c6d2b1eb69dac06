//! Event-loop lanes for the time window on screen: the macrotasks (a timer firing, a fetch
//! settling, a JS callback) and the microtask checkpoints that polled tasks after each.

use yew::prelude::*;

use super::snapshot::{SnapshotRef, TabData};
use super::timeline::format_ms;
use asyncscope_trace::{EventKind, Recorder, TaskId, WakeSource};

/// Turns listed; the window can hold many more.
const MAX_TURNS: usize = 200;
/// Polls closer than this belong to one microtask checkpoint.
const SAME_CHECKPOINT_MS: f64 = 0.5;

/// One turn of the event loop: what started it, then the polls of the checkpoint after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub at: f64,
    /// "timer", "fetch", "JS callback", or "microtasks" when polls ran with no macrotask seen.
    pub cause: String,
    pub polls: Vec<(TaskId, f64, f64)>,
}

/// The turns in `[from, to]`, at most `max`.
pub fn turns(rec: &Recorder, from: f64, to: f64, max: usize) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut last_poll_end = f64::NEG_INFINITY;
    for e in rec.events().iter() {
        if e.t_ms < from {
            continue;
        }
        if e.t_ms > to || turns.len() > max {
            break;
        }
        match (&e.kind, e.task) {
            (EventKind::Woken { by, .. }, _)
                if matches!(
                    by,
                    WakeSource::Timer | WakeSource::Fetch(_) | WakeSource::External
                ) =>
            {
                let cause = match by {
                    WakeSource::Timer => "timer fired",
                    WakeSource::Fetch(_) => "fetch settled",
                    _ => "JS callback",
                };
                // Several wakes from one callback are one macrotask.
                let same = turns.last().is_some_and(|t| {
                    t.cause == cause && t.polls.is_empty() && e.t_ms - t.at < SAME_CHECKPOINT_MS
                });
                if !same {
                    turns.push(Turn {
                        at: e.t_ms,
                        cause: cause.to_string(),
                        polls: Vec::new(),
                    });
                }
            }
            (EventKind::Polled { start_ms, .. }, Some(task)) => {
                let start = *start_ms;
                let continues = turns.last().is_some_and(|t| {
                    t.polls.is_empty() || start - last_poll_end < SAME_CHECKPOINT_MS
                });
                if !continues {
                    turns.push(Turn {
                        at: start,
                        cause: "microtasks".to_string(),
                        polls: Vec::new(),
                    });
                }
                if let Some(turn) = turns.last_mut() {
                    turn.polls.push((task, start, e.t_ms - start));
                }
                last_poll_end = e.t_ms;
            }
            _ => {}
        }
    }
    turns.truncate(max);
    turns
}

/// What the event-loop tab shows, read from a recording (see `Snapshot`).
pub struct LoopData {
    /// The time window listed (the timeline's on screen).
    window: (f64, f64),
    /// When the kept events start: times are shown from it.
    origin: f64,
    turns: Vec<Turn>,
    /// The tasks' names, by id, for the polls listed.
    names: Vec<(TaskId, String)>,
}

impl LoopData {
    pub fn read(rec: &Recorder, window: (f64, f64)) -> LoopData {
        let turns = turns(rec, window.0, window.1, MAX_TURNS);
        // Only the tasks the listed turns polled are named (sorted, to be found by id).
        let mut polled: Vec<TaskId> = turns
            .iter()
            .flat_map(|t| t.polls.iter().map(|p| p.0))
            .collect();
        polled.sort_unstable();
        polled.dedup();
        let names = polled
            .into_iter()
            .map(|id| {
                let name = rec
                    .task(id)
                    .map_or_else(|| id.to_string(), |t| format!("{} {}", t.name(), t.id));
                (id, name)
            })
            .collect();
        LoopData {
            window,
            origin: rec.events().iter().next().map_or(0.0, |e| e.t_ms),
            turns,
            names,
        }
    }

    fn name(&self, id: TaskId) -> String {
        self.names
            .binary_search_by_key(&id, |(t, _)| *t)
            .map_or_else(|_| id.to_string(), |i| self.names[i].1.clone())
    }
}

#[derive(Properties, PartialEq)]
pub struct LoopLanesProps {
    /// The panel's snapshot, read for the event-loop tab.
    pub snapshot: SnapshotRef,
}

#[component]
pub fn LoopLanes(props: &LoopLanesProps) -> Html {
    let TabData::Loop(data) = &props.snapshot.tab else {
        return html! {};
    };
    let ((from, to), origin, list) = (data.window, data.origin, &data.turns);
    html! {
        <section class="loop-lanes" data-testid="loop-lanes" aria-label="Event loop">
            <p class="muted">{ format!("From {} to {} (the timeline's window): each macrotask, then the microtask checkpoint that polled tasks.", format_ms(from - origin), format_ms(to - origin)) }</p>
            <ol class="turns" tabindex="0" aria-label="Turns of the event loop">
                { for list.iter().map(|turn| html! {
                    <li class="turn">
                        <span class="t">{ format!("{:>10}", format_ms(turn.at - origin)) }</span>
                        <span class={classes!("macrotask", (turn.cause == "microtasks").then_some("micro"))}>{ &turn.cause }</span>
                        <span class="checkpoint">
                            { for turn.polls.iter().map(|(task, _, dur)| html! {
                                <span class="poll-chip" title={format!("poll took {}", format_ms(*dur))}>{ format!("{} {}", data.name(*task), format_ms(*dur)) }</span>
                            }) }
                        </span>
                    </li>
                }) }
            </ol>
            if list.len() >= MAX_TURNS {
                <p class="muted">{ format!("showing the first {MAX_TURNS} turns: zoom the timeline in for fewer") }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;

    #[test]
    fn a_timer_turn_is_followed_by_the_polls_it_caused() {
        let mut rec = Recorder::default();
        let here = Location::caller();
        let a = rec.spawn("a", None, here, 0.0);
        let b = rec.spawn("b", None, here, 0.0);
        rec.waker_cloned(a);
        rec.poll(a, 0.1, 0.2, false);
        rec.waker_cloned(b);
        rec.poll(b, 0.25, 0.3, false);
        rec.woken(a, WakeSource::Timer, 100.0);
        rec.woken(b, WakeSource::Timer, 100.01);
        rec.poll(a, 100.1, 100.2, true);
        rec.poll(b, 100.25, 100.3, true);
        let list = turns(&rec, 0.0, 1000.0, 10);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].cause, "microtasks");
        assert_eq!(list[0].polls.len(), 2);
        assert_eq!(list[1].cause, "timer fired");
        assert_eq!(
            list[1].polls.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![a, b]
        );
        assert!(
            turns(&rec, 50.0, 1000.0, 10).len() == 1,
            "the window filters"
        );
    }
}
