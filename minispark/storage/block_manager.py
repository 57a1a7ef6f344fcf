"""An executor's block store: cached partitions in memory (LRU-bounded) and on disk."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

from minispark.common import serialization
from minispark.storagelevel import StorageLevel


@dataclass(frozen=True)
class BlockStatus:
    """Where one block is kept on one executor, and how big it is."""

    block_id: str
    executor_id: str
    level: StorageLevel
    memory_size: int
    disk_size: int
    #: (host, port) of the holder's block-transfer service, if it has one.
    address: tuple[str, int] | None = field(default=None, compare=False)

    @property
    def stored(self) -> bool:
        return self.memory_size > 0 or self.disk_size > 0


def rdd_block_id(rdd_id: int, partition: int) -> str:
    """Spark's name for the cached block of one RDD partition."""
    return f"rdd_{rdd_id}_{partition}"


#: Records pickled to estimate the size of a large block.
SIZE_SAMPLE = 256


def estimate_size(values: list) -> int:
    """Bytes of ``values`` when pickled, estimated from an even sample of records.

    Pickling a whole cached partition only to learn its size would double the
    cost of caching it (Spark's SizeEstimator samples too).

    >>> values = [(i, str(i) * 3) for i in range(10_000)]
    >>> exact = len(serialization.dumps(values))
    >>> abs(estimate_size(values) - exact) < 0.05 * exact
    True
    """
    n = len(values)
    if n <= 2 * SIZE_SAMPLE:
        return len(serialization.dumps(values))
    sample = [values[i * n // SIZE_SAMPLE] for i in range(SIZE_SAMPLE)]
    return len(serialization.dumps(sample)) * n // SIZE_SAMPLE


class BlockManager:
    """Keeps cached partitions of one executor within ``max_memory`` bytes.

    When a new block does not fit, least-recently-used blocks leave memory:
    a block whose level allows disk moves there, a memory-only one is dropped
    (and recomputed from lineage if asked for again). Every change is queued
    in :attr:`updates` so the executor can report it to the driver.

    A block this executor lacks is fetched from a holder named in
    :attr:`remote_locations` with :attr:`fetch_remote`, when both are set (the
    executor wires them); any failure there means "not held", and the caller
    recomputes the block from lineage. The block-transfer service reads blocks
    from another thread, hence the lock.

    >>> import tempfile
    >>> bm = BlockManager("0", tempfile.mkdtemp(), max_memory=10**6)
    >>> bm.put("rdd_1_0", [1, 2, 3], StorageLevel.MEMORY_ONLY).stored
    True
    >>> bm.get("rdd_1_0")
    [1, 2, 3]
    """

    def __init__(self, executor_id: str, local_dir: str, max_memory: int) -> None:
        self.executor_id = executor_id
        self.local_dir = local_dir
        self.max_memory = max_memory
        self._memory: OrderedDict[str, tuple[list, int, StorageLevel]] = OrderedDict()
        self._disk: dict[str, tuple[str, int, StorageLevel]] = {}
        self.updates: list[BlockStatus] = []
        self.address: tuple[str, int] | None = None
        #: block id -> block-transfer addresses of executors holding it (set per task).
        self.remote_locations: dict[str, list[tuple[str, int]]] = {}
        #: (address, block id) -> that block's framed bytes.
        self.fetch_remote: Callable[[tuple[str, int], str], bytes] | None = None
        self.remote_blocks_fetched = 0
        self._lock = threading.RLock()

    @property
    def memory_used(self) -> int:
        return sum(size for _, size, _ in self._memory.values())

    def get(self, block_id: str) -> list | None:
        """The block's records, or None when neither this executor nor a known
        holder can provide it."""
        values, data = self._local(block_id)
        if values is None and data is None:
            data = self._fetch(block_id)
        if data is not None:
            values = list(serialization.iter_records(data))
        return values

    def get_bytes(self, block_id: str) -> bytes | None:
        """The block as framed pickled bytes (what the transfer service sends), or None."""
        values, data = self._local(block_id)
        if values is not None:
            return serialization.frame(serialization.dumps(values))
        return data

    def _local(self, block_id: str) -> tuple[list | None, bytes | None]:
        """``(records, None)`` from memory, ``(None, framed bytes)`` from disk, or neither."""
        with self._lock:
            if block_id in self._memory:
                self._memory.move_to_end(block_id)
                return self._memory[block_id][0], None
            entry = self._disk.get(block_id)
            if entry is None:
                return None, None
            try:
                with open(entry[0], "rb") as f:
                    return None, f.read()
            except FileNotFoundError:
                return None, None

    def _fetch(self, block_id: str) -> bytes | None:
        for address in self.remote_locations.get(block_id, ()):
            if self.fetch_remote is None or address == self.address:
                continue
            try:
                data = self.fetch_remote(address, block_id)
            except OSError:
                continue  # holder gone or block evicted: try the next, else recompute
            self.remote_blocks_fetched += 1
            return data
        return None

    def put(self, block_id: str, values: list, level: StorageLevel) -> BlockStatus:
        """Store ``values`` at ``level``, evicting LRU blocks to make room."""
        with self._lock:
            return self._put(block_id, values, level)

    def _put(self, block_id: str, values: list, level: StorageLevel) -> BlockStatus:
        if level.useMemory:
            size = estimate_size(values)
            if size <= self.max_memory:
                self._evict_for(size)
                self._memory[block_id] = (values, size, level)
                return self._report(block_id, level, size, 0)
        if level.useDisk:
            return self._write_disk(block_id, serialization.dumps(values), level)
        return self._report(block_id, level, 0, 0)

    def _evict_for(self, size: int) -> None:
        used = self.memory_used
        while self._memory and used + size > self.max_memory:
            victim, (values, vsize, level) = self._memory.popitem(last=False)
            used -= vsize
            if level.useDisk:
                self._write_disk(victim, serialization.dumps(values), level)
            else:
                self._report(victim, level, 0, 0)

    def _write_disk(self, block_id: str, payload: bytes, level: StorageLevel) -> BlockStatus:
        path = os.path.join(self.local_dir, block_id)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(serialization.frame(payload))
        os.replace(tmp, path)
        self._disk[block_id] = (path, len(payload), level)
        return self._report(block_id, level, 0, len(payload))

    def remove(self, block_id: str) -> None:
        """Forget a block in memory and on disk."""
        with self._lock:
            self._memory.pop(block_id, None)
            entry = self._disk.pop(block_id, None)
        if entry is not None:
            try:
                os.unlink(entry[0])
            except FileNotFoundError:
                pass

    def remove_rdd(self, rdd_id: int) -> None:
        """Drop every cached partition of one RDD (``unpersist``)."""
        prefix = f"rdd_{rdd_id}_"
        with self._lock:
            for block_id in [b for b in (*self._memory, *self._disk) if b.startswith(prefix)]:
                self.remove(block_id)

    def _report(self, block_id: str, level: StorageLevel, mem: int, disk: int) -> BlockStatus:
        status = BlockStatus(block_id, self.executor_id, level, mem, disk, self.address)
        self.updates.append(status)
        return status

    def drain_updates(self) -> list[BlockStatus]:
        """Hand over (and forget) the changes since the last call."""
        updates, self.updates = self.updates, []
        return updates
