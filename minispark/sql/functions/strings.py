"""String, regex and encoding functions (``upper``, ``regexp_replace``, ``base64``...)."""
from __future__ import annotations

from typing import Any

from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import (
    _call, _call_values, _numeric_arg, _simple, _with_values, _math, exported,
)


def _invoke(name: str, *args: E.Expression | None) -> Column:
    """A call of ``name`` on argument expressions, leaving out trailing ``None`` ones."""
    given = list(args)
    while given and given[-1] is None:
        given.pop()
    return Column(E.UnresolvedFunction(name, given))


def _optional(value: Any, convert: Any = _column_arg) -> E.Expression | None:
    return None if value is None else convert(value)


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
    """``len`` characters from 1-based position ``pos`` (ints, or columns/names)."""
    return _invoke("substring", _column_arg(str), _numeric_arg(pos), _numeric_arg(len))


def substr(str: Any, pos: Any, len: Any = None) -> Column:
    """``len`` characters (default: the rest) from 1-based position ``pos``."""
    return _invoke("substr", _column_arg(str), _column_arg(pos), _optional(len))


def trim(col: Any, trim: Any = None) -> Column:
    """Without leading and trailing spaces (or the characters of ``trim``)."""
    return _invoke("trim", _column_arg(col), _optional(trim))


def ltrim(col: Any, trim: Any = None) -> Column:
    """Without leading spaces (or the characters of ``trim``)."""
    return _invoke("ltrim", _column_arg(col), _optional(trim))


def rtrim(col: Any, trim: Any = None) -> Column:
    """Without trailing spaces (or the characters of ``trim``)."""
    return _invoke("rtrim", _column_arg(col), _optional(trim))


def lpad(col: Any, len: int, pad: str) -> Column:
    """Left-padded (or cut) to ``len`` characters."""
    return _call_values("lpad", col, len, pad)


def rpad(col: Any, len: int, pad: str) -> Column:
    """Right-padded (or cut) to ``len`` characters."""
    return _call_values("rpad", col, len, pad)


def reverse(col: Any) -> Column:
    return _call("reverse", col)


def repeat(col: Any, n: Any) -> Column:
    """The string repeated ``n`` times (an int, or a column/name)."""
    return _invoke("repeat", _column_arg(col), _numeric_arg(n))


def initcap(col: Any) -> Column:
    """Each word capitalised."""
    return _call("initcap", col)


def instr(str: Any, substr: Any, start: Any = None, occurrence: Any = None) -> Column:
    """The 1-based position of the ``occurrence``-th ``substr`` from ``start`` (0 if absent)."""
    if occurrence is not None and start is None:
        start = 1
    return _invoke("instr", _column_arg(str), _expr(substr), _optional(start, _expr),
                   _optional(occurrence, _expr))


def locate(substr: str, str: Any, pos: int = 1) -> Column:
    return Column(E.UnresolvedFunction("locate", [_expr(substr), _column_arg(str), _expr(pos)]))


def regexp_replace(string: Any, pattern: Any, replacement: Any,
                   position: Any = None) -> Column:
    """Every match of ``pattern`` from ``position`` on replaced (``$1`` refers to a group)."""
    return _invoke("regexp_replace", _column_arg(string), _expr(pattern), _expr(replacement),
                   _optional(position, _expr))


def regexp_extract(str: Any, pattern: str, idx: int) -> Column:
    """Group ``idx`` of the first match ('' if none)."""
    return _call_values("regexp_extract", str, pattern, idx)


def split(str: Any, pattern: Any, limit: Any = -1) -> Column:
    """The string cut at each match of ``pattern``, as an array (at most ``limit`` parts)."""
    return _invoke("split", _column_arg(str), _expr(pattern), _numeric_arg(limit))


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


def like(str: Any, pattern: Any, escapeChar: Any = None) -> Column:
    """SQL LIKE with a pattern column (``escapeChar`` defaults to a backslash)."""
    return _invoke("like", _column_arg(str), _column_arg(pattern), _optional(escapeChar, _expr))


