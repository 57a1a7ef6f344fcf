"""JSON lines and multi-line JSON (``spark.read.json`` / ``df.write.json``).

Schema inference follows Spark's: integers are ``bigint``, other numbers
``double``, objects become structs with their fields sorted by name, a field
whose values disagree becomes ``string`` (holding each value's JSON text),
and a field that is always null is ``string``.  Lines are read with Arrow's
JSON reader; a block it cannot read as the schema says (a malformed line, a
value of another type) is read again line by line with Python's ``json`` to
apply the parse mode, as the CSV reader does.
"""
from __future__ import annotations

import base64
import datetime
import decimal
import io
import json
import zoneinfo
from typing import Any, Iterator, Optional

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from minispark.errors import AnalysisException
from minispark.sql.sources.textfiles import (
    ParsedTextRelation, ParseSettings, malformed_error, piece_blocks,
)
from minispark.sql.sources.datetimes import parse_temporal
from minispark.sql.sources.files import FilePiece, InputFile
from minispark.sql.sources.options import Options
from minispark.sql.sources.textparse import TextFormats
from minispark.sql.sources.writing import TextFormatWriter
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, DataType, DateType, DecimalType, DoubleType,
    FloatType, IntegralType, LongType, MapType, NullType, StringType, StructField, StructType,
    TimestampNTZType, TimestampType, to_arrow_schema, to_arrow_type,
)


class _Bad(Exception):
    """A JSON value that does not fit its field's type."""


# -- inference -------------------------------------------------------------------------


def json_type(value: Any, primitives_as_string: bool = False) -> DataType:
    """The type Spark infers for one parsed JSON value.

    >>> json_type({"b": 1, "a": [1.5, None]}).simpleString()
    'struct<a:array<double>,b:bigint>'
    """
    if value is None:
        return NullType()
    if isinstance(value, dict):
        return StructType([StructField(k, json_type(v, primitives_as_string))
                           for k, v in sorted(value.items())])
    if isinstance(value, list):
        element: DataType = NullType()
        for item in value:
            element = merge_json_types(element, json_type(item, primitives_as_string))
        return ArrayType(element)
    if primitives_as_string:
        return StringType()
    if isinstance(value, bool):
        return BooleanType()
    if isinstance(value, int):
        return LongType() if -(1 << 63) <= value < (1 << 63) else DecimalType(38, 0)
    if isinstance(value, (float, decimal.Decimal)):
        return DoubleType()
    return StringType()


def merge_json_types(a: DataType, b: DataType) -> DataType:
    """Spark's JSON type widening: numbers widen, structs merge, anything else is a string.

    >>> merge_json_types(LongType(), DoubleType()), merge_json_types(LongType(), BooleanType())
    (DoubleType(), StringType())
    """
    if a == b or isinstance(b, NullType):
        return a
    if isinstance(a, NullType):
        return b
    numeric = (LongType, DoubleType, DecimalType)
    if isinstance(a, numeric) and isinstance(b, numeric):
        return DoubleType()
    if isinstance(a, StructType) and isinstance(b, StructType):
        fields = {f.name: f.dataType for f in a}
        for f in b:
            fields[f.name] = merge_json_types(fields.get(f.name, NullType()), f.dataType)
        return StructType([StructField(n, t) for n, t in sorted(fields.items())])
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return ArrayType(merge_json_types(a.elementType, b.elementType))
    return StringType()


def _canonical(data_type: DataType) -> Optional[DataType]:
    """Null types become strings; empty structs disappear (as Spark's inference ends)."""
    if isinstance(data_type, NullType):
        return StringType()
    if isinstance(data_type, ArrayType):
        element = _canonical(data_type.elementType)
        return ArrayType(element if element is not None else StringType())
    if isinstance(data_type, StructType):
        fields = [StructField(f.name, t) for f in data_type
                  for t in [_canonical(f.dataType)] if t is not None]
        return StructType(fields) if fields else None
    return data_type


# -- values ------------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    """A JSON value read into a string column: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    return json.dumps(value, default=float)


