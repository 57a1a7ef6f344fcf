"""Missing values (na), describe/summary, the catalog and SQLContext."""
from __future__ import annotations

import pytest

from minispark.errors import AnalysisException
from minispark.sql import Row, SQLContext
from minispark.sql import functions as F


@pytest.fixture
def gaps(spark):
    return spark.createDataFrame([(1, 2.0, "a", True), (None, float("nan"), None, None),
                                  (3, None, "c", False)], "i int, d double, s string, b boolean")


def test_fill_drop_replace_as_pyspark(gaps):
    nan = float("nan")
    # Each expected list is what PySpark 4 returns for the same call.
    assert gaps.na.fill(0).collect() == [Row(i=1, d=2.0, s="a", b=True),
                                         Row(i=0, d=0.0, s=None, b=None),
                                         Row(i=3, d=0.0, s="c", b=False)]
    assert [r.i for r in gaps.na.fill(1.5).collect()] == [1, 1, 3]
    assert [r.s for r in gaps.fillna("z").collect()] == ["a", "z", "c"]
    assert [(r.i, r.s) for r in gaps.fillna({"i": 9, "s": "q"}).collect()] == [
        (1, "a"), (9, "q"), (3, "c")]
    assert [r.b for r in gaps.na.fill(True).collect()] == [True, True, False]
    assert gaps.na.drop().count() == 1
    assert gaps.na.drop(how="all").count() == 2
    assert gaps.na.drop(thresh=3).count() == 2
    assert gaps.dropna(subset=["i"]).count() == 2
    assert [r.i for r in gaps.na.replace(1, 10).collect()] == [10, None, 3]
    assert [r.s for r in gaps.replace("a", "A", "s").collect()] == ["A", None, "c"]
    assert nan != nan


def test_describe_and_summary(gaps):
    assert gaps.describe().columns == ["summary", "i", "d", "s"]
    rows = {r.summary: tuple(r)[1:] for r in gaps.summary().collect()}
    assert rows["count"] == ("2", "2", "2")
    assert rows["mean"] == ("2.0", "NaN", None)
    assert rows["stddev"] == ("1.4142135623730951", "NaN", None)
    assert rows["min"] == ("1", "2.0", "a")
    assert rows["max"] == ("3", "NaN", "c")
    assert (rows["25%"], rows["50%"], rows["75%"]) == (("1", "2.0", None), ("1", "2.0", None),
                                                        ("3", "NaN", None))


def test_percentiles(spark):
    df = spark.createDataFrame([(1,), (2,), (3,), (4,)], "x int")
    row = df.select(F.percentile_approx("x", [0.25, 0.5, 0.75]), F.median("x")).collect()[0]
    assert tuple(row) == ([1, 2, 3], 2.5)
    assert df.approxQuantile("x", [0.5], 0.01) == [2]


def test_catalog_and_sql_context(spark, sc):
    spark.range(2).createOrReplaceTempView("two")
    assert "two" in [t.name for t in spark.catalog.listTables()]
    assert spark.catalog.tableExists("two")
    assert [c.name for c in spark.catalog.listColumns("two")] == ["id"]
    spark.catalog.cacheTable("two")
    assert spark.catalog.isCached("two")
    spark.catalog.uncacheTable("two")
    assert not spark.catalog.isCached("two")
    assert spark.catalog.dropTempView("two")
    assert not spark.catalog.tableExists("two")
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        spark.table("two")
    ctx = SQLContext(sc, spark)
    ctx.registerDataFrameAsTable(spark.range(3), "three")
    assert ctx.sql("SELECT count(*) AS n FROM three").collect() == [Row(n=3)]
    assert "three" in ctx.tableNames()
