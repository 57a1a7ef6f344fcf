"""Executors that cannot start, die at start or die between jobs: every job
gets a result or a clear error quoting the executor's stderr, never a hang.
Faults are injected with a ``sitecustomize`` module on the executors'
``PYTHONPATH`` (through ``spark.executorEnv``), so the real start-up path runs.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import minispark
from minispark.scheduler.process_backend import ExecutorStartError

from tests.faults.procs import alive, wait_until

#: Installed in each executor before it imports anything: while ``FLAG`` exists,
#: importing minispark fails (or the process exits), as in a broken environment.
_SITECUSTOMIZE = textwrap.dedent("""
    import os, sys
    FLAG = {flag!r}
    if os.path.exists(FLAG):
        if {mode!r} == "exit":
            sys.stderr.write("injected: executor dies at start\\n")
            os._exit(3)

        class _NoMinispark:
            @staticmethod
            def find_spec(name, path=None, target=None):
                if name == "minispark" or name.startswith("minispark."):
                    raise ImportError("injected: No module named 'minispark' here")
                return None

        sys.meta_path.insert(0, _NoMinispark)
""")


def _broken_executors(tmp_path: Path, mode: str) -> tuple[Path, str]:
    """A flag file and a PYTHONPATH entry whose sitecustomize breaks executors while it exists."""
    site = tmp_path / f"site-{mode}"
    site.mkdir()
    flag = tmp_path / f"broken-{mode}"
    flag.touch()
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(flag=str(flag), mode=mode))
    return flag, str(site)


@pytest.mark.parametrize("mode,stderr_says", [
    ("import", "injected: No module named 'minispark' here"),
    ("exit", "injected: executor dies at start"),
])
def test_executors_that_cannot_start_fail_every_job_then_recover(make_context, tmp_path,
                                                                 mode, stderr_says):
    flag, site = _broken_executors(tmp_path, mode)
    sc = make_context("local[2]", "process", **{"spark.executorEnv.PYTHONPATH": site})
    rdd = sc.parallelize(range(10), 2)
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(ExecutorStartError) as info:
            rdd.count()
        assert time.monotonic() - started < 30
        assert stderr_says in str(info.value)
        assert "exited before they were ready" in str(info.value)
    flag.unlink()
    assert rdd.map(lambda x: x * 2).collect() == [x * 2 for x in range(10)]


def test_an_executor_dying_between_jobs_is_replaced(make_context):
    sc = make_context("local[2]", "process")
    data = list(range(40))
    assert sc.parallelize(data, 4).sum() == sum(data)
    backend = sc._backend
    victims = [backend.pid_of(i) for i in backend.executor_ids()]
    for executor_id in backend.executor_ids():
        backend.kill_executor(executor_id)
    assert sc.parallelize(data, 4).map(lambda x: x + 1).sum() == sum(data) + len(data)
    assert set(victims).isdisjoint(backend.pid_of(i) for i in backend.executor_ids())
    assert not [p for p in victims if alive(p)]  # replaced and reaped


def test_an_executor_dying_at_start_once_is_restarted(make_context, tmp_path):
    # The flag is removed by the first executor that sees it, so exactly one dies.
    site = tmp_path / "site-once"
    site.mkdir()
    flag = tmp_path / "die-once"
    flag.touch()
    (site / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import os
        try:
            os.unlink({str(flag)!r})
        except FileNotFoundError:
            pass
        else:
            os._exit(5)
    """))
    sc = make_context("local[2]", "process", **{"spark.executorEnv.PYTHONPATH": str(site)})
    assert sc.parallelize(range(100), 4).map(lambda x: x % 7).sum() == sum(
        x % 7 for x in range(100))
    assert not flag.exists()


_DRIVER_FROM_A_CHECKOUT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import minispark
    from minispark import SparkConf, SparkContext

    sc = SparkContext("local[2]", "checkout")
    found = set()
    for _ in range(3):
        found |= set(sc.parallelize(range(4), 4)
                     .map(lambda _: __import__("minispark").__file__).collect())
    print(json.dumps({"driver": minispark.__file__, "executors": sorted(found)}))
    sc.stop()
""")


def test_executors_import_the_engine_from_where_the_driver_did(tmp_path):
    checkout = tmp_path / "checkout"
    package = Path(minispark.__file__).parent
    shutil.copytree(package, checkout / "minispark",
                    ignore=shutil.ignore_patterns("__pycache__"))
    script = tmp_path / "driver.py"
    script.write_text(_DRIVER_FROM_A_CHECKOUT)
    done = subprocess.run([sys.executable, str(script), str(checkout)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["driver"].startswith(str(checkout))
    assert report["executors"] == [report["driver"]]
