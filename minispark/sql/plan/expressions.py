"""Expressions: the nodes of column computations, before and after analysis.

An expression is *unresolved* while it names columns or functions by text
(:class:`UnresolvedAttribute`, :class:`UnresolvedFunction`, :class:`UnresolvedStar`);
the analyzer replaces those with :class:`AttributeReference` (a column of a
child plan, identified by ``expr_id``) and with resolved function calls, and
inserts the casts Spark's type coercion asks for. Only then do ``data_type``
and ``nullable`` mean anything.

``sql()`` renders an expression as Spark names the column it produces when no
alias is given: ``(x + 1)``, ``upper(s)``, ``count(1)``, ``CASE WHEN ... END``.

>>> x = AttributeReference("x", LongType(), True)
>>> Add(x, Literal.of(1)).sql(), Not(IsNull(x)).sql()
('(x + 1)', '(NOT (x IS NULL))')
"""
from __future__ import annotations

import copy
import datetime
import decimal
import itertools
import math
from typing import Any, Sequence

from minispark.sql.plan.trees import TreeNode
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, DataType, DateType, DecimalType, DoubleType, FloatType,
    IntegerType, LongType, MapType, NullType, StringType, StructField, StructType,
    TimestampNTZType, TimestampType,
)

_ids = itertools.count(1)


def new_expr_id() -> int:
    """A fresh id for an attribute or alias (unique within this driver process)."""
    return next(_ids)


class Expression(TreeNode):
    """Base of every expression node."""

    #: False for expressions whose value may differ between evaluations (rand, uuid).
    deterministic_self = True

    @property
    def data_type(self) -> DataType:
        raise TypeError(f"{type(self).__name__} has no type before analysis")

    @property
    def nullable(self) -> bool:
        return any(c.nullable for c in self.children)

    @property
    def resolved(self) -> bool:
        return all(c.resolved for c in self.children)

    @property
    def deterministic(self) -> bool:
        return self.deterministic_self and all(c.deterministic for c in self.children)

    @property
    def foldable(self) -> bool:
        """Whether the value is a constant the optimizer may compute once."""
        return bool(self.children) and self.deterministic and all(c.foldable for c in self.children)

    def references(self) -> set[int]:
        """The expr ids of every attribute this expression reads."""
        return {n.expr_id for n in self.walk() if isinstance(n, AttributeReference)}

    def sql(self) -> str:
        raise NotImplementedError(type(self).__name__)

    def _params(self) -> tuple:
        """What, besides the children, makes two nodes of this class equal."""
        return ()

    def semantic_key(self) -> tuple:
        return (type(self), _hashable(self._params()),
                tuple(c.semantic_key() for c in self.children))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and self.semantic_key() == other.semantic_key()

    def __hash__(self) -> int:
        return hash(self.semantic_key())

    def __repr__(self) -> str:
        return self.sql()


