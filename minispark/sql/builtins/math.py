"""Math functions: abs, round, sqrt, exp, log, pow, floor, ceil, trigonometry, greatest..."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import (
    ArithmeticException, IllegalArgumentException, SparkRuntimeException,
)
from minispark.sql.builtins.registry import data_type_mismatch, implicit_cast, scalar, type_sql
from minispark.sql.builtins.support import first_type, literal, rowwise
from minispark.sql.execution import ansi, kernels
from minispark.sql.plan.typecoercion import bounded_decimal
from minispark.sql.types import (
    BooleanType, ByteType, DataType, DecimalType, DoubleType, FloatType, IntegerType, LongType,
    ShortType, StringType,
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


def _rows(n: int | None) -> int:
    """The row count kernels compute for: ``n``, or 1 when every argument is a scalar."""
    return 1 if n is None else n


def _doubles(func: Callable[..., np.ndarray], *args: Any,
             invalid: Callable[..., np.ndarray] | None = None) -> Any:
    """``func`` over the arguments as float64 numpy arrays; null where an argument is null or
    where ``invalid`` says the input is outside the function's domain (log of x <= 0)."""
    n = kernels.length_of(*args)
    arrays = [pc.cast(kernels.to_array(a, _rows(n)), pa.float64()) for a in args]
    values = [a.to_numpy(zero_copy_only=False) for a in arrays]
    mask = np.zeros(len(values[0]), dtype=bool)
    for a in arrays:
        if a.null_count:
            mask |= a.is_null().to_numpy(zero_copy_only=False)
    with np.errstate(all="ignore"):
        out = func(*values)
        if invalid is not None:
            mask |= invalid(*values)
    result = pa.array(out, pa.float64(), mask=mask)
    return result if n is not None else result[0]


def _null_where(values: Any, invalid: Any) -> Any:
    return pc.if_else(invalid, pa.scalar(None, pa.float64()), values)


_double_function("sqrt", pc.sqrt, pretty="SQRT")
_double_function("cbrt", lambda x: _doubles(np.cbrt, x), pretty="CBRT")
_double_function("exp", lambda x: _doubles(np.exp, x), pretty="EXP")
_double_function("expm1", lambda x: pc.subtract(pc.exp(x), 1.0), pretty="EXPM1")


def _not_positive(*values: np.ndarray) -> np.ndarray:
    """Spark's logarithms are null (not NaN or -Infinity) for arguments <= 0; NaN stays NaN."""
    return np.logical_or.reduce([v <= 0 for v in values])


def _log2(x: np.ndarray) -> np.ndarray:
    return np.log(x) / np.log(np.float64(2.0))


_double_function("ln", lambda x: _doubles(np.log, x, invalid=_not_positive))
_double_function("log10", lambda x: _doubles(np.log10, x, invalid=_not_positive),
                 pretty="LOG10")
_double_function("log2", lambda x: _doubles(_log2, x, invalid=_not_positive), pretty="LOG2")
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
_double_function("cosh", lambda x: _doubles(np.cosh, x), pretty="COSH")
_double_function("tanh", lambda x: pc.divide(pc.subtract(pc.exp(pc.multiply(x, 2.0)), 1.0),
                                             pc.add(pc.exp(pc.multiply(x, 2.0)), 1.0)),
                 pretty="TANH")
_double_function("degrees", lambda x: pc.multiply(x, 180.0 / math.pi), pretty="DEGREES")
_double_function("radians", lambda x: pc.multiply(x, math.pi / 180.0), pretty="RADIANS")
_double_function("signum", pc.sign, pretty="SIGNUM", aliases=("sign",))
_double_function("rint", lambda x: pc.round(x, 0, round_mode="half_to_even"), pretty="rint")


def _render_log(display: str, args: list[str], options: tuple) -> str:
    # SQL's one-argument log(x) is Spark's Logarithm(E(), x).
    return f"{display}({', '.join(args if len(args) == 2 else ['E()', *args])})"


