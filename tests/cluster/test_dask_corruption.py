"""A map output corrupted on its way between two Dask workers' executors is caught by
its checksum, reported as a fetch failure and computed again: the job stays exact."""
from __future__ import annotations

import collections
import shutil
import tempfile

from minispark import SparkConf, SparkContext
from tests.cluster.conftest import (dask_master, registered_executors, start_cluster,
                                    stop_active_context)


def test_a_corrupted_block_transfer_is_computed_again(record_events):
    scratch = tempfile.mkdtemp(prefix="minispark-dask-test-")
    try:
        with start_cluster(2, scratch) as cluster:
            stop_active_context()
            conf = (SparkConf().set("minispark.shuffle.fetch.forceRemote", "true")
                    .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s")
                    # each executor's service flips a byte of the first chunk it sends
                    .set("spark.executorEnv.MINISPARK_TEST_CORRUPT_TRANSFERS", "1"))
            sc = SparkContext(dask_master(cluster), "tests-dask-corrupt", conf=conf)
            try:
                registered_executors(sc, 2)
                recorder = record_events(sc)
                words = [f"w{(i * 7919) % 97}" for i in range(5_000)]
                counts = dict(sc.parallelize(words, 4).map(lambda w: (w, 1)).reduceByKey(
                    lambda a, b: a + b, 3).collect())
                assert counts == collections.Counter(words)
                failures = [e.info.failure_reason for e in recorder.of("StageCompleted")
                            if e.info.failure_reason]
                assert failures and all("corrupted transfer" in f and "CRC-32" in f
                                        for f in failures)
            finally:
                sc.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
