"""One query's life: analyzed plan -> optimized plan -> physical plan -> batches.

``QueryExecution`` is what ``explain()`` prints and what every action runs.
``collect`` gathers every batch; ``take(n)`` scans partitions incrementally
(as Spark's ``executeTake``), so ``show()`` on a large table reads one
partition, not all of them.
"""
from __future__ import annotations

import functools
import re
from functools import cached_property
from typing import Any, Callable, TypeVar

import pyarrow as pa

from minispark import errors
from minispark.common.errors import SparkException
from minispark.errors.exceptions.base import rebuild_error

from minispark.sql.execution.evaluator import EvalSettings, evaluate_constant
from minispark.sql.execution.physical import (
    CollectLimitExec, ExecutionContext, SparkPlan, collect_batches, concat_batches, first_rows,
)
from minispark.sql.execution.sort import TakeOrderedAndProjectExec
from minispark.sql.execution.tracking import sql_execution
from minispark.sql.plan import logical as L
from minispark.sql.plan.optimizer import optimize
from minispark.sql.plan.planner import plan_physical


_TASK_FAILURE = re.compile(r"\(TID \d+\): (\w+): (.*)", re.S)
_CONDITION = re.compile(r"^\[([A-Z0-9_.]+)\] (.*?)(?: SQLSTATE: (\w+))?$", re.S)
F = TypeVar("F", bound=Callable[..., Any])


def user_error(failure: SparkException) -> Exception:
    """The SQL error a task raised (``ArithmeticException: [DIVIDE_BY_ZERO] ...``), rebuilt
    on the driver as that class, as PySpark surfaces the JVM's error; else ``failure``."""
    match = _TASK_FAILURE.search(str(failure))
    cls = getattr(errors, match.group(1), None) if match else None
    if not (isinstance(cls, type) and issubclass(cls, errors.PySparkException)):
        return failure
    text = match.group(2).strip()  # type: ignore[union-attr]
    parts = _CONDITION.match(text)
    condition, message, state = parts.groups() if parts else (None, text, None)
    error = rebuild_error(cls, condition, message, {}, state, text)
    error.__cause__ = failure
    return error


def surfacing_errors(method: F) -> F:
    """Run an action so that a task's SQL error reaches the caller as its own class."""
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SparkException as failure:
            error = user_error(failure)
            if error is failure:
                raise
            raise error from failure
    return run  # type: ignore[return-value]


class QueryExecution:
    """The stages of one query over an analyzed logical plan."""

    def __init__(self, session: Any, analyzed: L.LogicalPlan) -> None:
        self.session = session
        self.analyzed = analyzed

    @cached_property
    def context(self) -> ExecutionContext:
        return self.session._execution_context()

    @cached_property
    def with_cached_data(self) -> L.LogicalPlan:
        return self.session._cache_manager.use_cached(self.analyzed)

    @cached_property
    def optimized(self) -> L.LogicalPlan:
        settings = self.context.settings
        return optimize(self.with_cached_data, lambda e: evaluate_constant(e, settings),
                        self._scalar_subquery)

    def _scalar_subquery(self, plan: L.LogicalPlan) -> Any:
        """An uncorrelated scalar subquery, run now (as Spark runs it before the query)."""
        from minispark.sql.conversion import column_values
        from minispark.sql.plan.subquery import scalar_value

        table = QueryExecution(self.session, plan).take(2)
        data_type = plan.output[0].data_type
        values = column_values(table.column(0), data_type) if table.num_rows else []
        literal = scalar_value(values, data_type)
        if hasattr(literal.value, "tzinfo") and data_type.simpleString() == "timestamp":
            literal.value = table.column(0)[0].as_py()
        return literal

    @cached_property
    def physical(self) -> SparkPlan:
        return plan_physical(self.optimized, self.context)

    def rdd(self) -> Any:
        """The RDD of this query's batches."""
        return self.physical.execute(self.context)

    @surfacing_errors
    @sql_execution
    def collect(self) -> pa.Table:
        """Every row, as one Arrow table with the query's schema."""
        plan = self.physical
        if isinstance(plan, TakeOrderedAndProjectExec):
            batches = [plan.top_rows(self.context)]
        elif isinstance(plan, CollectLimitExec):
            batches = plan.execute_collect(self.context)
        else:
            batches = collect_batches(plan.execute(self.context))
        return _table(batches, plan.schema())

    @surfacing_errors
    @sql_execution
    def take(self, n: int) -> pa.Table:
        """The first ``n`` rows, scanning no more partitions than needed."""
        plan = self.physical
        if isinstance(plan, (TakeOrderedAndProjectExec, CollectLimitExec)):
            return self.collect().slice(0, n)
        return _table(first_rows(plan.execute(self.context), n), plan.schema())

    @surfacing_errors
    @sql_execution
    def count(self) -> int:
        plan = self.physical
        rdd = plan.execute(self.context)
        return sum(rdd.ctx._run_job(rdd, lambda _ctx, it: sum(b.num_rows for b in it)))

    def explain_string(self, mode: str = "simple") -> str:
        physical = "== Physical Plan ==\n" + self.physical.tree_string() + "\n"
        if mode == "simple":
            return physical
        if mode in ("extended", "formatted", "cost", "codegen"):
            return ("== Parsed Logical Plan ==\n" + self.analyzed.tree_string() + "\n\n"
                    "== Analyzed Logical Plan ==\n" + _schema_line(self.analyzed)
                    + self.analyzed.tree_string() + "\n\n"
                    "== Optimized Logical Plan ==\n" + self.optimized.tree_string() + "\n\n"
                    + physical)
        raise ValueError(f"Unknown explain mode: {mode}. Accepted explain modes are 'simple', "
                         "'extended', 'codegen', 'cost', 'formatted'.")


def _schema_line(plan: L.LogicalPlan) -> str:
    return ", ".join(f"{a.name}: {a.data_type.simpleString()}" for a in plan.output) + "\n"


def _table(batches: list[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    if not len(schema):
        rows = sum(b.num_rows for b in batches)
        return pa.table({"_": pa.nulls(rows)}).select([])
    batch = concat_batches(batches, schema)
    return pa.Table.from_batches([batch], schema)


__all__ = ["QueryExecution", "EvalSettings"]
