"""Approximate actions: bounded results and a HyperLogLog distinct count."""
from __future__ import annotations

import math
from typing import Any, Iterator

from minispark.shuffle.partitioner import portable_hash

_MASK64 = (1 << 64) - 1


class BoundedFloat(float):
    """A float with a confidence interval, as PySpark's approximate actions return.

    minispark always computes these exactly, so ``low == high == value``.

    >>> b = BoundedFloat(5.0, 0.95, 5.0, 5.0)
    >>> b, b.confidence
    (5.0, 0.95)
    """

    def __new__(cls, mean: float, confidence: float, low: float, high: float) -> "BoundedFloat":
        value = float.__new__(cls, mean)
        value.confidence, value.low, value.high = confidence, low, high
        return value


def _mix64(h: int) -> int:
    """splitmix64's finaliser: spreads any integer hash over 64 bits."""
    h = (h + 0x9E3779B97F4A7C15) & _MASK64
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK64
    return h ^ (h >> 31)


def precision_for(relative_sd: float) -> int:
    """Register-index bits so that the standard error is at most ``relative_sd``."""
    if relative_sd < 0.000017:
        raise ValueError(f"relativeSD should be greater than 0.000017 but got {relative_sd}")
    return max(4, min(18, math.ceil(2 * math.log2(1.04 / relative_sd))))


def hll_registers(records: Iterator[Any], p: int) -> list[bytearray]:
    """One partition's HyperLogLog registers (the maximum rank per bucket)."""
    registers = bytearray(1 << p)
    rest = 64 - p
    for record in records:
        h = _mix64(portable_hash(record) & _MASK64)
        index, tail = h >> rest, h & ((1 << rest) - 1)
        rank = rest - tail.bit_length() + 1
        if rank > registers[index]:
            registers[index] = rank
    return [registers]


def merge_registers(a: bytearray, b: bytearray) -> bytearray:
    return bytearray(map(max, a, b))


def hll_estimate(registers: bytearray) -> int:
    """The cardinality estimate, with the small-range (linear counting) correction."""
    m = len(registers)
    alpha = 0.7213 / (1 + 1.079 / m)
    raw = alpha * m * m / sum(2.0 ** -r for r in registers)
    zeros = registers.count(0)
    if raw <= 2.5 * m and zeros:
        return round(m * math.log(m / zeros))
    return round(raw)
