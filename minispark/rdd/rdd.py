"""The public RDD API: every transformation and action, with pyspark's names.

Transformations only build lineage nodes (:mod:`minispark.rdd.nodes`);
actions hand the lineage to the scheduler through ``SparkContext._run_job``.
Narrow element-wise steps fuse into one node (as PySpark's PipelinedRDD),
and key-value operations reduce to ``combineByKey`` over a shuffle or to
``cogroup``.
"""
from __future__ import annotations

import copy
import heapq
import math
import operator
import random
import sys
from collections import Counter, defaultdict
from functools import reduce as _reduce
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator, Sequence

from minispark.rdd import approx, sampling
from minispark.rdd.approx import BoundedFloat
from minispark.rdd.base import RDDBase
from minispark.rdd.join import JoinType
from minispark.rdd.pipeline import FILTER, FLAT_MAP, MAP, PARTITION, Pipeline
from minispark.resultiterable import ResultIterable
from minispark.shuffle.aggregator import GROUP_BY_KEY, NO_SPILL, Aggregator, Merger
from minispark.shuffle.partitioner import (
    Partitioner, RangePartitioner, portable_hash, range_bounds,
)
from minispark.shuffle.partitioner import identity as _identity
from minispark.statcounter import StatCounter
from minispark.storagelevel import StorageLevel
from minispark.taskcontext import TaskContext

