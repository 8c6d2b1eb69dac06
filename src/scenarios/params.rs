//! Lesson parameters: declared with ranges, validated once where they enter (URL, form, JS API),
//! then carried as typed values.

use std::fmt;

use serde::Serialize;

/// A number a lesson takes, with its allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// Shown beside the input: what the number means, with its unit.
    #[serde(skip)]
    pub help: &'static str,
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

    /// The value of parameter `name`. Lessons ask only for parameters they declare; an unknown
    /// name (a typo in a lesson) gives NaN, which its checks then report, rather than a panic.
    pub fn get(&self, name: &str) -> f64 {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |&(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.values.iter().copied()
    }
}

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
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::UnknownLesson { id, known } => {
                write!(f, "no lesson '{id}': the lessons are {}", known.join(", "))
            }
            ParamError::UnknownParam {
                lesson,
                name,
                known,
            } if known.is_empty() => {
                write!(f, "lesson {lesson} takes no parameters, got '{name}'")
            }
            ParamError::UnknownParam {
                lesson,
                name,
                known,
            } => write!(
                f,
                "lesson {lesson} has no parameter '{name}': it takes {}",
                known.join(", ")
            ),
            ParamError::NotANumber { spec, got } => write!(
                f,
                "{} must be a number from {} to {}, got '{got}'",
                spec.name, spec.min, spec.max
            ),
            ParamError::OutOfRange { spec, got } => write!(
                f,
                "{} must be from {} to {}, got {got}",
                spec.name, spec.min, spec.max
            ),
        }
    }
}

impl std::error::Error for ParamError {}

/// Validates raw `(name, value)` pairs (text from a URL or a form, numbers from JS turned to
/// text) against `specs`; parameters not given keep their defaults.
pub fn validate<'a>(
    lesson: &'static str,
    specs: &[ParamSpec],
    raw: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Params, ParamError> {
    let mut params = Params::defaults(specs);
    for (name, text) in raw {
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            return Err(ParamError::UnknownParam {
                lesson,
                name: name.to_string(),
                known: specs.iter().map(|s| s.name).collect(),
            });
        };
        let value: f64 = text
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
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

    const DELAY: ParamSpec = ParamSpec {
        name: "delay_ms",
        default: 1000.0,
        min: 0.0,
        max: 60_000.0,
        help: "",
    };

    #[test]
    fn missing_parameters_take_their_defaults() {
        let p = validate("x", &[DELAY], []).expect("valid");
        assert_eq!(p.get("delay_ms"), 1000.0);
    }

    #[test]
    fn a_number_in_range_is_taken() {
        let p = validate("x", &[DELAY], [("delay_ms", " 250 ")]).expect("valid");
        assert_eq!(p.get("delay_ms"), 250.0);
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
    fn an_unknown_name_reads_as_nan_not_a_panic() {
        assert!(Params::defaults(&[DELAY]).get("nope").is_nan());
    }
}
