//! Source text to tokens, as CPython's tokenizer cuts it: logical lines, INDENT/DEDENT, strings
//! and f-strings, numbers, names, operators, each with its 1-based line and column in characters.

use crate::error::SyntaxError;
use crate::MAX_NESTING;

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Name(String),
    /// One of [`KEYWORDS`].
    Keyword(&'static str),
    /// One of [`OPERATORS`], brackets and punctuation included.
    Op(&'static str),
    Int(i128),
    Float(f64),
    /// A plain string, escapes decoded.
    Str(String),
    FString(Vec<FStringPiece>),
    /// The end of a logical line.
    Newline,
    Indent,
    Dedent,
    EndOfFile,
}

/// A piece of an f-string as the lexer sees it: the expressions are still text, which the parser
/// parses with their place in the source so that an error inside `{...}` points into it.
#[derive(Debug, Clone, PartialEq)]
pub enum FStringPiece {
    Literal(String),
    Field(FStringField),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FStringField {
    pub source: String,
    pub line: u32,
    pub col: u32,
    /// `'r'`, `'s'` or `'a'`
    pub conversion: Option<char>,
    pub spec: Vec<FStringPiece>,
}

pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Longest first within each length, so the first match is the longest.
pub const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "**", "//", "<<", ">>",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "@", "&", "|",
    "^", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=",
];

/// CPython's tab stops: a tab moves the indentation column to the next multiple of 8.
const TAB_SIZE: usize = 8;

/// Cuts `source` into tokens, ending with `Newline` (if anything came before), the `Dedent`s that
/// close open blocks, and `EndOfFile`.
pub fn tokenize(source: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lexer = Lexer::new(source, 1, 1, false);
    lexer.run()?;
    Ok(lexer.tokens)
}

/// Cuts the expression of an f-string field, found at `line`/`col`: as inside brackets, so line
/// breaks are spaces and there is no indentation; no `Newline`, just `EndOfFile`.
pub fn tokenize_fstring_field(
    source: &str,
    line: u32,
    col: u32,
) -> Result<Vec<Token>, SyntaxError> {
    let mut lexer = Lexer::new(source, line, col, true);
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: u32,
    col: u32,
    tokens: Vec<Token>,
    /// Open brackets with where they opened, for "'(' was never closed".
    brackets: Vec<(char, u32, u32)>,
    /// Indentation of the open blocks: (column with tabs to 8, column with tabs to 1). CPython
    /// refuses a line whose two measures order it differently against a block: that line's
    /// meaning depends on the tab width.
    indents: Vec<(usize, usize)>,
    /// Inside an f-string field: every line break is inside brackets.
    in_fstring_field: bool,
}

impl Lexer {
    fn new(source: &str, line: u32, col: u32, in_fstring_field: bool) -> Self {
        // "\r\n" and a lone "\r" end a line as "\n" does; columns are unchanged.
        let chars = source
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .collect();
        Lexer {
            chars,
            pos: 0,
            line,
            col,
            tokens: Vec::new(),
            brackets: Vec::new(),
            indents: vec![(0, 0)],
            in_fstring_field,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn push(&mut self, kind: TokenKind, line: u32, col: u32) {
        self.tokens.push(Token { kind, line, col });
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError::new(self.line, self.col, message)
    }

    fn joining_lines(&self) -> bool {
        self.in_fstring_field || !self.brackets.is_empty()
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        let mut at_line_start = !self.in_fstring_field;
        loop {
            if at_line_start {
                at_line_start = false;
                if !self.indentation()? {
                    break;
                }
            }
            let Some(c) = self.peek() else { break };
            let (line, col) = (self.line, self.col);
            match c {
                ' ' | '\t' | '\x0c' => {
                    self.bump();
                }
                '#' => self.skip_comment(),
                '\\' => {
                    self.bump();
                    match self.peek() {
                        Some('\n') => {
                            self.bump();
                        }
                        None => return Err(self.error("unexpected EOF while parsing")),
                        Some(_) => {
                            return Err(self
                                .error("unexpected character after line continuation character"))
                        }
                    }
                }
                '\n' => {
                    if !self.joining_lines() {
                        self.push(TokenKind::Newline, line, col);
                        at_line_start = true;
                    }
                    self.bump();
                }
                '0'..='9' => self.number()?,
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number()?,
                '\'' | '"' => self.string("", line, col)?,
                c if is_identifier_start(c) => self.name_or_prefixed_string()?,
                _ => self.operator()?,
            }
        }
        if let Some(&(open, line, col)) = self.brackets.last() {
            return Err(SyntaxError::new(
                line,
                col,
                format!("'{open}' was never closed"),
            ));
        }
        let (line, col) = (self.line, self.col);
        if !self.in_fstring_field
            && !matches!(
                self.tokens.last().map(|t| &t.kind),
                None | Some(TokenKind::Newline)
            )
        {
            self.push(TokenKind::Newline, line, col);
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(TokenKind::Dedent, line, col);
        }
        self.push(TokenKind::EndOfFile, line, col);
        Ok(())
    }

    /// At the start of a physical line outside brackets: skips blank and comment-only lines, then
    /// emits the `Indent` or `Dedent`s the next line's indentation means. False at the end.
    fn indentation(&mut self) -> Result<bool, SyntaxError> {
        loop {
            let (mut width, mut alt_width) = (0usize, 0usize);
            while let Some(c) = self.peek() {
                match c {
                    ' ' => {
                        width += 1;
                        alt_width += 1;
                    }
                    '\t' => {
                        width = (width / TAB_SIZE + 1) * TAB_SIZE;
                        alt_width += 1;
                    }
                    '\x0c' => {
                        width = 0;
                        alt_width = 0;
                    }
                    _ => break,
                }
                self.bump();
            }
            match self.peek() {
                None => return Ok(false),
                Some('#') => self.skip_comment(),
                Some('\n') => {
                    self.bump();
                }
                Some(_) => return self.indent_to(width, alt_width).map(|()| true),
            }
        }
    }

    fn indent_to(&mut self, width: usize, alt_width: usize) -> Result<(), SyntaxError> {
        let (line, col) = (self.line, self.col);
        // As CPython, at the start of the line: the fault is the indentation as a whole.
        let inconsistent = move || {
            SyntaxError::new(
                line,
                1,
                "inconsistent use of tabs and spaces in indentation",
            )
        };
        let &(top, alt_top) = self.indents.last().unwrap_or(&(0, 0));
        if width == top {
            if alt_width != alt_top {
                return Err(inconsistent());
            }
        } else if width > top {
            if alt_width <= alt_top {
                return Err(inconsistent());
            }
            if self.indents.len() > MAX_NESTING {
                return Err(self.error(format!(
                    "too many levels of indentation (the playground allows {MAX_NESTING})"
                )));
            }
            self.indents.push((width, alt_width));
            self.push(TokenKind::Indent, line, col);
        } else {
            while self.indents.last().is_some_and(|&(w, _)| w > width) {
                self.indents.pop();
                self.push(TokenKind::Dedent, line, col);
            }
            let &(top, alt_top) = self.indents.last().unwrap_or(&(0, 0));
            if top != width {
                return Err(self.error("unindent does not match any outer indentation level"));
            }
            if alt_top != alt_width {
                return Err(inconsistent());
            }
        }
        Ok(())
    }

    fn skip_comment(&mut self) {
        while self.peek().is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    fn operator(&mut self) -> Result<(), SyntaxError> {
        let (line, col) = (self.line, self.col);
        let found = OPERATORS.iter().find(|op| {
            op.chars()
                .enumerate()
                .all(|(i, c)| self.peek_at(i) == Some(c))
        });
        let Some(&op) = found else {
            let c = self.peek().unwrap_or(' ');
            let message = if c == '!' {
                "invalid syntax".to_string()
            } else {
                format!("invalid character '{c}' (U+{:04X})", c as u32)
            };
            return Err(self.error(message));
        };
        for _ in op.chars() {
            self.bump();
        }
        match op {
            "(" | "[" | "{" => {
                if self.brackets.len() >= MAX_NESTING {
                    return Err(SyntaxError::new(
                        line,
                        col,
                        format!(
                            "too many nested parentheses (the playground allows {MAX_NESTING})"
                        ),
                    ));
                }
                self.brackets
                    .push((op.chars().next().unwrap_or('('), line, col));
            }
            ")" | "]" | "}" => {
                let close = op.chars().next().unwrap_or(')');
                let Some((open, _, _)) = self.brackets.pop() else {
                    return Err(SyntaxError::new(line, col, format!("unmatched '{close}'")));
                };
                if matching_close(open) != close {
                    return Err(SyntaxError::new(
                        line,
                        col,
                        format!(
                            "closing parenthesis '{close}' does not match opening parenthesis '{open}'"
                        ),
                    ));
                }
            }
            _ => {}
        }
        self.push(TokenKind::Op(op), line, col);
        Ok(())
    }

    fn name_or_prefixed_string(&mut self) -> Result<(), SyntaxError> {
        let (line, col) = (self.line, self.col);
        let start = self.pos;
        while self.peek().is_some_and(is_identifier_char) {
            self.bump();
        }
        let name: String = self
            .chars
            .get(start..self.pos)
            .unwrap_or(&[])
            .iter()
            .collect();
        if matches!(self.peek(), Some('\'' | '"')) {
            let prefix = name.to_ascii_lowercase();
            if matches!(
                prefix.as_str(),
                "r" | "u" | "f" | "rf" | "fr" | "b" | "br" | "rb"
            ) {
                return self.string(&prefix, line, col);
            }
        }
        let kind = match KEYWORDS.iter().find(|k| **k == name) {
            Some(keyword) => TokenKind::Keyword(keyword),
            None => TokenKind::Name(name),
        };
        self.push(kind, line, col);
        Ok(())
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        let (line, col) = (self.line, self.col);
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some('0'), Some('x' | 'X')) => 16,
            (Some('0'), Some('o' | 'O')) => 8,
            (Some('0'), Some('b' | 'B')) => 2,
            _ => 10,
        };
        let value = if radix == 10 {
            self.decimal(line, col)?
        } else {
            self.bump();
            self.bump();
            let digits = self.digits(radix)?;
            if digits.is_empty() {
                return Err(self.error(format!("invalid {} literal", radix_name(radix))));
            }
            let value = i128::from_str_radix(&digits, radix).map_err(|_| too_large(line, col))?;
            TokenKind::Int(value)
        };
        if self.peek().is_some_and(|c| c == 'j' || c == 'J') {
            return Err(SyntaxError::new(
                line,
                col,
                "complex numbers are not part of the playground's Python",
            ));
        }
        if self.peek().is_some_and(is_identifier_char) {
            return Err(SyntaxError::new(
                line,
                col,
                format!("invalid {} literal", radix_name(radix)),
            ));
        }
        self.push(value, line, col);
        Ok(())
    }

    /// Digits of `radix` with single underscores between them, underscores dropped.
    fn digits(&mut self, radix: u32) -> Result<String, SyntaxError> {
        let mut digits = String::new();
        loop {
            match self.peek() {
                Some(c) if c.is_digit(radix) => {
                    digits.push(c);
                    self.bump();
                }
                Some('_') if self.peek_at(1).is_some_and(|c| c.is_digit(radix)) => {
                    self.bump();
                }
                Some('_') => {
                    self.bump();
                    return Err(self.error(format!("invalid {} literal", radix_name(radix))));
                }
                _ => return Ok(digits),
            }
        }
    }

    fn decimal(&mut self, line: u32, col: u32) -> Result<TokenKind, SyntaxError> {
        let whole = self.digits(10)?;
        let mut text = whole.clone();
        let mut is_float = false;
        if self.peek() == Some('.') {
            self.bump();
            is_float = true;
            text.push('.');
            text.push_str(&self.digits(10)?);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = self.peek_at(1).filter(|c| *c == '+' || *c == '-');
            let digit_at = if sign.is_some() { 2 } else { 1 };
            if self.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                self.bump();
                text.push('e');
                if let Some(sign) = sign {
                    self.bump();
                    text.push(sign);
                }
                text.push_str(&self.digits(10)?);
            } else {
                return Err(SyntaxError::new(line, col, "invalid decimal literal"));
            }
        }
        if is_float {
            let value = text
                .parse::<f64>()
                .map_err(|_| SyntaxError::new(line, col, "invalid decimal literal"))?;
            return Ok(TokenKind::Float(value));
        }
        if whole.starts_with('0') && whole.chars().any(|c| c != '0') {
            return Err(SyntaxError::new(
                line,
                col,
                "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
            ));
        }
        whole
            .parse::<i128>()
            .map(TokenKind::Int)
            .map_err(|_| too_large(line, col))
    }

    /// A string literal whose prefix (lowercased, maybe empty) started at `line`/`col`; the lexer
    /// stands on the opening quote.
    fn string(&mut self, prefix: &str, line: u32, col: u32) -> Result<(), SyntaxError> {
        if prefix.contains('b') {
            return Err(SyntaxError::new(
                line,
                col,
                "bytes literals (b'...') are not part of the playground's Python; use a str",
            ));
        }
        let quote = self.peek().unwrap_or('"');
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        let quotes = if triple { 3 } else { 1 };
        for _ in 0..quotes {
            self.bump();
        }
        let mut content = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                // The source's last line, as CPython counts it: a final newline opens no new line.
                let last_line = if self.chars.last() == Some(&'\n') {
                    self.line.saturating_sub(1)
                } else {
                    self.line
                };
                return Err(unterminated(triple, line, col, last_line));
            };
            if c == '\n' && !triple {
                return Err(unterminated(triple, line, col, self.line));
            }
            if c == quote
                && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote)))
            {
                for _ in 0..quotes {
                    self.bump();
                }
                break;
            }
            content.push((c, self.line, self.col));
            self.bump();
            if c == '\\' {
                if let Some(next) = self.peek() {
                    content.push((next, self.line, self.col));
                    self.bump();
                }
            }
        }
        let raw = prefix.contains('r');
        let kind = if prefix.contains('f') {
            TokenKind::FString(fstring_pieces(&content, raw, 0)?)
        } else {
            let text: Vec<char> = content.iter().map(|&(c, _, _)| c).collect();
            TokenKind::Str(decode(&text, raw, line, col)?)
        };
        self.push(kind, line, col);
        Ok(())
    }
}

