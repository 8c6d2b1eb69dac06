//! The playground's interpreter: asyncio Python run as Rust futures on the tracer.
//!
//! Every coroutine is a Rust future; `asyncio.create_task` is a `trace::spawn` named after its
//! call (`say_after(1, 'hello')`); `await asyncio.sleep` a traced sleep; `Semaphore` and `Lock`
//! the traced semaphore. The evaluator is `async` from top to bottom (each node a boxed
//! future), so any expression can `await` and the tracer sees the program's tasks as it sees a
//! lesson's.
//!
//! Cancellation is Python's, not Rust's: `task.cancel()` marks the task, and the next `await`
//! it reaches raises `CancelledError` there, so its `finally` and `except` run.
//!
//! What the program cannot do: run forever without awaiting (a statement budget per poll and a
//! time limit per poll end the run with a message), recurse without end ([`Limits::max_depth`]),
//! build strings or lists past 20,000,000 items.

mod aio;
mod builtins;
mod check;
mod eval;
mod exc;
mod frames;
mod gen;
mod http;
mod ops;
mod refusal;
mod scope;
#[cfg(not(target_arch = "wasm32"))]
mod simulate;
mod value;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

pub use check::{check, prepare, Prepared, Refusal};
pub use eval::Interp;
pub use exc::ExcType;
pub use http::{HttpFailure, HttpReply, HttpRequest};
#[cfg(not(target_arch = "wasm32"))]
pub use simulate::{simulate, Transcript};

use exc::ExcObj;
use value::Value;

/// How a piece of Python ended other than by finishing: an exception, or a jump.
pub(crate) enum Flow {
    Exc(Rc<ExcObj>),
    Return(Value),
    Break,
    Continue,
    /// Ends the whole run: no `except` catches it (a budget spent).
    Fatal(String),
}

pub(crate) type Res<T> = Result<T, Flow>;

/// A boxed future, as the host's [`Host::fetch`] returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// An exception of `ty` with one message, as a [`Flow`].
pub(crate) fn fail(ty: ExcType, message: impl Into<String>) -> Flow {
    Flow::Exc(ExcObj::msg(ty, message))
}

/// What the interpreter needs from where it runs: the page, or a test with a fake clock.
pub trait Host {
    /// Milliseconds on a monotonic clock (`time.perf_counter`, `loop.time`).
    fn now_ms(&self) -> f64;
    /// Text the program printed (pieces; a line ends at `\n`).
    fn write(&self, text: &str);
    /// `time.sleep`: blocks the event loop for `ms`, as it does in Python.
    fn block(&self, ms: f64);
    /// An HTTP request through the browser's network stack (or a test's stand-in).
    fn fetch(&self, request: HttpRequest) -> BoxFuture<Result<HttpReply, HttpFailure>>;
}

/// What a run may spend.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Statements one poll may run before the run is ended (a loop that never awaits).
    pub max_steps_per_poll: u64,
    /// Milliseconds one poll may last (measured on the host's clock) before the run is ended.
    pub max_poll_ms: f64,
    /// Nested Python calls (RecursionError past it).
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps_per_poll: 20_000_000,
            max_poll_ms: 5_000.0,
            max_depth: 1_000,
        }
    }
}

/// A run's options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Seeds `random` when the program does not (`None`: from the clock, as CPython).
    pub seed: Option<u64>,
    pub limits: Limits,
}

/// How a program ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It returned.
    Finished,
    /// An exception escaped it: the traceback's last line (`ValueError: boom`) and the line and
    /// column of the statement it was raised at (0 when unknown). A program [`check`] refused
    /// ends so too, before running, with its refusal (`SyntaxError: 'break' outside loop`).
    Raised {
        last_line: String,
        line: u32,
        col: u32,
    },
    /// The playground ended it: a budget was spent (the message says which and what to do).
    Stopped(String),
}

/// Runs a parsed program to its end: the module's statements, and whatever `asyncio.run` runs.
///
/// The program is [`check`]ed first: a refused one does not run at all.
pub async fn run(module: crate::Module, host: Rc<dyn Host>, options: Options) -> Outcome {
    if let Err(r) = check(&module) {
        return Outcome::Raised {
            last_line: r.last_line(),
            line: r.line,
            col: r.col,
        };
    }
    run_prepared(check::Prepared(module), host, options).await
}

/// [`run`] for a program [`prepare`] already checked (the page refuses a program before it
/// starts the run, and would otherwise check it twice).
pub async fn run_prepared(program: Prepared, host: Rc<dyn Host>, options: Options) -> Outcome {
    let interp = Interp::new(program.0, host, options);
    let _finish = Finish(interp.clone());
    interp.clone().run_module().await
}

/// Ends a run when its future ends, or is dropped before (a Cancel in the page): the tasks it
/// made are aborted and its frames' reference cycles broken, so that a cancelled run leaves
/// neither running tasks nor memory behind.
struct Finish(Rc<Interp>);

impl Drop for Finish {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// One running Python task's state that its `await`s consult: a pending cancellation, the
/// waker to deliver it, the call depth, the exceptions being handled.
pub(crate) struct TaskCtx {
    pub interp: Rc<Interp>,
    /// `task.cancel(msg)` was called and not yet delivered: the message.
    pub cancel: RefCell<Option<Option<Value>>>,
    pub waker: RefCell<Option<std::task::Waker>>,
    pub depth: Cell<u32>,
    /// `except` blocks being run, innermost last (for a bare `raise` and `__context__`).
    pub handling: RefCell<Vec<Rc<ExcObj>>>,
    /// The Python task it runs (none for the module's own code).
    pub task: RefCell<std::rc::Weak<aio::TaskObj>>,
    /// The calls it is running, driven from the bottom of its poll (see [`frames`]).
    pub frames: frames::Frames,
}

pub(crate) type Cx = Rc<TaskCtx>;

impl TaskCtx {
    pub fn new(interp: Rc<Interp>) -> Cx {
        Rc::new(TaskCtx {
            interp,
            cancel: RefCell::new(None),
            waker: RefCell::new(None),
            depth: Cell::new(0),
            handling: RefCell::new(Vec::new()),
            task: RefCell::new(std::rc::Weak::new()),
            frames: frames::Frames::default(),
        })
    }
}
