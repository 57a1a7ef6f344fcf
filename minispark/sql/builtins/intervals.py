"""Intervals: make_interval, make_dt_interval, make_ym_interval, INTERVAL literals, and the
arithmetic of dates, timestamps and intervals (``+``, ``-``, ``*``, ``/`` and ``try_*``).

Arrow forms: day-time intervals are ``duration[us]``, year-month intervals a number of
months (``int32``), legacy calendar intervals ``month_day_nano_interval``. Months and days
move timestamps on the session time zone's wall clock, as Spark does.
"""
from __future__ import annotations

import copyreg
import datetime
import decimal
import re
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import AnalysisException, ArithmeticException
from minispark.sql.builtins.registry import ScalarSpec, lookup, register
from minispark.sql.builtins.support import rowwise
from minispark.sql.execution import ansi
from minispark.sql.execution.kernels import length_of, to_array
from minispark.sql.plan.expressions import (
    Add, BinaryArithmetic, Cast, Divide, Expression, Literal, Multiply, ScalarFunction,
    Subtract,
)
from minispark.sql.plan.typecoercion import is_integral, is_numeric
from minispark.sql.types import (
    CalendarIntervalType, DataType, DateType, DayTimeIntervalType, DecimalType,
    IntegerType, TimestampNTZType, TimestampType, YearMonthIntervalType,
)

MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND
_INT_MIN, _INT_MAX = -(1 << 31), (1 << 31) - 1
_SECONDS = DecimalType(18, 6)


# Arrow's MonthDayNano values travel to executors inside folded literals; cloudpickle
# cannot rebuild their (immutable, dynamically made) class, and a plain tuple serves as well.
copyreg.pickle(type(pa.scalar((0, 0, 0), pa.month_day_nano_interval()).as_py()),
               lambda value: (tuple, (tuple(value),)))


# ---- building intervals ---------------------------------------------------------------------


def _overflow(values: Any, low: int, high: int) -> Any:
    """Where ``values`` (int64) leaves ``[low, high]``."""
    return pc.or_(pc.less(values, low), pc.greater(values, high))


def _fit(values: Any, low: int, high: int, try_: bool, name: str) -> Any:
    """``values`` with out-of-range rows nulled (``try_``) or an ARITHMETIC_OVERFLOW."""
    bad = _overflow(values, low, high)
    if not pc.any(bad).as_py():
        return values
    if not try_:
        raise ansi.arithmetic_overflow(f"try_{name}")
    return pc.if_else(bad, pa.scalar(None, values.type), values)


def _long(values: Any) -> Any:
    return pc.cast(values, pa.int64())


def _second_micros(seconds: Any) -> Any:
    """Seconds (decimal(18, 6)) as whole microseconds."""
    return pc.cast(pc.round(pc.multiply(pc.cast(seconds, pa.float64()), 1e6)), pa.int64())


def _calendar(months: Any, days: Any, micros: Any) -> Any:
    """Calendar intervals from their three parts (Arrow has no kernel that builds them)."""
    return rowwise(lambda m, d, u: (m, d, u * 1000), pa.month_day_nano_interval(),
                   months, days, micros)


def _make_interval(try_: bool) -> Callable[..., Any]:
    name = "try_make_interval" if try_ else "make_interval"

    def run(years: Any, months: Any, weeks: Any, days: Any, hours: Any, mins: Any,
            secs: Any) -> Any:
        total_months = _fit(pc.add(pc.multiply(_long(years), 12), _long(months)),
                            _INT_MIN, _INT_MAX, try_, name)
        total_days = _fit(pc.add(pc.multiply(_long(weeks), 7), _long(days)),
                          _INT_MIN, _INT_MAX, try_, name)
        micros = pc.add(pc.add(pc.multiply(_long(hours), 3_600 * MICROS_PER_SECOND),
                               pc.multiply(_long(mins), 60 * MICROS_PER_SECOND)),
                        _second_micros(secs))
        return _calendar(total_months, total_days, micros)
    return run


