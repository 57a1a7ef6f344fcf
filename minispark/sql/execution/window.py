"""The window operator: rows hash-partitioned by the window's PARTITION BY, each
partition sorted by (partition keys, order keys), then every window function
computed for all rows at once with numpy over the boundaries of partitions,
peer groups (equal order keys) and frames.

Frames of rows with constant offsets and RANGE frames from the partition start
to the current row's peers use prefix sums; other frames (min/max over sliding
rows, collect_list...) fall back to one small aggregation per row.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.builtins.aggregates import aggregate_lists, make_aggregator
from minispark.sql.execution.evaluator import compile_expression, conform
from minispark.sql.execution.physical import (
    BATCH_ROWS, ExecutionContext, SparkPlan, concat_batches, slices,
)
from minispark.sql.execution.sort import Sorter
from minispark.sql.plan import expressions as E
from minispark.sql.plan.logical import describe
from minispark.sql.types import to_arrow_type


class _Bounds:
    """Per-row partition and peer-group boundaries of a sorted batch."""

    def __init__(self, partition_keys: list[pa.Array], order_keys: list[pa.Array],
                 rows: int, ascending: Sequence[bool] = ()) -> None:
        index = np.arange(rows)
        self.order_keys, self.ascending = order_keys, list(ascending)
        part_change = _changes(partition_keys, rows)
        self.part_change = part_change
        peer_change = part_change | _changes(order_keys, rows)
        self.part_start = np.maximum.accumulate(np.where(part_change, index, 0))
        self.part_end = _ends(part_change, rows)
        self.peer_start = np.maximum.accumulate(np.where(peer_change, index, 0))
        self.peer_end = _ends(peer_change, rows)
        self.peer_change = peer_change
        self.index = index


def _changes(keys: list[pa.Array], rows: int) -> np.ndarray:
    """True where a row's keys differ from the previous row's (and at row 0)."""
    change = np.zeros(rows, dtype=bool)
    if rows:
        change[0] = True
    for key in keys:
        if rows < 2:
            break
        a, b = key.slice(1), key.slice(0, rows - 1)
        different = pc.fill_null(pc.not_equal(a, b), True)
        both_null = pc.and_(a.is_null(), b.is_null())
        step = pc.and_(different, pc.invert(both_null)).to_numpy(zero_copy_only=False)
        if pa.types.is_floating(key.type):
            nan = pc.and_(pc.fill_null(pc.is_nan(a), False),
                          pc.fill_null(pc.is_nan(b), False)).to_numpy(zero_copy_only=False)
            step &= ~nan
        change[1:] |= step
    return change


def _ends(change: np.ndarray, rows: int) -> np.ndarray:
    """For each row, the exclusive end of its group (groups start where ``change``)."""
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], rows)
    group = np.cumsum(change) - 1
    return ends[group] if rows else np.zeros(0, np.int64)


class WindowExec(SparkPlan):
    """Appends the values of ``window_expressions`` (aliased) to each row."""

    def __init__(self, window_expressions: Sequence[E.Alias], partition: Sequence[E.Expression],
                 order: Sequence[E.SortOrder], child: SparkPlan) -> None:
        self.window_expressions = list(window_expressions)
        self.partition = list(partition)
        self.order = list(order)
        self.children = (child,)

    @property
    def output(self) -> list[E.AttributeReference]:
        return self.children[0].output + [e.to_attribute() for e in self.window_expressions]

    def execute(self, ctx: ExecutionContext) -> Any:
        child = self.children[0]
        step = _WindowStep(self, child.output, ctx)
        return child.execute(ctx).mapPartitions(step)

    def argument_string(self) -> str:
        exprs = ", ".join(describe(e) for e in self.window_expressions)
        return (f"[{exprs}], [{', '.join(describe(p) for p in self.partition)}], "
                f"[{', '.join(describe(o) for o in self.order)}]")


class _WindowStep:
    """One partition's rows to rows plus window values (picklable for the stage)."""

    def __init__(self, node: WindowExec, inputs: Sequence[E.AttributeReference],
                 ctx: ExecutionContext) -> None:
        sort_keys = [E.SortOrder(p, True, True) for p in node.partition] + list(node.order)
        self.sorter = Sorter(sort_keys, inputs, ctx.settings)
        self.partition_keys = [compile_expression(p, inputs, ctx.settings)
                               for p in node.partition]
        self.partition_types = [to_arrow_type(p.data_type) for p in node.partition]
        self.order_keys = [compile_expression(o.child, inputs, ctx.settings)
                           for o in node.order]
        self.order_types = [to_arrow_type(o.child.data_type) for o in node.order]
        self.ascending = [o.ascending for o in node.order]
        self.functions = [_compile_function(e.child, inputs, ctx) for e in node.window_expressions]
        self.input_schema = node.children[0].schema()
        self.schema = node.schema()

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        data = concat_batches(list(batches), self.input_schema)
        rows = data.num_rows
        if rows == 0:
            return
        data = data.take(self.sorter.indices(data))
        bounds = _Bounds(
            [conform(k(data), t, rows) for k, t in zip(self.partition_keys, self.partition_types)],
            [conform(k(data), t, rows) for k, t in zip(self.order_keys, self.order_types)], rows,
            self.ascending)
        columns = list(data.columns) + [f(data, bounds) for f in self.functions]
        out = pa.RecordBatch.from_arrays(
            [c if c.type == f.type else c.cast(f.type) for c, f in zip(columns, self.schema)],
            schema=self.schema)
        yield from slices(out, BATCH_ROWS)


