//! Lesson `fetch`: article 002's first aiohttp program, one GET of a JSON post, retold with the
//! traced fetch. The request goes through the browser's network stack (DevTools' Network panel
//! shows it) and is answered by the in-browser server, a service worker written in Rust.

use super::lesson;
use super::run::with_server;
use super::{check_lines, lesson_params, Check, Lesson, Line, Printer};
use crate::trace::fetch::{FetchError, Request};
use crate::wire::{path, MAX_POST_ID};

/// fetch_url awaits one GET of a JSON post and main prints the body; the status and the server's
/// log of the request are noted beside it.
pub const LESSON: Lesson = lesson! {
    id: "fetch", title: "One GET with the traced fetch", params: FetchParams,
    article: ASYNCIO_AIOHTTP, section: "3.2 aiohttp库的基本用法示例",
};

lesson_params! {
    /// What `fetch` takes.
    pub(super) struct FetchParams {
        /// which post to fetch (the server has posts 1 to 100, like jsonplaceholder)
        post: u32 = 1 in 1..=(MAX_POST_ID),
    }
}

/// What the seed's program prints: jsonplaceholder's post 1, as its server sends it (pretty
/// JSON). The in-browser server's post 1 must be the same text.
const SEED_POST_1: [&str; 6] = [
    "{",
    "  \"userId\": 1,",
    "  \"id\": 1,",
    "  \"title\": \"sunt aut facere repellat provident occaecati excepturi optio reprehenderit\",",
    "  \"body\": \"quia et suscipit\\nsuscipit recusandae consequuntur expedita et cum\\nreprehenderit \
     molestiae ut ut quas totam\\nnostrum rerum est autem sunt rem eveniet architecto\"",
    "}",
];

pub(super) async fn run(out: Printer, params: FetchParams) -> Result<(), String> {
    with_server(&out, 1, || async {
        main(&out, &path::post(params.post))
            .await
            .map_err(|e| e.to_string())
    })
    .await
}

// ANCHOR: lesson
/// `fetch_url`: one GET; the whole body is read before it returns.
async fn fetch_url(out: &Printer, url: &str) -> Result<String, FetchError> {
    let response = Request::get(url).send().await?;
    out.note(format!(
        "GET {url}: {} {}, {} bytes of {}",
        response.status,
        response.status_text,
        response.body.len(),
        response.header("content-type").unwrap_or("no content-type"),
    ));
    out.check(Check {
        name: "the server answered 200 OK".into(),
        ok: response.status == 200,
        expected: "200".into(),
        actual: response.status.to_string(),
    });
    Ok(response.text())
}

async fn main(out: &Printer, url: &str) -> Result<(), FetchError> {
    let html = fetch_url(out, url).await?;
    for line in html.lines() {
        out.print(line);
    }
    Ok(())
}
// ANCHOR_END: lesson

pub(super) fn checks(params: &FetchParams, lines: &[Line]) -> Vec<Check> {
    let text: String = lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let json: Option<serde_json::Value> = crate::json::from_str(&text).ok();
    let id = json.as_ref().and_then(|j| j["id"].as_f64());
    let post_1 = (id == Some(1.0)).then(|| check_lines(lines, &SEED_POST_1));
    let post = Check {
        name: "prints the post asked for, as JSON".into(),
        ok: id == Some(f64::from(params.post)),
        expected: format!("a JSON post with id {}", params.post),
        actual: match (&json, id) {
            (Some(_), Some(id)) => format!("a JSON post with id {id}"),
            (Some(_), None) => "JSON without an id".into(),
            (None, _) => format!("not JSON: {}", text.chars().take(80).collect::<String>()),
        },
    };
    // Post 1 is the seed's own: the very text its program prints.
    [post].into_iter().chain(post_1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::checks::printed as lines;

    #[test]
    fn the_printed_post_is_judged_by_its_id() {
        let params = FetchParams { post: 1 };
        let post_1 = lines(&SEED_POST_1);
        assert!(checks(&params, &post_1).iter().all(|c| c.ok));
        let other = FetchParams { post: 2 };
        assert!(!checks(&other, &post_1)[0].ok);
        assert!(!checks(&params, &[])[0].ok);
    }

    #[test]
    fn post_1_must_be_the_seeds_text() {
        let params = FetchParams::default();
        // Post 1 with another title, on one line: JSON with id 1, but not what the seed prints.
        let wrong = lines(&[r#"{"userId": 1, "id": 1, "title": "hello", "body": ""}"#]);
        let got = checks(&params, &wrong);
        assert!(got[0].ok, "{got:?}");
        assert!(!got[1].ok, "{got:?}");
    }
}
