"""The analyzer: names to attributes, function names to functions, Spark's implicit casts.

``analyze(plan, catalog)`` works bottom-up: a node is resolved once its
children are, against their output. DataFrames are analyzed as they are
built (as Spark does, so ``df.select("nope")`` fails at once), and every new
DataFrame only adds resolved-children nodes, so each step resolves one node.

Errors name the problem as Spark does: an unknown column lists the nearest
existing ones, an ambiguous one lists its candidates, a type mismatch quotes
the expression.
"""
from __future__ import annotations

import contextvars
from typing import Any, Callable, Sequence

from minispark.errors import AnalysisException
from minispark.sql import builtins
from minispark.sql.builtins.registry import (
    AggregateSpec, data_type_mismatch, implicit_cast, type_sql,
)
from minispark.sql.builtins import higher_order, table_generators
from minispark.sql.builtins.support import levenshtein
from minispark.sql.builtins.windows import WindowFunctionSpec
from minispark.sql.plan import logical as L
from minispark.sql.plan.expressions import (
    CURRENT_ROW, UNBOUNDED_FOLLOWING, UNBOUNDED_PRECEDING, AggregateFunction, Alias, And,
    AttributeReference, BinaryArithmetic, BinaryComparison, CaseWhen, Cast, Divide, EqualTo,
    Expression, Generator, GetItem, GetStructField, In, IntegralDivide, Like, Literal,
    MonotonicallyIncreasingID, MultiAlias, NamedExpression, Not, Or, OuterReference, Rand, Randn,
    RLike, ScalarFunction, ScalarSubquery, SortOrder, SparkPartitionID, SubqueryExpression,
    UnaryMinus, UnaryPositive, UnresolvedAttribute, UnresolvedExtractValue, UnresolvedFunction,
    UnresolvedStar, WindowExpression, WindowFrame, WindowFunction, conjunction, strip_aliases,
)
from minispark.sql.plan.typecoercion import (
    can_cast, common_type, is_integral, is_numeric, is_string, wider_type,
)
from minispark.sql.types import (
    ArrayType, BooleanType, DecimalType, DoubleType, FloatType, LongType, MapType, NullType,
    StructType,
)


class Catalog:
    """What the analyzer asks the session: views, and user functions, by name."""

    def lookup_relation(self, parts: Sequence[str]) -> L.LogicalPlan:
        raise NotImplementedError

    def lookup_function(self, name: str) -> Any:
        """A registered UDF (its ``__call__`` builds the call from Columns), or None."""
        return None


_current_catalog: contextvars.ContextVar[Catalog | None] = contextvars.ContextVar(
    "minispark_sql_catalog", default=None)
#: The inputs of the queries a subquery being analyzed is nested in (innermost last).
_outer_scopes: contextvars.ContextVar[tuple] = contextvars.ContextVar(
    "minispark_sql_outer_scopes", default=())


def analyze(plan: L.LogicalPlan, catalog: Catalog) -> L.LogicalPlan:
    """``plan`` with every name resolved and every implicit cast in place."""
    token = _current_catalog.set(catalog)
    try:
        return plan.transform_up(lambda node: _resolve_node(node, catalog))
    finally:
        _current_catalog.reset(token)


# ---- names ------------------------------------------------------------------------------


def _display(attr: AttributeReference) -> str:
    parts = [*attr.qualifier, attr.name]
    return ".".join(f"`{p}`" for p in parts)


def unresolved_column(name: str, candidates: Sequence[AttributeReference]) -> AnalysisException:
    """UNRESOLVED_COLUMN naming ``name`` and up to five nearest existing columns."""
    quoted = ".".join(f"`{p}`" for p in UnresolvedAttribute.quoted(name).parts) if name else "``"
    if not candidates:
        return AnalysisException(
            "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
            f"A column, variable, or function parameter with name {quoted} cannot be resolved.",
            {"objectName": quoted}, "42703")
    qualified = len(UnresolvedAttribute.quoted(name).parts) > 1
    shown = [_display(a) if qualified else f"`{a.name}`" for a in candidates]
    unique = list(dict.fromkeys(shown))
    # Nearest first; equally near ones keep the input order (Spark's stable sort).
    last = name.lower().split(".")[-1]
    ranked = sorted(unique, key=lambda d: levenshtein(d.split(".")[-1].strip("`").lower(),
                                                       last))
    proposal = ", ".join(ranked[:5])
    return AnalysisException(
        "UNRESOLVED_COLUMN.WITH_SUGGESTION",
        f"A column, variable, or function parameter with name {quoted} cannot be resolved. "
        f"Did you mean one of the following? [{proposal}].",
        {"objectName": quoted, "proposal": proposal}, "42703")


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def resolve_name(parts: Sequence[str], inputs: Sequence[AttributeReference]
                 ) -> Expression | None:
    """The attribute (and nested fields) ``parts`` names among ``inputs``, or None."""
    matches: list[tuple[AttributeReference, list[str]]] = []
    for attr in inputs:
        q = len(attr.qualifier)
        if q and len(parts) > q and all(_same(a, b) for a, b in zip(attr.qualifier, parts)) \
                and _same(attr.name, parts[q]):
            matches.append((attr, list(parts[q + 1:])))
    if not matches:
        matches = [(a, list(parts[1:])) for a in inputs if _same(a.name, parts[0])]
    if not matches:
        return None
    distinct = {a.expr_id: (a, rest) for a, rest in matches}
    if len(distinct) > 1:
        name = ".".join(f"`{p}`" for p in parts)
        options = ", ".join(sorted(_display(a) for a, _ in distinct.values()))
        raise AnalysisException(
            "AMBIGUOUS_REFERENCE", f"Reference {name} is ambiguous, could be: [{options}].",
            {"name": name, "referenceNames": f"[{options}]"}, "42704")
    attr, rest = next(iter(distinct.values()))
    expr: Expression = attr
    for field in rest:
        expr = _extract_field(expr, field, from_name=True)
    return expr


