//! Lesson `one-thread`: two `hello()` coroutines run concurrently by one thread. Each names
//! the thread it runs on before and after its sleep: every line names the same one, the
//! browser's main thread, and the two sleeps overlap (1 s in all, not 2).

use std::thread;
use std::time::Duration;

use futures::future::join_all;
use wasm_bindgen::JsCast;

use super::lesson;
use super::{
    check_at_least, check_at_most, check_lines, lesson_params, millis, Check, Lesson, Line,
    Printer, AT_ONCE_MS, LATE_TOLERANCE_MS,
};
use crate::trace::{sleep, spawn, JoinError, JoinHandle};

const HELLO_WORLD: &str = "Hello World! (";
const HELLO_AGAIN: &str = "Hello Again! (";

/// Two hello() coroutines run concurrently: both print Hello World!, both sleep 1 s at once, both
/// print Hello Again!, 1 s in all. Every line names the thread it ran on, and it is the same one
/// each time: the browser's main thread, which runs the page's event loop. (The seed's
/// @asyncio.coroutine needs Python 3.10 or older.)
pub const LESSON: Lesson = lesson! {
    id: "one-thread", title: "Two coroutines, one thread", params: OneThreadParams,
    article: ASYNC_IO_PRACTICE, section: "协程示例",
};

pub(super) async fn run(out: Printer, params: OneThreadParams) -> Result<(), String> {
    out.check(on_the_main_thread());
    out.note(thread_note());
    main(out, params.coroutines, params.delay_ms)
        .await
        .map_err(|e| e.to_string())
}

/// Measured in the run: the code runs where the page's `window` is, not in a Web Worker.
fn on_the_main_thread() -> Check {
    let global = js_sys::global();
    let scope = if global.is_instance_of::<web_sys::Window>() {
        "a Window (the page's main thread)"
    } else if global.is_instance_of::<web_sys::WorkerGlobalScope>() {
        "a WorkerGlobalScope (a Web Worker's thread)"
    } else {
        "neither a Window nor a Worker"
    };
    Check {
        name: "the coroutines run on the browser's main thread".to_string(),
        ok: global.is_instance_of::<web_sys::Window>(),
        expected: "the global scope is a Window".to_string(),
        actual: format!("the global scope is {scope}"),
    }
}

/// What Rust knows of the thread: its id, and a name if std gave it one.
fn thread_note() -> String {
    let me = thread::current();
    match me.name() {
        Some(name) => format!("Rust's thread {:?} is named {name:?}", me.id()),
        None => format!(
            "Rust's thread {:?} has no name: on wasm32 no Rust main() starts the module to \
             name it (the global scope says which thread it is)",
            me.id()
        ),
    }
}

lesson_params! {
    /// What `one-thread` takes.
    pub(super) struct OneThreadParams {
        /// how many hello() coroutines run (the Python: 2)
        coroutines: usize = 2 in 1..=100,
        /// how long each hello() sleeps, in ms (the Python: 1 s)
        delay_ms: Duration = 1000 in 0..=60_000,
    }
}

// ANCHOR: lesson
/// `hello()`. `thread::current()` is Rust's `threading.current_thread()`.
async fn hello(out: Printer, delay: Duration) {
    out.print(format!("Hello World! ({:?})", thread::current()));
    sleep(delay).await;
    out.print(format!("Hello Again! ({:?})", thread::current()));
}

/// `tasks = [hello(), hello()]` and `loop.run_until_complete(asyncio.wait(tasks))`: the
/// coroutines run as tasks on the page's one event loop, so on its one thread, taking turns
/// at each `.await`; `join_all` waits for every one.
async fn main(out: Printer, coroutines: usize, delay: Duration) -> Result<(), JoinError> {
    let tasks: Vec<JoinHandle<()>> = (1..=coroutines)
        .map(|i| spawn(&format!("hello #{i}"), hello(out.clone(), delay)))
        .collect();
    join_all(tasks).await.into_iter().collect()
}
// ANCHOR_END: lesson

/// The thread a line names, if it is one of the lesson's lines.
fn thread_named(text: &str) -> Option<&str> {
    [HELLO_WORLD, HELLO_AGAIN]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .and_then(|rest| rest.strip_suffix(')'))
}

