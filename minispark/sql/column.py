"""``Column``: an expression over a DataFrame's columns, built with Python operators.

>>> from minispark.sql import functions as F
>>> F.col("x") + 1
Column<'+(x, 1)'>
>>> (F.col("x") > 1) & F.col("y").isNull()
Column<'and(>(x, 1), isnull(y))'>
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from minispark.errors import IllegalArgumentException, PySparkTypeError, PySparkValueError
from minispark.sql.plan import expressions as E
from minispark.sql.types import DataType


def _expr(value: Any) -> E.Expression:
    """A Column's expression, or a literal for a plain Python value."""
    if isinstance(value, Column):
        return value._expr
    if isinstance(value, E.Expression):
        return value
    return E.Literal.of(value)


def _column_arg(value: Any, name: str = "col") -> E.Expression:
    """A column argument given as a Column or a column name."""
    if isinstance(value, Column):
        return value._expr
    if isinstance(value, str):
        return column_expression(value)
    raise PySparkTypeError("NOT_COLUMN_OR_STR",
                           f"Argument `{name}` should be a Column or str, got "
                           f"{type(value).__name__}.", {"arg_name": name})


def column_expression(name: str) -> E.Expression:
    """``col(name)``'s expression: a column, ``*``, or ``t.*``."""
    if name == "*":
        return E.UnresolvedStar()
    if name.endswith(".*"):
        return E.UnresolvedStar(tuple(E.parse_attribute_name(name[:-2])))
    return E.UnresolvedAttribute.quoted(name)


def _binary(kind: type, reverse: bool = False) -> Callable[["Column", Any], "Column"]:
    def op(self: "Column", other: Any) -> "Column":
        left, right = self._expr, _expr(other)
        if reverse:
            left, right = right, left
        return Column(kind(left, right))
    return op


