//! The lessons chunk: the code of every lesson but the landing one, the playground's interpreter
//! and view, and the trace panel, which the release site puts in a second wasm module that the
//! page loads after its first paint (src/ui/app.rs says when), or at the first run that needs it,
//! not before it works.
//!
//! Why: a first visit downloads the page's wasm before the page works, and runs one lesson; the
//! other lessons' code is the largest part of it that the page can do without (issue 11: a first
//! visit was 468 KB gzipped against a bar of 350; split, the page's wasm is 303 KB gzipped
//! against 418, the chunk 145 KB, and a first visit 334 KB). The trace panel followed (the
//! viewer crate's timeline, task table, replay and export, and what only they reach: a first
//! visit 357.3 KB gzipped with it in the page, 259.5 without): the page keeps a place for it
//! (src/ui/trace.rs), and a run shown live awaits it before it starts. The registry ([`LESSONS`])
//! holds no pointer into a chunk lesson's code ([`Code::Chunk`]): the programs are reached only
//! by id, through `programs`, and in the split build only from the functions marked
//! `#[wasm_split(lessons)]` (two below, the playground's in src/ui/playground.rs, the trace
//! panel's in src/ui/trace.rs), which `wasm-split-cli` moves into `split_lessons.wasm` with
//! everything only they reach (`./split-page` does it after trunk's build).
//!
//! Each of those functions has a loader of its own (the module is fetched once; each loader
//! learns it is there). [`preload`] readies the lessons' and the interpreter's; the playground and
//! the trace panel ready theirs once it has. What waits for the chunk without fetching it (the
//! trace panel's place) reads its [`Status`] and is told of each change ([`watch`]).
//!
//! The split build is the release site's (`./dev dist`, `./dev test`, `./dev bench`): the
//! app's binary built with the `lessons-chunk` feature (index.html asks for it) and
//! `ASYNCSCOPE_SPLIT=1` in the environment, for which build.rs sets `cfg(lessons_chunk)` and the
//! linker's relocations `wasm-split-cli` reads. Any other build (`trunk serve`, the wasm tests,
//! the workers' binaries) calls the programs directly: one module, and [`load`] has nothing to do.
//!
//! [`LESSONS`]: super::LESSONS

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};

use futures::future::LocalBoxFuture;

use super::{Check, Code, Lesson, Line, Params, Printer};

/// Why a lesson's code could not be had: said in the page, and the run ends failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkError {
    /// `split_lessons.wasm` did not load (offline without a cache, missing on the host, not
    /// WebAssembly); the browser's console has the details. A later run tries again.
    Load,
    /// The chunk has no program by this id (a lesson missing from `programs`' list).
    Missing(&'static str),
}

impl fmt::Display for ChunkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkError::Load => f.write_str(
                "the lessons' code (split_lessons.wasm) did not load: the page may be offline, \
                 or the site is missing the file. Run again to retry, or reload the page",
            ),
            ChunkError::Missing(id) => write!(f, "the lessons' code has no lesson '{id}'"),
        }
    }
}

#[cfg(lessons_chunk)]
impl From<wasm_split_helpers::SplitLoaderError> for ChunkError {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> ChunkError {
        ChunkError::Load
    }
}

/// Makes `lesson`'s code ready to run: loads the chunk, once, if the lesson is in it and this
/// build has one. The page awaits this before it starts the run, so that a lesson's times
/// count from its start, not from the download.
pub async fn load(lesson: &Lesson) -> Result<(), ChunkError> {
    match lesson.code {
        Code::Page { .. } => Ok(()),
        Code::Chunk | Code::Python => preload().await,
    }
}

/// Loads the chunk, once, if this build has one; later calls return at once (a failed load is
/// not remembered: the next call tries again). Each way into the chunk has a loader of its own
/// (the module is fetched once; each loader learns it is there): the interpreter's is readied
/// too, since the playground calls it where it cannot wait ([`python`]). Every load of the chunk
/// comes through here, so the [`Status`] it sets is the chunk's, whoever asked.
pub async fn preload() -> Result<(), ChunkError> {
    if status() != Status::Loaded {
        set_status(Status::Loading);
    }
    let loaded = ready_ways_in().await;
    set_status(match loaded {
        Ok(()) => Status::Loaded,
        Err(_) => Status::Failed,
    });
    loaded
}

