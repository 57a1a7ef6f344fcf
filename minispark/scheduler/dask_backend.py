"""``dask://host:port``: executors on the workers of a Dask ``distributed`` cluster.

Dask is the cluster manager only: it places and restarts worker processes
(by hand, on Kubernetes, YARN or an HPC scheduler through its own projects).
A worker plugin (:class:`ExecutorPlugin`, registered with the Dask scheduler,
so workers that join later get it too) starts one minispark executor process
per worker thread (``python -m minispark.scheduler.remote_worker``) and
starts it again if it is killed. Executors are subprocesses rather than
threads of the Dask worker: a task that crashes its interpreter or is killed
(``kill_task`` sends SIGKILL, as ``local[N]`` does) takes only its executor
down, and one process per slot runs Python tasks in parallel despite the GIL
(PySpark, too, runs one Python worker per core).

Each executor connects back to the driver over TCP; the driver listens on
``spark.driver.bindAddress``/``spark.driver.port`` and, before it unpickles
anything, completes the shared-secret challenge-response of
:mod:`minispark.common.auth` with a secret made for this application. The
secret reaches the executors inside the plugin, over Dask's own
communication (use Dask's TLS in production). From then on an executor is
driven exactly as a local one (the same loop and messages as
:class:`~minispark.scheduler.process_backend.ProcessBackend`, which this
class extends); only how executors start and die differs. A closed
connection is a lost executor. Losing the Dask scheduler fails the running
job, and a job that finds no executor for
``spark.scheduler.maxRegisteredResourcesWaitingTime`` fails rather than waits.
"""
from __future__ import annotations

import os
import pickle
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection

from distributed import Client, WorkerPlugin

from minispark.common import auth, pyspark_alias, serialization
from minispark.common.errors import SparkException
from minispark.scheduler.backend import Event, ExecutorLost
from minispark.scheduler.driver_files import DriverFileServer
from minispark.scheduler.executor import ExecutorSettings
from minispark.scheduler.process_backend import ProcessBackend, _Worker
from minispark.scheduler.remote_worker import EXIT_DRIVER_UNREACHABLE, MAGIC

#: Seconds an executor has to complete the handshake and say hello.
HANDSHAKE_TIMEOUT = 10.0
#: Longest a poll blocks before the backend checks that the Dask scheduler is there.
CHECK_INTERVAL = 1.0
#: An executor slot gives up after this many deaths in a row within
#: :data:`QUICK_DEATH` seconds of starting (it cannot start on this worker).
MAX_QUICK_DEATHS = 3
QUICK_DEATH = 5.0


class ClusterError(SparkException):
    """The Dask cluster cannot run the job: unreachable, lost, or without executors."""


@dataclass
class DaskSettings:
    """Where the driver listens for executors, and how long a job waits for one."""

    host: str | None = None           # spark.driver.host: what executors connect to
    bind_address: str | None = None   # spark.driver.bindAddress: where the driver listens
    port: int = 0                     # spark.driver.port (0: any free port)
    register_timeout: float = 30.0    # spark.scheduler.maxRegisteredResourcesWaitingTime


@dataclass
class _RemoteProcess:
    """What the driver knows of an executor process on a Dask worker."""

    pid: int
    host: str
    worker_address: str


