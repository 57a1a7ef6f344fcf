"""String, regex and encoding functions (``upper``, ``regexp_replace``, ``base64``...)."""
from __future__ import annotations

from typing import Any

from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import (
    _call, _call_values, _simple, _with_values, _math, exported,
)


def upper(col: Any) -> Column:
    """The string in upper case."""
    return _call("upper", col)


def lower(col: Any) -> Column:
    """The string in lower case."""
    return _call("lower", col)


def length(col: Any) -> Column:
    """The number of characters."""
    return _call("length", col)


def char_length(str: Any) -> Column:
    return _call("char_length", str)


def octet_length(col: Any) -> Column:
    return _call("octet_length", col)


def concat(*cols: Any) -> Column:
    """The strings joined (null if any is null)."""
    return _call("concat", *cols)


def concat_ws(sep: str, *cols: Any) -> Column:
    """The non-null strings joined with ``sep``."""
    return Column(E.UnresolvedFunction("concat_ws", [E.Literal.of(sep)]
                                       + [_column_arg(c) for c in cols]))


def substring(str: Any, pos: Any, len: Any) -> Column:
    """``len`` characters from 1-based position ``pos``."""
    return _call_values("substring", str, pos, len)


def substr(str: Any, pos: Any, len: Any = None) -> Column:
    if len is None:
        return _call_values("substr", str, pos)
    return _call_values("substr", str, pos, len)


def trim(col: Any, trim: Any = None) -> Column:
    """Without leading and trailing spaces."""
    return _call("trim", col) if trim is None else _call_values("trim", col, trim)


def ltrim(col: Any, trim: Any = None) -> Column:
    return _call("ltrim", col) if trim is None else _call_values("ltrim", col, trim)


def rtrim(col: Any, trim: Any = None) -> Column:
    return _call("rtrim", col) if trim is None else _call_values("rtrim", col, trim)


def lpad(col: Any, len: int, pad: str) -> Column:
    """Left-padded (or cut) to ``len`` characters."""
    return _call_values("lpad", col, len, pad)


def rpad(col: Any, len: int, pad: str) -> Column:
    """Right-padded (or cut) to ``len`` characters."""
    return _call_values("rpad", col, len, pad)


def reverse(col: Any) -> Column:
    return _call("reverse", col)


def repeat(col: Any, n: Any) -> Column:
    return _call_values("repeat", col, n)


def initcap(col: Any) -> Column:
    """Each word capitalised."""
    return _call("initcap", col)


def instr(str: Any, substr: str) -> Column:
    """The 1-based position of ``substr`` (0 if absent)."""
    return _call_values("instr", str, substr)


def locate(substr: str, str: Any, pos: int = 1) -> Column:
    return Column(E.UnresolvedFunction("locate", [_expr(substr), _column_arg(str), _expr(pos)]))


def regexp_replace(string: Any, pattern: Any, replacement: Any) -> Column:
    """Every match of ``pattern`` replaced (``$1`` refers to a group)."""
    return _call_values("regexp_replace", string, pattern, replacement)


def regexp_extract(str: Any, pattern: str, idx: int) -> Column:
    """Group ``idx`` of the first match ('' if none)."""
    return _call_values("regexp_extract", str, pattern, idx)


def split(str: Any, pattern: str, limit: int = -1) -> Column:
    """The string cut at each match of ``pattern``, as an array."""
    return _call_values("split", str, pattern, limit)


def translate(srcCol: Any, matching: str, replace: str) -> Column:
    return _call_values("translate", srcCol, matching, replace)


def ascii(col: Any) -> Column:
    return _call("ascii", col)


def left(str: Any, len: Any) -> Column:
    return _call("left", str, len)


def right(str: Any, len: Any) -> Column:
    return _call("right", str, len)


startswith = _simple("startswith", 2, "Whether the string starts with the other.")


endswith = _simple("endswith", 2, "Whether the string ends with the other.")


contains = _simple("contains", 2, "Whether the string contains the other.")


like = _simple("like", 2, "SQL LIKE with a pattern column.")


ilike = _simple("ilike", 2, "Case-insensitive LIKE with a pattern column.")


rlike = _simple("rlike", 2, "Whether the regular expression (a column) matches.")


regexp_like = _simple("regexp_like", 2, "Whether the regular expression (a column) matches.")


replace = _with_values("replace", "Every occurrence of a search string replaced.")


btrim = _with_values("btrim", "Without leading and trailing characters (spaces by default).")


substring_index = _with_values("substring_index", "The text before the count-th delimiter.")


split_part = _simple("split_part", 3, "The index-th part of the string split at a delimiter.")


levenshtein = _simple("levenshtein", 2, "The edit distance of two strings.")


format_number = _with_values("format_number", "The number with grouping commas and d "
                             "decimals.")


format_string = _with_values("format_string", "printf-style formatting.")


printf = format_string


hex = _simple("hex", 1, "Hexadecimal text of a number, string or binary.")


unhex = _simple("unhex", 1, "Binary from hexadecimal text.")


base64 = _simple("base64", 1, "Base64 text of binary.")


unbase64 = _simple("unbase64", 1, "Binary from base64 text.")


md5 = _simple("md5", 1, "The MD5 digest as hex.")


sha1 = _simple("sha1", 1, "The SHA-1 digest as hex.")


sha2 = _with_values("sha2", "The SHA-2 digest (224, 256, 384, 512 bits) as hex.")


crc32 = _simple("crc32", 1, "The CRC-32 checksum.")


lcase = _math("lcase", "The string in lower case.")


ucase = _math("ucase", "The string in upper case.")


character_length = _math("character_length", "The number of characters.")


sha = _math("sha", "The SHA-1 digest as hex.")


bit_length = _math("bit_length", "The length of the string in bits (UTF-8).")


chr = _math("chr", "The character of the code point (modulo 256).")


char = _math("char", "The character of the code point (modulo 256).")


__all__ = exported(globals(), __name__)
