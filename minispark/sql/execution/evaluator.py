"""Expressions compiled once per plan into functions of one Arrow record batch.

``compile_expression(expr, inputs)`` binds each attribute to its column
position in the input batches and returns ``f(batch) -> array or scalar``;
the work per batch is a handful of ``pyarrow.compute`` calls, never a Python
loop over rows (except for the few functions that have no Arrow kernel).

>>> import pyarrow as pa
>>> from minispark.sql.plan.expressions import Add, AttributeReference, Literal
>>> from minispark.sql.types import LongType
>>> x = AttributeReference("x", LongType())
>>> f = compile_expression(Add(x, Literal(1, LongType())), [x])
>>> f(pa.record_batch({"x": [1, 2, None]})).to_pylist()
[2, 3, None]
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.execution import kernels
from minispark.sql.execution.cast import cast
from minispark.sql.execution.kernels import to_array
from minispark.sql.plan import expressions as E
from minispark.sql.types import (
    DataType, DateType, DecimalType, NullType, TimestampNTZType, TimestampType, to_arrow_type,
)

Compiled = Callable[[pa.RecordBatch], Any]


@dataclass(frozen=True)
class EvalSettings:
    """Session settings expressions read while they run."""

    timezone: str = "UTC"


DEFAULT = EvalSettings()


class _Compiler:
    def __init__(self, inputs: Sequence[E.AttributeReference], settings: EvalSettings) -> None:
        self.positions = {a.expr_id: i for i, a in enumerate(inputs)}
        self.inputs = list(inputs)
        self.settings = settings

    def compile(self, expr: E.Expression) -> Compiled:
        for kind in type(expr).__mro__:
            handler = _HANDLERS.get(kind)
            if handler is not None:
                return handler(self, expr)
        raise NotImplementedError(f"cannot evaluate {type(expr).__name__}: {expr.sql()}")


def compile_expression(expr: E.Expression, inputs: Sequence[E.AttributeReference],
                       settings: EvalSettings = DEFAULT) -> Compiled:
    """``f(batch)``: the value of ``expr`` over one batch whose columns are ``inputs``."""
    return _Compiler(inputs, settings).compile(expr)


def compile_projection(exprs: Sequence[E.Expression], inputs: Sequence[E.AttributeReference],
                       settings: EvalSettings = DEFAULT
                       ) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """``f(batch)``: a batch with one column per expression (named after its attribute)."""
    compiler = _Compiler(inputs, settings)
    names = [getattr(e, "name", e.sql()) for e in exprs]
    types = [to_arrow_type(e.data_type) for e in exprs]
    parts = [_direct_column(compiler, e) for e in exprs]
    funcs = [compiler.compile(e) if p is None else None for e, p in zip(exprs, parts)]
    schema = pa.schema([pa.field(n, t) for n, t in zip(names, types)])

    def project(batch: pa.RecordBatch) -> pa.RecordBatch:
        n = batch.num_rows
        arrays = []
        for position, func, arrow_type in zip(parts, funcs, types):
            value = batch.column(position) if func is None else func(batch)
            arrays.append(conform(value, arrow_type, n))
        if not arrays:
            return batch.select([])
        return pa.RecordBatch.from_arrays(arrays, schema=schema)
    return project


def _direct_column(compiler: _Compiler, expr: E.Expression) -> int | None:
    """The input position when the expression only passes a column through."""
    inner = expr.child if isinstance(expr, E.Alias) else expr
    if isinstance(inner, E.AttributeReference):
        return compiler.positions.get(inner.expr_id)
    return None


def conform(value: Any, arrow_type: pa.DataType, length: int) -> pa.Array:
    """``value`` as an array of ``length`` rows of exactly ``arrow_type``."""
    array = to_array(value, length)
    if isinstance(array.type, pa.DictionaryType) and not isinstance(arrow_type,
                                                                    pa.DictionaryType):
        array = array.dictionary_decode()
    if array.type != arrow_type:
        array = array.cast(arrow_type)
    return array


def compile_filter(condition: E.Expression, inputs: Sequence[E.AttributeReference],
                   settings: EvalSettings = DEFAULT
                   ) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """``f(batch)``: the rows of the batch where ``condition`` is true."""
    predicate = compile_expression(condition, inputs, settings)

    def keep(batch: pa.RecordBatch) -> pa.RecordBatch:
        mask = predicate(batch)
        if isinstance(mask, pa.Scalar):
            return batch if mask.as_py() else batch.slice(0, 0)
        return batch.filter(mask, null_selection_behavior="drop")
    return keep


def evaluate_constant(expr: E.Expression, settings: EvalSettings = DEFAULT) -> E.Literal:
    """A foldable expression computed once, as a literal (constant folding)."""
    one_row = pa.record_batch({"_": pa.nulls(1)}).select([])
    value = compile_expression(expr, [], settings)(one_row)
    array = conform(value, to_arrow_type(expr.data_type), 1)
    return E.Literal(array[0].as_py(), expr.data_type)


# ---- handlers ---------------------------------------------------------------------------------


def _literal(c: _Compiler, e: E.Literal) -> Compiled:
    scalar = literal_scalar(e.value, e.data_type, c.settings.timezone)
    return lambda batch: scalar


def literal_scalar(value: Any, data_type: DataType, tz: str) -> pa.Scalar:
    """The Arrow scalar of a literal (a naive timestamp is wall-clock time in ``tz``)."""
    if isinstance(data_type, NullType):
        return pa.scalar(None, pa.null())
    arrow_type = to_arrow_type(data_type)
    if isinstance(data_type, TimestampType) and isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            from zoneinfo import ZoneInfo

            value = value.replace(tzinfo=ZoneInfo(tz))
        value = value.astimezone(datetime.timezone.utc)
    if isinstance(data_type, DateType) and isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(data_type, TimestampNTZType) and isinstance(value, datetime.datetime):
        value = value.replace(tzinfo=None)
    return pa.scalar(value, arrow_type)


def _attribute(c: _Compiler, e: E.AttributeReference) -> Compiled:
    position = c.positions.get(e.expr_id)
    if position is None:
        names = ", ".join(f"{a.name}#{a.expr_id}" for a in c.inputs)
        raise RuntimeError(f"internal error: {e.name}#{e.expr_id} is not among the input "
                           f"columns [{names}]")

    def column(batch: pa.RecordBatch) -> Any:
        value = batch.column(position)
        if isinstance(value.type, pa.DictionaryType):
            return value.dictionary_decode()
        return value
    return column


def _alias(c: _Compiler, e: E.Alias) -> Compiled:
    return c.compile(e.child)


def _binary(kernel: Callable[[Any, Any], Any]) -> Callable[[_Compiler, Any], Compiled]:
    def build(c: _Compiler, e: E.BinaryExpression) -> Compiled:
        left, right = c.compile(e.left), c.compile(e.right)
        return lambda batch: kernel(left(batch), right(batch))
    return build


def _arithmetic(kernel: Callable[[Any, Any], Any]) -> Callable[[_Compiler, Any], Compiled]:
    def build(c: _Compiler, e: E.BinaryArithmetic) -> Compiled:
        left, right = c.compile(e.left), c.compile(e.right)
        if not isinstance(e.data_type, DecimalType):
            return lambda batch: kernel(left(batch), right(batch))
        target = to_arrow_type(e.data_type)
        if isinstance(e, E.Divide):
            return lambda batch: kernels.decimal_divide(left(batch), right(batch), target)

        def decimal(batch: pa.RecordBatch) -> Any:
            value = kernel(*_decimal_operands(left(batch), right(batch)))
            return _to_decimal(value, target)
        return decimal
    return build


def _decimal_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """``a`` and ``b`` as 256-bit decimals when Arrow's exact result type for them would
    exceed 38 digits (``decimal(38,6) * decimal(16,2)``); the result is rounded back to
    the Spark result type afterwards."""
    if not (pa.types.is_decimal(a.type) and pa.types.is_decimal(b.type)) or \
            a.type.precision + b.type.precision + 1 <= 38:
        return a, b
    return (pc.cast(a, pa.decimal256(a.type.precision, a.type.scale)),
            pc.cast(b, pa.decimal256(b.type.precision, b.type.scale)))


def _to_decimal(value: Any, target: pa.DataType) -> Any:
    if value.type == target:
        return value
    if pa.types.is_decimal(value.type) and value.type.scale > target.scale:
        value = pc.round(value, target.scale, round_mode="half_towards_infinity")
    try:
        return pc.cast(value, target)
    except pa.ArrowInvalid:
        from minispark.sql.execution import ansi

        raise ansi.arithmetic_overflow() from None


def _unary(kernel: Callable[[Any], Any]) -> Callable[[_Compiler, Any], Compiled]:
    def build(c: _Compiler, e: E.UnaryExpression) -> Compiled:
        child = c.compile(e.child)
        return lambda batch: kernel(child(batch))
    return build


def _in(c: _Compiler, e: E.In) -> Compiled:
    value = c.compile(e.value)
    arrow_type = to_arrow_type(e.value.data_type)
    if all(isinstance(v, E.Literal) for v in e.values):
        candidates = pa.array([v.value for v in e.values], arrow_type)
        return lambda batch: kernels.is_in(value(batch), candidates)
    others = [c.compile(v) for v in e.values]

    def any_equal(batch: pa.RecordBatch) -> Any:
        v = value(batch)
        result = pa.scalar(False)
        for other in others:
            result = pc.or_kleene(result, kernels.equal(v, other(batch)))
        return result
    return any_equal


def _like(c: _Compiler, e: E.Like) -> Compiled:
    child = c.compile(e.left)
    if not isinstance(e.right, E.Literal):
        pattern = c.compile(e.right)
        from minispark.sql.builtins.support import rowwise

        import re

        def dynamic(batch: pa.RecordBatch) -> Any:
            return rowwise(lambda s, p: re.fullmatch(like_regex(p, e.escape), s, re.S | (
                re.I if e.case_insensitive else 0)) is not None, pa.bool_(), child(batch),
                pattern(batch))
        return dynamic
    if e.right.value is None:
        return lambda batch: pa.scalar(None, pa.bool_())
    text = e.right.value
    return lambda batch: kernels.like(child(batch), text, e.escape, e.case_insensitive)


def like_regex(pattern: str, escape: str = "\\") -> str:
    """A LIKE pattern as a Python regular expression."""
    import re

    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return "".join(out)


def _rlike(c: _Compiler, e: E.RLike) -> Compiled:
    child = c.compile(e.left)
    if isinstance(e.right, E.Literal):
        regex = e.right.value
        if regex is None:
            return lambda batch: pa.scalar(None, pa.bool_())
        return lambda batch: pc.match_substring_regex(child(batch), regex)
    pattern = c.compile(e.right)
    from minispark.sql.builtins.support import rowwise

    import re

    return lambda batch: rowwise(lambda s, p: re.search(p, s) is not None, pa.bool_(),
                                 child(batch), pattern(batch))


def _case_when(c: _Compiler, e: E.CaseWhen) -> Compiled:
    branches = [(c.compile(cond), c.compile(value)) for cond, value in e.branches]
    arrow_type = to_arrow_type(e.data_type)
    otherwise = c.compile(e.else_value) if e.has_else else (
        lambda batch: pa.scalar(None, arrow_type))
    return _choose(branches, otherwise, arrow_type)


def _choose(branches: list[tuple[Compiled, Compiled]], otherwise: Compiled,
            arrow_type: pa.DataType) -> Compiled:
    """The value of the first branch whose condition holds, else ``otherwise`` (CASE, if)."""
    def evaluate(batch: pa.RecordBatch) -> Any:
        # Each branch's value is computed over the rows that take it only, as Spark does
        # row by row: ``CASE WHEN x = 0 THEN 0 ELSE 1 / x END`` never divides by zero.
        taken: list[tuple[Any, Compiled]] = []
        undecided: Any = True
        for cond, value in branches:
            mask = pc.fill_null(cond(batch), False)
            picks = pc.and_(undecided, mask)
            if _some(picks):
                taken.append((picks, value))
            undecided = pc.and_(undecided, pc.invert(mask))
            if not _some(undecided):
                break
        if _some(undecided):
            taken.append((undecided, otherwise))
        if len(taken) == 1 and _every(taken[0][0]):
            return _typed(taken[0][1](batch), arrow_type)
        result: Any = pa.nulls(batch.num_rows, arrow_type)
        for picks, value in taken:
            result = _fill_taken(result, picks, value, batch, arrow_type)
        return result
    return evaluate


def _fill_taken(result: pa.Array, picks: Any, value: Compiled, batch: pa.RecordBatch,
                arrow_type: pa.DataType) -> pa.Array:
    """``result`` with the rows ``picks`` selects set to ``value`` computed on those rows."""
    if _every(picks):
        return _typed(value(batch), arrow_type)
    chosen = _typed(value(batch.filter(picks)), arrow_type)
    if isinstance(chosen, pa.Scalar):
        return pc.if_else(picks, chosen, result)
    try:
        return pc.replace_with_mask(result, picks, chosen)
    except pa.ArrowNotImplementedError:  # a type without the kernel: gather by position
        before = pc.subtract(pc.cumulative_sum(pc.cast(picks, pa.int64())), 1)
        return pc.if_else(picks, chosen.take(pc.max_element_wise(before, 0)), result)


def _every(mask: Any) -> bool:
    """Whether a boolean array (or scalar) is true everywhere."""
    return _truth(mask, pc.all)


def _some(mask: Any) -> bool:
    """Whether a boolean array (or scalar) has a true value."""
    return _truth(mask, pc.any)


def _truth(mask: Any, reduce: Callable[[Any], Any]) -> bool:
    if isinstance(mask, bool):
        return mask
    if isinstance(mask, pa.Scalar):
        return bool(mask.as_py())
    return bool(reduce(mask).as_py())


def _typed(value: Any, arrow_type: pa.DataType) -> Any:
    if value.type == arrow_type:
        return value
    return value.cast(arrow_type)


def _cast(c: _Compiler, e: E.Cast) -> Compiled:
    child = c.compile(e.child)
    source, target, try_ = e.child.data_type, e.to, e.try_
    tz = c.settings.timezone
    if isinstance(target, DecimalType) and isinstance(source, DecimalType):
        arrow_target = to_arrow_type(target)
        return lambda batch: _to_decimal(child(batch), arrow_target)
    return lambda batch: cast(child(batch), source, target, try_, tz)


def _scalar_function(c: _Compiler, e: E.ScalarFunction) -> Compiled:
    args = [c.compile(a) for a in e.children]
    if e.spec.name == "if":  # like CASE: each branch only for the rows that take it
        return _choose([(args[0], args[1])], args[2], to_arrow_type(e.data_type))
    kernel, options = e.spec.kernel, e.options
    if getattr(e.spec, "takes_batch", False):
        return lambda batch: kernel(batch)
    if e.spec.timezone:
        tz = c.settings.timezone
        return lambda batch: kernel(*[a(batch) for a in args], *options, tz=tz)
    return lambda batch: kernel(*[a(batch) for a in args], *options)


class _TaskState:
    """Per-task state of a compiled expression (an RNG, a row counter), rebuilt per task."""

    def __init__(self, factory: Callable[[int], Any]) -> None:
        self.factory = factory
        self.key: Any = None
        self.value: Any = None

    def get(self) -> Any:
        from minispark.taskcontext import TaskContext

        task = TaskContext.get()
        key = (task.stageId(), task.partitionId(), task.attemptNumber()) if task else None
        if key != self.key or self.value is None:
            self.key = key
            self.value = self.factory(task.partitionId() if task else 0)
        return self.value


def _partition_dependent(c: _Compiler, e: E.PartitionDependent) -> Compiled:
    import numpy as np

    kind, seed = e.kind, e.seed if e.seed is not None else 0
    if kind in ("rand", "randn"):
        from minispark.sql.builtins.spark_random import XORShiftRandom

        # Spark's generator, seeded per partition as Spark seeds it: the same values.
        state = _TaskState(lambda partition: XORShiftRandom(seed + partition))

        def random(batch: pa.RecordBatch) -> Any:
            rng = state.get()
            n = batch.num_rows
            return pa.array(rng.doubles(n) if kind == "rand" else rng.standard_normal(n))
        return random
    if kind == "spark_partition_id":
        return lambda batch: pa.scalar(_TaskState(lambda p: p).get(), pa.int32())
    counter = _TaskState(lambda partition: [partition << 33])

    def row_ids(batch: pa.RecordBatch) -> Any:
        start = counter.get()
        ids = np.arange(start[0], start[0] + batch.num_rows, dtype=np.int64)
        start[0] += batch.num_rows
        return pa.array(ids)
    return row_ids


def _python_udf(c: _Compiler, e: E.PythonUDF) -> Compiled:
    from minispark.sql.udf import evaluate_udf

    args = [c.compile(a) for a in e.children]
    types = [to_arrow_type(a.data_type) for a in e.children]

    def call(batch: pa.RecordBatch) -> Any:
        n = batch.num_rows
        return evaluate_udf(e, [conform(a(batch), t, n) for a, t in zip(args, types)], n)
    return call


def _struct_field(c: _Compiler, e: E.GetStructField) -> Compiled:
    child = c.compile(e.child)
    struct = e.child.data_type
    index = next(i for i, f in enumerate(struct.fields) if f.name == e.field or
                 f.name.lower() == e.field.lower())

    def extract(batch: pa.RecordBatch) -> Any:
        value = child(batch)
        if isinstance(value, pa.Scalar):
            return value[index] if value.is_valid else pa.scalar(
                None, value.type.field(index).type)
        field = pc.struct_field(value, [index])
        return field if not value.null_count else pc.if_else(value.is_valid(), field,
                                                             pa.scalar(None, field.type))
    return extract


def _get_item(c: _Compiler, e: E.GetItem) -> Compiled:
    from minispark.sql.builtins.support import rowwise

    container, key = c.compile(e.left), c.compile(e.right)
    out_type = to_arrow_type(e.data_type)

    def pick(values: Any, k: Any) -> Any:
        if isinstance(values, list) and not (values and isinstance(values[0], tuple)):
            return values[k] if 0 <= k < len(values) else None
        return dict(values).get(k)
    return lambda batch: rowwise(pick, out_type, container(batch), key(batch))


def _sort_order(c: _Compiler, e: E.SortOrder) -> Compiled:
    return c.compile(e.child)


def _higher_order(c: _Compiler, e: E.HigherOrderFunction) -> Compiled:
    from minispark.sql.builtins.higher_order import compile_higher_order

    return compile_higher_order(c, e)


_HANDLERS: dict[type, Callable[[_Compiler, Any], Compiled]] = {
    E.Literal: _literal,
    E.AttributeReference: _attribute,
    E.Alias: _alias,
    E.Add: _arithmetic(kernels.add),
    E.Subtract: _arithmetic(kernels.subtract),
    E.Multiply: _arithmetic(kernels.multiply),
    E.Divide: _arithmetic(kernels.divide),
    E.IntegralDivide: _binary(kernels.integral_divide),
    E.Remainder: _arithmetic(kernels.remainder),
    E.UnaryMinus: _unary(kernels.negate),
    E.UnaryPositive: _unary(lambda v: v),
    E.EqualTo: _binary(kernels.equal),
    E.EqualNullSafe: _binary(kernels.equal_null_safe),
    E.LessThan: _binary(kernels.less),
    E.LessThanOrEqual: _binary(kernels.less_equal),
    E.GreaterThan: _binary(kernels.greater),
    E.GreaterThanOrEqual: _binary(kernels.greater_equal),
    E.And: _binary(pc.and_kleene),
    E.Or: _binary(pc.or_kleene),
    E.Not: _unary(pc.invert),
    E.IsNull: _unary(pc.is_null),
    E.IsNotNull: _unary(pc.is_valid),
    E.In: _in,
    E.Like: _like,
    E.RLike: _rlike,
    E.CaseWhen: _case_when,
    E.Cast: _cast,
    E.ScalarFunction: _scalar_function,
    E.PythonUDF: _python_udf,
    E.PartitionDependent: _partition_dependent,
    E.GetStructField: _struct_field,
    E.GetItem: _get_item,
    E.SortOrder: _sort_order,
    E.LambdaVariable: _attribute,
    E.HigherOrderFunction: _higher_order,
}
