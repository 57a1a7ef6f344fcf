"""The five properties of an RDD, and how one partition is computed.

An RDD is: partitions (``getNumPartitions``), dependencies on parents, a
``compute(index, task_context)`` function, an optional partitioner and
optional preferred locations. Public methods live in :mod:`minispark.rdd.rdd`.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Iterator

from minispark.common import serialization
from minispark.fs.metrics import counting, current_task_io
from minispark.rdd.pipeline import run_steps
from minispark.storage.block_manager import rdd_block_id
from minispark.storagelevel import StorageLevel

if TYPE_CHECKING:
    from minispark.context import SparkContext
    from minispark.taskcontext import TaskContext

_RDD_IN_CLOSURE = (
    "It appears that you are attempting to broadcast an RDD or reference an RDD from an "
    "action or transformation. RDD transformations and actions can only be invoked by the "
    "driver, not inside of other transformations; for example, "
    "rdd1.map(lambda x: rdd2.values.count() * x) is invalid because the values "
    "transformation and count action cannot be performed inside of the rdd1.map "
    "transformation. For more information, see SPARK-5063."
)

#: Held while partitions are planned, so threads sharing an RDD list its input once.
_PLANNING = threading.RLock()


class RDDBase:
    """Lineage node: what every RDD has, whatever it computes."""

    def __init__(self, ctx: "SparkContext", deps: list, num_partitions: int | None,
                 partitioner: Any = None) -> None:
        self.ctx = ctx
        self._id = ctx._new_rdd_id()
        self._deps = list(deps)
        self._num_partitions = num_partitions
        self.partitioner = partitioner
        self._name: str | None = None
        self._storage_level = StorageLevel.NONE
        self._checkpoint_files: list[str] | None = None
        self._creation_site = ctx._call_site()

    # ---- lineage -------------------------------------------------------------

    @property
    def context(self) -> "SparkContext":
        """The SparkContext this RDD was created on."""
        return self.ctx

    @property
    def dependencies(self) -> list:
        """Edges to parents; none once the RDD is checkpointed (lineage truncated)."""
        return [] if self._checkpoint_files is not None else self._deps

    def _attach_dependencies(self, deps: list) -> None:
        self._deps = deps

    def getNumPartitions(self) -> int:
        """The number of partitions (file input is listed here if no action did yet).

        >>> sc.parallelize([1, 2, 3, 4], 2).getNumPartitions()
        2
        """
        if self._num_partitions is None:
            _plan_partitions(self)
        return self._num_partitions  # type: ignore[return-value]

    def _plan_own_partitions(self) -> int:
        """Fix this node's partitions when first needed (nodes built with ``None`` count)."""
        raise NotImplementedError

    def _partitions_like(self) -> "RDDBase | None":
        """The parent whose partition count this node shares, if it has no plan of its own."""
        return None

    def compute(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        """Produce the records of one partition from this node's inputs."""
        raise NotImplementedError

    def _narrow_hop(self, index: int) -> tuple[Any, int, Any] | None:
        """(parent, parent partition, step or None) when this node only relays."""
        return None

    # ---- shipping to executors -------------------------------------------------

    def _ship_state(self) -> dict:
        """This node's fields for the stage binary, without context or parents.

        Partitions are planned first, here in the driver: executors never list input.
        """
        self.getNumPartitions()
        state = dict(self.__dict__)
        state["ctx"] = None
        state["_deps"] = []
        return state

    def __reduce__(self):
        raise RuntimeError(_RDD_IN_CLOSURE)

    # ---- computing a partition -------------------------------------------------

    def iterator(self, index: int, task_context: "TaskContext") -> Iterator[Any]:
        """The records of partition ``index``: from cache, checkpoint or lineage."""
        return compute_partition(self, index, task_context, use_cache=True)

    def _is_stored(self) -> bool:
        level = self._storage_level
        return level.useMemory or level.useDisk


def _plan_partitions(rdd: RDDBase) -> None:
    """Plan the partitions of ``rdd`` and of the chain of nodes that share its count.

    A loop, not recursion, so thousands of unplanned ``map``-like levels are fine.
    A failed plan (say, a missing input path) is retried by the next call.
    """
    with _PLANNING:
        chain, node = [], rdd
        while node._num_partitions is None:
            parent = node._partitions_like()
            if parent is None:
                node._num_partitions = node._plan_own_partitions()
                break
            chain.append(node)
            node = parent
        for link in chain:
            link._num_partitions = node._num_partitions


def compute_partition(rdd: RDDBase, index: int, task_context: "TaskContext",
                      use_cache: bool) -> Iterator[Any]:
    """Walk narrow relays and fused steps in a loop, then run the steps in order.

    A loop rather than recursion, so that lineage thousands of nodes deep
    (iterative jobs, long chains of unions) never hits the recursion limit.
    """
    pipelines = []
    node, i = rdd, index
    while True:
        if use_cache and node._is_stored():
            source = _cached(node, i, task_context)
            break
        use_cache = True
        if node._checkpoint_files is not None:
            source = serialization.read_file_records(node._checkpoint_files[i])
            break
        hop = node._narrow_hop(i)
        if hop is None:
            source = _input_records(node, node.compute(i, task_context))
            break
        parent, parent_index, pipeline = hop
        if pipeline is not None:
            pipelines.append((pipeline, i))
        node, i = parent, parent_index
    steps = [(kind, func, step_index)
             for pipeline, step_index in reversed(pipelines) for kind, func in pipeline.steps]
    return run_steps(steps, source) if steps else iter(source)


def _input_records(node: RDDBase, records: Iterator[Any]) -> Iterator[Any]:
    """``records``, counted as the task's input when ``node`` reads data in (no parents)."""
    io = current_task_io()
    if io is None or node._deps:
        return records
    return counting(records, io.add_records_read)


def _cached(rdd: RDDBase, index: int, task_context: "TaskContext") -> Iterator[Any]:
    blocks = task_context._env.block_manager
    block_id = rdd_block_id(rdd._id, index)
    values = blocks.get(block_id)
    if values is None:
        values = list(compute_partition(rdd, index, task_context, use_cache=False))
        blocks.put(block_id, values, rdd._storage_level)
    return iter(values)
