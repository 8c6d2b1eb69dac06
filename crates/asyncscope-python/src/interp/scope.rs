//! Which names a function binds: Python decides it from the whole body before running it (a name
//! assigned anywhere in a function is local everywhere in it, unless declared `global` or
//! `nonlocal`), and whether the body `yield`s (a generator function).

use std::collections::HashSet;
use std::rc::Rc;

use crate::ast::{
    Arg, Comprehension, DictItem, Expr, ExprKind, FStringPart, Params, Stmt, StmtKind,
};

#[derive(Default, Debug)]
pub struct ScopeInfo {
    pub locals: HashSet<Rc<str>>,
    pub globals: HashSet<Rc<str>>,
    pub nonlocals: HashSet<Rc<str>>,
    pub is_generator: bool,
}

impl ScopeInfo {
    pub fn of_function(params: &Params, body: &[Stmt]) -> ScopeInfo {
        let mut info = ScopeInfo::default();
        for p in params.positional.iter().chain(&params.keyword_only) {
            info.locals.insert(Rc::from(p.name.as_str()));
        }
        for name in params.varargs.iter().chain(&params.kwargs) {
            info.locals.insert(Rc::from(name.as_str()));
        }
        for stmt in body {
            info.stmt(stmt);
        }
        for name in info.globals.iter().chain(&info.nonlocals) {
            info.locals.remove(name);
        }
        info
    }

    pub fn of_lambda(params: &Params, body: &Expr) -> ScopeInfo {
        let mut info = ScopeInfo::of_function(params, &[]);
        info.expr(body);
        info
    }

    fn bind(&mut self, name: &str) {
        self.locals.insert(Rc::from(name));
    }

    fn target(&mut self, target: &Expr) {
        match &target.kind {
            ExprKind::Name(name) => self.bind(name),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for item in items {
                    self.target(item);
                }
            }
            ExprKind::Starred(inner) => self.target(inner),
            _ => self.expr(target),
        }
    }

    fn body(&mut self, body: &[Stmt]) {
        for stmt in body {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::FunctionDef(def) => {
                self.bind(&def.name);
                for d in &def.decorators {
                    self.expr(d);
                }
                self.params(&def.params);
            }
            StmtKind::Return(value) => {
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.target(t);
                }
            }
            StmtKind::Assign { targets, value } => {
                for t in targets {
                    self.target(t);
                }
                self.expr(value);
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.target(target);
                self.expr(value);
            }
            StmtKind::AnnAssign { target, value, .. } => {
                self.target(target);
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.target(target);
                self.expr(iter);
                self.body(body);
                self.body(orelse);
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                self.expr(test);
                self.body(body);
                self.body(orelse);
            }
            StmtKind::With { items, body, .. } => {
                for item in items {
                    self.expr(&item.context);
                    if let Some(t) = &item.target {
                        self.target(t);
                    }
                }
                self.body(body);
            }
            StmtKind::Raise { exc, cause } => {
                for e in exc.iter().chain(cause) {
                    self.expr(e);
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.body(body);
                for h in handlers {
                    if let Some(k) = &h.kind {
                        self.expr(k);
                    }
                    if let Some(n) = &h.name {
                        self.bind(n);
                    }
                    self.body(&h.body);
                }
                self.body(orelse);
                self.body(finalbody);
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test);
                if let Some(m) = msg {
                    self.expr(m);
                }
            }
            StmtKind::Import(names) => {
                for a in names {
                    let bound = a
                        .asname
                        .as_deref()
                        .unwrap_or_else(|| a.name.split('.').next().unwrap_or(&a.name));
                    self.bind(bound);
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    self.bind(a.asname.as_deref().unwrap_or(&a.name));
                }
            }
            StmtKind::Global(names) => {
                for n in names {
                    self.globals.insert(Rc::from(n.as_str()));
                }
            }
            StmtKind::Nonlocal(names) => {
                for n in names {
                    self.nonlocals.insert(Rc::from(n.as_str()));
                }
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
        }
    }

    fn params(&mut self, params: &Params) {
        for p in params.positional.iter().chain(&params.keyword_only) {
            if let Some(d) = &p.default {
                self.expr(d);
            }
        }
    }

    fn comprehension(&mut self, generators: &[Comprehension], elts: &[&Expr]) {
        // Its targets are its own; what it reads and `:=` reach the function.
        for g in generators {
            self.expr(&g.iter);
            for cond in &g.ifs {
                self.expr(cond);
            }
        }
        for e in elts {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::BoolOp { values, .. } => values.iter().for_each(|v| self.expr(v)),
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand),
            ExprKind::Lambda { params, .. } => self.params(params),
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test);
                self.expr(body);
                self.expr(orelse);
            }
            ExprKind::Dict(items) => {
                for item in items {
                    match item {
                        DictItem::Pair(k, v) => {
                            self.expr(k);
                            self.expr(v);
                        }
                        DictItem::Unpack(v) => self.expr(v),
                    }
                }
            }
            ExprKind::Set(items) | ExprKind::List(items) | ExprKind::Tuple(items) => {
                items.iter().for_each(|v| self.expr(v))
            }
            ExprKind::ListComp { elt, generators }
            | ExprKind::SetComp { elt, generators }
            | ExprKind::GeneratorExp { elt, generators } => self.comprehension(generators, &[elt]),
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comprehension(generators, &[key, value]),
            ExprKind::Await(inner) => self.expr(inner),
            ExprKind::Yield(value) => {
                self.is_generator = true;
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            ExprKind::YieldFrom(inner) => {
                self.is_generator = true;
                self.expr(inner);
            }
            ExprKind::Compare { left, ops } => {
                self.expr(left);
                ops.iter().for_each(|(_, v)| self.expr(v));
            }
            ExprKind::Call { func, args } => {
                self.expr(func);
                for a in args {
                    match a {
                        Arg::Positional(v)
                        | Arg::Starred(v)
                        | Arg::Keyword(_, v)
                        | Arg::DoubleStarred(v) => self.expr(v),
                    }
                }
            }
            ExprKind::FString(parts) => self.fstring(parts),
            ExprKind::Constant(_) | ExprKind::Name(_) => {}
            ExprKind::Attribute { value, .. } => self.expr(value),
            ExprKind::Subscript { value, index } => {
                self.expr(value);
                self.expr(index);
            }
            ExprKind::Slice { lower, upper, step } => {
                for part in [lower, upper, step].into_iter().flatten() {
                    self.expr(part);
                }
            }
            ExprKind::NamedExpr { target, value } => {
                self.bind(target);
                self.expr(value);
            }
            ExprKind::Starred(inner) => self.expr(inner),
        }
    }

    fn fstring(&mut self, parts: &[FStringPart]) {
        for part in parts {
            if let FStringPart::Field { value, spec, .. } = part {
                self.expr(value);
                self.fstring(spec);
            }
        }
    }
}