def _hashable(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


class LeafExpression(Expression):
    children = ()


class UnaryExpression(Expression):
    @property
    def child(self) -> Expression:
        return self.children[0]


class BinaryExpression(Expression):
    @property
    def left(self) -> Expression:
        return self.children[0]

    @property
    def right(self) -> Expression:
        return self.children[1]


# ---- literals --------------------------------------------------------------------

_INT_RANGE = (-(1 << 31), (1 << 31) - 1)


class Literal(LeafExpression):
    """A constant of a given type; ``value`` is a Python value (None for null)."""

    def __init__(self, value: Any, data_type: DataType) -> None:
        self.value = value
        self._type = data_type

    @classmethod
    def of(cls, value: Any) -> "Literal":
        """A literal typed as ``functions.lit`` types Python values.

        >>> Literal.of(1).data_type, Literal.of(2**40).data_type, Literal.of("a").data_type
        (IntegerType(), LongType(), StringType())
        """
        return cls(value, literal_type(value))

    @property
    def data_type(self) -> DataType:
        return self._type

    @property
    def nullable(self) -> bool:
        return self.value is None

    @property
    def resolved(self) -> bool:
        return True

    @property
    def foldable(self) -> bool:
        return True

    def _params(self) -> tuple:
        return (self.value, self._type)

    def sql(self) -> str:
        return literal_sql(self.value, self._type)


def literal_type(value: Any) -> DataType:
    """The Spark type of a Python value given to ``lit``."""
    if value is None:
        return NullType()
    if isinstance(value, bool):
        return BooleanType()
    if isinstance(value, int):
        return IntegerType() if _INT_RANGE[0] <= value <= _INT_RANGE[1] else LongType()
    if isinstance(value, float):
        return DoubleType()
    if isinstance(value, str):
        return StringType()
    if isinstance(value, decimal.Decimal):
        sign, digits, exponent = value.as_tuple()
        scale = max(0, -int(exponent))
        return DecimalType(max(len(digits), scale, 1), scale)
    if isinstance(value, datetime.datetime):
        return TimestampType()
    if isinstance(value, datetime.date):
        return DateType()
    if isinstance(value, datetime.time):
        from minispark.sql.types import TimeType

        return TimeType()
    if isinstance(value, datetime.timedelta):
        from minispark.sql.types import DayTimeIntervalType

        return DayTimeIntervalType()
    if isinstance(value, (bytes, bytearray)):
        return BinaryType()
    if isinstance(value, (list, tuple)):
        element: DataType = NullType()
        for item in value:
            if item is not None:
                element = literal_type(item)
                break
        return ArrayType(element, any(item is None for item in value))
    raise TypeError(f"[UNSUPPORTED_LITERAL] Unsupported literal type {type(value).__name__} "
                    f"for value {value!r}")


def literal_sql(value: Any, data_type: DataType) -> str:
    """How Spark writes a literal in a generated column name."""
    if value is None:
        return "NULL"
    if isinstance(data_type, BooleanType):
        return "true" if value else "false"
    if isinstance(data_type, (DoubleType, FloatType)):
        return java_double_str(float(value))
    if isinstance(data_type, DateType):
        return f"DATE '{value.isoformat()}'"
    if isinstance(data_type, (TimestampType, TimestampNTZType)):
        kind = "TIMESTAMP" if isinstance(data_type, TimestampType) else "TIMESTAMP_NTZ"
        return f"{kind} '{value.isoformat(sep=' ')}'"
    if isinstance(data_type, BinaryType):
        return "X'" + bytes(value).hex().upper() + "'"
    if isinstance(data_type, ArrayType):
        return "array(" + ", ".join(literal_sql(v, data_type.elementType) for v in value) + ")"
    if data_type.typeName() in ("daytimeinterval", "yearmonthinterval", "interval"):
        from minispark.sql.execution.formatting import interval_text

        return interval_text(value, data_type)
    return str(value)


def java_double_str(x: float) -> str:
    """A double as Java's ``Double.toString`` prints it (``1.0``, ``1.0E10``, ``NaN``).

    >>> [java_double_str(v) for v in (1.0, 0.1, 1e7, 1.5e-5, -0.0, float("inf"))]
    ['1.0', '0.1', '1.0E7', '1.5E-5', '-0.0', 'Infinity']
    """
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        if "e" in text:  # repr switches to exponent form only below 1e-4 / above 1e16
            text = format(x, "f")
        return text if "." in text else text + ".0"
    _, digit_tuple, exponent = decimal.Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, digit_tuple))
    power = len(digits) + int(exponent) - 1
    digits = digits.rstrip("0") or "0"
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{power}"


# ---- attributes --------------------------------------------------------------------


class NamedExpression(Expression):
    """An expression that produces a named column (an attribute or an alias)."""

    name: str
    expr_id: int

    def to_attribute(self) -> "AttributeReference":
        raise NotImplementedError


class AttributeReference(NamedExpression, LeafExpression):
    """A column produced by some plan node, known by ``expr_id``.

    ``qualifier`` holds the table or alias names it can be referred to by
    (``t.x``).
    """

    def __init__(self, name: str, data_type: DataType, nullable: bool = True,
                 expr_id: int | None = None, qualifier: tuple[str, ...] = (),
                 plan_tag: Any = None) -> None:
        self.name = name
        self._type = data_type
        self._nullable = nullable
        self.expr_id = new_expr_id() if expr_id is None else expr_id
        self.qualifier = tuple(qualifier)
        #: The plan of the DataFrame it was taken from (``df["x"]``), to tell the two
        #: sides of a self-join apart.
        self.plan_tag = plan_tag

    @property
    def data_type(self) -> DataType:
        return self._type

    @property
    def nullable(self) -> bool:
        return self._nullable

    @property
    def resolved(self) -> bool:
        return True

    @property
    def foldable(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.expr_id,)

    def to_attribute(self) -> "AttributeReference":
        return self

    def with_qualifier(self, qualifier: tuple[str, ...]) -> "AttributeReference":
        return AttributeReference(self.name, self._type, self._nullable, self.expr_id, qualifier)

    def with_name(self, name: str) -> "AttributeReference":
        return AttributeReference(name, self._type, self._nullable, self.expr_id, self.qualifier)

    def with_nullability(self, nullable: bool) -> "AttributeReference":
        return AttributeReference(self.name, self._type, nullable, self.expr_id, self.qualifier)

    def new_instance(self) -> "AttributeReference":
        """The same column under a fresh id (for the second side of a self-join)."""
        return AttributeReference(self.name, self._type, self._nullable, None, self.qualifier)

    def sql(self) -> str:
        return self.name

    def describe(self) -> str:
        """``name#id``, as plans print attributes."""
        return f"{self.name}#{self.expr_id}"


class Alias(NamedExpression, UnaryExpression):
    """``child AS name``."""

    def __init__(self, child: Expression, name: str, expr_id: int | None = None,
                 metadata: dict | None = None) -> None:
        self.children = (child,)
        self.name = name
        self.expr_id = new_expr_id() if expr_id is None else expr_id
        self.metadata = metadata

    @property
    def data_type(self) -> DataType:
        return self.child.data_type

    def _params(self) -> tuple:
        return (self.name, self.expr_id)

    def to_attribute(self) -> AttributeReference:
        return AttributeReference(self.name, self.child.data_type, self.child.nullable,
                                  self.expr_id)

    def sql(self) -> str:
        return f"{self.child.sql()} AS {quote_if_needed(self.name)}"


