"""Columns, literals, sort orders, conditionals and per-task values.

``col``, ``lit``, ``expr``, ``when``, ``coalesce``, ``rand``...
"""
from __future__ import annotations

from typing import Any

from minispark.errors import PySparkTypeError
from minispark.sql.column import Column, _column_arg, _expr, column_expression
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import _call, exported


def col(col: str) -> Column:
    """The column named ``col`` (``"t.x"`` for a qualified name, ``"*"`` for all).

    >>> col("x")
    Column<'x'>
    """
    if not isinstance(col, str):
        raise PySparkTypeError("NOT_STR", f"Argument `col` should be a str, got "
                               f"{type(col).__name__}.", {"arg_name": "col"})
    return Column(column_expression(col))


column = col


def lit(col: Any) -> Column:
    """A constant column (a Column passes through unchanged).

    >>> lit(5), lit("a")
    (Column<'5'>, Column<''a''>)
    """
    if isinstance(col, Column):
        return col
    if isinstance(col, list):
        return _call("array", *[lit(v) for v in col])
    return Column(E.Literal.of(col))


def expr(str: str) -> Column:
    """A column from a SQL expression string.

    >>> spark.range(2).select(expr("id * 2 AS twice")).collect()
    [Row(twice=0), Row(twice=2)]
    """
    from minispark.sql.parser import parse_expression

    return Column(parse_expression(str))


def broadcast(df: Any) -> Any:
    """Mark ``df`` as small: a join broadcasts it whatever its size."""
    return df.hint("broadcast")


def when(condition: Column, value: Any) -> Column:
    """``CASE WHEN condition THEN value``; chain ``.when`` and ``.otherwise``.

    >>> spark.range(3).select(when(col("id") > 0, "pos").otherwise("zero").alias("s")).collect()
    [Row(s='zero'), Row(s='pos'), Row(s='pos')]
    """
    if not isinstance(condition, Column):
        raise PySparkTypeError("NOT_COLUMN", "Argument `condition` should be a Column, got "
                               f"{type(condition).__name__}.", {"arg_name": "condition"})
    return Column(E.CaseWhen([(condition._expr, _expr(value))]))


def asc(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), True, True))


def asc_nulls_first(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), True, True))


def asc_nulls_last(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), True, False))


def desc(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), False, False))


def desc_nulls_first(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), False, True))


def desc_nulls_last(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), False, False))


def coalesce(*cols: Any) -> Column:
    """The first non-null argument of each row."""
    return _call("coalesce", *cols)


def isnull(col: Any) -> Column:
    """True where ``col`` is null."""
    return _call("isnull", col)


def isnotnull(col: Any) -> Column:
    return _call("isnotnull", col)


def isnan(col: Any) -> Column:
    """True where ``col`` is NaN."""
    return _call("isnan", col)


def nanvl(col1: Any, col2: Any) -> Column:
    """``col1`` unless it is NaN, else ``col2``."""
    return _call("nanvl", col1, col2)


def nvl(col1: Any, col2: Any) -> Column:
    return _call("nvl", col1, col2)


def ifnull(col1: Any, col2: Any) -> Column:
    return _call("ifnull", col1, col2)


def nvl2(col1: Any, col2: Any, col3: Any) -> Column:
    return _call("nvl2", col1, col2, col3)


def nullif(col1: Any, col2: Any) -> Column:
    return _call("nullif", col1, col2)


def greatest(*cols: Any) -> Column:
    """The largest non-null argument of each row."""
    return _call("greatest", *cols)


def least(*cols: Any) -> Column:
    """The smallest non-null argument of each row."""
    return _call("least", *cols)


def rand(seed: int | None = None) -> Column:
    """Uniform random numbers in [0, 1), the same for a seed and partitioning."""
    import random as _random

    chosen = _random.randrange(1 << 62) if seed is None else int(seed)
    return Column(E.Rand(chosen))


def randn(seed: int | None = None) -> Column:
    """Standard normal random numbers."""
    import random as _random

    chosen = _random.randrange(1 << 62) if seed is None else int(seed)
    return Column(E.Randn(chosen))


def monotonically_increasing_id() -> Column:
    """Unique, increasing 64-bit ids: the partition index in the upper bits."""
    return Column(E.MonotonicallyIncreasingID())


def spark_partition_id() -> Column:
    """The index of the partition computing the row."""
    return Column(E.SparkPartitionID())


__all__ = exported(globals(), __name__)
