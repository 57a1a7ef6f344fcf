"""File input is listed at the first action and its splits then stay fixed (as in PySpark).

Each test changes the input between defining an RDD and running an action (or
between two actions) and computes what should be read from the files as they
are when the action runs.  PySpark 4's behaviour, observed case by case:
changes before the first action are all seen; after it, text splits keep
their byte ranges (a grown file gives its last split one more line, a file
shrunk below a split's start fails with EOF), whole-file readers read each
listed file as it now is, and a deleted file fails the job.
"""
from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from minispark.common.errors import SparkException
from minispark.rdd.nodes import FileSplitRDD
from minispark.scheduler.lineage import deserialize_stage, narrow_graph, serialize_stage

LINE_END = re.compile(rb"\r\n|\r|\n")


def lines_with_starts(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, line) for every line, terminators \\n, \\r\\n and \\r as in Hadoop."""
    found, pos = [], 0
    for match in LINE_END.finditer(data):
        found.append((pos, data[pos:match.start()]))
        pos = match.end()
    if pos < len(data):
        found.append((pos, data[pos:]))
    return found


def text_lines(*paths: Path) -> list[str]:
    return [line.decode() for p in paths for _, line in lines_with_starts(p.read_bytes())]


def visible_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))


def make_dir(folder: Path, contents: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return folder


def whole_pairs(folder: Path, decode: bool) -> list[tuple[str, object]]:
    return sorted((f"file:{p}", p.read_text() if decode else p.read_bytes())
                  for p in visible_files(folder))


def pickled_dir(sc, tmp_path: Path, parts: int = 3) -> tuple[Path, list[Path]]:
    out = tmp_path / "pickled"
    sc.parallelize(range(30), parts).saveAsPickleFile(str(out))
    return out, sorted(out.glob("part-*"))


# -- changes before the first action are seen --------------------------------


@pytest.mark.parametrize("before, appended", [
    (b"a\nb", b"c\nd"),          # last line had no newline: it is completed
    (b"one\r\n", b"two\rthree"),
    (b"", b"x\ny\n"),            # empty at definition
])
def test_text_file_reads_what_was_appended_before_the_first_action(sc, tmp_path, before,
                                                                   appended):
    path = tmp_path / "t.txt"
    path.write_bytes(before)
    lines = sc.textFile(str(path))
    lengths = sc.textFile(str(path), 3).map(len)
    with path.open("ab") as f:
        f.write(appended)
    assert lines.collect() == text_lines(path)
    assert lengths.collect() == [len(line) for line in text_lines(path)]


def test_empty_files_give_no_partition(sc, tmp_path):
    # Spark >= 3.2 drops empty splits (spark.hadoopRDD.ignoreEmptySplits).
    (tmp_path / "empty.txt").write_bytes(b"")
    assert sc.textFile(str(tmp_path / "empty.txt")).getNumPartitions() == 0
    full = make_dir(tmp_path / "full", {"b.txt": b"x\ny\n"})
    mixed = make_dir(tmp_path / "mixed", {"a.txt": b"", "b.txt": b"x\ny\n", "c.txt": b""})
    assert sc.textFile(str(mixed), 3).getNumPartitions() == \
        sc.textFile(str(full), 3).getNumPartitions()
    assert sc.textFile(str(mixed), 3).collect() == text_lines(full / "b.txt")


def test_file_deleted_before_the_first_action_is_not_read(sc, tmp_path):
    files = {name: f"{name * 3}\n".encode() for name in "xyz"}
    text = sc.textFile(str(make_dir(tmp_path / "t", files)))
    whole = sc.wholeTextFiles(str(make_dir(tmp_path / "w", files)))
    binary = sc.binaryFiles(str(make_dir(tmp_path / "b", files)))
    records = sc.binaryRecords(str(make_dir(tmp_path / "r", files)), 2)
    pickled, parts = pickled_dir(sc, tmp_path)
    objects = sc.pickleFile(str(pickled))
    for folder in ("t", "w", "b", "r"):
        (tmp_path / folder / "y").unlink()
    parts[1].unlink()

    assert text.collect() == text_lines(*visible_files(tmp_path / "t"))
    assert sorted(whole.collect()) == whole_pairs(tmp_path / "w", decode=True)
    assert sorted(binary.collect()) == whole_pairs(tmp_path / "b", decode=False)
    data = b"".join(p.read_bytes() for p in visible_files(tmp_path / "r"))
    assert records.collect() == [data[i:i + 2] for i in range(0, len(data), 2)]
    remaining = [x for p in visible_files(pickled) for x in _unpickle_part(sc, p)]
    assert sorted(objects.collect()) == sorted(remaining)


def _unpickle_part(sc, part: Path) -> list:
    return sc.pickleFile(str(part)).collect()


@pytest.mark.parametrize("method", ["textFile", "wholeTextFiles", "binaryFiles", "pickleFile"])
def test_path_missing_at_definition_is_read_if_present_at_the_action(sc, tmp_path, method):
    target = tmp_path / "later"
    rdd = getattr(sc, method)(str(target))  # no error yet, as in PySpark
    with pytest.raises(FileNotFoundError, match=f"Input path does not exist: file:{target}"):
        rdd.collect()
    if method == "pickleFile":
        sc.parallelize(["p", "q"], 2).saveAsPickleFile(str(target))
        assert sorted(rdd.collect()) == ["p", "q"]
    else:
        target.write_bytes(b"late\n")
        expected = {"textFile": ["late"], "wholeTextFiles": [(f"file:{target}", "late\n")],
                    "binaryFiles": [(f"file:{target}", b"late\n")]}[method]
        assert rdd.collect() == expected


def test_binary_records_path_missing_at_definition(sc, tmp_path):
    target = tmp_path / "later.bin"
    rdd = sc.binaryRecords(str(target), 3)
    with pytest.raises(FileNotFoundError, match="Input path does not exist"):
        rdd.getNumPartitions()
    target.write_bytes(b"abcdef")
    assert rdd.collect() == [b"abc", b"def"]


def test_glob_matching_nothing_fails_only_at_the_action(sc, tmp_path):
    rdd = sc.textFile(str(tmp_path / "part-*")).filter(bool)
    (tmp_path / "part-0").write_text("a\n\nb\n")
    assert rdd.collect() == ["a", "b"]


def test_to_debug_string_lists_the_input(sc, tmp_path):
    rdd = sc.textFile(str(tmp_path / "missing.txt"))
    with pytest.raises(FileNotFoundError):
        rdd.toDebugString()
    (tmp_path / "missing.txt").write_bytes(b"x" * 100)
    assert rdd.toDebugString().decode().startswith(f"({rdd.getNumPartitions()}) ")


# -- splits are fixed once computed -------------------------------------------


def lines_owned_by_fixed_splits(data: bytes, listed_length: int) -> list[str]:
    """Hadoop's rule: a split reads lines starting at or before its end, and the
    last split ended at the file's length when it was listed."""
    return [line.decode() for start, line in lines_with_starts(data) if start <= listed_length]


