//! What a run may spend, tested with programs that try to spend more: loops that never await,
//! blocking sleeps, recursion, huge strings and lists, deep data. Each must end with a clear
//! exception or `Outcome::Stopped` in words, never a panic, a hang or a stack overflow (which
//! would kill the page: wasm32's stack is 1 MiB, and these tests run on one that size).
// Native only: runs programs on the tracer's fake clock (`interp::simulate`), in threads.
#![cfg(not(target_arch = "wasm32"))]

use std::time::{Duration, Instant};

use asyncscope_python::interp::{simulate, Limits, Options, Outcome, Transcript};
use asyncscope_python::parse;

/// wasm32-unknown-unknown's default stack (rust-lld's `-z stack-size`).
const WASM_STACK: usize = 1 << 20;

/// Runs `source` on the fake clock, on a thread with wasm's 1 MiB stack.
fn run_with(source: &str, limits: Limits) -> Transcript {
    let source = source.to_string();
    std::thread::Builder::new()
        .stack_size(WASM_STACK)
        .spawn(move || {
            let module = parse(&source).expect("parses");
            simulate(
                module,
                Options {
                    seed: Some(1),
                    limits,
                },
            )
        })
        .expect("thread")
        .join()
        .expect("the run panicked")
}

fn run(source: &str) -> Transcript {
    run_with(source, Limits::default())
}

fn stopped(t: &Transcript) -> &str {
    match &t.outcome {
        Some(Outcome::Stopped(message)) => message,
        other => panic!("not stopped: {other:?}, printed {:?}", t.lines),
    }
}

fn raised(t: &Transcript) -> &str {
    match &t.outcome {
        Some(Outcome::Raised { last_line, .. }) => last_line,
        other => panic!("nothing raised: {other:?}, printed {:?}", t.lines),
    }
}

fn printed(t: &Transcript) -> Vec<&str> {
    t.lines.iter().map(|(_, l)| l.as_str()).collect()
}

/// A coroutine body run by `asyncio.run`.
fn in_main(body: &str) -> String {
    let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
    format!("import asyncio, time\n\nasync def main():\n{body}\nasyncio.run(main())\n")
}

// ---- (a) a loop that never awaits ----

const SPIN: &str = "x = 0\nprint('start')\nwhile True:\n    x += 1\n";

#[test]
fn a_loop_that_never_awaits_is_stopped_by_the_statement_budget() {
    let limits = Limits {
        max_steps_per_poll: 100_000,
        ..Limits::default()
    };
    let t = run_with(&in_main(SPIN), limits);
    assert_eq!(printed(&t), ["start"]);
    let message = stopped(&t);
    assert!(
        message.starts_with("the program ran 10") && message.contains("without awaiting"),
        "{message}"
    );
    assert!(message.contains("await asyncio.sleep(0)"), "{message}");
}