def _interval_inputs(*kinds: DataType) -> Callable[[list[Expression]], list[Expression]]:
    """Casts the arguments to the exact types Spark's interval constructors take."""
    def coerce(args: list[Expression]) -> list[Expression]:
        # Parts left out are zero (SQL's ``make_interval(1)``).
        padded = list(args) + [Literal(0, IntegerType())] * (len(kinds) - len(args))
        return [a if a.data_type == t else Cast(a, t, implicit=True)
                for a, t in zip(padded, kinds)]
    return coerce


_MAKE_INTERVAL_TYPES = (IntegerType(),) * 6 + (_SECONDS,)
for _try in (False, True):
    register(ScalarSpec(
        name="try_make_interval" if _try else "make_interval", inputs=["any"] * 7,
        result=CalendarIntervalType(), min_args=0, max_args=7,
        coerce_args=_interval_inputs(*_MAKE_INTERVAL_TYPES), kernel=_make_interval(_try),
        always_nullable=_try))


def _make_dt_interval(days: Any, hours: Any, mins: Any, secs: Any) -> Any:
    micros = pc.add(pc.add(pc.multiply_checked(_long(days), MICROS_PER_DAY),
                           pc.multiply_checked(_long(hours), 3_600 * MICROS_PER_SECOND)),
                    pc.add(pc.multiply_checked(_long(mins), 60 * MICROS_PER_SECOND),
                           _second_micros(secs)))
    return pc.cast(micros, pa.duration("us"))


register(ScalarSpec(
    name="make_dt_interval", inputs=["any"] * 4, result=DayTimeIntervalType(), min_args=0,
    max_args=4, coerce_args=_interval_inputs(*(IntegerType(),) * 3, _SECONDS),
    kernel=_make_dt_interval))


def _make_ym_interval(years: Any, months: Any) -> Any:
    total = pc.add(pc.multiply(_long(years), 12), _long(months))
    return pc.cast(_fit(total, _INT_MIN, _INT_MAX, False, "make_ym_interval"), pa.int32())


register(ScalarSpec(
    name="make_ym_interval", inputs=["any"] * 2, result=YearMonthIntervalType(), min_args=0,
    max_args=2, coerce_args=_interval_inputs(IntegerType(), IntegerType()),
    kernel=_make_ym_interval))


# ---- INTERVAL literals ----------------------------------------------------------------------

_UNIT_ALIASES = {"YEARS": "YEAR", "MONTHS": "MONTH", "WEEKS": "WEEK", "DAYS": "DAY",
                 "HOURS": "HOUR", "MINUTES": "MINUTE", "SECONDS": "SECOND",
                 "MILLISECOND": "MILLISECOND", "MILLISECONDS": "MILLISECOND",
                 "MICROSECONDS": "MICROSECOND"}
_DT_UNITS = {"WEEK": (7 * MICROS_PER_DAY, 0), "DAY": (MICROS_PER_DAY, 0),
             "HOUR": (3_600 * MICROS_PER_SECOND, 1), "MINUTE": (60 * MICROS_PER_SECOND, 2),
             "SECOND": (MICROS_PER_SECOND, 3), "MILLISECOND": (1_000, 3),
             "MICROSECOND": (1, 3)}


def _invalid_interval(text: str) -> AnalysisException:
    return AnalysisException("INVALID_INTERVAL_FORMAT.INPUT_IS_EMPTY" if not text else
                             "INVALID_INTERVAL_FORMAT",
                             f"Error parsing interval literal '{text}'.", {}, "22006")


