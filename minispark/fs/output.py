"""Atomic job output for ``saveAsTextFile`` / ``saveAsPickleFile``.

Commit protocol (a simplified Hadoop ``FileOutputCommitter``):

1. ``OutputJob.setup()`` on the driver: fail if the output exists, else make
   a hidden job directory *beside* the output (same parent, so the final
   rename is a single atomic step on the local file system).
2. ``task_writer(partition, attempt)`` in executors: each attempt writes a
   private file under ``<job dir>/_attempts/``; a clean exit renames it to
   ``<job dir>/part-NNNNN``.  Renames never replace, so when two attempts of
   one partition finish, the first commit wins and the second is dropped.
3. ``commit()`` on the driver: drop leftover attempt files (from killed
   executors), write ``_SUCCESS``, rename the job directory to the output.
   ``abort()`` deletes the job directory.  Either way no partial output is
   ever visible at the output path.
   Where rename is a copy (``FileSystem.atomic_rename`` False: object
   stores), the job directory is not renamed: each committed part is moved
   to its final name and ``_SUCCESS`` is written last (``_copy_to_output``).

Pickle files: PySpark's ``saveAsPickleFile`` writes Hadoop SequenceFiles of
pickled batches.  minispark deliberately does not: its pickle files are a
small framed format (magic header, then length-prefixed pickle protocol 5
frames, each a list of items, then a zero-length end frame) that only
minispark reads.  Like any pickle, only load files you trust.
"""
from __future__ import annotations

import bz2
import contextlib
import itertools
import pickle
import struct
import uuid
import zlib
from typing import Any, BinaryIO, Iterable, Iterator, Union

from minispark.common.serialization import dumps
from minispark.fs.base import FileSystem, base_name, join_path, parent_path
from minispark.fs.input import FileSplit
from minispark.fs.registry import get_filesystem

SUCCESS_MARKER = "_SUCCESS"
_ATTEMPTS_DIR = "_attempts"
#: Lines encoded and written per ``write`` call.
_TEXT_BATCH = 8192

PICKLE_MAGIC = b"MSPKL\x01\r\n"  # name, format version 1, CRLF to catch text-mode mangling
_FRAME_HEADER = struct.Struct(">Q")
_PICKLE_PROTOCOL = 5
#: Auto-batching aims for frames of roughly this many bytes.
_AUTO_FRAME_BYTES = 1 << 16


