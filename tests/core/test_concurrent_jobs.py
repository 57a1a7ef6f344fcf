"""Jobs submitted from several threads of one context share the task slots.

Tasks wait on files that a driver-side listener creates when a job is
submitted or ends, so every interleaving asserted here is forced, not timed.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from operator import add

import cloudpickle
import pytest

from minispark import SparkConf, SparkContext
from minispark.common.errors import SparkException
from minispark.scheduler.events import SparkListener

WAIT = 60.0  # seconds a gated task waits before giving up (a failed test, not a hang)


def _await_file(path: str) -> bool:
    deadline = time.monotonic() + WAIT
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class _Gates(SparkListener):
    """Creates ``<group>.submitted`` / ``<group>.ended`` in a folder as jobs of a
    job group start and end, and keeps the events for assertions."""

    def __init__(self, folder) -> None:
        self.folder = str(folder)
        self.events: list = []
        self.group_of: dict[int, str] = {}
        self.lock = threading.Lock()

    def on_event(self, event) -> None:
        with self.lock:
            self.events.append(event)
        name = type(event).__name__
        if name == "JobStart" and event.job_group:
            self.group_of[event.job_id] = event.job_group
            self.touch(f"{event.job_group}.submitted")
        elif name == "JobEnd" and event.job_id in self.group_of:
            self.touch(f"{self.group_of[event.job_id]}.ended")

    def touch(self, name: str) -> None:
        open(self.path(name), "w").close()

    def path(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def task_starts(self, group: str, stage_ids: set[int] | None = None) -> list:
        """TaskStart events of the group's jobs' stages, in order."""
        stages = set()
        for e in self.snapshot("JobStart"):
            if e.job_group == group:
                stages.update(e.stage_ids)
        return [e for e in self.snapshot("TaskStart") if e.stage_id in (stage_ids or stages)]

    def snapshot(self, name: str) -> list:
        with self.lock:
            return [e for e in self.events if type(e).__name__ == name]

    def wait_for(self, predicate, timeout: float = WAIT) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


@pytest.fixture
def gates(sc, tmp_path):
    listener = _Gates(tmp_path)
    sc.addSparkListener(listener)
    yield listener
    sc.removeSparkListener(listener)


def _in_thread(sc, group: str, action, pool: str | None = None):
    """Run ``action()`` in a new thread under job group ``group``; (thread, outcome)."""
    outcome: dict = {}

    def body():
        sc.setJobGroup(group, group)
        if pool is not None:
            sc.setLocalProperty("spark.scheduler.pool", pool)
        try:
            outcome["value"] = action()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread, outcome


def _join(*threads) -> None:
    for thread in threads:
        thread.join(WAIT * 2)
        assert not thread.is_alive(), "a job thread did not finish"


def _gated(path: str, value):
    """The task's value once ``path`` exists; a gate never opened fails the task."""
    if not _await_file(path):
        raise TimeoutError(f"{path} never appeared")
    return value


def _assert_two_jobs_overlap(ctx, gates) -> None:
    """Each job's task waits until the other job's task has started: both finish
    only if they ran at the same time. One slot runs them one after the other."""
    slots = ctx._backend.parallelism
    a_started, b_started = gates.path("a.task"), gates.path("b.task")

    def task(mine: str, other: str):
        def run(it):
            open(mine, "w").close()
            return [_gated(other, sum(it))] if slots > 1 else [sum(it)]
        return run

    rdd_a = ctx.parallelize(range(10), 1)
    rdd_b = ctx.parallelize(range(100), 1)
    a, out_a = _in_thread(ctx, "a", lambda: rdd_a.mapPartitions(task(a_started, b_started))
                          .collect())
    b, out_b = _in_thread(ctx, "b", lambda: rdd_b.mapPartitions(task(b_started, a_started))
                          .collect())
    _join(a, b)
    assert out_a == {"value": [sum(range(10))]} and out_b == {"value": [sum(range(100))]}
    if slots > 1:
        ends = gates.snapshot("TaskEnd")
        first_end = min(e.time for e in ends)
        assert gates.task_starts("a")[0].time <= first_end
        assert gates.task_starts("b")[0].time <= first_end


def test_jobs_of_two_threads_run_at_once_when_slots_allow(sc, gates):
    _assert_two_jobs_overlap(sc, gates)


