"""Barrier execution mode: ``rdd.barrier().mapPartitions(f)`` and ``BarrierTaskContext``.

Checked against Spark's behaviour: all tasks of a barrier stage start
together and see each other's messages; a failed barrier task stops the whole
stage attempt (a shuffle map stage then runs again in full, a result stage
aborts the job); a stage needing more slots than the cluster has, or an RDD
chain Spark refuses, fails before any task runs. Faults are injected (a task
that raises once, a peer that never arrives) and nothing may hang: each test
that could wait bounds it with its own setting or marker.
"""
from __future__ import annotations

import os
import pickle
import socket
import time
from collections import deque
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from minispark import BarrierTaskContext, BarrierTaskInfo, TaskContext
from minispark.common.errors import SparkException, TaskKilledError
from minispark.errors import PySparkRuntimeError
from minispark.scheduler.barrier import (
    BarrierClient, BarrierCoordinator, BarrierJobSlotsNumberCheckFailed,
    BarrierJobUnsupportedRDDChainException, BarrierRequest,
)
from minispark.scheduler.task import RESULT, TaskDescription

ONLY_TWO_SLOTS = pytest.mark.parametrize("backend", ["local[2]"])


def _slots(sc) -> int:
    return sc._backend.parallelism


def _barrier_stage_events(recorder, name: str) -> list:
    """Events of the one stage whose tasks ran in barrier mode (the last stage submitted)."""
    stage_id = recorder.of("StageSubmitted")[-1].info.stage_id
    return [e for e in recorder.of(name) if e.stage_id == stage_id]


# ---- the API -------------------------------------------------------------------------


