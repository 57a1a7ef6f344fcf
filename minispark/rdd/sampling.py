"""Samplers seeded per partition, so a recomputed partition samples the same records."""
from __future__ import annotations

import math
import random
from itertools import islice
from typing import Any, Iterator


def partition_rng(seed: int, index: int) -> random.Random:
    """A generator that depends only on the seed and the partition index."""
    return random.Random(hash((seed, index)))


class BernoulliSampler:
    """Keeps each record with probability ``fraction``."""

    def __init__(self, fraction: float, seed: int) -> None:
        self.fraction, self.seed = fraction, seed

    def __call__(self, index: int, it: Iterator[Any]) -> Iterator[Any]:
        rng = partition_rng(self.seed, index)
        draw, fraction = rng.random, self.fraction
        return (x for x in it if draw() < fraction)


class PoissonSampler:
    """Emits each record a Poisson(``fraction``)-distributed number of times."""

    def __init__(self, fraction: float, seed: int) -> None:
        self.fraction, self.seed = fraction, seed

    def __call__(self, index: int, it: Iterator[Any]) -> Iterator[Any]:
        rng = partition_rng(self.seed, index)
        for x in it:
            for _ in range(_poisson(rng, self.fraction)):
                yield x


def _poisson(rng: random.Random, mean: float) -> int:
    """Count arrivals of a rate-``mean`` process in unit time."""
    if mean <= 0:
        return 0
    count, t = 0, rng.expovariate(mean)
    while t < 1.0:
        count += 1
        t += rng.expovariate(mean)
    return count


class StratifiedSampler:
    """Samples each (key, value) pair with the fraction given for its key."""

    def __init__(self, with_replacement: bool, fractions: dict, seed: int) -> None:
        self.with_replacement, self.fractions, self.seed = with_replacement, fractions, seed

    def __call__(self, index: int, it: Iterator[Any]) -> Iterator[Any]:
        rng = partition_rng(self.seed, index)
        for pair in it:
            fraction = self.fractions[pair[0]]
            if self.with_replacement:
                for _ in range(_poisson(rng, fraction)):
                    yield pair
            elif rng.random() < fraction:
                yield pair


class RangeSampler:
    """Keeps records whose uniform draw falls in [lower, upper): complementary splits."""

    def __init__(self, lower: float, upper: float, seed: int) -> None:
        self.lower, self.upper, self.seed = lower, upper, seed

    def __call__(self, index: int, it: Iterator[Any]) -> Iterator[Any]:
        rng = partition_rng(self.seed, index)
        lower, upper = self.lower, self.upper
        for x in it:
            if lower <= rng.random() < upper:
                yield x


def sketch(index: int, it: Iterator[Any], size: int, seed: int) -> list[tuple[int, list]]:
    """[(count, up to ``size`` uniformly chosen records)] of one partition.

    Reservoir sampling with Li's Algorithm L: the gaps between replacements
    are drawn directly, so skipped records are only counted (in C, a batch at
    a time) rather than each drawing a random number.

    >>> count, sample = sketch(0, iter(range(10_000)), 50, seed=1)[0]
    >>> count, len(sample), len(set(sample))
    (10000, 50, 50)
    """
    rng = partition_rng(seed, index)
    it = iter(it)
    reservoir = list(islice(it, size))
    count = len(reservoir)
    if count < size or size == 0:
        return [(count, reservoir)]
    weight = math.exp(math.log(rng.random() or 1e-300) / size)
    while True:
        gap = int(math.log(rng.random() or 1e-300) / math.log(1.0 - weight)) if weight < 1 else 0
        skipped = len(list(islice(it, gap)))
        count += skipped
        if skipped < gap:
            return [(count, reservoir)]
        for record in islice(it, 1):
            count += 1
            reservoir[rng.randrange(size)] = record
            break
        else:
            return [(count, reservoir)]
        weight *= math.exp(math.log(rng.random() or 1e-300) / size)


def fraction_for_sample_size(num: int, total: int, with_replacement: bool) -> float:
    """A sampling fraction that yields at least ``num`` of ``total`` records w.h.p."""
    fraction = num / total
    if with_replacement:
        spread = 9 if num < 12 else 5
        return fraction + spread * (fraction / total) ** 0.5
    delta = 0.00005
    gamma = -math.log(delta) / total
    return min(1.0, fraction + gamma + (gamma * gamma + 2 * gamma * fraction) ** 0.5)
