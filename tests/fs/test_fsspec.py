"""RDD I/O through the fsspec adapter: file:// on every backend, memory:// in the driver."""
from __future__ import annotations

import gzip
import os
import sys
import uuid
from collections import Counter

import fsspec
import pytest

from minispark import SparkFiles, TaskContext
from minispark.fs.fsspec_fs import FsspecFileSystem
from minispark.fs.registry import get_filesystem

FSSPEC_FILE = {"spark.hadoop.fs.file.impl": "fsspec"}


@pytest.fixture(params=[("local[2]", "inline"), ("local[1]", "process"), ("local[2]", "process")],
                ids=["inline", "local[1]", "local[2]"])
def fsspec_sc(request, make_context):
    """A context on each backend whose file:// paths go through fsspec's local file system."""
    master, backend = request.param
    return make_context(master, backend, **FSSPEC_FILE)


def _write_corpus(root: str) -> list[str]:
    os.makedirs(os.path.join(root, "in"))
    every = []
    for i in range(6):
        lines = [f"w{(i * j) % 7} w{j % 5} line{j}" for j in range(150 + 20 * i)]
        data = ("\n".join(lines) + "\n").encode()
        name = os.path.join(root, "in", f"f{i}.txt")
        if i % 2:
            with open(name + ".gz", "wb") as f:
                f.write(gzip.compress(data))
        else:
            with open(name, "wb") as f:
                f.write(data)
        every.extend(lines)
    return every


def test_file_uris_go_through_fsspec_on_every_backend(fsspec_sc, tmp_path):
    sc = fsspec_sc
    assert isinstance(get_filesystem(f"file://{tmp_path}"), FsspecFileSystem)
    lines = _write_corpus(str(tmp_path))
    uri = f"file://{tmp_path}/in"
    rdd = sc.textFile(uri, 4)
    assert sorted(rdd.collect()) == sorted(lines)
    counts = rdd.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b)
    assert dict(counts.collect()) == Counter(w for line in lines for w in line.split())
    assert sc.textFile(f"file://{tmp_path}/in/f[0-2].txt*").count() == sum(150 + 20 * i for i in range(3))
    whole = dict(sc.wholeTextFiles(uri).collect())
    assert sorted(k.rsplit("/", 1)[-1] for k in whole) == sorted(os.listdir(tmp_path / "in"))
    binary = dict(sc.binaryFiles(uri).collect())
    assert {k.rsplit("/", 1)[-1]: v for k, v in binary.items()} == {
        name: (tmp_path / "in" / name).read_bytes() for name in os.listdir(tmp_path / "in")}


def _fail_first_attempt(x: int) -> int:
    ctx = TaskContext.get()
    if ctx.partitionId() == 2 and ctx.attemptNumber() == 0 and x == 250:
        raise RuntimeError("injected failure while saving")
    return x


def test_save_through_fsspec_commits_once_per_part(fsspec_sc, tmp_path):
    sc = fsspec_sc
    out = f"file://{tmp_path}/out"
    sc.parallelize(range(300), 3).map(_fail_first_attempt).saveAsTextFile(out)
    assert sorted(os.listdir(tmp_path)) == ["out"]  # no staging directory left beside it
    assert sorted(os.listdir(tmp_path / "out")) == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    assert sc.textFile(out).map(int).collect() == list(range(300))
    sc.parallelize([(i, "v") for i in range(20)], 2).saveAsSequenceFile(f"file://{tmp_path}/seq")
    assert sorted(sc.sequenceFile(f"file://{tmp_path}/seq").collect()) == [(i, "v") for i in range(20)]
    sc.parallelize(range(30), 2).saveAsPickleFile(f"file://{tmp_path}/pkl")
    assert sorted(sc.pickleFile(f"file://{tmp_path}/pkl").collect()) == list(range(30))


def test_memory_scheme_in_the_driver(make_context):
    sc = make_context("local[2]", "inline")
    root = f"memory://ms-{uuid.uuid4().hex[:8]}"
    mem = fsspec.filesystem("memory")
    try:
        data = [f"{i},{i * i}" for i in range(1000)]
        sc.parallelize(data, 3).saveAsTextFile(f"{root}/out")
        assert sc.textFile(f"{root}/out").collect() == data
        assert sc.textFile(f"{root}/out/part-0000[02]").count() == len(data) - 333
        mem.pipe_file(f"{root}/lookup.txt", b"42")
        sc.addFile(f"{root}/lookup.txt")
        assert sc.parallelize([0]).map(lambda _: open(SparkFiles.get("lookup.txt")).read()).collect() == ["42"]
        with pytest.raises(FileNotFoundError, match="Input path does not exist: memory:///ms-"):
            sc.textFile(f"{root}/missing").collect()
    finally:
        mem.rm(root, recursive=True)


def test_missing_implementation_names_the_extra(monkeypatch):
    registry = sys.modules["fsspec.registry"]  # the package attribute is a read-only view
    monkeypatch.setitem(registry.known_implementations, "gcs",
                        {"class": "no_such_gcsfs_module.GCSFileSystem", "err": "gcsfs is missing"})
    monkeypatch.delitem(registry._registry, "gcs", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'minispark\[gcs\]'"):
        get_filesystem("gs://bucket/x")
