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
from minispark.sql.types import ByteType, LongType

#: Spark's aliases in ``agg({"column": "function"})``; any other name is the function's own.
_DICT_FUNCTIONS = {"average": "avg", "mean": "avg", "std": "stddev", "size": "count"}


class GroupedData:
    """Rows grouped by key expressions; each method returns the aggregated DataFrame.

    ``sets`` (for rollup, cube and grouping sets) lists, per grouping set, the
    positions of the keys it groups by; ``pivot`` is (column, values) once pivoted.
    """

    def __init__(self, df: Any, keys: list[E.Expression], sets: list[list[int]] | None = None,
                 kind: str = "GroupBy", pivot: tuple | None = None) -> None:
        self._df = df
        self._keys = keys
        self._sets = sets
        self._kind = kind
        self._pivot = pivot

    def __repr__(self) -> str:
        keys = ", ".join(_key_name(k, self._df) for k in self._keys)
        value = ", ".join(f"{f.name}: {f.dataType.simpleString()}" for f in self._df.schema.fields)
        return f"GroupedData[grouping expressions: [{keys}], value: [{value}], type: {self._kind}]"

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
        # As Spark: a few aliases, then any aggregate function by its own name.
        name = _DICT_FUNCTIONS.get(function.lower(), function.lower())
        arg: E.Expression = (E.Literal.of(1) if column == "*" and name == "count"
                             else E.UnresolvedAttribute.quoted(column))
        return E.UnresolvedFunction(name, [arg], display=function.lower())

    def _aggregate(self, aggregates: list[E.Expression]) -> Any:
        keys = list(self._keys)
        if self._pivot is not None:
            aggregates = _pivoted(aggregates, *self._pivot)
        if self._sets is not None:
            outputs = [E.Alias(k, _key_name(k, self._df)) for k in keys]
            plan = grouping_sets_plan(self._df._plan, keys, self._sets, outputs + aggregates)
        else:
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

    def pivot(self, pivot_col: Any, values: list | None = None) -> GroupedData:
        """One output column per value of ``pivot_col`` (its distinct values, sorted, when
        ``values`` is not given) for each aggregate."""
        from minispark.sql.column import _column_arg

        if self._pivot is not None:
            raise AnalysisException("REPEATED_CLAUSE", "The PIVOT clause may be used at most "
                                    "once per SUBQUERY operation.", {"clause": "PIVOT"}, "42614")
        column = _column_arg(pivot_col)
        if values is None:
            distinct = self._df.select(Column(column)).distinct().collect()
            values = sorted((r[0] for r in distinct), key=lambda v: (v is not None, v))
        return GroupedData(self._df, self._keys, self._sets, "Pivot", (column, list(values)))

    def applyInPandas(self, func: Any, schema: Any) -> Any:
        raise NotImplementedError("GroupedData.applyInPandas is not supported yet")


def _key_name(key: E.Expression, df: Any) -> str:
    """The output name Spark gives grouping key ``key`` of ``df``."""
    from minispark.sql.plan.analyzer import alias_name, resolve_expression

    if isinstance(key, (E.Alias, E.UnresolvedAttribute)):
        return key.name
    return alias_name(resolve_expression(key, df._plan.output))


def _pivoted(aggregates: list[E.Expression], column: E.Expression, values: list
             ) -> list[E.Expression]:
    """Each aggregate once per pivot value, over the rows having that value: named by the
    value alone for one aggregate, ``value_aggregate`` for several."""
    out: list[E.Expression] = []
    for value in values:
        matches = E.EqualNullSafe(column, E.Literal.of(value))
        for aggregate in aggregates:
            name = "null" if value is None else str(value)
            if len(aggregates) > 1:
                name = f"{name}_{_aggregate_name(aggregate)}"
            out.append(E.Alias(_only_where(aggregate, matches), name))
    return out


def _aggregate_name(aggregate: E.Expression) -> str:
    if isinstance(aggregate, E.Alias):
        return aggregate.name
    return aggregate.sql()


def _only_where(expr: E.Expression, condition: E.Expression) -> E.Expression:
    """``expr`` with every aggregate's arguments null on rows where ``condition`` fails."""
    if isinstance(expr, E.Alias):
        return _only_where(expr.child, condition)
    if _is_aggregate_call(expr):
        return expr.with_children(tuple(E.CaseWhen([(condition, c)]) for c in expr.children))
    if not expr.children:
        return expr
    return expr.with_children(tuple(_only_where(c, condition) for c in expr.children))


def _is_aggregate_call(e: E.Expression) -> bool:
    from minispark.sql.builtins.registry import AggregateSpec, exists, lookup

    return isinstance(e, E.UnresolvedFunction) and exists(e.name) and isinstance(
        lookup(e.name), AggregateSpec)


# ---- rollup, cube, grouping sets ---------------------------------------------------------

_GROUPING_ID = "spark_grouping_id"


def rollup_sets(count: int) -> list[list[int]]:
    """ROLLUP(k0..kn-1): (k0..kn-1), (k0..kn-2), ..., ()."""
    return [list(range(n)) for n in range(count, -1, -1)]


