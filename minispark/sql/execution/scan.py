"""Scanning a data source: one task per split, only the needed columns, filters pushed.

The relation protocol is in :mod:`minispark.sql.plan.relation`. The filter a
relation gets is the part of the query's filter that translates to a
``pyarrow.compute.Expression`` (comparisons with constants, null tests, IN,
AND/OR/NOT); the scan still applies the whole filter to what the relation
returns.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from minispark.rdd.rdd import RDD
from minispark.sql.execution.evaluator import conform, literal_scalar
from minispark.sql.execution.physical import ExecutionContext, LeafExec, _attrs
from minispark.sql.plan import expressions as E
from minispark.sql.sources import inputfile


class RelationRDD(RDD):
    """The batches of a relation's splits, each split read by one task."""

    def __init__(self, ctx: Any, relation: Any, splits: Sequence[Any],
                 columns: list[str], filter_: pc.Expression | None,
                 schema: pa.Schema) -> None:
        super().__init__(ctx, [], len(splits))
        self._relation = relation
        self._splits = list(splits)
        self._columns = columns
        self._filter = filter_
        self._schema = schema

    def compute(self, index: int, task_context: Any) -> Iterator[pa.RecordBatch]:
        schema = self._schema
        for batch in self._relation.read(self._splits[index], self._columns, self._filter):
            if len(schema) == 0:
                yield batch.select([])
                continue
            arrays = [conform(batch.column(i), field.type, batch.num_rows)
                      for i, field in enumerate(schema)]
            yield inputfile.carry(batch, pa.RecordBatch.from_arrays(arrays, schema=schema))

    def preferred_hosts(self, index: int) -> tuple[str, ...]:
        """Hosts holding this split's data (mini-HDFS DataNodes)."""
        return tuple(self._relation.preferred_locations(self._splits[index]))


class DataSourceScanExec(LeafExec):
    """Reads ``output``'s columns of a relation, giving it ``pushed`` as a filter hint."""

    def __init__(self, relation: Any, output: Sequence[E.AttributeReference],
                 pushed: Sequence[E.Expression] = ()) -> None:
        super().__init__(output)
        self.relation = relation
        self.pushed = list(pushed)

    def execute(self, ctx: ExecutionContext) -> Any:
        tz = ctx.settings.timezone
        arrow_filter = None
        for part in self.pushed:
            translated = to_arrow_filter(part, tz)
            if translated is not None:
                arrow_filter = translated if arrow_filter is None else arrow_filter & translated
        columns = [a.name for a in self._output]
        return RelationRDD(ctx.sc, self.relation, self.relation.partitions(), columns,
                           arrow_filter, self.schema())

    def node_name(self) -> str:
        return "Scan"

    def argument_string(self) -> str:
        label = getattr(self.relation, "simpleString", None)
        name = label() if callable(label) else type(self.relation).__name__
        pushed = ", ".join(p.sql() for p in self.pushed)
        return f"{name} {_attrs(self._output)} PushedFilters: [{pushed}]"


_COMPARISONS = {E.EqualTo: "__eq__", E.LessThan: "__lt__", E.LessThanOrEqual: "__le__",
                E.GreaterThan: "__gt__", E.GreaterThanOrEqual: "__ge__"}
_MIRRORED = {"__eq__": "__eq__", "__lt__": "__gt__", "__le__": "__ge__", "__gt__": "__lt__",
             "__ge__": "__le__"}


def to_arrow_filter(expr: E.Expression, tz: str = "UTC") -> pc.Expression | None:
    """``expr`` as an Arrow dataset filter over column names, or None if it has no such form."""
    if isinstance(expr, E.And):
        left, right = to_arrow_filter(expr.left, tz), to_arrow_filter(expr.right, tz)
        if left is None or right is None:
            return left if right is None else right
        return left & right
    if isinstance(expr, E.Or):
        left, right = to_arrow_filter(expr.left, tz), to_arrow_filter(expr.right, tz)
        return None if left is None or right is None else left | right
    if isinstance(expr, E.Not):
        inner = to_arrow_filter(expr.child, tz)
        return None if inner is None or not _exact(expr.child) else ~inner
    if isinstance(expr, (E.IsNull, E.IsNotNull)) and isinstance(expr.child,
                                                                 E.AttributeReference):
        field = pc.field(expr.child.name)
        return field.is_null() if isinstance(expr, E.IsNull) else field.is_valid()
    if isinstance(expr, E.In) and isinstance(expr.value, E.AttributeReference) and all(
            isinstance(v, E.Literal) and v.value is not None for v in expr.values):
        values = [literal_scalar(v.value, v.data_type, tz).as_py() for v in expr.values]
        return pc.field(expr.value.name).isin(values)
    method = _COMPARISONS.get(type(expr))
    if method is None:
        return None
    left, right = expr.children
    if isinstance(right, E.AttributeReference) and isinstance(left, E.Literal):
        left, right, method = right, left, _MIRRORED[method]
    if not (isinstance(left, E.AttributeReference) and isinstance(right, E.Literal)):
        return None
    if right.value is None or (isinstance(right.value, float) and right.value != right.value):
        return None
    value = literal_scalar(right.value, right.data_type, tz)
    return getattr(pc.field(left.name), method)(value)


def _exact(expr: E.Expression) -> bool:
    """Whether the translation of ``expr`` keeps exactly its rows (so NOT may wrap it)."""
    return to_arrow_filter(expr) is not None and not isinstance(expr, (E.And, E.Or))
