//! The one error the parser returns: where, and what went wrong in words.

use std::fmt;

/// A source the playground will not run, with the place a reader should look.
///
/// `line` and `col` are 1-based and count characters (not bytes), as an editor shows them, so the
/// page can underline the spot; the message reads like CPython's own where CPython has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl SyntaxError {
    pub(crate) fn new(line: u32, col: u32, message: impl Into<String>) -> Self {
        SyntaxError {
            line,
            col,
            message: message.into(),
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.col, self.message
        )
    }
}

impl std::error::Error for SyntaxError {}
