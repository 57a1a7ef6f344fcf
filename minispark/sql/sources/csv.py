"""CSV files (``spark.read.csv`` / ``df.write.csv``) with Spark's options and parse modes.

Reading: a split owns the lines that start in its byte range (Hadoop's rule;
``multiLine`` and compressed files are read whole), Arrow's CSV parser cuts
each block of lines into text fields, and :mod:`textparse` converts the
fields.  A block with malformed records (a wrong number of fields, or a
value that does not fit its column) is parsed again record by record to
apply the parse mode: ``PERMISSIVE`` (default: bad fields become null and,
if the schema has ``columnNameOfCorruptRecord``, the record's text goes
there), ``DROPMALFORMED`` (the record is dropped) or ``FAILFAST`` (the read
fails naming the file and the record).
"""
from __future__ import annotations

import csv as pycsv
import io
from typing import Any, Iterator, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from minispark.errors import AnalysisException
from minispark.sql.sources.datetimes import format_temporal
from minispark.sql.sources.files import FilePiece, InputFile
from minispark.sql.sources.options import Options
from minispark.sql.sources.textfiles import ParsedTextRelation, malformed_error, piece_blocks
from minispark.sql.sources.textparse import TEXT_TYPES, convert_text, infer_text_type
from minispark.sql.sources.writing import TextFormatWriter
from minispark.sql.types import (
    DateType, DoubleType, FloatType, StringType, StructField, StructType, TimestampNTZType,
    TimestampType, to_arrow_schema,
)


def check_text_schema(schema: StructType, source: str) -> None:
    """Refuse columns a text format cannot hold (nested, binary, intervals)."""
    for field in schema:
        if not isinstance(field.dataType, TEXT_TYPES):
            raise AnalysisException(
                "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                f"The {source} datasource doesn't support the column `{field.name}` of the type "
                f"\"{field.dataType.simpleString().upper()}\".")


