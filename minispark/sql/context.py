"""``SQLContext``: the pre-SparkSession entry point, kept for older programs.

>>> from minispark.sql import SQLContext
>>> SQLContext(sc).sql("SELECT 1 AS one").collect()
[Row(one=1)]
"""
from __future__ import annotations

import warnings
from typing import Any

from minispark.sql.session import SparkSession


class SQLContext:
    """A thin front on a SparkSession over the given SparkContext."""

    _instantiated: "SQLContext | None" = None

    def __init__(self, sparkContext: Any, sparkSession: SparkSession | None = None,
                 jsqlContext: Any = None) -> None:
        if jsqlContext is not None:
            raise NotImplementedError("SQLContext(jsqlContext=...) needs a JVM")
        self._sc = sparkContext
        self.sparkSession = sparkSession or SparkSession(sparkContext)
        SQLContext._instantiated = self

    @classmethod
    def getOrCreate(cls, sc: Any) -> "SQLContext":
        warnings.warn("Deprecated in 3.0.0. Use SparkSession.builder.getOrCreate() instead.",
                      FutureWarning, stacklevel=2)
        if cls._instantiated is not None and cls._instantiated._sc is sc:
            return cls._instantiated
        return cls(sc)

    def newSession(self) -> "SQLContext":
        return SQLContext(self._sc, self.sparkSession.newSession())

    def setConf(self, key: str, value: Any) -> None:
        self.sparkSession.conf.set(key, value)

    def getConf(self, key: str, defaultValue: Any = None) -> Any:
        return self.sparkSession.conf.get(key, defaultValue)

    @property
    def udf(self) -> Any:
        return self.sparkSession.udf

    def range(self, start: int, end: int | None = None, step: int = 1,
              numPartitions: int | None = None) -> Any:
        return self.sparkSession.range(start, end, step, numPartitions)

    def createDataFrame(self, data: Any, schema: Any = None, samplingRatio: Any = None,
                        verifySchema: bool = True) -> Any:
        return self.sparkSession.createDataFrame(data, schema, samplingRatio, verifySchema)

    def registerDataFrameAsTable(self, df: Any, tableName: str) -> None:
        df.createOrReplaceTempView(tableName)

    def dropTempTable(self, tableName: str) -> None:
        self.sparkSession.catalog.dropTempView(tableName)

    def sql(self, sqlQuery: str) -> Any:
        return self.sparkSession.sql(sqlQuery)

    def table(self, tableName: str) -> Any:
        return self.sparkSession.table(tableName)

    def tables(self, dbName: str | None = None) -> Any:
        return self.sparkSession.sql("SHOW TABLES" + (f" IN {dbName}" if dbName else ""))

    def tableNames(self, dbName: str | None = None) -> list[str]:
        return [t.name for t in self.sparkSession.catalog.listTables(dbName)]

    def cacheTable(self, tableName: str) -> None:
        self.sparkSession.catalog.cacheTable(tableName)

    def uncacheTable(self, tableName: str) -> None:
        self.sparkSession.catalog.uncacheTable(tableName)

    def clearCache(self) -> None:
        self.sparkSession.catalog.clearCache()

    @property
    def read(self) -> Any:
        return self.sparkSession.read


class HiveContext(SQLContext):
    """Needs Hive, which minispark does not have."""

    def __init__(self, sparkContext: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("HiveContext needs a Hive metastore; use SparkSession "
                                  "(temporary views work without Hive)")
