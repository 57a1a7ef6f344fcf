"""Math functions: abs, round, sqrt, exp, log, pow, floor, ceil, trigonometry, greatest..."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import first_type, literal, rowwise
from minispark.sql.execution import ansi, kernels
from minispark.sql.plan.typecoercion import bounded_decimal
from minispark.sql.types import (
    BooleanType, DataType, DecimalType, DoubleType, IntegerType, LongType,
)


@scalar("abs", ["numeric"], first_type)
def absolute(x: Any) -> Any:
    if pa.types.is_integer(x.type):
        try:
            return pc.abs_checked(x)
        except pa.ArrowInvalid:
            raise ansi.arithmetic_overflow() from None
    return pc.abs(x)


def _round_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    t = arg_types[0]
    if isinstance(t, DecimalType):
        scale = max(0, min(options[0] if options else 0, t.scale))
        return bounded_decimal(t.precision - t.scale + scale + 1, scale)
    return t


def _rounder(mode: str) -> Any:
    def run(x: Any, scale: Any = None) -> Any:
        digits = 0 if scale is None else literal(scale)
        if digits is Ellipsis:
            raise NotImplementedError("round() with a scale that is not a constant")
        if digits is None:
            return pc.cast(pa.scalar(None), x.type)
        if pa.types.is_integer(x.type):
            if digits >= 0:
                return x
            return pc.cast(pc.round(pc.cast(x, pa.float64()), digits, round_mode=mode),
                           x.type)
        rounded = pc.round(x, digits, round_mode=mode)
        if pa.types.is_floating(x.type) and not isinstance(x, pa.Scalar):
            return _decimal_ties(x, rounded, digits, mode)
        return rounded
    return run


def _decimal_ties(x: Any, rounded: Any, digits: int, mode: str) -> Any:
    """Spark rounds a double's shortest decimal form (``round(2.675, 2)`` is 2.68), so values
    that look like ties in decimal are redone exactly; the rest keep Arrow's result."""
    import decimal

    import numpy as np

    values = x.to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.abs(values) * 10.0 ** digits
        near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6 * np.maximum(1.0, scaled)
    near &= np.isfinite(values)
    if not near.any():
        return rounded
    exact = decimal.ROUND_HALF_UP if mode == "half_towards_infinity" else decimal.ROUND_HALF_EVEN
    out = rounded.to_numpy(zero_copy_only=False).copy()
    quantum = decimal.Decimal(1).scaleb(-digits)
    for i in np.flatnonzero(near):
        out[i] = float(decimal.Decimal(repr(float(values[i]))).quantize(quantum, exact))
    return pa.array(out, x.type, mask=x.is_null().to_numpy(zero_copy_only=False))


def _render_round(display: str, args: list[str], options: tuple) -> str:
    return f"{display}({args[0]}, {args[1] if len(args) > 1 else 0})"


scalar("round", ["numeric", "int"], _round_type, min_args=1,
       render_call=_render_round)(_rounder("half_towards_infinity"))
scalar("bround", ["numeric", "int"], _round_type, min_args=1,
       render_call=_render_round)(_rounder("half_to_even"))


def _double_function(name: str, kernel: Any, pretty: str | None = None,
                     aliases: tuple[str, ...] = ()) -> None:
    scalar(name, ["double"], DoubleType(), pretty=pretty, aliases=aliases)(kernel)


def _numpy_unary(x: Any, name: str) -> Any:
    import numpy as np

    if isinstance(x, pa.Scalar):
        return pa.scalar(None if not x.is_valid else float(getattr(np, name)(x.as_py())),
                         pa.float64())
    values = getattr(np, name)(x.to_numpy(zero_copy_only=False))
    return pa.array(values, pa.float64(), mask=x.is_null().to_numpy(zero_copy_only=False))


def _null_where(values: Any, invalid: Any) -> Any:
    return pc.if_else(invalid, pa.scalar(None, pa.float64()), values)


_double_function("sqrt", pc.sqrt, pretty="SQRT")
_double_function("cbrt", lambda x: _numpy_unary(x, "cbrt"), pretty="CBRT")
_double_function("exp", pc.exp, pretty="EXP")
_double_function("expm1", lambda x: pc.subtract(pc.exp(x), 1.0), pretty="EXPM1")
_double_function("ln", lambda x: _null_where(pc.ln(pc.max_element_wise(x, 0.0)),
                                             pc.less_equal(x, 0.0)))
_double_function("log10", lambda x: _null_where(pc.log10(pc.max_element_wise(x, 0.0)),
                                                pc.less_equal(x, 0.0)), pretty="LOG10")
