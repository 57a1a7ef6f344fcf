"""Built-in column functions (PySpark's ``pyspark.sql.functions``).

Each function builds an expression; the same names work in SQL text and in
``expr()``, because both resolve through one function registry.

>>> from minispark.sql import functions as F
>>> df = spark.createDataFrame([("Alice", 2), ("Bob", None)], ["name", "age"])
>>> df.select(F.upper("name"), F.coalesce("age", F.lit(0)).alias("age")).collect()
[Row(upper(name)='ALICE', age=2), Row(upper(name)='BOB', age=0)]
"""
from __future__ import annotations

from typing import Any

from minispark.errors import PySparkTypeError
from minispark.sql.column import Column, _column_arg, _expr, column_expression
from minispark.sql.plan import expressions as E
from minispark.sql.udf import pandas_udf, udf  # noqa: F401  (part of the functions API)


def _call(name: str, *args: Any, distinct: bool = False, **kw: Any) -> Column:
    return Column(E.UnresolvedFunction(name, [_column_arg(a) for a in args], distinct, **kw))


def _call_values(name: str, col: Any, *values: Any) -> Column:
    """A function of one column and constant arguments (``round(col, 2)``)."""
    return Column(E.UnresolvedFunction(name, [_column_arg(col)] + [_expr(v) for v in values]))


# ---- columns and literals ------------------------------------------------------------------


def col(col: str) -> Column:
    """The column named ``col`` (``"t.x"`` for a qualified name, ``"*"`` for all).

    >>> col("x")
    Column<'x'>
    """
    if not isinstance(col, str):
        raise PySparkTypeError("NOT_STR", f"Argument `col` should be a str, got "
                               f"{type(col).__name__}.", {"arg_name": "col"})
    return Column(column_expression(col))


column = col


def lit(col: Any) -> Column:
    """A constant column (a Column passes through unchanged).

    >>> lit(5), lit("a")
    (Column<'5'>, Column<''a''>)
    """
    if isinstance(col, Column):
        return col
    if isinstance(col, list):
        return array(*[lit(v) for v in col])
    return Column(E.Literal.of(col))


def expr(str: str) -> Column:
    """A column from a SQL expression string.

    >>> spark.range(2).select(expr("id * 2 AS twice")).collect()
    [Row(twice=0), Row(twice=2)]
    """
    from minispark.sql.parser import parse_expression

    return Column(parse_expression(str))


def broadcast(df: Any) -> Any:
    """Mark ``df`` as small: a join broadcasts it whatever its size."""
    return df.hint("broadcast")


def when(condition: Column, value: Any) -> Column:
    """``CASE WHEN condition THEN value``; chain ``.when`` and ``.otherwise``.

    >>> spark.range(3).select(when(col("id") > 0, "pos").otherwise("zero").alias("s")).collect()
    [Row(s='zero'), Row(s='pos'), Row(s='pos')]
    """
    if not isinstance(condition, Column):
        raise PySparkTypeError("NOT_COLUMN", "Argument `condition` should be a Column, got "
                               f"{type(condition).__name__}.", {"arg_name": "condition"})
    return Column(E.CaseWhen([(condition._expr, _expr(value))]))


def asc(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), True, True))


def asc_nulls_first(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), True, True))


def asc_nulls_last(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), True, False))


def desc(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), False, False))


def desc_nulls_first(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), False, True))


def desc_nulls_last(col: Any) -> Column:
    return Column(E.SortOrder(_column_arg(col), False, False))


# ---- conditionals and nulls ---------------------------------------------------------------


def coalesce(*cols: Any) -> Column:
    """The first non-null argument of each row."""
    return _call("coalesce", *cols)


def isnull(col: Any) -> Column:
    """True where ``col`` is null."""
    return _call("isnull", col)


def isnotnull(col: Any) -> Column:
    return _call("isnotnull", col)


