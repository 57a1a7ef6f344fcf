"""``DataFrame``: a distributed table with named columns, built lazily as a logical plan.

Every transformation returns a new DataFrame over an analyzed plan (so a
wrong column name fails at once); actions optimize, plan and run it.

>>> df = spark.createDataFrame([("Alice", 2), ("Bob", 5)], ["name", "age"])
>>> df.filter(df.age > 3).select("name", (df.age + 1).alias("next")).collect()
[Row(name='Bob', next=6)]
"""
from __future__ import annotations

import random
import sys
from typing import Any, Callable, Iterator, Sequence

import pyarrow as pa

from minispark.errors import PySparkAttributeError, PySparkTypeError, PySparkValueError
from minispark.sql.column import Column, _column_arg, _expr, column_expression
from minispark.sql.conversion import arrow_to_rows, column_values
from minispark.sql.execution.formatting import format_value, show_string
from minispark.sql.execution.query import QueryExecution
from minispark.sql.plan import expressions as E
from minispark.sql.plan import logical as L
from minispark.sql.plan.analyzer import resolve_name, unresolved_column
from minispark.sql.row import Row
from minispark.sql.types import StructField, StructType
from minispark.storagelevel import StorageLevel


def _flatten(cols: Sequence[Any]) -> list[Any]:
    """``f("a", "b")`` and ``f(["a", "b"])`` alike."""
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        return list(cols[0])
    return list(cols)


