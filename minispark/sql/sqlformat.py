"""``spark.sql(query, args, **kwargs)``: ``{name}`` formatting and parameter markers.

``kwargs`` fill ``{name}`` fields of the text as ``str.format`` does, except
that a DataFrame becomes the name of a temporary view over it (dropped once
the statement is analyzed) and a Column becomes its name (or, for a computed
column, a parameter bound to its expression). ``args`` give the values of
``:name`` markers (a dict) or ``?`` markers (a list), as literals or Columns.

>>> df = spark.createDataFrame([(1, 4), (3, 6)], ["A", "B"])
>>> spark.sql("SELECT {df.A} FROM {df} WHERE {df[B]} > :m", {"m": 5}, df=df).collect()
[Row(A=3)]
"""
from __future__ import annotations

import string
import uuid
from typing import Any, Optional

from minispark.errors import PySparkTypeError
from minispark.sql.plan import expressions as E


class _Formatter(string.Formatter):
    """``str.format`` that turns DataFrames into view names and Columns into SQL."""

    def __init__(self, session: Any, parameters: dict[str, E.Expression]) -> None:
        self.session = session
        self.parameters = parameters
        self.views: list[str] = []

    def format_field(self, value: Any, format_spec: str) -> str:
        """A field's text: a view name for a DataFrame, SQL for a Column."""
        from minispark.sql.column import Column
        from minispark.sql.dataframe import DataFrame

        if isinstance(value, DataFrame):
            name = f"__minispark_sql_{uuid.uuid4().hex}"
            self.session._catalog.create_view(name, value._plan, replace=True)
            self.views.append(name)
            return name
        if isinstance(value, Column):
            return self._column(value._expr)
        return super().format_field(value, format_spec)

    def _column(self, expr: E.Expression) -> str:
        from minispark.sql.commands import PARAMETER_PREFIX

        if isinstance(expr, E.AttributeReference):
            return _quoted(expr.name)
        if isinstance(expr, E.UnresolvedAttribute):
            return ".".join(_quoted(p) for p in expr.parts)
        key = f"f{len(self.parameters)}"
        self.parameters[key] = expr
        return _quoted(PARAMETER_PREFIX + key)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _expression(value: Any) -> E.Expression:
    from minispark.sql.column import Column
    from minispark.sql.functions import lit

    column = value if isinstance(value, Column) else lit(value)
    return column._expr


def bound_parameters(args: Any) -> dict[str, E.Expression]:
    """The expressions of ``args``: ``:name`` markers from a dict, ``?`` markers (numbered
    from 0) from a list or tuple."""
    if args is None:
        return {}
    if isinstance(args, dict):
        return {str(k): _expression(v) for k, v in args.items()}
    if isinstance(args, (list, tuple)):
        return {str(i): _expression(v) for i, v in enumerate(args)}
    raise PySparkTypeError("INVALID_TYPE", f"args should be a dict or list, got "
                           f"{type(args).__name__}.", {"arg_name": "args",
                                                       "arg_type": type(args).__name__})


def run_formatted(session: Any, query: str, args: Any = None,
                  kwargs: Optional[dict[str, Any]] = None) -> Any:
    """Run ``query`` after formatting it with ``kwargs`` and binding ``args``."""
    from minispark.sql.commands import run_sql

    parameters = bound_parameters(args)
    formatter = _Formatter(session, parameters)
    try:
        text = formatter.format(query, **kwargs) if kwargs else query
        return run_sql(session, text, parameters)
    finally:
        for name in formatter.views:
            session._catalog.drop_view(name)
