"""Hadoop SequenceFiles (version 6), written and read byte for byte as Hadoop does.

Layout::

    header   "SEQ" 6 | key class | value class | compressed? | block-compressed?
             | codec class (if compressed) | metadata: int count, Text pairs | sync (16 bytes)
    NONE/RECORD  record: int length | int key length | key | value (RECORD: value compressed)
    BLOCK        block: int count (vint) | key lengths | keys | value lengths | values,
                 each a vint size then one compressed stream
    sync escape  int -1 then the 16 sync bytes: before a record once ~SYNC_INTERVAL bytes
                 have passed since the last one (NONE/RECORD), before every block (BLOCK)

Class names, integers and Text are Hadoop's (big-endian ints, Hadoop vints).

Splits (Hadoop's ``SequenceFileRecordReader``): a split that starts at 0
reads from the header; any other starts at the first sync escape at or after
its start.  Reading stops at the first sync escape at or after the split's
end, so every record is read by exactly one split.  Reading is streamed:
one record, or one block (Hadoop's ``io.seqfile.compress.blocksize``, 1 MB),
in memory at a time.
"""
from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterable, Iterator, Optional

from minispark.fs.input import FileSplit
from minispark.fs.registry import get_filesystem
from minispark.hadoop.codecs import Codec, codec_named
from minispark.hadoop.writables import (
    TypeRegistry, WritableError, WritableType, read_vlong, vlong_size, write_vlong,
)

MAGIC = b"SEQ"
VERSION = 6
SYNC_SIZE = 16
SYNC_ESCAPE = -1
#: Hadoop 3's default spacing of sync markers in NONE/RECORD files (Hadoop 2 used 2000).
SYNC_INTERVAL = 5 * 1024 * (4 + SYNC_SIZE)
#: Hadoop's ``io.seqfile.compress.blocksize``: a BLOCK file's block holds this many bytes.
DEFAULT_BLOCK_SIZE = 1_000_000
NONE, RECORD, BLOCK = "NONE", "RECORD", "BLOCK"

_INT = struct.Struct(">i")
_TWO_INTS = struct.Struct(">ii")
_ESCAPE = _INT.pack(SYNC_ESCAPE)
#: Bytes gathered before one write to the file.
_FLUSH_BYTES = 1 << 16
_READ_CHUNK = 1 << 20


class SequenceFileError(ValueError):
    """A file that is not a SequenceFile, or is corrupt, named with the offending offset."""


@dataclass
class Header:
    """What a SequenceFile's header says; ``end`` is where its first record starts."""

    key_class: str
    value_class: str
    compression: str = NONE
    codec: Optional[str] = None
    metadata: dict[str, str] = field(default_factory=dict)
    sync: bytes = b""
    end: int = 0


# -- writing -----------------------------------------------------------------


