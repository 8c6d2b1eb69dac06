//! The trace panel: the timeline, then tabs for the tasks, the warnings, the resources and the
//! event loop; a scrubber to replay a finished run event by event; export. Everything is drawn
//! from a [`Snapshot`] of the recording, taken when the tracer says it changed (at most once per
//! frame), at a tick of the live clock, or when what is on show changes: the panel and its views
//! render from it, and never read the recorder while rendering.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::prelude::*;

use super::export;
use super::loop_lanes::LoopLanes;
use super::resources::Resources;
use super::snapshot::{Snapshot, SnapshotRef, Tab, Wanted};
use super::task_table::TaskTable;
use super::ticker::Ticker;
use super::timeline::{format_ms, Model, ModelRef, Timeline};
use super::LIVE_REFRESH_MS;
use asyncscope_trace::{now_ms, subscribe, with_recorder, Recorder, TaskId};

/// What the page tells the [`TracePanel`].
#[derive(Properties, PartialEq, Clone)]
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
    pub permalink: AttrValue,
}

/// When the panel may redraw next, and a timer for a redraw that had to wait.
#[derive(Default)]
struct Pacing {
    /// When the redraw under way started: its snapshot taken, or its render begun.
    redraw_started: Option<f64>,
    next_allowed: f64,
    waiting: Option<gloo_timers::callback::Timeout>,
    /// A run is under way: redraws come from the panel's own clock, not from the recording.
    running: bool,
    /// The recording changed since the last redraw.
    dirty: bool,
}

/// A snapshot, and what the timeline draws of it.
#[derive(Clone)]
struct Shown {
    snapshot: SnapshotRef,
    /// The snapshot is of a replayed moment: the timeline draws the past model.
    replaying: bool,
    /// The time axis: its zero and the end "fit" shows.
    range: (f64, f64),
}

/// The recording as of event `.0`, rebuilt from it when it had recorded `.1` events.
type Replayed = (u64, u64, Rc<Recorder>);

/// Takes the panel's snapshots, and keeps the timeline's models up to date with them. What is on
/// show is as the last render left it.
#[derive(Clone)]
struct Reader {
    /// The tab, the open task and the replayed event on show, and whether a run is under way.
    wanted: Rc<Cell<(Wanted, bool)>>,
    /// The timeline's window on screen, as it last told.
    window: Rc<Cell<(f64, f64)>>,
    /// The timeline's models, kept between snapshots and brought up to date with what was
    /// recorded since (a fresh start after a reset, or when the scrubber goes back).
    live_model: Rc<RefCell<Model>>,
    past_model: Rc<RefCell<Model>>,
    /// The recording as of the replayed event, kept while neither it nor the recording changes.
    past: Rc<RefCell<Option<Replayed>>>,
    pacing: Rc<RefCell<Pacing>>,
    shown: UseStateHandle<Shown>,
}

impl Reader {
    /// Takes a snapshot of what is on show, which renders the panel.
    fn take(&self) {
        let now = now_ms();
        self.pacing.borrow_mut().redraw_started.get_or_insert(now);
        let (mut wanted, running) = self.wanted.get();
        if running {
            wanted.scrub = None;
        }
        if wanted.tab == Tab::Loop {
            wanted.window = self.window.get();
        }
        let shown = with_recorder(|live| {
            let past = wanted.scrub.map(|seq| self.as_of(live, seq));
            let snapshot = Snapshot::read(live, past.as_deref(), &wanted, now);
            let live_end = if running {
                now
            } else {
                snapshot.last_t.unwrap_or(snapshot.now)
            };
            let range = match &past {
                Some(rec) => {
                    self.past_model.borrow_mut().update(rec, snapshot.now);
                    // A replayed moment is drawn on the whole run's time axis.
                    let start = snapshot.first_t.unwrap_or(snapshot.now);
                    (start, live_end.max(start))
                }
                None => {
                    let mut m = self.live_model.borrow_mut();
                    m.update(live, snapshot.now.min(live_end));
                    // Up to the newest event, not to now: the window on screen moves only when
                    // the recording does (it is sent up, and a window that moved with the clock
                    // would render the panel again and again).
                    (m.start, m.end)
                }
            };
            Shown {
                snapshot: SnapshotRef(Rc::new(snapshot)),
                replaying: past.is_some(),
                range,
            }
        });
        self.shown.set(shown);
    }

