"""``local[N]``: N long-lived executor processes on this machine.

Each executor is a fresh interpreter (``python -m minispark.scheduler.worker``)
started with ``subprocess`` rather than ``multiprocessing``'s fork or spawn:
fork from a threaded driver can deadlock, and spawn re-runs the user's
``__main__`` script in every child. The driver keeps one socketpair end per
executor; nothing listens on a port. A dead executor is noticed as end of
file on its socket, reported, and replaced.

Executors import the engine from wherever the driver did: the driver's
``sys.path`` reaches the child before the child imports anything of
minispark. Executors that die before they are ready are restarted with
backoff; after ``MAX_START_FAILURES`` in a row the backend is broken, and
every job gets an :class:`ExecutorStartError` quoting the last executor's
stderr, until a later job's :meth:`ProcessBackend.revive` succeeds.
"""
from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import BinaryIO
from multiprocessing.connection import Connection, wait

from minispark.common import serialization
from minispark.scheduler.backend import Event, ExecutorBackend, ExecutorLost
from minispark.scheduler.barrier import BarrierRequest
from minispark.scheduler.executor import ExecutorSettings
from minispark.scheduler.task import TaskDescription

#: Executors that die before they ever become ready, in a row, before we give up.
MAX_START_FAILURES = 3
#: Seconds before restarting an executor that died at start; doubles each time.
START_BACKOFF = 0.1
#: Bytes of an executor's stderr kept to explain why it died.
STDERR_TAIL = 8192
#: Run by each executor's interpreter: the driver's ``sys.path`` first, so the
#: engine imports from where the driver found it (a checkout on ``sys.path``,
#: not only an installed package), whatever flags or environment apply.
_BOOTSTRAP = ("import os, sys; "
              "sys.path[:0] = os.environ.pop('MINISPARK_DRIVER_PATH').split(os.pathsep); "
              "from minispark.scheduler.worker import main; sys.exit(main(sys.argv))")


class ExecutorStartError(RuntimeError):
    """Executor processes keep dying before they can run a task."""


@dataclass
class _Worker:
    executor_id: str
    process: subprocess.Popen
    conn: Connection
    stderr: "_StderrTail"
    ready: bool = False
    task_id: int | None = None
    binaries: set[int] = field(default_factory=set)


class _StderrTail(threading.Thread):
    """Copies an executor's stderr to the driver's and keeps its last bytes."""

    def __init__(self, executor_id: str, pipe: BinaryIO) -> None:
        super().__init__(name=f"executor-{executor_id}-stderr", daemon=True)
        self._pipe = pipe
        self._tail = bytearray()

    def run(self) -> None:
        with self._pipe as pipe:
            while chunk := pipe.read(65536):
                try:
                    os.write(2, chunk)
                except OSError:
                    pass  # the driver's stderr is closed; the tail still explains
                self._tail += chunk
                del self._tail[:-STDERR_TAIL]

    def text(self) -> str:
        """The last bytes the executor wrote, once it has exited."""
        self.join(timeout=1)
        return self._tail.decode("utf-8", "replace").strip()


