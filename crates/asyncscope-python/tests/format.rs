//! Checks `asyncscope_python::format` against what CPython 3.11 printed for every case in
//! format_cases.txt (made by format_cases.py, whose docstring describes the lines), then the
//! playground's own refusals and malformed input that must give errors, never panics.

use asyncscope_python::format::{
    ascii_repr, float_repr, format_value, parse_float, parse_int, percent_format, python_round,
    round_half_even, str_format, str_repr, FmtArg, FormatError, PercentArgs, MAX_WIDTH,
};

const CASES: &str = include_str!("format_cases.txt");

/// A value as a case line spells it, owned, so that a `FmtArg` can borrow it.
#[derive(Debug, Clone)]
enum Value {
    Int(i128),
    Float(f64),
    Bool(bool),
    Str(String),
    Other {
        type_name: String,
        str: String,
        repr: String,
    },
}

impl Value {
    fn arg(&self) -> FmtArg<'_> {
        match self {
            Value::Int(i) => FmtArg::Int(*i),
            Value::Float(x) => FmtArg::Float(*x),
            Value::Bool(b) => FmtArg::Bool(*b),
            Value::Str(s) => FmtArg::Str(s),
            Value::Other {
                type_name,
                str,
                repr,
            } => FmtArg::Other {
                str: str.clone(),
                repr: repr.clone(),
                type_name,
            },
        }
    }
}

/// Decodes the JSON string at the start of `text`; returns it and what follows.
fn json_string(text: &str) -> (String, &str) {
    let body = text
        .strip_prefix('"')
        .expect("a JSON string starts with a quote");
    let mut out = String::new();
    let mut chars = body.char_indices();
    let mut pending_high: Option<u32> = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &body[i + 1..]),
            '\\' => {
                let (_, escape) = chars.next().expect("an escape");
                let simple = match escape {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    'b' => Some('\u{8}'),
                    'f' => Some('\u{c}'),
                    '"' | '\\' | '/' => Some(escape),
                    'u' => None,
                    other => panic!("unknown JSON escape {other}"),
                };
                if let Some(simple) = simple {
                    out.push(simple);
                    continue;
                }
                let hex: String = (0..4).map(|_| chars.next().expect("hex").1).collect();
                let unit = u32::from_str_radix(&hex, 16).expect("hex digits");
                if (0xD800..0xDC00).contains(&unit) {
                    pending_high = Some(unit);
                } else if (0xDC00..0xE000).contains(&unit) {
                    let high = pending_high.take().expect("a high surrogate first");
                    let code = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                    out.push(char::from_u32(code).expect("a code point"));
                } else {
                    out.push(char::from_u32(unit).expect("a code point"));
                }
            }
            _ => out.push(c),
        }
    }
    panic!("unterminated JSON string: {text}");
}

fn json(text: &str) -> String {
    let (value, rest) = json_string(text);
    assert!(rest.is_empty(), "trailing text after JSON string: {text}");
    value
}

fn value(token: &str) -> Value {
    let (kind, rest) = token.split_at(2);
    match kind {
        "i:" => Value::Int(rest.parse().expect("an int")),
        "f:" => Value::Float(rest.parse().expect("a float")),
        "b:" => Value::Bool(rest == "1"),
        "s:" => Value::Str(json(rest)),
        "o:" => {
            let (type_name, rest) = rest.split_once(':').expect("o:TYPE:...");
            let (str, rest) = json_string(rest);
            let repr = json(rest.strip_prefix(':').expect("o:TYPE:STR:REPR"));
            Value::Other {
                type_name: type_name.to_string(),
                str,
                repr,
            }
        }
        _ => panic!("unknown value {token}"),
    }
}

/// The columns of one case line, read left to right.
struct Columns<'t>(std::str::Split<'t, char>);

