"""Values as Spark prints them, and ``show()``'s table and vertical layouts.

>>> print(show_string(["v", "s"], [["1", "abc"], ["NULL", "x"]], 20, False, False), end="")
+----+---+
|   v|  s|
+----+---+
|   1|abc|
|NULL|  x|
+----+---+
"""
from __future__ import annotations

import datetime
import decimal
import unicodedata
from typing import Any, Sequence

from minispark.sql.plan.expressions import java_double_str
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, CalendarIntervalType, DataType, DayTimeIntervalType,
    DoubleType, FloatType, MapType, StructType, YearMonthIntervalType,
)


def format_value(value: Any, data_type: DataType, nested: bool = False) -> str:
    """One value as ``show()`` and ``CAST(... AS STRING)`` write it (``[1, 2]``, ``{a -> 1}``)."""
    if value is None:
        return "NULL"
    if isinstance(data_type, BooleanType):
        return "true" if value else "false"
    if isinstance(data_type, DoubleType):
        return java_double_str(float(value))
    if isinstance(data_type, FloatType):
        from minispark.sql.execution.cast import _float32_str

        return _float32_str(float(value))
    if isinstance(data_type, BinaryType):
        return "[" + " ".join(f"{b:02X}" for b in bytes(value)) + "]"
    if isinstance(data_type, ArrayType):
        return "[" + ", ".join(format_value(v, data_type.elementType, True) for v in value) + "]"
    if isinstance(data_type, MapType):
        pairs = value.items() if isinstance(value, dict) else value
        return "{" + ", ".join(f"{format_value(k, data_type.keyType, True)} -> "
                               f"{format_value(v, data_type.valueType, True)}"
                               for k, v in pairs) + "}"
    if isinstance(data_type, StructType):
        items = value.values() if isinstance(value, dict) else value
        return "{" + ", ".join(format_value(v, f.dataType, True)
                               for v, f in zip(items, data_type.fields)) + "}"
    if isinstance(data_type, (DayTimeIntervalType, YearMonthIntervalType, CalendarIntervalType)):
        return interval_text(value, data_type)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return format_timestamp(value)
    if isinstance(value, datetime.time):  # the fraction without trailing zeros
        text = value.strftime("%H:%M:%S")
        return text + ("." + f"{value.microsecond:06d}".rstrip("0") if value.microsecond else "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def format_timestamp(value: datetime.datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss`` plus the fraction without trailing zeros."""
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text


_MICROS_PER_SECOND = 1_000_000


def interval_text(value: Any, data_type: DataType) -> str:
    """An interval as Spark prints it: ``INTERVAL '1-2' YEAR TO MONTH``, ``1 days 2 hours``.

    >>> interval_text(14, YearMonthIntervalType(0, 1))
    "INTERVAL '1-2' YEAR TO MONTH"
    >>> interval_text(datetime.timedelta(days=1, seconds=5), DayTimeIntervalType())
    "INTERVAL '1 00:00:05' DAY TO SECOND"
    >>> interval_text((13, 2, 3_000_000_000), CalendarIntervalType())
    '1 years 1 months 2 days 3 seconds'
    """
    if isinstance(data_type, YearMonthIntervalType):
        return _year_month_text(int(value), data_type)
    if isinstance(data_type, DayTimeIntervalType):
        micros = value if isinstance(value, int) else (
            (value.days * 86400 + value.seconds) * _MICROS_PER_SECOND + value.microseconds)
        return _day_time_text(micros, data_type)
    months, days, nanos = value
    return calendar_interval_text(months, days, nanos // 1000)


def _fields_sql(data_type: Any) -> str:
    names = data_type._FIELDS
    start, end = names[data_type.startField], names[data_type.endField]
    return start if start == end else f"{start} TO {end}"


def _year_month_text(months: int, data_type: YearMonthIntervalType) -> str:
    sign, months = ("-" if months < 0 else ""), abs(months)
    if data_type.startField == data_type.endField:
        body = str(months // 12 if data_type.startField == 0 else months)
    else:
        body = f"{months // 12}-{months % 12}"
    return f"INTERVAL '{sign}{body}' {_fields_sql(data_type)}"


def _seconds_text(micros: int) -> str:
    """Whole seconds (two digits at least) and the fraction without trailing zeros."""
    seconds, fraction = divmod(micros, _MICROS_PER_SECOND)
    text = f"{seconds:02d}"
    return text + ("." + f"{fraction:06d}".rstrip("0") if fraction else "")


def _day_time_text(micros: int, data_type: DayTimeIntervalType) -> str:
    sign, rest = ("-" if micros < 0 else ""), abs(micros)
    units = (86400 * _MICROS_PER_SECOND, 3600 * _MICROS_PER_SECOND, 60 * _MICROS_PER_SECOND)
    start, end = data_type.startField, data_type.endField
    parts: list[str] = []
    for field in range(start, end + 1):
        if field == 3:
            parts.append(_seconds_text(rest))
            break
        amount, rest = divmod(rest, units[field])
        parts.append(str(amount) if field == start and field == 0 else f"{amount:02d}")
    if start == 0 and len(parts) > 1:
        body = parts[0] + " " + ":".join(parts[1:])
    else:
        body = ":".join(parts)
    return f"INTERVAL '{sign}{body}' {_fields_sql(data_type)}"


def calendar_interval_text(months: int, days: int, micros: int) -> str:
    """A legacy CalendarInterval as Spark's ``toString``: ``1 years 2 months 3 days``."""
    parts = []
    years, months = int(months / 12), months - int(months / 12) * 12
    hours = int(micros / 3_600_000_000)
    minutes = int((micros - hours * 3_600_000_000) / 60_000_000)
    rest = micros - hours * 3_600_000_000 - minutes * 60_000_000
    for amount, unit in ((years, "years"), (months, "months"), (days, "days"),
                         (hours, "hours"), (minutes, "minutes")):
        if amount:
            parts.append(f"{amount} {unit}")
    if rest:
        seconds = decimal.Decimal(rest).scaleb(-6).normalize()
        parts.append(f"{format(seconds, 'f')} seconds")
    return " ".join(parts) if parts else "0 seconds"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def truncate_cell(text: str, truncate: int) -> str:
    """Spark's cell truncation: keep ``truncate - 3`` characters and add ``...``."""
    if truncate <= 0 or len(text) <= truncate:
        return text
    if truncate < 4:
        return text[:truncate]
    return text[:truncate - 3] + "..."


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if left else text + fill


def show_string(names: Sequence[str], rows: Sequence[Sequence[str]], truncate: int,
                vertical: bool, has_more: bool) -> str:
    """The text ``show()`` prints for already formatted cells."""
    cells = [[truncate_cell(c, truncate) for c in row] for row in rows]
    if vertical:
        if not cells:
            return "(0 rows)"
        text = _vertical(list(names), cells)
    else:
        text = _table(list(names), cells, right_align=truncate > 0)
    if has_more:
        count = len(rows)
        text += f"only showing top {count} row{'' if count == 1 else 's'}"
    return text


def _table(names: list[str], cells: list[list[str]], right_align: bool) -> str:
    widths = [max(3, display_width(n)) for n in names]
    for row in cells:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row)]
    border = "+" + "+".join("-" * w for w in widths) + "+\n"
    lines = [border, "|" + "|".join(_pad(n, w, right_align) for n, w in zip(names, widths))
             + "|\n", border]
    for row in cells:
        lines.append("|" + "|".join(_pad(c, w, right_align) for c, w in zip(row, widths))
                     + "|\n")
    lines.append(border)
    return "".join(lines)


def _vertical(names: list[str], cells: list[list[str]]) -> str:
    key_width = max([3] + [display_width(n) for n in names])
    value_width = max([3] + [display_width(c) for row in cells for c in row])
    lines = []
    for i, row in enumerate(cells):
        header = f"-RECORD {i}"
        lines.append(header + "-" * max(0, key_width + value_width + 5 - len(header)) + "\n")
        for name, cell in zip(names, row):
            lines.append(f" {_pad(name, key_width, False)} | {_pad(cell, value_width, False)} \n")
    return "".join(lines)
