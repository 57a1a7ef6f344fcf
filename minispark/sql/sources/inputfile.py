"""Which file block a batch of rows was read from (Spark's InputFileBlockHolder).

A file scan tags each batch it reads with the file's URI and the block's start
and length, in the batch's schema metadata; ``input_file_name()`` and friends
read the tag of the batch they are computed on. Rows that come from no file
(or whose batches were rebuilt by a shuffle or an aggregate) have none, and
read as ``""``, ``-1``, ``-1``, as in Spark.

>>> from typing import Callable

import pyarrow as pa
>>> batch = tag(pa.record_batch({"a": [1]}), "file:/tmp/x.csv", 0, 10)
>>> block_of(batch), block_of(pa.record_batch({"a": [1]}))
(('file:///tmp/x.csv', 0, 10), ('', -1, -1))
"""
from __future__ import annotations

import pyarrow as pa

_KEY = b"minispark.input_file_block"
_EMPTY = ("", -1, -1)


def _uri(path: str) -> str:
    from minispark.fs.registry import get_filesystem

    path = get_filesystem(path).qualify(path)
    # Spark shows local files as file:///path (Hadoop's Path.toUri form).
    if path.startswith("file:/") and not path.startswith("file://"):
        return "file://" + path[len("file:"):]
    return path


def tagger(path: str, start: int, length: int) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """A function marking batches as read from ``length`` bytes of ``path`` at ``start``
    (made once per file block: qualifying the path is not free)."""
    value = f"{start} {length} {_uri(path)}".encode("utf-8")

    def tag_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
        metadata = dict(batch.schema.metadata or {})
        metadata[_KEY] = value
        return batch.replace_schema_metadata(metadata)
    return tag_batch


def tag(batch: pa.RecordBatch, path: str, start: int, length: int) -> pa.RecordBatch:
    """``batch`` marked as read from ``length`` bytes of ``path`` at ``start``."""
    return tagger(path, start, length)(batch)


def carry(source: pa.RecordBatch, target: pa.RecordBatch) -> pa.RecordBatch:
    """``target`` with the block tag of ``source`` (for steps that rebuild a batch)."""
    value = (source.schema.metadata or {}).get(_KEY)
    if value is None:
        return target
    metadata = dict(target.schema.metadata or {})
    metadata[_KEY] = value
    return target.replace_schema_metadata(metadata)


def block_of(batch: pa.RecordBatch) -> tuple[str, int, int]:
    """``(file URI, block start, block length)`` of the batch's rows."""
    value = (batch.schema.metadata or {}).get(_KEY)
    if value is None:
        return _EMPTY
    start, length, uri = value.decode("utf-8").split(" ", 2)
    return uri, int(start), int(length)