_double_function("log2", lambda x: _null_where(pc.log2(pc.max_element_wise(x, 0.0)),
                                               pc.less_equal(x, 0.0)), pretty="LOG2")
_double_function("log1p", lambda x: _null_where(pc.log1p(pc.max_element_wise(x, -1.0)),
                                                pc.less_equal(x, -1.0)), pretty="LOG1P")
_double_function("sin", pc.sin, pretty="SIN")
_double_function("cos", pc.cos, pretty="COS")
_double_function("tan", pc.tan, pretty="TAN")
_double_function("asin", pc.asin, pretty="ASIN")
_double_function("acos", pc.acos, pretty="ACOS")
_double_function("atan", pc.atan, pretty="ATAN")
_double_function("sinh", lambda x: pc.divide(pc.subtract(pc.exp(x), pc.exp(pc.negate(x))), 2.0),
                 pretty="SINH")
_double_function("cosh", lambda x: pc.divide(pc.add(pc.exp(x), pc.exp(pc.negate(x))), 2.0),
                 pretty="COSH")
_double_function("tanh", lambda x: pc.divide(pc.subtract(pc.exp(pc.multiply(x, 2.0)), 1.0),
                                             pc.add(pc.exp(pc.multiply(x, 2.0)), 1.0)),
                 pretty="TANH")
_double_function("degrees", lambda x: pc.multiply(x, 180.0 / math.pi), pretty="DEGREES")
_double_function("radians", lambda x: pc.multiply(x, math.pi / 180.0), pretty="RADIANS")
_double_function("signum", pc.sign, pretty="SIGNUM", aliases=("sign",))
_double_function("rint", lambda x: pc.round(x, 0, round_mode="half_to_even"), pretty="rint")


@scalar("log", ["double", "double"], DoubleType(), min_args=1)
def log(base_or_x: Any, x: Any = None) -> Any:
    if x is None:
        return _null_where(pc.ln(pc.max_element_wise(base_or_x, 0.0)),
                           pc.less_equal(base_or_x, 0.0))
    value = pc.divide(pc.ln(pc.max_element_wise(x, 0.0)),
                      pc.ln(pc.max_element_wise(base_or_x, 0.0)))
    return _null_where(value, pc.or_(pc.less_equal(x, 0.0), pc.less_equal(base_or_x, 0.0)))


@scalar("power", ["double", "double"], DoubleType(), pretty="POWER", aliases=("pow",))
def power(x: Any, y: Any) -> Any:
    return pc.power(x, y)


@scalar("atan2", ["double", "double"], DoubleType(), pretty="ATAN2")
def atan2(y: Any, x: Any) -> Any:
    return pc.atan2(y, x)


@scalar("hypot", ["double", "double"], DoubleType(), pretty="HYPOT")
def hypot(x: Any, y: Any) -> Any:
    return pc.sqrt(pc.add(pc.multiply(x, x), pc.multiply(y, y)))


def _whole_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    t = arg_types[0]
    if isinstance(t, DecimalType):
        return bounded_decimal(t.precision - t.scale + 1, 0)
    return LongType()


def _to_whole(kernel: Any) -> Any:
    def run(x: Any) -> Any:
        if pa.types.is_integer(x.type):
            return pc.cast(x, pa.int64())
        rounded = kernel(x)
        if pa.types.is_decimal(x.type):
            return pc.cast(rounded, pa.decimal128(min(38, x.type.precision - x.type.scale + 1), 0))
        return pc.cast(rounded, pa.int64(), safe=False)
    return run


scalar("ceil", ["numeric"], _whole_type, pretty="CEIL", aliases=("ceiling",))(_to_whole(pc.ceil))
scalar("floor", ["numeric"], _whole_type, pretty="FLOOR")(_to_whole(pc.floor))


@scalar("pmod", ["same", "same"], "same")
def pmod(a: Any, b: Any) -> Any:
    from minispark.sql.execution.kernels import add, remainder

    r = remainder(a, b)
    negative = pc.less(r, pa.scalar(0, r.type))
    return pc.if_else(negative, remainder(add(r, b), b), r)


def _extreme(name: str, pick: Any) -> None:
    @scalar(name, ["same"], "same", min_args=2, max_args=None, null_intolerant=False)
    def run(*values: Any) -> Any:
        return pick(*values, skip_nulls=True)


_extreme("greatest", pc.max_element_wise)
_extreme("least", pc.min_element_wise)


@scalar("e", [], DoubleType(), pretty="E")
def euler() -> Any:
    return pa.scalar(math.e)


@scalar("pi", [], DoubleType(), pretty="PI")
def pi() -> Any:
    return pa.scalar(math.pi)