class CsvRelation(ParsedTextRelation):
    """CSV files.

    Options: ``header``, ``inferSchema``, ``sep``/``delimiter``, ``quote``,
    ``escape``, ``nullValue``, ``dateFormat``, ``timestampFormat``,
    ``timestampNTZFormat``, ``mode``, ``columnNameOfCorruptRecord``,
    ``multiLine``, ``enforceSchema``, ``encoding``/``charset`` (UTF-8 only).
    """

    short_name = "csv"
    OPTIONS = ParsedTextRelation.PARSE_OPTIONS | {
        "header", "inferSchema", "sep", "delimiter", "quote", "escape", "nullValue", "enforceSchema"}

    def _configure_format(self, options: Options) -> None:
        self.header = options.get_bool("header", False)
        self.infer_schema = options.get_bool("inferSchema", False)
        self.sep = options.get_char("sep", options.get_char("delimiter", ","))
        self.quote = options.get_char("quote", '"')
        self.escape = options.get_char("escape", "\\")
        self.null_value = options.get("nullValue", "")
        options.get_bool("enforceSchema", True)  # a given schema always wins over the header

    # -- schema ------------------------------------------------------------------------

    def _infer_data_schema(self, files: list[InputFile]) -> StructType:
        names = self._header_names(files)
        if not self.infer_schema:
            return StructType([StructField(n, StringType()) for n in names])
        columns: list[list[pa.Array]] = [[] for _ in names]
        for f in files:
            whole = not self._is_splittable(f.path)
            for n, block in enumerate(piece_blocks(FilePiece(f.path, 0, f.length, f.length, ()), whole)):
                table = self._tokenize(block, names, self.header and n == 0, names)
                for i, name in enumerate(names):
                    columns[i].extend(table.column(name).chunks)
        return StructType([
            StructField(n, infer_text_type(pa.concat_arrays(c) if c else pa.array([], pa.string()),
                                           self.formats))
            for n, c in zip(names, columns)])

    def _header_names(self, files: list[InputFile]) -> list[str]:
        first = self._first_record(files)
        if first is None:
            raise AnalysisException(
                "UNABLE_TO_INFER_SCHEMA",
                "Unable to infer schema for CSV. It must be specified manually.", {}, "42KD9")
        if not self.header:
            return [f"_c{i}" for i in range(len(first))]
        lowered = [(n or "").lower() for n in first]
        names = []
        for i, name in enumerate(first):
            if not name:
                names.append(f"_c{i}")
            elif lowered.count(name.lower()) > 1:
                names.append(f"{name}{i}")  # Spark suffixes duplicate header names with their index
            else:
                names.append(name)
        return names

    def _first_record(self, files: list[InputFile]) -> Optional[list[str]]:
        for f in files:
            for block in piece_blocks(FilePiece(f.path, 0, f.length, f.length, ()), self.multi_line):
                for tokens, _ in self._records(block.decode("utf-8", "replace")):
                    return tokens
        return None

    def _conform_data_schema(self, schema: StructType) -> StructType:
        check_text_schema(StructType([f for f in schema if f.name != self.corrupt_column]), "CSV")
        return super()._conform_data_schema(schema)

    # -- reading -------------------------------------------------------------------------

    def _physical(self) -> list[StructField]:
        return [f for f in self._data_schema if f.name != self.corrupt_column]

    def _read_piece(self, piece: FilePiece, columns: list[str],
                    filter: Optional[pc.Expression]) -> Iterator[pa.RecordBatch]:
        first = True
        for block in piece_blocks(piece, not self._is_splittable(piece.path)):
            skip_header = self.header and first and piece.start == 0
            first = False
            batch = self._parse_block(block, skip_header, columns, piece.path)
            if batch.num_rows:
                yield batch

    def _parse_block(self, block: bytes, skip_header: bool, columns: list[str],
                     path: str) -> pa.RecordBatch:
        physical = self._physical()
        names = [f.name for f in physical]
        wanted = [f for f in physical if f.name in columns]
        want_corrupt = self.corrupt_column in columns
        table = self._tokenize(block, names, skip_header, [f.name for f in wanted], strict=True)
        if table is not None:
            arrays, bad = self._convert(table, wanted)
            quick = (not bad.any() or self.mode == "DROPMALFORMED"
                     or (self.mode == "PERMISSIVE" and not want_corrupt))
            if quick:
                return self._assemble(arrays, wanted, columns, None, ~bad, table.num_rows)
        return self._parse_records(block, skip_header, columns, path)

    def _parse_records(self, block: bytes, skip_header: bool, columns: list[str],
                       path: str) -> pa.RecordBatch:
        """The slow path: one record at a time, keeping each record's text."""
        physical = self._physical()
        records = list(self._records(block.decode("utf-8", "replace")))
        if skip_header and records:
            records = records[1:]
        width = len(physical)
        mismatched = np.array([len(tokens) != width for tokens, _ in records], dtype=bool)
        wanted = [f for f in physical if f.name in columns]
        table = pa.table({f.name: pa.array([self._token(tokens, physical.index(f))
                                            for tokens, _ in records], pa.string())
                          for f in wanted}) if wanted else pa.table({})
        arrays, bad = self._convert(table, wanted, len(records))
        bad = bad | (mismatched if (self.mode != "PERMISSIVE" or self.corrupt_column in columns)
                     else np.zeros(len(records), dtype=bool))
        if self.mode == "FAILFAST" and bad.any():
            raise malformed_error(path, records[int(np.argmax(bad))][1])
        keep = ~bad if self.mode == "DROPMALFORMED" else np.ones(len(records), dtype=bool)
        corrupt = pa.array([text if b else None for (_, text), b in zip(records, bad)], pa.string())
        return self._assemble(arrays, wanted, columns, corrupt, keep, len(records))

    def _token(self, tokens: list[str], index: int) -> Optional[str]:
        if index >= len(tokens) or tokens[index] in ("", self.null_value):
            return None
        return tokens[index]

    def _assemble(self, arrays: dict[str, pa.Array], wanted: list[StructField], columns: list[str],
                  corrupt: Optional[pa.Array], keep: np.ndarray, rows: int) -> pa.RecordBatch:
        by_name = dict(arrays)
        if self.corrupt_column in columns:
            by_name[self.corrupt_column] = corrupt if corrupt is not None else pa.nulls(rows, pa.string())
        schema = to_arrow_schema(StructType([self._data_schema[c] for c in columns]))
        if not columns:
            batch = pa.RecordBatch.from_struct_array(pa.array([{}] * rows, pa.struct([])))
        else:
            batch = pa.RecordBatch.from_arrays([by_name[c] for c in columns], schema=schema)
        return batch if keep.all() else batch.filter(pa.array(keep))

    def _convert(self, table: pa.Table, fields: list[StructField],
                 rows: Optional[int] = None) -> tuple[dict[str, pa.Array], np.ndarray]:
        count = table.num_rows if rows is None else rows
        bad = np.zeros(count, dtype=bool)
        arrays = {}
        for field in fields:
            column = table.column(field.name).combine_chunks() if table.num_rows else pa.array(
                [], pa.string())
            arrays[field.name], flagged = convert_text(column, field.dataType, self.formats)
            bad |= flagged
        return arrays, bad

    def _tokenize(self, block: bytes, names: list[str], skip_header: bool, include: list[str],
                  strict: bool = False) -> Optional[pa.Table]:
        """Arrow's parser over a block, every field as text; None if ``strict`` and a record
        has the wrong number of fields."""
        invalid: list[Any] = []

        def on_invalid(row: Any) -> str:
            invalid.append(row)
            return "skip"

        try:
            table = pacsv.read_csv(
                io.BytesIO(block),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=int(skip_header),
                                               use_threads=False, block_size=len(block) + 1),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.sep, quote_char=self.quote, escape_char=self.escape,
                    double_quote=True, newlines_in_values=self.multi_line,
                    invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, include_columns=include,
                    null_values=sorted({self.null_value, ""}), strings_can_be_null=True,
                    # A quoted "" is an empty string, unless nullValue is set: then quoted
                    # text equal to it must be null too (Arrow cannot tell the two apart).
                    quoted_strings_can_be_null=self.null_value != ""))
        except pa.ArrowInvalid:
            if strict:
                return None
            raise
        if invalid and strict:
            return None
        return table

    def _records(self, text: str) -> Iterator[tuple[list[str], str]]:
        """``(fields, record text)`` per record, skipping blank lines."""
        lines = list(io.StringIO(text, newline=""))  # \n, \r\n and \r only, ends kept
        reader = pycsv.reader(iter(lines), delimiter=self.sep, quotechar=self.quote,
                              escapechar=self.escape, doublequote=True, strict=False)
        consumed = 0
        for tokens in reader:
            record = "".join(lines[consumed:reader.line_num]).rstrip("\r\n")
            consumed = reader.line_num
            if tokens:
                yield tokens, record


