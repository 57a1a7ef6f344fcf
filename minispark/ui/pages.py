"""The web UI's HTML pages, rendered with Jinja2 (autoescaping on) from a status store.

Routes are Spark's: ``/jobs/``, ``/jobs/job/?id=N``, ``/stages/``,
``/stages/stage/?id=N&attempt=M``, ``/storage/``, ``/storage/rdd/?id=N``,
``/environment/``, ``/executors/``; the history server serves the same pages
under ``/history/<app id>/``; the SQL tab (``/SQL/``, ``/SQL/execution/?id=N``) shows
the SQL layer's executions. Another layer adds a tab with :func:`register_tab`.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

import jinja2

from minispark.ui import graphs, sql_tab
from minispark.ui.store import AppStatusStore

_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
_HISTORY_PATH = re.compile(r"/history/([^/]+)(/.*)?$")


class PageNotFound(Exception):
    """No such page, or no such job, stage or RDD: answered with a 404."""


@dataclass
class Redirect:
    location: str


@dataclass
class Tab:
    """One tab of the navigation bar: ``/<path>/`` rendered by ``render(store, query)``,
    which returns ``(template name, template variables)``."""

    path: str
    title: str
    render: Callable[[AppStatusStore, dict[str, str]], tuple[str, dict[str, Any]]]


def format_time(ms: int | None) -> str:
    """A page's time: local ``YYYY/MM/DD HH:MM:SS``, as Spark's pages show it."""
    if ms is None:
        return "-"
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(ms / 1000))


def format_duration(ms: int | float | None) -> str:
    """``850 ms``, ``1.2 s``, ``3.5 min``, ``2.0 h``.

    >>> format_duration(850), format_duration(1200), format_duration(210000)
    ('850 ms', '1.2 s', '3.5 min')
    """
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{int(ms)} ms"
    for unit, size in (("h", 3600000), ("min", 60000)):
        if ms >= size:
            return f"{ms / size:.1f} {unit}"
    return f"{ms / 1000:.1f} s"


def format_bytes(n: int | None) -> str:
    """``0.0 B``, ``1.5 KiB``, ``2.0 MiB``, as Spark's pages write sizes.

    >>> format_bytes(0), format_bytes(1536)
    ('0.0 B', '1.5 KiB')
    """
    value = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


_env = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True,
                          lstrip_blocks=True)
_env.filters.update(time=format_time, duration=format_duration, bytes=format_bytes)


def _int_arg(query: dict[str, str], name: str, default: int | None = None) -> int:
    text = query.get(name)
    if text is None and default is not None:
        return default
    if text is None or not text.lstrip("-").isdigit():
        raise PageNotFound(f"missing or invalid parameter {name}={text!r}")
    return int(text)


def _now(store: AppStatusStore) -> int:
    return store.app["end"] or int(time.time() * 1000)


def _jobs_page(store: AppStatusStore, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    jobs = store.jobs()
    bars, height = graphs.timeline(jobs, store.app["start"] or 0, _now(store))
    return "jobs.html", {
        "groups": [(title, [j for j in jobs if j["status"] == status])
                   for title, status in (("Active Jobs", "RUNNING"),
                                         ("Completed Jobs", "SUCCEEDED"),
                                         ("Failed Jobs", "FAILED"))],
        "bars": bars, "timeline_height": height, "now": _now(store)}


def _job_page(store: AppStatusStore, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    job = store.job(_int_arg(query, "id"))
    if job is None:
        raise PageNotFound(f"no job {query.get('id')}")
    stages = [s for s in store.stages() if s["stageId"] in job["stageIds"]]
    return "job.html", {"job": job, "stages": stages, "now": _now(store)}


_STAGE_GROUPS = (("Active Stages", "ACTIVE"), ("Pending Stages", "PENDING"),
                 ("Completed Stages", "COMPLETE"), ("Skipped Stages", "SKIPPED"),
                 ("Failed Stages", "FAILED"))


def _stages_page(store: AppStatusStore, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    stages = store.stages()
    return "stages.html", {"groups": [(title, [s for s in stages if s["status"] == status])
                                      for title, status in _STAGE_GROUPS],
                           "now": _now(store)}


def _stage_page(store: AppStatusStore, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    stage_id, attempt = _int_arg(query, "id"), _int_arg(query, "attempt", 0)
    stage = store.stage(stage_id, attempt)
    if stage is None:
        raise PageNotFound(f"no stage {stage_id} attempt {attempt}")
    return "stage.html", {"stage": stage, "tasks": store.tasks(stage_id, attempt),
                          "dag": graphs.rdd_graph(store.stage_rdds(stage_id, attempt)),
                          "node_w": graphs.NODE_W, "node_h": graphs.NODE_H,
                          "now": _now(store)}


def _storage_page(store: AppStatusStore, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    return "storage.html", {"rdds": store.rdds()}


def _rdd_page(store: AppStatusStore, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    rdd = store.rdd(_int_arg(query, "id"))
    if rdd is None:
        raise PageNotFound(f"no cached RDD {query.get('id')}")
    return "rdd.html", {"rdd": rdd}


def _environment_page(store: AppStatusStore, query: dict[str, str]
                      ) -> tuple[str, dict[str, Any]]:
    return "environment.html", {"env": store.environment()}


def _executors_page(store: AppStatusStore, query: dict[str, str]
                    ) -> tuple[str, dict[str, Any]]:
    executors = store.executors()
    return "executors.html", {"active": [e for e in executors if e["isActive"]],
                              "lost": [e for e in executors if not e["isActive"]]}


def _sql_page(store: AppStatusStore, query: dict[str, str]) -> tuple[str, dict[str, Any]]:
    executions = sql_tab.executions(store)
    return "sql.html", {"groups": [(title, [e for e in executions if e["status"] == status])
                                   for title, status in (("Running Queries", "RUNNING"),
                                                         ("Completed Queries", "COMPLETED"),
                                                         ("Failed Queries", "FAILED"))]}


def _execution_page(store: AppStatusStore, query: dict[str, str]
                    ) -> tuple[str, dict[str, Any]]:
    record = sql_tab.execution(store, _int_arg(query, "id"))
    if record is None:
        raise PageNotFound(f"no SQL execution {query.get('id')}")
    return "sql_execution.html", {"execution": record, "dag": sql_tab.plan_graph(record),
                                  "node_w": graphs.NODE_W, "node_h": graphs.NODE_H}


TABS: list[Tab] = [Tab("jobs", "Jobs", _jobs_page), Tab("stages", "Stages", _stages_page),
                   Tab("storage", "Storage", _storage_page),
                   Tab("environment", "Environment", _environment_page),
                   Tab("executors", "Executors", _executors_page),
                   Tab("SQL", "SQL", _sql_page)]
#: Pages below a tab: path -> (tab path, renderer).
_SUBPAGES = {"jobs/job": ("jobs", _job_page), "stages/stage": ("stages", _stage_page),
             "storage/rdd": ("storage", _rdd_page), "SQL/execution": ("SQL", _execution_page)}


def register_tab(tab: Tab) -> None:
    """Add a tab (e.g. SQL) to every UI; its template must extend ``base.html``."""
    if all(t.path != tab.path for t in TABS):
        TABS.append(tab)


def add_template_folder(folder: str) -> None:
    """Let a registered tab's templates live in its own package."""
    loader = _env.loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    if folder not in loader.searchpath:
        loader.searchpath.append(folder)


def render(source: Any, path: str, query: dict[str, str]) -> str | Redirect:
    """The HTML of ``path`` (a Redirect for ``/``); PageNotFound when nothing is there."""
    if getattr(source, "live", False):
        store, prefix, page = source.store, "", path
    else:
        if path.rstrip("/") == "":
            return _env.get_template("history.html").render(apps=source.listing())
        match = _HISTORY_PATH.match(path)
        store = source.app(match.group(1)) if match else None
        if store is None:
            raise PageNotFound(f"no application at {path}")
        prefix, page = f"/history/{match.group(1)}", match.group(2) or "/"
    key = page.strip("/")
    if key == "":
        return Redirect(prefix + "/jobs/")
    tabs = {t.path: (t.path, t.render) for t in TABS}
    tab, renderer = tabs.get(key) or _SUBPAGES.get(key) or (None, None)
    if renderer is None:
        raise PageNotFound(f"no page {page}")
    template, variables = renderer(store, query)
    return _env.get_template(template).render(
        app=store.application(), tabs=TABS, tab=tab, prefix=prefix, live=source.live,
        completed=store.completed, **variables)
