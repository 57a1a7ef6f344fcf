"""The driver at cluster scale, simulated: the real DAGScheduler on a backend of no processes.

A :class:`SimulatedBackend` offers 100 executors; a task "runs" by being
answered at once (or after ``--task-ms``): a map task with a synthetic map
status of ``R`` block sizes, a result task with a pickled ``None``. Results
travel pickled, as from real executors, so the driver pays for unpickling
them. The scheduler is the real one, driven through ``run_job`` on real RDD
lineages, with the listener bus of a real (inline) SparkContext, so the
status tracker and web UI listeners are fed as in an application.

Reported per job: task launches per second, over the wall time and over the
driver's share of it (the wall time less the simulated executors' work, which
runs inline here but on 100 machines in a cluster; the 5,000/s target is the
driver's), the scheduling delay of each task (from the moment it could run,
i.e. its stage was submitted and an executor was free, to its launch), and
the total time; then
the driver memory the map statuses of a 10,000 x 10,000 shuffle hold
(tracemalloc), compact as the executors send them, against plain per-block
size tuples. ``--profile`` prints the driver's hot spots (cProfile).

    python benchmarks/scheduler_sim.py                 # both jobs, ~1-2 min
    python benchmarks/scheduler_sim.py --tasks 20000 --maps 2000 --reduces 2000 --profile
"""
from __future__ import annotations

import argparse
import cProfile
import heapq
import io
import os
import pickle
import pstats
import random
import statistics
import sys
import time
import tracemalloc
from operator import add

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minispark import SparkConf, SparkContext  # noqa: E402
from minispark.common import serialization  # noqa: E402
from minispark.scheduler.backend import Event, ExecutorBackend  # noqa: E402
from minispark.scheduler.dag import DAGScheduler  # noqa: E402
from minispark.scheduler.events import SparkListener, StageSubmitted  # noqa: E402
from minispark.scheduler.lineage import deserialize_stage  # noqa: E402
from minispark.scheduler.task import SHUFFLE_MAP, TaskDescription, TaskResult  # noqa: E402
from minispark.shuffle.handle import MapStatus  # noqa: E402
from minispark.shuffle.mapstatus import ExactSizes  # noqa: E402

TARGET_LAUNCHES_PER_S = 5_000
TARGET_STATUS_MB = 200


