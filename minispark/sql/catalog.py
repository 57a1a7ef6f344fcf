"""The session's catalog: temporary views (the session's, and the global ones under
``global_temp.`` that all sessions share), then the warehouse's persistent tables
and views (:mod:`minispark.sql.warehouse`); and ``spark.catalog``, PySpark's Catalog API.

A view is an analyzed plan; a query naming it reads that plan under the
view's name (so ``t.x`` resolves), as Spark does for temporary views.
"""
from __future__ import annotations

import threading
import warnings
import weakref
from typing import Any, NamedTuple, Optional, Sequence

from minispark.errors import AnalysisException
from minispark.sql.plan import logical as L
from minispark.sql import tables
from minispark.sql.plan.analyzer import Catalog
from minispark.sql.types import StructType
from minispark.sql.warehouse import SESSION_CATALOG, Warehouse, matching, split_identifier

GLOBAL_TEMP_DATABASE = "global_temp"
_global_views: "weakref.WeakKeyDictionary[Any, dict[str, L.LogicalPlan]]" = (
    weakref.WeakKeyDictionary())
_lock = threading.Lock()


def _global(sc: Any) -> dict[str, L.LogicalPlan]:
    with _lock:
        return _global_views.setdefault(sc, {})


class SessionCatalog(Catalog):
    """Name -> plan lookups for one session."""

    def __init__(self, sc: Any, session: Any = None) -> None:
        self._sc = sc
        self._session = session
        self.views: dict[str, L.LogicalPlan] = {}
        #: The database unqualified table names refer to (``USE db``).
        self.current_database = "default"
        #: ``(database, table) -> (catalog version, plan)``: one plan object per table version,
        #: so that a cached table is recognised by identity.
        self.table_plans: dict[tuple[str, str], tuple[int, L.LogicalPlan]] = {}
        #: Python UDFs registered for SQL (``spark.udf.register``), by lower-case name.
        self.functions: dict[str, Any] = {}

    def lookup_function(self, name: str) -> Any:
        """The Python UDF registered for SQL as ``name``, or None."""
        return self.functions.get(name.lower())

    def create_view(self, name: str, plan: L.LogicalPlan, replace: bool,
                    is_global: bool = False) -> None:
        """Register a temporary (or global temporary) view."""
        views = _global(self._sc) if is_global else self.views
        key = name.lower()
        if key in views and not replace:
            shown = f"`{GLOBAL_TEMP_DATABASE}`.`{name}`" if is_global else f"`{name}`"
            raise AnalysisException(
                "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS",
                f"Cannot create the temporary view {shown} because it already exists.\n"
                "Choose a different name, drop or replace the existing view, or add the IF NOT "
                "EXISTS clause to tolerate pre-existing views.", {"relationName": shown},
                "42P07")
        views[key] = plan

    def drop_view(self, name: str, is_global: bool = False) -> bool:
        """Forget a temporary view; whether there was one."""
        views = _global(self._sc) if is_global else self.views
        return views.pop(name.lower(), None) is not None

    def view_names(self, is_global: bool = False) -> list[str]:
        """The temporary (or global temporary) views' names, sorted."""
        return sorted(_global(self._sc) if is_global else self.views)

    def temp_view(self, parts: Sequence[str]) -> Optional[L.LogicalPlan]:
        """The temporary (or ``global_temp.``) view a name refers to, or None."""
        parts = list(parts)
        if len(parts) == 2 and parts[0].lower() == GLOBAL_TEMP_DATABASE:
            return _global(self._sc).get(parts[1].lower())
        if len(parts) == 1:
            return self.views.get(parts[0].lower())
        return None

    def lookup_relation(self, parts: Sequence[str]) -> L.LogicalPlan:
        """The plan a name refers to: a temporary view first, then a table or view of the
        warehouse; TABLE_OR_VIEW_NOT_FOUND if none."""
        parts = list(parts)
        plan = self.temp_view(parts)
        if plan is None and self._session is not None:
            from minispark.sql import tables

            meta = tables.find_table(self._session, parts)
            if meta is not None:
                plan = tables.table_plan(self._session, meta)
        if plan is None:
            raise table_not_found(parts)
        return L.SubqueryAlias(parts[-1], plan)


