"""Date and timestamp functions (``to_date``, ``date_add``, ``year``...)."""
from __future__ import annotations

from typing import Any

from minispark.sql.column import Column, _column_arg
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import _call, _call_values, _math, _date_field, exported


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


def date_add(start: Any, days: Any) -> Column:
    """The date ``days`` days after ``start``."""
    return _call_values("date_add", start, days) if not isinstance(days, Column) else \
        _call("date_add", start, days)


def date_sub(start: Any, days: Any) -> Column:
    """The date ``days`` days before ``start``."""
    return _call_values("date_sub", start, days) if not isinstance(days, Column) else \
        _call("date_sub", start, days)


def datediff(end: Any, start: Any) -> Column:
    """Days from ``start`` to ``end``."""
    return _call("datediff", end, start)


def add_months(start: Any, months: Any) -> Column:
    return _call_values("add_months", start, months) if not isinstance(months, Column) else \
        _call("add_months", start, months)


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


__all__ = exported(globals(), __name__)
