"""The executor runtime: runs tasks in whatever process hosts it.

The same class serves the in-driver backend and every worker process, so
both run tasks exactly alike: closures are unpickled from the stage binary
(once per stage per executor), accumulators start from zero in each task,
and failures come back as the user's own formatted traceback.
"""
from __future__ import annotations

import gc
import os
import shutil
import sys
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from minispark import accumulators, broadcast
from minispark.common import auth, serialization
from minispark.common.errors import FetchFailedError
from minispark.files import SparkFiles
from minispark.fs import registry as fs_registry
from minispark.fs.metrics import begin_task_io, end_task_io
from minispark.scheduler.driver_files import DriverFileFetcher
from minispark.scheduler.lineage import deserialize_stage
from minispark.scheduler.task import RESULT, TaskDescription, TaskMetrics, TaskResult
from minispark.shuffle.aggregator import SpillPolicy
from minispark.shuffle.reader import MapInputs, ReadMetrics, RemoteReads, output_exists
from minispark.shuffle.transfer import BlockTransferService, TransferClient, advertised_host
from minispark.shuffle.writer import WriteMetrics, write_map_output
from minispark.storage.block_manager import BlockManager
from minispark.taskcontext import BarrierTaskContext, TaskContext

#: Stage binaries an executor keeps; older ones are unpickled again if needed.
MAX_BINARIES = 32
#: Bytes of pickled stage binaries kept so an evicted or failed one can be loaded
#: again: the driver sends each binary to an executor once, whatever happens to it.
MAX_PICKLED_BINARY_BYTES = 64 << 20
#: Cyclic-GC thresholds while a task runs. Shuffles hold millions of live
#: tuples and lists; at Python's default (700) the collector re-walks them so
#: often that it takes ~40% of a join. Cycles are still collected, less often.
TASK_GC_THRESHOLD = (100_000, 20, 50)


class _GcClock:
    """Seconds this process has spent in the cyclic garbage collector.

    A ``gc.callbacks`` hook: two clock reads per collection, which at
    TASK_GC_THRESHOLD are rare, so tasks pay nothing measurable for it.
    """

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started

    def install(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)


_GC_CLOCK = _GcClock()


@dataclass
class ExecutorSettings:
    """What an executor needs from the driver's configuration."""

    app_dir: str
    max_memory: int
    spill_records: int | None = None
    worker_memory: int | None = None
    py_files: tuple[str, ...] = ()
    #: ``spark.hadoop.*`` and ``spark.files.maxPartitionBytes``, for the file-system layer.
    fs_settings: dict[str, str] = field(default_factory=dict)
    #: The application's shared secret: every block-transfer connection proves it.
    auth_secret: bytes = field(default_factory=auth.new_secret, repr=False)
    #: Where executors' block-transfer services listen (spark.blockManager.bindAddress).
    bind_address: str = "127.0.0.1"
    #: Fetch map outputs over the network even when readable on disk
    #: (minispark.shuffle.fetch.forceRemote).
    force_remote_fetch: bool = False
    #: spark.reducer.maxSizeInFlight
    max_bytes_in_flight: int = 48 << 20
    #: Where a cluster executor fetches the driver's broadcast and added files
    #: (:mod:`minispark.scheduler.driver_files`); None where it reads them on disk.
    driver_files: tuple[str, int] | None = None


@dataclass
class _StageBinary:
    rdd: Any
    payload: Any
    accumulators: list