def table_not_found(parts: Sequence[str]) -> AnalysisException:
    """TABLE_OR_VIEW_NOT_FOUND naming ``parts``."""
    shown = ".".join(f"`{p}`" for p in parts)
    return AnalysisException(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {shown} cannot be found. Verify the spelling and correctness of the "
        "schema and catalog.\nIf you did not qualify the name with a schema, verify the "
        "current_schema() output, or qualify the name with the correct schema and catalog.\n"
        "To tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS.",
        {"relationName": shown}, "42P01")



class CatalogMetadata(NamedTuple):
    """A catalog (``spark.catalog.listCatalogs()``)."""

    name: str
    description: Optional[str]


class Database(NamedTuple):
    """A database (namespace), as ``spark.catalog.listDatabases()`` lists it."""

    name: str
    catalog: Optional[str]
    description: Optional[str]
    locationUri: str


class Table(NamedTuple):
    """A table or view, as ``spark.catalog.listTables()`` lists it."""

    name: str
    catalog: Optional[str]
    namespace: Optional[list[str]]
    description: Optional[str]
    tableType: str
    isTemporary: bool

    @property
    def database(self) -> Optional[str]:
        """The (single-part) namespace of the table."""
        if self.namespace is not None and len(self.namespace) == 1:
            return self.namespace[0]
        return None


class Column(NamedTuple):
    """A column of a table (``spark.catalog.listColumns``)."""

    name: str
    description: Optional[str]
    dataType: str
    nullable: bool
    isPartition: bool
    isBucket: bool
    isCluster: bool = False


class Function(NamedTuple):
    """A function (``spark.catalog.listFunctions``)."""

    name: str
    catalog: Optional[str]
    namespace: Optional[list[str]]
    description: Optional[str]
    className: str
    isTemporary: bool


class TablePartition(NamedTuple):
    """One partition of a table, as ``key=value[/...]`` (``spark.catalog.listPartitions``)."""

    partition: str


def _table_row(meta: Any) -> Table:
    return Table(meta.name, SESSION_CATALOG, [meta.database], meta.comment, meta.table_type,
                 False)


def _temp_row(name: str, is_global: bool) -> Table:
    return Table(name, None, [GLOBAL_TEMP_DATABASE] if is_global else [], None, "TEMPORARY", True)


def _catalog_not_found(name: str) -> AnalysisException:
    return AnalysisException("CATALOG_NOT_FOUND", f"The catalog `{name}` not found.",
                             {"catalogName": f"`{name}`"}, "42P08")


