"""String, regex, encoding and URL functions, checked against Python, DuckDB and Spark's rules."""
from __future__ import annotations

import base64
import decimal
import re
import urllib.parse

import duckdb
import pytest

from minispark.sql import functions as F

TEXTS = ["oneAtwoBthreeC", "1A2B3C", "", "no match", None]


def _column(df, expr) -> list:
    return [r[0] for r in df.select(expr).collect()]


def test_trims_with_characters_per_row(spark):
    rows = [("**Spark*", "*"), ("==Spark=", "="), ("xSparkx", None), (None, "x")]
    df = spark.createDataFrame(rows, "s STRING, t STRING")
    for func, python in ((F.trim, str.strip), (F.ltrim, str.lstrip), (F.rtrim, str.rstrip),
                         (F.btrim, str.strip)):
        want = [None if s is None or t is None else python(s, t) for s, t in rows]
        assert _column(df, func("s", "t")) == want
    names = df.select(F.trim("s", F.lit("*")), F.ltrim("s", "t"), F.rtrim("s", "t")).columns
    assert names == ["TRIM(BOTH * FROM s)", "TRIM(LEADING t FROM s)", "TRIM(TRAILING t FROM s)"]


@pytest.mark.parametrize("limit", [-1, 0, 1, 2, 5])
def test_split_keeps_trailing_empty_strings(spark, limit):
    df = spark.createDataFrame([(t,) for t in TEXTS], "s STRING")
    got = _column(df, F.split("s", "[A-C]", limit))
    # Python's maxsplit=0 means "no limit"; Spark's limit 1 means "one part".
    want = [None if t is None else [t] if limit == 1 else
            re.split("[A-C]", t, maxsplit=max(limit - 1, 0)) for t in TEXTS]
    assert got == want


def test_regex_family_matches_python(spark):
    rows = [("1a 2b 14m", r"\d+"), ("abc", "x"), ("100-200, 300-400", r"(\d+)-(\d+)")]
    df = spark.createDataFrame(rows, "s STRING, p STRING")
    assert _column(df, F.regexp_count("s", "p")) == [len(re.findall(p, s)) for s, p in rows]
    assert _column(df, F.regexp_substr("s", "p")) == [
        (re.search(p, s) or [None])[0] for s, p in rows]
    assert _column(df, F.regexp_instr("s", "p")) == [
        m.start() + 1 if (m := re.search(p, s)) else 0 for s, p in rows]
    pairs = df.where(F.col("s").startswith("100"))
    assert _column(pairs, F.regexp_extract_all("s", "p", 2)) == [["200", "400"]]
    assert _column(df, F.rlike("s", "p")) == [re.search(p, s) is not None for s, p in rows]
    assert df.select(F.rlike("s", "p"), F.regexp("s", "p")).columns == ["RLIKE(s, p)",
                                                                       "REGEXP(s, p)"]


def test_regexp_replace_from_a_position(spark):
    df = spark.createDataFrame([("100-200",), ("7-8-9",)], "s STRING")
    for position in (1, 3, 5):
        want = [s[:position - 1] + re.sub(r"\d+", "<\\g<0>>", s[position - 1:])
                for s in ("100-200", "7-8-9")]
        got = _column(df, F.regexp_replace("s", r"\d+", "<$0>", position))
        assert got == want
    assert df.select(F.regexp_replace("s", "1", "2")).columns == ["regexp_replace(s, 1, 2, 1)"]


def test_instr_with_start_and_occurrence(spark):
    text = "abcabcabc"
    df = spark.createDataFrame([(text,)], "s STRING")
    starts = [i for i in range(len(text)) if text.startswith("b", i)]
    assert _column(df, F.instr("s", "b", 1, 2)) == [starts[1] + 1]
    assert _column(df, F.instr("s", "b", 3, 2)) == [[p for p in starts if p >= 2][1] + 1]
    assert _column(df, F.instr("s", "b", -1, 2)) == [starts[-2] + 1]
    assert _column(df, F.instr("s", "b", 1, 9)) == [0]
    assert df.select(F.instr("s", "a", 2)).columns == ["instr(s, a, 2, 1)"]


def test_like_with_an_escape_character(spark):
    df = spark.createDataFrame([("%SystemDrive%/Users/John", "/%SystemDrive/%//Users%")],
                               "a STRING, b STRING")
    want = duckdb.sql("SELECT '%SystemDrive%/Users/John' LIKE '/%SystemDrive/%//Users%' "
                      "ESCAPE '/'").fetchall()[0][0]
    assert _column(df, F.like("a", "b", F.lit("/"))) == [want]
    assert _column(df, F.ilike(F.lower("a"), "b", F.lit("/"))) == [want]


