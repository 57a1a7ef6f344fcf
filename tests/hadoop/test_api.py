"""SparkContext.sequenceFile/hadoopFile/... and RDD.saveAs*Hadoop*/saveAsSequenceFile."""
from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark.common.errors import SparkException
from minispark.hadoop.sequencefile import read_file_header
from minispark.hadoop.writables import java_string

from .strategies import FAST, binary, doubles, int32, map_values, text

IO = "org.apache.hadoop.io."
CODEC = IO + "compress."
OLD, NEW_IN, NEW_OUT = ("org.apache.hadoop.mapred.", "org.apache.hadoop.mapreduce.lib.input.",
                        "org.apache.hadoop.mapreduce.lib.output.")
SEQ_OUT_NEW = NEW_OUT + "SequenceFileOutputFormat"

#: Per Writable class PySpark infers, values of that class: one class per RDD column.
INFERRED = {
    "Text": text,
    "IntWritable": int32,
    "LongWritable": st.integers(1 << 31, (1 << 63) - 1) | st.integers(-(1 << 63), -(1 << 31) - 1),
    "DoubleWritable": doubles,
    "BooleanWritable": st.booleans(),
    "BytesWritable": st.binary(max_size=20),
    "NullWritable": st.none(),
    "MapWritable": map_values,
    "ArrayWritable": st.lists(int32, min_size=1, max_size=5).map(tuple),
}


def as_read(value):
    """What PySpark gives back for a value it saved: bytes come back as bytearray."""
    if isinstance(value, bytes):
        return bytearray(value)
    if isinstance(value, dict):
        return {as_read(k): as_read(v) for k, v in value.items()}
    return value


def _parts(path):
    return sorted(p for p in os.listdir(path) if p.startswith("part-"))


@FAST
@given(st.data())
@pytest.mark.parametrize("codec", [None, "DefaultCodec", "GzipCodec", "BZip2Codec"])
@pytest.mark.parametrize("key_class,value_class", [("Text", "IntWritable"), ("IntWritable", "Text"),
                                                   ("LongWritable", "DoubleWritable"),
                                                   ("BooleanWritable", "BytesWritable"),
                                                   ("NullWritable", "MapWritable"),
                                                   ("Text", "ArrayWritable")])
def test_save_as_sequence_file_round_trips(sc, tmp_path_factory, key_class, value_class, codec, data):
    records = data.draw(st.lists(st.tuples(INFERRED[key_class], INFERRED[value_class]),
                                 min_size=1, max_size=30))
    slices = data.draw(st.integers(1, 4))
    out = str(tmp_path_factory.mktemp("seq") / "out")
    sc.parallelize(records, slices).saveAsSequenceFile(out, codec and CODEC + codec)
    assert _parts(out) == [f"part-{i:05d}" for i in range(slices)]
    header = read_file_header(os.path.join(out, "part-00000"))
    assert (header.key_class, header.value_class) == (IO + key_class, IO + value_class)
    assert header.compression == ("BLOCK" if codec else "NONE")  # as Spark sets the job
    back = sc.sequenceFile(out).collect()
    assert back == [(as_read(k), as_read(v)) for k, v in records]
    assert [type(v) for _, v in back] == [type(as_read(v)) for _, v in records]


@pytest.mark.parametrize("kind", ["NONE", "RECORD", "BLOCK"])
def test_compression_type_and_codec_from_the_job_conf(sc, tmp_path, kind):
    records = [(i, "v%d" % i) for i in range(50)]
    out = str(tmp_path / "out")
    sc.parallelize(records, 2).saveAsNewAPIHadoopFile(out, SEQ_OUT_NEW, conf={
        "mapreduce.output.fileoutputformat.compress": "true",
        "mapreduce.output.fileoutputformat.compress.codec": CODEC + "GzipCodec",
        "mapreduce.output.fileoutputformat.compress.type": kind})
    assert _parts(out) == ["part-r-00000", "part-r-00001"]
    header = read_file_header(os.path.join(out, "part-r-00000"))
    assert header.compression == kind
    assert header.codec == (None if kind == "NONE" else CODEC + "GzipCodec")
    assert sc.sequenceFile(out).collect() == records


