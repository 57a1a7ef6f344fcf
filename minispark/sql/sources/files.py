"""What every file source shares: listing, hive partitions, splits, and the read loop.

Listing follows Spark's ``InMemoryFileIndex``: directories are walked
recursively, names starting with ``.`` (or ``_`` without ``=``) are hidden,
and directories named ``key=value`` between an input directory and its
files become partition columns (``__HIVE_DEFAULT_PARTITION__`` is null),
their types inferred from the values.

Splitting follows Spark's ``FilePartition``: files are cut into pieces of at
most ``min(maxPartitionBytes, max(openCostInBytes, totalBytes / minPartitions))``
bytes (capped at the block size on HDFS, so a task reads one block), and
pieces are packed into partitions, largest first.  A partition's preferred
hosts are those holding most of its bytes.
"""
from __future__ import annotations

import datetime
import decimal
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from minispark.errors import AnalysisException
from minispark.fs import globbing
from minispark.fs.base import FileStatus, FileSystem, base_name
from minispark.fs.input import split_hosts
from minispark.fs.registry import get_filesystem, uri_scheme
from minispark.sql.sources.options import Options
from minispark.sql.sources import inputfile
from minispark.sql.types import (
    BooleanType, DataType, DateType, DecimalType, DoubleType, FloatType, IntegerType, IntegralType,
    LongType, NullType, StringType, StructField, StructType, TimestampType, to_arrow_schema,
    to_arrow_type,
)

HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
#: Options every file source understands.
COMMON_OPTIONS = frozenset({"path", "basePath", "recursiveFileLookup", "pathGlobFilter"})


@dataclass(frozen=True)
class ScanSettings:
    """Session settings that shape file splits (Spark's ``spark.sql.files.*``)."""

    max_partition_bytes: int = 128 << 20
    open_cost_in_bytes: int = 4 << 20
    min_partitions: int = 2
    infer_partition_types: bool = True
    #: ``spark.sql.session.timeZone``: how text sources read wall-clock timestamps.
    time_zone: str = "UTC"


@dataclass(frozen=True)
class InputFile:
    """One listed file and the raw (unescaped) values of its partition directories."""

    path: str
    length: int
    block_size: int
    partition_values: tuple[Optional[str], ...]


@dataclass(frozen=True)
class FilePiece:
    """A byte range of one file, with the typed values of its partition columns."""

    path: str
    start: int
    length: int
    file_length: int
    partition_values: tuple


@dataclass(frozen=True)
class FilePartition:
    """The pieces one task reads, and the hosts that store most of their bytes."""

    index: int
    pieces: tuple[FilePiece, ...]
    hosts: tuple[str, ...] = ()


# -- listing ---------------------------------------------------------------------


def _is_hidden(name: str) -> bool:
    return (name.startswith(".") or (name.startswith("_") and "=" not in name)
            or name.endswith("._COPYING_"))


def _path_not_found(fs: FileSystem, path: str) -> AnalysisException:
    return AnalysisException("PATH_NOT_FOUND", f"Path does not exist: {fs.qualify(path)}.",
                             {"path": fs.qualify(path)}, "42K03")


def _expand(path: str) -> list[FileStatus]:
    """The statuses one user path names (a glob may name several)."""
    fs = get_filesystem(path)
    if globbing.has_magic(path):
        matches = [s for s in fs.glob(path) if not _is_hidden(base_name(s.path))]
        if not matches:
            raise _path_not_found(fs, path)
        return matches
    try:
        return [fs.status(path)]
    except FileNotFoundError:
        raise _path_not_found(fs, path) from None


def _walk(fs: FileSystem, root: FileStatus) -> Iterator[tuple[FileStatus, list[str]]]:
    """Every visible file under ``root`` with the directory names leading to it."""
    stack: list[tuple[FileStatus, list[str]]] = [(root, [])]
    while stack:
        directory, names = stack.pop()
        children = fs.list_status(directory.path)
        for child in reversed(children):
            name = base_name(child.path)
            if _is_hidden(name):
                continue
            if child.is_dir:
                stack.append((child, names + [name]))
        for child in children:
            if not child.is_dir and not _is_hidden(base_name(child.path)):
                yield child, names