class SyntheticSizes:
    """Block sizes of map outputs as a skewed real shuffle gives them, made cheaply.

    A few random templates (mostly 1-64 KiB blocks, ~3% empty, a rare 5 MiB
    block), each map task taking one rotated by its index, so no two map tasks
    report the same list and building one costs a slice, not R random draws.
    """

    TEMPLATES = 16

    def __init__(self, reduces: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.templates = [[0 if rng.random() < 0.03 else
                           (5 << 20) if rng.random() < 0.0005 else rng.randrange(1 << 10, 64 << 10)
                           for _ in range(reduces)] for _ in range(self.TEMPLATES)]

    def __call__(self, map_index: int) -> tuple[int, ...]:
        template = self.templates[map_index % self.TEMPLATES]
        cut = (map_index * 7919) % len(template) if template else 0
        return tuple(template[cut:] + template[:cut])


def synthetic_status(shuffle_id: int, map_index: int, sizes: tuple[int, ...],
                     executor_id: str) -> MapStatus:
    """A map status as a real writer makes it (exact sizes, before compaction)."""
    path = f"/data/spark-local/app/shuffle/shuffle_{shuffle_id}_{map_index}.data"
    return MapStatus(shuffle_id, map_index, path, ExactSizes(sizes), sum(sizes) // 100,
                     executor_id, (f"10.0.{int(executor_id) // 250}.{int(executor_id) % 250}",
                                   7337))


class SimulatedBackend(ExecutorBackend):
    """``executors`` single-slot executors that answer each task at once or after
    ``task_seconds``. What an executor would do (building the map status,
    pickling the result) is timed apart in ``executor_seconds``."""

    def __init__(self, executors: int = 100, task_seconds: float = 0.0) -> None:
        self.ids = [str(i) for i in range(executors)]
        self.task_seconds = task_seconds
        self._free = list(self.ids)
        self._due: list[tuple[float, int, str, bytes]] = []  # (finish, task id, executor, result)
        self._handles: dict[int, object] = {}
        self._sizes: dict[int, SyntheticSizes] = {}
        self.launches: list[tuple[float, int, str]] = []  # (time, stage id, executor)
        self.executor_seconds = 0.0

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    @property
    def parallelism(self) -> int:
        return len(self.ids)

    def free_executors(self) -> list[str]:
        return list(self._free)

    def executor_ids(self) -> list[str]:
        return self.ids

    def tell_all(self, message: tuple) -> None:
        pass

    def launch(self, executor_id: str, desc: TaskDescription, binary: bytes) -> None:
        now = time.perf_counter()
        self.launches.append((now, desc.stage_id, executor_id))
        self._free.remove(executor_id)
        result = pickle.dumps(self._run(executor_id, desc, binary), pickle.HIGHEST_PROTOCOL)
        heapq.heappush(self._due, (now + self.task_seconds, desc.task_id, executor_id, result))
        self.executor_seconds += time.perf_counter() - now

    def _run(self, executor_id: str, desc: TaskDescription, binary: bytes) -> TaskResult:
        if desc.kind != SHUFFLE_MAP:
            return TaskResult(desc.task_id, executor_id, True, serialization.dumps(None))
        handle = self._handles.get(desc.binary_id)
        if handle is None:  # an executor unpickles each stage binary once
            handle = self._handles[desc.binary_id] = deserialize_stage(binary)[1]
        sizes = self._sizes.get(handle.shuffle_id)
        if sizes is None:
            sizes = self._sizes[handle.shuffle_id] = SyntheticSizes(handle.num_partitions)
        status = synthetic_status(handle.shuffle_id, desc.partition, sizes(desc.partition),
                                  executor_id)
        return TaskResult(desc.task_id, executor_id, True, status.compact())

    def poll(self, timeout: float | None) -> list[Event]:
        if self._due and timeout != 0:
            wait = self._due[0][0] - time.perf_counter()
            if wait > 0:
                time.sleep(wait if timeout is None else min(wait, timeout))
        now, events = time.perf_counter(), []
        while self._due and self._due[0][0] <= now:
            _, _, executor_id, result = heapq.heappop(self._due)
            events.append(pickle.loads(result))
            self._free.append(executor_id)
        return events


class StageClock(SparkListener):
    """When each stage was submitted (its tasks became runnable)."""

    def __init__(self) -> None:
        self.submitted: dict[int, float] = {}

    def on_stage_submitted(self, e: StageSubmitted) -> None:
        self.submitted[e.info.stage_id] = time.perf_counter()


def scheduling_delays(backend: SimulatedBackend, clock: StageClock) -> list[float]:
    """Per launch: seconds from when the task could have run (stage submitted and
    its executor free again) to its launch."""
    free_since = dict.fromkeys(backend.ids, 0.0)  # when its previous task finished
    delays = []
    for launched, stage_id, executor_id in backend.launches:
        delays.append(launched - max(clock.submitted[stage_id], free_since[executor_id]))
        free_since[executor_id] = launched + backend.task_seconds
    return delays


def make_context() -> SparkContext:
    conf = (SparkConf().set("minispark.executor.backend", "inline")
            .set("spark.ui.showConsoleProgress", "false").set("spark.ui.port", "0"))
    return SparkContext("local[1]", "scheduler-sim", conf=conf)


def run_job(sc: SparkContext, rdd, args, label: str, profile: bool) -> dict:
    """Run ``rdd`` to the end on a fresh simulated backend; return its figures."""
    backend = SimulatedBackend(args.executors, args.task_ms / 1000)
    clock = StageClock()
    sc._bus.add_listener(clock)
    scheduler = DAGScheduler(backend, sc._bus, sc._block_master, sc._scheduler.settings,
                             sc._merge_accumulators)
    partitions = list(range(rdd.getNumPartitions()))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    results = scheduler.run_job(rdd, lambda ctx, it: None, partitions)
    if profiler:
        profiler.disable()
    total = time.perf_counter() - started
    sc._bus.remove_listener(clock)
    assert len(results) == len(partitions)
    delays = sorted(scheduling_delays(backend, clock))
    launches = len(backend.launches)
    driver = total - backend.executor_seconds
    figures = {
        "job": label, "tasks launched": launches, "total s": total,
        "simulated executor work s": backend.executor_seconds,
        "launches/s (wall)": launches / total, "launches/s (driver only)": launches / driver,
        "delay median ms": 1000 * statistics.median(delays),
        "delay p99 ms": 1000 * delays[int(0.99 * (len(delays) - 1))],
        "delay max ms": 1000 * delays[-1],
    }
    if profiler:
        figures["profile"] = hot_spots(profiler)
    return figures


def hot_spots(profiler: cProfile.Profile, top: int = 14) -> str:
    """The functions the driver spent most of its own time in."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def status_memory(maps: int, reduces: int, plain_sample: int) -> dict:
    """Driver bytes held by ``maps`` map statuses of ``reduces`` blocks, as received
    (unpickled): compact, and plain tuples (measured on a sample, scaled)."""
    sizes = SyntheticSizes(reduces)

    def received(index: int, compact: bool) -> MapStatus:
        status = synthetic_status(0, index, sizes(index), str(index % 100))
        return pickle.loads(pickle.dumps(status.compact() if compact else status))

    figures = {}
    for label, count, compact in (("compact", maps, True), ("plain", plain_sample, False)):
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        kept = [received(i, compact) for i in range(count)]
        held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        figures[f"{label} MB for {maps} maps"] = held * maps / count / 1e6
        figures[f"{label} bytes per status"] = held / count
        del kept
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--executors", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks of the one-stage job")
    parser.add_argument("--maps", type=int, default=10_000)
    parser.add_argument("--reduces", type=int, default=10_000)
    parser.add_argument("--task-ms", type=float, default=0.0,
                        help="simulated duration of every task (default: answered at once)")
    parser.add_argument("--plain-sample", type=int, default=500,
                        help="map statuses measured in the uncompressed form (then scaled)")
    parser.add_argument("--jobs", default="single,shuffle,memory")
    parser.add_argument("--profile", action="store_true", help="cProfile each job's driver")
    args = parser.parse_args()
    jobs = args.jobs.split(",")
    sc = make_context()
    try:
        if "single" in jobs:
            rdd = sc.parallelize(range(args.tasks), args.tasks).map(lambda x: x + 1)
            report(run_job(sc, rdd, args, f"{args.tasks:,} tasks, one stage", args.profile))
        if "shuffle" in jobs:
            rdd = (sc.parallelize(range(args.maps), args.maps).map(lambda x: (x, 1))
                   .reduceByKey(add, args.reduces))
            report(run_job(sc, rdd, args, f"{args.maps:,} x {args.reduces:,} shuffle",
                           args.profile))
    finally:
        sc.stop()
    if "memory" in jobs:
        report({"job": f"map statuses, {args.maps:,} x {args.reduces:,}",
                **status_memory(args.maps, args.reduces, args.plain_sample)})


def report(figures: dict) -> None:
    profile = figures.pop("profile", None)
    print(f"== {figures.pop('job')}")
    for name, value in figures.items():
        print(f"  {name}: {value:,.3f}" if isinstance(value, float) else f"  {name}: {value:,}")
    for name, value in figures.items():
        if name.startswith("launches/s (driver only)"):
            print(f"  target >= {TARGET_LAUNCHES_PER_S:,}/s: "
                  f"{'met' if value >= TARGET_LAUNCHES_PER_S else 'MISSED'}")
        if name.startswith("compact MB"):
            print(f"  target < {TARGET_STATUS_MB} MB: "
                  f"{'met' if value < TARGET_STATUS_MB else 'MISSED'}")
    if profile:
        print(profile)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
