"""``CAST`` between Spark types on Arrow arrays, with ANSI errors (or nulls for ``try_cast``).

Most casts are one Arrow kernel; the rest follow Spark where Arrow differs:
strings are trimmed before they become numbers, a fractional number becomes
an integer by truncation with an overflow check, doubles print as Java does
(``1.0E10``), and booleans read Spark's words (``t``, ``yes``, ``1``...).

>>> import pyarrow as pa
>>> from minispark.sql.types import IntegerType
>>> cast(pa.array([" 12 ", None]), StringType(), IntegerType()).to_pylist()
[12, None]
>>> cast(pa.array(["x"]), StringType(), IntegerType(), try_=True).to_pylist()
[None]
"""
from __future__ import annotations

import datetime
import math
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.execution import ansi
from minispark.sql.plan.expressions import java_double_str
from minispark.sql.plan.typecoercion import is_integral, is_numeric
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, DataType, DateType, DecimalType, DoubleType, FloatType,
    MapType, NullType, StringType, StructType, TimestampNTZType, TimestampType, to_arrow_type,
)
from minispark.sql.types import (
    CalendarIntervalType, DayTimeIntervalType, TimeType, YearMonthIntervalType,
)

_INTEGER_TEXT = r"^[+-]?[0-9]+$"
_TRUE_WORDS = ("t", "true", "y", "yes", "1")
_FALSE_WORDS = ("f", "false", "n", "no", "0")
_INT_ORDER = ["tinyint", "smallint", "int", "bigint"]
_INT_BOUNDS = {"tinyint": (-(1 << 7), (1 << 7) - 1), "smallint": (-(1 << 15), (1 << 15) - 1),
               "int": (-(1 << 31), (1 << 31) - 1), "bigint": (-(1 << 63), (1 << 63) - 1)}


def cast(values: Any, source: DataType, target: DataType, try_: bool = False,
         tz: str = "UTC") -> Any:
    """``values`` (an Arrow array or scalar of ``source``) as ``target``."""
    if source == target:
        return values
    if isinstance(values, pa.Scalar):
        out = cast(pa.array([values.as_py()], to_arrow_type(source)), source, target, try_, tz)
        return out[0]
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values.type, pa.DictionaryType):
        values = values.dictionary_decode()
    if isinstance(source, NullType):
        return pa.nulls(len(values), to_arrow_type(target))
    handler = _pick(source, target)
    if handler is None:
        raise TypeError(f"cannot cast {source.simpleString()} to {target.simpleString()}")
    return handler(values, source, target, try_, tz)


def _pick(source: DataType, target: DataType) -> Callable | None:
    if isinstance(target, StringType):
        return _to_string
    if isinstance(source, StringType):
        if is_integral(target):
            return _string_to_integral
        if is_numeric(target):
            return _string_to_fractional
        if isinstance(target, BooleanType):
            return _string_to_boolean
        if isinstance(target, DateType):
            return _string_to_date
        if isinstance(target, (TimestampType, TimestampNTZType)):
            return _string_to_timestamp
        if isinstance(target, TimeType):
            return _string_to_time
        if isinstance(target, BinaryType):
            return lambda v, s, t, try_, tz: pc.cast(v, pa.binary())
        return None
    if is_numeric(source) and is_integral(target):
        return _numeric_to_integral
    if is_numeric(source) and is_numeric(target):
        return _numeric_to_fractional
    if isinstance(source, BooleanType) and is_numeric(target):
        return lambda v, s, t, try_, tz: pc.cast(pc.cast(v, pa.int8()), to_arrow_type(t))
    if is_numeric(source) and isinstance(target, BooleanType):
        return lambda v, s, t, try_, tz: pc.not_equal(v, pa.scalar(0, v.type))
    if isinstance(source, (DateType, TimestampType, TimestampNTZType)) and isinstance(
            target, (DateType, TimestampType, TimestampNTZType)):
        return _datetime_to_datetime
    if isinstance(source, TimestampType) and is_numeric(target):
        return _timestamp_to_number
    if isinstance(source, ArrayType) and isinstance(target, ArrayType):
        return _array_to_array
    if isinstance(source, StructType) and isinstance(target, StructType):
        return _struct_to_struct
    if isinstance(source, MapType) and isinstance(target, MapType):
        return _map_to_map
    return None


