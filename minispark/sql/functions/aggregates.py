"""Aggregate and window functions (``sum``, ``collect_list``, ``percentile``, ``row_number``...)."""
from __future__ import annotations

from typing import Any

from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import _call, _math, _flag, exported


def count(col: Any) -> Column:
    """The number of rows where ``col`` is not null (``count("*")`` counts all rows).

    >>> spark.createDataFrame([(1,), (None,)], "x int").select(count("*"), count("x")).collect()
    [Row(count(1)=2, count(x)=1)]
    """
    if (isinstance(col, str) and col == "*") or (
            isinstance(col, Column) and isinstance(col._expr, E.UnresolvedStar)
            and not col._expr.target):
        return Column(E.UnresolvedFunction("count", [E.Literal.of(1)]))
    return _call("count", col)


def count_distinct(col: Any, *cols: Any) -> Column:
    """The number of distinct non-null values (of all the columns together)."""
    return _call("count", col, *cols, distinct=True)


countDistinct = count_distinct


def approx_count_distinct(col: Any, rsd: float | None = None) -> Column:
    """The number of distinct values (computed exactly, which is within any ``rsd``)."""
    return _call("approx_count_distinct", col)


approxCountDistinct = approx_count_distinct


def sum(col: Any) -> Column:
    """The sum (bigint for integers, double for floats, a wider decimal for decimals)."""
    return _call("sum", col)


def sum_distinct(col: Any) -> Column:
    return _call("sum", col, distinct=True)


sumDistinct = sum_distinct


def avg(col: Any) -> Column:
    """The mean of the non-null values."""
    return _call("avg", col)


def mean(col: Any) -> Column:
    return _call("avg", col)


def min(col: Any) -> Column:
    return _call("min", col)


def max(col: Any) -> Column:
    return _call("max", col)


def first(col: Any, ignorenulls: bool = False) -> Column:
    """The first value of the group (the first non-null with ``ignorenulls``)."""
    return _call("first", col, ignore_nulls=ignorenulls)


def last(col: Any, ignorenulls: bool = False) -> Column:
    return _call("last", col, ignore_nulls=ignorenulls)


def collect_list(col: Any) -> Column:
    """The group's non-null values as an array."""
    return _call("collect_list", col)


def collect_set(col: Any) -> Column:
    """The group's distinct non-null values as an array."""
    return _call("collect_set", col)


def stddev(col: Any) -> Column:
    return _call("stddev", col)


def std(col: Any) -> Column:
    return _call("std", col)


def stddev_samp(col: Any) -> Column:
    return _call("stddev_samp", col)


def stddev_pop(col: Any) -> Column:
    return _call("stddev_pop", col)


def variance(col: Any) -> Column:
    return _call("variance", col)


def var_samp(col: Any) -> Column:
    return _call("var_samp", col)


def var_pop(col: Any) -> Column:
    return _call("var_pop", col)


def bool_and(col: Any) -> Column:
    return _call("bool_and", col)


def bool_or(col: Any) -> Column:
    return _call("bool_or", col)


def every(col: Any) -> Column:
    return _call("every", col)


def some(col: Any) -> Column:
    return _call("some", col)


def row_number() -> Column:
    """The row's position in its window partition, from 1 (use with ``over``)."""
    return _call("row_number")


def rank() -> Column:
    """The rank with gaps: equal rows share it, the next rank skips."""
    return _call("rank")


def dense_rank() -> Column:
    """The rank without gaps."""
    return _call("dense_rank")


def percent_rank() -> Column:
    """``(rank - 1) / (rows in partition - 1)``."""
    return _call("percent_rank")


def cume_dist() -> Column:
    """The fraction of partition rows ordered at or before this one."""
    return _call("cume_dist")


def ntile(n: int) -> Column:
    """The bucket (1..n) of the row when the partition is split into ``n`` near-equal parts."""
    return Column(E.UnresolvedFunction("ntile", [E.Literal.of(int(n))]))


def lag(col: Any, offset: int = 1, default: Any = None) -> Column:
    """The value ``offset`` rows before, within the partition (``default`` if none)."""
    return Column(E.UnresolvedFunction("lag", [_column_arg(col), E.Literal.of(int(offset)),
                                               _expr(default)]))


def lead(col: Any, offset: int = 1, default: Any = None) -> Column:
    """The value ``offset`` rows after, within the partition (``default`` if none)."""
    return Column(E.UnresolvedFunction("lead", [_column_arg(col), E.Literal.of(int(offset)),
                                                _expr(default)]))


def percentile_approx(col: Any, percentage: Any, accuracy: int = 10000) -> Column:
    """The value at ``percentage`` (a float or a list of them) of the sorted values."""
    return Column(E.UnresolvedFunction("percentile_approx", [_column_arg(col), _expr(
        list(percentage) if isinstance(percentage, (list, tuple)) else percentage),
        E.Literal.of(accuracy)]))


approx_percentile = percentile_approx


def median(col: Any) -> Column:
    """The median, interpolated between the two middle values."""
    return _call("median", col)


def percentile(col: Any, percentage: Any, frequency: Any = 1) -> Column:
    """The exact (interpolated) percentile."""
    if frequency != 1:
        raise NotImplementedError("percentile with a frequency other than 1")
    return Column(E.UnresolvedFunction("percentile", [_column_arg(col), _expr(
        list(percentage) if isinstance(percentage, (list, tuple)) else percentage)]))


array_agg = _math("array_agg", "The group's non-null values as an array.")


def first_value(col: Any, ignoreNulls: Any = None) -> Column:
    """The first value of the group (the first non-null with ``ignoreNulls``)."""
    return _call("first_value", col, ignore_nulls=_flag(ignoreNulls))


def last_value(col: Any, ignoreNulls: Any = None) -> Column:
    """The last value of the group (the last non-null with ``ignoreNulls``)."""
    return _call("last_value", col, ignore_nulls=_flag(ignoreNulls))


__all__ = exported(globals(), __name__)
