"""saveAsTextFile / saveAsPickleFile: part files, _SUCCESS, refusal to overwrite, atomicity."""
from __future__ import annotations

import gzip
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark.common.errors import SparkException

from .helpers import FAST, ints_and_slices, num_slices, sliced

GZIP = "org.apache.hadoop.io.compress.GzipCodec"


def _part_names(n, suffix=""):
    return [f"part-{i:05d}{suffix}" for i in range(n)]


def _listing(path):
    return sorted(os.listdir(path))


@FAST
@given(data=ints_and_slices)
def test_save_as_text_file(sc, tmp_path_factory, data):
    items, n = data
    out = tmp_path_factory.mktemp("text") / "out"
    rdd = sc.parallelize(items, n)
    assert rdd.saveAsTextFile(str(out)) is None
    assert _listing(out) == ["_SUCCESS"] + _part_names(n)
    assert (out / "_SUCCESS").read_bytes() == b""
    # one part per partition, str(element) per line
    for name, part in zip(_part_names(n), rdd.glom().collect()):
        assert (out / name).read_text(encoding="utf-8") == "".join(f"{x}\n" for x in part)
    assert sc.textFile(str(out)).collect() == [str(x) for x in items]


@FAST
@given(data=sliced(st.lists(st.one_of(st.text(alphabet="aé€ \t", max_size=5), st.none(),
                                      st.tuples(st.integers(0, 3), st.text("xy", max_size=2))),
                            max_size=15)))
def test_save_as_text_file_str_of_any_element(sc, tmp_path_factory, data):
    items, n = data
    out = tmp_path_factory.mktemp("anytext") / "out"
    sc.parallelize(items, n).saveAsTextFile(str(out))
    assert sc.textFile(str(out)).collect() == [str(x) for x in items]


@FAST
@given(data=ints_and_slices)
def test_save_as_text_file_gzip(sc, tmp_path_factory, data):
    items, n = data
    out = tmp_path_factory.mktemp("gz") / "out"
    sc.parallelize(items, n).saveAsTextFile(str(out), GZIP)
    assert _listing(out) == ["_SUCCESS"] + _part_names(n, ".gz")
    lines = []
    for name in _part_names(n, ".gz"):
        with gzip.open(out / name, "rt", encoding="utf-8") as f:
            lines += f.read().splitlines()
    assert lines == [str(x) for x in items]
    assert sc.textFile(str(out)).collect() == [str(x) for x in items]


def test_save_empty_rdds(sc, tmp_path):
    sc.emptyRDD().saveAsTextFile(str(tmp_path / "none"))
    assert _listing(tmp_path / "none") == ["_SUCCESS"]
    assert sc.textFile(str(tmp_path / "none")).collect() == []
    sc.parallelize([], 3).saveAsTextFile(str(tmp_path / "three"))
    assert _listing(tmp_path / "three") == ["_SUCCESS"] + _part_names(3)
    assert all((tmp_path / "three" / p).stat().st_size == 0 for p in _part_names(3))
    sc.parallelize([], 2).saveAsPickleFile(str(tmp_path / "pickled"))
    assert _listing(tmp_path / "pickled") == ["_SUCCESS"] + _part_names(2)
    assert sc.pickleFile(str(tmp_path / "pickled")).collect() == []


@pytest.mark.parametrize("save", ["text", "pickle"])
def test_existing_output_directory_is_an_error(sc, tmp_path, save):
    out = tmp_path / "out"
    rdd = sc.parallelize(range(5), 2)
    write = rdd.saveAsTextFile if save == "text" else rdd.saveAsPickleFile
    write(str(out))
    before = {name: (out / name).read_bytes() for name in _listing(out)}
    with pytest.raises(Exception) as info:
        write(str(out))
    assert "exist" in str(info.value).lower()
    assert {name: (out / name).read_bytes() for name in _listing(out)} == before
    # an existing empty directory is refused too, as in Hadoop
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception):
        write(str(tmp_path / "empty"))
    assert _listing(tmp_path / "empty") == []


@pytest.mark.parametrize("save", ["text", "pickle"])
def test_failed_job_leaves_no_output(sc, tmp_path, save):
    def fail_late(x):
        if x == 17:
            raise RuntimeError("task failure on purpose")
        return x

    rdd = sc.parallelize(range(20), 4).map(fail_late)
    out = tmp_path / "out"
    write = rdd.saveAsTextFile if save == "text" else rdd.saveAsPickleFile
    with pytest.raises(SparkException) as info:
        write(str(out))
    assert "task failure on purpose" in str(info.value.__cause__)
    assert not out.exists()
    assert _listing(tmp_path) == []  # no temporary directory left beside it either
    # the same path can be written once the job succeeds
    sc.parallelize(range(3), 2).saveAsTextFile(str(out))
    assert sc.textFile(str(out)).collect() == ["0", "1", "2"]


@FAST
@given(items=st.lists(st.one_of(st.integers(), st.text(max_size=4), st.none(),
                                st.lists(st.floats(allow_nan=False), max_size=2)), max_size=30),
       n=num_slices, batch=st.integers(0, 12))
def test_save_as_pickle_file(sc, tmp_path_factory, items, n, batch):
    out = tmp_path_factory.mktemp("pickle") / "out"
    sc.parallelize(items, n).saveAsPickleFile(str(out), batch)
    assert _listing(out) == ["_SUCCESS"] + _part_names(n)
    back = sc.pickleFile(str(out), n)
    assert back.collect() == items
    assert back.count() == len(items)


def test_save_after_shuffle_and_reload(sc, tmp_path):
    words = ["b", "a", "é", "b", "a", "b"]
    counts = sc.parallelize(words, 3).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b, 2)
    counts.saveAsPickleFile(str(tmp_path / "p"))
    assert sorted(sc.pickleFile(str(tmp_path / "p")).collect()) == \
        sorted((w, words.count(w)) for w in set(words))
    counts.sortByKey().saveAsTextFile(str(tmp_path / "t"))
    assert sc.textFile(str(tmp_path / "t")).collect() == \
        [str((w, words.count(w))) for w in sorted(set(words))]


def test_save_as_text_file_bytes_and_uri_paths(sc, tmp_path):
    items = [b"raw bytes", "text é", 3, None]
    out = tmp_path / "out dir é"
    sc.parallelize(items, 2).saveAsTextFile(f"file://{out}")
    assert _listing(out) == ["_SUCCESS"] + _part_names(2)
    # bytes are written as they are, everything else as str(x) in UTF-8, as PySpark does
    expected = [x.decode() if isinstance(x, bytes) else str(x) for x in items]
    assert sc.textFile(str(out)).collect() == expected


def test_save_creates_missing_parent_directories(sc, tmp_path):
    out = tmp_path / "a" / "b" / "out"
    sc.parallelize([1, 2, 3], 2).saveAsTextFile(str(out))
    assert _listing(out) == ["_SUCCESS"] + _part_names(2)
    assert sc.textFile(str(out)).collect() == ["1", "2", "3"]
