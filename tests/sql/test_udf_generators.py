"""Python UDFs (row and pandas), generators (explode), and per-task values."""
from __future__ import annotations

import pytest

from minispark.errors import AnalysisException, PythonException
from minispark.sql import Row
from minispark.sql import functions as F
from minispark.sql.types import IntegerType


def test_row_udf_and_its_name(spark):
    df = spark.createDataFrame([(1, "a"), (2, None)], ["n", "s"])
    twice = F.udf(lambda s: None if s is None else s * 2)
    pairs = F.udf(lambda n: [n, n + 1], "array<int>")
    out = df.select(twice("s"), pairs("n").alias("p"))
    assert out.columns == ["<lambda>(s)", "p"]
    assert out.collect() == [Row(**{"<lambda>(s)": "aa"}, p=[1, 2]),
                             Row(**{"<lambda>(s)": None}, p=[2, 3])]

    @F.udf(returnType=IntegerType())
    def length_of(s):
        return len(s) if s is not None else -1
    assert [r[0] for r in df.select(length_of("s")).collect()] == [1, -1]
    assert df.select(length_of("s")).columns == ["length_of(s)"]


def test_pandas_udf_runs_on_whole_batches(spark):
    @F.pandas_udf("double")
    def half(values):
        assert len(values) >= 1  # a Series of the batch, not one value
        return values / 2
    df = spark.range(4, numPartitions=2)
    assert sorted(r[0] for r in df.select(half("id")).collect()) == [0.0, 0.5, 1.0, 1.5]


def test_registered_udf_in_sql_and_errors(spark):
    spark.udf.register("plus_one", lambda x: x + 1, "long")
    spark.range(3).createOrReplaceTempView("nums")
    assert spark.sql("SELECT plus_one(id) AS n FROM nums").collect() == [
        Row(n=1), Row(n=2), Row(n=3)]
    broken = F.udf(lambda n: 1 // 0, "long")
    with pytest.raises(PythonException, match="ZeroDivisionError"):
        spark.range(1).select(broken("id")).collect()


def test_explode_family(spark):
    df = spark.createDataFrame([(1, [1, 2], {"a": 1}), (2, [], None), (3, None, {"b": 2})],
                               "k int, a array<int>, m map<string,int>")
    assert df.select("k", F.explode("a")).collect() == [Row(k=1, col=1), Row(k=1, col=2)]
    assert df.select("k", F.explode_outer("a").alias("v")).collect() == [
        Row(k=1, v=1), Row(k=1, v=2), Row(k=2, v=None), Row(k=3, v=None)]
    assert df.select("k", F.posexplode("a")).collect() == [Row(k=1, pos=0, col=1),
                                                           Row(k=1, pos=1, col=2)]
    assert df.select("k", F.explode("m").alias("key2", "val2")).collect() == [
        Row(k=1, key2="a", val2=1), Row(k=3, key2="b", val2=2)]
    df.createOrReplaceTempView("t")
    assert spark.sql("SELECT k, explode(a) AS x FROM t").count() == 2
    with pytest.raises(AnalysisException, match="MULTI_GENERATOR"):
        df.select(F.explode("a"), F.explode("a"))


def test_ids_random_values_and_sampling(spark):
    df = spark.range(10, numPartitions=3)
    ids = df.select(F.monotonically_increasing_id().alias("m"),
                    F.spark_partition_id().alias("p")).collect()
    assert [r.m >> 33 for r in ids] == [r.p for r in ids]
    assert len({r.m for r in ids}) == 10
    first = df.select(F.rand(1)).collect()
    assert first == df.select(F.rand(1)).collect(), "a seed gives the same numbers"
    assert all(0 <= r[0] < 1 for r in first)
    parts = df.randomSplit([0.3, 0.7], seed=3)
    assert sorted(r.id for p in parts for r in p.collect()) == list(range(10))
    assert df.sample(0.5, seed=3).count() == df.sample(fraction=0.5, seed=3).count()
