//! The interpreter's values: what a Python name can hold in the playground's subset.
//!
//! One thread, no garbage collector: containers are `Rc<RefCell<..>>` (a list that holds itself
//! leaks, as CPython's would without its cycle collector; the run's memory cap still bounds it).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

use super::aio::{AioObject, CoroObj, TaskObj};
use super::eval::Function;
use super::exc::{ExcObj, ExcType};
use super::gen::GenObj;
use super::http::HttpObject;
use crate::format;

/// A Python value.
#[derive(Clone)]
pub enum Value {
    None,
    Bool(bool),
    /// 128 bits; arithmetic past that raises OverflowError instead of growing.
    Int(i128),
    Float(f64),
    Str(Rc<str>),
    List(Rc<ListCell>),
    Tuple(Rc<TupleCell>),
    Dict(Rc<RefCell<Dict>>),
    /// A set: a dict whose values are all `None`.
    Set(Rc<RefCell<Dict>>),
    /// `d.keys()`, `d.values()`, `d.items()`: live views of a dict.
    View(View, Rc<RefCell<Dict>>),
    Range(Range),
    Iter(Rc<RefCell<Iter>>),
    Function(Rc<Function>),
    Builtin(Builtin),
    /// `obj.method`: the receiver and the method's name, called later.
    Method(Rc<(Value, Rc<str>)>),
    Module(Module),
    ExcType(ExcType),
    Exc(Rc<ExcObj>),
    Coro(Rc<CoroObj>),
    Task(Rc<TaskObj>),
    Gen(Rc<GenObj>),
    Aio(Rc<AioObject>),
    Http(Rc<HttpObject>),
    /// `int`, `str`, ...: callable, and what `isinstance` checks against.
    Type(TypeName),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Keys,
    Values,
    Items,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Keys => "dict_keys",
            View::Values => "dict_values",
            View::Items => "dict_items",
        }
    }

    /// The view's items now.
    pub fn items(self, d: &Dict) -> Vec<Value> {
        d.items()
            .map(|(k, v)| match self {
                View::Keys => k.clone(),
                View::Values => v.clone(),
                View::Items => Value::tuple(vec![k.clone(), v.clone()]),
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: i128,
    pub stop: i128,
    pub step: i128,
}

impl Range {
    pub fn len(&self) -> i128 {
        // In u128: `range(-10**38, 10**38)` spans more than an i128 holds.
        let n = if (self.step > 0 && self.start < self.stop)
            || (self.step < 0 && self.start > self.stop)
        {
            (self.stop.abs_diff(self.start) - 1) / self.step.unsigned_abs() + 1
        } else {
            0
        };
        i128::try_from(n).unwrap_or(i128::MAX)
    }
}

/// An iterator over a snapshot or a live container.
pub enum Iter {
    /// Items taken one by one from a list (live: appends during iteration are seen, as CPython).
    List(Rc<ListCell>, usize),
    Items(std::vec::IntoIter<Value>),
    Range(Range, i128),
    Chars(Rc<str>, usize),
    /// `enumerate(it, start)`
    Enumerate(Box<Value>, i128),
    /// `zip(a, b, ...)`
    Zip(Vec<Value>),
}

/// How many `enumerate`s and `zip`s may wrap one another: `next()` goes down the chain.
pub const MAX_ITER_NESTING: u32 = 100;

/// How many `enumerate`s and `zip`s wrap one another in `v` (0 for anything else).
pub fn iter_nesting(v: &Value) -> u32 {
    fn at(v: &Value, depth: u32) -> u32 {
        if depth > MAX_ITER_NESTING {
            return depth;
        }
        let Value::Iter(it) = v else { return 0 };
        let Ok(it) = it.try_borrow() else { return 0 };
        match &*it {
            Iter::Enumerate(inner, _) => 1 + at(inner, depth + 1),
            // Each argument was checked when its zip was made: the first one's depth stands for
            // the rest well enough to stop a chain (a zip of many deep chains is deep anyway).
            Iter::Zip(items) => 1 + items.first().map_or(0, |i| at(i, depth + 1)),
            _ => 0,
        }
    }
    at(v, 0)
}

// ---- dropping deep data without recursion ----

thread_local! {
    static DROPPING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static GRAVEYARD: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
}

/// Drops `values` without recursing into them: a list nested 100,000 deep (`x = [x]` in a
/// loop) would otherwise be dropped by 100,000 nested drops, past any stack. The containers'
/// `Drop` hand their items here; inside a drop already under way they are queued, and the
/// outermost one drops the queue item by item.
pub(crate) fn drop_values(values: impl IntoIterator<Item = Value>) {
    if DROPPING.with(|d| d.get()) {
        GRAVEYARD.with_borrow_mut(|g| g.extend(values));
        return;
    }
    DROPPING.with(|d| d.set(true));
    for v in values {
        drop(v);
        while let Some(next) = GRAVEYARD.with_borrow_mut(Vec::pop) {
            drop(next);
        }
    }
    DROPPING.with(|d| d.set(false));
}

/// A list's items: a `RefCell<Vec<Value>>` that drops them without recursion.
pub struct ListCell(pub RefCell<Vec<Value>>);

impl std::ops::Deref for ListCell {
    type Target = RefCell<Vec<Value>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Drop for ListCell {
    fn drop(&mut self) {
        let items = std::mem::take(self.0.get_mut());
        if !items.is_empty() {
            drop_values(items);
        }
    }
}

/// A tuple's items, dropped without recursion.
pub struct TupleCell(pub Vec<Value>);

impl std::ops::Deref for TupleCell {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.0
    }
}

impl Drop for TupleCell {
    fn drop(&mut self) {
        let items = std::mem::take(&mut self.0);
        if !items.is_empty() {
            drop_values(items);
        }
    }
}

/// The modules a program can import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    Asyncio,
    Time,
    Random,
    Threading,
    Aiohttp,
    Sys,
    Json,
    Math,
    Contextlib,
    /// `concurrent.futures`: importable (the blocking lesson imports it), its executors refused when made.
    ConcurrentFutures,
}

impl Module {
    pub fn name(self) -> &'static str {
        match self {
            Module::Asyncio => "asyncio",
            Module::Time => "time",
            Module::Random => "random",
            Module::Threading => "threading",
            Module::Aiohttp => "aiohttp",
            Module::Sys => "sys",
            Module::Json => "json",
            Module::Math => "math",
            Module::Contextlib => "contextlib",
            Module::ConcurrentFutures => "concurrent.futures",
        }
    }
}

