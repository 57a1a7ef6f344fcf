"""Physical planning: each optimized logical node becomes physical operators.

The choices Spark makes are made here: aggregates run in two phases around a
hash exchange; a global sort is a range exchange then per-partition sorts;
``ORDER BY ... LIMIT`` is a top-k; an equi-join broadcasts a side smaller
than ``spark.sql.autoBroadcastJoinThreshold`` (when the join type allows)
and otherwise shuffles both sides by key; filters right above a data source
are offered to it.
"""
from __future__ import annotations

from typing import Any, Callable

from minispark.sql.execution import physical as P
from minispark.sql.execution.aggregate import AggregateCall, HashAggregateExec
from minispark.sql.execution.exchange import (
    HashPartitioning, RangePartitioning, RoundRobinPartitioning, ShuffleExchangeExec,
    SinglePartition,
)
from minispark.sql.execution.joins import BroadcastHashJoinExec, ShuffledHashJoinExec
from minispark.sql.execution.scan import DataSourceScanExec
from minispark.sql.execution.sort import SortExec, TakeOrderedAndProjectExec
from minispark.sql.execution.generate import GenerateExec
from minispark.sql.execution.window import WindowExec
from minispark.sql.plan import logical as L
from minispark.sql.plan.expressions import (
    AggregateFunction, Alias, AttributeReference, EqualNullSafe, EqualTo, Expression,
    SortOrder, conjunction, split_conjuncts,
)

#: Join types whose right side may be the broadcast (build) side; and the left side.
_BUILD_RIGHT = ("inner", "cross", "left_outer", "left_semi", "left_anti")
_BUILD_LEFT = ("inner", "cross", "right_outer")


class Planner:
    """Turns an optimized logical plan into a tree of physical operators."""

    def __init__(self, ctx: P.ExecutionContext) -> None:
        self.ctx = ctx

    def plan(self, node: L.LogicalPlan) -> P.SparkPlan:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise NotImplementedError(f"no physical plan for {type(node).__name__}")
        return handler(self, node)

    def plan_root(self, node: L.LogicalPlan) -> P.SparkPlan:
        """The plan of a whole query: a limit on top reads partitions incrementally."""
        if isinstance(node, L.Limit):
            planned = self.plan(node)
            if isinstance(planned, P.GlobalLimitExec):
                return P.CollectLimitExec(node.n, self.plan(node.child), node.offset)
            return planned
        return self.plan(node)


# ---- leaves ---------------------------------------------------------------------------------


def _local(planner: Planner, node: L.LocalRelation) -> P.SparkPlan:
    return P.LocalTableScanExec(node.output, node.table)


def _one_row(planner: Planner, node: L.OneRowRelation) -> P.SparkPlan:
    import pyarrow as pa

    return P.LocalTableScanExec([], pa.table({"_": pa.nulls(1)}).select([]), 1)


def _range(planner: Planner, node: L.Range) -> P.SparkPlan:
    return P.RangeExec(node.output, node.start, node.end, node.step, node.num_slices,
                       node.count())


def _rdd(planner: Planner, node: L.LogicalRDD) -> P.SparkPlan:
    return P.RDDScanExec(node.output, node.rdd)


def _in_memory(planner: Planner, node: L.InMemoryRelation) -> P.SparkPlan:
    return P.InMemoryTableScanExec(node.output, node.cache)


def _relation(planner: Planner, node: L.LogicalRelation) -> P.SparkPlan:
    return DataSourceScanExec(node.relation, node.output)


# ---- narrow -------------------------------------------------------------------------------------


def _project(planner: Planner, node: L.Project) -> P.SparkPlan:
    return P.ProjectExec(node.project_list, planner.plan(node.child))


def _filter(planner: Planner, node: L.Filter) -> P.SparkPlan:
    if isinstance(node.child, L.LogicalRelation):
        scan = DataSourceScanExec(node.child.relation, node.child.output,
                                  split_conjuncts(node.condition))
        return P.FilterExec(node.condition, scan)
    return P.FilterExec(node.condition, planner.plan(node.child))


def _union(planner: Planner, node: L.Union) -> P.SparkPlan:
    return P.UnionExec([planner.plan(c) for c in node.children], node.output)


def _sample(planner: Planner, node: L.Sample) -> P.SparkPlan:
    return P.SampleExec(node.fraction, node.with_replacement, node.seed, planner.plan(node.child))


