//! The app's state (one reducer) and the [`Controller`] that starts and cancels runs. The Run
//! button, `?run=1` and `window.asyncscope.run` all go through the controller, so the page
//! always shows the run, however it was started.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::scenarios::{self, Line, Params, RunCancel, RunReport, Scenario, MAX_LINES};
use crate::trace::now_ms;

/// What the page shows.
#[derive(Clone, PartialEq)]
pub struct Lab {
    pub lesson: &'static Scenario,
    /// The parameter inputs as typed (validated only when a run starts).
    pub inputs: Vec<(&'static str, String)>,
    pub run: RunView,
    /// A message for the user: refused input, or what went wrong.
    pub notice: Option<String>,
}

#[derive(Clone, PartialEq)]
pub struct RunView {
    /// Counts runs, so that lines of an older run arriving late are ignored.
    pub generation: u64,
    pub lesson_id: &'static str,
    pub started_ms: f64,
    pub lines: Vec<Line>,
    pub phase: Phase,
    /// The tab was hidden at some point of the run: its timers were throttled.
    pub hidden: bool,
}

#[derive(Clone, PartialEq)]
pub enum Phase {
    Idle,
    Running,
    Finished(Rc<RunReport>),
}

impl Lab {
    pub fn new(lesson: &'static Scenario, raw: &[(String, String)], notice: Option<String>) -> Lab {
        Lab {
            lesson,
            inputs: inputs_for(lesson, raw),
            run: RunView {
                generation: 0,
                lesson_id: lesson.id,
                started_ms: 0.0,
                lines: Vec::new(),
                phase: Phase::Idle,
                hidden: false,
            },
            notice,
        }
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

/// The inputs of `lesson`: its defaults, overridden by the raw values given for its parameters.
fn inputs_for(lesson: &'static Scenario, raw: &[(String, String)]) -> Vec<(&'static str, String)> {
    lesson
        .params
        .iter()
        .map(|p| {
            let given = raw
                .iter()
                .find(|(n, _)| n == p.name)
                .map(|(_, v)| v.clone());
            (p.name, given.unwrap_or_else(|| p.show(p.default)))
        })
        .collect()
}

pub enum Action {
    Select(&'static Scenario),
    SetInput(&'static str, String),
    Notice(Option<String>),
    Started {
        generation: u64,
        lesson: &'static Scenario,
        started_ms: f64,
    },
    Line {
        generation: u64,
        line: Line,
    },
    Finished {
        generation: u64,
        report: RunReport,
    },
    /// The page was hidden (its timers are throttled from now on).
    Hidden,
}

/// Whether the page is hidden now (a background tab).
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

impl Reducible for Lab {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut lab = Rc::unwrap_or_clone(self);
        match action {
            Action::Select(lesson) => {
                if lesson.id != lab.lesson.id {
                    lab.inputs = inputs_for(lesson, &[]);
                    lab.lesson = lesson;
                }
            }
            Action::SetInput(name, value) => {
                if let Some(slot) = lab.inputs.iter_mut().find(|(n, _)| *n == name) {
                    slot.1 = value;
                }
            }
            Action::Notice(notice) => lab.notice = notice,
            Action::Started {
                generation,
                lesson,
                started_ms,
            } => {
                if lesson.id != lab.lesson.id {
                    lab.inputs = inputs_for(lesson, &[]);
                    lab.lesson = lesson;
                }
                lab.notice = None;
                lab.run = RunView {
                    generation,
                    lesson_id: lesson.id,
                    started_ms,
                    lines: Vec::new(),
                    phase: Phase::Running,
                    hidden: page_hidden(),
                };
            }
            Action::Line { generation, line } => {
                if generation == lab.run.generation && lab.run.lines.len() < MAX_LINES {
                    lab.run.lines.push(line);
                }
            }
            Action::Hidden => {
                if lab.run.phase == Phase::Running {
                    lab.run.hidden = true;
                }
            }
            Action::Finished { generation, report } => {
                if generation == lab.run.generation {
                    // The report holds every line (and the count of dropped ones): show it whole.
                    lab.run.lines = report.lines.clone();
                    lab.run.phase = Phase::Finished(Rc::new(report));
                }
            }
        }
        Rc::new(lab)
    }
}

/// The run under way, if any: at most one at a time.
#[derive(Default)]
struct Current {
    generation: u64,
    cancel: Option<RunCancel>,
}

/// Starts, cancels and reports runs, and shows notices. Cheap to clone.
#[derive(Clone)]
pub struct Controller {
    dispatch: UseReducerDispatcher<Lab>,
    current: Rc<RefCell<Current>>,
}

impl PartialEq for Controller {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.current, &other.current)
    }
}

impl Controller {
    pub fn new(dispatch: UseReducerDispatcher<Lab>) -> Controller {
        Controller {
            dispatch,
            current: Rc::default(),
        }
    }

    /// Shows `lesson`, and puts it in the address bar so the page can be shared or reloaded.
    pub fn select(&self, lesson: &'static Scenario) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let url = format!("?scenario={}", lesson.id);
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
        self.dispatch.dispatch(Action::Select(lesson));
    }

    pub fn set_input(&self, name: &'static str, value: String) {
        self.dispatch.dispatch(Action::SetInput(name, value));
    }

    pub fn notice(&self, message: impl Into<String>) {
        self.dispatch.dispatch(Action::Notice(Some(message.into())));
    }

    /// The page went into the background.
    pub fn hidden(&self) {
        self.dispatch.dispatch(Action::Hidden);
    }

    pub fn dismiss_notice(&self) {
        self.dispatch.dispatch(Action::Notice(None));
    }

    /// Runs `lesson` on show in the page, cancelling a run under way, and returns its report.
    pub async fn run(&self, lesson: &'static Scenario, params: Params) -> RunReport {
        let generation = {
            let mut current = self.current.borrow_mut();
            current.generation += 1;
            current.generation
        };
        self.cancel();
        let started = scenarios::start(lesson, params, {
            let dispatch = self.dispatch.clone();
            move |line: &Line| {
                // Rendered after the task's poll returns, not inside it: the page's drawing must
                // not count as the lesson's busy time.
                let dispatch = dispatch.clone();
                let line = line.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    dispatch.dispatch(Action::Line { generation, line });
                });
            }
        });
        self.current.borrow_mut().cancel = Some(started.cancel);
        self.dispatch.dispatch(Action::Started {
            generation,
            lesson,
            started_ms: now_ms(),
        });
        let report = started.report.await;
        {
            let mut current = self.current.borrow_mut();
            if current.generation == generation {
                current.cancel = None;
            }
        }
        self.dispatch.dispatch(Action::Finished {
            generation,
            report: report.clone(),
        });
        report
    }

    /// Cancels the run under way, if any; its report then says "cancelled".
    pub fn cancel(&self) {
        let cancel = self.current.borrow_mut().cancel.take();
        if let Some(cancel) = cancel {
            cancel.cancel();
        }
    }
}
