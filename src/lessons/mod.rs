//! The lessons: each a Python asyncio program of the seed articles, retold in async Rust that
//! runs on the browser's event loop through the tracer.
//!
//! Beside the lessons, the machinery that runs them: `run` (a lesson's `main` as a traced task,
//! what it prints, its report), `params` (parameters validated where they enter),
//! [`typed_params`] (a lesson's parameters declared once, read as a typed struct), `checks`
//! (the verdicts lessons share) and [`articles`] (the seed articles).
//!
//! # Adding a lesson
//!
//! A new lesson is one file here, `NAME.rs` (with `NAME.py`, the Python it retells, beside it),
//! and one line in [`LESSONS`]; nothing in `ui` changes. In `NAME.rs`:
//! 1. Declare its parameters once with [`lesson_params!`] (a choice's enum with
//!    [`param_choice!`]): each field's name, type, default, range and help (its doc comment).
//! 2. `pub const LESSON: Lesson = lesson! { id, title, params, article, section }` (see
//!    [`lesson!`]): it wires the file's `async fn run(out: Printer, params: NameParams)` and
//!    `fn checks(params: &NameParams, lines: &[Line])` to the registry, each given the typed
//!    struct.
//! 3. The program, between `// ANCHOR: lesson` and `// ANCHOR_END: lesson`, prints with the
//!    [`Printer`]; `checks` judges the lines with the builders of `checks.rs`
//!    ([`check_schedule`] for lines due at given times), and its tests build the struct itself
//!    (`NameParams { delay_ms: Duration::from_millis(300), ..Default::default() }`).
//!
//! `hello_sleep.rs` is the smallest; [`lesson_params!`] has a whole example.
//!
//! The page shows each lesson's summary (the doc comment on its `LESSON`), its Python
//! (`NAME.py`) and the Rust that runs (the lines of `NAME.rs` between `// ANCHOR: lesson` and
//! `// ANCHOR_END: lesson`) from static files that the `lesson-texts` script writes at build time
//! and the page fetches when the lesson opens: they are not compiled into the wasm.
//!
//! A new lesson's program lives in the lessons chunk (see [`chunk`]): add its module to the list
//! in `chunk.rs` too (a test finds one missing).

pub mod articles;
mod blocking;
mod cancel;
mod chat;
mod checks;
pub mod chunk;
mod create_task;
mod db_query;
mod errors;
mod event_loop;
mod fetch;
mod fetch_errors;
mod fetch_gather;
mod fetch_limit;
mod fetch_post;
mod fetch_url;
mod gather;
mod hello_sleep;
mod line_protocol;
mod lock;
mod one_thread;
mod params;
mod producer_consumer;
pub mod python;
mod run;
mod semaphore;
mod server_hello;
mod task_order;
mod task_result;
mod timeout;
pub mod typed_params;

use futures::future::LocalBoxFuture;

pub use crate::{lesson, lesson_params, param_choice};
pub use checks::{
    check_at_least, check_at_most, check_lines, check_on_time, check_schedule, Check, AT_ONCE_MS,
    LATE_TOLERANCE_MS,
};
pub use params::{clip, validate, ParamError, ParamSpec, Params, CLIP_CHARS};
pub use run::{
    start, start_python, Line, Printed, Printer, Run, RunCancel, RunReport, RunState, MAX_LINES,
};
pub use typed_params::{millis, LessonParams, ParamChoice, ParamNumber};