# ---- to string ------------------------------------------------------------------------------


def _to_string(values: pa.Array, source: DataType, target: DataType, try_: bool,
               tz: str) -> pa.Array:
    if isinstance(source, (DoubleType, FloatType)):
        return _java_floats(values, source)
    if isinstance(source, TimestampType):
        local = pc.local_timestamp(values) if tz == "UTC" else _to_local(values, tz)
        return _timestamp_text(local)
    if isinstance(source, TimestampNTZType):
        return _timestamp_text(values)
    if isinstance(source, BinaryType):  # Spark reads the bytes as UTF-8 text
        return pa.array([None if v is None else v.decode("utf-8", "replace")
                         for v in values.to_pylist()], pa.string())
    if isinstance(source, (ArrayType, MapType, StructType, DayTimeIntervalType,
                           YearMonthIntervalType, CalendarIntervalType, TimeType)):
        from minispark.sql.execution.formatting import format_value

        return pa.array([None if v is None else format_value(v, source, nested=False)
                         for v in values.to_pylist()], pa.string())
    return pc.cast(values, pa.string())


def _java_floats(values: pa.Array, source: DataType) -> pa.Array:
    floats = values.to_numpy(zero_copy_only=False)
    if isinstance(source, FloatType):
        texts = [None if v is None else _float32_str(v) for v in values.to_pylist()]
    else:
        valid = values.is_valid().to_numpy(zero_copy_only=False)
        texts = [java_double_str(float(x)) if ok else None for x, ok in zip(floats, valid)]
    return pa.array(texts, pa.string())


def _float32_str(value: float) -> str:
    """A float32 as Java's ``Float.toString``: its shortest float32 digits."""
    if math.isnan(value) or math.isinf(value):
        return java_double_str(value)
    return java_double_str(float(np.format_float_positional(np.float32(value), unique=True,
                                                          trim="-")))


def _to_local(values: pa.Array, tz: str) -> pa.Array:
    """UTC instants as wall-clock times in ``tz`` (still typed without a zone)."""
    return pc.local_timestamp(pc.cast(values, pa.timestamp("us", tz=tz)))


def _timestamp_text(local: pa.Array) -> pa.Array:
    """``yyyy-MM-dd HH:mm:ss[.ffffff]`` with trailing zeros of the fraction dropped."""
    seconds = pc.cast(pc.floor_temporal(local, unit="second"), pa.timestamp("s"), safe=False)
    whole = pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S")
    micros = pc.cast(pc.cast(local, pa.int64()), pa.int64())
    frac = pc.subtract(micros, pc.multiply(pc.divide(micros, 1_000_000), 1_000_000))
    frac = pc.if_else(pc.less(frac, 0), pc.add(frac, 1_000_000), frac)
    digits = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(frac, pa.string()), 6, "0"), "0")
    suffix = pc.if_else(pc.equal(frac, 0), "", pc.binary_join_element_wise(".", digits, ""))
    return pc.binary_join_element_wise(whole, suffix, "")


# ---- from string ----------------------------------------------------------------------------


def _any_false(ok: pa.Array) -> bool:
    """Whether some value failed a check (nulls pass; an empty batch has no failures)."""
    return bool(pc.any(pc.invert(pc.fill_null(ok, True))).as_py())


def _first_bad(values: pa.Array, ok: pa.Array) -> Any:
    """The first non-null value whose ``ok`` is false (for an error message)."""
    bad = pc.and_(pc.is_valid(values), pc.invert(pc.fill_null(ok, True)))
    index = pc.index(bad, True).as_py()
    return values[index].as_py() if index >= 0 else None


