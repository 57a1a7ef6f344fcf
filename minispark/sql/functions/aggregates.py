"""Aggregate and window functions (``sum``, ``collect_list``, ``percentile``, ``row_number``...)."""
from __future__ import annotations

from typing import Any

from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import _call, _flag, _math, _numeric_arg, exported


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


def _percentage(value: Any) -> E.Expression:
    return _expr(list(value) if isinstance(value, (list, tuple)) else value)


def percentile_approx(col: Any, percentage: Any, accuracy: Any = 10000) -> Column:
    """The value at ``percentage`` (a float or a list of them) of the sorted values."""
    return Column(E.UnresolvedFunction("percentile_approx", [
        _column_arg(col), _percentage(percentage), _expr(accuracy)]))


def approx_percentile(col: Any, percentage: Any, accuracy: Any = 10000) -> Column:
    """``percentile_approx`` under its other name (which names the output column)."""
    return Column(E.UnresolvedFunction("approx_percentile", [
        _column_arg(col), _percentage(percentage), _expr(accuracy)]))


def median(col: Any) -> Column:
    """The median, interpolated between the two middle values."""
    return _call("median", col)


def percentile(col: Any, percentage: Any, frequency: Any = 1) -> Column:
    """The exact (interpolated) percentile; each row counts ``frequency`` times."""
    return Column(E.UnresolvedFunction("percentile", [
        _column_arg(col), _percentage(percentage), _numeric_arg(frequency)]))


array_agg = _math("array_agg", "The group's non-null values as an array.")


def first_value(col: Any, ignoreNulls: Any = None) -> Column:
    """The first value of the group (the first non-null with ``ignoreNulls``)."""
    return _call("first_value", col, ignore_nulls=_flag(ignoreNulls))


def last_value(col: Any, ignoreNulls: Any = None) -> Column:
    """The last value of the group (the last non-null with ``ignoreNulls``)."""
    return _call("last_value", col, ignore_nulls=_flag(ignoreNulls))


def try_sum(col: Any) -> Column:
    """The sum, or null where it overflows."""
    return _call("try_sum", col)


def try_avg(col: Any) -> Column:
    """The mean, or null where it overflows."""
    return _call("try_avg", col)


def any_value(col: Any, ignoreNulls: Any = None) -> Column:
    """Some value of the group (the first; the first non-null with ``ignoreNulls``)."""
    return _call("any_value", col, ignore_nulls=_flag(ignoreNulls))


def count_if(col: Any) -> Column:
    """The number of rows where ``col`` is true.

    >>> from minispark.sql.functions import col
    >>> spark.range(5).select(count_if(col("id") > 2)).collect()
    [Row(count_if((id > 2))=2)]
    """
    return _call("count_if", col)


def mode(col: Any, deterministic: bool = False) -> Column:
    """The most frequent value (the smallest of tied ones when ``deterministic``)."""
    if deterministic:
        return Column(E.UnresolvedFunction("mode", [_column_arg(col), E.Literal.of(True)]))
    return _call("mode", col)


def max_by(col: Any, ord: Any, k: Any = None) -> Column:
    """The ``col`` of the row with the largest ``ord`` (the top ``k`` as an array)."""
    extra = [] if k is None else [_numeric_arg(k)]
    return Column(E.UnresolvedFunction("max_by", [_column_arg(col), _column_arg(ord)] + extra))


def min_by(col: Any, ord: Any, k: Any = None) -> Column:
    """The ``col`` of the row with the smallest ``ord`` (the bottom ``k`` as an array)."""
    extra = [] if k is None else [_numeric_arg(k)]
    return Column(E.UnresolvedFunction("min_by", [_column_arg(col), _column_arg(ord)] + extra))


def _joined(name: str, col: Any, delimiter: Any, distinct: bool) -> Column:
    separator = delimiter._expr if isinstance(delimiter, Column) else E.Literal.of(delimiter)
    return Column(E.UnresolvedFunction(name, [_column_arg(col), separator], distinct))


def listagg(col: Any, delimiter: Any = None) -> Column:
    """The non-null values concatenated, separated by ``delimiter``."""
    return _joined("listagg", col, delimiter, False)