def test_jobs_overlap_and_cancel_alone_on_a_dask_cluster(tmp_path):
    from cluster.conftest import (dask_master, registered_executors, start_cluster,
                                  stop_active_context)

    stop_active_context()
    (tmp_path / "dask").mkdir()
    with start_cluster(2, str(tmp_path / "dask")) as cluster:
        conf = (SparkConf().set("spark.ui.port", "0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s"))
        ctx = SparkContext(dask_master(cluster), "tests-dask-concurrent", conf=conf)
        # Dask's workers cannot import this test module: ship its helpers by value.
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
        try:
            registered_executors(ctx, 2)
            gates = _Gates(tmp_path)
            ctx.addSparkListener(gates)
            _assert_two_jobs_overlap(ctx, gates)
            _assert_cancel_leaves_the_other_job(ctx, gates)
        finally:
            cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
            ctx.stop()


def test_fifo_runs_every_task_of_the_earlier_job_first(sc, gates):
    """A job of 6 tasks whose tasks wait until a second job is submitted: FIFO
    starts all 6 before any of the second job's."""
    submitted_b = gates.path("b.submitted")
    first = sc.parallelize(range(60), 6).map(lambda x: _gated(submitted_b, x * 2))
    a, out_a = _in_thread(sc, "a", first.collect)
    assert gates.wait_for(lambda: gates.task_starts("a"))
    b, out_b = _in_thread(sc, "b", sc.parallelize(range(20), 2).map(lambda x: x + 1).collect)
    _join(a, b)
    assert out_a == {"value": [x * 2 for x in range(60)]}
    assert out_b == {"value": [x + 1 for x in range(20)]}
    last_a = max(e.task_id for e in gates.task_starts("a"))
    first_b = min(e.task_id for e in gates.task_starts("b"))
    assert len(gates.task_starts("a")) == 6 and last_a < first_b


POOLS_XML = """<?xml version="1.0"?>
<allocations>
  <pool name="fast"><schedulingMode>FIFO</schedulingMode><weight>1</weight>
    <minShare>1</minShare></pool>
</allocations>
"""


@pytest.mark.parametrize("master,backend", [("local[2]", "process"), ("local[1]", "process"),
                                            ("local[2]", "inline")])
def test_fair_pool_below_its_min_share_gets_the_next_slot(make_context, tmp_path, master,
                                                          backend):
    """FAIR: a job in pool "fast" (minShare 1) submitted while a 6-task job of the
    default pool holds every slot starts before that job's last task."""
    allocation = tmp_path / "pools.xml"
    allocation.write_text(POOLS_XML)
    ctx = make_context(master, backend, **{"spark.scheduler.mode": "FAIR",
                                           "spark.scheduler.allocation.file": str(allocation)})
    gates = _Gates(tmp_path)
    ctx.addSparkListener(gates)
    submitted_b = gates.path("b.submitted")
    slow = ctx.parallelize(range(60), 6).map(lambda x: _gated(submitted_b, x))
    a, out_a = _in_thread(ctx, "a", slow.sum)
    assert gates.wait_for(lambda: gates.task_starts("a"))
    b, out_b = _in_thread(ctx, "b", ctx.parallelize(range(8), 2).collect, pool="fast")
    _join(a, b)
    assert out_a == {"value": sum(range(60))} and out_b == {"value": list(range(8))}
    last_a = max(e.task_id for e in gates.task_starts("a"))
    assert min(e.task_id for e in gates.task_starts("b")) < last_a


def test_fair_pools_with_equal_weights_share_the_slots(make_context, tmp_path):
    """Without an allocation file every pool has weight 1: the pool running
    fewer tasks gets the slot, so the second job starts before the first ends."""
    ctx = make_context("local[2]", **{"spark.scheduler.mode": "fair"})
    gates = _Gates(tmp_path)
    ctx.addSparkListener(gates)
    submitted_b = gates.path("b.submitted")
    slow = ctx.parallelize(range(80), 8).map(lambda x: _gated(submitted_b, x))
    a, out_a = _in_thread(ctx, "a", slow.collect, pool="one")
    assert gates.wait_for(lambda: len(gates.task_starts("a")) == 2)
    b, out_b = _in_thread(ctx, "b", ctx.parallelize(range(40), 4).collect, pool="two")
    _join(a, b)
    assert out_a == {"value": list(range(80))} and out_b == {"value": list(range(40))}
    last_a = max(e.task_id for e in gates.task_starts("a"))
    assert min(e.task_id for e in gates.task_starts("b")) < last_a


