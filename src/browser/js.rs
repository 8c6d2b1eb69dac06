//! A JavaScript error in words: the one function the app uses for whatever a browser API threw or
//! rejected with.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

/// What a thrown or rejected value says: an `Error`'s (or `DOMException`'s) message, prefixed by
/// its name unless that is the plain `Error`; a thrown string as it is; anything else as the
/// browser prints it. Read through `Reflect`, so a value whose `name` or `message` getter throws
/// again gives what could be read rather than a trap.
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
    if value.is_undefined() || value.is_null() {
        return "the browser gave no reason".to_string();
    }
    format!("{value:?}")
}