def _convert_value(value: Any, data_type: DataType, formats: TextFormats) -> Any:
    """A parsed JSON value as an Arrow-ready Python value of ``data_type``; ``_Bad`` if it cannot be."""
    if value is None:
        return None
    if isinstance(data_type, StringType):
        return _json_text(value)
    if isinstance(data_type, BooleanType):
        if isinstance(value, bool):
            return value
    elif isinstance(data_type, IntegralType):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(data_type, (DoubleType, FloatType)):
        if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
            return float(value)
        if value in ("NaN", "Infinity", "-Infinity", "+Infinity"):
            return float(value.replace("Infinity", "inf"))
    elif isinstance(data_type, DecimalType):
        if isinstance(value, (int, decimal.Decimal)) and not isinstance(value, bool):
            return decimal.Decimal(value)
    elif isinstance(data_type, (DateType, TimestampType, TimestampNTZType)):
        if isinstance(value, str):
            pattern = {DateType: formats.date_format, TimestampType: formats.timestamp_format,
                       TimestampNTZType: formats.timestamp_ntz_format}[type(data_type)]
            try:
                return parse_temporal(pa.array([value]), data_type, pattern, formats.time_zone)[0].as_py()
            except (pa.ArrowInvalid, ValueError):
                raise _Bad() from None
    elif isinstance(data_type, BinaryType):
        if isinstance(value, str):
            return base64.b64decode(value)
    elif isinstance(data_type, ArrayType):
        if isinstance(value, list):
            return [_convert_value(v, data_type.elementType, formats) for v in value]
    elif isinstance(data_type, MapType):
        if isinstance(value, dict):
            return [(k, _convert_value(v, data_type.valueType, formats)) for k, v in value.items()]
    elif isinstance(data_type, StructType):
        if isinstance(value, dict):
            return {f.name: _convert_value(value.get(f.name), f.dataType, formats) for f in data_type}
    raise _Bad()


