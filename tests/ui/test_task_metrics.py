"""Task metrics as measured by executors, in the event log's JSON and the REST API."""
from __future__ import annotations

import os

from ui_helpers import get_json

from minispark.common import serialization
from minispark.ui.eventjson import SparkEventEncoder
from minispark.ui.eventlog import read_event_log


def _task_ends(recorder, stage_ids):
    return [e for e in recorder.of("TaskEnd") if e.stage_id in stage_ids and e.succeeded]


def _event_json(task_end):
    """The ``Task Metrics`` the event log holds for one TaskEnd."""
    return SparkEventEncoder().encode(task_end)["Task Metrics"]


def _rest_tasks(sc, stage_id):
    sc._status.queue.flush()
    path = f"applications/{sc.applicationId}/stages/{stage_id}/0/taskList?length=1000"
    return {t["taskId"]: t["taskMetrics"] for t in get_json(sc.uiWebUrl, path)}


def _job_stages(recorder):
    return recorder.of("JobStart")[-1].stage_ids


def test_text_input_and_result_size(sc, record_events, tmp_path):
    lines = [f"line {i} " + "x" * (i % 7) for i in range(500)]
    path = tmp_path / "in.txt"
    path.write_text("".join(line + "\n" for line in lines))
    recorder = record_events(sc)
    parts = sc.textFile(str(path)).glom().collect()
    assert [line for part in parts for line in part] == lines
    [stage_id] = _job_stages(recorder)
    ends = sorted(_task_ends(recorder, [stage_id]), key=lambda e: e.partition)
    rest = _rest_tasks(sc, stage_id)
    assert len(ends) == len(parts)
    for end, part in zip(ends, parts):
        owned_bytes = sum(len(line) + 1 for line in part)
        # collect() returns each partition as a list: glom's one list per task
        result_size = len(serialization.dumps([part]))
        logged, served = _event_json(end), rest[end.task_id]
        assert logged["Input Metrics"] == {"Bytes Read": owned_bytes, "Records Read": len(part)}
        assert served["inputMetrics"] == {"bytesRead": owned_bytes, "recordsRead": len(part)}
        assert logged["Result Size"] == served["resultSize"] == result_size
        assert logged["Executor Run Time"] == served["executorRunTime"] >= 0
        assert served["executorCpuTime"] > 0
    assert sum(e.metrics.input_bytes_read for e in ends) == os.path.getsize(path)


def test_one_split_reads_the_whole_file(sc, record_events, tmp_path):
    path = tmp_path / "one.txt"
    path.write_bytes(b"alpha\nbeta\r\ngamma")  # last line has no terminator
    recorder = record_events(sc)
    assert sc.textFile(str(path)).coalesce(1).count() == 3
    [end] = _task_ends(recorder, _job_stages(recorder))
    rest = _rest_tasks(sc, end.stage_id)[end.task_id]
    assert rest["inputMetrics"] == {"bytesRead": os.path.getsize(path), "recordsRead": 3}


def test_parallelize_records_and_shuffle_totals(sc, record_events):
    pairs = [(i % 13, str(i)) for i in range(2000)]
    recorder = record_events(sc)
    grouped = sc.parallelize(pairs, 4).partitionBy(3).glom().collect()
    assert sorted(p for part in grouped for p in part) == sorted(pairs)
    map_stage, result_stage = sorted(_job_stages(recorder))
    writers, readers = _task_ends(recorder, [map_stage]), _task_ends(recorder, [result_stage])
    assert sum(e.metrics.input_records_read for e in writers) == len(pairs)
    written = [_event_json(e)["Shuffle Write Metrics"] for e in writers]
    read = [_event_json(e)["Shuffle Read Metrics"] for e in readers]
    assert sum(w["Shuffle Records Written"] for w in written) == len(pairs)
    assert sum(r["Total Records Read"] for r in read) == len(pairs)
    assert (sum(w["Shuffle Bytes Written"] for w in written)
            == sum(r["Local Bytes Read"] + r["Remote Bytes Read"] for r in read) > 0)
    rest = _rest_tasks(sc, result_stage)
    by_partition = {e.partition: rest[e.task_id]["shuffleReadMetrics"] for e in readers}
    assert {p: m["recordsRead"] for p, m in by_partition.items()} == {
        p: len(part) for p, part in enumerate(grouped)}
    [stage] = get_json(sc.uiWebUrl, f"applications/{sc.applicationId}/stages/{map_stage}")
    assert stage["inputRecords"] == len(pairs)
    assert stage["shuffleWriteRecords"] == len(pairs)


def test_output_metrics_of_save_as_text_file(sc, record_events, tmp_path):
    out = tmp_path / "out"
    recorder = record_events(sc)
    sc.parallelize(range(300), 3).map(lambda x: f"n{x}").saveAsTextFile(str(out))
    ends = _task_ends(recorder, _job_stages(recorder))
    part_sizes = sum(os.path.getsize(out / name) for name in os.listdir(out)
                     if name.startswith("part-"))
    logged = [_event_json(e)["Output Metrics"] for e in ends]
    assert sum(m["Records Written"] for m in logged) == 300
    assert sum(m["Bytes Written"] for m in logged) == part_sizes
    rest = _rest_tasks(sc, ends[0].stage_id)
    assert sum(m["outputMetrics"]["recordsWritten"] for m in rest.values()) == 300


def test_event_log_file_holds_measured_metrics(make_context, tmp_path):
    sc = make_context("local[2]", **{"spark.eventLog.enabled": "true",
                                     "spark.eventLog.dir": str(tmp_path)})
    app = sc.applicationId
    data = list(range(1000))
    assert sc.parallelize(data, 4).map(lambda x: (x % 10, x)).reduceByKey(
        lambda a, b: a + b).count() == 10
    sc.stop()
    ends = [e for e in read_event_log(str(tmp_path / app)).events
            if e["Event"] == "SparkListenerTaskEnd"]
    metrics = [e["Task Metrics"] for e in ends]
    assert sum(m["Input Metrics"]["Records Read"] for m in metrics) == len(data)
    written = sum(m["Shuffle Write Metrics"]["Shuffle Records Written"] for m in metrics)
    assert written == sum(m["Shuffle Read Metrics"]["Total Records Read"] for m in metrics) > 0
    assert all(m["Executor Run Time"] >= 0 and m["Executor Deserialize Time"] >= 0
               for m in metrics)
