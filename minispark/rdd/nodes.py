"""Lineage node types: where each RDD's partitions come from."""
from __future__ import annotations

import bisect
import functools
import io
import os
from itertools import chain
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from minispark.common import serialization
from minispark.rdd.join import JoinType, cogrouped_pairs, hash_join
from minispark.rdd.pipeline import Pipeline
from minispark.rdd.rdd import RDD
from minispark.resultiterable import ResultIterable
from minispark.scheduler.dependency import (
    ManyToOneDependency, OneToOneDependency, RangeDependency, ShuffleDependency,
)
from minispark.shuffle.aggregator import GROUP_BY_KEY, Aggregator, Merger
from minispark.shuffle.handle import ShuffleHandle
from minispark.shuffle.partitioner import Partitioner
from minispark.shuffle.reader import fetch_partition, read_partition

if TYPE_CHECKING:
    from minispark.context import SparkContext
    from minispark.taskcontext import TaskContext

#: Parallelized data larger than this (pickled) goes to files, not the stage binary.
INLINE_SLICE_BYTES = 1 << 20


class ParallelCollectionRDD(RDD):
    """A driver-side collection cut into slices (``sc.parallelize``)."""

    def __init__(self, ctx: "SparkContext", slices: list[Sequence[Any]]) -> None:
        super().__init__(ctx, [], len(slices))
        self._slices: list[Sequence[Any]] | None = slices
        self._packed: list[Any] | None = None

    def _ship_state(self) -> dict:
        if self._packed is None:
            self._packed = self._pack()
        state = super()._ship_state()
        state["_slices"] = None
        return state

    def _pack(self) -> list[Any]:
        """Pickle each slice once; large data goes to files executors read directly.

        Slices are framed batches, not one pickle each: a single ``dumps`` of a
        250k-record slice memoises every object and costs ~3x more.
        """
        assert self._slices is not None
        packed: list[Any] = [s if isinstance(s, range) else _framed(s) for s in self._slices]
        if sum(len(p) for p in packed if isinstance(p, bytes)) <= INLINE_SLICE_BYTES:
            return packed
        folder = os.path.join(self.ctx._app_dir, "parallelize", str(self._id))
        os.makedirs(folder, exist_ok=True)
        for i, item in enumerate(packed):
            if isinstance(item, bytes):
                path = os.path.join(folder, f"slice_{i}")
                with open(path, "wb") as f:
                    f.write(item)
                packed[i] = path
        return packed

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        if self._slices is not None:
            return iter(self._slices[index])
        item = self._packed[index]  # type: ignore[index]
        if isinstance(item, range):
            return iter(item)
        if isinstance(item, str):
            return serialization.read_file_records(item)
        return serialization.iter_records(item)


def _framed(records: Sequence[Any]) -> bytes:
    buf = io.BytesIO()
    serialization.write_batches(buf, records)
    return buf.getvalue()


class FileSplitRDD(RDD):
    """Records read from file splits by ``reader(split)`` (textFile, pickleFile, ...).

    As with Hadoop input formats in Spark, ``plan()`` lists the input when the
    partitions are first needed (the first action, or ``getNumPartitions``),
    not when the RDD is defined; the splits are then fixed for this RDD, so a
    recomputed partition reads the same byte range.
    """

    def __init__(self, ctx: "SparkContext", plan: Callable[[], Sequence[Any]],
                 reader: Callable[[Any], Iterator[Any]]) -> None:
        if not callable(plan):
            raise TypeError("FileSplitRDD takes a function that lists the splits when they "
                            f"are first needed, not the splits themselves (got {type(plan)})")
        super().__init__(ctx, [], None)
        self._plan: Callable[[], Sequence[Any]] | None = plan
        self._splits: list[Any] | None = None
        self._reader = reader

    def _plan_own_partitions(self) -> int:
        assert self._plan is not None
        self._splits = list(self._plan())
        self._plan = None
        return len(self._splits)

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        return iter(self._reader(self._splits[index]))  # type: ignore[index]

    def preferred_hosts(self, index: int) -> tuple[str, ...]:
        """Hosts holding this split's data (HDFS block locations)."""
        self.getNumPartitions()
        return tuple(getattr(self._splits[index], "hosts", ()))  # type: ignore[index]


class EmptyRDD(RDD):
    """An RDD with no partitions."""

    def __init__(self, ctx: "SparkContext") -> None:
        super().__init__(ctx, [], 0)

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        return iter(())


class MapPartitionsRDD(RDD):
    """Fused narrow steps over one parent (PySpark's PipelinedRDD)."""

    def __init__(self, parent: RDD, pipeline: Pipeline, partitioner: Any) -> None:
        # The parent's count, or None until its input is listed (see _partitions_like).
        super().__init__(parent.ctx, [OneToOneDependency(parent)], parent._num_partitions,
                         partitioner)
        self._pipeline = pipeline

    def _partitions_like(self) -> RDD:
        return self._deps[0].rdd

    def _fusable(self) -> bool:
        """Later steps may join this node unless it is cached or checkpointed."""
        return (not self._is_stored() and self._checkpoint_files is None
                and not self.ctx._checkpoints.is_requested(self))

    def _narrow_hop(self, index: int) -> tuple[Any, int, Any]:
        return self._deps[0].rdd, index, self._pipeline


class UnionRDD(RDD):
    """The partitions of several RDDs, one after another."""

    def __init__(self, ctx: "SparkContext", rdds: Sequence[RDD]) -> None:
        deps, starts, total = [], [], 0
        for rdd in rdds:
            n = rdd.getNumPartitions()
            deps.append(RangeDependency(rdd, 0, total, n))
            starts.append(total)
            total += n
        super().__init__(ctx, deps, total)
        self._starts = starts

    def _narrow_hop(self, index: int) -> tuple[Any, int, None]:
        k = bisect.bisect_right(self._starts, index) - 1
        while self._deps[k].length == 0:  # skip parents with no partitions
            k -= 1
        return self._deps[k].rdd, index - self._starts[k], None


