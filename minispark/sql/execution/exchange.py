"""Exchanges: repartitioning Arrow batches through the RDD shuffle.

The map side cuts each batch into one piece per reduce partition (by key
hash, by key range, or round robin) and emits ``(partition, piece)`` records;
``partitionBy`` with the identity moves them, pickled as Arrow IPC streams,
through the existing shuffle files; the reduce side gathers the pieces into
batches of about :data:`BATCH_ROWS` rows.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.shuffle.partitioner import identity
from minispark.sql.execution.evaluator import compile_expression, conform
from minispark.sql.execution.hashing import partition_ids
from minispark.sql.execution.physical import (
    ExecutionContext, SparkPlan, UnaryExec, collect_batches, concat_batches, rebatch,
)
from minispark.sql.plan.expressions import AttributeReference, Expression, SortOrder
from minispark.sql.plan.logical import describe
from minispark.sql.types import to_arrow_type


class Partitioning:
    """How rows are assigned to ``num_partitions`` reduce partitions."""

    num_partitions: int

    def splitter(self, inputs: Sequence[AttributeReference], ctx: ExecutionContext,
                 child_rdd: Any) -> Callable[[int, pa.RecordBatch], np.ndarray]:
        """``f(map_index, batch)``: the partition id of each row."""
        raise NotImplementedError


class SinglePartition(Partitioning):
    num_partitions = 1

    def splitter(self, inputs: Sequence[AttributeReference], ctx: ExecutionContext,
                 child_rdd: Any) -> Callable[[int, pa.RecordBatch], np.ndarray]:
        return lambda index, batch: np.zeros(batch.num_rows, dtype=np.int64)

    def __str__(self) -> str:
        return "SinglePartition"


class HashPartitioning(Partitioning):
    def __init__(self, keys: Sequence[Expression], num_partitions: int) -> None:
        self.keys = list(keys)
        self.num_partitions = num_partitions

    def splitter(self, inputs: Sequence[AttributeReference], ctx: ExecutionContext,
                 child_rdd: Any) -> Callable[[int, pa.RecordBatch], np.ndarray]:
        keys = [compile_expression(k, inputs, ctx.settings) for k in self.keys]
        types = [to_arrow_type(k.data_type) for k in self.keys]
        n = self.num_partitions

        def split(index: int, batch: pa.RecordBatch) -> np.ndarray:
            columns = [conform(k(batch), t, batch.num_rows) for k, t in zip(keys, types)]
            return partition_ids(columns, n)
        return split

    def __str__(self) -> str:
        return f"hashpartitioning({', '.join(describe(k) for k in self.keys)}, " \
               f"{self.num_partitions})"


class RoundRobinPartitioning(Partitioning):
    def __init__(self, num_partitions: int) -> None:
        self.num_partitions = num_partitions

    def splitter(self, inputs: Sequence[AttributeReference], ctx: ExecutionContext,
                 child_rdd: Any) -> Callable[[int, pa.RecordBatch], np.ndarray]:
        n = self.num_partitions
        # Each map task starts at its own index, so recomputing it gives the same rows.
        return lambda index, batch: (np.arange(batch.num_rows) + index) % n

    def __str__(self) -> str:
        return f"RoundRobinPartitioning({self.num_partitions})"


class RangePartitioning(Partitioning):
    """Rows by ranges of the first sort key, from bounds sampled before the shuffle.

    Rows equal in the first key land in the same partition, so sorting each
    partition by all the keys gives a total order.
    """

    SAMPLE_PER_PARTITION = 100

    def __init__(self, order: Sequence[SortOrder], num_partitions: int) -> None:
        self.order = list(order)
        self.num_partitions = num_partitions

    def splitter(self, inputs: Sequence[AttributeReference], ctx: ExecutionContext,
                 child_rdd: Any) -> Callable[[int, pa.RecordBatch], np.ndarray]:
        first = self.order[0]
        key = compile_expression(first.child, inputs, ctx.settings)
        arrow_type = to_arrow_type(first.child.data_type)
        n = self.num_partitions
        bounds = self._bounds(child_rdd, key, arrow_type)
        ascending, nulls_first = first.ascending, first.nulls_first

        def split(index: int, batch: pa.RecordBatch) -> np.ndarray:
            values = conform(key(batch), arrow_type, batch.num_rows)
            ids = np.searchsorted(bounds, _sortable(values), side="left") if len(bounds) else \
                np.zeros(batch.num_rows, dtype=np.int64)
            if not ascending:
                ids = n - 1 - ids
            if values.null_count:
                ids = np.where(values.is_null().to_numpy(zero_copy_only=False),
                               0 if nulls_first else n - 1, ids)
            return ids.astype(np.int64)
        return split

    def _bounds(self, rdd: Any, key: Callable, arrow_type: pa.DataType) -> np.ndarray:
        per = self.SAMPLE_PER_PARTITION
        n = self.num_partitions

        def sample(_ctx: Any, batches: Iterator[pa.RecordBatch]) -> list:
            values = [conform(key(b), arrow_type, b.num_rows).drop_null() for b in batches]
            values = [v for v in values if len(v)]
            if not values:
                return []
            column = pa.concat_arrays(values)
            step = max(1, len(column) // per)
            return column.take(pa.array(np.arange(0, len(column), step))).to_pylist()
        parts = rdd.ctx._run_job(rdd, sample)
        points = [v for part in parts for v in part]
        if not points:
            return np.array([])
        column = _sortable(pa.array(points, arrow_type))
        column = np.sort(column)
        picks = [column[min(len(column) - 1, len(column) * (i + 1) // n)] for i in range(n - 1)]
        return np.unique(np.array(picks, dtype=column.dtype)) if len(picks) else np.array(
            [], dtype=column.dtype)

    def __str__(self) -> str:
        return f"rangepartitioning({', '.join(describe(o) for o in self.order)}, " \
               f"{self.num_partitions})"


def _sortable(values: pa.Array) -> np.ndarray:
    """Values numpy can order (dates and times as integers, strings as Python objects)."""
    t = values.type
    if pa.types.is_temporal(t):
        # Arrow casts date32 only to int32.
        values = pc.cast(values, pa.int32() if pa.types.is_date32(t) else pa.int64())
    elif pa.types.is_decimal(t):
        values = pc.cast(values, pa.float64())
    elif pa.types.is_boolean(t):
        values = pc.cast(values, pa.int8())
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type) or \
            pa.types.is_binary(values.type):
        return np.array(values.fill_null("" if pa.types.is_string(values.type) else b"")
                        .to_pylist(), dtype=object)
    return values.to_numpy(zero_copy_only=False)


def split_batch(batch: pa.RecordBatch, ids: np.ndarray) -> Iterator[tuple[int, pa.RecordBatch]]:
    """``(partition, rows)`` pieces of a batch, given each row's partition."""
    if batch.num_rows == 0:
        return
    first = ids[0]
    if (ids == first).all():
        yield int(first), batch
        return
    order = np.argsort(ids, kind="stable")
    ordered = batch.take(pa.array(order))
    sorted_ids = ids[order]
    cuts = np.flatnonzero(np.diff(sorted_ids)) + 1
    starts = np.concatenate([[0], cuts])
    stops = np.concatenate([cuts, [len(sorted_ids)]])
    for start, stop in zip(starts, stops):
        yield int(sorted_ids[start]), ordered.slice(start, stop - start)


