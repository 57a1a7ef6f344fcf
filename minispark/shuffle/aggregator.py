"""Aggregators, and merging by key within a memory budget (spilling to disk).

When the records held in memory pass a limit (a record count, or the
process's resident memory: see :class:`SpillMeter`), the current combiners are
split by a hash of the key into a fixed number of buckets and appended to one
file per bucket. At the end each bucket is merged on its own, so memory then
holds about 1/``SPILL_BUCKETS`` of the data. Sorting spills sorted runs and
merges them.
"""
from __future__ import annotations

import functools
import heapq
import operator
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from minispark.common import serialization
from minispark.shuffle.partitioner import identity, portable_hash

SPILL_BUCKETS = 59
CHECK_EVERY = 1024


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


def resident_memory() -> int:
    """Bytes of this process's resident memory (0 where /proc is unavailable)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class SpillPolicy:
    """When to spill and where: the limits of one task, and what it spilled.

    ``threshold`` is the resident memory above which a spill is due; it
    starts at ``memory_limit`` and rises after spills that memory caused.
    """

    record_limit: int | None = None
    memory_limit: int | None = None
    directory: str | None = None
    spilled_bytes: int = field(default=0)
    threshold: int | None = field(default=None)

    def __post_init__(self) -> None:
        if self.threshold is None:
            self.threshold = self.memory_limit

    def make_dir(self, prefix: str) -> str:
        """A fresh folder for one spill; the task's folder is created on first use only."""
        if self.directory is not None:
            os.makedirs(self.directory, exist_ok=True)
        return tempfile.mkdtemp(prefix=prefix, dir=self.directory)

    def memory_exceeded(self) -> bool:
        return self.threshold is not None and resident_memory() > self.threshold

    def raise_threshold(self) -> None:
        # Freed memory mostly stays with the process: raise the bar to what is
        # resident now, so the next fill can reuse what the spill freed.
        if self.threshold is not None:
            self.threshold = max(self.threshold, int(resident_memory() * 1.05))


class SpillMeter:
    """Decides when one merge or sort spills.

    Resident memory barely falls after a spill (pymalloc keeps its arenas), so
    deciding every spill on it lets the data held creep up with the raised
    threshold. Instead a fill that starts at a spill and ends past the
    threshold measures how many records the freed memory holds; later spills
    come every that many records. The threshold still applies, so records
    that grow larger trigger a spill (and a new measurement) sooner.
    """

    def __init__(self, policy: SpillPolicy) -> None:
        self.policy = policy
        self.taken = 0  # records taken in since the last spill
        self.refill: int | None = None  # records that fill the memory a spill frees
        self.after_spill = False  # whether the current fill started at a spill
        self.by_memory = False  # whether the due spill is for memory

    def due(self, held: int, taken: int) -> bool:
        """Whether to spill, holding ``held`` keys (or records) after ``taken`` more records."""
        self.taken += taken
        policy = self.policy
        if policy.record_limit is not None and held >= policy.record_limit:
            return True
        if self.refill is not None and self.taken >= self.refill:
            return True
        self.by_memory = policy.memory_exceeded()
        if self.by_memory and self.after_spill:
            self.refill = self.taken
        return self.by_memory

    def next_fill(self) -> None:
        """Start the next fill; call once the held data is written out and dropped."""
        if self.by_memory:
            self.policy.raise_threshold()
        self.taken = 0
        self.after_spill = True
        self.by_memory = False


NO_SPILL = SpillPolicy()


class Merger:
    """Merges (key, value) or (key, combiner) records by key within a policy's limits.

    >>> m = Merger(Aggregator(int, lambda c, v: c + v, lambda a, b: a + b))
    >>> m.merge_values([("a", 1), ("b", 2), ("a", 3)])
    >>> sorted(m.items())
    [('a', 4), ('b', 2)]
    """

    def __init__(self, aggregator: Aggregator, policy: SpillPolicy = NO_SPILL) -> None:
        self.agg = aggregator
        self.policy = policy
        self.data: dict = {}
        self._spill_dir: str | None = None
        self._meter = SpillMeter(policy)

    def merge_values(self, records: Iterable[tuple]) -> None:
        """Fold raw values into combiners."""
        self.merge_with(records, chunk_merger(self.agg, combiners=False))

    def merge_combiners(self, records: Iterable[tuple]) -> None:
        """Fold combiners produced by map-side combining."""
        self.merge_with(records, chunk_merger(self.agg, combiners=True))

    def merge_with(self, records: Iterable[tuple],
                   merge_chunk: Callable[[dict, list], None]) -> None:
        """Fold ``records`` a chunk at a time with ``merge_chunk(data, chunk)``."""
        it = iter(records)
        watch = self.policy is not NO_SPILL
        while True:
            chunk = list(islice(it, CHECK_EVERY))
            if not chunk:
                return
            try:
                merge_chunk(self.data, chunk)
            except (TypeError, ValueError) as exc:
                raise_if_not_pairs(chunk, exc)
                raise
            if watch and self._meter.due(len(self.data), len(chunk)):
                self._spill()

    def _spill(self) -> None:
        if self._spill_dir is None:
            self._spill_dir = self.policy.make_dir("merge-")
        buckets: list[list] = [[] for _ in range(SPILL_BUCKETS)]
        for item in self.data.items():
            buckets[_bucket(item[0])].append(item)
        for i, bucket in enumerate(buckets):
            if bucket:
                with open(os.path.join(self._spill_dir, str(i)), "ab") as out:
                    self.policy.spilled_bytes += serialization.write_batches(out, bucket)
        self.data = {}
        self._meter.next_fill()

    @property
    def spilled(self) -> bool:
        """Whether some combiners are on disk rather than in ``data``."""
        return self._spill_dir is not None

    def items(self) -> Iterator[tuple]:
        """All (key, combiner) pairs; spill files are removed once consumed or closed."""
        if self._spill_dir is None:
            return iter(self.data.items())
        self._spill()
        return self._merge_spills()

    def _merge_spills(self) -> Iterator[tuple]:
        try:
            merge = self.agg.mergeCombiners
            for i in range(SPILL_BUCKETS):
                path = os.path.join(self._spill_dir, str(i))  # type: ignore[arg-type]
                if not os.path.exists(path):
                    continue
                merged: dict = {}
                for key, combiner in serialization.read_file_records(path):
                    merged[key] = merge(merged[key], combiner) if key in merged else combiner
                os.unlink(path)
                yield from merged.items()
        finally:
            self.cleanup()

    def cleanup(self) -> None:
        """Remove this merger's spill files (also when the task fails)."""
        if self._spill_dir is not None:
            shutil.rmtree(self._spill_dir, ignore_errors=True)
            self._spill_dir = None


