"""K-means clustering (Lloyd's iterations) over a cached RDD of points.

    python examples/kmeans.py [N_POINTS] [K] [--iterations I]

Assign each point to its closest centre, move each centre to the mean of its
points, and stop when no centre moves more than a small distance.
"""
from __future__ import annotations

import argparse

import numpy as np

from minispark import SparkContext


def generate(n: int, k: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, 2))
    return centres[rng.integers(0, k, n)] + rng.normal(size=(n, 2))


def closest(point: np.ndarray, centres: np.ndarray) -> int:
    return int(np.argmin(((centres - point) ** 2).sum(axis=1)))


def kmeans(sc: SparkContext, points: np.ndarray, initial: np.ndarray, iterations: int,
           tolerance: float = 1e-9) -> np.ndarray:
    """Centres after at most ``iterations`` rounds from ``initial``."""
    data = sc.parallelize(list(points)).cache()
    centres = initial.copy()
    for _ in range(iterations):
        current = sc.broadcast(centres)
        stats = (data.map(lambda p: (closest(p, current.value), (p, 1)))
                 .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
                 .collectAsMap())
        moved = centres.copy()
        for index, (total, count) in stats.items():
            moved[index] = total / count
        shift = float(((moved - centres) ** 2).sum())
        centres = moved
        if shift < tolerance:
            break
    return centres


def kmeans_numpy(points: np.ndarray, initial: np.ndarray, iterations: int,
                 tolerance: float = 1e-9) -> np.ndarray:
    """The same iterations on one machine, for checking."""
    centres = initial.copy()
    for _ in range(iterations):
        labels = ((points[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
        moved = centres.copy()
        for index in np.unique(labels):
            moved[index] = points[labels == index].mean(axis=0)
        shift = float(((moved - centres) ** 2).sum())
        centres = moved
        if shift < tolerance:
            break
    return centres


def main(argv: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=5000)
    parser.add_argument("k", nargs="?", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args(argv)
    points = generate(args.n, args.k)
    initial = points[:args.k].copy()
    with SparkContext(appName="PythonKMeans") as sc:
        centres = kmeans(sc, points, initial, args.iterations)
    expected = kmeans_numpy(points, initial, args.iterations)
    print("Final centers:", np.round(centres, 4).tolist())
    return centres, expected


if __name__ == "__main__":
    main()
