"""Subqueries in expressions, rewritten into joins before the other optimizer rules.

* ``EXISTS`` / ``IN (SELECT ...)`` conjuncts of a filter become left semi joins
  (``NOT ...``: left anti joins; ``NOT IN`` null-aware, as SQL requires);
* a correlated scalar subquery (an aggregate over rows matching the outer row)
  becomes that aggregate grouped by the correlation keys, left-outer-joined;
* an uncorrelated scalar subquery runs once and becomes a literal.

Correlation: predicates of the subquery that read outer columns
(:class:`OuterReference`) are pulled out of it and become the join condition;
the inner columns they read are kept in the subquery's output for that.
"""
from __future__ import annotations

from typing import Any, Callable

from minispark.errors import AnalysisException
from minispark.sql.plan import expressions as E
from minispark.sql.plan import logical as L
from minispark.sql.plan.rewrite import fresh_ids

SubqueryRunner = Callable[[L.LogicalPlan], E.Literal]


def rewrite_subqueries(plan: L.LogicalPlan, run: SubqueryRunner | None) -> L.LogicalPlan:
    """``plan`` without subquery expressions (joins and literals instead)."""
    return plan.transform_up(lambda node: _rewrite_node(node, run))


def _has_subquery(expr: E.Expression) -> bool:
    return expr.exists(lambda e: isinstance(e, E.SubqueryExpression))


def _rewrite_node(node: L.LogicalPlan, run: SubqueryRunner | None) -> L.LogicalPlan:
    if not any(_has_subquery(e) for e in node.expressions()):
        return node
    node = node.map_expressions(lambda e: _inline_uncorrelated(e, run))
    if isinstance(node, L.Filter):
        node = _predicate_joins(node)
    if any(_has_subquery(e) for e in node.expressions()):
        node = _scalar_joins(node)
    if any(_has_subquery(e) for e in node.expressions()):
        raise NotImplementedError("this use of a subquery (inside OR, or in a correlated "
                                  "form other than an aggregate) is not supported yet")
    return node


# ---- uncorrelated scalar subqueries -------------------------------------------------------


def _inline_uncorrelated(expr: E.Expression, run: SubqueryRunner | None) -> E.Expression:
    def rule(e: E.Expression) -> E.Expression:
        if isinstance(e, E.ScalarSubquery) and not e.outer_references():
            if run is None:
                return e
            return run(rewrite_subqueries(e.plan, run))
        if isinstance(e, E.SubqueryExpression):
            return e.with_plan(rewrite_subqueries(e.plan, run))
        return e
    return expr.transform_up(rule)


def scalar_value(rows: list, data_type: Any) -> E.Literal:
    """The literal a scalar subquery's rows stand for (SCALAR_SUBQUERY_TOO_MANY_ROWS if > 1)."""
    if len(rows) > 1:
        raise AnalysisException(
            "SCALAR_SUBQUERY_TOO_MANY_ROWS",
            "More than one row returned by a subquery used as an expression.", {}, "21000")
    return E.Literal(rows[0] if rows else None, data_type)


# ---- decorrelation ----------------------------------------------------------------------------


def _outer(expr: E.Expression) -> bool:
    return expr.exists(lambda e: isinstance(e, E.OuterReference))


def _inner_attributes(predicates: list[E.Expression]) -> list[E.AttributeReference]:
    found: dict[int, E.AttributeReference] = {}
    for p in predicates:
        for e in p.walk():
            if isinstance(e, E.AttributeReference):
                found.setdefault(e.expr_id, e)
    return list(found.values())


def pull_correlated(plan: L.LogicalPlan) -> tuple[L.LogicalPlan, list[E.Expression]]:
    """``plan`` without its correlated predicates, which it returns (inner columns kept)."""
    if isinstance(plan, L.Filter):
        child, pulled = pull_correlated(plan.child)
        parts = E.split_conjuncts(plan.condition)
        correlated = [p for p in parts if _outer(p)]
        local = E.conjunction([p for p in parts if not _outer(p)])
        node = child if local is None else L.Filter(local, child)
        return node, pulled + correlated
    if isinstance(plan, (L.Project, L.Aggregate, L.SubqueryAlias, L.Sort, L.Distinct)):
        child, pulled = pull_correlated(plan.children[0])
        if not pulled:
            return plan.with_children((child,)), []
        present = {a.expr_id for a in plan.output}
        needed = [a for a in _inner_attributes(pulled) if a.expr_id not in present]
        if isinstance(plan, L.Project):
            return L.Project(plan.project_list + needed, child), pulled
        if isinstance(plan, L.Aggregate):
            return L.Aggregate(plan.grouping + needed, plan.aggregates + needed, child), pulled
        return plan.with_children((child,)), pulled
    if any(_outer(e) for n in plan.walk() for e in n.expressions()):
        raise NotImplementedError(f"a correlated subquery through {type(plan).__name__} is "
                                  "not supported yet")
    return plan, []


