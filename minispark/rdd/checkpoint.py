"""Checkpoints: write an RDD's partitions to files and truncate its lineage."""
from __future__ import annotations

import functools
import os
import uuid
from typing import TYPE_CHECKING, Any, Iterator

from minispark.common import serialization
from minispark.scheduler.lineage import walk

if TYPE_CHECKING:
    from minispark.context import SparkContext


class CheckpointManager:
    """Tracks which RDDs are marked, and writes them after the next job that uses them."""

    def __init__(self, ctx: "SparkContext") -> None:
        self.ctx = ctx
        self.directory: str | None = None
        self._requested: dict[int, tuple[Any, bool]] = {}
        self._written: dict[int, tuple[str, bool]] = {}

    def set_directory(self, dir_name: str) -> None:
        """Use a fresh sub-folder of ``dir_name`` for this application's checkpoints."""
        path = os.path.join(os.path.abspath(dir_name), str(uuid.uuid4()))
        os.makedirs(path, exist_ok=True)
        self.directory = path

    def request(self, rdd: Any, local: bool) -> None:
        if not local and self.directory is None:
            raise RuntimeError("Checkpoint directory has not been set in the SparkContext")
        if rdd._checkpoint_files is None:
            self._requested[rdd._id] = (rdd, local)

    def is_requested(self, rdd: Any) -> bool:
        return rdd._id in self._requested

    def is_marked(self, rdd: Any, local: bool) -> bool:
        """Whether ``rdd`` was marked (or already written) for this kind of checkpoint."""
        requested = self._requested.get(rdd._id)
        written = self._written.get(rdd._id)
        return any(entry is not None and entry[1] == local for entry in (requested, written))

    def directory_of(self, rdd: Any) -> str | None:
        written = self._written.get(rdd._id)
        return None if written is None else written[0]

    def after_job(self, rdd: Any) -> None:
        """Write every marked RDD in ``rdd``'s lineage (a job has just used it)."""
        if not self._requested:
            return
        for node in walk(rdd, across_shuffles=True):
            if node._id in self._requested:
                self._write(node)

    def _write(self, rdd: Any) -> None:
        _, local = self._requested.pop(rdd._id)
        base = os.path.join(self.ctx._app_dir, "checkpoints") if local else self.directory
        folder = os.path.join(base, f"rdd-{rdd._id}")  # type: ignore[arg-type]
        os.makedirs(folder, exist_ok=True)
        paths = self.ctx._run_job(rdd, functools.partial(_write_partition, folder))
        rdd._checkpoint_files = paths
        self._written[rdd._id] = (folder, local)


def _write_partition(folder: str, task_context: Any, records: Iterator[Any]) -> str:
    path = os.path.join(folder, f"part-{task_context.partitionId():05d}")
    tmp = f"{path}.attempt-{task_context.taskAttemptId()}"
    with open(tmp, "wb") as out:
        serialization.write_batches(out, records)
    os.replace(tmp, path)
    return path
