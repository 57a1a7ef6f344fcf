"""``GROUP BY session_window(ts, gap)``: sessions computed with window functions first.

A session of one group keeps growing while each next event (in time order) comes before
the end of the session so far (the latest event plus ``gap``). The rewrite numbers the
sessions with two running windows, finds each session's start and end, and groups by the
``session_window`` struct they make, as Spark's MergingSessions does.
"""
from __future__ import annotations

import datetime
from typing import Any

from minispark.sql.plan import expressions as E
from minispark.sql.plan import logical as L
from minispark.sql.types import DayTimeIntervalType, TimestampType

_NAME = "session_window"


def _is_session(e: E.Expression) -> bool:
    inner = e.child if isinstance(e, E.Alias) else e
    return isinstance(inner, E.UnresolvedFunction) and inner.name.lower() == _NAME


def _column(name: str) -> E.Expression:
    return E.UnresolvedAttribute.quoted(name)


def _over(function: str, arg: E.Expression, partition: list[E.Expression],
          order: list[E.SortOrder], frame: E.WindowFrame | None, name: str) -> E.Alias:
    window = E.WindowExpression(E.UnresolvedFunction(function, [arg]), partition, order, frame)
    return E.Alias(window, name)


def _gap(call: E.UnresolvedFunction) -> E.Expression:
    from minispark.sql.builtins.datetime import duration_micros

    gap = call.children[1]
    if isinstance(gap, E.Literal) and isinstance(gap.value, str):
        return E.Literal(datetime.timedelta(microseconds=duration_micros(gap.value)),
                         DayTimeIntervalType())
    return gap


def _sessions(call: E.UnresolvedFunction, keys: list[E.Expression],
              child: L.LogicalPlan) -> L.LogicalPlan:
    """``child`` plus a ``session_window`` struct column, rows without a time dropped."""
    kept = list(child.output)
    ts, end = _column("__session_ts"), _column("__session_end")
    timed = L.Project(kept + [E.Alias(E.Cast(call.children[0], TimestampType()), "__session_ts")],
                      child)
    timed = L.Filter(E.IsNotNull(ts), timed)
    ends = L.Project(kept + [ts, E.Alias(E.Add(ts, _gap(call)), "__session_end")], timed)
    order = [E.SortOrder(ts)]
    before = E.WindowFrame("rows", E.UNBOUNDED_PRECEDING, -1)
    running = E.WindowFrame("rows", E.UNBOUNDED_PRECEDING, E.CURRENT_ROW)
    previous = L.Project(kept + [ts, end, _over("max", end, keys, order, before, "__prev")], ends)
    prev = _column("__prev")
    starts_new = E.UnresolvedFunction("if", [
        E.Or(E.IsNull(prev), E.GreaterThanOrEqual(ts, prev)), E.Literal.of(1), E.Literal.of(0)])
    numbered = L.Project(kept + [ts, end, _over("sum", starts_new, keys, order, running,
                                                "__session_no")], previous)
    session = keys + [_column("__session_no")]
    bounds = L.Project(kept + [_over("min", ts, session, [], None, "__start"),
                               _over("max", end, session, [], None, "__stop")], numbered)
    struct = E.UnresolvedFunction("named_struct", [
        E.Literal.of("start"), _column("__start"), E.Literal.of("end"), _column("__stop")])
    return L.Project(kept + [E.Alias(struct, _NAME)], bounds)


def _replace_call(e: E.Expression, call_sql: str) -> E.Expression:
    """``e`` with the session_window call swapped for the computed column."""
    def swap(node: E.Expression) -> E.Expression:
        if _is_session(node) and node.sql() == call_sql:
            return _column(_NAME)
        return node
    return e.transform_down(swap)


def rewrite_session_window(node: L.Aggregate) -> L.Aggregate | None:
    """``node`` over its child plus the sessions, if it groups by ``session_window``."""
    calls = [g.child if isinstance(g, E.Alias) else g for g in node.grouping if _is_session(g)]
    if not calls:
        return None
    call: Any = calls[0]
    keys = [g for g in node.grouping if not _is_session(g)]
    call_sql = call.sql()
    child = _sessions(call, keys, node.child)
    grouping = [_replace_call(g, call_sql) for g in node.grouping]
    aggregates = [_replace_call(a, call_sql) for a in node.aggregates]
    return L.Aggregate(grouping, aggregates, child)
