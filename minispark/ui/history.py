"""The history server's applications: the event logs of one folder, replayed into stores.

Each log is read once and kept while its file is unchanged (same size and
modification time); a log that grows (a running application) or is renamed
from ``.inprogress`` is read again at the next request. A log that ends
without ``SparkListenerApplicationEnd`` is an application that crashed (or
still runs): its pages carry a banner saying the log ends early.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any

from minispark.ui.eventlog import read_event_log
from minispark.ui.store import AppStatusStore

log = logging.getLogger("minispark.ui")


class HistoryProvider:
    """Applications found in ``directory``'s event logs.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     HistoryProvider(d).apps()
    []
    """

    live = False

    def __init__(self, directory: str) -> None:
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"Log directory {directory} does not exist")
        self.directory = directory
        self._lock = threading.Lock()
        #: file name -> ((size, mtime), store)
        self._loaded: dict[str, tuple[tuple[int, float], AppStatusStore]] = {}

    def _refresh(self) -> dict[str, AppStatusStore]:
        with self._lock:
            names = sorted(n for n in os.listdir(self.directory) if not n.startswith("."))
            fresh: dict[str, tuple[tuple[int, float], AppStatusStore]] = {}
            for name in names:
                path = os.path.join(self.directory, name)
                try:
                    stat = os.stat(path)
                except FileNotFoundError:
                    continue  # renamed from .inprogress meanwhile; seen at the next listing
                if not os.path.isfile(path):
                    continue
                key = (stat.st_size, stat.st_mtime)
                known = self._loaded.get(name)
                fresh[name] = known if known is not None and known[0] == key else (
                    key, self._replay(path))
            self._loaded = fresh
            return {store.app["id"]: store for _, store in fresh.values() if store.app["id"]}

    @staticmethod
    def _replay(path: str) -> AppStatusStore:
        store = AppStatusStore()
        try:
            for event in read_event_log(path).events:
                store.apply(event)
        except (OSError, KeyError, TypeError, ValueError):
            log.warning("event log %s could not be read completely", path, exc_info=True)
        return store

    def apps(self) -> list[AppStatusStore]:
        """Every application, most recently started first."""
        return sorted(self._refresh().values(), key=lambda s: -(s.app["start"] or 0))

    def app(self, app_id: str) -> AppStatusStore | None:
        return self._refresh().get(app_id)

    def listing(self) -> list[dict[str, Any]]:
        """The history page's rows."""
        rows = []
        for store in self.apps():
            app = dict(store.app)
            app["status"] = "Completed" if store.completed else "Incomplete (log ends early)"
            rows.append(app)
        return rows
