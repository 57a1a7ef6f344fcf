"""Window functions against DuckDB on random data, and Spark's column names."""
from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.errors import AnalysisException
from minispark.sql import Row, Window
from minispark.sql import functions as F
from tests.sql.oracle import arrow_table, duck, same_rows

ROWS = st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
                          st.one_of(st.none(), st.integers(0, 4)),
                          st.one_of(st.none(), st.integers(-50, 50)),
                          st.integers(0, 10**6)), max_size=30, unique_by=lambda r: r[3])
SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(ROWS)
def test_window_functions_match_duckdb(spark, rows):
    table = arrow_table(rows, ["k", "o", "v", "id"],
                        [pa.string(), pa.int64(), pa.int64(), pa.int64()])
    df = spark.createDataFrame(table).repartition(2)
    by_order = Window.partitionBy("k").orderBy("o")
    unique = Window.partitionBy("k").orderBy("o", "id")
    ours = df.select(
        "id", F.row_number().over(unique), F.rank().over(by_order), F.dense_rank().over(by_order),
        F.percent_rank().over(by_order), F.cume_dist().over(by_order), F.ntile(3).over(unique),
        F.sum("v").over(by_order), F.count("v").over(Window.partitionBy("k")),
        F.avg("v").over(unique.rowsBetween(-2, 1)), F.min("v").over(unique.rowsBetween(-1, 1)),
        F.lag("v", 2).over(unique), F.lead("v", 1, -1).over(unique),
        F.max("v").over(Window.orderBy("id")))
    spec = "PARTITION BY k ORDER BY o ASC NULLS FIRST"
    uspec = "PARTITION BY k ORDER BY o ASC NULLS FIRST, id ASC NULLS FIRST"
    expected = duck(
        f"SELECT id, row_number() OVER ({uspec}), rank() OVER ({spec}), "
        f"dense_rank() OVER ({spec}), percent_rank() OVER ({spec}), cume_dist() OVER ({spec}), "
        f"ntile(3) OVER ({uspec}), sum(v) OVER ({spec}), count(v) OVER (PARTITION BY k), "
        f"avg(v) OVER ({uspec} ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), "
        f"min(v) OVER ({uspec} ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), "
        f"lag(v, 2) OVER ({uspec}), lead(v, 1, -1) OVER ({uspec}), "
        "max(v) OVER (ORDER BY id) FROM t", t=table)
    same_rows(ours.collect(), expected)


def test_window_column_names_and_values(spark):
    df = spark.createDataFrame([("a", 1, 1.0), ("a", 2, None), ("a", 2, 3.0), ("b", 5, 4.0),
                                (None, 1, 2.0)], ["k", "v", "x"])
    w = Window.partitionBy("k").orderBy("v")
    out = df.select("k", "v", "x", F.rank().over(w), F.lag("v").over(w),
                    F.collect_list("x").over(w), F.count("*").over(Window.partitionBy("k")))
    # Names and values as PySpark 4 prints them for the same query.
    assert out.columns[3:] == [
        "RANK() OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST ROWS BETWEEN UNBOUNDED "
        "PRECEDING AND CURRENT ROW)",
        "lag(v, 1, NULL) OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST ROWS BETWEEN -1 "
        "FOLLOWING AND -1 FOLLOWING)",
        "collect_list(x) OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST RANGE BETWEEN "
        "UNBOUNDED PRECEDING AND CURRENT ROW)",
        "count(1) OVER (PARTITION BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
        "FOLLOWING)"]
    values = [tuple(r) for r in out.orderBy("k", "v", "x").collect()]
    assert values == [(None, 1, 2.0, 1, None, [2.0], 1), ("a", 1, 1.0, 1, None, [1.0], 3),
                      ("a", 2, None, 2, 1, [1.0, 3.0], 3), ("a", 2, 3.0, 2, 2, [1.0, 3.0], 3),
                      ("b", 5, 4.0, 1, None, [4.0], 1)]


def test_window_errors(spark):
    df = spark.createDataFrame([(1,)], ["v"])
    with pytest.raises(AnalysisException, match="WINDOW_FUNCTION_WITHOUT_ORDER"):
        df.select(F.rank().over(Window.partitionBy("v")))
    with pytest.raises(AnalysisException, match="requires an OVER clause"):
        df.select(F.row_number())
    ranked = df.withColumn("r", F.row_number().over(Window.orderBy("v")))
    assert ranked.filter("r = 1").collect() == [Row(v=1, r=1)]
