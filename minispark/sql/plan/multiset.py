"""``EXCEPT ALL`` / ``INTERSECT ALL`` (``exceptAll``/``intersectAll``) as plain operators.

Multiset semantics: a row occurring ``l`` times on the left and ``r`` times on the
right occurs ``max(l - r, 0)`` times in ``EXCEPT ALL`` and ``min(l, r)`` times in
``INTERSECT ALL`` (nulls compare equal, as in grouping). The rewrite tags each
side's rows, counts both tags per distinct row with one aggregate over the union,
keeps the rows whose count ``n`` is positive and repeats each ``n`` times by
exploding ``sequence(1, n)``.
"""
from __future__ import annotations

from minispark.sql import builtins
from minispark.sql.plan import logical as L
from minispark.sql.plan.expressions import (
    AggregateFunction, Alias, AttributeReference, Expression, Generator, GreaterThan, Literal,
    ScalarFunction, Subtract,
)
from minispark.sql.types import LongType


def _tagged(plan: L.LogicalPlan, left: int, right: int) -> L.LogicalPlan:
    """``plan`` with two constant columns: how much each row counts for each side."""
    tags = [Alias(Literal(left, LongType()), "__left"), Alias(Literal(right, LongType()),
                                                               "__right")]
    return L.Project(list(plan.output) + tags, plan)


def _sum(attr: AttributeReference, name: str) -> Alias:
    return Alias(AggregateFunction(builtins.lookup("sum"), [attr]), name)


def rewrite_all(node: L.SetOperation) -> L.LogicalPlan:
    """``node`` (an ``is_all`` INTERSECT or EXCEPT) as union, aggregate, filter, explode."""
    union = L.Union([_tagged(node.left, 1, 0), _tagged(node.right, 0, 1)])
    *columns, left_tag, right_tag = union.output
    counts = [_sum(left_tag, "__l"), _sum(right_tag, "__r")]
    grouped = L.Aggregate(list(columns), list(columns) + counts, union)
    l_count, r_count = grouped.output[-2:]
    times: Expression
    if node.kind == "except":
        times = Subtract(l_count, r_count)
    else:
        times = ScalarFunction(builtins.lookup("least"), [l_count, r_count])
    times_alias = Alias(times, "__times")
    counted = L.Project(list(columns) + [times_alias], grouped)
    times_attr = counted.output[-1]
    kept = L.Filter(GreaterThan(times_attr, Literal(0, LongType())), counted)
    series = ScalarFunction(builtins.lookup("sequence"), [Literal(1, LongType()), times_attr])
    generator = Generator(series, False, False)
    copy = AttributeReference("__copy", LongType(), False)
    repeated = L.Generate(generator, [copy], kept)
    return L.Project(list(columns), repeated)
