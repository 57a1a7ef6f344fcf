"""The errors ANSI mode raises while a query runs, worded as Spark words them.

>>> str(divide_by_zero()).split(".")[0]
'[DIVIDE_BY_ZERO] Division by zero'
>>> sql_value(3000000000, LongType())
'3000000000L'
"""
from __future__ import annotations

from typing import Any

from minispark.errors import (
    ArithmeticException, DateTimeException, NumberFormatException, SparkRuntimeException,
)
from minispark.sql.plan.expressions import java_double_str
from minispark.sql.types import (
    ByteType, DataType, DateType, DoubleType, FloatType, LongType, ShortType, StringType,
    TimestampNTZType, TimestampType,
)

_BYPASS = 'If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error.'


def type_name(data_type: DataType) -> str:
    """``"BIGINT"``: a type as Spark's error messages quote it."""
    return data_type.simpleString().upper()


def sql_value(value: Any, data_type: DataType) -> str:
    """A value as Spark's error messages print it (``3000000000L``, ``'abc'``, ``1.0E10D``)."""
    if isinstance(data_type, StringType):
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(data_type, LongType):
        return f"{value}L"
    if isinstance(data_type, ShortType):
        return f"{value}S"
    if isinstance(data_type, ByteType):
        return f"{value}Y"
    if isinstance(data_type, DoubleType):
        return java_double_str(float(value)) + "D"
    if isinstance(data_type, FloatType):
        return java_double_str(float(value)) + "F"
    if isinstance(data_type, DateType):
        return f"DATE '{value}'"
    if isinstance(data_type, (TimestampType, TimestampNTZType)):
        return f"TIMESTAMP '{value}'"
    return str(value)


def divide_by_zero() -> ArithmeticException:
    return ArithmeticException(
        "DIVIDE_BY_ZERO", "Division by zero. Use `try_divide` to tolerate divisor being 0 and "
        f"return NULL instead. {_BYPASS}", {"config": '"spark.sql.ansi.enabled"'}, "22012")


def remainder_by_zero() -> ArithmeticException:
    return ArithmeticException(
        "REMAINDER_BY_ZERO", "Remainder by zero. Use `try_mod` to tolerate divisor being 0 and "
        f"return NULL instead. {_BYPASS}", {"config": '"spark.sql.ansi.enabled"'}, "22012")


def arithmetic_overflow(try_function: str | None = None) -> ArithmeticException:
    hint = (f" Use '{try_function}' to tolerate overflow and return NULL instead."
            if try_function else "")
    return ArithmeticException("ARITHMETIC_OVERFLOW", f"overflow.{hint} {_BYPASS}",
                               {"message": "overflow", "alternative": hint.strip(),
                                "config": '"spark.sql.ansi.enabled"'}, "22003")


def cast_invalid_input(value: Any, source: DataType, target: DataType) -> Exception:
    message = (f"The value {sql_value(value, source)} of the type \"{type_name(source)}\" cannot "
               f"be cast to \"{type_name(target)}\" because it is malformed. Correct the value "
               "as per the syntax, or change its target type. Use `try_cast` to tolerate "
               "malformed input and return NULL instead.")
    params = {"expression": sql_value(value, source), "sourceType": f'"{type_name(source)}"',
              "targetType": f'"{type_name(target)}"', "ansiConfig": '"spark.sql.ansi.enabled"'}
    if isinstance(target, (DateType, TimestampType, TimestampNTZType)):
        return DateTimeException("CAST_INVALID_INPUT", message, params, "22018")
    if target.simpleString() == "boolean":
        return SparkRuntimeException("CAST_INVALID_INPUT", message, params, "22018")
    return NumberFormatException("CAST_INVALID_INPUT", message, params, "22018")


def cast_overflow(value: Any, source: DataType, target: DataType) -> ArithmeticException:
    message = (f"The value {sql_value(value, source)} of the type \"{type_name(source)}\" cannot "
               f"be cast to \"{type_name(target)}\" due to an overflow. Use `try_cast` to "
               "tolerate overflow and return NULL instead.")
    return ArithmeticException("CAST_OVERFLOW", message,
                               {"value": sql_value(value, source),
                                "sourceType": f'"{type_name(source)}"',
                                "targetType": f'"{type_name(target)}"'}, "22003")


def numeric_out_of_range(value: Any, target: DataType) -> ArithmeticException:
    message = (f"The {value} rounded half up from {value} cannot be represented as "
               f"{type_name(target)}. {_BYPASS}")
    return ArithmeticException("NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION", message,
                               {"value": str(value)}, "22003")
