"""Geometry for the UI's drawings: a stage's RDD graph and the jobs' event timeline.

Both are laid out here and drawn as inline SVG by the templates (so the
browser runs no layout script and every label goes through autoescaping).
A stage's RDD graph is a small DAG, usually a chain: it is laid out in
layers by longest path from its inputs, the classic layered (Sugiyama)
first step, which is all such graphs need.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 190, 44, 40, 36, 12


@dataclass
class Node:
    rdd_id: int
    label: str
    detail: str
    cached: bool
    x: int = 0
    y: int = 0


@dataclass
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass
class Drawing:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]


def rdd_graph(rdds: list[dict[str, Any]]) -> Drawing:
    """Lay out a stage's ``RDD Info`` entries top (inputs) to bottom (the stage's RDD).

    >>> d = rdd_graph([{"RDD ID": 2, "Name": "b", "Parent IDs": [1]},
    ...                {"RDD ID": 1, "Name": "a", "Parent IDs": []}])
    >>> [(n.label, n.y) for n in d.nodes], len(d.edges)
    ([('a [1]', 12), ('b [2]', 92)], 1)
    """
    by_id = {r["RDD ID"]: r for r in rdds}
    layer: dict[int, int] = {}

    def depth(rdd_id: int) -> int:
        stack = [rdd_id]
        while stack:
            top = stack[-1]
            parents = [p for p in by_id[top].get("Parent IDs", []) if p in by_id]
            missing = [p for p in parents if p not in layer]
            if missing:
                stack.extend(missing)
                continue
            layer[top] = 1 + max((layer[p] for p in parents), default=-1)
            stack.pop()
        return layer[rdd_id]

    rows: dict[int, list[int]] = {}
    for rdd_id in sorted(by_id):
        rows.setdefault(depth(rdd_id), []).append(rdd_id)
    nodes: dict[int, Node] = {}
    for row, ids in rows.items():
        for column, rdd_id in enumerate(ids):
            r = by_id[rdd_id]
            level = r.get("Storage Level", {})
            nodes[rdd_id] = Node(rdd_id, f"{r.get('Name', '')} [{rdd_id}]",
                                 r.get("Callsite", ""),
                                 bool(level.get("Use Memory") or level.get("Use Disk")),
                                 PAD + column * (NODE_W + GAP_X), PAD + row * (NODE_H + GAP_Y))
    edges = [Edge(nodes[p].x + NODE_W // 2, nodes[p].y + NODE_H, n.x + NODE_W // 2, n.y)
             for n in nodes.values() for p in by_id[n.rdd_id].get("Parent IDs", [])
             if p in nodes]
    width = 2 * PAD + max((len(ids) for ids in rows.values()), default=0) * (NODE_W + GAP_X)
    height = 2 * PAD + len(rows) * (NODE_H + GAP_Y)
    return Drawing(width, height, sorted(nodes.values(), key=lambda n: n.rdd_id), edges)


@dataclass
class Bar:
    job_id: int
    label: str
    status: str
    x: int
    y: int
    width: int


def timeline(jobs: list[dict[str, Any]], start: int, now: int, width: int = 900,
             row: int = 22) -> tuple[list[Bar], int]:
    """One bar per job from submission to completion (or now), scaled to ``width`` pixels.

    >>> bars, height = timeline([{"jobId": 0, "name": "count", "status": "SUCCEEDED",
    ...                           "submissionTime": 1000, "completionTime": 1500}], 0, 2000, 200)
    >>> (bars[0].x, bars[0].width), height
    ((100, 50), 32)
    """
    span = max(now - start, 1)
    bars = []
    for i, job in enumerate(sorted(jobs, key=lambda j: j["jobId"])):
        begin = job.get("submissionTime") or start
        end = job.get("completionTime") or now
        x = int((begin - start) * width / span)
        bars.append(Bar(job["jobId"], job.get("name", ""), job["status"], x, 5 + i * row,
                        max(2, int((end - begin) * width / span))))
    return bars, 10 + len(bars) * row
