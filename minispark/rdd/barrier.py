"""Barrier execution mode, RDD side: ``rdd.barrier().mapPartitions(f)``.

The RDD this returns marks its stage as a barrier stage: the scheduler
launches all of the stage's tasks together, restarts them all if one fails,
and lets them synchronise through :class:`minispark.taskcontext.BarrierTaskContext`
(see :mod:`minispark.scheduler.barrier`).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from minispark.rdd.nodes import MapPartitionsRDD
from minispark.rdd.pipeline import PARTITION, Pipeline
from minispark.rdd.rdd import RDD, _PartitionFunc


class BarrierRDD(MapPartitionsRDD):
    """The output of a barrier ``mapPartitions``: its stage is a barrier stage.

    It never fuses with the steps around it, so the mark survives in the
    lineage (``rdd.barrier().mapPartitions(f).map(g)`` keeps this node under
    the ``map``); the scheduler finds it by ``_barrier_node``.
    """

    _barrier_node = True

    def _fusable(self) -> bool:
        return False


class RDDBarrier:
    """Wraps an RDD so that its next stage runs in barrier mode (made by :meth:`RDD.barrier`).

    >>> rdd = sc.parallelize([1, 2, 3, 4], 2)
    >>> rdd.barrier()  # doctest: +ELLIPSIS
    <minispark.rdd.barrier.RDDBarrier object at ...>
    """

    def __init__(self, rdd: RDD) -> None:
        self.rdd = rdd

    def mapPartitions(self, f: Callable[[Iterator[Any]], Iterable[Any]],
                      preservesPartitioning: bool = False) -> RDD:
        """Apply ``f`` to each partition, with every task of the stage launched together.

        The same as :meth:`RDD.mapPartitions` otherwise.

        >>> rdd = sc.parallelize([1, 2, 3, 4], 2)
        >>> def f(iterator): yield sum(iterator)
        >>> rdd.barrier().mapPartitions(f).collect()
        [3, 7]
        """
        return self.mapPartitionsWithIndex(_PartitionFunc(f), preservesPartitioning)

    def mapPartitionsWithIndex(self, f: Callable[[int, Iterator[Any]], Iterable[Any]],
                               preservesPartitioning: bool = False) -> RDD:
        """Apply ``f(index, iterator)`` to each partition, all tasks launched together.

        The same as :meth:`RDD.mapPartitionsWithIndex` otherwise.

        >>> rdd = sc.parallelize([1, 2, 3, 4], 2)
        >>> def f(splitIndex, iterator): yield splitIndex
        >>> rdd.barrier().mapPartitionsWithIndex(f).sum()
        1
        """
        partitioner = self.rdd.partitioner if preservesPartitioning else None
        return BarrierRDD(self.rdd, Pipeline(((PARTITION, f),)), partitioner)