@pytest.mark.parametrize("first_call", ["getNumPartitions", "count"])
@pytest.mark.parametrize("before, appended", [
    (b"a\nb", b"c\nd\n"),
    (b"a\nb\n", b"c\nd\n"),      # a line starting exactly at the old end is still read
    (b"abc\ndef\n" * 50, b"tail\nmore\n"),
])
def test_splits_computed_by_the_first_call_are_kept(sc, tmp_path, first_call, before, appended):
    path = tmp_path / "t.txt"
    path.write_bytes(before)
    rdd = sc.textFile(str(path), 4)
    getattr(rdd, first_call)()
    partitions = rdd.getNumPartitions()
    with path.open("ab") as f:
        f.write(appended)
    assert rdd.collect() == lines_owned_by_fixed_splits(path.read_bytes(), len(before))
    assert rdd.getNumPartitions() == partitions
    # A new RDD over the same path lists it again.
    assert sc.textFile(str(path), 4).collect() == text_lines(path)


def test_changed_bytes_within_the_listed_length_are_read(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"".join(b"line%04d\n" % i for i in range(500)))
    rdd = sc.textFile(str(path), 4)
    assert rdd.count() == 500
    path.write_bytes(path.read_bytes().upper())
    assert rdd.collect() == text_lines(path)


