"""Rough handling of a context's life: stop() from another thread mid-job, a
constructor that fails, Ctrl-C during an action, oversized results and
mistyped settings. Each case is injected, and each checks that no executor
process and no application folder is left behind."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from minispark import SparkConf, SparkContext
from minispark.common.errors import SparkException
from minispark.settings import ConfigError

from tests.faults.procs import alive, child_pids, wait_until

BACKENDS = [("local[2]", "inline"), ("local[1]", "process"), ("local[2]", "process")]
IDS = ["inline", "local[1]", "local[2]"]


def _executor_pids(sc: SparkContext) -> list[int]:
    backend = sc._backend
    ids = getattr(backend, "executor_ids", lambda: [])()
    return [backend.pid_of(i) for i in ids]


def _slow_tasks(marker_dir: Path, seconds: float):
    """Partitions that mark that they started, then sleep."""
    def work(index, it):
        (marker_dir / f"started-{index}").touch()
        time.sleep(seconds)
        return it
    return work


# ---- stop() from another thread while a job runs --------------------------------------

@pytest.mark.parametrize("master,backend", BACKENDS, ids=IDS)
def test_stop_from_another_thread_cancels_the_job_and_cleans_up(make_context, tmp_path,
                                                                 master, backend):
    sc = make_context(master, backend, **{"spark.local.dir": str(tmp_path)})
    pids = _executor_pids(sc)
    app_dir = sc._app_dir
    task_seconds = 3.0 if backend == "inline" else 20.0
    rdd = sc.parallelize(range(2), 2).mapPartitionsWithIndex(_slow_tasks(tmp_path, task_seconds))
    outcome: dict = {}

    def job():
        try:
            outcome["value"] = rdd.collect()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc

    thread = threading.Thread(target=job)
    thread.start()
    assert wait_until(lambda: list(tmp_path.glob("started-*")), 20)
    started = time.monotonic()
    stoppers = [threading.Thread(target=sc.stop) for _ in range(3)]
    for stopper in stoppers:
        stopper.start()
    sc.stop()
    for stopper in stoppers:
        stopper.join(30)
    thread.join(30)
    assert not thread.is_alive()
    # Process tasks are killed at once; an in-driver task can only finish first.
    assert time.monotonic() - started < task_seconds + 2
    assert isinstance(outcome.get("error"), SparkException), outcome
    assert "SparkContext was shut down" in str(outcome["error"])
    assert not os.path.exists(app_dir)
    assert not [p for p in pids if alive(p)]
    assert SparkContext._active_spark_context is None
    with pytest.raises(RuntimeError, match="stopped SparkContext"):
        rdd.count()


# ---- a constructor that fails -----------------------------------------------------------

@pytest.mark.parametrize("key,value", [
    ("spark.task.maxFailures", "abc"),
    ("spark.executor.memory", "lots"),
    ("spark.locality.wait", "soon"),
    ("spark.memory.storageFraction", "1.5"),
    ("spark.driver.maxResultSize", "big"),
    ("minispark.executor.backend", "threads"),
])
@pytest.mark.parametrize("backend", ["inline", "process"])
def test_a_bad_setting_fails_before_anything_is_created(tmp_path, key, value, backend):
    before = child_pids()
    conf = (SparkConf().set("minispark.executor.backend", backend)
            .set("spark.local.dir", str(tmp_path)).set(key, value))
    with pytest.raises(ConfigError) as info:
        SparkContext("local[2]", "bad-setting", conf=conf)
    assert key in str(info.value) and repr(value) in str(info.value)
    assert list(tmp_path.iterdir()) == []
    assert child_pids() == before
    assert SparkContext._active_spark_context is None


def test_a_missing_local_dir_is_named(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(ValueError, match="spark.local.dir"):
        SparkContext("local[1]", "bad-dir", conf=SparkConf().set("spark.local.dir", str(missing)))


@pytest.mark.parametrize("backend", ["inline", "process"])
def test_a_constructor_failing_late_undoes_what_it_created(tmp_path, monkeypatch, backend):
    from minispark import context as context_module

    def broken_scheduler(*args, **kwargs):
        raise RuntimeError("injected: the scheduler cannot start")

    before = child_pids()
    monkeypatch.setattr(context_module, "DAGScheduler", broken_scheduler)
    conf = (SparkConf().set("minispark.executor.backend", backend)
            .set("spark.local.dir", str(tmp_path)))
    with pytest.raises(RuntimeError, match="injected"):
        SparkContext("local[2]", "late-failure", conf=conf)
    assert list(tmp_path.iterdir()) == []
    assert wait_until(lambda: child_pids() == before, 10), child_pids() - before
    assert SparkContext._active_spark_context is None


# ---- Ctrl-C during an action ----------------------------------------------------------------

_INTERRUPTED_DRIVER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from minispark import SparkConf, SparkContext

    marker_dir = Path(sys.argv[3])

    def work(index, it):
        (marker_dir / f"started-{{index}}").touch()
        time.sleep(30)
        return it

    conf = SparkConf().set("minispark.executor.backend", sys.argv[2])
    sc = SparkContext(sys.argv[1], "interrupted", conf=conf)
    pids = [sc._backend.pid_of(i) for i in getattr(sc._backend, "executor_ids", list)()]
    try:
        sc.parallelize(range(2), 2).mapPartitionsWithIndex(work).collect()
        outcome = "finished"
    except KeyboardInterrupt:
        outcome = "interrupted"
    started = time.monotonic()
    squares = sc.parallelize(range(10), 2).map(lambda x: x * x).collect()
    print(json.dumps({{"outcome": outcome, "next_job_seconds": time.monotonic() - started,
                      "squares": squares, "pids": pids, "app_dir": sc._app_dir}}))
    sc.stop()
""")