def _string_to_integral(values: pa.Array, source: DataType, target: DataType, try_: bool,
                        tz: str) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(values)
    ok = pc.match_substring_regex(trimmed, _INTEGER_TEXT)
    if not try_ and _any_false(ok):
        raise ansi.cast_invalid_input(_first_bad(values, ok), source, target)
    wide = pc.cast(pc.if_else(ok, trimmed, None), pa.decimal128(38, 0))
    return _checked_integral(wide, values, source, target, try_)


def _checked_integral(wide: pa.Array, original: pa.Array, source: DataType, target: DataType,
                      try_: bool) -> pa.Array:
    low, high = _INT_BOUNDS[target.simpleString()]
    fits = pc.and_(pc.greater_equal(wide, pa.scalar(low, wide.type)),
                   pc.less_equal(wide, pa.scalar(high, wide.type)))
    if _any_false(fits):
        if not try_:
            bad = _first_bad(original, fits)
            if isinstance(source, StringType):
                raise ansi.cast_invalid_input(bad, source, target)
            raise ansi.cast_overflow(bad, source, target)
        wide = pc.if_else(fits, wide, None)
    return pc.cast(wide, to_arrow_type(target), safe=False)


def _string_to_fractional(values: pa.Array, source: DataType, target: DataType, try_: bool,
                          tz: str) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(values)
    arrow_target = to_arrow_type(target)
    try:
        return pc.cast(trimmed, arrow_target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    parsed = [_parse_fraction(v, target) for v in trimmed.to_pylist()]
    if not try_:
        for original, value in zip(values.to_pylist(), parsed):
            if original is not None and value is None:
                raise ansi.cast_invalid_input(original, source, target)
    return pa.array(parsed, arrow_target)


def _parse_fraction(text: str | None, target: DataType) -> Any:
    if text is None:
        return None
    import decimal

    try:
        if isinstance(target, DecimalType):
            value = decimal.Decimal(text)
            return value.quantize(decimal.Decimal(1).scaleb(-target.scale),
                                  rounding=decimal.ROUND_HALF_UP)
        return float(text.lower().replace("infinity", "inf"))
    except (ValueError, ArithmeticError):
        return None


def _string_to_boolean(values: pa.Array, source: DataType, target: DataType, try_: bool,
                       tz: str) -> pa.Array:
    words = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    is_true = pc.is_in(words, pa.array(_TRUE_WORDS))
    is_false = pc.is_in(words, pa.array(_FALSE_WORDS))
    ok = pc.or_(is_true, is_false)
    if not try_ and _any_false(ok):
        raise ansi.cast_invalid_input(_first_bad(values, ok), source, target)
    return pc.if_else(ok, is_true, None)


def _string_to_date(values: pa.Array, source: DataType, target: DataType, try_: bool,
                    tz: str) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(values)
    try:
        return pc.cast(trimmed, pa.date32())
    except pa.ArrowInvalid:
        pass
    parsed = [_parse_date(v) for v in trimmed.to_pylist()]
    if not try_:
        for original, value in zip(values.to_pylist(), parsed):
            if original is not None and value is None:
                raise ansi.cast_invalid_input(original, source, target)
    return pa.array(parsed, pa.date32())


def _string_to_time(values: pa.Array, source: DataType, target: DataType, try_: bool,
                    tz: str) -> pa.Array:
    """``HH:mm[:ss[.f]]`` as times of day (Arrow has no string-to-time cast)."""
    out = []
    for text in pc.utf8_trim_whitespace(values).to_pylist():
        try:
            out.append(None if text is None else datetime.time.fromisoformat(text))
        except ValueError:
            if not try_:
                raise ansi.cast_invalid_input(text, source, target) from None
            out.append(None)
    return pa.array(out, pa.time64("us"))


def _parse_date(text: str | None) -> datetime.date | None:
    """Spark's date strings: ``yyyy``, ``yyyy-[m]m``, ``yyyy-[m]m-[d]d`` and a time after."""
    if text is None:
        return None
    head = text.split("T")[0].split(" ")[0]
    parts = head.split("-")
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) > 3 or not parts[0].isdigit() or len(parts[0]) < 4:
            return None
        year, month, day = (numbers + [1, 1])[:3]
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _string_to_timestamp(values: pa.Array, source: DataType, target: DataType, try_: bool,
                         tz: str) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(values)
    try:
        naive = pc.cast(trimmed, pa.timestamp("us"))
    except pa.ArrowInvalid:
        parsed = [_parse_timestamp(v) for v in trimmed.to_pylist()]
        if not try_:
            for original, value in zip(values.to_pylist(), parsed):
                if original is not None and value is None:
                    raise ansi.cast_invalid_input(original, source, target)
        naive = pa.array(parsed, pa.timestamp("us"))
    if isinstance(target, TimestampNTZType):
        return naive
    return _from_local(naive, tz)


