"""Writing a DataFrame's Arrow batches as files: save modes, ``partitionBy``, atomic commit.

Every task writes its files through :class:`minispark.fs.output.OutputJob`
into a hidden job directory; nothing appears at the output path until the
driver commits after every task succeeded, and a failed job deletes what its
tasks wrote.  Save modes (Spark's ``SaveMode``) are decided at commit:
``overwrite`` swaps the new directory in for the old one (the old data is
kept until the new data is complete), ``append`` moves the new files into
the existing directory, ``ignore`` / ``error`` do nothing / fail when the
path exists.
"""
from __future__ import annotations

import contextlib
import datetime
import gzip
from typing import Any, Iterable, Iterator, Optional, Sequence

import numpy as np
import pyarrow as pa

from minispark.errors import AnalysisException, IllegalArgumentException
from minispark.fs.base import FileSystem, join_path
from minispark.fs.output import (
    SUCCESS_MARKER, OutputJob, committed_files, write_success_marker,
)
from minispark.rdd.output import run_output_job
from minispark.sql.sources.files import HIVE_DEFAULT_PARTITION
from minispark.sql.sources.options import Options
from minispark.sql.types import StructType, TimestampType, to_arrow_schema, to_arrow_type

SAVE_MODES = {"error": "error", "errorifexists": "error", "default": "error",
              "append": "append", "overwrite": "overwrite", "ignore": "ignore"}
# Characters Spark escapes in partition directory names (ExternalCatalogUtils.escapePathName).
_ESCAPED = set('"#%\'*/:=?\\\x7f{[]^') | {chr(c) for c in range(1, 32)}
_EPOCH_UTC = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def conform_batch(batch: pa.RecordBatch, schema: StructType, columns: Sequence[str]) -> pa.RecordBatch:
    """``batch`` with exactly ``columns``, each cast to the Arrow type of its field in ``schema``.

    Timestamps are truncated to microseconds (as Spark reads nanosecond data).

    >>> from minispark.sql.types import LongType, StructField
    >>> b = pa.record_batch({"a": pa.array([1], pa.int32())})
    >>> conform_batch(b, StructType([StructField("a", LongType())]), ["a"]).schema
    a: int64
    """
    if not columns:
        return batch if batch.num_columns == 0 else batch.select([])
    arrays = []
    for name in columns:
        column = batch.column(name)
        target = to_arrow_type(schema[name].dataType)
        if column.type != target:
            lossy = pa.types.is_timestamp(target) or pa.types.is_duration(target)
            column = column.cast(target, safe=not lossy)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=to_arrow_schema(
        StructType([schema[c] for c in columns])))


def save_mode(mode: Optional[str]) -> str:
    """Spark's save mode name for ``mode`` (``None`` is the default, ``error``).

    >>> save_mode("ErrorIfExists"), save_mode(None), save_mode("overwrite")
    ('error', 'error', 'overwrite')
    """
    key = "default" if mode is None else str(mode).lower()
    if key not in SAVE_MODES:
        raise IllegalArgumentException(
            "INVALID_SAVE_MODE", f"Unknown save mode: {mode}. Accepted save modes are 'overwrite', "
            "'append', 'ignore', 'error', 'errorifexists', 'default'.")
    return SAVE_MODES[key]


class FormatWriter:
    """How one file format writes batches; subclasses implement ``open``/``write``/``close``."""

    short_name = "file"
    extension = ""
    OPTIONS: frozenset = frozenset()

    def __init__(self, options: Optional[dict[str, Any]] = None) -> None:
        self.options = Options(options or {}, self.short_name, self.OPTIONS | {"path"})
        self._configure(self.options)

    def _configure(self, options: Options) -> None:
        """Read the format's options into attributes."""

    def check_schema(self, schema: StructType) -> None:
        """Refuse schemas the format cannot store."""

    def open(self, stream: Any, schema: StructType) -> Any:
        """Start a file on ``stream`` for rows of ``schema``; returns the file's handle."""
        raise NotImplementedError

    def write(self, handle: Any, batch: pa.RecordBatch) -> None:
        """Append one batch."""
        raise NotImplementedError

    def close(self, handle: Any) -> None:
        """Finish the file (footer, flush); the stream is closed by the committer."""


_TEXT_CODECS = {"none": "none", "uncompressed": "none", "gzip": "gzip"}


