//! The task table (`data-testid="task-table"`): tokio-console's columns, sortable; a click on a
//! row opens the task's detail: a histogram of its poll durations and its events.

use yew::prelude::*;

use super::names;
use super::rows::rows_in_page;
use super::snapshot::{SnapshotRef, TabData};
use super::timeline::format_ms;
use asyncscope_trace::{EventKind, Recorder, TaskId, TaskKind, TaskStats};

/// Events listed in a task's detail.
const DETAIL_EVENTS: usize = 300;

/// The height of a row, in CSS pixels (set on each row; cells never wrap).
const ROW_PX: f64 = 28.0;
/// Rows the table's box shows at once (it scrolls for the rest).
const VISIBLE_ROWS: usize = 16;
/// Rows put in the page above and below those in view ([`rows_in_page`]). Only these are in
/// the DOM: with 500 tasks, a table of every row cost the page a layout of 5,000 cells at each
/// refresh.
const OVERSCAN: u64 = 6;

/// [`rows_in_page`] for the table's row indices.
fn table_rows(total: usize, first: usize, visible: usize) -> std::ops::Range<usize> {
    let r = rows_in_page(total as u64, first as u64, visible as u64, OVERSCAN);
    r.start as usize..r.end as usize
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Id,
    Name,
    State,
    Total,
    Busy,
    Idle,
    Scheduled,
    Polls,
    Wakes,
    Location,
}

const COLUMNS: [(Column, &str, bool); 10] = [
    (Column::Id, "id", false),
    (Column::State, "state", false),
    (Column::Name, "name", false),
    (Column::Total, "total", true),
    (Column::Busy, "busy", true),
    (Column::Idle, "idle", true),
    (Column::Scheduled, "scheduled", true),
    (Column::Polls, "polls", true),
    (Column::Wakes, "wakes", true),
    (Column::Location, "location", false),
];

fn compare(a: &TaskStats, b: &TaskStats, column: Column, now: f64) -> std::cmp::Ordering {
    let f = |x: f64, y: f64| x.total_cmp(&y);
    match column {
        Column::Id => a.id.cmp(&b.id),
        Column::Name => a.name().cmp(b.name()),
        Column::State => a.state.as_str().cmp(b.state.as_str()),
        Column::Total => f(a.total_ms(now), b.total_ms(now)),
        Column::Busy => f(a.busy_ms_at(now), b.busy_ms_at(now)),
        Column::Idle => f(a.idle_ms_at(now), b.idle_ms_at(now)),
        Column::Scheduled => f(a.scheduled_ms_at(now), b.scheduled_ms_at(now)),
        Column::Polls => a.polls.cmp(&b.polls),
        Column::Wakes => a.wakes.cmp(&b.wakes),
        Column::Location => a.location().to_string().cmp(&b.location().to_string()),
    }
}

#[derive(Properties, PartialEq)]
pub struct TaskTableProps {
    /// The panel's snapshot, read for the tasks tab (its tasks, the open task's detail, and the
    /// moment their stats run to).
    pub snapshot: SnapshotRef,
    pub selected: Option<TaskId>,
    pub on_select: Callback<TaskId>,
}

