"""Math and bitwise functions (``sqrt``, ``round``, ``try_add``, ``shiftleft``...)."""
from __future__ import annotations

from typing import Any

from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import (
    _call, _call_values, _simple, _with_values, _math, _numeric_arg, exported,
)


def abs(col: Any) -> Column:
    """The absolute value."""
    return _call("abs", col)


def round(col: Any, scale: int = 0) -> Column:
    """Rounded half up to ``scale`` decimal places."""
    return _call_values("round", col, scale)


def bround(col: Any, scale: int = 0) -> Column:
    """Rounded half to even to ``scale`` decimal places."""
    return _call_values("bround", col, scale)


sqrt = _math("sqrt", "The square root.")


cbrt = _math("cbrt", "The cube root.")


exp = _math("exp", "e raised to the value.")


expm1 = _math("expm1", "exp(x) - 1.")


log10 = _math("log10", "The base-10 logarithm (null for values <= 0).")


log2 = _math("log2", "The base-2 logarithm (null for values <= 0).")


log1p = _math("log1p", "ln(1 + x).")


ln = _math("ln", "The natural logarithm (null for values <= 0).")


sin = _math("sin", "The sine.")


cos = _math("cos", "The cosine.")


tan = _math("tan", "The tangent.")


asin = _math("asin", "The arc sine.")


acos = _math("acos", "The arc cosine.")


atan = _math("atan", "The arc tangent.")


sinh = _math("sinh", "The hyperbolic sine.")


cosh = _math("cosh", "The hyperbolic cosine.")


tanh = _math("tanh", "The hyperbolic tangent.")


degrees = _math("degrees", "Radians to degrees.")


radians = _math("radians", "Degrees to radians.")


signum = _math("signum", "-1.0, 0.0 or 1.0 by sign.")


sign = _math("sign", "-1.0, 0.0 or 1.0 by sign.")


rint = _math("rint", "The closest whole number, as a double.")


def _rounding(name: str, doc: str) -> Any:
    """ceil/ceiling/floor: to a whole number (a bigint), or to ``scale`` digits (a decimal)."""
    def function(col: Any, scale: Any = None) -> Column:
        if scale is None:
            return _call(name, col)
        return _call_values(name, col, scale)
    function.__name__ = name
    function.__doc__ = doc
    return function


floor = _rounding("floor", """The largest number not above the value, with ``scale`` digits.

    >>> spark.createDataFrame([(2.1267,)], ["v"]).select(floor("v", 2)).collect()
    [Row(floor(v, 2)=Decimal('2.12'))]
    """)


ceil = _rounding("ceil", "The smallest number not below the value, with ``scale`` digits.")


ceiling = _rounding("ceiling", "The smallest number not below the value, with ``scale`` "
                    "digits.")


factorial = _math("factorial", "n! for 0 <= n <= 20.")


def log(arg1: Any, arg2: Any = None) -> Column:
    """``log(x)`` is ln(x); ``log(base, x)`` the logarithm in ``base``."""
    if arg2 is None:
        return _call("ln", arg1)
    base = arg1 if isinstance(arg1, Column) else E.Literal.of(float(arg1))
    return Column(E.UnresolvedFunction("log", [_expr(base), _column_arg(arg2)]))


def pow(col1: Any, col2: Any) -> Column:
    """``col1`` raised to ``col2``."""
    return Column(E.UnresolvedFunction("power", [_numeric_arg(col1), _numeric_arg(col2)]))


power = pow


def atan2(col1: Any, col2: Any) -> Column:
    return Column(E.UnresolvedFunction("atan2", [_numeric_arg(col1), _numeric_arg(col2)]))


def hypot(col1: Any, col2: Any) -> Column:
    return Column(E.UnresolvedFunction("hypot", [_numeric_arg(col1), _numeric_arg(col2)]))


