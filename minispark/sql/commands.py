"""SQL statements that do something rather than describe a query: databases, tables and
views (temporary and persistent), INSERT, TRUNCATE, SET, SHOW, DESCRIBE, EXPLAIN, CACHE.
Each runs when ``spark.sql`` is called (as in Spark) and returns its result as a
DataFrame. Persistent objects live in the warehouse (:mod:`minispark.sql.warehouse`).

>>> spark.sql("CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1 AS a").collect()
[]
>>> spark.sql("SHOW TABLES").filter("tableName = 'v'").collect()
[Row(namespace='', tableName='v', isTemporary=True)]
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from sqlglot import exp

from minispark.errors import AnalysisException, ParseException
from minispark.sql import tables
from minispark.sql.catalog import GLOBAL_TEMP_DATABASE, table_not_found
from minispark.sql.parser import QueryConverter, parse_query, parse_statements
from minispark.sql.plan import expressions as E
from minispark.sql.plan import logical as L
from minispark.sql.types import StructType
from minispark.sql.warehouse import (
    SESSION_CATALOG, TableMeta, Warehouse, matching, split_identifier,
)

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(EXTENDED\s+|FORMATTED\s+|CODEGEN\s+|COST\s+)?(.*)$",
                      re.I | re.S)
_NAME = r"((?:`[^`]*`|[\w]+)(?:\.(?:`[^`]*`|[\w]+))*)"
_LIKE = r"(?:\s+LIKE)?(?:\s+'([^']*)')?"
_SHOW_TABLES = re.compile(
    rf"^\s*SHOW\s+(TABLES|VIEWS)(?:\s+(?:IN|FROM)\s+{_NAME})?{_LIKE}\s*;?\s*$", re.I)
_SHOW_DATABASES = re.compile(
    rf"^\s*SHOW\s+(?:DATABASES|SCHEMAS|NAMESPACES){_LIKE}\s*;?\s*$", re.I)
_SHOW_ON_TABLE = re.compile(
    rf"^\s*SHOW\s+(CREATE\s+TABLE|TBLPROPERTIES|PARTITIONS|COLUMNS\s+(?:IN|FROM))\s+{_NAME}"
    rf"(?:\s+(?:IN|FROM)\s+{_NAME})?(?:\s+AS\s+SERDE)?\s*;?\s*$", re.I)
_SHOW_FUNCTIONS = re.compile(rf"^\s*SHOW\s+(USER\s+|SYSTEM\s+|ALL\s+)?FUNCTIONS{_LIKE}\s*;?\s*$",
                             re.I)
_RECOVER = re.compile(rf"^\s*(?:MSCK\s+REPAIR\s+TABLE\s+{_NAME}|ALTER\s+TABLE\s+{_NAME}\s+"
                      r"RECOVER\s+PARTITIONS)\s*;?\s*$", re.I)
_SHOW = re.compile(r"^\s*SHOW\b", re.I)
PARAMETER_PREFIX = "__minispark_parameter_"


def run_sql(session: Any, text: str, parameters: Optional[dict[str, E.Expression]] = None
            ) -> Any:
    """The DataFrame of one SQL statement (a query, or the result of a command).

    ``parameters`` are the values of the statement's ``:name`` / ``?`` markers
    (``?`` markers are numbered from 0), as expressions.
    """
    explain = _EXPLAIN.match(text)
    if explain:
        mode = (explain.group(1) or "simple").strip().lower()
        plan = session._analyze(parse_query(explain.group(2)))
        from minispark.sql.execution.query import QueryExecution

        report = QueryExecution(session, plan).explain_string(mode)
        return _rows(session, [(report,)], "plan STRING")
    special = _special_command(session, text)
    if special is not None:
        return special
    statements = parse_statements(text)
    if len(statements) != 1:
        raise ParseException("PARSE_SYNTAX_ERROR", "Only one SQL statement is allowed.", {},
                             "42601")
    runner = _Runner(session, parameters or {})
    return runner.run(statements[0])


def _special_command(session: Any, text: str) -> Any:
    """SHOW ... and partition-recovery statements, which sqlglot does not parse."""
    for pattern, handler in _TEXT_COMMANDS:
        match = pattern.match(text)
        if match:
            return handler(session, *match.groups())
    if _SHOW.match(text):
        raise ParseException("UNSUPPORTED_FEATURE", f"The statement `{text.strip()}` is not "
                             "supported yet.", {}, "0A000")
    return None


def _rows(session: Any, rows: list[tuple], schema: str) -> Any:
    return session.createDataFrame(rows, schema)


def _nothing(session: Any) -> Any:
    return session.createDataFrame([], StructType([]))


def _parts(table: exp.Expression) -> list[str]:
    return [p.name for p in table.parts]


class _Runner:
    """Runs one parsed statement, binding its parameter markers."""

    def __init__(self, session: Any, parameters: dict[str, E.Expression]) -> None:
        self.session = session
        self.parameters = parameters
        self.marked = False  # whether the statement has parameter markers to bind

    def run(self, statement: exp.Expression) -> Any:
        """The DataFrame of the statement (a command's result, or the query's rows)."""
        statement = self._mark_parameters(statement)
        handler = _COMMANDS.get(type(statement))
        if handler is not None:
            return handler(self, statement)
        return self.session._dataframe(self.plan(statement))

    def plan(self, query: exp.Expression) -> L.LogicalPlan:
        """The unresolved plan of a query, its parameter markers replaced by their values."""
        plan = QueryConverter().query(query)
        if not self.marked:
            return plan
        return plan.transform_up(lambda node: node.map_expressions(self._bind))

    def _bind(self, expr: E.Expression) -> E.Expression:
        def rule(e: E.Expression) -> E.Expression:
            if isinstance(e, E.UnresolvedAttribute) and len(e.parts) == 1 and \
                    e.parts[0].startswith(PARAMETER_PREFIX):
                key = e.parts[0][len(PARAMETER_PREFIX):]
                if key not in self.parameters:
                    raise AnalysisException(
                        "UNBOUND_SQL_PARAMETER", f"Found the unbound parameter: {key}. Please, "
                        "fix `args` and provide a mapping of the parameter to either a SQL "
                        "literal or collection constructor functions such as `map()`, "
                        "`array()`, `struct()`.", {"name": key}, "42P02")
                return self.parameters[key]
            return e
        return expr.transform_down(rule)

    def _mark_parameters(self, statement: exp.Expression) -> exp.Expression:
        """``:name`` and ``?`` markers as columns named after their parameter."""
        markers = list(statement.find_all(exp.Placeholder))
        if not markers:
            return statement
        self.marked = True
        position = 0
        ordered = sorted(markers, key=lambda m: _marker_offset(m))
        for marker in ordered:
            if marker.name and marker.name != "?":
                key = marker.name
            else:
                key, position = str(position), position + 1
            marker.replace(exp.column(exp.to_identifier(PARAMETER_PREFIX + key, quoted=True)))
        return statement

    def query_frame(self, query: exp.Expression) -> Any:
        """The analyzed DataFrame of a query (parameters bound)."""
        return self.session._dataframe(self.plan(query))


def _marker_offset(marker: exp.Expression) -> tuple:
    """Where a marker stands in the text (sqlglot keeps no offsets: use the tree order)."""
    path = []
    node = marker
    while node.parent is not None:
        parent = node.parent
        path.append(_child_index(parent, node))
        node = parent
    return tuple(reversed(path))


def _child_index(parent: exp.Expression, node: exp.Expression) -> tuple:
    for i, (key, value) in enumerate(parent.args.items()):
        if value is node:
            return (i, 0)
        if isinstance(value, list):
            for j, item in enumerate(value):
                if item is node:
                    return (i, j)
    return (len(parent.args), 0)


# ---- CREATE ------------------------------------------------------------------------------


def _properties(statement: exp.Expression) -> list[exp.Expression]:
    properties = statement.args.get("properties")
    return list(properties.expressions) if properties is not None else []


def _create(runner: _Runner, statement: exp.Create) -> Any:
    kind = (statement.args.get("kind") or "").upper()
    flags = {type(p).__name__ for p in _properties(statement)}
    if kind == "VIEW" and "TemporaryProperty" in flags:
        return _create_temp_view(runner, statement, "GlobalProperty" in flags)
    handler = _CREATE_KINDS.get(kind)
    if handler is None:
        raise ParseException("UNSUPPORTED_FEATURE", f"CREATE {kind} is not supported yet.", {},
                             "0A000")
    handler(runner, statement)
    return _nothing(runner.session)


def _view_query(runner: _Runner, statement: exp.Create
                ) -> tuple[exp.Expression, list[str], L.LogicalPlan]:
    target = statement.this
    columns = []
    if isinstance(target, exp.Schema):
        columns = [c.name for c in target.expressions]
        target = target.this
    plan = runner.plan(statement.expression)
    if columns:
        plan = L.RenameColumns(columns, plan)
    return target, columns, plan


def _create_temp_view(runner: _Runner, statement: exp.Create, is_global: bool) -> Any:
    session = runner.session
    target, _, plan = _view_query(runner, statement)
    analyzed = session._analyze(plan)
    name = target.name
    if statement.args.get("exists") and name.lower() in session._catalog.view_names(is_global):
        return _nothing(session)
    session._catalog.create_view(name, analyzed, replace=bool(statement.args.get("replace")),
                                 is_global=is_global)
    return _nothing(session)


def _create_view(runner: _Runner, statement: exp.Create) -> None:
    """A persistent view: its SQL text is kept and analyzed whenever it is read."""
    from minispark.sql.parser.dialect import MiniSpark

    session = runner.session
    target, columns, plan = _view_query(runner, statement)
    schema = session._analyze(plan).schema()
    text = statement.expression.sql(dialect=MiniSpark)
    if columns:
        names = ", ".join(f"`{c}`" for c in columns)
        text = f"SELECT * FROM ({text}) AS __view({names})"
    database, name = tables.resolve_name(session, _parts(target))
    existing = Warehouse(session).table(database, name)
    if existing is not None and statement.args.get("exists"):
        return
    if existing is not None and existing.is_view is False:
        raise AnalysisException("EXPECT_VIEW_NOT_TABLE.NO_ALTERNATIVE",
                                f"{existing.qualified()} is a table, not a view.", {}, "42809")
    meta = TableMeta(name, database, "VIEW", schema, view_text=text,
                     comment=_comment(statement))
    tables.create_table(session, meta, replace=bool(statement.args.get("replace")))


def _comment(statement: exp.Expression) -> Optional[str]:
    for p in _properties(statement):
        if isinstance(p, exp.SchemaCommentProperty):
            return p.this.name
    return None


def _property_text(value: exp.Expression) -> str:
    if isinstance(value, exp.Boolean):
        return "true" if value.this else "false"
    return value.name if isinstance(value, (exp.Literal, exp.Var, exp.Identifier)) else \
        value.sql(dialect="spark")


def _create_table(runner: _Runner, statement: exp.Create) -> None:
    session = runner.session
    target = statement.this
    columns = None
    if isinstance(target, exp.Schema):
        columns = [(c.name, c.args["kind"].sql(dialect="spark")) for c in target.expressions
                   if isinstance(c, exp.ColumnDef)]
        target = target.this
    spec = _TableSpec.from_properties(_properties(statement))
    database, name = tables.resolve_name(session, _parts(target))
    exists = Warehouse(session).table(database, name) is not None
    if exists and statement.args.get("exists"):
        return
    query = statement.expression
    data = runner.query_frame(query) if query is not None else None
    if data is not None and columns:
        raise ParseException("UNSUPPORTED_FEATURE",
                             "CREATE TABLE ... AS SELECT cannot also list the columns.", {},
                             "0A000")
    schema = data.schema if data is not None else tables.schema_of_columns(columns or [])
    spec.create(session, database, name, schema, data, replace=bool(
        statement.args.get("replace")))


class _TableSpec:
    """USING / PARTITIONED BY / LOCATION / OPTIONS / TBLPROPERTIES / COMMENT of a CREATE TABLE."""

    def __init__(self) -> None:
        self.provider: Optional[str] = None
        self.partition_by: list[str] = []
        self.location: Optional[str] = None
        self.options: dict[str, str] = {}
        self.properties: dict[str, str] = {}
        self.comment: Optional[str] = None

    @classmethod
    def from_properties(cls, properties: list[exp.Expression]) -> "_TableSpec":
        """The spec of a CREATE statement's properties; unknown ones are refused."""
        spec = cls()
        for p in properties:
            if isinstance(p, exp.FileFormatProperty):
                spec.provider = _property_text(p.this)
            elif isinstance(p, exp.PartitionedByProperty):
                spec.partition_by = [c.name for c in p.this.expressions]
            elif isinstance(p, exp.LocationProperty):
                spec.location = p.this.name
            elif isinstance(p, exp.SchemaCommentProperty):
                spec.comment = p.this.name
            elif isinstance(p, exp.OptionsProperty):
                spec.options.update({_property_text(o.this): _property_text(o.args["value"])
                                     for o in p.expressions})
            elif type(p) is exp.Property:
                spec.properties[_property_text(p.this)] = _property_text(p.args["value"])
            else:
                raise ParseException("UNSUPPORTED_FEATURE", "CREATE TABLE with "
                                     f"`{p.sql(dialect='spark')}` is not supported yet.", {},
                                     "0A000")
        return spec

    def create(self, session: Any, database: str, name: str, schema: StructType,
               data: Any = None, replace: bool = False) -> None:
        """Create the table ``database.name`` (with the rows of ``data`` if given)."""
        from minispark.sql.sources import format_name

        location = self.location or next(
            (v for k, v in self.options.items() if k.lower() == "path"), None)
        provider = format_name(self.provider or session.conf.get("spark.sql.sources.default"))
        if location:
            from minispark.fs.registry import get_filesystem

            location = get_filesystem(location).qualify(location)
        # A table over existing partition directories knows none of them until they are
        # recovered (MSCK REPAIR TABLE), as in Spark's metastore.
        known = not (location and self.partition_by and data is None)
        meta = TableMeta(name, database, "EXTERNAL" if location else "MANAGED",
                         tables.table_schema(schema, self.partition_by), provider, location,
                         list(self.partition_by), options=dict(self.options),
                         properties=dict(self.properties), comment=self.comment,
                         partitions_known=known)
        if data is not None:
            data = tables.conform(data.select(*meta.schema.names), meta)
        tables.create_table(session, meta, data, replace=replace)


