"""Parsing Spark-style sizes ("512m", "1g") and durations ("3s", "100ms")."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_SIZE = {"b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
         "g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40}
_TIME = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_TENTH = Decimal("0.1")


def parse_bytes(text: str, default_unit: str = "b") -> int:
    """Bytes in a size string; a bare number is in ``default_unit``.

    >>> parse_bytes("512m"), parse_bytes("2g"), parse_bytes("100")
    (536870912, 2147483648, 100)
    """
    number, unit = _split(text)
    if unit not in _SIZE and not (unit == "" and default_unit in _SIZE):
        raise ValueError(f"Invalid size: {text!r} (use e.g. 512m, 2g)")
    return int(float(number) * _SIZE[unit or default_unit])


def parse_seconds(text: str, default_unit: str = "s") -> float:
    """Seconds in a duration string; a bare number is in ``default_unit``.

    >>> parse_seconds("3s"), parse_seconds("100ms"), parse_seconds("2")
    (3.0, 0.1, 2.0)
    """
    number, unit = _split(text)
    if unit not in _TIME and not (unit == "" and default_unit in _TIME):
        raise ValueError(f"Invalid duration: {text!r} (use e.g. 3s, 100ms)")
    return float(number) * _TIME[unit or default_unit]


def _split(text: str) -> tuple[str, str]:
    text = str(text).strip().lower()
    i = len(text)
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    if not text[:i]:
        raise ValueError(f"Invalid value: {text!r}")
    return text[:i], text[i:]


def format_size(size: int) -> str:
    """A byte count as Spark prints it: the largest unit it is at least twice of.

    Halves round up, as Java's ``%.1f`` of Spark's exact decimal does
    (a float's round-half-even would print ``2.2 KiB`` for 2304 bytes):

    >>> format_size(1 << 20), format_size(21 << 20), format_size(100), format_size(2304)
    ('1024.0 KiB', '21.0 MiB', '100.0 B', '2.3 KiB')
    """
    for name, unit in (("EiB", 1 << 60), ("PiB", 1 << 50), ("TiB", 1 << 40),
                       ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= 2 * unit:
            return f"{(Decimal(size) / unit).quantize(_TENTH, ROUND_HALF_UP)} {name}"
    return f"{float(size):.1f} B"
