"""ROLLUP, CUBE and GROUPING SETS (DataFrame and SQL) with grouping()/grouping_id(),
and GroupedData.pivot, against DuckDB on random data with nulls."""
from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.errors import AnalysisException
from minispark.sql import functions as F
from tests.sql.oracle import arrow_table, duck, same_rows

NAMES = ["k", "g", "v"]
TYPES = [pa.string(), pa.int32(), pa.int64()]
ROWS = st.lists(st.tuples(
    st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
    st.one_of(st.none(), st.integers(0, 2)),
    st.one_of(st.none(), st.integers(-50, 50)),
), max_size=30)
SETTINGS = settings(max_examples=6, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
GROUPINGS = {
    "rollup": "ROLLUP (k, g)",
    "cube": "CUBE (k, g)",
    "sets": "GROUPING SETS ((k, g), (g), ())",
}


def _frame(spark, table):
    return spark.createDataFrame(table).repartition(2)


def _spark_rows(expected, rows):
    """DuckDB's rows as Spark gives them: over no input rows, Spark's aggregate (grouped by
    the grouping id too) has no groups, even for the empty grouping set."""
    return expected if rows else []


def _grouped(df, kind):
    if kind == "rollup":
        return df.rollup("k", "g")
    if kind == "cube":
        return df.cube("k", "g")
    return df.groupingSets([("k", "g"), ("g",), ()], "k", "g")


@SETTINGS
@given(ROWS, st.sampled_from(sorted(GROUPINGS)))
def test_dataframe_grouping_sets_match_duckdb(spark, rows, kind):
    table = arrow_table(rows, NAMES, TYPES)
    ours = _grouped(_frame(spark, table), kind).agg(
        F.count("*"), F.sum("v"), F.grouping("k"), F.grouping_id())
    expected = duck(
        "SELECT k, g, count(*), sum(v), grouping(k), grouping(k, g) "
        f"FROM t GROUP BY {GROUPINGS[kind]}", t=table)
    same_rows(ours.collect(), _spark_rows(expected, rows))


@SETTINGS
@given(ROWS, st.sampled_from(sorted(GROUPINGS)))
def test_sql_grouping_sets_match_duckdb(spark, rows, kind):
    table = arrow_table(rows, NAMES, TYPES)
    _frame(spark, table).createOrReplaceTempView("t")
    sql = (f"SELECT k, g, sum(v), max(v) - min(v), grouping_id(k, g), grouping(g) FROM t "
           f"GROUP BY {GROUPINGS[kind]}")
    same_rows(spark.sql(sql).collect(), _spark_rows(duck(sql, t=table), rows))


@SETTINGS
@given(ROWS)
def test_sql_plain_key_with_rollup_and_having(spark, rows):
    table = arrow_table(rows, NAMES, TYPES)
    _frame(spark, table).createOrReplaceTempView("t")
    sql = "SELECT k, g, count(v) AS c FROM t GROUP BY k, ROLLUP (g) HAVING count(v) > 0"
    same_rows(spark.sql(sql).collect(), duck(sql, t=table))


@SETTINGS
@given(ROWS)
def test_sql_with_cube_is_cube_of_the_keys(spark, rows):
    table = arrow_table(rows, NAMES, TYPES)
    _frame(spark, table).createOrReplaceTempView("t")
    ours = spark.sql("SELECT k, g, sum(v) FROM t GROUP BY k, g WITH CUBE").collect()
    expected = duck("SELECT k, g, sum(v) FROM t GROUP BY CUBE (k, g)", t=table)
    same_rows(ours, _spark_rows(expected, rows))


def test_grouping_set_output_names_and_types(spark):
    df = spark.createDataFrame([("a", 1)], ["name", "age"])
    out = df.cube("name").agg(F.grouping("name"), F.grouping_id(), F.sum("age"))
    assert out.columns == ["name", "grouping(name)", "grouping_id()", "sum(age)"]
    assert [f.dataType.simpleString() for f in out.schema.fields] == [
        "string", "tinyint", "bigint", "bigint"]
    assert repr(df.rollup("name")).endswith("type: Rollup]")


def test_grouping_outside_grouping_sets_is_an_error(spark):
    df = spark.createDataFrame([("a", 1)], ["name", "age"])
    with pytest.raises(AnalysisException):
        df.groupBy("name").agg(F.grouping("name")).collect()
    with pytest.raises(AnalysisException):
        df.rollup("name").agg(F.grouping("age")).collect()


@SETTINGS
@given(ROWS, st.booleans())
def test_pivot_matches_filtered_aggregates(spark, rows, explicit):
    table = arrow_table(rows, NAMES, TYPES)
    df = _frame(spark, table)
    values = [0, 1, 2] if explicit else sorted({r[1] for r in rows if r[1] is not None})
    has_null = not explicit and any(r[1] is None for r in rows)
    pivoted = df.groupBy("k").pivot("g", values if explicit else None).sum("v")
    names = (["null"] if has_null else []) + [str(v) for v in values]
    assert pivoted.columns == ["k"] + names
    cases = (["sum(v) FILTER (WHERE g IS NULL)"] if has_null else []) + [
        f"sum(v) FILTER (WHERE g = {v})" for v in values]
    expected = duck(f"SELECT k, {', '.join(cases)} FROM t GROUP BY k", t=table)
    same_rows(pivoted.collect(), expected)


def test_pivot_with_several_aggregates_names_columns_by_value_and_aggregate(spark):
    df = spark.createDataFrame([("x", "a", 1), ("x", "b", 2), ("y", "a", 3)], ["k", "p", "v"])
    out = df.groupBy("k").pivot("p", ["a", "b"]).agg(F.sum("v"), F.count("v").alias("n"))
    assert out.columns == ["k", "a_sum(v)", "a_n", "b_sum(v)", "b_n"]
    assert sorted(map(tuple, out.collect())) == [("x", 1, 1, 2, 1), ("y", 3, 1, None, 0)]
