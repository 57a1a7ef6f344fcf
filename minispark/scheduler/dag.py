"""The DAG scheduler: an action's lineage -> stages -> tasks on executors.

Stages are cut at shuffle dependencies. A shuffle map stage is kept per
shuffle id for the life of the context, so a later job whose map outputs all
exist skips it, and a job that needs a map stage another job is running waits
for that attempt instead of submitting it again. Jobs from several threads run
at once: one loop, driven by one of their threads at a time, submits every
stage whose parents are available, offers free executors to the jobs' tasks in
FIFO or FAIR order (preferring the executor that caches a partition), and
reacts to results, task failures (retry up to ``spark.task.maxFailures``),
fetch failures (recompute the lost map outputs, then retry the stage) and lost
executors (rerun their tasks). A failing or cancelled job ends alone.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable

from minispark.common import serialization
from minispark.common.errors import RemoteTraceback, SparkException
from minispark.common.units import format_size
from minispark.scheduler import events as ev
from minispark.scheduler.backend import ExecutorBackend, ExecutorLost
from minispark.scheduler.barrier import (
    BarrierCoordinator, BarrierRequest, check_job, is_barrier_stage,
)
from minispark.scheduler.dependency import NarrowDependency, ShuffleDependency
from minispark.scheduler.lineage import serialize_stage, shuffle_dependencies
from minispark.scheduler.pools import JobOrder, PendingTasks, load_pools
from minispark.scheduler.task import (
    RESULT, SHUFFLE_MAP, MapLocations, TaskDescription, TaskResult,
)
from minispark.shuffle.handle import MapLocation
from minispark.storage.block_master import BlockManagerMaster
from minispark.storage.block_manager import rdd_block_id


#: The location of a map output lost since its stage was submitted.
_LOST = MapLocation("")


class Stage:
    """A set of tasks computing one RDD's partitions, pipelined without shuffles."""

    def __init__(self, stage_id: int, rdd: Any, parents: list["ShuffleMapStage"]) -> None:
        self.id = stage_id
        self.rdd = rdd
        self.parents = parents
        self.num_partitions = rdd.getNumPartitions()
        self.attempt = -1
        self.failed_attempts = 0
        self.barrier = is_barrier_stage(rdd)

    @property
    def name(self) -> str:
        return getattr(self.rdd, "_creation_site", "") or type(self.rdd).__name__


class ShuffleMapStage(Stage):
    """Writes the map outputs of one shuffle dependency.

    ``outputs`` holds each map output's status (None while missing); change it
    only through :meth:`set_output` and :meth:`clear_outputs`, which keep the
    count of missing outputs and the reducers' locations up to date.
    """

    def __init__(self, stage_id: int, dep: ShuffleDependency, parents: list["ShuffleMapStage"]
                 ) -> None:
        super().__init__(stage_id, dep.rdd, parents)
        self.dep = dep
        self.clear_outputs()

    @property
    def available(self) -> bool:
        return not self._missing

    def missing(self) -> list[int]:
        return [i for i, o in enumerate(self.outputs) if o is None]

    def set_output(self, index: int, status: Any) -> None:
        """Register (or, with None, forget) the status of map output ``index``."""
        old = self.outputs[index]
        if old is status:
            return
        self._missing += (status is None) - (old is None)
        self.outputs[index] = status
        self._locations = None

    def clear_outputs(self) -> None:
        """Forget every map output (a barrier map stage reruns whole)."""
        self.outputs: list = [None] * self.num_partitions
        self._missing = self.num_partitions
        self._locations: MapLocations | None = None

    def locations(self) -> MapLocations:
        """Where reducers find each map output, a lost one at an empty path; built
        once per set of outputs and shared by every reduce task."""
        if self._locations is None:
            self._locations = MapLocations(
                [_LOST if s is None else s.location() for s in self.outputs], self.dep.shuffle_id)
        return self._locations


class ResultStage(Stage):
    """Runs the action's function on the partitions the job asks for."""

    def __init__(self, stage_id: int, rdd: Any, parents: list[ShuffleMapStage],
                 func: Callable, partitions: list[int]) -> None:
        super().__init__(stage_id, rdd, parents)
        self.func = func
        self.partitions = partitions