def test_file_shrunk_below_a_split_start_fails_clearly(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"".join(b"line%04d\n" % i for i in range(500)))
    rdd = sc.textFile(str(path), 4)
    assert rdd.count() == 500 and rdd.getNumPartitions() >= 4
    path.write_bytes(b"short\n")
    with pytest.raises(SparkException, match="Cannot seek after EOF.*shrank after its splits"):
        rdd.collect()


def test_file_rewritten_shorter_but_past_every_split_start_reads_what_it_holds(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"".join(b"line%04d\n" % i for i in range(500)))
    listed = path.stat().st_size
    rdd = sc.textFile(str(path), 4)
    assert rdd.count() == 500
    # One byte shorter: every split starts before the listed length, so none fails.
    path.write_bytes((b"LONGER LINE\n" * listed)[:listed - 1])
    assert rdd.collect() == lines_owned_by_fixed_splits(path.read_bytes(), listed)


def test_deleted_file_fails_the_next_action(sc, tmp_path):
    files = {name: f"{name * 4}\n".encode() for name in "xyz"}
    rdds = {
        "textFile": sc.textFile(str(make_dir(tmp_path / "t", files))),
        "wholeTextFiles": sc.wholeTextFiles(str(make_dir(tmp_path / "w", files))),
        "binaryFiles": sc.binaryFiles(str(make_dir(tmp_path / "b", files))),
        "binaryRecords": sc.binaryRecords(str(make_dir(tmp_path / "r", files)), 5),
    }
    pickled, parts = pickled_dir(sc, tmp_path)
    rdds["pickleFile"] = sc.pickleFile(str(pickled))
    for rdd in rdds.values():
        rdd.count()
    for folder in ("t", "w", "b", "r"):
        (tmp_path / folder / "y").unlink()
    parts[1].unlink()
    for method, rdd in rdds.items():
        with pytest.raises(SparkException, match="FileNotFoundError"):
            rdd.collect()


def test_whole_file_readers_read_each_listed_file_as_it_now_is(sc, tmp_path):
    files = {"a": b"first\n", "b": b"second\n", "c": b"third\n"}
    whole = sc.wholeTextFiles(str(make_dir(tmp_path / "w", files)))
    binary = sc.binaryFiles(str(make_dir(tmp_path / "b", files)))
    whole.count()
    binary.count()
    for folder in ("w", "b"):
        (tmp_path / folder / "a").write_bytes(b"much longer than before\n" * 3)
        (tmp_path / folder / "b").write_bytes(b"")
        (tmp_path / folder / "new").write_bytes(b"not listed\n")
    listed = {"a", "b", "c"}
    assert sorted(whole.collect()) == [pair for pair in whole_pairs(tmp_path / "w", True)
                                       if Path(pair[0]).name in listed]
    assert sorted(binary.collect()) == [pair for pair in whole_pairs(tmp_path / "b", False)
                                        if Path(pair[0]).name in listed]


def test_binary_records_keep_the_listed_byte_ranges(sc, tmp_path):
    path = tmp_path / "r.bin"
    path.write_bytes(bytes(range(12)))
    rdd = sc.binaryRecords(str(path), 4)
    assert rdd.count() == 3
    path.write_bytes(bytes(range(100, 120)))  # grown and changed: only 12 bytes are read
    data = path.read_bytes()[:12]
    assert rdd.collect() == [data[i:i + 4] for i in range(0, 12, 4)]
    path.write_bytes(bytes(8))
    with pytest.raises(SparkException, match="EOFError.*shrank after its splits"):
        rdd.collect()


