"""Reduce side of a shuffle: fetch one partition's range from every map output.

A map output this executor can read on disk is read there, a frame at a time;
any other is fetched from its writer's block-transfer service
(:mod:`minispark.shuffle.transfer`), several requests in flight. Either way the
records come in map order.
"""
from __future__ import annotations

import os
import struct
import time
from dataclasses import dataclass, field
from itertools import chain
from typing import Iterator, Sequence

from minispark.common import serialization
from minispark.common.errors import FetchFailedError
from minispark.shuffle.aggregator import NO_SPILL, Merger, SpillPolicy, external_sort
from minispark.shuffle.handle import MapLocation, ShuffleHandle
from minispark.shuffle.transfer import RangeFetcher, TransferClient

_OFFSET = struct.Struct("<q")


@dataclass
class ReadMetrics:
    """Shuffle bytes one task read from local disk and fetched over the network,
    the records in them, and the seconds it waited for fetched ones."""

    local_bytes: int = 0
    remote_bytes: int = 0
    records: int = 0
    fetch_wait: float = 0.0

    def loads(self, payload: bytes) -> list:
        """Unpickle one frame (a batch of records) and count its records."""
        batch = serialization.loads(payload)
        self.records += len(batch)
        return batch


@dataclass
class RemoteReads:
    """How this executor reaches map outputs it cannot read on disk."""

    client: TransferClient
    executor_id: str
    host: str
    #: Fetch every map output over the network, even this executor's own.
    force_remote: bool = False
    max_bytes_in_flight: int = 48 << 20

    def over_network(self, location: MapLocation) -> bool:
        """Whether ``location`` must be fetched rather than read from disk."""
        if location.address is None:
            return False
        if self.force_remote:
            return True
        if location.executor_id == self.executor_id:
            return False
        return location.address[0] != self.host or not os.path.exists(location.path + ".index")


@dataclass
class MapInputs:
    """Every map output of one shuffle, as one task reads them."""

    locations: Sequence[MapLocation]
    remote: RemoteReads | None = None
    metrics: ReadMetrics = field(default_factory=ReadMetrics)


def fetch_partition(handle: ShuffleHandle, reduce_index: int,
                    inputs: MapInputs | Sequence[str]) -> Iterator[tuple]:
    """The raw records every map output holds for ``reduce_index``, read lazily.

    ``inputs`` is a :class:`MapInputs` or just the data-file paths. A map
    output on disk is read a frame (one pickled batch) at a time, so memory
    holds one batch, not the whole range. A missing, truncated or corrupted
    map output raises :class:`FetchFailedError`, which tells the scheduler to
    recompute exactly that map partition.
    """
    if not isinstance(inputs, MapInputs):
        inputs = MapInputs([MapLocation(path) for path in inputs])
    payloads = _payloads(handle.shuffle_id, reduce_index, inputs)
    return chain.from_iterable(map(inputs.metrics.loads, payloads))  # no frame per record


def _payloads(shuffle_id: int, reduce_index: int, inputs: MapInputs) -> Iterator[bytes]:
    """The frames of every map output's range, in map order, from disk or the network."""
    remote = inputs.remote
    fetched = [] if remote is None else [
        (i, loc.address) for i, loc in enumerate(inputs.locations) if remote.over_network(loc)]
    fetcher = None
    if fetched:
        def fetch(key: tuple, offset: int, most: int) -> tuple[int, bytes]:
            return remote.client.shuffle_chunk(key[1], shuffle_id, key[0], reduce_index,
                                               offset, most)
        fetcher = RangeFetcher(fetched, fetch, remote.client.pool, remote.max_bytes_in_flight)
    remote_indices = {i for i, _ in fetched}
    for map_index, location in enumerate(inputs.locations):
        if map_index in remote_indices:
            yield from _fetched_frames(shuffle_id, map_index, fetcher, inputs.metrics)
        else:
            yield from _read_frames(shuffle_id, map_index, location.path, reduce_index,
                                    inputs.metrics)
            if fetcher is not None:
                fetcher.fill()


def _fetched_frames(shuffle_id: int, map_index: int, fetcher: RangeFetcher,
                    metrics: ReadMetrics) -> Iterator[bytes]:
    waited = time.perf_counter()
    try:
        _, data = fetcher.next_range()
    except OSError as exc:
        raise _fetch_failed(shuffle_id, map_index, exc) from None
    metrics.fetch_wait += time.perf_counter() - waited
    metrics.remote_bytes += len(data)
    return serialization.iter_frames(data)


def output_exists(path: str) -> bool:
    """Whether a map output's data file and index are both still in place."""
    return os.path.exists(path) and os.path.exists(path + ".index")


def _read_frames(shuffle_id: int, map_index: int, path: str, reduce_index: int,
                 metrics: ReadMetrics | None = None) -> Iterator[bytes]:
    """The payloads of the frames in one map output's range for ``reduce_index``."""
    try:
        with open(path + ".index", "rb") as index:
            index.seek(reduce_index * _OFFSET.size)
            start, end = struct.unpack("<2q", index.read(2 * _OFFSET.size))
        data_file = open(path, "rb")
    except (OSError, struct.error) as exc:
        raise _fetch_failed(shuffle_id, map_index, exc) from None
    if metrics is not None:
        metrics.local_bytes += end - start
    with data_file:
        data_file.seek(start)
        try:
            yield from serialization.read_frames(data_file, end - start)
        except (OSError, EOFError) as exc:
            raise _fetch_failed(shuffle_id, map_index, exc) from None


def _fetch_failed(shuffle_id: int, map_index: int, exc: Exception) -> FetchFailedError:
    """A fetch failure naming the error that made a map output unreadable."""
    return FetchFailedError(shuffle_id, map_index, f"{type(exc).__name__}: {exc}")


def read_partition(handle: ShuffleHandle, reduce_index: int,
                   inputs: MapInputs | Sequence[str], policy: SpillPolicy = NO_SPILL
                   ) -> Iterator[tuple]:
    """Fetch, then combine by key and/or sort as the shuffle's handle asks."""
    records = fetch_partition(handle, reduce_index, inputs)
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
