//! Resources over time: semaphore holders and channel depth as step charts (SVG), fetches with
//! their status, and timers' requested against actual wake.

use yew::prelude::*;

use super::snapshot::{SnapshotRef, TabData};
use super::timeline::format_ms;
use asyncscope_trace::{describe, EventKind, Recorder, ResourceDetail, ResourceEvent, ResourceId};

/// Points drawn per chart; denser series are thinned.
const MAX_POINTS: usize = 600;
/// Sleeps listed (the newest).
const MAX_SLEEPS: usize = 50;

/// `(t, value)` steps of a semaphore's holders or a channel's depth.
pub fn series(rec: &Recorder, id: ResourceId) -> Vec<(f64, u32)> {
    let mut points = vec![];
    for e in rec.events().iter() {
        let EventKind::Resource { resource, what } = &e.kind else {
            continue;
        };
        if *resource != id {
            continue;
        }
        let v = match what {
            ResourceEvent::Created { .. } => 0,
            ResourceEvent::Acquired { holders, .. } | ResourceEvent::Released { holders } => {
                *holders
            }
            ResourceEvent::Sent { depth } | ResourceEvent::Received { depth } => *depth,
            _ => continue,
        };
        points.push((e.t_ms, v));
    }
    if points.len() > MAX_POINTS {
        let step = points.len().div_ceil(MAX_POINTS);
        let last = points.last().copied();
        points = points.into_iter().step_by(step).collect();
        points.extend(last);
    }
    points
}

fn step_chart(points: &[(f64, u32)], cap: u32, start: f64, end: f64) -> Html {
    let (w, h) = (360.0, 48.0);
    let span = (end - start).max(1.0);
    let top = f64::from(
        cap.max(points.iter().map(|p| p.1).max().unwrap_or(0))
            .max(1),
    );
    let x = |t: f64| (t - start) / span * w;
    let y = |v: u32| h - f64::from(v) / top * (h - 4.0) - 2.0;
    let mut d = String::new();
    let mut last_y = y(0);
    d.push_str(&format!("M0,{last_y:.1}"));
    for &(t, v) in points {
        let (px, py) = (x(t), y(v));
        d.push_str(&format!(" L{px:.1},{last_y:.1} L{px:.1},{py:.1}"));
        last_y = py;
    }
    d.push_str(&format!(" L{w},{last_y:.1}"));
    let cap_y = y(cap);
    html! {
        <svg class="chart" viewBox={format!("0 0 {w} {h}")} preserveAspectRatio="none" role="img"
             aria-label={format!("peak {} of {cap}", points.iter().map(|p| p.1).max().unwrap_or(0))}>
            <line x1="0" x2={w.to_string()} y1={format!("{cap_y:.1}")} y2={format!("{cap_y:.1}")} class="cap" />
            <path d={d} class="series" />
        </svg>
    }
}

/// A resource as the resources tab shows it.
pub struct ResourceRow {
    id: ResourceId,
    /// Its name and id.
    label: String,
    kind: &'static str,
    /// Its state now, in words.
    state: String,
    /// A semaphore's holders or a channel's depth over time, and its permits or capacity.
    chart: Option<(Vec<(f64, u32)>, u32)>,
    location: String,
}

/// What the resources tab shows, read from a recording (see `Snapshot`).
pub struct ResourcesData {
    /// When the kept events start and end: the charts' time axis.
    start: f64,
    end: f64,
    rows: Vec<ResourceRow>,
    /// The newest sleeps, at most [`MAX_SLEEPS`]: when each ended, what it asked, what it got.
    sleeps: Vec<(f64, f64, f64)>,
    /// How late all the sleeps were.
    summary: String,
}

