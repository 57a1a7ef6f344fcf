"""Dates and timestamps in text sources: Spark's patterns (``dd/MM/yyyy``) over Arrow kernels.

Text without a zone is wall-clock time in the session time zone
(``spark.sql.session.timeZone``), as Spark reads it; ``TimestampType``
columns then hold UTC instants.
"""
from __future__ import annotations

import re
from typing import Optional

import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.types import DataType, DateType, TimestampNTZType, TimestampType

_PATTERN_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|.", re.DOTALL)
_STRPTIME = {
    "yyyy": "%Y", "y": "%Y", "yy": "%y", "uuuu": "%Y", "MM": "%m", "M": "%m", "MMM": "%b",
    "MMMM": "%B", "dd": "%d", "d": "%d", "HH": "%H", "H": "%H", "hh": "%I", "h": "%I",
    "mm": "%M", "m": "%M", "ss": "%S", "s": "%S", "a": "%p", "EEE": "%a", "E": "%a",
    "EEEE": "%A", "DDD": "%j", "D": "%j", "XXX": "%z", "XX": "%z", "X": "%z", "Z": "%z",
    "ZZ": "%z", "xxx": "%z",
}


def to_strftime(pattern: str) -> str:
    """Spark's datetime pattern as a ``strptime``/``strftime`` format.

    >>> to_strftime("dd/MM/yyyy HH:mm"), to_strftime("yyyy-MM-dd'T'HH:mm:ss")
    ('%d/%m/%Y %H:%M', '%Y-%m-%dT%H:%M:%S')
    """
    out = []
    for match in _PATTERN_TOKEN.finditer(pattern):
        token = match.group(0)
        if token.startswith("'"):
            out.append(token[1:-1].replace("%", "%%") or "'")
        elif token[0].isalpha():
            if token not in _STRPTIME:
                raise NotImplementedError(
                    f"Datetime pattern letter(s) {token!r} in {pattern!r} are not supported "
                    f"(supported: {', '.join(sorted(_STRPTIME))})")
            out.append(_STRPTIME[token])
        else:
            out.append(token.replace("%", "%%"))
    return "".join(out)


def parse_temporal(strings: pa.Array, data_type: DataType, pattern: Optional[str],
                   time_zone: str) -> pa.Array:
    """Parse a string column as dates or timestamps; raises ``pa.ArrowInvalid`` on a bad value.

    Without a pattern, ISO-8601 text is accepted (``2020-01-02``,
    ``2020-01-02 03:04:05.123``, with ``T`` and an optional zone).

    >>> parse_temporal(pa.array(["02/01/2020"]), DateType(), "dd/MM/yyyy", "UTC").to_pylist()
    [datetime.date(2020, 1, 2)]
    """
    if isinstance(data_type, DateType):
        if pattern is None:
            return pc.cast(strings, pa.date32())
        return pc.cast(pc.strptime(strings, format=to_strftime(pattern), unit="s"), pa.date32())
    if pattern is not None:
        fmt = to_strftime(pattern)
        parsed = pc.strptime(strings, format=fmt, unit="us")
        if "%z" in fmt:  # strptime turned zoned text into UTC instants already
            return parsed if isinstance(data_type, TimestampNTZType) else parsed.cast(
                pa.timestamp("us", tz="UTC"))
    else:
        try:
            parsed = pc.cast(strings, pa.timestamp("us"))
        except pa.ArrowInvalid:
            if isinstance(data_type, TimestampNTZType):
                raise
            return pc.cast(strings, pa.timestamp("us", tz="UTC"))  # text carries its own zone
    if isinstance(data_type, TimestampNTZType):
        return parsed
    local = pc.assume_timezone(parsed, timezone=time_zone, ambiguous="earliest",
                               nonexistent="earliest")
    return local.cast(pa.timestamp("us", tz="UTC"))


def format_temporal(column: pa.Array, data_type: DataType, pattern: Optional[str],
                    time_zone: str) -> pa.Array:
    """Dates and timestamps as text, in the session time zone.

    Defaults: ``yyyy-MM-dd`` for dates and ``yyyy-MM-dd'T'HH:mm:ss.SSSSSS``
    (wall clock, no zone) for timestamps.

    >>> ts = pa.array([1_500_000], pa.timestamp("us", tz="UTC"))
    >>> format_temporal(ts, TimestampType(), None, "Europe/Paris").to_pylist()
    ['1970-01-01T01:00:01.500000']
    """
    if isinstance(data_type, DateType):
        fmt = to_strftime(pattern) if pattern else "%Y-%m-%d"
        return pc.strftime(column, format=fmt)
    zone = time_zone if isinstance(data_type, TimestampType) else None
    # Arrow's %S prints the fraction of finer units; a user pattern decides it has none.
    unit = "s" if pattern else "us"
    column = column.cast(pa.timestamp(unit, tz=zone), safe=False)
    return pc.strftime(column, format=to_strftime(pattern) if pattern else "%Y-%m-%dT%H:%M:%S")
