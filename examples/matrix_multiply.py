"""Matrix multiplication in one MapReduce step, checked against numpy.

    python examples/matrix_multiply.py [N M P] [--seed S]

C = A (N x M) times B (M x P). The mapper sends every entry to each output
cell that needs it: a_ij to ((i, k), ('A', j, a_ij)) for every k, and b_jk to
((i, k), ('B', j, b_jk)) for every i. The reducer for cell (i, k) pairs the
A and B entries with the same j and sums their products.
"""
from __future__ import annotations

import argparse
from typing import Iterable, Iterator

import numpy as np

from minispark import SparkContext


def _emit(entry: tuple[str, int, int, float], n: int, p: int) -> Iterator[tuple]:
    name, row, col, value = entry
    if name == "A":
        return (((row, k), ("A", col, value)) for k in range(p))
    return (((i, col), ("B", row, value)) for i in range(n))


def _cell(values: Iterable[tuple[str, int, float]]) -> float:
    a, b = {}, {}
    for name, j, value in values:
        (a if name == "A" else b)[j] = value
    return sum(v * b[j] for j, v in a.items() if j in b)


def multiply(sc: SparkContext, a: np.ndarray, b: np.ndarray, partitions: int = 4) -> np.ndarray:
    """A @ B computed by the one-step MapReduce formulation."""
    n, p = a.shape[0], b.shape[1]
    entries = [("A", i, j, float(a[i, j])) for i in range(a.shape[0]) for j in range(a.shape[1])]
    entries += [("B", j, k, float(b[j, k])) for j in range(b.shape[0]) for k in range(p)]
    cells = (sc.parallelize(entries, partitions)
             .flatMap(lambda e: _emit(e, n, p))
             .groupByKey(partitions)
             .mapValues(_cell)
             .collect())
    result = np.zeros((n, p))
    for (i, k), value in cells:
        result[i, k] = value
    return result


def main(argv: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dims", nargs="*", type=int, default=[20, 30, 10])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    n, m, p = args.dims
    rng = np.random.default_rng(args.seed)
    a, b = rng.integers(-5, 6, (n, m)).astype(float), rng.integers(-5, 6, (m, p)).astype(float)
    with SparkContext(appName="PythonMatrixMultiply") as sc:
        c = multiply(sc, a, b)
    expected = a @ b
    print(f"C = A ({n}x{m}) x B ({m}x{p}); max |C - numpy| = {np.abs(c - expected).max()}")
    return c, expected


if __name__ == "__main__":
    main()
