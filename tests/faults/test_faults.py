"""Faults are injected, never waited for; each test asserts the exact result."""
from __future__ import annotations

import glob
import os
import signal
from operator import add

import pytest

from minispark import StorageLevel, TaskContext
from minispark.common.errors import SparkException


def fail_first_attempt_of(partition: int):
    def step(x):
        ctx = TaskContext.get()
        if ctx.partitionId() == partition and ctx.attemptNumber() == 0:
            raise RuntimeError(f"injected failure in partition {partition}")
        return x * 10
    return step


def test_a_task_that_fails_once_is_retried_and_the_job_succeeds(sc, record_events):
    rec = record_events(sc)
    assert sc.parallelize(range(12), 3).map(fail_first_attempt_of(1)).collect() == \
        [x * 10 for x in range(12)]
    failed = [e for e in rec.of("TaskEnd") if not e.succeeded]
    assert [(e.partition, e.attempt) for e in failed] == [(1, 0)]
    assert "injected failure in partition 1" in failed[0].reason


def test_a_task_that_always_fails_stops_after_max_failures(sc, record_events):
    rec = record_events(sc)

    def explode(x):
        if x == 7:
            raise KeyError("always")
        return x

    with pytest.raises(SparkException, match="failed 4 times") as info:
        sc.parallelize(range(10), 2).map(explode).count()
    attempts = [e.attempt for e in rec.of("TaskEnd") if not e.succeeded and e.partition == 1]
    assert attempts == [0, 1, 2, 3]
    assert "in explode" in str(info.value.__cause__)
    assert sc.parallelize(range(10), 2).count() == 10


def test_local_n_f_sets_the_number_of_attempts(make_context):
    sc = make_context("local[2,2]")
    with pytest.raises(SparkException, match="failed 2 times"):
        sc.parallelize(range(4), 2).map(lambda x: 1 / 0).collect()
    assert sc.parallelize(range(12), 3).map(fail_first_attempt_of(2)).sum() == 660


def test_an_executor_killed_while_running_a_task_is_replaced(make_context):
    sc = make_context("local[2]")

    def die_once(x):
        ctx = TaskContext.get()
        if ctx.partitionId() == 1 and ctx.attemptNumber() == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        return x + 1

    pairs = sc.parallelize(range(100), 4).map(die_once).map(lambda x: (x % 5, x))
    assert dict(pairs.reduceByKey(add).collect()) == \
        {k: sum(x + 1 for x in range(100) if (x + 1) % 5 == k) for k in range(5)}
    assert len(sc._backend.executor_ids()) == 2
    assert sc.parallelize(range(10), 2).sum() == 45


def test_killing_the_executor_that_caches_partitions_recomputes_only_those(make_context):
    sc = make_context("local[2]")
    computed = sc.accumulator(0)

    def track(x):
        computed.add(1)
        return x * x

    cached = sc.parallelize(range(40), 8).map(track).cache()
    assert cached.sum() == sum(x * x for x in range(40))
    assert computed.value == 40
    blocks = sc._block_master
    holders = {i: blocks.locations(f"rdd_{cached.id()}_{i}") for i in range(8)}
    assert all(len(h) == 1 for h in holders.values())
    victim = holders[0][0]
    lost = [i for i, h in holders.items() if h == [victim]]
    sc._backend.kill_executor(victim)
    assert cached.sum() == sum(x * x for x in range(40))
    assert computed.value == 40 + 5 * len(lost)


def test_a_deleted_shuffle_output_is_recomputed_for_that_map_only(sc, record_events):
    rec = record_events(sc)
    counts = sc.parallelize(range(300), 3).map(lambda x: (x % 10, 1)).reduceByKey(add, 2)
    assert dict(counts.collect()) == {k: 30 for k in range(10)}
    shuffle_id = counts.dependencies[0].shuffle_id
    os.unlink(os.path.join(sc._app_dir, "shuffle", f"shuffle_{shuffle_id}_1.data"))
    before = len(rec.of("StageSubmitted"))
    assert dict(counts.collect()) == {k: 30 for k in range(10)}
    resubmitted = [e.info for e in rec.of("StageSubmitted")[before:]]
    map_runs = [s for s in resubmitted if s.is_shuffle_map]
    assert len(map_runs) == 1 and map_runs[0].num_tasks == 1
    failed = [e.info for e in rec.of("StageCompleted") if e.info.failure_reason]
    assert failed and "FetchFailed" in failed[-1].failure_reason


def test_recomputed_partitions_give_the_same_records(sc):
    base = sc.parallelize(range(200), 4)
    shuffled = base.repartition(3)
    sampled = base.sample(False, 0.3, 42).map(lambda x: (x % 4, x)).groupByKey(2)
    first = (shuffled.glom().collect(), sorted((k, sorted(v)) for k, v in sampled.collect()))
    for stage_output in glob.glob(os.path.join(sc._app_dir, "shuffle", "*.data")):
        os.unlink(stage_output)
    second = (shuffled.glom().collect(), sorted((k, sorted(v)) for k, v in sampled.collect()))
    assert first == second


def test_accumulators_count_each_partition_once_despite_retries(sc):
    acc = sc.accumulator(0)

    def add_then_maybe_fail(x):
        acc.add(x)
        ctx = TaskContext.get()
        if ctx.partitionId() == 0 and ctx.attemptNumber() == 0 and x == 2:
            raise RuntimeError("after adding")
        return x

    sc.parallelize(range(10), 2).map(add_then_maybe_fail).foreach(lambda x: None)
    assert acc.value == sum(range(10))


def test_reading_an_accumulator_inside_a_task_raises(sc):
    acc = sc.accumulator(1)
    with pytest.raises(SparkException, match="cannot be accessed inside tasks"):
        sc.parallelize([1]).map(lambda x: acc.value).collect()


def test_memory_and_disk_blocks_move_to_disk_when_memory_is_full(make_context):
    sc = make_context("local[1]", **{"spark.executor.memory": "1m"})
    data = sc.parallelize(range(8), 8).map(lambda i: bytes(200_000) + bytes([i]))
    memory_only = data.persist(StorageLevel.MEMORY_ONLY)
    assert memory_only.map(len).sum() == 8 * 200_001
    info = sc.getRDDStorageInfo()[0]
    assert 0 < info.num_cached_partitions < 8 and info.disk_size == 0
    assert info.memory_size <= 0.6 * (1 << 20)
    spilling = sc.parallelize(range(8), 8).map(lambda i: bytes(200_000) + bytes([i])) \
        .persist(StorageLevel.MEMORY_AND_DISK)
    assert sorted(x[-1] for x in spilling.collect()) == list(range(8))
    info = [i for i in sc.getRDDStorageInfo() if i.rdd_id == spilling.id()][0]
    assert info.num_cached_partitions == 8 and info.disk_size > 0