def ilike(str: Any, pattern: Any, escapeChar: Any = None) -> Column:
    """Case-insensitive LIKE with a pattern column."""
    return _invoke("ilike", _column_arg(str), _column_arg(pattern),
                   _optional(escapeChar, _expr))


rlike = _simple("rlike", 2, "Whether the regular expression (a column) matches.")


regexp_like = _simple("regexp_like", 2, "Whether the regular expression (a column) matches.")


def replace(src: Any, search: Any, replace: Any = None) -> Column:
    """Every occurrence of ``search`` replaced (removed when ``replace`` is not given)."""
    return _invoke("replace", _column_arg(src), _column_arg(search), _optional(replace))


def btrim(str: Any, trim: Any = None) -> Column:
    """Without leading and trailing characters of ``trim`` (spaces by default)."""
    return _invoke("btrim", _column_arg(str), _optional(trim))


substring_index = _with_values("substring_index", "The text before the count-th delimiter.")


split_part = _simple("split_part", 3, "The index-th part of the string split at a delimiter.")


def levenshtein(left: Any, right: Any, threshold: int | None = None) -> Column:
    """The edit distance of two strings (-1 when it exceeds ``threshold``)."""
    return _invoke("levenshtein", _column_arg(left), _column_arg(right),
                   _optional(threshold, _expr))


format_number = _with_values("format_number", "The number with grouping commas and d "
                             "decimals.")


def format_string(format: str, *cols: Any) -> Column:
    """printf-style formatting of the columns with a literal format."""
    return _invoke("format_string", E.Literal.of(format), *[_column_arg(c) for c in cols])


def printf(format: Any, *cols: Any) -> Column:
    """printf-style formatting; the format is a column too."""
    return _call("printf", format, *cols)


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


def regexp(str: Any, regexp: Any) -> Column:
    """Whether the regular expression (a column or name) matches."""
    return _call("regexp", str, regexp)


def regexp_count(str: Any, regexp: Any) -> Column:
    """How many times the regular expression matches."""
    return _call("regexp_count", str, regexp)


def regexp_substr(str: Any, regexp: Any) -> Column:
    """The first match of the regular expression (null if none)."""
    return _call("regexp_substr", str, regexp)


def regexp_extract_all(str: Any, regexp: Any, idx: Any = None) -> Column:
    """Group ``idx`` (default 1) of every match, as an array."""
    return _invoke("regexp_extract_all", _column_arg(str), _column_arg(regexp),
                   _expr(1 if idx is None else idx))


def regexp_instr(str: Any, regexp: Any, idx: Any = None) -> Column:
    """1-based position of the first match (of group ``idx``), 0 if none."""
    return _invoke("regexp_instr", _column_arg(str), _column_arg(regexp),
                   _expr(0 if idx is None else idx))


def overlay(src: Any, replace: Any, pos: Any, len: Any = -1) -> Column:
    """``src`` with ``len`` characters from ``pos`` replaced (default: as many as inserted)."""
    return _invoke("overlay", _column_arg(src), _column_arg(replace), _numeric_arg(pos),
                   _numeric_arg(len))


def sentences(string: Any, language: Any = None, country: Any = None) -> Column:
    """The text as an array of sentences, each an array of words."""
    blank = E.Literal.of("")
    return _invoke("sentences", _column_arg(string), _optional(language) or blank,
                   _optional(country) or blank)


jaro_winkler_similarity = _simple("jaro_winkler_similarity", 2,
                                  "The Jaro-Winkler similarity of two strings (0 to 1).")


soundex = _simple("soundex", 1, "The Soundex code of the string.")


def position(substr: Any, str: Any, start: Any = None) -> Column:
    """1-based position of ``substr`` in ``str`` from ``start`` (0 if absent)."""
    return _invoke("position", _column_arg(substr), _column_arg(str),
                   _optional(start) or E.Literal.of(1))


def elt(*inputs: Any) -> Column:
    """The n-th of the inputs, n being the first."""
    return _call("elt", *inputs)


