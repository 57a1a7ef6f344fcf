"""sqlglot expression trees to minispark expressions (never evaluated as sqlglot trees)."""
from __future__ import annotations

import decimal
from typing import Any, Callable

from sqlglot import exp

from minispark.errors import ParseException
from minispark.sql.plan import expressions as E
from minispark.sql.types import (
    BinaryType, ByteType, DataType, DateType, DecimalType, DoubleType, FloatType, IntegerType,
    LongType, NullType, ShortType, StringType, TimestampNTZType, TimestampType,
)

_SUFFIX_TYPES: dict[str, DataType] = {"L": LongType(), "S": ShortType(), "Y": ByteType(),
                                      "D": DoubleType(), "F": FloatType()}
_INT_MAX = (1 << 31) - 1
_LONG_MAX = (1 << 63) - 1


class ExpressionConverter:
    """Converts one statement's expressions; ``subquery`` converts nested queries."""

    def __init__(self, subquery: Callable[[exp.Expression], Any] | None = None) -> None:
        self.subquery = subquery
        #: Named windows of the SELECT being converted (``WINDOW w AS (...)``).
        self.windows: dict[str, exp.Expression] = {}

    def convert(self, node: exp.Expression) -> E.Expression:
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            return handler(self, node)
        if isinstance(node, exp.Binary) and type(node) in _BINARY:
            return _BINARY[type(node)](self.convert(node.this), self.convert(node.expression))
        raise _unsupported(node)

    def args(self, nodes: list[exp.Expression]) -> list[E.Expression]:
        return [self.convert(n) for n in nodes]


def _number(text: str) -> E.Literal:
    upper = text.upper()
    if upper.endswith("BD"):
        value = decimal.Decimal(text[:-2])
        return _decimal_literal(value)
    suffix = upper[-1:]
    if suffix in _SUFFIX_TYPES and not upper[:-1].endswith("E"):
        data_type = _SUFFIX_TYPES[suffix]
        number = text[:-1]
        if isinstance(data_type, (DoubleType, FloatType)):
            return E.Literal(float(number), data_type)
        return E.Literal(int(number), data_type)
    if "e" in text.lower():
        return E.Literal(float(text), DoubleType())
    if "." in text:
        return _decimal_literal(decimal.Decimal(text))
    value = int(text)
    if value <= _INT_MAX:
        return E.Literal(value, IntegerType())
    if value <= _LONG_MAX:
        return E.Literal(value, LongType())
    return _decimal_literal(decimal.Decimal(value))


def _decimal_literal(value: decimal.Decimal) -> E.Literal:
    _, digits, exponent = value.as_tuple()
    scale = max(0, -int(exponent))
    precision = max(len(digits), scale, 1)
    return E.Literal(value, DecimalType(precision, scale))


def _literal(c: ExpressionConverter, node: exp.Literal) -> E.Expression:
    if node.is_string:
        return E.Literal(node.this, StringType())
    return _number(node.this)


def _identifier_parts(node: exp.Column) -> list[str]:
    parts = [p.this if isinstance(p, exp.Identifier) else str(p) for p in node.parts]
    return parts


def _column(c: ExpressionConverter, node: exp.Column) -> E.Expression:
    if isinstance(node.this, exp.Star):
        target = [p.name for p in node.parts[:-1]]
        return E.UnresolvedStar(tuple(target))
    return E.UnresolvedAttribute(_identifier_parts(node))


def _alias(c: ExpressionConverter, node: exp.Alias) -> E.Expression:
    return E.Alias(c.convert(node.this), node.alias)


