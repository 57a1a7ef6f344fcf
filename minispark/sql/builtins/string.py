"""String functions: upper, lower, length, concat, substring, trim, pad, replace, split..."""
from __future__ import annotations

import re
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import levenshtein as edit_distance
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.types import ArrayType, BooleanType, IntegerType, StringType

_INT_MAX = (1 << 31) - 1


@scalar("upper", ["string"], StringType(), aliases=("ucase",))
def upper(s: Any) -> Any:
    return pc.utf8_upper(s)


@scalar("lower", ["string"], StringType(), aliases=("lcase",))
def lower(s: Any) -> Any:
    return pc.utf8_lower(s)


@scalar("length", ["string"], IntegerType(), aliases=("char_length", "character_length",
                                                     "len"))
def length(s: Any) -> Any:
    return pc.utf8_length(s)


@scalar("octet_length", ["string"], IntegerType())
def octet_length(s: Any) -> Any:
    return pc.binary_length(s)


@scalar("concat", ["string"], StringType(), min_args=0, max_args=None)
def concat(*parts: Any) -> Any:
    if not parts:
        return pa.scalar("", pa.string())
    return pc.binary_join_element_wise(*parts, "")


@scalar("concat_ws", ["string", "string"], StringType(), min_args=1, max_args=None,
        null_intolerant=False)
def concat_ws(sep: Any, *parts: Any) -> Any:
    if not parts:
        return pc.if_else(pc.is_valid(sep), "", pa.scalar(None, pa.string()))
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip")


def _substring_bounds(pos: int, count: int) -> tuple[int, int | None]:
    """Spark's 1-based (negative: from the end) position as a Python-style slice."""
    start = pos - 1 if pos > 0 else pos
    if count <= 0:
        return 0, 0
    stop = start + count
    if pos < 0 and stop >= 0:
        return start, None
    return start, stop


def _substring_value(text: str, pos: int, count: int) -> str:
    start, stop = _substring_bounds(pos, count)
    if start == stop == 0:
        return ""
    return text[start:stop]


def _render_substr(display: str, args: list[str], options: tuple) -> str:
    if len(args) == 2:
        args = args + [str(_INT_MAX)]
    return f"{display}({', '.join(args)})"


@scalar("substring", ["string", "int", "int"], StringType(), min_args=2, aliases=("substr",),
        render_call=_render_substr)
def substring(s: Any, pos: Any, count: Any = None) -> Any:
    count = pa.scalar(_INT_MAX, pa.int32()) if count is None else count
    p, n = literal(pos), literal(count)
    if p is None or n is None:
        return pa.nulls(len(s), pa.string()) if not isinstance(s, pa.Scalar) else pa.scalar(
            None, pa.string())
    if p is Ellipsis or n is Ellipsis:
        return rowwise(_substring_value, pa.string(), s, pos, count)
    start, stop = _substring_bounds(p, n)
    if start == stop == 0:
        return pc.if_else(pc.is_valid(s), "", pa.scalar(None, pa.string()))
    return pc.utf8_slice_codeunits(s, start, stop if stop is not None else _INT_MAX)


@scalar("left", ["string", "int"], StringType())
def left(s: Any, n: Any) -> Any:
    return rowwise(lambda text, k: text[:max(k, 0)], pa.string(), s, n)


@scalar("right", ["string", "int"], StringType())
def right(s: Any, n: Any) -> Any:
    return rowwise(lambda text, k: text[len(text) - k:] if k > 0 else "", pa.string(), s, n)


def _trim_chars(chars: Any) -> str:
    value = literal(chars)
    return " " if value is None else value


@scalar("trim", ["string", "string"], StringType(), min_args=1)
def trim(s: Any, chars: Any = None) -> Any:
    return pc.utf8_trim(s, " " if chars is None else _trim_chars(chars))


@scalar("ltrim", ["string", "string"], StringType(), min_args=1)
def ltrim(s: Any, chars: Any = None) -> Any:
    return pc.utf8_ltrim(s, " " if chars is None else _trim_chars(chars))


@scalar("rtrim", ["string", "string"], StringType(), min_args=1)
def rtrim(s: Any, chars: Any = None) -> Any:
    return pc.utf8_rtrim(s, " " if chars is None else _trim_chars(chars))


def _pad(text: str, width: int, fill: str, left_side: bool) -> str:
    if width <= len(text):
        return text[:max(width, 0)]
    if not fill:
        return text
    padding = (fill * width)[:width - len(text)]
    return padding + text if left_side else text + padding