find_in_set = _simple("find_in_set", 2, "1-based index of the string in a comma list.")


def mask(col: Any, upperChar: Any = None, lowerChar: Any = None, digitChar: Any = None,
         otherChar: Any = None) -> Column:
    """The string with letters and digits masked (X, x and n by default)."""
    chars = [_optional(c, _expr) for c in (upperChar, lowerChar, digitChar, otherChar)]
    defaults = ["X", "x", "n", None]
    args = [c if c is not None else E.Literal.of(d) for c, d in zip(chars, defaults)]
    return Column(E.UnresolvedFunction("mask", [_column_arg(col)] + args))


quote = _simple("quote", 1, "The string quoted for SQL, with quotes escaped.")


collation = _simple("collation", 1, "The collation name of a string column.")


def to_binary(col: Any, format: Any = None) -> Column:
    """The string as binary, read as ``format`` ('hex' by default, 'utf-8' or 'base64')."""
    return _invoke("to_binary", _column_arg(col), _optional(format))


def try_to_binary(col: Any, format: Any = None) -> Column:
    """``to_binary``, but null for malformed input."""
    return _invoke("try_to_binary", _column_arg(col), _optional(format))


to_base32 = _simple("to_base32", 1, "RFC 4648 base32 text of binary.")


from_base32 = _simple("from_base32", 1, "Binary from RFC 4648 base32 text.")


def encode(col: Any, charset: str) -> Column:
    """The string as bytes in ``charset`` ('UTF-8', 'US-ASCII', 'UTF-16'...)."""
    return _invoke("encode", _column_arg(col), _expr(charset))


def decode(col: Any, charset: str) -> Column:
    """The bytes read as text in ``charset``."""
    return _invoke("decode", _column_arg(col), _expr(charset))


is_valid_utf8 = _simple("is_valid_utf8", 1, "Whether the value is valid UTF-8.")


make_valid_utf8 = _simple("make_valid_utf8", 1, "Invalid UTF-8 sequences replaced by U+FFFD.")


validate_utf8 = _simple("validate_utf8", 1, "The value, or an error if not valid UTF-8.")


try_validate_utf8 = _simple("try_validate_utf8", 1, "The value, or null if not valid UTF-8.")


url_encode = _simple("url_encode", 1, "The string in application/x-www-form-urlencoded form.")


url_decode = _simple("url_decode", 1, "The string decoded from URL encoding.")


try_url_decode = _simple("try_url_decode", 1, "``url_decode``, but null for bad escapes.")


def parse_url(url: Any, partToExtract: Any, key: Any = None) -> Column:
    """A part of a URL: HOST, PATH, QUERY, REF, PROTOCOL, FILE, AUTHORITY or USERINFO."""
    return _invoke("parse_url", _column_arg(url), _column_arg(partToExtract), _optional(key))


def try_parse_url(url: Any, partToExtract: Any, key: Any = None) -> Column:
    """``parse_url``, but null for an invalid URL."""
    return _invoke("try_parse_url", _column_arg(url), _column_arg(partToExtract),
                   _optional(key))


def to_char(col: Any, format: Any) -> Column:
    """A number formatted by a Spark number format ('$99.99', '999,999', '0000'...)."""
    return _call("to_char", col, format)


def to_varchar(col: Any, format: Any) -> Column:
    """A number formatted by a Spark number format (``to_char``'s other name)."""
    return _call("to_varchar", col, format)


def to_number(col: Any, format: Any) -> Column:
    """The string read as a decimal by a Spark number format."""
    return _call("to_number", col, format)


def try_to_number(col: Any, format: Any) -> Column:
    """``to_number``, but null when the string does not match the format."""
    return _call("try_to_number", col, format)


def randstr(length: Any, seed: Any = None) -> Column:
    """Random strings of ``length`` letters and digits (``seed``: a constant)."""
    return _invoke("randstr", _expr(length), _optional(seed, _expr))


__all__ = exported(globals(), __name__)
