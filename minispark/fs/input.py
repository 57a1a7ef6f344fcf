"""Listing, splitting and reading job input the way Hadoop's input formats do.

``sc.textFile`` uses ``text_splits`` + ``read_text_split`` (Hadoop's
``FileInputFormat.getSplits`` and ``LineRecordReader``); ``wholeTextFiles``
and ``binaryFiles`` use ``whole_file_groups`` + ``read_whole_file`` /
``read_whole_binary`` (Spark's ``CombineFileInputFormat``-based readers).

Line-splitting rule, which guarantees every line is read by exactly one
split: a line belongs to the split containing its first byte.  A split that
does not start at 0 therefore skips from ``start - 1`` through the first line
terminator (so a line starting exactly at ``start`` is kept), and every
split reads past its end to finish the last line that starts inside it.
"""
from __future__ import annotations

import bz2
import gzip
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, Union

from minispark.fs import globbing
from minispark.fs.base import BlockLocation, FileStatus, base_name
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


#: Decompressors by file suffix, as Hadoop's CompressionCodecFactory picks codecs.
_CODECS = {".gz": _open_gzip, ".bz2": _open_bz2}


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
    """Compressed files (``.gz``, ``.bz2``) are read whole by one task."""
    return _codec_for(path) is None


def list_input_files(path: str) -> list[FileStatus]:
    """The files an input path list names, in order, each directory's files sorted.

    Each comma-separated entry may be a file, a directory (its visible files,
    not recursive) or a glob (its visible matches; matched directories are
    listed).  Missing entries are all reported in one ``FileNotFoundError``;
    a sub-directory inside an input directory raises ``IsADirectoryError``
    ("Not a file"), as Hadoop's ``FileInputFormat`` does.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); d = tmp.name
    >>> for name in ("b.txt", "a.txt", "_SUCCESS", ".a.txt.crc"):
    ...     open(os.path.join(d, name), "w").close()
    >>> [s.name for s in list_input_files(d)]
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
    _require_files(files)
    return files


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
            raise IsADirectoryError(f"Not a file: {shown} (input directories are not read recursively)")


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
    size = max(1, min(goal, status.block_size))
    splits, offset, remaining = [], 0, status.length
    while remaining / size > SPLIT_SLOP:
        splits.append(FileSplit(status.path, offset, size, split_hosts(blocks, offset, size)))
        offset += size
        remaining -= size
    if remaining:
        splits.append(FileSplit(status.path, offset, remaining, split_hosts(blocks, offset, remaining)))
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

    As in PySpark, ``use_unicode=False`` yields the raw ``bytes`` of each
    line.  A UTF-8 byte-order mark at the start of a file is dropped (as
    Hadoop's ``LineRecordReader`` does).  ``.gz`` / ``.bz2`` files are
    decompressed.  ``encoding`` must be ASCII-compatible, because lines are
    found at the byte level before decoding.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); p = os.path.join(tmp.name, "t.txt")
    >>> with open(p, "wb") as f:
    ...     _ = f.write(b"one\\r\\ntwo\\rthree\\nfour")
    >>> [list(read_text_split(FileSplit(p, s, n))) for s, n in ((0, 5), (5, 5), (10, 9))]
    [['one'], ['two', 'three'], ['four']]
    >>> tmp.cleanup()
    """
    if not use_unicode:
        for _, block in _line_blocks(split):
            yield from block.splitlines()
        return
    _check_ascii_compatible(encoding)
    shown = get_filesystem(split.path).qualify(split.path)
    for offset, block in _line_blocks(split):
        yield from _decode_lines(block, offset, encoding, shown)


def _line_blocks(split: FileSplit) -> Iterator[tuple[int, bytes]]:
    """``(file offset, bytes)`` blocks holding exactly the lines owned by ``split``."""
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
                stream.seek(split.start - 1)
                blocks = _drop_first_line(_align_lines(_read_chunks(stream, split.start - 1, end)))
            yield from (_clip_to_end(blocks, end) if end is not None else blocks)


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
    """Skip the line that crosses the split's start (the previous split reads it)."""
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
    """Keep the lines that start before ``end``; the last may run past it."""
    for offset, data in blocks:
        if offset >= end:
            return
        if offset + len(data) <= end:
            yield offset, data
            continue
        yield offset, data[:_first_line_end(data, end - offset - 1)]
        return


def _decode_lines(block: bytes, offset: int, encoding: str, shown: str) -> list[str]:
    """Decode a whole block at once, then split it: far cheaper than per line."""
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError as err:
        raise _located_decode_error(err, block, offset, shown) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if block.endswith((b"\n", b"\r")):
        lines.pop()  # the split after the final terminator is not a line
    return lines


def _located_decode_error(
    err: UnicodeDecodeError, block: bytes, offset: int, shown: str
) -> UnicodeDecodeError:
    """Re-raise a decode error against the offending line, naming file and offset."""
    line_start = max(block.rfind(b"\n", 0, err.start), block.rfind(b"\r", 0, err.start)) + 1
    line_end = _first_line_end(block, err.start)
    line = block[line_start:line_end]
    reason = f"{err.reason} (in {shown}, line starting at byte {offset + line_start})"
    return UnicodeDecodeError(err.encoding, line, err.start - line_start, err.end - line_start, reason)


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
    to a group in order until it reaches that size.  Files are never split.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); d = tmp.name
    >>> for i in range(4):
    ...     with open(os.path.join(d, f"f{i}"), "wb") as f:
    ...         _ = f.write(b"x" * 10)
    >>> [[s.name for s in g] for g in whole_file_groups(d, 2)]
    [['f0', 'f1'], ['f2', 'f3']]
    >>> tmp.cleanup()
    """
    files = list_input_files(path)
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

    Compressed files are decompressed.  With ``use_unicode=False`` both key and
    content are ``bytes``, as in PySpark.
    """
    fs = get_filesystem(status.path)
    shown = fs.qualify(status.path)
    with fs.open(status.path) as raw:
        codec = _codec_for(status.path)
        data = codec(raw).read() if codec is not None else raw.read()
    if not use_unicode:
        return shown.encode("utf-8"), data
    try:
        return shown, data.decode(encoding)
    except UnicodeDecodeError as err:
        raise _located_decode_error(err, data, 0, shown) from None


def read_whole_binary(status: FileStatus) -> tuple[str, bytes]:
    """``(path, raw bytes)`` for ``binaryFiles``; never decompressed, as in Spark."""
    fs = get_filesystem(status.path)
    with fs.open(status.path) as raw:
        return fs.qualify(status.path), raw.read()
