"""ORC files through ``pyarrow.orc``, opened through minispark's fs; read one stripe at a time."""
from __future__ import annotations

from typing import Any, Iterator, Optional

import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import AnalysisException
from minispark.fs.registry import get_filesystem
from minispark.sql.sources.files import FilePiece, FileRelation, InputFile
from minispark.sql.sources.options import Options
from minispark.sql.sources.writing import FormatWriter, conform_batch
from minispark.sql.types import StructType, from_arrow_schema, to_arrow_schema, to_arrow_type

def _orc() -> Any:
    """``pyarrow.orc``, imported when first needed: some pyarrow builds lack ORC support."""
    try:
        import pyarrow.orc as orc_module
    except ImportError as err:
        raise NotImplementedError(f"ORC needs pyarrow built with ORC support: {err}") from err
    return orc_module


_CODECS = {"none": "uncompressed", "uncompressed": "uncompressed", "snappy": "snappy",
           "zlib": "zlib", "lz4": "lz4", "zstd": "zstd"}


class OrcRelation(FileRelation):
    """ORC files (``spark.read.orc``); a file is one split, each stripe one batch."""

    short_name = "orc"
    OPTIONS = frozenset()

    def _infer_data_schema(self, files: list[InputFile]) -> StructType:
        if not files:
            raise AnalysisException(
                "UNABLE_TO_INFER_SCHEMA",
                "Unable to infer schema for ORC. It must be specified manually.", {}, "42KD9")
        with get_filesystem(files[0].path).open(files[0].path) as stream:
            return from_arrow_schema(_orc().ORCFile(pa.PythonFile(stream, mode="r")).schema)

    def _read_piece(self, piece: FilePiece, columns: list[str],
                    filter: Optional[pc.Expression]) -> Iterator[pa.RecordBatch]:
        with get_filesystem(piece.path).open(piece.path) as stream:
            orc_file = _orc().ORCFile(pa.PythonFile(stream, mode="r"))
            present = set(orc_file.schema.names)
            stored = [c for c in columns if c in present]
            # A stripe read with no columns has no rows: read one to count them (count()).
            read = stored or orc_file.schema.names[:1]
            for stripe in range(orc_file.nstripes):
                batch = orc_file.read_stripe(stripe, columns=read)
                yield conform_batch(_with_missing(batch, columns, self._data_schema), self._data_schema,
                                    columns)


def _with_missing(batch: pa.RecordBatch, columns: list[str], schema: StructType) -> pa.RecordBatch:
    """Columns of the schema that a file lacks read as nulls (as Spark's schema evolution)."""
    if not columns:
        return pa.RecordBatch.from_struct_array(pa.array([{}] * batch.num_rows, pa.struct([])))
    names = set(batch.schema.names)
    arrays = [batch.column(c) if c in names else
              pa.nulls(batch.num_rows, to_arrow_type(schema[c].dataType)) for c in columns]
    return pa.RecordBatch.from_arrays(arrays, names=columns)


class OrcWriter(FormatWriter):
    """Writes ORC; option ``compression`` (snappy, zlib, lz4, zstd, none)."""

    short_name = "orc"
    extension = ".snappy.orc"
    OPTIONS = frozenset({"compression"})

    def _configure(self, options: Options) -> None:
        self.codec = options.get_codec(_CODECS, "snappy")
        self.extension = ("" if self.codec == "uncompressed" else f".{self.codec}") + ".orc"

    def open(self, stream: Any, schema: StructType) -> Any:
        writer = _orc().ORCWriter(pa.PythonFile(stream, mode="w"), compression=self.codec)
        return {"writer": writer, "schema": schema, "rows": 0}

    def write(self, handle: Any, batch: pa.RecordBatch) -> None:
        handle["writer"].write(pa.Table.from_batches([batch]))
        handle["rows"] += batch.num_rows

    def close(self, handle: Any) -> None:
        if not handle["rows"]:  # ORC takes its schema from the first write, even an empty one
            handle["writer"].write(to_arrow_schema(handle["schema"]).empty_table())
        handle["writer"].close()
