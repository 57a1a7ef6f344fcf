"""The SequenceFile format: round trips, sync markers, splits, and damaged files."""
from __future__ import annotations

import io
import os
import struct
import tempfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark.fs.input import FileSplit
from minispark.hadoop.codecs import CODECS
from minispark.hadoop.sequencefile import (
    BLOCK, NONE, RECORD, SYNC_SIZE, SequenceFileError, SequenceFileWriter, read_file_header,
    read_sequence_split,
)
from minispark.hadoop.writables import (
    ARRAY, INT, TEXT, TypeRegistry, WritableError, read_vlong, write_vlong,
)

from .strategies import FAST, VALUES

TYPES = TypeRegistry()
KINDS = [(NONE, None)] + [(kind, codec) for kind in (RECORD, BLOCK) for codec in sorted(CODECS)]


def _write(path, key_class, value_class, records, kind=NONE, codec=None, **options):
    with open(path, "wb") as f:
        writer = SequenceFileWriter(f, TYPES.lookup(key_class), TYPES.lookup(value_class), kind,
                                    CODECS[codec] if codec else None, **options)
        writer.write_all(records)
        writer.close()


def _read_all(path, registry=TYPES, cuts=None):
    path = str(path)
    size = os.path.getsize(path)
    cuts = sorted({0, size, *(cuts or ())})
    return [r for s, e in zip(cuts, cuts[1:])
            for r in read_sequence_split(FileSplit(path, s, e - s), registry)]


def _sync_offsets(path):
    data = open(path, "rb").read()
    end = read_file_header(str(path)).end
    sync = data[end - SYNC_SIZE:end]
    found, at = [], data.find(sync, end)
    while at >= 0:
        found.append(at - 4)
        at = data.find(sync, at + 1)
    return found


@given(value=st.integers(-(1 << 63), (1 << 63) - 1))
def test_vlongs_round_trip_in_at_most_nine_bytes(value):
    out = bytearray()
    write_vlong(value, out)
    assert read_vlong(bytes(out), 0) == (value, len(out))
    assert len(out) <= 9 and (len(out) == 1) == (-112 <= value <= 127)


@FAST
@given(st.data())
@pytest.mark.parametrize("kind,codec", KINDS)
@pytest.mark.parametrize("value_class", sorted(VALUES))
def test_every_writable_round_trips_under_every_compression(tmp_path, kind, codec, value_class, data):
    records = data.draw(st.lists(st.tuples(VALUES[TEXT], VALUES[value_class]), max_size=30))
    path = tmp_path / f"f-{kind}-{codec}-{value_class.rsplit('.', 1)[1]}.seq"
    _write(path, TEXT, value_class, records, kind, codec, block_size=200, sync_interval=100)
    assert _read_all(path) == records


@FAST
@given(records=st.lists(st.tuples(VALUES[INT], VALUES[TEXT]), min_size=1, max_size=300),
       cuts=st.lists(st.integers(0, 20000), max_size=12))
@pytest.mark.parametrize("kind,codec", [(NONE, None), (RECORD, "org.apache.hadoop.io.compress.DefaultCodec"),
                                        (BLOCK, "org.apache.hadoop.io.compress.GzipCodec")])
def test_any_splits_give_every_record_exactly_once(records, cuts, kind, codec):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "f.seq")
        _write(path, INT, TEXT, records, kind, codec, sync_interval=60, block_size=150)
        if len(records) > 40:
            assert len(_sync_offsets(path)) > 1  # markers really cut the file
        assert _read_all(path, cuts=[c % os.path.getsize(path) for c in cuts]) == records


def test_sync_markers_every_interval_bytes_as_hadoop_writes_them(tmp_path):
    """Before a record, once ``interval`` bytes have passed since the last marker
    (counting from the file's start) — the rule behind Hadoop's own files."""
    path = tmp_path / "f.seq"
    records = [(i, "value %d" % i) for i in range(300)]
    _write(path, INT, TEXT, records, sync_interval=2000)
    offsets = _sync_offsets(path)
    assert len(offsets) == 3
    previous_end = 0
    for offset in offsets:
        assert offset >= previous_end + 2000
        previous_end = offset + 4 + SYNC_SIZE
    assert _read_all(path) == records