class Catalog:
    """``spark.catalog``: databases, tables, views, functions and cached tables.

    >>> spark.range(1).createOrReplaceTempView("one")
    >>> [t.name for t in spark.catalog.listTables() if t.name == "one"]
    ['one']
    >>> spark.catalog.dropTempView("one")
    True
    """

    def __init__(self, session: Any) -> None:
        self._session = session

    @property
    def _catalog(self) -> SessionCatalog:
        return self._session._catalog

    def _warehouse(self) -> Warehouse:
        return Warehouse(self._session)

    # ---- catalogs and databases ---------------------------------------------------------------

    def currentCatalog(self) -> str:
        """The current catalog: always ``spark_catalog``."""
        return SESSION_CATALOG

    def setCurrentCatalog(self, catalogName: str) -> None:
        """Set the current catalog (only ``spark_catalog`` exists)."""
        if catalogName.lower() != SESSION_CATALOG:
            raise _catalog_not_found(catalogName)

    def listCatalogs(self, pattern: Optional[str] = None) -> list[CatalogMetadata]:
        """The catalogs, optionally those whose name matches ``pattern``."""
        return [CatalogMetadata(n, None) for n in matching([SESSION_CATALOG], pattern)]

    def _database_name(self, dbName: str) -> str:
        parts = split_identifier(dbName)
        if len(parts) == 2:
            if parts[0].lower() != SESSION_CATALOG:
                raise _catalog_not_found(parts[0])
            parts = parts[1:]
        if len(parts) != 1:
            raise AnalysisException("REQUIRES_SINGLE_PART_NAMESPACE",
                                    f"{dbName} requires a single-part namespace.", {}, "42K05")
        return parts[0].lower()

    def currentDatabase(self) -> str:
        """The database unqualified names refer to."""
        return self._catalog.current_database

    def setCurrentDatabase(self, dbName: str) -> None:
        """Make ``dbName`` the current database (``USE dbName``)."""
        name = self._database_name(dbName)
        self._warehouse().require_database(name)
        self._catalog.current_database = name

    def _database_row(self, name: str) -> Database:
        meta = self._warehouse().require_database(name)
        return Database(meta.name, SESSION_CATALOG, meta.description, meta.location)

    def listDatabases(self, pattern: Optional[str] = None) -> list[Database]:
        """The databases, optionally those whose name matches ``pattern``."""
        names = matching(self._warehouse().database_names(), pattern)
        return [self._database_row(n) for n in names]

    def getDatabase(self, dbName: str) -> Database:
        """The database called ``dbName``; SCHEMA_NOT_FOUND if there is none."""
        return self._database_row(self._database_name(dbName))

    def databaseExists(self, dbName: str) -> bool:
        """Whether the database exists."""
        return self._warehouse().database(self._database_name(dbName)) is not None

    def createDatabase(self, dbName: str, ifNotExists: bool = False,
                       properties: Optional[dict[str, str]] = None) -> None:
        """Create a database (``location`` and ``comment`` properties are honoured)."""
        props = dict(properties or {})
        self._warehouse().create_database(self._database_name(dbName), ifNotExists,
                                          props.pop("location", None), props.pop("comment", None),
                                          props)

    def dropDatabase(self, dbName: str, ifExists: bool = False, cascade: bool = False) -> None:
        """Drop a database (with its tables when ``cascade``)."""
        name = self._database_name(dbName)
        if cascade:
            for table in self._warehouse().table_names(name):
                tables.drop_table(self._session, tables.require_table(self._session, [name, table]))
        self._warehouse().drop_database(name, ifExists, cascade)
        if self._catalog.current_database == name:
            self._catalog.current_database = "default"

    # ---- tables and views ---------------------------------------------------------------------

    def listTables(self, dbName: Optional[str] = None,
                   pattern: Optional[str] = None) -> list[Table]:
        """The tables and views of a database, then every temporary view."""
        database = self._database_name(dbName) if dbName else self.currentDatabase()
        if database == GLOBAL_TEMP_DATABASE:
            return [_temp_row(n, True) for n in matching(self._catalog.view_names(True), pattern)]
        warehouse = self._warehouse()
        warehouse.require_database(database)
        rows = [_table_row(warehouse.table(database, n))
                for n in matching(warehouse.table_names(database), pattern)]
        return rows + [_temp_row(n, False)
                       for n in matching(self._catalog.view_names(), pattern)]

    def listViews(self, dbName: Optional[str] = None,
                  pattern: Optional[str] = None) -> list[Table]:
        """The views of a database, then every temporary view."""
        return [t for t in self.listTables(dbName, pattern) if t.tableType in ("VIEW", "TEMPORARY")]

    def getTable(self, tableName: str) -> Table:
        """The table or view called ``tableName``; TABLE_OR_VIEW_NOT_FOUND if there is none."""
        parts = split_identifier(tableName)
        if self._catalog.temp_view(parts) is not None:
            return _temp_row(parts[-1], len(parts) == 2)
        return _table_row(tables.require_table(self._session, parts))

    def tableExists(self, tableName: str, dbName: Optional[str] = None) -> bool:
        """Whether a table or view (temporary ones included) exists."""
        parts = [dbName, tableName] if dbName else split_identifier(tableName)
        if self._catalog.temp_view(parts) is not None:
            return True
        return tables.find_table(self._session, parts) is not None

    def listColumns(self, tableName: str, dbName: Optional[str] = None) -> list[Column]:
        """The columns of a table or view."""
        parts = [dbName, tableName] if dbName else split_identifier(tableName)
        meta = None if self._catalog.temp_view(parts) is not None else tables.require_table(
            self._session, parts)
        if meta is None:
            schema = self._session._dataframe(L.UnresolvedRelation(parts)).schema
            return [Column(f.name, None, f.dataType.simpleString(), f.nullable, False, False)
                    for f in schema.fields]
        partitions = {p.lower() for p in meta.partition_by}
        buckets = {b.lower() for b in meta.bucket_by}
        clusters = {c.lower() for c in meta.cluster_by}
        return [Column(f.name, None, f.dataType.simpleString(), f.nullable,
                       f.name.lower() in partitions, f.name.lower() in buckets,
                       f.name.lower() in clusters) for f in meta.schema.fields]

    def createTable(self, tableName: str, path: Optional[str] = None,
                    source: Optional[str] = None, schema: Optional[StructType] = None,
                    description: Optional[str] = None, **options: str) -> Any:
        """Create a table (external when ``path`` is given) and return it as a DataFrame."""
        from minispark.sql.commands import create_table_from

        if schema is not None and not isinstance(schema, StructType):
            from minispark.errors import PySparkTypeError

            raise PySparkTypeError("NOT_EXPECTED_TYPE", "Argument `schema` should be a "
                                   f"StructType, got {type(schema).__name__}.",
                                   {"arg_name": "schema", "expected_type": "struct type",
                                    "arg_type": type(schema).__name__})
        create_table_from(self._session, tableName, schema, source, path, options, description)
        return self._session.table(tableName)

    def createExternalTable(self, tableName: str, path: Optional[str] = None,
                            source: Optional[str] = None, schema: Optional[StructType] = None,
                            **options: str) -> Any:
        """Deprecated: :meth:`createTable`."""
        warnings.warn("createExternalTable is deprecated since Spark 2.2, please use "
                      "createTable instead.", FutureWarning)
        return self.createTable(tableName, path, source, schema, **options)

    def dropTable(self, tableName: str, ifExists: bool = False, purge: bool = False) -> None:
        """Drop a persistent table (not a view)."""
        self._drop(tableName, ifExists, view=False)

    def dropView(self, viewName: str, ifExists: bool = False) -> None:
        """Drop a persistent view."""
        self._drop(viewName, ifExists, view=True)

    def _drop(self, name: str, if_exists: bool, view: bool) -> None:
        meta = tables.find_table(self._session, split_identifier(name))
        if meta is None:
            if if_exists:
                return
            raise table_not_found(split_identifier(name))
        if meta.is_view != view:
            kind = "WRONG_COMMAND_FOR_OBJECT_TYPE"
            raise AnalysisException(
                kind, f"{'DROP VIEW' if view else 'DROP TABLE'} cannot be used on "
                f"{meta.qualified()}: it is a {'table' if view else 'view'}.", {}, "42809")
        tables.drop_table(self._session, meta)

    def dropTempView(self, viewName: str) -> bool:
        """Drop a temporary view (uncaching it); whether there was one."""
        return self._drop_temp(viewName, False)

    def dropGlobalTempView(self, viewName: str) -> bool:
        """Drop a global temporary view (uncaching it); whether there was one."""
        return self._drop_temp(viewName, True)

    def _drop_temp(self, name: str, is_global: bool) -> bool:
        plan = self._catalog.temp_view([GLOBAL_TEMP_DATABASE, name] if is_global else [name])
        if plan is not None:
            self._session._cache_manager.uncache(plan)
        return self._catalog.drop_view(name, is_global)

    def truncateTable(self, tableName: str) -> None:
        """Remove every row of a table."""
        tables.truncate(self._session, self._data_table(tableName))

    def analyzeTable(self, tableName: str, noScan: bool = False) -> None:
        """Compute statistics: minispark keeps none, so this only checks the table exists."""
        self._data_table(tableName)

    def _data_table(self, tableName: str) -> Any:
        meta = tables.require_table(self._session, split_identifier(tableName))
        if meta.is_view:
            raise AnalysisException("EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE",
                                    f"{meta.qualified()} is a view, not a table.",
                                    {"viewName": meta.qualified()}, "42809")
        return meta

    def getTableProperties(self, tableName: str) -> dict[str, str]:
        """The table's properties (``TBLPROPERTIES``)."""
        return dict(tables.require_table(self._session, split_identifier(tableName)).properties)

    def getCreateTableString(self, tableName: str, asSerde: bool = False) -> str:
        """The ``SHOW CREATE TABLE`` statement of a table or view."""
        from minispark.sql.commands import create_statement

        return create_statement(tables.require_table(self._session, split_identifier(tableName)))

    def listPartitions(self, tableName: str) -> list[TablePartition]:
        """The partitions of a partitioned table (``SHOW PARTITIONS``)."""
        meta = self._data_table(tableName)
        return [TablePartition(p) for p in tables.partition_specs(meta)]

    def recoverPartitions(self, tableName: str) -> None:
        """Register the partitions found under a table's location."""
        meta = self._data_table(tableName)
        meta.partitions_known = True
        self._warehouse().save_table(meta)
        tables.refresh(self._session, meta)

    # ---- functions ----------------------------------------------------------------------------

    def listFunctions(self, dbName: Optional[str] = None,
                      pattern: Optional[str] = None) -> list[Function]:
        """Built-in, temporary (``spark.udf.register``) and persistent functions."""
        from minispark.sql import builtins

        database = self._database_name(dbName) if dbName else self.currentDatabase()
        rows = [_builtin_function(n) for n in builtins.function_names()]
        rows += [Function(n, None, None, None, "minispark.sql.udf.UserDefinedFunction", True)
                 for n in sorted(self._catalog.functions)]
        rows += [self._persistent_function(database, n)
                 for n in self._warehouse().function_names(database)]
        keep = set(matching([r.name for r in rows], pattern))
        return sorted((r for r in rows if r.name in keep), key=lambda r: r.name)

    def _persistent_function(self, database: str, name: str) -> Function:
        class_name = self._warehouse().function(database, name) or ""
        return Function(name, SESSION_CATALOG, [database], None, class_name, False)

    def functionExists(self, functionName: str, dbName: Optional[str] = None) -> bool:
        """Whether a function exists (built-in, temporary or persistent)."""
        try:
            self._function(functionName if dbName is None else f"{dbName}.{functionName}")
            return True
        except AnalysisException:
            return False

    def getFunction(self, functionName: str) -> Function:
        """The function called ``functionName``; UNRESOLVED_ROUTINE if there is none."""
        return self._function(functionName)

    def _function(self, name: str) -> Function:
        from minispark.sql import builtins

        parts = split_identifier(name)
        if len(parts) == 1:
            key = parts[0].lower()
            if key in self._catalog.functions:
                return Function(key, None, None, None, "minispark.sql.udf.UserDefinedFunction",
                                True)
            if builtins.exists(key):
                return _builtin_function(key)
        try:
            database, function = tables.resolve_name(self._session, parts)
        except AnalysisException:
            database, function = "", ""
        if function and self._warehouse().function(database, function) is not None:
            return self._persistent_function(database, function)
        raise AnalysisException(
            "UNRESOLVED_ROUTINE", f"Cannot resolve routine `{parts[-1]}` on search path "
            "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`].",
            {"routineName": f"`{parts[-1]}`"}, "42883")

    def registerFunction(self, name: str, f: Any, returnType: Any = None) -> Any:
        """Deprecated: ``spark.udf.register``."""
        warnings.warn("Deprecated in 2.3.0. Use spark.udf.register instead.", FutureWarning)
        return self._session.udf.register(name, f, returnType)

    # ---- cache --------------------------------------------------------------------------------

    def _plan(self, tableName: str) -> L.LogicalPlan:
        view = self._catalog.lookup_relation(split_identifier(tableName))
        return view.child if isinstance(view, L.SubqueryAlias) else view

    def isCached(self, tableName: str) -> bool:
        """Whether the table or view is cached."""
        return self._session._cache_manager.lookup(self._plan(tableName)) is not None

    def cacheTable(self, tableName: str, storageLevel: Any = None) -> None:
        """Cache a table or view (``MEMORY_AND_DISK`` unless ``storageLevel``), lazily."""
        from minispark.storagelevel import StorageLevel

        level = storageLevel or StorageLevel.MEMORY_AND_DISK_DESER
        self._session._cache_manager.cache(self._session, self._plan(tableName), level)

    def uncacheTable(self, tableName: str) -> None:
        """Drop a table or view from the cache."""
        self._session._cache_manager.uncache(self._plan(tableName))

    def clearCache(self) -> None:
        """Drop every cached table and DataFrame."""
        self._session._cache_manager.clear()

    def refreshTable(self, tableName: str) -> None:
        """Forget what is known of a table's files (re-listed at the next read; re-cached if
        it was cached)."""
        parts = split_identifier(tableName)
        if self._catalog.temp_view(parts) is not None:
            return
        tables.refresh(self._session, tables.require_table(self._session, parts))

    def refreshByPath(self, path: str) -> None:
        """Refresh every table whose files are under ``path``."""
        from minispark.fs.registry import get_filesystem

        prefix = get_filesystem(path).qualify(path).rstrip("/")
        for database, name in list(self._catalog.table_plans):
            meta = tables.find_table(self._session, [database, name])
            location = (meta.location or "").rstrip("/") if meta is not None else ""
            if location == prefix or location.startswith(prefix + "/"):
                tables.refresh(self._session, meta)


#: The ``className`` of built-in functions (Spark shows the JVM class of the expression).
BUILTIN_CLASS_PREFIX = "minispark.sql.builtins."


def _builtin_function(name: str) -> Function:
    return Function(name, None, None, None, BUILTIN_CLASS_PREFIX + name, True)
