//! Lesson `server-hello`: article 001's aiohttp server, running for real in this browser: the
//! in-browser server (a service worker written in Rust, `src/server/`) has the seed's two
//! routes, `/` and `/hello/{name}` (which sleeps 0.5 s), under `/api/`. The page asks for the
//! index and greets several names at once: the sleeps overlap, so it all takes about 0.5 s.

use std::time::Duration;

use futures::future::{join_all, FutureExt};

use super::articles;
use super::{check_at_least, Check, Lesson, Line, ParamSpec, Params, Printer};
use crate::browser::{server_log, service_worker};
use crate::server::{body, HELLO_DELAY_MS};
use crate::trace::fetch::{FetchError, Request};
use crate::trace::{instrument, now_ms};

/// The seed's server (index, and hello that sleeps 0.5 s) answers from a service worker written in
/// Rust; the index and several greetings fetched at once take about 0.5 s in all, because the
/// server's sleeps overlap.
pub const LESSON: Lesson = Lesson {
    location: std::panic::Location::caller(),
    id: "server-hello",
    title: "The seed's aiohttp server, in a service worker",
    article: &articles::ASYNC_IO_PRACTICE,
    section: "asyncio + aiohttp: 编写一个HTTP服务器",
    params: &[ParamSpec::number(
        "names",
        4.0,
        2.0,
        6.0,
        "how many names to greet at once",
    )],
    main: |out, params| {
        let names = params.get("names") as usize;
        async move { run(out, names).await }.boxed_local()
    },
    checks,
};

const NAMES: [&str; 6] = ["Ann", "Bob", "张三", "Zoë", "<b>Eve</b>", "Mallory"];

async fn run(out: Printer, names: usize) -> Result<(), String> {
    service_worker::ready(&out)
        .await
        .map_err(|e| e.to_string())?;
    let mark = server_log::mark();
    let start = now_ms();
    let texts = main(&out, &NAMES[..names])
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
    let mut expected = vec![body::INDEX.to_string()];
    expected.extend(NAMES[..names].iter().map(|n| body::hello(n)));
    out.check(Check {
        name: "each route answered the seed's body (the name HTML-escaped)".into(),
        ok: texts == expected,
        expected: expected.join(" "),
        actual: texts.join(" "),
    });
    server_log::wait_for(mark, names + 1, Duration::from_secs(2)).await;
    server_log::note_since(&out, mark);
    Ok(())
}

// ANCHOR: lesson
/// The client: GET the index and greet every name, all at once.
async fn main(out: &Printer, names: &[&str]) -> Result<Vec<String>, FetchError> {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    out.print(format!("Server started at {origin}/api/"));
    let mut paths = vec!["/api/".to_string()];
    // Names go in the path percent-encoded (张 is %E5%BC%A0); the server decodes them.
    paths.extend(names.iter().map(|n| format!("/api/hello/{}", encode(n))));
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

fn encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn checks(params: &Params, lines: &[Line]) -> Vec<Check> {
    let names = params.get("names") as usize;
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

    #[test]
    fn names_are_percent_encoded_for_the_path() {
        assert_eq!(encode("Ann"), "Ann");
        assert_eq!(encode("张三"), "%E5%BC%A0%E4%B8%89");
        assert_eq!(encode("<b>Eve</b>"), "%3Cb%3EEve%3C%2Fb%3E");
    }
}
