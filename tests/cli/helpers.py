"""Running the ``minispark`` command as a user does, and watching its processes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

#: The console script pip installed next to this interpreter.
MINISPARK = str(Path(sys.executable).parent / "minispark")


def run_minispark(*args: str, env: dict[str, str] | None = None, cwd: str | None = None,
                  stdin: str | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    """``minispark ARGS...`` to completion, output captured as text."""
    return subprocess.run([MINISPARK, *args], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment with no launch settings inherited from the one running the tests."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MINISPARK_SUBMIT_CONF", "MINISPARK_CONF_DIR", "COLUMNS")}
    env.update(extra)
    return env


def children(pid: int) -> set[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields is not None and int(fields[1]) == pid:
            found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not count)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def wait_all_gone(pids: set[int], timeout: float = 10) -> set[int]:
    """The processes of ``pids`` still alive after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = {p for p in pids if alive(p)}
        if not left:
            return left
        time.sleep(0.1)
    return {p for p in pids if alive(p)}


def _stat(pid: int) -> list[str] | None:
    """(state, ppid, ...) of ``pid``, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()