def create_table_from(session: Any, name: str, schema: Optional[StructType],
                      source: Optional[str], path: Optional[str], options: dict[str, Any],
                      description: Optional[str]) -> None:
    """``spark.catalog.createTable``: a table over ``path`` (external) or a new managed one."""
    spec = _TableSpec()
    spec.provider, spec.location, spec.comment = source, path, description or None
    spec.options = {k: str(v) for k, v in options.items()}
    database, table = tables.resolve_name(session, name)
    if schema is None:
        if not path:
            raise AnalysisException("UNABLE_TO_INFER_SCHEMA", "Unable to infer the schema of "
                                    f"the table {name}: give a schema or a path.", {}, "42KD9")
        schema = session.read.load(path, source, **spec.options).schema
    spec.create(session, database, table, schema)


def _create_database(runner: _Runner, statement: exp.Create) -> None:
    name = _database_of(statement.this)
    location = None
    properties = {}
    for p in _properties(statement):
        if isinstance(p, exp.LocationProperty):
            location = p.this.name
        elif type(p) is exp.Property:
            properties[_property_text(p.this)] = _property_text(p.args["value"])
    Warehouse(runner.session).create_database(name.lower(), bool(statement.args.get("exists")),
                                              location, _comment(statement), properties)


def _database_of(target: exp.Expression) -> str:
    """The name in ``CREATE/DROP DATABASE|SCHEMA name`` (sqlglot puts a schema's in ``db``)."""
    db = target.args.get("db")
    return target.name or (db.name if db is not None else "")


