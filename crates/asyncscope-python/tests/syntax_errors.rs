//! Bad sources are refused with a line, a column and CPython's words; where ours differ from what
//! `python3.11 -c "compile(SRC, '<s>', 'exec')"` reports, the row says how and why.

use asyncscope_python::{parse, SyntaxError};

/// (source, line, column, message): CPython 3.11's unless a comment says otherwise.
const CASES: &[(&str, u32, u32, &str)] = &[
    ("if x\n    pass\n", 1, 5, "expected ':'"),
    ("x = )\n", 1, 5, "unmatched ')'"),
    ("foo(1,\n", 1, 4, "'(' was never closed"),
    // CPython: column 2; ours points at the indented code itself.
    ("  x = 1\n", 1, 3, "unexpected indent"),
    ("if x:\npass\n", 2, 1, "expected an indented block after 'if' statement on line 1"),
    ("x = 'abc\n", 1, 5, "unterminated string literal (detected at line 1)"),
    ("x = \"\"\"ab\n\n", 1, 5, "unterminated triple-quoted string literal (detected at line 2)"),
    ("x = 1 +\n", 1, 8, "invalid syntax"),
    ("print \"hi\"\n", 1, 1, "Missing parentheses in call to 'print'. Did you mean print(...)?"),
    ("else:\n    pass\n", 1, 1, "invalid syntax"),
    ("f(**x, *y)\n", 1, 8, "iterable argument unpacking follows keyword argument unpacking"),
    // CPython: column 9, past `b`; ours points at the argument.
    ("f(a=1, b)\n", 1, 8, "positional argument follows keyword argument"),
    ("def f(a=1, b):\n    pass\n", 1, 12, "non-default argument follows default argument"),
    ("if x:\n\tpass\n        pass\n", 3, 1, "inconsistent use of tabs and spaces in indentation"),
    // CPython: column 4, past `b` (its tokenizer reports where it stopped reading); ours points at
    // the code whose indentation is wrong. Likewise the `else` further down (CPython: column 8).
    ("if x:\n    a\n  b\n", 3, 3, "unindent does not match any outer indentation level"),
    ("f() = 1\n", 1, 1, "cannot assign to function call here. Maybe you meant '==' instead of '='?"),
    ("(a, b) += 1\n", 1, 1, "'tuple' is an illegal expression for augmented assignment"),
    ("x = 0777\n", 1, 5, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"),
    ("x = 1abc\n", 1, 5, "invalid decimal literal"),
    // CPython 3.11 places f-string errors past the literal (3.12 fixed it); ours point inside it:
    // where the expression should be, where the text ran out, the bad conversion.
    ("f'{}'\n", 1, 4, "f-string: empty expression not allowed"),
    ("f'{x'\n", 1, 4, "f-string: expecting '}'"),
    ("f'{x!z}'\n", 1, 6, "f-string: invalid conversion character: expected 's', 'r', or 'a'"),
    ("x = (1, 2]\n", 1, 10, "closing parenthesis ']' does not match opening parenthesis '('"),
    ("try:\n    pass\nx = 1\n", 3, 1, "expected 'except' or 'finally' block"),
    ("while True\n    pass\n", 1, 11, "expected ':'"),
    ("x = [1, 2\n", 1, 5, "'[' was never closed"),
    ("x = a b\n", 1, 7, "invalid syntax"),
    ("x = \\ y\n", 1, 6, "unexpected character after line continuation character"),
    ("x = 1\\", 1, 7, "unexpected EOF while parsing"),
    ("del f()\n", 1, 5, "cannot delete function call"),
    ("f(x for x in y, 1)\n", 1, 3, "Generator expression must be parenthesized"),
    ("x = {1: 2, 3}\n", 1, 12, "':' expected after dictionary key"),
    ("async def f():\n    for x in\n", 2, 13, "invalid syntax"),
    ("def f():\nreturn 1\n", 2, 1, "expected an indented block after function definition on line 1"),
    // CPython: column 12, "(unicode error) 'unicodeescape' codec can't decode bytes in position
    // 1-2: truncated \xXX escape"; ours points at the literal, in fewer words.
    ("x = 'a\\xZZ'\n", 1, 5, "truncated \\xXX escape"),
    ("for x in range(3):\n    print(x)\n  else:\n    pass\n", 3, 3, "unindent does not match any outer indentation level"),
    ("x = [1, 2)\n", 1, 10, "closing parenthesis ')' does not match opening parenthesis '['"),
    // CPython says "invalid syntax"; ours says where ':=' may stand.
    ("x := 1\n", 1, 3, "':=' is only allowed inside parentheses or as an if/while condition, as in CPython; use '=' to assign"),
    ("import\n", 1, 7, "invalid syntax"),
    // CPython's parser takes this (ast.parse); its compiler refuses it, at column 1.
    ("a, *b, *c = d\n", 1, 1, "multiple starred expressions in assignment"),
    // CPython: "invalid syntax" at column 5; ours names the character.
    ("x = $\n", 1, 5, "invalid character '$' (U+0024)"),
];

#[test]
fn syntax_errors_point_where_cpython_does_with_its_words() {
    let mut wrong = Vec::new();
    for &(source, line, col, message) in CASES {
        let got = parse(source).err();
        let want = SyntaxError {
            line,
            col,
            message: message.to_string(),
        };
        if got.as_ref() != Some(&want) {
            wrong.push(format!("{source:?}\n   want {want}\n    got {got:?}"));
        }
    }
    assert!(CASES.len() >= 20);
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        CASES.len(),
        wrong.join("\n")
    );
}