#[component]
pub fn TaskTable(props: &TaskTableProps) -> Html {
    let sort = use_state(|| (Column::Id, true));
    let scroll = use_state_eq(|| (0usize, VISIBLE_ROWS));
    let now = props.snapshot.now;
    let TabData::Tasks { tasks, detail } = &props.snapshot.tab else {
        return html! {};
    };
    // Sorted as references: the snapshot's rows are not copied.
    let mut tasks: Vec<&TaskStats> = tasks.iter().collect();
    let (column, ascending) = *sort;
    tasks.sort_by(|a, b| {
        let o = compare(a, b, column, now);
        if ascending {
            o
        } else {
            o.reverse()
        }
    });
    let header = |(col, label, numeric): (Column, &'static str, bool)| {
        let sort = sort.clone();
        let active = column == col;
        let aria = match (active, ascending) {
            (false, _) => "none",
            (true, true) => "ascending",
            (true, false) => "descending",
        };
        let onclick = Callback::from(move |_: MouseEvent| {
            let (c, asc) = *sort;
            sort.set((col, if c == col { !asc } else { !numeric }));
        });
        html! {
            <th scope="col" class={classes!(numeric.then_some("num"))} aria-sort={aria}>
                <button type="button" class="sort" {onclick}>
                    { label }{ if active { if ascending { " ▲" } else { " ▼" } } else { "" } }
                </button>
            </th>
        }
    };
    let onscroll = {
        let scroll = scroll.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::Element = e.target_unchecked_into();
            let first = (f64::from(el.scroll_top()) / ROW_PX).floor().max(0.0) as usize;
            let visible = ((f64::from(el.client_height()) / ROW_PX).ceil() as usize).max(1);
            scroll.set((first, visible));
        })
    };
    let total = tasks.len();
    let shown = table_rows(total, scroll.0, scroll.1);
    let (above, below) = (
        shown.start as f64 * ROW_PX,
        (total - shown.end) as f64 * ROW_PX,
    );
    let row_style = format!("height: {ROW_PX}px");
    html! {
        <div class="table-wrap">
          <div class="table-scroll" {onscroll} tabindex="0" role="region" aria-label="Tasks"
               style={format!("max-height: {}px", (VISIBLE_ROWS as f64 + 1.5) * ROW_PX)}>
            <table class="tasks" data-testid="task-table" data-rows={total.to_string()}
                   aria-rowcount={(total + 1).to_string()}>
                <thead><tr>{ for COLUMNS.into_iter().map(header) }</tr></thead>
                <tbody>
                    if above > 0.0 {
                        <tr class="spacer" aria-hidden="true" style={format!("height: {above}px")}></tr>
                    }
                    { for tasks[shown.clone()].iter().enumerate().map(|(i, t)| {
                        let on_select = props.on_select.clone();
                        let id = t.id;
                        let selected = props.selected == Some(t.id);
                        let onclick = Callback::from(move |_: MouseEvent| on_select.emit(id));
                        let onkeydown = {
                            let on_select = props.on_select.clone();
                            Callback::from(move |e: KeyboardEvent| {
                                if e.key() == "Enter" || e.key() == " " {
                                    e.prevent_default();
                                    on_select.emit(id);
                                }
                            })
                        };
                        html! {
                            <tr data-task-id={t.id.get().to_string()} data-task-state={t.state.as_str()} data-task-kind={t.meta.kind.as_str()}
                                class={classes!(selected.then_some("selected"))} style={row_style.clone()}
                                aria-rowindex={(shown.start + i + 2).to_string()}
                                tabindex="0" aria-selected={selected.to_string()} {onclick} {onkeydown}>
                                <td>{ t.id.to_string() }</td>
                                <td class={classes!("state", t.state.as_str())}>
                                    { t.state.as_str() }
                                    if let Some(reason) = t.cancel_reason() { { format!(" ({reason})") } }
                                </td>
                                <td>{ t.name().to_string() }</td>
                                <td class="num">{ format_ms(t.total_ms(now)) }</td>
                                <td class="num">{ format_ms(t.busy_ms_at(now)) }</td>
                                <td class="num">{ format_ms(t.idle_ms_at(now)) }</td>
                                <td class="num">{ format_ms(t.scheduled_ms_at(now)) }</td>
                                <td class="num">{ t.polls }</td>
                                <td class="num">{ if t.self_wakes > 0 { format!("{} ({} self)", t.wakes, t.self_wakes) } else { t.wakes.to_string() } }</td>
                                <td class="location">{ t.location().to_string() }</td>
                            </tr>
                        }
                    }) }
                    if below > 0.0 {
                        <tr class="spacer" aria-hidden="true" style={format!("height: {below}px")}></tr>
                    }
                </tbody>
            </table>
          </div>
            if let Some(detail) = detail.as_ref().filter(|d| props.selected == Some(d.id)) {
                { task_detail(detail) }
            }
        </div>
    }
}

/// Poll-duration buckets for the histogram, in ms (upper bounds; the last is open).
const BUCKETS: [(f64, &str); 7] = [
    (0.01, "< 10 µs"),
    (0.1, "< 100 µs"),
    (1.0, "< 1 ms"),
    (10.0, "< 10 ms"),
    (50.0, "< 50 ms"),
    (200.0, "< 200 ms"),
    (f64::INFINITY, "≥ 200 ms"),
];

/// How many of `durations` fall in each bucket.
pub fn histogram(durations: &[f64]) -> [u64; 7] {
    let mut counts = [0u64; 7];
    for d in durations {
        let i = BUCKETS
            .iter()
            .position(|(max, _)| d < max)
            .unwrap_or(BUCKETS.len() - 1);
        counts[i] += 1;
    }
    counts
}

