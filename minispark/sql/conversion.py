"""Python rows to Arrow batches and back, as ``createDataFrame`` and ``collect()`` need.

``rows_to_arrow`` checks every value against the schema the way PySpark's
``verifySchema`` does (same error conditions and messages, with the path of
the offending field), then builds one ``pyarrow.RecordBatch``;
``arrow_to_rows`` returns what PySpark's ``collect()`` returns: ``Row``
objects, structs as ``Row``, maps as ``dict``, binary as ``bytes``, and
timestamps as naive datetimes in the local time zone.

>>> from minispark.sql.types import _parse_datatype_string
>>> batch = rows_to_arrow([(1, "a"), {"b": "c"}], _parse_datatype_string("a int, b string"))
>>> arrow_to_rows(batch)
[Row(a=1, b='a'), Row(a=None, b='c')]
"""
from __future__ import annotations

import array as pyarray
import datetime
import decimal
from functools import reduce
from typing import Any, Optional, Sequence

import pyarrow as pa

from minispark.errors import PySparkTypeError, PySparkValueError
from minispark.sql.row import Row, _create_row
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, DataType, DateType, DayTimeIntervalType,
    DecimalType, DoubleType, FloatType, IntegerType, LongType, MapType, NullType, ShortType,
    StringType, StructField, StructType, TimestampNTZType, TimestampType, _infer_schema,
    _merge_type, from_arrow_schema, to_arrow_schema,
)

_INT_BOUNDS = {ByteType: (-(1 << 7), (1 << 7) - 1), ShortType: (-(1 << 15), (1 << 15) - 1),
               IntegerType: (-(1 << 31), (1 << 31) - 1), LongType: (-(1 << 63), (1 << 63) - 1)}
_WIDE = decimal.Context(prec=100)
_ACCEPTED: dict[type, tuple[type, ...]] = {
    BooleanType: (bool,), ByteType: (int,), ShortType: (int,), IntegerType: (int,),
    LongType: (int,), FloatType: (float,), DoubleType: (float,), StringType: (str,),
    BinaryType: (bytes, bytearray), DateType: (datetime.date, datetime.datetime),
    TimestampType: (datetime.datetime,), TimestampNTZType: (datetime.datetime,),
    DecimalType: (decimal.Decimal,), DayTimeIntervalType: (datetime.timedelta,),
    NullType: (type(None),),
}


# ---- schema inference ------------------------------------------------------------------------


def infer_schema_from_rows(rows: Sequence[Any], names: Optional[list[str]] = None) -> StructType:
    """The schema ``createDataFrame`` infers from local rows: each row's schema, merged.

    >>> infer_schema_from_rows([(1, None), (None, "x")], ["a", "b"]).simpleString()
    'struct<a:bigint,b:string>'
    """
    if not rows:
        raise PySparkValueError("CANNOT_INFER_EMPTY_SCHEMA",
                                "Can not infer schema from an empty dataset.")
    schema = reduce(_merge_type, (_infer_schema(row, names) for row in rows))
    if any(isinstance(f.dataType, NullType) for f in schema.fields):
        raise PySparkValueError("CANNOT_DETERMINE_TYPE",
                                "Some of types cannot be determined after inferring.")
    return schema


# ---- Python -> Arrow ------------------------------------------------------------------------


def rows_to_arrow(rows: Sequence[Any], schema: StructType, verify: bool = True) -> pa.RecordBatch:
    """A batch of ``schema`` holding ``rows`` (tuples, lists, ``Row``, dicts or objects)."""
    columns: list[list[Any]] = [[] for _ in schema.fields]
    for row in rows:
        values = _struct_values(row, schema, None, verify)
        for column, value in zip(columns, values):
            column.append(value)
    arrow_schema = to_arrow_schema(schema)
    if not schema.fields:
        return pa.record_batch({"_": pa.nulls(len(rows))}).select([])
    arrays = [pa.array(column, type=field.type) for column, field in zip(columns, arrow_schema)]
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema)


def _where(name: Optional[str]) -> str:
    return f"field {name}: " if name else ""


def _struct_values(obj: Any, schema: StructType, name: Optional[str], verify: bool) -> list:
    fields = schema.fields
    if isinstance(obj, dict):
        raw = [obj.get(f.name) for f in fields]
    elif isinstance(obj, Row) and getattr(obj, "__from_dict__", False):
        raw = [obj[f.name] if f.name in obj.__fields__ else None for f in fields]
    elif isinstance(obj, (tuple, list)):
        if verify and len(obj) != len(fields):
            raise PySparkValueError(
                "FIELD_STRUCT_LENGTH_MISMATCH",
                f"{_where(name)}Length of object ({len(obj)}) does not match with length of "
                f"fields ({len(fields)}).")
        raw = list(obj) + [None] * (len(fields) - len(obj))
    elif hasattr(obj, "__dict__"):
        raw = [obj.__dict__.get(f.name) for f in fields]
    else:
        raise PySparkTypeError(
            "FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME" if name else "FIELD_DATA_TYPE_UNACCEPTABLE",
            f"{_where(name)}{schema!r} can not accept object {obj!r} in type {type(obj)}.")
    return [_value(v, f.dataType, f.nullable, _nested(f.name, name), verify)
            for v, f in zip(raw, fields)]


def _nested(field: str, parent: Optional[str]) -> str:
    return field if parent is None else f"{field} in {_parent_label(parent)}"


def _parent_label(parent: str) -> str:
    return parent if parent.startswith(("element in", "key of", "value of")) else f"field {parent}"


