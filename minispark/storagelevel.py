"""StorageLevel: where a persisted RDD's partitions are kept (as pyspark.StorageLevel)."""
from __future__ import annotations


class StorageLevel:
    """Flags for memory, disk, serialization and replication of cached blocks.

    >>> StorageLevel.MEMORY_AND_DISK
    StorageLevel(True, True, False, False, 1)
    >>> str(StorageLevel.DISK_ONLY)
    'Disk Serialized 1x Replicated'
    """

    NONE: "StorageLevel"
    DISK_ONLY: "StorageLevel"
    DISK_ONLY_2: "StorageLevel"
    DISK_ONLY_3: "StorageLevel"
    MEMORY_ONLY: "StorageLevel"
    MEMORY_ONLY_2: "StorageLevel"
    MEMORY_AND_DISK: "StorageLevel"
    MEMORY_AND_DISK_2: "StorageLevel"
    MEMORY_AND_DISK_DESER: "StorageLevel"
    OFF_HEAP: "StorageLevel"

    def __init__(self, useDisk: bool, useMemory: bool, useOffHeap: bool,
                 deserialized: bool, replication: int = 1) -> None:
        self.useDisk = useDisk
        self.useMemory = useMemory
        self.useOffHeap = useOffHeap
        self.deserialized = deserialized
        self.replication = replication

    def _key(self) -> tuple:
        return (self.useDisk, self.useMemory, self.useOffHeap, self.deserialized,
                self.replication)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StorageLevel) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "StorageLevel(%s, %s, %s, %s, %s)" % self._key()

    def __str__(self) -> str:
        parts = ["Disk " if self.useDisk else "", "Memory " if self.useMemory else "",
                 "OffHeap " if self.useOffHeap else "",
                 "Deserialized " if self.deserialized else "Serialized ",
                 f"{self.replication}x Replicated"]
        return "".join(parts)


StorageLevel.NONE = StorageLevel(False, False, False, False)
StorageLevel.DISK_ONLY = StorageLevel(True, False, False, False)
StorageLevel.DISK_ONLY_2 = StorageLevel(True, False, False, False, 2)
StorageLevel.DISK_ONLY_3 = StorageLevel(True, False, False, False, 3)
StorageLevel.MEMORY_ONLY = StorageLevel(False, True, False, False)
StorageLevel.MEMORY_ONLY_2 = StorageLevel(False, True, False, False, 2)
StorageLevel.MEMORY_AND_DISK = StorageLevel(True, True, False, False)
StorageLevel.MEMORY_AND_DISK_2 = StorageLevel(True, True, False, False, 2)
StorageLevel.MEMORY_AND_DISK_DESER = StorageLevel(True, True, False, True)
StorageLevel.OFF_HEAP = StorageLevel(True, True, True, False, 1)
