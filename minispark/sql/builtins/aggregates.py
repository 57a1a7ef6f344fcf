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

from typing import Any, ClassVar, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.builtins.registry import AggregateSpec, register, scalar
from minispark.sql.execution.ansi import arithmetic_overflow
from minispark.sql.plan.expressions import Cast, Expression
from minispark.sql.plan.typecoercion import bounded_decimal, is_integral, is_string
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, DataType, DecimalType, DoubleType, FloatType, IntegerType,
    LongType, NullType, to_arrow_type,
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

    def __init__(self, decimal_type: pa.DataType | None = None,
                 overflow_null: bool = False) -> None:
        self.decimal_type = decimal_type
        #: ``try_avg``: a mean too wide for the result type is null.
        self.overflow_null = overflow_null

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        # The sum keeps the input's scale (the mean's wider scale is applied at the end).
        return [self.decimal_type and pa.decimal128(38, input_types[0].scale) or pa.float64(),
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
        limit = decimal.Decimal(10) ** (self.decimal_type.precision - self.decimal_type.scale)
        out = []
        with decimal.localcontext() as context:
            context.prec = 80  # room for 38 digits and the scale without rounding
            for t, c in zip(total.to_pylist(), count.to_pylist()):
                mean = None if t is None or c == 0 else (t / c).quantize(
                    quantum, decimal.ROUND_HALF_UP)
                out.append(None if self.overflow_null and mean is not None and abs(
                    mean) >= limit else mean)
        return pa.array(out, self.decimal_type)


class ShadowSum(Sum):
    """A sum with a float shadow sum beside it, which tells where the sum overflowed."""

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [input_types[0], pa.float64()]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        # Unsafe: an integer past 2^53 is rounded, which a shadow may be.
        shadow = pc.cast(args[0], pa.float64(), safe=False)
        return [(args[0], "sum", None), (shadow, "sum", None)]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        return [(states[0], "sum", None), (states[1], "sum", None)]

    def overflowed(self, states: Sequence[pa.Array]) -> pa.Array | None:
        """True where the sum does not fit its type; None where that cannot happen."""
        t = self.result_type
        if pa.types.is_decimal(t):
            over = pc.greater_equal(pc.abs(states[1]), 10.0 ** (t.precision - t.scale))
        elif pa.types.is_integer(t):
            # A wrapped 64-bit sum is 2^64 away from the true one, which the shadow
            # approximates to far better than 2^63.
            gap = pc.abs(pc.subtract(states[1], pc.cast(states[0], pa.float64(), safe=False)))
            over = pc.greater(gap, 2.0 ** 63)
        else:
            return None
        over = pc.fill_null(over, False)
        return over if pc.any(over).as_py() else None


class TrySum(ShadowSum):
    """``try_sum``: a sum, null where it overflows its type."""

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        over = self.overflowed(states)
        if over is None:
            return super().finish(states)
        t = self.result_type
        return pc.if_else(over, pa.scalar(None, t), super().finish(
            [pc.if_else(over, pa.scalar(None, states[0].type), states[0])]))


class CheckedSum(ShadowSum):
    """``sum`` of integers in ANSI mode: an overflow is an error, never a wrapped value."""

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        if self.overflowed(states) is not None:
            raise arithmetic_overflow("try_sum")
        return super().finish(states)


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


# ---- aggregates computed with numpy over each group's rows -------------------------------


def _row_numbers(rows: int) -> Request:
    """A request gathering each group's row numbers (pyarrow has no kernel for the rest)."""
    return (pa.array(np.arange(rows, dtype=np.int64)), "list", None)


def _membership(row_lists: pa.Array) -> tuple[pa.Array, np.ndarray, int]:
    """(row numbers, the group of each, number of groups) from gathered row lists."""
    rows = pc.list_flatten(row_lists)
    groups = pc.list_parent_indices(row_lists).to_numpy(zero_copy_only=False)
    return rows, groups.astype(np.int64), len(row_lists)


def _floats(values: pa.Array) -> np.ndarray:
    """``values`` as float64 numpy, nulls as 0."""
    return pc.cast(values, pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)


def _counts(values: pa.Array) -> np.ndarray:
    return pc.cast(values, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)


class ByGroup(Aggregator):
    """An aggregate whose states ``combine`` with numpy, given each state row's group.

    One input row is a state of one row (``row_states``), so the update and the
    merge phases run the same ``combine``.
    """

    def row_states(self, args: Sequence[pa.Array]) -> list[pa.Array]:
        raise NotImplementedError

    def combine(self, states: list[pa.Array], groups: np.ndarray, count: int) -> list[pa.Array]:
        raise NotImplementedError

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        return [_row_numbers(len(args[0]))]

    def after_update(self, outputs: list[pa.Array], args: Sequence[pa.Array]) -> list[pa.Array]:
        return self._combined(outputs[0], self.row_states(args))

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        return [_row_numbers(len(states[0]))]

    def after_merge(self, outputs: list[pa.Array], states: Sequence[pa.Array]) -> list[pa.Array]:
        return self._combined(outputs[0], list(states))

    def _combined(self, row_lists: pa.Array, states: list[pa.Array]) -> list[pa.Array]:
        rows, groups, count = _membership(row_lists)
        return self.combine([s.take(rows) for s in states], groups, count)


class CentralMoments(ByGroup):
    """skewness, kurtosis: states (n, mean, M2, M3, M4), merged with the shift formulas."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.int64()] + [pa.float64()] * 4

    def row_states(self, args: Sequence[pa.Array]) -> list[pa.Array]:
        x = args[0]
        zeros = pa.array(np.zeros(len(x)))
        return [pc.cast(x.is_valid(), pa.int64()), pc.cast(x, pa.float64()).fill_null(0.0),
                zeros, zeros, zeros]

    def combine(self, states: list[pa.Array], groups: np.ndarray, count: int) -> list[pa.Array]:
        # Extended precision keeps exact inputs' moments exact after rounding (as Spark's).
        n = _counts(states[0])
        mean, m2, m3, m4 = (_floats(s).astype(np.longdouble) for s in states[1:])
        total, centre = _pooled_mean(n, mean, groups, count)
        d = mean - centre[groups]
        with np.errstate(invalid="ignore"):
            out_m2 = _group_sum(groups, m2 + n * d * d, count)
            out_m3 = _group_sum(groups, m3 + 3 * d * m2 + n * d ** 3, count)
            out_m4 = _group_sum(groups, m4 + 4 * d * m3 + 6 * d * d * m2 + n * d ** 4, count)
        return [pa.array(total)] + [pa.array(v.astype(np.float64)) for v in
                                    (centre, out_m2, out_m3, out_m4)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        n = _floats(states[0])
        m2, m3, m4 = (_floats(s).astype(np.longdouble) for s in states[2:])
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind == "skewness":
                value = np.sqrt(n) * m3 / np.sqrt(m2 * m2 * m2)
            else:
                value = n * m4 / (m2 * m2) - 3.0
        # Spark gives null (not NaN or infinity) for no rows and for no spread.
        return pa.array(value.astype(np.float64), mask=(n == 0) | (m2 == 0))


def _group_sum(groups: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Per-group sums of ``values`` in their own precision (``groups`` ascending, as
    gathered; ``np.bincount`` would round to float64)."""
    out = np.zeros(count, dtype=values.dtype)
    if len(values):
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        out[groups[starts]] = np.add.reduceat(values, starts)
    return out


def _pooled_mean(n: np.ndarray, mean: np.ndarray, groups: np.ndarray, count: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    total = np.bincount(groups, n, count).astype(np.int64)
    with np.errstate(invalid="ignore"):
        weighted = _group_sum(groups, np.where(n > 0, n * mean, 0.0), count)
    return total, weighted / np.maximum(total, 1)


class CoMoments(ByGroup):
    """covar, corr and the regr_ family over pairs where both values are present:
    states (n, mean x, mean y, Cxy, M2x, M2y). ``args`` are (y, x) for regr_, else (x, y)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.int64()] + [pa.float64()] * 5

    def row_states(self, args: Sequence[pa.Array]) -> list[pa.Array]:
        first, second = args
        x, y = (second, first) if self.kind.startswith("regr_") else (first, second)
        both = pc.and_(x.is_valid(), y.is_valid())
        zeros = pa.array(np.zeros(len(x)))
        keep = pc.cast(both, pa.int64())
        return [keep, pc.if_else(both, pc.cast(x, pa.float64()), 0.0),
                pc.if_else(both, pc.cast(y, pa.float64()), 0.0), zeros, zeros, zeros]

    def combine(self, states: list[pa.Array], groups: np.ndarray, count: int) -> list[pa.Array]:
        n = _counts(states[0])
        mx, my, c, m2x, m2y = (_floats(s) for s in states[1:])
        total, cx = _pooled_mean(n, mx, groups, count)
        _, cy = _pooled_mean(n, my, groups, count)
        dx, dy = mx - cx[groups], my - cy[groups]
        with np.errstate(invalid="ignore"):
            out = [_group_sum(groups, c + n * dx * dy, count),
                   _group_sum(groups, m2x + n * dx * dx, count),
                   _group_sum(groups, m2y + n * dy * dy, count)]
        return [pa.array(total), pa.array(cx), pa.array(cy)] + [pa.array(o) for o in out]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        n = _floats(states[0])
        mx, my, c, m2x, m2y = (_floats(s) for s in states[1:])
        kind = self.kind
        if kind == "regr_count":
            return pa.array(n.astype(np.int64))
        empty = n == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            value, invalid = {
                "covar_pop": lambda: (c / n, empty),
                "covar_samp": lambda: (c / (n - 1), n <= 1),
                "corr": lambda: (c / np.sqrt(m2x * m2y), (n <= 1) | (m2x * m2y == 0)),
                "regr_avgx": lambda: (mx, empty),
                "regr_avgy": lambda: (my, empty),
                "regr_sxx": lambda: (m2x, empty),
                "regr_syy": lambda: (m2y, empty),
                "regr_sxy": lambda: (c, empty),
                "regr_slope": lambda: (c / m2x, empty | (m2x == 0)),
                "regr_intercept": lambda: (my - c / m2x * mx, empty | (m2x == 0)),
                "regr_r2": lambda: (np.where(m2y == 0, 1.0, c * c / (m2x * m2y)),
                                    empty | (m2x == 0)),
            }[kind]()
        return pa.array(value, mask=invalid)


def _group_reduce(values: pa.Array, groups: np.ndarray, count: int, ufunc: Any
                  ) -> pa.Array:
    """``ufunc`` reduced over each group's non-null values (null for a group with none)."""
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    numbers = values.filter(values.is_valid()).to_numpy(zero_copy_only=False)
    owners = groups[valid]
    order = np.argsort(owners, kind="stable")
    owners, numbers = owners[order], numbers[order]
    present = np.bincount(owners, minlength=count) > 0
    out = np.zeros(count, dtype=numbers.dtype)
    if len(numbers):
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        out[owners[starts]] = ufunc.reduceat(numbers, starts)
    return pa.array(out, type=values.type, mask=~present)


class UfuncReduce(ByGroup):
    """bit_and, bit_or, bit_xor and product: a numpy ufunc folded over the non-null values."""

    _UFUNCS: ClassVar[dict[str, Any]] = {
        "bit_and": np.bitwise_and, "bit_or": np.bitwise_or, "bit_xor": np.bitwise_xor,
        "product": np.multiply}

    def __init__(self, name: str) -> None:
        self.name = name

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.float64() if self.name == "product" else input_types[0]]

    def row_states(self, args: Sequence[pa.Array]) -> list[pa.Array]:
        return [pc.cast(args[0], pa.float64()) if self.name == "product" else args[0]]

    def combine(self, states: list[pa.Array], groups: np.ndarray, count: int) -> list[pa.Array]:
        return [_group_reduce(states[0], groups, count, self._UFUNCS[self.name])]


class CountIf(Reduce):
    """``count_if(p)``: rows where p is true."""

    def __init__(self) -> None:
        super().__init__("sum")

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.int64()]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        return [(pc.cast(pc.fill_null(args[0], False), pa.int64()), "sum", None)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        return pc.fill_null(states[0], 0)


class CollectUnion(ByGroup):
    """``collect_union(arrays)``: the distinct non-null elements of the group's arrays."""

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [input_types[0]]

    def row_states(self, args: Sequence[pa.Array]) -> list[pa.Array]:
        return [args[0]]

    def combine(self, states: list[pa.Array], groups: np.ndarray, count: int) -> list[pa.Array]:
        lists = states[0]
        owners = groups[pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)]
        table = pa.table({"g": pa.array(owners, pa.int64()), "v": pc.list_flatten(lists)})
        unique = table.filter(table.column("v").is_valid()).group_by(
            ["g", "v"], use_threads=False).aggregate([])
        return [_rebuild(unique.column("g").to_numpy(), unique.column("v").combine_chunks(),
                         count).cast(lists.type)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        return states[0]


BITMAP_BYTES = 4096  # Spark's bitmaps: 32768 bits per bucket


def _bitmap_matrix(values: pa.Array) -> np.ndarray:
    """Binary bitmaps as rows of a uint8 matrix, zero-padded (or cut) to BITMAP_BYTES."""
    matrix = np.zeros((len(values), BITMAP_BYTES), dtype=np.uint8)
    for i, value in enumerate(values.to_pylist()):  # no Arrow kernel pads binaries
        if value:
            data = np.frombuffer(value[:BITMAP_BYTES], dtype=np.uint8)
            matrix[i, :len(data)] = data
    return matrix


def _bitmaps(matrix: np.ndarray) -> pa.Array:
    return pa.array([row.tobytes() for row in matrix], pa.binary())


class BitmapAggregate(ByGroup):
    """``bitmap_construct_agg`` (bit positions to a bitmap), ``bitmap_or_agg`` and
    ``bitmap_and_agg`` (bitmaps combined byte by byte); null inputs are skipped."""

    def __init__(self, name: str) -> None:
        self.name = name

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.binary(), pa.int64()]

    def row_states(self, args: Sequence[pa.Array]) -> list[pa.Array]:
        return [args[0], pc.cast(args[0].is_valid(), pa.int64())]

    def combine(self, states: list[pa.Array], groups: np.ndarray, count: int) -> list[pa.Array]:
        values, present = states
        keep = present.fill_null(0).to_numpy(zero_copy_only=False) > 0
        counts = np.bincount(groups[keep], minlength=count)
        if pa.types.is_integer(values.type):  # bit positions of the update phase
            out = np.zeros((count, BITMAP_BYTES), dtype=np.uint8)
            positions = values.to_numpy(zero_copy_only=False)[keep].astype(np.int64)
            np.bitwise_or.at(out, (groups[keep], positions // 8),
                             (1 << (positions % 8)).astype(np.uint8))
            return [_bitmaps(out), pa.array(counts)]
        fold = np.bitwise_and if self.name == "bitmap_and_agg" else np.bitwise_or
        out = np.full((count, BITMAP_BYTES), 255 if fold is np.bitwise_and else 0, np.uint8)
        fold.at(out, groups[keep], _bitmap_matrix(values.filter(pa.array(keep))))
        return [_bitmaps(out), pa.array(counts)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        return states[0]


class VectorAggregate(ByGroup):
    """``vector_sum`` / ``vector_avg``: element-wise over equally long float arrays."""

    def __init__(self, average: bool, result_type: pa.DataType) -> None:
        self.average, self.result_type = average, result_type

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.list_(pa.float64()), pa.int64()]

    def row_states(self, args: Sequence[pa.Array]) -> list[pa.Array]:
        return [pc.cast(args[0], pa.list_(pa.float64())),
                pc.cast(args[0].is_valid(), pa.int64())]

    def combine(self, states: list[pa.Array], groups: np.ndarray, count: int) -> list[pa.Array]:
        vectors, weights = states
        keep = weights.fill_null(0).to_numpy(zero_copy_only=False) > 0
        vectors = vectors.filter(pa.array(keep))
        owners = groups[keep]
        lengths = pc.list_value_length(vectors).to_numpy(zero_copy_only=False)
        width = np.zeros(count, dtype=np.int64)
        width[owners[::-1]] = lengths[::-1]  # each group's first vector sets its width
        if np.any(width[owners] != lengths):
            from minispark.errors import SparkRuntimeException

            raise SparkRuntimeException(
                "VECTOR_DIMENSION_MISMATCH", "Vectors of one group must have the same "
                "number of elements.", {}, "22000")
        starts = np.concatenate([[0], np.cumsum(width)])
        parents = pc.list_parent_indices(vectors).to_numpy(zero_copy_only=False)
        row_starts = np.concatenate([[0], np.cumsum(lengths)])[:-1]
        slots = starts[owners[parents]] + (np.arange(len(parents)) - row_starts[parents])
        totals = np.zeros(starts[-1])
        np.add.at(totals, slots, pc.list_flatten(vectors).fill_null(0.0).to_numpy(
            zero_copy_only=False))
        counts = np.bincount(owners, weights.filter(pa.array(keep)).to_numpy(
            zero_copy_only=False), count).astype(np.int64)
        lists = pa.ListArray.from_arrays(pa.array(starts.astype(np.int32)), pa.array(totals))
        return [_null_where(lists, counts == 0), pa.array(counts)]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        vectors, counts = states
        if self.average:
            divisor = np.repeat(_counts(counts).astype(np.float64),
                                pc.list_value_length(vectors).fill_null(0).to_numpy())
            values = pc.list_flatten(vectors).to_numpy(zero_copy_only=False) / divisor
            offsets = np.concatenate([[0], np.cumsum(
                pc.list_value_length(vectors).fill_null(0).to_numpy())]).astype(np.int32)
            vectors = _null_where(pa.ListArray.from_arrays(pa.array(offsets), pa.array(values)),
                                  vectors.is_null().to_numpy(zero_copy_only=False))
        return vectors.cast(self.result_type)


def _null_where(lists: pa.Array, empty: np.ndarray) -> pa.Array:
    """``lists`` with the rows flagged in ``empty`` null (pyarrow 10 lacks ``mask=`` here)."""
    if not empty.any():
        return lists
    return pc.if_else(pa.array(~empty), lists, pa.scalar(None, lists.type))


# ---- aggregates over each group's collected values ---------------------------------------


class Collected(Aggregator):
    """The values of the arguments at ``columns`` (nulls kept, rows aligned) gathered per
    group as lists; ``compute`` turns the flattened values and their group numbers into
    results. Other arguments are constants the aggregator was built with."""

    columns: tuple[int, ...] = (0,)

    def state_types(self, input_types: Sequence[pa.DataType]) -> list[pa.DataType]:
        return [pa.list_(input_types[i]) for i in self.columns]

    def update(self, args: Sequence[pa.Array]) -> list[Request]:
        return [_row_numbers(len(args[0]))]

    def after_update(self, outputs: list[pa.Array], args: Sequence[pa.Array]) -> list[pa.Array]:
        rows, groups, count = _membership(outputs[0])
        return [_rebuild(groups, args[i].take(rows), count) for i in self.columns]

    def merge(self, states: Sequence[pa.Array]) -> list[Request]:
        return [_row_numbers(len(states[0]))]

    def after_merge(self, outputs: list[pa.Array], states: Sequence[pa.Array]) -> list[pa.Array]:
        return [concat_rows(outputs[0], s, False) for s in states]

    def finish(self, states: Sequence[pa.Array]) -> pa.Array:
        lists = [pc.if_else(s.is_valid(), s, pa.scalar([], s.type)) if s.null_count else s
                 for s in states]
        groups = pc.list_parent_indices(lists[0]).to_numpy(zero_copy_only=False)
        return self.compute([pc.list_flatten(s) for s in lists], groups.astype(np.int64),
                            len(lists[0]))

    def compute(self, values: list[pa.Array], groups: np.ndarray, count: int) -> pa.Array:
        raise NotImplementedError


def _first_per_group(groups: np.ndarray, order: np.ndarray, count: int, k: int = 1
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Of rows taken in ``order`` (grouped ascending), the first ``k`` of each group:
    (their row numbers, their groups)."""
    ordered = groups[order]
    starts = np.searchsorted(ordered, np.arange(count))
    rank = np.arange(len(ordered)) - starts[ordered] if len(ordered) else ordered
    keep = rank < k
    return order[keep], ordered[keep]


def _placed(values: pa.Array, owners: np.ndarray, count: int) -> pa.Array:
    """One value per group (null for groups not in ``owners``)."""
    placed = np.full(count, -1, dtype=np.int64)
    placed[owners] = np.arange(len(owners))
    return values.take(pa.array(placed, mask=placed < 0))


class MaxBy(Collected):
    """``max_by(x, ord)`` / ``min_by``: x of the row with the largest (smallest) ord,
    the first such row on ties; with ``k``, the top k values as an array."""

    columns = (0, 1)

    def __init__(self, largest: bool, k: int | None) -> None:
        self.largest, self.k = largest, k

    def compute(self, values: list[pa.Array], groups: np.ndarray, count: int) -> pa.Array:
        x, ordering = values[0], values[1]
        keep = ordering.is_valid().to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(keep)
        table = pa.table({"g": pa.array(groups[rows]), "o": ordering.take(pa.array(rows)),
                          "i": pa.array(rows)})
        direction = "descending" if self.largest else "ascending"
        order = pc.sort_indices(table, sort_keys=[("g", "ascending"), ("o", direction),
                                                  ("i", "ascending")]).to_numpy()
        picked, owners = _first_per_group(groups[rows], order, count, self.k or 1)
        chosen = x.take(pa.array(rows[picked]))
        if self.k is None:
            return _placed(chosen, owners, count)
        return _rebuild(owners, chosen, count)


class Mode(Collected):
    """``mode(x)``: the most frequent non-null value; ties go to the smallest when
    ``deterministic``, else to the first seen."""

    def __init__(self, deterministic: bool) -> None:
        self.deterministic = deterministic

    def compute(self, values: list[pa.Array], groups: np.ndarray, count: int) -> pa.Array:
        table = pa.table({"g": pa.array(groups), "v": values[0],
                          "i": pa.array(np.arange(len(groups)))}).filter(values[0].is_valid())
        counted = table.group_by(["g", "v"], use_threads=False).aggregate(
            [("i", "count"), ("i", "min")])
        tie_break = ("v", "ascending") if self.deterministic else ("i_min", "ascending")
        order = pc.sort_indices(counted, sort_keys=[("g", "ascending"),
                                                    ("i_count", "descending"), tie_break])
        g = counted.column("g").combine_chunks().to_numpy(zero_copy_only=False)
        picked, owners = _first_per_group(g, order.to_numpy(), count)
        return _placed(counted.column("v").combine_chunks().take(pa.array(picked)), owners,
                       count)


class ListAgg(Collected):
    """``listagg(x, delimiter)`` / ``string_agg``: non-null values joined, in arrival order
    (the first occurrence of each with DISTINCT); null for a group without any."""

    def __init__(self, distinct: bool, delimiter: Any) -> None:
        self.distinct, self.delimiter = distinct, delimiter

    def compute(self, values: list[pa.Array], groups: np.ndarray, count: int) -> pa.Array:
        x = values[0]
        binary = pa.types.is_binary(x.type)
        sep = self.delimiter if self.delimiter is not None else (b"" if binary else "")
        table = pa.table({"g": pa.array(groups), "v": x}).filter(x.is_valid())
        if self.distinct:
            table = table.group_by(["g", "v"], use_threads=False).aggregate([])
        owners = table.column("g").to_numpy()
        lists = _rebuild(owners, table.column("v").combine_chunks(), count)
        present = np.bincount(owners, minlength=count) > 0
        if binary:
            joined = pa.array([sep.join(v) for v in lists.to_pylist()], pa.binary())
        else:
            joined = pc.binary_join(lists, sep)
        return pc.if_else(pa.array(present), joined, pa.scalar(None, joined.type))


class _JavaRandom:
    """The linear congruential generator ``java.util.Random`` documents (Spark's histogram
    breaks ties with one, seeded 31183, so its bins can be matched exactly)."""

    _MULTIPLIER, _MASK = 0x5DEECE66D, (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self.seed = (seed ^ self._MULTIPLIER) & self._MASK

    def _next(self, bits: int) -> int:
        self.seed = (self.seed * self._MULTIPLIER + 0xB) & self._MASK
        return self.seed >> (48 - bits)

    def next_double(self) -> float:
        return ((self._next(26) << 27) + self._next(27)) * 2.0 ** -53


def streaming_histogram(values: list[float], bins: int) -> list[tuple[float, float]]:
    """Ben-Haim and Tom-Tov's streaming histogram: each value becomes a bin (or counts in
    an equal one); past ``bins`` bins, the two closest merge into their weighted centre
    (ties between equally close pairs broken at random, as Spark does).

    >>> streaming_histogram([1.0, 2.0, 10.0], 2)
    [(1.5, 2.0), (10.0, 1.0)]
    """
    import bisect

    random = _JavaRandom(31183)
    xs: list[float] = []
    ys: list[float] = []
    for v in values:  # a sequential algorithm: no array kernel applies
        i = bisect.bisect_left(xs, v)
        if i < len(xs) and xs[i] == v:
            ys[i] += 1
            continue
        xs.insert(i, v)
        ys.insert(i, 1.0)
        while len(xs) > bins:
            j = _closest_pair(xs, random)
            weight = ys[j] + ys[j + 1]
            # Spark's order of operations, so that later ties between gaps come out alike.
            centre = xs[j] * (ys[j] / weight)
            xs[j] = centre + xs[j + 1] / weight * ys[j + 1]
            ys[j] = weight
            del xs[j + 1], ys[j + 1]
    return list(zip(xs, ys))


def _closest_pair(xs: list[float], random: _JavaRandom) -> int:
    best, where, ties = xs[1] - xs[0], 0, 1
    for i in range(1, len(xs) - 1):
        gap = xs[i + 1] - xs[i]
        if gap < best:
            best, where, ties = gap, i, 1
        elif gap == best:
            ties += 1
            if random.next_double() <= 1.0 / ties:
                where = i
    return where


class HistogramNumeric(Collected):
    """``histogram_numeric(x, bins)``: the streaming histogram of each group's values as
    an array of (x, y) structs, x in the input's type."""

    def __init__(self, bins: int, result_type: pa.DataType) -> None:
        self.bins, self.result_type = bins, result_type

    def compute(self, values: list[pa.Array], groups: np.ndarray, count: int) -> pa.Array:
        x = values[0]
        valid = x.is_valid()
        numbers = pc.cast(x.filter(valid), pa.float64()).to_numpy(zero_copy_only=False)
        owners = groups[valid.to_numpy(zero_copy_only=False)]
        point = self.result_type.value_type.field(0).type
        integral = pa.types.is_integer(point)
        order = np.argsort(owners, kind="stable")  # each group's values in arrival order
        pieces = np.split(numbers[order], np.cumsum(np.bincount(owners, minlength=count))[:-1])
        out = []
        for piece in pieces:
            bins = streaming_histogram(piece.tolist(), self.bins)
            out.append([{"x": int(b[0]) if integral else b[0], "y": b[1]} for b in bins]
                       or None)
        return pa.array(out, self.result_type)


class Percentile(Collected):
    """``percentile(x, p, frequency)`` and ``median`` (interpolated between the two nearest
    ranks) or ``percentile_approx`` (the value ranked ceil(p * n), as Spark's approximation
    gives at its default accuracy on small groups); ``p`` may be a list of percentages."""

    def __init__(self, percentages: tuple, interpolate: bool, result_type: pa.DataType,
                 weighted: bool) -> None:
        self.percentages, self.is_array = percentages
        self.interpolate, self.result_type = interpolate, result_type
        self.columns = (0, 2) if weighted else (0,)

    def compute(self, values: list[pa.Array], groups: np.ndarray, count: int) -> pa.Array:
        x = values[0]
        valid = x.is_valid()
        if len(self.columns) == 2:
            valid = pc.and_(valid, pc.fill_null(pc.greater(values[1], 0), False))
        keep = np.flatnonzero(valid.to_numpy(zero_copy_only=False))
        table = pa.table({"g": pa.array(groups[keep]), "v": x.take(pa.array(keep))})
        order = pc.sort_indices(table, sort_keys=[("g", "ascending"), ("v", "ascending")])
        rows = keep[order.to_numpy()]
        if not len(rows):
            return pa.nulls(count, self.result_type)
        if len(self.columns) == 2:
            rows = np.repeat(rows, _counts(values[1].take(pa.array(rows))))
        owners = groups[rows]
        sizes = np.bincount(owners, minlength=count)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        ordered = x.take(pa.array(rows))
        picks = [self._pick(ordered, starts, sizes, p) for p in self.percentages]
        empty = pa.array(sizes == 0)
        if not self.is_array:
            return pc.if_else(empty, pa.scalar(None, self.result_type),
                              picks[0].cast(self.result_type))
        offsets = np.arange(0, count * len(picks) + 1, len(picks), dtype=np.int32)
        interleaved = pa.concat_arrays(picks).take(pa.array(
            (np.arange(count)[:, None] + np.arange(len(picks))[None, :] * count).ravel()))
        lists = pa.ListArray.from_arrays(pa.array(offsets), interleaved)
        return pc.if_else(empty, pa.scalar(None, lists.type), lists).cast(self.result_type)

    def _pick(self, ordered: pa.Array, starts: np.ndarray, sizes: np.ndarray, p: float
              ) -> pa.Array:
        last = np.maximum(sizes - 1, 0)
        if not self.interpolate:
            rank = np.clip(np.ceil(p * sizes).astype(np.int64) - 1, 0, last)
            return ordered.take(pa.array(np.minimum(starts + rank, max(len(ordered) - 1, 0))))
        numbers = _floats(ordered) if len(ordered) else np.zeros(1)
        position = p * last
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, last)
        at = lambda i: numbers[np.minimum(starts + i, len(numbers) - 1)]
        return pa.array(at(low) + (position - low) * (at(high) - at(low)))


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


