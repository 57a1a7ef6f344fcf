"""The status store, the event log and the REST API, on every backend."""
from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from ui_helpers import get_json, get_status, get_text

from minispark.ui.eventlog import read_event_log
from minispark.ui.store import AppStatusStore


LINES = ["a b", "b c", "c a b"] * 10


def _word_pairs(sc):
    words = sc.parallelize(LINES, 3).flatMap(str.split)
    return words.map(lambda w: (w, 1)).setName("pairs<b>").cache()


def test_rest_api_matches_what_ran(sc, record_events):
    recorder = record_events(sc)
    pairs = _word_pairs(sc)
    expected_count = pairs.count()
    counts = dict(pairs.reduceByKey(lambda a, b: a + b).collect())
    words = [w for line in LINES for w in line.split()]
    assert expected_count == len(words) and counts == {w: words.count(w) for w in set(words)}
    sc._status.queue.flush()
    base, app = sc.uiWebUrl, sc.applicationId
    assert base.startswith("http://127.0.0.1:")
    jobs = {j["jobId"]: j for j in get_json(base, f"applications/{app}/jobs")}
    starts = recorder.of("JobStart")
    assert [s.job_id for s in starts] == sorted(jobs)[-len(starts):]
    for start in starts:
        job = jobs[start.job_id]
        assert job["status"] == "SUCCEEDED" and job["stageIds"] == start.stage_ids
        ran = [e for e in recorder.of("TaskEnd") if e.stage_id in start.stage_ids]
        assert job["numCompletedTasks"] == len(ran)
        assert job["numTasks"] - job["numSkippedTasks"] == len(ran)
    last = jobs[starts[-1].job_id]
    for stage_id in last["stageIds"]:
        [attempt] = get_json(base, f"applications/{app}/stages/{stage_id}")
        tasks = get_json(base, f"applications/{app}/stages/{stage_id}/0/taskList?length=100")
        ends = [e for e in recorder.of("TaskEnd") if e.stage_id == stage_id]
        assert attempt["status"] == "COMPLETE"
        assert sorted(t["taskId"] for t in tasks) == sorted(e.task_id for e in ends)
        assert attempt["shuffleWriteBytes"] == sum(e.metrics.shuffle_bytes_written for e in ends)
    [rdd] = [r for r in get_json(base, f"applications/{app}/storage/rdd") if r["id"] == pairs.id()]
    assert rdd["name"] == "pairs<b>" and rdd["numCachedPartitions"] == 3
    assert rdd["memoryUsed"] == sum(p["memoryUsed"] for p in rdd["partitions"]) > 0
    executors = get_json(base, f"applications/{app}/executors")
    assert sum(e["totalTasks"] for e in executors) >= len(recorder.of("TaskEnd"))
    pairs.unpersist()
    sc._status.queue.flush()
    assert pairs.id() not in [r["id"] for r in get_json(base, f"applications/{app}/storage/rdd")]


def test_event_log_written_off_thread_renamed_and_replayable(make_context, tmp_path):
    sc = make_context("local[2]", **{"spark.eventLog.enabled": "true",
                                     "spark.eventLog.dir": f"file:{tmp_path}"})
    app = sc.applicationId
    assert os.listdir(tmp_path) == [f"{app}.inprogress"]
    rdd = sc.parallelize(range(40), 4).map(lambda x: (x % 5, x))
    total = dict(rdd.reduceByKey(lambda a, b: a + b).collect())
    assert total == {k: sum(x for x in range(40) if x % 5 == k) for k in range(5)}
    sc._status.queue.flush()
    live_jobs, live_stages = sc._status.store.jobs(), sc._status.store.stages()
    sc.stop()
    assert os.listdir(tmp_path) == [app]
    log = read_event_log(str(tmp_path / app))
    names = [e["Event"] for e in log.events]
    assert names[:3] == ["SparkListenerLogStart", "SparkListenerApplicationStart",
                         "SparkListenerEnvironmentUpdate"]
    assert names[-1] == "SparkListenerApplicationEnd" and log.finished and not log.truncated
    assert names.count("SparkListenerTaskEnd") == names.count("SparkListenerTaskStart") == 8
    end = next(e for e in log.events if e["Event"] == "SparkListenerTaskEnd")
    assert {"Task Info", "Task Metrics", "Task End Reason", "Stage ID"} <= set(end)
    assert end["Task Metrics"]["Shuffle Write Metrics"]["Shuffle Records Written"] >= 0
    replayed = AppStatusStore()
    for event in log.events:
        replayed.apply(event)
    assert replayed.jobs() == live_jobs and replayed.stages() == live_stages
    assert replayed.completed


