"""StatCounter: count, mean, variance, min and max in one pass (pyspark.statcounter).

Partitions are summarised independently and the summaries merged with the
parallel form of Welford's update, so the result does not depend on how the
data is partitioned (up to floating-point rounding).
"""
from __future__ import annotations

import math
from typing import Iterable


class StatCounter:
    """Running statistics of a stream of numbers.

    >>> s = StatCounter([1.0, 2.0, 3.0])
    >>> s.count(), s.mean(), s.sum(), s.variance()
    (3, 2.0, 6.0, 0.6666666666666666)
    >>> s.mergeStats(StatCounter([4.0])).max()
    4.0
    """

    def __init__(self, values: Iterable[float] | None = None) -> None:
        self.n = 0
        self.mu = 0.0
        self.m2 = 0.0
        self.maxValue = float("-inf")
        self.minValue = float("inf")
        for value in values or ():
            self.merge(value)

    def merge(self, value: float) -> "StatCounter":
        """Add one value."""
        delta = value - self.mu
        self.n += 1
        self.mu += delta / self.n
        self.m2 += delta * (value - self.mu)
        self.maxValue = max(self.maxValue, value)
        self.minValue = min(self.minValue, value)
        return self

    def mergeStats(self, other: "StatCounter") -> "StatCounter":
        """Add the values summarised by ``other``."""
        if other is self:
            return self.mergeStats(other.copy())
        if other.n == 0:
            return self
        if self.n == 0:
            self.n, self.mu, self.m2 = other.n, other.mu, other.m2
        else:
            delta = other.mu - self.mu
            total = self.n + other.n
            self.mu = (self.mu * self.n + other.mu * other.n) / total
            self.m2 += other.m2 + delta * delta * self.n * other.n / total
            self.n = total
        self.maxValue = max(self.maxValue, other.maxValue)
        self.minValue = min(self.minValue, other.minValue)
        return self

    def copy(self) -> "StatCounter":
        """An independent copy."""
        clone = StatCounter()
        clone.n, clone.mu, clone.m2 = self.n, self.mu, self.m2
        clone.maxValue, clone.minValue = self.maxValue, self.minValue
        return clone

    def count(self) -> int:
        return int(self.n)

    def mean(self) -> float:
        return float(self.mu)

    def sum(self) -> float:
        return float(self.n * self.mu)

    def min(self) -> float:
        return self.minValue

    def max(self) -> float:
        return self.maxValue

    def variance(self) -> float:
        """Population variance; NaN when empty."""
        return float("nan") if self.n == 0 else self.m2 / self.n

    def sampleVariance(self) -> float:
        """Sample variance (divides by n - 1); NaN with fewer than two values."""
        return float("nan") if self.n <= 1 else self.m2 / (self.n - 1)

    def stdev(self) -> float:
        return math.sqrt(self.variance())

    def sampleStdev(self) -> float:
        return math.sqrt(self.sampleVariance())

    def asDict(self, sample: bool = False) -> dict:
        """The statistics as a dict.

        As in PySpark, the default gives the *sample* stdev and variance and
        ``sample=True`` the population ones (the flag reads backwards there too).

        >>> StatCounter([1.0, 3.0]).asDict()["variance"]
        2.0
        """
        return {
            "count": self.count(), "mean": self.mean(), "sum": self.sum(),
            "min": self.min(), "max": self.max(),
            "stdev": self.stdev() if sample else self.sampleStdev(),
            "variance": self.variance() if sample else self.sampleVariance(),
        }

    def __repr__(self) -> str:
        return (f"(count: {self.count()}, mean: {self.mean()}, stdev: {self.stdev()}, "
                f"max: {self.max()}, min: {self.min()})")
