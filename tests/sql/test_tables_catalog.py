"""Persistent tables in ``spark.sql.warehouse.dir``, the catalog API, SQL commands on tables,
``spark.sql`` parameters and ``input_file_name``.

Every test uses a warehouse under ``tmp_path``; expectations are computed in
plain Python (or read back with pyarrow / os) from the data the test writes.
"""
from __future__ import annotations

import os

import pyarrow.parquet as pq
import pytest

from minispark.errors import AnalysisException
from minispark.sql import Row, SparkSession
from minispark.sql.catalog import Column, Database, Function, Table
from minispark.sql.functions import col, input_file_name, lit, udf

PEOPLE = [(100, "Hyukjin Kwon"), (120, "Hyukjin Kwon"), (140, "Haejoon Lee")]


@pytest.fixture
def warehouse(tmp_path):
    return str(tmp_path / "warehouse")


@pytest.fixture
def spark(sc, warehouse):
    session = SparkSession(sc, {"spark.sql.warehouse.dir": warehouse})
    yield session
    session._cache_manager.clear()


def _rows(df):
    return sorted(tuple(r) for r in df.collect())


def test_a_new_session_sees_the_tables_of_a_previous_one(sc, spark, warehouse):
    spark.sql("CREATE DATABASE sales")
    spark.sql("CREATE TABLE sales.orders (id INT, amount DOUBLE) USING parquet")
    spark.sql("INSERT INTO sales.orders VALUES (1, 2.5), (2, 4.0)")
    spark.createDataFrame(PEOPLE, ["age", "name"]).write.saveAsTable("people")
    spark.sql("CREATE VIEW adults AS SELECT name FROM people WHERE age > 110")

    other = SparkSession(sc, {"spark.sql.warehouse.dir": warehouse})
    assert other.catalog.databaseExists("sales")
    assert _rows(other.table("sales.orders")) == [(1, 2.5), (2, 4.0)]
    assert _rows(other.table("people")) == sorted(PEOPLE)
    assert _rows(other.sql("SELECT * FROM adults")) == sorted(
        (n,) for a, n in PEOPLE if a > 110)
    names = {(t.name, t.tableType) for t in other.catalog.listTables()}
    assert names == {("people", "MANAGED"), ("adults", "VIEW")}


