//! The app's state (one reducer) and the [`Controller`] that starts and cancels runs. The Run
//! button, `?run=1` and `window.asyncscope.run` all go through the controller, so the page
//! always shows the run, however it was started.
//!
//! The page never renders inside a lesson's poll, nor once per printed line: while a run is
//! under way the controller refreshes the live views from a timer of its own, every
//! [`LIVE_REFRESH_MS`], reading how many lines the run has printed ([`Printed`]), which the
//! log then reads on screen without copying them.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use yew::prelude::*;

use crate::lessons::python::{self, Refused};
use crate::lessons::{self, Lesson, Params, Printed, Run, RunCancel, RunReport, RunState};
use crate::trace::{now_ms, stopped_by_panic, subscribe, Subscription};
use asyncscope_viewer::Ticker;

pub use asyncscope_viewer::LIVE_REFRESH_MS;

/// A live refresh this much later than due means the page was frozen (nothing of the page ran:
/// one long task, the lesson's or another script's): the run's notes say so, as they do for a
/// hidden tab. Above the blocking lesson's own 300 ms freeze, which its checks expect.
pub const FROZEN_MS: f64 = 500.0;

/// Why nothing runs after a panic (the trap banner says the same).
const STOPPED: &str = "the WebAssembly module stopped (a Rust panic): reload the page";

/// Whether the page shows runs live (`?view=none` detaches the views: the baseline of the
/// benchmark's `observer_cost`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum View {
    Live,
    /// Nothing of a run is drawn while it runs: no log, no trace panel, no live status.
    Detached,
}

/// What the page shows. Cheap to clone: whatever grows (the inputs, the notice, the run's lines
/// and report) is shared, so a live refresh (the reducer, then the props of each view that
/// takes the state) copies a few counters and pointers, never the lines printed so far.
#[derive(Clone, PartialEq)]
pub struct PageState {
    pub lesson: &'static Lesson,
    /// The parameter inputs as typed (validated only when a run starts).
    pub inputs: Inputs,
    pub run: RunView,
    /// A message for the user: refused input, or what went wrong.
    pub notice: Option<AttrValue>,
    pub view: View,
    /// The playground's editor (kept while other lessons are on show).
    pub python: PythonInput,
}

/// The playground's program as typed, and where it was last refused or raised.
#[derive(Clone, PartialEq)]
pub struct PythonInput {
    pub source: AttrValue,
    /// The seed for `random`, as typed (empty: none).
    pub seed: AttrValue,
    /// Line, column (1-based) and words.
    pub error: Option<(u32, u32, AttrValue)>,
}

impl Default for PythonInput {
    fn default() -> Self {
        PythonInput {
            // The Playground entry opens a blank editor (a lesson's Edit and run fills it).
            source: AttrValue::Static(""),
            seed: AttrValue::Static(""),
            error: None,
        }
    }
}