def _prepare(sub: L.LogicalPlan, outer: L.LogicalPlan
             ) -> tuple[L.LogicalPlan, list[E.Expression]]:
    """The subquery decorrelated, with ids apart from the outer plan's, and its condition."""
    sub, predicates = pull_correlated(sub)
    clash = {a.expr_id for a in outer.output} & {a.expr_id for a in sub.output}
    mapping: dict[int, E.AttributeReference] = {}
    if clash:
        sub, mapping = fresh_ids(sub, clash)

    def resolve(e: E.Expression) -> E.Expression:
        if isinstance(e, E.OuterReference):
            return e.attribute
        if isinstance(e, E.AttributeReference) and e.expr_id in mapping:
            return mapping[e.expr_id]
        return e
    return sub, [p.transform_up(resolve) for p in predicates]


# ---- EXISTS and IN ----------------------------------------------------------------------------


def _predicate_joins(node: L.Filter) -> L.LogicalPlan:
    plan = node.child
    kept = []
    for part in E.split_conjuncts(node.condition):
        negated = isinstance(part, E.Not) and isinstance(part.child, (E.Exists, E.InSubquery))
        inner = part.child if negated else part
        if isinstance(inner, (E.Exists, E.InSubquery)):
            plan = _semi_join(plan, inner, negated)
        else:
            kept.append(part)
    condition = E.conjunction(kept)
    return plan if condition is None else L.Filter(condition, plan)


def _semi_join(outer: L.LogicalPlan, subquery: E.SubqueryExpression,
               negated: bool) -> L.LogicalPlan:
    sub, predicates = _prepare(subquery.plan, outer)
    if isinstance(subquery, E.InSubquery):
        values = list(subquery.children)
        columns = sub.output[:len(values)]
        if len(columns) != len(values):
            raise AnalysisException(
                "INVALID_SUBQUERY_EXPRESSION", "The number of columns of the IN subquery does "
                "not match the number of values.", {}, "42823")
        for value, column in zip(values, columns):
            equal = _coerced_equal(value, column)
            # NOT IN is null-aware: an unknown comparison also disqualifies the outer row.
            predicates.append(E.Or(equal, E.IsNull(equal)) if negated else equal)
    return L.Join(outer, sub, "left_anti" if negated else "left_semi",
                  E.conjunction(predicates))


def _coerced_equal(value: E.Expression, column: E.Expression) -> E.Expression:
    from minispark.sql.plan.analyzer import coerce

    return coerce(E.EqualTo(value, column))


# ---- correlated scalar subqueries ---------------------------------------------------------------


def _scalar_joins(node: L.LogicalPlan) -> L.LogicalPlan:
    """Each correlated scalar subquery of ``node`` joined to its child as a column."""
    child = node.children[0]
    replacements: dict[int, E.Expression] = {}
    for expr in node.expressions():
        for e in expr.walk():
            if isinstance(e, E.ScalarSubquery) and id(e) not in replacements:
                child, value = _scalar_join(child, e)
                replacements[id(e)] = value
    original_output = node.output
    rewritten = node.map_expressions(lambda x: _replace_by_identity(x, replacements))
    rewritten = rewritten.with_children((child,))
    if isinstance(node, L.Filter):
        return L.Project(original_output, rewritten)
    return rewritten


def _replace_by_identity(expr: E.Expression, replacements: dict[int, E.Expression]
                         ) -> E.Expression:
    if id(expr) in replacements:
        return replacements[id(expr)]
    if not expr.children:
        return expr
    return expr.with_children(tuple(_replace_by_identity(c, replacements)
                                    for c in expr.children))


def _scalar_join(outer: L.LogicalPlan, subquery: E.ScalarSubquery
                 ) -> tuple[L.LogicalPlan, E.Expression]:
    sub, predicates = _prepare(subquery.plan, outer)
    value = sub.output[0]
    joined = L.Join(outer, sub, "left_outer", E.conjunction(predicates))
    result: E.Expression = value
    if _is_count(subquery.plan):
        # COUNT over no matching rows is 0, not the null an outer join gives.
        from minispark.sql import builtins

        result = E.ScalarFunction(builtins.lookup("coalesce"),
                                  [value, E.Literal(0, value.data_type)])
    return joined, result


def _is_count(plan: L.LogicalPlan) -> bool:
    while isinstance(plan, (L.Project, L.SubqueryAlias)) and not isinstance(plan, L.Aggregate):
        plan = plan.children[0]
    if not isinstance(plan, L.Aggregate) or not plan.aggregates:
        return False
    first = plan.aggregates[0]
    inner = first.child if isinstance(first, E.Alias) else first
    return isinstance(inner, E.AggregateFunction) and inner.spec.name == "count"
