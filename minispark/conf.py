"""SparkConf: key-value configuration, with pyspark's method names."""
from __future__ import annotations

from typing import Iterable


class SparkConf:
    """Configuration for a minispark application.

    >>> conf = SparkConf().setMaster("local[2]").setAppName("demo")
    >>> conf.get("spark.master"), conf.contains("spark.app.name")
    ('local[2]', True)
    >>> conf.get("missing", "fallback")
    'fallback'
    """

    def __init__(self, loadDefaults: bool = True, _jvm: object = None, _jconf: object = None) -> None:
        self._conf: dict[str, str] = {}

    def set(self, key: str, value: object) -> "SparkConf":
        """Set one property; values are kept as strings, as Spark does."""
        self._conf[key] = str(value)
        return self

    def setIfMissing(self, key: str, value: object) -> "SparkConf":
        """Set a property only when it is not set yet."""
        if key not in self._conf:
            self.set(key, value)
        return self

    def setMaster(self, value: str) -> "SparkConf":
        """Set ``spark.master``, e.g. ``local[4]``."""
        return self.set("spark.master", value)

    def setAppName(self, value: str) -> "SparkConf":
        """Set ``spark.app.name``."""
        return self.set("spark.app.name", value)

    def setSparkHome(self, value: str) -> "SparkConf":
        """Accepted for compatibility; minispark needs no Spark home."""
        return self.set("spark.home", value)

    def setExecutorEnv(self, key: str | None = None, value: str | None = None,
                       pairs: Iterable[tuple[str, str]] | None = None) -> "SparkConf":
        """Set environment variables of executor processes."""
        if (key is None) == (pairs is None):
            raise ValueError("Either pass one key-value pair or a list of pairs")
        for k, v in ([(key, value)] if key is not None else pairs or []):
            self.set(f"spark.executorEnv.{k}", v)
        return self

    def setAll(self, pairs: Iterable[tuple[str, object]]) -> "SparkConf":
        """Set several properties from (key, value) pairs."""
        for key, value in pairs:
            self.set(key, value)
        return self

    def get(self, key: str, defaultValue: str | None = None) -> str | None:
        """The value of ``key``, or ``defaultValue``."""
        return self._conf.get(key, defaultValue)

    def getAll(self) -> list[tuple[str, str]]:
        """Every (key, value) pair that is set."""
        return list(self._conf.items())

    def contains(self, key: str) -> bool:
        """Whether ``key`` is set."""
        return key in self._conf

    def toDebugString(self) -> str:
        """The configuration, one ``key=value`` per line."""
        return "\n".join(f"{k}={v}" for k, v in sorted(self._conf.items()))

    def copy(self) -> "SparkConf":
        """An independent copy (the context keeps one so later edits don't leak in)."""
        return SparkConf().setAll(self._conf.items())
