"""Rows on disk split by key hash: what an operator whose state outgrows memory spills.

An operator past ``spark.python.worker.memory`` writes its rows to
:data:`~minispark.shuffle.aggregator.SPILL_BUCKETS` Arrow IPC files, each row
to the sub-bucket of its key's hash; equal keys always share a sub-bucket,
so the operator can then finish one sub-bucket at a time, exactly. The
exchange before the operator used the hash's low bits to pick the partition,
so the sub-bucket comes from the high bits, which still split a partition
evenly.
"""
from __future__ import annotations

import os
import shutil
from typing import Any

import numpy as np
import pyarrow as pa

from minispark.shuffle.aggregator import SPILL_BUCKETS, SpillPolicy


def sub_buckets(hashes: np.ndarray) -> np.ndarray:
    """The spill sub-bucket of each 64-bit key hash.

    >>> sub_buckets(np.array([0, 1 << 40, 59 << 40], dtype=np.uint64)).tolist()
    [0, 1, 0]
    """
    return ((hashes >> np.uint64(40)) % np.uint64(SPILL_BUCKETS)).astype(np.int64)


class HashBuckets:
    """Batches of one schema spilled to sub-bucket files by key hash; read back a bucket at a time."""

    def __init__(self, policy: SpillPolicy, schema: pa.Schema, prefix: str) -> None:
        self.policy = policy
        self.schema = schema
        self.folder = policy.make_dir(prefix)
        self.writers: dict[int, tuple[Any, Any]] = {}

    def write(self, batch: pa.RecordBatch, hashes: np.ndarray) -> None:
        """Append each row of ``batch`` to the sub-bucket of its hash."""
        buckets = sub_buckets(hashes)
        order = np.argsort(buckets, kind="stable")
        ordered = batch.take(pa.array(order))
        bounds = np.concatenate([[0], np.cumsum(np.bincount(buckets, minlength=SPILL_BUCKETS))])
        for bucket in range(SPILL_BUCKETS):
            start, end = int(bounds[bucket]), int(bounds[bucket + 1])
            if end > start:
                self._writer(bucket).write_batch(ordered.slice(start, end - start))

    def _writer(self, bucket: int) -> Any:
        if bucket not in self.writers:
            sink = pa.OSFile(os.path.join(self.folder, f"{bucket}.arrow"), "wb")
            self.writers[bucket] = (sink, pa.ipc.new_stream(sink, self.schema))
        return self.writers[bucket][1]

    def read(self, bucket: int) -> list[pa.RecordBatch]:
        """The batches of one sub-bucket (none if it got no rows); its file is removed."""
        self._close_writers()
        path = os.path.join(self.folder, f"{bucket}.arrow")
        if bucket not in self.writers:
            return []
        with pa.OSFile(path, "rb") as source:
            batches = list(pa.ipc.open_stream(source))
        os.remove(path)
        return batches

    def _close_writers(self) -> None:
        for sink, writer in self.writers.values():
            if not sink.closed:
                writer.close()
                self.policy.spilled_bytes += sink.tell()
                sink.close()

    def close(self) -> None:
        """Close every file and remove the folder (also when the task failed)."""
        self._close_writers()
        shutil.rmtree(self.folder, ignore_errors=True)
