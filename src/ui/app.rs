//! The page: header, the lesson list, the lesson on show and its trace.

use gloo_events::EventListener;
use yew::prelude::*;

use super::automation::{self, plan_from_query};
use super::lesson::LessonView;
use super::state::{Controller, PageState};
use crate::lessons::{Article, Lesson, LESSONS};

/// Resolves after the next frame has painted: its animation frame callback, then a task after it.
async fn after_first_paint() {
    let (painted, frame) = futures::channel::oneshot::channel();
    let _frame = gloo_render::request_animation_frame(move |_| {
        let _ = painted.send(());
    });
    let _ = frame.await;
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Longest the lessons chunk's prefetch waits for the first lesson's texts (a host that never
/// answers must not keep it from ever starting).
const TEXTS_WAIT_MS: u32 = 5000;

/// Longest [`idle`] waits for the browser to be idle.
const IDLE_WAIT_MS: u32 = 1000;

/// Resolves when the browser next has idle time (`requestIdleCallback`, at most
/// [`IDLE_WAIT_MS`] later), or after a task where it has no such call (Safari).
async fn idle() {
    use wasm_bindgen::{closure::Closure, JsCast};
    let (sender, idle) = futures::channel::oneshot::channel();
    let callback = Closure::once(move || {
        let _ = sender.send(());
    });
    let asked = web_sys::window().and_then(|window| {
        let request = js_sys::Reflect::get(&window, &"requestIdleCallback".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"timeout".into(), &IDLE_WAIT_MS.into()).ok()?;
        request.call2(&window, callback.as_ref(), &options).ok()
    });
    match asked {
        // The callback is kept (held here) until it has run.
        Some(_) => drop(idle.await),
        None => gloo_timers::future::TimeoutFuture::new(0).await,
    }
}

#[component]
pub fn App() -> Html {
    // The URL is read once, when the page opens.
    let plan = use_memo((), |_| plan_from_query(&automation::query_pairs()));
    let page = {
        let plan = plan.clone();
        use_reducer(move || {
            PageState::new(plan.lesson, &plan.inputs, plan.notice.clone(), plan.view)
        })
    };
    let controller = use_memo((), {
        let dispatch = page.dispatcher();
        let view = plan.view;
        move |_| Controller::new(dispatch, view)
    });

    {
        let controller = (*controller).clone();
        use_effect_with((), move |_| {
            // The page is empty until now: this is when the app first shows (the benchmark's
            // first_paint_ms reads it where the browser gives no paint timing).
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                let _ = performance.mark("asyncscope:first-render");
            }
            crate::trace::set_devtools_tracks(plan.devtools);
            let api = match automation::install(controller.clone()) {
                Ok(api) => Some(api),
                Err(_) => {
                    controller.notice("window.asyncscope could not be installed on this page");
                    None
                }
            };
            let playground = plan.lesson.id == crate::lessons::python::ID;
            if playground && (plan.python.is_some() || plan.run.is_some()) {
                // A program in the address (decoded by the playground's code, in the chunk),
                // run if the address says so.
                super::playground::open(&controller, plan.python.clone(), plan.run.is_some());
            } else if let Some(params) = plan.run.clone() {
                let lesson = plan.lesson;
                wasm_bindgen_futures::spawn_local(async move {
                    controller.run(lesson, params).await;
                });
            } else {
                // The lessons chunk, fetched once the page has painted. When the lesson shown
                // is in it (a link to `?lesson=gather`), its Run needs it: fetched at once. When
                // it is the landing lesson, the chunk is for a later choice and for the trace
                // panel (whose place waits for it, src/ui/trace.rs): fetched once the
                // lesson's texts have come (or 5 s have passed) and the browser is idle, so that
                // its download and compilation do not compete with what the page shows first
                // (right after the paint, they made a first visit work about 0.1 s later:
                // `./dev bench`'s bundle.first_visit). Not when the URL starts a run: that run
                // loads what it needs, and nothing else competes with it. A failed fetch is said
                // by the run that needs it (which tries again), and by the trace panel's place.
                let shown = plan.lesson;
                wasm_bindgen_futures::spawn_local(async move {
                    after_first_paint().await;
                    if matches!(shown.code, crate::lessons::Code::Page { .. }) {
                        let texts = Box::pin(super::lesson_texts::settled(shown.id));
                        let late = gloo_timers::future::TimeoutFuture::new(TEXTS_WAIT_MS);
                        futures::future::select(texts, late).await;
                        idle().await;
                    }
                    let _ = crate::lessons::chunk::preload().await;
                });
            }
            move || drop(api)
        });
    }

    // Note when the tab goes into the background: its timers are throttled from then on. The
    // listener is the effect's: removed when the app goes.
    {
        let controller = (*controller).clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window()
                .and_then(|w| w.document())
                .map(|document| {
                    EventListener::new(&document, "visibilitychange", move |_| {
                        if super::state::page_hidden() {
                            controller.hidden();
                        }
                    })
                });
            move || drop(listener)
        });
    }

    let on_select = {
        let controller = (*controller).clone();
        Callback::from(move |lesson: &'static Lesson| controller.select(lesson))
    };
    let on_playground = {
        let controller = (*controller).clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            controller.open_playground(None);
            // The interpreter is in the lessons chunk: fetched as the editor opens.
            wasm_bindgen_futures::spawn_local(async {
                let _ = crate::lessons::chunk::preload().await;
            });
        })
    };

    html! {
        <div class="app" data-build={if cfg!(debug_assertions) { "debug" } else { "release" }}>
            <a class="skip-link" href="#lesson" data-testid="skip-link">{ "Skip to the lesson" }</a>
            <header class="topbar">
                <h1>{ "asyncscope" }</h1>
                <p class="tagline">{ "Asynchronous Rust, running on your browser's event loop, traced as it runs." }</p>
                if cfg!(debug_assertions) {
                    <span class="build-badge" data-testid="build-badge"
                          title="A development build (trunk serve): the code is optimised less and checks more than in the release build (trunk build --release), so each poll takes longer than it would there.">
                        { "debug build: polls run slower" }
                    </span>
                }
                <ThemeSwitch />
            </header>
            <LessonList current={page.lesson.id} on_select={on_select} on_playground={on_playground} />
            <LessonView page={(*page).clone()} controller={(*controller).clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LessonListProps {
    current: &'static str,
    on_select: Callback<&'static Lesson>,
    on_playground: Callback<MouseEvent>,
}

/// The lessons, grouped by the seed article they come from.
#[component]
fn LessonList(props: &LessonListProps) -> Html {
    // In the order the registry first names each article.
    let mut by_article: Vec<(&Article, Vec<&'static Lesson>)> = Vec::new();
    for lesson in LESSONS {
        match by_article
            .iter_mut()
            .find(|(a, _)| a.title == lesson.article.title)
        {
            Some((_, lessons)) => lessons.push(lesson),
            None => by_article.push((lesson.article, vec![lesson])),
        }
    }
    let playground = crate::lessons::python::ID;
    let on_pick = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let lessons = LESSONS
                .iter()
                .copied()
                .chain([&crate::lessons::python::LESSON]);
            if let Some(lesson) = lessons.into_iter().find(|l| l.id == select.value()) {
                on_select.emit(lesson);
            }
        })
    };
    html! {
        <nav class="lessons" aria-label="Lessons">
            // On a phone (the stylesheet shows one or the other): a drop-down of the same lessons.
            <label class="lesson-picker">
                <span class="muted">{ "Lesson" }</span>
                <select data-testid="lesson-picker" onchange={on_pick}>
                    <option value={playground} selected={props.current == playground}>{ "Playground: your own program" }</option>
                    { for by_article.iter().map(|(article, lessons)| html! {
                        <optgroup label={article.title_en}>
                            { for lessons.iter().map(|lesson| html! {
                                <option value={lesson.id} selected={lesson.id == props.current}>{ lesson.title }</option>
                            }) }
                        </optgroup>
                    }) }
                </select>
            </label>
            <a href={format!("?lesson={playground}")} data-testid="playground" data-lesson={playground}
               class={classes!("playground-entry", (props.current == playground).then_some("current"))}
               aria-current={(props.current == playground).then_some("page")}
               onclick={props.on_playground.clone()}>
                { "Playground: run your own asyncio program" }
            </a>
            { for by_article.into_iter().map(|(article, lessons)| html! {
                <section class="article">
                    <h2>{ article.title_en }</h2>
                    <p class="article-original" lang="zh-CN">{ article.title }</p>
                    <p class="article-summary">{ article.summary }</p>
                    <ul>
                        { for lessons.into_iter().map(|lesson| {
                            let on_select = props.on_select.clone();
                            let current = lesson.id == props.current;
                            html! {
                                <li>
                                    <a href={format!("?lesson={}", lesson.id)}
                                       class={classes!(current.then_some("current"))}
                                       aria-current={current.then_some("page")}
                                       data-lesson={lesson.id}
                                       onclick={Callback::from(move |e: MouseEvent| {
                                           e.prevent_default();
                                           on_select.emit(lesson);
                                       })}>
                                        { lesson.title }
                                    </a>
                                </li>
                            }
                        }) }
                    </ul>
                </section>
            }) }
        </nav>
    }
}

