"""DataFrame operations over the Arrow batches of each partition, run in the tasks.

``mapInArrow`` / ``mapInPandas`` hand a user function the partition's batches;
``zipWithIndex`` numbers rows consecutively from the partitions' row counts;
``checkpoint`` keeps the computed rows and forgets how they were computed.

>>> df = spark.createDataFrame([(1, 21), (2, 30)], ("id", "age"))
>>> df.mapInArrow(lambda it: (b.slice(0, 1) for b in it), df.schema).count() >= 1
True
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pyarrow as pa

from minispark.errors import PySparkTypeError
from minispark.sql.plan import logical as L
from minispark.sql.plan.expressions import AttributeReference
from minispark.sql.types import LongType, StructType, to_arrow_schema


def _struct(schema: Any) -> StructType:
    """``schema`` given as a StructType or a DDL string."""
    if isinstance(schema, StructType):
        return schema
    if isinstance(schema, str):
        from minispark.sql.types import _parse_datatype_string

        parsed = _parse_datatype_string(schema)
        if isinstance(parsed, StructType):
            return parsed
    raise PySparkTypeError("NOT_DATATYPE_OR_STR", "Argument `schema` should be a StructType "
                           f"or a DDL string, got {type(schema).__name__}.", {})


def _conform(table: Any, target: pa.Schema) -> pa.RecordBatch:
    """A batch (or pandas frame) the user returned, with ``target``'s columns and types.

    Columns are matched by name when every target name is present, else by position
    (PySpark's rule for returned frames).
    """
    if not isinstance(table, (pa.RecordBatch, pa.Table)):
        table = pa.Table.from_pandas(table, preserve_index=False)
    names = table.schema.names
    if all(n in names for n in target.names):
        columns = [table.column(names.index(n)) for n in target.names]
    elif len(names) == len(target.names):
        columns = [table.column(i) for i in range(len(names))]
    else:
        raise PySparkTypeError("RESULT_COLUMNS_MISMATCH_FOR_ARROW_UDF",
                               f"Column names of the returned data do not match the schema: "
                               f"expected {target.names}, got {names}.", {})
    arrays = [_combined(c).cast(f.type) for c, f in zip(columns, target)]
    return pa.RecordBatch.from_arrays(arrays, schema=target)


def _combined(column: Any) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _dataframe(df: Any, rdd: Any, struct: StructType) -> Any:
    output = [AttributeReference(f.name, f.dataType, f.nullable) for f in struct.fields]
    return df.sparkSession._dataframe(L.LogicalRDD(rdd, output))


def map_in_arrow(df: Any, func: Callable[[Iterator[pa.RecordBatch]], Iterator[Any]],
                 schema: Any, pandas: bool = False) -> Any:
    """The batches ``func`` yields for each partition's batches (as pandas if ``pandas``)."""
    struct = _struct(schema)
    target = to_arrow_schema(struct)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        inputs = (b.to_pandas() for b in batches) if pandas else batches
        for out in func(inputs):
            yield _conform(out, target)
    return _dataframe(df, df._batch_rdd().mapPartitions(run), struct)


def zip_with_index(df: Any, name: str) -> Any:
    """``df`` with a ``name`` column numbering the rows 0, 1, ... in their order."""
    rdd = df._batch_rdd()
    counts = rdd.mapPartitions(lambda it: [sum(b.num_rows for b in it)]).collect()
    starts = [sum(counts[:i]) for i in range(len(counts))]
    struct = StructType(list(df.schema.fields)).add(name, LongType(), False)
    target = to_arrow_schema(struct)

    def number(index: int, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        position = starts[index]
        for batch in batches:
            ids = pa.array(range(position, position + batch.num_rows), pa.int64())
            position += batch.num_rows
            yield pa.RecordBatch.from_arrays(list(batch.columns) + [ids], schema=target)
    return _dataframe(df, rdd.mapPartitionsWithIndex(number), struct)


def checkpointed(df: Any, eager: bool) -> Any:
    """``df``'s rows kept as computed: at once if ``eager``, else on first use."""
    from minispark.storagelevel import StorageLevel

    fresh = df.sparkSession._dataframe(df._plan)
    rdd = fresh._batch_rdd().persist(StorageLevel.MEMORY_AND_DISK)
    if eager:
        rdd.count()
    return _dataframe(df, rdd, df.schema)


def repartition_by_id(df: Any, num: int, key: Any) -> Any:
    """``df`` shuffled so each row lands in partition ``key mod num`` (null: partition 0)."""
    import numpy as np
    import pyarrow.compute as pc

    from minispark.sql import functions as F

    keyed = df.select(F.col("*"), key.cast("long").alias("__pid"))
    last = len(keyed.columns) - 1
    rdd = keyed._batch_rdd()

    def split(batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[int, pa.RecordBatch]]:
        for batch in batches:
            ids = pc.fill_null(batch.column(last), 0).to_numpy(zero_copy_only=False) % num
            rest = pa.RecordBatch.from_arrays(batch.columns[:last],
                                              names=batch.schema.names[:last])
            for pid in np.unique(ids):
                yield int(pid), rest.filter(pa.array(ids == pid))
    moved = rdd.mapPartitions(split).partitionBy(num, lambda pid: pid).values()
    return _dataframe(df, moved, df.schema)
