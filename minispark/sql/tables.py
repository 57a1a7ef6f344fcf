"""Session-level operations on the warehouse's tables: name resolution, reading a table as a
plan, creating tables, and writing rows into them (``INSERT``, ``saveAsTable``, ``TRUNCATE``).

Writes go through :func:`minispark.sql.sources.write_dataset`, whose commit is
atomic; the catalog entry (:mod:`minispark.sql.warehouse`) changes only after
the data is in place.

>>> import tempfile
>>> from minispark.sql import SparkSession
>>> with tempfile.TemporaryDirectory() as d:
...     s = SparkSession(spark.sparkContext, {"spark.sql.warehouse.dir": d})
...     _ = s.sql("CREATE TABLE t (n INT) USING parquet")
...     _ = s.sql("INSERT INTO t VALUES (1), (2)")
...     print(sorted(s.table("t").collect()), resolve_name(s, ["t"]))
[Row(n=1), Row(n=2)] ('default', 't')
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from minispark.errors import AnalysisException
from minispark.fs.registry import get_filesystem
from minispark.sql.plan import logical as L
from minispark.sql.types import StructField, StructType
from minispark.sql.warehouse import SESSION_CATALOG, TableMeta, Warehouse, split_identifier


def resolve_name(session: Any, name: Any) -> tuple[str, str]:
    """``(database, table)`` of a table name (text or parts); unqualified names are in the
    current database."""
    parts = split_identifier(name) if isinstance(name, str) else list(name)
    if len(parts) == 3 and parts[0].lower() == SESSION_CATALOG:
        parts = parts[1:]
    if len(parts) == 1:
        return session._catalog.current_database, parts[0].lower()
    if len(parts) == 2:
        return parts[0].lower(), parts[1].lower()
    shown = ".".join(f"`{p}`" for p in parts)
    raise AnalysisException("REQUIRES_SINGLE_PART_NAMESPACE",
                            f"{shown} requires a single-part namespace (database.table).",
                            {"namespace": shown}, "42K05")


def find_table(session: Any, name: Any) -> Optional[TableMeta]:
    """The catalog entry a name refers to, or None (no error for an unknown database)."""
    try:
        database, table = resolve_name(session, name)
    except AnalysisException:
        return None
    return Warehouse(session).table(database, table)


def require_table(session: Any, name: Any) -> TableMeta:
    """The catalog entry a name refers to; TABLE_OR_VIEW_NOT_FOUND if there is none."""
    meta = find_table(session, name)
    if meta is None:
        from minispark.sql.catalog import table_not_found

        raise table_not_found(split_identifier(name) if isinstance(name, str) else list(name))
    return meta


def table_plan(session: Any, meta: TableMeta) -> L.LogicalPlan:
    """The (analyzed) plan reading a table or view.

    The same plan object comes back until the table is written again, so a
    cached table (``spark.catalog.cacheTable``) is found by queries naming it.
    """
    memo = session._catalog.table_plans
    key = (meta.database, meta.name)
    known = memo.get(key)
    if known is not None and known[0] == meta.version:
        return known[1]
    plan = _view_plan(session, meta) if meta.is_view else _data_plan(session, meta)
    memo[key] = (meta.version, plan)
    return plan


def forget_plan(session: Any, database: str, name: str) -> Optional[L.LogicalPlan]:
    """Drop a table's remembered plan (the files changed); returns it if there was one."""
    known = session._catalog.table_plans.pop((database, name), None)
    return known[1] if known is not None else None


def refresh(session: Any, meta: TableMeta) -> None:
    """Forget a table's plan (its files changed); a cached table is cached again, lazily,
    over the new plan (as Spark re-caches a table after writing it)."""
    manager = session._cache_manager
    old = forget_plan(session, meta.database, meta.name)
    entry = manager.lookup(old) if old is not None else None
    if entry is not None:
        manager.uncache(old)
        manager.cache(session, table_plan(session, meta), entry.level)


def _view_plan(session: Any, meta: TableMeta) -> L.LogicalPlan:
    from minispark.sql.parser import parse_query

    catalog = session._catalog
    previous, catalog.current_database = catalog.current_database, meta.database
    try:
        plan = session._analyze(parse_query(meta.view_text or ""))
    finally:
        catalog.current_database = previous
    return plan


def _data_plan(session: Any, meta: TableMeta) -> L.LogicalPlan:
    from minispark.sql.readwriter import scan_settings
    from minispark.sql.sources import relation_for

    location = meta.location or ""
    if not meta.partitions_known or not _has_files(location):
        # Nothing written yet (or the location went away): an empty table, as Spark reads it.
        return session.createDataFrame([], meta.schema)._plan
    options = {k: v for k, v in meta.options.items() if k.lower() != "path"}
    relation = relation_for(meta.provider or "parquet", [location], options, meta.schema,
                            scan_settings(session))
    return session.baseRelationToDataFrame(relation)._plan