def test_concat_and_reverse_keep_arrays_and_binary(spark):
    df = spark.createDataFrame([([1, 2], [3], b"ab", b"cd")], "x ARRAY<INT>, y ARRAY<INT>, "
                               "p BINARY, q BINARY")
    row = df.select(F.concat("x", "y"), F.concat("p", "q"), F.reverse("x"),
                    F.reverse("p")).first()
    assert tuple(row) == ([1, 2, 3], b"abcd", [2, 1], b"ba")


def test_levenshtein_threshold_and_jaro_winkler(spark):
    df = spark.createDataFrame([("kitten", "sitting")], "l STRING, r STRING")
    distance = duckdb.sql("SELECT levenshtein('kitten', 'sitting')").fetchall()[0][0]
    assert _column(df, F.levenshtein("l", "r")) == [distance]
    assert _column(df, F.levenshtein("l", "r", distance - 1)) == [-1]
    assert _column(df, F.levenshtein("l", "r", distance)) == [distance]
    similarity = duckdb.sql("SELECT jaro_winkler_similarity('kitten', 'sitting')").fetchall()
    assert _column(df, F.jaro_winkler_similarity("l", "r")) == pytest.approx(
        [similarity[0][0]])


def test_binary_encodings_round_trip(spark):
    data = [b"foobar", b"", b"\x00\xff", None]
    df = spark.createDataFrame([(d,) for d in data], "b BINARY")
    encoded = _column(df, F.to_base32("b"))
    assert encoded == [None if d is None else base64.b32encode(d).decode() for d in data]
    back = df.select(F.from_base32(F.to_base32("b"))).collect()
    assert [r[0] for r in back] == data
    hexes = spark.createDataFrame([("414243",), ("7",)], "s STRING")
    assert _column(hexes, F.to_binary("s")) == [b"ABC", b"\x07"]
    assert _column(hexes, F.to_binary("s", F.lit("utf-8"))) == [b"414243", b"7"]
    bad = spark.createDataFrame([("zz",)], "s STRING")
    assert _column(bad, F.try_to_binary("s", F.lit("hex"))) == [None]
    with pytest.raises(Exception, match="CONVERSION_INVALID_INPUT"):
        bad.select(F.to_binary("s", F.lit("hex"))).collect()


@pytest.mark.parametrize("charset,codec", [("UTF-8", "utf-8"), ("UTF-16LE", "utf-16-le"),
                                           ("ISO-8859-1", "latin-1"), ("UTF-32", "utf-32-be")])
def test_encode_decode(spark, charset, codec):
    texts = ["abcd", "héllo", None]
    df = spark.createDataFrame([(t,) for t in texts], "s STRING")
    assert _column(df, F.encode("s", charset)) == [
        None if t is None else t.encode(codec) for t in texts]
    assert _column(df, F.decode(F.encode("s", charset), charset)) == texts


def test_utf8_validity_of_binary(spark):
    df = spark.createDataFrame([(b"ok",), (b"\xff\xfe",)], "b BINARY")
    assert _column(df, F.is_valid_utf8("b")) == [True, False]
    assert _column(df, F.make_valid_utf8("b")) == ["ok", b"\xff\xfe".decode("utf-8", "replace")]
    assert _column(df, F.try_validate_utf8("b")) == ["ok", None]
    with pytest.raises(Exception, match="INVALID_UTF8_STRING"):
        df.select(F.validate_utf8("b")).collect()


def test_url_encode_decode_like_java(spark):
    texts = ["https://spark.apache.org", "Hello World!", "~!@#$%^&*()_+", "你好"]
    df = spark.createDataFrame([(t,) for t in texts], "s STRING")
    # Java's URLEncoder keeps letters, digits and ".-*_" and writes a space as "+".
    java = [urllib.parse.quote_plus(t, safe="*").replace("~", "%7E") for t in texts]
    assert _column(df, F.url_encode("s")) == java
    assert _column(df, F.url_decode(F.url_encode("s"))) == texts
    bad = spark.createDataFrame([("https%3A%2F%2spark",)], "s STRING")
    assert _column(bad, F.try_url_decode("s")) == [None]
    with pytest.raises(Exception, match="CANNOT_DECODE_URL"):
        bad.select(F.url_decode("s")).collect()


