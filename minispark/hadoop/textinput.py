"""Hadoop's ``LineRecordReader``: ``(byte offset, record)`` pairs of text files, split by split.

Records end at a line terminator (``\\n``, ``\\r\\n`` or ``\\r``) or, with
``textinputformat.record.delimiter``, at that byte string.  The offset is the
record's first byte in the (decompressed) file, as TextInputFormat's
LongWritable key.

Which split owns a record: let ``N(p)`` be where the first record starts
that a reader finds when it begins scanning at byte ``p``.  A split
``[start, end)`` reads the records starting in ``[N(start), N(end))``, with
``N(0) = 0``; consecutive splits therefore share no record and miss none.

- Line terminators: ``N(p)`` is just past the first terminator at or after
  ``p``, which is Hadoop's rule (a line starting exactly at ``end`` belongs
  to the earlier split).
- A custom delimiter may overlap itself (``"\\n\\n"`` inside ``"\\n\\n\\n"``), so
  a scan started mid-file can pair its bytes differently from one started at
  0.  ``N(p)`` therefore first moves to the first byte after ``p - 1`` that is
  not part of the delimiter's alphabet, where both scans must agree, then
  goes past the next delimiter.  (Hadoop's own reader can duplicate or drop
  records there.)
"""
from __future__ import annotations

import re
from typing import BinaryIO, Iterator, Optional

from minispark.fs.input import READ_CHUNK, FileSplit, decompressed, is_splittable
from minispark.fs.registry import get_filesystem

_UTF8_BOM = b"\xef\xbb\xbf"
_TERMINATOR = re.compile(rb"\r\n|\r|\n")
#: First read when looking for a split's first record; doubled while none is found.
_PROBE = 1 << 13


def read_records(split: FileSplit, delimiter: Optional[bytes] = None) -> Iterator[tuple[int, bytes]]:
    """``(offset, record bytes)`` of the records ``split`` owns (terminators removed).

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory(); p = os.path.join(tmp.name, "t.txt")
    >>> with open(p, "wb") as f:
    ...     _ = f.write(b"one\\r\\ntwo\\nthree")
    >>> [list(read_records(FileSplit(p, s, n))) for s, n in ((0, 5), (5, 9))]
    [[(0, b'one'), (5, b'two')], [(9, b'three')]]
    >>> list(read_records(FileSplit(p, 0, 14), b"t"))
    [(0, b'one\\r\\n'), (6, b'wo\\n'), (10, b'hree')]
    >>> tmp.cleanup()
    """
    if delimiter == b"":
        raise ValueError("textinputformat.record.delimiter must not be empty")
    fs = get_filesystem(split.path)
    with fs.open(split.path) as raw:
        if not is_splittable(split.path):
            with decompressed(raw, split.path) as stream:
                yield from _records(stream, 0, None, delimiter)
            return
        begin = 0 if split.start == 0 else _next_record_start(raw, split.start, delimiter)
        stop = _next_record_start(raw, split.start + split.length, delimiter)
        if begin is None or (stop is not None and begin >= stop):
            return
        raw.seek(begin)
        yield from _records(raw, begin, stop, delimiter)


def _next_record_start(stream: BinaryIO, position: int, delimiter: Optional[bytes]) -> Optional[int]:
    """``N(position)``: where the first record starts that a scan from ``position`` finds."""
    if position == 0:
        return 0
    origin = position if delimiter is None else position - 1
    stream.seek(origin)
    data, want = b"", _PROBE
    while True:
        more = stream.read(want)
        data += more
        found = _boundary(data, delimiter, at_end=not more)
        if found is not None:
            return origin + found
        if not more:
            return None
        want *= 2


def _boundary(data: bytes, delimiter: Optional[bytes], at_end: bool) -> Optional[int]:
    """Index just past the first record end ``data`` shows for sure, else None."""
    if delimiter is None:
        match = _TERMINATOR.search(data)
        if match is None or (match.group() == b"\r" and match.end() == len(data) and not at_end):
            return None  # a final \r may be the first half of \r\n
        return match.end()
    alphabet = set(delimiter)
    # data[0] is the byte before the position asked about.
    settled = next((i + 1 for i, byte in enumerate(data) if byte not in alphabet), None)
    if settled is None:
        return None
    found = data.find(delimiter, settled)
    return None if found < 0 else found + len(delimiter)


def _records(stream: BinaryIO, begin: int, stop: Optional[int],
             delimiter: Optional[bytes]) -> Iterator[tuple[int, bytes]]:
    """Records starting in ``[begin, stop)`` read from the stream's position ``begin``."""
    offset, data = begin, b""
    while True:
        chunk = stream.read(READ_CHUNK)
        # The carried tail holds no record end, except maybe one it ends inside of.
        scan_from = max(0, len(data) - len(delimiter or b"\r"))
        data = data + chunk if data else chunk
        ends = _record_ends(data, delimiter, not chunk, scan_from)
        cut = 0
        for record_end, next_start in ends:
            record = data[cut:record_end]
            if offset + cut == 0 and record.startswith(_UTF8_BOM):
                record = record[len(_UTF8_BOM):]  # as Hadoop's LineRecordReader does
            yield offset + cut, record
            cut = next_start
            if stop is not None and offset + cut >= stop:
                return
        if not chunk:
            if cut < len(data):
                yield offset + cut, data[cut:]
            return
        offset += cut
        data = data[cut:]


def _record_ends(data: bytes, delimiter: Optional[bytes], at_end: bool,
                 scan_from: int) -> list[tuple[int, int]]:
    """``(record end, next record start)`` for each complete terminator from ``scan_from`` on."""
    if delimiter is None:
        ends = [(m.start(), m.end()) for m in _TERMINATOR.finditer(data, scan_from)]
        if ends and not at_end and ends[-1][1] == len(data) and data.endswith(b"\r"):
            ends.pop()  # may be the first half of \r\n
        return ends
    ends, position = [], data.find(delimiter, scan_from)
    while position >= 0:
        ends.append((position, position + len(delimiter)))
        position = data.find(delimiter, position + len(delimiter))
    return ends