def aggregate_lists(lists: pa.Array, base: Aggregator, *more: pa.Array) -> pa.Array:
    """``base`` applied to each list's values, one result per row (``more``: lists of its
    further arguments, shaped as ``lists``)."""
    rows = len(lists)
    values = pc.list_flatten(lists)
    args = [values] + [pc.list_flatten(m) for m in more]
    parents = pc.list_parent_indices(lists)
    table = pa.table({"p": parents, "v": values})
    requests = base.update(args)
    named = {f"r{i}": (col, fn, opt) for i, (col, fn, opt) in enumerate(requests)}
    for key, (col, _, _) in named.items():
        table = table.append_column(key, col)
    grouped = table.group_by(["p"], use_threads=False).aggregate(
        [(key, fn, opt) for key, (_, fn, opt) in named.items()])
    states = base.after_update([grouped.column(f"{k}_{named[k][1]}").combine_chunks()
                                for k in named], args)
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
_aggregate("first", ["any", "boolean"], _first_type, min_args=1,
           aliases=("first_value", "any_value"))
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


def _frequency_args(args: list[Expression]) -> list[Expression]:
    """``percentile(x, p)`` as ``percentile(x, p, 1)`` (Spark names it so), cast as declared."""
    from minispark.sql.builtins.registry import implicit_cast
    from minispark.sql.plan.expressions import Literal

    if len(args) == 2:
        args = args + [Literal(1, LongType())]
    call = f"percentile({', '.join(a.sql() for a in args)})"
    return [implicit_cast(a, k, i, call) for i, (a, k) in
            enumerate(zip(args, ["numeric", "any", "long"]))]


