//! The builtins, the modules a program may import (`asyncio`, `aiohttp`, `time`, `random`,
//! `threading`, `json`, `math`, `sys`, `contextlib`), and the methods of str, list, dict, set.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use super::aio;
use super::eval::{call, collect, get_iter, iter_next};
use super::exc::{ExcObj, ExcType};
use super::http;
use super::ops::{self, fmt_arg, format_error, type_error};
use super::value::{Builtin, Dict, Iter, Key, Module, Num, TypeName, Value, View};
use super::{fail, Cx, Flow, Res};
use crate::format;

const BUILTINS: &[&str] = &[
    "print",
    "len",
    "range",
    "repr",
    "abs",
    "min",
    "max",
    "sum",
    "sorted",
    "reversed",
    "enumerate",
    "zip",
    "map",
    "filter",
    "isinstance",
    "issubclass",
    "type",
    "round",
    "any",
    "all",
    "iter",
    "next",
    "id",
    "hash",
    "ord",
    "chr",
    "divmod",
    "pow",
    "format",
    "hex",
    "bin",
    "oct",
    "callable",
    "getattr",
    "hasattr",
    "input",
    "open",
    "exit",
    "quit",
];

/// A name no scope has: a builtin, or NameError.
pub(crate) fn lookup(name: &str) -> Option<Value> {
    if let Some(t) = ExcType::builtin(name) {
        return Some(Value::ExcType(t));
    }
    if let Some(t) = type_named(name) {
        return Some(Value::Type(t));
    }
    if name == "__name__" {
        return Some(Value::str("__main__"));
    }
    BUILTINS.iter().find(|b| **b == name).map(|b| {
        Value::Builtin(Builtin {
            module: None,
            name: b,
        })
    })
}

fn type_named(name: &str) -> Option<TypeName> {
    Some(match name {
        "int" => TypeName::Int,
        "float" => TypeName::Float,
        "str" => TypeName::Str,
        "bool" => TypeName::Bool,
        "list" => TypeName::List,
        "tuple" => TypeName::Tuple,
        "dict" => TypeName::Dict,
        "set" => TypeName::Set,
        "object" => TypeName::Object,
        _ => return None,
    })
}

/// What `import name` binds, or the refusal in words.
pub(crate) fn import(name: &str) -> Res<Value> {
    let module = match name {
        "asyncio" => Module::Asyncio,
        "time" => Module::Time,
        "random" => Module::Random,
        "threading" => Module::Threading,
        "aiohttp" => Module::Aiohttp,
        "sys" => Module::Sys,
        "json" => Module::Json,
        "math" => Module::Math,
        "contextlib" => Module::Contextlib,
        "concurrent" | "concurrent.futures" => Module::ConcurrentFutures,
        _ => {
            return Err(fail(
                ExcType::ModuleNotFoundError,
                crate::interp::refusal::module_refusal(name),
            ))
        }
    };
    Ok(Value::Module(module))
}

const MODULE_FUNCTIONS: &[(Module, &[&str])] = &[
    (
        Module::Time,
        &[
            "perf_counter",
            "time",
            "monotonic",
            "sleep",
            "perf_counter_ns",
            "time_ns",
        ],
    ),
    (
        Module::Random,
        &[
            "random",
            "randint",
            "seed",
            "choice",
            "uniform",
            "shuffle",
            "randrange",
        ],
    ),
    (
        Module::Threading,
        &[
            "current_thread",
            "currentThread",
            "main_thread",
            "get_ident",
            "active_count",
        ],
    ),
    (Module::Json, &["dumps", "loads"]),
    (
        Module::Math,
        &[
            "sqrt", "floor", "ceil", "isclose", "fabs", "log", "exp", "sin", "cos",
        ],
    ),
    (Module::Sys, &["exit"]),
    (Module::Contextlib, &["nullcontext"]),
    (
        Module::ConcurrentFutures,
        &["ProcessPoolExecutor", "ThreadPoolExecutor"],
    ),
];

/// `value.name`
pub(crate) fn get_attr(_cx: &Cx, v: &Value, name: &str) -> Res<Value> {
    let found = match v {
        Value::Module(Module::Asyncio) => aio::module_attr(name),
        Value::Module(Module::Aiohttp) => http::module_attr(name),
        Value::Module(Module::Math) => match name {
            "pi" => Some(Value::Float(std::f64::consts::PI)),
            "e" => Some(Value::Float(std::f64::consts::E)),
            "inf" => Some(Value::Float(f64::INFINITY)),
            "nan" => Some(Value::Float(f64::NAN)),
            _ => None,
        },
        Value::Module(Module::Sys) => match name {
            "version" => Some(Value::str("3.11.7 (asyncscope playground)")),
            "platform" => Some(Value::str("emscripten")),
            "maxsize" => Some(Value::Int(i64::MAX as i128)),
            _ => None,
        },
        Value::Module(Module::ConcurrentFutures) if name == "futures" => Some(v.clone()),
        Value::Module(Module::Json) if name == "JSONDecodeError" => {
            Some(Value::ExcType(ExcType::JSONDecodeError))
        }
        Value::Exc(e) => match name {
            "args" => Some(Value::tuple(e.args.clone())),
            "value" if e.ty == ExcType::StopIteration => {
                Some(e.value.clone().unwrap_or(Value::None))
            }
            "__cause__" => Some(
                e.cause
                    .borrow()
                    .clone()
                    .map(Value::Exc)
                    .unwrap_or(Value::None),
            ),
            "__context__" => Some(
                e.context
                    .borrow()
                    .clone()
                    .map(Value::Exc)
                    .unwrap_or(Value::None),
            ),
            "__class__" => Some(Value::ExcType(e.ty)),
            _ => e
                .attrs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone()),
        },
        Value::ExcType(t) if name == "__name__" => Some(Value::str(t.name())),
        Value::Type(t) if name == "__name__" => Some(Value::str(t.name())),
        Value::Function(f) if name == "__name__" => Some(Value::Str(f.name.clone())),
        Value::Aio(a) => aio::get_attr(a, name),
        Value::Http(h) => http::get_attr(h, name),
        Value::Float(x) if name == "real" => Some(Value::Float(*x)),
        Value::Int(i) if name == "real" => Some(Value::Int(*i)),
        _ => None,
    };
    if let Some(found) = found {
        return Ok(found);
    }
    if let Value::Module(m) = v {
        if let Some((_, names)) = MODULE_FUNCTIONS.iter().find(|(mm, _)| mm == m) {
            if let Some(n) = names.iter().find(|n| **n == name) {
                return Ok(Value::Builtin(Builtin {
                    module: Some(*m),
                    name: n,
                }));
            }
        }
        return Err(fail(
            ExcType::AttributeError,
            format!("module '{}' has no attribute '{name}'", m.name()),
        ));
    }
    // Anything else: a method, bound now and checked when called.
    if matches!(
        v,
        Value::Exc(_)
            | Value::ExcType(_)
            | Value::Type(_)
            | Value::Function(_)
            | Value::None
            | Value::Builtin(_)
    ) {
        return Err(aio::no_attr(v, name));
    }
    Ok(Value::Method(Rc::new((v.clone(), Rc::from(name)))))
}

fn kwarg<'a>(keywords: &'a [(Rc<str>, Value)], name: &str) -> Option<&'a Value> {
    keywords.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
}

fn no_keywords(func: &str, keywords: &[(Rc<str>, Value)]) -> Res<()> {
    match keywords.first() {
        Some((k, _)) => Err(type_error(format!(
            "{func}() got an unexpected keyword argument '{k}'"
        ))),
        None => Ok(()),
    }
}

