"""String functions: upper, lower, length, concat, substring, trim, pad, replace, split..."""
from __future__ import annotations

import functools
import math
import os
import re
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.builtins.registry import implicit_cast, scalar
from minispark.sql.builtins.spark_random import XORShiftRandom
from minispark.sql.builtins.support import levenshtein as edit_distance
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.plan.expressions import Expression
from minispark.sql.plan.typecoercion import common_type
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, DataType, DoubleType, IntegerType, NullType, StringType,
)

_INT_MAX = (1 << 31) - 1


def _full_arity(count: int, default: str) -> Callable[[str, list[str], tuple], str]:
    """Render a call with its optional last argument spelled out, as Spark names it."""
    def render(display: str, args: list[str], options: tuple) -> str:
        return f"{display}({', '.join(args if len(args) == count else args + [default])})"
    return render


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


def _family_args(call: str) -> Callable[[list[Expression]], list[Expression]]:
    """Arguments kept as arrays or binary when all are (Spark's ``concat``); else strings."""
    def coerce(args: list[Expression]) -> list[Expression]:
        types = [a.data_type for a in args]
        sql = f"{call}({', '.join(a.sql() for a in args)})"
        if args and all(isinstance(t, (ArrayType, NullType)) for t in types):
            target = common_type(types)
            if target is not None:
                return [implicit_cast(a, "same", i, sql, target) for i, a in enumerate(args)]
        if args and all(isinstance(t, BinaryType) for t in types):
            return args
        return [implicit_cast(a, "string", i, sql) for i, a in enumerate(args)]
    return coerce


def _family_type(arg_types: list[DataType], options: tuple) -> DataType:
    return arg_types[0] if arg_types else StringType()


@scalar("concat", ["any"], _family_type, min_args=0, max_args=None,
        coerce_args=_family_args("concat"))
def concat(*parts: Any) -> Any:
    """The strings, binaries or arrays joined end to end."""
    if not parts:
        return pa.scalar("", pa.string())
    if pa.types.is_list(parts[0].type) or pa.types.is_large_list(parts[0].type):
        return rowwise(lambda *lists: [x for one in lists for x in one], parts[0].type, *parts)
    joiner = b"" if pa.types.is_binary(parts[0].type) else ""
    return pc.binary_join_element_wise(*parts, joiner)


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


_TRIMS = {"trim": (pc.utf8_trim, str.strip, "BOTH"),
          "ltrim": (pc.utf8_ltrim, str.lstrip, "LEADING"),
          "rtrim": (pc.utf8_rtrim, str.rstrip, "TRAILING"),
          "btrim": (pc.utf8_trim, str.strip, None)}


def _trimmer(name: str) -> None:
    """Register ``name``: strip spaces, or any of the characters of its second argument."""
    kernel, python, side = _TRIMS[name]

    def render(display: str, args: list[str], options: tuple) -> str:
        if len(args) == 2 and side is not None:
            return f"TRIM({side} {args[1]} FROM {args[0]})"
        return f"{display}({', '.join(args)})"

    @scalar(name, ["string", "string"], StringType(), min_args=1, render_call=render)
    def run(s: Any, chars: Any = None) -> Any:
        value = " " if chars is None else literal(chars)
        if value is Ellipsis:
            return rowwise(python, pa.string(), s, chars)
        if value is None:
            return _nulls_like(s, pa.string())
        return kernel(s, value) if value else s


for _name in _TRIMS:
    _trimmer(_name)


def _nulls_like(value: Any, out_type: pa.DataType) -> Any:
    if isinstance(value, pa.Scalar):
        return pa.scalar(None, out_type)
    return pa.nulls(len(value), out_type)


def _pad(text: str, width: int, fill: str, left_side: bool) -> str:
    if width <= len(text):
        return text[:max(width, 0)]
    if not fill:
        return text
    padding = (fill * width)[:width - len(text)]
    return padding + text if left_side else text + padding


@scalar("lpad", ["string", "int", "string"], StringType(), min_args=2,
        render_call=_full_arity(3, " "))
def lpad(s: Any, width: Any, fill: Any = None) -> Any:
    fill = pa.scalar(" ") if fill is None else fill
    return rowwise(lambda t, w, f: _pad(t, w, f, True), pa.string(), s, width, fill)


