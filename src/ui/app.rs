//! The page: header, the lesson list, the lesson on show and its trace.

use std::collections::BTreeMap;

use yew::prelude::*;

use super::automation::{self, plan_from_query};
use super::lesson::LessonView;
use super::state::{Controller, Lab};
use crate::scenarios::{Scenario, LESSONS};

#[component]
pub fn App() -> Html {
    // The URL is read once, when the page opens.
    let plan = use_memo((), |_| plan_from_query(&automation::query_pairs()));
    let lab = {
        let plan = plan.clone();
        use_reducer(move || Lab::new(plan.lesson, &plan.inputs, plan.notice.clone()))
    };
    let controller = use_memo((), {
        let dispatch = lab.dispatcher();
        move |_| Controller::new(dispatch)
    });

    {
        let controller = (*controller).clone();
        use_effect_with((), move |_| {
            let api = match automation::install(controller.clone()) {
                Ok(api) => Some(api),
                Err(_) => {
                    controller.notice("window.asyncscope could not be installed on this page");
                    None
                }
            };
            if let Some(params) = plan.run.clone() {
                let lesson = plan.lesson;
                wasm_bindgen_futures::spawn_local(async move {
                    controller.run(lesson, params).await;
                });
            }
            move || drop(api)
        });
    }

    let on_select = {
        let controller = (*controller).clone();
        Callback::from(move |lesson: &'static Scenario| controller.select(lesson))
    };

    html! {
        <div class="app">
            <header class="topbar">
                <h1>{ "asyncscope" }</h1>
                <p class="tagline">{ "Asynchronous Rust, running on your browser's event loop, traced as it runs." }</p>
            </header>
            <LessonList current={lab.lesson.id} on_select={on_select} />
            <LessonView lab={(*lab).clone()} controller={(*controller).clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LessonListProps {
    current: &'static str,
    on_select: Callback<&'static Scenario>,
}

/// The lessons, grouped by the seed article they come from.
#[component]
fn LessonList(props: &LessonListProps) -> Html {
    let mut by_article: BTreeMap<&str, Vec<&'static Scenario>> = BTreeMap::new();
    for lesson in LESSONS {
        by_article
            .entry(lesson.article.title)
            .or_default()
            .push(lesson);
    }
    html! {
        <nav class="lessons" aria-label="Lessons">
            { for by_article.into_iter().map(|(article, lessons)| html! {
                <section class="article">
                    <h2>{ article }</h2>
                    <ul>
                        { for lessons.into_iter().map(|lesson| {
                            let on_select = props.on_select.clone();
                            let current = lesson.id == props.current;
                            html! {
                                <li>
                                    <a href={format!("?scenario={}", lesson.id)}
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
