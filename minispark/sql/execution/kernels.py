"""Arrow kernels for Spark's operators: ANSI arithmetic, comparisons with NaN, SQL null logic.

Arguments are Arrow arrays or scalars of one batch; results are the same.
Integer arithmetic is checked (ANSI raises ARITHMETIC_OVERFLOW), ``/`` and
``%`` raise on a zero divisor, and comparisons treat NaN as Spark does:
equal to itself and greater than every other number.

>>> import pyarrow as pa
>>> divide(pa.array([1.0, None]), pa.array([4.0, 0.0])).to_pylist()
[0.25, None]
>>> equal(pa.array([float("nan")]), pa.array([float("nan")])).to_pylist()
[True]
"""
from __future__ import annotations

import decimal
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.execution import ansi

Value = Any  # pa.Array | pa.Scalar


def length_of(*values: Value) -> int | None:
    """The row count of the first array among ``values`` (None if all are scalars)."""
    for v in values:
        if not isinstance(v, pa.Scalar):
            return len(v)
    return None


def to_array(value: Value, length: int) -> pa.Array:
    """``value`` as an array of ``length`` rows (a scalar is repeated)."""
    if isinstance(value, pa.Scalar):
        if length == 0:  # pa.repeat refuses some nested types for zero rows
            return pa.array([], value.type)
        return pa.repeat(value, length)
    if isinstance(value, pa.ChunkedArray):
        return value.combine_chunks()
    return value


def list_lengths(values: pa.Array) -> pa.Array:
    """The element count of each list or map (null for a null one)."""
    if pa.types.is_map(values.type):
        offsets = values.offsets.to_numpy()
        counts = np.diff(offsets).astype(np.int32)
        mask = values.is_null().to_numpy(zero_copy_only=False) if values.null_count else None
        return pa.array(counts, pa.int32(), mask=mask)
    return pc.cast(pc.list_value_length(values), pa.int32())


def _is_integer(value: Value) -> bool:
    return pa.types.is_integer(value.type)


def _is_float(value: Value) -> bool:
    return pa.types.is_floating(value.type)


def _checked(kernel: Callable[..., Value], try_name: str) -> Callable[[Value, Value], Value]:
    def run(a: Value, b: Value) -> Value:
        try:
            return kernel(a, b)
        except pa.ArrowInvalid as exc:
            if "overflow" in str(exc).lower():
                raise ansi.arithmetic_overflow(try_name) from None
            raise
    return run


_add = _checked(pc.add_checked, "try_add")
_subtract = _checked(pc.subtract_checked, "try_subtract")
_multiply = _checked(pc.multiply_checked, "try_multiply")


def add(a: Value, b: Value) -> Value:
    return _add(a, b) if _is_integer(a) else pc.add(a, b)


def subtract(a: Value, b: Value) -> Value:
    return _subtract(a, b) if _is_integer(a) else pc.subtract(a, b)


def multiply(a: Value, b: Value) -> Value:
    return _multiply(a, b) if _is_integer(a) else pc.multiply(a, b)


def negate(a: Value) -> Value:
    if _is_integer(a):
        try:
            return pc.negate_checked(a)
        except pa.ArrowInvalid:
            raise ansi.arithmetic_overflow() from None
    return pc.negate(a)


def _zero_divisor(a: Value, b: Value) -> bool:
    """Whether some row divides a non-null value by zero."""
    zero = pc.equal(b, pa.scalar(0, b.type))
    hit = pc.and_kleene(zero, pc.is_valid(a))
    return bool(pc.any(hit).as_py()) if not isinstance(hit, pa.Scalar) else bool(hit.as_py())


def divide(a: Value, b: Value) -> Value:
    """``a / b`` on doubles; a zero divisor raises DIVIDE_BY_ZERO."""
    if _zero_divisor(a, b):
        raise ansi.divide_by_zero()
    return pc.divide(a, b)


def decimal_divide(a: Value, b: Value, result_type: pa.DataType) -> Value:
    """``a / b`` on decimals, rounded half up to ``result_type``'s scale (as Spark)."""
    if _zero_divisor(a, b):
        raise ansi.divide_by_zero()
    context = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)
    quantum = decimal.Decimal(1).scaleb(-result_type.scale)
    n = length_of(a, b)
    left = [a.as_py()] * (1 if n is None else n) if isinstance(a, pa.Scalar) else a.to_pylist()
    right = [b.as_py()] * (1 if n is None else n) if isinstance(b, pa.Scalar) else b.to_pylist()
    out = [None if x is None or y is None else
           context.divide(x, y).quantize(quantum, context=context) for x, y in zip(left, right)]
    try:
        array = pa.array(out, result_type)
    except (pa.ArrowInvalid, decimal.InvalidOperation):
        raise ansi.arithmetic_overflow("try_divide") from None
    return array[0] if n is None else array


