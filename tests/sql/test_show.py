"""show() and printSchema(): Spark's text layout.

A few exact strings were printed by PySpark 4 for the same DataFrames; the
rest checks the layout rules on random data (widths, alignment, truncation).
"""
from __future__ import annotations

import datetime
import decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.sql import Row


def test_exact_table_with_nulls_and_truncation(spark, capsys):
    df = spark.createDataFrame([(1, "a", 1.5), (None, "b" * 31, None)],
                               "x INT, s STRING, d DOUBLE")
    df.show()
    assert capsys.readouterr().out == (
        "+----+--------------------+----+\n"
        "|   x|                   s|   d|\n"
        "+----+--------------------+----+\n"
        "|   1|                   a| 1.5|\n"
        "|NULL|bbbbbbbbbbbbbbbbb...|NULL|\n"
        "+----+--------------------+----+\n\n")


def test_exact_layouts_of_limits_and_vertical_mode(spark):
    df = spark.createDataFrame([(i, "x" * i) for i in range(3)], "v int, s string")
    assert df._show_string(2) == ("+---+---+\n|  v|  s|\n+---+---+\n|  0|   |\n|  1|  x|\n"
                                  "+---+---+\nonly showing top 2 rows")
    assert df._show_string(20, 20, True) == (
        "-RECORD 0--\n v   | 0   \n s   |     \n-RECORD 1--\n v   | 1   \n s   | x   \n"
        "-RECORD 2--\n v   | 2   \n s   | xx  \n")
    assert df._show_string(1, 20, True) == "-RECORD 0--\n v   | 0   \n s   |     \nonly showing top 1 row"
    assert df._show_string(0, 20, True) == "(0 rows)"
    assert df._show_string(0) == "+---+---+\n|  v|  s|\n+---+---+\n+---+---+\nonly showing top 0 rows"
    empty = spark.createDataFrame([], "v int")
    assert empty._show_string() == "+---+\n|  v|\n+---+\n+---+\n"
    assert empty._show_string(20, 20, True) == "(0 rows)"


def test_values_print_as_spark_prints_them(spark):
    df = spark.createDataFrame(
        [([1, 2], {"a": 1}, Row(x=1, y="q"), True, datetime.date(2020, 1, 2),
          datetime.datetime(2020, 1, 2, 3, 4, 5, 600000), decimal.Decimal("1.50"),
          bytearray(b"ab"), 1e10, float("nan"), [None], "日本語テキスト", 0.1 + 0.2, -0.0)],
        "a array<int>, m map<string,int>, st struct<x:int,y:string>, b boolean, dt date, "
        "ts timestamp, dec decimal(5,2), bin binary, big double, nan double, an array<int>, "
        "u string, f double, nz double")
    assert df._show_string(truncate=False) == (
        "+------+--------+------+----+----------+---------------------+----+-------+------+---+"
        "------+--------------+-------------------+----+\n"
        "|a     |m       |st    |b   |dt        |ts                   |dec |bin    |big   |nan|"
        "an    |u             |f                  |nz  |\n"
        "+------+--------+------+----+----------+---------------------+----+-------+------+---+"
        "------+--------------+-------------------+----+\n"
        "|[1, 2]|{a -> 1}|{1, q}|true|2020-01-02|2020-01-02 03:04:05.6|1.50|[61 62]|1.0E10|NaN|"
        "[NULL]|日本語テキスト|0.30000000000000004|-0.0|\n"
        "+------+--------+------+----+----------+---------------------+----+-------+------+---+"
        "------+--------------+-------------------+----+\n")
    cut = spark.createDataFrame([("日本語テキスト",)], "u string")._show_string(truncate=5)
    assert cut == "+-------+\n|      u|\n+-------+\n|日本...|\n+-------+\n"


def test_print_schema_tree(spark, capsys):
    df = spark.createDataFrame([], "i int, a array<struct<b:long>>, m map<string,double>")
    df.printSchema()
    assert capsys.readouterr().out == (
        "root\n"
        " |-- i: integer (nullable = true)\n"
        " |-- a: array (nullable = true)\n"
        " |    |-- element: struct (containsNull = true)\n"
        " |    |    |-- b: long (nullable = true)\n"
        " |-- m: map (nullable = true)\n"
        " |    |-- key: string\n"
        " |    |-- value: double (valueContainsNull = true)\n\n")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(-10**6, 10**6)),
                          st.one_of(st.none(), st.text("ab c", max_size=30))), max_size=8),
       st.integers(0, 10), st.sampled_from([True, False, 3, 10]))
def test_table_layout_rules(spark, rows, n, truncate):
    df = spark.createDataFrame(rows, "num bigint, txt string")
    text = df._show_string(n, truncate)
    lines = text.split("\n")
    body = [ln for ln in lines if ln.startswith(("|", "+"))]
    assert len({len(ln) for ln in body}) == 1, "every line of the table has the same width"
    border = body[0]
    widths = [len(part) for part in border.strip("+").split("+")]
    assert all(w >= 3 for w in widths)
    shown = rows[:n]
    assert len(body) == 4 + len(shown)
    limit = 20 if truncate is True else 0 if truncate is False else truncate
    for line, row in zip(body[3:], shown):
        cells = line[1:-1].split("|")
        for cell, value, width in zip(cells, row, widths):
            expected = "NULL" if value is None else str(value)
            if limit and len(expected) > limit:
                expected = expected[:limit - 3] + "..." if limit >= 4 else expected[:limit]
            assert cell == (expected.rjust(width) if limit else expected.ljust(width))
    footer = f"only showing top {n} row{'' if n == 1 else 's'}"
    assert (lines[-1] == footer) == (len(rows) > n)