class TextFormatWriter(FormatWriter):
    """Base of the line-oriented writers (CSV, JSON, text): UTF-8, plain or gzip."""

    base_extension = ""
    TEXT_OPTIONS = frozenset({"compression", "encoding", "charset"})

    def _configure(self, options: Options) -> None:
        options.require_utf8()
        self.gzip = options.get_codec(_TEXT_CODECS, "none") == "gzip"
        self.extension = self.base_extension + (".gz" if self.gzip else "")
        self._configure_text(options)

    def _configure_text(self, options: Options) -> None:
        """Read the format's own options."""

    def _open_stream(self, stream: Any) -> Any:
        # Fixed mtime and no file name: identical data gives identical bytes.
        return gzip.GzipFile(filename="", mode="wb", fileobj=stream, mtime=0) if self.gzip else stream

    def _close_stream(self, out: Any) -> None:
        if self.gzip:
            out.close()


class DatasetOutputJob(OutputJob):
    """An :class:`OutputJob` whose commit honours a save mode for an existing output."""

    def __init__(self, path: str, mode: str) -> None:
        super().__init__(path)
        self.mode = mode

    def setup(self) -> None:
        if self.mode == "error":
            super().setup()
        else:
            self._fs().mkdirs(self._attempts_path)

    def commit(self) -> None:
        fs = self._fs()
        if self.mode == "error" or not fs.exists(self.path):
            super().commit()
            return
        try:
            fs.delete(self._attempts_path, recursive=True)
            if self.mode == "append":
                self._move_into(fs)
            elif fs.atomic_rename:
                self._swap_in(fs)
            else:
                self._replace_files(fs)
        except BaseException:
            self.abort()
            raise

    def _swap_in(self, fs: FileSystem) -> None:
        """Replace the old output by the new one; the old one is restored if that fails."""
        write_success_marker(fs, self.temp_path)
        old = self.temp_path + "-replaced"
        fs.rename(self.path, old)
        try:
            fs.rename(self.temp_path, self.path)
        except BaseException:
            fs.rename(old, self.path)
            raise
        fs.delete(old, recursive=True)

    def _move_into(self, fs: FileSystem) -> None:
        """Append: move every new file to the same place under the existing output."""
        self.publish_parts(fs)
        write_success_marker(fs, self.path)
        fs.delete(self.temp_path, recursive=True)

    def _replace_files(self, fs: FileSystem) -> None:
        """Overwrite where rename is a copy (object stores), as S3A's committers do.

        The old ``_SUCCESS`` goes first (readers see an incomplete output),
        then the new files move in beside the old ones (their names carry
        this job's id, so none collides), then the old files are deleted and
        ``_SUCCESS`` is written last.  A failure while moving leaves the old
        output whole again, ``_SUCCESS`` included.
        """
        old = [path for path, relative in committed_files(fs, self.path)
               if relative != SUCCESS_MARKER]
        marker = join_path(self.path, SUCCESS_MARKER)
        had_marker = fs.exists(marker)
        if had_marker:
            fs.delete(marker)
        try:
            self.publish_parts(fs)
        except BaseException:
            if had_marker:
                write_success_marker(fs, self.path)
            raise
        for path in old:
            fs.delete(path)
        write_success_marker(fs, self.path)
        fs.delete(self.temp_path, recursive=True)


def escape_path_name(text: str) -> str:
    """A partition value as a directory name component, escaped as Spark does.

    >>> escape_path_name("2020-01-01 10:00:00"), escape_path_name("a/b=c")
    ('2020-01-01 10%3A00%3A00', 'a%2Fb%3Dc')
    """
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in text)