def listagg_distinct(col: Any, delimiter: Any = None) -> Column:
    """The distinct non-null values concatenated, separated by ``delimiter``."""
    return _joined("listagg", col, delimiter, True)


def string_agg(col: Any, delimiter: Any = None) -> Column:
    """``listagg`` under its other name."""
    return _joined("string_agg", col, delimiter, False)


def string_agg_distinct(col: Any, delimiter: Any = None) -> Column:
    """``listagg_distinct`` under its other name."""
    return _joined("string_agg", col, delimiter, True)


def nth_value(col: Any, offset: int, ignoreNulls: bool | None = False) -> Column:
    """The value of the ``offset``-th row (from 1) of the window frame, or null."""
    return Column(E.UnresolvedFunction("nth_value", [_column_arg(col), E.Literal.of(
        int(offset))], ignore_nulls=_flag(ignoreNulls)))


def grouping(col: Any) -> Column:
    """1 on rows where ``col`` is rolled up (aggregated over) by rollup/cube, else 0."""
    return _call("grouping", col)


def grouping_id(*cols: Any) -> Column:
    """The bits of ``grouping`` of each column (all grouping columns by default).

    >>> df = spark.createDataFrame([("a", 1)], ["k", "v"])
    >>> sorted(df.cube("k").agg(grouping_id()).collect(), key=str)
    [Row(k='a', grouping_id()=0), Row(k=None, grouping_id()=1)]
    """
    return _call("grouping_id", *cols)


def histogram_numeric(col: Any, nBins: Any) -> Column:
    """A histogram of ``nBins`` bins (centre x, count y) of the numeric values."""
    return Column(E.UnresolvedFunction("histogram_numeric", [_column_arg(col),
                                                             _numeric_arg(nBins)]))


def _two(name: str, doc: str) -> Any:
    def function(col1: Any, col2: Any) -> Column:
        return _call(name, col1, col2)
    function.__name__ = name
    function.__doc__ = doc
    return function


bitmap_bucket_number = _math("bitmap_bucket_number", "The bitmap bucket number of a value.")
bitmap_bit_position = _math("bitmap_bit_position", "The bit position of a value in its bucket.")
bitmap_count = _math("bitmap_count", "The number of bits set in a bitmap.")
bitmap_construct_agg = _math("bitmap_construct_agg", "A bitmap with the bit positions set.")
bitmap_or_agg = _math("bitmap_or_agg", "The bitwise OR of the bitmaps.")
bitmap_and_agg = _math("bitmap_and_agg", "The bitwise AND of the bitmaps.")
vector_sum = _math("vector_sum", "The element-wise sum of equally long float arrays.")
vector_avg = _math("vector_avg", "The element-wise mean of equally long float arrays.")
collect_union = _math("collect_union", "The distinct elements of all the arrays.")
product = _math("product", "The product of the non-null values.")
skewness = _math("skewness", "The skewness of the values.")
kurtosis = _math("kurtosis", "The excess kurtosis of the values.")
bit_and = _math("bit_and", "The bitwise AND of the non-null values.")
bit_or = _math("bit_or", "The bitwise OR of the non-null values.")
bit_xor = _math("bit_xor", "The bitwise XOR of the non-null values.")
corr = _two("corr", "The Pearson correlation coefficient of two columns.")
covar_pop = _two("covar_pop", "The population covariance of two columns.")
covar_samp = _two("covar_samp", "The sample covariance of two columns.")
regr_count = _two("regr_count", "The number of rows where both y and x are non-null.")
regr_avgx = _two("regr_avgx", "The mean of x over rows where both y and x are non-null.")
regr_avgy = _two("regr_avgy", "The mean of y over rows where both y and x are non-null.")
regr_sxx = _two("regr_sxx", "The sum of squared deviations of x (pairs both non-null).")
regr_syy = _two("regr_syy", "The sum of squared deviations of y (pairs both non-null).")
regr_sxy = _two("regr_sxy", "The sum of products of deviations of y and x.")
regr_slope = _two("regr_slope", "The slope of the least-squares line of y on x.")
regr_intercept = _two("regr_intercept", "The intercept of the least-squares line of y on x.")
regr_r2 = _two("regr_r2", "The coefficient of determination of y on x.")


__all__ = exported(globals(), __name__)
