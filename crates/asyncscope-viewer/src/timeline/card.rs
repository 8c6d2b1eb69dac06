//! What lies under the pointer, in words: the hover card of a poll (its start, its length,
//! what woke it and in whose poll, how long it then waited to run), a wait (for what, how long),
//! a sleep (due, fired, how late), a marker, a group at that moment, a turn of the event loop,
//! a track's value. Names rather than bare ids throughout.

use super::draw::{
    format_ms, track_names, track_steps, Geometry, Scene, View, AXIS_H, LABEL_W, TRACK_H,
};
use super::layout::{GroupKey, Row};
use super::model::{Await, Lane, MarkerKind, Model, PollCause, Stretch};
use super::turns::{loop_blocks, Cause};
use asyncscope_trace::{TaskId, WakeSource};

/// What is under the pointer: a hover card's lines, and what a click there does.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub text: String,
    pub task: Option<TaskId>,
    /// A group's row: a click on its label opens or closes it.
    pub group: Option<GroupKey>,
}

/// What lies under (x, y): a poll, a stretch, a sleep, a marker, a block, a track's value, a
/// row.
pub fn hit(geo: &Geometry, scene: &Scene<'_>, view: &View, x: f64, y: f64) -> Option<Hit> {
    let model = scene.model;
    let origin = scene.origin;
    let at = |t: f64| format_ms(t - origin);
    let t = view.t(x);
    let slack = view.ms_per_px * 4.0;
    if y < AXIS_H {
        return None;
    }
    if y < geo.lanes_top {
        if x < LABEL_W {
            return Some(plain(
                "The event loop: each block is a turn (a timer firing, a fetch settling, JS) and the polls it ran.",
            ));
        }
        let blocks = loop_blocks(model, t - slack, t + slack, view.ms_per_px);
        let b = blocks
            .iter()
            .min_by(|a, b| dist(a.start, a.end, t).total_cmp(&dist(b.start, b.end, t)))?;
        let what = match b.cause {
            Cause::Wake(WakeSource::Timer) => "a timer fired".to_string(),
            Cause::Wake(by @ WakeSource::Fetch(_)) => format!("{} settled", model.source_label(by)),
            Cause::Wake(by @ WakeSource::Request(_)) => {
                format!("{} settled", model.source_label(by))
            }
            Cause::Wake(WakeSource::External) => "a JS callback ran".to_string(),
            Cause::Wake(by) => format!("{} from outside the tasks", model.source_label(by)),
            Cause::Polls => "the loop polled tasks (a spawn, a microtask)".to_string(),
        };
        let mut text = format!("{} at {}: {what}", "Event loop", at(b.start));
        if b.wakes > 0 {
            text.push_str(&format!(
                ", waking {} task{}",
                b.wakes,
                if b.wakes == 1 { "" } else { "s" }
            ));
        }
        if let Some(first) = b.first_task {
            text.push_str(&format!(
                " ({}{})",
                model.task_label(first),
                if b.wakes + b.polls > 1 { ", …" } else { "" }
            ));
        }
        text.push_str(&format!(
            "\n{} poll{} in {} ({} busy)",
            b.polls,
            if b.polls == 1 { "" } else { "s" },
            format_ms(b.end - b.start),
            format_ms(b.busy)
        ));
        return Some(plain(&text));
    }
    if y >= geo.lanes_bottom {
        let i = ((y - geo.lanes_bottom) / TRACK_H).floor() as usize;
        let track = scene.layout.tracks.get(i)?;
        let (name, what) = track_names(model, track);
        let steps = track_steps(model, track, t, t);
        let v = steps.last().map_or(0, |s| s.1);
        let what = if what.is_empty() {
            String::new()
        } else {
            format!(" ({what})")
        };
        return Some(plain(&format!("{name}{what}: {v} at {}", at(t))));
    }
    let row = geo.row_at(view, y)?;
    match scene.layout.rows.get(row)? {
        Row::Group {
            key,
            members,
            descendants,
            expanded,
            label,
            ..
        } => {
            let mut text = format!("{label}: {} tasks", members.len());
            if *descendants > 0 {
                text.push_str(&format!(" (and {descendants} under them)"));
            }
            if x >= LABEL_W {
                text.push_str(&format!("\nat {}: {}", at(t), group_at(model, members, t)));
            }
            text.push_str(if *expanded {
                "\nclick its name to fold it"
            } else {
                "\nclick its name to show each task"
            });
            Some(Hit {
                text,
                task: None,
                group: Some(key.clone()),
            })
        }
        Row::Lane { task, .. } => {
            let lane = model.lane(*task)?;
            let label = &lane.label;
            let task = Some(*task);
            if x < LABEL_W {
                let mut text = format!(
                    "{label}: {}\nspawned at {}",
                    lane.state.as_str(),
                    lane.location
                );
                if let Some(p) = lane.parent {
                    text.push_str(&format!(" by {}", model.task_label(p)));
                }
                return Some(Hit {
                    text,
                    task,
                    group: None,
                });
            }
            Some(Hit {
                text: lane_at(model, lane, t, slack, origin),
                task,
                group: None,
            })
        }
    }
}