def _extract_field(expr: Expression, field: str, from_name: bool = False,
                   pretty: str | None = None) -> Expression:
    t = expr.data_type
    if isinstance(t, StructType):
        if not any(_same(f.name, field) for f in t.fields):
            raise AnalysisException(
                "FIELD_NOT_FOUND", f"No such struct field `{field}` in "
                f"{', '.join(f'`{f.name}`' for f in t.fields)}.",
                {"fieldName": f"`{field}`"}, "42704")
        return GetStructField(expr, field, pretty=pretty, from_name=from_name)
    raise AnalysisException(
        "INVALID_EXTRACT_BASE_FIELD_TYPE",
        f'Can\'t extract a value from "{expr.sql()}". Need a complex type '
        f'[STRUCT, ARRAY, MAP] but got {type_sql(t)}.', {"base": f'"{expr.sql()}"'}, "42000")


# ---- expressions ------------------------------------------------------------------------


def resolve_expression(expr: Expression, inputs: Sequence[AttributeReference]) -> Expression:
    """``expr`` resolved against the attributes ``inputs`` (children first)."""
    by_id = {a.expr_id: a for a in inputs}

    def rule(e: Expression) -> Expression:
        if isinstance(e, UnresolvedAttribute):
            found = resolve_name(e.parts, inputs)
            if found is None:
                found = _resolve_outer(e)
            if found is None:
                raise unresolved_column(e.name, inputs)
            return found
        if isinstance(e, SubqueryExpression) and not e.plan.resolved:
            e = _analyze_subquery(e, inputs)
        if isinstance(e, AttributeReference):
            return _bind_attribute(e, by_id, inputs)
        if isinstance(e, UnresolvedFunction) and higher_order.takes_lambdas(e):
            # The lambdas' parameters are typed from the other arguments, then their
            # bodies are resolved with the parameters in scope.
            return higher_order.resolve(e, inputs, resolve_expression)
        if isinstance(e, UnresolvedFunction) and any(
                isinstance(c, UnresolvedStar) for c in e.children):
            e = _expand_star_args(e, inputs)
        if not all(c.resolved for c in e.children):
            return e
        return coerce(e)
    return expr.transform_up(rule)


def _expand_star_args(e: UnresolvedFunction, inputs: Sequence[AttributeReference]
                      ) -> Expression:
    """``f(*)``, ``f(t.*)``: the star stands for those input columns (``hash('*')``)."""
    args = [x for c in e.children
            for x in (_star(c, inputs) if isinstance(c, UnresolvedStar) else [c])]
    return e.with_children(tuple(args))


def _resolve_outer(e: UnresolvedAttribute) -> Expression | None:
    """A column of an enclosing query (a correlated subquery's outer reference)."""
    for scope in reversed(_outer_scopes.get()):
        found = resolve_name(e.parts, scope)
        if found is not None:
            return found.transform_up(lambda x: OuterReference(x)
                                      if isinstance(x, AttributeReference) else x)
    return None


def _analyze_subquery(e: SubqueryExpression, inputs: Sequence[AttributeReference]
                      ) -> Expression:
    catalog = _current_catalog.get()
    if catalog is None:
        raise AnalysisException("UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY",
                                "Subqueries need a session to resolve tables.", {}, "0A000")
    token = _outer_scopes.set(_outer_scopes.get() + (list(inputs),))
    try:
        plan = analyze(e.plan, catalog)
    finally:
        _outer_scopes.reset(token)
    if isinstance(e, ScalarSubquery) and len(plan.output) != 1:
        raise AnalysisException(
            "INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN",
            "Invalid subquery: Scalar subquery must return only one column, but got "
            f"{len(plan.output)}.", {}, "42823")
    return e.with_plan(plan)


def _bind_attribute(attr: AttributeReference, by_id: dict[int, AttributeReference],
                    inputs: Sequence[AttributeReference]) -> Expression:
    """A column taken from a DataFrame (``df.x``): the input with its id, else by name."""
    found = by_id.get(attr.expr_id)
    if found is not None:
        return found
    same_name = [a for a in inputs if _same(a.name, attr.name)]
    if len(same_name) == 1:
        return same_name[0]
    raise AnalysisException(
        "MISSING_ATTRIBUTES.RESOLVED_ATTRIBUTE",
        f"Resolved attribute(s) {L.attribute_string(attr)} missing from "
        f"{', '.join(L.attribute_string(a) for a in inputs)} in operator.",
        {"missingAttributes": L.attribute_string(attr)}, "XX000")


def coerce(e: Expression) -> Expression:
    """A resolved-children node with Spark's implicit casts, or its resolved form."""
    handler = _COERCIONS.get(type(e))
    if handler is None:
        for kind, h in _COERCIONS.items():
            if isinstance(e, kind):
                handler = h
                break
    return handler(e) if handler is not None else e


def _cast(e: Expression, t: Any) -> Expression:
    return e if e.data_type == t else Cast(e, t, implicit=True)


def _mismatch(e: Expression, left: Any, right: Any) -> AnalysisException:
    return data_type_mismatch(
        e.sql(), "BINARY_OP_DIFF_TYPES",
        "the left and right operands of the binary operator have incompatible types "
        f"({type_sql(left)} and {type_sql(right)}).")


