"""Turning columns of text into typed Arrow columns, and finding the values that do not fit.

Shared by the CSV reader (every field is text) and schema inference.  Each
conversion runs on the whole column with Arrow kernels; only when a column
holds a bad value does it fall back to converting value by value, to find
which rows are malformed (Spark's PERMISSIVE / DROPMALFORMED / FAILFAST).
"""
from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.sources.datetimes import parse_temporal
from minispark.sql.types import (
    BooleanType, ByteType, CharType, DataType, DateType, DecimalType, DoubleType, FloatType,
    IntegerType, LongType, ShortType, StringType, TimestampNTZType, TimestampType, VarcharType,
    to_arrow_type,
)

#: Types a text field can be read as.
TEXT_TYPES = (StringType, CharType, VarcharType, BooleanType, ByteType, ShortType, IntegerType,
              LongType, FloatType, DoubleType, DecimalType, DateType, TimestampType,
              TimestampNTZType)


@dataclass(frozen=True)
class TextFormats:
    """How dates and timestamps are spelled, and the session time zone."""

    date_format: Optional[str] = None
    timestamp_format: Optional[str] = None
    timestamp_ntz_format: Optional[str] = None
    time_zone: str = "UTC"


def convert_text(strings: pa.Array, data_type: DataType,
                 formats: TextFormats) -> tuple[pa.Array, np.ndarray]:
    """``(typed column, bad-row mask)``: bad values become null and are flagged.

    Empty text is null for every type but strings (as Spark's CSV reader).

    >>> typed, bad = convert_text(pa.array(["1", "x", "", None]), IntegerType(), TextFormats())
    >>> typed.to_pylist(), bad.tolist()
    ([1, None, None, None], [False, True, False, False])
    """
    if isinstance(data_type, (StringType, CharType, VarcharType)):
        return strings, np.zeros(len(strings), dtype=bool)
    cleaned = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    try:
        return _convert(cleaned, data_type, formats), np.zeros(len(strings), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return _convert_each(cleaned, data_type, formats)


def _convert(strings: pa.Array, data_type: DataType, formats: TextFormats) -> pa.Array:
    """The whole column at once; raises ``pa.ArrowInvalid`` if any value is bad."""
    target = to_arrow_type(data_type)
    if isinstance(data_type, BooleanType):
        lowered = pc.utf8_lower(strings)
        if not pc.all(pc.is_in(lowered, pa.array(["true", "false"])), skip_nulls=True).as_py():
            raise pa.ArrowInvalid("not a boolean")
        return pc.equal(lowered, "true")
    if isinstance(data_type, DateType):
        return parse_temporal(strings, data_type, formats.date_format, formats.time_zone)
    if isinstance(data_type, TimestampType):
        return parse_temporal(strings, data_type, formats.timestamp_format, formats.time_zone)
    if isinstance(data_type, TimestampNTZType):
        return parse_temporal(strings, data_type, formats.timestamp_ntz_format, formats.time_zone)
    return pc.cast(strings, target)


def _convert_each(strings: pa.Array, data_type: DataType,
                  formats: TextFormats) -> tuple[pa.Array, np.ndarray]:
    """Value by value, to null and flag exactly the bad ones (only for columns that have some)."""
    values, bad = [], np.zeros(len(strings), dtype=bool)
    rounding = _decimal_rounder(data_type) if isinstance(data_type, DecimalType) else None
    for i, text in enumerate(strings.to_pylist()):
        if text is None:
            values.append(None)
            continue
        try:
            if rounding is not None:
                values.append(rounding(text))
            else:
                values.append(_convert(pa.array([text], pa.string()), data_type, formats)[0].as_py())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError,
                decimal.InvalidOperation):
            values.append(None)
            bad[i] = True
    return pa.array(values, to_arrow_type(data_type)), bad


def _decimal_rounder(data_type: DecimalType):  # type: ignore[no-untyped-def]
    quantum = decimal.Decimal(1).scaleb(-data_type.scale)
    limit = decimal.Decimal(10) ** (data_type.precision - data_type.scale)
    context = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_UP)

    def round_half_up(text: str) -> decimal.Decimal:
        value = decimal.Decimal(text.strip()).quantize(quantum, context=context)
        if not value.is_finite() or abs(value) >= limit:
            raise ValueError(f"{text} does not fit {data_type.simpleString()}")
        return value

    return round_half_up


_SAMPLE = 1000
_INFERENCE_ORDER: list[DataType] = [IntegerType(), LongType(), DoubleType(), DateType(),
                                    TimestampType(), BooleanType()]


def infer_text_type(strings: pa.Array, formats: TextFormats) -> DataType:
    """The narrowest type every value of a text column reads as (Spark's CSV inference).

    >>> infer_text_type(pa.array(["1", "", "20000000000"]), TextFormats())
    LongType()
    >>> infer_text_type(pa.array(["1", "2020-01-01"]), TextFormats())
    StringType()
    """
    cleaned = pc.drop_null(pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings))
    if len(cleaned) == 0:
        return StringType()
    sample = cleaned.slice(0, _SAMPLE)
    for candidate in _INFERENCE_ORDER:
        if isinstance(candidate, DateType) and not _looks_like_dates(cleaned, formats):
            continue
        # A failed cast over a whole column is slow: rule most types out on a sample first.
        if _fits(sample, candidate, formats) and (
                len(cleaned) <= _SAMPLE or _fits(cleaned, candidate, formats)):
            return candidate
    return StringType()


def _fits(strings: pa.Array, data_type: DataType, formats: TextFormats) -> bool:
    try:
        _convert(strings, data_type, formats)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return False
    return True


def _looks_like_dates(strings: pa.Array, formats: TextFormats) -> bool:
    """A date column's values have no time part (ISO dates cast to timestamps too)."""
    if formats.date_format is not None:
        return True
    return bool(pc.all(pc.match_substring_regex(strings, r"^\d{4}-\d{1,2}-\d{1,2}$")).as_py())
