//! The page's automation contract, documented in the README:
//! - `?lesson=ID` (or `?scenario=ID`, its first name, which stays) opens a lesson, `&run=1` runs
//!   it on load, `&NAME=VALUE` sets a parameter;
//! - `window.asyncscope.lessons()` (or `scenarios()`, the same function) lists the lessons and
//!   their parameters;
//! - `window.asyncscope.run(id, params)` runs one in the page and resolves with its report;
//! - `?lesson=playground&python=CODE` opens the playground with a program (`python_link`), and
//!   `window.asyncscope.runPython(source, {seed})` runs one there and resolves with the same
//!   report as `run()`; a program the playground refuses rejects with the refusal's words.
//!
//! Bad input rejects the promise and shows the same message in the page.

use js_sys::{Array, Object, Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::state::{Controller, View};
use crate::browser::js::error_text;
use crate::lessons::{self, Lesson, ParamError, ParamSpec, Params, LESSONS};
use crate::trace;

/// What the URL asks for when the page opens.
pub struct StartPlan {
    pub lesson: &'static Lesson,
    /// The URL's parameter values, as given (shown in the form even when refused).
    pub inputs: Vec<(String, String)>,
    /// Run on load: `run=1` and everything valid.
    pub run: Option<Params>,
    /// Why the URL was not followed to the letter.
    pub notice: Option<String>,
    /// `devtools=1`: each poll also goes to Chrome's Performance panel as a custom track.
    pub devtools: bool,
    /// `view=none`: runs are not shown while they run (the benchmark's baseline).
    pub view: View,
    /// `python=CODE`: a program for the playground, still encoded (`python_link::decode`).
    pub python: Option<String>,
}

/// The URL's names for the lesson to open: `lesson`, and `scenario`, the name the automation
/// contract first gave it (scripts and links use it: it stays).
const LESSON_KEYS: [&str; 2] = ["lesson", "scenario"];

/// A URL parameter's name, with the lesson's two names as one.
fn canonical(key: &str) -> &str {
    if LESSON_KEYS.contains(&key) {
        LESSON_KEYS[0]
    } else {
        key
    }
}

/// Reads the URL's query pairs (already decoded). An unknown lesson falls back to the first
/// one with a notice; refused parameters show the notice and do not run.
pub fn plan_from_query(pairs: &[(String, String)]) -> StartPlan {
    let mut lesson = LESSONS[0];
    let mut notice = None;
    let mut wants_run = false;
    let mut devtools = false;
    let mut view = View::Live;
    let mut view_notice = None;
    let mut inputs = Vec::new();
    let mut python = None;
    // A name given twice is refused, whichever it is (the same rule as run()'s and the form's,
    // in `validate`): the form then shows that parameter's default, and nothing runs. The
    // lesson given as `lesson` and as `scenario` is given twice.
    let repeated = pairs
        .iter()
        .enumerate()
        .find(|(i, (key, _))| {
            pairs[..*i]
                .iter()
                .any(|(k, _)| canonical(k) == canonical(key))
        })
        .map(|(_, (key, _))| canonical(key));
    let repeated_notice = repeated.map(|name| {
        let given: Vec<&(String, String)> =
            pairs.iter().filter(|(k, _)| canonical(k) == name).collect();
        // Named as given, or as `lesson` when given under both names.
        let named = match given.first() {
            Some((first, _)) if given.iter().all(|(k, _)| k == first) => first.as_str(),
            _ => name,
        };
        ParamError::Repeated {
            name: lessons::clip(named),
            values: given.iter().map(|(_, v)| v.clone()).collect(),
        }
        .to_string()
    });
    for (key, value) in pairs {
        if Some(canonical(key)) == repeated {
            continue;
        }
        match canonical(key) {
            "lesson" => match lessons::find(value) {
                Ok(found) => lesson = found,
                Err(e) => notice = Some(e.to_string()),
            },
            "run" => wants_run = matches!(value.as_str(), "1" | "true" | "yes"),
            "python" => python = Some(value.clone()),
            "devtools" => devtools = matches!(value.as_str(), "1" | "true" | "yes"),
            "view" => match value.as_str() {
                "live" => view = View::Live,
                "none" => view = View::Detached,
                other => {
                    view_notice = Some(format!("view must be live or none, got '{other}'"));
                }
            },
            _ => inputs.push((key.clone(), value.clone())),
        }
    }
    // A program in the address opens the playground, unless the address names another lesson.
    if python.is_some() && !pairs.iter().any(|(k, _)| canonical(k) == "lesson") {
        lesson = &lessons::python::LESSON;
    }
    if python.is_some() && lesson.id != lessons::python::ID {
        view_notice = view_notice.or(Some(format!(
            "python= is for the playground (?lesson=playground), not the lesson '{}'",
            lesson.id
        )));
        python = None;
    }
    let mut notice = notice.or(repeated_notice).or(view_notice);
    let mut run = None;
    if notice.is_none() {
        match lesson.validate(inputs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(params) if wants_run => run = Some(params),
            Ok(_) => {}
            Err(e) => notice = Some(e.to_string()),
        }
    }
    StartPlan {
        lesson,
        inputs,
        run,
        notice,
        devtools,
        view,
        python,
    }
}

/// The URL's query pairs, decoded by the browser.
pub fn query_pairs() -> Vec<(String, String)> {
    let Some(search) = web_sys::window().and_then(|w| w.location().search().ok()) else {
        return Vec::new();
    };
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for entry in params.entries() {
        let Ok(entry) = entry else { continue };
        let entry = Array::from(&entry);
        if let (Some(k), Some(v)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((k, v));
        }
    }
    pairs
}

#[derive(Serialize)]
struct LessonInfo {
    id: &'static str,
    title: &'static str,
    params: &'static [ParamSpec],
}

/// `window.asyncscope`, for as long as this value lives: dropping it removes the object.
pub struct Automation {
    _reads: Vec<Closure<dyn Fn() -> JsValue>>,
    _run: Closure<dyn Fn(JsValue, JsValue) -> Promise>,
    _run_python: Closure<dyn Fn(JsValue, JsValue) -> Promise>,
}

#[derive(Serialize)]
struct WarningRow {
    kind: &'static str,
    task: u64,
    /// The event that first raised it, and when.
    event: u64,
    t_ms: f64,
    /// How many times it was raised, and the last event that did.
    count: u64,
    last_event: u64,
    last_t_ms: f64,
    /// Still holding (a self-wake storm clears when it calms down).
    active: bool,
    message: String,
}

impl Drop for Automation {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = Reflect::delete_property(&window, &JsValue::from_str("asyncscope"));
        }
    }
}

