//! Sharing a lesson: its address with its parameters (the trace panel copies it).

/// The page's address for `lesson` with `params`, for sharing.
pub fn permalink(lesson: &str, params: &[(&str, String)]) -> String {
    let base = web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default();
    format!("{base}{}", query(lesson, params))
}

/// `?lesson=ID&NAME=VALUE...`, values percent-encoded (`?scenario=ID`, the older name, is read
/// too: see `automation`).
pub fn query(lesson: &str, params: &[(&str, String)]) -> String {
    let mut q = format!("?lesson={}", encode(lesson));
    for (name, value) in params {
        q.push_str(&format!("&{}={}", encode(name), encode(value)));
    }
    q
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}