@scalar("lpad", ["string", "int", "string"], StringType(), min_args=2)
def lpad(s: Any, width: Any, fill: Any = None) -> Any:
    fill = pa.scalar(" ") if fill is None else fill
    return rowwise(lambda t, w, f: _pad(t, w, f, True), pa.string(), s, width, fill)


@scalar("rpad", ["string", "int", "string"], StringType(), min_args=2)
def rpad(s: Any, width: Any, fill: Any = None) -> Any:
    fill = pa.scalar(" ") if fill is None else fill
    return rowwise(lambda t, w, f: _pad(t, w, f, False), pa.string(), s, width, fill)


@scalar("reverse", ["string"], StringType())
def reverse(s: Any) -> Any:
    return pc.utf8_reverse(s)


@scalar("repeat", ["string", "int"], StringType())
def repeat(s: Any, n: Any) -> Any:
    return rowwise(lambda t, k: t * max(k, 0), pa.string(), s, n)


@scalar("replace", ["string", "string", "string"], StringType(), min_args=2)
def replace(s: Any, search: Any, replacement: Any = None) -> Any:
    rep = "" if replacement is None else replacement
    return rowwise(lambda t, a, b: t.replace(a, b) if a else t, pa.string(), s, search, rep)


def _java_replacement(template: str) -> str:
    """Java's ``$1`` group references as Python's ``\\g<1>``."""
    return re.sub(r"\$(\d+)", r"\\g<\1>", template.replace("\\", "\\\\"))


@scalar("regexp_replace", ["string", "string", "string"], StringType())
def regexp_replace(s: Any, pattern: Any, replacement: Any) -> Any:
    return rowwise(lambda t, p, r: re.sub(p, _java_replacement(r), t), pa.string(), s, pattern,
                   replacement)


@scalar("regexp_extract", ["string", "string", "int"], StringType(), min_args=2)
def regexp_extract(s: Any, pattern: Any, index: Any = None) -> Any:
    index = pa.scalar(1, pa.int32()) if index is None else index

    def extract(text: str, regex: str, group: int) -> str:
        match = re.search(regex, text)
        return "" if match is None or match.group(group) is None else match.group(group)
    return rowwise(extract, pa.string(), s, pattern, index)


@scalar("split", ["string", "string", "int"], ArrayType(StringType()), min_args=2)
def split(s: Any, pattern: Any, limit: Any = None) -> Any:
    limit = pa.scalar(-1, pa.int32()) if limit is None else limit

    def cut(text: str, regex: str, most: int) -> list[str]:
        parts = re.split(regex, text, maxsplit=most - 1 if most > 0 else 0)
        if most <= 0:
            while len(parts) > 1 and parts[-1] == "":
                parts.pop()
        return parts
    return rowwise(cut, pa.list_(pa.string()), s, pattern, limit)


@scalar("initcap", ["string"], StringType())
def initcap(s: Any) -> Any:
    return rowwise(lambda t: " ".join(w[:1].upper() + w[1:].lower() for w in t.split(" ")),
                   pa.string(), s)


@scalar("instr", ["string", "string"], IntegerType())
def instr(s: Any, sub: Any) -> Any:
    return rowwise(lambda t, u: t.find(u) + 1, pa.int32(), s, sub)


@scalar("locate", ["string", "string", "int"], IntegerType(), min_args=2)
def locate(sub: Any, s: Any, pos: Any = None) -> Any:
    pos = pa.scalar(1, pa.int32()) if pos is None else pos
    return rowwise(lambda u, t, p: 0 if p < 1 else t.find(u, p - 1) + 1, pa.int32(), sub, s, pos)


def _pattern_test(s: Any, pattern: Any, kernel: Callable[[Any, str], Any],
                  test: Callable[[str, str], bool]) -> Any:
    """A constant pattern runs Arrow's kernel over the batch; a per-row one, ``test``."""
    value = literal(pattern)
    if value is not Ellipsis and value is not None:
        return kernel(s, value)
    return rowwise(test, pa.bool_(), s, pattern)


@scalar("startswith", ["string", "string"], BooleanType())
def startswith(s: Any, prefix: Any) -> Any:
    return _pattern_test(s, prefix, pc.starts_with, str.startswith)


@scalar("endswith", ["string", "string"], BooleanType())
def endswith(s: Any, suffix: Any) -> Any:
    return _pattern_test(s, suffix, pc.ends_with, str.endswith)


