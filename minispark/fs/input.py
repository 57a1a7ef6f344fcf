"""Listing, splitting and reading job input the way Hadoop's input formats do.

``sc.textFile`` uses ``text_splits`` + ``read_text_split`` (Hadoop's
``FileInputFormat.getSplits`` and ``LineRecordReader``); ``wholeTextFiles``
and ``binaryFiles`` use ``whole_file_groups`` + ``read_whole_file`` /
``read_whole_binary`` (Spark's ``CombineFileInputFormat``-based readers).

Line-splitting rule (Hadoop's ``LineRecordReader``), which guarantees every
line is read by exactly one split: a split owns the lines whose first byte
lies in ``(start, end]`` (the first split also owns byte 0).  A split that
does not start at 0 therefore skips from ``start`` through the first line
terminator, and every split reads past its end to finish its last line.  A
line starting exactly at ``end`` thus belongs to the earlier split, and a
file that grew after listing gives its last split one more line, as in Spark.

Splits are plain data, computed once when an RDD first needs its partitions
and then fixed: a file that shrank below a split's start fails that split
with ``EOFError`` (as Hadoop's seek does), and text read past the recorded
length only finishes the split's last line.
"""
from __future__ import annotations

import bz2
import gzip
import io
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional, Union

from minispark.fs import globbing
from minispark.fs.base import BlockLocation, FileStatus, base_name
from minispark.fs.decoding import decode_text, repaired_utf8
from minispark.fs.metrics import add_bytes_read
from minispark.fs.registry import get_filesystem, uri_scheme

#: A file is cut while remaining / splitSize exceeds this (Hadoop's SPLIT_SLOP).
SPLIT_SLOP = 1.1
#: Read size: large enough that per-chunk Python overhead is negligible.
READ_CHUNK = 1 << 20
#: How far past a split's end the first read reaches, to finish its last line cheaply.
_END_SLACK = 8192
_UTF8_BOM = b"\xef\xbb\xbf"


def _open_gzip(raw: BinaryIO) -> BinaryIO:
    return gzip.GzipFile(fileobj=raw, mode="rb")


def _open_bz2(raw: BinaryIO) -> BinaryIO:
    return bz2.BZ2File(raw, mode="rb")