def quote_if_needed(name: str) -> str:
    """``name`` in backticks when it is not a plain identifier."""
    if name.replace("_", "a").isalnum() and not name[:1].isdigit():
        return name
    return "`" + name.replace("`", "``") + "`"


class UnresolvedAttribute(LeafExpression):
    """A column named by text: ``parts`` is ``("t", "x")`` for ``t.x``."""

    def __init__(self, parts: Sequence[str]) -> None:
        self.parts = tuple(parts)

    @classmethod
    def quoted(cls, name: str) -> "UnresolvedAttribute":
        """Parse ``a.b`` / `` `a.b` `` into name parts, as ``col()`` does.

        >>> UnresolvedAttribute.quoted("t.x").parts, UnresolvedAttribute.quoted("`a.b`.c").parts
        (('t', 'x'), ('a.b', 'c'))
        """
        return cls(parse_attribute_name(name))

    @property
    def resolved(self) -> bool:
        return False

    @property
    def foldable(self) -> bool:
        return False

    def _params(self) -> tuple:
        return self.parts

    @property
    def name(self) -> str:
        return ".".join(self.parts)

    def sql(self) -> str:
        return ".".join(quote_if_needed(p) if "." in p else p for p in self.parts)


def parse_attribute_name(name: str) -> list[str]:
    """Split a column name on dots outside backticks (```` doubles a backtick)."""
    parts: list[str] = []
    current: list[str] = []
    in_quotes = False
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == "`":
            if in_quotes and name[i + 1:i + 2] == "`":
                current.append("`")
                i += 1
            else:
                in_quotes = not in_quotes
        elif ch == "." and not in_quotes:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if in_quotes:
        from minispark.errors import AnalysisException
        raise AnalysisException("INVALID_ATTRIBUTE_NAME_SYNTAX",
                                f"Syntax error in the attribute name: `{name}`.",
                                {"name": name}, "42601")
    parts.append("".join(current))
    return parts


class MultiAlias(UnaryExpression):
    """``generator AS (a, b)``: names for each column a generator produces."""

    def __init__(self, child: Expression, names: Sequence[str]) -> None:
        self.children = (child,)
        self.names = tuple(names)

    @property
    def resolved(self) -> bool:
        return False

    def _params(self) -> tuple:
        return self.names

    def sql(self) -> str:
        return f"{self.child.sql()} AS ({', '.join(self.names)})"


class Generator(Expression):
    """``explode``/``posexplode`` (``outer`` keeps rows whose array is null or empty).

    It yields several columns per input row (``output``): ``col`` for an array
    (``pos`` first for posexplode), ``key`` and ``value`` for a map.
    """

    def __init__(self, child: Expression, with_position: bool, outer: bool,
                 names: Sequence[str] | None = None, display: str = "explode",
                 inline: bool = False) -> None:
        self.children = (child,)
        self.with_position = with_position
        self.outer = outer
        self.names = tuple(names) if names else None
        self.display = display
        #: Each element is a struct whose fields become the columns (inline, stack...).
        self.inline = inline

    @property
    def child(self) -> Expression:
        return self.children[0]

    def _params(self) -> tuple:
        return (self.with_position, self.outer, self.names, self.inline)

    def element_fields(self) -> list[tuple[str, DataType]]:
        t = self.child.data_type
        if isinstance(t, MapType):
            fields = [("key", t.keyType), ("value", t.valueType)]
        elif self.inline:
            fields = [(f.name, f.dataType) for f in t.elementType.fields]  # type: ignore
        else:
            fields = [("col", t.elementType)]  # type: ignore[attr-defined]
        if self.with_position:
            fields.insert(0, ("pos", IntegerType()))
        if self.names:
            fields = [(n, f[1]) for n, f in zip(self.names, fields)]
        return fields

    @property
    def data_type(self) -> DataType:
        return self.element_fields()[-1][1]

    @property
    def foldable(self) -> bool:
        return False  # it yields rows, not a value (explode(array(1, 2)) is not folded)

    def sql(self) -> str:
        return f"{self.display}({self.child.sql()})"


class UnresolvedStar(LeafExpression):
    """``*`` or ``t.*``: every column (of ``target`` when given)."""

    def __init__(self, target: tuple[str, ...] | None = None) -> None:
        self.target = target

    @property
    def resolved(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.target,)

    def sql(self) -> str:
        return ".".join(self.target) + ".*" if self.target else "*"


class OuterReference(LeafExpression):
    """An attribute of an enclosing query, inside a correlated subquery."""

    def __init__(self, attribute: AttributeReference) -> None:
        self.attribute = attribute

    @property
    def data_type(self) -> DataType:
        return self.attribute.data_type

    @property
    def nullable(self) -> bool:
        return self.attribute.nullable

    def _params(self) -> tuple:
        return (self.attribute.expr_id,)

    def sql(self) -> str:
        return f"outer({self.attribute.name})"


# ---- arithmetic ------------------------------------------------------------------------


