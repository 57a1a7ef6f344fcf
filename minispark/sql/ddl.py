"""DDL type and schema strings (``"a INT NOT NULL, b array<string>"``) through sqlglot.

sqlglot's Spark dialect does the parsing; this module only maps its
``exp.DataType`` trees to minispark's types (``datatype_from_sqlglot``, also
used for ``CAST(x AS type)`` in SQL text).
"""
from __future__ import annotations

from typing import Callable, Optional

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ParseError
from sqlglot.tokens import TokenType

from minispark.errors import ParseException
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, CalendarIntervalType, CharType, DataType, DateType,
    DayTimeIntervalType, DecimalType, DoubleType, FloatType, IntegerType, LongType, MapType, NullType,
    ShortType, StringType, StructField, StructType, TimestampNTZType, TimestampType, TimeType,
    VarcharType, VariantType, YearMonthIntervalType, _interval,
)


class _SparkTypes(Spark):
    """Spark's dialect, plus ``void`` (Spark's name for the null type) as a type keyword."""

    class Tokenizer(Spark.Tokenizer):
        KEYWORDS = {**Spark.Tokenizer.KEYWORDS, "VOID": TokenType.NULL}


T = exp.DataType.Type
_PLAIN: dict[exp.DataType.Type, Callable[[], DataType]] = {
    T.NULL: NullType, T.BOOLEAN: BooleanType, T.TINYINT: ByteType, T.SMALLINT: ShortType,
    T.INT: IntegerType, T.BIGINT: LongType, T.FLOAT: FloatType, T.DOUBLE: DoubleType,
    T.TEXT: StringType, T.BINARY: BinaryType, T.VARBINARY: BinaryType, T.DATE: DateType,
    T.TIMESTAMP: TimestampType, T.TIMESTAMPTZ: TimestampType, T.TIMESTAMPLTZ: TimestampType,
    T.TIMESTAMPNTZ: TimestampNTZType, T.VARIANT: VariantType, T.INTERVAL: CalendarIntervalType,
}


def parse_datatype_string(text: str) -> DataType:
    """A schema (``"a INT, b STRING"`` / ``"a: int"``) or a single type (``"array<int>"``).

    As in PySpark, the text is first read as a list of fields, then as one type.

    >>> parse_datatype_string("a INT NOT NULL COMMENT 'id', `b c` map<string,int>")
    StructType([StructField('a', IntegerType(), False), StructField('b c', MapType(StringType(), IntegerType(), True), True)])
    >>> parse_datatype_string("struct<x: decimal(5,2)>").simpleString()
    'struct<x:decimal(5,2)>'
    >>> parse_datatype_string("int,")
    Traceback (most recent call last):
    ...
    minispark.errors.exceptions.captured.ParseException: [PARSE_SYNTAX_ERROR] Cannot parse the data type 'int,': ...
    """
    if not isinstance(text, str) or not text.strip():
        raise ParseException("PARSE_EMPTY_STATEMENT", f"Cannot parse an empty data type: {text!r}")
    tokens = sqlglot.tokenize(text, read=_SparkTypes)
    if tokens and tokens[-1].token_type == TokenType.COMMA:  # sqlglot would accept "a int,"
        raise ParseException("PARSE_SYNTAX_ERROR", f"Cannot parse the data type {text!r}: "
                             f"syntax error at end of input (position {len(text.rstrip())})")
    as_fields, fields_error = _parse_type(f"struct<{text}>", len("struct<"))
    if as_fields is not None and _has_named_fields(as_fields):
        return datatype_from_sqlglot(as_fields)
    as_type, type_error = _parse_type(text, 0)
    if as_type is None:
        # The attempt that got further into the text explains the problem better.
        error = max(fields_error, type_error, key=lambda e: e[0])
        raise ParseException("PARSE_SYNTAX_ERROR", f"Cannot parse the data type {text!r}: {error[1]}")
    return datatype_from_sqlglot(as_type)


def _parse_type(text: str, prefix: int) -> tuple[Optional[exp.DataType], tuple[int, str]]:
    """sqlglot's tree for exactly one type, or None with ``(position, message)``.

    ``prefix`` characters were added in front of the user's text.
    """
    try:
        return sqlglot.parse_one(text, read=_SparkTypes, into=exp.DataType), (0, "")
    except ParseError as err:
        details = err.errors[0] if err.errors else {}
        column = int(details.get("col", 0)) - prefix
        where = f" near {details['highlight']!r}" if details.get("highlight") else ""
        return None, (column, f"{details.get('description', err)}{where} (position {max(column, 1)})")


def _has_named_fields(struct: exp.DataType) -> bool:
    fields = struct.expressions
    return bool(fields) and all(isinstance(f, exp.ColumnDef) for f in fields)


def datatype_from_sqlglot(node: exp.DataType) -> DataType:
    """minispark's type for a sqlglot ``exp.DataType`` (Spark dialect).

    >>> datatype_from_sqlglot(exp.DataType.build("array<decimal(4,1)>", dialect="spark"))
    ArrayType(DecimalType(4,1), True)
    """
    kind = node.this
    if isinstance(kind, exp.Interval):
        return _interval_type(kind)
    params = [int(p.this.this) for p in node.expressions if isinstance(p, exp.DataTypeParam)]
    if kind == T.TEXT and node.args.get("collate") is not None:
        return StringType(node.args["collate"].name)
    if kind in _PLAIN:
        return _PLAIN[kind]()
    if kind == T.DECIMAL:
        return DecimalType(*params)
    if kind in (T.CHAR, T.VARCHAR) and len(params) == 1:
        return (CharType if kind == T.CHAR else VarcharType)(params[0])
    if kind == T.TIME:
        return TimeType(*params)
    if kind == T.ARRAY and len(node.expressions) == 1:
        return ArrayType(datatype_from_sqlglot(node.expressions[0]))
    if kind == T.MAP and len(node.expressions) == 2:
        key, value = node.expressions
        return MapType(datatype_from_sqlglot(key), datatype_from_sqlglot(value))
    if kind == T.STRUCT and (not node.expressions or _has_named_fields(node)):
        return StructType([_field(f) for f in node.expressions])
    raise ParseException("UNSUPPORTED_DATATYPE", f"Unsupported data type {node.sql('spark')!r}")


def _interval_type(interval: exp.Interval) -> DataType:
    unit = interval.args.get("unit")
    if isinstance(unit, exp.IntervalSpan):
        start, end = unit.this.name, unit.expression.name
    else:
        start = end = unit.name if unit is not None else ""
    for cls in (DayTimeIntervalType, YearMonthIntervalType):
        fields = cls._FIELDS
        if start.upper() in fields and end.upper() in fields:
            return _interval(cls, start, end)
    raise ParseException("UNSUPPORTED_DATATYPE", f"Unsupported interval type 'interval {start} to {end}'")


def _field(column: exp.ColumnDef) -> StructField:
    nullable, metadata = True, {}
    data_type = datatype_from_sqlglot(column.args["kind"])
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"):
            nullable = False
        elif isinstance(kind, exp.CommentColumnConstraint):
            metadata["comment"] = kind.this.this
        elif isinstance(kind, exp.CollateColumnConstraint) and isinstance(data_type, StringType):
            data_type = StringType(kind.this.name)
        else:
            raise NotImplementedError(
                f"Column constraint {constraint.sql('spark')!r} of field {column.name!r} is not "
                "supported in a schema string (only NOT NULL and COMMENT are)"
            )
    return StructField(column.name, data_type, nullable, metadata)