class CoalescedRDD(RDD):
    """Fewer partitions, each reading a contiguous range of the parent's."""

    def __init__(self, parent: RDD, num_partitions: int) -> None:
        n = parent.getNumPartitions()
        groups = [list(range(i * n // num_partitions, (i + 1) * n // num_partitions))
                  for i in range(num_partitions)]
        super().__init__(parent.ctx, [ManyToOneDependency(parent, groups)], num_partitions)

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        dep = self._deps[0]
        return chain.from_iterable(dep.rdd.iterator(i, task_context) for i in dep.groups[index])


class ZippedPartitionsRDD(RDD):
    """Pairs the i-th records of two equally partitioned RDDs."""

    def __init__(self, first: RDD, second: RDD) -> None:
        super().__init__(first.ctx, [OneToOneDependency(first), OneToOneDependency(second)],
                         first.getNumPartitions())

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        left = self._deps[0].rdd.iterator(index, task_context)
        right = self._deps[1].rdd.iterator(index, task_context)
        try:
            yield from zip(left, right, strict=True)
        except ValueError:
            raise ValueError("Can only zip RDDs with same number of elements in each "
                             "partition") from None


class CartesianRDD(RDD):
    """Every pair of records: partition (i, j) pairs first's i with second's j."""

    def __init__(self, first: RDD, second: RDD) -> None:
        n1, n2 = first.getNumPartitions(), second.getNumPartitions()
        deps = [ManyToOneDependency(first, [[k // n2] for k in range(n1 * n2)]),
                ManyToOneDependency(second, [[k % n2] for k in range(n1 * n2)])]
        super().__init__(first.ctx, deps, n1 * n2)

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        first, second = self._deps
        right = list(second.rdd.iterator(second.groups[index][0], task_context))
        for x in first.rdd.iterator(first.groups[index][0], task_context):
            for y in right:
                yield (x, y)


class ShuffledRDD(RDD):
    """The reduce side of a shuffle: records fetched by key, combined or sorted."""

    def __init__(self, parent: RDD, handle: ShuffleHandle) -> None:
        super().__init__(parent.ctx, [ShuffleDependency(parent, handle)], handle.num_partitions,
                         handle.partitioner)
        self._handle = handle

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        env = task_context._env
        paths = env.shuffle_inputs[self._handle.shuffle_id]
        return read_partition(self._handle, index, paths, env.spill)


class CoGroupedRDD(RDD):
    """For each key, the values from every parent; co-partitioned parents aren't shuffled."""

    def __init__(self, ctx: "SparkContext", rdds: Sequence[RDD], partitioner: Partitioner) -> None:
        deps = [OneToOneDependency(rdd) if rdd.partitioner == partitioner
                else ShuffleDependency(rdd, ctx._shuffle_handle(partitioner))
                for rdd in rdds]
        super().__init__(ctx, deps, partitioner.numPartitions, partitioner)

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        width = len(self._deps)
        merger = Merger(Aggregator(None, None, _extend_each), task_context._env.spill)
        for side, dep in enumerate(self._deps):
            records = self._side_records(dep, index, task_context)
            merger.merge_with(records, functools.partial(_add_to_side, side, width))
        return ((key, tuple(map(ResultIterable, lists))) for key, lists in merger.items())

    @staticmethod
    def _side_records(dep: Any, index: int, task_context: "TaskContext") -> Iterator[tuple]:
        if isinstance(dep, ShuffleDependency):
            paths = task_context._env.shuffle_inputs[dep.shuffle_id]
            return fetch_partition(dep.handle, index, paths)
        return dep.rdd.iterator(index, task_context)


class JoinedRDD(CoGroupedRDD):
    """(k, (v, w)) pairs of two RDDs' values with equal keys, by a hash join per partition."""

    def __init__(self, ctx: "SparkContext", left: RDD, right: RDD, partitioner: Partitioner,
                 how: JoinType) -> None:
        super().__init__(ctx, [left, right], partitioner)
        self._how = how

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        left_dep, right_dep = self._deps
        policy = task_context._env.spill
        table = Merger(GROUP_BY_KEY, policy)
        table.merge_values(self._side_records(right_dep, index, task_context))
        left = self._side_records(left_dep, index, task_context)
        if not table.spilled:
            return hash_join(table.data, left, self._how)
        # The right side did not fit: group both sides within the limit instead.
        groups = Merger(Aggregator(None, None, _extend_each), policy)
        groups.merge_with(((key, [[], values]) for key, values in table.items()),
                          _merge_groups)
        groups.merge_with(left, functools.partial(_add_to_side, 0, 2))
        return cogrouped_pairs(groups.items(), self._how)


def _merge_groups(data: dict, chunk: list) -> None:
    """Fold (key, per-parent lists) combiners into ``data``."""
    for key, lists in chunk:
        mine = data.get(key)
        if mine is None:
            data[key] = lists
        else:
            _extend_each(mine, lists)


def _add_to_side(side: int, width: int, data: dict, chunk: list) -> None:
    """Append each value to its key's list for parent ``side`` (one list per parent)."""
    get = data.get
    for key, value in chunk:
        lists = get(key)
        if lists is None:
            lists = data[key] = [[] for _ in range(width)]
        lists[side].append(value)


def _extend_each(a: list[list], b: list[list]) -> list[list]:
    """Merge two spilled cogroup combiners parent by parent."""
    for mine, theirs in zip(a, b):
        mine.extend(theirs)
    return a
