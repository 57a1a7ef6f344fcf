"""Tasks: what the driver sends an executor, and what comes back."""
from __future__ import annotations

import os
import pickle
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from minispark.shuffle.handle import MapLocation
from minispark.shuffle.writer import data_path

RESULT = "result"
SHUFFLE_MAP = "shuffle_map"


class MapLocations(Sequence):
    """Where a reduce task finds each map output of one shuffle, in map order.

    The driver builds one per shuffle and set of map outputs and hands the same
    object to every reduce task. It pickles once into a compact form, reused
    for every task that ships it: each output named by the writer's convention
    (:func:`~minispark.shuffle.writer.data_path`) is stored as an index into
    a table of writers (directory, executor, block-transfer address), so
    10,000 outputs of 100 executors take ~40 KB rather than a path each.

    >>> locs = MapLocations([MapLocation(data_path("/d", 3, 0), "1", ("h", 9)),
    ...                      MapLocation("/elsewhere/x.data", "2"), MapLocation("")], 3)
    >>> copy = pickle.loads(pickle.dumps(locs))
    >>> list(copy) == list(locs), copy[0].path
    (True, '/d/shuffle_3_0.data')
    """

    __slots__ = ("_items", "_packed", "_shuffle_id")

    def __init__(self, locations: Sequence[MapLocation], shuffle_id: int) -> None:
        self._items = tuple(locations)
        self._shuffle_id = shuffle_id
        self._packed: bytes | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        return self._items[index]

    def __iter__(self) -> Iterator[MapLocation]:
        return iter(self._items)

    def __reduce__(self) -> tuple:
        if self._packed is None:
            self._packed = self._pack()
        return _unpack_locations, (self._packed,)

    def _pack(self) -> bytes:
        """Writers table, each output's writer (-1: kept whole), and the outputs kept whole."""
        writers: dict[tuple, int] = {}
        indices, whole = array("i"), {}
        for i, loc in enumerate(self._items):
            directory = os.path.dirname(loc.path)
            if loc.path and loc.path == data_path(directory, self._shuffle_id, i):
                indices.append(writers.setdefault((directory, loc.executor_id, loc.address),
                                                  len(writers)))
            else:
                indices.append(-1)
                whole[i] = tuple(loc)
        return pickle.dumps((self._shuffle_id, list(writers), indices.tobytes(), whole),
                            pickle.HIGHEST_PROTOCOL)


def _unpack_locations(packed: bytes) -> MapLocations:
    shuffle_id, writers, raw, whole = pickle.loads(packed)
    indices = array("i")
    indices.frombytes(raw)
    items = [MapLocation(*whole[i]) if w < 0 else
             MapLocation(data_path(writers[w][0], shuffle_id, i), *writers[w][1:])
             for i, w in enumerate(indices)]
    locations = MapLocations(items, shuffle_id)
    locations._packed = packed  # shipped on again as it came
    return locations


@dataclass
class TaskDescription:
    """One attempt of one task: small, since the stage's code travels separately.

    ``binary_id`` names the stage's serialized closure, which an executor
    receives once and keeps; ``shuffle_inputs`` maps each shuffle this stage
    reads to the location (data-file path, writer, block-transfer address) of
    every map output; ``remote_blocks`` names, for cached blocks the task may
    read, the block-transfer addresses of the other executors holding them.
    """

    task_id: int
    stage_id: int
    stage_attempt: int
    partition: int
    attempt: int
    binary_id: int
    kind: str
    shuffle_inputs: dict[int, Sequence[MapLocation]] = field(default_factory=dict)
    local_properties: dict[str, str] = field(default_factory=dict)
    #: Set for a task of a barrier stage: how long one barrier()/allGather() may
    #: wait for the other tasks (spark.barrier.sync.timeout, seconds).
    barrier_sync_timeout: float | None = None
    remote_blocks: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass
class TaskMetrics:
    """What a task measured about itself; rides back with its result.

    Times are seconds. Records and bytes are counted a batch at a time.
    """

    #: Wall time of the whole attempt, stage-binary unpickling included.
    duration: float = 0.0
    #: CPU time of the task's thread after deserialization (Spark's executor CPU time).
    cpu_time: float = 0.0
    #: Unpickling the stage binary (0 when the executor already held it).
    deserialize_time: float = 0.0
    deserialize_cpu_time: float = 0.0
    #: Running the task itself, after deserialization (Spark's executor run time).
    run_time: float = 0.0
    #: Time in Python's cyclic garbage collector while the task ran.
    gc_time: float = 0.0
    #: Pickled size of a result task's value.
    result_size: int = 0
    #: Records and bytes read from the stage's input (file splits, parallelized data).
    input_records_read: int = 0
    input_bytes_read: int = 0
    #: Records and bytes written by saveAs* output tasks.
    output_records_written: int = 0
    output_bytes_written: int = 0
    shuffle_bytes_written: int = 0
    shuffle_records_written: int = 0
    #: Time spent writing map outputs (data file and index) to disk.
    shuffle_write_time: float = 0.0
    spilled_bytes: int = 0
    #: Shuffle bytes fetched from other executors' block-transfer services.
    shuffle_remote_bytes_read: int = 0
    #: Shuffle bytes read from map outputs on this executor's disk.
    shuffle_local_bytes_read: int = 0
    shuffle_records_read: int = 0
    #: Time the task waited for map outputs to arrive over the network.
    shuffle_fetch_wait_time: float = 0.0


@dataclass
class TaskResult:
    """The outcome of one attempt, sent from executor to driver."""

    task_id: int
    executor_id: str
    success: bool
    value: Any = None
    accumulator_updates: list[tuple[int, Any]] = field(default_factory=list)
    block_updates: list = field(default_factory=list)
    metrics: TaskMetrics = field(default_factory=TaskMetrics)
    error: str = ""
    traceback: str = ""
    fetch_failure: tuple[int, int] | None = None
    #: With a fetch failure: the other map outputs of that shuffle the task would
    #: have read from its executor's disk that are missing there.
    lost_outputs: tuple[int, ...] = ()