fn plain(text: &str) -> Hit {
    Hit {
        text: text.to_string(),
        task: None,
        group: None,
    }
}

fn dist(start: f64, end: f64, t: f64) -> f64 {
    if t < start {
        start - t
    } else if t > end {
        t - end
    } else {
        0.0
    }
}

/// What woke a poll, in words with names.
fn woke_text(model: &Model, woke: PollCause, start: f64, origin: f64) -> String {
    match woke {
        PollCause::Wake(w) => {
            let mut s = format!("woken by {}", model.source_label(w.by));
            match (w.by, w.from) {
                (WakeSource::OwnPoll, _) | (WakeSource::Task(_), _) => {}
                (_, Some(from)) => s.push_str(&format!(" in {}'s poll", model.task_label(from))),
                (_, None) => {}
            }
            s.push_str(&format!(
                " at {}, polled {} later",
                format_ms(w.at - origin),
                format_ms(start - w.at)
            ));
            s
        }
        PollCause::Unwoken => {
            "not woken: its first poll after its spawn, or polled by its parent".to_string()
        }
        PollCause::Forgotten => "what woke it is older than the kept events".to_string(),
    }
}

/// The hover card of a lane at time `t`.
fn lane_at(model: &Model, lane: &Lane, t: f64, slack: f64, origin: f64) -> String {
    let first = model.first_seq();
    let label = &lane.label;
    let at = |t: f64| format_ms(t - origin);
    if let Some(m) = lane.markers.iter().find(|m| (m.t - t).abs() <= slack) {
        let what = match &m.kind {
            MarkerKind::Done => "completed".to_string(),
            MarkerKind::Cancelled(reason) => format!("cancelled ({reason})"),
            MarkerKind::Failed(e) => format!("failed: {e}"),
            MarkerKind::AbortRequested(Some(by)) => {
                format!("abort asked by {}", model.task_label(*by))
            }
            MarkerKind::AbortRequested(None) => "abort asked from outside the tasks".to_string(),
            MarkerKind::Log(level, message) => format!("{} {message}", level.as_str()),
        };
        return format!("{label} at {}: {what}", at(m.t));
    }
    if let Some(w) = model
        .warnings
        .iter()
        .find(|w| w.task == lane.task && (w.t_ms - t).abs() <= slack)
    {
        return format!("at {}: {w}", at(w.t_ms));
    }
    if (lane.spawned - t).abs() <= slack {
        let mut s = format!("{label} spawned at {}", at(lane.spawned));
        if let Some(p) = lane.parent {
            s.push_str(&format!(" by {}", model.task_label(p)));
        }
        return s;
    }
    // A poll under the pointer (or within a few pixels of it).
    let near = lane
        .polls_in(t - slack, t + slack)
        .min_by(|a, b| dist(a.start, a.end, t).total_cmp(&dist(b.start, b.end, t)));
    if let Some(p) = near {
        return format!(
            "{label}: poll at {}, took {}{}\n{}",
            at(p.start),
            format_ms(p.end - p.start),
            if p.ready { ", ready" } else { "" },
            woke_text(model, p.cause(first), p.start, origin)
        );
    }
    if let Some(s) = lane
        .sleeps
        .iter()
        .find(|s| t >= s.start && t <= s.fired().unwrap_or(model.now).max(s.due()) + slack)
    {
        let fired = s.fired();
        let mut text = format!(
            "{label}: sleep({}) from {}, due at {}",
            format_ms(s.requested),
            at(s.start),
            at(s.due())
        );
        match fired {
            Some(f) => text.push_str(&format!(
                ", fired at {}: {} late",
                at(f),
                format_ms((f - s.due()).max(0.0))
            )),
            None => text.push_str(", not fired yet"),
        }
        return text;
    }
    let mut found: Option<String> = None;
    model.stretches(lane, t - slack, t + slack, |t0, t1, s| {
        if found.is_some() || t < t0 - slack || t > t1 + slack {
            return;
        }
        found = Some(match s {
            Stretch::Waiting(a, woke) => {
                let mut text = format!(
                    "{label}: waiting for {} from {} ({})",
                    match woke {
                        Some(w) => model.source_label(w.by),
                        None => a.label().to_string(),
                    },
                    at(t0),
                    format_ms(t1 - t0)
                );
                if let Some(w) = woke {
                    if let (Some(from), false) = (
                        w.from,
                        matches!(w.by, WakeSource::Task(_) | WakeSource::OwnPoll),
                    ) {
                        text.push_str(&format!("\nwoken in {}'s poll", model.task_label(from)));
                    }
                }
                text
            }
            Stretch::Scheduled(woke) => format!(
                "{label}: scheduled from {} ({}), {}",
                at(t0),
                format_ms(t1 - t0),
                match woke {
                    Some(w) => format!("woken by {}", model.source_label(w.by)),
                    None => "waiting for its first poll".to_string(),
                }
            ),
        });
    });
    found.unwrap_or_else(|| format!("{label} ({})", lane.state.as_str()))
}

