//! The evaluator: statements and expressions as boxed futures, names in frames, calls.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::aio::{self, CoroObj, TaskObj};
use super::builtins;
use super::exc::{ExcObj, ExcType};
use super::gen::{self, GenObj, YieldSlot};
use super::ops;
use super::scope::ScopeInfo;
use super::value::{Iter, Value};
use super::{fail, BoxFuture, Cx, Flow, Host, Options, Outcome, Res, TaskCtx};
use crate::ast::{
    Arg, BoolOp, Comprehension, Constant, DictItem, Expr, ExprKind, FStringPart, FunctionDef,
    Params, Stmt, StmtKind,
};
use crate::random::Random;

/// One run's interpreter: the program, its globals, its clock and budgets.
pub struct Interp {
    /// The parsed program. The evaluator's futures and functions refer into it as `'static`;
    /// see [`Interp::code`] for why that holds.
    program: Rc<crate::Module>,
    pub(crate) host: Rc<dyn Host>,
    pub(crate) options: Options,
    pub(crate) globals: Rc<Frame>,
    pub(crate) random: RefCell<Random>,
    /// Statements run since the program last waited for something.
    steps: Cell<u64>,
    /// When the poll running now began (the host's clock), for the time budget.
    pub(crate) slice_start: Cell<f64>,
    /// Every task made, to cancel what is left when `asyncio.run` returns.
    pub(crate) tasks: RefCell<Vec<Weak<TaskObj>>>,
    pub(crate) loop_running: Cell<bool>,
    /// `loop.close()` was called on the loop `get_event_loop()` gives.
    pub(crate) loop_closed: Cell<bool>,
    /// Frames that made a closure: cleared at the end of the run, to break their cycles.
    closure_frames: RefCell<Vec<Weak<Frame>>>,
    /// Each `def`'s and `lambda`'s names (what it binds), by the address of its node in the
    /// tree: worked out the first time it runs, not at every run of it (a `def` in a loop, a
    /// `lambda` passed as a key at each call).
    scopes: RefCell<HashMap<usize, Rc<ScopeInfo>>>,
    /// How many may be kept before the dead ones are swept (twice the live ones at the last
    /// sweep: a sweep per push would be quadratic).
    closure_sweep_at: Cell<usize>,
    /// Set when a budget is spent: every task stops at its next step.
    pub(crate) stopped: RefCell<Option<String>>,
    task_numbers: Cell<u64>,
    /// Generators being resumed one inside another (`yield from` a chain of them): each is a
    /// nested poll on the stack, which the trampoline cannot flatten.
    pub(crate) gen_nesting: Cell<u32>,
    /// When `sleep(0)` last let the browser run (a macrotask), on the host's clock.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) last_macrotask: Cell<f64>,
}

/// A scope's names.
pub struct Frame {
    pub vars: RefCell<HashMap<Rc<str>, Value>>,
    kind: FrameKind,
}

enum FrameKind {
    Module,
    Function {
        info: Rc<ScopeInfo>,
        /// The scope the function was defined in.
        parent: Rc<Frame>,
        /// A generator's channel to whoever calls `send()`.
        gen: Option<Rc<YieldSlot>>,
    },
    /// A comprehension's own scope: its loop variables.
    Comprehension {
        parent: Rc<Frame>,
    },
}

impl Drop for Frame {
    fn drop(&mut self) {
        // A closure's frame holds functions whose frames hold functions...: dropped flat.
        let vars = std::mem::take(self.vars.get_mut());
        if !vars.is_empty() {
            super::value::drop_values(vars.into_values());
        }
    }
}

impl Frame {
    fn new(kind: FrameKind) -> Rc<Frame> {
        Rc::new(Frame {
            vars: RefCell::new(HashMap::new()),
            kind,
        })
    }

    fn yield_slot(&self) -> Option<Rc<YieldSlot>> {
        match &self.kind {
            FrameKind::Function { gen, .. } => gen.clone(),
            FrameKind::Comprehension { parent } => parent.yield_slot(),
            FrameKind::Module => None,
        }
    }
}