def test_parse_url_parts(spark):
    url = "http://user:pw@host:8080/p/a?x=1&y=2#frag"
    parts = urllib.parse.urlsplit(url)
    want = {"PROTOCOL": parts.scheme, "HOST": parts.hostname, "PATH": parts.path,
            "QUERY": parts.query, "REF": parts.fragment, "AUTHORITY": parts.netloc,
            "USERINFO": "user:pw", "FILE": parts.path + "?" + parts.query}
    df = spark.createDataFrame([(url, p) for p in want], "u STRING, p STRING")
    assert _column(df, F.parse_url("u", "p")) == list(want.values())
    keyed = spark.createDataFrame([(url, "QUERY", "y")], "u STRING, p STRING, k STRING")
    assert _column(keyed, F.parse_url("u", "p", "k")) == [
        urllib.parse.parse_qs(parts.query)["y"][0]]
    invalid = spark.createDataFrame([("inva lid://x", "HOST")], "u STRING, p STRING")
    assert _column(invalid, F.try_parse_url("u", "p")) == [None]
    with pytest.raises(Exception, match="INVALID_URL"):
        invalid.select(F.parse_url("u", "p")).collect()


def test_number_formats(spark):
    df = spark.createDataFrame([("$78.12",), ("$1.5",), ("78.12",)], "s STRING")
    got = df.select(F.try_to_number("s", F.lit("$99.99")).alias("n"))
    assert got.schema["n"].dataType.simpleString() == "decimal(4,2)"
    assert [r.n for r in got.collect()] == [decimal.Decimal("78.12"), decimal.Decimal("1.50"),
                                            None]
    with pytest.raises(Exception, match="INVALID_FORMAT"):
        df.select(F.to_number("s", F.lit("$99.99"))).collect()
    values = (78.12, 5.0, -3.45)
    numbers = spark.createDataFrame([(v,) for v in values], "x DOUBLE")
    # '$' stays first, 9s pad with spaces, the sign is dropped without S/MI/PR.
    assert _column(numbers, F.to_char("x", F.lit("$99.99"))) == [
        "$" + format(abs(v), "5.2f") for v in values]
    assert _column(numbers, F.to_char("x", F.lit("S000.00"))) == [
        ("-" if v < 0 else "+") + format(abs(v), "06.2f") for v in values]
    # Spark does not round: too many digits on either side fill every position with '#'.
    assert _column(numbers, F.to_varchar("x", F.lit("9.9"))) == [
        format(v, "3.1f") if abs(v) < 10 and round(v, 1) == v else "#.#" for v in values]


def test_small_string_helpers(spark):
    df = spark.createDataFrame([("Peters", "a,Peters,b", 2)], "s STRING, l STRING, n INT")
    row = df.select(F.soundex("s"), F.find_in_set("s", "l"), F.elt("n", "s", "l"),
                    F.quote(F.lit("Don't")), F.overlay("s", F.lit("XY"), 2),
                    F.position(F.lit("t"), "s"), F.collation("s"),
                    F.mask("s"), F.sentences(F.lit("Hi there. Bye!"))).first()
    assert tuple(row) == ("P362", ["a", "Peters", "b"].index("Peters") + 1, "a,Peters,b",
                          "'Don\\'t'", "PXYers", "Peters".index("t") + 1,
                          "SYSTEM.BUILTIN.UTF8_BINARY",
                          "".join("X" if c.isupper() else "x" for c in "Peters"),
                          [["Hi", "there"], ["Bye"]])


def test_randstr_is_seeded_and_alphanumeric(spark):
    df = spark.range(0, 20, 1, 2)
    first = _column(df, F.randstr(8, 42))
    assert first == _column(df, F.randstr(8, 42))
    assert all(re.fullmatch("[0-9a-zA-Z]{8}", s) for s in first)
    assert len(set(first)) == len(first)
    assert df.select(F.randstr(8, 42)).columns == ["randstr(8, 42)"]


def test_java_regex_spellings_and_bad_patterns(spark):
    df = spark.createDataFrame([("ab12cd",)], "s STRING")
    # Java's (?<name>...) and \p{Alpha}/\p{Digit} mean Python's (?P<name>...), [a-zA-Z], [0-9].
    want = re.search(r"(?P<x>[a-zA-Z]+)([0-9]+)", "ab12cd").group(2)
    assert _column(df, F.regexp_extract("s", r"(?<x>\p{Alpha}+)(\d+)", 2)) == [want]
    assert _column(df, F.regexp_replace("s", r"\p{Digit}", "#")) == [
        re.sub("[0-9]", "#", "ab12cd")]
    with pytest.raises(Exception, match="INVALID_PARAMETER_VALUE.PATTERN"):
        df.select(F.regexp_replace("s", "(", "x")).collect()
