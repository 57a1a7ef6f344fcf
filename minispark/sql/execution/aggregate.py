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
import pyarrow.compute as pc

from minispark.shuffle.aggregator import NO_SPILL, SPILL_BUCKETS, SpillPolicy
from minispark.sql.builtins.aggregates import Aggregator, make_aggregator
from minispark.sql.execution.evaluator import compile_expression, conform
from minispark.sql.execution.hashing import combined_hash, normalize_key
from minispark.sql.execution.physical import (
    BATCH_ROWS, ExecutionContext, SparkPlan, concat_batches, slices,
)
from minispark.sql.execution.spill import HashBuckets
from minispark.sql.plan.expressions import AggregateFunction, AttributeReference, Expression
from minispark.sql.plan.logical import describe
from minispark.sql.types import to_arrow_type
from minispark.taskcontext import TaskContext

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
        if any(pa.types.is_struct(table.schema.field(k).type) for k in keys):
            return _group_by_struct_fields(table, keys, requests)
        return table.group_by(keys, use_threads=False).aggregate(requests)
    if table.num_rows == 0:
        table = table.append_column("_g", pa.nulls(0, pa.int8()))
    else:
        table = table.append_column("_g", pa.repeat(pa.scalar(0, pa.int8()), table.num_rows))
    grouped = table.group_by(["_g"], use_threads=False).aggregate(requests)
    return grouped.drop_columns(["_g"])


