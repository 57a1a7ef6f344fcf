"""The output commit protocol and part-file formats (minispark.fs.output)."""
from __future__ import annotations

import gzip
import io
import multiprocessing
import os
import pickle
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minispark.fs.input import FileSplit, list_input_files, read_text_split, text_splits
from minispark.fs.output import (
    PICKLE_MAGIC,
    OutputJob,
    read_pickle_split,
    write_pickle_part,
    write_text_part,
)

PROPERTY = settings(max_examples=100, deadline=None, database=None)


def tree(root: Path) -> list[str]:
    """Every file and directory under ``root``, relative, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def write_parts(job: OutputJob, partitions: int) -> list[list[str]]:
    data = [[f"p{p}-{i}" for i in range(p + 1)] for p in range(partitions)]
    for p, lines in enumerate(data):
        with job.task_writer(p, attempt=0) as f:
            write_text_part(f, lines)
    return data


# -- commit protocol -----------------------------------------------------------


def test_commit_publishes_parts_and_success(tmp_path):
    out = tmp_path / "out"
    job = OutputJob(str(out))
    job.setup()
    data = write_parts(job, 3)
    assert not out.exists()  # nothing is visible before commit
    job.commit()
    assert tree(tmp_path) == ["out", "out/_SUCCESS", "out/part-00000", "out/part-00001", "out/part-00002"]
    assert (out / "_SUCCESS").read_bytes() == b""
    for p, lines in enumerate(data):
        assert (out / f"part-{p:05d}").read_text() == "".join(line + "\n" for line in lines)
    # minispark reads its own output back: _SUCCESS is hidden from input listing.
    assert [line for s in text_splits(str(out), 2) for line in read_text_split(s)] == sum(data, [])


def test_abort_leaves_nothing(tmp_path):
    job = OutputJob(str(tmp_path / "out"))
    job.setup()
    write_parts(job, 2)
    job.abort()
    job.abort()  # idempotent
    assert tree(tmp_path) == []


def test_existing_output_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    job = OutputJob(str(tmp_path / "out"))
    with pytest.raises(FileExistsError, match=f"^Output directory file:{tmp_path}/out already exists$"):
        job.setup()
    assert tree(tmp_path) == ["out"]


def test_output_appearing_before_commit_aborts_the_job(tmp_path):
    job = OutputJob(str(tmp_path / "out"))
    job.setup()
    write_parts(job, 1)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "theirs").write_text("x")
    with pytest.raises(FileExistsError, match="already exists"):
        job.commit()
    assert tree(tmp_path) == ["out", "out/theirs"]


def test_two_attempts_of_one_partition_give_one_part_first_commit_wins(tmp_path):
    out = tmp_path / "out"
    job = OutputJob(str(out))
    job.setup()
    with job.task_writer(0, attempt=0) as slow:
        with job.task_writer(0, attempt=1) as fast:
            write_text_part(fast, ["fast"])
        write_text_part(slow, ["slow"])
    with job.task_writer(0, attempt=2) as late:
        write_text_part(late, ["late"])
    job.commit()
    assert tree(out) == ["_SUCCESS", "part-00000"]
    assert (out / "part-00000").read_text() == "fast\n"


def test_failed_attempt_leaves_no_part_and_retry_succeeds(tmp_path):
    out = tmp_path / "out"
    job = OutputJob(str(out))
    job.setup()
    with pytest.raises(RuntimeError, match="boom"):
        with job.task_writer(0, attempt=0) as f:
            write_text_part(f, ["half"])
            raise RuntimeError("boom")
    with job.task_writer(0, attempt=1) as f:
        write_text_part(f, ["whole"])
    job.commit()
    assert tree(out) == ["_SUCCESS", "part-00000"]
    assert (out / "part-00000").read_text() == "whole\n"


def test_commit_drops_files_of_killed_attempts(tmp_path):
    job = OutputJob(str(tmp_path / "out"))
    job.setup()
    # An executor killed mid-write leaves its private attempt file behind.
    abandoned = job.task_writer(1, attempt=0)
    abandoned.__enter__().write(b"partial")
    write_parts(job, 1)
    job.commit()
    assert tree(tmp_path / "out") == ["_SUCCESS", "part-00000"]
    assert tree(tmp_path) == ["out", "out/_SUCCESS", "out/part-00000"]


def test_task_writer_after_commit_or_without_setup_fails(tmp_path):
    job = OutputJob(str(tmp_path / "out"))
    with pytest.raises(RuntimeError, match="not set up"):
        with job.task_writer(0, 0):
            pass
    with pytest.raises(RuntimeError, match="not set up"):
        job.commit()
    job.setup()
    job.commit()
    with pytest.raises(RuntimeError, match="already committed"):
        with job.task_writer(0, 0):
            pass
    assert tree(tmp_path / "out") == ["_SUCCESS"]


def test_suffix_and_empty_job(tmp_path):
    out = tmp_path / "out"
    job = OutputJob(str(out))
    job.setup()
    with job.task_writer(7, attempt=0, suffix=".gz") as f:
        write_text_part(f, ["zipped"], compress=True)
    job.commit()
    assert tree(out) == ["_SUCCESS", "part-00007.gz"]
    assert gzip.decompress((out / "part-00007.gz").read_bytes()) == b"zipped\n"


def test_relative_output_path_is_pinned_at_construction(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    job = OutputJob("rel/out")
    assert job.path == f"file:{tmp_path}/rel/out"
    monkeypatch.chdir("/")
    job.setup()
    write_parts(job, 1)
    job.commit()
    assert tree(tmp_path / "rel") == ["out", "out/_SUCCESS", "out/part-00000"]


def _executor_task(args):
    job, partition = args
    with job.task_writer(partition, attempt=0) as f:
        write_text_part(f, [f"from pid {os.getpid()}", partition])
    return partition


def test_job_is_shipped_to_worker_processes(tmp_path):
    out = tmp_path / "out"
    job = OutputJob(str(out))
    job.setup()
    clone = pickle.loads(pickle.dumps(job))
    assert vars(clone) == vars(job)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert sorted(pool.map(_executor_task, [(job, p) for p in range(4)])) == [0, 1, 2, 3]
    job.commit()
    assert tree(out) == ["_SUCCESS"] + [f"part-{p:05d}" for p in range(4)]
    for p in range(4):
        assert (out / f"part-{p:05d}").read_text().splitlines()[1] == str(p)


# -- text parts ----------------------------------------------------------------


class Shown:
    def __str__(self) -> str:
        return "shown"


def test_write_text_part_converts_like_pyspark():
    buf = io.BytesIO()
    write_text_part(buf, ["é", b"\xff raw", 12, None, Shown(), ("t", 1)])
    expected = ["é".encode(), b"\xff raw", b"12", b"None", b"shown", str(("t", 1)).encode()]
    assert buf.getvalue() == b"".join(x + b"\n" for x in expected)


def test_write_text_part_batches_large_inputs():
    class CountingWriter(io.BytesIO):
        calls = 0

        def write(self, data):
            CountingWriter.calls += 1
            return super().write(data)

    out = CountingWriter()
    lines = [str(i) for i in range(50_000)]
    write_text_part(out, iter(lines))
    assert out.getvalue().decode().splitlines() == lines
    assert CountingWriter.calls < len(lines) / 1000


@PROPERTY
@given(
    lines=st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r"))),
    compress=st.booleans(),
)
def test_text_part_round_trips_through_the_reader(lines, compress):
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out"
        job = OutputJob(str(out))
        job.setup()
        with job.task_writer(0, attempt=0, suffix=".gz" if compress else "") as f:
            write_text_part(f, lines, compress=compress)
        job.commit()
        splits = text_splits(str(out), 3)
        # A UTF-8 BOM leading the first line is dropped on read, as Hadoop does.
        expected = list(lines)
        if expected and expected[0].startswith("\ufeff"):
            expected[0] = expected[0][1:]
        assert [line for s in splits for line in read_text_split(s)] == expected


def test_gzip_output_is_deterministic():
    first, second = io.BytesIO(), io.BytesIO()
    write_text_part(first, ["same"] * 100, compress=True)
    write_text_part(second, ["same"] * 100, compress=True)
    assert first.getvalue() == second.getvalue()


# -- pickle parts ----------------------------------------------------------------

picklable = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=10,
)


@PROPERTY
@given(items=st.lists(picklable, max_size=40), batch_size=st.integers(-1, 7))
def test_pickle_part_round_trips(items, batch_size):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "part-00000")
        with open(path, "wb") as f:
            write_pickle_part(f, iter(items), batch_size)
        assert list(read_pickle_split(path)) == items
        assert list(read_pickle_split(FileSplit(path, 0, os.path.getsize(path)))) == items


def frame_sizes(data: bytes) -> list[int]:
    """Lengths of the frames after the header, end marker excluded."""
    sizes, pos = [], len(PICKLE_MAGIC)
    while (size := int.from_bytes(data[pos:pos + 8], "big")) != 0:
        sizes.append(size)
        pos += 8 + size
    assert pos + 8 == len(data)
    return sizes


def test_pickle_batch_size_sets_items_per_frame():
    buf = io.BytesIO()
    write_pickle_part(buf, range(25), batch_size=10)
    assert [len(pickle.loads(buf.getvalue()[8:][8:8 + n])) for n in frame_sizes(buf.getvalue())[:1]] == [10]
    assert len(frame_sizes(buf.getvalue())) == 3


def test_pickle_auto_batching_grows_frames():
    buf = io.BytesIO()
    write_pickle_part(buf, range(100_000), batch_size=0)
    sizes = frame_sizes(buf.getvalue())
    assert len(sizes) < 40  # doubling from 1 reaches big batches quickly
    assert sizes[-2] > sizes[0]


def test_pickle_files_through_the_output_job(tmp_path):
    out = tmp_path / "out"
    job = OutputJob(str(out))
    job.setup()
    for p in range(3):
        with job.task_writer(p, attempt=0) as f:
            write_pickle_part(f, [(p, i) for i in range(p * 3)], batch_size=2)
    job.commit()
    got = [item for s in list_input_files(str(out)) for item in read_pickle_split(s.path)]
    assert got == [(p, i) for p in range(3) for i in range(p * 3)]


def test_truncated_or_foreign_pickle_files_are_rejected(tmp_path):
    buf = io.BytesIO()
    write_pickle_part(buf, list(range(100)), batch_size=10)
    data = buf.getvalue()
    for cut in (len(data) - 8, len(data) - 20, len(PICKLE_MAGIC) + 3):
        path = tmp_path / f"cut{cut}"
        path.write_bytes(data[:cut])
        with pytest.raises(EOFError, match=f"file:{path} is truncated"):
            list(read_pickle_split(str(path)))
    (tmp_path / "text").write_bytes(b"not a pickle file\n")
    with pytest.raises(ValueError, match="not a minispark pickle file"):
        list(read_pickle_split(str(tmp_path / "text")))