def _create_function(runner: _Runner, statement: exp.Create) -> None:
    """``CREATE FUNCTION f AS 'class'``: recorded in the catalog (the class cannot run here)."""
    database, name = tables.resolve_name(runner.session, _parts(statement.this))
    warehouse = Warehouse(runner.session)
    if warehouse.function(database, name) is not None and not statement.args.get("replace"):
        if statement.args.get("exists"):
            return
        raise AnalysisException("ROUTINE_ALREADY_EXISTS",
                                f"Cannot create the function `{SESSION_CATALOG}`.`{database}`."
                                f"`{name}` because it already exists.", {}, "42723")
    warehouse.save_function(database, name, statement.expression.name)


_CREATE_KINDS: dict[str, Callable[[_Runner, exp.Create], None]] = {
    "TABLE": _create_table, "VIEW": _create_view, "DATABASE": _create_database,
    "SCHEMA": _create_database, "NAMESPACE": _create_database, "FUNCTION": _create_function,
}


# ---- DROP, INSERT, TRUNCATE ------------------------------------------------------------------


def _drop(runner: _Runner, statement: exp.Drop) -> Any:
    session = runner.session
    kind = (statement.args.get("kind") or "").upper()
    if_exists = bool(statement.args.get("exists"))
    targets = statement.args.get("tables") or [statement.this]
    if kind in ("DATABASE", "SCHEMA", "NAMESPACE"):
        for target in targets:
            session.catalog.dropDatabase(_database_of(target), if_exists,
                                         bool(statement.args.get("cascade")))
        return _nothing(session)
    if kind == "FUNCTION":
        for target in targets:
            database, name = tables.resolve_name(session, _parts(target))
            if not Warehouse(session).drop_function(database, name) and not if_exists:
                session.catalog.getFunction(name)  # raises the not-found error
        return _nothing(session)
    if kind not in ("VIEW", "TABLE"):
        raise ParseException("UNSUPPORTED_FEATURE", f"DROP {kind} is not supported.", {},
                             "0A000")
    for target in targets:
        _drop_relation(session, _parts(target), kind == "VIEW", if_exists)
    return _nothing(session)


