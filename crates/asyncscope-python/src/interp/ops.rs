//! Operators on values: arithmetic, comparison, indexing, as Python's for the subset's types.
//! Everything here is synchronous and raises through [`Res`].

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use super::exc::{ExcObj, ExcType};
use super::value::{Dict, Num, Range, Value};
use super::{fail, Flow, Res};
use crate::ast::{BinOp, CmpOp, UnaryOp};
use crate::format::{self, FmtArg, PercentArgs};

/// The longest string or list an operation may build (the run's memory cap, item by item).
pub const MAX_ITEMS: usize = 20_000_000;

fn overflow() -> Flow {
    fail(
        ExcType::OverflowError,
        "integer too large: the playground's ints are 128-bit",
    )
}

fn unsupported(op: &str, a: &Value, b: &Value) -> Flow {
    fail(
        ExcType::TypeError,
        format!(
            "unsupported operand type(s) for {op}: '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ),
    )
}

pub fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mult => "*",
        BinOp::MatMult => "@",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "** or pow()",
        BinOp::LShift => "<<",
        BinOp::RShift => ">>",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
        BinOp::BitAnd => "&",
    }
}

fn check_len(n: usize) -> Res<()> {
    if n > MAX_ITEMS {
        Err(fail(
            ExcType::MemoryError,
            format!("the playground caps a string or list at {MAX_ITEMS} items"),
        ))
    } else {
        Ok(())
    }
}

/// A repeat count: `x * n` for any int `n` (past `usize`, the cap refuses it).
fn count(n: i128) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

fn repeat<T: Clone>(items: &[T], n: i128) -> Res<Vec<T>> {
    let n = count(n);
    check_len(items.len().saturating_mul(n))?;
    let mut out = Vec::with_capacity(items.len() * n);
    for _ in 0..n {
        out.extend_from_slice(items);
    }
    Ok(out)
}

/// `a op b`. `in_place` is `+=` on a list: it extends the list itself.
pub fn binop(op: BinOp, a: &Value, b: &Value, in_place: bool) -> Res<Value> {
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return num_op(op, x, y).map_err(|e| e.unwrap_or_else(|| unsupported(op_symbol(op), a, b)));
    }
    match (op, a, b) {
        (BinOp::Add, Value::Str(x), Value::Str(y)) => {
            check_len(x.len() + y.len())?;
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::Str(Rc::from(s)))
        }
        (BinOp::Add, Value::List(x), Value::List(y)) => {
            let extra = y.borrow().clone();
            if in_place {
                check_len(x.borrow().len() + extra.len())?;
                x.borrow_mut().extend(extra);
                Ok(a.clone())
            } else {
                let mut v = x.borrow().clone();
                check_len(v.len() + extra.len())?;
                v.extend(extra);
                Ok(Value::list(v))
            }
        }
        (BinOp::Add, Value::Tuple(x), Value::Tuple(y)) => {
            check_len(x.len() + y.len())?;
            let mut v = x.to_vec();
            v.extend(y.iter().cloned());
            Ok(Value::tuple(v))
        }
        (BinOp::Mult, Value::Str(s), n) | (BinOp::Mult, n, Value::Str(s))
            if n.as_int().is_some() =>
        {
            let n = count(n.as_int().unwrap_or(0));
            check_len(s.len().saturating_mul(n))?;
            Ok(Value::Str(Rc::from(s.repeat(n))))
        }
        (BinOp::Mult, Value::List(l), n) | (BinOp::Mult, n, Value::List(l))
            if n.as_int().is_some() =>
        {
            let items = l.borrow().clone();
            Ok(Value::list(repeat(&items, n.as_int().unwrap_or(0))?))
        }
        (BinOp::Mult, Value::Tuple(t), n) | (BinOp::Mult, n, Value::Tuple(t))
            if n.as_int().is_some() =>
        {
            Ok(Value::tuple(repeat(t, n.as_int().unwrap_or(0))?))
        }
        (BinOp::Mod, Value::Str(s), args) => percent(s, args),
        (BinOp::BitOr, Value::Dict(x), Value::Dict(y)) => {
            let mut d = Dict::new();
            for (k, v) in x.borrow().items().chain(y.borrow().items()) {
                d.insert(k.key().map_err(type_error)?, k.clone(), v.clone());
            }
            Ok(Value::Dict(Rc::new(RefCell::new(d))))
        }
        (
            BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor,
            Value::Set(x),
            Value::Set(y),
        ) => {
            let (x, y) = (x.borrow(), y.borrow());
            let mut d = Dict::new();
            let in_y = |k: &Value| k.key().ok().is_some_and(|key| y.get(&key).is_some());
            let in_x = |k: &Value| k.key().ok().is_some_and(|key| x.get(&key).is_some());
            for (k, _) in x.items() {
                let keep = match op {
                    BinOp::BitOr => true,
                    BinOp::BitAnd => in_y(k),
                    _ => !in_y(k),
                };
                if keep {
                    d.insert(k.key().map_err(type_error)?, k.clone(), Value::None);
                }
            }
            if matches!(op, BinOp::BitOr | BinOp::BitXor) {
                for (k, _) in y.items() {
                    if !in_x(k) {
                        d.insert(k.key().map_err(type_error)?, k.clone(), Value::None);
                    }
                }
            }
            Ok(Value::Set(Rc::new(RefCell::new(d))))
        }
        (BinOp::Add, Value::Str(_) | Value::List(_) | Value::Tuple(_), _) => {
            Err(type_error(format!(
                "can only concatenate {} (not \"{}\") to {}",
                a.type_name(),
                b.type_name(),
                a.type_name()
            )))
        }
        _ => Err(unsupported(op_symbol(op), a, b)),
    }
}

