"""Helpers the functions modules share: building calls of registered functions."""
from __future__ import annotations

from typing import Any

from minispark.errors import PySparkTypeError
from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.plan import expressions as E


def _call(name: str, *args: Any, distinct: bool = False, **kw: Any) -> Column:
    return Column(E.UnresolvedFunction(name, [_column_arg(a) for a in args], distinct, **kw))


def _call_values(name: str, col: Any, *values: Any) -> Column:
    """A function of one column and constant arguments (``round(col, 2)``)."""
    return Column(E.UnresolvedFunction(name, [_column_arg(col)] + [_expr(v) for v in values]))


def _math(name: str, doc: str) -> Any:
    def function(col: Any) -> Column:
        return _call(name, col)
    function.__name__ = name
    function.__doc__ = doc
    return function


def _numeric_arg(value: Any) -> E.Expression:
    return _expr(value) if isinstance(value, (int, float)) else _column_arg(value)


def _columns(cols: tuple) -> list[Any]:
    if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
        return list(cols[0])
    return list(cols)


def _date_field(name: str) -> Any:
    def function(col: Any) -> Column:
        return _call(name, col)
    function.__name__ = name
    function.__doc__ = f"The {name} of a date or timestamp."
    return function


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


def _flag(value: Any) -> bool:
    if isinstance(value, Column):
        if not isinstance(value._expr, E.Literal):
            raise PySparkTypeError("NOT_BOOL", "ignoreNulls must be a literal bool.", {})
        return bool(value._expr.value)
    return bool(value)


def exported(namespace: dict[str, Any], module: str) -> list[str]:
    """The public functions a functions module defines: what its ``import *`` takes.

    Those it defines itself, and those it builds with this module's factories
    (``_math``, ``_simple``...), but not the names it imports from elsewhere.
    """
    return [name for name, value in namespace.items()
            if not name.startswith("_") and callable(value)
            and getattr(value, "__module__", None) in (module, __name__)
            and globals().get(name) is not value]