class _InflatingReader(io.RawIOBase):
    """A zlib stream (Hadoop's ``DefaultCodec``), or several one after another, inflated.

    Output is produced at most one read buffer at a time, so a small file that
    inflates hugely never sits in memory whole.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._inflater = zlib.decompressobj()
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            data = self._next_input()
            if not data:
                return 0
            out = self._inflater.decompress(data, len(buffer))
            if out:
                buffer[:len(out)] = out
                return len(out)

    def _next_input(self) -> bytes:
        if self._inflater.eof:
            data = self._inflater.unused_data or self._raw.read(READ_CHUNK)
            if data:  # another stream follows
                self._inflater = zlib.decompressobj()
            return data
        if self._inflater.unconsumed_tail:
            return self._inflater.unconsumed_tail
        data = self._raw.read(READ_CHUNK)
        if data:
            self._started = True
        elif self._started:  # an empty file is an empty stream, as for gzip
            name = getattr(self._raw, "name", None)
            shown = f" {name}" if isinstance(name, str) else ""
            raise EOFError(f"Compressed file{shown} ended before the end of its zlib "
                           "(.deflate) stream: it is truncated")
        return data


def _open_deflate(raw: BinaryIO) -> BinaryIO:
    return io.BufferedReader(_InflatingReader(raw), READ_CHUNK)  # type: ignore[return-value]


#: Decompressors by file suffix, as Hadoop's CompressionCodecFactory picks codecs
#: (``.deflate``: Hadoop's DefaultCodec, a zlib stream).
_CODECS = {".gz": _open_gzip, ".bz2": _open_bz2, ".deflate": _open_deflate}


def decompressed(raw: BinaryIO, path: str) -> BinaryIO:
    """``raw`` read through the codec the suffix of ``path`` picks (itself if none does).

    >>> import io, zlib
    >>> decompressed(io.BytesIO(zlib.compress(b"hello")), "part-00000.deflate").read()
    b'hello'
    """
    codec = _codec_for(path)
    return codec(raw) if codec is not None else raw


@dataclass(frozen=True)
class FileSplit:
    """A byte range of one input file; plain data so it pickles to executors."""

    path: str
    start: int
    length: int
    hosts: tuple[str, ...] = ()


# -- listing -----------------------------------------------------------------


def split_input_paths(path: str) -> list[str]:
    """Split a comma-separated path list, ignoring commas inside ``{...}`` globs.

    >>> split_input_paths("/a,/b/{x,y}*,/c")
    ['/a', '/b/{x,y}*', '/c']
    """
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(path):
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(path[start:i])
            start = i + 1
    parts.append(path[start:])
    if any(not p for p in parts):
        raise ValueError(f"Can not create a Path from an empty string (input paths: {path!r})")
    return parts


def is_hidden(path: str) -> bool:
    """Hadoop's hiddenFileFilter: names starting with ``_`` or ``.`` are not input.

    >>> is_hidden("/out/_SUCCESS"), is_hidden("/out/.part-00000.crc"), is_hidden("/out/part-00000")
    (True, True, False)
    """
    return base_name(path).startswith(("_", "."))


def is_splittable(path: str) -> bool:
    """Compressed files (``.gz``, ``.bz2``, ``.deflate``) are read whole by one task."""
    return _codec_for(path) is None


def list_input_files(path: str, skip_directories: bool = False) -> list[FileStatus]:
    """The files an input path list names, in order, each directory's files sorted.

    Each comma-separated entry may be a file, a directory (its visible files,
    not recursive) or a glob (its visible matches; matched directories are
    listed).  Missing entries are all reported in one ``FileNotFoundError``.
    A sub-directory inside an input directory raises ``IsADirectoryError``, as
    Hadoop's ``FileInputFormat`` does for ``textFile``; ``skip_directories``
    leaves it out instead, as Spark's whole-file formats (``wholeTextFiles``,
    ``binaryFiles``) do.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); d = tmp.name
    >>> for name in ("b.txt", "a.txt", "_SUCCESS", ".a.txt.crc"):
    ...     open(os.path.join(d, name), "w").close()
    >>> os.mkdir(os.path.join(d, "sub"))
    >>> [s.name for s in list_input_files(d, skip_directories=True)]
    ['a.txt', 'b.txt']
    >>> try:
    ...     list_input_files(d + "/missing")
    ... except FileNotFoundError as err:
    ...     print(str(err) == "Input path does not exist: file:" + d + "/missing")
    True
    >>> tmp.cleanup()
    """
    files: list[FileStatus] = []
    errors: list[str] = []
    for entry in split_input_paths(path):
        found = _expand_entry(entry)
        if isinstance(found, str):
            errors.append(found)
        else:
            files.extend(found)
    if errors:
        raise FileNotFoundError("\n".join(errors))
    if skip_directories:
        return [status for status in files if not status.is_dir]
    _require_files(files)
    return files


def input_file_paths(path: str) -> list[str]:
    """The paths of :func:`list_input_files`, one partition each for ``pickleFile``."""
    return [status.path for status in list_input_files(path)]


def _expand_entry(entry: str) -> Union[list[FileStatus], str]:
    """The files one input entry names, or the error message for a missing entry."""
    fs = get_filesystem(entry)
    if globbing.has_magic(entry):
        matches = [s for s in fs.glob(entry) if not is_hidden(s.path)]
        if not matches:
            return f"Input Pattern {fs.qualify(entry)} matches 0 files"
    else:
        try:
            matches = [fs.status(entry)]
        except FileNotFoundError:
            return f"Input path does not exist: {fs.qualify(entry)}"
    files: list[FileStatus] = []
    for status in matches:
        if status.is_dir:
            files.extend(c for c in fs.list_status(status.path) if not is_hidden(c.path))
        else:
            files.append(status)
    return files


def _require_files(statuses: list[FileStatus]) -> None:
    for status in statuses:
        if status.is_dir:
            shown = get_filesystem(status.path).qualify(status.path)
            raise IsADirectoryError(
                f"Path: {shown} is a directory, which is not supported by the record reader "
                "(input directories are not read recursively)")


# -- splitting ---------------------------------------------------------------


def text_splits(path: str, min_partitions: int, *, ignore_empty_splits: bool = False,
                balance_for: int = 0) -> list[FileSplit]:
    """Hadoop ``FileInputFormat.getSplits`` over the input files of ``path``.

    ``goalSize = totalSize // min_partitions``; ``splitSize = max(1,
    min(goalSize, blockSize))``; files are cut into ``splitSize`` pieces while
    the remainder exceeds ``SPLIT_SLOP * splitSize``.  Compressed files give
    one split each.  An empty file gives one empty split, as in Hadoop;
    ``ignore_empty_splits=True`` drops those, as Spark >= 3.2 does by default
    (``spark.hadoopRDD.ignoreEmptySplits``).

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); d = tmp.name
    >>> with open(os.path.join(d, "f.txt"), "wb") as f:
    ...     _ = f.write(b"x" * 100)
    >>> [(s.start, s.length) for s in text_splits(d, 3)]
    [(0, 33), (33, 33), (66, 34)]
    >>> tmp.cleanup()
    """
    files = list_input_files(path)
    total = sum(f.length for f in files)
    if balance_for > 0:
        min_partitions = _balanced_count(files, total, min_partitions, balance_for)
    goal = max(1, total // max(min_partitions, 1))
    splits: list[FileSplit] = []
    for status in files:
        splits.extend(_file_splits(status, goal))
    if ignore_empty_splits:
        splits = [s for s in splits if s.length > 0]
    return splits


def _balanced_count(files: list[FileStatus], total: int, min_partitions: int,
                    parallelism: int) -> int:
    """A split count that is a multiple of ``parallelism``, for local files.

    Hadoop's rule caps splits at the block size, so 100 MB over 32 MB blocks
    gives 32+32+32+4 MB: with two executors one reads 64 MB while the other
    idles. Local "blocks" are only a convention, so the count is rounded up to
    whole waves of equal splits instead (HDFS keeps one split per block).

    >>> _balanced_count([FileStatus("/f", 100 << 20, False, 0.0, 32 << 20)], 100 << 20, 2, 2)
    4
    """
    if any(uri_scheme(f.path) not in ("", "file") for f in files):
        return min_partitions
    block = max((f.block_size for f in files), default=1) or 1
    waves = -(-total // (parallelism * block))  # integer ceil
    return max(min_partitions, parallelism * waves)


def _file_splits(status: FileStatus, goal: int) -> list[FileSplit]:
    if status.length == 0:
        return [FileSplit(status.path, 0, 0, ())]
    blocks = get_filesystem(status.path).block_locations(status.path, 0, status.length)
    if not is_splittable(status.path):
        return [FileSplit(status.path, 0, status.length, split_hosts(blocks, 0, status.length))]
    return _cut_file(status, blocks, max(1, min(goal, status.block_size)))


def _cut_file(status: FileStatus, blocks: list[BlockLocation], size: int) -> list[FileSplit]:
    """``size``-byte splits of a non-empty file; the tail may be up to ``SPLIT_SLOP`` larger."""
    splits, offset, remaining = [], 0, status.length
    while remaining / size > SPLIT_SLOP:
        splits.append(FileSplit(status.path, offset, size, split_hosts(blocks, offset, size)))
        offset += size
        remaining -= size
    if remaining:
        splits.append(FileSplit(status.path, offset, remaining, split_hosts(blocks, offset, remaining)))
    return splits


def record_splits(path: str, record_length: int) -> list[FileSplit]:
    """Splits of whole fixed-length records, for ``binaryRecords``.

    As Spark's ``FixedLengthBinaryInputFormat``: each file is cut at its block
    size rounded down to whole records (at least one record per split), and
    empty files give no split.  Records are raw bytes, compressed files too.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory()
    >>> for name, size in (("a.bin", 100), ("b.bin", 0)):
    ...     with open(os.path.join(tmp.name, name), "wb") as f:
    ...         _ = f.write(b"x" * size)
    >>> [(os.path.basename(s.path), s.start, s.length) for s in record_splits(tmp.name, 10)]
    [('a.bin', 0, 100)]
    >>> tmp.cleanup()
    """
    splits: list[FileSplit] = []
    for status in list_input_files(path):
        if status.length:
            blocks = get_filesystem(status.path).block_locations(status.path, 0, status.length)
            size = max(record_length, status.block_size // record_length * record_length)
            splits.extend(_cut_file(status, blocks, size))
    return splits


def split_hosts(blocks: list[BlockLocation], start: int, length: int) -> tuple[str, ...]:
    """Hosts holding the range, those holding the most of its bytes first.

    >>> split_hosts([BlockLocation(0, 10, ("a", "b")), BlockLocation(10, 10, ("b", "c"))], 5, 10)
    ('b', 'a', 'c')
    """
    weight: dict[str, int] = {}
    end = start + length
    for block in blocks:
        overlap = min(end, block.offset + block.length) - max(start, block.offset)
        if overlap > 0:
            for host in block.hosts:
                weight[host] = weight.get(host, 0) + overlap
    return tuple(sorted(weight, key=lambda h: -weight[h]))


# -- reading lines -----------------------------------------------------------


def read_text_split(
    split: FileSplit, use_unicode: bool = True, encoding: str = "utf-8"
) -> Iterator[Union[str, bytes]]:
    """The lines of one split, terminators (``\\n``, ``\\r\\n``, ``\\r``) removed.

    Malformed bytes decode to U+FFFD, as in Spark; with ``use_unicode=False``
    each line is the UTF-8 ``bytes`` of that text (the raw bytes when they are
    valid UTF-8), as in PySpark.  A UTF-8 byte-order mark at the start of a
    file is dropped (as Hadoop's ``LineRecordReader`` does).  ``.gz`` /
    ``.bz2`` files are decompressed.  ``encoding`` must be ASCII-compatible,
    because lines are found at the byte level before decoding.

    A line starting exactly at a split's end belongs to that split ("two"
    below, which starts at byte 5):

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); p = os.path.join(tmp.name, "t.txt")
    >>> with open(p, "wb") as f:
    ...     _ = f.write(b"one\\r\\ntwo\\rthree\\nfour \\xff")
    >>> [list(read_text_split(FileSplit(p, s, n))) for s, n in ((0, 5), (5, 5), (10, 11))]
    [['one', 'two'], ['three'], ['four \\ufffd']]
    >>> tmp.cleanup()
    """
    if not use_unicode:
        for block in _line_blocks(split):
            yield from repaired_utf8(block).splitlines()
        return
    _check_ascii_compatible(encoding)
    for block in _line_blocks(split):
        yield from _decode_lines(block, encoding)


def line_blocks(split: FileSplit) -> Iterator[bytes]:
    """Raw blocks (about 1 MiB, terminators kept) of exactly the lines ``split`` owns.

    For columnar readers (CSV, JSON lines, text) that parse whole blocks at
    once; same ownership rule, decompression and BOM handling as
    :func:`read_text_split`.
    """
    return _line_blocks(split)


def _line_blocks(split: FileSplit) -> Iterator[bytes]:
    """Blocks of bytes holding exactly the lines owned by ``split``."""
    codec = _codec_for(split.path)
    if codec is not None and split.start != 0:
        raise ValueError(f"Compressed file {split.path} cannot be split (split starts at {split.start})")
    end = None if codec is not None else split.start + split.length
    with get_filesystem(split.path).open(split.path) as raw:
        stream = codec(raw) if codec is not None else raw
        with stream:
            if split.start == 0:
                blocks = _strip_bom(_align_lines(_read_chunks(stream, 0, end)))
            else:
                _seek_split_start(stream, split)
                blocks = _drop_first_line(_align_lines(_read_chunks(stream, split.start, end)))
            for _, block in (_clip_to_end(blocks, end) if end is not None else blocks):
                add_bytes_read(len(block))
                yield block


def _seek_split_start(stream: BinaryIO, split: FileSplit) -> None:
    """Move to ``split.start``; fail if the file is now shorter, as Hadoop's seek does."""
    stream.seek(split.start - 1)
    if not stream.read(1):
        shown = get_filesystem(split.path).qualify(split.path)
        raise EOFError(
            f"Cannot seek after EOF: {shown} is now shorter than {split.start} bytes, where "
            "one of its splits starts; the file shrank after its splits were computed")