/// What a function runs: a `def`'s statements or a `lambda`'s expression.
#[derive(Clone, Copy)]
pub enum Body {
    Stmts(&'static [Stmt]),
    Lambda(&'static Expr),
}

/// A function made by `def` or `lambda`.
pub struct Function {
    pub name: Rc<str>,
    pub params: &'static Params,
    pub body: Body,
    pub is_async: bool,
    /// Defaults of the positional parameters, then of the keyword-only ones, evaluated at `def`.
    defaults: Vec<Option<Value>>,
    kw_defaults: Vec<Option<Value>>,
    closure: Rc<Frame>,
    info: Rc<ScopeInfo>,
    /// Keeps the tree `params` and `body` point into alive.
    _program: Rc<crate::Module>,
}

fn name_error(name: &str) -> Flow {
    fail(ExcType::NameError, format!("name '{name}' is not defined"))
}

impl Interp {
    pub(crate) fn new(module: crate::Module, host: Rc<dyn Host>, options: Options) -> Rc<Interp> {
        let start_ms = host.now_ms();
        let seed = options.seed.unwrap_or_else(|| start_ms.to_bits());
        Rc::new(Interp {
            program: Rc::new(module),
            host,
            options,
            globals: Frame::new(FrameKind::Module),
            random: RefCell::new(Random::from_seed(seed as i128)),
            steps: Cell::new(0),
            slice_start: Cell::new(start_ms),
            tasks: RefCell::new(Vec::new()),
            loop_running: Cell::new(false),
            loop_closed: Cell::new(false),
            closure_frames: RefCell::new(Vec::new()),
            scopes: RefCell::new(HashMap::new()),
            closure_sweep_at: Cell::new(4096),
            stopped: RefCell::new(None),
            task_numbers: Cell::new(0),
            gen_nesting: Cell::new(0),
            last_macrotask: Cell::new(start_ms),
        })
    }

    /// The program's tree, borrowed for as long as any future of this run lives.
    fn code(&self) -> &'static crate::Module {
        // SAFETY: the tree is never mutated after parsing, and it is freed only when the last
        // `Rc` to it goes. Every holder of a `'static` reference into it holds such an `Rc`:
        // the evaluator's futures hold an `Rc<Interp>` (through their `Cx`), which holds
        // `program`; a `Function` (which may outlive the futures, in a value) holds
        // `_program`; a coroutine's or generator's future holds a `Cx`. So the references
        // never outlive the tree.
        unsafe { &*Rc::as_ptr(&self.program) }
    }

    pub(crate) fn program(&self) -> Rc<crate::Module> {
        self.program.clone()
    }

    pub(crate) async fn run_module(self: Rc<Self>) -> Outcome {
        let cx = TaskCtx::new(self.clone());
        let body = &self.code().body;
        let code = exec_block(cx.clone(), self.globals.clone(), body);
        let result = super::frames::Driver::new(cx, code).await;
        match result {
            Ok(()) => Outcome::Finished,
            Err(Flow::Exc(e)) => Outcome::Raised {
                last_line: e.last_line(),
                line: e.line.get(),
                col: e.col.get(),
            },
            Err(Flow::Fatal(message)) => Outcome::Stopped(message),
            Err(Flow::Return(_) | Flow::Break | Flow::Continue) => Outcome::Raised {
                last_line: "SyntaxError: 'return' or 'break' outside function or loop".into(),
                line: 0,
                col: 0,
            },
        }
    }

    /// The run is over: break the cycles of frames and closures so that its memory goes.
    pub(crate) fn finish(&self) {
        for task in self.tasks.borrow().iter().filter_map(Weak::upgrade) {
            task.abort();
        }
        for frame in self.closure_frames.take().iter().filter_map(Weak::upgrade) {
            frame.vars.borrow_mut().clear();
        }
        self.globals.vars.borrow_mut().clear();
    }

    /// Counts a statement against the poll's budget; past it, ends the run.
    fn step(&self) -> Res<()> {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        if n & 1023 == 0 {
            self.check_budget(n)?;
        }
        Ok(())
    }

    #[cold]
    fn check_budget(&self, n: u64) -> Res<()> {
        if let Some(message) = self.stopped.borrow().clone() {
            return Err(Flow::Fatal(message));
        }
        let limits = self.options.limits;
        let elapsed = self.host.now_ms() - self.slice_start.get();
        let message = if n > limits.max_steps_per_poll {
            format!(
                "the program ran {n} statements without awaiting anything, so nothing else on \
                 the event loop could run; the playground stopped it. A loop that does not \
                 `await` freezes asyncio's loop in Python too: add `await asyncio.sleep(0)` \
                 inside it."
            )
        } else if elapsed > limits.max_poll_ms {
            format!(
                "the program ran {:.1} s without awaiting anything (a blocking loop or \
                 time.sleep), so the page and every other task were frozen; the playground \
                 stopped it after {:.0} s. Await something inside the loop \
                 (`await asyncio.sleep(0)`), or use `await asyncio.sleep(...)` instead of \
                 time.sleep.",
                elapsed / 1000.0,
                limits.max_poll_ms / 1000.0
            )
        } else {
            return Ok(());
        };
        *self.stopped.borrow_mut() = Some(message.clone());
        Err(Flow::Fatal(message))
    }

    /// `Task-N`: asyncio numbers its tasks from 1.
    pub(crate) fn next_task_number(&self) -> u64 {
        self.task_numbers.set(self.task_numbers.get() + 1);
        self.task_numbers.get()
    }

    /// Ends the run: every task stops where it stands, and the message is what the page shows.
    pub(crate) fn stop(&self, message: String) {
        if self.stopped.borrow().is_some() {
            return;
        }
        *self.stopped.borrow_mut() = Some(message);
        let tasks: Vec<_> = self
            .tasks
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for task in tasks {
            task.abort();
        }
    }

    /// The program waited: a new poll (and budget) starts when it resumes.
    pub(crate) fn resumed(&self) {
        self.steps.set(0);
        self.slice_start.set(self.host.now_ms());
    }

    // ---- names ----

    pub(crate) fn load(&self, f: &Frame, name: &str) -> Res<Value> {
        match &f.kind {
            FrameKind::Module => self.load_global(name),
            FrameKind::Function { info, parent, .. } => {
                if info.locals.contains(name) {
                    return f.vars.borrow().get(name).cloned().ok_or_else(|| {
                        fail(
                            ExcType::UnboundLocalError,
                            format!(
                                "cannot access local variable '{name}' where it is not \
                                 associated with a value"
                            ),
                        )
                    });
                }
                if info.globals.contains(name) {
                    return self.load_global(name);
                }
                self.load_enclosing(parent, name)
            }
            FrameKind::Comprehension { parent } => match f.vars.borrow().get(name) {
                Some(v) => Ok(v.clone()),
                None => self.load(parent, name),
            },
        }
    }

    fn load_enclosing(&self, f: &Frame, name: &str) -> Res<Value> {
        match &f.kind {
            FrameKind::Module => self.load_global(name),
            FrameKind::Function { info, parent, .. } => {
                if let Some(v) = f.vars.borrow().get(name) {
                    return Ok(v.clone());
                }
                if info.locals.contains(name) {
                    return Err(fail(
                        ExcType::NameError,
                        format!(
                            "cannot access free variable '{name}' where it is not associated \
                             with a value in enclosing scope"
                        ),
                    ));
                }
                self.load_enclosing(parent, name)
            }
            FrameKind::Comprehension { parent } => match f.vars.borrow().get(name) {
                Some(v) => Ok(v.clone()),
                None => self.load_enclosing(parent, name),
            },
        }
    }

    fn load_global(&self, name: &str) -> Res<Value> {
        if let Some(v) = self.globals.vars.borrow().get(name) {
            return Ok(v.clone());
        }
        builtins::lookup(name).ok_or_else(|| name_error(name))
    }

    pub(crate) fn store(&self, f: &Frame, name: &str, value: Value) {
        match &f.kind {
            FrameKind::Function { info, parent, .. } => {
                if info.globals.contains(name) {
                    self.globals.vars.borrow_mut().insert(Rc::from(name), value);
                } else if info.nonlocals.contains(name) {
                    store_nonlocal(parent, name, value);
                } else {
                    f.vars.borrow_mut().insert(Rc::from(name), value);
                }
            }
            FrameKind::Module | FrameKind::Comprehension { .. } => {
                f.vars.borrow_mut().insert(Rc::from(name), value);
            }
        }
    }

    /// `:=` in a comprehension binds in the function around it.
    fn store_walrus(&self, f: &Frame, name: &str, value: Value) {
        match &f.kind {
            FrameKind::Comprehension { parent } => self.store_walrus(parent, name, value),
            _ => self.store(f, name, value),
        }
    }

    fn delete(&self, f: &Frame, name: &str) -> Res<()> {
        let target = match &f.kind {
            FrameKind::Function { info, .. } if info.globals.contains(name) => &self.globals,
            _ => f,
        };
        target
            .vars
            .borrow_mut()
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| name_error(name))
    }
}

fn store_nonlocal(f: &Frame, name: &str, value: Value) {
    match &f.kind {
        FrameKind::Function { info, parent, .. } => {
            if info.locals.contains(name) || f.vars.borrow().contains_key(name) {
                f.vars.borrow_mut().insert(Rc::from(name), value);
            } else {
                store_nonlocal(parent, name, value);
            }
        }
        FrameKind::Comprehension { parent } => store_nonlocal(parent, name, value),
        FrameKind::Module => {
            f.vars.borrow_mut().insert(Rc::from(name), value);
        }
    }
}

/// Marks an exception with the line and column of the statement it was raised at (the first
/// place it passes, the deepest).
fn at(span: crate::ast::Span, flow: Flow) -> Flow {
    if let Flow::Exc(e) = &flow {
        if e.line.get() == 0 {
            e.line.set(span.line);
            e.col.set(span.col);
        }
    }
    flow
}

// ---- statements ----

pub(crate) fn exec_block(cx: Cx, f: Rc<Frame>, body: &'static [Stmt]) -> BoxFuture<Res<()>> {
    Box::pin(async move {
        for stmt in body {
            cx.interp.step()?;
            exec_stmt(&cx, &f, stmt)
                .await
                .map_err(|e| at(stmt.span, e))?;
        }
        Ok(())
    })
}

