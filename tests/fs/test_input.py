"""Input listing, Hadoop-style splitting and line reading (minispark.fs.input)."""
from __future__ import annotations

import bz2
import gzip
import os
import pickle
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.fs import LocalFileSystem, register_filesystem, unregister_filesystem
from minispark.fs import input as fsinput
from minispark.fs.base import BlockLocation
from minispark.fs.input import (
    SPLIT_SLOP,
    FileSplit,
    list_input_files,
    read_text_split,
    read_whole_binary,
    read_whole_file,
    split_hosts,
    split_input_paths,
    text_splits,
    whole_file_groups,
)

PROPERTY = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces chosen so that terminators meet each other and multi-byte characters in every order.
PIECES = [b"a", b"xyz", "é".encode(), "€".encode(), b" ", b"\n", b"\r", b"\r\n", b"\n\n", b"\r\r"]
texts = st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join)


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def expected_lines(data: bytes) -> list[str]:
    """The oracle: bytes.splitlines splits on exactly \\n, \\r\\n and \\r, as Hadoop does."""
    return [line.decode("utf-8") for line in data.splitlines()]


def read_all(splits: list[FileSplit], **kwargs) -> list:
    return [line for split in splits for line in read_text_split(split, **kwargs)]


@contextmanager
def local_block_size(block_size: int):
    """Make plain paths use a LocalFileSystem with a small block size."""
    register_filesystem("file", lambda path: LocalFileSystem(block_size=block_size))
    try:
        yield
    finally:
        unregister_filesystem("file")


@contextmanager
def tiny_reads(chunk: int):
    """Force reads of a few bytes so chunk edges fall inside lines and terminators."""
    with mock.patch.object(fsinput, "READ_CHUNK", chunk), mock.patch.object(fsinput, "_END_SLACK", chunk):
        yield


# -- read_text_split: every line exactly once ---------------------------------


@PROPERTY
@given(data=texts, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8), chunk=st.integers(1, 9))
def test_any_split_boundaries_read_each_line_once(data, cuts, chunk):
    with tempfile.TemporaryDirectory() as d:
        path = write(Path(d) / "t.txt", data)
        bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
        splits = [FileSplit(path, s, e - s) for s, e in zip(bounds, bounds[1:])] or [FileSplit(path, 0, 0)]
        with tiny_reads(chunk):
            assert read_all(splits) == expected_lines(data)
        assert read_all(splits, use_unicode=False) == data.splitlines()


