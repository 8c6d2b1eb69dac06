//! The trace of the run: a row per task with tokio-console's columns, and the events of the
//! run in order (spawned, each poll, what woke it, ready). Redrawn at most once per frame.

use yew::prelude::*;

use super::frames::use_animation_frames;
use crate::trace::{now_ms, with_recorder, Event, TaskStats};

/// Events listed under the table; the full recording stays in the tracer.
const EVENTS_SHOWN: usize = 500;

#[derive(Properties, PartialEq)]
pub struct TracePanelProps {
    pub running: bool,
    /// Changes with each run, so the panel redraws when a new one starts.
    pub generation: u64,
}

#[component]
pub fn TracePanel(props: &TracePanelProps) -> Html {
    use_animation_frames(props.running);
    let now = now_ms();
    let (tasks, events, total, dropped) = with_recorder(|r| {
        let tasks: Vec<TaskStats> = r.tasks().cloned().collect();
        let events: Vec<Event> = r.events().iter().take(EVENTS_SHOWN).cloned().collect();
        (tasks, events, r.events().len(), r.events().dropped())
    });
    let origin = events.first().map_or(now, |e| e.t_ms);
    let name_of = |id| {
        tasks
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.to_string(), |t| format!("{} {}", t.name, t.id))
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
                    { for tasks.iter().map(|t| html! {
                        <tr data-task-id={t.id.0.to_string()} data-task-state={t.state.as_str()}>
                            <td>{ t.id.to_string() }</td>
                            <td>{ t.name.to_string() }</td>
                            <td>{ t.parent.map(|p| p.to_string()).unwrap_or_default() }</td>
                            <td class={classes!("state", t.state.as_str())}>{ t.state.as_str() }</td>
                            <td class="num">{ ms(t.total_ms(now)) }</td>
                            <td class="num">{ ms(t.busy_ms_at(now)) }</td>
                            <td class="num">{ ms(t.idle_ms_at(now)) }</td>
                            <td class="num">{ ms(t.scheduled_ms_at(now)) }</td>
                            <td class="num">{ t.polls }</td>
                            <td class="num">{ t.wakes }</td>
                            <td class="location">{ t.location.to_string() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <ol class="events" data-testid="events">
                { for events.iter().map(|e| html! {
                    <li data-t-ms={format!("{:.3}", e.t_ms - origin)}>
                        <span class="t">{ format!("{:>9.3} ms", e.t_ms - origin) }</span>
                        <span class="task">{ name_of(e.task) }</span>
                        <span class="what">{ e.kind.to_string() }</span>
                    </li>
                }) }
            </ol>
            if total > EVENTS_SHOWN || dropped > 0 {
                <p class="dropped">
                    { format!("showing the first {} of {total} events kept", events.len()) }
                    if dropped > 0 { { format!("; {dropped} older events were dropped (the cap keeps memory bounded)") } }
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
