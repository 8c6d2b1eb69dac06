"""Prints what CPython 3.11 formats, one case a line, tab-separated, for tests/format.rs to check
src/format.rs against: `format(value, spec)`, `template % args`, `template.format(...)`,
`repr()` of floats and strs, `ascii()`, `round()`, `int(text, base)` and `float(text)`.
Run from the repository root: python3.11 crates/asyncscope-python/tests/format_cases.py

A line is `KIND<TAB>INPUTS...<TAB>RESULT`. Strings are JSON (so tabs, newlines and non-ASCII
survive); floats are their repr; a value is `i:INT`, `f:FLOAT`, `b:0|1`, `s:JSON` or
`o:TYPE:JSON_STR:JSON_REPR`; a list of values is its length, then the values; RESULT is
`ok<TAB>JSON` or `err<TAB>EXCEPTION<TAB>JSON_MESSAGE`.
"""
import json
import sys

assert sys.version_info[:2] == (3, 11), "the cases are CPython 3.11's"

print("# python3.11 crates/asyncscope-python/tests/format_cases.py > crates/asyncscope-python/tests/format_cases.txt")


def js(s):
    return json.dumps(s, ensure_ascii=True)


def val(v):
    if isinstance(v, bool):
        return "b:%d" % v
    if isinstance(v, int):
        assert -(2**127) <= v < 2**127
        return "i:%d" % v
    if isinstance(v, float):
        return "f:" + repr(v)
    if isinstance(v, str):
        return "s:" + js(v)
    return "o:%s:%s:%s" % (type(v).__name__, js(str(v)), js(repr(v)))


def vals(values):
    return [str(len(values))] + [val(v) for v in values]


def result(thunk):
    try:
        out = thunk()
    except Exception as e:  # noqa: BLE001 - every exception is a case
        return ["err", type(e).__name__, js(str(e))]
    return ["ok", js(out)]


def emit(*fields):
    print("\t".join(fields))


# format(value, spec) --------------------------------------------------------------------------

INTS = [0, 1, -1, 7, 42, -42, 255, 65, 1234, -1234, 1234567, -1234567, 2**100, -(2**100), 2**127 - 1]
INT_SPECS = [
    "", "d", "5", "<5", ">5", "^7", "*^7", "=8", "05", "+d", " d", "-d", "+5", "+05", " 06",
    "x", "X", "#x", "#X", "#o", "o", "b", "#b", "08b", "#010x", "-#010X", "#_x", "_b", "_o",
    ",", "_", "_x", ",d", "010,", "09,", "08,", "015_", "012_x", "+012,", "0=10", "x<+10,",
    "c", "n", "5n", "e", ".2e", "f", ".2f", "g", "%", ".1%", "E", "G", "F", ",.2f",
    "s", ".2", "z", "#c", "+c", ",c", ",x", "_n", ",n", "q", "qq", "\x01", "\u00e9", "5.", ",_", "_,",
]
for n in INTS:
    for spec in INT_SPECS:
        emit("format", val(n), js(spec), *result(lambda: format(n, spec)))

for n in [0, 65, 0x4E2D, 0x1F600, 0x10FFFF, 0x110000, -1, 2**70]:
    for spec in ["c", "5c", "<3c", "^5c", "05c", "x=4c"]:
        emit("format", val(n), js(spec), *result(lambda: format(n, spec)))

FLOATS = [
    0.0, -0.0, 1.0, -1.0, 3.14159, -3.14159, 0.1, 0.125, 0.375, 2.5, 3.5, 0.5, 1.5, 9.995, 2.675,
    1e16, 1e15, 1e-4, 1e-5, 1 / 3, 2 / 3, 1234567.891, 123456789.123456789, 1e22, 1e100, 1e300,
    1.5e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 12345678901234567890.0,
    0.0001234, 123.456, -0.0004, 999999.5, 0.30000000000000004,
    float("inf"), float("-inf"), float("nan"),
]
FLOAT_SPECS = [
    "", ".2f", ".0f", "8.3f", "<8.1f", "f", "e", ".2e", ".0e", "#.0e", "#.0f", "E", "g", ".3g",
    ".10g", "#g", "#.3g", "G", ".0g", "%", ".1%", ",", ",.2f", "_.3f", "010.2f", "+.1f", " .1f",
    "=+12.3f", "^12.3e", "*<12g", "n", ".3", ".1", ".20", "#", ".0", "#.0", "F", ".3F", "z.1f",
    "z", "+z.0f", "012,.1f", "x^15,.2f", "010", "-010.3", ".17g", ".30f", ".25e", "15_.2f",
    "d", "x", "c", "s", ".", "10.2n", ",n", "=^10", "#.5g", ".200f",
]
for x in FLOATS:
    for spec in FLOAT_SPECS:
        emit("format", val(x), js(spec), *result(lambda: format(x, spec)))

