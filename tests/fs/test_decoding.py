"""Text that is not valid UTF-8 reads as PySpark reads it: U+FFFD, never an error.

PySpark decodes through Java, which replaces each malformed sequence with
U+FFFD; ``use_unicode=False`` returns the UTF-8 bytes of that repaired text.
Python's ``errors="replace"`` is the oracle, except for encoded surrogates,
which Java counts differently (checked against PySpark 4 below).
"""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.fs.decoding import decode_text, repaired_utf8

FAST = settings(max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Valid and malformed pieces; none contains ED (surrogates) or a byte of the UTF-8 BOM.
PIECES = [b"a", b"xyz", b" ", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xff",
          b"\xfe", b"\x80", b"\xc3", b"\xe2\x82", b"\xf0\x9f", b"\xc0\xaf", b"\n", b"\r", b"\r\n"]
texts = st.lists(st.sampled_from(PIECES), max_size=80).map(b"".join)
LINE_END = re.compile(rb"\r\n|\r|\n")


def raw_lines(data: bytes) -> list[bytes]:
    lines = LINE_END.split(data)
    if lines and lines[-1] == b"":
        lines.pop()  # after the final terminator there is no line
    return lines


@FAST
@given(data=texts, min_parts=st.integers(1, 6))
def test_text_file_replaces_malformed_bytes(sc, tmp_path_factory, data, min_parts):
    path = tmp_path_factory.mktemp("bytes") / "t.txt"
    path.write_bytes(data)
    expected = [line.decode("utf-8", "replace") for line in raw_lines(data)]
    assert sc.textFile(str(path), min_parts).collect() == expected
    assert sc.textFile(str(path), min_parts, use_unicode=False).collect() == \
        [line.encode("utf-8") for line in expected]


def test_valid_utf8_lines_come_back_byte_for_byte(sc, tmp_path):
    data = "plain\ncafé\n€ and 😀\n".encode()
    (tmp_path / "ok.txt").write_bytes(data)
    assert sc.textFile(str(tmp_path), use_unicode=False).collect() == raw_lines(data)


def test_whole_text_files_replace_malformed_bytes(sc, tmp_path):
    files = {"a.txt": b"ok\n\xff\xfeabc\ncaf\xc3\xa9\n\xc3\n", "b.txt": b"fine\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    expected = sorted((f"file:{tmp_path / name}", data.decode("utf-8", "replace"))
                      for name, data in files.items())
    assert sorted(sc.wholeTextFiles(str(tmp_path)).collect()) == expected
    assert sorted(sc.wholeTextFiles(str(tmp_path), use_unicode=False).collect()) == \
        [(key.encode(), text.encode()) for key, text in expected]


def test_binary_files_stay_raw(sc, tmp_path):
    data = b"\xff\xed\xa0\x80\n"
    (tmp_path / "b.bin").write_bytes(data)
    assert sc.binaryFiles(str(tmp_path)).collect() == [(f"file:{tmp_path / 'b.bin'}", data)]


# What PySpark 4 (Java's UTF-8 decoder) returns for encoded surrogates: one U+FFFD per
# sequence, where Python's "replace" gives one per byte.
JAVA_SURROGATES = {
    b"\xed\xa0\x80": "\ufffd",
    b"\xed\xbf\xbf": "\ufffd",
    b"\xed\xa0": "\ufffd",
    b"\xed\xa0x": "\ufffdx",
    b"\xed\xa0\x80\xed\xb0\x80": "\ufffd\ufffd",
    b"\xed\x9f\xbf": "\ud7ff",  # the last code point before the surrogates is valid
}


def test_encoded_surrogates_count_as_java_counts_them(sc, tmp_path):
    cases = list(JAVA_SURROGATES)
    (tmp_path / "s.txt").write_bytes(b"\n".join(cases) + b"\n")
    assert sc.textFile(str(tmp_path), 1).collect() == [JAVA_SURROGATES[c] for c in cases]
    for raw, text in JAVA_SURROGATES.items():
        assert decode_text(raw) == text
        assert repaired_utf8(raw) == text.encode("utf-8", "surrogatepass")


def test_other_ascii_compatible_encodings_are_decoded_with_replacement():
    assert decode_text(b"caf\xe9", "latin-1") == "café"
    assert decode_text(b"a\x81b", "cp1252") == "a\ufffdb"