def _group_by_struct_fields(table: pa.Table, keys: list[str],
                            requests: list[tuple[str, str, Any]]) -> pa.Table:
    """Arrow cannot hash struct keys (``window``): group by their fields and validity, then
    rebuild each struct key from its grouped parts."""
    flat: list[str] = []
    structs: dict[str, list[str]] = {}
    for key in keys:
        column = table.column(key).combine_chunks()
        if not pa.types.is_struct(column.type):
            flat.append(key)
            continue
        parts = {f"{key}\x00valid": column.is_valid()}
        parts.update({f"{key}\x00{i}": part for i, part in enumerate(column.flatten())})
        for name, part in parts.items():
            table = table.append_column(name, part)
        structs[key] = list(parts)
        flat.extend(parts)
    grouped = _group(table, flat, requests)
    for key, names in structs.items():
        valid, *children = [grouped.column(n).combine_chunks() for n in names]
        # ``mask`` marks the null structs
        rebuilt = pa.StructArray.from_arrays(children, fields=list(table.schema.field(key).type),
                                             mask=pc.invert(valid))
        grouped = grouped.append_column(key, rebuilt)
    return grouped


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
        task = TaskContext.get()
        limit = (task._env.spill if task is not None else NO_SPILL).memory_limit
        # A step and its merge take several times the bytes they hold: hold a quarter.
        budget = None if limit is None else limit // 4
        partials: list[pa.RecordBatch] = []
        pending: list[pa.RecordBatch] = []
        rows = held = pending_bytes = 0
        emitted = False
        for batch in batches:
            pending.append(batch)
            rows += batch.num_rows
            pending_bytes += batch.nbytes
            if rows >= PARTIAL_CHUNK_ROWS or (budget is not None and pending_bytes > budget):
                partials.append(self._aggregate(pending))
                held += partials[-1].nbytes
                pending, rows, pending_bytes = [], 0, 0
                if budget is not None and held > budget:
                    # Partial states need not be complete (the final aggregate merges
                    # every partition's): past the limit, send on what is held as it is
                    # (merging it first would need as much memory again).
                    for partial in partials:
                        yield from slices(partial, BATCH_ROWS)
                    partials, held, emitted = [], 0, True
        if pending or not (partials or emitted):
            partials.append(self._aggregate(pending))
        yield from self._emit(partials)

    def _emit(self, partials: list[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        if len(partials) == 1:
            yield from slices(partials[0], BATCH_ROWS)
        elif partials:
            yield from self.merge._merged(partials, finish=False)

    def _aggregate(self, batches: list[pa.RecordBatch]) -> pa.RecordBatch:
        columns: dict[str, pa.Array] = {}
        n = sum(b.num_rows for b in batches)
        keys = [f"_k{i}" for i in range(len(self.key_funcs))]
        if batches:
            for name, func, arrow_type in zip(keys, self.key_funcs, self.key_types):
                columns[name] = normalize_key(_gather(batches, func, arrow_type))
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
            layout.append(_add_requests(f"_a{i}", aggregator.update(args), columns, requests))
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
        task = TaskContext.get()
        policy = task._env.spill if task is not None else NO_SPILL
        if self.global_aggregate or policy.memory_limit is None:
            yield from self._merged(list(batches), self.finish)
        else:
            yield from self._bounded(batches, policy)

    def _bounded(self, batches: Iterator[pa.RecordBatch], policy: SpillPolicy
                 ) -> Iterator[pa.RecordBatch]:
        """Merges within ``policy.memory_limit`` bytes of Arrow states, spilling past it.

        States past a quarter of the limit (merging needs several times what it
        merges) are first merged among themselves; when that leaves more than
        half of that, they go to disk split by key hash
        into sub-buckets, and each sub-bucket is merged on its own at the end
        (a key's states all land in one sub-bucket, so results stay exact).
        """
        # Merging takes several times the bytes merged: hold a quarter of the limit.
        budget = policy.memory_limit // 4
        held: list[pa.RecordBatch] = []
        size = 0
        spill: _SpilledStates | None = None
        try:
            for batch in batches:
                held.append(batch)
                size += batch.nbytes
                if size <= budget:
                    continue
                merged = self._merge(held, finish=False)
                held, size = [merged], merged.nbytes
                if size > budget // 2:
                    spill = spill or _SpilledStates(policy, self.input_schema, self.num_keys)
                    spill.write_all([merged])
                    held, size = [], 0
            if spill is None:
                yield from self._merged(held, self.finish)
                return
            spill.write_all(held)
            del held
            for bucket in spill.buckets():
                yield from self._merged(bucket, self.finish)
        finally:
            if spill is not None:
                spill.close()

    def _merged(self, pieces: list[pa.RecordBatch], finish: bool) -> Iterator[pa.RecordBatch]:
        rows = sum(b.num_rows for b in pieces)
        if rows == 0 and not self.global_aggregate:
            return
        yield from slices(self._merge(pieces, finish), BATCH_ROWS)

    def _merge(self, pieces: list[pa.RecordBatch], finish: bool) -> pa.RecordBatch:
        """One row per group of ``pieces``' states: values when ``finish``, else states."""
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
            layout.append(_add_requests(f"_m{i}", aggregator.merge(states), extra, requests))
        for name, column in extra.items():
            table = table.append_column(name, column)
        grouped = _group(table, keys, requests)
        out = [grouped.column(k).combine_chunks() for k in keys]
        for aggregator, names, old in zip(self.aggregators, layout, all_states):
            states = aggregator.after_merge([grouped.column(n).combine_chunks()
                                             for n in names], old)
            out.extend([aggregator.finish(states)] if finish else states)
        return _as_batch(out, self.schema if finish else self.input_schema, grouped.num_rows)

    def _empty_states(self) -> pa.RecordBatch:
        """The states of a global aggregate over no rows (one group)."""
        columns = [pa.nulls(1, t) for t in self.input_schema.types[self.num_keys:]]
        if not columns:
            return pa.record_batch({"_": pa.nulls(1)}).select([])
        return pa.RecordBatch.from_arrays(columns, schema=self.input_schema)


class _SpilledStates(HashBuckets):
    """Aggregate states on disk, by sub-bucket of their grouping key's hash."""

    def __init__(self, policy: SpillPolicy, schema: pa.Schema, num_keys: int) -> None:
        super().__init__(policy, schema, "aggregate-")
        self.num_keys = num_keys

    def write_all(self, pieces: list[pa.RecordBatch]) -> None:
        for states in pieces:
            keys = [states.column(i) for i in range(self.num_keys)]
            self.write(states, combined_hash(keys, states.num_rows))

    def buckets(self) -> Iterator[list[pa.RecordBatch]]:
        """Each non-empty sub-bucket's states in turn, its file removed once read."""
        for bucket in range(SPILL_BUCKETS):
            states = self.read(bucket)
            if states:
                yield states


def _add_requests(prefix: str, outputs: Any, columns: dict, requests: list) -> list[str]:
    """Name each (column, function, options) an aggregator asks Arrow's group_by for;
    the names of the result columns, in order."""
    names = []
    for j, (column, function, options) in enumerate(outputs):
        name = f"{prefix}_{j}"
        columns[name] = column
        requests.append((name, function, options))
        names.append(f"{name}_{function}")
    return names
