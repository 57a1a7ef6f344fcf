"""Spark's row hashes, vectorized: ``hash`` (Murmur3 x86_32) and ``xxhash64`` (XXH64).

Spark hashes a row column by column, each column's hash seeding the next (the first
seeded with 42), a null leaving the running hash unchanged.  Each value is hashed in
Spark's encoding: ints (and bytes, shorts, booleans, dates) as 4 bytes, longs (and
timestamps, doubles' bits) as 8, strings and binaries as their bytes, decimals as their
unscaled long (or, past precision 18, the big-endian two's complement bytes), arrays
and structs element by element.  Murmur3's tail bytes are mixed one at a time as signed
ints, as Spark's ``hashUnsafeBytes`` does (not as the reference algorithm does).

>>> int(murmur3_columns([pa.array(["ABC"])])[0]), int(xxhash64_columns([pa.array([1])])[0])
(-757602832, -7001672635703045582)
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_U32, _U64 = np.uint32, np.uint64


# ---- Murmur3 x86_32 ------------------------------------------------------------------


def _rotl32(x: np.ndarray, r: int) -> np.ndarray:
    return (x << _U32(r)) | (x >> _U32(32 - r))


def _mix_k1(k: np.ndarray) -> np.ndarray:
    return _rotl32(k * _U32(0xCC9E2D51), 15) * _U32(0x1B873593)


def _mix_h1(h: np.ndarray, k: np.ndarray) -> np.ndarray:
    return _rotl32(h ^ k, 13) * _U32(5) + _U32(0xE6546B64)


def _fmix32(h: np.ndarray, length: np.ndarray | int) -> np.ndarray:
    h = h ^ np.asarray(length).astype(_U32)
    h = (h ^ (h >> _U32(16))) * _U32(0x85EBCA6B)
    h = (h ^ (h >> _U32(13))) * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


class Murmur3:
    """Spark's ``Murmur3_x86_32`` over numpy uint32 lanes (one lane per row)."""

    dtype = _U32

    def int32(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        return _fmix32(_mix_h1(h, _mix_k1(v.astype(_U32))), 4)

    def int64(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        v = v.astype(_U64)
        h = _mix_h1(h, _mix_k1((v & _U64(0xFFFFFFFF)).astype(_U32)))
        return _fmix32(_mix_h1(h, _mix_k1((v >> _U64(32)).astype(_U32))), 8)

    def bytes(self, data: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
              h: np.ndarray) -> np.ndarray:
        words = lengths // 4
        h = h.copy()

        def word(j: int, rows: np.ndarray) -> None:
            h[rows] = _mix_h1(h[rows], _mix_k1(_read_le(data, starts[rows] + 4 * j, 4, _U32)))

        def tail(j: int, rows: np.ndarray) -> None:
            signed = data[starts[rows] + 4 * words[rows] + j].view(np.int8)
            h[rows] = _mix_h1(h[rows], _mix_k1(signed.astype(np.int32).view(_U32)))

        _steps(words, word)
        _steps(lengths % 4, tail)
        return _fmix32(h, lengths)


# ---- XXH64 ---------------------------------------------------------------------------

_P1, _P2, _P3 = _U64(0x9E3779B185EBCA87), _U64(0xC2B2AE3D27D4EB4F), _U64(0x165667B19E3779F9)
_P4, _P5 = _U64(0x85EBCA77C2B2AE63), _U64(0x27D4EB2F165667C5)


def _rotl64(x: np.ndarray, r: int) -> np.ndarray:
    return (x << _U64(r)) | (x >> _U64(64 - r))


def _round64(acc: np.ndarray, lane: np.ndarray) -> np.ndarray:
    return _rotl64(acc + lane * _P2, 31) * _P1


def _avalanche64(h: np.ndarray) -> np.ndarray:
    h = (h ^ (h >> _U64(33))) * _P2
    h = (h ^ (h >> _U64(29))) * _P3
    return h ^ (h >> _U64(32))


class XXH64:
    """Spark's ``XXH64`` (the reference algorithm) over numpy uint64 lanes."""

    dtype = _U64

    def int32(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        h = (h + _P5 + _U64(4)) ^ (v.astype(_U32).astype(_U64) * _P1)
        return _avalanche64(_rotl64(h, 23) * _P2 + _P3)

    def int64(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        h = (h + _P5 + _U64(8)) ^ _round64(_U64(0), v.astype(_U64))
        return _avalanche64(_rotl64(h, 27) * _P1 + _P4)

    def bytes(self, data: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
              seed: np.ndarray) -> np.ndarray:
        h = seed + _P5
        long_rows = np.flatnonzero(lengths >= 32)
        if len(long_rows):
            h[long_rows] = self._stripes(data, starts[long_rows], lengths[long_rows],
                                         seed[long_rows])
        h = h + lengths.astype(_U64)
        done = lengths // 32 * 32

        def lane8(j: int, rows: np.ndarray) -> None:
            k = _round64(_U64(0), _read_le(data, starts[rows] + done[rows] + 8 * j, 8, _U64))
            h[rows] = _rotl64(h[rows] ^ k, 27) * _P1 + _P4

        _steps(lengths % 32 // 8, lane8)
        done = lengths // 8 * 8

        def lane4(j: int, rows: np.ndarray) -> None:
            k = _read_le(data, starts[rows] + done[rows], 4, _U32).astype(_U64) * _P1
            h[rows] = _rotl64(h[rows] ^ k, 23) * _P2 + _P3

        _steps(lengths % 8 // 4, lane4)
        done = lengths // 4 * 4

        def byte(j: int, rows: np.ndarray) -> None:
            k = data[starts[rows] + done[rows] + j].astype(_U64) * _P5
            h[rows] = _rotl64(h[rows] ^ k, 11) * _P1

        _steps(lengths % 4, byte)
        return _avalanche64(h)

    @staticmethod
    def _stripes(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                 seed: np.ndarray) -> np.ndarray:
        """The four accumulators over each row's 32-byte stripes, merged into one hash."""
        acc = [seed + _P1 + _P2, seed + _P2, seed.copy(), seed - _P1]

        def stripe(j: int, rows: np.ndarray) -> None:
            for i in range(4):
                lane = _read_le(data, starts[rows] + 32 * j + 8 * i, 8, _U64)
                acc[i][rows] = _round64(acc[i][rows], lane)

        _steps(lengths // 32, stripe)
        h = _rotl64(acc[0], 1) + _rotl64(acc[1], 7) + _rotl64(acc[2], 12) + _rotl64(acc[3], 18)
        for v in acc:
            h = (h ^ _round64(_U64(0), v)) * _P1 + _P4
        return h


# ---- shared: byte access and per-row loops -----------------------------------------------


def _read_le(data: np.ndarray, positions: np.ndarray, width: int, dtype: type) -> np.ndarray:
    """The little-endian ``width``-byte words at ``positions`` of ``data``."""
    out = np.zeros(len(positions), dtype=dtype)
    for b in range(width):
        out |= data[positions + b].astype(dtype) << dtype(8 * b)
    return out


def _steps(counts: np.ndarray, step: Callable[[int, np.ndarray], None]) -> None:
    """``step(j, rows)`` for j = 0, 1, ... with the rows that have more than j steps.

    Rows are visited longest first, so each step works on a prefix of that order and the
    total work is the total number of steps (not rows times the longest row).
    """
    if not len(counts):
        return
    order = np.argsort(-counts, kind="stable")
    ascending = -counts[order]
    for j in range(int(-ascending[0])):
        # rows with more than j steps: count > j, i.e. -count < -j
        step(j, order[:int(np.searchsorted(ascending, -j, side="left"))])


# ---- values in Spark's encodings ----------------------------------------------------------


def _filled(values: pa.Array, fill: object) -> pa.Array:
    return pc.fill_null(values, fill) if values.null_count else values


def _binary_parts(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, start of each row, length of each row) of a string or binary array."""
    if pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type):
        values = pc.cast(values, pa.large_binary())
        offset_type = np.int64
    else:
        values = pc.cast(values, pa.binary())
        offset_type = np.int32
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[
        values.offset:values.offset + len(values) + 1].astype(np.int64)
    data = (np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None
            else np.zeros(0, np.uint8))
    data = np.concatenate([data, np.zeros(8, np.uint8)])  # reads past a row's end stay in bounds
    return data, offsets[:-1], np.diff(offsets)


def _java_big_endian(unscaled: int) -> bytes:
    """``BigInteger.toByteArray``: minimal big-endian two's complement."""
    bits = unscaled.bit_length() if unscaled >= 0 else (~unscaled).bit_length()
    return unscaled.to_bytes(bits // 8 + 1, "big", signed=True)


def _decimal_unscaled(values: pa.Array) -> list:
    scale = values.type.scale
    return [None if v is None else int(v.scaleb(scale)) for v in values.to_pylist()]


def _float_bits(values: pa.Array, wide: bool) -> np.ndarray:
    """Java's ``floatToIntBits``/``doubleToLongBits`` with -0.0 read as 0.0 (Spark's)."""
    floats = _filled(values, 0.0).to_numpy(zero_copy_only=False).copy()
    floats[floats == 0] = 0.0
    bits = floats.view(np.uint64 if wide else np.uint32).copy()
    bits[np.isnan(floats)] = 0x7FF8000000000000 if wide else 0x7FC00000
    return bits


def hash_column(hasher: Murmur3 | XXH64, values: pa.Array, h: np.ndarray) -> np.ndarray:
    """The running hashes ``h`` (one per row) after hashing one column of ``values``."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    t = values.type
    if pa.types.is_null(t) or len(values) == 0:
        return h
    new = _hash_values(hasher, values, t, h)
    if values.null_count:
        return np.where(values.is_null().to_numpy(zero_copy_only=False), h, new)
    return new


def _hash_values(hasher: Murmur3 | XXH64, values: pa.Array, t: pa.DataType,
                 h: np.ndarray) -> np.ndarray:
    if pa.types.is_boolean(t) or pa.types.is_date32(t) or (
            pa.types.is_integer(t) and t.bit_width <= 32):
        ints = _filled(pc.cast(values, pa.int32()), 0).to_numpy(zero_copy_only=False)
        return hasher.int32(ints.view(_U32), h)
    if pa.types.is_integer(t) or pa.types.is_timestamp(t) or pa.types.is_time64(t):
        longs = _filled(values.view(pa.int64()) if not pa.types.is_integer(t) else values, 0)
        return hasher.int64(longs.to_numpy(zero_copy_only=False).view(_U64), h)
    if pa.types.is_float32(t) or pa.types.is_float64(t):
        wide = pa.types.is_float64(t)
        bits = _float_bits(values, wide)
        return hasher.int64(bits, h) if wide else hasher.int32(bits, h)
    if pa.types.is_decimal(t):
        unscaled = _decimal_unscaled(values)
        if t.precision <= 18:
            longs = np.array([0 if v is None else v for v in unscaled], dtype=np.int64)
            return hasher.int64(longs.view(_U64), h)
        encoded = pa.array([b"" if v is None else _java_big_endian(v) for v in unscaled],
                           pa.binary())
        return hasher.bytes(*_binary_parts(encoded), h)
    if (pa.types.is_string(t) or pa.types.is_binary(t) or pa.types.is_large_string(t)
            or pa.types.is_large_binary(t)):
        return hasher.bytes(*_binary_parts(values), h)
    if pa.types.is_struct(t):
        for field in values.flatten():
            h = hash_column(hasher, field, h)
        return h
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _hash_lists(hasher, values, h)
    raise TypeError(f"cannot hash values of type {t}")


def _hash_lists(hasher: Murmur3 | XXH64, values: pa.Array, h: np.ndarray) -> np.ndarray:
    """Each row's elements hashed in order into the row's running hash."""
    counts = _filled(pc.list_value_length(values), 0).to_numpy(zero_copy_only=False)
    elements = values.flatten()
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    h = h.copy()

    def element(j: int, rows: np.ndarray) -> None:
        h[rows] = hash_column(hasher, elements.take(pa.array(starts[rows] + j)), h[rows])

    _steps(counts.astype(np.int64), element)
    return h


def _hash_columns(hasher: Murmur3 | XXH64, columns: Sequence[pa.Array], rows: int,
                  seed: int) -> np.ndarray:
    h = np.full(rows, seed, dtype=hasher.dtype)
    for values in columns:
        h = hash_column(hasher, values, h)
    return h


def murmur3_columns(columns: Sequence[pa.Array], seed: int = 42) -> np.ndarray:
    """Spark's ``hash(cols...)`` of each row, as int32."""
    rows = len(columns[0]) if columns else 0
    return _hash_columns(Murmur3(), columns, rows, seed).view(np.int32)


def xxhash64_columns(columns: Sequence[pa.Array], seed: int = 42) -> np.ndarray:
    """Spark's ``xxhash64(cols...)`` of each row, as int64."""
    rows = len(columns[0]) if columns else 0
    return _hash_columns(XXH64(), columns, rows, seed).view(np.int64)
