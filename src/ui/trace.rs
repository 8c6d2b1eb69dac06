//! The trace panel's place in the page: asyncscope-viewer's [`TracePanel`] (the timeline, the
//! tasks, warnings, resources and event loop, replay, export) once its code is here.
//!
//! In the release site the panel is in the lessons chunk (src/lessons/chunk.rs): a first visit
//! does not download it before the page works (issue 11's bar: it and what only it reaches were
//! 98 KB of the page's gzipped wasm, the first visit 357.3 KB with them). Its place,
//! [`TraceSlot`], never fetches the chunk by itself: the page does, after its first paint
//! (src/ui/app.rs: on the landing lesson once its texts have come and the browser is idle), at
//! the first run that needs it, or when the playground opens. Whoever loads it, the slot is told
//! ([`chunk::watch`]) and shows the panel. A run shown live starts once the panel is on show
//! ([`on_show`], from `Controller::run_with`), so that the panel follows it from its first
//! event and its first renders do not land among the run's polls.

use std::cell::{Cell, RefCell};

use futures::channel::oneshot;
use yew::prelude::*;

use crate::lessons::chunk::{self, ChunkError, Status};
use asyncscope_viewer::{TracePanel, TracePanelProps};

thread_local! {
    /// The panel's own way into the chunk is ready (each `wasm_split` function has a loader of
    /// its own): its view can be had at once.
    static READY: Cell<bool> = const { Cell::new(cfg!(not(lessons_chunk))) };
    /// A slot shows the panel (its first render and that render's effects are over).
    static ON_SHOW: Cell<bool> = const { Cell::new(false) };
    /// Who waits for the panel to be on show ([`on_show`]).
    static WAITING: RefCell<Vec<oneshot::Sender<()>>> = const { RefCell::new(Vec::new()) };
}

/// Longest [`on_show`] waits for a slot to show the panel once its code is here: a safety net
/// (the panel's first render took about 20 ms here), so that a run never waits on a slot that
/// is not in the page.
const SHOW_WAIT_MS: u32 = 1000;

/// Loads the chunk if it is not here yet, and readies the panel's way into it. Once the chunk is
/// here this fetches nothing: the panel's loader learns it in a few microtasks.
pub async fn load() -> Result<(), ChunkError> {
    chunk::preload().await?;
    #[cfg(lessons_chunk)]
    preload_trace_panel().await?;
    READY.set(true);
    Ok(())
}

/// [`load`], then waits until the slot shows the panel. The slot renders it in the microtasks
/// after the load; the panel's first render asks for another (its first snapshot), which yew
/// may leave to a task of its own when the two take over 16 ms: that task is queued before this
/// returns, so a run started in the next task starts after both. Returns at once when the panel
/// was on show already.
pub async fn on_show() -> Result<(), ChunkError> {
    load().await?;
    if ON_SHOW.get() {
        return Ok(());
    }
    let (shown, wait) = oneshot::channel();
    WAITING.with_borrow_mut(|waiting| waiting.push(shown));
    let late = gloo_timers::future::TimeoutFuture::new(SHOW_WAIT_MS);
    futures::future::select(wait, late).await;
    Ok(())
}

/// Where the trace panel goes (the lesson's `.trace` section): the panel once its code is here;
/// until then a section of about its height (so that nothing jumps when the panel comes) that
/// says it is coming (`aria-busy`), or why it could not come, with a retry.
#[component]
pub fn TraceSlot(props: &TracePanelProps) -> Html {
    let status = use_state_eq(chunk::status);
    // The panel's own way in failed though the chunk is here (its loader's: not seen so far).
    let failed = use_state_eq(|| false);
    let update = use_force_update();
    {
        // Told when anyone loads the chunk (or fails to); read again once watching, in case it
        // changed between the first render and this effect.
        let status = status.setter();
        use_effect_with((), move |_| {
            let watch = {
                let status = status.clone();
                chunk::watch(move |now| status.set(now))
            };
            status.set(chunk::status());
            move || drop(watch)
        });
    }
    // Readies the panel's way in (or, from the retry, loads the chunk first), then shows it.
    let ready = {
        let (failed, update) = (failed.setter(), update.clone());
        move || {
            let (failed, update) = (failed.clone(), update.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match load().await {
                    Ok(()) => update.force_update(),
                    // The chunk's own failure is told through the watch.
                    Err(_) => failed.set(chunk::status() == Status::Loaded),
                }
            });
        }
    };
    {
        // The chunk is here: the panel's way in, which fetches nothing more.
        let ready = ready.clone();
        use_effect_with(*status, move |status| {
            if *status == Status::Loaded && !READY.get() {
                ready();
            }
        });
    }
    let shown = match *status == Status::Loaded && READY.get() {
        true => panel(props),
        false => None,
    };
    // Once the panel's first render is over (its effects, which run before this one, included),
    // a run waiting for it may start.
    use_effect_with(shown.is_some(), |&on_show| {
        ON_SHOW.set(on_show);
        if on_show {
            for waiting in WAITING.take() {
                let _ = waiting.send(());
            }
        }
        move || ON_SHOW.set(false)
    });
    if let Some(panel) = shown {
        return panel;
    }
    let retry = {
        let failed = failed.clone();
        Callback::from(move |_: MouseEvent| {
            failed.set(false);
            ready();
        })
    };
    let failed = *failed || *status == Status::Failed;
    html! {
        <section class="trace trace-slot" aria-label="Trace" aria-busy={(!failed).to_string()}>
            <div class="trace-head"><h3>{ "Trace" }</h3></div>
            if failed {
                <div class="notice" role="alert" data-testid="trace-error">
                    <span>{ format!("The trace view could not be loaded: {}", ChunkError::Load) }</span>
                    // Not in the middle of a run: a download and compilation then would disturb it.
                    <button type="button" class="retry" onclick={retry} disabled={props.running}
                            title={props.running.then_some("After the run: loading it now would disturb the run")}>
                        { "Try again" }
                    </button>
                </div>
            } else {
                <p class="muted" data-testid="trace-loading">
                    { "Loading the trace view (the timeline, the tasks, replay and export)…" }
                </p>
            }
        </section>
    }
}

/// The panel, if its code is here: always in a build without the chunk; in the release site
/// once its way in is ready ([`load`]).
fn panel(props: &TracePanelProps) -> Option<Html> {
    let props = props.clone();
    #[cfg(lessons_chunk)]
    return chunk::ready_now(split_trace_panel(props));
    #[cfg(not(lessons_chunk))]
    Some(html! { <TracePanel ..props /> })
}

/// The panel's way into the chunk: everything of the viewer that only the panel reaches (the
/// timeline, the tables, replay, export) goes with it.
#[cfg(lessons_chunk)]
#[wasm_split_helpers::wasm_split(lessons, fallible, preload(preload_trace_panel))]
fn split_trace_panel(props: TracePanelProps) -> Result<Html, ChunkError> {
    Ok(html! { <TracePanel ..props /> })
}
