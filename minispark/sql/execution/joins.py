"""Joins: a broadcast build side or two co-partitioned sides, matched per batch.

The build side's key hashes are sorted once per task; each batch of the
stream side finds its candidate rows with ``searchsorted`` on its own key
hashes, then keeps the pairs whose keys are really equal (and whose residual
condition holds). Outer, semi and anti joins follow from which rows matched.
Null keys never match (``<=>`` keys do), as SQL requires. A shuffled join
whose build side outgrows ``spark.python.worker.memory`` turns into a grace
hash join (:func:`join_bounded`).
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.rdd.rdd import RDD
from minispark.scheduler.dependency import OneToOneDependency
from minispark.shuffle.aggregator import NO_SPILL, SPILL_BUCKETS, SpillPolicy
from minispark.sql.execution.evaluator import compile_expression, conform
from minispark.sql.execution.exchange import BroadcastExchangeExec
from minispark.sql.execution.hashing import combined_hash
from minispark.sql.execution.kernels import equal, equal_null_safe
from minispark.sql.execution.physical import (
    BATCH_ROWS, ExecutionContext, SparkPlan, concat_batches, empty_batch,
)
from minispark.sql.execution.spill import HashBuckets
from minispark.sql.plan.expressions import AttributeReference, Expression
from minispark.sql.plan.logical import describe, join_output
from minispark.sql.types import to_arrow_type
from minispark.taskcontext import TaskContext

_KIND = {"inner": "Inner", "cross": "Cross", "left_outer": "LeftOuter",
         "right_outer": "RightOuter", "full_outer": "FullOuter", "left_semi": "LeftSemi",
         "left_anti": "LeftAnti"}
#: Candidate pairs examined at a time in a join without keys.
CROSS_CHUNK = 1 << 20


class JoinCore:
    """Everything one task needs to join a stream of batches with a build side."""

    def __init__(self, how: str, stream_keys: Sequence[Expression],
                 build_keys: Sequence[Expression], null_safe: Sequence[bool],
                 residual: Expression | None, stream: SparkPlan, build: SparkPlan,
                 stream_is_left: bool, ctx: ExecutionContext) -> None:
        self.how = how
        self.stream_is_left = stream_is_left
        s_out, b_out = stream.output, build.output
        self.stream_keys = [compile_expression(k, s_out, ctx.settings) for k in stream_keys]
        self.build_keys = [compile_expression(k, b_out, ctx.settings) for k in build_keys]
        self.key_types = [to_arrow_type(k.data_type) for k in stream_keys]
        self.null_safe = list(null_safe)
        combined = list(s_out) + list(b_out) if stream_is_left else list(b_out) + list(s_out)
        self.residual = (compile_expression(residual, combined, ctx.settings)
                         if residual is not None else None)
        self.stream_schema = stream.schema()
        self.build_schema = build.schema()
        left_schema, right_schema = ((self.stream_schema, self.build_schema) if stream_is_left
                                     else (self.build_schema, self.stream_schema))
        # Pairs of rows (also for checking a semi join's residual condition): both sides.
        self.pair_schema = pa.schema(list(left_schema) + list(right_schema))
        preserve_left = how in ("left_outer", "full_outer")
        preserve_right = how in ("right_outer", "full_outer")
        self.keep_stream = preserve_left if stream_is_left else preserve_right
        self.keep_build = preserve_right if stream_is_left else preserve_left

    # ---- matching ----------------------------------------------------------------------

    def _keys(self, funcs: list, batch: pa.RecordBatch) -> list[pa.Array]:
        return [conform(f(batch), t, batch.num_rows) for f, t in zip(funcs, self.key_types)]

    def key_hashes(self, batch: pa.RecordBatch, build: bool) -> np.ndarray:
        """The 64-bit hash of each row's join key (equal keys hash alike on both sides)."""
        return combined_hash(self._keys(self.build_keys if build else self.stream_keys, batch),
                             batch.num_rows)

    def prepare(self, build: pa.RecordBatch) -> tuple:
        """The build side's keys and their hashes in sorted order (once per task)."""
        keys = self._keys(self.build_keys, build)
        if not keys:
            return build, keys, None, None
        hashes = combined_hash(keys, build.num_rows)
        order = np.argsort(hashes, kind="stable")
        return build, keys, hashes[order], order

    def _candidates(self, batch: pa.RecordBatch, prepared: tuple
                    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        build, build_keys, sorted_hashes, order = prepared
        n, m = batch.num_rows, build.num_rows
        if not build_keys:
            step = max(1, CROSS_CHUNK // max(m, 1))
            for start in range(0, n, step):
                rows = np.arange(start, min(n, start + step))
                yield np.repeat(rows, m), np.tile(np.arange(m), len(rows))
            return
        keys = self._keys(self.stream_keys, batch)
        hashes = combined_hash(keys, n)
        lo = np.searchsorted(sorted_hashes, hashes, side="left")
        hi = np.searchsorted(sorted_hashes, hashes, side="right")
        counts = hi - lo
        total = int(counts.sum())
        left = np.repeat(np.arange(n), counts)
        ends = np.cumsum(counts)
        within = np.arange(total) - np.repeat(ends - counts, counts)
        right = order[np.repeat(lo, counts) + within]
        if total:
            same = None
            for s_key, b_key, safe in zip(keys, build_keys, self.null_safe):
                a, b = s_key.take(pa.array(left)), b_key.take(pa.array(right))
                eq = equal_null_safe(a, b) if safe else pc.fill_null(equal(a, b), False)
                same = eq if same is None else pc.and_(same, eq)
            mask = same.to_numpy(zero_copy_only=False)
            left, right = left[mask], right[mask]
        yield left, right

    # ---- output ------------------------------------------------------------------------------

    def _assemble(self, stream_part: pa.RecordBatch, build_part: pa.RecordBatch
                  ) -> pa.RecordBatch:
        first, second = ((stream_part, build_part) if self.stream_is_left
                         else (build_part, stream_part))
        columns = list(first.columns) + list(second.columns)
        rows = stream_part.num_rows
        if not columns:
            return empty_batch(self.pair_schema, rows)
        return pa.RecordBatch.from_arrays(columns, schema=self.pair_schema)

    def _nulls(self, schema: pa.Schema, rows: int) -> pa.RecordBatch:
        if not len(schema):
            return empty_batch(schema, rows)
        return pa.RecordBatch.from_arrays([pa.nulls(rows, f.type) for f in schema],
                                          schema=schema)

    def run(self, batches: Iterator[pa.RecordBatch], build: pa.RecordBatch
            ) -> Iterator[pa.RecordBatch]:
        prepared = self.prepare(build)
        matched_build = np.zeros(build.num_rows, dtype=bool) if self.keep_build else None
        for batch in batches:
            if batch.num_rows == 0:
                continue
            yield from self._join_batch(batch, build, prepared, matched_build)
        if matched_build is not None and not matched_build.all():
            rest = build.filter(pa.array(~matched_build))
            yield self._assemble(self._nulls(self.stream_schema, rest.num_rows), rest)

    def _join_batch(self, batch: pa.RecordBatch, build: pa.RecordBatch, prepared: tuple,
                    matched_build: np.ndarray | None) -> Iterator[pa.RecordBatch]:
        matched_stream = np.zeros(batch.num_rows, dtype=bool)
        semi = self.how in ("left_semi", "left_anti")
        for left, right in self._candidates(batch, prepared):
            if not len(left):
                continue
            pairs = None
            if self.residual is not None:
                pairs = self._assemble(batch.take(pa.array(left)), build.take(pa.array(right)))
                keep = pc.fill_null(conform(self.residual(pairs), pa.bool_(), pairs.num_rows),
                                    False).to_numpy(zero_copy_only=False)
                left, right = left[keep], right[keep]
                pairs = pairs.filter(pa.array(keep))
            matched_stream[left] = True
            if matched_build is not None:
                matched_build[right] = True
            if semi or not len(left):
                continue
            if pairs is None:
                pairs = self._assemble(batch.take(pa.array(left)), build.take(pa.array(right)))
            for start in range(0, pairs.num_rows, BATCH_ROWS):
                yield pairs.slice(start, BATCH_ROWS)
        if self.how == "left_semi":
            yield batch.filter(pa.array(matched_stream))
        elif self.how == "left_anti":
            yield batch.filter(pa.array(~matched_stream))
        elif self.keep_stream and not matched_stream.all():
            rest = batch.filter(pa.array(~matched_stream))
            yield self._assemble(rest, self._nulls(self.build_schema, rest.num_rows))


class _JoinExec(SparkPlan):
    def __init__(self, how: str, left_keys: Sequence[Expression],
                 right_keys: Sequence[Expression], null_safe: Sequence[bool],
                 residual: Expression | None, left: SparkPlan, right: SparkPlan) -> None:
        self.how = how
        self.left_keys = list(left_keys)
        self.right_keys = list(right_keys)
        self.null_safe = list(null_safe)
        self.residual = residual
        self.children = (left, right)

    @property
    def output(self) -> list[AttributeReference]:
        return join_output(self.how, self.children[0].output, self.children[1].output)

    def argument_string(self) -> str:
        keys = (f"[{', '.join(describe(k) for k in self.left_keys)}], "
                f"[{', '.join(describe(k) for k in self.right_keys)}], ")
        residual = f", {describe(self.residual)}" if self.residual is not None else ""
        return f"{keys}{_KIND[self.how]}{residual}"


class BroadcastHashJoinExec(_JoinExec):
    """The build side (``build_left`` or the right) broadcast; the other side streams."""

    def __init__(self, how: str, left_keys: Sequence[Expression],
                 right_keys: Sequence[Expression], null_safe: Sequence[bool],
                 residual: Expression | None, left: SparkPlan, right: SparkPlan,
                 build_left: bool = False) -> None:
        if build_left:
            left = BroadcastExchangeExec(left)
        else:
            right = BroadcastExchangeExec(right)
        super().__init__(how, left_keys, right_keys, null_safe, residual, left, right)
        self.build_left = build_left

    def execute(self, ctx: ExecutionContext) -> Any:
        left, right = self.children
        stream, build = (right, left) if self.build_left else (left, right)
        stream_keys, build_keys = ((self.right_keys, self.left_keys) if self.build_left
                                   else (self.left_keys, self.right_keys))
        core = JoinCore(self.how, stream_keys, build_keys, self.null_safe, self.residual,
                        stream, build, not self.build_left, ctx)
        table = build.broadcast(ctx)  # type: ignore[attr-defined]
        return stream.execute(ctx).mapPartitions(lambda it: core.run(it, table.value))

    def node_name(self) -> str:
        return "BroadcastHashJoin" if self.left_keys else "BroadcastNestedLoopJoin"

    def argument_string(self) -> str:
        return super().argument_string() + (", BuildLeft" if self.build_left else ", BuildRight")


class ShuffledHashJoinExec(_JoinExec):
    """Both sides hash-partitioned alike; each task joins one partition of each."""

    def execute(self, ctx: ExecutionContext) -> Any:
        left, right = self.children
        core = JoinCore(self.how, self.left_keys, self.right_keys, self.null_safe,
                        self.residual, left, right, True, ctx)

        def join(left_batches: Iterator[pa.RecordBatch],
                 right_batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            task = TaskContext.get()
            policy = task._env.spill if task is not None else NO_SPILL
            return join_bounded(core, left_batches, right_batches, policy)
        return CoPartitionedRDD(left.execute(ctx), right.execute(ctx), join)

    def node_name(self) -> str:
        return "ShuffledHashJoin" if self.left_keys else "NestedLoopJoin"


def join_bounded(core: JoinCore, stream: Iterator[pa.RecordBatch],
                 build: Iterator[pa.RecordBatch], policy: SpillPolicy
                 ) -> Iterator[pa.RecordBatch]:
    """One partition's join, its build side held within ``policy.memory_limit`` bytes.

    Past the limit it becomes a grace hash join: both sides go to disk split
    by key hash into sub-buckets, and each sub-bucket is joined on its own
    (every row lands in exactly one, with all rows of its key, so inner,
    outer, semi and anti results stay exact). A join without keys cannot be
    split and stays in memory.
    """
    limit = policy.memory_limit
    held: list[pa.RecordBatch] = []
    size = 0
    for batch in build:
        held.append(batch)
        size += batch.nbytes
        if limit is not None and size > limit and core.build_keys:
            yield from _grace_join(core, stream, itertools.chain(held, build), policy)
            return
    yield from core.run(stream, concat_batches(held, core.build_schema))


def _grace_join(core: JoinCore, stream: Iterator[pa.RecordBatch],
                build: Iterator[pa.RecordBatch], policy: SpillPolicy
                ) -> Iterator[pa.RecordBatch]:
    sides: list[HashBuckets] = []
    try:
        for batches, schema, is_build in ((build, core.build_schema, True),
                                          (stream, core.stream_schema, False)):
            side = HashBuckets(policy, schema, "join-")
            sides.append(side)
            for batch in batches:
                if batch.num_rows:
                    side.write(batch, core.key_hashes(batch, build=is_build))
        build_side, stream_side = sides
        for bucket in range(SPILL_BUCKETS):
            table = concat_batches(build_side.read(bucket), core.build_schema)
            yield from core.run(iter(stream_side.read(bucket)), table)
    finally:
        for side in sides:
            side.close()


class CoPartitionedRDD(RDD):
    """Partition i of two equally partitioned RDDs, given together to ``func``."""

    def __init__(self, first: RDD, second: RDD, func: Any) -> None:
        if first.getNumPartitions() != second.getNumPartitions():
            raise ValueError("zipped RDDs need the same number of partitions")
        super().__init__(first.ctx, [OneToOneDependency(first), OneToOneDependency(second)],
                         first.getNumPartitions())
        self._func = func

    def compute(self, index: int, task_context: Any) -> Iterator[Any]:
        first = self._deps[0].rdd.iterator(index, task_context)
        second = self._deps[1].rdd.iterator(index, task_context)
        return iter(self._func(first, second))
