//! What the server answers: the bodies of each route, as text. Pure, so natively tested.

use serde::Serialize;
use serde_json::{json, Map, Value};

/// The seed's index page (article 001's aiohttp app).
pub const INDEX: &str = "<h1>Index</h1>";

/// The seed's greeting: `'<h1>Hello, %s!</h1>' % name`, with the name escaped (the seed's would
/// put a `<script>` in a name straight into the page).
pub fn hello(name: &str) -> String {
    format!("<h1>Hello, {}!</h1>", escape_html(name))
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `api/delay/{ms}`: what was asked, how long the server really waited, and how many requests
/// it was handling when this one came in (this one included).
pub fn delay(ms: u32, waited_ms: f64, in_flight: u32) -> String {
    // A struct keeps the fields in this order (a json! map would sort them).
    #[derive(Serialize)]
    struct Delay {
        delay_ms: u32,
        waited_ms: f64,
        in_flight: u32,
    }
    let waited_ms = (waited_ms * 10.0).round() / 10.0;
    serde_json::to_string(&Delay {
        delay_ms: ms,
        waited_ms,
        in_flight,
    })
    .unwrap_or_default()
}

/// `api/status/{code}`: the code and its reason phrase.
pub fn status(code: u16) -> String {
    json!({ "status": code, "reason": reason(code) }).to_string()
}

/// Statuses whose response has no body (the Response constructor refuses one).
pub fn is_null_body(code: u16) -> bool {
    matches!(code, 204 | 205 | 304)
}

/// The reason phrase of the common statuses, empty for the others.
pub fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// A refusal: `{"error": message}`.
pub fn error(message: &str) -> String {
    json!({ "error": message }).to_string()
}

/// `api/posts/{id}`, shaped like jsonplaceholder's (article 002 fetches its posts/1): post 1
/// is its text, the others are numbered.
pub fn post(id: u32) -> String {
    let (title, body) = if id == 1 {
        (
            "sunt aut facere repellat provident occaecati excepturi optio reprehenderit"
                .to_string(),
            "quia et suscipit\nsuscipit recusandae consequuntur expedita et cum\n\
             reprehenderit molestiae ut ut quas totam\nnostrum rerum est autem sunt rem eveniet architecto"
                .to_string(),
        )
    } else {
        (
            format!("post {id} of the asyncscope server"),
            format!("the body of post {id}\nserved by a service worker written in Rust"),
        )
    };
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Post {
        user_id: u32,
        id: u32,
        title: String,
        body: String,
    }
    // Pretty and in jsonplaceholder's order, as it serves it.
    serde_json::to_string_pretty(&Post {
        user_id: (id - 1) / 10 + 1,
        id,
        title,
        body,
    })
    .unwrap_or_default()
}

/// `api/echo`: the request as the server saw it. Repeated query keys keep the last value.
/// The body goes back as text when its bytes are UTF-8 (`"body_encoding": "utf-8"`), else as
/// base64 (`"base64"`), with its length in bytes (`body_bytes`) either way: a binary body comes
/// back whole, never with its invalid bytes replaced.
pub fn echo(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    use base64::Engine as _;
    let pairs = |pairs: &[(String, String)]| -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect()
    };
    let (text, encoding) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), "utf-8"),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(body),
            "base64",
        ),
    };
    json!({
        "method": method,
        "path": path,
        "query": pairs(query),
        "headers": pairs(headers),
        "body": text,
        "body_encoding": encoding,
        "body_bytes": body.len(),
    })
    .to_string()
}

/// The chat that `api/lines` streams, line by line (without the terminator).
pub fn chat_line(i: u32) -> String {
    const CHAT: [&str; 6] = [
        "alice: hello, is anyone there?",
        "bob: hi alice, I'm here",
        "alice: did the server split my line?",
        "bob: only across chunks; the terminator still ends it",
        "carol: 你好, asynchat",
        "alice: bye for now",
    ];
    format!("{} {}", i + 1, CHAT[i as usize % CHAT.len()])
}

/// The words `api/search` looks in: the vocabulary of async Rust in the browser.
#[rustfmt::skip]
pub const WORDS: &[&str] = &[
    "abort", "accept", "actor", "async", "atomic", "await", "backoff", "backpressure", "barrier",
    "block_on", "borrow", "broadcast", "buffer", "callback", "cancel", "channel", "closure",
    "condvar", "context", "crate", "deadline", "deadlock", "debounce", "drop", "event loop",
    "executor", "fetch", "future", "futures", "gather", "interval", "join", "join_all",
    "JoinHandle", "lifetime", "lock", "microtask", "mutex", "notify", "oneshot", "Pin", "poll",
    "Promise", "queue", "reactor", "ready", "receiver", "retry", "runtime", "rust", "rustacean",
    "rustc", "rustdoc", "rustfmt", "rustup", "scheduler", "select", "semaphore", "sender",
    "service worker", "sleep", "spawn", "spawn_local", "starvation", "stream", "task", "throttle",
    "timeout", "timer", "tokio", "trace", "tracing", "trust", "try_join", "wake", "waker", "wasm",
    "wasm-bindgen", "web worker", "yield",
];

/// `api/search` gives at most this many matches (and how many there were in all).
pub const MAX_MATCHES: usize = 12;

/// The [`WORDS`] that hold `query` (trimmed, in any case): those starting with it first, then
/// the others, each group in the list's order. A blank query matches nothing. The words are
/// ASCII, so ASCII case folding is all it takes (`to_lowercase` brought Unicode's case tables
/// into the server's wasm: server_bg.wasm 67.8 KB gzipped with it, 60.1 KB without).
pub fn search_matches(query: &str) -> Vec<&'static str> {
    let query = query.trim().to_ascii_lowercase();
    if query.is_empty() {
        return Vec::new();
    }
    let (mut starting, mut inside) = (Vec::new(), Vec::new());
    for word in WORDS {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with(&query) {
            starting.push(*word);
        } else if lower.contains(&query) {
            inside.push(*word);
        }
    }
    starting.append(&mut inside);
    starting
}

