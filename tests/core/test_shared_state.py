"""Caching, broadcast variables and checkpoints."""
from __future__ import annotations

import os
import pickle
from operator import add

import numpy as np
import pytest

from minispark import StorageLevel
from minispark.common.errors import SparkException


def test_cache_marks_the_rdd_itself(sc):
    rdd = sc.parallelize(range(10), 2)
    assert rdd.cache() is rdd and rdd.is_cached
    assert rdd.getStorageLevel() == StorageLevel.MEMORY_ONLY
    assert sc.getPersistentRDDs()[rdd.id()] is rdd
    assert rdd.sum() == 45
    info = [i for i in sc.getRDDStorageInfo() if i.rdd_id == rdd.id()][0]
    assert info.num_cached_partitions == 2 and info.memory_size > 0
    rdd.unpersist()
    assert not rdd.is_cached and rdd.id() not in sc.getPersistentRDDs()
    assert all(i.rdd_id != rdd.id() for i in sc.getRDDStorageInfo())


def test_changing_the_storage_level_is_refused(sc):
    rdd = sc.parallelize([1]).persist(StorageLevel.DISK_ONLY)
    with pytest.raises(ValueError, match="Cannot change storage level"):
        rdd.persist(StorageLevel.MEMORY_ONLY)


@pytest.mark.parametrize("level", [StorageLevel.MEMORY_ONLY, StorageLevel.MEMORY_AND_DISK,
                                   StorageLevel.DISK_ONLY, StorageLevel.OFF_HEAP,
                                   StorageLevel.MEMORY_ONLY_2])
def test_every_level_serves_cached_data_without_recomputing(sc, level):
    calls = sc.accumulator(0)

    def f(x):
        calls.add(1)
        return x * 3

    rdd = sc.parallelize(range(30), 3).map(f).persist(level)
    assert rdd.collect() == [x * 3 for x in range(30)]
    assert rdd.map(lambda x: x + 1).sum() == sum(x * 3 + 1 for x in range(30))
    assert calls.value == 30


def test_cached_partitions_are_read_where_they_live(make_context):
    sc = make_context("local[2]")
    rdd = sc.parallelize(range(16), 8).map(lambda x: (os.getpid(), x)).cache()
    computed_on = {}
    for pid, x in rdd.collect():
        computed_on[x // 2] = pid
    read_on = dict(enumerate(rdd.mapPartitions(lambda it: [os.getpid()]).collect()))
    assert read_on == computed_on
    for partition, pid in read_on.items():
        [holder] = sc._block_master.locations(f"rdd_{rdd.id()}_{partition}")
        assert sc._backend.pid_of(holder) == pid


def test_broadcast_is_loaded_once_per_executor(sc):
    b = sc.broadcast({"weights": list(range(1000))})
    seen = sc.parallelize(range(12), 12).map(
        lambda _: (os.getpid(), id(b.value), sum(b.value["weights"]))).collect()
    assert {s for _, _, s in seen} == {sum(range(1000))}
    per_process = {}
    for pid, obj, _ in seen:
        per_process.setdefault(pid, set()).add(obj)
    assert all(len(objs) == 1 for objs in per_process.values())


def test_a_broadcast_numpy_array_is_shared_not_copied(make_context):
    sc = make_context("local[2]")
    array = np.arange(1_000_000, dtype=np.float64)
    b = sc.broadcast(array)
    flags = sc.parallelize(range(4), 4).map(
        lambda _: (float(b.value.sum()), b.value.flags.owndata, b.value.flags.writeable)).collect()
    assert flags == [(float(array.sum()), False, False)] * 4


def test_a_destroyed_broadcast_cannot_be_used(sc):
    b = sc.broadcast([1, 2, 3])
    assert sc.parallelize([0, 2]).map(lambda i: b.value[i]).collect() == [1, 3]
    b.destroy()
    with pytest.raises(RuntimeError, match="destroyed Broadcast"):
        b.value
    with pytest.raises((pickle.PicklingError, SparkException), match="destroyed Broadcast"):
        sc.parallelize([0]).map(lambda i: b.value[i]).collect()


def test_unpersisted_broadcast_is_reloaded(sc):
    b = sc.broadcast("abc")
    assert sc.parallelize([0]).map(lambda _: b.value).collect() == ["abc"]
    b.unpersist()
    assert sc.parallelize([0, 1]).map(lambda _: b.value).collect() == ["abc", "abc"]


def test_checkpoint_truncates_lineage_and_reads_back_from_files(sc, tmp_path):
    sc.setCheckpointDir(str(tmp_path))
    calls = sc.accumulator(0)

    def f(kv):
        calls.add(1)
        return kv

    rdd = sc.parallelize(range(40), 4).map(lambda x: (x % 4, x)).reduceByKey(add).map(f)
    rdd.checkpoint()
    assert not rdd.isCheckpointed()
    expected = {k: sum(x for x in range(40) if x % 4 == k) for k in range(4)}
    assert dict(rdd.collect()) == expected
    assert rdd.isCheckpointed() and rdd.getCheckpointFile().startswith(str(tmp_path))
    assert b"ShuffledRDD" not in rdd.toDebugString()
    assert rdd.dependencies == []
    before = calls.value
    for path in os.listdir(os.path.join(sc._app_dir, "shuffle")):
        os.unlink(os.path.join(sc._app_dir, "shuffle", path))
    assert dict(rdd.collect()) == expected
    assert calls.value == before


def test_checkpoint_needs_a_directory(make_context):
    sc = make_context("local[1]")
    with pytest.raises(RuntimeError, match="Checkpoint directory has not been set"):
        sc.parallelize([1]).checkpoint()
    rdd = sc.parallelize(range(5)).map(lambda x: x * 2)
    rdd.localCheckpoint()
    assert rdd.sum() == 20 and rdd.isCheckpointed() and rdd.isLocallyCheckpointed()