@scalar("rpad", ["string", "int", "string"], StringType(), min_args=2,
        render_call=_full_arity(3, " "))
def rpad(s: Any, width: Any, fill: Any = None) -> Any:
    fill = pa.scalar(" ") if fill is None else fill
    return rowwise(lambda t, w, f: _pad(t, w, f, False), pa.string(), s, width, fill)


@scalar("reverse", ["any"], _family_type, coerce_args=_family_args("reverse"))
def reverse(s: Any) -> Any:
    """The string, binary or array backwards."""
    if pa.types.is_string(s.type):
        return pc.utf8_reverse(s)
    return rowwise(lambda v: v[::-1], s.type, s)


@scalar("repeat", ["string", "int"], StringType())
def repeat(s: Any, n: Any) -> Any:
    return rowwise(lambda t, k: t * max(k, 0), pa.string(), s, n)


@scalar("replace", ["string", "string", "string"], StringType(), min_args=2)
def replace(s: Any, search: Any, replacement: Any = None) -> Any:
    rep = pa.scalar("") if replacement is None else replacement
    return rowwise(lambda t, a, b: t.replace(a, b) if a else t, pa.string(), s, search, rep)


# Java regex spellings Python's ``re`` writes differently: named groups, and POSIX classes
# (written outside a character class, the common case).
_JAVA_SYNTAX = [(re.compile(r"\(\?<(?=[A-Za-z])"), "(?P<"),
                (re.compile(r"\\k<(\w+)>"), r"(?P=\1)")] + [
    (re.compile(r"\\p\{" + name + r"\}"), cls) for name, cls in (
        ("Lower", "[a-z]"), ("Upper", "[A-Z]"), ("Alpha", "[a-zA-Z]"), ("Digit", "[0-9]"),
        ("Alnum", "[a-zA-Z0-9]"), ("Space", r"\\s"), ("Punct", r"[!-/:-@\\[-`{-~]"),
        ("XDigit", "[0-9a-fA-F]"), ("L", r"[^\\W\\d_]"), ("IsAlphabetic", r"[^\\W\\d_]"))]


@functools.lru_cache(maxsize=256)
def java_regex(pattern: str) -> re.Pattern:
    """``pattern`` (Java syntax) compiled by Python; a bad one raises Spark's error."""
    python = pattern
    for syntax, spelling in _JAVA_SYNTAX:
        python = syntax.sub(spelling, python)
    try:
        return re.compile(python)
    except re.error as error:
        from minispark.errors import SparkRuntimeException

        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE.PATTERN", f"The value of parameter(s) `regexp` is "
            f"invalid: '{pattern}' ({error}).", {"parameter": "`regexp`", "value": pattern},
            "22023") from None


def _java_replacement(template: str) -> str:
    """Java's ``$1`` group references as Python's ``\\g<1>``."""
    return re.sub(r"\$(\d+)", r"\\g<\1>", template.replace("\\", "\\\\"))


@scalar("regexp_replace", ["string", "string", "string", "int"], StringType(), min_args=3,
        render_call=_full_arity(4, "1"))
def regexp_replace(s: Any, pattern: Any, replacement: Any, position: Any = None) -> Any:
    """Every match from ``position`` on replaced (Java's ``$n`` group references)."""
    def run(text: str, regex: str, template: str, start: int) -> str:
        if start < 1:
            raise _invalid_parameter("regexp_replace", "position", start)
        head, tail = text[:start - 1], text[start - 1:]
        return head + java_regex(regex).sub(_java_replacement(template), tail)
    position = pa.scalar(1, pa.int32()) if position is None else position
    return rowwise(run, pa.string(), s, pattern, replacement, position)


def _invalid_parameter(function: str, parameter: str, value: Any) -> Exception:
    from minispark.errors import SparkRuntimeException

    return SparkRuntimeException(
        "INVALID_PARAMETER_VALUE.REGEX_POSITION" if parameter == "position" else
        "INVALID_PARAMETER_VALUE", f"The value of parameter(s) `{parameter}` in `{function}` "
        f"is invalid: {value}.", {"parameter": f"`{parameter}`", "functionName": f"`{function}`"},
        "22023")


@scalar("regexp_extract", ["string", "string", "int"], StringType(), min_args=2,
        render_call=_full_arity(3, "1"))
