"""Dates and timestamps: current_date, to_date, date_format, year ... date_add, datediff,
add_months, trunc, unix_timestamp, from_unixtime.

Timestamps are UTC instants; fields and formats read them as wall-clock time in
the session time zone (kernels flagged ``timezone=True`` get it as ``tz``).
Spark's datetime patterns (``yyyy-MM-dd HH:mm:ss``) go through the sources'
pattern translation.
"""
from __future__ import annotations

import calendar
import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import DateTimeException
from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.execution.kernels import length_of, to_array
from minispark.sql.types import (
    DateType, DoubleType, IntegerType, LongType, StringType, TimestampType,
)

_DEFAULT_TS_FORMAT = "yyyy-MM-dd HH:mm:ss"


def _local(values: Any, tz: str) -> Any:
    """Timestamps as wall-clock times of the session zone (dates pass through)."""
    if pa.types.is_timestamp(values.type) and values.type.tz is not None:
        return pc.local_timestamp(values.cast(pa.timestamp("us", tz=tz)))
    return values


@scalar("current_date", [], DateType(), timezone=True, aliases=("curdate",))
def current_date(tz: str = "UTC") -> Any:
    from zoneinfo import ZoneInfo

    return pa.scalar(datetime.datetime.now(ZoneInfo(tz)).date(), pa.date32())


@scalar("current_timestamp", [], TimestampType(), aliases=("now", "localtimestamp"))
def current_timestamp() -> Any:
    return pa.scalar(datetime.datetime.now(datetime.timezone.utc), pa.timestamp("us", tz="UTC"))


def _parse_error(values: Any, pattern: str | None) -> DateTimeException:
    return DateTimeException(
        "CANNOT_PARSE_TIMESTAMP",
        f"Text {values!r} could not be parsed" + (f" with pattern '{pattern}'" if pattern else "")
        + ". Use `try_to_timestamp` to tolerate invalid input string and return NULL instead.",
        {}, "22007")


def _parse(values: Any, target: Any, pattern: Any, tz: str) -> Any:
    from minispark.sql.sources.datetimes import parse_temporal

    text = None if pattern is None else literal(pattern)
    n = length_of(values)
    array = to_array(values, 1 if n is None else n)
    try:
        out = parse_temporal(pc.utf8_trim_whitespace(array), target, text, tz)
    except (pa.ArrowInvalid, ValueError):
        bad = next((v for v in array.to_pylist() if v is not None and _fails(v, target, text,
                                                                             tz)), None)
        raise _parse_error(bad, text) from None
    return out[0] if n is None else out


def _fails(value: str, target: Any, pattern: str | None, tz: str) -> bool:
    from minispark.sql.sources.datetimes import parse_temporal

    try:
        parse_temporal(pa.array([value.strip()]), target, pattern, tz)
        return False
    except (pa.ArrowInvalid, ValueError):
        return True


