//! Tokens to the tree: recursive descent over CPython's grammar for the playground's subset, with
//! its precedence, its messages where it has one, and a depth cap so that no source can overflow
//! the wasm stack.

use crate::ast::*;
use crate::error::SyntaxError;
use crate::lexer::{self, FStringPiece, Token, TokenKind};
use crate::MAX_NESTING;

type Parsed<T> = Result<T, SyntaxError>;

// Binding powers, loosest first: each binary level parses its right operand one level tighter.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARE: u8 = 4;
const BIT_OR: u8 = 5;
const BIT_XOR: u8 = 6;
const BIT_AND: u8 = 7;
const SHIFT: u8 = 8;
const ARITH: u8 = 9;
const TERM: u8 = 10;
/// Unary `-`, `+`, `~`: tighter than `*`, looser than `**` (`-2**2` is `-(2**2)`).
const UNARY: u8 = 11;

static END: Token = Token {
    kind: TokenKind::EndOfFile,
    line: 1,
    col: 1,
};

/// What a binary-level token does.
enum Infix {
    Bool(BoolOp),
    Compare,
    Bin(BinOp),
}

pub(crate) struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Brackets, unary operators, blocks and the like open around the current point: every
    /// recursion of the grammar passes one of them, so capping this caps the Rust stack.
    depth: usize,
}

impl Parser {
    pub(crate) fn new(tokens: Vec<Token>, depth: usize) -> Self {
        Parser {
            tokens,
            pos: 0,
            depth,
        }
    }

    // ---- tokens ----

    fn tok(&self) -> &Token {
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .unwrap_or(&END)
    }

    fn kind(&self) -> &TokenKind {
        &self.tok().kind
    }

    fn kind_at(&self, ahead: usize) -> &TokenKind {
        self.tokens
            .get(self.pos + ahead)
            .map_or(&TokenKind::EndOfFile, |t| &t.kind)
    }

    fn span(&self) -> Span {
        Span {
            line: self.tok().line,
            col: self.tok().col,
        }
    }

