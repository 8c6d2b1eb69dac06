//! The playground's editor: a plain `<textarea>` for the reader's asyncio program, over a
//! highlighted copy of its text, with line numbers beside it and the place where the program
//! was refused or raised marked.
//!
//! The textarea does all the editing (caret, selection, undo, IME, screen readers); its own text
//! is transparent. Under it, a `<pre aria-hidden="true">` shows the same characters in the same
//! font, coloured by [`highlight`], a small Python tokenizer (not a parser: it never refuses and
//! never panics), and scrolled with the textarea. static/editor.css lays the two exactly on top
//! of each other.

use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The program's text.
    pub source: AttrValue,
    /// Called with the whole text at every edit.
    pub on_change: Callback<String>,
    /// Ctrl+Enter (Cmd+Enter on a Mac) in the text area.
    pub on_run: Callback<()>,
    /// Where the program was refused or raised: 1-based line and column (in characters) and
    /// the words. A place beyond the text marks the end of the last line, or of the line.
    pub error: Option<(u32, u32, AttrValue)>,
    /// The text area's accessible name ("Your asyncio program").
    #[prop_or_default]
    pub label: AttrValue,
}

/// What the keyboard hint says (read as the text area's description, not shown).
const HINT: &str = "Tab indents; press Escape then Tab to leave the editor. Ctrl+Enter runs.";

/// The spaces Tab inserts (Python's usual indent).
const INDENT: &str = "    ";

/// Editors made so far: each takes its own ids for `aria-describedby`.
static EDITORS: AtomicU32 = AtomicU32::new(0);

#[component]
pub fn Editor(props: &EditorProps) -> Html {
    let textarea = use_node_ref();
    let layer = use_node_ref();
    let gutter = use_node_ref();
    // The previous key was Escape: the next Tab leaves the editor instead of indenting. Read in
    // the key handler only, so a ref, not state (no render).
    let escaped = use_mut_ref(|| false);
    let ids = use_memo((), |_| {
        let n = EDITORS.fetch_add(1, Ordering::Relaxed);
        (
            AttrValue::from(format!("editor-{n}-hint")),
            AttrValue::from(format!("editor-{n}-error")),
        )
    });
    let (hint_id, error_id) = (ids.0.clone(), ids.1.clone());

    // The textarea reports its value with "\n" line breaks whatever it was given: show it the
    // same, or yew would set the value again at each render (and the caret would jump).
    let text = match normalize_newlines(&props.source) {
        std::borrow::Cow::Borrowed(_) => props.source.clone(),
        std::borrow::Cow::Owned(s) => AttrValue::from(s),
    };
    let place = props
        .error
        .as_ref()
        .map(|(line, column, _)| (*line, *column));
    // Built again only when the text or the error's place changes.
    let drawn = use_memo((text.clone(), place), |(text, place)| {
        let lines = highlight_lines(text, *place);
        let count = lines.len();
        let error_line = place.map(|(line, _)| (line.max(1) as usize).min(count));
        let lines: Vec<Html> = lines
            .into_iter()
            .map(|line| Html::from_html_unchecked(line.into()))
            .collect();
        (lines, gutter_text(count, error_line))
    });
    let (highlighted, (numbers_before, marked, numbers_after)) = (&drawn.0, &drawn.1);

    let sync_scroll = {
        let (textarea, layer, gutter) = (textarea.clone(), layer.clone(), gutter.clone());
        move || {
            let Some(area) = textarea.cast::<Element>() else {
                return;
            };
            let (top, left) = (area.scroll_top(), area.scroll_left());
            if let Some(layer) = layer.cast::<Element>() {
                layer.set_scroll_top(top);
                layer.set_scroll_left(left);
            }
            if let Some(gutter) = gutter.cast::<Element>() {
                gutter.set_scroll_top(top);
            }
        }
    };
    // A new text may have moved the layer (its content replaced) or the textarea (clamped).
    use_effect(sync_scroll.clone());
    let onscroll = Callback::from(move |_: Event| sync_scroll());

    let oninput = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            on_change.emit(area.value());
        })
    };
    let onkeydown = {
        let (on_run, on_change) = (props.on_run.clone(), props.on_change.clone());
        let escaped = escaped.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.is_composing() {
                return;
            }
            let after_escape = std::mem::replace(&mut *escaped.borrow_mut(), false);
            let modifiers = e.ctrl_key() || e.meta_key() || e.alt_key();
            match e.key().as_str() {
                "Escape" => *escaped.borrow_mut() = true,
                // Escape, then Shift on the way to Tab: still leaving.
                "Shift" | "Control" | "Alt" | "Meta" => *escaped.borrow_mut() = after_escape,
                "Enter" if e.ctrl_key() || e.meta_key() => {
                    e.prevent_default();
                    on_run.emit(());
                }
                "Tab" if !after_escape && !modifiers && !e.shift_key() => {
                    let area: HtmlTextAreaElement = e.target_unchecked_into();
                    e.prevent_default();
                    indent(&area, &on_change);
                }
                _ => {}
            }
        })
    };
    let onblur = {
        let escaped = escaped.clone();
        Callback::from(move |_: FocusEvent| *escaped.borrow_mut() = false)
    };

    let described_by = if props.error.is_some() {
        format!("{error_id} {hint_id}")
    } else {
        hint_id.to_string()
    };
    let label = (!props.label.is_empty()).then(|| props.label.clone());
    html! {
        <div class="editor">
            <div class={classes!("editor-frame", props.error.is_some().then_some("invalid"))}>
                <div class="editor-gutter" aria-hidden="true" ref={gutter}>
                    <div class="editor-gutter-lines">
                        { numbers_before.clone() }
                        if let Some(marked) = marked {
                            <span class="editor-gutter-error">{ marked.clone() }</span>
                        }
                        { numbers_after.clone() }
                    </div>
                </div>
                <div class="editor-field">
                    <pre class="editor-highlight" aria-hidden="true" ref={layer}><code>{ for highlighted.iter().cloned() }</code></pre>
                    <textarea ref={textarea} data-testid="python-editor" value={text}
                              spellcheck="false" autocapitalize="off" autocomplete="off" autocorrect="off"
                              wrap="off" aria-label={label} aria-describedby={described_by}
                              aria-invalid={props.error.is_some().then_some("true")}
                              {oninput} {onkeydown} {onscroll} {onblur} />
                </div>
            </div>
            <span class="editor-hint" id={hint_id}>{ HINT }</span>
            if let Some((line, column, words)) = &props.error {
                <p class="editor-error" id={error_id} role="alert" data-testid="python-error">
                    { format!("line {line}, column {column}: {words}") }
                </p>
            }
        </div>
    }
}