def test_event_log_of_ten_thousand_tasks_is_complete(make_context, tmp_path):
    sc = make_context("local[2]", "inline", **{"spark.eventLog.enabled": "true",
                                                "spark.eventLog.dir": str(tmp_path),
                                                "spark.ui.enabled": "false"})
    assert sc.uiWebUrl is None
    app = sc.applicationId
    assert sc.parallelize(range(10000), 10000).count() == 10000
    sc.stop()
    names = [e["Event"] for e in read_event_log(str(tmp_path / app)).events]
    assert names.count("SparkListenerTaskEnd") == 10000
    assert names[-2:] == ["SparkListenerJobEnd", "SparkListenerApplicationEnd"]


def test_missing_event_log_dir_is_a_clear_error_and_leaves_nothing(make_context, tmp_path):
    before = threading.active_count()
    with pytest.raises(FileNotFoundError, match="Log directory .*missing does not exist"):
        make_context("local[1]", **{"spark.eventLog.enabled": "true",
                                    "spark.eventLog.dir": str(tmp_path / "missing")})
    assert threading.active_count() == before


def test_ui_off_port_taken_and_stop_frees_everything(make_context):
    sc = make_context("local[1]", "inline", **{"spark.ui.enabled": "false"})
    assert sc.uiWebUrl is None
    sc.stop()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = threading.active_count()
        sc = make_context("local[1]", "inline", **{"spark.ui.port": str(port)})
        url = sc.uiWebUrl
        assert url.startswith("http://127.0.0.1:") and int(url.rsplit(":", 1)[1]) > port
        assert get_status(url, "/jobs/") == 200
        sc.stop()
    assert threading.active_count() == before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=2)


def test_pages_escape_and_404(make_context):
    sc = make_context("local[1]", "inline")
    sc.stop()
    from minispark import SparkContext, SparkConf

    conf = SparkConf().set("minispark.executor.backend", "inline").set("spark.ui.port", "0")
    sc = SparkContext("local[1]", "<script>window.pwned=1</script>", conf=conf)
    try:
        sc.parallelize([1, 2]).setName("<img src=x onerror=alert(1)>").cache().count()
        sc._status.queue.flush()
        base = sc.uiWebUrl
        for path in ["/jobs/", "/stages/", "/storage/", "/environment/", "/executors/",
                     "/jobs/job/?id=0", "/stages/stage/?id=0&attempt=0", "/storage/rdd/?id=0"]:
            html = get_text(base, path)
            assert "<script>window" not in html and "<img src=x" not in html, path
            assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html, path
        for path in ["/jobs/job/?id=7", "/jobs/job/?id=abc", "/stages/stage/?id=9",
                     "/storage/rdd/?id=5", "/no/such/page", "/static/../store.py",
                     f"/api/v1/applications/{sc.applicationId}/jobs/7",
                     f"/api/v1/applications/{sc.applicationId}/stages/3/0",
                     "/api/v1/applications/other-app"]:
            assert get_status(base, path) == 404, path
        assert get_status(base, "/jobs/", {"Host": "evil.example:4040"}) == 403
        app = get_json(base, f"applications/{sc.applicationId}")
        assert json.loads(json.dumps(app))["name"] == "<script>window.pwned=1</script>"
    finally:
        sc.stop()