def test_declared_classes_convert_the_values(sc, tmp_path):
    """A declared class takes any value that fits it: small ints as LongWritable keys,
    floats as FloatWritable (read back rounded to float precision)."""
    records = [(1, 0.1), (2, 2.5), (1 << 40, -3.0)]
    out = str(tmp_path / "out")
    sc.parallelize(records, 2).saveAsNewAPIHadoopFile(out, SEQ_OUT_NEW, IO + "LongWritable",
                                                      IO + "FloatWritable")
    header = read_file_header(os.path.join(out, "part-r-00000"))
    assert (header.key_class, header.value_class) == (IO + "LongWritable", IO + "FloatWritable")
    import struct
    assert sc.sequenceFile(out).collect() == [
        (k, struct.unpack(">f", struct.pack(">f", v))[0]) for k, v in records]


def test_many_partitions_read_each_record_once_at_sync_markers(sc, tmp_path):
    """A ~1.3 MB file with a sync marker every 100 KiB, read with 8 partitions."""
    records = [(i, "value %07d" % i) for i in range(60000)]
    out = str(tmp_path / "big")
    sc.parallelize(records, 1).saveAsSequenceFile(out)
    rdd = sc.sequenceFile(out, minSplits=8)
    parts = rdd.glom().collect()
    assert len(parts) >= 8 and sum(1 for p in parts if p) >= 8
    assert [r for p in parts for r in p] == records


def test_many_partitions_of_a_block_compressed_file(sc, tmp_path):
    records = [(i, "value %07d" % i) for i in range(60000)]
    out = str(tmp_path / "big")
    sc.parallelize(records, 1).saveAsNewAPIHadoopFile(out, SEQ_OUT_NEW, conf={
        "mapreduce.output.fileoutputformat.compress": "true",
        "mapreduce.output.fileoutputformat.compress.type": "BLOCK",
        "io.seqfile.compress.blocksize": "10000"})
    rdd = sc.newAPIHadoopFile(out, NEW_IN + "SequenceFileInputFormat", IO + "IntWritable",
                              IO + "Text", conf={"mapreduce.input.fileinputformat.split.maxsize": "1"})
    parts = rdd.glom().collect()
    assert len(parts) > 1 and sum(1 for p in parts if p) > 1
    assert [r for p in parts for r in p] == records


# -- text formats ------------------------------------------------------------------------


def _java_line(key, value, separator="\t"):
    shown = [java_string(x) for x in (key, value) if x is not None]
    return separator.join(shown) if shown else None


@FAST
@given(records=st.lists(st.tuples(st.one_of(text, int32, st.none(), doubles),
                                  st.one_of(text, st.booleans(), st.none(), binary, map_values)),
                        max_size=20),
       separator=st.sampled_from(["\t", ",", " => "]))
def test_text_output_format_writes_the_writables_to_string(sc, tmp_path_factory, records, separator):
    out = str(tmp_path_factory.mktemp("text") / "out")
    sc.parallelize(records, 2).saveAsHadoopFile(
        out, OLD + "TextOutputFormat", conf={"mapreduce.output.textoutputformat.separator": separator})
    assert _parts(out) == ["part-00000", "part-00001"]
    written = b"".join(open(os.path.join(out, p), "rb").read() for p in _parts(out)).decode()
    expected = [_java_line(k, v, separator) for k, v in records]
    assert written == "".join(line + "\n" for line in expected if line is not None)


def test_java_strings_of_numbers_match_java():
    """Double.toString as Java 17 printed these (PySpark's TextOutputFormat output)."""
    assert [java_string(v) for v in (1e20, 0.1, True, 1e-5, 123456789.0, 1e7, 0.001,
                                     float("nan"), -0.0, 1 << 40, b"\x01\xab")] == [
        "1.0E20", "0.1", "true", "1.0E-5", "1.23456789E8", "1.0E7", "0.001", "NaN", "-0.0",
        "1099511627776", "01 ab"]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_strings_read_back_as_the_same_double(value):
    shown = java_string(value)
    assert float(shown.replace("E", "e")) == value
    assert "." in shown