class ExecutorEnv:
    """Services a task reaches through ``TaskContext._env``.

    Unless it lives in the driver, an executor serves its map outputs and
    cached blocks to the others over its block-transfer service, and fetches
    theirs with one shared client; :meth:`close` stops both.
    """

    def __init__(self, executor_id: str, settings: ExecutorSettings,
                 serve_blocks: bool = True) -> None:
        self.executor_id = executor_id
        self.settings = settings
        self.block_manager = BlockManager(
            executor_id, _ensure_dir(settings.app_dir, "blocks", executor_id), settings.max_memory)
        self.shuffle_dir = _ensure_dir(settings.app_dir, "shuffle")
        self.shuffle_inputs: dict[int, MapInputs] = {}
        self.read_metrics = ReadMetrics()
        self.spill = SpillPolicy()
        self.transfer: BlockTransferService | None = None
        self.remote_reads: RemoteReads | None = None
        if serve_blocks:
            self._start_transfer(settings)

    def _start_transfer(self, settings: ExecutorSettings) -> None:
        blocks = self.block_manager
        self.transfer = BlockTransferService(self.shuffle_dir, blocks.get_bytes,
                                             settings.auth_secret, settings.bind_address)
        client = TransferClient(settings.auth_secret)
        blocks.address = self.transfer.address
        blocks.fetch_remote = client.block
        self.remote_reads = RemoteReads(client, self.executor_id,
                                        advertised_host(settings.bind_address),
                                        settings.force_remote_fetch, settings.max_bytes_in_flight)

    @property
    def address(self) -> tuple[str, int] | None:
        """``(host, port)`` of this executor's block-transfer service, if it has one."""
        return None if self.transfer is None else self.transfer.address

    def set_task_inputs(self, desc: TaskDescription) -> None:
        """Where the task finds its shuffle inputs and the cached blocks others hold."""
        self.read_metrics = metrics = ReadMetrics()
        self.shuffle_inputs = {shuffle_id: MapInputs(locations, self.remote_reads, metrics)
                               for shuffle_id, locations in desc.shuffle_inputs.items()}
        self.block_manager.remote_locations = desc.remote_blocks

    def missing_outputs(self, shuffle_id: int) -> tuple[int, ...]:
        """Map outputs of ``shuffle_id`` the task would read from this executor's disk
        that are not there: only an executor sees its disk, so it tells the driver."""
        inputs = self.shuffle_inputs.get(shuffle_id)
        if inputs is None:
            return ()
        remote = self.remote_reads
        return tuple(i for i, loc in enumerate(inputs.locations)
                     if loc.path and not (remote is not None and remote.over_network(loc))
                     and not output_exists(loc.path))

    def close(self) -> None:
        """Stop serving blocks and close connections to other executors."""
        if self.transfer is not None:
            self.transfer.stop()
            self.transfer = None
        if self.remote_reads is not None:
            self.remote_reads.client.close()
            self.remote_reads = None

    def start_task(self, task_id: int) -> None:
        """A fresh spill budget and folder for each task."""
        settings = self.settings
        folder = os.path.join(settings.app_dir, "spill", str(task_id))
        self.spill = SpillPolicy(settings.spill_records, settings.worker_memory, folder)

    def end_task(self) -> int:
        """Remove the task's spill files; return how many bytes it spilled."""
        if self.spill.directory is not None and os.path.exists(self.spill.directory):
            shutil.rmtree(self.spill.directory, ignore_errors=True)
        return self.spill.spilled_bytes


def _ensure_dir(*parts: str) -> str:
    path = os.path.join(*parts)
    os.makedirs(path, exist_ok=True)
    return path