/// Tab: four spaces at the caret, or the selected lines indented. Inserted as typing would
/// (`execCommand("insertText")`, which keeps the textarea's undo history and fires `input`),
/// or, where the browser does not, by setting the value and telling `on_change`.
fn indent(area: &HtmlTextAreaElement, on_change: &Callback<String>) {
    let value = area.value();
    let start = area.selection_start().ok().flatten().unwrap_or(0);
    let end = area.selection_end().ok().flatten().unwrap_or(start);
    let (start, end) = (
        byte_offset(&value, start),
        byte_offset(&value, end.max(start)),
    );
    let edit = tab_edit(&value, start, end);
    let mut expected = String::with_capacity(value.len() + edit.insert.len());
    expected.push_str(&value[..edit.replace.start]);
    expected.push_str(&edit.insert);
    expected.push_str(&value[edit.replace.end..]);
    let utf16 = |r: &Range<usize>| {
        (
            utf16_len(&expected[..r.start]),
            utf16_len(&expected[..r.end]),
        )
    };

    let (from, to) = (
        utf16_len(&value[..edit.replace.start]),
        utf16_len(&value[..edit.replace.end]),
    );
    let _ = area.set_selection_range(from, to);
    if !insert_text(&edit.insert) || area.value() != expected {
        area.set_value(&expected);
        on_change.emit(expected.clone());
    }
    let (from, to) = utf16(&edit.select);
    let _ = area.set_selection_range(from, to);
}

/// `document.execCommand("insertText", false, text)`: whether the browser did it. Called
/// through `Reflect` because web-sys has it on `HtmlDocument`, a feature this crate does not
/// enable.
fn insert_text(text: &str) -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Ok(exec) = js_sys::Reflect::get(&document, &"execCommand".into()) else {
        return false;
    };
    let Ok(exec) = exec.dyn_into::<js_sys::Function>() else {
        return false;
    };
    exec.call3(&document, &"insertText".into(), &false.into(), &text.into())
        .map(|done| done.as_bool() == Some(true))
        .unwrap_or(false)
}

/// What a token is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// Names, operators, punctuation and white space: no span.
    Plain,
    Keyword,
    /// A builtin of note (`print`, `len`, `range`...), not after a dot.
    Builtin,
    /// A string with its prefix and quotes, up to the end of its line if unterminated (of the
    /// text for a triple-quoted one).
    Str,
    Comment,
    Number,
    /// The name after `def`.
    FnName,
    /// `@name.attr` at the start of a line.
    Decorator,
}

