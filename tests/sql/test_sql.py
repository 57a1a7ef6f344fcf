"""spark.sql: queries checked against DuckDB, views, and errors with positions."""
from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.errors import AnalysisException, ParseException
from minispark.sql import Row
from tests.sql.oracle import arrow_table, duck, same_rows

SALES = st.lists(st.tuples(st.sampled_from(["north", "south", "east"]),
                           st.one_of(st.none(), st.sampled_from(["p1", "p2", "p3"])),
                           st.integers(1, 20), st.one_of(st.none(), st.integers(1, 100))),
                 max_size=40)
PRODUCTS = [("p1", "tools", 10), ("p2", "toys", 20), ("p3", "tools", 30), ("p4", "food", 5)]
SETTINGS = settings(max_examples=10, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

QUERIES = [
    "SELECT region, count(*) AS n, sum(qty * price) AS revenue FROM sales GROUP BY region",
    "SELECT region, product, sum(qty) FROM sales WHERE price IS NOT NULL AND qty > 3 "
    "GROUP BY region, product HAVING sum(qty) > 5",
    "SELECT region, avg(price) FROM sales GROUP BY 1 HAVING count(*) > 1 AND max(qty) > 2",
    "SELECT s.region, p.category, sum(s.qty) AS q FROM sales s JOIN products p "
    "ON s.product = p.product WHERE p.category <> 'food' GROUP BY s.region, p.category",
    "SELECT s.product, p.category FROM sales s LEFT JOIN products p ON s.product = p.product",
    "SELECT DISTINCT region, product FROM sales",
    "WITH big AS (SELECT * FROM sales WHERE qty >= 10) "
    "SELECT region, count(*) FROM big GROUP BY region",
    "SELECT t.region, t.total FROM (SELECT region, sum(qty) AS total FROM sales "
    "GROUP BY region) t WHERE t.total > 10",
    "SELECT region, CASE WHEN qty > 10 THEN 'big' WHEN qty > 5 THEN 'mid' ELSE 'small' END, "
    "CAST(qty AS DOUBLE) / 4 FROM sales",
    "SELECT product, coalesce(price, 0) + qty, price BETWEEN 10 AND 50, "
    "product IN ('p1', 'p2') FROM sales",
    "SELECT region FROM sales UNION SELECT category FROM products",
    "SELECT product FROM sales INTERSECT SELECT product FROM products",
    "SELECT p.product FROM products p LEFT ANTI JOIN sales s ON p.product = s.product",
    "SELECT p.product FROM products p LEFT SEMI JOIN sales s ON p.product = s.product",
    "SELECT upper(region), length(product), substring(region, 2, 3) FROM sales",
]


def _tables(sales):
    s = arrow_table(sales, ["region", "product", "qty", "price"],
                    [pa.string(), pa.string(), pa.int64(), pa.int64()])
    p = arrow_table(PRODUCTS, ["product", "category", "weight"],
                    [pa.string(), pa.string(), pa.int64()])
    return s, p


@SETTINGS
@given(SALES)
def test_queries_match_duckdb(spark, sales):
    s, p = _tables(sales)
    spark.createDataFrame(s).createOrReplaceTempView("sales")
    spark.createDataFrame(p).createOrReplaceTempView("products")
    for query in QUERIES:
        expected = duck(query.replace("LEFT ANTI JOIN", "ANTI JOIN").replace(
            "LEFT SEMI JOIN", "SEMI JOIN"), sales=s, products=p)
        same_rows(spark.sql(query).collect(), expected)


@SETTINGS
@given(SALES)
def test_order_by_and_limit(spark, sales):
    s, _ = _tables(sales)
    spark.createDataFrame(s).createOrReplaceTempView("sales")
    query = ("SELECT region, sum(qty) AS q FROM sales GROUP BY region "
             "ORDER BY q DESC, region LIMIT 2")
    same_rows(spark.sql(query).collect(), duck(query, sales=s), ordered=True)
    query = "SELECT product, qty FROM sales ORDER BY count(*) OVER () , product, qty"
    by_alias = ("SELECT product AS p, qty FROM sales ORDER BY p DESC NULLS LAST, 2 LIMIT 5")
    same_rows(spark.sql(by_alias).collect(), duck(by_alias, sales=s), ordered=True)
    hidden = "SELECT region FROM sales GROUP BY region ORDER BY max(qty), region"
    same_rows(spark.sql(hidden).collect(), duck(hidden, sales=s), ordered=True)


def test_names_of_sql_columns(spark):
    spark.createDataFrame([(1, "a")], ["x", "s"]).createOrReplaceTempView("t")
    df = spark.sql("SELECT x + 1, upper(s), count(*) OVER () AS c, 'lit', 1.5, x AS y, "
                   "CAST(x AS STRING), sum(x) FROM t GROUP BY x, s".replace(
                       "count(*) OVER () AS c, ", ""))
    assert df.columns == ["(x + 1)", "upper(s)", "lit", "1.5", "y", "x", "sum(x)"]
    assert spark.sql("SELECT 1L, 2.5D, DATE '2020-01-02' AS d").columns == ["1", "2.5", "d"]
    assert spark.sql("SELECT 1 AS a, 'x' AS b").collect() == [Row(a=1, b="x")]


def test_views_and_tables(spark):
    spark.range(3).createOrReplaceTempView("nums")
    assert spark.table("nums").count() == 3
    assert spark.sql("SELECT nums.id FROM nums WHERE nums.id > 0").count() == 2
    spark.range(5).createOrReplaceTempView("nums")
    assert spark.table("nums").count() == 5
    with pytest.raises(AnalysisException, match="TEMP_TABLE_OR_VIEW_ALREADY_EXISTS"):
        spark.range(1).createTempView("nums")
    spark.range(2).createOrReplaceGlobalTempView("shared")
    assert spark.newSession().sql("SELECT * FROM global_temp.shared").count() == 2
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        spark.sql("SELECT * FROM nowhere")
    with pytest.raises(AnalysisException, match=r"UNRESOLVED_COLUMN.*\[`id`\]"):
        spark.sql("SELECT idd FROM nums")


def test_parse_errors_point_at_the_position(spark):
    with pytest.raises(ParseException) as error:
        spark.sql("SELECT a FORM t")
    assert str(error.value) == (
        "[PARSE_SYNTAX_ERROR] Syntax error at or near 't'. SQLSTATE: 42601 (line 1, pos 14)\n\n"
        "== SQL ==\nSELECT a FORM t\n--------------^^^\n")
    with pytest.raises(ParseException, match=r"line 2"):
        spark.sql("SELECT a\nFROM t WHERE")
    with pytest.raises(AnalysisException, match="UNRESOLVED_ROUTINE"):
        spark.sql("SELECT nosuchfunction(1)")


def test_commands(spark, capsys):
    spark.range(3).createOrReplaceTempView("nums")
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW doubled (n) AS SELECT id * 2 FROM nums")
    assert spark.table("doubled").collect() == [Row(n=0), Row(n=2), Row(n=4)]
    spark.sql("CREATE TEMPORARY VIEW IF NOT EXISTS doubled AS SELECT 1")
    assert spark.table("doubled").count() == 3
    tables = {r.tableName for r in spark.sql("SHOW TABLES").collect()}
    assert {"nums", "doubled"} <= tables
    assert spark.sql("DESCRIBE doubled").collect() == [
        Row(col_name="n", data_type="bigint", comment=None)]
    assert spark.sql("SET spark.sql.shuffle.partitions=4").collect() == [
        Row(key="spark.sql.shuffle.partitions", value="4")]
    assert spark.conf.get("spark.sql.shuffle.partitions") == "4"
    plan = spark.sql("EXPLAIN EXTENDED SELECT n FROM doubled WHERE n > 1").collect()[0].plan
    assert "== Optimized Logical Plan ==" in plan and "Filter" in plan
    spark.sql("CACHE TABLE doubled")
    assert "InMemoryTableScan" in spark.table("doubled")._execution.physical.tree_string()
    spark.sql("UNCACHE TABLE doubled")
    spark.sql("DROP VIEW doubled")
    spark.sql("DROP VIEW IF EXISTS doubled")
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        spark.sql("DROP VIEW doubled")
    with pytest.raises(ParseException, match="not supported"):
        spark.sql("SHOW GRANTS")


SUBQUERIES = [
    "SELECT k, (SELECT max(x) FROM r) AS m FROM l",
    "SELECT k FROM l WHERE k IN (SELECT k FROM r)",
    "SELECT k FROM l WHERE k NOT IN (SELECT k FROM r)",
    "SELECT k FROM l WHERE k NOT IN (SELECT k FROM r WHERE k IS NOT NULL)",
    "SELECT k FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k)",
    "SELECT k FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.k = l.k AND r.x > 6)",
    "SELECT k, (SELECT sum(x) FROM r WHERE r.k = l.k) AS s, "
    "(SELECT count(*) FROM r WHERE r.k = l.k) AS c FROM l",
    "SELECT k FROM l WHERE k < (SELECT avg(k) FROM r)",
    "SELECT k FROM l WHERE k IN (SELECT k FROM l WHERE v IS NOT NULL)",
    "SELECT k, v, sum(k) OVER (PARTITION BY v ORDER BY k ROWS BETWEEN 1 PRECEDING AND "
    "CURRENT ROW) AS s, rank() OVER (ORDER BY k DESC) AS r FROM l",
]


@SETTINGS
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 4)),
                          st.one_of(st.none(), st.sampled_from(["a", "b"]))), max_size=8),
       st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 4)), st.integers(0, 20)),
                max_size=8))
def test_subqueries_and_windows_match_duckdb(spark, left, right):
    lt = arrow_table(left, ["k", "v"], [pa.int64(), pa.string()])
    rt = arrow_table(right, ["k", "x"], [pa.int64(), pa.int64()])
    spark.createDataFrame(lt).createOrReplaceTempView("l")
    spark.createDataFrame(rt).createOrReplaceTempView("r")
    for query in SUBQUERIES:
        expected = duck(query.replace("OVER (ORDER BY k DESC)",
                                      "OVER (ORDER BY k DESC NULLS LAST)")
                        .replace("ORDER BY k ROWS", "ORDER BY k NULLS FIRST ROWS"), l=lt, r=rt)
        same_rows(spark.sql(query).collect(), expected)
    if len(right) > 1:
        with pytest.raises(AnalysisException, match="SCALAR_SUBQUERY_TOO_MANY_ROWS"):
            spark.sql("SELECT (SELECT x FROM r) FROM l").collect()
