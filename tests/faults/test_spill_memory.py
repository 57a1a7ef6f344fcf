"""Memory stays bounded where a task streams much data: a flatMap expanding one
element to many records, the map side's pickled frames, the reduce side's reads
and the spill decisions of merges and sorts. Bounds are observed directly (how
far a generator was consumed, which files exist, what is held at each spill),
never through the process's resident memory.
"""
from __future__ import annotations

import collections
import os
import random

import pytest

from minispark.common import serialization
from minispark.common.errors import FetchFailedError, SparkException
from minispark.rdd.pipeline import BATCH
from minispark.scheduler.events import MetricsTotals
from minispark.shuffle import aggregator, reader, writer
from minispark.shuffle.aggregator import GROUP_BY_KEY, Merger, SpillPolicy
from minispark.shuffle.handle import ShuffleHandle
from minispark.shuffle.partitioner import Partitioner, portable_hash

# -- flatMap: an element's expansion reaches the later steps in pieces -----------------------


def test_flat_map_passes_records_on_before_expanding_the_rest(sc):
    produced = [0]

    def expand(x):
        for j in range(50_000):
            produced[0] += 1
            yield x * 100_000 + j

    def produced_at_first_record(records):
        next(records)
        yield produced[0]

    first = sc.parallelize([7], 1).flatMap(expand).map(lambda y: y + 1).filter(
        lambda y: y % 2).mapPartitions(produced_at_first_record).collect()
    assert first == [BATCH]


def test_nested_flat_maps_expand_lazily(sc):
    outer_produced = [0]

    def outer(x):
        for j in range(5_000):
            outer_produced[0] += 1
            yield j

    def produced_at_first_record(records):
        next(records)
        yield outer_produced[0]

    first = sc.parallelize([0], 1).flatMap(outer).flatMap(lambda j: range(j % 3000)).map(
        str).mapPartitions(produced_at_first_record).collect()
    assert first == [BATCH]  # only the first piece of the outer expansion was taken


def test_flat_map_chains_give_exact_results_in_order(sc):
    data = list(range(-3, 40))

    def expand(x):
        return range(abs(x) * 97 % 2500)  # 0 to 2499 records: below, at and past a batch

    rdd = (sc.parallelize(data, 3).flatMap(expand).filter(lambda y: y % 7)
           .flatMap(lambda y: [y, -y] if y % 5 else []).map(lambda y: y * 3))
    expected = [z * 3 for x in data for y in expand(x) if y % 7
                for z in ([y, -y] if y % 5 else [])]
    assert rdd.collect() == expected


def test_many_chained_flat_maps_do_not_deepen_the_stack(sc):
    rdd = sc.parallelize(range(50), 2)
    for _ in range(1500):
        rdd = rdd.flatMap(lambda x: (x,)).map(lambda x: x + 1)
    assert rdd.collect() == [x + 1500 for x in range(50)]


def test_stop_iteration_from_a_late_flat_map_call_fails_the_task(sc):
    def expand(x):
        if x == 2:
            raise StopIteration("user code raised StopIteration")
        return range(5_000)

    with pytest.raises(SparkException):
        sc.parallelize(range(3), 1).flatMap(expand).count()


# -- map side: frames past the bound go to temporary files -------------------------------------

RNG = random.Random(11)
RECORDS = [(RNG.randrange(5_000), "v" * RNG.randrange(40)) for _ in range(60_000)]


def _handle(partitions):
    return ShuffleHandle(3, Partitioner(partitions, portable_hash))


def _files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


def _output(status):
    with open(status.path, "rb") as data, open(status.path + ".index", "rb") as index:
        return data.read(), index.read()


@pytest.mark.parametrize("partitions", [1, 4])
def test_frames_past_the_bound_go_to_temporary_files_and_give_the_same_output(
        tmp_path, partitions):
    spill_dir, seen = tmp_path / "spill", []

    def records():
        yield from RECORDS
        seen.extend(_files_under(spill_dir))  # the temporary files, before the last frames

    in_memory = writer.write_map_output(iter(RECORDS), _handle(partitions), 0,
                                        str(tmp_path), "0")
    expected = _output(in_memory)
    policy = SpillPolicy(memory_limit=64 * 1024, directory=str(spill_dir))  # 8 KiB of frames
    streamed = writer.write_map_output(records(), _handle(partitions), 0, str(tmp_path), "0",
                                       policy)
    assert len(seen) == partitions  # one temporary file per reduce partition
    assert _output(streamed) == expected
    assert streamed.sizes == in_memory.sizes and streamed.records == len(RECORDS)
    assert policy.spilled_bytes > sum(streamed.sizes) // 2
    assert _files_under(spill_dir) == []


