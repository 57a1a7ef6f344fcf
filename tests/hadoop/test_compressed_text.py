"""saveAsTextFile with Hadoop's codecs, and textFile reading them back (.gz, .bz2, .deflate)."""
from __future__ import annotations

import bz2
import gzip
import os
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark.common.errors import SparkException

from .strategies import FAST

CODECS = {
    "org.apache.hadoop.io.compress.GzipCodec": (".gz", gzip.decompress),
    "org.apache.hadoop.io.compress.BZip2Codec": (".bz2", bz2.decompress),
    "org.apache.hadoop.io.compress.DefaultCodec": (".deflate", zlib.decompress),
}
lines = st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
                         max_size=20), max_size=40)


@FAST
@given(items=lines, slices=st.integers(1, 4))
@pytest.mark.parametrize("codec", sorted(CODECS))
def test_compressed_text_round_trips(sc, tmp_path_factory, codec, items, slices):
    suffix, decompress = CODECS[codec]
    out = tmp_path_factory.mktemp("text") / "out"
    rdd = sc.parallelize(items, slices)
    rdd.saveAsTextFile(str(out), codec)
    names = sorted(os.listdir(out))
    assert names == ["_SUCCESS"] + [f"part-{i:05d}{suffix}" for i in range(slices)]
    for name, part in zip(names[1:], rdd.glom().collect()):
        # each part is one plain stream of the codec's format, as Hadoop writes it
        assert decompress((out / name).read_bytes()) == "".join(x + "\n" for x in part).encode()
    assert sc.textFile(str(out)).collect() == items


def test_large_deflate_parts_stream_back(sc, tmp_path):
    items = ["row %d %s" % (i, "x" * (i % 50)) for i in range(100000)]
    out = tmp_path / "out"
    sc.parallelize(items, 2).saveAsTextFile(str(out), "org.apache.hadoop.io.compress.DefaultCodec")
    assert sc.textFile(str(out)).collect() == items


def test_a_truncated_deflate_file_is_an_error_naming_it(sc, tmp_path):
    data = zlib.compress("".join("line %d\n" % i for i in range(2000)).encode())
    (tmp_path / "cut.deflate").write_bytes(data[:len(data) // 2])
    with pytest.raises(SparkException, match=r"cut.deflate ended before the end of its zlib"):
        sc.textFile(str(tmp_path / "cut.deflate")).collect()


def test_empty_and_concatenated_deflate_files(sc, tmp_path):
    (tmp_path / "empty.deflate").write_bytes(b"")
    (tmp_path / "two.deflate").write_bytes(zlib.compress(b"a\nb\n") + zlib.compress(b"c\n"))
    assert sc.textFile(str(tmp_path / "empty.deflate")).collect() == []
    assert sc.textFile(str(tmp_path / "two.deflate")).collect() == ["a", "b", "c"]
