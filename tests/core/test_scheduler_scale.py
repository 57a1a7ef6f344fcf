"""The scheduler's indexes for scale keep its choices: locality, delay scheduling,
FIFO and FAIR, the map-output locations reducers get, and fetch-failure recovery.

Timings are not tested here (see ``benchmarks/scheduler_sim.py``).
"""
from __future__ import annotations

import pickle
import random
import threading
from types import SimpleNamespace

import pytest

from minispark.common import serialization
from minispark.scheduler import events as ev
from minispark.scheduler.backend import ExecutorBackend
from minispark.scheduler.dag import DAGScheduler, SchedulerSettings
from minispark.scheduler.pools import PendingTasks
from minispark.scheduler.task import MapLocations, TaskResult
from minispark.shuffle.handle import MapLocation
from minispark.shuffle.writer import data_path
from minispark.storage.block_manager import BlockStatus, rdd_block_id
from minispark.storage.block_master import BlockManagerMaster
from minispark.storagelevel import StorageLevel

WAIT = 3.0


def scan_pick(queue: list, executor_id: str, now: float, alive: frozenset | None):
    """The oracle: one scan of the queue, the first task preferring ``executor_id``,
    else the first that may run anywhere (no preference, waited, or executors gone)."""
    fallback = None
    for task in queue:
        if executor_id in task.preferred:
            queue.remove(task)
            return task
        if fallback is None and (not task.preferred or now - task.queued_at >= WAIT
                                 or (alive is not None and alive.isdisjoint(task.preferred))):
            fallback = task
    if fallback is not None:
        queue.remove(fallback)
    return fallback


def random_task(rng: random.Random, name: int, now: float) -> SimpleNamespace:
    preferred = tuple(rng.sample([f"e{i}" for i in range(6)], rng.choice([0, 0, 1, 2])))
    return SimpleNamespace(name=name, preferred=preferred, queued_at=now - rng.random() * 4)


@pytest.mark.parametrize("seed", range(20))
def test_pending_tasks_pick_as_one_scan_of_the_queue_would(seed):
    rng = random.Random(seed)
    index, queue, now, names = PendingTasks(), [], 100.0, iter(range(10 ** 6))
    alive = None
    for _ in range(600):
        op = rng.random()
        now += rng.random() * 0.5
        if op < 0.35:
            task = random_task(rng, next(names), now)
            index.append(task)
            queue.append(task)
        elif op < 0.45:
            task = SimpleNamespace(name=next(names), preferred=(), queued_at=now)
            index.appendleft(task)
            queue.insert(0, task)
        elif op < 0.5:
            alive = frozenset(rng.sample([f"e{i}" for i in range(6)], 4))
        elif op < 0.53:
            dropped = index.remove_if(lambda t: t.name % 7 == 0)
            expected = [t for t in queue if t.name % 7 == 0]
            assert dropped == expected
            queue = [t for t in queue if t.name % 7 != 0]
        else:
            executor_id = f"e{rng.randrange(6)}"
            assert index.pick(executor_id, now, WAIT, alive) is scan_pick(
                queue, executor_id, now, alive)
        assert len(index) == len(queue)
        assert list(index) == queue
        assert index.oldest() == min((t.queued_at for t in queue), default=None)


def test_a_task_waits_for_its_executor_until_the_locality_wait_is_over():
    index = PendingTasks()
    cached = SimpleNamespace(preferred=("e1",), queued_at=0.0)
    index.append(cached)
    assert index.pick("e0", now=WAIT - 0.5, locality_wait=WAIT) is None
    assert index.pick("e0", now=WAIT, locality_wait=WAIT) is cached


def test_a_task_whose_executors_are_gone_runs_anywhere_at_once():
    index = PendingTasks()
    cached = SimpleNamespace(preferred=("e1",), queued_at=0.0)
    index.append(cached)
    assert index.pick("e0", 0.0, WAIT, alive=frozenset({"e0", "e1"})) is None
    assert index.pick("e0", 0.0, WAIT, alive=frozenset({"e0"})) is cached


# ---- the DAG scheduler on a backend that records its launches -----------------------


class RecordingBackend(ExecutorBackend):
    """Executors that finish each task at the next poll; ``busy`` ones never get a
    task, and none does until ``gate`` opens."""

    def __init__(self, executors: list[str], busy: tuple[str, ...] = ()) -> None:
        self.ids = executors
        self._free = [e for e in executors if e not in busy]
        self._done: list[TaskResult] = []
        self.launches: list[tuple[str, int, str]] = []  # (executor, partition, job tag)
        self.gate = threading.Event()
        self.gate.set()
        self._wake = threading.Event()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    @property
    def parallelism(self) -> int:
        return len(self.ids)

    def free_executors(self) -> list[str]:
        return list(self._free) if self.gate.is_set() else []

    def executor_ids(self) -> list[str]:
        return self.ids

    def launch(self, executor_id, desc, binary) -> None:
        self._free.remove(executor_id)
        self.launches.append((executor_id, desc.partition, desc.local_properties.get("tag", "")))
        self._done.append(TaskResult(desc.task_id, executor_id, True, serialization.dumps(None)))

    def poll(self, timeout):
        if not self._done:
            self._wake.wait(0.01 if timeout is None else min(timeout, 0.01))
            self._wake.clear()
        events, self._done = self._done, []
        self._free.extend(e.executor_id for e in events)
        return events

    def wake(self) -> None:
        self._wake.set()

    def tell_all(self, message) -> None:
        pass


def make_scheduler(backend, **settings) -> DAGScheduler:
    return DAGScheduler(backend, ev.ListenerBus(), BlockManagerMaster(),
                        SchedulerSettings(**settings), lambda updates: None)