@scalar("factorial", ["int"], LongType())
def factorial(n: Any) -> Any:
    return rowwise(lambda k: math.factorial(k) if 0 <= k <= 20 else None, pa.int64(), n)


@scalar("isnan", ["double"], BooleanType(), never_null=True)
def isnan(x: Any) -> Any:
    return pc.fill_null(pc.is_nan(x), False)


@scalar("nanvl", ["double", "double"], DoubleType(), null_intolerant=False)
def nanvl(a: Any, b: Any) -> Any:
    return pc.if_else(pc.fill_null(pc.is_nan(a), False), b, a)


def _tolerant(name: str, exact: Any, operation: Any) -> None:
    """``try_*`` arithmetic: null instead of an ANSI error (overflow)."""
    @scalar(name, ["same", "same"], "same", always_nullable=True)
    def run(a: Any, b: Any) -> Any:
        try:
            return exact(a, b)
        except Exception:  # noqa: BLE001 - any ANSI failure means: compute row by row
            return rowwise(lambda x, y: _fits(operation(x, y), a.type), a.type, a, b)


def _fits(value: Any, arrow_type: pa.DataType) -> Any:
    """``value`` if ``arrow_type`` holds it, else None (an overflow under try_*)."""
    import numpy as np

    if pa.types.is_integer(arrow_type):
        bounds = np.iinfo(arrow_type.to_pandas_dtype())
        return value if bounds.min <= value <= bounds.max else None
    return value


_tolerant("try_add", kernels.add, lambda x, y: x + y)
_tolerant("try_subtract", kernels.subtract, lambda x, y: x - y)
_tolerant("try_multiply", kernels.multiply, lambda x, y: x * y)


@scalar("try_divide", ["double", "double"], DoubleType(), always_nullable=True)
def try_divide(a: Any, b: Any) -> Any:
    zero = pc.equal(b, pa.scalar(0.0))
    return pc.if_else(pc.fill_null(zero, False), pa.scalar(None, pa.float64()),
                      pc.divide(a, b))


def _bitwise(name: str, symbol: str, kernel: Any) -> None:
    @scalar(name, ["same", "same"], "same",
            render_call=lambda display, args, options: f"({args[0]} {symbol} {args[1]})")
    def run(a: Any, b: Any) -> Any:
        return kernel(a, b)


_bitwise("bitwise_and", "&", pc.bit_wise_and)
_bitwise("bitwise_or", "|", pc.bit_wise_or)
_bitwise("bitwise_xor", "^", pc.bit_wise_xor)


@scalar("bitwise_not", ["integral"], first_type, pretty="~",
        render_call=lambda display, args, options: f"~{args[0]}")
def bitwise_not(a: Any) -> Any:
    return pc.bit_wise_not(a)


_double_function("asinh", pc.asinh, pretty="ASINH")
_double_function("acosh", pc.acosh, pretty="ACOSH")
_double_function("atanh", pc.atanh, pretty="ATANH")
_double_function("cot", lambda x: pc.divide(1.0, pc.tan(x)), pretty="COT")
_double_function("sec", lambda x: pc.divide(1.0, pc.cos(x)), pretty="SEC")
_double_function("csc", lambda x: pc.divide(1.0, pc.sin(x)), pretty="CSC")


@scalar("positive", ["numeric"], first_type, render_call=lambda display, args, o: f"(+ {args[0]})")
def positive(a: Any) -> Any:
    return a


def _shift(name: str, shift: Callable[[Any, Any], Any]) -> None:
    scalar(name, ["integral", "int"], first_type)(shift)


def _shift_right_unsigned(a: Any, n: Any) -> Any:
    """``a >>> n``: the bits of ``a`` read as unsigned, so no sign bit is shifted in."""
    unsigned = {pa.int8(): pa.uint8(), pa.int16(): pa.uint16(), pa.int32(): pa.uint32(),
                pa.int64(): pa.uint64()}[a.type]
    bits = pc.cast(a, unsigned, safe=False)
    return pc.cast(pc.shift_right(bits, pc.cast(n, unsigned)), a.type, safe=False)


_shift("shiftleft", lambda a, n: pc.shift_left(a, pc.cast(n, a.type)))
_shift("shiftright", lambda a, n: pc.shift_right(a, pc.cast(n, a.type)))
_shift("shiftrightunsigned", _shift_right_unsigned)


@scalar("bit_count", ["integral"], IntegerType())
def bit_count(a: Any) -> Any:
    def count(v: int) -> int:
        return bin(v & 0xFFFFFFFFFFFFFFFF).count("1")
    return rowwise(count, pa.int32(), a)
