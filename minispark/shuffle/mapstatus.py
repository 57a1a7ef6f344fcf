"""Sizes of one map output's blocks (one per reduce partition), compact for the driver.

The driver keeps a map status per map task for the life of its shuffle: with
10,000 map tasks of 10,000 reduce partitions each, a plain tuple of sizes
would hold 10^8 Python ints (several GB). So a status leaves the executor in
one of two compact forms, chosen as Spark chooses them:

* up to :data:`HIGHLY_COMPRESS_ABOVE` blocks, :class:`CompressedSizes`: one
  byte per block holding ``ceil(log_1.1(size))``, so each estimate is at most
  10% above the true size and never below it;
* above it, :class:`HighlyCompressedSizes`: a bitmap of the empty blocks and
  the average size of the others.

Either way an empty block reads 0 and a non-empty one at least 1 (a reader
may skip a block reported empty, so that must be exact); blocks of at least
:data:`ACCURATE_BLOCK_THRESHOLD` bytes, and in the highly compressed form
the largest blocks far above the average (skew), keep their exact size; the
total is exact. Reducers never rely on these sizes for correctness: they read
each block's exact range from the map output's index. The sizes serve fetch
planning and metrics.
"""
from __future__ import annotations

import heapq
import math
from abc import abstractmethod
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import partial
from itertools import compress as compress_by
from typing import Iterator, NamedTuple, overload

#: Spark's ``spark.shuffle.minNumPartitionsToHighlyCompress`` default.
HIGHLY_COMPRESS_ABOVE = 2000
#: Spark's ``spark.shuffle.accurateBlockThreshold`` default: blocks this large stay exact.
ACCURATE_BLOCK_THRESHOLD = 100 << 20
#: A block more than this many times the average non-empty block counts as skewed...
SKEW_FACTOR = 5
#: ...and at most this many skewed blocks stay exact (Spark's
#: ``spark.shuffle.maxAccurateSkewedBlockNumber`` default).
MAX_EXACT_SKEWED = 100

_LOG_BASE = 1.1
#: ``_BOUNDS[c]`` is the largest size encoded as ``c``; 0 stays 0, 1 becomes 1, and
#: anything past ``1.1**254`` becomes 255 (such blocks are kept exact anyway).
_BOUNDS = (0.0, *(_LOG_BASE ** c for c in range(1, 255)), math.inf)
_DECODED = (0, *(int(_LOG_BASE ** c) for c in range(1, 256)))
_encode_size = partial(bisect_left, _BOUNDS)


class BlockSizes(Sequence):
    """The size in bytes of each block of one map output, by reduce partition.

    >>> sizes = compress([0, 5, 1000])
    >>> sizes[0], sizes[1] >= 5, len(sizes), sizes.total
    (0, True, 3, 1005)
    """

    __slots__ = ()

    @property
    @abstractmethod
    def total(self) -> int:
        """The exact number of bytes in all blocks."""

    @abstractmethod
    def size(self, reduce_index: int) -> int:
        """The (estimated) size of one block: 0 exactly when the block is empty."""

    @abstractmethod
    def compact(self) -> "BlockSizes":
        """These sizes in the form the driver keeps."""

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.size(i) for i in range(len(self))[index]]
        return self.size(range(len(self))[index])  # bounds-checked, negative allowed

    def __iter__(self) -> Iterator[int]:
        return map(self.size, range(len(self)))

    def __reduce__(self) -> tuple:
        # Frozen slotted dataclasses do not pickle by default on every supported Python.
        return type(self), tuple(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True, slots=True)
class ExactSizes(BlockSizes):
    """Every block's exact size: what the map task measured.

    >>> ExactSizes((3, 0, 7)).total
    10
    """

    values: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.values)

    @property
    def total(self) -> int:
        return sum(self.values)

    def size(self, reduce_index: int) -> int:
        return self.values[reduce_index]

    def __iter__(self) -> Iterator[int]:
        return iter(self.values)

    def compact(self) -> BlockSizes:
        return compress(self.values)


class _ExactBlocks(NamedTuple):
    """The blocks whose exact size is kept: sorted indices and their sizes."""

    indices: tuple[int, ...]
    sizes: tuple[int, ...]

    def get(self, reduce_index: int) -> int | None:
        i = bisect_left(self.indices, reduce_index)
        if i < len(self.indices) and self.indices[i] == reduce_index:
            return self.sizes[i]
        return None


_NO_EXACT = _ExactBlocks((), ())