def scheduler_address(master: str) -> str:
    """The Dask scheduler's address for a ``dask://host:port`` master.

    >>> scheduler_address("dask://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    rest = master[len("dask://"):]
    host, _, port = rest.rpartition(":")
    if not master.startswith("dask://") or not host or not port.isdigit():
        raise ValueError(f"Could not parse Master URL: '{master}' (a Dask master is "
                         "dask://HOST:PORT, the Dask scheduler's address)")
    return f"tcp://{host}:{port}"


class DaskBackend(ProcessBackend):
    """Runs tasks on executors started by the workers of a Dask cluster."""

    def __init__(self, master: str, settings: ExecutorSettings, executor_env: dict[str, str],
                 dask: DaskSettings) -> None:
        super().__init__(0, settings)
        self.executor_env = executor_env  # only what the user set: workers have their own
        self.address = scheduler_address(master)
        self.dask = dask
        self._plugin_name = f"minispark-executors-{secrets.token_hex(8)}"
        self._pending: queue.Queue[tuple[Connection, tuple]] = queue.Queue()
        self._client: Client | None = None
        self._listener: socket.socket | None = None
        self._advertised = ""  # host:port executors connect to
        self._expected_slots = 0
        self._waiting_since = time.monotonic()
        self._files: DriverFileServer | None = None

    def start(self) -> None:
        """Connect to the Dask scheduler, listen for executors, have every worker start them."""
        try:
            self._client = Client(self.address, timeout=self.dask.register_timeout,
                                  set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"Cannot reach the Dask scheduler at {self.address}: "
                               f"{type(exc).__name__}: {exc}") from None
        host = self.dask.host or _address_facing(self.address)
        self._listener = socket.create_server((self.dask.bind_address or host, self.dask.port))
        self._files = DriverFileServer(self.settings.app_dir, self.settings.auth_secret, host)
        self.settings = replace(self.settings, driver_files=self._files.address)
        threading.Thread(target=self._accept, name="executor-listener", daemon=True).start()
        self._expected_slots = sum(self._client.nthreads().values())
        port = self._listener.getsockname()[1]
        self._advertised = f"{host}:{port}"
        plugin = ExecutorPlugin(host, port, self.settings.auth_secret.hex(), self.executor_env)
        self._client.register_plugin(plugin, name=self._plugin_name)
        self._waiting_since = time.monotonic()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed by stop()
            threading.Thread(target=self._authenticate, args=(sock,), daemon=True,
                             name="executor-handshake").start()

    def _authenticate(self, sock: socket.socket) -> None:
        """Admit a connection only once it proves it holds the secret; then read its hello."""
        try:
            sock.settimeout(HANDSHAKE_TIMEOUT)
            auth.server_handshake(sock, self.settings.auth_secret, MAGIC)
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, auth.AuthenticationError):
            sock.close()
            return
        conn = Connection(sock.detach())
        try:
            if not conn.poll(HANDSHAKE_TIMEOUT):
                raise TimeoutError("no hello")
            hello = pickle.loads(conn.recv_bytes())
            if not (isinstance(hello, tuple) and len(hello) == 4 and hello[0] == "hello"):
                raise pickle.UnpicklingError(f"not an executor's hello: {hello!r:.80}")
        except (OSError, EOFError, TimeoutError, pickle.UnpicklingError):
            conn.close()
            return
        self._pending.put((conn, hello))
        self.wake()

    def _register_pending(self) -> None:
        while True:
            try:
                conn, (_, host, pid, worker_address) = self._pending.get_nowait()
            except queue.Empty:
                return
            if self._stopped:
                conn.close()
                continue
            executor_id = str(self._next_id)
            self._next_id += 1
            messages = [("init", executor_id, list(sys.path), self.settings),
                        *(("add_file", name) for name in self._added_files())]
            if self.env.get(pyspark_alias.ENV_FLAG) == "1":  # minispark.activate() ran here
                messages.append(("activate_pyspark",))
            try:
                for message in messages:
                    conn.send_bytes(pickle.dumps(message, protocol=serialization.PROTOCOL))
            except OSError:
                conn.close()
                continue
            process = _RemoteProcess(pid, host, worker_address)
            self._workers[executor_id] = _Worker(executor_id, process, conn, None)

    def _spawn(self) -> None:
        """Executors are started by the Dask workers' plugin, never by the driver."""

    def _added_files(self) -> list[str]:
        """Names of the files ``sc.addFile`` put in the driver's folder: an executor
        that joins later fetches them too."""
        folder = os.path.join(self.settings.app_dir, "files")
        names = os.listdir(folder) if os.path.isdir(folder) else []
        return sorted(n for n in names if os.path.isfile(os.path.join(folder, n)))

    @property
    def parallelism(self) -> int:
        return max(len(self._workers), self._expected_slots, 1)

    def revive(self) -> None:
        """A job starts: the wait for an executor, if there is none, starts now."""
        self._waiting_since = time.monotonic()

    def poll(self, timeout: float | None) -> list[Event]:
        self._check_scheduler()
        self._register_pending()
        timeout = CHECK_INTERVAL if timeout is None else min(timeout, CHECK_INTERVAL)
        if self._workers:
            self._waiting_since = time.monotonic()
        elif time.monotonic() - self._waiting_since > self.dask.register_timeout:
            raise ClusterError(
                f"No minispark executor registered within {self.dask.register_timeout:g} s "
                f"(spark.scheduler.maxRegisteredResourcesWaitingTime); the Dask scheduler at "
                f"{self.address} has {len(self._client.nthreads())} worker(s). Do the workers "
                f"have minispark installed, and can they reach this driver at {self._advertised}?")
        return super().poll(timeout)

    def _check_scheduler(self) -> None:
        if self._client is not None and self._client.status != "running":
            raise ClusterError(f"Lost the Dask scheduler at {self.address} (client "
                               f"{self._client.status}); the job cannot continue")

    def _lose(self, worker: _Worker) -> ExecutorLost:
        del self._workers[worker.executor_id]
        worker.conn.close()
        where = worker.process
        return ExecutorLost(worker.executor_id,
                            f"connection closed (executor process {where.pid} on Dask worker "
                            f"{where.worker_address})", worker.task_id)

    def kill_task(self, task_id: int) -> None:
        for worker in self._workers.values():
            if worker.task_id == task_id:
                self.kill_executor(worker.executor_id)

    def kill_executor(self, executor_id: str, sig: int = signal.SIGKILL) -> None:
        """Have the executor's Dask worker send ``sig`` to it; its plugin starts a new one."""
        where = self._workers[executor_id].process
        if self._client.status != "running":
            return  # the cluster is gone, and its executors with it
        self._client.run(_signal_process, where.pid, sig, workers=[where.worker_address],
                         wait=False, on_error="ignore")

    def worker_address_of(self, executor_id: str) -> str:
        """The Dask worker an executor runs on."""
        return self._workers[executor_id].process.worker_address

    def executor_address(self, executor_id: str) -> str:
        where = self._workers[executor_id].process
        return f"{where.host}:{where.pid}"

    def stop(self) -> None:
        """Tell executors to stop, stop listening, remove the plugin (its teardown ends any left)."""
        self._stopped = True
        self.tell_all(("stop",))
        for worker in self._workers.values():
            worker.conn.close()
        self._workers.clear()
        if self._listener is not None:
            self._listener.close()
        if self._files is not None:
            self._files.stop()
        if self._client is not None:
            try:
                if self._client.status == "running":
                    self._client.unregister_worker_plugin(self._plugin_name)
            except Exception:  # noqa: BLE001 - the cluster may be gone; nothing is left to end
                pass
            finally:
                self._client.close()
        while not self._pending.empty():
            self._pending.get_nowait()[0].close()
        self._wake_r.close()
        self._wake_w.close()


