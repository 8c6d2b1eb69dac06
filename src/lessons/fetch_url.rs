//! Lesson `fetch-url`: article 002's `fetch_url(url)` on a set of URLs at once, the page's own
//! and others: each comes back as a body or as an error explained in words (a CORS refusal, a
//! host that does not answer, an error status). The URL sets are a choice (the lesson
//! parameters are numbers and choices, not free text).

use futures::future::join_all;

use super::lesson;
use super::run::server_ready;
use super::{lesson_params, param_choice, Check, Lesson, Line, Printer};
use crate::browser::http::{self, HttpError};
use crate::trace::{instrument, now_ms};
use crate::wire::path;

/// A set of URLs fetched concurrently: each prints its status and the start of its body, or its
/// error explained (CORS, no answer, a 4xx or 5xx).
pub const LESSON: Lesson = lesson! {
    id: "fetch-url", title: "Fetch a set of URLs, errors in words", params: FetchUrlParams,
    article: ASYNCIO_AIOHTTP, section: "5.1 发起异步HTTP请求",
};

param_choice! {
    /// Which URLs are fetched.
    pub(super) enum UrlSet {
        /// This site, another origin, a host that does not exist, a 404.
        Mixed = "mixed",
        /// The server's own routes.
        ThisSite = "this-site",
        /// Public sites (they fail without a network).
        Internet = "internet",
    }
}

lesson_params! {
    /// What `fetch-url` takes.
    pub(super) struct FetchUrlParams {
        /// mixed: this site, another origin, a host that does not exist, a 404; this-site: the
        /// server's own routes; internet: public sites (they fail without a network)
        urls: UrlSet,
    }
}

impl UrlSet {
    fn urls(self) -> Vec<String> {
        match self {
            UrlSet::ThisSite => vec![path::post(1), path::hello("Ann"), path::delay(300)],
            UrlSet::Internet => vec![
                "https://jsonplaceholder.typicode.com/posts/1".into(),
                "https://www.example.com/".into(),
                "https://httpbin.org/get".into(),
            ],
            UrlSet::Mixed => vec![
                path::post(1),
                http::cross_origin_url(),
                "https://www.invalidurl.invalid/".into(),
                path::status(404),
            ],
        }
    }

    /// How many URLs [`UrlSet::urls`] gives, without asking the page for its other origin.
    fn count(self) -> usize {
        match self {
            UrlSet::ThisSite | UrlSet::Internet => 3,
            UrlSet::Mixed => 4,
        }
    }
}

/// When a fetch started and ended (ms since the run began), and how it came out.
struct Outcome {
    started: f64,
    ended: f64,
    result: Result<String, HttpError>,
}

pub(super) async fn run(out: Printer, params: FetchUrlParams) -> Result<(), String> {
    let set = params.urls;
    let urls = set.urls();
    // The other sites need no server, but the page's own URLs do.
    if urls.iter().any(|u| u.starts_with(path::API)) {
        server_ready(&out).await?;
    }
    let start = now_ms();
    let outcomes = main(&out, &urls, start).await;
    for outcome in &outcomes {
        if let Err(e) = &outcome.result {
            out.note(e.to_string());
        }
    }
    // Sequential fetches would start each after the one before ended.
    let last_start = outcomes.iter().map(|o| o.started).fold(0.0, f64::max);
    let first_end = outcomes.iter().map(|o| o.ended).fold(f64::MAX, f64::min);
    let network: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !matches!(o.result, Err(HttpError::InvalidUrl { .. })))
        .collect();
    out.check(Check {
        name: "all requests were under way before the first answer came".into(),
        ok: network.len() < 2 || last_start <= first_end,
        expected: "last start <= first end".into(),
        actual: format!("last start {last_start:.1} ms, first end {first_end:.1} ms"),
    });
    if set == UrlSet::Mixed {
        let kinds: Vec<&str> = outcomes
            .iter()
            .map(|o| o.result.as_ref().map_or_else(HttpError::kind, |_| "ok"))
            .collect();
        // A CORS refusal only: the other origin not answering at all (off loopback, with no
        // network) is no refusal.
        out.check(Check {
            name: "each URL came out as it should: body, CORS refusal, no answer, 404".into(),
            ok: kinds.first() == Some(&"ok")
                && kinds.get(1) == Some(&"CORS refusal")
                && kinds.get(2) == Some(&"ClientConnectorError")
                && matches!(
                    outcomes.get(3).map(|o| &o.result),
                    Some(Err(HttpError::Status { status: 404, .. }))
                ),
            expected: "ok / CORS refusal / ClientConnectorError / ClientResponseError 404".into(),
            actual: kinds.join(" / "),
        });
    }
    Ok(())
}

// ANCHOR: lesson
/// Every URL at once; each gives its status and the start of its body, or an error in words.
async fn main(out: &Printer, urls: &[String], start: f64) -> Vec<Outcome> {
    let fetches = urls.iter().map(|url| {
        instrument(url, async move {
            let started = now_ms() - start;
            let result = fetch_url(url).await;
            let ended = now_ms() - start;
            Outcome {
                started,
                ended,
                result,
            }
        })
    });
    let outcomes = join_all(fetches).await;
    for (url, outcome) in urls.iter().zip(&outcomes) {
        match &outcome.result {
            Ok(text) => out.print(format!("{url} -> {text}")),
            Err(e) => out.print(format!("{url} -> {}: {e}", e.kind())),
        }
    }
    outcomes
}

async fn fetch_url(url: &str) -> Result<String, HttpError> {
    let response = http::get(url).await?;
    let text: String = response.text().chars().take(60).collect();
    Ok(format!("{} {}", response.status, text.replace('\n', " ")))
}
// ANCHOR_END: lesson

pub(super) fn checks(params: &FetchUrlParams, lines: &[Line]) -> Vec<Check> {
    let n = params.urls.count();
    vec![Check {
        name: "one line per URL, each a result or an error in words".into(),
        ok: lines.len() == n && lines.iter().all(|l| l.text.contains(" -> ")),
        expected: format!("{n} lines 'URL -> ...'"),
        actual: format!("{} lines", lines.len()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed as lines;

    #[test]
    fn the_sets_that_need_no_page_have_as_many_urls_as_counted() {
        for set in [UrlSet::ThisSite, UrlSet::Internet] {
            assert_eq!(set.urls().len(), set.count(), "{set:?}");
        }
    }

    #[test]
    fn one_line_per_url_of_the_set_passes() {
        let run = [
            "a -> 200 {",
            "b -> CORS refusal: no",
            "c -> ClientConnectorError: x",
        ];
        let this_site = FetchUrlParams {
            urls: UrlSet::ThisSite,
        };
        assert!(checks(&this_site, &lines(&run))[0].ok);
        // The mixed set has four URLs.
        assert!(!checks(&FetchUrlParams::default(), &lines(&run))[0].ok);
        assert!(!checks(&this_site, &lines(&["a: 200"; 3]))[0].ok);
    }
}