def _partition_spec(dir_names: list[str]) -> list[tuple[str, Optional[str]]]:
    """``key=value`` directories nearest the file, outermost first, values unescaped."""
    spec: list[tuple[str, Optional[str]]] = []
    for name in reversed(dir_names):
        key, eq, value = name.partition("=")
        if not eq or not key:
            break
        raw = urllib.parse.unquote(value)
        spec.append((urllib.parse.unquote(key), None if raw == HIVE_DEFAULT_PARTITION else raw))
    return spec[::-1]


def list_files(paths: Sequence[str], options: Options) -> tuple[list[InputFile], list[str]]:
    """The input files of ``paths`` and the names of their partition columns.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory()
    >>> for d in ("x=1/y=a", "x=2/y=b%20c", "_temporary"):
    ...     os.makedirs(os.path.join(tmp.name, d))
    ...     open(os.path.join(tmp.name, d, "f.csv"), "w").close()
    >>> files, names = list_files([tmp.name], Options({}, "csv", COMMON_OPTIONS))
    >>> names, [f.partition_values for f in files]
    (['x', 'y'], [('1', 'a'), ('2', 'b c')])
    >>> tmp.cleanup()
    """
    recursive = options.get_bool("recursiveFileLookup", False)
    name_filter = options.get("pathGlobFilter")
    matcher = globbing.compile_component(name_filter) if name_filter else None
    found: list[tuple[FileStatus, list[tuple[str, Optional[str]]]]] = []
    for path in paths:
        fs = get_filesystem(path)
        for status in _expand(path):
            if not status.is_dir:
                found.append((status, []))
                continue
            for child, dir_names in _walk(fs, status):
                spec = [] if recursive else _partition_spec(dir_names)
                found.append((child, spec))
    if matcher is not None:
        found = [(s, spec) for s, spec in found if matcher.fullmatch(base_name(s.path))]
    names = _common_partition_names([spec for _, spec in found])
    files = [InputFile(s.path, s.length, s.block_size, tuple(v for _, v in spec)) for s, spec in found]
    return files, names


def _common_partition_names(specs: list[list[tuple[str, Optional[str]]]]) -> list[str]:
    distinct: list[list[str]] = []
    for spec in specs:
        names = [k for k, _ in spec]
        if names not in distinct:
            distinct.append(names)
    if len(distinct) > 1:
        listed = "\n".join(f"\tPartition column name list #{i}: {', '.join(n)}"
                           for i, n in enumerate(distinct))
        raise AnalysisException(
            "CONFLICTING_PARTITION_COLUMN_NAMES",
            f"Conflicting partition column names detected:\n{listed}\nFor partitioned table "
            "directories, data files should only live in leaf directories.")
    return distinct[0] if distinct else []


# -- partition column types -----------------------------------------------------

_INT_TEXT = re.compile(r"[+-]?\d+")
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_NUMERIC_ORDER = [IntegerType(), LongType(), DecimalType(38, 0), DoubleType()]


def _value_type(text: str) -> DataType:
    """The narrowest type a partition directory value reads as, as Spark infers it."""
    if _INT_TEXT.fullmatch(text):
        number = int(text)
        if -(1 << 31) <= number < (1 << 31):
            return IntegerType()
        if -(1 << 63) <= number < (1 << 63):
            return LongType()
        return DecimalType(38, 0) if len(text.lstrip("+-")) <= 38 else StringType()
    try:
        float(text)
    except ValueError:
        pass
    else:
        return DoubleType() if text.strip() == text and text.lower() not in ("nan", "inf") else StringType()
    if _DATE_TEXT.fullmatch(text) and _parses(datetime.date.fromisoformat, text):
        return DateType()
    if _TIMESTAMP_TEXT.fullmatch(text) and _parses(datetime.datetime.fromisoformat, text):
        return TimestampType()
    return StringType()