def _literal_decimal(e: Expression) -> Any:
    """An integer literal's exact decimal type (``2`` is decimal(1,0)), else the wide one."""
    from minispark.sql.plan.typecoercion import integral_as_decimal

    if isinstance(e, Literal) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return DecimalType(max(1, len(str(abs(e.value)))), 0)
    return integral_as_decimal(e.data_type)


def _arithmetic(e: BinaryArithmetic) -> Expression:
    from minispark.sql.builtins.intervals import datetime_arithmetic

    temporal = datetime_arithmetic(e)  # dates, timestamps and intervals
    if temporal is not None:
        return temporal
    left, right = e.left, e.right
    lt, rt = left.data_type, right.data_type
    if isinstance(lt, NullType) and isinstance(rt, NullType):
        lt = rt = DoubleType() if isinstance(e, Divide) else LongType()
    lt = rt if isinstance(lt, NullType) else lt
    rt = lt if isinstance(rt, NullType) else rt
    if is_string(lt) and is_numeric(rt) or is_string(rt) and is_numeric(lt) or (
            is_string(lt) and is_string(rt)):
        met = wider_type(lt, rt) if not (is_string(lt) and is_string(rt)) else (
            DoubleType() if isinstance(e, Divide) else LongType())
        lt = rt = met
    if not (is_numeric(lt) and is_numeric(rt)):
        raise _mismatch(e, left.data_type, right.data_type)
    if isinstance(lt, DecimalType) or isinstance(rt, DecimalType):
        if isinstance(lt, (FloatType, DoubleType)) or isinstance(rt, (FloatType, DoubleType)):
            return e.with_children((_cast(left, DoubleType()), _cast(right, DoubleType())))
        if not isinstance(e, IntegralDivide):
            lt = lt if isinstance(lt, DecimalType) else _literal_decimal(left)
            rt = rt if isinstance(rt, DecimalType) else _literal_decimal(right)
            return e.with_children((_cast(left, lt), _cast(right, rt)))
    if isinstance(e, Divide):
        return e.with_children((_cast(left, DoubleType()), _cast(right, DoubleType())))
    if isinstance(e, IntegralDivide):
        target = LongType() if is_integral(lt) and is_integral(rt) else wider_type(lt, rt)
        return e.with_children((_cast(left, target), _cast(right, target)))
    target = wider_type(lt, rt)
    return e.with_children((_cast(left, target), _cast(right, target)))


def _comparison(e: BinaryComparison) -> Expression:
    lt, rt = e.left.data_type, e.right.data_type
    target = wider_type(lt, rt)
    if target is None:
        raise _mismatch(e, lt, rt)
    if isinstance(target, NullType):
        target = BooleanType()
    return e.with_children((_cast(e.left, target), _cast(e.right, target)))


def _require_boolean(e: Expression, child: Expression, position: int) -> Expression:
    t = child.data_type
    if isinstance(t, BooleanType):
        return child
    if isinstance(t, NullType):
        return Cast(child, BooleanType(), implicit=True)
    ordinal = ("first", "second")[position]
    raise data_type_mismatch(
        e.sql(), "UNEXPECTED_INPUT_TYPE",
        f'The {ordinal} parameter requires the "BOOLEAN" type, however "{child.sql()}" has the '
        f"type {type_sql(t)}.")


def _logical(e: Expression) -> Expression:
    return e.with_children(tuple(_require_boolean(e, c, i) for i, c in enumerate(e.children)))


def _in(e: In) -> Expression:
    types = [c.data_type for c in e.children]
    target = common_type(types)
    if target is None:
        raise data_type_mismatch(
            e.sql(), "DATA_DIFF_TYPES",
            f"Input to `in` should all be the same type, but it's "
            f"[{', '.join(type_sql(t) for t in types)}].")
    return e.with_children(tuple(_cast(c, target) for c in e.children))


def _case_when(e: CaseWhen) -> Expression:
    values = e.values()
    target = common_type([v.data_type for v in values])
    if target is None:
        raise data_type_mismatch(
            e.sql(), "DATA_DIFF_TYPES",
            "Input to `casewhen` should all be the same type, but it's "
            f"[{', '.join(type_sql(v.data_type) for v in values)}].")
    branches = [(_require_boolean(e, c, 0), _cast(v, target)) for c, v in e.branches]
    else_value = _cast(e.else_value, target) if e.has_else else None
    return CaseWhen(branches, else_value)


def _string_args(e: Expression) -> Expression:
    sql = e.sql()
    return e.with_children(tuple(implicit_cast(c, "string", i, sql)
                                 for i, c in enumerate(e.children)))


def _unary_numeric(e: Expression) -> Expression:
    t = e.children[0].data_type
    if is_numeric(t) or t.typeName() in ("daytimeinterval", "yearmonthinterval"):
        return e
    if is_string(t) or isinstance(t, NullType):
        return e.with_children((Cast(e.children[0], DoubleType(), implicit=True),))
    raise data_type_mismatch(
        e.sql(), "UNEXPECTED_INPUT_TYPE",
        f'The first parameter requires the "NUMERIC" type, however "{e.children[0].sql()}" has '
        f"the type {type_sql(t)}.")


def _check_cast(e: Cast) -> Expression:
    if not can_cast(e.child.data_type, e.to):
        raise data_type_mismatch(
            e.sql(), "CAST_WITHOUT_SUGGESTION",
            f"cannot cast {type_sql(e.child.data_type)} to {type_sql(e.to)}.")
    return e


_GENERATORS = {"explode": (False, False), "explode_outer": (False, True),
               "posexplode": (True, False), "posexplode_outer": (True, True)}


