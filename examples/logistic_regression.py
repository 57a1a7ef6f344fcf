"""Logistic regression by batch gradient descent over a cached RDD of points.

    python examples/logistic_regression.py [N_POINTS] [ITERATIONS] [--numpy]

Each iteration broadcasts the current weights, sums the gradient over all
points, and takes one step. The points stay cached in executor memory, so
every iteration after the first reads them from there. ``--numpy`` keeps each
partition as one matrix and computes its gradient with one numpy expression
(mapPartitions), instead of one Python call per point (map) as Spark's
example does.
"""
from __future__ import annotations

import argparse
import math
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


#: exp(z) is capped at exp(700): the weights grow without a step size (as in
#: Spark's example), and 1 / (1 + exp(700)) is already 0 to double precision.
MAX_EXPONENT = 700.0


def point_gradient(w: np.ndarray, point: tuple[float, np.ndarray]) -> np.ndarray:
    y, x = point
    return (1.0 / (1.0 + math.exp(min(-y * x.dot(w), MAX_EXPONENT))) - 1.0) * y * x


def partition_gradient(w: np.ndarray, blocks: Iterator[np.ndarray]) -> list[np.ndarray]:
    """Blocks of rows [y, x1..xD]: the gradient of each in one numpy expression."""
    total = np.zeros(D)
    for block in blocks:
        total += _block_gradient(w, block[:, 1:], block[:, 0])
    return [total]


def _block_gradient(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return ((1.0 / (1.0 + np.exp(np.minimum(-y * (x @ w), MAX_EXPONENT))) - 1.0) * y) @ x


def train(sc: SparkContext, x: np.ndarray, y: np.ndarray, iterations: int,
          vectorized: bool, partitions: int | None = None) -> np.ndarray:
    """Weights after ``iterations`` gradient steps (initial weights: zeros)."""
    if vectorized:
        count = partitions or sc.defaultParallelism
        blocks = np.array_split(np.column_stack([y, x]), count)
        points = sc.parallelize(blocks, count).cache()
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
        w = w - _block_gradient(w, x, y)
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