impl Tok {
    /// Its class in static/editor.css.
    pub fn class(self) -> Option<&'static str> {
        match self {
            Tok::Plain => None,
            Tok::Keyword => Some("tok-kw"),
            Tok::Builtin => Some("tok-builtin"),
            Tok::Str => Some("tok-str"),
            Tok::Comment => Some("tok-com"),
            Tok::Number => Some("tok-num"),
            Tok::FnName => Some("tok-fn"),
            Tok::Decorator => Some("tok-dec"),
        }
    }
}

/// Python's keywords (3.11), `async` and `await` among them; not the soft ones (`match`...).
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The builtins a program here mostly calls.
#[rustfmt::skip]
const BUILTINS: &[&str] = &[
    "abs", "all", "any", "bool", "dict", "enumerate", "Exception", "filter", "float", "getattr",
    "hasattr", "int", "isinstance", "iter", "len", "list", "map", "max", "min", "next", "object",
    "print", "range", "repr", "reversed", "round", "set", "sorted", "str", "sum", "super", "tuple",
    "type", "zip", "ValueError", "TypeError", "KeyError", "RuntimeError", "TimeoutError",
    "CancelledError",
];

/// `source` cut into tokens whose texts, put end to end, are `source` (white space and
/// punctuation are `Plain`, one token for a run of them). Never fails: any text has a reading.
pub fn highlight(source: &str) -> Vec<(Tok, &str)> {
    lex(source)
        .into_iter()
        .map(|(tok, range)| (tok, &source[range]))
        .collect()
}

/// [`highlight`] as byte ranges.
fn lex(source: &str) -> Vec<(Tok, Range<usize>)> {
    let mut lexer = Lexer {
        src: source,
        pos: 0,
        out: Vec::new(),
        line_start: true,
        after_def: false,
        after_dot: false,
    };
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    src: &'a str,
    /// Always on a character boundary: the lexer moves by whole characters.
    pos: usize,
    out: Vec<(Tok, Range<usize>)>,
    /// Only white space since the line began (where a decorator may start).
    line_start: bool,
    /// The last word was `def`: the next is the function's name.
    after_def: bool,
    /// The last token was a `.`: the next name is an attribute, not a builtin.
    after_dot: bool,
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Blanks within a line.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0c' | '\r')
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn bump_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
    }

    /// A token from `start` to here; plain text joins the plain text before it.
    fn emit(&mut self, tok: Tok, start: usize) {
        if start == self.pos {
            return;
        }
        if let Some((Tok::Plain, last)) = self.out.last_mut() {
            if tok == Tok::Plain && last.end == start {
                last.end = self.pos;
                return;
            }
        }
        self.out.push((tok, start..self.pos));
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c == '\n' {
                self.bump();
                self.emit(Tok::Plain, start);
                self.line_start = true;
                self.after_def = false;
                continue;
            }
            if is_blank(c) {
                self.bump_while(is_blank);
                self.emit(Tok::Plain, start);
                continue;
            }
            let was_def = std::mem::replace(&mut self.after_def, false);
            let was_dot = std::mem::replace(&mut self.after_dot, false);
            let line_start = std::mem::replace(&mut self.line_start, false);
            match c {
                '#' => {
                    self.bump_while(|c| c != '\n' && c != '\r');
                    self.emit(Tok::Comment, start);
                }
                '@' if line_start => {
                    self.bump();
                    self.bump_while(|c| is_name_char(c) || c == '.');
                    self.emit(Tok::Decorator, start);
                }
                '"' | '\'' => self.string(start),
                '0'..='9' => self.number(start),
                '.' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => self.number(start),
                c if is_name_start(c) => self.word(start, was_def, was_dot),
                c => {
                    self.bump();
                    self.emit(Tok::Plain, start);
                    self.after_dot = c == '.';
                }
            }
        }
    }

    fn word(&mut self, start: usize, was_def: bool, was_dot: bool) {
        self.bump_while(is_name_char);
        let word = &self.src[start..self.pos];
        if matches!(self.peek(), Some('"' | '\'')) && is_string_prefix(word) {
            return self.string(start);
        }
        let tok = if was_dot {
            Tok::Plain
        } else if KEYWORDS.contains(&word) {
            self.after_def = word == "def";
            Tok::Keyword
        } else if was_def {
            Tok::FnName
        } else if BUILTINS.contains(&word) {
            Tok::Builtin
        } else {
            Tok::Plain
        };
        self.emit(tok, start);
    }

    /// A string from `start` (its prefix, if any), the lexer at its opening quote.
    fn string(&mut self, start: usize) {
        let Some(quote) = self.bump() else {
            return self.emit(Tok::Str, start);
        };
        let triple: String = [quote; 2].iter().collect();
        if self.src[self.pos..].starts_with(&triple) {
            self.pos += 2;
            let closing: String = [quote; 3].iter().collect();
            // Up to the closing quotes, or the end of the text.
            while let Some(c) = self.peek() {
                if c == quote && self.src[self.pos..].starts_with(&closing) {
                    self.pos += 3;
                    break;
                }
                self.bump();
                if c == '\\' {
                    self.bump();
                }
            }
        } else {
            // Up to the closing quote, or the end of the line. A backslash escapes the next
            // character, a line break too (the string goes on), in raw strings as well.
            while let Some(c) = self.peek() {
                if c == '\n' || c == '\r' {
                    break;
                }
                self.bump();
                if c == quote {
                    break;
                }
                if c == '\\' {
                    if self.peek() == Some('\r') {
                        self.bump();
                    }
                    self.bump();
                }
            }
        }
        self.emit(Tok::Str, start);
    }

    fn number(&mut self, start: usize) {
        let digits = |lexer: &mut Self| {
            while let Some(c) = lexer.peek() {
                let underscore = c == '_' && lexer.peek_at(1).is_some_and(|c| c.is_ascii_digit());
                if !(c.is_ascii_digit() || underscore) {
                    break;
                }
                lexer.bump();
            }
        };
        let rest = &self.src[self.pos..];
        let based = ["0x", "0X", "0o", "0O", "0b", "0B"];
        if based.iter().any(|p| rest.starts_with(p)) {
            self.pos += 2;
            self.bump_while(|c| c.is_ascii_hexdigit() || c == '_');
        } else {
            digits(self);
            if self.peek() == Some('.') {
                self.bump();
                digits(self);
            }
            if matches!(self.peek(), Some('e' | 'E')) {
                let signed = matches!(self.peek_at(1), Some('+' | '-'));
                let first = self.peek_at(if signed { 2 } else { 1 });
                if first.is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                    if signed {
                        self.bump();
                    }
                    digits(self);
                }
            }
            if matches!(self.peek(), Some('j' | 'J')) {
                self.bump();
            }
        }
        self.emit(Tok::Number, start);
    }
}