/// The lessons' and the interpreter's ways into the chunk, ready (see [`preload`]).
async fn ready_ways_in() -> Result<(), ChunkError> {
    #[cfg(lessons_chunk)]
    preload_lessons().await?;
    #[cfg(lessons_chunk)]
    preload_python().await?;
    Ok(())
}

/// Where the chunk stands, for what waits for it without fetching it (the trace panel's place,
/// src/ui/trace.rs). Only [`preload`] changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nobody has asked for it yet: the page asks after its first paint (on the landing lesson
    /// once its texts have come and the browser is idle), or at the first run that needs it.
    NotAsked,
    Loading,
    /// Here (always, in a build without the split).
    Loaded,
    /// The last load failed ([`ChunkError::Load`]); the next [`preload`] tries again.
    Failed,
}

thread_local! {
    static STATUS: Cell<Status> = const {
        Cell::new(if cfg!(lessons_chunk) { Status::NotAsked } else { Status::Loaded })
    };
    /// Who is told of a change: weak, so that a dropped [`Watch`] is told no more.
    static WATCHERS: RefCell<Vec<Weak<Told>>> = const { RefCell::new(Vec::new()) };
}

/// What a [`watch`] calls.
type Told = dyn Fn(Status);

/// The chunk's [`Status`] now.
pub fn status() -> Status {
    STATUS.get()
}

/// Told of each change of the chunk's [`Status`] while it is held; dropped, no more.
#[must_use = "the watch ends when it is dropped"]
pub struct Watch {
    _told: Rc<Told>,
}

/// Calls `told` with the chunk's [`Status`] at each change, in the task that changed it (a
/// load's end), for as long as the returned [`Watch`] is held.
pub fn watch(told: impl Fn(Status) + 'static) -> Watch {
    let told: Rc<Told> = Rc::new(told);
    WATCHERS.with_borrow_mut(|watchers| watchers.push(Rc::downgrade(&told)));
    Watch { _told: told }
}

fn set_status(status: Status) {
    if STATUS.replace(status) == status {
        return;
    }
    // Told outside the borrow: a watcher may re-render, which may read the status or watch anew.
    let told: Vec<Rc<Told>> = WATCHERS.with_borrow_mut(|watchers| {
        watchers.retain(|w| w.strong_count() > 0);
        watchers.iter().filter_map(Weak::upgrade).collect()
    });
    for told in told {
        told(status);
    }
}

/// `lesson`'s program. For a chunk lesson after [`load`], the chunk's code runs in the future's
/// first poll; without it, that poll loads the chunk first.
pub(super) fn main(
    lesson: &'static Lesson,
    out: Printer,
    params: Params,
) -> LocalBoxFuture<'static, Result<(), String>> {
    let id = lesson.id;
    match lesson.code {
        Code::Page { main, .. } => main(out, params),
        #[cfg(lessons_chunk)]
        Code::Chunk => Box::pin(async move {
            let program = split_main(id, out, params)
                .await
                .map_err(|e| e.to_string())?;
            program.await
        }),
        #[cfg(not(lessons_chunk))]
        Code::Chunk => programs::main(id, out, params)
            .unwrap_or_else(|| Box::pin(async move { Err(ChunkError::Missing(id).to_string()) })),
        // The playground's program comes with its source: see `python`.
        Code::Python => Box::pin(async move { Err(ChunkError::Missing(id).to_string()) }),
    }
}

/// The playground's program (see [`super::python::program`]): parsed and started by the
/// chunk's code, which the caller has loaded ([`preload`]); without it, a failed run says so.
pub(super) fn python(
    source: &str,
    out: Printer,
    seed: Option<u64>,
) -> Result<LocalBoxFuture<'static, Result<(), String>>, super::python::Refused> {
    #[cfg(lessons_chunk)]
    return match split_python_now(source, out, seed) {
        Some(result) => result,
        None => Ok(Box::pin(async { Err(ChunkError::Load.to_string()) })),
    };
    #[cfg(not(lessons_chunk))]
    super::python::parse_and_run(source, out, seed)
}

