"""File data sources over pyarrow: Parquet, CSV, JSON, text and ORC, through minispark's fs.

``relation_for(format, paths, options, schema, settings)`` gives a relation
(:mod:`minispark.sql.plan.relation`'s protocol) for ``spark.read``;
``writer_for(format, options)`` a :class:`~minispark.sql.sources.writing.FormatWriter`
for ``df.write``, used with :func:`~minispark.sql.sources.writing.write_dataset`.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from minispark.errors import AnalysisException
from minispark.sql.sources.csv import CsvRelation, CsvWriter
from minispark.sql.sources.files import FilePartition, FileRelation, ScanSettings
from minispark.sql.sources.json import JsonRelation, JsonWriter
from minispark.sql.sources.orc import OrcRelation, OrcWriter
from minispark.sql.sources.parquet import ParquetRelation, ParquetWriter
from minispark.sql.sources.text import TextRelation, TextWriter
from minispark.sql.sources.writing import FormatWriter, write_dataset
from minispark.sql.types import StructType

__all__ = ["FilePartition", "FileRelation", "FormatWriter", "ScanSettings", "relation_for",
           "writer_for", "write_dataset", "format_name"]

_RELATIONS: dict[str, type[FileRelation]] = {
    "parquet": ParquetRelation, "csv": CsvRelation, "json": JsonRelation, "text": TextRelation,
    "orc": OrcRelation,
}
_WRITERS: dict[str, type[FormatWriter]] = {
    "parquet": ParquetWriter, "csv": CsvWriter, "json": JsonWriter, "text": TextWriter,
    "orc": OrcWriter,
}
_ALIASES = {
    "org.apache.spark.sql.parquet": "parquet",
    "org.apache.spark.sql.execution.datasources.parquet": "parquet",
    "org.apache.spark.sql.csv": "csv", "com.databricks.spark.csv": "csv",
    "org.apache.spark.sql.execution.datasources.csv": "csv",
    "org.apache.spark.sql.json": "json", "org.apache.spark.sql.execution.datasources.json": "json",
    "org.apache.spark.sql.text": "text", "org.apache.spark.sql.execution.datasources.text": "text",
    "org.apache.spark.sql.orc": "orc", "org.apache.spark.sql.execution.datasources.orc": "orc",
}


def format_name(source: str) -> str:
    """The short name of a data source (``"org.apache.spark.sql.parquet"`` -> ``"parquet"``).

    >>> format_name("CSV"), format_name("com.databricks.spark.csv")
    ('csv', 'csv')
    """
    name = _ALIASES.get(source.lower(), source.lower())
    if name not in _RELATIONS:
        raise AnalysisException(
            "DATA_SOURCE_NOT_FOUND",
            f"Failed to find the data source: {source}. Supported: "
            f"{', '.join(sorted(_RELATIONS))}.", {"provider": source}, "42K02")
    return name


def relation_for(source: str, paths: Sequence[str], options: Optional[dict[str, Any]] = None,
                 schema: Optional[StructType] = None,
                 settings: Optional[ScanSettings] = None) -> FileRelation:
    """A relation reading ``paths`` with the named source.

    >>> import os, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> with open(os.path.join(tmp.name, "x.csv"), "w") as f:
    ...     _ = f.write("a,b\\n1,2\\n")
    >>> relation = relation_for("csv", [tmp.name], {"header": True, "inferSchema": True})
    >>> relation.schema().simpleString()
    'struct<a:int,b:int>'
    >>> [b.to_pydict() for split in relation.partitions() for b in relation.read(split, None, None)]
    [{'a': [1], 'b': [2]}]
    >>> tmp.cleanup()
    """
    return _RELATIONS[format_name(source)](paths, options, schema, settings)


def writer_for(source: str, options: Optional[dict[str, Any]] = None) -> FormatWriter:
    """The writer of the named source, configured by ``options``."""
    return _WRITERS[format_name(source)](options)