def isnan(col: Any) -> Column:
    """True where ``col`` is NaN."""
    return _call("isnan", col)


def nanvl(col1: Any, col2: Any) -> Column:
    """``col1`` unless it is NaN, else ``col2``."""
    return _call("nanvl", col1, col2)


def nvl(col1: Any, col2: Any) -> Column:
    return _call("nvl", col1, col2)


def ifnull(col1: Any, col2: Any) -> Column:
    return _call("ifnull", col1, col2)


def nvl2(col1: Any, col2: Any, col3: Any) -> Column:
    return _call("nvl2", col1, col2, col3)


def nullif(col1: Any, col2: Any) -> Column:
    return _call("nullif", col1, col2)


def greatest(*cols: Any) -> Column:
    """The largest non-null argument of each row."""
    return _call("greatest", *cols)


def least(*cols: Any) -> Column:
    """The smallest non-null argument of each row."""
    return _call("least", *cols)


# ---- strings --------------------------------------------------------------------------------


def upper(col: Any) -> Column:
    """The string in upper case."""
    return _call("upper", col)


def lower(col: Any) -> Column:
    """The string in lower case."""
    return _call("lower", col)


def length(col: Any) -> Column:
    """The number of characters."""
    return _call("length", col)


def char_length(str: Any) -> Column:
    return _call("char_length", str)


def octet_length(col: Any) -> Column:
    return _call("octet_length", col)


def concat(*cols: Any) -> Column:
    """The strings joined (null if any is null)."""
    return _call("concat", *cols)


def concat_ws(sep: str, *cols: Any) -> Column:
    """The non-null strings joined with ``sep``."""
    return Column(E.UnresolvedFunction("concat_ws", [E.Literal.of(sep)]
                                       + [_column_arg(c) for c in cols]))


def substring(str: Any, pos: Any, len: Any) -> Column:
    """``len`` characters from 1-based position ``pos``."""
    return _call_values("substring", str, pos, len)


def substr(str: Any, pos: Any, len: Any = None) -> Column:
    if len is None:
        return _call_values("substr", str, pos)
    return _call_values("substr", str, pos, len)


def trim(col: Any, trim: Any = None) -> Column:
    """Without leading and trailing spaces."""
    return _call("trim", col) if trim is None else _call_values("trim", col, trim)


def ltrim(col: Any, trim: Any = None) -> Column:
    return _call("ltrim", col) if trim is None else _call_values("ltrim", col, trim)


def rtrim(col: Any, trim: Any = None) -> Column:
    return _call("rtrim", col) if trim is None else _call_values("rtrim", col, trim)


def lpad(col: Any, len: int, pad: str) -> Column:
    """Left-padded (or cut) to ``len`` characters."""
    return _call_values("lpad", col, len, pad)


def rpad(col: Any, len: int, pad: str) -> Column:
    """Right-padded (or cut) to ``len`` characters."""
    return _call_values("rpad", col, len, pad)


def reverse(col: Any) -> Column:
    return _call("reverse", col)


def repeat(col: Any, n: Any) -> Column:
    return _call_values("repeat", col, n)


def initcap(col: Any) -> Column:
    """Each word capitalised."""
    return _call("initcap", col)


def instr(str: Any, substr: str) -> Column:
    """The 1-based position of ``substr`` (0 if absent)."""
    return _call_values("instr", str, substr)


def locate(substr: str, str: Any, pos: int = 1) -> Column:
    return Column(E.UnresolvedFunction("locate", [_expr(substr), _column_arg(str), _expr(pos)]))


def regexp_replace(string: Any, pattern: Any, replacement: Any) -> Column:
    """Every match of ``pattern`` replaced (``$1`` refers to a group)."""
    return _call_values("regexp_replace", string, pattern, replacement)


def regexp_extract(str: Any, pattern: str, idx: int) -> Column:
    """Group ``idx`` of the first match ('' if none)."""
    return _call_values("regexp_extract", str, pattern, idx)