def regexp_extract(s: Any, pattern: Any, index: Any = None) -> Any:
    index = pa.scalar(1, pa.int32()) if index is None else index

    def extract(text: str, regex: str, group: int) -> str:
        match = java_regex(regex).search(text)
        return "" if match is None or match.group(group) is None else match.group(group)
    return rowwise(extract, pa.string(), s, pattern, index)


@scalar("split", ["string", "string", "int"], ArrayType(StringType()), min_args=2,
        render_call=_full_arity(3, "-1"))
def split(s: Any, pattern: Any, limit: Any = None) -> Any:
    """The string cut at each regex match into at most ``limit`` parts (all if <= 0)."""
    limit = pa.scalar(-1, pa.int32()) if limit is None else limit

    def cut(text: str, regex: str, most: int) -> list[str]:
        # Spark keeps trailing empty strings whatever the limit (Java's split with limit -1).
        if not text:
            return [""]
        return _split_spans(text, java_regex(regex), max(most, 0))
    return rowwise(cut, pa.list_(pa.string()), s, pattern, limit)


def _split_spans(text: str, regex: re.Pattern, most: int) -> list[str]:
    """Java's ``String.split``: no empty first part from a zero-width match at the start."""
    parts, start = [], 0
    for match in regex.finditer(text):
        if most and len(parts) == most - 1:
            break
        if match.end() == 0:
            continue
        if match.start() == match.end() and match.start() >= len(text):
            break
        parts.append(text[start:match.start()])
        start = match.end()
    parts.append(text[start:])
    return parts


@scalar("initcap", ["string"], StringType())
def initcap(s: Any) -> Any:
    return rowwise(lambda t: " ".join(w[:1].upper() + w[1:].lower() for w in t.split(" ")),
                   pa.string(), s)


def _nth_position(text: str, sub: str, start: int, occurrence: int) -> int:
    """1-based position of the ``occurrence``-th ``sub`` from ``start`` (negative: backwards)."""
    if start == 0 or occurrence < 1:
        return 0
    if start > 0:
        at = start - 2
        for _ in range(occurrence):
            at = text.find(sub, at + 1)
            if at < 0:
                return 0
        return at + 1
    at = len(text) + start + 1  # a match may begin at the start position or before it
    for _ in range(occurrence):
        at = text.rfind(sub, 0, max(at - 1 + len(sub), 0))
        if at < 0:
            return 0
    return at + 1


def _render_instr(display: str, args: list[str], options: tuple) -> str:
    return f"{display}({', '.join(args + ['1'] if len(args) == 3 else args)})"


@scalar("instr", ["string", "string", "int", "int"], IntegerType(), min_args=2,
        render_call=_render_instr)
def instr(s: Any, sub: Any, start: Any = None, occurrence: Any = None) -> Any:
    """1-based position of the ``occurrence``-th ``sub`` from ``start`` (0 if absent)."""
    if start is None:
        return rowwise(lambda t, u: t.find(u) + 1, pa.int32(), s, sub)
    occurrence = pa.scalar(1, pa.int32()) if occurrence is None else occurrence
    return rowwise(_nth_position, pa.int32(), s, sub, start, occurrence)


@scalar("locate", ["string", "string", "int"], IntegerType(), min_args=2,
        render_call=_full_arity(3, "1"))
def locate(sub: Any, s: Any, pos: Any = None) -> Any:
    pos = pa.scalar(1, pa.int32()) if pos is None else pos
    return rowwise(lambda u, t, p: 0 if p < 1 else t.find(u, p - 1) + 1, pa.int32(), sub, s, pos)


scalar("position", ["string", "string", "int"], IntegerType(), min_args=2,
       render_call=_full_arity(3, "1"))(locate)


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


@scalar("levenshtein", ["string", "string", "int"], IntegerType(), min_args=2)
def levenshtein(a: Any, b: Any, threshold: Any = None) -> Any:
    """The edit distance, or -1 when it exceeds ``threshold``."""
    if threshold is None:
        return rowwise(edit_distance, pa.int32(), a, b)

    def bounded(x: str, y: str, most: int) -> int:
        distance = edit_distance(x, y)
        return -1 if distance > most else distance
    return rowwise(bounded, pa.int32(), a, b, threshold)


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


