"""The DAG scheduler: an action's lineage -> stages -> tasks on executors.

Stages are cut at shuffle dependencies. A shuffle map stage is kept per
shuffle id for the life of the context, so a later job whose map outputs all
exist skips it. Each job runs in the caller's thread: submit every stage
whose parents are available, launch tasks on free executors (preferring the
executor that caches a partition), and react to results, task failures
(retry up to ``spark.task.maxFailures``), fetch failures (recompute the lost
map outputs, then retry the stage) and lost executors (rerun their tasks).
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
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
from minispark.scheduler.task import RESULT, SHUFFLE_MAP, TaskDescription, TaskResult
from minispark.shuffle.handle import MapLocation
from minispark.shuffle.reader import output_exists
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
    """Writes the map outputs of one shuffle dependency."""

    def __init__(self, stage_id: int, dep: ShuffleDependency, parents: list["ShuffleMapStage"]
                 ) -> None:
        super().__init__(stage_id, dep.rdd, parents)
        self.dep = dep
        self.outputs: list = [None] * self.num_partitions

    @property
    def available(self) -> bool:
        return all(o is not None for o in self.outputs)

    def missing(self) -> list[int]:
        return [i for i, o in enumerate(self.outputs) if o is None]


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
    active: bool = True
    result_bytes: int = 0
    #: Barrier stage attempts whose tasks wait to start together.
    waiting_barriers: list["_StageRun"] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return all(self.finished)


@dataclass
class _StageRun:
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


class DAGScheduler:
    """Turns actions into stages and tasks and sees them through to the end."""

    def __init__(self, backend: ExecutorBackend, bus: ev.ListenerBus,
                 blocks: BlockManagerMaster, settings: SchedulerSettings,
                 merge_accumulators: Callable[[list[tuple[int, Any]]], None]) -> None:
        self.backend = backend
        self.bus = bus
        self.blocks = blocks
        self.settings = settings
        self.merge_accumulators = merge_accumulators
        self.shuffle_stages: dict[int, ShuffleMapStage] = {}
        self._stage_ids = itertools.count()
        self._job_ids = itertools.count()
        self._task_ids = itertools.count()
        self._binary_ids = itertools.count()
        self._lock = threading.Lock()
        self._running_tasks: dict[int, _RunningTask] = {}
        self._barriers = BarrierCoordinator(backend.tell)
        self._job: _Job | None = None
        # Cancellations are (ticket, kind, value); a job is cancelled by those issued
        # after it was submitted, even while it still waits for the running job.
        self._tickets = itertools.count()
        self._cancellations: deque[tuple[int, str, str]] = deque(maxlen=1024)
        self._shut_down = False
        self._executors_seen: set[str] = set()

    # ---- public entry points -------------------------------------------------

    def run_job(self, rdd: Any, func: Callable, partitions: list[int], description: str = "",
                properties: dict[str, str] | None = None) -> list:
        """Compute ``func(task_context, iterator)`` on each listed partition of ``rdd``."""
        properties = dict(properties or {})
        ticket = next(self._tickets)
        with self._lock:
            if self._shut_down:
                raise SparkException("Job cancelled because SparkContext was shut down")
            parents = self._parent_stages(rdd)  # numbered first, as Spark numbers them
            final = ResultStage(next(self._stage_ids), rdd, parents, func, list(partitions))
            job = _Job(next(self._job_ids), final, properties.get("spark.jobGroup.id"),
                       properties, [None] * len(partitions), [False] * len(partitions),
                       {p: i for i, p in enumerate(partitions)}, ticket)
            stages = self._stages_of(final)
            self.bus.post(ev.JobStart(job.id, [s.id for s in stages], description, job.group,
                                      stage_infos=[self._planned_info(s) for s in stages],
                                      properties=properties))
            self._job = job
            self.backend.revive()
            try:
                self._run(job)
            except BaseException as exc:
                # Failed, cancelled, shut down or interrupted (Ctrl-C): its tasks
                # still running are stopped, so the next job finds free executors.
                self._kill_tasks_of(job)
                self.bus.post(ev.JobEnd(job.id, False, str(exc)))
                raise
            finally:
                job.active = False
                self._job = None
            self.bus.post(ev.JobEnd(job.id, True))
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
        """Cancel the running job and every later one, then stop the backend.

        Safe from any thread: the running job sees the shutdown at its next
        event, stops its tasks and returns its lock; if it does not within
        ``timeout`` seconds (an in-driver task that will not end), the
        backend is stopped anyway.
        """
        self._shut_down = True
        self.backend.wake()
        acquired = self._lock.acquire(timeout=timeout)
        try:
            self.backend.stop()
        finally:
            if acquired:
                self._lock.release()

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

    # ---- the job loop --------------------------------------------------------

    def _run(self, job: _Job) -> None:
        check_job(job.final, self.backend.parallelism)
        running: dict[int, _StageRun] = {}
        queue: deque[_PendingTask] = deque()
        while not job.done:
            self._check_cancelled(job)
            for stage in self._runnable_stages(job, running):
                running[stage.id] = self._submit(job, stage, queue)
            self._launch(job, queue)
            if not queue and not self._running_tasks and not job.done and not running:
                raise SparkException(f"Job {job.id} has nothing left to run but is not done")
            for event in self.backend.poll(self._poll_timeout(queue)):
                self._handle(job, event, running, queue)

    def _runnable_stages(self, job: _Job, running: dict[int, _StageRun]) -> list[Stage]:
        ready, stack, seen = [], [job.final], set()
        while stack:
            stage = stack.pop()
            if stage.id in seen or stage.id in running:
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

    def _submit(self, job: _Job, stage: Stage, queue: deque[_PendingTask]) -> _StageRun:
        stage.attempt += 1
        if isinstance(stage, ShuffleMapStage):
            if stage.barrier:  # its tasks only ever run all together, as Spark reruns them
                stage.outputs = [None] * stage.num_partitions
            partitions, payload = stage.missing(), stage.dep.handle
        else:
            partitions = [p for p in stage.partitions if not job.finished[job.index_of[p]]]
            payload = stage.func
        binary = serialize_stage(stage.rdd, payload)
        run = _StageRun(stage, stage.attempt, next(self._binary_ids), binary, set(partitions))
        info = self._stage_info(stage, len(partitions))
        info.rdds = ev.rdd_infos(stage.rdd)
        self.bus.post(ev.StageSubmitted(job.id, info))
        if stage.barrier:
            job.waiting_barriers.append(run)
            return run
        now = time.monotonic()
        for p in partitions:
            queue.append(_PendingTask(run, p, self._preferred(stage.rdd, p), now))
        return run

    def _stage_info(self, stage: Stage, num_tasks: int) -> ev.StageInfo:
        return ev.StageInfo(stage.id, stage.attempt, stage.name, num_tasks, stage.rdd._id,
                            [p.id for p in stage.parents], isinstance(stage, ShuffleMapStage),
                            submission_time=time.time())

    def _preferred(self, rdd: Any, partition: int) -> tuple[str, ...]:
        """Executors caching this partition (or the partition it narrowly reads)."""
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

    def _launch(self, job: _Job, queue: deque[_PendingTask]) -> None:
        self._launch_barrier_stages(job)
        for executor_id in self.backend.free_executors():
            task = self._pick(queue, executor_id)
            if task is not None:
                self._start_task(job, task.run, task.partition, executor_id, job.properties)

    def _start_task(self, job: _Job, run: _StageRun, partition: int, executor_id: str,
                    properties: dict[str, str], barrier_sync_timeout: float | None = None
                    ) -> int:
        attempt = run.attempts[partition]
        run.attempts[partition] += 1
        desc = TaskDescription(
            next(self._task_ids), run.stage.id, run.attempt, partition, attempt,
            run.binary_id, SHUFFLE_MAP if isinstance(run.stage, ShuffleMapStage) else RESULT,
            self._shuffle_inputs(run.stage), properties, barrier_sync_timeout,
            self._remote_blocks(run.stage.rdd, partition, executor_id))
        self._running_tasks[desc.task_id] = _RunningTask(job, run, desc, executor_id)
        if executor_id not in self._executors_seen:
            self._executors_seen.add(executor_id)
            self.bus.post(ev.ExecutorAdded(executor_id))
        self.bus.post(ev.TaskStart(run.stage.id, run.attempt, desc.task_id, partition,
                                   attempt, executor_id))
        self.backend.launch(executor_id, desc, run.binary)
        return desc.task_id

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
            tasks = {self._start_task(job, run, p, e, properties, timeout): p
                     for p, e in zip(partitions, executors)}
            self._barriers.start(run.stage.id, run.attempt, tasks)

    def _pick(self, queue: deque[_PendingTask], executor_id: str) -> _PendingTask | None:
        """Locality first: a task cached here, else one that may run anywhere now."""
        now = time.monotonic()
        fallback = None
        for task in queue:
            if executor_id in task.preferred:
                queue.remove(task)
                return task
            if fallback is None and (not task.preferred
                                     or now - task.queued_at >= self.settings.locality_wait
                                     or not self._any_alive(task.preferred)):
                fallback = task
        if fallback is not None:
            queue.remove(fallback)
        return fallback

    def _any_alive(self, executor_ids: tuple[str, ...]) -> bool:
        alive = getattr(self.backend, "executor_ids", None)
        return True if alive is None else bool(set(executor_ids) & set(alive()))

    def _poll_timeout(self, queue: deque[_PendingTask]) -> float | None:
        if not queue or not self.backend.free_executors():
            return None
        oldest = min(t.queued_at for t in queue)
        return max(0.0, self.settings.locality_wait - (time.monotonic() - oldest)) + 0.001

    def _shuffle_inputs(self, stage: Stage) -> dict[int, list[MapLocation]]:
        # An output lost since the stage was submitted gets an empty path: the
        # task then reports a fetch failure and the usual recovery takes over.
        return {p.dep.shuffle_id: [status.location() if status is not None else _LOST
                                   for status in p.outputs] for p in stage.parents}

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

    def _handle(self, job: _Job, event: Any, running: dict[int, _StageRun],
                queue: deque[_PendingTask]) -> None:
        if isinstance(event, ExecutorLost):
            self._executor_lost(job, event, running, queue)
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
        if result.success:
            self._task_succeeded(job, task.run, desc.partition, result, running)
        elif task.run.stage.barrier:
            self._barrier_failed(job, task, result, running, queue)
        elif result.fetch_failure is not None:
            self._fetch_failed(task.run, result, running, queue)
        else:
            self._task_failed(job, task.run, desc, result.error, result.traceback, queue)

    def _task_succeeded(self, job: _Job, run: _StageRun, partition: int, result: TaskResult,
                        running: dict[int, _StageRun]) -> None:
        stage = run.stage
        if isinstance(stage, ShuffleMapStage):
            stage.outputs[partition] = result.value
            self.merge_accumulators(result.accumulator_updates)
        else:
            index = job.index_of[partition]
            if not job.finished[index]:
                job.results[index] = self._result_value(job, result)
                job.finished[index] = True
                self.merge_accumulators(result.accumulator_updates)
        run.pending.discard(partition)
        if not run.pending and running.get(stage.id) is run:
            del running[stage.id]
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

    def _task_failed(self, job: _Job, run: _StageRun, desc: TaskDescription, error: str,
                     traceback: str, queue: deque[_PendingTask]) -> None:
        run.failures[desc.partition] += 1
        failures = run.failures[desc.partition]
        if failures >= self.settings.max_task_failures:
            message = (f"Job aborted due to stage failure: Task {desc.partition} in stage "
                       f"{run.stage.id}.{run.attempt} failed {failures} times, most recent "
                       f"failure: Lost task {desc.partition}.{desc.attempt} in stage "
                       f"{run.stage.id}.{run.attempt} (TID {desc.task_id}): {error}")
            raise SparkException(message) from (RemoteTraceback(traceback) if traceback else None)
        queue.appendleft(_PendingTask(run, desc.partition, (), time.monotonic()))

    def _fetch_failed(self, run: _StageRun, result: TaskResult, running: dict[int, _StageRun],
                      queue: deque[_PendingTask]) -> None:
        shuffle_id, map_index = result.fetch_failure  # type: ignore[misc]
        parent = self.shuffle_stages[shuffle_id]
        stage = run.stage
        current = running.get(stage.id) is run
        if current:
            parent.outputs[map_index] = None
        # Whatever removed one output may have removed others: find them all now
        # rather than one failed stage attempt at a time. A late report from an
        # attempt that already failed may name an output recomputed since, so
        # only missing files count for it.
        for i, status in enumerate(parent.outputs):
            if status is not None and not output_exists(status.path):
                parent.outputs[i] = None
        if not current:
            return  # this attempt already failed; one resubmission is enough
        del running[stage.id]
        for task in [t for t in queue if t.run is run]:
            queue.remove(task)
        stage.failed_attempts += 1
        info = self._stage_info(stage, 0)
        info.failure_reason = f"FetchFailed: {result.error}"
        self.bus.post(ev.StageCompleted(self._job.id if self._job else -1, info))
        if stage.failed_attempts >= self.settings.max_stage_attempts:
            raise SparkException(
                f"Job aborted due to stage failure: stage {stage.id} failed "
                f"{stage.failed_attempts} times because of lost shuffle output: {result.error}")

    def _executor_lost(self, job: _Job, event: ExecutorLost, running: dict[int, _StageRun],
                       queue: deque[_PendingTask]) -> None:
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
        if task.run.stage.barrier:
            failure = TaskResult(desc.task_id, event.executor_id, False, error=error)
            self._barrier_failed(job, task, failure, running, queue)
        else:
            self._task_failed(job, task.run, desc, error, "", queue)

    def _barrier_failed(self, job: _Job, task: _RunningTask, result: TaskResult,
                        running: dict[int, _StageRun], queue: deque[_PendingTask]) -> None:
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
            self._fetch_failed(run, result, running, queue)
        else:
            running.pop(stage.id, None)
            stage.failed_attempts += 1
            info = self._stage_info(stage, 0)
            info.failure_reason = message
            self.bus.post(ev.StageCompleted(job.id, info))
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

    # ---- cancellation and clean-up ---------------------------------------------

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

    def _cancel_reason(self, job: _Job) -> str | None:
        if self._shut_down:
            return f"Job {job.id} cancelled because SparkContext was shut down"
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