/// A TypeError in words; hashing a tuple nested past the cap says so as CPython would, with a
/// RecursionError.
pub fn type_error(message: String) -> Flow {
    if message.starts_with("maximum recursion depth exceeded") {
        return fail(ExcType::RecursionError, message);
    }
    fail(ExcType::TypeError, message)
}

/// Arithmetic on two numbers: `Err(None)` when the operator does not apply (a TypeError the
/// caller words with the operand types).
fn num_op(op: BinOp, a: Num, b: Num) -> Result<Value, Option<Flow>> {
    use Num::Int;
    let zero = |what: &str| Some(fail(ExcType::ZeroDivisionError, what.to_string()));
    match (a, b) {
        (Int(x), Int(y)) => Ok(Value::Int(match op {
            BinOp::Add => x.checked_add(y).ok_or_else(|| Some(overflow()))?,
            BinOp::Sub => x.checked_sub(y).ok_or_else(|| Some(overflow()))?,
            BinOp::Mult => x.checked_mul(y).ok_or_else(|| Some(overflow()))?,
            BinOp::Div => {
                if y == 0 {
                    return Err(zero("division by zero"));
                }
                return Ok(Value::Float(int_div(x, y)));
            }
            BinOp::FloorDiv => {
                if y == 0 {
                    return Err(zero("integer division or modulo by zero"));
                }
                let q = x.checked_div(y).ok_or_else(|| Some(overflow()))?;
                if (x % y != 0) && ((x < 0) != (y < 0)) {
                    q - 1
                } else {
                    q
                }
            }
            BinOp::Mod => {
                if y == 0 {
                    return Err(zero("integer division or modulo by zero"));
                }
                let r = x.checked_rem(y).ok_or_else(|| Some(overflow()))?;
                if r != 0 && ((r < 0) != (y < 0)) {
                    r + y
                } else {
                    r
                }
            }
            BinOp::Pow => {
                if y < 0 {
                    if x == 0 {
                        return Err(zero("0.0 cannot be raised to a negative power"));
                    }
                    return Ok(Value::Float((x as f64).powf(y as f64)));
                }
                let e = u32::try_from(y).map_err(|_| Some(overflow()))?;
                x.checked_pow(e).ok_or_else(|| Some(overflow()))?
            }
            BinOp::LShift => {
                if y < 0 {
                    return Err(Some(fail(ExcType::ValueError, "negative shift count")));
                }
                if x == 0 {
                    0
                } else {
                    let s = u32::try_from(y).map_err(|_| Some(overflow()))?;
                    if s >= 127 || (x.unsigned_abs().leading_zeros() as i128) <= y {
                        return Err(Some(overflow()));
                    }
                    x << s
                }
            }
            BinOp::RShift => {
                if y < 0 {
                    return Err(Some(fail(ExcType::ValueError, "negative shift count")));
                }
                x >> y.min(127) as u32
            }
            BinOp::BitAnd => x & y,
            BinOp::BitOr => x | y,
            BinOp::BitXor => x ^ y,
            BinOp::MatMult => return Err(None),
        })),
        (a, b) => {
            let (x, y) = (a.as_f64(), b.as_f64());
            Ok(Value::Float(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mult => x * y,
                BinOp::Div => {
                    if y == 0.0 {
                        return Err(zero("float division by zero"));
                    }
                    x / y
                }
                BinOp::FloorDiv => {
                    if y == 0.0 {
                        return Err(zero("float floor division by zero"));
                    }
                    float_floordiv(x, y)
                }
                BinOp::Mod => {
                    if y == 0.0 {
                        return Err(zero("float modulo"));
                    }
                    float_mod(x, y)
                }
                BinOp::Pow => {
                    if x == 0.0 && y < 0.0 {
                        return Err(zero("0.0 cannot be raised to a negative power"));
                    }
                    let r = x.powf(y);
                    if r.is_infinite() && x.is_finite() && y.is_finite() {
                        return Err(Some(fail(
                            ExcType::OverflowError,
                            "(34, 'Numerical result out of range')",
                        )));
                    }
                    r
                }
                _ => return Err(None),
            }))
        }
    }
}

