//! Python's text formatting as CPython 3.11 prints it, for the playground's interpreter:
//! `repr()` of floats and strings, `ascii()`, `format(value, spec)` and f-string specs (the whole
//! format-spec mini-language for int, float, bool and str), `template % args`, `str.format`,
//! `round()`, and the parsing `int(text, base)` and `float(text)` do.
//!
//! Each function follows the C code of CPython 3.11 (`Objects/unicodeobject.c`,
//! `Python/formatter_unicode.c`, `Python/pystrtod.c`, `Objects/stringlib/unicode_format.h`), down to
//! its error messages, so that a program prints and raises here what it does there. Floats are
//! exactly rounded: core's `{:.N}` and `{:.Ne}` round the exact binary value half to even as
//! `_Py_dg_dtoa` does, and `{:e}` gives the shortest round-tripping digits that `repr` needs.
//!
//! Nothing here panics on any input: a width or precision over [`MAX_WIDTH`] is refused with a
//! `ValueError` instead of building a string the size of the request.

use std::fmt::Write as _;

/// The widest field (and the longest precision of a number) a spec may ask for.
pub const MAX_WIDTH: usize = 100_000;

/// A value as the formatting functions see it. The interpreter converts its own values into this.
#[derive(Debug, Clone, PartialEq)]
pub enum FmtArg<'a> {
    Int(i128),
    Float(f64),
    /// Formats like an int for numeric specs (`'d'`, `'x'`, `'.2f'`...); its str() is True/False.
    Bool(bool),
    Str(&'a str),
    /// Anything else (None, list, dict, tuple...): its str() and repr() already made by the interpreter.
    Other {
        str: String,
        repr: String,
        type_name: &'a str,
    },
}

/// An error as Python raises it: the exception type's name (`"ValueError"`, `"TypeError"`,
/// `"KeyError"`, `"IndexError"`, `"OverflowError"`) and CPython's exact message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub kind: &'static str,
    pub message: String,
}

/// The arguments of `template % args`.
pub enum PercentArgs<'a> {
    /// `'%s %d' % (a, b)` (a tuple) or `'%s' % x` (one non-tuple value: the interpreter passes a
    /// one-element slice).
    Positional(&'a [FmtArg<'a>]),
    /// `'%(name)s' % mapping`: looks a key up (None when missing -> KeyError `'name'`). A plain
    /// `%s` before any `%(name)` would format the mapping itself, which this closure cannot give:
    /// that is a `ValueError` saying so (pass `Positional` for a template without `%(`).
    Mapping(&'a dyn Fn(&str) -> Option<FmtArg<'a>>),
}

fn err(kind: &'static str, message: impl Into<String>) -> FormatError {
    FormatError {
        kind,
        message: message.into(),
    }
}

fn value_error(message: impl Into<String>) -> FormatError {
    err("ValueError", message)
}

fn type_error(message: impl Into<String>) -> FormatError {
    err("TypeError", message)
}

fn width_cap_error() -> FormatError {
    value_error(format!("the playground caps a format width at {MAX_WIDTH}"))
}

fn precision_cap_error() -> FormatError {
    value_error(format!(
        "the playground caps a format precision at {MAX_WIDTH}"
    ))
}

// ---------------------------------------------------------------------------------------------
// repr and str of values

/// `repr(x)` (which is also `str(x)`) of a float: the shortest digits that read back as `x`, in
/// exponent form when the exponent is under -4 or at least 16.
pub fn float_repr(x: f64) -> String {
    float_to_string(x, 'r', 0, DtoaFlags::ADD_DOT_0, false)
}

/// `repr(s)` of a str: single quotes unless `s` has a `'` and no `"`, with CPython's escapes.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if c == quote => {
                out.push('\\');
                out.push(c);
            }
            _ if (c as u32) < 0x20 || c as u32 == 0x7f => push_escape(&mut out, c),
            _ if c.is_ascii() || is_printable(c) => out.push(c),
            _ => push_escape(&mut out, c),
        }
    }
    out.push(quote);
    out
}

/// `ascii(s)` of a str: its repr with every non-ASCII character escaped (`\xe9`, `\u4e2d`,
/// `\U0001f600`).
pub fn ascii_repr(s: &str) -> String {
    escape_non_ascii(&str_repr(s))
}

fn escape_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            push_escape(&mut out, c);
        }
    }
    out
}

fn push_escape(out: &mut String, c: char) {
    let code = c as u32;
    // Writing to a String cannot fail.
    let _ = if code <= 0xff {
        write!(out, "\\x{code:02x}")
    } else if code <= 0xffff {
        write!(out, "\\u{code:04x}")
    } else {
        write!(out, "\\U{code:08x}")
    };
}

/// The non-ASCII code points CPython 3.11 (Unicode 14) does not print in a repr: controls,
/// separators, format characters, private use, noncharacters, and the large unassigned blocks.
/// (Small unassigned gaps inside scripts are printed as they are, where CPython escapes them.)
const NOT_PRINTABLE: [(u32, u32); 32] = [
    (0x80, 0xA0),
    (0xAD, 0xAD),
    (0x600, 0x605),
    (0x61C, 0x61C),
    (0x6DD, 0x6DD),
    (0x70F, 0x70F),
    (0x890, 0x891),
    (0x8E2, 0x8E2),
    (0x1680, 0x1680),
    (0x180E, 0x180E),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x2064),
    (0x2066, 0x206F),
    (0x3000, 0x3000),
    (0xD800, 0xF8FF),
    (0xFDD0, 0xFDEF),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0xFFFE, 0xFFFF),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x14647, 0x167FF),
    (0x18D09, 0x1AFEF),
    (0x1BCA0, 0x1CEFF),
    (0x1D173, 0x1D17A),
    (0x1FFFE, 0x1FFFF),
    (0x2FFFE, 0x2FFFF),
    (0x3134B, 0xE0001),
    (0xE0020, 0xE007F),
    (0xE01F0, 0x10FFFF),
];

fn is_printable(c: char) -> bool {
    let code = c as u32;
    !NOT_PRINTABLE
        .iter()
        .any(|&(low, high)| low <= code && code <= high)
}

fn int_str(i: i128) -> String {
    i.to_string()
}

/// `str(value)`.
fn arg_str(arg: &FmtArg) -> String {
    match arg {
        FmtArg::Int(i) => int_str(*i),
        FmtArg::Float(x) => float_repr(*x),
        FmtArg::Bool(b) => bool_str(*b).to_string(),
        FmtArg::Str(s) => s.to_string(),
        FmtArg::Other { str, .. } => str.clone(),
    }
}