def _read_chunks(stream: BinaryIO, offset: int, end: int | None) -> Iterator[tuple[int, bytes]]:
    """Raw chunks with their offsets; near ``end`` only a little is read ahead."""
    while True:
        if end is None or offset >= end:
            want = READ_CHUNK
        else:
            want = min(READ_CHUNK, end - offset + _END_SLACK)
        chunk = stream.read(want)
        if not chunk:
            return
        yield offset, chunk
        offset += len(chunk)


def _align_lines(chunks: Iterable[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    """Re-cut chunks so each block ends right after a line terminator.

    Only the final block (at end of file) may end without one.  Chunks with no
    terminator are collected in a list and joined once, so a very long line
    costs linear, not quadratic, copying.
    """
    pending: list[bytes] = []
    block_offset = -1
    for offset, chunk in chunks:
        if not pending:
            block_offset = offset
        pending.append(chunk)
        cut = _last_line_end(chunk)
        if cut == 0:
            continue
        data = b"".join(pending) if len(pending) > 1 else chunk
        cut += len(data) - len(chunk)
        yield block_offset, data[:cut]
        rest = data[cut:]
        pending = [rest] if rest else []
        block_offset += cut
    if pending:
        yield block_offset, b"".join(pending)


def _last_line_end(chunk: bytes) -> int:
    """Index just past the last terminator known to be complete, else 0.

    A trailing ``\\r`` is not complete: the next chunk may start with ``\\n``.
    """
    limit = len(chunk) - 1 if chunk.endswith(b"\r") else len(chunk)
    newline = chunk.rfind(b"\n", 0, limit)
    carriage = chunk.rfind(b"\r", newline + 1, limit)
    return max(newline, carriage) + 1


def _first_line_end(data: bytes, start: int = 0) -> int:
    """Index just past the first terminator at or after ``start``, else ``len(data)``."""
    newline = data.find(b"\n", start)
    carriage = data.find(b"\r", start, newline if newline >= 0 else len(data))
    if carriage >= 0:
        return carriage + 2 if data[carriage + 1:carriage + 2] == b"\n" else carriage + 1
    return newline + 1 if newline >= 0 else len(data)


def _drop_first_line(blocks: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    """Skip through the first terminator: that line starts at or before the split's start,
    so the previous split reads it."""
    for offset, data in blocks:
        cut = _first_line_end(data)
        if cut < len(data):
            yield offset + cut, data[cut:]
        break
    yield from blocks


def _strip_bom(blocks: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    for offset, data in blocks:
        if offset == 0 and data.startswith(_UTF8_BOM):
            offset, data = len(_UTF8_BOM), data[len(_UTF8_BOM):]
        if data:
            yield offset, data
        break
    yield from blocks


def _clip_to_end(blocks: Iterator[tuple[int, bytes]], end: int) -> Iterator[tuple[int, bytes]]:
    """Keep the lines that start at or before ``end``; the last may run past it."""
    for offset, data in blocks:
        if offset > end:
            return
        if offset + len(data) <= end:
            yield offset, data
            continue
        yield offset, data[:_first_line_end(data, end - offset)]
        return


def _decode_lines(block: bytes, encoding: str) -> list[str]:
    """Decode a whole block at once, then split it: far cheaper than per line."""
    text = decode_text(block, encoding)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if block.endswith((b"\n", b"\r")):
        lines.pop()  # the split after the final terminator is not a line
    return lines


def _check_ascii_compatible(encoding: str) -> None:
    if "\r\n".encode(encoding) != b"\r\n":
        raise ValueError(
            f"Encoding {encoding!r} is not ASCII-compatible; text files are split on ASCII line ends"
        )


def _codec_for(path: str) -> Optional[Callable[[BinaryIO], BinaryIO]]:
    lowered = path.lower()
    for suffix, codec in _CODECS.items():
        if lowered.endswith(suffix):
            return codec
    return None


# -- whole files -------------------------------------------------------------


def whole_file_groups(path: str, min_partitions: int) -> list[list[FileStatus]]:
    """Pack the input files into groups, one group per partition.

    Like Spark's ``WholeTextFileInputFormat`` (a ``CombineFileInputFormat``):
    ``maxSplitSize = ceil(totalSize / min_partitions)``, and files are added
    to a group in order until it reaches that size.  Files are never split,
    and sub-directories of input directories are skipped, as in Spark.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); d = tmp.name
    >>> for i in range(4):
    ...     with open(os.path.join(d, f"f{i}"), "wb") as f:
    ...         _ = f.write(b"x" * 10)
    >>> [[s.name for s in g] for g in whole_file_groups(d, 2)]
    [['f0', 'f1'], ['f2', 'f3']]
    >>> tmp.cleanup()
    """
    files = list_input_files(path, skip_directories=True)
    target = -(-sum(f.length for f in files) // max(min_partitions, 1))  # integer ceil
    groups: list[list[FileStatus]] = []
    current: list[FileStatus] = []
    size = 0
    for status in files:
        current.append(status)
        size += status.length
        # A zero target means "no limit", as CombineFileInputFormat treats maxSplitSize 0.
        if target and size >= target:
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    return groups


def read_whole_file(
    status: FileStatus, use_unicode: bool = True, encoding: str = "utf-8"
) -> tuple[Union[str, bytes], Union[str, bytes]]:
    """``(path, content)`` for ``wholeTextFiles``; the path as Spark shows it.

    The file is read whole as it is now, whatever its length when listed (as
    Spark does).  Compressed files are decompressed; malformed bytes decode to
    U+FFFD.  With ``use_unicode=False`` both key and content are UTF-8
    ``bytes`` of that text, as in PySpark.
    """
    fs = get_filesystem(status.path)
    shown = fs.qualify(status.path)
    with fs.open(status.path) as raw:
        codec = _codec_for(status.path)
        data = codec(raw).read() if codec is not None else raw.read()
    add_bytes_read(len(data))
    if not use_unicode:
        return shown.encode("utf-8"), repaired_utf8(data)
    return shown, decode_text(data, encoding)


def read_whole_binary(status: FileStatus) -> tuple[str, bytes]:
    """``(path, raw bytes)`` for ``binaryFiles``: the whole file as it is now, never
    decompressed, as in Spark."""
    fs = get_filesystem(status.path)
    with fs.open(status.path) as raw:
        data = raw.read()
    add_bytes_read(len(data))
    return fs.qualify(status.path), data


# -- fixed-length records ------------------------------------------------------


def read_record_split(split: FileSplit, record_length: int) -> Iterator[bytes]:
    """The ``record_length``-byte records in exactly the split's byte range.

    Bytes appended after listing are not read; a file that shrank since fails
    with ``EOFError``, as Spark's ``FixedLengthBinaryRecordReader`` does.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); p = os.path.join(tmp.name, "r.bin")
    >>> with open(p, "wb") as f:
    ...     _ = f.write(b"aabbccdd")
    >>> list(read_record_split(FileSplit(p, 2, 4), 2))
    [b'bb', b'cc']
    >>> tmp.cleanup()
    """
    fs = get_filesystem(split.path)
    if split.length % record_length:
        raise ValueError(f"Partial record found at the end of {fs.qualify(split.path)}: "
                         f"{split.start + split.length} bytes is not a multiple of the record "
                         f"length {record_length}")
    batch = max(1, READ_CHUNK // record_length) * record_length
    with fs.open(split.path) as stream:
        stream.seek(split.start)
        remaining = split.length
        while remaining:
            want = min(batch, remaining)
            data = _read_fully(stream, want)
            if len(data) < want:
                raise EOFError(f"{fs.qualify(split.path)} is now shorter than the "
                               f"{split.start + split.length} bytes listed for it; the file "
                               "shrank after its splits were computed")
            remaining -= want
            add_bytes_read(want)
            yield from [data[i:i + record_length] for i in range(0, want, record_length)]


def _read_fully(stream: BinaryIO, size: int) -> bytes:
    """``size`` bytes, or fewer only at end of file (a raw read may return less)."""
    parts, got = [], 0
    while got < size:
        piece = stream.read(size - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)