def _value(value: Any, data_type: DataType, nullable: bool, name: str, verify: bool) -> Any:
    """One value checked against its type and put in the form ``pa.array`` takes."""
    if value is None:
        if verify and not nullable and not isinstance(data_type, NullType):
            condition = "FIELD_NOT_NULLABLE_WITH_NAME" if name else "FIELD_NOT_NULLABLE"
            raise PySparkValueError(condition,
                                    f"{_where(name)}This field is not nullable, but got None.")
        return None
    if not verify and isinstance(data_type, StringType) and not isinstance(value, str):
        return _as_string(value)
    if verify:
        _check(value, data_type, name)
    if isinstance(data_type, StructType):
        return dict(zip(data_type.names, _struct_values(value, data_type, name, verify)))
    if isinstance(data_type, ArrayType):
        label = f"element in array {_parent_label(name)}" if name else "element in array"
        return [_value(v, data_type.elementType, data_type.containsNull, label, verify)
                for v in value]
    if isinstance(data_type, MapType):
        key_label = f"key of map {_parent_label(name)}" if name else "key of map"
        value_label = f"value of map {_parent_label(name)}" if name else "value of map"
        return [(_value(k, data_type.keyType, False, key_label, verify),
                 _value(v, data_type.valueType, data_type.valueContainsNull, value_label, verify))
                for k, v in value.items()]
    return _atomic(value, data_type, name)


def _check(value: Any, data_type: DataType, name: str) -> None:
    accepted = _ACCEPTED.get(type(data_type))
    if isinstance(data_type, StructType):
        ok = isinstance(value, (tuple, list, dict)) or hasattr(value, "__dict__")
    elif isinstance(data_type, ArrayType):
        ok = isinstance(value, (list, tuple, pyarray.array))
    elif isinstance(data_type, MapType):
        ok = isinstance(value, dict)
    elif type(data_type) in _INT_BOUNDS or isinstance(data_type, (FloatType, DoubleType)):
        ok = type(value) in accepted  # type: ignore[operator]  (bool is not an int here)
    elif isinstance(data_type, (TimestampType, TimestampNTZType)):
        ok = isinstance(value, datetime.datetime)
    elif accepted is not None:
        ok = isinstance(value, accepted)
    else:
        ok = True
    if not ok:
        condition = ("FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME" if name
                     else "FIELD_DATA_TYPE_UNACCEPTABLE")
        raise PySparkTypeError(condition, f"{_where(name)}{data_type!r} can not accept object "
                                          f"{value!r} in type {type(value)}.")
    bounds = _INT_BOUNDS.get(type(data_type))
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise PySparkValueError(
            "VALUE_OUT_OF_BOUNDS", f"Value for `obj` must be between {bounds[0]} and "
                                   f"{bounds[1]} (inclusive), got {value}")


def _atomic(value: Any, data_type: DataType, name: str) -> Any:
    if isinstance(data_type, DecimalType):
        quantum = decimal.Decimal(1).scaleb(-data_type.scale)
        rounded = value.quantize(quantum, rounding=decimal.ROUND_HALF_UP, context=_WIDE)
        if len(rounded.as_tuple().digits) > data_type.precision and rounded != 0:
            raise PySparkValueError(
                "NUMERIC_VALUE_OUT_OF_RANGE",
                f"{_where(name)}{value} cannot be represented as "
                f"{data_type.simpleString().upper()}.")
        return rounded
    if isinstance(data_type, DateType) and isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(data_type, TimestampType):
        return value.astimezone(datetime.timezone.utc)
    if isinstance(data_type, TimestampNTZType) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(data_type, BinaryType):
        return bytes(value)
    return value


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---- Arrow -> Python ------------------------------------------------------------------------


def arrow_to_rows(data: pa.RecordBatch | pa.Table,
                  schema: Optional[StructType] = None) -> list[Row]:
    """The rows of a batch or table as PySpark's ``collect()`` returns them."""
    if schema is None:
        schema = from_arrow_schema(data.schema)
    columns = [column_values(data.column(i), f.dataType) for i, f in enumerate(schema.fields)]
    names = list(schema.names)
    if not columns:
        return [_create_row([], ()) for _ in range(data.num_rows)]
    return [_create_row(names, values) for values in zip(*columns)]


def column_values(column: Any, data_type: DataType) -> list:
    """An Arrow column of ``data_type`` as the Python values ``collect()`` gives."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if isinstance(column.type, pa.DictionaryType):
        column = column.dictionary_decode()
    values = column.to_pylist()
    if not _converts(data_type):
        return values
    return [_python(v, data_type) for v in values]


def _converts(data_type: DataType) -> bool:
    if isinstance(data_type, (StructType, MapType, TimestampType)):
        return True
    if isinstance(data_type, ArrayType):
        return _converts(data_type.elementType)
    return False


def _python(value: Any, data_type: DataType) -> Any:
    if value is None:
        return None
    if isinstance(data_type, StructType):
        items = value.values() if isinstance(value, dict) else value
        return _create_row(data_type.names, [_python(v, f.dataType)
                                             for v, f in zip(items, data_type.fields)])
    if isinstance(data_type, MapType):
        pairs = value.items() if isinstance(value, dict) else value
        return {_python(k, data_type.keyType): _python(v, data_type.valueType) for k, v in pairs}
    if isinstance(data_type, ArrayType):
        return [_python(v, data_type.elementType) for v in value]
    if isinstance(data_type, TimestampType):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return datetime.datetime.fromtimestamp(value.timestamp()).replace(
            microsecond=value.microsecond)
    return value


__all__ = ["arrow_to_rows", "column_values", "infer_schema_from_rows", "rows_to_arrow",
           "StructField"]
