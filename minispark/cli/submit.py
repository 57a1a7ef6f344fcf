"""``minispark submit [options] app.py [app args]``: run an application as spark-submit does.

The options resolve to settings (see ``minispark.cli.options``) that the
application's own ``SparkConf()`` / ``SparkContext()`` picks up. The
application then replaces this process: ``exec`` of ``python app.py args``
with those settings in its environment. So it runs exactly as ``python
app.py`` would (its own ``__main__``, ``sys.argv``, threads, ``atexit`` and
signals; Ctrl-C reaches it alone), and its exit code is the command's with no
translation: ``sys.exit(n)`` gives n, an uncaught exception prints its
traceback and gives 1, a signal that kills it is seen by the caller as such.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from minispark.cli.options import (
    LaunchError, add_launch_options, check_file, describe, launch_environment,
    launch_properties,
)

#: Applications spark-submit runs that need a JVM or R.
_NOT_PYTHON = (".jar", ".r", ".R")


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``minispark submit``."""
    parser = argparse.ArgumentParser(
        prog="minispark submit", allow_abbrev=False,
        description="Run a PySpark-style application with the given settings; options go "
                    "before app.py, everything after it is the application's arguments.")
    add_launch_options(parser)
    parser.add_argument("app", metavar="app.py", nargs="?", help="the application's main script")
    parser.add_argument("app_args", nargs=argparse.REMAINDER, metavar="app args",
                        help="passed to the application as sys.argv[1:]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and become the application (exits 2 on a usage error)."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.app is None:
        parser.error("no application given: minispark submit [options] app.py [app args]")
    try:
        if args.app.endswith(_NOT_PYTHON):
            raise LaunchError(f"{args.app}: minispark runs Python applications only")
        app = check_file("app.py", args.app)
        properties = launch_properties(args, default_name=os.path.basename(app))
    except LaunchError as exc:
        parser.error(str(exc))
    command = [sys.executable, app, *args.app_args]
    if args.verbose:
        print(describe(args, properties, f"Main application: {' '.join(command[1:])}"),
              file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, launch_environment(properties, dict(os.environ)))
