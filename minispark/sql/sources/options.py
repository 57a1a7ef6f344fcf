"""Data source options: case-insensitive, typed, and never silently ignored."""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from minispark.errors import IllegalArgumentException


def option_text(value: Any) -> Optional[str]:
    """An option value as Spark stores it: ``True`` is ``"true"``, ``None`` stays ``None``.

    >>> option_text(True), option_text(3), option_text(None)
    ('true', '3', None)
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Options:
    """The options given to one source, with the names that source understands.

    Names are case-insensitive, as in Spark. An option the source does not
    know raises ``NotImplementedError`` naming it, instead of being dropped.

    >>> opts = Options({"Header": "true", "sep": ";"}, "csv", ["header", "sep"])
    >>> opts.get_bool("header", False), opts.get("SEP"), opts.get("quote", '"')
    (True, ';', '"')
    >>> Options({"colour": "red"}, "csv", ["header"])
    Traceback (most recent call last):
    ...
    NotImplementedError: Option 'colour' is not supported by the csv data source (supported: header)
    """

    def __init__(self, options: Mapping[str, Any], source: str, known: Iterable[str]) -> None:
        self.source = source
        self._values = {k.lower(): option_text(v) for k, v in options.items() if v is not None}
        known_names = {k.lower() for k in known}
        unknown = [k for k in options if k.lower() not in known_names and options[k] is not None]
        if unknown:
            listed = ", ".join(repr(k) for k in unknown)
            plural = "s" if len(unknown) > 1 else ""
            raise NotImplementedError(
                f"Option{plural} {listed} {'are' if plural else 'is'} not supported by the "
                f"{source} data source (supported: {', '.join(sorted(known))})")

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The option's text, or ``default``."""
        return self._values.get(name.lower(), default)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._values

    def get_bool(self, name: str, default: bool) -> bool:
        """A ``true`` / ``false`` option (any case)."""
        value = self.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered not in ("true", "false"):
            raise IllegalArgumentException(
                None, f"{name} flag can be true or false, got {value!r} ({self.source} option)")
        return lowered == "true"

    def get_int(self, name: str, default: int) -> int:
        """An integer option."""
        value = self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise IllegalArgumentException(
                None, f"{name} must be an integer, got {value!r} ({self.source} option)") from None

    def get_char(self, name: str, default: str) -> str:
        """A one-character option (``sep``, ``quote``, ``escape``); ``\\t``-style escapes allowed."""
        value = self.get(name)
        if value is None:
            return default
        decoded = {"\\t": "\t", "\\n": "\n", "\\r": "\r", "\\\\": "\\", "\\u0000": "\0"}.get(value, value)
        if len(decoded) != 1:
            raise IllegalArgumentException(
                None, f"{name} must be a single character, got {value!r} ({self.source} option)")
        return decoded

    def require_utf8(self) -> None:
        """Refuse an ``encoding``/``charset`` other than UTF-8."""
        encoding = (self.get("encoding") or self.get("charset") or "utf-8").lower()
        if encoding not in ("utf-8", "utf8"):
            raise NotImplementedError(
                f"Encoding {encoding!r} is not supported by the {self.source} data source (only UTF-8)")

    def get_codec(self, codecs: Mapping[str, str], default: str) -> str:
        """The ``compression`` option, mapped through ``codecs`` (name -> codec)."""
        codec = (self.get("compression") or default).lower()
        if codec not in codecs:
            raise NotImplementedError(
                f"{self.source} compression codec {codec!r} is not supported "
                f"(supported: {', '.join(sorted(codecs))})")
        return codecs[codec]

    def get_choice(self, name: str, default: str, choices: Iterable[str]) -> str:
        """One of ``choices`` (compared case-insensitively, returned upper-cased)."""
        value = (self.get(name) or default).upper()
        allowed = [c.upper() for c in choices]
        if value not in allowed:
            raise IllegalArgumentException(
                None, f"{name} must be one of {', '.join(allowed)}, got {value!r} "
                f"({self.source} option)")
        return value
