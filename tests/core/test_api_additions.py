"""PySpark APIs beyond the core list: job tags, inheritable threads, approximate actions."""
from __future__ import annotations

import os
import threading
import time

import pytest

from minispark import InheritableThread
from minispark.common.errors import SparkException


def _blocking_job(sc, started: str, release: str):
    def wait(x):
        open(started, "w").close()
        while not os.path.exists(release):
            time.sleep(0.01)
        return x
    return sc.parallelize(range(2), 2).map(wait)


def _run_in_thread(target) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(target())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcome.append(exc)

    thread = InheritableThread(target=run)
    thread.start()
    return thread, outcome


def _wait_for(path: str) -> None:
    deadline = time.monotonic() + 30
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


@pytest.mark.parametrize("how", ["tag", "group"])
def test_cancelling_a_tagged_or_grouped_job_from_another_thread(make_context, tmp_path, how):
    sc = make_context("local[2]")
    started, release = str(tmp_path / "started"), str(tmp_path / "release")
    if how == "tag":
        sc.addJobTag("etl")
    else:
        sc.setJobGroup("etl", "nightly load")
    thread, outcome = _run_in_thread(lambda: _blocking_job(sc, started, release).collect())
    _wait_for(started)
    if how == "tag":
        sc.cancelJobsWithTag("etl")
    else:
        sc.cancelJobGroup("etl")
    open(release, "w").close()
    thread.join(30)
    assert isinstance(outcome[0], SparkException) and "cancelled" in str(outcome[0])
    assert sc.parallelize(range(4), 2).sum() == 6


def test_job_tags_are_validated(sc):
    with pytest.raises(ValueError):
        sc.addJobTag("a,b")
    sc.addJobTag("x")
    sc.clearJobTags()
    assert sc.getJobTags() == set()


@pytest.mark.parametrize("n", [10, 1000, 20000])
def test_count_approx_distinct_is_within_its_error(sc, n):
    data = [f"item-{i % n}" for i in range(2 * n)]
    estimate = sc.parallelize(data, 4).countApproxDistinct(0.05)
    assert abs(estimate - n) <= max(2, 0.15 * n)


def test_sample_by_key_is_deterministic_and_respects_fractions(sc):
    pairs = [(k, i) for k in "ab" for i in range(2000)]
    rdd = sc.parallelize(pairs, 3)
    first = rdd.sampleByKey(False, {"a": 0.5, "b": 0.0}, 7).collect()
    assert first == rdd.sampleByKey(False, {"a": 0.5, "b": 0.0}, 7).collect()
    assert {k for k, _ in first} == {"a"} and 800 < len(first) < 1200


def test_binary_records_reject_a_partial_record(sc, tmp_path):
    (tmp_path / "r.bin").write_bytes(bytes(range(10)))
    assert sc.binaryRecords(str(tmp_path), 5).collect() == [bytes(range(5)), bytes(range(5, 10))]
    with pytest.raises(SparkException, match="Partial record"):
        sc.binaryRecords(str(tmp_path), 4).collect()


def test_list_files_names_what_was_added(sc, tmp_path):
    path = tmp_path / "lookup.txt"
    path.write_text("x")
    sc.addFile(str(path))
    assert "file:" + str(path) in sc.listFiles


@pytest.mark.parametrize("action", ["stats", "mean", "top", "countByValue", "countByKey", "max"])
def test_actions_that_merge_partition_results_raise_on_an_rdd_without_partitions(sc, action):
    rdd = sc.emptyRDD()
    call = {"top": lambda: rdd.top(2)}.get(action, getattr(rdd, action))
    with pytest.raises(ValueError, match="empty RDD"):
        call()
    assert rdd.takeOrdered(2) == []  # PySpark checks for no partitions here instead


def test_tree_aggregate_adds_the_zero_once_per_partition(sc):
    from operator import add

    data, parts = [1, 2, 3], 2
    assert sc.parallelize(data, parts).treeAggregate(1, add, add) == sum(data) + parts
    assert sc.emptyRDD().treeAggregate(7, add, add) == 7


def test_sort_by_key_of_an_empty_rdd_is_the_rdd_itself(sc):
    empty = sc.parallelize([], 3)
    assert empty.sortByKey(numPartitions=5) is empty


def test_default_parallelism_follows_the_master_on_every_backend(sc):
    master_threads = int(sc.master[len("local["):-1])
    assert sc.defaultParallelism == master_threads
