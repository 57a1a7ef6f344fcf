"""Spark's ANSI type coercion: which common type two operands meet at.

Spark 4 runs with ``spark.sql.ansi.enabled=true``, whose rules differ from the
legacy ones in ways users see: a string meets a number as ``BIGINT`` (so
``'1.5' = 1`` raises CAST_INVALID_INPUT), an integer meets a float as
``DOUBLE``, and a boolean never meets a number.

>>> wider_type(IntegerType(), LongType()), wider_type(IntegerType(), FloatType())
(LongType(), DoubleType())
>>> common_type([IntegerType(), StringType()]), common_type([NullType(), StringType()])
(LongType(), StringType())
"""
from __future__ import annotations

from typing import Sequence

from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, DataType, DateType, DecimalType, DoubleType,
    FloatType, IntegerType, LongType, MapType, NullType, ShortType, StringType, StructField, StructType,
    TimestampNTZType, TimestampType,
)

_INTEGRAL_ORDER = (ByteType, ShortType, IntegerType, LongType)
#: The decimal that holds every value of an integral type.
_INTEGRAL_DECIMAL = {ByteType: 3, ShortType: 5, IntegerType: 10, LongType: 20}
MAX_PRECISION = 38


def is_integral(t: DataType) -> bool:
    return isinstance(t, _INTEGRAL_ORDER)


def is_fractional(t: DataType) -> bool:
    return isinstance(t, (FloatType, DoubleType, DecimalType))


def is_numeric(t: DataType) -> bool:
    return is_integral(t) or is_fractional(t)


def is_string(t: DataType) -> bool:
    return isinstance(t, StringType)


def is_datetime(t: DataType) -> bool:
    return isinstance(t, (DateType, TimestampType, TimestampNTZType))


def is_atomic(t: DataType) -> bool:
    return not isinstance(t, (ArrayType, MapType, StructType))


def integral_as_decimal(t: DataType) -> DecimalType:
    """The decimal type holding every value of an integral type (int: decimal(10,0))."""
    return DecimalType(_INTEGRAL_DECIMAL[type(t)], 0)


def bounded_decimal(precision: int, scale: int) -> DecimalType:
    """Spark's precision-loss adjustment: keep the integral digits, cut the scale to >= 6."""
    if precision <= MAX_PRECISION:
        return DecimalType(precision, scale)
    integral_digits = precision - scale
    min_scale = min(scale, 6)
    return DecimalType(MAX_PRECISION, max(MAX_PRECISION - integral_digits, min_scale))


def _wider_decimal(a: DecimalType, b: DecimalType) -> DecimalType:
    scale = max(a.scale, b.scale)
    digits = max(a.precision - a.scale, b.precision - b.scale)
    return DecimalType(min(MAX_PRECISION, digits + scale), scale)


def wider_numeric(a: DataType, b: DataType) -> DataType:
    """The numeric type both numeric operands widen to."""
    if a == b:
        return a
    if isinstance(a, DoubleType) or isinstance(b, DoubleType):
        return DoubleType()
    if isinstance(a, FloatType) or isinstance(b, FloatType):
        both = isinstance(a, FloatType) and isinstance(b, FloatType)
        return FloatType() if both else DoubleType()
    if isinstance(a, DecimalType) or isinstance(b, DecimalType):
        da = a if isinstance(a, DecimalType) else integral_as_decimal(a)
        db = b if isinstance(b, DecimalType) else integral_as_decimal(b)
        return _wider_decimal(da, db)
    rank = max(_INTEGRAL_ORDER.index(type(a)), _INTEGRAL_ORDER.index(type(b)))
    return _INTEGRAL_ORDER[rank]()


def _string_meets(other: DataType) -> DataType | None:
    """What a string becomes next to ``other`` (ANSI implicit cast)."""
    if is_integral(other):
        return LongType()
    if isinstance(other, (FloatType, DoubleType)):
        return DoubleType()
    if isinstance(other, DecimalType):
        return DoubleType()
    if isinstance(other, (DateType, TimestampType, TimestampNTZType, BooleanType, BinaryType,
                          StringType)):
        return other
    return None


def wider_type(a: DataType, b: DataType) -> DataType | None:
    """The type two values meet at (comparison, coalesce, CASE, union), or None."""
    if a == b:
        return a
    if isinstance(a, NullType):
        return b
    if isinstance(b, NullType):
        return a
    if is_numeric(a) and is_numeric(b):
        return wider_numeric(a, b)
    if is_string(a):
        return _string_meets(b)
    if is_string(b):
        return wider_type(b, a)
    if {type(a), type(b)} <= {DateType, TimestampType, TimestampNTZType}:
        return TimestampType() if TimestampType in (type(a), type(b)) else TimestampNTZType()
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        element = wider_type(a.elementType, b.elementType)
        return None if element is None else ArrayType(element, a.containsNull or b.containsNull)
    if isinstance(a, MapType) and isinstance(b, MapType):
        key, value = wider_type(a.keyType, b.keyType), wider_type(a.valueType, b.valueType)
        return None if key is None or value is None else MapType(
            key, value, a.valueContainsNull or b.valueContainsNull)
    if isinstance(a, StructType) and isinstance(b, StructType) and len(a) == len(b):
        fields = []
        for fa, fb in zip(a.fields, b.fields):
            t = wider_type(fa.dataType, fb.dataType)
            if t is None or fa.name.lower() != fb.name.lower():
                return None
            fields.append(StructField(fa.name, t, fa.nullable or fb.nullable))
        return StructType(fields)
    return None


def common_type(types: Sequence[DataType]) -> DataType | None:
    """The type all ``types`` meet at, or None if some pair cannot meet.

    A string among numbers is read as a number (ANSI): ``coalesce(1, 'a')`` is BIGINT.
    """
    result: DataType = NullType()
    for t in types:
        met = wider_type(result, t)
        if met is None:
            return None
        result = met
    return result


def can_cast(source: DataType, target: DataType) -> bool:
    """Whether ``CAST(source AS target)`` is allowed at all (values may still fail)."""
    if source == target or isinstance(source, NullType):
        return True
    if is_string(target):
        return True
    if is_string(source):
        return is_atomic(target)
    if is_numeric(source):
        return is_numeric(target) or isinstance(target, (BooleanType, TimestampType))
    if isinstance(source, BooleanType):
        return is_numeric(target)
    if is_datetime(source):
        return is_datetime(target) or (isinstance(source, TimestampType) and is_numeric(target))
    if isinstance(source, BinaryType):
        return False
    if isinstance(source, ArrayType) and isinstance(target, ArrayType):
        return can_cast(source.elementType, target.elementType)
    if isinstance(source, MapType) and isinstance(target, MapType):
        return can_cast(source.keyType, target.keyType) and can_cast(source.valueType,
                                                                     target.valueType)
    if isinstance(source, StructType) and isinstance(target, StructType):
        return len(source) == len(target) and all(
            can_cast(a.dataType, b.dataType) for a, b in zip(source.fields, target.fields))
    return False
