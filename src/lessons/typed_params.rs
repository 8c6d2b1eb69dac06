//! Typed lesson parameters. A lesson declares its parameters once, with
//! [`lesson_params!`](crate::lesson_params) (and [`param_choice!`](crate::param_choice) for a
//! choice among named variants): the declaration gives the [`ParamSpec`]s that the form, the URL
//! and `window.asyncscope` validate against, and a struct with one typed field a parameter that
//! the lesson's `main` and `checks` read. A misspelt parameter is then a compile error, not a
//! NaN at run time, and no float is cast to an integer in a lesson: whole numbers are refused
//! where they enter when they are not whole ([`ParamSpec::whole`]).

use std::time::Duration;

use super::{ParamSpec, Params};

/// A lesson's parameters as one typed struct, written by [`lesson_params!`](crate::lesson_params).
pub trait LessonParams: Sized {
    /// What the lesson declares: its `Lesson`'s `params`.
    const SPECS: &'static [ParamSpec];

    /// The struct from values validated against [`Self::SPECS`] where they entered. It never
    /// panics: a value missing (`Params` of another lesson) is its default, a number past its
    /// type's range saturates, and an index past the choices is the first choice.
    fn from_params(params: &Params) -> Self;
}

/// A type a number parameter can have, and how a validated number becomes it.
pub trait ParamNumber: Sized {
    /// The type the declaration writes the default and range in (`= 1000 in 0..=60_000`): a
    /// default that is not one (`u32 = 2.5`, `u32 = -1`) does not compile.
    type Literal;
    /// Only whole numbers are taken ([`ParamSpec::whole`]).
    const WHOLE: bool;
    /// The least and greatest numbers the type holds, in the declaration's unit: a declared
    /// range outside them does not compile.
    const LOWEST: f64;
    const HIGHEST: f64;

    /// The value from a number validated in its range (and whole when [`Self::WHOLE`]).
    fn from_number(number: f64) -> Self;
}

/// Counts and sizes. `as` from a float saturates (and NaN is 0): with the number validated
/// whole and in range it is exact, and from a foreign `Params` it cannot panic.
macro_rules! whole_numbers {
    ($($t:ty),+) => {$(
        impl ParamNumber for $t {
            type Literal = $t;
            const WHOLE: bool = true;
            const LOWEST: f64 = 0.0;
            const HIGHEST: f64 = <$t>::MAX as f64;

            fn from_number(number: f64) -> Self {
                number as $t
            }
        }
    )+};
}

whole_numbers!(u32, u64, usize);

/// Any number in range: a ratio, a rate.
impl ParamNumber for f64 {
    type Literal = f64;
    const WHOLE: bool = false;
    const LOWEST: f64 = f64::MIN;
    const HIGHEST: f64 = f64::MAX;

    fn from_number(number: f64) -> Self {
        number
    }
}

/// A time, given in milliseconds (the parameter's name ends in `_ms`), fractions included; the
/// declaration writes it in whole ms.
impl ParamNumber for Duration {
    type Literal = u64;
    const WHOLE: bool = false;
    const LOWEST: f64 = 0.0;
    /// The most milliseconds a `Duration` of `u64` nanoseconds holds.
    const HIGHEST: f64 = (u64::MAX / NANOS_PER_MS) as f64;

    /// Rounded to the nanosecond, so that whole ms give exactly that many ms back ([`millis`]).
    fn from_number(number: f64) -> Self {
        Duration::from_nanos((number * NANOS_PER_MS as f64).round() as u64)
    }
}

const NANOS_PER_MS: u64 = 1_000_000;

/// A `Duration` in milliseconds, as the lines' times are: exact for a parameter given in whole
/// (or decimal) ms, so that a check says "no earlier than 150 ms", not "149.99999999999997".
pub fn millis(duration: Duration) -> f64 {
    duration.as_nanos() as f64 / NANOS_PER_MS as f64
}