def integral_divide(a: Value, b: Value) -> Value:
    """``a div b``: the quotient truncated toward zero, as a bigint."""
    if _zero_divisor(a, b):
        raise ansi.divide_by_zero()
    if _is_integer(a):
        try:
            return pc.divide_checked(pc.cast(a, pa.int64()), pc.cast(b, pa.int64()))
        except pa.ArrowInvalid:
            raise ansi.arithmetic_overflow() from None
    return pc.cast(pc.trunc(pc.divide(a, b)), pa.int64(), safe=False)


def remainder(a: Value, b: Value) -> Value:
    """``a % b`` with the dividend's sign (Java's ``%``)."""
    if _zero_divisor(a, b):
        raise ansi.remainder_by_zero()
    if _is_integer(a):
        quotient = pc.divide(a, b)
        return pc.subtract(a, pc.multiply(quotient, b))
    if pa.types.is_decimal(a.type):
        n = length_of(a, b)
        left = [a.as_py()] * (1 if n is None else n) if isinstance(a, pa.Scalar) else a.to_pylist()
        right = [b.as_py()] * (1 if n is None else n) if isinstance(b, pa.Scalar) else b.to_pylist()
        out = pa.array([None if x is None or y is None else x % y
                        for x, y in zip(left, right)], a.type)
        return out[0] if n is None else out
    n = length_of(a, b) or 1
    x, y = to_array(a, n), to_array(b, n)
    result = np.fmod(x.to_numpy(zero_copy_only=False), y.to_numpy(zero_copy_only=False))
    valid = pc.and_(pc.is_valid(x), pc.is_valid(y))
    out = pa.array(result, x.type, mask=pc.invert(valid).to_numpy(zero_copy_only=False))
    return out if length_of(a, b) is not None else out[0]


# ---- comparisons -------------------------------------------------------------------------


def _has_nan(value: Value) -> bool:
    if not _is_float(value):
        return False
    if isinstance(value, pa.Scalar):
        return value.is_valid and value.as_py() != value.as_py()
    return bool(pc.any(pc.is_nan(value)).as_py())


def _nan_safe(compare: Callable[[Value, Value], Value],
              on_nan: Callable[[Value, Value, Value], Value]) -> Callable[[Value, Value], Value]:
    """``compare``, corrected where either side is NaN (only when NaN occurs)."""
    def run(a: Value, b: Value) -> Value:
        result = compare(a, b)
        if _has_nan(a) or _has_nan(b):
            a_nan, b_nan = pc.is_nan(a), pc.is_nan(b)
            either = pc.or_(a_nan, b_nan)
            result = pc.if_else(either, on_nan(a_nan, b_nan, result), result)
        return result
    return run


equal = _nan_safe(pc.equal, lambda an, bn, r: pc.and_(an, bn))
not_equal = _nan_safe(pc.not_equal, lambda an, bn, r: pc.invert(pc.and_(an, bn)))
less = _nan_safe(pc.less, lambda an, bn, r: pc.and_(pc.invert(an), bn))
less_equal = _nan_safe(pc.less_equal, lambda an, bn, r: bn)
greater = _nan_safe(pc.greater, lambda an, bn, r: pc.and_(an, pc.invert(bn)))
greater_equal = _nan_safe(pc.greater_equal, lambda an, bn, r: an)


def equal_null_safe(a: Value, b: Value) -> Value:
    """``a <=> b``: true when both are null, false when one is, else ``a = b``."""
    eq = equal(a, b)
    a_null, b_null = pc.is_null(a), pc.is_null(b)
    return pc.if_else(pc.or_(a_null, b_null), pc.and_(a_null, b_null), eq)


def is_in(value: Value, candidates: pa.Array) -> Value:
    """``value IN (candidates)`` with SQL's nulls: null if not found and a candidate is null."""
    found = pc.is_in(value, value_set=candidates.drop_null(), skip_nulls=True)
    found = pc.if_else(pc.is_null(value), pa.scalar(None, pa.bool_()), found)
    if candidates.null_count:
        found = pc.if_else(found, True, pa.scalar(None, pa.bool_()))
    if _is_float(candidates) and bool(pc.any(pc.is_nan(candidates)).as_py()):
        found = pc.or_kleene(found, pc.is_nan(value))
    return found


def like(values: Value, pattern: str, escape: str = "\\", ignore_case: bool = False) -> Value:
    """SQL ``LIKE`` with ``escape`` before a literal ``%`` or ``_``."""
    if escape != "\\":
        pattern = _reescape(pattern, escape)
    return pc.match_like(values, pattern, ignore_case=ignore_case)


def _reescape(pattern: str, escape: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == escape and i + 1 < len(pattern):
            out.append("\\" + pattern[i + 1])
            i += 2
            continue
        out.append("\\\\" if ch == "\\" else ch)
        i += 1
    return "".join(out)
