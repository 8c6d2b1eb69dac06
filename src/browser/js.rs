//! A JavaScript error in words: the one function the app uses for whatever a browser API threw or
//! rejected with.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

/// What a thrown or rejected value says: an `Error`'s (or `DOMException`'s) message, prefixed by
/// its name unless that is the plain `Error`; a thrown string as it is; a number as it is; anything
/// else by its kind only. Read through `Reflect` and `typeof`, which never throw into Rust: a value
/// whose `name` or `message` getter throws gives what could be read, and a revoked `Proxy` (which
/// throws at any other touch, a debug print's included) is "an object", never a trap.
pub fn error_text(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    if value.is_instance_of::<js_sys::Error>() {
        let field = |key: &str| {
            Reflect::get(value, &JsValue::from_str(key))
                .ok()
                .and_then(|v| v.as_string())
                .filter(|s| !s.is_empty())
        };
        return match (field("name"), field("message")) {
            (Some(name), Some(message)) if name != "Error" => format!("{name}: {message}"),
            (_, Some(message)) => message,
            (Some(name), None) => name,
            (None, None) => "an error with no message".to_string(),
        };
    }
    if let Some(number) = value.as_f64() {
        return number.to_string();
    }
    if value.is_undefined() || value.is_null() {
        return "the browser gave no reason".to_string();
    }
    match value.js_typeof().as_string() {
        Some(kind) => format!("a thrown {kind} that is not an Error"),
        None => "a thrown value that is not an Error".to_string(),
    }
}