class UnaryMinus(UnaryExpression):
    """``-x``; ``pretty`` names it ``negative(x)`` as the DataFrame API does."""

    def __init__(self, child: Expression, pretty: bool = False) -> None:
        self.children = (child,)
        self.pretty = pretty

    @property
    def data_type(self) -> DataType:
        return self.child.data_type

    def _params(self) -> tuple:
        return (self.pretty,)

    def sql(self) -> str:
        return f"negative({self.child.sql()})" if self.pretty else f"(- {self.child.sql()})"


class UnaryPositive(UnaryExpression):
    """``+x``."""

    def __init__(self, child: Expression) -> None:
        self.children = (child,)

    @property
    def data_type(self) -> DataType:
        return self.child.data_type

    def sql(self) -> str:
        return f"(+ {self.child.sql()})"


class BinaryOperator(BinaryExpression):
    """``left <symbol> right``."""

    symbol = "?"

    def __init__(self, left: Expression, right: Expression) -> None:
        self.children = (left, right)

    def sql(self) -> str:
        return f"({self.left.sql()} {self.symbol} {self.right.sql()})"


class BinaryArithmetic(BinaryOperator):
    """Arithmetic on two operands of one (coerced) numeric type, or on two decimals."""

    @property
    def resolved(self) -> bool:
        # On dates, timestamps or intervals the analyzer swaps in the datetime arithmetic.
        return super().resolved and not any(
            c.data_type.typeName() in _DATETIME_TYPE_NAMES for c in self.children)

    @property
    def data_type(self) -> DataType:
        left, right = self.left.data_type, self.right.data_type
        if isinstance(left, DecimalType) and isinstance(right, DecimalType):
            return decimal_result(self.symbol, left, right)
        return left


_DATETIME_TYPE_NAMES = ("date", "timestamp", "timestamp_ntz", "daytimeinterval",
                        "yearmonthinterval", "interval")


class Add(BinaryArithmetic):
    symbol = "+"


class Subtract(BinaryArithmetic):
    symbol = "-"


class Multiply(BinaryArithmetic):
    symbol = "*"


class Divide(BinaryArithmetic):
    """``/``: always fractional (double, or decimal for decimals)."""

    symbol = "/"

    @property
    def nullable(self) -> bool:
        return True


class IntegralDivide(BinaryArithmetic):
    """``div``: integer quotient, as a bigint."""

    symbol = "div"

    @property
    def data_type(self) -> DataType:
        return LongType()

    @property
    def nullable(self) -> bool:
        return True


class Remainder(BinaryArithmetic):
    """``%``: remainder with the sign of the dividend (Java's)."""

    symbol = "%"

    @property
    def nullable(self) -> bool:
        return True


def decimal_result(symbol: str, a: DecimalType, b: DecimalType) -> DecimalType:
    """Spark's result type of decimal arithmetic (precision loss allowed, as by default).

    >>> decimal_result("/", DecimalType(2, 1), DecimalType(1, 0))
    DecimalType(7,6)
    """
    from minispark.sql.plan.typecoercion import bounded_decimal

    p1, s1, p2, s2 = a.precision, a.scale, b.precision, b.scale
    if symbol in ("+", "-"):
        scale = max(s1, s2)
        return bounded_decimal(max(p1 - s1, p2 - s2) + scale + 1, scale)
    if symbol == "*":
        return bounded_decimal(p1 + p2 + 1, s1 + s2)
    if symbol == "/":
        scale = max(6, s1 + p2 + 1)
        return bounded_decimal(p1 - s1 + s2 + scale, scale)
    scale = max(s1, s2)
    return bounded_decimal(min(p1 - s1, p2 - s2) + scale, scale)


# ---- predicates ------------------------------------------------------------------------


class Predicate(Expression):
    @property
    def data_type(self) -> DataType:
        return BooleanType()


class BinaryComparison(Predicate, BinaryOperator):
    pass


class EqualTo(BinaryComparison):
    symbol = "="


class EqualNullSafe(BinaryComparison):
    symbol = "<=>"

    @property
    def nullable(self) -> bool:
        return False


class LessThan(BinaryComparison):
    symbol = "<"


class LessThanOrEqual(BinaryComparison):
    symbol = "<="


class GreaterThan(BinaryComparison):
    symbol = ">"


class GreaterThanOrEqual(BinaryComparison):
    symbol = ">="


class And(Predicate, BinaryOperator):
    symbol = "AND"


class Or(Predicate, BinaryOperator):
    symbol = "OR"


class Not(Predicate, UnaryExpression):
    def __init__(self, child: Expression) -> None:
        self.children = (child,)

    def sql(self) -> str:
        return f"(NOT {self.child.sql()})"


class IsNull(Predicate, UnaryExpression):
    def __init__(self, child: Expression) -> None:
        self.children = (child,)

    @property
    def nullable(self) -> bool:
        return False

    def sql(self) -> str:
        return f"({self.child.sql()} IS NULL)"


class IsNotNull(Predicate, UnaryExpression):
    def __init__(self, child: Expression) -> None:
        self.children = (child,)

    @property
    def nullable(self) -> bool:
        return False

    def sql(self) -> str:
        return f"({self.child.sql()} IS NOT NULL)"