class RDD(RDDBase):
    """A Resilient Distributed Dataset: an immutable, partitioned, lazily computed collection.

    >>> rdd = sc.parallelize(range(10), 3)
    >>> rdd.filter(lambda x: x % 2 == 0).map(lambda x: x * x).collect()
    [0, 4, 16, 36, 64]
    """

    # ---- identity ----------------------------------------------------------------

    def id(self) -> int:
        """A unique id for this RDD within its SparkContext.

        >>> rdd = sc.parallelize([1]); rdd.id() == rdd.id()
        True
        """
        return self._id

    def name(self) -> str | None:
        """The name set with :meth:`setName`, or None.

        >>> sc.parallelize([1]).setName("ones").name()
        'ones'
        """
        return self._name

    def setName(self, name: str) -> "RDD":
        """Name this RDD (shown by the UI and ``toDebugString``); returns self."""
        self._name = name
        return self

    def __repr__(self) -> str:
        """Spark's form: ``[name ]Type[id] at call-site``.

        >>> sc.parallelize([1]).setName("ones")  # doctest: +ELLIPSIS
        ones ParallelCollectionRDD[...] at parallelize at ...
        """
        label = f"{self._name} " if self._name else ""
        return f"{label}{type(self).__name__}[{self._id}] at {self._creation_site}"

    def toDebugString(self) -> bytes:
        """The lineage in Spark's layout, as bytes (as PySpark returns it).

        ``+-(n)`` opens a stage at each shuffle; the storage level in brackets
        is this RDD's, on every line, as Spark prints it.

        >>> rdd = sc.parallelize([(1, 2)], 1).reduceByKey(lambda a, b: a + b)
        >>> print(rdd.toDebugString().decode())  # doctest: +ELLIPSIS
        (1) ShuffledRDD[...] at reduceByKey at ... []
         +-(1) ParallelCollectionRDD[...] at parallelize at ... []
        """
        from minispark.rdd.debug import debug_string

        return debug_string(self).encode("utf-8")

    # ---- persistence -------------------------------------------------------------

    def cache(self) -> "RDD":
        """Persist at MEMORY_ONLY; marks this RDD and returns it.

        >>> rdd = sc.parallelize([1, 2]).cache(); rdd.is_cached
        True
        """
        return self.persist(StorageLevel.MEMORY_ONLY)

    def persist(self, storageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> "RDD":
        """Keep computed partitions at ``storageLevel``; marks this RDD and returns it.

        >>> sc.parallelize([1]).persist(StorageLevel.DISK_ONLY).getStorageLevel()
        StorageLevel(True, False, False, False, 1)
        """
        current = self._storage_level
        if current != StorageLevel.NONE and current != storageLevel:
            raise ValueError("Cannot change storage level of an RDD after it was already "
                             "assigned a level")
        self._storage_level = storageLevel
        self.ctx._persistent_rdds[self._id] = self
        return self

    def unpersist(self, blocking: bool = False) -> "RDD":
        """Forget cached partitions everywhere; returns self.

        >>> rdd = sc.parallelize([1]).cache(); rdd.unpersist().is_cached
        False
        """
        self._storage_level = StorageLevel.NONE
        self.ctx._unpersist(self._id)
        return self

    @property
    def is_cached(self) -> bool:
        """Whether this RDD is persisted at any level."""
        return self._is_stored()

    def getStorageLevel(self) -> StorageLevel:
        """The storage level set by ``persist``/``cache``.

        >>> print(sc.parallelize([1]).getStorageLevel())
        Serialized 1x Replicated
        """
        return self._storage_level

    # ---- checkpointing -----------------------------------------------------------

    def checkpoint(self) -> None:
        """Mark for checkpointing: saved on the next action, lineage then truncated."""
        self.ctx._checkpoints.request(self, local=False)

    def localCheckpoint(self) -> None:
        """Checkpoint into executor-local storage (fast, not fault tolerant)."""
        self.ctx._checkpoints.request(self, local=True)

    def isCheckpointed(self) -> bool:
        """Whether this RDD's data was saved and its lineage truncated."""
        return self._checkpoint_files is not None

    @property
    def is_checkpointed(self) -> bool:
        """Whether :meth:`checkpoint` was called (true before the data is written).

        >>> import tempfile; sc.setCheckpointDir(tempfile.mkdtemp())
        >>> rdd = sc.range(4); rdd.is_checkpointed
        False
        >>> rdd.checkpoint(); rdd.is_checkpointed
        True
        """
        return self.ctx._checkpoints.is_marked(self, local=False)

    def isLocallyCheckpointed(self) -> bool:
        """Whether :meth:`localCheckpoint` was called on this RDD.

        >>> rdd = sc.range(4); rdd.localCheckpoint(); rdd.isLocallyCheckpointed()
        True
        """
        return self.ctx._checkpoints.is_marked(self, local=True)

    def getCheckpointFile(self) -> str | None:
        """The directory holding this RDD's checkpoint, once written."""
        return self.ctx._checkpoints.directory_of(self)

    # ---- narrow transformations ------------------------------------------------

    def _pipe(self, kind: str, func: Callable, preserves: bool = False) -> "RDD":
        partitioner = self.partitioner if preserves else None
        if isinstance(self, MapPartitionsRDD) and self._fusable():
            return MapPartitionsRDD(self._deps[0].rdd, self._pipeline.then(kind, func),
                                    partitioner)
        return MapPartitionsRDD(self, Pipeline(((kind, func),)), partitioner)

    def map(self, f: Callable[[Any], Any], preservesPartitioning: bool = False) -> "RDD":
        """Apply ``f`` to every element.

        >>> sc.parallelize(["b", "a", "c"]).map(lambda x: (x, 1)).collect()
        [('b', 1), ('a', 1), ('c', 1)]
        """
        return self._pipe(MAP, f, preservesPartitioning)

    def flatMap(self, f: Callable[[Any], Iterable[Any]],
                preservesPartitioning: bool = False) -> "RDD":
        """Apply ``f`` to every element and flatten the results.

        >>> sc.parallelize([2, 3, 4]).flatMap(lambda x: range(1, x)).collect()
        [1, 1, 2, 1, 2, 3]
        """
        return self._pipe(FLAT_MAP, f, preservesPartitioning)

    def filter(self, f: Callable[[Any], bool]) -> "RDD":
        """Keep the elements for which ``f`` is true.

        >>> sc.parallelize([1, 2, 3, 4, 5]).filter(lambda x: x % 2 == 0).collect()
        [2, 4]
        """
        return self._pipe(FILTER, f, True)

    def mapPartitions(self, f: Callable[[Iterator[Any]], Iterable[Any]],
                      preservesPartitioning: bool = False) -> "RDD":
        """Apply ``f`` to each partition's iterator.

        >>> sc.parallelize([1, 2, 3, 4], 2).mapPartitions(lambda it: [sum(it)]).collect()
        [3, 7]
        """
        return self._pipe(PARTITION, _PartitionFunc(f), preservesPartitioning)

    def mapPartitionsWithIndex(self, f: Callable[[int, Iterator[Any]], Iterable[Any]],
                               preservesPartitioning: bool = False) -> "RDD":
        """Apply ``f(index, iterator)`` to each partition.

        >>> rdd = sc.parallelize([1, 2, 3, 4], 4)
        >>> rdd.mapPartitionsWithIndex(lambda i, it: [i * sum(it)]).sum()
        20
        """
        return self._pipe(PARTITION, f, preservesPartitioning)

    def mapPartitionsWithSplit(self, f: Callable[[int, Iterator[Any]], Iterable[Any]],
                               preservesPartitioning: bool = False) -> "RDD":
        """Deprecated alias of :meth:`mapPartitionsWithIndex`."""
        return self.mapPartitionsWithIndex(f, preservesPartitioning)

    def barrier(self) -> "RDDBarrier":
        """Mark the next stage as a barrier stage: all its tasks start together.

        If one task fails, every task of the stage is stopped and the stage runs
        again; tasks wait for each other with ``BarrierTaskContext.barrier()``.

        >>> from minispark import BarrierTaskContext
        >>> def f(it):
        ...     return [BarrierTaskContext.get().allGather(str(sum(it)))]
        >>> sc.parallelize([1, 2, 3, 4], 2).barrier().mapPartitions(f).collect()
        [['3', '7'], ['3', '7']]
        """
        from minispark.rdd.barrier import RDDBarrier

        return RDDBarrier(self)

    def glom(self) -> "RDD":
        """One list per partition.

        >>> sc.parallelize([1, 2, 3, 4], 2).glom().collect()
        [[1, 2], [3, 4]]
        """
        return self.mapPartitions(lambda it: [list(it)])

    def keyBy(self, f: Callable[[Any], Any]) -> "RDD":
        """Pair each element with the key ``f(element)``.

        >>> sc.parallelize([1, 2]).keyBy(lambda x: x * x).collect()
        [(1, 1), (4, 2)]
        """
        return self.map(lambda x: (f(x), x))

    def keys(self) -> "RDD":
        """The key of each pair.

        >>> sc.parallelize([(1, 2), (3, 4)]).keys().collect()
        [1, 3]
        """
        return self.map(operator.itemgetter(0))

    def values(self) -> "RDD":
        """The value of each pair.

        >>> sc.parallelize([(1, 2), (3, 4)]).values().collect()
        [2, 4]
        """
        return self.map(operator.itemgetter(1))

    def mapValues(self, f: Callable[[Any], Any]) -> "RDD":
        """Apply ``f`` to each value, keeping keys and partitioning.

        >>> sc.parallelize([("a", ["x", "y"]), ("b", ["p"])]).mapValues(len).collect()
        [('a', 2), ('b', 1)]
        """
        return self.map(lambda kv: (kv[0], f(kv[1])), True)

    def flatMapValues(self, f: Callable[[Any], Iterable[Any]]) -> "RDD":
        """Apply ``f`` to each value and flatten, keeping keys and partitioning.

        >>> sc.parallelize([("a", ["x", "y"]), ("b", ["p"])]).flatMapValues(lambda v: v).collect()
        [('a', 'x'), ('a', 'y'), ('b', 'p')]
        """
        return self.flatMap(lambda kv: ((kv[0], v) for v in f(kv[1])), True)

    def union(self, other: "RDD") -> "RDD":
        """All elements of both RDDs (duplicates kept), partitions concatenated.

        >>> rdd = sc.parallelize([1, 1, 2, 3])
        >>> rdd.union(rdd).collect()
        [1, 1, 2, 3, 1, 1, 2, 3]
        """
        return self.ctx.union([self, other])

    def __add__(self, other: "RDD") -> "RDD":
        if not isinstance(other, RDD):
            raise TypeError(f"unsupported operand: RDD + {type(other).__name__}")
        return self.union(other)

    def cartesian(self, other: "RDD") -> "RDD":
        """Every pair (a, b) with a in self and b in other.

        >>> sorted(sc.parallelize([1, 2]).cartesian(sc.parallelize([3, 4])).collect())
        [(1, 3), (1, 4), (2, 3), (2, 4)]
        """
        return CartesianRDD(self, other)

    def zip(self, other: "RDD") -> "RDD":
        """Pair the i-th elements of two RDDs with the same partitioning.

        >>> sc.parallelize(range(5), 2).zip(sc.parallelize(range(100, 105), 2)).collect()
        [(0, 100), (1, 101), (2, 102), (3, 103), (4, 104)]
        """
        if self.getNumPartitions() != other.getNumPartitions():
            raise ValueError("Can only zip with RDD which has the same number of partitions")
        return ZippedPartitionsRDD(self, other)

    def zipWithIndex(self) -> "RDD":
        """Pair each element with its index (runs a job to count partitions first).

        >>> sc.parallelize(["a", "b", "c", "d"], 3).zipWithIndex().collect()
        [('a', 0), ('b', 1), ('c', 2), ('d', 3)]
        """
        starts = [0]
        if self.getNumPartitions() > 1:
            counts = self.mapPartitions(lambda it: [sum(1 for _ in it)]).collect()
            for count in counts[:-1]:
                starts.append(starts[-1] + count)
        return self.mapPartitionsWithIndex(
            lambda i, it: ((x, n) for n, x in enumerate(it, starts[i])))

    def zipWithUniqueId(self) -> "RDD":
        """Pair elements with unique ids k*n + i (no job needed; ids have gaps).

        >>> sc.parallelize(["a", "b", "c", "d", "e"], 3).zipWithUniqueId().collect()
        [('a', 0), ('b', 1), ('c', 4), ('d', 2), ('e', 5)]
        """
        n = self.getNumPartitions()
        return self.mapPartitionsWithIndex(
            lambda i, it: ((x, k * n + i) for k, x in enumerate(it)))

    def coalesce(self, numPartitions: int, shuffle: bool = False) -> "RDD":
        """Fewer partitions by merging neighbours (or any number, with ``shuffle``).

        >>> sc.parallelize([1, 2, 3, 4, 5], 3).coalesce(1).glom().collect()
        [[1, 2, 3, 4, 5]]
        """
        if not numPartitions > 0:
            raise ValueError("Number of partitions must be positive.")
        if shuffle:
            return self._round_robin(numPartitions)
        return CoalescedRDD(self, min(numPartitions, self.getNumPartitions()))

    def repartition(self, numPartitions: int) -> "RDD":
        """Exactly ``numPartitions`` partitions, through a shuffle.

        >>> sorted(sc.parallelize([1, 2, 3, 4, 5, 6, 7], 4).repartition(2).glom().map(len).collect())
        [3, 4]
        """
        return self.coalesce(numPartitions, shuffle=True)

    def _round_robin(self, n: int) -> "RDD":
        def distribute(index: int, it: Iterator[Any]) -> Iterator[tuple[int, Any]]:
            # The start position depends only on the partition index, so a
            # recomputed partition sends every record where it went before.
            start = random.Random(index).randrange(n)
            return ((pos % n, x) for pos, x in enumerate(it, start))

        keyed = self.mapPartitionsWithIndex(distribute)
        return keyed.partitionBy(n, _identity_int).values()

    def sample(self, withReplacement: bool, fraction: float, seed: int | None = None) -> "RDD":
        """A random sample; each partition's draw depends only on seed and index.

        >>> rdd = sc.parallelize(range(100), 4)
        >>> 5 <= rdd.sample(False, 0.1, 81).count() <= 20
        True
        """
        if fraction < 0.0:
            raise ValueError(f"Negative fraction value: {fraction}")
        seed = random.randint(0, sys.maxsize) if seed is None else seed
        sampler = (sampling.PoissonSampler if withReplacement else sampling.BernoulliSampler)
        return self.mapPartitionsWithIndex(sampler(fraction, seed), True)

    def randomSplit(self, weights: Sequence[float], seed: int | None = None) -> list["RDD"]:
        """Split into disjoint random parts with the given relative weights.

        >>> a, b = sc.parallelize(range(500), 2).randomSplit([2, 3], 17)
        >>> sorted(a.collect() + b.collect()) == list(range(500))
        True
        """
        if any(w < 0 for w in weights):
            raise ValueError("Weights must be nonnegative")
        total = float(sum(weights))
        if total <= 0:
            raise ValueError("Sum of weights must be positive")
        bounds = [0.0]
        for w in weights:
            bounds.append(bounds[-1] + w / total)
        seed = random.randint(0, sys.maxsize) if seed is None else seed
        return [self.mapPartitionsWithIndex(sampling.RangeSampler(lo, hi, seed), True)
                for lo, hi in zip(bounds, bounds[1:])]

    def pipe(self, command: str, env: dict[str, str] | None = None,
             checkCode: bool = False) -> "RDD":
        """Stream each partition through an external command (one line per element).

        >>> sc.parallelize(["1", "2", "", "3"]).pipe("cat").collect()
        ['1', '2', '', '3']
        """
        from minispark.rdd.pipe import pipe_partition

        return self.mapPartitions(lambda it: pipe_partition(command, env, checkCode, it))

    # ---- wide transformations ----------------------------------------------------

    def _default_reduce_partitions(self, *others: "RDD") -> int:
        if self.ctx._conf.contains("spark.default.parallelism"):
            return self.ctx.defaultParallelism
        return sum(r.getNumPartitions() for r in (self, *others))

    def partitionBy(self, numPartitions: int | None,
                    partitionFunc: Callable[[Any], int] = portable_hash) -> "RDD":
        """Redistribute pairs by key with ``partitionFunc(key) % numPartitions``.

        >>> pairs = sc.parallelize([1, 2, 3, 4, 2, 4, 1]).map(lambda x: (x, x))
        >>> sets = pairs.partitionBy(2).glom().collect()
        >>> len(set(sets[0]).intersection(set(sets[1])))
        0
        """
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self
        return ShuffledRDD(self, self.ctx._shuffle_handle(partitioner))

    def combineByKey(self, createCombiner: Callable[[Any], Any],
                     mergeValue: Callable[[Any, Any], Any],
                     mergeCombiners: Callable[[Any, Any], Any],
                     numPartitions: int | None = None,
                     partitionFunc: Callable[[Any], int] = portable_hash) -> "RDD":
        """The generic per-key aggregation every ``*ByKey`` operation builds on.

        >>> rdd = sc.parallelize([("a", 1), ("b", 1), ("a", 2)])
        >>> sorted(rdd.combineByKey(str, lambda c, v: c + str(v), lambda a, b: a + b).collect())
        [('a', '12'), ('b', '1')]
        """
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        agg = Aggregator(createCombiner, mergeValue, mergeCombiners)
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self.mapPartitions(lambda it: _combine_locally(agg, it), True)
        return ShuffledRDD(self, self.ctx._shuffle_handle(partitioner, agg, True))

    def reduceByKey(self, func: Callable[[Any, Any], Any], numPartitions: int | None = None,
                    partitionFunc: Callable[[Any], int] = portable_hash) -> "RDD":
        """Merge the values of each key with an associative ``func``.

        >>> from operator import add
        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 1)]).reduceByKey(add).collect())
        [('a', 2), ('b', 1)]
        """
        return self.combineByKey(_identity, func, func, numPartitions, partitionFunc)

    def reduceByKeyLocally(self, func: Callable[[Any, Any], Any]) -> dict:
        """Like :meth:`reduceByKey`, but merged into a dict on the driver.

        >>> from operator import add
        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 1)]).reduceByKeyLocally(add).items())
        [('a', 2), ('b', 1)]
        """
        def merge_maps(m1: dict, m2: dict) -> dict:
            for k, v in m2.items():
                m1[k] = func(m1[k], v) if k in m1 else v
            return m1

        agg = Aggregator(_identity, func, func)
        return self._merged(lambda it: dict(_combine_locally(agg, it)), merge_maps)

    def foldByKey(self, zeroValue: Any, func: Callable[[Any, Any], Any],
                  numPartitions: int | None = None,
                  partitionFunc: Callable[[Any], int] = portable_hash) -> "RDD":
        """Merge values per key, starting each key from a copy of ``zeroValue``.

        >>> from operator import add
        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 1)]).foldByKey(0, add).collect())
        [('a', 2), ('b', 1)]
        """
        return self.combineByKey(lambda v: func(copy.deepcopy(zeroValue), v), func, func,
                                 numPartitions, partitionFunc)

    def aggregateByKey(self, zeroValue: Any, seqFunc: Callable[[Any, Any], Any],
                       combFunc: Callable[[Any, Any], Any], numPartitions: int | None = None,
                       partitionFunc: Callable[[Any], int] = portable_hash) -> "RDD":
        """Aggregate values per key: ``seqFunc`` within partitions, ``combFunc`` across.

        >>> rdd = sc.parallelize([("a", 1), ("b", 1), ("a", 2)])
        >>> seq = lambda acc, v: (acc[0] + v, acc[1] + 1)
        >>> comb = lambda a, b: (a[0] + b[0], a[1] + b[1])
        >>> sorted(rdd.aggregateByKey((0, 0), seq, comb).collect())
        [('a', (3, 2)), ('b', (1, 1))]
        """
        return self.combineByKey(lambda v: seqFunc(copy.deepcopy(zeroValue), v), seqFunc,
                                 combFunc, numPartitions, partitionFunc)

    def groupByKey(self, numPartitions: int | None = None,
                   partitionFunc: Callable[[Any], int] = portable_hash) -> "RDD":
        """Group the values of each key into a ResultIterable (no map-side combine).

        >>> rdd = sc.parallelize([("a", 1), ("b", 1), ("a", 1)])
        >>> sorted(rdd.groupByKey().mapValues(len).collect())
        [('a', 2), ('b', 1)]
        >>> sorted(rdd.groupByKey().mapValues(list).collect())
        [('a', [1, 1]), ('b', [1])]
        """
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        agg = GROUP_BY_KEY
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            grouped = self.mapPartitions(lambda it: _combine_locally(agg, it), True)
        else:
            grouped = ShuffledRDD(self, self.ctx._shuffle_handle(partitioner, agg, False))
        return grouped.mapValues(ResultIterable)

    def groupBy(self, f: Callable[[Any], Any], numPartitions: int | None = None,
                partitionFunc: Callable[[Any], int] = portable_hash) -> "RDD":
        """Group elements by ``f(element)``.

        >>> result = sc.parallelize([1, 1, 2, 3, 5, 8]).groupBy(lambda x: x % 2).collect()
        >>> sorted([(x, sorted(y)) for (x, y) in result])
        [(0, [2, 8]), (1, [1, 1, 3, 5])]
        """
        return self.map(lambda x: (f(x), x)).groupByKey(numPartitions, partitionFunc)

    def distinct(self, numPartitions: int | None = None) -> "RDD":
        """The distinct elements.

        >>> sorted(sc.parallelize([1, 1, 2, 3]).distinct().collect())
        [1, 2, 3]
        """
        return (self.map(lambda x: (x, None))
                .reduceByKey(lambda x, _: x, numPartitions)
                .map(operator.itemgetter(0)))

    def sortByKey(self, ascending: bool = True, numPartitions: int | None = None,
                  keyfunc: Callable[[Any], Any] = _identity) -> "RDD":
        """Sort pairs by key: range-partitioned from a sample, then sorted per partition.

        Like Spark, this runs one job at once to sample the keys.

        >>> tmp = [("a", 1), ("b", 2), ("1", 3), ("d", 4), ("2", 5)]
        >>> sc.parallelize(tmp).sortByKey().first()
        ('1', 3)
        >>> sc.parallelize(tmp).sortByKey(True, 2).collect()
        [('1', 3), ('2', 5), ('a', 1), ('b', 2), ('d', 4)]
        """
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        if numPartitions <= 1 or self.getNumPartitions() == 0:
            bounds: list | None = []
        else:
            bounds = self._range_bounds(numPartitions, keyfunc)
            if bounds is None:
                return self  # no records: PySpark returns the RDD itself
        partitioner = RangePartitioner(bounds, ascending, keyfunc, max(numPartitions, 1))
        handle = self.ctx._shuffle_handle(partitioner, key_ordering=keyfunc,
                                          ascending=ascending)
        return ShuffledRDD(self, handle)

    def _range_bounds(self, num_partitions: int, keyfunc: Callable[[Any], Any]) -> list | None:
        """Bounds from one pass (each partition's count and a reservoir of its keys);
        None when the RDD has no records."""
        sample_size = min(20.0 * num_partitions, 1e6)
        per_partition = math.ceil(3.0 * sample_size / self.getNumPartitions())
        sketches = self.keys().mapPartitionsWithIndex(
            lambda i, it: sampling.sketch(i, it, per_partition, seed=num_partitions)).collect()
        if not any(count for count, _ in sketches):
            return None
        return range_bounds(sketches, num_partitions, keyfunc)

    def sortBy(self, keyfunc: Callable[[Any], Any], ascending: bool = True,
               numPartitions: int | None = None) -> "RDD":
        """Sort elements by ``keyfunc``.

        >>> tmp = [("a", 1), ("b", 2), ("1", 3), ("d", 4), ("2", 5)]
        >>> sc.parallelize(tmp).sortBy(lambda x: x[1]).collect()
        [('a', 1), ('b', 2), ('1', 3), ('d', 4), ('2', 5)]
        """
        return self.keyBy(keyfunc).sortByKey(ascending, numPartitions).values()

    def repartitionAndSortWithinPartitions(
            self, numPartitions: int | None = None,
            partitionFunc: Callable[[Any], int] = portable_hash, ascending: bool = True,
            keyfunc: Callable[[Any], Any] = _identity) -> "RDD":
        """Repartition by key and sort each partition by key in one shuffle.

        >>> rdd = sc.parallelize([(0, 5), (3, 8), (2, 6), (0, 8), (3, 8), (1, 3)])
        >>> rdd.repartitionAndSortWithinPartitions(2, lambda x: x % 2, True).glom().collect()
        [[(0, 5), (0, 8), (2, 6)], [(1, 3), (3, 8), (3, 8)]]
        """
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        handle = self.ctx._shuffle_handle(Partitioner(numPartitions, partitionFunc),
                                          key_ordering=keyfunc, ascending=ascending)
        return ShuffledRDD(self, handle)

    def cogroup(self, other: "RDD", numPartitions: int | None = None) -> "RDD":
        """For each key, a tuple of the values in each RDD.

        >>> x = sc.parallelize([("a", 1), ("b", 4)])
        >>> y = sc.parallelize([("a", 2)])
        >>> [(k, tuple(map(list, v))) for k, v in sorted(x.cogroup(y).collect())]
        [('a', ([1], [2])), ('b', ([4], []))]
        """
        return self._cogroup([self, other], numPartitions)

    def groupWith(self, other: "RDD", *others: "RDD") -> "RDD":
        """:meth:`cogroup` over any number of RDDs.

        >>> w = sc.parallelize([("a", 5), ("b", 6)]); x = sc.parallelize([("a", 1)])
        >>> y = sc.parallelize([("b", 2)])
        >>> [(k, tuple(map(list, v))) for k, v in sorted(w.groupWith(x, y).collect())]
        [('a', ([5], [1], [])), ('b', ([6], [], [2]))]
        """
        return self._cogroup([self, other, *others], None)

    def _cogroup(self, rdds: list["RDD"], numPartitions: int | None) -> "RDD":
        if numPartitions is None:
            numPartitions = rdds[0]._default_reduce_partitions(*rdds[1:])
        return CoGroupedRDD(self.ctx, rdds, Partitioner(numPartitions, portable_hash))

    def join(self, other: "RDD", numPartitions: int | None = None) -> "RDD":
        """Inner join on keys: (k, (v, w)) for every matching pair.

        >>> x = sc.parallelize([("a", 1), ("b", 4)]); y = sc.parallelize([("a", 2), ("a", 3)])
        >>> sorted(x.join(y).collect())
        [('a', (1, 2)), ('a', (1, 3))]
        """
        return self._join(other, numPartitions, False, False)

    def leftOuterJoin(self, other: "RDD", numPartitions: int | None = None) -> "RDD":
        """Every pair of self, with None where other has no match.

        >>> x = sc.parallelize([("a", 1), ("b", 4)]); y = sc.parallelize([("a", 2)])
        >>> sorted(x.leftOuterJoin(y).collect())
        [('a', (1, 2)), ('b', (4, None))]
        """
        return self._join(other, numPartitions, True, False)

    def rightOuterJoin(self, other: "RDD", numPartitions: int | None = None) -> "RDD":
        """Every pair of other, with None where self has no match.

        >>> x = sc.parallelize([("a", 1), ("b", 4)]); y = sc.parallelize([("a", 2)])
        >>> sorted(y.rightOuterJoin(x).collect())
        [('a', (2, 1)), ('b', (None, 4))]
        """
        return self._join(other, numPartitions, False, True)

    def fullOuterJoin(self, other: "RDD", numPartitions: int | None = None) -> "RDD":
        """Pairs from either side, with None where the other side has no match.

        >>> x = sc.parallelize([("a", 1), ("b", 4)]); y = sc.parallelize([("a", 2), ("c", 8)])
        >>> sorted(x.fullOuterJoin(y).collect())
        [('a', (1, 2)), ('b', (4, None)), ('c', (None, 8))]
        """
        return self._join(other, numPartitions, True, True)

    def _join(self, other: "RDD", numPartitions: int | None, left_outer: bool,
              right_outer: bool) -> "RDD":
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions(other)
        return JoinedRDD(self.ctx, self, other, Partitioner(numPartitions, portable_hash),
                         JoinType(left_outer, right_outer))

    def intersection(self, other: "RDD") -> "RDD":
        """Distinct elements present in both RDDs.

        >>> a = sc.parallelize([1, 10, 2, 3, 4, 5]); b = sc.parallelize([1, 6, 2, 3, 7, 8])
        >>> sorted(a.intersection(b).collect())
        [1, 2, 3]
        """
        tagged = self.map(lambda v: (v, None)).cogroup(other.map(lambda v: (v, None)))
        return tagged.filter(lambda kv: len(kv[1][0]) > 0 and len(kv[1][1]) > 0).keys()

    def subtractByKey(self, other: "RDD", numPartitions: int | None = None) -> "RDD":
        """Pairs of self whose key does not occur in other.

        >>> x = sc.parallelize([("a", 1), ("b", 4), ("b", 5), ("a", 2)])
        >>> sorted(x.subtractByKey(sc.parallelize([("a", 3), ("c", None)])).collect())
        [('b', 4), ('b', 5)]
        """
        grouped = self.cogroup(other, numPartitions)
        kept = grouped.filter(lambda kv: len(kv[1][0]) > 0 and len(kv[1][1]) == 0)
        return kept.flatMapValues(lambda groups: groups[0].data)

    def subtract(self, other: "RDD", numPartitions: int | None = None) -> "RDD":
        """Elements of self not in other (duplicates of self kept).

        >>> x = sc.parallelize([("a", 1), ("b", 4), ("b", 5), ("a", 3)])
        >>> sorted(x.subtract(sc.parallelize([("a", 3), ("c", None)])).collect())
        [('a', 1), ('b', 4), ('b', 5)]
        """
        return (self.map(lambda x: (x, True))
                .subtractByKey(other.map(lambda x: (x, True)), numPartitions).keys())

    # ---- actions -----------------------------------------------------------------

    def _per_partition(self, func: Callable[[Iterator[Any]], Any],
                       partitions: Sequence[int] | None = None) -> list:
        return self.ctx._run_job(self, lambda _ctx, it: func(it), partitions)

    def _merged(self, func: Callable[[Iterator[Any]], Any], merge: Callable[[Any, Any], Any]
                ) -> Any:
        """``func`` per partition, merged; like PySpark, an RDD without partitions raises."""
        partials = self._per_partition(func)
        if not partials:
            raise ValueError("Can not reduce() empty RDD")
        return _reduce(merge, partials)

    def collect(self) -> list:
        """All elements, in partition order, as a list on the driver.

        >>> sc.parallelize([1, 2, 3], 2).collect()
        [1, 2, 3]
        """
        return list(chain.from_iterable(self._per_partition(list)))

    def toLocalIterator(self, prefetchPartitions: bool = False) -> Iterator[Any]:
        """Iterate over all elements, fetching one partition at a time.

        >>> list(sc.parallelize(range(5), 2).toLocalIterator())
        [0, 1, 2, 3, 4]
        """
        for index in range(self.getNumPartitions()):
            yield from self._per_partition(list, [index])[0]

    def count(self) -> int:
        """The number of elements.

        >>> sc.parallelize([2, 3, 4]).count()
        3
        """
        return sum(self._per_partition(_count_iter))

    def foreach(self, f: Callable[[Any], None]) -> None:
        """Apply ``f`` to every element for its side effects.

        >>> sc.parallelize([1, 2, 3]).foreach(lambda x: None)
        """
        def run(it: Iterator[Any]) -> None:
            for x in it:
                f(x)
        self._per_partition(run)

    def foreachPartition(self, f: Callable[[Iterator[Any]], None]) -> None:
        """Apply ``f`` to each partition's iterator for its side effects.

        >>> sc.parallelize([1, 2, 3]).foreachPartition(lambda it: None)
        """
        def run(it: Iterator[Any]) -> None:
            result = f(it)
            if result is not None:
                for _ in result:  # a generator function does its work only when iterated
                    pass
        self._per_partition(run)

    def reduce(self, f: Callable[[Any, Any], Any]) -> Any:
        """Merge all elements with a commutative, associative ``f``.

        >>> from operator import add
        >>> sc.parallelize([1, 2, 3, 4, 5]).reduce(add)
        15
        >>> sc.parallelize([]).reduce(add)
        Traceback (most recent call last):
            ...
        ValueError: Can not reduce() empty RDD
        """
        partials = list(chain.from_iterable(
            self._per_partition(lambda it: _reduce_partition(f, it))))
        if not partials:
            raise ValueError("Can not reduce() empty RDD")
        return _reduce(f, partials)

    def treeReduce(self, f: Callable[[Any, Any], Any], depth: int = 2) -> Any:
        """:meth:`reduce` in a multi-level tree of partial merges.

        >>> from operator import add
        >>> sc.parallelize([-5, -4, -3, -2, -1, 1, 2, 3, 4], 10).treeReduce(add, 2)
        -5
        """
        if depth < 1:
            raise ValueError(f"Depth cannot be smaller than 1 but got {depth}.")

        # (value, present) pairs: a zero that survives pickling, unlike a sentinel object
        def combine(a: tuple, b: tuple) -> tuple:
            if not a[1]:
                return b
            return a if not b[1] else (f(a[0], b[0]), True)

        value, present = self.map(lambda x: (x, True)).treeAggregate(
            (None, False), combine, combine, depth)
        if not present:
            raise ValueError("Cannot reduce empty RDD.")
        return value

    def fold(self, zeroValue: Any, op: Callable[[Any, Any], Any]) -> Any:
        """Merge elements with ``op``, starting each partition and the total from ``zeroValue``.

        >>> from operator import add
        >>> sc.parallelize([1, 2, 3, 4, 5]).fold(0, add)
        15
        """
        partials = self._per_partition(lambda it: _reduce(op, it, copy.deepcopy(zeroValue)))
        return _reduce(op, partials, zeroValue)

    def aggregate(self, zeroValue: Any, seqOp: Callable[[Any, Any], Any],
                  combOp: Callable[[Any, Any], Any]) -> Any:
        """Aggregate with ``seqOp`` within partitions and ``combOp`` across them.

        >>> seq = lambda acc, v: (acc[0] + v, acc[1] + 1)
        >>> comb = lambda a, b: (a[0] + b[0], a[1] + b[1])
        >>> sc.parallelize([1, 2, 3, 4]).aggregate((0, 0), seq, comb)
        (10, 4)
        """
        partials = self._per_partition(lambda it: _reduce(seqOp, it, copy.deepcopy(zeroValue)))
        return _reduce(combOp, partials, zeroValue)

    def treeAggregate(self, zeroValue: Any, seqOp: Callable[[Any, Any], Any],
                      combOp: Callable[[Any, Any], Any], depth: int = 2) -> Any:
        """:meth:`aggregate` whose partial results merge in a tree of shuffles.

        >>> from operator import add
        >>> sc.parallelize([-5, -4, -3, -2, -1, 1, 2, 3, 4], 10).treeAggregate(0, add, add, 2)
        -5
        """
        if depth < 1:
            raise ValueError(f"Depth cannot be smaller than 1 but got {depth}.")
        partials = self.mapPartitions(
            lambda it: [_reduce(seqOp, it, copy.deepcopy(zeroValue))])
        n = partials.getNumPartitions()
        scale = max(math.ceil(n ** (1.0 / depth)), 2)
        while n > scale + n // scale:
            n //= scale
            target = n
            partials = (partials
                        .mapPartitionsWithIndex(lambda i, it: ((i % target, v) for v in it))
                        .reduceByKey(combOp, target)
                        .values())
        results = partials.collect()
        return _reduce(combOp, results) if results else zeroValue

    def max(self, key: Callable[[Any], Any] | None = None) -> Any:
        """The largest element (by ``key``).

        >>> sc.parallelize([1.0, 5.0, 43.0, 10.0]).max()
        43.0
        """
        return self.reduce(max if key is None else lambda a, b: max(a, b, key=key))

    def min(self, key: Callable[[Any], Any] | None = None) -> Any:
        """The smallest element (by ``key``).

        >>> sc.parallelize([2.0, 5.0, 43.0, 10.0]).min(key=lambda x: -x)
        43.0
        """
        return self.reduce(min if key is None else lambda a, b: min(a, b, key=key))

    def first(self) -> Any:
        """The first element.

        >>> sc.parallelize([2, 3, 4]).first()
        2
        """
        items = self.take(1)
        if not items:
            raise ValueError("RDD is empty")
        return items[0]

    def take(self, num: int) -> list:
        """The first ``num`` elements: scans one partition, then grows the scan.

        >>> sc.parallelize([2, 3, 4, 5, 6]).cache().take(2)
        [2, 3]
        >>> sc.parallelize(range(100), 100).filter(lambda x: x > 90).take(3)
        [91, 92, 93]
        """
        items: list = []
        total, scanned = self.getNumPartitions(), 0
        while len(items) < num and scanned < total:
            tries = 1
            if scanned > 0:
                estimate = int(1.5 * num * scanned / len(items)) - scanned if items else 0
                tries = scanned * 4 if not items else min(max(estimate, 1), scanned * 4)
            left = num - len(items)
            parts = list(range(scanned, min(scanned + tries, total)))
            for part in self._per_partition(lambda it: list(islice(it, left)), parts):
                items.extend(part)
            scanned += tries
        return items[:num]

    def isEmpty(self) -> bool:
        """Whether the RDD has no elements.

        >>> sc.parallelize([]).isEmpty(), sc.parallelize([1]).isEmpty()
        (True, False)
        """
        return self.getNumPartitions() == 0 or len(self.take(1)) == 0

    def takeOrdered(self, num: int, key: Callable[[Any], Any] | None = None) -> list:
        """The ``num`` smallest elements, ascending (by ``key``).

        >>> sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7]).takeOrdered(6)
        [1, 2, 3, 4, 5, 6]
        """
        if num < 0:
            raise ValueError(f"top N cannot be negative but got {num}")
        if num == 0 or self.getNumPartitions() == 0:
            return []
        return self._merged(lambda it: heapq.nsmallest(num, it, key=key),
                            lambda a, b: heapq.nsmallest(num, a + b, key=key))

    def top(self, num: int, key: Callable[[Any], Any] | None = None) -> list:
        """The ``num`` largest elements, descending (by ``key``).

        >>> sc.parallelize([2, 3, 4, 5, 6], 2).top(2)
        [6, 5]
        """
        return self._merged(lambda it: heapq.nlargest(num, it, key=key),
                            lambda a, b: heapq.nlargest(num, a + b, key=key))

    def takeSample(self, withReplacement: bool, num: int, seed: int | None = None) -> list:
        """A fixed-size random sample, shuffled, on the driver.

        >>> len(sc.parallelize(range(0, 10)).takeSample(True, 20, 1))
        20
        >>> sorted(sc.parallelize(range(0, 10)).takeSample(False, 20, 1))
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        """
        if num < 0:
            raise ValueError("Sample size cannot be negative.")
        largest = sys.maxsize - int(10.0 * math.sqrt(sys.maxsize))
        if num > largest:
            raise ValueError(f"Sample size cannot be greater than {largest}.")
        total = self.count()
        if num == 0 or total == 0:
            return []
        rng = random.Random(seed)
        if not withReplacement and num >= total:
            items = self.collect()
            rng.shuffle(items)
            return items
        fraction = sampling.fraction_for_sample_size(num, total, withReplacement)
        items = self.sample(withReplacement, fraction, rng.randint(0, sys.maxsize)).collect()
        while len(items) < num:
            items = self.sample(withReplacement, fraction, rng.randint(0, sys.maxsize)).collect()
        rng.shuffle(items)
        return items[:num]

    def countByValue(self) -> dict:
        """How many times each element occurs, as a defaultdict(int).

        >>> sorted(sc.parallelize([1, 2, 1, 2, 2], 2).countByValue().items())
        [(1, 2), (2, 3)]
        """
        def merge(total: defaultdict, counts: Counter) -> defaultdict:
            for value, count in counts.items():
                total[value] += count
            return total

        return self._merged(lambda it: defaultdict(int, Counter(it)), merge)

    def countByKey(self) -> dict:
        """How many pairs each key has, as a defaultdict(int).

        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 1)]).countByKey().items())
        [('a', 2), ('b', 1)]
        """
        return self.map(operator.itemgetter(0)).countByValue()

    def collectAsMap(self) -> dict:
        """The pairs as a dict (later pairs win for repeated keys).

        >>> sc.parallelize([(1, 2), (3, 4)]).collectAsMap()[1]
        2
        """
        return dict(self.collect())

    def lookup(self, key: Any) -> list:
        """All values for ``key``; scans one partition when the RDD has a partitioner.

        >>> sc.parallelize([("a", 1), ("b", 2), ("a", 3)]).lookup("a")
        [1, 3]
        """
        values = self.filter(lambda kv: kv[0] == key).values()
        if self.partitioner is not None:
            return values._per_partition(list, [self.partitioner(key)])[0]
        return values.collect()

    # ---- numeric actions -----------------------------------------------------------

    def sum(self) -> Any:
        """The sum of the elements.

        >>> sc.parallelize([1.0, 2.0, 3.0]).sum()
        6.0
        """
        return sum(self._per_partition(sum), 0)

    def stats(self) -> StatCounter:
        """Count, mean, stdev, max and min in one pass.

        >>> sc.parallelize([1, 2, 3]).stats()
        (count: 3, mean: 2.0, stdev: 0.816496580927726, max: 3, min: 1)
        """
        return self._merged(StatCounter, StatCounter.mergeStats)

    def mean(self) -> float:
        """The mean of the elements.

        >>> sc.parallelize([1, 2, 3]).mean()
        2.0
        """
        return self.stats().mean()

    def variance(self) -> float:
        """The population variance.

        >>> sc.parallelize([1, 2, 3]).variance()
        0.6666666666666666
        """
        return self.stats().variance()

    def stdev(self) -> float:
        """The population standard deviation.

        >>> sc.parallelize([1, 2, 3]).stdev()
        0.816496580927726
        """
        return self.stats().stdev()

    def sampleVariance(self) -> float:
        """The sample variance (divides by n - 1).

        >>> sc.parallelize([1, 2, 3]).sampleVariance()
        1.0
        """
        return self.stats().sampleVariance()

    def sampleStdev(self) -> float:
        """The sample standard deviation (divides by n - 1).

        >>> sc.parallelize([1, 2, 3]).sampleStdev()
        1.0
        """
        return self.stats().sampleStdev()

    def histogram(self, buckets: int | Sequence[Any]) -> tuple[list, list[int]]:
        """Counts per bucket: ``buckets`` evenly spaced ones, or given sorted boundaries.

        >>> rdd = sc.parallelize(range(51))
        >>> rdd.histogram(2)
        ([0, 25, 50], [25, 26])
        >>> rdd.histogram([0, 5, 25, 50])
        ([0, 5, 25, 50], [5, 20, 26])
        """
        from minispark.rdd.histogram import histogram

        return histogram(self, buckets)

    def sampleByKey(self, withReplacement: bool, fractions: dict, seed: int | None = None
                    ) -> "RDD":
        """Sample each key's pairs with its own fraction (stratified sampling).

        >>> fractions = {"a": 0.2, "b": 0.1}
        >>> rdd = sc.parallelize(fractions.keys()).cartesian(sc.parallelize(range(0, 1000)))
        >>> sample = dict(rdd.sampleByKey(False, fractions, 2).groupByKey().collect())
        >>> 100 < len(sample["a"]) < 300 and 50 < len(sample["b"]) < 150
        True
        """
        for fraction in fractions.values():
            if fraction < 0.0:
                raise ValueError(f"Negative fraction value: {fraction}")
        seed = random.randint(0, sys.maxsize) if seed is None else seed
        return self.mapPartitionsWithIndex(
            sampling.StratifiedSampler(withReplacement, fractions, seed), True)

    def countApprox(self, timeout: int, confidence: float = 0.95) -> int:
        """The count (minispark answers exactly, well within any timeout).

        >>> sc.parallelize(range(1000), 10).countApprox(1000, 1.0)
        1000
        """
        return self.count()

    def sumApprox(self, timeout: int, confidence: float = 0.95) -> "BoundedFloat":
        """The sum as a BoundedFloat (exact: low == high == value).

        >>> abs(sc.parallelize(range(1000), 10).sumApprox(1000) - 499500) < 1
        True
        """
        total = float(self.sum())
        return BoundedFloat(total, confidence, total, total)

    def meanApprox(self, timeout: int, confidence: float = 0.95) -> "BoundedFloat":
        """The mean as a BoundedFloat (exact: low == high == value).

        >>> abs(sc.parallelize(range(1000), 10).meanApprox(1000) - 499.5) < 1
        True
        """
        mean = self.mean()
        return BoundedFloat(mean, confidence, mean, mean)

    def countApproxDistinct(self, relativeSD: float = 0.05) -> int:
        """Distinct elements, estimated with HyperLogLog (one small sketch per partition).

        >>> n = sc.parallelize(range(1000)).map(str).countApproxDistinct()
        >>> 900 < n < 1100
        True
        """
        p = approx.precision_for(relativeSD)
        sketches = self.mapPartitions(lambda it: approx.hll_registers(it, p))
        return approx.hll_estimate(sketches.fold(bytearray(1 << p), approx.merge_registers))

    # ---- output ------------------------------------------------------------------

    def saveAsTextFile(self, path: str, compressionCodecClass: str | None = None) -> None:
        """Write ``str(element)`` lines as part-NNNNN files plus _SUCCESS, atomically.

        >>> import tempfile, os
        >>> out = os.path.join(tempfile.mkdtemp(), "out")
        >>> sc.parallelize(["a", "b"], 2).saveAsTextFile(out)
        >>> sorted(os.listdir(out))
        ['_SUCCESS', 'part-00000', 'part-00001']
        """
        from minispark.rdd.output import save_as_text_file

        save_as_text_file(self, path, compressionCodecClass)

    def saveAsPickleFile(self, path: str, batchSize: int = 10) -> None:
        """Write elements as pickled batches; read back with ``sc.pickleFile``.

        >>> import tempfile, os
        >>> out = os.path.join(tempfile.mkdtemp(), "out")
        >>> sc.parallelize(range(10), 3).saveAsPickleFile(out, 5)
        >>> sorted(sc.pickleFile(out, 3).collect())
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        """
        from minispark.rdd.output import save_as_pickle_file

        save_as_pickle_file(self, path, batchSize)

    def saveAsSequenceFile(self, path: str, compressionCodecClass: str | None = None) -> None:
        """Write ``(key, value)`` pairs as Hadoop SequenceFiles (``part-NNNNN``), atomically.

        The key and value Writable classes are inferred from the first pair,
        as PySpark does (``str`` Text, ``int`` IntWritable or LongWritable,
        ``float`` DoubleWritable, ``dict`` MapWritable, ...); a codec makes the
        files BLOCK-compressed.  Hadoop reads them.

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "seq")
        ...     sc.parallelize([(1, "a"), (2, "b")]).saveAsSequenceFile(path)
        ...     sorted(sc.sequenceFile(path).collect())
        [(1, 'a'), (2, 'b')]
        """
        from minispark.rdd.output import save_as_hadoop_file

        save_as_hadoop_file(self, "saveAsSequenceFile", path,
                            "org.apache.hadoop.mapred.SequenceFileOutputFormat", None, None, None,
                            None, None, compressionCodecClass, new_api=False)

    def saveAsHadoopFile(self, path: str, outputFormatClass: str, keyClass: str | None = None,
                         valueClass: str | None = None, keyConverter: str | None = None,
                         valueConverter: str | None = None, conf: dict | None = None,
                         compressionCodecClass: str | None = None) -> None:
        """Write pairs with an old-API (``mapred``) OutputFormat: Text or SequenceFile.

        Classes not given are inferred from the first pair; converters (Java
        classes) are not supported.  See ``docs/hadoop-formats.md``.

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "out")
        ...     sc.parallelize([(1, "a")], 1).saveAsHadoopFile(
        ...         path, "org.apache.hadoop.mapred.TextOutputFormat")
        ...     open(os.path.join(path, "part-00000")).read()
        '1\\ta\\n'
        """
        from minispark.rdd.output import save_as_hadoop_file

        save_as_hadoop_file(self, "saveAsHadoopFile", path, outputFormatClass, keyClass,
                            valueClass, keyConverter, valueConverter, conf,
                            compressionCodecClass, new_api=False)

    def saveAsNewAPIHadoopFile(self, path: str, outputFormatClass: str,
                               keyClass: str | None = None, valueClass: str | None = None,
                               keyConverter: str | None = None,
                               valueConverter: str | None = None,
                               conf: dict | None = None) -> None:
        """Write pairs with a new-API (``mapreduce``) OutputFormat; parts are ``part-r-NNNNN``.

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "out")
        ...     sc.parallelize([(1, {3.0: "bb"})], 1).saveAsNewAPIHadoopFile(
        ...         path, "org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat")
        ...     sorted(os.listdir(path)), sc.sequenceFile(path).collect()
        (['_SUCCESS', 'part-r-00000'], [(1, {3.0: 'bb'})])
        """
        from minispark.rdd.output import save_as_hadoop_file

        save_as_hadoop_file(self, "saveAsNewAPIHadoopFile", path, outputFormatClass, keyClass,
                            valueClass, keyConverter, valueConverter, conf, None, new_api=True)

    def saveAsHadoopDataset(self, conf: dict, keyConverter: str | None = None,
                            valueConverter: str | None = None) -> None:
        """Write pairs as an old-API job ``conf`` says (``mapred.output.format.class``,
        ``mapreduce.output.fileoutputformat.outputdir``, output key/value classes).

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "out")
        ...     sc.parallelize([(1, "a")], 1).saveAsHadoopDataset(
        ...         {"mapreduce.output.fileoutputformat.outputdir": path})
        ...     open(os.path.join(path, "part-00000")).read()
        '1\\ta\\n'
        """
        from minispark.rdd.output import save_as_hadoop_dataset

        save_as_hadoop_dataset(self, "saveAsHadoopDataset", conf, keyConverter, valueConverter,
                               new_api=False)

    def saveAsNewAPIHadoopDataset(self, conf: dict, keyConverter: str | None = None,
                                  valueConverter: str | None = None) -> None:
        """Write pairs as a new-API job ``conf`` says (``mapreduce.job.outputformat.class``, ...).

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "out")
        ...     sc.parallelize([(1, "a")], 1).saveAsNewAPIHadoopDataset({
        ...         "mapreduce.job.outputformat.class":
        ...             "org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat",
        ...         "mapreduce.job.output.key.class": "org.apache.hadoop.io.IntWritable",
        ...         "mapreduce.output.fileoutputformat.outputdir": path})
        ...     sc.sequenceFile(path).collect()
        [(1, 'a')]
        """
        from minispark.rdd.output import save_as_hadoop_dataset

        save_as_hadoop_dataset(self, "saveAsNewAPIHadoopDataset", conf, keyConverter,
                               valueConverter, new_api=True)


def _reduce_partition(f: Callable[[Any, Any], Any], it: Iterator[Any]) -> list:
    """[reduction of the partition], or [] when it is empty."""
    it = iter(it)
    for first in it:
        return [_reduce(f, it, first)]
    return []


def _count_iter(it: Iterator[Any]) -> int:
    return sum(1 for _ in it)


def _identity_int(key: int) -> int:
    return key


def _combine_locally(agg: Aggregator, it: Iterator[tuple]) -> Iterator[tuple]:
    task = TaskContext.get()
    merger = Merger(agg, task._env.spill if task is not None else NO_SPILL)
    merger.merge_values(it)
    return merger.items()


class _PartitionFunc:
    """Adapts ``f(iterator)`` to the pipeline's ``f(index, iterator)`` form."""

    def __init__(self, f: Callable[[Iterator[Any]], Iterable[Any]]) -> None:
        self.f = f

    def __call__(self, index: int, it: Iterator[Any]) -> Iterable[Any]:
        return self.f(it)


# The node types subclass RDD, so they are imported once RDD exists.
from minispark.rdd.nodes import (  # noqa: E402
    CartesianRDD, CoalescedRDD, CoGroupedRDD, JoinedRDD, MapPartitionsRDD, ShuffledRDD,
    ZippedPartitionsRDD,
)
