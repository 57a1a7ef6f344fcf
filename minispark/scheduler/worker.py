"""Entry point of an executor process: ``python -m minispark.scheduler.worker FD``.

The process talks to its driver over one inherited socketpair end (nothing
listens on a port), runs tasks in a loop for the life of the context, and
exits when the driver says stop or its end of the pair closes.
"""
from __future__ import annotations

import os
import pickle
import signal
import sys
from collections import deque
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from minispark.common import pyspark_alias, serialization

if TYPE_CHECKING:
    from minispark.scheduler.executor import ExecutorSettings


def main(argv: list[str]) -> int:
    """Serve tasks from the driver until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    serialization.mark_executor_process()
    conn = Connection(int(argv[1]))
    _, executor_id, driver_path, settings = pickle.loads(conn.recv_bytes())
    sys.path[:] = driver_path
    return serve(conn, executor_id, settings)


def serve(conn: Connection, executor_id: str, settings: "ExecutorSettings") -> int:
    """Run the executor loop on an open, trusted connection to the driver (a
    socketpair end here, an authenticated TCP socket for a cluster executor)."""
    pyspark_alias.install_if_requested()  # minispark.activate() ran in the driver
    from minispark.scheduler.backend import handle_control
    from minispark.scheduler.barrier import BarrierClient
    from minispark.scheduler.executor import Executor

    executor = Executor(executor_id, settings)
    deferred: deque = deque()  # messages that came while a barrier task waited
    executor.barrier_sync = BarrierClient(conn, deferred)
    conn.send_bytes(pickle.dumps(("ready", executor_id, os.getpid())))
    try:
        while True:
            try:
                message = deferred.popleft() if deferred else pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                return 0
            if message[0] == "stop":
                return 0
            if message[0] == "task":
                result = executor.run(message[1], message[2])
                conn.send_bytes(_dump_result(result))
            else:
                handle_control(executor, message)
    finally:
        executor.close()


def _dump_result(result) -> bytes:
    """Pickle a result as record batches are (by value where it must be); a value
    that cannot be pickled at all fails the task with the reason instead."""
    try:
        return serialization.dumps(("result", result))
    except Exception as exc:  # noqa: BLE001 - the driver must hear about it
        result.success, result.value = False, None
        result.error = f"task result could not be serialized: {type(exc).__name__}: {exc}"
        return pickle.dumps(("result", result), protocol=serialization.PROTOCOL)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
