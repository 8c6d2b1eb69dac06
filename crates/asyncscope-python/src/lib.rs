//! The parser of asyncscope's Python playground (issue 16): the asyncio Python a reader pastes,
//! as a tree the interpreter runs, or a [`SyntaxError`] with line, column and words.
//!
//! Hand-written because the kept parsers cost 130-550 KB of gzipped wasm (rustpython-parser,
//! ruff_python_parser, libcst, measured in a `cdylib` built at opt-level "z" with LTO and
//! wasm-opt -Oz); this one costs 50.9 KB over an empty module there (54.7 KB gzipped), 14.6 KB of it core's exactly rounded `f64` parsing, which the interpreter's
//! `float()` will need anyway. It parses CPython's grammar for the subset the playground runs and
//! refuses the rest by name: `class`, the `match` statement, bytes literals, `:=` outside the
//! places CPython takes it. It never panics on any input: sources are capped at
//! [`MAX_SOURCE_BYTES`] and nesting at [`MAX_NESTING`] levels, so a hostile paste cannot overflow
//! the wasm stack.
//!
//! [`random`] is Python's `random` module as CPython 3.11 draws it, so that a seeded program
//! prints the numbers CPython prints.

pub mod ast;
pub mod error;
pub mod format;
pub mod interp;
pub mod lexer;
mod parser;
pub mod random;

pub use ast::Module;
pub use error::SyntaxError;

/// The largest source accepted: the corpus's longest program is under 3 KB.
pub const MAX_SOURCE_BYTES: usize = 200 * 1024;

/// The deepest nesting accepted, of brackets, of blocks, and of the parser's recursion (unary
/// operators, `**`, lambdas, conditionals, f-string fields): CPython allows 200 brackets and
/// 100 indentation levels; a program that needs more is not one a reader pastes to learn.
pub const MAX_NESTING: usize = 100;

/// Parses a whole program.
pub fn parse(source: &str) -> Result<Module, SyntaxError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(SyntaxError::new(
            1,
            1,
            format!(
                "the program is {} KB; the playground takes at most {} KB",
                source.len().div_ceil(1024),
                MAX_SOURCE_BYTES / 1024
            ),
        ));
    }
    let tokens = lexer::tokenize(source)?;
    parser::Parser::new(tokens, 0).module()
}