class OutputJob:
    """One job's output directory and its commit protocol.

    State is plain strings so the job pickles to executor processes.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); out = os.path.join(tmp.name, "out")
    >>> job = OutputJob(out)
    >>> job.setup()
    >>> with job.task_writer(0, attempt=0) as f:
    ...     write_text_part(f, ["a", 1], compress=False)
    >>> job.commit()
    >>> sorted(os.listdir(out)), open(os.path.join(out, "part-00000")).read()
    (['_SUCCESS', 'part-00000'], 'a\\n1\\n')
    >>> tmp.cleanup()
    """

    def __init__(self, path: str) -> None:
        if not path:
            raise ValueError("Output path must not be empty")
        # Qualified now, on the driver: executors may run in another directory.
        self.path = get_filesystem(path).qualify(path).rstrip("/")
        self.job_id = uuid.uuid4().hex[:12]
        self.temp_path = join_path(parent_path(self.path), f"_temporary-{base_name(self.path)}-{self.job_id}")

    def __repr__(self) -> str:
        return f"OutputJob({self.path!r}, job_id={self.job_id!r})"

    def _fs(self) -> FileSystem:
        return get_filesystem(self.path)

    @property
    def _attempts_path(self) -> str:
        return join_path(self.temp_path, _ATTEMPTS_DIR)

    def setup(self) -> None:
        """Check the output does not exist and create the hidden job directory."""
        fs = self._fs()
        if fs.exists(self.path):
            raise FileExistsError(f"Output directory {self.path} already exists")
        fs.mkdirs(self._attempts_path)

    @contextlib.contextmanager
    def task_writer(self, partition: int, attempt: int, suffix: str = "",
                    directory: str = "", prefix: str = "part-") -> Iterator[BinaryIO]:
        """A binary file for one task attempt's part; committed on clean exit.

        On an exception the attempt's file is deleted.  If another attempt
        already committed this partition, that part is kept and this
        attempt's output is dropped.  ``directory`` (relative, e.g.
        ``"year=2024/month=1"``) places the part in a sub-directory of the
        output, for partitioned tables.  ``prefix`` starts the part's name
        (``part-r-`` for Hadoop's new-API output formats).
        """
        if (partition < 0 or attempt < 0 or "/" in suffix + prefix or directory.startswith("/")
                or ".." in directory.split("/")):
            raise ValueError(f"Invalid part: partition={partition}, attempt={attempt}, "
                             f"suffix={suffix!r}, directory={directory!r}")
        fs = self._fs()
        if not fs.exists(self._attempts_path):
            raise RuntimeError(f"Output job for {self.path} is not set up, or was already committed or aborted")
        part = f"{prefix}{partition:05d}{suffix}"
        scratch = join_path(self._attempts_path, f"{part}.attempt-{attempt}-{uuid.uuid4().hex[:8]}")
        fileobj = fs.create(scratch)
        try:
            yield fileobj
        except BaseException:
            _discard(fs, fileobj, scratch)
            raise
        fileobj.close()
        target = join_path(self.temp_path, directory) if directory else self.temp_path
        if directory:
            fs.mkdirs(target)
        _publish(fs, scratch, join_path(target, part))

    def commit(self) -> None:
        """Publish all committed parts plus ``_SUCCESS`` at the output path.

        On failure (e.g. the output appeared meanwhile) the job is aborted.
        """
        fs = self._fs()
        if not fs.exists(self.temp_path):
            raise RuntimeError(f"Output job for {self.path} is not set up, or was already committed or aborted")
        try:
            fs.delete(self._attempts_path, recursive=True)
            if fs.atomic_rename:
                write_success_marker(fs, self.temp_path)
                fs.rename(self.temp_path, self.path)
            else:
                self._copy_to_output(fs)
        except FileExistsError:
            self.abort()
            raise FileExistsError(f"Output directory {self.path} already exists") from None
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Delete everything this job wrote; safe to call more than once."""
        self._fs().delete(self.temp_path, recursive=True)

    def _copy_to_output(self, fs: FileSystem) -> None:
        """Job commit where rename is a copy (object stores): move each committed part to
        its final name, then write ``_SUCCESS`` last; on failure remove what was moved.

        Only parts committed by a task are under the job directory (attempts
        were dropped), one per name, each complete: no partial or duplicate
        part becomes visible, though parts appear one by one during the commit.
        """
        if fs.exists(self.path):
            raise FileExistsError(f"Output directory {self.path} already exists")
        self.publish_parts(fs)
        write_success_marker(fs, self.path)
        fs.delete(self.temp_path, recursive=True)

    def publish_parts(self, fs: FileSystem) -> list[str]:
        """Move every committed part to its place under the output path, file by file.

        If a move fails, the parts already moved are removed again and the
        error raised: the output path keeps exactly what it had before.
        """
        moved: list[str] = []
        try:
            for source, relative in committed_files(fs, self.temp_path):
                target = join_path(self.path, relative)
                if fs.atomic_rename:  # real directories (local, HDFS); object stores have none
                    fs.mkdirs(parent_path(target))
                fs.rename(source, target)
                moved.append(target)
        except BaseException:
            for target in moved:
                with contextlib.suppress(OSError):
                    fs.delete(target)
            raise
        return moved


def write_success_marker(fs: FileSystem, directory: str) -> None:
    """Write the empty ``_SUCCESS`` file that marks ``directory`` as a complete output."""
    with fs.create(join_path(directory, SUCCESS_MARKER), overwrite=True):
        pass


def committed_files(fs: FileSystem, root: str) -> Iterator[tuple[str, str]]:
    """``(path, path relative to root)`` of every file under ``root``, depth first.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); os.makedirs(tmp.name + "/a")
    >>> open(tmp.name + "/a/f", "w").close()
    >>> [rel for _, rel in committed_files(get_filesystem(tmp.name), tmp.name)]
    ['a/f']
    >>> tmp.cleanup()
    """
    stack = [(root, "")]
    while stack:
        directory, prefix = stack.pop()
        for child in fs.list_status(directory):
            relative = prefix + base_name(child.path)
            if child.is_dir:
                stack.append((child.path, relative + "/"))
            else:
                yield child.path, relative


def _publish(fs: FileSystem, scratch: str, part: str) -> None:
    try:
        fs.rename(scratch, part)
    except FileExistsError:
        fs.delete(scratch)  # another attempt committed this partition first
    except BaseException:
        with contextlib.suppress(OSError):
            fs.delete(scratch)
        raise


def _discard(fs: FileSystem, fileobj: BinaryIO, scratch: str) -> None:
    discard = getattr(fileobj, "discard", None)
    with contextlib.suppress(OSError):
        if discard is not None:
            discard()
        else:
            fileobj.close()
        fs.delete(scratch)


# -- text parts --------------------------------------------------------------


def write_text_part(fileobj: BinaryIO, lines: Iterable[object],
                    compress: Union[bool, str] = False) -> None:
    """Write one element per line, as PySpark's ``saveAsTextFile`` does.

    ``bytes`` are written as they are, ``str`` UTF-8 encoded, anything else
    as ``str(x)``; each followed by ``\\n``.  ``compress`` names a codec by
    the suffix Hadoop gives its files (``.gz``, ``.bz2``, ``.deflate``; ``True``
    means ``.gz``); name the part with that suffix.

    >>> import io, zlib
    >>> buf = io.BytesIO()
    >>> write_text_part(buf, ["é", b"raw", None, 3])
    >>> buf.getvalue()
    b'\\xc3\\xa9\\nraw\\nNone\\n3\\n'
    >>> buf = io.BytesIO()
    >>> write_text_part(buf, ["a"], compress=".deflate")
    >>> zlib.decompress(buf.getvalue())
    b'a\\n'
    """
    if not compress:
        _write_lines(fileobj, lines)
        return
    with compressing_writer(fileobj, ".gz" if compress is True else compress) as out:
        _write_lines(out, lines)


#: The gzip header Hadoop's GzipCodec writes: no name, no mtime, no flags, OS 0.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"


class _DeflatingWriter:
    """Streams the zlib stream of Hadoop's ``DefaultCodec`` (or, with ``gzip_member``, the
    gzip member of its ``GzipCodec``) into ``fileobj``, left open: the bytes Hadoop writes.
    """

    def __init__(self, fileobj: BinaryIO, gzip_member: bool = False) -> None:
        self._out = fileobj
        self._gzip = gzip_member
        self._deflater = zlib.compressobj(6, zlib.DEFLATED,
                                          -zlib.MAX_WBITS if gzip_member else zlib.MAX_WBITS)
        self._crc = self._size = 0
        if gzip_member:
            fileobj.write(_GZIP_HEADER)

    def write(self, data: bytes) -> int:
        if self._gzip:
            self._crc = zlib.crc32(data, self._crc)
            self._size += len(data)
        self._out.write(self._deflater.compress(data))
        return len(data)

    def __enter__(self) -> "_DeflatingWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self._out.write(self._deflater.flush())
        if self._gzip:
            self._out.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))


def _gzip_writer(fileobj: BinaryIO) -> Any:
    return _DeflatingWriter(fileobj, gzip_member=True)


def _bzip2_writer(fileobj: BinaryIO) -> Any:
    return bz2.BZ2File(fileobj, mode="wb", compresslevel=9)


#: Compressing writers by the file suffix Hadoop's codec gives (Gzip, BZip2, Default).
_COMPRESSORS = {".gz": _gzip_writer, ".bz2": _bzip2_writer, ".deflate": _DeflatingWriter}


def compressing_writer(fileobj: BinaryIO, suffix: str) -> Any:
    """A context-managed writer compressing into ``fileobj`` (left open) by file suffix;
    the same data gives the same bytes, the bytes Hadoop's codec writes.

    >>> import io, bz2
    >>> buf = io.BytesIO()
    >>> with compressing_writer(buf, ".bz2") as out:
    ...     _ = out.write(b"data")
    >>> bz2.decompress(buf.getvalue())
    b'data'
    """
    try:
        return _COMPRESSORS[suffix](fileobj)
    except KeyError:
        raise NotImplementedError(f"no compressor for suffix {suffix!r}; supported: "
                                  f"{', '.join(_COMPRESSORS)}") from None


def _write_lines(out: BinaryIO, lines: Iterable[object]) -> None:
    iterator = iter(lines)
    while True:
        batch = list(itertools.islice(iterator, _TEXT_BATCH))
        if not batch:
            return
        out.write(_encode_lines(batch))


def _encode_lines(batch: list[object]) -> bytes:
    try:
        # Fast path: all str, one join and one encode in C.
        return ("\n".join(batch) + "\n").encode("utf-8")  # type: ignore[arg-type]
    except TypeError:
        return b"".join(_line_bytes(x) + b"\n" for x in batch)


def _line_bytes(item: object) -> bytes:
    if isinstance(item, bytes):
        return item
    return (item if isinstance(item, str) else str(item)).encode("utf-8")


# -- pickle parts ------------------------------------------------------------


def write_pickle_part(fileobj: BinaryIO, items: Iterable[object], batch_size: int = 10) -> None:
    """Write ``items`` as pickled batches of ``batch_size`` (``<= 0``: sized automatically).

    >>> import io
    >>> buf = io.BytesIO()
    >>> write_pickle_part(buf, range(5), batch_size=2)
    >>> buf.getvalue()[:8] == PICKLE_MAGIC
    True
    """
    fileobj.write(PICKLE_MAGIC)
    for frame in _pickled_batches(iter(items), batch_size):
        fileobj.write(_FRAME_HEADER.pack(len(frame)))
        fileobj.write(frame)
    fileobj.write(_FRAME_HEADER.pack(0))


def _pickled_batches(iterator: Iterator[object], batch_size: int) -> Iterator[bytes]:
    # serialization.dumps: a batch holding the user's own classes (defined in
    # the script's __main__) goes by value through cloudpickle.
    if batch_size > 0:
        while batch := list(itertools.islice(iterator, batch_size)):
            yield dumps(batch, _PICKLE_PROTOCOL)
        return
    # Auto: grow the batch while frames are small, shrink when they are huge.
    size = 1
    while batch := list(itertools.islice(iterator, size)):
        frame = dumps(batch, _PICKLE_PROTOCOL)
        yield frame
        if len(frame) < _AUTO_FRAME_BYTES:
            size *= 2
        elif len(frame) > 10 * _AUTO_FRAME_BYTES and size > 1:
            size //= 2


def read_pickle_split(path: Union[str, FileSplit]) -> Iterator[object]:
    """The items of one pickle file written by ``write_pickle_part``.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); p = os.path.join(tmp.name, "part-00000")
    >>> with open(p, "wb") as f:
    ...     write_pickle_part(f, [1, "two", (3,)], batch_size=2)
    >>> list(read_pickle_split(p))
    [1, 'two', (3,)]
    >>> tmp.cleanup()
    """
    if isinstance(path, FileSplit):
        path = path.path
    fs = get_filesystem(path)
    shown = fs.qualify(path)
    with fs.open(path) as stream:
        if stream.read(len(PICKLE_MAGIC)) != PICKLE_MAGIC:
            raise ValueError(f"{shown} is not a minispark pickle file (bad header)")
        while True:
            length = _FRAME_HEADER.unpack(_read_exactly(stream, _FRAME_HEADER.size, shown))[0]
            if length == 0:
                return
            yield from pickle.loads(_read_exactly(stream, length, shown))


def _read_exactly(stream: BinaryIO, size: int, shown: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError(f"Pickle file {shown} is truncated")
    return data
