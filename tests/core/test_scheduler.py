"""The DAG scheduler: stages cut at shuffles, map outputs reused, tasks where they belong."""
from __future__ import annotations

import os
import time
from operator import add

import pytest

from minispark import TaskContext


@pytest.fixture
def recorder(sc, record_events):
    return record_events(sc)


def test_narrow_steps_run_in_one_stage(sc, recorder):
    rdd = sc.parallelize(range(100), 4).map(lambda x: x + 1).filter(lambda x: x % 3).map(str)
    assert rdd.count() == sum(1 for x in range(100) if (x + 1) % 3)
    assert len(recorder.of("StageSubmitted")) == 1
    assert len(recorder.of("TaskEnd")) == 4


def test_each_shuffle_adds_a_stage(sc, recorder):
    pairs = sc.parallelize(range(50), 3).map(lambda x: (x % 5, x))
    joined = pairs.reduceByKey(add).join(pairs.groupByKey())
    assert sorted(k for k, _ in joined.collect()) == list(range(5))
    # two shuffles into the join's cogroup, plus reduceByKey's and groupByKey's own
    submitted = recorder.of("StageSubmitted")
    assert sum(s.info.is_shuffle_map for s in submitted) == 4
    assert sum(not s.info.is_shuffle_map for s in submitted) == 1


def test_second_action_skips_the_finished_map_stage(sc, recorder):
    counts = sc.parallelize(range(1000), 4).map(lambda x: (x % 7, 1)).reduceByKey(add)
    first = dict(counts.collect())
    assert first == {k: sum(1 for x in range(1000) if x % 7 == k) for k in range(7)}
    assert sum(s.info.is_shuffle_map for s in recorder.of("StageSubmitted")) == 1
    before = len(recorder.of("StageSubmitted"))
    assert counts.count() == 7
    submitted_now = recorder.of("StageSubmitted")[before:]
    assert [s.info.is_shuffle_map for s in submitted_now] == [False]
    job_id = recorder.of("JobStart")[-1].job_id
    tracker = sc.statusTracker()
    skipped = tracker.getSkippedStageIds(job_id)
    assert len(skipped) == 1 and skipped[0] in tracker.getJobInfo(job_id).stageIds


def test_take_scans_one_partition_first(sc, recorder):
    assert sc.parallelize(range(100), 10).take(3) == [0, 1, 2]
    assert len(recorder.of("TaskEnd")) == 1


def test_task_context_inside_tasks(sc):
    def describe(index, it):
        ctx = TaskContext.get()
        yield (index, ctx.partitionId(), ctx.stageId(), ctx.attemptNumber(), ctx.taskAttemptId())

    rows = sc.parallelize(range(6), 3).mapPartitionsWithIndex(describe).collect()
    assert [r[0] for r in rows] == [r[1] for r in rows] == [0, 1, 2]
    assert len({r[2] for r in rows}) == 1 and {r[3] for r in rows} == {0}
    assert len({r[4] for r in rows}) == 3
    assert TaskContext.get() is None


def test_deep_lineage_of_maps_and_unions_runs_without_recursion_error(sc):
    rdd = sc.parallelize(range(10), 2)
    expected = list(range(10))
    for i in range(3000):
        rdd = rdd.map(lambda x: x + 1)
    expected = [x + 3000 for x in expected]
    for i in range(1500):
        rdd = rdd.union(sc.parallelize([i], 1)).map(lambda x: x)
    expected += list(range(1500))
    assert sorted(rdd.collect()) == sorted(expected)
    assert rdd.toDebugString().count(b"\n") > 1500


def test_deep_lineage_of_shuffles(sc):
    rdd = sc.parallelize([(i % 10, 1) for i in range(100)], 2)
    for _ in range(150):
        rdd = rdd.reduceByKey(add, 2).mapValues(lambda v: v)
    assert dict(rdd.collect()) == {k: 10 for k in range(10)}


def test_a_failing_user_function_shows_its_traceback_and_the_context_survives(sc):
    from minispark.common.errors import SparkException

    def parse(x):
        return int("not a number" if x == 3 else x)

    with pytest.raises(SparkException) as info:
        sc.parallelize(range(5), 2).map(parse).collect()
    message = str(info.value)
    assert "Job aborted due to stage failure" in message and "ValueError" in message
    cause = str(info.value.__cause__)
    assert "in parse" in cause and 'int("not a number"' in cause
    assert sc.parallelize(range(5), 2).map(lambda x: x * 2).sum() == 20


def test_executors_are_reused_across_jobs(make_context):
    sc = make_context("local[2]")

    def pids():
        # tasks long enough that both executors take some, even while one still starts
        return set(sc.parallelize(range(8), 8).map(lambda _: (time.sleep(0.1), os.getpid())[1])
                   .collect())

    first, second = pids(), pids()
    assert len(first) == 2 and first == second and os.getpid() not in first


def test_stop_removes_the_application_directory(make_context, tmp_path):
    sc = make_context("local[1]", **{"spark.local.dir": str(tmp_path)})
    sc.parallelize(range(20), 2).map(lambda x: (x % 3, x)).groupByKey().count()
    app_dirs = os.listdir(tmp_path)
    assert len(app_dirs) == 1 and os.path.isdir(tmp_path / app_dirs[0] / "shuffle")
    assert os.listdir(tmp_path / app_dirs[0] / "shuffle")
    sc.stop()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("op", ["reduceByKey", "groupByKey", "partitionBy", "join"])
def test_key_value_operations_name_a_record_that_is_not_a_pair(sc, op):
    from minispark.common.errors import SparkException

    records = sc.parallelize([("a", 1), 7, ("b", 2)], 1)
    build = {"reduceByKey": lambda r: r.reduceByKey(add), "groupByKey": lambda r: r.groupByKey(),
             "partitionBy": lambda r: r.partitionBy(2), "join": lambda r: r.join(r)}[op]
    with pytest.raises(SparkException, match="need \\(key, value\\) pairs, but got 7 of type int"):
        build(records).collect()