def _regex_predicate(name: str) -> None:
    """``rlike`` and its synonyms, each named in capitals as Spark shows them."""
    @scalar(name, ["string", "string"], BooleanType(), pretty=name.upper())
    def run(s: Any, pattern: Any) -> Any:
        value = literal(pattern)
        if isinstance(value, str):
            try:
                return pc.match_substring_regex(s, value)
            except pa.ArrowInvalid:
                pass  # Arrow's RE2 lacks look-arounds and back-references; Python's re has them
        return rowwise(lambda t, p: java_regex(p).search(t) is not None, pa.bool_(), s,
                       pattern)


for _name in ("rlike", "regexp", "regexp_like"):
    _regex_predicate(_name)


def _like_predicate(name: str, flags: int) -> None:
    @scalar(name, ["string", "string", "string"], BooleanType(), min_args=2)
    def run(s: Any, pattern: Any, escape: Any = None) -> Any:
        def test(text: str, like: str, esc: str) -> bool:
            return re.fullmatch(_like_regex(like, esc), text, flags) is not None
        escape = pa.scalar("\\") if escape is None else escape
        return rowwise(test, pa.bool_(), s, pattern, escape)


_like_predicate("like", re.S)
_like_predicate("ilike", re.S | re.I)


def _like_regex(pattern: str, escape: str) -> str:
    from minispark.sql.execution.evaluator import like_regex

    return like_regex(pattern, escape)


@scalar("bit_length", ["string"], IntegerType())
def bit_length(s: Any) -> Any:
    return pc.multiply(pc.cast(pc.binary_length(s), pa.int32()), 8)


@scalar("chr", ["long"], StringType(), aliases=("char",))
def chr_(n: Any) -> Any:
    """The character of code ``n % 256`` (Spark's rule; negative codes give "")."""
    return rowwise(lambda v: "" if v < 0 else chr(v % 256), pa.string(), n)


# ---- regular expressions beyond match/replace ------------------------------------------------


def _regex_function(name: str, result: DataType, out_type: pa.DataType,
                    find: Callable[[str, re.Pattern, int], Any], group_default: str | None,
                    **extra: Any) -> None:
    """Register ``name(str, regexp[, idx])``: ``find(text, compiled, idx)`` per row."""
    inputs = ["string", "string"] + (["int"] if group_default is not None else [])
    render = _full_arity(3, group_default) if group_default is not None else None

    @scalar(name, inputs, result, render_call=render, min_args=2, **extra)
    def run(s: Any, pattern: Any, group: Any = None) -> Any:
        if group is None:
            group = pa.scalar(int(group_default or 0), pa.int32())
        return rowwise(lambda t, p, i: find(t, java_regex(p), i), out_type, s, pattern, group)


def _checked_group(regex: re.Pattern, index: int, function: str) -> int:
    if not 0 <= index <= regex.groups:
        from minispark.errors import SparkRuntimeException

        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX",
            f"The value of parameter(s) `idx` in `{function}` is invalid: Expects group index "
            f"between 0 and {regex.groups}, but got {index}.",
            {"parameter": "`idx`", "functionName": f"`{function}`"}, "22023")
    return index


def _count_matches(text: str, regex: re.Pattern, group: int) -> int:
    return sum(1 for _ in regex.finditer(text))


def _first_match(text: str, regex: re.Pattern, group: int) -> str | None:
    match = regex.search(text)
    return match.group(0) if match else None


def _all_groups(text: str, regex: re.Pattern, group: int) -> list[str]:
    index = _checked_group(regex, group, "regexp_extract_all")
    return [match.group(index) or "" for match in regex.finditer(text)]


def _match_position(text: str, regex: re.Pattern, group: int) -> int:
    # Spark checks the group index but reports where the whole match starts.
    _checked_group(regex, group, "regexp_instr")
    match = regex.search(text)
    return match.start() + 1 if match else 0


_regex_function("regexp_count", IntegerType(), pa.int32(), _count_matches, None)
_regex_function("regexp_substr", StringType(), pa.string(), _first_match, None,
                always_nullable=True)
_regex_function("regexp_extract_all", ArrayType(StringType()), pa.list_(pa.string()),
                _all_groups, "1")
_regex_function("regexp_instr", IntegerType(), pa.int32(), _match_position, "0")


# ---- word and character games ---------------------------------------------------------------