class ShuffleExchangeExec(UnaryExec):
    """Repartitions its child's rows by ``partitioning`` through a shuffle."""

    def __init__(self, partitioning: Partitioning, child: SparkPlan) -> None:
        self.partitioning = partitioning
        super().__init__(child)

    def execute(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        rdd = child.execute(ctx)
        split = self.partitioning.splitter(child.output, ctx, rdd)
        schema = self.schema()
        n = self.partitioning.num_partitions
        width = len(schema)

        def pieces(index: int, batches: Iterator[pa.RecordBatch]) -> Iterator[tuple]:
            for batch in batches:
                if width == 0:
                    # No columns: only the row count travels.
                    if batch.num_rows:
                        counts = np.bincount(split(index, batch), minlength=n)
                        yield from ((int(p), batch.slice(0, int(c))) for p, c in
                                    enumerate(counts) if c)
                    continue
                yield from split_batch(batch, split(index, batch))

        shuffled = rdd.mapPartitionsWithIndex(pieces).partitionBy(n, identity)
        return shuffled.mapPartitions(lambda records: rebatch((b for _, b in records), schema))

    def node_name(self) -> str:
        return "Exchange"

    def argument_string(self) -> str:
        return str(self.partitioning)


class BroadcastExchangeExec(UnaryExec):
    """Its child's rows collected on the driver as one table and broadcast to executors."""

    def __init__(self, child: SparkPlan) -> None:
        super().__init__(child)

    def broadcast(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        batches = collect_batches(child.execute(ctx))
        table = concat_batches(batches, self.schema())
        return ctx.sc.broadcast(table)

    def execute(self, ctx: ExecutionContext) -> Any:
        return self.children[0].execute(ctx)

    def node_name(self) -> str:
        return "BroadcastExchange"