def test_block_files_have_a_marker_before_every_block(tmp_path):
    path = tmp_path / "f.seq"
    _write(path, INT, TEXT, [(i, "x" * 50) for i in range(100)], BLOCK,
           "org.apache.hadoop.io.compress.DefaultCodec", block_size=1000)
    offsets = _sync_offsets(path)
    assert offsets[0] == read_file_header(str(path)).end
    assert len(offsets) == -(-100 * 56 // 1000)  # one block per ~1000 bytes of keys and values


def test_metadata_and_header_round_trip(tmp_path):
    path = tmp_path / "f.seq"
    _write(path, INT, TEXT, [], metadata={"b": "2", "a": "é"})
    header = read_file_header(str(path))
    assert (header.key_class, header.value_class, header.compression) == (INT, TEXT, NONE)
    assert header.metadata == {"a": "é", "b": "2"}
    assert _read_all(path) == []


def test_tuples_round_trip_with_their_element_class_in_the_metadata(tmp_path):
    from minispark.hadoop.writables import writable_for
    path = tmp_path / "f.seq"
    records = [(i, tuple(range(i))) for i in range(1, 5)]
    with open(path, "wb") as f:
        writer = SequenceFileWriter(f, TYPES.lookup(INT), writable_for(records[0][1]))
        writer.write_all(records)
        writer.close()
    assert read_file_header(str(path)).value_class == ARRAY
    assert _read_all(path) == records


def test_values_that_do_not_fit_the_class_are_refused(tmp_path):
    with pytest.raises(WritableError, match=r"value of record 1: .*'x'.*IntWritable"):
        _write(tmp_path / "f.seq", TEXT, INT, [("a", 1), ("b", "x")])
    with pytest.raises(WritableError, match=r"key of record 0: .*4294967296.*IntWritable"):
        _write(tmp_path / "g.seq", INT, TEXT, [(1 << 32, "a")])


# -- damaged files -----------------------------------------------------------------------


def _good_file(tmp_path, kind=NONE, codec=None):
    path = tmp_path / "good.seq"
    _write(path, INT, TEXT, [(i, "v" * i) for i in range(50)], kind, codec, sync_interval=300,
           block_size=300)
    return path


@pytest.mark.parametrize("kind,codec", KINDS)
def test_a_truncated_file_is_an_error_naming_the_file(tmp_path, kind, codec):
    path = _good_file(tmp_path, kind, codec)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 1):
        (tmp_path / "cut.seq").write_bytes(data[:cut])
        with pytest.raises((EOFError, SequenceFileError), match="cut.seq"):
            _read_all(tmp_path / "cut.seq")


@pytest.mark.parametrize("kind,codec", KINDS)
def test_corrupt_bytes_are_an_error_naming_the_file(tmp_path, kind, codec):
    path = _good_file(tmp_path, kind, codec)
    data = bytearray(path.read_bytes())
    header_end = read_file_header(str(path)).end
    for at in range(header_end, len(data), 7):
        damaged = bytearray(data)
        damaged[at] ^= 0xFF
        (tmp_path / "bad.seq").write_bytes(damaged)
        try:
            records = _read_all(tmp_path / "bad.seq")
        except (EOFError, SequenceFileError) as err:
            assert "bad.seq" in str(err)
        else:  # a flipped key or value byte changes that record at most (no checksums)
            original = [(i, "v" * i) for i in range(50)]
            assert len(records) == 50
            assert sum(a != b for a, b in zip(records, original)) <= 1


def test_a_file_that_is_not_a_sequence_file(tmp_path):
    (tmp_path / "t.txt").write_bytes(b"hello\n")
    with pytest.raises(SequenceFileError, match=r"t.txt not a SequenceFile"):
        _read_all(tmp_path / "t.txt")
    (tmp_path / "v9").write_bytes(b"SEQ\x09rest")
    with pytest.raises(SequenceFileError, match="version 9 is not supported"):
        _read_all(tmp_path / "v9")


def test_a_record_whose_value_is_too_long_for_its_class(tmp_path):
    path = tmp_path / "f.seq"
    _write(path, INT, TEXT, [(1, "a")])
    data = path.read_bytes()
    header_end = read_file_header(str(path)).end
    # rewrite the record as key IntWritable + 3 extra value bytes the Text does not use
    record = struct.pack(">ii", 4 + 5, 4) + struct.pack(">i", 1) + b"\x01a\x00\x00\x00"
    path.write_bytes(data[:header_end] + record)
    with pytest.raises(SequenceFileError, match="holds 5 bytes for a org.apache.hadoop.io.Text of 2"):
        _read_all(path)


def test_unsupported_classes_in_a_header_are_named(tmp_path):
    path = tmp_path / "f.seq"
    out = io.BytesIO()
    writer = SequenceFileWriter(out, TYPES.lookup(INT), TYPES.lookup(TEXT))
    writer.close()
    data = out.getvalue().replace(TEXT.encode(), b"org.apache.hadoop.io.UTF8")
    path.write_bytes(data)
    with pytest.raises(NotImplementedError, match=r"f.seq: Writable class org.apache.hadoop.io.UTF8 is not supported"):
        _read_all(path)
