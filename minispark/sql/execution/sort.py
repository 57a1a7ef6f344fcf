"""Sorting with Spark's order: nulls first ascending and last descending (unless told),
NaN above every number, and a global order from range-partitioned sorted partitions.

>>> import pyarrow as pa
>>> from minispark.sql.plan.expressions import AttributeReference, SortOrder
>>> from minispark.sql.types import DoubleType
>>> x = AttributeReference("x", DoubleType())
>>> batch = pa.record_batch({"x": [2.0, None, float("nan"), 1.0]})
>>> sort_batch(batch, [SortOrder(x, ascending=False)], [x]).column(0).to_pylist()
[nan, 2.0, 1.0, None]
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from minispark.shuffle.aggregator import NO_SPILL
from minispark.sql.execution.evaluator import EvalSettings, compile_expression, conform
from minispark.sql.execution.external_sort import sort_bounded
from minispark.sql.execution.physical import (
    ExecutionContext, SparkPlan, UnaryExec, collect_batches, concat_batches,
)
from minispark.sql.plan.expressions import AttributeReference, Expression, SortOrder
from minispark.sql.plan.logical import describe
from minispark.sql.types import to_arrow_type
from minispark.taskcontext import TaskContext


class Sorter:
    """Sort keys of a batch compiled once: ``indices(batch)`` gives the sorted row order."""

    def __init__(self, order: Sequence[SortOrder], inputs: Sequence[AttributeReference],
                 settings: EvalSettings = EvalSettings()) -> None:
        self.keys = [compile_expression(o.child, inputs, settings) for o in order]
        self.types = [to_arrow_type(o.child.data_type) for o in order]
        self.directions = [(o.ascending, o.nulls_first) for o in order]

    def indices(self, batch: pa.RecordBatch) -> pa.Array:
        columns: dict[str, pa.Array] = {}
        sort_keys: list[tuple[str, str]] = []
        for i, (key, arrow_type, (ascending, nulls_first)) in enumerate(
                zip(self.keys, self.types, self.directions)):
            values = conform(key(batch), arrow_type, batch.num_rows)
            if values.null_count:
                columns[f"n{i}"] = values.is_null()
                sort_keys.append((f"n{i}", "descending" if nulls_first else "ascending"))
            if pa.types.is_floating(values.type):
                columns[f"f{i}"] = pc.fill_null(pc.is_nan(values), False)
                sort_keys.append((f"f{i}", "ascending" if ascending else "descending"))
            if pa.types.is_struct(values.type) or pa.types.is_list(values.type):
                values = pa.array([repr(v) for v in values.to_pylist()])
            columns[f"v{i}"] = values
            sort_keys.append((f"v{i}", "ascending" if ascending else "descending"))
        if not columns:
            return pa.array(range(batch.num_rows), pa.int64())
        return pc.sort_indices(pa.table(columns), sort_keys=sort_keys)


def sort_batch(batch: pa.RecordBatch, order: Sequence[SortOrder],
               inputs: Sequence[AttributeReference]) -> pa.RecordBatch:
    """``batch`` in the order ``order`` gives."""
    return batch.take(Sorter(order, inputs).indices(batch))


class SortExec(UnaryExec):
    """Sorts each partition (after a range exchange, that is a global sort)."""

    def __init__(self, order: Sequence[SortOrder], is_global: bool, child: SparkPlan) -> None:
        self.order = list(order)
        self.is_global = is_global
        super().__init__(child)

    def execute(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        sorter = Sorter(self.order, child.output, ctx.settings)
        schema = self.schema()

        def sort_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            task = TaskContext.get()
            policy = task._env.spill if task is not None else NO_SPILL
            yield from sort_bounded(batches, schema, sorter.indices, policy)
        return child.execute(ctx).mapPartitions(sort_partition)

    def node_name(self) -> str:
        return "Sort"

    def argument_string(self) -> str:
        return f"[{', '.join(describe(o) for o in self.order)}], {str(self.is_global).lower()}"


class TakeOrderedAndProjectExec(SparkPlan):
    """``ORDER BY ... LIMIT n``: the first ``n`` of each partition, merged on the driver."""

    def __init__(self, n: int, order: Sequence[SortOrder], project: Sequence[Expression],
                 child: SparkPlan, offset: int = 0) -> None:
        self.n = n
        self.offset = offset
        self.order = list(order)
        self.project = list(project)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return [e.to_attribute() for e in self.project]  # type: ignore[attr-defined]

    def top_rows(self, ctx: ExecutionContext) -> pa.RecordBatch:
        """The ordered first rows, computed with one job."""
        child = self.children[0]
        sorter = Sorter(self.order, child.output, ctx.settings)
        schema = child.schema()
        keep = self.n + self.offset

        def top(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            data = concat_batches(list(batches), schema)
            if data.num_rows:
                yield data.take(sorter.indices(data)[:keep])
        pieces = collect_batches(child.execute(ctx).mapPartitions(top))
        data = concat_batches(pieces, schema)
        ordered = data.take(sorter.indices(data)[:keep]) if data.num_rows else data
        ordered = ordered.slice(self.offset) if self.offset else ordered
        from minispark.sql.execution.evaluator import compile_projection

        return compile_projection(self.project, child.output, ctx.settings)(ordered)

    def execute(self, ctx: ExecutionContext) -> Any:
        return ctx.sc.parallelize([self.top_rows(ctx)], 1)

    def argument_string(self) -> str:
        order = ", ".join(describe(o) for o in self.order)
        output = ", ".join(describe(e) for e in self.project)
        return f"(limit={self.n}, orderBy=[{order}], output=[{output}])"

