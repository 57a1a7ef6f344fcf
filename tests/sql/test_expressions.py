"""Column expressions against DuckDB on random data with nulls, and Spark's ANSI rules."""
from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.errors import (
    AnalysisException, ArithmeticException, NumberFormatException, PySparkValueError,
)
from minispark.sql import Row
from minispark.sql import functions as F
from tests.sql.oracle import arrow_table, duck, same_rows

NAMES = ["a", "b", "x", "s"]
TYPES = [pa.int64(), pa.int64(), pa.float64(), pa.string()]
ROWS = st.lists(st.tuples(
    st.one_of(st.none(), st.integers(-1000, 1000)),
    st.one_of(st.none(), st.integers(-1000, 1000)),
    st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 3))),
    st.one_of(st.none(), st.text("abcXY %_", max_size=6)),
), max_size=25)

# (DataFrame expression, the same in DuckDB's SQL)
EXPRESSIONS = [
    (lambda: F.col("a") + F.col("b"), "a + b"),
    (lambda: F.col("a") - F.col("b") * 2, "a - b * 2"),
    (lambda: F.col("a") / F.when(F.col("b") != 0, F.col("b")), "a / NULLIF(b, 0)"),
    (lambda: F.col("a") % F.when(F.col("b") != 0, F.col("b")), "a % NULLIF(b, 0)"),
    (lambda: F.col("x") * F.col("a") + 0.5, "x * a + 0.5"),
    (lambda: -F.col("x"), "-x"),
    (lambda: F.col("a") > F.col("b"), "a > b"),
    (lambda: F.col("a") == F.col("b"), "a = b"),
    (lambda: F.col("a") != F.col("b"), "a <> b"),
    (lambda: F.col("a").eqNullSafe(F.col("b")), "a IS NOT DISTINCT FROM b"),
    (lambda: (F.col("a") > 0) & (F.col("b") < 0), "a > 0 AND b < 0"),
    (lambda: (F.col("a") > 0) | (F.col("x") < 0), "a > 0 OR x < 0"),
    (lambda: ~(F.col("a") >= F.col("b")), "NOT (a >= b)"),
    (lambda: F.col("s").isNull(), "s IS NULL"),
    (lambda: F.col("a").isNotNull(), "a IS NOT NULL"),
    (lambda: F.col("a").isin(1, 2, 3), "a IN (1, 2, 3)"),
    (lambda: F.col("a").between(-10, 10), "a BETWEEN -10 AND 10"),
    (lambda: F.col("s").like("a%"), "s LIKE 'a%'"),
    (lambda: F.col("s").like("_b%"), "s LIKE '_b%'"),
    (lambda: F.col("s").startswith("a"), "starts_with(s, 'a')"),
    (lambda: F.col("s").contains("X"), "contains(s, 'X')"),
    (lambda: F.when(F.col("a") > 0, "pos").when(F.col("a") < 0, "neg").otherwise("zero"),
     "CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END"),
    (lambda: F.when(F.col("x") > 0, F.col("x")), "CASE WHEN x > 0 THEN x END"),
    (lambda: F.coalesce(F.col("a"), F.col("b"), F.lit(0)), "coalesce(a, b, 0)"),
    (lambda: F.upper("s"), "upper(s)"),
    (lambda: F.lower("s"), "lower(s)"),
    (lambda: F.length("s"), "length(s)"),
    (lambda: F.concat(F.col("s"), F.lit("-"), F.col("s")), "s || '-' || s"),
    (lambda: F.substring("s", 2, 3), "substring(s, 2, 3)"),
    (lambda: F.trim(F.col("s")), "trim(s)"),
    (lambda: F.abs("a"), "abs(a)"),
    (lambda: F.sqrt(F.abs("x")), "sqrt(abs(x))"),
    (lambda: F.col("a").cast("string"), "CAST(a AS VARCHAR)"),
    (lambda: F.col("a").cast("double") / 4, "CAST(a AS DOUBLE) / 4"),
    (lambda: F.greatest("a", "b"), "greatest(a, b)"),
    (lambda: F.least("a", "b"), "least(a, b)"),
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ROWS)
def test_expressions_match_duckdb(spark, rows):
    table = arrow_table(rows, NAMES, TYPES)
    df = spark.createDataFrame(table)
    ours = df.select([build().alias(f"e{i}") for i, (build, _) in enumerate(EXPRESSIONS)])
    sql = "SELECT " + ", ".join(f"{text} AS e{i}" for i, (_, text) in enumerate(EXPRESSIONS))
    same_rows(ours.collect(), duck(sql + " FROM t", t=table))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ROWS)
def test_filters_keep_only_true_rows(spark, rows):
    table = arrow_table(rows, NAMES, TYPES)
    df = spark.createDataFrame(table)
    ours = df.filter((F.col("a") > F.col("b")) | F.col("s").like("%a%")).where("x IS NOT NULL")
    expected = duck("SELECT * FROM t WHERE (a > b OR s LIKE '%a%') AND x IS NOT NULL", t=table)
    same_rows(ours.collect(), expected)