def _drop_relation(session: Any, parts: list[str], view: bool, if_exists: bool) -> None:
    """A temporary view of that name goes first (as Spark's DROP TABLE/VIEW), else the table."""
    is_global = len(parts) == 2 and parts[0].lower() == GLOBAL_TEMP_DATABASE
    if (len(parts) == 1 or is_global) and session._catalog.temp_view(parts) is not None:
        session.catalog._drop_temp(parts[-1], is_global)
        return
    meta = tables.find_table(session, parts)
    if meta is None:
        if if_exists:
            return
        raise table_not_found(parts)
    session.catalog._drop(".".join(f"`{p}`" for p in parts), if_exists, view)


def _insert(runner: _Runner, statement: exp.Insert) -> Any:
    session = runner.session
    target = statement.this
    columns = None
    if isinstance(target, exp.Schema):
        columns = [c.name for c in target.expressions]
        target = target.this
    static = {}
    partition = target.args.get("partition")
    for item in (partition.expressions if partition is not None else []):
        if isinstance(item, exp.EQ):
            value = QueryConverter().expr(item.expression)
            static[item.this.name] = value.value if isinstance(value, E.Literal) else None
    meta = tables.require_table(session, _parts(target))
    data = runner.query_frame(statement.expression)
    if statement.args.get("by_name"):
        columns = list(data.columns)
    rows = tables.conform(data, meta, columns, static)
    if statement.args.get("overwrite"):
        tables.insert_overwrite(session, meta, rows, static)
    else:
        tables.insert(session, meta, rows)
    return _nothing(session)