def _repartition(planner: Planner, node: L.Repartition) -> P.SparkPlan:
    child = planner.plan(node.child)
    if not node.shuffle:
        return P.CoalesceExec(node.num or 1, child)
    num = node.num or planner.ctx.shuffle_partitions
    if node.keys and all(isinstance(k, SortOrder) for k in node.keys):
        # repartitionByRange: its keys are sort orders
        return ShuffleExchangeExec(RangePartitioning(node.keys, num), child)
    if node.keys:
        return ShuffleExchangeExec(HashPartitioning(node.keys, num), child)
    return ShuffleExchangeExec(RoundRobinPartitioning(num), child)


# ---- limits and sorts -------------------------------------------------------------------------


def _limit(planner: Planner, node: L.Limit) -> P.SparkPlan:
    child = node.child
    project: list[Expression] | None = None
    if isinstance(child, L.Project) and isinstance(child.child, L.Sort):
        project, child = child.project_list, child.child
    if isinstance(child, L.Sort) and child.is_global:
        below = planner.plan(child.child)
        return TakeOrderedAndProjectExec(node.n, child.order, project or list(below.output),
                                         below, node.offset)
    if project is not None:
        child = L.Project(project, child)
    planned = planner.plan(child)
    local = P.LocalLimitExec(node.n + node.offset, planned)
    single = ShuffleExchangeExec(SinglePartition(), local)
    return P.GlobalLimitExec(node.n, single, node.offset)


def _sort(planner: Planner, node: L.Sort) -> P.SparkPlan:
    child = planner.plan(node.child)
    if not node.is_global:
        return SortExec(node.order, False, child)
    n = planner.ctx.exchange_partitions(node.child.size_in_bytes())
    partitioning = RangePartitioning(node.order, n) if n > 1 else SinglePartition()
    return SortExec(node.order, True, ShuffleExchangeExec(partitioning, child))


# ---- aggregates ---------------------------------------------------------------------------------


def _aggregate(planner: Planner, node: L.Aggregate) -> P.SparkPlan:
    child = planner.plan(node.child)
    key_attrs = [_key_attribute(g, i) for i, g in enumerate(node.grouping)]
    calls: list[AggregateCall] = []
    found: dict[Any, AggregateCall] = {}

    # A grouping expression may carry the alias the DataFrame API gave it
    # (groupBy((col("id") % 2).alias("k"))); the aggregates name it bare.
    bare = [g.child if isinstance(g, Alias) else g for g in node.grouping]

    def replace(e: Expression) -> Expression:
        for g, attr in zip(bare, key_attrs):
            if e == g:
                return attr
        if isinstance(e, AggregateFunction):
            call = found.get(e)
            if call is None:
                result = AttributeReference(e.sql(), e.data_type, e.nullable)
                call = found[e] = AggregateCall(e, result)
                calls.append(call)
            return call.result
        return e.with_children(tuple(replace(c) for c in e.children))

    results = [Alias(replace(e.child), e.name, e.expr_id) if isinstance(e, Alias)
               else replace(e) for e in node.aggregates]
    partial = HashAggregateExec("partial", node.grouping, key_attrs, calls, child)
    if node.grouping:
        n = planner.ctx.exchange_partitions(node.child.size_in_bytes())
        exchange = ShuffleExchangeExec(HashPartitioning(key_attrs, n), partial)
    else:
        exchange = ShuffleExchangeExec(SinglePartition(), partial)
    final = HashAggregateExec("final", key_attrs, key_attrs, calls, exchange)
    return P.ProjectExec(results, final)


def _key_attribute(expr: Expression, index: int) -> AttributeReference:
    if isinstance(expr, AttributeReference):
        return expr
    return AttributeReference(f"_groupingexpression{index}", expr.data_type, expr.nullable)


# ---- joins ------------------------------------------------------------------------------------


def equi_join_keys(condition: Expression | None, left: L.LogicalPlan, right: L.LogicalPlan
                   ) -> tuple[list[Expression], list[Expression], list[bool], Expression | None]:
    """(left keys, right keys, null-safe flags, residual) of a join condition."""
    left_ids = {a.expr_id for a in left.output}
    right_ids = {a.expr_id for a in right.output}
    lk, rk, safe, rest = [], [], [], []
    for part in split_conjuncts(condition):
        if isinstance(part, (EqualTo, EqualNullSafe)):
            a, b = part.left, part.right
            ra, rb = a.references(), b.references()
            if ra and rb and ra <= left_ids and rb <= right_ids:
                lk.append(a), rk.append(b), safe.append(isinstance(part, EqualNullSafe))
                continue
            if ra and rb and ra <= right_ids and rb <= left_ids:
                lk.append(b), rk.append(a), safe.append(isinstance(part, EqualNullSafe))
                continue
        rest.append(part)
    return lk, rk, safe, conjunction(rest)


