"""``spark.read`` and ``df.write``: PySpark's DataFrameReader and DataFrameWriter over the file sources.

The reader builds a relation (:mod:`minispark.sql.sources`) and hands it to
the session (``session.baseRelationToDataFrame``); the writer takes the
DataFrame's Arrow batches (``df._batch_rdd()``) and commits them atomically
with :func:`minispark.sql.sources.write_dataset`.

Tables saved with ``saveAsTable`` live under ``spark.sql.warehouse.dir``
(``<warehouse>/<table>``, or ``<warehouse>/<db>.db/<table>``) and are
registered in the warehouse's catalog (:mod:`minispark.sql.warehouse`).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Iterator, Optional, Union

from minispark.common.units import parse_bytes
from minispark.errors import AnalysisException, IllegalArgumentException, PySparkTypeError
from minispark.fs.registry import get_filesystem
from minispark.sql.sources import (
    ScanSettings, format_name, relation_for, write_dataset, writer_for,
)
from minispark.rdd.rdd import RDD
from minispark.sql.conversion import arrow_to_rows
from minispark.sql.sources.json import JsonParser, JsonRelation, merge_json_types
from minispark.sql.sources.options import Options, option_text
from minispark.sql.sources.textfiles import ParseSettings
from minispark.sql.sources.writing import save_mode
from minispark.sql.types import StructType, _parse_datatype_string

__all__ = ["DataFrameReader", "DataFrameWriter", "DataFrameWriterV2"]

PathOrPaths = Union[str, list[str], tuple[str, ...]]


def _conf(session: Any, key: str, default: str) -> str:
    value = session.conf.get(key, None)
    return default if value is None else str(value)


def session_time_zone(session: Any) -> str:
    """``spark.sql.session.timeZone`` (the session's configuration defaults it to the machine's)."""
    return _conf(session, "spark.sql.session.timeZone", "UTC")


def scan_settings(session: Any) -> ScanSettings:
    """The ``spark.sql.files.*`` settings of a session, for splitting files."""
    parallelism = session.sparkContext.defaultParallelism
    return ScanSettings(
        max_partition_bytes=parse_bytes(_conf(session, "spark.sql.files.maxPartitionBytes", "128m")),
        open_cost_in_bytes=parse_bytes(_conf(session, "spark.sql.files.openCostInBytes", "4m")),
        min_partitions=int(_conf(session, "spark.sql.files.minPartitionNum", str(parallelism))),
        infer_partition_types=_conf(
            session, "spark.sql.sources.partitionColumnTypeInference.enabled", "true").lower() == "true",
        time_zone=session_time_zone(session))


def _paths(path: Optional[PathOrPaths]) -> list[str]:
    if path is None:
        return []
    if isinstance(path, str):
        return [path]
    if isinstance(path, (list, tuple)) and all(isinstance(p, str) for p in path):
        return list(path)
    raise PySparkTypeError("NOT_STR_OR_LIST_OF_STR", "Argument `path` should be a str or "
                           f"list[str], got {type(path).__name__}.")


class _OptionSetter:
    """``option`` / ``options``, shared by the reader and the writer."""

    _options: dict[str, str]

    def option(self, key: str, value: Any) -> Any:
        """Set one option; values are kept as text (``True`` is ``"true"``), ``None`` is skipped."""
        text = option_text(value)
        if text is not None:
            self._options[key] = text
        return self

    def options(self, **options: Any) -> Any:
        """Set several options."""
        for key, value in options.items():
            self.option(key, value)
        return self


class DataFrameReader(_OptionSetter):
    """Loads DataFrames from files: ``spark.read.format("csv").option("header", True).load(path)``.

    Options are kept as text, as Spark keeps them; each source refuses
    options it does not understand (``NotImplementedError``) rather than
    ignoring them.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     spark.createDataFrame([(1, "a"), (2, None)], "n INT, s STRING").write.mode(
    ...         "overwrite").option("header", True).csv(d)
    ...     df = spark.read.options(header=True, inferSchema=True).format("csv").load(d)
    ...     print(df.schema.simpleString(), sorted(df.collect()))
    struct<n:int,s:string> [Row(n=1, s='a'), Row(n=2, s=None)]
    """

    def __init__(self, spark: Any) -> None:
        self._spark = spark
        self._format: Optional[str] = None
        self._schema: Optional[StructType] = None
        self._options: dict[str, str] = {}

    def format(self, source: str) -> "DataFrameReader":
        """The data source: ``parquet``, ``csv``, ``json``, ``text`` or ``orc``."""
        self._format = format_name(source)
        return self

    def schema(self, schema: Union[StructType, str]) -> "DataFrameReader":
        """The schema to read with, as a ``StructType`` or a DDL string (``"a INT, b STRING"``)."""
        if isinstance(schema, str):
            schema = _parse_datatype_string(schema)
        if not isinstance(schema, StructType):
            raise PySparkTypeError("NOT_STR_OR_STRUCT", "Argument `schema` should be a str or "
                                   f"StructType (of fields), got {schema!r}.")
        self._schema = schema
        return self

    def load(self, path: Optional[PathOrPaths] = None, format: Optional[str] = None,
             schema: Union[StructType, str, None] = None, **options: Any) -> Any:
        """Read ``path`` (a file, directory, glob, or a list of them) into a DataFrame."""
        if format is not None:
            self.format(format)
        if schema is not None:
            self.schema(schema)
        self.options(**options)
        paths = _paths(path)
        settings = dict(self._options)
        if not paths and "path" in {k.lower() for k in settings}:
            paths = [v for k, v in settings.items() if k.lower() == "path"]
        settings = {k: v for k, v in settings.items() if k.lower() != "path"}
        if not paths:
            raise IllegalArgumentException(None, "'path' is not specified")
        source = self._format or _conf(self._spark, "spark.sql.sources.default", "parquet")
        relation = relation_for(source, paths, settings, self._schema, scan_settings(self._spark))
        return self._spark.baseRelationToDataFrame(relation)

    def _read(self, source: str, path: Any, schema: Any, **options: Any) -> Any:
        if source == "json" and (isinstance(path, RDD) or hasattr(path, "_batch_rdd")):
            if schema is not None:
                self.schema(schema)
            self.options(**options)
            return self._json_strings(path.rdd.map(_first) if hasattr(path, "_batch_rdd") else path)
        if not isinstance(path, (str, list, tuple)):
            raise NotImplementedError(
                f"Reading {source} from a {type(path).__name__} is not supported; give file paths")
        return self.load(path, source, schema, **options)

    def _json_strings(self, strings: RDD) -> Any:
        """JSON records held in an RDD of strings (or a DataFrame's first column), one per item."""
        options = Options(self._options, "json", JsonRelation.OPTIONS)
        parsing = ParseSettings.from_options(options, session_time_zone(self._spark))
        parser = JsonParser(dataclasses.replace(parsing, multi_line=True),
                            options.get_bool("primitivesAsString", False))
        schema = self._schema
        if schema is None:
            partial = strings.mapPartitions(functools.partial(_infer_json_strings, parser)).collect()
            merged: Any = StructType([])
            for block_type, _ in partial:
                merged = merge_json_types(merged, block_type)
            schema = parser.schema_of(merged, any(corrupt for _, corrupt in partial))
        rows = strings.mapPartitions(functools.partial(_parse_json_strings, parser, schema))
        return self._spark.createDataFrame(rows, schema, verifySchema=False)

    def parquet(self, *paths: str, **options: Any) -> Any:
        """Parquet files (option ``mergeSchema``)."""
        return self.load(list(paths), "parquet", None, **options)

    def orc(self, path: PathOrPaths, mergeSchema: Optional[bool] = None,
            pathGlobFilter: Optional[str] = None, recursiveFileLookup: Optional[bool] = None,
            modifiedBefore: Optional[str] = None, modifiedAfter: Optional[str] = None) -> Any:
        """ORC files."""
        return self._read("orc", path, None, mergeSchema=mergeSchema,
                          pathGlobFilter=pathGlobFilter, recursiveFileLookup=recursiveFileLookup,
                          modifiedBefore=modifiedBefore, modifiedAfter=modifiedAfter)

    def text(self, paths: PathOrPaths, wholetext: bool = False, lineSep: Optional[str] = None,
             pathGlobFilter: Optional[str] = None, recursiveFileLookup: Optional[bool] = None,
             modifiedBefore: Optional[str] = None, modifiedAfter: Optional[str] = None) -> Any:
        """Text files: one row per line in a ``value`` column (``wholetext``: one per file)."""
        return self._read("text", paths, None, wholetext=wholetext or None, lineSep=lineSep,
                          pathGlobFilter=pathGlobFilter, recursiveFileLookup=recursiveFileLookup,
                          modifiedBefore=modifiedBefore, modifiedAfter=modifiedAfter)

    def csv(self, path: PathOrPaths, schema: Union[StructType, str, None] = None,
            sep: Optional[str] = None, encoding: Optional[str] = None, quote: Optional[str] = None,
            escape: Optional[str] = None, comment: Optional[str] = None, header: Any = None,
            inferSchema: Any = None, ignoreLeadingWhiteSpace: Any = None,
            ignoreTrailingWhiteSpace: Any = None, nullValue: Optional[str] = None,
            nanValue: Optional[str] = None, positiveInf: Optional[str] = None,
            negativeInf: Optional[str] = None, dateFormat: Optional[str] = None,
            timestampFormat: Optional[str] = None, maxColumns: Any = None,
            maxCharsPerColumn: Any = None, maxMalformedLogPerPartition: Any = None,
            mode: Optional[str] = None, columnNameOfCorruptRecord: Optional[str] = None,
            multiLine: Any = None, charToEscapeQuoteEscaping: Optional[str] = None,
            samplingRatio: Any = None, enforceSchema: Any = None, emptyValue: Optional[str] = None,
            locale: Optional[str] = None, lineSep: Optional[str] = None,
            pathGlobFilter: Optional[str] = None, recursiveFileLookup: Any = None,
            modifiedBefore: Optional[str] = None, modifiedAfter: Optional[str] = None,
            unescapedQuoteHandling: Optional[str] = None) -> Any:
        """CSV files, with PySpark's keyword options (see :class:`~minispark.sql.sources.csv.CsvRelation`)."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "schema")}
        return self._read("csv", path, schema, **options)

    def json(self, path: PathOrPaths, schema: Union[StructType, str, None] = None,
             primitivesAsString: Any = None, prefersDecimal: Any = None, allowComments: Any = None,
             allowUnquotedFieldNames: Any = None, allowSingleQuotes: Any = None,
             allowNumericLeadingZero: Any = None, allowBackslashEscapingAnyCharacter: Any = None,
             mode: Optional[str] = None, columnNameOfCorruptRecord: Optional[str] = None,
             dateFormat: Optional[str] = None, timestampFormat: Optional[str] = None,
             multiLine: Any = None, allowUnquotedControlChars: Any = None,
             lineSep: Optional[str] = None, samplingRatio: Any = None,
             dropFieldIfAllNull: Any = None, encoding: Optional[str] = None,
             locale: Optional[str] = None, pathGlobFilter: Optional[str] = None,
             recursiveFileLookup: Any = None, modifiedBefore: Optional[str] = None,
             modifiedAfter: Optional[str] = None, allowNonNumericNumbers: Any = None,
             useUnsafeRow: Any = None) -> Any:
        """JSON lines (or ``multiLine`` JSON), with PySpark's keyword options."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "schema")}
        return self._read("json", path, schema, **options)

    def table(self, tableName: str) -> Any:
        """The table or view ``tableName`` (as ``spark.table``)."""
        return self._spark.table(tableName)


def _column_names(arg_name: str, col: Any, cols: tuple) -> list[str]:
    """Column names given as ``(name, *names)`` or as one list."""
    if isinstance(col, (list, tuple)):
        if cols:
            raise PySparkTypeError("CANNOT_SET_TOGETHER", f"`{arg_name}` as a list cannot be "
                                   "given with more columns.")
        names = list(col)
    else:
        names = [col, *cols]
    if not all(isinstance(n, str) for n in names):
        raise PySparkTypeError("NOT_LIST_OF_STR", f"Argument `{arg_name}` should be a list[str].")
    return names


def _first(row: Any) -> Any:
    return row[0]


def _infer_json_strings(parser: JsonParser, strings: Iterator[str]) -> Iterator[tuple[Any, bool]]:
    merged: Any = StructType([])
    corrupt = False
    for text in strings:
        if text is not None:
            found, bad = parser.infer(text.encode("utf-8"), "")
            merged, corrupt = merge_json_types(merged, found), corrupt or bad
    yield merged, corrupt


def _parse_json_strings(parser: JsonParser, schema: StructType,
                        strings: Iterator[str]) -> Iterator[Any]:
    for text in strings:
        if text is not None:
            yield from arrow_to_rows(parser.parse(text.encode("utf-8"), schema, schema.names, ""),
                                     schema)


class DataFrameWriter(_OptionSetter):
    """Saves a DataFrame: ``df.write.mode("overwrite").partitionBy("day").parquet(path)``.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     df = spark.createDataFrame([(1, "x"), (2, "y"), (3, "x")], ["n", "k"])
    ...     df.write.partitionBy("k").mode("overwrite").parquet(d)
    ...     print(sorted(n for n in os.listdir(d) if not n.startswith("_")))
    ...     print(spark.read.parquet(d).sort("n").collect())
    ['k=x', 'k=y']
    [Row(n=1, k='x'), Row(n=2, k='y'), Row(n=3, k='x')]
    """

    def __init__(self, df: Any) -> None:
        self._df = df
        self._spark = df.sparkSession
        self._format: Optional[str] = None
        self._mode: Optional[str] = None
        self._options: dict[str, str] = {}
        self._partition_by: list[str] = []
        self._bucket_by: list[str] = []
        self._num_buckets: Optional[int] = None
        self._sort_by: list[str] = []
        self._cluster_by: list[str] = []

    def mode(self, saveMode: Optional[str]) -> "DataFrameWriter":
        """``error``/``errorifexists`` (default), ``append``, ``overwrite`` or ``ignore``."""
        if saveMode is not None:
            save_mode(saveMode)
            self._mode = saveMode
        return self

    def format(self, source: str) -> "DataFrameWriter":
        """The data source to write."""
        self._format = format_name(source)
        return self

    def partitionBy(self, *cols: Union[str, list[str]]) -> "DataFrameWriter":
        """Write one ``col=value`` directory per distinct value of these columns."""
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = tuple(cols[0])
        self._partition_by = [str(c) for c in cols]
        return self

    def bucketBy(self, numBuckets: int, col: Union[str, list[str], tuple[str, ...]],
                 *cols: Optional[str]) -> "DataFrameWriter":
        """Bucket a saved table by these columns (``saveAsTable`` only).

        The bucket spec is recorded in the catalog (``listColumns`` shows it);
        minispark does not lay the files out by bucket, which only changes how
        Spark plans joins, not what a query returns.
        """
        if not isinstance(numBuckets, int) or isinstance(numBuckets, bool):
            raise PySparkTypeError("NOT_INT", "Argument `numBuckets` should be an int, got "
                                   f"{type(numBuckets).__name__}.")
        self._bucket_by = _column_names("col", col, cols)
        self._num_buckets = numBuckets
        return self

    def sortBy(self, col: Union[str, list[str], tuple[str, ...]],
               *cols: Optional[str]) -> "DataFrameWriter":
        """Sort each bucket of a bucketed table by these columns (recorded, see ``bucketBy``)."""
        self._sort_by = _column_names("col", col, cols)
        return self

    def clusterBy(self, *cols: Union[str, list[str]]) -> "DataFrameWriter":
        """Cluster the data by these columns: a layout hint that changes no query result."""
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = tuple(cols[0])
        self._cluster_by = _column_names("cols", cols[0] if cols else "", cols[1:])
        return self

    def _refuse_buckets(self, operation: str) -> None:
        if self._bucket_by or self._sort_by:
            what = "bucketBy" if self._bucket_by else "sortBy"
            raise AnalysisException("_LEGACY_ERROR_TEMP_1314",
                                    f"'{operation}' does not support {what} right now.",
                                    {"operation": operation}, None)

    def save(self, path: Optional[str] = None, format: Optional[str] = None,
             mode: Optional[str] = None, partitionBy: Union[str, list[str], None] = None,
             **options: Any) -> None:
        """Write the DataFrame to ``path`` with the chosen source, mode and options."""
        self.mode(mode).options(**options)
        if format is not None:
            self.format(format)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        settings = dict(self._options)
        path = path or next((v for k, v in settings.items() if k.lower() == "path"), None)
        settings = {k: v for k, v in settings.items() if k.lower() != "path"}
        if not path:
            raise IllegalArgumentException(None, "'path' is not specified")
        self._refuse_buckets("save")
        source = self._format or _conf(self._spark, "spark.sql.sources.default", "parquet")
        self._write(source, path, self._mode, settings)

    def _write(self, source: str, path: str, mode: Optional[str], settings: dict[str, str]) -> None:
        source = format_name(source)
        if source in ("csv", "json") and "timezone" not in {k.lower() for k in settings}:
            settings["timeZone"] = session_time_zone(self._spark)
        writer = writer_for(source, settings)
        write_dataset(self._df._batch_rdd(), self._df.schema, path, writer, mode,
                      self._partition_by)

    def _save_as(self, source: str, path: str, mode: Optional[str],
                 partitionBy: Union[str, list[str], None] = None, **options: Any) -> None:
        self.save(path, source, mode, partitionBy, **options)

    def parquet(self, path: str, mode: Optional[str] = None,
                partitionBy: Union[str, list[str], None] = None,
                compression: Optional[str] = None) -> None:
        """Write Parquet (``compression``: snappy, gzip, zstd, lz4, brotli, none)."""
        self._save_as("parquet", path, mode, partitionBy, compression=compression)

    def orc(self, path: str, mode: Optional[str] = None,
            partitionBy: Union[str, list[str], None] = None,
            compression: Optional[str] = None) -> None:
        """Write ORC (``compression``: snappy, zlib, lz4, zstd, none)."""
        self._save_as("orc", path, mode, partitionBy, compression=compression)

    def text(self, path: str, compression: Optional[str] = None,
             lineSep: Optional[str] = None) -> None:
        """Write a single string column as lines."""
        self._save_as("text", path, None, None, compression=compression, lineSep=lineSep)

    def csv(self, path: str, mode: Optional[str] = None, compression: Optional[str] = None,
            sep: Optional[str] = None, quote: Optional[str] = None, escape: Optional[str] = None,
            header: Any = None, nullValue: Optional[str] = None, escapeQuotes: Any = None,
            quoteAll: Any = None, dateFormat: Optional[str] = None,
            timestampFormat: Optional[str] = None, ignoreLeadingWhiteSpace: Any = None,
            ignoreTrailingWhiteSpace: Any = None, charToEscapeQuoteEscaping: Optional[str] = None,
            encoding: Optional[str] = None, emptyValue: Optional[str] = None,
            lineSep: Optional[str] = None) -> None:
        """Write CSV with PySpark's keyword options."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "mode")}
        self._save_as("csv", path, mode, None, **options)

    def json(self, path: str, mode: Optional[str] = None, compression: Optional[str] = None,
             dateFormat: Optional[str] = None, timestampFormat: Optional[str] = None,
             lineSep: Optional[str] = None, encoding: Optional[str] = None,
             ignoreNullFields: Any = None) -> None:
        """Write JSON lines."""
        options = {k: v for k, v in locals().items() if k not in ("self", "path", "mode")}
        self._save_as("json", path, mode, None, **options)

    def saveAsTable(self, name: str, format: Optional[str] = None, mode: Optional[str] = None,
                    partitionBy: Union[str, list[str], None] = None, **options: Any) -> None:
        """Save as a table of the warehouse (``spark.sql.warehouse.dir``), readable with
        ``spark.table(name)``; ``mode`` decides what happens when it exists."""
        from minispark.sql import tables

        self.mode(mode).options(**options)
        if format is not None:
            self.format(format)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        database, table = tables.resolve_name(self._spark, name)
        existing = tables.find_table(self._spark, [database, table])
        resolved = save_mode(self._mode)
        if existing is not None and resolved in ("error", "ignore"):
            if resolved == "ignore":
                return
            from minispark.sql.warehouse import table_already_exists

            raise table_already_exists(database, table)
        if existing is not None and resolved == "append":
            self._check_append(existing)
            tables.insert(self._spark, existing, tables.conform(
                self._df.select(*existing.schema.names), existing))
            return
        self._create_table(database, table, existing)

    def _create_table(self, database: str, table: str, existing: Any) -> None:
        from minispark.sql import tables
        from minispark.sql.warehouse import TableMeta

        settings = {k: v for k, v in self._options.items() if k.lower() != "path"}
        location = next((v for k, v in self._options.items() if k.lower() == "path"), None)
        if location:
            location = get_filesystem(location).qualify(location)
        source = format_name(self._format or _conf(self._spark, "spark.sql.sources.default",
                                                   "parquet"))
        meta = TableMeta(table, database, "EXTERNAL" if location else "MANAGED",
                         tables.table_schema(self._df.schema, self._partition_by), source,
                         location, list(self._partition_by), list(self._bucket_by),
                         self._num_buckets, list(self._sort_by), list(self._cluster_by),
                         settings)
        tables.create_table(self._spark, meta, tables.conform(self._df.select(
            *meta.schema.names), meta), replace=existing is not None)

    def _check_append(self, existing: Any) -> None:
        if existing.is_view:
            raise AnalysisException("EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE",
                                    f"{existing.qualified()} is a view: it cannot be written.",
                                    {}, "42809")
        if self._format and format_name(self._format) != existing.provider:
            raise AnalysisException(
                "TABLE_FORMAT_MISMATCH", f"The format of the existing table "
                f"{existing.qualified()} is `{existing.provider}`, not "
                f"`{format_name(self._format)}`.")
        if self._partition_by and [p.lower() for p in self._partition_by] != [
                p.lower() for p in existing.partition_by]:
            raise AnalysisException(
                "TABLE_PARTITION_MISMATCH", f"Table {existing.qualified()} is partitioned by "
                f"{existing.partition_by}, not {self._partition_by}.")

    def insertInto(self, tableName: str, overwrite: Optional[bool] = None) -> None:
        """Add the rows to an existing table, matching its columns by position."""
        from minispark.sql import tables

        meta = tables.require_table(self._spark, tableName)
        replace = overwrite if overwrite is not None else save_mode(self._mode) == "overwrite"
        rows = tables.conform(self._df, meta)
        if replace:
            tables.insert_overwrite(self._spark, meta, rows)
        else:
            tables.insert(self._spark, meta, rows)


class DataFrameWriterV2(_OptionSetter):
    """``df.writeTo(table)``: create, replace or append to a table of the warehouse.

    >>> import tempfile
    >>> from minispark.sql import SparkSession
    >>> with tempfile.TemporaryDirectory() as d:
    ...     s = SparkSession(spark.sparkContext, {"spark.sql.warehouse.dir": d})
    ...     df = s.createDataFrame([(1, "a"), (2, "b")], ["n", "s"])
    ...     df.writeTo("t").partitionedBy("s").create()
    ...     df.filter("n = 2").writeTo("t").append()
    ...     df.filter("n = 1").withColumn("n", df.n * 10).writeTo("t").overwritePartitions()
    ...     print(sorted(s.table("t").collect()))
    [Row(n=2, s='b'), Row(n=2, s='b'), Row(n=10, s='a')]
    """

    def __init__(self, df: Any, table: str) -> None:
        self._df = df
        self._spark = df.sparkSession
        self._table = table
        self._provider: Optional[str] = None
        self._options: dict[str, str] = {}
        self._properties: dict[str, str] = {}
        self._partition_by: list[str] = []
        self._cluster_by: list[str] = []

    def using(self, provider: str) -> "DataFrameWriterV2":
        """The data source of a table this writer creates."""
        self._provider = format_name(provider)
        return self

    def tableProperty(self, property: str, value: str) -> "DataFrameWriterV2":
        """A property of a table this writer creates."""
        self._properties[property] = str(value)
        return self

    def partitionedBy(self, col: Any, *cols: Any) -> "DataFrameWriterV2":
        """Partition a table this writer creates by these columns (names or column refs)."""
        from minispark.sql.column import Column
        from minispark.sql.plan import expressions as E

        names = []
        for item in (col, *cols):
            expr = item._expr if isinstance(item, Column) else None
            if isinstance(item, str):
                names.append(item)
            elif isinstance(expr, (E.UnresolvedAttribute, E.AttributeReference)):
                names.append(expr.name)
            else:
                raise NotImplementedError("partitionedBy supports columns, not transforms "
                                          f"such as {item!r}")
        self._partition_by = names
        return self

    def clusterBy(self, col: str, *cols: str) -> "DataFrameWriterV2":
        """Cluster a table this writer creates by these columns (a layout hint)."""
        self._cluster_by = _column_names("col", col, cols)
        return self

    def _writer(self) -> DataFrameWriter:
        writer = DataFrameWriter(self._df)
        writer._format = self._provider
        writer._options = dict(self._options)
        writer._partition_by = list(self._partition_by)
        writer._cluster_by = list(self._cluster_by)
        return writer

    def _existing(self) -> Any:
        from minispark.sql import tables

        return tables.find_table(self._spark, self._table)

    def _create(self, replace: bool) -> None:
        from minispark.sql import tables

        database, table = tables.resolve_name(self._spark, self._table)
        existing = self._existing()
        self._writer()._create_table(database, table, existing if replace else None)
        if self._properties:
            meta = tables.require_table(self._spark, [database, table])
            meta.properties.update(self._properties)
            from minispark.sql.warehouse import Warehouse

            Warehouse(self._spark).save_table(meta)

    def create(self) -> None:
        """Create the table from the DataFrame; TABLE_OR_VIEW_ALREADY_EXISTS if it exists."""
        if self._existing() is not None:
            from minispark.sql import tables
            from minispark.sql.warehouse import table_already_exists

            raise table_already_exists(*tables.resolve_name(self._spark, self._table))
        self._create(replace=False)

    def replace(self) -> None:
        """Replace the table's contents and schema; the table must exist."""
        if self._existing() is None:
            from minispark.sql.warehouse import split_identifier

            raise AnalysisException(
                "TABLE_OR_VIEW_NOT_FOUND", f"Cannot replace the table {self._table}: it does not "
                "exist.", {"relationName": ".".join(f"`{p}`" for p in
                                                     split_identifier(self._table))}, "42P01")
        self._create(replace=True)

    def createOrReplace(self) -> None:
        """Create the table, or replace it if it exists."""
        self._create(replace=True)

    def append(self) -> None:
        """Add the rows to the existing table (columns matched by name)."""
        from minispark.sql import tables

        meta = tables.require_table(self._spark, self._table)
        tables.insert(self._spark, meta, tables.conform(self._df, meta, self._df.columns))

    def overwrite(self, condition: Any) -> None:
        """Replace the rows matching ``condition`` by the DataFrame's rows."""
        from minispark.sql.functions import coalesce, expr, lit

        keep = coalesce(expr(condition) if isinstance(condition, str) else condition, lit(False))
        self._replace_rows(lambda old: old.filter(~keep))

    def overwritePartitions(self) -> None:
        """Replace every partition the DataFrame has rows for (all rows if unpartitioned)."""
        from minispark.sql import tables

        meta = tables.require_table(self._spark, self._table)
        rows = tables.conform(self._df, meta, self._df.columns)
        if not meta.partition_by:
            tables.insert(self._spark, meta, rows, overwrite=True)
            return
        tables.overwrite_partitions(self._spark, meta, rows)

    def _replace_rows(self, kept: Any) -> None:
        from minispark.sql import tables

        meta = tables.require_table(self._spark, self._table)
        tables.replace_rows(self._spark, meta, tables.conform(self._df, meta, self._df.columns),
                            kept)
