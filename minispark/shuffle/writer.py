"""Map side of a shuffle: partition (and combine) records into one file + index."""
from __future__ import annotations

import os
import struct
from itertools import islice
from operator import itemgetter
from typing import Iterable, Iterator

from minispark.common import serialization
from minispark.shuffle.aggregator import NO_SPILL, Merger, SpillPolicy, raise_if_not_pairs
from minispark.shuffle.handle import MapStatus, ShuffleHandle

#: Records buffered per bucket before they are pickled as one batch.
BATCH_RECORDS = 4096


def data_path(shuffle_dir: str, shuffle_id: int, map_index: int) -> str:
    """The data file of one map output (its index is ``path + '.index'``)."""
    return os.path.join(shuffle_dir, f"shuffle_{shuffle_id}_{map_index}.data")


def write_map_output(records: Iterable[tuple], handle: ShuffleHandle, map_index: int,
                     shuffle_dir: str, executor_id: str,
                     policy: SpillPolicy = NO_SPILL) -> MapStatus:
    """Partition ``records`` by key and write them as one data file plus an index.

    Both files are written under temporary names and renamed into place, so a
    reader sees either a complete map output or none; a rerun of the same map
    replaces the previous output atomically.
    """
    if handle.aggregator is not None and handle.map_side_combine:
        merger = Merger(handle.aggregator, policy)
        merger.merge_values(records)
        records = merger.items()
    frames, count = _partition_into_frames(records, handle)
    path = data_path(shuffle_dir, handle.shuffle_id, map_index)
    sizes = _write_files(path, frames)
    return MapStatus(handle.shuffle_id, map_index, path, sizes, count, executor_id)


def _partition_into_frames(records: Iterable[tuple], handle: ShuffleHandle
                           ) -> tuple[list[list[bytes]], int]:
    n = handle.num_partitions
    frames: list[list[bytes]] = [[] for _ in range(n)]
    count = 0
    if n == 1:
        for batch in _batches(records, BATCH_RECORDS):
            frames[0].append(serialization.frame(serialization.dumps(batch)))
            count += len(batch)
        return frames, count
    partitioner = handle.partitioner
    buckets: list[list] = [[] for _ in range(n)]
    for batch in _batches(records, BATCH_RECORDS):
        count += len(batch)
        try:
            keys = list(map(itemgetter(0), batch))
        except (TypeError, IndexError, KeyError) as exc:
            raise_if_not_pairs(batch, exc)
            raise
        indices = partitioner.partition_indices(keys)
        for record, index in zip(batch, indices):
            buckets[index].append(record)
        for i, bucket in enumerate(buckets):
            if len(bucket) >= BATCH_RECORDS:
                frames[i].append(serialization.frame(serialization.dumps(bucket)))
                buckets[i] = []
    for i, bucket in enumerate(buckets):
        if bucket:
            frames[i].append(serialization.frame(serialization.dumps(bucket)))
    return frames, count


def _batches(records: Iterable, size: int) -> Iterator[list]:
    it = iter(records)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch


def _write_files(path: str, frames: list[list[bytes]]) -> tuple[int, ...]:
    sizes = tuple(sum(map(len, bucket)) for bucket in frames)
    offsets = [0]
    for size in sizes:
        offsets.append(offsets[-1] + size)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as out:
        for bucket in frames:
            out.writelines(bucket)
    index_tmp = tmp + ".index"
    with open(index_tmp, "wb") as out:
        out.write(struct.pack(f"<{len(offsets)}q", *offsets))
    os.replace(tmp, path)
    os.replace(index_tmp, path + ".index")
    return sizes