def split(str: Any, pattern: str, limit: int = -1) -> Column:
    """The string cut at each match of ``pattern``, as an array."""
    return _call_values("split", str, pattern, limit)


def translate(srcCol: Any, matching: str, replace: str) -> Column:
    return _call_values("translate", srcCol, matching, replace)


def ascii(col: Any) -> Column:
    return _call("ascii", col)


def left(str: Any, len: Any) -> Column:
    return _call("left", str, len)


def right(str: Any, len: Any) -> Column:
    return _call("right", str, len)


# ---- math ----------------------------------------------------------------------------------


def abs(col: Any) -> Column:
    """The absolute value."""
    return _call("abs", col)


def round(col: Any, scale: int = 0) -> Column:
    """Rounded half up to ``scale`` decimal places."""
    return _call_values("round", col, scale)


def bround(col: Any, scale: int = 0) -> Column:
    """Rounded half to even to ``scale`` decimal places."""
    return _call_values("bround", col, scale)


def _math(name: str, doc: str) -> Any:
    def function(col: Any) -> Column:
        return _call(name, col)
    function.__name__ = name
    function.__doc__ = doc
    return function


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
floor = _math("floor", "The largest whole number not above the value.")
ceil = _math("ceil", "The smallest whole number not below the value.")
ceiling = _math("ceiling", "The smallest whole number not below the value.")
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


def _numeric_arg(value: Any) -> E.Expression:
    return _expr(value) if isinstance(value, (int, float)) else _column_arg(value)


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


# ---- aggregates ----------------------------------------------------------------------------


def count(col: Any) -> Column:
    """The number of rows where ``col`` is not null (``count("*")`` counts all rows).

    >>> spark.createDataFrame([(1,), (None,)], "x int").select(count("*"), count("x")).collect()
    [Row(count(1)=2, count(x)=1)]
    """
    if (isinstance(col, str) and col == "*") or (
            isinstance(col, Column) and isinstance(col._expr, E.UnresolvedStar)
            and not col._expr.target):
        return Column(E.UnresolvedFunction("count", [E.Literal.of(1)]))
    return _call("count", col)


def count_distinct(col: Any, *cols: Any) -> Column:
    """The number of distinct non-null values (of all the columns together)."""
    return _call("count", col, *cols, distinct=True)


countDistinct = count_distinct


def approx_count_distinct(col: Any, rsd: float | None = None) -> Column:
    """The number of distinct values (computed exactly, which is within any ``rsd``)."""
    return _call("approx_count_distinct", col)


approxCountDistinct = approx_count_distinct


def sum(col: Any) -> Column:
    """The sum (bigint for integers, double for floats, a wider decimal for decimals)."""
    return _call("sum", col)


def sum_distinct(col: Any) -> Column:
    return _call("sum", col, distinct=True)


sumDistinct = sum_distinct


def avg(col: Any) -> Column:
    """The mean of the non-null values."""
    return _call("avg", col)


def mean(col: Any) -> Column:
    return _call("avg", col)


def min(col: Any) -> Column:
    return _call("min", col)


def max(col: Any) -> Column:
    return _call("max", col)


def first(col: Any, ignorenulls: bool = False) -> Column:
    """The first value of the group (the first non-null with ``ignorenulls``)."""
    return _call("first", col, ignore_nulls=ignorenulls)


def last(col: Any, ignorenulls: bool = False) -> Column:
    return _call("last", col, ignore_nulls=ignorenulls)


def collect_list(col: Any) -> Column:
    """The group's non-null values as an array."""
    return _call("collect_list", col)


def collect_set(col: Any) -> Column:
    """The group's distinct non-null values as an array."""
    return _call("collect_set", col)


def stddev(col: Any) -> Column:
    return _call("stddev", col)


def std(col: Any) -> Column:
    return _call("std", col)


def stddev_samp(col: Any) -> Column:
    return _call("stddev_samp", col)