class SequenceFileWriter:
    """Writes records of one key and one value class to an open binary file.

    ``compression`` is ``NONE``, ``RECORD`` (each value compressed) or
    ``BLOCK`` (blocks of keys and values compressed together); ``codec`` is
    needed with the last two.  ``close()`` finishes the file but leaves the
    file object open.

    >>> import io
    >>> from minispark.hadoop.writables import INT, TEXT
    >>> types = TypeRegistry()
    >>> buf = io.BytesIO()
    >>> writer = SequenceFileWriter(buf, types.lookup(TEXT), types.lookup(INT))
    >>> writer.write_all([("a", 1), ("b", 2)])
    >>> writer.close()
    >>> buf.getvalue()[:4]
    b'SEQ\\x06'
    """

    def __init__(self, out: BinaryIO, key_type: WritableType, value_type: WritableType,
                 compression: str = NONE, codec: Optional[Codec] = None,
                 metadata: Optional[dict[str, str]] = None, sync_interval: int = SYNC_INTERVAL,
                 block_size: int = DEFAULT_BLOCK_SIZE, sync: Optional[bytes] = None) -> None:
        if compression not in (NONE, RECORD, BLOCK):
            raise ValueError(f"SequenceFile compression must be NONE, RECORD or BLOCK, not {compression!r}")
        if (compression == NONE) != (codec is None):
            raise ValueError(f"SequenceFile compression {compression} "
                             f"{'takes no' if codec else 'needs a'} codec")
        self._out = out
        self._key_type, self._value_type = key_type, value_type
        self._compression, self._codec = compression, codec
        self._sync = sync if sync is not None else os.urandom(SYNC_SIZE)
        self._sync_interval, self._block_size = sync_interval, block_size
        self._buffer = bytearray()
        self._flushed = 0
        self._last_sync = 0
        self._block: list[bytearray] = [bytearray() for _ in range(4)]
        self._block_records = 0
        all_metadata = {**key_type.metadata("key"), **value_type.metadata("value"), **(metadata or {})}
        self._write_header(all_metadata)

    def _write_header(self, metadata: dict[str, str]) -> None:
        out = self._buffer
        out += MAGIC + bytes([VERSION])
        for name in (self._key_type.name, self._value_type.name):
            _write_text(name, out)
        out.append(self._compression != NONE)
        out.append(self._compression == BLOCK)
        if self._codec is not None:
            _write_text(self._codec.class_name, out)
        out += _INT.pack(len(metadata))
        for key in sorted(metadata):  # Hadoop's Metadata is a TreeMap
            _write_text(key, out)
            _write_text(metadata[key], out)
        out += self._sync

    def write_all(self, records: Iterable[Any]) -> None:
        """Append ``(key, value)`` pairs; ``WritableError`` names a pair that does not fit."""
        append = self._append_block if self._compression == BLOCK else self._append_record
        for number, record in enumerate(records):
            key, value = record
            key_bytes, value_bytes = bytearray(), bytearray()
            try:
                self._key_type.write(key, key_bytes)
            except WritableError as err:
                raise WritableError(f"key of record {number}: {err}") from None
            try:
                self._value_type.write(value, value_bytes)
            except WritableError as err:
                raise WritableError(f"value of record {number}: {err}") from None
            append(key_bytes, value_bytes)
            if len(self._buffer) >= _FLUSH_BYTES:
                self._flush()

    def _append_record(self, key: bytearray, value: bytearray) -> None:
        if self._position() >= self._last_sync + self._sync_interval:
            self._write_sync()
        if self._codec is not None:
            value = self._codec.compress(bytes(value))  # type: ignore[assignment]
        self._buffer += _TWO_INTS.pack(len(key) + len(value), len(key))
        self._buffer += key
        self._buffer += value

    def _append_block(self, key: bytearray, value: bytearray) -> None:
        key_lengths, keys, value_lengths, values = self._block
        write_vlong(len(key), key_lengths)
        keys += key
        write_vlong(len(value), value_lengths)
        values += value
        self._block_records += 1
        if len(keys) + len(values) >= self._block_size:
            self._write_block()

    def _write_block(self) -> None:
        assert self._codec is not None
        self._write_sync()
        write_vlong(self._block_records, self._buffer)
        for part in self._block:
            compressed = self._codec.compress(bytes(part))
            write_vlong(len(compressed), self._buffer)
            self._buffer += compressed
        self._block = [bytearray() for _ in range(4)]
        self._block_records = 0

    def _write_sync(self) -> None:
        self._buffer += _ESCAPE
        self._buffer += self._sync
        self._last_sync = self._position()

    def _position(self) -> int:
        return self._flushed + len(self._buffer)

    def _flush(self) -> None:
        self._out.write(self._buffer)
        self._flushed += len(self._buffer)
        self._buffer = bytearray()

    def close(self) -> None:
        """Write the last block (BLOCK files) and everything buffered."""
        if self._block_records:
            self._write_block()
        self._flush()


def _write_text(value: str, out: bytearray) -> None:
    data = value.encode("utf-8")
    write_vlong(len(data), out)
    out += data


# -- reading -----------------------------------------------------------------


