"""Broadcast variables: read-only values shipped to each executor once.

The driver pickles the value once into a file in the application directory,
with pickle protocol 5 out-of-band buffers laid out page-aligned; executors
memory-map that file, so a large numpy array is neither sent with every task
nor copied per executor (it comes back as a read-only array over the map).
"""
from __future__ import annotations

import mmap
import os
import pickle
import struct
import threading
from typing import Any, Callable, Generic, TypeVar

from minispark.common import serialization

T = TypeVar("T")
_ALIGN = 64
_HEADER = struct.Struct("<QQ")
_registry: dict[int, "Broadcast"] = {}
_lock = threading.Lock()
#: set by the active SparkContext: tells executors to drop a broadcast (id, destroy)
on_remove: Callable[[int, bool], None] | None = None
#: set in a cluster executor, which cannot read the driver's directory: copies the
#: broadcast file of this name from the driver (once) and returns its local path
fetch_file: Callable[[str], str] | None = None


class Broadcast(Generic[T]):
    """A broadcast variable; tasks read it through ``.value``.

    Create them with ``sc.broadcast(value)``:

    >>> from minispark import SparkContext
    >>> sc = SparkContext.getOrCreate()
    >>> b = sc.broadcast([1, 2, 3])
    >>> sc.parallelize([0, 1]).map(lambda i: b.value[i]).collect()
    [1, 2]
    >>> b.destroy()
    """

    def __init__(self, bid: int, path: str, value: Any = None, loaded: bool = False) -> None:
        self._bid = bid
        self._path = path
        self._value = value
        self._loaded = loaded
        self._destroyed = False

    @property
    def id(self) -> int:
        return self._bid

    @property
    def value(self) -> T:
        """The broadcast value (loaded from the shared file on first use)."""
        if self._destroyed:
            raise RuntimeError(f"Attempted to use destroyed Broadcast({self._bid})")
        if not self._loaded:
            self._value = _read_value(self._bid, self._path)
            self._loaded = True
        return self._value

    def dump(self, value: Any, f: Any) -> None:
        """Pickle ``value`` into the open binary file ``f``."""
        f.write(serialization.dumps_code(value))

    def load(self, file: Any) -> Any:
        """Unpickle a value written by :meth:`dump` from the open binary file ``file``."""
        return pickle.load(file)

    def load_from_path(self, path: str) -> Any:
        """Unpickle a value written by :meth:`dump` from the file at ``path``."""
        with open(path, "rb") as f:
            return self.load(f)

    def unpersist(self, blocking: bool = False) -> None:
        """Drop executors' copies; the value is read again when next used."""
        if on_remove is not None:
            on_remove(self._bid, False)

    def destroy(self, blocking: bool = False) -> None:
        """Remove the value everywhere; later use raises an error."""
        self._destroyed = True
        self._value = None
        if on_remove is not None:
            on_remove(self._bid, True)
        try:
            os.unlink(self._path)
        except FileNotFoundError:
            pass

    def __reduce__(self):
        if self._destroyed:
            raise RuntimeError(f"Attempted to use destroyed Broadcast({self._bid})")
        return (_rebuild, (self._bid, self._path))

    def __repr__(self) -> str:
        return f"Broadcast({self._bid})"


def write_broadcast(bid: int, value: Any, path: str) -> Broadcast:
    """Pickle ``value`` to ``path`` and register the driver's Broadcast."""
    buffers: list[pickle.PickleBuffer] = []
    payload = serialization.dumps_code(value, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        out.write(_HEADER.pack(len(payload), len(raws)))
        out.write(struct.pack(f"<{len(raws)}Q", *(r.nbytes for r in raws)))
        out.write(payload)
        for raw in raws:
            out.write(b"\0" * (-out.tell() % _ALIGN))
            out.write(raw)
    os.replace(tmp, path)
    bc: Broadcast = Broadcast(bid, path, value, loaded=True)
    with _lock:
        _registry[bid] = bc
    return bc



def _read_value(bid: int, path: str) -> Any:
    try:
        if fetch_file is not None:
            path = fetch_file(os.path.basename(path))
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        raise RuntimeError(f"Attempted to use destroyed Broadcast({bid})") from None
    view = memoryview(mapped)
    size, count = _HEADER.unpack_from(view, 0)
    pos = _HEADER.size
    lengths = struct.unpack_from(f"<{count}Q", view, pos)
    pos += 8 * count
    payload = view[pos:pos + size]
    pos += size
    buffers = []
    for length in lengths:
        pos += -pos % _ALIGN
        buffers.append(view[pos:pos + length])
        pos += length
    return pickle.loads(payload, buffers=buffers)


def _rebuild(bid: int, path: str) -> Broadcast:
    """In the driver, the registered object; in an executor, a lazily loaded copy."""
    with _lock:
        bc = _registry.get(bid)
        if bc is None:
            bc = _registry[bid] = Broadcast(bid, path)
    return bc


def forget(bid: int, destroy: bool) -> None:
    """Executor side: drop the cached value (and the entry, when destroyed)."""
    with _lock:
        bc = _registry.pop(bid, None) if destroy else _registry.get(bid)
    if bc is not None and not destroy:
        bc._value, bc._loaded = None, False
    if bc is not None and destroy:
        bc._destroyed = True
