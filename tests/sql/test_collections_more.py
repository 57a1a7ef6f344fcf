"""Array, map, JSON/CSV functions and multi-column generators, against plain Python."""
from __future__ import annotations

import csv
import io
import json

import pytest

from minispark.errors import AnalysisException
from minispark.sql import functions as F

ARRAYS = [([1, None, 3], [3, 4]), ([], [1]), (None, [2]), ([5, 5, 6], [])]
SCHEMA = "a array<int>, b array<int>"


@pytest.fixture
def arrays(spark):
    return spark.createDataFrame(ARRAYS, SCHEMA)


def column(df, expr) -> list:
    return [r[0] for r in df.select(expr).collect()]


def over_a(func) -> list:
    return [None if a is None else func(a) for a, _ in ARRAYS]


def test_append_prepend_compact_size(arrays):
    assert column(arrays, F.array_append("a", 9)) == over_a(lambda a: a + [9])
    assert column(arrays, F.array_prepend("a", 9)) == over_a(lambda a: [9] + a)
    assert column(arrays, F.array_compact("a")) == over_a(lambda a: [v for v in a if v is not None])
    assert column(arrays, F.array_size("a")) == over_a(len)


def test_array_insert_positions(spark):
    df = spark.createDataFrame([(["a", "b", "c"],)], "s array<string>")
    items = ["a", "b", "c"]
    expected = {2: ["a", "d", "b", "c"], -2: ["a", "b", "d", "c"], 5: items + [None, "d"],
                -1: items + ["d"], -5: ["d", None] + items}
    for position, want in expected.items():
        assert column(df, F.array_insert("s", position, F.lit("d"))) == [want]


def test_set_operations_keep_first_seen_order(arrays):
    def rows(func):
        return [None if a is None or b is None else func(a, b) for a, b in ARRAYS]
    assert column(arrays, F.array_union("a", "b")) == rows(
        lambda a, b: list(dict.fromkeys(a + b)))
    assert column(arrays, F.array_intersect("a", "b")) == rows(
        lambda a, b: list(dict.fromkeys(v for v in a if v in b)))
    assert column(arrays, F.array_except("a", "b")) == rows(
        lambda a, b: list(dict.fromkeys(v for v in a if v not in b)))


def test_get_and_try_element_at(arrays):
    assert column(arrays, F.get("a", 1)) == over_a(lambda a: a[1] if len(a) > 1 else None)
    assert column(arrays, F.try_element_at("a", F.lit(-1))) == over_a(
        lambda a: a[-1] if a else None)


def test_array_repeat_and_arrays_zip(spark, arrays):
    assert column(arrays, F.array_repeat("a", 2)) == [[a, a] for a, _ in ARRAYS]
    zipped = column(arrays, F.arrays_zip("a", "b"))
    expected = []
    for a, b in ARRAYS:
        if a is None or b is None:
            expected.append(None)
            continue
        n = max(len(a), len(b))
        expected.append([(a[i] if i < len(a) else None, b[i] if i < len(b) else None)
                         for i in range(n)])
    assert [None if z is None else [tuple(s) for s in z] for z in zipped] == expected
    assert arrays.select(F.arrays_zip("a", "b")).schema[0].dataType.elementType.names == [
        "a", "b"]


def test_map_functions(spark):
    df = spark.sql("SELECT map(1, 'a', 2, 'b') AS m, map(3, 'c') AS n, array(1, 2) AS k, "
                   "array('x', 'y') AS v")
    row = df.select(F.map_concat("m", "n"), F.map_contains_key("m", 2), F.map_entries("m"),
                    F.map_from_arrays("k", "v"), F.map_keys("m"), F.map_values("m")).first()
    assert row[0] == {1: "a", 2: "b", 3: "c"}
    assert row[1] is True
    assert [tuple(e) for e in row[2]] == [(1, "a"), (2, "b")]
    assert row[3] == {1: "x", 2: "y"}
    assert (row[4], row[5]) == ([1, 2], ["a", "b"])
    entries = spark.sql("SELECT array(struct(1, 'a'), struct(2, 'b')) AS e")
    assert column(entries, F.map_from_entries("e")) == [{1: "a", 2: "b"}]


def test_duplicate_map_keys_follow_the_dedup_policy(spark):
    with pytest.raises(Exception, match="DUPLICATED_MAP_KEY"):
        spark.sql("SELECT map_concat(map(1, 'a'), map(1, 'b'))").collect()
    spark.conf.set("spark.sql.mapKeyDedupPolicy", "LAST_WIN")
    try:
        assert spark.sql("SELECT map_concat(map(1, 'a'), map(1, 'b'))").first()[0] == {1: "b"}
    finally:
        spark.conf.unset("spark.sql.mapKeyDedupPolicy")


