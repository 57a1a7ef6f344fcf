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
import decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import DateTimeException
from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.execution.kernels import length_of, to_array
from minispark.sql.types import (
    DateType, DoubleType, IntegerType, LongType, StringType, TimestampNTZType, TimestampType,
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


@scalar("current_timestamp", [], TimestampType(), aliases=("now",))
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


def _is_text(values: Any) -> bool:
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def _convert(values: Any, target: Any, pattern: Any, tz: str, try_: bool) -> Any:
    """Text (in ``pattern``, or as ``CAST`` reads it), a date or a timestamp as ``target``.

    ``try_`` gives null for text that does not parse instead of an error.
    """
    from minispark.sql.execution.cast import cast
    from minispark.sql.types import from_arrow_type

    if _is_text(values):
        if pattern is None:
            return cast(values, StringType(), target, try_, tz)
        if try_:
            return _tolerant_parse(values, target, pattern, tz)
        return _parse_by_pattern(values, target, pattern, tz)
    source = from_arrow_type(values.type)
    return values if source == target else cast(values, source, target, try_, tz)


def _parse_by_pattern(values: Any, target: Any, pattern: Any, tz: str) -> Any:
    """``_parse`` with a pattern that may differ per row (parsed one distinct pattern at a time)."""
    if isinstance(pattern, pa.Scalar):
        return _parse(values, target, pattern, tz)
    n = length_of(values, pattern)
    texts, patterns = to_array(values, n), to_array(pattern, n)
    out = pa.nulls(n, _arrow(target))
    for each in pc.unique(patterns).to_pylist():
        if each is None:
            continue
        rows = pc.equal(patterns, each)
        parsed = _parse(pc.if_else(rows, texts, pa.scalar(None, texts.type)), target,
                        pa.scalar(each), tz)
        out = pc.if_else(rows, parsed, out)
    return out


def _arrow(target: Any) -> pa.DataType:
    from minispark.sql.types import to_arrow_type

    return to_arrow_type(target)


def _tolerant_parse(values: Any, target: Any, pattern: Any, tz: str) -> Any:
    """Parse, with null for every row that does not (the ``try_to_*`` functions)."""
    try:
        return _parse_by_pattern(values, target, pattern, tz)
    except (DateTimeException, pa.ArrowInvalid, ValueError):
        pass
    n = length_of(values, pattern)
    texts, patterns = to_array(values, 1 if n is None else n), to_array(pattern,
                                                                       1 if n is None else n)
    out = []
    for text, each in zip(texts, patterns):
        try:
            out.append(_parse(text, target, each, tz).as_py())
        except (DateTimeException, pa.ArrowInvalid, ValueError):
            out.append(None)
    array = pa.array(out, _arrow(target))
    return array[0] if n is None else array


@scalar("to_date", ["any", "string"], DateType(), min_args=1, timezone=True)
def to_date(values: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    return _convert(values, DateType(), pattern, tz, False)


@scalar("try_to_date", ["any", "string"], DateType(), min_args=1, timezone=True,
        always_nullable=True)
def try_to_date(values: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    return _convert(values, DateType(), pattern, tz, True)


@scalar("to_timestamp", ["any", "string"], TimestampType(), min_args=1, timezone=True,
        aliases=("to_timestamp_ltz",))
def to_timestamp(values: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    return _convert(values, TimestampType(), pattern, tz, False)


@scalar("try_to_timestamp", ["any", "string"], TimestampType(), min_args=1, timezone=True,
        always_nullable=True)
def try_to_timestamp(values: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    return _convert(values, TimestampType(), pattern, tz, True)


@scalar("to_timestamp_ntz", ["any", "string"], TimestampNTZType(), min_args=1, timezone=True)
def to_timestamp_ntz(values: Any, pattern: Any = None, tz: str = "UTC") -> Any:
    return _convert(values, TimestampNTZType(), pattern, tz, False)


@scalar("date_format", ["any", "string"], StringType(), timezone=True)
def date_format(values: Any, pattern: Any, tz: str = "UTC") -> Any:
    from minispark.sql.sources.datetimes import to_strftime

    text = literal(pattern)
    if text is Ellipsis:
        raise NotImplementedError("date_format with a pattern that is not a constant")
    if _is_text(values):
        values = _convert(values, TimestampType(), None, tz, False)
    local = _local(values, tz)
    if pa.types.is_timestamp(local.type):
        local = local.cast(pa.timestamp("s"), safe=False)
    return pc.strftime(local, format=to_strftime(text))


def _field(name: str, kernel: Any, aliases: tuple[str, ...] = ()) -> None:
    @scalar(name, ["any"], IntegerType(), timezone=True, aliases=aliases)
    def run(values: Any, tz: str = "UTC") -> Any:
        if _is_text(values):
            values = _convert(values, TimestampType(), None, tz, False)
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


@scalar("unix_timestamp", ["any", "string"], LongType(), min_args=0, timezone=True,
        aliases=("to_unix_timestamp",))
def unix_timestamp(values: Any = None, pattern: Any = None, tz: str = "UTC") -> Any:
    if values is None:
        now = datetime.datetime.now(datetime.timezone.utc)
        return pa.scalar(int(now.timestamp()), pa.int64())
    if pa.types.is_string(values.type):
        text = pa.scalar(_DEFAULT_TS_FORMAT) if pattern is None else pattern
        values = _parse_by_pattern(values, TimestampType(), text, tz)
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


# ---- epochs, zones, construction ------------------------------------------------------------

_MICROS = {"seconds": 1_000_000, "millis": 1_000, "micros": 1}


@scalar("current_timezone", [], StringType(), timezone=True, never_null=True)
def current_timezone(tz: str = "UTC") -> Any:
    return pa.scalar(tz)


@scalar("localtimestamp", [], TimestampNTZType(), timezone=True, never_null=True)
def localtimestamp(tz: str = "UTC") -> Any:
    from zoneinfo import ZoneInfo

    return pa.scalar(datetime.datetime.now(ZoneInfo(tz)).replace(tzinfo=None),
                     pa.timestamp("us"))


@scalar("date_from_unix_date", ["int"], DateType())
def date_from_unix_date(days: Any) -> Any:
    return pc.cast(pc.cast(days, pa.int32()), pa.date32())


@scalar("unix_date", ["date"], IntegerType())
def unix_date(values: Any) -> Any:
    return pc.cast(values, pa.int32())


def _epoch_micros(values: Any) -> Any:
    return pc.cast(values.cast(pa.timestamp("us", tz="UTC")), pa.int64())


def _to_epoch(unit: str) -> None:
    """``unix_seconds`` & co.: a timestamp as whole units since the epoch (rounded down)."""
    @scalar(f"unix_{unit}", ["timestamp"], LongType())
    def run(values: Any) -> Any:
        micros = _epoch_micros(values)
        if _MICROS[unit] == 1:
            return micros
        # Arrow's integer division truncates; Spark floors (pre-1970 instants).
        return pc.cast(pc.floor(pc.divide(pc.cast(micros, pa.float64()), _MICROS[unit])),
                       pa.int64())


def _from_epoch(unit: str) -> None:
    """``timestamp_seconds`` & co.: whole (or fractional, for seconds) units since the epoch."""
    @scalar(f"timestamp_{unit}", ["numeric" if unit == "seconds" else "long"], TimestampType())
    def run(values: Any) -> Any:
        if pa.types.is_integer(values.type):
            micros = pc.multiply_checked(pc.cast(values, pa.int64()), _MICROS[unit])
        else:
            micros = pc.cast(pc.round(pc.multiply(pc.cast(values, pa.float64()), 1e6)),
                             pa.int64())
        return pc.cast(micros, pa.timestamp("us", tz="UTC"))


for _unit_name in _MICROS:
    _to_epoch(_unit_name)
    _from_epoch(_unit_name)


_WEEKDAYS = {"MO": 0, "MON": 0, "MONDAY": 0, "TU": 1, "TUE": 1, "TUESDAY": 1, "WE": 2,
             "WED": 2, "WEDNESDAY": 2, "TH": 3, "THU": 3, "THURSDAY": 3, "FR": 4, "FRI": 4,
             "FRIDAY": 4, "SA": 5, "SAT": 5, "SATURDAY": 5, "SU": 6, "SUN": 6, "SUNDAY": 6}


def code_of(names: Any, table: dict[str, int]) -> Any:
    """The number ``table`` gives each (case-insensitive) name; null for unknown names."""
    upper = pc.utf8_upper(to_array(names, 1) if isinstance(names, pa.Scalar) else names)
    codes = pc.take(pa.array(list(table.values()), pa.int64()),
                    pc.index_in(upper, value_set=pa.array(list(table), pa.string())))
    return codes[0] if isinstance(names, pa.Scalar) else codes


@scalar("next_day", ["date", "string"], DateType(), always_nullable=True)
def next_day(start: Any, day_of_week: Any) -> Any:
    target = code_of(day_of_week, _WEEKDAYS)
    if isinstance(day_of_week, pa.Scalar) and not target.is_valid and day_of_week.is_valid:
        raise DateTimeException("ILLEGAL_DAY_OF_WEEK",
                                f"Illegal input for day of week: {day_of_week.as_py()}.",
                                {}, "22009")
    current = pc.day_of_week(start, count_from_zero=True, week_start=1)
    # days ahead, 1..7: ((target - current - 1) mod 7) + 1, kept non-negative for Arrow's div
    ahead = pc.add(pc.subtract(target, current), 6)
    step = pc.add(pc.subtract(ahead, pc.multiply(pc.divide(ahead, 7), 7)), 1)
    return _from_days(pc.add(_days(start), pc.cast(step, pa.int32())))


def _rezone(values: Any, zones: Any, to_utc: bool) -> Any:
    """Shift instants between UTC and ``zones`` wall clocks (one distinct zone at a time)."""
    from minispark.sql.execution.cast import _from_local

    n = length_of(values, zones)
    rows = 1 if n is None else n
    stamps, names = to_array(values, rows), to_array(zones, rows)
    out = pa.nulls(rows, pa.timestamp("us", tz="UTC"))
    for zone in pc.unique(names).to_pylist():
        if zone is None:
            continue
        chosen = pc.equal(names, zone)
        if to_utc:  # the UTC wall clock of the instant, read as wall-clock time in ``zone``
            moved = _from_local(_local(stamps, "UTC"), _zone_name(zone))
        else:  # the wall clock of the instant in ``zone``, read as UTC
            moved = _from_local(_local(stamps, _zone_name(zone)), "UTC")
        out = pc.if_else(chosen, moved, out)
    return out[0] if n is None else out


# Java's three-letter zone aliases that Spark accepts (Arrow's tz database lacks most).
_SHORT_ZONES = {"PST": "America/Los_Angeles", "JST": "Asia/Tokyo", "CST": "America/Chicago",
                "EST": "-05:00", "MST": "-07:00", "HST": "-10:00", "IST": "Asia/Kolkata",
                "CTT": "Asia/Shanghai", "ECT": "Europe/Paris", "AET": "Australia/Sydney",
                "BST": "Asia/Dhaka", "PRT": "America/Puerto_Rico", "EAT": "Africa/Addis_Ababa",
                "ART": "Africa/Cairo", "NET": "Asia/Yerevan", "PLT": "Asia/Karachi",
                "VST": "Asia/Ho_Chi_Minh", "SST": "Pacific/Guadalcanal", "AGT":
                "America/Argentina/Buenos_Aires", "BET": "America/Sao_Paulo"}


def _zone_name(zone: str) -> str:
    return _SHORT_ZONES.get(zone.upper(), zone) if len(zone) == 3 else zone


@scalar("from_utc_timestamp", ["timestamp", "string"], TimestampType())
def from_utc_timestamp(values: Any, zones: Any) -> Any:
    return _rezone(values, zones, to_utc=False)


@scalar("to_utc_timestamp", ["timestamp", "string"], TimestampType())
def to_utc_timestamp(values: Any, zones: Any) -> Any:
    return _rezone(values, zones, to_utc=True)


def _zoned(naive: Any, zones: Any, tz: str) -> Any:
    """Wall-clock times read in ``zones`` (a zone per row, one zone, or the session's)."""
    from minispark.sql.execution.cast import _from_local

    n = length_of(naive, zones) if zones is not None else length_of(naive)
    rows = 1 if n is None else n
    stamps = to_array(naive, rows)
    if zones is None or isinstance(zones, pa.Scalar):
        zone = tz if zones is None or not zones.is_valid else _zone_name(zones.as_py())
        out = _from_local(stamps, zone)
    else:
        out = pa.nulls(rows, pa.timestamp("us", tz="UTC"))
        for zone in pc.unique(zones).to_pylist():
            if zone is not None:
                out = pc.if_else(pc.equal(zones, zone), _from_local(stamps, _zone_name(zone)),
                                 out)
    return out[0] if n is None else out


# ---- make_timestamp and friends -------------------------------------------------------------


def _field_error(detail: str) -> DateTimeException:
    return DateTimeException("DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION", f"{detail}.",
                             {}, "22023")


def _wall_clock(y: int, mo: int, d: int, h: int, mi: int, sec: Any) -> datetime.datetime:
    """One wall-clock time from its fields; ``sec`` may be 60 (the next minute) as in Spark."""
    whole = int(sec)
    micros = round((float(sec) - whole) * 1_000_000)
    extra = 0
    if whole == 60 and micros == 0:
        whole, extra = 0, 60
    try:
        value = datetime.datetime(y, mo, d, h, mi, whole, micros)
    except ValueError as exc:
        raise _field_error(f"Invalid value for a timestamp field: {exc}") from None
    return value + datetime.timedelta(seconds=extra)


def _tolerant_rows(func: Any, try_: bool) -> Any:
    """``func`` as is, or returning None where it raises (the ``try_`` variants)."""
    if not try_:
        return func

    def run(*values: Any) -> Any:
        try:
            return func(*values)
        except DateTimeException:
            return None
    return run


def _make_timestamp_kernel(ntz: bool, try_: bool) -> Any:
    def run(*args: Any, tz: str = "UTC") -> Any:
        form = args[-1]
        values = args[:-1]
        if form == "date":
            date, time_of_day = values[0], values[1]
            zones = values[2] if len(values) > 2 else None
            naive = rowwise(datetime.datetime.combine, pa.timestamp("us"), date, time_of_day)
        else:
            zones = values[6] if len(values) > 6 else None
            naive = rowwise(_tolerant_rows(_wall_clock, try_), pa.timestamp("us"),
                            *values[:6])
        return naive if ntz else _zoned(naive, zones, tz)
    return run


def _make_timestamp_inputs(args: list[Any]) -> list[Any]:
    from minispark.sql.plan.expressions import Cast
    from minispark.sql.types import DecimalType, TimeType

    if _date_and_time_form(args):
        kinds = [DateType(), TimeType(), StringType()]
    else:
        kinds = [IntegerType()] * 5 + [DecimalType(16, 6), StringType()]
    return [a if a.data_type == t else Cast(a, t, implicit=True) for a, t in zip(args, kinds)]


def _date_and_time_form(args: list[Any]) -> bool:
    return len(args) <= 3


def _render_make_timestamp(name: str) -> Any:
    """Spark leaves the zone out of ``try_make_timestamp``'s name in the field form."""
    def render(display: str, args: list[str], options: tuple) -> str:
        shown = args[:6] if name == "try_make_timestamp" and len(args) == 7 else args
        return f"{display}({', '.join(shown)})"
    return render


def _register_make_timestamp(name: str, ntz: bool, try_: bool) -> None:
    from minispark.sql.builtins.registry import ScalarSpec, register

    register(ScalarSpec(
        name=name, inputs=["any"] * 7, result=TimestampNTZType() if ntz else TimestampType(),
        min_args=2, max_args=7, coerce_args=_make_timestamp_inputs,
        options_from_args=lambda args: ("date" if _date_and_time_form(args) else "fields",),
        kernel=_make_timestamp_kernel(ntz, try_), timezone=True, always_nullable=try_,
        render_call=_render_make_timestamp(name)))


for _name, _ntz, _try in (("make_timestamp", False, False), ("try_make_timestamp", False, True),
                          ("make_timestamp_ltz", False, False),
                          ("try_make_timestamp_ltz", False, True),
                          ("make_timestamp_ntz", True, False),
                          ("try_make_timestamp_ntz", True, True)):
    _register_make_timestamp(_name, _ntz, _try)


@scalar("convert_timezone", ["string", "string", "any"], TimestampNTZType(), min_args=2,
        timezone=True)
def convert_timezone(*args: Any, tz: str = "UTC") -> Any:
    source_zone, target_zone, stamps = (None, *args) if len(args) == 2 else args
    if _is_text(stamps):
        stamps = _convert(stamps, TimestampNTZType(), None, tz, False)
    elif pa.types.is_timestamp(stamps.type) and stamps.type.tz is not None:
        stamps = _local(stamps, tz)
    instants = _zoned(stamps, source_zone, tz)
    zone = tz if target_zone is None else _zone_name(target_zone.as_py())
    return _local(instants, zone)


# ---- extract, timestampadd, timestampdiff ---------------------------------------------------

_PART_FIELDS = {
    "year": ("YEAR", "Y", "YEARS", "YR", "YRS"), "quarter": ("QUARTER", "QTR"),
    "month": ("MONTH", "MON", "MONS", "MONTHS"), "weekofyear": ("WEEK", "W", "WEEKS"),
    "dayofmonth": ("DAY", "D", "DAYS"), "dayofweek": ("DAYOFWEEK", "DOW"),
    "dayofweek_iso": ("DAYOFWEEK_ISO", "DOW_ISO"), "dayofyear": ("DOY",),
    "hour": ("HOUR", "H", "HOURS", "HR", "HRS"),
    "minute": ("MINUTE", "M", "MIN", "MINS", "MINUTES"),
    "second": ("SECOND", "S", "SEC", "SECONDS", "SECS"),
}
_PART_OF = {alias: field for field, aliases in _PART_FIELDS.items() for alias in aliases}


def _part(args: list[Any]) -> tuple:
    from minispark.errors import AnalysisException
    from minispark.sql.plan.expressions import Literal

    field = args[0].value if isinstance(args[0], Literal) else None
    name = _PART_OF.get(str(field).upper()) if field is not None else None
    if name is None:
        raise AnalysisException("INVALID_EXTRACT_FIELD",
                                f"Cannot extract {field} from {args[1].sql()}.", {}, "42601")
    return (name,)


def _part_type(types: list[Any], options: tuple) -> Any:
    from minispark.sql.types import DecimalType

    return DecimalType(8, 6) if options[0] == "second" else IntegerType()


def _part_kernel(field: Any, values: Any, name: str, tz: str = "UTC") -> Any:
    if _is_text(values):
        values = _convert(values, TimestampType(), None, tz, False)
    local = _local(values, tz)
    if name == "second":  # seconds with their fraction, as decimal(8, 6)
        micros = pc.add(pc.multiply(_int64(pc.second(local)), 1_000_000),
                        pc.add(pc.multiply(_int64(pc.millisecond(local)), 1_000),
                               _int64(pc.microsecond(local))))
        return rowwise(lambda m: decimal.Decimal(m).scaleb(-6), pa.decimal128(8, 6), micros)
    if name == "dayofweek_iso":
        return pc.cast(pc.day_of_week(local, count_from_zero=False, week_start=1), pa.int32())
    from minispark.sql.builtins.registry import lookup

    return lookup(name).kernel(local, tz=tz)  # type: ignore[misc]


def _int64(values: Any) -> Any:
    return pc.cast(values, pa.int64())


def _register_part(name: str, render: Any) -> None:
    from minispark.sql.builtins.registry import ScalarSpec, register

    register(ScalarSpec(name=name, inputs=["string", "any"], result=_part_type, min_args=2,
                        max_args=2, options_from_args=_part, kernel=_part_kernel,
                        timezone=True, render_call=render,
                        aliases=("datepart",) if name == "date_part" else ()))


_register_part("extract", lambda display, args, options: f"extract({args[0]} FROM {args[1]})")
_register_part("date_part", None)


_TS_UNITS = {"MICROSECOND": 1, "MILLISECOND": 1_000, "SECOND": 1_000_000,
             "MINUTE": 60_000_000, "HOUR": 3_600_000_000}
_CALENDAR_UNITS = {"DAY": (0, 1), "WEEK": (0, 7), "MONTH": (1, 0), "QUARTER": (3, 0),
                   "YEAR": (12, 0)}


def _ts_unit(unit: Any) -> str:
    text = str(literal(unit)).upper()
    if text not in _TS_UNITS and text not in _CALENDAR_UNITS:
        raise DateTimeException("INVALID_PARAMETER_VALUE.DATETIME_UNIT",
                                f"The value of parameter(s) `unit` is invalid: {text}.", {},
                                "22023")
    return text


@scalar("timestampadd", ["string", "long", "timestamp"], TimestampType(), timezone=True,
        aliases=("timestamp_add",))
def timestampadd(unit: Any, quantity: Any, stamps: Any, tz: str = "UTC") -> Any:
    from minispark.sql.builtins.intervals import _wall_months_days

    name = _ts_unit(unit)
    if name in _TS_UNITS:
        step = pc.multiply_checked(pc.cast(quantity, pa.int64()), _TS_UNITS[name])
        return pc.add_checked(stamps, pc.cast(step, pa.duration("us")))
    months, days = _CALENDAR_UNITS[name]
    count = pc.cast(quantity, pa.int64())
    return _wall_months_days(stamps, pc.multiply(count, months), pc.multiply(count, days), tz)


def _calendar_between(start: datetime.datetime, end: datetime.datetime, unit: str) -> int:
    """Whole calendar units from ``start`` to ``end`` (wall clock), truncated toward zero."""
    if unit in ("DAY", "WEEK"):
        days = (end - start) // datetime.timedelta(days=1) if end >= start else -(
            (start - end) // datetime.timedelta(days=1))
        return int(days / 7) if unit == "WEEK" else days
    end_day = end.date()
    if end_day > start.date() and end.time() < start.time():
        end_day -= datetime.timedelta(days=1)
    elif end_day < start.date() and end.time() > start.time():
        end_day += datetime.timedelta(days=1)
    months = (end_day.year - start.year) * 12 + end_day.month - start.month
    if months > 0 and end_day.day < start.day:
        months -= 1
    elif months < 0 and end_day.day > start.day:
        months += 1
    return int(months / {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit])


@scalar("timestampdiff", ["string", "timestamp", "timestamp"], LongType(), timezone=True,
        aliases=("timestamp_diff",))
def timestampdiff(unit: Any, start: Any, end: Any, tz: str = "UTC") -> Any:
    name = _ts_unit(unit)
    if name in _TS_UNITS:
        micros = pc.subtract(_epoch(end), _epoch(start))
        # truncate toward zero, as Java's long division
        whole = pc.divide(pc.abs(micros), _TS_UNITS[name])
        return pc.if_else(pc.less(micros, 0), pc.negate(whole), whole)
    return rowwise(lambda a, b: _calendar_between(a, b, name), pa.int64(),
                   _local(start, tz), _local(end, tz))


def _epoch(values: Any) -> Any:
    return pc.cast(values.cast(pa.timestamp("us", tz="UTC")), pa.int64())


# ---- time windows ---------------------------------------------------------------------------

_DURATION_UNITS = {"week": 604_800_000_000, "day": 86_400_000_000, "hour": 3_600_000_000,
                   "minute": 60_000_000, "second": 1_000_000, "millisecond": 1_000,
                   "microsecond": 1}


def duration_micros(text: str) -> int:
    """A fixed duration such as ``'5 seconds'`` or ``'1 day 12 hours'`` in microseconds.

    >>> duration_micros("1 minute 30 seconds")
    90000000
    """
    import re

    body = text.strip().lower()
    body = body.removeprefix("interval")
    pairs = re.findall(r"(-?\d+(?:\.\d+)?)\s*([a-z]+)", body)
    rest = re.sub(r"(-?\d+(?:\.\d+)?)\s*([a-z]+)", "", body).strip()
    units = [(amount, unit.removesuffix("s")) for amount, unit in pairs]
    if not units or rest or any(u not in _DURATION_UNITS for _, u in units):
        from minispark.errors import AnalysisException

        raise AnalysisException("CANNOT_PARSE_INTERVAL",
                                f"Unable to parse '{text}'.", {}, "42000")
    return int(sum(decimal.Decimal(a) * _DURATION_UNITS[u] for a, u in units))


def _window_type(types: list[Any], options: tuple) -> Any:
    from minispark.sql.types import StructField, StructType

    return StructType([StructField("start", TimestampType()), StructField("end", TimestampType())])


def _window_options(args: list[Any]) -> tuple:
    from minispark.sql.plan.expressions import Literal

    texts = [a.value if isinstance(a, Literal) else None for a in args[1:]]
    if any(not isinstance(t, str) for t in texts):
        raise NotImplementedError("window() takes durations given as literal strings")
    size = duration_micros(texts[0])
    slide = duration_micros(texts[1]) if len(texts) > 1 else size
    start = duration_micros(texts[2]) if len(texts) > 2 else 0
    if slide != size:
        raise NotImplementedError("sliding windows (slideDuration shorter than the window) "
                                  "are not supported yet; only tumbling windows")
    return (size, start)


def _floor_multiple(values: Any, step: int) -> Any:
    """``values`` rounded down to a multiple of ``step`` (Arrow's integer division truncates)."""
    quotient = pc.divide(values, step)
    below = pc.and_(pc.less(values, 0), pc.not_equal(pc.multiply(quotient, step), values))
    return pc.multiply(pc.subtract(quotient, pc.cast(below, pa.int64())), step)


@scalar("window", ["timestamp", "string", "string", "string"], _window_type, min_args=2,
        options_from_args=_window_options, never_null=True)
def window(stamps: Any, *args: Any) -> Any:
    size, offset = args[-2], args[-1]
    micros = _epoch(stamps)
    start = pc.add(_floor_multiple(pc.subtract(micros, offset), size), offset)
    zone = pa.timestamp("us", tz="UTC")
    n = length_of(stamps)
    starts, ends = (to_array(v, 1 if n is None else n) for v in
                    (pc.cast(start, zone), pc.cast(pc.add(start, size), zone)))
    out = pa.StructArray.from_arrays([starts, ends], names=["start", "end"])
    return out[0] if n is None else out


@scalar("window_time", ["struct"], TimestampType())
def window_time(windows: Any) -> Any:
    ends = pc.struct_field(windows, [1])
    return pc.subtract(ends, pa.scalar(datetime.timedelta(microseconds=1)))
