"""Map side of a shuffle: partition (and combine) records into one file + index.

Pickled frames wait in memory, per reduce partition, up to a share of the
task's memory limit; past it they are appended to one temporary file per
reduce partition. At the end each partition's file, then its frames still in
memory, are copied into the data file, so the file holds the same bytes
whether or not anything went to a temporary file.
"""
from __future__ import annotations

import os
import shutil
import struct
import time
from contextlib import suppress
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from typing import BinaryIO, Callable, Iterable, Iterator

from minispark.common import serialization
from minispark.shuffle.aggregator import NO_SPILL, Merger, SpillPolicy, raise_if_not_pairs
from minispark.shuffle.handle import MapStatus, ShuffleHandle
from minispark.shuffle.mapstatus import ExactSizes

#: Records buffered per bucket before they are pickled as one batch.
BATCH_RECORDS = 4096
#: Records buffered over all buckets at most: with many reduce partitions each
#: bucket's batch shrinks (to no less than MIN_BATCH_RECORDS) rather than
#: holding 4096 unpickled records per partition.
BUFFERED_RECORDS = 1 << 16
MIN_BATCH_RECORDS = 128
#: Frames in memory may hold 1/FRAME_BUFFER_SHARE of ``spark.python.worker.memory``.
FRAME_BUFFER_SHARE = 8
#: Bytes read at a time when copying a temporary file into the data file.
COPY_CHUNK = 1 << 20


def data_path(shuffle_dir: str, shuffle_id: int, map_index: int) -> str:
    """The data file of one map output (its index is ``path + '.index'``)."""
    return os.path.join(shuffle_dir, f"shuffle_{shuffle_id}_{map_index}.data")


@dataclass
class WriteMetrics:
    """Seconds a map task spent writing to disk (temporary files, data file and index)."""

    write_time: float = 0.0


def write_map_output(records: Iterable[tuple], handle: ShuffleHandle, map_index: int,
                     shuffle_dir: str, executor_id: str,
                     policy: SpillPolicy = NO_SPILL,
                     address: tuple[str, int] | None = None,
                     metrics: WriteMetrics | None = None) -> MapStatus:
    """Partition ``records`` by key and write them as one data file plus an index.

    ``address`` is the writer's block-transfer service, where reducers that
    cannot read the file fetch it; ``metrics``, if given, receives the time
    spent writing.

    Both files are written under temporary names and renamed into place, so a
    reader sees either a complete map output or none; a rerun of the same map
    replaces the previous output atomically.
    """
    if handle.aggregator is not None and handle.map_side_combine:
        merger = Merger(handle.aggregator, policy)
        merger.merge_values(records)
        records = merger.items()
    path = data_path(shuffle_dir, handle.shuffle_id, map_index)
    with FrameBuffer(handle.num_partitions, policy) as frames:
        count = _partition_into_frames(records, handle, frames)
        started = time.perf_counter()
        _write_files(path, frames.sizes, frames.copy_to)
        if metrics is not None:
            metrics.write_time += frames.write_time + time.perf_counter() - started
    return MapStatus(handle.shuffle_id, map_index, path, ExactSizes(tuple(frames.sizes)), count,
                     executor_id, address)


class FrameBuffer:
    """Pickled frames per reduce partition, in memory up to a bound, then in files.

    The files live in a folder of the task's spill area that leaving the
    ``with`` block removes, also when the task fails.
    """

    def __init__(self, partitions: int, policy: SpillPolicy = NO_SPILL) -> None:
        self.frames: list[list[bytes]] = [[] for _ in range(partitions)]
        self.sizes = [0] * partitions
        self.policy = policy
        limit = policy.memory_limit
        self.bound = None if limit is None else limit // FRAME_BUFFER_SHARE
        self.buffered = 0
        self.directory: str | None = None
        self.on_disk: set[int] = set()  # partitions with a temporary file
        self.write_time = 0.0  # seconds spent writing temporary files

    def __enter__(self) -> "FrameBuffer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def add(self, partition: int, batch: list) -> None:
        """Pickle ``batch`` as one frame of ``partition``."""
        data = serialization.frame(serialization.dumps(batch))
        self.frames[partition].append(data)
        self.sizes[partition] += len(data)
        self.buffered += len(data)
        if self.bound is not None and self.buffered > self.bound:
            self._spill()

    def _spill(self) -> None:
        if self.directory is None:
            self.directory = self.policy.make_dir("shuffle-")
        started = time.perf_counter()
        for partition, frames in enumerate(self.frames):
            if frames:
                with open(self._file(partition), "ab") as out:
                    out.writelines(frames)
                frames.clear()
                self.on_disk.add(partition)
        self.write_time += time.perf_counter() - started
        self.policy.spilled_bytes += self.buffered
        self.buffered = 0

    def _file(self, partition: int) -> str:
        return os.path.join(self.directory, str(partition))  # type: ignore[arg-type]

    def copy_to(self, out: BinaryIO) -> None:
        """Write every partition's frames to ``out``, partition after partition."""
        for partition, frames in enumerate(self.frames):
            if partition in self.on_disk:
                with open(self._file(partition), "rb") as spilled:
                    shutil.copyfileobj(spilled, out, COPY_CHUNK)
            out.writelines(frames)


def _partition_into_frames(records: Iterable[tuple], handle: ShuffleHandle,
                           frames: FrameBuffer) -> int:
    """Add ``records`` to ``frames`` in per-partition batches; return how many there were."""
    n = handle.num_partitions
    count = 0
    if n == 1:
        for batch in _batches(records, BATCH_RECORDS):
            frames.add(0, batch)
            count += len(batch)
        return count
    partitioner = handle.partitioner
    buckets: list[list] = [[] for _ in range(n)]
    batch_records = min(BATCH_RECORDS, max(MIN_BATCH_RECORDS, BUFFERED_RECORDS // n))
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
            if len(bucket) >= batch_records:
                frames.add(i, bucket)
                buckets[i] = []
    for i, bucket in enumerate(buckets):
        if bucket:
            frames.add(i, bucket)
    return count


def _batches(records: Iterable, size: int) -> Iterator[list]:
    it = iter(records)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch


def _write_files(path: str, sizes: list[int], write_data: Callable[[BinaryIO], None]) -> None:
    """Write the data file with ``write_data`` and the index of ``sizes``, then rename
    both into place; a failure leaves neither temporary file behind."""
    offsets = [0]
    for size in sizes:
        offsets.append(offsets[-1] + size)
    tmp = f"{path}.{os.getpid()}.tmp"
    index_tmp = tmp + ".index"
    try:
        with open(tmp, "wb") as out:
            write_data(out)
        with open(index_tmp, "wb") as out:
            out.write(struct.pack(f"<{len(offsets)}q", *offsets))
        os.replace(tmp, path)
        os.replace(index_tmp, path + ".index")
    except BaseException:
        for leftover in (tmp, index_tmp):
            with suppress(FileNotFoundError):
                os.unlink(leftover)
        raise