def _has_files(location: str) -> bool:
    if not location:
        return False
    fs = get_filesystem(location)
    return fs.exists(location) and bool(fs.list_status(location))


def table_schema(columns: StructType, partition_by: Sequence[str]) -> StructType:
    """A table's schema: its data columns, then its partition columns (as Spark orders them),
    all nullable (as Spark stores file tables' schemas).

    >>> table_schema(StructType.fromDDL("p INT, a STRING"), ["p"]).simpleString()
    'struct<a:string,p:int>'
    """
    by_name = {f.name.lower(): f for f in columns}
    missing = [p for p in partition_by if p.lower() not in by_name]
    if missing:
        raise AnalysisException(
            "COLUMN_NOT_DEFINED_IN_TABLE", f"partition column `{missing[0]}` is not defined in "
            f"table, defined table columns are: {', '.join(columns.names)}.", {}, "42703")
    keys = {p.lower() for p in partition_by}
    data = [f for f in columns if f.name.lower() not in keys]
    return StructType(data + [by_name[p.lower()] for p in partition_by]).toNullable()


def create_table(session: Any, meta: TableMeta, data: Any = None, replace: bool = False) -> None:
    """Register ``meta`` and write ``data`` (a DataFrame, for CTAS) to its location.

    The data is committed first; if that fails nothing is registered and a new
    managed location is removed.
    """
    warehouse = Warehouse(session)
    existing = warehouse.table(meta.database, meta.name)
    if existing is not None and not replace:
        from minispark.sql.warehouse import table_already_exists

        raise table_already_exists(meta.database, meta.name)
    if meta.location is None:
        meta.location = warehouse.default_location(meta.database, meta.name)
    if data is not None:
        _write(session, meta, data, "overwrite")
    if existing is not None:
        _release(session, existing, keep_files=existing.location == meta.location)
    meta.version = existing.version if existing is not None else 0
    warehouse.save_table(meta)


def drop_table(session: Any, meta: TableMeta) -> None:
    """Forget a table (uncached first); a managed table's files go too."""
    _release(session, meta)
    Warehouse(session).drop_table(meta.database, meta.name)


def _release(session: Any, meta: TableMeta, keep_files: bool = True) -> None:
    """Uncache a table's plan; delete its managed files unless ``keep_files``."""
    plan = forget_plan(session, meta.database, meta.name)
    if plan is not None:
        session._cache_manager.uncache(plan)
    if not keep_files and meta.table_type == "MANAGED" and meta.location:
        fs = get_filesystem(meta.location)
        if fs.exists(meta.location):
            fs.delete(meta.location, recursive=True)


def rename(session: Any, meta: TableMeta, target: Sequence[str]) -> None:
    """``ALTER TABLE/VIEW ... RENAME TO``: a managed table's files move with it."""
    database, name = resolve_name(session, target)
    warehouse = Warehouse(session)
    if warehouse.table(database, name) is not None:
        from minispark.sql.warehouse import table_already_exists

        raise table_already_exists(database, name)
    _release(session, meta)
    old_database, old_name = meta.database, meta.name
    meta.database, meta.name = database, name
    if meta.table_type == "MANAGED" and meta.location:
        target_location = warehouse.default_location(database, name)
        fs = get_filesystem(meta.location)
        if fs.exists(meta.location):
            fs.rename(meta.location, target_location)
        meta.location = target_location
    warehouse.save_table(meta)
    warehouse.drop_table(old_database, old_name, delete_files=False)


def conform(df: Any, meta: TableMeta, columns: Optional[Sequence[str]] = None,
            static: Optional[dict[str, Any]] = None) -> Any:
    """``df``'s columns as the table's, by position (or by the ``columns`` named), cast to
    the table's types; ``static`` partition values fill their columns."""
    from minispark.sql.functions import lit

    static = {k.lower(): v for k, v in (static or {}).items()}
    targets = [f for f in meta.schema if f.name.lower() not in static]
    if columns is not None:
        by_name = {f.name.lower(): f for f in targets}
        unknown = [c for c in columns if c.lower() not in by_name]
        if unknown:
            from minispark.sql.plan.analyzer import unresolved_column

            raise unresolved_column(unknown[0], [])
        targets = [by_name[c.lower()] for c in columns]
    if len(df.columns) != len(targets):
        kind = "TOO_MANY" if len(df.columns) > len(targets) else "NOT_ENOUGH"
        raise AnalysisException(
            f"INSERT_COLUMN_ARITY_MISMATCH.{kind}_DATA_COLUMNS",
            f"Cannot write to {meta.qualified()}, the reason is {kind.lower().replace('_', ' ')}"
            f" data columns:\nTable columns: {', '.join(f'`{f.name}`' for f in targets)}.\n"
            f"Data columns: {', '.join(f'`{c}`' for c in df.columns)}.",
            {"tableName": meta.qualified()}, "21S01")
    renamed = df.toDF(*[f.name for f in targets])
    given = {f.name.lower() for f in targets}
    items = []
    for field in meta.schema:
        key = field.name.lower()
        if key in static:
            value = lit(static[key])
        elif key in given:
            value = renamed[field.name]
        else:
            value = lit(None)
        items.append(value.cast(field.dataType).alias(field.name))
    return renamed.select(*items)