def _address_facing(address: str) -> str:
    """This machine's IP address on the route to ``address`` (a ``tcp://host:port``)."""
    host = address[len("tcp://"):].rpartition(":")[0].strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.connect((host, 9))  # UDP: no packet is sent, only a route chosen
        return probe.getsockname()[0]


async def _signal_process(pid: int, sig: int) -> None:
    """Runs on a Dask worker: signal one of its executor processes (a coroutine, so
    the driver need not wait for it)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass  # it exited already


class ExecutorPlugin(WorkerPlugin):
    """Runs on every Dask worker: keeps one executor process per worker thread alive."""

    def __init__(self, host: str, port: int, secret_hex: str, env: dict[str, str]) -> None:
        self.host, self.port, self.secret_hex, self.env = host, port, secret_hex, env

    def setup(self, worker) -> None:
        self._stopping = threading.Event()
        self._processes: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        env = dict(os.environ, PYTHONHASHSEED="0", **self.env)
        for slot in range(worker.state.nthreads):
            threading.Thread(target=self._keep_running,
                             args=(worker.address, worker.local_directory, env),
                             name=f"minispark-executor-{slot}", daemon=True).start()

    def teardown(self, worker) -> None:
        self._stopping.set()
        with self._lock:
            processes = list(self._processes)
        for process in processes:
            try:
                process.wait(timeout=2)  # the driver told it to stop
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _keep_running(self, worker_address: str, local_directory: str,
                      env: dict[str, str]) -> None:
        """Start an executor; start another when one is killed or crashes."""
        quick_deaths = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            code = self._run_executor(worker_address, local_directory, env)
            if code in (0, EXIT_DRIVER_UNREACHABLE) or self._stopping.is_set():
                return
            quick_deaths = quick_deaths + 1 if time.monotonic() - started < QUICK_DEATH else 0
            if quick_deaths >= MAX_QUICK_DEATHS:
                print(f"minispark: executor on {worker_address} died {quick_deaths} times at "
                      f"start (last exit code {code}); not starting it again", file=sys.stderr)
                return
            self._stopping.wait(0.1 * 2 ** quick_deaths)

    def _run_executor(self, worker_address: str, local_directory: str,
                      env: dict[str, str]) -> int:
        folder = tempfile.mkdtemp(prefix="minispark-executor-", dir=local_directory)
        command = [sys.executable, "-m", "minispark.scheduler.remote_worker",
                   self.host, str(self.port), folder, worker_address]
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self._lock:
            self._processes.add(process)
        try:
            try:
                process.stdin.write(self.secret_hex.encode() + b"\n")
                process.stdin.close()
            except OSError:
                pass  # it died at once; its exit code says why
            return process.wait()
        finally:
            with self._lock:
                self._processes.discard(process)
            shutil.rmtree(folder, ignore_errors=True)
