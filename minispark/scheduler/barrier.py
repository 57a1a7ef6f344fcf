"""Barrier execution mode, scheduler side: job checks, the sync coordinator, the task's client.

A barrier stage's tasks start together (the DAG scheduler waits for a free
executor per task) and may call ``BarrierTaskContext.barrier()`` or
``allGather()``. Each such call is one *sync*: the task sends a request to the
driver over its executor's connection and blocks; the driver's
:class:`BarrierCoordinator` collects the requests of one round (epoch) of a
stage attempt and, when every task has sent one, replies to all with every
task's message in partition order. A round that can never complete fails at
once instead of waiting: a task of the attempt finished without joining it,
tasks mixed ``barrier()`` with ``allGather()``, or the attempt was stopped
because a task failed. The waiting task enforces ``spark.barrier.sync.timeout``.
"""
from __future__ import annotations

import os
import pickle
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Callable

from minispark.common import serialization
from minispark.common.errors import SparkException, TaskKilledError
from minispark.scheduler.dependency import ShuffleDependency
from minispark.scheduler.lineage import narrow_graph

#: The longest single wait on a socket: ``poll`` refuses timeouts near 365 days.
_MAX_WAIT = 3600.0
_METHOD_NAMES = {"barrier": "BARRIER", "allGather": "ALL_GATHER"}

SLOTS_MESSAGE = (
    "[SPARK-24819]: Barrier execution mode does not allow run a barrier stage that requires "
    "more slots than the total number of slots in the cluster currently. Please init a new "
    "cluster with more resources(e.g. CPU, GPU) or repartition the input RDD(s) to reduce "
    "the number of slots required to run this barrier stage.")
CHAIN_MESSAGE = (
    "[SPARK-24820][SPARK-24821]: Barrier execution mode does not allow the following pattern "
    "of RDD chain within a barrier stage:\n1. Ancestor RDDs that have different number of "
    "partitions from the resulting RDD (e.g. union()/coalesce()/first()/take()/"
    "PartitionPruningRDD). A workaround for first()/take() can be barrierRdd.collect().head "
    "(scala) or barrierRdd.collect()[0] (python).\n2. An RDD that depends on multiple barrier "
    "RDDs (e.g. barrierRdd1.zip(barrierRdd2)).")


class BarrierJobSlotsNumberCheckFailed(SparkException):
    """A barrier stage has more tasks than the cluster can run at once."""


class BarrierJobUnsupportedRDDChainException(SparkException):
    """A barrier stage's RDDs change the partition count or join several barrier RDDs."""


# ---- which stages are barrier stages, and whether they can run ----------------------


def is_barrier_stage(rdd: Any) -> bool:
    """Whether ``rdd``'s stage runs in barrier mode: an RDD in it came from ``barrier()``."""
    return any(getattr(node, "_barrier_node", False) for node in narrow_graph(rdd))


def check_job(final: Any, slots: int) -> None:
    """Refuse, before anything runs, a job with a barrier stage that could never run.

    ``final`` is the job's result stage; a stage has ``rdd``, ``parents``,
    ``barrier`` and ``num_partitions``, a result stage also the ``partitions``
    the job computes. Spark checks each barrier stage in this order: it must
    fit in ``slots`` (the executors' total), then every RDD in it must have as
    many partitions as the stage has tasks and depend on at most one barrier
    RDD. Spark retries a failed slots check for a while in case executors
    join; a minispark backend's slot count is fixed, so this fails at once.
    """
    stack, seen = [final], set()
    while stack:
        stage = stack.pop()
        if id(stage) in seen:
            continue
        seen.add(id(stage))
        stack.extend(stage.parents)
        if not stage.barrier:
            continue
        partitions = getattr(stage, "partitions", None)
        tasks = stage.num_partitions if partitions is None else len(set(partitions))
        if stage.num_partitions > slots:
            raise BarrierJobSlotsNumberCheckFailed(
                f"{SLOTS_MESSAGE} (The stage needs {stage.num_partitions} slots; "
                f"there are {slots}.)")
        if not _supported_chain(stage.rdd, tasks):
            raise BarrierJobUnsupportedRDDChainException(CHAIN_MESSAGE)


def _supported_chain(root: Any, tasks: int) -> bool:
    nodes = list(narrow_graph(root))
    barrier_ids = _barrier_ids(nodes)
    for node in nodes:
        if node.getNumPartitions() != tasks:
            return False
        barrier_parents = sum(
            1 for dep in node.dependencies
            if (is_barrier_stage(dep.rdd) if isinstance(dep, ShuffleDependency)
                else dep.rdd._id in barrier_ids))
        if barrier_parents > 1:
            return False
    return True


def _barrier_ids(nodes: list[Any]) -> set[int]:
    """Ids of the nodes (one stage's) that came from ``barrier()`` or narrowly derive from one."""
    children: dict[int, list[int]] = {}
    for node in nodes:
        for dep in node.dependencies:
            if not isinstance(dep, ShuffleDependency):
                children.setdefault(dep.rdd._id, []).append(node._id)
    found = {node._id for node in nodes if getattr(node, "_barrier_node", False)}
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


# ---- the driver's coordinator ------------------------------------------------------------


@dataclass
class BarrierRequest:
    """A task's ``barrier()``/``allGather()`` call, as the driver receives it."""

    executor_id: str
    task_id: int
    stage_id: int
    stage_attempt: int
    epoch: int
    kind: str
    message: str


@dataclass
class _Attempt:
    """The sync state of one barrier stage attempt."""

    label: str
    partitions: dict[int, int]  # task id -> partition
    epoch: int = 0
    kind: str | None = None
    waiting: dict[int, BarrierRequest] = field(default_factory=dict)
    finished: dict[int, int] = field(default_factory=dict)  # task id -> partition