@PROPERTY
@given(data=texts, min_partitions=st.integers(0, 50), block_size=st.integers(1, 64))
def test_text_splits_cover_file_and_lines(data, min_partitions, block_size):
    with tempfile.TemporaryDirectory() as d:
        path = write(Path(d) / "t.txt", data)
        with local_block_size(block_size):
            splits = text_splits(path, min_partitions)
        assert read_all(splits) == expected_lines(data)
        # Contiguous, non-overlapping, covering [0, len).
        assert [s.start for s in splits] == [0] + [s.start + s.length for s in splits[:-1]]
        assert sum(s.length for s in splits) == len(data)
        if data:
            size = max(1, min(len(data) // max(min_partitions, 1), block_size))
            assert all(s.length == size for s in splits[:-1])
            assert 0 < splits[-1].length <= SPLIT_SLOP * size or len(splits) == 1


def test_split_sizes_follow_hadoop_rules(tmp_path):
    path = write(tmp_path / "f.txt", b"x" * 100)
    # goalSize 33: the 34-byte tail is within SPLIT_SLOP of 33, so it stays whole.
    assert [(s.start, s.length) for s in text_splits(path, 3)] == [(0, 33), (33, 33), (66, 34)]
    # goalSize 25: 4 even splits; goalSize 100 with block size 30: 30,30,40 (40/30 > 1.1 -> cut) ...
    assert [(s.start, s.length) for s in text_splits(path, 4)] == [(0, 25), (25, 25), (50, 25), (75, 25)]
    with local_block_size(30):
        assert [s.length for s in text_splits(path, 1)] == [30, 30, 30, 10]
    with local_block_size(32):
        # 100-64 = 36 remaining, 36/32 = 1.125 > 1.1 -> one more cut, tail 4.
        assert [s.length for s in text_splits(path, 1)] == [32, 32, 32, 4]
    with local_block_size(34):
        # 100-34 = 66, 66/34 > 1.1 -> cut; 32/34 <= 1.1 -> tail.
        assert [s.length for s in text_splits(path, 1)] == [34, 34, 32]


def test_goal_size_is_computed_over_all_files(tmp_path):
    write(tmp_path / "d" / "a", b"x" * 90)
    write(tmp_path / "d" / "b", b"y" * 10)
    splits = text_splits(str(tmp_path / "d"), 2)  # goal = 100 // 2 = 50
    assert [(Path(s.path).name, s.start, s.length) for s in splits] == [("a", 0, 50), ("a", 50, 40), ("b", 0, 10)]


def test_line_starting_exactly_at_boundary_belongs_to_previous_split(tmp_path):
    # Hadoop's LineRecordReader reads while its position is <= end (PySpark's glom shows it).
    path = write(tmp_path / "t.txt", b"aaaa\nbbbb\ncccc\n")
    first, second = FileSplit(path, 0, 5), FileSplit(path, 5, 10)
    assert list(read_text_split(first)) == ["aaaa", "bbbb"]
    assert list(read_text_split(second)) == ["cccc"]


def test_crlf_straddling_boundary(tmp_path):
    data = b"ab\r\ncd\r\nef"
    path = write(tmp_path / "t.txt", data)
    for cut in range(1, len(data) + 1):  # no file has an empty split before another
        got = read_all([FileSplit(path, 0, cut), FileSplit(path, cut, len(data) - cut)])
        assert got == ["ab", "cd", "ef"], cut


def test_split_reads_past_end_to_finish_a_long_line(tmp_path):
    long_line = b"z" * 50_000
    data = b"head\n" + long_line + b"\ntail\n"
    path = write(tmp_path / "t.txt", data)
    splits = [FileSplit(path, 0, 10), FileSplit(path, 10, 40_000), FileSplit(path, 40_010, len(data) - 40_010)]
    assert [list(read_text_split(s)) for s in splits] == [["head", long_line.decode()], [], ["tail"]]


def test_use_unicode_false_yields_bytes(tmp_path):
    path = write(tmp_path / "t.txt", "é\nb\n".encode())
    assert list(read_text_split(FileSplit(path, 0, 5), use_unicode=False)) == ["é".encode(), b"b"]


def test_other_ascii_compatible_encoding(tmp_path):
    path = write(tmp_path / "t.txt", "café\nnaïve".encode("latin-1"))
    assert list(read_text_split(FileSplit(path, 0, 10), encoding="latin-1")) == ["café", "naïve"]
    with pytest.raises(ValueError, match="not ASCII-compatible"):
        list(read_text_split(FileSplit(path, 0, 10), encoding="utf-16"))


def test_utf8_bom_is_dropped_at_file_start_only(tmp_path):
    bom = b"\xef\xbb\xbf"
    path = write(tmp_path / "t.txt", bom + b"first\n" + bom + b"second\n")
    size = os.path.getsize(path)
    assert list(read_text_split(FileSplit(path, 0, size))) == ["first", "\ufeffsecond"]
    assert list(read_text_split(FileSplit(path, 0, size), use_unicode=False)) == [b"first", bom + b"second"]


def test_undecodable_bytes_read_as_replacement_characters(tmp_path):
    data = b"fine\nbad \xff here\nfine\n"
    path = write(tmp_path / "bad.txt", data)
    split = FileSplit(path, 0, len(data))
    assert list(read_text_split(split)) == data.decode("utf-8", "replace").splitlines()
    assert list(read_text_split(split, use_unicode=False)) == [
        line.encode("utf-8") for line in data.decode("utf-8", "replace").splitlines()]


def test_file_uri_split_path(tmp_path):
    path = write(tmp_path / "t.txt", b"a\nb\n")
    assert list(read_text_split(FileSplit("file://" + path, 0, 4))) == ["a", "b"]


# -- compressed input --------------------------------------------------------


@PROPERTY
@given(data=texts, min_partitions=st.integers(1, 20))
def test_gzip_and_bz2_are_one_split_each_and_decompressed(data, min_partitions):
    with tempfile.TemporaryDirectory() as d:
        gz = write(Path(d) / "in" / "a.gz", gzip.compress(data))
        bz = write(Path(d) / "in" / "b.bz2", bz2.compress(data))
        splits = text_splits(str(Path(d) / "in"), min_partitions)
        assert [(s.path, s.start, s.length) for s in splits] == [
            (gz, 0, os.path.getsize(gz)),
            (bz, 0, os.path.getsize(bz)),
        ]
        with tiny_reads(3):
            assert read_all(splits) == expected_lines(data) * 2


def test_multi_member_gzip_reads_all_members(tmp_path):
    path = write(tmp_path / "m.gz", gzip.compress(b"one\ntw") + gzip.compress(b"o\nthree\n"))
    assert read_all(text_splits(path, 4)) == ["one", "two", "three"]


def test_compressed_split_must_start_at_zero(tmp_path):
    path = write(tmp_path / "a.gz", gzip.compress(b"a\n"))
    with pytest.raises(ValueError, match="cannot be split"):
        list(read_text_split(FileSplit(path, 1, 3)))


# -- empty files, hosts, pickling ---------------------------------------------


def test_empty_file_gives_one_empty_split(tmp_path):
    empty = write(tmp_path / "d" / "a_empty", b"")
    full = write(tmp_path / "d" / "b_full", b"x\ny\n")
    splits = text_splits(str(tmp_path / "d"), 2)
    assert splits[0] == FileSplit(empty, 0, 0, ())
    assert read_all(splits) == ["x", "y"]
    spark_style = text_splits(str(tmp_path / "d"), 2, ignore_empty_splits=True)
    assert spark_style == splits[1:] and {s.path for s in spark_style} == {full}


def test_empty_input_directory_gives_no_splits(tmp_path):
    write(tmp_path / "d" / "_SUCCESS", b"")
    assert text_splits(str(tmp_path / "d"), 3) == []
    assert whole_file_groups(str(tmp_path / "d"), 3) == []


def test_local_splits_are_on_localhost_and_picklable(tmp_path):
    path = write(tmp_path / "t.txt", b"abc\n" * 10)
    splits = text_splits(path, 3)
    assert all(s.hosts == ("localhost",) for s in splits)
    assert pickle.loads(pickle.dumps(splits)) == splits


def test_split_hosts_rank_by_bytes_held():
    blocks = [BlockLocation(0, 100, ("h1", "h2")), BlockLocation(100, 100, ("h2", "h3"))]
    assert split_hosts(blocks, 0, 100) == ("h1", "h2")
    assert split_hosts(blocks, 150, 50) == ("h2", "h3")
    assert split_hosts(blocks, 90, 100)[0] == "h2"  # holds all 100 bytes; h3 90, h1 10
    assert split_hosts(blocks, 90, 100)[1:] == ("h3", "h1")
    assert split_hosts(blocks, 500, 10) == ()


# -- listing -----------------------------------------------------------------


def names(statuses) -> list[str]:
    return [Path(s.path).name for s in statuses]


def test_directory_lists_visible_files_sorted(tmp_path):
    for name in ["b", "a", "_SUCCESS", ".a.crc", "_tmp", "c.gz"]:
        write(tmp_path / "d" / name, b"1")
    assert names(list_input_files(str(tmp_path / "d"))) == ["a", "b", "c.gz"]


def test_file_uri_and_relative_paths(tmp_path, monkeypatch):
    write(tmp_path / "d" / "a", b"1")
    monkeypatch.chdir(tmp_path)
    expected = [str(tmp_path / "d" / "a")]
    assert [s.path for s in list_input_files("d")] == expected
    assert [s.path for s in list_input_files("file://" + str(tmp_path / "d"))] == expected
    assert [s.path for s in list_input_files("file:" + str(tmp_path / "d" / "a"))] == expected
    assert [s.path for s in list_input_files("d/*")] == expected


def test_globs_skip_hidden_matches_and_list_matched_dirs(tmp_path):
    for rel in ["2024-01/a", "2024-01/_x", "2024-02/b", "2023-12/c", "_2024-03/d", "2024-x.txt"]:
        write(tmp_path / rel, b"1")
    assert names(list_input_files(str(tmp_path / "2024-0[12]"))) == ["a", "b"]
    assert names(list_input_files(str(tmp_path / "{2023-12,2024-02}"))) == ["c", "b"]
    # Like Hadoop, the hidden filter judges only the matched names, not their parents.
    assert names(list_input_files(str(tmp_path / "*" / "?"))) == ["c", "a", "b", "d"]
    assert names(list_input_files(str(tmp_path / "2024-x.*"))) == ["2024-x.txt"]


def test_comma_separated_paths_keep_order_and_braces(tmp_path):
    for name in ["a1", "a2", "b", "c"]:
        write(tmp_path / name, name.encode())
    spec = f"{tmp_path}/c,{tmp_path}/a{{1,2}},{tmp_path}/b"
    assert names(list_input_files(spec)) == ["c", "a1", "a2", "b"]
    assert split_input_paths(spec) == [f"{tmp_path}/c", f"{tmp_path}/a{{1,2}}", f"{tmp_path}/b"]
    with pytest.raises(ValueError, match="empty string"):
        split_input_paths(f"{tmp_path}/c,")


def test_missing_paths_are_all_reported(tmp_path):
    write(tmp_path / "ok", b"1")
    with pytest.raises(FileNotFoundError) as info:
        list_input_files(f"{tmp_path}/nope,{tmp_path}/ok,{tmp_path}/z*")
    assert str(info.value).splitlines() == [
        f"Input path does not exist: file:{tmp_path}/nope",
        f"Input Pattern file:{tmp_path}/z* matches 0 files",
    ]


def test_glob_matching_only_hidden_files_matches_zero(tmp_path):
    write(tmp_path / "_a", b"1")
    with pytest.raises(FileNotFoundError, match="matches 0 files"):
        list_input_files(str(tmp_path / "*a"))


def test_explicitly_named_hidden_file_is_read(tmp_path):
    path = write(tmp_path / "_meta", b"m\n")
    assert [s.path for s in list_input_files(path)] == [path]


def test_subdirectory_of_input_dir_is_not_a_file(tmp_path):
    write(tmp_path / "d" / "a", b"1")
    (tmp_path / "d" / "sub").mkdir()
    (tmp_path / "d" / "_hidden_sub").mkdir()
    with pytest.raises(IsADirectoryError, match=f"Path: file:{tmp_path}/d/sub is a directory"):
        text_splits(str(tmp_path / "d"), 2)
    assert names(list_input_files(str(tmp_path / "d"), skip_directories=True)) == ["a"]


# -- whole files ---------------------------------------------------------------


def test_whole_file_groups_pack_files_up_to_ceil_total_over_partitions(tmp_path):
    sizes = [5, 30, 1, 1, 1, 40, 0, 2]
    for i, size in enumerate(sizes):
        write(tmp_path / "d" / f"f{i}", b"x" * size)
    for min_partitions in range(1, 10):
        groups = whole_file_groups(str(tmp_path / "d"), min_partitions)
        target = -(-sum(sizes) // min_partitions)
        flat = [s for g in groups for s in g]
        assert names(flat) == [f"f{i}" for i in range(len(sizes))]
        # Every group but the last is closed as soon as it reaches the target.
        for group in groups[:-1]:
            assert sum(s.length for s in group) >= target
            assert sum(s.length for s in group[:-1]) < target
        assert len(groups) <= len(sizes)


def test_whole_file_groups_of_empty_files_form_one_group(tmp_path):
    for name in "abc":
        write(tmp_path / name, b"")
    assert [names(g) for g in whole_file_groups(str(tmp_path), 4)] == [["a", "b", "c"]]


def test_read_whole_file_keys_as_spark_shows_them(tmp_path):
    text = "line1\r\nlïne2\n"
    path = write(tmp_path / "w.txt", text.encode())
    gz = write(tmp_path / "w.txt.gz", gzip.compress(text.encode()))
    status, gz_status = list_input_files(f"{path},{gz}")
    assert read_whole_file(status) == (f"file:{path}", text)
    assert read_whole_file(gz_status) == (f"file:{gz}", text)
    assert read_whole_file(status, use_unicode=False) == (f"file:{path}".encode(), text.encode())
    assert read_whole_binary(gz_status) == (f"file:{gz}", Path(gz).read_bytes())  # not decompressed


def test_read_whole_file_replaces_undecodable_bytes(tmp_path):
    data = b"ok\n\xfe\n"
    path = write(tmp_path / "bin", data)
    (status,) = list_input_files(path)
    text = data.decode("utf-8", "replace")
    assert read_whole_file(status) == (f"file:{path}", text)
    assert read_whole_file(status, use_unicode=False) == (f"file:{path}".encode(), text.encode())
