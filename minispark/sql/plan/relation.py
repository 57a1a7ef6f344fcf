"""The data source protocol: what a relation gives the planner.

A data source (Parquet, CSV, JSON, text, ORC in :mod:`minispark.sql.sources`,
or any object with these methods) is a :class:`BaseRelation`, as Spark's
``org.apache.spark.sql.sources.BaseRelation`` with ``PrunedFilteredScan``:

``schema() -> StructType``
    Every column the relation can produce (hive partition columns included),
    with Spark's types. Called on the driver, once, when the DataFrame is built.
``partitions() -> Sequence[split]``
    One picklable split per task (a file range, a row group, a block). Called
    on the driver each time a query over the relation runs (so new files are
    seen by a new query, as in Spark).
``preferred_locations(split) -> Sequence[str]``
    Host names holding the split's bytes (mini-HDFS DataNodes); ``()`` if none.
``read(split, columns, filter) -> Iterator[pyarrow.RecordBatch]``
    Runs in an executor. ``columns`` is the list of field names the query
    needs, in the order the batches must have them (``[]`` means only the row
    count matters: zero-column batches with ``num_rows`` set are fine);
    ``None`` means every field of ``schema()`` in schema order. Each batch's
    Arrow types are those of ``minispark.sql.types`` converted to Arrow for the
    named fields. ``filter`` is ``None`` or a ``pyarrow.compute.Expression``
    over the schema's field names: a hint the relation may use to skip files,
    row groups or rows. The engine evaluates the full filter again after the
    scan, so a relation may ignore it, apply part of it, or apply it exactly;
    it must never drop a row for which the filter is true or null-free true.
``sizeInBytes() -> int | None`` (optional)
    An estimate of the data's size, used to choose a broadcast join under
    ``spark.sql.autoBroadcastJoinThreshold``; ``None`` or absent means unknown
    (treated as too large to broadcast).
``simpleString() -> str`` (optional)
    One line for ``explain()``, e.g. ``"Parquet [hdfs://nn/sales]"``.

The relation object itself is pickled (cloudpickle) into the stage that reads
it, so it must stay small and hold no open file or socket: resolve paths to
splits on the driver, open files in ``read``.

A DataFrame over a relation: ``spark.baseRelationToDataFrame(relation)``.
A DataFrame's data for a writer: ``df._batch_rdd()``, an RDD whose records
are ``pyarrow.RecordBatch`` with the DataFrame's columns (Arrow types of
``df.schema``), one stream of batches per partition.
"""
from __future__ import annotations

from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc


@runtime_checkable
class BaseRelation(Protocol):
    """A source of Arrow record batches, split into independently readable pieces."""

    def schema(self) -> Any:
        """The relation's columns as a ``StructType``."""

    def partitions(self) -> Sequence[Any]:
        """Picklable splits, one per task."""

    def preferred_locations(self, split: Any) -> Sequence[str]:
        """Hosts where ``split`` is local."""

    def read(self, split: Any, columns: Sequence[str] | None,
             filter: pc.Expression | None) -> Iterator[pa.RecordBatch]:
        """The batches of one split, with ``columns`` in that order."""
