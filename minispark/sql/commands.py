"""SQL statements that do something rather than describe a query: views, SET, SHOW,
DESCRIBE, EXPLAIN, CACHE. Each runs when ``spark.sql`` is called (as in Spark) and
returns its result as a DataFrame.

>>> spark.sql("CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1 AS a").collect()
[]
>>> spark.sql("SHOW TABLES").filter("tableName = 'v'").collect()
[Row(namespace='', tableName='v', isTemporary=True)]
"""
from __future__ import annotations

import re
from typing import Any

from sqlglot import exp

from minispark.errors import AnalysisException, ParseException
from minispark.sql.catalog import GLOBAL_TEMP_DATABASE
from minispark.sql.parser import QueryConverter, parse_query, parse_statements
from minispark.sql.plan import logical as L

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(EXTENDED\s+|FORMATTED\s+|CODEGEN\s+|COST\s+)?(.*)$",
                      re.I | re.S)
_SHOW_TABLES = re.compile(r"^\s*SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+(\w+))?\s*;?\s*$", re.I)
_SHOW = re.compile(r"^\s*SHOW\b", re.I)


def run_sql(session: Any, text: str) -> Any:
    """The DataFrame of one SQL statement (a query, or the result of a command)."""
    explain = _EXPLAIN.match(text)
    if explain:
        mode = (explain.group(1) or "simple").strip().lower()
        plan = session._analyze(parse_query(explain.group(2)))
        from minispark.sql.execution.query import QueryExecution

        report = QueryExecution(session, plan).explain_string(mode)
        return _rows(session, [(report,)], "plan STRING")
    show = _SHOW_TABLES.match(text)
    if show:
        return _show_tables(session, show.group(1))
    if _SHOW.match(text):
        raise ParseException("UNSUPPORTED_FEATURE", f"The statement `{text.strip()}` is not "
                             "supported yet.", {}, "0A000")
    statements = parse_statements(text)
    if len(statements) != 1:
        raise ParseException("PARSE_SYNTAX_ERROR", "Only one SQL statement is allowed.", {},
                             "42601")
    statement = statements[0]
    handler = _COMMANDS.get(type(statement))
    if handler is not None:
        return handler(session, statement)
    return session._dataframe(QueryConverter().query(statement))


def _rows(session: Any, rows: list[tuple], schema: str) -> Any:
    return session.createDataFrame(rows, schema)


def _nothing(session: Any) -> Any:
    from minispark.sql.types import StructType

    return session.createDataFrame([], StructType([]))


def _create(session: Any, statement: exp.Create) -> Any:
    kind = (statement.args.get("kind") or "").upper()
    properties = statement.args.get("properties")
    flags = {type(p).__name__ for p in (properties.expressions if properties else [])}
    if kind != "VIEW" or "TemporaryProperty" not in flags:
        raise ParseException("UNSUPPORTED_FEATURE",
                             f"CREATE {kind} is not supported yet (temporary views are).", {},
                             "0A000")
    target = statement.this
    columns = []
    if isinstance(target, exp.Schema):
        columns = [c.name for c in target.expressions]
        target = target.this
    plan = QueryConverter().query(statement.expression)
    if columns:
        plan = L.RenameColumns(columns, plan)
    analyzed = session._analyze(plan)
    name = target.name
    is_global = "GlobalProperty" in flags
    if statement.args.get("exists") and name.lower() in session._catalog.view_names(is_global):
        return _nothing(session)
    session._catalog.create_view(name, analyzed, replace=bool(statement.args.get("replace")),
                                 is_global=is_global)
    return _nothing(session)


def _drop(session: Any, statement: exp.Drop) -> Any:
    kind = (statement.args.get("kind") or "").upper()
    if kind not in ("VIEW", "TABLE"):
        raise ParseException("UNSUPPORTED_FEATURE", f"DROP {kind} is not supported.", {},
                             "0A000")
    for table in statement.args.get("tables") or [statement.this]:
        parts = [p.name for p in table.parts]
        is_global = len(parts) == 2 and parts[0].lower() == GLOBAL_TEMP_DATABASE
        dropped = session._catalog.drop_view(parts[-1], is_global)
        if not dropped and not statement.args.get("exists"):
            from minispark.sql.catalog import table_not_found

            raise table_not_found(parts)
    return _nothing(session)


def _describe(session: Any, statement: exp.Describe) -> Any:
    target = statement.this
    if isinstance(target, exp.Table):
        df = session.table(".".join(p.name for p in target.parts))
    else:
        df = session._dataframe(QueryConverter().query(target))
    rows = [(f.name, f.dataType.simpleString(), None) for f in df.schema.fields]
    return _rows(session, rows, "col_name STRING, data_type STRING, comment STRING")


def _set(session: Any, statement: exp.Set) -> Any:
    items = statement.expressions
    if not items:
        pairs = sorted(session.conf.getAll.items())
        return _rows(session, pairs, "key STRING, value STRING")
    rows = []
    for item in items:
        assignment = item.this
        if not isinstance(assignment, exp.EQ):
            key = assignment.sql(dialect="spark")
            rows.append((key, session.conf.get(key, "<undefined>")))
            continue
        key = assignment.this.sql(dialect="spark").replace(" ", "")
        value = assignment.expression
        text = value.this if isinstance(value, exp.Literal) else value.sql(dialect="spark")
        session.conf.set(key, str(text))
        rows.append((key, str(text)))
    return _rows(session, rows, "key STRING, value STRING")


def _show_tables(session: Any, database: str | None) -> Any:
    if database and database.lower() == GLOBAL_TEMP_DATABASE:
        names = session._catalog.view_names(is_global=True)
        rows = [(GLOBAL_TEMP_DATABASE, n, True) for n in names]
    elif database and database.lower() != "default":
        raise AnalysisException("SCHEMA_NOT_FOUND", f"The schema `{database}` cannot be "
                                 "found.", {"schemaName": f"`{database}`"}, "42704")
    else:
        rows = [("", n, True) for n in session._catalog.view_names()]
    return _rows(session, rows, "namespace STRING, tableName STRING, isTemporary BOOLEAN")


def _cache(session: Any, statement: exp.Expression) -> Any:
    name = ".".join(p.name for p in statement.this.parts)
    df = session.table(name)
    view = session._catalog.lookup_relation(name.split("."))
    plan = view.child if isinstance(view, L.SubqueryAlias) else view
    if isinstance(statement, exp.Cache):
        from minispark.storagelevel import StorageLevel

        session._cache_manager.cache(session, plan, StorageLevel.MEMORY_AND_DISK_DESER)
        if not statement.args.get("lazy"):
            df.count()
    else:
        session._cache_manager.uncache(plan)
    return _nothing(session)


def _use(session: Any, statement: exp.Use) -> Any:
    name = statement.this.name if statement.this is not None else ""
    if name.lower() != "default":
        raise AnalysisException("SCHEMA_NOT_FOUND", f"The schema `{name}` cannot be found.",
                                {"schemaName": f"`{name}`"}, "42704")
    return _nothing(session)


_COMMANDS = {
    exp.Create: _create,
    exp.Drop: _drop,
    exp.Describe: _describe,
    exp.Set: _set,
    exp.Cache: _cache,
    exp.Uncache: _cache,
    exp.Use: _use,
}
