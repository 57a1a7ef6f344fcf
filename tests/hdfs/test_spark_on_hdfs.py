"""minispark jobs reading and writing mini-HDFS through hdfs:// paths."""
from __future__ import annotations

import collections
import random
from operator import add

import pytest



@pytest.fixture
def hdfs_context(cluster, conf_env, make_context):
    """A local[2] context whose executors find the cluster through MINISPARK_HDFS_CONF."""
    return make_context("local[2]")


def _text(lines: int, seed: int) -> str:
    rng = random.Random(seed)
    words = ["map", "reduce", "shuffle", "stage", "task", "block", "datanode", "naïve"]
    return "".join(" ".join(rng.choice(words) for _ in range(rng.randint(0, 25))) + "\n"
                   for _ in range(lines))


def test_word_count_over_a_multi_block_file_matches_the_local_count(cluster, hdfs_context,
                                                                    tmp_path):
    sc = hdfs_context
    text = _text(6000, 3)
    local = tmp_path / "words.txt"
    local.write_text(text, encoding="utf-8")
    with cluster.client() as client:
        client.write_bytes("/spark/in/words.txt", text.encode("utf-8"))
        blocks = len(client.block_locations("/spark/in/words.txt")["blocks"])
    assert blocks > 3
    lines = sc.textFile(f"{cluster.uri}/spark/in")
    assert lines.getNumPartitions() == blocks
    counts = dict(lines.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add).collect())
    local_counts = dict(sc.textFile(str(local)).flatMap(str.split).map(lambda w: (w, 1))
                        .reduceByKey(add).collect())
    assert counts == local_counts == dict(collections.Counter(text.split()))


def test_save_as_text_and_pickle_files_on_hdfs(cluster, hdfs_context):
    sc = hdfs_context
    rdd = sc.parallelize(range(5000), 3)
    out = f"{cluster.uri}/spark/out-text"
    rdd.saveAsTextFile(out)
    with cluster.client() as client:
        names = sorted(s.path.rsplit("/", 1)[-1] for s in client.list_status("/spark/out-text"))
    assert names == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    assert sorted(map(int, sc.textFile(out).collect())) == list(range(5000))
    pickled = f"{cluster.uri}/spark/out-pickle"
    rdd.map(lambda x: (x, str(x))).saveAsPickleFile(pickled)
    assert sorted(sc.pickleFile(pickled).collect()) == [(x, str(x)) for x in range(5000)]