/// `x / y` for ints, correctly rounded for the sizes the playground meets.
fn int_div(x: i128, y: i128) -> f64 {
    if x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) {
        x as f64 / y as f64
    } else {
        let q = x / y;
        let r = x % y;
        q as f64 + r as f64 / y as f64
    }
}

fn float_mod(x: f64, y: f64) -> f64 {
    let r = x % y;
    if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
        r + y
    } else if r == 0.0 {
        0.0_f64.copysign(y)
    } else {
        r
    }
}

fn float_floordiv(x: f64, y: f64) -> f64 {
    let m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 && ((y < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div == 0.0 {
        0.0_f64.copysign(x / y)
    } else {
        let floor = div.floor();
        if div - floor > 0.5 {
            floor + 1.0
        } else {
            floor
        }
    }
}

/// `template % args`
fn percent(template: &str, args: &Value) -> Res<Value> {
    let out = match args {
        Value::Tuple(items) => {
            let strs: Vec<FmtArg> = items.iter().map(fmt_arg).collect();
            format::percent_format(template, PercentArgs::Positional(&strs))
        }
        Value::Dict(d) if template.contains("%(") => {
            let d = d.borrow();
            let lookup = |name: &str| -> Option<FmtArg> {
                d.get(&super::value::Key::Str(Rc::from(name))).map(fmt_arg)
            };
            format::percent_format(template, PercentArgs::Mapping(&lookup))
        }
        one => {
            let arg = [fmt_arg(one)];
            format::percent_format(template, PercentArgs::Positional(&arg))
        }
    };
    out.map(|s| Value::Str(Rc::from(s))).map_err(format_error)
}

pub fn format_error(e: format::FormatError) -> Flow {
    let ty = ExcType::builtin(e.kind).unwrap_or(ExcType::ValueError);
    if ty == ExcType::KeyError {
        // The message is the key's repr: the key is a str, quoted either way.
        let m = e.message.as_str();
        let key = m
            .strip_prefix('\'')
            .and_then(|k| k.strip_suffix('\''))
            .or_else(|| m.strip_prefix('"').and_then(|k| k.strip_suffix('"')))
            .unwrap_or(m);
        return Flow::Exc(ExcObj::new(ty, vec![Value::str(key)]));
    }
    fail(ty, e.message)
}

/// A value as the formatting functions take it.
pub fn fmt_arg(v: &Value) -> FmtArg<'_> {
    match v {
        Value::Int(i) => FmtArg::Int(*i),
        Value::Float(f) => FmtArg::Float(*f),
        Value::Bool(b) => FmtArg::Bool(*b),
        Value::Str(s) => FmtArg::Str(s),
        other => FmtArg::Other {
            str: other.to_str(),
            repr: other.repr(),
            type_name: other.type_name(),
        },
    }
}

pub fn unary(op: UnaryOp, v: &Value) -> Res<Value> {
    match (op, v) {
        (UnaryOp::Not, v) => Ok(Value::Bool(!v.truthy())),
        (UnaryOp::Neg, v) => match v.as_number() {
            Some(Num::Int(i)) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
            Some(Num::Float(f)) => Ok(Value::Float(-f)),
            None => Err(type_error(format!(
                "bad operand type for unary -: '{}'",
                v.type_name()
            ))),
        },
        (UnaryOp::Pos, v) => match v.as_number() {
            Some(Num::Int(i)) => Ok(Value::Int(i)),
            Some(Num::Float(f)) => Ok(Value::Float(f)),
            None => Err(type_error(format!(
                "bad operand type for unary +: '{}'",
                v.type_name()
            ))),
        },
        (UnaryOp::Invert, v) => match v.as_int() {
            Some(i) => Ok(Value::Int(!i)),
            None => Err(type_error(format!(
                "bad operand type for unary ~: '{}'",
                v.type_name()
            ))),
        },
    }
}

/// `a < b` and friends: numbers, strings, and lists or tuples item by item.
pub fn order(a: &Value, b: &Value, op: &str) -> Res<Ordering> {
    order_at(a, b, op, 0)
}

fn order_at(a: &Value, b: &Value, op: &str, depth: u32) -> Res<Ordering> {
    if depth > super::value::MAX_COMPARE_DEPTH {
        return Err(too_deep("in comparison"));
    }
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return Ok(match (x, y) {
            (Num::Int(x), Num::Int(y)) => x.cmp(&y),
            (x, y) => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
        });
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        (Value::List(x), Value::List(y)) => {
            seq_order(&x.borrow().clone(), &y.borrow().clone(), op, depth)
        }
        (Value::Tuple(x), Value::Tuple(y)) => seq_order(x, y, op, depth),
        _ => Err(type_error(format!(
            "'{op}' not supported between instances of '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ))),
    }
}

fn seq_order(x: &[Value], y: &[Value], op: &str, depth: u32) -> Res<Ordering> {
    for (a, b) in x.iter().zip(y) {
        let equal = a.eq(b);
        if super::value::take_too_deep() {
            return Err(too_deep("in comparison"));
        }
        if !equal {
            return order_at(a, b, op, depth + 1);
        }
    }
    Ok(x.len().cmp(&y.len()))
}

/// One comparison of a chain.
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> Res<bool> {
    let result = compare_inner(op, a, b)?;
    if super::value::take_too_deep() {
        return Err(too_deep("in comparison"));
    }
    Ok(result)
}

fn too_deep(when: &str) -> Flow {
    fail(
        ExcType::RecursionError,
        format!("maximum recursion depth exceeded {when}"),
    )
}

fn compare_inner(op: CmpOp, a: &Value, b: &Value) -> Res<bool> {
    let nan = |v: &Value| matches!(v, Value::Float(f) if f.is_nan());
    Ok(match op {
        CmpOp::Eq => a.eq(b),
        CmpOp::NotEq => !a.eq(b),
        CmpOp::Is => a.is(b),
        CmpOp::IsNot => !a.is(b),
        CmpOp::In => contains(b, a)?,
        CmpOp::NotIn => !contains(b, a)?,
        CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
            let symbol = match op {
                CmpOp::Lt => "<",
                CmpOp::LtE => "<=",
                CmpOp::Gt => ">",
                _ => ">=",
            };
            let ord = order(a, b, symbol)?;
            if nan(a) || nan(b) {
                return Ok(false);
            }
            match op {
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::LtE => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }
        }
    })
}

/// `item in container`
pub fn contains(container: &Value, item: &Value) -> Res<bool> {
    Ok(match container {
        Value::Str(s) => match item {
            Value::Str(sub) => s.contains(&**sub),
            other => {
                return Err(type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    other.type_name()
                )))
            }
        },
        Value::List(l) => l.borrow().iter().any(|x| x.eq(item)),
        Value::Tuple(t) => t.iter().any(|x| x.eq(item)),
        Value::Dict(d) | Value::Set(d) | Value::View(super::value::View::Keys, d) => {
            let key = item.key().map_err(type_error)?;
            d.borrow().get(&key).is_some()
        }
        Value::View(kind, d) => kind.items(&d.borrow()).iter().any(|x| x.eq(item)),
        Value::Range(r) => match item.as_int() {
            Some(i) => {
                let len = r.len();
                len > 0
                    && i.checked_sub(r.start).is_some_and(|off| {
                        off % r.step == 0 && off / r.step >= 0 && off / r.step < len
                    })
            }
            None => false,
        },
        other => {
            return Err(type_error(format!(
                "argument of type '{}' is not iterable",
                other.type_name()
            )))
        }
    })
}

