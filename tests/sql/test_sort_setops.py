"""Sorting (Spark's null and NaN order), limits, unions and set operations."""
from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.errors import AnalysisException
from minispark.sql import Row
from minispark.sql import functions as F
from tests.sql.oracle import arrow_table, duck, same_rows

ROWS = st.lists(st.tuples(st.one_of(st.none(), st.integers(-5, 5)),
                          st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
                          st.integers(0, 10**6)), max_size=40, unique_by=lambda r: r[2])
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _table(rows):
    return arrow_table(rows, ["n", "s", "id"], [pa.int64(), pa.string(), pa.int64()])


@SETTINGS
@given(ROWS, st.booleans(), st.booleans())
def test_global_sort_matches_duckdb(spark, rows, n_asc, s_asc):
    spark.conf.set("spark.sql.shuffle.partitions", 3)
    table = _table(rows)
    df = spark.createDataFrame(table).repartition(4)
    order = [F.col("n").asc() if n_asc else F.col("n").desc(),
             F.col("s").asc() if s_asc else F.col("s").desc(), F.col("id")]
    # Spark: ascending puts nulls first, descending puts them last.
    sql_order = (f"n {'ASC NULLS FIRST' if n_asc else 'DESC NULLS LAST'}, "
                 f"s {'ASC NULLS FIRST' if s_asc else 'DESC NULLS LAST'}, id")
    expected = duck(f"SELECT * FROM t ORDER BY {sql_order}", t=table)
    same_rows(df.orderBy(*order).collect(), expected, ordered=True)
    same_rows(df.orderBy(*order).limit(5).collect(), expected[:5], ordered=True)


def test_sort_orders_nulls_and_nan_as_spark(spark):
    df = spark.createDataFrame([(float("nan"),), (None,), (1.0,), (-1.0,), (float("inf"),)],
                               "x double")
    asc = [r.x for r in df.orderBy("x").collect()]
    assert asc[0] is None and asc[1:4] == [-1.0, 1.0, float("inf")] and asc[4] != asc[4]
    desc = [r.x for r in df.orderBy(F.desc("x")).collect()]
    assert desc[0] != desc[0] and desc[1:4] == [float("inf"), 1.0, -1.0] and desc[4] is None
    last = [r.x for r in df.orderBy(F.asc_nulls_last("x")).collect()]
    assert last[-1] is None
    assert [r.x for r in df.orderBy("x", ascending=False).limit(2).collect()][1] == float("inf")


def test_sort_by_a_column_dropped_by_select(spark):
    df = spark.createDataFrame([(1, "b"), (2, "a")], ["n", "s"])
    assert df.select("n").orderBy("s").collect() == [Row(n=2), Row(n=1)]
    assert df.orderBy(["s", "n"], ascending=[False, True]).first() == Row(n=1, s="b")


def test_limit_reads_few_partitions(spark, record_events, sc):
    df = spark.range(0, 1000, numPartitions=20)
    recorder = record_events(sc)
    assert df.take(3) == [Row(id=0), Row(id=1), Row(id=2)]
    tasks = recorder.of("TaskEnd")
    assert len(tasks) == 1, "take(3) runs one task when the first partition has 3 rows"
    assert df.limit(5).count() == 5
    assert df.offset(998).collect() == [Row(id=998), Row(id=999)]


@SETTINGS
@given(ROWS, ROWS)
def test_set_operations_match_duckdb(spark, left, right):
    lt, rt = _table(left), _table(right)
    l = spark.createDataFrame(lt).select("n", "s")
    r = spark.createDataFrame(rt).select("n", "s")
    same_rows(l.union(r).collect(), duck("SELECT n, s FROM l UNION ALL SELECT n, s FROM r",
                                         l=lt, r=rt))
    same_rows(l.intersect(r).collect(), duck("SELECT n, s FROM l INTERSECT SELECT n, s FROM r",
                                             l=lt, r=rt))
    same_rows(l.subtract(r).collect(), duck("SELECT n, s FROM l EXCEPT SELECT n, s FROM r",
                                            l=lt, r=rt))


def test_union_by_name_and_type_widening(spark):
    a = spark.createDataFrame([(1, "x")], "n int, s string")
    b = spark.createDataFrame([("y", 2)], "s string, n bigint")
    by_name = a.unionByName(b)
    assert by_name.dtypes == [("n", "bigint"), ("s", "string")]
    assert by_name.collect() == [Row(n=1, s="x"), Row(n=2, s="y")]
    c = spark.createDataFrame([(3,)], "n int")
    assert a.unionByName(c, allowMissingColumns=True).collect() == [Row(n=1, s="x"),
                                                                   Row(n=3, s=None)]
    with pytest.raises(AnalysisException, match="NUM_COLUMNS_MISMATCH"):
        a.union(c)