class Column:
    """A column expression. Build with ``col()``, ``df.x``, ``df["x"]`` or ``lit()``."""

    __slots__ = ("_expr",)

    def __init__(self, expr: E.Expression) -> None:
        self._expr = expr

    # ---- arithmetic ----------------------------------------------------------------

    __add__ = _binary(E.Add)
    __radd__ = _binary(E.Add, reverse=True)
    __sub__ = _binary(E.Subtract)
    __rsub__ = _binary(E.Subtract, reverse=True)
    __mul__ = _binary(E.Multiply)
    __rmul__ = _binary(E.Multiply, reverse=True)
    __truediv__ = _binary(E.Divide)
    __rtruediv__ = _binary(E.Divide, reverse=True)
    __mod__ = _binary(E.Remainder)
    __rmod__ = _binary(E.Remainder, reverse=True)

    def __pow__(self, other: Any) -> "Column":
        return Column(E.UnresolvedFunction("power", [self._expr, _expr(other)]))

    def __rpow__(self, other: Any) -> "Column":
        return Column(E.UnresolvedFunction("power", [_expr(other), self._expr]))

    def bitwiseAND(self, other: Any) -> "Column":
        """Bitwise AND of two integral columns."""
        return Column(E.UnresolvedFunction("bitwise_and", [self._expr, _expr(other)]))

    def bitwiseOR(self, other: Any) -> "Column":
        """Bitwise OR of two integral columns."""
        return Column(E.UnresolvedFunction("bitwise_or", [self._expr, _expr(other)]))

    def bitwiseXOR(self, other: Any) -> "Column":
        """Bitwise XOR of two integral columns."""
        return Column(E.UnresolvedFunction("bitwise_xor", [self._expr, _expr(other)]))

    def transform(self, f: Any) -> "Column":
        """``f(self)``, for chaining column functions."""
        return f(self)

    def __neg__(self) -> "Column":
        return Column(E.UnaryMinus(self._expr, pretty=True))

    # ---- comparison and logic -----------------------------------------------------------

    __eq__ = _binary(E.EqualTo)  # type: ignore[assignment]
    __lt__ = _binary(E.LessThan)
    __le__ = _binary(E.LessThanOrEqual)
    __gt__ = _binary(E.GreaterThan)
    __ge__ = _binary(E.GreaterThanOrEqual)
    __and__ = _binary(E.And)
    __rand__ = _binary(E.And, reverse=True)
    __or__ = _binary(E.Or)
    __ror__ = _binary(E.Or, reverse=True)
    __hash__ = None  # type: ignore[assignment]

    def __ne__(self, other: Any) -> "Column":  # type: ignore[override]
        return Column(E.Not(E.EqualTo(self._expr, _expr(other))))

    def __invert__(self) -> "Column":
        return Column(E.Not(self._expr))

    def eqNullSafe(self, other: Any) -> "Column":
        """Equality that is true for two nulls and false for one (``<=>``).

        >>> from minispark.sql import functions as F
        >>> F.col("x").eqNullSafe(None)
        Column<'<=>(x, NULL)'>
        """
        return Column(E.EqualNullSafe(self._expr, _expr(other)))

    def __bool__(self) -> bool:
        raise PySparkValueError(
            "CANNOT_CONVERT_COLUMN_INTO_BOOL",
            f"Cannot convert column into bool (offending column: {column_repr(self._expr)}): "
            "please use '&' for 'and', '|' for 'or', '~' for 'not' when building DataFrame "
            "boolean expressions.", {})

    __nonzero__ = __bool__

    def __contains__(self, item: Any) -> bool:
        raise PySparkValueError(
            "CANNOT_APPLY_IN_FOR_COLUMN",
            "Cannot apply 'in' operator against a column: please use 'contains' in a string "
            "column or 'array_contains' function for an array column.", {})

    def __iter__(self) -> Iterable:
        raise PySparkTypeError("NOT_ITERABLE", "Column is not iterable.",
                               {"objectName": "Column"})

    # ---- null and set tests ----------------------------------------------------------------

    def isNull(self) -> "Column":
        """True where the value is null.

        >>> from minispark.sql import functions as F
        >>> F.col("x").isNull()
        Column<'isnull(x)'>
        """
        return Column(E.IsNull(self._expr))

    def isNotNull(self) -> "Column":
        """True where the value is not null."""
        return Column(E.IsNotNull(self._expr))

    def isNaN(self) -> "Column":
        """True where the value is NaN."""
        return Column(E.UnresolvedFunction("isnan", [self._expr]))

    def isin(self, *values: Any) -> "Column":
        """True where the value equals one of ``values`` (a list also works).

        >>> from minispark.sql import functions as F
        >>> F.col("x").isin(1, 2)
        Column<'in(x, 1, 2)'>
        """
        if len(values) == 1 and isinstance(values[0], (list, set, tuple)):
            values = tuple(values[0])
        from minispark.sql.dataframe import DataFrame

        if len(values) == 1 and isinstance(values[0], DataFrame):
            return self._in_query(values[0])
        return Column(E.In(self._expr, [_expr(v) for v in values]))

    def _in_query(self, df: Any) -> "Column":
        """``x IN (SELECT ...)``; a ``struct(a, b)`` compares its fields with the columns."""
        expr = self._expr
        if isinstance(expr, E.UnresolvedFunction) and expr.name.lower() == "struct" and len(
                df.columns) > 1:
            values = list(expr.children)
        else:
            values = [expr]
        return Column(E.InSubquery(df._plan, values))

    def between(self, lowerBound: Any, upperBound: Any) -> "Column":
        """``lowerBound <= x AND x <= upperBound``."""
        return (self >= lowerBound) & (self <= upperBound)

    # ---- strings ---------------------------------------------------------------------------

    def like(self, other: str) -> "Column":
        """SQL LIKE (``%`` any characters, ``_`` one)."""
        return Column(E.Like(self._expr, _expr(other)))

    def ilike(self, other: str) -> "Column":
        """Case-insensitive LIKE."""
        return Column(E.Like(self._expr, _expr(other), case_insensitive=True))

    def rlike(self, other: str) -> "Column":
        """True where the regular expression matches part of the string."""
        return Column(E.RLike(self._expr, _expr(other)))

    def startswith(self, other: Any) -> "Column":
        """True where the string starts with ``other``."""
        return Column(E.UnresolvedFunction("startswith", [self._expr, _expr(other)]))

    def endswith(self, other: Any) -> "Column":
        """True where the string ends with ``other``."""
        return Column(E.UnresolvedFunction("endswith", [self._expr, _expr(other)]))

    def contains(self, other: Any) -> "Column":
        """True where the string contains ``other``."""
        return Column(E.UnresolvedFunction("contains", [self._expr, _expr(other)]))

    def substr(self, startPos: Any, length: Any) -> "Column":
        """The substring from 1-based ``startPos`` of ``length`` characters."""
        if type(startPos) is not type(length):
            raise PySparkTypeError("NOT_SAME_TYPE", "Argument `startPos` and `length` should be "
                                   "of the same type.", {})
        return Column(E.UnresolvedFunction("substr", [self._expr, _expr(startPos),
                                                      _expr(length)]))

    # ---- naming and types -----------------------------------------------------------------

    def alias(self, *alias: str, **kwargs: Any) -> "Column":
        """The same column under another name.

        >>> from minispark.sql import functions as F
        >>> F.col("x").alias("y")
        Column<'x AS y'>
        """
        metadata = kwargs.pop("metadata", None)
        if kwargs:
            raise PySparkValueError("UNEXPECTED_KEYWORD", f"Unexpected kwargs: {kwargs}.", {})
        if len(alias) > 1:
            return Column(E.MultiAlias(self._expr, alias))
        return Column(E.Alias(self._expr, alias[0], metadata=metadata))

    name = alias

    def cast(self, dataType: DataType | str) -> "Column":
        """The column converted to ``dataType`` (a DataType or a DDL name like ``"int"``)."""
        return Column(E.Cast(self._expr, _data_type(dataType)))

    astype = cast

    def try_cast(self, dataType: DataType | str) -> "Column":
        """Like :meth:`cast`, but null instead of an error for values that do not convert."""
        return Column(E.Cast(self._expr, _data_type(dataType), try_=True))

    # ---- ordering -----------------------------------------------------------------------------

    def asc(self) -> "Column":
        """Ascending sort order, nulls first."""
        return Column(E.SortOrder(self._expr, True, True))

    def asc_nulls_first(self) -> "Column":
        return Column(E.SortOrder(self._expr, True, True))

    def asc_nulls_last(self) -> "Column":
        return Column(E.SortOrder(self._expr, True, False))

    def desc(self) -> "Column":
        """Descending sort order, nulls last."""
        return Column(E.SortOrder(self._expr, False, False))

    def desc_nulls_first(self) -> "Column":
        return Column(E.SortOrder(self._expr, False, True))

    def desc_nulls_last(self) -> "Column":
        return Column(E.SortOrder(self._expr, False, False))

    # ---- conditionals ------------------------------------------------------------------------

    def when(self, condition: "Column", value: Any) -> "Column":
        """Another branch of a ``when(...)`` chain."""
        expr = self._expr
        if not isinstance(expr, E.CaseWhen) or expr.has_else:
            raise IllegalArgumentException(
                message="when() can only be applied on a Column previously generated by when() "
                        "function, and cannot be applied once otherwise() is applied")
        return Column(E.CaseWhen(expr.branches + [(_expr(condition), _expr(value))]))

    def otherwise(self, value: Any) -> "Column":
        """The value where no ``when`` branch holds."""
        expr = self._expr
        if not isinstance(expr, E.CaseWhen):
            raise IllegalArgumentException(
                message="otherwise() can only be applied on a Column previously generated by "
                        "when()")
        if expr.has_else:
            raise IllegalArgumentException(
                message="otherwise() can only be applied once on a Column previously generated "
                        "by when()")
        return Column(E.CaseWhen(expr.branches, _expr(value)))

    # ---- nested data -----------------------------------------------------------------------

    def withField(self, fieldName: str, col: "Column") -> "Column":
        """This struct with the field ``fieldName`` (a dotted path for a nested one) added or
        replaced by ``col``."""
        if not isinstance(fieldName, str):
            raise PySparkTypeError("NOT_STR", "Argument `fieldName` should be a str, got "
                                   f"{type(fieldName).__name__}.", {"arg_name": "fieldName"})
        if not isinstance(col, Column):
            raise PySparkTypeError("NOT_COLUMN", "Argument `col` should be a Column, got "
                                   f"{type(col).__name__}.", {"arg_name": "col"})
        return Column(self._updates().with_field(fieldName, col._expr))

    def dropFields(self, *fieldNames: str) -> "Column":
        """This struct without the fields ``fieldNames`` (dotted paths for nested ones).

        >>> from minispark.sql import functions as F
        >>> df = spark.sql("SELECT named_struct('a', 1, 'b', 2) AS s")
        >>> df.select(df.s.dropFields("a").alias("s")).collect()
        [Row(s=Row(b=2))]
        """
        return Column(self._updates().drop_fields(list(fieldNames)))

    def _updates(self) -> Any:
        from minispark.sql.plan.update_fields import UpdateFields

        expr = self._expr
        return expr if isinstance(expr, UpdateFields) else UpdateFields(expr, ())

    def outer(self) -> "Column":
        """This column taken from the enclosing query (in a correlated subquery built with
        ``DataFrame.scalar()`` or ``DataFrame.exists()``)."""
        from minispark.sql.plan.outer import OuterColumn

        return Column(OuterColumn(self._expr))

    def getItem(self, key: Any) -> "Column":
        """An array element (0-based) or a map value."""
        return Column(E.UnresolvedExtractValue(self._expr, _expr(key)))

    def getField(self, name: Any) -> "Column":
        """A struct field.

        >>> from minispark.sql import functions as F
        >>> F.col("s").getField("a")
        Column<'s.a'>
        """
        return Column(E.UnresolvedExtractValue(self._expr, _expr(name),
                                               pretty=f"{self._expr.sql()}.{name}"))

    def __getitem__(self, key: Any) -> "Column":
        if isinstance(key, slice):
            if key.step is not None:
                raise PySparkValueError("SLICE_WITH_STEP", "Slice with step is not supported.",
                                        {})
            return self.substr(key.start, key.stop)
        if isinstance(key, str):
            return Column(E.UnresolvedExtractValue(self._expr, _expr(key),
                                                   pretty=f"{self._expr.sql()}.{key}"))
        return self.getItem(key)

    def __getattr__(self, item: str) -> "Column":
        if item.startswith("__"):
            raise AttributeError(item)
        return self[item]

    def over(self, window: Any) -> "Column":
        """This aggregate or ranking function computed over a window.

        >>> from minispark.sql import Window
        >>> from minispark.sql import functions as F
        >>> F.rank().over(Window.partitionBy("k").orderBy("v"))
        Column<'rank() OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST)'>
        """
        return Column(E.WindowExpression(self._expr, window._partition, window._order,
                                         window._frame))

    def __repr__(self) -> str:
        return f"Column<'{column_repr(self._expr)}'>"

    __str__ = __repr__