def _parse_timestamp(text: str | None) -> datetime.datetime | None:
    if text is None:
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S",
                    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    day = _parse_date(text)
    return None if day is None or len(text.split()) > 1 else datetime.datetime(
        day.year, day.month, day.day)


def _from_local(naive: pa.Array, tz: str) -> pa.Array:
    """Wall-clock times in ``tz`` as UTC instants."""
    if tz == "UTC":
        return pc.cast(naive, pa.timestamp("us", tz="UTC"))
    zoned = pc.assume_timezone(naive, timezone=tz, ambiguous="earliest",
                               nonexistent="earliest")
    return pc.cast(zoned, pa.timestamp("us", tz="UTC"))


# ---- numbers ------------------------------------------------------------------------------


def _numeric_to_integral(values: pa.Array, source: DataType, target: DataType, try_: bool,
                         tz: str) -> pa.Array:
    if is_integral(source):
        if _INT_ORDER.index(source.simpleString()) <= _INT_ORDER.index(target.simpleString()):
            return pc.cast(values, to_arrow_type(target))
        wide = pc.cast(values, pa.int64())
        low, high = _INT_BOUNDS[target.simpleString()]
        fits = pc.and_(pc.greater_equal(wide, low), pc.less_equal(wide, high))
        if _any_false(fits):
            if not try_:
                raise ansi.cast_overflow(_first_bad(values, fits), source, target)
            wide = pc.if_else(fits, wide, None)
        return pc.cast(wide, to_arrow_type(target), safe=False)
    if isinstance(source, DecimalType):
        whole = pc.cast(pc.trunc(values) if _has_trunc_for(values) else values,
                        pa.decimal128(38, 0), safe=False)
        return _checked_integral(whole, values, source, target, try_)
    finite = pc.is_finite(values)
    low, high = _INT_BOUNDS[target.simpleString()]
    truncated = pc.trunc(values)
    fits = pc.and_(finite, pc.and_(pc.greater_equal(truncated, float(low)),
                                   pc.less_equal(truncated, float(high))))
    if _any_false(fits):
        if not try_:
            raise ansi.cast_overflow(_first_bad(values, fits), source, target)
        truncated = pc.if_else(fits, truncated, None)
    return pc.cast(truncated, to_arrow_type(target), safe=False)


def _has_trunc_for(values: pa.Array) -> bool:
    try:
        pc.trunc(values.slice(0, 0))
        return True
    except pa.ArrowNotImplementedError:
        return False