fn matching_close(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

fn radix_name(radix: u32) -> &'static str {
    match radix {
        16 => "hexadecimal",
        8 => "octal",
        2 => "binary",
        _ => "decimal",
    }
}

fn too_large(line: u32, col: u32) -> SyntaxError {
    SyntaxError::new(
        line,
        col,
        "integer literal too large: the playground's ints are 128-bit (at most 2**127 - 1)",
    )
}

fn unterminated(triple: bool, line: u32, col: u32, detected: u32) -> SyntaxError {
    let what = if triple {
        "triple-quoted string literal"
    } else {
        "string literal"
    };
    SyntaxError::new(
        line,
        col,
        format!("unterminated {what} (detected at line {detected})"),
    )
}

fn is_identifier_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_identifier_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Decodes a string's escapes (`raw`: none), as CPython does; an error points at the literal.
fn decode(text: &[char], raw: bool, line: u32, col: u32) -> Result<String, SyntaxError> {
    if raw {
        return Ok(text.iter().collect());
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = text.get(i) else {
            out.push('\\');
            break;
        };
        i += 1;
        let simple = match e {
            '\n' => Some(None),
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'n' => Some(Some('\n')),
            't' => Some(Some('\t')),
            'r' => Some(Some('\r')),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(decoded) = simple {
            out.extend(decoded);
            continue;
        }
        let hex_digits = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        if hex_digits > 0 {
            let digits: String = text.iter().skip(i).take(hex_digits).collect();
            let code = (digits.len() == hex_digits
                && digits.chars().all(|d| d.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(&digits, 16).ok())
            .flatten();
            let Some(code) = code else {
                return Err(SyntaxError::new(
                    line,
                    col,
                    format!("truncated \\{e}{} escape", "X".repeat(hex_digits)),
                ));
            };
            let Some(decoded) = char::from_u32(code) else {
                return Err(SyntaxError::new(
                    line,
                    col,
                    format!("illegal Unicode character \\{e}{digits}"),
                ));
            };
            out.push(decoded);
            i += hex_digits;
        } else if e.is_digit(8) {
            let mut code = e.to_digit(8).unwrap_or(0);
            let mut taken = 1;
            while taken < 3 {
                let Some(d) = text.get(i).and_then(|d| d.to_digit(8)) else {
                    break;
                };
                code = code * 8 + d;
                i += 1;
                taken += 1;
            }
            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        } else if e == 'N' {
            return Err(SyntaxError::new(
                line,
                col,
                "\\N{...} escapes are not part of the playground's Python; use \\uXXXX",
            ));
        } else {
            // CPython keeps an unknown escape as written (with a warning).
            out.push('\\');
            out.push(e);
        }
    }
    Ok(out)
}

/// F-string specs may hold fields (`{x:{width}}`), and those their own specs; CPython allows two levels.
const MAX_FSTRING_NESTING: usize = 2;

/// Splits an f-string's content (each char with its line and column) into literal text and fields.
fn fstring_pieces(
    content: &[(char, u32, u32)],
    raw: bool,
    nesting: usize,
) -> Result<Vec<FStringPiece>, SyntaxError> {
    let mut pieces = Vec::new();
    let mut literal: Vec<char> = Vec::new();
    let mut i = 0;
    let flush = |literal: &mut Vec<char>, pieces: &mut Vec<FStringPiece>, at: (u32, u32)| {
        if literal.is_empty() {
            return Ok(());
        }
        let text = decode(literal, raw, at.0, at.1)?;
        literal.clear();
        pieces.push(FStringPiece::Literal(text));
        Ok::<(), SyntaxError>(())
    };
    while let Some(&(c, line, col)) = content.get(i) {
        let next = content.get(i + 1).map(|&(n, _, _)| n);
        match c {
            '{' if next == Some('{') && nesting == 0 => {
                literal.push('{');
                i += 2;
            }
            '}' if next == Some('}') && nesting == 0 => {
                literal.push('}');
                i += 2;
            }
            '}' => {
                return Err(SyntaxError::new(
                    line,
                    col,
                    "f-string: single '}' is not allowed",
                ))
            }
            '{' => {
                flush(&mut literal, &mut pieces, (line, col))?;
                if nesting >= MAX_FSTRING_NESTING {
                    return Err(SyntaxError::new(
                        line,
                        col,
                        "f-string: expressions nested too deeply",
                    ));
                }
                let (field, end) = fstring_field(content, i + 1, raw, nesting)?;
                pieces.push(FStringPiece::Field(field));
                i = end;
            }
            '\\' => {
                literal.push(c);
                if let Some(n) = next {
                    literal.push(n);
                }
                i += 2;
            }
            _ => {
                literal.push(c);
                i += 1;
            }
        }
    }
    let at = content.first().map_or((0, 0), |&(_, l, c)| (l, c));
    flush(&mut literal, &mut pieces, at)?;
    Ok(pieces)
}

/// One `{expression[!c][:spec]}` whose expression starts at `start`; returns it and the index
/// after its closing `}`.
fn fstring_field(
    content: &[(char, u32, u32)],
    start: usize,
    raw: bool,
    nesting: usize,
) -> Result<(FStringField, usize), SyntaxError> {
    let (line, col) = content.get(start).map_or_else(
        || content.last().map_or((1, 1), |&(_, l, c)| (l, c + 1)),
        |&(_, l, c)| (l, c),
    );
    let expecting = |at: usize| {
        let (l, c) = content.get(at).map_or((line, col), |&(_, l, c)| (l, c));
        SyntaxError::new(l, c, "f-string: expecting '}'")
    };
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut i = start;
    let end = loop {
        let Some(&(c, l, cl)) = content.get(i) else {
            return Err(expecting(i.saturating_sub(1)));
        };
        let next = content.get(i + 1).map(|&(n, _, _)| n);
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '\'' | '"' => quote = Some(c),
                '\\' => {
                    return Err(SyntaxError::new(
                        l,
                        cl,
                        "f-string expression part cannot include a backslash",
                    ))
                }
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth > 0 => depth -= 1,
                '}' => break i,
                '!' if depth == 0 && next != Some('=') => break i,
                ':' if depth == 0 => break i,
                '#' => {
                    return Err(SyntaxError::new(
                        l,
                        cl,
                        "f-string expression part cannot include '#'",
                    ))
                }
                _ => {}
            }
        }
        i += 1;
    };
    let source: String = content
        .get(start..end)
        .unwrap_or(&[])
        .iter()
        .map(|&(c, _, _)| c)
        .collect();
    if source.trim().is_empty() {
        return Err(SyntaxError::new(
            line,
            col,
            "f-string: empty expression not allowed",
        ));
    }
    let mut i = end;
    let mut conversion = None;
    if content.get(i).map(|&(c, _, _)| c) == Some('!') {
        let c = content.get(i + 1).map(|&(c, _, _)| c);
        let after = content.get(i + 2).map(|&(c, _, _)| c);
        match (c, after) {
            (Some(c @ ('r' | 's' | 'a')), Some(':' | '}')) => conversion = Some(c),
            _ => {
                let (l, cl) = content.get(i + 1).map_or((line, col), |&(_, l, c)| (l, c));
                return Err(SyntaxError::new(
                    l,
                    cl,
                    "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                ));
            }
        }
        i += 2;
    }
    let mut spec = Vec::new();
    if content.get(i).map(|&(c, _, _)| c) == Some(':') {
        // The spec runs to the `}` that closes this field, over any nested `{...}`.
        let spec_start = i + 1;
        let mut depth = 0usize;
        let mut j = spec_start;
        loop {
            match content.get(j).map(|&(c, _, _)| c) {
                None => return Err(expecting(j.saturating_sub(1))),
                Some('{') => depth += 1,
                Some('}') if depth > 0 => depth -= 1,
                Some('}') => break,
                _ => {}
            }
            j += 1;
        }
        spec = fstring_pieces(content.get(spec_start..j).unwrap_or(&[]), raw, nesting + 1)?;
        i = j;
    }
    if content.get(i).map(|&(c, _, _)| c) != Some('}') {
        return Err(expecting(i));
    }
    let field = FStringField {
        source,
        line,
        col,
        conversion,
        spec,
    };
    Ok((field, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        match tokenize(source) {
            Ok(tokens) => tokens.into_iter().map(|t| t.kind).collect(),
            Err(e) => panic!("{source:?} did not tokenize: {e}"),
        }
    }

    fn name(n: &str) -> TokenKind {
        TokenKind::Name(n.to_string())
    }

    #[test]
    fn blocks_open_with_indent_and_close_with_one_dedent_each() {
        use TokenKind::*;
        let got = kinds("if a:\n    if b:\n        c\n\n  # comment\nd\n");
        assert_eq!(
            got,
            vec![
                Keyword("if"),
                name("a"),
                Op(":"),
                Newline,
                Indent,
                Keyword("if"),
                name("b"),
                Op(":"),
                Newline,
                Indent,
                name("c"),
                Newline,
                Dedent,
                Dedent,
                name("d"),
                Newline,
                EndOfFile,
            ]
        );
    }

    #[test]
    fn a_tab_counts_to_the_next_multiple_of_eight() {
        // One tab and eight spaces are the same block when used consistently line by line.
        assert!(tokenize("if a:\n\tb\n\tc\n").is_ok());
        let err = tokenize("if a:\n\tb\n        c\n").err();
        assert_eq!(
            err.map(|e| e.message),
            Some("inconsistent use of tabs and spaces in indentation".into())
        );
    }

    #[test]
    fn a_dedent_to_an_unknown_level_is_an_error() {
        let err = tokenize("if a:\n    b\n  c\n").err();
        assert_eq!(
            err.map(|e| (e.line, e.message)),
            Some((
                3,
                "unindent does not match any outer indentation level".into()
            ))
        );
    }

    #[test]
    fn lines_join_inside_brackets_and_after_a_backslash() {
        use TokenKind::*;
        let got = kinds("x = (1,\n  2) + \\\n 3\n");
        assert_eq!(
            got,
            vec![
                name("x"),
                Op("="),
                Op("("),
                Int(1),
                Op(","),
                Int(2),
                Op(")"),
                Op("+"),
                Int(3),
                Newline,
                EndOfFile,
            ]
        );
    }

    #[test]
    fn numbers_in_every_written_form() {
        use TokenKind::*;
        let got = kinds("1_000 0xff 0o17 0b101 1.5 1e16 .5 2. 3E-2 0\n");
        assert_eq!(
            got,
            vec![
                Int(1000),
                Int(255),
                Int(15),
                Int(5),
                Float(1.5),
                Float(1e16),
                Float(0.5),
                Float(2.0),
                Float(0.03),
                Int(0),
                Newline,
                EndOfFile,
            ]
        );
    }

    #[test]
    fn string_escapes_decode_as_cpython_and_raw_strings_keep_them() {
        use TokenKind::*;
        let got = kinds(
            r#"'a\n\t\\\'\"' "\x41\u4e2d\101\q" r'\n' '''x
y'''"#,
        );
        assert_eq!(
            got,
            vec![
                Str("a\n\t\\'\"".into()),
                Str("A中A\\q".into()),
                Str("\\n".into()),
                Str("x\ny".into()),
                Newline,
                EndOfFile,
            ]
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let tokens = tokenize("s = '中文'; t = 1\n").unwrap_or_default();
        let t = tokens
            .iter()
            .find(|t| t.kind == name("t"))
            .map(|t| (t.line, t.col));
        // In bytes `t` would be at 15: each of 中文 is three bytes in UTF-8.
        assert_eq!(t, Some((1, 11)));
    }

    #[test]
    fn fstrings_split_into_literals_and_fields_with_conversion_and_spec() {
        let got = kinds("f'a{{ {x!r} {y:>{w}.2f}}}'\n");
        let Some(TokenKind::FString(pieces)) = got.first() else {
            panic!("{got:?}")
        };
        let field = |source: &str, col, conversion, spec| {
            FStringPiece::Field(FStringField {
                source: source.into(),
                line: 1,
                col,
                conversion,
                spec,
            })
        };
        assert_eq!(
            pieces,
            &vec![
                FStringPiece::Literal("a{ ".into()),
                field("x", 8, Some('r'), vec![]),
                FStringPiece::Literal(" ".into()),
                field(
                    "y",
                    14,
                    None,
                    vec![
                        FStringPiece::Literal(">".into()),
                        field("w", 18, None, vec![]),
                        FStringPiece::Literal(".2f".into()),
                    ]
                ),
                FStringPiece::Literal("}".into()),
            ]
        );
    }

    #[test]
    fn unicode_names_and_comments_lex() {
        let got = kinds("名字 = '你好'  # 中文注释\n");
        assert_eq!(got.first(), Some(&name("名字")));
        assert_eq!(got.get(2), Some(&TokenKind::Str("你好".into())));
    }
}
