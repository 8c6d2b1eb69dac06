//! One lesson: what it shows, its Python and Rust side by side, its parameters, Run and Cancel,
//! the live log, the checks of the last run, and the trace.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::export;
use super::lesson_texts::{use_lesson_texts, Load};
use super::log::Log;
use super::playground::PlaygroundSlot;
use std::rc::Rc;

use super::state::{Controller, PageState, Phase, View};
use super::trace::TraceSlot;
use crate::lessons::{Code as LessonCode, Lesson, RunReport};
use crate::trace::now_ms;

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    /// The page's state (cheap to clone: see [`PageState`]).
    pub page: PageState,
    pub controller: Controller,
}

#[component]
pub fn LessonView(props: &LessonProps) -> Html {
    let page = &props.page;
    let lesson = page.lesson;
    let phase = page.phase();
    let running = matches!(phase, Phase::Running);
    let (texts, retry) = use_lesson_texts(lesson.id);
    // Built when the lesson or its inputs change, not at every live refresh.
    let permalink = use_memo((lesson.id, page.inputs.clone()), |(id, inputs)| {
        AttrValue::from(export::permalink(id, inputs))
    });

    let playground = matches!(lesson.code, LessonCode::Python);
    let on_run = {
        let controller = props.controller.clone();
        let inputs = page.inputs.clone();
        let python = page.python.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if playground {
                super::playground::run(&controller, &python);
                return;
            }
            match lesson.validate(inputs.iter().map(|(n, v)| (*n, v.as_str()))) {
                Ok(params) => {
                    let controller = controller.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        controller.run(lesson, params).await;
                    });
                }
                Err(e) => controller.notice(e.to_string()),
            }
        })
    };
    let on_cancel = {
        let controller = props.controller.clone();
        Callback::from(move |_: MouseEvent| controller.cancel())
    };
    let on_dismiss = {
        let controller = props.controller.clone();
        Callback::from(move |_: MouseEvent| controller.dismiss_notice())
    };

    html! {
        <main class="lesson" id="lesson" tabindex="-1" data-scenario={lesson.id} data-run-state={page.run_state()}>
          // Run, Cancel and the status stay in view at the top while the lesson and its trace scroll.
          <div class="runbar" data-testid="runbar">
              <span class="runbar-title">{ lesson.title }</span>
              <button type="submit" form="run-form" class="run" data-testid="run">{ if running { "Restart" } else { "Run" } }</button>
              <button type="button" class="cancel" data-testid="cancel" disabled={!running} onclick={on_cancel}>{ "Cancel" }</button>
              <Status page={page.clone()} />
          </div>
          <div class="lesson-body">
            <header class="lesson-head">
                <h2>{ lesson.title }</h2>
                <p class="source">
                    { "From " }<cite>{ lesson.article.title_en }</cite>
                    { " (" }<span lang="zh-CN">{ lesson.article.title }</span>{ "), §" }{ lesson.section }
                </p>
                if !playground {
                { match &texts {
                    Load::Loaded(texts) => html! {
                        <p class="summary" data-testid="summary">{ texts.summary.clone() }</p>
                    },
                    Load::Loading => html! { <p class="summary" aria-busy="true">{ "…" }</p> },
                    // The code panes say why.
                    Load::Failed(_) => html! {},
                } }
                }
            </header>

            if let Some(message) = &page.notice {
                <div class="notice" role="alert" data-testid="notice">
                    <span>{ message.clone() }</span>
                    <button type="button" onclick={on_dismiss} aria-label="Dismiss this message">{ "×" }</button>
                </div>
            }

            if playground {
                <PlaygroundSlot page={page.clone()} controller={props.controller.clone()} />
            } else {
                <Code lesson={lesson} texts={texts.clone()} retry={retry} controller={props.controller.clone()} />
            }

            <form class="controls" id="run-form" onsubmit={on_run}>
                { for lesson.params.iter().map(|spec| {
                    let value = page.inputs.iter().find(|(n, _)| *n == spec.name).map(|(_, v)| v.clone()).unwrap_or_default();
                    let controller = props.controller.clone();
                    let name = spec.name;
                    let oninput = Callback::from(move |e: InputEvent| {
                        let input: HtmlInputElement = e.target_unchecked_into();
                        controller.set_input(name, input.value());
                    });
                    let help_id = format!("help-{}", spec.name);
                    if spec.choices.is_empty() {
                        html! {
                            <label class="param">
                                <span class="param-name">{ spec.name }</span>
                                <input type="text" inputmode="decimal" data-param={spec.name}
                                       value={value} {oninput} aria-describedby={help_id.clone()} />
                                <span class="param-help" id={help_id}>
                                    { format!("{} ({} to {})", spec.help, spec.min, spec.max) }
                                </span>
                            </label>
                        }
                    } else {
                        let controller = props.controller.clone();
                        let onchange = Callback::from(move |e: Event| {
                            let select: HtmlSelectElement = e.target_unchecked_into();
                            controller.set_input(name, select.value());
                        });
                        // The input holds a name or an index: show the matching choice selected.
                        let chosen = spec.choices.iter().position(|c| *c == value)
                            .or_else(|| value.parse::<usize>().ok());
                        html! {
                            <label class="param">
                                <span class="param-name">{ spec.name }</span>
                                <select data-param={spec.name} {onchange} aria-describedby={help_id.clone()}>
                                    { for spec.choices.iter().enumerate().map(|(i, c)| html! {
                                        <option value={*c} selected={chosen == Some(i)}>{ *c }</option>
                                    }) }
                                </select>
                                <span class="param-help" id={help_id}>{ spec.help }</span>
                            </label>
                        }
                    }
                }) }
            </form>

            if page.view == View::Live {
                <Log printed={page.run.printed.clone()} shown={page.run.shown} />
            } else {
                <p class="muted" data-testid="view-none">
                    { "The views are detached (?view=none): nothing of a run is drawn while it runs. window.asyncscope.run returns its report." }
                </p>
            }

            if let Phase::Finished(report) = phase {
                if !report.notes.is_empty() {
                    <ul class="notes" data-testid="notes" aria-label="Notes on the run">
                        { for report.notes.iter().map(|n| html! {
                            <li><span class="t">{ format!("{:>8.1} ms", n.t_ms) }</span>{ &n.text }</li>
                        }) }
                    </ul>
                }
                if let Some(error) = &report.error {
                    <p class="run-error" data-testid="run-error">{ error }</p>
                }
                if report.lines_dropped > 0 {
                    <p class="dropped">{ format!("{} earlier lines were dropped to keep memory bounded", report.lines_dropped) }</p>
                }
                <Checks report={Rc::clone(report)} />
            }

          </div>
            if page.view == View::Live {
                <TraceSlot generation={page.run.generation} running={running} name={lesson.id}
                           permalink={(*permalink).clone()} />
            }
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct CodeProps {
    lesson: &'static Lesson,
    texts: Load,
    retry: Callback<MouseEvent>,
    controller: Controller,
}

/// The lesson's Python beside the Rust that runs, fetched when the lesson opens (with its
/// summary, shown above): "loading" until they arrive (`aria-busy`), and a message with a retry
/// button if they cannot be loaded (the lesson still runs).
#[component]
fn Code(props: &CodeProps) -> Html {
    let (lesson, texts, retry) = (props.lesson, &props.texts, props.retry.clone());
    let on_edit = {
        let controller = props.controller.clone();
        let python = match texts {
            Load::Loaded(texts) => Some(texts.python.to_string()),
            _ => None,
        };
        Callback::from(move |_: MouseEvent| controller.open_playground(python.clone()))
    };
    let source = format!("src/lessons/{}.rs", lesson.file_stem());
    let loading = AttrValue::Static("Loading…");
    let (python, rust) = match &texts {
        Load::Loaded(texts) => (texts.python.clone(), texts.rust.clone()),
        _ => (loading.clone(), loading),
    };
    let python_caption = match &texts {
        Load::Loaded(texts) if texts.python.starts_with("# Adapted") => {
            "Python (adapted from the seed)"
        }
        Load::Loaded(_) => "Python (the seed's program)",
        _ => "Python",
    };
    html! {
        <>
            if let Load::Failed(why) = &texts {
                <div class="notice" role="alert" data-testid="texts-error">
                    <span>{ format!("The lesson's summary, Python and Rust could not be loaded ({why}). The lesson still runs without them.") }</span>
                    <button type="button" class="retry" onclick={retry}>{ "Try again" }</button>
                </div>
            }
            if !matches!(texts, Load::Failed(_)) {
                <div class="code" aria-busy={(*texts == Load::Loading).to_string()}>
                    <figure>
                        <figcaption>
                            { python_caption }
                            <button type="button" class="link edit-python" data-testid="edit-python"
                                    disabled={!matches!(texts, Load::Loaded(_))} onclick={on_edit}
                                    title="Open this Python in the playground's editor, change it and run it">
                                { "Edit and run" }
                            </button>
                        </figcaption>
                        <CodePane testid="python" text={python} />
                    </figure>
                    <figure>
                        <figcaption>{ "Rust (what runs, from " }<code>{ source }</code>{ ")" }</figcaption>
                        <CodePane testid="rust" text={rust} />
                    </figure>
                </div>
            }
        </>
    }
}

/// Code longer than this many lines is folded to it, with a button that shows it all.
const FOLDED_LINES: usize = 15;

#[derive(Properties, PartialEq)]
struct CodePaneProps {
    testid: &'static str,
    text: AttrValue,
}

/// A block of code, folded to [`FOLDED_LINES`] lines when longer ("Show all 42 lines").
#[component]
fn CodePane(props: &CodePaneProps) -> Html {
    let open = use_state(|| false);
    let lines = props.text.lines().count();
    // A few lines more than the fold are shown whole: folding 16 lines to 15 hides nothing.
    let foldable = lines > FOLDED_LINES + 4;
    let folded = foldable && !*open;
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    html! {
        <>
            <pre data-testid={props.testid} tabindex="0" class={classes!(folded.then_some("folded"))}
                 style={format!("--folded-lines: {FOLDED_LINES}")}><code>{ props.text.clone() }</code></pre>
            if foldable {
                <button type="button" class="link fold" onclick={toggle} aria-expanded={(*open).to_string()}>
                    { if *open { "Show less".to_string() } else { format!("Show all {lines} lines") } }
                </button>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct StatusProps {
    page: PageState,
}

/// The run's state and elapsed time, brought up to date at each live refresh (with the views
/// detached, only the state), and a "live" mark whose dot blinks at each refresh.
#[component]
fn Status(props: &StatusProps) -> Html {
    let page = &props.page;
    let phase = page.phase();
    let live = page.view == View::Live && matches!(phase, Phase::Running);
    let hidden = page.run.hidden && !matches!(phase, Phase::Idle);
    let text = match phase {
        Phase::Idle => "not run yet: press Run".to_string(),
        Phase::Running if page.view == View::Detached => "running…".to_string(),
        Phase::Running => {
            let elapsed = format!("running… {:.0} ms", now_ms() - page.run.started_ms);
            // A lesson that narrates its phases: what it is doing now.
            match page.run.printed.as_ref().and_then(|p| p.phase()) {
                Some(phase) => format!("{elapsed} · {phase}"),
                None => elapsed,
            }
        }
        Phase::Finished(report) => {
            format!("{} in {:.1} ms", report.state.as_str(), report.elapsed_ms)
        }
    };
    // Two looks of the dot, swapped at each refresh (a step: no animation, see style.css).
    let pulse = if page.run.refreshes.is_multiple_of(2) {
        "pulse-a"
    } else {
        "pulse-b"
    };
    html! {
        <>
            <output class="status" data-testid="status" aria-live="polite">{ text }</output>
            if live {
                <span class={classes!("live", pulse)} data-testid="live" aria-hidden="true"
                      title="The views refresh a few times a second while the run lasts">{ "live" }</span>
            }
            if hidden {
                <p class="hidden-note" role="note" data-testid="hidden-note">
                    { "This tab was in the background during the run. Browsers throttle timers in hidden tabs (to about once a second), so late wakes here are the browser's doing, not the program's: run it again with the tab in view." }
                </p>
            }
            if let (Some(ms), false) = (page.run.frozen_ms.filter(|_| !matches!(phase, Phase::Idle)), hidden) {
                <p class="hidden-note" role="note" data-testid="frozen-note">
                    { format!("The page was frozen for {:.1} s during the run: one task ran that long without giving the event loop back (the lesson's or another script's), so no timer could fire meanwhile and wakes in that stretch were late by up to that much, not by the program's sleeps.", ms / 1000.0) }
                </p>
            }
        </>
    }
}

/// A run's report, the same when it is the same allocation (see [`Phase`]'s equality).
#[derive(Properties)]
struct ChecksProps {
    report: Rc<RunReport>,
}

impl PartialEq for ChecksProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.report, &other.report)
    }
}

/// The lesson's verdicts on the run.
#[component]
fn Checks(props: &ChecksProps) -> Html {
    if props.report.checks.is_empty() {
        // Only the playground's own programs: nothing to compare them with.
        return html! {
            <section class="checks" aria-label="Checks">
                <h3>{ "Checks" }</h3>
                <p class="muted" data-testid="no-checks">
                    { "None: a program of your own has nothing to be compared with. A lesson's Python, run unedited (its Edit and run), is checked against what CPython 3.11 printed." }
                </p>
            </section>
        };
    }
    html! {
        <section class="checks" aria-label="Checks">
            <h3>{ "Checks" }</h3>
            <ul data-testid="checks">
                { for props.report.checks.iter().enumerate().map(|(i, c)| html! {
                    <li class={if c.ok { "ok" } else { "fail" }} data-check-ok={c.ok.to_string()}>
                        <span class="mark" aria-hidden="true">{ if c.ok { "✓" } else { "✗" } }</span>
                        <span class="name">{ &c.name }</span>
                        <CheckDetail report={Rc::clone(&props.report)} index={i} />
                    </li>
                }) }
            </ul>
        </section>
    }
}

/// Check `index` of `report`.
#[derive(Properties)]
struct CheckDetailProps {
    report: Rc<RunReport>,
    index: usize,
}

impl PartialEq for CheckDetailProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.report, &other.report) && self.index == other.index
    }
}