/// The chunk's third way in: the playground's interpreter, parser and all. `wasm_split` makes
/// it `async`; the chunk is loaded by then (`preload`), so its future is ready at its first
/// poll, which [`split_python_now`] takes.
#[cfg(lessons_chunk)]
#[wasm_split_helpers::wasm_split(lessons, fallible, preload(preload_python))]
fn split_python(
    source: &str,
    out: Printer,
    seed: Option<u64>,
) -> Result<Result<LocalBoxFuture<'static, Result<(), String>>, super::python::Refused>, ChunkError>
{
    Ok(super::python::parse_and_run(source, out, seed))
}

/// [`split_python`]'s outcome when the chunk is loaded, `None` when it is not.
#[cfg(lessons_chunk)]
fn split_python_now(
    source: &str,
    out: Printer,
    seed: Option<u64>,
) -> Option<Result<LocalBoxFuture<'static, Result<(), String>>, super::python::Refused>> {
    ready_now(split_python(source, out, seed))
}

/// The outcome of a call into the chunk once that way in is loaded (its `preload` awaited): the
/// split function's future is then ready at its first poll. `None` when it is not.
#[cfg(lessons_chunk)]
pub fn ready_now<T>(call: impl std::future::Future<Output = Result<T, ChunkError>>) -> Option<T> {
    let mut call = std::pin::pin!(call);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match call.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Ok(value)) => Some(value),
        _ => None,
    }
}

/// `lesson`'s verdicts on a finished run (its program ran, so the chunk is there: at once).
pub(super) async fn checks(lesson: &'static Lesson, params: &Params, lines: &[Line]) -> Vec<Check> {
    #[cfg(lessons_chunk)]
    if let Code::Chunk = lesson.code {
        return split_checks(lesson.id, params, lines)
            .await
            .unwrap_or_else(|e| vec![unjudged(e)]);
    }
    checks_here(lesson, params, lines)
}

/// [`checks`] without the chunk's loader: every lesson's in a build without the split (native
/// tests, the wasm tests), the landing lesson's in any.
pub(super) fn checks_here(lesson: &Lesson, params: &Params, lines: &[Line]) -> Vec<Check> {
    match lesson.code {
        Code::Page { checks, .. } => checks(params, lines),
        Code::Chunk => programs::checks(lesson.id, params, lines)
            .unwrap_or_else(|| vec![unjudged(ChunkError::Missing(lesson.id))]),
        // A program of the reader's own has nothing to be judged by (that it ended is what the
        // run's state says); an unedited lesson's Python is judged by the page against CPython's
        // output (`python::judge`).
        Code::Python => Vec::new(),
    }
}

/// A failed check that says why the lesson's own could not run.
fn unjudged(why: ChunkError) -> Check {
    Check {
        name: "the lesson's checks ran".to_string(),
        ok: false,
        expected: "its checks".to_string(),
        actual: why.to_string(),
    }
}

/// The chunk's way in (moved into `split_lessons.wasm` with all it reaches): a lesson's program
/// by id. `wasm_split` makes it `async`, loading the chunk first; `fallible` makes a failed load
/// an `Err` rather than a panic (which would stop the page).
#[cfg(lessons_chunk)]
#[wasm_split_helpers::wasm_split(lessons, fallible, preload(preload_lessons))]
fn split_main(
    id: &'static str,
    out: Printer,
    params: Params,
) -> Result<LocalBoxFuture<'static, Result<(), String>>, ChunkError> {
    programs::main(id, out, params).ok_or(ChunkError::Missing(id))
}

/// The chunk's other way in: a lesson's checks by id, judged inside the chunk.
#[cfg(lessons_chunk)]
#[wasm_split_helpers::wasm_split(lessons, fallible)]
fn split_checks(
    id: &'static str,
    params: &Params,
    lines: &[Line],
) -> Result<Vec<Check>, ChunkError> {
    programs::checks(id, params, lines).ok_or(ChunkError::Missing(id))
}