class _Source:
    """Buffered reads from a binary stream that know their absolute file offset."""

    def __init__(self, stream: BinaryIO, shown: str, offset: int) -> None:
        self._stream = stream
        self.shown = shown
        self._data = b""
        self._pos = 0
        self._base = offset

    def tell(self) -> int:
        return self._base + self._pos

    def at_end(self) -> bool:
        return self._pos >= len(self._data) and not self._refill(1)

    def take(self, size: int) -> bytes:
        if size < 0:
            raise self.corrupt(f"a length of {size} bytes")
        end = self._pos + size
        if end > len(self._data) and not self._refill(size):
            raise EOFError(f"{self.shown} is truncated: {size} bytes wanted at byte "
                           f"{self.tell()} run past the end of the file")
        data = self._data[self._pos:self._pos + size]
        self._pos += size
        return data

    def int(self) -> int:
        return _INT.unpack(self.take(4))[0]

    def vlong(self) -> int:
        first = self.take(1)
        size = vlong_size(first[0])
        return read_vlong(first + self.take(size - 1) if size > 1 else first, 0)[0]

    def text(self) -> str:
        return self.take(self.vlong()).decode("utf-8", "replace")

    def _refill(self, size: int) -> bool:
        """Make ``size`` bytes available from the current position; False at end of file."""
        rest = self._data[self._pos:]
        chunks = [rest]
        have = len(rest)
        while have < size:
            chunk = self._stream.read(max(_READ_CHUNK, size - have))
            if not chunk:
                break
            chunks.append(chunk)
            have += len(chunk)
        self._base += self._pos
        self._data = b"".join(chunks)
        self._pos = 0
        return have >= size

    def corrupt(self, what: str) -> SequenceFileError:
        return SequenceFileError(f"{self.shown} is corrupt: {what} at byte {self.tell()}")


def read_header(source: _Source) -> Header:
    """Parse the header at the source's position (the start of the file)."""
    if source.at_end() or source.take(3) != MAGIC:
        raise SequenceFileError(f"{source.shown} not a SequenceFile")
    version = source.take(1)[0]
    if version < 4 or version > VERSION:
        raise SequenceFileError(f"{source.shown}: SequenceFile version {version} is not supported "
                                f"(4 to {VERSION}; Hadoop has written {VERSION} since 0.20)")
    header = Header(source.text(), source.text())
    compressed, block = source.take(2)
    if compressed:
        header.compression = BLOCK if block else RECORD
        # Before version 5 the codec was always zlib and not named.
        header.codec = source.text() if version >= 5 else "org.apache.hadoop.io.compress.DefaultCodec"
    if version >= 6:
        for _ in range(source.int()):
            key = source.text()
            header.metadata[key] = source.text()
    header.sync = source.take(SYNC_SIZE)
    header.end = source.tell()
    return header


def read_file_header(path: str) -> Header:
    """The header of the SequenceFile at ``path``."""
    fs = get_filesystem(path)
    with fs.open(path) as stream:
        return read_header(_Source(stream, fs.qualify(path), 0))


def read_sequence_split(split: FileSplit, registry: TypeRegistry) -> Iterator[tuple[Any, Any]]:
    """The ``(key, value)`` records a split owns, as Python values.

    >>> import os, tempfile
    >>> from minispark.hadoop.writables import INT, TEXT
    >>> types = TypeRegistry()
    >>> tmp = tempfile.TemporaryDirectory(); path = os.path.join(tmp.name, "f.seq")
    >>> with open(path, "wb") as f:
    ...     w = SequenceFileWriter(f, types.lookup(TEXT), types.lookup(INT), sync_interval=40)
    ...     w.write_all([(str(i), i) for i in range(10)])
    ...     w.close()
    >>> size = os.path.getsize(path)
    >>> [list(read_sequence_split(FileSplit(path, s, e - s), types))
    ...  for s, e in ((0, 150), (150, size))]
    [[('0', 0), ('1', 1), ('2', 2), ('3', 3), ('4', 4), ('5', 5)], [('6', 6), ('7', 7), ('8', 8), ('9', 9)]]
    >>> tmp.cleanup()
    """
    fs = get_filesystem(split.path)
    shown = fs.qualify(split.path)
    with fs.open(split.path) as stream:
        source = _Source(stream, shown, 0)
        header = read_header(source)
        try:
            key_type = registry.lookup(header.key_class, header.metadata, "key")
            value_type = registry.lookup(header.value_class, header.metadata, "value")
            codec = codec_named(header.codec) if header.codec else None
        except NotImplementedError as err:
            raise NotImplementedError(f"{shown}: {err}") from None
        end = split.start + split.length
        if split.start > 0:
            start = _first_sync_at_or_after(stream, header, split.start)
            if start is None or start >= end:
                return
            stream.seek(start)
            source = _Source(stream, shown, start)
        if header.compression == BLOCK:
            assert codec is not None
            yield from _block_records(source, header.sync, end, codec, key_type, value_type)
        else:
            yield from _plain_records(source, header.sync, end, codec, key_type, value_type)