class ProcessBackend(ExecutorBackend):
    """Runs tasks on ``num_executors`` worker processes, one task each at a time."""

    def __init__(self, num_executors: int, settings: ExecutorSettings,
                 env: dict[str, str] | None = None) -> None:
        self.num_executors = num_executors
        self.settings = settings
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("PYTHONHASHSEED", "0")
        self.env["MINISPARK_DRIVER_PATH"] = os.pathsep.join(p for p in sys.path if p)
        self._workers: dict[str, _Worker] = {}
        self._ready: list[str] = []  # ready since the scheduler last asked
        self._next_id = 0
        self._start_failures = 0
        self._respawn_at: list[float] = []
        self._broken: ExecutorStartError | None = None
        self._stopped = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)

    def start(self) -> None:
        for _ in range(self.num_executors):
            self._spawn()

    def revive(self) -> None:
        """After giving up on executors that would not start, try once more."""
        if self._broken is not None and not self._stopped:
            self._broken, self._start_failures, self._respawn_at = None, 0, []
            for _ in range(self.num_executors - len(self._workers)):
                self._spawn()

    def _spawn(self) -> None:
        if self._stopped:
            return
        executor_id = str(self._next_id)
        self._next_id += 1
        parent, child = socket.socketpair()
        try:
            command = [sys.executable, *subprocess._args_from_interpreter_flags(),
                       "-c", _BOOTSTRAP, str(child.fileno())]
            process = subprocess.Popen(command, pass_fds=(child.fileno(),), env=self.env,
                                       stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        finally:
            child.close()
        stderr = _StderrTail(executor_id, process.stderr.detach())
        stderr.start()
        conn = Connection(parent.detach())
        init = ("init", executor_id, list(sys.path), self.settings)
        try:
            conn.send_bytes(pickle.dumps(init, protocol=serialization.PROTOCOL))
        except OSError:
            pass  # it died already; poll() reports it
        self._workers[executor_id] = _Worker(executor_id, process, conn, stderr)

    @property
    def parallelism(self) -> int:
        return self.num_executors

    def executor_ids(self) -> list[str]:
        """Ids of the executors alive now (started or starting)."""
        return list(self._workers)

    def free_executors(self) -> list[str]:
        return [w.executor_id for w in self._workers.values() if w.ready and w.task_id is None]

    def newly_ready(self) -> list[str]:
        ready, self._ready = self._ready, []
        return [e for e in ready if e in self._workers]

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
        self._respawn_due()
        if self._broken is not None and not self._workers:
            raise self._broken
        if self._respawn_at:
            wait_more = max(0.0, min(self._respawn_at) - time.monotonic())
            timeout = wait_more if timeout is None else min(timeout, wait_more)
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
            self._ready.append(worker.executor_id)
            self._start_failures = 0
        elif message[0] == "result":
            worker.task_id = None
            events.append(message[1])
        elif message[0] == "barrier":
            events.append(BarrierRequest(worker.executor_id, *message[1:]))

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _lose(self, worker: _Worker) -> ExecutorLost:
        del self._workers[worker.executor_id]
        worker.conn.close()
        reason = _describe_exit(_reap(worker.process))
        if worker.ready:
            self._spawn()
        else:
            self._start_failed(reason, worker.stderr.text())
        return ExecutorLost(worker.executor_id, reason, worker.task_id)

    def _start_failed(self, reason: str, stderr: str) -> None:
        """An executor died before it was ready: restart it later, or give up."""
        self._start_failures += 1
        if self._start_failures >= MAX_START_FAILURES:
            self._broken = ExecutorStartError(
                f"{self._start_failures} executor processes in a row exited before they were "
                f"ready; the last {reason}. Its stderr:\n{stderr or '(empty)'}")
            self._respawn_at = []
            return
        delay = START_BACKOFF * 2 ** (self._start_failures - 1)
        self._respawn_at.append(time.monotonic() + delay)

    def _respawn_due(self) -> None:
        now = time.monotonic()
        due = [t for t in self._respawn_at if t <= now]
        self._respawn_at = [t for t in self._respawn_at if t > now]
        for _ in due:
            self._spawn()

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

    def executor_address(self, executor_id: str) -> str:
        return f"127.0.0.1:{self.pid_of(executor_id)}"

    def tell(self, executor_id: str, message: tuple) -> None:
        worker = self._workers.get(executor_id)
        if worker is not None:
            try:
                worker.conn.send_bytes(pickle.dumps(message, protocol=serialization.PROTOCOL))
            except OSError:
                pass  # it died; poll() reports it

    def stop(self) -> None:
        """Ask every executor to exit, kill those that do not within 2 s, reap all."""
        self._stopped = True
        self._respawn_at = []
        workers = list(self._workers.values())
        self._workers.clear()
        for worker in workers:
            try:
                worker.conn.send_bytes(pickle.dumps(("stop",)))
            except OSError:
                pass
        for worker in workers:
            _reap(worker.process, grace=2)
            worker.conn.close()
        self._wake_r.close()
        self._wake_w.close()


def _reap(process: subprocess.Popen, grace: float = 5) -> int:
    """Wait for ``process`` to exit, killing it after ``grace`` seconds; its exit code."""
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"
