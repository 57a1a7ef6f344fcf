"""Scheduler events and the listener bus.

Everything that reports on jobs (status tracker, progress bar, web UI, event
log, tests) is a listener: it receives these events and never reaches into
scheduler state.
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from minispark.scheduler.dependency import NarrowDependency
from minispark.scheduler.task import TaskMetrics

log = logging.getLogger("minispark.scheduler")


@dataclass
class RDDInfo:
    """One RDD of a stage, for the UI's DAG and storage pages (what Spark's RDD Info holds)."""

    rdd_id: int
    name: str
    parent_ids: list[int]
    callsite: str
    num_partitions: int
    storage_level: Any


def rdd_infos(rdd: Any) -> list[RDDInfo]:
    """The RDDs a stage computes: ``rdd`` and its narrow ancestors, newest first.

    >>> [i.name for i in rdd_infos(sc.parallelize([1]).map(str).setName("strs"))]
    ['strs', 'ParallelCollectionRDD']
    """
    infos, stack, seen = [], [rdd], set()
    while stack:
        node = stack.pop()
        if node._id in seen:
            continue
        seen.add(node._id)
        deps = node.dependencies
        infos.append(RDDInfo(node._id, node.name() or type(node).__name__,
                             [d.rdd._id for d in deps], node._creation_site,
                             node.getNumPartitions(), node.getStorageLevel()))
        stack.extend(d.rdd for d in deps if isinstance(d, NarrowDependency))
    return infos


@dataclass
class StageInfo:
    """A stage attempt as listeners see it."""

    stage_id: int
    attempt: int
    name: str
    num_tasks: int
    rdd_id: int
    parent_ids: list[int]
    is_shuffle_map: bool
    submission_time: float | None = None
    completion_time: float | None = None
    failure_reason: str | None = None
    #: Set when the stage is submitted and in a JobStart's ``stage_infos``.
    rdds: list[RDDInfo] = field(default_factory=list)


@dataclass
class JobStart:
    job_id: int
    stage_ids: list[int]
    description: str
    job_group: str | None
    time: float = field(default_factory=time.time)
    #: Every stage of the job (run or skipped), as Spark's JobStart lists them.
    stage_infos: list[StageInfo] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class JobEnd:
    job_id: int
    succeeded: bool
    error: str | None = None
    time: float = field(default_factory=time.time)


@dataclass
class StageSubmitted:
    job_id: int
    info: StageInfo


@dataclass
class StageCompleted:
    job_id: int
    info: StageInfo


@dataclass
class TaskStart:
    stage_id: int
    stage_attempt: int
    task_id: int
    partition: int
    attempt: int
    executor_id: str
    time: float = field(default_factory=time.time)


@dataclass
class TaskEnd:
    stage_id: int
    stage_attempt: int
    task_id: int
    partition: int
    attempt: int
    executor_id: str
    succeeded: bool
    reason: str | None
    metrics: TaskMetrics
    time: float = field(default_factory=time.time)


@dataclass
class ApplicationStart:
    app_name: str
    app_id: str
    time: float
    user: str


@dataclass
class ApplicationEnd:
    time: float = field(default_factory=time.time)


@dataclass
class EnvironmentUpdate:
    """Sections of name/value pairs: "Spark Properties", "System Properties", ..."""

    sections: dict[str, list[tuple[str, str]]]


@dataclass
class ExecutorAdded:
    executor_id: str
    time: float = field(default_factory=time.time)


@dataclass
class ExecutorRemoved:
    executor_id: str
    reason: str
    time: float = field(default_factory=time.time)


@dataclass
class BlockUpdated:
    """An executor stored or dropped a block (``status`` is a storage BlockStatus)."""

    status: Any


@dataclass
class UnpersistRDD:
    rdd_id: int


class SparkListener:
    """Base listener: override ``on_<event>`` methods of interest."""

    def on_event(self, event: Any) -> None:
        handler = getattr(self, _handler_name(type(event)), None)
        if handler is not None:
            handler(event)


@functools.lru_cache(maxsize=None)
def _handler_name(event_type: type) -> str:
    """``TaskEnd`` -> ``on_task_end``; cached, as every task posts several events."""
    name = event_type.__name__
    return "on_" + "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class MetricsTotals(SparkListener):
    """Sums the metrics of every finished task attempt.

    >>> totals = MetricsTotals()
    >>> totals.on_event(TaskEnd(0, 0, 0, 0, 0, "0", True, None, TaskMetrics(spilled_bytes=5)))
    >>> totals.totals.spilled_bytes
    5
    """

    def __init__(self) -> None:
        self.totals = TaskMetrics()

    def on_task_end(self, e: TaskEnd) -> None:
        for name, value in vars(e.metrics).items():
            setattr(self.totals, name, getattr(self.totals, name) + value)


class ListenerBus:
    """Delivers each event to every listener; a failing listener is logged, not fatal."""

    def __init__(self) -> None:
        self._listeners: list[SparkListener] = []

    def add_listener(self, listener: SparkListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: SparkListener) -> None:
        self._listeners.remove(listener)

    def post(self, event: Any) -> None:
        for listener in list(self._listeners):
            try:
                listener.on_event(event)
            except Exception:  # noqa: BLE001 - listeners must not break jobs
                log.exception("listener %r failed on %s", listener, type(event).__name__)


@dataclass
class JobRecord:
    job_id: int
    stage_ids: list[int]
    description: str
    job_group: str | None
    status: str = "RUNNING"
    submitted_stage_ids: list[int] = field(default_factory=list)


@dataclass
class StageRecord:
    info: StageInfo
    active_tasks: int = 0
    completed_tasks: int = 0
    failed_tasks: int = 0


class JobRecorder(SparkListener):
    """Keeps what happened to every job and stage: the status tracker's source."""

    def __init__(self) -> None:
        self.jobs: dict[int, JobRecord] = {}
        self.stages: dict[int, StageRecord] = {}

    def on_job_start(self, e: JobStart) -> None:
        self.jobs[e.job_id] = JobRecord(e.job_id, list(e.stage_ids), e.description, e.job_group)

    def on_job_end(self, e: JobEnd) -> None:
        self.jobs[e.job_id].status = "SUCCEEDED" if e.succeeded else "FAILED"

    def on_stage_submitted(self, e: StageSubmitted) -> None:
        self.stages[e.info.stage_id] = StageRecord(e.info)
        self.jobs[e.job_id].submitted_stage_ids.append(e.info.stage_id)

    def on_stage_completed(self, e: StageCompleted) -> None:
        record = self.stages.get(e.info.stage_id)
        if record is not None:
            record.info.completion_time = e.info.completion_time
            record.info.failure_reason = e.info.failure_reason

    def on_task_start(self, e: TaskStart) -> None:
        record = self.stages.get(e.stage_id)
        if record is not None:
            record.active_tasks += 1

    def on_task_end(self, e: TaskEnd) -> None:
        record = self.stages.get(e.stage_id)
        if record is not None:
            record.active_tasks -= 1
            if e.succeeded:
                record.completed_tasks += 1
            else:
                record.failed_tasks += 1

    def skipped_stage_ids(self, job_id: int) -> list[int]:
        """Stages of the job that did not run because their output already existed."""
        job = self.jobs[job_id]
        return [s for s in job.stage_ids if s not in job.submitted_stage_ids]
