"""``minispark history-server``: finished and crashed applications from their event logs."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from ui_helpers import MINISPARK, get_json, get_status, get_text

CRASHING_APP = textwrap.dedent("""
    import os, sys
    from minispark import SparkConf, SparkContext
    conf = (SparkConf().set("minispark.executor.backend", "inline")
            .set("spark.ui.enabled", "false").set("spark.eventLog.enabled", "true")
            .set("spark.eventLog.dir", sys.argv[1]))
    sc = SparkContext("local[1]", "crashes", conf=conf)
    print(sc.applicationId, sc.parallelize(range(10), 2).sum(), flush=True)
    import time; time.sleep(0.5)  # the first job's events reach the log
    sc.parallelize(range(4), 2).foreach(lambda x: os._exit(3))
""")


def test_history_server_shows_finished_and_crashed_apps(make_context, tmp_path):
    crashed = subprocess.run([sys.executable, "-c", CRASHING_APP, str(tmp_path)],
                             capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 3, crashed.stderr
    crashed_id, total = crashed.stdout.split()
    assert int(total) == sum(range(10))
    sc = make_context("local[2]", **{"spark.eventLog.enabled": "true",
                                     "spark.eventLog.dir": str(tmp_path)})
    finished_id = sc.applicationId
    assert sc.parallelize(range(6), 3).map(lambda x: x * 2).collect() == [0, 2, 4, 6, 8, 10]
    sc.stop()
    server = subprocess.Popen([MINISPARK, "history-server",
                               "--dir", f"file:{tmp_path}", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("History server started at http://127.0.0.1:"), (
            line + server.stderr.read() if server.poll() is not None else line)
        base = line.split()[4]
        apps = {a["id"]: a for a in get_json(base, "applications")}
        assert set(apps) == {crashed_id, finished_id}
        assert apps[finished_id]["attempts"][0]["completed"]
        assert not apps[crashed_id]["attempts"][0]["completed"]
        [first] = get_json(base, f"applications/{crashed_id}/jobs?status=succeeded")
        assert first["numCompletedTasks"] == 2
        [job] = get_json(base, f"applications/{finished_id}/jobs")
        assert job["status"] == "SUCCEEDED" and job["numCompletedTasks"] == 3
        assert "incomplete-banner" in get_text(base, f"/history/{crashed_id}/jobs/")
        assert "incomplete-banner" not in get_text(base, f"/history/{finished_id}/jobs/")
        listing = get_text(base, "/")
        assert "crashes" in listing and "tests-dedicated" in listing
        assert get_status(base, f"/history/{finished_id}/stages/stage/?id=0&attempt=0") == 200
        assert get_status(base, "/history/local-0/jobs/") == 404
    finally:
        server.terminate()
        assert server.wait(10) == 0
        server.stdout.close()
        server.stderr.close()


def test_history_server_refuses_a_missing_folder(tmp_path):
    result = subprocess.run([MINISPARK, "history-server",
                             "--dir", str(tmp_path / "none"), "--port", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "does not exist" in result.stderr
