"""``spark.read`` / ``df.write`` on S3 through s3fs, against moto's S3 server on loopback.

Object stores have no atomic rename: every save mode must still leave either the old
output or the new one, never a mix with ``_SUCCESS``, and nothing staged behind.
"""
from __future__ import annotations

import pytest

from minispark import TaskContext
from minispark.common.errors import SparkException
from minispark.sql import SparkSession
from minispark.sql import functions as F
from tests.s3server import bucket, s3, s3_settings  # noqa: F401  (fixtures)

FORMATS = ["parquet", "csv", "json", "orc"]


@pytest.fixture
def spark(make_context, s3_settings) -> SparkSession:  # noqa: F811
    """A session whose context reaches the S3 server (settings as Spark's s3a names them)."""
    return SparkSession(make_context("local[2]", **s3_settings))


def _rows(n: int, offset: int = 0) -> list[tuple[int, str, int]]:
    return [(i + offset, f"name-{i + offset}", (i + offset) % 3) for i in range(n)]


def _frame(spark: SparkSession, rows: list[tuple[int, str, int]]):
    return spark.createDataFrame(rows, "id long, name string, k int").repartition(3)


def _read(spark: SparkSession, fmt: str, path: str) -> list[tuple]:
    reader = spark.read.format(fmt)
    if fmt == "csv":
        reader = reader.schema("id long, name string, k int")
    return sorted(tuple(r) for r in reader.load(path).select("id", "name", "k").collect())


def _keys(s3, prefix: str) -> list[str]:  # noqa: F811
    return sorted(p.split("/", 1)[1] for p in s3.find(prefix))


@pytest.mark.parametrize("fmt", FORMATS)
def test_save_modes_round_trip(spark, s3, bucket, fmt):  # noqa: F811
    path = f"s3://{bucket}/{fmt}"
    first, second = _rows(40), _rows(25, offset=100)
    _frame(spark, first).write.format(fmt).save(path)
    assert _read(spark, fmt, path) == sorted(first)
    with pytest.raises(Exception, match="already exists"):
        _frame(spark, second).write.format(fmt).save(path)
    _frame(spark, second).write.mode("append").format(fmt).save(path)
    assert _read(spark, fmt, path) == sorted(first + second)
    _frame(spark, second).write.mode("overwrite").format(fmt).save(path)
    assert _read(spark, fmt, path) == sorted(second)
    _frame(spark, first).write.mode("ignore").format(fmt).save(path)
    assert _read(spark, fmt, path) == sorted(second)
    assert spark.read.format(fmt).load(path).count() == len(second)
    assert [k for k in _keys(s3, bucket) if "_temporary" in k] == []


def test_partitioned_write_and_pruned_read(spark, s3, bucket):  # noqa: F811
    rows = _rows(60)
    path = f"s3://{bucket}/by_k"
    _frame(spark, rows).write.partitionBy("k").parquet(path)
    assert {k.split("/")[1] for k in _keys(s3, f"{bucket}/by_k") if "=" in k} == {"k=0", "k=1", "k=2"}
    got = spark.read.parquet(path).where(F.col("k") == 1).select("id").collect()
    assert sorted(r.id for r in got) == sorted(i for i, _, k in rows if k == 1)
    _frame(spark, _rows(6, offset=500)).write.mode("overwrite").partitionBy("k").parquet(path)
    assert sorted(r.id for r in spark.read.parquet(path).collect()) == list(range(500, 506))


def _fail_once_in_partition_1(batch_id: int) -> int:
    ctx = TaskContext.get()
    if ctx.partitionId() == 1 and ctx.attemptNumber() == 0:
        raise RuntimeError("injected failure while writing partition 1")
    return batch_id


def _fail_always_in_partition_1(batch_id: int) -> int:
    if TaskContext.get().partitionId() == 1:
        raise RuntimeError("injected permanent failure")
    return batch_id


def test_retried_task_leaves_no_duplicate_files(spark, s3, bucket):  # noqa: F811
    fail = F.udf(_fail_once_in_partition_1, "long")
    path = f"s3://{bucket}/retried"
    rows = _rows(30)
    _frame(spark, rows).withColumn("id", fail("id")).write.parquet(path)
    assert _read(spark, "parquet", path) == sorted(rows)
    parts = [k for k in _keys(s3, bucket) if k.endswith(".parquet")]
    assert len(parts) == len({p.split("-")[1] for p in parts}) == 3  # one file per partition


def test_failed_overwrite_keeps_the_old_output(make_context, s3_settings, s3, bucket):  # noqa: F811
    spark = SparkSession(make_context("local[2]", **s3_settings, **{"spark.task.maxFailures": "2"}))
    path = f"s3://{bucket}/kept"
    old = _rows(20)
    _frame(spark, old).write.parquet(path)
    before = _keys(s3, f"{bucket}/kept")
    fail = F.udf(_fail_always_in_partition_1, "long")
    with pytest.raises(SparkException, match="injected permanent failure"):
        _frame(spark, _rows(20, 50)).withColumn("id", fail("id")).write.mode("overwrite").parquet(path)
    assert _keys(s3, f"{bucket}/kept") == before
    assert _read(spark, "parquet", path) == sorted(old)
    assert [k for k in _keys(s3, bucket) if "_temporary" in k] == []


def test_missing_bucket_is_a_clear_error(spark):
    with pytest.raises(Exception, match="no-such-bucket"):
        spark.read.parquet("s3://no-such-bucket/data").collect()
    with pytest.raises(Exception, match="no-such-bucket"):
        spark.range(3).write.parquet("s3://no-such-bucket/out")
