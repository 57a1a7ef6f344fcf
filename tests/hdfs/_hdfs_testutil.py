"""Helpers shared by the mini-HDFS tests (no __init__.py here: the directory name
``hdfs`` would shadow the PyPI ``hdfs`` package used by the client tests)."""
from __future__ import annotations

import random

BLOCK = 64 * 1024


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic pseudo-random bytes."""
    return random.Random(seed).randbytes(size)