def stddev_pop(col: Any) -> Column:
    return _call("stddev_pop", col)




def variance(col: Any) -> Column:
    return _call("variance", col)


def var_samp(col: Any) -> Column:
    return _call("var_samp", col)


def var_pop(col: Any) -> Column:
    return _call("var_pop", col)


def bool_and(col: Any) -> Column:
    return _call("bool_and", col)


def bool_or(col: Any) -> Column:
    return _call("bool_or", col)


def every(col: Any) -> Column:
    return _call("every", col)


def some(col: Any) -> Column:
    return _call("some", col)



# ---- collections -----------------------------------------------------------------------------


def _columns(cols: tuple) -> list[Any]:
    if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
        return list(cols[0])
    return list(cols)


def array(*cols: Any) -> Column:
    """An array of the columns' values."""
    return _call("array", *_columns(cols))


def struct(*cols: Any) -> Column:
    """A struct with one field per column (named after it)."""
    return _call("struct", *_columns(cols))


def named_struct(*cols: Any) -> Column:
    return Column(E.UnresolvedFunction("named_struct", [_expr(c) for c in cols]))


def create_map(*cols: Any) -> Column:
    """A map from alternating key and value columns."""
    return _call("map", *_columns(cols))


def size(col: Any) -> Column:
    """The number of elements of an array or map."""
    return _call("size", col)


def array_contains(col: Any, value: Any) -> Column:
    """Whether the array contains ``value``."""
    return Column(E.UnresolvedFunction("array_contains", [_column_arg(col), _expr(value)]))


def element_at(col: Any, extraction: Any) -> Column:
    """The element at a 1-based index (negative from the end), or a map's value."""
    return Column(E.UnresolvedFunction("element_at", [_column_arg(col), _expr(extraction)]))


def typeof(col: Any) -> Column:
    return _call("typeof", col)


# ---- window functions --------------------------------------------------------------------


def row_number() -> Column:
    """The row's position in its window partition, from 1 (use with ``over``)."""
    return _call("row_number")


def rank() -> Column:
    """The rank with gaps: equal rows share it, the next rank skips."""
    return _call("rank")


def dense_rank() -> Column:
    """The rank without gaps."""
    return _call("dense_rank")


def percent_rank() -> Column:
    """``(rank - 1) / (rows in partition - 1)``."""
    return _call("percent_rank")


def cume_dist() -> Column:
    """The fraction of partition rows ordered at or before this one."""
    return _call("cume_dist")


def ntile(n: int) -> Column:
    """The bucket (1..n) of the row when the partition is split into ``n`` near-equal parts."""
    return Column(E.UnresolvedFunction("ntile", [E.Literal.of(int(n))]))


def lag(col: Any, offset: int = 1, default: Any = None) -> Column:
    """The value ``offset`` rows before, within the partition (``default`` if none)."""
    return Column(E.UnresolvedFunction("lag", [_column_arg(col), E.Literal.of(int(offset)),
                                               _expr(default)]))


def lead(col: Any, offset: int = 1, default: Any = None) -> Column:
    """The value ``offset`` rows after, within the partition (``default`` if none)."""
    return Column(E.UnresolvedFunction("lead", [_column_arg(col), E.Literal.of(int(offset)),
                                                _expr(default)]))


# ---- dates and times -------------------------------------------------------------------


def current_date() -> Column:
    """Today's date in the session time zone (the same for the whole query)."""
    return _call("current_date")


def current_timestamp() -> Column:
    """The current instant (the same for the whole query)."""
    return _call("current_timestamp")


now = current_timestamp


def to_date(col: Any, format: str | None = None) -> Column:
    """A string (in ``format``, ISO by default) or timestamp as a date."""
    return _call("to_date", col) if format is None else _call_values("to_date", col, format)


