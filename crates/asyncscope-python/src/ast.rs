//! The playground's Python as a tree: what the interpreter walks.
//!
//! Shaped after CPython's `ast` module (same node names where they exist, `elif` as an `If` nested
//! in `orelse`) so that a reader who knows `ast.dump` finds their way, and so the tests can compare
//! statement counts with CPython's. Every statement and expression carries the [`Span`] of its
//! first character, which is where a runtime error will point.

/// Where a node starts: 1-based line and column, the column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub col: u32,
}

/// A whole program.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub span: Span,
    pub kind: StmtKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    FunctionDef(Box<FunctionDef>),
    Return(Option<Expr>),
    Delete(Vec<Expr>),
    /// `a = b = value`: every target gets the same value, left to right.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    /// `x: int = 1`: parsed so annotated programs load; the annotation means nothing at run time.
    AnnAssign {
        target: Expr,
        annotation: Expr,
        value: Option<Expr>,
    },
    For {
        is_async: bool,
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `elif` is an `If` alone in `orelse`, as in CPython.
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    With {
        is_async: bool,
        items: Vec<WithItem>,
        body: Vec<Stmt>,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Import(Vec<Alias>),
    /// `from ..a.b import c as d`: `level` counts the leading dots, `module` may be empty.
    ImportFrom {
        module: String,
        names: Vec<Alias>,
        level: u32,
    },
    Global(Vec<String>),
    Nonlocal(Vec<String>),
    Expr(Expr),
    Pass,
    Break,
    Continue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub is_async: bool,
    pub name: String,
    pub params: Params,
    pub body: Vec<Stmt>,
    /// Outermost first, as written; applied innermost first.
    pub decorators: Vec<Expr>,
    pub returns: Option<Expr>,
}

/// A `def`'s or `lambda`'s parameters. Annotations are parsed and dropped: nothing checks them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// Before any `*`: taken by position or by name (positional-only `/` is accepted and not kept).
    pub positional: Vec<Param>,
    /// `*args`
    pub varargs: Option<String>,
    /// After `*` or `*args`: taken by name only.
    pub keyword_only: Vec<Param>,
    /// `**kwargs`
    pub kwargs: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub span: Span,
    pub name: String,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WithItem {
    pub context: Expr,
    pub target: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExceptHandler {
    pub span: Span,
    /// `None` for a bare `except:`.
    pub kind: Option<Expr>,
    pub name: Option<String>,
    pub body: Vec<Stmt>,
}

/// `import a.b as c` is `Alias { name: "a.b", asname: Some("c") }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    pub span: Span,
    pub name: String,
    pub asname: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a or b or c`: one node for the run, as CPython.
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
    },
    BinOp {
        left: Box<Expr>,
        op: BinOp,
        right: Box<Expr>,
    },
    UnaryOp {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Lambda {
        params: Box<Params>,
        body: Box<Expr>,
    },
    /// `body if test else orelse`
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Dict(Vec<DictItem>),
    Set(Vec<Expr>),
    ListComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    SetComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    GeneratorExp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    Await(Box<Expr>),
    Yield(Option<Box<Expr>>),
    YieldFrom(Box<Expr>),
    /// `a < b <= c` is one node: `left` then each operator with its right operand.
    Compare {
        left: Box<Expr>,
        ops: Vec<(CmpOp, Expr)>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    /// An f-string (adjacent plain strings folded in as literal parts).
    FString(Vec<FStringPart>),
    Constant(Constant),
    Attribute {
        value: Box<Expr>,
        attr: String,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    /// `lower:upper:step`, only as (part of) a subscript's index.
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    /// `(name := value)`: the corpus's producer/consumer lesson loops on
    /// `while (n := await queue.get()) is not None`.
    NamedExpr {
        target: String,
        value: Box<Expr>,
    },
    /// `*x` in a call, a display or an assignment target.
    Starred(Box<Expr>),
    Name(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// 128 bits: the corpus masks 64-bit hashes (`(x << 13) & 0xFFFFFFFFFFFFFFFF`), which
    /// overflow i64; literals beyond i128 are refused at parse time.
    Int(i128),
    Float(f64),
    Str(String),
    True,
    False,
    None,
    Ellipsis,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DictItem {
    Pair(Expr, Expr),
    /// `**other`
    Unpack(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension {
    pub is_async: bool,
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Positional(Expr),
    /// `*args`
    Starred(Expr),
    Keyword(String, Expr),
    /// `**kwargs`
    DoubleStarred(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FStringPart {
    Literal(String),
    Field {
        value: Box<Expr>,
        conversion: Option<Conversion>,
        /// The format spec after `:`, itself literal text and `{fields}`; empty when there is none.
        spec: Vec<FStringPart>,
    },
}

/// `!r`, `!s` or `!a` after an f-string field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    Repr,
    Str,
    Ascii,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mult,
    MatMult,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
    Pos,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}