impl<'t> Columns<'t> {
    fn next(&mut self) -> &'t str {
        self.0.next().expect("another column")
    }

    fn values(&mut self) -> Vec<Value> {
        let count: usize = self.next().parse().expect("a count");
        (0..count).map(|_| value(self.next())).collect()
    }

    fn pairs(&mut self) -> Vec<(String, Value)> {
        let count: usize = self.next().parse().expect("a count");
        (0..count)
            .map(|_| (json(self.next()), value(self.next())))
            .collect()
    }

    /// `ok JSON` or `err KIND JSON`.
    fn result(&mut self) -> Result<String, FormatError> {
        match self.next() {
            "ok" => Ok(json(self.next())),
            "err" => {
                let kind = self.next().to_string();
                let message = json(self.next());
                Err(FormatError {
                    kind: Box::leak(kind.into_boxed_str()),
                    message,
                })
            }
            other => panic!("unknown result {other}"),
        }
    }
}

fn same_float(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Runs one case line; `Err` describes a mismatch.
fn check(line: &str) -> Result<(), String> {
    let mut columns = Columns(line.split('\t'));
    let kind = columns.next();
    match kind {
        "format" => {
            let value = value(columns.next());
            let spec = json(columns.next());
            let expected = columns.result();
            let got = format_value(&value.arg(), &spec);
            compare(got, expected)
        }
        "percent" => {
            let template = json(columns.next());
            let values = columns.values();
            let expected = columns.result();
            let args: Vec<FmtArg> = values.iter().map(Value::arg).collect();
            compare(
                percent_format(&template, PercentArgs::Positional(&args)),
                expected,
            )
        }
        "percent_map" => {
            let template = json(columns.next());
            let pairs = columns.pairs();
            let expected = columns.result();
            let lookup = |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, value)| value.arg())
            };
            compare(
                percent_format(&template, PercentArgs::Mapping(&lookup)),
                expected,
            )
        }
        "str_format" => {
            let template = json(columns.next());
            let values = columns.values();
            let pairs = columns.pairs();
            let expected = columns.result();
            let args: Vec<FmtArg> = values.iter().map(Value::arg).collect();
            let keyword = |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, value)| value.arg())
            };
            compare(str_format(&template, &args, &keyword), expected)
        }
        "repr_float" => {
            let Value::Float(x) = value(columns.next()) else {
                return Err("repr_float takes a float".into());
            };
            compare(Ok(float_repr(x)), columns.result())
        }
        "repr_str" => {
            let text = json(columns.next());
            compare(Ok(str_repr(&text)), columns.result())
        }
        "ascii" => {
            let text = json(columns.next());
            compare(Ok(ascii_repr(&text)), columns.result())
        }
        "round" => {
            let Value::Float(x) = value(columns.next()) else {
                return Err("round takes a float".into());
            };
            let ndigits = match columns.next() {
                "None" => None,
                n => Some(n.parse::<i64>().map_err(|e| e.to_string())?),
            };
            let expected = columns.result().map_err(|e| format!("{e:?}"))?;
            let expected: f64 = expected.parse().map_err(|_| "a float".to_string())?;
            let got = match ndigits {
                None => round_half_even(x),
                Some(_) => python_round(x, ndigits),
            };
            // round(x) becomes an int, so -0.0 and 0.0 are the same there.
            let same = match ndigits {
                None => got == expected && python_round(x, None) == expected,
                Some(_) => same_float(got, expected),
            };
            if same {
                Ok(())
            } else {
                Err(format!("got {got:?}, CPython {expected:?}"))
            }
        }
        "parse_int" => {
            let text = json(columns.next());
            let base: u32 = columns.next().parse().map_err(|_| "a base".to_string())?;
            let expected = match columns.next() {
                "none" => None,
                _ => Some(columns.next().parse::<i128>().map_err(|e| e.to_string())?),
            };
            let got = parse_int(&text, base);
            if got == expected {
                Ok(())
            } else {
                Err(format!("got {got:?}, CPython {expected:?}"))
            }
        }
        "parse_float" => {
            let text = json(columns.next());
            let expected = match columns.next() {
                "none" => None,
                _ => Some(columns.next().parse::<f64>().map_err(|e| e.to_string())?),
            };
            match (parse_float(&text), expected) {
                (None, None) => Ok(()),
                (Some(got), Some(expected)) if same_float(got, expected) => Ok(()),
                (got, expected) => Err(format!("got {got:?}, CPython {expected:?}")),
            }
        }
        other => Err(format!("unknown case kind {other}")),
    }
}