/// The builtin types a program can call or test with `isinstance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeName {
    Int,
    Float,
    Str,
    Bool,
    List,
    Tuple,
    Dict,
    Set,
    Object,
    /// Any other type, by name (`type(task).__name__`).
    Other(&'static str),
}

impl TypeName {
    pub fn name(self) -> &'static str {
        match self {
            TypeName::Int => "int",
            TypeName::Float => "float",
            TypeName::Str => "str",
            TypeName::Bool => "bool",
            TypeName::List => "list",
            TypeName::Tuple => "tuple",
            TypeName::Dict => "dict",
            TypeName::Set => "set",
            TypeName::Object => "object",
            TypeName::Other(name) => name,
        }
    }
}

/// A function written in Rust: a builtin or a module's function, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    pub module: Option<Module>,
    pub name: &'static str,
}

/// What a dict key hashes as: equal keys (`1`, `1.0`, `True`) hash alike, as in Python.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    None,
    Int(i128),
    Float(u64),
    Str(Rc<str>),
    Tuple(Vec<Key>),
    /// Objects hash by identity.
    Ptr(usize),
}

/// A dict: keys in insertion order, as Python's.
#[derive(Default)]
pub struct Dict {
    entries: Vec<Option<(Value, Value)>>,
    index: HashMap<Key, usize>,
    live: usize,
}

