"""Dependencies between RDDs: the edges of the lineage graph the scheduler walks."""
from __future__ import annotations

import copy
from typing import Any

from minispark.shuffle.handle import ShuffleHandle


class Dependency:
    """An edge from a child RDD to the parent RDD ``rdd``."""

    def __init__(self, rdd: Any) -> None:
        self.rdd = rdd

    def detached(self) -> "Dependency":
        """A copy without the parent, for shipping the graph one node at a time."""
        clone = copy.copy(self)
        clone.rdd = None
        return clone


class NarrowDependency(Dependency):
    """Each child partition depends on a few parent partitions, known up front."""

    def getParents(self, partition_id: int) -> list[int]:
        raise NotImplementedError


class OneToOneDependency(NarrowDependency):
    """Child partition i reads parent partition i."""

    def getParents(self, partition_id: int) -> list[int]:
        return [partition_id]


class RangeDependency(NarrowDependency):
    """Child partitions [out_start, out_start+length) read parent [in_start, ...)."""

    def __init__(self, rdd: Any, in_start: int, out_start: int, length: int) -> None:
        super().__init__(rdd)
        self.in_start, self.out_start, self.length = in_start, out_start, length

    def getParents(self, partition_id: int) -> list[int]:
        if self.out_start <= partition_id < self.out_start + self.length:
            return [partition_id - self.out_start + self.in_start]
        return []


class ManyToOneDependency(NarrowDependency):
    """Each child partition reads a listed group of parent partitions (coalesce, zip)."""

    def __init__(self, rdd: Any, groups: list[list[int]]) -> None:
        super().__init__(rdd)
        self.groups = groups

    def getParents(self, partition_id: int) -> list[int]:
        return list(self.groups[partition_id])


class ShuffleDependency(Dependency):
    """A stage boundary: the parent's records are redistributed by key."""

    def __init__(self, rdd: Any, handle: ShuffleHandle) -> None:
        super().__init__(rdd)
        self.handle = handle

    @property
    def shuffle_id(self) -> int:
        return self.handle.shuffle_id