@pytest.mark.parametrize("codec,suffix", [("GzipCodec", ".gz"), ("BZip2Codec", ".bz2"),
                                          ("DefaultCodec", ".deflate")])
def test_compressed_text_output_format(sc, tmp_path, codec, suffix):
    records = [(i, "v%d" % i) for i in range(20)]
    old, new = str(tmp_path / "old"), str(tmp_path / "new")
    sc.parallelize(records, 2).saveAsHadoopFile(old, OLD + "TextOutputFormat",
                                                compressionCodecClass=CODEC + codec)
    sc.parallelize(records, 2).saveAsNewAPIHadoopFile(new, NEW_OUT + "TextOutputFormat", conf={
        "mapreduce.output.fileoutputformat.compress": "true",
        "mapreduce.output.fileoutputformat.compress.codec": CODEC + codec})
    assert _parts(old) == [f"part-0000{i}{suffix}" for i in range(2)]
    assert _parts(new) == [f"part-r-0000{i}{suffix}" for i in range(2)]
    for path in (old, new):
        assert sc.textFile(path).collect() == [f"{k}\t{v}" for k, v in records]


def test_the_pyspark_dataset_examples(sc, tmp_path):
    """The confs of PySpark's saveAsHadoopDataset / saveAsNewAPIHadoopDataset examples."""
    rdd = sc.parallelize([(1, ""), (1, "a"), (3, "x")], 3)  # one record per part, as on local[4]
    old, new = str(tmp_path / "old"), str(tmp_path / "new")
    rdd.saveAsHadoopDataset(conf={
        "mapred.output.format.class": OLD + "TextOutputFormat",
        "mapreduce.job.output.key.class": IO + "IntWritable",
        "mapreduce.job.output.value.class": IO + "Text",
        "mapreduce.output.fileoutputformat.outputdir": old})
    loaded = sc.hadoopRDD(OLD + "TextInputFormat", IO + "IntWritable", IO + "Text",
                          conf={"mapreduce.input.fileinputformat.inputdir": old})
    assert sorted(loaded.collect()) == [(0, "1\t"), (0, "1\ta"), (0, "3\tx")]
    rdd.saveAsNewAPIHadoopDataset(conf={
        "mapreduce.job.outputformat.class": SEQ_OUT_NEW,
        "mapreduce.job.output.key.class": IO + "IntWritable",
        "mapreduce.job.output.value.class": IO + "Text",
        "mapreduce.output.fileoutputformat.outputdir": new})
    loaded = sc.newAPIHadoopRDD(NEW_IN + "SequenceFileInputFormat", IO + "IntWritable", IO + "Text",
                                conf={"mapreduce.input.fileinputformat.inputdir": new})
    assert sorted(loaded.collect()) == [(1, ""), (1, "a"), (3, "x")]


def _offsets(lines, terminator=b"\n"):
    offsets, at = [], 0
    for line in lines:
        offsets.append(at)
        at += len(line.encode("utf-8")) + len(terminator)
    return offsets


def _hadoop_split_count(length, size):
    """FileInputFormat cuts ``size`` bytes while more than 1.1 sizes remain."""
    count = 0
    while length / size > 1.1:
        count, length = count + 1, length - size
    return count + (length > 0)


def _split_into(size):
    """New-API conf cutting files into ``size``-byte splits."""
    return {"mapreduce.input.fileinputformat.split.maxsize": str(size)}


@FAST
@given(lines=st.lists(st.text(st.characters(blacklist_categories=["Cs"],
                                            blacklist_characters="\r\n"), max_size=30),
                      max_size=60),
       split_size=st.integers(1, 80))