fn arity(func: &str, args: &[Value], min: usize, max: usize) -> Res<()> {
    if args.len() < min || args.len() > max {
        let expected = if min == max {
            format!("exactly {min} argument{}", if min == 1 { "" } else { "s" })
        } else if args.len() < min {
            format!("at least {min} argument{}", if min == 1 { "" } else { "s" })
        } else {
            format!("at most {max} arguments")
        };
        return Err(type_error(format!(
            "{func}() takes {expected} ({} given)",
            args.len()
        )));
    }
    Ok(())
}

fn int_arg(v: &Value, what: &str) -> Res<i128> {
    v.as_int().ok_or_else(|| {
        type_error(format!(
            "'{}' object cannot be interpreted as an integer ({what})",
            v.type_name()
        ))
    })
}

fn num_arg(v: &Value, func: &str) -> Res<f64> {
    v.as_number().map(Num::as_f64).ok_or_else(|| {
        type_error(format!(
            "must be real number, not {} ({func})",
            v.type_name()
        ))
    })
}

pub(crate) fn make_set(items: Vec<Value>) -> Res<Value> {
    let mut d = Dict::new();
    for item in items {
        d.insert(item.key().map_err(type_error)?, item, Value::None);
    }
    Ok(Value::Set(Rc::new(RefCell::new(d))))
}

/// `format(value, spec)`
pub(crate) fn format_value(v: &Value, spec: &str) -> Res<String> {
    if spec.is_empty() {
        return Ok(v.to_str());
    }
    format::format_value(&fmt_arg(v), spec).map_err(format_error)
}

/// Keys for sorting, computed (and awaited, for a user's key function) first.
async fn keys_of(cx: &Cx, items: &[Value], key: Option<&Value>) -> Res<Vec<Value>> {
    match key {
        None | Some(Value::None) => Ok(items.to_vec()),
        Some(f) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(call(cx.clone(), f.clone(), vec![item.clone()], vec![]).await?);
            }
            Ok(out)
        }
    }
}

