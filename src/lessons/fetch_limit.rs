//! Lesson `fetch-limit`: article 002's advice to bound the number of tasks, with article 000's
//! semaphore: N fetches, at most K in flight. The trace's semaphore shows never more than K
//! holders, and the server itself reports never more than K requests in flight.

use futures::future::join_all;

use super::lesson;
use super::run::{most_in_flight, with_server};
use super::{check_at_least, lesson_params, Check, Lesson, Line, Printer};
use crate::trace::fetch::{FetchError, Request};
use crate::trace::{instrument, now_ms, with_recorder, ResourceDetail, Semaphore};
use crate::wire::path;

/// N GETs started together, each first taking a permit of a semaphore of K: never more than K are
/// in flight, so the lot takes about N/K delays.
pub const LESSON: Lesson = lesson! {
    id: "fetch-limit", title: "At most K fetches in flight", params: FetchLimitParams,
    article: ASYNCIO_AIOHTTP, section: "6.2 优化异步编程性能的技巧: 合理设置任务数量",
};

lesson_params! {
    /// What `fetch-limit` takes. The delay is whole ms: it goes in the path, `/api/delay/{ms}`.
    pub(super) struct FetchLimitParams {
        /// how many fetches
        n: usize = 8 in 1..=100,
        /// how many may be in flight at once
        k: u32 = 3 in 1..=20,
        /// how long the server takes to answer each, in ms
        delay_ms: u32 = 200 in 20..=5000,
    }
}

pub(super) async fn run(out: Printer, params: FetchLimitParams) -> Result<(), String> {
    with_server(&out, params.n, || limit_and_judge(&out, params)).await
}

async fn limit_and_judge(out: &Printer, params: FetchLimitParams) -> Result<(), String> {
    let FetchLimitParams { n, k, delay_ms } = params;
    let start = now_ms();
    let sem = Semaphore::new("sem", k);
    let bodies = main(out, &sem, &path::delay(delay_ms), n)
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = now_ms() - start;

    let max_holders = with_recorder(|r| match r.resource_stats(sem.id()).map(|s| &s.detail) {
        Some(ResourceDetail::Semaphore { max_holders, .. }) => Some(*max_holders),
        _ => None,
    });
    let limit = k.min(n as u32);
    out.check(Check {
        name: format!("the trace's semaphore never had more than {k} holders"),
        ok: max_holders.is_some_and(|m| m <= k),
        expected: format!("<= {k}"),
        actual: max_holders.map_or("not recorded".into(), |m| m.to_string()),
    });
    let server_max = most_in_flight(&bodies).unwrap_or(u64::MAX);
    out.check(Check {
        name: format!("the server never had more than {k} of them in flight"),
        ok: server_max <= u64::from(k),
        expected: format!("<= {k}"),
        actual: server_max.to_string(),
    });
    out.check(Check {
        name: format!("the permits were used: {limit} in flight at once"),
        ok: max_holders == Some(limit),
        expected: limit.to_string(),
        actual: max_holders.map_or("not recorded".into(), |m| m.to_string()),
    });
    let rounds = n.div_ceil(k as usize);
    out.check(check_at_least(
        format!("it took no less than {rounds} rounds of the delay"),
        elapsed,
        f64::from(delay_ms) * rounds as f64,
    ));
    out.note(format!(
        "{n} fetches, at most {k} at once: {elapsed:.0} ms ({rounds} rounds of {delay_ms} ms)"
    ));
    Ok(())
}

// ANCHOR: lesson
/// `async with sem:` around the request: the permit is held until the body is read.
async fn fetch_url(sem: &Semaphore, url: &str) -> Result<String, FetchError> {
    let _permit = sem.acquire().await;
    let response = Request::get(url).send().await?;
    Ok(response.text())
}

async fn main(
    out: &Printer,
    sem: &Semaphore,
    url: &str,
    n: usize,
) -> Result<Vec<String>, FetchError> {
    let tasks = (0..n).map(|i| instrument(&format!("fetch {i}"), fetch_url(sem, url)));
    let responses: Result<Vec<String>, FetchError> = join_all(tasks).await.into_iter().collect();
    let responses = responses?;
    for resp in &responses {
        out.print(resp.chars().take(50).collect::<String>());
    }
    Ok(responses)
}
// ANCHOR_END: lesson

pub(super) fn checks(params: &FetchLimitParams, lines: &[Line]) -> Vec<Check> {
    let n = params.n;
    vec![Check {
        name: "prints the start of each of the N bodies".into(),
        ok: lines.len() == n && lines.iter().all(|l| l.text.starts_with("{\"delay_ms\"")),
        expected: format!("{n} lines starting {{\"delay_ms\""),
        actual: format!("{} lines", lines.len()),
    }]
}