def _generator(e: UnresolvedFunction) -> Expression:
    with_position, outer = _GENERATORS[e.name.lower()]
    if len(e.children) != 1:
        raise AnalysisException(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            f"The `{e.name.lower()}` requires 1 parameters but the actual number is "
            f"{len(e.children)}.", {}, "42605")
    child = e.children[0]
    if not isinstance(child.data_type, (ArrayType, MapType)):
        raise data_type_mismatch(
            e.sql(), "UNEXPECTED_INPUT_TYPE",
            f'The first parameter requires the ("ARRAY" or "MAP") type, however "{child.sql()}" '
            f"has the type {type_sql(child.data_type)}.")
    return Generator(child, with_position, outer, display=e.name.lower())


_PER_TASK = {"rand": Rand, "random": Rand, "randn": Randn,
             "monotonically_increasing_id": MonotonicallyIncreasingID,
             "spark_partition_id": SparkPartitionID}


def _per_task(e: UnresolvedFunction) -> Expression:
    kind = _PER_TASK[e.name.lower()]
    seed = None
    if e.children:
        first = e.children[0]
        if not isinstance(first, Literal) or not isinstance(first.value, int):
            raise data_type_mismatch(e.sql(), "NON_FOLDABLE_INPUT",
                                     "the input `seed` should be a foldable integer expression.")
        seed = first.value
    elif kind in (Rand, Randn):
        import random

        seed = random.randrange(1 << 62)
    return kind(seed)


_TYPE_CASTS = ("boolean", "tinyint", "smallint", "int", "bigint", "float", "double", "decimal",
               "string", "binary", "date", "timestamp")


def _type_cast(e: UnresolvedFunction) -> Expression:
    """``int(x)``, ``double(x)``...: a cast written as a call (named like one)."""
    from minispark.sql.types import _parse_datatype_string

    if len(e.children) != 1:
        raise AnalysisException(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            f"The `{e.name.lower()}` requires 1 parameters but the actual number is "
            f"{len(e.children)}.", {}, "42605")
    target = _parse_datatype_string(e.name.lower())
    return _check_cast(Cast(e.children[0], target,
                            display=f"{e.name.lower()}({e.children[0].sql()})"))


def _function(e: UnresolvedFunction) -> Expression:
    if e.name.lower() in _GENERATORS:
        return _generator(e)
    if e.name.lower() in table_generators.NAMES:
        return table_generators.resolve(e, coerce)
    if e.name.lower() in _TYPE_CASTS:
        return _type_cast(e)
    if e.name.lower() in _PER_TASK:
        return _per_task(e)
    catalog = _current_catalog.get()
    registered = catalog.lookup_function(e.name) if catalog is not None else None
    if registered is not None:
        from minispark.sql.column import Column

        return registered(*[Column(a) for a in e.children])._expr
    spec = builtins.lookup(e.name)
    # Spark names a call after the name used: ``sign(x)``, but ``SIGNUM(x)`` (its pretty
    # name) when called by the function's own name.
    invoked = e.name.lower()
    display = e.display or (spec.pretty if spec.pretty and invoked == spec.name else invoked)
    args = list(e.children)
    call_sql = e.sql()
    args = spec.coerce(args, call_sql)
    options = spec.options_from_args(args) if spec.options_from_args else ()
    if isinstance(spec, WindowFunctionSpec):
        return WindowFunction(spec, args, display, options)
    if isinstance(spec, AggregateSpec):
        if spec.name in ("percentile_approx", "percentile", "median"):
            return AggregateFunction(spec, args, e.distinct, display, options)
        if e.ignore_nulls:
            options = (True,)
        elif spec.name in ("first", "last") and len(args) == 2:
            flag = args.pop()
            if not isinstance(flag, Literal):
                raise data_type_mismatch(call_sql, "NON_FOLDABLE_INPUT",
                                         "the input `ignoreNulls` should be a foldable "
                                         '"BOOLEAN" expression.')
            options = (bool(flag.value),)
        return AggregateFunction(spec, args, e.distinct, display, options)
    if e.distinct:
        raise AnalysisException(
            "INVALID_SQL_SYNTAX.FUNCTION_WITH_UNSUPPORTED_SYNTAX",
            f"The function `{e.name}` does not support DISTINCT.", {}, "42000")
    return ScalarFunction(spec, args, display, options)


def _extract_value(e: UnresolvedExtractValue) -> Expression:
    child, key = e.left, e.right
    t = child.data_type
    if isinstance(t, StructType):
        if not isinstance(key, Literal) or not isinstance(key.value, str):
            raise AnalysisException("INVALID_EXTRACT_FIELD_TYPE",
                                    "Field name should be a non-null string literal.", {},
                                    "42000")
        return _extract_field(child, key.value, pretty=e.pretty)
    if isinstance(t, ArrayType):
        return GetItem(child, _cast(key, LongType()) if is_integral(key.data_type) else key)
    if isinstance(t, MapType):
        return GetItem(child, _cast(key, t.keyType))
    return _extract_field(child, str(getattr(key, "value", key.sql())))


