"""SQL executions on the listener bus: what the SQL tab and the event log show of a query.

An action on a DataFrame is one SQL execution, as in Spark: it posts
``SparkListenerSQLExecutionStart`` (description, physical plan, plan tree with
the accumulator id of each operator metric), tags the jobs it runs with the
local property ``spark.sql.execution.id``, and at its end posts the metric
values (``SparkListenerDriverAccumUpdates``) and ``SparkListenerSQLExecutionEnd``.
Names and fields are Spark's, so the JSON events read like Spark's.
"""
from __future__ import annotations

import functools
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from minispark.sql.execution.metrics import METRIC_NAMES, METRIC_TYPES, METRICS_KEY, QueryMetrics

#: The local property tagging an execution's jobs, as Spark names it.
EXECUTION_ID = "spark.sql.execution.id"
_EVENT_PREFIX = "org.apache.spark.sql.execution.ui."
F = TypeVar("F", bound=Callable[..., Any])
#: Execution ids count up across the process, as Spark's do across its JVM.
_next_execution_id = itertools.count().__next__


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


@dataclass
class SQLExecutionStart:
    execution_id: int
    description: str
    details: str
    plan_description: str
    plan_info: dict[str, Any]
    job_group: str | None = None
    time: float = field(default_factory=time.time)

    def spark_json(self) -> dict[str, Any]:
        """The event-log form: Spark's ``SparkListenerSQLExecutionStart``."""
        out = {"Event": _EVENT_PREFIX + "SparkListenerSQLExecutionStart",
               "executionId": self.execution_id, "rootExecutionId": self.execution_id,
               "description": self.description, "details": self.details,
               "physicalPlanDescription": self.plan_description,
               "sparkPlanInfo": self.plan_info, "time": _ms(self.time),
               "modifiedConfigs": {}, "jobTags": []}
        if self.job_group is not None:
            out["jobGroupId"] = self.job_group
        return out


@dataclass
class DriverAccumUpdates:
    execution_id: int
    updates: list[list[int]]

    def spark_json(self) -> dict[str, Any]:
        """Spark's ``SparkListenerDriverAccumUpdates``: ``[accumulator id, value]`` pairs."""
        return {"Event": _EVENT_PREFIX + "SparkListenerDriverAccumUpdates",
                "executionId": self.execution_id, "accumUpdates": self.updates}


@dataclass
class SQLExecutionEnd:
    execution_id: int
    error: str = ""
    time: float = field(default_factory=time.time)

    def spark_json(self) -> dict[str, Any]:
        """Spark's ``SparkListenerSQLExecutionEnd``; ``errorMessage`` is empty on success."""
        return {"Event": _EVENT_PREFIX + "SparkListenerSQLExecutionEnd",
                "executionId": self.execution_id, "time": _ms(self.time),
                "errorMessage": self.error}


def plan_info(node: Any, metrics: QueryMetrics) -> dict[str, Any]:
    """Spark's ``sparkPlanInfo`` tree: each operator with its metrics' accumulator ids."""
    ids = metrics.metric_ids[metrics.node_id(node)]  # type: ignore[index]
    return {"nodeName": node.node_name(), "simpleString": node.simple_string(),
            "children": [plan_info(c, metrics) for c in node.children], "metadata": {},
            "metrics": [{"name": n, "accumulatorId": i, "metricType": t}
                        for n, i, t in zip(METRIC_NAMES, ids, METRIC_TYPES)]}


def sql_execution(method: F) -> F:
    """Run a QueryExecution action as one SQL execution (a nested one joins its parent's)."""
    @functools.wraps(method)
    def run(query: Any, *args: Any, **kwargs: Any) -> Any:
        sc = query.context.sc
        if sc.getLocalProperty(EXECUTION_ID) is not None:
            return method(query, *args, **kwargs)
        execution_id = _next_execution_id()
        sc.setLocalProperty(EXECUTION_ID, str(execution_id))
        try:
            return _run_execution(query, execution_id, method, args, kwargs)
        finally:
            sc.setLocalProperty(EXECUTION_ID, None)
    return run  # type: ignore[return-value]


def _run_execution(query: Any, execution_id: int, method: Callable[..., Any],
                   args: tuple, kwargs: dict) -> Any:
    sc, plan = query.context.sc, query.physical
    metrics = QueryMetrics(sc, plan)
    call_site = sc._call_site()
    sc._bus.post(SQLExecutionStart(
        execution_id, sc.getLocalProperty("spark.job.description") or call_site, call_site,
        query.explain_string(), plan_info(plan, metrics),
        sc.getLocalProperty("spark.jobGroup.id")))
    query.context.extra[METRICS_KEY] = metrics
    error = ""
    try:
        return method(query, *args, **kwargs)
    except BaseException as failure:
        error = f"{type(failure).__name__}: {failure}"
        raise
    finally:
        query.context.extra.pop(METRICS_KEY, None)
        sc._bus.post(DriverAccumUpdates(execution_id, metrics.updates()))
        sc._bus.post(SQLExecutionEnd(execution_id, error))