    /// The recording `live` as of event `seq`, rebuilt only when either changed.
    fn as_of(&self, live: &Recorder, seq: u64) -> Rc<Recorder> {
        let mut past = self.past.borrow_mut();
        match &*past {
            Some((s, recorded, rec)) if *s == seq && *recorded == live.recorded() => Rc::clone(rec),
            _ => {
                let rec = Rc::new(live.as_of(seq));
                *past = Some((seq, live.recorded(), Rc::clone(&rec)));
                rec
            }
        }
    }

    /// The recording changed: a snapshot now, or when the pacing allows.
    fn request(&self) {
        let wait = {
            let mut p = self.pacing.borrow_mut();
            if p.running {
                // Taken at the next tick of the panel's clock (see `TracePanel`).
                p.dirty = true;
                return;
            }
            if p.waiting.is_some() {
                return; // a redraw is already on its way
            }
            p.next_allowed - now_ms()
        };
        if wait <= 0.0 {
            self.take();
            return;
        }
        let again = self.clone();
        let timer = gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || {
            again.pacing.borrow_mut().waiting = None;
            again.take();
        });
        self.pacing.borrow_mut().waiting = Some(timer);
    }
}

/// The trace panel: the timeline, then tabs for the tasks (with each task's detail), the
/// warnings, the resources and the event loop; a scrubber that replays a finished run; export
/// (Chrome trace JSON, a link to copy). It reads the tracer's recording and redraws when the
/// tracer says it changed, at most once per animation frame.
#[component]
pub fn TracePanel(props: &TracePanelProps) -> Html {
    let tab = use_state(|| Tab::Tasks);
    let selected = use_state(|| None::<TaskId>);
    let focus = use_state(|| None::<(f64, TaskId, u64)>);
    let scrub = use_state(|| None::<u64>);
    let copied = use_state(|| None::<String>);
    let shown = use_state(|| Shown {
        snapshot: SnapshotRef(Rc::new(Snapshot::empty(now_ms()))),
        replaying: false,
        range: (0.0, 0.0),
    });
    let reader = {
        let shown = shown.clone();
        (*use_memo((), move |_| Reader {
            wanted: Rc::default(),
            window: Rc::default(),
            live_model: Rc::default(),
            past_model: Rc::default(),
            past: Rc::default(),
            pacing: Rc::default(),
            shown,
        }))
        .clone()
    };
    let scrubbed = (*scrub).filter(|_| !props.running);
    let wanted = Wanted {
        tab: *tab,
        selected: *selected,
        window: (0.0, 0.0),
        scrub: scrubbed,
    };
    reader.wanted.set((wanted, props.running));
    // Redrawn when the tracer says the recording changed (at most once a frame). While a run
    // goes on, at most once per live refresh (`LIVE_REFRESH_MS`) and no more than a twentieth
    // of the time (a redraw that cost 20 ms waits 380 ms before the next), so the trace never
    // takes the run's time (./dev bench's observer_cost); after it, no more than a quarter (a
    // redraw that cost 10 ms waits 30 ms: replay and hovering stay quick). A redraw's cost is
    // its snapshot's and its render's.
    {
        let reader = reader.clone();
        use_effect_with((), move |_| {
            let subscription = subscribe(move || reader.request());
            move || drop(subscription)
        });
    }
    // While a run goes on, the panel redraws on a clock of its own, not when the recording
    // changes: a redraw triggered by the program's activity comes right when the program is
    // busy, and delayed its next timers (one-thread's 100 sleeps, fired by two browser timers:
    // the redraw after the first batch's polls made the second batch late). Ticks every
    // LIVE_REFRESH_MS that find the recording changed and the pacing allowing, redraw.
    {
        let reader = reader.clone();
        use_effect_with(props.running, move |&running| {
            reader.pacing.borrow_mut().running = running;
            let ticks = running.then(|| {
                Ticker::new(LIVE_REFRESH_MS, move || {
                    let due = {
                        let mut p = reader.pacing.borrow_mut();
                        let due = p.dirty && now_ms() >= p.next_allowed;
                        if due {
                            p.dirty = false;
                        }
                        due
                    };
                    if due {
                        reader.take();
                    }
                })
            });
            move || drop(ticks)
        });
    }
    reader
        .pacing
        .borrow_mut()
        .redraw_started
        .get_or_insert_with(now_ms);
    {
        let pacing = reader.pacing.clone();
        let running = props.running;
        use_effect(move || {
            let mut p = pacing.borrow_mut();
            let now = now_ms();
            let cost = now - p.redraw_started.take().unwrap_or(now);
            let live = f64::from(LIVE_REFRESH_MS);
            let wait = if running {
                (19.0 * cost).max(live)
            } else {
                3.0 * cost
            };
            p.next_allowed = now + wait;
        });
    }
    // A new run: back to live, nothing selected.
    {
        let scrub = scrub.clone();
        let selected = selected.clone();
        use_effect_with(props.generation, move |_| {
            scrub.set(None);
            selected.set(None);
        });
    }
    // What is on show changed (or the run started or ended): a snapshot of it.
    {
        let reader = reader.clone();
        use_effect_with((wanted, props.running, props.generation), move |_| {
            reader.take()
        });
    }

    let Shown {
        snapshot,
        replaying,
        range,
    } = (*shown).clone();
    let (first_seq, last_seq) = (snapshot.first_seq, snapshot.last_seq);
    // The replayed event, once the snapshot is of it.
    let cursor = snapshot.cursor.as_ref().filter(|_| scrubbed.is_some());
    let model = if replaying {
        reader.past_model.clone()
    } else {
        reader.live_model.clone()
    };
    let model_version = model.borrow().version() ^ u64::from(replaying) << 63;
    let warnings = &snapshot.warnings;
    let origin = range.0;

    let on_select = {
        let selected = selected.clone();
        let tab = tab.clone();
        Callback::from(move |id: TaskId| {
            selected.set(Some(id));
            tab.set(Tab::Tasks);
        })
    };
    // The event-loop tab lists the turns in the timeline's window: a new snapshot when it moves
    // with that tab on show (with another, nothing: the window is read when that tab opens).
    let on_window = {
        let reader = reader.clone();
        let tab = *tab;
        Callback::from(move |w: (f64, f64)| {
            if reader.window.replace(w) != w && tab == Tab::Loop {
                reader.take();
            }
        })
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
            let link = link.to_string();
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

            if let Some(why) = snapshot.recording_off {
                <p class="recording-off" role="status" data-testid="recording-off">{ why }</p>
            }

            <Timeline model={ModelRef(model)} version={model_version} {range} running={props.running} cursor={cursor.map(|c| c.1)}
                      selected={*selected} on_select={on_select.clone()} focus={*focus} {on_window} />

            <div class="scrubber-row">
                <label for="scrubber" class="muted">{ "Replay" }</label>
                <button type="button" aria-label="One event back" onclick={step(-1)} disabled={props.running || first_seq.is_none()}>{ "◀" }</button>
                <input id="scrubber" type="range" data-testid="scrubber"
                       min={first_seq.unwrap_or(0).to_string()} max={last_seq.unwrap_or(0).to_string()}
                       value={scrubbed.or(last_seq).unwrap_or(0).to_string()}
                       disabled={props.running || first_seq.is_none()}
                       aria-valuetext={cursor.map(|c| c.2.clone()).unwrap_or_else(|| "live".to_string())}
                       oninput={on_scrub} />
                <button type="button" aria-label="One event forward" onclick={step(1)} disabled={props.running || first_seq.is_none()}>{ "▶" }</button>
                <button type="button" onclick={live} disabled={scrubbed.is_none()}>{ "Live" }</button>
                <span class="muted" data-testid="scrub-position">
                    { match cursor {
                        Some((seq, t, what)) => format!("event {seq}: {what} at {}", format_ms(t - origin)),
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
            // The tab the snapshot holds (the one clicked, once its snapshot is taken).
            <div role="tabpanel" class="tabpanel" id="trace-tabpanel" aria-labelledby={snapshot.tab.tab().id()} tabindex="0">
                { match snapshot.tab.tab() {
                    Tab::Tasks => html! {
                        <TaskTable snapshot={snapshot.clone()} selected={*selected} on_select={on_select.clone()} />
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
                    Tab::Resources => html! { <Resources snapshot={snapshot.clone()} /> },
                    Tab::Loop => html! { <LoopLanes snapshot={snapshot.clone()} /> },
                } }
            </div>
        </section>
    }
}