async fn exec_stmt(cx: &Cx, f: &Rc<Frame>, stmt: &'static Stmt) -> Res<()> {
    let interp = &cx.interp;
    match &stmt.kind {
        StmtKind::Expr(e) => {
            eval(cx.clone(), f.clone(), e).await?;
        }
        StmtKind::Assign { targets, value } => {
            let v = eval(cx.clone(), f.clone(), value).await?;
            for t in targets {
                assign(cx, f, t, v.clone()).await?;
            }
        }
        StmtKind::AugAssign { target, op, value } => {
            let in_place = *op == crate::ast::BinOp::Add;
            match &target.kind {
                ExprKind::Name(name) => {
                    let old = interp.load(f, name)?;
                    let rhs = eval(cx.clone(), f.clone(), value).await?;
                    let new = ops::binop(*op, &old, &rhs, in_place)?;
                    interp.store(f, name, new);
                }
                ExprKind::Subscript { value: obj, index } => {
                    let container = eval(cx.clone(), f.clone(), obj).await?;
                    let key = eval(cx.clone(), f.clone(), index).await?;
                    let old = ops::get_item(&container, &key)?;
                    let rhs = eval(cx.clone(), f.clone(), value).await?;
                    let new = ops::binop(*op, &old, &rhs, in_place)?;
                    ops::set_item(&container, &key, new)?;
                }
                _ => {
                    return Err(fail(
                        ExcType::TypeError,
                        "the playground's augmented assignment takes a name or a subscript",
                    ))
                }
            }
        }
        StmtKind::AnnAssign { target, value, .. } => {
            if let Some(value) = value {
                let v = eval(cx.clone(), f.clone(), value).await?;
                assign(cx, f, target, v).await?;
            }
        }
        StmtKind::FunctionDef(def) => {
            let func = make_function(cx, f, def).await?;
            interp.store(f, &def.name, func);
        }
        StmtKind::Return(value) => {
            let v = match value {
                Some(e) => eval(cx.clone(), f.clone(), e).await?,
                None => Value::None,
            };
            return Err(Flow::Return(v));
        }
        StmtKind::If { test, body, orelse } => {
            let branch = if eval(cx.clone(), f.clone(), test).await?.truthy() {
                body
            } else {
                orelse
            };
            exec_block(cx.clone(), f.clone(), branch).await?;
        }
        StmtKind::While { test, body, orelse } => loop {
            interp.step()?;
            if !eval(cx.clone(), f.clone(), test).await?.truthy() {
                exec_block(cx.clone(), f.clone(), orelse).await?;
                break;
            }
            match exec_block(cx.clone(), f.clone(), body).await {
                Ok(()) | Err(Flow::Continue) => {}
                Err(Flow::Break) => break,
                Err(other) => return Err(other),
            }
        },
        StmtKind::For {
            is_async,
            target,
            iter,
            body,
            orelse,
        } => {
            if *is_async {
                return Err(fail(
                    ExcType::TypeError,
                    "the playground runs `for`, not `async for` (no async iterators in its subset)",
                ));
            }
            let iterable = eval(cx.clone(), f.clone(), iter).await?;
            let it = get_iter(&iterable)?;
            let mut broke = false;
            while let Some(item) = iter_next(cx, &it)? {
                interp.step()?;
                assign(cx, f, target, item).await?;
                match exec_block(cx.clone(), f.clone(), body).await {
                    Ok(()) | Err(Flow::Continue) => {}
                    Err(Flow::Break) => {
                        broke = true;
                        break;
                    }
                    Err(other) => return Err(other),
                }
            }
            if !broke {
                exec_block(cx.clone(), f.clone(), orelse).await?;
            }
        }
        StmtKind::Break => return Err(Flow::Break),
        StmtKind::Continue => return Err(Flow::Continue),
        StmtKind::Pass | StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => return exec_try(cx, f, body, handlers, orelse, finalbody).await,
        StmtKind::Raise { exc, cause } => {
            let Some(exc) = exc else {
                let current = cx.handling.borrow().last().cloned();
                return Err(match current {
                    Some(e) => Flow::Exc(e),
                    None => fail(ExcType::RuntimeError, "No active exception to reraise"),
                });
            };
            let v = eval(cx.clone(), f.clone(), exc).await?;
            let e = make_exception(cx, v).await?;
            if let Some(cause) = cause {
                let c = eval(cx.clone(), f.clone(), cause).await?;
                let c = match c {
                    Value::None => None,
                    other => Some(make_exception(cx, other).await?),
                };
                *e.cause.borrow_mut() = c;
            }
            if let Some(context) = cx.handling.borrow().last() {
                if !Rc::ptr_eq(context, &e) {
                    *e.context.borrow_mut() = Some(context.clone());
                }
            }
            e.line.set(stmt.span.line);
            e.col.set(stmt.span.col);
            return Err(Flow::Exc(e));
        }
        StmtKind::Assert { test, msg } => {
            if !eval(cx.clone(), f.clone(), test).await?.truthy() {
                let args = match msg {
                    Some(m) => vec![eval(cx.clone(), f.clone(), m).await?],
                    None => vec![],
                };
                return Err(Flow::Exc(ExcObj::new(ExcType::AssertionError, args)));
            }
        }
        StmtKind::Delete(targets) => {
            for t in targets {
                match &t.kind {
                    ExprKind::Name(name) => interp.delete(f, name)?,
                    ExprKind::Subscript { value, index } => {
                        let container = eval(cx.clone(), f.clone(), value).await?;
                        let key = eval(cx.clone(), f.clone(), index).await?;
                        ops::del_item(&container, &key)?;
                    }
                    _ => return Err(fail(ExcType::TypeError, "cannot delete this target")),
                }
            }
        }
        StmtKind::Import(names) => {
            for alias in names {
                let module = builtins::import(&alias.name)?;
                let bound = match &alias.asname {
                    Some(asname) => asname.as_str(),
                    None => alias.name.split('.').next().unwrap_or(&alias.name),
                };
                interp.store(f, bound, module);
            }
        }
        StmtKind::ImportFrom { module, names, .. } => {
            let m = builtins::import(module)?;
            for alias in names {
                let v = get_attr(cx, &m, &alias.name).map_err(|_| {
                    fail(
                        ExcType::NameError,
                        format!(
                            "cannot import name '{}' from '{module}': the playground's {module} \
                             does not have it",
                            alias.name
                        ),
                    )
                })?;
                interp.store(f, alias.asname.as_deref().unwrap_or(&alias.name), v);
            }
        }
        StmtKind::With {
            is_async,
            items,
            body,
        } => return exec_with(cx, f, *is_async, items, body).await,
    }
    Ok(())
}

