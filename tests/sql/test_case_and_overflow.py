"""ANSI semantics that depend on which rows reach an expression: a CASE branch is computed
only for the rows that take it (so ``ELSE 100 / x`` after ``WHEN x = 0`` never divides by
zero), and an integer SUM that overflows is an error (``try_sum`` gives null instead)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from minispark.errors import ArithmeticException
from tests.sql.oracle import duck, same_rows


def _ints(seed: int, n: int = 2_000) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, n)  # many zeros
    return pa.table({"x": pa.array(x, mask=rng.random(n) < 0.1), "s": pa.array(
        [f"v{i % 5}" for i in range(n)])})


@pytest.mark.parametrize("seed", [1, 2])
def test_case_branches_see_only_their_rows(spark, seed):
    data = _ints(seed)
    spark.createDataFrame(data).createOrReplaceTempView("t")
    query = """SELECT x,
        CASE WHEN x = 0 THEN 0 WHEN x IS NULL THEN -1 ELSE 100 DIV x END AS a,
        CASE WHEN x > 0 THEN upper(s) WHEN x < 0 THEN s END AS b,
        CASE WHEN x = 1 THEN array(x, x) ELSE array(x) END AS c
        FROM t"""
    got = [tuple(r) for r in spark.sql(query).collect()]
    in_duckdb = (query.replace("100 DIV x", "100 // x").replace("array(x, x)", "[x, x]")
                 .replace("array(x)", "[x]"))
    same_rows(got, duck(in_duckdb, t=data))


def test_else_never_reached_is_never_computed(spark):
    rows = spark.sql("SELECT CASE WHEN id >= 0 THEN id ELSE 1 / 0 END AS v FROM range(5)")
    assert [r.v for r in rows.collect()] == list(range(5))
    with pytest.raises(ArithmeticException, match="DIVIDE_BY_ZERO"):
        spark.sql("SELECT CASE WHEN id > 2 THEN 1 / 0 ELSE id END AS v FROM range(5)").collect()


def test_integer_sum_overflow_is_an_error_and_try_sum_is_null(spark):
    big = 9_223_372_036_854_775_807
    df = spark.createDataFrame([(big, 1), (1, 1), (big - 10, 2), (5, 2), (-3, 3)], "x long, g int")
    with pytest.raises(ArithmeticException, match="ARITHMETIC_OVERFLOW"):
        df.groupBy("g").sum("x").collect()
    got = {r.g: r.t for r in df.groupBy("g").agg({"x": "try_sum"}).toDF("g", "t").collect()}
    assert got == {1: None, 2: big - 5, 3: -3}
    edge = spark.createDataFrame([(big - 1,), (1,)], "x long").selectExpr("sum(x) AS s")
    assert edge.collect()[0].s == big  # exactly the largest long: no overflow


def test_if_computes_each_branch_only_for_its_rows(spark):
    got = spark.sql("SELECT id, if(id = 0, 0, 10 DIV id) AS a, "
                    "if(id > 100, raise_error('never'), id) AS b FROM range(5)").collect()
    assert [(r.id, r.a, r.b) for r in got] == [(i, 0 if i == 0 else 10 // i, i) for i in range(5)]
