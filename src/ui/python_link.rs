//! A playground program in its address: `?lesson=playground&python=CODE`, where CODE is the
//! program's UTF-8 compressed with DEFLATE (raw, the browser's own `CompressionStream`, so no
//! compressor is in the wasm) and written in base64url without padding. A teacher sends the
//! link; the page opens it in the editor.

use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The most characters of a `python=` value read: a program of the interpreter's 200 KB cap
/// compresses well under it; anything longer is not one of ours.
pub const MAX_PARAM: usize = 400_000;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url, without padding.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The bytes of a base64url text (padding and whitespace tolerated), or `None` if it is not one.
pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'=' | b' ' | b'\n' | b'\r' | b'\t'))
        .map(|b| match b {
            b'+' => Some(62),
            b'/' => Some(63),
            _ => ALPHABET.iter().position(|a| *a == b).map(|p| p as u8),
        })
        .collect::<Option<_>>()?;
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | u32::from(*d) << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// `bytes` through `new CompressionStream(kind)` or `DecompressionStream(kind)`.
async fn through(stream_class: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let global = js_sys::global();
    let class = Reflect::get(&global, &stream_class.into())
        .ok()
        .and_then(|c| c.dyn_into::<Function>().ok())
        .ok_or_else(|| format!("this browser has no {stream_class}"))?;
    let transform = Reflect::construct(&class, &Array::of1(&"deflate-raw".into()))
        .map_err(|_| format!("this browser's {stream_class} does not take deflate-raw"))?;
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|_| "no Blob")?;
    let piped = Reflect::get(&blob.stream(), &"pipeThrough".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or("this browser's streams have no pipeThrough")?
        .call1(&blob.stream(), &transform)
        .map_err(|_| "the stream would not pipe")?;
    let stream: web_sys::ReadableStream = piped.unchecked_into();
    let response = web_sys::Response::new_with_opt_readable_stream(Some(&stream))
        .map_err(|_| "no Response")?;
    let buffer = response.array_buffer().map_err(|_| "no arrayBuffer")?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| "the data is not DEFLATE".to_string())?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The `python=` value for `source`.
pub async fn encode(source: &str) -> Result<String, String> {
    Ok(base64url(
        &through("CompressionStream", source.as_bytes()).await?,
    ))
}

/// The program a `python=` value holds, or why it holds none (in words for the page).
pub async fn decode(param: &str) -> Result<String, String> {
    let broken =
        "the address's python= is not a program the playground wrote (it may be cut short)";
    if param.len() > MAX_PARAM {
        return Err(format!(
            "the address's python= is {} characters long; the playground reads at most {MAX_PARAM}",
            param.len()
        ));
    }
    let bytes = from_base64url(param).ok_or(broken)?;
    let text = through("DecompressionStream", &bytes)
        .await
        .map_err(|_| broken.to_string())?;
    String::from_utf8(text).map_err(|_| broken.to_string())
}

/// The page's address for the playground with `source` in it.
pub async fn permalink(source: &str) -> Result<String, String> {
    let base = web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default();
    Ok(format!(
        "{base}?lesson={}&python={}",
        crate::lessons::python::ID,
        encode(source).await?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length_and_refuses_what_is_not_one() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64url(&bytes);
            assert!(!text.contains(['+', '/', '=']), "{text}");
            assert_eq!(from_base64url(&text), Some(bytes));
        }
        assert_eq!(base64url(b"hello?>"), "aGVsbG8_Pg");
        assert_eq!(
            from_base64url("aGVsbG8_Pg==").as_deref(),
            Some(&b"hello?>"[..])
        );
        assert_eq!(from_base64url("a"), None);
        assert_eq!(from_base64url("ab*d"), None);
    }
}