def _parses(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _wider(a: DataType, b: DataType) -> DataType:
    if a == b or isinstance(b, NullType):
        return a
    if isinstance(a, NullType):
        return b
    if a in _NUMERIC_ORDER and b in _NUMERIC_ORDER:
        return max(a, b, key=_NUMERIC_ORDER.index)
    if {type(a), type(b)} == {DateType, TimestampType}:
        return TimestampType()
    return StringType()


def infer_partition_schema(files: list[InputFile], names: list[str], infer_types: bool,
                           user_schema: Optional[StructType]) -> StructType:
    """The partition columns' schema: the user's types where given, else inferred.

    >>> files = [InputFile("/a", 1, 1, ("1", "x")), InputFile("/b", 1, 1, (None, "2020-01-01"))]
    >>> infer_partition_schema(files, ["n", "s"], True, None).simpleString()
    'struct<n:int,s:string>'
    """
    given = {f.name: f for f in user_schema} if user_schema is not None else {}
    fields = []
    for i, name in enumerate(names):
        if name in given:
            fields.append(given[name])
            continue
        data_type: DataType = NullType()
        if infer_types:
            for value in {f.partition_values[i] for f in files} - {None}:
                data_type = _wider(data_type, _value_type(value))
        fields.append(StructField(name, StringType() if isinstance(data_type, NullType) else data_type))
    return StructType(fields)


def typed_partition_value(text: Optional[str], data_type: DataType) -> Any:
    """A partition directory value as a Python value of the column's type.

    >>> typed_partition_value("7", LongType()), typed_partition_value("2020-01-02", DateType())
    (7, datetime.date(2020, 1, 2))
    """
    if text is None:
        return None
    try:
        if isinstance(data_type, IntegralType):
            return int(text)
        if isinstance(data_type, DecimalType):
            return decimal.Decimal(text)
        if isinstance(data_type, (DoubleType, FloatType)):
            return float(text)
        if isinstance(data_type, DateType):
            return datetime.date.fromisoformat(text)
        if isinstance(data_type, TimestampType):
            return datetime.datetime.fromisoformat(text)
        if isinstance(data_type, BooleanType):
            return {"true": True, "false": False}[text.lower()]
    except (ValueError, KeyError, decimal.InvalidOperation):
        raise AnalysisException(
            "CANNOT_PARSE_PARTITION_VALUE",
            f"Partition value {text!r} cannot be read as {data_type.simpleString()}") from None
    return text


# -- splits ------------------------------------------------------------------------


def plan_partitions(files: list[InputFile], typed_values: list[tuple], settings: ScanSettings,
                    splittable: Any) -> list[FilePartition]:
    """Cut files into pieces and pack the pieces into partitions, as Spark does.

    ``splittable(path)`` says whether a file may be cut.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); path = os.path.join(tmp.name, "f")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"x" * 100)
    >>> files = [InputFile(path, 100, 1 << 20, ())]
    >>> parts = plan_partitions(files, [()], ScanSettings(40, 4, 1), lambda p: True)
    >>> [[(p.start, p.length) for p in part.pieces] for part in parts], parts[0].hosts
    ([[(0, 40)], [(40, 40)], [(80, 20)]], ('localhost',))
    >>> tmp.cleanup()
    """
    nonempty = [(f, v) for f, v in zip(files, typed_values) if f.length > 0]
    open_cost = settings.open_cost_in_bytes
    total = sum(f.length + open_cost for f, _ in nonempty)
    max_split = min(settings.max_partition_bytes,
                    max(open_cost, total // max(settings.min_partitions, 1)))
    pieces: list[FilePiece] = []
    for f, values in nonempty:
        size = max_split
        if uri_scheme(f.path) not in ("", "file") and f.block_size > 0:
            size = min(size, f.block_size)  # one HDFS block per task: its hosts are local
        if not splittable(f.path):
            size = f.length
        pieces.extend(FilePiece(f.path, start, min(size, f.length - start), f.length, values)
                      for start in range(0, f.length, max(size, 1)))
    pieces.sort(key=lambda p: -p.length)
    groups: list[list[FilePiece]] = []
    current: list[FilePiece] = []
    current_size = 0
    for piece in pieces:
        if current and current_size + piece.length > max_split:
            groups.append(current)
            current, current_size = [], 0
        current.append(piece)
        current_size += piece.length + open_cost
    if current:
        groups.append(current)
    return [FilePartition(i, tuple(g), _hosts(g)) for i, g in enumerate(groups)]


def _hosts(pieces: list[FilePiece]) -> tuple[str, ...]:
    weight: dict[str, int] = {}
    for piece in pieces:
        fs = get_filesystem(piece.path)
        blocks = fs.block_locations(piece.path, piece.start, piece.length)
        for rank, host in enumerate(split_hosts(blocks, piece.start, piece.length)):
            weight[host] = weight.get(host, 0) + piece.length - rank
    return tuple(sorted(weight, key=lambda h: -weight[h]))


# -- the relation ------------------------------------------------------------------


class FileRelation:
    """Base of the file sources (a :class:`~minispark.sql.plan.relation.BaseRelation`).

    Subclasses set ``short_name`` and ``OPTIONS``, parse their options in
    ``_configure``, and implement ``_infer_data_schema(files)`` and
    ``_read_piece(piece, columns, filter)``, which yields batches holding
    exactly the data ``columns`` asked for, typed as the data schema says.
    """

    short_name = "file"
    OPTIONS: frozenset = frozenset()

    def __init__(self, paths: Sequence[str], options: Optional[dict[str, Any]] = None,
                 schema: Optional[StructType] = None,
                 settings: Optional[ScanSettings] = None) -> None:
        if isinstance(paths, str):
            paths = [paths]
        if not paths:
            raise AnalysisException("UNABLE_TO_INFER_SCHEMA" if schema is None else "PATH_NOT_FOUND",
                                    f"No path was given to the {self.short_name} data source.")
        self.paths = [get_filesystem(p).qualify(p) for p in paths]
        self.options = Options(options or {}, self.short_name, COMMON_OPTIONS | self.OPTIONS)
        self.settings = settings or ScanSettings()
        self._configure(self.options)
        files, names = list_files(self.paths, self.options)
        self._partition_schema = infer_partition_schema(
            files, names, self.settings.infer_partition_types, schema)
        if schema is not None:
            data_fields = [f for f in schema if f.name not in set(names)]
            self._data_schema = StructType(data_fields)
        else:
            self._data_schema = self._infer_data_schema(files)
        self._data_schema = self._conform_data_schema(self._data_schema)
        self._files: Optional[list[InputFile]] = files
        self._size = sum(f.length for f in files)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_files"] = None  # executors get splits, not the listing
        return state

    # -- subclass hooks ----------------------------------------------------------

    def _configure(self, options: Options) -> None:
        """Read the format's options into attributes (driver side, once)."""

    def _infer_data_schema(self, files: list[InputFile]) -> StructType:
        raise NotImplementedError

    def _conform_data_schema(self, schema: StructType) -> StructType:
        """Adjust the data schema once known (e.g. check a corrupt-record column)."""
        return schema

    def _is_splittable(self, path: str) -> bool:
        return False

    def _read_piece(self, piece: FilePiece, columns: list[str],
                    filter: Optional[pc.Expression]) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError

    # -- the relation protocol -------------------------------------------------------

    def schema(self) -> StructType:
        """Data columns, then partition columns (as Spark orders them)."""
        return StructType(list(self._data_schema) + list(self._partition_schema))

    def partitions(self) -> list[FilePartition]:
        """The splits of the files as listed now (a new query sees new files)."""
        files, _ = (self._files, None) if self._files is not None else list_files(
            self.paths, self.options)
        self._files = None
        types = [f.dataType for f in self._partition_schema]
        typed = [tuple(typed_partition_value(v, t) for v, t in zip(f.partition_values, types))
                 for f in files]
        return plan_partitions(files, typed, self.settings, self._is_splittable)

    def preferred_locations(self, split: FilePartition) -> tuple[str, ...]:
        """Hosts storing most of the split's bytes (mini-HDFS DataNodes)."""
        return split.hosts

    def sizeInBytes(self) -> int:
        """Total size of the listed files."""
        return self._size

    def simpleString(self) -> str:
        """One line for ``explain()``."""
        return f"FileScan {self.short_name} [{', '.join(self.paths)}]"

    def read(self, split: FilePartition, columns: Optional[Sequence[str]],
             filter: Optional[pc.Expression]) -> Iterator[pa.RecordBatch]:
        """The batches of one split, holding ``columns`` (default: all) in that order."""
        wanted = list(self.schema().names if columns is None else columns)
        unknown = [c for c in wanted if c not in self.schema().names]
        if unknown:
            raise AnalysisException("UNRESOLVED_COLUMN", f"{self.short_name} source has no "
                                    f"column(s) {unknown}; columns: {self.schema().names}")
        data_names = set(self._data_schema.names)
        data_columns = [c for c in wanted if c in data_names]
        for piece in self._prune(split.pieces, filter):
            tag = inputfile.tagger(piece.path, piece.start, piece.length)
            for batch in self._read_piece(piece, data_columns, filter):
                yield tag(self._complete(batch, piece, wanted))

    def _prune(self, pieces: Iterable[FilePiece], filter: Optional[pc.Expression]) -> list[FilePiece]:
        """Drop pieces whose partition values make ``filter`` false (Arrow decides)."""
        pieces = list(pieces)
        if filter is None or not len(self._partition_schema) or not pieces:
            return pieces
        expressions = [_partition_expression(self._partition_schema, p.partition_values)
                       for p in pieces]
        fake_paths = [f"/{i}" for i in range(len(pieces))]
        dataset = ds.FileSystemDataset.from_paths(
            fake_paths, schema=to_arrow_schema(self.schema()), format=ds.ParquetFileFormat(),
            filesystem=pafs.LocalFileSystem(), partitions=expressions)
        kept = {int(f.path.lstrip("/")) for f in dataset.get_fragments(filter=filter)}
        return [p for i, p in enumerate(pieces) if i in kept]

    def _complete(self, batch: pa.RecordBatch, piece: FilePiece, wanted: list[str]) -> pa.RecordBatch:
        """Add the partition columns as constants and order the columns as asked."""
        if not len(self._partition_schema):
            return batch
        by_name = {name: batch.column(i) for i, name in enumerate(batch.schema.names)}
        rows = batch.num_rows
        for field, value in zip(self._partition_schema, piece.partition_values):
            if field.name in wanted:
                by_name[field.name] = constant_array(value, field.dataType, rows)
        if not wanted:
            return batch
        schema = to_arrow_schema(StructType([self.schema()[c] for c in wanted]))
        return pa.RecordBatch.from_arrays([by_name[c] for c in wanted], schema=schema)


def _partition_expression(schema: StructType, values: tuple) -> pc.Expression:
    """``col == value`` (or ``is_null``) for every partition column of one file."""
    expression = None
    for field, value in zip(schema, values):
        if value is None:
            term = pc.field(field.name).is_null()
        else:
            term = pc.field(field.name) == pa.scalar(_arrow_value(value, field.dataType),
                                                     to_arrow_type(field.dataType))
        expression = term if expression is None else expression & term
    return expression


def _arrow_value(value: Any, data_type: DataType) -> Any:
    if isinstance(data_type, TimestampType):
        return TimestampType().toInternal(value)
    return value


def constant_array(value: Any, data_type: DataType, length: int) -> pa.Array:
    """``length`` copies of one value, built without a Python loop.

    >>> constant_array("x", StringType(), 3).to_pylist()
    ['x', 'x', 'x']
    """
    arrow_type = to_arrow_type(data_type)
    if value is None:
        return pa.nulls(length, arrow_type)
    single = pa.array([_arrow_value(value, data_type)], arrow_type)
    return single.take(pa.array(np.zeros(length, dtype=np.int32)))