/// `repr(value)`.
fn arg_repr(arg: &FmtArg) -> String {
    match arg {
        FmtArg::Str(s) => str_repr(s),
        FmtArg::Other { repr, .. } => repr.clone(),
        _ => arg_str(arg),
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn type_name<'a>(arg: &'a FmtArg) -> &'a str {
    match arg {
        FmtArg::Int(_) => "int",
        FmtArg::Float(_) => "float",
        FmtArg::Bool(_) => "bool",
        FmtArg::Str(_) => "str",
        FmtArg::Other { type_name, .. } => type_name,
    }
}

// ---------------------------------------------------------------------------------------------
// Floats to digits (what `_Py_dg_dtoa` gives `format_float_short`)

/// Decimal digits without leading or trailing zeros, and where the point goes: the value is
/// `0.DIGITS * 10**decpt`.
struct Digits {
    digits: String,
    decpt: i64,
}

/// How `_Py_dg_dtoa` is asked for digits.
#[derive(Clone, Copy)]
enum DigitsMode {
    /// The shortest digits that round-trip (mode 0).
    Shortest,
    /// This many significant digits, correctly rounded (mode 2).
    Significant(usize),
    /// This many digits after the point, correctly rounded (mode 3).
    Fixed(usize),
}

/// Over this many digits a double's exact decimal expansion has only zeros left (it has at most
/// 767 significant digits and 1074 after the point), so core need not be asked for more.
const EXACT_DIGITS: usize = 1100;

/// The digits of a finite, non-negative `x`.
fn dtoa(x: f64, mode: DigitsMode) -> Digits {
    if x == 0.0 {
        return Digits {
            digits: "0".to_string(),
            decpt: 1,
        };
    }
    match mode {
        DigitsMode::Shortest => from_exponent_form(&format!("{x:e}")),
        DigitsMode::Significant(n) => {
            let n = n.clamp(1, EXACT_DIGITS);
            from_exponent_form(&format!("{:.*e}", n - 1, x))
        }
        DigitsMode::Fixed(p) => {
            let text = format!("{:.*}", p.min(EXACT_DIGITS), x);
            let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
            let all = format!("{int_part}{frac_part}");
            let trimmed = all.trim_start_matches('0');
            let decpt = int_part.len() as i64 - (all.len() - trimmed.len()) as i64;
            let digits = trimmed.trim_end_matches('0');
            if digits.is_empty() {
                Digits {
                    digits: String::new(),
                    decpt: -(p.min(EXACT_DIGITS) as i64),
                }
            } else {
                Digits {
                    digits: digits.to_string(),
                    decpt,
                }
            }
        }
    }
}

/// Reads core's `D.DDDDeX` (or `DeX`) form.
fn from_exponent_form(text: &str) -> Digits {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    Digits {
        digits: digits.trim_end_matches('0').to_string(),
        decpt: exponent + 1,
    }
}

/// The flags `PyOS_double_to_string` takes.
#[derive(Clone, Copy, Default)]
struct DtoaFlags {
    add_dot_0: bool,
    alternate: bool,
    no_neg_0: bool,
}

impl DtoaFlags {
    const ADD_DOT_0: DtoaFlags = DtoaFlags {
        add_dot_0: true,
        alternate: false,
        no_neg_0: false,
    };
}