def to_timestamp(col: Any, format: str | None = None) -> Column:
    """A string (in ``format``, ISO by default) as a timestamp."""
    return (_call("to_timestamp", col) if format is None
            else _call_values("to_timestamp", col, format))


def date_format(date: Any, format: str) -> Column:
    """A date or timestamp as text in Spark's pattern ``format`` (``yyyy-MM-dd``)."""
    return _call_values("date_format", date, format)


def _date_field(name: str) -> Any:
    def function(col: Any) -> Column:
        return _call(name, col)
    function.__name__ = name
    function.__doc__ = f"The {name} of a date or timestamp."
    return function


year = _date_field("year")
month = _date_field("month")
dayofmonth = _date_field("dayofmonth")
day = _date_field("day")
dayofweek = _date_field("dayofweek")
dayofyear = _date_field("dayofyear")
weekofyear = _date_field("weekofyear")
quarter = _date_field("quarter")
hour = _date_field("hour")
minute = _date_field("minute")
second = _date_field("second")
last_day = _date_field("last_day")


def date_add(start: Any, days: Any) -> Column:
    """The date ``days`` days after ``start``."""
    return _call_values("date_add", start, days) if not isinstance(days, Column) else \
        _call("date_add", start, days)


def date_sub(start: Any, days: Any) -> Column:
    """The date ``days`` days before ``start``."""
    return _call_values("date_sub", start, days) if not isinstance(days, Column) else \
        _call("date_sub", start, days)


def datediff(end: Any, start: Any) -> Column:
    """Days from ``start`` to ``end``."""
    return _call("datediff", end, start)


def add_months(start: Any, months: Any) -> Column:
    return _call_values("add_months", start, months) if not isinstance(months, Column) else \
        _call("add_months", start, months)


def months_between(date1: Any, date2: Any, roundOff: bool = True) -> Column:
    return Column(E.UnresolvedFunction("months_between", [_column_arg(date1),
                                                          _column_arg(date2),
                                                          E.Literal.of(roundOff)]))


def trunc(date: Any, format: str) -> Column:
    """The date truncated to the ``format`` unit (``year``, ``month``, ``week``...)."""
    return _call_values("trunc", date, format)


def date_trunc(format: str, timestamp: Any) -> Column:
    """The timestamp truncated to the ``format`` unit."""
    return Column(E.UnresolvedFunction("date_trunc", [E.Literal.of(format),
                                                      _column_arg(timestamp)]))


def unix_timestamp(timestamp: Any = None, format: str = "yyyy-MM-dd HH:mm:ss") -> Column:
    """Seconds since the epoch (of now, or of a timestamp or string in ``format``)."""
    if timestamp is None:
        return _call("unix_timestamp")
    return _call_values("unix_timestamp", timestamp, format)


def from_unixtime(timestamp: Any, format: str = "yyyy-MM-dd HH:mm:ss") -> Column:
    """Seconds since the epoch as text in ``format`` (session time zone)."""
    return _call_values("from_unixtime", timestamp, format)


def make_date(year: Any, month: Any, day: Any) -> Column:
    return _call("make_date", year, month, day)


# ---- generators --------------------------------------------------------------------------


def explode(col: Any) -> Column:
    """One row per element of an array (``col``) or entry of a map (``key``, ``value``).

    >>> spark.createDataFrame([(1, [1, 2])], ["k", "a"]).select("k", explode("a")).collect()
    [Row(k=1, col=1), Row(k=1, col=2)]
    """
    return _call("explode", col)


def explode_outer(col: Any) -> Column:
    """Like :func:`explode`, keeping rows whose array is null or empty (with null)."""
    return _call("explode_outer", col)


def posexplode(col: Any) -> Column:
    """Like :func:`explode`, with each element's position (``pos``) first."""
    return _call("posexplode", col)


def posexplode_outer(col: Any) -> Column:
    return _call("posexplode_outer", col)


# ---- per-task values -----------------------------------------------------------------


