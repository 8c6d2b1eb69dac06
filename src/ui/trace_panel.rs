//! The trace of the run: a row per task with tokio-console's columns, the resources, the
//! warnings, and the run's events in order. Redrawn when the tracer says the recording changed,
//! which it says at most once per animation frame.

use yew::prelude::*;

use crate::trace::{
    describe, now_ms, subscribe, with_recorder, Event, ResourceStats, TaskId, TaskStats, Warning,
};

/// Events listed under the table; the full recording stays in the tracer (and the export).
const EVENTS_SHOWN: usize = 500;

#[derive(Properties, PartialEq)]
pub struct TracePanelProps {
    /// Changes with each run, so the panel redraws when a new one starts.
    pub generation: u64,
}

struct Snapshot {
    now: f64,
    tasks: Vec<TaskStats>,
    resources: Vec<ResourceStats>,
    warnings: Vec<Warning>,
    warnings_dropped: u64,
    events: Vec<Event>,
    events_kept: usize,
    events_dropped: u64,
}

fn snapshot() -> Snapshot {
    with_recorder(|r| Snapshot {
        now: now_ms(),
        tasks: r.tasks().cloned().collect(),
        resources: r.resources().cloned().collect(),
        warnings: r.warnings().iter().cloned().collect(),
        warnings_dropped: r.warnings().dropped(),
        events: r.events().iter().take(EVENTS_SHOWN).cloned().collect(),
        events_kept: r.events().len(),
        events_dropped: r.events().dropped(),
    })
}

#[component]
pub fn TracePanel(props: &TracePanelProps) -> Html {
    let redraw = use_force_update();
    use_effect_with((), move |_| {
        let subscription = subscribe(move || redraw.force_update());
        move || drop(subscription)
    });
    let _ = props.generation;
    let s = snapshot();
    let origin = s.events.first().map_or(s.now, |e| e.t_ms);
    let name_of = |id: Option<TaskId>| match id {
        None => "event loop".to_string(),
        Some(id) => s
            .tasks
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.to_string(), |t| format!("{} {}", t.name, t.id)),
    };

    html! {
        <section class="trace" aria-label="Trace">
            <h3>{ "Trace" }</h3>
            <table class="tasks" data-testid="task-table">
                <thead>
                    <tr>
                        <th scope="col">{ "id" }</th>
                        <th scope="col">{ "name" }</th>
                        <th scope="col">{ "parent" }</th>
                        <th scope="col">{ "state" }</th>
                        <th scope="col" class="num">{ "total" }</th>
                        <th scope="col" class="num">{ "busy" }</th>
                        <th scope="col" class="num">{ "idle" }</th>
                        <th scope="col" class="num">{ "scheduled" }</th>
                        <th scope="col" class="num">{ "polls" }</th>
                        <th scope="col" class="num">{ "wakes" }</th>
                        <th scope="col">{ "location" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for s.tasks.iter().map(|t| html! {
                        <tr data-task-id={t.id.0.to_string()} data-task-state={t.state.as_str()}>
                            <td>{ t.id.to_string() }</td>
                            <td>{ t.name.to_string() }</td>
                            <td>{ t.parent.map(|p| p.to_string()).unwrap_or_default() }</td>
                            <td class={classes!("state", t.state.as_str())}>
                                { t.state.as_str() }
                                if let Some(reason) = t.cancel_reason { { format!(" ({reason})") } }
                            </td>
                            <td class="num">{ ms(t.total_ms(s.now)) }</td>
                            <td class="num">{ ms(t.busy_ms_at(s.now)) }</td>
                            <td class="num">{ ms(t.idle_ms_at(s.now)) }</td>
                            <td class="num">{ ms(t.scheduled_ms_at(s.now)) }</td>
                            <td class="num">{ t.polls }</td>
                            <td class="num">{ if t.self_wakes > 0 { format!("{} ({} self)", t.wakes, t.self_wakes) } else { t.wakes.to_string() } }</td>
                            <td class="location">{ t.location.to_string() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>

            if !s.resources.is_empty() {
                <table class="tasks resources" data-testid="resource-table">
                    <thead><tr>
                        <th scope="col">{ "resource" }</th>
                        <th scope="col">{ "kind" }</th>
                        <th scope="col">{ "state" }</th>
                        <th scope="col">{ "location" }</th>
                    </tr></thead>
                    <tbody>
                        { for s.resources.iter().map(|r| html! {
                            <tr data-resource-id={r.id.0.to_string()} data-resource-kind={r.detail.kind().as_str()}>
                                <td>{ format!("{} {}", r.name, r.id) }</td>
                                <td>{ r.detail.kind().as_str() }</td>
                                <td>{ describe(&r.detail) }</td>
                                <td class="location">{ r.location.to_string() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }

            if !s.warnings.is_empty() {
                <ul class="warnings" data-testid="warnings">
                    { for s.warnings.iter().map(|w| html! {
                        <li data-warning={w.kind.code()} data-task-id={w.task.0.to_string()} data-event={w.event.to_string()}>
                            <span class="t">{ format!("{:>9.3} ms", w.t_ms - origin) }</span>
                            { w.to_string() }
                        </li>
                    }) }
                </ul>
                if s.warnings_dropped > 0 {
                    <p class="dropped">{ format!("{} older warnings were dropped", s.warnings_dropped) }</p>
                }
            }

            <ol class="events" data-testid="events">
                { for s.events.iter().map(|e| html! {
                    <li data-t-ms={format!("{:.3}", e.t_ms - origin)} data-seq={e.seq.to_string()}>
                        <span class="t">{ format!("{:>9.3} ms", e.t_ms - origin) }</span>
                        <span class="task">{ name_of(e.task) }</span>
                        <span class="what">{ e.kind.to_string() }</span>
                    </li>
                }) }
            </ol>
            if s.events_kept > s.events.len() || s.events_dropped > 0 {
                <p class="dropped">
                    { format!("showing the first {} of {} events kept", s.events.len(), s.events_kept) }
                    if s.events_dropped > 0 { { format!("; {} older events were dropped (the cap keeps memory bounded)", s.events_dropped) } }
                </p>
            }
        </section>
    }
}

fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else {
        format!("{v:.1} ms")
    }
}