def test_binary_records_skip_empty_files_and_reject_partial_records(sc, tmp_path):
    folder = make_dir(tmp_path / "r", {"a": b"", "b": b"abcdef", "c": b""})
    rdd = sc.binaryRecords(str(folder), 3)
    assert rdd.getNumPartitions() == 1
    assert rdd.collect() == [b"abc", b"def"]
    with pytest.raises(SparkException, match="Partial record found at the end of file:.*/b"):
        sc.binaryRecords(str(folder), 4).collect()


# -- caching, checkpoints, lineage --------------------------------------------


def test_cached_partitions_keep_what_was_read(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"a\nb\n")
    rdd = sc.textFile(str(path)).cache()
    path.write_bytes(b"a\nb\nc\n")  # before the first action: seen
    first = rdd.collect()
    assert first == text_lines(path)
    path.write_bytes(b"changed\n" * 3)
    assert rdd.collect() == first
    rdd.unpersist()


def test_local_checkpoint_plans_at_its_first_action(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"1\n2\n")
    rdd = sc.textFile(str(path)).map(int)
    rdd.localCheckpoint()
    path.write_bytes(b"1\n2\n3\n")
    assert rdd.collect() == [1, 2, 3]
    path.write_bytes(b"9\n")
    assert rdd.collect() == [1, 2, 3]  # read from the checkpoint, not the file


def test_stage_binary_carries_the_driver_planned_splits(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"x\ny\n" * 10)
    rdd = sc.textFile(str(path), 3).map(str.upper)
    source = next(n for n in narrow_graph(rdd) if isinstance(n, FileSplitRDD))
    assert source._splits is None  # nothing listed yet
    root, _ = deserialize_stage(serialize_stage(rdd, None))
    shipped = next(n for n in narrow_graph(root) if isinstance(n, FileSplitRDD))
    assert shipped._plan is None and shipped._splits == source._splits
    assert len(source._splits) == rdd.getNumPartitions() == root.getNumPartitions()


def test_deep_chain_of_unlisted_cached_maps_plans_without_recursion(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"1\n2\n3\n")
    rdd = sc.textFile(str(path), 2)
    chain = []
    for _ in range(3000):  # cached levels are not fused: one node each
        rdd = rdd.map(lambda x: x).cache()
        chain.append(rdd)
    try:
        assert rdd.getNumPartitions() == chain[0].getNumPartitions() >= 2
    finally:
        for level in chain:
            level.unpersist()


def test_threads_sharing_an_rdd_list_its_input_once(sc):
    calls = []

    def plan() -> list:
        calls.append(threading.get_ident())
        time.sleep(0.05)
        return [1, 2, 3]

    rdd = FileSplitRDD(sc, plan, lambda split: [split])
    counts = []
    threads = [threading.Thread(target=lambda: counts.append(rdd.getNumPartitions()))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts == [3] * 4 and len(calls) == 1
    assert sorted(rdd.collect()) == [1, 2, 3]


def test_file_split_rdd_rejects_eager_splits(sc):
    with pytest.raises(TypeError, match="lists the splits when they are first needed"):
        FileSplitRDD(sc, [1, 2], lambda split: [split])


def test_nothing_is_listed_by_narrow_transformations(sc, tmp_path):
    cached = sc.textFile(str(tmp_path / "absent")).map(len).filter(bool).cache()
    rdd = cached.flatMap(range).map(str)
    os.makedirs(tmp_path / "absent")
    (tmp_path / "absent" / "f").write_text("ab\n\nc\n")
    try:
        assert rdd.collect() == [str(i) for n in (2, 1) for i in range(n)]
    finally:
        cached.unpersist()