def test_insert_into_and_overwrite_with_select_and_values(spark):
    spark.sql("CREATE TABLE t (n INT, s STRING) USING parquet")
    spark.sql("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    spark.sql("INSERT INTO t SELECT n + 10, upper(s) FROM t")
    assert _rows(spark.table("t")) == [(1, "a"), (2, "b"), (11, "A"), (12, "B")]
    spark.sql("INSERT INTO t (s, n) VALUES ('z', 26)")
    assert (26, "z") in _rows(spark.table("t"))
    spark.sql("INSERT OVERWRITE TABLE t SELECT 7, 'x'")
    assert _rows(spark.table("t")) == [(7, "x")]
    with pytest.raises(AnalysisException, match="INSERT_COLUMN_ARITY_MISMATCH"):
        spark.sql("INSERT INTO t VALUES (1)")


def test_create_table_as_select_keeps_the_query_schema(spark):
    source = spark.createDataFrame(PEOPLE, "age INT, name STRING")
    source.createOrReplaceTempView("src")
    spark.sql("CREATE TABLE older USING parquet AS SELECT name, age * 2 AS double_age FROM src")
    got = spark.table("older")
    assert got.dtypes == [("name", "string"), ("double_age", "int")]
    assert _rows(got) == sorted((n, a * 2) for a, n in PEOPLE)
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_ALREADY_EXISTS"):
        spark.sql("CREATE TABLE older AS SELECT 1 AS x")
    spark.sql("CREATE TABLE IF NOT EXISTS older AS SELECT 1 AS x")
    spark.sql("CREATE OR REPLACE TABLE older AS SELECT 1 AS x")
    assert _rows(spark.table("older")) == [(1,)]


def test_save_as_table_modes(spark, warehouse):
    df = spark.createDataFrame(PEOPLE, ["age", "name"])
    df.write.saveAsTable("p")
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_ALREADY_EXISTS"):
        df.write.saveAsTable("p")
    df.write.mode("ignore").saveAsTable("p")
    assert spark.table("p").count() == len(PEOPLE)
    df.select("name", "age").write.mode("append").saveAsTable("p")  # matched by name
    assert _rows(spark.table("p")) == sorted(PEOPLE * 2)
    df.limit(1).write.mode("overwrite").saveAsTable("p")
    assert spark.table("p").count() == 1
    df.write.insertInto("p")
    assert spark.table("p").count() == 1 + len(PEOPLE)
    df.write.insertInto("p", overwrite=True)
    assert _rows(spark.table("p")) == sorted(PEOPLE)
    assert os.path.isdir(os.path.join(warehouse, "p"))


def _boom(x):
    if x == 2:
        raise ValueError("boom")
    return x


def test_failures_leave_nothing_half_written(spark, warehouse):
    failing = udf(_boom, "long")
    spark.createDataFrame([(1,)], "n LONG").write.saveAsTable("kept")
    with pytest.raises(Exception, match="boom"):
        spark.range(4).select(failing("id").alias("n")).write.mode("overwrite") \
            .saveAsTable("kept")
    assert _rows(spark.table("kept")) == [(1,)]
    with pytest.raises(Exception, match="boom"):
        spark.range(4).select(failing("id").alias("n")).write.insertInto("kept")
    assert _rows(spark.table("kept")) == [(1,)]
    spark.range(4).select(failing("id").alias("n")).createOrReplaceTempView("bad")
    with pytest.raises(Exception, match="boom"):
        spark.sql("CREATE TABLE fresh AS SELECT * FROM bad")
    assert not spark.catalog.tableExists("fresh")
    assert not os.path.exists(os.path.join(warehouse, "fresh"))
    leftovers = [n for n in os.listdir(os.path.join(warehouse, "kept"))
                 if n.startswith(("_temporary", ".")) or "-replaced" in n]
    assert leftovers == []


def test_partitioned_table_partitions_and_describe(spark):
    spark.sql("CREATE TABLE pt (id INT, p INT, v STRING) USING parquet PARTITIONED BY (p)")
    assert spark.table("pt").columns == ["id", "v", "p"]
    spark.sql("INSERT INTO pt PARTITION (p = 1) SELECT 1, 'a'")
    spark.sql("INSERT INTO pt VALUES (2, 'b', 2)")
    assert _rows(spark.table("pt")) == [(1, "a", 1), (2, "b", 2)]
    assert [x.partition for x in spark.catalog.listPartitions("pt")] == ["p=1", "p=2"]
    assert {c.name: c.isPartition for c in spark.catalog.listColumns("pt")} == {
        "id": False, "v": False, "p": True}
    described = [tuple(r) for r in spark.sql("DESCRIBE TABLE pt").collect()]
    assert described[:3] == [("id", "int", None), ("v", "string", None), ("p", "int", None)]
    assert ("# Partition Information", "", "") in described


def test_external_table_over_a_location_keeps_its_files(spark, tmp_path):
    location = str(tmp_path / "ext")
    spark.createDataFrame(PEOPLE, ["age", "name"]).write.parquet(location)
    spark.sql(f"CREATE TABLE ext (age LONG, name STRING) USING parquet LOCATION '{location}'")
    assert spark.catalog.getTable("ext").tableType == "EXTERNAL"
    assert _rows(spark.table("ext")) == sorted(PEOPLE)
    spark.sql("DROP TABLE ext")
    assert not spark.catalog.tableExists("ext")
    assert pq.read_table(location).num_rows == len(PEOPLE)


def test_databases_use_show_and_drop(spark):
    spark.sql("CREATE DATABASE IF NOT EXISTS db1")
    with pytest.raises(AnalysisException, match="SCHEMA_ALREADY_EXISTS"):
        spark.sql("CREATE DATABASE db1")
    assert [r.namespace for r in spark.sql("SHOW DATABASES").collect()] == ["db1", "default"]
    spark.sql("USE db1")
    assert spark.catalog.currentDatabase() == "db1"
    spark.sql("CREATE TABLE t1 AS SELECT 1 AS x")
    assert spark.catalog.tableExists("db1.t1") and not spark.catalog.tableExists("default.t1")
    shown = [tuple(r) for r in spark.sql("SHOW TABLES IN db1").collect()]
    assert shown == [("db1", "t1", False)]
    with pytest.raises(AnalysisException, match="SCHEMA_NOT_EMPTY"):
        spark.sql("DROP DATABASE db1")
    spark.sql("DROP DATABASE db1 CASCADE")
    assert spark.catalog.currentDatabase() == "default"
    assert not spark.catalog.databaseExists("db1")
    with pytest.raises(AnalysisException, match="SCHEMA_NOT_FOUND"):
        spark.sql("USE db1")


def test_truncate_drop_and_views(spark):
    spark.sql("CREATE TABLE t (n INT) USING csv")
    spark.sql("INSERT INTO t VALUES (1), (2), (3)")
    spark.sql("TRUNCATE TABLE t")
    assert spark.table("t").count() == 0
    spark.sql("CREATE VIEW v (doubled) AS SELECT n * 2 FROM t")
    spark.sql("INSERT INTO t VALUES (4)")
    assert _rows(spark.table("v")) == [(8,)]
    with pytest.raises(AnalysisException, match="WRONG_COMMAND_FOR_OBJECT_TYPE"):
        spark.sql("DROP TABLE v")
    spark.sql("DROP VIEW v")
    spark.sql("DROP TABLE t")
    spark.sql("DROP TABLE IF EXISTS t")
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        spark.sql("DROP TABLE t")


def test_catalog_api_returns_pyspark_tuples(spark):
    spark.catalog.createTable("ct", schema=spark.range(1).schema, source="parquet")
    assert spark.catalog.getTable("default.ct") == Table(
        "ct", "spark_catalog", ["default"], None, "MANAGED", False)
    assert spark.catalog.listColumns("ct") == [
        Column("id", None, "bigint", True, False, False, False)]
    assert isinstance(spark.catalog.getDatabase("spark_catalog.default"), Database)
    assert spark.catalog.listDatabases("def2*") == []
    functions = spark.catalog.listFunctions(pattern="to_*")
    assert functions and all(isinstance(f, Function) and f.name.startswith("to_")
                             for f in functions)
    assert spark.catalog.functionExists("count")
    assert not spark.catalog.functionExists("default.nope")
    spark.sql("CREATE FUNCTION f1 AS 'com.example.F'")
    assert spark.catalog.getFunction("default.f1").className == "com.example.F"
    with pytest.raises(AnalysisException):
        spark.catalog.getFunction("f2")
    assert [c.name for c in spark.catalog.listCatalogs()] == ["spark_catalog"]


def test_cached_tables_refresh_and_uncache(spark, tmp_path):
    location = str(tmp_path / "loc")
    spark.sql(f"CREATE TABLE c (s STRING) USING text LOCATION '{location}'")
    spark.sql("INSERT INTO c SELECT 'abc'")
    spark.catalog.cacheTable("c")
    assert spark.catalog.isCached("spark_catalog.default.c")
    assert spark.table("c").count() == 1
    for name in os.listdir(location):
        os.remove(os.path.join(location, name))
    assert spark.table("c").count() == 1  # from the cache
    spark.catalog.refreshTable("c")
    assert spark.catalog.isCached("c")
    assert spark.table("c").count() == 0
    spark.catalog.uncacheTable("c")
    assert not spark.catalog.isCached("c")
    with pytest.raises(AnalysisException):
        spark.catalog.cacheTable("missing")


def test_temp_views_shadow_tables_and_drop_temp_view(spark):
    spark.sql("CREATE TABLE x AS SELECT 1 AS n")
    spark.createDataFrame([(2,)], ["n"]).createTempView("x")
    assert _rows(spark.table("x")) == [(2,)]
    assert _rows(spark.table("default.x")) == [(1,)]
    assert spark.catalog.dropTempView("x")
    assert _rows(spark.table("x")) == [(1,)]
    spark.range(1).createGlobalTempView("g")
    assert spark.catalog.dropGlobalTempView("g")
    with pytest.raises(AnalysisException):
        spark.table("global_temp.g")


def test_sql_parameters_and_formatting(spark):
    data = [(1, 4), (2, 4), (3, 6)]
    df = spark.createDataFrame(data, ["A", "B"])
    got = spark.sql("SELECT {df.A}, {df[B]} FROM {df} WHERE {df[B]} > :minB", {"minB": 4},
                    df=df)
    assert got.columns == ["A", "B"]
    assert _rows(got) == [(a, b) for a, b in data if b > 4]
    got = spark.sql("SELECT * FROM {df} WHERE B > ? AND ? < A", args=[3, 1], df=df)
    assert _rows(got) == [(a, b) for a, b in data if b > 3 and 1 < a]
    got = spark.sql("SELECT * FROM range(10) WHERE id > {lo} AND id IN {ids}", lo=2,
                    ids=(1, 3, 5))
    assert _rows(got) == [(3,), (5,)]
    assert _rows(spark.sql("SELECT :x + 1 AS y", {"x": lit(41)})) == [(42,)]
    assert not [n for n in spark._catalog.view_names() if n.startswith("__minispark")]
    with pytest.raises(AnalysisException, match="UNBOUND_SQL_PARAMETER"):
        spark.sql("SELECT :missing", {"other": 1})


def test_input_file_name_names_each_rows_file(spark, tmp_path):
    path = str(tmp_path / "files")
    spark.range(6).repartition(3).write.parquet(path)
    files = {f for f in os.listdir(path) if f.endswith(".parquet")}
    rows = spark.read.parquet(path).select("id", input_file_name().alias("f"),
                                           "*").collect()
    assert {r.f.rsplit("/", 1)[-1] for r in rows} == files
    assert all(r.f.startswith("file:///") for r in rows)
    by_file = {r.id: r.f.rsplit("/", 1)[-1] for r in rows}
    for name in files:
        ids = pq.read_table(os.path.join(path, name)).column("id").to_pylist()
        assert all(by_file[i] == name for i in ids)
    assert spark.range(1).select(input_file_name()).first()[0] == ""
    sizes = spark.read.parquet(path).selectExpr(
        "input_file_block_start() AS s", "input_file_block_length() AS n",
        "input_file_name() AS f").distinct().collect()
    assert all(r.s == 0 and r.n == os.path.getsize(r.f[len("file://"):]) for r in sizes)


def test_conf_defaults_and_sql_context_get_conf(sc, spark):
    from minispark.sql import SQLContext

    assert spark.conf.get("spark.sql.sources.partitionOverwriteMode") == "STATIC"
    assert spark.conf.get("spark.sql.sources.partitionOverwriteMode", "DYNAMIC") == "DYNAMIC"
    context = SQLContext(sc, spark)
    assert context.getConf("spark.sql.shuffle.partitions", "10") == "10"
    context.setConf("spark.sql.shuffle.partitions", "50")
    assert context.getConf("spark.sql.shuffle.partitions", "10") == "50"


def test_bucketed_tables_record_their_spec(spark):
    spark.createDataFrame(PEOPLE, ["age", "name"]).write.bucketBy(2, "name").sortBy("age") \
        .saveAsTable("b")
    assert _rows(spark.table("b")) == sorted(PEOPLE)
    assert {c.name: c.isBucket for c in spark.catalog.listColumns("b")} == {
        "age": False, "name": True}
    with pytest.raises(AnalysisException, match="does not support bucketBy"):
        spark.range(1).write.bucketBy(2, "id").parquet("unused")
    assert Row(n=1) == Row(n=1) and col("x") is not None


def test_write_to_v2_create_append_and_overwrite(spark):
    data = [(1, "a"), (2, "b"), (3, "a")]
    df = spark.createDataFrame(data, ["n", "k"])
    df.writeTo("v2").using("parquet").partitionedBy("k").tableProperty("p", "1").create()
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_ALREADY_EXISTS"):
        df.writeTo("v2").create()
    assert spark.catalog.getTableProperties("v2") == {"p": "1"}
    df.select("k", "n").writeTo("v2").append()  # by name
    assert _rows(spark.table("v2")) == sorted(data * 2)
    fresh = spark.createDataFrame([(9, "a")], ["n", "k"])
    fresh.writeTo("v2").overwritePartitions()
    assert _rows(spark.table("v2")) == sorted([(9, "a")] + [r for r in data if r[1] != "a"] * 2)
    fresh.writeTo("v2").overwrite(col("n") > 5)
    assert _rows(spark.table("v2")) == sorted([(9, "a")] + [r for r in data if r[1] != "a"] * 2)
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        df.writeTo("nope").replace()
    df.writeTo("v2").createOrReplace()
    assert _rows(spark.table("v2")) == sorted(data)


def test_recover_partitions_and_show_create_table(spark, tmp_path):
    location = str(tmp_path / "parts")
    spark.createDataFrame([(0, 0), (1, 5)], ["key", "value"]).write.partitionBy("key") \
        .csv(location)
    spark.sql(f"CREATE TABLE r (key LONG, value LONG) USING csv OPTIONS (header false, "
              f"path '{location}') PARTITIONED BY (key)")
    assert spark.table("r").columns == ["value", "key"]
    assert spark.table("r").count() == 0  # no partition is known yet, as in Spark
    spark.sql("MSCK REPAIR TABLE r")
    assert _rows(spark.table("r")) == [(0, 0), (5, 1)]
    ddl = spark.sql("SHOW CREATE TABLE r").first()[0]
    assert ddl.startswith("CREATE TABLE spark_catalog.default.r (") and "USING csv" in ddl
    assert [r.partition for r in spark.sql("SHOW PARTITIONS r").collect()] == ["key=0", "key=1"]


def test_new_session_shares_the_warehouse(spark, warehouse):
    spark.sql("CREATE TABLE shared AS SELECT 1 AS one")
    other = spark.newSession()
    assert other.conf.get("spark.sql.warehouse.dir") == warehouse
    assert _rows(other.table("shared")) == [(1,)]


def test_a_cached_table_stays_cached_over_its_new_rows(spark):
    spark.sql("CREATE TABLE cached_t (n INT) USING parquet")
    spark.sql("INSERT INTO cached_t VALUES (1)")
    spark.sql("CACHE TABLE cached_t")
    spark.sql("INSERT INTO cached_t VALUES (2)")
    assert spark.catalog.isCached("cached_t")
    assert _rows(spark.table("cached_t")) == [(1,), (2,)]
    spark.sql("DROP TABLE cached_t")
    assert not spark._cache_manager.entries


def test_alter_table_rename_and_properties(spark, warehouse):
    spark.sql("CREATE TABLE old_name AS SELECT 1 AS n")
    spark.sql("ALTER TABLE old_name RENAME TO new_name")
    assert not spark.catalog.tableExists("old_name")
    assert _rows(spark.table("new_name")) == [(1,)]
    assert sorted(os.listdir(warehouse)) == ["_minispark_catalog", "new_name"]
    spark.sql("ALTER TABLE new_name SET TBLPROPERTIES ('owner' = 'me')")
    assert spark.catalog.getTableProperties("new_name") == {"owner": "me"}
    spark.range(1).createTempView("tv")
    spark.sql("ALTER VIEW tv RENAME TO tv2")
    assert spark.catalog.tableExists("tv2") and not spark.catalog.tableExists("tv")


def test_insert_overwrite_of_partitions_static_and_dynamic(spark):
    spark.sql("CREATE TABLE po (v STRING, p INT) USING parquet PARTITIONED BY (p)")
    spark.sql("INSERT INTO po VALUES ('a', 1), ('b', 2), ('c', 3)")
    spark.sql("INSERT OVERWRITE po PARTITION (p = 1) SELECT 'x'")
    assert _rows(spark.table("po")) == [("b", 2), ("c", 3), ("x", 1)]
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.sql("INSERT OVERWRITE po VALUES ('y', 2)")
    assert _rows(spark.table("po")) == [("c", 3), ("x", 1), ("y", 2)]
    spark.conf.unset("spark.sql.sources.partitionOverwriteMode")
    spark.sql("INSERT OVERWRITE po VALUES ('z', 9)")
    assert _rows(spark.table("po")) == [("z", 9)]
