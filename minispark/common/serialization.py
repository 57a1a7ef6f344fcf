"""Batched serialization of records between processes and to disk.

Records always travel in batches: one ``pickle.dumps`` of a list costs far
less per record than pickling each record on its own, and a length-prefixed
frame lets a reader find batch boundaries without unpickling.

A batch goes through the C pickler unless it holds something only cloudpickle
can ship: an instance of a class defined in the user's script (``__main__``)
or inside a function. Such a batch is pickled again, whole, by cloudpickle, so
the cost stays per batch and records of builtin types keep the C pickler's
speed. Every payload, either kind, loads with ``pickle.loads``.
"""
from __future__ import annotations

import io
import linecache
import pickle
import struct
import types
from itertools import chain, islice
from typing import Any, BinaryIO, Callable, Iterable, Iterator

import cloudpickle

#: Protocol 4 for record batches: records are many small objects, and
#: protocol 5's buffer-aware reduction makes each small numpy array ~1.5x
#: slower to pickle. Broadcasts use protocol 5's out-of-band buffers instead.
PROTOCOL = 4
CODE_PROTOCOL = 5
_FRAME = struct.Struct("<I")
#: How the C pickler (protocol 4+) writes the module name of a global it pickles
#: by reference. Executors cannot import the driver's ``__main__`` (the user's
#: script), so a batch the driver pickles naming it is pickled again by value.
_MAIN_REFERENCE = b"\x8c\x08__main__"
#: What the C pickler raises for objects it cannot pickle by reference that
#: cloudpickle can pickle by value (classes and functions defined in ``__main__``
#: or in a function, lambdas, code objects).
_BY_VALUE_ERRORS = (pickle.PicklingError, AttributeError, TypeError)
_CLOUDPICKLE_REDUCE_CODE = cloudpickle.Pickler.dispatch_table[types.CodeType]
#: False in an executor process (see :func:`mark_executor_process`).
_main_is_users = True


def dumps(obj: object, protocol: int = PROTOCOL) -> bytes:
    """Pickle data with the C pickler, or with cloudpickle when it must go by value.

    >>> import collections, pickle
    >>> Point = collections.namedtuple("Point", "x y")   # a class no module holds
    >>> pickle.loads(dumps([Point(1, 2)]))
    [Point(x=1, y=2)]
    """
    try:
        data = pickle.dumps(obj, protocol)
    except _BY_VALUE_ERRORS:
        return dumps_code(obj, protocol)
    if _main_is_users and _MAIN_REFERENCE in data:
        return dumps_code(obj, protocol)
    return data


def mark_executor_process() -> None:
    """Say that this process is an executor: its ``__main__`` is minispark's bootstrap,
    where no class of the user's lives, so the C pickler already refuses those and
    :func:`dumps` skips the scan for ``__main__`` references (5-8% of a batch's time)."""
    global _main_is_users
    _main_is_users = False


def dumps_code(obj: object, protocol: int = CODE_PROTOCOL,
               buffer_callback: Callable[[pickle.PickleBuffer], Any] | None = None) -> bytes:
    """Pickle closures and classes defined in ``__main__`` by value, with cloudpickle.

    Code keeps its file name, so a traceback from an executor names the
    user's file and line:

    >>> f = lambda x: x + 1
    >>> g = pickle.loads(dumps_code(f))
    >>> g(1), g.__code__.co_filename == f.__code__.co_filename
    (2, True)
    """
    with io.BytesIO() as out:
        ShippingPickler(out, protocol, buffer_callback=buffer_callback).dump(obj)
        return out.getvalue()


def _reduce_code(code: types.CodeType) -> tuple:
    # cloudpickle >= 3.1.3 ships every code object as "<dynamic-code>" (for
    # byte-identical payloads); tracebacks and linecache need the real name.
    make, args = _CLOUDPICKLE_REDUCE_CODE(code)
    return _rebuild_code, (make, args, code.co_filename, _unsaved_source(code.co_filename))


def _unsaved_source(filename: str) -> list[str] | None:
    """The lines linecache holds for code with no file to read (a notebook cell, the REPL)."""
    entry = linecache.cache.get(filename)
    if entry is not None and len(entry) == 4 and entry[1] is None:
        return entry[2]
    return None


def _rebuild_code(make: Callable[..., types.CodeType], args: tuple, filename: str,
                  lines: list[str] | None) -> types.CodeType:
    if lines is not None:
        # mtime None: linecache.checkcache keeps the entry, as it does the driver's
        linecache.cache[filename] = (sum(map(len, lines)), None, lines, filename)
    return make(*args).replace(co_filename=filename)


class ShippingPickler(cloudpickle.Pickler):
    """cloudpickle's pickler, except that code objects keep their file name."""

    def __init__(self, file: BinaryIO, protocol: int = CODE_PROTOCOL,
                 buffer_callback: Callable[[pickle.PickleBuffer], Any] | None = None) -> None:
        # The C pickler looks the type of every record up in this table: a plain
        # dict keeps that in C, where cloudpickle's ChainMap costs a Python call per
        # record (~2x the time of a batch of namedtuples). Taken anew per pickler,
        # so copyreg registrations made later still count.
        self.dispatch_table = {**cloudpickle.Pickler.dispatch_table, types.CodeType: _reduce_code}
        super().__init__(file, protocol, buffer_callback=buffer_callback)


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
