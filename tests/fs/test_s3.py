"""RDD I/O on S3 through s3fs, against moto's standalone S3 server on loopback.

The fixtures (``s3_settings``, ``s3``, ``bucket``) are in ``tests/s3server.py``.
"""
from __future__ import annotations

import gzip
from collections import Counter

import pytest

from minispark import TaskContext
from minispark.common.errors import SparkException

WORDS = ["spark", "object", "store", "bucket", "moto", "s3", "line", "word"]


def _lines(seed: int, count: int) -> list[str]:
    return [" ".join(WORDS[(seed * 7 + i * j) % len(WORDS)] for j in range(1 + (i + seed) % 6))
            for i in range(count)]


def _upload_corpus(s3, bucket: str) -> list[str]:
    """Twelve objects, plain and gzip; returns every line written."""
    every: list[str] = []
    for i in range(12):
        lines = _lines(i, 200 + 37 * i)
        data = ("\n".join(lines) + "\n").encode()
        if i % 3 == 0:
            s3.pipe_file(f"{bucket}/logs/day-{i:02d}.txt.gz", gzip.compress(data))
        else:
            s3.pipe_file(f"{bucket}/logs/day-{i:02d}.txt", data)
        every.extend(lines)
    s3.pipe_file(f"{bucket}/logs/_SUCCESS", b"")
    return every


def test_word_count_over_plain_and_gzip_objects(make_context, s3_settings, s3, bucket):
    lines = _upload_corpus(s3, bucket)
    sc = make_context("local[2]", **s3_settings)
    rdd = sc.textFile(f"s3a://{bucket}/logs")
    assert sorted(rdd.collect()) == sorted(lines)
    counts = dict(rdd.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).collect())
    assert counts == Counter(w for line in lines for w in line.split())
    globbed = sc.textFile(f"s3://{bucket}/logs/day-0[0-3].txt*").count()
    assert globbed == sum(200 + 37 * i for i in range(4))


def test_splits_come_from_object_sizes(make_context, s3_settings, s3, bucket):
    lines = _lines(5, 3000)
    s3.pipe_file(f"{bucket}/big.txt", ("\n".join(lines) + "\n").encode())
    size = s3.info(f"{bucket}/big.txt")["size"]
    sc = make_context("local[2]", backend="inline", **s3_settings,
                      **{"spark.files.maxPartitionBytes": str(size // 5)})
    rdd = sc.textFile(f"s3://{bucket}/big.txt", minPartitions=1)
    assert rdd.getNumPartitions() == 5
    assert rdd.collect() == lines  # every line read once, in order, across split boundaries


def test_save_and_read_back(make_context, s3_settings, s3, bucket):
    sc = make_context("local[2]", **s3_settings)
    data = [f"row {i} é" for i in range(500)]
    sc.parallelize(data, 4).saveAsTextFile(f"s3://{bucket}/out/text")
    names = sorted(p.rsplit("/", 1)[-1] for p in s3.ls(f"{bucket}/out/text"))
    assert names == ["_SUCCESS"] + [f"part-{i:05d}" for i in range(4)]
    assert sc.textFile(f"s3://{bucket}/out/text").collect() == data
    sc.parallelize(range(50), 3).map(lambda x: (x, str(x))).saveAsPickleFile(f"s3://{bucket}/out/pkl")
    assert sorted(sc.pickleFile(f"s3://{bucket}/out/pkl").collect()) == [(x, str(x)) for x in range(50)]
    gz = f"s3://{bucket}/out/gz"
    sc.parallelize(data, 2).saveAsTextFile(gz, "org.apache.hadoop.io.compress.GzipCodec")
    assert sc.textFile(gz).collect() == data
    assert not [p for p in s3.ls(bucket) if "_temporary" in p]
    with pytest.raises(Exception, match="already exists"):
        sc.parallelize(data, 2).saveAsTextFile(f"s3://{bucket}/out/text")


def _fail_first_attempt_mid_partition(x: int) -> str:
    ctx = TaskContext.get()
    if ctx.partitionId() == 1 and ctx.attemptNumber() == 0 and x == 3500:
        raise RuntimeError("injected failure while saving partition 1")
    return f"{x}"


def test_retried_task_leaves_no_partial_or_duplicate_part(make_context, record_events, s3_settings,
                                                         s3, bucket):
    sc = make_context("local[2]", **s3_settings)
    rec = record_events(sc)
    out = f"s3://{bucket}/retried"
    sc.parallelize(range(4000), 2).map(_fail_first_attempt_mid_partition).saveAsTextFile(out)
    assert [(e.partition, e.attempt) for e in rec.of("TaskEnd") if not e.succeeded] == [(1, 0)]
    assert sorted(s3.ls(f"{bucket}/retried", detail=False)) == [
        f"{bucket}/retried/_SUCCESS", f"{bucket}/retried/part-00000", f"{bucket}/retried/part-00001"]
    assert sc.textFile(out).collect() == [str(x) for x in range(4000)]
    assert s3.ls(bucket, detail=False) == [f"{bucket}/retried"]  # no staging left behind


def _always_fail_partition_1(x: int) -> int:
    if TaskContext.get().partitionId() == 1 and x == 3500:
        raise RuntimeError("injected permanent failure")
    return x


def test_failed_job_leaves_no_output(make_context, s3_settings, s3, bucket):
    sc = make_context("local[2]", **s3_settings, **{"spark.task.maxFailures": "2"})
    with pytest.raises(SparkException, match="injected permanent failure"):
        sc.parallelize(range(4000), 2).map(_always_fail_partition_1).saveAsTextFile(f"s3://{bucket}/failed")
    assert s3.ls(bucket, detail=False) == []


def test_missing_bucket_is_a_clear_error(make_context, s3_settings):
    sc = make_context("local[2]", backend="inline", **s3_settings)
    with pytest.raises(FileNotFoundError, match="no-such-bucket"):
        sc.textFile("s3://no-such-bucket/logs").collect()
    with pytest.raises(FileNotFoundError, match="Bucket 'no-such-bucket'.*does not exist"):
        sc.parallelize([1]).saveAsTextFile("s3://no-such-bucket/out")


def test_add_file_from_s3(make_context, s3_settings, s3, bucket):
    s3.pipe_file(f"{bucket}/conf/lookup.txt", b"42")
    sc = make_context("local[2]", **s3_settings)
    sc.addFile(f"s3://{bucket}/conf/lookup.txt")
    from minispark import SparkFiles

    got = sc.parallelize([0], 1).map(lambda _: open(SparkFiles.get("lookup.txt")).read()).collect()
    assert got == ["42"]