fn compare(
    got: Result<String, FormatError>,
    expected: Result<String, FormatError>,
) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("got {got:?}, CPython {expected:?}"))
    }
}

#[test]
fn every_case_matches_cpython() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in CASES.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        count += 1;
        if let Err(problem) = check(line) {
            failures.push(format!("{line}\n    {problem}"));
        }
    }
    assert!(count >= 400, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ from CPython:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn no_keywords(_: &str) -> Option<FmtArg<'static>> {
    None
}

fn value_error(message: &str) -> FormatError {
    FormatError {
        kind: "ValueError",
        message: message.to_string(),
    }
}

#[test]
fn attribute_and_index_fields_are_refused_by_name() {
    let args = [FmtArg::Int(1)];
    let error = str_format("{0.real}", &args, &no_keywords).unwrap_err();
    assert_eq!(error.kind, "ValueError");
    assert!(
        error.message.contains("{0.real} is an attribute"),
        "{error:?}"
    );
    let error = str_format("{0[1]}", &args, &no_keywords).unwrap_err();
    assert!(error.message.contains("{0[1]} is an index"), "{error:?}");
    // The lookup of the first part comes first, as in CPython.
    let error = str_format("{5.x}", &args, &no_keywords).unwrap_err();
    assert_eq!(error.kind, "IndexError");
}

#[test]
fn huge_widths_are_capped() {
    let cap = value_error(&format!(
        "the playground caps a format width at {MAX_WIDTH}"
    ));
    let cases = [
        (FmtArg::Int(5), ">100001"),
        (FmtArg::Int(5), "100001d"),
        (FmtArg::Int(5), "0100001,"),
        (FmtArg::Float(1.5), "0100001.2f"),
        (FmtArg::Float(1.5), "<999999999"),
        (FmtArg::Str("s"), "9223372036854775807"),
        (FmtArg::Bool(true), "^123456"),
    ];
    for (arg, spec) in cases {
        assert_eq!(format_value(&arg, spec), Err(cap.clone()), "{spec} {arg:?}");
    }
    assert_eq!(
        format_value(&FmtArg::Int(5), ">100000").map(|s| s.len()),
        Ok(100_000)
    );
    let precision_cap = value_error(&format!(
        "the playground caps a format precision at {MAX_WIDTH}"
    ));
    assert_eq!(
        format_value(&FmtArg::Float(1.0), ".100001f"),
        Err(precision_cap.clone())
    );
    let one = [FmtArg::Int(1)];
    assert_eq!(
        percent_format("%100001d", PercentArgs::Positional(&one)),
        Err(cap.clone())
    );
    assert_eq!(
        percent_format("%.100001d", PercentArgs::Positional(&one)),
        Err(precision_cap)
    );
    let star = [FmtArg::Int(1 << 40), FmtArg::Int(1)];
    assert_eq!(
        percent_format("%*d", PercentArgs::Positional(&star)),
        Err(cap.clone())
    );
    let nested = [FmtArg::Str("x"), FmtArg::Int(1 << 40)];
    assert_eq!(str_format("{:>{}}", &nested, &no_keywords), Err(cap));
    // Precision beyond what core's formatting takes (u16) still works, padded with zeros.
    let long = format_value(&FmtArg::Float(0.1), ".70000f").expect("a long precision");
    assert_eq!(long.len(), 70_002);
    assert!(long.starts_with("0.1000000000000000055511151231257827"));
    let long = format_value(&FmtArg::Float(5e-324), ".1200e").expect("a long precision");
    assert!(long.starts_with(
        "4.9406564584124654417656879286822137236505980e-324"
            .split('e')
            .next()
            .unwrap_or("")
    ));
    assert!(long.ends_with("0000e-324"));
}

