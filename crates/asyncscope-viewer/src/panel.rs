//! The trace panel: the timeline, then tabs for the tasks, the warnings, the resources and the
//! event loop; a scrubber to replay a finished run event by event; export. Everything is drawn
//! from the tracer, redrawn when it says the recording changed (at most once per frame).

use std::rc::Rc;

use yew::prelude::*;

use super::export;
use super::loop_lanes::LoopLanes;
use super::names;
use super::resources::Resources;
use super::source::Source;
use super::task_table::TaskTable;
use super::ticker::Ticker;
use super::timeline::{format_ms, Model, ModelRef, Timeline};
use super::LIVE_REFRESH_MS;
use asyncscope_trace::{now_ms, subscribe, with_recorder, TaskId, Warning};

/// What the page tells the [`TracePanel`].
#[derive(Properties, PartialEq)]
pub struct TracePanelProps {
    /// Changes with each run, so the panel starts afresh.
    pub generation: u64,
    /// A run is under way: the panel follows the recording live on a clock of its own (which
    /// steps aside for the program's timers); otherwise the scrubber replays it event by event.
    pub running: bool,
    /// Names the download: `asyncscope-NAME.trace.json` (the app gives the lesson's id).
    pub name: AttrValue,
    /// The address the "Copy link" button copies (the app gives the lesson's, with its
    /// parameters).
    pub permalink: String,
}

/// When the panel may redraw next, and a timer for a redraw that had to wait.
#[derive(Default)]
struct Pacing {
    render_started: f64,
    next_allowed: f64,
    waiting: Option<gloo_timers::callback::Timeout>,
    /// A run is under way: redraws come from the panel's own clock, not from the recording.
    running: bool,
    /// The recording changed since the last redraw.
    dirty: bool,
}

impl Pacing {
    fn request(pacing: &Rc<std::cell::RefCell<Pacing>>, redraw: &UseForceUpdateHandle) {
        let wait = {
            let mut p = pacing.borrow_mut();
            if p.running {
                // Drawn at the next tick of the panel's clock (see `TracePanel`).
                p.dirty = true;
                return;
            }
            if p.waiting.is_some() {
                return; // a redraw is already on its way
            }
            p.next_allowed - now_ms()
        };
        if wait <= 0.0 {
            redraw.force_update();
            return;
        }
        let (again, redraw) = (pacing.clone(), redraw.clone());
        let timer = gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || {
            again.borrow_mut().waiting = None;
            redraw.force_update();
        });
        pacing.borrow_mut().waiting = Some(timer);
    }
}

/// Why the recording does not grow, in words, when it does not.
fn not_recording() -> Option<&'static str> {
    if asyncscope_trace::is_recording() {
        None
    } else if asyncscope_trace::ENABLED {
        Some("Recording is off (set_recording(false)): this is what was recorded until then.")
    } else {
        Some(
            "This build records nothing: asyncscope-trace was built without its `enabled` \
             feature.",
        )
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Tasks,
    Warnings,
    Resources,
    Loop,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Tasks, Tab::Warnings, Tab::Resources, Tab::Loop];

    /// The tab button's element id.
    fn id(self) -> &'static str {
        match self {
            Tab::Tasks => "trace-tab-tasks",
            Tab::Warnings => "trace-tab-warnings",
            Tab::Resources => "trace-tab-resources",
            Tab::Loop => "trace-tab-loop",
        }
    }
}

