"""The SQL tab: SQL execution events, per-operator metrics, pages and the REST API."""
from __future__ import annotations

import pytest
from ui_helpers import get_json, get_status, get_text

from minispark.sql import SparkSession
from minispark.sql import functions as F
from minispark.ui import sql_tab
from minispark.ui.eventlog import read_event_log
from minispark.ui.store import AppStatusStore

ROWS = [(i, i % 7, f"name{i}") for i in range(200)]


def _query(spark: SparkSession):
    df = spark.createDataFrame(ROWS, ["id", "g", "name"])
    return df.filter(F.col("id") % 3 == 0).groupBy("g").agg(F.count("*").alias("n"))


def _run(sc, description: str) -> tuple[object, list]:
    spark = SparkSession(sc)
    sc.setJobDescription(description)
    try:
        df = _query(spark)
        return df, df.collect()
    finally:
        sc.setJobDescription(None)


def _metric(node: dict, name: str) -> str:
    return next(m["value"] for m in node["metrics"] if m["name"] == name)


def test_rest_lists_query_with_plan_jobs_and_true_row_counts(sc, record_events):
    recorder = record_events(sc)
    df, rows = _run(sc, "sql-tab rest query")
    passing = [r for r in ROWS if r[0] % 3 == 0]
    assert sorted((r.g, r.n) for r in rows) == sorted(
        (g, sum(1 for r in passing if r[1] == g)) for g in {r[1] for r in passing})
    sc._status.queue.flush()
    base, app = sc.uiWebUrl, sc.applicationId
    [record] = [e for e in get_json(base, f"applications/{app}/sql?length=1000")
                if e["description"] == "sql-tab rest query"]
    assert record["status"] == "COMPLETED" and not record["failedJobIds"]
    assert record["planDescription"] == df._execution.explain_string()
    tagged = [s.job_id for s in recorder.of("JobStart")
              if s.properties.get("spark.sql.execution.id") == str(record["id"])]
    assert tagged and sorted(record["successJobIds"]) == sorted(tagged)
    assert get_json(base, f"applications/{app}/sql/{record['id']}") == record
    nodes = {n["nodeName"]: n for n in record["nodes"]}
    assert int(_metric(nodes["Filter"], "number of output rows")) == len(passing)
    groups = {r[1] for r in passing}
    top = record["nodes"][0]
    assert int(_metric(top, "number of output rows")) == len(groups)
    assert all(int(_metric(n, "number of output batches")) >= 1 for n in record["nodes"])
    assert all(_metric(n, "time").endswith(" ms") for n in record["nodes"])
    assert {(e["fromId"], e["toId"]) for e in record["edges"]} >= {(1, 0)}


def test_event_log_holds_spark_sql_events_and_replays(make_context, tmp_path):
    sc = make_context("local[2]", **{"spark.eventLog.enabled": "true",
                                     "spark.eventLog.dir": str(tmp_path)})
    app = sc.applicationId
    df, _ = _run(sc, "logged query")
    sc._status.queue.flush()
    live = sql_tab.executions(sc._status.store)
    sc.stop()
    events = read_event_log(str(tmp_path / app)).events
    prefix = "org.apache.spark.sql.execution.ui."
    [start] = [e for e in events if e["Event"] == prefix + "SparkListenerSQLExecutionStart"]
    [end] = [e for e in events if e["Event"] == prefix + "SparkListenerSQLExecutionEnd"]
    assert start["description"] == "logged query" and start["executionId"] == end["executionId"]
    assert start["physicalPlanDescription"] == df._execution.explain_string()
    assert start["sparkPlanInfo"]["nodeName"] == df._execution.physical.node_name()
    assert end["errorMessage"] == "" and end["time"] >= start["time"]
    jobs = [e for e in events if e["Event"] == "SparkListenerJobStart"]
    assert jobs and all(j["Properties"]["spark.sql.execution.id"] == str(start["executionId"])
                        for j in jobs)
    replayed = AppStatusStore()
    for event in events:
        replayed.apply(event)
    assert sql_tab.executions(replayed) == live


def test_pages_escape_description_404_and_failed_query(make_context):
    sc = make_context("local[1]", "inline")
    evil = "<script>window.pwned=1</script>"
    _run(sc, evil)
    spark = SparkSession(sc)

    @F.udf("long")
    def boom(x):
        raise ValueError("boom in udf")
    sc.setJobDescription("failing query")
    with pytest.raises(Exception, match="boom in udf"):
        spark.range(3).select(boom("id")).collect()
    sc.setJobDescription(None)
    sc._status.queue.flush()
    base, app = sc.uiWebUrl, sc.applicationId
    records = {e["description"]: e for e in get_json(base, f"applications/{app}/sql")}
    assert records["failing query"]["status"] == "FAILED"
    assert "boom in udf" in records["failing query"]["errorMessage"]
    assert records["failing query"]["failedJobIds"]
    query_id = records[evil]["id"]
    for path in ["/SQL/", f"/SQL/execution/?id={query_id}"]:
        html = get_text(base, path)
        assert "<script>window" not in html, path
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html, path
    page = get_text(base, f"/SQL/execution/?id={query_id}")
    passing = sum(1 for r in ROWS if r[0] % 3 == 0)
    assert 'id="plan-graph"' in page and f'<td class="metric">{passing}</td>' in page
    for path in ["/SQL/execution/?id=999", "/SQL/execution/?id=abc",
                 f"/api/v1/applications/{app}/sql/999", f"/api/v1/applications/{app}/sql/x"]:
        assert get_status(base, path) == 404, path
