//! The tree has CPython's shape: precedence, associativity, the bare tuple, slices, calls,
//! f-string fields, `elif` chains, and each node's line and column.

use asyncscope_python::ast::*;
use asyncscope_python::parse;

/// The expression of a one-line program `x = EXPR` or `EXPR`, written back as a compact
/// S-expression so that a shape reads in one line.
fn shape(source: &str) -> String {
    let module = parse(source).unwrap_or_else(|e| panic!("{source:?}: {e}"));
    match &module.body[..] {
        [Stmt {
            kind: StmtKind::Assign { value, .. },
            ..
        }]
        | [Stmt {
            kind: StmtKind::Expr(value),
            ..
        }] => show(value),
        other => panic!("{source:?}: {other:?}"),
    }
}

fn show(e: &Expr) -> String {
    let list = |items: &[Expr]| items.iter().map(show).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Constant(Constant::Int(i)) => i.to_string(),
        ExprKind::Constant(Constant::Float(f)) => format!("{f:?}"),
        ExprKind::Constant(Constant::Str(s)) => format!("{s:?}"),
        ExprKind::Constant(c) => format!("{c:?}"),
        ExprKind::BinOp { left, op, right } => format!("({op:?} {} {})", show(left), show(right)),
        ExprKind::UnaryOp { op, operand } => format!("({op:?} {})", show(operand)),
        ExprKind::BoolOp { op, values } => format!("({op:?} {})", list(values)),
        ExprKind::Compare { left, ops } => {
            let rest: Vec<String> = ops
                .iter()
                .map(|(op, e)| format!("{op:?} {}", show(e)))
                .collect();
            format!("(Compare {} {})", show(left), rest.join(" "))
        }
        ExprKind::IfExp { test, body, orelse } => {
            format!("(If {} {} {})", show(test), show(body), show(orelse))
        }
        ExprKind::Tuple(items) => format!("(Tuple {})", list(items)),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Attribute { value, attr } => format!("{}.{attr}", show(value)),
        ExprKind::Subscript { value, index } => format!("{}[{}]", show(value), show(index)),
        ExprKind::Slice { lower, upper, step } => {
            let part = |p: &Option<Box<Expr>>| p.as_ref().map_or("_".to_string(), |e| show(e));
            format!("(Slice {} {} {})", part(lower), part(upper), part(step))
        }
        ExprKind::Call { func, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match a {
                    Arg::Positional(e) => show(e),
                    Arg::Starred(e) => format!("*{}", show(e)),
                    Arg::Keyword(k, e) => format!("{k}={}", show(e)),
                    Arg::DoubleStarred(e) => format!("**{}", show(e)),
                })
                .collect();
            format!("(Call {} {})", show(func), args.join(" "))
        }
        ExprKind::Await(e) => format!("(Await {})", show(e)),
        ExprKind::Starred(e) => format!("*{}", show(e)),
        ExprKind::FString(parts) => {
            let parts: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    FStringPart::Literal(s) => format!("{s:?}"),
                    FStringPart::Field {
                        value,
                        conversion,
                        spec,
                    } => {
                        let spec: Vec<String> = spec
                            .iter()
                            .map(|p| match p {
                                FStringPart::Literal(s) => s.clone(),
                                FStringPart::Field { value, .. } => format!("{{{}}}", show(value)),
                            })
                            .collect();
                        format!("{{{} {conversion:?} {}}}", show(value), spec.concat())
                    }
                })
                .collect();
            format!("(F {})", parts.join(" "))
        }
        other => format!("{other:?}"),
    }
}

#[test]
fn operators_bind_as_in_cpython() {
    assert_eq!(shape("-2 ** 2\n"), "(Neg (Pow 2 2))");
    assert_eq!(shape("2 ** -1\n"), "(Pow 2 (Neg 1))");
    assert_eq!(shape("2 ** 3 ** 2\n"), "(Pow 2 (Pow 3 2))");
    assert_eq!(shape("a - b - c\n"), "(Sub (Sub a b) c)");
    assert_eq!(shape("a + b * c % d\n"), "(Add a (Mod (Mult b c) d))");
    assert_eq!(
        shape("a | b ^ c & d << 1\n"),
        "(BitOr a (BitXor b (BitAnd c (LShift d 1))))"
    );
    assert_eq!(shape("a or b and not c\n"), "(Or a (And b (Not c)))");
    assert_eq!(shape("not a == b\n"), "(Not (Compare a Eq b))");
    assert_eq!(
        shape("a < b <= c is not d not in e\n"),
        "(Compare a Lt b LtE c IsNot d NotIn e)"
    );
    assert_eq!(shape("a if b else c if d else e\n"), "(If b a (If d c e))");
    assert_eq!(shape("-x.y[1](2)\n"), "(Neg (Call x.y[1] 2))");
    assert_eq!(shape("await a.b() + 1\n"), "(Add (Await (Call a.b )) 1)");
}