/// What a group's members were doing at `t`: how many polled, were scheduled, waited for what.
pub fn group_at(model: &Model, members: &[TaskId], t: f64) -> String {
    let mut polling = 0;
    let mut scheduled = 0;
    let mut waits: Vec<(Await, u32)> = Vec::new();
    let mut done = 0;
    for &m in members {
        let Some(lane) = model.lane(m) else { continue };
        if lane.ended.is_some_and(|e| e < t) {
            done += 1;
            continue;
        }
        if lane.polls_in(t, t).next().is_some() {
            polling += 1;
            continue;
        }
        let mut what: Option<Stretch> = None;
        model.stretches(lane, t, t, |t0, t1, s| {
            if t >= t0 && t <= t1 && what.is_none() {
                what = Some(s);
            }
        });
        match what {
            Some(Stretch::Scheduled(_)) => scheduled += 1,
            Some(Stretch::Waiting(a, _)) => match waits.iter_mut().find(|w| w.0 == a) {
                Some(w) => w.1 += 1,
                None => waits.push((a, 1)),
            },
            None => {}
        }
    }
    waits.sort_by_key(|w| std::cmp::Reverse(w.1));
    let mut parts = vec![format!("{polling} polling")];
    if scheduled > 0 {
        parts.push(format!("{scheduled} scheduled"));
    }
    for (a, n) in waits {
        parts.push(format!("{n} waiting for {}", a.label()));
    }
    if done > 0 {
        parts.push(format!("{done} finished"));
    }
    parts.join(", ")
}