class In(Predicate):
    """``value IN (list...)``; children are the value then the list."""

    def __init__(self, value: Expression, values: Sequence[Expression]) -> None:
        self.children = (value, *values)

    @property
    def value(self) -> Expression:
        return self.children[0]

    @property
    def values(self) -> tuple[Expression, ...]:
        return self.children[1:]

    def sql(self) -> str:
        return f"({self.value.sql()} IN ({', '.join(v.sql() for v in self.values)}))"


class Like(Predicate, BinaryExpression):
    """``child LIKE pattern`` (``%`` and ``_`` wildcards, ``escape`` before a literal one)."""

    def __init__(self, child: Expression, pattern: Expression, escape: str = "\\",
                 case_insensitive: bool = False) -> None:
        self.children = (child, pattern)
        self.escape = escape
        self.case_insensitive = case_insensitive

    def _params(self) -> tuple:
        return (self.escape, self.case_insensitive)

    def sql(self) -> str:
        word = "ILIKE" if self.case_insensitive else "LIKE"
        tail = "" if self.escape == "\\" else f" ESCAPE '{self.escape}'"
        return f"{self.left.sql()} {word} {self.right.sql()}{tail}"


class RLike(Predicate, BinaryExpression):
    """``child RLIKE regex``: true when the regex matches anywhere in the string."""

    def __init__(self, child: Expression, pattern: Expression) -> None:
        self.children = (child, pattern)

    def sql(self) -> str:
        return f"RLIKE({self.left.sql()}, {self.right.sql()})"


# ---- conditionals and casts ----------------------------------------------------------


class CaseWhen(Expression):
    """``CASE WHEN c1 THEN v1 ... [ELSE e] END``; children: c1, v1, c2, v2, ..., [e]."""

    def __init__(self, branches: Sequence[tuple[Expression, Expression]],
                 else_value: Expression | None = None) -> None:
        flat: list[Expression] = [e for pair in branches for e in pair]
        if else_value is not None:
            flat.append(else_value)
        self.children = tuple(flat)
        self.has_else = else_value is not None

    def _params(self) -> tuple:
        return (self.has_else,)

    @property
    def branches(self) -> list[tuple[Expression, Expression]]:
        n = len(self.children) - (1 if self.has_else else 0)
        return [(self.children[i], self.children[i + 1]) for i in range(0, n, 2)]

    @property
    def else_value(self) -> Expression | None:
        return self.children[-1] if self.has_else else None

    def values(self) -> list[Expression]:
        out = [v for _, v in self.branches]
        if self.has_else:
            out.append(self.children[-1])
        return out

    @property
    def data_type(self) -> DataType:
        for value in self.values():
            if not isinstance(value.data_type, NullType):
                return value.data_type
        return NullType()

    @property
    def nullable(self) -> bool:
        return not self.has_else or any(v.nullable for v in self.values())

    def sql(self) -> str:
        parts = ["CASE"]
        for cond, value in self.branches:
            parts.append(f"WHEN {cond.sql()} THEN {value.sql()}")
        if self.has_else:
            parts.append(f"ELSE {self.children[-1].sql()}")
        parts.append("END")
        return " ".join(parts)


class Cast(UnaryExpression):
    """``CAST(child AS to)``: ANSI (raises on bad input) unless ``try_``."""

    def __init__(self, child: Expression, to: DataType, try_: bool = False,
                 display: str | None = None, implicit: bool = False) -> None:
        self.children = (child,)
        self.to = to
        self.try_ = try_
        #: How a typed literal (``TIMESTAMP '...'``) names its column.
        self.display = display
        #: Inserted by type coercion: invisible in generated column names, as in Spark.
        self.implicit = implicit

    @property
    def data_type(self) -> DataType:
        return self.to

    @property
    def nullable(self) -> bool:
        return self.try_ or self.child.nullable

    def _params(self) -> tuple:
        return (self.to, self.try_)

    def sql(self) -> str:
        if self.display:
            return self.display
        if self.implicit:
            return self.child.sql()
        word = "TRY_CAST" if self.try_ else "CAST"
        return f"{word}({self.child.sql()} AS {self.to.simpleString().upper()})"


# ---- sorting -----------------------------------------------------------------------------


class SortOrder(UnaryExpression):
    """A sort key: ascending puts nulls first and descending last unless told otherwise."""

    def __init__(self, child: Expression, ascending: bool = True,
                 nulls_first: bool | None = None) -> None:
        self.children = (child,)
        self.ascending = ascending
        self.nulls_first = ascending if nulls_first is None else nulls_first

    @property
    def data_type(self) -> DataType:
        return self.child.data_type

    def _params(self) -> tuple:
        return (self.ascending, self.nulls_first)

    def sql(self) -> str:
        direction = "ASC" if self.ascending else "DESC"
        nulls = "NULLS FIRST" if self.nulls_first else "NULLS LAST"
        return f"{self.child.sql()} {direction} {nulls}"


# ---- functions ------------------------------------------------------------------------------