def test_unknown_scheduling_mode_is_refused(make_context):
    with pytest.raises(ValueError, match="spark.scheduler.mode"):
        make_context("local[1]", **{"spark.scheduler.mode": "ROUND_ROBIN"})


def _assert_cancel_leaves_the_other_job(sc, gates) -> None:
    """The victim's task holds a slot until cancelled; the survivor's shuffle job
    (submitted meanwhile) completes with an exact result."""
    release = gates.path("release")
    # Two tasks: an uninterruptible in-driver task that finishes after the cancel
    # still leaves the other one, which the cancelled job never runs.
    victim = sc.parallelize(range(4), 2).map(lambda x: _gated(release, x))
    a, out_a = _in_thread(sc, "victim", victim.collect)
    assert gates.wait_for(lambda: gates.task_starts("victim"))
    data = [(i % 7, i) for i in range(300)]
    survivor = sc.parallelize(data, 3).reduceByKey(add, 2)
    b, out_b = _in_thread(sc, "survivor", survivor.collect)
    assert _await_file(gates.path("survivor.submitted"))
    sc.cancelJobGroup("victim")
    gates.touch("release")  # an in-driver (inline) task cannot be interrupted: let it end
    _join(a, b)
    assert isinstance(out_a.get("error"), SparkException)
    assert "cancelled part of cancelled job group victim" in str(out_a["error"])
    expected: dict = {}
    for k, v in data:
        expected[k] = expected.get(k, 0) + v
    assert sorted(out_b["value"]) == sorted(expected.items())


def test_cancelling_one_group_leaves_the_other_job_running(sc, gates):
    _assert_cancel_leaves_the_other_job(sc, gates)


def test_a_failing_job_does_not_affect_the_other(sc, gates):
    """The first job's tasks fail once the second is submitted; the second's tasks
    only run after the first failed, and its result is exact."""
    submitted_b, ended_a = gates.path("b.submitted"), gates.path("a.ended")

    def explode(x):
        _gated(submitted_b, x)
        raise ValueError("boom in job a")

    a, out_a = _in_thread(sc, "a", sc.parallelize(range(4), 2).map(explode).collect)
    assert gates.wait_for(lambda: gates.task_starts("a"))
    b, out_b = _in_thread(sc, "b", sc.parallelize(range(50), 5)
                          .map(lambda x: _gated(ended_a, x * x)).sum)
    _join(a, b)
    assert "boom in job a" in str(out_a.get("error"))
    assert out_b == {"value": sum(x * x for x in range(50))}


def test_two_jobs_reading_one_new_shuffle_run_its_map_stage_once(sc, gates):
    both = gates.path("second.submitted")
    data = [(f"k{i % 11}", i) for i in range(500)]
    pairs = sc.parallelize(data, 4).map(lambda kv: _gated(both, kv))
    summed = pairs.reduceByKey(add, 3)
    first, out_first = _in_thread(sc, "first", summed.collect)
    assert gates.wait_for(lambda: gates.task_starts("first"))
    second, out_second = _in_thread(sc, "second", summed.count)
    _join(first, second)
    expected: dict = {}
    for k, v in data:
        expected[k] = expected.get(k, 0) + v
    assert sorted(out_first["value"]) == sorted(expected.items())
    assert out_second == {"value": len(expected)}
    map_stages = {e.info.stage_id for e in gates.snapshot("StageSubmitted")
                  if e.info.is_shuffle_map}
    assert len(map_stages) == 1
    map_starts = [e for e in gates.snapshot("TaskStart") if e.stage_id in map_stages]
    assert sorted(e.partition for e in map_starts) == [0, 1, 2, 3]


def test_stop_fails_every_running_job_and_leaves_no_process(make_context, tmp_path):
    ctx = make_context("local[2]")
    gates = _Gates(tmp_path)
    ctx.addSparkListener(gates)
    never = gates.path("never")
    pids = [ctx._backend.pid_of(e) for e in ctx._backend.executor_ids()]
    a, out_a = _in_thread(ctx, "a", ctx.parallelize(range(2), 1).map(
        lambda x: _gated(never, x)).collect)
    b, out_b = _in_thread(ctx, "b", ctx.parallelize(range(2), 1).map(
        lambda x: _gated(never, x)).collect)
    assert gates.wait_for(lambda: gates.task_starts("a") and gates.task_starts("b"))
    ctx.stop()
    _join(a, b)
    for outcome in (out_a, out_b):
        assert isinstance(outcome.get("error"), SparkException)
        assert "SparkContext was shut down" in str(outcome["error"])
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