/// What a task's detail shows, read from a recording (see `Snapshot`).
pub struct DetailData {
    pub id: TaskId,
    /// The task, if the recording still holds it.
    task: Option<TaskStats>,
    /// Its polls' durations, in ms.
    durations: Vec<f64>,
    /// Its first [`DETAIL_EVENTS`] events: when, and what in words.
    events: Vec<(f64, String)>,
    /// Its parent, named.
    parent: Option<String>,
}

impl DetailData {
    pub fn read(r: &Recorder, id: TaskId) -> DetailData {
        let mut durations = Vec::new();
        let mut events = Vec::new();
        for e in r.events().iter().filter(|e| e.task == Some(id)) {
            if let EventKind::Polled { start_ms, .. } = e.kind {
                durations.push(e.t_ms - start_ms);
            }
            if events.len() < DETAIL_EVENTS {
                events.push((e.t_ms, names::event(r, &e)));
            }
        }
        let parent = r.task(id).and_then(|t| t.parent).map(|p| names::task(r, p));
        DetailData {
            id,
            task: r.task(id).cloned(),
            durations,
            events,
            parent,
        }
    }
}

/// The open task's detail: its poll durations as a histogram, and its events.
fn task_detail(detail: &DetailData) -> Html {
    let DetailData {
        id,
        task,
        durations,
        events,
        parent,
    } = detail;
    let id = *id;
    let Some(task) = task else {
        return html! { <p class="detail-gone">{ format!("task {id} is no longer in the recording") }</p> };
    };
    let counts = histogram(durations);
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let origin = task.spawned_ms;
    html! {
        <section class="task-detail" data-testid="task-detail" data-task-id={id.get().to_string()}
                 aria-label={format!("Details of task {}", task.name())}>
            <h4>{ format!("{} {} — {}", task.name(), task.id, task.state.as_str()) }</h4>
            <p class="muted">
                { match task.meta.kind {
                    TaskKind::Spawned => format!("spawned at {}", task.location()),
                    TaskKind::Instrumented => format!("instrumented at {}", task.location()),
                    TaskKind::Span => format!("a tracing span, declared at {}", task.location()),
                } }
                if let Some(p) = parent {
                    { if task.meta.kind == TaskKind::Span { format!(", entered in {p}") } else { format!(", by {p}") } }
                }
                if task.wakers_known {
                    { format!("; waker copies made {}, dropped {}", task.waker_clones, task.waker_drops) }
                } else {
                    { "; waker copies: not known in a replayed moment (they are counted live, not recorded)" }
                }
                if task.in_children_ms() > 0.0 {
                    { format!("; {} of its polls' time was in traced futures it polled", format_ms(task.in_children_ms())) }
                }
                { format!("; future of {} bytes", task.meta.size) }
                if let Some(e) = task.error() { { format!("; error: {e}") } }
            </p>
            <figure class="histogram" data-testid="poll-histogram">
                <figcaption>{ format!("Poll durations ({} polls, longest {})", durations.len(), format_ms(durations.iter().copied().fold(0.0, f64::max))) }</figcaption>
                { for BUCKETS.iter().zip(counts).map(|((_, label), n)| html! {
                    <div class="bar-row">
                        <span class="bar-label">{ *label }</span>
                        <span class="bar" style={format!("width: {}%", 100 * n / most)}></span>
                        <span class="bar-count">{ n }</span>
                    </div>
                }) }
            </figure>
            <ol class="events small" tabindex="0" aria-label="The task's events">
                { for events.iter().map(|(t, what)| html! {
                    <li><span class="t">{ format!("{:>10}", format_ms(t - origin)) }</span>{ what }</li>
                }) }
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_rows_in_view_and_a_few_around_are_in_the_page() {
        assert_eq!(table_rows(500, 0, 16), 0..22);
        assert_eq!(table_rows(500, 200, 16), 194..222);
        // Scrolled past the end (the table shrank): the last rows.
        assert_eq!(table_rows(500, 10_000, 16), 478..500);
        assert_eq!(table_rows(3, 0, 16), 0..3);
        assert_eq!(table_rows(0, 5, 16), 0..0);
    }

    #[test]
    fn histogram_puts_each_duration_in_its_bucket() {
        let counts = histogram(&[0.001, 0.05, 0.5, 5.0, 20.0, 60.0, 300.0, 0.0099]);
        assert_eq!(counts, [2, 1, 1, 1, 1, 1, 1]);
    }
}