class UnresolvedFunction(Expression):
    """A function called by name; the analyzer looks it up in the function registry."""

    def __init__(self, name: str, args: Sequence[Expression], distinct: bool = False,
                 display: str | None = None, ignore_nulls: bool = False) -> None:
        self.name = name
        self.children = tuple(args)
        self.distinct = distinct
        self.display = display
        self.ignore_nulls = ignore_nulls

    @property
    def resolved(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.name.lower(), self.distinct, self.ignore_nulls)

    def sql(self) -> str:
        inner = ", ".join(a.sql() for a in self.children)
        prefix = "DISTINCT " if self.distinct else ""
        return f"{self.display or self.name.lower()}({prefix}{inner})"


class ScalarFunction(Expression):
    """A resolved call of a built-in scalar function (see :mod:`minispark.sql.builtins`)."""

    def __init__(self, spec: Any, args: Sequence[Expression], display: str | None = None,
                 options: tuple = ()) -> None:
        self.spec = spec
        self.children = tuple(args)
        self.display = display or spec.pretty
        self.options = options

    @property
    def data_type(self) -> DataType:
        return self.spec.result_type([c.data_type for c in self.children], self.options)

    @property
    def nullable(self) -> bool:
        return self.spec.is_nullable(self.children)

    @property
    def deterministic(self) -> bool:
        return self.spec.deterministic and all(c.deterministic for c in self.children)

    @property
    def foldable(self) -> bool:
        return self.deterministic and all(c.foldable for c in self.children)

    def _params(self) -> tuple:
        return (self.spec.name, self.options)

    def sql(self) -> str:
        return self.spec.render(self.display, [c.sql() for c in self.children], self.options)


class AggregateFunction(Expression):
    """A resolved aggregate call (``sum(x)``, ``count(DISTINCT x)``), before it is computed."""

    def __init__(self, spec: Any, args: Sequence[Expression], distinct: bool = False,
                 display: str | None = None, options: tuple = ()) -> None:
        self.spec = spec
        self.children = tuple(args)
        self.distinct = distinct
        self.display = display or spec.pretty
        self.options = options

    @property
    def data_type(self) -> DataType:
        return self.spec.result_type([c.data_type for c in self.children], self.options)

    @property
    def nullable(self) -> bool:
        return self.spec.nullable_result

    @property
    def foldable(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.spec.name, self.distinct, self.options)

    def sql(self) -> str:
        return self.spec.render(self.display, [c.sql() for c in self.children], self.options,
                                self.distinct)


# ---- lambdas (higher-order functions) -------------------------------------------------------


class LambdaVariable(LeafExpression):
    """A lambda's parameter (``x`` in ``x -> x + 1``), typed by the function calling it.

    Not an :class:`AttributeReference`: it reads no column of the child plan.
    """

    qualifier: tuple[str, ...] = ()

    def __init__(self, name: str, data_type: DataType, nullable: bool = True,
                 expr_id: int | None = None) -> None:
        self.name = name
        self._type = data_type
        self._nullable = nullable
        self.expr_id = new_expr_id() if expr_id is None else expr_id

    @property
    def data_type(self) -> DataType:
        return self._type

    @property
    def nullable(self) -> bool:
        return self._nullable

    @property
    def foldable(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.name, self.expr_id)

    def sql(self) -> str:
        return "namedlambdavariable()"  # as Spark names columns, whatever the name


class UnresolvedLambda(LeafExpression):
    """``(x, y) -> body`` before the calling function types its parameters.

    The body is kept outside ``children`` so that resolution does not reach it before
    the parameters it names exist.
    """

    def __init__(self, body: Expression, names: Sequence[str]) -> None:
        self.body = body
        self.names = tuple(names)

    @property
    def resolved(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.names, self.body.semantic_key())

    def sql(self) -> str:
        # Named as once resolved: every parameter is ``namedlambdavariable()``.
        names = {n.lower() for n in self.names}
        body = self.body.transform_up(
            lambda e: LambdaVariable(e.name, NullType()) if isinstance(e, UnresolvedAttribute)
            and len(e.parts) == 1 and e.parts[0].lower() in names else e)
        variables = ", ".join("namedlambdavariable()" for _ in self.names)
        return f"lambdafunction({body.sql()}, {variables})"


class LambdaFunction(Expression):
    """A lambda whose parameters are typed: children are the body then the parameters."""

    def __init__(self, body: Expression, variables: Sequence[LambdaVariable]) -> None:
        self.children = (body, *variables)

    @property
    def body(self) -> Expression:
        return self.children[0]

    @property
    def variables(self) -> tuple[Expression, ...]:
        return self.children[1:]

    @property
    def data_type(self) -> DataType:
        return self.body.data_type

    @property
    def nullable(self) -> bool:
        return self.body.nullable

    @property
    def foldable(self) -> bool:
        return False

    def sql(self) -> str:
        return f"lambdafunction({', '.join(c.sql() for c in self.children)})"


