"""Built-in functions beyond arithmetic: strings, math, collections, dates (results that
PySpark 4 prints for the same calls)."""
from __future__ import annotations

import datetime

import pytest

from minispark.errors import AnalysisException, DateTimeException
from minispark.sql import Row
from minispark.sql import functions as F


def test_string_functions(spark):
    df = spark.createDataFrame([("  Hello World  ", "a,b,,c")], ["s", "csv"])
    row = df.select(F.trim("s").alias("t"), F.ltrim("s").alias("l"), F.rtrim("s").alias("r"),
                    F.lpad(F.lit("ab"), 5, "xy").alias("lp"), F.rpad(F.lit("abc"), 2, "x").alias("rp"),
                    F.initcap(F.lit("hELLO wORLD")).alias("ic"), F.instr("s", "World").alias("i"),
                    F.split("csv", ",").alias("parts"), F.reverse(F.lit("abc")).alias("rev"),
                    F.regexp_replace("csv", ",+", ";").alias("rr"),
                    F.regexp_extract(F.lit("id-42-x"), r"(\d+)", 1).alias("re"),
                    F.concat_ws("-", F.lit("a"), F.lit(None), F.lit("b")).alias("cw"),
                    F.substring(F.lit("Spark SQL"), -3, 2).alias("neg"),
                    F.repeat(F.lit("ab"), 3).alias("rep"), F.translate(F.lit("abc"), "ab", "x")
                    .alias("tr")).collect()[0]
    assert row == Row(t="Hello World", l="Hello World  ", r="  Hello World", lp="xyxab",
                      rp="ab", ic="Hello World", i=9, parts=["a", "b", "", "c"], rev="cba",
                      rr="a;b;c", re="42", cw="a-b", neg="SQ", rep="ababab", tr="xc")


def test_math_and_conditional_functions(spark):
    df = spark.createDataFrame([(-7, 2.5, None)], "a int, x double, n int")
    row = df.select(F.abs("a"), F.ceil("x"), F.floor("x"), F.pmod("a", F.lit(3)),
                    F.pow("x", 2), F.log(10.0, F.lit(100.0)), F.signum("a"),
                    F.greatest("a", F.lit(3), "n"), F.nvl("n", F.lit(0)),
                    F.nullif("a", F.lit(-7)), F.isnull("n"), F.exp(F.lit(0))).collect()[0]
    assert tuple(row) == (7, 3, 2, 2, 6.25, 2.0, -1.0, 3, 0, None, True, 1.0)
    assert df.select(F.ceil("x")).dtypes == [("CEIL(x)", "bigint")]
    assert df.select(F.sqrt("x")).columns == ["SQRT(x)"]


def test_collection_functions(spark):
    df = spark.createDataFrame([([1, 2, None], {"a": 1})], "arr array<int>, m map<string,int>")
    row = df.select(F.size("arr"), F.array_contains("arr", 2), F.array_contains("arr", 5),
                    F.element_at("arr", -1), F.element_at("m", F.lit("a")),
                    F.col("arr")[0], F.col("m")["a"], F.array(F.lit(1), F.lit(2)),
                    F.struct(F.lit(1).alias("x"), F.col("m")).alias("st"),
                    F.create_map(F.lit("k"), F.lit(1))).collect()[0]
    assert tuple(row) == (3, True, None, None, 1, 1, 1, [1, 2], Row(x=1, m={"a": 1}), {"k": 1})
    with pytest.raises(Exception) as error:
        df.select(F.element_at("arr", 7)).collect()
    assert "INVALID_ARRAY_INDEX_IN_ELEMENT_AT" in str(error.value)
    nested = spark.createDataFrame([(Row(a=1, b="x"),)], "s struct<a:int,b:string>")
    rows = nested.select("s.a", F.col("s").getField("b"), "s.*").collect()
    assert [tuple(r) for r in rows] == [(1, "x", 1, "x")]
    assert nested.select("s.a", F.col("s").getField("b")).columns == ["a", "s.b"]


def test_date_functions(spark):
    df = spark.createDataFrame([("2020-02-28", datetime.datetime(2021, 3, 4, 5, 6, 7))],
                               "s string, ts timestamp")
    row = df.select(
        F.to_date("s"), F.year("s"), F.month(F.to_date("s")), F.dayofweek(F.to_date("s")),
        F.date_add(F.to_date("s"), 2), F.datediff(F.to_date("s"), F.lit("2020-01-01")),
        F.add_months("s", 1), F.last_day("s"), F.date_format("ts", "yyyy/MM/dd HH:mm"),
        F.hour("ts"), F.trunc("s", "month"), F.date_trunc("hour", "ts"),
        F.to_date(F.lit("01/02/2020"), "dd/MM/yyyy"),
        F.months_between(F.lit("2020-03-31"), F.lit("2020-02-28"))).collect()[0]
    assert tuple(row) == (
        datetime.date(2020, 2, 28), 2020, 2, 6, datetime.date(2020, 3, 1), 58,
        datetime.date(2020, 3, 28), datetime.date(2020, 2, 29), "2021/03/04 05:06", 5,
        datetime.date(2020, 2, 1), datetime.datetime(2021, 3, 4, 5, 0),
        datetime.date(2020, 2, 1), 1.09677419)
    # With a pattern the text is parsed (without one it is CAST, as in Spark: CAST_INVALID_INPUT).
    with pytest.raises(DateTimeException, match="CANNOT_PARSE_TIMESTAMP"):
        spark.sql("SELECT to_date('2020-13-01', 'yyyy-MM-dd')").collect()
    today = spark.sql("SELECT current_date() AS d").collect()[0].d
    assert abs((today - datetime.date.today()).days) <= 1


def test_function_errors_name_the_function(spark):
    df = spark.createDataFrame([([1],)], "a array<int>")
    with pytest.raises(AnalysisException, match="UNEXPECTED_INPUT_TYPE"):
        df.select(F.sqrt("a"))
    with pytest.raises(AnalysisException, match="WRONG_NUM_ARGS"):
        spark.sql("SELECT upper('a', 'b')")
    with pytest.raises(AnalysisException, match="`sqr`.*Did you mean"):
        spark.sql("SELECT sqr(4)")


def test_bitwise_ordinals_and_statistics(spark):
    df = spark.createDataFrame([Row(a=170, b=75)])
    assert df.select(df.a.bitwiseOR(df.b), df.a.bitwiseAND(df.b), df.a.bitwiseXOR(df.b)
                     ).collect() == [Row(**{"(a | b)": 235, "(a & b)": 10, "(a ^ b)": 225})]
    assert spark.sql("SELECT 5 & 3 AS a, 5 | 3 AS o, 5 ^ 3 AS x").collect() == [
        Row(a=1, o=7, x=6)]
    people = spark.createDataFrame([(2, "Alice"), (5, "Bob")], ["age", "name"])
    assert [r.age for r in people.sort(-1).collect()] == [5, 2]
    pairs = spark.createDataFrame([(11, 12), (10, 11), (9, 10)], ["small", "bigger"])
    assert pairs.corr("small", "bigger") == 1.0 and pairs.cov("small", "bigger") == 1.0
    assert spark.sql("SELECT id FROM range(3)").count() == 3
    assert spark.sql("SELECT int('5') AS i, double(1) AS d").collect() == [Row(i=5, d=1.0)]
    assert [r[0] for r in spark.createDataFrame([(1, 2), (1, 2), (2, None)], ["a", "b"])
            .select(F.count_distinct("a", "b")).collect()] == [1]
