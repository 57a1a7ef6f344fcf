"""Applications on a Dask cluster give exactly the results plain Python gives,
and survive executors and Dask workers killed mid-stage."""
from __future__ import annotations

import collections
import os
import signal
import threading
from operator import add

import distributed
import pytest

from minispark import StorageLevel, TaskContext
from tests.cli.helpers import clean_env, run_minispark
from tests.cluster.conftest import WORKERS, dask_master, executor_pids, registered_executors
from tests.faults.procs import child_pids, wait_until

LINES = [f"w{i % 7} w{i % 3} w{i % 11}" for i in range(600)]


def word_count(lines):
    return collections.Counter(w for line in lines for w in line.split())


def test_executors_are_processes_of_the_dask_workers_each_with_its_own_directory(
        dask_sc, dask_cluster):
    backend = dask_sc._backend
    ids = registered_executors(dask_sc, WORKERS)
    with distributed.Client(dask_cluster) as client:
        worker_pids = client.run(os.getpid)
    for executor_id in ids:
        parent = int(open(f"/proc/{backend.pid_of(executor_id)}/stat").read()
                     .rsplit(")", 1)[1].split()[1])
        assert parent == worker_pids[backend.worker_address_of(executor_id)]
    dirs = dask_sc.parallelize(range(8), 8).map(
        lambda _: os.path.realpath(TaskContext.get()._env.settings.app_dir)).distinct().collect()
    assert len(dirs) == WORKERS
    assert not any(d.startswith(os.path.realpath(dask_sc._app_dir)) for d in dirs)


def test_word_count_fetches_map_outputs_over_the_network(dask_sc, record_events):
    events = record_events(dask_sc)
    counts = (dask_sc.parallelize(LINES, 6).flatMap(str.split).map(lambda w: (w, 1))
              .reduceByKey(add, 4).collect())
    assert dict(counts) == word_count(LINES)
    assert len(counts) == len(word_count(LINES))
    remote = sum(e.metrics.shuffle_remote_bytes_read for e in events.of("TaskEnd"))
    assert remote > 0


def test_join_and_sort_match_python(dask_sc):
    left = [(i % 50, i) for i in range(500)]
    right = [(k, f"v{k}") for k in range(0, 80, 3)]
    joined = dask_sc.parallelize(left, 5).join(dask_sc.parallelize(right, 3), 4).collect()
    expected = [(k, (v, f"v{k}")) for k, v in left if k in dict(right)]
    assert sorted(joined) == sorted(expected)
    values = [(i * 7919) % 1000 for i in range(2000)]
    assert dask_sc.parallelize(values, 5).sortBy(lambda x: -x, numPartitions=3).collect() == \
        sorted(values, reverse=True)


def test_cache_broadcast_and_accumulators(dask_sc):
    computed = dask_sc.accumulator(0)
    factor = dask_sc.broadcast({"k": 3})

    def scale(x):
        computed.add(1)
        return x * factor.value["k"]

    rdd = dask_sc.parallelize(range(400), 4).map(scale).persist(StorageLevel.MEMORY_ONLY)
    assert rdd.sum() == 3 * sum(range(400))
    assert rdd.filter(lambda x: x % 2 == 0).count() == 200
    assert computed.value == 400  # computed once: the second job read the cached blocks
    assert len(dask_sc.getRDDStorageInfo()) == 1
    rdd.unpersist()
    factor.destroy()


def test_broadcast_and_added_files_are_fetched_from_the_driver(dask_sc, tmp_path):
    """Executors never read the driver's directory: each copies a broadcast, an added
    file and an added module from the driver's file service into its own."""
    table = dask_sc.broadcast({i: i * i for i in range(1000)})
    (tmp_path / "lookup.txt").write_text("forty-two")
    dask_sc.addFile(str(tmp_path / "lookup.txt"))
    (tmp_path / "shipped_helper.py").write_text("def triple(x):\n    return 3 * x\n")
    dask_sc.addPyFile(str(tmp_path / "shipped_helper.py"))

    def use(i):  # defined here: the executors cannot import this test module
        from minispark import SparkFiles
        import shipped_helper

        value = table.value[i]
        own = os.path.realpath(TaskContext.get()._env.settings.app_dir) + os.sep
        path = SparkFiles.get("lookup.txt")
        copy = os.path.join(own, "broadcast", f"broadcast_{table.id}")
        local = (os.path.realpath(path).startswith(own),
                 os.path.realpath(shipped_helper.__file__).startswith(own), os.path.exists(copy))
        return value, open(path).read(), shipped_helper.triple(i), local

    got = dask_sc.parallelize(range(0, 1000, 10), 4).map(use).collect()
    assert [g[:3] for g in got] == [(i * i, "forty-two", 3 * i) for i in range(0, 1000, 10)]
    assert {g[3] for g in got} == {(True, True, True)}
    table.destroy()


