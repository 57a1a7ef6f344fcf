"""Spark's seeded random sequences, so seeded results match Spark's row for row.

``XORShiftRandom`` is Spark's generator behind ``rand``/``uniform``/``randstr``: a 64-bit
xorshift whose seed is first scrambled with Murmur3, read through ``java.util.Random``'s
``nextDouble``/``nextInt``.  ``uuid(seed)`` draws from a Mersenne Twister seeded as
Apache Commons Math seeds it (numpy's legacy ``RandomState`` seeds the same way).
Each task seeds with ``seed + partition index``, as Spark does.

>>> XORShiftRandom(3).next_double()
0.25738143505962285
>>> uuids(123, 1)
['4c99192d-23d6-4d88-b814-a634398120f0']
"""
from __future__ import annotations

import math
import struct

import numpy as np

_MASK64 = (1 << 64) - 1


def _murmur3_bytes(data: bytes, seed: int) -> int:
    """Murmur3 x86_32 of whole 4-byte words (Scala's ``MurmurHash3.bytesHash`` of 8 bytes)."""
    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (32 - r))) & 0xFFFFFFFF

    h = seed & 0xFFFFFFFF
    for (k,) in struct.iter_unpack("<I", data):
        k = rotl((k * 0xCC9E2D51) & 0xFFFFFFFF, 15) * 0x1B873593 & 0xFFFFFFFF
        h = (rotl(h ^ k, 13) * 5 + 0xE6546B64) & 0xFFFFFFFF
    h ^= len(data)
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


class XORShiftRandom:
    """Spark's ``XORShiftRandom(seed)``; one instance per task."""

    def __init__(self, seed: int) -> None:
        data = struct.pack(">q", _signed64(seed))
        low = _murmur3_bytes(data, 0x3C074A61)
        high = _murmur3_bytes(data, low)
        self.state = ((high << 32) | low) & _MASK64
        self._spare: float | None = None  # the polar method makes Gaussians in pairs

    def next_bits(self, bits: int) -> int:
        s = self.state
        s ^= (s << 21) & _MASK64
        s ^= s >> 35
        s ^= (s << 4) & _MASK64
        self.state = s
        return s & ((1 << bits) - 1)

    def next_double(self) -> float:
        return ((self.next_bits(26) << 27) + self.next_bits(27)) * 2.0 ** -53

    def next_int(self) -> int:
        """``java.util.Random.nextInt()``: 32 random bits as a signed int."""
        return _signed32(self.next_bits(32))

    def doubles(self, count: int) -> np.ndarray:
        """The next ``count`` uniform doubles in [0, 1) (``rand(seed)``).

        >>> XORShiftRandom(0).doubles(2).tolist()
        [0.7604953758285915, 0.5234194256885571]
        """
        return np.array([self.next_double() for _ in range(count)], dtype=np.float64)

    def next_gaussian(self) -> float:
        """``java.util.Random.nextGaussian()``: the polar method, one spare kept per pair."""
        if self._spare is not None:
            value, self._spare = self._spare, None
            return value
        while True:
            v1, v2 = 2 * self.next_double() - 1, 2 * self.next_double() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        factor = math.sqrt(-2 * math.log(s) / s)
        self._spare = v2 * factor
        return v1 * factor

    def standard_normal(self, count: int) -> np.ndarray:
        """The next ``count`` standard normal doubles (``randn(seed)``)."""
        return np.array([self.next_gaussian() for _ in range(count)], dtype=np.float64)


def _signed64(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >> 63 else value


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def _mersenne_twister(seed: int) -> np.random.RandomState:
    """Commons Math's ``MersenneTwister(long)``: init_by_array of the seed's two halves."""
    seed &= _MASK64
    return np.random.RandomState(np.array([seed >> 32, seed & 0xFFFFFFFF], dtype=np.uint32))


def uuids(seed: int, count: int) -> list[str]:
    """The first ``count`` version-4 UUID strings Spark's ``uuid(seed)`` gives."""
    return next_uuids(uuid_generator(seed), count)


def uuid_generator(seed: int) -> np.random.RandomState:
    """The generator behind ``uuid(seed)`` (one per task, seeded with seed + partition)."""
    return _mersenne_twister(seed)


def next_uuids(generator: np.random.RandomState, count: int) -> list[str]:
    """The next ``count`` UUIDs: each from two 64-bit draws, version 4, IETF variant."""
    raw = generator.randint(0, 1 << 32, size=4 * count, dtype=np.uint64)
    words = raw.reshape(-1, 4)
    most = (words[:, 0] << np.uint64(32)) | words[:, 1]
    least = (words[:, 2] << np.uint64(32)) | words[:, 3]
    most = (most & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)
    least = (least | np.uint64(1 << 63)) & np.uint64(0xBFFFFFFFFFFFFFFF)
    return [_uuid_text(int(m), int(le)) for m, le in zip(most, least)]


def _uuid_text(most: int, least: int) -> str:
    text = f"{most:016x}{least:016x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