def new_list(value: Any) -> list:
    """groupByKey's createCombiner."""
    return [value]


def append(values: list, value: Any) -> list:
    """groupByKey's mergeValue."""
    values.append(value)
    return values


def extend(values: list, more: list) -> list:
    """groupByKey's mergeCombiners."""
    values.extend(more)
    return values


GROUP_BY_KEY = Aggregator(new_list, append, extend)


def chunk_merger(agg: Aggregator, combiners: bool) -> Callable[[dict, list], None]:
    """A loop folding one chunk of records into a dict, specialised where it pays.

    reduceByKey(add) and groupByKey are recognised and run with the operator
    inline: no Python function call per record.
    """
    create = identity if combiners else agg.createCombiner
    merge = agg.mergeCombiners if combiners else agg.mergeValue
    if merge is operator.add and create is identity:
        return _merge_adding
    if not combiners and create is new_list and merge is append:
        return _merge_grouping
    return functools.partial(_merge_general, create, merge)


def raise_if_not_pairs(records: list, cause: BaseException) -> None:
    """Name the first record that is not a (key, value) pair, if there is one."""
    for record in records:
        if not (isinstance(record, (tuple, list)) and len(record) == 2):
            raise TypeError(f"key-value operations need (key, value) pairs, but got "
                            f"{record!r} of type {type(record).__name__}") from cause


def _merge_general(create: Callable, merge: Callable, data: dict, chunk: list) -> None:
    for key, value in chunk:
        if key in data:
            data[key] = merge(data[key], value)
        else:
            data[key] = create(value)


def _merge_adding(data: dict, chunk: list) -> None:
    for key, value in chunk:
        if key in data:
            data[key] = data[key] + value
        else:
            data[key] = value


def _merge_grouping(data: dict, chunk: list) -> None:
    get = data.get
    for key, value in chunk:
        values = get(key)
        if values is None:
            data[key] = [value]
        else:
            values.append(value)


def _bucket(key: Any) -> int:
    # Scramble first: keys of one reduce partition share portable_hash % R.
    return ((portable_hash(key) * 0x9E3779B1) >> 7) % SPILL_BUCKETS


def external_sort(records: Iterable[tuple], keyfunc: Callable[[Any], Any], ascending: bool,
                  policy: SpillPolicy = NO_SPILL) -> Iterator[tuple]:
    """(key, value) records sorted by ``keyfunc(key)``, spilling sorted runs past the limit."""
    sort_key = operator.itemgetter(0) if keyfunc is identity else \
        (lambda kv: keyfunc(kv[0]))
    runs: list[str] = []
    directory = None
    try:
        chunk, directory = _sorted_runs(iter(records), sort_key, ascending, policy, runs)
    except BaseException:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    if not runs:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        return iter(chunk)
    return _merge_runs(runs, chunk, sort_key, ascending, directory)  # type: ignore[arg-type]


def _sorted_runs(it: Iterator[tuple], sort_key: Callable, ascending: bool,
                 policy: SpillPolicy, runs: list[str]) -> tuple[list, str | None]:
    """Read everything, spilling sorted runs to a folder made on the first spill;
    return the sorted rest and that folder."""
    chunk: list = []
    directory: str | None = None
    meter = SpillMeter(policy)
    while True:
        piece = list(islice(it, CHECK_EVERY))
        if not piece:
            break
        chunk.extend(piece)
        if policy is not NO_SPILL and meter.due(len(chunk), len(piece)):
            if directory is None:
                directory = policy.make_dir("sort-")
            chunk.sort(key=sort_key, reverse=not ascending)
            runs.append(_write_run(directory, len(runs), chunk, policy))
            chunk = []
            meter.next_fill()
    chunk.sort(key=sort_key, reverse=not ascending)
    return chunk, directory


def _merge_runs(runs: list[str], rest: list, sort_key: Callable, ascending: bool,
                directory: str) -> Iterator[tuple]:
    try:
        streams = [serialization.read_file_records(p) for p in runs] + [iter(rest)]
        yield from heapq.merge(*streams, key=sort_key, reverse=not ascending)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _write_run(directory: str, index: int, chunk: list, policy: SpillPolicy) -> str:
    path = os.path.join(directory, f"run-{index}")
    with open(path, "wb") as out:
        policy.spilled_bytes += serialization.write_batches(out, chunk)
    return path