STRS = ["", "hi", "hello world", "\u00e9\u4e2d", "it's", "a\tb\nc", "\U0001f600x"]
STR_SPECS = [
    "", "s", "5", ">5", "<5", "^6", "^7", "*^6", "\u4e2d>4", ".2", ".0", "5.1", "05", "<05",
    ">08", "=5", "+", " ", "-", "#", ",", "_", "d", "z", ".", "x<", ">>>", "10.3s", "^^3",
]
for s in STRS:
    for spec in STR_SPECS:
        emit("format", val(s), js(spec), *result(lambda: format(s, spec)))

for b in [True, False]:
    for spec in ["", "d", ">5", "<6", "05", "x", "#b", ".2f", "e", "%", "s", "c", "10", "^7", "+"]:
        emit("format", val(b), js(spec), *result(lambda: format(b, spec)))

OTHERS = [None, [1, "a", 2.0], (1, "b"), {"k": None}, ()]
for o in OTHERS:
    for spec in ["", "x", ">10", "s"]:
        emit("format", val(o), js(spec), *result(lambda: format(o, spec)))

for spec in ["1" * 25, "." + "1" * 25, ">" + "9" * 19, ">" + "9" * 18, "9223372036854775807",
             "9223372036854775808", ".9223372036854775808f", ">>>", "<<", "=", "{", "}", "%%"]:
    for v in [1, 1.5, "s"]:
        r = result(lambda: format(v, spec))
        if r[0] == "err" and r[1] == "MemoryError":
            continue
        if r[0] == "ok" and len(json.loads(r[1])) > 100000:
            continue
        emit("format", val(v), js(spec), *r)

# template % args --------------------------------------------------------------------------------