/// A check's expected and measured values; past [`LONG_DETAIL`] characters, a summary in their
/// place ("200 lines match", or where they first differ) and a button that shows them whole.
#[component]
fn CheckDetail(props: &CheckDetailProps) -> Html {
    let open = use_state(|| false);
    let Some(c) = props.report.checks.get(props.index) else {
        return html! {};
    };
    let full = format!("expected {}, measured {}", c.expected, c.actual);
    if full.chars().count() <= LONG_DETAIL || *open {
        return html! { <span class="detail">{ full }</span> };
    }
    let onclick = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(true))
    };
    html! {
        <span class="detail">
            { summary(&c.expected, &c.actual) }{ " " }
            <button type="button" class="link" {onclick}
                    aria-label={format!("Show the whole of what {} expected and measured", c.name)}>
                { format!("show all ({} characters)", full.chars().count()) }
            </button>
        </span>
    }
}

/// Details longer than this many characters are summarised.
const LONG_DETAIL: usize = 240;

/// What a person needs of two long values: that they match (and how many " / "-separated items,
/// the lines of `check_lines`), or the first item where they differ.
pub fn summary(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (
        expected.split(" / ").collect(),
        actual.split(" / ").collect(),
    );
    let clip = |s: &str| {
        let mut out: String = s.chars().take(60).collect();
        if s.chars().count() > 60 {
            out.push('…');
        }
        out
    };
    if expected == actual {
        return if e.len() > 1 {
            format!("{} lines match", e.len())
        } else {
            "expected and measured match".to_string()
        };
    }
    match e.iter().zip(&a).position(|(x, y)| x != y) {
        Some(i) => format!(
            "line {} differs: expected '{}', measured '{}'",
            i + 1,
            clip(e[i]),
            clip(a[i])
        ),
        None => format!("expected {} lines, measured {}", e.len(), a.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn long_details_are_summarised_by_what_matches_or_first_differs() {
        let lines: Vec<String> = (0..200).map(|i| format!("Hello {i}")).collect();
        let all = lines.join(" / ");
        assert_eq!(summary(&all, &all), "200 lines match");
        let mut other = lines.clone();
        other[41] = "Goodbye".to_string();
        assert_eq!(
            summary(&all, &other.join(" / ")),
            "line 42 differs: expected 'Hello 41', measured 'Goodbye'"
        );
        assert_eq!(
            summary(&all, &lines[..150].join(" / ")),
            "expected 200 lines, measured 150"
        );
        assert_eq!(summary("x", "x"), "expected and measured match");
    }
}