def _window_expression(e: WindowExpression) -> Expression:
    """The frame Spark gives a window by default (and names its column with)."""
    function = e.function
    if isinstance(function, WindowFunction):
        if not e.order:
            raise AnalysisException(
                "WINDOW_FUNCTION_WITHOUT_ORDER", f"Window function {function.sql()} requires "
                "window to be ordered, please add ORDER BY clause. For example SELECT "
                f"{function.sql()}(value_expr) OVER (PARTITION BY window_partition ORDER BY "
                "window_ordering) from table.", {}, "42000")
        frame = function.spec.frame(function.options)
    elif isinstance(function, AggregateFunction):
        frame = e.frame or (WindowFrame("range", UNBOUNDED_PRECEDING, CURRENT_ROW) if e.order
                            else WindowFrame("rows", UNBOUNDED_PRECEDING, UNBOUNDED_FOLLOWING))
    else:
        raise AnalysisException(
            "UNSUPPORTED_EXPR_FOR_WINDOW", f'Expression "{function.sql()}" not supported '
            "within a window function.", {"sqlExpr": f'"{function.sql()}"'}, "42P20")
    return WindowExpression(function, e.partition, e.order, frame)  # type: ignore[arg-type]


_COERCIONS: dict[type, Callable[[Any], Expression]] = {
    WindowExpression: _window_expression,
    UnresolvedFunction: _function,
    UnresolvedExtractValue: _extract_value,
    BinaryArithmetic: _arithmetic,
    BinaryComparison: _comparison,
    And: _logical,
    Or: _logical,
    Not: _logical,
    In: _in,
    CaseWhen: _case_when,
    Like: _string_args,
    RLike: _string_args,
    UnaryMinus: _unary_numeric,
    UnaryPositive: _unary_numeric,
    Cast: _check_cast,
}


# ---- naming -------------------------------------------------------------------------------


def alias_name(expr: Expression) -> str:
    """The name Spark gives an unaliased projected expression."""
    if isinstance(expr, NamedExpression):
        return expr.name
    if isinstance(expr, GetStructField) and expr.from_name:
        return expr.field
    if isinstance(expr, Cast) and isinstance(expr.child, (AttributeReference, GetStructField)):
        return alias_name(expr.child)
    return expr.sql()


def named(expr: Expression) -> Expression:
    """``expr`` as a named expression (auto-aliased with Spark's name)."""
    if isinstance(expr, NamedExpression):
        return expr
    return Alias(expr, alias_name(expr))


