"""Date and timestamp functions (``to_date``, ``date_add``, ``year``...)."""
from __future__ import annotations

from typing import Any

from minispark.sql.column import Column, _column_arg
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import _call, _call_values, _math, _date_field, exported
from minispark.sql.types import IntegerType


def current_date() -> Column:
    """Today's date in the session time zone (the same for the whole query)."""
    return _call("current_date")


def current_timestamp() -> Column:
    """The current instant (the same for the whole query)."""
    return _call("current_timestamp")


now = current_timestamp


def to_date(col: Any, format: str | None = None) -> Column:
    """A string (in ``format``, ISO by default) or timestamp as a date."""
    return _call("to_date", col) if format is None else _call_values("to_date", col, format)


def to_timestamp(col: Any, format: str | None = None) -> Column:
    """A string (in ``format``, ISO by default) as a timestamp."""
    return (_call("to_timestamp", col) if format is None
            else _call_values("to_timestamp", col, format))


def date_format(date: Any, format: str) -> Column:
    """A date or timestamp as text in Spark's pattern ``format`` (``yyyy-MM-dd``)."""
    return _call_values("date_format", date, format)


year = _date_field("year")


month = _date_field("month")


dayofmonth = _date_field("dayofmonth")


day = _date_field("day")


dayofweek = _date_field("dayofweek")


dayofyear = _date_field("dayofyear")


weekofyear = _date_field("weekofyear")


quarter = _date_field("quarter")


hour = _date_field("hour")


minute = _date_field("minute")


second = _date_field("second")


last_day = _date_field("last_day")


def _count_arg(value: Any) -> E.Expression:
    """A count argument: a Python int is a literal, a string names a column."""
    return E.Literal.of(value) if isinstance(value, int) else _column_arg(value)


def _dated(name: str, start: Any, count: Any) -> Column:
    return Column(E.UnresolvedFunction(name, [_column_arg(start), _count_arg(count)]))


def date_add(start: Any, days: Any) -> Column:
    """The date ``days`` days after ``start``."""
    return _dated("date_add", start, days)


def dateadd(start: Any, days: Any) -> Column:
    """The date ``days`` days after ``start`` (named ``date_add`` in the result)."""
    return _dated("date_add", start, days)


def date_sub(start: Any, days: Any) -> Column:
    """The date ``days`` days before ``start``."""
    return _dated("date_sub", start, days)


def datediff(end: Any, start: Any) -> Column:
    """Days from ``start`` to ``end``."""
    return _call("datediff", end, start)


def date_diff(end: Any, start: Any) -> Column:
    """Days from ``start`` to ``end`` (``datediff``)."""
    return _call("date_diff", end, start)


def add_months(start: Any, months: Any) -> Column:
    """The date ``months`` months after ``start`` (the day clamped to the month's end)."""
    return _dated("add_months", start, months)


def months_between(date1: Any, date2: Any, roundOff: bool = True) -> Column:
    return Column(E.UnresolvedFunction("months_between", [_column_arg(date1),
                                                          _column_arg(date2),
                                                          E.Literal.of(roundOff)]))


def trunc(date: Any, format: str) -> Column:
    """The date truncated to the ``format`` unit (``year``, ``month``, ``week``...)."""
    return _call_values("trunc", date, format)


def date_trunc(format: str, timestamp: Any) -> Column:
    """The timestamp truncated to the ``format`` unit."""
    return Column(E.UnresolvedFunction("date_trunc", [E.Literal.of(format),
                                                      _column_arg(timestamp)]))


def unix_timestamp(timestamp: Any = None, format: str = "yyyy-MM-dd HH:mm:ss") -> Column:
    """Seconds since the epoch (of now, or of a timestamp or string in ``format``)."""
    if timestamp is None:
        return _call("unix_timestamp")
    return _call_values("unix_timestamp", timestamp, format)


def from_unixtime(timestamp: Any, format: str = "yyyy-MM-dd HH:mm:ss") -> Column:
    """Seconds since the epoch as text in ``format`` (session time zone)."""
    return _call_values("from_unixtime", timestamp, format)


def make_date(year: Any, month: Any, day: Any) -> Column:
    return _call("make_date", year, month, day)


weekday = _date_field("weekday")


monthname = _math("monthname", "The month's three-letter English name.")


dayname = _math("dayname", "The weekday's three-letter English name.")


def curdate() -> Column:
    """Today's date in the session time zone (``current_date``)."""
    return _call("curdate")


