//! What the playground's Python leaves out is refused by name, and no source, however large or
//! deep, gets past the caps: a stack overflow in wasm would kill the page.

use asyncscope_python::{parse, SyntaxError, MAX_NESTING, MAX_SOURCE_BYTES};

fn refusal(source: &str) -> (u32, u32, String) {
    match parse(source) {
        Err(SyntaxError { line, col, message }) => (line, col, message),
        Ok(module) => panic!("{source:?} parsed: {module:?}"),
    }
}

#[test]
fn class_is_refused_by_name_wherever_it_stands() {
    let (line, col, message) =
        refusal("import asyncio\n\nasync def main():\n    class Job:\n        pass\n");
    assert_eq!((line, col), (4, 5));
    assert_eq!(
        message,
        "class definitions are not part of the playground's Python; use functions and dicts"
    );
    // A decorated class is a class.
    assert_eq!(refusal("@dataclass\nclass A:\n    x: int\n").0, 2);
}

#[test]
fn match_statement_is_refused_but_match_as_a_name_parses() {
    let (line, col, message) = refusal("x = 1\nmatch x:\n    case 1:\n        pass\n");
    assert_eq!((line, col), (2, 1));
    assert!(
        message.contains("'match' statement is not part of"),
        "{message}"
    );
    assert!(parse("match = re.match(p, s)\nmatch.group(1)\nprint(match)\n").is_ok());
}

#[test]
fn walrus_outside_parentheses_is_refused_in_words() {
    // Inside parentheses it parses: the corpus's producer/consumer lesson needs it.
    assert!(parse("while (n := f()) is not None:\n    pass\n").is_ok());
    let (line, col, message) = refusal("async def main():\n    n := 1\n");
    assert_eq!((line, col), (2, 7));
    assert!(
        message.starts_with("':=' is only allowed inside parentheses"),
        "{message}"
    );
}

#[test]
fn bytes_literals_are_refused_with_what_to_use() {
    let (line, col, message) = refusal("data = b'\\x00\\x01'\n");
    assert_eq!((line, col), (1, 8));
    assert_eq!(
        message,
        "bytes literals (b'...') are not part of the playground's Python; use a str"
    );
    assert_eq!(refusal("x = (1,\n     Rb'raw')\n").0, 2);
}

#[test]
fn a_decorator_on_anything_but_def_is_refused() {
    let (line, col, message) = refusal("@asyncio.coroutine\nx = 1\n");
    assert_eq!((line, col), (2, 1));
    assert_eq!(
        message,
        "a decorator must be followed by 'def' or 'async def'"
    );
    assert!(parse("@asyncio.coroutine\ndef old():\n    yield from asyncio.sleep(1)\n").is_ok());
}

#[test]
fn a_source_over_200_kb_is_refused_before_lexing() {
    let source = "x = 1\n".repeat(300 * 1024 / 6);
    assert!(source.len() > MAX_SOURCE_BYTES);
    let (line, col, message) = refusal(&source);
    assert_eq!((line, col), (1, 1));
    assert_eq!(
        message,
        "the program is 300 KB; the playground takes at most 200 KB"
    );
    assert!(parse(&"x = 1\n".repeat(190 * 1024 / 6)).is_ok());
}

/// Runs `parse` on a thread with a stack of `kb` KB.
fn parse_on_a_stack(kb: usize, source: String) -> Result<usize, SyntaxError> {
    std::thread::Builder::new()
        .stack_size(kb * 1024)
        .spawn(move || parse(&source).map(|m| m.body.len()))
        .expect("spawn")
        .join()
        .expect("parse panicked")
}

/// A 256 KB stack: recursion 1,000 levels deep overflows it (and aborts the test binary) unless
/// a depth cap stops it first.
fn parse_on_a_small_stack(source: String) -> Result<usize, SyntaxError> {
    parse_on_a_stack(256, source)
}

/// The stack a wasm32-unknown-unknown program gets by default (rust-lld's `-z stack-size`).
const WASM_STACK_KB: usize = 1024;

#[test]
fn a_thousand_nested_parentheses_are_refused_not_a_stack_overflow() {
    let source = format!("x = {}1{}\n", "(".repeat(1000), ")".repeat(1000));
    let err = parse_on_a_small_stack(source).expect_err("1,000 parentheses parsed");
    assert_eq!((err.line, err.col), (1, 5 + MAX_NESTING as u32));
    assert_eq!(
        err.message,
        "too many nested parentheses (the playground allows 100)"
    );
}

#[test]
fn nesting_just_under_the_cap_parses_within_wasms_stack() {
    // About 6 KB a bracket level in a debug build, 1.4 KB in a release one: the cap is what
    // keeps a debug build inside wasm's 1 MB.
    let n = MAX_NESTING - 1;
    let source = format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n));
    assert_eq!(parse_on_a_stack(WASM_STACK_KB, source), Ok(1));
    let source = format!("x = {}f(1){}\n", "(".repeat(n - 1), ")".repeat(n - 1));
    assert_eq!(parse_on_a_stack(WASM_STACK_KB, source), Ok(1));
}

#[test]
fn deep_recursion_without_brackets_is_refused_too() {
    // Unary operators, powers, lambdas and conditionals recurse with no bracket to count. At the
    // cap a debug build's `**` chain takes about 300 KB, so these run on wasm's stack, which
    // 1,000 levels would overflow several times over.
    for source in [
        format!("x = {}1\n", "-".repeat(1000)),
        format!("x = {}1\n", "not ".repeat(1000)),
        format!("x = {}1\n", "2 ** ".repeat(1000)),
        format!("f = {}1\n", "lambda: ".repeat(1000)),
        format!("x = {}1\n", "1 if c else ".repeat(1000)),
    ] {
        let err = parse_on_a_stack(WASM_STACK_KB, source.clone()).expect_err("parsed");
        assert!(
            err.message.starts_with("too deeply nested"),
            "{}: {err}",
            &source[..20]
        );
    }
}

#[test]
fn indentation_deeper_than_the_cap_is_refused() {
    // One space a level keeps the source under 200 KB.
    let mut source = String::new();
    for depth in 0..500 {
        source.push_str(&" ".repeat(depth));
        source.push_str("if x:\n");
    }
    source.push_str(&" ".repeat(500));
    source.push_str("pass\n");
    let err = parse_on_a_small_stack(source).expect_err("parsed");
    let level = MAX_NESTING as u32 + 1;
    assert_eq!((err.line, err.col), (level + 1, level + 1));
    assert_eq!(
        err.message,
        "too many levels of indentation (the playground allows 100)"
    );
}

#[test]
fn brackets_inside_an_f_string_field_count_with_those_around_it() {
    // Python 3.11 cannot nest a quote in its own f-string, so four kinds nest four deep.
    let mut source = "1".to_string();
    for q in ["'", "\"", "'''", "\"\"\""] {
        source = format!("f{q}{{{source}}}{q}");
    }
    assert!(parse(&format!("x = {source}\n")).is_ok(), "{source}");
    // A field is lexed on its own, so the lexer sees 60 brackets in each part; the parser's
    // depth carries into the field and refuses the 120.
    let (open, close) = ("[".repeat(60), "]".repeat(60));
    let source = format!("x = {open}f'{{{open}1{close}}}'{close}\n");
    let err = parse_on_a_stack(WASM_STACK_KB, source).expect_err("parsed");
    assert!(err.message.starts_with("too deeply nested"), "{err}");
}
