"""A sort past ``spark.python.worker.memory`` writes sorted runs to disk and merges them:
the order is exactly Spark's (nulls first ascending, NaN above every number, ties kept
whole), checked against the same order computed in plain Python, and no run is left."""
from __future__ import annotations

import math

import numpy as np
import pytest

from minispark.sql import functions as F
from tests.sql.spilling import files_left, tight_session

ROWS = 200_000


@pytest.fixture
def tight(sc, make_context):
    """A session whose Python workers may hold 4m, sorting into one partition."""
    return tight_session(sc, make_context, "4m")


def _rows() -> list[tuple]:
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 5_000, ROWS).tolist()
    values = rng.normal(size=ROWS).tolist()
    rows = []
    for i, (k, v) in enumerate(zip(keys, values)):
        if i % 97 == 0:
            v = None
        elif i % 89 == 0:
            v = math.nan
        rows.append((None if i % 101 == 0 else k, v, f"s{i}"))
    return rows


def _spark_order(rows: list[tuple]) -> list[tuple]:
    """ORDER BY k ASC (nulls first), v DESC (NaN first, nulls last), s ASC, in Python."""
    def key(row):
        k, v, s = row
        v_rank = (2, 0) if v is None else (0, 0) if math.isnan(v) else (1, -v)
        return (k is not None, k if k is not None else 0, v_rank, s)
    return sorted(rows, key=key)


def _same(a: tuple, b: tuple) -> bool:
    return all(x == y or (isinstance(x, float) and isinstance(y, float)
                          and math.isnan(x) and math.isnan(y)) for x, y in zip(a, b))


def test_a_sort_past_the_memory_limit_spills_runs_and_merges_them_in_order(tight):
    spark, spills = tight
    rows = _rows()
    df = spark.createDataFrame(rows, "k long, v double, s string").repartition(4)
    got = [tuple(r) for r in df.orderBy(F.col("k").asc(), F.col("v").desc(), "s").collect()]
    expected = _spark_order(rows)
    assert len(got) == len(expected)
    assert all(_same(g, e) for g, e in zip(got, expected))
    assert spills.by_stage[max(spills.by_stage)] > 0  # the sort spilled sorted runs
    assert files_left(spark) == []


def test_a_small_sort_stays_in_memory(tight):
    spark, spills = tight
    rows = _rows()[:2_000]
    got = [tuple(r) for r in spark.createDataFrame(rows, "k long, v double, s string")
           .orderBy(F.col("k").asc(), F.col("v").desc(), "s").collect()]
    assert all(_same(g, e) for g, e in zip(got, _spark_order(rows)))
    assert spills.by_stage[max(spills.by_stage)] == 0
