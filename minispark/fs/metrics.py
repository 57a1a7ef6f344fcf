"""What the running task read from its input and wrote as output (Spark's input and
output metrics).

Readers and writers deep in the file-system layer cannot see the task they
serve, so the executor opens a :class:`TaskIO` tally for the thread that runs
the task and they add to whatever tally is open. Counting is per batch (a block
of bytes, a list of records), never per record.

>>> io = begin_task_io()
>>> list(counting(range(5), io.add_records_read))
[0, 1, 2, 3, 4]
>>> add_bytes_read(10); (io.records_read, io.bytes_read)
(5, 10)
>>> end_task_io() is io, current_task_io()
(True, None)
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator

#: Records counted at a time.
COUNT_BATCH = 1024

_LOCAL = threading.local()


@dataclass
class TaskIO:
    """Records and bytes one task read from its input and wrote as output."""

    records_read: int = 0
    bytes_read: int = 0
    records_written: int = 0
    bytes_written: int = 0

    def add_records_read(self, n: int) -> None:
        self.records_read += n

    def add_records_written(self, n: int) -> None:
        self.records_written += n


def begin_task_io() -> TaskIO:
    """Open a fresh tally for the task this thread is about to run."""
    _LOCAL.io = io = TaskIO()
    return io


def end_task_io() -> TaskIO | None:
    """Close this thread's tally and return it."""
    io = current_task_io()
    _LOCAL.io = None
    return io


def current_task_io() -> TaskIO | None:
    """This thread's open tally, or None outside a task (in the driver, say)."""
    return getattr(_LOCAL, "io", None)


def add_bytes_read(n: int) -> None:
    """Count ``n`` input bytes against the running task, if any."""
    io = getattr(_LOCAL, "io", None)
    if io is not None:
        io.bytes_read += n


def counting(records: Iterable[Any], add: Callable[[int], None]) -> Iterator[Any]:
    """``records`` unchanged, calling ``add(n)`` once per batch of ``n`` records."""
    return chain.from_iterable(_counted_batches(iter(records), add))


def _counted_batches(it: Iterator[Any], add: Callable[[int], None]) -> Iterator[list]:
    while batch := list(islice(it, COUNT_BATCH)):
        add(len(batch))
        yield batch