def _median_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return ArrayType(DoubleType(), False) if options and options[1] else DoubleType()


_aggregate("percentile_approx", ["any", "any", "int"], _percentile_type, min_args=2,
           aliases=("approx_percentile",), coerce_args=_percentile_args,
           options_from_args=_percentages)
_aggregate("percentile", ["numeric", "any", "long"], _median_type, min_args=2,
           coerce_args=_frequency_args, options_from_args=_percentages)
_aggregate("median", ["numeric"], DoubleType(), options_from_args=_percentages)
_aggregate("bool_and", ["boolean"], BooleanType(), aliases=("every",))
_aggregate("bool_or", ["boolean"], BooleanType(), aliases=("some", "any"))
_aggregate("try_sum", ["any"], _sum_type, coerce_args=_coerce_sum)
_aggregate("try_avg", ["any"], _avg_type, coerce_args=_numeric_input)
_aggregate("count_if", ["boolean"], LongType(), nullable=False)
for _name in ("bit_and", "bit_or", "bit_xor"):
    _aggregate(_name, ["integral"], _first_type)
for _name in ("product", "skewness", "kurtosis"):
    _aggregate(_name, ["double"], DoubleType())
for _name in ("corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_intercept",
              "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy"):
    _aggregate(_name, ["double", "double"], DoubleType())
