"""Walking and shipping lineage graphs without recursion.

Lineage can be thousands of RDDs deep (iterative jobs). Pickling the graph
as nested objects would recurse once per level and hit the interpreter's
recursion limit, so a stage's graph is shipped as a flat list of nodes whose
edges name parents by id, and re-linked after loading.
"""
from __future__ import annotations

import pickle
from typing import Any, Callable, Iterator

from minispark.common import serialization
from minispark.scheduler.dependency import ShuffleDependency


def walk(root: Any, across_shuffles: bool = False) -> Iterator[Any]:
    """Every RDD ``root`` depends on (itself included), each once, without recursion."""
    stack, seen = [root], {root._id}
    while stack:
        rdd = stack.pop()
        yield rdd
        for dep in rdd.dependencies:
            crosses = isinstance(dep, ShuffleDependency)
            if (across_shuffles or not crosses) and dep.rdd._id not in seen:
                seen.add(dep.rdd._id)
                stack.append(dep.rdd)


def narrow_graph(root: Any) -> Iterator[Any]:
    """Every RDD reachable from ``root`` without crossing a shuffle: one stage's RDDs."""
    return walk(root)


def shuffle_dependencies(root: Any) -> list[ShuffleDependency]:
    """The shuffle dependencies at the edge of ``root``'s stage, in discovery order."""
    found: dict[int, ShuffleDependency] = {}
    for rdd in narrow_graph(root):
        for dep in rdd.dependencies:
            if isinstance(dep, ShuffleDependency):
                found.setdefault(dep.shuffle_id, dep)
    return list(found.values())


def serialize_stage(root: Any, payload: Any) -> bytes:
    """Pickle a stage's RDD graph (up to its shuffle inputs) plus ``payload`` once."""
    nodes = []
    for rdd in narrow_graph(root):
        edges = [(dep.detached(), None if isinstance(dep, ShuffleDependency) else dep.rdd._id)
                 for dep in rdd.dependencies]
        nodes.append((rdd._id, type(rdd), rdd._ship_state(), edges))
    try:
        return serialization.dumps_code((root._id, nodes, payload))
    except Exception as exc:  # noqa: BLE001 - re-raised with the cause named
        raise pickle.PicklingError(
            f"Could not serialize the functions of {root!r} to send them to executors: "
            f"{type(exc).__name__}: {exc}. Functions passed to RDD methods must not "
            "capture objects that cannot be pickled (locks, sockets, open files, "
            "SparkContext, RDDs).") from exc


def deserialize_stage(data: bytes, loads: Callable[[bytes], Any] = serialization.loads
                      ) -> tuple[Any, Any]:
    """Rebuild (root RDD, payload) from :func:`serialize_stage`'s bytes."""
    root_id, nodes, payload = loads(data)
    rdds = {}
    for rdd_id, cls, state, _ in nodes:
        rdd = cls.__new__(cls)
        rdd.__dict__.update(state)
        rdds[rdd_id] = rdd
    for rdd_id, _, _, edges in nodes:
        deps = []
        for dep, parent_id in edges:
            if parent_id is not None:
                dep.rdd = rdds[parent_id]
            deps.append(dep)
        rdds[rdd_id]._attach_dependencies(deps)
    return rdds[root_id], payload