PERCENT = [
    ("%s has %d items costing %.3f each (%r)", ("Ann", 7, 2.0 / 3, "Ann")),
    ("[%5d] [%-5d] [%05d] [%+d] [%5s] [%-5s]", (7, 7, 7, 7, "Ann", "Ann")),
    ("%.1f %.0f %05.1f %e %.2e %g %g", (2.0 / 3, 2.5, 2.0 / 3, 2.0 / 3, 12345.678, 0.0001, 1e20)),
    ("%x %X %o %c %%", (255, 255, 8, 65)),
    ("%s", ("single value",)),
    ("%s", ([1, "two"],)),
    ("%s", (("a", "tuple"),)),
    ("%r %r %r %r", ("text", 1.0, None, [1, "x"])),
    ("%d %i %s", (3.99, -2.5, 0.1 + 0.2)),
    ("%s and %s", (True, None)),
    ("%5.2f%%", (12.3456,)),
    ("%-8s|%3d|%6.2f", ("apples", 3, 0.5)),
    ("%#x %#X %#o %#5x %#05x %-#6o|", (255, 255, 8, 10, 10, 8)),
    ("%+05d % d % 5d %+.3d %.5d %-+6d|", (42, 42, 42, 7, -42, 3)),
    ("%#010x %#.4x %-#10x| %+#x %0#8o", (255, 255, 255, 255, -8)),
    ("%u %i %d", (-3, True, False)),
    ("%f %F %e %E %g %G", (1.5, float("inf"), 1e-10, 12345678.9, 1e-5, 1e16)),
    ("%f %F %g %G %e", (float("nan"), float("nan"), float("-inf"), float("inf"), float("-inf"))),
    ("%010.3f|%-10.3f|%+.2e|% .3g|%#.0f|%#g|%#.3g", (3.14159, 3.14159, 314.159, 0.5, 2.0, 1.0, 100.0)),
    ("%.0f %.0f %.0f %.0f %.2f %.2f", (0.5, 1.5, 2.5, -0.5, 0.125, 0.375)),
    ("%g %g %g %g %g %g", (100000.0, 1000000.0, 1e-4, 1.5e-5, 123456789.0, 0.0)),
    ("%.10g %.3g %.0g %.1e %.0e", (1 / 3, 2.675, 5.5, 9.95, 2.5)),
    ("%s %s %s %s", (1e16, 1e-5, 0.1, -0.0)),
    ("%5s|%-5s|%.2s|%5.1s|%.0s|", ("abc", "abc", "abc", "abc", "abc")),
    ("%r %a %a %a", ("\u00e9\u4e2d", "\u00e9\u4e2d", "\U0001f600", ["\u00e9"])),
    ("%c%c%c %5c|%-3c|", ("x", 0x4E2D, 10, "y", 65)),
    ("%*d|%-*d|%*s|%.*f|%*.*f", (5, 42, 5, 42, -6, "ab", 2, 3.14159, 8, 3, 2.71828)),
    ("%d %d", (1,)),
    ("%d", (1, 2)),
    ("no conversions", ()),
    ("no conversions", (1,)),
    ("%d", ("5",)),
    ("%i", (None,)),
    ("%x", (1.5,)),
    ("%o", ("7",)),
    ("%X", ([1],)),
    ("%f", ("5",)),
    ("%e", (None,)),
    ("%c", ("ab",)),
    ("%c", (1.5,)),
    ("%c", (-1,)),
    ("%c", (0x110000,)),
    ("%c", ("",)),
    ("%d %y", (1, 2)),
    ("abc %y", (1,)),
    ("%\u00e9", (1,)),
    ("%\x01", (1,)),
    ("%", (1,)),
    ("abc%", ()),
    ("%5", (1,)),
    ("%.", (1,)),
    ("%-", (1,)),
    ("%.3", (1,)),
    ("%*", (5, 1)),
    ("%*d", ("5", 1)),
    ("%*d", (5.0, 1)),
    ("%.*f", (1.5, 1.0)),
    ("%*d", (True, 7)),
    ("%.*f", (-3, 1.25)),
    ("%(name)s", ({"name": 1},)),
    ("%ld %hd %Lf", (1, 2, 3.5)),
    ("%d", (float("inf"),)),
    ("%d", (float("nan"),)),
    ("%d %d", (1e20, -1e300)),
    ("%s %r", ((), ())),
    ("%5%|%-5%", ()),
    ("%(", ()),
    ("100%% sure, %s%%", ("50",)),
    ("%d%%", (99,)),
    ("%.3s|%.1r|%5.2a|", ("hello", "hello", "\u00e9t\u00e9")),
    ("%x %o %X", (-255, -8, -3054)),
    ("%.3x %#.3o %08.3d|%-08d|", (10, 8, 5, 5)),
    ("%d %s", (2**100, 2**100)),
    ("%x", (2**127 - 1,)),
    ("%s %d %f %r", (True, True, True, False)),
    ("%0-5d|%-05d|", (3, 4)),
    ("%+s|% s|%05s|", ("a", "b", "c")),
    ("%99999999999999999999d", (1,)),
    ("%.99999999999d", (1,)),
    ("%.2147483648f", (1.0,)),
]
for template, args in PERCENT:
    r = result(lambda: template % args)
    emit("percent", js(template), *vals(list(args)), *r)

PERCENT_MAP = [
    ("%(who)s is %(age)d", {"who": "Bob", "age": 27}),
    ("%(x).2f %(x)10.3e %(x)-8g|", {"x": 3.14159}),
    ("%(a)s %(missing)s", {"a": 1}),
    ("%(a)r %(b)05d %(c)x", {"a": "q", "b": 42, "c": 255}),
    ("%(a(b))s", {"a(b)": "nested"}),
    ("%(a", {"a": 1}),
    ("%()s|", {"": "empty key"}),
    ("%(a)s %(a)s", {"a": [1, 2]}),
    ("%(a)*d", {"a": 5}),
    ("%(a)d", {"a": "x"}),
    ("%(\u00e9)s", {"\u00e9": "\u4e2d"}),
]
for template, mapping in PERCENT_MAP:
    r = result(lambda: template % mapping)
    fields = [str(len(mapping))]
    for k, v in mapping.items():
        fields += [js(k), val(v)]
    emit("percent_map", js(template), *fields, *r)

# str.format --------------------------------------------------------------------------------------