_aggregate("regr_count", ["double", "double"], LongType(), nullable=False)


def _constant(args: list[Expression], index: int, default: Any = None) -> Any:
    """The value of the constant argument ``index`` (``default`` when not given)."""
    from minispark.sql.builtins.registry import data_type_mismatch
    from minispark.sql.plan.expressions import Literal

    if len(args) <= index:
        return default
    arg = args[index]
    while isinstance(arg, Cast) and isinstance(arg.child, Literal):
        arg = Literal(arg.child.value, arg.data_type)
    if not isinstance(arg, Literal):
        raise data_type_mismatch(arg.sql(), "NON_FOLDABLE_INPUT",
                                 f"the input `{arg.sql()}` should be a foldable expression.")
    return arg.value


def _by_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return ArrayType(arg_types[0], True) if options and options[0] is not None else arg_types[0]


def _render_mode(display: str, args: list[str], options: tuple) -> str:
    if options and options[0]:
        return f"{display}() WITHIN GROUP (ORDER BY {args[0]} DESC)"
    return f"{display}({args[0]})"


def _listagg_args(args: list[Expression]) -> list[Expression]:
    """The value as text (unless binary) and the delimiter, NULL when not given."""
    from minispark.sql.plan.expressions import Literal
    from minispark.sql.types import BinaryType, StringType

    value = args[0]
    if not isinstance(value.data_type, (StringType, BinaryType)):
        value = Cast(value, StringType(), implicit=True)
    return [value, args[1] if len(args) > 1 else Literal(None, NullType())]