class HigherOrderFunction(Expression):
    """A resolved call taking lambdas (``transform``, ``aggregate``...); ``spec`` (in
    :mod:`minispark.sql.builtins.higher_order`) knows its type and how to evaluate it."""

    def __init__(self, spec: Any, args: Sequence[Expression], display: str | None = None
                 ) -> None:
        self.spec = spec
        self.children = tuple(args)
        self.display = display or spec.name

    @property
    def data_type(self) -> DataType:
        return self.spec.result_type(self.children)

    @property
    def nullable(self) -> bool:
        return self.spec.is_nullable(self.children)

    def _params(self) -> tuple:
        return (self.spec.name,)

    def sql(self) -> str:
        return f"{self.display}({', '.join(c.sql() for c in self.children)})"


class PartitionDependent(LeafExpression):
    """A value that depends on the task computing it (random numbers, row ids)."""

    deterministic_self = False
    kind = ""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    @property
    def data_type(self) -> DataType:
        return {"rand": DoubleType(), "randn": DoubleType(),
                "monotonically_increasing_id": LongType(),
                "spark_partition_id": IntegerType()}[self.kind]

    @property
    def nullable(self) -> bool:
        return False

    @property
    def resolved(self) -> bool:
        return True

    @property
    def foldable(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.kind, self.seed)

    def sql(self) -> str:
        if self.kind == "spark_partition_id":
            return "SPARK_PARTITION_ID()"
        return f"{self.kind}({'' if self.seed is None else self.seed})"


class Rand(PartitionDependent):
    kind = "rand"


class Randn(PartitionDependent):
    kind = "randn"


class MonotonicallyIncreasingID(PartitionDependent):
    kind = "monotonically_increasing_id"


class SparkPartitionID(PartitionDependent):
    kind = "spark_partition_id"


class PythonUDF(Expression):
    """A call of a user's Python function (row at a time, or vectorized over pandas)."""

    def __init__(self, name: str, func: Any, return_type: DataType, args: Sequence[Expression],
                 vectorized: bool = False, deterministic: bool = True) -> None:
        self.name = name
        self.func = func
        self.return_type = return_type
        self.children = tuple(args)
        self.vectorized = vectorized
        self.deterministic_self = deterministic

    @property
    def data_type(self) -> DataType:
        return self.return_type

    @property
    def nullable(self) -> bool:
        return True

    @property
    def foldable(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.name, id(self.func), self.return_type, self.vectorized)

    def sql(self) -> str:
        return f"{self.name}({', '.join(c.sql() for c in self.children)})"


class SubqueryExpression(Expression):
    """A query used as a value (``plan`` is a logical plan, analyzed with the outer scope)."""

    def __init__(self, plan: Any, children: Sequence[Expression] = ()) -> None:
        self.plan = plan
        self.children = tuple(children)

    @property
    def resolved(self) -> bool:
        return self.plan.resolved and all(c.resolved for c in self.children)

    @property
    def foldable(self) -> bool:
        return False

    def with_plan(self, plan: Any) -> "SubqueryExpression":
        clone = copy.copy(self)
        clone.plan = plan
        return clone

    def _params(self) -> tuple:
        return (id(self.plan),)

    def outer_references(self) -> list["OuterReference"]:
        found = []
        for node in self.plan.walk():
            for e in node.expressions():
                found.extend(x for x in e.walk() if isinstance(x, OuterReference))
        return found


class ScalarSubquery(SubqueryExpression):
    """``(SELECT one value ...)``."""

    @property
    def data_type(self) -> DataType:
        return self.plan.output[0].data_type

    @property
    def nullable(self) -> bool:
        return True

    def sql(self) -> str:
        return "scalarsubquery()"


class Exists(SubqueryExpression, Predicate):
    """``EXISTS (SELECT ...)``."""

    @property
    def nullable(self) -> bool:
        return False

    def sql(self) -> str:
        return "exists()"


class InSubquery(SubqueryExpression, Predicate):
    """``value IN (SELECT ...)``; children are the values compared with the query's columns."""

    def sql(self) -> str:
        return f"({', '.join(c.sql() for c in self.children)} IN (listquery()))"


# ---- windows -----------------------------------------------------------------------------

UNBOUNDED_PRECEDING = -(1 << 63)
UNBOUNDED_FOLLOWING = (1 << 63) - 1
CURRENT_ROW = 0


class WindowFrame:
    """``ROWS|RANGE BETWEEN lower AND upper``; bounds are row offsets (or the sentinels)."""

    def __init__(self, kind: str, lower: int, upper: int) -> None:
        self.kind = kind
        self.lower = lower
        self.upper = upper

    def key(self) -> tuple:
        return (self.kind, self.lower, self.upper)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WindowFrame) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    @staticmethod
    def _bound(value: int) -> str:
        if value <= UNBOUNDED_PRECEDING:
            return "UNBOUNDED PRECEDING"
        if value >= UNBOUNDED_FOLLOWING:
            return "UNBOUNDED FOLLOWING"
        if value == 0:
            return "CURRENT ROW"
        return f"{value} FOLLOWING"

    def sql(self) -> str:
        return (f"{self.kind.upper()} BETWEEN {self._bound(self.lower)} AND "
                f"{self._bound(self.upper)}")

    def __repr__(self) -> str:
        return self.sql()