def interval_literal(text: str, start: str, end: str | None = None) -> tuple[Any, DataType]:
    """The value and type of ``INTERVAL 'text' start [TO end]``.

    >>> interval_literal("1", "YEAR")
    (12, YearMonthIntervalType(0, 0))
    >>> interval_literal("1 02:00:00", "DAY", "SECOND")
    (datetime.timedelta(days=1, seconds=7200), DayTimeIntervalType(0, 3))
    """
    start = _UNIT_ALIASES.get(start.upper(), start.upper())
    end = _UNIT_ALIASES.get((end or start).upper(), (end or start).upper())
    body = text.strip()
    sign = -1 if body.startswith("-") else 1
    body = body.lstrip("+-")
    try:
        if start in ("YEAR", "MONTH"):
            return sign * _year_month(body, start, end), YearMonthIntervalType(
                0 if start == "YEAR" else 1, 0 if end == "YEAR" else 1)
        micros, first = _day_time(body, start, end)
    except (ValueError, KeyError, decimal.InvalidOperation):
        raise _invalid_interval(text) from None
    last = _DT_UNITS[end][1]
    return (datetime.timedelta(microseconds=sign * micros),
            DayTimeIntervalType(first, max(first, last)))


def _year_month(body: str, start: str, end: str) -> int:
    if start == end:
        return int(body) * (12 if start == "YEAR" else 1)
    years, months = re.fullmatch(r"(\d+)-(\d+)", body).groups()  # type: ignore[union-attr]
    return int(years) * 12 + int(months)


def _day_time(body: str, start: str, end: str) -> tuple[int, int]:
    """Microseconds of a day-time literal, and its first field."""
    unit, first = _DT_UNITS[start]
    if start == end or start in ("MILLISECOND", "MICROSECOND", "WEEK"):
        amount = decimal.Decimal(body) * unit
        return int(amount), first
    # 'd hh:mm:ss.f', 'hh:mm' ...: the fields from ``start`` on, in order.
    fields = ("DAY", "HOUR", "MINUTE", "SECOND")[first:]
    numbers = re.split(r"[ :]", body)
    total = sum(decimal.Decimal(n) * _DT_UNITS[f][0] for n, f in zip(numbers, fields))
    return int(total), first


def combined_interval(left: Expression, right: Expression) -> Literal | None:
    """One literal for ``INTERVAL 1 DAY 2 HOURS`` (two literals of one interval family)."""
    if not (isinstance(left, Literal) and isinstance(right, Literal)):
        return None
    lt, rt = left.data_type, right.data_type
    if type(lt) is not type(rt) or not isinstance(lt, (DayTimeIntervalType,
                                                        YearMonthIntervalType)):
        return None
    if left.value is None or right.value is None:
        return None
    return Literal(left.value + right.value, _merge_fields(type(lt), lt, rt))


# ---- arithmetic of dates, timestamps and intervals -----------------------------------------


def _kind(t: DataType) -> str | None:
    if isinstance(t, DateType):
        return "date"
    if isinstance(t, (TimestampType, TimestampNTZType)):
        return "ts"
    if isinstance(t, DayTimeIntervalType):
        return "dt"
    if isinstance(t, YearMonthIntervalType):
        return "ym"
    if isinstance(t, CalendarIntervalType):
        return "cal"
    if is_numeric(t):
        return "int" if is_integral(t) else "num"
    return None


def _merge_fields(cls: type, a: Any, b: Any) -> DataType:
    return cls(min(a.startField, b.startField), max(a.endField, b.endField))


def temporal_result(op: str, lt: DataType, rt: DataType) -> DataType | None:
    """The type of ``lt op rt`` when dates, timestamps or intervals are involved, else None."""
    lk, rk = _kind(lt), _kind(rt)
    if lk is None or rk is None or {lk, rk} <= {"int", "num"}:
        return None
    if op in ("*", "/"):
        # Scaling widens an ANSI interval to its type's full field range, as Spark does.
        if lk in ("dt", "ym", "cal") and rk in ("int", "num"):
            return type(lt)()
        if op == "*" and rk in ("dt", "ym", "cal") and lk in ("int", "num"):
            return type(rt)()
        return None
    if op == "+" and lk not in ("date", "ts") and rk in ("date", "ts"):
        return temporal_result(op, rt, lt)
    if lk == rk and lk in ("dt", "ym"):
        return _merge_fields(type(lt), lt, rt)
    if lk == rk == "cal":
        return lt
    if op == "-" and lk == rk == "date":
        return DayTimeIntervalType(0, 0)
    if op == "-" and lk == rk == "ts":
        return DayTimeIntervalType(0, 3)
    if lk == "date" and rk == "int":
        return DateType()
    if lk == "date" and rk in ("ym", "cal"):
        return DateType()
    if lk == "date" and rk == "dt":
        return DateType() if rt.endField == 0 else TimestampType()
    if lk == "ts" and rk in ("dt", "ym", "cal"):
        return lt
    return None


