"""``local[N]``: N long-lived executor processes on this machine.

Each executor is a fresh interpreter (``python -m minispark.scheduler.worker``)
started with ``subprocess`` rather than ``multiprocessing``'s fork or spawn:
fork from a threaded driver can deadlock, and spawn re-runs the user's
``__main__`` script in every child. The driver keeps one socketpair end per
executor; nothing listens on a port. A dead executor is noticed as end of
file on its socket, reported, and replaced.
"""
from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from minispark.common import serialization
from minispark.scheduler.backend import Event, ExecutorBackend, ExecutorLost
from minispark.scheduler.executor import ExecutorSettings
from minispark.scheduler.task import TaskDescription

#: Executors that die before they ever become ready, in a row, before we give up.
MAX_START_FAILURES = 3


class ExecutorStartError(RuntimeError):
    """Executor processes keep dying before they can run a task."""


@dataclass
class _Worker:
    executor_id: str
    process: subprocess.Popen
    conn: Connection
    ready: bool = False
    task_id: int | None = None
    binaries: set[int] = field(default_factory=set)


class ProcessBackend(ExecutorBackend):
    """Runs tasks on ``num_executors`` worker processes, one task each at a time."""

    def __init__(self, num_executors: int, settings: ExecutorSettings,
                 env: dict[str, str] | None = None) -> None:
        self.num_executors = num_executors
        self.settings = settings
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("PYTHONHASHSEED", "0")
        self._workers: dict[str, _Worker] = {}
        self._next_id = 0
        self._start_failures = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)

    def start(self) -> None:
        for _ in range(self.num_executors):
            self._spawn()

    def _spawn(self) -> None:
        executor_id = str(self._next_id)
        self._next_id += 1
        parent, child = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "minispark.scheduler.worker", str(child.fileno())],
                pass_fds=(child.fileno(),), env=self.env, stdin=subprocess.DEVNULL)
        finally:
            child.close()
        conn = Connection(parent.detach())
        init = ("init", executor_id, list(sys.path), self.settings)
        conn.send_bytes(pickle.dumps(init, protocol=serialization.PROTOCOL))
        self._workers[executor_id] = _Worker(executor_id, process, conn)

    @property
    def parallelism(self) -> int:
        return self.num_executors

    def executor_ids(self) -> list[str]:
        """Ids of the executors alive now (started or starting)."""
        return list(self._workers)

    def free_executors(self) -> list[str]:
        return [w.executor_id for w in self._workers.values() if w.ready and w.task_id is None]

    def launch(self, executor_id: str, desc: TaskDescription, binary: bytes) -> None:
        worker = self._workers[executor_id]
        ship = None if desc.binary_id in worker.binaries else binary
        worker.task_id = desc.task_id
        try:
            message = ("task", desc, ship)
            worker.conn.send_bytes(pickle.dumps(message, protocol=serialization.PROTOCOL))
        except OSError:
            return  # the executor is dead; poll() reports it with this task
        worker.binaries.add(desc.binary_id)

    def tell_all(self, message: tuple) -> None:
        data = pickle.dumps(message, protocol=serialization.PROTOCOL)
        for worker in self._workers.values():
            try:
                worker.conn.send_bytes(data)
            except OSError:
                pass  # a dead executor holds nothing; poll() replaces it

    def remember_py_file(self, path: str) -> None:
        """Executors started later must also import from ``path``."""
        self.settings.py_files = (*self.settings.py_files, path)

    def wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def poll(self, timeout: float | None) -> list[Event]:
        by_conn = {w.conn: w for w in self._workers.values()}
        ready = wait([*by_conn, self._wake_r], timeout)
        events: list[Event] = []
        for conn in ready:
            if conn is self._wake_r:
                self._drain_wake()
                continue
            worker = by_conn[conn]
            try:
                message = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                events.append(self._lose(worker))
                continue
            self._handle(worker, message, events)
        return events

    def _handle(self, worker: _Worker, message: tuple, events: list[Event]) -> None:
        if message[0] == "ready":
            worker.ready = True
            self._start_failures = 0
        elif message[0] == "result":
            worker.task_id = None
            events.append(message[1])

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _lose(self, worker: _Worker) -> ExecutorLost:
        del self._workers[worker.executor_id]
        worker.conn.close()
        try:
            code = worker.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            code = worker.process.wait()
        reason = _describe_exit(code)
        if not worker.ready:
            self._start_failures += 1
            if self._start_failures >= MAX_START_FAILURES:
                raise ExecutorStartError(
                    f"executor processes exit before they are ready ({reason}); "
                    "see their output above")
        self._spawn()
        return ExecutorLost(worker.executor_id, reason, worker.task_id)

    def kill_task(self, task_id: int) -> None:
        for worker in self._workers.values():
            if worker.task_id == task_id:
                worker.process.kill()

    def kill_executor(self, executor_id: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one executor process (fault injection in tests)."""
        os.kill(self._workers[executor_id].process.pid, sig)

    def pid_of(self, executor_id: str) -> int:
        """The OS process id of one executor."""
        return self._workers[executor_id].process.pid

    def stop(self) -> None:
        for worker in self._workers.values():
            try:
                worker.conn.send_bytes(pickle.dumps(("stop",)))
            except OSError:
                pass
        for worker in self._workers.values():
            try:
                worker.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.conn.close()
        self._workers.clear()
        self._wake_r.close()
        self._wake_w.close()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"
