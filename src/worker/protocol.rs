//! The one message protocol between the page and its Web Worker: [`Job`] for everything the
//! page asks, [`Answer`] for everything the worker says. Each goes through `postMessage` as a
//! plain JS object (`{type: "cpu_work", work_ms: 300}`), and is read only after [`check_shape`]
//! has found it small and of the protocol's shape: a message that is not what we expect gives
//! an error in words, never a panic, and a huge one is refused before any of it is copied into
//! the wasm's memory.
//!
//! Written and read by hand (`Fields`) rather than by serde derives through
//! serde-wasm-bindgen: the derived reader of [`Answer`] alone was 11.5 KB of the page's wasm
//! before wasm-opt, for six fields. The refusals keep serde's words ("missing field `type`",
//! "invalid type: string \"5\", expected f64", "unknown variant `sing`, expected ...").

use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::CpuWork;

/// The longest text a message may hold, in UTF-16 units (JS string length): a job's names are
/// 64 bytes at most, an error a sentence.
pub const MAX_TEXT_UNITS: u32 = 4096;
/// The most fields an object of a message may have (the largest has three).
pub const MAX_FIELDS: u32 = 8;
/// How deep objects may nest: a message, and the work inside an answer.
pub const MAX_DEPTH: usize = 2;
/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`): a count past it
/// would arrive rounded.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// What the page asks the worker: every job it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Spin for `work_ms` (0 to [`MAX_WORK_MS`](super::MAX_WORK_MS)) on the worker's thread and
    /// answer with the work (the blocking lesson's fix).
    CpuWork { work_ms: f64 },
    /// Join the chat room on the BroadcastChannel `channel` as the server `name` (starting with
    /// [`SERVER`](crate::chat::SERVER)), answer `Joined`, then talk in the room (the chat
    /// lesson's participant).
    JoinChat { channel: String, name: String },
}

/// What the worker says.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Sent unasked, once, when its wasm has started: jobs posted before it would be lost.
    Ready,
    WorkDone {
        work: CpuWork,
    },
    /// In the room as `name`: its posts come on the BroadcastChannel, not here.
    Joined {
        name: String,
    },
    /// The job was refused or failed; also what static/crunch_worker.js sends when the
    /// worker's wasm does not start.
    Failed {
        error: String,
    },
}

impl Job {
    /// The job as the JS object the worker reads. Text and numbers always write: the `Err` is
    /// kept for a job that one day carries a value a JS object cannot hold.
    pub fn to_js(&self) -> Result<JsValue, String> {
        Ok(match self {
            Job::CpuWork { work_ms } => {
                object(&[("type", "cpu_work".into()), ("work_ms", (*work_ms).into())])
            }
            Job::JoinChat { channel, name } => object(&[
                ("type", "join_chat".into()),
                ("channel", channel.into()),
                ("name", name.into()),
            ]),
        })
    }

    /// A message the page posted, read as a job, or why it is not one.
    pub fn from_js(value: &JsValue) -> Result<Job, String> {
        check_shape(value)?;
        let job = Fields(value.clone());
        match job.tag(&["cpu_work", "join_chat"])? {
            0 => Ok(Job::CpuWork {
                work_ms: job.number("work_ms")?,
            }),
            _ => Ok(Job::JoinChat {
                channel: job.text("channel")?,
                name: job.text("name")?,
            }),
        }
    }
}

impl Answer {
    /// The answer as the JS object the page reads. An answer that cannot be written (a count
    /// past 2^53, which a JS number would round) becomes a [`Answer::Failed`] saying so.
    pub fn to_js(&self) -> JsValue {
        self.write().unwrap_or_else(|e| {
            object(&[
                ("type", "failed".into()),
                (
                    "error",
                    format!("the worker could not write its answer: {e}").into(),
                ),
            ])
        })
    }

    fn write(&self) -> Result<JsValue, String> {
        Ok(match self {
            Answer::Ready => object(&[("type", "ready".into())]),
            Answer::WorkDone { work } => {
                let work = object(&[
                    ("state", work.state_hex().into()),
                    ("iterations", safe_integer(work.iterations)?.into()),
                    ("busy_ms", work.busy_ms.into()),
                ]);
                object(&[("type", "work_done".into()), ("work", work)])
            }
            Answer::Joined { name } => object(&[("type", "joined".into()), ("name", name.into())]),
            Answer::Failed { error } => {
                object(&[("type", "failed".into()), ("error", error.into())])
            }
        })
    }

    /// A message the worker posted, read as an answer, or why it is not one.
    pub fn from_js(value: &JsValue) -> Result<Answer, String> {
        check_shape(value)?;
        let answer = Fields(value.clone());
        match answer.tag(&["ready", "work_done", "joined", "failed"])? {
            0 => Ok(Answer::Ready),
            1 => {
                let work = answer.object("work")?;
                Ok(Answer::WorkDone {
                    work: CpuWork {
                        state: CpuWork::parse_state(&work.text("state")?)?,
                        iterations: work.count("iterations")?,
                        busy_ms: work.number("busy_ms")?,
                    },
                })
            }
            2 => Ok(Answer::Joined {
                name: answer.text("name")?,
            }),
            _ => Ok(Answer::Failed {
                error: answer.text("error")?,
            }),
        }
    }
}

/// A plain JS object of these fields. Setting a field of a new plain object cannot fail.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// `n` as a JS number, or why it cannot be one without rounding.
fn safe_integer(n: u64) -> Result<f64, String> {
    let value = n as f64;
    if value <= MAX_SAFE_INTEGER {
        Ok(value)
    } else {
        Err(format!("{n} can't be represented as a JavaScript number"))
    }
}

/// serde's words for a value of the wrong type: "invalid type: string \"5\", expected f64".
fn invalid_type(value: &JsValue, expected: &str) -> String {
    format!("invalid type: {}, expected {expected}", unexpected(value))
}

/// A JS value as serde names one it did not expect (serde-wasm-bindgen reads a number that is a
/// safe integer as an integer, any other as a floating point).
fn unexpected(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        format!("string {text:?}")
    } else if let Some(n) = value.as_f64() {
        if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
            format!("integer `{}`", n as i64)
        } else if n.is_finite() && n.fract() == 0.0 {
            format!("floating point `{n}.0`")
        } else {
            format!("floating point `{n}`")
        }
    } else if let Some(b) = value.as_bool() {
        format!("boolean `{b}`")
    } else if value.is_null() {
        "unit value".to_string()
    } else if is_plain_object(value) {
        "map".to_string()
    } else {
        kind(value)
    }
}

/// serde's list of the variants it knows: "expected `a` or `b`", "expected one of `a`, `b`, `c`".
fn expected_one_of(variants: &[&str]) -> String {
    let quoted: Vec<String> = variants.iter().map(|v| format!("`{v}`")).collect();
    match quoted.as_slice() {
        [] => "there are no variants".to_string(),
        [one] => format!("expected {one}"),
        [a, b] => format!("expected {a} or {b}"),
        all => format!("expected one of {}", all.join(", ")),
    }
}

/// The fields of a message that passed [`check_shape`], read by name. A field that is absent
/// or `undefined` is missing.
struct Fields(JsValue);

impl Fields {
    fn field(&self, name: &str) -> Result<JsValue, String> {
        let value = Reflect::get(&self.0, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        if value.is_undefined() {
            Err(format!("missing field `{name}`"))
        } else {
            Ok(value)
        }
    }

    /// The index in `variants` of the message's `type`.
    fn tag(&self, variants: &[&str]) -> Result<usize, String> {
        let tag = self.field("type")?;
        let Some(tag) = tag.as_string() else {
            return Err(invalid_type(&tag, "variant identifier"));
        };
        variants
            .iter()
            .position(|v| *v == tag)
            .ok_or_else(|| format!("unknown variant `{tag}`, {}", expected_one_of(variants)))
    }

    fn text(&self, name: &str) -> Result<String, String> {
        let value = self.field(name)?;
        value
            .as_string()
            .ok_or_else(|| invalid_type(&value, "a string"))
    }

    fn number(&self, name: &str) -> Result<f64, String> {
        let value = self.field(name)?;
        value.as_f64().ok_or_else(|| invalid_type(&value, "f64"))
    }

    /// A count: a whole number from 0 to 2^53 - 1, which a JS number holds exactly.
    fn count(&self, name: &str) -> Result<u64, String> {
        let value = self.field(name)?;
        match value.as_f64() {
            Some(n) if n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&n) => Ok(n as u64),
            Some(n) if n.fract() == 0.0 && (-MAX_SAFE_INTEGER..0.0).contains(&n) => Err(format!(
                "invalid value: integer `{}`, expected u64",
                n as i64
            )),
            _ => Err(invalid_type(&value, "u64")),
        }
    }

    fn object(&self, name: &str) -> Result<Fields, String> {
        let value = self.field(name)?;
        if is_plain_object(&value) {
            Ok(Fields(value))
        } else {
            Err(invalid_type(&value, "struct CpuWork"))
        }
    }
}
/// Whether `value` may be read as a message: a plain object of at most [`MAX_FIELDS`] fields,
/// each text of at most [`MAX_TEXT_UNITS`], a number, a boolean, or such an object, at most
/// [`MAX_DEPTH`] deep. Lengths are read from the JS values, so nothing is copied before it
/// passes. A `Map`, an array or a typed array could carry any amount: refused.
pub fn check_shape(value: &JsValue) -> Result<(), String> {
    if !is_plain_object(value) {
        return Err(format!("{} where the protocol has an object", kind(value)));
    }
    check_object(value, 1)
}

fn check_object(object: &JsValue, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("objects nested deeper than {MAX_DEPTH}"));
    }
    let keys = Object::keys(object.unchecked_ref::<Object>());
    if keys.length() > MAX_FIELDS {
        return Err(format!(
            "an object of {} fields, over the {MAX_FIELDS} a message may have",
            keys.length()
        ));
    }
    for key in keys.iter() {
        check_field(&key, depth)?;
        // A posted object is a structured clone: own data fields only, no getter runs here.
        let field = Reflect::get(object, &key).map_err(|e| crate::browser::js::error_text(&e))?;
        check_field(&field, depth)?;
    }
    Ok(())
}

fn check_field(value: &JsValue, depth: usize) -> Result<(), String> {
    if let Some(text) = value.dyn_ref::<JsString>() {
        let units = text.length();
        if units > MAX_TEXT_UNITS {
            return Err(format!(
                "a text of {units} characters, over the {MAX_TEXT_UNITS} a message may hold"
            ));
        }
        return Ok(());
    }
    if value.as_f64().is_some() || value.as_bool().is_some() || value.is_undefined() {
        return Ok(());
    }
    if is_plain_object(value) {
        return check_object(value, depth + 1);
    }
    Err(format!(
        "{} where the protocol has text, a number or an object",
        kind(value)
    ))
}

/// What `value` is, in words, for a refusal.
fn kind(value: &JsValue) -> String {
    if value.is_string() {
        "a string".to_string()
    } else if value.as_f64().is_some() {
        "a number".to_string()
    } else if value.is_null() {
        "null".to_string()
    } else if Array::is_array(value) {
        "an array".to_string()
    } else if value.is_function() {
        "a function".to_string()
    } else if value.is_object() && !is_plain_object(value) {
        "an object that is not a plain one (a Map, a Blob, a typed array...)".to_string()
    } else {
        format!("a {}", value.js_typeof().as_string().unwrap_or_default())
    }
}

/// An object whose prototype is `Object.prototype`: what `postMessage` gives for `{...}`.
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || Array::is_array(value) {
        return false;
    }
    let plain = Object::get_prototype_of(&Object::new());
    Object::is(&Object::get_prototype_of(value), &plain)
}