class DataFrame:
    """A distributed collection of rows with named columns."""

    def __init__(self, plan: L.LogicalPlan, session: Any) -> None:
        self._plan = plan
        self._session = session
        self._query: QueryExecution | None = None

    @property
    def sparkSession(self) -> Any:
        """The SparkSession that created this DataFrame.

        >>> spark.range(1).sparkSession is spark
        True
        """
        return self._session

    # ---- plumbing ----------------------------------------------------------------------

    def _with(self, plan: L.LogicalPlan) -> "DataFrame":
        return DataFrame(self.sparkSession._analyze(plan), self.sparkSession)

    @property
    def _execution(self) -> QueryExecution:
        if self._query is None:
            self._query = QueryExecution(self.sparkSession, self._plan)
        return self._query

    def _batch_rdd(self) -> Any:
        """An RDD of ``pyarrow.RecordBatch`` with this DataFrame's columns (for writers)."""
        return self._execution.rdd()

    @property
    def sql_ctx(self) -> Any:
        return self.sparkSession

    # ---- schema -----------------------------------------------------------------------------

    @property
    def schema(self) -> StructType:
        """The columns' names, types and nullability.

        >>> spark.range(1).schema
        StructType([StructField('id', LongType(), False)])
        """
        return _with_metadata(self._plan.schema(), self._plan)

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return [a.name for a in self._plan.output]

    @property
    def dtypes(self) -> list[tuple[str, str]]:
        """``(name, type)`` pairs, types as SQL names (``bigint``, ``string``)."""
        return [(a.name, a.data_type.simpleString()) for a in self._plan.output]

    def printSchema(self, level: int | None = None) -> None:
        """Print the schema as a tree.

        >>> spark.range(1).printSchema()
        root
         |-- id: long (nullable = false)
        <BLANKLINE>
        """
        print(self.schema.treeString(level))

    @property
    def isStreaming(self) -> bool:
        return False

    def __dir__(self) -> list[str]:
        """The attributes, with the column names usable as attributes (for completion)."""
        names = set(super().__dir__())
        names.update(c for c in self.columns if c.isidentifier())
        return sorted(names)

    def __repr__(self) -> str:
        return "DataFrame[" + ", ".join(f"{n}: {t}" for n, t in self.dtypes) + "]"

    # ---- columns ------------------------------------------------------------------------------

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            return self._column(item)
        if isinstance(item, Column):
            return self.filter(item)
        if isinstance(item, (list, tuple)):
            return self.select(*item)
        if isinstance(item, int):
            return self._column(self.columns[item])
        raise PySparkTypeError("NOT_COLUMN_OR_INT_OR_LIST_OR_STR_OR_TUPLE",
                               f"Argument `item` should be a Column, int, list, str or tuple, "
                               f"got {type(item).__name__}.", {})

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_"):
            raise AttributeError(name)
        if not any(a.name == name for a in self._plan.output):
            raise PySparkAttributeError("ATTRIBUTE_NOT_SUPPORTED",
                                        f"Attribute `{name}` is not supported.",
                                        {"attr_name": name})
        return self._column(name)

    def _column(self, name: str) -> Column:
        """``df["x"]``: the column, tied to this DataFrame's plan (for self-joins)."""
        expr = column_expression(name)
        if isinstance(expr, E.UnresolvedStar):
            return Column(expr)
        found = resolve_name(expr.parts, self._plan.output)  # type: ignore[attr-defined]
        if found is None:
            raise unresolved_column(name, self._plan.output)
        if isinstance(found, E.AttributeReference):
            found = E.AttributeReference(found.name, found.data_type, found.nullable,
                                         found.expr_id, found.qualifier, plan_tag=id(self._plan))
        return Column(found)

    def colRegex(self, colName: str) -> Column:
        import re

        pattern = colName.strip("`")
        matched = [a for a in self._plan.output if re.fullmatch(pattern, a.name)]
        return Column(_Columns(matched))  # type: ignore[arg-type]

    # ---- projection -----------------------------------------------------------------------------

    def select(self, *cols: Any) -> "DataFrame":
        """The given columns (names, Columns or ``"*"``).

        >>> from minispark.sql.functions import col
        >>> spark.range(2).select("id", (col("id") * 2).alias("twice")).collect()
        [Row(id=0, twice=0), Row(id=1, twice=2)]
        """
        exprs = [_column_arg(c) for c in _flatten(cols)]
        return self._with(L.Project(_expand_columns(exprs), self._plan))

    def selectExpr(self, *expr: Any) -> "DataFrame":
        """The given SQL expressions.

        >>> spark.range(2).selectExpr("id + 1 AS n").collect()
        [Row(n=1), Row(n=2)]
        """
        from minispark.sql.parser import parse_expression

        return self._with(L.Project([parse_expression(e) for e in _flatten(expr)], self._plan))

    def withColumn(self, colName: str, col: Column) -> "DataFrame":
        """This DataFrame with ``colName`` added (or replaced) as ``col``.

        >>> from minispark.sql.functions import lit
        >>> spark.range(1).withColumn("two", lit(2)).columns
        ['id', 'two']
        """
        if not isinstance(col, Column):
            raise PySparkTypeError("NOT_COLUMN", "Argument `col` should be a Column, got "
                                   f"{type(col).__name__}.", {"arg_name": "col"})
        return self.withColumns({colName: col})

    def withColumns(self, *colsMap: dict[str, Column]) -> "DataFrame":
        """Several columns added or replaced at once."""
        if len(colsMap) != 1 or not isinstance(colsMap[0], dict):
            raise PySparkTypeError("NOT_DICT", "Argument `colsMap` should be a dict.", {})
        mapping = colsMap[0]
        lower = {k.lower(): (k, v) for k, v in mapping.items()}
        exprs: list[E.Expression] = []
        seen = set()
        for attr in self._plan.output:
            hit = lower.get(attr.name.lower())
            if hit is None:
                exprs.append(attr)
            else:
                exprs.append(E.Alias(_expr(hit[1]), hit[0]))
                seen.add(attr.name.lower())
        for key, (name, value) in lower.items():
            if key not in seen:
                exprs.append(E.Alias(_expr(value), name))
        return self._with(L.Project(exprs, self._plan))

    def withColumnRenamed(self, existing: str, new: str) -> "DataFrame":
        """The column ``existing`` renamed to ``new`` (no-op if it does not exist)."""
        return self.withColumnsRenamed({existing: new})

    def withColumnsRenamed(self, colsMap: dict[str, str]) -> "DataFrame":
        lower = {k.lower(): v for k, v in colsMap.items()}
        exprs = [E.Alias(a, lower[a.name.lower()]) if a.name.lower() in lower else a
                 for a in self._plan.output]
        return self._with(L.Project(exprs, self._plan))

    def drop(self, *cols: Any) -> "DataFrame":
        """Without the given columns (names that do not exist are ignored).

        >>> from minispark.sql.functions import lit
        >>> spark.range(1).withColumn("x", lit(1)).drop("x", "nope").columns
        ['id']
        """
        dropped: set[int] = set()
        for c in cols:
            if isinstance(c, Column):
                resolved = self._resolve_to_drop(c._expr)
                if isinstance(resolved, E.AttributeReference):
                    dropped.add(resolved.expr_id)
                continue
            if not isinstance(c, str):
                raise PySparkTypeError("NOT_COLUMN_OR_STR", "Argument `col` should be a "
                                       "Column or str.", {})
            dropped |= {a.expr_id for a in self._plan.output if a.name.lower() == c.lower()}
        kept = [a for a in self._plan.output if a.expr_id not in dropped]
        return self._with(L.Project(kept, self._plan))

    def _resolve_to_drop(self, expr: E.Expression) -> E.Expression | None:
        """A Column given to ``drop``; one naming no column is ignored, as Spark does (an
        ambiguous one still fails)."""
        from minispark.errors import AnalysisException

        try:
            return self._resolve(expr)
        except AnalysisException as error:
            if (error.getCondition() or "").startswith("UNRESOLVED_COLUMN"):
                return None
            raise

    def _ipython_key_completions_(self) -> list[str]:
        """The column names, for IPython's completion of ``df["...``.

        >>> spark.createDataFrame([(1, 2)], ["a b", "c"])._ipython_key_completions_()
        ['a b', 'c']
        """
        return list(self.columns)

    def toDF(self, *cols: str) -> "DataFrame":
        """The same rows with new column names (one per column)."""
        return self._with(L.RenameColumns(list(cols), self._plan))

    def alias(self, alias: str) -> "DataFrame":
        """This DataFrame under a name its columns can be qualified by (``alias.col``)."""
        return self._with(L.SubqueryAlias(alias, self._plan))

    def _resolve(self, expr: E.Expression) -> E.Expression:
        from minispark.sql.plan.analyzer import resolve_expression

        return resolve_expression(expr, self._plan.output)

    def transform(self, func: Callable[..., "DataFrame"], *args: Any, **kwargs: Any
                  ) -> "DataFrame":
        """``func(self, *args, **kwargs)``, for chaining custom transformations."""
        result = func(self, *args, **kwargs)
        if not isinstance(result, DataFrame):
            raise PySparkTypeError("INVALID_RETURN_TYPE_FOR_DATAFRAME_TRANSFORM",
                                   "Return type of the user-defined function should be "
                                   f"DataFrame, but is {type(result).__name__}.", {})
        return result

    # ---- rows -------------------------------------------------------------------------------

    def filter(self, condition: Any) -> "DataFrame":
        """The rows where ``condition`` (a Column or a SQL string) is true.

        >>> spark.range(5).filter("id % 2 = 0").count()
        3
        """
        if isinstance(condition, str):
            from minispark.sql.parser import parse_expression

            expr = parse_expression(condition)
        elif isinstance(condition, Column):
            expr = condition._expr
        else:
            raise PySparkTypeError("NOT_COLUMN_OR_STR", "Argument `condition` should be a "
                                   f"Column or str, got {type(condition).__name__}.", {})
        return self._with(L.Filter(expr, self._plan))

    where = filter

    def limit(self, num: int) -> "DataFrame":
        """The first ``num`` rows."""
        return self._with(L.Limit(int(num), self._plan))

    def offset(self, num: int) -> "DataFrame":
        """Without the first ``num`` rows."""
        return self._with(L.Limit(1 << 62, self._plan, int(num)))

    def distinct(self) -> "DataFrame":
        """The distinct rows."""
        return self._with(L.Distinct(self._plan))

    def dropDuplicates(self, subset: Sequence[str] | None = None) -> "DataFrame":
        """One row per distinct combination of ``subset`` (all columns by default)."""
        if subset is None:
            return self.distinct()
        if isinstance(subset, str) or not isinstance(subset, (list, tuple)):
            raise PySparkTypeError("NOT_LIST_OR_TUPLE", "Argument `subset` should be a list "
                                   f"or tuple, got {type(subset).__name__}.", {})
        keys = []
        for name in subset:
            found = resolve_name([name], self._plan.output)
            if found is None:
                raise unresolved_column(name, self._plan.output)
            keys.append(found)
        return self._with(L.Deduplicate(keys, self._plan))  # type: ignore[arg-type]

    drop_duplicates = dropDuplicates

    def dropDuplicatesWithinWatermark(self, subset: Sequence[str] | None = None
                                      ) -> "DataFrame":
        """``dropDuplicates`` (a batch query has no watermark to bound the state by)."""
        return self.dropDuplicates(subset)

    def orderBy(self, *cols: Any, **kwargs: Any) -> "DataFrame":
        """Sorted by ``cols`` (``ascending=`` a bool or a list of bools)."""
        return self._with(L.Sort(self._sort_orders(cols, kwargs), True, self._plan))

    sort = orderBy

    def sortWithinPartitions(self, *cols: Any, **kwargs: Any) -> "DataFrame":
        return self._with(L.Sort(self._sort_orders(cols, kwargs), False, self._plan))

    def _sort_orders(self, cols: Sequence[Any], kwargs: dict) -> list[E.SortOrder]:
        ascending = kwargs.pop("ascending", True)
        if kwargs:
            raise PySparkTypeError("UNEXPECTED_KEYWORD", f"Unexpected arguments {kwargs}.", {})
        items = _flatten(cols)
        if not items:
            raise PySparkValueError("CANNOT_BE_EMPTY", "At least one column must be specified.",
                                    {})
        flags = ascending if isinstance(ascending, list) else [ascending] * len(items)
        if len(flags) != len(items):
            raise PySparkValueError("LENGTH_MISMATCH", "The length of `ascending` must match "
                                    "the number of columns.", {})
        orders = []
        for item, asc_flag in zip(items, flags):
            if isinstance(item, int) and not isinstance(item, bool):
                # A column ordinal; a negative one sorts that column descending (PySpark).
                if item == 0 or abs(item) > len(self.columns):
                    raise PySparkValueError("INDEX_NOT_POSITIVE" if item == 0 else
                                            "INDEX_OUT_OF_RANGE",
                                            f"Column ordinal {item} is out of range.", {})
                expr = E.UnresolvedAttribute([self.columns[abs(item) - 1]])
                asc_flag = asc_flag if item > 0 else not asc_flag
            else:
                expr = _column_arg(item)
            if isinstance(expr, E.SortOrder):
                orders.append(expr if asc_flag else E.SortOrder(expr.child, not expr.ascending,
                                                                 None))
            else:
                orders.append(E.SortOrder(expr, bool(asc_flag)))
        return orders

    def sample(self, withReplacement: Any = None, fraction: Any = None, seed: Any = None
               ) -> "DataFrame":
        """A random sample of about ``fraction`` of the rows."""
        if isinstance(withReplacement, float) and fraction is None:
            withReplacement, fraction = False, withReplacement
        elif isinstance(withReplacement, float):
            withReplacement, fraction, seed = False, withReplacement, fraction
        if fraction is None or fraction < 0:
            raise PySparkValueError("INVALID_FRACTION", "fraction must be a non-negative "
                                    "number.", {})
        seed = random.randrange(sys.maxsize) if seed is None else int(seed)
        return self._with(L.Sample(float(fraction), bool(withReplacement), seed, self._plan))

    def randomSplit(self, weights: Sequence[float], seed: int | None = None
                    ) -> list["DataFrame"]:
        """DataFrames with about ``weights``-proportional shares of the rows."""
        from minispark.sql import functions as F

        if any(w < 0 for w in weights):
            raise PySparkValueError("VALUE_NOT_POSITIVE", "Weights must be positive.", {})
        seed = random.randrange(sys.maxsize) if seed is None else int(seed)
        total = float(sum(weights))
        draw = self.withColumn("__rand", F.rand(seed))
        bounds, start = [], 0.0
        for w in weights:
            bounds.append((start, start + w / total))
            start += w / total
        return [draw.filter((F.col("__rand") >= lo) & (F.col("__rand") < hi)).drop("__rand")
                for lo, hi in bounds]

    # ---- joins and set operations -------------------------------------------------------------

    def join(self, other: "DataFrame", on: Any = None, how: str | None = None) -> "DataFrame":
        """Rows of both DataFrames matched on column names, a list of them or a condition.

        >>> a = spark.createDataFrame([(1, "x")], ["k", "a"])
        >>> b = spark.createDataFrame([(1, "y")], ["k", "b"])
        >>> a.join(b, "k").collect()
        [Row(k=1, a='x', b='y')]
        """
        from minispark.sql.plan.logical import JOIN_ALIASES

        kind = JOIN_ALIASES.get((how or "inner").lower().replace("_", ""),
                                JOIN_ALIASES.get((how or "inner").lower()))
        if kind is None:
            raise PySparkValueError(
                "UNSUPPORTED_JOIN_TYPE",
                f"Unsupported join type '{how}'. Supported join types include: 'inner', "
                "'outer', 'full', 'fullouter', 'full_outer', 'leftouter', 'left', "
                "'left_outer', 'rightouter', 'right', 'right_outer', 'leftsemi', 'left_semi', "
                "'semi', 'leftanti', 'left_anti', 'anti', 'cross'.", {})
        if on is None:
            join_type = "cross" if kind == "inner" else kind
            return self._with(L.Join(self._plan, other._plan, join_type))
        if isinstance(on, str):
            on = [on]
        if isinstance(on, (list, tuple)) and all(isinstance(c, str) for c in on):
            return self._with(L.Join(self._plan, other._plan, kind, None, list(on)))
        conditions = on if isinstance(on, (list, tuple)) else [on]
        condition = E.conjunction([_column_arg(c) for c in conditions])
        return self._with(L.Join(self._plan, other._plan, kind, condition))

    def nearestByJoin(self, other: "DataFrame", rankingExpression: Column, numResults: int,
                      mode: str, direction: str, *, joinType: str = "inner") -> "DataFrame":
        """For each row, up to ``numResults`` rows of ``other`` ranked by ``rankingExpression``
        (smallest first for ``"distance"``, largest for ``"similarity"``)."""
        from minispark.sql.nearest import nearest_by_join

        return nearest_by_join(self, other, rankingExpression, numResults, mode, direction,
                               joinType)

    def _joinAsOf(self, other: "DataFrame", leftAsOfColumn: Any, rightAsOfColumn: Any,
                  on: Any = None, how: str | None = None, *, tolerance: Column | None = None,
                  allowExactMatches: bool = True, direction: str = "backward"
                  ) -> "DataFrame":
        """An as-of join: each row with the row of ``other`` whose as-of key is nearest
        (``backward``: at or before its own; ``forward``; ``nearest``)."""
        from minispark.sql.nearest import join_as_of

        return join_as_of(self, other, leftAsOfColumn, rightAsOfColumn, on, how, tolerance,
                          allowExactMatches, direction)

    def crossJoin(self, other: "DataFrame") -> "DataFrame":
        """Every pair of rows."""
        return self._with(L.Join(self._plan, other._plan, "cross"))

    def union(self, other: "DataFrame") -> "DataFrame":
        """The rows of both, matched by position (duplicates kept, as SQL's UNION ALL)."""
        return self._with(L.Union([self._plan, other._plan]))

    unionAll = union

    def unionByName(self, other: "DataFrame", allowMissingColumns: bool = False
                    ) -> "DataFrame":
        """The rows of both, columns matched by name."""
        return self._with(L.Union([self._plan, other._plan], by_name=True,
                                  allow_missing=allowMissingColumns))

    def intersect(self, other: "DataFrame") -> "DataFrame":
        """The distinct rows in both."""
        return self._with(L.SetOperation(self._plan, other._plan, "intersect", False))

    def subtract(self, other: "DataFrame") -> "DataFrame":
        """The distinct rows of this one that are not in ``other``."""
        return self._with(L.SetOperation(self._plan, other._plan, "except", False))

    def scalar(self) -> Column:
        """This one-column, at most one-row DataFrame as a value (a scalar subquery); columns
        of the enclosing query are named with ``col(...).outer()``.

        >>> from minispark.sql import functions as F
        >>> df = spark.range(5)
        >>> df.where(F.col("id") > df.select(F.avg("id")).scalar()).count()
        2
        """
        return Column(E.ScalarSubquery(self._plan))

    def exists(self) -> Column:
        """True where this DataFrame (a subquery, usually correlated with ``.outer()``
        columns) has a row."""
        return Column(E.Exists(self._plan))

    def exceptAll(self, other: "DataFrame") -> "DataFrame":
        """The rows of this one not in ``other``, duplicates kept (SQL's EXCEPT ALL).

        >>> a = spark.createDataFrame([(1,), (1,), (1,), (2,)], ["x"])
        >>> sorted(a.exceptAll(spark.createDataFrame([(1,)], ["x"])).collect())
        [Row(x=1), Row(x=1), Row(x=2)]
        """
        return self._with(L.SetOperation(self._plan, other._plan, "except", True))

    def intersectAll(self, other: "DataFrame") -> "DataFrame":
        """The rows in both, duplicates kept as often as in both (SQL's INTERSECT ALL).

        >>> a = spark.createDataFrame([(1,), (1,), (2,)], ["x"])
        >>> a.intersectAll(spark.createDataFrame([(1,), (1,), (1,)], ["x"])).collect()
        [Row(x=1), Row(x=1)]
        """
        return self._with(L.SetOperation(self._plan, other._plan, "intersect", True))

    def hint(self, name: str, *parameters: Any) -> "DataFrame":
        """Planner hints: ``broadcast`` makes a join broadcast this side."""
        if name.lower() not in ("broadcast", "broadcastjoin", "mapjoin"):
            raise NotImplementedError(f"the '{name}' hint is not supported (only 'broadcast')")
        if parameters:
            raise NotImplementedError("hint parameters are not supported")
        return self._with(L.Hint("broadcast", self._plan))

    # ---- missing values and statistics ------------------------------------------------

    @property
    def na(self) -> Any:
        """Missing-value functions: ``df.na.fill(0)``, ``df.na.drop()``, ``df.na.replace``."""
        from minispark.sql.na import DataFrameNaFunctions

        return DataFrameNaFunctions(self)

    @property
    def stat(self) -> Any:
        from minispark.sql.stat import DataFrameStatFunctions

        return DataFrameStatFunctions(self)

    def fillna(self, value: Any, subset: Any = None) -> "DataFrame":
        return self.na.fill(value, subset)

    def dropna(self, how: str = "any", thresh: int | None = None, subset: Any = None
               ) -> "DataFrame":
        return self.na.drop(how, thresh, subset)

    def replace(self, to_replace: Any, value: Any = None, subset: Any = None) -> "DataFrame":
        return self.na.replace(to_replace, value, subset)

    def describe(self, *cols: Any) -> "DataFrame":
        """count, mean, stddev, min and max of numeric and string columns, as strings."""
        from minispark.sql.stat import summary

        return summary(self, ("count", "mean", "stddev", "min", "max"), _flatten(cols))

    def summary(self, *statistics: str) -> "DataFrame":
        """``describe`` plus the 25%, 50% and 75% percentiles (or the statistics named)."""
        from minispark.sql.stat import summary

        return summary(self, statistics)

    def approxQuantile(self, col: Any, probabilities: Sequence[float],
                       relativeError: float) -> list:
        return self.stat.approxQuantile(col, probabilities, relativeError)

    def corr(self, col1: str, col2: str, method: str | None = None) -> float:
        return self.stat.corr(col1, col2, method or "pearson")

    def cov(self, col1: str, col2: str) -> float:
        return self.stat.cov(col1, col2)

    # ---- aggregation --------------------------------------------------------------------------

    def groupBy(self, *cols: Any) -> Any:
        """Group by columns; aggregate with ``.agg``, ``.count()``, ``.sum()``...

        >>> df = spark.createDataFrame([("a", 1), ("a", 2), ("b", 5)], ["k", "v"])
        >>> df.groupBy("k").sum("v").orderBy("k").collect()
        [Row(k='a', sum(v)=3), Row(k='b', sum(v)=5)]
        """
        from minispark.sql.group import GroupedData

        keys = [_column_arg(c) if not isinstance(c, int) else
                E.UnresolvedAttribute([self.columns[c - 1]]) for c in _flatten(cols)]
        return GroupedData(self, keys)

    groupby = groupBy

    def rollup(self, *cols: Any) -> Any:
        """Group by each prefix of ``cols`` (and by nothing), rolled-up keys being null.

        >>> df = spark.createDataFrame([("a", 1), ("b", 2)], ["k", "v"])
        >>> df.rollup("k").count().orderBy("k").collect()
        [Row(k=None, count=2), Row(k='a', count=1), Row(k='b', count=1)]
        """
        from minispark.sql.group import rollup_sets

        grouped = self.groupBy(*cols)
        return type(grouped)(self, grouped._keys, rollup_sets(len(grouped._keys)), "Rollup")

    def cube(self, *cols: Any) -> Any:
        """Group by every subset of ``cols``, keys left out of a subset being null."""
        from minispark.sql.group import cube_sets

        grouped = self.groupBy(*cols)
        return type(grouped)(self, grouped._keys, cube_sets(len(grouped._keys)), "Cube")

    def groupingSets(self, groupingSets: Any, *cols: Any) -> Any:
        """Group by each of ``groupingSets`` (lists of columns); the output keys are ``cols``."""
        grouped = self.groupBy(*cols)
        keys = list(grouped._keys)
        sets = []
        for members in groupingSets:
            positions = []
            for expr in self.groupBy(*members)._keys:
                if expr not in keys:
                    keys.append(expr)
                positions.append(keys.index(expr))
            sets.append(positions)
        return type(grouped)(self, keys, sets, "GroupingSets")

    def agg(self, *exprs: Any) -> "DataFrame":
        """Aggregate over all rows: ``df.agg(F.max("x"))`` or ``df.agg({"x": "max"})``."""
        return self.groupBy().agg(*exprs)

    # ---- actions --------------------------------------------------------------------------------

    def _arrow(self) -> pa.Table:
        return self._execution.collect()

    def _rows(self, table: pa.Table) -> list[Row]:
        return arrow_to_rows(table, self.schema)

    def collect(self) -> list[Row]:
        """Every row, on the driver."""
        return self._rows(self._arrow())

    def take(self, num: int) -> list[Row]:
        """The first ``num`` rows (reading only the partitions needed)."""
        return self._rows(self._limited(num))

    def _limited(self, num: int) -> pa.Table:
        query = QueryExecution(self.sparkSession, self.sparkSession._analyze(
            L.Limit(max(int(num), 0), self._plan)))
        return query.take(max(int(num), 0))

    def head(self, n: int | None = None) -> Any:
        """The first row (``n=None``) or a list of the first ``n`` rows."""
        if n is None:
            rows = self.take(1)
            return rows[0] if rows else None
        return self.take(n)

    def first(self) -> Row | None:
        """The first row, or None if there is none."""
        return self.head()

    def tail(self, num: int) -> list[Row]:
        """The last ``num`` rows."""
        rows = self.collect()
        return rows[len(rows) - num:] if num else []

    def count(self) -> int:
        """The number of rows.

        >>> spark.range(10).count()
        10
        """
        plan = self.sparkSession._analyze(L.Project([], self._plan))
        return QueryExecution(self.sparkSession, plan).count()

    def isEmpty(self) -> bool:
        """Whether there are no rows."""
        return self._limited(1).num_rows == 0

    def toLocalIterator(self, prefetchPartitions: bool = False) -> Iterator[Row]:
        """Every row, one partition at a time."""
        rdd = self._batch_rdd()
        schema = self.schema
        for index in range(rdd.getNumPartitions()):
            parts = rdd.ctx._run_job(rdd, lambda _ctx, it: list(it), [index])
            for batch in parts[0]:
                yield from arrow_to_rows(batch, schema)

    def foreach(self, f: Callable[[Row], None]) -> None:
        """Call ``f`` on every row (in the executors)."""
        self.rdd.foreach(f)

    def foreachPartition(self, f: Callable[[Iterator[Row]], None]) -> None:
        self.rdd.foreachPartition(f)

    @property
    def rdd(self) -> Any:
        """The rows as an RDD of ``Row``."""
        schema = self.schema
        return self._batch_rdd().flatMap(lambda batch: arrow_to_rows(batch, schema))

    def toArrow(self) -> pa.Table:
        """Every row as a ``pyarrow.Table`` with the DataFrame's schema."""
        from minispark.sql.types import to_arrow_schema

        table = self._arrow()
        return pa.Table.from_arrays(table.columns, schema=to_arrow_schema(self.schema)) \
            if table.num_columns else table

    def toPandas(self) -> Any:
        """Every row as a pandas DataFrame."""
        import pandas as pd

        table = self._arrow()
        data = {}
        for i, field in enumerate(self.schema.fields):
            values = column_values(table.column(i), field.dataType)
            data[field.name] = _pandas_series(values, table.column(i), field, pd)
        frame = pd.DataFrame(data, columns=self.columns) if data else pd.DataFrame(
            index=range(table.num_rows))
        return frame

    # ---- showing ------------------------------------------------------------------------------

    def show(self, n: int = 20, truncate: bool | int = True, vertical: bool = False) -> None:
        """Print the first ``n`` rows as a table, as Spark does.

        >>> spark.createDataFrame([(1, "a")], ["n", "s"]).show()
        +---+---+
        |  n|  s|
        +---+---+
        |  1|  a|
        +---+---+
        <BLANKLINE>
        """
        print(self._show_string(n, truncate, vertical))

    def _show_string(self, n: int = 20, truncate: bool | int = True,
                     vertical: bool = False) -> str:
        if not isinstance(n, int) or isinstance(n, bool):
            raise PySparkTypeError("NOT_INT", "Argument `n` should be an int, got "
                                   f"{type(n).__name__}.", {})
        width = 20 if truncate is True else 0 if truncate is False else int(truncate)
        n = max(n, 0)
        table = self._limited(n + 1)
        has_more = table.num_rows > n
        table = table.slice(0, n)
        schema = self.schema
        tz = self.sparkSession.conf.get("spark.sql.session.timeZone")
        cells = _formatted_columns(table, schema, tz)
        rows = [list(r) for r in zip(*cells)] if cells else [[] for _ in range(table.num_rows)]
        return show_string(self.columns, rows, width, vertical, has_more)

    def explain(self, extended: Any = None, mode: str | None = None) -> None:
        """Print the physical plan (``extended=True`` or ``mode="extended"``: every plan)."""
        if isinstance(extended, str):
            mode, extended = extended, None
        chosen = mode or ("extended" if extended else "simple")
        print(self._execution.explain_string(chosen))

    # ---- caching and views ------------------------------------------------------------------

    def cache(self) -> "DataFrame":
        """Keep the rows once computed (MEMORY_AND_DISK); returns this DataFrame."""
        return self.persist(StorageLevel.MEMORY_AND_DISK_DESER)

    def persist(self, storageLevel: StorageLevel = StorageLevel.MEMORY_AND_DISK_DESER
                ) -> "DataFrame":
        self.sparkSession._cache_manager.cache(self.sparkSession, self._plan, storageLevel)
        return self

    def unpersist(self, blocking: bool = False) -> "DataFrame":
        self.sparkSession._cache_manager.uncache(self._plan)
        return self

    @property
    def is_cached(self) -> bool:
        return self.sparkSession._cache_manager.lookup(self._plan) is not None

    @property
    def storageLevel(self) -> StorageLevel:
        entry = self.sparkSession._cache_manager.lookup(self._plan)
        return entry.level if entry is not None else StorageLevel(False, False, False, False, 1)

    def createOrReplaceTempView(self, name: str) -> None:
        """Make this DataFrame queryable in SQL as ``name``.

        >>> spark.range(3).createOrReplaceTempView("nums")
        >>> spark.sql("SELECT sum(id) AS s FROM nums").collect()
        [Row(s=3)]
        """
        self.sparkSession._catalog.create_view(name, self._plan, replace=True)

    def createTempView(self, name: str) -> None:
        self.sparkSession._catalog.create_view(name, self._plan, replace=False)

    registerTempTable = createOrReplaceTempView

    def createGlobalTempView(self, name: str) -> None:
        self.sparkSession._catalog.create_view(name, self._plan, replace=False, is_global=True)

    def createOrReplaceGlobalTempView(self, name: str) -> None:
        self.sparkSession._catalog.create_view(name, self._plan, replace=True, is_global=True)

    # ---- partitions -------------------------------------------------------------------------

    def repartition(self, numPartitions: Any = None, *cols: Any) -> "DataFrame":
        """Shuffle into ``numPartitions`` (by hash of ``cols`` if given)."""
        if isinstance(numPartitions, (str, Column)):
            cols = (numPartitions, *cols)
            numPartitions = None
        keys = [_column_arg(c) for c in _flatten(cols)]
        return self._with(L.Repartition(numPartitions, True, self._plan, keys))

    def coalesce(self, numPartitions: int) -> "DataFrame":
        """At most ``numPartitions`` partitions, without a shuffle."""
        return self._with(L.Repartition(int(numPartitions), False, self._plan))

    @property
    def write(self) -> Any:
        """A ``DataFrameWriter`` (``df.write.mode("overwrite").parquet(path)``)."""
        from minispark.sql.readwriter import DataFrameWriter

        return DataFrameWriter(self)

    def writeTo(self, table: str) -> Any:
        """A ``DataFrameWriterV2`` writing to the warehouse table ``table``."""
        from minispark.sql.readwriter import DataFrameWriterV2

        return DataFrameWriterV2(self, table)

    def repartitionByRange(self, numPartitions: Any, *cols: Any) -> "DataFrame":
        """Shuffle into ``numPartitions`` ranges of ``cols`` (sampled bounds, as Spark).

        >>> df = spark.range(10).repartitionByRange(2, "id")
        >>> df.rdd.getNumPartitions()
        2
        """
        if isinstance(numPartitions, (str, Column)):
            cols, numPartitions = (numPartitions, *cols), None
        elif not isinstance(numPartitions, int) or isinstance(numPartitions, bool):
            raise PySparkTypeError("NOT_COLUMN_OR_INT_OR_STR", "Argument `numPartitions` should "
                                   "be a Column, int or str.", {})
        orders = self._sort_orders(cols, {})
        return self._with(L.Repartition(numPartitions, True, self._plan, orders))

    def repartitionById(self, numPartitions: int, partitionIdCol: Any) -> "DataFrame":
        """Each row moved to the partition its ``partitionIdCol`` value names (modulo
        ``numPartitions``; null: partition 0)."""
        if not isinstance(numPartitions, int) or numPartitions <= 0:
            raise PySparkValueError("VALUE_NOT_POSITIVE", "Argument `numPartitions` should be "
                                    "a positive int.", {})
        from minispark.sql.batches import repartition_by_id

        key = self._column(partitionIdCol) if isinstance(partitionIdCol, str) else partitionIdCol
        return repartition_by_id(self, numPartitions, key)

    def zip(self, other: "DataFrame") -> "DataFrame":
        """The columns of both side by side, row by row; both must be projections of the same
        DataFrame.

        >>> df = spark.createDataFrame([(1, 2, 3)], ["a", "b", "c"])
        >>> df.select("a").zip(df.select((df.b + 1).alias("b1"))).collect()
        [Row(a=1, b1=3)]
        """
        from minispark.sql.reshape import zip_projections

        return self._with(zip_projections(self._plan, other._plan))

    def checkpoint(self, eager: bool = True) -> "DataFrame":
        """The same rows, computed once and kept (at once if ``eager``); the plan is cut."""
        from minispark.sql.batches import checkpointed

        return checkpointed(self, eager)

    def localCheckpoint(self, eager: bool = True, storageLevel: Any = None) -> "DataFrame":
        """As :meth:`checkpoint`, kept by the executors.

        >>> spark.range(3).localCheckpoint(False).count()
        3
        """
        return self.checkpoint(eager)

    def withWatermark(self, eventTime: str, delayThreshold: str) -> "DataFrame":
        """A watermark on ``eventTime``; a batch query ignores it, as Spark does."""
        if not isinstance(eventTime, str) or not isinstance(delayThreshold, str):
            raise PySparkTypeError("NOT_STR", "Arguments `eventTime` and `delayThreshold` "
                                   "should be str.", {})
        return DataFrame(self._plan, self.sparkSession)

    def isLocal(self) -> bool:
        """Whether ``collect``/``take`` can run without executors (a local relation)."""
        return isinstance(self._plan, L.LocalRelation)

    def inputFiles(self) -> list[str]:
        """The files this DataFrame reads (a best effort, as in Spark)."""
        files: list[str] = []
        for node in self._plan.walk():
            relation = getattr(node, "relation", None)
            listed = getattr(relation, "_files", None) or []
            files.extend(f.path for f in listed)
        return sorted(set(files))

    def toJSON(self, use_unicode: bool = True) -> Any:
        """An RDD with each row as a JSON object string (nulls left out, as Spark).

        >>> spark.createDataFrame([(2, "Alice")], ["age", "name"]).toJSON().first()
        '{"age":2,"name":"Alice"}'
        """
        from minispark.sql.reshape import row_json

        return self.rdd.map(row_json)

    def to(self, schema: StructType) -> "DataFrame":
        """The columns of ``schema``, matched by name, reordered and cast to its types."""
        if not isinstance(schema, StructType):
            raise PySparkTypeError("NOT_STRUCT", "Argument `schema` should be a StructType, got "
                                   f"{type(schema).__name__}.", {})
        cols = [self._column(f"`{f.name}`").cast(f.dataType).alias(f.name, metadata=f.metadata)
                for f in schema.fields]
        return self.select(*cols)

    def unpivot(self, ids: Any, values: Any, variableColumnName: str, valueColumnName: str
                ) -> "DataFrame":
        """Wide to long: one row per row and value column (ids, column name, value)."""
        from minispark.sql.reshape import unpivot

        return unpivot(self, ids, values, variableColumnName, valueColumnName)

    def melt(self, ids: Any, values: Any, variableColumnName: str, valueColumnName: str
             ) -> "DataFrame":
        """Alias of :meth:`unpivot`."""
        return self.unpivot(ids, values, variableColumnName, valueColumnName)

    def transpose(self, indexColumn: Any = None) -> "DataFrame":
        """Columns as rows: ``key`` holds the former column names, the index column's
        values (sorted) name the new columns."""
        from minispark.sql.reshape import transpose

        return transpose(self, indexColumn)

    def sampleBy(self, col: Any, fractions: dict, seed: int | None = None) -> "DataFrame":
        """A stratified sample (see ``DataFrameStatFunctions.sampleBy``)."""
        return self.stat.sampleBy(col, fractions, seed)

    def crosstab(self, col1: str, col2: str) -> "DataFrame":
        """A contingency table of two columns (see ``DataFrameStatFunctions.crosstab``)."""
        return self.stat.crosstab(col1, col2)

    def freqItems(self, cols: Sequence[str], support: float | None = None) -> "DataFrame":
        """Frequent values per column (see ``DataFrameStatFunctions.freqItems``)."""
        return self.stat.freqItems(cols, support)

    def withMetadata(self, columnName: str, metadata: dict) -> "DataFrame":
        """The column ``columnName`` with its schema metadata replaced by ``metadata``.

        >>> spark.range(1).withMetadata("id", {"k": 1}).schema["id"].metadata
        {'k': 1}
        """
        if not isinstance(metadata, dict):
            raise PySparkTypeError("NOT_DICT", "Argument `metadata` should be a dict, got "
                                   f"{type(metadata).__name__}.", {})
        target = self._column(columnName)._expr
        exprs = [E.Alias(a, a.name, metadata=metadata)
                 if a.expr_id == getattr(target, "expr_id", None) else a
                 for a in self._plan.output]
        return self._with(L.Project(exprs, self._plan))

    def sameSemantics(self, other: "DataFrame") -> bool:
        """Whether both plans compute the same rows (names of outputs aside).

        >>> spark.range(3).sameSemantics(spark.range(3))
        True
        """
        if not isinstance(other, DataFrame):
            raise PySparkTypeError("NOT_DATAFRAME", "Argument `other` should be a DataFrame, "
                                   f"got {type(other).__name__}.", {})
        return _canonical(self._plan) == _canonical(other._plan)

    def semanticHash(self) -> int:
        """A hash of the plan that equal plans (per :meth:`sameSemantics`) share."""
        import zlib

        value = zlib.crc32(_canonical(self._plan).encode())
        return value - (1 << 32) if value >= 1 << 31 else value

    def mapInArrow(self, func: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]],
                   schema: Any, barrier: bool = False, profile: Any = None) -> "DataFrame":
        """The record batches ``func`` yields from each partition's batches (in the tasks).

        >>> df = spark.range(4)
        >>> df.mapInArrow(lambda it: (b.filter(pa.compute.field("id") > 1) for b in it),
        ...               df.schema).count()
        2
        """
        from minispark.sql.batches import map_in_arrow

        return map_in_arrow(self, func, schema)

    def mapInPandas(self, func: Callable[[Iterator[Any]], Iterator[Any]], schema: Any,
                    barrier: bool = False, profile: Any = None) -> "DataFrame":
        """The pandas DataFrames ``func`` yields from each partition's (in the tasks)."""
        from minispark.sql.batches import map_in_arrow

        return map_in_arrow(self, func, schema, pandas=True)

    def zipWithIndex(self, indexColName: str = "index") -> "DataFrame":
        """The rows with a consecutive 0-based ``indexColName`` column, in row order.

        >>> spark.range(5, 8).zipWithIndex().collect()
        [Row(id=5, index=0), Row(id=6, index=1), Row(id=7, index=2)]
        """
        from minispark.sql.batches import zip_with_index

        return zip_with_index(self, indexColName)