def _data_type(value: DataType | str) -> DataType:
    if isinstance(value, DataType):
        return value
    if isinstance(value, str):
        from minispark.sql.types import _parse_datatype_string

        return _parse_datatype_string(value)
    raise PySparkTypeError("NOT_DATATYPE_OR_STR",
                           f"Argument `dataType` should be a DataType or str, got "
                           f"{type(value).__name__}.", {"arg_name": "dataType"})


_SYMBOLS = {E.Add: "+", E.Subtract: "-", E.Multiply: "*", E.Divide: "/", E.Remainder: "%",
            E.EqualTo: "=", E.EqualNullSafe: "<=>", E.LessThan: "<", E.LessThanOrEqual: "<=",
            E.GreaterThan: ">", E.GreaterThanOrEqual: ">=", E.And: "and", E.Or: "or",
            E.IntegralDivide: "div"}


def column_repr(expr: E.Expression) -> str:
    """An unresolved expression as PySpark 4 prints a Column (``+(x, 1)``)."""
    symbol = _SYMBOLS.get(type(expr))
    if symbol is not None:
        return f"{symbol}({column_repr(expr.children[0])}, {column_repr(expr.children[1])})"
    if isinstance(expr, E.Literal):
        return f"'{expr.value}'" if isinstance(expr.value, str) else expr.sql()
    if isinstance(expr, E.Not):
        return f"NOT {column_repr(expr.child)}"
    if isinstance(expr, E.IsNull):
        return f"isnull({column_repr(expr.child)})"
    if isinstance(expr, E.IsNotNull):
        return f"isnotnull({column_repr(expr.child)})"
    if isinstance(expr, E.UnaryMinus):
        return f"negative({column_repr(expr.child)})"
    if isinstance(expr, E.In):
        return "in(" + ", ".join(column_repr(c) for c in expr.children) + ")"
    if isinstance(expr, E.Alias):
        return f"{column_repr(expr.child)} AS {expr.name}"
    if isinstance(expr, E.Cast):
        return f"CAST({column_repr(expr.child)} AS {expr.to.simpleString().upper()})"
    if isinstance(expr, E.SortOrder):
        return (f"{column_repr(expr.child)} {'ASC' if expr.ascending else 'DESC'} "
                f"NULLS {'FIRST' if expr.nulls_first else 'LAST'}")
    if isinstance(expr, E.CaseWhen):
        parts = ["CASE"] + [f"WHEN {column_repr(c)} THEN {column_repr(v)}"
                            for c, v in expr.branches]
        if expr.has_else:
            parts.append(f"ELSE {column_repr(expr.else_value)}")  # type: ignore[arg-type]
        return " ".join(parts + ["END"])
    if isinstance(expr, E.UnresolvedFunction):
        inner = ", ".join(column_repr(c) for c in expr.children)
        return f"{expr.name}({'DISTINCT ' if expr.distinct else ''}{inner})"
    if isinstance(expr, (E.Like, E.RLike)):
        word = "RLIKE" if isinstance(expr, E.RLike) else "LIKE"
        return f"{column_repr(expr.children[0])} {word} {column_repr(expr.children[1])}"
    return expr.sql()
