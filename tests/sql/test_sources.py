"""File sources and writers, driven through an ``sc`` (no DataFrame needed).

DuckDB, pandas and pyarrow are the independent oracles: files minispark
writes are read back by them, and files they write are read by minispark.
Expectations about Spark's own behaviour (inference, parse modes) were
recorded from PySpark 4 on the same inputs.
"""
from __future__ import annotations

import datetime
import decimal
import gzip
import os
import random

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.orc as paorc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minispark.common.errors import SparkException
from minispark.errors import AnalysisException
from minispark.sql.conversion import arrow_to_rows, rows_to_arrow
from minispark.sql.row import Row
from minispark.sql.sources import ScanSettings, relation_for, write_dataset, writer_for
from tests.minidfs import mini_dfs
from minispark.sql.types import StructType, _parse_datatype_string, to_arrow_schema

SCHEMA = _parse_datatype_string(
    "id BIGINT, name STRING, score DOUBLE, day DATE, ts TIMESTAMP, amount DECIMAL(12,2), "
    "flag BOOLEAN, grp INT")
SMALL_SPLITS = ScanSettings(max_partition_bytes=4096, open_cost_in_bytes=64, min_partitions=2)


def sample_rows(n: int, seed: int = 7) -> list[tuple]:
    rng = random.Random(seed)
    names = ["alpha", "beta", 'quo"te', "com,ma", "", "naïve", None]
    rows = []
    for i in range(n):
        rows.append((
            i, rng.choice(names), None if i % 11 == 0 else round(rng.uniform(-1e3, 1e3), 3),
            datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(0, 900)),
            datetime.datetime(2021, 5, 1, 12) + datetime.timedelta(seconds=rng.randint(0, 10**7)),
            decimal.Decimal(rng.randint(-10**6, 10**6)).scaleb(-2), rng.random() < 0.5,
            rng.randint(0, 3)))
    return rows


def batch_rdd(sc, rows, schema=SCHEMA, slices=3, fail_partition=None):
    """An RDD of record batches, as ``df._batch_rdd()`` gives writers."""
    def to_batches(index, items):
        if index == fail_partition:
            raise RuntimeError(f"injected failure in partition {index}")
        return [rows_to_arrow(list(items), schema)]
    return sc.parallelize(rows, slices).mapPartitionsWithIndex(to_batches)


def scan(sc, relation, columns=None, filter=None) -> pa.Table:
    """Every batch of every split, read in executors."""
    splits = relation.partitions()
    names = relation.schema().names if columns is None else columns
    schema = to_arrow_schema(StructType([relation.schema()[c] for c in names]))
    if not splits:
        return schema.empty_table()
    batches = sc.parallelize(splits, len(splits)).flatMap(
        lambda split: list(relation.read(split, columns, filter))).collect()
    return pa.Table.from_batches(batches, schema=schema)


def rows_of(table: pa.Table) -> list[Row]:
    return sorted(arrow_to_rows(table), key=lambda r: tuple((v is None, str(v)) for v in r))


def sort_rows(rows):
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


def local_naive(ts: datetime.datetime) -> datetime.datetime:
    """What collect() gives for a timestamp: naive, local time zone."""
    aware = ts if ts.tzinfo else ts.astimezone()
    return datetime.datetime.fromtimestamp(aware.timestamp())


def visible_files(path):
    return sorted(os.path.relpath(os.path.join(root, f), path)
                  for root, _, files in os.walk(path) for f in files)


# -- Parquet ---------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["snappy", "gzip", "zstd", "none"])
def test_parquet_written_by_minispark_reads_the_same_in_duckdb(sc, tmp_path, codec):
    rows = sample_rows(300)
    out = str(tmp_path / "out")
    write_dataset(batch_rdd(sc, rows), SCHEMA, out, writer_for("parquet", {"compression": codec}))
    parts = [f for f in visible_files(out) if f.startswith("part-")]
    assert len(parts) == 3 and all(f.endswith(".parquet") for f in parts)
    assert "_SUCCESS" in visible_files(out)
    got = duckdb.sql(f"SELECT id, name, score, day, epoch_us(ts), amount, flag, grp "
                     f"FROM read_parquet('{out}/*.parquet') ORDER BY id").fetchall()
    expected = [(r[0], r[1], r[2], r[3], int(r[4].astimezone().timestamp()) * 10**6, r[5], r[6], r[7])
                for r in rows]
    assert got == expected
    relation = relation_for("parquet", [out])
    assert relation.schema() == SCHEMA.toNullable()
    back = scan(sc, relation)
    assert sort_rows(arrow_to_rows(back)) == sort_rows([Row(*r) for r in rows])


