"""What both sides of one shuffle need to know, without the parent RDD."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, NamedTuple

from minispark.shuffle.aggregator import Aggregator
from minispark.shuffle.mapstatus import BlockSizes
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
    """Where one map task wrote its output and how many bytes each reduce gets.

    The writer measures exact ``sizes``; the executor sends the driver the
    :meth:`compact` form (:mod:`minispark.shuffle.mapstatus`), whose sizes are
    estimates except that empty blocks read 0 exactly and the total is exact.

    >>> from minispark.shuffle.mapstatus import ExactSizes
    >>> status = MapStatus(0, 3, "/tmp/shuffle_0_3.data", ExactSizes((0, 1000)), 9, "1")
    >>> small = status.compact()
    >>> small.size(0), small.size(1) >= 1000, small.total, small.location().path
    (0, True, 1000, '/tmp/shuffle_0_3.data')
    """

    shuffle_id: int
    map_index: int
    path: str
    sizes: BlockSizes
    records: int
    executor_id: str
    #: (host, port) of the writer's block-transfer service; None when it has none.
    address: tuple[str, int] | None = None
    # Built once: a reduce stage asks every status for it once per task.
    _location: "MapLocation" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_location",
                           MapLocation(self.path, self.executor_id, self.address))

    def location(self) -> "MapLocation":
        """What a reduce task needs to read this output."""
        return self._location

    def size(self, reduce_index: int) -> int:
        """Bytes for one reduce partition (estimated once compact; 0 exactly when empty)."""
        return self.sizes.size(reduce_index)

    @property
    def total(self) -> int:
        """Exact bytes written for all reduce partitions."""
        return self.sizes.total

    def compact(self) -> "MapStatus":
        """This status as the driver keeps it: sizes compressed as Spark's map statuses."""
        return replace(self, sizes=self.sizes.compact())


class MapLocation(NamedTuple):
    """Where a reducer finds one map output: on disk, or at a block-transfer service."""

    path: str
    executor_id: str = ""
    address: tuple[str, int] | None = None
