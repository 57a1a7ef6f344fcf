"""Logistic regression by batch gradient descent over a cached RDD of points.

    python examples/logistic_regression.py [N_POINTS] [ITERATIONS] [--numpy]

Each iteration broadcasts the current weights, sums the gradient over all
points, and takes one step. The points stay cached in executor memory, so
every iteration after the first reads them from there. ``--numpy`` computes
each partition's gradient with one numpy expression (mapPartitions) instead
of one Python call per point (map), as Spark's example does.
"""
from __future__ import annotations

import argparse
from typing import Iterator

import numpy as np

from minispark import SparkContext

D = 10


def generate(n: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Points with D features and labels in {-1, 1} from a noisy linear rule."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, D))
    y = np.where(x @ rng.normal(size=D) + rng.normal(scale=0.5, size=n) > 0, 1.0, -1.0)
    return x, y


def point_gradient(w: np.ndarray, point: tuple[float, np.ndarray]) -> np.ndarray:
    y, x = point
    return (1.0 / (1.0 + np.exp(-y * x.dot(w))) - 1.0) * y * x


def partition_gradient(w: np.ndarray, points: Iterator[np.ndarray]) -> list[np.ndarray]:
    """One row [y, x1..xD] per point, stacked: the gradient in one numpy expression."""
    rows = list(points)
    if not rows:
        return [np.zeros(D)]
    block = np.vstack(rows)
    y, x = block[:, 0], block[:, 1:]
    return [((1.0 / (1.0 + np.exp(-y * (x @ w))) - 1.0) * y) @ x]


def train(sc: SparkContext, x: np.ndarray, y: np.ndarray, iterations: int,
          vectorized: bool, partitions: int | None = None) -> np.ndarray:
    """Weights after ``iterations`` gradient steps (initial weights: zeros)."""
    if vectorized:
        points = sc.parallelize(list(np.column_stack([y, x])), partitions).cache()
    else:
        points = sc.parallelize(list(zip(y.tolist(), x)), partitions).cache()
    w = np.zeros(D)
    for _ in range(iterations):
        weights = sc.broadcast(w)
        if vectorized:
            gradient = points.mapPartitions(lambda it: partition_gradient(weights.value, it))
        else:
            gradient = points.map(lambda p: point_gradient(weights.value, p))
        w = w - gradient.reduce(lambda a, b: a + b)
        weights.destroy()
    return w


def train_numpy(x: np.ndarray, y: np.ndarray, iterations: int) -> np.ndarray:
    """The same descent on one machine, for checking."""
    w = np.zeros(D)
    for _ in range(iterations):
        w = w - ((1.0 / (1.0 + np.exp(-y * (x @ w))) - 1.0) * y) @ x
    return w


def main(argv: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("iterations", nargs="?", type=int, default=10)
    parser.add_argument("--numpy", action="store_true")
    args = parser.parse_args(argv)
    x, y = generate(args.n)
    with SparkContext(appName="PythonLR") as sc:
        w = train(sc, x, y, args.iterations, args.numpy)
    expected = train_numpy(x, y, args.iterations)
    print(f"Final w: {np.round(w, 4)}")
    print(f"max |w - numpy| = {np.abs(w - expected).max():.3g}")
    return w, expected


if __name__ == "__main__":
    main()
