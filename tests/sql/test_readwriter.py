"""``spark.read`` / ``df.write`` end to end, with DuckDB and pandas as independent oracles.

The scenarios follow PySpark 4's own docstring examples for
``pyspark.sql.readwriter`` (results recorded from PySpark on the same data).
"""
from __future__ import annotations

import datetime
import os

import duckdb
import pandas as pd
import pytest

from minispark.errors import AnalysisException
from minispark.sql import Row, SparkSession
from minispark.sql.functions import col
from minispark.sql.types import (
    IntegerType, LongType, StringType, StructField, StructType, _parse_datatype_string,
)


@pytest.fixture
def spark(sc):
    return SparkSession(sc)


PEOPLE = [Row(age=100, name="Hyukjin Kwon"), Row(age=120, name="Ruifeng Zheng"),
          Row(age=None, name="Takuya Ueshin"), Row(age=140, name=None)]


def people(spark):
    return spark.createDataFrame(PEOPLE, "age BIGINT, name STRING")


def sorted_rows(df, *keys):
    return sorted(df.collect(), key=lambda r: tuple((r[k] is None, r[k]) for k in keys))


@pytest.mark.parametrize("fmt", ["parquet", "orc", "json", "csv"])
def test_every_format_round_trips_through_the_dataframe_api(spark, tmp_path, fmt):
    out = str(tmp_path / fmt)
    people(spark).write.mode("overwrite").format(fmt).option(
        "header", True if fmt == "csv" else None).save(out)
    reader = spark.read.format(fmt)
    if fmt == "csv":
        reader = reader.option("header", True).schema("age BIGINT, name STRING")
    back = reader.load(out)
    assert sorted_rows(back, "age", "name") == sorted_rows(people(spark), "age", "name")
    assert {f.name for f in back.schema} == {"age", "name"}


def test_parquet_written_by_minispark_matches_duckdb(spark, tmp_path):
    out = str(tmp_path / "sales")
    df = spark.createDataFrame([(i, f"r{i % 7}", i * 0.25, datetime.date(2024, 1, 1 + i % 28))
                                for i in range(500)], "id BIGINT, region STRING, price DOUBLE, day DATE")
    df.repartition(4).write.partitionBy("region").parquet(out)
    expected = duckdb.sql(f"SELECT region, count(*), sum(price) FROM read_parquet('{out}/*/*.parquet',"
                          " hive_partitioning=true) GROUP BY region ORDER BY region").fetchall()
    assert expected == [(f"r{k}", sum(1 for i in range(500) if i % 7 == k),
                         sum(i * 0.25 for i in range(500) if i % 7 == k)) for k in range(7)]
    back = spark.read.parquet(out)
    assert back.columns == ["id", "price", "day", "region"]  # partition columns come last
    got = sorted((r.region, r.id) for r in back.filter(col("region") == "r3").collect())
    assert got == sorted((f"r{i % 7}", i) for i in range(500) if i % 7 == 3)
    one = spark.read.parquet(os.path.join(out, "region=r3"))
    assert one.columns == ["id", "price", "day"] and one.count() == len(got)


def test_files_written_by_duckdb_read_in_minispark(spark, tmp_path):
    csv_path, json_path = tmp_path / "d.csv", tmp_path / "d.json"
    duckdb.sql(f"COPY (SELECT i AS n, 'v' || i AS s FROM range(300) t(i)) TO '{csv_path}' (HEADER)")
    duckdb.sql(f"COPY (SELECT i AS n, 'v' || i AS s FROM range(300) t(i)) TO '{json_path}' (FORMAT JSON)")
    from_csv = spark.read.csv(str(csv_path), header=True, inferSchema=True)
    assert from_csv.schema == StructType([StructField("n", IntegerType()), StructField("s", StringType())])
    from_json = spark.read.json(str(json_path))
    assert from_json.schema == StructType([StructField("n", LongType()), StructField("s", StringType())])
    expected = pd.read_csv(csv_path)
    for df in (from_csv, from_json):
        got = df.toPandas().sort_values("n").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_reader_options_schema_strings_and_null_values_match_pyspark(spark, tmp_path):
    d = str(tmp_path / "opts")
    df = spark.createDataFrame([{"age": 100, "name": "Hyukjin Kwon"}])
    df.write.option("header", True).mode("overwrite").format("csv").save(d)
    loaded = spark.read.load(d, schema=df.schema, format="csv", nullValue="Hyukjin Kwon", header=True)
    assert loaded.collect() == [Row(age=100, name=None)]
    assert spark.read.options(nullValue="Hyukjin Kwon", header=True).format("csv").load(d).collect() \
        == [Row(age="100", name=None)]
    empty = str(tmp_path / "empty")
    os.mkdir(empty)
    schema_only = spark.read.schema("col0 INT, col1 DOUBLE").format("csv").load(empty)
    assert schema_only.schema == _parse_datatype_string("col0 INT, col1 DOUBLE")
    assert schema_only.count() == 0


