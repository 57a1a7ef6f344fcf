"""Arrays, maps, structs, JSON and generators (``array``, ``explode``, ``from_json``...)."""
from __future__ import annotations

import inspect
import itertools
from typing import Any, Callable

from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.plan import expressions as E
from minispark.sql.functions._support import _call, _columns, _simple, _with_values, _math, exported


def array(*cols: Any) -> Column:
    """An array of the columns' values."""
    return _call("array", *_columns(cols))


def struct(*cols: Any) -> Column:
    """A struct with one field per column (named after it)."""
    return _call("struct", *_columns(cols))


def named_struct(*cols: Any) -> Column:
    """A struct from alternating field names (literals) and values (a string is a column).

    >>> from minispark.sql.functions import lit
    >>> df = spark.createDataFrame([(1, 2)], ["a", "b"])
    >>> df.select(named_struct(lit("x"), df.a, lit("y"), "b").alias("s")).first()
    Row(s=Row(x=1, y=2))
    """
    args = [_expr(c) if i % 2 == 0 else _column_arg(c) for i, c in enumerate(cols)]
    return Column(E.UnresolvedFunction("named_struct", args))


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
    """Like :func:`posexplode`, keeping rows whose array is null or empty (with nulls)."""
    return _call("posexplode_outer", col)


def inline(col: Any) -> Column:
    """One row per struct of an array of structs, one column per field."""
    return _call("inline", col)


def inline_outer(col: Any) -> Column:
    """Like :func:`inline`, keeping rows whose array is null or empty (with nulls)."""
    return _call("inline_outer", col)


def stack(*cols: Any) -> Column:
    """``stack(n, v1, v2, ...)``: the values in ``n`` rows (columns ``col0``, ``col1``...)."""
    return _call("stack", *cols)


def json_tuple(col: Any, *fields: str) -> Column:
    """Fields of a JSON object as columns ``c0``, ``c1``...

    >>> df = spark.createDataFrame([('{"a": 1, "b": "x"}',)], ["j"])
    >>> df.select(json_tuple("j", "a", "b")).collect()
    [Row(c0='1', c1='x')]
    """
    return Column(E.UnresolvedFunction("json_tuple", [_column_arg(col)] +
                                       [E.Literal.of(f) for f in fields]))


def sort_array(col: Any, asc: bool = True) -> Column:
    """The array sorted, nulls first ascending (last descending).

    >>> spark.createDataFrame([([2, None, 1],)], ["a"]).select(sort_array("a", asc=False)).first()
    Row(sort_array(a, false)=[2, 1, None])
    """
    return Column(E.UnresolvedFunction("sort_array", [_column_arg(col), _expr(asc)]))


def array_sort(col: Any, comparator: Callable[[Column, Column], Column] | None = None
               ) -> Column:
    """The array sorted ascending (nulls last), or by ``comparator(l, r)`` (negative when
    ``l`` comes first)."""
    if comparator is None:
        return _call("array_sort", col)
    return _higher_order("array_sort", [col], [comparator])


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


def _options_literal(options: dict | None) -> list[E.Expression]:
    """Reader/writer options as one JSON-encoded literal argument (none if empty)."""
    import json

    if not options:
        return []
    return [E.Literal.of(json.dumps({str(k): str(v).lower() if isinstance(v, bool) else str(v)
                                     for k, v in options.items()}))]


def _schema_arg(schema: Any) -> E.Expression:
    if isinstance(schema, Column):
        return schema._expr
    return E.Literal.of(schema if isinstance(schema, str) else schema.simpleString())


def to_json(col: Any, options: dict | None = None) -> Column:
    """A struct, map or array as JSON text."""
    return Column(E.UnresolvedFunction("to_json", [_column_arg(col)] +
                                       _options_literal(options)))


def schema_of_json(json: Any, options: dict | None = None) -> Column:
    """The DDL of the type inferred from a JSON string literal.

    >>> spark.range(1).select(schema_of_json('{"a": [1]}').alias("s")).first()
    Row(s='STRUCT<a: ARRAY<BIGINT>>')
    """
    text = json._expr if isinstance(json, Column) else E.Literal.of(json)
    return Column(E.UnresolvedFunction("schema_of_json", [text] + _options_literal(options)))


json_array_length = _simple("json_array_length", 1, "The number of elements of a JSON array.")


json_object_keys = _simple("json_object_keys", 1, "The keys of a JSON object.")


def from_csv(col: Any, schema: Any, options: dict | None = None) -> Column:
    """A CSV line parsed into a struct of ``schema`` (a DDL string or schema_of_csv)."""
    return Column(E.UnresolvedFunction("from_csv", [_column_arg(col), _schema_arg(schema)] +
                                       _options_literal(options)))