/// A Python index (negative from the end) into a sequence of `len`.
pub fn index(i: i128, len: usize, what: &str) -> Res<usize> {
    let len = len as i128;
    let j = if i < 0 { i + len } else { i };
    if j < 0 || j >= len {
        Err(fail(
            ExcType::IndexError,
            format!("{what} index out of range"),
        ))
    } else {
        Ok(j as usize)
    }
}

/// The positions a slice `lower:upper:step` picks from a sequence of `len`.
pub fn slice_indices(
    lower: Option<i128>,
    upper: Option<i128>,
    step: Option<i128>,
    len: usize,
) -> Res<Vec<usize>> {
    let len = len as i128;
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(fail(ExcType::ValueError, "slice step cannot be zero"));
    }
    let clamp = |v: i128, lo: i128, hi: i128| v.max(lo).min(hi);
    let fix = |v: i128| if v < 0 { v + len } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let start = clamp(lower.map(fix).unwrap_or(0), 0, len);
        let stop = clamp(upper.map(fix).unwrap_or(len), 0, len);
        let mut i = start;
        while i < stop {
            out.push(i as usize);
            let Some(next) = i.checked_add(step) else {
                break;
            };
            i = next;
        }
    } else {
        let start = clamp(lower.map(fix).unwrap_or(len - 1), -1, len - 1);
        let stop = clamp(upper.map(fix).unwrap_or(-1), -1, len - 1);
        let mut i = start;
        while i > stop {
            out.push(i as usize);
            let Some(next) = i.checked_add(step) else {
                break;
            };
            i = next;
        }
    }
    Ok(out)
}

