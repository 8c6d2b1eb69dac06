//! Resources over time: semaphore holders and channel depth as step charts (SVG), fetches with
//! their status, and timers' requested against actual wake.

use yew::prelude::*;

use super::source::Source;
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

#[derive(Properties, PartialEq)]
pub struct ResourcesProps {
    pub source: Source,
    pub version: u64,
}

#[component]
pub fn Resources(props: &ResourcesProps) -> Html {
    let body = props.source.read(|rec| {
        let start = rec.events().iter().next().map_or(0.0, |e| e.t_ms);
        let end = rec.events().iter().last().map_or(start, |e| e.t_ms);
        let rows: Vec<Html> = rec
            .resources()
            .map(|r| {
                let kind = r.detail.kind();
                let chart = match &r.detail {
                    ResourceDetail::Semaphore { permits, .. } => {
                        step_chart(&series(rec, r.id), *permits, start, end)
                    }
                    ResourceDetail::Channel { capacity, .. } => {
                        step_chart(&series(rec, r.id), *capacity, start, end)
                    }
                    ResourceDetail::Fetch { .. } | ResourceDetail::Request { .. } => html! {},
                };
                html! {
                    <tr data-resource-id={r.id.get().to_string()} data-resource-kind={kind.as_str()}>
                        <td>{ format!("{} {}", r.name(), r.id) }</td>
                        <td>{ kind.as_str() }</td>
                        <td>{ describe(&r.detail) }</td>
                        <td class="chart-cell">{ chart }</td>
                        <td class="location">{ r.location().to_string() }</td>
                    </tr>
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
        let no_resources = rows.is_empty();
        let mut late: Vec<f64> = sleeps.iter().map(|s| s.2 - s.1).collect();
        late.sort_by(f64::total_cmp);
        let pct = |p: f64| late.get(((late.len() as f64 - 1.0) * p).round() as usize).copied();
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
        html! {
            <>
                if !no_resources {
                    <table class="tasks resources" data-testid="resource-table">
                        <thead><tr>
                            <th scope="col">{ "resource" }</th>
                            <th scope="col">{ "kind" }</th>
                            <th scope="col">{ "state" }</th>
                            <th scope="col">{ "over time" }</th>
                            <th scope="col">{ "location" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                }
                if !sleeps.is_empty() {
                    <section class="timers" data-testid="timers" aria-label="Timers">
                        <p>{ summary }</p>
                        <table class="tasks">
                            <thead><tr>
                                <th scope="col" class="num">{ "at" }</th>
                                <th scope="col" class="num">{ "requested" }</th>
                                <th scope="col" class="num">{ "actual" }</th>
                                <th scope="col" class="num">{ "late by" }</th>
                            </tr></thead>
                            <tbody>
                                { for sleeps.iter().map(|(t, req, act)| html! {
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
                if no_resources && sleeps.is_empty() {
                    <p class="muted">{ "No resources in this run: no semaphore, channel, fetch or timer was traced." }</p>
                }
            </>
        }
    });
    html! { <div class="resources-panel">{ body }</div> }
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