FORMAT = [
    ("{} {} {}", (1, "a", 2.5), {}),
    ("{0} {1} {0}", ("x", "y"), {}),
    ("{name} is {age}", (), {"name": "Bob", "age": 27}),
    ("{:.2f} {:>6} {:<6}| {:^7} {:05d} {:+d} {:x}", (3.14159, 42, 42, 42, 42, 42, 255), {}),
    ("{!r} {!s} {!a} {0!r:>10}|", ("\u00e9",), {}),
    ("{0:{1}} [{0:>{1}}] [{0:{2}{1}}]", ("ab", 6, "^"), {}),
    ("[{:{}.{}f}]", (3.14159, 8, 3), {}),
    ("{x:{w}.{p}f}", (), {"x": 2.0 / 3, "w": 10, "p": 4}),
    ("{{literal}} {{{0}}} }}{{", (5,), {}),
    ("{} {1}", (1, 2), {}),
    ("{0} {}", (1, 2), {}),
    ("{} {} {}", (1, 2), {}),
    ("{2}", (1,), {}),
    ("{name}", (), {}),
    ("{!r} {!s} {!a}|{!r:>10}|{!s:*^9}", ("\u00e9", 1.5, "\u4e2d", "it's", None), {}),
    ("{", (), {}),
    ("}", (), {}),
    ("a { b", (), {}),
    ("a } b", (), {}),
    ("{0!x}", (1,), {}),
    ("{0!}", (1,), {}),
    ("{!r", (1,), {}),
    ("{!rx}", (1,), {}),
    ("{0!r:", (1,), {}),
    ("{0:", (1,), {}),
    ("{0", (1,), {}),
    ("{0{}", (1,), {}),
    ("{:{:{}}}", (1, 2, 3), {}),
    ("{:d}", ("s",), {}),
    ("{:s}", (1,), {}),
    ("{:x}", ([1],), {}),
    ("{}", ([1, "a", 2.0],), {}),
    ("{!r}", (None,), {}),
    ("{:>10}", (None,), {}),
    ("{0:,} {0:_} {0:_x} {1:,.2f}", (1234567, 1234567.891), {}),
    ("{:%} {:.1%} {:e} {:g}", (0.25, 0.256, 3.14159, 1e-7), {}),
    ("{0:>{1}}", ("x", "5"), {}),
    ("{0:{1}}", (1.5, ".{2}"), {}),
    ("{:{}}", (1,), {}),
    ("{00} {01}", ("a", "b"), {}),
    ("{99999999999999999999}", (1,), {}),
    ("{a b} {a-b}", (), {"a b": 1, "a-b": 2}),
    ("{\u00e9}", (), {"\u00e9": "ok"}),
    ("{:\u4e2d^7}", ("ab",), {}),
    ("{!a}", ("\U0001f600\n",), {}),
    ("{0:}|{0!s:}|", (7,), {}),
    ("{}", (True,), {}),
    ("{:d} {:5} {:>5}", (True, False, True), {}),
    ("{[}", (1,), {}),
    ("{0[}", (1,), {}),
    ("{0]}", (1,), {}),
    ("{:{}}}", (1, 2), {}),
    ("x{}y{}z", ("", ""), {}),
    ("{:>{}}", ("a", 99999999999999999999), {}),
]
for template, args, kwargs in FORMAT:
    r = result(lambda: template.format(*args, **kwargs))
    fields = [str(len(kwargs))]
    for k, v in kwargs.items():
        fields += [js(k), val(v)]
    emit("str_format", js(template), *vals(list(args)), *fields, *r)

# repr, ascii ------------------------------------------------------------------------------------

REPR_FLOATS = FLOATS + [
    0.2, 0.3, 1e-7, 1e-4 * 3, 100.0, 1e17, 9007199254740993.0, 2**53 + 0.0, 4.35, 0.07,
    1e23, 9.999999999999999e22, 2e16 + 8, 123456789012345.6, 1234567890123456.7, -1.5e-10, 1e-323,
]
for x in REPR_FLOATS:
    emit("repr_float", val(x), "ok", js(repr(x)))

REPR_STRS = [
    "plain", "it's", 'say "hi"', "both ' and \"", "tab\there", "new\nline", "cr\rx", "back\\slash",
    "\u4e2d\u6587", "", "\x00\x7f", "\x01\x1f\x1b", "\x80\x85\x9f\xa0\xad\xe9\xff", "\u2028\u2029",
    "\u200b\u200d\ufeff", "\u3000\u00a0 ", "\ue000\uf8ff", "\U0001f600\U0001f44d", "\U000e0001",
    "\U0010ffff", "\U00040000", "\ufffe\uffff", "'\"", "\\'", "caf\u00e9",
    "\u0600\u061c", "\U0001d173", "\u1680\u2000\u200a\u202f\u205f",
]
for s in REPR_STRS:
    emit("repr_str", js(s), "ok", js(repr(s)))
    emit("ascii", js(s), "ok", js(ascii(s)))

# round ------------------------------------------------------------------------------------------

