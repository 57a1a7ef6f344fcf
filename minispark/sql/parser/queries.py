"""SQL queries (sqlglot trees) to logical plans: SELECT, joins, CTEs, set operations.

The plan is unresolved (names are text); the analyzer resolves it exactly as
it resolves DataFrame plans. HAVING and ORDER BY may use aggregates that the
SELECT list does not: they are computed as hidden columns of the aggregate
and projected away afterwards, as Spark does.
"""
from __future__ import annotations

from typing import Any

from sqlglot import exp

from minispark.errors import ParseException
from minispark.sql import builtins
from minispark.sql.parser.expressions import ExpressionConverter, sort_order
from minispark.sql.plan import expressions as E
from minispark.sql.plan import logical as L

_JOIN_KINDS = {("", ""): "inner", ("", "INNER"): "inner", ("", "CROSS"): "cross",
               ("LEFT", ""): "left_outer", ("LEFT", "OUTER"): "left_outer",
               ("RIGHT", ""): "right_outer", ("RIGHT", "OUTER"): "right_outer",
               ("FULL", ""): "full_outer", ("FULL", "OUTER"): "full_outer",
               ("LEFT", "SEMI"): "left_semi", ("", "SEMI"): "left_semi",
               ("LEFT", "ANTI"): "left_anti", ("", "ANTI"): "left_anti"}


def _unsupported(what: str) -> ParseException:
    return ParseException("UNSUPPORTED_FEATURE", f"{what} is not supported yet.", {}, "0A000")