/// What the chunk holds: each chunk lesson's `run` and `checks`, found by its id and given its
/// typed parameters.
mod programs {
    use futures::future::LocalBoxFuture;

    use super::super::{
        blocking, cancel, chat, create_task, db_query, errors, event_loop, fetch, fetch_errors,
        fetch_gather, fetch_limit, fetch_post, fetch_url, gather, line_protocol, lock, one_thread,
        producer_consumer, semaphore, server_hello, task_order, task_result, timeout,
    };
    use super::super::{Check, Line, Params, Printer};

    macro_rules! programs {
        ($($lesson:ident),* $(,)?) => {
            /// The program of the chunk lesson `id`, if there is one.
            pub(super) fn main(
                id: &str,
                out: Printer,
                params: Params,
            ) -> Option<LocalBoxFuture<'static, Result<(), String>>> {
                $(if id == $lesson::LESSON.id {
                    return Some(Box::pin($lesson::run(out, params.typed())));
                })*
                if id == fetch_errors::LESSON.id {
                    return Some(Box::pin(fetch_errors::run(out)));
                }
                None
            }

            /// The verdicts of the chunk lesson `id` on a finished run, if there is one.
            pub(super) fn checks(id: &str, params: &Params, lines: &[Line]) -> Option<Vec<Check>> {
                $(if id == $lesson::LESSON.id {
                    return Some($lesson::checks(&params.typed(), lines));
                })*
                if id == fetch_errors::LESSON.id {
                    return Some(fetch_errors::checks(lines));
                }
                None
            }
        };
    }

    // fetch-errors, which takes no parameters, is written out in the macro.
    programs![
        create_task,
        task_order,
        task_result,
        gather,
        one_thread,
        semaphore,
        lock,
        producer_consumer,
        timeout,
        cancel,
        errors,
        event_loop,
        blocking,
        db_query,
        fetch,
        fetch_gather,
        fetch_limit,
        fetch_post,
        fetch_url,
        server_hello,
        line_protocol,
        chat,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::LESSONS;

    #[test]
    fn the_chunk_holds_every_lesson_the_page_does_not_and_only_those() {
        for lesson in LESSONS {
            let params = Params::defaults(lesson.params);
            let in_chunk = programs::checks(lesson.id, &params, &[]).is_some();
            assert_eq!(
                in_chunk,
                matches!(lesson.code, Code::Chunk),
                "{}",
                lesson.id
            );
        }
        assert!(matches!(
            crate::lessons::find("hello-sleep").map(|l| l.code),
            Ok(Code::Page { .. })
        ));
    }

    #[test]
    fn a_watch_is_told_each_change_of_the_chunk_until_it_is_dropped() {
        // A build without the split has the chunk's code from the start.
        assert_eq!(status(), Status::Loaded);
        let seen = Rc::new(RefCell::new(Vec::new()));
        let watching = {
            let seen = Rc::clone(&seen);
            // What it is told is the status as now read (told outside the watchers' borrow: a
            // watcher that watches anew does not panic).
            watch(move |told| {
                seen.borrow_mut().push((told, status()));
                drop(watch(|_| {}));
            })
        };
        set_status(Status::Loading);
        set_status(Status::Loading);
        set_status(Status::Failed);
        drop(watching);
        set_status(Status::Loaded);
        assert_eq!(
            *seen.borrow(),
            [
                (Status::Loading, Status::Loading),
                (Status::Failed, Status::Failed)
            ],
            "each change once, none after the watch was dropped"
        );
    }

    #[test]
    fn an_id_the_chunk_lacks_is_an_error_in_words_not_a_panic() {
        assert!(programs::checks("nope", &Params::defaults(&[]), &[]).is_none());
        let said = ChunkError::Missing("nope").to_string();
        assert!(said.contains("'nope'"), "{said}");
        assert!(ChunkError::Load.to_string().contains("split_lessons.wasm"));
    }
}
