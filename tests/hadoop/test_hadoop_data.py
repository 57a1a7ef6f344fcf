"""Files real Hadoop wrote (tests/data/hadoop) read back exactly, on every backend."""
from __future__ import annotations

import io
import os

import pytest

from minispark.fs.input import FileSplit
from minispark.hadoop import register_array_writable, unregister_array_writable
from minispark.hadoop.codecs import codec_named
from minispark.hadoop.sequencefile import (
    SYNC_INTERVAL, SequenceFileWriter, read_file_header, read_sequence_split,
)
from minispark.hadoop.writables import ARRAY, INT, TypeRegistry

from .expected import (
    DATA, DICT_ORDER_AS_PYSPARK_PRINTS, HEADERS, SEQUENCE_FILES, TEXT_DIRS, text_lines,
)

IO = "org.apache.hadoop.io."


@pytest.fixture
def int_arrays():
    """Hadoop's bare ArrayWritable keeps no element class: name it, as a subclass would."""
    register_array_writable(ARRAY, INT)
    yield
    unregister_array_writable(ARRAY)


@pytest.mark.parametrize("name", sorted(SEQUENCE_FILES))
def test_sequence_files_hadoop_wrote_read_back_exactly(sc, name, int_arrays):
    path = os.path.join(DATA, name)
    records = sc.sequenceFile(path).collect()
    expected = SEQUENCE_FILES[name]()
    assert records == expected
    # the Python types PySpark gives, not just equal values (True == 1, bytes != bytearray)
    assert [tuple(map(type, r)) for r in records] == [tuple(map(type, r)) for r in expected]


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_headers_name_hadoop_classes_and_codecs(name):
    key, value, compression, codec = HEADERS[name]
    header = read_file_header(os.path.join(DATA, name))
    assert (header.key_class, header.value_class) == (IO + key, IO + value)
    assert header.compression == compression
    assert header.codec == (None if codec is None else IO + "compress." + codec)


def test_dicts_print_in_the_order_pyspark_prints_them(sc):
    records = sc.sequenceFile(os.path.join(DATA, "dict_order")).collect()
    assert repr(records) == DICT_ORDER_AS_PYSPARK_PRINTS


def test_metadata_hadoop_wrote_is_read():
    header = read_file_header(os.path.join(DATA, "long_text_record_deflate.seq"))
    assert header.metadata == {"made.by": "hadoop", "purpose": "minispark tests"}


def test_a_bare_array_writable_needs_its_element_class(sc):
    with pytest.raises(Exception, match="ArrayWritable does not record its element class"):
        sc.sequenceFile(os.path.join(DATA, "int_array.seq")).collect()


@pytest.mark.parametrize("name", sorted(SEQUENCE_FILES))
def test_every_split_of_a_hadoop_file_gives_each_record_once(name, int_arrays):
    """Cut every Hadoop-written file at every 97th byte: the splits' records, in
    order, are the file's, whatever compression and wherever the sync markers are."""
    path = os.path.join(DATA, name)
    size = os.path.getsize(path)
    registry = TypeRegistry.current()
    for step in (1, 97, 500, 2100):
        cuts = list(range(0, size, step)) + [size]
        got = [r for s, e in zip(cuts, cuts[1:])
               for r in read_sequence_split(FileSplit(path, s, e - s), registry)]
        assert got == SEQUENCE_FILES[name](), step


def test_hadoop_sync_markers_start_the_later_splits():
    """text_int_syncs.seq has sync markers every ~2000 bytes (Hadoop's syncInterval 2000):
    a split starting in the middle reads from the next marker on."""
    path = os.path.join(DATA, "text_int_syncs.seq")
    size = os.path.getsize(path)
    registry = TypeRegistry.current()
    parts = [list(read_sequence_split(FileSplit(path, s, e - s), registry))
             for s, e in ((0, 2500), (2500, 4500), (4500, size))]
    assert all(parts), [len(p) for p in parts]
    assert sum(parts, []) == SEQUENCE_FILES["text_int_syncs.seq"]()


@pytest.mark.parametrize("name", TEXT_DIRS)
def test_text_files_hadoop_compressed_read_with_text_file(sc, name):
    assert sc.textFile(os.path.join(DATA, name)).collect() == text_lines()


def test_deflate_text_through_text_input_format_gives_decompressed_offsets(sc):
    lines = text_lines()
    offsets = [sum(len(x.encode("utf-8")) + 1 for x in lines[:i]) for i in range(len(lines))]
    got = sc.hadoopFile(os.path.join(DATA, "lines_deflate"), "org.apache.hadoop.mapred.TextInputFormat",
                        IO + "LongWritable", IO + "Text").collect()
    assert got == list(zip(offsets, lines))


#: Files whose every byte minispark reproduces from their records: same classes,
#: same sync marker and interval, and zlib's deflate as Hadoop's Deflater/GzipCodec.
#: (The bzip2 and MapWritable files differ: other bzip2 code, and Python values lose
#: VIntWritable & co.)
BYTE_IDENTICAL = {
    "text_int_syncs.seq": 2000,
    "long_text_record_deflate.seq": SYNC_INTERVAL,
    "int_bytes_block_deflate.seq": SYNC_INTERVAL,
    "double_float_block_gzip.seq": SYNC_INTERVAL,
    "bool_null_record_gzip.seq": SYNC_INTERVAL,
}


@pytest.mark.parametrize("name", sorted(BYTE_IDENTICAL))
def test_minispark_writes_the_bytes_hadoop_wrote(name):
    path = os.path.join(DATA, name)
    header = read_file_header(path)
    registry = TypeRegistry()
    out = io.BytesIO()
    writer = SequenceFileWriter(out, registry.lookup(header.key_class),
                                registry.lookup(header.value_class), header.compression,
                                codec_named(header.codec) if header.codec else None,
                                metadata=header.metadata, sync=header.sync,
                                sync_interval=BYTE_IDENTICAL[name], block_size=1000)
    writer.write_all(SEQUENCE_FILES[name]())
    writer.close()
    with open(path, "rb") as f:
        assert out.getvalue() == f.read()


@pytest.mark.parametrize("codec,name", [("DefaultCodec", "lines_deflate"), ("GzipCodec", None)])
def test_compressed_text_parts_are_the_bytes_hadoop_writes(sc, tmp_path, codec, name):
    out = tmp_path / "out"
    sc.parallelize(text_lines(), 1).saveAsTextFile(str(out), IO + "compress." + codec)
    (part,) = [p for p in os.listdir(out) if p.startswith("part-")]
    data = (out / part).read_bytes()
    if name is not None:
        with open(os.path.join(DATA, name, part), "rb") as f:
            assert data == f.read()
    else:  # Hadoop's gzip header: no name, no mtime, OS 0
        assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"
