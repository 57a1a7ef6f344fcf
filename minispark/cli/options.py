"""The options ``minispark shell`` and ``minispark submit`` share, as spark-submit's.

They resolve to one set of settings, in spark-submit's order of precedence:
``--properties-file`` (or else ``$MINISPARK_CONF_DIR/spark-defaults.conf``),
then ``--conf``, then the named options (``--master``, ``--py-files``, ...).
The launched application receives them in ``$MINISPARK_SUBMIT_CONF``, where
its own ``SparkConf()`` finds them, so settings it makes itself still win.
"""
from __future__ import annotations

import argparse
import json
import os

from minispark.common.units import parse_bytes
from minispark.conf import (
    SUBMITTED_CONF_ENV, defaults_file, read_properties_file, spark_properties,
)

#: Extensions ``--py-files`` accepts: what ``SparkContext.addPyFile`` can import from.
PY_FILE_EXTENSIONS = (".py", ".zip", ".egg")


class LaunchError(ValueError):
    """A bad launch option; the message names the option and the value."""


def add_launch_options(parser: argparse.ArgumentParser) -> None:
    """Add spark-submit's options that minispark honours to ``parser``."""
    parser.add_argument("--master", metavar="MASTER_URL",
                        help="local, local[N], local[*], local[N,F] or dask://HOST:PORT "
                             "(spark.master)")
    parser.add_argument("--name", help="the application's name (spark.app.name)")
    parser.add_argument("--conf", "-c", action="append", default=[], metavar="KEY=VALUE",
                        help="any setting; repeat for more")
    parser.add_argument("--properties-file", metavar="FILE",
                        help="settings to start from, instead of "
                             "$MINISPARK_CONF_DIR/spark-defaults.conf")
    parser.add_argument("--py-files", metavar="PY_FILES",
                        help="comma-separated .py, .zip or .egg files, importable on the "
                             "driver and shipped to the executors (spark.submit.pyFiles)")
    parser.add_argument("--files", metavar="FILES",
                        help="comma-separated files copied where tasks find them with "
                             "SparkFiles.get(name) (spark.files)")
    parser.add_argument("--driver-memory", metavar="MEM",
                        help="spark.driver.memory; minispark's driver is the application's "
                             "own Python process, so it warns that this has no effect")
    parser.add_argument("--executor-memory", metavar="MEM",
                        help="memory of each executor, e.g. 2g (spark.executor.memory)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="print the settings the application is launched with")


def launch_properties(args: argparse.Namespace, default_name: str) -> dict[str, str]:
    """The settings the parsed options give, lowest precedence first.

    >>> parser = argparse.ArgumentParser()
    >>> add_launch_options(parser)
    >>> args = parser.parse_args(["--master", "local[2]", "--conf", "spark.master=local[4]",
    ...                           "--conf", "spark.task.maxFailures=2"])
    >>> launch_properties(args, "app.py")
    {'spark.master': 'local[2]', 'spark.task.maxFailures': '2', 'spark.app.name': 'app.py'}
    """
    properties = _file_properties(args.properties_file)
    properties.update(spark_properties(dict(_conf_pair(text) for text in args.conf)))
    named = {
        "spark.master": args.master,
        "spark.app.name": args.name,
        "spark.submit.pyFiles": _paths("--py-files", args.py_files, PY_FILE_EXTENSIONS),
        "spark.files": _paths("--files", args.files),
        "spark.driver.memory": _memory("--driver-memory", args.driver_memory),
        "spark.executor.memory": _memory("--executor-memory", args.executor_memory),
    }
    properties.update({key: value for key, value in named.items() if value is not None})
    properties.setdefault("spark.app.name", default_name)
    return properties


def launch_environment(properties: dict[str, str], environ: dict[str, str]) -> dict[str, str]:
    """``environ`` plus the settings, and ``--py-files`` on ``PYTHONPATH`` so the
    application can import them before it creates its context, as with spark-submit.

    >>> env = launch_environment({"spark.submit.pyFiles": "/deps/lib.zip,/deps/util.py"}, {})
    >>> env["PYTHONPATH"].split(os.pathsep)
    ['/deps/lib.zip', '/deps']
    >>> json.loads(env["MINISPARK_SUBMIT_CONF"])
    {'spark.submit.pyFiles': '/deps/lib.zip,/deps/util.py'}
    """
    env = dict(environ)
    env[SUBMITTED_CONF_ENV] = json.dumps(properties)
    entries = [path if not path.endswith(".py") else os.path.dirname(path)
               for path in _split(properties.get("spark.submit.pyFiles"))]
    if entries:
        env["PYTHONPATH"] = os.pathsep.join(
            dict.fromkeys(entries + _split(env.get("PYTHONPATH"), os.pathsep)))
    return env


def describe(args: argparse.Namespace, properties: dict[str, str], what: str) -> str:
    """The ``--verbose`` report: the properties file read, ``what`` runs, every setting.

    >>> args = argparse.Namespace(properties_file="/etc/minispark/app.conf")
    >>> print(describe(args, {"spark.master": "local[2]"}, "Main application: app.py"))
    Using properties file: /etc/minispark/app.conf
    Main application: app.py
    Spark properties used:
      (spark.master,local[2])
    """
    source = args.properties_file or defaults_file() or "null"
    lines = [f"Using properties file: {source}", what, "Spark properties used:"]
    lines += [f"  ({key},{value})" for key, value in sorted(properties.items())]
    return "\n".join(lines)


def _file_properties(path: str | None) -> dict[str, str]:
    path = check_file("--properties-file", path) if path is not None else defaults_file()
    try:
        return spark_properties(read_properties_file(path)) if path else {}
    except (OSError, ValueError) as exc:
        raise LaunchError(str(exc)) from None


def _conf_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise LaunchError(f"--conf: expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def _paths(option: str, text: str | None,
           extensions: tuple[str, ...] | None = None) -> str | None:
    """Absolute paths of a comma-separated option, each checked to be a local file."""
    if text is None:
        return None
    paths = []
    for path in _split(text):
        path = check_file(option, path[len("file:"):] if path.startswith("file:") else path)
        if extensions and not path.endswith(extensions):
            raise LaunchError(f"{option}: {path} is not a {', '.join(extensions)} file")
        paths.append(path)
    return ",".join(paths)


def _memory(option: str, text: str | None) -> str | None:
    if text is not None:
        try:
            parse_bytes(text, "m")
        except ValueError:
            raise LaunchError(f"{option}: invalid size {text!r} (use e.g. 512m, 2g)") from None
    return text


def _split(text: str | None, separator: str = ",") -> list[str]:
    return [part.strip() for part in (text or "").split(separator) if part.strip()]


def check_file(option: str, path: str) -> str:
    """``path`` made absolute, or a LaunchError naming ``option`` if it is no file.

    >>> check_file("--files", "/no/such/file")
    Traceback (most recent call last):
    ...
    minispark.cli.options.LaunchError: --files: no such file: /no/such/file
    """
    if not os.path.isfile(path):
        raise LaunchError(f"{option}: no such file: {path}")
    return os.path.abspath(path)

