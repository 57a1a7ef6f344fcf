"""``describe``/``summary`` statistics and ``df.stat``.

>>> df = spark.createDataFrame([(1,), (3,)], "n int")
>>> [tuple(r) for r in df.describe().collect()]
[('count', '2'), ('mean', '2.0'), ('stddev', '1.4142135623730951'), ('min', '1'), ('max', '3')]
"""
from __future__ import annotations

import random
import sys
from typing import Any, Sequence

from minispark.errors import PySparkTypeError, PySparkValueError
from minispark.sql import functions as F
from minispark.sql.column import Column
from minispark.sql.na import describe_columns
from minispark.sql.plan.typecoercion import is_numeric
from minispark.sql.types import ArrayType, LongType, StringType, StructField, StructType

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
        return F.lit(None)  # filled in by a second, centred pass (see _stddevs)
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
    rows = [[s] + [values[f"{i}_{j}"] for j in range(len(names))] for i, s in enumerate(stats)]
    if "stddev" in stats:
        numeric = [n for n in names if is_numeric(types[n])]
        deviations = _stddevs(df, numeric)
        row = rows[stats.index("stddev")]
        for j, n in enumerate(names):
            row[j + 1] = deviations.get(n)
    rows = [tuple(r) for r in rows]
    schema = ", ".join(["summary string"] + [f"`{n}` string" for n in names])
    return df.sparkSession.createDataFrame(rows, schema)


def _stddevs(df: Any, names: Sequence[str]) -> dict[str, Any]:
    """Sample standard deviations as strings, from squared deviations about the mean.

    Two passes (the means, then the centred sum of squares) give Spark's digits, where
    one pass of sums of squares loses the last few.
    """
    if not names:
        return {}
    doubles = {n: F.col(f"`{n}`").cast("double") for n in names}
    means = df.agg(*[F.avg(c).alias(f"m{i}") for i, c in enumerate(doubles.values())],
                   F.count(F.lit(1)).alias("n")).collect()[0]
    centred = [c - F.lit(means[f"m{i}"]) for i, c in enumerate(doubles.values())]
    squares = [F.sum(d * d).alias(f"s{i}") for i, d in enumerate(centred)]
    counts = [F.count(c).alias(f"c{i}") for i, c in enumerate(doubles.values())]
    sums = df.agg(*squares, *counts).collect()[0]
    out = {}
    for i, n in enumerate(names):
        count, total = sums[f"c{i}"], sums[f"s{i}"]
        out[n] = None if count < 2 or total is None else _double_string(
            (total / (count - 1)) ** 0.5)
    return out


def _double_string(value: float) -> str:
    """A double as Spark casts it to a string."""
    from minispark.sql.execution.formatting import java_double_str

    return java_double_str(value)


class DataFrameStatFunctions:
    """What ``df.stat`` offers."""

    # PySpark defines this class in its dataframe module; so does the repr here.
    __module__ = "minispark.sql.dataframe"

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

    def crosstab(self, col1: str, col2: str) -> Any:
        """A contingency table: one row per value of ``col1``, one count column per value of
        ``col2`` (named by the value as a string, sorted)."""
        pairs = self._df.groupBy(col1, col2).count().collect()
        names = sorted({_cell_name(r[1]) for r in pairs})
        position = {n: i for i, n in enumerate(names)}
        table: dict[str, list[int]] = {}
        for left, right, count in pairs:
            table.setdefault(_cell_name(left), [0] * len(names))[position[_cell_name(right)]] \
                += count
        schema = StructType([StructField(f"{col1}_{col2}", StringType())] +
                            [StructField(n, LongType(), False) for n in names])
        rows = [tuple([key] + counts) for key, counts in table.items()]
        return self._df.sparkSession.createDataFrame(rows, schema)

    def freqItems(self, cols: Sequence[str], support: float | None = None) -> Any:
        """Per column, the values occurring in more than ``support`` (default 1%) of rows.

        All values are kept while there are at most ``1 / support`` distinct ones (as
        Spark's counting sketch does); beyond that only the frequent ones.
        """
        if isinstance(cols, tuple):
            cols = list(cols)
        if not isinstance(cols, list):
            raise PySparkTypeError("NOT_LIST_OR_TUPLE", "Argument `cols` should be a list or "
                                   f"tuple, got {type(cols).__name__}.", {})
        support = 0.01 if support is None else float(support)
        if support < 1e-4:
            raise PySparkValueError("INVALID_SUPPORT", f"Support ({support}) must be at least "
                                    "1e-4.", {})
        total = self._df.count()
        items = []
        for name in cols:
            counts = self._df.groupBy(name).count().collect()
            keep = counts if len(counts) <= 1 / support else \
                [r for r in counts if r[1] > support * total]
            items.append([r[0] for r in keep])
        fields = {f.name: f.dataType for f in self._df.schema.fields}
        schema = StructType([StructField(f"{n}_freqItems", ArrayType(fields[n]), False)
                             for n in cols])
        return self._df.sparkSession.createDataFrame([tuple(items)], schema)

    def sampleBy(self, col: Any, fractions: dict, seed: int | None = None) -> Any:
        """A stratified sample: rows whose ``col`` is a key of ``fractions``, each kept with
        that key's probability."""
        if not isinstance(col, (str, Column)):
            raise PySparkTypeError("NOT_COLUMN_OR_STR", "Argument `col` should be a Column or "
                                   f"str, got {type(col).__name__}.", {})
        if not isinstance(fractions, dict):
            raise PySparkTypeError("NOT_DICT", "Argument `fractions` should be a dict, got "
                                   f"{type(fractions).__name__}.", {})
        key = F.col(col) if isinstance(col, str) else col
        chance: Any = None
        for value, fraction in fractions.items():
            if not isinstance(value, (float, int, str)) or not 0 <= fraction <= 1:
                raise PySparkValueError("INVALID_FRACTION", "Keys must be float, int or str and "
                                        "fractions between 0 and 1.", {})
            branch = (key == value, F.lit(float(fraction)))
            chance = F.when(*branch) if chance is None else chance.when(*branch)
        if chance is None:
            return self._df.limit(0)
        seed = random.randrange(sys.maxsize) if seed is None else int(seed)
        return self._df.filter(F.rand(seed) < chance.otherwise(F.lit(0.0)))


def _cell_name(value: Any) -> str:
    """A crosstab key as Spark writes it (``null`` for a missing value)."""
    return "null" if value is None else str(value)
