//! What `interp::check` refuses before a program runs: CPython's compile-time errors that the
//! parser leaves to a later pass, imports of modules the page lacks, and servers and raw
//! sockets. Each with the line and column of the node and words saying what to do instead; and
//! `interp::run` ends a refused program with them before running any of it.
// Native only: runs programs on the tracer's fake clock (`interp::simulate`), in threads.
#![cfg(not(target_arch = "wasm32"))]

use asyncscope_python::interp::{self, check, Options, Outcome, Refusal};
use asyncscope_python::parse;

fn refusal(source: &str) -> Refusal {
    let module = parse(source).unwrap_or_else(|e| panic!("{source:?} did not parse: {e}"));
    match check(&module) {
        Err(r) => r,
        Ok(()) => panic!("{source:?} was not refused"),
    }
}

fn at(source: &str) -> (u32, u32, String) {
    let r = refusal(source);
    (r.line, r.col, r.message)
}

fn accepted(source: &str) {
    let module = parse(source).unwrap_or_else(|e| panic!("{source:?} did not parse: {e}"));
    if let Err(r) = check(&module) {
        panic!("{source:?} refused: {r}");
    }
}

#[test]
fn await_outside_async_def_is_refused_where_cpython_refuses_it() {
    let (line, col, message) = at("import asyncio\nx = await asyncio.sleep(1)\n");
    assert_eq!((line, col), (2, 5));
    assert!(
        message.starts_with("'await' outside function: "),
        "{message}"
    );
    assert!(message.contains("asyncio.run(main())"), "{message}");

    let (line, col, message) = at("def fetch():\n    x = 1\n    return await g(x)\n");
    assert_eq!((line, col), (3, 12));
    assert!(
        message.starts_with("'await' outside async function: make `fetch` an `async def`"),
        "{message}"
    );

    // A lambda is not async, even in an async def.
    let (line, col, message) = at("async def f():\n    g = lambda: await h()\n");
    assert_eq!((line, col), (2, 17));
    assert!(
        message.starts_with("'await' outside async function"),
        "{message}"
    );

    // In a comprehension of a plain def, CPython names the comprehension.
    let (line, col, message) = at("def f():\n    return [await i for i in y]\n");
    assert_eq!((line, col), (2, 12));
    assert!(
        message.starts_with("asynchronous comprehension outside of an asynchronous function"),
        "{message}"
    );

    accepted("async def f():\n    return [await i for i in y]\n");
    accepted("async def f():\n    async with lock:\n        await g()\n");
}