def _overlay_value(text: str, insert: str, pos: int, count: int) -> str:
    """``text`` with ``count`` characters from 1-based ``pos`` replaced by ``insert``."""
    count = len(insert) if count < 0 else count
    start = max(pos - 1, 0)
    return text[:start] + insert + text[start + count:]


@scalar("overlay", ["string", "string", "int", "int"], StringType(), min_args=3,
        render_call=_full_arity(4, "-1"))
def overlay(s: Any, insert: Any, pos: Any, count: Any = None) -> Any:
    """``count`` characters from ``pos`` replaced by ``insert`` (default: its length)."""
    count = pa.scalar(-1, pa.int32()) if count is None else count
    return rowwise(_overlay_value, pa.string(), s, insert, pos, count)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+(?:'\w+)*")


@scalar("sentences", ["string", "string", "string"], ArrayType(ArrayType(StringType())),
        min_args=1, null_intolerant=False, render_call=_full_arity(3, ""))
def sentences(s: Any, language: Any = None, country: Any = None) -> Any:
    """Sentences of words: punctuation dropped, sentences cut after ``.``, ``!`` or ``?``."""
    def cut(text: str | None) -> list[list[str]] | None:
        if text is None:
            return None
        words = [_WORD.findall(part) for part in _SENTENCE_END.split(text)]
        return [w for w in words if w]
    return rowwise(cut, pa.list_(pa.list_(pa.string())), s, nulls=False)


def _jaro_winkler(a: str, b: str) -> float:
    """Jaro similarity with Winkler's bonus for a common prefix (up to 4, weight 0.1)."""
    if not a and not b:
        return 1.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    used = [False] * len(b)
    matched_a = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not used[j] and b[j] == ch:
                used[j] = True
                matched_a.append(ch)
                break
    if not matched_a:
        return 0.0
    matched_b = [ch for ch, hit in zip(b, used) if hit]
    half_swaps = sum(x != y for x, y in zip(matched_a, matched_b)) / 2
    m = len(matched_a)
    jaro = (m / len(a) + m / len(b) + (m - half_swaps) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


@scalar("jaro_winkler_similarity", ["string", "string"], DoubleType())
def jaro_winkler_similarity(a: Any, b: Any) -> Any:
    """The Jaro-Winkler similarity of two strings, from 0 to 1."""
    return rowwise(_jaro_winkler, pa.float64(), a, b)


_SOUNDEX_CODES = {ch: str(code) for code, letters in enumerate(
    ["AEIOUY", "BFPV", "CGJKQSXZ", "DT", "L", "MN", "R"]) for ch in letters}


def _soundex(text: str) -> str:
    """American Soundex; a value not starting with a letter is returned unchanged."""
    if not text or not ("A" <= text[0].upper() <= "Z"):
        return text
    word = text.upper()
    out, last = [word[0]], _SOUNDEX_CODES.get(word[0], "")
    for ch in word[1:]:
        if ch in "HW":
            continue  # H and W do not separate letters of one code
        code = _SOUNDEX_CODES.get(ch, "")
        if code and code != "0" and code != last:
            out.append(code)
        last = code
        if len(out) == 4:
            break
    return "".join(out).ljust(4, "0")


@scalar("soundex", ["string"], StringType())
def soundex(s: Any) -> Any:
    """The four-character American Soundex code."""
    return rowwise(_soundex, pa.string(), s)


@scalar("elt", ["int", "string"], StringType(), min_args=2, max_args=None,
        null_intolerant=False, always_nullable=True)
def elt(index: Any, *values: Any) -> Any:
    """The ``index``-th (1-based) of the other arguments."""
    def pick(i: int | None, *texts: str | None) -> str | None:
        if i is None:
            return None
        if not 1 <= i <= len(texts):
            from minispark.errors import ArrayIndexOutOfBoundsException

            raise ArrayIndexOutOfBoundsException(
                "INVALID_ARRAY_INDEX", f"The index {i} is out of bounds. The array has "
                f"{len(texts)} elements. Use the SQL function `get()` to tolerate accessing "
                "element at invalid index and return NULL instead.",
                {"indexValue": str(i), "arraySize": str(len(texts))}, "22003")
        return texts[i - 1]
    return rowwise(pick, pa.string(), index, *values, nulls=False)


@scalar("find_in_set", ["string", "string"], IntegerType())
def find_in_set(s: Any, items: Any) -> Any:
    """1-based position of ``s`` in the comma-separated ``items`` (0 if absent)."""
    def find(text: str, listing: str) -> int:
        if "," in text:
            return 0
        parts = listing.split(",")
        return parts.index(text) + 1 if text in parts else 0
    return rowwise(find, pa.int32(), s, items)


_MASK_CLASSES = (str.isupper, str.islower, str.isdigit)


def _mask_value(text: str | None, *replacements: str | None) -> str | None:
    if text is None:
        return None

    def swap(ch: str) -> str:
        for test, rep in zip(_MASK_CLASSES, replacements):
            if test(ch):
                return ch if rep is None else rep
        return ch if replacements[3] is None else replacements[3]
    return "".join(swap(ch) for ch in text)


@scalar("mask", ["string", "string", "string", "string", "string"], StringType(), min_args=1,
        null_intolerant=False)
def mask(s: Any, upper: Any = None, lower: Any = None, digit: Any = None,
         other: Any = None) -> Any:
    """Upper-case letters as X, lower-case as x, digits as n (others kept) by default."""
    defaults = ("X", "x", "n", None)
    given = [pa.scalar(d, pa.string()) if v is None else v
             for v, d in zip((upper, lower, digit, other), defaults)]
    return rowwise(_mask_value, pa.string(), s, *given, nulls=False)


@scalar("quote", ["string"], StringType())
def quote(s: Any) -> Any:
    """The string in single quotes, with its quotes escaped by backslashes."""
    return rowwise(lambda t: "'" + t.replace("'", "\\'") + "'", pa.string(), s)


@scalar("collation", ["string"], StringType(), never_null=True, null_intolerant=False)
def collation(s: Any) -> Any:
    """The fully qualified collation of a string value (always Spark's binary UTF-8)."""
    name = pa.scalar("SYSTEM.BUILTIN.UTF8_BINARY", pa.string())
    return name if isinstance(s, pa.Scalar) else pa.repeat(name, len(s))


# ---- randstr: Spark's XORShiftRandom, seeded per partition -----------------------------------

_RANDSTR_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RANDSTR_STATES: dict[int, Any] = {}


def _random_text(rng: XORShiftRandom, length: int) -> str:
    # Java's remainder keeps the dividend's sign; Spark takes its absolute value.
    return "".join(_RANDSTR_CHARS[abs(int(math.fmod(rng.next_int(), 62)))]
                   for _ in range(length))


def _render_randstr(display: str, args: list[str], options: tuple) -> str:
    return f"{display}({', '.join(args[:2])})"


def _randstr_args(args: list[Expression]) -> list[Expression]:
    """Length, a constant seed (random when not given) and a per-row column for the row count.

    A kernel sees only its arguments; the row ids make it see one value per row even when
    the length is a constant.
    """
    from minispark.sql.plan.expressions import Literal, MonotonicallyIncreasingID

    if len(args) < 2:
        args = args + [Literal.of(int.from_bytes(os.urandom(8), "big", signed=True))]
    seed = args[1]
    if not isinstance(seed, Literal) or not isinstance(seed.value, int):
        from minispark.sql.builtins.registry import data_type_mismatch

        raise data_type_mismatch("randstr", "NON_FOLDABLE_INPUT",
                                 "the input `seed` should be a foldable integer expression.")
    length = implicit_cast(args[0], "int", 0, "randstr")
    return [length, seed, MonotonicallyIncreasingID()]


@scalar("randstr", ["int", "long"], StringType(), min_args=1, deterministic=False,
        never_null=True, null_intolerant=False, coerce_args=_randstr_args,
        render_call=_render_randstr)
def randstr(length: Any, seed: Any, row_ids: Any) -> Any:
    """Random strings of ``length`` letters and digits; one generator per partition."""
    from minispark.sql.execution.evaluator import _TaskState

    start = seed.as_py()
    state = _RANDSTR_STATES.setdefault(start, _TaskState(lambda part: XORShiftRandom(start + part)))
    rng = state.get()
    rows = len(row_ids)
    sizes = [length.as_py()] * rows if isinstance(length, pa.Scalar) else length.to_pylist()
    return pa.array([_random_text(rng, size or 0) for size in sizes], pa.string())
