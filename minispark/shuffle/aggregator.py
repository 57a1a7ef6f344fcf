"""Aggregators and the in-memory / spilling merge of values by key."""
from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

from minispark.common import serialization


@dataclass(frozen=True)
class Aggregator:
    """The three functions of ``combineByKey``.

    >>> agg = Aggregator(lambda v: [v], lambda c, v: c + [v], lambda a, b: a + b)
    >>> agg.createCombiner(1)
    [1]
    """

    createCombiner: Callable[[Any], Any]
    mergeValue: Callable[[Any, Any], Any]
    mergeCombiners: Callable[[Any, Any], Any]


class Merger:
    """Merges (key, value) or (key, combiner) records by key, spilling past a limit.

    ``limit`` is the number of distinct keys held in memory before the current
    dictionary is written to disk as one sorted run; the runs are merged by key
    at the end (a k-way merge, one record per run in memory). ``limit=None``
    never spills. Runs are sorted by ``sort_key`` when given, else by a
    total order that works for keys of mixed, unorderable types.

    >>> m = Merger(Aggregator(int, lambda c, v: c + v, lambda a, b: a + b))
    >>> m.merge_values([("a", 1), ("b", 2), ("a", 3)])
    >>> sorted(m.items())
    [('a', 4), ('b', 2)]
    """

    def __init__(self, aggregator: Aggregator, limit: int | None = None,
                 spill_dir: str | None = None,
                 sort_key: Callable[[Any], Any] | None = None) -> None:
        self.agg = aggregator
        self.limit = limit
        self.spill_dir = spill_dir
        self.sort_key = sort_key
        self.data: dict = {}
        self.spills: list[str] = []
        self.spilled_bytes = 0

    def merge_values(self, records: Iterable[tuple]) -> None:
        """Fold raw values into combiners."""
        self._merge(records, self.agg.createCombiner, self.agg.mergeValue)

    def merge_combiners(self, records: Iterable[tuple]) -> None:
        """Fold combiners produced by map-side combining."""
        self._merge(records, lambda c: c, self.agg.mergeCombiners)

    def _merge(self, records: Iterable[tuple], create: Callable, merge: Callable) -> None:
        data = self.data
        limit = self.limit
        check_every = 1024
        count = 0
        for key, value in records:
            if key in data:
                data[key] = merge(data[key], value)
            else:
                data[key] = create(value)
            count += 1
            if limit is not None and count >= check_every:
                count = 0
                if len(data) >= limit:
                    self._spill()
                    data = self.data

    def _spill(self) -> None:
        fd, path = tempfile.mkstemp(prefix="spill-", dir=self.spill_dir)
        items = sorted(self.data.items(), key=self._item_order)
        with os.fdopen(fd, "wb") as out:
            self.spilled_bytes += serialization.write_batches(out, items)
        self.spills.append(path)
        self.data = {}

    def _item_order(self, item: tuple) -> Any:
        return self.sort_key(item[0]) if self.sort_key else _orderable(item[0])

    def items(self) -> Iterator[tuple]:
        """All (key, combiner) pairs; removes spill files once consumed."""
        if not self.spills:
            yield from self.data.items()
            return
        self._spill()
        try:
            runs = [serialization.read_file_records(p) for p in self.spills]
            merged = heapq.merge(*runs, key=self._item_order)
            merge = self.agg.mergeCombiners
            for _, group in groupby(merged, key=itemgetter(0)):
                key, combined = next(group)
                for _, other in group:
                    combined = merge(combined, other)
                yield key, combined
        finally:
            self.cleanup()

    def cleanup(self) -> None:
        """Remove spill files (also on failure)."""
        for path in self.spills:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        self.spills = []


def _orderable(key: Any) -> tuple:
    """A total order over mixed keys: by portable hash, then by pickle bytes."""
    from minispark.shuffle.partitioner import portable_hash

    return (portable_hash(key), pickle.dumps(key, protocol=5))
