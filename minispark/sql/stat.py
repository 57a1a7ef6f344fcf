"""``describe``/``summary`` statistics and ``df.stat``.

>>> df = spark.createDataFrame([(1,), (3,)], "n int")
>>> [tuple(r) for r in df.describe().collect()]
[('count', '2'), ('mean', '2.0'), ('stddev', '1.4142135623730951'), ('min', '1'), ('max', '3')]
"""
from __future__ import annotations

from typing import Any, Sequence

from minispark.errors import PySparkValueError
from minispark.sql import functions as F
from minispark.sql.na import describe_columns
from minispark.sql.plan.typecoercion import is_numeric

_DEFAULT_SUMMARY = ("count", "mean", "stddev", "min", "25%", "50%", "75%", "max")


def _statistic(name: str, column: str, numeric: bool) -> Any:
    col = F.col(column)
    if name == "count":
        return F.count(col)
    if name in ("min", "max"):
        return (F.min if name == "min" else F.max)(col)
    if not numeric:
        return F.lit(None)
    if name == "mean":
        return F.avg(col)
    if name == "stddev":
        return F.stddev(col)
    if name.endswith("%"):
        return F.percentile_approx(col, float(name[:-1]) / 100)
    raise PySparkValueError("UNSUPPORTED_STATISTIC", f"{name} is not a recognised statistic.",
                            {})


def summary(df: Any, statistics: Sequence[str], cols: Sequence[str] = ()) -> Any:
    """One row per statistic, one string column per described column (Spark's layout)."""
    names = describe_columns(df, cols)
    types = {f.name: f.dataType for f in df.schema.fields}
    stats = list(statistics) or list(_DEFAULT_SUMMARY)
    exprs = [_statistic(s, c, is_numeric(types[c])).cast("string").alias(f"{i}_{j}")
             for i, s in enumerate(stats) for j, c in enumerate(names)]
    if not exprs:
        return df.sparkSession.createDataFrame([(s,) for s in stats], "summary string")
    values = df.agg(*exprs).collect()[0]
    rows = [tuple([s] + [values[f"{i}_{j}"] for j in range(len(names))])
            for i, s in enumerate(stats)]
    schema = ", ".join(["summary string"] + [f"`{n}` string" for n in names])
    return df.sparkSession.createDataFrame(rows, schema)


class DataFrameStatFunctions:
    """What ``df.stat`` offers."""

    def __init__(self, df: Any) -> None:
        self._df = df

    def approxQuantile(self, col: Any, probabilities: Sequence[float],
                       relativeError: float) -> list:
        """The values at ``probabilities`` of one column (or a list of them per column)."""
        cols = [col] if isinstance(col, str) else list(col)
        row = self._df.agg(*[F.percentile_approx(F.col(c).cast("double"),
                                                 list(probabilities)).alias(c)
                             for c in cols]).collect()[0]
        result = [list(row[c] or []) for c in cols]
        return result[0] if isinstance(col, str) else result

    def _co_moments(self, col1: str, col2: str) -> tuple[float, float, float, int]:
        """Sums of centred products (two passes, for accuracy): (cxy, cxx, cyy, n)."""
        mean1, mean2, n = self._df.agg(F.avg(col1), F.avg(col2), F.count(F.lit(1))).collect()[0]
        dx = F.col(col1).cast("double") - F.lit(mean1)
        dy = F.col(col2).cast("double") - F.lit(mean2)
        cxy, cxx, cyy = self._df.agg(F.sum(dx * dy), F.sum(dx * dx), F.sum(dy * dy)
                                     ).collect()[0]
        return cxy, cxx, cyy, n

    def corr(self, col1: str, col2: str, method: str = "pearson") -> float:
        """Pearson's correlation of two numeric columns."""
        if method != "pearson":
            raise NotImplementedError(f"correlation method {method!r} (only pearson)")
        cxy, cxx, cyy, _ = self._co_moments(col1, col2)
        if not cxx or not cyy:
            return float("nan")
        return cxy / (cxx * cyy) ** 0.5

    def cov(self, col1: str, col2: str) -> float:
        """The sample covariance of two numeric columns."""
        cxy, _, _, n = self._co_moments(col1, col2)
        return cxy / (n - 1)