/// `r`, `b`, `f`, `u`, `t` and the pairs Python allows, in either case.
fn is_string_prefix(word: &str) -> bool {
    if word.len() > 2 {
        return false;
    }
    let lower = word.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "r" | "u" | "f" | "b" | "t" | "br" | "rb" | "fr" | "rf" | "tr" | "rt"
    )
}

/// The text with "\r\n" and lone "\r" made "\n", as a textarea's value is.
pub fn normalize_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// The bytes to underline for an error at 1-based `line` and `column` (characters): from the
/// column to the end of the token there (a name, a number, a string...; one character of an
/// operator; a run of blanks), within its line. A line beyond the text is the last line; a
/// column beyond its line, the line's end (an empty range).
fn error_range(
    source: &str,
    tokens: &[(Tok, Range<usize>)],
    line: u32,
    column: u32,
) -> Range<usize> {
    let wanted = line.max(1) as usize;
    let (mut line_start, mut current) = (0, 1);
    for (i, b) in source.bytes().enumerate() {
        if current == wanted {
            break;
        }
        if b == b'\n' {
            current += 1;
            line_start = i + 1;
        }
    }
    let mut line_end = source[line_start..]
        .find('\n')
        .map_or(source.len(), |n| line_start + n);
    if source[line_start..line_end].ends_with('\r') {
        line_end -= 1;
    }
    let text = &source[line_start..line_end];
    let wanted_column = (column.max(1) - 1) as usize;
    let Some((offset, c)) = text.char_indices().nth(wanted_column) else {
        return line_end..line_end;
    };
    let start = line_start + offset;
    let within = tokens.partition_point(|(_, r)| r.end <= start);
    let end = match tokens.get(within) {
        Some((tok, r)) if *tok != Tok::Plain => r.end.min(line_end),
        _ => {
            let same: fn(char) -> bool = if is_name_char(c) {
                is_name_char
            } else if is_blank(c) {
                is_blank
            } else {
                |_| false
            };
            let run: usize = source[start..line_end]
                .chars()
                .skip(1)
                .take_while(|c| same(*c))
                .map(char::len_utf8)
                .sum();
            start + c.len_utf8() + run
        }
    };
    start..end
}

/// A piece of the highlight layer: a token, or the part of one before, in or after the error.
/// An empty piece in the error marks it at a line's end.
#[derive(Debug, PartialEq, Eq)]
struct Piece {
    tok: Tok,
    range: Range<usize>,
    error: bool,
}

