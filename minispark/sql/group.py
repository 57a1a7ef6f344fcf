"""``GroupedData``: what ``DataFrame.groupBy`` returns, waiting for its aggregates.

>>> df = spark.createDataFrame([("a", 1), ("a", 3), ("b", 5)], ["k", "v"])
>>> sorted(df.groupBy("k").agg({"v": "max"}).collect())
[Row(k='a', max(v)=3), Row(k='b', max(v)=5)]
"""
from __future__ import annotations

from typing import Any

from minispark.errors import AnalysisException, PySparkTypeError
from minispark.sql.column import Column
from minispark.sql.plan import expressions as E
from minispark.sql.plan import logical as L
from minispark.sql.plan.typecoercion import is_numeric

#: The aggregate function names ``agg({"col": "name"})`` accepts (Spark's spellings).
_DICT_FUNCTIONS = {"avg": "avg", "mean": "avg", "max": "max", "min": "min", "sum": "sum",
                   "count": "count", "first": "first", "last": "last",
                   "stddev": "stddev", "std": "stddev", "variance": "variance",
                   "collect_list": "collect_list", "collect_set": "collect_set",
                   "approx_count_distinct": "approx_count_distinct"}


class GroupedData:
    """Rows grouped by key expressions; each method returns the aggregated DataFrame."""

    def __init__(self, df: Any, keys: list[E.Expression]) -> None:
        self._df = df
        self._keys = keys

    def agg(self, *exprs: Any) -> Any:
        """Aggregate Columns (``F.sum("v")``) or a dict ``{"column": "function"}``."""
        if len(exprs) == 1 and isinstance(exprs[0], dict):
            columns = [self._dict_aggregate(name, fn) for name, fn in exprs[0].items()]
        else:
            if not exprs:
                raise PySparkTypeError("CANNOT_BE_EMPTY", "At least one aggregate expression "
                                       "must be given.", {})
            for e in exprs:
                if not isinstance(e, Column):
                    raise PySparkTypeError("NOT_COLUMN", "all exprs should be Column, got "
                                           f"{type(e).__name__}.", {})
            columns = [e._expr for e in exprs]
        return self._aggregate(columns)

    def _dict_aggregate(self, column: str, function: str) -> E.Expression:
        name = _DICT_FUNCTIONS.get(function.lower())
        if name is None:
            from minispark.sql.builtins.registry import unresolved_routine

            raise unresolved_routine(function)
        arg: E.Expression = (E.Literal.of(1) if column == "*" and name == "count"
                             else E.UnresolvedAttribute.quoted(column))
        return E.UnresolvedFunction(name, [arg], display=function.lower())

    def _aggregate(self, aggregates: list[E.Expression]) -> Any:
        keys = list(self._keys)
        plan = L.Aggregate(keys, keys + aggregates, self._df._plan)
        return self._df._with(plan)

    def count(self) -> Any:
        """The number of rows of each group, as ``count``."""
        return self._aggregate([E.Alias(E.UnresolvedFunction("count", [E.Literal.of(1)]),
                                        "count")])

    def _numeric(self, function: str, cols: tuple[str, ...]) -> Any:
        output = self._df._plan.output
        if not cols:
            key_names = {k.name.lower() for k in self._keys
                         if isinstance(k, (E.UnresolvedAttribute, E.AttributeReference))}
            cols = tuple(a.name for a in output if is_numeric(a.data_type)
                         and a.name.lower() not in key_names)
        exprs = []
        for name in cols:
            attr = next((a for a in output if a.name == name), None)
            if attr is None:
                from minispark.sql.plan.analyzer import unresolved_column

                raise unresolved_column(name, output)
            if not is_numeric(attr.data_type):
                raise AnalysisException(
                    "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                    f'"{name}" is not a numeric column. Aggregation function can only be '
                    "applied on a numeric column.", {}, "42K09")
            exprs.append(E.UnresolvedFunction(function, [E.UnresolvedAttribute([name])]))
        return self._aggregate(exprs)

    def sum(self, *cols: str) -> Any:
        """The sum of each numeric column (or of ``cols``)."""
        return self._numeric("sum", cols)

    def avg(self, *cols: str) -> Any:
        """The mean of each numeric column (or of ``cols``)."""
        return self._numeric("avg", cols)

    mean = avg

    def max(self, *cols: str) -> Any:
        return self._numeric("max", cols)

    def min(self, *cols: str) -> Any:
        return self._numeric("min", cols)

    def pivot(self, pivot_col: str, values: list | None = None) -> Any:
        raise NotImplementedError("GroupedData.pivot is not supported yet")

    def applyInPandas(self, func: Any, schema: Any) -> Any:
        raise NotImplementedError("GroupedData.applyInPandas is not supported yet")