/// An enum a choice parameter can have: written by [`param_choice!`](crate::param_choice).
pub trait ParamChoice: Sized + Copy {
    /// The variants' names, in order, as the URL, the form and `run()` give them; the first is
    /// the default.
    const NAMES: &'static [&'static str];

    /// The variant at `index`; past the end, the first.
    fn from_index(index: usize) -> Self;

    /// The variant's name.
    fn name(self) -> &'static str;

    /// The variant whose index is `number` (validated whole and in range); the first otherwise.
    fn from_number(number: f64) -> Self {
        let index = if number >= 0.0 {
            number as usize
        } else {
            usize::MAX
        };
        Self::from_index(index)
    }
}

/// The doc comment of a parameter as its help: one line, without the spaces `///` leaves.
#[doc(hidden)]
pub const fn help_text(doc: &'static str) -> &'static str {
    doc.trim_ascii()
}

/// The value of parameter `name` in `params`, or its default in `specs` when `params` lacks it
/// (it was validated for another lesson).
#[doc(hidden)]
pub fn value_of(params: &Params, specs: &[ParamSpec], name: &str) -> f64 {
    params
        .value(name)
        .or_else(|| specs.iter().find(|s| s.name == name).map(|s| s.default))
        .unwrap_or(f64::NAN)
}

/// Declares a lesson's parameters once: a struct with a typed field a parameter, its
/// [`ParamSpec`](crate::lessons::ParamSpec)s (`SPECS`, the `Lesson`'s `params`), its
/// [`LessonParams`](crate::lessons::LessonParams) conversion from the validated
/// [`Params`](crate::lessons::Params) (`params.typed()`), and a `Default` of the declared
/// defaults.
///
/// Each field is its parameter: the field's name is the parameter's name (in the URL, the form,
/// `run()`), its doc comment the help shown beside the input, and then
/// - a number: `name: Type = default in min..=max`, with `Type` one of `u32`, `u64`, `usize`
///   (whole numbers: "2.5" is refused where it enters), `f64`, or `Duration` (given in ms, the
///   name ends in `_ms`; default and range in whole ms). The default and the bounds are
///   literals of the type (a `Duration`'s in `u64` ms), constants, or parenthesized
///   expressions; one outside its range, or a range outside the type, does not compile.
/// - a choice: `name: Enum`, with `Enum` declared by [`param_choice!`](crate::param_choice);
///   its first variant is the default.
///
/// The pattern of a lesson (`src/lessons/NAME.rs`): declare its parameters, and name the struct
/// in its [`lesson!`](crate::lesson), which gives the typed struct to its `run` and `checks`:
///
/// ```
/// use std::time::Duration;
///
/// use asyncscope::lessons::{check_lines, Check, Lesson, Line, Printer};
/// use asyncscope::{lesson, lesson_params, param_choice};
///
/// param_choice! {
///     /// How main awaits its coroutines.
///     pub enum Mode {
///         /// `asyncio.create_task` each, then await them (the seed).
///         Tasks = "tasks",
///         /// Await each where it is called.
///         Sequential = "sequential",
///     }
/// }
///
/// lesson_params! {
///     /// The parameters of `example`.
///     pub struct ExampleParams {
///         /// tasks: create_task each, then await them (the seed); sequential: await each in
///         /// turn
///         mode: Mode,
///         /// how many coroutines run (the Python: 3)
///         coroutines: u32 = 3 in 1..=100,
///         /// how long each sleeps, in ms (the Python: 1 s)
///         delay_ms: Duration = 1000 in 0..=60_000,
///     }
/// }
///
/// /// The lesson's summary.
/// pub const LESSON: Lesson = lesson! {
///     id: "example", title: "An example", params: ExampleParams,
///     article: ASYNCHAT_ASYNCIO, section: "2.1.1",
/// };
///
/// async fn run(out: Printer, params: ExampleParams) -> Result<(), String> {
///     for i in 1..=params.coroutines {
///         out.print(format!("{i}"));
///     }
///     Ok(())
/// }
///
/// fn checks(params: &ExampleParams, lines: &[Line]) -> Vec<Check> {
///     let expected: Vec<String> = (1..=params.coroutines).map(|i| i.to_string()).collect();
///     let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
///     vec![check_lines(lines, &expected)]
/// }
///
/// // The URL, the form and `run()` give text; it is validated once, then read typed.
/// let params = LESSON.validate([("mode", "sequential"), ("delay_ms", "250")]).unwrap();
/// let typed: ExampleParams = params.typed();
/// assert_eq!(typed.mode, Mode::Sequential);
/// assert_eq!(typed.delay_ms, Duration::from_millis(250));
/// assert_eq!(typed.coroutines, 3);
/// assert!(LESSON.validate([("coroutines", "2.5")]).is_err());
/// // Tests build the struct itself.
/// let three = ExampleParams { coroutines: 3, ..ExampleParams::default() };
/// let lines = ["1", "2", "3"].map(|text| Line { t_ms: 0.0, text: text.into() });
/// assert!(checks(&three, &lines)[0].ok);
/// ```
///
/// A misspelt parameter does not compile:
///
/// ```compile_fail
/// asyncscope::lesson_params! {
///     /// What a lesson takes.
///     struct TypoParams {
///         /// how many tasks run
///         tasks: u32 = 3 in 1..=20,
///     }
/// }
/// fn tasks(params: &TypoParams) -> u32 {
///     params.taks
/// }
/// ```
///
/// Nor does a default outside its range (nor a range its type cannot hold):
///
/// ```compile_fail
/// asyncscope::lesson_params! {
///     /// What a lesson takes.
///     struct OutOfRangeParams {
///         /// how many tasks run
///         tasks: u32 = 30 in 1..=20,
///     }
/// }
/// let _ = OutOfRangeParams::SPECS;
/// ```
#[macro_export]
macro_rules! lesson_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $help:literal])+
                $field:ident : $ty:ty $(= $default:tt in $min:tt ..= $max:tt)?
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        $vis struct $name {
            $(
                $(#[doc = $help])+
                pub $field: $ty,
            )+
        }

        impl $name {
            /// The parameters as the form, the URL and `window.asyncscope` validate them: the
            /// lesson's `params`.
            pub const SPECS: &'static [$crate::lessons::ParamSpec] = &[$(
                $crate::lesson_params!(
                    @spec [$($default, $min, $max)?] $field: $ty,
                    $crate::lessons::typed_params::help_text(concat!($($help),+))
                )
            ),+];
        }

        impl $crate::lessons::LessonParams for $name {
            const SPECS: &'static [$crate::lessons::ParamSpec] = $name::SPECS;

            fn from_params(params: &$crate::lessons::Params) -> Self {
                $name {$(
                    $field: $crate::lesson_params!(
                        @value [$($default)?] $ty,
                        $crate::lessons::typed_params::value_of(
                            params,
                            $name::SPECS,
                            stringify!($field),
                        )
                    ),
                )+}
            }
        }

        impl ::core::default::Default for $name {
            /// The declared defaults.
            fn default() -> Self {
                <$name as $crate::lessons::LessonParams>::from_params(
                    &$crate::lessons::Params::defaults($name::SPECS),
                )
            }
        }
    };

    (@spec [$default:tt, $min:tt, $max:tt] $field:ident : $ty:ty, $help:expr) => {{
        type Literal = <$ty as $crate::lessons::ParamNumber>::Literal;
        // A bound may be a parenthesized expression: `0..=(u32::MAX)`.
        #[allow(unused_parens)]
        const DEFAULT: Literal = $default;
        #[allow(unused_parens)]
        const MIN: Literal = $min;
        #[allow(unused_parens)]
        const MAX: Literal = $max;
        const _: () = {
            assert!(
                MIN as f64 <= DEFAULT as f64 && DEFAULT as f64 <= MAX as f64,
                concat!("lesson_params!: the default of ", stringify!($field), " is outside its range"),
            );
            assert!(
                <$ty as $crate::lessons::ParamNumber>::LOWEST <= MIN as f64
                    && MAX as f64 <= <$ty as $crate::lessons::ParamNumber>::HIGHEST,
                concat!("lesson_params!: the range of ", stringify!($field), " does not fit its type"),
            );
        };
        $crate::lessons::ParamSpec {
            name: stringify!($field),
            default: DEFAULT as f64,
            min: MIN as f64,
            max: MAX as f64,
            help: $help,
            choices: &[],
            whole: <$ty as $crate::lessons::ParamNumber>::WHOLE,
        }
    }};
    (@spec [] $field:ident : $ty:ty, $help:expr) => {
        $crate::lessons::ParamSpec::choice(
            stringify!($field),
            <$ty as $crate::lessons::ParamChoice>::NAMES,
            $help,
        )
    };

    (@value [$default:tt] $ty:ty, $value:expr) => {
        <$ty as $crate::lessons::ParamNumber>::from_number($value)
    };
    (@value [] $ty:ty, $value:expr) => {
        <$ty as $crate::lessons::ParamChoice>::from_number($value)
    };
}

