"""Framed record files are read a frame at a time, and a cut-short file is named as such."""
from __future__ import annotations

import glob
import io
import os
import re

import pytest

from minispark.common import serialization
from minispark.common.errors import SparkException

RECORDS = [(i, "x" * (i % 50)) for i in range(10_000)]


class RecordingReader(io.BytesIO):
    """A stream that remembers the size of every read asked of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.sizes.append(-1 if size is None else size)
        return super().read(size)


def framed(records, batch_size=500):
    out = io.BytesIO()
    serialization.write_batches(out, records, batch_size)
    return out.getvalue()


def test_frames_are_read_one_at_a_time_and_give_back_every_record():
    data = framed(RECORDS)
    stream = RecordingReader(data)
    payloads = list(serialization.read_frames(stream))
    assert [r for p in payloads for r in serialization.loads(p)] == RECORDS
    assert len(payloads) == len(RECORDS) // 500
    assert -1 not in stream.sizes and max(stream.sizes) == max(map(len, payloads))


def test_a_range_stops_at_its_length():
    first, second = framed(RECORDS[:700]), framed(RECORDS[700:])
    stream = io.BytesIO(first + second)
    payloads = list(serialization.read_frames(stream, len(first)))
    assert [r for p in payloads for r in serialization.loads(p)] == RECORDS[:700]
    assert stream.tell() == len(first)


@pytest.mark.parametrize("cut", [2, 10, 1000])
def test_data_cut_short_raises_truncated_frame_error(tmp_path, cut):
    path = tmp_path / "records"
    path.write_bytes(framed(RECORDS)[:-cut])
    with pytest.raises(serialization.TruncatedFrameError, match=f"{path}.*truncated"):
        list(serialization.read_file_records(str(path)))


def test_a_range_ending_inside_a_frame_is_an_error():
    data = framed(RECORDS)
    with pytest.raises(serialization.TruncatedFrameError, match="runs past its range"):
        list(serialization.read_frames(io.BytesIO(data), len(data) - 1))


def test_a_cut_short_checkpoint_file_fails_the_job_naming_the_file(sc, tmp_path):
    sc.setCheckpointDir(str(tmp_path))
    rdd = sc.parallelize(RECORDS, 2).map(lambda kv: kv)
    rdd.checkpoint()
    assert rdd.count() == len(RECORDS) and rdd.isCheckpointed()
    files = sorted(f for f in glob.glob(os.path.join(rdd.getCheckpointFile(), "*"))
                   if os.path.getsize(f) > 100)
    with open(files[0], "r+b") as f:
        f.truncate(os.path.getsize(files[0]) - 7)
    with pytest.raises(SparkException, match=re.escape(files[0]) + " is truncated"):
        rdd.collect()