#[test]
fn commas_make_tuples_with_or_without_parentheses() {
    assert_eq!(shape("x = 1, 2\n"), "(Tuple 1 2)");
    assert_eq!(shape("x = 1,\n"), "(Tuple 1)");
    assert_eq!(shape("x = ()\n"), "(Tuple )");
    assert_eq!(shape("x = (1)\n"), "1");
    assert_eq!(shape("x = [*a, b]\n"), "[*a b]");
}

#[test]
fn subscripts_take_slices_and_calls_take_every_kind_of_argument() {
    assert_eq!(shape("a[1:2]\n"), "a[(Slice 1 2 _)]");
    assert_eq!(shape("a[::2]\n"), "a[(Slice _ _ 2)]");
    assert_eq!(shape("a[i, 1:]\n"), "a[(Tuple i (Slice 1 _ _))]");
    assert_eq!(
        shape("f(1, *xs, sep='', **kw)\n"),
        "(Call f 1 *xs sep=\"\" **kw)"
    );
}

#[test]
fn fstrings_become_literals_and_parsed_fields() {
    assert_eq!(
        shape("f'{a + 1!r:>{w}} and {b}'\n"),
        "(F {(Add a 1) Some(Repr) >{w}} \" and \" {b None })"
    );
    // Adjacent literals join, plain and f alike.
    assert_eq!(shape("'a' f'{b}' 'c'\n"), "(F \"a\" {b None } \"c\")");
    assert_eq!(shape("'a' \"b\"\n"), "\"ab\"");
}

#[test]
fn an_error_inside_an_fstring_field_points_into_the_source() {
    let err = parse("x = 1\nprint(f'total: {a +}')\n").err();
    assert_eq!(
        err.map(|e| (e.line, e.col, e.message)),
        Some((2, 20, "invalid syntax".into()))
    );
}

#[test]
fn elif_nests_an_if_in_orelse_as_cpython_does() {
    let module = parse("if a:\n    pass\nelif b:\n    pass\nelse:\n    x = 1\n").expect("parses");
    let [Stmt {
        kind: StmtKind::If { orelse, .. },
        ..
    }] = &module.body[..]
    else {
        panic!()
    };
    let [Stmt {
        span,
        kind: StmtKind::If { orelse: inner, .. },
    }] = &orelse[..]
    else {
        panic!("{orelse:?}")
    };
    assert_eq!((span.line, span.col), (3, 1));
    assert!(matches!(
        inner[..],
        [Stmt {
            kind: StmtKind::Assign { .. },
            ..
        }]
    ));
}

#[test]
fn every_node_knows_its_line_and_column() {
    let module = parse("async def main():\n    await asyncio.sleep(1)  # 中文\n    x = '中' + y\n")
        .expect("parses");
    let [Stmt {
        kind: StmtKind::FunctionDef(def),
        span,
    }] = &module.body[..]
    else {
        panic!()
    };
    assert_eq!((span.line, span.col), (1, 1));
    assert!(def.is_async);
    let [first, Stmt {
        kind: StmtKind::Assign { value, .. },
        span: second,
    }] = &def.body[..]
    else {
        panic!()
    };
    assert_eq!((first.span.line, first.span.col), (2, 5));
    assert_eq!((second.line, second.col), (3, 5));
    let ExprKind::BinOp { right, .. } = &value.kind else {
        panic!()
    };
    // `y` after one Chinese character: columns count characters.
    assert_eq!((right.span.line, right.span.col), (3, 15));
}

#[test]
fn statements_of_the_subset_parse_into_their_nodes() {
    let source = "\
import asyncio, a.b as c
from .x import (y as z, w,)
@asyncio.coroutine
def gen(a, b=1, *args, k, **kw):
    global g
    yield from other()
    x = yield
    del a[0], b.c
    assert a, 'msg'
    for i, (j, *k) in enumerate(xs):
        continue
    else:
        break
    while True:
        raise ValueError('x') from None
    try:
        pass
    except (A, B) as e:
        pass
    except:
        pass
    else:
        pass
    finally:
        return
    async with a as b, c:
        async for x in y:
            n: int = 1
            n += 1
    lam = lambda x, y=2: x
    d = {**a, 'k': [i for i in range(3) if i], 2: {v for v in s}}
    g = (x for x in y)
    m = {k: v for k, v in d.items()}
";
    let module = parse(source).expect("parses");
    assert_eq!(module.body.len(), 3);
    let Some(Stmt {
        kind: StmtKind::FunctionDef(def),
        ..
    }) = module.body.get(2)
    else {
        panic!()
    };
    assert_eq!(def.decorators.len(), 1);
    assert_eq!(def.params.positional.len(), 2);
    assert_eq!(def.params.varargs.as_deref(), Some("args"));
    assert_eq!(def.params.keyword_only.len(), 1);
    assert_eq!(def.params.kwargs.as_deref(), Some("kw"));
    // Both counts are what python3.11's `ast.parse` finds for this source.
    assert_eq!(def.body.len(), 13);
}
