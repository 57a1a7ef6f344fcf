"""A running application's status services: the store, the event log and the web UI.

One listener on the scheduler's bus only queues each event: a single thread
(Spark's event-log and status queues in one) encodes them in Spark's JSON
form, folds them into the status store and appends them to the event log, so
the scheduler's thread never formats JSON or touches a file.
"""
from __future__ import annotations

import collections
import getpass
import logging
import platform
import sys
import threading
from typing import Any

from minispark.scheduler import events as ev
from minispark.ui.eventjson import LogStart, SparkEventEncoder
from minispark.ui.eventlog import EventLogWriter, log_dir_path
from minispark.ui.store import AppStatusStore

log = logging.getLogger("minispark.ui")


class StatusQueue(ev.SparkListener):
    """Queues bus events; a thread feeds them, as JSON, to the store and the event log."""

    def __init__(self, store: AppStatusStore | None, writer: EventLogWriter | None) -> None:
        self.store = store
        self._writer = writer
        self._encoder = SparkEventEncoder()
        self._queue: collections.deque = collections.deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="minispark-status-queue",
                                        daemon=True)
        self._thread.start()

    def on_event(self, event: Any) -> None:
        self._queue.append(event)
        self._wake.set()

    def flush(self, timeout: float = 30.0) -> None:
        """Return once every event posted before this call has been applied and written."""
        done = threading.Event()
        self.on_event(done)
        done.wait(timeout)

    def stop(self) -> None:
        """Apply and write what is queued, then end the thread and close the log."""
        self._stopping = True
        self._wake.set()
        self._thread.join()
        if self._writer is not None:
            self._writer.close()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            self._drain()
            if self._stopping and not self._queue:
                return

    def _drain(self) -> None:
        batch, markers = [], []
        while self._queue:
            event = self._queue.popleft()
            if isinstance(event, threading.Event):
                markers.append(event)
                continue
            encoded = self._encoder.encode(event)
            if encoded is not None:
                batch.append(encoded)
        if self.store is not None:
            for encoded in batch:
                self.store.apply(encoded)
        if self._writer is not None and batch:
            try:
                self._writer.write(batch)
            except OSError:
                log.exception("the event log %s could not be written; it stops here",
                              self._writer.path)
                self._writer = None
        for marker in markers:
            marker.set()


def environment_sections(conf: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """What the Environment page lists: runtime, Spark properties, Python's system values."""
    return {
        "Runtime Information": [("Python Version", sys.version.split()[0]),
                                ("Python Executable", sys.executable),
                                ("Platform", platform.platform())],
        "Spark Properties": sorted(conf),
        "System Properties": [("sys.path", ":".join(sys.path))],
    }


class LiveStatus:
    """The status services of one context; ``stop()`` ends every thread and socket they own."""

    def __init__(self, bus: ev.ListenerBus, settings: Any, conf: list[tuple[str, str]],
                 app_name: str, app_id: str, start_ms: int, version: str) -> None:
        self._bus = bus
        writer = None
        if settings["spark.eventLog.enabled"]:
            writer = EventLogWriter(log_dir_path(settings["spark.eventLog.dir"]), app_id)
        self.store = AppStatusStore() if settings["spark.ui.enabled"] else None
        self.server = None
        try:
            if self.store is not None:
                from minispark.ui.server import UIServer, SingleApp

                self.server = UIServer(SingleApp(self.store), settings["spark.driver.bindAddress"],
                                       settings["spark.ui.port"], settings["spark.port.maxRetries"])
            self.queue = StatusQueue(self.store, writer)
        except BaseException:
            if self.server is not None:
                self.server.stop()
            if writer is not None:
                writer.close()
            raise
        bus.add_listener(self.queue)
        self.queue.on_event(LogStart(version))
        bus.post(ev.ApplicationStart(app_name, app_id, start_ms / 1000, getpass.getuser()))
        bus.post(ev.EnvironmentUpdate(environment_sections(conf)))
        if self.server is not None:
            self.server.start()

    @property
    def url(self) -> str | None:
        return None if self.server is None else self.server.url

    def stop(self) -> None:
        """Post ApplicationEnd, finish the event log, stop the web UI."""
        self._bus.post(ev.ApplicationEnd())
        self._bus.remove_listener(self.queue)
        try:
            self.queue.stop()
        finally:
            if self.server is not None:
                self.server.stop()


def start_live_status(bus: ev.ListenerBus, settings: Any, conf: list[tuple[str, str]],
                      app_name: str, app_id: str, start_ms: int, version: str
                      ) -> LiveStatus | None:
    """The context's status services, or None when both the UI and the event log are off."""
    if not settings["spark.ui.enabled"] and not settings["spark.eventLog.enabled"]:
        return None
    return LiveStatus(bus, settings, conf, app_name, app_id, start_ms, version)