def to_csv(col: Any, options: dict | None = None) -> Column:
    """A struct as a CSV line."""
    return Column(E.UnresolvedFunction("to_csv", [_column_arg(col)] +
                                       _options_literal(options)))


def schema_of_csv(csv: Any, options: dict | None = None) -> Column:
    """The DDL of the struct inferred from a CSV line literal."""
    text = csv._expr if isinstance(csv, Column) else E.Literal.of(csv)
    return Column(E.UnresolvedFunction("schema_of_csv", [text] + _options_literal(options)))


def str_to_map(text: Any, pairDelim: Any = None, keyValueDelim: Any = None) -> Column:
    """A map split from text: pairs by ``pairDelim`` (","), key from value by
    ``keyValueDelim`` (":"); both are regular expressions."""
    delimiters = [E.Literal.of(",") if pairDelim is None else _expr(pairDelim),
                  E.Literal.of(":") if keyValueDelim is None else _expr(keyValueDelim)]
    return Column(E.UnresolvedFunction("str_to_map", [_column_arg(text)] + delimiters))


get_json_object = _with_values("get_json_object", "The value at a JSON path ($.a.b[0]).")


cardinality = _math("cardinality", "The number of elements of an array or map.")


def from_json(col: Any, schema: Any, options: dict | None = None) -> Column:
    """JSON text parsed with ``schema`` (a DDL string, a DataType or a column such as
    schema_of_json); null if malformed."""
    return Column(E.UnresolvedFunction("from_json", [_column_arg(col), _schema_arg(schema)] +
                                       _options_literal(options)))


def _value_args(name: str, col: Any, *values: Any) -> Column:
    """A call of an array column and values: a string value is a literal, not a column."""
    return Column(E.UnresolvedFunction(name, [_column_arg(col)] + [_expr(v) for v in values]))


def array_append(col: Any, value: Any) -> Column:
    """The array with ``value`` added at the end."""
    return _value_args("array_append", col, value)


def array_prepend(col: Any, value: Any) -> Column:
    """The array with ``value`` added at the start."""
    return _value_args("array_prepend", col, value)


def array_insert(arr: Any, pos: Any, value: Any) -> Column:
    """The array with ``value`` inserted at the 1-based ``pos`` (negative from the end)."""
    return _value_args("array_insert", arr, pos, value)


def array_repeat(col: Any, count: Any) -> Column:
    """An array of ``count`` copies of the value.

    >>> from minispark.sql.functions import lit
    >>> spark.range(1).select(array_repeat(lit("ab"), 2).alias("r")).first()
    Row(r=['ab', 'ab'])
    """
    return _value_args("array_repeat", col, count)


def get(col: Any, index: Any) -> Column:
    """The element at a 0-based index (null outside the array)."""
    return _value_args("get", col, index if not isinstance(index, str) else Column(
        E.UnresolvedAttribute.quoted(index)))


def try_element_at(col: Any, extraction: Any) -> Column:
    """Like :func:`element_at`, but null for an index outside the array."""
    return _call("try_element_at", col, extraction)


def map_contains_key(col: Any, value: Any) -> Column:
    """Whether the map has the key ``value``."""
    return _value_args("map_contains_key", col, value)


def arrays_zip(*cols: Any) -> Column:
    """An array of structs: the i-th elements of each array together."""
    return _call("arrays_zip", *_columns(cols))


def map_concat(*cols: Any) -> Column:
    """The maps' entries together in one map."""
    return _call("map_concat", *_columns(cols))


array_compact = _simple("array_compact", 1, "The array without its nulls.")


array_size = _simple("array_size", 1, "The number of elements of an array.")


array_union = _simple("array_union", 2, "The distinct elements of both arrays.")


array_intersect = _simple("array_intersect", 2, "The distinct elements in both arrays.")


array_except = _simple("array_except", 2, "The distinct elements of the first array absent "
                       "from the second.")


map_from_arrays = _simple("map_from_arrays", 2, "A map from an array of keys and one of "
                          "values.")


map_entries = _simple("map_entries", 1, "A map's entries as an array of key-value structs.")


map_from_entries = _simple("map_from_entries", 1, "A map from an array of key-value structs.")


# ---- higher-order functions ---------------------------------------------------------------

#: Lambda parameters get fresh names (``x_0``, ``y_1``...) so nested lambdas never clash.
_lambda_ids = itertools.count()