def _truncate(runner: _Runner, statement: exp.TruncateTable) -> Any:
    for target in statement.expressions:
        runner.session.catalog.truncateTable(".".join(f"`{p}`" for p in _parts(target)))
    return _nothing(runner.session)


def _alter(runner: _Runner, statement: exp.Expression) -> Any:
    """``ALTER TABLE/VIEW t RENAME TO u`` and ``ALTER TABLE t SET TBLPROPERTIES (...)``."""
    session = runner.session
    parts = _parts(statement.this)
    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            _rename(session, parts, _parts(action.this))
            parts = _parts(action.this)
        elif isinstance(action, exp.AlterSet) and action.expressions and isinstance(
                action.expressions[0], exp.Properties):
            meta = tables.require_table(session, parts)
            meta.properties.update({_property_text(p.this): _property_text(p.args["value"])
                                    for p in action.expressions[0].expressions})
            Warehouse(session).save_table(meta)
        else:
            raise ParseException("UNSUPPORTED_FEATURE", "ALTER TABLE "
                                 f"`{action.sql(dialect='spark')}` is not supported yet.", {},
                                 "0A000")
    return _nothing(session)


def _rename(session: Any, parts: list[str], target: list[str]) -> None:
    view = session._catalog.temp_view(parts) if len(parts) == 1 else None
    if view is not None:
        session._catalog.create_view(target[-1], view, replace=False)
        session._catalog.drop_view(parts[0])
        return
    tables.rename(session, tables.require_table(session, parts), target)