pub(super) fn checks(params: &OneThreadParams, lines: &[Line]) -> Vec<Check> {
    let n = params.coroutines;
    let delay = millis(params.delay_ms);
    // The lines must name one thread; take it from the first, and expect it in every line.
    let thread = lines
        .first()
        .and_then(|l| thread_named(&l.text))
        .unwrap_or("?");
    let expected: Vec<String> = [HELLO_WORLD, HELLO_AGAIN]
        .iter()
        .flat_map(|prefix| (0..n).map(move |_| format!("{prefix}{thread})")))
        .collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    let mut checks = vec![check_lines(lines, &expected)];
    // The distinct threads named, in the order they first appear.
    let mut threads: Vec<&str> = Vec::new();
    for thread in lines.iter().filter_map(|l| thread_named(&l.text)) {
        if !threads.contains(&thread) {
            threads.push(thread);
        }
    }
    checks.push(Check {
        name: "every line names the same thread".to_string(),
        ok: threads.len() == 1,
        expected: "one thread".to_string(),
        actual: match threads.len() {
            1 => format!("one: {}", threads[0]),
            k => format!("{k}: {}", threads.join(" | ")),
        },
    });
    if lines.len() != expected.len() {
        return checks;
    }
    let (worlds, agains) = lines.split_at(n);
    if let (Some(last_world), Some(first_again), Some(last_again)) =
        (worlds.last(), agains.first(), agains.last())
    {
        checks.push(check_at_most(
            "every Hello World! at the start",
            last_world.t_ms,
            AT_ONCE_MS,
        ));
        checks.push(check_at_least(
            format!("Hello Again! no earlier than {delay} ms"),
            first_again.t_ms,
            delay,
        ));
        checks.push(check_at_most(
            format!(
                "every Hello Again! at about {delay} ms: the sleeps overlap \
                 (at most {LATE_TOLERANCE_MS} ms late)"
            ),
            last_again.t_ms,
            delay + LATE_TOLERANCE_MS,
        ));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = "Thread { id: ThreadId(1), name: Some(\"main\"), .. }";

    fn line(t_ms: f64, prefix: &str, thread: &str) -> Line {
        Line {
            t_ms,
            text: format!("{prefix}{thread})"),
        }
    }

    fn seed_run(thread_of_last: &str) -> Vec<Line> {
        vec![
            line(0.5, HELLO_WORLD, MAIN),
            line(0.6, HELLO_WORLD, MAIN),
            line(1001.0, HELLO_AGAIN, MAIN),
            line(1001.2, HELLO_AGAIN, thread_of_last),
        ]
    }

    #[test]
    fn both_hellos_then_both_agains_on_one_thread_pass() {
        let checks = checks(&OneThreadParams::default(), &seed_run(MAIN));
        assert_eq!(checks.len(), 5);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    }

    #[test]
    fn a_line_from_another_thread_fails() {
        let checks = checks(
            &OneThreadParams::default(),
            &seed_run("Thread { id: ThreadId(2), .. }"),
        );
        assert!(!checks[0].ok);
        assert!(!checks[1].ok);
        assert!(checks[1].actual.starts_with("2: "), "{:?}", checks[1]);
    }

    #[test]
    fn sleeps_one_after_the_other_fail() {
        let mut run = seed_run(MAIN);
        run[3].t_ms = 2001.0;
        let checks = checks(&OneThreadParams::default(), &run);
        assert!(checks.iter().any(|c| !c.ok), "{checks:?}");
    }

    #[test]
    fn interleaved_lines_fail() {
        let run = vec![
            line(0.5, HELLO_WORLD, MAIN),
            line(1001.0, HELLO_AGAIN, MAIN),
            line(1001.1, HELLO_WORLD, MAIN),
            line(2001.2, HELLO_AGAIN, MAIN),
        ];
        assert!(!checks(&OneThreadParams::default(), &run)[0].ok);
    }

    #[test]
    fn more_coroutines_expect_more_lines() {
        let p = OneThreadParams {
            coroutines: 3,
            delay_ms: Duration::from_millis(100),
        };
        let mut run: Vec<Line> = (0..3).map(|_| line(1.0, HELLO_WORLD, MAIN)).collect();
        run.extend((0..3).map(|_| line(101.0, HELLO_AGAIN, MAIN)));
        let checks = checks(&p, &run);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert!(!super::checks(&p, &run[1..])[0].ok);
    }

    #[test]
    fn lines_name_their_thread() {
        assert_eq!(thread_named(&format!("{HELLO_AGAIN}{MAIN})")), Some(MAIN));
        assert_eq!(thread_named("Hello"), None);
    }
}