const THEMES: [&str; 3] = ["auto", "light", "dark"];
const THEME_KEY: &str = "asyncscope-theme";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Puts `theme` on `<html data-theme>` (the stylesheet reads it); "auto" follows the system.
fn apply_theme(theme: &str) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = match theme {
            "auto" => root.remove_attribute("data-theme"),
            t => root.set_attribute("data-theme", t),
        };
    }
}

/// Light, dark, or the system's choice (prefers-color-scheme); remembered in localStorage.
#[component]
fn ThemeSwitch() -> Html {
    let theme = use_state(|| {
        storage()
            .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
            .filter(|t| THEMES.contains(&t.as_str()))
            .unwrap_or_else(|| "auto".to_string())
    });
    use_effect_with((*theme).clone(), |t| apply_theme(t));
    let onclick = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let i = THEMES.iter().position(|t| *t == *theme).unwrap_or(0);
            let next = THEMES[(i + 1) % THEMES.len()];
            if let Some(s) = storage() {
                let _ = s.set_item(THEME_KEY, next);
            }
            theme.set(next.to_string());
        })
    };
    html! {
        <button type="button" class="theme-switch" data-testid="theme-switch" data-theme-choice={(*theme).clone()}
                aria-label={format!("Colour theme: {} (click to change)", *theme)} {onclick}>
            { format!("Theme: {}", *theme) }
        </button>
    }
}