class JsonParser:
    """Parses JSON text (lines, or one multi-line value per block) into schemas and batches.

    Plain data, so it pickles into tasks; used by :class:`JsonRelation` for
    files and by ``spark.read.json`` for an RDD or DataFrame of strings.
    """

    def __init__(self, parsing: ParseSettings, primitives_as_string: bool = False) -> None:
        self.parsing = parsing
        self.primitives_as_string = primitives_as_string

    def records(self, block: bytes) -> Iterator[tuple[Any, str, bool]]:
        """``(parsed value, text, ok)`` per record of a block; ``ok`` is False for bad JSON."""
        text = block.decode("utf-8", "replace")
        if self.parsing.multi_line:
            try:
                value = json.loads(text, parse_float=decimal.Decimal)
            except ValueError:
                yield None, text.strip(), False
                return
            for item in (value if isinstance(value, list) else [value]):
                yield item, _json_text(item), isinstance(item, dict)
            return
        for line in io.StringIO(text, newline=""):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            try:
                value = json.loads(line, parse_float=decimal.Decimal)
            except ValueError:
                yield None, line, False
                continue
            yield value, line, isinstance(value, dict)

    def infer(self, block: bytes, where: str) -> tuple[DataType, bool]:
        """The merged type of a block's records, and whether some record was malformed."""
        if not self.parsing.multi_line and not self.primitives_as_string:
            inferred = _arrow_inferred_type(block)
            if inferred is not None:
                return inferred, False
        merged: DataType = StructType([])
        corrupt = False
        for value, text, ok in self.records(block):
            if not ok:
                if self.parsing.mode == "FAILFAST":
                    raise malformed_error(where, text)
                corrupt = corrupt or self.parsing.mode == "PERMISSIVE"
                continue
            merged = merge_json_types(merged, json_type(value, self.primitives_as_string))
        return merged, corrupt

    def schema_of(self, merged: DataType, corrupt: bool) -> StructType:
        """The final inferred schema (Spark's canonical form, plus the corrupt-record column)."""
        schema = _canonical(merged)
        if not isinstance(schema, StructType):
            schema = StructType([])
        if corrupt:
            fields = list(schema) + [StructField(self.parsing.corrupt_column, StringType())]
            schema = StructType(sorted(fields, key=lambda f: f.name))
        return schema

    def parse(self, block: bytes, schema: StructType, columns: list[str],
              where: str) -> pa.RecordBatch:
        """The records of a block as a batch of ``columns``, applying the parse mode."""
        fields = [schema[c] for c in columns if c != self.parsing.corrupt_column]
        batch = None if self.parsing.multi_line else self._fast(block, schema, fields, columns)
        return batch if batch is not None else self._slow(block, schema, fields, columns, where)

    def _fast(self, block: bytes, schema: StructType, fields: list[StructField],
              columns: list[str]) -> Optional[pa.RecordBatch]:
        """Arrow's JSON reader, when every line parses as the schema says; else None."""
        if not all(_arrow_readable(f.dataType) for f in fields):
            return None
        explicit = pa.schema([pa.field(f.name, to_arrow_type(f.dataType)) for f in fields])
        try:
            table = pajson.read_json(
                io.BytesIO(block), read_options=pajson.ReadOptions(use_threads=False,
                                                                   block_size=len(block) + 1),
                parse_options=pajson.ParseOptions(explicit_schema=explicit,
                                                  unexpected_field_behavior="ignore"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        arrays = {f.name: table.column(f.name).combine_chunks() for f in fields}
        if self.parsing.corrupt_column in columns:
            arrays[self.parsing.corrupt_column] = pa.nulls(table.num_rows, pa.string())
        return _batch(arrays, schema, columns, table.num_rows)

    def _slow(self, block: bytes, schema: StructType, fields: list[StructField],
              columns: list[str], where: str) -> pa.RecordBatch:
        mode = self.parsing.mode
        values: dict[str, list[Any]] = {f.name: [] for f in fields}
        corrupt: list[Optional[str]] = []
        for value, text, ok in self.records(block):
            row, bad = self._row(value if ok else {}, fields)
            bad = bad or not ok
            if bad and mode == "FAILFAST":
                raise malformed_error(where, text)
            if bad and mode == "DROPMALFORMED":
                continue
            for name, item in row.items():
                values[name].append(item)
            corrupt.append(text if bad else None)
        arrays = {f.name: pa.array(values[f.name], to_arrow_type(f.dataType)) for f in fields}
        if self.parsing.corrupt_column in columns:
            arrays[self.parsing.corrupt_column] = pa.array(corrupt, pa.string())
        return _batch(arrays, schema, columns, len(corrupt))

    def _row(self, record: dict[str, Any], fields: list[StructField]) -> tuple[dict[str, Any], bool]:
        row, bad = {}, False
        for field in fields:
            try:
                row[field.name] = _convert_value(record.get(field.name), field.dataType,
                                                 self.parsing.formats)
            except _Bad:
                row[field.name] = None
                bad = True
        return row, bad


class JsonRelation(ParsedTextRelation):
    """JSON files: one object per line, or with ``multiLine`` one value (object or array) per file.

    Options: ``multiLine``, ``mode``, ``columnNameOfCorruptRecord``,
    ``primitivesAsString``, ``dateFormat``, ``timestampFormat``,
    ``timestampNTZFormat``, ``timeZone``, ``encoding``/``charset`` (UTF-8 only).
    """

    short_name = "json"
    OPTIONS = ParsedTextRelation.PARSE_OPTIONS | {"primitivesAsString"}

    def _configure_format(self, options: Options) -> None:
        parsing = ParseSettings(self.mode, self.corrupt_column, self.multi_line, self.formats)
        self.parser = JsonParser(parsing, options.get_bool("primitivesAsString", False))

    def _infer_data_schema(self, files: list[InputFile]) -> StructType:
        if not files:
            raise AnalysisException(
                "UNABLE_TO_INFER_SCHEMA",
                "Unable to infer schema for JSON. It must be specified manually.", {}, "42KD9")
        merged: DataType = StructType([])
        corrupt = False
        for f in files:
            whole = not self._is_splittable(f.path)
            for block in piece_blocks(FilePiece(f.path, 0, f.length, f.length, ()), whole):
                block_type, block_corrupt = self.parser.infer(block, f.path)
                merged, corrupt = merge_json_types(merged, block_type), corrupt or block_corrupt
        return self.parser.schema_of(merged, corrupt)

    def _read_piece(self, piece: FilePiece, columns: list[str],
                    filter: Optional[pc.Expression]) -> Iterator[pa.RecordBatch]:
        for block in piece_blocks(piece, not self._is_splittable(piece.path)):
            batch = self.parser.parse(block, self._data_schema, columns, piece.path)
            if batch.num_rows:
                yield batch


def _arrow_inferred_type(block: bytes) -> Optional[DataType]:
    """Spark's inferred type for a block Arrow reads without conflicts, else None.

    Arrow's inference agrees with Spark's for clean data once its timestamps are
    taken back as strings; on mixed types or bad lines it fails, and the
    records are inferred one by one instead.
    """
    try:
        table = pajson.read_json(io.BytesIO(block), read_options=pajson.ReadOptions(
            use_threads=False, block_size=len(block) + 1))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return _spark_json_type(pa.struct(list(table.schema)))


def _spark_json_type(arrow_type: pa.DataType) -> Optional[DataType]:
    if pa.types.is_struct(arrow_type):
        fields = []
        for field in sorted(arrow_type, key=lambda f: f.name):
            inner = _spark_json_type(field.type)
            if inner is None:
                return None
            fields.append(StructField(field.name, inner))
        return StructType(fields)
    if pa.types.is_list(arrow_type):
        element = _spark_json_type(arrow_type.value_type)
        return None if element is None else ArrayType(element)
    simple = [(pa.types.is_null, NullType()), (pa.types.is_boolean, BooleanType()),
              (pa.types.is_int64, LongType()), (pa.types.is_float64, DoubleType()),
              (pa.types.is_string, StringType()), (pa.types.is_timestamp, StringType())]
    return next((t for check, t in simple if check(arrow_type)), None)


def _arrow_readable(data_type: DataType) -> bool:
    """Types Arrow's JSON reader converts exactly as Spark does."""
    if isinstance(data_type, ArrayType):
        return _arrow_readable(data_type.elementType)
    if isinstance(data_type, StructType):
        return all(_arrow_readable(f.dataType) for f in data_type)
    return isinstance(data_type, (BooleanType, IntegralType, DoubleType, FloatType, StringType))


def _batch(arrays: dict[str, pa.Array], schema: StructType, columns: list[str],
           rows: int) -> pa.RecordBatch:
    if not columns:
        return pa.RecordBatch.from_struct_array(pa.array([{}] * rows, pa.struct([])))
    arrow_schema = to_arrow_schema(StructType([schema[c] for c in columns]))
    return pa.RecordBatch.from_arrays([arrays[c] for c in columns], schema=arrow_schema)


# -- writing -------------------------------------------------------------------------------


class JsonWriter(TextFormatWriter):
    """Writes JSON lines, leaving out null fields (Spark's ``ignoreNullFields``).

    Options: ``compression`` (none or gzip), ``ignoreNullFields``, ``timeZone``.
    """

    short_name = "json"
    base_extension = ".json"
    OPTIONS = TextFormatWriter.TEXT_OPTIONS | {"ignoreNullFields", "timeZone"}

    def _configure_text(self, options: Options) -> None:
        self.ignore_nulls = options.get_bool("ignoreNullFields", True)
        self.time_zone = options.get("timeZone", "UTC")

    def open(self, stream: Any, schema: StructType) -> Any:
        return self._open_stream(stream), schema

    def write(self, handle: Any, batch: pa.RecordBatch) -> None:
        out, schema = handle
        columns = [[self._plain(v, f.dataType) for v in batch.column(i).to_pylist()]
                   for i, f in enumerate(schema)]
        names = schema.names
        lines = []
        for values in zip(*columns) if columns else []:
            record = {n: v for n, v in zip(names, values) if v is not None or not self.ignore_nulls}
            lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        if lines:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))

    def _plain(self, value: Any, data_type: DataType) -> Any:
        """A value as JSON can hold it (dates as text, maps as objects)."""
        if value is None:
            return None
        if isinstance(data_type, StructType):
            return {f.name: self._plain(v, f.dataType) for f, v in zip(data_type, value.values())
                    if v is not None or not self.ignore_nulls}
        if isinstance(data_type, ArrayType):
            return [self._plain(v, data_type.elementType) for v in value]
        if isinstance(data_type, MapType):
            return {str(k): self._plain(v, data_type.valueType) for k, v in value}
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
        if isinstance(value, decimal.Decimal):
            # JSON numbers go through float: digits beyond double precision are lost.
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(data_type, TimestampType):
            local = value.astimezone(zoneinfo.ZoneInfo(self.time_zone)).replace(tzinfo=None)
            return local.isoformat(timespec="microseconds")
        if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
            return value.isoformat()
        if isinstance(value, datetime.timedelta):
            return str(value)
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        return value

    def close(self, handle: Any) -> None:
        self._close_stream(handle[0])