def test_many_reduce_partitions_shrink_each_buffered_batch(tmp_path):
    partitions = 256
    records = [(i, i % 7) for i in range(400_000)]  # ~1,560 records per partition
    status = writer.write_map_output(iter(records), _handle(partitions), 0, str(tmp_path), "0")
    data, _ = _output(status)
    batches = list(serialization.iter_batches(data))
    bound = max(writer.MIN_BATCH_RECORDS, writer.BUFFERED_RECORDS // partitions)
    assert max(map(len, batches)) <= bound < len(records) // partitions
    expected = collections.Counter(records)
    assert collections.Counter(r for batch in batches for r in batch) == expected
    for reduce_index in range(partitions):
        fetched = reader.fetch_partition(_handle(partitions), reduce_index, [status.path])
        assert all(portable_hash(k) % partitions == reduce_index for k, _ in fetched)


def test_a_failing_map_task_leaves_no_temporary_files(tmp_path):
    spill_dir, shuffle_dir = tmp_path / "spill", tmp_path / "shuffle"
    shuffle_dir.mkdir()

    def records():
        yield from RECORDS
        assert _files_under(spill_dir)  # frames did reach temporary files
        raise ValueError("injected")

    policy = SpillPolicy(memory_limit=64 * 1024, directory=str(spill_dir))
    with pytest.raises(ValueError, match="injected"):
        writer.write_map_output(records(), _handle(4), 0, str(shuffle_dir), "0", policy)
    assert _files_under(spill_dir) == [] and _files_under(shuffle_dir) == []


@pytest.fixture
def tight(sc, make_context):
    """A context on ``sc``'s master and backend with a 1m memory limit (128 KiB of frames)."""
    ctx = make_context(sc.master, sc.getConf().get("minispark.executor.backend"),
                       **{"spark.python.worker.memory": "1m"})
    meter = MetricsTotals()
    ctx.addSparkListener(meter)
    return ctx, meter


def _assert_no_spill_files(ctx):
    spill_root = os.path.join(ctx._app_dir, "spill")
    assert not os.path.exists(spill_root) or _files_under(spill_root) == []


def test_a_shuffle_past_the_frame_bound_gives_exact_partitions(tight):
    ctx, meter = tight
    parts = ctx.parallelize(RECORDS, 3).partitionBy(4).glom().collect()
    assert meter.totals.spilled_bytes > 0  # partitionBy merges nothing: the writer spilled
    assert [sorted(p) for p in parts] == [
        sorted(r for r in RECORDS if portable_hash(r[0]) % 4 == i) for i in range(4)]
    _assert_no_spill_files(ctx)


def test_a_failing_map_task_past_the_frame_bound_cleans_up(tight):
    ctx, _ = tight
    last = RECORDS[-1]

    def fail_at_the_end(record):
        if record == last:
            raise ValueError("injected")
        return record

    with pytest.raises(SparkException, match="injected"):
        ctx.parallelize(RECORDS, 1).map(fail_at_the_end).partitionBy(4).count()
    _assert_no_spill_files(ctx)
    shuffle_root = os.path.join(ctx._app_dir, "shuffle")
    assert [f for f in _files_under(shuffle_root) if f.endswith(".tmp")] == []


# -- reduce side: map outputs are read a frame at a time ---------------------------------------


def test_ranges_are_read_one_frame_at_a_time(tmp_path):
    status = writer.write_map_output(iter(RECORDS), _handle(3), 0, str(tmp_path), "0")
    data, _ = _output(status)
    frames = [bytes(f) for f in serialization.iter_frames(data)]
    largest = max(len(f) for f in frames)
    read = [reader._read_frames(3, 0, status.path, i) for i in range(3)]
    payloads = [p for partition in read for p in partition]
    assert payloads == frames and len(payloads) > 3  # several frames per range
    assert largest < max(status.sizes)  # one frame at a time, never a whole range
    for i in range(3):
        records = list(reader.fetch_partition(_handle(3), i, [status.path, status.path]))
        expected = [r for r in RECORDS if portable_hash(r[0]) % 3 == i]
        assert records == expected + expected


def test_a_range_cut_short_is_a_fetch_failure(tmp_path):
    status = writer.write_map_output(iter(RECORDS), _handle(2), 5, str(tmp_path), "0")
    with open(status.path, "r+b") as data:
        data.truncate(sum(status.sizes) - 10)
    list(reader.fetch_partition(_handle(2), 0, [status.path]))  # the first range is whole
    with pytest.raises(FetchFailedError, match="truncated"):
        list(reader.fetch_partition(_handle(2), 1, [status.path]))


def test_reduce_side_reads_in_frames_give_exact_groups(tight):
    ctx, _ = tight
    groups = collections.defaultdict(list)
    for k, v in RECORDS:
        groups[k].append(v)
    result = ctx.parallelize(RECORDS, 3).groupByKey(2).mapValues(sorted).collectAsMap()
    assert result == {k: sorted(vs) for k, vs in groups.items()}
    _assert_no_spill_files(ctx)


# -- spill decisions: what a merge holds does not creep up ------------------------------------

UNIT = 1000  # simulated bytes of one record held


def _values_held(merger):
    return sum(map(len, merger.data.values()))


def _held_at_spills(monkeypatch, merger):
    """A list that receives, at each spill of the groupByKey ``merger``, the values it holds."""
    held = []
    spill = merger._spill
    monkeypatch.setattr(merger, "_spill", lambda: held.append(_values_held(merger)) or spill())
    return held


class RetainingMemory:
    """Simulated resident memory that, like pymalloc's arenas, never falls:
    a base size plus the most values the merger has ever held at once."""

    def __init__(self, base):
        self.base, self.peak, self.merger = base, 0, None

    def __call__(self):
        self.peak = max(self.peak, _values_held(self.merger))
        return self.base + self.peak * UNIT


def _spill_sizes(monkeypatch, base, limit, records):
    """Group ``records`` under a simulated memory; return the values held at each spill."""
    memory = RetainingMemory(base)
    monkeypatch.setattr(aggregator, "resident_memory", memory)
    merger = memory.merger = Merger(GROUP_BY_KEY, SpillPolicy(memory_limit=limit))
    held = _held_at_spills(monkeypatch, merger)
    merger.merge_values(records)
    expected = collections.defaultdict(list)
    for k, v in records:
        expected[k].append(v)
    assert {k: sorted(vs) for k, vs in merger.items()} == expected
    return held[:-1]  # the last spill is the final one, of whatever was left


def test_spills_hold_about_what_filled_memory_every_time(monkeypatch):
    records = [(i % 300, i) for i in range(300_000)]
    held = _spill_sizes(monkeypatch, 10 * 10**6, 20 * 10**6, records)
    assert len(held) > 20
    first = held[0]
    assert first * UNIT >= 10 * 10**6  # the first spill waits for the limit
    assert max(held) <= first * 1.1  # ... and later ones do not creep past it


def test_a_process_already_past_the_limit_still_spills_in_sizeable_fills(monkeypatch):
    records = [(i % 300, i) for i in range(100_000)]
    held = _spill_sizes(monkeypatch, 30 * 10**6, 20 * 10**6, records)
    assert held[0] == aggregator.CHECK_EVERY  # over the limit from the start
    assert min(held[1:]) > 2 * aggregator.CHECK_EVERY  # no spill at every check after that
    assert max(held[2:]) <= held[1] * 1.1


def test_the_record_threshold_spills_at_every_check_whatever_the_memory(monkeypatch):
    monkeypatch.setattr(aggregator, "resident_memory", lambda: 0)
    merger = Merger(GROUP_BY_KEY, SpillPolicy(record_limit=10, memory_limit=10**9))
    held = _held_at_spills(monkeypatch, merger)
    merger.merge_values((i % 50, i) for i in range(10 * aggregator.CHECK_EVERY))
    assert held == [aggregator.CHECK_EVERY] * 10  # 50 keys >= 10 at each of the 10 checks
    assert sum(map(len, dict(merger.items()).values())) == 10 * aggregator.CHECK_EVERY