/// The parameter inputs, by name, as typed; replaced whole when one changes (a keystroke), shared
/// at every other change of the state.
pub type Inputs = Rc<[(&'static str, String)]>;

/// The run on show: the latest run of the lesson on show, or none yet.
#[derive(Clone, PartialEq)]
pub struct RunView {
    /// Counts runs, so that a refresh of an older run arriving late is ignored.
    pub generation: u64,
    pub lesson_id: &'static str,
    pub started_ms: f64,
    /// What the run printed (shared with it, never copied)...
    pub printed: Option<Printed>,
    /// ...of which the first `shown` lines are on show: the count at the last refresh.
    pub shown: u64,
    /// Live refreshes so far (the status's "live" pulse changes with each).
    pub refreshes: u64,
    pub phase: Phase,
    /// The tab was hidden at some point of the run: its timers were throttled.
    pub hidden: bool,
    /// The longest stretch the page was frozen during the run (no task of the page ran: a long
    /// task, the lesson's or another script's), in ms, when it was at least [`FROZEN_MS`].
    pub frozen_ms: Option<f64>,
}

#[derive(Clone)]
pub enum Phase {
    Idle,
    Running,
    Finished(Rc<RunReport>),
}

/// A report is the same when it is the same allocation: comparing two by value would compare
/// every line printed, at each render that compares the state.
impl PartialEq for Phase {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Phase::Idle, Phase::Idle) | (Phase::Running, Phase::Running) => true,
            (Phase::Finished(a), Phase::Finished(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl PageState {
    pub fn new(
        lesson: &'static Lesson,
        raw: &[(String, String)],
        notice: Option<String>,
        view: View,
    ) -> PageState {
        PageState {
            lesson,
            inputs: inputs_for(lesson, raw),
            run: RunView::idle(lesson),
            notice: notice.map(AttrValue::from),
            view,
            python: PythonInput::default(),
        }
    }

    /// Whether run `generation` is the one on show, and of the lesson on show: a run's lines
    /// and report never show in another lesson.
    fn shows_run(&self, generation: u64) -> bool {
        generation == self.run.generation && self.run.lesson_id == self.lesson.id
    }

    /// The phase of the lesson on show (a run of another lesson does not count).
    pub fn phase(&self) -> &Phase {
        if self.run.lesson_id == self.lesson.id {
            &self.run.phase
        } else {
            &Phase::Idle
        }
    }

    /// `data-run-state`: idle, running, done, failed or cancelled.
    pub fn run_state(&self) -> &'static str {
        match self.phase() {
            Phase::Idle => "idle",
            Phase::Running => "running",
            Phase::Finished(report) => report.state.as_str(),
        }
    }
}

impl RunView {
    /// No run yet for `lesson`.
    fn idle(lesson: &'static Lesson) -> RunView {
        RunView {
            generation: 0,
            lesson_id: lesson.id,
            started_ms: 0.0,
            printed: None,
            shown: 0,
            refreshes: 0,
            phase: Phase::Idle,
            hidden: false,
            frozen_ms: None,
        }
    }
}

/// The inputs of `lesson`: its defaults, overridden by the raw values given for its parameters.
/// A number keeps the text given, even refused (the notice quotes it); a choice shows the
/// variant given, or its default when the text names none (a select cannot show "xyz", and
/// must not show another variant than the one that would run).
fn inputs_for(lesson: &'static Lesson, raw: &[(String, String)]) -> Inputs {
    lesson
        .params
        .iter()
        .map(|p| {
            let given = raw.iter().find(|(n, _)| n == p.name).map(|(_, v)| v);
            let shown = match given {
                Some(text) if !p.choices.is_empty() => lessons::validate(
                    lesson.id,
                    std::slice::from_ref(p),
                    [(p.name, text.as_str())],
                )
                .map_or_else(
                    |_| p.show(p.default),
                    |v| p.show(v.value(p.name).unwrap_or(p.default)),
                ),
                Some(text) => text.clone(),
                None => p.show(p.default),
            };
            (p.name, shown)
        })
        .collect()
}

pub enum Action {
    Select(&'static Lesson),
    /// The playground's program changed (its error, if any, goes with the old text).
    SetSource(AttrValue),
    /// Where the playground's program was refused or raised, or none.
    SourceError(Option<(u32, u32, AttrValue)>),
    /// The playground's seed, as typed.
    SetSeed(AttrValue),
    SetInput(&'static str, String),
    Notice(Option<AttrValue>),
    /// A run is about to start (in the next task).
    Started {
        generation: u64,
        lesson: &'static Lesson,
        started_ms: f64,
        /// The page is hidden as it starts.
        hidden: bool,
    },
    /// A live refresh: `shown` lines are printed by now.
    Refresh {
        generation: u64,
        shown: u64,
        printed: Printed,
    },
    Finished {
        generation: u64,
        report: Rc<RunReport>,
        printed: Printed,
    },
    /// The page was hidden (its timers are throttled from now on).
    Hidden,
    /// The page was frozen for `ms` during run `generation` (measured by the live refresh).
    Frozen {
        generation: u64,
        ms: f64,
    },
}

/// Whether the page is hidden now (a background tab).
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

impl Reducible for PageState {
    type Action = Action;

    /// The next state: `self` itself when the action changes nothing on show (a late refresh of
    /// a run no longer shown), so that nothing renders; otherwise a copy of the state (cheap:
    /// see [`PageState`]) with the change.
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let ignored = match &action {
            Action::Refresh { generation, .. } => {
                !(self.shows_run(*generation) && self.run.phase == Phase::Running)
            }
            Action::Frozen { generation, ms } => {
                !(self.shows_run(*generation) && self.run.frozen_ms.is_none_or(|m| m < *ms))
            }
            Action::Finished { generation, .. } => !self.shows_run(*generation),
            Action::Hidden => self.run.phase != Phase::Running || self.run.hidden,
            _ => false,
        };
        if ignored {
            return self;
        }
        let mut page = Rc::unwrap_or_clone(self);
        match action {
            Action::Select(lesson) => {
                if lesson.id != page.lesson.id {
                    page.inputs = inputs_for(lesson, &[]);
                    page.lesson = lesson;
                    // The run on show was another lesson's (the controller cancelled it): its
                    // lines and report are not this lesson's. Generation 0 is no run's (the
                    // controller counts from 1), so a late refresh or report of it is ignored.
                    page.run = RunView::idle(lesson);
                }
            }
            Action::SetInput(name, value) => {
                page.inputs = page
                    .inputs
                    .iter()
                    .map(|(n, v)| (*n, if *n == name { value.clone() } else { v.clone() }))
                    .collect();
            }
            Action::Notice(notice) => page.notice = notice,
            Action::SetSource(source) => {
                page.python.source = source;
                page.python.error = None;
            }
            Action::SetSeed(seed) => page.python.seed = seed,
            Action::SourceError(error) => page.python.error = error,
            Action::Started {
                generation,
                lesson,
                started_ms,
                hidden,
            } => {
                if lesson.id != page.lesson.id {
                    page.inputs = inputs_for(lesson, &[]);
                    page.lesson = lesson;
                }
                page.notice = None;
                page.run = RunView {
                    generation,
                    lesson_id: lesson.id,
                    started_ms,
                    printed: None,
                    shown: 0,
                    refreshes: 0,
                    phase: Phase::Running,
                    hidden,
                    frozen_ms: None,
                };
            }
            Action::Refresh { shown, printed, .. } => {
                page.run.printed = Some(printed);
                page.run.shown = shown;
                page.run.refreshes += 1;
            }
            Action::Hidden => page.run.hidden = true,
            Action::Frozen { ms, .. } => page.run.frozen_ms = Some(ms),
            Action::Finished {
                report, printed, ..
            } => {
                // Every line printed, as the report has them.
                page.run.printed = Some(printed);
                page.run.shown = report.lines.len() as u64 + report.lines_dropped;
                page.run.phase = Phase::Finished(report);
            }
        }
        Rc::new(page)
    }
}

/// The run under way, if any: at most one at a time.
#[derive(Default)]
struct Current {
    generation: u64,
    /// The lesson of the latest run (under way or finished).
    lesson: Option<&'static str>,
    cancel: Option<RunCancel>,
    /// The live views' refresh, while the run lasts (dropped, it stops).
    ticker: Option<Ticker>,
    /// With the views detached, a listener that does nothing, so that the tracer does the same
    /// work as when a trace panel listens (its per-frame checks for stalled tasks).
    listener: Option<Subscription>,
}

/// Starts, cancels and reports runs, and shows notices. Cheap to clone.
#[derive(Clone)]
pub struct Controller {
    dispatch: UseReducerDispatcher<PageState>,
    current: Rc<RefCell<Current>>,
    view: View,
}

impl PartialEq for Controller {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.current, &other.current)
    }
}

impl Controller {
    pub fn new(dispatch: UseReducerDispatcher<PageState>, view: View) -> Controller {
        Controller {
            dispatch,
            current: Rc::default(),
            view,
        }
    }

    /// Shows `lesson`, and puts it in the address bar so the page can be shared or reloaded.
    /// A run under way is cancelled (its promise from `run()` resolves "cancelled"): the page
    /// shows one lesson and its own run only.
    pub fn select(&self, lesson: &'static Lesson) {
        let other = self
            .current
            .borrow()
            .lesson
            .is_some_and(|id| id != lesson.id);
        if other {
            self.stop_current();
        }
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let url = format!("?lesson={}", lesson.id);
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
        self.dispatch.dispatch(Action::Select(lesson));
    }

    /// Opens the playground, with `source` in its editor when one is given (a lesson's
    /// "Edit and run", a `?python=` link).
    pub fn open_playground(&self, source: Option<String>) {
        if let Some(source) = source {
            self.set_source(source);
        }
        self.select(&python::LESSON);
    }

    /// The playground's program changed.
    pub fn set_source(&self, source: String) {
        self.dispatch.dispatch(Action::SetSource(source.into()));
    }

    /// Where the playground's program was refused or raised, or none.
    pub(super) fn source_error(&self, error: Option<(u32, u32, AttrValue)>) {
        self.dispatch.dispatch(Action::SourceError(error));
    }

    /// The playground's seed changed (read when it runs).
    pub fn set_seed(&self, seed: String) {
        self.dispatch.dispatch(Action::SetSeed(seed.into()));
    }

    pub fn set_input(&self, name: &'static str, value: String) {
        self.dispatch.dispatch(Action::SetInput(name, value));
    }

    pub fn notice(&self, message: impl Into<String>) {
        let message: String = message.into();
        self.dispatch.dispatch(Action::Notice(Some(message.into())));
    }

    /// The page went into the background.
    pub fn hidden(&self) {
        self.dispatch.dispatch(Action::Hidden);
    }

    pub fn dismiss_notice(&self) {
        self.dispatch.dispatch(Action::Notice(None));
    }

    /// Runs `lesson` on show in the page, cancelling a run under way, and returns its report
    /// (the one the page shows, shared).
    pub async fn run(&self, lesson: &'static Lesson, params: Params) -> Rc<RunReport> {
        self.run_with(
            lesson,
            Box::new(move || Ok(lessons::start(lesson, params))),
            None,
        )
        .await
        .unwrap_or_else(|refused| Rc::new(unrun(lesson, RunState::Failed, &refused.to_string())))
    }

    /// Starts the run `start` makes, as the lesson `lesson` on show: see [`Self::run`]. (Boxed,
    /// so that the page's wasm holds this long future's code once, not once per caller.)
    pub(super) async fn run_with(
        &self,
        lesson: &'static Lesson,
        start: Box<dyn FnOnce() -> Result<Run, Refused>>,
        judge: Option<Judge>,
    ) -> Result<Rc<RunReport>, Refused> {
        if stopped_by_panic() {
            return Ok(Rc::new(unrun(lesson, RunState::Failed, STOPPED)));
        }
        let generation = {
            let mut current = self.current.borrow_mut();
            current.generation += 1;
            current.lesson = Some(lesson.id);
            current.generation
        };
        self.cancel();
        // The page shows the new run first (the log emptied, the trace panel reset), rendered
        // in this task; the run starts in the next one, so that none of that rendering lands
        // among its first polls (it delayed one-thread's 100 first polls by up to 126 ms).
        self.dispatch.dispatch(Action::Started {
            generation,
            lesson,
            started_ms: now_ms(),
            hidden: page_hidden(),
        });
        // A lesson of the lessons chunk starts once the chunk is here (loaded at the first such
        // run, unless the page fetched it while idle), so that its times count from its start,
        // not from the download. A chunk that does not load ends the run failed, in words.
        if let Err(why) = lessons::chunk::load(lesson).await {
            let report = Rc::new(unrun(lesson, RunState::Failed, &why.to_string()));
            self.dispatch.dispatch(Action::Finished {
                generation,
                report: Rc::clone(&report),
                printed: lessons::Printer::new(now_ms()).printed(),
            });
            return Ok(report);
        }
        // A run shown live starts once the trace panel is on show too (in the release site its
        // code is in the lessons chunk: a first visit of the landing lesson fetches it at its
        // first run, unless the page fetched it while idle), so that the panel follows the run
        // from its first event and its first renders are over (or queued before the task below)
        // before the run starts (src/ui/trace.rs). A panel that does not load does not stop the
        // run: its place says why, with a retry.
        if self.view == View::Live {
            let _ = super::trace::on_show().await;
        }
        TimeoutFuture::new(0).await;
        if self.current.borrow().generation != generation {
            return Ok(Rc::new(unrun(
                lesson,
                RunState::Cancelled,
                "cancelled before it started: a newer run started, or another lesson was opened",
            )));
        }
        let started = match start() {
            Ok(started) => started,
            Err(refused) => {
                let why = format!("not run: {refused}");
                self.dispatch.dispatch(Action::Finished {
                    generation,
                    report: Rc::new(unrun(lesson, RunState::Failed, &why)),
                    printed: lessons::Printer::new(now_ms()).printed(),
                });
                return Err(refused);
            }
        };
        // When the live refresh last ran: a refresh (or the run's end) much later than due
        // means the page was frozen in between.
        let last_tick = Rc::new(std::cell::Cell::new(now_ms()));
        let frozen = {
            let dispatch = self.dispatch.clone();
            let last_tick = Rc::clone(&last_tick);
            move || {
                let now = now_ms();
                let late = now - last_tick.replace(now) - f64::from(LIVE_REFRESH_MS);
                if late >= FROZEN_MS && !page_hidden() {
                    dispatch.dispatch(Action::Frozen {
                        generation,
                        ms: late,
                    });
                }
            }
        };
        {
            let mut current = self.current.borrow_mut();
            current.cancel = Some(started.cancel);
            // A timer task of the page's own: its refresh never runs inside the lesson's
            // polls, nor between them in the same microtask checkpoint, nor just as one of
            // the lesson's sleeps is due (see `Ticker`).
            current.ticker = (self.view == View::Live).then(|| {
                let (dispatch, printed) = (self.dispatch.clone(), started.printed.clone());
                let frozen = frozen.clone();
                Ticker::new(LIVE_REFRESH_MS, move || {
                    if stopped_by_panic() {
                        return; // the page stays as the panic left it, behind the banner
                    }
                    frozen();
                    dispatch.dispatch(Action::Refresh {
                        generation,
                        shown: printed.count(),
                        printed: printed.clone(),
                    });
                })
            });
            current.listener = (self.view == View::Detached).then(|| subscribe(|| {}));
        }
        let mut report = started.report.await;
        if let (Some(judge), RunState::Done | RunState::Failed) = (judge, report.state) {
            report.checks.extend(judge(&report));
        }
        let report = Rc::new(report);
        // A freeze that ended the run (its last timer fired right after) is seen here, before
        // the next refresh would have come.
        if self.view == View::Live {
            frozen();
        }
        {
            let mut current = self.current.borrow_mut();
            if current.generation == generation {
                current.cancel = None;
                current.ticker = None;
                current.listener = None;
            }
        }
        self.dispatch.dispatch(Action::Finished {
            generation,
            report: Rc::clone(&report),
            printed: started.printed,
        });
        Ok(report)
    }

    /// Cancels the run under way, or the one about to start, and stops its live refresh: for
    /// a switch of lesson, after which nothing of that run is shown.
    fn stop_current(&self) {
        {
            let mut current = self.current.borrow_mut();
            // A run waiting for its first task sees a newer generation and does not start.
            current.generation += 1;
            current.ticker = None;
            current.listener = None;
        }
        self.cancel();
    }

    /// Cancels the run under way, if any; its report then says "cancelled". (After a panic,
    /// nothing: the run stopped with the module.)
    pub fn cancel(&self) {
        if stopped_by_panic() {
            return;
        }
        let cancel = self.current.borrow_mut().cancel.take();
        if let Some(cancel) = cancel {
            cancel.cancel();
        }
    }
}

/// A verdict on a finished run beyond its lesson's own (the playground's "matches CPython").
pub(super) type Judge = Box<dyn FnOnce(&RunReport) -> Option<crate::lessons::Check>>;

/// The report of a run that never started: refused after a panic, or overtaken by a newer run
/// before its turn.
fn unrun(lesson: &'static Lesson, state: RunState, why: &str) -> RunReport {
    RunReport {
        id: lesson.id,
        state,
        elapsed_ms: 0.0,
        lines: Vec::new(),
        lines_dropped: 0,
        notes: Vec::new(),
        checks: Vec::new(),
        error: Some(why.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::Printer;

    fn lesson(id: &str) -> &'static Lesson {
        lessons::find(id).expect("registered")
    }

    fn raw(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn shown(page: &PageState, name: &str) -> String {
        page.inputs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_refused_choice_shows_the_default_and_a_refused_number_its_text() {
        for (given, expected) in [("xyz", "off"), ("2", "off"), ("on", "on"), ("1", "on")] {
            let page = PageState::new(
                lesson("errors"),
                &raw(&[("panic", given)]),
                None,
                View::Live,
            );
            assert_eq!(shown(&page, "panic"), expected, "panic={given}");
        }
        let page = PageState::new(
            lesson("create-task"),
            &raw(&[("mode", "0.5")]),
            None,
            View::Live,
        );
        assert_eq!(shown(&page, "mode"), "tasks");
        let page = PageState::new(
            lesson("hello-sleep"),
            &raw(&[("delay_ms", "abc")]),
            None,
            View::Live,
        );
        assert_eq!(shown(&page, "delay_ms"), "abc");
    }

    #[test]
    fn a_run_s_lines_never_show_in_another_lesson() {
        let hello = lesson("hello-sleep");
        let out = Printer::new(0.0);
        out.print("Hello");
        let page = Rc::new(PageState::new(hello, &[], None, View::Live));
        let page = page.reduce(Action::Started {
            generation: 1,
            lesson: hello,
            started_ms: 0.0,
            hidden: false,
        });
        let page = page.reduce(Action::Refresh {
            generation: 1,
            shown: 1,
            printed: out.printed(),
        });
        assert_eq!(page.run.shown, 1);
        // The user opens create-task mid-run.
        let page = page.reduce(Action::Select(lesson("create-task")));
        assert!(page.run.printed.is_none(), "create-task shows no lines");
        assert_eq!(page.run_state(), "idle");
        out.print("World");
        let page = page.reduce(Action::Refresh {
            generation: 1,
            shown: 2,
            printed: out.printed(),
        });
        let page = page.reduce(Action::Frozen {
            generation: 1,
            ms: 2000.0,
        });
        let page = page.reduce(Action::Finished {
            generation: 1,
            report: Rc::new(unrun(hello, RunState::Cancelled, "cancelled")),
            printed: out.printed(),
        });
        assert!(
            page.run.printed.is_none(),
            "a late refresh or report is ignored"
        );
        assert_eq!((page.run.shown, page.run.frozen_ms), (0, None));
        assert_eq!(page.run_state(), "idle");
        // Back to hello-sleep: its old run's report does not come back either.
        let page = page.reduce(Action::Select(hello));
        let page = page.reduce(Action::Finished {
            generation: 1,
            report: Rc::new(unrun(hello, RunState::Cancelled, "cancelled")),
            printed: out.printed(),
        });
        assert!(page.run.printed.is_none());
        assert_eq!(page.run_state(), "idle");
    }

    #[test]
    fn an_edited_program_drops_the_mark_of_where_the_old_one_failed_and_keeps_its_seed() {
        let page = Rc::new(PageState::new(&python::LESSON, &[], None, View::Live));
        assert_eq!(page.python.source, "", "the playground opens blank");
        let page = page.reduce(Action::SetSeed("7".into()));
        let page = page.reduce(Action::SourceError(Some((3, 5, "boom".into()))));
        assert_eq!(page.python.error, Some((3, 5, AttrValue::from("boom"))));
        let page = page.reduce(Action::SetSource("print(1)".into()));
        assert_eq!(page.python.source, "print(1)");
        assert_eq!(page.python.error, None);
        assert_eq!(page.python.seed, "7");
        // Another lesson and back: the program stays.
        let page = page.reduce(Action::Select(lesson("gather")));
        let page = page.reduce(Action::Select(&python::LESSON));
        assert_eq!(page.python.source, "print(1)");
    }

    #[test]
    fn a_frozen_page_is_noted_with_the_longest_freeze() {
        let hello = lesson("hello-sleep");
        let page = Rc::new(PageState::new(hello, &[], None, View::Live)).reduce(Action::Started {
            generation: 3,
            lesson: hello,
            started_ms: 0.0,
            hidden: false,
        });
        let page = page.reduce(Action::Frozen {
            generation: 3,
            ms: 2000.0,
        });
        let page = page.reduce(Action::Frozen {
            generation: 3,
            ms: 600.0,
        });
        assert_eq!(page.run.frozen_ms, Some(2000.0));
    }

    #[test]
    fn a_live_refresh_shares_the_lines_and_the_inputs_and_copies_neither() {
        let hello = lesson("hello-sleep");
        let out = Printer::new(0.0);
        let started =
            Rc::new(PageState::new(hello, &[], None, View::Live)).reduce(Action::Started {
                generation: 1,
                lesson: hello,
                started_ms: 0.0,
                hidden: false,
            });
        let mut page = started;
        for refresh in 1..=10u64 {
            for i in 0..1_000 {
                out.print(format!("line {i}"));
            }
            let before = Rc::clone(&page);
            page = page.reduce(Action::Refresh {
                generation: 1,
                shown: refresh * 1_000,
                printed: out.printed(),
            });
            // The inputs are the same allocation, not a copy...
            assert!(Rc::ptr_eq(&before.inputs, &page.inputs));
            // ...and the lines are the run's own storage (`Printed` is equal only to itself).
            assert!(page.run.printed == Some(out.printed()));
        }
        assert_eq!(page.run.shown, 10_000);
        assert_eq!(page.run.refreshes, 10);
        // The props a view takes are a clone of the state: it shares the same storage.
        let props = (*page).clone();
        assert!(Rc::ptr_eq(&props.inputs, &page.inputs));
        assert!(props.run.printed == Some(out.printed()));
        // A refresh of a run no longer on show changes nothing: the same state, not a copy.
        let late = Rc::clone(&page).reduce(Action::Refresh {
            generation: 0,
            shown: 1,
            printed: out.printed(),
        });
        assert!(Rc::ptr_eq(&late, &page));
    }
}