def _cast(c: ExpressionConverter, node: exp.Cast) -> E.Expression:
    from minispark.sql.types import _parse_datatype_string

    target = _parse_datatype_string(node.to.sql(dialect="spark"))
    if node.to.this == exp.DataType.Type.TIME:  # sqlglot writes Spark's TIME as TIMESTAMP
        from minispark.sql.ddl import datatype_from_sqlglot

        target = datatype_from_sqlglot(node.to)
    child = c.convert(node.this)
    try_ = isinstance(node, exp.TryCast) and bool(node.args.get("safe"))
    if isinstance(child, E.Literal) and isinstance(child.value, str) and isinstance(
            target, (DateType, TimestampType, TimestampNTZType)) and not try_:
        return _typed_string(child.value, target, node)
    return E.Cast(child, target, try_)


def _typed_string(text: str, target: DataType, node: exp.Expression) -> E.Expression:
    """``DATE '2020-01-01'`` as a literal (checked now, as Spark does); ``TIMESTAMP '...'``
    as a cast the optimizer folds in the session time zone."""
    import pyarrow as pa

    if not isinstance(target, DateType):
        kind = "TIMESTAMP" if isinstance(target, TimestampType) else "TIMESTAMP_NTZ"
        return E.Cast(E.Literal(text, StringType()), target, display=f"{kind} '{text}'")

    from minispark.sql.execution.cast import cast as cast_values

    try:
        value = cast_values(pa.array([text]), StringType(), target)
    except Exception:
        kind = "DATE" if isinstance(target, DateType) else "TIMESTAMP"
        raise ParseException("INVALID_TYPED_LITERAL",
                             f"The value of the typed literal \"{kind}\" is invalid: '{text}'.",
                             {"valueType": f'"{kind}"', "value": f"'{text}'"}, "42604") from None
    return E.Literal(value[0].as_py(), target)


def _function(c: ExpressionConverter, node: exp.Anonymous) -> E.Expression:
    name = node.name
    args = node.expressions
    distinct = False
    if len(args) == 1 and isinstance(args[0], exp.Distinct):
        distinct = True
        args = args[0].expressions
    if name.lower() == "count" and len(args) == 1 and isinstance(args[0], exp.Star):
        return E.UnresolvedFunction("count", [E.Literal(1, IntegerType())])
    # No display name: the analyzer names the call as Spark does (the name written, or the
    # function's pretty name such as LOG2(x) when it is called by its own name).
    return E.UnresolvedFunction(name, c.args(args), distinct)


def _if(c: ExpressionConverter, node: exp.If) -> E.Expression:
    args = [node.this, node.args.get("true"), node.args.get("false")]
    return E.UnresolvedFunction("if", c.args([a for a in args if a is not None]))


def _case(c: ExpressionConverter, node: exp.Case) -> E.Expression:
    operand = c.convert(node.this) if node.this is not None else None
    branches = []
    for branch in node.args.get("ifs") or []:
        condition = c.convert(branch.this)
        if operand is not None:
            condition = E.EqualTo(operand, condition)
        branches.append((condition, c.convert(branch.args["true"])))
    default = node.args.get("default")
    return E.CaseWhen(branches, c.convert(default) if default is not None else None)


def _between(c: ExpressionConverter, node: exp.Between) -> E.Expression:
    return E.UnresolvedFunction("between", c.args([node.this, node.args["low"],
                                                   node.args["high"]]))


def _in(c: ExpressionConverter, node: exp.In) -> E.Expression:
    query = node.args.get("query")
    if query is not None:
        inner = query.this if isinstance(query, exp.Subquery) else query
        return E.InSubquery(_query_of(c, inner), [c.convert(node.this)])
    return E.In(c.convert(node.this), c.args(node.expressions))


def _is(c: ExpressionConverter, node: exp.Is) -> E.Expression:
    target = node.expression
    if isinstance(target, exp.Null):
        return E.IsNull(c.convert(node.this))
    raise ParseException("UNSUPPORTED_FEATURE", f"`{node.sql(dialect='spark')}`", {}, "0A000")


def _not(c: ExpressionConverter, node: exp.Not) -> E.Expression:
    inner = node.this
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
        return E.IsNotNull(c.convert(inner.this))
    return E.Not(c.convert(inner))


