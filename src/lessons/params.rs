//! Lesson parameters: declared with ranges, validated once where they enter (URL, form, JS API),
//! then carried as typed values.

use std::fmt;

use serde::Serialize;

use super::LessonParams;

/// A number a lesson takes, with its allowed range; or a choice among named variants, whose
/// value is the index of the choice (given by index or by name). A lesson declares its
/// parameters with [`lesson_params!`](crate::lesson_params), which writes these for it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// Shown beside the input: what the number means, with its unit.
    #[serde(skip)]
    pub help: &'static str,
    /// The variants' names when this is a choice (then min is 0 and max the last index).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub choices: &'static [&'static str],
    /// Only whole numbers are taken (a count, a size): "2.5" is refused where it enters, so the
    /// lesson reads an integer, never a float cut by a cast.
    #[serde(skip)]
    pub whole: bool,
}

impl ParamSpec {
    /// A number from `min` to `max`.
    pub const fn number(
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> ParamSpec {
        ParamSpec {
            name,
            default,
            min,
            max,
            help,
            choices: &[],
            whole: false,
        }
    }

    /// One of `choices`, the first by default.
    pub const fn choice(
        name: &'static str,
        choices: &'static [&'static str],
        help: &'static str,
    ) -> ParamSpec {
        ParamSpec {
            name,
            default: 0.0,
            min: 0.0,
            max: choices.len().saturating_sub(1) as f64,
            help,
            choices,
            whole: true,
        }
    }

    /// The value as the user sees it: a choice's name, or the number.
    pub fn show(&self, value: f64) -> String {
        match self.choices.get(value as usize) {
            Some(choice) if !self.choices.is_empty() => choice.to_string(),
            _ => value.to_string(),
        }
    }
}

/// Validated parameter values of one lesson, every declared parameter present.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    values: Vec<(&'static str, f64)>,
}

impl Params {
    /// The defaults of `specs`.
    pub fn defaults(specs: &[ParamSpec]) -> Params {
        Params {
            values: specs.iter().map(|s| (s.name, s.default)).collect(),
        }
    }

    /// The value of parameter `name`, if it is one of these. A lesson reads its parameters as
    /// [`Params::typed`] fields, where a misspelt name does not compile.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
    }

    /// These values as the lesson's typed parameters (declared with
    /// [`lesson_params!`](crate::lesson_params)): what a lesson's `main` and `checks` read.
    pub fn typed<P: LessonParams>(&self) -> P {
        P::from_params(self)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.values.iter().copied()
    }
}

/// Text given by a user, cut for a message: up to [`CLIP_CHARS`] characters, and past that the
/// start with how long it was ("aaaa… (1048576 characters)"), so that a 1 MB value never fills
/// the page.
pub fn clip(text: &str) -> String {
    let count = text.chars().count();
    if count <= CLIP_CHARS {
        return text.to_string();
    }
    let start: String = text.chars().take(CLIP_CHARS).collect();
    format!("{start}… ({count} characters)")
}

