"""SparkSession: building, configuration, createDataFrame's inputs and outputs."""
from __future__ import annotations

import datetime
import decimal

import pandas as pd
import pyarrow as pa
import pytest

from minispark.errors import (
    IllegalArgumentException, PySparkTypeError, PySparkValueError, SparkNoSuchElementException,
)
from minispark.sql import DataFrame, Row, SparkSession
from minispark.sql.types import (
    ArrayType, DoubleType, IntegerType, LongType, MapType, StringType, StructField, StructType,
)


def test_builder_reuses_the_running_context_and_session(sc):
    first = SparkSession.builder.appName("a").getOrCreate()
    assert first.sparkContext is sc
    again = SparkSession.builder.config("spark.sql.shuffle.partitions", 7).getOrCreate()
    assert again is first
    assert again.conf.get("spark.sql.shuffle.partitions") == "7"
    assert SparkSession.getActiveSession() is first
    assert SparkSession.active() is first
    first.conf.unset("spark.sql.shuffle.partitions")


def test_builder_options_and_unsupported_ones(sc):
    builder = SparkSession.builder.master("local[2]").appName("x").config(
        map={"spark.sql.shuffle.partitions": 3})
    assert builder._options["spark.master"] == "local[2]"
    with pytest.raises(IllegalArgumentException, match="Hive"):
        SparkSession.builder.enableHiveSupport()
    with pytest.raises(NotImplementedError, match="Connect"):
        SparkSession.builder.remote("sc://x")


def test_runtime_conf_defaults_and_errors(spark):
    assert spark.conf.get("spark.sql.shuffle.partitions") == "200"
    assert spark.conf.get("spark.sql.autoBroadcastJoinThreshold") == "10485760b"
    assert spark.conf.get("spark.sql.ansi.enabled") == "true"
    assert spark.conf.get("spark.app.name") == spark.sparkContext.appName
    assert spark.conf.get("spark.nope", None) is None
    with pytest.raises(SparkNoSuchElementException, match="SQL_CONF_NOT_FOUND"):
        spark.conf.get("spark.nope")
    spark.conf.set("spark.sql.shuffle.partitions", 5)
    assert spark.conf.get("spark.sql.shuffle.partitions") == "5"
    assert spark.conf.isModifiable("spark.sql.shuffle.partitions")
    with pytest.raises(NotImplementedError, match="ansi"):
        spark.conf.set("spark.sql.ansi.enabled", False)


def test_range(spark):
    assert spark.range(3).collect() == [Row(id=0), Row(id=1), Row(id=2)]
    assert [r.id for r in spark.range(1, 7, 2).collect()] == [1, 3, 5]
    assert [r.id for r in spark.range(5, 0, -2).collect()] == [5, 3, 1]
    assert spark.range(10, numPartitions=3).rdd.getNumPartitions() == 3
    assert spark.range(0).count() == 0
    assert spark.range(3).schema == StructType([StructField("id", LongType(), False)])


def test_create_from_tuples_with_each_schema_form(spark):
    data = [(1, "a"), (2, None)]
    inferred = spark.createDataFrame(data)
    assert inferred.columns == ["_1", "_2"]
    assert inferred.dtypes == [("_1", "bigint"), ("_2", "string")]
    named = spark.createDataFrame(data, ["n", "s"])
    assert named.collect() == [Row(n=1, s="a"), Row(n=2, s=None)]
    ddl = spark.createDataFrame(data, "n INT, s STRING")
    assert ddl.dtypes == [("n", "int"), ("s", "string")]
    struct = spark.createDataFrame(data, StructType([StructField("n", IntegerType()),
                                                     StructField("s", StringType())]))
    assert struct.collect() == ddl.collect()
    assert spark.createDataFrame([1, 2], "int").collect() == [Row(value=1), Row(value=2)]
    assert spark.createDataFrame([1.5], DoubleType()).columns == ["value"]