async fn exec_with(
    cx: &Cx,
    f: &Rc<Frame>,
    is_async: bool,
    items: &'static [crate::ast::WithItem],
    body: &'static [Stmt],
) -> Res<()> {
    let Some((first, rest)) = items.split_first() else {
        return exec_block(cx.clone(), f.clone(), body).await;
    };
    let manager = eval(cx.clone(), f.clone(), &first.context).await?;
    let entered = aio::enter(cx, &manager, is_async).await?;
    if let Some(target) = &first.target {
        if let Err(e) = assign(cx, f, target, entered).await {
            aio::exit(cx, &manager, is_async, None).await?;
            return Err(e);
        }
    }
    let result = if rest.is_empty() {
        exec_block(cx.clone(), f.clone(), body).await
    } else {
        Box::pin(exec_with(cx, f, is_async, rest, body)).await
    };
    match result {
        Err(Flow::Exc(e)) => {
            let swallowed = aio::exit(cx, &manager, is_async, Some(e.clone())).await?;
            if swallowed {
                Ok(())
            } else {
                Err(Flow::Exc(e))
            }
        }
        other => {
            aio::exit(cx, &manager, is_async, None).await?;
            other
        }
    }
}

async fn exec_try(
    cx: &Cx,
    f: &Rc<Frame>,
    body: &'static [Stmt],
    handlers: &'static [crate::ast::ExceptHandler],
    orelse: &'static [Stmt],
    finalbody: &'static [Stmt],
) -> Res<()> {
    let mut result = exec_block(cx.clone(), f.clone(), body).await;
    if let Err(Flow::Exc(e)) = &result {
        let e = e.clone();
        for h in handlers {
            let matches = match &h.kind {
                None => true,
                Some(kind) => {
                    let k = eval(cx.clone(), f.clone(), kind).await?;
                    exception_matches(&e, &k)?
                }
            };
            if !matches {
                continue;
            }
            if let Some(name) = &h.name {
                cx.interp.store(f, name, Value::Exc(e.clone()));
            }
            cx.handling.borrow_mut().push(e.clone());
            let handled = exec_block(cx.clone(), f.clone(), &h.body).await;
            cx.handling.borrow_mut().pop();
            if let Err(Flow::Exc(new)) = &handled {
                if !Rc::ptr_eq(new, &e) && new.context.borrow().is_none() {
                    *new.context.borrow_mut() = Some(e.clone());
                }
            }
            if let Some(name) = &h.name {
                let _ = cx.interp.delete(f, name);
            }
            result = handled;
            break;
        }
    } else if result.is_ok() {
        result = exec_block(cx.clone(), f.clone(), orelse).await;
    }
    if finalbody.is_empty() {
        return result;
    }
    if matches!(result, Err(Flow::Fatal(_))) {
        return result;
    }
    match exec_block(cx.clone(), f.clone(), finalbody).await {
        Ok(()) => result,
        // A `return`, `break` or exception in `finally` replaces what was under way.
        Err(other) => Err(other),
    }
}