#[test]
fn the_default_statement_budget_is_reached_within_seconds() {
    let started = Instant::now();
    let t = run(&in_main(SPIN));
    let message = stopped(&t);
    assert!(message.contains("20000"), "{message}");
    // 20 million statements: about 3 s in a debug build, well under a second in a release one.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

// ---- (b) time: busy waiting and time.sleep ----

#[test]
fn busy_waiting_on_perf_counter_is_stopped_by_the_time_budget() {
    // Each clock read costs a microsecond of the fake clock: 10 s is 10 million reads, stopped
    // after the poll's 0.5 s.
    let limits = Limits {
        max_poll_ms: 500.0,
        ..Limits::default()
    };
    let body =
        "t0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 10:\n    pass\nprint('done')\n";
    let t = run_with(&in_main(body), limits);
    let message = stopped(&t);
    assert!(message.contains("without awaiting anything"), "{message}");
    assert!(message.contains("stopped it after 0 s") || message.contains("after 1 s"));
    assert!(t.end_ms < 1_000.0, "{}", t.end_ms);
    assert!(printed(&t).is_empty());
}

#[test]
fn time_sleep_past_the_budget_is_stopped_with_its_own_words() {
    let t = run(&in_main(
        "print('before')\ntime.sleep(30)\nprint('after')\n",
    ));
    assert_eq!(printed(&t), ["before"]);
    let message = stopped(&t);
    assert!(
        message.starts_with("time.sleep(30) would freeze the event loop"),
        "{message}"
    );
    assert!(message.contains("await asyncio.sleep"), "{message}");
    // The loop froze for the budget (5 s), not the 30 s asked.
    assert!((t.end_ms - 5_000.0).abs() < 10.0, "{}", t.end_ms);
    // Short sleeps block and go on.
    let t = run(&in_main("time.sleep(1)\nprint('after')\n"));
    assert_eq!(printed(&t), ["after"]);
    assert_eq!(t.outcome, Some(Outcome::Finished));
}

// ---- (c) the budget is per poll ----

#[test]
fn a_million_sleep_zero_awaits_are_not_stopped() {
    // A small statement budget: the million iterations (3 million statements) pass because each
    // `await asyncio.sleep(0)` starts a new poll.
    let limits = Limits {
        max_steps_per_poll: 2_000,
        ..Limits::default()
    };
    let body =
        "n = 0\nfor i in range(1_000_000):\n    n += 1\n    await asyncio.sleep(0)\nprint(n)\n";
    let t = run_with(&in_main(body), limits);
    assert_eq!(t.outcome, Some(Outcome::Finished), "{:?}", t.outcome);
    assert_eq!(printed(&t), ["1000000"]);
}

// ---- (d) recursion ----

#[test]
fn recursion_raises_recursion_error_within_wasms_stack() {
    for source in [
        "def f(n):\n    return f(n + 1)\n\nf(0)\n".to_string(),
        in_main("def f(n):\n    return f(n + 1)\nf(0)\n"),
        in_main("async def g(n):\n    await g(n + 1)\nawait g(0)\n"),
        in_main("g = lambda n: g(n + 1)\ng(0)\n"),
        // Through builtins that call back: sorted's key, map.
        "def f(n):\n    return sorted([1], key=lambda x: f(n + 1))\n\nf(0)\n".to_string(),
        "def f(n):\n    return list(map(lambda x: f(n + 1), [1]))\n\nf(0)\n".to_string(),
        // Through a generator.
        "def gen(n):\n    yield from gen(n + 1)\n\nlist(gen(0))\n".to_string(),
    ] {
        let t = run(&source);
        let last = raised(&t);
        assert!(
            last.starts_with("RecursionError: maximum recursion depth exceeded"),
            "{source}: {last}"
        );
    }
}

#[test]
fn recursion_to_exactly_max_depth_fits_in_wasms_stack() {
    let depth = Limits::default().max_depth;
    // main is one level: g and f recurse depth - 1 more, to exactly the limit.
    let source = in_main(&format!(
        "async def g(n):\n    if n == 0:\n        return 0\n    return 1 + await g(n - 1)\n\
         def f(n):\n    if n == 0:\n        return 0\n    return 1 + f(n - 1)\n\
         print(await g({}))\nprint(f({}))\n",
        depth - 2,
        depth - 2
    ));
    let t = run(&source);
    assert_eq!(t.outcome, Some(Outcome::Finished), "{:?}", t.outcome);
    assert_eq!(
        printed(&t),
        [(depth - 2).to_string(), (depth - 2).to_string()]
    );
}

// ---- (e) memory ----

#[test]
fn huge_strings_and_lists_raise_memory_error() {
    let limits = Limits {
        max_steps_per_poll: 30_000_000,
        ..Limits::default()
    };
    for (expr, error) in [
        ("'x' * 10**9", "MemoryError: "),
        ("[0] * 10**9", "MemoryError: "),
        ("(0,) * 10**9", "MemoryError: "),
        ("'ab' * 10**7 + 'c' * 10**7", "MemoryError: "),
        ("[0] * 10**7 + [1] * 10**7 + [2]", "MemoryError: "),
        ("(0,) * 10**7 + (1,) * 10**7 + (2,)", "MemoryError: "),
        ("'x'.center(10**9)", "MemoryError: "),
        ("'x'.zfill(10**9)", "MemoryError: "),
        ("'x'.ljust(10**9, '-')", "MemoryError: "),
        ("('x' * 10**6).replace('x', 'y' * 25)", "MemoryError: "),
        ("','.join(['x' * 10**6] * 30)", "MemoryError: "),
        ("list(range(10**9))", "MemoryError: "),
        (
            "[1, 2] * -5 + list(reversed(range(10**9)))",
            "MemoryError: ",
        ),
        ("[0] * 2**64", "MemoryError: "),
        ("'x' * 2**100", "MemoryError: "),
        ("'%s' % ('x' * 10**7) * 3", "MemoryError: "),
        // Format widths are capped where they are read.
        ("f'{1:999999999}'", "ValueError: "),
        ("'{:999999999}'.format(1)", "ValueError: "),
        ("'%999999999d' % 1", "ValueError: "),
        ("format(1.5, '.999999999f')", "ValueError: "),
    ] {
        let source = format!("x = {expr}\nprint(len(x))\n");
        let started = Instant::now();
        let t = run_with(&source, limits);
        let ok = match &t.outcome {
            Some(Outcome::Raised { last_line, .. }) => last_line.starts_with(error),
            Some(Outcome::Stopped(_)) => true,
            _ => false,
        };
        assert!(ok, "{expr}: {:?} {:?}", t.outcome, t.lines);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{expr}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_list_grown_by_append_past_the_cap_raises_memory_error() {
    let limits = Limits {
        max_steps_per_poll: u64::MAX,
        max_poll_ms: f64::INFINITY,
        ..Limits::default()
    };
    let t = run_with("items = []\nwhile True:\n    items.append(0)\n", limits);
    let last = raised(&t);
    assert!(
        last.starts_with("MemoryError: the playground caps a list"),
        "{last}"
    );
}

#[test]
fn a_queue_filled_past_its_cap_raises_not_hangs() {
    let t = run(&in_main(
        "q = asyncio.Queue()\ntry:\n    while True:\n        q.put_nowait(0)\nexcept asyncio.QueueFull:\n    print('full at', q.qsize())\n",
    ));
    assert_eq!(t.outcome, Some(Outcome::Finished), "{:?}", t.outcome);
    assert_eq!(printed(&t), ["full at 1000000"]);
    // `await q.put` past the cap waits for a getter; with none, the run ends (no task left
    // that could ever take one), as CPython's would hang.
    let t = run(&in_main(
        "q = asyncio.Queue()\nfor i in range(2_000_000):\n    await q.put(i)\n",
    ));
    assert!(
        t.outcome.is_none() || matches!(t.outcome, Some(Outcome::Stopped(_))),
        "{:?}",
        t.outcome
    );
}

#[test]
fn huge_powers_and_ranges_end_quickly() {
    let t = run("x = 10 ** 10**6\n");
    assert!(raised(&t).starts_with("OverflowError: "), "{:?}", t.outcome);
    let t = run("x = 2 ** 200\n");
    assert!(raised(&t).starts_with("OverflowError: "), "{:?}", t.outcome);
    let t = run("x = 10.0 ** 10**6\n");
    assert!(raised(&t).starts_with("OverflowError: "), "{:?}", t.outcome);
    let t = run("x = 1 << 10**9\n");
    assert!(raised(&t).starts_with("OverflowError: "), "{:?}", t.outcome);
    let limits = Limits {
        max_steps_per_poll: 1_000_000,
        ..Limits::default()
    };
    let t = run_with("for i in range(10**30):\n    pass\n", limits);
    stopped(&t);
    let t = run("print(len(range(10**30)))\n");
    assert!(raised(&t).starts_with("OverflowError: "), "{:?}", t.outcome);
    let t = run("r = range(10**30)\nprint(r[-1], 10**29 in r, r[10**29])\n");
    assert_eq!(t.outcome, Some(Outcome::Finished), "{:?}", t.outcome);
}

// ---- (f) deep data ----

#[test]
fn deeply_nested_data_does_not_overflow_the_stack() {
    let build = |open: &str| format!("x = []\nfor i in range(100_000):\n    x = {open}\n");
    for (make, then) in [
        ("[x]", "print(repr(x)[:20])"),
        ("[x]", "print(str(x)[-5:])"),
        ("(x,)", "print(repr(x)[:20])"),
        ("{'a': x}", "print(repr(x)[:20])"),
        ("[x]", "print(x == x)"),
        (
            "[x]",
            "y = []\nfor i in range(100_000):\n    y = [y]\nprint(x == y)",
        ),
        (
            "(x,)",
            "y = []\nfor i in range(100_000):\n    y = (y,)\nprint(x == y)",
        ),
        (
            "[x]",
            "y = []\nfor i in range(100_000):\n    y = [y]\nprint(x < y)",
        ),
        ("(x,)", "print(hash(x))"),
        ("(x,)", "s = {x}"),
        ("[x]", "import json\nprint(json.dumps(x)[:5])"),
        ("{'a': x}", "import json\nprint(json.dumps(x)[:5])"),
        ("[x]", "print(f'{x!r}'[:5])"),
        ("[x]", "print('%s' % [x][:1])"),
        ("[x]", "print(x in [x])"),
        ("[x]", "x = None"),
    ] {
        let source = format!("{}{then}\nprint('end')\n", build(make));
        let t = run(&source);
        // Each ends in words: printed, or a RecursionError; never a crash.
        match &t.outcome {
            Some(Outcome::Finished) => {
                assert_eq!(printed(&t).last(), Some(&"end"), "{make} {then}")
            }
            Some(Outcome::Raised { last_line, .. }) => assert!(
                last_line.starts_with("RecursionError: "),
                "{make} {then}: {last_line}"
            ),
            other => panic!("{make} {then}: {other:?}"),
        }
    }
}

#[test]
fn deep_chains_of_iterators_and_exceptions_do_not_overflow_the_stack() {
    for source in [
        // Each zip/enumerate wraps the last: next() goes down the chain.
        "z = iter([1])\nfor i in range(100_000):\n    z = zip(z)\nprint(next(z, 'none'))\n",
        "z = iter([1])\nfor i in range(100_000):\n    z = enumerate(z)\nprint(next(z, 'none'))\n",
        "z = iter([1])\nfor i in range(100_000):\n    z = zip(z)\nz = None\nprint('dropped')\n",
        // A chain of 100,000 causes, dropped at the end of the run.
        "prev = None\nfor i in range(100_000):\n    try:\n        raise ValueError(i) from prev\n    except ValueError as e:\n        prev = e\nprint(repr(prev))\n",
        // Closures nesting closures.
        "f = lambda: 0\nfor i in range(100_000):\n    f = (lambda g: lambda: g())(f)\nprint('made')\n",
    ] {
        let t = run(source);
        match &t.outcome {
            Some(Outcome::Finished) => {}
            Some(Outcome::Raised { last_line, .. }) => assert!(
                last_line.starts_with("RecursionError: "),
                "{source}: {last_line}"
            ),
            other => panic!("{source}: {other:?}"),
        }
    }
}

#[test]
fn calling_a_deep_closure_chain_raises_recursion_error() {
    let t =
        run("f = lambda: 0\nfor i in range(100_000):\n    f = (lambda g: lambda: g())(f)\nf()\n");
    assert!(
        raised(&t).starts_with("RecursionError: "),
        "{:?}",
        t.outcome
    );
}