def test_str_to_map_uses_regex_delimiters(spark):
    texts = ["a:1,b:2", "x=1;y", None]
    df = spark.createDataFrame([(t,) for t in texts], "t string")
    import re

    def split(text, pairs, kv):
        return None if text is None else {
            p[0]: (p[1] if len(p) > 1 else None)
            for p in (re.split(kv, e, maxsplit=1) for e in re.split(pairs, text))}
    assert column(df, F.str_to_map("t")) == [split(t, ",", ":") for t in texts]
    assert column(df, F.str_to_map("t", F.lit("[,;]"), F.lit("[:=]"))) == [
        split(t, "[,;]", "[:=]") for t in texts]
    assert df.select(F.str_to_map("t")).columns == ["str_to_map(t, ,, :)"]


def test_named_struct_takes_column_names_as_values(spark):
    df = spark.createDataFrame([(1, 2)], ["a", "b"])
    row = df.select(F.named_struct(F.lit("x"), df.a, F.lit("y"), "b").alias("s")).first()
    assert row.s.asDict() == {"x": 1, "y": 2}


def test_sort_array_names_its_direction(spark):
    df = spark.createDataFrame([([3, None, 1],)], "a array<int>")
    out = df.select(F.sort_array("a"), F.sort_array("a", asc=False))
    assert out.columns == ["sort_array(a, true)", "sort_array(a, false)"]
    assert tuple(out.first()) == ([None, 1, 3], [3, 1, None])


JSON_TEXTS = ['{"a": 1, "b": [1, 2], "c": {"d": "x"}}', "[1, 2, 3]", "not json", None]


def test_json_functions(spark):
    df = spark.createDataFrame([(t,) for t in JSON_TEXTS], "j string")

    def parsed(t):
        try:
            return json.loads(t)
        except (TypeError, ValueError):
            return None
    assert column(df, F.json_array_length("j")) == [
        len(p) if isinstance(p, list) else None for p in map(parsed, JSON_TEXTS)]
    assert column(df, F.json_object_keys("j")) == [
        list(p) if isinstance(p, dict) else None for p in map(parsed, JSON_TEXTS)]
    assert column(df, F.get_json_object("j", "$.b[*]")) == [
        "[1,2]", None, None, None]
    rows = df.select(F.json_tuple("j", "a", "c")).collect()
    assert [tuple(r) for r in rows] == [("1", '{"d":"x"}'), (None, None), (None, None),
                                        (None, None)]


def test_schema_of_json_and_from_json_options(spark):
    ddl = spark.range(1).select(F.schema_of_json('{"b": [1, 2.5], "a": "x"}')).first()[0]
    assert ddl == "STRUCT<a: STRING, b: ARRAY<DOUBLE>>"
    df = spark.createDataFrame([("{a: 5}",)], "j string")
    strict, lenient = df.select(F.from_json("j", "a INT"),
                                F.from_json("j", "a INT", {"allowUnquotedFieldNames": "true"})
                                ).first()
    assert (strict.a, lenient.a) == (None, 5)


def test_csv_functions(spark):
    lines = ["1;x y;true", "2;;false"]
    df = spark.createDataFrame([(t,) for t in lines], "t string")
    got = column(df, F.from_csv("t", "n INT, s STRING, b BOOLEAN", {"sep": ";"}))
    expected = []
    for fields in csv.reader(lines, delimiter=";"):
        expected.append((int(fields[0]), fields[1] or None, fields[2] == "true"))
    assert [tuple(r) for r in got] == expected
    structs = spark.createDataFrame([(1, "a,b", [1, 2])], "n int, s string, l array<int>")
    text = column(structs, F.to_csv(F.struct("n", "s", "l")))[0]
    assert next(csv.reader(io.StringIO(text))) == ["1", "a,b", "[1, 2]"]
    schema = spark.range(1).select(F.schema_of_csv(F.lit("1|a|true"), {"sep": "|"})).first()[0]
    assert schema == "STRUCT<_c0: INT, _c1: STRING, _c2: BOOLEAN>"


def test_inline_and_stack_generators(spark):
    df = spark.sql("SELECT 7 AS k, array(named_struct('a', 1, 'b', 'x'), "
                   "named_struct('a', 2, 'b', 'y')) AS s")
    rows = df.select("k", F.inline("s")).collect()
    assert [tuple(r) for r in rows] == [(7, 1, "x"), (7, 2, "y")]
    assert df.select(F.inline("s")).columns == ["a", "b"]
    values = [1, 2, 3]
    stacked = spark.createDataFrame([values], ["p", "q", "r"]).select(
        F.stack(F.lit(2), "p", "q", "r").alias("x", "y")).collect()
    assert [tuple(r) for r in stacked] == [(1, 2), (3, None)]
    constant = spark.sql("SELECT inline(array(struct(1, 'a'), struct(2, 'b')))")
    assert [tuple(r) for r in constant.collect()] == [(1, "a"), (2, "b")]
    assert [r[0] for r in spark.sql("SELECT explode(array(3, 4))").collect()] == [3, 4]
    outer = spark.sql("SELECT CAST(NULL AS array<struct<a:int>>) AS s")
    assert [tuple(r) for r in outer.select(F.inline_outer("s")).collect()] == [(None,)]
    with pytest.raises(AnalysisException, match="UNEXPECTED_INPUT_TYPE"):
        spark.range(1).select(F.inline(F.array(F.lit(1)))).collect()