impl Drop for Dict {
    fn drop(&mut self) {
        let entries = std::mem::take(&mut self.entries);
        if !entries.is_empty() {
            drop_values(entries.into_iter().flatten().flat_map(|(k, v)| [k, v]));
        }
    }
}

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn get(&self, key: &Key) -> Option<&Value> {
        let &i = self.index.get(key)?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }

    pub fn insert(&mut self, key: Key, k: Value, v: Value) {
        if let Some(&i) = self.index.get(&key) {
            if let Some(entry) = self.entries[i].as_mut() {
                entry.1 = v;
            }
            return;
        }
        self.index.insert(key, self.entries.len());
        self.entries.push(Some((k, v)));
        self.live += 1;
    }

    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        let i = self.index.remove(key)?;
        let (_, v) = self.entries[i].take()?;
        self.live -= 1;
        if self.entries.len() > 32 && self.live * 2 < self.entries.len() {
            self.compact();
        }
        Some(v)
    }

    fn compact(&mut self) {
        self.entries.retain(Option::is_some);
        self.index.clear();
        for (i, (k, _)) in self.entries.iter().flatten().enumerate() {
            if let Ok(key) = k.key() {
                self.index.insert(key, i);
            }
        }
    }

    pub fn clear(&mut self) {
        let old = std::mem::take(self);
        drop(old);
    }

    pub fn items(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().flatten().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> Vec<Value> {
        self.items().map(|(k, _)| k.clone()).collect()
    }

    /// The first (oldest) key, for `popitem`-like uses and sets' `pop`.
    pub fn last_key(&self) -> Option<Value> {
        self.entries.iter().flatten().last().map(|(k, _)| k.clone())
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(ListCell(RefCell::new(items))))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(TupleCell(items)))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::View(v, _) => v.name(),
            Value::Range(_) => "range",
            Value::Iter(_) => "iterator",
            Value::Function(_) => "function",
            Value::Builtin(_) => "builtin_function_or_method",
            Value::Method(_) => "method",
            Value::Module(_) => "module",
            Value::ExcType(_) | Value::Type(_) => "type",
            Value::Exc(e) => e.ty.name(),
            Value::Coro(_) => "coroutine",
            Value::Task(_) => "Task",
            Value::Gen(_) => "generator",
            Value::Aio(a) => a.type_name(),
            Value::Http(h) => h.type_name(),
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::Set(d) | Value::View(_, d) => d.borrow().len() > 0,
            Value::Range(r) => r.len() > 0,
            _ => true,
        }
    }

    /// The key it hashes as, or the TypeError's words (`unhashable type: 'list'`).
    pub fn key(&self) -> Result<Key, String> {
        self.key_at(0)
    }

    fn key_at(&self, depth: u32) -> Result<Key, String> {
        if depth > MAX_COMPARE_DEPTH {
            return Err("maximum recursion depth exceeded while hashing a tuple".into());
        }
        Ok(match self {
            Value::None => Key::None,
            Value::Bool(b) => Key::Int(*b as i128),
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 1e38 {
                    Key::Int(*f as i128)
                } else {
                    Key::Float(f.to_bits())
                }
            }
            Value::Str(s) => Key::Str(s.clone()),
            Value::Tuple(t) => Key::Tuple(
                t.iter()
                    .map(|v| v.key_at(depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Value::List(_) | Value::Dict(_) | Value::Set(_) => {
                return Err(format!("unhashable type: '{}'", self.type_name()))
            }
            other => Key::Ptr(other.identity()),
        })
    }

    /// What `is` compares: the object's address, or for immediate values something equal
    /// exactly when CPython's small objects are identical (None, True, small ints).
    pub fn identity(&self) -> usize {
        match self {
            Value::None => 1,
            Value::Bool(b) => 2 + *b as usize,
            Value::Int(i) => *i as usize ^ 0x5a5a_0000,
            Value::Float(f) => f.to_bits() as usize,
            Value::Str(s) => Rc::as_ptr(s) as *const u8 as usize,
            Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
            Value::Tuple(t) => Rc::as_ptr(t) as *const u8 as usize,
            Value::Dict(d) | Value::Set(d) | Value::View(_, d) => {
                Rc::as_ptr(d) as *const u8 as usize
            }
            Value::Range(r) => r.start as usize ^ r.stop as usize,
            Value::Iter(i) => Rc::as_ptr(i) as *const u8 as usize,
            Value::Function(f) => Rc::as_ptr(f) as *const u8 as usize,
            Value::Builtin(b) => b.name.as_ptr() as usize,
            Value::Method(m) => Rc::as_ptr(m) as *const u8 as usize,
            Value::Module(m) => *m as usize + 16,
            Value::ExcType(t) => *t as usize + 64,
            Value::Type(t) => t.name().as_ptr() as usize,
            Value::Exc(e) => Rc::as_ptr(e) as *const u8 as usize,
            Value::Coro(c) => Rc::as_ptr(c) as *const u8 as usize,
            Value::Task(t) => Rc::as_ptr(t) as *const u8 as usize,
            Value::Gen(g) => Rc::as_ptr(g) as *const u8 as usize,
            Value::Aio(a) => Rc::as_ptr(a) as *const u8 as usize,
            Value::Http(h) => Rc::as_ptr(h) as *const u8 as usize,
        }
    }

    pub fn is(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b && (-5..=256).contains(a),
            (Value::Float(_), Value::Float(_)) => false,
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || (a.is_empty() && b.is_empty()),
            (Value::Tuple(a), Value::Tuple(b)) => {
                Rc::ptr_eq(a, b) || (a.is_empty() && b.is_empty())
            }
            _ => {
                std::mem::discriminant(self) == std::mem::discriminant(other)
                    && self.identity() == other.identity()
            }
        }
    }

    /// `==`, as Python's for the subset's types (numbers across int, float and bool). Past
    /// [`MAX_COMPARE_DEPTH`] nested containers it answers `false` and notes it, for
    /// [`take_too_deep`] to raise RecursionError.
    pub fn eq(&self, other: &Value) -> bool {
        self.eq_at(other, 0)
    }

    fn eq_at(&self, other: &Value, depth: u32) -> bool {
        if depth > MAX_COMPARE_DEPTH {
            TOO_DEEP.with(|t| t.set(true));
            return false;
        }
        let seq_eq = |a: &[Value], b: &[Value]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_at(y, depth + 1))
        };
        match (self, other) {
            (Value::None, Value::None) => true,
            (a, b) if a.as_number().is_some() && b.as_number().is_some() => {
                match (a.as_number(), b.as_number()) {
                    (Some(Num::Int(x)), Some(Num::Int(y))) => x == y,
                    (Some(x), Some(y)) => x.as_f64() == y.as_f64(),
                    _ => false,
                }
            }
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                Rc::ptr_eq(a, b) || seq_eq(&a.borrow(), &b.borrow())
            }
            (Value::Tuple(a), Value::Tuple(b)) => seq_eq(a, b),
            (Value::Dict(a), Value::Dict(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.items().all(|(k, v)| {
                        k.key()
                            .ok()
                            .and_then(|key| b.get(&key))
                            .is_some_and(|w| v.eq_at(w, depth + 1))
                    })
            }
            (Value::Set(a), Value::Set(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.items()
                        .all(|(k, _)| k.key().ok().and_then(|key| b.get(&key)).is_some())
            }
            (Value::Range(a), Value::Range(b)) => a == b,
            _ => self.is(other),
        }
    }

    pub fn as_number(&self) -> Option<Num> {
        match self {
            Value::Bool(b) => Some(Num::Int(*b as i128)),
            Value::Int(i) => Some(Num::Int(*i)),
            Value::Float(f) => Some(Num::Float(*f)),
            _ => None,
        }
    }

    /// An index or count: an int or a bool.
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Bool(b) => Some(*b as i128),
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// `str(value)`
    pub fn to_str(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Exc(e) => e.message(),
            _ => self.repr(),
        }
    }

    /// `repr(value)`
    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out, 0);
        out
    }

    fn write_repr(&self, out: &mut String, depth: usize) {
        if depth > 50 {
            out.push_str("...");
            return;
        }
        match self {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&format::float_repr(*f)),
            Value::Str(s) => out.push_str(&format::str_repr(s)),
            Value::List(items) => {
                let Ok(items) = items.try_borrow() else {
                    out.push_str("[...]");
                    return;
                };
                out.push('[');
                write_items(out, &items, depth);
                out.push(']');
            }
            Value::Tuple(items) => {
                out.push('(');
                write_items(out, items, depth);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::Dict(d) => {
                let Ok(d) = d.try_borrow() else {
                    out.push_str("{...}");
                    return;
                };
                out.push('{');
                for (i, (k, v)) in d.items().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out, depth + 1);
                    out.push_str(": ");
                    v.write_repr(out, depth + 1);
                }
                out.push('}');
            }
            Value::Set(d) => {
                let d = d.borrow();
                if d.len() == 0 {
                    out.push_str("set()");
                    return;
                }
                out.push('{');
                for (i, (k, _)) in d.items().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out, depth + 1);
                }
                out.push('}');
            }
            Value::View(kind, d) => {
                let items = kind.items(&d.borrow());
                out.push_str(kind.name());
                out.push_str("([");
                write_items(out, &items, depth);
                out.push_str("])");
            }
            Value::Range(r) => {
                if r.step == 1 {
                    let _ = write!(out, "range({}, {})", r.start, r.stop);
                } else {
                    let _ = write!(out, "range({}, {}, {})", r.start, r.stop, r.step);
                }
            }
            Value::Iter(_) => out.push_str("<iterator object>"),
            Value::Function(f) => {
                let _ = write!(out, "<function {} at 0x{:x}>", f.name, self.identity());
            }
            Value::Builtin(b) => match b.module {
                Some(_) | None => {
                    let _ = write!(out, "<built-in function {}>", b.name);
                }
            },
            Value::Method(m) => {
                let _ = write!(
                    out,
                    "<built-in method {} of {} object>",
                    m.1,
                    m.0.type_name()
                );
            }
            Value::Module(m) => {
                let _ = write!(out, "<module '{}'>", m.name());
            }
            Value::ExcType(t) => {
                let _ = write!(out, "<class '{}'>", t.qualified_name());
            }
            Value::Type(t) => {
                let _ = write!(out, "<class '{}'>", t.name());
            }
            Value::Exc(e) => out.push_str(&e.repr()),
            Value::Coro(c) => {
                let _ = write!(
                    out,
                    "<coroutine object {} at 0x{:x}>",
                    c.name,
                    self.identity()
                );
            }
            Value::Task(t) => out.push_str(&t.repr()),
            Value::Gen(g) => {
                let _ = write!(
                    out,
                    "<generator object {} at 0x{:x}>",
                    g.name,
                    self.identity()
                );
            }
            Value::Aio(a) => out.push_str(&a.repr()),
            Value::Http(h) => out.push_str(&h.repr()),
        }
    }
}

fn write_items(out: &mut String, items: &[Value], depth: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write_repr(out, depth + 1);
    }
}

/// How deep `==`, ordering and hashing go into nested containers (CPython: its recursion
/// limit); each level is a nested call on the stack.
pub const MAX_COMPARE_DEPTH: u32 = 200;

thread_local! {
    static TOO_DEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether an `==` since the last call went past [`MAX_COMPARE_DEPTH`] (and forgets it).
pub fn take_too_deep() -> bool {
    TOO_DEEP.with(|t| t.replace(false))
}

#[derive(Clone, Copy, Debug)]
pub enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}
