"""Hadoop's ``FileInputFormat.getSplits``, old (``mapred``) and new (``mapreduce``) API.

Old API (``hadoopFile``, ``sequenceFile``): ``goalSize = totalSize //
minPartitions`` and ``splitSize = max(minSize, min(goalSize, blockSize))``.
New API (``newAPIHadoopFile``): ``splitSize = max(minSize, min(maxSize,
blockSize))``, whatever the partition count asked for.  ``minSize`` is at
least the format's own minimum (a SequenceFile's sync interval).  Files are
cut while the rest exceeds 1.1 split sizes; a file the format cannot split
(compressed text) is one split; empty files give none, as Spark's
``spark.hadoopRDD.ignoreEmptySplits`` does.
"""
from __future__ import annotations

from typing import Callable, Optional

from minispark.fs.input import FileSplit, _cut_file, list_input_files, split_hosts
from minispark.fs.registry import get_filesystem


def hadoop_splits(path: str, *, min_partitions: int, new_api: bool, min_size: int = 1,
                  max_size: Optional[int] = None,
                  splittable: Callable[[str], bool] = lambda _: True) -> list[FileSplit]:
    """The splits of the input files ``path`` names (comma-separated, globs, folders).

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory()
    >>> with open(os.path.join(tmp.name, "f"), "wb") as f:
    ...     _ = f.write(b"x" * 100)
    >>> [(s.start, s.length) for s in hadoop_splits(tmp.name, min_partitions=3, new_api=False)]
    [(0, 33), (33, 33), (66, 34)]
    >>> [(s.start, s.length) for s in hadoop_splits(tmp.name, min_partitions=3, new_api=True)]
    [(0, 100)]
    >>> tmp.cleanup()
    """
    files = [status for status in list_input_files(path) if status.length > 0]
    goal = sum(status.length for status in files) // max(min_partitions, 1)
    splits: list[FileSplit] = []
    for status in files:
        blocks = get_filesystem(status.path).block_locations(status.path, 0, status.length)
        if not splittable(status.path):
            splits.append(FileSplit(status.path, 0, status.length,
                                    split_hosts(blocks, 0, status.length)))
            continue
        limit = (max_size if max_size is not None else status.block_size) if new_api else goal
        size = max(min_size, min(limit, status.block_size), 1)
        splits.extend(_cut_file(status, blocks, size))
    return splits
