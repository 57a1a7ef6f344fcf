"""Batched serialization of records between processes and to disk.

Records always travel in batches: one ``pickle.dumps`` of a list costs far
less per record than pickling each record on its own, and a length-prefixed
frame lets a reader find batch boundaries without unpickling.
"""
from __future__ import annotations

import pickle
import struct
from itertools import chain, islice
from typing import BinaryIO, Iterable, Iterator

import cloudpickle

#: Protocol 4 for record batches: records are many small objects, and
#: protocol 5's buffer-aware reduction makes each small numpy array ~1.5x
#: slower to pickle. Broadcasts use protocol 5's out-of-band buffers instead.
PROTOCOL = 4
CODE_PROTOCOL = 5
_FRAME = struct.Struct("<I")


def dumps(obj: object) -> bytes:
    """Pickle data (not code) with the fast C pickler."""
    return pickle.dumps(obj, protocol=PROTOCOL)


def dumps_code(obj: object) -> bytes:
    """Pickle closures and classes defined in ``__main__`` by value."""
    return cloudpickle.dumps(obj, protocol=CODE_PROTOCOL)


loads = pickle.loads


def frame(payload: bytes) -> bytes:
    """Prefix ``payload`` with its length so frames can be concatenated."""
    return _FRAME.pack(len(payload)) + payload


def iter_frames(buf: bytes | memoryview) -> Iterator[memoryview]:
    """Yield the payloads of the frames concatenated in ``buf``."""
    view = memoryview(buf)
    pos, end = 0, len(view)
    while pos < end:
        (size,) = _FRAME.unpack_from(view, pos)
        pos += _FRAME.size
        yield view[pos:pos + size]
        pos += size


def iter_batches(buf: bytes | memoryview) -> Iterator[list]:
    """Yield the record batches pickled into the frames of ``buf``."""
    for payload in iter_frames(buf):
        yield pickle.loads(payload)


def iter_records(buf: bytes | memoryview) -> Iterator[object]:
    """Every record of every batch framed in ``buf``, flattened in C (no frame per record)."""
    return chain.from_iterable(iter_batches(buf))


def write_batches(out: BinaryIO, records: Iterable[object], batch_size: int = 1024) -> int:
    """Write ``records`` to ``out`` as framed pickled batches; return bytes written."""
    it = iter(records)
    written = 0
    while batch := list(islice(it, batch_size)):
        written += out.write(frame(dumps(batch)))
    return written


def read_frames(f: BinaryIO, length: int | None = None) -> Iterator[bytes]:
    """The payloads of the frames in the next ``length`` bytes of ``f`` (to its end
    when None), read one frame at a time, so memory holds one batch, not the file.

    Raises :class:`TruncatedFrameError` when the data ends inside a frame.
    """
    remaining = length
    while remaining is None or remaining > 0:
        header = f.read(_FRAME.size)
        if not header and remaining is None:
            return
        if len(header) < _FRAME.size:
            raise TruncatedFrameError(f"{_name(f)} is truncated inside a frame header")
        (size,) = _FRAME.unpack(header)
        if remaining is not None:
            remaining -= _FRAME.size + size
            if remaining < 0:
                raise TruncatedFrameError(f"a frame of {_name(f)} runs past its range")
        payload = f.read(size)
        if len(payload) < size:
            raise TruncatedFrameError(f"{_name(f)} is truncated: a frame of {size} bytes "
                                      f"has {len(payload)}")
        yield payload


class TruncatedFrameError(EOFError):
    """Framed data that ends before a frame does (a cut-short or foreign file)."""


def _name(f: BinaryIO) -> str:
    return str(getattr(f, "name", "the stream"))


def read_file_records(path: str) -> Iterator[object]:
    """The records of a file written by :func:`write_batches`, a batch at a time."""
    return chain.from_iterable(map(pickle.loads, _file_frames(path)))


def _file_frames(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        yield from read_frames(f)
