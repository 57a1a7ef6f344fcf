"""A shuffled hash join whose build side passes ``spark.python.worker.memory`` becomes a
grace hash join: both sides spill by key hash and each sub-bucket is joined on its own.
Every join type, with null keys and duplicate keys, matches DuckDB, and no file is left."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tests.sql.oracle import duck, same_rows
from tests.sql.spilling import files_left, tight_session

ROWS = 150_000


@pytest.fixture
def tight(sc, make_context):
    """A session with 1m per Python worker, no broadcast joins, one reduce partition."""
    spark, spills = tight_session(sc, make_context, "1m")
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
    return spark, spills


def _side(seed: int, rows: int, keys: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    key = rng.integers(0, keys, rows)
    mask = rng.random(rows) < 0.02  # some null keys: they never match
    return pa.table({"k": pa.array(key, mask=mask),
                     "v": pa.array(rng.integers(0, 1_000_000, rows))})


JOINS = {"inner": "INNER JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN",
         "full": "FULL OUTER JOIN", "left_semi": "SEMI JOIN", "left_anti": "ANTI JOIN"}


def _summary(how: str) -> str:
    """Aggregates that change with any row lost, duplicated or mispaired."""
    if how.startswith("left_"):
        return "COUNT(*), COUNT(l.k), SUM(l.v), SUM(l.v * (l.k % 7))"
    return ("COUNT(*), COUNT(l.k), COUNT(r.k), SUM(l.v), SUM(r.v), "
            "SUM(l.v * 1000003 + r.v), SUM(COALESCE(l.k, -1) * 7 + COALESCE(r.k, -2))")


@pytest.mark.parametrize("how", list(JOINS))
def test_a_build_side_past_the_memory_limit_joins_exactly(tight, how):
    spark, spills = tight
    left, right = _side(1, ROWS, 60_000), _side(2, ROWS, 80_000)
    spark.createDataFrame(left).createOrReplaceTempView("l")
    spark.createDataFrame(right).createOrReplaceTempView("r")
    query = f"SELECT {_summary(how)} FROM l {JOINS[how]} r ON l.k = r.k"
    got = spark.sql(query.replace("SEMI JOIN", "LEFT SEMI JOIN").replace(
        "ANTI JOIN", "LEFT ANTI JOIN")).collect()
    same_rows([tuple(r) for r in got], duck(query, l=left, r=right))
    # Stages: the two exchanges, the join (with the partial aggregate), the final aggregate.
    assert spills.by_stage[max(spills.by_stage) - 1] > 0  # the join task spilled
    assert files_left(spark) == []
