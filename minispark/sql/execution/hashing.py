"""A portable, vectorized hash of Arrow key columns, for hash partitioning.

Both sides of a join hash their (identically typed) keys here, in different
processes, so the hash must not depend on the process (unlike Python's
``hash`` of strings): integers, dates and timestamps mix their 64-bit value,
floats their bits (with -0.0 and NaN normalised), strings and binary a
polynomial over their bytes, computed for the whole column with numpy.

>>> import pyarrow as pa
>>> a = partition_ids([pa.array(["x", "y", None, "x"])], 4)
>>> bool(a[0] == a[3]), len(a)
(True, 4)
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_PRIME = np.uint64(0x100000001B3)
_NULL_HASH = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit affects every output bit."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * _MIX1
        x = x ^ (x >> np.uint64(27))
        x = x * _MIX2
        return x ^ (x >> np.uint64(31))


def _fixed_width(values: pa.Array) -> np.ndarray:
    t = values.type
    if pa.types.is_floating(t):
        doubles = pc.cast(values, pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
        doubles = np.where(doubles == 0.0, 0.0, doubles)  # -0.0 hashes as 0.0
        doubles = np.where(np.isnan(doubles), np.nan, doubles)
        return doubles.view(np.uint64)
    if pa.types.is_boolean(t):
        return pc.cast(values, pa.uint8()).fill_null(0).to_numpy(
            zero_copy_only=False).astype(np.uint64)
    if pa.types.is_decimal(t):
        return _bytes_hash(pc.cast(values, pa.string()))
    if pa.types.is_date32(t):  # Arrow casts date32 only to int32
        values = pc.cast(values, pa.int32())
    wide = pc.cast(values, pa.int64())
    return wide.fill_null(0).to_numpy(zero_copy_only=False).view(np.uint64)


def normalize_key(values: pa.Array) -> pa.Array:
    """A grouping key as Spark compares keys: -0.0 is the same key as 0.0.

    >>> normalize_key(pa.array([-0.0, 1.5, None])).to_pylist()
    [0.0, 1.5, None]
    """
    if not pa.types.is_floating(values.type):
        return values
    zero = pa.scalar(0.0, values.type)
    return pc.if_else(pc.equal(values, zero), zero, values)


#: Bytes of strings hashed at a time: the numpy temporaries take about 50 bytes per byte.
_HASH_BYTES = 1 << 20


def _bytes_hash(values: pa.Array) -> np.ndarray:
    """A polynomial hash of each string's bytes, a few thousand strings at a time."""
    values = pc.cast(values, pa.large_binary()) if not pa.types.is_large_binary(
        values.type) else values
    n = len(values)
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[values.offset:values.offset + n + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(
        0, np.uint8)
    hashes = np.empty(n, dtype=np.uint64)
    row = 0
    while row < n:
        # Rows up to _HASH_BYTES bytes past this one's start; always at least one row.
        end = int(np.searchsorted(offsets, offsets[row] + _HASH_BYTES, side="right")) - 1
        end = min(max(end, row + 1), n)
        hashes[row:end] = _hash_strings(data, offsets[row:end + 1])
        row = end
    return hashes


def _hash_strings(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The hash of each string ``data[offsets[i]:offsets[i + 1]]``."""
    start, end = offsets[0], offsets[-1]
    chunk = data[start:end].astype(np.uint64)
    lengths = np.diff(offsets)
    if len(chunk) == 0:
        return _mix(lengths.astype(np.uint64))
    # Position of each byte inside its string, then one weighted sum per string.
    starts = offsets[:-1] - start
    position = np.arange(len(chunk)) - np.repeat(starts, lengths)
    with np.errstate(over="ignore"):
        weighted = np.append(chunk * _powers(int(position.max()) + 1)[position], np.uint64(0))
        sums = np.add.reduceat(weighted, starts)
        sums[lengths == 0] = 0
        return sums ^ (lengths.astype(np.uint64) * _MIX2)


def _powers(count: int) -> np.ndarray:
    """``_PRIME ** i`` (mod 2**64) for i < count."""
    factors = np.full(count, _PRIME, dtype=np.uint64)
    factors[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(factors, dtype=np.uint64)


def column_hash(values: pa.Array) -> np.ndarray:
    """A 64-bit hash of every value of a column (nulls hash to a constant)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values.type, pa.DictionaryType):
        # Each distinct value hashed once (a Parquet string column has few of them).
        hashed = column_hash(values.dictionary)[
            values.indices.fill_null(0).to_numpy(zero_copy_only=False)]
        return np.where(values.is_null().to_numpy(zero_copy_only=False), _NULL_HASH, hashed) \
            if values.null_count else hashed
    t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(
            t) or pa.types.is_large_binary(t):
        raw = _bytes_hash(values)
    elif pa.types.is_primitive(t) or pa.types.is_decimal(t):
        raw = _fixed_width(values)
    else:  # nested keys are rare: hash their text form
        raw = _bytes_hash(pa.array([repr(v) for v in values.to_pylist()], pa.string()))
    hashed = _mix(raw)
    if values.null_count:
        hashed = np.where(values.is_null().to_numpy(zero_copy_only=False), _NULL_HASH, hashed)
    return hashed


def combined_hash(columns: Sequence[pa.Array], rows: int) -> np.ndarray:
    """One 64-bit hash per row over several key columns."""
    combined = np.zeros(rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            combined = _mix(combined * _PRIME + column_hash(column))
    return combined


def partition_ids(columns: Sequence[pa.Array], num_partitions: int) -> np.ndarray:
    """The reduce partition of every row, from the hash of its key columns."""
    n = len(columns[0]) if columns else 0
    return (combined_hash(columns, n) % np.uint64(num_partitions)).astype(np.int64)