def rand(seed: int | None = None) -> Column:
    """Uniform random numbers in [0, 1), the same for a seed and partitioning."""
    import random as _random

    chosen = _random.randrange(1 << 62) if seed is None else int(seed)
    return Column(E.Rand(chosen))


def randn(seed: int | None = None) -> Column:
    """Standard normal random numbers."""
    import random as _random

    chosen = _random.randrange(1 << 62) if seed is None else int(seed)
    return Column(E.Randn(chosen))


def monotonically_increasing_id() -> Column:
    """Unique, increasing 64-bit ids: the partition index in the upper bits."""
    return Column(E.MonotonicallyIncreasingID())


def spark_partition_id() -> Column:
    """The index of the partition computing the row."""
    return Column(E.SparkPartitionID())


def percentile_approx(col: Any, percentage: Any, accuracy: int = 10000) -> Column:
    """The value at ``percentage`` (a float or a list of them) of the sorted values."""
    return Column(E.UnresolvedFunction("percentile_approx", [_column_arg(col), _expr(
        list(percentage) if isinstance(percentage, (list, tuple)) else percentage),
        E.Literal.of(accuracy)]))


approx_percentile = percentile_approx


def median(col: Any) -> Column:
    """The median, interpolated between the two middle values."""
    return _call("median", col)


def percentile(col: Any, percentage: Any, frequency: Any = 1) -> Column:
    """The exact (interpolated) percentile."""
    if frequency != 1:
        raise NotImplementedError("percentile with a frequency other than 1")
    return Column(E.UnresolvedFunction("percentile", [_column_arg(col), _expr(
        list(percentage) if isinstance(percentage, (list, tuple)) else percentage)]))


# ---- more strings, arrays, JSON, encodings ------------------------------------------------


def _simple(name: str, arity: int, doc: str) -> Any:
    def function(*cols: Any) -> Column:
        if len(cols) != arity:
            raise PySparkTypeError("WRONG_NUM_ARGS", f"{name} takes {arity} columns.", {})
        return _call(name, *cols)
    function.__name__ = name
    function.__doc__ = doc
    return function


def _with_values(name: str, doc: str) -> Any:
    def function(col: Any, *values: Any) -> Column:
        return Column(E.UnresolvedFunction(name, [_column_arg(col)] + [
            v._expr if isinstance(v, Column) else E.Literal.of(v) for v in values]))
    function.__name__ = name
    function.__doc__ = doc
    return function


startswith = _simple("startswith", 2, "Whether the string starts with the other.")
endswith = _simple("endswith", 2, "Whether the string ends with the other.")
contains = _simple("contains", 2, "Whether the string contains the other.")
like = _simple("like", 2, "SQL LIKE with a pattern column.")
ilike = _simple("ilike", 2, "Case-insensitive LIKE with a pattern column.")
rlike = _simple("rlike", 2, "Whether the regular expression (a column) matches.")
regexp_like = _simple("regexp_like", 2, "Whether the regular expression (a column) matches.")
replace = _with_values("replace", "Every occurrence of a search string replaced.")
btrim = _with_values("btrim", "Without leading and trailing characters (spaces by default).")
substring_index = _with_values("substring_index", "The text before the count-th delimiter.")
split_part = _simple("split_part", 3, "The index-th part of the string split at a delimiter.")
levenshtein = _simple("levenshtein", 2, "The edit distance of two strings.")
format_number = _with_values("format_number", "The number with grouping commas and d "
                             "decimals.")
format_string = _with_values("format_string", "printf-style formatting.")
printf = format_string
sort_array = _with_values("sort_array", "The array sorted (nulls first ascending).")
array_sort = _simple("array_sort", 1, "The array sorted ascending, nulls last.")
array_distinct = _simple("array_distinct", 1, "The array without duplicates.")
array_max = _simple("array_max", 1, "The largest non-null element.")
array_min = _simple("array_min", 1, "The smallest non-null element.")
array_join = _with_values("array_join", "The elements joined with a delimiter.")
array_position = _with_values("array_position", "The 1-based position of a value (0 if "
                              "absent).")