def _canonical(plan: L.LogicalPlan) -> str:
    """``plan`` printed with expression ids renumbered and output names left out."""
    import re

    text = plan.tree_string()
    text = re.sub(r" AS [^,#\]\n]+#", " AS #", text)
    ids: dict[str, str] = {}
    return re.sub(r"#(\d+)", lambda m: "#" + ids.setdefault(m.group(1), str(len(ids))), text)


class _Columns(E.Expression):
    """Several columns at once (``colRegex``), expanded where a select list is built."""

    def __init__(self, attributes: Sequence[E.AttributeReference]) -> None:
        self.attributes = list(attributes)
        self.children = ()

    def sql(self) -> str:
        return ", ".join(a.name for a in self.attributes)


def _with_metadata(schema: StructType, plan: L.LogicalPlan) -> StructType:
    """``schema`` with the metadata given to its columns' aliases (``alias(metadata=)``).

    Attributes do not carry metadata; an output column keeps the id of the alias that
    made it, so the alias is found by id anywhere in the plan.
    """
    found: dict[int, dict] = {}
    for node in plan.walk():
        for expr in node.expressions():
            for e in expr.walk():
                if isinstance(e, E.Alias) and e.metadata is not None:
                    found.setdefault(e.expr_id, e.metadata)
    if not found:
        return schema
    fields = [StructField(f.name, f.dataType, f.nullable, found.get(a.expr_id, f.metadata))
              for f, a in zip(schema.fields, plan.output)]
    return StructType(fields)