def _lambda(func: Callable[..., Any]) -> E.Expression:
    """A Python function of Columns as a lambda expression (its body built once)."""
    from minispark.errors import PySparkValueError

    params = [p for p in inspect.signature(func).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not 1 <= len(params) <= 3:
        raise PySparkValueError(
            "WRONG_NUM_ARGS_FOR_HIGHER_ORDER_FUNCTION",
            f"Function `{func.__name__}` should take between 1 and 3 arguments, but the "
            f"provided function takes {len(params)}.",
            {"func_name": func.__name__, "num_args": str(len(params))})
    names = [f"{letter}_{next(_lambda_ids)}" for letter in "xyz"[:len(params)]]
    body = func(*[Column(E.UnresolvedAttribute([n])) for n in names])
    if not isinstance(body, Column):
        raise PySparkValueError(
            "HIGHER_ORDER_FUNCTION_SHOULD_RETURN_COLUMN",
            f"Function `{func.__name__}` should return Column, got {type(body).__name__}.",
            {"func_name": func.__name__, "return_type": type(body).__name__})
    return E.UnresolvedLambda(body._expr, names)


def _higher_order(name: str, cols: list[Any], funcs: list[Callable[..., Any]]) -> Column:
    args = [_column_arg(c) for c in cols] + [_lambda(f) for f in funcs]
    return Column(E.UnresolvedFunction(name, args))


def transform(col: Any, f: Callable[..., Column]) -> Column:
    """Each element mapped by ``f(x)`` or ``f(x, i)`` (``i`` the 0-based index).

    >>> df = spark.createDataFrame([([1, 2],)], ["a"])
    >>> df.select(transform("a", lambda x, i: x * 10 + i).alias("t")).first()
    Row(t=[10, 21])
    """
    return _higher_order("transform", [col], [f])


def exists(col: Any, f: Callable[[Column], Column]) -> Column:
    """Whether ``f`` holds for some element (null if not, but unknown for some)."""
    return _higher_order("exists", [col], [f])


def forall(col: Any, f: Callable[[Column], Column]) -> Column:
    """Whether ``f`` holds for every element (null if none fails but some are unknown)."""
    return _higher_order("forall", [col], [f])


def filter(col: Any, f: Callable[..., Column]) -> Column:
    """The elements for which ``f(x)`` or ``f(x, i)`` is true.

    >>> df = spark.createDataFrame([([1, 2, 3],)], ["a"])
    >>> df.select(filter("a", lambda x: x % 2 == 1).alias("odd")).first()
    Row(odd=[1, 3])
    """
    return _higher_order("filter", [col], [f])


def aggregate(col: Any, initialValue: Any, merge: Callable[[Column, Column], Column],
              finish: Callable[[Column], Column] | None = None) -> Column:
    """``merge(acc, x)`` folded over the elements from ``initialValue``, then ``finish``.

    >>> from minispark.sql.functions import lit
    >>> df = spark.createDataFrame([([1, 2, 3],)], "a array<int>")
    >>> df.select(aggregate("a", lit(0), lambda acc, x: acc + x).alias("s")).first()
    Row(s=6)
    """
    funcs = [merge] if finish is None else [merge, finish]
    return _fold("aggregate", col, initialValue, funcs)


def reduce(col: Any, initialValue: Any, merge: Callable[[Column, Column], Column],
           finish: Callable[[Column], Column] | None = None) -> Column:
    """Same as :func:`aggregate`."""
    funcs = [merge] if finish is None else [merge, finish]
    return _fold("reduce", col, initialValue, funcs)


def _fold(name: str, col: Any, initial: Any, funcs: list[Callable[..., Any]]) -> Column:
    args = [_column_arg(col), _expr(initial)] + [_lambda(f) for f in funcs]
    return Column(E.UnresolvedFunction(name, args))


def zip_with(left: Any, right: Any, f: Callable[[Column, Column], Column]) -> Column:
    """Two arrays merged element-wise by ``f`` (the shorter padded with nulls)."""
    return _higher_order("zip_with", [left, right], [f])


def transform_keys(col: Any, f: Callable[[Column, Column], Column]) -> Column:
    """A map whose keys are ``f(k, v)``."""
    return _higher_order("transform_keys", [col], [f])


def transform_values(col: Any, f: Callable[[Column, Column], Column]) -> Column:
    """A map whose values are ``f(k, v)``."""
    return _higher_order("transform_values", [col], [f])


def map_filter(col: Any, f: Callable[[Column, Column], Column]) -> Column:
    """The entries of a map for which ``f(k, v)`` is true."""
    return _higher_order("map_filter", [col], [f])


def map_zip_with(col1: Any, col2: Any, f: Callable[[Column, Column, Column], Column]
                 ) -> Column:
    """Two maps merged by key: ``f(k, v1, v2)`` (a value missing on one side is null)."""
    return _higher_order("map_zip_with", [col1, col2], [f])


__all__ = exported(globals(), __name__)