/// A number as JavaScript writes it: 1e300 rather than its 301 digits.
fn show_number(x: f64) -> String {
    if x.abs() >= 1e21 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// The longest given text a message quotes whole.
pub const CLIP_CHARS: usize = 80;

/// Why parameters were refused, in words a user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamError {
    UnknownLesson {
        id: String,
        known: Vec<&'static str>,
    },
    UnknownParam {
        lesson: &'static str,
        name: String,
        known: Vec<&'static str>,
    },
    NotANumber {
        spec: ParamSpec,
        got: String,
    },
    OutOfRange {
        spec: ParamSpec,
        got: f64,
    },
    /// A name given more than once (`?delay_ms=10&delay_ms=300`): refused rather than one of
    /// them silently winning.
    Repeated {
        name: String,
        values: Vec<String>,
    },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::UnknownLesson { id, known } => {
                write!(
                    f,
                    "no lesson '{}': the lessons are {}",
                    clip(id),
                    known.join(", ")
                )
            }
            ParamError::UnknownParam {
                lesson,
                name,
                known,
            } if known.is_empty() => {
                write!(
                    f,
                    "lesson {lesson} takes no parameters, got '{}'",
                    clip(name)
                )
            }
            ParamError::UnknownParam {
                lesson,
                name,
                known,
            } => write!(
                f,
                "lesson {lesson} has no parameter '{}': it takes {}",
                clip(name),
                known.join(", ")
            ),
            ParamError::NotANumber { spec, got } if !spec.choices.is_empty() => write!(
                f,
                "{} must be one of {}, got '{}'",
                spec.name,
                spec.choices.join(", "),
                clip(got)
            ),
            ParamError::NotANumber { spec, got } if spec.whole => write!(
                f,
                "{} must be a whole number from {} to {}, got '{}'",
                spec.name,
                spec.min,
                spec.max,
                clip(got)
            ),
            ParamError::NotANumber { spec, got } => write!(
                f,
                "{} must be a number from {} to {}, got '{}'",
                spec.name,
                spec.min,
                spec.max,
                clip(got)
            ),
            ParamError::Repeated { name, values } => write!(
                f,
                "{name} is given {} times ({}): give it once",
                values.len(),
                values
                    .iter()
                    .map(|v| format!("'{}'", clip(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ParamError::OutOfRange { spec, got } => write!(
                f,
                "{} must be from {} to {}, got {}",
                spec.name,
                spec.min,
                spec.max,
                show_number(*got)
            ),
        }
    }
}

impl std::error::Error for ParamError {}

/// Validates raw `(name, value)` pairs (text from a URL or a form, numbers from JS turned to
/// text) against `specs`; parameters not given keep their defaults, and a name given twice is
/// refused ([`ParamError::Repeated`]), wherever the pairs come from.
pub fn validate<'a>(
    lesson: &'static str,
    specs: &[ParamSpec],
    raw: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Params, ParamError> {
    let mut params = Params::defaults(specs);
    let raw: Vec<(&str, &str)> = raw.into_iter().collect();
    if let Some(name) = raw
        .iter()
        .enumerate()
        .find(|(i, (name, _))| raw[..*i].iter().any(|(n, _)| n == name))
        .map(|(_, (name, _))| *name)
    {
        return Err(ParamError::Repeated {
            name: clip(name),
            values: raw
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
                .collect(),
        });
    }
    for (name, text) in raw {
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            return Err(ParamError::UnknownParam {
                lesson,
                name: name.to_string(),
                known: specs.iter().map(|s| s.name).collect(),
            });
        };
        let by_name = spec.choices.iter().position(|c| *c == text.trim());
        let value: f64 = by_name
            .map(|i| i as f64)
            .or_else(|| text.trim().parse().ok())
            .filter(|v: &f64| v.is_finite())
            .filter(|v| !spec.whole || v.fract() == 0.0)
            .ok_or_else(|| ParamError::NotANumber {
                spec: *spec,
                got: text.to_string(),
            })?;
        if !(spec.min..=spec.max).contains(&value) {
            return Err(ParamError::OutOfRange {
                spec: *spec,
                got: value,
            });
        }
        if let Some(slot) = params.values.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELAY: ParamSpec = ParamSpec::number("delay_ms", 1000.0, 0.0, 60_000.0, "");
    const MODE: ParamSpec = ParamSpec::choice("mode", &["concurrent", "sequential"], "");

    #[test]
    fn a_choice_is_taken_by_name_or_index_and_refused_otherwise() {
        let p = validate("x", &[MODE], [("mode", "sequential")]).expect("valid");
        assert_eq!(p.value("mode"), Some(1.0));
        let p = validate("x", &[MODE], [("mode", "0")]).expect("valid");
        assert_eq!(p.value("mode"), Some(0.0));
        let err = validate("x", &[MODE], [("mode", "parallel")]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "mode must be one of concurrent, sequential, got 'parallel'"
        );
        assert!(validate("x", &[MODE], [("mode", "2")]).is_err());
        assert!(validate("x", &[MODE], [("mode", "0.5")]).is_err());
        assert_eq!(MODE.show(1.0), "sequential");
        assert_eq!(DELAY.show(250.0), "250");
    }

    #[test]
    fn missing_parameters_take_their_defaults() {
        let p = validate("x", &[DELAY], []).expect("valid");
        assert_eq!(p.value("delay_ms"), Some(1000.0));
    }

    #[test]
    fn a_number_in_range_is_taken() {
        let p = validate("x", &[DELAY], [("delay_ms", " 250 ")]).expect("valid");
        assert_eq!(p.value("delay_ms"), Some(250.0));
    }

    #[test]
    fn text_that_is_not_a_number_names_the_parameter_and_range() {
        let err = validate("x", &[DELAY], [("delay_ms", "soon")]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "delay_ms must be a number from 0 to 60000, got 'soon'"
        );
        let err = validate("x", &[DELAY], [("delay_ms", "NaN")]).expect_err("refused");
        assert!(matches!(err, ParamError::NotANumber { .. }));
    }

    #[test]
    fn out_of_range_names_the_parameter_and_range() {
        let err = validate("x", &[DELAY], [("delay_ms", "-5")]).expect_err("refused");
        assert_eq!(err.to_string(), "delay_ms must be from 0 to 60000, got -5");
        assert!(validate("x", &[DELAY], [("delay_ms", "60001")]).is_err());
        assert!(validate("x", &[DELAY], [("delay_ms", "60000")]).is_ok());
    }

    #[test]
    fn an_unknown_parameter_is_refused_with_the_known_ones() {
        let err = validate("hello-sleep", &[DELAY], [("delay", "5")]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "lesson hello-sleep has no parameter 'delay': it takes delay_ms"
        );
    }

    #[test]
    fn a_name_given_twice_is_refused_naming_both_values() {
        let err = validate("x", &[DELAY], [("delay_ms", "10"), ("delay_ms", "300")])
            .expect_err("refused");
        assert_eq!(
            err.to_string(),
            "delay_ms is given 2 times ('10', '300'): give it once"
        );
        // Even when each value alone is refused, the repetition is what is named.
        let err = validate("x", &[DELAY], [("delay_ms", "10"), ("delay_ms", "70000")])
            .expect_err("refused");
        assert!(matches!(err, ParamError::Repeated { .. }), "{err}");
    }

    #[test]
    fn a_huge_value_is_cut_in_the_message_which_says_how_long_it_was() {
        let huge = "9".repeat(1 << 20);
        let err = validate("x", &[DELAY], [("delay_ms", huge.as_str())]).expect_err("refused");
        let message = err.to_string();
        assert!(message.len() < 300, "{} bytes", message.len());
        assert!(message.ends_with("… (1048576 characters)'"), "{message}");
        let name = "n".repeat(100_000);
        let err = validate("x", &[DELAY], [(name.as_str(), "1")]).expect_err("refused");
        assert!(err.to_string().contains("(100000 characters)"), "{err}");
        assert_eq!(clip("short"), "short");
        // A big number in range terms reads as JavaScript writes it.
        let err = validate("x", &[DELAY], [("delay_ms", "1e300")]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "delay_ms must be from 0 to 60000, got 1e300"
        );
    }

    #[test]
    fn infinity_is_named_as_given() {
        let err = validate("x", &[DELAY], [("delay_ms", "Infinity")]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "delay_ms must be a number from 0 to 60000, got 'Infinity'"
        );
    }

    #[test]
    fn an_unknown_name_has_no_value() {
        assert_eq!(Params::defaults(&[DELAY]).value("nope"), None);
    }
}
