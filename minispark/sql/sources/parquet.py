"""Parquet through ``pyarrow.parquet`` / ``pyarrow.dataset``, files opened through minispark's fs.

Splits are byte ranges; a split reads the row groups whose middle byte lies
in its range (Spark's rule), so a large file on HDFS is read one block per
task.  Within a split, Arrow drops row groups whose statistics (or whose
file's partition values) prove the filter false, and reads only the columns
asked for.  Rows are not filtered here: the engine evaluates the filter.
"""
from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator, Optional

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from minispark.errors import AnalysisException
from minispark.fs.local import LocalFileSystem
from minispark.fs.registry import get_filesystem
from minispark.sql.sources.files import FilePiece, FileRelation, InputFile, _partition_expression
from minispark.sql.sources.options import Options
from minispark.sql.sources.writing import FormatWriter, conform_batch
from minispark.sql.types import (
    StructType, _parse_datatype_json_string, from_arrow_schema, to_arrow_schema, _merge_type,
)

#: Where Spark keeps its own schema in a Parquet file's key-value metadata.
SPARK_SCHEMA_KEY = b"org.apache.spark.sql.parquet.row.metadata"
_CODECS = {"none": "none", "uncompressed": "none", "snappy": "snappy", "gzip": "gzip",
           "lz4": "lz4", "zstd": "zstd", "brotli": "brotli"}


@contextlib.contextmanager
def _open_parquet(path: str) -> Iterator[Any]:
    """A Parquet file as Arrow reads it: a native file where it is local (no Python on
    the read path), else a stream of minispark's file system (HDFS, object stores)."""
    fs = get_filesystem(path)
    if isinstance(fs, LocalFileSystem):
        with pa.OSFile(fs.local_path(path), "rb") as native:
            yield native
    else:
        with fs.open(path) as stream:
            yield pa.PythonFile(stream, mode="r")


def _file_schema(path: str) -> StructType:
    """A Parquet file's schema: Spark's own if the file carries it, else from Arrow's."""
    with _open_parquet(path) as source:
        arrow_schema = pq.read_schema(source)
    stored = (arrow_schema.metadata or {}).get(SPARK_SCHEMA_KEY)
    if stored:
        try:
            parsed = _parse_datatype_json_string(stored.decode("utf-8"))
        except (ValueError, TypeError, KeyError):
            parsed = None
        if isinstance(parsed, StructType) and parsed.names == arrow_schema.names:
            return parsed
    return from_arrow_schema(arrow_schema)


def _row_groups_in_range(metadata: pq.FileMetaData, start: int, end: int) -> list[int]:
    """Row groups whose middle byte lies in ``[start, end)``."""
    chosen = []
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        offsets, size = [], 0
        for c in range(group.num_columns):
            column = group.column(c)
            offsets.append(column.data_page_offset)
            if column.dictionary_page_offset:
                offsets.append(column.dictionary_page_offset)
            size += column.total_compressed_size
        middle = min(offsets) + size // 2 if offsets else 0
        if start <= middle < end:
            chosen.append(index)
    return chosen


class ParquetRelation(FileRelation):
    """Parquet files (``spark.read.parquet``).

    Options: ``mergeSchema`` (union of every file's columns).
    """

    short_name = "parquet"
    OPTIONS = frozenset({"mergeSchema"})

    def _configure(self, options: Options) -> None:
        self.merge_schema = options.get_bool("mergeSchema", False)

    def _infer_data_schema(self, files: list[InputFile]) -> StructType:
        if not files:
            raise AnalysisException(
                "UNABLE_TO_INFER_SCHEMA",
                "Unable to infer schema for Parquet. It must be specified manually.", {}, "42KD9")
        if not self.merge_schema:
            return _file_schema(files[0].path)
        merged: Any = StructType([])
        for f in files:
            merged = _merge_type(merged, _file_schema(f.path))
        return merged

    def _is_splittable(self, path: str) -> bool:
        return True

    def _read_piece(self, piece: FilePiece, columns: list[str],
                    filter: Optional[pc.Expression]) -> Iterator[pa.RecordBatch]:
        full_schema = to_arrow_schema(self.schema())
        data_schema = to_arrow_schema(self._data_schema)
        with _open_parquet(piece.path) as source:
            metadata = pq.ParquetFile(source).metadata
            groups = _row_groups_in_range(metadata, piece.start, piece.start + piece.length)
            if not groups:
                return
            partition = (_partition_expression(self._partition_schema, piece.partition_values)
                         if len(self._partition_schema) else None)
            fragment = ds.ParquetFileFormat().make_fragment(
                source, row_groups=groups,
                **({"partition_expression": partition} if partition is not None else {}))
            if filter is not None:
                fragment = _prune_row_groups(fragment, filter, full_schema)
                if not fragment.row_groups:
                    return
            scan_schema = full_schema if partition is not None else data_schema
            for batch in fragment.to_batches(schema=scan_schema, columns=columns):
                yield conform_batch(batch, self._data_schema, columns)


def _prune_row_groups(fragment: Any, filter: pc.Expression, schema: pa.Schema) -> Any:
    """``fragment`` without the row groups whose statistics rule ``filter`` out.

    Arrow has no comparison kernels between string and string_view statistics (files
    written with view types, e.g. by tpchgen-cli), so those files keep every row group:
    pruning only saves reads, the filter itself still runs on the rows.
    """
    try:
        return fragment.subset(filter=filter, schema=schema)
    except pa.ArrowNotImplementedError:
        return fragment


class ParquetWriter(FormatWriter):
    """Writes each task's batches as one Parquet file per output directory.

    Options: ``compression`` (snappy, gzip, zstd, lz4, brotli, none).
    """

    short_name = "parquet"
    extension = ".parquet"
    OPTIONS = frozenset({"compression"})

    def _configure(self, options: Options) -> None:
        self.codec = options.get_codec(_CODECS, "snappy")
        self.extension = ("" if self.codec == "none" else f".{self.codec}") + ".parquet"

    def open(self, stream: Any, schema: StructType) -> Any:
        arrow_schema = to_arrow_schema(schema).with_metadata(
            {SPARK_SCHEMA_KEY: json.dumps(schema.jsonValue(), separators=(",", ":"))})
        return pq.ParquetWriter(pa.PythonFile(stream, mode="w"), arrow_schema,
                                compression=self.codec)

    def write(self, handle: Any, batch: pa.RecordBatch) -> None:
        handle.write_batch(batch)

    def close(self, handle: Any) -> None:
        handle.close()
