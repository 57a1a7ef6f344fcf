"""``spark.read`` and ``df.write``: PySpark's DataFrameReader and DataFrameWriter over the file sources.

The reader builds a relation (:mod:`minispark.sql.sources`) and hands it to
the session (``session.baseRelationToDataFrame``); the writer takes the
DataFrame's Arrow batches (``df._batch_rdd()``) and commits them atomically
with :func:`minispark.sql.sources.write_dataset`.

Tables saved with ``saveAsTable`` live under ``spark.sql.warehouse.dir``
(``<warehouse>/<table>``, or ``<warehouse>/<db>.db/<table>``), with their
format and partition columns in a hidden ``_minispark_table.json``;
:func:`load_saved_table` and :func:`saved_table_names` are how the session
and catalog find them.
"""
from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any, Iterator, Optional, Union

from minispark.common.units import parse_bytes
from minispark.errors import AnalysisException, IllegalArgumentException, PySparkTypeError
from minispark.fs.base import join_path
from minispark.fs.registry import get_filesystem
from minispark.sql.sources import (
    FileRelation, ScanSettings, format_name, relation_for, write_dataset, writer_for,
)
from minispark.rdd.rdd import RDD
from minispark.sql.conversion import arrow_to_rows
from minispark.sql.sources.json import JsonParser, JsonRelation, merge_json_types
from minispark.sql.sources.options import Options, option_text
from minispark.sql.sources.textfiles import ParseSettings
from minispark.sql.sources.writing import save_mode
from minispark.sql.types import StructType, _parse_datatype_string

__all__ = ["DataFrameReader", "DataFrameWriter", "drop_saved_table", "load_saved_table",
           "saved_table_names"]

PathOrPaths = Union[str, list[str], tuple[str, ...]]
TABLE_METADATA = "_minispark_table.json"


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
        """The view ``tableName`` (as ``spark.table``), else the table saved under that name."""
        try:
            return self._spark.table(tableName)
        except AnalysisException as err:
            saved = (load_saved_table(self._spark, tableName)
                     if err.getCondition() == "TABLE_OR_VIEW_NOT_FOUND" else None)
            if saved is None:
                raise
            return saved


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

    def bucketBy(self, numBuckets: int, col: Any, *cols: Any) -> "DataFrameWriter":
        """Not supported: bucketed tables."""
        raise NotImplementedError("bucketBy (bucketed tables) is not supported by minispark")

    def sortBy(self, col: Any, *cols: Any) -> "DataFrameWriter":
        """Not supported: sorted bucketed tables."""
        raise NotImplementedError("sortBy (sorted bucketed tables) is not supported by minispark")

    def clusterBy(self, *cols: Any) -> "DataFrameWriter":
        """Not supported: clustered tables."""
        raise NotImplementedError("clusterBy (clustered tables) is not supported by minispark")

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
        """Save as a table in ``spark.sql.warehouse.dir``, readable with ``spark.table(name)``."""
        self.mode(mode).options(**options)
        if format is not None:
            self.format(format)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        location = table_location(self._spark, name)
        existing = _table_metadata(location)
        resolved = save_mode(self._mode)
        if existing is not None and resolved == "error":
            raise AnalysisException(
                "TABLE_OR_VIEW_ALREADY_EXISTS",
                f"Cannot create table or view {_quoted(name)} because it already exists.",
                {"relationName": _quoted(name)}, "42P07")
        if existing is not None and resolved == "ignore":
            return
        source = self._format or (existing or {}).get("format") or _conf(
            self._spark, "spark.sql.sources.default", "parquet")
        if existing is not None and resolved == "append":
            self._check_append(name, existing, source)
        settings = {k: v for k, v in self._options.items() if k.lower() != "path"}
        self._write(source, location, "overwrite" if existing is None else resolved, settings)
        _write_table_metadata(location, format_name(source), self._partition_by, self._df.schema)

    def _check_append(self, name: str, existing: dict[str, Any], source: str) -> None:
        if format_name(source) != existing["format"]:
            raise AnalysisException(
                "TABLE_FORMAT_MISMATCH", f"The format of the existing table {_quoted(name)} is "
                f"`{existing['format']}`, not `{format_name(source)}`.")
        if self._partition_by and self._partition_by != existing["partitionBy"]:
            raise AnalysisException(
                "TABLE_PARTITION_MISMATCH", f"Table {_quoted(name)} is partitioned by "
                f"{existing['partitionBy']}, not {self._partition_by}.")
        self._partition_by = list(existing["partitionBy"])

    def insertInto(self, tableName: str, overwrite: Optional[bool] = None) -> None:
        """Add the rows to an existing saved table, matching its columns by position."""
        location = table_location(self._spark, tableName)
        existing = _table_metadata(location)
        if existing is None:
            raise AnalysisException(
                "TABLE_OR_VIEW_NOT_FOUND",
                f"The table or view {_quoted(tableName)} cannot be found.", {}, "42P01")
        schema = StructType.fromJson(existing["schema"])
        if len(schema) != len(self._df.schema):
            raise AnalysisException(
                "INSERT_COLUMN_ARITY_MISMATCH.TOO_MANY_DATA_COLUMNS"
                if len(self._df.schema) > len(schema) else
                "INSERT_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS",
                f"Cannot write to {_quoted(tableName)}: the table has {len(schema)} columns, the "
                f"data has {len(self._df.schema)}.")
        renamed = self._df.toDF(*schema.names)
        writer = DataFrameWriter(renamed)
        writer._partition_by = list(existing["partitionBy"])
        mode = "overwrite" if overwrite else (self._mode or "append")
        writer._write(existing["format"], location, mode, {})
        _write_table_metadata(location, existing["format"], writer._partition_by, schema)


