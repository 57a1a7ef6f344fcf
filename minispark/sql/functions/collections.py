"""Arrays, maps, structs, JSON and generators (``array``, ``explode``, ``from_json``...)."""
from __future__ import annotations

from typing import Any

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


cardinality = _math("cardinality", "The number of elements of an array or map.")


def from_json(col: Any, schema: Any, options: dict | None = None) -> Column:
    """JSON text parsed with ``schema`` (a DDL string or a DataType); null if malformed."""
    if options:
        raise NotImplementedError("from_json options are not supported yet")
    text = schema if isinstance(schema, str) else schema.simpleString()
    return Column(E.UnresolvedFunction("from_json", [_column_arg(col), E.Literal.of(text)]))


__all__ = exported(globals(), __name__)