/// The tokens of `source`, cut where the error at `place` (line, column) starts and ends.
fn pieces(source: &str, place: Option<(u32, u32)>) -> Vec<Piece> {
    let tokens = lex(source);
    let Some((line, column)) = place else {
        return tokens
            .into_iter()
            .map(|(tok, range)| Piece {
                tok,
                range,
                error: false,
            })
            .collect();
    };
    let error = error_range(source, &tokens, line, column);
    let mut marked = false;
    let mut out = Vec::with_capacity(tokens.len() + 3);
    for (tok, range) in tokens {
        let mut cuts = vec![range.start];
        cuts.extend(
            [error.start, error.end]
                .into_iter()
                .filter(|p| range.start < *p && *p < range.end),
        );
        cuts.push(range.end);
        cuts.dedup();
        for cut in cuts.windows(2) {
            let (a, b) = (cut[0], cut[1]);
            if error.is_empty() && !marked && a >= error.start {
                out.push(Piece {
                    tok: Tok::Plain,
                    range: a..a,
                    error: true,
                });
                marked = true;
            }
            let error = !error.is_empty() && error.start <= a && b <= error.end;
            out.push(Piece {
                tok,
                range: a..b,
                error,
            });
        }
    }
    if error.is_empty() && !marked {
        let end = source.len();
        out.push(Piece {
            tok: Tok::Plain,
            range: end..end,
            error: true,
        });
    }
    out
}

/// The highlight layer's HTML, a `<div class="editor-line">` a line (ending with its "\n", so
/// that an empty line is a line tall): escaped text, a span per token that has a class (a token
/// over several lines, a span in each). A line apiece, so that an edit replaces the lines it
/// changed, not all.
pub fn highlight_lines(source: &str, place: Option<(u32, u32)>) -> Vec<String> {
    const OPEN: &str = "<div class=\"editor-line\">";
    const CLOSE: &str = "\n</div>";
    let mut lines = Vec::with_capacity(source.len() / 32 + 1);
    let mut line = String::from(OPEN);
    for piece in pieces(source, place) {
        let class = match (piece.tok.class(), piece.error) {
            (None, false) => None,
            (Some(class), false) => Some(class.to_string()),
            (None, true) if piece.range.is_empty() => Some("tok-error tok-error-eol".to_string()),
            (None, true) => Some("tok-error".to_string()),
            (Some(class), true) => Some(format!("{class} tok-error")),
        };
        for (i, part) in source[piece.range.clone()].split('\n').enumerate() {
            if i > 0 {
                line.push_str(CLOSE);
                lines.push(std::mem::replace(&mut line, String::from(OPEN)));
            }
            if part.is_empty() && !piece.range.is_empty() {
                continue;
            }
            if let Some(class) = &class {
                line.push_str("<span class=\"");
                line.push_str(class);
                line.push_str("\">");
            }
            escape_into(&mut line, part);
            if class.is_some() {
                line.push_str("</span>");
            }
        }
    }
    line.push_str(CLOSE);
    lines.push(line);
    lines
}

fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            // The HTML parser drops a NUL: a replacement character keeps the columns.
            '\0' => html.push('\u{FFFD}'),
            c => html.push(c),
        }
    }
}

/// The gutter's numbers 1 to `lines`, one a line: those before the error's line, its number
/// (if there is an error), and those after.
fn gutter_text(lines: usize, error_line: Option<usize>) -> (String, Option<String>, String) {
    let numbers =
        |from: usize, to: usize| -> String { (from..=to).map(|n| format!("{n}\n")).collect() };
    match error_line {
        Some(marked) if (1..=lines).contains(&marked) => (
            numbers(1, marked - 1),
            Some(format!("{marked}\n")),
            numbers(marked + 1, lines),
        ),
        _ => (numbers(1, lines), None, String::new()),
    }
}

