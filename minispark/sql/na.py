"""``df.na``: filling, dropping and replacing missing values (null, and NaN in floats).

>>> df = spark.createDataFrame([(1, None), (None, "x")], "n int, s string")
>>> df.na.fill(0).na.fill("?").collect()
[Row(n=1, s='?'), Row(n=0, s='x')]
"""
from __future__ import annotations

from typing import Any, Sequence

from minispark.errors import PySparkTypeError, PySparkValueError
from minispark.sql import functions as F
from minispark.sql.column import Column
from minispark.sql.plan.typecoercion import is_numeric, is_string
from minispark.sql.types import BooleanType, DataType, DoubleType, FloatType


def _fits(value: Any, data_type: DataType) -> bool:
    """Whether a fill/replace value applies to a column of ``data_type`` (as Spark decides)."""
    if isinstance(value, bool):
        return isinstance(data_type, BooleanType)
    if isinstance(value, (int, float)):
        return is_numeric(data_type)
    if isinstance(value, str):
        return is_string(data_type)
    return False


def _missing(column: Column, data_type: DataType) -> Column:
    if isinstance(data_type, (DoubleType, FloatType)):
        return column.isNull() | F.isnan(column)
    return column.isNull()


class DataFrameNaFunctions:
    """What ``df.na`` offers; each method returns a new DataFrame."""

    # PySpark defines this class in its dataframe module; so does the repr here.
    __module__ = "minispark.sql.dataframe"

    def __init__(self, df: Any) -> None:
        self._df = df

    def _columns(self, subset: Any) -> list[str]:
        if subset is None:
            return list(self._df.columns)
        if isinstance(subset, str):
            return [subset]
        if isinstance(subset, (list, tuple)):
            return list(subset)
        raise PySparkTypeError("NOT_LIST_OR_STR_OR_TUPLE", "Argument `subset` should be a list, "
                               f"str or tuple, got {type(subset).__name__}.", {})

    def fill(self, value: Any, subset: Any = None) -> Any:
        """Nulls (and NaN in float columns) replaced by ``value`` where its type fits."""
        if isinstance(value, dict):
            return self._fill_map(value)
        if not isinstance(value, (bool, int, float, str)):
            raise PySparkTypeError("NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_STR",
                                   "Argument `value` should be a bool, dict, float, int or str, "
                                   f"got {type(value).__name__}.", {})
        targets = set(self._columns(subset))
        mapping = {f.name: value for f in self._df.schema.fields
                   if f.name in targets and _fits(value, f.dataType)}
        return self._fill_map(mapping)

    def _fill_map(self, mapping: dict[str, Any]) -> Any:
        types = {f.name: f.dataType for f in self._df.schema.fields}
        replaced = {}
        for name, value in mapping.items():
            if name not in types:
                from minispark.sql.plan.analyzer import unresolved_column

                raise unresolved_column(name, self._df._plan.output)
            column = F.col(name)
            fill = F.lit(value).cast(types[name])
            replaced[name] = F.when(_missing(column, types[name]), fill).otherwise(column)
        return self._df.withColumns(replaced) if replaced else self._df

    def drop(self, how: str = "any", thresh: int | None = None, subset: Any = None) -> Any:
        """Rows without nulls (``how="all"``: rows not entirely null; ``thresh``: rows with at
        least that many non-null values)."""
        if how not in ("any", "all"):
            raise PySparkValueError("VALUE_NOT_ANY_OR_ALL", f"Value for `how` must be 'any' or "
                                    f"'all', got '{how}'.", {})
        names = self._columns(subset)
        types = {f.name: f.dataType for f in self._df.schema.fields}
        present = [(~_missing(F.col(n), types[n])).cast("int") for n in names]
        if thresh is None:
            thresh = len(names) if how == "any" else 1
        total = present[0] if present else F.lit(0)
        for p in present[1:]:
            total = total + p
        return self._df.filter(total >= thresh)

    def replace(self, to_replace: Any, value: Any = None, subset: Any = None) -> Any:
        """Values equal to ``to_replace`` (a value, list or dict) replaced in matching columns."""
        if isinstance(to_replace, dict):
            pairs = list(to_replace.items())
        elif isinstance(to_replace, (list, tuple)):
            values = value if isinstance(value, (list, tuple)) else [value] * len(to_replace)
            if len(values) != len(to_replace):
                raise PySparkValueError("LENGTH_SHOULD_BE_THE_SAME",
                                        "to_replace and value lists should be of the same "
                                        "length.", {})
            pairs = list(zip(to_replace, values))
        else:
            pairs = [(to_replace, value)]
        targets = set(self._columns(subset))
        replaced = {}
        for field in self._df.schema.fields:
            if field.name not in targets:
                continue
            usable = [(old, new) for old, new in pairs if _fits(old, field.dataType)]
            if not usable:
                continue
            column = F.col(field.name)
            expr = None
            for old, new in usable:
                branch = F.lit(new).cast(field.dataType) if new is not None else F.lit(None).cast(
                    field.dataType)
                expr = (F.when(column == old, branch) if expr is None
                        else expr.when(column == old, branch))
            replaced[field.name] = expr.otherwise(column)  # type: ignore[union-attr]
        return self._df.withColumns(replaced) if replaced else self._df


def describe_columns(df: Any, cols: Sequence[str]) -> list[str]:
    """The columns ``describe``/``summary`` report on: the given ones, else every numeric or
    string column."""
    if cols:
        return list(cols)
    return [f.name for f in df.schema.fields if is_numeric(f.dataType) or is_string(f.dataType)]
