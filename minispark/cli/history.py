"""``minispark history-server --dir DIR [--port N] [--host H]``: browse finished applications.

Serves the web UI and ``/api/v1`` REST API for every event log in ``DIR``
(what ``spark.eventLog.dir`` pointed at), including applications that
crashed mid-job. Runs until interrupted (Ctrl-C or SIGTERM).
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Sequence

from minispark.ui.eventlog import log_dir_path

DEFAULT_PORT = 18080


def main(argv: Sequence[str]) -> int:
    """Start the history server; returns when it is stopped.

    >>> main(["--dir", "/nonexistent/minispark-logs"])
    2
    """
    parser = argparse.ArgumentParser(
        prog="minispark history-server", allow_abbrev=False,
        description="Serve the web UI and REST API of the applications whose event logs are "
                    "in a folder.")
    parser.add_argument("--dir", required=True,
                        help="the event-log folder (spark.eventLog.dir), a path or file: URI")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default loopback only)")
    args = parser.parse_args(list(argv))
    from minispark.ui.history import HistoryProvider
    from minispark.ui.server import UIServer

    try:
        provider = HistoryProvider(log_dir_path(args.dir))
        server = UIServer(provider, args.host, args.port, 0)
    except (OSError, NotImplementedError) as exc:
        print(f"minispark history-server: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"History server started at {server.url} for {provider.directory}", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