/// The byte offset in `text` of a UTF-16 offset (a textarea's selection), clamped to the
/// text, on a character boundary.
fn byte_offset(text: &str, utf16: u32) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 as usize {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn utf16_len(text: &str) -> u32 {
    text.encode_utf16().count() as u32
}

/// What Tab does to `text` with the selection `start..end` (bytes).
#[derive(Debug, PartialEq, Eq)]
struct TabEdit {
    /// The bytes replaced...
    replace: Range<usize>,
    /// ...by this.
    insert: String,
    /// The selection afterwards, in the new text.
    select: Range<usize>,
}

/// Four spaces in place of the selection when it lies within a line (at the caret when there
/// is none); else each selected line that is not empty indented by four spaces, still selected.
fn tab_edit(text: &str, start: usize, end: usize) -> TabEdit {
    if !text[start..end].contains('\n') {
        let caret = start + INDENT.len();
        return TabEdit {
            replace: start..end,
            insert: INDENT.to_string(),
            select: caret..caret,
        };
    }
    let first = text[..start].rfind('\n').map_or(0, |n| n + 1);
    // A selection that ends at the start of a line leaves that line alone.
    let last = if text[..end].ends_with('\n') {
        end - 1
    } else {
        end
    };
    let mut insert = String::with_capacity(last - first + INDENT.len() * 8);
    for (i, line) in text[first..last].split('\n').enumerate() {
        if i > 0 {
            insert.push('\n');
        }
        if !line.is_empty() {
            insert.push_str(INDENT);
        }
        insert.push_str(line);
    }
    let first_indented = !text[first..].starts_with('\n') && first < last;
    let select_start = if start == first || !first_indented {
        start
    } else {
        start + INDENT.len()
    };
    let select_end = end + insert.len() - (last - first);
    TabEdit {
        replace: first..last,
        insert,
        select: select_start..select_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(Tok, &str)> {
        highlight(source)
            .into_iter()
            .filter(|(tok, _)| *tok != Tok::Plain)
            .collect()
    }

    fn joined(source: &str) -> String {
        highlight(source)
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    #[test]
    fn tokens_of_an_asyncio_program() {
        let source = "import asyncio\n\n@decorator.attr\nasync def main(n=0x1F):\n    await asyncio.sleep(1.5e-3)  # wait\n    print(f\"done {n}\", len('ab'))\n";
        assert_eq!(
            kinds(source),
            vec![
                (Tok::Keyword, "import"),
                (Tok::Decorator, "@decorator.attr"),
                (Tok::Keyword, "async"),
                (Tok::Keyword, "def"),
                (Tok::FnName, "main"),
                (Tok::Number, "0x1F"),
                (Tok::Keyword, "await"),
                (Tok::Number, "1.5e-3"),
                (Tok::Comment, "# wait"),
                (Tok::Builtin, "print"),
                (Tok::Str, "f\"done {n}\""),
                (Tok::Builtin, "len"),
                (Tok::Str, "'ab'"),
            ]
        );
        assert_eq!(joined(source), source);
    }

    #[test]
    fn plain_text_between_tokens_is_one_token() {
        let tokens = highlight("x = y + z\n");
        assert_eq!(tokens, vec![(Tok::Plain, "x = y + z\n")]);
    }

    #[test]
    fn numbers_in_their_forms() {
        for n in [
            "0",
            "1_000_000",
            "3.14",
            ".5",
            "1e10",
            "1E+5",
            "2.5e-3j",
            "0xdead_BEEF",
            "0o17",
            "0b1010",
            "10j",
            "1.",
        ] {
            assert_eq!(kinds(n), vec![(Tok::Number, n)], "{n}");
        }
        // A name after a number is a name; an exponent needs its digits.
        assert_eq!(highlight("1e"), vec![(Tok::Number, "1"), (Tok::Plain, "e")]);
        assert_eq!(kinds("x1 = 2"), vec![(Tok::Number, "2")]);
    }

    #[test]
    fn strings_with_prefixes_and_triple_quotes() {
        for s in [
            "'a'",
            "\"a\"",
            "r'\\d'",
            "b\"x\"",
            "rb'x'",
            "BR\"x\"",
            "f'{x}'",
            "'''a\n'b'\n'''",
            "\"\"\"doc\"\"\"",
            "'it\\'s'",
            "r\"\\\"\"",
        ] {
            assert_eq!(kinds(s), vec![(Tok::Str, s)], "{s}");
        }
        // Not a prefix: a name, then a string.
        assert_eq!(kinds("xr'a'"), vec![(Tok::Str, "'a'")]);
    }

    #[test]
    fn an_unterminated_string_ends_at_its_line_or_a_triple_at_the_text() {
        assert_eq!(
            highlight("x = 'abc\nprint(1)"),
            vec![
                (Tok::Plain, "x = "),
                (Tok::Str, "'abc"),
                (Tok::Plain, "\n"),
                (Tok::Builtin, "print"),
                (Tok::Plain, "("),
                (Tok::Number, "1"),
                (Tok::Plain, ")"),
            ]
        );
        assert_eq!(
            kinds("s = \"\"\"abc\nprint(1)"),
            vec![(Tok::Str, "\"\"\"abc\nprint(1)")]
        );
        // A backslash at a line's end continues a one-quote string.
        assert_eq!(
            kinds("'a\\\nb' + 1"),
            vec![(Tok::Str, "'a\\\nb'"), (Tok::Number, "1")]
        );
        assert_eq!(kinds("'a\\"), vec![(Tok::Str, "'a\\")]);
    }

    #[test]
    fn comments_end_at_their_line() {
        assert_eq!(
            kinds("# one 'two'\nx = 3 # four\r\n"),
            vec![
                (Tok::Comment, "# one 'two'"),
                (Tok::Number, "3"),
                (Tok::Comment, "# four")
            ]
        );
    }

    #[test]
    fn function_names_builtins_and_attributes() {
        assert_eq!(
            kinds("def print(): pass\nobj.print(x)\nprint.x\nclass A: pass"),
            vec![
                (Tok::Keyword, "def"),
                (Tok::FnName, "print"),
                (Tok::Keyword, "pass"),
                (Tok::Builtin, "print"),
                (Tok::Keyword, "class"),
                (Tok::Keyword, "pass"),
            ]
        );
        // `@` within a line is matrix multiplication, not a decorator.
        assert_eq!(kinds("a @ b"), vec![]);
        assert_eq!(kinds("  @d\n"), vec![(Tok::Decorator, "@d")]);
        // Non-ASCII names are names: no keyword inside them.
        assert_eq!(kinds("中文if = 1"), vec![(Tok::Number, "1")]);
        assert_eq!(
            kinds("def 名字():"),
            vec![(Tok::Keyword, "def"), (Tok::FnName, "名字")]
        );
    }

    /// A small deterministic generator (xorshift), to need no crate.
    fn random_texts() -> Vec<String> {
        let alphabet: Vec<char> = "ab_ 1.0e+-x\"'\\#@\n\r\t\u{c}rbfRBF()[]{}:=中文😀é\u{0}\u{301}"
            .chars()
            .collect();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..3000)
            .map(|_| {
                let len = (next() % 40) as usize;
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[rustfmt::skip]
    fn adversarial() -> Vec<String> {
        [
            "", "'", "\"", "'''", "\"\"\"", "\\", "'\\", "\"\"\"\\", "r'", "f\"", "b'''", "#", "@",
            "@\n", ".", "..", "1.", "0x", "0b", "1e", "1e+", "1_", "_", "中文", "😀", "'😀", "\"中文\\",
            "\r\n", "\r", "\t\t", "a\r\nb'\r\nc", "'a\\\r\nb'", "def", "def ", "async def",
            "\u{0}", "e\u{301}", "'''a''''", "\"\"\"\"\"\"\"",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn highlighting_never_panics_and_gives_back_the_text() {
        for text in random_texts().iter().chain(&adversarial()) {
            let tokens = highlight(text);
            assert_eq!(joined(text), *text, "{text:?}");
            assert!(tokens.iter().all(|(_, t)| !t.is_empty()), "{text:?}");
            // No two plain tokens side by side: plain text is one node.
            assert!(
                tokens
                    .windows(2)
                    .all(|w| !(w[0].0 == Tok::Plain && w[1].0 == Tok::Plain)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn error_pieces_never_panic_and_keep_the_text() {
        let places = [
            (0, 0),
            (1, 1),
            (1, 2),
            (2, 3),
            (3, 100),
            (1000, 1),
            (u32::MAX, u32::MAX),
        ];
        for text in random_texts().iter().chain(&adversarial()) {
            for place in places {
                let pieces = pieces(text, Some(place));
                let back: String = pieces.iter().map(|p| &text[p.range.clone()]).collect();
                assert_eq!(back, *text, "{text:?} {place:?}");
                assert!(pieces.iter().any(|p| p.error), "{text:?} {place:?}");
                let lines = highlight_lines(text, Some(place));
                assert_eq!(lines.len(), text.matches('\n').count() + 1, "{text:?}");
                let html = lines.concat();
                assert!(html.contains("tok-error"), "{text:?}");
                // Each line its text and a line break.
                let shown = format!("{}\n", text.replace('\0', "\u{FFFD}"));
                assert_eq!(text_of(&html), shown, "{text:?} {place:?}");
            }
        }
    }

    fn line(html: &str) -> String {
        format!("<div class=\"editor-line\">{html}\n</div>")
    }

    /// The text of some HTML: without its tags, unescaped.
    fn text_of(html: &str) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    #[test]
    fn a_token_over_several_lines_is_a_span_in_each() {
        assert_eq!(
            highlight_lines("s = '''a\n\nb''' # <\n", None),
            [
                line("s = <span class=\"tok-str\">'''a</span>"),
                line(""),
                line("<span class=\"tok-str\">b'''</span> <span class=\"tok-com\"># &lt;</span>"),
                line(""),
            ]
        );
    }

    /// The layer's HTML, its lines end to end.
    fn highlight_html(source: &str, place: Option<(u32, u32)>) -> String {
        highlight_lines(source, place).concat()
    }

    fn underlined(source: &str, line: u32, column: u32) -> String {
        let tokens = lex(source);
        source[error_range(source, &tokens, line, column)].to_string()
    }

    #[test]
    fn the_error_underlines_from_its_column_to_the_end_of_the_token() {
        let source = "async def main():\n    await asyncio.slep(1)\n    x = 'a long string' + 1\n";
        assert_eq!(underlined(source, 2, 19), "slep");
        assert_eq!(underlined(source, 2, 21), "ep");
        assert_eq!(underlined(source, 2, 23), "(");
        assert_eq!(underlined(source, 2, 1), "    ");
        assert_eq!(underlined(source, 3, 9), "'a long string'");
        assert_eq!(underlined(source, 1, 1), "async");
        // A triple-quoted string is underlined to its line's end.
        assert_eq!(underlined("s = '''ab\ncd'''", 1, 5), "'''ab");
        // Columns count characters, not bytes.
        assert_eq!(underlined("中文 = 名字", 1, 6), "名字");
    }

    #[test]
    fn an_error_beyond_the_text_marks_the_end_of_its_line_or_the_last() {
        let source = "print(1)\nprint(2)";
        let tokens = lex(source);
        assert_eq!(error_range(source, &tokens, 1, 50), 8..8);
        assert_eq!(error_range(source, &tokens, 9, 1), 9..14);
        assert_eq!(error_range(source, &tokens, 9, 99), 17..17);
        assert_eq!(error_range(source, &tokens, 0, 0), 0..5);
        assert_eq!(error_range("a\r\nb", &lex("a\r\nb"), 1, 2), 1..1);
        assert_eq!(error_range("", &[], 3, 3), 0..0);
        // The mark at the end of a line comes before its line break.
        assert_eq!(
            highlight_lines("f(\n  x", Some((1, 9))),
            [
                line("f(<span class=\"tok-error tok-error-eol\"></span>"),
                line("  x")
            ]
        );
    }

    #[test]
    fn the_error_splits_a_token_into_spans() {
        assert_eq!(
            highlight_html("await x", Some((1, 3))),
            line("<span class=\"tok-kw\">aw</span><span class=\"tok-kw tok-error\">ait</span> x")
        );
        assert_eq!(
            highlight_html("x = y", Some((1, 5))),
            line("x = <span class=\"tok-error\">y</span>")
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            highlight_html("a<b>&c # <i>", None),
            line("a&lt;b&gt;&amp;c <span class=\"tok-com\"># &lt;i&gt;</span>")
        );
    }

    #[test]
    fn line_breaks_are_made_the_textarea_s() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
        assert!(matches!(
            normalize_newlines("a\nb"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn the_gutter_marks_the_error_line() {
        assert_eq!(
            gutter_text(3, None),
            ("1\n2\n3\n".to_string(), None, String::new())
        );
        assert_eq!(
            gutter_text(3, Some(2)),
            (
                "1\n".to_string(),
                Some("2\n".to_string()),
                "3\n".to_string()
            )
        );
        assert_eq!(
            gutter_text(1, Some(1)),
            (String::new(), Some("1\n".to_string()), String::new())
        );
    }

    #[test]
    fn selection_offsets_count_utf16_units() {
        let text = "a😀b中";
        assert_eq!(byte_offset(text, 0), 0);
        assert_eq!(byte_offset(text, 1), 1);
        assert_eq!(byte_offset(text, 3), 5);
        assert_eq!(byte_offset(text, 4), 6);
        assert_eq!(byte_offset(text, 5), 9);
        assert_eq!(byte_offset(text, 99), 9);
        // Inside the emoji's surrogate pair: after it.
        assert_eq!(byte_offset(text, 2), 5);
        assert_eq!(utf16_len(text), 5);
    }

    fn apply(text: &str, edit: &TabEdit) -> String {
        format!(
            "{}{}{}",
            &text[..edit.replace.start],
            edit.insert,
            &text[edit.replace.end..]
        )
    }

    #[test]
    fn tab_inserts_four_spaces_at_the_caret() {
        let edit = tab_edit("ab", 1, 1);
        assert_eq!(apply("ab", &edit), "a    b");
        assert_eq!(edit.select, 5..5);
        // A selection within a line is replaced.
        let edit = tab_edit("abcd", 1, 3);
        assert_eq!(apply("abcd", &edit), "a    d");
    }

    #[test]
    fn tab_indents_the_selected_lines() {
        let text = "def f():\n\nx = 1\ny = 2\n";
        // From inside line 1 to inside line 3.
        let edit = tab_edit(text, 2, 12);
        let after = apply(text, &edit);
        assert_eq!(after, "    def f():\n\n    x = 1\ny = 2\n");
        assert_eq!(&after[edit.select.clone()], "f f():\n\n    x ");
        // Whole lines (ending at the next line's start): that next line stays.
        let edit = tab_edit(text, 10, 22);
        let after = apply(text, &edit);
        assert_eq!(after, "def f():\n\n    x = 1\n    y = 2\n");
        assert_eq!(&after[edit.select.clone()], "    x = 1\n    y = 2\n");
    }
}
