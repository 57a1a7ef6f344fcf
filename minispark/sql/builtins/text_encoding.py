"""Text encodings: charsets, binary formats, base32, UTF-8 validity and URL escapes.

Functions with a ``try_`` twin share one kernel factory: the plain one raises
Spark's error for malformed input, the ``try_`` one gives NULL instead.

>>> to_base32_kernel(pa.array([b"foobar"])).to_pylist()
['MZXW6YTBOI======']
"""
from __future__ import annotations

import base64 as b64
import binascii
import re
import urllib.parse
from typing import Any, Callable

import pyarrow as pa

from minispark.errors import AnalysisException, SparkRuntimeException
from minispark.sql.builtins.registry import implicit_cast, scalar
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.plan.expressions import Expression
from minispark.sql.types import BinaryType, BooleanType, StringType

# Java charset names Spark accepts, as Python codecs.  Java's "UTF-16" writes a big-endian
# byte-order mark and reads one if present; "UTF-32" is big-endian without a mark.
_CHARSETS = {"us-ascii": "ascii", "iso-8859-1": "latin-1", "utf-8": "utf-8",
             "utf-16be": "utf-16-be", "utf-16le": "utf-16-le", "utf-16": "utf-16",
             "utf-32": "utf-32-be"}


def _codec(charset: str, function: str) -> str:
    codec = _CHARSETS.get(charset.lower())
    if codec is None:
        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE.CHARSET",
            f"The value of parameter(s) `charset` in `{function}` is invalid: expects one of "
            "the charsets 'US-ASCII', 'ISO-8859-1', 'UTF-8', 'UTF-16BE', 'UTF-16LE', "
            f"'UTF-16', 'UTF-32', but got {charset}.",
            {"functionName": f"`{function}`", "parameter": "`charset`", "charset": charset},
            "22023")
    return codec


def _encode_text(text: str, charset: str) -> bytes:
    codec = _codec(charset, "encode")
    if codec == "utf-16":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(codec, "replace")


def _decode_bytes(data: bytes, charset: str) -> str:
    codec = _codec(charset, "decode")
    if codec == "utf-16" and not data.startswith((b"\xfe\xff", b"\xff\xfe")):
        codec = "utf-16-be"  # Java assumes big-endian without a byte-order mark
    return data.decode(codec, "replace")


@scalar("encode", ["string", "string"], BinaryType())
def encode(s: Any, charset: Any) -> Any:
    """The string as bytes in ``charset``."""
    return rowwise(_encode_text, pa.binary(), s, charset)


@scalar("decode", ["binary", "string"], StringType())
def decode(b: Any, charset: Any) -> Any:
    """The bytes read as text in ``charset``."""
    return rowwise(_decode_bytes, pa.string(), b, charset)


def _malformed(value: Any, target: str, try_name: str) -> SparkRuntimeException:
    return SparkRuntimeException(
        "CONVERSION_INVALID_INPUT",
        f"The value '{value}' (\"STRING\") cannot be converted to \"{target}\" because it is "
        f"malformed. Correct the value as per the syntax, or change its format. Use "
        f"'{try_name}' to tolerate malformed input and return NULL instead.",
        {"str": f"'{value}'", "fmt": "\"STRING\"", "targetType": f'"{target}"',
         "suggestion": f"`{try_name}`"}, "22018")


def _from_hex(text: str) -> bytes:
    if len(text) % 2:
        text = "0" + text  # Spark reads an odd digit count as if led by a zero
    return binascii.unhexlify(text)


_BINARY_FORMATS: dict[str, Callable[[str], bytes]] = {
    "hex": _from_hex,
    "utf-8": lambda text: text.encode("utf-8"),
    "utf8": lambda text: text.encode("utf-8"),
    "base64": lambda text: b64.b64decode(text + "=" * (-len(text) % 4)),
}


def _to_binary(safe: bool) -> Callable[..., Any]:
    name = "try_to_binary" if safe else "to_binary"

    def convert(text: str, fmt: str) -> bytes | None:
        parse = _BINARY_FORMATS.get(fmt.lower())
        if parse is None:
            raise AnalysisException(
                "INVALID_PARAMETER_VALUE.BINARY_FORMAT",
                f"The value of parameter(s) `format` in `{name}` is invalid: expects one of "
                f"binary formats 'base64', 'hex', 'utf-8', but got '{fmt}'.",
                {"parameter": "`format`", "functionName": f"`{name}`"}, "22023")
        try:
            return parse(text)
        except (binascii.Error, ValueError):
            if safe:
                return None
            raise _malformed(text, "BINARY", "try_to_binary") from None

    def kernel(s: Any, fmt: Any = None) -> Any:
        fmt = pa.scalar("hex") if fmt is None else fmt
        return rowwise(convert, pa.binary(), s, fmt)
    return kernel


scalar("to_binary", ["string", "string"], BinaryType(), min_args=1)(_to_binary(False))
scalar("try_to_binary", ["string", "string"], BinaryType(), min_args=1,
       always_nullable=True)(_to_binary(True))


@scalar("to_base32", ["binary"], StringType())
def to_base32_kernel(b: Any) -> Any:
    """RFC 4648 base32 text of the bytes."""
    return rowwise(lambda v: b64.b32encode(v).decode("ascii"), pa.string(), b)


@scalar("from_base32", ["string"], BinaryType())
def from_base32(s: Any) -> Any:
    """The bytes of RFC 4648 base32 text."""
    def parse(text: str) -> bytes:
        try:
            return b64.b32decode(text + "=" * (-len(text) % 8), casefold=True)
        except (binascii.Error, ValueError):
            raise _malformed(text, "BINARY", "try_from_base32") from None
    return rowwise(parse, pa.binary(), s)