_aggregate("max_by", ["any", "any", "int"], _by_type, min_args=2,
           options_from_args=lambda args: (_constant(args, 2),))
_aggregate("min_by", ["any", "any", "int"], _by_type, min_args=2,
           options_from_args=lambda args: (_constant(args, 2),))
_aggregate("mode", ["any", "boolean"], _first_type, min_args=1, render_call=_render_mode,
           options_from_args=lambda args: (bool(_constant(args, 1, False)),))
_aggregate("listagg", ["any", "any"], _first_type, min_args=1, aliases=("string_agg",),
           coerce_args=_listagg_args, options_from_args=lambda args: (_constant(args, 1),))
_aggregate("nth_value", ["any", "int", "boolean"], _first_type, min_args=2,
           options_from_args=lambda args: (bool(_constant(args, 2, False)),))
@scalar("bitmap_bucket_number", ["long"], LongType())
def bitmap_bucket_number(x: Any) -> Any:
    """The bitmap bucket (of 32768 values) holding ``x``, from 1 for positive values."""
    bits = BITMAP_BYTES * 8
    positive = pc.add(pc.divide(pc.subtract(x, 1), bits), 1)
    return pc.if_else(pc.greater(x, 0), positive, pc.divide(x, bits))


@scalar("bitmap_bit_position", ["long"], LongType())
def bitmap_bit_position(x: Any) -> Any:
    """The position of ``x`` in its bitmap bucket, from 0."""
    bits = BITMAP_BYTES * 8
    offset = pc.if_else(pc.greater(x, 0), pc.subtract(x, 1), pc.negate(x))
    return pc.subtract(offset, pc.multiply(pc.divide(offset, bits), bits))


