"""SequenceFiles and compressed text on mini-HDFS, through hdfs:// paths."""
from __future__ import annotations

import pytest

from tests.minidfs import mini_dfs

IO = "org.apache.hadoop.io."


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with mini_dfs(tmp_path_factory, datanodes=2, block_size=256 * 1024) as c:
        yield c


@pytest.fixture
def hdfs_sc(cluster, monkeypatch, make_context):
    monkeypatch.setenv("MINISPARK_HDFS_CONF", str(cluster.write_client_conf()))
    return make_context("local[2]")


def test_sequence_files_on_hdfs_split_across_blocks(cluster, hdfs_sc):
    records = [("key %06d" % i, i) for i in range(50000)]
    path = f"{cluster.uri}/seq/out"
    hdfs_sc.parallelize(records, 2).saveAsNewAPIHadoopFile(
        path, "org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat",
        conf={"mapreduce.output.fileoutputformat.compress": "true"})  # RECORD, DefaultCodec
    rdd = hdfs_sc.sequenceFile(path, minSplits=6)
    assert rdd.getNumPartitions() > 2
    assert rdd.collect() == records


def test_deflate_text_on_hdfs(cluster, hdfs_sc):
    lines = ["line %d" % i for i in range(1000)]
    path = f"{cluster.uri}/text/out"
    hdfs_sc.parallelize(lines, 3).saveAsTextFile(path, "org.apache.hadoop.io.compress.DefaultCodec")
    assert hdfs_sc.textFile(path).collect() == lines
    pairs = hdfs_sc.hadoopFile(path, "org.apache.hadoop.mapred.TextInputFormat",
                               IO + "LongWritable", IO + "Text").values().collect()
    assert pairs == lines
