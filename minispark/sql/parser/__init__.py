"""SQL text to logical plans and expressions, through sqlglot's Spark dialect.

>>> parse_expression("a + 1 AS b").sql()
'(a + 1) AS b'
>>> parse_query("SELECT a FORM t")
Traceback (most recent call last):
...
minispark.errors.exceptions.captured.ParseException: [PARSE_SYNTAX_ERROR] Syntax error at or near 't'. \
SQLSTATE: 42601 (line 1, pos 14)
<BLANKLINE>
== SQL ==
SELECT a FORM t
--------------^^^
<BLANKLINE>
"""
from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from minispark.errors import ParseException
from minispark.sql.parser.dialect import MiniSpark
from minispark.sql.parser.expressions import ExpressionConverter
from minispark.sql.parser.queries import QueryConverter
from minispark.sql.plan import expressions as E
from minispark.sql.plan import logical as L


def syntax_error(sql: str, line: int, position: int, near: str) -> ParseException:
    """PARSE_SYNTAX_ERROR pointing at ``line`` and 0-based ``position`` as Spark prints it."""
    what = f"'{near}'" if near else "end of input"
    error = ParseException("PARSE_SYNTAX_ERROR", f"Syntax error at or near {what}.",
                           {"error": what, "hint": ""}, "42601")
    lines = sql.split("\n")
    shown = lines[:line] + ["-" * position + "^^^"] + lines[line:]
    error.args = (f"{error.args[0]} (line {line}, pos {position})\n\n== SQL ==\n"
                  + "\n".join(shown) + "\n",)
    return error


def _parse(sql: str, into: type | None = None) -> list[exp.Expression]:
    try:
        if into is not None:
            return [sqlglot.parse_one(sql, dialect=MiniSpark, into=into)]
        return [s for s in sqlglot.parse(sql, dialect=MiniSpark) if s is not None]
    except ParseError as exc:
        detail = exc.errors[0] if exc.errors else {}
        line = int(detail.get("line") or 1)
        near = str(detail.get("highlight") or "")
        column = int(detail.get("col") or 0)
        raise syntax_error(sql, line, max(0, column - len(near)), near) from None
    except TokenError as exc:
        raise ParseException("PARSE_SYNTAX_ERROR", f"Syntax error: {exc}.", {},
                             "42601") from None


def parse_statements(sql: str) -> list[exp.Expression]:
    """The sqlglot trees of each statement of ``sql``."""
    statements = _parse(sql)
    if not statements:
        raise syntax_error(sql, 1, 0, "")
    return statements


def parse_query(sql: str) -> L.LogicalPlan:
    """The (unresolved) logical plan of one query."""
    statements = parse_statements(sql)
    if len(statements) != 1:
        raise ParseException("PARSE_SYNTAX_ERROR", "Only one SQL statement is allowed.", {},
                             "42601")
    return QueryConverter().query(statements[0])


def parse_expression(text: str) -> E.Expression:
    """One expression (with an optional alias), as ``expr()`` and ``selectExpr`` take it."""
    statements = _parse(f"SELECT {text}")
    select = statements[0] if statements else None
    if not isinstance(select, exp.Select) or len(select.expressions) != 1 or any(
            select.args.get(k) for k in ("from_", "from", "where", "group", "order", "limit")):
        raise syntax_error(text, 1, 0, text.split()[0] if text.split() else "")
    return ExpressionConverter().convert(select.expressions[0])


def parse_table_name(text: str) -> list[str]:
    """``db.table`` as its name parts."""
    try:
        table = sqlglot.parse_one(text, dialect=MiniSpark, into=exp.Table)
    except ParseError:
        raise ParseException("PARSE_SYNTAX_ERROR", f"Syntax error at or near '{text}'.", {},
                             "42601") from None
    return [p.name for p in table.parts]


__all__ = ["parse_expression", "parse_query", "parse_statements", "parse_table_name",
           "syntax_error", "QueryConverter"]