pub fn install(controller: Controller) -> Result<Automation, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let list_lessons = Closure::<dyn Fn() -> JsValue>::new(|| {
        let list: Vec<LessonInfo> = LESSONS
            .iter()
            .map(|s| LessonInfo {
                id: s.id,
                title: s.title,
                params: s.params,
            })
            .collect();
        serde_wasm_bindgen::to_value(&list).unwrap_or(JsValue::NULL)
    });
    let run_python = {
        let controller = controller.clone();
        Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(move |source: JsValue, options| {
            super::playground::run_js(&controller, source, options)
        })
    };
    let run = Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(move |id: JsValue, params| {
        let controller = controller.clone();
        future_to_promise(async move {
            let (lesson, params) = match parse_run_args(&id, &params) {
                Ok(ok) => ok,
                Err(message) => {
                    controller.notice(message.clone());
                    return Err(js_sys::Error::new(&message).into());
                }
            };
            let report = controller.run(lesson, params).await;
            serde_wasm_bindgen::to_value(&*report).map_err(JsValue::from)
        })
    });
    // The recording of the last run, read on demand.
    let trace = Closure::<dyn Fn() -> JsValue>::new(|| {
        js_sys::JSON::parse(&trace::chrome_trace_json()).unwrap_or(JsValue::NULL)
    });
    let tasks = Closure::<dyn Fn() -> JsValue>::new(|| {
        let rows = trace::with_recorder(|r| trace::task_rows(r, trace::now_ms()));
        serde_wasm_bindgen::to_value(&rows).unwrap_or(JsValue::NULL)
    });
    let warnings = Closure::<dyn Fn() -> JsValue>::new(|| {
        let rows: Vec<WarningRow> = trace::with_recorder(|r| {
            r.warnings()
                .iter()
                .map(|w| WarningRow {
                    kind: w.kind.code(),
                    task: w.task.get(),
                    event: w.event,
                    t_ms: w.t_ms,
                    count: w.count,
                    last_event: w.last_event,
                    last_t_ms: w.last_t_ms,
                    active: w.active,
                    message: w.to_string(),
                })
                .collect()
        });
        serde_wasm_bindgen::to_value(&rows).unwrap_or(JsValue::NULL)
    });
    let sleeps = Closure::<dyn Fn() -> JsValue>::new(|| {
        let rows = trace::with_recorder(trace::sleep_rows);
        serde_wasm_bindgen::to_value(&rows).unwrap_or(JsValue::NULL)
    });
    let api = Object::new();
    // One function under both names: `scenarios` is the contract's first.
    Reflect::set(&api, &"lessons".into(), list_lessons.as_ref())?;
    Reflect::set(&api, &"scenarios".into(), list_lessons.as_ref())?;
    Reflect::set(&api, &"run".into(), run.as_ref())?;
    Reflect::set(&api, &"runPython".into(), run_python.as_ref())?;
    Reflect::set(&api, &"trace".into(), trace.as_ref())?;
    Reflect::set(&api, &"tasks".into(), tasks.as_ref())?;
    Reflect::set(&api, &"warnings".into(), warnings.as_ref())?;
    Reflect::set(&api, &"sleeps".into(), sleeps.as_ref())?;
    Reflect::set(&window, &"asyncscope".into(), &api)?;
    Ok(Automation {
        _reads: vec![list_lessons, trace, tasks, warnings, sleeps],
        _run: run,
        _run_python: run_python,
    })
}