class Executor:
    """Runs tasks one at a time for one executor id."""

    def __init__(self, executor_id: str, settings: ExecutorSettings,
                 in_driver: bool = False) -> None:
        self.executor_id = executor_id
        self.in_driver = in_driver
        self.env = ExecutorEnv(executor_id, settings, serve_blocks=not in_driver)
        self._binaries: OrderedDict[int, _StageBinary] = OrderedDict()
        self._pickled: OrderedDict[int, bytes] = OrderedDict()
        #: How a barrier task reaches the driver: (desc, epoch, kind, message) ->
        #: every task's message; the process hosting this executor provides it.
        self.barrier_sync: Callable[[TaskDescription, int, str, str], list[str]] | None = None
        SparkFiles._root_directory = os.path.join(settings.app_dir, "files")
        _GC_CLOCK.install()
        fs_registry.configure(settings.fs_settings)
        self._driver_files: DriverFileFetcher | None = None
        if settings.driver_files is not None:
            self._driver_files = DriverFileFetcher(
                settings.driver_files, TransferClient(settings.auth_secret), settings.app_dir)
            broadcast.fetch_file = partial(self._driver_files.fetch, "broadcast")
        for path in settings.py_files:
            self.add_py_file(path)

    def add_file(self, name: str) -> None:
        """A file the driver added (``sc.addFile``): where the driver's directory is not
        readable here, copy it into this executor's, for ``SparkFiles.get``."""
        if self._driver_files is not None:
            self._driver_files.fetch("files", name)

    def add_py_file(self, path: str) -> None:
        """Make a module shipped with ``sc.addPyFile`` importable in tasks."""
        if self._driver_files is not None:
            path = self._driver_files.fetch("files", os.path.basename(path))
        entry = path if path.endswith((".zip", ".egg", ".whl")) else os.path.dirname(path)
        if entry not in sys.path:
            sys.path.insert(1, entry)

    def run(self, desc: TaskDescription, binary: bytes | None) -> TaskResult:
        """Run one task attempt and describe its outcome; never raises."""
        previous = gc.get_threshold()
        gc.set_threshold(*TASK_GC_THRESHOLD)
        try:
            return self._run(desc, binary)
        finally:
            gc.set_threshold(*previous)

    def _run(self, desc: TaskDescription, binary: bytes | None) -> TaskResult:
        start, cpu_start, gc_start = time.perf_counter(), time.thread_time(), _GC_CLOCK.total
        ran, ran_cpu = start, cpu_start
        stage = None
        try:
            stage = self._stage(desc.binary_id, binary)
            ran, ran_cpu = time.perf_counter(), time.thread_time()
            for acc in stage.accumulators:
                acc._reset_for_task()
            value, metrics = self._execute(desc, stage)
            result = TaskResult(desc.task_id, self.executor_id, True, value, metrics=metrics)
            result.accumulator_updates = [(a.aid, a._value) for a in stage.accumulators]
        except FetchFailedError as exc:
            result = TaskResult(desc.task_id, self.executor_id, False, error=str(exc),
                                fetch_failure=(exc.shuffle_id, exc.map_index),
                                lost_outputs=self.env.missing_outputs(exc.shuffle_id))
        except BaseException as exc:  # noqa: BLE001 - a task's failure is data for the driver
            if isinstance(exc, (KeyboardInterrupt, SystemExit)) and (
                    stage is None or self.in_driver):
                raise  # in the driver's thread, Ctrl-C is the user's, not the task's
            result = TaskResult(desc.task_id, self.executor_id, False,
                                error=f"{type(exc).__name__}: {exc}",
                                traceback=_user_traceback(exc))
        _record_times(result.metrics, (start, ran, time.perf_counter()),
                      (cpu_start, ran_cpu, time.thread_time()), _GC_CLOCK.total - gc_start)
        result.block_updates = self.env.block_manager.drain_updates()
        return result

    def _stage(self, binary_id: int, binary: bytes | None) -> _StageBinary:
        stage = self._binaries.get(binary_id)
        if stage is None:
            binary = self._keep_pickled(binary_id, binary)
            with accumulators.capture_task_accumulators() as found:
                rdd, payload = deserialize_stage(binary)
            stage = self._binaries[binary_id] = _StageBinary(rdd, payload, found)
            while len(self._binaries) > MAX_BINARIES:
                self._binaries.popitem(last=False)
        return stage

    def _keep_pickled(self, binary_id: int, binary: bytes | None) -> bytes:
        """The pickled binary, from this message or kept from an earlier one.

        A binary that failed to unpickle (a module missing here) or was evicted
        is loaded again from these bytes on its next task, with its real error.
        """
        if binary is None:
            binary = self._pickled.get(binary_id)
            if binary is None:
                raise RuntimeError(f"stage binary {binary_id} was never sent to this executor")
        self._pickled[binary_id] = binary
        self._pickled.move_to_end(binary_id)
        total = sum(map(len, self._pickled.values()))
        while total > MAX_PICKLED_BINARY_BYTES and len(self._pickled) > 1:
            total -= len(self._pickled.popitem(last=False)[1])
        return binary

    def _execute(self, desc: TaskDescription, stage: _StageBinary) -> tuple[Any, TaskMetrics]:
        env = self.env
        env.set_task_inputs(desc)
        env.start_task(desc.task_id)
        ctx = self._task_context(desc)
        TaskContext._current = ctx
        metrics = TaskMetrics()
        begin_task_io()
        try:
            records = stage.rdd.iterator(desc.partition, ctx)
            if desc.kind == RESULT:
                # Serialized here, so the driver can bound what a job returns
                # (spark.driver.maxResultSize) before unpickling any of it.
                value = serialization.dumps(stage.payload(ctx, records))
                metrics.result_size = len(value)
                return value, metrics
            written = WriteMetrics()
            status = write_map_output(records, stage.payload, desc.partition, env.shuffle_dir,
                                      self.executor_id, env.spill, env.address, written)
            metrics.shuffle_bytes_written = status.total
            metrics.shuffle_records_written = status.records
            metrics.shuffle_write_time = written.write_time
            return status.compact(), metrics  # the driver keeps it for the shuffle's life
        finally:
            TaskContext._current = None
            metrics.spilled_bytes = env.end_task()
            _record_io(metrics, env.read_metrics)

    def _task_context(self, desc: TaskDescription) -> TaskContext:
        args = (desc.stage_id, desc.partition, desc.attempt, desc.task_id,
                desc.local_properties, self.env)
        if desc.barrier_sync_timeout is None:
            return TaskContext(*args)
        sync = None if self.barrier_sync is None else partial(self.barrier_sync, desc)
        return BarrierTaskContext(*args, sync=sync)

    def forget_broadcast(self, bid: int, destroy: bool) -> None:
        broadcast.forget(bid, destroy)

    def close(self) -> None:
        """Release what the executor holds open (its block-transfer service)."""
        self.env.close()


