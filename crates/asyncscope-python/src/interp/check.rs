//! What the playground refuses before running a program, found by walking its tree: CPython's
//! compile-time errors the parser leaves to a later pass (`'await' outside async function`,
//! `'break' outside loop`, ...), imports of modules the page does not have, and the servers and
//! raw sockets a page cannot open. Each refusal has the line and column of the node, and words
//! that say what to use instead.

use std::collections::HashSet;
use std::fmt;

use super::refusal::{api_refusal, module_refusal};
use super::scope::ScopeInfo;
use crate::ast::{
    Arg, Comprehension, DictItem, Expr, ExprKind, FStringPart, Module, Params, Span, Stmt, StmtKind,
};

/// Why a program was refused before it ran, and where.
///
/// `line` and `col` are 1-based and count characters, as [`crate::SyntaxError`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: u32,
    pub col: u32,
    pub message: String,
    /// The exception CPython would raise for it: `SyntaxError`, or `ModuleNotFoundError` for an
    /// import of a module the playground lacks.
    pub kind: &'static str,
}

impl Refusal {
    fn new(span: Span, kind: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            line: span.line,
            col: span.col,
            message: message.into(),
            kind,
        }
    }

    fn syntax(span: Span, message: impl Into<String>) -> Refusal {
        Refusal::new(span, "SyntaxError", message)
    }

    /// The traceback's last line it stands for: `SyntaxError: 'break' outside loop`.
    pub fn last_line(&self) -> String {
        format!("{}: {}", self.kind, self.message)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.col, self.message
        )
    }
}

impl std::error::Error for Refusal {}

/// The modules `import` finds (see `builtins::import`).
pub(crate) const MODULES: &[&str] = &[
    "asyncio",
    "time",
    "random",
    "threading",
    "aiohttp",
    "sys",
    "json",
    "math",
    "contextlib",
    "concurrent",
    "concurrent.futures",
];

/// A program parsed and checked ([`prepare`]): what [`super::run_prepared`] runs without
/// checking it again.
#[derive(Debug)]
pub struct Prepared(pub(crate) Module);

/// Parses and checks a program: the tree to run, or why not. A program that does not parse but
/// imports, at the start of a line, a module the playground refuses with advice (asynchat and
/// asyncore: the chat lesson; aiohttp.web: the server lesson) is refused for that import, since
/// that is what the reader needs to hear first (such programs are usually refused for bytes
/// literals too, further on).
pub fn prepare(source: &str) -> Result<Prepared, Refusal> {
    match crate::parse(source) {
        Ok(module) => check(&module).map(|()| Prepared(module)),
        Err(e) => Err(advised_import(source).unwrap_or(Refusal {
            line: e.line,
            col: e.col,
            message: e.message,
            kind: "SyntaxError",
        })),
    }
}

/// The first line `import X` or `from X import ...` of a module refused with advice, read as
/// text (for a program that does not parse).
fn advised_import(source: &str) -> Option<Refusal> {
    source.lines().enumerate().find_map(|(i, line)| {
        let text = line.trim_start();
        let indent = line.len() - text.len();
        let (rest, from) = match text.strip_prefix("import ") {
            Some(rest) => (rest, false),
            None => (text.strip_prefix("from ")?, true),
        };
        let name = rest.split([' ', ',', '#']).next()?.trim();
        let web = from
            && name == "aiohttp"
            && rest.contains(" import ")
            && rest
                .split(" import ")
                .nth(1)?
                .split(',')
                .any(|n| n.trim().split(' ').next() == Some("web"));
        let refused =
            ["asynchat", "asyncore"].contains(&name) || name.starts_with("aiohttp.web") || web;
        let shown = if web { "aiohttp.web" } else { name };
        refused.then(|| Refusal {
            line: i as u32 + 1,
            col: (indent + if from { 5 } else { 7 }) as u32 + 1,
            message: super::refusal::module_refusal(shown),
            kind: "ModuleNotFoundError",
        })
    })
}

/// Walks the whole program; the first refusal, in source order of the walk.
pub fn check(module: &Module) -> Result<(), Refusal> {
    let mut c = Checker { scopes: Vec::new() };
    let top = Ctx {
        function: None,
        in_loop: false,
        comprehension: None,
    };
    c.body(&module.body, top)
}

/// The function being walked.
#[derive(Clone, Copy)]
struct Func<'a> {
    name: &'a str,
    is_async: bool,
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    function: Option<Func<'a>>,
    in_loop: bool,
    /// Inside a comprehension's element or conditions: its span and CPython's name for it.
    comprehension: Option<(Span, &'static str)>,
}

