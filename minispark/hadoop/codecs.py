"""Hadoop compression codecs by class name: the file suffix each gives, and its bytes.

Three of Hadoop's codecs are plain formats Python's standard library speaks:
``DefaultCodec`` is a zlib stream (suffix ``.deflate``), ``GzipCodec`` a gzip
member (``.gz``) and ``BZip2Codec`` a bzip2 stream (``.bz2``).  Hadoop's
Snappy, LZ4 and ZStandard codecs wrap their blocks in a framing of Hadoop's
own and need native libraries; they are refused by name.
"""
from __future__ import annotations

import bz2
import functools
import gzip
import io
import zlib
from dataclasses import dataclass
from typing import Callable

from minispark.fs.output import compressing_writer

_PACKAGE = "org.apache.hadoop.io.compress."
DEFAULT_CODEC = _PACKAGE + "DefaultCodec"
GZIP_CODEC = _PACKAGE + "GzipCodec"
BZIP2_CODEC = _PACKAGE + "BZip2Codec"


@dataclass(frozen=True)
class Codec:
    """One codec: ``compress``/``decompress`` take and give whole buffers."""

    class_name: str
    extension: str
    compress: Callable[[bytes], bytes]
    decompress: Callable[[bytes], bytes]


def _compress(suffix: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with compressing_writer(buffer, suffix) as out:
        out.write(data)
    return buffer.getvalue()


def _codec(class_name: str, suffix: str, decompress: Callable[[bytes], bytes]) -> Codec:
    return Codec(class_name, suffix, functools.partial(_compress, suffix), decompress)


CODECS = {codec.class_name: codec for codec in (
    _codec(DEFAULT_CODEC, ".deflate", zlib.decompress),
    _codec(GZIP_CODEC, ".gz", gzip.decompress),
    _codec(BZIP2_CODEC, ".bz2", bz2.decompress),
)}

#: Short names Spark's own options use for the same codecs.
_ALIASES = {"deflate": DEFAULT_CODEC, "gzip": GZIP_CODEC, "bzip2": BZIP2_CODEC}


def codec_named(name: str) -> Codec:
    """The codec with Hadoop class name (or Spark short name) ``name``.

    >>> codec_named("org.apache.hadoop.io.compress.GzipCodec").extension
    '.gz'
    >>> codec_named("org.apache.hadoop.io.compress.SnappyCodec")
    Traceback (most recent call last):
    ...
    NotImplementedError: compression codec 'org.apache.hadoop.io.compress.SnappyCodec' is not supported; supported: org.apache.hadoop.io.compress.BZip2Codec, org.apache.hadoop.io.compress.DefaultCodec, org.apache.hadoop.io.compress.GzipCodec
    """
    codec = CODECS.get(_ALIASES.get(name, name))
    if codec is None:
        raise NotImplementedError(f"compression codec {name!r} is not supported; supported: "
                                  f"{', '.join(sorted(CODECS))}")
    return codec