def test_all_gather_returns_every_message_by_partition(sc):
    n = _slots(sc)

    def gather(index, it):
        ctx = BarrierTaskContext.get()
        return [(index, ctx.allGather(f"from {index}:{sum(it)}"), ctx.allGather())]

    got = sc.parallelize(range(10), n).barrier().mapPartitionsWithIndex(gather).collect()
    chunks = [list(range(10))[i * 10 // n:(i + 1) * 10 // n] for i in range(n)]
    messages = [f"from {i}:{sum(chunk)}" for i, chunk in enumerate(chunks)]
    assert got == [(i, messages, [""] * n) for i in range(n)]


def test_barrier_waits_for_every_task(sc, tmp_path):
    # Each task leaves a mark, then waits; after the barrier it must see every
    # task's mark, though later partitions arrive later.
    n = _slots(sc)
    folder = str(tmp_path)

    def mark_then_wait(index, it):
        time.sleep(0.3 * index)
        Path(folder, f"arrived-{index}").touch()
        BarrierTaskContext.get().barrier()
        return [sorted(os.listdir(folder))]

    seen = sc.parallelize(range(n), n).barrier().mapPartitionsWithIndex(mark_then_wait).collect()
    assert seen == [[f"arrived-{i}" for i in range(n)]] * n


def test_task_infos_name_every_task_executor(sc):
    n = _slots(sc)

    def infos(it):
        ctx = BarrierTaskContext.get()
        return [([i.address for i in ctx.getTaskInfos()], ctx.getLocalProperty("addresses"),
                 all(isinstance(i, BarrierTaskInfo) for i in ctx.getTaskInfos()))]

    got = sc.parallelize(range(n), n).barrier().mapPartitions(infos).collect()
    addresses = got[0][0]
    assert len(addresses) == n and len(set(addresses)) == n  # one executor per task
    assert all(a.startswith("127.0.0.1:") for a in addresses)
    assert got == [(addresses, ",".join(addresses), True)] * n


def test_task_context_in_a_barrier_stage_and_after_it(sc):
    n = _slots(sc)
    rdd = sc.parallelize(range(4), n).barrier().mapPartitions(lambda it: it)
    # Narrow steps after the barrier step stay in the barrier stage (Spark's isBarrier).
    kinds = rdd.map(lambda x: TaskContext.get() is BarrierTaskContext.get()).collect()
    assert kinds == [True] * 4
    back = sc.parallelize([0], 1).barrier().mapPartitions(
        lambda it: [BarrierTaskContext.get()]).collect()[0]
    assert back.partitionId() == 0
    with pytest.raises(PySparkRuntimeError, match=r"\[CALL_BEFORE_INITIALIZE\]"):
        back.barrier()  # sent to the driver, it can no longer sync


def test_outside_a_barrier_stage_get_raises_as_pyspark(sc):
    def probe(it):
        try:
            BarrierTaskContext.get()
        except PySparkRuntimeError as exc:
            return [(type(TaskContext.get()).__name__, exc.getCondition(), str(exc))]
        return [("no error",)]

    got = sc.parallelize([1], 1).mapPartitions(probe).collect()
    assert got == [("TaskContext", "NOT_IN_BARRIER_STAGE",
                    "[NOT_IN_BARRIER_STAGE] It is not in a barrier stage.")]
    with pytest.raises(PySparkRuntimeError, match="It is not in a barrier stage"):
        BarrierTaskContext.get()  # on the driver


def test_all_gather_refuses_a_message_that_is_not_a_string(sc):
    rdd = sc.parallelize([1], 1).barrier().mapPartitions(
        lambda it: [BarrierTaskContext.get().allGather(5)])
    with pytest.raises(SparkException) as info:
        rdd.collect()
    assert "Argument `message` must be of type `str`" in str(info.value.__cause__)


def test_a_barrier_stage_after_a_shuffle(sc):
    n = _slots(sc)
    pairs = [(i % 7, i) for i in range(100)]

    def tag(index, it):
        records = sorted(it)
        return [(index, records, BarrierTaskContext.get().allGather(str(len(records))))]

    # The map side has more partitions than there are slots: only the barrier side counts.
    reduced = sc.parallelize(pairs, n + 2).reduceByKey(lambda a, b: a + b, n)
    got = reduced.barrier().mapPartitionsWithIndex(tag).collect()
    assert reduced.barrier().mapPartitions(iter, True).partitioner == reduced.partitioner
    assert reduced.barrier().mapPartitions(iter).partitioner is None
    totals = {}
    for k, v in pairs:
        totals[k] = totals.get(k, 0) + v
    assert sorted(kv for _, records, _ in got for kv in records) == sorted(totals.items())
    counts = [str(len(records)) for _, records, _ in got]
    assert [index for index, _, _ in got] == list(range(n))
    assert all(gathered == counts for _, _, gathered in got)


# ---- failures ------------------------------------------------------------------------


def test_a_failed_barrier_map_task_reruns_the_whole_stage(sc, tmp_path, record_events):
    n = _slots(sc)
    marker = str(tmp_path / "failed-once")

    def fail_once(index, it):
        ctx = BarrierTaskContext.get()
        if index == 0 and not os.path.exists(marker):
            open(marker, "w").close()
            raise ValueError("injected failure of partition 0")
        ctx.barrier()
        return [(x % 3, (index, ctx.attemptNumber(), ctx.taskAttemptId())) for x in it]

    recorder = record_events(sc)
    rdd = sc.parallelize(range(12), n).barrier().mapPartitionsWithIndex(fail_once)
    got = rdd.groupByKey().mapValues(list).collect()
    assert sorted(k for k, _ in got) == [0, 1, 2]
    assert sum(len(v) for _, v in got) == 12
    starts = [e for e in recorder.of("TaskStart") if e.stage_id == recorder.of(
        "StageSubmitted")[0].info.stage_id]
    # Every task ran in both stage attempts; each task's own attempt number restarts
    # at 0 in the new stage attempt, as in Spark.
    assert sorted((e.stage_attempt, e.partition) for e in starts) == sorted(
        (a, p) for a in (0, 1) for p in range(n))
    first_ids = {e.task_id for e in starts if e.stage_attempt == 0}
    seen = {info for _, infos in got for info in infos}
    assert {(p, 0) for p, _, _ in seen} == {(p, 0) for p in range(n)}
    assert all(task_id not in first_ids for _, _, task_id in seen)


@ONLY_TWO_SLOTS
def test_a_barrier_task_whose_executor_dies_reruns_the_stage(sc, tmp_path):
    marker = str(tmp_path / "died-once")

    def die_once(index, it):
        if index == 0 and not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(3)
        BarrierTaskContext.get().barrier()
        return [(x, 1) for x in it]

    rdd = sc.parallelize(range(6), 2).barrier().mapPartitionsWithIndex(die_once)
    assert sorted(rdd.reduceByKey(lambda a, b: a + b).collect()) == [(x, 1) for x in range(6)]
    assert os.path.exists(marker)


def test_a_failed_barrier_result_task_aborts_the_job(sc):
    def fail(index, it):
        if index == 0:
            raise ValueError("injected failure")
        BarrierTaskContext.get().barrier()
        return it

    rdd = sc.parallelize(range(4), _slots(sc)).barrier().mapPartitionsWithIndex(fail)
    with pytest.raises(SparkException, match="Could not recover from a failed barrier "
                                             "ResultStage") as info:
        rdd.collect()
    assert "injected failure" in str(info.value.__cause__)
    assert sc.parallelize(range(4), 2).sum() == 6  # the context stays usable


@ONLY_TWO_SLOTS
def test_a_busy_peer_of_a_failed_task_is_killed_not_waited_for(sc, tmp_path, record_events):
    finished = tmp_path / "peer-finished"

    def fail_or_work(index, it):
        if index == 0:
            raise ValueError("injected failure")
        time.sleep(60)  # far longer than the test may take (pytest-timeout)
        finished.touch()
        return it

    recorder = record_events(sc)
    rdd = sc.parallelize(range(2), 2).barrier().mapPartitionsWithIndex(fail_or_work)
    with pytest.raises(SparkException, match="failed barrier ResultStage"):
        rdd.collect()
    assert not finished.exists()
    ends = {e.partition: e for e in _barrier_stage_events(recorder, "TaskEnd")}
    assert ends[1].reason.startswith("TaskKilled") and not ends[1].succeeded
    assert sc.parallelize(range(6), 2).barrier().mapPartitions(lambda it: [sum(it)]).collect() \
        == [3, 12]


@ONLY_TWO_SLOTS
def test_a_round_that_cannot_complete_fails_at_once(sc):
    def only_one_waits(index, it):
        if index == 1:
            BarrierTaskContext.get().barrier()  # partition 0 never comes
        return it

    rdd = sc.parallelize(range(2), 2).barrier().mapPartitionsWithIndex(only_one_waits)
    with pytest.raises(SparkException) as info:
        rdd.collect()
    assert "cannot complete: the task of partition 0 finished without reaching it" in str(
        info.value.__cause__)


@ONLY_TWO_SLOTS
def test_mixing_barrier_and_all_gather_in_one_sync_fails(sc):
    def mixed(index, it):
        ctx = BarrierTaskContext.get()
        if index == 0:
            ctx.barrier()
        else:
            ctx.allGather("x")
        return it

    rdd = sc.parallelize(range(2), 2).barrier().mapPartitionsWithIndex(mixed)
    with pytest.raises(SparkException) as info:
        rdd.collect()
    assert "Different barrier sync types found for the sync" in str(info.value.__cause__)


def test_spark_barrier_sync_timeout_is_honoured(make_context, tmp_path):
    sc = make_context("local[2]", **{"spark.barrier.sync.timeout": "1s"})
    late = tmp_path / "late-task-arrived"

    def one_is_late(index, it):
        if index == 1:
            time.sleep(60)  # killed once partition 0 gives up
            late.touch()
        BarrierTaskContext.get().barrier()
        return it

    rdd = sc.parallelize(range(2), 2).barrier().mapPartitionsWithIndex(one_is_late)
    with pytest.raises(SparkException) as info:
        rdd.collect()
    assert ("The coordinator didn't get all barrier sync requests for barrier epoch 0 from "
            "Stage") in str(info.value.__cause__)
    assert "within 1 second(s)" in str(info.value.__cause__)
    assert not late.exists()


def test_a_barrier_stage_fails_after_max_consecutive_attempts(make_context, record_events):
    sc = make_context("local[2]", **{"spark.stage.maxConsecutiveAttempts": "2"})

    def always_fail(index, it):
        if index == 1:
            raise ValueError("partition 1 always fails")
        BarrierTaskContext.get().barrier()
        return [(x, 1) for x in it]

    recorder = record_events(sc)
    rdd = sc.parallelize(range(4), 2).barrier().mapPartitionsWithIndex(always_fail)
    with pytest.raises(SparkException, match="has failed the maximum allowable number of "
                                             "times: 2"):
        rdd.reduceByKey(lambda a, b: a + b).collect()
    failed = [e.info for e in recorder.of("StageCompleted") if e.info.failure_reason]
    assert [info.attempt for info in failed] == [0, 1]
    assert all("Stage failed because barrier task ShuffleMapTask" in i.failure_reason
               for i in failed)


# ---- what Spark refuses before running anything ------------------------------------------


def test_more_partitions_than_slots_fails_at_once(sc, record_events):
    recorder = record_events(sc)
    n = _slots(sc) + 1
    rdd = sc.parallelize(range(n), n).barrier().mapPartitions(lambda it: it)
    with pytest.raises(BarrierJobSlotsNumberCheckFailed,
                       match=r"Barrier execution mode does not allow run a barrier stage that "
                             r"requires more slots than the total number of slots in the "
                             rf"cluster currently.*needs {n} slots; there are {n - 1}"):
        rdd.collect()
    assert recorder.of("TaskStart") == [] and recorder.of("StageSubmitted") == []
    assert sc.parallelize(range(n), n).collect() == list(range(n))


def test_an_rdd_depending_on_two_barrier_rdds_is_refused(sc):
    n = _slots(sc)
    left = sc.parallelize(range(4), n).barrier().mapPartitions(lambda it: it)
    right = sc.parallelize(range(4), n).barrier().mapPartitions(lambda it: it)
    with pytest.raises(BarrierJobUnsupportedRDDChainException,
                       match=r"2\. An RDD that depends on multiple barrier RDDs"):
        left.zip(right).collect()
    # One barrier parent is fine.
    assert left.zip(sc.parallelize(range(4), n)).collect() == [(i, i) for i in range(4)]


@ONLY_TWO_SLOTS
@pytest.mark.parametrize("action", [
    lambda rdd: rdd.first(),
    lambda rdd: rdd.take(2),
    lambda rdd: rdd.coalesce(1).collect(),
    lambda rdd: rdd.union(rdd.context.emptyRDD()).collect(),
], ids=["first", "take", "coalesce", "union"])
def test_a_partition_count_change_within_the_stage_is_refused(sc, action):
    rdd = sc.parallelize(range(4), 2).barrier().mapPartitions(lambda it: it)
    with pytest.raises(BarrierJobUnsupportedRDDChainException,
                       match=r"barrierRdd\.collect\(\)\[0\] \(python\)"):
        action(rdd)
    assert rdd.collect()[0] == 0  # Spark's suggested workaround


# ---- the executor's side of a sync, on its own -----------------------------------------


@pytest.fixture
def client_pair():
    """A BarrierClient on one end of a socket pair, the driver's end, and its deferred queue."""
    ours, theirs = socket.socketpair()
    executor_end, driver_end = Connection(ours.detach()), Connection(theirs.detach())
    deferred: deque = deque()
    yield BarrierClient(executor_end, deferred), driver_end, deferred
    executor_end.close()
    driver_end.close()


def _desc(timeout: float) -> TaskDescription:
    return TaskDescription(7, 3, 0, 1, 0, 0, RESULT, barrier_sync_timeout=timeout)


def test_the_client_keeps_other_messages_for_later_and_ignores_stale_replies(client_pair):
    client, driver, deferred = client_pair
    driver.send_bytes(pickle.dumps(("remove_rdd", 5)))
    driver.send_bytes(pickle.dumps(("barrier_reply", 7, 0, ["stale"])))  # an earlier epoch
    driver.send_bytes(pickle.dumps(("barrier_reply", 7, 1, ["a", "b"])))
    assert client(_desc(30.0), 1, "allGather", "b") == ["a", "b"]
    assert pickle.loads(driver.recv_bytes()) == ("barrier", 7, 3, 0, 1, "allGather", "b")
    assert list(deferred) == [("remove_rdd", 5)]


def test_the_client_gives_up_on_stop_and_after_the_timeout(client_pair):
    client, driver, deferred = client_pair
    driver.send_bytes(pickle.dumps(("stop",)))
    with pytest.raises(TaskKilledError, match="stopping"):
        client(_desc(30.0), 0, "barrier", "")
    assert list(deferred) == [("stop",)]  # the worker's loop then exits
    with pytest.raises(SparkException, match=r"barrier epoch 1 from Stage 3 \(Attempt 0\) "
                                             r"within 0\.2 second\(s\)"):
        client(_desc(0.2), 1, "barrier", "")


def test_the_coordinator_answers_a_round_by_partition_and_refuses_stale_requests():
    sent: list = []
    coordinator = BarrierCoordinator(lambda executor, message: sent.append((executor, message)))
    coordinator.start(3, 0, {10: 1, 11: 0})

    def request(task_id, epoch, message):
        coordinator.request(BarrierRequest(f"e{task_id}", task_id, 3, 0, epoch, "allGather",
                                           message))

    request(10, 0, "from partition 1")
    assert sent == []  # waits for partition 0
    request(11, 0, "from partition 0")
    assert sent == [(f"e{t}", ("barrier_reply", t, 0, ["from partition 0", "from partition 1"]))
                    for t in (11, 10)]
    sent.clear()
    request(11, 0, "again")  # epoch 0 is over
    (executor, (_, task_id, epoch, error)), = sent
    assert (executor, task_id, epoch) == ("e11", 11, 0)
    assert str(error) == ("The request to sync of Stage 3 (Attempt 0) with barrier epoch 0 has "
                          "already finished. Maybe task 11 is not properly killed.")
    sent.clear()
    request(10, 1, "waiting")
    assert coordinator.finish(3, 0, "stage stopped") == {10}
    (_, (_, _, _, error)), = sent
    assert isinstance(error, TaskKilledError) and str(error) == "stage stopped"
