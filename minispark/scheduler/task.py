"""Tasks: what the driver sends an executor, and what comes back."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minispark.shuffle.handle import MapLocation

RESULT = "result"
SHUFFLE_MAP = "shuffle_map"


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
    shuffle_inputs: dict[int, list[MapLocation]] = field(default_factory=dict)
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