@scalar("contains", ["string", "string"], BooleanType())
def contains(s: Any, sub: Any) -> Any:
    return _pattern_test(s, sub, pc.match_substring, lambda t, p: p in t)


@scalar("ascii", ["string"], IntegerType())
def ascii_code(s: Any) -> Any:
    return rowwise(lambda t: ord(t[0]) if t else 0, pa.int32(), s)


@scalar("translate", ["string", "string", "string"], StringType())
def translate(s: Any, source: Any, target: Any) -> Any:
    def run(text: str, src: str, dst: str) -> str:
        table = {}
        for i, ch in enumerate(src):
            table.setdefault(ord(ch), dst[i] if i < len(dst) else None)
        return text.translate(table)
    return rowwise(run, pa.string(), s, source, target)


@scalar("btrim", ["string", "string"], StringType(), min_args=1)
def btrim(s: Any, chars: Any = None) -> Any:
    return pc.utf8_trim(s, " " if chars is None else _trim_chars(chars))


@scalar("substring_index", ["string", "string", "int"], StringType())
def substring_index(s: Any, delimiter: Any, count: Any) -> Any:
    def cut(text: str, sep: str, n: int) -> str:
        if not sep or n == 0:
            return ""
        parts = text.split(sep)
        return sep.join(parts[:n]) if n > 0 else sep.join(parts[n:])
    return rowwise(cut, pa.string(), s, delimiter, count)


@scalar("split_part", ["string", "string", "int"], StringType())
def split_part(s: Any, delimiter: Any, index: Any) -> Any:
    def pick(text: str, sep: str, i: int) -> str:
        parts = text.split(sep) if sep else [text]
        if i == 0:
            from minispark.errors import SparkRuntimeException

            raise SparkRuntimeException("INVALID_INDEX_OF_ZERO", "The index 0 is invalid.", {},
                                        "22003")
        position = i - 1 if i > 0 else len(parts) + i
        return parts[position] if 0 <= position < len(parts) else ""
    return rowwise(pick, pa.string(), s, delimiter, index)


@scalar("levenshtein", ["string", "string"], IntegerType())
def levenshtein(a: Any, b: Any) -> Any:
    return rowwise(edit_distance, pa.int32(), a, b)


@scalar("format_number", ["double", "int"], StringType())
def format_number(x: Any, digits: Any) -> Any:
    return rowwise(lambda v, d: f"{v:,.{d}f}" if d >= 0 else None, pa.string(), x, digits)


@scalar("format_string", ["string", "any"], StringType(), min_args=1, max_args=None,
        null_intolerant=False, aliases=("printf",))
def format_string(fmt: Any, *values: Any) -> Any:
    def render(pattern: str, *args: Any) -> str:
        converted = re.sub(r"%(\d+\$)?([-#+ 0,(]*\d*(?:\.\d+)?)([sdfxXoeEgGc%])",
                           lambda m: "%" + m.group(2).replace(",", "") + m.group(3), pattern)
        return converted % tuple("null" if a is None else a for a in args)
    return rowwise(render, pa.string(), fmt, *values, nulls=False)


def _string_predicate(name: str, test: Any) -> None:
    @scalar(name, ["string", "string"], BooleanType())
    def run(s: Any, pattern: Any) -> Any:
        return rowwise(test, pa.bool_(), s, pattern)


_string_predicate("like", lambda s, p: re.fullmatch(_like_regex(p), s, re.S) is not None)
_string_predicate("ilike", lambda s, p: re.fullmatch(_like_regex(p), s, re.S | re.I) is not None)
_string_predicate("rlike", lambda s, p: re.search(p, s) is not None)
_string_predicate("regexp", lambda s, p: re.search(p, s) is not None)
_string_predicate("regexp_like", lambda s, p: re.search(p, s) is not None)


def _like_regex(pattern: str) -> str:
    from minispark.sql.execution.evaluator import like_regex

    return like_regex(pattern)


@scalar("bit_length", ["string"], IntegerType())
def bit_length(s: Any) -> Any:
    return pc.multiply(pc.cast(pc.binary_length(s), pa.int32()), 8)


@scalar("chr", ["long"], StringType(), aliases=("char",))
def chr_(n: Any) -> Any:
    """The character of code ``n % 256`` (Spark's rule; negative codes give "")."""
    return rowwise(lambda v: "" if v < 0 else chr(v % 256), pa.string(), n)
