//! Lesson `fetch-gather`: article 002's `asyncio.gather` of several GETs. N fetches of a slow
//! route run at once with `join_all`, so the lot takes about one fetch, not N; the same N one
//! after another show the difference. The server reports how many requests it had in flight.

use futures::future::join_all;

use super::lesson;
use super::run::{most_in_flight, with_server};
use super::{check_at_least, lesson_params, Check, Lesson, Line, Printer};
use crate::trace::fetch::{FetchError, Request};
use crate::trace::{instrument, now_ms};
use crate::wire::path;

/// N GETs of /api/delay/{ms} awaited together with join_all (asyncio.gather) take about one delay;
/// awaited one after another they take N. Each body's first 50 characters are printed, like the
/// seed.
pub const LESSON: Lesson = lesson! {
    id: "fetch-gather", title: "gather: N fetches at once", params: FetchGatherParams,
    article: ASYNCIO_AIOHTTP, section: "4.3 异步编程实践示例",
};

lesson_params! {
    /// What `fetch-gather` takes. The delay is whole ms: it goes in the path, `/api/delay/{ms}`.
    pub(super) struct FetchGatherParams {
        /// how many fetches
        n: usize = 5 in 3..=50,
        /// how long the server takes to answer each, in ms
        delay_ms: u32 = 300 in 50..=5000,
    }
}

pub(super) async fn run(out: Printer, params: FetchGatherParams) -> Result<(), String> {
    // gather's n requests, then the n of the contrast.
    with_server(&out, 2 * params.n, || gather_and_judge(&out, params)).await
}

async fn gather_and_judge(out: &Printer, params: FetchGatherParams) -> Result<(), String> {
    let FetchGatherParams { n, delay_ms } = params;
    let url = path::delay(delay_ms);
    out.phase(format!("all {n} fetches at once (gather)"));
    let start = now_ms();
    let bodies = main(out, &url, n).await.map_err(|e| e.to_string())?;
    let gathered = now_ms() - start;

    let start = now_ms();
    sequential(out, &url, n).await.map_err(|e| e.to_string())?;
    let one_by_one = now_ms() - start;

    let delay = f64::from(delay_ms);
    out.note(format!(
        "gather: {n} fetches in {gathered:.0} ms; one after another: {one_by_one:.0} ms \
         ({:.1}x longer)",
        one_by_one / gathered
    ));
    out.check(check_at_least(
        "gather took no less than one delay",
        gathered,
        delay,
    ));
    out.check(check_at_least(
        format!("one after another took no less than {n} delays"),
        one_by_one,
        delay * n as f64,
    ));
    out.check(Check {
        name: "gather is at least 2x faster than one after another".into(),
        ok: one_by_one >= 2.0 * gathered,
        expected: ">= 2x".into(),
        actual: format!("{:.1}x", one_by_one / gathered),
    });
    let in_flight = most_in_flight(&bodies).unwrap_or(0);
    out.check(Check {
        name: "the server had all of gather's requests in flight at once".into(),
        ok: in_flight >= n as u64,
        expected: format!(">= {n} in flight"),
        actual: format!("{in_flight} at most"),
    });
    Ok(())
}

// ANCHOR: lesson
async fn fetch_url(url: &str) -> Result<String, FetchError> {
    let response = Request::get(url).send().await?;
    Ok(response.text())
}

/// `asyncio.gather(*tasks)`: every fetch starts at once; the results come in order.
async fn main(out: &Printer, url: &str, n: usize) -> Result<Vec<String>, FetchError> {
    let tasks = (0..n).map(|i| instrument(&format!("fetch {i}"), fetch_url(url)));
    let responses: Result<Vec<String>, FetchError> = join_all(tasks).await.into_iter().collect();
    let responses = responses?;
    for resp in &responses {
        out.print(resp.chars().take(50).collect::<String>()); // the first 50 characters
    }
    Ok(responses)
}

/// For contrast: each fetch awaited before the next one starts.
async fn sequential(out: &Printer, url: &str, n: usize) -> Result<(), FetchError> {
    for i in 0..n {
        out.phase(format!("now one after another, for contrast: {i}/{n}"));
        fetch_url(url).await?;
    }
    Ok(())
}
// ANCHOR_END: lesson

pub(super) fn checks(params: &FetchGatherParams, lines: &[Line]) -> Vec<Check> {
    let FetchGatherParams { n, delay_ms: delay } = *params;
    let bodies_ok = lines.len() == n
        && lines.iter().all(|l| {
            l.text.chars().count() <= 50
                && l.text.starts_with('{')
                && l.text.starts_with(&format!("{{\"delay_ms\":{delay},"))
        });
    vec![Check {
        name: "prints the first 50 characters of each of the N bodies".into(),
        ok: bodies_ok,
        expected: format!("{n} lines, each the start of a delay_ms {delay} body"),
        actual: format!(
            "{} lines: {}",
            lines.len(),
            lines.first().map_or("", |l| l.text.as_str())
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_bodies_are_judged() {
        let params = FetchGatherParams {
            n: 3,
            delay_ms: 300,
        };
        // What the server answers /api/delay/300 with, three requests in flight.
        let body = r#"{"delay_ms":300,"waited_ms":300.2,"in_flight":3}"#;
        let line = |text: &str| Line {
            t_ms: 0.0,
            text: text.chars().take(50).collect(),
        };
        let lines = vec![line(body), line(body), line(body)];
        assert!(
            checks(&params, &lines)[0].ok,
            "{:?}",
            checks(&params, &lines)
        );
        assert!(!checks(&params, &lines[..2])[0].ok);
        // Bodies of another delay than the one asked for fail.
        let other = r#"{"delay_ms":30,"waited_ms":30.1,"in_flight":3}"#;
        assert!(!checks(&params, &[line(other), line(other), line(other)])[0].ok);
    }
}