def test_parquet_written_by_duckdb_with_hive_partitions_reads_in_minispark(sc, tmp_path):
    out = tmp_path / "duck"
    duckdb.sql(f"""COPY (SELECT i AS id, 'n' || (i % 5) AS name, (i * 0.5)::DOUBLE AS half,
                         DATE '2024-01-01' + (i % 30)::INT AS day, i % 3 AS part
                         FROM range(2000) t(i))
                   TO '{out}' (FORMAT PARQUET, PARTITION_BY (part), ROW_GROUP_SIZE 300)""")
    relation = relation_for("parquet", [str(out)], {}, None, SMALL_SPLITS)
    assert relation.schema().simpleString() == \
        "struct<id:bigint,name:string,half:double,day:date,part:int>"
    assert len(relation.partitions()) > 3
    got = rows_of(scan(sc, relation))
    expected = duckdb.sql(f"SELECT id, name, half, day, part FROM read_parquet('{out}/*/*.parquet', "
                          "hive_partitioning=true)").fetchall()
    assert got == sort_rows([Row(*r) for r in expected])
    assert len(got) == 2000


def test_parquet_row_groups_are_pruned_by_statistics(sc, tmp_path):
    path = str(tmp_path / "sorted.parquet")
    pq.write_table(pa.table({"a": list(range(1000)), "b": [str(i) for i in range(1000)]}), path,
                   row_group_size=100)
    relation = relation_for("parquet", [path])
    everything = scan(sc, relation, ["a"])
    assert everything.num_rows == 1000
    # Rows are not filtered by the source: what comes back is whole row groups, so the
    # row count shows how many row groups were read.
    pruned = scan(sc, relation, ["a"], pc.field("a") >= 850)
    assert sorted(pruned.column("a").to_pylist()) == list(range(800, 1000))
    assert scan(sc, relation, ["b"], pc.field("a") > 5000).num_rows == 0


def test_parquet_splits_take_row_groups_by_their_middle_byte(sc, tmp_path):
    path = str(tmp_path / "groups.parquet")
    table = pa.table({"a": list(range(20000)), "s": [f"value-{i}" for i in range(20000)]})
    pq.write_table(table, path, row_group_size=1000, compression="none")
    relation = relation_for("parquet", [path], {}, None,
                            ScanSettings(max_partition_bytes=50_000, open_cost_in_bytes=1))
    splits = relation.partitions()
    assert len(splits) > 4
    per_split = [sum(b.num_rows for b in relation.read(s, ["a"], None)) for s in splits]
    assert sum(per_split) == 20000 and all(n % 1000 == 0 for n in per_split)
    assert sorted(scan(sc, relation, ["a"]).column("a").to_pylist()) == list(range(20000))


def test_partition_pruning_never_opens_other_directories(sc, tmp_path):
    rows = sample_rows(200)
    out = str(tmp_path / "parted")
    write_dataset(batch_rdd(sc, rows), SCHEMA, out, writer_for("parquet"), partition_by=["grp"])
    assert sorted(d for d in os.listdir(out) if d.startswith("grp=")) == [f"grp={g}" for g in range(4)]
    relation = relation_for("parquet", [out])
    assert relation.schema().names == SCHEMA.names  # grp, the partition column, comes last
    for name in os.listdir(os.path.join(out, "grp=0")):  # unreadable now: a read would fail
        with open(os.path.join(out, "grp=0", name), "wb") as f:
            f.write(b"not parquet")
    got = scan(sc, relation, ["id", "grp"], pc.field("grp") == 2)
    assert sorted(got.column("id").to_pylist()) == sorted(r[0] for r in rows if r[7] == 2)
    assert set(got.column("grp").to_pylist()) == {2}
    csv_out = str(tmp_path / "parted-csv")
    write_dataset(batch_rdd(sc, rows), SCHEMA, csv_out, writer_for("csv", {"header": True}),
                  partition_by=["grp"])
    csv_rel = relation_for("csv", [csv_out], {"header": True, "inferSchema": True,
                                              "mode": "FAILFAST"})
    for name in os.listdir(os.path.join(csv_out, "grp=1")):  # malformed: reading it would fail
        with open(os.path.join(csv_out, "grp=1", name), "w") as f:
            f.write("header\ngarbage\n")
    kept = scan(sc, csv_rel, ["id"], pc.field("grp") >= 2)
    assert sorted(kept.column("id").to_pylist()) == sorted(r[0] for r in rows if r[7] >= 2)
    with pytest.raises(SparkException):
        scan(sc, relation, ["id"])


