"""Executor backends: where tasks run. The DAG scheduler sees only this interface.

A backend offers executors; the scheduler launches one task at a time on a
free executor and polls for events. A cluster backend (e.g. Dask
distributed) implements the same methods without touching the scheduler.
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass

from minispark.common import pyspark_alias
from minispark.scheduler.barrier import BarrierRequest, solo_sync
from minispark.scheduler.executor import Executor, ExecutorSettings
from minispark.scheduler.task import TaskDescription, TaskResult


@dataclass
class ExecutorLost:
    """An executor died; ``task_id`` is the task it was running, if any."""

    executor_id: str
    reason: str
    task_id: int | None


Event = TaskResult | ExecutorLost | BarrierRequest


class ExecutorBackend(ABC):
    """Launches tasks on executors and reports their results."""

    @abstractmethod
    def start(self) -> None:
        """Begin starting executors (need not wait for them)."""

    @abstractmethod
    def stop(self) -> None:
        """Stop every executor and release their resources."""

    @property
    @abstractmethod
    def parallelism(self) -> int:
        """How many tasks can run at once."""

    @abstractmethod
    def free_executors(self) -> list[str]:
        """Ids of live executors that are not running a task."""

    @abstractmethod
    def launch(self, executor_id: str, desc: TaskDescription, binary: bytes) -> None:
        """Run ``desc`` on ``executor_id``; ``binary`` is the stage's closure."""

    @abstractmethod
    def poll(self, timeout: float | None) -> list[Event]:
        """Wait up to ``timeout`` seconds for results or executor losses."""

    def newly_ready(self) -> list[str]:
        """Ids of executors that became ready since the last call, so the scheduler
        announces them (``ExecutorAdded``) before they run anything."""
        return []

    @abstractmethod
    def tell_all(self, message: tuple) -> None:
        """Send a control message (drop a broadcast, an RDD's blocks...) to every executor."""

    def wake(self) -> None:
        """Interrupt a blocked :meth:`poll` (job cancellation from another thread)."""

    def kill_task(self, task_id: int) -> None:
        """Stop a running task, if the backend can; by default it finishes."""

    def revive(self) -> None:
        """Before a job: retry executors the backend gave up on, if it can."""

    def tell(self, executor_id: str, message: tuple) -> None:
        """Send a message to one executor (the reply to a barrier task's sync)."""
        raise NotImplementedError(f"{type(self).__name__} cannot message one executor")

    def executor_address(self, executor_id: str) -> str:
        """``host:port`` of an executor, as barrier tasks see it (``BarrierTaskInfo``).

        Local executors listen on no port: the port field holds the process id.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot name its executors' hosts")


class InlineBackend(ExecutorBackend):
    """Runs each task in the driver's own thread: simple to debug, one slot.

    Tasks still go through the stage binary (pickled and unpickled), so
    closures behave as they do in a separate process. A launched task runs
    in the next :meth:`poll`, so the scheduler does not hold its state while
    the task runs (other threads can submit jobs meanwhile).
    """

    EXECUTOR_ID = "driver"

    def __init__(self, settings: ExecutorSettings) -> None:
        self.settings = settings
        self.executor: Executor | None = None
        self._done: deque[Event] = deque()
        self._launched: deque[tuple[TaskDescription, bytes]] = deque()
        self._ready: list[str] = []

    def start(self) -> None:
        self.executor = Executor(self.EXECUTOR_ID, self.settings, in_driver=True)
        self._ready = [self.EXECUTOR_ID]
        self.executor.barrier_sync = solo_sync  # one slot: a barrier stage has one task

    def stop(self) -> None:
        self.executor = None

    @property
    def parallelism(self) -> int:
        return 1

    def free_executors(self) -> list[str]:
        return [self.EXECUTOR_ID] if self.executor is not None and not self._launched else []

    def newly_ready(self) -> list[str]:
        ready, self._ready = self._ready, []
        return ready

    def executor_address(self, executor_id: str) -> str:
        return f"127.0.0.1:{os.getpid()}"  # the executor is the driver process

    def launch(self, executor_id: str, desc: TaskDescription, binary: bytes) -> None:
        assert self.executor is not None, "backend is stopped"
        self._launched.append((desc, binary))

    def kill_task(self, task_id: int) -> None:
        """A task not run yet never runs; a running one cannot be stopped."""
        for launched in [t for t in self._launched if t[0].task_id == task_id]:
            self._launched.remove(launched)

    def poll(self, timeout: float | None) -> list[Event]:
        while self._launched and self.executor is not None:
            desc, binary = self._launched.popleft()
            try:
                self._done.append(self.executor.run(desc, binary))
            except BaseException:
                # Ctrl-C in this thread is its job's; the task may be another
                # job's, which must hear that it ended to run it again.
                self._done.append(TaskResult(desc.task_id, self.EXECUTOR_ID, False,
                                             error="interrupted by KeyboardInterrupt"))
                raise
        events = list(self._done)
        self._done.clear()
        return events

    def tell_all(self, message: tuple) -> None:
        if self.executor is not None:
            handle_control(self.executor, message)


def handle_control(executor: Executor, message: tuple) -> None:
    """Apply a control message from the driver to one executor."""
    kind = message[0]
    if kind == "remove_rdd":
        executor.env.block_manager.remove_rdd(message[1])
    elif kind == "remove_block":
        executor.env.block_manager.remove(message[1])
    elif kind == "remove_broadcast":
        executor.forget_broadcast(message[1], message[2])
    elif kind == "add_file":
        executor.add_file(message[1])
    elif kind == "add_py_file":
        executor.add_py_file(message[1])
    elif kind == "activate_pyspark":  # minispark.activate(): tasks may import pyspark
        pyspark_alias.install()
    elif kind == "barrier_reply":
        pass  # for a barrier sync its task gave up on (timed out)
    else:
        raise ValueError(f"unknown control message {kind!r}")
