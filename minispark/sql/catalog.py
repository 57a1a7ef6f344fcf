"""Temporary views: the session's, and the global ones (``global_temp.``) all sessions share.

A view is an analyzed plan; a query naming it reads that plan under the
view's name (so ``t.x`` resolves), as Spark does for temporary views.
"""
from __future__ import annotations

import dataclasses
import threading
import weakref
from typing import Any, Sequence

from minispark.errors import AnalysisException
from minispark.sql.plan import logical as L
from minispark.sql.plan.analyzer import Catalog

GLOBAL_TEMP_DATABASE = "global_temp"
_global_views: "weakref.WeakKeyDictionary[Any, dict[str, L.LogicalPlan]]" = (
    weakref.WeakKeyDictionary())
_lock = threading.Lock()


def _global(sc: Any) -> dict[str, L.LogicalPlan]:
    with _lock:
        return _global_views.setdefault(sc, {})


class SessionCatalog(Catalog):
    """Name -> plan lookups for one session."""

    def __init__(self, sc: Any) -> None:
        self._sc = sc
        self.views: dict[str, L.LogicalPlan] = {}
        #: Python UDFs registered for SQL (``spark.udf.register``), by lower-case name.
        self.functions: dict[str, Any] = {}

    def lookup_function(self, name: str) -> Any:
        return self.functions.get(name.lower())

    def create_view(self, name: str, plan: L.LogicalPlan, replace: bool,
                    is_global: bool = False) -> None:
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
        views = _global(self._sc) if is_global else self.views
        return views.pop(name.lower(), None) is not None

    def view_names(self, is_global: bool = False) -> list[str]:
        return sorted(_global(self._sc) if is_global else self.views)

    def lookup_relation(self, parts: Sequence[str]) -> L.LogicalPlan:
        parts = list(parts)
        if len(parts) == 2 and parts[0].lower() == GLOBAL_TEMP_DATABASE:
            plan = _global(self._sc).get(parts[1].lower())
        elif len(parts) == 1:
            plan = self.views.get(parts[0].lower())
        else:
            plan = None
        if plan is None:
            raise table_not_found(parts)
        return L.SubqueryAlias(parts[-1], plan)


def table_not_found(parts: Sequence[str]) -> AnalysisException:
    shown = ".".join(f"`{p}`" for p in parts)
    return AnalysisException(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {shown} cannot be found. Verify the spelling and correctness of the "
        "schema and catalog.\nIf you did not qualify the name with a schema, verify the "
        "current_schema() output, or qualify the name with the correct schema and catalog.\n"
        "To tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS.",
        {"relationName": shown}, "42P01")


@dataclasses.dataclass
class Table:
    """A table or view, as ``spark.catalog.listTables()`` lists it."""

    name: str
    catalog: str | None
    namespace: list[str] | None
    description: str | None
    tableType: str
    isTemporary: bool

    @property
    def database(self) -> str | None:
        return self.namespace[0] if self.namespace else None


@dataclasses.dataclass
class Column:
    """A column of a table (``spark.catalog.listColumns``)."""

    name: str
    description: str | None
    dataType: str
    nullable: bool
    isPartition: bool
    isBucket: bool
    isCluster: bool = False


@dataclasses.dataclass
class Database:
    name: str
    catalog: str | None
    description: str | None
    locationUri: str


class Catalog:
    """``spark.catalog``: the session's temporary views, cached tables and functions.

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

    def currentDatabase(self) -> str:
        return "default"

    def currentCatalog(self) -> str:
        return "spark_catalog"

    def setCurrentDatabase(self, dbName: str) -> None:
        if dbName.lower() != "default":
            raise AnalysisException("SCHEMA_NOT_FOUND", f"The schema `{dbName}` cannot be "
                                    "found.", {"schemaName": f"`{dbName}`"}, "42704")

    def listDatabases(self, pattern: str | None = None) -> list[Database]:
        return [Database("default", "spark_catalog", "default database", "")]

    def databaseExists(self, dbName: str) -> bool:
        return dbName.lower() == "default"

    def listTables(self, dbName: str | None = None, pattern: str | None = None) -> list[Table]:
        """Temporary views (of ``global_temp`` when ``dbName`` is it)."""
        import fnmatch

        is_global = (dbName or "").lower() == GLOBAL_TEMP_DATABASE
        names = self._catalog.view_names(is_global)
        if pattern:
            names = [n for n in names if fnmatch.fnmatch(n, pattern.replace("*", "*"))]
        namespace = [GLOBAL_TEMP_DATABASE] if is_global else []
        return [Table(n, None, namespace, None, "TEMPORARY", True) for n in names]

    def tableExists(self, tableName: str, dbName: str | None = None) -> bool:
        parts = [dbName, tableName] if dbName else tableName.split(".")
        try:
            self._catalog.lookup_relation(parts)
            return True
        except AnalysisException:
            return False

    def listColumns(self, tableName: str, dbName: str | None = None) -> list[Column]:
        df = self._session.table(f"{dbName}.{tableName}" if dbName else tableName)
        return [Column(f.name, None, f.dataType.simpleString(), f.nullable, False, False)
                for f in df.schema.fields]

    def dropTempView(self, viewName: str) -> bool:
        return self._catalog.drop_view(viewName)

    def dropGlobalTempView(self, viewName: str) -> bool:
        return self._catalog.drop_view(viewName, is_global=True)

    def isCached(self, tableName: str) -> bool:
        plan = self._view_plan(tableName)
        return self._session._cache_manager.lookup(plan) is not None

    def cacheTable(self, tableName: str, storageLevel: Any = None) -> None:
        from minispark.storagelevel import StorageLevel

        level = storageLevel or StorageLevel.MEMORY_AND_DISK_DESER
        self._session._cache_manager.cache(self._session, self._view_plan(tableName), level)

    def uncacheTable(self, tableName: str) -> None:
        self._session._cache_manager.uncache(self._view_plan(tableName))

    def clearCache(self) -> None:
        self._session._cache_manager.clear()

    def _view_plan(self, tableName: str) -> L.LogicalPlan:
        view = self._catalog.lookup_relation(tableName.split("."))
        return view.child if isinstance(view, L.SubqueryAlias) else view

    def registerFunction(self, name: str, f: Any, returnType: Any = None) -> Any:
        return self._session.udf.register(name, f, returnType)

    def listFunctions(self, dbName: str | None = None, pattern: str | None = None) -> list:
        from minispark.sql import builtins

        return sorted(builtins.function_names() + list(self._catalog.functions))
