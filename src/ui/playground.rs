//! The playground's view: what it is, its editor, its seed, its link to share.
//!
//! In the release site the whole view is in the lessons chunk with the interpreter (the page's
//! first download has a place for it only, [`PlaygroundSlot`]): a first visit does not pay for
//! an editor it may never open (issue 11's budget: the view and its editor are about 25 KB of
//! gzipped wasm). The slot shows "Loading…" until the chunk is there, which opening the
//! playground fetches.

use std::rc::Rc;

use futures::future::LocalBoxFuture;
use js_sys::Promise;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::editor::Editor;
use super::state::{Controller, Judge, PageState, PythonInput};
use crate::lessons::chunk::{self, ChunkError};
use crate::lessons::python::{self, Refused};
use crate::lessons::{self, RunReport};

/// What the playground is, above its editor.
const SUMMARY: &str =
    "Type or paste an asyncio program (or open a lesson's with its Edit and run) \
    and press Run (or Ctrl+Enter): it runs \
    here, in your browser, as Rust futures on its event loop, traced like a lesson. Every \
    coroutine is a future, every create_task a traced task, every await asyncio.sleep a traced \
    timer; aiohttp goes through the browser's fetch. It prints what CPython 3.11 prints. The \
    subset: async def and await, tasks, gather, wait_for, cancellation, Lock, Semaphore, Event, \
    Queue, generators, functions, the usual statements, lists, dicts, f-strings; no classes, no \
    modules beyond asyncio, aiohttp, time, random, threading, json and math.";

#[derive(Properties, PartialEq, Clone)]
pub struct PlaygroundProps {
    /// The page's state (cheap to clone).
    pub page: PageState,
    pub controller: Controller,
}

/// Where the page shows the playground: its view once the code for it is here.
#[component]
pub fn PlaygroundSlot(props: &PlaygroundProps) -> Html {
    let failed = use_state(|| None::<String>);
    let update = use_force_update();
    use_effect_with((), |_| link_styles());
    let shown = view(props.clone());
    {
        // Fetches the chunk when the view is not here yet, then shows it.
        let (failed, update) = (failed.clone(), update.clone());
        use_effect_with(shown.is_none(), move |missing| {
            if *missing {
                wasm_bindgen_futures::spawn_local(async move {
                    match load().await {
                        Ok(()) => update.force_update(),
                        Err(why) => failed.set(Some(why.to_string())),
                    }
                });
            }
        });
    }
    if let Some(view) = shown {
        return view;
    }
    let retry = {
        let (failed, update) = (failed.clone(), update.clone());
        Callback::from(move |_: MouseEvent| {
            let (failed, update) = (failed.clone(), update.clone());
            failed.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match load().await {
                    Ok(()) => update.force_update(),
                    Err(why) => failed.set(Some(why.to_string())),
                }
            });
        })
    };
    match &*failed {
        Some(why) => html! {
            <div class="notice" role="alert" data-testid="playground-error">
                <span>{ format!("The playground's editor could not be loaded: {why}") }</span>
                <button type="button" class="retry" onclick={retry}>{ "Try again" }</button>
            </div>
        },
        None => html! {
            <p class="muted" aria-busy="true" data-testid="playground-loading">{ "Loading the playground…" }</p>
        },
    }
}

/// Links the editor's stylesheet (editor.css, beside the page), once: only a page that opens
/// the playground downloads it.
fn link_styles() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id(STYLES_ID).is_some() {
        return;
    }
    let (Ok(link), Some(head)) = (document.create_element("link"), document.head()) else {
        return;
    };
    let _ = link.set_attribute("id", STYLES_ID);
    let _ = link.set_attribute("rel", "stylesheet");
    let _ = link.set_attribute("href", "editor.css");
    let _ = head.append_child(&link);
}

/// The id of the editor stylesheet's `<link>`.
const STYLES_ID: &str = "editor-styles";

/// The view, if its code is here: always in a build without the chunk; in the release site
/// once the chunk is loaded.
fn view(props: PlaygroundProps) -> Option<Html> {
    match in_chunk(Ask::View(props)) {
        Some(Answer::View(html)) => Some(html),
        _ => None,
    }
}

// ---- the page's ways in: everything the playground does, but its slot, is in the chunk ----

