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
from multiprocessing.connection import Connection

import cloudpickle

from minispark.common import serialization


def main(argv: list[str]) -> int:
    """Serve tasks from the driver until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    conn = Connection(int(argv[1]))
    _, executor_id, driver_path, settings = pickle.loads(conn.recv_bytes())
    sys.path[:] = driver_path
    from minispark.scheduler.backend import handle_control
    from minispark.scheduler.executor import Executor

    executor = Executor(executor_id, settings)
    conn.send_bytes(pickle.dumps(("ready", executor_id, os.getpid())))
    while True:
        try:
            message = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return 0
        if message[0] == "stop":
            return 0
        if message[0] == "task":
            result = executor.run(message[1], message[2])
            conn.send_bytes(_dump_result(result))
        else:
            handle_control(executor, message)


def _dump_result(result) -> bytes:
    """Pickle a result; values that plain pickle refuses go through cloudpickle."""
    try:
        return pickle.dumps(("result", result), protocol=serialization.PROTOCOL)
    except Exception:  # noqa: BLE001 - retried below, then reported
        pass
    try:
        return cloudpickle.dumps(("result", result), protocol=serialization.PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - the driver must hear about it
        result.success, result.value = False, None
        result.error = f"task result could not be serialized: {type(exc).__name__}: {exc}"
        return pickle.dumps(("result", result), protocol=serialization.PROTOCOL)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
