"""Estimate pi by throwing darts at the unit square (Monte Carlo).

    python examples/pi.py [PARTITIONS]
"""
from __future__ import annotations

import random
import sys
from operator import add

from minispark import SparkContext

SAMPLES_PER_PARTITION = 100_000


def estimate_pi(sc: SparkContext, partitions: int, seed: int = 0) -> float:
    """4 x the share of random points in [-1, 1]^2 that land inside the unit circle."""
    n = SAMPLES_PER_PARTITION * partitions

    def hits(index: int, _points: object) -> list[int]:
        rng = random.Random(seed * 1_000_003 + index)
        inside = 0
        for _ in range(SAMPLES_PER_PARTITION):
            x, y = rng.random() * 2 - 1, rng.random() * 2 - 1
            inside += x * x + y * y <= 1
        return [inside]

    count = sc.parallelize(range(partitions), partitions).mapPartitionsWithIndex(hits).reduce(add)
    return 4.0 * count / n


def main(argv: list[str] | None = None) -> float:
    args = sys.argv[1:] if argv is None else argv
    partitions = int(args[0]) if args else 2
    with SparkContext(appName="PythonPi") as sc:
        pi = estimate_pi(sc, partitions)
    print(f"Pi is roughly {pi:f}")
    return pi


if __name__ == "__main__":
    main()