/// Declares the enum of a choice parameter: its variants with the names the URL, the form and
/// `run()` give them (`Variant = "name"`), the first the default. It derives `Debug`, `Clone`,
/// `Copy`, `PartialEq`, `Eq` and `Default`, and implements
/// [`ParamChoice`](crate::lessons::ParamChoice). See [`lesson_params!`](crate::lesson_params)
/// for an example.
#[macro_export]
macro_rules! param_choice {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(#[$first_meta:meta])*
            $first:ident = $first_name:literal
            $(, $(#[$variant_meta:meta])* $variant:ident = $variant_name:literal)*
            $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        $vis enum $name {
            $(#[$first_meta])*
            #[default]
            $first,
            $(
                $(#[$variant_meta])*
                $variant,
            )*
        }

        impl $crate::lessons::ParamChoice for $name {
            const NAMES: &'static [&'static str] = &[$first_name $(, $variant_name)*];

            fn from_index(index: usize) -> Self {
                [$name::$first $(, $name::$variant)*]
                    .get(index)
                    .copied()
                    .unwrap_or($name::$first)
            }

            fn name(self) -> &'static str {
                match self {
                    $name::$first => $first_name,
                    $($name::$variant => $variant_name,)*
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{millis, ParamChoice};
    use crate::lessons::{validate, LessonParams, ParamError, Params};

    crate::param_choice! {
        /// A choice of three.
        enum Shape {
            Circle = "circle",
            /// Four sides.
            Square = "square",
            Triangle = "triangle",
        }
    }

    crate::lesson_params! {
        /// One parameter of each kind, the ranges of the counts up to their type's most.
        struct Every {
            /// how many things
            count: u32 = 3 in 1..=(u32::MAX),
            /// a big count
            big: u64 = 0 in 0..=(u64::MAX),
            /// an index
            size: usize = 10 in 0..=(usize::MAX),
            /// a ratio
            ratio: f64 = 0.5 in 0.0..=1.0,
            /// how long, in ms,
            /// written on two lines
            wait_ms: Duration = 250 in 0..=60_000,
            /// the shape drawn
            shape: Shape,
        }
    }

    fn parse(raw: &[(&str, &str)]) -> Result<Every, ParamError> {
        validate("every", Every::SPECS, raw.iter().copied()).map(|p| p.typed())
    }

    #[test]
    fn the_declaration_gives_specs_with_names_ranges_help_and_choices() {
        let names: Vec<&str> = Every::SPECS.iter().map(|s| s.name).collect();
        assert_eq!(names, ["count", "big", "size", "ratio", "wait_ms", "shape"]);
        let count = Every::SPECS[0];
        assert_eq!(
            (count.default, count.min, count.max, count.whole),
            (3.0, 1.0, f64::from(u32::MAX), true)
        );
        assert_eq!(count.help, "how many things");
        let wait = Every::SPECS[4];
        assert_eq!(
            (wait.default, wait.max, wait.whole),
            (250.0, 60_000.0, false)
        );
        assert_eq!(wait.help, "how long, in ms, written on two lines");
        assert!(!Every::SPECS[3].whole);
        let shape = Every::SPECS[5];
        assert_eq!(shape.choices, ["circle", "square", "triangle"]);
        assert_eq!((shape.default, shape.max), (0.0, 2.0));
        assert_eq!(<Every as LessonParams>::SPECS, Every::SPECS);
    }

    #[test]
    fn nothing_given_is_the_declared_defaults() {
        let defaults = Every {
            count: 3,
            big: 0,
            size: 10,
            ratio: 0.5,
            wait_ms: Duration::from_millis(250),
            shape: Shape::Circle,
        };
        assert_eq!(parse(&[]), Ok(defaults));
        assert_eq!(Every::default(), defaults);
        assert_eq!(Shape::default(), Shape::Circle);
    }

    #[test]
    fn a_value_out_of_range_is_refused_naming_the_range() {
        let err = parse(&[("ratio", "1.5")]).expect_err("refused");
        assert_eq!(err.to_string(), "ratio must be from 0 to 1, got 1.5");
        let err = parse(&[("count", "0")]).expect_err("refused");
        assert_eq!(err.to_string(), "count must be from 1 to 4294967295, got 0");
        assert!(parse(&[("wait_ms", "60000.5")]).is_err());
        assert!(parse(&[("wait_ms", "-1")]).is_err());
    }

    #[test]
    fn a_choice_is_taken_by_name_or_by_index() {
        assert_eq!(
            parse(&[("shape", "square")]).map(|e| e.shape),
            Ok(Shape::Square)
        );
        assert_eq!(
            parse(&[("shape", "2")]).map(|e| e.shape),
            Ok(Shape::Triangle)
        );
        let err = parse(&[("shape", "hexagon")]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "shape must be one of circle, square, triangle, got 'hexagon'"
        );
        assert!(parse(&[("shape", "3")]).is_err());
        assert_eq!(Shape::Triangle.name(), "triangle");
        assert_eq!(Shape::from_index(7), Shape::Circle);
    }

    #[test]
    fn a_whole_number_is_taken_however_written_and_a_fraction_is_refused() {
        for written in ["7", " 7 ", "7.0", "7e0", "0.7e1", "+7"] {
            assert_eq!(
                parse(&[("count", written)]).map(|e| e.count),
                Ok(7),
                "{written}"
            );
        }
        let err = parse(&[("count", "2.5")]).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "count must be a whole number from 1 to 4294967295, got '2.5'"
        );
        assert!(parse(&[("size", "0.001")]).is_err());
        // A time or a ratio takes fractions: half a millisecond is 500 µs.
        let every = parse(&[("wait_ms", "0.5"), ("ratio", "0.25")]).expect("valid");
        assert_eq!(every.wait_ms, Duration::from_micros(500));
        assert_eq!(every.ratio, 0.25);
    }

    #[test]
    fn the_most_of_each_range_is_taken_whole() {
        let every = parse(&[
            ("count", "4294967295"),
            ("big", "18446744073709551615"),
            ("size", &usize::MAX.to_string()),
            ("ratio", "1"),
            ("wait_ms", "60000"),
            ("shape", "triangle"),
        ])
        .expect("valid");
        assert_eq!(every.count, u32::MAX);
        assert_eq!(every.big, u64::MAX);
        assert_eq!(every.size, usize::MAX);
        assert_eq!(every.ratio, 1.0);
        assert_eq!(every.wait_ms, Duration::from_secs(60));
        assert_eq!(every.shape, Shape::Triangle);
        assert!(parse(&[("count", "4294967296")]).is_err());
    }

    #[test]
    fn values_of_another_lesson_give_defaults_not_a_panic() {
        let foreign = Params::defaults(&[]);
        assert_eq!(foreign.typed::<Every>(), Every::default());
    }

    #[test]
    fn a_millisecond_duration_reads_back_exactly() {
        for ms in [0u64, 1, 150, 300, 999, 1000, 60_000] {
            let d = <Duration as super::ParamNumber>::from_number(ms as f64);
            assert_eq!(d, Duration::from_millis(ms));
            assert_eq!(millis(d), ms as f64);
        }
        assert_eq!(millis(Duration::from_micros(1500)), 1.5);
    }
}
