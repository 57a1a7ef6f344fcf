"""The optimizer: rewrite rules over analyzed plans (results never change, work shrinks).

Rules, in order: drop subquery aliases; replace DISTINCT, dropDuplicates,
INTERSECT and EXCEPT with aggregates and joins; fold constants; push filters
down through projections, sorts, aggregates, unions and joins (and join
conditions into the sides they read); prune columns nobody reads; merge
adjacent projections. Filters that reach a data source are handed to its scan
by the planner.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from minispark.errors import PySparkException
from minispark.sql.plan import logical as L
from minispark.sql.plan.expressions import (
    AggregateFunction, Alias, And, AttributeReference, EqualNullSafe, Expression, Literal, Or,
    conjunction, split_conjuncts,
)


def optimize(plan: L.LogicalPlan, folder: Callable[[Expression], Expression] | None = None,
             run_subquery: Callable[[L.LogicalPlan], Expression] | None = None
             ) -> L.LogicalPlan:
    """The optimized form of an analyzed ``plan``.

    ``folder`` computes a constant expression (the executor's evaluator) and
    ``run_subquery`` the value of an uncorrelated scalar subquery; without them,
    those are left as they are.
    """
    from minispark.sql.plan.subquery import rewrite_subqueries

    plan = rewrite_subqueries(plan, run_subquery)  # type: ignore[arg-type]
    plan = plan.transform_up(_eliminate_aliases)
    plan = plan.transform_up(_replace_operators)
    if folder is not None:
        plan = plan.transform_up(lambda n: _fold_constants(n, folder))
    plan = plan.transform_up(_simplify_filters)
    for _ in range(3):
        plan = plan.transform_down(_push_filters)
        plan = plan.transform_up(_combine_filters)
    plan = prune_columns(plan, {a.expr_id for a in plan.output})
    plan = plan.transform_up(_collapse_projects)
    return plan


# ---- helpers ---------------------------------------------------------------------------------


def substitute(expr: Expression, mapping: dict[int, Expression]) -> Expression:
    """``expr`` with each attribute whose id is in ``mapping`` replaced."""
    if not mapping:
        return expr
    return expr.transform_up(lambda e: mapping.get(e.expr_id, e)
                             if isinstance(e, AttributeReference) else e)


def _alias_map(project_list: Sequence[Expression]) -> dict[int, Expression]:
    return {e.expr_id: e.child for e in project_list if isinstance(e, Alias)}


def _ids(attrs: Sequence[AttributeReference]) -> set[int]:
    return {a.expr_id for a in attrs}


# ---- replacement rules -------------------------------------------------------------------------


def _eliminate_aliases(node: L.LogicalPlan) -> L.LogicalPlan:
    return node.child if isinstance(node, L.SubqueryAlias) else node


def _replace_operators(node: L.LogicalPlan) -> L.LogicalPlan:
    if isinstance(node, L.Distinct):
        output = node.child.output
        return L.Aggregate(list(output), list(output), node.child)
    if isinstance(node, L.Deduplicate):
        return _deduplicate(node)
    if isinstance(node, L.SetOperation):
        return _set_operation(node)
    return node


def _deduplicate(node: L.Deduplicate) -> L.LogicalPlan:
    from minispark.sql import builtins

    keys = {k.expr_id for k in node.keys}
    first = builtins.lookup("first")
    aggregates: list[Expression] = []
    for attr in node.child.output:
        if attr.expr_id in keys:
            aggregates.append(attr)
        else:
            aggregates.append(Alias(AggregateFunction(first, [attr], options=(False,)),
                                    attr.name, attr.expr_id))
    return L.Aggregate(list(node.keys), aggregates, node.child)


def _set_operation(node: L.SetOperation) -> L.LogicalPlan:
    if node.is_all:
        from minispark.sql.plan.multiset import rewrite_all

        return rewrite_all(node)
    left, right = node.left, node.right
    condition = conjunction([EqualNullSafe(a, b) for a, b in zip(left.output, right.output)])
    how = "left_semi" if node.kind == "intersect" else "left_anti"
    join = L.Join(left, right, how, condition)
    return L.Aggregate(list(left.output), list(left.output), join)


# ---- constants ---------------------------------------------------------------------------------


def _fold_constants(node: L.LogicalPlan, folder: Callable[[Expression], Expression]
                    ) -> L.LogicalPlan:
    def fold(e: Expression) -> Expression:
        def rule(x: Expression) -> Expression:
            if isinstance(x, (Literal, Alias)) or not x.foldable:
                return x
            try:
                return folder(x)
            except PySparkException:
                # As Spark's ConstantFolding: an error (``1 / 0``) is left to the rows that
                # reach it; a CASE branch no row takes never raises it.
                return x
        return e.transform_up(rule)
    return node.map_expressions(fold)


def _simplify_filters(node: L.LogicalPlan) -> L.LogicalPlan:
    if not isinstance(node, L.Filter):
        return node
    kept = []
    for part in (f for c in split_conjuncts(node.condition) for f in _factor_disjunction(c)):
        if isinstance(part, Literal) and part.value is True:
            continue
        if isinstance(part, Literal):  # false or null: no row passes
            empty = L.LocalRelation(node.output, _empty_table(node))
            return empty
        kept.append(part)
    condition = conjunction(kept)
    return node.child if condition is None else L.Filter(condition, node.child)


def _factor_disjunction(part: Expression) -> list[Expression]:
    """``(a AND b) OR (a AND c)`` as ``[a, b OR c]``, so a join key repeated in every
    branch (TPC-H Q19) becomes a join condition instead of a filter over a cross join."""
    if not isinstance(part, Or) or not part.deterministic:
        return [part]
    branches, stack = [], [part]
    while stack:
        node = stack.pop()
        if isinstance(node, Or):
            stack.extend(reversed(node.children))
        else:
            branches.append(split_conjuncts(node))
    common = [c for c in branches[0] if all(c in b for b in branches[1:])]
    if not common:
        return [part]
    rests = [conjunction([c for c in b if c not in common]) for b in branches]
    if any(rest is None for rest in rests):  # one branch is just the common part
        return common
    disjunction = rests[0]
    for rest in rests[1:]:
        disjunction = Or(disjunction, rest)
    return [*common, disjunction]


def _empty_table(node: L.LogicalPlan) -> Any:
    from minispark.sql.execution.physical import arrow_schema

    return arrow_schema(node.schema()).empty_table()


# ---- predicate pushdown ----------------------------------------------------------------------


def _combine_filters(node: L.LogicalPlan) -> L.LogicalPlan:
    if isinstance(node, L.Filter) and isinstance(node.child, L.Filter):
        inner = node.child
        return L.Filter(And(inner.condition, node.condition), inner.child)
    return node


def _push_filters(node: L.LogicalPlan) -> L.LogicalPlan:
    if isinstance(node, L.Join):
        return _push_join_condition(node)
    if not isinstance(node, L.Filter):
        return node
    child = node.child
    parts = split_conjuncts(node.condition)
    if not all(p.deterministic for p in parts):
        return node
    if isinstance(child, L.Project) and all(e.deterministic for e in child.project_list):
        aliases = _alias_map(child.project_list)
        if any(isinstance(a, AggregateFunction) for e in aliases.values() for a in e.walk()):
            return node
        pushed = L.Filter(substitute(node.condition, aliases), child.child)
        return L.Project(child.project_list, pushed)
    if isinstance(child, (L.Sort, L.Repartition, L.Hint)):
        return child.with_children((L.Filter(node.condition, child.child),))
    if isinstance(child, L.Aggregate):
        return _push_through_aggregate(node, child, parts)
    if isinstance(child, L.Union):
        return _push_through_union(node, child)
    if isinstance(child, L.Join):
        return _push_into_join(child, parts)
    return node


def _push_through_aggregate(node: L.Filter, agg: L.Aggregate,
                            parts: list[Expression]) -> L.LogicalPlan:
    grouping_outputs: dict[int, Expression] = {}
    for e in agg.aggregates:
        inner = e.child if isinstance(e, Alias) else e
        if any(inner == g for g in agg.grouping):
            grouping_outputs[e.expr_id] = inner  # type: ignore[attr-defined]
    down, up = [], []
    for part in parts:
        refs = part.references()
        if refs and refs <= set(grouping_outputs):
            down.append(substitute(part, grouping_outputs))
        else:
            up.append(part)
    if not down:
        return node
    pushed = L.Aggregate(agg.grouping, agg.aggregates, L.Filter(conjunction(down), agg.child))
    rest = conjunction(up)
    return pushed if rest is None else L.Filter(rest, pushed)


def _push_through_union(node: L.Filter, union: L.Union) -> L.LogicalPlan:
    first = union.output
    children = []
    for child in union.children:
        mapping = {a.expr_id: b for a, b in zip(first, child.output)}
        children.append(L.Filter(substitute(node.condition, mapping), child))
    return L.Union(children)


def _split_by_side(parts: Sequence[Expression], left: L.LogicalPlan, right: L.LogicalPlan
                   ) -> tuple[list[Expression], list[Expression], list[Expression]]:
    left_ids, right_ids = _ids(left.output), _ids(right.output)
    to_left, to_right, both = [], [], []
    for part in parts:
        refs = part.references()
        if refs and refs <= left_ids:
            to_left.append(part)
        elif refs and refs <= right_ids:
            to_right.append(part)
        else:
            both.append(part)
    return to_left, to_right, both


def _with_filter(plan: L.LogicalPlan, parts: list[Expression]) -> L.LogicalPlan:
    condition = conjunction(parts)
    return plan if condition is None else L.Filter(condition, plan)


def _push_into_join(join: L.Join, parts: list[Expression]) -> L.LogicalPlan:
    """A filter above a join: each side gets what reads only it, where outer rows allow."""
    to_left, to_right, both = _split_by_side(parts, join.left, join.right)
    how = join.join_type
    keep: list[Expression] = []
    if how in ("inner", "cross"):
        left = _with_filter(join.left, to_left)
        right = _with_filter(join.right, to_right)
        condition = conjunction(split_conjuncts(join.condition) + both)
        kind = "inner" if condition is not None else how
        return L.Join(left, right, kind, condition, None, join.hint)
    if how in ("left_outer", "left_semi", "left_anti"):
        left, right = _with_filter(join.left, to_left), join.right
        keep = to_right + both
    elif how == "right_outer":
        left, right = join.left, _with_filter(join.right, to_right)
        keep = to_left + both
    else:
        return _with_filter(join, parts)
    pushed = L.Join(left, right, how, join.condition, None, join.hint)
    return _with_filter(pushed, keep)


def _push_join_condition(join: L.Join) -> L.LogicalPlan:
    """Parts of ON that read one side only filter that side first, where outer rows allow."""
    if join.condition is None:
        return join
    parts = split_conjuncts(join.condition)
    if not all(p.deterministic for p in parts):
        return join
    to_left, to_right, both = _split_by_side(parts, join.left, join.right)
    how = join.join_type
    left, right = join.left, join.right
    if how in ("inner", "left_semi") and to_left:
        left, to_left = _with_filter(left, to_left), []
    if how in ("inner", "left_outer", "left_semi", "left_anti") and to_right:
        right, to_right = _with_filter(right, to_right), []
    if how == "right_outer" and to_left:
        left, to_left = _with_filter(left, to_left), []
    if left is join.left and right is join.right:
        return join
    condition = conjunction(to_left + to_right + both)
    return L.Join(left, right, how, condition, None, join.hint)


# ---- column pruning ----------------------------------------------------------------------------


def prune_columns(plan: L.LogicalPlan, required: set[int]) -> L.LogicalPlan:
    """``plan`` computing only the columns in ``required`` (and what they need)."""
    pruner = _PRUNERS.get(type(plan))
    if pruner is not None:
        return pruner(plan, required)
    if not plan.children:
        return plan
    needed = set(required)
    for e in plan.expressions():
        needed |= e.references()
    return plan.with_children(tuple(prune_columns(c, needed | _ids(c.output))
                                    for c in plan.children))


def _refs(exprs: Sequence[Expression]) -> set[int]:
    out: set[int] = set()
    for e in exprs:
        out |= e.references()
    return out


def _prune_project(node: L.Project, required: set[int]) -> L.LogicalPlan:
    kept = [e for e in node.project_list if e.expr_id in required]  # type: ignore[attr-defined]
    child = prune_columns(node.child, _refs(kept))
    return L.Project(kept, child)


def _prune_filter(node: L.Filter, required: set[int]) -> L.LogicalPlan:
    child = prune_columns(node.child, required | node.condition.references())
    return L.Filter(node.condition, child)


def _prune_sort(node: L.Sort, required: set[int]) -> L.LogicalPlan:
    child = prune_columns(node.child, required | _refs(node.order))
    return L.Sort(node.order, node.is_global, child)


def _prune_limit(node: L.Limit, required: set[int]) -> L.LogicalPlan:
    return L.Limit(node.n, prune_columns(node.child, required), node.offset)


def _prune_aggregate(node: L.Aggregate, required: set[int]) -> L.LogicalPlan:
    aggregates = [e for e in node.aggregates if e.expr_id in required]  # type: ignore
    child = prune_columns(node.child, _refs(node.grouping) | _refs(aggregates))
    return L.Aggregate(node.grouping, aggregates, child)


def _prune_join(node: L.Join, required: set[int]) -> L.LogicalPlan:
    needed = set(required)
    if node.condition is not None:
        needed |= node.condition.references()
    left = prune_columns(node.left, needed & _ids(node.left.output))
    right = prune_columns(node.right, needed & _ids(node.right.output))
    return L.Join(left, right, node.join_type, node.condition, None, node.hint)


def _prune_union(node: L.Union, required: set[int]) -> L.LogicalPlan:
    positions = [i for i, a in enumerate(node.output) if a.expr_id in required]
    children = []
    for child in node.children:
        wanted = {child.output[i].expr_id for i in positions}
        pruned = prune_columns(child, wanted)
        by_id = {a.expr_id: a for a in pruned.output}
        children.append(L.Project([by_id[child.output[i].expr_id] for i in positions], pruned))
    return L.Union(children)


def _prune_window(node: L.Window, required: set[int]) -> L.LogicalPlan:
    kept = [e for e in node.window_expressions if e.expr_id in required]  # type: ignore
    if not kept:
        return prune_columns(node.child, required)
    needed = required | _refs(kept) | _refs(node.partition) | _refs(node.order)
    child = prune_columns(node.child, needed)
    return L.Window(kept, node.partition, node.order, child)


def _prune_relation(node: L.LogicalRelation, required: set[int]) -> L.LogicalPlan:
    kept = [a for a in node.output if a.expr_id in required]
    return node if len(kept) == len(node.output) else L.LogicalRelation(node.relation, kept)


def _prune_leaf(node: L.LogicalPlan, required: set[int]) -> L.LogicalPlan:
    return node


_PRUNERS: dict[type, Callable[[Any, set[int]], L.LogicalPlan]] = {
    L.Project: _prune_project,
    L.Filter: _prune_filter,
    L.Sort: _prune_sort,
    L.Limit: _prune_limit,
    L.Aggregate: _prune_aggregate,
    L.Join: _prune_join,
    L.Union: _prune_union,
    L.LogicalRelation: _prune_relation,
    L.Window: _prune_window,
}


# ---- projections -------------------------------------------------------------------------------


def _collapse_projects(node: L.LogicalPlan) -> L.LogicalPlan:
    if not isinstance(node, L.Project):
        return node
    child = node.child
    if isinstance(child, L.Project) and all(e.deterministic for e in child.project_list):
        aliases = _alias_map(child.project_list)
        merged = []
        for e in node.project_list:
            new = substitute(e, aliases)
            if isinstance(new, AttributeReference) and isinstance(e, AttributeReference):
                merged.append(e if new is e else Alias(new, e.name, e.expr_id))
            elif isinstance(e, Alias):
                merged.append(Alias(new.child if isinstance(new, Alias) else new,
                                    e.name, e.expr_id, e.metadata))
            else:
                merged.append(Alias(new, e.name, e.expr_id))  # type: ignore[attr-defined]
        return _collapse_projects(L.Project(merged, child.child))
    if [getattr(e, "expr_id", None) for e in node.project_list] == [
            a.expr_id for a in child.output] and all(
            isinstance(e, AttributeReference) for e in node.project_list):
        return child
    return node

