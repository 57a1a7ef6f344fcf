"""Reduce side of a shuffle: fetch one partition's range from every map output."""
from __future__ import annotations

import os
import struct
from typing import Iterator, Sequence

from minispark.common import serialization
from minispark.common.errors import FetchFailedError
from minispark.shuffle.aggregator import NO_SPILL, Merger, SpillPolicy, external_sort
from minispark.shuffle.handle import ShuffleHandle

_OFFSET = struct.Struct("<q")


def fetch_partition(handle: ShuffleHandle, reduce_index: int,
                    map_paths: Sequence[str]) -> Iterator[tuple]:
    """Yield the raw records every map output holds for ``reduce_index``.

    A missing or truncated map output raises :class:`FetchFailedError`, which
    tells the scheduler to recompute exactly that map partition.
    """
    for map_index, path in enumerate(map_paths):
        data = _read_range(handle.shuffle_id, map_index, path, reduce_index)
        yield from serialization.iter_records(data)


def output_exists(path: str) -> bool:
    """Whether a map output's data file and index are both still in place."""
    return os.path.exists(path) and os.path.exists(path + ".index")


def _read_range(shuffle_id: int, map_index: int, path: str, reduce_index: int) -> bytes:
    try:
        with open(path + ".index", "rb") as index:
            index.seek(reduce_index * _OFFSET.size)
            start, end = struct.unpack("<2q", index.read(2 * _OFFSET.size))
        with open(path, "rb") as data_file:
            data_file.seek(start)
            data = data_file.read(end - start)
    except (OSError, struct.error) as exc:
        raise FetchFailedError(shuffle_id, map_index, f"{type(exc).__name__}: {exc}") from None
    if len(data) != end - start:
        raise FetchFailedError(shuffle_id, map_index, f"truncated output {path}")
    return data


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