def test_partition_values_with_nulls_and_special_characters_round_trip(sc, tmp_path):
    schema = _parse_datatype_string("v INT, k STRING, d DATE")
    rows = [(1, "a/b", datetime.date(2020, 1, 1)), (2, None, datetime.date(2020, 1, 1)),
            (3, "x=y %", None), (4, "a/b", datetime.date(2021, 2, 3))]
    out = str(tmp_path / "special")
    write_dataset(batch_rdd(sc, rows, schema, 2), schema, out, writer_for("parquet"),
                  partition_by=["k", "d"])
    dirs = sorted(os.listdir(out))
    assert "k=__HIVE_DEFAULT_PARTITION__" in dirs and "k=a%2Fb" in dirs and "k=x%3Dy %25" in dirs
    relation = relation_for("parquet", [out])
    assert relation.schema().simpleString() == "struct<v:int,k:string,d:date>"
    assert rows_of(scan(sc, relation)) == sort_rows([Row(*r) for r in rows])
    duck = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/*/*/*.parquet', "
                      "hive_partitioning=true)").fetchall()
    assert duck == [(4,)]


# -- CSV -------------------------------------------------------------------------------


def test_csv_written_by_minispark_reads_the_same_in_duckdb_and_pandas(sc, tmp_path):
    rows = sample_rows(250)
    out = str(tmp_path / "csv")
    write_dataset(batch_rdd(sc, rows), SCHEMA, out, writer_for("csv", {"header": True}))
    duck = duckdb.sql(f"""SELECT id, name, score, day, amount, flag, grp
                          FROM read_csv('{out}/*.csv', header=true, quote='"', escape='"', allow_quoted_nulls=false,
                          columns={{'id': 'BIGINT', 'name': 'VARCHAR', 'score': 'DOUBLE',
                          'day': 'DATE', 'ts': 'TIMESTAMP', 'amount': 'DECIMAL(12,2)',
                          'flag': 'BOOLEAN', 'grp': 'INT'}}) ORDER BY id""").fetchall()
    assert duck == [(r[0], r[1], r[2], r[3], r[5], r[6], r[7]) for r in rows]
    frames = pd.concat(pd.read_csv(os.path.join(out, f), keep_default_na=False, na_values=[""])
                       for f in visible_files(out) if f.endswith(".csv"))
    assert sorted(frames["id"].tolist()) == list(range(250))
    relation = relation_for("csv", [out], {"header": True, "inferSchema": True})
    assert relation.schema().simpleString() == (
        "struct<id:int,name:string,score:double,day:date,ts:timestamp,amount:double,flag:boolean,"
        "grp:int>")
    typed = relation_for("csv", [out], {"header": True}, SCHEMA)
    back = sort_rows(arrow_to_rows(scan(sc, typed)))
    # Empty strings and nulls are told apart (quoted "" vs nothing), as in Spark.
    assert back == sort_rows([Row(*r) for r in rows])


def test_csv_written_by_duckdb_reads_in_minispark_with_inference(sc, tmp_path):
    path = tmp_path / "duck.csv"
    duckdb.sql(f"""COPY (SELECT i AS n, i * 1.5 AS x, 'w' || i AS w, DATE '2020-02-01' + i::INT AS d,
                        i % 2 = 0 AS b FROM range(500) t(i)) TO '{path}' (HEADER, DELIMITER ';')""")
    relation = relation_for("csv", [str(path)], {"header": True, "inferSchema": True, "sep": ";"},
                            None, SMALL_SPLITS)
    assert relation.schema().simpleString() == "struct<n:int,x:double,w:string,d:date,b:boolean>"
    assert len(relation.partitions()) > 2
    expected = pd.read_csv(path, sep=";", parse_dates=["d"])
    got = scan(sc, relation).to_pandas()
    got["d"] = pd.to_datetime(got["d"])
    pd.testing.assert_frame_equal(got.sort_values("n").reset_index(drop=True), expected,
                                  check_dtype=False)