/// `container[key]`
pub fn get_item(container: &Value, key: &Value) -> Res<Value> {
    match (container, key) {
        (Value::List(l), k) if k.as_int().is_some() => {
            let l = l.borrow();
            let i = index(k.as_int().unwrap_or(0), l.len(), "list")?;
            Ok(l[i].clone())
        }
        (Value::Tuple(t), k) if k.as_int().is_some() => {
            let i = index(k.as_int().unwrap_or(0), t.len(), "tuple")?;
            Ok(t[i].clone())
        }
        (Value::Str(s), k) if k.as_int().is_some() => {
            let i = k.as_int().unwrap_or(0);
            let count = s.chars().count();
            let j = index(i, count, "string")?;
            Ok(Value::str(
                &s.chars().nth(j).map(String::from).unwrap_or_default(),
            ))
        }
        (Value::Range(r), k) if k.as_int().is_some() => {
            // In i128: a range may be longer than any usize.
            let (i, len) = (k.as_int().unwrap_or(0), r.len());
            let j = if i < 0 { i.saturating_add(len) } else { i };
            (0..len)
                .contains(&j)
                .then(|| j.checked_mul(r.step).and_then(|o| r.start.checked_add(o)))
                .flatten()
                .map(Value::Int)
                .ok_or_else(|| fail(ExcType::IndexError, "range object index out of range"))
        }
        (Value::Dict(d), k) => {
            let key = k.key().map_err(type_error)?;
            d.borrow()
                .get(&key)
                .cloned()
                .ok_or_else(|| Flow::Exc(ExcObj::new(ExcType::KeyError, vec![k.clone()])))
        }
        (Value::List(_) | Value::Tuple(_) | Value::Str(_), k) => Err(type_error(format!(
            "{} indices must be integers or slices, not {}",
            container.type_name(),
            k.type_name()
        ))),
        _ => Err(type_error(format!(
            "'{}' object is not subscriptable",
            container.type_name()
        ))),
    }
}