def _analyze_table(runner: _Runner, statement: exp.Expression) -> Any:
    for target in statement.args.get("tables") or [statement.this]:
        runner.session.catalog.analyzeTable(".".join(f"`{p}`" for p in _parts(target)))
    return _nothing(runner.session)


def _refresh(runner: _Runner, statement: exp.Refresh) -> Any:
    target = statement.this
    if isinstance(target, exp.Table):
        runner.session.catalog.refreshTable(".".join(f"`{p}`" for p in _parts(target)))
    else:
        runner.session.catalog.refreshByPath(target.name)
    return _nothing(runner.session)


# ---- DESCRIBE, SET, CACHE, USE ----------------------------------------------------------------


def _describe(runner: _Runner, statement: exp.Describe) -> Any:
    session = runner.session
    target = statement.this
    meta = None
    if isinstance(target, exp.Table):
        parts = _parts(target)
        if session._catalog.temp_view(parts) is None:
            meta = tables.require_table(session, parts)
        df = session._dataframe(L.UnresolvedRelation(parts))
    else:
        df = runner.query_frame(target)
    rows = [(f.name, f.dataType.simpleString(), None) for f in df.schema.fields]
    if meta is not None and meta.partition_by:
        rows += [("# Partition Information", "", ""), ("# col_name", "data_type", "comment")]
        rows += [(f.name, f.dataType.simpleString(), None) for f in meta.schema.fields
                 if f.name in meta.partition_by]
    if meta is not None and (statement.args.get("style") or "").upper() in ("EXTENDED",
                                                                               "FORMATTED"):
        rows += [("", "", ""), ("# Detailed Table Information", "", "")]
        rows += [(k, v, "") for k, v in _details(meta)]
    return _rows(session, rows, "col_name STRING, data_type STRING, comment STRING")


def _details(meta: TableMeta) -> list[tuple[str, str]]:
    found = [("Catalog", SESSION_CATALOG), ("Database", meta.database), ("Table", meta.name),
             ("Type", meta.table_type)]
    if meta.comment:
        found.append(("Comment", meta.comment))
    if meta.is_view:
        found.append(("View Text", meta.view_text or ""))
    else:
        found += [("Provider", meta.provider or ""), ("Location", meta.location or "")]
    if meta.properties:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(meta.properties.items()))
        found.append(("Table Properties", f"[{shown}]"))
    return found


def _set(runner: _Runner, statement: exp.Set) -> Any:
    session = runner.session
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


def _cache(runner: _Runner, statement: exp.Expression) -> Any:
    session = runner.session
    name = ".".join(f"`{p}`" for p in _parts(statement.this))
    if isinstance(statement, exp.Cache):
        session.catalog.cacheTable(name)
        if not statement.args.get("lazy"):
            session.table(name).count()
    else:
        try:
            session.catalog.uncacheTable(name)
        except AnalysisException:
            if not statement.args.get("exists"):
                raise
    return _nothing(session)


def _use(runner: _Runner, statement: exp.Use) -> Any:
    target = statement.this
    name = ".".join(_parts(target)) if isinstance(target, exp.Table) else (
        target.name if target is not None else "")
    if (statement.args.get("kind") is not None
            and statement.args["kind"].name.upper() == "CATALOG"):
        runner.session.catalog.setCurrentCatalog(name)
    else:
        runner.session.catalog.setCurrentDatabase(name)
    return _nothing(runner.session)


_COMMANDS: dict[type, Callable[[_Runner, Any], Any]] = {
    exp.Create: _create,
    exp.Drop: _drop,
    exp.Insert: _insert,
    exp.TruncateTable: _truncate,
    exp.Describe: _describe,
    exp.Set: _set,
    exp.Cache: _cache,
    exp.Uncache: _cache,
    exp.Use: _use,
    exp.Refresh: _refresh,
}
if hasattr(exp, "Alter"):
    _COMMANDS[exp.Alter] = _alter