def pmod(dividend: Any, divisor: Any) -> Column:
    return Column(E.UnresolvedFunction("pmod", [_numeric_arg(dividend), _numeric_arg(divisor)]))


def negate(col: Any) -> Column:
    return Column(E.UnaryMinus(_column_arg(col), pretty=True))


negative = negate


def e() -> Column:
    return _call("e")


def pi() -> Column:
    return _call("pi")


try_add = _simple("try_add", 2, "a + b, null on overflow.")


try_subtract = _simple("try_subtract", 2, "a - b, null on overflow.")


try_multiply = _simple("try_multiply", 2, "a * b, null on overflow.")


try_divide = _simple("try_divide", 2, "a / b, null for a zero divisor.")


asinh = _math("asinh", "The inverse hyperbolic sine.")


acosh = _math("acosh", "The inverse hyperbolic cosine.")


atanh = _math("atanh", "The inverse hyperbolic tangent.")


cot = _math("cot", "The cotangent.")


sec = _math("sec", "The secant.")


csc = _math("csc", "The cosecant.")


positive = _math("positive", "The value itself (unary plus).")


bit_count = _math("bit_count", "The number of bits set (two's complement).")


bitwise_not = _math("bitwise_not", "The bits inverted.")


bitwiseNOT = bitwise_not


shiftleft = _with_values("shiftleft", "The value shifted left by a number of bits.")


shiftright = _with_values("shiftright", "The value shifted right (signed) by a number of bits.")


shiftrightunsigned = _with_values("shiftrightunsigned", "The value shifted right, zeros "
                                  "shifted in.")


nullifzero = _math("nullifzero", "Null where the value is 0.")


zeroifnull = _math("zeroifnull", "0 where the value is null.")


def conv(col: Any, fromBase: int, toBase: int) -> Column:
    """The number in string ``col`` written in base ``fromBase``, rewritten in ``toBase``
    (a negative ``toBase`` prints it signed).

    >>> spark.createDataFrame([("ff",)], ["n"]).select(conv("n", 16, 10)).collect()
    [Row(conv(n, 16, 10)='255')]
    """
    return _call_values("conv", col, fromBase, toBase)


bin = _math("bin", "The binary digits of a bigint (two's complement for negatives).")


def width_bucket(v: Any, min: Any, max: Any, numBucket: Any) -> Column:
    """The bucket (1 to numBucket; 0 below, numBucket + 1 above) of ``v`` among
    ``numBucket`` equal-width buckets from ``min`` to ``max``."""
    count = _expr(numBucket) if isinstance(numBucket, int) else _column_arg(numBucket)
    return Column(E.UnresolvedFunction("width_bucket", [
        _column_arg(v), _column_arg(min), _column_arg(max), count]))


bit_get = _simple("bit_get", 2, "Bit ``pos`` (0 is the lowest) of an integral value, as 0 or 1.")


getbit = _simple("getbit", 2, "Bit ``pos`` (0 is the lowest) of an integral value, as 0 or 1.")


try_mod = _simple("try_mod", 2, "a % b, null for a zero divisor.")


vector_cosine_similarity = _simple("vector_cosine_similarity", 2,
                                   "The cosine similarity of two float vectors.")


vector_inner_product = _simple("vector_inner_product", 2, "The dot product of two float vectors.")


vector_l2_distance = _simple("vector_l2_distance", 2,
                             "The Euclidean distance between two float vectors.")


def vector_norm(vector: Any, degree: Any = None) -> Column:
    """The L1, L2 (the default) or L-infinity norm of a float vector."""
    return _call("vector_norm", vector) if degree is None else _call("vector_norm", vector,
                                                                      degree)


def vector_normalize(vector: Any, degree: Any = None) -> Column:
    """The float vector scaled to norm 1 (L2 unless ``degree`` is 1.0 or inf)."""
    if degree is None:
        return _call("vector_normalize", vector)
    return _call("vector_normalize", vector, degree)


__all__ = exported(globals(), __name__)