ROUNDS = [
    (2.5, None), (3.5, None), (0.5, None), (-0.5, None), (-1.5, None), (7.0, None), (1e300, None),
    (0.125, 2), (2.675, 2), (1234.5678, -2), (0.375, 2), (1.005, 2), (2.5, 0), (3.5, 0),
    (-2.5, 0), (0.5, 0), (-0.4, 0), (0.05, 1), (0.15, 1), (0.25, 1), (0.35, 1), (1.45, 1),
    (5.5, -1), (15.0, -1), (25.0, -1), (150.0, -2), (250.0, -2), (149.999, -2), (1e300, -300),
    (1e300, -301), (4e300, -301), (5e300, -301), (6e300, -301), (1.7e308, 400), (1.5, -400),
    (-1.5, -400), (5e-324, 323), (5e-324, 324), (1e-320, 320), (3.14159, 3), (-3.14159, 3),
    (123456.789, -3), (0.0, 2), (-0.0, 2), (float("inf"), 2), (float("nan"), 1),
    (float("-inf"), -1), (1 / 3, 15), (1 / 3, 16), (1 / 3, 17), (2 / 3, 5), (0.285, 2),
    (1.15, 1), (999.5, 0), (0.000123456, 5), (123.456, 1), (1e22, -21), (5e15 + 0.5, 0),
]
for x, n in ROUNDS:
    if n is None:
        if x != x or x in (float("inf"), float("-inf")):
            continue
        emit("round", val(x), "None", "ok", js(repr(float(round(x)))))
    else:
        emit("round", val(x), str(n), *result(lambda: repr(round(x, n))))

# int(), float() ---------------------------------------------------------------------------------

INT_TEXTS = [
    ("  42 ", 10), ("-7", 10), ("+7", 10), ("1_000", 10), ("0x1f", 0), ("ff", 16), ("0xff", 16),
    ("0XFF", 16), ("0o17", 0), ("0b101", 0), ("0b101", 2), ("101", 2), ("z", 36), ("Z", 36),
    ("10", 36), ("0", 0), ("00", 0), ("0_0", 0), ("007", 0), ("007", 10), ("08", 0), ("0x", 0),
    ("0x_1f", 0), ("0x__1f", 0), ("_1", 10), ("1_", 10), ("1__0", 10), ("", 10), (" ", 10),
    ("- 7", 10), ("--7", 10), ("1.5", 10), ("1e3", 10), ("x", 10), ("12a", 10), ("12a", 11),
    ("\t\n 99 \r\n", 10), ("0b1", 16), ("0o7", 8), ("0o8", 8), ("2", 2), ("-0x10", 0),
    ("170141183460469231731687303715884105727", 10), ("170141183460469231731687303715884105728", 10),
    ("-170141183460469231731687303715884105727", 10), ("1", 1), ("1", 37), ("7", 0), ("-0", 0),
    ("+0_0", 0), ("0x1_f", 16), ("\u00a042\u3000", 10), ("\x1c5\x1f", 10), ("\x0b5\x0c", 10), ("\x855\u2028", 10),
]
for text, base in INT_TEXTS:
    try:
        value = int(text, base)
    except ValueError:
        emit("parse_int", js(text), str(base), "none")
        continue
    if -(2**127) < value < 2**127:
        emit("parse_int", js(text), str(base), "ok", str(value))
    else:
        emit("parse_int", js(text), str(base), "none")

FLOAT_TEXTS = [
    " 2.50 ", "1e3", "inf", "-inf", "+inf", "Infinity", "-Infinity", "INFINITY", "nan", "-nan",
    "NaN", "+nAn", "1_0.5", "1_000_000.000_1", "1_.5", "1._5", "_1", "1_", "1__0", "1e1_0", "1e_10",
    ".5", "5.", "-.5", "+5.", ".", "e5", "1e", "1e+", "1e-5", "1E5", "1.e5", ".e5", "0x10", "1.5j",
    "", "   ", "infinit", "infinityx", "nana", "in f", "1 0", "1e400", "-1e400", "1e-400", "4.9e-324",
    "2.4e-324", "0.1", "0.30000000000000004", "123456789012345678901234567890", "\t\n1.5\r",
    "-0", "-0.0", "+0.0", "00.5", "1.7976931348623157e308", "1.7976931348623159e308", "\u00a01.5",
    "1,5", "1.5.", "\x1c5", "\x0b5\x0c", "\x855\u2029", "--1", "+-1", "i", "n",
]
for text in FLOAT_TEXTS:
    try:
        value = float(text)
    except ValueError:
        emit("parse_float", js(text), "none")
        continue
    emit("parse_float", js(text), "ok", repr(value))