def partition_value_text(value: Any) -> str:
    """How a partition value is spelled in its directory name (Spark's cast to string).

    >>> partition_value_text(None), partition_value_text(True), partition_value_text(1.5)
    ('__HIVE_DEFAULT_PARTITION__', 'true', '1.5')
    """
    if value is None:
        return HIVE_DEFAULT_PARTITION
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = TimestampType().fromInternal((value - _EPOCH_UTC) // datetime.timedelta(microseconds=1))
        text = value.isoformat(sep=" ")
        return text.rstrip("0") if "." in text else text
    return str(value)


def _by_directory(batch: pa.RecordBatch, partition_by: list[str],
                  data_columns: list[str]) -> Iterator[tuple[str, pa.RecordBatch]]:
    """``(key=value/... directory, rows)`` for each partition-value combination in ``batch``."""
    if not partition_by:
        yield "", batch
        return
    table = pa.Table.from_batches([batch]).append_column(
        "__row", pa.array(np.arange(batch.num_rows, dtype=np.int64)))
    groups = table.group_by(partition_by, use_threads=False).aggregate([("__row", "list")])
    key_values = [groups.column(k).to_pylist() for k in partition_by]
    rows = groups.column("__row_list")
    data = batch.select(data_columns)
    for i in range(groups.num_rows):
        directory = "/".join(f"{escape_path_name(k)}={escape_path_name(partition_value_text(v[i]))}"
                             for k, v in zip(partition_by, key_values))
        yield directory, data.take(rows[i].values)


@contextlib.contextmanager
def _format_file(writer: FormatWriter, stream: Any, schema: StructType) -> Iterator[Any]:
    handle = writer.open(stream, schema)
    try:
        yield handle
    except BaseException:
        with contextlib.suppress(Exception):
            writer.close(handle)  # release the format's resources; the committer drops the part
        raise
    writer.close(handle)


def _write_task(job: OutputJob, writer: FormatWriter, schema: StructType, partition_by: list[str],
                partition: int, attempt: int, batches: Iterable[pa.RecordBatch]) -> None:
    """One task: its batches into one file per partition directory."""
    data_schema = StructType([f for f in schema.toNullable() if f.name not in partition_by])
    names = data_schema.names
    suffix = f"-{job.job_id}.c000{writer.extension}"
    with contextlib.ExitStack() as stack:
        handles: dict[str, Any] = {}

        def handle_for(directory: str) -> Any:
            if directory not in handles:
                stream = stack.enter_context(job.task_writer(partition, attempt, suffix, directory))
                handles[directory] = stack.enter_context(_format_file(writer, stream, data_schema))
            return handles[directory]

        for batch in batches:
            batch = conform_batch(batch, schema, schema.names)
            for directory, rows in _by_directory(batch, partition_by, names):
                if rows.num_rows:
                    writer.write(handle_for(directory), conform_batch(rows, data_schema, names))
        if not handles and not partition_by and partition == 0:
            handle_for("")  # an empty result still leaves a file that carries the schema


def write_dataset(rdd: Any, schema: StructType, path: str, writer: FormatWriter,
                  mode: Optional[str] = None, partition_by: Sequence[str] = ()) -> None:
    """Write an RDD of ``pyarrow.RecordBatch`` (columns of ``schema``) to ``path``.

    One file per task and partition directory, named like Spark's
    (``part-00000-<job>.c000.snappy.parquet``), committed atomically.
    """
    mode = save_mode(mode)
    partition_by = list(partition_by)
    _check_partition_columns(schema, partition_by)
    writer.check_schema(StructType([f for f in schema if f.name not in partition_by]))
    job = DatasetOutputJob(path, mode)
    fs = job._fs()
    if fs.exists(job.path):
        if mode == "error":
            raise AnalysisException(
                "PATH_ALREADY_EXISTS", f"Path {job.path} already exists. Set mode as \"overwrite\" "
                "to overwrite the existing path.", {"outputPath": job.path}, "42K04")
        if mode == "ignore":
            return

    def task(ctx: Any, batches: Iterator[pa.RecordBatch]) -> None:
        _write_task(job, writer, schema, partition_by, ctx.partitionId(), ctx.attemptNumber(), batches)

    run_output_job(rdd, job, task)


def _check_partition_columns(schema: StructType, partition_by: list[str]) -> None:
    missing = [c for c in partition_by if c not in schema.names]
    if missing:
        raise AnalysisException(
            "COLUMN_NOT_DEFINED_IN_TABLE",
            f"partition column {missing[0]!r} is not defined in table, defined table columns are: "
            f"{', '.join(schema.names)}")
    if len(set(partition_by)) != len(partition_by):
        raise AnalysisException("COLUMN_ALREADY_EXISTS",
                                f"Found duplicate column(s) in the partition schema: {partition_by}")
    if partition_by and len(partition_by) == len(schema):
        raise AnalysisException("ALL_PARTITION_COLUMNS_NOT_ALLOWED",
                                "Cannot use all columns for partition columns.")
