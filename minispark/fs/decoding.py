"""Decoding text input the way Spark does: malformed bytes become U+FFFD.

PySpark reads text files through Hadoop's ``Text``, whose UTF-8 decoder
replaces each malformed sequence with U+FFFD instead of failing, and
``use_unicode=False`` gets the UTF-8 encoding of that repaired text, not the
raw bytes.  Python's ``errors="replace"`` counts malformed sequences as Java
does, except for encoded surrogates (``ED A0..BF ..``): Python replaces each
of their bytes, Java the whole sequence; the handler below does what Java does.
"""
from __future__ import annotations

import codecs

#: Name of the codec error handler registered by this module.
REPLACE = "minispark.replace"


def _replace_like_java(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    data, at, end = err.object, err.start, err.end
    if (codecs.lookup(err.encoding).name == "utf-8" and data[at] == 0xED
            and at + 1 < len(data) and 0xA0 <= data[at + 1] <= 0xBF):
        end = at + 3 if at + 2 < len(data) and 0x80 <= data[at + 2] <= 0xBF else at + 2
    return "\ufffd", end


codecs.register_error(REPLACE, _replace_like_java)


def decode_text(data: bytes, encoding: str = "utf-8") -> str:
    """``data`` as text, each malformed sequence replaced by U+FFFD, as Spark reads it.

    >>> decode_text(b"caf\\xc3\\xa9 \\xff\\xfe \\xed\\xa0\\x80!")
    'café \\ufffd\\ufffd \\ufffd!'
    """
    return data.decode(encoding, REPLACE)


def repaired_utf8(data: bytes) -> bytes:
    """``data`` itself if it is valid UTF-8, else the UTF-8 of :func:`decode_text`'s repair.

    >>> repaired_utf8(b"ok"), repaired_utf8(b"bad \\xff")
    (b'ok', b'bad \\xef\\xbf\\xbd')
    """
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_text(data).encode("utf-8")
    return data