class QueryConverter:
    """Builds the logical plan of one query, with its CTEs in scope."""

    def __init__(self, ctes: dict[str, L.LogicalPlan] | None = None) -> None:
        self.ctes = dict(ctes or {})
        self.expressions = ExpressionConverter(
            subquery=lambda node: QueryConverter(self.ctes).query(node))

    def expr(self, node: exp.Expression) -> E.Expression:
        return self.expressions.convert(node)

    def query(self, node: exp.Expression) -> L.LogicalPlan:
        if isinstance(node, exp.Subquery):
            return self._with_modifiers(self.query(node.this), node)
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None:
            scope = QueryConverter(self.ctes)
            for cte in with_.expressions:
                scope.ctes[cte.alias.lower()] = L.SubqueryAlias(cte.alias, scope.query(cte.this))
            copy = node.copy()
            copy.set("with_" if "with_" in node.args else "with", None)
            return scope.query(copy)
        if isinstance(node, exp.Select):
            return self.select(node)
        if isinstance(node, (exp.Union, exp.Intersect, exp.Except)):
            return self._with_modifiers(self.set_operation(node), node)
        if isinstance(node, exp.Values):
            return self.values(node)
        raise _unsupported(f"The statement `{type(node).__name__}`")

    # ---- set operations ------------------------------------------------------------------

    def set_operation(self, node: exp.Expression) -> L.LogicalPlan:
        left, right = self.query(node.this), self.query(node.expression)
        distinct = node.args.get("distinct", True)
        if isinstance(node, exp.Union):
            if node.args.get("by_name"):
                union: L.LogicalPlan = L.Union([left, right], by_name=True)
            else:
                union = L.Union([left, right])
            return L.Distinct(union) if distinct else union
        kind = "intersect" if isinstance(node, exp.Intersect) else "except"
        return L.SetOperation(left, right, kind, is_all=not distinct)

    def _with_modifiers(self, plan: L.LogicalPlan, node: exp.Expression) -> L.LogicalPlan:
        order = node.args.get("order")
        if order is not None:
            plan = L.Sort([self._sort_order(o, []) for o in order.expressions], True, plan)
        return self._limit(plan, node)

    def _limit(self, plan: L.LogicalPlan, node: exp.Expression) -> L.LogicalPlan:
        limit, offset = node.args.get("limit"), node.args.get("offset")
        if limit is None and offset is None:
            return plan
        n = self._int(limit.expression) if limit is not None else (1 << 62)
        skip = self._int(offset.expression) if offset is not None else 0
        return L.Limit(n, plan, skip)

    def _int(self, node: exp.Expression) -> int:
        value = self.expr(node)
        if not isinstance(value, E.Literal) or not isinstance(value.value, int):
            raise ParseException("INVALID_LIMIT_LIKE_EXPRESSION.IS_UNFOLDABLE",
                                 "The limit like expression must be an integer constant.", {},
                                 "42K0E")
        return value.value

    # ---- FROM ------------------------------------------------------------------------------

    def relation(self, node: exp.Expression) -> L.LogicalPlan:
        if isinstance(node, exp.Table):
            if isinstance(node.this, exp.Anonymous):
                return self._table_function(node)
            if node.args.get("this") is None:
                raise _unsupported("Table-valued functions")
            parts = [p.name for p in node.parts]
            name = parts[-1].lower()
            if len(parts) == 1 and name in self.ctes:
                plan: L.LogicalPlan = self.ctes[name]
            else:
                plan = L.UnresolvedRelation(parts)
            alias = node.alias
            return L.SubqueryAlias(alias, plan) if alias else plan
        if isinstance(node, exp.Subquery):
            plan = self.query(node.this)
            plan = self._with_modifiers(plan, node)
            alias = node.alias
            columns = node.args.get("alias")
            if columns is not None and columns.columns:
                plan = L.RenameColumns([c.name for c in columns.columns], plan)
            return L.SubqueryAlias(alias, plan) if alias else plan
        if isinstance(node, exp.Values):
            return self.values(node)
        raise _unsupported(f"The FROM item `{node.sql(dialect='spark')}`")

    def _table_function(self, node: exp.Table) -> L.LogicalPlan:
        """``range(...)`` in FROM (the only table-valued function so far)."""
        call = node.this
        if call.name.lower() != "range":
            raise _unsupported(f"The table-valued function `{call.name}`")
        args = [self._int(a) for a in call.expressions]
        if not 1 <= len(args) <= 4:
            raise ParseException("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                 f"The `range` requires [1, 4] parameters but the actual "
                                 f"number is {len(args)}.", {}, "42605")
        start, end = (0, args[0]) if len(args) == 1 else (args[0], args[1])
        step = args[2] if len(args) > 2 else 1
        slices = args[3] if len(args) > 3 else 2
        plan: L.LogicalPlan = L.Range(start, end, step, slices)
        return L.SubqueryAlias(node.alias, plan) if node.alias else plan

    def values(self, node: exp.Values) -> L.LogicalPlan:
        rows = []
        for row in node.expressions:
            items = row.expressions if isinstance(row, exp.Tuple) else [row]
            rows.append([self.expr(i) for i in items])
        width = len(rows[0]) if rows else 0
        alias = node.args.get("alias")
        names = ([c.name for c in alias.columns] if alias is not None and alias.columns
                 else [f"col{i + 1}" for i in range(width)])
        plans = [L.Project([E.Alias(v, n) for v, n in zip(row, names)], L.OneRowRelation())
                 for row in rows]
        plan: L.LogicalPlan = plans[0] if len(plans) == 1 else L.Union(plans)
        return L.SubqueryAlias(alias.name, plan) if alias is not None and alias.name else plan

    def from_clause(self, node: exp.Select) -> L.LogicalPlan:
        source = node.args.get("from_") or node.args.get("from")
        plan: L.LogicalPlan = (self.relation(source.this) if source is not None
                               else L.OneRowRelation())
        for join in node.args.get("joins") or []:
            plan = self.join(plan, join)
        if node.args.get("laterals"):
            raise _unsupported("LATERAL VIEW")
        return plan

    def join(self, left: L.LogicalPlan, node: exp.Join) -> L.LogicalPlan:
        right = self.relation(node.this)
        side = (node.side or "").upper()
        kind = (node.kind or "").upper()
        how = _JOIN_KINDS.get((side, kind))
        if how is None:
            raise _unsupported(f"{side} {kind} JOIN")
        using = node.args.get("using")
        if using:
            return L.Join(left, right, how, None, [u.name for u in using])
        on = node.args.get("on")
        condition = self.expr(on) if on is not None else None
        if condition is None and how == "inner":
            how = "cross"
        return L.Join(left, right, how, condition)

    # ---- SELECT ---------------------------------------------------------------------------

    def select(self, node: exp.Select) -> L.LogicalPlan:
        self.expressions.windows = {w.this.name.lower(): w for w in node.args.get("windows") or []}
        plan = self.from_clause(node)
        where = node.args.get("where")
        if where is not None:
            plan = L.Filter(self.expr(where.this), plan)
        items = [self.expr(e) for e in node.expressions]
        group = node.args.get("group")
        having = node.args.get("having")
        order = node.args.get("order")
        order_items = list(order.expressions) if order is not None else []
        is_aggregate = group is not None or having is not None or any(
            _has_aggregate(i) for i in items)
        if is_aggregate:
            plan = self._aggregate(plan, items, group, having, order_items)
        else:
            plan = L.Project(items, plan)
            if node.args.get("distinct"):
                plan = L.Distinct(plan)
            if order_items:
                plan = L.Sort([self._sort_order(o, items) for o in order_items], True, plan)
        return self._limit(plan, node)

    def _aggregate(self, plan: L.LogicalPlan, items: list[E.Expression], group: Any,
                   having: Any, order_items: list) -> L.LogicalPlan:
        grouping: list[E.Expression] = []
        sets = self._grouping_sets(group, items, grouping) if group is not None else None
        hidden: list[E.Expression] = []
        condition = None
        if having is not None:
            condition = self._lift_aggregates(self.expr(having.this), items, hidden)
        orders = [self._sort_order(o, items) for o in order_items]
        orders = [E.SortOrder(self._lift_aggregates(o.child, items, hidden), o.ascending,
                              o.nulls_first) for o in orders]
        if sets is not None:
            from minispark.sql.group import grouping_sets_plan

            result: L.LogicalPlan = grouping_sets_plan(plan, grouping, sets, items + hidden)
        else:
            result = L.Aggregate(grouping, items + hidden, plan)
        if condition is not None:
            result = L.Filter(condition, result)
        if orders:
            result = L.Sort(orders, True, result)
        if hidden:
            result = L.Project([E.UnresolvedAttribute([_output_name(i)]) for i in items], result)
        return result

    def _grouping_sets(self, group: exp.Group, items: list[E.Expression],
                       keys: list[E.Expression]) -> list[list[int]] | None:
        """Fills ``keys`` with the GROUP BY expressions; for ROLLUP, CUBE and GROUPING SETS
        (crossed with each other and with plain keys) returns the grouping sets as key
        positions, else None."""
        from itertools import chain, product

        from minispark.sql.group import cube_sets, rollup_sets

        def position(node: exp.Expression) -> int:
            key = self._select_reference(self.expr(node), items)
            if key not in keys:
                keys.append(key)
            return keys.index(key)

        def expand(positions: list[int], shapes: list[list[int]]) -> list[list[int]]:
            return [[positions[i] for i in shape] for shape in shapes]

        choices: list[list[list[int]]] = []
        grouped = False
        for node in group.expressions:
            if isinstance(node, (exp.Rollup, exp.Cube)):
                positions = [position(e) for e in node.expressions]
                shapes = (rollup_sets if isinstance(node, exp.Rollup) else cube_sets)(
                    len(positions))
                choices.append(expand(positions, shapes))
                grouped = True
            elif isinstance(node, exp.GroupingSets):
                choices.append([[position(m) for m in _set_members(member)]
                                for member in node.expressions])
                grouped = True
            else:
                choices.append([[position(node)]])
        for clause, shapes in (("rollup", rollup_sets), ("cube", cube_sets)):
            if group.args.get(clause):  # GROUP BY a, b WITH ROLLUP / WITH CUBE
                choices = [expand(list(range(len(keys))), shapes(len(keys)))]
                grouped = True
        if not grouped:
            return None
        return [sorted(set(chain.from_iterable(combo))) for combo in product(*choices)]

    def _lift_aggregates(self, expr: E.Expression, items: list[E.Expression],
                         hidden: list[E.Expression]) -> E.Expression:
        """Aggregates in HAVING/ORDER BY as references to (possibly hidden) outputs."""
        def rule(e: E.Expression) -> E.Expression:
            if _is_aggregate_call(e):
                for item in items + hidden:
                    inner = item.child if isinstance(item, E.Alias) else item
                    if inner == e:
                        return E.UnresolvedAttribute([_output_name(item)])
                alias = E.Alias(e, f"__agg{len(hidden)}")
                hidden.append(alias)
                return E.UnresolvedAttribute([alias.name])
            return e
        lifted = expr.transform_down(rule)
        names = {_output_name(i).lower() for i in items + hidden}
        for attr in lifted.find_all(E.UnresolvedAttribute):
            if attr.name.lower() not in names and len(attr.parts) == 1:
                alias = E.Alias(attr, attr.name)
                hidden.append(alias)
                names.add(attr.name.lower())
        return lifted

    def _select_reference(self, expr: E.Expression, items: list[E.Expression]) -> E.Expression:
        """GROUP BY/ORDER BY ordinals and SELECT aliases as the expressions they name."""
        if isinstance(expr, E.Literal) and isinstance(expr.value, int) and not isinstance(
                expr.value, bool):
            index = expr.value
            if not 1 <= index <= len(items):
                raise ParseException(
                    "GROUP_BY_POS_OUT_OF_RANGE",
                    f"GROUP BY position {index} is not in select list (valid range is "
                    f"[1, {len(items)}]).", {"index": str(index), "size": str(len(items))},
                    "42805")
            item = items[index - 1]
            return item.child if isinstance(item, E.Alias) else item
        if isinstance(expr, E.UnresolvedAttribute) and len(expr.parts) == 1:
            for item in items:
                if isinstance(item, E.Alias) and item.name.lower() == expr.parts[0].lower() \
                        and not _names_column(item.child, item.name):
                    return item.child
        return expr

    def _sort_order(self, node: exp.Ordered, items: list[E.Expression]) -> E.SortOrder:
        order = sort_order(self.expressions, node)
        child = order.child
        if isinstance(child, E.Literal) and isinstance(child.value, int) and items:
            item = items[child.value - 1]
            child = E.UnresolvedAttribute([_output_name(item)])
        return E.SortOrder(child, order.ascending, order.nulls_first)


def _names_column(expr: E.Expression, name: str) -> bool:
    return isinstance(expr, E.UnresolvedAttribute) and expr.parts[-1].lower() == name.lower()


def _set_members(member: exp.Expression) -> list[exp.Expression]:
    """The expressions of one grouping set: ``(a, b)``, ``(a)``, ``a`` or ``()``."""
    if isinstance(member, exp.Tuple):
        return list(member.expressions)
    if isinstance(member, exp.Paren):
        return [member.this]
    return [member]


def _output_name(item: E.Expression) -> str:
    if isinstance(item, E.Alias):
        return item.name
    if isinstance(item, E.UnresolvedAttribute):
        return item.parts[-1]
    return item.sql()


def _is_aggregate_call(e: E.Expression) -> bool:
    return isinstance(e, E.UnresolvedFunction) and builtins.exists(e.name) and isinstance(
        builtins.lookup(e.name), builtins.AggregateSpec)


def _has_aggregate(e: E.Expression) -> bool:
    """Whether ``e`` aggregates rows (an aggregate inside OVER (...) does not)."""
    stack = [e]
    while stack:
        node = stack.pop()
        if _is_aggregate_call(node):
            return True
        if not isinstance(node, E.WindowExpression):
            stack.extend(node.children)
    return False

