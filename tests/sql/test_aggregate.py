"""groupBy/agg, distinct and dropDuplicates against DuckDB on random data with nulls."""
from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.errors import AnalysisException
from minispark.sql import Row
from minispark.sql import functions as F
from tests.sql.oracle import arrow_table, duck, same_rows

NAMES = ["k", "g", "v", "x"]
TYPES = [pa.string(), pa.int32(), pa.int64(), pa.float64()]
ROWS = st.lists(st.tuples(
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", "dd"])),
    st.one_of(st.none(), st.integers(0, 3)),
    st.one_of(st.none(), st.integers(-100, 100)),
    st.one_of(st.none(), st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 2))),
), max_size=40)
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(ROWS, st.booleans())
def test_grouped_aggregates_match_duckdb(spark, rows, two_keys):
    table = arrow_table(rows, NAMES, TYPES)
    df = spark.createDataFrame(table).repartition(3)
    keys = ["k", "g"] if two_keys else ["k"]
    ours = df.groupBy(*keys).agg(
        F.count("*"), F.count("v"), F.sum("v"), F.avg("x"), F.min("x"), F.max("k"),
        F.countDistinct("v"), F.sum_distinct("v"), F.stddev("x"), F.var_pop("x"),
        (F.sum("v") + F.count("x")).alias("mixed"))
    key_sql = ", ".join(keys)
    expected = duck(
        f"SELECT {key_sql}, count(*), count(v), sum(v), avg(x), min(x), max(k), "
        "count(DISTINCT v), sum(DISTINCT v), stddev_samp(x), var_pop(x), sum(v) + count(x) "
        f"FROM t GROUP BY {key_sql}", t=table)
    same_rows(ours.collect(), expected)


@SETTINGS
@given(ROWS)
def test_global_aggregates_match_duckdb_even_when_empty(spark, rows):
    table = arrow_table(rows, NAMES, TYPES)
    df = spark.createDataFrame(table)
    ours = df.agg(F.count("*"), F.sum("v"), F.avg("v"), F.max("x"), F.countDistinct("k"))
    expected = duck("SELECT count(*), sum(v), avg(v), max(x), count(DISTINCT k) FROM t",
                    t=table)
    same_rows(ours.collect(), expected)


@SETTINGS
@given(ROWS)
def test_distinct_and_drop_duplicates(spark, rows):
    table = arrow_table(rows, NAMES, TYPES)
    df = spark.createDataFrame(table)
    same_rows(df.distinct().collect(), duck("SELECT DISTINCT * FROM t", t=table))
    deduped = df.dropDuplicates(["k", "g"]).collect()
    assert len(deduped) == len({(r[0], r[1]) for r in rows})
    assert {(r.k, r.g) for r in deduped} == {(r[0], r[1]) for r in rows}
    assert all(tuple(r) in set(rows) for r in deduped), "a kept row is one of the inputs"


def test_grouped_data_shortcuts_and_names(spark):
    df = spark.createDataFrame([("a", 1, 2.0), ("a", 3, None), ("b", 5, 1.0)], ["k", "v", "x"])
    assert df.groupBy("k").count().orderBy("k").collect() == [Row(k="a", count=2),
                                                              Row(k="b", count=1)]
    assert df.groupBy("k").sum().columns == ["k", "sum(v)", "sum(x)"]
    assert df.groupBy("k").avg("v").columns == ["k", "avg(v)"]
    assert df.groupBy().max().columns == ["max(v)", "max(x)"]
    assert sorted(df.groupBy("k").agg({"v": "max", "x": "avg"}).columns) == [
        "avg(x)", "k", "max(v)"]
    assert df.groupBy(df.v % 2).count().columns == ["(v % 2)", "count"]
    assert df.agg(F.collect_list("x"), F.collect_set("k")).collect()[0][0] == [2.0, 1.0]
    assert df.select(F.sum("v")).collect() == [Row(**{"sum(v)": 9})]
    empty = spark.createDataFrame([], "a int")
    assert empty.groupBy().count().collect() == [Row(count=0)]
    assert empty.agg(F.sum("a"), F.count("a"), F.collect_list("a")).collect() == [
        Row(**{"sum(a)": None, "count(a)": 0, "collect_list(a)": []})]


def test_aggregation_errors(spark):
    df = spark.createDataFrame([(1, "a")], ["k", "v"])
    with pytest.raises(AnalysisException, match="MISSING_AGGREGATION"):
        df.groupBy("k").agg(F.col("v"))
    with pytest.raises(AnalysisException, match="MISSING_GROUP_BY"):
        df.select(F.col("k"), F.sum("k"))
    with pytest.raises(AnalysisException, match="UNRESOLVED_ROUTINE"):
        df.groupBy("k").agg({"v": "nope"})
    with pytest.raises(AnalysisException, match="NESTED_AGGREGATE_FUNCTION"):
        df.agg(F.sum(F.max("k")))


@SETTINGS
@given(ROWS)
def test_grouping_by_an_aliased_expression_matches_duckdb(spark, rows):
    table = arrow_table(rows, NAMES, TYPES)
    df = spark.createDataFrame(table).repartition(2)
    ours = df.groupBy((F.col("g") % 2).alias("parity")).agg(
        F.count("*"), F.sum("v"), F.max(F.col("g") % 2))
    expected = duck("SELECT g % 2 AS parity, count(*), sum(v), max(g % 2) FROM t "
                    "GROUP BY g % 2", t=table)
    same_rows(ours.collect(), expected)


def test_negative_zero_is_the_same_grouping_key_as_zero(spark):
    df = spark.createDataFrame([(0.0,), (-0.0,), (1.5,)], "x DOUBLE")
    assert sorted(tuple(r) for r in df.distinct().collect()) == [(0.0,), (1.5,)]
    counts = {r[0]: r[1] for r in df.groupBy("x").count().collect()}
    assert counts == {0.0: 2, 1.5: 1}