def _optional_format(name: str, col: Any, format: Any) -> Column:
    """``name(col)`` or ``name(col, format)``; a format may be text or a Column."""
    if format is None:
        return _call(name, col)
    pattern = format._expr if isinstance(format, Column) else E.Literal.of(format)
    return Column(E.UnresolvedFunction(name, [_column_arg(col), pattern]))


def try_to_date(col: Any, format: str | None = None) -> Column:
    """``to_date``, but null for text that does not parse."""
    return _optional_format("try_to_date", col, format)


def try_to_timestamp(col: Any, format: Any = None) -> Column:
    """``to_timestamp``, but null for text that does not parse (``format``: a Column or name)."""
    return _optional_format("try_to_timestamp", col, _column_or_none(format))


def to_timestamp_ltz(timestamp: Any, format: Any = None) -> Column:
    """Text (in ``format``) as a timestamp in the session time zone."""
    return _optional_format("to_timestamp_ltz", timestamp, _column_or_none(format))


def to_timestamp_ntz(timestamp: Any, format: Any = None) -> Column:
    """Text (in ``format``) as a timestamp without time zone."""
    return _optional_format("to_timestamp_ntz", timestamp, _column_or_none(format))


def _column_or_none(value: Any) -> Any:
    """PySpark's ``ColumnOrName`` for an optional argument: a string names a column."""
    return None if value is None else Column(_column_arg(value))


def to_unix_timestamp(timestamp: Any, format: Any = None) -> Column:
    """Seconds since the epoch of a timestamp or of text in ``format``."""
    pattern = Column(E.Literal.of("yyyy-MM-dd HH:mm:ss")) if format is None else \
        Column(_column_arg(format))
    return _optional_format("to_unix_timestamp", timestamp, pattern)


def current_timezone() -> Column:
    """The session time zone (``spark.sql.session.timeZone``)."""
    return _call("current_timezone")


def localtimestamp() -> Column:
    """The current wall-clock time of the session time zone, as a timestamp without zone."""
    return _call("localtimestamp")


date_from_unix_date = _math("date_from_unix_date", "The date so many days after 1970-01-01.")
unix_date = _math("unix_date", "Days since 1970-01-01.")
unix_seconds = _math("unix_seconds", "Whole seconds since the epoch.")
unix_millis = _math("unix_millis", "Whole milliseconds since the epoch.")
unix_micros = _math("unix_micros", "Microseconds since the epoch.")
timestamp_seconds = _math("timestamp_seconds", "The timestamp so many seconds after the epoch.")
timestamp_millis = _math("timestamp_millis", "The timestamp so many ms after the epoch.")
timestamp_micros = _math("timestamp_micros", "The timestamp so many µs after the epoch.")


def next_day(date: Any, dayOfWeek: str) -> Column:
    """The first date after ``date`` that falls on ``dayOfWeek`` (``Mon``, ``Tue``...)."""
    return _call_values("next_day", date, dayOfWeek)


def from_utc_timestamp(timestamp: Any, tz: Any) -> Column:
    """A UTC timestamp shown as wall-clock time of zone ``tz``."""
    zone = tz._expr if isinstance(tz, Column) else E.Literal.of(tz)
    return Column(E.UnresolvedFunction("from_utc_timestamp", [_column_arg(timestamp), zone]))


def to_utc_timestamp(timestamp: Any, tz: Any) -> Column:
    """Wall-clock time of zone ``tz`` as the UTC timestamp."""
    zone = tz._expr if isinstance(tz, Column) else E.Literal.of(tz)
    return Column(E.UnresolvedFunction("to_utc_timestamp", [_column_arg(timestamp), zone]))


def extract(field: Any, source: Any) -> Column:
    """The ``field`` (``YEAR``, ``MONTH``, ``DAY``, ``HOUR``, ``S``...) of a date or timestamp."""
    return _call("extract", field, source)


def date_part(field: Any, source: Any) -> Column:
    """The ``field`` of a date or timestamp (as ``extract``)."""
    return _call("date_part", field, source)


def datepart(field: Any, source: Any) -> Column:
    """The ``field`` of a date or timestamp (as ``extract``)."""
    return _call("datepart", field, source)


def timestamp_add(unit: str, quantity: Any, ts: Any) -> Column:
    """``ts`` moved by ``quantity`` ``unit``s (``YEAR`` ... ``MICROSECOND``)."""
    return Column(E.UnresolvedFunction("timestampadd", [E.Literal.of(unit),
                                                        _column_arg(quantity),
                                                        _column_arg(ts)]))


