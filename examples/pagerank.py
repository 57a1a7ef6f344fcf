"""PageRank over a cached, hash-partitioned link table.

    python examples/pagerank.py [N_PAGES] [ITERATIONS]

rank(p) = 0.15 + 0.85 * sum(rank(q) / outdegree(q) for q linking to p).
The links are partitioned once and cached; the ranks keep the same
partitioner, so each iteration's join reads the links without a shuffle.
"""
from __future__ import annotations

import argparse
from operator import add
from typing import Iterator

import numpy as np

from minispark import SparkContext


def generate(n: int, extra_edges: int, seed: int = 9) -> list[tuple[int, int]]:
    """A ring (every page has in- and out-links) plus random extra edges."""
    rng = np.random.default_rng(seed)
    edges = {(i, (i + 1) % n) for i in range(n)}
    src, dst = rng.integers(0, n, extra_edges), rng.integers(0, n, extra_edges)
    edges.update((int(a), int(b)) for a, b in zip(src, dst) if a != b)
    return sorted(edges)


def contributions(neighbours_rank: tuple[list[int], float]) -> Iterator[tuple[int, float]]:
    neighbours, rank = neighbours_rank
    share = rank / len(neighbours)
    return ((page, share) for page in neighbours)


def pagerank(sc: SparkContext, edges: list[tuple[int, int]], iterations: int,
             partitions: int = 4) -> dict[int, float]:
    links = sc.parallelize(edges, partitions).groupByKey(partitions).mapValues(list).cache()
    ranks = links.mapValues(lambda _: 1.0)
    for _ in range(iterations):
        contribs = links.join(ranks, partitions).values().flatMap(contributions)
        ranks = contribs.reduceByKey(add, partitions).mapValues(lambda r: 0.15 + 0.85 * r)
    return ranks.collectAsMap()


def pagerank_numpy(edges: list[tuple[int, int]], n: int, iterations: int) -> np.ndarray:
    """The same iterations as a matrix product, for checking."""
    src = np.array([a for a, _ in edges])
    dst = np.array([b for _, b in edges])
    outdegree = np.bincount(src, minlength=n)
    ranks = np.ones(n)
    for _ in range(iterations):
        ranks = 0.15 + 0.85 * np.bincount(dst, weights=ranks[src] / outdegree[src], minlength=n)
    return ranks


def main(argv: list[str] | None = None) -> tuple[dict[int, float], np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("iterations", nargs="?", type=int, default=10)
    args = parser.parse_args(argv)
    edges = generate(args.n, 4 * args.n)
    with SparkContext(appName="PythonPageRank") as sc:
        ranks = pagerank(sc, edges, args.iterations)
    for page, rank in sorted(ranks.items(), key=lambda pr: -pr[1])[:5]:
        print(f"{page} has rank: {rank:.6f}.")
    return ranks, pagerank_numpy(edges, args.n, args.iterations)


if __name__ == "__main__":
    main()