def test_text_input_format_gives_offsets_and_lines_once(sc, tmp_path_factory, lines, split_size):
    folder = tmp_path_factory.mktemp("in")
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    (folder / "t.txt").write_bytes(data)
    rdd = sc.newAPIHadoopFile(str(folder), NEW_IN + "TextInputFormat", IO + "LongWritable",
                              IO + "Text", conf=_split_into(split_size))
    assert rdd.getNumPartitions() == _hadoop_split_count(len(data), split_size)
    assert rdd.collect() == list(zip(_offsets(lines), lines))


@FAST
@given(records=st.lists(st.text("ab\n;", max_size=8), max_size=30),
       delimiter=st.sampled_from([";", ";;", "\n\n", "ab"]),
       split_size=st.integers(1, 40))
def test_custom_record_delimiters_split_anywhere(sc, tmp_path_factory, records, delimiter,
                                                 split_size):
    data = delimiter.join(records)
    folder = tmp_path_factory.mktemp("in")
    (folder / "t.txt").write_text(data, encoding="utf-8")
    conf = {"textinputformat.record.delimiter": delimiter, **_split_into(split_size)}
    rdd = sc.newAPIHadoopFile(str(folder), NEW_IN + "TextInputFormat", IO + "LongWritable",
                              IO + "Text", conf=conf)
    # Records end at each delimiter found left to right (str.split's rule), never
    # overlapping, and a file ending with the delimiter has no empty last record.
    expected, at = [], 0
    pieces = data.split(delimiter) if data else []
    for piece in pieces[:-1] + ([pieces[-1]] if pieces and pieces[-1] else []):
        expected.append((at, piece))
        at += len(piece.encode("utf-8")) + len(delimiter)
    assert rdd.collect() == expected


def test_key_value_text_input_format(sc, tmp_path):
    (tmp_path / "a.txt").write_text("k1\tv1\nk2\tv2\tmore\nnosep\n\tempty\n", encoding="utf-8")
    expected = [("k1", "v1"), ("k2", "v2\tmore"), ("nosep", ""), ("", "empty")]
    for fmt, method in ((OLD, sc.hadoopFile), (NEW_IN, sc.newAPIHadoopFile)):
        assert method(str(tmp_path), fmt + "KeyValueTextInputFormat", IO + "Text",
                      IO + "Text").collect() == expected
    got = sc.newAPIHadoopFile(str(tmp_path), NEW_IN + "KeyValueTextInputFormat", IO + "Text",
                              IO + "Text",
                              conf={"mapreduce.input.keyvaluelinerecordreader.key.value.separator": "v"})
    assert got.collect() == [("k1\t", "1"), ("k2\t", "2\tmore"), ("nosep", ""), ("\tempty", "")]


def test_text_input_over_many_files_and_partitions(sc, tmp_path):
    files = {f"f{i}.txt": ["line %d.%d" % (i, j) for j in range(i * 40)] for i in range(4)}
    for name, lines in files.items():
        (tmp_path / name).write_text("".join(x + "\r\n" for x in lines), encoding="utf-8")
    rdd = sc.hadoopFile(str(tmp_path), OLD + "TextInputFormat", IO + "LongWritable", IO + "Text")
    many = rdd.getNumPartitions()
    assert many >= 2
    expected = [pair for name in sorted(files)
                for pair in zip(_offsets(files[name], b"\r\n"), files[name])]
    assert rdd.collect() == expected


# -- errors ------------------------------------------------------------------------------