def test_save_modes_at_the_dataframe_level(spark, tmp_path):
    d = str(tmp_path / "modes")
    spark.createDataFrame([{"age": 100, "name": "Hyukjin Kwon"}]).write.mode("overwrite").parquet(d)
    spark.createDataFrame([{"age": 120, "name": "Takuya Ueshin"}]).write.mode("append").parquet(d)
    spark.createDataFrame([{"age": 140, "name": "Haejoon Lee"}]).write.mode("ignore").parquet(d)
    assert sorted(r.age for r in spark.read.parquet(d).collect()) == [100, 120]
    with pytest.raises(AnalysisException, match="PATH_ALREADY_EXISTS"):
        spark.createDataFrame([{"age": 1, "name": "x"}]).write.parquet(d)
    spark.createDataFrame([{"age": 1, "name": "x"}]).write.parquet(d, mode="overwrite")
    assert spark.read.parquet(d).collect() == [Row(age=1, name="x")]


def test_merge_schema_and_text(spark, tmp_path):
    d1, d2 = str(tmp_path / "p1"), str(tmp_path / "p2")
    spark.createDataFrame([(10, "Alice"), (15, "Bob")], ["age", "name"]).write.parquet(d1)
    spark.createDataFrame([(70, "Alice"), (80, "Bob")], ["height", "name"]).write.parquet(d2)
    merged = spark.read.option("mergeSchema", "true").parquet(d1, d2)
    assert merged.columns == ["age", "name", "height"]
    assert sorted(merged.select("name", "age", "height").collect(),
                  key=lambda r: (r.name, r.age is None)) == [
        Row(name="Alice", age=10, height=None), Row(name="Alice", age=None, height=70),
        Row(name="Bob", age=15, height=None), Row(name="Bob", age=None, height=80)]
    t = str(tmp_path / "text")
    letters = spark.createDataFrame([("a",), ("b",), ("c",)], schema=["alphabets"])
    letters.write.mode("overwrite").text(t)
    assert sorted(spark.read.schema(letters.schema).text(t).collect()) == [
        Row(alphabets="a"), Row(alphabets="b"), Row(alphabets="c")]


def test_save_as_table_insert_into_and_read_table(sc, tmp_path):
    spark = SparkSession(sc, {"spark.sql.warehouse.dir": str(tmp_path / "warehouse")})
    df = spark.createDataFrame([(100, "Hyukjin Kwon"), (120, "Hyukjin Kwon"), (140, "Haejoon Lee")],
                               schema=["age", "name"])
    df.write.saveAsTable("tblA")
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_ALREADY_EXISTS"):
        df.write.saveAsTable("tblA")
    df.selectExpr("age AS col1", "name AS col2").write.insertInto("tblA")
    got = spark.read.table("tblA").sort("age").collect()
    assert got == sorted(df.collect() * 2, key=lambda r: r.age)
    df.write.mode("overwrite").saveAsTable("tblA")
    assert spark.read.table("tblA").count() == 3
    assert os.path.isdir(tmp_path / "warehouse" / "tbla")


def test_unsupported_writer_features_are_refused(spark, tmp_path):
    df = spark.createDataFrame([(1, "a")], ["n", "s"])
    with pytest.raises(AnalysisException, match="does not support bucketBy"):
        df.write.bucketBy(2, "s").parquet(str(tmp_path / "b"))
    with pytest.raises(NotImplementedError, match="quoteAll"):
        df.write.csv(str(tmp_path / "x"), quoteAll=True)
    with pytest.raises(AnalysisException, match="partition column 'zz'"):
        df.write.partitionBy("zz").parquet(str(tmp_path / "y"))
    assert not os.path.exists(tmp_path / "x") and not os.path.exists(tmp_path / "y")


def test_json_from_a_dataframe_or_an_rdd_of_strings(spark):
    json_df = spark.createDataFrame(
        [('{"name": "Alice", "age": 25}',), ('{"name": "Bob", "age": 30}',)], schema="value STRING")
    assert spark.read.json(json_df).sort("name").collect() == [Row(age=25, name="Alice"),
                                                               Row(age=30, name="Bob")]
    strings = spark.sparkContext.parallelize(['{"a": 1, "b": [1, 2]}', '{"a": "x"}', "bad"], 2)
    assert sorted(spark.read.json(strings).collect(), key=str) == sorted([
        Row(_corrupt_record=None, a="1", b=[1, 2]), Row(_corrupt_record=None, a="x", b=None),
        Row(_corrupt_record="bad", a=None, b=None)], key=str)
    typed = spark.read.json(strings, schema="a INT, b ARRAY<INT>", mode="DROPMALFORMED")
    assert typed.collect() == [Row(a=1, b=[1, 2])]
