"""The final hash aggregate stays within ``spark.python.worker.memory``: past it, the
states spill to disk in sub-buckets of the key hash and each is merged on its own.
Results are compared with DuckDB's; spills are observed in the result stage's task
metrics (the map stage's shuffle writer may spill frames too, so it is not counted).
"""
from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from tests.sql.spilling import files_left, tight_session

KEYS = 300_000
ROWS = 600_000
QUERY = """
SELECT g, s, SUM(v) AS total, COUNT(*) AS n, AVG(v) AS mean, MAX(t) AS top
FROM data GROUP BY g, s"""


def _data(keys: int, rows: int) -> pa.Table:
    rng = np.random.default_rng(5)
    key = rng.integers(0, keys, rows)
    return pa.table({
        "g": pa.array(key),
        "s": pa.array([f"k{k % 9}" for k in key.tolist()]),
        "v": pa.array(rng.integers(-1000, 1000, rows)),
        "t": pa.array([f"t{x}" for x in rng.integers(0, 10**6, rows).tolist()]),
    })


def _sorted_rows(table: pa.Table) -> list[tuple]:
    table = table.sort_by([("g", "ascending"), ("s", "ascending")])
    return list(zip(*(table.column(c).to_pylist() for c in table.column_names)))


@pytest.fixture
def tight(sc, make_context):
    """A session whose Python workers may hold 8m, with one reduce partition."""
    return tight_session(sc, make_context, "8m")


def _duckdb(data: pa.Table) -> pa.Table:
    """DuckDB's answer to QUERY over ``data`` (a local named like the view)."""
    expected = duckdb.sql(QUERY).arrow()  # finds ``data`` in this frame by its name
    return expected.read_all() if isinstance(expected, pa.RecordBatchReader) else expected


def test_group_by_past_the_memory_limit_spills_and_matches_duckdb(tight):
    spark, spills = tight
    data = _data(KEYS, ROWS)
    spark.createDataFrame(data).createOrReplaceTempView("data")
    got = spark.sql(QUERY).toArrow()
    expected = _duckdb(data)
    assert got.num_rows == len(set(data.column("g").to_pylist())) > 200_000
    assert _sorted_rows(got) == _sorted_rows(expected)
    result_stage = max(spills.by_stage)
    assert spills.by_stage[result_stage] > 0  # the final aggregate spilled
    assert files_left(spark) == []


def test_few_groups_under_the_limit_merge_in_memory_without_spilling(tight):
    spark, spills = tight
    data = _data(50, ROWS)
    spark.createDataFrame(data).createOrReplaceTempView("data")
    got = spark.sql(QUERY).toArrow()
    expected = _duckdb(data)
    assert _sorted_rows(got) == _sorted_rows(expected)
    assert spills.by_stage[max(spills.by_stage)] == 0


def test_partial_aggregation_past_the_limit_sends_its_states_on(make_context, monkeypatch):
    """The map side holds at most the limit of partial states: past it they go to the
    exchange as they are (a key may then have several partial rows), and the result is
    still exact. In-driver executors, so the smaller step size reaches the tasks."""
    from minispark.sql import SparkSession
    from minispark.sql.execution import aggregate

    monkeypatch.setattr(aggregate, "PARTIAL_CHUNK_ROWS", 20_000)
    sent: list[int] = []
    step = aggregate._PartialStep._aggregate
    monkeypatch.setattr(aggregate._PartialStep, "_aggregate",
                        lambda self, batches: sent.append(1) or step(self, batches))
    merge = aggregate._PartialStep._emit
    monkeypatch.setattr(aggregate._PartialStep, "_emit",
                        lambda self, partials: sent.append(-len(partials)) or merge(self, partials))
    spark = SparkSession(make_context("local[1]", "inline", **{"spark.python.worker.memory": "1m"}))
    source = spark.range(ROWS).selectExpr(  # read in batches of 64k rows
        f"(id * 7919) % {KEYS} AS g", "concat('k', id % 9) AS s", "id % 1000 - 500 AS v",
        "concat('t', id % 100003) AS t")
    data = source.toArrow()
    source.createOrReplaceTempView("data")
    assert _sorted_rows(spark.sql(QUERY).toArrow()) == _sorted_rows(_duckdb(data))
    # Several partial steps, but never more than one held at the end: the others left early.
    assert sent.count(1) > 2 and all(n >= -1 for n in sent)