def _like(c: ExpressionConverter, node: exp.Expression, escape: str = "\\") -> E.Expression:
    like = E.Like(c.convert(node.this), c.convert(node.expression), escape,
                  case_insensitive=isinstance(node, exp.ILike))
    # sqlglot marks `NOT LIKE` / `NOT ILIKE` with a flag rather than a Not node.
    return E.Not(like) if node.args.get("negate") else like


def _escape(c: ExpressionConverter, node: exp.Escape) -> E.Expression:
    escape = node.expression.this if isinstance(node.expression, exp.Literal) else "\\"
    return _like(c, node.this, escape)


def _trim(c: ExpressionConverter, node: exp.Trim) -> E.Expression:
    position = (node.args.get("position") or "BOTH").upper()
    name = {"BOTH": "trim", "LEADING": "ltrim", "TRAILING": "rtrim"}[position]
    args = [c.convert(node.this)]
    if node.expression is not None:
        args.append(c.convert(node.expression))
    return E.UnresolvedFunction(name, args, display="trim")


def _substring(c: ExpressionConverter, node: exp.Substring) -> E.Expression:
    args = [node.this, node.args.get("start"), node.args.get("length")]
    return E.UnresolvedFunction("substring", c.args([a for a in args if a is not None]))


def _overlay(c: ExpressionConverter, node: exp.Overlay) -> E.Expression:
    args = [node.this, node.expression, node.args.get("from_"), node.args.get("for_")]
    return E.UnresolvedFunction("overlay", c.args([a for a in args if a is not None]))


def _decode(c: ExpressionConverter, node: exp.Decode) -> E.Expression:
    return E.UnresolvedFunction("decode", c.args([node.this, node.args["charset"]]))


def _bracket(c: ExpressionConverter, node: exp.Bracket) -> E.Expression:
    return E.UnresolvedExtractValue(c.convert(node.this), c.convert(node.expressions[0]))


def _dot(c: ExpressionConverter, node: exp.Dot) -> E.Expression:
    return E.UnresolvedExtractValue(c.convert(node.this), E.Literal(node.name, StringType()))


def _lambda(c: ExpressionConverter, node: exp.Lambda) -> E.Expression:
    """``(x, y) -> body``: typed later by the higher-order function that takes it."""
    return E.UnresolvedLambda(c.convert(node.this), [p.name for p in node.expressions])


def _transform(c: ExpressionConverter, node: exp.Transform) -> E.Expression:
    return E.UnresolvedFunction("transform", c.args([node.this, node.expression]),
                                display="transform")


def _ignore_nulls(c: ExpressionConverter, node: exp.IgnoreNulls) -> E.Expression:
    inner = c.convert(node.this)
    if isinstance(inner, E.UnresolvedFunction):
        return E.UnresolvedFunction(inner.name, list(inner.children), inner.distinct,
                                    inner.display, ignore_nulls=True)
    return inner


def _hex(c: ExpressionConverter, node: exp.HexString) -> E.Expression:
    return E.Literal(bytes.fromhex(node.this), BinaryType())


def _paren(c: ExpressionConverter, node: exp.Paren) -> E.Expression:
    return c.convert(node.this)


def _query_of(c: ExpressionConverter, node: exp.Expression) -> Any:
    if c.subquery is None:
        raise ParseException("UNSUPPORTED_FEATURE", "Subqueries are not allowed here.", {},
                             "0A000")
    return c.subquery(node)


def _subquery(c: ExpressionConverter, node: exp.Subquery) -> E.Expression:
    return E.ScalarSubquery(_query_of(c, node.this))


def _exists(c: ExpressionConverter, node: exp.Exists) -> E.Expression:
    return E.Exists(_query_of(c, node.this))