#[test]
fn a_plain_conversion_of_a_whole_mapping_is_refused() {
    let lookup = |key: &str| (key == "a").then_some(FmtArg::Int(1));
    let error = percent_format("%s", PercentArgs::Mapping(&lookup)).unwrap_err();
    assert_eq!(error.kind, "ValueError");
    assert_eq!(
        percent_format("%(a)s!", PercentArgs::Mapping(&lookup)),
        Ok("1!".to_string())
    );
    // No "not all arguments converted" with a mapping, as in CPython.
    assert_eq!(
        percent_format("plain", PercentArgs::Mapping(&lookup)),
        Ok("plain".to_string())
    );
}

/// A small deterministic generator, so that the fuzzing below is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn malformed_and_random_input_gives_errors_never_panics() {
    for spec in [
        "{:>>>}",
        "{0!x}",
        "{",
        "}",
        "{:{:{:{}}}}",
        "{!",
        "{0:{",
        "{0:}}",
        "{:\u{0}}",
    ] {
        let args = [
            FmtArg::Int(1),
            FmtArg::Int(2),
            FmtArg::Int(3),
            FmtArg::Int(4),
        ];
        assert!(str_format(spec, &args, &no_keywords).is_err(), "{spec}");
    }
    for template in ["%(", "%.", "%", "%*", "%(a", "%.*", "%-0 #+", "%l"] {
        let args = [FmtArg::Int(1)];
        assert!(
            percent_format(template, PercentArgs::Positional(&args)).is_err(),
            "{template}"
        );
    }
    let pieces = [
        "<",
        ">",
        "^",
        "=",
        "+",
        "-",
        " ",
        "#",
        "0",
        "z",
        ",",
        "_",
        ".",
        "1",
        "9",
        "99999",
        "e",
        "f",
        "g",
        "%",
        "x",
        "c",
        "s",
        "d",
        "n",
        "b",
        "o",
        "X",
        "E",
        "{",
        "}",
        "!",
        "r",
        "a",
        "*",
        "(",
        ")",
        "中",
        "\u{0}",
        "\u{10ffff}",
        "l",
        "i",
        "u",
        "G",
        "F",
        "9999999999999999999999",
    ];
    let args = [
        FmtArg::Int(-42),
        FmtArg::Float(-0.0),
        FmtArg::Str("é中"),
        FmtArg::Bool(true),
        FmtArg::Float(f64::NAN),
        FmtArg::Int(i128::MIN),
        FmtArg::Float(f64::MAX),
        FmtArg::Other {
            str: "[1]".into(),
            repr: "[1]".into(),
            type_name: "list",
        },
    ];
    let lookup = |key: &str| (key.len() < 3).then_some(FmtArg::Float(5e-324));
    let mut random = Lcg(16);
    for _ in 0..20_000 {
        let length = random.next() % 8;
        let text: String = (0..length).map(|_| random.pick(&pieces)).collect();
        for arg in &args {
            let _ = format_value(arg, &text);
        }
        let _ = percent_format(&format!("%{text}"), PercentArgs::Positional(&args));
        let _ = percent_format(&format!("%{text}"), PercentArgs::Mapping(&lookup));
        let _ = str_format(&format!("{{{text}}}"), &args, &lookup);
        let _ = str_format(&text, &args, &lookup);
        let _ = parse_int(&text, (random.next() % 40) as u32);
        let _ = parse_float(&text);
    }
    for bits in [
        0u64,
        1,
        0x7fef_ffff_ffff_ffff,
        0x8000_0000_0000_0001,
        0x7ff8_0000_0000_0001,
    ] {
        let x = f64::from_bits(bits);
        let _ = float_repr(x);
        for n in [-400, -308, -1, 0, 1, 17, 323, 400, i64::MIN, i64::MAX] {
            let _ = python_round(x, Some(n));
        }
    }
}