if hasattr(exp, "Analyze"):
    _COMMANDS[exp.Analyze] = _analyze_table


# ---- SHOW and other statements sqlglot does not parse -----------------------------------------


def _show_tables(session: Any, what: str, database: Optional[str], pattern: Optional[str]
                 ) -> Any:
    catalog = session.catalog
    views_only = what.upper() == "VIEWS"
    listed = catalog.listTables(database, pattern)
    rows = [(t.namespace[0] if t.namespace else "", t.name, t.isTemporary) for t in listed
            if not views_only or t.tableType in ("VIEW", "TEMPORARY")]
    return _rows(session, rows, "namespace STRING, tableName STRING, isTemporary BOOLEAN")


def _show_databases(session: Any, pattern: Optional[str]) -> Any:
    names = matching(Warehouse(session).database_names(), pattern)
    return _rows(session, [(n,) for n in names], "namespace STRING")


def _show_functions(session: Any, scope: Optional[str], pattern: Optional[str]) -> Any:
    scope = (scope or "ALL").strip().upper()
    from minispark.sql.catalog import BUILTIN_CLASS_PREFIX

    names = [f.name for f in session.catalog.listFunctions(pattern=pattern)
             if scope == "ALL" or (scope == "SYSTEM") == f.className.startswith(
                 BUILTIN_CLASS_PREFIX)]
    return _rows(session, [(n,) for n in names], "function STRING")


def _show_on_table(session: Any, what: str, name: str, database: Optional[str]) -> Any:
    parts = split_identifier(name)
    if database:
        parts = split_identifier(database) + parts
    what = " ".join(what.upper().split())
    if what.startswith("COLUMNS"):
        columns = session.catalog.listColumns(".".join(f"`{p}`" for p in parts))
        return _rows(session, [(c.name,) for c in columns], "col_name STRING")
    meta = tables.require_table(session, parts)
    if what == "CREATE TABLE":
        return _rows(session, [(create_statement(meta),)], "createtab_stmt STRING")
    if what == "TBLPROPERTIES":
        return _rows(session, sorted(meta.properties.items()), "key STRING, value STRING")
    return _rows(session, [(p,) for p in tables.partition_specs(meta)], "partition STRING")


def _recover(session: Any, name: Optional[str], other: Optional[str]) -> Any:
    session.catalog.recoverPartitions(name or other or "")
    return _nothing(session)


def create_statement(meta: TableMeta) -> str:
    """The ``SHOW CREATE TABLE`` text of a table or view."""
    qualified = f"{SESSION_CATALOG}.{meta.database}.{meta.name}"
    columns = ",\n".join(f"  {f.name} {f.dataType.simpleString().upper()}"
                         for f in meta.schema.fields)
    if meta.is_view:
        return f"CREATE VIEW {qualified} (\n{columns})\nAS {meta.view_text}\n"
    lines = [f"CREATE TABLE {qualified} (\n{columns})", f"USING {meta.provider}"]
    if meta.options:
        shown = ",\n".join(f"  '{k}' = '{v}'" for k, v in sorted(meta.options.items()))
        lines.append(f"OPTIONS (\n{shown})")
    if meta.partition_by:
        lines.append(f"PARTITIONED BY ({', '.join(meta.partition_by)})")
    if meta.comment:
        lines.append(f"COMMENT '{meta.comment}'")
    if meta.table_type == "EXTERNAL":
        lines.append(f"LOCATION '{meta.location}'")
    if meta.properties:
        shown = ",\n".join(f"  '{k}' = '{v}'" for k, v in sorted(meta.properties.items()))
        lines.append(f"TBLPROPERTIES (\n{shown})")
    return "\n".join(lines) + "\n"


_TEXT_COMMANDS: list[tuple[re.Pattern, Callable[..., Any]]] = [
    (_SHOW_TABLES, _show_tables),
    (_SHOW_DATABASES, _show_databases),
    (_SHOW_FUNCTIONS, _show_functions),
    (_SHOW_ON_TABLE, _show_on_table),
    (_RECOVER, _recover),
]