/// What the page asks of the playground's code (one way into the chunk for all of it, so that
/// the page holds one loader, not one per call).
enum Ask {
    View(PlaygroundProps),
    /// Run, or Ctrl+Enter: the program and seed as the page has them.
    Run(Controller, PythonInput),
    /// `window.asyncscope.runPython(source, options)`.
    RunJs(Controller, JsValue, JsValue),
    /// An address with `python=` (decoded here), run if it says `run=1`; or with `run=1` alone,
    /// the editor's program.
    Open(Controller, Option<String>, bool),
}

enum Answer {
    View(Html),
    Promise(LocalBoxFuture<'static, Result<JsValue, JsValue>>),
    Started,
}

/// `ask` answered by the chunk's code: at once when it is loaded (or in a build without it);
/// `None` when it is not.
fn in_chunk(ask: Ask) -> Option<Answer> {
    #[cfg(lessons_chunk)]
    return chunk::ready_now(split_playground(ask));
    #[cfg(not(lessons_chunk))]
    Some(answer(ask))
}

#[cfg(lessons_chunk)]
#[wasm_split_helpers::wasm_split(lessons, fallible, preload(preload_playground))]
fn split_playground(ask: Ask) -> Result<Answer, ChunkError> {
    Ok(answer(ask))
}

/// Loads the chunk and readies the playground's way into it (each way in has a loader of its
/// own: see `chunk::preload`).
async fn load() -> Result<(), ChunkError> {
    chunk::preload().await?;
    #[cfg(lessons_chunk)]
    preload_playground().await?;
    Ok(())
}

/// `ask`, after the chunk is loaded: a failed load says so in the page (and rejects, for the
/// API), and the next call tries again.
async fn when_loaded(controller: &Controller, ask: Ask) -> Result<Answer, ChunkError> {
    load()
        .await
        .inspect_err(|why| controller.notice(why.to_string()))?;
    in_chunk(ask).ok_or(ChunkError::Load)
}

/// Runs the playground's program as the page has it (Run, Ctrl+Enter).
pub fn run(controller: &Controller, python: &PythonInput) {
    let (controller, python) = (controller.clone(), python.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = when_loaded(&controller, Ask::Run(controller.clone(), python)).await;
    });
}

/// `window.asyncscope.runPython(source, options)`: a promise of the run's report.
pub fn run_js(controller: &Controller, source: JsValue, options: JsValue) -> Promise {
    let controller = controller.clone();
    wasm_bindgen_futures::future_to_promise(async move {
        let ask = Ask::RunJs(controller.clone(), source, options);
        match when_loaded(&controller, ask).await {
            Ok(Answer::Promise(run)) => run.await,
            Ok(_) => Err(JsValue::from_str("runPython: no answer")),
            Err(why) => Err(js_sys::Error::new(&why.to_string()).into()),
        }
    })
}

/// The page opened with `?lesson=playground&python=CODE` (`encoded`) and maybe `run=1`.
pub fn open(controller: &Controller, encoded: Option<String>, run: bool) {
    let controller = controller.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = when_loaded(&controller, Ask::Open(controller.clone(), encoded, run)).await;
    });
}

// ---- the chunk's side ----

fn answer(ask: Ask) -> Answer {
    match ask {
        Ask::View(props) => Answer::View(html! { <Playground ..props /> }),
        Ask::Run(controller, python) => {
            run_from_page(controller, python);
            Answer::Started
        }
        Ask::RunJs(controller, source, options) => Answer::Promise(Box::pin(async move {
            let (source, seed) = match super::automation::parse_python_args(&source, &options) {
                Ok(ok) => ok,
                Err(message) => {
                    controller.notice(message.clone());
                    return Err(js_sys::Error::new(&message).into());
                }
            };
            match run_python(&controller, source, seed).await {
                Ok(report) => serde_wasm_bindgen::to_value(&*report).map_err(JsValue::from),
                Err(refused) => Err(js_sys::Error::new(&refused.to_string()).into()),
            }
        })),
        Ask::Open(controller, encoded, run) => {
            wasm_bindgen_futures::spawn_local(async move {
                let source = match encoded {
                    Some(encoded) => match super::python_link::decode(&encoded).await {
                        Ok(source) => {
                            controller.set_source(source.clone());
                            source
                        }
                        Err(why) => {
                            controller.notice(why);
                            return;
                        }
                    },
                    // `?lesson=playground&run=1` alone: the editor's program, blank on a fresh page.
                    None => String::new(),
                };
                if run {
                    let _ = run_python(&controller, source, None).await;
                }
            });
            Answer::Started
        }
    }
}