def _compile_function(window: E.WindowExpression, inputs: Sequence[E.AttributeReference],
                      ctx: ExecutionContext) -> Any:
    function = window.function
    arrow_type = to_arrow_type(window.data_type)
    args = [compile_expression(a, inputs, ctx.settings) for a in function.children]
    arg_types = [to_arrow_type(a.data_type) for a in function.children]
    if isinstance(function, E.WindowFunction):
        return _RankingFunction(function.spec.name, function.options, args, arg_types,
                                arrow_type)
    if function.spec.name == "nth_value":
        return _NthValue(function.spec.name, False, None, args, arg_types, window.frame,
                         arrow_type, function.children[1].value,  # type: ignore[attr-defined]
                         bool(function.options and function.options[0]))
    aggregator = make_aggregator(function.spec.name, [a.data_type for a in function.children],
                                 function.data_type, function.distinct, function.options)
    return _FramedAggregate(function.spec.name, function.distinct, aggregator, args, arg_types,
                            window.frame, arrow_type)


class _RankingFunction:
    def __init__(self, name: str, options: tuple, args: list, arg_types: list,
                 arrow_type: pa.DataType) -> None:
        self.name, self.options, self.args = name, options, args
        self.arg_types, self.arrow_type = arg_types, arrow_type

    def __call__(self, data: pa.RecordBatch, b: _Bounds) -> pa.Array:
        position = b.index - b.part_start
        size = b.part_end - b.part_start
        name = self.name
        if name == "row_number":
            return pa.array(position + 1, pa.int32())
        if name == "rank":
            return pa.array(b.peer_start - b.part_start + 1, pa.int32())
        if name == "dense_rank":
            groups = np.cumsum(b.peer_change)
            return pa.array(groups - groups[b.part_start] + 1, pa.int32())
        if name == "percent_rank":
            rank = (b.peer_start - b.part_start).astype(np.float64)
            return pa.array(np.where(size > 1, rank / np.maximum(size - 1, 1), 0.0))
        if name == "cume_dist":
            return pa.array((b.peer_end - b.part_start) / size)
        if name == "ntile":
            return pa.array(_ntile(position, size, self.options[0]), pa.int32())
        return self._offset(data, b)

    def _offset(self, data: pa.RecordBatch, b: _Bounds) -> pa.Array:
        rows = data.num_rows
        values = conform(self.args[0](data), self.arg_types[0], rows)
        default = conform(self.args[2](data), self.arg_types[0], rows)
        shift = self.options[0] if self.name == "lead" else -self.options[0]
        target = b.index + shift
        inside = (target >= b.part_start) & (target < b.part_end)
        picked = values.take(pa.array(np.where(inside, target, 0)))
        return pc.if_else(pa.array(inside), picked, default)


