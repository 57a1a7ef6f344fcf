"""``toDebugString``: the lineage as Spark prints it, indented at shuffle boundaries."""
from __future__ import annotations

from typing import Any

from minispark.scheduler.dependency import ShuffleDependency
from minispark.storagelevel import StorageLevel


def debug_string(rdd: Any) -> str:
    """One line per node; ``+-(N)`` opens a new stage, ``|`` continues one.

    Walks with an explicit stack, so thousands of levels print without recursion.
    """
    lines = []
    stack = [(rdd, "", "root")]
    while stack:
        node, indent, edge = stack.pop()
        text = _describe(node)
        if edge == "root":
            lines.append(f"({node.getNumPartitions()}) {text}")
        elif edge == "shuffle":
            lines.append(f"{indent} +-({node.getNumPartitions()}) {text}")
            indent += "   "
        else:
            lines.append(f"{indent} |  {text}")
        for dep in reversed(node.dependencies):
            stack.append((dep.rdd, indent,
                          "shuffle" if isinstance(dep, ShuffleDependency) else "narrow"))
    return "\n".join(lines)


def _describe(node: Any) -> str:
    level = node.getStorageLevel()
    storage = "" if level == StorageLevel.NONE else str(level)
    text = f"{node!r} [{storage}]"
    if node.isCheckpointed():
        text += f"\n |  ReliableCheckpointRDD[{node.id()}] at {node.getCheckpointFile()} []"
    return text