/// Whether `except kind:` catches `e`: a class, or a tuple of them.
fn exception_matches(e: &ExcObj, kind: &Value) -> Res<bool> {
    match kind {
        Value::ExcType(t) => Ok(e.ty.is_subclass(*t)),
        Value::Tuple(items) => {
            for item in items.iter() {
                if exception_matches(e, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        other => Err(fail(
            ExcType::TypeError,
            format!(
                "catching classes that do not inherit from BaseException is not allowed ({})",
                other.type_name()
            ),
        )),
    }
}

/// What `raise X` raises: an exception, or a class called without arguments.
async fn make_exception(_cx: &Cx, v: Value) -> Res<Rc<ExcObj>> {
    match v {
        Value::Exc(e) => Ok(e),
        Value::ExcType(t) => Ok(ExcObj::new(t, vec![])),
        other => Err(fail(
            ExcType::TypeError,
            format!(
                "exceptions must derive from BaseException, not {}",
                other.type_name()
            ),
        )),
    }
}

impl Interp {
    /// The names the function made by the node at `node` binds (see [`Interp::scopes`]).
    fn scope(&self, node: *const (), analyse: impl FnOnce() -> ScopeInfo) -> Rc<ScopeInfo> {
        let key = node as usize;
        if let Some(info) = self.scopes.borrow().get(&key) {
            return info.clone();
        }
        let info = Rc::new(analyse());
        self.scopes.borrow_mut().insert(key, info.clone());
        info
    }
}

async fn make_function(cx: &Cx, f: &Rc<Frame>, def: &'static FunctionDef) -> Res<Value> {
    // `await` outside `async def` and `yield` inside one were refused by `check`.
    let info = cx.interp.scope(std::ptr::from_ref(def).cast(), || {
        ScopeInfo::of_function(&def.params, &def.body)
    });
    let (defaults, kw_defaults) = eval_defaults(cx, f, &def.params).await?;
    let mut func = Value::Function(Rc::new(Function {
        name: Rc::from(def.name.as_str()),
        params: &def.params,
        body: Body::Stmts(&def.body),
        is_async: def.is_async,
        defaults,
        kw_defaults,
        closure: f.clone(),
        info,
        _program: cx.interp.program(),
    }));
    cx.interp.closure_made(f);
    for decorator in def.decorators.iter().rev() {
        let d = eval(cx.clone(), f.clone(), decorator).await?;
        func = call(cx.clone(), d, vec![func], vec![]).await?;
    }
    Ok(func)
}

impl Interp {
    fn closure_made(&self, f: &Rc<Frame>) {
        if !matches!(f.kind, FrameKind::Module) {
            let mut frames = self.closure_frames.borrow_mut();
            if frames.len() > self.closure_sweep_at.get() {
                frames.retain(|w| w.strong_count() > 0);
                self.closure_sweep_at.set((frames.len() * 2).max(4096));
            }
            frames.push(Rc::downgrade(f));
        }
    }
}

type Defaults = (Vec<Option<Value>>, Vec<Option<Value>>);

async fn eval_defaults(cx: &Cx, f: &Rc<Frame>, params: &'static Params) -> Res<Defaults> {
    let mut defaults = Vec::new();
    for p in &params.positional {
        defaults.push(match &p.default {
            Some(d) => Some(eval(cx.clone(), f.clone(), d).await?),
            None => None,
        });
    }
    let mut kw = Vec::new();
    for p in &params.keyword_only {
        kw.push(match &p.default {
            Some(d) => Some(eval(cx.clone(), f.clone(), d).await?),
            None => None,
        });
    }
    Ok((defaults, kw))
}

// ---- assignment ----

pub(crate) fn assign(
    cx: &Cx,
    f: &Rc<Frame>,
    target: &'static Expr,
    value: Value,
) -> BoxFuture<Res<()>> {
    let cx = cx.clone();
    let f = f.clone();
    Box::pin(async move {
        match &target.kind {
            ExprKind::Name(name) => {
                cx.interp.store(&f, name, value);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let values = collect(&cx, &value)?;
                let star = items
                    .iter()
                    .position(|t| matches!(t.kind, ExprKind::Starred(_)));
                match star {
                    None => {
                        if values.len() != items.len() {
                            return Err(fail(
                                ExcType::ValueError,
                                if values.len() > items.len() {
                                    format!("too many values to unpack (expected {})", items.len())
                                } else {
                                    format!(
                                        "not enough values to unpack (expected {}, got {})",
                                        items.len(),
                                        values.len()
                                    )
                                },
                            ));
                        }
                        for (t, v) in items.iter().zip(values) {
                            assign(&cx, &f, t, v).await?;
                        }
                    }
                    Some(s) => {
                        let after = items.len() - s - 1;
                        if values.len() < items.len() - 1 {
                            return Err(fail(
                                ExcType::ValueError,
                                format!(
                                    "not enough values to unpack (expected at least {}, got {})",
                                    items.len() - 1,
                                    values.len()
                                ),
                            ));
                        }
                        let mut values = values;
                        let tail = values.split_off(values.len() - after);
                        let middle = values.split_off(s);
                        for (t, v) in items[..s].iter().zip(values) {
                            assign(&cx, &f, t, v).await?;
                        }
                        if let ExprKind::Starred(inner) = &items[s].kind {
                            assign(&cx, &f, inner, Value::list(middle)).await?;
                        }
                        for (t, v) in items[s + 1..].iter().zip(tail) {
                            assign(&cx, &f, t, v).await?;
                        }
                    }
                }
                Ok(())
            }
            ExprKind::Subscript { value: obj, index } => {
                let container = eval(cx.clone(), f.clone(), obj).await?;
                if let ExprKind::Slice { .. } = index.kind {
                    return Err(fail(
                        ExcType::TypeError,
                        "the playground does not assign to slices (build a new list instead)",
                    ));
                }
                let key = eval(cx.clone(), f.clone(), index).await?;
                ops::set_item(&container, &key, value)
            }
            ExprKind::Attribute { value: obj, attr } => {
                let o = eval(cx.clone(), f.clone(), obj).await?;
                Err(fail(
                    ExcType::AttributeError,
                    format!(
                        "'{}' object attribute '{attr}' is read-only in the playground",
                        o.type_name()
                    ),
                ))
            }
            _ => Err(fail(ExcType::TypeError, "cannot assign to this expression")),
        }
    })
}

// ---- iteration ----

/// `iter(value)`
pub(crate) fn get_iter(v: &Value) -> Res<Value> {
    let it = match v {
        Value::List(l) => Iter::List(l.clone(), 0),
        Value::Tuple(t) => Iter::Items(t.iter().cloned().collect::<Vec<_>>().into_iter()),
        Value::Str(s) => Iter::Chars(s.clone(), 0),
        Value::Range(r) => Iter::Range(*r, 0),
        Value::Dict(d) | Value::Set(d) => Iter::Items(d.borrow().keys().into_iter()),
        Value::View(kind, d) => Iter::Items(kind.items(&d.borrow()).into_iter()),
        Value::Iter(_) | Value::Gen(_) => return Ok(v.clone()),
        other => {
            return Err(fail(
                ExcType::TypeError,
                format!("'{}' object is not iterable", other.type_name()),
            ))
        }
    };
    Ok(Value::Iter(Rc::new(RefCell::new(it))))
}

/// `next(it)`: `None` at the end.
pub(crate) fn iter_next(cx: &Cx, it: &Value) -> Res<Option<Value>> {
    match it {
        Value::Gen(g) => gen::next(cx, g),
        Value::Iter(state) => {
            let mut state = state.borrow_mut();
            Ok(match &mut *state {
                Iter::List(l, i) => {
                    let item = l.borrow().get(*i).cloned();
                    *i += 1;
                    item
                }
                Iter::Items(items) => items.next(),
                Iter::Range(r, i) => {
                    let item = (*i)
                        .checked_mul(r.step)
                        .and_then(|off| r.start.checked_add(off));
                    match item {
                        Some(v) if *i < r.len() => {
                            *i += 1;
                            Some(Value::Int(v))
                        }
                        _ => None,
                    }
                }
                Iter::Chars(s, i) => {
                    let c = s[*i..].chars().next();
                    if let Some(c) = c {
                        *i += c.len_utf8();
                    }
                    c.map(|c| Value::str(c.encode_utf8(&mut [0; 4])))
                }
                Iter::Enumerate(inner, n) => {
                    let inner = (**inner).clone();
                    let n_now = *n;
                    drop(state);
                    let item = iter_next(cx, &inner)?;
                    if let (Some(_), Value::Iter(s)) = (&item, it) {
                        if let Iter::Enumerate(_, n) = &mut *s.borrow_mut() {
                            *n += 1;
                        }
                    }
                    return Ok(item.map(|v| Value::tuple(vec![Value::Int(n_now), v])));
                }
                Iter::Zip(iters) => {
                    let iters = iters.clone();
                    drop(state);
                    let mut out = Vec::with_capacity(iters.len());
                    for i in &iters {
                        match iter_next(cx, i)? {
                            Some(v) => out.push(v),
                            None => return Ok(None),
                        }
                    }
                    return Ok(Some(Value::tuple(out)));
                }
            })
        }
        other => Err(fail(
            ExcType::TypeError,
            format!("'{}' object is not an iterator", other.type_name()),
        )),
    }
}

/// Every item of an iterable, in order.
pub(crate) fn collect(cx: &Cx, v: &Value) -> Res<Vec<Value>> {
    match v {
        Value::List(l) => return Ok(l.borrow().clone()),
        Value::Tuple(t) => return Ok(t.to_vec()),
        _ => {}
    }
    let it = get_iter(v)?;
    let mut out = Vec::new();
    while let Some(item) = iter_next(cx, &it)? {
        if out.len() >= ops::MAX_ITEMS {
            return Err(fail(
                ExcType::MemoryError,
                "the playground caps a list at 20000000 items",
            ));
        }
        out.push(item);
    }
    Ok(out)
}

// ---- expressions ----

pub(crate) fn eval(cx: Cx, f: Rc<Frame>, e: &'static Expr) -> BoxFuture<Res<Value>> {
    Box::pin(async move { eval_inner(&cx, &f, e).await })
}

async fn eval_inner(cx: &Cx, f: &Rc<Frame>, e: &'static Expr) -> Res<Value> {
    let interp = &cx.interp;
    Ok(match &e.kind {
        ExprKind::Constant(c) => constant(c),
        ExprKind::Name(name) => interp.load(f, name)?,
        ExprKind::BinOp { left, op, right } => {
            let a = eval(cx.clone(), f.clone(), left).await?;
            let b = eval(cx.clone(), f.clone(), right).await?;
            ops::binop(*op, &a, &b, false)?
        }
        ExprKind::UnaryOp { op, operand } => {
            let v = eval(cx.clone(), f.clone(), operand).await?;
            ops::unary(*op, &v)?
        }
        ExprKind::BoolOp { op, values } => {
            let mut last = Value::None;
            for v in values {
                last = eval(cx.clone(), f.clone(), v).await?;
                let t = last.truthy();
                if (*op == BoolOp::And && !t) || (*op == BoolOp::Or && t) {
                    break;
                }
            }
            last
        }
        ExprKind::Compare { left, ops: chain } => {
            let mut a = eval(cx.clone(), f.clone(), left).await?;
            for (op, right) in chain {
                let b = eval(cx.clone(), f.clone(), right).await?;
                if !ops::compare(*op, &a, &b)? {
                    return Ok(Value::Bool(false));
                }
                a = b;
            }
            Value::Bool(true)
        }
        ExprKind::IfExp { test, body, orelse } => {
            let t = eval(cx.clone(), f.clone(), test).await?.truthy();
            eval(cx.clone(), f.clone(), if t { body } else { orelse }).await?
        }
        ExprKind::List(items) => Value::list(eval_items(cx, f, items).await?),
        ExprKind::Tuple(items) => Value::tuple(eval_items(cx, f, items).await?),
        ExprKind::Set(items) => {
            let items = eval_items(cx, f, items).await?;
            builtins::make_set(items)?
        }
        ExprKind::Dict(items) => {
            let mut d = super::value::Dict::new();
            for item in items {
                match item {
                    DictItem::Pair(k, v) => {
                        let k = eval(cx.clone(), f.clone(), k).await?;
                        let v = eval(cx.clone(), f.clone(), v).await?;
                        d.insert(k.key().map_err(ops::type_error)?, k, v);
                    }
                    DictItem::Unpack(other) => {
                        let o = eval(cx.clone(), f.clone(), other).await?;
                        let Value::Dict(o) = o else {
                            return Err(fail(
                                ExcType::TypeError,
                                format!("'{}' object is not a mapping", o.type_name()),
                            ));
                        };
                        for (k, v) in o.borrow().items() {
                            d.insert(k.key().map_err(ops::type_error)?, k.clone(), v.clone());
                        }
                    }
                }
            }
            Value::Dict(Rc::new(RefCell::new(d)))
        }
        ExprKind::FString(parts) => Value::str(&fstring(cx, f, parts).await?),
        ExprKind::Attribute { value, attr } => {
            let v = eval(cx.clone(), f.clone(), value).await?;
            get_attr(cx, &v, attr)?
        }
        ExprKind::Subscript { value, index } => {
            let v = eval(cx.clone(), f.clone(), value).await?;
            if let ExprKind::Slice { lower, upper, step } = &index.kind {
                let mut bounds = [None, None, None];
                for (slot, part) in bounds.iter_mut().zip([lower, upper, step]) {
                    if let Some(p) = part {
                        let b = eval(cx.clone(), f.clone(), p).await?;
                        *slot = match b {
                            Value::None => None,
                            other => Some(other.as_int().ok_or_else(|| {
                                fail(ExcType::TypeError, "slice indices must be integers or None")
                            })?),
                        };
                    }
                }
                ops::get_slice(&v, bounds[0], bounds[1], bounds[2])?
            } else {
                let k = eval(cx.clone(), f.clone(), index).await?;
                ops::get_item(&v, &k)?
            }
        }
        ExprKind::Call { func, args } => {
            // `obj.method(...)` calls the method without making a bound method first.
            if let ExprKind::Attribute { value, attr } = &func.kind {
                let recv = eval(cx.clone(), f.clone(), value).await?;
                let (positional, keywords) = eval_args(cx, f, args).await?;
                return call_method(
                    cx.clone(),
                    recv,
                    Rc::from(attr.as_str()),
                    positional,
                    keywords,
                )
                .await;
            }
            let callee = eval(cx.clone(), f.clone(), func).await?;
            let (positional, keywords) = eval_args(cx, f, args).await?;
            call(cx.clone(), callee, positional, keywords).await?
        }
        ExprKind::Await(inner) => {
            let v = eval(cx.clone(), f.clone(), inner).await?;
            aio::await_value(cx, v).await?
        }
        ExprKind::Lambda { params, body } => {
            let info = interp.scope(std::ptr::from_ref(&**params).cast(), || {
                ScopeInfo::of_lambda(params, body)
            });
            let (defaults, kw_defaults) = eval_defaults(cx, f, params).await?;
            interp.closure_made(f);
            Value::Function(Rc::new(Function {
                name: Rc::from("<lambda>"),
                params,
                body: Body::Lambda(body),
                is_async: false,
                defaults,
                kw_defaults,
                closure: f.clone(),
                info,
                _program: interp.program(),
            }))
        }
        ExprKind::NamedExpr { target, value } => {
            let v = eval(cx.clone(), f.clone(), value).await?;
            interp.store_walrus(f, target, v.clone());
            v
        }
        ExprKind::ListComp { elt, generators }
        | ExprKind::GeneratorExp { elt, generators }
        | ExprKind::SetComp { elt, generators } => {
            let mut out = Vec::new();
            comprehension(
                cx,
                f,
                generators,
                &mut |cx, inner| {
                    Box::pin(async move { eval(cx, inner, elt).await.map(|v| vec![v]) })
                },
                &mut out,
            )
            .await?;
            match e.kind {
                // A generator expression is evaluated at once, its items then handed out one
                // by one (the subset has no infinite ones to feed it).
                ExprKind::GeneratorExp { .. } => {
                    Value::Iter(Rc::new(RefCell::new(Iter::Items(out.into_iter()))))
                }
                ExprKind::SetComp { .. } => builtins::make_set(out)?,
                _ => Value::list(out),
            }
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => {
            let mut out = Vec::new();
            comprehension(
                cx,
                f,
                generators,
                &mut |cx, inner| {
                    Box::pin(async move {
                        let k = eval(cx.clone(), inner.clone(), key).await?;
                        let v = eval(cx, inner, value).await?;
                        Ok(vec![k, v])
                    })
                },
                &mut out,
            )
            .await?;
            let mut d = super::value::Dict::new();
            let mut pairs = out.into_iter();
            while let (Some(k), Some(v)) = (pairs.next(), pairs.next()) {
                d.insert(k.key().map_err(ops::type_error)?, k, v);
            }
            Value::Dict(Rc::new(RefCell::new(d)))
        }
        ExprKind::Yield(value) => {
            let v = match value {
                Some(v) => eval(cx.clone(), f.clone(), v).await?,
                None => Value::None,
            };
            let slot = f
                .yield_slot()
                .ok_or_else(|| fail(ExcType::TypeError, "'yield' outside function"))?;
            gen::yield_value(slot, v).await?
        }
        ExprKind::YieldFrom(inner) => {
            let source = eval(cx.clone(), f.clone(), inner).await?;
            let slot = f
                .yield_slot()
                .ok_or_else(|| fail(ExcType::TypeError, "'yield' outside function"))?;
            if let Value::Gen(g) = &source {
                // A generator's return value is the value of `yield from`.
                loop {
                    match gen::step(g)? {
                        Ok(item) => {
                            gen::yield_value(slot.clone(), item).await?;
                        }
                        Err(returned) => break returned,
                    }
                }
            } else {
                let it = get_iter(&source)?;
                while let Some(item) = iter_next(cx, &it)? {
                    gen::yield_value(slot.clone(), item).await?;
                }
                Value::None
            }
        }
        ExprKind::Starred(_) => {
            return Err(fail(
                ExcType::TypeError,
                "can't use starred expression here",
            ))
        }
        ExprKind::Slice { .. } => {
            return Err(fail(ExcType::TypeError, "a slice only goes inside [ ]"))
        }
    })
}

type EltFn<'a> = dyn FnMut(Cx, Rc<Frame>) -> BoxFuture<Res<Vec<Value>>> + 'a;

/// Runs a comprehension's loops in a scope of their own, pushing each element's values.
async fn comprehension(
    cx: &Cx,
    f: &Rc<Frame>,
    generators: &'static [Comprehension],
    elt: &mut EltFn<'_>,
    out: &mut Vec<Value>,
) -> Res<()> {
    let inner = Frame::new(FrameKind::Comprehension { parent: f.clone() });
    comprehension_level(cx, f, &inner, generators, true, elt, out).await
}

fn comprehension_level<'a>(
    cx: &'a Cx,
    outer: &'a Rc<Frame>,
    inner: &'a Rc<Frame>,
    generators: &'static [Comprehension],
    first: bool,
    elt: &'a mut EltFn<'_>,
    out: &'a mut Vec<Value>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Res<()>> + 'a>> {
    Box::pin(async move {
        let Some((g, rest)) = generators.split_first() else {
            out.extend(elt(cx.clone(), inner.clone()).await?);
            if out.len() > ops::MAX_ITEMS {
                return Err(fail(
                    ExcType::MemoryError,
                    "the playground caps a list at 20000000 items",
                ));
            }
            return Ok(());
        };
        if g.is_async {
            return Err(fail(
                ExcType::TypeError,
                "`async for` in a comprehension is outside the playground's subset",
            ));
        }
        // The first iterable is evaluated in the enclosing scope, as Python does.
        let scope = if first { outer } else { inner };
        let iterable = eval(cx.clone(), scope.clone(), &g.iter).await?;
        let it = get_iter(&iterable)?;
        'items: while let Some(item) = iter_next(cx, &it)? {
            cx.interp.step()?;
            assign(cx, inner, &g.target, item).await?;
            for cond in &g.ifs {
                if !eval(cx.clone(), inner.clone(), cond).await?.truthy() {
                    continue 'items;
                }
            }
            comprehension_level(cx, outer, inner, rest, false, elt, out).await?;
        }
        Ok(())
    })
}

fn constant(c: &Constant) -> Value {
    match c {
        Constant::Int(i) => Value::Int(*i),
        Constant::Float(x) => Value::Float(*x),
        Constant::Str(s) => Value::str(s),
        Constant::True => Value::Bool(true),
        Constant::False => Value::Bool(false),
        Constant::None => Value::None,
        Constant::Ellipsis => Value::None,
    }
}

async fn eval_items(cx: &Cx, f: &Rc<Frame>, items: &'static [Expr]) -> Res<Vec<Value>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let ExprKind::Starred(inner) = &item.kind {
            let v = eval(cx.clone(), f.clone(), inner).await?;
            out.extend(collect(cx, &v)?);
        } else {
            out.push(eval(cx.clone(), f.clone(), item).await?);
        }
    }
    Ok(out)
}

type Args = (Vec<Value>, Vec<(Rc<str>, Value)>);

async fn eval_args(cx: &Cx, f: &Rc<Frame>, args: &'static [Arg]) -> Res<Args> {
    let mut positional = Vec::with_capacity(args.len());
    let mut keywords = Vec::new();
    for arg in args {
        match arg {
            Arg::Positional(e) => positional.push(eval(cx.clone(), f.clone(), e).await?),
            Arg::Starred(e) => {
                let v = eval(cx.clone(), f.clone(), e).await?;
                positional.extend(collect(cx, &v)?);
            }
            Arg::Keyword(name, e) => keywords.push((
                Rc::from(name.as_str()),
                eval(cx.clone(), f.clone(), e).await?,
            )),
            Arg::DoubleStarred(e) => {
                let v = eval(cx.clone(), f.clone(), e).await?;
                let Value::Dict(d) = v else {
                    return Err(fail(
                        ExcType::TypeError,
                        format!("argument after ** must be a mapping, not {}", v.type_name()),
                    ));
                };
                for (k, v) in d.borrow().items() {
                    let Value::Str(k) = k else {
                        return Err(fail(ExcType::TypeError, "keywords must be strings"));
                    };
                    keywords.push((k.clone(), v.clone()));
                }
            }
        }
    }
    Ok((positional, keywords))
}

async fn fstring(cx: &Cx, f: &Rc<Frame>, parts: &'static [FStringPart]) -> Res<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            FStringPart::Literal(s) => out.push_str(s),
            FStringPart::Field {
                value,
                conversion,
                spec,
            } => {
                let v = eval(cx.clone(), f.clone(), value).await?;
                let spec = if spec.is_empty() {
                    String::new()
                } else {
                    Box::pin(fstring(cx, f, spec)).await?
                };
                let v = match conversion {
                    None => v,
                    Some(crate::ast::Conversion::Repr) => Value::str(&v.repr()),
                    Some(crate::ast::Conversion::Str) => Value::str(&v.to_str()),
                    Some(crate::ast::Conversion::Ascii) => {
                        Value::str(&crate::format::ascii_repr(&v.to_str()))
                    }
                };
                out.push_str(&builtins::format_value(&v, &spec)?);
            }
        }
        if out.len() > ops::MAX_ITEMS {
            return Err(fail(
                ExcType::MemoryError,
                "the playground caps a string at 20000000 bytes",
            ));
        }
    }
    Ok(out)
}