def _ntile(position: np.ndarray, size: np.ndarray, buckets: int) -> np.ndarray:
    """Spark's NTILE: the first ``size % buckets`` buckets have one row more."""
    per = size // buckets
    extra = size % buckets
    big = extra * (per + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        small_bucket = extra + (position - big) // np.maximum(per, 1)
    return np.where(position < big, position // (per + 1), small_bucket) + 1


def _value_range(b: _Bounds, frame: E.WindowFrame) -> tuple[np.ndarray, np.ndarray]:
    """RANGE frames with value offsets: the rows whose (single, numeric or date) order key
    lies within [key + lower, key + upper] of the current row's; null keys frame the
    partition's null rows."""
    if len(b.order_keys) != 1:
        from minispark.errors import AnalysisException

        raise AnalysisException(
            "DATATYPE_MISMATCH.RANGE_FRAME_MULTI_ORDER", "A range window frame with value "
            "boundaries cannot be used in a window specification with multiple order by "
            "expressions.", {}, "42K09")
    key = b.order_keys[0]
    if pa.types.is_date(key.type):
        key = key.cast(pa.int32())
    valid = key.is_valid().to_numpy(zero_copy_only=False)
    values = key.fill_null(0).to_numpy(zero_copy_only=False)
    values = values.astype(np.float64 if values.dtype.kind == "f" else np.int64)
    if b.ascending and not b.ascending[0]:
        values = -values  # offsets run against the descending order
    segment = b.part_change | np.r_[True, valid[1:] != valid[:-1]] if len(valid) else \
        b.part_change
    seg_start = np.maximum.accumulate(np.where(segment, b.index, 0))
    seg_end = _ends(segment, len(valid))
    lo = b.part_start if frame.lower == E.UNBOUNDED_PRECEDING else np.where(
        valid, _first_at_least(values, values + frame.lower, seg_start, seg_end, False),
        seg_start)
    hi = b.part_end if frame.upper == E.UNBOUNDED_FOLLOWING else np.where(
        valid, _first_at_least(values, values + frame.upper, seg_start, seg_end, True), seg_end)
    return lo, np.maximum(hi, lo)


def _first_at_least(values: np.ndarray, targets: np.ndarray, start: np.ndarray,
                    end: np.ndarray, strictly: bool) -> np.ndarray:
    """Per row, the first position in [start, end) (sorted ascending there) whose value is
    >= its target (> with ``strictly``): a binary search run for all rows at once."""
    low, high = start.copy(), end.copy()
    for _ in range(int(np.max(end - start, initial=0)).bit_length() + 1):
        active = low < high
        if not active.any():
            break
        mid = (low + high) // 2
        at = values[np.minimum(mid, len(values) - 1)]
        below = (at <= targets) if strictly else (at < targets)
        low = np.where(active & below, mid + 1, low)
        high = np.where(active & ~below, mid, high)
    return low


class _FramedAggregate:
    """An aggregate function over each row's frame."""

    _PREFIX = ("count", "sum", "avg")

    def __init__(self, name: str, distinct: bool, aggregator: Any, args: list, arg_types: list,
                 frame: E.WindowFrame, arrow_type: pa.DataType) -> None:
        self.name, self.distinct, self.aggregator = name, distinct, aggregator
        self.args, self.arg_types = args, arg_types
        self.frame, self.arrow_type = frame, arrow_type

    def _frame(self, b: _Bounds) -> tuple[np.ndarray, np.ndarray]:
        frame = self.frame
        if frame.kind == "range":
            if frame.lower not in (E.UNBOUNDED_PRECEDING, 0) or (
                    frame.upper not in (0, E.UNBOUNDED_FOLLOWING)):
                return _value_range(b, frame)
            lo = b.part_start if frame.lower == E.UNBOUNDED_PRECEDING else b.peer_start
            hi = b.part_end if frame.upper == E.UNBOUNDED_FOLLOWING else b.peer_end
            return lo, hi
        lo = b.part_start if frame.lower == E.UNBOUNDED_PRECEDING else np.clip(
            b.index + frame.lower, b.part_start, b.part_end)
        hi = b.part_end if frame.upper == E.UNBOUNDED_FOLLOWING else np.clip(
            b.index + frame.upper + 1, b.part_start, b.part_end)
        return lo, np.maximum(hi, lo)

    def __call__(self, data: pa.RecordBatch, b: _Bounds) -> pa.Array:
        rows = data.num_rows
        args = [conform(f(data), t, rows) for f, t in zip(self.args, self.arg_types)]
        lo, hi = self._frame(b)
        if self.name in self._PREFIX and not self.distinct and len(args) == 1:
            return self._prefix(args[0], lo, hi)
        return self._per_row(args, lo, hi)

    def _prefix(self, values: pa.Array, lo: np.ndarray, hi: np.ndarray) -> pa.Array:
        valid = values.is_valid().to_numpy(zero_copy_only=False).astype(np.int64)
        counts = np.concatenate([[0], np.cumsum(valid)])
        n = counts[hi] - counts[lo]
        if self.name == "count":
            return pa.array(n, pa.int64())
        if pa.types.is_decimal(values.type):
            return self._per_row([values], lo, hi)
        numbers = values.fill_null(0).to_numpy(zero_copy_only=False)
        kind = np.float64 if self.name == "avg" or numbers.dtype.kind == "f" else np.int64
        sums = np.concatenate([[0], np.cumsum(numbers.astype(kind))])
        total = sums[hi] - sums[lo]
        if self.name == "avg":
            total = total / np.maximum(n, 1)
        return pa.array(total, mask=n == 0).cast(self.arrow_type)

    def _per_row(self, args: list[pa.Array], lo: np.ndarray, hi: np.ndarray) -> pa.Array:
        """Each row's frame as a list, aggregated by the function's own aggregator."""
        lengths = hi - lo
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        positions = np.repeat(lo, lengths) + (np.arange(offsets[-1]) - np.repeat(offsets[:-1],
                                                                                 lengths))
        taken = pa.array(positions)
        lists = [pa.ListArray.from_arrays(pa.array(offsets), a.take(taken)) for a in args]
        result = aggregate_lists(lists[0], self.aggregator, *lists[1:])
        if self.name in ("collect_list", "collect_set") and result.null_count:
            result = pc.if_else(result.is_valid(), result, pa.scalar([], result.type))
        return result if result.type == self.arrow_type else result.cast(self.arrow_type)


class _NthValue(_FramedAggregate):
    """``nth_value(x, n)``: the n-th row's x of each row's frame (of its non-null
    values with ``ignoreNulls``), null when the frame is shorter."""

    def __init__(self, name: str, distinct: bool, aggregator: Any, args: list,
                 arg_types: list, frame: E.WindowFrame, arrow_type: pa.DataType, offset: int,
                 ignore_nulls: bool) -> None:
        super().__init__(name, distinct, aggregator, args, arg_types, frame, arrow_type)
        self.offset, self.ignore_nulls = offset, ignore_nulls

    def __call__(self, data: pa.RecordBatch, b: _Bounds) -> pa.Array:
        values = conform(self.args[0](data), self.arg_types[0], data.num_rows)
        lo, hi = self._frame(b)
        if self.ignore_nulls:
            valid = values.is_valid().to_numpy(zero_copy_only=False)
            positions = np.flatnonzero(valid)
            before = np.concatenate([[0], np.cumsum(valid)])[lo]
            wanted = before + self.offset - 1
            padded = np.append(positions, len(valid))  # past the end: no such row
            target = np.where(wanted < len(positions),
                              padded[np.minimum(wanted, len(positions))], hi)
        else:
            target = lo + self.offset - 1
        found = target < hi
        picked = values.take(pa.array(np.where(found, target, 0)))
        return pc.if_else(pa.array(found), picked, pa.scalar(None, values.type))