    fn advance(&mut self) -> Token {
        let token = self.tok().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.kind(), TokenKind::Op(o) if *o == op)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.kind(), TokenKind::Keyword(k) if *k == kw)
    }

    /// A comprehension's `for` (or `async for`) follows: the expression before it is its
    /// element, not the first item of a display.
    fn at_comprehension(&self) -> bool {
        self.is_kw("for") || self.is_kw("async")
    }

    /// The items of a display or subscript after its first, each after a comma, up to `close`
    /// (not eaten; a trailing comma allowed).
    fn more_items<T>(
        &mut self,
        items: &mut Vec<T>,
        close: &str,
        mut item: impl FnMut(&mut Self) -> Parsed<T>,
    ) -> Parsed<()> {
        while self.eat_op(",") && !self.is_op(close) {
            items.push(item(self)?);
        }
        Ok(())
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let found = self.is_op(op);
        if found {
            self.advance();
        }
        found
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let found = self.is_kw(kw);
        if found {
            self.advance();
        }
        found
    }

    fn error_here(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError::new(self.tok().line, self.tok().col, message)
    }

    fn invalid(&self) -> SyntaxError {
        if self.is_op(":=") {
            return self.error_here(
                "':=' is only allowed inside parentheses or as an if/while condition, as in CPython; use '=' to assign",
            );
        }
        self.error_here("invalid syntax")
    }

    fn expect_op(&mut self, op: &str) -> Parsed<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.error_here(format!("expected '{op}'")))
        }
    }

    fn expect_name(&mut self) -> Parsed<String> {
        match self.kind() {
            TokenKind::Name(name) => {
                let name = name.clone();
                self.advance();
                Ok(name)
            }
            _ => Err(self.invalid()),
        }
    }

    /// Runs `f` one level deeper, refusing past [`MAX_NESTING`] levels.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Parsed<T>) -> Parsed<T> {
        if self.depth >= MAX_NESTING {
            return Err(self.error_here(format!(
                "too deeply nested: the playground allows {MAX_NESTING} levels of brackets, blocks and operators"
            )));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    // ---- statements ----

    pub(crate) fn module(&mut self) -> Parsed<Module> {
        self.refuse_outside_the_subset()?;
        let mut body = Vec::new();
        loop {
            match self.kind() {
                TokenKind::EndOfFile => return Ok(Module { body }),
                TokenKind::Newline => {
                    self.advance();
                }
                _ => self.statement(&mut body)?,
            }
        }
    }

    /// `class` is refused wherever it stands, before any other error, in words.
    fn refuse_outside_the_subset(&self) -> Parsed<()> {
        match self.tokens.iter().find(|t| t.kind == TokenKind::Keyword("class")) {
            Some(token) => Err(SyntaxError::new(
                token.line,
                token.col,
                "class definitions are not part of the playground's Python; use functions and dicts",
            )),
            None => Ok(()),
        }
    }

    fn statement(&mut self, out: &mut Vec<Stmt>) -> Parsed<()> {
        match self.kind() {
            TokenKind::Indent => Err(self.error_here("unexpected indent")),
            TokenKind::Keyword("if" | "while" | "for" | "try" | "with" | "def" | "async")
            | TokenKind::Op("@") => {
                out.push(self.compound()?);
                Ok(())
            }
            TokenKind::Name(n) if n == "match" && self.is_match_statement() => Err(self
                .error_here(
                "the 'match' statement is not part of the playground's Python; use if/elif/else",
            )),
            _ => self.simple_statements(out),
        }
    }

    /// `match` is a keyword only at the head of a line ending in `:`, as `match x:`.
    fn is_match_statement(&self) -> bool {
        if matches!(
            self.kind_at(1),
            TokenKind::Op("=" | "." | ":" | "," | ";") | TokenKind::Newline
        ) {
            return false;
        }
        let rest = self.tokens.get(self.pos..).unwrap_or(&[]);
        let line_end = rest
            .iter()
            .position(|t| t.kind == TokenKind::Newline)
            .unwrap_or(rest.len());
        line_end > 0
            && rest
                .get(line_end - 1)
                .is_some_and(|t| t.kind == TokenKind::Op(":"))
    }

    fn simple_statements(&mut self, out: &mut Vec<Stmt>) -> Parsed<()> {
        loop {
            out.push(self.simple_statement()?);
            if !self.eat_op(";") || matches!(self.kind(), TokenKind::Newline) {
                break;
            }
        }
        if matches!(self.kind(), TokenKind::Newline) {
            self.advance();
            return Ok(());
        }
        if let Some(Stmt {
            span,
            kind:
                StmtKind::Expr(Expr {
                    kind: ExprKind::Name(n),
                    ..
                }),
        }) = out.last()
        {
            if n == "print" {
                return Err(SyntaxError::new(
                    span.line,
                    span.col,
                    "Missing parentheses in call to 'print'. Did you mean print(...)?",
                ));
            }
        }
        Err(self.invalid())
    }

    /// The body after a `:`: an indented block, or simple statements on the same line.
    fn block(&mut self, after: &str, line: u32) -> Parsed<Vec<Stmt>> {
        if !matches!(self.kind(), TokenKind::Newline) {
            let mut body = Vec::new();
            self.simple_statements(&mut body)?;
            return Ok(body);
        }
        self.advance();
        if !matches!(self.kind(), TokenKind::Indent) {
            return Err(self.error_here(format!(
                "expected an indented block after {after} on line {line}"
            )));
        }
        self.advance();
        self.nested(|p| {
            let mut body = Vec::new();
            loop {
                match p.kind() {
                    TokenKind::Dedent => {
                        p.advance();
                        return Ok(body);
                    }
                    TokenKind::EndOfFile => return Ok(body),
                    TokenKind::Newline => {
                        p.advance();
                    }
                    _ => p.statement(&mut body)?,
                }
            }
        })
    }

    fn compound(&mut self) -> Parsed<Stmt> {
        let span = self.span();
        let kind = match self.kind() {
            TokenKind::Op("@") => return self.decorated(),
            TokenKind::Keyword("async") => {
                self.advance();
                match self.kind() {
                    TokenKind::Keyword("def") => return self.function(span, true, Vec::new()),
                    TokenKind::Keyword("with") => self.with(span, true)?,
                    TokenKind::Keyword("for") => self.for_loop(span, true)?,
                    _ => return Err(self.invalid()),
                }
            }
            TokenKind::Keyword("def") => return self.function(span, false, Vec::new()),
            TokenKind::Keyword("if") => self.if_chain("'if' statement")?,
            TokenKind::Keyword("while") => {
                self.advance();
                let test = self.named_test()?;
                self.expect_op(":")?;
                let body = self.block("'while' statement", span.line)?;
                let orelse = self.else_block()?;
                StmtKind::While { test, body, orelse }
            }
            TokenKind::Keyword("for") => self.for_loop(span, false)?,
            TokenKind::Keyword("try") => self.try_statement(span)?,
            TokenKind::Keyword("with") => self.with(span, false)?,
            _ => return Err(self.invalid()),
        };
        Ok(Stmt { span, kind })
    }

    /// `if` or `elif` (the parser stands on it) and the rest of its chain.
    fn if_chain(&mut self, what: &str) -> Parsed<StmtKind> {
        let line = self.advance().line;
        let test = self.named_test()?;
        self.expect_op(":")?;
        let body = self.block(what, line)?;
        let orelse = if self.is_kw("elif") {
            let span = self.span();
            let kind = self.if_chain("'elif' statement")?;
            vec![Stmt { span, kind }]
        } else {
            self.else_block()?
        };
        Ok(StmtKind::If { test, body, orelse })
    }

    fn else_block(&mut self) -> Parsed<Vec<Stmt>> {
        if !self.is_kw("else") {
            return Ok(Vec::new());
        }
        let line = self.advance().line;
        self.expect_op(":")?;
        self.block("'else' statement", line)
    }

    fn for_loop(&mut self, span: Span, is_async: bool) -> Parsed<StmtKind> {
        self.advance();
        let target = self.target_list()?;
        check_target(&target, Target::Assign)?;
        if !self.eat_kw("in") {
            return Err(self.invalid());
        }
        let iter = self.star_tuple()?;
        self.expect_op(":")?;
        let body = self.block("'for' statement", span.line)?;
        let orelse = self.else_block()?;
        Ok(StmtKind::For {
            is_async,
            target,
            iter,
            body,
            orelse,
        })
    }

    fn with(&mut self, span: Span, is_async: bool) -> Parsed<StmtKind> {
        self.advance();
        let mut items = Vec::new();
        loop {
            let context = self.test()?;
            let target = if self.eat_kw("as") {
                let target = self.star_target()?;
                check_target(&target, Target::Assign)?;
                Some(target)
            } else {
                None
            };
            items.push(WithItem { context, target });
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op(":")?;
        let body = self.block("'with' statement", span.line)?;
        Ok(StmtKind::With {
            is_async,
            items,
            body,
        })
    }

    fn try_statement(&mut self, span: Span) -> Parsed<StmtKind> {
        self.advance();
        self.expect_op(":")?;
        let body = self.block("'try' statement", span.line)?;
        let mut handlers = Vec::new();
        while self.is_kw("except") {
            let handler_span = self.span();
            self.advance();
            if self.is_op("*") {
                return Err(
                    self.error_here("'except*' is not part of the playground's Python; use except")
                );
            }
            let (mut kind, mut name) = (None, None);
            if !self.is_op(":") {
                kind = Some(self.star_tuple()?);
                if self.eat_kw("as") {
                    name = Some(self.expect_name()?);
                }
            }
            self.expect_op(":")?;
            let body = self.block("'except' statement", handler_span.line)?;
            handlers.push(ExceptHandler {
                span: handler_span,
                kind,
                name,
                body,
            });
        }
        let orelse = if handlers.is_empty() {
            Vec::new()
        } else {
            self.else_block()?
        };
        let mut finalbody = Vec::new();
        if self.is_kw("finally") {
            let line = self.advance().line;
            self.expect_op(":")?;
            finalbody = self.block("'finally' statement", line)?;
        }
        if handlers.is_empty() && finalbody.is_empty() {
            return Err(self.error_here("expected 'except' or 'finally' block"));
        }
        Ok(StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        })
    }

    fn decorated(&mut self) -> Parsed<Stmt> {
        let mut decorators = Vec::new();
        while self.eat_op("@") {
            decorators.push(self.named_test()?);
            if !matches!(self.kind(), TokenKind::Newline) {
                return Err(self.invalid());
            }
            self.advance();
        }
        let span = self.span();
        let is_async = self.eat_kw("async");
        if !self.is_kw("def") {
            return Err(self.error_here("a decorator must be followed by 'def' or 'async def'"));
        }
        self.function(span, is_async, decorators)
    }

    /// `def` (the parser stands on it) to the end of its body.
    fn function(&mut self, span: Span, is_async: bool, decorators: Vec<Expr>) -> Parsed<Stmt> {
        self.advance();
        let name = self.expect_name()?;
        self.expect_op("(")?;
        let params = self.nested(|p| p.params(")", true))?;
        self.expect_op(")")?;
        let returns = if self.eat_op("->") {
            Some(self.test()?)
        } else {
            None
        };
        self.expect_op(":")?;
        let body = self.block("function definition", span.line)?;
        let def = FunctionDef {
            is_async,
            name,
            params,
            body,
            decorators,
            returns,
        };
        Ok(Stmt {
            span,
            kind: StmtKind::FunctionDef(Box::new(def)),
        })
    }

    /// Parameters up to `close` (`)` for a def, `:` for a lambda), which is left for the caller.
    #[inline(never)]
    fn params(&mut self, close: &str, annotated: bool) -> Parsed<Params> {
        let mut params = Params::default();
        let mut after_star = false;
        while !self.is_op(close) {
            if self.eat_op("/") {
                // Positional-only: accepted, not enforced.
            } else if self.eat_op("**") {
                params.kwargs = Some(self.expect_name()?);
                self.annotation(annotated)?;
            } else if self.eat_op("*") {
                after_star = true;
                if let TokenKind::Name(_) = self.kind() {
                    params.varargs = Some(self.expect_name()?);
                    self.annotation(annotated)?;
                }
            } else {
                let span = self.span();
                let name = self.expect_name()?;
                self.annotation(annotated)?;
                let default = if self.eat_op("=") {
                    Some(self.test()?)
                } else {
                    None
                };
                let param = Param {
                    span,
                    name,
                    default,
                };
                if after_star {
                    params.keyword_only.push(param);
                } else {
                    if param.default.is_none()
                        && params.positional.iter().any(|p| p.default.is_some())
                    {
                        return Err(SyntaxError::new(
                            span.line,
                            span.col,
                            "non-default argument follows default argument",
                        ));
                    }
                    params.positional.push(param);
                }
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(params)
    }

    fn annotation(&mut self, annotated: bool) -> Parsed<()> {
        if annotated && self.eat_op(":") {
            self.test()?;
        }
        Ok(())
    }

    fn simple_statement(&mut self) -> Parsed<Stmt> {
        let span = self.span();
        let kind = match self.kind() {
            TokenKind::Keyword("pass") => {
                self.advance();
                StmtKind::Pass
            }
            TokenKind::Keyword("break") => {
                self.advance();
                StmtKind::Break
            }
            TokenKind::Keyword("continue") => {
                self.advance();
                StmtKind::Continue
            }
            TokenKind::Keyword("return") => {
                self.advance();
                let value = if self.starts_expression() {
                    Some(self.star_tuple()?)
                } else {
                    None
                };
                StmtKind::Return(value)
            }
            TokenKind::Keyword("raise") => {
                self.advance();
                let (mut exc, mut cause) = (None, None);
                if self.starts_expression() {
                    exc = Some(self.test()?);
                    if self.eat_kw("from") {
                        cause = Some(self.test()?);
                    }
                }
                StmtKind::Raise { exc, cause }
            }
            TokenKind::Keyword(kw @ ("global" | "nonlocal")) => {
                let global = *kw == "global";
                self.advance();
                let mut names = vec![self.expect_name()?];
                while self.eat_op(",") {
                    names.push(self.expect_name()?);
                }
                if global {
                    StmtKind::Global(names)
                } else {
                    StmtKind::Nonlocal(names)
                }
            }
            TokenKind::Keyword("del") => {
                self.advance();
                // `del a, b` and `del (a, b)` delete the same names.
                let targets = match self.target_list()? {
                    Expr {
                        kind: ExprKind::Tuple(items),
                        ..
                    } => items,
                    target => vec![target],
                };
                for target in &targets {
                    check_target(target, Target::Delete)?;
                }
                StmtKind::Delete(targets)
            }
            TokenKind::Keyword("assert") => {
                self.advance();
                let test = self.test()?;
                let msg = if self.eat_op(",") {
                    Some(self.test()?)
                } else {
                    None
                };
                StmtKind::Assert { test, msg }
            }
            TokenKind::Keyword("import") => {
                self.advance();
                let mut names = Vec::new();
                loop {
                    let span = self.span();
                    let name = self.dotted_name()?;
                    let asname = if self.eat_kw("as") {
                        Some(self.expect_name()?)
                    } else {
                        None
                    };
                    names.push(Alias { span, name, asname });
                    if !self.eat_op(",") {
                        break;
                    }
                }
                StmtKind::Import(names)
            }
            TokenKind::Keyword("from") => self.import_from()?,
            _ => self.expression_statement()?,
        };
        Ok(Stmt { span, kind })
    }

    fn dotted_name(&mut self) -> Parsed<String> {
        let mut name = self.expect_name()?;
        while self.eat_op(".") {
            name.push('.');
            name.push_str(&self.expect_name()?);
        }
        Ok(name)
    }

    fn import_from(&mut self) -> Parsed<StmtKind> {
        self.advance();
        let mut level = 0;
        loop {
            if self.eat_op(".") {
                level += 1;
            } else if self.eat_op("...") {
                level += 3;
            } else {
                break;
            }
        }
        let module = if matches!(self.kind(), TokenKind::Name(_)) {
            self.dotted_name()?
        } else {
            String::new()
        };
        if module.is_empty() && level == 0 {
            return Err(self.invalid());
        }
        if !self.eat_kw("import") {
            return Err(self.invalid());
        }
        let mut names = Vec::new();
        if self.is_op("*") {
            let span = self.span();
            self.advance();
            names.push(Alias {
                span,
                name: "*".into(),
                asname: None,
            });
            return Ok(StmtKind::ImportFrom {
                module,
                names,
                level,
            });
        }
        let parenthesized = self.eat_op("(");
        loop {
            let span = self.span();
            let name = self.expect_name()?;
            let asname = if self.eat_kw("as") {
                Some(self.expect_name()?)
            } else {
                None
            };
            names.push(Alias { span, name, asname });
            if !self.eat_op(",") || (parenthesized && self.is_op(")")) {
                break;
            }
        }
        if parenthesized {
            self.expect_op(")")?;
        }
        Ok(StmtKind::ImportFrom {
            module,
            names,
            level,
        })
    }

    fn expression_statement(&mut self) -> Parsed<StmtKind> {
        let first = self.yield_or_star_tuple()?;
        if self.is_op("=") {
            let mut targets = vec![first];
            while self.eat_op("=") {
                targets.push(self.yield_or_star_tuple()?);
            }
            let Some(value) = targets.pop() else {
                return Err(self.invalid());
            };
            for target in &targets {
                check_target(target, Target::Equals)?;
            }
            return Ok(StmtKind::Assign { targets, value });
        }
        if let TokenKind::Op(op) = self.kind() {
            if let Some(op) = augmented(op) {
                if !matches!(
                    first.kind,
                    ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
                ) {
                    return Err(SyntaxError::new(
                        first.span.line,
                        first.span.col,
                        format!(
                            "'{}' is an illegal expression for augmented assignment",
                            describe(&first)
                        ),
                    ));
                }
                self.advance();
                let value = self.yield_or_star_tuple()?;
                return Ok(StmtKind::AugAssign {
                    target: first,
                    op,
                    value,
                });
            }
        }
        if self.eat_op(":") {
            if !matches!(
                first.kind,
                ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
            ) {
                return Err(SyntaxError::new(
                    first.span.line,
                    first.span.col,
                    format!(
                        "only single target (not {}) can be annotated",
                        describe(&first)
                    ),
                ));
            }
            let annotation = self.test()?;
            let value = if self.eat_op("=") {
                Some(self.yield_or_star_tuple()?)
            } else {
                None
            };
            return Ok(StmtKind::AnnAssign {
                target: first,
                annotation,
                value,
            });
        }
        Ok(StmtKind::Expr(first))
    }

    // ---- expressions ----

    /// Whether the current token can begin an expression (for optional operands: `return`, `yield`).
    fn starts_expression(&self) -> bool {
        match self.kind() {
            TokenKind::Name(_)
            | TokenKind::Int(_)
            | TokenKind::Float(_)
            | TokenKind::Str(_)
            | TokenKind::FString(_) => true,
            TokenKind::Keyword(k) => matches!(
                *k,
                "not" | "lambda" | "await" | "None" | "True" | "False" | "yield"
            ),
            TokenKind::Op(o) => matches!(*o, "(" | "[" | "{" | "-" | "+" | "~" | "*" | "..."),
            _ => false,
        }
    }

    fn yield_or_star_tuple(&mut self) -> Parsed<Expr> {
        if self.is_kw("yield") {
            self.yield_expression()
        } else {
            self.star_tuple()
        }
    }

    #[inline(never)]
    fn yield_expression(&mut self) -> Parsed<Expr> {
        let span = self.span();
        self.advance();
        let kind = if self.eat_kw("from") {
            ExprKind::YieldFrom(Box::new(self.test()?))
        } else if self.starts_expression() && !self.is_kw("yield") {
            ExprKind::Yield(Some(Box::new(self.star_tuple()?)))
        } else {
            ExprKind::Yield(None)
        };
        Ok(Expr { span, kind })
    }

    /// `a, *b, c` (a bare tuple when there is a comma), as on either side of `=`.
    fn star_tuple(&mut self) -> Parsed<Expr> {
        self.sequence(Self::star_or_test)
    }

    /// Targets of `for ... in`: stop before `in`, which is otherwise a comparison.
    fn target_list(&mut self) -> Parsed<Expr> {
        self.sequence(Self::star_target)
    }

    fn sequence(&mut self, item: fn(&mut Self) -> Parsed<Expr>) -> Parsed<Expr> {
        let first = item(self)?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let span = first.span;
        let mut items = vec![first];
        while self.eat_op(",") {
            if !self.starts_expression() || self.is_kw("yield") {
                break;
            }
            items.push(item(self)?);
        }
        Ok(Expr {
            span,
            kind: ExprKind::Tuple(items),
        })
    }

    fn star_target(&mut self) -> Parsed<Expr> {
        let span = self.span();
        if self.eat_op("*") {
            let inner = self.binary(BIT_OR)?;
            return Ok(Expr {
                span,
                kind: ExprKind::Starred(Box::new(inner)),
            });
        }
        self.binary(BIT_OR)
    }

    fn star_or_test(&mut self) -> Parsed<Expr> {
        let span = self.span();
        if self.eat_op("*") {
            let inner = self.binary(BIT_OR)?;
            return Ok(Expr {
                span,
                kind: ExprKind::Starred(Box::new(inner)),
            });
        }
        self.test()
    }

    /// A test, or `name := test` where CPython takes one: conditions, parentheses, displays,
    /// call arguments, subscripts, decorators.
    fn named_test(&mut self) -> Parsed<Expr> {
        if matches!(self.kind_at(1), TokenKind::Op(":=")) {
            return self.named_expression();
        }
        self.test()
    }

    #[inline(never)]
    fn named_expression(&mut self) -> Parsed<Expr> {
        let span = self.span();
        let target = self.expect_name()?;
        self.advance();
        let value = self.nested(Self::test)?;
        Ok(Expr {
            span,
            kind: ExprKind::NamedExpr {
                target,
                value: Box::new(value),
            },
        })
    }

    fn star_or_named_test(&mut self) -> Parsed<Expr> {
        if self.is_op("*") {
            self.star_or_test()
        } else {
            self.named_test()
        }
    }

    /// An expression without a bare tuple: lambda, conditional, or anything tighter.
    ///
    /// This and the functions down to [`Self::atom`] run once per bracket level, so their rare
    /// branches live in functions of their own: a debug build's frame holds every local of
    /// every branch, and a deep program multiplies it (see `MAX_NESTING`).
    fn test(&mut self) -> Parsed<Expr> {
        if self.is_kw("lambda") {
            return self.lambda();
        }
        let body = self.binary(OR)?;
        if self.is_kw("if") {
            return self.conditional(body);
        }
        Ok(body)
    }

    #[inline(never)]
    fn lambda(&mut self) -> Parsed<Expr> {
        let span = self.span();
        self.advance();
        let params = self.nested(|p| p.params(":", false))?;
        self.expect_op(":")?;
        let body = self.nested(Self::test)?;
        let kind = ExprKind::Lambda {
            params: Box::new(params),
            body: Box::new(body),
        };
        Ok(Expr { span, kind })
    }

    /// `body if test else orelse`, the parser standing on `if`.
    #[inline(never)]
    fn conditional(&mut self, body: Expr) -> Parsed<Expr> {
        self.advance();
        let test = self.binary(OR)?;
        if !self.eat_kw("else") {
            return Err(self.error_here("expected 'else' after 'if' expression"));
        }
        let orelse = self.nested(Self::test)?;
        let span = body.span;
        let kind = ExprKind::IfExp {
            test: Box::new(test),
            body: Box::new(body),
            orelse: Box::new(orelse),
        };
        Ok(Expr { span, kind })
    }

    fn infix(&self) -> Option<(u8, Infix)> {
        let found = match self.kind() {
            TokenKind::Keyword("or") => (OR, Infix::Bool(BoolOp::Or)),
            TokenKind::Keyword("and") => (AND, Infix::Bool(BoolOp::And)),
            TokenKind::Keyword("in" | "is") => (COMPARE, Infix::Compare),
            TokenKind::Keyword("not") if matches!(self.kind_at(1), TokenKind::Keyword("in")) => {
                (COMPARE, Infix::Compare)
            }
            TokenKind::Op(op) => match *op {
                "<" | ">" | "==" | ">=" | "<=" | "!=" => (COMPARE, Infix::Compare),
                "|" => (BIT_OR, Infix::Bin(BinOp::BitOr)),
                "^" => (BIT_XOR, Infix::Bin(BinOp::BitXor)),
                "&" => (BIT_AND, Infix::Bin(BinOp::BitAnd)),
                "<<" => (SHIFT, Infix::Bin(BinOp::LShift)),
                ">>" => (SHIFT, Infix::Bin(BinOp::RShift)),
                "+" => (ARITH, Infix::Bin(BinOp::Add)),
                "-" => (ARITH, Infix::Bin(BinOp::Sub)),
                "*" => (TERM, Infix::Bin(BinOp::Mult)),
                "@" => (TERM, Infix::Bin(BinOp::MatMult)),
                "/" => (TERM, Infix::Bin(BinOp::Div)),
                "//" => (TERM, Infix::Bin(BinOp::FloorDiv)),
                "%" => (TERM, Infix::Bin(BinOp::Mod)),
                _ => return None,
            },
            _ => return None,
        };
        Some(found)
    }

    /// Operators binding at least as tight as `min`, left to right (precedence climbing).
    fn binary(&mut self, min: u8) -> Parsed<Expr> {
        let mut left = self.unary(min)?;
        while let Some((power, infix)) = self.infix() {
            if power < min {
                break;
            }
            left = self.infix_operation(left, power, infix)?;
        }
        Ok(left)
    }

    /// `left` and the operator the parser stands on, with its right operand (or a whole run of
    /// `and`/`or`, or a whole comparison chain).
    #[inline(never)]
    fn infix_operation(&mut self, left: Expr, power: u8, infix: Infix) -> Parsed<Expr> {
        let span = left.span;
        let kind = match infix {
            Infix::Bool(op) => {
                let mut values = vec![left];
                while self.infix().is_some_and(|(p, _)| p == power) {
                    self.advance();
                    values.push(self.binary(power + 1)?);
                }
                ExprKind::BoolOp { op, values }
            }
            Infix::Compare => {
                let mut ops = Vec::new();
                while let Some(op) = self.compare_op() {
                    ops.push((op, self.binary(COMPARE + 1)?));
                }
                ExprKind::Compare {
                    left: Box::new(left),
                    ops,
                }
            }
            Infix::Bin(op) => {
                self.advance();
                let right = self.binary(power + 1)?;
                ExprKind::BinOp {
                    left: Box::new(left),
                    op,
                    right: Box::new(right),
                }
            }
        };
        Ok(Expr { span, kind })
    }

    /// Consumes a comparison operator (one or two tokens) if there is one.
    fn compare_op(&mut self) -> Option<CmpOp> {
        let op = match self.kind() {
            TokenKind::Op("<") => CmpOp::Lt,
            TokenKind::Op(">") => CmpOp::Gt,
            TokenKind::Op("==") => CmpOp::Eq,
            TokenKind::Op(">=") => CmpOp::GtE,
            TokenKind::Op("<=") => CmpOp::LtE,
            TokenKind::Op("!=") => CmpOp::NotEq,
            TokenKind::Keyword("in") => CmpOp::In,
            TokenKind::Keyword("is") => {
                self.advance();
                return Some(if self.eat_kw("not") {
                    CmpOp::IsNot
                } else {
                    CmpOp::Is
                });
            }
            TokenKind::Keyword("not") if matches!(self.kind_at(1), TokenKind::Keyword("in")) => {
                self.advance();
                CmpOp::NotIn
            }
            _ => return None,
        };
        self.advance();
        Some(op)
    }

    fn unary(&mut self, min: u8) -> Parsed<Expr> {
        let span = self.span();
        let (op, operand_power) = match self.kind() {
            TokenKind::Keyword("not") if min <= NOT => (UnaryOp::Not, NOT),
            TokenKind::Op("-") if min <= UNARY => (UnaryOp::Neg, UNARY),
            TokenKind::Op("+") if min <= UNARY => (UnaryOp::Pos, UNARY),
            TokenKind::Op("~") if min <= UNARY => (UnaryOp::Invert, UNARY),
            _ => return self.power(),
        };
        self.advance();
        let operand = self.nested(|p| p.binary(operand_power))?;
        Ok(Expr {
            span,
            kind: ExprKind::UnaryOp {
                op,
                operand: Box::new(operand),
            },
        })
    }

    /// `[await] primary [** unary]`: `**` binds right to left and tighter than a unary on its left.
    fn power(&mut self) -> Parsed<Expr> {
        let base = if self.is_kw("await") {
            self.await_expression()?
        } else {
            self.primary()?
        };
        if self.is_op("**") {
            return self.exponent(base);
        }
        Ok(base)
    }

    #[inline(never)]
    fn await_expression(&mut self) -> Parsed<Expr> {
        let span = self.span();
        self.advance();
        let operand = self.primary()?;
        Ok(Expr {
            span,
            kind: ExprKind::Await(Box::new(operand)),
        })
    }

    /// `base ** exponent`, the parser standing on `**`.
    #[inline(never)]
    fn exponent(&mut self, base: Expr) -> Parsed<Expr> {
        self.advance();
        let exponent = self.nested(|p| p.binary(UNARY))?;
        let span = base.span;
        let kind = ExprKind::BinOp {
            left: Box::new(base),
            op: BinOp::Pow,
            right: Box::new(exponent),
        };
        Ok(Expr { span, kind })
    }

    /// `.name`, `(args)` or `[index]` after `value`.
    #[inline(never)]
    fn trailer(&mut self, value: Expr) -> Parsed<Expr> {
        let span = value.span;
        let kind = if self.eat_op(".") {
            ExprKind::Attribute {
                value: Box::new(value),
                attr: self.expect_name()?,
            }
        } else if self.eat_op("(") {
            let args = self.nested(Self::call_args)?;
            self.expect_op(")")?;
            ExprKind::Call {
                func: Box::new(value),
                args,
            }
        } else {
            self.advance();
            let index = self.nested(Self::subscript)?;
            self.expect_op("]")?;
            ExprKind::Subscript {
                value: Box::new(value),
                index: Box::new(index),
            }
        };
        Ok(Expr { span, kind })
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let mut value = self.atom()?;
        while matches!(self.kind(), TokenKind::Op("." | "(" | "[")) {
            value = self.trailer(value)?;
        }
        Ok(value)
    }

    #[inline(never)]
    fn call_args(&mut self) -> Parsed<Vec<Arg>> {
        let mut args = Vec::new();
        let (mut keyword, mut double_star) = (false, false);
        while !self.is_op(")") {
            let span = self.span();
            let arg = if self.eat_op("*") {
                if double_star {
                    return Err(SyntaxError::new(
                        span.line,
                        span.col,
                        "iterable argument unpacking follows keyword argument unpacking",
                    ));
                }
                Arg::Starred(self.test()?)
            } else if self.eat_op("**") {
                double_star = true;
                Arg::DoubleStarred(self.test()?)
            } else if matches!(self.kind(), TokenKind::Name(_))
                && matches!(self.kind_at(1), TokenKind::Op("="))
            {
                let name = self.expect_name()?;
                self.advance();
                keyword = true;
                Arg::Keyword(name, self.test()?)
            } else {
                let value = self.named_test()?;
                if self.at_comprehension() {
                    let generators = self.comprehension()?;
                    if !args.is_empty() || !self.is_op(")") {
                        return Err(SyntaxError::new(
                            span.line,
                            span.col,
                            "Generator expression must be parenthesized",
                        ));
                    }
                    let kind = ExprKind::GeneratorExp {
                        elt: Box::new(value),
                        generators,
                    };
                    args.push(Arg::Positional(Expr { span, kind }));
                    break;
                }
                if double_star {
                    return Err(SyntaxError::new(
                        span.line,
                        span.col,
                        "positional argument follows keyword argument unpacking",
                    ));
                }
                if keyword {
                    return Err(SyntaxError::new(
                        span.line,
                        span.col,
                        "positional argument follows keyword argument",
                    ));
                }
                Arg::Positional(value)
            };
            args.push(arg);
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(args)
    }

    #[inline(never)]
    fn subscript(&mut self) -> Parsed<Expr> {
        let first = self.slice_item()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let span = first.span;
        let mut items = vec![first];
        self.more_items(&mut items, "]", Self::slice_item)?;
        Ok(Expr {
            span,
            kind: ExprKind::Tuple(items),
        })
    }

    fn slice_item(&mut self) -> Parsed<Expr> {
        let span = self.span();
        let lower = if self.is_op(":") {
            None
        } else {
            Some(self.named_test()?)
        };
        if !self.eat_op(":") {
            return lower.ok_or_else(|| self.invalid());
        }
        let bound = |p: &mut Self| -> Parsed<Option<Box<Expr>>> {
            if p.is_op(":") || p.is_op("]") || p.is_op(",") {
                Ok(None)
            } else {
                Ok(Some(Box::new(p.test()?)))
            }
        };
        let upper = bound(self)?;
        let step = if self.eat_op(":") { bound(self)? } else { None };
        Ok(Expr {
            span,
            kind: ExprKind::Slice {
                lower: lower.map(Box::new),
                upper,
                step,
            },
        })
    }

    fn atom(&mut self) -> Parsed<Expr> {
        let span = self.span();
        let kind = match self.kind() {
            TokenKind::Name(name) => ExprKind::Name(name.clone()),
            TokenKind::Int(i) => ExprKind::Constant(Constant::Int(*i)),
            TokenKind::Float(f) => ExprKind::Constant(Constant::Float(*f)),
            TokenKind::Keyword("True") => ExprKind::Constant(Constant::True),
            TokenKind::Keyword("False") => ExprKind::Constant(Constant::False),
            TokenKind::Keyword("None") => ExprKind::Constant(Constant::None),
            TokenKind::Op("...") => ExprKind::Constant(Constant::Ellipsis),
            TokenKind::Str(_) | TokenKind::FString(_) => return self.strings(),
            TokenKind::Op("(") => return self.nested(Self::parenthesized),
            TokenKind::Op("[") => return self.nested(Self::list),
            TokenKind::Op("{") => return self.nested(Self::dict_or_set),
            _ => return Err(self.invalid()),
        };
        self.advance();
        Ok(Expr { span, kind })
    }

    #[inline(never)]
    fn parenthesized(&mut self) -> Parsed<Expr> {
        let span = self.span();
        self.advance();
        if self.is_op(")") || self.is_kw("yield") {
            return self.empty_tuple_or_yield(span);
        }
        let first = self.star_or_named_test()?;
        if self.eat_op(")") {
            return Ok(first);
        }
        self.generator_or_tuple(span, first)
    }

    #[inline(never)]
    fn empty_tuple_or_yield(&mut self, span: Span) -> Parsed<Expr> {
        if self.eat_op(")") {
            return Ok(Expr {
                span,
                kind: ExprKind::Tuple(Vec::new()),
            });
        }
        let value = self.yield_expression()?;
        self.expect_op(")")?;
        Ok(value)
    }

    /// After `(first`: a generator expression or a tuple, up to its `)`.
    #[inline(never)]
    fn generator_or_tuple(&mut self, span: Span, first: Expr) -> Parsed<Expr> {
        if self.at_comprehension() {
            let generators = self.comprehension()?;
            self.expect_op(")")?;
            return Ok(Expr {
                span,
                kind: ExprKind::GeneratorExp {
                    elt: Box::new(first),
                    generators,
                },
            });
        }
        if !self.is_op(",") {
            return Err(self.error_here("expected ')'"));
        }
        let mut items = vec![first];
        self.more_items(&mut items, ")", Self::star_or_named_test)?;
        self.expect_op(")")?;
        Ok(Expr {
            span,
            kind: ExprKind::Tuple(items),
        })
    }

    #[inline(never)]
    fn list(&mut self) -> Parsed<Expr> {
        let span = self.span();
        self.advance();
        let mut items = Vec::new();
        if !self.is_op("]") {
            let first = self.star_or_named_test()?;
            if self.at_comprehension() {
                let generators = self.comprehension()?;
                self.expect_op("]")?;
                return Ok(Expr {
                    span,
                    kind: ExprKind::ListComp {
                        elt: Box::new(first),
                        generators,
                    },
                });
            }
            items.push(first);
            self.more_items(&mut items, "]", Self::star_or_named_test)?;
        }
        self.expect_op("]")?;
        Ok(Expr {
            span,
            kind: ExprKind::List(items),
        })
    }

    #[inline(never)]
    fn dict_or_set(&mut self) -> Parsed<Expr> {
        let span = self.span();
        self.advance();
        if self.eat_op("}") {
            return Ok(Expr {
                span,
                kind: ExprKind::Dict(Vec::new()),
            });
        }
        let first_is_unpack = self.is_op("**");
        let first = if first_is_unpack {
            None
        } else {
            Some(self.star_or_test()?)
        };
        let kind = match first {
            Some(elt) if !self.is_op(":") => {
                if self.at_comprehension() {
                    let generators = self.comprehension()?;
                    ExprKind::SetComp {
                        elt: Box::new(elt),
                        generators,
                    }
                } else {
                    let mut items = vec![elt];
                    self.more_items(&mut items, "}", Self::star_or_test)?;
                    ExprKind::Set(items)
                }
            }
            first => {
                let mut items = Vec::new();
                let first_item = match first {
                    Some(key) => {
                        self.advance();
                        let value = self.test()?;
                        if self.at_comprehension() {
                            let generators = self.comprehension()?;
                            self.expect_op("}")?;
                            let kind = ExprKind::DictComp {
                                key: Box::new(key),
                                value: Box::new(value),
                                generators,
                            };
                            return Ok(Expr { span, kind });
                        }
                        DictItem::Pair(key, value)
                    }
                    None => self.dict_item()?,
                };
                items.push(first_item);
                self.more_items(&mut items, "}", Self::dict_item)?;
                ExprKind::Dict(items)
            }
        };
        self.expect_op("}")?;
        Ok(Expr { span, kind })
    }

    fn dict_item(&mut self) -> Parsed<DictItem> {
        if self.eat_op("**") {
            return Ok(DictItem::Unpack(self.binary(BIT_OR)?));
        }
        let key = self.test()?;
        if !self.eat_op(":") {
            return Err(SyntaxError::new(
                key.span.line,
                key.span.col,
                "':' expected after dictionary key",
            ));
        }
        Ok(DictItem::Pair(key, self.test()?))
    }

    /// `for target in iter [if cond]...` clauses, one or more.
    #[inline(never)]
    fn comprehension(&mut self) -> Parsed<Vec<Comprehension>> {
        let mut generators = Vec::new();
        loop {
            let is_async = self.eat_kw("async");
            if !self.eat_kw("for") {
                if is_async {
                    return Err(self.invalid());
                }
                return Ok(generators);
            }
            let target = self.target_list()?;
            check_target(&target, Target::Assign)?;
            if !self.eat_kw("in") {
                return Err(self.invalid());
            }
            let iter = self.binary(OR)?;
            let mut ifs = Vec::new();
            while self.eat_kw("if") {
                ifs.push(self.binary(OR)?);
            }
            generators.push(Comprehension {
                is_async,
                target,
                iter,
                ifs,
            });
        }
    }

    /// Adjacent string literals, joined; an f-string among them makes the whole an f-string.
    #[inline(never)]
    fn strings(&mut self) -> Parsed<Expr> {
        let span = self.span();
        let mut parts: Vec<FStringPart> = Vec::new();
        let mut any_fstring = false;
        loop {
            match self.kind() {
                TokenKind::Str(s) => {
                    let s = s.clone();
                    self.advance();
                    push_literal(&mut parts, s);
                }
                TokenKind::FString(pieces) => {
                    let pieces = pieces.clone();
                    self.advance();
                    any_fstring = true;
                    for part in self.fstring_parts(pieces)? {
                        match part {
                            FStringPart::Literal(s) => push_literal(&mut parts, s),
                            field => parts.push(field),
                        }
                    }
                }
                _ => break,
            }
        }
        if any_fstring {
            return Ok(Expr {
                span,
                kind: ExprKind::FString(parts),
            });
        }
        let text = match parts.pop() {
            Some(FStringPart::Literal(s)) => s,
            _ => String::new(),
        };
        Ok(Expr {
            span,
            kind: ExprKind::Constant(Constant::Str(text)),
        })
    }

    #[inline(never)]
    fn fstring_parts(&mut self, pieces: Vec<FStringPiece>) -> Parsed<Vec<FStringPart>> {
        let mut parts = Vec::with_capacity(pieces.len());
        for piece in pieces {
            match piece {
                FStringPiece::Literal(s) => parts.push(FStringPart::Literal(s)),
                FStringPiece::Field(field) => {
                    let value = self.nested(|p| {
                        let tokens =
                            lexer::tokenize_fstring_field(&field.source, field.line, field.col)?;
                        let mut inner = Parser::new(tokens, p.depth);
                        let value = inner.yield_or_star_tuple()?;
                        if !matches!(inner.kind(), TokenKind::EndOfFile) {
                            return Err(inner.invalid());
                        }
                        Ok(value)
                    })?;
                    let conversion = match field.conversion {
                        Some('r') => Some(Conversion::Repr),
                        Some('s') => Some(Conversion::Str),
                        Some(_) => Some(Conversion::Ascii),
                        None => None,
                    };
                    let spec = self.fstring_parts(field.spec)?;
                    parts.push(FStringPart::Field {
                        value: Box::new(value),
                        conversion,
                        spec,
                    });
                }
            }
        }
        Ok(parts)
    }
}

fn push_literal(parts: &mut Vec<FStringPart>, text: String) {
    if let Some(FStringPart::Literal(last)) = parts.last_mut() {
        last.push_str(&text);
    } else {
        parts.push(FStringPart::Literal(text));
    }
}

fn augmented(op: &str) -> Option<BinOp> {
    Some(match op {
        "+=" => BinOp::Add,
        "-=" => BinOp::Sub,
        "*=" => BinOp::Mult,
        "@=" => BinOp::MatMult,
        "/=" => BinOp::Div,
        "//=" => BinOp::FloorDiv,
        "%=" => BinOp::Mod,
        "**=" => BinOp::Pow,
        "<<=" => BinOp::LShift,
        ">>=" => BinOp::RShift,
        "|=" => BinOp::BitOr,
        "^=" => BinOp::BitXor,
        "&=" => BinOp::BitAnd,
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
    /// After `=`, where CPython suggests `==`.
    Equals,
    Assign,
    Delete,
}

/// Refuses what cannot be assigned to or deleted, with CPython's words.
fn check_target(target: &Expr, context: Target) -> Parsed<()> {
    match &target.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => Ok(()),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            let starred = items
                .iter()
                .filter(|e| matches!(e.kind, ExprKind::Starred(_)))
                .count();
            if starred > 1 && context != Target::Delete {
                return Err(SyntaxError::new(
                    target.span.line,
                    target.span.col,
                    "multiple starred expressions in assignment",
                ));
            }
            items
                .iter()
                .try_for_each(|item| check_target(item, context))
        }
        ExprKind::Starred(inner) if context != Target::Delete => check_target(inner, context),
        _ => {
            let what = describe(target);
            let message = match context {
                Target::Assign => format!("cannot assign to {what}"),
                Target::Equals => {
                    format!("cannot assign to {what} here. Maybe you meant '==' instead of '='?")
                }
                Target::Delete => format!("cannot delete {what}"),
            };
            Err(SyntaxError::new(target.span.line, target.span.col, message))
        }
    }
}

/// What CPython calls an expression in its messages.
fn describe(expr: &Expr) -> &'static str {
    match &expr.kind {
        ExprKind::Call { .. } => "function call",
        ExprKind::Constant(Constant::True) => "True",
        ExprKind::Constant(Constant::False) => "False",
        ExprKind::Constant(Constant::None) => "None",
        ExprKind::Constant(Constant::Ellipsis) => "ellipsis",
        ExprKind::Constant(_) | ExprKind::FString(_) => "literal",
        ExprKind::Compare { .. } => "comparison",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Await(_) => "await expression",
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => "yield expression",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::ListComp { .. } => "list comprehension",
        ExprKind::SetComp { .. } => "set comprehension",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::GeneratorExp { .. } => "generator expression",
        ExprKind::Tuple(_) => "tuple",
        ExprKind::List(_) => "list",
        ExprKind::Starred(_) => "starred",
        ExprKind::Name(_) => "name",
        ExprKind::Attribute { .. } => "attribute",
        ExprKind::Subscript { .. } => "subscript",
        _ => "expression",
    }
}
