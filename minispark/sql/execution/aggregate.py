"""Hash aggregation in two phases: partial states before the exchange, final values after.

``partial`` evaluates the grouping keys and aggregate inputs of each batch and
reduces them to one state row per group with pyarrow's hash aggregations;
``final`` merges the states of every map partition for its groups and
finishes them into values. Without grouping keys, an empty input still gives
one row (``count`` 0, ``sum`` null), as SQL requires.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import pyarrow as pa

from minispark.sql.builtins.aggregates import Aggregator, make_aggregator
from minispark.sql.execution.evaluator import compile_expression, conform
from minispark.sql.execution.physical import (
    BATCH_ROWS, ExecutionContext, SparkPlan, concat_batches, slices,
)
from minispark.sql.plan.expressions import AggregateFunction, AttributeReference, Expression
from minispark.sql.plan.logical import describe
from minispark.sql.types import to_arrow_type

#: Rows gathered before a partial aggregation step runs (bounded memory per step).
PARTIAL_CHUNK_ROWS = 1 << 20


class AggregateCall:
    """One aggregate function of the query with its aggregator and its state columns."""

    def __init__(self, function: AggregateFunction, result: AttributeReference) -> None:
        self.function = function
        self.result = result
        arg_types = [a.data_type for a in function.children]
        self.aggregator: Aggregator = make_aggregator(
            function.spec.name, arg_types, function.data_type, function.distinct,
            function.options)
        arrow_args = [to_arrow_type(t) for t in arg_types]
        self.state_types = self.aggregator.state_types(arrow_args)
        self.result_type = to_arrow_type(function.data_type)


def _group(table: pa.Table, keys: list[str], requests: list[tuple[str, str, Any]]
           ) -> pa.Table:
    """pyarrow's hash aggregation; without keys, over one constant key (pyarrow's
    ungrouped aggregations lack ``distinct`` and ``list``)."""
    if keys:
        return table.group_by(keys, use_threads=False).aggregate(requests)
    if table.num_rows == 0:
        table = table.append_column("_g", pa.nulls(0, pa.int8()))
    else:
        table = table.append_column("_g", pa.repeat(pa.scalar(0, pa.int8()), table.num_rows))
    grouped = table.group_by(["_g"], use_threads=False).aggregate(requests)
    return grouped.drop_columns(["_g"])


class HashAggregateExec(SparkPlan):
    """``mode`` is ``partial`` (inputs to states) or ``final`` (states to values).

    The partial operator's output is the key columns then every call's states;
    the final operator's output is the key attributes then every call's result.
    """

    def __init__(self, mode: str, keys: Sequence[Expression],
                 key_attrs: Sequence[AttributeReference], calls: Sequence[AggregateCall],
                 child: SparkPlan) -> None:
        self.mode = mode
        self.keys = list(keys)
        self.key_attrs = list(key_attrs)
        self.calls = list(calls)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        if self.mode == "final":
            return self.key_attrs + [c.result for c in self.calls]
        return self.key_attrs + self._state_attrs()

    def _state_attrs(self) -> list[AttributeReference]:
        from minispark.sql.types import from_arrow_type

        attrs = []
        for i, call in enumerate(self.calls):
            for j, t in enumerate(call.state_types):
                attrs.append(AttributeReference(f"_s{i}_{j}", from_arrow_type(t), True,
                                                expr_id=-(1000 * (i + 1) + j)))
        return attrs

    def schema(self) -> pa.Schema:
        key_fields = [pa.field(a.name, to_arrow_type(a.data_type)) for a in self.key_attrs]
        if self.mode == "final":
            return pa.schema(key_fields + [pa.field(c.result.name, c.result_type)
                                           for c in self.calls])
        states = [pa.field(f"_s{i}_{j}", t) for i, c in enumerate(self.calls)
                  for j, t in enumerate(c.state_types)]
        return pa.schema(key_fields + states)

    def execute(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        rdd = child.execute(ctx)
        if self.mode == "partial":
            step = _PartialStep(self, child.output, ctx)
        else:
            step = _FinalStep(self)
        return rdd.mapPartitions(step)

    def node_name(self) -> str:
        return "HashAggregate"

    def argument_string(self) -> str:
        keys = ", ".join(describe(k) for k in self.keys)
        functions = ", ".join(f"{self.mode}_{c.function.sql()}" for c in self.calls)
        return f"(keys=[{keys}], functions=[{functions}])"


class _PartialStep:
    """Inputs of one partition to one state row per group (picklable for the stage)."""

    def __init__(self, node: HashAggregateExec, inputs: Sequence[AttributeReference],
                 ctx: ExecutionContext) -> None:
        self.key_funcs = [compile_expression(k, inputs, ctx.settings) for k in node.keys]
        self.key_types = [to_arrow_type(k.data_type) for k in node.keys]
        self.arg_funcs = [[compile_expression(a, inputs, ctx.settings)
                           for a in c.function.children] for c in node.calls]
        self.arg_types = [[to_arrow_type(a.data_type) for a in c.function.children]
                          for c in node.calls]
        self.aggregators = [c.aggregator for c in node.calls]
        self.schema = node.schema()
        self.merge = _FinalStep(node, finish=False)

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        partials: list[pa.RecordBatch] = []
        pending: list[pa.RecordBatch] = []
        rows = 0
        for batch in batches:
            pending.append(batch)
            rows += batch.num_rows
            if rows >= PARTIAL_CHUNK_ROWS:
                partials.append(self._aggregate(pending))
                pending, rows = [], 0
        if pending or not partials:
            partials.append(self._aggregate(pending))
        if len(partials) == 1:
            yield partials[0]
        else:
            yield from self.merge(iter(partials))

    def _aggregate(self, batches: list[pa.RecordBatch]) -> pa.RecordBatch:
        columns: dict[str, pa.Array] = {}
        n = sum(b.num_rows for b in batches)
        keys = [f"_k{i}" for i in range(len(self.key_funcs))]
        if batches:
            for name, func, arrow_type in zip(keys, self.key_funcs, self.key_types):
                columns[name] = _gather(batches, func, arrow_type)
        else:
            columns.update({name: pa.nulls(0, t) for name, t in zip(keys, self.key_types)})
        requests: list[tuple[str, str, Any]] = []
        layout: list[list[str]] = []
        inputs: list[list[pa.Array]] = []
        for i, (aggregator, funcs, types) in enumerate(zip(self.aggregators, self.arg_funcs,
                                                           self.arg_types)):
            args = [_gather(batches, f, t) if batches else pa.nulls(0, t)
                    for f, t in zip(funcs, types)]
            inputs.append(args)
            names = []
            for j, (column, function, options) in enumerate(aggregator.update(args)):
                name = f"_a{i}_{j}"
                columns[name] = column
                requests.append((name, function, options))
                names.append(f"{name}_{function}")
            layout.append(names)
        table = pa.table(columns) if columns else pa.table({"_": pa.nulls(n)}).select([])
        grouped = _group(table, keys, requests)
        out = [grouped.column(k).combine_chunks() for k in keys]
        for aggregator, names, args in zip(self.aggregators, layout, inputs):
            states = aggregator.after_update([grouped.column(n).combine_chunks()
                                              for n in names], args)
            out.extend(states)
        return _as_batch(out, self.schema, grouped.num_rows)


def _gather(batches: list[pa.RecordBatch], func: Any, arrow_type: pa.DataType) -> pa.Array:
    arrays = [conform(func(b), arrow_type, b.num_rows) for b in batches]
    return arrays[0] if len(arrays) == 1 else pa.concat_arrays(arrays)


def _as_batch(columns: list[pa.Array], schema: pa.Schema, rows: int) -> pa.RecordBatch:
    if not len(schema):
        return pa.record_batch({"_": pa.nulls(rows)}).select([])
    arrays = [c if c.type == f.type else c.cast(f.type) for c, f in zip(columns, schema)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class _FinalStep:
    """States of one partition's groups merged (and finished) into one row per group."""

    def __init__(self, node: HashAggregateExec, finish: bool = True) -> None:
        self.num_keys = len(node.key_attrs)
        self.aggregators = [c.aggregator for c in node.calls]
        self.state_counts = [len(c.state_types) for c in node.calls]
        self.finish = finish
        partial_schema = pa.schema(
            [pa.field(a.name, to_arrow_type(a.data_type)) for a in node.key_attrs]
            + [pa.field(f"_s{i}_{j}", t) for i, c in enumerate(node.calls)
               for j, t in enumerate(c.state_types)])
        self.input_schema = partial_schema
        self.schema = node.schema() if finish else partial_schema
        self.global_aggregate = not node.keys

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        pieces = [b for b in batches]
        rows = sum(b.num_rows for b in pieces)
        if rows == 0 and not self.global_aggregate:
            return
        data = concat_batches(pieces, self.input_schema) if pieces else None
        if data is None or data.num_rows == 0:
            data = self._empty_states()
        table = pa.Table.from_batches([data]).rename_columns(
            [f"_c{i}" for i in range(data.num_columns)]) if data.num_columns else pa.table(
            {"_": pa.nulls(data.num_rows)}).select([])
        keys = [f"_c{i}" for i in range(self.num_keys)]
        requests: list[tuple[str, str, Any]] = []
        layout: list[list[str]] = []
        position = self.num_keys
        extra: dict[str, pa.Array] = {}
        all_states: list[list[pa.Array]] = []
        for i, (aggregator, count) in enumerate(zip(self.aggregators, self.state_counts)):
            states = [table.column(position + j).combine_chunks() for j in range(count)]
            all_states.append(states)
            position += count
            names = []
            for j, (column, function, options) in enumerate(aggregator.merge(states)):
                name = f"_m{i}_{j}"
                extra[name] = column
                requests.append((name, function, options))
                names.append(f"{name}_{function}")
            layout.append(names)
        for name, column in extra.items():
            table = table.append_column(name, column)
        grouped = _group(table, keys, requests)
        out = [grouped.column(k).combine_chunks() for k in keys]
        for aggregator, names, old in zip(self.aggregators, layout, all_states):
            states = aggregator.after_merge([grouped.column(n).combine_chunks()
                                             for n in names], old)
            out.extend([aggregator.finish(states)] if self.finish else states)
        yield from slices(_as_batch(out, self.schema, grouped.num_rows), BATCH_ROWS)

    def _empty_states(self) -> pa.RecordBatch:
        """The states of a global aggregate over no rows (one group)."""
        columns = [pa.nulls(1, t) for t in self.input_schema.types[self.num_keys:]]
        if not columns:
            return pa.record_batch({"_": pa.nulls(1)}).select([])
        return pa.RecordBatch.from_arrays(columns, schema=self.input_schema)