/// `PyOS_double_to_string(x, code, precision, flags)` for code `e`, `f`, `g` or `r` (`upper`
/// for `E`, `F`, `G`): a leading `-` when negative, never a `+`.
fn float_to_string(x: f64, code: char, precision: usize, flags: DtoaFlags, upper: bool) -> String {
    if x.is_nan() {
        return if upper { "NAN" } else { "nan" }.to_string();
    }
    let mut negative = x.is_sign_negative();
    if x.is_infinite() {
        let text = if upper { "INF" } else { "inf" };
        return if negative {
            format!("-{text}")
        } else {
            text.to_string()
        };
    }
    let precision = match code {
        'e' => precision + 1,
        'g' => precision.max(1),
        _ => precision,
    };
    let mode = match code {
        'e' | 'g' => DigitsMode::Significant(precision),
        'f' => DigitsMode::Fixed(precision),
        _ => DigitsMode::Shortest,
    };
    let Digits { digits, mut decpt } = dtoa(x.abs(), mode);
    if flags.no_neg_0 && negative && (digits.is_empty() || digits == "0") {
        negative = false;
    }
    let precision = precision as i64;
    let digits_len = digits.len() as i64;
    let mut vdigits_end = digits_len;
    let mut use_exp = false;
    match code {
        'e' => {
            use_exp = true;
            vdigits_end = precision;
        }
        'f' => vdigits_end = decpt + precision,
        'g' => {
            let limit = if flags.add_dot_0 {
                precision - 1
            } else {
                precision
            };
            use_exp = decpt <= -4 || decpt > limit;
            if flags.alternate {
                vdigits_end = precision;
            }
        }
        _ => use_exp = decpt <= -4 || decpt > 16,
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vdigits_start = if decpt <= 0 { decpt - 1 } else { 0 };
    vdigits_end = if !use_exp && flags.add_dot_0 {
        vdigits_end.max(decpt + 1)
    } else {
        vdigits_end.max(decpt)
    };

    let zeros = |n: i64| "0".repeat(n.max(0) as usize);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if decpt <= 0 {
        out.push_str(&zeros(decpt - vdigits_start));
        out.push('.');
        out.push_str(&zeros(-decpt));
    } else {
        out.push_str(&zeros(-vdigits_start));
    }
    if 0 < decpt && decpt <= digits_len {
        let (head, tail) = digits.split_at(decpt as usize);
        out.push_str(head);
        out.push('.');
        out.push_str(tail);
    } else {
        out.push_str(&digits);
    }
    if digits_len < decpt {
        out.push_str(&zeros(decpt - digits_len));
        out.push('.');
        out.push_str(&zeros(vdigits_end - decpt));
    } else {
        out.push_str(&zeros(vdigits_end - digits_len));
    }
    if out.ends_with('.') && !flags.alternate {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        let _ = write!(out, "{exp:+03}");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The format-spec mini-language

/// A parsed `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
struct Spec {
    fill: char,
    align: char,
    sign: Option<char>,
    no_neg_0: bool,
    alternate: bool,
    width: Option<usize>,
    grouping: Option<char>,
    precision: Option<usize>,
    /// `'\0'` when omitted and the type has no default.
    ty: char,
}

/// Reads decimal digits at `pos` (CPython's `get_integer`): how many, and their value.
fn read_integer(chars: &[char], pos: &mut usize) -> Result<Option<usize>, FormatError> {
    let mut value: u64 = 0;
    let start = *pos;
    while let Some(digit) = chars.get(*pos).and_then(|c| c.to_digit(10)) {
        let digit = u64::from(digit);
        if value > (i64::MAX as u64 - digit) / 10 {
            return Err(value_error("Too many decimal digits in format string"));
        }
        value = value * 10 + digit;
        *pos += 1;
    }
    if *pos == start {
        Ok(None)
    } else {
        Ok(Some(usize::try_from(value).unwrap_or(usize::MAX)))
    }
}

fn is_align(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '^')
}

/// Shows a presentation type as CPython's messages do: itself if printable ASCII, else `\x..`.
fn show_type(ty: char) -> String {
    let code = ty as u32;
    if code > 32 && code < 128 {
        ty.to_string()
    } else {
        format!("\\x{code:x}")
    }
}

/// `parse_internal_render_format_spec`.
fn parse_spec(
    spec: &str,
    default_type: char,
    default_align: char,
    type_name: &str,
) -> Result<Spec, FormatError> {
    let chars: Vec<char> = spec.chars().collect();
    let mut pos = 0;
    let mut parsed = Spec {
        fill: ' ',
        align: default_align,
        sign: None,
        no_neg_0: false,
        alternate: false,
        width: None,
        grouping: None,
        precision: None,
        ty: default_type,
    };
    let mut fill_specified = false;
    let mut align_specified = false;
    if chars.len() >= 2 && is_align(chars[1]) {
        parsed.fill = chars[0];
        parsed.align = chars[1];
        fill_specified = true;
        align_specified = true;
        pos = 2;
    } else if chars.first().is_some_and(|&c| is_align(c)) {
        parsed.align = chars[0];
        align_specified = true;
        pos = 1;
    }
    if let Some(&c @ ('+' | '-' | ' ')) = chars.get(pos) {
        parsed.sign = Some(c);
        pos += 1;
    }
    if chars.get(pos) == Some(&'z') {
        parsed.no_neg_0 = true;
        pos += 1;
    }
    if chars.get(pos) == Some(&'#') {
        parsed.alternate = true;
        pos += 1;
    }
    if !fill_specified && chars.get(pos) == Some(&'0') {
        parsed.fill = '0';
        if !align_specified && default_align == '>' {
            parsed.align = '=';
        }
        pos += 1;
    }
    parsed.width = read_integer(&chars, &mut pos)?;
    if chars.get(pos) == Some(&',') {
        parsed.grouping = Some(',');
        pos += 1;
    }
    if chars.get(pos) == Some(&'_') {
        if parsed.grouping.is_some() {
            return Err(value_error("Cannot specify both ',' and '_'."));
        }
        parsed.grouping = Some('_');
        pos += 1;
    }
    if chars.get(pos) == Some(&',') && parsed.grouping == Some('_') {
        return Err(value_error("Cannot specify both ',' and '_'."));
    }
    if chars.get(pos) == Some(&'.') {
        pos += 1;
        parsed.precision = read_integer(&chars, &mut pos)?;
        if parsed.precision.is_none() {
            return Err(value_error("Format specifier missing precision"));
        }
    }
    match chars.len() - pos {
        0 => {}
        1 => parsed.ty = chars[pos],
        _ => {
            return Err(value_error(format!(
                "Invalid format specifier '{spec}' for object of type '{type_name}'"
            )))
        }
    }
    if let Some(separator) = parsed.grouping {
        let allowed = matches!(
            parsed.ty,
            'd' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F' | '\0'
        ) || (separator == '_' && matches!(parsed.ty, 'b' | 'o' | 'x' | 'X'));
        if !allowed {
            return Err(value_error(format!(
                "Cannot specify '{separator}' with '{}'.",
                show_type(parsed.ty)
            )));
        }
    }
    Ok(parsed)
}

fn unknown_code(ty: char, type_name: &str) -> FormatError {
    value_error(format!(
        "Unknown format code '{}' for object of type '{type_name}'",
        show_type(ty)
    ))
}

/// The width asked for, refused over [`MAX_WIDTH`].
fn checked_width(spec: &Spec) -> Result<usize, FormatError> {
    match spec.width {
        Some(width) if width > MAX_WIDTH => Err(width_cap_error()),
        Some(width) => Ok(width),
        None => Ok(0),
    }
}

/// `format(value, spec)`, which is also what `f'{value:spec}'` and `'{:spec}'.format(value)` do.
pub fn format_value(arg: &FmtArg, spec: &str) -> Result<String, FormatError> {
    if spec.is_empty() {
        return Ok(arg_str(arg));
    }
    match arg {
        FmtArg::Int(i) => format_int(*i, spec, "int"),
        FmtArg::Bool(b) => format_int(i128::from(*b), spec, "bool"),
        FmtArg::Float(x) => format_float(*x, spec),
        FmtArg::Str(s) => format_str(s, spec),
        FmtArg::Other { type_name, .. } => Err(type_error(format!(
            "unsupported format string passed to {type_name}.__format__"
        ))),
    }
}

fn format_str(s: &str, spec_text: &str) -> Result<String, FormatError> {
    let spec = parse_spec(spec_text, 's', '<', "str")?;
    if spec.ty != 's' {
        return Err(unknown_code(spec.ty, "str"));
    }
    match spec.sign {
        Some(' ') => return Err(value_error("Space not allowed in string format specifier")),
        Some(_) => return Err(value_error("Sign not allowed in string format specifier")),
        None => {}
    }
    if spec.no_neg_0 {
        return Err(value_error(
            "Negative zero coercion (z) not allowed in string format specifier",
        ));
    }
    if spec.alternate {
        return Err(value_error(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    if spec.align == '=' {
        return Err(value_error(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    let width = checked_width(&spec)?;
    let text: String = match spec.precision {
        Some(precision) => s.chars().take(precision).collect(),
        None => s.to_string(),
    };
    Ok(pad(&text, width, spec.fill, spec.align))
}

/// Pads `text` to `width` characters with `fill`, aligned `<`, `>` or `^`.
fn pad(text: &str, width: usize, fill: char, align: char) -> String {
    let len = text.chars().count();
    let total = width.saturating_sub(len);
    let (left, right) = match align {
        '>' => (total, 0),
        '^' => (total / 2, total - total / 2),
        _ => (0, total),
    };
    let mut out = String::with_capacity(text.len() + total);
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(text);
    out.extend(std::iter::repeat_n(fill, right));
    out
}

fn format_int(i: i128, spec_text: &str, type_name: &str) -> Result<String, FormatError> {
    let spec = parse_spec(spec_text, 'd', '>', type_name)?;
    match spec.ty {
        'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => format_int_spec(i, &spec),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => format_float_spec(i as f64, &spec),
        ty => Err(unknown_code(ty, type_name)),
    }
}

/// `format_long_internal`.
fn format_int_spec(i: i128, spec: &Spec) -> Result<String, FormatError> {
    if spec.precision.is_some() {
        return Err(value_error(
            "Precision not allowed in integer format specifier",
        ));
    }
    if spec.no_neg_0 {
        return Err(value_error(
            "Negative zero coercion (z) not allowed in integer format specifier",
        ));
    }
    if spec.ty == 'c' {
        if spec.sign.is_some() {
            return Err(value_error(
                "Sign not allowed with integer format specifier 'c'",
            ));
        }
        if spec.alternate {
            return Err(value_error(
                "Alternate form (#) not allowed with integer format specifier 'c'",
            ));
        }
        let c = int_to_char(i)?;
        let width = checked_width(spec)?;
        let number = Number {
            negative: false,
            prefix: "",
            digits: &c.to_string(),
            decimal: false,
            remainder: "",
        };
        return Ok(layout_number(&number, spec, width, None));
    }
    let magnitude = i.unsigned_abs();
    let (digits, prefix) = match spec.ty {
        'b' => (format!("{magnitude:b}"), "0b"),
        'o' => (format!("{magnitude:o}"), "0o"),
        'x' => (format!("{magnitude:x}"), "0x"),
        'X' => (format!("{magnitude:X}"), "0X"),
        _ => (magnitude.to_string(), ""),
    };
    let grouping = match (spec.grouping, spec.ty) {
        (_, 'n') | (None, _) => None,
        (Some('_'), 'b' | 'o' | 'x' | 'X') => Some(('_', 4)),
        (Some(separator), _) => Some((separator, 3)),
    };
    let width = checked_width(spec)?;
    let number = Number {
        negative: i < 0,
        prefix: if spec.alternate { prefix } else { "" },
        digits: &digits,
        decimal: false,
        remainder: "",
    };
    Ok(layout_number(&number, spec, width, grouping))
}

/// The character `chr(i)` for `{:c}` (`OverflowError` out of range, as CPython).
fn int_to_char(i: i128) -> Result<char, FormatError> {
    if i64::try_from(i).is_err() {
        return Err(err(
            "OverflowError",
            "Python int too large to convert to C long",
        ));
    }
    if !(0..=0x10ffff).contains(&i) {
        return Err(err("OverflowError", "%c arg not in range(0x110000)"));
    }
    char::from_u32(i as u32).ok_or_else(|| {
        value_error(format!(
            "the playground's strings cannot hold the lone surrogate U+{i:04X}"
        ))
    })
}

fn format_float(x: f64, spec_text: &str) -> Result<String, FormatError> {
    let spec = parse_spec(spec_text, '\0', '>', "float")?;
    match spec.ty {
        '\0' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%' => format_float_spec(x, &spec),
        ty => Err(unknown_code(ty, "float")),
    }
}

/// `format_float_internal`.
fn format_float_spec(x: f64, spec: &Spec) -> Result<String, FormatError> {
    if spec.precision.is_some_and(|p| p > i32::MAX as usize) {
        return Err(value_error("precision too big"));
    }
    if spec.precision.is_some_and(|p| p > MAX_WIDTH) {
        return Err(precision_cap_error());
    }
    let width = checked_width(spec)?;
    let mut flags = DtoaFlags {
        add_dot_0: false,
        alternate: spec.alternate,
        no_neg_0: spec.no_neg_0,
    };
    let mut code = spec.ty.to_ascii_lowercase();
    let mut value = x;
    let mut percent = false;
    match spec.ty {
        '\0' => {
            flags.add_dot_0 = true;
            code = if spec.precision.is_some() { 'g' } else { 'r' };
        }
        'n' => code = 'g',
        '%' => {
            code = 'f';
            value = x * 100.0;
            percent = true;
        }
        _ => {}
    }
    let precision = spec.precision.unwrap_or(6);
    let upper = matches!(spec.ty, 'E' | 'F' | 'G');
    let mut text = float_to_string(value, code, precision, flags, upper);
    if percent {
        text.push('%');
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let digits_end = unsigned
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(unsigned.len());
    let (digits, rest) = unsigned.split_at(digits_end);
    let (decimal, remainder) = match rest.strip_prefix('.') {
        Some(remainder) => (true, remainder),
        None => (false, rest),
    };
    let grouping = match (spec.grouping, spec.ty) {
        (_, 'n') | (None, _) => None,
        (Some(separator), _) => Some((separator, 3)),
    };
    let number = Number {
        negative,
        prefix: "",
        digits,
        decimal,
        remainder,
    };
    Ok(layout_number(&number, spec, width, grouping))
}

/// A number cut as `calc_number_widths` sees it: sign, prefix (`0x`), digits to group, the
/// decimal point, and what follows it (fraction, exponent, `%`, or all of `inf`).
struct Number<'s> {
    negative: bool,
    prefix: &'s str,
    digits: &'s str,
    decimal: bool,
    remainder: &'s str,
}

/// `calc_number_widths` and `fill_number`:
/// `<lpadding><sign><prefix><spadding><grouped digits><decimal><remainder><rpadding>`.
fn layout_number(
    number: &Number,
    spec: &Spec,
    width: usize,
    grouping: Option<(char, usize)>,
) -> String {
    let sign = match (spec.sign, number.negative) {
        (_, true) => Some('-'),
        (Some('+'), false) => Some('+'),
        (Some(' '), false) => Some(' '),
        _ => None,
    };
    let non_digits = usize::from(sign.is_some())
        + number.prefix.chars().count()
        + usize::from(number.decimal)
        + number.remainder.chars().count();
    let min_width = if spec.fill == '0' && spec.align == '=' {
        width as i64 - non_digits as i64
    } else {
        0
    };
    let grouped = group_digits(number.digits, grouping, min_width);
    let used = non_digits + grouped.chars().count();
    let padding = width.saturating_sub(used);
    let (left, middle, right) = match spec.align {
        '<' => (0, 0, padding),
        '^' => (padding / 2, 0, padding - padding / 2),
        '=' => (0, padding, 0),
        _ => (padding, 0, 0),
    };
    let mut out = String::with_capacity(used + padding);
    out.extend(std::iter::repeat_n(spec.fill, left));
    out.extend(sign);
    out.push_str(number.prefix);
    out.extend(std::iter::repeat_n(spec.fill, middle));
    out.push_str(&grouped);
    if number.decimal {
        out.push('.');
    }
    out.push_str(number.remainder);
    out.extend(std::iter::repeat_n(spec.fill, right));
    out
}

/// `_PyUnicode_InsertThousandsGrouping`: the digits with a separator every `size` digits from
/// the right, padded with zeros (and separators among them) to at least `min_width`.
fn group_digits(digits: &str, grouping: Option<(char, usize)>, min_width: i64) -> String {
    let chars: Vec<char> = digits.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let Some((separator, size)) = grouping else {
        let zeros = (min_width - chars.len() as i64).max(0) as usize;
        return "0".repeat(zeros) + digits;
    };
    let size = size as i64;
    let mut reversed: Vec<char> = Vec::new();
    let mut remaining = chars.len() as i64;
    let mut min_width = min_width;
    let mut first = true;
    loop {
        let group = size.min(remaining.max(min_width).max(1));
        let zeros = (group - remaining).max(0);
        let taken = remaining.min(group).max(0);
        if !first {
            reversed.push(separator);
        }
        first = false;
        let end = remaining as usize;
        let start = (remaining - taken) as usize;
        reversed.extend(chars[start..end].iter().rev());
        reversed.extend(std::iter::repeat_n('0', zeros as usize));
        remaining -= taken;
        min_width -= group;
        if remaining <= 0 && min_width <= 0 {
            break;
        }
        min_width -= 1;
    }
    reversed.iter().rev().collect()
}

// ---------------------------------------------------------------------------------------------
// template % args

/// `template % args` (`PyUnicode_Format`): `%s %r %a %d %i %u %f %F %e %E %g %G %x %X %o %c
/// %%`, flags `- + space # 0`, width, precision, `*` from the arguments, `%(key)s`.
pub fn percent_format(template: &str, args: PercentArgs) -> Result<String, FormatError> {
    let chars: Vec<char> = template.chars().collect();
    let mut source = match args {
        PercentArgs::Positional(values) => ArgSource {
            positional: values,
            next: 0,
            mapping: None,
            looked_up: None,
        },
        PercentArgs::Mapping(lookup) => ArgSource {
            positional: &[],
            next: 0,
            mapping: Some(lookup),
            looked_up: None,
        },
    };
    let mut out = String::new();
    let mut pos = 0;
    while pos < chars.len() {
        let c = chars[pos];
        pos += 1;
        if c != '%' {
            out.push(c);
        } else if chars.get(pos) == Some(&'%') {
            out.push('%');
            pos += 1;
        } else {
            let conversion = parse_percent(&chars, &mut pos, &mut source)?;
            out.push_str(&render_percent(&conversion, pos - 1)?);
        }
    }
    if source.mapping.is_none() && source.next < source.positional.len() {
        return Err(type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// What `PercentArgs::Mapping` holds: a key's value, or None.
type Lookup<'a> = dyn Fn(&str) -> Option<FmtArg<'a>> + 'a;

/// Where `%` conversions take their values from.
struct ArgSource<'a> {
    positional: &'a [FmtArg<'a>],
    next: usize,
    mapping: Option<&'a Lookup<'a>>,
    /// The value of the last `%(key)`, until a conversion takes it.
    looked_up: Option<FmtArg<'a>>,
}

impl<'a> ArgSource<'a> {
    fn next_arg(&mut self) -> Result<FmtArg<'a>, FormatError> {
        if self.mapping.is_some() {
            return match self.looked_up.take() {
                Some(value) => Ok(value),
                None if self.next == 0 => {
                    self.next = 1;
                    Err(value_error(
                        "the playground's % formatting takes a dict only with %(name)s fields",
                    ))
                }
                None => Err(type_error("not enough arguments for format string")),
            };
        }
        match self.positional.get(self.next) {
            Some(value) => {
                self.next += 1;
                Ok(value.clone())
            }
            None => Err(type_error("not enough arguments for format string")),
        }
    }
}

/// One `%` conversion as parsed.
struct Conversion<'a> {
    ljust: bool,
    sign: bool,
    blank: bool,
    alternate: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
    code: char,
    value: FmtArg<'a>,
}

/// Reads one conversion after its `%` (`unicode_format_arg_parse`), then takes its value.
fn parse_percent<'a>(
    chars: &[char],
    pos: &mut usize,
    source: &mut ArgSource<'a>,
) -> Result<Conversion<'a>, FormatError> {
    if chars.get(*pos) == Some(&'(') {
        let Some(lookup) = source.mapping else {
            return Err(type_error("format requires a mapping"));
        };
        *pos += 1;
        let start = *pos;
        let mut depth = 1;
        while depth > 0 && *pos < chars.len() {
            match chars[*pos] {
                ')' => depth -= 1,
                '(' => depth += 1,
                _ => {}
            }
            *pos += 1;
        }
        if depth > 0 {
            return Err(value_error("incomplete format key"));
        }
        let key: String = chars[start..*pos - 1].iter().collect();
        match lookup(&key) {
            Some(value) => {
                source.looked_up = Some(value);
                source.next = 1;
            }
            None => return Err(err("KeyError", str_repr(&key))),
        }
    }
    let next = |pos: &mut usize| {
        let c = chars.get(*pos).copied();
        if c.is_some() {
            *pos += 1;
        }
        c
    };
    let mut conversion = Conversion {
        ljust: false,
        sign: false,
        blank: false,
        alternate: false,
        zero: false,
        width: None,
        precision: None,
        code: '\0',
        value: FmtArg::Int(0),
    };
    let mut ch = next(pos);
    loop {
        match ch {
            Some('-') => conversion.ljust = true,
            Some('+') => conversion.sign = true,
            Some(' ') => conversion.blank = true,
            Some('#') => conversion.alternate = true,
            Some('0') => conversion.zero = true,
            _ => break,
        }
        ch = next(pos);
    }
    if ch == Some('*') {
        let width = star_arg(source.next_arg()?)?;
        let width = isize::try_from(width).map_err(|_| {
            err(
                "OverflowError",
                "Python int too large to convert to C ssize_t",
            )
        })?;
        if width < 0 {
            conversion.ljust = true;
        }
        conversion.width = Some(width.unsigned_abs());
        ch = next(pos);
    } else if let Some(first) = ch.and_then(|c| c.to_digit(10)) {
        let mut width = first as usize;
        loop {
            ch = next(pos);
            let Some(digit) = ch.and_then(|c| c.to_digit(10)) else {
                break;
            };
            if width > (isize::MAX as usize - digit as usize) / 10 {
                return Err(value_error("width too big"));
            }
            width = width * 10 + digit as usize;
        }
        conversion.width = Some(width);
    }
    if ch == Some('.') {
        conversion.precision = Some(0);
        ch = next(pos);
        if ch == Some('*') {
            let precision = star_arg(source.next_arg()?)?;
            let precision = i32::try_from(precision)
                .map_err(|_| err("OverflowError", "Python int too large to convert to C int"))?;
            conversion.precision = Some(precision.max(0) as usize);
            ch = next(pos);
        } else if let Some(first) = ch.and_then(|c| c.to_digit(10)) {
            let mut precision = first as usize;
            loop {
                ch = next(pos);
                let Some(digit) = ch.and_then(|c| c.to_digit(10)) else {
                    break;
                };
                if precision > (i32::MAX as usize - digit as usize) / 10 {
                    return Err(value_error("precision too big"));
                }
                precision = precision * 10 + digit as usize;
            }
            conversion.precision = Some(precision);
        }
    }
    if matches!(ch, Some('h' | 'l' | 'L')) {
        ch = next(pos);
    }
    let Some(code) = ch else {
        return Err(value_error("incomplete format"));
    };
    conversion.code = code;
    conversion.value = source.next_arg()?;
    Ok(conversion)
}

/// The int a `*` width or precision takes.
fn star_arg(value: FmtArg) -> Result<i128, FormatError> {
    match value {
        FmtArg::Int(i) => Ok(i),
        FmtArg::Bool(b) => Ok(i128::from(b)),
        _ => Err(type_error("* wants int")),
    }
}

/// Formats one conversion (`unicode_format_arg_format` and `unicode_format_arg_output`);
/// `index` is where its conversion character is, for the error about an unknown one.
fn render_percent(conversion: &Conversion, index: usize) -> Result<String, FormatError> {
    let value = &conversion.value;
    let (text, numeric) = match conversion.code {
        's' => (arg_str(value), false),
        'r' => (arg_repr(value), false),
        'a' => (escape_non_ascii(&arg_repr(value)), false),
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => (percent_int(conversion)?, true),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => (percent_float(conversion)?, true),
        'c' => (percent_char(value)?.to_string(), false),
        code => {
            let shown = if (31..=126).contains(&(code as u32)) {
                code
            } else {
                '?'
            };
            return Err(value_error(format!(
                "unsupported format character '{shown}' (0x{:x}) at index {index}",
                code as u32
            )));
        }
    };
    if conversion.width.is_some_and(|width| width > MAX_WIDTH) {
        return Err(width_cap_error());
    }
    Ok(percent_output(conversion, &text, numeric))
}

/// `%d %i %u %o %x %X` (`mainformatlong` and `_PyUnicode_FormatLong`): sign, `0x` prefix when
/// `#`, digits zero-padded to the precision.
fn percent_int(conversion: &Conversion) -> Result<String, FormatError> {
    let code = conversion.code;
    let (negative, magnitude) = match &conversion.value {
        FmtArg::Int(i) => (*i < 0, IntMagnitude::Int(i.unsigned_abs())),
        FmtArg::Bool(b) => (false, IntMagnitude::Int(u128::from(*b))),
        FmtArg::Float(_) if matches!(code, 'o' | 'x' | 'X') => {
            return Err(type_error(format!(
                "%{code} format: an integer is required, not float"
            )))
        }
        FmtArg::Float(x) => {
            if x.is_nan() {
                return Err(value_error("cannot convert float NaN to integer"));
            }
            if x.is_infinite() {
                return Err(err(
                    "OverflowError",
                    "cannot convert float infinity to integer",
                ));
            }
            let whole = x.trunc();
            (
                whole < 0.0,
                IntMagnitude::Decimal(format!("{:.0}", whole.abs())),
            )
        }
        other => {
            let wanted = if matches!(code, 'o' | 'x' | 'X') {
                "an integer"
            } else {
                "a real number"
            };
            return Err(type_error(format!(
                "%{code} format: {wanted} is required, not {}",
                type_name(other)
            )));
        }
    };
    let digits = match (magnitude, code) {
        (IntMagnitude::Decimal(text), _) => text,
        (IntMagnitude::Int(m), 'o') => format!("{m:o}"),
        (IntMagnitude::Int(m), 'x') => format!("{m:x}"),
        (IntMagnitude::Int(m), 'X') => format!("{m:X}"),
        (IntMagnitude::Int(m), _) => m.to_string(),
    };
    let precision = conversion.precision.unwrap_or(0);
    if precision > MAX_WIDTH {
        return Err(precision_cap_error());
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if conversion.alternate && matches!(code, 'o' | 'x' | 'X') {
        out.push('0');
        out.push(code);
    }
    out.push_str(&"0".repeat(precision.saturating_sub(digits.len())));
    out.push_str(&digits);
    Ok(out)
}

/// The magnitude of what `%d` formats: an int, or a float's integer part already in decimal.
enum IntMagnitude {
    Int(u128),
    Decimal(String),
}

/// `%e %f %g` and capitals (`formatfloat`).
fn percent_float(conversion: &Conversion) -> Result<String, FormatError> {
    let x = match &conversion.value {
        FmtArg::Int(i) => *i as f64,
        FmtArg::Bool(b) => f64::from(u8::from(*b)),
        FmtArg::Float(x) => *x,
        other => {
            return Err(type_error(format!(
                "must be real number, not {}",
                type_name(other)
            )))
        }
    };
    let precision = conversion.precision.unwrap_or(6);
    if precision > MAX_WIDTH {
        return Err(precision_cap_error());
    }
    let flags = DtoaFlags {
        alternate: conversion.alternate,
        ..DtoaFlags::default()
    };
    let code = conversion.code;
    Ok(float_to_string(
        x,
        code.to_ascii_lowercase(),
        precision,
        flags,
        code.is_ascii_uppercase(),
    ))
}

/// `%c` (`formatchar`): a one-character str, or an int code point.
fn percent_char(value: &FmtArg) -> Result<char, FormatError> {
    let wrong = || type_error("%c requires int or char");
    match value {
        FmtArg::Str(s) => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(wrong()),
            }
        }
        FmtArg::Int(i) => code_point(*i),
        FmtArg::Bool(b) => code_point(i128::from(*b)),
        _ => Err(wrong()),
    }
}

fn code_point(i: i128) -> Result<char, FormatError> {
    if !(0..=0x10ffff).contains(&i) {
        return Err(err("OverflowError", "%c arg not in range(0x110000)"));
    }
    int_to_char(i)
}

/// Pads a converted value (`unicode_format_arg_output`): precision cuts `%s %r %a`; a number
/// keeps its sign (and `0x`) ahead of zero padding.
fn percent_output(conversion: &Conversion, text: &str, numeric: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut len = chars.len();
    let mut width = conversion.width.unwrap_or(0);
    if matches!(conversion.code, 's' | 'r' | 'a') {
        if let Some(precision) = conversion.precision {
            len = len.min(precision);
        }
    }
    let fill = if numeric && conversion.zero { '0' } else { ' ' };
    let mut start = 0;
    let mut sign_char = None;
    let mut signed = numeric;
    if signed {
        match chars.first() {
            Some(&c @ ('-' | '+')) => {
                sign_char = Some(c);
                len -= 1;
                start = 1;
            }
            _ if conversion.sign => sign_char = Some('+'),
            _ if conversion.blank => sign_char = Some(' '),
            _ => signed = false,
        }
    }
    width = width.max(len);
    let mut out = String::with_capacity(width + 1);
    if signed {
        if fill != ' ' {
            out.extend(sign_char);
        }
        if width > len {
            width -= 1;
        }
    }
    let prefixed = conversion.alternate && matches!(conversion.code, 'x' | 'X' | 'o');
    if prefixed {
        if fill != ' ' {
            out.extend(&chars[start..start + 2]);
            start += 2;
        }
        width = width.saturating_sub(2);
        len -= 2;
    }
    if width > len && !conversion.ljust {
        out.extend(std::iter::repeat_n(fill, width - len));
        width = len;
    }
    if fill == ' ' {
        if signed {
            out.extend(sign_char);
        }
        if prefixed {
            out.extend(&chars[start..start + 2]);
            start += 2;
        }
    }
    out.extend(&chars[start..start + len]);
    if width > len {
        out.extend(std::iter::repeat_n(' ', width - len));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// str.format

/// `template.format(*positional, **keyword)`: `{}`, `{0}`, `{name}`, `!r !s !a`, `:spec` with
/// nested `{}` fields in it, `{{` and `}}`. Attribute and index fields (`{0.x}`, `{0[1]}`) are
/// refused with a `ValueError` saying so. `keyword` looks a name up (None -> KeyError `'name'`);
/// its values live as long as the positional ones (`'a`), not just as long as the name.
pub fn str_format<'a>(
    template: &str,
    positional: &[FmtArg<'a>],
    keyword: &dyn Fn(&str) -> Option<FmtArg<'a>>,
) -> Result<String, FormatError> {
    let chars: Vec<char> = template.chars().collect();
    let mut fields = Fields {
        positional,
        keyword,
        numbering: Numbering::Unset,
        next_auto: 0,
    };
    build_string(&chars, &mut fields, 2)
}

#[derive(PartialEq)]
enum Numbering {
    Unset,
    Auto,
    Manual,
}

struct Fields<'f, 'a> {
    positional: &'f [FmtArg<'a>],
    keyword: &'f dyn Fn(&str) -> Option<FmtArg<'a>>,
    numbering: Numbering,
    next_auto: usize,
}

/// One replacement field as `parse_field` cuts it.
struct Field {
    name: String,
    conversion: Option<char>,
    spec: Vec<char>,
    spec_has_fields: bool,
}

/// `build_string`: the literal text and the fields of `chars`, `depth` levels of nested specs
/// allowed.
fn build_string(chars: &[char], fields: &mut Fields, depth: u32) -> Result<String, FormatError> {
    if depth == 0 {
        return Err(value_error("Max string recursion exceeded"));
    }
    let mut out = String::new();
    let mut pos = 0;
    while pos < chars.len() {
        let start = pos;
        let mut c = '\0';
        let mut markup = false;
        while pos < chars.len() {
            c = chars[pos];
            pos += 1;
            if c == '{' || c == '}' {
                markup = true;
                break;
            }
        }
        let at_end = pos >= chars.len();
        let mut len = pos - start;
        if c == '}' && (at_end || chars[pos] != '}') {
            return Err(value_error("Single '}' encountered in format string"));
        }
        if at_end && c == '{' {
            return Err(value_error("Single '{' encountered in format string"));
        }
        if !at_end {
            if chars[pos] == c {
                pos += 1;
                markup = false;
            } else {
                len -= 1;
            }
        }
        out.extend(&chars[start..start + len]);
        if markup {
            let field = parse_field(chars, &mut pos)?;
            out.push_str(&render_field(&field, fields, depth)?);
        }
    }
    Ok(out)
}

/// `parse_field`: a field's name, conversion and spec, from just after its `{` to just after
/// its `}`.
fn parse_field(chars: &[char], pos: &mut usize) -> Result<Field, FormatError> {
    let name_start = *pos;
    let mut c = '\0';
    while *pos < chars.len() {
        c = chars[*pos];
        *pos += 1;
        match c {
            '{' => return Err(value_error("unexpected '{' in field name")),
            '[' => {
                while *pos < chars.len() && chars[*pos] != ']' {
                    *pos += 1;
                }
            }
            '}' | ':' | '!' => break,
            _ => {}
        }
    }
    let name: String = chars[name_start..pos.saturating_sub(1).max(name_start)]
        .iter()
        .collect();
    let mut field = Field {
        name,
        conversion: None,
        spec: Vec::new(),
        spec_has_fields: false,
    };
    if c != '!' && c != ':' {
        if c != '}' {
            return Err(value_error("expected '}' before end of string"));
        }
        return Ok(field);
    }
    if c == '!' {
        let Some(&conversion) = chars.get(*pos) else {
            return Err(value_error(
                "end of string while looking for conversion specifier",
            ));
        };
        field.conversion = Some(conversion);
        *pos += 1;
        if let Some(&after) = chars.get(*pos) {
            *pos += 1;
            if after == '}' {
                return Ok(field);
            }
            if after != ':' {
                return Err(value_error("expected ':' after conversion specifier"));
            }
        }
    }
    let spec_start = *pos;
    let mut depth = 1;
    while *pos < chars.len() {
        let c = chars[*pos];
        *pos += 1;
        match c {
            '{' => {
                field.spec_has_fields = true;
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    field.spec = chars[spec_start..*pos - 1].to_vec();
                    return Ok(field);
                }
            }
            _ => {}
        }
    }
    Err(value_error("unmatched '{' in format spec"))
}

/// `output_markup`: looks the field up, converts it, expands its spec, formats it.
fn render_field(field: &Field, fields: &mut Fields, depth: u32) -> Result<String, FormatError> {
    let first_end = field.name.find(['.', '[']).unwrap_or(field.name.len());
    let (first, rest) = field.name.split_at(first_end);
    let value = lookup_field(first, fields)?;
    if !rest.is_empty() {
        let what = if rest.starts_with('.') {
            "an attribute"
        } else {
            "an index"
        };
        return Err(value_error(format!(
            "the playground's str.format takes {{}}, {{0}} and {{name}} fields, not {{0.x}} or {{0[1]}}: {{{}}} is {what}",
            field.name
        )));
    }
    let converted;
    let value = match field.conversion {
        None => value,
        Some(conversion) => {
            converted = match conversion {
                'r' => arg_repr(&value),
                's' => arg_str(&value),
                'a' => escape_non_ascii(&arg_repr(&value)),
                other => {
                    let code = other as u32;
                    let shown = if code > 32 && code < 127 {
                        other.to_string()
                    } else {
                        format!("\\x{code:x}")
                    };
                    return Err(value_error(format!("Unknown conversion specifier {shown}")));
                }
            };
            FmtArg::Str(&converted)
        }
    };
    let spec: String = if field.spec_has_fields {
        build_string(&field.spec, fields, depth - 1)?
    } else {
        field.spec.iter().collect()
    };
    format_value(&value, &spec)
}

/// `get_field_object` for the part before any `.` or `[`: auto or manual numbering, or a name.
fn lookup_field<'k, 'a: 'k>(
    first: &'k str,
    fields: &mut Fields<'_, 'a>,
) -> Result<FmtArg<'k>, FormatError> {
    let index = field_index(first)?;
    let empty = first.is_empty();
    if empty || index.is_some() {
        if fields.numbering == Numbering::Unset {
            fields.numbering = if empty {
                Numbering::Auto
            } else {
                Numbering::Manual
            };
        }
        match (&fields.numbering, empty) {
            (Numbering::Manual, true) => {
                return Err(value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                ))
            }
            (Numbering::Auto, false) => {
                return Err(value_error(
                    "cannot switch from automatic field numbering to manual field specification",
                ))
            }
            _ => {}
        }
    }
    let index = if empty {
        let index = fields.next_auto;
        fields.next_auto += 1;
        Some(index)
    } else {
        index
    };
    match index {
        Some(index) => fields.positional.get(index).cloned().ok_or_else(|| {
            err(
                "IndexError",
                format!("Replacement index {index} out of range for positional args tuple"),
            )
        }),
        None => match (fields.keyword)(first) {
            Some(value) => Ok(value),
            None => Err(err("KeyError", str_repr(first))),
        },
    }
}

/// A field name's number (`get_integer` of `unicode_format.h`), `None` when it is a name.
fn field_index(text: &str) -> Result<Option<usize>, FormatError> {
    if text.is_empty() {
        return Ok(None);
    }
    let mut value: usize = 0;
    for c in text.chars() {
        let Some(digit) = c.to_digit(10) else {
            return Ok(None);
        };
        let digit = digit as usize;
        if value > (isize::MAX as usize - digit) / 10 {
            return Err(value_error("Too many decimal digits in format string"));
        }
        value = value * 10 + digit;
    }
    Ok(Some(value))
}

// ---------------------------------------------------------------------------------------------
// round, int(), float()

/// `round(x, ndigits)` for a float: the decimal value nearest `x` with `ndigits` digits after the
/// point (before it, when negative), ties to even on `x`'s exact value, as `double_round`.
/// `round(1.7e308, -308)`, where CPython raises OverflowError, gives `inf`.
pub fn python_round(x: f64, ndigits: Option<i64>) -> f64 {
    let Some(ndigits) = ndigits else {
        return round_half_even(x);
    };
    if !x.is_finite() || ndigits > 323 {
        return x;
    }
    if ndigits < -308 || x == 0.0 {
        return 0.0 * x;
    }
    let magnitude = x.abs();
    // The exact exponent: 18 significant digits never carry into the next power of ten.
    let exponent = from_exponent_form(&format!("{magnitude:.17e}")).decpt - 1;
    let kept = exponent + 1 + ndigits;
    let rounded = if kept >= 1 {
        let text = format!("{:.*e}", (kept - 1) as usize, magnitude);
        text.parse::<f64>().unwrap_or(f64::INFINITY)
    } else if kept == 0 && above_half(magnitude) {
        format!("1e{}", -ndigits).parse::<f64>().unwrap_or(0.0)
    } else {
        0.0
    };
    rounded.copysign(x)
}

/// Whether the leading significant digits of `x`'s exact value are above `5000...`.
fn above_half(x: f64) -> bool {
    let exact = from_exponent_form(&format!("{:.*e}", EXACT_DIGITS, x)).digits;
    let mut digits = exact.chars();
    match digits.next() {
        Some(first) if first > '5' => true,
        Some('5') => digits.any(|d| d != '0'),
        _ => false,
    }
}

/// `round(x)` of a float, before the interpreter makes it an int: ties to even.
pub fn round_half_even(x: f64) -> f64 {
    x.round_ties_even()
}

/// The whitespace `int()` and `float()` strip: C's `isspace` in ASCII, Unicode's beyond.
fn is_python_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, ' ' | '\t'..='\r')
    } else {
        c.is_whitespace()
    }
}

