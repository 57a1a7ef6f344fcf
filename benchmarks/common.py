"""Helpers shared by the benchmark harnesses ``run.py``, ``iterative.py`` and ``spill.py``.

They start every measurement in its own interpreter (the ``pyspark`` engine in
the interpreter that has PySpark, the others with this repository on
``PYTHONPATH``), wait for a quiet machine before it, describe the machine in
one line and print the results as a Markdown table. Nothing here is part of
a measured program: the job code stays in each script, so that PySpark
pickles it by value and its Python workers never need to import this module.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PYSPARK_VENV_PYTHON = "/tmp/pyspark-venv/bin/python"


# ---- engines -----------------------------------------------------------------------------

def default_pyspark_python() -> str:
    """The scratch venv's interpreter when it exists, else this one."""
    return PYSPARK_VENV_PYTHON if os.path.exists(PYSPARK_VENV_PYTHON) else sys.executable


def pyspark_version(python: str) -> str | None:
    """PySpark's version in ``python``, or None when it is not installed there."""
    try:
        out = subprocess.run([python, "-c", "import pyspark; print(pyspark.__version__)"],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def usable_engines(engines: list[str], pyspark_python: str) -> tuple[list[str], str | None]:
    """``engines`` without pyspark when it cannot be imported (said in a note); its version."""
    if "pyspark" not in engines:
        return list(engines), None
    version = pyspark_version(pyspark_python)
    if version is None:
        print(f"# pyspark is not importable in {pyspark_python}; skipping it", flush=True)
        return [e for e in engines if e != "pyspark"], None
    return list(engines), version


def engine_env(engine: str, pyspark_python: str) -> tuple[str, dict]:
    """The interpreter and environment of one measurement of ``engine``.

    PySpark's driver and workers both use ``pyspark_python``; the other
    engines use this interpreter with the repository first on the path, so
    they run the checked-out minispark rather than an installed one.
    """
    env = dict(os.environ)
    if engine == "pyspark":
        env["PYSPARK_PYTHON"] = pyspark_python
        env["PYSPARK_DRIVER_PYTHON"] = pyspark_python
        return pyspark_python, env
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH")]))
    return sys.executable, env


def run_json_job(command: list[str], env: dict, timeout: float) -> dict:
    """Run one measurement; the last JSON line it prints, or ``{"error": ...}``.

    It runs in the temp folder so that nothing it writes lands in the repository.
    """
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=timeout, cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return {"error": f"timeout {timeout}s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        return {"error": f"exit code {proc.returncode}:\n{tail}"}
    return json.loads(lines[-1])


# ---- waiting for a quiet machine -----------------------------------------------------------

def descendants(root: int) -> set[int]:
    """The pids of every process below ``root`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # the command name may hold spaces and ')': the fields follow the last ')'
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def competing_processes() -> list[str]:
    """Other benchmark jobs or JVMs running on this machine (not started by us)."""
    mine = descendants(os.getpid()) | {os.getpid()}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in mine:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if not argv or not argv[0]:
            continue
        exe = os.path.basename(argv[0].decode(errors="replace"))
        text = b" ".join(argv).decode(errors="replace")
        if exe == "java" or "bench_job.py" in text:
            found.append(f"{entry} {text[:80]}")
    return found


def wait_for_quiet(max_load: float | None, max_wait: float, log=print) -> dict:
    """Wait until no competing job runs and load1 < max_load (bounded); describe the state."""
    start = time.monotonic()
    waited_for = set()
    while max_load is not None and time.monotonic() - start < max_wait:
        others = competing_processes()
        load = os.getloadavg()[0]
        if not others and load < max_load:
            break
        reason = "other jobs" if others else "load"
        if reason not in waited_for:
            log(f"# waiting: {reason} (load1 {load:.2f}"
                + (f"; {others[0]}" if others else "") + ")")
            waited_for.add(reason)
        time.sleep(3)
    return {"load": os.getloadavg()[0], "waited": time.monotonic() - start,
            "quiet": max_load is None or (not competing_processes()
                                          and os.getloadavg()[0] < max_load)}


def add_engine_options(parser: argparse.ArgumentParser, engines: list[str]) -> None:
    """Which engines run (all of ``engines`` by default), and how."""
    parser.add_argument("--engines", default=",".join(engines),
                        help=f"comma-separated, from {','.join(engines)} (default all)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--pyspark-python", default=default_pyspark_python(),
                        help="interpreter that has pyspark installed (default: "
                             f"{PYSPARK_VENV_PYTHON} if it exists, else this one)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per measurement, seconds")
    parser.add_argument("--json", help="also write the raw measurements to this file")


def add_quiet_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``wait_for_quiet`` (the caller turns ``--no-wait`` into max_load None)."""
    parser.add_argument("--max-load", type=float, default=0.5,
                        help="wait before each measurement until load1 is below this and no "
                             "bench_job.py / java process runs (default 0.5)")
    parser.add_argument("--max-wait", type=float, default=900.0, help="bound on each wait, s")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")


# ---- describing the run --------------------------------------------------------------------

def git_revision() -> str:
    """The commit minispark runs from, '+dirty' when the engine's files have local changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                "minispark", "pyproject.toml"],
                               cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def machine_summary(spark_version: str | None, revision: str | None = None) -> str:
    """One comment line: when, on what machine, which versions, minispark's commit."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    u = platform.uname()
    return (f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  {u.system} {u.release} {u.machine}, "
            f"{os.cpu_count()} CPUs, {mem:.1f} GiB, Python {platform.python_version()}, "
            f"numpy {np.__version__}, pyspark {spark_version or 'not available'}, "
            f"minispark at {revision or git_revision()}")


def markdown_table(rows: list[list[str]]) -> str:
    """``rows`` (the header first) as a Markdown table with padded columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = ["| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(row)) + " |"
           for row in rows]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def name_list(parser: argparse.ArgumentParser, text: str, allowed: list[str],
              what: str) -> list[str]:
    """A comma-separated option as a list; an unknown name is a usage error."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in allowed:
            parser.error(f"unknown {what} {name!r} (choose from {', '.join(allowed)})")
    return names