/// `container[lower:upper:step]`
pub fn get_slice(
    container: &Value,
    lower: Option<i128>,
    upper: Option<i128>,
    step: Option<i128>,
) -> Res<Value> {
    match container {
        Value::List(l) => {
            let l = l.borrow();
            let picked = slice_indices(lower, upper, step, l.len())?;
            Ok(Value::list(
                picked.into_iter().map(|i| l[i].clone()).collect(),
            ))
        }
        Value::Tuple(t) => {
            let picked = slice_indices(lower, upper, step, t.len())?;
            Ok(Value::tuple(
                picked.into_iter().map(|i| t[i].clone()).collect(),
            ))
        }
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let picked = slice_indices(lower, upper, step, chars.len())?;
            Ok(Value::str(
                &picked.into_iter().map(|i| chars[i]).collect::<String>(),
            ))
        }
        Value::Range(r) => {
            let len = usize::try_from(r.len()).unwrap_or(0);
            let picked = slice_indices(lower, upper, step, len)?;
            Ok(Value::list(
                picked
                    .into_iter()
                    .map(|i| Value::Int(r.start + i as i128 * r.step))
                    .collect(),
            ))
        }
        _ => Err(type_error(format!(
            "'{}' object is not subscriptable",
            container.type_name()
        ))),
    }
}

/// `container[key] = value`
pub fn set_item(container: &Value, key: &Value, value: Value) -> Res<()> {
    match container {
        Value::List(l) => {
            let i = key.as_int().ok_or_else(|| {
                type_error(format!(
                    "list indices must be integers or slices, not {}",
                    key.type_name()
                ))
            })?;
            let mut l = l.borrow_mut();
            let j = index(i, l.len(), "list assignment")?;
            l[j] = value;
            Ok(())
        }
        Value::Dict(d) => {
            let k = key.key().map_err(type_error)?;
            d.borrow_mut().insert(k, key.clone(), value);
            Ok(())
        }
        _ => Err(type_error(format!(
            "'{}' object does not support item assignment",
            container.type_name()
        ))),
    }
}

/// `del container[key]`
pub fn del_item(container: &Value, key: &Value) -> Res<()> {
    match container {
        Value::List(l) => {
            let i = key
                .as_int()
                .ok_or_else(|| type_error("list indices must be integers".into()))?;
            let mut l = l.borrow_mut();
            let j = index(i, l.len(), "list assignment")?;
            l.remove(j);
            Ok(())
        }
        Value::Dict(d) => {
            let k = key.key().map_err(type_error)?;
            d.borrow_mut()
                .remove(&k)
                .map(|_| ())
                .ok_or_else(|| Flow::Exc(ExcObj::new(ExcType::KeyError, vec![key.clone()])))
        }
        _ => Err(type_error(format!(
            "'{}' object doesn't support item deletion",
            container.type_name()
        ))),
    }
}

pub fn range(start: i128, stop: i128, step: i128) -> Res<Value> {
    if step == 0 {
        return Err(fail(ExcType::ValueError, "range() arg 3 must not be zero"));
    }
    Ok(Value::Range(Range { start, stop, step }))
}
