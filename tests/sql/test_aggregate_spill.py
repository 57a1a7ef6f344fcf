"""The final hash aggregate stays within ``spark.python.worker.memory``: past it, the
states spill to disk in sub-buckets of the key hash and each is merged on its own.
Results are compared with DuckDB's; spills are observed in the result stage's task
metrics (the map stage's shuffle writer may spill frames too, so it is not counted).
"""
from __future__ import annotations

import os

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from minispark.scheduler.events import SparkListener, TaskEnd
from minispark.sql import SparkSession

KEYS = 300_000
ROWS = 600_000
QUERY = """
SELECT g, s, SUM(v) AS total, COUNT(*) AS n, AVG(v) AS mean, MAX(t) AS top
FROM data GROUP BY g, s"""


class _SpillsByStage(SparkListener):
    def __init__(self) -> None:
        self.by_stage: dict[int, int] = {}

    def on_task_end(self, e: TaskEnd) -> None:
        self.by_stage[e.stage_id] = self.by_stage.get(e.stage_id, 0) + e.metrics.spilled_bytes


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
    ctx = make_context(sc.master, sc.getConf().get("minispark.executor.backend"),
                       **{"spark.python.worker.memory": "8m"})
    spills = _SpillsByStage()
    ctx.addSparkListener(spills)
    spark = SparkSession(ctx)
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    return spark, spills


def _duckdb(data: pa.Table) -> pa.Table:
    """DuckDB's answer to QUERY over ``data`` (a local named like the view)."""
    expected = duckdb.sql(QUERY).arrow()  # finds ``data`` in this frame by its name
    return expected.read_all() if isinstance(expected, pa.RecordBatchReader) else expected


def _spill_root(spark: SparkSession) -> str:
    return os.path.join(spark.sparkContext._app_dir, "spill")


def _files_under(folder: str) -> list[str]:
    return [name for _, _, names in os.walk(folder) for name in names]


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
    assert _files_under(_spill_root(spark)) == []


def test_few_groups_under_the_limit_merge_in_memory_without_spilling(tight):
    spark, spills = tight
    data = _data(50, ROWS)
    spark.createDataFrame(data).createOrReplaceTempView("data")
    got = spark.sql(QUERY).toArrow()
    expected = _duckdb(data)
    assert _sorted_rows(got) == _sorted_rows(expected)
    assert spills.by_stage[max(spills.by_stage)] == 0