impl ResourcesData {
    pub fn read(rec: &Recorder) -> ResourcesData {
        let start = rec.events().iter().next().map_or(0.0, |e| e.t_ms);
        let end = rec.events().iter().last().map_or(start, |e| e.t_ms);
        let rows = rec
            .resources()
            .map(|r| {
                let chart = match &r.detail {
                    ResourceDetail::Semaphore { permits, .. } => {
                        Some((series(rec, r.id), *permits))
                    }
                    ResourceDetail::Channel { capacity, .. } => {
                        Some((series(rec, r.id), *capacity))
                    }
                    ResourceDetail::Fetch { .. } | ResourceDetail::Request { .. } => None,
                };
                ResourceRow {
                    id: r.id,
                    label: format!("{} {}", r.name(), r.id),
                    kind: r.detail.kind().as_str(),
                    state: describe(&r.detail),
                    chart,
                    location: r.location().to_string(),
                }
            })
            .collect();
        let mut sleeps: Vec<(f64, f64, f64)> = rec
            .events()
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::SleepDone {
                    requested_ms,
                    actual_ms,
                } => Some((e.t_ms, requested_ms, actual_ms)),
                _ => None,
            })
            .collect();
        let total_sleeps = sleeps.len();
        let mut late: Vec<f64> = sleeps.iter().map(|s| s.2 - s.1).collect();
        late.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            late.get(((late.len() as f64 - 1.0) * p).round() as usize)
                .copied()
        };
        let summary = match (pct(0.5), pct(0.99), late.last()) {
            (Some(p50), Some(p99), Some(max)) => format!(
                "{total_sleeps} sleeps: late by {} (median), {} (p99), {} (max)",
                format_ms(p50),
                format_ms(p99),
                format_ms(*max)
            ),
            _ => String::new(),
        };
        let skip = sleeps.len().saturating_sub(MAX_SLEEPS);
        sleeps.drain(..skip);
        ResourcesData {
            start,
            end,
            rows,
            sleeps,
            summary,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ResourcesProps {
    /// The panel's snapshot, read for the resources tab.
    pub snapshot: SnapshotRef,
}

#[component]
pub fn Resources(props: &ResourcesProps) -> Html {
    let TabData::Resources(data) = &props.snapshot.tab else {
        return html! {};
    };
    let (start, end) = (data.start, data.end);
    let no_resources = data.rows.is_empty();
    html! {
        <div class="resources-panel">
            if !no_resources {
                <table class="tasks resources" data-testid="resource-table">
                    <thead><tr>
                        <th scope="col">{ "resource" }</th>
                        <th scope="col">{ "kind" }</th>
                        <th scope="col">{ "state" }</th>
                        <th scope="col">{ "over time" }</th>
                        <th scope="col">{ "location" }</th>
                    </tr></thead>
                    <tbody>
                        { for data.rows.iter().map(|r| html! {
                            <tr data-resource-id={r.id.get().to_string()} data-resource-kind={r.kind}>
                                <td>{ &r.label }</td>
                                <td>{ r.kind }</td>
                                <td>{ &r.state }</td>
                                <td class="chart-cell">
                                    if let Some((points, cap)) = &r.chart {
                                        { step_chart(points, *cap, start, end) }
                                    }
                                </td>
                                <td class="location">{ &r.location }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            if !data.sleeps.is_empty() {
                <section class="timers" data-testid="timers" aria-label="Timers">
                    <p>{ &data.summary }</p>
                    <table class="tasks">
                        <thead><tr>
                            <th scope="col" class="num">{ "at" }</th>
                            <th scope="col" class="num">{ "requested" }</th>
                            <th scope="col" class="num">{ "actual" }</th>
                            <th scope="col" class="num">{ "late by" }</th>
                        </tr></thead>
                        <tbody>
                            { for data.sleeps.iter().map(|(t, req, act)| html! {
                                <tr>
                                    <td class="num">{ format_ms(t - start) }</td>
                                    <td class="num">{ format_ms(*req) }</td>
                                    <td class="num">{ format_ms(*act) }</td>
                                    <td class="num">{ format_ms(act - req) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </section>
            }
            if no_resources && data.sleeps.is_empty() {
                <p class="muted">{ "No resources in this run: no semaphore, channel, fetch or timer was traced." }</p>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;

    #[test]
    fn a_semaphore_series_steps_with_its_holders() {
        let mut rec = Recorder::default();
        let sem = rec.resource_created(
            "s",
            ResourceDetail::Semaphore {
                permits: 2,
                holders: 0,
                waiters: 0,
                max_holders: 0,
            },
            Location::caller(),
            None,
            0.0,
        );
        rec.resource(
            sem,
            None,
            ResourceEvent::Acquired {
                holders: 1,
                waiters: 0,
            },
            1.0,
        );
        rec.resource(
            sem,
            None,
            ResourceEvent::Acquired {
                holders: 2,
                waiters: 0,
            },
            2.0,
        );
        rec.resource(sem, None, ResourceEvent::Waiting { waiters: 1 }, 2.5);
        rec.resource(sem, None, ResourceEvent::Released { holders: 1 }, 3.0);
        assert_eq!(
            series(&rec, sem),
            vec![(0.0, 0), (1.0, 1), (2.0, 2), (3.0, 1)]
        );
    }
}
