"""Event logs: one Spark JSON event per line, as ``spark.eventLog.enabled`` writes them.

While the application runs its log is ``<dir>/<app id>.inprogress``; when the
context stops, the log is flushed and renamed to ``<dir>/<app id>``, as
Spark's single-file logs are. A log still named ``.inprogress`` whose
application is gone, or one that ends without ``SparkListenerApplicationEnd``,
belongs to an application that crashed: :func:`read_event_log` reads what it
has and says it ended early.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, TextIO

IN_PROGRESS = ".inprogress"


def log_dir_path(uri: str) -> str:
    """The local folder of a ``spark.eventLog.dir`` value (``file:`` URI or plain path).

    >>> log_dir_path("file:/tmp/spark-events"), log_dir_path("/var/log/x")
    ('/tmp/spark-events', '/var/log/x')
    """
    if uri.startswith("file://"):
        return uri[len("file://"):]
    if uri.startswith("file:"):
        return uri[len("file:"):]
    if "://" in uri:
        raise NotImplementedError(
            f"spark.eventLog.dir={uri!r}: minispark writes event logs to local folders only "
            "(file: URIs or plain paths)")
    return uri


class EventLogWriter:
    """Appends JSON events to ``<dir>/<app id>.inprogress``; ``close()`` renames it."""

    def __init__(self, directory: str, app_id: str) -> None:
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                f"Log directory {directory} does not exist: create it or set "
                "spark.eventLog.dir to an existing folder (spark.eventLog.enabled is true)")
        self.path = os.path.join(directory, app_id)
        if os.path.exists(self.path) or os.path.exists(self.path + IN_PROGRESS):
            raise FileExistsError(f"Event log {self.path} already exists")
        self._file: TextIO | None = open(self.path + IN_PROGRESS, "w", encoding="utf-8")

    def write(self, events: list[dict[str, Any]]) -> None:
        """Append ``events``, one line each, and flush them to the operating system."""
        assert self._file is not None
        self._file.write("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))
        self._file.flush()

    def close(self) -> None:
        """Flush to disk and give the log its final name."""
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self.path + IN_PROGRESS, self.path)


@dataclass
class EventLog:
    """What a log file holds: its events, and whether the application finished."""

    path: str
    events: list[dict[str, Any]] = field(default_factory=list)
    #: The last line was cut off (the writer died mid-line).
    truncated: bool = False

    @property
    def in_progress(self) -> bool:
        return self.path.endswith(IN_PROGRESS)

    @property
    def finished(self) -> bool:
        return any(e.get("Event") == "SparkListenerApplicationEnd" for e in self.events[-3:])


def read_event_log(path: str) -> EventLog:
    """Parse a log; a line that is not JSON ends it (the application died while writing).

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "local-1")
    ...     _ = open(p, "w").write('{"Event": "SparkListenerLogStart"}\\n{"Event": "Spa')
    ...     log = read_event_log(p)
    >>> len(log.events), log.truncated, log.finished
    (1, True, False)
    """
    log = EventLog(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                log.events.append(json.loads(line))
            except json.JSONDecodeError:
                log.truncated = True
                break
    return log