def timestamp_diff(unit: str, start: Any, end: Any) -> Column:
    """Whole ``unit``s from ``start`` to ``end``."""
    return Column(E.UnresolvedFunction("timestampdiff", [E.Literal.of(unit),
                                                         _column_arg(start),
                                                         _column_arg(end)]))


def convert_timezone(sourceTz: Any, targetTz: Any, sourceTs: Any) -> Column:
    """A wall-clock time of ``sourceTz`` (the session zone when None) as one of ``targetTz``."""
    zones = [targetTz] if sourceTz is None else [sourceTz, targetTz]
    return _call("convert_timezone", *zones, sourceTs)


def _make_timestamp(name: str, fields: tuple, timezone: Any, date: Any, time: Any) -> Column:
    """The ``make_timestamp`` family: from six fields, or from a date and a time of day."""
    parts = [date, time] if date is not None or time is not None else list(fields)
    if timezone is not None:
        parts.append(timezone)
    return _call(name, *parts)


def make_timestamp(years: Any = None, months: Any = None, days: Any = None, hours: Any = None,
                   mins: Any = None, secs: Any = None, timezone: Any = None, date: Any = None,
                   time: Any = None) -> Column:
    """A timestamp from its fields (seconds may have a fraction), in ``timezone``."""
    return _make_timestamp("make_timestamp", (years, months, days, hours, mins, secs),
                           timezone, date, time)


def try_make_timestamp(years: Any = None, months: Any = None, days: Any = None,
                       hours: Any = None, mins: Any = None, secs: Any = None,
                       timezone: Any = None, date: Any = None, time: Any = None) -> Column:
    """``make_timestamp``, but null for invalid fields."""
    return _make_timestamp("try_make_timestamp", (years, months, days, hours, mins, secs),
                           timezone, date, time)


def make_timestamp_ltz(years: Any = None, months: Any = None, days: Any = None,
                       hours: Any = None, mins: Any = None, secs: Any = None,
                       timezone: Any = None, date: Any = None, time: Any = None) -> Column:
    """A timestamp (with local time zone) from its fields."""
    return _make_timestamp("make_timestamp_ltz", (years, months, days, hours, mins, secs),
                           timezone, date, time)


def try_make_timestamp_ltz(years: Any = None, months: Any = None, days: Any = None,
                           hours: Any = None, mins: Any = None, secs: Any = None,
                           timezone: Any = None, date: Any = None, time: Any = None) -> Column:
    """``make_timestamp_ltz``, but null for invalid fields."""
    return _make_timestamp("try_make_timestamp_ltz", (years, months, days, hours, mins, secs),
                           timezone, date, time)


def make_timestamp_ntz(years: Any = None, months: Any = None, days: Any = None,
                       hours: Any = None, mins: Any = None, secs: Any = None,
                       date: Any = None, time: Any = None) -> Column:
    """A timestamp without time zone from its fields, or from a date and a time."""
    return _make_timestamp("make_timestamp_ntz", (years, months, days, hours, mins, secs),
                           None, date, time)


def try_make_timestamp_ntz(years: Any = None, months: Any = None, days: Any = None,
                           hours: Any = None, mins: Any = None, secs: Any = None,
                           date: Any = None, time: Any = None) -> Column:
    """``make_timestamp_ntz``, but null for invalid fields."""
    return _make_timestamp("try_make_timestamp_ntz", (years, months, days, hours, mins, secs),
                           None, date, time)


def window(timeColumn: Any, windowDuration: str, slideDuration: str | None = None,
           startTime: str | None = None) -> Column:
    """The tumbling time window (``struct<start, end>``) each timestamp falls in.

    >>> import datetime
    >>> df = spark.createDataFrame([(datetime.datetime(2016, 3, 11, 9, 0, 7), 1)], ["dt", "v"])
    >>> df.groupBy(window("dt", "5 seconds")).count().first()[0].end
    datetime.datetime(2016, 3, 11, 9, 0, 10)
    """
    durations = [windowDuration]
    if slideDuration or startTime:
        durations.append(slideDuration or windowDuration)
    if startTime:
        durations.append(startTime)
    return _call("window", timeColumn, *[Column(E.Literal.of(d)) for d in durations]
                 ).alias("window")


def session_window(timeColumn: Any, gapDuration: Any) -> Column:
    """The session (``struct<start, end>``) of each event when grouping by it: events less
    than ``gapDuration`` apart share one.

    >>> import datetime
    >>> df = spark.createDataFrame([(datetime.datetime(2016, 3, 11, 9, 0, s),) for s in (7, 9)],
    ...                            ["dt"])
    >>> df.groupBy(session_window("dt", "5 seconds")).count().first()[1]
    2
    """
    gap = Column(E.Literal.of(gapDuration)) if isinstance(gapDuration, str) else gapDuration
    return _call("session_window", timeColumn, gap)