#[test]
fn a_refused_program_does_not_run_and_ends_with_its_refusal() {
    let source = "print('never printed')\n\ndef f():\n    await g()\n";
    let t = interp::simulate(parse(source).expect("parses"), Options::default());
    assert!(t.lines.is_empty(), "{:?}", t.lines);
    match t.outcome {
        Some(Outcome::Raised {
            last_line,
            line,
            col,
        }) => {
            assert_eq!((line, col), (4, 5));
            assert!(
                last_line.starts_with("SyntaxError: 'await' outside async function"),
                "{last_line}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn yield_in_async_def_is_outside_the_subset_with_what_to_use() {
    let r = refusal("async def ticks(n):\n    for i in range(n):\n        yield i\n");
    assert_eq!((r.line, r.col), (3, 9));
    assert_eq!(r.kind, "SyntaxError");
    assert!(
        r.message
            .starts_with("async generators (`yield` inside an `async def`, here ticks)"),
        "{}",
        r.message
    );
    assert!(r.message.contains("asyncio.Queue"), "{}", r.message);
    let (line, col, message) = at("async def f():\n    yield from g()\n");
    assert_eq!((line, col), (2, 5));
    assert!(
        message.starts_with("'yield from' inside async function"),
        "{message}"
    );
    accepted("def ticks(n):\n    for i in range(n):\n        yield i\n");
}

#[test]
fn return_yield_break_continue_out_of_place_have_cpythons_words() {
    assert_eq!(
        at("x = 1\nreturn x\n"),
        (2, 1, "'return' outside function".into())
    );
    assert_eq!(at("yield 1\n"), (1, 1, "'yield' outside function".into()));
    assert_eq!(at("break\n"), (1, 1, "'break' outside loop".into()));
    assert_eq!(
        at("continue\n"),
        (1, 1, "'continue' not properly in loop".into())
    );
    // A def inside a loop starts afresh; a loop's `else` is not in the loop.
    assert_eq!(
        at("while x:\n    def f():\n        continue\n"),
        (3, 9, "'continue' not properly in loop".into())
    );
    assert_eq!(
        at("for x in y:\n    pass\nelse:\n    break\n"),
        (4, 5, "'break' outside loop".into())
    );
    let (line, col, message) = at("def f():\n    return [(yield i) for i in y]\n");
    assert_eq!((line, col), (2, 14));
    assert!(
        message.starts_with("'yield' inside list comprehension"),
        "{message}"
    );
    accepted("while x:\n    try:\n        pass\n    finally:\n        break\n");
    accepted("for i in y:\n    if i:\n        continue\n    while i:\n        break\n");
}

#[test]
fn async_with_and_async_for_outside_async_def() {
    let (line, col, message) = at("def f():\n    async with lock:\n        pass\n");
    assert_eq!((line, col), (2, 5));
    assert!(
        message.starts_with("'async with' outside async function"),
        "{message}"
    );
    assert_eq!(
        at("async for x in y:\n    pass\n"),
        (1, 1, "'async for' outside async function".into())
    );
}

#[test]
fn nonlocal_without_a_binding_or_at_module_level() {
    let (line, col, message) = at("nonlocal x\n");
    assert_eq!((line, col), (1, 1));
    assert!(message.starts_with("nonlocal declaration not allowed at module level"));
    let (line, col, message) = at("count = 0\ndef f():\n    nonlocal count\n    count += 1\n");
    assert_eq!((line, col), (3, 5));
    assert!(message.starts_with("no binding for nonlocal 'count' found"));
    assert!(message.contains("`global count`"), "{message}");
    accepted("def f():\n    n = 0\n    def g():\n        nonlocal n\n        n += 1\n    g()\n");
}

#[test]
fn imports_of_modules_the_page_lacks_say_what_it_has() {
    let r = refusal("import asyncio\nimport socket\n");
    assert_eq!((r.line, r.col, r.kind), (2, 8, "ModuleNotFoundError"));
    assert!(r
        .message
        .starts_with("No module named 'socket': the playground has asyncio"));
    assert!(r.message.contains("aiohttp.ClientSession"), "{}", r.message);
    assert_eq!(r.last_line(), format!("ModuleNotFoundError: {}", r.message));

    for chat in [
        "import asyncore\n",
        "import asynchat\n",
        "from asynchat import async_chat\n",
    ] {
        let r = refusal(chat);
        assert!(
            r.message.contains("the chat lesson"),
            "{chat}: {}",
            r.message
        );
    }
    for server in [
        "from aiohttp import web\n",
        "import aiohttp.web\n",
        "import aiohttp\napp = aiohttp.web.Application()\n",
    ] {
        let r = refusal(server);
        assert!(
            r.message.contains("the server lesson"),
            "{server}: {}",
            r.message
        );
    }
    let r = refusal("import asyncio\nfrom aiohttp import ClientSession, web\n");
    assert_eq!((r.line, r.col), (2, 36));

    // Inside a function too: the import would fail when it runs.
    let r = refusal("async def main():\n    import subprocess\n");
    assert_eq!((r.line, r.col), (2, 12));
    assert!(
        r.message.contains("one thread and no processes"),
        "{}",
        r.message
    );

    accepted("import asyncio, time, random, json, math, sys, threading, contextlib\n");
    accepted("import aiohttp\nfrom concurrent.futures import ThreadPoolExecutor\n");
}

#[test]
fn servers_and_raw_sockets_are_refused_with_the_lessons_to_see() {
    let (line, col, message) = at(
        "import asyncio\n\nasync def main():\n    server = await asyncio.start_server(handle, '127.0.0.1', 8888)\n",
    );
    assert_eq!((line, col), (4, 20));
    assert!(
        message.starts_with("asyncio.start_server opens"),
        "{message}"
    );
    assert!(message.contains("server lesson") && message.contains("chat lesson"));

    let (line, col, message) =
        at("async def main():\n    r, w = await asyncio.open_connection('h', 80)\n");
    assert_eq!((line, col), (2, 18));
    assert!(
        message.starts_with("asyncio.open_connection opens"),
        "{message}"
    );

    let (_, _, message) =
        at("loop = asyncio.get_event_loop()\nloop.create_server(f, '0.0.0.0', 80)\n");
    assert!(
        message.starts_with("loop.create_server opens sockets"),
        "{message}"
    );
    let (_, _, message) = at("async def f(loop, s):\n    await loop.sock_recv(s, 100)\n");
    assert!(
        message.starts_with("loop.sock_recv works on a raw socket"),
        "{message}"
    );
    let (_, _, message) = at("web.run_app(app)\n");
    assert!(
        message.starts_with("web.run_app starts an aiohttp server"),
        "{message}"
    );
    assert!(message.contains("server lesson"), "{message}");
    let (line, col, message) = at("from asyncio import sleep, start_server\n");
    assert_eq!((line, col), (1, 28));
    assert!(
        message.starts_with("asyncio.start_server opens"),
        "{message}"
    );
}

#[test]
fn the_refusal_displays_as_a_syntax_error_does() {
    let r = refusal("\n\n  # comment\nbreak\n");
    assert_eq!(r.to_string(), "line 4, column 1: 'break' outside loop");
}

#[test]
fn every_refusal_says_what_to_do_where_there_is_something() {
    // The ones with nothing to suggest keep CPython's words alone.
    let bare = [
        "'return' outside function",
        "'yield' outside function",
        "'break' outside loop",
        "'continue' not properly in loop",
        "'async for' outside async function",
    ];
    for source in [
        "x = await f()\n",
        "def f():\n    await g()\n",
        "async def f():\n    yield 1\n",
        "async def f():\n    yield from g()\n",
        "nonlocal x\n",
        "def f():\n    nonlocal x\n",
        "import socket\n",
        "from . import x\n",
        "asyncio.start_server(h)\n",
        "def f():\n    async with x:\n        pass\n",
        "[(yield) for x in y]\n",
    ] {
        let r = refusal(source);
        assert!(!bare.contains(&r.message.as_str()), "{source:?}");
        assert!(
            r.message.contains(": ") || r.message.contains("use"),
            "{source:?}: {}",
            r.message
        );
    }
}

/// A program that does not parse but imports asynchat (the seeds' chat server uses bytes, which
/// the parser refuses further on) hears first what to use instead: the chat lesson.
#[test]
fn a_program_that_does_not_parse_is_refused_first_for_an_import_with_advice() {
    let chat = "import asynchat\nimport asyncore\n\nclass Chat(asynchat.async_chat):\n    pass\n";
    let refused = asyncscope_python::interp::prepare(chat).expect_err("refused");
    assert_eq!(
        (refused.line, refused.col, refused.kind),
        (1, 8, "ModuleNotFoundError")
    );
    assert!(
        refused.message.contains("the chat lesson"),
        "{}",
        refused.message
    );
    let web = "from aiohttp import web\nx = b'bytes'\n";
    let refused = asyncscope_python::interp::prepare(web).expect_err("refused");
    assert_eq!((refused.line, refused.col), (1, 6));
    assert!(
        refused.message.contains("server lesson"),
        "{}",
        refused.message
    );
    // Without such an import, the syntax error itself.
    let plain = "import asyncio\nx = b'bytes'\n";
    let refused = asyncscope_python::interp::prepare(plain).expect_err("refused");
    assert_eq!((refused.line, refused.kind), (2, "SyntaxError"));
    assert!(asyncscope_python::interp::prepare("print(1)\n").is_ok());
}