/// `runPython(source, options)`'s arguments: the program as a string, and an optional
/// `{seed}`, a whole number from 0 to 2^53 (JavaScript's exact integers). Every read of
/// `options` catches, as `parse_run_args` says why.
pub(super) fn parse_python_args(
    source: &JsValue,
    options: &JsValue,
) -> Result<(String, Option<u64>), String> {
    let source = source
        .as_string()
        .ok_or("runPython(source, options): source must be a string of Python")?;
    if options.is_undefined() || options.is_null() {
        return Ok((source, None));
    }
    if !options.is_object() || is_array(options).unwrap_or(true) {
        return Err(
            "runPython(source, options): options must be an object such as {seed: 1}".into(),
        );
    }
    let names = object_keys(options).map_err(|e| {
        format!(
            "runPython: reading options threw: {}",
            lessons::clip(&error_text(&e))
        )
    })?;
    for name in names.iter() {
        let name = name.as_string().unwrap_or_default();
        if name != "seed" {
            return Err(format!(
                "runPython(source, options): no option '{}': the options are seed",
                lessons::clip(&name)
            ));
        }
    }
    let seed = Reflect::get(options, &"seed".into()).map_err(|e| {
        format!(
            "runPython: reading options.seed threw: {}",
            lessons::clip(&error_text(&e))
        )
    })?;
    if seed.is_undefined() || seed.is_null() {
        return Ok((source, None));
    }
    match seed.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&n) => {
            Ok((source, Some(n as u64)))
        }
        _ => Err(format!(
            "runPython(source, options): seed must be a whole number from 0 to 2^53, got {}",
            lessons::clip(&param_text(&seed))
        )),
    }
}

/// `run(id, params)`'s arguments, validated: an id string and an optional object of numbers.
///
/// `params` is whatever the caller passed: a getter or a `Proxy` trap may throw, and a revoked
/// `Proxy` throws at any touch. Every read of it goes through a catching call (`Object.keys`,
/// `Array.isArray`, `Reflect.get`, `JSON.stringify` all return a `Result` here): an exception
/// that escaped into Rust would unwind through the futures executor and stop every task after
/// it, other `run()` calls included.
fn parse_run_args(id: &JsValue, params: &JsValue) -> Result<(&'static Lesson, Params), String> {
    let id = id
        .as_string()
        .ok_or("run(id, params): id must be a lesson id string, such as 'hello-sleep'")?;
    let lesson = lessons::find(&id).map_err(|e| e.to_string())?;
    let mut raw: Vec<(String, String)> = Vec::new();
    if !params.is_undefined() && !params.is_null() {
        let not_an_object = || {
            format!(
                "run(id, params): params must be an object such as {{{}: 1}}",
                lesson.params.first().map_or("name", |p| p.name)
            )
        };
        let threw = |what: &str, e: JsValue| {
            format!(
                "run(id, params): reading params threw ({what}): {}",
                lessons::clip(&error_text(&e))
            )
        };
        if !params.is_object() || is_array(params).map_err(|e| threw("Array.isArray", e))? {
            return Err(not_an_object());
        }
        let names = object_keys(params).map_err(|e| threw("Object.keys", e))?;
        for name in names.iter() {
            let name = name.as_string().unwrap_or_default();
            // An unknown name is refused before any value is read.
            if !lesson.params.iter().any(|p| p.name == name) {
                return Err(lesson
                    .validate([(name.as_str(), "")])
                    .map_or_else(|e| e.to_string(), |_| not_an_object()));
            }
            let value = Reflect::get(params, &JsValue::from_str(&name))
                .map_err(|e| threw(&format!("its {name}"), e))?;
            raw.push((name, param_text(&value)));
        }
    }
    let params = lesson
        .validate(raw.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e: ParamError| e.to_string())?;
    Ok((lesson, params))
}