def _window(c: ExpressionConverter, node: exp.Window) -> E.Expression:
    function = c.convert(node.this)
    spec = node
    name = node.args.get("alias")
    if name is not None and not node.args.get("partition_by") and not node.args.get("order"):
        spec = c.windows.get(name.name.lower())
        if spec is None:
            raise ParseException("MISSING_WINDOW_SPECIFICATION",
                                 f"Window specification {name.name} is not defined in the "
                                 "WINDOW clause.", {}, "42P20")
    partition = [c.convert(p) for p in spec.args.get("partition_by") or []]
    order_node = spec.args.get("order")
    order = [sort_order(c, o) for o in (order_node.expressions if order_node else [])]
    frame = _frame(spec.args.get("spec"))
    return E.WindowExpression(function, partition, order, frame)


def sort_order(c: ExpressionConverter, node: exp.Ordered) -> E.SortOrder:
    """``expr [ASC|DESC] [NULLS FIRST|LAST]`` (sqlglot fills in Spark's null order)."""
    descending = bool(node.args.get("desc"))
    nulls_first = node.args.get("nulls_first")
    return E.SortOrder(c.convert(node.this), not descending,
                       bool(nulls_first) if nulls_first is not None else None)


def _frame(spec: exp.Expression | None) -> E.WindowFrame | None:
    if spec is None:
        return None
    kind = str(spec.args.get("kind") or "ROWS").lower()
    return E.WindowFrame(kind, _frame_bound(spec.args.get("start"), spec.args.get("start_side")),
                         _frame_bound(spec.args.get("end"), spec.args.get("end_side")))


def _frame_bound(value: Any, side: Any) -> int:
    text = str(value.this if isinstance(value, exp.Literal) else value or "").upper()
    side_text = str(side or "").upper()
    if text == "UNBOUNDED":
        return E.UNBOUNDED_PRECEDING if side_text == "PRECEDING" else E.UNBOUNDED_FOLLOWING
    if text in ("CURRENT ROW", ""):
        return E.CURRENT_ROW
    number = int(text)
    return -number if side_text == "PRECEDING" else number


def _position(c: ExpressionConverter, node: exp.StrPosition) -> E.Expression:
    args = [node.args["substr"], node.this]
    if node.args.get("position") is not None:
        args.append(node.args["position"])
    return E.UnresolvedFunction("locate", c.args(args), display="position")


def _current(name: str) -> Callable[[ExpressionConverter, exp.Expression], E.Expression]:
    return lambda c, node: E.UnresolvedFunction(name, [])


def _unsupported(node: exp.Expression) -> ParseException:
    return ParseException("UNSUPPORTED_FEATURE",
                          f"The SQL construct `{node.sql(dialect='spark')}` "
                          f"({type(node).__name__}) is not supported yet.", {}, "0A000")


def _add(c: ExpressionConverter, node: exp.Add) -> E.Expression:
    """``a + b``; ``INTERVAL 1 DAY 2 HOURS`` (parsed as a sum of intervals) is one literal."""
    left, right = c.convert(node.this), c.convert(node.expression)
    if isinstance(node.expression, exp.Interval):
        from minispark.sql.builtins.intervals import combined_interval

        combined = combined_interval(left, right)
        if combined is not None:
            return combined
    return E.Add(left, right)


def _interval(c: ExpressionConverter, node: exp.Interval) -> E.Expression:
    """``INTERVAL '1' DAY``, ``INTERVAL '1-2' YEAR TO MONTH``: an ANSI interval literal."""
    from minispark.sql.builtins.intervals import interval_literal

    unit = node.args.get("unit")
    if not isinstance(node.this, exp.Literal) or unit is None:
        raise _unsupported(node)
    if isinstance(unit, exp.IntervalSpan):
        start, end = unit.this.name, unit.expression.name
    else:
        start, end = unit.name, None
    value, data_type = interval_literal(str(node.this.this), start, end)
    return E.Literal(value, data_type)


def _extract(c: ExpressionConverter, node: exp.Extract) -> E.Expression:
    """``EXTRACT(field FROM source)``: the ``extract`` function with the field as text."""
    field = E.Literal(node.this.name, StringType())
    return E.UnresolvedFunction("extract", [field, c.convert(node.expression)])


