"""Transitive closure of a directed graph by repeated joins, until nothing new appears.

    python examples/transitive_closure.py [N_VERTICES] [N_EDGES]
"""
from __future__ import annotations

import argparse

import numpy as np

from minispark import SparkContext


def generate(vertices: int, edges: int, seed: int = 1) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, vertices, size=(edges, 2)) if a != b}
    return sorted(pairs)


def closure(sc: SparkContext, edges: list[tuple[int, int]], partitions: int = 4
            ) -> set[tuple[int, int]]:
    """Every (a, b) such that b is reachable from a by one or more edges."""
    by_source = sc.parallelize(edges, partitions).partitionBy(partitions).cache()
    paths = by_source
    count = paths.count()
    while True:
        # a path (x, y) and an edge (y, z) give the path (x, z)
        longer = (paths.map(lambda p: (p[1], p[0]))
                  .join(by_source, partitions)
                  .map(lambda joined: joined[1]))
        grown = paths.union(longer).distinct(partitions).cache()
        grown_count = grown.count()
        if paths is not by_source:
            paths.unpersist()
        paths = grown
        if grown_count == count:
            return set(paths.collect())
        count = grown_count


def closure_numpy(edges: list[tuple[int, int]], vertices: int) -> set[tuple[int, int]]:
    """Reachability by repeated boolean matrix products, for checking."""
    reach = np.zeros((vertices, vertices), dtype=bool)
    for a, b in edges:
        reach[a, b] = True
    while True:
        grown = reach | ((reach.astype(np.int64) @ reach.astype(np.int64)) > 0)
        if (grown == reach).all():
            break
        reach = grown
    return {(int(a), int(b)) for a, b in zip(*np.nonzero(reach))}


def main(argv: list[str] | None = None) -> tuple[set, set]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vertices", nargs="?", type=int, default=60)
    parser.add_argument("edges", nargs="?", type=int, default=80)
    args = parser.parse_args(argv)
    edges = generate(args.vertices, args.edges)
    with SparkContext(appName="PythonTransitiveClosure") as sc:
        result = closure(sc, edges)
    print(f"TC has {len(result)} edges")
    return result, closure_numpy(edges, args.vertices)


if __name__ == "__main__":
    main()
