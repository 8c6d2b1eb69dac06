//! From a request's method, path and query to a [`Route`], or to an error with its status and a
//! message a user can act on. Pure: no browser in here, so every rule has a native test.

use std::fmt;

use crate::wire::{path::API, MAX_DELAY_MS, MAX_POST_ID};

/// `api/lines`: at most this many lines, at most this long between two, and at most
/// [`MAX_DELAY_MS`] in all.
pub const MAX_LINES: u32 = 1_000;
pub const MAX_LINE_INTERVAL_MS: u32 = 10_000;
/// A name in `api/hello/{name}` longer than this (in characters) is refused.
pub const MAX_NAME_CHARS: usize = 100;
/// `api/search`: a query longer than this (in characters) is refused.
pub const MAX_QUERY_CHARS: usize = 100;
/// `api/search`: at most this many first attempts fail (`flaky`), and attempts are numbered up
/// to [`MAX_ATTEMPT`].
pub const MAX_FLAKY: u32 = 10;
pub const MAX_ATTEMPT: u32 = 100;

/// What a request asks the server for, with its input already checked. Paths are relative to the
/// site's folder, the service worker's scope (`api/echo` is `/api/echo` at an origin's root, and
/// `/asyncscope/api/echo` on a project's GitHub Pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET api/`: the seed's index page.
    Index,
    /// `GET api/hello/{name}`: the seed's greeting, after half a second.
    Hello { name: String },
    /// `GET api/delay/{ms}`: a JSON body after `ms`.
    Delay { ms: u32 },
    /// `GET api/status/{code}`: a response with that status.
    Status { code: u16 },
    /// `GET|POST api/echo`: the request itself, as JSON.
    Echo,
    /// `GET api/posts/{id}`: a post like jsonplaceholder's.
    Post { id: u32 },
    /// `GET api/lines?n=&interval_ms=&terminator=&split=`: a streamed body of chat lines.
    Lines(LinesSpec),
    /// `GET api/search?q=&delay_ms=&attempt=&flaky=`: the words of a fixed list that hold `q`.
    Search(SearchSpec),
}

/// What `api/search` looks up, and how it answers (the example app's search box,
/// examples/search).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchSpec {
    /// The text to look for (`q`, decoded; default empty, which matches nothing).
    pub query: String,
    /// How long the server takes to answer (`delay_ms`, 0 to [`MAX_DELAY_MS`], default 0).
    pub delay_ms: u32,
    /// Which of the client's attempts this is (`attempt`, from 1 to [`MAX_ATTEMPT`], default 1).
    pub attempt: u32,
    /// How many first attempts fail with 503 (`flaky`, 0 to [`MAX_FLAKY`], default 0): a
    /// transient failure that a client retrying with the next `attempt` gets past. Stateless, so
    /// the same for every query and every worker.
    pub flaky: u32,
}

impl SearchSpec {
    /// This attempt is one of the `flaky` first ones, answered 503.
    pub fn fails(&self) -> bool {
        self.attempt <= self.flaky
    }
}

/// What `api/lines` streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinesSpec {
    /// How many lines (`n`, default 5).
    pub n: u32,
    /// Time between two lines (`interval_ms`, default 200).
    pub interval_ms: u32,
    /// What ends each line (`terminator=lf` (default) or `crlf`).
    pub terminator: LineEnd,
    /// `split=1`: each line goes out in two writes half an interval apart, so that the reader
    /// gets a line in two chunks (default 0: one write per line).
    pub split: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    Lf,
    CrLf,
}

impl LineEnd {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            LineEnd::Lf => b"\n",
            LineEnd::CrLf => b"\r\n",
        }
    }
}

/// Why a request was refused: its status is [`RouteError::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// 404: no such route (or no such post).
    NotFound { path: String, why: String },
    /// 405: the route exists but not for this method.
    MethodNotAllowed {
        method: String,
        path: String,
        allowed: &'static str,
    },
    /// 400: a number that is not a whole number in range.
    BadNumber {
        what: &'static str,
        got: String,
        min: u64,
        max: u64,
    },
    /// 400: some other input the route cannot take.
    BadInput(String),
}