array_remove = _with_values("array_remove", "The array without a value.")
slice = _with_values("slice", "Elements from a 1-based start, of a length.")
flatten = _simple("flatten", 1, "An array of arrays as one array.")
sequence = _with_values("sequence", "The integers from start to stop by step.")
arrays_overlap = _simple("arrays_overlap", 2, "Whether two arrays share an element.")
map_keys = _simple("map_keys", 1, "The keys of a map.")
map_values = _simple("map_values", 1, "The values of a map.")
to_json = _simple("to_json", 1, "A struct, map or array as JSON text.")
get_json_object = _with_values("get_json_object", "The value at a JSON path ($.a.b[0]).")
hex = _simple("hex", 1, "Hexadecimal text of a number, string or binary.")
unhex = _simple("unhex", 1, "Binary from hexadecimal text.")
base64 = _simple("base64", 1, "Base64 text of binary.")
unbase64 = _simple("unbase64", 1, "Binary from base64 text.")
md5 = _simple("md5", 1, "The MD5 digest as hex.")
sha1 = _simple("sha1", 1, "The SHA-1 digest as hex.")
sha2 = _with_values("sha2", "The SHA-2 digest (224, 256, 384, 512 bits) as hex.")
crc32 = _simple("crc32", 1, "The CRC-32 checksum.")
try_add = _simple("try_add", 2, "a + b, null on overflow.")
try_subtract = _simple("try_subtract", 2, "a - b, null on overflow.")
try_multiply = _simple("try_multiply", 2, "a * b, null on overflow.")
try_divide = _simple("try_divide", 2, "a / b, null for a zero divisor.")
weekday = _date_field("weekday")
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
lcase = _math("lcase", "The string in lower case.")
ucase = _math("ucase", "The string in upper case.")
character_length = _math("character_length", "The number of characters.")
cardinality = _math("cardinality", "The number of elements of an array or map.")
sha = _math("sha", "The SHA-1 digest as hex.")
array_agg = _math("array_agg", "The group's non-null values as an array.")
nullifzero = _math("nullifzero", "Null where the value is 0.")
zeroifnull = _math("zeroifnull", "0 where the value is null.")
monthname = _math("monthname", "The month's three-letter English name.")
dayname = _math("dayname", "The weekday's three-letter English name.")
bit_length = _math("bit_length", "The length of the string in bits (UTF-8).")
chr = _math("chr", "The character of the code point (modulo 256).")
char = _math("char", "The character of the code point (modulo 256).")


def curdate() -> Column:
    """Today's date in the session time zone (``current_date``)."""
    return _call("curdate")


def first_value(col: Any, ignoreNulls: Any = None) -> Column:
    """The first value of the group (the first non-null with ``ignoreNulls``)."""
    return _call("first_value", col, ignore_nulls=_flag(ignoreNulls))


def last_value(col: Any, ignoreNulls: Any = None) -> Column:
    """The last value of the group (the last non-null with ``ignoreNulls``)."""
    return _call("last_value", col, ignore_nulls=_flag(ignoreNulls))


def _flag(value: Any) -> bool:
    if isinstance(value, Column):
        if not isinstance(value._expr, E.Literal):
            raise PySparkTypeError("NOT_BOOL", "ignoreNulls must be a literal bool.", {})
        return bool(value._expr.value)
    return bool(value)


def from_json(col: Any, schema: Any, options: dict | None = None) -> Column:
    """JSON text parsed with ``schema`` (a DDL string or a DataType); null if malformed."""
    if options:
        raise NotImplementedError("from_json options are not supported yet")
    text = schema if isinstance(schema, str) else schema.simpleString()
    return Column(E.UnresolvedFunction("from_json", [_column_arg(col), E.Literal.of(text)]))