@pytest.fixture
def isc(make_context):
    """A context to build lineages with (its own backend runs nothing here)."""
    return make_context("local[1]", backend="inline", **{"spark.ui.enabled": "false"})


def cache_on(scheduler: DAGScheduler, rdd, where: dict[int, str]) -> None:
    """Tell the scheduler that ``where[p]`` caches partition ``p`` of ``rdd``."""
    for partition, executor_id in where.items():
        scheduler.blocks.update(BlockStatus(rdd_block_id(rdd.id(), partition), executor_id,
                                            StorageLevel.MEMORY_ONLY, 10, 0))


def run(scheduler, rdd, **properties):
    partitions = list(range(rdd.getNumPartitions()))
    return scheduler.run_job(rdd, lambda ctx, it: None, partitions, properties=properties)


def test_cached_partitions_run_where_they_are_cached_and_the_rest_in_order(isc):
    backend = RecordingBackend(["e0", "e1", "e2"])
    scheduler = make_scheduler(backend, locality_wait=3600.0)
    rdd = isc.parallelize(range(40), 20).map(lambda x: x).cache()
    where = {p: f"e{p % 3}" for p in range(0, 20, 2)}  # even partitions cached
    cache_on(scheduler, rdd, where)
    run(scheduler, rdd)
    ran = {p: e for e, p, _ in backend.launches}
    assert sorted(ran) == list(range(20))
    assert all(ran[p] == e for p, e in where.items())
    uncached = [p for _, p, _ in backend.launches if p not in where]
    assert uncached == sorted(uncached)  # no preference: FIFO


def test_a_busy_executors_tasks_go_elsewhere_once_the_locality_wait_is_over(isc):
    backend = RecordingBackend(["e0", "e1"], busy=("e1",))
    scheduler = make_scheduler(backend, locality_wait=0.05)
    rdd = isc.parallelize(range(8), 4).map(lambda x: x).cache()
    cache_on(scheduler, rdd, {0: "e1", 3: "e1"})
    run(scheduler, rdd)
    order = [p for _, p, _ in backend.launches]
    assert {e for e, _, _ in backend.launches} == {"e0"}
    # The uncached partitions run first, then the cached ones as their wait ends.
    assert order == [1, 2, 0, 3]


def test_tasks_cached_on_a_lost_executor_do_not_wait(isc):
    backend = RecordingBackend(["e0"])
    scheduler = make_scheduler(backend, locality_wait=3600.0)
    rdd = isc.parallelize(range(8), 4).map(lambda x: x).cache()
    cache_on(scheduler, rdd, {1: "gone"})
    run(scheduler, rdd)  # would wait an hour if the lost executor were waited for
    assert [p for _, p, _ in backend.launches] == [0, 1, 2, 3]


def run_two_jobs(isc, backend, scheduler, first: dict, second: dict) -> None:
    """Submit two 6-task jobs from two threads before any executor is free."""
    backend.gate.clear()
    threads = []
    for properties in (first, second):
        rdd = isc.parallelize(range(12), 6).map(lambda x: x)
        thread = threading.Thread(target=run, args=(scheduler, rdd), kwargs=properties)
        thread.start()
        threads.append(thread)
        while len(scheduler._jobs) < len(threads):
            threading.Event().wait(0.005)
    backend.gate.set()
    backend.wake()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()


def test_fifo_runs_the_first_job_before_the_second(isc):
    backend = RecordingBackend(["e0", "e1"])
    scheduler = make_scheduler(backend)
    run_two_jobs(isc, backend, scheduler, {"tag": "a"}, {"tag": "b"})
    assert [tag for _, _, tag in backend.launches] == ["a"] * 6 + ["b"] * 6


def test_fair_pools_share_the_executors(isc):
    backend = RecordingBackend(["e0", "e1"])
    scheduler = make_scheduler(backend, scheduling_mode="FAIR")
    run_two_jobs(isc, backend, scheduler, {"tag": "a", "spark.scheduler.pool": "pa"},
                 {"tag": "b", "spark.scheduler.pool": "pb"})
    # Each free executor goes to the pool running fewer tasks (ties by name).
    assert [tag for _, _, tag in backend.launches] == ["a", "b"] * 6


# ---- map-output locations ---------------------------------------------------------------


def test_map_locations_ship_compactly_and_arrive_whole():
    writers = [(f"/local/exec-{e}/shuffle", str(e), (f"10.0.0.{e}", 7000 + e)) for e in range(4)]
    locations = [MapLocation(data_path(d, 5, i), e, a) for i, (d, e, a) in
                 ((i, writers[i % 4]) for i in range(1000))]
    locations[7] = MapLocation("")  # lost
    locations[9] = MapLocation("/other/place.data", "2", ("10.0.0.2", 7002))
    shipped = MapLocations(locations, 5)
    data = pickle.dumps(shipped)
    assert list(pickle.loads(data)) == locations
    assert len(data) < len(pickle.dumps(locations)) / 4
    assert pickle.dumps(pickle.loads(data)) == data


def test_every_reduce_task_of_a_stage_shares_one_location_list(sc):
    from operator import add

    counts = sc.parallelize(range(60), 6).map(lambda x: (x % 5, 1)).reduceByKey(add, 4)
    assert dict(counts.collect()) == {k: 12 for k in range(5)}
    stage = sc._scheduler.shuffle_stages[counts.dependencies[0].shuffle_id]
    first = stage.locations()
    assert first is stage.locations()
    assert [loc.path for loc in first] == [s.path for s in stage.outputs]
    stage.set_output(2, None)  # a lost output: reducers see an empty path
    assert stage.locations()[2].path == "" and not stage.available