_BINARY: dict[type, Callable[[E.Expression, E.Expression], E.Expression]] = {
    exp.Add: E.Add, exp.Sub: E.Subtract, exp.Mul: E.Multiply, exp.Div: E.Divide,
    exp.Mod: E.Remainder, exp.IntDiv: E.IntegralDivide, exp.EQ: E.EqualTo,
    exp.NullSafeEQ: E.EqualNullSafe, exp.LT: E.LessThan, exp.LTE: E.LessThanOrEqual,
    exp.GT: E.GreaterThan, exp.GTE: E.GreaterThanOrEqual, exp.And: E.And, exp.Or: E.Or,
    exp.NEQ: lambda a, b: E.Not(E.EqualTo(a, b)),
    exp.NullSafeNEQ: lambda a, b: E.Not(E.EqualNullSafe(a, b)),
    exp.DPipe: lambda a, b: E.UnresolvedFunction("concat", [a, b]),
    exp.RegexpLike: E.RLike,
    exp.BitwiseAnd: lambda a, b: E.UnresolvedFunction("bitwise_and", [a, b]),
    exp.BitwiseOr: lambda a, b: E.UnresolvedFunction("bitwise_or", [a, b]),
    exp.BitwiseXor: lambda a, b: E.UnresolvedFunction("bitwise_xor", [a, b]),
}


def _ceil_floor(name: str) -> Callable[[ExpressionConverter, Any], E.Expression]:
    """sqlglot's Ceil/Floor nodes (``ceil(x)``, ``floor(x, scale)``) as calls of ``name``."""
    def convert(c: ExpressionConverter, node: Any) -> E.Expression:
        args = [a for a in (node.this, node.args.get("decimals")) if a is not None]
        return E.UnresolvedFunction(name, c.args(args))
    return convert


_HANDLERS: dict[type, Callable[[ExpressionConverter, Any], E.Expression]] = {
    exp.Literal: _literal,
    exp.Column: _column,
    exp.Star: lambda c, node: E.UnresolvedStar(),
    exp.Alias: _alias,
    exp.Cast: _cast,
    exp.TryCast: _cast,
    exp.Boolean: lambda c, node: E.Literal(bool(node.this), _bool_type()),
    exp.Null: lambda c, node: E.Literal(None, NullType()),
    exp.Neg: lambda c, node: E.UnaryMinus(c.convert(node.this)),
    exp.Not: _not,
    exp.Paren: _paren,
    exp.Anonymous: _function,
    exp.If: _if,
    exp.Case: _case,
    exp.Between: _between,
    exp.In: _in,
    exp.Is: _is,
    exp.Like: _like,
    exp.ILike: _like,
    exp.Escape: _escape,
    exp.Trim: _trim,
    exp.Substring: _substring,
    exp.Overlay: _overlay,
    exp.Decode: _decode,
    exp.Bracket: _bracket,
    exp.Dot: _dot,
    exp.IgnoreNulls: _ignore_nulls,
    exp.HexString: _hex,
    exp.Subquery: _subquery,
    exp.Exists: _exists,
    exp.Window: _window,
    exp.StrPosition: _position,
    exp.CurrentDate: _current("current_date"),
    exp.CurrentTimestamp: _current("current_timestamp"),
    exp.Interval: _interval,
    exp.Add: _add,
    exp.Extract: _extract,
    exp.Lambda: _lambda,
    # A bare name in a lambda's body (sqlglot leaves the lambda's parameters unwrapped).
    exp.Identifier: lambda c, node: E.UnresolvedAttribute([node.this]),
    exp.Transform: _transform,
    exp.Ceil: _ceil_floor("ceil"),
    exp.Floor: _ceil_floor("floor"),
}


def _bool_type() -> DataType:
    from minispark.sql.types import BooleanType

    return BooleanType()