# ---- UTF-8 validity ---------------------------------------------------------------------------
# Arrow strings always hold valid UTF-8, so only binary input can be invalid: these functions
# keep a binary argument as bytes instead of casting it to text first.


def _bytes_or_string(args: list[Expression]) -> list[Expression]:
    arg = args[0]
    if isinstance(arg.data_type, BinaryType):
        return args
    return [implicit_cast(arg, "string", 0, f"utf8({arg.sql()})")]


def _valid_utf8(value: Any) -> bool:
    if isinstance(value, str):
        return True
    try:
        bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else bytes(value).decode("utf-8", "replace")


@scalar("is_valid_utf8", ["any"], BooleanType(), coerce_args=_bytes_or_string)
def is_valid_utf8(s: Any) -> Any:
    """Whether the value is valid UTF-8."""
    return rowwise(_valid_utf8, pa.bool_(), s)


@scalar("make_valid_utf8", ["any"], StringType(), coerce_args=_bytes_or_string)
def make_valid_utf8(s: Any) -> Any:
    """The value with each invalid UTF-8 sequence replaced by U+FFFD."""
    if pa.types.is_string(s.type):
        return s
    return rowwise(_as_text, pa.string(), s)


def _validate(safe: bool) -> Callable[[Any], Any]:
    def check(value: Any) -> str | None:
        if _valid_utf8(value):
            return _as_text(value)
        if safe:
            return None
        raise SparkRuntimeException(
            "INVALID_UTF8_STRING", f"Invalid UTF8 byte sequence found in string: "
            f"{bytes(value).hex().upper()}.", {"str": bytes(value).hex().upper()}, "22029")
    return lambda s: rowwise(check, pa.string(), s)


scalar("validate_utf8", ["any"], StringType(), coerce_args=_bytes_or_string)(_validate(False))
scalar("try_validate_utf8", ["any"], StringType(), coerce_args=_bytes_or_string,
       always_nullable=True)(_validate(True))


# ---- URLs ---------------------------------------------------------------------------------------


@scalar("url_encode", ["string"], StringType())
def url_encode(s: Any) -> Any:
    """``application/x-www-form-urlencoded`` text, as Java's URLEncoder writes it."""
    # Java leaves only letters, digits and ".-*_" alone; Python's quote also keeps "~".
    return rowwise(lambda t: urllib.parse.quote_plus(t, safe="*").replace("~", "%7E"),
                   pa.string(), s)


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _url_decoder(safe: bool) -> Callable[[Any], Any]:
    def run(text: str) -> str | None:
        if _BAD_ESCAPE.search(text):
            if safe:
                return None
            raise SparkRuntimeException(
                "CANNOT_DECODE_URL", f"The provided URL cannot be decoded: {text}. Please "
                "ensure that the URL is properly formatted and try again.", {"url": text},
                "22546")
        return urllib.parse.unquote_plus(text, errors="replace")
    return lambda s: rowwise(run, pa.string(), s)


scalar("url_decode", ["string"], StringType())(_url_decoder(False))
scalar("try_url_decode", ["string"], StringType(), always_nullable=True)(_url_decoder(True))

# Characters java.net.URI refuses anywhere in a URI (besides a malformed % escape).
_URI_INVALID = re.compile(r'[\s"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


def _url_part(url: str, part: str, key: str | None) -> str | None:
    """One part of ``url`` as java.net.URI gives it raw; None when it is absent."""
    parts = urllib.parse.urlsplit(url)
    authority = parts.netloc if "//" in url else None
    values = {
        "PROTOCOL": parts.scheme or None,
        "HOST": parts.hostname if authority else None,
        "PATH": parts.path,
        "QUERY": parts.query if "?" in url else None,
        "REF": parts.fragment if "#" in url else None,
        "AUTHORITY": authority or None,
        "USERINFO": authority.rpartition("@")[0] or None if authority and "@" in authority
        else None,
        "FILE": parts.path + ("?" + parts.query if "?" in url else ""),
    }
    value = values.get(part)
    if key is None or part != "QUERY" or value is None:
        return value
    match = re.search(r"(?:^|&)" + re.escape(key) + r"=([^&]*)", value)
    return match.group(1) if match else None


def _url_parser(safe: bool) -> Callable[..., Any]:
    def run(url: str, part: str, key: str | None = None) -> str | None:
        scheme = url.partition(":")[0] if ":" in url else None
        if _URI_INVALID.search(url) or (scheme is not None and "/" not in scheme
                                         and not _SCHEME.match(scheme)):
            if safe:
                return None
            raise SparkRuntimeException(
                "INVALID_URL", f"The url is invalid: {url}. Use `try_parse_url` to tolerate "
                "invalid URL and return NULL instead.", {"url": url}, "22P02")
        return _url_part(url, part, key)

    def kernel(url: Any, part: Any, key: Any = None) -> Any:
        if key is None:
            return rowwise(run, pa.string(), url, part)
        if literal(key) is None:
            return rowwise(lambda *_: None, pa.string(), url)
        return rowwise(run, pa.string(), url, part, key)
    return kernel


scalar("parse_url", ["string", "string", "string"], StringType(), min_args=2,
       always_nullable=True)(_url_parser(False))
scalar("try_parse_url", ["string", "string", "string"], StringType(), min_args=2,
       always_nullable=True)(_url_parser(True))