def _run_in_thread(job):
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _stall_first_attempt(marker_dir: str, partition: int):
    """A map function whose first attempt at ``partition`` writes its executor's
    pid to a marker file, then waits to be killed."""
    def step(records):
        ctx = TaskContext.get()
        if ctx.partitionId() == partition and ctx.attemptNumber() == 0:
            path = os.path.join(marker_dir, "started")
            with open(path + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.replace(path + ".tmp", path)
            threading.Event().wait(60)
        return records
    return step


def _wait_for_marker(marker_dir: str) -> int:
    path = os.path.join(marker_dir, "started")
    assert wait_until(lambda: os.path.exists(path), 60), "the task never started"
    return int(open(path).read())


@pytest.mark.parametrize("victim", ["executor", "dask worker"])
def test_a_process_killed_mid_stage_loses_its_executor_and_the_job_stays_exact(
        dask_sc, dask_cluster, tmp_path, victim):
    registered_executors(dask_sc, WORKERS)
    pairs = (dask_sc.parallelize(LINES, 4).mapPartitions(_stall_first_attempt(str(tmp_path), 2))
             .flatMap(str.split).map(lambda w: (w, 1)))
    thread, outcome = _run_in_thread(lambda: pairs.reduceByKey(add, 3).collect())
    pid = _wait_for_marker(str(tmp_path))
    assert pid in executor_pids(dask_sc)
    if victim == "dask worker":
        executor_id = next(e for e in dask_sc._backend.executor_ids()
                           if dask_sc._backend.pid_of(e) == pid)
        address = dask_sc._backend.worker_address_of(executor_id)
        with distributed.Client(dask_cluster) as client:
            pid = client.run(os.getpid, workers=[address])[address]
    os.kill(pid, signal.SIGKILL)
    thread.join(90)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert dict(outcome["value"]) == word_count(LINES)
    # The plugin (on a restarted worker, for a killed worker) starts a new executor.
    assert len(registered_executors(dask_sc, WORKERS)) == WORKERS


def test_map_outputs_of_a_killed_executor_are_computed_again(dask_sc):
    registered_executors(dask_sc, WORKERS)
    counts = dask_sc.parallelize(LINES, 4).flatMap(str.split).map(lambda w: (w, 1)) \
        .reduceByKey(add, 3)
    assert dict(counts.collect()) == word_count(LINES)
    before = executor_pids(dask_sc)
    os.kill(min(before), signal.SIGKILL)
    # The reduce stage still needs the map outputs the dead executor held.
    assert dict(counts.collect()) == word_count(LINES)
    assert dict(counts.mapValues(lambda n: n * 2).collect()) == \
        {w: 2 * n for w, n in word_count(LINES).items()}


def test_minispark_submit_runs_a_script_on_the_cluster(dask_sc, dask_cluster, tmp_path):
    script = tmp_path / "app.py"
    script.write_text(
        "import minispark; minispark.activate()\n"  # executors must resolve pyspark too
        "from operator import add\n"
        "from minispark.sql import SparkSession\n"
        "spark = SparkSession.builder.appName('wc').getOrCreate()\n"
        "sc = spark.sparkContext\n"
        "print('MASTER', sc.master)\n"
        "pairs = sc.parallelize(range(1000), 4).map(lambda x: (x % 7, x)).reduceByKey(add)\n"
        "print('RESULT', sorted(pairs.collect()))\n"
        "print('ALIAS', sc.parallelize(range(4), 4).map(lambda _: __import__('pyspark')"
        ".__name__).distinct().collect())\n"
        "spark.stop()\n")
    done = run_minispark("submit", "--master", dask_master(dask_cluster), str(script),
                         env=clean_env(), cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["MASTER"] == dask_master(dask_cluster)
    assert lines["RESULT"] == str([(k, sum(range(k, 1000, 7))) for k in range(7)])
    assert lines["ALIAS"] == "['minispark']"
    # Its executors ended with it; only this module's context's remain on the workers.
    with distributed.Client(dask_cluster) as client:
        worker_pids = client.run(os.getpid).values()
    registered_executors(dask_sc, WORKERS)
    on_workers = wait_until(lambda: set().union(*map(child_pids, worker_pids)) ==
                            executor_pids(dask_sc), 10)
    assert on_workers, (set().union(*map(child_pids, worker_pids)), executor_pids(dask_sc))