@dataclass
class _Job:
    id: int
    final: ResultStage
    group: str | None
    properties: dict[str, str]
    results: list
    finished: list[bool]
    index_of: dict[int, int]
    ticket: int = 0
    #: Ids of every stage the job needs: the stage attempts it waits for.
    stage_ids: frozenset[int] = frozenset()
    active: bool = True
    result_bytes: int = 0
    #: Tasks of the job's stage attempts waiting for a free executor.
    queue: PendingTasks = field(default_factory=PendingTasks)
    #: Barrier stage attempts whose tasks wait to start together.
    waiting_barriers: list["_StageRun"] = field(default_factory=list)
    #: Why the job failed (None while it runs or once it succeeded).
    error: BaseException | None = None
    #: Set from the job's own thread (Ctrl-C there) for the loop to act on.
    interrupt: BaseException | None = None
    #: How many partitions are not finished (the loop asks at every step).
    unfinished: int = field(init=False)

    def __post_init__(self) -> None:
        self.unfinished = self.finished.count(False)

    @property
    def done(self) -> bool:
        return not self.unfinished

    def finish(self, index: int, value: Any) -> None:
        """Record the result of the job's ``index``-th partition."""
        self.results[index] = value
        self.finished[index] = True
        self.unfinished -= 1


@dataclass
class _StageRun:
    """A submitted stage attempt; ``job`` schedules its tasks (shared map stages
    pass to another job that needs them when it ends)."""

    job: _Job
    stage: Stage
    attempt: int
    binary_id: int
    binary: bytes
    pending: set[int]
    failures: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    attempts: dict[int, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class _PendingTask:
    run: _StageRun
    partition: int
    preferred: tuple[str, ...]
    queued_at: float


@dataclass
class _RunningTask:
    job: _Job
    run: _StageRun
    desc: TaskDescription
    executor_id: str


@dataclass
class SchedulerSettings:
    max_task_failures: int = 4
    max_stage_attempts: int = 4
    locality_wait: float = 3.0
    #: Bytes of serialized task results one job may return; 0 for no limit.
    max_result_size: int = 0
    #: Seconds a barrier task's barrier()/allGather() may wait for the others.
    barrier_sync_timeout: float = 365 * 86400.0
    #: ``spark.scheduler.mode``: FIFO or FAIR.
    scheduling_mode: str = "FIFO"
    #: ``spark.scheduler.allocation.file``: the FAIR pools, if any.
    allocation_file: str | None = None


class DAGScheduler:
    """Turns actions into stages and tasks and sees them through to the end.

    Jobs from several threads run at once. Whichever job thread holds the
    *loop* (``_owner``) drives every active job: it submits their stages,
    offers free executors to their tasks in :class:`JobOrder`, polls the
    backend (only the loop touches it, apart from ``wake``) and routes each
    event to the job owning the task. The other job threads wait on
    ``_state`` until their job ends or the loop is free to take over. All
    scheduler state is guarded by ``_state``, released only while polling.
    """

    def __init__(self, backend: ExecutorBackend, bus: ev.ListenerBus,
                 blocks: BlockManagerMaster, settings: SchedulerSettings,
                 merge_accumulators: Callable[[list[tuple[int, Any]]], None]) -> None:
        self.backend = backend
        self.bus = bus
        self.blocks = blocks
        self.settings = settings
        self.merge_accumulators = merge_accumulators
        self.job_order = JobOrder(settings.scheduling_mode, load_pools(settings.allocation_file))
        self.shuffle_stages: dict[int, ShuffleMapStage] = {}
        self._stage_ids = itertools.count()
        self._job_ids = itertools.count()
        self._task_ids = itertools.count()
        self._binary_ids = itertools.count()
        self._state = threading.Condition(threading.RLock())
        self._owner: int | None = None  # the thread running the loop
        self._jobs: list[_Job] = []  # active, in submission order
        self._runs: dict[int, _StageRun] = {}  # stage id -> its running attempt
        self._running_tasks: dict[int, _RunningTask] = {}
        self._barriers = BarrierCoordinator(backend.tell)
        # Cancellations are (ticket, kind, value); a job is cancelled by those issued
        # after it was submitted.
        self._tickets = itertools.count()
        self._cancellations: deque[tuple[int, str, str]] = deque(maxlen=1024)
        self._shut_down = False
        self._executors_seen: set[str] = set()
        #: Executors reported lost: map outputs they wrote are gone with them.
        self._executors_lost: set[str] = set()

    # ---- public entry points -------------------------------------------------

    def run_job(self, rdd: Any, func: Callable, partitions: list[int], description: str = "",
                properties: dict[str, str] | None = None) -> list:
        """Compute ``func(task_context, iterator)`` on each listed partition of ``rdd``.

        Safe from several threads at once: their jobs share the executors.
        """
        job = self._register(rdd, func, partitions, description, dict(properties or {}))
        while True:
            try:
                self._drive(job)
                break
            except BaseException as exc:  # Ctrl-C in this thread: end this job only
                with self._state:
                    if job.active and job.interrupt is None:
                        job.interrupt = exc
                self.backend.wake()
        if job.error is not None:
            raise job.error
        return job.results

    def cancel_job_group(self, group: str) -> None:
        """Cancel the submitted jobs of ``group``, running or waiting (from any thread)."""
        self._cancel("group", group)

    def cancel_jobs_with_tag(self, tag: str) -> None:
        """Cancel the submitted jobs that carry ``tag``, running or waiting."""
        self._cancel("tag", tag)

    def cancel_all_jobs(self) -> None:
        """Cancel every submitted job, running or waiting."""
        self._cancel("all", "")

    def _cancel(self, kind: str, value: str) -> None:
        self._cancellations.append((next(self._tickets), kind, value))
        self.backend.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Cancel every running job and every later one, then stop the backend.

        Safe from any thread: the loop sees the shutdown at its next event,
        fails every job and stops their tasks; if it does not within
        ``timeout`` seconds (an in-driver task that will not end), the
        backend is stopped anyway.
        """
        self._shut_down = True
        self.backend.wake()
        deadline = time.monotonic() + timeout
        # The loop holds the state while an in-driver task runs: wait a bounded time.
        locked = self._state.acquire(timeout=timeout)
        try:
            if locked and self._state.wait_for(lambda: self._owner is None,
                                               max(0.0, deadline - time.monotonic())):
                self._owner = threading.get_ident()  # nobody runs the loop again
                for job in list(self._jobs):
                    self._end_job(job, self._shutdown_error(job))
            self.backend.stop()
        finally:
            if locked:
                self._state.release()

    def _register(self, rdd: Any, func: Callable, partitions: list[int], description: str,
                  properties: dict[str, str]) -> _Job:
        ticket = next(self._tickets)
        with self._state:
            if self._shut_down:
                raise SparkException("Job cancelled because SparkContext was shut down")
            parents = self._parent_stages(rdd)  # numbered first, as Spark numbers them
            final = ResultStage(next(self._stage_ids), rdd, parents, func, list(partitions))
            stages = self._stages_of(final)
            job = _Job(next(self._job_ids), final, properties.get("spark.jobGroup.id"),
                       properties, [None] * len(partitions), [False] * len(partitions),
                       {p: i for i, p in enumerate(partitions)}, ticket,
                       frozenset(s.id for s in stages))
            self.bus.post(ev.JobStart(job.id, [s.id for s in stages], description, job.group,
                                      stage_infos=[self._planned_info(s) for s in stages],
                                      properties=properties))
            try:
                check_job(final, self.backend.parallelism)
            except BaseException as exc:
                self.bus.post(ev.JobEnd(job.id, False, str(exc)))
                raise
            self._jobs.append(job)
        self.backend.wake()  # the loop, if another job runs it, takes this one on
        return job

    # ---- building stages -----------------------------------------------------

    def _parent_stages(self, rdd: Any) -> list[ShuffleMapStage]:
        return [self._shuffle_stage(dep) for dep in shuffle_dependencies(rdd)]

    def _shuffle_stage(self, dep: ShuffleDependency) -> ShuffleMapStage:
        """The stage for ``dep``, creating it and its ancestors without recursion."""
        stack = [dep]
        while stack:
            top = stack[-1]
            if top.shuffle_id in self.shuffle_stages:
                stack.pop()
                continue
            parents = shuffle_dependencies(top.rdd)
            missing = [p for p in parents if p.shuffle_id not in self.shuffle_stages]
            if missing:
                stack.extend(missing)
                continue
            stage = ShuffleMapStage(next(self._stage_ids), top,
                                    [self.shuffle_stages[p.shuffle_id] for p in parents])
            self.shuffle_stages[top.shuffle_id] = stage
            stack.pop()
        return self.shuffle_stages[dep.shuffle_id]

    def _stages_of(self, final: Stage) -> list[Stage]:
        stages, stack, seen = [], [final], set()
        while stack:
            stage = stack.pop()
            if stage.id not in seen:
                seen.add(stage.id)
                stages.append(stage)
                stack.extend(stage.parents)
        return sorted(stages, key=lambda s: s.id)

    def _planned_info(self, stage: Stage) -> ev.StageInfo:
        """A stage as a JobStart lists it: every task it has, whether or not it will run."""
        tasks = len(stage.partitions) if isinstance(stage, ResultStage) else stage.num_partitions
        info = self._stage_info(stage, tasks)
        info.attempt, info.submission_time = max(stage.attempt, 0), None
        info.rdds = ev.rdd_infos(stage.rdd)
        return info

    # ---- the loop --------------------------------------------------------------

    def _drive(self, job: _Job) -> None:
        """Return once ``job`` ended, running the loop whenever nobody else does."""
        with self._state:
            while job.active and self._owner is not None:
                self._state.wait()
            if not job.active:
                return
            self._owner = threading.get_ident()
            self.backend.revive()
        try:
            while job.active:
                self._step(job)
        except BaseException as exc:
            # Ctrl-C, or a fault of the loop itself: this thread's job ends with it,
            # the other jobs go on with the next thread to take the loop.
            with self._state:
                if job.active:
                    self._end_job(job, exc)
            raise
        finally:
            with self._state:
                self._owner = None
                self._state.notify_all()

    def _step(self, own: _Job) -> None:
        """Submit what can run, fill free executors, wait for events and handle them.

        Returns before waiting once ``own`` (the loop thread's job) ended, so
        its thread returns and another takes the loop over.
        """
        with self._state:
            for job in list(self._jobs):
                self._advance(job)
            self._announce_executors(self.backend.newly_ready())
            self._launch()
            timeout = self._poll_timeout()
            if not own.active:
                return
        try:
            events = self.backend.poll(timeout)
        except Exception as exc:  # the backend broke (executors will not start, cluster lost)
            with self._state:
                for job in list(self._jobs):
                    self._end_job(job, exc)
            return
        with self._state:
            for event in events:
                self._handle(event)
            for job in list(self._jobs):
                if job.done:
                    self._end_job(job, None)

    def _advance(self, job: _Job) -> None:
        """End the job if it is cancelled, else submit its stages that can run now."""
        if job.interrupt is not None:
            self._end_job(job, job.interrupt)
            return
        try:
            self._check_cancelled(job)
            for stage in self._runnable_stages(job):
                self._runs[stage.id] = self._submit(job, stage)
            if not job.done and not job.stage_ids & self._runs.keys():
                raise SparkException(f"Job {job.id} has nothing left to run but is not done")
        except Exception as exc:
            self._end_job(job, exc)

    def _runnable_stages(self, job: _Job) -> list[Stage]:
        """Stages the job needs whose parents are available and that nobody runs yet
        (a map stage another job is running is waited for, not submitted twice)."""
        ready, stack, seen = [], [job.final], set()
        while stack:
            stage = stack.pop()
            if stage.id in seen or stage.id in self._runs:
                continue
            seen.add(stage.id)
            if not self._needs_run(job, stage):
                continue
            missing = [p for p in stage.parents if not p.available]
            if missing:
                stack.extend(missing)
            else:
                ready.append(stage)
        return sorted(ready, key=lambda s: s.id)

    @staticmethod
    def _needs_run(job: _Job, stage: Stage) -> bool:
        if isinstance(stage, ShuffleMapStage):
            return not stage.available
        return not job.done

    def _submit(self, job: _Job, stage: Stage) -> _StageRun:
        stage.attempt += 1
        if isinstance(stage, ShuffleMapStage):
            if stage.barrier:  # its tasks only ever run all together, as Spark reruns them
                stage.clear_outputs()
            partitions, payload = stage.missing(), stage.dep.handle
        else:
            partitions = [p for p in stage.partitions if not job.finished[job.index_of[p]]]
            payload = stage.func
        binary = serialize_stage(stage.rdd, payload)
        run = _StageRun(job, stage, stage.attempt, next(self._binary_ids), binary,
                        set(partitions))
        info = self._stage_info(stage, len(partitions))
        info.rdds = ev.rdd_infos(stage.rdd)
        self.bus.post(ev.StageSubmitted(job.id, info))
        if stage.barrier:
            job.waiting_barriers.append(run)
            return run
        now = time.monotonic()
        for p in partitions:
            job.queue.append(_PendingTask(run, p, self._preferred(stage.rdd, p), now))
        return run

    def _stage_info(self, stage: Stage, num_tasks: int) -> ev.StageInfo:
        return ev.StageInfo(stage.id, stage.attempt, stage.name, num_tasks, stage.rdd._id,
                            [p.id for p in stage.parents], isinstance(stage, ShuffleMapStage),
                            submission_time=time.time())

    def _preferred(self, rdd: Any, partition: int) -> tuple[str, ...]:
        """Executors caching this partition (or the partition it narrowly reads)."""
        if not self.blocks.has_blocks():
            return ()  # nothing cached anywhere: spare the lineage walk per task
        stack = [(rdd, partition)]
        while stack:
            node, index = stack.pop()
            if node.getStorageLevel().useMemory or node.getStorageLevel().useDisk:
                holders = self.blocks.locations(rdd_block_id(node._id, index))
                if holders:
                    return tuple(holders)
            for dep in node.dependencies:
                if isinstance(dep, NarrowDependency):
                    stack.extend((dep.rdd, i) for i in dep.getParents(index)[:1])
        return ()

    # ---- offering executors to tasks ---------------------------------------------

    def _launch(self) -> None:
        """Barrier stages first (they need several executors at once), then each free
        executor goes to the first job in :class:`JobOrder` with a task for it."""
        running = Counter(t.job.id for t in self._running_tasks.values())
        for job in self.job_order.order(self._jobs, running):
            try:
                self._launch_barrier_stages(job)
            except Exception as exc:
                self._end_job(job, exc)
        alive = self._alive_executors()
        for executor_id in self.backend.free_executors():
            for job in self.job_order.order(self._jobs, running):
                task = job.queue.pick(executor_id, time.monotonic(),
                                      self.settings.locality_wait, alive)
                if task is not None:
                    self._start_pending(task, executor_id)
                    running[job.id] += 1
                    break

    def _start_pending(self, task: _PendingTask, executor_id: str) -> None:
        run = task.run
        try:
            self._start_task(run, task.partition, executor_id, run.job.properties)
        except Exception as exc:
            self._abort_stage(run.stage, exc)

    def _start_task(self, run: _StageRun, partition: int, executor_id: str,
                    properties: dict[str, str], barrier_sync_timeout: float | None = None
                    ) -> int:
        attempt = run.attempts[partition]
        run.attempts[partition] += 1
        desc = TaskDescription(
            next(self._task_ids), run.stage.id, run.attempt, partition, attempt,
            run.binary_id, SHUFFLE_MAP if isinstance(run.stage, ShuffleMapStage) else RESULT,
            self._shuffle_inputs(run.stage), properties, barrier_sync_timeout,
            self._remote_blocks(run.stage.rdd, partition, executor_id))
        self._running_tasks[desc.task_id] = _RunningTask(run.job, run, desc, executor_id)
        self._announce_executors([executor_id])
        self.bus.post(ev.TaskStart(run.stage.id, run.attempt, desc.task_id, partition,
                                   attempt, executor_id))
        self.backend.launch(executor_id, desc, run.binary)
        return desc.task_id

    def _announce_executors(self, executor_ids: list[str]) -> None:
        """Post ExecutorAdded once per executor: when it is ready, or at its first task."""
        for executor_id in executor_ids:
            if executor_id not in self._executors_seen:
                self._executors_seen.add(executor_id)
                self.bus.post(ev.ExecutorAdded(executor_id))

    def _launch_barrier_stages(self, job: _Job) -> None:
        """A barrier stage's tasks start together, once an executor is free for each.

        Each task learns every task's executor address (local property
        ``addresses``, by partition, as Spark sets it). Locality is not waited for.
        """
        for run in list(job.waiting_barriers):
            free = self.backend.free_executors()
            partitions = sorted(run.pending)
            if len(free) < len(partitions):
                continue
            job.waiting_barriers.remove(run)
            executors = free[:len(partitions)]
            properties = {**job.properties, "addresses": ",".join(
                self.backend.executor_address(e) for e in executors)}
            timeout = self.settings.barrier_sync_timeout
            tasks = {self._start_task(run, p, e, properties, timeout): p
                     for p, e in zip(partitions, executors)}
            self._barriers.start(run.stage.id, run.attempt, tasks)

    def _alive_executors(self) -> frozenset[str] | None:
        """The live executors, for tasks that prefer only dead ones (None: all live)."""
        alive = getattr(self.backend, "executor_ids", None)
        return None if alive is None else frozenset(alive())

    def _poll_timeout(self) -> float | None:
        oldest = min((t for t in (job.queue.oldest() for job in self._jobs) if t is not None),
                     default=None)
        if oldest is None or not self.backend.free_executors():
            return None
        return max(0.0, self.settings.locality_wait - (time.monotonic() - oldest)) + 0.001

    def _shuffle_inputs(self, stage: Stage) -> dict[int, MapLocations]:
        # An output lost since the stage was submitted gets an empty path: the
        # task then reports a fetch failure and the usual recovery takes over.
        return {p.dep.shuffle_id: p.locations() for p in stage.parents}

    def _remote_blocks(self, rdd: Any, partition: int, executor_id: str
                       ) -> dict[str, list[tuple[str, int]]]:
        """Cached blocks the task may read that other executors hold, with their
        block-transfer addresses, so it fetches them rather than recomputing."""
        if not self.blocks.has_blocks():
            return {}
        found: dict[str, list[tuple[str, int]]] = {}
        stack, seen = [(rdd, partition)], set()
        while stack:
            node, index = stack.pop()
            if (node._id, index) in seen:
                continue
            seen.add((node._id, index))
            level = node.getStorageLevel()
            if level.useMemory or level.useDisk:
                block_id = rdd_block_id(node._id, index)
                addresses = self.blocks.addresses(block_id, exclude=executor_id)
                if addresses:
                    found[block_id] = addresses
                if self.blocks.locations(block_id):
                    continue  # held somewhere: its own inputs are not needed
            for dep in node.dependencies:
                if isinstance(dep, NarrowDependency):
                    stack.extend((dep.rdd, i) for i in dep.getParents(index))
        return found

    # ---- events --------------------------------------------------------------

    def _handle(self, event: Any) -> None:
        """Route one backend event to the job (and stage attempt) owning its task."""
        if isinstance(event, ExecutorLost):
            self._executor_lost(event)
            return
        if isinstance(event, BarrierRequest):
            self._barriers.request(event)
            return
        result: TaskResult = event
        for status in result.block_updates:
            self.blocks.update(status)
            self.bus.post(ev.BlockUpdated(status))
        if result.success:
            self._barriers.task_succeeded(result.task_id)
        task = self._running_tasks.pop(result.task_id, None)
        if task is None or not task.job.active:
            return
        desc = task.desc
        reason = None if result.success else (result.traceback or result.error)
        self.bus.post(ev.TaskEnd(desc.stage_id, desc.stage_attempt, desc.task_id, desc.partition,
                                 desc.attempt, result.executor_id, result.success,
                                 reason, result.metrics))
        try:
            if result.success:
                self._task_succeeded(task.run, desc.partition, result)
            elif task.run.stage.barrier:
                self._barrier_failed(task, result)
            elif result.fetch_failure is not None:
                self._fetch_failed(task, result)
            else:
                self._task_failed(task.run, desc, result.error, result.traceback)
        except Exception as exc:
            self._abort_stage(task.run.stage, exc)

    def _task_succeeded(self, run: _StageRun, partition: int, result: TaskResult) -> None:
        stage, job = run.stage, run.job
        if isinstance(stage, ShuffleMapStage):
            stage.set_output(partition, result.value)
            self.merge_accumulators(result.accumulator_updates)
        else:
            index = job.index_of[partition]
            if not job.finished[index]:
                job.finish(index, self._result_value(job, result))
                self.merge_accumulators(result.accumulator_updates)
        run.pending.discard(partition)
        if not run.pending and self._runs.get(stage.id) is run:
            del self._runs[stage.id]
            stage.failed_attempts = 0
            info = self._stage_info(stage, 0)
            info.completion_time = time.time()
            self.bus.post(ev.StageCompleted(job.id, info))

    def _result_value(self, job: _Job, result: TaskResult) -> Any:
        """Unpickle a result task's value, within ``spark.driver.maxResultSize``."""
        job.result_bytes += len(result.value)
        limit = self.settings.max_result_size
        if limit and job.result_bytes > limit:
            done = sum(job.finished) + 1
            raise SparkException(
                f"Job aborted due to stage failure: Total size of serialized results of "
                f"{done} tasks ({format_size(job.result_bytes)}) is bigger than "
                f"spark.driver.maxResultSize ({format_size(limit)})")
        return serialization.loads(result.value)

    def _task_failed(self, run: _StageRun, desc: TaskDescription, error: str,
                     traceback: str) -> None:
        run.failures[desc.partition] += 1
        failures = run.failures[desc.partition]
        if failures >= self.settings.max_task_failures:
            message = (f"Job aborted due to stage failure: Task {desc.partition} in stage "
                       f"{run.stage.id}.{run.attempt} failed {failures} times, most recent "
                       f"failure: Lost task {desc.partition}.{desc.attempt} in stage "
                       f"{run.stage.id}.{run.attempt} (TID {desc.task_id}): {error}")
            raise SparkException(message) from (RemoteTraceback(traceback) if traceback else None)
        run.job.queue.appendleft(_PendingTask(run, desc.partition, (), time.monotonic()))

    def _fetch_failed(self, task: _RunningTask, result: TaskResult) -> None:
        run, stage = task.run, task.run.stage
        self._forget_lost_outputs(task.desc, result)
        if self._runs.get(stage.id) is not run:
            return  # this attempt already failed; one resubmission is enough
        del self._runs[stage.id]
        run.job.queue.remove_if(lambda t: t.run is run)
        stage.failed_attempts += 1
        info = self._stage_info(stage, 0)
        info.failure_reason = f"FetchFailed: {result.error}"
        self.bus.post(ev.StageCompleted(run.job.id, info))
        if stage.failed_attempts >= self.settings.max_stage_attempts:
            raise SparkException(
                f"Job aborted due to stage failure: stage {stage.id} failed "
                f"{stage.failed_attempts} times because of lost shuffle output: {result.error}")

    def _forget_lost_outputs(self, desc: TaskDescription, result: TaskResult) -> None:
        """Forget the map outputs a reduce task could not read, as its executor saw them
        (the driver cannot see executors' disks): the one that failed, the others
        missing from that executor's disk, and, if the failed output's writer is
        lost, everything it wrote (nobody serves it any more), so they are all
        recomputed at once rather than one failed stage attempt at a time.

        Only an output still registered as the task read it is forgotten: a late
        report from an attempt that already failed may name one recomputed since.
        """
        shuffle_id, map_index = result.fetch_failure  # type: ignore[misc]
        parent, read = self.shuffle_stages[shuffle_id], desc.shuffle_inputs[shuffle_id]
        for i in {map_index, *result.lost_outputs}:
            status = parent.outputs[i]
            if status is not None and read[i] is status.location():
                parent.set_output(i, None)
        writer = read[map_index].executor_id
        if writer and writer in self._executors_lost:
            for stage in self.shuffle_stages.values():
                for i, status in enumerate(stage.outputs):
                    if status is not None and status.executor_id == writer:
                        stage.set_output(i, None)

    def _executor_lost(self, event: ExecutorLost) -> None:
        self._executors_lost.add(event.executor_id)
        self.blocks.remove_executor(event.executor_id)
        self._executors_seen.discard(event.executor_id)
        self.bus.post(ev.ExecutorRemoved(event.executor_id, event.reason))
        task = self._running_tasks.pop(event.task_id, None) if event.task_id is not None else None
        if task is None or not task.job.active:
            return
        desc = task.desc
        error = (f"ExecutorLostFailure (executor {event.executor_id} exited caused by one of "
                 f"the running tasks) Reason: {event.reason}")
        self.bus.post(ev.TaskEnd(desc.stage_id, desc.stage_attempt, desc.task_id, desc.partition,
                                 desc.attempt, event.executor_id, False, error,
                                 ev.TaskMetrics()))
        try:
            if task.run.stage.barrier:
                failure = TaskResult(desc.task_id, event.executor_id, False, error=error)
                self._barrier_failed(task, failure)
            else:
                self._task_failed(task.run, desc, error, "")
        except Exception as exc:
            self._abort_stage(task.run.stage, exc)

    def _barrier_failed(self, task: _RunningTask, result: TaskResult) -> None:
        """A barrier task failed: end its stage attempt; rerun a map stage whole, or abort.

        As Spark: the other tasks are killed, the attempt counts towards
        ``spark.stage.maxConsecutiveAttempts``, and a result stage is not retried
        (its tasks may have committed output).
        """
        run, stage = task.run, task.run.stage
        kind = "ShuffleMapTask" if isinstance(stage, ShuffleMapStage) else "ResultTask"
        message = (f"Stage failed because barrier task {kind}({stage.id}, "
                   f"{task.desc.partition}) finished unsuccessfully.\n{result.error}")
        self._stop_barrier_attempt(run, f"Task {task.desc.task_id} from barrier stage "
                                        f"{stage.id} ({stage.name}) failed.")
        cause = RemoteTraceback(result.traceback) if result.traceback else None
        if result.fetch_failure is not None:
            self._fetch_failed(task, result)
        else:
            if self._runs.get(stage.id) is run:
                del self._runs[stage.id]
            stage.failed_attempts += 1
            info = self._stage_info(stage, 0)
            info.failure_reason = message
            self.bus.post(ev.StageCompleted(run.job.id, info))
            if stage.failed_attempts >= self.settings.max_stage_attempts:
                raise SparkException(
                    f"Job aborted due to stage failure: {type(stage).__name__} {stage.id} "
                    f"({stage.name}) has failed the maximum allowable number of times: "
                    f"{self.settings.max_stage_attempts}. Most recent failure reason: "
                    f"{message}") from cause
        if isinstance(stage, ResultStage):
            raise SparkException(
                "Job aborted due to stage failure: Could not recover from a failed barrier "
                f"ResultStage. Most recent failure reason: {message}") from cause

    def _stop_barrier_attempt(self, run: _StageRun, reason: str) -> None:
        """Stop the attempt's running tasks: those waiting in a sync are told to fail,
        the others are killed (their executors are replaced)."""
        released = self._barriers.finish(run.stage.id, run.attempt, reason)
        for task_id, task in list(self._running_tasks.items()):
            if task.run is not run:
                continue
            del self._running_tasks[task_id]
            if task_id not in released:
                self.backend.kill_task(task_id)
            desc = task.desc
            self.bus.post(ev.TaskEnd(desc.stage_id, desc.stage_attempt, task_id, desc.partition,
                                     desc.attempt, task.executor_id, False,
                                     f"TaskKilled ({reason})", ev.TaskMetrics()))

    # ---- ending jobs -----------------------------------------------------------------

    def _abort_stage(self, stage: Stage, error: BaseException) -> None:
        """The stage cannot complete: every active job that needs it fails with ``error``."""
        for job in [j for j in self._jobs if stage.id in j.stage_ids]:
            self._end_job(job, error)

    def _end_job(self, job: _Job, error: BaseException | None) -> None:
        """Finish ``job`` (failed if ``error``), hand its shared stage attempts to
        the jobs that still need them, and wake its thread."""
        if not job.active:
            return
        job.active = False
        job.error = error
        self._jobs.remove(job)
        for run in [r for r in self._runs.values() if r.job is job]:
            self._hand_over(run)
        if error is not None:
            # Failed, cancelled, shut down or interrupted (Ctrl-C): its tasks still
            # running are stopped, so the other jobs find free executors.
            self._kill_tasks_of(job)
            self.bus.post(ev.JobEnd(job.id, False, str(error)))
        else:
            self.bus.post(ev.JobEnd(job.id, True))
        self._state.notify_all()

    def _hand_over(self, run: _StageRun) -> None:
        """Give a stage attempt of an ending job to the first job that still needs it,
        or drop it (its tasks are then stopped with the job's)."""
        heir = next((j for j in self._jobs if run.stage.id in j.stage_ids), None)
        old = run.job
        if heir is None:
            del self._runs[run.stage.id]
            return
        run.job = heir
        heir.queue.extend(t for t in old.queue if t.run is run)
        if run in old.waiting_barriers:
            old.waiting_barriers.remove(run)
            heir.waiting_barriers.append(run)
        for task in self._running_tasks.values():
            if task.run is run:
                task.job = heir

    def _check_cancelled(self, job: _Job) -> None:
        reason = self._cancel_reason(job)
        if reason is not None:
            raise SparkException(reason)

    def _kill_tasks_of(self, job: _Job) -> None:
        """Stop and forget the job's running tasks, as PySpark kills their Python
        workers (the inline backend cannot interrupt a task; it has none left)."""
        for task_id, task in list(self._running_tasks.items()):
            if task.job is job:
                del self._running_tasks[task_id]
                self.backend.kill_task(task_id)
                if task.run.stage.barrier:
                    self._barriers.finish(task.run.stage.id, task.run.attempt,
                                          f"job {job.id} ended")

    def _shutdown_error(self, job: _Job) -> SparkException:
        return SparkException(f"Job {job.id} cancelled because SparkContext was shut down")

    def _cancel_reason(self, job: _Job) -> str | None:
        if self._shut_down:
            return str(self._shutdown_error(job))
        tags = set(job.properties.get("spark.job.tags", "").split(","))
        for ticket, kind, value in list(self._cancellations):
            if ticket < job.ticket:
                continue
            if kind == "all":
                return f"Job {job.id} cancelled as part of cancellation of all jobs"
            if kind == "group" and value == job.group:
                return f"Job {job.id} cancelled part of cancelled job group {value}"
            if kind == "tag" and value in tags:
                return f"Job {job.id} cancelled part of cancelled job tags {value}"
        return None