// ---- attributes and calls ----

/// `value.name`
pub(crate) fn get_attr(cx: &Cx, v: &Value, name: &str) -> Res<Value> {
    builtins::get_attr(cx, v, name)
}

/// Calls `callee(*positional, **keywords)`.
pub(crate) fn call(
    cx: Cx,
    callee: Value,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> BoxFuture<Res<Value>> {
    Box::pin(async move {
        match callee {
            Value::Function(func) => call_function(&cx, &func, positional, keywords).await,
            Value::Builtin(b) => builtins::call_builtin(&cx, b, positional, keywords).await,
            Value::Method(m) => {
                let (recv, name) = (m.0.clone(), m.1.clone());
                call_method(cx, recv, name, positional, keywords).await
            }
            Value::ExcType(t) => {
                if let Some((k, _)) = keywords.first() {
                    return Err(fail(
                        ExcType::TypeError,
                        format!("{}() takes no keyword arguments ({k})", t.name()),
                    ));
                }
                Ok(Value::Exc(ExcObj::new(t, positional)))
            }
            Value::Type(t) => builtins::construct(&cx, t, positional, keywords).await,
            other => Err(fail(
                ExcType::TypeError,
                format!("'{}' object is not callable", other.type_name()),
            )),
        }
    })
}

/// `recv.name(...)`
pub(crate) fn call_method(
    cx: Cx,
    recv: Value,
    name: Rc<str>,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> BoxFuture<Res<Value>> {
    Box::pin(async move {
        match &recv {
            Value::Module(_) | Value::Exc(_) => {
                let f = get_attr(&cx, &recv, &name)?;
                call(cx, f, positional, keywords).await
            }
            Value::Gen(g) => gen::call_method(&cx, g, &name, positional).await,
            Value::Task(_) | Value::Coro(_) | Value::Aio(_) => {
                aio::call_method(&cx, &recv, &name, positional, keywords).await
            }
            Value::Http(_) => {
                super::http::call_method(&cx, &recv, &name, positional, keywords).await
            }
            _ => builtins::call_method(&cx, &recv, &name, positional, keywords).await,
        }
    })
}

/// A function's body run with its arguments bound (or, for `async def`, a coroutine to run
/// later; for a generator, a generator object).
pub(crate) async fn call_function(
    cx: &Cx,
    func: &Rc<Function>,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    let label = if func.is_async || func.info.is_generator {
        Some(call_label(&func.name, &positional, &keywords))
    } else {
        None
    };
    let slot = func
        .info
        .is_generator
        .then(|| Rc::new(YieldSlot::default()));
    let frame = Frame::new(FrameKind::Function {
        info: func.info.clone(),
        parent: func.closure.clone(),
        gen: slot.clone(),
    });
    bind_args(func, &frame, positional, keywords)?;
    if let (Some(slot), Some(label)) = (slot, &label) {
        let func = func.clone();
        // A generator's body is the root its resumption drives: not pushed.
        let start = move |cx: Cx| run_body_with(cx, func, frame, false);
        return Ok(Value::Gen(GenObj::new(
            label.clone(),
            slot,
            Box::new(start),
            cx.clone(),
        )));
    }
    if let Some(label) = label {
        let func = func.clone();
        let start = move |cx: Cx| run_body(cx, func, frame);
        return Ok(Value::Coro(CoroObj::new(label, Box::new(start))));
    }
    run_body(cx.clone(), func.clone(), frame).await
}

/// `say_after(1, 'hello')`: what a coroutine's task is named after.
fn call_label(name: &str, positional: &[Value], keywords: &[(Rc<str>, Value)]) -> String {
    let mut out = format!("{name}(");
    let short = |v: &Value| {
        let r = v.repr();
        if r.chars().count() > 24 {
            let mut cut: String = r.chars().take(21).collect();
            cut.push_str("...");
            cut
        } else {
            r
        }
    };
    let mut parts: Vec<String> = positional.iter().map(short).collect();
    parts.extend(keywords.iter().map(|(k, v)| format!("{k}={}", short(v))));
    out.push_str(&parts.join(", "));
    out.push(')');
    out
}

pub(crate) fn run_body(cx: Cx, func: Rc<Function>, frame: Rc<Frame>) -> BoxFuture<Res<Value>> {
    run_body_with(cx, func, frame, true)
}

/// A function's body run in `frame`: pushed on the task's [`super::frames`] (`trampoline`),
/// or polled in place.
fn run_body_with(
    cx: Cx,
    func: Rc<Function>,
    frame: Rc<Frame>,
    trampoline: bool,
) -> BoxFuture<Res<Value>> {
    Box::pin(async move {
        let depth = cx.depth.get() + 1;
        if depth > cx.interp.options.limits.max_depth {
            return Err(fail(
                ExcType::RecursionError,
                format!(
                    "maximum recursion depth exceeded (the playground allows {} nested calls)",
                    cx.interp.options.limits.max_depth
                ),
            ));
        }
        cx.depth.set(depth);
        let body: BoxFuture<Res<Value>> = match func.body {
            Body::Stmts(body) => {
                let run = exec_block(cx.clone(), frame, body);
                Box::pin(async move {
                    match run.await {
                        Ok(()) => Ok(Value::None),
                        Err(Flow::Return(v)) => Ok(v),
                        Err(Flow::Break | Flow::Continue) => Ok(Value::None),
                        Err(e) => Err(e),
                    }
                })
            }
            Body::Lambda(e) => eval(cx.clone(), frame, e),
        };
        let result = if trampoline {
            super::frames::call(&cx, body).await
        } else {
            body.await
        };
        cx.depth.set(depth - 1);
        result
    })
}

fn bind_args(
    func: &Function,
    frame: &Frame,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<()> {
    let params = func.params;
    let name = &func.name;
    let n = params.positional.len();
    let given = positional.len();
    let mut slots: Vec<Option<Value>> = vec![None; n];
    let mut extra = Vec::new();
    for (i, v) in positional.into_iter().enumerate() {
        if i < n {
            slots[i] = Some(v);
        } else {
            extra.push(v);
        }
    }
    if !extra.is_empty() && params.varargs.is_none() {
        let required = func.defaults.iter().filter(|d| d.is_none()).count();
        let takes = if required == n {
            format!("{n} positional argument{}", if n == 1 { "" } else { "s" })
        } else {
            format!("from {required} to {n} positional arguments")
        };
        return Err(fail(
            ExcType::TypeError,
            format!(
                "{name}() takes {takes} but {given} {} given",
                if given == 1 { "was" } else { "were" }
            ),
        ));
    }
    let mut kw_slots: Vec<Option<Value>> = vec![None; params.keyword_only.len()];
    let mut kwargs = super::value::Dict::new();
    for (k, v) in keywords {
        if let Some(i) = params.positional.iter().position(|p| *p.name == *k) {
            if slots[i].is_some() {
                return Err(fail(
                    ExcType::TypeError,
                    format!("{name}() got multiple values for argument '{k}'"),
                ));
            }
            slots[i] = Some(v);
        } else if let Some(i) = params.keyword_only.iter().position(|p| *p.name == *k) {
            kw_slots[i] = Some(v);
        } else if params.kwargs.is_some() {
            kwargs.insert(super::value::Key::Str(k.clone()), Value::Str(k), v);
        } else {
            return Err(fail(
                ExcType::TypeError,
                format!("{name}() got an unexpected keyword argument '{k}'"),
            ));
        }
    }
    let mut vars = frame.vars.borrow_mut();
    let mut missing = Vec::new();
    for (i, p) in params.positional.iter().enumerate() {
        match slots[i].take().or_else(|| func.defaults[i].clone()) {
            Some(v) => {
                vars.insert(Rc::from(p.name.as_str()), v);
            }
            None => missing.push(format!("'{}'", p.name)),
        }
    }
    if !missing.is_empty() {
        return Err(fail(
            ExcType::TypeError,
            format!(
                "{name}() missing {} required positional argument{}: {}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                join_names(&missing)
            ),
        ));
    }
    for (i, p) in params.keyword_only.iter().enumerate() {
        match kw_slots[i].take().or_else(|| func.kw_defaults[i].clone()) {
            Some(v) => {
                vars.insert(Rc::from(p.name.as_str()), v);
            }
            None => {
                return Err(fail(
                    ExcType::TypeError,
                    format!(
                        "{name}() missing 1 required keyword-only argument: '{}'",
                        p.name
                    ),
                ))
            }
        }
    }
    if let Some(varargs) = &params.varargs {
        vars.insert(Rc::from(varargs.as_str()), Value::tuple(extra));
    }
    if let Some(kw) = &params.kwargs {
        vars.insert(
            Rc::from(kw.as_str()),
            Value::Dict(Rc::new(RefCell::new(kwargs))),
        );
    }
    Ok(())
}

fn join_names(names: &[String]) -> String {
    match names {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}
