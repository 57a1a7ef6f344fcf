"""``toDebugString``: the lineage laid out as Spark prints it.

Spark's layout: the first line is ``(N) <rdd> [<storage>]``; narrow parents
follow on lines prefixed by a bar under the ``(N)``; a shuffle parent opens a
new stage with ``+-(M)``, and its own parents are indented one step right.
When a node has several parents, the bar of the stage above carries on (``|``)
past every parent but the last. A persisted node with cached blocks is
followed by a ``CachedPartitions`` line.
"""
from __future__ import annotations

import re
from typing import Any

from minispark.common.units import format_size
from minispark.scheduler.dependency import ShuffleDependency
from minispark.storagelevel import StorageLevel

_TRAILING_BAR = re.compile(r"\|\s+$")


def debug_string(rdd: Any) -> str:
    """The lineage of ``rdd``, one line per node (plus cache lines).

    Walks with an explicit stack, so thousands of levels print without recursion.
    Every line shows the storage level of ``rdd`` itself, not of the node on
    that line: Spark prints it that way, and scripts compare the text.
    """
    level = rdd.getStorageLevel()
    persistence = "" if level == StorageLevel.NONE else str(level)
    cached = {info.rdd_id: info for info in rdd.ctx.getRDDStorageInfo()
              if info.num_cached_partitions}
    lines: list[str] = []
    # (node, prefix of its lines, "root" | "narrow" | "shuffle", whether it is the last parent)
    stack: list[tuple[Any, str, str, bool]] = [(rdd, "", "root", True)]
    while stack:
        node, prefix, edge, last = stack.pop()
        if isinstance(node, str):  # a checkpoint, shown as the parent it stands for
            lines.append(f"{prefix}{node} [{persistence}]")
            continue
        head, extra, inner = _layout(node, prefix, edge, last)
        lines.append(f"{head}{node!r} [{persistence}]")
        info = cached.get(node.id())
        if info is not None:
            lines.append(f"{extra}    CachedPartitions: {info.num_cached_partitions}; "
                         f"MemorySize: {format_size(info.memory_size)}; "
                         f"DiskSize: {format_size(info.disk_size)}")
        stack.extend(reversed(_parents(node, inner)))
    return "\n".join(lines)


def _layout(node: Any, prefix: str, edge: str, last: bool) -> tuple[str, str, str]:
    """(start of the node's line, start of its cache line, prefix of its parents' lines)."""
    if edge == "narrow":
        return prefix, prefix, prefix
    count = f"({node.getNumPartitions()})"
    left = (len(count) - 1) // 2
    bar = " " * left + "|" + " " * (len(count) - left)
    if edge == "root":
        return f"{count} ", f"{bar} ", bar
    stem = _TRAILING_BAR.sub("", prefix)
    inner = stem + ("  " if last else "| ") + bar
    return f"{stem}+-{count} ", inner, inner


def _parents(node: Any, prefix: str) -> list[tuple[Any, str, str, bool]]:
    if node.isCheckpointed():
        kind = "LocalCheckpointRDD" if node.isLocallyCheckpointed() else "ReliableCheckpointRDD"
        return [(f"{kind}[{node.id()}] at {node.getCheckpointFile()}", prefix, "narrow", True)]
    deps = node.dependencies
    return [(dep.rdd, prefix, "shuffle" if isinstance(dep, ShuffleDependency) else "narrow",
             i == len(deps) - 1) for i, dep in enumerate(deps)]