def insert(session: Any, meta: TableMeta, df: Any, overwrite: bool = False) -> None:
    """Append (or overwrite with) rows already shaped as the table (see :func:`conform`)."""
    if meta.is_view:
        raise AnalysisException("EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE",
                                f"The table {meta.qualified()} is a view: it cannot be written.",
                                {"viewName": meta.qualified()}, "42809")
    _write(session, meta, df, "overwrite" if overwrite else "append")
    meta.partitions_known = True
    Warehouse(session).save_table(meta)
    refresh(session, meta)


def replace_rows(session: Any, meta: TableMeta, rows: Any, keep: Any) -> None:
    """Overwrite the table with ``rows`` plus the old rows ``keep(old DataFrame)`` returns.

    The old rows are read while the new files are written aside; the commit
    swaps the new files in, so a failure leaves the table as it was.
    """
    old = session.table(".".join(f"`{p}`" for p in (meta.database, meta.name)))
    merged = keep(old).select(*meta.schema.names).unionByName(rows)
    insert(session, meta, merged, overwrite=True)


def insert_overwrite(session: Any, meta: TableMeta, rows: Any,
                     static: Optional[dict[str, Any]] = None) -> None:
    """``INSERT OVERWRITE``: the whole table, or for a partitioned table the partitions of
    the ``PARTITION (...)`` values, or with ``spark.sql.sources.partitionOverwriteMode``
    DYNAMIC the partitions ``rows`` writes to (as Spark)."""
    dynamic = str(session.conf.get("spark.sql.sources.partitionOverwriteMode")).upper() == \
        "DYNAMIC"
    if meta.partition_by and (static or dynamic):
        overwrite_partitions(session, meta, rows, None if dynamic else static)
    else:
        insert(session, meta, rows, overwrite=True)


def overwrite_partitions(session: Any, meta: TableMeta, rows: Any,
                         static: Optional[dict[str, Any]] = None) -> None:
    """``INSERT OVERWRITE`` of a partitioned table: the partitions named by ``static``
    values, or (dynamic mode) those ``rows`` has rows for, are replaced; the others stay."""
    from minispark.sql.functions import col, lit

    static = {k.lower(): v for k, v in (static or {}).items()}
    if static:
        names = {p.lower(): p for p in meta.partition_by}
        condition = None
        for key, value in static.items():
            test = col(names[key]).eqNullSafe(lit(value).cast(meta.schema[names[key]].dataType))
            condition = test if condition is None else condition & test
        replace_rows(session, meta, rows, lambda old: old.filter(~condition))
        return
    touched = rows.select(*meta.partition_by).distinct()
    replace_rows(session, meta, rows,
                 lambda old: old.join(touched, list(meta.partition_by), "left_anti"))


def truncate(session: Any, meta: TableMeta) -> None:
    """Remove every row of a table, keeping the table."""
    insert(session, meta, session.createDataFrame([], meta.schema), overwrite=True)


def _write(session: Any, meta: TableMeta, df: Any, mode: str) -> None:
    from minispark.sql.readwriter import DataFrameWriter

    writer = DataFrameWriter(df)
    writer._partition_by = list(meta.partition_by)
    writer._write(meta.provider or "parquet", meta.location or "", mode,
                  writer_options(meta.provider or "parquet", meta.options))


def writer_options(provider: str, options: dict[str, str]) -> dict[str, str]:
    """The table options the format's writer takes (reading-only ones are left out)."""
    from minispark.sql.sources import writer_for

    known = {o.lower() for o in type(writer_for(provider)).OPTIONS}
    return {k: v for k, v in options.items() if k.lower() in known}


def partition_specs(meta: TableMeta) -> list[str]:
    """The ``key=value/...`` directories of a partitioned table's data (SHOW PARTITIONS)."""
    location = meta.location or ""
    if not meta.partition_by or not meta.partitions_known or not _has_files(location):
        return []
    fs = get_filesystem(location)
    found = [("", location)]
    for _ in meta.partition_by:
        found = [(f"{spec}/{s.path.rstrip('/').rsplit('/', 1)[-1]}".lstrip("/"), s.path)
                 for spec, path in found for s in fs.list_status(path)
                 if s.is_dir and "=" in s.path.rstrip("/").rsplit("/", 1)[-1]]
    return sorted(spec for spec, _ in found)


def schema_of_columns(columns: Sequence[tuple[str, str]]) -> StructType:
    """A StructType from ``(name, SQL type)`` pairs."""
    from minispark.sql.types import _parse_datatype_string

    return StructType([StructField(n, _parse_datatype_string(t), True) for n, t in columns])
