"""Physical operators: each turns its children's RDDs of Arrow batches into its own.

A physical plan is a tree of :class:`SparkPlan`; ``execute(ctx)`` builds the
RDD lineage (nothing runs until an action), where every record is a
``pyarrow.RecordBatch`` with the operator's ``output`` columns in order.
Narrow operators become ``mapPartitions`` steps, which the RDD layer fuses
into one pipeline per stage; exchanges become RDD shuffles.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from minispark.sql.execution.evaluator import (
    EvalSettings, compile_filter, compile_projection,
)
from minispark.sql.execution.metrics import instrumented
from minispark.sql.plan.expressions import AttributeReference, Expression
from minispark.sql.plan.logical import attribute_string, describe
from minispark.sql.plan.trees import TreeNode
from minispark.sql.types import StructField, StructType

#: Rows per batch that operators producing data (scans, ranges, sorts) aim for.
BATCH_ROWS = 1 << 16


@dataclass
class ExecutionContext:
    """What operators read from the session while they build RDDs (on the driver)."""

    sc: Any
    settings: EvalSettings
    shuffle_partitions: int
    adaptive: bool = True
    broadcast_threshold: int = 10 * 1024 * 1024
    default_parallelism: int = 2
    extra: dict = field(default_factory=dict)

    def exchange_partitions(self, estimated_bytes: int | None) -> int:
        """Reduce partitions of a shuffle: ``spark.sql.shuffle.partitions``, coalesced by size.

        With adaptive execution on (Spark's default) Spark coalesces small shuffle
        partitions after the map stage; this picks the coalesced count up front from
        the plan's size estimate: about one partition per 1 MB (Spark's minimum
        partition size), at most ``defaultParallelism``, never more than asked.
        """
        if not self.adaptive:
            return self.shuffle_partitions
        if estimated_bytes is None:
            return min(self.shuffle_partitions, self.default_parallelism)
        by_size = max(1, -(-estimated_bytes // (1 << 20)))
        return max(1, min(self.shuffle_partitions, self.default_parallelism, by_size))


def arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema of batches inside the engine: Spark's types, every field nullable.

    Nullability stays in the Spark schema; nullable Arrow fields let batches of
    different operators concatenate without schema mismatches.
    """
    from minispark.sql.types import to_arrow_type

    return pa.schema([pa.field(f.name, to_arrow_type(f.dataType)) for f in schema.fields])


def schema_of(output: Sequence[AttributeReference]) -> pa.Schema:
    """The Arrow schema of batches with these columns."""
    return arrow_schema(StructType([StructField(a.name, a.data_type, a.nullable)
                                    for a in output]))


def empty_batch(schema: pa.Schema, rows: int = 0) -> pa.RecordBatch:
    """A batch of ``schema`` with no rows (or, for no columns, ``rows`` empty rows)."""
    if len(schema) == 0:
        return pa.record_batch({"_": pa.nulls(rows)}).select([])
    return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)


def concat_batches(batches: Sequence[pa.RecordBatch], schema: pa.Schema) -> pa.RecordBatch:
    """One batch holding every row of ``batches`` (all of ``schema``'s shape)."""
    if not batches:
        return empty_batch(schema)
    if len(schema) == 0:
        return empty_batch(schema, sum(b.num_rows for b in batches))
    if len(batches) == 1:
        return batches[0]
    fixed = [b if b.schema == schema else pa.RecordBatch.from_arrays(b.columns, schema=schema)
             for b in batches]
    table = pa.Table.from_batches(fixed, schema).combine_chunks()
    out = table.to_batches()
    return out[0] if len(out) == 1 else empty_batch(schema)


