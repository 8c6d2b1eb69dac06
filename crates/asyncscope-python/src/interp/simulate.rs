//! Running a program off the browser, on the tracer's fake clock (native builds only): what the
//! corpus test and `examples/run_python.rs` use. The program takes no time but what it sleeps
//! or blocks, plus a microsecond a clock read, as a real machine's reads cost, so that a loop
//! that waits on `time.perf_counter()` ends; the network resolves no name, as the machine the
//! corpus was recorded on. Timers fire on whole milliseconds, as the browser's do.

use std::cell::RefCell;
use std::rc::Rc;

use asyncscope_trace as trace;

use super::{BoxFuture, Host, HttpFailure, HttpReply, HttpRequest, Options, Outcome};

/// What a simulated run printed and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// Each line and when its newline was written, in ms since the run started.
    pub lines: Vec<(f64, String)>,
    /// Text after the last newline.
    pub unterminated: String,
    /// `None` when it never ended: every task waits for something that cannot come.
    pub outcome: Option<Outcome>,
    /// When it ended, in ms since it started.
    pub end_ms: f64,
}

const START_MS: f64 = 1000.0;
/// What a clock read costs on the fake clock, in ms.
const READ_MS: f64 = 0.001;

struct FakeHost {
    pending: RefCell<String>,
    lines: RefCell<Vec<(f64, String)>>,
}

impl Host for FakeHost {
    fn now_ms(&self) -> f64 {
        let now = trace::now_ms() + READ_MS;
        trace::set_fake_now(Some(now));
        now
    }

    fn write(&self, text: &str) {
        let mut pending = self.pending.borrow_mut();
        for c in text.chars() {
            if c == '\n' {
                let line = std::mem::take(&mut *pending);
                self.lines
                    .borrow_mut()
                    .push((trace::now_ms() - START_MS, line));
            } else {
                pending.push(c);
            }
        }
    }

    fn block(&self, ms: f64) {
        trace::set_fake_now(Some(trace::now_ms() + ms.max(0.0)));
    }

    fn fetch(&self, _request: HttpRequest) -> BoxFuture<Result<HttpReply, HttpFailure>> {
        Box::pin(async {
            Err(HttpFailure::Connect {
                dns: true,
                why: "Name or service not known".into(),
            })
        })
    }
}

/// Runs a parsed program to its end on this thread's tracer (reset first) and fake clock.
pub fn simulate(module: crate::Module, options: Options) -> Transcript {
    trace::reset();
    trace::set_fake_now(Some(START_MS));
    let host = Rc::new(FakeHost {
        pending: RefCell::new(String::new()),
        lines: RefCell::new(Vec::new()),
    });
    let outcome: Rc<RefCell<Option<(Outcome, f64)>>> = Rc::new(RefCell::new(None));
    let done = outcome.clone();
    let as_host: Rc<dyn Host> = host.clone();
    let _program = trace::spawn("program", async move {
        let o = super::run(module, as_host, options).await;
        *done.borrow_mut() = Some((o, trace::now_ms() - START_MS));
    });
    loop {
        // It stops after a million turns: a program that yields more often runs on.
        let turns = trace::run_until_idle();
        if outcome.borrow().is_some() {
            break;
        }
        if turns > 1_000_000 {
            continue;
        }
        let Some(due) = trace::next_timer_due() else {
            break;
        };
        // The browser's timers take whole milliseconds, rounded up (never early): a firing
        // wakes every sleep due by then, as the page's would.
        trace::set_fake_now(Some(due.ceil().max(trace::now_ms())));
        trace::fire_due_timers();
    }
    let (outcome, end_ms) = match outcome.take() {
        Some((o, end)) => (Some(o), end),
        None => (None, trace::now_ms() - START_MS),
    };
    trace::set_fake_now(None);
    Transcript {
        lines: host.lines.take(),
        unterminated: host.pending.take(),
        outcome,
        end_ms,
    }
}
