"""``SparkSession``: the entry point of DataFrame and SQL programs.

>>> spark.range(3).count()
3
>>> spark.createDataFrame([("a", 1)], "name STRING, n INT").collect()
[Row(name='a', n=1)]
"""
from __future__ import annotations

import threading
from typing import Any

from minispark.conf import SparkConf
from minispark.context import SparkContext
from minispark.errors import IllegalArgumentException, PySparkTypeError
from minispark.rdd.rdd import RDD
from minispark.sql import local_data
from minispark.sql.catalog import SessionCatalog
from minispark.sql.conf import RuntimeConfig
from minispark.sql.execution.cache import CacheManager
from minispark.sql.execution.evaluator import EvalSettings
from minispark.sql.execution.physical import ExecutionContext
from minispark.sql.plan import logical as L
from minispark.sql.plan.analyzer import analyze
from minispark.sql.plan.expressions import AttributeReference
from minispark.sql.types import StructType, from_arrow_schema


class _ClassProperty:
    def __init__(self, getter: Any) -> None:
        self.getter = getter

    def __get__(self, instance: Any, owner: type) -> Any:
        return self.getter(owner)


class Builder:
    """Collects options, then ``getOrCreate()`` returns the session (creating it if needed)."""

    _lock = threading.RLock()

    def __init__(self) -> None:
        self._options: dict[str, str] = {}

    def config(self, key: str | None = None, value: Any = None, conf: SparkConf | None = None,
               map: dict[str, Any] | None = None) -> "Builder":
        """Set an option (``key``/``value``), every option of a ``SparkConf``, or a dict."""
        if conf is not None:
            self._options.update(dict(conf.getAll()))
        if map is not None:
            self._options.update({k: _text(v) for k, v in map.items()})
        if key is not None:
            self._options[key] = _text(value)
        return self

    def master(self, master: str) -> "Builder":
        """The master URL: ``local``, ``local[N]`` or ``local[*]``."""
        return self.config("spark.master", master)

    def appName(self, name: str) -> "Builder":
        return self.config("spark.app.name", name)

    def remote(self, url: str) -> "Builder":
        raise NotImplementedError("Spark Connect (builder.remote) is not supported: minispark "
                                  "runs in-process")

    def enableHiveSupport(self) -> "Builder":
        raise IllegalArgumentException(
            message="Unable to instantiate SparkSession with Hive support because Hive classes "
                    "are not found (minispark has no Hive metastore; temporary views and "
                    "spark.sql.warehouse.dir tables work without it).")

    def getOrCreate(self) -> "SparkSession":
        """The active session, with this builder's options applied; created if there is none."""
        with self._lock:
            session = SparkSession._instantiated
            if session is not None and not session._sc._stopped:
                for key, value in self._options.items():
                    if key not in ("spark.master", "spark.app.name"):
                        session.conf._store(key, value)
                return session
            conf = SparkConf()
            for key, value in self._options.items():
                conf.set(key, value)
            sc = SparkContext.getOrCreate(conf)
            return SparkSession(sc, self._options)

    def create(self) -> "SparkSession":
        """A new session (on the running SparkContext, if any)."""
        return self.getOrCreate().newSession()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class SparkSession:
    """Creates DataFrames, runs SQL and holds temporary views and settings."""

    _instantiated: "SparkSession | None" = None
    _active = threading.local()
    builder = _ClassProperty(lambda cls: Builder())  # type: ignore[assignment]

    def __init__(self, sparkContext: SparkContext, options: dict[str, Any] | None = None
                 ) -> None:
        self._sc = sparkContext
        settings = {k: v for k, v in (options or {}).items()
                    if k not in ("spark.master", "spark.app.name")}
        self._conf = RuntimeConfig(sparkContext.getConf(), settings)
        self._catalog = SessionCatalog(sparkContext, self)
        self._cache_manager = CacheManager()
        SparkSession._instantiated = self
        SparkSession._active.session = self
        _attach_to_df()

    # ---- identity and lifecycle -----------------------------------------------------------

    @property
    def sparkContext(self) -> SparkContext:
        """The SparkContext this session runs on."""
        return self._sc

    @property
    def conf(self) -> RuntimeConfig:
        """Runtime configuration (``spark.conf.set("spark.sql.shuffle.partitions", 8)``)."""
        return self._conf

    @property
    def version(self) -> str:
        return self._sc.version

    @classmethod
    def getActiveSession(cls) -> "SparkSession | None":
        """The session of this thread (or the last one created), or None."""
        session = getattr(cls._active, "session", None) or cls._instantiated
        if session is not None and session._sc._stopped:
            return None
        return session

    @classmethod
    def active(cls) -> "SparkSession":
        """The active session, created with default settings if there is none."""
        session = cls.getActiveSession()
        return session if session is not None else cls.builder.getOrCreate()

    def newSession(self) -> "SparkSession":
        """Another session on the same SparkContext: own views and settings, shared cache
        and warehouse."""
        return SparkSession(self._sc, self._conf.static_settings())

    def stop(self) -> None:
        """Stop the session and its SparkContext."""
        self._cache_manager.clear()
        self._sc.stop()
        if SparkSession._instantiated is self:
            SparkSession._instantiated = None
        if getattr(SparkSession._active, "session", None) is self:
            SparkSession._active.session = None

    close = stop

    def __enter__(self) -> "SparkSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- building DataFrames ----------------------------------------------------------------

    def range(self, start: int, end: int | None = None, step: int = 1,
              numPartitions: int | None = None) -> Any:
        """A DataFrame with one ``id`` column (bigint) from ``start`` to ``end`` (exclusive).

        >>> spark.range(1, 7, 2).collect()
        [Row(id=1), Row(id=3), Row(id=5)]
        """
        if end is None:
            start, end = 0, start
        if step == 0:
            raise IllegalArgumentException(message="requirement failed: step (0) cannot be 0")
        slices = numPartitions or self._sc.defaultParallelism
        return self._dataframe(L.Range(int(start), int(end), int(step), slices))

    def emptyDataFrame(self, schema: Any) -> Any:
        """A DataFrame without rows, with ``schema`` (a StructType or a DDL string).

        >>> spark.emptyDataFrame("name string, age int").count()
        0
        """
        from minispark.sql.batches import _struct

        return self.createDataFrame([], _struct(schema))

    def createDataFrame(self, data: Any, schema: Any = None, samplingRatio: float | None = None,
                        verifySchema: bool = True) -> Any:
        """A DataFrame from local rows (tuples, Rows, dicts), pandas, Arrow or an RDD.

        ``schema`` is a ``StructType``, a DDL string, a list of column names or an
        atomic type (one column, ``value``).

        >>> spark.createDataFrame([(1, "a")], ["n", "s"]).dtypes
        [('n', 'bigint'), ('s', 'string')]
        """
        from minispark.sql.dataframe import DataFrame

        if isinstance(data, DataFrame):
            raise PySparkTypeError("INVALID_TYPE", "data is already a DataFrame", {})
        if isinstance(data, RDD):
            return self._from_rdd(data, schema, samplingRatio)
        if isinstance(data, (str, bytes)) or not _iterable(data):
            raise PySparkTypeError("CANNOT_ACCEPT_OBJECT_IN_TYPE",
                                   f"`createDataFrame` can not accept object {data!r} in type "
                                   f"{type(data)}.", {})
        table = local_data.local_table(data, schema)
        struct = from_arrow_schema(table.schema)
        declared, _, _ = local_data.parse_schema(schema)
        if declared is not None:
            struct = declared
        return self._dataframe(L.LocalRelation(_attributes(struct), table))

    def _from_rdd(self, rdd: RDD, schema: Any, sampling_ratio: float | None) -> Any:
        struct, atomic = local_data.rdd_schema(rdd, schema, sampling_ratio)
        batches = rdd.mapPartitions(local_data.rows_to_batches(struct, atomic))
        return self._dataframe(L.LogicalRDD(batches, _attributes(struct)))

    def baseRelationToDataFrame(self, relation: Any) -> Any:
        """A DataFrame reading a data source (see :mod:`minispark.sql.plan.relation`)."""
        return self._dataframe(L.LogicalRelation(relation, _attributes(relation.schema())))

    def sql(self, sqlQuery: str, args: Any = None, **kwargs: Any) -> Any:
        """The result of a SQL statement, as a DataFrame.

        ``args`` bind ``:name`` (a dict) or ``?`` (a list) parameter markers;
        ``kwargs`` fill ``{name}`` fields, DataFrames and Columns included.

        >>> spark.sql("SELECT 1 + 1 AS two").collect()
        [Row(two=2)]
        >>> spark.sql("SELECT :x * {y} AS n", {"x": 3}, y=2).collect()
        [Row(n=6)]
        """
        from minispark.sql.sqlformat import run_formatted

        return run_formatted(self, sqlQuery, args, kwargs)

    def table(self, tableName: str) -> Any:
        """The temporary view, or the warehouse's table or view, called ``tableName``.

        >>> spark.range(2).createOrReplaceTempView("two")
        >>> spark.table("two").count()
        2
        """
        from minispark.sql.parser import parse_table_name

        return self._dataframe(L.UnresolvedRelation(parse_table_name(tableName)))

    @property
    def catalog(self) -> Any:
        """Temporary views, cached tables and functions (``spark.catalog.listTables()``)."""
        from minispark.sql.catalog import Catalog

        return Catalog(self)

    @property
    def udf(self) -> Any:
        """Register Python functions for SQL (``spark.udf.register("f", f, "int")``)."""
        from minispark.sql.udf import UDFRegistration

        return UDFRegistration(self)

    @property
    def read(self) -> Any:
        """A ``DataFrameReader`` (``spark.read.parquet(path)``)."""
        from minispark.sql.readwriter import DataFrameReader

        return DataFrameReader(self)

    # ---- internals --------------------------------------------------------------------------

    def _dataframe(self, plan: L.LogicalPlan) -> Any:
        from minispark.sql.dataframe import DataFrame

        return DataFrame(self._analyze(plan), self)

    def _analyze(self, plan: L.LogicalPlan) -> L.LogicalPlan:
        return analyze(plan, self._catalog)

    def _execution_context(self) -> ExecutionContext:
        conf = self._conf
        return ExecutionContext(
            sc=self._sc,
            settings=EvalSettings(timezone=conf.get("spark.sql.session.timeZone")),
            shuffle_partitions=int(conf.get("spark.sql.shuffle.partitions")),
            adaptive=conf.get("spark.sql.adaptive.enabled").lower() == "true" and conf.get(
                "spark.sql.adaptive.coalescePartitions.enabled").lower() == "true",
            broadcast_threshold=conf._get_bytes("spark.sql.autoBroadcastJoinThreshold"),
            default_parallelism=self._sc.defaultParallelism)

    def __repr__(self) -> str:
        return f"<minispark.sql.session.SparkSession object at {hex(id(self))}>"


def _iterable(data: Any) -> bool:
    try:
        iter(data)
        return True
    except TypeError:
        return False


def _attributes(schema: StructType) -> list[AttributeReference]:
    return [AttributeReference(f.name, f.dataType, f.nullable) for f in schema.fields]


def _to_df(self: RDD, schema: Any = None, sampleRatio: float | None = None) -> Any:
    """This RDD of rows as a DataFrame (``spark.createDataFrame(rdd, schema)``).

    >>> sc.parallelize([(1, "a")]).toDF(["n", "s"]).collect()
    [Row(n=1, s='a')]
    """
    return SparkSession.active().createDataFrame(self, schema, sampleRatio)


def _attach_to_df() -> None:
    """``RDD.toDF`` exists once the SQL package is in use (as PySpark patches it in)."""
    RDD.toDF = _to_df  # type: ignore[attr-defined]


_attach_to_df()

