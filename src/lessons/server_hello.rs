//! Lesson `server-hello`: article 001's aiohttp server, running for real in this browser: the
//! in-browser server (a service worker written in Rust, `src/server/`) has the seed's two
//! routes, `/` and `/hello/{name}` (which sleeps 0.5 s), under `api/` of the site's folder. The
//! page asks for the index and greets several names at once: the sleeps overlap, so it all takes
//! about 0.5 s.

use futures::future::join_all;

use super::lesson;
use super::run::with_server;
use super::{check_at_least, lesson_params, Check, Lesson, Line, Printer};
use crate::browser::site;
use crate::trace::fetch::{FetchError, Request};
use crate::trace::{instrument, now_ms};
use crate::wire::{path, HELLO_DELAY_MS};

/// The seed's server (index, and hello that sleeps 0.5 s) answers from a service worker written in
/// Rust; the index and several greetings fetched at once take about 0.5 s in all, because the
/// server's sleeps overlap.
pub const LESSON: Lesson = lesson! {
    id: "server-hello",
    title: "The seed's aiohttp server, in a service worker",
    params: ServerHelloParams,
    article: ASYNC_IO_PRACTICE, section: "asyncio + aiohttp: 编写一个HTTP服务器",
};

lesson_params! {
    /// What `server-hello` takes: at most as many names as it knows ([`NAMES`]).
    pub(super) struct ServerHelloParams {
        /// how many names to greet at once
        names: usize = 4 in 2..=(NAMES.len()),
    }
}

const NAMES: [&str; 6] = ["Ann", "Bob", "张三", "Zoë", "<b>Eve</b>", "Mallory"];

/// What the seed's server answers: its index, `b'<h1>Index</h1>'`.
const SEED_INDEX: &str = "<h1>Index</h1>";
/// The seed's `'<h1>Hello, %s!</h1>' % name` for each of [`NAMES`], the name HTML-escaped (the
/// seed's would put `<b>` in a name straight into the page).
const SEED_GREETINGS: [&str; 6] = [
    "<h1>Hello, Ann!</h1>",
    "<h1>Hello, Bob!</h1>",
    "<h1>Hello, 张三!</h1>",
    "<h1>Hello, Zoë!</h1>",
    "<h1>Hello, &lt;b&gt;Eve&lt;/b&gt;!</h1>",
    "<h1>Hello, Mallory!</h1>",
];

pub(super) async fn run(out: Printer, params: ServerHelloParams) -> Result<(), String> {
    let names = params.names;
    with_server(&out, names + 1, || greet_and_judge(&out, names)).await
}

async fn greet_and_judge(out: &Printer, names: usize) -> Result<(), String> {
    let start = now_ms();
    let texts = main(out, &NAMES[..names])
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = now_ms() - start;
    let hello = f64::from(HELLO_DELAY_MS);
    out.check(check_at_least(
        "the greetings took no less than hello's 0.5 s sleep",
        elapsed,
        hello,
    ));
    let one_by_one = hello * names as f64;
    out.check(Check {
        name: format!("the {names} sleeps overlapped: at least 2x faster than one after another"),
        ok: elapsed * 2.0 <= one_by_one,
        expected: format!(
            "<= {:.0} ms (half of {names} × {hello} ms)",
            one_by_one / 2.0
        ),
        actual: format!("{elapsed:.0} ms"),
    });
    out.check(check_bodies(&texts, names));
    Ok(())
}

/// The bodies, in order, are the seed's index and its greeting of each name.
fn check_bodies(texts: &[String], names: usize) -> Check {
    let expected: Vec<&str> = [SEED_INDEX]
        .into_iter()
        .chain(SEED_GREETINGS.into_iter().take(names))
        .collect();
    Check {
        name: "each route answered the seed's body (the name HTML-escaped)".into(),
        ok: texts == expected,
        expected: expected.join(" "),
        actual: texts.join(" "),
    }
}

// ANCHOR: lesson
/// The client: GET the index and greet every name, all at once.
async fn main(out: &Printer, names: &[&str]) -> Result<Vec<String>, FetchError> {
    out.print(format!("Server started at {}", site::url(path::API)));
    let mut paths = vec![path::INDEX.to_string()];
    // Names go in the path percent-encoded (张 is %E5%BC%A0); the server decodes them.
    paths.extend(names.iter().map(|n| path::hello(n)));
    let gets = paths.iter().map(|path| instrument(path, get(path)));
    let mut texts = Vec::new();
    for text in join_all(gets).await {
        let text = text?;
        out.print(&text);
        texts.push(text);
    }
    Ok(texts)
}

async fn get(path: &str) -> Result<String, FetchError> {
    Ok(Request::get(path).send().await?.text())
}
// ANCHOR_END: lesson

pub(super) fn checks(params: &ServerHelloParams, lines: &[Line]) -> Vec<Check> {
    let names = params.names;
    let started = lines
        .first()
        .is_some_and(|l| l.text.starts_with("Server started at "));
    vec![Check {
        name: "prints the start line, then the index and a greeting per name".into(),
        ok: started && lines.len() == names + 2,
        expected: format!("Server started at ... then {} bodies", names + 1),
        actual: format!("{} lines", lines.len()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed as lines;

    #[test]
    fn hello_sleeps_as_long_as_the_seeds() {
        // The seed's hello: `await asyncio.sleep(0.5)`.
        assert_eq!(HELLO_DELAY_MS, 500);
    }

    #[test]
    fn the_start_line_then_a_body_per_route_pass() {
        let params = ServerHelloParams { names: 2 };
        let run = [
            "Server started at http://127.0.0.1:8080/api/",
            "<h1>Index</h1>",
            "<h1>Hello, Ann!</h1>",
            "<h1>Hello, Bob!</h1>",
        ];
        assert!(checks(&params, &lines(&run))[0].ok);
        assert!(!checks(&params, &lines(&run[..3]))[0].ok);
        assert!(!checks(&params, &lines(&run[1..]))[0].ok);
    }

    #[test]
    fn no_more_names_are_asked_for_than_the_lesson_knows() {
        let names = ServerHelloParams::SPECS[0];
        assert_eq!(names.max, NAMES.len() as f64);
        assert!(LESSON.validate([("names", "7")]).is_err());
    }

    #[test]
    fn the_bodies_must_be_the_seeds() {
        let seed = |texts: &[&str]| texts.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let right = seed(&[
            "<h1>Index</h1>",
            "<h1>Hello, Ann!</h1>",
            "<h1>Hello, Bob!</h1>",
        ]);
        assert!(check_bodies(&right, 2).ok);
        // A server that did not escape the name, or answered the index for a greeting, fails.
        let unescaped = seed(&[
            "<h1>Index</h1>",
            "<h1>Hello, Ann!</h1>",
            "<h1>Hello, Bob!</h1>",
            "<h1>Hello, 张三!</h1>",
            "<h1>Hello, Zoë!</h1>",
            "<h1>Hello, <b>Eve</b>!</h1>",
        ]);
        assert!(!check_bodies(&unescaped, 5).ok);
        let index_twice = seed(&["<h1>Index</h1>", "<h1>Index</h1>"]);
        assert!(!check_bodies(&index_twice, 1).ok);
    }
}
