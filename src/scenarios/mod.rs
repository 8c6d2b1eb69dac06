//! The lessons: each a Python asyncio program of the seed articles, retold in async Rust that
//! runs on the browser's event loop through the tracer.
//!
//! A new lesson is one new file here and one line in [`LESSONS`]; nothing in `ui` changes.

/// A lesson's running code (between its `// ANCHOR: lesson` markers), extracted from
/// `src/scenarios/$file` by build.rs: the real source, without the rest of the file.
macro_rules! lesson_source {
    ($file:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/lesson-src/", $file))
    };
}

pub mod articles;
pub mod blocking;
mod body_stream;
mod cancel;
pub mod chat;
mod create_task;
mod db_query;
mod errors;
mod event_loop;
mod fetch;
mod fetch_errors;
mod fetch_failure;
mod fetch_gather;
mod fetch_limit;
mod fetch_post;
mod fetch_url;
mod gather;
mod hello_sleep;
pub mod idb;
pub mod line_protocol;
mod lock;
mod one_thread;
mod params;
mod producer_consumer;
mod run;
mod semaphore;
mod server_hello;
pub mod server_log;
pub mod service_worker;
mod task_order;
mod task_result;
mod timeout;

use futures::future::LocalBoxFuture;

pub use params::{validate, ParamError, ParamSpec, Params};
pub use run::{
    check_at_least, check_at_most, check_lines, check_on_time, start, Check, Line, Out, Printed,
    Run, RunCancel, RunReport, RunState, MAX_LINES,
};

/// Every lesson, in the order the page lists them.
pub static LESSONS: &[&Scenario] = &[
    &hello_sleep::LESSON,
    &create_task::LESSON,
    &task_order::LESSON,
    &task_result::LESSON,
    &gather::LESSON,
    &one_thread::LESSON,
    &semaphore::LESSON,
    &lock::LESSON,
    &producer_consumer::LESSON,
    &timeout::LESSON,
    &cancel::LESSON,
    &errors::LESSON,
    &event_loop::LESSON,
    &blocking::LESSON,
    &db_query::LESSON,
    &fetch::LESSON,
    &fetch_gather::LESSON,
    &fetch_limit::LESSON,
    &fetch_errors::LESSON,
    &fetch_post::LESSON,
    &fetch_url::LESSON,
    &server_hello::LESSON,
    &line_protocol::LESSON,
    &chat::LESSON,
];

/// A seed article the lessons come from (see [`articles`]).
#[derive(Debug)]
pub struct Article {
    /// Its file's number in shared/seeds/ (000-004).
    pub seed: &'static str,
    /// The article's own (Chinese) title.
    pub title: &'static str,
    /// The title in English, for the lesson list.
    pub title_en: &'static str,
    pub summary: &'static str,
}

/// One lesson: its metadata, the Python it retells, the Rust that runs, and its checks.
pub struct Scenario {
    /// Part of the automation contract (`?scenario=ID`, `window.asyncscope.run(ID)`).
    pub id: &'static str,
    pub title: &'static str,
    pub article: &'static Article,
    /// Where in the article the program is, as the seed numbers its sections.
    pub section: &'static str,
    /// What the run shows, in a sentence or two.
    pub summary: &'static str,
    /// The seed's Python program.
    pub python: &'static str,
    /// The lesson's running code, from its own file (`lesson_source!("file.rs")`, extracted at
    /// build time); [`Scenario::rust_excerpt`] is what the page shows.
    pub rust_source: &'static str,
    pub params: &'static [ParamSpec],
    /// The program: prints with `Out`, returns an error message if it fails.
    pub main: fn(Out, Params) -> LocalBoxFuture<'static, Result<(), String>>,
    /// The lesson's verdicts on a finished run.
    pub checks: fn(&Params, &[Line]) -> Vec<Check>,
}

/// Lessons are known by their id.
impl PartialEq for Scenario {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Scenario {
    /// The part of the lesson's source between `// ANCHOR: lesson` and `// ANCHOR_END: lesson`:
    /// the real code that runs, shown beside the Python.
    pub fn rust_excerpt(&self) -> &'static str {
        let src = self.rust_source;
        let start = src
            .find("// ANCHOR: lesson\n")
            .map_or(0, |i| i + "// ANCHOR: lesson\n".len());
        let end = src[start..]
            .find("// ANCHOR_END: lesson")
            .map_or(src.len(), |i| start + i);
        src[start..end].trim_end()
    }

    /// Validates raw `(name, value)` pairs against this lesson's parameters.
    pub fn validate<'a>(
        &'static self,
        raw: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Params, ParamError> {
        validate(self.id, self.params, raw)
    }
}

/// The lesson with this id, or an error that lists the known ones.
pub fn find(id: &str) -> Result<&'static Scenario, ParamError> {
    LESSONS
        .iter()
        .copied()
        .find(|s| s.id == id)
        .ok_or_else(|| ParamError::UnknownLesson {
            id: id.to_string(),
            known: LESSONS.iter().map(|s| s.id).collect(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_ids_are_unique_and_url_safe() {
        let mut ids: Vec<_> = LESSONS.iter().map(|s| s.id).collect();
        for id in &ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), LESSONS.len());
    }

    #[test]
    fn every_excerpt_is_real_code_without_its_markers() {
        for lesson in LESSONS {
            let code = lesson.rust_excerpt();
            assert!(code.contains("async fn"), "{}: {code}", lesson.id);
            assert!(!code.contains("ANCHOR"), "{}", lesson.id);
            assert!(lesson.rust_source.contains(code));
        }
    }

    #[test]
    fn every_default_is_within_its_range() {
        for lesson in LESSONS {
            for p in lesson.params {
                assert!(
                    p.min <= p.default && p.default <= p.max,
                    "{}.{}",
                    lesson.id,
                    p.name
                );
            }
        }
    }

    #[test]
    fn an_unknown_lesson_lists_the_known_ones() {
        let err = find("nope").err().map(|e| e.to_string());
        let ids: Vec<&str> = LESSONS.iter().map(|s| s.id).collect();
        assert_eq!(
            err,
            Some(format!(
                "no lesson 'nope': the lessons are {}",
                ids.join(", ")
            ))
        );
        assert!(ids.contains(&"hello-sleep"));
        assert!(find("hello-sleep").is_ok());
    }
}
