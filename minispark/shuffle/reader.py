"""Reduce side of a shuffle: fetch one partition's range from every map output."""
from __future__ import annotations

import os
import struct
from itertools import chain
from typing import Iterator, Sequence

from minispark.common import serialization
from minispark.common.errors import FetchFailedError
from minispark.shuffle.aggregator import NO_SPILL, Merger, SpillPolicy, external_sort
from minispark.shuffle.handle import ShuffleHandle

_OFFSET = struct.Struct("<q")


def fetch_partition(handle: ShuffleHandle, reduce_index: int,
                    map_paths: Sequence[str]) -> Iterator[tuple]:
    """The raw records every map output holds for ``reduce_index``, read lazily.

    A map output is read a frame (one pickled batch) at a time, so memory
    holds one batch, not the whole range. A missing or truncated map output
    raises :class:`FetchFailedError`, which tells the scheduler to recompute
    exactly that map partition.
    """
    payloads = (payload for map_index, path in enumerate(map_paths)
                for payload in _read_frames(handle.shuffle_id, map_index, path, reduce_index))
    return chain.from_iterable(map(serialization.loads, payloads))  # no frame per record


def output_exists(path: str) -> bool:
    """Whether a map output's data file and index are both still in place."""
    return os.path.exists(path) and os.path.exists(path + ".index")


def _read_frames(shuffle_id: int, map_index: int, path: str, reduce_index: int
                 ) -> Iterator[bytes]:
    """The payloads of the frames in one map output's range for ``reduce_index``."""
    try:
        with open(path + ".index", "rb") as index:
            index.seek(reduce_index * _OFFSET.size)
            start, end = struct.unpack("<2q", index.read(2 * _OFFSET.size))
        data_file = open(path, "rb")
    except (OSError, struct.error) as exc:
        raise _fetch_failed(shuffle_id, map_index, exc) from None
    with data_file:
        data_file.seek(start)
        try:
            yield from serialization.read_frames(data_file, end - start)
        except (OSError, EOFError) as exc:
            raise _fetch_failed(shuffle_id, map_index, exc) from None


def _fetch_failed(shuffle_id: int, map_index: int, exc: Exception) -> FetchFailedError:
    """A fetch failure naming the error that made a map output unreadable."""
    return FetchFailedError(shuffle_id, map_index, f"{type(exc).__name__}: {exc}")


def read_partition(handle: ShuffleHandle, reduce_index: int, map_paths: Sequence[str],
                   policy: SpillPolicy = NO_SPILL) -> Iterator[tuple]:
    """Fetch, then combine by key and/or sort as the shuffle's handle asks."""
    records = fetch_partition(handle, reduce_index, map_paths)
    agg = handle.aggregator
    if agg is not None:
        merger = Merger(agg, policy)
        if handle.map_side_combine:
            merger.merge_combiners(records)
        else:
            merger.merge_values(records)
        records = merger.items()
    if handle.key_ordering is not None:
        records = external_sort(records, handle.key_ordering, handle.ascending, policy)
    return records