/// `int(text, base)`: surrounding whitespace, a sign, a `0x`/`0o`/`0b` prefix (any with base 0,
/// its own with 16, 8, 2), single `_` between digits. `None` where CPython raises, for a base
/// outside 0 and 2..=36, or when the value overflows `i128`.
pub fn parse_int(s: &str, base: u32) -> Option<i128> {
    if base == 1 || base > 36 {
        return None;
    }
    let text = s.trim_matches(is_python_space);
    let (negative, text) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = text.to_ascii_lowercase();
    let prefix_base = match lower.get(..2) {
        Some("0x") => 16,
        Some("0o") => 8,
        Some("0b") => 2,
        _ => 0,
    };
    let mut base = base;
    let mut must_be_zero = false;
    if base == 0 {
        if prefix_base != 0 {
            base = prefix_base;
        } else {
            must_be_zero = text.starts_with('0');
            base = 10;
        }
    }
    let mut digits = text;
    if prefix_base == base {
        digits = &text[2..];
        digits = digits.strip_prefix('_').unwrap_or(digits);
    }
    let value = parse_digits(digits, base)?;
    if must_be_zero && value != 0 {
        return None;
    }
    if negative {
        value.checked_neg()
    } else {
        Some(value)
    }
}

/// Digits in `base` with single underscores between them.
fn parse_digits(digits: &str, base: u32) -> Option<i128> {
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let mut value: i128 = 0;
    let mut previous_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if previous_underscore {
                return None;
            }
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        let digit = c.to_digit(base)?;
        value = value
            .checked_mul(i128::from(base))?
            .checked_add(i128::from(digit))?;
    }
    Some(value)
}

