"""Aggregate functions, each computed in two phases over Arrow data.

An :class:`Aggregator` says which of pyarrow's hash aggregations turn input
columns into *states* (``update``, before the exchange) and states of
several partitions into one state per group (``merge``, after it), and how a
merged state becomes the result (``finish``). The hash aggregate operator
runs every aggregator of a query in one ``Table.group_by(...).aggregate``.

>>> import pyarrow as pa
>>> agg = Average()
>>> table = pa.table({"v": [1.0, 3.0, None]})
>>> specs = agg.update([table.column("v").combine_chunks()])
>>> [fn for _, fn, _ in specs]
['sum', 'count']
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.builtins.registry import AggregateSpec, register
from minispark.sql.plan.expressions import Cast, Expression
from minispark.sql.plan.typecoercion import bounded_decimal, is_integral, is_string
from minispark.sql.types import (
    ArrayType, BooleanType, DataType, DecimalType, DoubleType, FloatType, IntegerType, LongType,
    NullType, to_arrow_type,
)

Request = tuple[pa.Array, str, Any]  # (column, pyarrow hash aggregation, its options)


def _only_valid() -> pc.CountOptions:
    return pc.CountOptions(mode="only_valid")


class Aggregator:
    """The two phases of one aggregate function (subclasses fill the steps in)."""

    #: Arrow types of the states (set from the input types at planning).
    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        raise NotImplementedError

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        """Hash aggregations turning input rows into states."""
        raise NotImplementedError

    def after_update(self, outputs: list[pa.Array], args: Sequence[pa.Array]) -> list[pa.Array]:
        return outputs

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        """Hash aggregations combining states of the same group."""
        raise NotImplementedError

    def after_merge(self, outputs: list[pa.Array], states: Sequence[pa.Array]) -> list[pa.Array]:
        return outputs

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        return states[0]


class Count(Aggregator):
    """``count(x)``: rows where x (every argument) is not null; ``count(1)`` counts rows."""

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.int64()]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        column = args[0]
        if len(args) > 1:
            valid = args[0].is_valid()
            for other in args[1:]:
                valid = pc.and_(valid, other.is_valid())
            column = pc.if_else(valid, True, pa.scalar(None, pa.bool_()))
        return [(column, "count", _only_valid())]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        return [(states[0], "sum", None)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        return pc.cast(pc.fill_null(states[0], 0), pa.int64())


class Reduce(Aggregator):
    """One hash aggregation in both phases (sum, min, max, any, all)."""

    def __init__(self, function: str, merge_function: str | None = None) -> None:
        self.function = function
        self.merge_function = merge_function or function

    def options(self) -> Any:
        """pyarrow's options for the aggregation (built in the task: they do not pickle)."""
        return None

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [input_types[0]]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        return [(args[0], self.function, self.options())]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        return [(states[0], self.merge_function, self.options())]


def _nan_count(values: pa.Array) -> pa.Array:
    """1 where a float value is NaN, else 0 (as a column to sum per group)."""
    return pc.cast(pc.fill_null(pc.is_nan(values), False), pa.int64())


