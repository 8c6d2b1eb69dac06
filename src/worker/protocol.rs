//! The one message protocol between the page and its Web Worker: [`Job`] for everything the
//! page asks, [`Answer`] for everything the worker says. Each goes through `postMessage` as a
//! plain JS object written and read by serde-wasm-bindgen (`{type: "cpu_work", work_ms: 300}`),
//! and is read only after [`check_shape`] has found it small and of the protocol's shape: a
//! message that is not what we expect gives an error in words, never a panic, and a huge one is
//! refused before any of it is copied into the wasm's memory.

use js_sys::{Array, JsString, Object, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use super::CpuWork;

/// The longest text a message may hold, in UTF-16 units (JS string length): a job's names are
/// 64 bytes at most, an error a sentence.
pub const MAX_TEXT_UNITS: u32 = 4096;
/// The most fields an object of a message may have (the largest has three).
pub const MAX_FIELDS: u32 = 8;
/// How deep objects may nest: a message, and the work inside an answer.
pub const MAX_DEPTH: usize = 2;

/// What the page asks the worker: every job it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
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
    /// The job as the JS object the worker reads.
    pub fn to_js(&self) -> Result<JsValue, String> {
        write(self)
    }

    /// A message the page posted, read as a job, or why it is not one.
    pub fn from_js(value: &JsValue) -> Result<Job, String> {
        read(value)
    }
}

impl Answer {
    /// The answer as the JS object the page reads. An answer that cannot be written (a count
    /// past 2^53, which a JS number would round) becomes a [`Answer::Failed`] saying so.
    pub fn to_js(&self) -> JsValue {
        write(self).unwrap_or_else(|e| {
            let failed = Answer::Failed {
                error: format!("the worker could not write its answer: {e}"),
            };
            // Text in a struct always writes; null, which the page reports as not an answer,
            // is never reached.
            write(&failed).unwrap_or(JsValue::NULL)
        })
    }

    /// A message the worker posted, read as an answer, or why it is not one.
    pub fn from_js(value: &JsValue) -> Result<Answer, String> {
        read(value)
    }
}

fn write<T: Serialize>(message: &T) -> Result<JsValue, String> {
    serde_wasm_bindgen::to_value(message).map_err(|e| e.to_string())
}

fn read<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    check_shape(value)?;
    serde_wasm_bindgen::from_value(value.clone()).map_err(|e| e.to_string())
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