def _first_sync_at_or_after(stream: BinaryIO, header: Header, offset: int) -> Optional[int]:
    """Offset of the first sync escape at or after ``offset`` (past the header), or None."""
    position = max(offset, header.end) + len(_ESCAPE)
    stream.seek(position)
    carry = b""
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return None
        window = carry + chunk
        found = window.find(header.sync)
        if found >= 0:
            return position - len(carry) + found - len(_ESCAPE)
        carry = window[-(SYNC_SIZE - 1):]
        position += len(chunk)


def _check_sync(source: _Source, sync: bytes) -> None:
    if source.take(SYNC_SIZE) != sync:
        raise SequenceFileError(f"{source.shown} is corrupt: sync check failure before byte {source.tell()}")


def _plain_records(source: _Source, sync: bytes, end: int, codec: Optional[Codec],
                   key_type: WritableType, value_type: WritableType) -> Iterator[tuple[Any, Any]]:
    """Records of a NONE or RECORD file from the source's position to the split's end."""
    while not source.at_end():
        position = source.tell()
        length = source.int()
        if length == SYNC_ESCAPE:
            if position >= end:
                return
            _check_sync(source, sync)
            continue
        key_length = source.int()
        if not 0 <= key_length <= length:
            raise source.corrupt(f"record of {length} bytes with a key of {key_length} bytes")
        key = _decode(key_type, source.take(key_length), source, position)
        value_bytes = source.take(length - key_length)
        if codec is not None:
            value_bytes = _decompress(codec, value_bytes, source, position)
        yield key, _decode(value_type, value_bytes, source, position)


def _block_records(source: _Source, sync: bytes, end: int, codec: Codec,
                   key_type: WritableType, value_type: WritableType) -> Iterator[tuple[Any, Any]]:
    """Records of a BLOCK file, a block at a time, from the source's position to the split's end."""
    while not source.at_end():
        position = source.tell()
        if source.int() != SYNC_ESCAPE:
            raise source.corrupt("a block that does not start with a sync marker")
        if position >= end:
            return
        _check_sync(source, sync)
        count = source.vlong()
        key_lengths, keys, value_lengths, values = (
            _decompress(codec, source.take(source.vlong()), source, position) for _ in range(4))
        yield from zip(_block_items(key_type, key_lengths, keys, count, source, position),
                       _block_items(value_type, value_lengths, values, count, source, position))


def _block_items(kind: WritableType, lengths: bytes, data: bytes, count: int,
                 source: _Source, position: int) -> list[Any]:
    """The ``count`` items a block's length and data buffers hold."""
    items = []
    length_pos = item_pos = 0
    for _ in range(count):
        try:
            size, length_pos = read_vlong(lengths, length_pos)
        except IndexError:
            raise source.corrupt(f"a block of fewer than its {count} records (block at byte "
                                 f"{position})") from None
        item, after = _read_item(kind, data, item_pos, source, position)
        if after != item_pos + size:
            raise SequenceFileError(f"{source.shown} is corrupt: the block at byte {position} "
                                    f"holds {size} bytes for a {kind.name} of {after - item_pos}")
        item_pos = after
        items.append(item)
    if length_pos != len(lengths) or item_pos != len(data):
        raise SequenceFileError(f"{source.shown} is corrupt: the block at byte {position} holds "
                                f"more than its {count} records of {kind.name}")
    return items


def _decode(kind: WritableType, data: bytes, source: _Source, position: int) -> Any:
    value, after = _read_item(kind, data, 0, source, position)
    if after != len(data):
        raise SequenceFileError(f"{source.shown} is corrupt: the record at byte {position} holds "
                                f"{len(data)} bytes for a {kind.name} of {after}")
    return value


def _read_item(kind: WritableType, data: bytes, pos: int, source: _Source,
               position: int) -> tuple[Any, int]:
    """``kind.read`` with errors naming the file and the record or block's offset."""
    try:
        return kind.read(data, pos)
    except (IndexError, struct.error, WritableError, UnicodeDecodeError) as err:
        raise SequenceFileError(f"{source.shown} is corrupt: the record or block at byte "
                                f"{position} does not hold a {kind.name} ({err})") from None
    except NotImplementedError as err:
        raise NotImplementedError(f"{source.shown}: {err}") from None


def _decompress(codec: Codec, data: bytes, source: _Source, position: int) -> bytes:
    try:
        return codec.decompress(data)
    except (OSError, EOFError, ValueError, zlib.error) as err:
        raise SequenceFileError(f"{source.shown} is corrupt: {codec.class_name} data of the record "
                                f"or block at byte {position} does not decompress ({err})") from None