@scalar("bitmap_count", ["binary"], LongType())
def bitmap_count(bitmap: Any) -> Any:
    """The number of bits set in a bitmap."""
    def ones(value: bytes | None) -> int | None:
        return None if value is None else int.from_bytes(value, "big").bit_count()

    if isinstance(bitmap, pa.Scalar):
        return pa.scalar(ones(bitmap.as_py()), pa.int64())
    return pa.array([ones(v) for v in bitmap.to_pylist()], pa.int64())


_aggregate("bitmap_construct_agg", ["long"], BinaryType(), nullable=False)
_aggregate("bitmap_or_agg", ["binary"], BinaryType(), nullable=False)
_aggregate("bitmap_and_agg", ["binary"], BinaryType(), nullable=False)
def _histogram_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    from minispark.sql.types import StructField, StructType

    return ArrayType(StructType([StructField("x", arg_types[0], True),
                                 StructField("y", DoubleType(), True)]), True)


_aggregate("histogram_numeric", ["numeric", "int"], _histogram_type,
           options_from_args=lambda args: (_constant(args, 1),))
_aggregate("collect_union", ["array"], _first_type, nullable=False)
_aggregate("vector_sum", ["array"], _first_type)
_aggregate("vector_avg", ["array"], _first_type)
# Only meaningful with rollup, cube or grouping sets, which read them from the grouping id.
_aggregate("grouping", ["any"], ByteType(), nullable=False)
_aggregate("grouping_id", ["any"], LongType(), nullable=False, min_args=0, max_args=None)
for _kind, _names in (("var_samp", ("variance",)), ("var_pop", ()),
                      ("stddev_samp", ("stddev", "std")), ("stddev_pop", ())):
    _aggregate(_kind, ["double"], DoubleType(), aliases=_names)


