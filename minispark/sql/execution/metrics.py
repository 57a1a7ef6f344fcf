"""Per-operator SQL metrics: output rows, output batches and time, counted per batch.

While a query runs, every operator of its physical plan passes its batches
through a counting step that adds ``(rows, batches, nanoseconds)`` for its
node to one accumulator per query; the driver merges what each task counted,
as Spark's SQL metrics travel back as accumulator updates. The time is the
operator's own: the time spent producing its batches minus its children's
(within its stage).
"""
from __future__ import annotations

import time
from typing import Any, Iterator

import pyarrow as pa

from minispark.accumulators import AccumulatorParam

#: The metrics every operator reports, in the order of a counted triple.
METRIC_NAMES = ("number of output rows", "number of output batches", "time")
METRIC_TYPES = ("sum", "sum", "nsTiming")
#: Where an action puts its :class:`QueryMetrics` in the ``ExecutionContext``.
METRICS_KEY = "sql.metrics"

Counts = dict[int, list[int]]


class _CountsParam(AccumulatorParam):
    """Adds ``{node: [rows, batches, ns]}`` maps element-wise."""

    def zero(self, value: Counts) -> Counts:
        return {}

    def addInPlace(self, value1: Counts, value2: Counts) -> Counts:
        for node, (rows, batches, ns) in value2.items():
            mine = value1.get(node)
            if mine is None:
                value1[node] = [rows, batches, ns]
            else:
                mine[0] += rows
                mine[1] += batches
                mine[2] += ns
        return value1


class QueryMetrics:
    """One query's operator metrics: a node number per operator and their counted values.

    >>> from minispark.sql.execution.physical import LocalTableScanExec
    >>> import pyarrow as pa
    >>> plan = LocalTableScanExec([], pa.table({"_": [1]}).select([]))
    >>> metrics = QueryMetrics(sc, plan)
    >>> rdd = metrics.instrument(plan, sc.parallelize([pa.record_batch({"x": [1, 2]})], 1))
    >>> _ = rdd.collect()
    >>> metrics.node_values(0)[:2]
    [2, 1]
    """

    def __init__(self, sc: Any, plan: Any) -> None:
        self.plan = plan
        self._nodes: dict[int, int] = {}
        for node in plan.walk():
            self._nodes.setdefault(id(node), len(self._nodes))
        #: node -> the children whose time its own includes: an exchange's child runs in
        #: another stage, so the exchange's time is its shuffle read alone.
        self._inner: dict[int, list[int]] = {
            self._nodes[id(node)]: [] if type(node).__name__.endswith("ExchangeExec") else
            [self._nodes[id(c)] for c in node.children] for node in plan.walk()}
        #: Accumulator ids Spark's events name each metric by: node -> (rows, batches, time).
        self.metric_ids = {n: tuple(sc._next_id("accumulator") for _ in METRIC_NAMES)
                           for n in self._nodes.values()}
        self._counts = sc.accumulator({}, _CountsParam())

    def node_id(self, node: Any) -> int | None:
        """The node's number in this query's plan (pre-order), None for a node not in it."""
        return self._nodes.get(id(node))

    def instrument(self, node: Any, rdd: Any) -> Any:
        """``rdd`` (the node's output) with each batch counted for the node."""
        number = self.node_id(node)
        if number is None:
            return rdd
        counts = self._counts

        def count(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            upstream = iter(batches)
            clock = time.perf_counter_ns
            while True:
                start = clock()
                batch = next(upstream, None)
                if batch is None:
                    return
                counts.add({number: [batch.num_rows, 1, clock() - start]})
                yield batch
        return rdd.mapPartitions(count, preservesPartitioning=True)

    def node_values(self, number: int) -> list[int]:
        """``[rows, batches, own time in ns]`` of one node, summed over its tasks."""
        counts = self._counts.value
        rows, batches, total = counts.get(number, (0, 0, 0))
        inner = sum(counts.get(c, (0, 0, 0))[2] for c in self._inner[number])
        return [rows, batches, max(0, total - inner)]

    def updates(self) -> list[list[int]]:
        """``[accumulator id, value]`` pairs for every metric of every node."""
        out = []
        for number, ids in self.metric_ids.items():
            out.extend([i, v] for i, v in zip(ids, self.node_values(number)))
        return out


def instrumented(execute: Any) -> Any:
    """Wrap an operator's ``execute`` so an action's :class:`QueryMetrics` count its batches.

    Only the most derived ``execute`` counts, so an override calling ``super()`` counts once.
    """
    def run(self: Any, ctx: Any) -> Any:
        rdd = execute(self, ctx)
        metrics = ctx.extra.get(METRICS_KEY)
        if metrics is None or type(self).execute is not run:
            return rdd
        return metrics.instrument(self, rdd)
    run.__doc__, run.__name__, run.__qualname__ = (execute.__doc__, execute.__name__,
                                                  execute.__qualname__)
    return run