/// Every lesson, in the order the page lists them.
pub static LESSONS: &[&Lesson] = &[
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

/// One lesson: its metadata and where its program and checks are. Its texts (summary, Python,
/// the Rust shown) are static files beside the page: see the module's documentation.
pub struct Lesson {
    /// Part of the automation contract (`?scenario=ID`, `window.asyncscope.run(ID)`).
    pub id: &'static str,
    pub title: &'static str,
    pub article: &'static Article,
    /// Where in the article the program is, as the seed numbers its sections.
    pub section: &'static str,
    /// Its parameters: `NameParams::SPECS` of its [`lesson_params!`] declaration.
    pub params: &'static [ParamSpec],
    /// The lesson's file (where its [`lesson!`] is written): where its `main` task says it was
    /// spawned, rather than the run harness.
    pub location: &'static std::panic::Location<'static>,
    /// Where its program and checks are: in the page's own module, or in the lessons chunk.
    pub code: Code,
}

/// A lesson's program: prints with `Printer`, returns an error message if it fails.
pub type MainFn = fn(Printer, Params) -> LocalBoxFuture<'static, Result<(), String>>;
/// A lesson's verdicts on a finished run.
pub type ChecksFn = fn(&Params, &[Line]) -> Vec<Check>;

/// Where a lesson's code is. The registry holds no pointer into a chunk lesson's code: what
/// the registry reaches is in the page's module, which a first visit downloads before the page
/// works, and the release site keeps there only what the landing lesson needs (issue 11: the
/// page's wasm was 440 KB gzipped, and a first visit runs one lesson).
#[derive(Clone, Copy)]
pub enum Code {
    /// In the page's module, reached through these: the landing lesson, `hello-sleep`.
    /// [`lesson!`] makes them the file's `run` and `checks`, given the typed parameters.
    Page { main: MainFn, checks: ChecksFn },
    /// In the lessons chunk, found by the lesson's id: see [`chunk`].
    Chunk,
    /// The playground's: the editor's Python, run by the interpreter (in the lessons chunk):
    /// see [`python`].
    Python,
}

/// Declares a lesson's [`Lesson`]: its id, title and typed parameters (a
/// [`lesson_params!`](crate::lesson_params) struct), and where in which seed article it is. The
/// lesson's file has `pub(super) async fn run(out: Printer, params: P) -> Result<(), String>`
/// (the program) and `pub(super) fn checks(params: &P, lines: &[Line]) -> Vec<Check>` (its
/// verdicts on a finished run), which the lessons chunk ([`chunk`]) calls with the typed struct
/// read from the validated [`Params`]. With `code: page` the macro wires them to the registry
/// instead ([`Code::Page`]): only the landing lesson is written so. It records the file it is
/// written in as where the lesson's `main` task comes from.
/// [`lesson_params!`](crate::lesson_params) has a whole example, which compiles and runs.
///
/// ```text
/// pub const LESSON: Lesson = lesson! {
///     id: "hello-sleep", title: "Hello, sleep, World", params: HelloSleepParams,
///     article: ASYNCHAT_ASYNCIO, section: "2.1.1 async/await语法的介绍", code: page,
/// };
/// ```
#[macro_export]
macro_rules! lesson {
    (
        id: $id:literal, title: $title:literal, params: $params:ty,
        article: $article:ident, section: $section:literal $(,)?
    ) => {
        $crate::lesson!(@with $id, $title, $params, $article, $section, $crate::lessons::Code::Chunk)
    };
    (
        id: $id:literal, title: $title:literal, params: $params:ty,
        article: $article:ident, section: $section:literal, code: page $(,)?
    ) => {
        $crate::lesson!(@with $id, $title, $params, $article, $section, $crate::lessons::Code::Page {
            main: |out, params| ::std::boxed::Box::pin(run(out, params.typed::<$params>())),
            checks: |params, lines| checks(&params.typed::<$params>(), lines),
        })
    };
    (@with $id:literal, $title:literal, $params:ty, $article:ident, $section:literal, $code:expr) => {
        $crate::lessons::Lesson {
            // A caller's location inside a macro is where the macro is written: the lesson's file.
            location: ::core::panic::Location::caller(),
            id: $id,
            title: $title,
            article: &$crate::lessons::articles::$article,
            section: $section,
            params: <$params as $crate::lessons::LessonParams>::SPECS,
            code: $code,
        }
    };
}

/// Lessons are known by their id.
impl PartialEq for Lesson {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Lesson {
    /// The lesson's file in `src/lessons/` without its extension (`NAME.rs`, `NAME.py`): its
    /// id with `_` for `-`.
    pub fn file_stem(&self) -> String {
        self.id.replace('-', "_")
    }

    /// Validates raw `(name, value)` pairs against this lesson's parameters.
    pub fn validate<'a>(
        &'static self,
        raw: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Params, ParamError> {
        validate(self.id, self.params, raw)
    }
}

/// The lesson with this id (the playground's too), or an error that lists the known ones.
pub fn find(id: &str) -> Result<&'static Lesson, ParamError> {
    LESSONS
        .iter()
        .copied()
        .chain([&python::LESSON])
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
    fn each_lesson_names_its_own_file_as_where_main_is_spawned() {
        for lesson in LESSONS {
            assert_eq!(
                lesson.location.file(),
                format!("src/lessons/{}.rs", lesson.file_stem()),
                "{}",
                lesson.id
            );
        }
    }

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

    /// Runs the `lesson-texts` script (what trunk runs after a build) into a fresh folder.
    fn lesson_texts() -> std::path::PathBuf {
        let out = std::env::temp_dir().join(format!("asyncscope-texts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let status = std::process::Command::new("sh")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/lesson-texts"))
            .arg(&out)
            .status()
            .expect("sh runs the lesson-texts script");
        assert!(status.success(), "lesson-texts failed: {status}");
        out
    }

    #[test]
    fn the_texts_script_writes_each_lessons_summary_python_and_running_code_without_markers() {
        let out = lesson_texts();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lessons");
        let read = |path: std::path::PathBuf| {
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        for lesson in LESSONS {
            let stem = lesson.file_stem();
            let summary = read(out.join(lesson.id).join("summary.txt"));
            assert!(summary.trim().len() > 40, "{}: {summary:?}", lesson.id);
            assert!(!summary.contains("///"), "{}: {summary}", lesson.id);
            let python = read(out.join(lesson.id).join("python.txt"));
            assert!(!python.trim().is_empty(), "{}", lesson.id);
            assert_eq!(
                python,
                read(src.join(format!("{stem}.py"))),
                "{}",
                lesson.id
            );
            let code = read(out.join(lesson.id).join("rust.txt"));
            assert!(code.contains("async fn"), "{}: {code}", lesson.id);
            assert!(!code.contains("ANCHOR"), "{}", lesson.id);
            assert!(read(src.join(format!("{stem}.rs"))).contains(code.trim_end()));
        }
        // One folder per lesson, and nothing else: every lesson file is in LESSONS.
        let written = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
        assert_eq!(written, LESSONS.len());
        let _ = std::fs::remove_dir_all(&out);
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
    fn each_lessons_parameters_have_distinct_names_and_whole_ones_whole_bounds() {
        for lesson in LESSONS {
            let names: Vec<&str> = lesson.params.iter().map(|p| p.name).collect();
            for (i, name) in names.iter().enumerate() {
                assert!(!names[..i].contains(name), "{}.{name}", lesson.id);
            }
            for p in lesson.params.iter().filter(|p| p.whole) {
                assert!(
                    [p.default, p.min, p.max].iter().all(|v| v.fract() == 0.0),
                    "{}.{}",
                    lesson.id,
                    p.name
                );
            }
        }
    }

    #[test]
    fn every_lesson_judges_a_run_that_printed_nothing_as_failed() {
        for lesson in LESSONS {
            let checks = chunk::checks_here(lesson, &Params::defaults(lesson.params), &[]);
            assert!(checks.iter().any(|c| !c.ok), "{}: {checks:?}", lesson.id);
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