def _record_times(metrics: TaskMetrics, wall: tuple[float, float, float],
                  cpu: tuple[float, float, float], gc_time: float) -> None:
    """Fill the timing metrics from (start, deserialized, end) clock readings."""
    metrics.duration = wall[2] - wall[0]
    metrics.deserialize_time, metrics.run_time = wall[1] - wall[0], wall[2] - wall[1]
    metrics.deserialize_cpu_time, metrics.cpu_time = cpu[1] - cpu[0], cpu[2] - cpu[1]
    metrics.gc_time = gc_time


def _record_io(metrics: TaskMetrics, shuffle_read: ReadMetrics) -> None:
    """Copy what the task read and wrote (input, output, shuffle) into its metrics."""
    io = end_task_io()
    if io is not None:
        metrics.input_records_read, metrics.input_bytes_read = io.records_read, io.bytes_read
        metrics.output_records_written = io.records_written
        metrics.output_bytes_written = io.bytes_written
    metrics.shuffle_remote_bytes_read = shuffle_read.remote_bytes
    metrics.shuffle_local_bytes_read = shuffle_read.local_bytes
    metrics.shuffle_records_read = shuffle_read.records
    metrics.shuffle_fetch_wait_time = shuffle_read.fetch_wait


def _user_traceback(exc: BaseException) -> str:
    """The traceback from the first frame of user code, as Python prints it."""
    frames = traceback.extract_tb(exc.__traceback__)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    first_user = next((i for i, f in enumerate(frames)
                       if not os.path.abspath(f.filename).startswith(package)), 0)
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames[first_user:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)
