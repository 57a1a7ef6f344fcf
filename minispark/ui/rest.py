"""Spark's monitoring REST API under ``/api/v1``, answered from status stores.

Paths, field names and time formats are Spark's, so tools written for
Spark's REST API read minispark's: ``applications``, ``.../jobs[/<id>]``,
``.../stages[/<id>[/<attempt>[/taskList]]]``, ``.../executors``,
``.../allexecutors``, ``.../storage/rdd[/<id>]``, ``.../environment``,
``.../sql[/<execution id>]``.
"""
from __future__ import annotations

import time
from typing import Any, Protocol

from minispark.ui import sql_tab
from minispark.ui.store import AppStatusStore

_TIME_KEYS = ("submissionTime", "completionTime", "launchTime", "firstTaskLaunchedTime",
              "addTime", "removeTime", "startTime", "endTime", "lastUpdated")


class AppSource(Protocol):
    """Where the server finds applications: the live one, or those of an event-log folder."""

    def apps(self) -> list[AppStatusStore]: ...

    def app(self, app_id: str) -> AppStatusStore | None: ...


def format_time(ms: int) -> str:
    """Spark's REST time format.

    >>> format_time(1796210285393)
    '2026-12-02T11:18:05.393GMT'
    """
    seconds, millis = divmod(int(ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}GMT"


def _formatted(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for key in _TIME_KEYS:
        if key in out:
            if out[key] is None:
                del out[key]
            else:
                out[key] = format_time(out[key])
    return out


def application_json(store: AppStatusStore) -> dict[str, Any]:
    app = store.application()
    attempts = []
    for attempt in app["attempts"]:
        end = attempt["endTime"] if attempt["endTime"] is not None else -1
        attempts.append({**attempt, "startTime": format_time(attempt["startTime"] or 0),
                         "endTime": format_time(end),
                         "lastUpdated": format_time(attempt["lastUpdated"] or 0),
                         "startTimeEpoch": attempt["startTime"], "endTimeEpoch": end,
                         "lastUpdatedEpoch": attempt["lastUpdated"]})
    return {**app, "attempts": attempts}


class NotFound(Exception):
    """A REST path naming an application, job, stage or RDD that does not exist."""


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise NotFound(f"unknown {what} {text!r}") from None


def answer(source: AppSource, parts: list[str], query: dict[str, str]) -> Any:
    """The JSON answer for ``/api/v1/<parts...>``; raises NotFound for unknown paths or ids."""
    if not parts or parts[0] != "applications":
        raise NotFound("unknown path")
    if len(parts) == 1:
        return [application_json(s) for s in source.apps()]
    store = source.app(parts[1])
    if store is None:
        raise NotFound(f"unknown app {parts[1]!r}")
    rest = parts[2:]
    if rest and rest[0].isdigit() and len(rest) > 1:  # an attempt id, as Spark's paths allow
        rest = rest[1:]
    if not rest:
        return application_json(store)
    handler = _HANDLERS.get(rest[0])
    if handler is None:
        raise NotFound(f"unknown path {'/'.join(parts)}")
    return handler(store, rest[1:], query)


def _jobs(store: AppStatusStore, rest: list[str], query: dict[str, str]) -> Any:
    if not rest:
        status = query.get("status")
        return [_formatted(j) for j in store.jobs(status.upper() if status else None)]
    job = store.job(_int(rest[0], "job"))
    if job is None or len(rest) > 1:
        raise NotFound(f"unknown job {rest[0]}")
    return _formatted(job)


def _stages(store: AppStatusStore, rest: list[str], query: dict[str, str]) -> Any:
    if not rest:
        status = query.get("status")
        return [_formatted(s) for s in store.stages(status.upper() if status else None)]
    stage_id = _int(rest[0], "stage")
    if len(rest) == 1:
        attempts = store.stage_attempts(stage_id)
        if not attempts:
            raise NotFound(f"unknown stage {stage_id}")
        return [_formatted(s) for s in attempts]
    attempt = _int(rest[1], "stage attempt")
    stage = store.stage(stage_id, attempt)
    if stage is None or len(rest) > 3 or (len(rest) == 3 and rest[2] != "taskList"):
        raise NotFound(f"unknown stage attempt {stage_id}.{attempt}")
    tasks = [_formatted(t) for t in store.tasks(stage_id, attempt)]
    if len(rest) == 3:
        offset, length = int(query.get("offset", 0)), int(query.get("length", 20))
        return tasks[offset:offset + length]
    return {**_formatted(stage), "tasks": {str(t["taskId"]): t for t in tasks}}


def _executors(active_only: bool) -> Any:
    def handler(store: AppStatusStore, rest: list[str], query: dict[str, str]) -> Any:
        if rest:
            raise NotFound("unknown path")
        return [_formatted(e) for e in store.executors(active_only)]
    return handler


def _storage(store: AppStatusStore, rest: list[str], query: dict[str, str]) -> Any:
    if not rest or rest[0] != "rdd" or len(rest) > 2:
        raise NotFound("unknown path")
    if len(rest) == 1:
        return store.rdds()
    rdd = store.rdd(_int(rest[1], "RDD"))
    if rdd is None:
        raise NotFound(f"unknown RDD {rest[1]}")
    return rdd


def _environment(store: AppStatusStore, rest: list[str], query: dict[str, str]) -> Any:
    if rest:
        raise NotFound("unknown path")
    return store.environment()


def _sql(store: AppStatusStore, rest: list[str], query: dict[str, str]) -> Any:
    """``sql`` (with Spark's ``offset``/``length``) and ``sql/<execution id>``."""
    if not rest:
        offset, length = int(query.get("offset", 0)), int(query.get("length", 20))
        return [_formatted(e) for e in sql_tab.executions(store)[offset:offset + length]]
    record = sql_tab.execution(store, _int(rest[0], "SQL execution"))
    if record is None or len(rest) > 1:
        raise NotFound(f"unknown SQL execution {rest[0]}")
    return _formatted(record)


_HANDLERS = {"jobs": _jobs, "stages": _stages, "executors": _executors(True),
             "allexecutors": _executors(False), "storage": _storage,
             "environment": _environment, "sql": _sql}
