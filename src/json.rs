//! JSON text to and from Rust values, for the lessons' bodies and messages and the server's log.
//!
//! In the browser this is the browser's own `JSON.parse` and `JSON.stringify`, with
//! serde-wasm-bindgen (which the page has anyway) between JS values and Rust types, so that the
//! page's wasm carries no JSON parser or printer of its own: serde_json's parser alone was about
//! 25 KB of it. Natively (the lessons' checks and the server's code under `cargo test`) it is
//! serde_json, which gives the same values.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// `text` read as a `T`, or why not in words (the parser's own message).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = js_sys::JSON::parse(text).map_err(|e| crate::browser::js::error_text(&e))?;
        serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// `bytes` read as a `T`: they must be UTF-8 JSON text.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    from_str(text)
}

/// `value` as JSON text, or why it cannot be (a map with keys that are not strings, say).
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    #[cfg(target_arch = "wasm32")]
    {
        // Maps as plain objects and 64-bit integers as numbers, as JSON has them.
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let value = value.serialize(&serializer).map_err(|e| e.to_string())?;
        let text =
            js_sys::JSON::stringify(&value).map_err(|e| crate::browser::js::error_text(&e))?;
        Ok(String::from(text))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::to_string(value).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Message {
        Hello { name: String, at_ms: f64 },
    }

    #[test]
    fn a_value_goes_to_text_and_back() {
        let hello = Message::Hello {
            name: "Ann".into(),
            at_ms: 1.5,
        };
        let text = to_string(&hello).expect("writes");
        assert_eq!(text, r#"{"type":"hello","name":"Ann","at_ms":1.5}"#);
        assert_eq!(from_str::<Message>(&text), Ok(hello));
    }

    #[test]
    fn bad_text_says_why() {
        assert!(from_str::<Message>("<h1>Index</h1>").is_err());
        let unknown = from_str::<Message>(r#"{"type":"tada"}"#)
            .err()
            .unwrap_or_default();
        assert!(unknown.contains("unknown variant `tada`"), "{unknown}");
        assert!(from_slice::<Message>(&[0xff, 0xfe]).is_err());
    }
}