def test_create_from_rows_dicts_and_nested_values(spark):
    rows = [Row(name="a", tags=["x"], m={"k": 1}, when=datetime.date(2020, 1, 2),
                amount=decimal.Decimal("1.50"))]
    df = spark.createDataFrame(rows)
    assert df.dtypes == [("name", "string"), ("tags", "array<string>"),
                         ("m", "map<string,bigint>"), ("when", "date"),
                         ("amount", "decimal(38,18)")]
    back = df.collect()[0]
    assert back.tags == ["x"] and back.m == {"k": 1} and back.when == datetime.date(2020, 1, 2)
    dicts = spark.createDataFrame([{"b": 1, "a": "x"}, {"a": "y", "b": 2}])
    assert dicts.columns == ["a", "b"]
    assert dicts.collect() == [Row(a="x", b=1), Row(a="y", b=2)]
    nested = spark.createDataFrame([(Row(x=1, y="z"),)], "s struct<x:int,y:string>")
    assert nested.collect()[0].s == Row(x=1, y="z")


def test_create_from_pandas_arrow_and_numpy(spark):
    frame = pd.DataFrame({"i": [1, 2], "f": [0.5, float("nan")], "s": ["a", None]})
    df = spark.createDataFrame(frame)
    assert df.dtypes == [("i", "bigint"), ("f", "double"), ("s", "string")]
    rows = df.collect()
    assert rows[0] == Row(i=1, f=0.5, s="a")
    assert rows[1].f != rows[1].f and rows[1].s is None  # NaN stays NaN, None is null
    table = pa.table({"a": pa.array([1, 2], pa.int32()), "b": ["x", "y"]})
    assert spark.createDataFrame(table).dtypes == [("a", "int"), ("b", "string")]
    assert spark.createDataFrame(table, ["p", "q"]).columns == ["p", "q"]
    import numpy as np

    assert spark.createDataFrame(np.array([[1, 2], [3, 4]])).count() == 2


def test_create_from_rdd_and_rdd_to_df(spark, sc):
    rdd = sc.parallelize([(1, "a"), (2, None), (3, "c")], 2)
    df = spark.createDataFrame(rdd, ["n", "s"])
    assert df.rdd.getNumPartitions() == 2
    assert sorted(df.collect()) == [Row(n=1, s="a"), Row(n=2, s=None), Row(n=3, s="c")]
    assert rdd.toDF(["n", "s"]).filter("n > 1").count() == 2
    first_none = sc.parallelize([(None, "a"), (2, "b")]).toDF()
    assert first_none.dtypes == [("_1", "bigint"), ("_2", "string")]


def test_create_errors_name_the_problem(spark):
    with pytest.raises(PySparkTypeError, match="FIELD_DATA_TYPE_UNACCEPTABLE"):
        spark.createDataFrame([("x",)], "a int")
    with pytest.raises(PySparkValueError, match="CANNOT_DETERMINE_TYPE"):
        spark.createDataFrame([(None,)])
    with pytest.raises(PySparkValueError, match="CANNOT_INFER_EMPTY_SCHEMA"):
        spark.createDataFrame([])
    with pytest.raises(PySparkTypeError, match="CANNOT_INFER_SCHEMA_FOR_TYPE"):
        spark.createDataFrame([1, 2])
    assert spark.createDataFrame([], "a int").count() == 0


def test_outputs_rdd_pandas_arrow(spark):
    df = spark.createDataFrame([(1, "a", 1.5), (None, "b", None)], "n INT, s STRING, d DOUBLE")
    assert df.rdd.collect() == [Row(n=1, s="a", d=1.5), Row(n=None, s="b", d=None)]
    frame = df.toPandas()
    assert list(frame.columns) == ["n", "s", "d"]
    assert frame["n"].isna().tolist() == [False, True]
    assert frame["s"].tolist() == ["a", "b"]
    assert spark.createDataFrame([(1,)], "n INT").toPandas()["n"].dtype == "int32"
    table = df.toArrow()
    assert table.schema == pa.schema([("n", pa.int32()), ("s", pa.string()), ("d", pa.float64())])
    assert table.column("n").to_pylist() == [1, None]
    assert isinstance(df, DataFrame) and repr(df) == "DataFrame[n: int, s: string, d: double]"


def test_map_and_array_columns_round_trip(spark):
    schema = StructType([StructField("a", ArrayType(LongType())),
                         StructField("m", MapType(StringType(), LongType()))])
    df = spark.createDataFrame([([1, None], {"x": 1}), (None, None)], schema)
    assert df.collect() == [Row(a=[1, None], m={"x": 1}), Row(a=None, m=None)]


def test_stop_ends_the_context(make_context):
    ctx = make_context("local[1]", "inline")
    session = SparkSession(ctx)
    assert session.range(2).count() == 2
    session.stop()
    assert ctx._stopped
    assert SparkSession.getActiveSession() is None
