"""Process helpers for fault tests: this process's children, liveness, waiting."""
from __future__ import annotations

import os
import time
from typing import Callable


def child_pids(parent: int | None = None) -> set[int]:
    """PIDs of the live (not zombie) children of ``parent`` (this process by default)."""
    parent = os.getpid() if parent is None else parent
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == parent:
            found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` exists at all (a zombie counts: it was not reaped)."""
    return os.path.exists(f"/proc/{pid}")


def wait_until(condition: Callable[[], object], timeout: float) -> object:
    """Poll ``condition`` until it is truthy or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
