"""Persistent tables, views and databases under ``spark.sql.warehouse.dir``.

Spark keeps its table catalog in a metastore; minispark keeps it on disk, in
the warehouse itself, so a new session (or a new process) over the same
warehouse sees the same tables:

* ``<warehouse>/_minispark_catalog/databases/<db>.json``: one file per database
  (``default`` always exists and needs none);
* ``<warehouse>/_minispark_catalog/tables/<db>/<name>.json``: one file per table
  or view (:class:`TableMeta`).

Managed tables store their data as Spark lays it out (``<warehouse>/<table>``,
``<warehouse>/<db>.db/<table>``); external tables (``LOCATION``) wherever
they were created. Data is written through the sources' atomic output commit
before the catalog entry changes, and an entry is replaced by renaming a
complete file into place, so a failure leaves the previous state.

>>> import tempfile
>>> from minispark.sql import SparkSession
>>> with tempfile.TemporaryDirectory() as d:
...     s = SparkSession(spark.sparkContext, {"spark.sql.warehouse.dir": d})
...     s.createDataFrame([(1, "a")], "n INT, s STRING").write.saveAsTable("t")
...     print(Warehouse(s).table_names("default"), Warehouse(s).table("default", "t").provider)
['t'] parquet
"""
from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
import uuid
from typing import Any, Optional, Sequence

from minispark.errors import AnalysisException
from minispark.fs.base import join_path
from minispark.fs.registry import get_filesystem
from minispark.sql.types import StructType

DEFAULT_DATABASE = "default"
SESSION_CATALOG = "spark_catalog"
_CATALOG_DIR = "_minispark_catalog"