/// Run, Ctrl+Enter: a seed that is not a whole number is refused with a notice, and nothing
/// runs.
fn run_from_page(controller: Controller, python: PythonInput) {
    let seed = match python.seed.trim() {
        "" => None,
        text => match text.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                controller.notice(format!(
                    "the seed must be a whole number from 0 to {}, or empty, got '{}'",
                    u64::MAX,
                    lessons::clip(text)
                ));
                return;
            }
        },
    };
    wasm_bindgen_futures::spawn_local(async move {
        let _ = run_python(&controller, python.source.to_string(), seed).await;
    });
}

/// Runs the playground's program `source` (with `seed` for `random`) as a lesson runs: the
/// page shows the playground, the program's output and trace. A program that does not parse
/// is refused before it runs (the editor underlines the spot, `runPython` rejects with the
/// words); one that raises or is stopped has its line marked.
async fn run_python(
    controller: &Controller,
    source: String,
    seed: Option<u64>,
) -> Result<Rc<RunReport>, Refused> {
    controller.set_source(source.clone());
    // A lesson's Python as it is: the corpus knows what CPython printed (fetched before the run
    // starts, so as not to disturb it), and the run is judged against it.
    let recording = match known_lesson(&source) {
        Some(id) => super::lesson_texts::cpython(id).await.ok(),
        None => None,
    };
    let judge = recording.map(|recording| -> Judge {
        Box::new(move |report: &RunReport| {
            python::judge(&recording, &report.lines, report.error.as_deref())
        })
    });
    let result = controller
        .run_with(
            &python::LESSON,
            Box::new(move || lessons::start_python(&source, seed)),
            judge,
        )
        .await;
    let marked = match &result {
        Err(refused) => Some((refused.line, refused.col, refused.message.clone())),
        Ok(report) => report
            .error
            .as_deref()
            .and_then(|error| python::error_line(error).map(|line| (line, 1, error.to_string()))),
    };
    controller.source_error(marked.map(|(line, col, words)| (line, col, AttrValue::from(words))));
    result
}

/// The lesson whose Python `source` is, as loaded in the page (an Edit and run not yet edited).
fn known_lesson(source: &str) -> Option<&'static str> {
    lessons::LESSONS.iter().map(|l| l.id).find(|id| {
        super::lesson_texts::loaded(id)
            .is_some_and(|texts| texts.python.trim_end() == source.trim_end())
    })
}

/// The playground's summary, editor, seed and link.
#[component]
fn Playground(props: &PlaygroundProps) -> Html {
    let link = use_state(|| None::<Result<String, String>>);
    let python = &props.page.python;
    let on_change = {
        let controller = props.controller.clone();
        let link = link.clone();
        Callback::from(move |source: String| {
            link.set(None);
            controller.set_source(source);
        })
    };
    let on_run = {
        let controller = props.controller.clone();
        let python = python.clone();
        Callback::from(move |()| run_from_page(controller.clone(), python.clone()))
    };
    let on_seed = {
        let controller = props.controller.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            controller.set_seed(input.value());
        })
    };
    let on_share = {
        let source = python.source.clone();
        let link = link.clone();
        Callback::from(move |_: MouseEvent| {
            let (source, link) = (source.clone(), link.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let made = super::python_link::permalink(&source).await;
                if let (Ok(url), Some(clipboard)) =
                    (&made, web_sys::window().map(|w| w.navigator().clipboard()))
                {
                    let _ = clipboard.write_text(url);
                }
                link.set(Some(made));
            });
        })
    };
    html! {
        <section class="playground" aria-label="Your program">
            <p class="summary" data-testid="summary">{ SUMMARY }</p>
            <Editor source={python.source.clone()} on_change={on_change} on_run={on_run}
                    error={python.error.clone()} label="Your asyncio program" />
            <div class="share">
                <label class="param">
                    <span class="param-name">{ "seed" }</span>
                    <input type="text" inputmode="numeric" data-param="seed" value={python.seed.clone()}
                           oninput={on_seed} aria-describedby="help-seed" />
                    <span class="param-help" id="help-seed">{ "seeds random as random.seed(n) does (empty: from the clock, as Python)" }</span>
                </label>
                <button type="button" class="link" data-testid="python-share" onclick={on_share}>
                    { "Copy a link to this program" }
                </button>
                { match &*link {
                    Some(Ok(url)) => html! {
                        <input type="text" readonly=true class="permalink" data-testid="python-permalink"
                               aria-label="The link to this program (copied)" value={url.clone()} />
                    },
                    Some(Err(why)) => html! { <span class="muted" role="status">{ format!("No link: {why}") }</span> },
                    None => html! {},
                } }
            </div>
        </section>
    }
}
