"""Plain text (``spark.read.text`` / ``df.write.text``): one ``value`` string per line.

Lines follow ``sc.textFile``'s rules exactly (Hadoop's line ownership per
split, ``\\n`` / ``\\r\\n`` / ``\\r`` terminators, malformed UTF-8 as U+FFFD,
``.gz`` / ``.bz2`` decompressed), because both read through
:func:`minispark.fs.input.read_text_split`.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator, Optional

import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import AnalysisException
from minispark.fs.decoding import decode_text
from minispark.fs.input import FileSplit, is_splittable, read_text_split
from minispark.sql.sources.textfiles import read_whole
from minispark.sql.sources.files import FilePiece, FileRelation, InputFile
from minispark.sql.sources.options import Options
from minispark.sql.sources.writing import TextFormatWriter
from minispark.sql.types import StringType, StructField, StructType

#: Lines per Arrow batch.
BATCH_LINES = 65536


def _check_single_string(schema: StructType, action: str) -> None:
    if len(schema) != 1 or not isinstance(schema.fields[0].dataType, StringType):
        raise AnalysisException(
            "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
            f"Text data source supports only a single column of string type, and you {action} "
            f"{schema.simpleString()}.")


class TextRelation(FileRelation):
    """Text files as rows of one ``value`` column.

    Options: ``wholetext`` (one row per file), ``encoding`` (UTF-8 only).
    """

    short_name = "text"
    OPTIONS = frozenset({"wholetext", "encoding", "charset"})

    def _configure(self, options: Options) -> None:
        self.whole_text = options.get_bool("wholetext", False)
        options.require_utf8()

    def _infer_data_schema(self, files: list[InputFile]) -> StructType:
        return StructType([StructField("value", StringType())])

    def _conform_data_schema(self, schema: StructType) -> StructType:
        _check_single_string(schema, "gave")
        return schema

    def _is_splittable(self, path: str) -> bool:
        return not self.whole_text and is_splittable(path)

    def _read_piece(self, piece: FilePiece, columns: list[str],
                    filter: Optional[pc.Expression]) -> Iterator[pa.RecordBatch]:
        names = columns or []
        if self.whole_text:
            if piece.start == 0:
                text = decode_text(read_whole(piece.path, piece.file_length))
                yield _lines_batch([text], names)
            return
        lines = read_text_split(FileSplit(piece.path, piece.start, piece.length))
        while True:
            chunk = list(itertools.islice(lines, BATCH_LINES))
            if not chunk:
                return
            yield _lines_batch(chunk, names)


def _lines_batch(lines: list[str], names: list[str]) -> pa.RecordBatch:
    if not names:
        return pa.RecordBatch.from_struct_array(pa.array([{}] * len(lines), pa.struct([])))
    return pa.RecordBatch.from_arrays([pa.array(lines, pa.string())], names=names)


class TextWriter(TextFormatWriter):
    """Writes one line per row of a single string column; ``compression`` none or gzip."""

    short_name = "text"
    base_extension = ".txt"
    OPTIONS = TextFormatWriter.TEXT_OPTIONS | {"lineSep"}

    def _configure_text(self, options: Options) -> None:
        self.line_sep = options.get("lineSep", "\n")

    def check_schema(self, schema: StructType) -> None:
        _check_single_string(schema, "wrote")

    def open(self, stream: Any, schema: StructType) -> Any:
        return self._open_stream(stream)

    def write(self, handle: Any, batch: pa.RecordBatch) -> None:
        values = batch.column(0)
        if values.null_count:
            raise ValueError("The text data source cannot write null values "
                             f"({values.null_count} null in column {batch.schema.names[0]!r})")
        text = self.line_sep.join(values.to_pylist()) + self.line_sep
        handle.write(text.encode("utf-8"))

    def close(self, handle: Any) -> None:
        self._close_stream(handle)