@dataclass(frozen=True, slots=True)
class CompressedSizes(BlockSizes):
    """One byte per block, ``ceil(log_1.1(size))``: estimates in ``[size, 1.1 * size)``.

    >>> sizes = CompressedSizes.of([0, 1, 2, 1000, 200 << 20])
    >>> list(sizes)
    [0, 1, 2, 1051, 209715200]
    """

    codes: bytes
    exact: _ExactBlocks
    _total: int

    @classmethod
    def of(cls, sizes: Sequence[int]) -> "CompressedSizes":
        """Encode ``sizes``; blocks of ``ACCURATE_BLOCK_THRESHOLD`` bytes or more stay exact."""
        exact = _exact_blocks(_over_threshold(sizes, ACCURATE_BLOCK_THRESHOLD), 0)
        return cls(bytes(map(_encode_size, sizes)), exact, sum(sizes))

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def total(self) -> int:
        return self._total

    def size(self, reduce_index: int) -> int:
        exact = self.exact.get(reduce_index) if self.exact.indices else None
        return _DECODED[self.codes[reduce_index]] if exact is None else exact

    def compact(self) -> BlockSizes:
        return self


@dataclass(frozen=True, slots=True)
class HighlyCompressedSizes(BlockSizes):
    """A bitmap of the empty blocks plus the average size of the others.

    >>> sizes = HighlyCompressedSizes.of([0, 10, 30, 0, 10, 30, 10, 30, 10 ** 6])
    >>> list(sizes)
    [0, 20, 20, 0, 20, 20, 20, 20, 1000000]
    """

    blocks: int
    #: Bit ``i`` (byte ``i // 8``, bit ``i % 8``) is set when block ``i`` is empty;
    #: ``b""`` when no block is.
    empty: bytes
    average: int
    exact: _ExactBlocks
    _total: int

    @classmethod
    def of(cls, sizes: Sequence[int]) -> "HighlyCompressedSizes":
        """Encode ``sizes``: empties, huge and skewed blocks exact, the average of the rest."""
        # Imported here: only map tasks of over 2,000 reduce partitions need it, and
        # it scans their sizes ~5x faster than Python (a map task pays it per output).
        import numpy as np

        values = np.fromiter(sizes, dtype=np.int64, count=len(sizes))
        empty = values == 0
        total, empties = int(values.sum()), int(np.count_nonzero(empty))
        non_empty = len(values) - empties
        threshold = ACCURATE_BLOCK_THRESHOLD
        if non_empty:
            threshold = min(threshold, SKEW_FACTOR * total // non_empty)
        threshold = min(threshold, ACCURATE_BLOCK_THRESHOLD - 1)
        over = np.flatnonzero(values > threshold)
        exact = _exact_blocks(list(zip(values[over].tolist(), over.tolist())), MAX_EXACT_SKEWED)
        rest = non_empty - len(exact.indices)
        average = -(-(total - sum(exact.sizes)) // rest) if rest else 0
        # Bit i of byte i // 8 is block i's: numpy's little bit order.
        bitmap = np.packbits(empty, bitorder="little").tobytes() if empties else b""
        return cls(len(values), bitmap, max(average, 1), exact, total)

    def __len__(self) -> int:
        return self.blocks

    @property
    def total(self) -> int:
        return self._total

    def size(self, reduce_index: int) -> int:
        empty = self.empty
        if empty and empty[reduce_index >> 3] >> (reduce_index & 7) & 1:
            return 0
        exact = self.exact.get(reduce_index) if self.exact.indices else None
        return self.average if exact is None else exact

    def compact(self) -> BlockSizes:
        return self


def compress(sizes: Sequence[int]) -> BlockSizes:
    """The compact form of ``sizes``, by their number (as Spark's ``MapStatus``).

    >>> type(compress([1] * 2000)).__name__, type(compress([1] * 2001)).__name__
    ('CompressedSizes', 'HighlyCompressedSizes')
    """
    if len(sizes) > HIGHLY_COMPRESS_ABOVE:
        return HighlyCompressedSizes.of(sizes)
    return CompressedSizes.of(sizes)


def _over_threshold(sizes: Sequence[int], threshold: int) -> list[tuple[int, int]]:
    """``(size, index)`` of the blocks above ``threshold`` (capped below the accurate one)."""
    threshold = min(threshold, ACCURATE_BLOCK_THRESHOLD - 1)
    if not sizes or max(sizes) <= threshold:  # the usual case, decided at C speed
        return []
    return [(sizes[i], i) for i in compress_by(range(len(sizes)), map(threshold.__lt__, sizes))]


def _exact_blocks(over: list[tuple[int, int]], most_skewed: int) -> _ExactBlocks:
    """Of the blocks ``over`` a threshold, as ``(size, index)``: every block of
    ``ACCURATE_BLOCK_THRESHOLD`` bytes or more, plus the ``most_skewed`` largest others."""
    if not over:
        return _NO_EXACT
    huge = [(size, i) for size, i in over if size >= ACCURATE_BLOCK_THRESHOLD]
    skewed = heapq.nlargest(most_skewed, (item for item in over
                                          if item[0] < ACCURATE_BLOCK_THRESHOLD))
    kept = sorted(huge + skewed, key=lambda item: item[1])
    return _ExactBlocks(tuple(i for _, i in kept), tuple(size for size, _ in kept))