class WindowFunction(Expression):
    """A resolved ranking or offset function (row_number, rank, lag...), used with OVER."""

    def __init__(self, spec: Any, args: Sequence[Expression], display: str | None = None,
                 options: tuple = ()) -> None:
        self.spec = spec
        self.children = tuple(args)
        self.display = display or spec.pretty or spec.name
        self.options = options

    @property
    def data_type(self) -> DataType:
        return self.spec.result_type([c.data_type for c in self.children], self.options)

    @property
    def nullable(self) -> bool:
        return self.spec.name in ("lag", "lead", "nth_value")

    @property
    def foldable(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.spec.name, self.options)

    def sql(self) -> str:
        return self.spec.render(self.display, [c.sql() for c in self.children], self.options)


class WindowExpression(Expression):
    """``function OVER (PARTITION BY ... ORDER BY ... frame)``.

    Children: the function, then the partition expressions, then the sort orders.
    """

    def __init__(self, function: Expression, partition: Sequence[Expression],
                 order: Sequence["SortOrder"], frame: WindowFrame | None = None) -> None:
        self.children = (function, *partition, *order)
        self.num_partition = len(partition)
        self.frame = frame

    @property
    def function(self) -> Expression:
        return self.children[0]

    @property
    def partition(self) -> tuple[Expression, ...]:
        return self.children[1:1 + self.num_partition]

    @property
    def order(self) -> tuple[Expression, ...]:
        return self.children[1 + self.num_partition:]

    @property
    def data_type(self) -> DataType:
        return self.function.data_type

    @property
    def nullable(self) -> bool:
        return True

    @property
    def foldable(self) -> bool:
        return False

    @property
    def resolved(self) -> bool:
        return super().resolved and self.frame is not None

    def _params(self) -> tuple:
        return (self.num_partition, self.frame)

    def spec_sql(self) -> str:
        parts = []
        if self.partition:
            parts.append("PARTITION BY " + ", ".join(p.sql() for p in self.partition))
        if self.order:
            parts.append("ORDER BY " + ", ".join(o.sql() for o in self.order))
        if self.frame is not None:
            parts.append(self.frame.sql())
        return " ".join(parts)

    def sql(self) -> str:
        return f"{self.function.sql()} OVER ({self.spec_sql()})"


# ---- nested data ----------------------------------------------------------------------------


class GetStructField(UnaryExpression):
    """``child.field`` of a struct; named after the field when not aliased."""

    def __init__(self, child: Expression, field: str, pretty: str | None = None,
                 from_name: bool = False) -> None:
        self.children = (child,)
        self.field = field
        self.pretty = pretty
        #: Reached through a dotted column name (``col("s.a")``), so named ``a``.
        self.from_name = from_name

    def _struct_field(self) -> StructField:
        struct = self.child.data_type
        assert isinstance(struct, StructType)
        for f in struct.fields:
            if f.name == self.field:
                return f
        for f in struct.fields:
            if f.name.lower() == self.field.lower():
                return f
        raise KeyError(self.field)

    @property
    def data_type(self) -> DataType:
        return self._struct_field().dataType

    @property
    def nullable(self) -> bool:
        return self.child.nullable or self._struct_field().nullable

    def _params(self) -> tuple:
        return (self.field,)

    def sql(self) -> str:
        return self.pretty or f"{self.child.sql()}.{quote_if_needed(self.field)}"


class GetItem(BinaryExpression):
    """``child[key]``: an array element (0-based) or a map value."""

    def __init__(self, child: Expression, key: Expression) -> None:
        self.children = (child, key)

    @property
    def data_type(self) -> DataType:
        container = self.left.data_type
        if isinstance(container, ArrayType):
            return container.elementType
        if isinstance(container, MapType):
            return container.valueType
        raise TypeError(container)

    @property
    def nullable(self) -> bool:
        return True

    def sql(self) -> str:
        return f"{self.left.sql()}[{self.right.sql()}]"


class UnresolvedExtractValue(BinaryExpression):
    """``child[key]`` / ``child.getField(key)`` before the child's type is known."""

    def __init__(self, child: Expression, key: Expression, pretty: str | None = None) -> None:
        self.children = (child, key)
        self.pretty = pretty

    @property
    def resolved(self) -> bool:
        return False

    def sql(self) -> str:
        return self.pretty or f"{self.left.sql()}[{self.right.sql()}]"


# ---- helpers -----------------------------------------------------------------------------


def split_conjuncts(condition: Expression | None) -> list[Expression]:
    """``a AND b AND c`` as ``[a, b, c]``."""
    if condition is None:
        return []
    out, stack = [], [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, And):
            stack.extend(reversed(node.children))
        else:
            out.append(node)
    return out


def conjunction(parts: Sequence[Expression]) -> Expression | None:
    """``[a, b, c]`` as ``a AND b AND c`` (None for no parts)."""
    result: Expression | None = None
    for part in parts:
        result = part if result is None else And(result, part)
    return result


def strip_aliases(expr: Expression) -> Expression:
    """The expression without the aliases nested inside it (Spark drops those)."""
    return expr.transform_up(lambda e: e.child if isinstance(e, Alias) else e)