def test_three_valued_logic(spark):
    df = spark.createDataFrame([(True,), (False,), (None,)], "p boolean")
    got = df.select((F.col("p") & F.lit(None).cast("boolean")).alias("and_null"),
                    (F.col("p") | F.lit(None).cast("boolean")).alias("or_null"),
                    (~F.col("p")).alias("not_p")).collect()
    assert got == [Row(and_null=None, or_null=True, not_p=False),
                   Row(and_null=False, or_null=None, not_p=True),
                   Row(and_null=None, or_null=None, not_p=None)]
    assert df.filter(F.col("p") | F.col("p").isNull()).count() == 2


def test_division_is_fractional_and_ansi_errors(spark):
    df = spark.createDataFrame([(7, 2)], "a int, b int")
    assert df.select((F.col("a") / F.col("b")).alias("q")).collect() == [Row(q=3.5)]
    assert df.selectExpr("a div b AS d", "a % b AS r", "-7 % 2 AS m").collect() == [
        Row(d=3, r=1, m=-1)]
    zero = spark.createDataFrame([(1, 0)], "a int, b int")
    with pytest.raises(Exception) as error:
        zero.select(F.col("a") / F.col("b")).collect()
    assert "DIVIDE_BY_ZERO" in _chain(error.value)
    with pytest.raises(Exception) as error:
        zero.select(F.col("a") % F.col("b")).collect()
    assert "REMAINDER_BY_ZERO" in _chain(error.value)
    big = spark.createDataFrame([(2147483647,)], "a int")
    with pytest.raises(Exception) as error:
        big.select(F.col("a") + 1).collect()
    assert "ARITHMETIC_OVERFLOW" in _chain(error.value)
    assert big.select(F.col("a").cast("long") + 1).collect()[0][0] == 2147483648


def test_constant_errors_raise_while_planning(spark):
    with pytest.raises(ArithmeticException, match="DIVIDE_BY_ZERO"):
        spark.sql("SELECT 1 / 0").collect()
    with pytest.raises(NumberFormatException, match="CAST_INVALID_INPUT"):
        spark.sql("SELECT CAST('1.5' AS INT)").collect()
    with pytest.raises(ArithmeticException, match="CAST_OVERFLOW"):
        spark.sql("SELECT CAST(3000000000 AS INT)").collect()


def _chain(error: BaseException) -> str:
    """The text of an error and of everything chained to it (executor tracebacks)."""
    parts = []
    while error is not None:
        parts.append(str(error))
        error = error.__cause__ or error.__context__
    return "\n".join(parts)


def test_casts_follow_spark(spark):
    df = spark.createDataFrame([(" 12 ", 1.9, -1.9, "true", "2020-01-02")],
                               "s string, x double, y double, t string, d string")
    row = df.select(F.col("s").cast("int").alias("i"), F.col("x").cast("int").alias("xi"),
                    F.col("y").cast("int").alias("yi"), F.col("t").cast("boolean").alias("b"),
                    F.col("d").cast("date").alias("dt"), F.col("x").cast("string").alias("xs"),
                    F.lit(1e10).cast("string").alias("big")).collect()[0]
    import datetime

    assert row == Row(i=12, xi=1, yi=-1, b=True, dt=datetime.date(2020, 1, 2), xs="1.9",
                      big="1.0E10")
    assert df.select(F.col("t").try_cast("int").alias("n")).collect() == [Row(n=None)]


def test_round_uses_the_decimal_form_of_doubles(spark):
    df = spark.createDataFrame([(0.95, 2.675, -2.5, 2.5, 1234)],
                               "a double, b double, c double, d double, i int")
    got = df.select(F.round("a", 1), F.round("b", 2), F.round("c"), F.round("d"), F.bround("d"),
                    F.round("i", -2), F.bround("c")).collect()
    # As PySpark 4 prints for the same call.
    assert got == [Row(**{"round(a, 1)": 1.0, "round(b, 2)": 2.68, "round(c, 0)": -3.0,
                          "round(d, 0)": 3.0, "bround(d, 0)": 2.0, "round(i, -2)": 1200,
                          "bround(c, 0)": -2.0})]


def test_nan_compares_as_the_largest_value(spark):
    df = spark.createDataFrame([(float("nan"),), (1.0,)], "x double")
    got = df.select((F.col("x") == float("nan")).alias("eq"),
                    (F.col("x") > 1e300).alias("big")).collect()
    assert got == [Row(eq=True, big=True), Row(eq=False, big=False)]


def test_column_misuse_errors(spark):
    with pytest.raises(PySparkValueError, match="CANNOT_CONVERT_COLUMN_INTO_BOOL"):
        bool(F.col("a") > 1)
    with pytest.raises(AnalysisException, match="BINARY_OP_DIFF_TYPES"):
        spark.createDataFrame([(True,)], "p boolean").select(F.col("p") == 1)
    assert repr(F.col("x") + 1) == "Column<'+(x, 1)'>"
    assert repr(F.when(F.col("x") > 1, "a")) == "Column<'CASE WHEN >(x, 1) THEN 'a' END'>"
