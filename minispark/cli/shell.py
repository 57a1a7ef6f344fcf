"""``minispark shell`` (and ``python -m minispark``): an interactive prompt with ``sc`` ready.

The shell is an application launched like ``minispark submit`` launches one:
its options become the settings every ``SparkConf()`` of the session reads,
so ``sc`` (and ``spark`` once the SQL layer exists) and any context made
later in the session get them. IPython is the prompt when it is installed,
else Python's own with tab completion.

Ctrl-C during an action interrupts the driver's wait for the job; the
scheduler then cancels the job and stops its tasks, the prompt shows
``KeyboardInterrupt`` and ``sc`` stays alive. Ctrl-D (or ``exit()``) stops
the session's context and with it every executor.
"""
from __future__ import annotations

import argparse
import builtins
import code
import importlib
import importlib.util
import json
import os
import platform
import sys
import traceback
from typing import Any, Callable, Sequence

from minispark.cli.options import (
    LaunchError, add_launch_options, check_file, describe, launch_properties,
)
from minispark.conf import SUBMITTED_CONF_ENV

APP_NAME = "minispark-shell"

Repl = Callable[[dict], None]


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``minispark shell``."""
    parser = argparse.ArgumentParser(
        prog="minispark shell", allow_abbrev=False,
        description="An interactive Python prompt with a SparkContext as 'sc'.")
    add_launch_options(parser)
    parser.add_argument("-i", dest="script", metavar="script.py",
                        help="run this script in the session before the first prompt")
    parser.add_argument("--repl", choices=("auto", "ipython", "python"), default="auto",
                        help="the prompt: IPython if installed (auto), or Python's own")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start the session, run ``-i`` script, serve the prompt; stop everything on exit."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        script = check_file("-i", args.script) if args.script else None
        properties = launch_properties(args, default_name=APP_NAME)
        repl = choose_repl(args.repl)
    except LaunchError as exc:
        parser.error(str(exc))
    if args.verbose:
        print(describe(args, properties, "Main application: shell"), file=sys.stderr)
    os.environ[SUBMITTED_CONF_ENV] = json.dumps(properties)
    try:
        namespace = start_session()
    except ValueError as exc:  # a bad master URL or setting; the message names it
        print(f"minispark shell: error: {exc}", file=sys.stderr)
        return 1
    session = dict(namespace)  # the user may rebind or delete 'sc' and 'spark'
    try:
        print(banner(namespace), flush=True)
        if script:
            run_script(script, namespace)
        repl(namespace)
    finally:
        stop_session(session)
    return 0


def choose_repl(kind: str) -> Repl:
    """IPython's prompt for ``ipython`` (or ``auto`` when installed), else Python's."""
    if kind != "python":
        try:
            importlib.import_module("IPython")
            return ipython_repl
        except ImportError:
            if kind == "ipython":
                raise LaunchError("--repl ipython: IPython is not installed "
                                  "(pip install ipython)") from None
    return python_repl


def start_session() -> dict[str, Any]:
    """The prompt's namespace: ``sc``; ``spark`` and ``sql`` when the SQL layer exists."""
    from minispark import SparkConf, SparkContext

    namespace: dict[str, Any] = {"__name__": "__main__", "__doc__": None,
                                 "__builtins__": builtins, "SparkConf": SparkConf,
                                 "SparkContext": SparkContext, "sc": SparkContext()}
    session_class = sql_session_class()
    if session_class is not None:
        spark = session_class.builder.getOrCreate()
        namespace.update(SparkSession=session_class, spark=spark, sql=spark.sql)
    return namespace


def sql_session_class() -> type | None:
    """``minispark.sql.SparkSession`` once the SQL layer provides it, else None.

    >>> sql_session_class() is None or sql_session_class().__name__ == "SparkSession"
    True
    """
    if importlib.util.find_spec("minispark.sql") is None:
        return None
    return getattr(importlib.import_module("minispark.sql"), "SparkSession", None)


def banner(namespace: dict[str, Any]) -> str:
    """The greeting: versions, and what the session offers under which name."""
    sc = namespace["sc"]
    lines = [f"Welcome to minispark version {sc.version}",
             f"Using Python version {platform.python_version()} "
             f"({', '.join(platform.python_build())})",
             f"Spark context available as 'sc' (master = {sc.master}, "
             f"app id = {sc.applicationId})."]
    if "spark" in namespace:
        lines.append("SparkSession available as 'spark'.")
    return "\n".join(lines)


def run_script(path: str, namespace: dict[str, Any]) -> None:
    """Run ``path`` in the session; its error (or Ctrl-C) is shown and the prompt follows."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        exec(compile(source, path, "exec"), namespace)  # noqa: S102 - the user's own script
    except (Exception, KeyboardInterrupt) as exc:
        # The traceback starts at the script's frame, not at this function.
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)


def python_repl(namespace: dict[str, Any]) -> None:
    """Python's interactive console over ``namespace``, with tab completion."""
    try:
        import readline
        import rlcompleter
    except ImportError:  # no readline on this platform: a prompt without completion
        pass
    else:
        readline.set_completer(rlcompleter.Completer(namespace).complete)
        libedit = "libedit" in (readline.__doc__ or "")
        readline.parse_and_bind("bind ^I rl_complete" if libedit else "tab: complete")
    code.InteractiveConsole(namespace).interact(banner="", exitmsg="")


def ipython_repl(namespace: dict[str, Any]) -> None:
    """IPython's prompt over ``namespace``; Ctrl-D leaves without asking."""
    from IPython import start_ipython

    start_ipython(argv=["--no-banner", "--TerminalInteractiveShell.confirm_exit=False"],
                  user_ns=namespace)


def stop_session(namespace: dict[str, Any]) -> None:
    """Stop the session's SparkSession and context, and so every executor."""
    if "spark" in namespace:
        namespace["spark"].stop()
    namespace["sc"].stop()
