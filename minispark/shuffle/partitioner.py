"""Partitioners: which reduce partition a key goes to, the same in every process."""
from __future__ import annotations

import bisect
import functools
import sys
import zlib
from typing import Any, Callable, Sequence

_MASK = sys.maxsize


def identity(value: Any) -> Any:
    """The default key function and reduceByKey's createCombiner (recognised by identity)."""
    return value


def portable_hash(x: Any) -> int:
    """Hash ``x`` identically in every process, whatever PYTHONHASHSEED is.

    ``hash(str)`` is salted per process, so strings and bytes hash by CRC-32
    of their UTF-8 bytes; tuples combine their items' portable hashes as
    PySpark does, so int and tuple keys land where PySpark puts them.

    >>> portable_hash("spark") == portable_hash("spark")
    True
    >>> portable_hash(None), portable_hash(7)
    (0, 7)
    """
    kind = type(x)
    if kind is str:
        return zlib.crc32(x.encode("utf-8", "surrogatepass"))
    if kind is int or x is None:
        return 0 if x is None else hash(x)
    if kind is tuple:
        return _tuple_hash(x)
    if isinstance(x, (bytes, bytearray, memoryview)):
        return zlib.crc32(x)
    if isinstance(x, str):
        return zlib.crc32(str(x).encode("utf-8", "surrogatepass"))
    if isinstance(x, tuple):
        return _tuple_hash(x)
    if isinstance(x, frozenset):
        return _frozenset_hash(x)
    return hash(x)


def _portable_hash_indices(keys: list, n: int) -> list[int]:
    kinds = set(map(type, keys))
    if kinds == {int}:
        return [h % n for h in map(hash, keys)]
    if kinds == {str}:
        crc32 = zlib.crc32
        return [crc32(k.encode("utf-8", "surrogatepass")) % n for k in keys]
    return [portable_hash(k) % n for k in keys]


def _tuple_hash(items: tuple) -> int:
    h = 0x345678
    for item in items:
        h ^= portable_hash(item)
        h *= 1000003
        h &= _MASK
    h ^= len(items)
    return -2 if h == -1 else h


def _frozenset_hash(items: frozenset) -> int:
    h = len(items)
    for item in items:
        h ^= (portable_hash(item) * 0x9E3779B1) & _MASK
    return h


def range_bounds(sketches: Sequence[tuple[int, list]], num_partitions: int,
                 keyfunc: Callable[[Any], Any] = identity) -> list:
    """``num_partitions - 1`` bounds splitting the sampled keys into equal weights.

    Each sampled key stands for ``count / len(sample)`` keys of its partition,
    so a large partition sampled as sparsely as a small one still counts more.

    >>> range_bounds([(4, [1, 2, 3, 4]), (4, [5, 6, 7, 8])], 2)
    [4]
    """
    weighted = sorted(((keyfunc(key), count / len(sample))
                       for count, sample in sketches if sample for key in sample),
                      key=lambda kw: kw[0])
    if not weighted:
        return []
    step = sum(w for _, w in weighted) / num_partitions
    bounds: list = []
    target, total = step, 0.0
    for key, weight in weighted:
        total += weight
        if total >= target and len(bounds) < num_partitions - 1:
            if not bounds or key > bounds[-1]:
                bounds.append(key)
            target += step
    return bounds


class Partitioner:
    """Maps a key to one of ``numPartitions`` partitions.

    >>> p = Partitioner(3, portable_hash)
    >>> p(4), p.numPartitions
    (1, 3)
    """

    def __init__(self, numPartitions: int, partitionFunc: Callable[[Any], int]) -> None:
        self.numPartitions = numPartitions
        self.partitionFunc = partitionFunc

    def __call__(self, key: Any) -> int:
        return self.partitionFunc(key) % self.numPartitions

    def partition_function(self) -> Callable[[Any], int]:
        """A callable key -> partition index."""
        func, n = self.partitionFunc, self.numPartitions
        return lambda key: func(key) % n

    def partition_indices(self, keys: list) -> list[int]:
        """The partition of every key of a batch, without a Python call per key
        where the keys allow it.

        >>> Partitioner(4, portable_hash).partition_indices([1, 6, "a", None])
        [1, 2, 3, 0]
        """
        if self.partitionFunc is portable_hash:
            return _portable_hash_indices(keys, self.numPartitions)
        locate = self.partition_function()
        return [locate(key) for key in keys]  # not map(): StopIteration must propagate

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Partitioner)
            and type(other) is type(self)
            and self.numPartitions == other.numPartitions
            and self.partitionFunc == other.partitionFunc
        )

    def __hash__(self) -> int:
        return hash((type(self), self.numPartitions))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.numPartitions})"


class RangePartitioner(Partitioner):
    """Sends keys to partitions by comparing them against sorted bounds.

    >>> p = RangePartitioner([10, 20], ascending=True)
    >>> [p(k) for k in (5, 10, 15, 25)]
    [0, 0, 1, 2]
    """

    def __init__(self, bounds: Sequence[Any], ascending: bool = True,
                 keyfunc: Callable[[Any], Any] = identity,
                 num_partitions: int | None = None) -> None:
        self.bounds = list(bounds)
        self.ascending = ascending
        self.keyfunc = keyfunc
        # PySpark keeps the requested count even when fewer distinct bounds exist;
        # partitions past the last bound then stay empty.
        count = len(self.bounds) + 1 if num_partitions is None else num_partitions
        if count < len(self.bounds) + 1:
            raise ValueError(f"{len(self.bounds)} bounds need at least {len(self.bounds) + 1} "
                             f"partitions, not {count}")
        super().__init__(count, self._locate)

    def _locate(self, key: Any) -> int:
        index = bisect.bisect_left(self.bounds, self.keyfunc(key))
        return index if self.ascending else self.numPartitions - 1 - index

    def partition_function(self) -> Callable[[Any], int]:
        if self.ascending and self.keyfunc is identity:
            return functools.partial(bisect.bisect_left, self.bounds)  # C-level, no Python frame
        return self._locate

    def partition_indices(self, keys: list) -> list[int]:
        locate = self.partition_function()
        if isinstance(locate, functools.partial):
            return list(map(locate, keys))  # bisect: no user code runs here
        return [locate(key) for key in keys]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RangePartitioner)
            and self.bounds == other.bounds
            and self.ascending == other.ascending
            and self.keyfunc == other.keyfunc
        )

    def __hash__(self) -> int:
        return hash((RangePartitioner, self.numPartitions, self.ascending))