@dataclasses.dataclass
class TableMeta:
    """What the catalog knows of one table or view."""

    name: str
    database: str
    table_type: str  # MANAGED, EXTERNAL or VIEW
    schema: StructType
    provider: Optional[str] = None
    location: Optional[str] = None
    partition_by: list[str] = dataclasses.field(default_factory=list)
    bucket_by: list[str] = dataclasses.field(default_factory=list)
    num_buckets: Optional[int] = None
    sort_by: list[str] = dataclasses.field(default_factory=list)
    cluster_by: list[str] = dataclasses.field(default_factory=list)
    options: dict[str, str] = dataclasses.field(default_factory=dict)
    properties: dict[str, str] = dataclasses.field(default_factory=dict)
    comment: Optional[str] = None
    view_text: Optional[str] = None
    #: Whether the partitions under the location are known (Spark's metastore only
    #: knows partitions written through it, or found by RECOVER PARTITIONS).
    partitions_known: bool = True
    version: int = 0

    @property
    def is_view(self) -> bool:
        """Whether this is a (persistent) view rather than a table."""
        return self.table_type == "VIEW"

    def qualified(self) -> str:
        """```spark_catalog`.`db`.`name``` as Spark's messages show it."""
        return quoted_name(self.database, self.name)

    def to_json(self) -> dict[str, Any]:
        """The entry as stored in the catalog file."""
        data = dataclasses.asdict(self)
        data["schema"] = self.schema.jsonValue()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TableMeta":
        """An entry read from a catalog file (unknown keys are ignored)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["schema"] = StructType.fromJson(data["schema"])
        return cls(**values)


@dataclasses.dataclass
class DatabaseMeta:
    """A database (namespace) of the warehouse."""

    name: str
    location: str
    description: Optional[str] = None
    properties: dict[str, str] = dataclasses.field(default_factory=dict)


def quoted_name(database: str, name: str) -> str:
    """The fully qualified, back-quoted name of a table.

    >>> quoted_name("default", "t")
    '`spark_catalog`.`default`.`t`'
    """
    return f"`{SESSION_CATALOG}`.`{database}`.`{name}`"


def split_identifier(name: str) -> list[str]:
    """The parts of a dotted, possibly back-quoted, multi-part name.

    >>> split_identifier("spark_catalog.`my db`.t")
    ['spark_catalog', 'my db', 't']
    """
    parts = re.findall(r"`((?:[^`]|``)*)`|([^.`]+)", name.strip())
    return [quoted.replace("``", "`") if quoted else plain.strip() for quoted, plain in parts]


def like_pattern(pattern: Optional[str]) -> Any:
    """A name filter for Spark's SHOW/list patterns (``*`` any text, ``|`` alternatives).

    >>> f = like_pattern("def*|x")
    >>> f("default"), f("x"), f("y")
    (True, True, False)
    """
    if not pattern:
        return lambda name: True
    choices = [p.strip().lower() for p in pattern.split("|")]
    return lambda name: any(fnmatch.fnmatchcase(name.lower(), c) for c in choices)


def schema_not_found(name: str) -> AnalysisException:
    """SCHEMA_NOT_FOUND for the database ``name``."""
    return AnalysisException("SCHEMA_NOT_FOUND",
                             f"The schema `{name}` cannot be found. Verify the spelling and "
                             "correctness of the schema and catalog.",
                             {"schemaName": f"`{name}`"}, "42704")


class Warehouse:
    """The catalog files and table directories under one session's warehouse directory."""

    def __init__(self, session: Any) -> None:
        value = session.conf.get("spark.sql.warehouse.dir", None) or "spark-warehouse"
        self.root = get_filesystem(str(value)).qualify(str(value))
        self.fs = get_filesystem(self.root)
        self._catalog = join_path(self.root, _CATALOG_DIR)

    # ---- files ----------------------------------------------------------------------------

    def _read_json(self, path: str) -> Optional[dict[str, Any]]:
        if not self.fs.exists(path):
            return None
        with self.fs.open(path) as f:
            return json.loads(f.read().decode("utf-8"))

    def _write_json(self, path: str, data: dict[str, Any]) -> None:
        """Replace ``path`` by a complete new file (written aside, then renamed in)."""
        self.fs.mkdirs(path.rsplit("/", 1)[0])
        temp = f"{path}.{uuid.uuid4().hex}.tmp"
        with self.fs.create(temp, overwrite=True) as f:
            f.write(json.dumps(data, sort_keys=True).encode("utf-8"))
        old = None
        if self.fs.exists(path):
            old = f"{temp}.old"
            self.fs.rename(path, old)
        self.fs.rename(temp, path)
        if old is not None:
            self.fs.delete(old)

    def _table_file(self, database: str, name: str) -> str:
        return join_path(join_path(join_path(self._catalog, "tables"), database.lower()),
                         f"{name.lower()}.json")

    def _database_file(self, database: str) -> str:
        return join_path(join_path(self._catalog, "databases"), f"{database.lower()}.json")

    # ---- databases --------------------------------------------------------------------------

    def database(self, name: str) -> Optional[DatabaseMeta]:
        """The database called ``name``, or None."""
        if name.lower() == DEFAULT_DATABASE:
            return DatabaseMeta(DEFAULT_DATABASE, self.root, "default database")
        data = self._read_json(self._database_file(name))
        return DatabaseMeta(**data) if data is not None else None

    def require_database(self, name: str) -> DatabaseMeta:
        """The database called ``name``; SCHEMA_NOT_FOUND if there is none."""
        found = self.database(name)
        if found is None:
            raise schema_not_found(name)
        return found

    def database_names(self) -> list[str]:
        """Every database, ``default`` included, sorted."""
        folder = join_path(self._catalog, "databases")
        names = {DEFAULT_DATABASE}
        if self.fs.exists(folder):
            names.update(s.path.rstrip("/").rsplit("/", 1)[-1][:-len(".json")]
                         for s in self.fs.list_status(folder) if s.path.endswith(".json"))
        return sorted(names)

    def create_database(self, name: str, if_not_exists: bool = False,
                        location: Optional[str] = None, comment: Optional[str] = None,
                        properties: Optional[dict[str, str]] = None) -> None:
        """``CREATE DATABASE``: its catalog entry and its ``<name>.db`` directory."""
        if self.database(name) is not None:
            if if_not_exists:
                return
            raise AnalysisException(
                "SCHEMA_ALREADY_EXISTS", f"Cannot create schema `{name}` because it already "
                "exists.\nChoose a different name, drop the existing schema, or add the IF NOT "
                "EXISTS clause to tolerate pre-existing schema.", {"schemaName": f"`{name}`"},
                "42P06")
        path = location or join_path(self.root, f"{name.lower()}.db")
        path = get_filesystem(path).qualify(path)
        get_filesystem(path).mkdirs(path)
        meta = DatabaseMeta(name.lower(), path, comment, dict(properties or {}))
        self._write_json(self._database_file(name), dataclasses.asdict(meta))

    def drop_database(self, name: str, if_exists: bool = False, cascade: bool = False) -> None:
        """``DROP DATABASE``: refused while it holds tables unless ``cascade``."""
        if name.lower() == DEFAULT_DATABASE:
            raise AnalysisException("UNSUPPORTED_FEATURE.DROP_DATABASE",
                                    "Drop the default database `default` is not allowed.", {},
                                    "0A000")
        meta = self.database(name)
        if meta is None:
            if if_exists:
                return
            raise schema_not_found(name)
        tables = self.table_names(name)
        if tables and not cascade:
            raise AnalysisException(
                "SCHEMA_NOT_EMPTY", f"Cannot drop a schema `{name}` because it contains "
                "objects.\nUse DROP SCHEMA ... CASCADE to drop the schema and all its objects.",
                {"schemaName": f"`{name}`"}, "2BP01")
        for table in tables:
            self.drop_table(name, table)
        functions = join_path(join_path(self._catalog, "functions"), name.lower())
        if self.fs.exists(functions):
            self.fs.delete(functions, recursive=True)
        self.fs.delete(self._database_file(name))
        location = meta.location
        if get_filesystem(location).exists(location):
            get_filesystem(location).delete(location, recursive=True)

    # ---- tables -----------------------------------------------------------------------------

    def table(self, database: str, name: str) -> Optional[TableMeta]:
        """The catalog entry of a table or view, or None."""
        data = self._read_json(self._table_file(database, name))
        return TableMeta.from_json(data) if data is not None else None

    def table_names(self, database: str) -> list[str]:
        """The tables and views of a database, sorted."""
        folder = join_path(join_path(self._catalog, "tables"), database.lower())
        if not self.fs.exists(folder):
            return []
        return sorted(s.path.rstrip("/").rsplit("/", 1)[-1][:-len(".json")]
                      for s in self.fs.list_status(folder) if s.path.endswith(".json"))

    def default_location(self, database: str, name: str) -> str:
        """Where a managed table's files go, as Spark lays out its warehouse."""
        base = self.require_database(database).location
        return join_path(base, name.lower())

    def save_table(self, meta: TableMeta) -> None:
        """Create or replace a catalog entry (its version goes up, so readers re-list files)."""
        meta.version += 1
        self._write_json(self._table_file(meta.database, meta.name), meta.to_json())

    def drop_table(self, database: str, name: str, delete_files: bool = True) -> bool:
        """Forget a table; a managed table's files go too (unless ``delete_files`` is
        false). False if there was none."""
        meta = self.table(database, name)
        if meta is None:
            return False
        self.fs.delete(self._table_file(database, name))
        if delete_files and meta.table_type == "MANAGED" and meta.location:
            fs = get_filesystem(meta.location)
            if fs.exists(meta.location):
                fs.delete(meta.location, recursive=True)
        return True

    # ---- functions (CREATE FUNCTION: recorded, not callable: they name JVM classes) -------

    def _function_file(self, database: str, name: str) -> str:
        return join_path(join_path(join_path(self._catalog, "functions"), database.lower()),
                         f"{name.lower()}.json")

    def function(self, database: str, name: str) -> Optional[str]:
        """The class name of a persistent function, or None."""
        data = self._read_json(self._function_file(database, name))
        return data["className"] if data is not None else None

    def function_names(self, database: str) -> list[str]:
        """The persistent functions of a database, sorted."""
        folder = join_path(join_path(self._catalog, "functions"), database.lower())
        if not self.fs.exists(folder):
            return []
        return sorted(s.path.rstrip("/").rsplit("/", 1)[-1][:-len(".json")]
                      for s in self.fs.list_status(folder) if s.path.endswith(".json"))

    def save_function(self, database: str, name: str, class_name: str) -> None:
        """Record ``CREATE FUNCTION name AS 'class_name'``."""
        self.require_database(database)
        self._write_json(self._function_file(database, name), {"className": class_name})

    def drop_function(self, database: str, name: str) -> bool:
        """Forget a persistent function; False if there was none."""
        path = self._function_file(database, name)
        return self.fs.exists(path) and self.fs.delete(path)


def table_already_exists(database: str, name: str) -> AnalysisException:
    """TABLE_OR_VIEW_ALREADY_EXISTS for ``database.name``."""
    shown = quoted_name(database, name)
    return AnalysisException(
        "TABLE_OR_VIEW_ALREADY_EXISTS",
        f"Cannot create table or view {shown} because it already exists.\nChoose a different "
        "name, drop or replace the existing object, or add the IF NOT EXISTS clause to "
        "tolerate pre-existing objects.", {"relationName": shown}, "42P07")


def matching(names: Sequence[str], pattern: Optional[str]) -> list[str]:
    """``names`` that match a SHOW/list pattern."""
    accept = like_pattern(pattern)
    return [n for n in names if accept(n)]