class BarrierCoordinator:
    """Completes the sync rounds of running barrier stage attempts (lives in the driver).

    ``reply(executor_id, message)`` sends a reply to the executor a request came from.
    """

    def __init__(self, reply: Callable[[str, tuple], None]) -> None:
        self._reply = reply
        self._attempts: dict[tuple[int, int], _Attempt] = {}
        self._attempt_of: dict[int, tuple[int, int]] = {}

    def start(self, stage_id: int, attempt: int, tasks: dict[int, int]) -> None:
        """A barrier stage attempt launched ``tasks`` (task id -> partition)."""
        key = (stage_id, attempt)
        self._attempts[key] = _Attempt(f"Stage {stage_id} (Attempt {attempt})", dict(tasks))
        self._attempt_of.update(dict.fromkeys(tasks, key))

    def request(self, req: BarrierRequest) -> None:
        """One task's sync call: reply to the whole round once every task has called."""
        state = self._attempts.get(self._attempt_of.get(req.task_id, (-1, -1)))
        if state is None or req.epoch != state.epoch:
            label = f"Stage {req.stage_id} (Attempt {req.stage_attempt})"
            self._send(req, SparkException(
                f"The request to sync of {label} with barrier epoch {req.epoch} has already "
                f"finished. Maybe task {req.task_id} is not properly killed."))
            return
        state.waiting[req.task_id] = req
        if state.kind is not None and state.kind != req.kind:
            self._fail_round(state, SparkException(
                f"Different barrier sync types found for the sync {state.label}: "
                f"{_METHOD_NAMES[state.kind]} != {_METHOD_NAMES[req.kind]}. Please use the "
                "same barrier sync type within a single sync."))
        elif state.finished:
            self._fail_round(state, _cannot_complete(state))
        else:
            state.kind = req.kind
            if len(state.waiting) == len(state.partitions):
                self._complete_round(state)

    def task_succeeded(self, task_id: int) -> None:
        """A task ended well: the rounds it did not join can never complete."""
        key = self._attempt_of.pop(task_id, None)
        state = self._attempts.get(key) if key is not None else None
        if state is None:
            return
        state.finished[task_id] = state.partitions[task_id]
        if state.waiting:
            self._fail_round(state, _cannot_complete(state))
        if len(state.finished) == len(state.partitions):
            del self._attempts[key]  # type: ignore[arg-type]

    def finish(self, stage_id: int, attempt: int, reason: str) -> set[int]:
        """The attempt is over: fail its waiting syncs; return the ids of those tasks."""
        state = self._attempts.pop((stage_id, attempt), None)
        if state is None:
            return set()
        for task_id in state.partitions:
            self._attempt_of.pop(task_id, None)
        released = set(state.waiting)
        self._fail_round(state, TaskKilledError(reason))
        return released

    def _complete_round(self, state: _Attempt) -> None:
        ordered = sorted(state.waiting.values(), key=lambda r: state.partitions[r.task_id])
        messages = [r.message for r in ordered]
        for req in ordered:
            self._send(req, messages)
        state.waiting.clear()
        state.kind = None
        state.epoch += 1

    def _fail_round(self, state: _Attempt, error: Exception) -> None:
        for req in state.waiting.values():
            self._send(req, error)
        state.waiting.clear()
        state.kind = None

    def _send(self, req: BarrierRequest, payload: list[str] | Exception) -> None:
        self._reply(req.executor_id, ("barrier_reply", req.task_id, req.epoch, payload))


def _cannot_complete(state: _Attempt) -> SparkException:
    partitions = ", ".join(str(p) for p in sorted(state.finished.values()))
    return SparkException(
        f"Barrier sync epoch {state.epoch} of {state.label} cannot complete: the task of "
        f"partition {partitions} finished without reaching it. Every task of a barrier stage "
        "must call barrier() and allGather() the same number of times.")


# ---- the task's side ---------------------------------------------------------------------


class BarrierClient:
    """An executor process's end of a sync: send the request, block for the driver's reply.

    Other messages that arrive meanwhile go to ``deferred``, for the worker's
    loop to handle once the task is done; a "stop" also ends the wait.
    """

    def __init__(self, conn: Connection, deferred: deque) -> None:
        self._conn = conn
        self._deferred = deferred

    def __call__(self, desc: Any, epoch: int, kind: str, message: str) -> list[str]:
        request = ("barrier", desc.task_id, desc.stage_id, desc.stage_attempt, epoch, kind,
                   message)
        self._conn.send_bytes(pickle.dumps(request, protocol=serialization.PROTOCOL))
        timeout = desc.barrier_sync_timeout
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SparkException(
                    "The coordinator didn't get all barrier sync requests for barrier epoch "
                    f"{epoch} from Stage {desc.stage_id} (Attempt {desc.stage_attempt}) "
                    f"within {timeout:g} second(s).")
            if not self._conn.poll(min(remaining, _MAX_WAIT)):
                continue
            reply = self._receive()
            if reply[0] != "barrier_reply":
                self._deferred.append(reply)
                if reply[0] == "stop":
                    raise TaskKilledError("the executor is stopping")
            elif reply[1:3] == (desc.task_id, epoch):  # else a late reply to a sync given up
                if isinstance(reply[3], BaseException):
                    raise reply[3]
                return reply[3]

    def _receive(self) -> tuple:
        try:
            return pickle.loads(self._conn.recv_bytes())
        except (EOFError, OSError):
            # The driver is gone: nobody will read this task's result.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def solo_sync(desc: Any, epoch: int, kind: str, message: str) -> list[str]:
    """Sync for a backend with one slot: its barrier stages have a single task.

    The job check refuses a barrier stage with more tasks than slots, so the
    one task is always the whole round.
    """
    return [message]