impl RouteError {
    pub fn status(&self) -> u16 {
        match self {
            RouteError::NotFound { .. } => 404,
            RouteError::MethodNotAllowed { .. } => 405,
            RouteError::BadNumber { .. } | RouteError::BadInput(_) => 400,
        }
    }
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::NotFound { path, why } => write!(f, "no route for {path}: {why}"),
            RouteError::MethodNotAllowed {
                method,
                path,
                allowed,
            } => write!(f, "{path} does not take {method}: it takes {allowed}"),
            RouteError::BadNumber {
                what,
                got,
                min,
                max,
            } => write!(
                f,
                "{what} must be a whole number from {min} to {max}, got '{got}'"
            ),
            RouteError::BadInput(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RouteError {}

const ROUTES: &str = "the routes are api/, api/hello/{name}, api/delay/{ms}, api/status/{code}, \
                      api/echo, api/posts/{id}, api/lines and api/search";

/// Routes a request. `path` is the URL's path as sent, relative to the site's base (the service
/// worker's scope: `handler::site_path`), percent-encoded and starting with `api/`;
/// `query` its query string without the `?`.
pub fn route(method: &str, path: &str, query: &str) -> Result<Route, RouteError> {
    let not_found = |why: &str| RouteError::NotFound {
        path: path.to_string(),
        why: why.to_string(),
    };
    let Some(rest) = path.strip_prefix(API) else {
        return Err(not_found("the server answers under api/ only"));
    };
    let segments: Vec<&str> = rest.split('/').collect();
    // HEAD is GET without the body (RFC 9110 §9.3.2): every GET route takes it.
    let only_get = |route: Route| {
        if is_get_or_head(method) {
            Ok(route)
        } else {
            Err(RouteError::MethodNotAllowed {
                method: method.to_string(),
                path: path.to_string(),
                allowed: "GET and HEAD",
            })
        }
    };
    match segments.as_slice() {
        [""] => only_get(Route::Index),
        ["hello", name] if !name.is_empty() => only_get(Route::Hello {
            name: hello_name(name)?,
        }),
        ["delay", ms] => only_get(Route::Delay {
            ms: number("delay in ms", ms, 0, MAX_DELAY_MS)?,
        }),
        ["status", code] => only_get(Route::Status {
            // The Response constructor takes 200-599 only.
            code: number("status", code, 200, 599)? as u16,
        }),
        ["echo"] => match method.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" | "POST" => Ok(Route::Echo),
            _ => Err(RouteError::MethodNotAllowed {
                method: method.to_string(),
                path: path.to_string(),
                allowed: "GET, HEAD and POST",
            }),
        },
        ["posts", id] => {
            // Not a whole number: 400, naming the real range. A whole number past it: 404,
            // as jsonplaceholder answers a post it does not have.
            let bad = || RouteError::BadNumber {
                what: "post id",
                got: id.to_string(),
                min: 1,
                max: MAX_POST_ID.into(),
            };
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let id = match id.parse::<u32>() {
                Ok(n) if (1..=MAX_POST_ID).contains(&n) => n,
                _ => {
                    return Err(not_found(&format!(
                        "there is no post {id}: posts are 1 to {MAX_POST_ID}"
                    )))
                }
            };
            only_get(Route::Post { id })
        }
        ["lines"] => only_get(Route::Lines(lines_spec(query)?)),
        ["search"] => only_get(Route::Search(search_spec(query)?)),
        _ => Err(not_found(ROUTES)),
    }
}

/// GET, or HEAD (answered as GET without the body).
pub fn is_get_or_head(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD")
}

/// A whole number from `min` to `max` (no sign, no fraction, no spaces).
fn number(what: &'static str, text: &str, min: u32, max: u32) -> Result<u32, RouteError> {
    let bad = || RouteError::BadNumber {
        what,
        got: text.to_string(),
        min: min.into(),
        max: max.into(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // All digits: parse fails only on overflow, which is out of range too.
    let value: u32 = text.parse().map_err(|_| bad())?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(bad())
    }
}

/// The `{name}` of `api/hello/{name}`, percent-decoded (`%E5%BC%A0` is 张). A `%` not followed
/// by two hex digits is refused (the decoder would pass it through as text).
fn hello_name(raw: &str) -> Result<String, RouteError> {
    let bytes = raw.as_bytes();
    if let Some(i) = (0..bytes.len()).find(|&i| {
        bytes[i] == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    }) {
        let escape: String = raw[i..].chars().take(3).collect();
        return Err(RouteError::BadInput(format!(
            "the name '{}' has an invalid percent escape '{escape}': % must be followed by two hex digits",
            clip(raw)
        )));
    }
    let name = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| {
            RouteError::BadInput(format!("the name '{}' is not valid UTF-8", clip(raw)))
        })?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(RouteError::BadInput(format!(
            "a name is at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.into_owned())
}

/// `text` cut to 100 characters for a message, saying how long it was.
fn clip(text: &str) -> String {
    const MAX: usize = 100;
    let count = text.chars().count();
    if count <= MAX {
        return text.to_string();
    }
    let start: String = text.chars().take(MAX).collect();
    format!("{start}… ({count} characters)")
}

/// The query's pairs, decoded (`+` is a space).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn lines_spec(query: &str) -> Result<LinesSpec, RouteError> {
    let mut spec = LinesSpec {
        n: 5,
        interval_ms: 200,
        terminator: LineEnd::Lf,
        split: false,
    };
    for (key, value) in query_pairs(query) {
        match key.as_str() {
            "n" => spec.n = number("n", &value, 1, MAX_LINES)?,
            "interval_ms" => {
                spec.interval_ms = number("interval_ms", &value, 0, MAX_LINE_INTERVAL_MS)?
            }
            "terminator" => {
                spec.terminator = match value.as_str() {
                    "lf" => LineEnd::Lf,
                    "crlf" => LineEnd::CrLf,
                    _ => {
                        return Err(RouteError::BadInput(format!(
                            "terminator must be lf or crlf, got '{value}'"
                        )))
                    }
                }
            }
            "split" => spec.split = number("split", &value, 0, 1)? == 1,
            // Other parameters are ignored, as most servers do.
            _ => {}
        }
    }
    let total = u64::from(spec.n) * u64::from(spec.interval_ms);
    if total > u64::from(MAX_DELAY_MS) {
        return Err(RouteError::BadInput(format!(
            "n × interval_ms must be at most {MAX_DELAY_MS} ms, got {} × {} = {total}",
            spec.n, spec.interval_ms
        )));
    }
    Ok(spec)
}

fn search_spec(query: &str) -> Result<SearchSpec, RouteError> {
    let mut spec = SearchSpec {
        query: String::new(),
        delay_ms: 0,
        attempt: 1,
        flaky: 0,
    };
    for (key, value) in query_pairs(query) {
        match key.as_str() {
            "q" => {
                let count = value.chars().count();
                if count > MAX_QUERY_CHARS {
                    return Err(RouteError::BadInput(format!(
                        "a search is at most {MAX_QUERY_CHARS} characters, got {count}"
                    )));
                }
                spec.query = value;
            }
            "delay_ms" => spec.delay_ms = number("delay_ms", &value, 0, MAX_DELAY_MS)?,
            "attempt" => spec.attempt = number("attempt", &value, 1, MAX_ATTEMPT)?,
            "flaky" => spec.flaky = number("flaky", &value, 0, MAX_FLAKY)?,
            // Other parameters are ignored, as most servers do.
            _ => {}
        }
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Result<Route, RouteError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        route("GET", path, query)
    }

    #[test]
    fn the_seeds_routes_are_found() {
        assert_eq!(get("api/"), Ok(Route::Index));
        assert_eq!(
            get("api/hello/Ann"),
            Ok(Route::Hello { name: "Ann".into() })
        );
    }

    #[test]
    fn a_name_is_percent_decoded() {
        assert_eq!(
            get("api/hello/%E5%BC%A0%E4%B8%89"),
            Ok(Route::Hello {
                name: "张三".into()
            })
        );
        assert_eq!(
            get("api/hello/Ann%20Lee"),
            Ok(Route::Hello {
                name: "Ann Lee".into()
            })
        );
        let err = get("api/hello/%FF").expect_err("not UTF-8");
        assert_eq!(err.status(), 400);
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            get(&format!("api/hello/{long}")).map_err(|e| e.status()),
            Err(400)
        );
    }

    #[test]
    fn numbers_are_whole_and_in_range() {
        assert_eq!(get("api/delay/500"), Ok(Route::Delay { ms: 500 }));
        assert_eq!(get("api/delay/0"), Ok(Route::Delay { ms: 0 }));
        assert_eq!(get("api/delay/60000"), Ok(Route::Delay { ms: 60_000 }));
        for bad in ["abc", "-5", "1.5", "", " 5", "+5", "1e3", "99999999999999"] {
            let err = get(&format!("api/delay/{bad}")).expect_err(bad);
            assert_eq!(err.status(), 400, "{bad}");
        }
        let err = get("api/delay/60001").expect_err("over the cap");
        assert_eq!(
            err.to_string(),
            "delay in ms must be a whole number from 0 to 60000, got '60001'"
        );
    }

    #[test]
    fn statuses_are_those_a_response_can_carry() {
        assert_eq!(get("api/status/404"), Ok(Route::Status { code: 404 }));
        assert_eq!(get("api/status/500"), Ok(Route::Status { code: 500 }));
        assert_eq!(get("api/status/200"), Ok(Route::Status { code: 200 }));
        for bad in ["199", "600", "101", "x"] {
            assert_eq!(
                get(&format!("api/status/{bad}")).map_err(|e| e.status()),
                Err(400),
                "{bad}"
            );
        }
    }

    #[test]
    fn posts_beyond_the_last_are_not_found() {
        assert_eq!(get("api/posts/1"), Ok(Route::Post { id: 1 }));
        assert_eq!(get("api/posts/100"), Ok(Route::Post { id: 100 }));
        let err = get("api/posts/101").expect_err("no such post");
        assert_eq!(err.status(), 404);
        assert!(err.to_string().contains("posts are 1 to 100"), "{err}");
        assert_eq!(get("api/posts/0").map_err(|e| e.status()), Err(404));
        assert_eq!(get("api/posts/one").map_err(|e| e.status()), Err(400));
    }

    #[test]
    fn a_post_id_that_is_not_whole_names_the_real_range() {
        for bad in ["1.5", "-1", "one", "1e2"] {
            let err = get(&format!("api/posts/{bad}")).expect_err(bad);
            assert_eq!(err.status(), 400, "{bad}");
            assert_eq!(
                err.to_string(),
                format!("post id must be a whole number from 1 to 100, got '{bad}'")
            );
        }
        let err = get("api/posts/99999999999").expect_err("past u32");
        assert_eq!(err.status(), 404);
        assert!(err.to_string().contains("posts are 1 to 100"), "{err}");
    }

    #[test]
    fn an_invalid_percent_escape_in_a_name_is_refused_in_words() {
        for bad in ["%ZZ", "Ann%", "Ann%4", "%G0x"] {
            let err = get(&format!("api/hello/{bad}")).expect_err(bad);
            assert_eq!(err.status(), 400, "{bad}");
            assert!(err.to_string().contains("invalid percent escape"), "{err}");
        }
        assert_eq!(
            get("api/hello/%ZZ").expect_err("400").to_string(),
            "the name '%ZZ' has an invalid percent escape '%ZZ': % must be followed by two hex digits"
        );
        assert_eq!(
            get("api/hello/100%25"),
            Ok(Route::Hello {
                name: "100%".into()
            })
        );
        let long = format!("%ZZ{}", "a".repeat(10_000));
        let message = get(&format!("api/hello/{long}"))
            .expect_err("400")
            .to_string();
        assert!(message.contains("(10003 characters)"), "{message}");
    }

    #[test]
    fn head_is_taken_wherever_get_is() {
        for path in [
            "api/",
            "api/hello/Ann",
            "api/delay/5",
            "api/posts/1",
            "api/status/404",
            "api/lines",
            "api/echo",
            "api/search",
        ] {
            assert!(route("HEAD", path, "").is_ok(), "{path}");
        }
        assert_eq!(
            route("PUT", "api/delay/5", "")
                .expect_err("405")
                .to_string(),
            "api/delay/5 does not take PUT: it takes GET and HEAD"
        );
    }

    #[test]
    fn unknown_paths_are_404_and_list_the_routes() {
        for path in [
            "api/nope",
            "api/hello",
            "api/hello/",
            "api/delay/5/6",
            "/index.html",
        ] {
            let err = get(path).expect_err(path);
            assert_eq!(err.status(), 404, "{path}");
        }
        assert!(get("api/nope")
            .expect_err("404")
            .to_string()
            .contains("api/delay/{ms}"));
    }

    #[test]
    fn echo_takes_get_and_post_and_the_rest_take_get() {
        assert_eq!(route("POST", "api/echo", "key=value"), Ok(Route::Echo));
        assert_eq!(route("get", "api/echo", ""), Ok(Route::Echo));
        let err = route("DELETE", "api/echo", "").expect_err("405");
        assert_eq!(err.status(), 405);
        assert_eq!(
            err.to_string(),
            "api/echo does not take DELETE: it takes GET, HEAD and POST"
        );
        assert_eq!(
            route("POST", "api/delay/5", "").map_err(|e| e.status()),
            Err(405)
        );
    }

    #[test]
    fn lines_take_their_parameters_with_defaults() {
        assert_eq!(
            get("api/lines"),
            Ok(Route::Lines(LinesSpec {
                n: 5,
                interval_ms: 200,
                terminator: LineEnd::Lf,
                split: false
            }))
        );
        assert_eq!(
            get("api/lines?n=3&interval_ms=50&terminator=crlf&split=1&tag=x"),
            Ok(Route::Lines(LinesSpec {
                n: 3,
                interval_ms: 50,
                terminator: LineEnd::CrLf,
                split: true
            }))
        );
        for bad in [
            "n=0",
            "n=1001",
            "interval_ms=-1",
            "terminator=nul",
            "split=2",
            "n=1000&interval_ms=61",
        ] {
            assert_eq!(
                get(&format!("api/lines?{bad}")).map_err(|e| e.status()),
                Err(400),
                "{bad}"
            );
        }
    }

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            query_pairs("key=value&a=b%20c&d=e+f&flag"),
            [
                ("key".to_string(), "value".to_string()),
                ("a".into(), "b c".into()),
                ("d".into(), "e f".into()),
                ("flag".into(), "".into()),
            ]
        );
        assert!(query_pairs("").is_empty());
    }

