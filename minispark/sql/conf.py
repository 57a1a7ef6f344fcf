"""``spark.conf``: the session's runtime configuration (PySpark's ``RuntimeConfig``).

SQL settings have Spark's defaults; other keys fall back to the SparkContext's
configuration. Values are strings, as in Spark.

>>> spark.conf.get("spark.sql.shuffle.partitions")
'200'
"""
from __future__ import annotations

import os
from typing import Any

from minispark.errors import SparkNoSuchElementException

_UNSET = object()


def local_timezone() -> str:
    """The machine's time zone name (Spark's default ``spark.sql.session.timeZone``)."""
    name = os.environ.get("TZ")
    if name:
        return name.lstrip(":")
    try:
        with open("/etc/timezone", encoding="utf-8") as f:
            text = f.read().strip()
            if text:
                return text
    except OSError:
        pass
    target = os.path.realpath("/etc/localtime")
    marker = "zoneinfo/"
    if marker in target:
        return target.split(marker, 1)[1]
    return "UTC"


def sql_defaults() -> dict[str, str]:
    """Spark's defaults for the SQL settings minispark reads."""
    return {
        "spark.sql.shuffle.partitions": "200",
        "spark.sql.autoBroadcastJoinThreshold": "10485760b",
        "spark.sql.ansi.enabled": "true",
        "spark.sql.session.timeZone": local_timezone(),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.caseSensitive": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "false",
        "spark.sql.repl.eagerEval.enabled": "false",
        "spark.sql.warehouse.dir": os.path.join(os.getcwd(), "spark-warehouse"),
        "spark.sql.sources.default": "parquet",
        "spark.sql.sources.partitionOverwriteMode": "STATIC",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.parquet.compression.codec": "snappy",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "10000",
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "true",
        "spark.sql.pyspark.jvmStacktrace.enabled": "false",
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.sql.sources.partitionColumnTypeInference.enabled": "true",
        "spark.sql.files.ignoreCorruptFiles": "false",
        "spark.sql.files.ignoreMissingFiles": "false",
        "spark.sql.crossJoin.enabled": "true",
        "spark.sql.mapKeyDedupPolicy": "EXCEPTION",
    }


#: Settings minispark cannot honour, with the value it requires.
_FIXED = {"spark.sql.ansi.enabled": "true", "spark.sql.caseSensitive": "false"}
#: Settings that only apply at session creation (Spark's static SQL configuration).
_STATIC = ("spark.sql.warehouse.dir", "spark.master", "spark.app.name",
           "spark.sql.catalogImplementation")


class RuntimeConfig:
    """Get and set the session's configuration."""

    def __init__(self, context_conf: Any, values: dict[str, str] | None = None) -> None:
        self._context_conf = context_conf
        self._values = sql_defaults()
        self._explicit: set[str] = set()
        for key, value in (values or {}).items():
            self._store(key, value)

    def _store(self, key: str, value: Any) -> None:
        text = _text(value)
        required = _FIXED.get(key)
        if required is not None and text.lower() != required:
            raise NotImplementedError(
                f"{key}={text} is not supported: minispark runs with {key}={required} "
                "(Spark 4's default)")
        self._values[key] = text
        self._explicit.add(key)

    def set(self, key: str, value: Any) -> None:
        """Set ``key`` to ``value`` (stored as a string).

        >>> spark.conf.set("spark.sql.shuffle.partitions", 8)
        >>> spark.conf.get("spark.sql.shuffle.partitions")
        '8'
        >>> spark.conf.unset("spark.sql.shuffle.partitions")
        """
        if key in _STATIC and key in self._values and self._values[key] != _text(value):
            from minispark.errors import AnalysisException

            raise AnalysisException("CANNOT_MODIFY_CONFIG",
                                    f'Cannot modify the value of the static config: "{key}".',
                                    {"key": f'"{key}"'}, "46110")
        self._store(key, value)

    def get(self, key: str, default: Any = _UNSET) -> Any:
        """The value of ``key``.

        Unless ``key`` was set explicitly, a given ``default`` wins over the
        built-in default (as in Spark); ``None`` as ``default`` only stands for
        "no error": the built-in default, if any, is returned then.

        >>> spark.conf.get("spark.sql.sources.partitionOverwriteMode")
        'STATIC'
        >>> spark.conf.get("spark.sql.sources.partitionOverwriteMode", "DYNAMIC")
        'DYNAMIC'
        """
        if key in self._explicit:
            return self._values[key]
        value = self._context_conf.get(key) if self._context_conf is not None else None
        if value is not None:
            return value
        if default is not _UNSET and default is not None:
            return default
        if key in self._values:
            return self._values[key]
        if default is not _UNSET:
            return default
        raise SparkNoSuchElementException(
            "SQL_CONF_NOT_FOUND",
            f'The SQL config "{key}" cannot be found. Please verify that the config exists.',
            {"sqlConf": f'"{key}"'}, "42K0I")

    def unset(self, key: str) -> None:
        """Forget a value set at runtime (SQL settings go back to their default)."""
        self._explicit.discard(key)
        defaults = sql_defaults()
        if key in defaults:
            self._values[key] = defaults[key]
        else:
            self._values.pop(key, None)

    @property
    def getAll(self) -> dict[str, str]:
        """Every setting: the SparkContext's and the session's."""
        merged = dict(self._context_conf.getAll()) if self._context_conf is not None else {}
        merged.update({k: self._values[k] for k in self._explicit})
        return merged

    def static_settings(self) -> dict[str, str]:
        """The static settings given to this session (a new session on the same context
        shares them, as Spark's sessions share one warehouse)."""
        return {k: self._values[k] for k in _STATIC if k in self._explicit
                and k.startswith("spark.sql.")}

    def isModifiable(self, key: str) -> bool:
        """Whether ``key`` can change while the session runs."""
        return key.startswith("spark.sql.") and key not in _STATIC

    def _get_bytes(self, key: str) -> int:
        from minispark.common.units import parse_bytes

        return parse_bytes(self.get(key), "b")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