def window_time(windowColumn: Any) -> Column:
    """The last instant inside a time window (its end minus one microsecond)."""
    return _call("window_time", windowColumn)


def to_time(str: Any, format: Any = None) -> Column:
    """Text (``HH:mm:ss[.f]``, or in ``format``, a Column or name) as a time of day."""
    return _optional_format("to_time", str, _column_or_none(format))


def try_to_time(str: Any, format: Any = None) -> Column:
    """``to_time``, but null for text that does not parse."""
    return _optional_format("try_to_time", str, _column_or_none(format))


def make_time(hour: Any, minute: Any, second: Any) -> Column:
    """A time of day from hours, minutes and (fractional) seconds."""
    return _call("make_time", hour, minute, second)


def time_diff(unit: Any, start: Any, end: Any) -> Column:
    """Whole ``unit``s (``HOUR`` ... ``MICROSECOND``) from time ``start`` to time ``end``."""
    return _call("time_diff", unit, start, end)


def time_trunc(unit: Any, time: Any) -> Column:
    """A time of day truncated to ``unit``."""
    return _call("time_trunc", unit, time)


time_from_seconds = _math("time_from_seconds", "The time of day so many seconds after midnight.")
time_from_millis = _math("time_from_millis", "The time of day so many ms after midnight.")
time_from_micros = _math("time_from_micros", "The time of day so many µs after midnight.")
time_to_seconds = _math("time_to_seconds", "Seconds since midnight, with the fraction.")
time_to_millis = _math("time_to_millis", "Whole milliseconds since midnight.")
time_to_micros = _math("time_to_micros", "Microseconds since midnight.")


def current_time(precision: int | None = None) -> Column:
    """The current time of day in the session time zone (``precision`` fraction digits)."""
    return _call("current_time") if precision is None else \
        Column(E.UnresolvedFunction("current_time", [E.Literal.of(precision)]))


def time_bucket(bucket_width: Any, ts: Any, origin: Any = None) -> Column:
    """The start of the ``bucket_width`` interval (from ``origin``) each timestamp falls in."""
    return _call("time_bucket", bucket_width, ts) if origin is None else \
        _call("time_bucket", bucket_width, ts, origin)


def _transform(name: str) -> Any:
    def transform(col: Any) -> Column:
        return _call(name, col)
    transform.__name__ = name
    transform.__doc__ = f"Partition transform: the {name} of a timestamp (for writeTo)."
    return transform


years = _transform("years")
months = _transform("months")
days = _transform("days")
hours = _transform("hours")


def _with_zeros(name: str, *parts: Any) -> Column:
    """A call of ``name`` where every part left out is ``lit(0)`` (as PySpark fills them)."""
    return _call(name, *[Column(E.Literal(0, IntegerType())) if p is None else p
                         for p in parts])


def make_interval(years: Any = None, months: Any = None, weeks: Any = None, days: Any = None,
                  hours: Any = None, mins: Any = None, secs: Any = None) -> Column:
    """A calendar interval from years, months, weeks, days, hours, minutes and seconds.

    >>> from minispark.sql.functions import lit
    >>> tuple(spark.range(1).select(make_interval(years=lit(1), days=lit(2))).first()[0])
    (12, 2, 0)
    """
    return _with_zeros("make_interval", years, months, weeks, days, hours, mins, secs)


def try_make_interval(years: Any = None, months: Any = None, weeks: Any = None,
                      days: Any = None, hours: Any = None, mins: Any = None,
                      secs: Any = None) -> Column:
    """``make_interval``, but null instead of an overflow error."""
    return _with_zeros("try_make_interval", years, months, weeks, days, hours, mins, secs)


def make_dt_interval(days: Any = None, hours: Any = None, mins: Any = None,
                     secs: Any = None) -> Column:
    """A day-time interval from days, hours, minutes and seconds.

    >>> from minispark.sql.functions import lit
    >>> spark.range(1).select(make_dt_interval(lit(1), lit(2))).first()[0]
    datetime.timedelta(days=1, seconds=7200)
    """
    return _with_zeros("make_dt_interval", days, hours, mins, secs)


def make_ym_interval(years: Any = None, months: Any = None) -> Column:
    """A year-month interval from years and months."""
    return _with_zeros("make_ym_interval", years, months)


__all__ = exported(globals(), __name__)