def test_unsupported_class_names_are_named_with_what_is_supported(sc, tmp_path):
    (tmp_path / "t.txt").write_text("x\n")
    with pytest.raises(NotImplementedError, match=r"InputFormat org.example.NoSuchFormat is not "
                                                  r"supported; supported: .*TextInputFormat"):
        sc.newAPIHadoopFile(str(tmp_path), "org.example.NoSuchFormat", IO + "LongWritable", IO + "Text")
    with pytest.raises(NotImplementedError, match=r"Writable class org.example.Nope is not supported; "
                                                  r"supported: .*IntWritable"):
        sc.hadoopFile(str(tmp_path), OLD + "TextInputFormat", "org.example.Nope", IO + "Text")
    with pytest.raises(NotImplementedError, match=r"OutputFormat org.apache.hadoop.mapred.lib.db.DBOutputFormat"):
        sc.parallelize([(1, 2)]).saveAsHadoopFile(str(tmp_path / "o"), OLD + "lib.db.DBOutputFormat")
    with pytest.raises(NotImplementedError, match=r"compression codec .*SnappyCodec.* supported: .*GzipCodec"):
        sc.parallelize([(1, 2)]).saveAsSequenceFile(str(tmp_path / "o"), CODEC + "SnappyCodec")
    with pytest.raises(ValueError, match=r"old \(mapred\) API InputFormat; use it with the methods without newAPI"):
        sc.newAPIHadoopFile(str(tmp_path), OLD + "TextInputFormat", IO + "LongWritable", IO + "Text")
    assert not (tmp_path / "o").exists()


def test_converters_and_unknown_conf_keys_are_refused_by_name(sc, tmp_path):
    with pytest.raises(NotImplementedError, match=r"keyConverter='org.example.Conv' names a Java converter"):
        sc.sequenceFile(str(tmp_path), keyConverter="org.example.Conv")
    with pytest.raises(NotImplementedError, match=r"key mapreduce.job.queuename is not supported"):
        sc.newAPIHadoopFile(str(tmp_path), NEW_IN + "TextInputFormat", IO + "LongWritable",
                            IO + "Text", conf={"mapreduce.job.queuename": "x"})
    with pytest.raises(NotImplementedError, match=r"valueConverter"):
        sc.parallelize([(1, 2)]).saveAsNewAPIHadoopFile(str(tmp_path / "o"), SEQ_OUT_NEW,
                                                         valueConverter="org.example.Conv")
    with pytest.raises(ValueError, match="Output directory not set"):
        sc.parallelize([(1, 2)]).saveAsHadoopDataset({})
    with pytest.raises(ValueError, match="No input paths specified"):
        sc.hadoopRDD(OLD + "TextInputFormat", IO + "LongWritable", IO + "Text")


def test_records_that_cannot_be_saved_fail_the_job_and_leave_nothing(sc, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="empty RDD"):
        sc.parallelize([], 2).saveAsSequenceFile(str(out))
    with pytest.raises(SparkException, match=r"RDD element of type int cannot be used"):
        sc.parallelize([1, 2], 2).saveAsNewAPIHadoopFile(str(out), NEW_OUT + "TextOutputFormat")
    with pytest.raises(SparkException, match=r"'x' \(str\) cannot be written as org.apache.hadoop.io.IntWritable"):
        sc.parallelize([(1, "a"), ("x", "b")], 1).saveAsSequenceFile(str(out))
    with pytest.raises(Exception, match="Data of type builtins.list cannot be used"):
        sc.parallelize([(1, [1, 2])], 1).saveAsSequenceFile(str(out))
    with pytest.raises(Exception, match="a tuple inside a dict or tuple cannot be written"):
        sc.parallelize([(1, {"a": (1, 2)})], 1).saveAsSequenceFile(str(out))
    assert os.listdir(tmp_path) == []  # no output, no half-written part, no temporary folder


def test_empty_rdd_with_declared_classes_writes_empty_files(sc, tmp_path):
    out = str(tmp_path / "out")
    sc.parallelize([], 2).saveAsNewAPIHadoopFile(out, SEQ_OUT_NEW, IO + "Text", IO + "IntWritable")
    assert _parts(out) == ["part-r-00000", "part-r-00001"]
    assert sc.sequenceFile(out).collect() == []


def test_reading_a_text_file_as_a_sequence_file_names_it(sc, tmp_path):
    (tmp_path / "t.txt").write_text("hello\n")
    with pytest.raises(SparkException, match=r"t.txt not a SequenceFile"):
        sc.sequenceFile(str(tmp_path)).collect()