@pytest.mark.parametrize("master,backend", BACKENDS, ids=IDS)
def test_ctrl_c_cancels_the_job_and_stops_its_tasks(tmp_path, master, backend):
    import json

    script = tmp_path / "driver.py"
    script.write_text(_INTERRUPTED_DRIVER.format())
    markers = tmp_path / "markers"
    markers.mkdir()
    driver = subprocess.Popen([sys.executable, str(script), master, backend, str(markers)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: list(markers.glob("started-*")), 30)
        driver.send_signal(signal.SIGINT)
        out, _ = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert driver.returncode == 0
    report = json.loads(out.strip().splitlines()[-1])
    assert report["outcome"] == "interrupted"
    assert report["squares"] == [x * x for x in range(10)]
    assert report["next_job_seconds"] < 10  # the 30-second tasks did not hold executors
    assert not os.path.exists(report["app_dir"])
    assert not [p for p in report["pids"] if alive(p)]


# ---- spark.driver.maxResultSize -----------------------------------------------------------

@pytest.mark.parametrize("backend", ["inline", "process"])
def test_results_larger_than_max_result_size_abort_the_job(make_context, backend):
    sc = make_context("local[2]", backend, **{"spark.driver.maxResultSize": "1m"})
    big = sc.parallelize(range(20), 4).map(lambda i: b"x" * (1 << 20))
    with pytest.raises(SparkException, match=r"Total size of serialized results of \d+ tasks "
                       r"\(.*\) is bigger than spark.driver.maxResultSize \(1024.0 KiB\)"):
        big.collect()
    small = sc.parallelize(range(100), 4).map(lambda i: i * 3)
    assert small.collect() == [i * 3 for i in range(100)]


@pytest.mark.parametrize("backend", ["inline", "process"])
def test_max_result_size_zero_means_unlimited(make_context, backend):
    sc = make_context("local[2]", backend, **{"spark.driver.maxResultSize": "0"})
    sizes = sc.parallelize(range(6), 3).map(lambda i: len(b"y" * (1 << 20))).collect()
    assert sizes == [1 << 20] * 6


# ---- settings that would otherwise be ignored silently ------------------------------------

def test_settings_without_effect_and_unknown_keys_are_named(make_context, caplog):
    with caplog.at_level(logging.WARNING, logger="minispark"):
        make_context("local[1]", "inline", **{"spark.executor.instances": "4",
                                              "spark.sheduler.mode": "FAIR",
                                              "spark.sql.shuffle.partitions": "8"})
    text = caplog.text
    assert "spark.executor.instances is set but has no effect" in text
    assert "spark.sheduler.mode is not a setting minispark knows" in text
    assert "spark.sql.shuffle.partitions" not in text
