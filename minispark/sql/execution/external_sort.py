"""Sorting a partition larger than ``spark.python.worker.memory``: sorted runs on disk, merged.

A sort holds its partition's batches until they pass the task's memory limit,
then sorts them and writes them to disk as one sorted *run* (an Arrow IPC
stream of small batches). At the end the runs are merged back, batch by
batch, so only one small batch per run is in memory at once.

The merge is columnar. Each round looks at the current batch of every run;
the run whose last row sorts first (``r*``) bounds what is safe to emit: any
row not loaded yet sorts after its run's current last row, hence after
``r*``'s. One stable sort of the current batches gives every row up to
``r*``'s last one; those are emitted, each run keeps the rest of its batch
(stable sorting makes what a run gives up a prefix of it), and ``r*`` loads
its next batch.
"""
from __future__ import annotations

import os
import shutil
from typing import Any, Iterator

import numpy as np
import pyarrow as pa

from minispark.shuffle.aggregator import SpillPolicy
from minispark.sql.execution.physical import BATCH_ROWS, concat_batches, slices

#: Rows per batch of a run on disk: one such batch per run is held while merging.
RUN_BATCH_ROWS = 8192


class SortedRuns:
    """Sorted runs of one partition on disk, and their merge.

    ``order(batch)`` returns the indices that sort ``batch`` (a stable sort).
    """

    def __init__(self, policy: SpillPolicy, schema: pa.Schema, order: Any) -> None:
        self.policy = policy
        self.schema = schema
        self.order = order
        self.folder = policy.make_dir("sort-")
        self.paths: list[str] = []

    def write(self, pieces: list[pa.RecordBatch]) -> None:
        """Sort ``pieces`` together and write them as one more run."""
        data = concat_batches(pieces, self.schema)
        if data.num_rows == 0:
            return
        data = data.take(self.order(data))
        path = os.path.join(self.folder, f"run-{len(self.paths)}.arrow")
        with pa.OSFile(path, "wb") as sink:
            with pa.ipc.new_stream(sink, self.schema) as writer:
                for piece in slices(data, RUN_BATCH_ROWS):
                    writer.write_batch(piece)
            self.policy.spilled_bytes += sink.tell()
        self.paths.append(path)

    def merged(self) -> Iterator[pa.RecordBatch]:
        """Every row of every run, in order, in batches of at most ``BATCH_ROWS``."""
        sources = [pa.OSFile(path, "rb") for path in self.paths]
        try:
            readers = [iter(pa.ipc.open_stream(source)) for source in sources]
            current = [next(reader, None) for reader in readers]
            while any(batch is not None for batch in current):
                emitted = self._merge_round(current)
                for run, batch in enumerate(current):
                    if batch is not None and batch.num_rows == 0:
                        current[run] = next(readers[run], None)
                yield from slices(emitted, BATCH_ROWS)
        finally:
            for source in sources:
                source.close()

    def _merge_round(self, current: list[pa.RecordBatch | None]) -> pa.RecordBatch:
        """The rows safe to emit now; ``current`` keeps each run's remainder."""
        live = [run for run, batch in enumerate(current) if batch is not None]
        batches = [current[run] for run in live]
        lasts = concat_batches([b.slice(b.num_rows - 1, 1) for b in batches], self.schema)
        bound = int(self.order(lasts)[0].as_py())  # position in ``live`` of r*
        data = concat_batches(batches, self.schema)
        order = self.order(data).to_numpy()
        starts = np.cumsum([0] + [b.num_rows for b in batches])
        cut = int(np.flatnonzero(order == starts[bound + 1] - 1)[0]) + 1
        taken = np.bincount(np.searchsorted(starts, order[:cut], side="right") - 1,
                            minlength=len(batches))
        for run, batch, count in zip(live, batches, taken.tolist()):
            current[run] = batch.slice(count)
        return data.take(pa.array(order[:cut]))

    def close(self) -> None:
        """Remove the runs (also when the task failed)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def sort_bounded(batches: Iterator[pa.RecordBatch], schema: pa.Schema, order: Any,
                 policy: SpillPolicy) -> Iterator[pa.RecordBatch]:
    """The rows of ``batches`` sorted by ``order``, spilling sorted runs past
    ``policy.memory_limit`` bytes held (all in memory when there is no limit)."""
    limit = policy.memory_limit
    held: list[pa.RecordBatch] = []
    size = 0
    runs: SortedRuns | None = None
    try:
        for batch in batches:
            held.append(batch)
            size += batch.nbytes
            if limit is not None and size > limit:
                runs = runs or SortedRuns(policy, schema, order)
                runs.write(held)
                held, size = [], 0
        if runs is None:
            data = concat_batches(held, schema)
            if data.num_rows:
                yield from slices(data.take(order(data)), BATCH_ROWS)
            return
        runs.write(held)
        del held
        yield from runs.merged()
    finally:
        if runs is not None:
            runs.close()