/// `api/search`: `{"query", "matches", "total"}`, the first [`MAX_MATCHES`] matches and how
/// many there were.
pub fn search(query: &str) -> String {
    let matches = search_matches(query);
    let total = matches.len();
    json!({
        "query": query,
        "matches": &matches[..total.min(MAX_MATCHES)],
        "total": total,
    })
    .to_string()
}

/// `api/search`'s refusal of an attempt that `flaky` makes fail (a 503).
pub fn search_unavailable(attempt: u32, flaky: u32) -> String {
    error(&format!(
        "the search is briefly unavailable (attempt {attempt}: the first {flaky} fail); \
         try again"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_the_seeds_and_escapes_the_name() {
        assert_eq!(hello("Ann"), "<h1>Hello, Ann!</h1>");
        assert_eq!(hello("张三"), "<h1>Hello, 张三!</h1>");
        assert_eq!(
            hello("<script>x</script>"),
            "<h1>Hello, &lt;script&gt;x&lt;/script&gt;!</h1>"
        );
    }

    #[test]
    fn delay_reports_what_was_asked_and_waited() {
        let v: Value = serde_json::from_str(&delay(500, 501.234, 3)).expect("JSON");
        assert_eq!(v["delay_ms"], 500);
        assert_eq!(v["waited_ms"], 501.2);
        assert_eq!(v["in_flight"], 3);
        assert!(delay(5, 5.0, 1).starts_with(r#"{"delay_ms":5,"waited_ms":5.0,"#));
    }

    #[test]
    fn post_one_is_jsonplaceholders() {
        assert!(
            post(1).starts_with("{\n  \"userId\": 1,\n  \"id\": 1,"),
            "{}",
            post(1)
        );
        let v: Value = serde_json::from_str(&post(1)).expect("JSON");
        assert_eq!(v["userId"], 1);
        assert_eq!(v["id"], 1);
        assert!(v["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("sunt aut")));
        let v: Value = serde_json::from_str(&post(42)).expect("JSON");
        assert_eq!(
            (v["userId"].as_u64(), v["id"].as_u64()),
            (Some(5), Some(42))
        );
    }

    #[test]
    fn echo_carries_method_query_headers_and_body() {
        let v: Value = serde_json::from_str(&echo(
            "POST",
            "/api/echo",
            &[("key".into(), "value".into())],
            &[("user-agent".into(), "Mozilla/5.0".into())],
            "hi".as_bytes(),
        ))
        .expect("JSON");
        assert_eq!(v["method"], "POST");
        assert_eq!(v["query"]["key"], "value");
        assert_eq!(v["headers"]["user-agent"], "Mozilla/5.0");
        assert_eq!(v["body"], "hi");
        assert_eq!(v["body_encoding"], "utf-8");
        assert_eq!(v["body_bytes"], 2);
    }

    #[test]
    fn a_binary_body_is_echoed_whole_as_base64_with_its_length() {
        let v: Value =
            serde_json::from_str(&echo("POST", "/api/echo", &[], &[], &[0xFF, 0x00, 0xFE]))
                .expect("JSON");
        assert_eq!(v["body"], "/wD+");
        assert_eq!(v["body_encoding"], "base64");
        assert_eq!(v["body_bytes"], 3);
        // UTF-8 text is counted in bytes, not characters.
        let v: Value =
            serde_json::from_str(&echo("POST", "/", &[], &[], "café".as_bytes())).expect("JSON");
        assert_eq!(
            (v["body"].as_str(), v["body_bytes"].as_u64()),
            (Some("café"), Some(5))
        );
    }

    #[test]
    fn status_names_its_reason() {
        let v: Value = serde_json::from_str(&status(404)).expect("JSON");
        assert_eq!(
            (v["status"].as_u64(), v["reason"].as_str()),
            (Some(404), Some("Not Found"))
        );
        assert!(is_null_body(204) && !is_null_body(200));
    }

    #[test]
    fn chat_lines_are_numbered_and_carry_no_terminator() {
        assert_eq!(chat_line(0), "1 alice: hello, is anyone there?");
        assert!(chat_line(7).starts_with("8 bob:"));
        assert!((0..20).all(|i| !chat_line(i).contains('\n') && !chat_line(i).contains('\r')));
    }

    #[test]
    fn search_finds_words_starting_with_the_query_first_in_any_case() {
        assert_eq!(
            search_matches("RUST"),
            [
                "rust",
                "rustacean",
                "rustc",
                "rustdoc",
                "rustfmt",
                "rustup",
                "trust"
            ]
        );
        assert_eq!(search_matches("  pin "), ["Pin"]);
        assert!(search_matches("").is_empty() && search_matches("   ").is_empty());
        assert!(search_matches("zzz").is_empty());
        let v: Value = serde_json::from_str(&search("ru")).expect("JSON");
        assert_eq!(v["query"], "ru");
        assert_eq!(v["total"], 8);
        assert_eq!(v["matches"][0], "runtime");
        let v: Value = serde_json::from_str(&search("a")).expect("JSON");
        let shown = v["matches"].as_array().map_or(0, Vec::len);
        assert_eq!(shown, MAX_MATCHES);
        assert!(v["total"]
            .as_u64()
            .is_some_and(|n| n as usize > MAX_MATCHES));
        let v: Value = serde_json::from_str(&search_unavailable(1, 1)).expect("JSON");
        assert!(v["error"].as_str().is_some_and(|e| e.contains("attempt 1")));
    }
}