# -- saved tables -----------------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    parts = [p.strip("`") for p in name.split(".")]
    if len(parts) == 1:
        return "default", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise AnalysisException("REQUIRES_SINGLE_PART_NAMESPACE",
                            f"Table name {name!r} has too many parts (use db.table).")


def _quoted(name: str) -> str:
    database, table = _split_name(name)
    return f"`spark_catalog`.`{database}`.`{table}`"


def warehouse_dir(session: Any) -> str:
    """``spark.sql.warehouse.dir`` (default ``spark-warehouse`` in the working directory)."""
    path = _conf(session, "spark.sql.warehouse.dir", "spark-warehouse")
    return get_filesystem(path).qualify(path)


def table_location(session: Any, name: str) -> str:
    """Where a saved table's files live, as Spark lays out its warehouse.

    >>> class Conf:
    ...     def get(self, key, default=None): return "/wh" if key.endswith("warehouse.dir") else default
    >>> class Session: conf = Conf()
    >>> table_location(Session(), "t"), table_location(Session(), "sales.t")
    ('file:/wh/t', 'file:/wh/sales.db/t')
    """
    database, table = _split_name(name)
    root = warehouse_dir(session)
    base = root if database == "default" else join_path(root, f"{database}.db")
    return join_path(base, table.lower())


def _table_metadata(location: str) -> Optional[dict[str, Any]]:
    fs = get_filesystem(location)
    marker = join_path(location, TABLE_METADATA)
    if not fs.exists(marker):
        return None
    with fs.open(marker) as f:
        return json.loads(f.read().decode("utf-8"))


def _write_table_metadata(location: str, source: str, partition_by: list[str],
                          schema: StructType) -> None:
    fs = get_filesystem(location)
    data = {"format": source, "partitionBy": list(partition_by), "schema": schema.jsonValue()}
    with fs.create(join_path(location, TABLE_METADATA), overwrite=True) as f:
        f.write(json.dumps(data).encode("utf-8"))


def load_saved_table(session: Any, name: str) -> Optional[Any]:
    """A DataFrame over a table saved with ``saveAsTable``, or None if there is none."""
    location = table_location(session, name)
    metadata = _table_metadata(location)
    if metadata is None:
        return None
    schema = StructType.fromJson(metadata["schema"])
    relation: FileRelation = relation_for(metadata["format"], [location], {}, schema,
                                          scan_settings(session))
    return session.baseRelationToDataFrame(relation)


def saved_table_names(session: Any, database: str = "default") -> list[str]:
    """The names of the tables saved in one database of the warehouse."""
    root = warehouse_dir(session)
    base = root if database == "default" else join_path(root, f"{database}.db")
    fs = get_filesystem(base)
    if not fs.exists(base):
        return []
    return sorted(s.path.rstrip("/").rsplit("/", 1)[-1] for s in fs.list_status(base)
                  if s.is_dir and fs.exists(join_path(s.path, TABLE_METADATA)))


def drop_saved_table(session: Any, name: str) -> bool:
    """Delete a saved table's files (``DROP TABLE``); False if there was no such table."""
    location = table_location(session, name)
    if _table_metadata(location) is None:
        return False
    get_filesystem(location).delete(location, recursive=True)
    return True