def slices(batch: pa.RecordBatch, size: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """``batch`` cut into pieces of at most ``size`` rows."""
    if batch.num_rows <= size:
        yield batch
        return
    for start in range(0, batch.num_rows, size):
        yield batch.slice(start, size)


def rebatch(batches: Iterable[pa.RecordBatch], schema: pa.Schema,
            size: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Small batches gathered into ones of about ``size`` rows (after a shuffle)."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        if batch.num_rows == 0 and len(schema):
            continue
        pending.append(batch)
        rows += batch.num_rows
        if rows >= size:
            yield concat_batches(pending, schema)
            pending, rows = [], 0
    if pending:
        yield concat_batches(pending, schema)


def take_rows(batches: Iterable[pa.RecordBatch], n: int) -> list[pa.RecordBatch]:
    """The first ``n`` rows of a stream of batches, reading no further than needed."""
    out, left = [], n
    for batch in batches:
        if left <= 0:
            break
        piece = batch if batch.num_rows <= left else batch.slice(0, left)
        out.append(piece)
        left -= piece.num_rows
    return out


class SparkPlan(TreeNode):
    """A physical operator."""

    children: tuple["SparkPlan", ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "execute" in cls.__dict__:  # every operator reports its SQL metrics
            cls.execute = instrumented(cls.__dict__["execute"])  # type: ignore[method-assign]

    @property
    def output(self) -> list[AttributeReference]:
        raise NotImplementedError

    def execute(self, ctx: ExecutionContext) -> Any:
        """The RDD of this operator's batches."""
        raise NotImplementedError

    def schema(self) -> pa.Schema:
        return schema_of(self.output)

    def node_name(self) -> str:
        return type(self).__name__.replace("Exec", "")

    def argument_string(self) -> str:
        return ""

    def simple_string(self) -> str:
        return f"{self.node_name()} {self.argument_string()}".rstrip()


class LeafExec(SparkPlan):
    """An operator that produces data: its ``output`` is given."""

    def __init__(self, output: Sequence[AttributeReference]) -> None:
        self._output = list(output)

    @property
    def output(self) -> list[AttributeReference]:
        return self._output

    def argument_string(self) -> str:
        return _attrs(self._output)


class UnaryExec(SparkPlan):
    """An operator over one child whose columns it keeps."""

    def __init__(self, child: SparkPlan) -> None:
        self.children = (child,)

    @property
    def child(self) -> SparkPlan:
        return self.children[0]

    @property
    def output(self) -> list[AttributeReference]:
        return self.children[0].output


def _attrs(attrs: Sequence[AttributeReference]) -> str:
    return "[" + ", ".join(attribute_string(a) for a in attrs) + "]"


def map_batches(rdd: Any, func: Callable[[pa.RecordBatch], pa.RecordBatch]) -> Any:
    """``func`` applied to every batch of ``rdd`` (a fused narrow step)."""
    return rdd.mapPartitions(lambda batches: map(func, batches), preservesPartitioning=True)


# ---- leaves -----------------------------------------------------------------------------


class LocalTableScanExec(LeafExec):
    """Driver-side rows shipped as one batch per slice, like ``sc.parallelize``."""

    def __init__(self, output: Sequence[AttributeReference], table: pa.Table,
                 num_slices: int | None = None) -> None:
        super().__init__(output)
        self.table = table
        self.num_slices = num_slices

    def execute(self, ctx: ExecutionContext) -> Any:
        n = self.num_slices or ctx.default_parallelism
        rows = self.table.num_rows
        schema = self.schema()
        table = pa.Table.from_arrays(self.table.columns, schema=schema) if len(schema) else None
        batches = []
        for i in range(n):
            start, stop = rows * i // n, rows * (i + 1) // n
            if table is None:
                batches.append(empty_batch(schema, stop - start))
            else:
                piece = table.slice(start, stop - start).combine_chunks().to_batches()
                batches.append(piece[0] if piece else empty_batch(schema))
        return ctx.sc.parallelize(batches, n)


class RangeExec(LeafExec):
    """``spark.range``: each partition computes its ids with numpy, no data shipped."""

    def __init__(self, output: Sequence[AttributeReference], start: int, end: int, step: int,
                 num_slices: int, count: int) -> None:
        super().__init__(output)
        self.start, self.end, self.step = start, end, step
        self.num_slices, self.count = num_slices, count

    def execute(self, ctx: ExecutionContext) -> Any:
        start, step, count, n = self.start, self.step, self.count, self.num_slices
        schema = self.schema()

        def generate(index: int, _: Iterator[Any]) -> Iterator[pa.RecordBatch]:
            first, last = count * index // n, count * (index + 1) // n
            for lo in range(first, last, BATCH_ROWS):
                hi = min(last, lo + BATCH_ROWS)
                ids = start + step * np.arange(lo, hi, dtype=np.int64)
                yield pa.RecordBatch.from_arrays([pa.array(ids)], schema=schema)
        return ctx.sc.parallelize(range(n), n).mapPartitionsWithIndex(generate)

    def argument_string(self) -> str:
        return (f"({self.start}, {self.end}, step={self.step}, "
                f"splits={self.num_slices})")


class RDDScanExec(LeafExec):
    """An existing RDD of batches (``createDataFrame`` from an RDD, ``LogicalRDD``)."""

    def __init__(self, output: Sequence[AttributeReference], rdd: Any) -> None:
        super().__init__(output)
        self.rdd = rdd

    def execute(self, ctx: ExecutionContext) -> Any:
        return self.rdd

    def node_name(self) -> str:
        return "Scan ExistingRDD"


class InMemoryTableScanExec(LeafExec):
    """A cached DataFrame: its persisted RDD of batches (built by the first query)."""

    def __init__(self, output: Sequence[AttributeReference], cache: Any) -> None:
        super().__init__(output)
        self.cache = cache

    def execute(self, ctx: ExecutionContext) -> Any:
        return self.cache.rdd(ctx)


# ---- narrow operators -------------------------------------------------------------------------


class ProjectExec(SparkPlan):
    def __init__(self, project_list: Sequence[Expression], child: SparkPlan) -> None:
        self.project_list = list(project_list)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return [e.to_attribute() for e in self.project_list]  # type: ignore[attr-defined]

    def execute(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        project = compile_projection(self.project_list, child.output, ctx.settings)
        return map_batches(child.execute(ctx), project)

    def argument_string(self) -> str:
        return "[" + ", ".join(describe(e) for e in self.project_list) + "]"


class FilterExec(UnaryExec):
    def __init__(self, condition: Expression, child: SparkPlan) -> None:
        self.condition = condition
        super().__init__(child)

    def execute(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        keep = compile_filter(self.condition, child.output, ctx.settings)
        return map_batches(child.execute(ctx), keep)

    def argument_string(self) -> str:
        return describe(self.condition)


class UnionExec(SparkPlan):
    def __init__(self, children: Sequence[SparkPlan], output: Sequence[AttributeReference]
                 ) -> None:
        self.children = tuple(children)
        self._output = list(output)

    @property
    def output(self) -> list[AttributeReference]:
        return self._output

    def execute(self, ctx: ExecutionContext) -> Any:
        schema = self.schema()

        def rename(batch: pa.RecordBatch) -> pa.RecordBatch:
            if not len(schema):
                return batch
            return pa.RecordBatch.from_arrays(batch.columns, schema=schema)
        return ctx.sc.union([map_batches(c.execute(ctx), rename) for c in self.children])


class LocalLimitExec(UnaryExec):
    """The first ``n`` rows of each partition."""

    def __init__(self, n: int, child: SparkPlan) -> None:
        self.n = n
        super().__init__(child)

    def execute(self, ctx: ExecutionContext) -> Any:
        n = self.n
        return self.children[0].execute(ctx).mapPartitions(lambda it: take_rows(it, n))

    def argument_string(self) -> str:
        return str(self.n)


class GlobalLimitExec(UnaryExec):
    """The first ``n`` rows (after ``offset``) of a single-partition child."""

    def __init__(self, n: int, child: SparkPlan, offset: int = 0) -> None:
        self.n = n
        self.offset = offset
        super().__init__(child)

    def execute(self, ctx: ExecutionContext) -> Any:
        n, offset = self.n, self.offset

        def limit(it: Iterator[pa.RecordBatch]) -> list[pa.RecordBatch]:
            rows = take_rows(it, n + offset)
            return skip_rows(rows, offset)
        return self.children[0].execute(ctx).mapPartitions(limit)

    def argument_string(self) -> str:
        return f"{self.n}, {self.offset}"


class CollectLimitExec(UnaryExec):
    """A limit at the top of a query: the driver reads partitions until it has the rows."""

    def __init__(self, n: int, child: SparkPlan, offset: int = 0) -> None:
        self.n = n
        self.offset = offset
        super().__init__(child)

    def execute_collect(self, ctx: ExecutionContext) -> list[pa.RecordBatch]:
        """The limited rows, scanning the child's partitions incrementally."""
        rows = first_rows(self.children[0].execute(ctx), self.n + self.offset)
        return skip_rows(rows, self.offset)

    def execute(self, ctx: ExecutionContext) -> Any:
        from minispark.sql.execution.exchange import ShuffleExchangeExec, SinglePartition

        local = LocalLimitExec(self.n + self.offset, self.children[0])
        single = ShuffleExchangeExec(SinglePartition(), local)
        return GlobalLimitExec(self.n, single, self.offset).execute(ctx)

    def argument_string(self) -> str:
        return str(self.n) if not self.offset else f"{self.n}, {self.offset}"


def skip_rows(batches: list[pa.RecordBatch], offset: int) -> list[pa.RecordBatch]:
    out = []
    for batch in batches:
        if offset >= batch.num_rows:
            offset -= batch.num_rows
            continue
        out.append(batch.slice(offset))
        offset = 0
    return out


class CoalesceExec(UnaryExec):
    """Fewer partitions without a shuffle (``DataFrame.coalesce``)."""

    def __init__(self, num: int, child: SparkPlan) -> None:
        self.num = num
        super().__init__(child)

    def execute(self, ctx: ExecutionContext) -> Any:
        return self.children[0].execute(ctx).coalesce(self.num)

    def argument_string(self) -> str:
        return str(self.num)


class SampleExec(UnaryExec):
    """Each row kept with probability ``fraction`` (Poisson counts with replacement)."""

    def __init__(self, fraction: float, with_replacement: bool, seed: int,
                 child: SparkPlan) -> None:
        self.fraction = fraction
        self.with_replacement = with_replacement
        self.seed = seed
        super().__init__(child)

    def execute(self, ctx: ExecutionContext) -> Any:
        fraction, replace, seed = self.fraction, self.with_replacement, self.seed

        def sample(index: int, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            rng = np.random.default_rng([seed & 0xFFFFFFFF, index])
            for batch in batches:
                if replace:
                    counts = rng.poisson(fraction, batch.num_rows)
                    yield batch.take(pa.array(np.repeat(np.arange(batch.num_rows), counts)))
                else:
                    yield batch.filter(pa.array(rng.random(batch.num_rows) < fraction))
        return self.children[0].execute(ctx).mapPartitionsWithIndex(sample)


def first_rows(rdd: Any, n: int) -> list[pa.RecordBatch]:
    """The first ``n`` rows of an RDD of batches, scanning partitions incrementally.

    As Spark's ``executeTake``: one partition first, then (if that was not enough)
    up to four times as many as scanned so far, estimated from the rows found.
    """
    total = rdd.getNumPartitions()
    found: list[pa.RecordBatch] = []
    rows, scanned = 0, 0
    while rows < n and scanned < total:
        tries = 1
        if scanned > 0:
            tries = scanned * 4 if rows == 0 else min(
                max(int(1.5 * n * scanned / rows) - scanned, 1), scanned * 4)
        parts = list(range(scanned, min(scanned + tries, total)))
        left = n - rows
        results = rdd.ctx._run_job(rdd, lambda _ctx, it: take_rows(it, left), parts)
        for batches in results:
            for batch in batches:
                if rows >= n:
                    break
                piece = batch if batch.num_rows <= n - rows else batch.slice(0, n - rows)
                found.append(piece)
                rows += piece.num_rows
        scanned += len(parts)
    return found


def collect_batches(rdd: Any) -> list[pa.RecordBatch]:
    """Every batch of an RDD, in partition order, on the driver."""
    results = rdd.ctx._run_job(rdd, lambda _ctx, it: list(it))
    return [b for part in results for b in part]


def count_rows(rdd: Any) -> int:
    return sum(rdd.ctx._run_job(rdd, lambda _ctx, it: sum(b.num_rows for b in it)))