struct Checker {
    /// The names each enclosing function binds (for `nonlocal`), innermost last.
    scopes: Vec<HashSet<std::rc::Rc<str>>>,
}

type Checked = Result<(), Refusal>;

impl Checker {
    fn body(&mut self, body: &[Stmt], ctx: Ctx<'_>) -> Checked {
        body.iter().try_for_each(|s| self.stmt(s, ctx))
    }

    fn stmt(&mut self, stmt: &Stmt, ctx: Ctx<'_>) -> Checked {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::FunctionDef(def) => {
                for d in &def.decorators {
                    self.expr(d, ctx)?;
                }
                self.params(&def.params, ctx)?;
                if let Some(r) = &def.returns {
                    self.expr(r, ctx)?;
                }
                let info = ScopeInfo::of_function(&def.params, &def.body);
                let mut bound: HashSet<_> = info.locals.clone();
                bound.extend(info.nonlocals.iter().cloned());
                self.scopes.push(bound);
                let inner = Ctx {
                    function: Some(Func {
                        name: &def.name,
                        is_async: def.is_async,
                    }),
                    in_loop: false,
                    comprehension: None,
                };
                let result = self.body(&def.body, inner);
                self.scopes.pop();
                result
            }
            StmtKind::Return(value) => {
                if ctx.function.is_none() {
                    return Err(Refusal::syntax(span, "'return' outside function"));
                }
                value.iter().try_for_each(|v| self.expr(v, ctx))
            }
            StmtKind::Delete(targets) => targets.iter().try_for_each(|t| self.expr(t, ctx)),
            StmtKind::Assign { targets, value } => {
                targets.iter().try_for_each(|t| self.expr(t, ctx))?;
                self.expr(value, ctx)
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(target, ctx)?;
                self.expr(value, ctx)
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                self.expr(target, ctx)?;
                self.expr(annotation, ctx)?;
                value.iter().try_for_each(|v| self.expr(v, ctx))
            }
            StmtKind::For {
                is_async,
                target,
                iter,
                body,
                orelse,
            } => {
                if *is_async && !ctx.function.is_some_and(|f| f.is_async) {
                    return Err(Refusal::syntax(span, "'async for' outside async function"));
                }
                self.expr(target, ctx)?;
                self.expr(iter, ctx)?;
                self.body(
                    body,
                    Ctx {
                        in_loop: true,
                        ..ctx
                    },
                )?;
                self.body(orelse, ctx)
            }
            StmtKind::While { test, body, orelse } => {
                self.expr(test, ctx)?;
                self.body(
                    body,
                    Ctx {
                        in_loop: true,
                        ..ctx
                    },
                )?;
                self.body(orelse, ctx)
            }
            StmtKind::If { test, body, orelse } => {
                self.expr(test, ctx)?;
                self.body(body, ctx)?;
                self.body(orelse, ctx)
            }
            StmtKind::With {
                is_async,
                items,
                body,
            } => {
                if *is_async && !ctx.function.is_some_and(|f| f.is_async) {
                    return Err(Refusal::syntax(
                        span,
                        "'async with' outside async function: put it in an `async def`",
                    ));
                }
                for item in items {
                    self.expr(&item.context, ctx)?;
                    item.target.iter().try_for_each(|t| self.expr(t, ctx))?;
                }
                self.body(body, ctx)
            }
            StmtKind::Raise { exc, cause } => {
                exc.iter().chain(cause).try_for_each(|e| self.expr(e, ctx))
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.body(body, ctx)?;
                for h in handlers {
                    h.kind.iter().try_for_each(|k| self.expr(k, ctx))?;
                    self.body(&h.body, ctx)?;
                }
                self.body(orelse, ctx)?;
                self.body(finalbody, ctx)
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test, ctx)?;
                msg.iter().try_for_each(|m| self.expr(m, ctx))
            }
            StmtKind::Import(names) => {
                for alias in names {
                    if !MODULES.contains(&alias.name.as_str()) {
                        return Err(Refusal::new(
                            alias.span,
                            "ModuleNotFoundError",
                            module_refusal(&alias.name),
                        ));
                    }
                }
                Ok(())
            }
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => {
                if *level > 0 {
                    return Err(Refusal::new(
                        span,
                        "ImportError",
                        "attempted relative import with no known parent package: the \
                         playground runs one file, so put everything in it",
                    ));
                }
                if !MODULES.contains(&module.as_str()) {
                    return Err(Refusal::new(
                        span,
                        "ModuleNotFoundError",
                        module_refusal(module),
                    ));
                }
                for alias in names {
                    let full = format!("{module}.{}", alias.name);
                    if module == "aiohttp" && alias.name == "web" {
                        return Err(Refusal::new(
                            alias.span,
                            "ModuleNotFoundError",
                            module_refusal(&full),
                        ));
                    }
                    if let Some(words) = api_refusal(&full) {
                        return Err(Refusal::syntax(alias.span, words));
                    }
                }
                Ok(())
            }
            StmtKind::Global(_) => Ok(()),
            StmtKind::Nonlocal(names) => {
                if ctx.function.is_none() {
                    return Err(Refusal::syntax(
                        span,
                        "nonlocal declaration not allowed at module level: use `global`",
                    ));
                }
                // The function's own scope is the last; the enclosing functions are before it.
                let enclosing = &self.scopes[..self.scopes.len().saturating_sub(1)];
                for name in names {
                    if !enclosing.iter().any(|s| s.contains(name.as_str())) {
                        return Err(Refusal::syntax(
                            span,
                            format!(
                                "no binding for nonlocal '{name}' found: nonlocal names a \
                                 variable of an enclosing function (for a module's, use \
                                 `global {name}`)"
                            ),
                        ));
                    }
                }
                Ok(())
            }
            StmtKind::Expr(e) => self.expr(e, ctx),
            StmtKind::Pass => Ok(()),
            StmtKind::Break => {
                if !ctx.in_loop {
                    return Err(Refusal::syntax(span, "'break' outside loop"));
                }
                Ok(())
            }
            StmtKind::Continue => {
                if !ctx.in_loop {
                    return Err(Refusal::syntax(span, "'continue' not properly in loop"));
                }
                Ok(())
            }
        }
    }

    fn params(&mut self, params: &Params, ctx: Ctx<'_>) -> Checked {
        params
            .positional
            .iter()
            .chain(&params.keyword_only)
            .filter_map(|p| p.default.as_ref())
            .try_for_each(|d| self.expr(d, ctx))
    }

    fn comprehension(
        &mut self,
        span: Span,
        what: &'static str,
        generators: &[Comprehension],
        elts: &[&Expr],
        ctx: Ctx<'_>,
    ) -> Checked {
        let is_async_fn = ctx.function.is_some_and(|f| f.is_async);
        let inner = Ctx {
            comprehension: Some((span, what)),
            ..ctx
        };
        for (i, g) in generators.iter().enumerate() {
            if g.is_async && !is_async_fn {
                return Err(Refusal::syntax(
                    span,
                    "asynchronous comprehension outside of an asynchronous function",
                ));
            }
            // The first iterable is evaluated outside the comprehension.
            self.expr(&g.iter, if i == 0 { ctx } else { inner })?;
            self.expr(&g.target, inner)?;
            g.ifs.iter().try_for_each(|c| self.expr(c, inner))?;
        }
        elts.iter().try_for_each(|e| self.expr(e, inner))
    }

    fn expr(&mut self, e: &Expr, ctx: Ctx<'_>) -> Checked {
        let span = e.span;
        match &e.kind {
            ExprKind::BoolOp { values, .. } => values.iter().try_for_each(|v| self.expr(v, ctx)),
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left, ctx)?;
                self.expr(right, ctx)
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand, ctx),
            ExprKind::Lambda { params, body } => {
                self.params(params, ctx)?;
                let info = ScopeInfo::of_lambda(params, body);
                self.scopes.push(info.locals.clone());
                let inner = Ctx {
                    function: Some(Func {
                        name: "<lambda>",
                        is_async: false,
                    }),
                    in_loop: false,
                    comprehension: None,
                };
                let result = self.expr(body, inner);
                self.scopes.pop();
                result
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test, ctx)?;
                self.expr(body, ctx)?;
                self.expr(orelse, ctx)
            }
            ExprKind::Dict(items) => items.iter().try_for_each(|item| match item {
                DictItem::Pair(k, v) => {
                    self.expr(k, ctx)?;
                    self.expr(v, ctx)
                }
                DictItem::Unpack(v) => self.expr(v, ctx),
            }),
            ExprKind::Set(items) | ExprKind::List(items) | ExprKind::Tuple(items) => {
                items.iter().try_for_each(|v| self.expr(v, ctx))
            }
            ExprKind::ListComp { elt, generators } => {
                self.comprehension(span, "list comprehension", generators, &[elt], ctx)
            }
            ExprKind::SetComp { elt, generators } => {
                self.comprehension(span, "set comprehension", generators, &[elt], ctx)
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension(span, "generator expression", generators, &[elt], ctx)
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comprehension(span, "dict comprehension", generators, &[key, value], ctx),
            ExprKind::Await(inner) => {
                match ctx.function {
                    None => {
                        return Err(Refusal::syntax(
                            span,
                            "'await' outside function: put the code in an `async def main()` \
                             and run it with `asyncio.run(main())`",
                        ))
                    }
                    Some(f) if !f.is_async => {
                        if let Some((
                            at,
                            "list comprehension" | "set comprehension" | "dict comprehension",
                        )) = ctx.comprehension
                        {
                            return Err(Refusal::syntax(
                                at,
                                format!(
                                    "asynchronous comprehension outside of an asynchronous \
                                     function: make {} an `async def`",
                                    describe(f)
                                ),
                            ));
                        }
                        return Err(Refusal::syntax(
                            span,
                            format!(
                                "'await' outside async function: make {} an `async def` (and \
                                 await it where it is called)",
                                describe(f)
                            ),
                        ));
                    }
                    Some(_) => {}
                }
                self.expr(inner, ctx)
            }
            ExprKind::Yield(value) => {
                self.yield_allowed(span, ctx, false)?;
                value.iter().try_for_each(|v| self.expr(v, ctx))
            }
            ExprKind::YieldFrom(inner) => {
                self.yield_allowed(span, ctx, true)?;
                self.expr(inner, ctx)
            }
            ExprKind::Compare { left, ops } => {
                self.expr(left, ctx)?;
                ops.iter().try_for_each(|(_, v)| self.expr(v, ctx))
            }
            ExprKind::Call { func, args } => {
                self.expr(func, ctx)?;
                args.iter().try_for_each(|a| match a {
                    Arg::Positional(v)
                    | Arg::Starred(v)
                    | Arg::Keyword(_, v)
                    | Arg::DoubleStarred(v) => self.expr(v, ctx),
                })
            }
            ExprKind::FString(parts) => self.fstring(parts, ctx),
            ExprKind::Constant(_) | ExprKind::Name(_) => Ok(()),
            ExprKind::Attribute { value, attr } => {
                let receiver = match &value.kind {
                    ExprKind::Name(n) => n.as_str(),
                    _ => "",
                };
                if let Some(words) = api_refusal(&format!("{receiver}.{attr}")) {
                    return Err(Refusal::syntax(span, words));
                }
                self.expr(value, ctx)
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value, ctx)?;
                self.expr(index, ctx)
            }
            ExprKind::Slice { lower, upper, step } => [lower, upper, step]
                .into_iter()
                .flatten()
                .try_for_each(|p| self.expr(p, ctx)),
            ExprKind::NamedExpr { value, .. } => self.expr(value, ctx),
            ExprKind::Starred(inner) => self.expr(inner, ctx),
        }
    }

    fn yield_allowed(&self, span: Span, ctx: Ctx<'_>, from: bool) -> Checked {
        if let Some((_, what)) = ctx.comprehension {
            return Err(Refusal::syntax(
                span,
                format!("'yield' inside {what}: use a loop that yields, or build a list"),
            ));
        }
        match ctx.function {
            None => Err(Refusal::syntax(span, "'yield' outside function")),
            Some(f) if f.is_async && from => Err(Refusal::syntax(
                span,
                "'yield from' inside async function: use `await` for a coroutine",
            )),
            Some(f) if f.is_async => Err(Refusal::syntax(
                span,
                format!(
                    "async generators (`yield` inside an `async def`, here {}) are outside the \
                     playground's subset: collect the values in a list and return it, or pass \
                     them to another task through an asyncio.Queue",
                    f.name
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    fn fstring(&mut self, parts: &[FStringPart], ctx: Ctx<'_>) -> Checked {
        for part in parts {
            if let FStringPart::Field { value, spec, .. } = part {
                self.expr(value, ctx)?;
                self.fstring(spec, ctx)?;
            }
        }
        Ok(())
    }
}

fn describe(f: Func<'_>) -> String {
    if f.name == "<lambda>" {
        "it a named function, an".to_string()
    } else {
        format!("`{}`", f.name)
    }
}