def _hinted(plan: L.LogicalPlan) -> bool:
    """Whether ``plan`` (looking through filters and projections) carries a broadcast hint."""
    while isinstance(plan, (L.Filter, L.Project, L.Hint)):
        if isinstance(plan, L.Hint):
            return True
        plan = plan.child
    return False


def _broadcast_side(node: L.Join) -> str | None:
    if _hinted(node.right):
        return "right"
    return "left" if _hinted(node.left) else None


def _window(planner: Planner, node: L.Window) -> P.SparkPlan:
    child = planner.plan(node.child)
    if node.partition:
        n = planner.ctx.exchange_partitions(node.child.size_in_bytes())
        partitioning: Any = HashPartitioning(node.partition, n)
    else:
        partitioning = SinglePartition()
    return WindowExec(node.window_expressions, node.partition, node.order,  # type: ignore
                      ShuffleExchangeExec(partitioning, child))


def _generate(planner: Planner, node: L.Generate) -> P.SparkPlan:
    return GenerateExec(node.generator, node.generator_output,  # type: ignore[arg-type]
                        planner.plan(node.child))


def _hint(planner: Planner, node: L.Hint) -> P.SparkPlan:
    return planner.plan(node.child)


def _join(planner: Planner, node: L.Join) -> P.SparkPlan:
    lk, rk, safe, residual = equi_join_keys(node.condition, node.left, node.right)
    left, right = planner.plan(node.left), planner.plan(node.right)
    how = "inner" if node.join_type == "cross" else node.join_type
    threshold = planner.ctx.broadcast_threshold
    right_size, left_size = node.right.size_in_bytes(), node.left.size_in_bytes()
    hint = node.hint or _broadcast_side(node)
    can_right = how in _BUILD_RIGHT
    can_left = how in _BUILD_LEFT
    small_right = right_size is not None and right_size <= threshold
    small_left = left_size is not None and left_size <= threshold
    if can_right and (hint == "right" or (hint != "left" and small_right and (
            not small_left or not can_left or right_size <= left_size))):  # type: ignore
        return BroadcastHashJoinExec(how, lk, rk, safe, residual, left, right)
    if can_left and (hint == "left" or small_left):
        return BroadcastHashJoinExec(how, lk, rk, safe, residual, left, right, build_left=True)
    if not lk and can_right:
        return BroadcastHashJoinExec(how, lk, rk, safe, residual, left, right)
    if not lk and can_left:
        return BroadcastHashJoinExec(how, lk, rk, safe, residual, left, right, build_left=True)
    if not lk:
        partitioning: Callable[[list], Any] = lambda keys: SinglePartition()
    else:
        sizes = [s for s in (left_size, right_size) if s is not None]
        n = planner.ctx.exchange_partitions(sum(sizes) if len(sizes) == 2 else None)
        partitioning = lambda keys: HashPartitioning(keys, n)  # noqa: E731
    left_ex = ShuffleExchangeExec(partitioning(lk), left)
    right_ex = ShuffleExchangeExec(partitioning(rk), right)
    return ShuffledHashJoinExec(how, lk, rk, safe, residual, left_ex, right_ex)


_HANDLERS: dict[type, Callable[[Planner, Any], P.SparkPlan]] = {
    L.LocalRelation: _local,
    L.OneRowRelation: _one_row,
    L.Range: _range,
    L.LogicalRDD: _rdd,
    L.InMemoryRelation: _in_memory,
    L.LogicalRelation: _relation,
    L.Project: _project,
    L.Filter: _filter,
    L.Union: _union,
    L.Sample: _sample,
    L.Repartition: _repartition,
    L.Limit: _limit,
    L.Sort: _sort,
    L.Aggregate: _aggregate,
    L.Join: _join,
    L.Hint: _hint,
    L.Window: _window,
    L.Generate: _generate,
}


def plan_physical(node: L.LogicalPlan, ctx: P.ExecutionContext) -> P.SparkPlan:
    return Planner(ctx).plan_root(node)