@scalar("to_date", ["any", "string"], DateType(), min_args=1, timezone=True)
def to_date(values: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _parse(values, DateType(), pattern, tz)
    if pa.types.is_timestamp(values.type):
        local = _local(values, tz)
        return pc.cast(pc.floor_temporal(local, unit="day"), pa.date32())
    return values


@scalar("to_timestamp", ["any", "string"], TimestampType(), min_args=1, timezone=True)
def to_timestamp(values: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _parse(values, TimestampType(), pattern, tz)
    if pa.types.is_date(values.type):
        from minispark.sql.execution.cast import cast

        return cast(values, DateType(), TimestampType(), tz=tz)
    return values


@scalar("date_format", ["any", "string"], StringType(), timezone=True)
def date_format(values: Any, pattern: Any, tz: str = "UTC") -> Any:
    from minispark.sql.sources.datetimes import to_strftime

    text = literal(pattern)
    if text is Ellipsis:
        raise NotImplementedError("date_format with a pattern that is not a constant")
    local = _local(values, tz)
    if pa.types.is_timestamp(local.type):
        local = local.cast(pa.timestamp("s"), safe=False)
    return pc.strftime(local, format=to_strftime(text))


def _field(name: str, kernel: Any, aliases: tuple[str, ...] = ()) -> None:
    @scalar(name, ["any"], IntegerType(), timezone=True, aliases=aliases)
    def run(values: Any, tz: str = "UTC") -> Any:
        if pa.types.is_string(values.type):
            values = _parse(values, TimestampType(), None, tz)
        return pc.cast(kernel(_local(values, tz)), pa.int32())


_field("year", pc.year)
_field("month", pc.month)
_field("dayofmonth", pc.day, aliases=("day",))
_field("dayofyear", pc.day_of_year)
_field("quarter", pc.quarter)
_field("hour", pc.hour)
_field("minute", pc.minute)
_field("second", pc.second)
_field("weekofyear", pc.iso_week)
_field("dayofweek", lambda v: pc.day_of_week(v, count_from_zero=False, week_start=7))
_field("weekday", lambda v: pc.day_of_week(v, count_from_zero=True, week_start=1))


def _days(values: Any) -> Any:
    return pc.cast(values, pa.int32()) if pa.types.is_date32(values.type) else values


def _from_days(values: Any) -> Any:
    return pc.cast(pc.cast(values, pa.int32()), pa.date32())


@scalar("date_add", ["date", "int"], DateType(), aliases=("dateadd",))
def date_add(start: Any, days: Any) -> Any:
    return _from_days(pc.add(_days(start), pc.cast(days, pa.int32())))


@scalar("date_sub", ["date", "int"], DateType())
def date_sub(start: Any, days: Any) -> Any:
    return _from_days(pc.subtract(_days(start), pc.cast(days, pa.int32())))


@scalar("datediff", ["date", "date"], IntegerType(), aliases=("date_diff",))
def datediff(end: Any, start: Any) -> Any:
    return pc.subtract(_days(end), _days(start))


def _add_months(day: datetime.date, months: int) -> datetime.date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


@scalar("add_months", ["date", "int"], DateType())
def add_months(start: Any, months: Any) -> Any:
    return rowwise(_add_months, pa.date32(), start, months)


@scalar("last_day", ["date"], DateType())
def last_day(start: Any) -> Any:
    return rowwise(lambda d: d.replace(day=calendar.monthrange(d.year, d.month)[1]),
                   pa.date32(), start)


def _months_between(a: Any, b: Any, round_off: bool) -> float:
    a = a if isinstance(a, datetime.datetime) else datetime.datetime(a.year, a.month, a.day)
    b = b if isinstance(b, datetime.datetime) else datetime.datetime(b.year, b.month, b.day)
    months = (a.year - b.year) * 12 + a.month - b.month
    last_a = a.day == calendar.monthrange(a.year, a.month)[1]
    last_b = b.day == calendar.monthrange(b.year, b.month)[1]
    if a.day == b.day or (last_a and last_b):
        value = float(months)
    else:
        seconds = ((a.day - b.day) * 86400 + (a.hour - b.hour) * 3600
                   + (a.minute - b.minute) * 60 + (a.second - b.second))
        value = months + seconds / (31 * 86400)
    return round(value, 8) if round_off else value


@scalar("months_between", ["timestamp", "timestamp", "boolean"], DoubleType(), min_args=2,
        timezone=True)
def months_between(end: Any, start: Any, round_off: Any = None, tz: str = "UTC") -> Any:
    flag = True if round_off is None else literal(round_off)
    return rowwise(lambda a, b: _months_between(a, b, bool(flag)), pa.float64(),
                   _local(end, tz), _local(start, tz))


_TRUNC_UNITS = {"year": "year", "yyyy": "year", "yy": "year", "quarter": "quarter",
                "month": "month", "mon": "month", "mm": "month", "week": "week",
                "day": "day", "dd": "day", "hour": "hour", "minute": "minute",
                "second": "second"}


def _unit(fmt: Any) -> str | None:
    text = literal(fmt)
    if text is Ellipsis:
        raise NotImplementedError("trunc/date_trunc with a unit that is not a constant")
    return None if text is None else _TRUNC_UNITS.get(str(text).lower())


@scalar("trunc", ["date", "string"], DateType())
def trunc(values: Any, fmt: Any) -> Any:
    unit = _unit(fmt)
    if unit not in ("year", "quarter", "month", "week"):
        return pa.nulls(len(values), pa.date32()) if not isinstance(values, pa.Scalar) else \
            pa.scalar(None, pa.date32())
    return pc.floor_temporal(values, unit=unit, week_starts_monday=True)


@scalar("date_trunc", ["string", "timestamp"], TimestampType(), timezone=True)
def date_trunc(fmt: Any, values: Any, tz: str = "UTC") -> Any:
    unit = _unit(fmt)
    if unit is None:
        return pc.cast(pa.scalar(None), values.type)
    local = _local(values, tz)
    floored = pc.floor_temporal(local, unit=unit, week_starts_monday=True)
    from minispark.sql.execution.cast import _from_local

    return _from_local(floored, tz) if values.type.tz is not None else floored


@scalar("unix_timestamp", ["any", "string"], LongType(), min_args=0, timezone=True)
def unix_timestamp(values: Any = None, pattern: Any = None, tz: str = "UTC") -> Any:
    if values is None:
        now = datetime.datetime.now(datetime.timezone.utc)
        return pa.scalar(int(now.timestamp()), pa.int64())
    if pa.types.is_string(values.type):
        text = _DEFAULT_TS_FORMAT if pattern is None else pattern
        values = _parse(values, TimestampType(), text, tz)
    elif pa.types.is_date(values.type):
        values = to_timestamp(values, None, tz)
    micros = pc.cast(values.cast(pa.timestamp("us", tz="UTC")), pa.int64())
    return pc.cast(pc.floor(pc.divide(pc.cast(micros, pa.float64()), 1e6)), pa.int64())


@scalar("from_unixtime", ["long", "string"], StringType(), min_args=1, timezone=True)
def from_unixtime(seconds: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    micros = pc.multiply(pc.cast(seconds, pa.int64()), 1_000_000)
    instants = pc.cast(micros, pa.timestamp("us", tz="UTC"))
    fmt = pa.scalar(_DEFAULT_TS_FORMAT) if pattern is None else pattern
    return date_format(instants, fmt, tz)


@scalar("make_date", ["int", "int", "int"], DateType())
def make_date(year: Any, month: Any, day: Any) -> Any:
    def build(y: int, m: int, d: int) -> datetime.date:
        try:
            return datetime.date(y, m, d)
        except ValueError:
            raise DateTimeException("DATETIME_FIELD_OUT_OF_BOUNDS",
                                    f"Invalid date: {y}-{m}-{d}.", {}, "22023") from None
    return rowwise(build, pa.date32(), year, month, day)



def _date_name(name: str, pattern: str) -> None:
    """``monthname``/``dayname``: the English abbreviation of a date's month or weekday."""
    def kernel(d: Any) -> Any:
        return pc.strftime(pc.cast(d, pa.timestamp("s")), format=pattern, locale="C")
    scalar(name, ["date"], StringType())(kernel)


_date_name("monthname", "%b")
_date_name("dayname", "%a")