/// A parameter value from JS as text, as the URL would give it: a number as JavaScript writes
/// it (`Infinity`, `NaN`, `-0` as `0`: the same names as in an address), a string as it is, and
/// anything else as JSON, so that the message says what was given.
fn param_text(value: &JsValue) -> String {
    if value.as_f64().is_some() {
        return value
            .unchecked_ref::<js_sys::Number>()
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_else(|_| "a number".to_string());
    }
    if let Some(text) = value.as_string() {
        return text;
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "a value that is not a number".to_string())
}

#[wasm_bindgen]
extern "C" {
    /// `Array.isArray`, which throws for a revoked `Proxy`.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    /// `Object.keys`: own enumerable string keys, through a `Proxy`'s traps (which may throw).
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn scenario_and_run_open_and_run_a_lesson_with_its_parameters() {
        let plan = plan_from_query(&pairs(&[
            ("scenario", "hello-sleep"),
            ("run", "1"),
            ("delay_ms", "200"),
        ]));
        assert_eq!(plan.lesson.id, "hello-sleep");
        assert_eq!(plan.run.and_then(|p| p.value("delay_ms")), Some(200.0));
        assert_eq!(plan.notice, None);
    }

    #[test]
    fn devtools_is_a_switch_not_a_lesson_parameter() {
        let plan = plan_from_query(&pairs(&[("scenario", "hello-sleep"), ("devtools", "1")]));
        assert!(plan.devtools);
        assert!(plan.notice.is_none());
        assert!(!plan_from_query(&[]).devtools);
    }

    #[test]
    fn view_none_detaches_the_views_and_anything_else_is_refused() {
        let plan = plan_from_query(&pairs(&[
            ("scenario", "hello-sleep"),
            ("view", "none"),
            ("run", "1"),
        ]));
        assert_eq!(plan.view, View::Detached);
        assert!(plan.notice.is_none());
        assert!(plan.run.is_some(), "a detached page still runs");
        assert_eq!(plan_from_query(&[]).view, View::Live);
        let bad = plan_from_query(&pairs(&[
            ("scenario", "hello-sleep"),
            ("view", "off"),
            ("run", "1"),
        ]));
        assert_eq!(
            bad.notice.as_deref(),
            Some("view must be live or none, got 'off'")
        );
        assert!(bad.run.is_none(), "a refused parameter runs nothing");
    }

    #[test]
    fn a_parameter_given_twice_is_refused_and_the_form_shows_its_default() {
        for (second, values) in [("300", "'10', '300'"), ("70000", "'10', '70000'")] {
            let plan = plan_from_query(&pairs(&[
                ("scenario", "hello-sleep"),
                ("run", "1"),
                ("delay_ms", "10"),
                ("delay_ms", second),
            ]));
            assert!(plan.run.is_none(), "a refused address runs nothing");
            assert_eq!(
                plan.notice,
                Some(format!(
                    "delay_ms is given 2 times ({values}): give it once"
                ))
            );
            assert!(plan.inputs.is_empty(), "neither value reaches the form");
        }
        let plan = plan_from_query(&pairs(&[
            ("scenario", "create-task"),
            ("scenario", "hello-sleep"),
            ("run", "1"),
        ]));
        assert!(plan.run.is_none());
        assert_eq!(plan.lesson.id, LESSONS[0].id);
        assert_eq!(
            plan.notice.as_deref(),
            Some("scenario is given 2 times ('create-task', 'hello-sleep'): give it once")
        );
    }

    #[test]
    fn without_run_the_lesson_opens_but_does_not_run() {
        let plan = plan_from_query(&pairs(&[("scenario", "hello-sleep")]));
        assert!(plan.run.is_none());
        assert!(plan.notice.is_none());
    }

    #[test]
    fn an_unknown_lesson_is_explained_and_nothing_runs() {
        let plan = plan_from_query(&pairs(&[("scenario", "nope"), ("run", "1")]));
        assert!(plan.run.is_none());
        let ids: Vec<&str> = LESSONS.iter().map(|s| s.id).collect();
        assert_eq!(
            plan.notice,
            Some(format!(
                "no lesson 'nope': the lessons are {}",
                ids.join(", ")
            ))
        );
    }

    #[test]
    fn a_bad_parameter_is_explained_kept_in_the_form_and_nothing_runs() {
        let plan = plan_from_query(&pairs(&[
            ("scenario", "hello-sleep"),
            ("run", "1"),
            ("delay_ms", "-5"),
        ]));
        assert!(plan.run.is_none());
        assert_eq!(
            plan.notice.as_deref(),
            Some("delay_ms must be from 0 to 60000, got -5")
        );
        assert_eq!(plan.inputs, pairs(&[("delay_ms", "-5")]));
    }

    #[test]
    fn lesson_opens_a_lesson_as_scenario_does() {
        let plan = plan_from_query(&pairs(&[
            ("lesson", "hello-sleep"),
            ("run", "1"),
            ("delay_ms", "200"),
        ]));
        assert_eq!(plan.lesson.id, "hello-sleep");
        assert!(plan.run.is_some());
        assert_eq!(plan.notice, None);
        assert_eq!(plan.inputs, pairs(&[("delay_ms", "200")]));
        let plan = plan_from_query(&pairs(&[("lesson", "create-task")]));
        assert_eq!(plan.lesson.id, "create-task");
        assert!(plan.run.is_none());
        let unknown = plan_from_query(&pairs(&[("lesson", "nope"), ("run", "1")]));
        assert!(unknown.run.is_none());
        assert!(
            unknown
                .notice
                .is_some_and(|n| n.starts_with("no lesson 'nope': the lessons are ")),
            "an unknown lesson is explained whichever name gave it"
        );
    }

    #[test]
    fn a_program_in_the_address_opens_the_playground_and_only_the_playground() {
        let plan = plan_from_query(&pairs(&[("python", "abc"), ("run", "1")]));
        assert_eq!(plan.lesson.id, "playground");
        assert_eq!(plan.python.as_deref(), Some("abc"));
        assert!(plan.run.is_some() && plan.notice.is_none());
        let plan = plan_from_query(&pairs(&[("lesson", "playground"), ("python", "abc")]));
        assert_eq!(
            (plan.lesson.id, plan.python.as_deref()),
            ("playground", Some("abc"))
        );
        assert!(plan.run.is_none(), "opened, not run");
        let plan = plan_from_query(&pairs(&[("lesson", "gather"), ("python", "abc")]));
        assert_eq!(plan.lesson.id, "gather");
        assert!(plan.python.is_none());
        assert_eq!(
            plan.notice.as_deref(),
            Some("python= is for the playground (?lesson=playground), not the lesson 'gather'")
        );
        assert_eq!(
            plan_from_query(&pairs(&[("lesson", "playground")]))
                .lesson
                .id,
            "playground"
        );
    }

    #[test]
    fn a_lesson_given_as_lesson_and_as_scenario_is_given_twice() {
        let plan = plan_from_query(&pairs(&[
            ("scenario", "create-task"),
            ("lesson", "hello-sleep"),
            ("run", "1"),
        ]));
        assert!(plan.run.is_none(), "a refused address runs nothing");
        assert_eq!(plan.lesson.id, LESSONS[0].id);
        assert_eq!(
            plan.notice.as_deref(),
            Some("lesson is given 2 times ('create-task', 'hello-sleep'): give it once")
        );
        let plan = plan_from_query(&pairs(&[("lesson", "gather"), ("lesson", "gather")]));
        assert_eq!(
            plan.notice.as_deref(),
            Some("lesson is given 2 times ('gather', 'gather'): give it once")
        );
        // Neither name reaches the form as a parameter.
        assert!(plan.inputs.is_empty());
    }
}