/// Sorts `items` by `keys` (stable, as Python's), raising the first TypeError a comparison met.
fn sort_by_keys(items: Vec<Value>, keys: Vec<Value>, reverse: bool) -> Res<Vec<Value>> {
    let mut pairs: Vec<(Value, Value)> = keys.into_iter().zip(items).collect();
    let mut error = None;
    pairs.sort_by(|(a, _), (b, _)| {
        if error.is_some() {
            return Ordering::Equal;
        }
        let ord = match ops::order(a, b, "<") {
            Ok(o) => o,
            Err(e) => {
                error = Some(e);
                Ordering::Equal
            }
        };
        if reverse {
            ord.reverse()
        } else {
            ord
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    Ok(pairs.into_iter().map(|(_, v)| v).collect())
}

async fn min_max(
    cx: &Cx,
    name: &str,
    positional: Vec<Value>,
    keywords: &[(Rc<str>, Value)],
) -> Res<Value> {
    let items = if positional.len() == 1 {
        collect(cx, &positional[0])?
    } else {
        positional
    };
    if items.is_empty() {
        return match kwarg(keywords, "default") {
            Some(d) => Ok(d.clone()),
            None => Err(fail(
                ExcType::ValueError,
                format!("{name}() arg is an empty sequence"),
            )),
        };
    }
    let keys = keys_of(cx, &items, kwarg(keywords, "key")).await?;
    let mut best = 0;
    for i in 1..items.len() {
        let ord = ops::order(&keys[i], &keys[best], if name == "min" { "<" } else { ">" })?;
        if (name == "min" && ord == Ordering::Less) || (name == "max" && ord == Ordering::Greater) {
            best = i;
        }
    }
    Ok(items[best].clone())
}

/// Calls a builtin or a module function.
pub(crate) async fn call_builtin(
    cx: &Cx,
    b: Builtin,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    let name = b.name;
    match b.module {
        Some(Module::Asyncio) => return aio::call_asyncio(cx, name, positional, keywords).await,
        Some(Module::Aiohttp) => return http::construct(name, &positional, &keywords),
        Some(m) => return call_module(cx, m, name, positional, keywords).await,
        None => {}
    }
    let interp = &cx.interp;
    match name {
        "print" => {
            let sep = match kwarg(&keywords, "sep") {
                None | Some(Value::None) => " ".to_string(),
                Some(v) => v.to_str(),
            };
            let end = match kwarg(&keywords, "end") {
                None | Some(Value::None) => "\n".to_string(),
                Some(v) => v.to_str(),
            };
            let mut out = String::new();
            for (i, v) in positional.iter().enumerate() {
                if i > 0 {
                    out.push_str(&sep);
                }
                out.push_str(&v.to_str());
            }
            out.push_str(&end);
            interp.host.write(&out);
            Ok(Value::None)
        }
        "len" => {
            arity("len", &positional, 1, 1)?;
            let n = match &positional[0] {
                Value::Str(s) => s.chars().count(),
                Value::List(l) => l.borrow().len(),
                Value::Tuple(t) => t.len(),
                Value::Dict(d) | Value::Set(d) | Value::View(_, d) => d.borrow().len(),
                Value::Range(r) => usize::try_from(r.len())
                    .ok()
                    .filter(|n| *n <= i64::MAX as usize)
                    .ok_or_else(|| {
                        fail(
                            ExcType::OverflowError,
                            "Python int too large to convert to C ssize_t",
                        )
                    })?,
                Value::Aio(a) => match &**a {
                    aio::AioObject::Queue(_) => {
                        return Err(type_error("object of type 'Queue' has no len()".into()))
                    }
                    _ => return Err(type_error(format!("object of type '{}' has no len()", a.type_name()))),
                },
                other => {
                    return Err(type_error(format!(
                        "object of type '{}' has no len()",
                        other.type_name()
                    )))
                }
            };
            Ok(Value::Int(n as i128))
        }
        "range" => {
            no_keywords("range", &keywords)?;
            arity("range", &positional, 1, 3)?;
            let n: Vec<i128> = positional
                .iter()
                .map(|v| int_arg(v, "range"))
                .collect::<Res<_>>()?;
            match n.as_slice() {
                [stop] => ops::range(0, *stop, 1),
                [start, stop] => ops::range(*start, *stop, 1),
                [start, stop, step] => ops::range(*start, *stop, *step),
                _ => Err(type_error("range expected at most 3 arguments".into())),
            }
        }
        "repr" => {
            arity("repr", &positional, 1, 1)?;
            Ok(Value::str(&positional[0].repr()))
        }
        "abs" => {
            arity("abs", &positional, 1, 1)?;
            match positional[0].as_number() {
                Some(Num::Int(i)) => i.checked_abs().map(Value::Int).ok_or_else(|| fail(ExcType::OverflowError, "integer too large")),
                Some(Num::Float(f)) => Ok(Value::Float(f.abs())),
                None => Err(type_error(format!("bad operand type for abs(): '{}'", positional[0].type_name()))),
            }
        }
        "min" | "max" => {
            if positional.is_empty() {
                return Err(type_error(format!("{name} expected at least 1 argument, got 0")));
            }
            min_max(cx, name, positional, &keywords).await
        }
        "sum" => {
            arity("sum", &positional, 1, 2)?;
            let mut total = positional.get(1).cloned().unwrap_or(Value::Int(0));
            for item in collect(cx, &positional[0])? {
                total = ops::binop(crate::ast::BinOp::Add, &total, &item, false)?;
            }
            Ok(total)
        }
        "sorted" => {
            arity("sorted", &positional, 1, 1)?;
            let items = collect(cx, &positional[0])?;
            let keys = keys_of(cx, &items, kwarg(&keywords, "key")).await?;
            let reverse = kwarg(&keywords, "reverse").is_some_and(Value::truthy);
            Ok(Value::list(sort_by_keys(items, keys, reverse)?))
        }
        "reversed" => {
            arity("reversed", &positional, 1, 1)?;
            let mut items = collect(cx, &positional[0])?;
            items.reverse();
            Ok(Value::Iter(Rc::new(RefCell::new(Iter::Items(items.into_iter())))))
        }
        "enumerate" => {
            arity("enumerate", &positional, 1, 2)?;
            let start = match positional.get(1).or_else(|| kwarg(&keywords, "start")) {
                Some(v) => int_arg(v, "enumerate")?,
                None => 0,
            };
            let it = get_iter(&positional[0])?;
            check_iter_nesting(&it)?;
            Ok(Value::Iter(Rc::new(RefCell::new(Iter::Enumerate(Box::new(it), start)))))
        }
        "zip" => {
            let iters = positional.iter().map(get_iter).collect::<Res<Vec<_>>>()?;
            for it in &iters {
                check_iter_nesting(it)?;
            }
            Ok(Value::Iter(Rc::new(RefCell::new(Iter::Zip(iters)))))
        }
        "map" => {
            if positional.len() < 2 {
                return Err(type_error("map() must have at least two arguments.".into()));
            }
            let f = positional[0].clone();
            let lists = positional[1..].iter().map(|v| collect(cx, v)).collect::<Res<Vec<_>>>()?;
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let args = lists.iter().map(|l| l[i].clone()).collect();
                out.push(call(cx.clone(), f.clone(), args, vec![]).await?);
            }
            Ok(Value::Iter(Rc::new(RefCell::new(Iter::Items(out.into_iter())))))
        }
        "filter" => {
            arity("filter", &positional, 2, 2)?;
            let f = positional[0].clone();
            let mut out = Vec::new();
            for item in collect(cx, &positional[1])? {
                let keep = match &f {
                    Value::None => item.truthy(),
                    f => call(cx.clone(), f.clone(), vec![item.clone()], vec![]).await?.truthy(),
                };
                if keep {
                    out.push(item);
                }
            }
            Ok(Value::Iter(Rc::new(RefCell::new(Iter::Items(out.into_iter())))))
        }
        "isinstance" | "issubclass" => {
            arity(name, &positional, 2, 2)?;
            Ok(Value::Bool(is_instance(&positional[0], &positional[1], name == "issubclass")?))
        }
        "type" => {
            arity("type", &positional, 1, 1)?;
            Ok(type_of(&positional[0]))
        }
        "round" => {
            arity("round", &positional, 1, 2)?;
            let digits = match positional.get(1).or_else(|| kwarg(&keywords, "ndigits")) {
                None | Some(Value::None) => None,
                Some(v) => Some(int_arg(v, "round")?),
            };
            match (positional[0].as_number(), digits) {
                (Some(Num::Int(i)), None) => Ok(Value::Int(i)),
                (Some(Num::Int(i)), Some(d)) if d >= 0 => Ok(Value::Int(i)),
                (Some(Num::Int(i)), Some(d)) => {
                    let p = 10i128.checked_pow(d.saturating_neg().min(38) as u32).unwrap_or(i128::MAX);
                    let q = i.div_euclid(p);
                    let r = i.rem_euclid(p);
                    let half = p / 2;
                    let q = if r > half || (r == half && q % 2 != 0) { q + 1 } else { q };
                    q.checked_mul(p).map(Value::Int).ok_or_else(|| {
                        fail(ExcType::OverflowError, "integer too large: the playground's ints are 128-bit")
                    })
                }
                (Some(Num::Float(f)), None) => {
                    if !f.is_finite() {
                        return Err(fail(
                            if f.is_nan() { ExcType::ValueError } else { ExcType::OverflowError },
                            if f.is_nan() { "cannot convert float NaN to integer" } else { "cannot convert float infinity to integer" },
                        ));
                    }
                    Ok(Value::Int(format::round_half_even(f) as i128))
                }
                (Some(Num::Float(f)), Some(d)) => Ok(Value::Float(format::python_round(f, Some(d.clamp(-400, 400) as i64)))),
                (None, _) => Err(type_error(format!(
                    "type {} doesn't define __round__ method",
                    positional[0].type_name()
                ))),
            }
        }
        "any" | "all" => {
            arity(name, &positional, 1, 1)?;
            let it = get_iter(&positional[0])?;
            let want = name == "any";
            while let Some(item) = iter_next(cx, &it)? {
                if item.truthy() == want {
                    return Ok(Value::Bool(want));
                }
            }
            Ok(Value::Bool(!want))
        }
        "iter" => {
            arity("iter", &positional, 1, 1)?;
            get_iter(&positional[0])
        }
        "next" => {
            arity("next", &positional, 1, 2)?;
            if let (Value::Gen(g), None) = (&positional[0], positional.get(1)) {
                return super::gen::step(g)?.map_err(super::gen::stop);
            }
            match iter_next(cx, &positional[0])? {
                Some(v) => Ok(v),
                None => match positional.get(1) {
                    Some(d) => Ok(d.clone()),
                    None => Err(Flow::Exc(ExcObj::new(ExcType::StopIteration, vec![]))),
                },
            }
        }
        "id" => {
            arity("id", &positional, 1, 1)?;
            Ok(Value::Int(positional[0].identity() as i128))
        }
        "hash" => {
            arity("hash", &positional, 1, 1)?;
            let k = positional[0].key().map_err(type_error)?;
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            k.hash(&mut h);
            Ok(Value::Int(match k {
                Key::Int(i) => i,
                _ => h.finish() as i64 as i128,
            }))
        }
        "ord" => {
            arity("ord", &positional, 1, 1)?;
            match &positional[0] {
                Value::Str(s) if s.chars().count() == 1 => {
                    Ok(Value::Int(s.chars().next().map(|c| c as i128).unwrap_or(0)))
                }
                Value::Str(s) => Err(type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    s.chars().count()
                ))),
                other => Err(type_error(format!(
                    "ord() expected string of length 1, but {} found",
                    other.type_name()
                ))),
            }
        }
        "chr" => {
            arity("chr", &positional, 1, 1)?;
            let i = int_arg(&positional[0], "chr")?;
            u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .map(|c| Value::str(&c.to_string()))
                .ok_or_else(|| fail(ExcType::ValueError, "chr() arg not in range(0x110000)"))
        }
        "divmod" => {
            arity("divmod", &positional, 2, 2)?;
            let q = ops::binop(crate::ast::BinOp::FloorDiv, &positional[0], &positional[1], false)?;
            let r = ops::binop(crate::ast::BinOp::Mod, &positional[0], &positional[1], false)?;
            Ok(Value::tuple(vec![q, r]))
        }
        "pow" => {
            arity("pow", &positional, 2, 2)?;
            ops::binop(crate::ast::BinOp::Pow, &positional[0], &positional[1], false)
        }
        "format" => {
            arity("format", &positional, 1, 2)?;
            let spec = positional.get(1).map(Value::to_str).unwrap_or_default();
            Ok(Value::str(&format_value(&positional[0], &spec)?))
        }
        "hex" | "bin" | "oct" => {
            arity(name, &positional, 1, 1)?;
            let i = int_arg(&positional[0], name)?;
            let spec = match name {
                "hex" => "#x",
                "bin" => "#b",
                _ => "#o",
            };
            Ok(Value::str(&format_value(&Value::Int(i), spec)?))
        }
        "callable" => {
            arity("callable", &positional, 1, 1)?;
            Ok(Value::Bool(matches!(
                positional[0],
                Value::Function(_) | Value::Builtin(_) | Value::Method(_) | Value::ExcType(_) | Value::Type(_)
            )))
        }
        "getattr" | "hasattr" => {
            arity(name, &positional, 2, 3)?;
            let attr = positional[1].to_str();
            let found = get_attr(cx, &positional[0], &attr);
            match (name, found) {
                ("hasattr", r) => Ok(Value::Bool(r.is_ok())),
                (_, Ok(v)) => Ok(v),
                (_, Err(e)) => positional.get(2).cloned().ok_or(e),
            }
        }
        "exit" | "quit" => Err(Flow::Exc(ExcObj::new(ExcType::SystemExit, positional))),
        "input" => Err(fail(
            ExcType::RuntimeError,
            "input() reads from a terminal, which the playground does not have: put the value in the program",
        )),
        "open" => Err(fail(
            ExcType::RuntimeError,
            "open() reads files, which the playground does not have: put the data in the program",
        )),
        _ => Err(fail(ExcType::NameError, format!("name '{name}' is not defined"))),
    }
}