def test_csv_byte_range_splits_read_every_record_once(sc, tmp_path):
    path = tmp_path / "big.csv"
    lines = ["k,v"] + [f"{i},{'x' * (i % 37)}" for i in range(6000)]
    path.write_text("\r\n".join(lines) + "\r\n")
    relation = relation_for("csv", [str(path)], {"header": True}, None, SMALL_SPLITS)
    splits = relation.partitions()
    assert len(splits) > 10 and all(len(s.pieces) == 1 for s in splits)
    got = scan(sc, relation)
    assert sorted(map(int, got.column("k").to_pylist())) == list(range(6000))
    zipped = tmp_path / "big.csv.gz"
    zipped.write_bytes(gzip.compress(path.read_bytes()))
    whole = relation_for("csv", [str(zipped)], {"header": True}, None, SMALL_SPLITS)
    assert len(whole.partitions()) == 1
    assert scan(sc, whole).num_rows == 6000


def test_csv_inference_over_many_blocks_skips_only_the_real_header(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("n,x\n" + "".join(f"{i},{i / 8}\n" for i in range(200_000)))
    assert path.stat().st_size > 2 << 20  # several read blocks
    relation = relation_for("csv", [str(path)], {"header": True, "inferSchema": True})
    assert relation.schema().simpleString() == "struct<n:int,x:double>"


BAD_CSV = "a,b\n1,x\nfoo,y\n3\n4,z,extra\n5,w\n"


@pytest.mark.parametrize("mode, ddl, expected", [
    ("PERMISSIVE", "a INT, b STRING",
     [Row(a=1, b="x"), Row(a=None, b="y"), Row(a=3, b=None), Row(a=4, b="z"), Row(a=5, b="w")]),
    ("DROPMALFORMED", "a INT, b STRING", [Row(a=1, b="x"), Row(a=5, b="w")]),
    ("PERMISSIVE", "a INT, b STRING, _corrupt_record STRING",
     [Row(a=1, b="x", _corrupt_record=None), Row(a=None, b="y", _corrupt_record="foo,y"),
      Row(a=3, b=None, _corrupt_record="3"), Row(a=4, b="z", _corrupt_record="4,z,extra"),
      Row(a=5, b="w", _corrupt_record=None)]),
    ("DROPMALFORMED", "a INT, b STRING, _corrupt_record STRING",
     [Row(a=1, b="x", _corrupt_record=None), Row(a=5, b="w", _corrupt_record=None)]),
])
def test_csv_parse_modes_match_pyspark(sc, tmp_path, mode, ddl, expected):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    relation = relation_for("csv", [str(path)], {"header": True, "mode": mode},
                            _parse_datatype_string(ddl))
    assert arrow_to_rows(scan(sc, relation)) == expected


def test_csv_failfast_names_the_file_and_the_record(sc, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    relation = relation_for("csv", [str(path)], {"header": True, "mode": "FAILFAST"},
                            _parse_datatype_string("a INT, b STRING"))
    with pytest.raises(SparkException) as err:
        scan(sc, relation)
    text = str(err.value) + str(err.value.__cause__)
    assert "MALFORMED_RECORD_IN_PARSING" in text and "[foo,y]" in text and str(path) in text


def test_csv_inference_header_names_and_nulls_match_pyspark(sc, tmp_path):
    inf = tmp_path / "inf.csv"
    inf.write_text("i,l,dbl,dt,ts,b,s,e,dec\n1,10000000000,1.5,2020-01-02,2020-01-02 03:04:05,"
                   "true,x,,1.10\n2,3,2,2020-01-03,2020-01-02T03:04:05,False,y,,2.2\n")
    relation = relation_for("csv", [str(inf)], {"header": True, "inferSchema": True})
    assert relation.schema().simpleString() == ("struct<i:int,l:bigint,dbl:double,dt:date,"
                                                "ts:timestamp,b:boolean,s:string,e:string,dec:double>")
    ts = datetime.datetime(2020, 1, 2, 3, 4, 5)
    assert arrow_to_rows(scan(sc, relation)) == [
        Row(i=1, l=10000000000, dbl=1.5, dt=datetime.date(2020, 1, 2), ts=ts, b=True, s="x", e=None,
            dec=1.1),
        Row(i=2, l=3, dbl=2.0, dt=datetime.date(2020, 1, 3), ts=ts, b=False, s="y", e=None, dec=2.2)]
    assert relation_for("csv", [str(inf)]).schema().names == [f"_c{i}" for i in range(9)]
    dup = tmp_path / "dup.csv"
    dup.write_text("a,a,,b\n1,2,3,4\n")
    assert relation_for("csv", [str(dup)], {"header": True}).schema().names == ["a0", "a1", "_c2", "b"]
    nulls = tmp_path / "null.csv"
    nulls.write_text('a,b\n,NA\n1,\n"",x\n')
    rel = relation_for("csv", [str(nulls)], {"header": True, "nullValue": "NA"},
                       _parse_datatype_string("a INT, b STRING"))
    assert arrow_to_rows(scan(sc, rel)) == [Row(a=None, b=None), Row(a=1, b=None), Row(a=None, b="x")]
    dates = tmp_path / "dates.csv"
    dates.write_text("d,t\n02/01/2020,02/01/2020 10:11\n")
    rel = relation_for("csv", [str(dates)], {"header": True, "inferSchema": True,
                                             "dateFormat": "dd/MM/yyyy",
                                             "timestampFormat": "dd/MM/yyyy HH:mm"})
    assert rel.schema().simpleString() == "struct<d:date,t:timestamp>"
    assert arrow_to_rows(scan(sc, rel)) == [Row(d=datetime.date(2020, 1, 2),
                                                t=datetime.datetime(2020, 1, 2, 10, 11))]


def test_csv_multiline_values_and_quotes(sc, tmp_path):
    schema = _parse_datatype_string("id INT, text STRING")
    rows = [(1, 'line one\nline two'), (2, 'say "hi", then go'), (3, ""), (4, None),
            (5, "back\\slash\\"), (6, 'C:\\"quoted\\",x')]
    out = str(tmp_path / "ml")
    write_dataset(batch_rdd(sc, rows, schema, 2), schema, out, writer_for("csv", {"header": True}))
    relation = relation_for("csv", [out], {"header": True, "multiLine": True}, schema)
    assert sort_rows(arrow_to_rows(scan(sc, relation))) == sort_rows([Row(*r) for r in rows])
    duck = duckdb.sql(f"SELECT id, text FROM read_csv('{out}/*.csv', header=true, "
                      "allow_quoted_nulls=false, columns={'id': 'INT', 'text': 'VARCHAR'}) "
                      "ORDER BY id").fetchall()
    assert [r[1] for r in duck[:4]] == [rows[0][1], rows[1][1], "", None]


# -- JSON ------------------------------------------------------------------------------


def test_json_written_by_minispark_reads_the_same_in_pandas_and_duckdb(sc, tmp_path):
    schema = _parse_datatype_string("id BIGINT, name STRING, score DOUBLE, tags ARRAY<STRING>, "
                                    "attrs MAP<STRING,INT>, inner STRUCT<x: INT, y: STRING>")
    rows = [(i, f"n{i}" if i % 4 else None, i / 4, [f"t{j}" for j in range(i % 3)],
             {"k": i} if i % 2 else {}, Row(x=i, y=str(i))) for i in range(60)]
    out = str(tmp_path / "json")
    write_dataset(batch_rdd(sc, rows, schema), schema, out, writer_for("json"))
    frames = pd.concat(pd.read_json(os.path.join(out, f), lines=True)
                       for f in visible_files(out) if f.endswith(".json"))
    assert sorted(frames["id"].tolist()) == list(range(60))
    assert frames["name"].isna().sum() == 15  # nulls are left out of the objects
    duck = duckdb.sql(f"SELECT id, score, tags FROM read_json_auto('{out}/*.json') ORDER BY id").fetchall()
    assert duck == [(r[0], r[2], r[3]) for r in rows]
    relation = relation_for("json", [out], {}, schema)
    assert sort_rows(arrow_to_rows(scan(sc, relation))) == sort_rows([Row(*r) for r in rows])
    inferred = relation_for("json", [out])
    assert inferred.schema().simpleString() == ("struct<attrs:struct<k:bigint>,id:bigint,"
                                                "inner:struct<x:bigint,y:string>,name:string,"
                                                "score:double,tags:array<string>>")


JSON_LINES = ('{"b": 1, "a": "x", "n": null, "arr": [1, 2], "o": {"z": 1, "y": "q"}}\n'
              '{"b": 2.5, "a": 3, "t": "2020-01-01T00:00:00"}\n\n{bad json\n')


def test_json_inference_and_modes_match_pyspark(sc, tmp_path):
    path = tmp_path / "j.json"
    path.write_text(JSON_LINES)
    relation = relation_for("json", [str(path)])
    assert relation.schema().simpleString() == (
        "struct<_corrupt_record:string,a:string,arr:array<bigint>,b:double,n:string,"
        "o:struct<y:string,z:bigint>,t:string>")
    assert arrow_to_rows(scan(sc, relation)) == [
        Row(_corrupt_record=None, a="x", arr=[1, 2], b=1.0, n=None, o=Row(y="q", z=1), t=None),
        Row(_corrupt_record=None, a="3", arr=None, b=2.5, n=None, o=None, t="2020-01-01T00:00:00"),
        Row(_corrupt_record="{bad json", a=None, arr=None, b=None, n=None, o=None, t=None)]
    dropped = relation_for("json", [str(path)], {"mode": "DROPMALFORMED"})
    assert "_corrupt_record" not in dropped.schema().names
    assert scan(sc, dropped).num_rows == 2
    typed = relation_for("json", [str(path)], {},
                         _parse_datatype_string("a INT, b BIGINT, _corrupt_record STRING"))
    lines = JSON_LINES.splitlines()
    assert arrow_to_rows(scan(sc, typed)) == [Row(a=None, b=1, _corrupt_record=lines[0]),
                                              Row(a=3, b=None, _corrupt_record=lines[1]),
                                              Row(a=None, b=None, _corrupt_record="{bad json")]
    with pytest.raises(Exception, match="MALFORMED_RECORD_IN_PARSING"):
        relation_for("json", [str(path)], {"mode": "FAILFAST"})
    mixed = tmp_path / "mixed.json"
    mixed.write_text('{"a": 1}\n{"a": "x"}\n{"a": [1]}\n{"a": 1.5}\n{"a": true}\n')
    assert arrow_to_rows(scan(sc, relation_for("json", [str(mixed)]))) == [
        Row(a="1"), Row(a="x"), Row(a="[1]"), Row(a="1.5"), Row(a="true")]


def test_multiline_json_and_duckdb_written_json(sc, tmp_path):
    path = tmp_path / "multi.json"
    path.write_text('[{"a": 1}, {"a": 2, "b": [1, {"c": 1}]}]')
    relation = relation_for("json", [str(path)], {"multiLine": True})
    assert relation.schema().simpleString() == "struct<a:bigint,b:array<string>>"
    assert arrow_to_rows(scan(sc, relation)) == [Row(a=1, b=None), Row(a=2, b=["1", '{"c": 1}'])]
    lines = tmp_path / "duck.json"
    duckdb.sql(f"COPY (SELECT i AS n, 'v' || i AS s, [i, i + 1] AS l FROM range(3000) t(i)) "
               f"TO '{lines}' (FORMAT JSON)")
    rel = relation_for("json", [str(lines)], {}, None, SMALL_SPLITS)
    assert len(rel.partitions()) > 5
    got = scan(sc, rel)
    assert sorted(zip(got.column("n").to_pylist(), got.column("l").to_pylist())) == [
        (i, [i, i + 1]) for i in range(3000)]


# -- text and ORC ------------------------------------------------------------------------


def test_text_lines_match_text_file_across_splits(sc, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"".join(f"line {i} {'y' * (i % 50)}".encode() + (b"\r\n" if i % 3 else b"\n")
                              for i in range(4000)) + b"tail without newline")
    relation = relation_for("text", [str(path)], {}, None, SMALL_SPLITS)
    assert relation.schema().simpleString() == "struct<value:string>"
    assert len(relation.partitions()) > 5
    assert sorted(scan(sc, relation).column("value").to_pylist()) == sorted(
        sc.textFile(str(path)).collect())
    whole = relation_for("text", [str(path)], {"wholetext": True})
    assert scan(sc, whole).column("value").to_pylist() == [path.read_bytes().decode()]
    out = str(tmp_path / "text-out")
    schema = _parse_datatype_string("value STRING")
    write_dataset(batch_rdd(sc, [(f"r{i}",) for i in range(30)], schema), schema, out,
                  writer_for("text", {"compression": "gzip"}))
    assert sorted(sc.textFile(out).collect()) == sorted(f"r{i}" for i in range(30))
    with pytest.raises(AnalysisException, match="single column of string type"):
        write_dataset(batch_rdd(sc, [(1,)], _parse_datatype_string("a INT")),
                      _parse_datatype_string("a INT"), out + "2", writer_for("text"))


def test_orc_round_trips_with_pyarrow_as_the_oracle(sc, tmp_path):
    rows = sample_rows(120)
    out = str(tmp_path / "orc")
    write_dataset(batch_rdd(sc, rows), SCHEMA, out, writer_for("orc"))
    files = [os.path.join(out, f) for f in visible_files(out) if f.endswith(".orc")]
    oracle = pa.concat_tables(paorc.read_table(f) for f in files)
    assert sorted(oracle.column("id").to_pylist()) == list(range(120))
    assert sorted(oracle.column("amount").to_pylist()) == sorted(r[5] for r in rows)
    relation = relation_for("orc", [out])
    assert sort_rows(arrow_to_rows(scan(sc, relation))) == sort_rows([Row(*r) for r in rows])
    written = tmp_path / "arrow.orc"
    paorc.write_table(pa.table({"x": [1, 2, None], "y": ["a", None, "c"]}), str(written))
    assert arrow_to_rows(scan(sc, relation_for("orc", [str(written)]))) == [
        Row(x=1, y="a"), Row(x=2, y=None), Row(x=None, y="c")]


# -- save modes and failures ---------------------------------------------------------------


def test_save_modes(sc, tmp_path):
    out = str(tmp_path / "modes")
    first, second = sample_rows(40, 1), sample_rows(25, 2)

    def ids():
        return sorted(scan(sc, relation_for("parquet", [out]), ["id"]).column("id").to_pylist())

    write_dataset(batch_rdd(sc, first), SCHEMA, out, writer_for("parquet"), "error")
    with pytest.raises(AnalysisException, match="PATH_ALREADY_EXISTS"):
        write_dataset(batch_rdd(sc, second), SCHEMA, out, writer_for("parquet"), "errorifexists")
    write_dataset(batch_rdd(sc, second), SCHEMA, out, writer_for("parquet"), "ignore")
    assert ids() == list(range(40))
    write_dataset(batch_rdd(sc, second), SCHEMA, out, writer_for("parquet"), "append")
    assert ids() == sorted(list(range(40)) + list(range(25)))
    write_dataset(batch_rdd(sc, second), SCHEMA, out, writer_for("parquet"), "overwrite")
    assert ids() == list(range(25))
    assert os.listdir(tmp_path) == ["modes"]  # no job directories left beside the output
    with pytest.raises(Exception, match="Unknown save mode"):
        write_dataset(batch_rdd(sc, second), SCHEMA, out, writer_for("parquet"), "replace")


@pytest.mark.parametrize("mode", ["error", "overwrite", "append"])
def test_a_failed_write_leaves_nothing_half_written(make_context, tmp_path, mode):
    sc = make_context("local[2,2]")
    out = str(tmp_path / "out")
    if mode != "error":
        write_dataset(batch_rdd(sc, sample_rows(10)), SCHEMA, out, writer_for("csv"))
    before = {f: open(os.path.join(out, f), "rb").read() for f in visible_files(out)} \
        if os.path.exists(out) else None
    with pytest.raises(SparkException, match="injected failure"):
        write_dataset(batch_rdd(sc, sample_rows(300), slices=4, fail_partition=2), SCHEMA, out,
                      writer_for("csv"), mode)
    after = {f: open(os.path.join(out, f), "rb").read() for f in visible_files(out)} \
        if os.path.exists(out) else None
    assert after == before
    assert sorted(os.listdir(tmp_path)) == (["out"] if before is not None else [])


def test_empty_output_still_carries_the_schema(sc, tmp_path):
    out = str(tmp_path / "empty")
    write_dataset(batch_rdd(sc, [], slices=2), SCHEMA, out, writer_for("parquet"))
    relation = relation_for("parquet", [out])
    assert relation.schema() == SCHEMA.toNullable()
    assert scan(sc, relation).num_rows == 0


def test_unsupported_options_and_missing_paths_are_clear_errors(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with pytest.raises(NotImplementedError, match="'colour' is not supported by the csv"):
        relation_for("csv", [str(path)], {"colour": "red"})
    with pytest.raises(NotImplementedError, match="compression codec 'lzo'"):
        writer_for("parquet", {"compression": "lzo"})
    with pytest.raises(AnalysisException, match=r"PATH_NOT_FOUND.*missing"):
        relation_for("csv", [str(tmp_path / "missing")])
    with pytest.raises(AnalysisException, match="DATA_SOURCE_NOT_FOUND"):
        relation_for("avro", [str(path)])
    with pytest.raises(AnalysisException, match="UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE"):
        relation_for("csv", [str(path)], {}, _parse_datatype_string("a ARRAY<INT>"))


# -- mini-HDFS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hdfs(tmp_path_factory):
    with mini_dfs(tmp_path_factory, datanodes=3, block_size=64 * 1024) as cluster:
        yield cluster


@pytest.fixture
def hdfs_context(hdfs, monkeypatch, make_context):
    monkeypatch.setenv("MINISPARK_HDFS_CONF", str(hdfs.write_client_conf()))
    return make_context("local[2]")


def test_files_on_hdfs_are_read_one_block_per_task_where_the_block_lives(hdfs, hdfs_context,
                                                                         tmp_path):
    sc = hdfs_context
    lines = "k,v\n" + "".join(f"{i},{'z' * (i % 40)}\n" for i in range(20000))
    with hdfs.client() as client:
        client.write_bytes("/sql/in/data.csv", lines.encode())
        blocks = client.block_locations("/sql/in/data.csv")["blocks"]
    assert len(blocks) > 3
    relation = relation_for("csv", [f"{hdfs.uri}/sql/in"], {"header": True},
                            None, ScanSettings(max_partition_bytes=128 << 20))
    splits = relation.partitions()
    assert len(splits) == len(blocks)
    for split, block in zip(sorted(splits, key=lambda s: s.pieces[0].start), blocks):
        assert set(relation.preferred_locations(split)) == {loc["host"] for loc in block["locs"]}
    assert sorted(map(int, scan(sc, relation).column("k").to_pylist())) == list(range(20000))
    out = f"{hdfs.uri}/sql/out"
    write_dataset(batch_rdd(sc, sample_rows(500)), SCHEMA, out, writer_for("parquet"),
                  partition_by=["grp"])
    back = relation_for("parquet", [out])
    assert sort_rows(arrow_to_rows(scan(sc, back, SCHEMA.names))) == sort_rows(
        [Row(*r) for r in sample_rows(500)])


_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
              st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from("abc"), inner, max_size=3)),
    max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("xyz"), _json_values, max_size=3), min_size=1,
                max_size=6))
def test_json_inference_fast_path_agrees_with_record_by_record_inference(records):
    import json as pyjson
    import tempfile

    from minispark.sql.sources.json import JsonParser, json_type, merge_json_types
    from minispark.sql.sources.textfiles import ParseSettings
    from minispark.sql.sources.textparse import TextFormats

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.json")
        with open(path, "w") as f:
            f.write("".join(pyjson.dumps(r) + "\n" for r in records))
        inferred = relation_for("json", [path]).schema()
    merged = StructType([])
    for record in pyjson.loads("[" + ",".join(pyjson.dumps(r) for r in records) + "]"):
        merged = merge_json_types(merged, json_type(record))
    parser = JsonParser(ParseSettings("PERMISSIVE", "_corrupt_record", False, TextFormats()))
    assert inferred == parser.schema_of(merged, False)
