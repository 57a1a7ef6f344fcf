"""The driver's view of cached blocks: which executor holds what, and how much."""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from minispark.storage.block_manager import BlockStatus


@dataclass(frozen=True)
class RDDStorageInfo:
    """Storage status of one persisted RDD, as the UI's storage tab shows it."""

    rdd_id: int
    num_cached_partitions: int
    memory_size: int
    disk_size: int
    executors: tuple[str, ...]


class BlockManagerMaster:
    """Tracks every block's locations and sizes, from executors' reports.

    >>> from minispark.storagelevel import StorageLevel
    >>> m = BlockManagerMaster()
    >>> m.update(BlockStatus("rdd_3_0", "1", StorageLevel.MEMORY_ONLY, 100, 0))
    >>> m.locations("rdd_3_0")
    ['1']
    >>> m.rdd_info(3).memory_size
    100
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocks: dict[str, dict[str, BlockStatus]] = defaultdict(dict)

    def update(self, status: BlockStatus) -> None:
        with self._lock:
            holders = self._blocks[status.block_id]
            if status.stored:
                holders[status.executor_id] = status
            else:
                holders.pop(status.executor_id, None)
                if not holders:
                    del self._blocks[status.block_id]

    def locations(self, block_id: str) -> list[str]:
        with self._lock:
            return list(self._blocks.get(block_id, ()))

    def has_blocks(self) -> bool:
        """Whether any executor holds any block (a cheap test before a lineage walk)."""
        return bool(self._blocks)

    def addresses(self, block_id: str, exclude: str = "") -> list[tuple[str, int]]:
        """Block-transfer addresses of the executors (but ``exclude``) holding a block.

        >>> from minispark.storagelevel import StorageLevel
        >>> m = BlockManagerMaster()
        >>> m.update(BlockStatus("rdd_3_0", "1", StorageLevel.MEMORY_ONLY, 100, 0, ("h", 7)))
        >>> m.addresses("rdd_3_0"), m.addresses("rdd_3_0", exclude="1")
        ([('h', 7)], [])
        """
        with self._lock:
            holders = self._blocks.get(block_id, {})
            return [s.address for e, s in holders.items()
                    if e != exclude and s.address is not None]

    def remove_executor(self, executor_id: str) -> list[str]:
        """Forget every block of a lost executor; return their ids."""
        lost = []
        with self._lock:
            for block_id in list(self._blocks):
                if self._blocks[block_id].pop(executor_id, None) is not None:
                    lost.append(block_id)
                if not self._blocks[block_id]:
                    del self._blocks[block_id]
        return lost

    def remove_rdd(self, rdd_id: int) -> None:
        prefix = f"rdd_{rdd_id}_"
        with self._lock:
            for block_id in [b for b in self._blocks if b.startswith(prefix)]:
                del self._blocks[block_id]

    def rdd_info(self, rdd_id: int) -> RDDStorageInfo:
        """Cached partitions, bytes in memory and on disk, and executors of one RDD."""
        prefix = f"rdd_{rdd_id}_"
        with self._lock:
            entries = [(b, s) for b, holders in self._blocks.items() if b.startswith(prefix)
                       for s in holders.values()]
        return RDDStorageInfo(
            rdd_id,
            len({b for b, _ in entries}),
            sum(s.memory_size for _, s in entries),
            sum(s.disk_size for _, s in entries),
            tuple(sorted({s.executor_id for _, s in entries})),
        )