@scalar("log", ["double", "double"], DoubleType(), min_args=1, pretty="LOG",
        render_call=_render_log)
def log(base_or_x: Any, x: Any = None) -> Any:
    """``log(x)`` is ln(x); ``log(base, x)`` is ``ln(x) / ln(base)`` (null if either <= 0)."""
    if x is None:
        return _doubles(np.log, base_or_x, invalid=_not_positive)
    return _doubles(lambda b, v: np.log(v) / np.log(b), base_or_x, x,
                    invalid=_not_positive)


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


#: The decimal a number becomes when ceil/floor/round to a scale need one (Spark's forType).
_AS_DECIMAL = {ByteType: (3, 0), ShortType: (5, 0), IntegerType: (10, 0), LongType: (20, 0),
               FloatType: (14, 7), DoubleType: (30, 15)}


def constant_arg(arg: Any, name: str, param: str, expected: str) -> Any:
    """The value of an argument Spark requires to be foldable (a scale, a seed)."""
    from minispark.sql.execution.evaluator import evaluate_constant
    from minispark.sql.plan.expressions import Literal

    if not arg.foldable:
        raise data_type_mismatch(name, "NON_FOLDABLE_INPUT",
                                 f"the input `{param}` should be a foldable {expected} "
                                 "expression.")
    return arg.value if isinstance(arg, Literal) else evaluate_constant(arg).value


def _scale_of(arg: Any, name: str) -> int:
    """The constant scale argument of ceil/floor."""
    return constant_arg(arg, name, "scale", '"INT"') or 0


def _scaled_args(name: str) -> Callable[[list], list]:
    """ceil/floor's implicit casts: with a scale the value is rounded as a decimal."""
    def coerce(args: list) -> list:
        if len(args) == 1:
            return [implicit_cast(args[0], "numeric", 0, name)]
        from minispark.sql.plan.expressions import Cast

        value = implicit_cast(args[0], "numeric", 0, name)
        digits = _AS_DECIMAL.get(type(value.data_type))
        if digits is not None:
            value = Cast(value, DecimalType(*digits), implicit=True)
        return [value, implicit_cast(args[1], "int", 1, name)]
    return coerce


def _rounded_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    if len(arg_types) == 1:
        return _whole_type(arg_types, options)
    t = arg_types[0]
    # One more integral digit than the input (ceil(9.9) is 10); a negative scale needs at
    # least -scale + 1 digits (ceil(1, -2) is 100).
    whole_digits = t.precision - t.scale + 1
    if options[0] < 0:
        return bounded_decimal(max(whole_digits, 1 - options[0]), 0)
    scale = min(options[0], t.scale)
    return bounded_decimal(whole_digits + scale, scale)


def _rounder_to(name: str, whole: Callable[[Any], Any], mode: str) -> None:
    """Register ceil/floor: ``f(x)`` to a whole number, ``f(x, scale)`` to a decimal scale."""
    def run(x: Any, scale: Any = None, digits: int | None = None) -> Any:
        if scale is None:
            return _to_whole(whole)(x)
        out = _rounded_type([_sql_type(x.type), IntegerType()], (digits,))
        # Round in the widest decimal: ceil(5, -5) is 100000, more digits than the input has.
        wide = pc.cast(x, pa.decimal128(38, x.type.scale))
        rounded = pc.round(wide, digits, round_mode=mode)
        return pc.cast(rounded, pa.decimal128(out.precision, out.scale))

    def render(display: str, args: list[str], options: tuple) -> str:
        # Spark names the one-argument form CEIL(x), the scaled one ceil(x, s).
        return f"{display if len(args) == 1 else display.lower()}({', '.join(args)})"

    scalar(name, ["numeric", "int"], _rounded_type, min_args=1, pretty=name.upper(),
           coerce_args=_scaled_args(name), render_call=render,
           options_from_args=lambda args: (_scale_of(args[1], name),) if len(args) > 1 else (),
           aliases=("ceiling",) if name == "ceil" else ())(run)