/// The trace panel: the timeline, then tabs for the tasks (with each task's detail), the
/// warnings, the resources and the event loop; a scrubber that replays a finished run; export
/// (Chrome trace JSON, a link to copy). It reads the tracer's recording and redraws when the
/// tracer says it changed, at most once per animation frame.
#[component]
pub fn TracePanel(props: &TracePanelProps) -> Html {
    // Redrawn when the tracer says the recording changed (at most once a frame). While a run
    // goes on, at most once per live refresh (`LIVE_REFRESH_MS`) and no more than a twentieth
    // of the time (a redraw that cost 20 ms waits 380 ms before the next), so the trace never
    // takes the run's time (./dev bench's observer_cost); after it, no more than a quarter (a
    // redraw that cost 10 ms waits 30 ms: replay and hovering stay quick).
    let redraw = use_force_update();
    let pacing = use_mut_ref(Pacing::default);
    {
        let pacing = pacing.clone();
        let redraw = redraw.clone();
        use_effect_with((), move |_| {
            let subscription = subscribe(move || Pacing::request(&pacing, &redraw));
            move || drop(subscription)
        });
    }
    // While a run goes on, the panel redraws on a clock of its own, not when the recording
    // changes: a redraw triggered by the program's activity comes right when the program is
    // busy, and delayed its next timers (one-thread's 100 sleeps, fired by two browser timers:
    // the redraw after the first batch's polls made the second batch late). Ticks every
    // LIVE_REFRESH_MS that find the recording changed and the pacing allowing, redraw.
    {
        let pacing = pacing.clone();
        let redraw = redraw.clone();
        use_effect_with(props.running, move |&running| {
            pacing.borrow_mut().running = running;
            let ticks = running.then(|| {
                Ticker::new(LIVE_REFRESH_MS, move || {
                    let due = {
                        let mut p = pacing.borrow_mut();
                        let due = p.dirty && now_ms() >= p.next_allowed;
                        if due {
                            p.dirty = false;
                        }
                        due
                    };
                    if due {
                        redraw.force_update();
                    }
                })
            });
            move || drop(ticks)
        });
    }
    pacing.borrow_mut().render_started = now_ms();
    {
        let pacing = pacing.clone();
        let running = props.running;
        use_effect(move || {
            let mut p = pacing.borrow_mut();
            let cost = now_ms() - p.render_started;
            let live = f64::from(LIVE_REFRESH_MS);
            let wait = if running {
                (19.0 * cost).max(live)
            } else {
                3.0 * cost
            };
            p.next_allowed = now_ms() + wait;
        });
    }
    let tab = use_state(|| Tab::Tasks);
    let selected = use_state(|| None::<TaskId>);
    let focus = use_state(|| None::<(f64, TaskId, u64)>);
    let window = use_state(|| (0.0, 0.0));
    let scrub = use_state(|| None::<u64>);
    let copied = use_state(|| None::<String>);
    // A new run: back to live, nothing selected.
    {
        let scrub = scrub.clone();
        let selected = selected.clone();
        use_effect_with(props.generation, move |_| {
            scrub.set(None);
            selected.set(None);
        });
    }

    let (first_seq, last_seq, recorded) = with_recorder(|r| {
        let first = r.events().iter().next().map(|e| e.seq);
        (first, r.recorded().checked_sub(1), r.recorded())
    });
    let scrubbed = (*scrub).filter(|_| !props.running);
    let past = use_memo((scrubbed, recorded), |(seq, _)| {
        seq.map(|seq| Rc::new(with_recorder(|r| r.as_of(seq))))
    });
    let source = match &*past {
        Some(rec) => Source::Past(rec.clone()),
        None => Source::Live,
    };
    let cursor = scrubbed.and_then(|seq| {
        with_recorder(|r| {
            r.events().get(seq).map(|e| {
                let who = e.task.map(|t| format!("{}: ", names::task(r, t)));
                (
                    e.t_ms,
                    format!("{}{}", who.unwrap_or_default(), names::event(r, &e)),
                )
            })
        })
    });
    // Live stats run to now; a replayed moment's, to that moment.
    let now = cursor.as_ref().map_or_else(now_ms, |c| c.0);
    // The timeline's models, kept between renders and brought up to date with what was
    // recorded since (a fresh start after a reset, or when the scrubber goes back).
    let live_model = use_mut_ref(Model::default);
    let past_model = use_mut_ref(Model::default);
    let (first_t, last_t) = with_recorder(|r| {
        let e = r.events();
        (
            e.get(e.first_seq()).map(|e| e.t_ms),
            e.last().map(|e| e.t_ms),
        )
    });
    let live_end = if props.running {
        now_ms()
    } else {
        last_t.unwrap_or(now)
    };
    let (model, range) = match &source {
        Source::Past(rec) => {
            past_model.borrow_mut().update(rec, now);
            // A replayed moment is drawn on the whole run's time axis.
            let start = first_t.unwrap_or(now);
            (past_model.clone(), (start, live_end.max(start)))
        }
        Source::Live => {
            let mut m = live_model.borrow_mut();
            with_recorder(|r| m.update(r, now.min(live_end)));
            // Up to the newest event, not to now: the window on screen moves only when the
            // recording does (it is sent up, and a window that moved with the clock would render
            // the panel again and again).
            let range = (m.start, m.end);
            drop(m);
            (live_model.clone(), range)
        }
    };
    let model_version = model.borrow().version() ^ u64::from(scrubbed.is_some()) << 63;
    let warnings: Vec<Warning> = source.read(|r| r.warnings().iter().cloned().collect());
    let origin = range.0;
    let version = recorded ^ scrubbed.map_or(0, |s| s.wrapping_add(1) << 32);

    let on_select = {
        let selected = selected.clone();
        let tab = tab.clone();
        Callback::from(move |id: TaskId| {
            selected.set(Some(id));
            tab.set(Tab::Tasks);
        })
    };
    let on_window = {
        let window = window.clone();
        Callback::from(move |w: (f64, f64)| window.set(w))
    };
    let on_scrub = {
        let scrub = scrub.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            scrub.set(input.value().parse::<u64>().ok());
        })
    };
    let step = |delta: i64| {
        let scrub = scrub.clone();
        let (first, last) = (first_seq.unwrap_or(0), last_seq.unwrap_or(0));
        Callback::from(move |_: MouseEvent| {
            let at = scrub.unwrap_or(last) as i64 + delta;
            scrub.set(Some(at.clamp(first as i64, last as i64) as u64));
        })
    };
    let live = {
        let scrub = scrub.clone();
        Callback::from(move |_: MouseEvent| scrub.set(None))
    };
    let on_download = {
        let name = props.name.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = export::download_trace(&format!("asyncscope-{name}.trace.json")) {
                copied.set(Some(format!("could not download: {e}")));
            }
        })
    };
    let on_copy = {
        let link = props.permalink.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let link = link.clone();
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ok = export::copy(&link).await;
                copied.set(Some(if ok {
                    "link copied".to_string()
                } else {
                    format!("copy this link: {link}")
                }));
            });
        })
    };
    // The ARIA tab pattern: one tab in the tab order (the selected one), arrow keys, Home and
    // End move between them, each tab controls the one panel.
    let tab_button = |t: Tab, label: String| {
        let tab = tab.clone();
        let active = *tab == t;
        let onclick = Callback::from(move |_: MouseEvent| tab.set(t));
        html! {
            <button type="button" role="tab" id={t.id()} aria-selected={active.to_string()}
                    aria-controls="trace-tabpanel" tabindex={if active { "0" } else { "-1" }}
                    class={classes!("tab", active.then_some("active"))} {onclick}>{ label }</button>
        }
    };
    let on_tab_key = {
        let tab = tab.clone();
        Callback::from(move |e: KeyboardEvent| {
            let i = Tab::ALL.iter().position(|t| *t == *tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = match e.key().as_str() {
                "ArrowRight" => (i + 1) % n,
                "ArrowLeft" => (i + n - 1) % n,
                "Home" => 0,
                "End" => n - 1,
                _ => return,
            };
            e.prevent_default();
            let next = Tab::ALL[next];
            tab.set(next);
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(next.id()))
                .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok())
            {
                let _ = el.focus();
            }
        })
    };

    html! {
        <section class="trace" aria-label="Trace">
            <div class="trace-head">
                <h3>{ "Trace" }</h3>
                <div class="trace-actions">
                    <button type="button" data-testid="export-trace" onclick={on_download}
                            title="Download the trace as Chrome trace JSON, for Perfetto or chrome://tracing">
                        { "Download trace" }
                    </button>
                    <button type="button" data-testid="copy-permalink" onclick={on_copy}
                            title="Copy a link to this page with its parameters">{ "Copy link" }</button>
                    if let Some(msg) = &*copied { <span class="muted" role="status">{ msg }</span> }
                </div>
            </div>

            if let Some(why) = not_recording() {
                <p class="recording-off" role="status" data-testid="recording-off">{ why }</p>
            }

            <Timeline model={ModelRef(model)} version={model_version} {range} running={props.running} cursor={cursor.as_ref().map(|c| c.0)}
                      selected={*selected} on_select={on_select.clone()} focus={*focus} {on_window} />

            <div class="scrubber-row">
                <label for="scrubber" class="muted">{ "Replay" }</label>
                <button type="button" aria-label="One event back" onclick={step(-1)} disabled={props.running || first_seq.is_none()}>{ "◀" }</button>
                <input id="scrubber" type="range" data-testid="scrubber"
                       min={first_seq.unwrap_or(0).to_string()} max={last_seq.unwrap_or(0).to_string()}
                       value={scrubbed.or(last_seq).unwrap_or(0).to_string()}
                       disabled={props.running || first_seq.is_none()}
                       aria-valuetext={cursor.as_ref().map(|c| c.1.clone()).unwrap_or_else(|| "live".to_string())}
                       oninput={on_scrub} />
                <button type="button" aria-label="One event forward" onclick={step(1)} disabled={props.running || first_seq.is_none()}>{ "▶" }</button>
                <button type="button" onclick={live} disabled={scrubbed.is_none()}>{ "Live" }</button>
                <span class="muted" data-testid="scrub-position">
                    { match (&cursor, scrubbed) {
                        (Some((t, what)), Some(seq)) => format!("event {seq}: {what} at {}", format_ms(t - origin)),
                        _ => "live".to_string(),
                    } }
                </span>
            </div>

            <div role="tablist" class="tabs" aria-label="Trace views" onkeydown={on_tab_key}>
                { tab_button(Tab::Tasks, "Tasks".into()) }
                { tab_button(Tab::Warnings, format!("Warnings ({})", warnings.len())) }
                { tab_button(Tab::Resources, "Resources".into()) }
                { tab_button(Tab::Loop, "Event loop".into()) }
            </div>
            <div role="tabpanel" class="tabpanel" id="trace-tabpanel" aria-labelledby={tab.id()} tabindex="0">
                { match *tab {
                    Tab::Tasks => html! {
                        <TaskTable source={source.clone()} {version} {now} selected={*selected} on_select={on_select.clone()} />
                    },
                    Tab::Warnings => html! {
                        if warnings.is_empty() {
                            <p class="muted">{ "No warnings: no long poll, lost waker, self-wake storm, unpolled task or unseen error." }</p>
                        } else {
                            <ul class="warnings" data-testid="warnings">
                                { for warnings.iter().enumerate().map(|(i, w)| {
                                    let focus = focus.clone();
                                    let selected = selected.clone();
                                    let (t, task) = (w.t_ms, w.task);
                                    let onclick = Callback::from(move |_: MouseEvent| {
                                        focus.set(Some((t, task, i as u64 + 1)));
                                        selected.set(Some(task));
                                    });
                                    let at = format_ms(w.t_ms - origin);
                                    html! {
                                        <li data-warning={w.kind.code()} data-task-id={w.task.get().to_string()} data-event={w.event.to_string()}>
                                            <button type="button" class="link" {onclick}
                                                    title="Show this moment and task in the timeline">
                                                { format!("{at:>10}") }
                                            </button>
                                            { w.to_string() }
                                        </li>
                                    }
                                }) }
                            </ul>
                        }
                    },
                    Tab::Resources => html! { <Resources source={source.clone()} {version} /> },
                    Tab::Loop => html! { <LoopLanes source={source.clone()} {version} window={*window} /> },
                } }
            </div>
        </section>
    }
}