# -- writing ---------------------------------------------------------------------------


def _java_float_text(column: pa.Array) -> pa.Array:
    """Doubles as Java prints them (``1.0``, ``NaN``, ``Infinity``), not as Arrow does (``1``)."""
    text = pc.cast(column, pa.string())
    whole = pc.match_substring_regex(text, r"^-?\d+$")
    text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
    for arrow_name, java_name in (("nan", "NaN"), ("inf", "Infinity"), ("-inf", "-Infinity")):
        text = pc.if_else(pc.equal(text, arrow_name), java_name, text)
    return text


class CsvWriter(TextFormatWriter):
    """Writes CSV: ``header``, ``sep``, ``nullValue``, ``dateFormat``, ``timestampFormat``,
    ``compression`` (none or gzip). Quotes and quote characters are written doubled."""

    short_name = "csv"
    base_extension = ".csv"
    OPTIONS = TextFormatWriter.TEXT_OPTIONS | {"header", "sep", "delimiter", "quote", "nullValue",
                                               "dateFormat", "timestampFormat",
                                               "timestampNTZFormat", "timeZone"}

    def _configure_text(self, options: Options) -> None:
        self.header = options.get_bool("header", False)
        self.sep = options.get_char("sep", options.get_char("delimiter", ","))
        if options.get_char("quote", '"') != '"':
            raise NotImplementedError("Writing CSV with a quote character other than '\"' is not "
                                      "supported")
        self.null_value = options.get("nullValue", "")
        self.date_format = options.get("dateFormat")
        self.timestamp_format = options.get("timestampFormat")
        self.ntz_format = options.get("timestampNTZFormat")
        self.time_zone = options.get("timeZone", "UTC")

    def check_schema(self, schema: StructType) -> None:
        check_text_schema(schema, "CSV")

    def open(self, stream: Any, schema: StructType) -> Any:
        out = self._open_stream(stream)
        if self.header:
            buffer = io.StringIO()
            pycsv.writer(buffer, delimiter=self.sep, lineterminator="\n").writerow(schema.names)
            out.write(buffer.getvalue().encode("utf-8"))
        return out, schema

    def write(self, handle: Any, batch: pa.RecordBatch) -> None:
        out, schema = handle
        columns = [self._text(batch.column(i), f.dataType) for i, f in enumerate(schema)]
        table = pa.Table.from_arrays(columns, names=schema.names)
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False, delimiter=self.sep,
                                                          quoting_style="needed"))
        out.write(buffer.getvalue())

    def _text(self, column: pa.Array, data_type: Any) -> pa.Array:
        if isinstance(data_type, DateType):
            column = format_temporal(column, data_type, self.date_format, self.time_zone)
        elif isinstance(data_type, TimestampType):
            column = format_temporal(column, data_type, self.timestamp_format, self.time_zone)
        elif isinstance(data_type, TimestampNTZType):
            column = format_temporal(column, data_type, self.ntz_format, self.time_zone)
        elif isinstance(data_type, (DoubleType, FloatType)):
            column = _java_float_text(column)
        elif isinstance(data_type, StringType):
            # The reader's escape character is a backslash (Spark's default): keep them literal.
            column = pc.replace_substring(column, "\\", "\\\\")
        if self.null_value:
            column = pc.fill_null(pc.cast(column, pa.string()), self.null_value)
        return column

    def close(self, handle: Any) -> None:
        self._close_stream(handle[0])