/// `enumerate` and `zip` wrapping each other past [`MAX_ITER_NESTING`]: `next()` would recurse
/// down the chain.
fn check_iter_nesting(it: &Value) -> Res<()> {
    if super::value::iter_nesting(it) >= super::value::MAX_ITER_NESTING {
        return Err(fail(
            ExcType::RecursionError,
            format!(
                "maximum recursion depth exceeded: the playground nests at most {} enumerate()                  and zip() calls one inside another",
                super::value::MAX_ITER_NESTING
            ),
        ));
    }
    Ok(())
}

fn type_of(v: &Value) -> Value {
    match v {
        Value::Exc(e) => Value::ExcType(e.ty),
        Value::Int(_) => Value::Type(TypeName::Int),
        Value::Float(_) => Value::Type(TypeName::Float),
        Value::Str(_) => Value::Type(TypeName::Str),
        Value::Bool(_) => Value::Type(TypeName::Bool),
        Value::List(_) => Value::Type(TypeName::List),
        Value::Tuple(_) => Value::Type(TypeName::Tuple),
        Value::Dict(_) => Value::Type(TypeName::Dict),
        Value::Set(_) => Value::Type(TypeName::Set),
        other => Value::Type(TypeName::Other(other.type_name())),
    }
}

fn is_instance(v: &Value, class: &Value, sub: bool) -> Res<bool> {
    match class {
        Value::Tuple(items) => {
            for c in items.iter() {
                if is_instance(v, c, sub)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::ExcType(t) => Ok(match v {
            Value::Exc(e) if !sub => e.ty.is_subclass(*t),
            Value::ExcType(u) if sub => u.is_subclass(*t),
            _ => false,
        }),
        Value::Type(t) => {
            if sub {
                return Ok(
                    matches!(v, Value::Type(u) if u == t || (*u == TypeName::Bool && *t == TypeName::Int)),
                );
            }
            Ok(match t {
                TypeName::Object => true,
                TypeName::Int => matches!(v, Value::Int(_) | Value::Bool(_)),
                TypeName::Bool => matches!(v, Value::Bool(_)),
                TypeName::Other(name) => v.type_name() == *name,
                _ => matches!(type_of(v), Value::Type(u) if u == *t),
            })
        }
        other => Err(type_error(format!(
            "isinstance() arg 2 must be a type, a tuple of types, or a union (not {})",
            other.type_name()
        ))),
    }
}

/// `int(x)`, `str(x)`, `list(x)`, ...
pub(crate) async fn construct(
    cx: &Cx,
    t: TypeName,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    let first = positional.first();
    match t {
        TypeName::Int => {
            let base = match positional.get(1).or_else(|| kwarg(&keywords, "base")) {
                Some(b) => Some(int_arg(b, "base")?),
                None => None,
            };
            match (first, base) {
                (None, _) => Ok(Value::Int(0)),
                (Some(Value::Str(s)), base) => {
                    let b = base.unwrap_or(10);
                    let parsed = u32::try_from(b).ok().and_then(|b| format::parse_int(s, b));
                    parsed.map(Value::Int).ok_or_else(|| {
                        fail(
                            ExcType::ValueError,
                            format!("invalid literal for int() with base {b}: {}", format::str_repr(s)),
                        )
                    })
                }
                (Some(v), None) => match v.as_number() {
                    Some(Num::Int(i)) => Ok(Value::Int(i)),
                    Some(Num::Float(f)) => {
                        if f.is_nan() {
                            Err(fail(ExcType::ValueError, "cannot convert float NaN to integer"))
                        } else if f.is_infinite() || f.abs() >= 1.7e38 {
                            Err(fail(ExcType::OverflowError, "cannot convert float infinity to integer"))
                        } else {
                            Ok(Value::Int(f.trunc() as i128))
                        }
                    }
                    None => Err(type_error(format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        v.type_name()
                    ))),
                },
                (Some(_), Some(_)) => Err(type_error("int() can't convert non-string with explicit base".into())),
            }
        }
        TypeName::Float => match first {
            None => Ok(Value::Float(0.0)),
            Some(Value::Str(s)) => format::parse_float(s).map(Value::Float).ok_or_else(|| {
                fail(
                    ExcType::ValueError,
                    format!("could not convert string to float: {}", format::str_repr(s)),
                )
            }),
            Some(v) => v
                .as_number()
                .map(|n| Value::Float(n.as_f64()))
                .ok_or_else(|| {
                    type_error(format!(
                        "float() argument must be a string or a real number, not '{}'",
                        v.type_name()
                    ))
                }),
        },
        TypeName::Str => Ok(Value::str(&first.map(Value::to_str).unwrap_or_default())),
        TypeName::Bool => Ok(Value::Bool(first.is_some_and(Value::truthy))),
        TypeName::List => Ok(Value::list(match first {
            Some(v) => collect(cx, v)?,
            None => vec![],
        })),
        TypeName::Tuple => Ok(Value::tuple(match first {
            Some(v) => collect(cx, v)?,
            None => vec![],
        })),
        TypeName::Set => make_set(match first {
            Some(v) => collect(cx, v)?,
            None => vec![],
        }),
        TypeName::Dict => {
            let mut d = Dict::new();
            if let Some(v) = first {
                match v {
                    Value::Dict(o) => {
                        for (k, v) in o.borrow().items() {
                            d.insert(k.key().map_err(type_error)?, k.clone(), v.clone());
                        }
                    }
                    other => {
                        for pair in collect(cx, other)? {
                            let kv = collect(cx, &pair)?;
                            let [k, v] = <[Value; 2]>::try_from(kv).map_err(|kv| {
                                fail(
                                    ExcType::ValueError,
                                    format!(
                                        "dictionary update sequence element has length {}; 2 is required",
                                        kv.len()
                                    ),
                                )
                            })?;
                            d.insert(k.key().map_err(type_error)?, k, v);
                        }
                    }
                }
            }
            for (k, v) in keywords {
                d.insert(Key::Str(k.clone()), Value::Str(k), v);
            }
            Ok(Value::Dict(Rc::new(RefCell::new(d))))
        }
        TypeName::Object | TypeName::Other(_) => Err(type_error(format!(
            "the playground cannot make a '{}' object",
            t.name()
        ))),
    }
}

async fn call_module(
    cx: &Cx,
    m: Module,
    name: &str,
    positional: Vec<Value>,
    _keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    let interp = &cx.interp;
    let first = positional.first();
    match (m, name) {
        (Module::Time, "perf_counter" | "monotonic") => {
            Ok(Value::Float(interp.host.now_ms() / 1000.0))
        }
        (Module::Time, "perf_counter_ns" | "time_ns") => {
            Ok(Value::Int((interp.host.now_ms() * 1e6) as i128))
        }
        (Module::Time, "time") => Ok(Value::Float(
            1_764_460_800.0 + interp.host.now_ms() / 1000.0,
        )),
        (Module::Time, "sleep") => {
            let secs = num_arg(first.unwrap_or(&Value::None), "sleep")?;
            if secs < 0.0 {
                return Err(fail(
                    ExcType::ValueError,
                    "sleep length must be non-negative",
                ));
            }
            let ms = secs * 1000.0;
            let limit = interp.options.limits.max_poll_ms;
            // The loop is frozen, as in Python; past the budget the run is stopped instead.
            let elapsed = interp.host.now_ms() - interp.slice_start.get();
            if elapsed + ms > limit {
                interp.host.block((limit - elapsed).max(0.0));
                let message = format!(
                    "time.sleep({}) would freeze the event loop (and the page) past the \
                     playground's {:.0} s limit; it was stopped. Use `await asyncio.sleep(...)`, \
                     which lets other tasks run.",
                    first.map(Value::repr).unwrap_or_default(),
                    limit / 1000.0
                );
                interp.stop(message.clone());
                return Err(Flow::Fatal(message));
            }
            interp.host.block(ms);
            Ok(Value::None)
        }
        (Module::Random, "random") => Ok(Value::Float(interp.random.borrow_mut().random())),
        (Module::Random, "seed") => {
            let seed = match first {
                None | Some(Value::None) => interp.host.now_ms().to_bits() as i128,
                Some(v) => match v.as_int() {
                    Some(i) => i,
                    None => {
                        return Err(type_error(
                            "the playground's random.seed() takes an int".into(),
                        ))
                    }
                },
            };
            *interp.random.borrow_mut() = crate::random::Random::from_seed(seed);
            Ok(Value::None)
        }
        (Module::Random, "randint") => {
            arity("randint", &positional, 2, 2)?;
            let (a, b) = (
                int_arg(&positional[0], "randint")?,
                int_arg(&positional[1], "randint")?,
            );
            interp
                .random
                .borrow_mut()
                .randint(a, b)
                .map(Value::Int)
                .map_err(|m| fail(ExcType::ValueError, m))
        }
        (Module::Random, "randrange") => {
            arity("randrange", &positional, 1, 2)?;
            let (a, b) = match positional.as_slice() {
                [stop] => (0, int_arg(stop, "randrange")?),
                [start, stop] => (int_arg(start, "randrange")?, int_arg(stop, "randrange")?),
                _ => (0, 0),
            };
            interp
                .random
                .borrow_mut()
                .randint(a, b.saturating_sub(1))
                .map(Value::Int)
                .map_err(|_| {
                    fail(
                        ExcType::ValueError,
                        format!("empty range in randrange({a}, {b})"),
                    )
                })
        }
        (Module::Random, "uniform") => {
            arity("uniform", &positional, 2, 2)?;
            let (a, b) = (
                num_arg(&positional[0], "uniform")?,
                num_arg(&positional[1], "uniform")?,
            );
            let r = interp.random.borrow_mut().random();
            Ok(Value::Float(a + (b - a) * r))
        }
        (Module::Random, "choice") => {
            arity("choice", &positional, 1, 1)?;
            let items = collect(cx, &positional[0])?;
            if items.is_empty() {
                return Err(fail(
                    ExcType::IndexError,
                    "Cannot choose from an empty sequence",
                ));
            }
            let i = interp
                .random
                .borrow_mut()
                .randint(0, items.len() as i128 - 1)
                .unwrap_or(0);
            Ok(items[i as usize].clone())
        }
        (Module::Random, "shuffle") => {
            arity("shuffle", &positional, 1, 1)?;
            let Value::List(l) = &positional[0] else {
                return Err(type_error("shuffle() takes a list".into()));
            };
            let mut l = l.borrow_mut();
            let mut rng = interp.random.borrow_mut();
            for i in (1..l.len()).rev() {
                let j = rng.randint(0, i as i128).unwrap_or(0) as usize;
                l.swap(i, j);
            }
            Ok(Value::None)
        }
        (Module::Threading, "current_thread" | "currentThread" | "main_thread") => {
            Ok(aio::main_thread())
        }
        (Module::Threading, "get_ident") => Ok(Value::Int(140_000_000_000_000)),
        (Module::Threading, "active_count") => Ok(Value::Int(1)),
        (Module::Json, "dumps") => {
            arity("dumps", &positional, 1, 1)?;
            Ok(Value::str(&json_dumps(&positional[0])?))
        }
        (Module::Json, "loads") => {
            arity("loads", &positional, 1, 1)?;
            json_loads(&positional[0].to_str())
        }
        (Module::Math, _) => {
            let x = num_arg(first.unwrap_or(&Value::None), name)?;
            Ok(match name {
                "sqrt" if x < 0.0 => return Err(fail(ExcType::ValueError, "math domain error")),
                "sqrt" => Value::Float(x.sqrt()),
                "floor" => Value::Int(x.floor() as i128),
                "ceil" => Value::Int(x.ceil() as i128),
                "fabs" => Value::Float(x.abs()),
                "log" if x <= 0.0 => return Err(fail(ExcType::ValueError, "math domain error")),
                "log" => Value::Float(x.ln()),
                "exp" => Value::Float(x.exp()),
                "sin" => Value::Float(x.sin()),
                "cos" => Value::Float(x.cos()),
                "isclose" => {
                    let y = num_arg(positional.get(1).unwrap_or(&Value::None), name)?;
                    Value::Bool((x - y).abs() <= 1e-9 * x.abs().max(y.abs()))
                }
                _ => return Err(aio::no_attr(&Value::Module(m), name)),
            })
        }
        (Module::Sys, "exit") => Err(Flow::Exc(ExcObj::new(ExcType::SystemExit, positional))),
        (Module::ConcurrentFutures, _) => Err(fail(
            ExcType::NotImplementedError,
            format!(
                "{name} runs work in other threads or processes, which a page's Python does \
                 not have: the blocking lesson shows what it does, and what a blocking call does \
                 to the loop"
            ),
        )),
        (Module::Contextlib, "nullcontext") => {
            Ok(aio::null_context(first.cloned().unwrap_or(Value::None)))
        }
        _ => Err(aio::no_attr(&Value::Module(m), name)),
    }
}

// ---- methods of builtin types ----

pub(crate) async fn call_method(
    cx: &Cx,
    recv: &Value,
    name: &str,
    positional: Vec<Value>,
    keywords: Vec<(Rc<str>, Value)>,
) -> Res<Value> {
    match recv {
        Value::Str(s) => str_method(cx, s, name, positional, &keywords),
        Value::List(l) => list_method(cx, recv, l, name, positional, &keywords).await,
        Value::Dict(d) => dict_method(cx, d, name, positional, &keywords),
        Value::Set(d) => set_method(cx, d, name, positional),
        Value::Tuple(t) => match name {
            "count" => Ok(Value::Int(
                t.iter()
                    .filter(|x| positional.first().is_some_and(|p| x.eq(p)))
                    .count() as i128,
            )),
            "index" => seq_index(t, positional.first(), "tuple"),
            _ => Err(aio::no_attr(recv, name)),
        },
        Value::Float(f) if name == "is_integer" => Ok(Value::Bool(f.fract() == 0.0)),
        Value::Int(i) if name == "bit_length" => {
            Ok(Value::Int(128 - i.unsigned_abs().leading_zeros() as i128))
        }
        _ => Err(aio::no_attr(recv, name)),
    }
}

fn seq_index(items: &[Value], x: Option<&Value>, what: &str) -> Res<Value> {
    let x = x.ok_or_else(|| type_error("index expected 1 argument".into()))?;
    items
        .iter()
        .position(|v| v.eq(x))
        .map(|i| Value::Int(i as i128))
        .ok_or_else(|| {
            fail(
                ExcType::ValueError,
                format!("{} is not in {what}", x.repr()),
            )
        })
}

fn str_arg(v: Option<&Value>, func: &str) -> Res<Rc<str>> {
    match v {
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(other) => Err(type_error(format!(
            "{func}() argument must be str, not {}",
            other.type_name()
        ))),
        None => Err(type_error(format!(
            "{func}() takes at least 1 argument (0 given)"
        ))),
    }
}

fn strip_chars(positional: &[Value]) -> Option<Vec<char>> {
    match positional.first() {
        Some(Value::Str(c)) => Some(c.chars().collect()),
        _ => None,
    }
}

/// `s.center(width)` and friends: a width past the string cap is a MemoryError.
fn width_arg(v: Option<&Value>) -> Res<usize> {
    let width = int_arg(v.unwrap_or(&Value::None), "width")?.max(0);
    match usize::try_from(width) {
        Ok(w) if w <= ops::MAX_ITEMS => Ok(w),
        _ => Err(fail(
            ExcType::MemoryError,
            format!(
                "the playground caps a string at {} characters",
                ops::MAX_ITEMS
            ),
        )),
    }
}

fn str_method(
    cx: &Cx,
    s: &Rc<str>,
    name: &str,
    positional: Vec<Value>,
    keywords: &[(Rc<str>, Value)],
) -> Res<Value> {
    let text = |x: String| Ok(Value::str(&x));
    match name {
        "upper" => text(s.to_uppercase()),
        "lower" => text(s.to_lowercase()),
        "strip" | "lstrip" | "rstrip" => {
            let chars = strip_chars(&positional);
            let pred = |c: char| match &chars {
                Some(set) => set.contains(&c),
                None => c.is_whitespace(),
            };
            text(
                match name {
                    "strip" => s.trim_matches(pred),
                    "lstrip" => s.trim_start_matches(pred),
                    _ => s.trim_end_matches(pred),
                }
                .to_string(),
            )
        }
        "split" | "rsplit" => {
            let sep = match positional.first().or_else(|| kwarg(keywords, "sep")) {
                None | Some(Value::None) => None,
                Some(v) => Some(str_arg(Some(v), name)?),
            };
            let max = match positional.get(1).or_else(|| kwarg(keywords, "maxsplit")) {
                Some(v) => int_arg(v, "maxsplit")?,
                None => -1,
            };
            let parts: Vec<String> = match &sep {
                Some(sep) if sep.is_empty() => {
                    return Err(fail(ExcType::ValueError, "empty separator"))
                }
                Some(sep) if max < 0 => s.split(&**sep).map(String::from).collect(),
                Some(sep) if name == "split" => s
                    .splitn(max as usize + 1, &**sep)
                    .map(String::from)
                    .collect(),
                Some(sep) => {
                    let mut v: Vec<String> = s
                        .rsplitn(max as usize + 1, &**sep)
                        .map(String::from)
                        .collect();
                    v.reverse();
                    v
                }
                None if max < 0 => s.split_whitespace().map(String::from).collect(),
                None => {
                    let mut out = Vec::new();
                    let mut rest = s.trim_start();
                    while !rest.is_empty() {
                        if out.len() as i128 == max {
                            out.push(rest.trim_end().to_string());
                            break;
                        }
                        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                        out.push(rest[..end].to_string());
                        rest = rest[end..].trim_start();
                    }
                    out
                }
            };
            Ok(Value::list(parts.iter().map(|p| Value::str(p)).collect()))
        }
        "join" => {
            let Some(items) = positional.first() else {
                return Err(type_error(
                    "join() takes exactly one argument (0 given)".into(),
                ));
            };
            let items = collect(cx, items).map_err(|_| {
                type_error(format!(
                    "can only join an iterable, not {}",
                    items.type_name()
                ))
            })?;
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                let Value::Str(piece) = item else {
                    return Err(type_error(format!(
                        "sequence item {i}: expected str instance, {} found",
                        item.type_name()
                    )));
                };
                if i > 0 {
                    out.push_str(s);
                }
                out.push_str(piece);
                if out.len() > ops::MAX_ITEMS {
                    return Err(fail(
                        ExcType::MemoryError,
                        "the playground caps a string at 20000000 bytes",
                    ));
                }
            }
            text(out)
        }
        "replace" => {
            let old = str_arg(positional.first(), "replace")?;
            let new = str_arg(positional.get(1), "replace")?;
            let out = match positional.get(2) {
                Some(n) => s.replacen(&*old, &new, int_arg(n, "count")?.max(0) as usize),
                None => s.replace(&*old, &new),
            };
            if out.len() > ops::MAX_ITEMS {
                return Err(fail(
                    ExcType::MemoryError,
                    "the playground caps a string at 20000000 bytes",
                ));
            }
            text(out)
        }
        "startswith" | "endswith" => {
            let candidates = match positional.first() {
                Some(Value::Tuple(t)) => t.to_vec(),
                Some(v) => vec![v.clone()],
                None => vec![],
            };
            for c in candidates {
                let c = str_arg(Some(&c), name)?;
                if (name == "startswith" && s.starts_with(&*c))
                    || (name == "endswith" && s.ends_with(&*c))
                {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        "find" | "rfind" | "index" | "rindex" => {
            let sub = str_arg(positional.first(), name)?;
            let at = if name.starts_with('r') {
                s.rfind(&*sub)
            } else {
                s.find(&*sub)
            };
            match at {
                Some(b) => Ok(Value::Int(s[..b].chars().count() as i128)),
                None if name.ends_with("find") => Ok(Value::Int(-1)),
                None => Err(fail(ExcType::ValueError, "substring not found")),
            }
        }
        "count" => {
            let sub = str_arg(positional.first(), name)?;
            Ok(Value::Int(if sub.is_empty() {
                s.chars().count() as i128 + 1
            } else {
                s.matches(&*sub).count() as i128
            }))
        }
        "format" => {
            let args: Vec<format::FmtArg> = positional.iter().map(fmt_arg).collect();
            let lookup = |k: &str| kwarg(keywords, k).map(fmt_arg);
            format::str_format(s, &args, &lookup)
                .map(|out| Value::str(&out))
                .map_err(format_error)
        }
        "center" | "ljust" | "rjust" => {
            let width = width_arg(positional.first())?;
            let fill = match positional.get(1) {
                Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
                Some(_) => {
                    return Err(type_error(
                        "The fill character must be exactly one character long".into(),
                    ))
                }
                None => ' ',
            };
            let n = s.chars().count();
            if n >= width {
                return Ok(Value::Str(s.clone()));
            }
            let pad = width - n;
            let (left, right) = match name {
                "ljust" => (0, pad),
                "rjust" => (pad, 0),
                _ => {
                    let left = pad / 2 + (pad & width & 1);
                    (left, pad - left)
                }
            };
            let f = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
            text(format!("{}{s}{}", f(left), f(right)))
        }
        "zfill" => {
            let width = width_arg(positional.first())?;
            let n = s.chars().count();
            if n >= width {
                return Ok(Value::Str(s.clone()));
            }
            let (sign, digits) = match s.chars().next() {
                Some(c @ ('+' | '-')) => (c.to_string(), &s[1..]),
                _ => (String::new(), &s[..]),
            };
            text(format!("{sign}{}{digits}", "0".repeat(width - n)))
        }
        "isdigit" | "isnumeric" | "isdecimal" => Ok(Value::Bool(
            !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()),
        )),
        "isalpha" => Ok(Value::Bool(
            !s.is_empty() && s.chars().all(char::is_alphabetic),
        )),
        "isalnum" => Ok(Value::Bool(
            !s.is_empty() && s.chars().all(char::is_alphanumeric),
        )),
        "isspace" => Ok(Value::Bool(
            !s.is_empty() && s.chars().all(char::is_whitespace),
        )),
        "isupper" => Ok(Value::Bool(
            s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase),
        )),
        "islower" => Ok(Value::Bool(
            s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase),
        )),
        "title" | "capitalize" => {
            let mut out = String::new();
            let mut start = true;
            for c in s.chars() {
                if start {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                start = if name == "title" {
                    !c.is_alphabetic()
                } else {
                    false
                };
            }
            text(out)
        }
        "splitlines" => Ok(Value::list(s.lines().map(Value::str).collect())),
        "partition" | "rpartition" => {
            let sep = str_arg(positional.first(), name)?;
            let found = if name == "partition" {
                s.find(&*sep)
            } else {
                s.rfind(&*sep)
            };
            Ok(Value::tuple(match found {
                Some(i) => vec![
                    Value::str(&s[..i]),
                    Value::Str(sep.clone()),
                    Value::str(&s[i + sep.len()..]),
                ],
                None if name == "partition" => {
                    vec![Value::Str(s.clone()), Value::str(""), Value::str("")]
                }
                None => vec![Value::str(""), Value::str(""), Value::Str(s.clone())],
            }))
        }
        "encode" => Err(fail(
            ExcType::RuntimeError,
            "bytes are outside the playground's subset: keep the text as a str",
        )),
        _ => Err(aio::no_attr(&Value::Str(s.clone()), name)),
    }
}

async fn list_method(
    cx: &Cx,
    recv: &Value,
    l: &Rc<super::value::ListCell>,
    name: &str,
    positional: Vec<Value>,
    keywords: &[(Rc<str>, Value)],
) -> Res<Value> {
    let one = |func: &str| {
        positional
            .first()
            .cloned()
            .ok_or_else(|| type_error(format!("{func}() takes exactly one argument (0 given)")))
    };
    match name {
        "append" => {
            let v = one("append")?;
            let mut l = l.borrow_mut();
            if l.len() >= ops::MAX_ITEMS {
                return Err(fail(
                    ExcType::MemoryError,
                    "the playground caps a list at 20000000 items",
                ));
            }
            l.push(v);
            Ok(Value::None)
        }
        "extend" => {
            let items = collect(cx, &one("extend")?)?;
            let mut l = l.borrow_mut();
            if l.len() + items.len() > ops::MAX_ITEMS {
                return Err(fail(
                    ExcType::MemoryError,
                    "the playground caps a list at 20000000 items",
                ));
            }
            l.extend(items);
            Ok(Value::None)
        }
        "insert" => {
            arity("insert", &positional, 2, 2)?;
            let i = int_arg(&positional[0], "insert")?;
            let mut l = l.borrow_mut();
            if l.len() >= ops::MAX_ITEMS {
                return Err(fail(
                    ExcType::MemoryError,
                    "the playground caps a list at 20000000 items",
                ));
            }
            let len = l.len() as i128;
            let at = if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
            l.insert(at, positional[1].clone());
            Ok(Value::None)
        }
        "pop" => {
            let mut l = l.borrow_mut();
            if l.is_empty() {
                return Err(fail(ExcType::IndexError, "pop from empty list"));
            }
            let i = match positional.first() {
                Some(v) => ops::index(int_arg(v, "pop")?, l.len(), "pop")?,
                None => l.len() - 1,
            };
            Ok(l.remove(i))
        }
        "remove" => {
            let x = one("remove")?;
            let mut l = l.borrow_mut();
            match l.iter().position(|v| v.eq(&x)) {
                Some(i) => {
                    l.remove(i);
                    Ok(Value::None)
                }
                None => Err(fail(ExcType::ValueError, "list.remove(x): x not in list")),
            }
        }
        "index" => seq_index(&l.borrow(), positional.first(), "list"),
        "count" => {
            let x = one("count")?;
            Ok(Value::Int(
                l.borrow().iter().filter(|v| v.eq(&x)).count() as i128
            ))
        }
        "sort" => {
            let items = l.borrow().clone();
            let keys = keys_of(cx, &items, kwarg(keywords, "key")).await?;
            let reverse = kwarg(keywords, "reverse").is_some_and(Value::truthy);
            *l.borrow_mut() = sort_by_keys(items, keys, reverse)?;
            Ok(Value::None)
        }
        "reverse" => {
            l.borrow_mut().reverse();
            Ok(Value::None)
        }
        "clear" => {
            l.borrow_mut().clear();
            Ok(Value::None)
        }
        "copy" => Ok(Value::list(l.borrow().clone())),
        _ => Err(aio::no_attr(recv, name)),
    }
}

fn dict_method(
    cx: &Cx,
    d: &Rc<RefCell<Dict>>,
    name: &str,
    positional: Vec<Value>,
    keywords: &[(Rc<str>, Value)],
) -> Res<Value> {
    let key_of = |v: &Value| v.key().map_err(type_error);
    match name {
        "get" => {
            arity("get", &positional, 1, 2)?;
            let k = key_of(&positional[0])?;
            Ok(d.borrow()
                .get(&k)
                .cloned()
                .unwrap_or_else(|| positional.get(1).cloned().unwrap_or(Value::None)))
        }
        "keys" => Ok(Value::View(View::Keys, d.clone())),
        "values" => Ok(Value::View(View::Values, d.clone())),
        "items" => Ok(Value::View(View::Items, d.clone())),
        "pop" => {
            arity("pop", &positional, 1, 2)?;
            let k = key_of(&positional[0])?;
            let removed = d.borrow_mut().remove(&k);
            match (removed, positional.get(1)) {
                (Some(v), _) => Ok(v),
                (None, Some(default)) => Ok(default.clone()),
                (None, None) => Err(Flow::Exc(ExcObj::new(
                    ExcType::KeyError,
                    vec![positional[0].clone()],
                ))),
            }
        }
        "popitem" => {
            let last = d.borrow().last_key();
            let Some(k) = last else {
                return Err(Flow::Exc(ExcObj::new(
                    ExcType::KeyError,
                    vec![Value::str("popitem(): dictionary is empty")],
                )));
            };
            let v = d.borrow_mut().remove(&key_of(&k)?).unwrap_or(Value::None);
            Ok(Value::tuple(vec![k, v]))
        }
        "setdefault" => {
            arity("setdefault", &positional, 1, 2)?;
            let k = key_of(&positional[0])?;
            if let Some(v) = d.borrow().get(&k) {
                return Ok(v.clone());
            }
            let v = positional.get(1).cloned().unwrap_or(Value::None);
            d.borrow_mut().insert(k, positional[0].clone(), v.clone());
            Ok(v)
        }
        "update" => {
            if let Some(other) = positional.first() {
                let pairs: Vec<(Value, Value)> = match other {
                    Value::Dict(o) => o
                        .borrow()
                        .items()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    other => collect(cx, other)?
                        .into_iter()
                        .map(|p| {
                            let kv = collect(cx, &p)?;
                            match <[Value; 2]>::try_from(kv) {
                                Ok([k, v]) => Ok((k, v)),
                                Err(_) => Err(fail(
                                    ExcType::ValueError,
                                    "dictionary update sequence element has the wrong length",
                                )),
                            }
                        })
                        .collect::<Res<_>>()?,
                };
                for (k, v) in pairs {
                    d.borrow_mut().insert(key_of(&k)?, k, v);
                }
            }
            for (k, v) in keywords {
                d.borrow_mut()
                    .insert(Key::Str(k.clone()), Value::Str(k.clone()), v.clone());
            }
            Ok(Value::None)
        }
        "clear" => {
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        "copy" => {
            let mut out = Dict::new();
            for (k, v) in d.borrow().items() {
                out.insert(key_of(k)?, k.clone(), v.clone());
            }
            Ok(Value::Dict(Rc::new(RefCell::new(out))))
        }
        _ => Err(aio::no_attr(&Value::Dict(d.clone()), name)),
    }
}

fn set_method(cx: &Cx, d: &Rc<RefCell<Dict>>, name: &str, positional: Vec<Value>) -> Res<Value> {
    let key_of = |v: &Value| v.key().map_err(type_error);
    match name {
        "add" => {
            let v = positional.first().cloned().unwrap_or(Value::None);
            d.borrow_mut().insert(key_of(&v)?, v, Value::None);
            Ok(Value::None)
        }
        "discard" | "remove" => {
            let v = positional.first().cloned().unwrap_or(Value::None);
            let removed = d.borrow_mut().remove(&key_of(&v)?);
            if removed.is_none() && name == "remove" {
                return Err(Flow::Exc(ExcObj::new(ExcType::KeyError, vec![v])));
            }
            Ok(Value::None)
        }
        "pop" => {
            let last = d.borrow().last_key();
            let Some(k) = last else {
                return Err(fail(ExcType::KeyError, "pop from an empty set"));
            };
            d.borrow_mut().remove(&key_of(&k)?);
            Ok(k)
        }
        "clear" => {
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        "update" => {
            for other in &positional {
                for v in collect(cx, other)? {
                    d.borrow_mut().insert(key_of(&v)?, v, Value::None);
                }
            }
            Ok(Value::None)
        }
        "copy" => make_set(d.borrow().keys()),
        "union" | "intersection" | "difference" => {
            let other = make_set(match positional.first() {
                Some(v) => collect(cx, v)?,
                None => vec![],
            })?;
            let op = match name {
                "union" => crate::ast::BinOp::BitOr,
                "intersection" => crate::ast::BinOp::BitAnd,
                _ => crate::ast::BinOp::Sub,
            };
            ops::binop(op, &Value::Set(d.clone()), &other, false)
        }
        "issubset" => {
            let other = make_set(collect(cx, positional.first().unwrap_or(&Value::None))?)?;
            let Value::Set(o) = other else {
                return Ok(Value::Bool(false));
            };
            let o = o.borrow();
            Ok(Value::Bool(d.borrow().items().all(|(k, _)| {
                k.key().ok().is_some_and(|k| o.get(&k).is_some())
            })))
        }
        _ => Err(aio::no_attr(&Value::Set(d.clone()), name)),
    }
}

// ---- json ----

/// `json.dumps(value)` with its default separators.
pub(crate) fn json_dumps(v: &Value) -> Res<String> {
    let mut out = String::new();
    dump(v, &mut out, 0)?;
    Ok(out)
}

fn dump(v: &Value, out: &mut String, depth: usize) -> Res<()> {
    if depth > 100 {
        return Err(fail(
            ExcType::RecursionError,
            "maximum recursion depth exceeded while encoding a JSON object",
        ));
    }
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) if f.is_nan() => out.push_str("NaN"),
        Value::Float(f) if f.is_infinite() => {
            out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Value::Float(f) => out.push_str(&format::float_repr(*f)),
        Value::Str(s) => json_string(s, out),
        Value::List(_) | Value::Tuple(_) => {
            let items = match v {
                Value::List(l) => l.borrow().clone(),
                Value::Tuple(t) => t.to_vec(),
                _ => vec![],
            };
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, v)) in d.borrow().items().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let key = match k {
                    Value::Str(s) => s.to_string(),
                    Value::None => "null".into(),
                    Value::Bool(b) => (if *b { "true" } else { "false" }).into(),
                    Value::Int(_) | Value::Float(_) => k.repr(),
                    other => {
                        return Err(type_error(format!(
                            "keys must be str, int, float, bool or None, not {}",
                            other.type_name()
                        )))
                    }
                };
                json_string(&key, out);
                out.push_str(": ");
                dump(v, out, depth + 1)?;
            }
            out.push('}');
        }
        other => {
            return Err(type_error(format!(
                "Object of type {} is not JSON serializable",
                other.type_name()
            )))
        }
    }
    Ok(())
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.loads(text)`
pub(crate) fn json_loads(text: &str) -> Res<Value> {
    let mut p = JsonParser {
        s: text.as_bytes(),
        i: 0,
        text,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.error("Extra data"));
    }
    Ok(v)
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl JsonParser<'_> {
    fn error(&self, what: &str) -> Flow {
        let before = &self.text.as_bytes()[..self.i.min(self.s.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let col = self.i
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map(|p| p + 1)
                .unwrap_or(0)
            + 1;
        fail(
            ExcType::JSONDecodeError,
            format!("{what}: line {line} column {col} (char {})", self.i),
        )
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Res<Value> {
        if depth > 200 {
            return Err(self.error("Nesting too deep"));
        }
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut d = Dict::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::Dict(Rc::new(RefCell::new(d))));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.error("Expecting property name enclosed in double quotes"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return Err(self.error("Expecting ':' delimiter"));
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    d.insert(Key::Str(Rc::from(k.as_str())), Value::str(&k), v);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Dict(Rc::new(RefCell::new(d))));
                        }
                        _ => return Err(self.error("Expecting ',' delimiter")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::list(items));
                        }
                        _ => return Err(self.error("Expecting ',' delimiter")),
                    }
                }
            }
            Some(b'"') => Ok(Value::str(&self.string()?)),
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Value::None)
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'
                    )
                {
                    self.i += 1;
                }
                let n = &self.text[start..self.i];
                if let Ok(i) = n.parse::<i128>() {
                    Ok(Value::Int(i))
                } else if let Ok(f) = n.parse::<f64>() {
                    Ok(Value::Float(f))
                } else {
                    self.i = start;
                    Err(self.error("Expecting value"))
                }
            }
            _ => Err(self.error("Expecting value")),
        }
    }

    fn string(&mut self) -> Res<String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.error("Unterminated string starting at"));
            };
            match b {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let esc = self.s.get(self.i + 1).copied();
                    self.i += 2;
                    match esc {
                        Some(b'n') => out.push('\n'),
                        Some(b't') => out.push('\t'),
                        Some(b'r') => out.push('\r'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'/') => out.push('/'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'"') => out.push('"'),
                        Some(b'u') => {
                            let hex = self
                                .text
                                .get(self.i..self.i + 4)
                                .and_then(|h| u32::from_str_radix(h, 16).ok());
                            let Some(mut code) = hex else {
                                return Err(self.error("Invalid \\uXXXX escape"));
                            };
                            self.i += 4;
                            if (0xd800..0xdc00).contains(&code)
                                && self.s.get(self.i) == Some(&b'\\')
                                && self.s.get(self.i + 1) == Some(&b'u')
                            {
                                if let Some(low) = self
                                    .text
                                    .get(self.i + 2..self.i + 6)
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                                {
                                    if (0xdc00..0xe000).contains(&low) {
                                        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                                        self.i += 6;
                                    }
                                }
                            }
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(self.error("Invalid \\escape")),
                    }
                }
                _ => {
                    let rest = &self.text[self.i..];
                    let c = rest.chars().next().unwrap_or('\u{fffd}');
                    out.push(c);
                    self.i += c.len_utf8().max(1);
                }
            }
        }
    }
}