/// `float(text)`: surrounding whitespace, a sign, `inf`/`infinity`/`nan` in any case, or a
/// decimal number with an optional exponent, `_` only between digits. `None` where CPython
/// raises.
pub fn parse_float(s: &str) -> Option<f64> {
    let text = s.trim_matches(is_python_space);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let before = i.checked_sub(1).and_then(|j| bytes.get(j));
            let after = bytes.get(i + 1);
            if !before.is_some_and(u8::is_ascii_digit) || !after.is_some_and(u8::is_ascii_digit) {
                return None;
            }
        }
    }
    let text: String = text.chars().filter(|&c| c != '_').collect();
    let unsigned = text
        .strip_prefix(['+', '-'])
        .unwrap_or(&text)
        .to_ascii_lowercase();
    let special = matches!(unsigned.as_str(), "inf" | "infinity" | "nan");
    if !special && !is_decimal_literal(&unsigned) {
        return None;
    }
    text.parse::<f64>().ok()
}

/// `digits [. [digits]] | . digits`, then an optional `e [sign] digits`.
fn is_decimal_literal(text: &str) -> bool {
    let (mantissa, exponent) = match text.split_once('e') {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        all_digits(whole) && all_digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|exponent| {
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        !digits.is_empty() && all_digits(digits)
    });
    mantissa_ok && exponent_ok
}