def cube_sets(count: int) -> list[list[int]]:
    """CUBE(k0..kn-1): every subset, in Spark's order (by the grouping id)."""
    return [[i for i in range(count) if not mask >> (count - 1 - i) & 1]
            for mask in range(1 << count)]


def grouping_sets_plan(child: L.LogicalPlan, keys: list[E.Expression], sets: list[list[int]],
                       outputs: list[E.Expression]) -> L.LogicalPlan:
    """An aggregate over several grouping sets, as Spark's Expand: the rows once per set
    (keys outside the set nulled, the set's grouping id attached), grouped by all keys and
    the id. ``grouping(k)`` / ``grouping_id(...)`` in ``outputs`` read the set's bits.

    >>> df = spark.createDataFrame([("a", 1), ("b", 2)], ["k", "v"])
    >>> sorted(df.rollup("k").agg({"v": "sum"}).collect(), key=str)
    [Row(k='a', sum(v)=1), Row(k='b', sum(v)=2), Row(k=None, sum(v)=3)]
    """
    hidden = [f"_gen_grouping_key_{i}" for i in range(len(keys))]
    rewriter = _GroupingRewriter(keys, hidden)
    rewritten = [rewriter.output(o) for o in outputs]
    projects = []
    for members in sets:
        gid = sum(1 << (len(keys) - 1 - i) for i in range(len(keys)) if i not in members)
        columns: list[E.Expression] = [E.UnresolvedStar()]
        columns += [E.Alias(k if i in members else E.CaseWhen([(E.Literal.of(False), k)]), h)
                    for i, (k, h) in enumerate(zip(keys, hidden))]
        columns.append(E.Alias(E.Literal(gid, LongType()), _GROUPING_ID))
        columns += [E.Alias(E.Literal(value(members), data_type), name)
                    for name, value, data_type in rewriter.bit_columns]
        projects.append(L.Project(columns, child))
    grouping = [E.UnresolvedAttribute([h]) for h in hidden] + [
        E.UnresolvedAttribute([_GROUPING_ID])] + [
        E.UnresolvedAttribute([name]) for name, _, _ in rewriter.bit_columns]
    union = projects[0] if len(projects) == 1 else L.Union(projects)
    return L.Aggregate(grouping, rewritten, union)


class _GroupingRewriter:
    """Rewrites the output list of a grouping-sets aggregate: keys (outside aggregate calls)
    read the expanded key columns; grouping calls read per-set constant columns."""

    def __init__(self, keys: list[E.Expression], hidden: list[str]) -> None:
        self.keys, self.hidden = keys, hidden
        self.bit_columns: list[tuple[str, Any, Any]] = []

    def output(self, expr: E.Expression) -> E.Expression:
        from minispark.sql.parser.queries import _output_name

        new = self.rewrite(expr)
        if new is expr or isinstance(expr, E.Alias):
            return new
        return E.Alias(new, _output_name(expr))

    def rewrite(self, expr: E.Expression) -> E.Expression:
        if isinstance(expr, E.UnresolvedFunction) and expr.name.lower() in (
                "grouping", "grouping_id"):
            return self._grouping(expr)
        if _is_aggregate_call(expr):
            return expr
        for key, name in zip(self.keys, self.hidden):
            if expr == key:
                return E.UnresolvedAttribute([name])
        if not expr.children:
            return expr
        children = tuple(self.rewrite(c) for c in expr.children)
        if all(a is b for a, b in zip(children, expr.children)):
            return expr
        return expr.with_children(children)

    def _grouping(self, call: E.UnresolvedFunction) -> E.Expression:
        positions = [self._position(c, call) for c in call.children]
        if call.name.lower() == "grouping":
            if len(positions) != 1:
                from minispark.sql.builtins.registry import lookup

                lookup("grouping").check_arity(len(positions))
            data_type: Any = ByteType()
        else:
            positions = positions or list(range(len(self.keys)))
            data_type = LongType()

        def value(members: list[int]) -> int:
            bits = [0 if p in members else 1 for p in positions]
            return sum(b << (len(bits) - 1 - i) for i, b in enumerate(bits))

        name = f"_gen_grouping_{len(self.bit_columns)}"
        self.bit_columns.append((name, value, data_type))
        return E.UnresolvedAttribute([name])

    def _position(self, arg: E.Expression, call: E.Expression) -> int:
        for i, key in enumerate(self.keys):
            if arg == key or (isinstance(arg, E.UnresolvedAttribute) and isinstance(
                    key, E.UnresolvedAttribute) and arg.name.lower() == key.name.lower()):
                return i
        raise AnalysisException(
            "GROUPING_COLUMN_MISMATCH",
            f'Column of grouping ({arg.sql()}) can\'t be found in grouping columns '
            f"{', '.join(k.sql() for k in self.keys)}.",
            {"grouping": arg.sql(), "groupingColumns": ", ".join(k.sql() for k in self.keys)},
            "42803")