def _sql_type(arrow_type: pa.DataType) -> DataType:
    return DecimalType(arrow_type.precision, arrow_type.scale)


_rounder_to("ceil", pc.ceil, "up")
_rounder_to("floor", pc.floor, "down")


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


# ---- bits and bases: bit_get, bin, conv --------------------------------------------------------


def _bit_get(name: str) -> None:
    @scalar(name, ["integral", "int"], ByteType())
    def run(value: Any, position: Any) -> Any:
        """Bit ``position`` (0 = lowest) of ``value``'s two's complement bits."""
        width = value.type.bit_width
        n = kernels.length_of(value, position)
        positions = kernels.to_array(position, _rows(n))
        offsets = pc.fill_null(positions, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        bad = (offsets < 0) | (offsets >= width)
        if bad.any():
            raise _bit_position_error(name, width, int(offsets[np.flatnonzero(bad)[0]]))
        values = pc.fill_null(pc.cast(kernels.to_array(value, _rows(n)), pa.int64()), 0)
        bits = (values.to_numpy(zero_copy_only=False) >> offsets) & 1
        mask = pc.or_(pc.is_null(kernels.to_array(value, _rows(n))), pc.is_null(positions))
        out = pa.array(bits.astype(np.int8), pa.int8(), mask=mask.to_numpy(zero_copy_only=False))
        return out if n is not None else out[0]


def _bit_position_error(name: str, width: int, position: int) -> IllegalArgumentException:
    return IllegalArgumentException(
        "INVALID_PARAMETER_VALUE.BIT_POSITION_RANGE",
        f"The value of parameter(s) `pos` in `{name}` is invalid: expects an integer value in "
        f"[0, {width}), but got {position}.",
        {"parameter": "`pos`", "functionName": f"`{name}`"}, "22023")


_bit_get("bit_get")
_bit_get("getbit")


def _as_long(args: list) -> list:
    """Spark casts any number (2.7 -> 2) or numeric string to the bigint bin() wants."""
    from minispark.sql.plan.expressions import Cast
    from minispark.sql.plan.typecoercion import is_numeric

    arg = args[0]
    if is_numeric(arg.data_type) and not isinstance(arg.data_type, LongType):
        return [Cast(arg, LongType(), implicit=True)]
    return [implicit_cast(arg, "long", 0, "bin")]


@scalar("bin", ["long"], StringType(), coerce_args=_as_long)
def binary_digits(value: Any) -> Any:
    """The two's complement bits of a bigint, without leading zeros (``bin(5)`` is 101)."""
    n = kernels.length_of(value)
    values = kernels.to_array(value, _rows(n))
    longs = pc.fill_null(values, 0).to_numpy(zero_copy_only=False).astype(">u8")
    bits = np.unpackbits(longs.view(np.uint8).reshape(-1, 8), axis=1)  # most significant first
    first_one = np.where(bits.any(axis=1), bits.argmax(axis=1), 63)
    keep = np.arange(64) >= first_one[:, None]
    out = _strings_from_rows((bits + ord("0")).astype(np.uint8), keep, values)
    return out if n is not None else out[0]


def _strings_from_rows(chars: np.ndarray, keep: np.ndarray, like: pa.Array) -> pa.Array:
    """One string per row of the byte matrix ``chars``, of the bytes ``keep`` selects."""
    offsets = np.concatenate([[0], np.cumsum(keep.sum(axis=1))]).astype(np.int32)
    data = np.ascontiguousarray(chars[keep])
    validity = like.buffers()[0] if like.null_count and like.offset == 0 else None
    if like.null_count and validity is None:
        validity = pa.array(like.is_valid().to_numpy(zero_copy_only=False)).buffers()[1]
    return pa.StringArray.from_buffers(len(keep), pa.py_buffer(offsets.tobytes()),
                                       pa.py_buffer(data.tobytes()), validity, like.null_count)


def _conv_overflow() -> ArithmeticException:
    return ArithmeticException(
        "ARITHMETIC_OVERFLOW", "Overflow in function conv(). If necessary set "
        '"spark.sql.ansi.enabled" to "false" to bypass this error.',
        {"message": "Overflow in function conv()", "alternative": "",
         "config": '"spark.sql.ansi.enabled"'}, "22003")


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _convert_base(text: str, from_base: int, to_base: int) -> str | None:
    """Spark's ``conv``: digits read up to the first invalid one, as an unsigned 64-bit value;
    a negative ``to_base`` prints it signed."""
    if not (2 <= from_base <= 36 and 2 <= abs(to_base) <= 36):
        return None
    text = text.strip()
    if not text:
        return None
    negative = text.startswith("-")
    value = 0
    for ch in text[1:] if negative else text:
        digit = _DIGITS.find(ch.upper())
        if digit < 0 or digit >= from_base:
            break
        value = value * from_base + digit
        if value >= 1 << 64:
            raise _conv_overflow()
    if negative:
        value = (-value) & ((1 << 64) - 1)
    sign = ""
    if to_base < 0 and value >= 1 << 63:
        sign, value = "-", (1 << 64) - value
    out = ""
    while True:
        value, digit = divmod(value, abs(to_base))
        out = _DIGITS[digit] + out
        if not value:
            return sign + out


@scalar("conv", ["string", "int", "int"], StringType())
def conv(value: Any, from_base: Any, to_base: Any) -> Any:
    """``value``'s digits in ``from_base`` written in ``to_base``."""
    return rowwise(_convert_base, pa.string(), value, from_base, to_base)


# ---- width_bucket, try_mod ---------------------------------------------------------------------


@scalar("width_bucket", ["double", "double", "double", "long"], LongType(),
        always_nullable=True)
def width_bucket(value: Any, low: Any, high: Any, buckets: Any) -> Any:
    """The bucket (1..n; 0 below, n+1 above) of ``value`` among n equal ones of [low, high)."""
    n = kernels.length_of(value, low, high, buckets)
    arrays = [kernels.to_array(a, _rows(n)) for a in (value, low, high, buckets)]
    v, lo, hi = (pc.fill_null(a, 0.0).to_numpy(zero_copy_only=False) for a in arrays[:3])
    count = pc.fill_null(arrays[3], 0).to_numpy(zero_copy_only=False).astype(np.int64)
    with np.errstate(all="ignore"):
        ascending = lo < hi
        below = np.where(ascending, v < lo, v > lo)
        above = np.where(ascending, v >= hi, v <= hi)
        inside = np.floor(count * (v - lo) / (hi - lo)) + 1
    buckets_out = np.where(below, 0, np.where(above, count + 1, np.nan_to_num(inside)))
    invalid = ((count <= 0) | (count == np.iinfo(np.int64).max) | np.isnan(v) | (lo == hi)
               | ~np.isfinite(lo) | ~np.isfinite(hi))
    for a in arrays:
        invalid |= a.is_null().to_numpy(zero_copy_only=False)
    out = pa.array(buckets_out.astype(np.int64), pa.int64(), mask=invalid)
    return out if n is not None else out[0]


def _mod_args(args: list) -> list:
    """try_mod's operands coerced as ``%``'s are."""
    from minispark.sql.plan.analyzer import _arithmetic
    from minispark.sql.plan.expressions import Remainder

    return list(_arithmetic(Remainder(args[0], args[1])).children)


def _mod_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    from minispark.sql.plan.expressions import decimal_result

    a, b = arg_types
    if isinstance(a, DecimalType) and isinstance(b, DecimalType):
        return decimal_result("%", a, b)
    return a


@scalar("try_mod", ["any", "any"], _mod_type, always_nullable=True, coerce_args=_mod_args)
def try_mod(a: Any, b: Any) -> Any:
    """``a % b``, null (not an error) where ``b`` is 0."""
    zero = pc.fill_null(pc.equal(b, pa.scalar(0, b.type)), False)
    divisor = pc.if_else(zero, pa.scalar(None, b.type), b)
    if pa.types.is_integer(b.type):
        # x % -1 is 0 (and MIN % -1 must not overflow the quotient)
        minus_one = pc.fill_null(pc.equal(divisor, pa.scalar(-1, b.type)), False)
        divisor = pc.if_else(minus_one, pa.scalar(1, b.type), divisor)
    out = kernels.remainder(a, divisor)
    if pa.types.is_decimal(out.type):
        from minispark.sql.types import to_arrow_type

        out = pc.cast(out, to_arrow_type(_mod_type([_sql_type(a.type), _sql_type(b.type)], ())))
    return out


# ---- float vectors -------------------------------------------------------------------------------


def _vector_args(name: str) -> Callable[[list], list]:
    """Vectors are array<float>; the degree of a norm a float."""
    def coerce(args: list) -> list:
        from minispark.sql.plan.expressions import Cast
        from minispark.sql.types import ArrayType

        out = []
        for i, arg in enumerate(args):
            t = arg.data_type
            if i == 1 and name.startswith("vector_norm"):  # the degree
                out.append(Cast(implicit_cast(arg, "double", i, name), FloatType(), implicit=True))
            elif isinstance(t, ArrayType) and isinstance(t.elementType, FloatType):
                out.append(arg)
            else:  # Spark casts nothing to a vector
                raise data_type_mismatch(
                    f"{name}({', '.join(a.sql() for a in args)})", "UNEXPECTED_INPUT_TYPE",
                    f'The {("first", "second")[i]} parameter requires the "ARRAY<FLOAT>" type, '
                    f'however "{arg.sql()}" has the type {type_sql(t)}.')
        return out
    return coerce


def _vectors(vectors: Any, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(flat values as float64, row of each value, length of each row, null rows)."""
    arrays = kernels.to_array(vectors, rows)
    lengths = pc.fill_null(pc.list_value_length(arrays), 0).to_numpy(
        zero_copy_only=False).astype(np.int64)
    flat = arrays.flatten()
    values = pc.fill_null(flat, 0.0).to_numpy(zero_copy_only=False).astype(np.float64)
    owner = np.repeat(np.arange(len(arrays)), lengths)
    null = arrays.is_null().to_numpy(zero_copy_only=False).copy()
    if flat.null_count:  # a vector with a null element has no value
        null[owner[flat.is_null().to_numpy(zero_copy_only=False)]] = True
    return values, owner, lengths, null


def _row_sums(values: np.ndarray, owner: np.ndarray, rows: int) -> np.ndarray:
    return np.bincount(owner, weights=values, minlength=rows)


def _pairwise(name: str, combine: Callable[..., np.ndarray]) -> None:
    @scalar(name, ["array", "array"], FloatType(), coerce_args=_vector_args(name),
            always_nullable=True)
    def run(left: Any, right: Any) -> Any:
        n = kernels.length_of(left, right)
        lefts, rights = kernels.to_array(left, _rows(n)), kernels.to_array(right, _rows(n))
        # Only rows with both vectors are computed (so the flattened elements line up).
        both = pc.and_(lefts.is_valid(), rights.is_valid())
        kept = np.flatnonzero(both.to_numpy(zero_copy_only=False))
        a, owner, a_len, a_null = _vectors(lefts.filter(both), len(kept))
        b, _, b_len, b_null = _vectors(rights.filter(both), len(kept))
        mismatch = a_len != b_len
        if mismatch.any():
            i = int(np.flatnonzero(mismatch)[0])
            raise _dimension_mismatch(name, int(a_len[i]), int(b_len[i]))
        with np.errstate(all="ignore"):
            computed = combine(a, b, owner, len(kept))
        result = np.zeros(_rows(n), dtype=np.float32)
        result[kept] = computed
        null = np.ones(_rows(n), dtype=bool)
        null[kept] = a_null | b_null | ~np.isfinite(computed)
        out = pa.array(result, pa.float32(), mask=null)
        return out if n is not None else out[0]


def _dimension_mismatch(name: str, left: int, right: int) -> SparkRuntimeException:
    return SparkRuntimeException(
        "VECTOR_DIMENSION_MISMATCH",
        f"Vectors passed to `{name}` must have the same dimension, but got {left} and {right}.",
        {"functionName": f"`{name}`", "leftDim": str(left), "rightDim": str(right)}, "22000")


def _cosine(a: np.ndarray, b: np.ndarray, owner: np.ndarray, rows: int) -> np.ndarray:
    dot = _row_sums(a * b, owner, rows)
    return dot / np.sqrt(_row_sums(a * a, owner, rows) * _row_sums(b * b, owner, rows))


_pairwise("vector_cosine_similarity", _cosine)
_pairwise("vector_inner_product", lambda a, b, owner, rows: _row_sums(a * b, owner, rows))
_pairwise("vector_l2_distance",
          lambda a, b, owner, rows: np.sqrt(_row_sums((a - b) ** 2, owner, rows)))


def _norms(values: np.ndarray, owner: np.ndarray, rows: int, degree: float, name: str
           ) -> np.ndarray:
    if degree == 1.0:
        return _row_sums(np.abs(values), owner, rows)
    if degree == 2.0:
        return np.sqrt(_row_sums(values * values, owner, rows))
    if degree == math.inf:
        out = np.zeros(rows)
        np.maximum.at(out, owner, np.abs(values))
        return out
    raise _norm_degree_error(name, degree)


def _norm_degree_error(name: str, degree: float) -> SparkRuntimeException:
    return SparkRuntimeException(
        "INVALID_VECTOR_NORM_DEGREE",
        f"For the `{name}` function, degree must be 1.0, 2.0, or float('inf'), but got "
        f"{degree}.", {"functionName": f"`{name}`", "degree": str(degree)}, "22023")


def _degree(degree: Any) -> float:
    value = 2.0 if degree is None else literal(degree)
    if value is Ellipsis:
        raise NotImplementedError("a vector norm degree that varies per row")
    return math.nan if value is None else float(value)


@scalar("vector_norm", ["array", "double"], FloatType(), min_args=1,
        coerce_args=_vector_args("vector_norm"))
def vector_norm(vector: Any, degree: Any = None) -> Any:
    """The L1, L2 or L-infinity norm of a float vector."""
    n = kernels.length_of(vector)
    values, owner, _, null = _vectors(vector, _rows(n))
    norms = _norms(values, owner, _rows(n), _degree(degree), "vector_norm")
    out = pa.array(norms.astype(np.float32), pa.float32(), mask=null)
    return out if n is not None else out[0]


@scalar("vector_normalize", ["array", "double"], "arg0", min_args=1,
        coerce_args=_vector_args("vector_normalize"), always_nullable=True)
def vector_normalize(vector: Any, degree: Any = None) -> Any:
    """The vector divided by its norm (null for a zero vector)."""
    n = kernels.length_of(vector)
    rows = _rows(n)
    values, owner, lengths, null = _vectors(vector, rows)
    norms = _norms(values, owner, rows, _degree(degree), "vector_normalize")
    null |= norms == 0
    scaled = (values / np.where(norms == 0, 1.0, norms)[owner]).astype(np.float32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little").tobytes())
    out = pa.Array.from_buffers(pa.list_(pa.float32()), rows,
                                [validity, pa.py_buffer(offsets.tobytes())],
                                children=[pa.array(scaled, pa.float32())])
    return out if n is not None else out[0]
