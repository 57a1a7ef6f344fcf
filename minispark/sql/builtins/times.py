"""Times of day (``TIME``): to_time, make_time, time_diff, time_trunc, time_from_* / time_to_*,
current_time, and time_bucket for timestamps.

Times are ``time64[us]`` (microseconds since midnight); every kernel works on those counts.
"""
from __future__ import annotations

import datetime
import decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import DateTimeException
from minispark.sql.builtins.datetime import _floor_multiple, code_of
from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.execution.kernels import to_array
from minispark.sql.types import DecimalType, LongType, TimestampType, TimeType

_TIME = pa.time64("us")
_MICROS_PER_DAY = 86_400_000_000
_UNIT_MICROS = {"HOUR": 3_600_000_000, "MINUTE": 60_000_000, "SECOND": 1_000_000,
                "MILLISECOND": 1_000, "MICROSECOND": 1}
_FROM_UNITS = {"seconds": 1_000_000, "millis": 1_000, "micros": 1}


def _micros(times: Any) -> Any:
    return pc.cast(times, pa.int64())


def _as_time(micros: Any) -> Any:
    return pc.cast(pc.cast(micros, pa.int64()), _TIME)


def _time_error(text: Any) -> DateTimeException:
    return DateTimeException("CANNOT_PARSE_TIME",
                             f"The input string '{text}' cannot be parsed to a TIME value. Use "
                             "`try_to_time` to tolerate invalid input string and return NULL "
                             "instead.", {}, "22010")


def _parse_one(text: str | None, pattern: str | None) -> datetime.time | None:
    """One time of day, ISO (``HH:mm[:ss[.f]]``) or in Spark's ``pattern``."""
    from minispark.sql.sources.datetimes import to_strftime

    if text is None:
        return None
    if pattern is None:
        return datetime.time.fromisoformat(text.strip())
    return datetime.datetime.strptime(text.strip(), to_strftime(pattern)).time()


def _to_time(try_: bool) -> Any:
    def run(texts: Any, patterns: Any = None) -> Any:
        def one(text: str | None, pattern: str | None) -> datetime.time | None:
            try:
                return _parse_one(text, pattern)
            except ValueError:
                if try_:
                    return None
                raise _time_error(text) from None
        pattern = pa.scalar(None, pa.string()) if patterns is None else patterns
        return rowwise(one, _TIME, texts, pattern, nulls=False)
    return run


scalar("to_time", ["string", "string"], TimeType(), min_args=1)(_to_time(False))
scalar("try_to_time", ["string", "string"], TimeType(), min_args=1,
       always_nullable=True)(_to_time(True))


def _unit_micros(units: Any) -> Any:
    """The microseconds of each unit name (an error for an unknown one)."""
    factors = code_of(units, _UNIT_MICROS)
    names, codes = to_array(units, 1), to_array(factors, 1)
    unknown = pc.and_(pc.is_valid(names), pc.is_null(codes))
    if pc.any(unknown).as_py():
        bad = pc.filter(names, unknown)[0].as_py()
        raise DateTimeException("INVALID_PARAMETER_VALUE.TIME_UNIT",
                                f"The value of parameter(s) `unit` is invalid: '{bad}'.", {},
                                "22023")
    return factors


@scalar("time_diff", ["string", "any", "any"], LongType())
def time_diff(unit: Any, start: Any, end: Any) -> Any:
    # whole units, truncated toward zero as Arrow's integer division does
    return pc.divide(pc.subtract(_micros(end), _micros(start)), _unit_micros(unit))


@scalar("time_trunc", ["string", "any"], TimeType())
def time_trunc(unit: Any, times: Any) -> Any:
    step = _unit_micros(unit)
    micros = _micros(times)
    return _as_time(pc.multiply(pc.divide(micros, step), step))


def _make_time_of_day(hour: int, minute: int, second: Any) -> datetime.time:
    whole = int(second)
    micros = int((decimal.Decimal(second) - whole) * 1_000_000)
    try:
        return datetime.time(hour, minute, whole, micros)
    except ValueError as exc:
        raise DateTimeException("DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION",
                                f"Invalid value for a time field: {exc}.", {}, "22023") from None


@scalar("make_time", ["int", "int", "any"], TimeType())
def make_time(hour: Any, minute: Any, second: Any) -> Any:
    seconds = pc.cast(second, pa.decimal128(16, 6)) if not pa.types.is_decimal(
        second.type) else second
    return rowwise(_make_time_of_day, _TIME, hour, minute, seconds)


def _out_of_day(micros: Any) -> None:
    bad = pc.or_(pc.less(micros, 0), pc.greater_equal(micros, _MICROS_PER_DAY))
    if pc.any(bad).as_py():
        raise DateTimeException("DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION",
                                "The time of day is out of range [00:00:00, 24:00:00).", {},
                                "22023")


def _time_from(unit: str) -> None:
    """``time_from_seconds`` & co.: so many units after midnight."""
    @scalar(f"time_from_{unit}", ["numeric" if unit == "seconds" else "long"], TimeType())
    def run(values: Any) -> Any:
        if pa.types.is_integer(values.type):
            micros = pc.multiply_checked(pc.cast(values, pa.int64()), _FROM_UNITS[unit])
        else:
            micros = pc.cast(pc.round(pc.multiply(pc.cast(values, pa.float64()), 1e6)),
                             pa.int64())
        _out_of_day(micros)
        return _as_time(micros)


def _time_to(unit: str) -> None:
    """``time_to_seconds`` (decimal, with the fraction) & co. (whole units)."""
    result = DecimalType(14, 6) if unit == "seconds" else LongType()

    @scalar(f"time_to_{unit}", ["any"], result)
    def run(times: Any) -> Any:
        micros = _micros(times)
        if unit == "seconds":
            return rowwise(lambda m: decimal.Decimal(m).scaleb(-6), pa.decimal128(14, 6),
                           micros)
        return pc.divide(micros, _FROM_UNITS[unit])


for _unit in _FROM_UNITS:
    _time_from(_unit)
    _time_to(_unit)


@scalar("current_time", ["int"], TimeType(), min_args=0, timezone=True, never_null=True)
def current_time(precision: Any = None, tz: str = "UTC") -> Any:
    from zoneinfo import ZoneInfo

    digits = 6 if precision is None else int(literal(precision))
    now = datetime.datetime.now(ZoneInfo(tz)).time()
    keep = 10 ** (6 - digits)
    return pa.scalar(now.replace(microsecond=now.microsecond // keep * keep), _TIME)


@scalar("time_bucket", ["any", "timestamp", "timestamp"], TimestampType(), min_args=2)
def time_bucket(width: Any, stamps: Any, origin: Any = None) -> Any:
    """The start of the ``width``-long bucket (counted from ``origin``) each instant is in."""
    size = pc.cast(width, pa.int64())
    micros = pc.cast(stamps.cast(pa.timestamp("us", tz="UTC")), pa.int64())
    start = pa.scalar(0, pa.int64()) if origin is None else pc.cast(
        origin.cast(pa.timestamp("us", tz="UTC")), pa.int64())
    floored = _floor_multiple(pc.subtract(micros, start), size)
    return pc.cast(pc.add(floored, start), pa.timestamp("us", tz="UTC"))
