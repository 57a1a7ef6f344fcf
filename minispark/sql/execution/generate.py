"""``explode`` and friends: each row repeated once per element, with the element."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.execution.evaluator import compile_expression, conform
from minispark.sql.execution.kernels import list_lengths
from minispark.sql.execution.physical import ExecutionContext, SparkPlan, map_batches
from minispark.sql.plan import expressions as E
from minispark.sql.plan.logical import describe
from minispark.sql.types import to_arrow_type


class GenerateExec(SparkPlan):
    def __init__(self, generator: E.Generator, generator_output: Sequence[E.AttributeReference],
                 child: SparkPlan) -> None:
        self.generator = generator
        self.generator_output = list(generator_output)
        self.children = (child,)

    @property
    def output(self) -> list[E.AttributeReference]:
        return self.children[0].output + self.generator_output

    def execute(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        values = compile_expression(self.generator.child, child.output, ctx.settings)
        arrow_type = to_arrow_type(self.generator.child.data_type)
        outer, position = self.generator.outer, self.generator.with_position
        inline = self.generator.inline
        schema = self.schema()

        def generate(batch: pa.RecordBatch) -> pa.RecordBatch:
            column = conform(values(batch), arrow_type, batch.num_rows)
            return _explode(batch, column, outer, position, schema, inline)
        return map_batches(child.execute(ctx), generate)

    def node_name(self) -> str:
        return "Generate"

    def argument_string(self) -> str:
        return describe(self.generator)


def _explode(batch: pa.RecordBatch, column: pa.Array, outer: bool, position: bool,
             schema: pa.Schema, inline: bool = False) -> pa.RecordBatch:
    rows = batch.num_rows
    if rows == 0:
        return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)
    is_map = pa.types.is_map(column.type)
    real = pc.fill_null(list_lengths(column), 0).to_numpy(zero_copy_only=False)
    lengths = real
    if outer:
        lengths = np.maximum(lengths, 1)
    parents = np.repeat(np.arange(rows), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    pos = np.arange(len(parents)) - np.repeat(starts, lengths)
    flat = column.flatten() if not is_map else None
    offsets = column.offsets.to_numpy() - column.offsets[0].as_py()
    inside = pos < real[parents]
    element_index = pa.array(np.where(inside, offsets[:-1][parents] + pos, 0))
    mask = pa.array(~inside)
    if is_map:
        keys, items = column.keys, column.items
        generated = [_pick(keys, element_index, mask), _pick(items, element_index, mask)]
    else:
        generated = [_pick(flat, element_index, mask)]
    if inline:  # each struct's fields as columns (a null struct gives nulls)
        generated = _fields(generated[0])
    if position:
        generated.insert(0, pa.array(pos.astype(np.int32), mask=~inside))
    repeated = batch.take(pa.array(parents))
    columns = list(repeated.columns) + generated
    return pa.RecordBatch.from_arrays([c.cast(f.type) if c.type != f.type else c
                                       for c, f in zip(columns, schema)], schema=schema)


def _fields(structs: pa.Array) -> list[pa.Array]:
    valid = structs.is_valid()
    return [pc.if_else(valid, pc.struct_field(structs, [i]), pa.scalar(None, f.type))
            for i, f in enumerate(structs.type)]


def _pick(values: pa.Array, index: pa.Array, mask: pa.Array) -> pa.Array:
    if len(values) == 0:
        return pa.nulls(len(index), values.type)
    picked = values.take(index)
    return pc.if_else(mask, pa.scalar(None, picked.type), picked)