def _expand_columns(exprs: list[E.Expression]) -> list[E.Expression]:
    out: list[E.Expression] = []
    for e in exprs:
        if isinstance(e, _Columns):
            out.extend(e.attributes)
        else:
            out.append(e)
    return out


def _formatted_columns(table: pa.Table, schema: StructType, tz: str) -> list[list[str]]:
    """Every cell as ``show()`` writes it."""
    from minispark.sql.execution.cast import cast
    from minispark.sql.types import StringType, TimestampType

    columns = []
    for i, field in enumerate(schema.fields):
        column = table.column(i).combine_chunks()
        if isinstance(field.dataType, TimestampType):
            text = cast(column, TimestampType(), StringType(), tz=tz).to_pylist()
            columns.append(["NULL" if v is None else v for v in text])
            continue
        values = column_values(column, field.dataType)
        columns.append([format_value(v, field.dataType) for v in values])
    return columns


def _pandas_series(values: list, column: Any, field: StructField, pd: Any) -> Any:
    """One column as pandas holds it after PySpark's ``toPandas``."""
    from minispark.sql.types import (
        BooleanType, ByteType, DoubleType, FloatType, IntegerType, LongType, ShortType,
        TimestampType,
    )

    t = field.dataType
    numpy_types = {ByteType: "int8", ShortType: "int16", IntegerType: "int32",
                   LongType: "int64", FloatType: "float32", DoubleType: "float64",
                   BooleanType: "bool"}
    dtype = numpy_types.get(type(t))
    if dtype is not None:
        if column.null_count == 0:
            return pd.Series(values, dtype=dtype)
        if dtype.startswith("int") or dtype.startswith("float"):
            return pd.Series([float("nan") if v is None else v for v in values],
                             dtype="float64")
        return pd.Series(values, dtype=object)
    if isinstance(t, TimestampType):
        return pd.Series(pd.to_datetime(values))
    return pd.Series(values, dtype=object)



def __getattr__(name: str) -> Any:
    """``DataFrameNaFunctions``/``DataFrameStatFunctions`` importable from here, as in PySpark
    (they live in ``na``/``stat``, which import this module's neighbours)."""
    if name == "DataFrameNaFunctions":
        from minispark.sql.na import DataFrameNaFunctions

        return DataFrameNaFunctions
    if name == "DataFrameStatFunctions":
        from minispark.sql.stat import DataFrameStatFunctions

        return DataFrameStatFunctions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
