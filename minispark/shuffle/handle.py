"""What both sides of one shuffle need to know, without the parent RDD."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from minispark.shuffle.aggregator import Aggregator
from minispark.shuffle.partitioner import Partitioner


@dataclass(frozen=True)
class ShuffleHandle:
    """Identifies a shuffle and how records are partitioned and combined.

    ``key_ordering`` (a key function) asks the reduce side to sort each
    partition by key, as ``sortByKey`` needs.
    """

    shuffle_id: int
    partitioner: Partitioner
    aggregator: Aggregator | None = None
    map_side_combine: bool = False
    key_ordering: Callable[[Any], Any] | None = None
    ascending: bool = True

    @property
    def num_partitions(self) -> int:
        return self.partitioner.numPartitions


@dataclass(frozen=True)
class MapStatus:
    """Where one map task wrote its output and how many bytes each reduce gets."""

    shuffle_id: int
    map_index: int
    path: str
    sizes: tuple[int, ...]
    records: int
    executor_id: str
    #: (host, port) of the writer's block-transfer service; None when it has none.
    address: tuple[str, int] | None = None

    def location(self) -> "MapLocation":
        """What a reduce task needs to read this output."""
        return MapLocation(self.path, self.executor_id, self.address)


class MapLocation(NamedTuple):
    """Where a reducer finds one map output: on disk, or at a block-transfer service."""

    path: str
    executor_id: str = ""
    address: tuple[str, int] | None = None