    #[test]
    fn search_takes_its_query_delay_and_flaky_attempts_with_defaults() {
        assert_eq!(
            get("api/search"),
            Ok(Route::Search(SearchSpec {
                query: String::new(),
                delay_ms: 0,
                attempt: 1,
                flaky: 0
            }))
        );
        let spec = SearchSpec {
            query: "async rust".into(),
            delay_ms: 300,
            attempt: 2,
            flaky: 1,
        };
        assert_eq!(
            get("api/search?q=async+rust&delay_ms=300&attempt=2&flaky=1&page=3"),
            Ok(Route::Search(spec.clone()))
        );
        // The first `flaky` attempts fail, the next one gets through.
        assert!(!spec.fails());
        assert!(SearchSpec {
            attempt: 1,
            ..spec.clone()
        }
        .fails());
        assert!(!SearchSpec {
            flaky: 0,
            attempt: 1,
            ..spec
        }
        .fails());
        assert_eq!(
            get("api/search?q=%E5%BC%A0").map(|r| match r {
                Route::Search(s) => s.query,
                _ => String::new(),
            }),
            Ok("张".to_string())
        );
        for bad in [
            "delay_ms=60001",
            "delay_ms=-1",
            "attempt=0",
            "attempt=101",
            "flaky=11",
            "flaky=x",
        ] {
            assert_eq!(
                get(&format!("api/search?q=a&{bad}")).map_err(|e| e.status()),
                Err(400),
                "{bad}"
            );
        }
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(
            get(&format!("api/search?q={long}"))
                .expect_err("too long")
                .to_string(),
            "a search is at most 100 characters, got 101"
        );
        assert_eq!(
            route("POST", "api/search", "q=a").map_err(|e| e.status()),
            Err(405)
        );
    }
}