def make_aggregator(name: str, arg_types: Sequence[DataType], result_type: DataType,
                    distinct: bool, options: tuple) -> Aggregator:
    """The aggregator computing the registered aggregate ``name`` (canonical name)."""
    if name == "approx_count_distinct":
        name, distinct = "count", True
    base = _base_aggregator(name, arg_types, result_type, options, distinct)
    if distinct and name not in ("min", "max", "collect_set", "bool_and", "bool_or",
                                 "listagg", "bit_and", "bit_or", "mode"):
        return Distinct(base)
    return base


def _base_aggregator(name: str, arg_types: Sequence[DataType], result_type: DataType,
                     options: tuple, distinct: bool = False) -> Aggregator:
    if name == "count":
        return Count()
    if name == "sum":
        arrow_type = to_arrow_type(result_type)
        return CheckedSum(arrow_type) if pa.types.is_integer(arrow_type) else Sum(arrow_type)
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
        return Percentile(options, name != "percentile_approx", to_arrow_type(result_type),
                          weighted=name == "percentile")
    return _more_aggregator(name, result_type, distinct, options)


def _more_aggregator(name: str, result_type: DataType, distinct: bool, options: tuple
                     ) -> Aggregator:
    if name in ("try_sum", "try_avg"):
        arrow_type = to_arrow_type(result_type)
        return TrySum(arrow_type) if name == "try_sum" else Average(
            arrow_type if pa.types.is_decimal(arrow_type) else None, overflow_null=True)
    if name == "count_if":
        return CountIf()
    if name in UfuncReduce._UFUNCS:
        return UfuncReduce(name)
    if name in ("skewness", "kurtosis"):
        return CentralMoments(name)
    if name.startswith(("corr", "covar_", "regr_")):
        return CoMoments(name)
    if name in ("max_by", "min_by"):
        return MaxBy(name == "max_by", options[0])
    if name == "mode":
        return Mode(options[0])
    if name == "listagg":
        return ListAgg(distinct, options[0])
    if name == "histogram_numeric":
        return HistogramNumeric(options[0], to_arrow_type(result_type))
    if name == "collect_union":
        return CollectUnion()
    if name.startswith("bitmap_"):
        return BitmapAggregate(name)
    if name in ("vector_sum", "vector_avg"):
        return VectorAggregate(name == "vector_avg", to_arrow_type(result_type))
    if name in ("grouping", "grouping_id"):
        from minispark.errors import AnalysisException

        raise AnalysisException(
            "UNSUPPORTED_GROUPING_EXPRESSION", "grouping()/grouping_id() can only be used with "
            "GroupingSets/Cube/Rollup.", {}, "42K0E")
    raise NotImplementedError(f"aggregate function {name}")