def contains_aggregate(expr: Expression) -> bool:
    """Whether ``expr`` aggregates (aggregates inside a window expression do not count)."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, AggregateFunction):
            return True
        if not isinstance(e, WindowExpression):
            stack.extend(e.children)
    return False


def _contains_window(expr: Expression) -> bool:
    return expr.exists(lambda e: isinstance(e, WindowExpression))


def _check_no_bare_window_functions(exprs: Sequence[Expression]) -> None:
    for expr in exprs:
        stack = [expr]
        while stack:
            e = stack.pop()
            if isinstance(e, WindowExpression):
                stack.extend(e.children[1:])
                continue
            if isinstance(e, WindowFunction):
                raise AnalysisException(
                    "WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE",
                    f'Window function "{e.display}" requires an OVER clause.',
                    {"funcName": f'"{e.display}"'}, "42601")
            stack.extend(e.children)


def extract_windows(project_list: list[Expression], child: L.LogicalPlan) -> L.LogicalPlan:
    """A projection with window expressions as Window nodes (one per window spec) below it."""
    found: dict[Any, Alias] = {}
    specs: dict[Any, list[Alias]] = {}

    def replace(e: Expression) -> Expression:
        if isinstance(e, WindowExpression):
            alias = found.get(e)
            if alias is None:
                alias = found[e] = Alias(e, e.sql())
                key = (tuple(p.semantic_key() for p in e.partition),
                       tuple(o.semantic_key() for o in e.order))
                specs.setdefault(key, []).append(alias)
            return alias.to_attribute()
        return e.with_children(tuple(replace(c) for c in e.children))

    rewritten: list[Expression] = []
    for item in project_list:
        if isinstance(item, Alias) and isinstance(item.child, WindowExpression):
            inner = replace(item.child)
            rewritten.append(Alias(inner, item.name, item.expr_id))
        else:
            rewritten.append(replace(item))
    plan = child
    for aliases in specs.values():
        first = aliases[0].child
        plan = L.Window(aliases, list(first.partition), list(first.order), plan)  # type: ignore
    return L.Project(rewritten, plan)


# ---- plan nodes ---------------------------------------------------------------------------


def _resolve_node(node: L.LogicalPlan, catalog: Catalog) -> L.LogicalPlan:
    if isinstance(node, L.UnresolvedRelation):
        return catalog.lookup_relation(node.parts)
    if not all(c.resolved for c in node.children):
        return node
    resolver = _NODE_RESOLVERS.get(type(node))
    if resolver is not None:
        return resolver(node)
    if node.resolved:
        return node
    inputs = [a for c in node.children for a in c.output]
    return node.map_expressions(lambda e: resolve_expression(e, inputs))


def _expand_stars(exprs: Sequence[Expression], child: L.LogicalPlan) -> list[Expression]:
    out: list[Expression] = []
    for e in exprs:
        if isinstance(e, UnresolvedStar):
            out.extend(_star(e, child.output))
        else:
            out.append(e)
    return out


def _star(star: UnresolvedStar, inputs: Sequence[AttributeReference]) -> list[Expression]:
    if not star.target:
        return list(inputs)
    target = list(star.target)
    chosen = [a for a in inputs if len(a.qualifier) >= len(target) and all(
        _same(x, y) for x, y in zip(a.qualifier[-len(target):], target))]
    if chosen:
        return chosen
    struct = resolve_name(target, inputs)
    if struct is not None and isinstance(struct.data_type, StructType):
        return [Alias(GetStructField(struct, f.name), f.name) for f in struct.data_type.fields]
    raise AnalysisException(
        "CANNOT_RESOLVE_STAR_EXPAND",
        f"Cannot resolve {'.'.join(f'`{p}`' for p in target)}.* given input columns "
        f"{', '.join(_display(a) for a in inputs)}.",
        {"targetString": ".".join(f"`{p}`" for p in target)}, "42704")


def _resolve_list(exprs: Sequence[Expression], child: L.LogicalPlan) -> list[Expression]:
    expanded = _expand_stars(exprs, child)
    out = []
    for e in expanded:
        if isinstance(e, MultiAlias):
            out.append(MultiAlias(resolve_expression(e.child, child.output), e.names))
            continue
        resolved = resolve_expression(e, child.output)
        out.append(resolved if isinstance(resolved, Generator) else named(resolved))
    return out


def _generator_item(item: Expression) -> Generator | None:
    if isinstance(item, Generator):
        return item
    if isinstance(item, MultiAlias) and isinstance(item.child, Generator):
        return Generator(item.child.child, item.child.with_position, item.child.outer,
                         item.names, item.child.display, item.child.inline)
    if isinstance(item, Alias) and isinstance(item.child, Generator):
        g = item.child
        fields = g.element_fields()
        names = [f[0] for f in fields[:-1]] + [item.name]
        return Generator(g.child, g.with_position, g.outer, names, g.display, g.inline)
    return None


def extract_generator(project_list: list[Expression], child: L.LogicalPlan
                      ) -> L.LogicalPlan | None:
    """A SELECT with ``explode(...)`` as a Generate node below the projection."""
    found = [(i, g) for i, g in ((i, _generator_item(e)) for i, e in enumerate(project_list))
             if g is not None]
    nested = [e for e in project_list if _generator_item(e) is None and e.exists(
        lambda x: isinstance(x, Generator))]
    if nested:
        raise AnalysisException(
            "UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS",
            "The generator is not supported: nested in expressions "
            f'"{nested[0].sql()}".', {}, "42K0E")
    if not found:
        return None
    if len(found) > 1:
        raise AnalysisException(
            "UNSUPPORTED_GENERATOR.MULTI_GENERATOR",
            "The generator is not supported: only one generator allowed per SELECT clause but "
            f"found {len(found)}.", {}, "42K0E")
    index, generator = found[0]
    outputs = [AttributeReference(name, t, True) for name, t in generator.element_fields()]
    items = list(project_list[:index]) + outputs + list(project_list[index + 1:])
    return L.Project(items, L.Generate(generator, outputs, child))


def _project(node: L.Project) -> L.LogicalPlan:
    if node.resolved:
        return node
    project_list = _resolve_list(node.project_list, node.child)
    _check_no_bare_window_functions(project_list)
    if any(contains_aggregate(e) for e in project_list):
        if any(_contains_window(e) for e in project_list):
            raise NotImplementedError("window functions over aggregates in one SELECT are not "
                                      "supported yet: aggregate first, then apply the window")
        return _check_aggregate(L.Aggregate([], project_list, node.child))
    if any(_contains_window(e) for e in project_list):
        return extract_windows(project_list, node.child)
    generated = extract_generator(project_list, node.child)
    if generated is not None:
        return generated
    return L.Project(project_list, node.child)


def _filter(node: L.Filter) -> L.LogicalPlan:
    if node.resolved:
        return node
    condition = resolve_expression(node.condition, node.child.output)
    if not isinstance(condition.data_type, (BooleanType, NullType)):
        raise data_type_mismatch(
            condition.sql(), "FILTER_NOT_BOOLEAN",
            f'Filter expression "{condition.sql()}" of type {type_sql(condition.data_type)} '
            "is not a boolean.")
    return L.Filter(_cast(condition, BooleanType()), node.child)


def _aggregate(node: L.Aggregate) -> L.LogicalPlan:
    if node.resolved:
        return _check_aggregate(node)
    from minispark.sql.builtins.sessions import rewrite_session_window

    sessions = rewrite_session_window(node)  # GROUP BY session_window(...): sessions first
    if sessions is not None:
        return analyze(sessions, _current_catalog.get())
    child = node.child
    grouping = [resolve_expression(e, child.output) for e in
                _expand_stars(node.grouping, child)]
    aggregates = _resolve_list(node.aggregates, child)
    return _check_aggregate(L.Aggregate(grouping, aggregates, child))


def _check_aggregate(node: L.Aggregate) -> L.Aggregate:
    """Every output column must be a grouping expression or built from aggregates."""
    keys = [strip_aliases(g) for g in node.grouping]

    def check(e: Expression) -> None:
        if isinstance(e, AggregateFunction):
            if any(contains_aggregate(c) for c in e.children):
                raise AnalysisException(
                    "NESTED_AGGREGATE_FUNCTION",
                    "It is not allowed to use an aggregate function in the argument of another "
                    "aggregate function. Please use the inner aggregate function in a "
                    "sub-query.", {}, "42607")
            return
        if any(strip_aliases(e) == k for k in keys) or isinstance(e, Literal):
            return
        if isinstance(e, AttributeReference):
            if not node.grouping:
                raise AnalysisException(
                    "MISSING_GROUP_BY", "The query does not include a GROUP BY clause. Add "
                    "GROUP BY or turn it into the window functions using OVER clauses.", {},
                    "42803")
            raise AnalysisException(
                "MISSING_AGGREGATION",
                f'The non-aggregating expression "{e.name}" is based on columns which are not '
                "participating in the GROUP BY clause.\nAdd the columns or the expression to "
                "the GROUP BY, aggregate the expression, or use \"any_value("
                f'{e.name})" if you do not care which of the values within a group is returned.',
                {"expression": f'"{e.name}"'}, "42803")
        for c in e.children:
            check(c)

    for e in node.aggregates:
        check(e.child if isinstance(e, Alias) else e)
    for g in node.grouping:
        if contains_aggregate(g):
            raise AnalysisException(
                "GROUP_BY_AGGREGATE",
                f"Aggregate functions are not allowed in GROUP BY, but found {g.sql()}.",
                {"sqlExpr": g.sql()}, "42903")
    return node


def _sort(node: L.Sort) -> L.LogicalPlan:
    if node.resolved:
        return node
    try:
        order = [resolve_expression(o, node.child.output) for o in node.order]
        return L.Sort(order, node.is_global, node.child)  # type: ignore[arg-type]
    except AnalysisException:
        missing = _sort_through_project(node)
        if missing is None:
            raise
        return missing


def _sort_through_project(node: L.Sort) -> L.LogicalPlan | None:
    """ORDER BY a column the projection below dropped: sort on it, then drop it (as Spark)."""
    child = node.child
    if not isinstance(child, L.Project):
        return None
    below = child.child.output
    order = [resolve_expression(o, list(child.output) + list(below)) for o in node.order]
    present = {a.expr_id for a in child.output}
    extra = [a for o in order for a in _attributes(o) if a.expr_id not in present]
    unique = list({a.expr_id: a for a in extra}.values())
    widened = L.Project(child.project_list + unique, child.child)
    return L.Project(child.output, L.Sort(order, node.is_global, widened))  # type: ignore


def _attributes(expr: Expression) -> list[AttributeReference]:
    return [n for n in expr.walk() if isinstance(n, AttributeReference)]


def _deduplicate(node: L.Deduplicate) -> L.LogicalPlan:
    if node.resolved:
        return node
    keys = []
    for k in node.keys:
        found = resolve_expression(k, node.child.output)
        keys.append(found)
    return L.Deduplicate(keys, node.child)  # type: ignore[arg-type]


def _repartition(node: L.Repartition) -> L.LogicalPlan:
    if node.resolved:
        return node
    return node.map_expressions(lambda e: resolve_expression(e, node.child.output))


# ---- set operations -------------------------------------------------------------------------


def _num_columns_mismatch(operator: str, expected: int, index: int,
                          actual: int) -> AnalysisException:
    ordinal = ("first", "second", "third", "fourth", "fifth")[min(index, 4)]
    return AnalysisException(
        "NUM_COLUMNS_MISMATCH",
        f"{operator} can only be performed on inputs with the same number of columns, but the "
        f"first input has {expected} columns and the {ordinal} input has {actual} columns.",
        {"operator": operator}, "42826")


def _widen_children(children: Sequence[L.LogicalPlan], operator: str) -> list[L.LogicalPlan]:
    width = len(children[0].output)
    for i, c in enumerate(children[1:], 1):
        if len(c.output) != width:
            raise _num_columns_mismatch(operator, width, i, len(c.output))
    targets = []
    for col in range(width):
        types = [c.output[col].data_type for c in children]
        target = common_type(types)
        if target is None:
            raise AnalysisException(
                "INCOMPATIBLE_COLUMN_TYPE",
                f"{operator} can only be performed on tables with compatible column types. "
                f"The {col + 1}th column of the second table is {type_sql(types[1])} type "
                f"which is not compatible with {type_sql(types[0])} at the same column of the "
                "first table.", {"operator": operator}, "42825")
        targets.append(target)
    out = []
    for c in children:
        if all(a.data_type == t for a, t in zip(c.output, targets)):
            out.append(c)
        else:
            out.append(L.Project([a if a.data_type == t else Alias(Cast(a, t), a.name)
                                  for a, t in zip(c.output, targets)], c))
    return out


def _by_name(node: L.Union) -> list[L.LogicalPlan]:
    first = node.children[0]
    names = [a.name for a in first.output]
    out = [first]
    for child in node.children[1:]:
        by_lower = {a.name.lower(): a for a in child.output}
        columns: list[Expression] = []
        for name in names:
            attr = by_lower.get(name.lower())
            if attr is None:
                if not node.allow_missing:
                    raise AnalysisException(
                        "NUM_COLUMNS_MISMATCH" if len(child.output) != len(names)
                        else "UNRESOLVED_COLUMN.WITH_SUGGESTION",
                        f"Cannot resolve column name \"{name}\" among "
                        f"({', '.join(a.name for a in child.output)}).", {}, "42703")
                columns.append(Alias(Literal(None, NullType()), name))
            else:
                columns.append(attr)
        extra = [a for a in child.output if a.name.lower() not in {n.lower() for n in names}]
        if extra and not node.allow_missing:
            raise _num_columns_mismatch("UNION", len(names), 1, len(child.output))
        out.append(L.Project(columns, child))
    if node.allow_missing:
        return _add_missing_left(out, node)
    return out


def _add_missing_left(children: list[L.LogicalPlan], node: L.Union) -> list[L.LogicalPlan]:
    """``allowMissingColumns``: columns only later inputs have are appended, null before."""
    seen = {a.name.lower() for a in children[0].output}
    extra_names: list[str] = []
    for child in node.children[1:]:
        for a in child.output:
            if a.name.lower() not in seen:
                seen.add(a.name.lower())
                extra_names.append(a.name)
    if not extra_names:
        return children
    widened = []
    for i, child in enumerate(children):
        original = node.children[i]
        lookup = {a.name.lower(): a for a in original.output}
        extras: list[Expression] = []
        for name in extra_names:
            attr = lookup.get(name.lower())
            extras.append(attr if attr is not None and i > 0 else
                          Alias(Literal(None, NullType()), name))
        widened.append(L.Project(list(child.output) + extras, child))
    return widened


def _union(node: L.Union) -> L.LogicalPlan:
    children = _by_name(node) if node.by_name else list(node.children)
    return L.Union(_widen_children(children, "UNION"))


def _set_operation(node: L.SetOperation) -> L.LogicalPlan:
    left, right = _widen_children([node.left, node.right], node.kind.upper())
    return L.SetOperation(left, right, node.kind, node.is_all)


# ---- joins ----------------------------------------------------------------------------------


def _join(node: L.Join) -> L.LogicalPlan:
    left, old_right = node.left, node.right
    right, mapping = _deduplicate_right(left, old_right)
    if node.using is not None:
        return _join_using(node, left, right)
    if node.resolved and right is old_right:
        return node
    condition = node.condition
    if condition is not None:
        condition = _remap_condition(condition, mapping, left, old_right)
        condition = resolve_expression(condition, left.output + right.output)
        if not isinstance(condition.data_type, (BooleanType, NullType)):
            raise data_type_mismatch(
                condition.sql(), "UNEXPECTED_INPUT_TYPE",
                f'The join condition "{condition.sql()}" has the type '
                f"{type_sql(condition.data_type)}, not \"BOOLEAN\".")
    return L.Join(left, right, node.join_type, condition, None, node.hint)


def _remap_condition(condition: Expression, mapping: dict[int, AttributeReference],
                     left: L.LogicalPlan, right: L.LogicalPlan) -> Expression:
    """Columns taken from the right DataFrame of a self-join get the right side's new ids.

    A column remembers the plan of the DataFrame it came from; when that plan is
    part of the right side only, the column means the right side's copy.
    """
    if not mapping:
        return condition
    left_plans = {id(n) for n in left.walk()}
    right_plans = {id(n) for n in right.walk()} - left_plans

    def rule(e: Expression) -> Expression:
        if isinstance(e, AttributeReference) and e.expr_id in mapping and (
                e.plan_tag in right_plans):
            return mapping[e.expr_id]
        return e
    return condition.transform_up(rule)


def _deduplicate_right(left: L.LogicalPlan, right: L.LogicalPlan
                       ) -> tuple[L.LogicalPlan, dict[int, AttributeReference]]:
    """``right`` with fresh ids where they clash with ``left``'s (a self-join)."""
    clash = {a.expr_id for a in left.output} & {a.expr_id for a in right.output}
    if not clash:
        return right, {}
    from minispark.sql.plan.rewrite import fresh_ids

    return fresh_ids(right, clash)


