"""Entry point of a cluster executor: ``python -m minispark.scheduler.remote_worker
HOST PORT LOCAL_DIR WORKER_ADDRESS``, with the application's secret (hex) on stdin.

Started by the Dask worker plugin (:mod:`minispark.scheduler.dask_backend`),
one process per task slot. It connects to the driver over TCP, completes the
shared-secret handshake (:mod:`minispark.common.auth`) before either side
unpickles a byte, then runs the same loop as a ``local[N]`` executor
(:func:`minispark.scheduler.worker.serve`), keeping its blocks, shuffle
outputs and spills in ``LOCAL_DIR`` (removed when it exits). It exits when the
driver says stop or hangs up, and at once if the Dask worker that started it
dies, so a lost worker always means a lost executor.

Exit codes tell the plugin whether to start it again: 0 (the driver is done
with it) and :data:`EXIT_DRIVER_UNREACHABLE` mean no; a crash or a kill means yes.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import signal
import socket
import sys
import threading
import time
from multiprocessing.connection import Connection

from minispark.common import auth, serialization

#: The driver could not be reached or refused our secret: starting again will not help.
EXIT_DRIVER_UNREACHABLE = 3
#: Seconds to keep trying to connect to the driver.
CONNECT_TIMEOUT = 30.0
#: Bytes the driver sends first on an executor connection (see :mod:`minispark.common.auth`).
MAGIC = b"MSE1"
#: How often the executor checks that the Dask worker that started it is alive.
PARENT_CHECK_INTERVAL = 0.2


def main(argv: list[str]) -> int:
    """Connect to the driver, then serve its tasks until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    host, port, local_dir, worker_address = argv[1], int(argv[2]), argv[3], argv[4]
    secret = bytes.fromhex(sys.stdin.readline().strip())
    _exit_with_parent()
    serialization.mark_executor_process()
    try:
        conn, local_address = connect(host, port, secret)
    except (OSError, auth.AuthenticationError) as exc:
        print(f"minispark executor: cannot reach the driver at {host}:{port}: {exc}",
              file=sys.stderr)
        return EXIT_DRIVER_UNREACHABLE
    try:
        conn.send_bytes(pickle.dumps(("hello", socket.gethostname(), os.getpid(), worker_address)))
        _, executor_id, _driver_path, settings = pickle.loads(conn.recv_bytes())
        os.makedirs(local_dir, exist_ok=True)
        from minispark.scheduler.worker import serve

        # Other executors reach this one's blocks where the driver reached it.
        settings = dataclasses.replace(settings, app_dir=local_dir, bind_address=local_address)
        return serve(conn, executor_id, settings)
    except (EOFError, OSError):
        return 0  # the driver went away before we were ready
    finally:
        shutil.rmtree(local_dir, ignore_errors=True)


def connect(host: str, port: int, secret: bytes,
            timeout: float = CONNECT_TIMEOUT) -> tuple[Connection, str]:
    """An authenticated connection to the driver, retried until ``timeout``, and
    this machine's address on it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=10)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        auth.client_handshake(sock, secret, MAGIC)
        sock.settimeout(None)
    except BaseException:
        sock.close()
        raise
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    local_address = sock.getsockname()[0]
    return Connection(sock.detach()), local_address


def _exit_with_parent() -> None:
    """Exit at once when the process that started us dies (a killed Dask worker)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
