//! Generators: a body run as a future that `send()` polls by hand. `yield` parks the body with
//! its value in the [`YieldSlot`]; the next `send(v)` puts `v` there and polls again.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::aio::Starter;
use super::exc::{ExcObj, ExcType};
use super::value::Value;
use super::{fail, BoxFuture, Cx, Flow, Res};

/// How many generators may be resumed one inside another. Each costs a nested poll: about
/// 7.5 KB of stack in a release build, 76 KB in a debug one (measured natively), and a debug
/// build must fit in wasm32's 1 MiB too.
const MAX_NESTING: u32 = 10;

/// Between a generator's body and its caller.
#[derive(Default)]
pub struct YieldSlot {
    /// What the body yielded, for `send()` to return.
    out: RefCell<Option<Value>>,
    /// What `send()` passed in, or the exception `throw()`/`close()` raise at the `yield`.
    input: RefCell<Option<Res<Value>>>,
}

enum GenState {
    Created(Starter),
    Suspended(BoxFuture<Res<Value>>),
    Running,
    Done,
}

pub struct GenObj {
    pub name: String,
    slot: Rc<YieldSlot>,
    state: RefCell<GenState>,
    cx: Cx,
}

impl GenObj {
    pub fn new(name: String, slot: Rc<YieldSlot>, start: Starter, cx: Cx) -> Rc<GenObj> {
        Rc::new(GenObj {
            name,
            slot,
            state: RefCell::new(GenState::Created(start)),
            cx,
        })
    }
}

/// The `yield` expression: parks once with `value`, then gives what `send()` brought.
pub(crate) async fn yield_value(slot: Rc<YieldSlot>, value: Value) -> Res<Value> {
    *slot.out.borrow_mut() = Some(value);
    let mut parked = false;
    std::future::poll_fn(move |_| {
        if !parked {
            parked = true;
            return Poll::Pending;
        }
        match slot.input.borrow_mut().take() {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    })
    .await
}

/// Resumes the body with `input`: `Some(value)` it yielded, or `None` when it returned (the
/// StopIteration is raised by the caller that needs it).
fn resume(g: &GenObj, input: Res<Value>) -> Res<Result<Value, Value>> {
    let state = std::mem::replace(&mut *g.state.borrow_mut(), GenState::Running);
    let mut fut = match state {
        GenState::Created(start) => {
            if let Ok(v) = &input {
                if !matches!(v, Value::None) {
                    *g.state.borrow_mut() = GenState::Created(start);
                    return Err(fail(
                        ExcType::TypeError,
                        "can't send non-None value to a just-started generator",
                    ));
                }
            } else {
                // Thrown into a generator that never started: it ends with the exception.
                *g.state.borrow_mut() = GenState::Done;
                return input.map(Ok);
            }
            start(g.cx.clone())
        }
        GenState::Suspended(fut) => {
            *g.slot.input.borrow_mut() = Some(input);
            fut
        }
        GenState::Running => {
            return Err(fail(ExcType::ValueError, "generator already executing"));
        }
        GenState::Done => {
            *g.state.borrow_mut() = GenState::Done;
            return match input {
                Ok(_) => Ok(Err(Value::None)),
                Err(e) => Err(e),
            };
        }
    };
    let interp = &g.cx.interp;
    let nesting = interp.gen_nesting.get();
    if nesting >= MAX_NESTING {
        *g.state.borrow_mut() = GenState::Suspended(fut);
        return Err(fail(
            ExcType::RecursionError,
            format!(
                "maximum recursion depth exceeded: the playground resumes at most {MAX_NESTING}                  generators one inside another (a chain of `yield from`)"
            ),
        ));
    }
    interp.gen_nesting.set(nesting + 1);
    let mut context = Context::from_waker(Waker::noop());
    let base = super::frames::depth(&g.cx);
    let polled = super::frames::drive(&g.cx, base, fut.as_mut(), &mut context);
    super::frames::abandon(&g.cx, base);
    interp.gen_nesting.set(nesting);
    match polled {
        Poll::Ready(result) => {
            *g.state.borrow_mut() = GenState::Done;
            g.slot.out.borrow_mut().take();
            match result {
                Ok(v) => Ok(Err(v)),
                Err(Flow::Exc(e)) if e.ty == ExcType::StopIteration => Err(fail(
                    ExcType::RuntimeError,
                    "generator raised StopIteration",
                )),
                Err(e) => Err(e),
            }
        }
        Poll::Pending => {
            *g.state.borrow_mut() = GenState::Suspended(fut);
            match g.slot.out.borrow_mut().take() {
                Some(v) => Ok(Ok(v)),
                None => Err(fail(
                    ExcType::RuntimeError,
                    "a generator waited for something other than send(): the playground's \
                     generators cannot await",
                )),
            }
        }
    }
}

/// `next(gen)`: the next value, `None` when it has returned.
pub(crate) fn next(_cx: &Cx, g: &Rc<GenObj>) -> Res<Option<Value>> {
    Ok(resume(g, Ok(Value::None))?.ok())
}

/// One step: `Ok(yielded)`, or `Err(returned)` when the body returned (for `yield from`'s
/// value and StopIteration's).
pub(crate) fn step(g: &Rc<GenObj>) -> Res<Result<Value, Value>> {
    resume(g, Ok(Value::None))
}

pub(crate) fn stop(returned: Value) -> Flow {
    Flow::Exc(ExcObj::stop_iteration(returned))
}

pub(crate) async fn call_method(
    _cx: &Cx,
    g: &Rc<GenObj>,
    name: &str,
    positional: Vec<Value>,
) -> Res<Value> {
    match name {
        "send" => {
            let v = positional.into_iter().next().unwrap_or(Value::None);
            resume(g, Ok(v))?.map_err(stop)
        }
        "__next__" => resume(g, Ok(Value::None))?.map_err(stop),
        "throw" => {
            let e = match positional.into_iter().next() {
                Some(Value::Exc(e)) => e,
                Some(Value::ExcType(t)) => ExcObj::new(t, vec![]),
                _ => return Err(fail(ExcType::TypeError, "throw() takes an exception")),
            };
            resume(g, Err(Flow::Exc(e)))?.map_err(stop)
        }
        "close" => {
            if !matches!(*g.state.borrow(), GenState::Suspended(_)) {
                *g.state.borrow_mut() = GenState::Done;
                return Ok(Value::None);
            }
            let exit = ExcObj::new(ExcType::GeneratorExit, vec![]);
            match resume(g, Err(Flow::Exc(exit))) {
                Ok(Ok(_)) => Err(fail(
                    ExcType::RuntimeError,
                    "generator ignored GeneratorExit",
                )),
                Ok(Err(_)) => Ok(Value::None),
                Err(Flow::Exc(e)) if e.ty == ExcType::GeneratorExit => Ok(Value::None),
                Err(e) => Err(e),
            }
        }
        _ => Err(fail(
            ExcType::AttributeError,
            format!("'generator' object has no attribute '{name}'"),
        )),
    }
}