class FloatExtreme(Aggregator):
    """``min``/``max`` of floats with Spark's NaN order: NaN is above every number."""

    def __init__(self, function: str) -> None:
        self.function = function

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [input_types[0], pa.int64(), pa.int64()]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        x = args[0]
        return [(x, self.function, None), (_nan_count(x), "sum", None),
                (x, "count", _only_valid())]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        return [(states[0], self.function, None), (states[1], "sum", None),
                (states[2], "sum", None)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        value, nans, valid = states
        nan = pa.scalar(float("nan"), value.type)
        if self.function == "max":
            use_nan = pc.greater(pc.fill_null(nans, 0), 0)
        else:
            use_nan = pc.and_(pc.greater(pc.fill_null(nans, 0), 0), pc.equal(nans, valid))
        return pc.if_else(pc.fill_null(use_nan, False), nan, value)


class Sum(Reduce):
    def __init__(self, result_type: pa.DataType) -> None:
        super().__init__("sum")
        self.result_type = result_type

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        return pc.cast(states[0], self.result_type)


class Average(Aggregator):
    """``avg(x)``: a sum and a count, divided at the end."""

    def __init__(self, decimal_type: pa.DataType | None = None) -> None:
        self.decimal_type = decimal_type

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [self.decimal_type and pa.decimal128(38, self.decimal_type.scale) or pa.float64(),
                pa.int64()]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        values = args[0] if self.decimal_type else pc.cast(args[0], pa.float64())
        return [(values, "sum", None), (args[0], "count", _only_valid())]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        return [(states[0], "sum", None), (states[1], "sum", None)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        total, count = states
        empty = pc.equal(count, 0)
        if self.decimal_type is None:
            return pc.if_else(empty, pa.scalar(None, pa.float64()),
                              pc.divide(pc.cast(total, pa.float64()), pc.cast(count,
                                                                              pa.float64())))
        import decimal

        quantum = decimal.Decimal(1).scaleb(-self.decimal_type.scale)
        out = [None if t is None or c == 0 else (t / c).quantize(quantum, decimal.ROUND_HALF_UP)
               for t, c in zip(total.to_pylist(), count.to_pylist())]
        return pa.array(out, self.decimal_type)


class FirstLast(Reduce):
    """``first``/``last`` (order as the rows arrive), optionally skipping nulls."""

    def __init__(self, function: str, ignore_nulls: bool) -> None:
        super().__init__(function)
        self.ignore_nulls = ignore_nulls

    def options(self) -> Any:
        return pc.ScalarAggregateOptions(skip_nulls=self.ignore_nulls)


class Moments(Aggregator):
    """Variance and standard deviation from (count, mean, M2) states."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # var_samp, var_pop, stddev_samp, stddev_pop

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.int64(), pa.float64(), pa.float64()]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        x = pc.cast(args[0], pa.float64())
        # NaN makes the result NaN (as in Spark): carried by the mean, which pyarrow keeps.
        return [(x, "count", _only_valid()), (x, "mean", None),
                (x, "variance", pc.VarianceOptions(ddof=0)), (_nan_count(x), "sum", None)]

    def after_update(self, outputs: list[pa.Array], args: Sequence[pa.Array]) -> list[pa.Array]:
        n, mean, var, nans = outputs
        m2 = pc.fill_null(pc.multiply(var, pc.cast(n, pa.float64())), 0.0)
        m2 = pc.if_else(pc.greater(pc.fill_null(nans, 0), 0), float("nan"), m2)
        return [n, pc.fill_null(mean, 0.0), m2]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        n, mean, m2 = states
        weight = pc.cast(n, pa.float64())
        return [(n, "sum", None), (pc.multiply(weight, mean), "sum", None),
                (pc.add(m2, pc.multiply(weight, pc.multiply(mean, mean))), "sum", None)]

    def after_merge(self, outputs: list[pa.Array], states: Sequence[pa.Array]) -> list[pa.Array]:
        n, weighted, squares = outputs
        total = pc.cast(n, pa.float64())
        mean = pc.if_else(pc.equal(n, 0), 0.0, pc.divide(weighted, pc.max_element_wise(total,
                                                                                      1.0)))
        m2 = pc.subtract(squares, pc.multiply(total, pc.multiply(mean, mean)))
        # Rounding can make M2 a hair below zero; NaN (from a NaN input) must stay NaN.
        m2 = pc.if_else(pc.less(m2, 0.0), 0.0, m2)
        return [n, mean, m2]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        n, _, m2 = states
        total = pc.cast(n, pa.float64())
        sample = self.kind.endswith("samp")
        divisor = pc.subtract(total, 1.0) if sample else total
        value = pc.divide(m2, pc.max_element_wise(divisor, 1.0))
        if self.kind.startswith("stddev"):
            value = pc.sqrt(value)
        too_few = pc.less_equal(n, 1 if sample else 0)
        return pc.if_else(too_few, pa.scalar(None, pa.float64()), value)


class Collect(Aggregator):
    """``collect_list`` / ``collect_set``: the group's non-null values as an array."""

    def __init__(self, distinct: bool) -> None:
        self.distinct = distinct

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.list_(input_types[0])]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        return [(args[0], "distinct" if self.distinct else "list", None)]

    def after_update(self, outputs: list[pa.Array], args: Sequence[pa.Array]) -> list[pa.Array]:
        return [drop_list_nulls(outputs[0])]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        # pyarrow cannot aggregate list columns: gather the row numbers of each group instead.
        return [(pa.array(np.arange(len(states[0]), dtype=np.int64)), "list", None)]

    def after_merge(self, outputs: list[pa.Array], states: Sequence[pa.Array]) -> list[pa.Array]:
        return [concat_rows(outputs[0], states[0], self.distinct)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        lists = states[0]
        if not lists.null_count:
            return lists
        return pc.if_else(lists.is_valid(), lists, pa.scalar([], lists.type))


class Distinct(Collect):
    """``f(DISTINCT x)``: the distinct values as state, ``f`` applied to them at the end."""

    def __init__(self, base: Aggregator) -> None:
        super().__init__(distinct=True)
        self.base = base

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        if len(input_types) > 1 or _nested(input_types[0]):
            return [pa.list_(pa.string())]
        return super().state_types(input_types)

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        if len(args) > 1 or _nested(args[0].type):
            # pyarrow cannot group nested values: count distinct texts of them instead
            # (only the count needs them; a null in any argument skips the row).
            valid = args[0].is_valid()
            for other in args[1:]:
                valid = pc.and_(valid, other.is_valid())
            texts = [_as_text(a) for a in args]
            key = pc.binary_join_element_wise(*texts, "\x00") if len(texts) > 1 else texts[0]
            args = [pc.if_else(valid, key, pa.scalar(None, pa.string()))]
        return super().update(args)

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        lists = states[0]
        if isinstance(self.base, Count):
            return pc.cast(pc.fill_null(pc.list_value_length(lists), 0), pa.int64())
        return aggregate_lists(lists, self.base)


class Percentile(Collect):
    """``percentile_approx`` (the value ranked ceil(p * n), as Spark's approximation gives at
    its default accuracy on small groups) and ``median``/``percentile`` (interpolated)."""

    def __init__(self, percentages: tuple, interpolate: bool, result_type: pa.DataType) -> None:
        super().__init__(distinct=False)
        self.percentages = percentages
        self.interpolate = interpolate
        self.result_type = result_type

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        return super().update(args[:1])

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        out = [None if values is None else self._pick(values)
               for values in states[0].to_pylist()]
        return pa.array(out, self.result_type)

    def _pick(self, values: list) -> Any:
        import math

        ordered = sorted(values, key=lambda v: (isinstance(v, float) and math.isnan(v), v))
        if not ordered:
            return None
        picks = [self._one(ordered, p) for p in self.percentages[0]]
        return picks if self.percentages[1] else picks[0]

    def _one(self, ordered: list, p: float) -> Any:
        n = len(ordered)
        if not self.interpolate:
            import math

            return ordered[max(0, min(n - 1, math.ceil(p * n) - 1))]
        position = p * (n - 1)
        low = int(position)
        high = min(low + 1, n - 1)
        return float(ordered[low]) + (position - low) * (float(ordered[high]) - float(
            ordered[low]))


def _nested(arrow_type: pa.DataType) -> bool:
    return pa.types.is_nested(arrow_type)


def _as_text(values: pa.Array) -> pa.Array:
    from minispark.sql.execution.formatting import format_value
    from minispark.sql.types import from_arrow_type

    if not _nested(values.type):
        return pc.cast(values, pa.string())
    data_type = from_arrow_type(values.type)
    return pa.array([None if v is None else format_value(v, data_type)
                     for v in values.to_pylist()], pa.string())


# ---- list helpers --------------------------------------------------------------------------


def _rebuild(parents: np.ndarray, values: pa.Array, rows: int) -> pa.Array:
    """A list array of ``rows`` rows from values tagged with their row (``parents``)."""
    order = np.argsort(parents, kind="stable")
    counts = np.bincount(parents, minlength=rows) if len(parents) else np.zeros(rows, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.take(pa.array(order)))


def drop_list_nulls(lists: pa.Array) -> pa.Array:
    """Each list without its null elements (null lists become empty)."""
    values = pc.list_flatten(lists)
    if values.null_count == 0 and lists.null_count == 0:
        return lists
    parents = pc.list_parent_indices(lists).to_numpy()
    keep = values.is_valid()
    return _rebuild(parents[keep.to_numpy(zero_copy_only=False)], values.filter(keep),
                    len(lists))


def concat_rows(row_lists: pa.Array, lists: pa.Array, distinct: bool) -> pa.Array:
    """For each group, the concatenation (or distinct union) of the ``lists`` rows it names."""
    groups = len(row_lists)
    rows = pc.list_flatten(row_lists)
    owner = pc.list_parent_indices(row_lists).to_numpy()
    picked = lists.take(rows)
    values = pc.list_flatten(picked)
    parents = owner[pc.list_parent_indices(picked).to_numpy()] if len(values) else \
        np.zeros(0, np.int64)
    if distinct and len(values):
        table = pa.table({"p": pa.array(parents), "v": values})
        unique = table.group_by(["p", "v"], use_threads=False).aggregate([])
        parents = unique.column("p").to_numpy()
        values = unique.column("v").combine_chunks()
    return _rebuild(parents, values, groups)


def aggregate_lists(lists: pa.Array, base: Aggregator) -> pa.Array:
    """``base`` applied to each list's values, one result per row."""
    rows = len(lists)
    values = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    table = pa.table({"p": parents, "v": values})
    requests = base.update([values])
    named = {f"r{i}": (col, fn, opt) for i, (col, fn, opt) in enumerate(requests)}
    for key, (col, _, _) in named.items():
        table = table.append_column(key, col)
    grouped = table.group_by(["p"], use_threads=False).aggregate(
        [(key, fn, opt) for key, (_, fn, opt) in named.items()])
    states = base.after_update([grouped.column(f"{k}_{named[k][1]}").combine_chunks()
                                for k in named], [values])
    result = base.finish(states)
    placed = np.full(rows, -1, dtype=np.int64)
    placed[grouped.column("p").to_numpy()] = np.arange(len(result))
    indices = pa.array(placed, mask=placed < 0)
    return result.take(indices)


# ---- registration ------------------------------------------------------------------------


def _numeric_input(args: list[Expression], target: DataType | None = None) -> list[Expression]:
    arg = args[0]
    t = arg.data_type
    if target is None:
        if is_string(t) or isinstance(t, (NullType, BooleanType)):
            target = DoubleType()
        else:
            return args
    return [arg if t == target else Cast(arg, target, implicit=True)] + args[1:]


def _sum_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    t = arg_types[0]
    if is_integral(t):
        return LongType()
    if isinstance(t, DecimalType):
        return bounded_decimal(t.precision + 10, t.scale)
    return DoubleType()


def _coerce_sum(args: list[Expression]) -> list[Expression]:
    args = _numeric_input(args)
    return _numeric_input(args, _sum_type([args[0].data_type], ()))


def _avg_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    t = arg_types[0]
    if isinstance(t, DecimalType):
        return bounded_decimal(t.precision + 4, t.scale + 4)
    return DoubleType()


def _aggregate(name: str, inputs: list[str], result: Any, *, aliases: tuple[str, ...] = (),
               nullable: bool = True, min_args: int | None = None, max_args: int | None = -1,
               **extra: Any) -> AggregateSpec:
    low = len(inputs) if min_args is None else min_args
    high = len(inputs) if max_args == -1 else max_args
    return register(AggregateSpec(name=name, inputs=inputs, result=result, min_args=low,
                                  max_args=high, aliases=aliases, nullable_result=nullable,
                                  **extra))


def _first_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return arg_types[0]


def _list_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return ArrayType(arg_types[0], False)


_aggregate("count", ["any"], LongType(), nullable=False, min_args=1, max_args=None)
_aggregate("sum", ["any"], _sum_type, coerce_args=_coerce_sum)
_aggregate("avg", ["any"], _avg_type, aliases=("mean",), coerce_args=_numeric_input)
_aggregate("min", ["any"], _first_type)
_aggregate("max", ["any"], _first_type)
_aggregate("first", ["any", "boolean"], _first_type, min_args=1, aliases=("first_value",))
_aggregate("last", ["any", "boolean"], _first_type, min_args=1, aliases=("last_value",))
_aggregate("collect_list", ["any"], _list_type, nullable=False, aliases=("array_agg",))
_aggregate("collect_set", ["any"], _list_type, nullable=False)
_aggregate("approx_count_distinct", ["any", "double"], LongType(), nullable=False,
           min_args=1)
def _percentages(args: list[Expression]) -> tuple:
    """((p, ...), is_array) from the constant percentage argument."""
    from minispark.sql.plan.expressions import Literal

    p = args[1] if len(args) > 1 else Literal(0.5, DoubleType())
    if not isinstance(p, Literal):
        from minispark.sql.builtins.registry import data_type_mismatch

        raise data_type_mismatch("percentile", "NON_FOLDABLE_INPUT",
                                 "the input `percentage` should be a foldable expression.")
    value = p.value
    values = tuple(float(v) for v in value) if isinstance(value, (list, tuple)) else (
        float(value),)
    return (values, isinstance(value, (list, tuple)))


def _percentile_args(args: list[Expression]) -> list[Expression]:
    from minispark.sql.plan.expressions import Literal

    if len(args) == 2:
        args = args + [Literal(10000, IntegerType())]
    return args


def _percentile_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    element = arg_types[0]
    return ArrayType(element, False) if options and options[1] else element


def _median_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return ArrayType(DoubleType(), False) if options and options[1] else DoubleType()


_aggregate("percentile_approx", ["any", "any", "int"], _percentile_type, min_args=2,
           aliases=("approx_percentile",), coerce_args=_percentile_args,
           options_from_args=_percentages)
_aggregate("percentile", ["numeric", "any"], _median_type, min_args=2,
           options_from_args=_percentages)
_aggregate("median", ["numeric"], DoubleType(), options_from_args=_percentages)
_aggregate("bool_and", ["boolean"], BooleanType(), aliases=("every",))
_aggregate("bool_or", ["boolean"], BooleanType(), aliases=("some", "any"))
for _kind, _names in (("var_samp", ("variance",)), ("var_pop", ()),
                      ("stddev_samp", ("stddev", "std")), ("stddev_pop", ())):
    _aggregate(_kind, ["double"], DoubleType(), aliases=_names)


def make_aggregator(name: str, arg_types: Sequence[DataType], result_type: DataType,
                    distinct: bool, options: tuple) -> Aggregator:
    """The aggregator computing the registered aggregate ``name`` (canonical name)."""
    if name == "approx_count_distinct":
        name, distinct = "count", True
    base = _base_aggregator(name, arg_types, result_type, options)
    if distinct and name not in ("min", "max", "collect_set", "bool_and", "bool_or"):
        return Distinct(base)
    return base


def _base_aggregator(name: str, arg_types: Sequence[DataType], result_type: DataType,
                     options: tuple) -> Aggregator:
    if name == "count":
        return Count()
    if name == "sum":
        return Sum(to_arrow_type(result_type))
    if name == "avg":
        return Average(to_arrow_type(result_type) if isinstance(result_type, DecimalType)
                       else None)
    if name in ("min", "max"):
        if isinstance(arg_types[0], (DoubleType, FloatType)):
            return FloatExtreme(name)
        return Reduce(name)
    if name in ("first", "last"):
        return FirstLast(name, bool(options and options[0]))
    if name in ("collect_list", "collect_set"):
        return Collect(distinct=name == "collect_set")
    if name in ("bool_and", "bool_or"):
        return Reduce("all" if name == "bool_and" else "any")
    if name in ("var_samp", "var_pop", "stddev_samp", "stddev_pop"):
        return Moments(name)
    if name in ("percentile_approx", "percentile", "median"):
        return Percentile(options, name != "percentile_approx", to_arrow_type(result_type))
    raise NotImplementedError(f"aggregate function {name}")
