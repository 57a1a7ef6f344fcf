"""Every setting a SparkContext reads: its default and how its value parses.

A context parses all of them when it starts, before it creates a folder or an
executor, so a mistyped value fails at once with an error that names the key
and the value. Settings that PySpark users commonly carry over but that mean
nothing here are accepted with a warning that names them and says why; so are
``spark.*`` keys minispark does not know at all. Nothing is ignored silently.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from minispark.common.units import parse_bytes, parse_seconds
from minispark.scheduler.pools import parse_mode

log = logging.getLogger("minispark")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1")
    return value


def _mebibytes(text: str) -> int:
    """A size in bytes; a bare number means MiB, as Spark's memory settings do."""
    return parse_bytes(text, "m")


def _bytes(text: str) -> int:
    return parse_bytes(text, "b")


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError("must be a TCP port, 0 to 65535 (0: any free port)")
    return port


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError("must be true or false")
    return lowered == "true"


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"must be one of {', '.join(repr(a) for a in allowed)}")
        return text
    return parse


@dataclass(frozen=True)
class Setting:
    """One setting: its key, its default (None: unset) and its parser."""

    key: str
    default: str | None
    parse: Callable[[str], Any] = str


_SETTINGS = {s.key: s for s in (
    Setting("spark.master", "local[*]"),
    Setting("spark.app.name", "minispark"),
    Setting("spark.home", None),
    Setting("spark.local.dir", None),
    Setting("spark.default.parallelism", None, _positive_int),
    Setting("spark.task.maxFailures", "4", _positive_int),
    Setting("spark.stage.maxConsecutiveAttempts", "4", _positive_int),
    Setting("spark.locality.wait", "3s", parse_seconds),
    Setting("spark.executor.memory", "1g", _mebibytes),
    Setting("spark.memory.storageFraction", "0.6", _fraction),
    Setting("spark.python.worker.memory", "512m", _mebibytes),
    Setting("spark.shuffle.spill.numElementsForceSpillThreshold", None, _positive_int),
    Setting("spark.driver.maxResultSize", "1g", _bytes),
    Setting("spark.ui.showConsoleProgress", None, _boolean),
    Setting("spark.ui.enabled", "true", _boolean),
    Setting("spark.ui.port", "4040", int),
    Setting("spark.port.maxRetries", "16", int),
    Setting("spark.driver.bindAddress", "127.0.0.1"),
    Setting("spark.eventLog.enabled", "false", _boolean),
    Setting("spark.eventLog.dir", "file:/tmp/spark-events"),
    Setting("spark.barrier.sync.timeout", "365d", parse_seconds),
    Setting("spark.submit.pyFiles", None),
    Setting("spark.files", None),
    Setting("spark.files.maxPartitionBytes", "128m", _bytes),
    Setting("spark.blockManager.bindAddress", "127.0.0.1"),
    Setting("spark.reducer.maxSizeInFlight", "48m", _mebibytes),
    Setting("minispark.shuffle.fetch.forceRemote", "false", _boolean),
    Setting("minispark.executor.backend", "process", _choice("process", "inline")),
    # dask:// masters: where executors reach the driver, how long a job waits for one
    Setting("spark.driver.host", None),
    Setting("spark.driver.port", "0", _port),
    Setting("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s", parse_seconds),
    # jobs from several threads: who gets a free task slot first (scheduler/pools.py)
    Setting("spark.scheduler.mode", "FIFO", parse_mode),
    Setting("spark.scheduler.allocation.file", None),
)}

#: Prefixes whose keys are read by name elsewhere (executor environment,
#: Hadoop and SQL settings, job properties).
_OPEN_PREFIXES = ("spark.executorEnv.", "spark.hadoop.", "spark.sql.", "spark.job.",
                  "spark.jobGroup.", "minispark.hdfs.")

#: Settings PySpark users commonly set that have no effect here, and why.
NOT_HONOURED = {
    "spark.driver.memory": "the driver is the Python process you started",
    "spark.driver.cores": "the driver is the Python process you started",
    "spark.executor.instances": "the master sets the executor count (local[N])",
    "spark.executor.cores": "each executor runs one task at a time",
    "spark.cores.max": "the master sets the executor count (local[N])",
    "spark.submit.deployMode": "the driver always runs in this process",
    "spark.serializer": "records travel as pickled batches, closures with cloudpickle",
    "spark.kryoserializer.buffer.max": "there is no Kryo; records travel as pickled batches",
    "spark.speculation": "speculative execution is not implemented",
    "spark.dynamicAllocation.enabled": "the executor count is fixed by the master",
    "spark.shuffle.compress": "shuffle files are not compressed",
    "spark.shuffle.spill.compress": "spill files are not compressed",
    "spark.io.compression.codec": "shuffle and spill files are not compressed",
    "spark.rdd.compress": "cached blocks are not compressed",
    "spark.memory.fraction": "only spark.memory.storageFraction bounds cached blocks",
    "spark.memory.offHeap.enabled": "there is no off-heap memory in a Python process",
    "spark.network.timeout": "executors are local processes watched through their sockets",
    "spark.executor.heartbeatInterval": "a dead executor is seen when its socket closes",
    "spark.python.worker.reuse": "executors are always reused across tasks and jobs",
}


class ConfigError(ValueError):
    """A setting's value does not parse; the message names the key and the value."""


def parse(key: str, text: str) -> Any:
    """The value of setting ``key`` given as ``text``.

    >>> parse("spark.executor.memory", "2g"), parse("spark.locality.wait", "500ms")
    (2147483648, 0.5)
    >>> parse("spark.task.maxFailures", "abc")
    Traceback (most recent call last):
    ...
    minispark.settings.ConfigError: spark.task.maxFailures: invalid value 'abc' (invalid literal for int() with base 10: 'abc')
    """
    try:
        return _SETTINGS[key].parse(text)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{key}: invalid value {text!r} ({exc})") from None


class Settings:
    """The parsed values of one configuration; built before anything else exists.

    >>> s = Settings([("spark.task.maxFailures", "2")])
    >>> s["spark.task.maxFailures"], s["spark.stage.maxConsecutiveAttempts"]
    (2, 4)
    >>> s["spark.default.parallelism"] is None
    True
    """

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        given = dict(pairs)
        self._values = {key: self._value(setting, given.get(key))
                        for key, setting in _SETTINGS.items()}
        _warn_unused(given)

    @staticmethod
    def _value(setting: Setting, text: str | None) -> Any:
        text = setting.default if text is None else text
        return None if text is None else parse(setting.key, text)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]


def _warn_unused(given: dict[str, str]) -> None:
    for key in sorted(given):
        if key in NOT_HONOURED:
            log.warning("%s is set but has no effect in minispark: %s", key, NOT_HONOURED[key])
        elif (key not in _SETTINGS and key.startswith(("spark.", "minispark."))
              and not key.startswith(_OPEN_PREFIXES)):
            log.warning("%s is not a setting minispark knows; it is ignored", key)