def _numeric_to_fractional(values: pa.Array, source: DataType, target: DataType, try_: bool,
                           tz: str) -> pa.Array:
    arrow_target = to_arrow_type(target)
    if not isinstance(target, DecimalType):
        return pc.cast(values, arrow_target, safe=False)
    try:
        if isinstance(source, (FloatType, DoubleType)):
            return pa.array([_parse_fraction(None if v is None else repr(v), target)
                             for v in values.to_pylist()], arrow_target)
        # Arrow refuses integer -> decimal casts narrower than the integer type's widest
        # value (int 1 -> decimal(1,0) in `1 - price`); through decimal(38,0) only the
        # actual values must fit.
        return pc.cast(pc.cast(values, pa.decimal128(38, 0)), arrow_target)
    except (pa.ArrowInvalid, ArithmeticError):
        if try_:
            return pa.array([_decimal_or_none(v, target) for v in values.to_pylist()],
                            arrow_target)
        for v in values.to_pylist():
            if v is not None and _decimal_or_none(v, target) is None:
                raise ansi.numeric_out_of_range(v, target) from None
        raise


def _decimal_or_none(value: Any, target: DecimalType) -> Any:
    import decimal

    if value is None:
        return None
    quantized = decimal.Decimal(str(value)).quantize(decimal.Decimal(1).scaleb(-target.scale),
                                                     rounding=decimal.ROUND_HALF_UP)
    return quantized if len(quantized.as_tuple().digits) <= target.precision else None


# ---- dates and times --------------------------------------------------------------------------


def _datetime_to_datetime(values: pa.Array, source: DataType, target: DataType, try_: bool,
                          tz: str) -> pa.Array:
    if isinstance(source, DateType):
        naive = pc.cast(values, pa.timestamp("us"))
        return naive if isinstance(target, TimestampNTZType) else _from_local(naive, tz)
    local = _to_local(values, tz) if isinstance(source, TimestampType) else values
    if isinstance(target, DateType):
        return pc.cast(pc.floor_temporal(local, unit="day"), pa.date32())
    if isinstance(target, TimestampNTZType):
        return local
    return _from_local(local, tz)


def _timestamp_to_number(values: pa.Array, source: DataType, target: DataType, try_: bool,
                         tz: str) -> pa.Array:
    micros = pc.cast(values, pa.int64())
    if is_integral(target):
        seconds = pc.floor(pc.divide(pc.cast(micros, pa.float64()), 1e6))
        return _numeric_to_integral(seconds, DoubleType(), target, try_, tz)
    return pc.cast(pc.divide(pc.cast(micros, pa.float64()), 1e6), to_arrow_type(target))


# ---- nested ---------------------------------------------------------------------------------


def _array_to_array(values: pa.Array, source: ArrayType, target: ArrayType, try_: bool,
                    tz: str) -> pa.Array:
    inner = cast(values.flatten(), source.elementType, target.elementType, try_, tz)
    offsets = values.offsets
    return pa.ListArray.from_arrays(offsets, inner, mask=values.is_null()) \
        if values.null_count else pa.ListArray.from_arrays(offsets, inner)


def _map_to_map(values: pa.Array, source: MapType, target: MapType, try_: bool,
                tz: str) -> pa.Array:
    """Keys and values cast on their own (``map()``'s MAP<VOID, VOID> is always empty)."""
    keys = cast(values.keys, source.keyType, target.keyType, try_, tz)
    items = cast(values.items, source.valueType, target.valueType, try_, tz)
    offsets = values.offsets.to_numpy(zero_copy_only=False)
    mask = None
    if values.null_count:  # a null offset makes its map null
        mask = np.concatenate([values.is_null().to_numpy(zero_copy_only=False), [False]])
    out = pa.MapArray.from_arrays(pa.array(offsets, pa.int32(), mask=mask), keys, items)
    return out.cast(to_arrow_type(target)) if out.type != to_arrow_type(target) else out


def _struct_to_struct(values: pa.Array, source: StructType, target: StructType, try_: bool,
                      tz: str) -> pa.Array:
    children = [cast(values.field(i), s.dataType, t.dataType, try_, tz)
                for i, (s, t) in enumerate(zip(source.fields, target.fields))]
    mask = values.is_null() if values.null_count else None
    return pa.StructArray.from_arrays(children, names=target.names, mask=mask)