def _wall_months_days(ts: Any, months: Any, days: Any, tz: str) -> Any:
    """Timestamps moved by months then days on the wall clock (of ``tz`` when zoned)."""
    from minispark.sql.builtins.datetime import _add_months, _local
    from minispark.sql.execution.cast import _from_local

    zoned = ts.type.tz is not None
    local = _local(ts, tz) if zoned else ts

    def move(t: datetime.datetime, m: int, d: int) -> datetime.datetime:
        day = _add_months(t.date(), m) + datetime.timedelta(days=d)
        return datetime.datetime.combine(day, t.time())
    moved = rowwise(move, pa.timestamp("us"), local, months, days)
    if not zoned:
        return moved
    n = length_of(moved)
    out = _from_local(to_array(moved, 1 if n is None else n), tz)
    return out[0] if n is None else out


def _calendar_parts(values: Any) -> tuple[Any, Any, Any]:
    """Months, days and microseconds of calendar intervals, as int64 arrays or scalars."""
    parts = [rowwise(lambda v, i=i: v[i] if i < 2 else v[2] // 1000, pa.int64(), values)
             for i in range(3)]
    return parts[0], parts[1], parts[2]


def _day_numbers(dates: Any) -> Any:
    """Days since the epoch as int64 (Arrow casts a date only to int32 directly)."""
    return pc.cast(pc.cast(dates, pa.int32()), pa.int64())


def _date_plus(date: Any, kind: str, rtype: DataType, iv: Any, tz: str) -> Any:
    from minispark.sql.builtins.datetime import _add_months
    from minispark.sql.execution.cast import cast

    days = pc.cast(date, pa.int32())
    if kind == "int":
        return pc.cast(pc.add_checked(days, pc.cast(iv, pa.int32())), pa.date32())
    if kind == "ym":
        return rowwise(_add_months, pa.date32(), date, iv)
    if kind == "cal":
        months, more, _ = _calendar_parts(iv)
        moved = rowwise(_add_months, pa.date32(), date, months)
        return pc.cast(pc.cast(pc.add_checked(_day_numbers(moved), more), pa.int32()),
                       pa.date32())
    if rtype.endField == 0:
        whole = pc.divide(pc.cast(iv, pa.int64()), MICROS_PER_DAY)
        return pc.cast(pc.cast(pc.add_checked(_day_numbers(date), whole), pa.int32()),
                       pa.date32())
    return pc.add_checked(_as_array_like(cast, date, tz), iv)


def _as_array_like(cast: Callable, date: Any, tz: str) -> Any:
    """A date (array or scalar) as a session-time-zone timestamp."""
    n = length_of(date)
    out = cast(to_array(date, 1 if n is None else n), DateType(), TimestampType(), tz=tz)
    return out[0] if n is None else out


def _timestamp_plus(ts: Any, kind: str, iv: Any, tz: str) -> Any:
    if kind == "dt":
        return pc.add_checked(ts, iv)
    if kind == "ym":
        return _wall_months_days(ts, iv, pa.scalar(0, pa.int64()), tz)
    months, days, micros = _calendar_parts(iv)
    moved = _wall_months_days(ts, months, days, tz)
    return pc.add_checked(moved, pc.cast(micros, pa.duration("us")))


def _negate(kind: str, iv: Any) -> Any:
    if kind == "cal":
        return rowwise(lambda v: (-v[0], -v[1], -v[2]), pa.month_day_nano_interval(), iv)
    return pc.negate_checked(iv)


def _scale(kind: str, iv: Any, factor: Any, divide: bool) -> Any:
    """An interval multiplied (or divided) by a number, rounded to its unit half up."""
    def one(value: Any, num: Any) -> Any:
        num = decimal.Decimal(str(num))
        if divide and num == 0:
            raise ArithmeticException("INTERVAL_DIVIDED_BY_ZERO",
                                      "Division by zero. Use `try_divide` to tolerate divisor "
                                      "being 0 and return NULL instead.", {}, "22012")
        if kind == "cal":
            return _scale_calendar(value, num, divide)
        micros = value if kind == "ym" else value // datetime.timedelta(microseconds=1)
        scaled = decimal.Decimal(micros) / num if divide else decimal.Decimal(micros) * num
        whole = int(scaled.to_integral_value(decimal.ROUND_HALF_UP))
        if kind == "ym":
            if not _INT_MIN <= whole <= _INT_MAX:
                raise ansi.arithmetic_overflow("try_multiply")
            return whole
        return datetime.timedelta(microseconds=whole)
    out = {"ym": pa.int32(), "dt": pa.duration("us"), "cal": pa.month_day_nano_interval()}
    return rowwise(one, out[kind], iv, factor)


def _scale_calendar(value: Any, num: decimal.Decimal, divide: bool) -> tuple[int, int, int]:
    """Spark's calendar scaling: fractions of months spill into days (30 a month), of days
    into microseconds."""
    parts = [decimal.Decimal(value[0]), decimal.Decimal(value[1]),
             decimal.Decimal(value[2] // 1000)]
    months, days, micros = [p / num if divide else p * num for p in parts]
    whole_months = int(months)
    days += (months - whole_months) * 30
    whole_days = int(days)
    micros += (days - whole_days) * MICROS_PER_DAY
    whole_micros = int(micros.to_integral_value(decimal.ROUND_HALF_EVEN))
    if not (_INT_MIN <= whole_months <= _INT_MAX and _INT_MIN <= whole_days <= _INT_MAX):
        raise ansi.arithmetic_overflow("try_multiply")
    return whole_months, whole_days, whole_micros * 1000


def temporal_kernel(a: Any, b: Any, op: str, lt: DataType, rt: DataType,
                    tz: str = "UTC") -> Any:
    """``a op b`` for the types ``temporal_result`` accepts."""
    lk, rk = _kind(lt), _kind(rt)
    if op in ("*", "/"):
        if lk in ("int", "num"):
            a, b, lk, rk = b, a, rk, lk
        return _scale(lk, a, b, op == "/")
    if op == "+" and lk not in ("date", "ts") and rk in ("date", "ts"):
        a, b, lt, rt, lk, rk = b, a, rt, lt, rk, lk
    if op == "-" and lk == rk and lk in ("date", "ts"):
        if lk == "date":
            days = pc.subtract(_day_numbers(a), _day_numbers(b))
            return pc.cast(pc.multiply(days, MICROS_PER_DAY), pa.duration("us"))
        return pc.subtract_checked(a, b)
    if op == "-":
        b = _negate(rk, b) if rk != "int" else pc.negate_checked(b)
    if lk == rk and lk in ("dt", "ym"):
        return pc.add_checked(a, b)
    if lk == rk == "cal":
        return rowwise(lambda x, y: tuple(p + q for p, q in zip(x, y)),
                       pa.month_day_nano_interval(), a, b)
    if lk == "date":
        return _date_plus(a, rk, rt, b, tz)
    return _timestamp_plus(a, rk, b, tz)


def _null_on_error(kernel: Callable[..., Any], a: Any, b: Any, *rest: Any, **kw: Any) -> Any:
    """``kernel`` on every row, null where it fails (the ``try_*`` contract)."""
    try:
        return kernel(a, b, *rest, **kw)
    except (pa.ArrowInvalid, ArithmeticException, OverflowError, ValueError):
        pass
    n = length_of(a, b)
    if n is None:
        return None
    left, right = to_array(a, n), to_array(b, n)
    out = []
    for i in range(n):
        try:
            out.append(kernel(left[i], right[i], *rest, **kw))
        except (pa.ArrowInvalid, ArithmeticException, OverflowError, ValueError):
            out.append(None)
    kind = next((v.type for v in out if v is not None), None)
    return pa.array([None if v is None else v.as_py() for v in out], kind or pa.null())


_SYMBOLS = {Add: "+", Subtract: "-", Multiply: "*", Divide: "/"}


def _temporal_spec(name: str, symbol: str) -> ScalarSpec:
    """The spec an operator on dates/timestamps/intervals resolves to."""
    def run(a: Any, b: Any, lt: DataType, rt: DataType, tz: str = "UTC") -> Any:
        return temporal_kernel(a, b, symbol, lt, rt, tz)

    def render(display: str, args: list[str], options: tuple) -> str:
        lt, rt = options
        kinds = (_kind(lt), _kind(rt))
        if symbol in "+-" and kinds == ("date", "int"):
            return f"{'date_add' if symbol == '+' else 'date_sub'}({args[0]}, {args[1]})"
        if symbol in "+-" and kinds[0] in ("date", "ts") and kinds[1] in ("dt", "ym", "cal"):
            return f"{args[0]} {symbol} {args[1]}"  # Spark leaves these unbracketed
        if symbol == "*" and kinds[0] in ("int", "num"):
            return f"({args[1]} * {args[0]})"  # Spark names the interval first
        return f"({args[0]} {symbol} {args[1]})"
    return ScalarSpec(name=name, inputs=["any", "any"], result=lambda types, options:
                      temporal_result(symbol, *options), min_args=2, max_args=2,
                      kernel=run, timezone=True, render_call=render)


_OPERATOR_SPECS = {symbol: _temporal_spec(f"datetime{symbol}", symbol)
                   for symbol in ("+", "-", "*", "/")}


def datetime_arithmetic(e: BinaryArithmetic) -> Expression | None:
    """``e`` as a call of the date/interval arithmetic when its operands need it, else None."""
    symbol = _SYMBOLS.get(type(e))
    if symbol is None:
        return None
    left, right = e.left, e.right
    if temporal_result(symbol, left.data_type, right.data_type) is None:
        return None
    return ScalarFunction(_OPERATOR_SPECS[symbol], [left, right], None,
                          (left.data_type, right.data_type))


def _tolerant_spec(name: str, symbol: str) -> None:
    """``try_add`` & co. on dates and intervals; numbers keep the numeric definition."""
    numeric = lookup(name)

    def coerce(args: list[Expression]) -> list[Expression]:
        if len(args) == 2 and temporal_result(symbol, args[0].data_type,
                                              args[1].data_type) is not None:
            return args
        call = f"{name}({', '.join(a.sql() for a in args)})"
        return numeric.coerce(args, call)

    def options(args: list[Expression]) -> tuple:
        types = (args[0].data_type, args[1].data_type)
        if temporal_result(symbol, *types) is not None:
            return ("temporal", *types)
        return numeric.options_from_args(args) if numeric.options_from_args else ()

    def result(types: list[DataType], opts: tuple) -> DataType:
        if opts[:1] == ("temporal",):
            return temporal_result(symbol, opts[1], opts[2])  # type: ignore[return-value]
        return numeric.result_type(types, opts)

    def run(a: Any, b: Any, *opts: Any, tz: str = "UTC") -> Any:
        if opts[:1] == ("temporal",):
            return _null_on_error(temporal_kernel, a, b, symbol, opts[1], opts[2], tz)
        return numeric.kernel(a, b, *opts)  # type: ignore[misc]

    register(ScalarSpec(name=name, inputs=numeric.inputs, result=result, min_args=2,
                        max_args=2, coerce_args=coerce, options_from_args=options,
                        kernel=run, timezone=True, always_nullable=True))


_tolerant_spec("try_add", "+")
_tolerant_spec("try_subtract", "-")
_tolerant_spec("try_multiply", "*")
_tolerant_spec("try_divide", "/")

