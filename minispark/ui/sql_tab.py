"""The SQL tab: each SQL execution's jobs, physical plan and per-operator metrics.

Built only from Spark's SQL events (``SparkListenerSQLExecutionStart``,
``SparkListenerDriverAccumUpdates``, ``SparkListenerSQLExecutionEnd``) that
the status store keeps, plus the jobs tagged ``spark.sql.execution.id``, so a
replayed event log shows the same tab. Records have the REST API's shape
(``/api/v1/applications/<id>/sql[/<execution id>]``).
"""
from __future__ import annotations

import time
from typing import Any

from minispark.ui import graphs
from minispark.ui.store import AppStatusStore

_PREFIX = "org.apache.spark.sql.execution.ui."
START, UPDATES, END = (_PREFIX + n for n in (
    "SparkListenerSQLExecutionStart", "SparkListenerDriverAccumUpdates",
    "SparkListenerSQLExecutionEnd"))


def _metric_text(kind: str, value: int | None) -> str:
    """A metric's value as Spark's SQL tab writes it (times in ms).

    >>> _metric_text("nsTiming", 2_500_000), _metric_text("sum", 7)
    ('2 ms', '7')
    """
    if value is None:
        return ""
    if kind in ("nsTiming", "timing"):
        return f"{value // 1_000_000 if kind == 'nsTiming' else value} ms"
    return str(value)


def _flatten(info: dict[str, Any], values: dict[int, int]
             ) -> tuple[list[dict[str, Any]], list[dict[str, int]]]:
    """``sparkPlanInfo`` as REST ``nodes`` (pre-order ids) and ``edges`` (child -> parent)."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, int]] = []
    stack: list[tuple[dict[str, Any], int | None]] = [(info, None)]
    while stack:
        node, parent = stack.pop()
        node_id = len(nodes)
        nodes.append({"nodeId": node_id, "nodeName": node.get("nodeName", ""),
                      "simpleString": node.get("simpleString", ""),
                      "metrics": [{"name": m["name"],
                                   "value": _metric_text(m.get("metricType", "sum"),
                                                         values.get(m["accumulatorId"]))}
                                  for m in node.get("metrics", [])]})
        if parent is not None:
            edges.append({"fromId": node_id, "toId": parent})
        stack.extend((c, node_id) for c in reversed(node.get("children", [])))
    return nodes, edges


def executions(store: AppStatusStore) -> list[dict[str, Any]]:
    """Every SQL execution, newest first, in the REST API's ``sql`` shape."""
    values: dict[int, int] = {}
    for update in store.other(UPDATES):
        values.update((int(a), int(v)) for a, v in update.get("accumUpdates", []))
    ends = {e["executionId"]: e for e in store.other(END)}
    jobs = store.sql_jobs()
    now = int(time.time() * 1000)
    out = []
    for start in store.other(START):
        execution_id = start["executionId"]
        end = ends.get(execution_id)
        its_jobs = jobs.get(execution_id, [])
        nodes, edges = _flatten(start.get("sparkPlanInfo") or {}, values)
        status = ("RUNNING" if end is None else
                  "FAILED" if end.get("errorMessage") else "COMPLETED")
        out.append({
            "id": execution_id, "status": status, "description": start.get("description", ""),
            "planDescription": start.get("physicalPlanDescription", ""),
            "submissionTime": start.get("time"),
            "duration": ((end or {}).get("time") or store.app["end"] or now) - start["time"],
            "runningJobIds": [j["jobId"] for j in its_jobs if j["status"] == "RUNNING"],
            "successJobIds": [j["jobId"] for j in its_jobs if j["status"] == "SUCCEEDED"],
            "failedJobIds": [j["jobId"] for j in its_jobs if j["status"] == "FAILED"],
            "errorMessage": (end or {}).get("errorMessage", ""),
            "nodes": nodes, "edges": edges})
    return sorted(out, key=lambda e: -e["id"])


def execution(store: AppStatusStore, execution_id: int) -> dict[str, Any] | None:
    """One SQL execution's REST record, or None."""
    return next((e for e in executions(store) if e["id"] == execution_id), None)


def plan_graph(record: dict[str, Any]) -> graphs.Drawing:
    """The plan as a graph: inputs at the top, each operator with its output rows."""
    parents: dict[int, list[int]] = {n["nodeId"]: [] for n in record["nodes"]}
    for edge in record["edges"]:
        parents[edge["toId"]].append(edge["fromId"])
    infos = []
    for node in record["nodes"]:
        rows = next((m["value"] for m in node["metrics"]
                     if m["name"] == "number of output rows"), "")
        infos.append({"RDD ID": node["nodeId"], "Name": node["nodeName"],
                      "Parent IDs": parents[node["nodeId"]],
                      "Callsite": f"output rows: {rows}" if rows else ""})
    return graphs.rdd_graph(infos)