def _join_using(node: L.Join, left: L.LogicalPlan, right: L.LogicalPlan) -> L.LogicalPlan:
    keys = node.using or []
    pairs = []
    for name in keys:
        l_attr = resolve_name([name], left.output)
        r_attr = resolve_name([name], right.output)
        if l_attr is None or r_attr is None:
            side = left if l_attr is None else right
            raise AnalysisException(
                "UNRESOLVED_USING_COLUMN_FOR_JOIN",
                f"USING column `{name}` cannot be resolved on the "
                f"{'left' if l_attr is None else 'right'} side of the join. The "
                f"{'left' if l_attr is None else 'right'}-side columns: "
                f"[{', '.join(f'`{a.name}`' for a in side.output)}].",
                {"colName": f"`{name}`"}, "42703")
        pairs.append((l_attr, r_attr))
    condition = conjunction([resolve_expression(EqualTo(a, b), left.output + right.output)
                             for a, b in pairs])
    join = L.Join(left, right, node.join_type, condition, None, node.hint)
    key_ids = {a.expr_id for pair in pairs for a in pair}  # type: ignore[union-attr]
    how = node.join_type
    outputs: list[Expression] = []
    for l_attr, r_attr in pairs:
        if how == "right_outer":
            outputs.append(r_attr)
        elif how == "full_outer":
            outputs.append(Alias(ScalarFunction(builtins.lookup("coalesce"), [l_attr, r_attr]),
                                 l_attr.name))  # type: ignore[union-attr]
        else:
            outputs.append(l_attr)
    join_output = {a.expr_id: a for a in join.output}
    outputs = [join_output.get(getattr(o, "expr_id", None), o) for o in outputs]
    outputs += [a for a in join.left.output if a.expr_id not in key_ids]
    if how not in ("left_semi", "left_anti"):
        outputs += [join_output[a.expr_id] for a in join.right.output
                    if a.expr_id not in key_ids]
    return L.Project(outputs, join)


def _subquery_alias(node: L.SubqueryAlias) -> L.LogicalPlan:
    return node


def _rename(node: L.RenameColumns) -> L.LogicalPlan:
    output = node.child.output
    if len(output) != len(node.names):
        raise AnalysisException(
            "ASSIGNMENT_ARITY_MISMATCH",
            f"The number of columns doesn't match. Old column names ({len(output)}): "
            f"{', '.join(a.name for a in output)}; new column names ({len(node.names)}): "
            f"{', '.join(node.names)}.", {}, "42802")
    return L.Project([a if a.name == n else Alias(a, n) for a, n in zip(output, node.names)],
                     node.child)


_NODE_RESOLVERS: dict[type, Callable[[Any], L.LogicalPlan]] = {
    L.Project: _project,
    L.Filter: _filter,
    L.Aggregate: _aggregate,
    L.Sort: _sort,
    L.Join: _join,
    L.Union: _union,
    L.SetOperation: _set_operation,
    L.Deduplicate: _deduplicate,
    L.Repartition: _repartition,
    L.SubqueryAlias: _subquery_alias,
    L.RenameColumns: _rename,
}


def sort_order(expr: Expression) -> SortOrder:
    return expr if isinstance(expr, SortOrder) else SortOrder(expr)

