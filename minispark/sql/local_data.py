"""``createDataFrame``'s inputs as plans: local rows, pandas, Arrow tables and RDDs.

Schemas are PySpark's: a ``StructType``, a DDL string, a list of column names
(types inferred from the data) or an atomic type (one column named
``value``). Local data becomes one Arrow table in the plan; an RDD of rows is
converted to batches by the executors, partition by partition.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import pyarrow as pa

from minispark.errors import PySparkTypeError, PySparkValueError
from minispark.sql.conversion import infer_schema_from_rows, rows_to_arrow
from minispark.sql.execution.physical import arrow_schema
from minispark.sql.row import Row
from minispark.sql.types import (
    DataType, NullType, StructField, StructType, _parse_datatype_string, from_arrow_schema,
)

#: Rows an executor turns into one batch at a time (``createDataFrame`` from an RDD).
ROWS_PER_BATCH = 1 << 14


def parse_schema(schema: Any) -> tuple[StructType | None, list[str] | None, bool]:
    """(struct, names, atomic) for a ``createDataFrame`` schema argument."""
    if schema is None:
        return None, None, False
    if isinstance(schema, str):
        schema = _parse_datatype_string(schema)
    if isinstance(schema, StructType):
        return schema, None, False
    if isinstance(schema, DataType):
        return StructType([StructField("value", schema, True)]), None, True
    if isinstance(schema, (list, tuple)) and all(isinstance(n, str) for n in schema):
        return None, list(schema), False
    raise PySparkTypeError("NOT_LIST_OR_NONE_OR_STRUCT",
                           "Argument `schema` should be a list, None or StructType, got "
                           f"{type(schema).__name__}.", {"arg_name": "schema"})


def infer_schema(rows: Sequence[Any], names: list[str] | None) -> StructType:
    """The schema PySpark infers from local rows: every row's schema, merged."""
    for row in rows:
        if row is not None and not isinstance(row, (tuple, list, dict, Row)) and not hasattr(
                row, "__dict__"):
            raise PySparkTypeError(
                "CANNOT_INFER_SCHEMA_FOR_TYPE",
                f"Can not infer schema for type: `{type(row).__name__}`.",
                {"data_type": f"`{type(row).__name__}`"})
    return _named(infer_schema_from_rows(rows, names), names)


def _named(schema: StructType, names: list[str] | None) -> StructType:
    fields = list(schema.fields)
    if names:
        fields = [StructField(names[i] if i < len(names) else f.name, f.dataType, f.nullable)
                  for i, f in enumerate(fields)]
    unknown = [f.name for f in fields if isinstance(f.dataType, NullType)]
    if unknown:
        raise PySparkValueError(
            "CANNOT_DETERMINE_TYPE", "Some of types cannot be determined after inferring.", {})
    return StructType(fields)


def _as_rows(data: Sequence[Any], atomic: bool) -> list[Any]:
    if atomic:
        return [(v,) for v in data]
    return list(data)


def local_table(data: Any, schema: Any) -> pa.Table:
    """Local data (rows, pandas, Arrow, numpy) as an Arrow table with its Spark schema."""
    struct, names, atomic = parse_schema(schema)
    if isinstance(data, pa.Table):
        return _from_arrow(data, struct, names)
    if _is_pandas(data):
        return _from_arrow(_pandas_table(data), struct, names)
    if type(data).__module__ == "numpy":
        data = data.tolist()
        if data and not isinstance(data[0], list):
            data = [(v,) for v in data]
    rows = _as_rows(list(data), atomic)
    if struct is None:
        # As PySpark: values are not checked against a schema inferred from them; a column
        # that mixed strings with other values became a string one, and takes their text.
        struct = infer_schema(rows, names)
        return _table(rows_to_arrow(rows, struct, verify=False), struct)
    return _table(rows_to_arrow(rows, struct), struct)


def _table(batch: pa.RecordBatch, struct: StructType) -> pa.Table:
    """A converted batch with the engine's (all nullable) Arrow schema."""
    return pa.Table.from_batches([batch.cast(arrow_schema(struct)) if len(struct) else batch])


def _is_pandas(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "pandas" and hasattr(data, "columns")


def _pandas_table(frame: Any) -> pa.Table:
    """A pandas DataFrame as Arrow, keeping NaN as NaN (PySpark's default conversion)."""
    arrays, names = [], []
    for name in frame.columns:
        series = frame[name]
        if series.dtype.kind == "f":
            arrays.append(pa.array(series.to_numpy()))
        else:
            arrays.append(pa.array(series, from_pandas=True))
        names.append(str(name))
    return pa.Table.from_arrays(arrays, names=names)


def _from_arrow(table: pa.Table, struct: StructType | None, names: list[str] | None
                ) -> pa.Table:
    if struct is None:
        struct = from_arrow_schema(table.schema)
        if names:
            struct = _named(struct, names)
    target = arrow_schema(struct)
    if len(target) != table.num_columns:
        raise PySparkValueError(
            "LENGTH_SHOULD_BE_THE_SAME",
            f"schema has {len(target)} fields but the data has {table.num_columns} columns.",
            {})
    columns = [c.cast(f.type) if c.type != f.type else c
               for c, f in zip(table.columns, target)]
    return pa.Table.from_arrays(columns, schema=target)


def rdd_schema(rdd: Any, schema: Any, sampling_ratio: float | None) -> tuple[StructType, bool]:
    """The schema of an RDD of rows: given, or inferred from its first rows as PySpark does."""
    struct, names, atomic = parse_schema(schema)
    if struct is not None:
        return struct, atomic
    if sampling_ratio is not None:
        rows = rdd.sample(False, sampling_ratio).collect()
    else:
        rows = rdd.take(100)
    if not rows:
        raise PySparkValueError("CANNOT_INFER_EMPTY_SCHEMA",
                                "Can not infer schema from an empty dataset.", {})
    first = infer_schema(rows[:1], names) if not _has_null(rows[0]) else None
    return first if first is not None else infer_schema(rows, names), False


def _has_null(row: Any) -> bool:
    values = row.values() if isinstance(row, dict) else row
    try:
        return any(v is None for v in values)
    except TypeError:
        return False


def rows_to_batches(schema: StructType, atomic: bool):
    """A partition function turning Python rows into Arrow batches of ``schema``."""
    target = arrow_schema(schema)

    def convert(rows: Iterator[Any]) -> Iterator[pa.RecordBatch]:
        chunk: list[Any] = []
        for row in rows:
            chunk.append((row,) if atomic else row)
            if len(chunk) >= ROWS_PER_BATCH:
                yield _relaxed(rows_to_arrow(chunk, schema), target)
                chunk = []
        if chunk:
            yield _relaxed(rows_to_arrow(chunk, schema), target)
    return convert


def _relaxed(batch: pa.RecordBatch, target: pa.Schema) -> pa.RecordBatch:
    return batch.cast(target) if len(target) else batch
