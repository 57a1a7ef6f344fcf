"""More DataFrame/Column methods: multiset operations, reshaping, statistics, subqueries,
struct field updates and batch-level operations, checked against plain Python, pandas
and DuckDB."""
from __future__ import annotations

import json
import random
import statistics
from collections import Counter

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from minispark.sql import Row
from minispark.sql import functions as F
from minispark.sql.types import LongType, StringType, StructField, StructType


def _key(row: tuple) -> tuple:
    """A sort key for tuples holding None."""
    return tuple((v is None, v if v is not None else 0) for v in row)


def _random_rows(rng: random.Random, n: int) -> list[tuple]:
    """Few distinct values, so duplicates and nulls are common."""
    return [(rng.choice([None, 1, 2, 3]), rng.choice([None, "a", "b"])) for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("op", ["EXCEPT ALL", "INTERSECT ALL"])
def test_multiset_operations_match_duckdb(spark, seed, op):
    rng = random.Random(seed)
    left, right = _random_rows(rng, 40), _random_rows(rng, 25)
    schema = "x int, s string"
    a, b = spark.createDataFrame(left, schema), spark.createDataFrame(right, schema)
    got = (a.exceptAll(b) if op == "EXCEPT ALL" else a.intersectAll(b)).collect()
    con = duckdb.connect()
    con.register("l", pd.DataFrame(left, columns=["x", "s"], dtype=object))
    con.register("r", pd.DataFrame(right, columns=["x", "s"], dtype=object))
    want = con.execute(f"SELECT x, s FROM l {op} SELECT x, s FROM r").fetchall()
    want = [tuple(None if pd.isna(v) else (int(v) if isinstance(v, float) else v) for v in r)
            for r in want]
    assert sorted(map(tuple, got), key=_key) == sorted(want, key=_key)


def test_multiset_operations_in_sql(spark):
    spark.createDataFrame([(1,), (1,), (1,), (2,)], "x int").createOrReplaceTempView("l")
    spark.createDataFrame([(1,), (2,), (2,)], "x int").createOrReplaceTempView("r")
    rows = spark.sql("SELECT x FROM l EXCEPT ALL SELECT x FROM r").collect()
    assert sorted(r.x for r in rows) == [1, 1]
    rows = spark.sql("SELECT x FROM l INTERSECT ALL SELECT x FROM r").collect()
    assert sorted(r.x for r in rows) == [1, 2]


def test_unpivot_matches_pandas_melt(spark):
    data = [(1, 11, 1.5), (2, 12, None), (3, None, 3.5)]
    df = spark.createDataFrame(data, "id int, a int, b double")
    got = df.unpivot("id", ["a", "b"], "var", "val").collect()
    frame = pd.DataFrame(data, columns=["id", "a", "b"])
    melted = frame.melt(id_vars=["id"], value_vars=["a", "b"], var_name="var", value_name="val")
    want = [(r.id, r.var, None if pd.isna(r.val) else float(r.val))
            for r in melted.itertuples()]
    assert sorted(map(tuple, got), key=_key) == sorted(want, key=_key)
    assert df.melt(["id"], None, "k", "v").columns == ["id", "k", "v"]


def test_transpose(spark):
    data = [("B", 3, 4), ("A", 1, 2)]
    df = spark.createDataFrame(data, ["id", "v1", "v2"])
    got = df.transpose()
    index = sorted(r[0] for r in data)
    assert got.columns == ["key"] + index
    by_id = {r[0]: r for r in data}
    want = [(name, *[by_id[i][col] for i in index]) for col, name in ((1, "v1"), (2, "v2"))]
    assert [tuple(r) for r in got.collect()] == want


def test_crosstab_matches_pandas(spark):
    data = [(1, 11), (1, 11), (3, 10), (4, 8), (4, 8), (3, 8)]
    df = spark.createDataFrame(data, ["c1", "c2"])
    got = {r[0]: r.asDict() for r in df.crosstab("c1", "c2").collect()}
    frame = pd.DataFrame(data, columns=["c1", "c2"])
    table = pd.crosstab(frame.c1, frame.c2)
    assert df.crosstab("c1", "c2").columns == ["c1_c2"] + sorted(str(c) for c in table.columns)
    for c1, row in table.iterrows():
        for c2, count in row.items():
            assert got[str(c1)][str(c2)] == count


def test_freq_items_keeps_every_value_of_a_small_column(spark):
    data = [(1, "x"), (1, "y"), (3, "x"), (4, None)]
    df = spark.createDataFrame(data, "a int, b string")
    row = df.freqItems(["a", "b"]).collect()[0]
    assert sorted(row.a_freqItems) == sorted({r[0] for r in data})
    assert sorted(row.b_freqItems, key=lambda v: (v is None, v or "")) == ["x", "y", None]


def test_describe_stddev_is_centred(spark):
    values = [40.3, 37.8, 44.1, 1e3 + 0.1]
    df = spark.createDataFrame([(v,) for v in values], "w double")
    stats = {r.summary: r.w for r in df.describe().collect()}
    assert float(stats["stddev"]) == pytest.approx(statistics.stdev(values), rel=1e-15)
    assert float(stats["mean"]) == pytest.approx(statistics.mean(values))
    assert stats["count"] == str(len(values))


def test_scalar_and_exists_subqueries(spark):
    emp = [(1, 45000, 101), (2, 54000, 101), (3, 29000, 102), (4, 61000, 102), (5, 48000, 101)]
    df = spark.createDataFrame(emp, ["id", "salary", "dept"])
    avg = sum(e[1] for e in emp) / len(emp)
    got = df.where(F.col("salary") > df.select(F.avg("salary")).scalar()).collect()
    assert sorted(r.id for r in got) == sorted(e[0] for e in emp if e[1] > avg)
    inner = df.alias("e2").where(F.col("e2.dept") == F.col("e1.dept").outer())
    got = df.alias("e1").where(F.col("salary") > inner.select(F.avg("salary")).scalar())
    by_dept = {d: statistics.mean(e[1] for e in emp if e[2] == d) for d in {e[2] for e in emp}}
    assert sorted(r.id for r in got.collect()) == sorted(e[0] for e in emp
                                                         if e[1] > by_dept[e[2]])
    orders = spark.createDataFrame([(101,), (101,)], ["dept"])
    has = orders.alias("o").where(F.col("o.dept") == F.col("e.dept").outer()).exists()
    assert sorted(r.id for r in df.alias("e").where(has).collect()) == [1, 2, 5]
    assert sorted(r.id for r in df.alias("e").where(~has).collect()) == [3, 4]


def test_isin_a_dataframe(spark):
    df = spark.createDataFrame([(2, "Alice"), (5, "Bob"), (7, "Eve")], ["age", "name"])
    assert sorted(r.age for r in df.where(df.age.isin(spark.range(6))).collect()) == [2, 5]
    pairs = spark.range(6).select("id", F.lit("Bob"))
    assert [r.name for r in df.where(F.struct(df.age, df.name).isin(pairs)).collect()] == ["Bob"]


def test_with_field_and_drop_fields(spark):
    df = spark.createDataFrame([Row(a=Row(b=1, c=2, e=Row(f=4, g=5)))])
    added = df.withColumn("a", df["a"].withField("d", F.lit(9)).withField("b", F.lit(0)))
    assert added.collect()[0].a.asDict(recursive=True) == {"b": 0, "c": 2, "e": {"f": 4, "g": 5},
                                                          "d": 9}
    dropped = df.withColumn("a", F.col("a").dropFields("c", "e.g"))
    assert dropped.collect()[0].a.asDict(recursive=True) == {"b": 1, "e": {"f": 4}}
    nulls = spark.createDataFrame([(None,)], "s struct<x: int>")
    assert nulls.select(F.col("s").withField("y", F.lit(1)).alias("s")).collect()[0].s is None


def test_map_in_arrow_and_pandas_run_per_batch(spark):
    df = spark.range(0, 20, 1, 3)
    keep = df.mapInArrow(lambda it: (b.filter(pa.compute.greater(b.column(0), 12)) for b in it),
                         df.schema)
    assert sorted(r.id for r in keep.collect()) == list(range(13, 20))
    doubled = df.mapInPandas(lambda it: (p.assign(twice=p.id * 2) for p in it),
                             "id long, twice long")
    assert sorted(tuple(r) for r in doubled.collect()) == [(i, 2 * i) for i in range(20)]


def test_zip_with_index_follows_row_order(spark):
    df = spark.range(0, 30, 1, 4).select((F.col("id") * 7 % 11).alias("v"))
    rows = df.zipWithIndex("i").collect()
    assert [r.i for r in rows] == list(range(30))
    assert [r.v for r in rows] == [r.v for r in df.collect()]


def test_repartition_by_range_makes_ordered_ranges(spark):
    rng = random.Random(3)
    df = spark.createDataFrame([(rng.randrange(1000),) for _ in range(200)], "v int")
    parts = df.repartitionByRange(4, "v").rdd.glom().collect()
    assert len(parts) == 4
    spans = [(min(r.v for r in p), max(r.v for r in p)) for p in parts if p]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_sample_by_keeps_only_listed_strata(spark):
    df = spark.range(0, 300).select((F.col("id") % 3).alias("key"))
    counts = Counter(r.key for r in df.sampleBy("key", {0: 1.0, 1: 0.5}, seed=1).collect())
    assert counts[0] == 100 and 0 < counts[1] < 100 and counts[2] == 0


def test_checkpoint_keeps_rows(spark):
    df = spark.range(10).select((F.col("id") * 2).alias("x"))
    for eager in (True, False):
        assert df.checkpoint(eager).collect() == df.collect()
        assert df.localCheckpoint(eager).collect() == df.collect()


def test_to_schema_reorders_and_casts(spark):
    df = spark.createDataFrame([("a", 1)], ["i", "j"])
    schema = StructType([StructField("j", StringType()), StructField("i", StringType())])
    got = df.to(schema)
    assert got.schema == schema
    assert got.collect() == [Row(j="1", i="a")]


def test_metadata(spark):
    df = spark.createDataFrame([(2, "Alice")], ["age", "name"])
    assert df.withMetadata("age", {"foo": "bar"}).schema["age"].metadata == {"foo": "bar"}
    aliased = df.select(df.age.alias("a", metadata={"max": 99}), "name")
    assert aliased.schema["a"].metadata == {"max": 99}
    assert aliased.schema["name"].metadata == {}


def test_same_semantics_ignores_names_and_ids(spark):
    a, b = spark.range(10), spark.range(10)
    assert a.withColumn("c", a.id * 2).sameSemantics(b.withColumn("d", b.id * 2))
    assert not a.withColumn("c", a.id * 2).sameSemantics(b.withColumn("c", b.id + 2))
    assert a.selectExpr("id AS x").semanticHash() == b.selectExpr("id AS y").semanticHash()


def test_to_json_leaves_nulls_out(spark):
    rows = [(2, "Alice"), (None, "Bob")]
    df = spark.createDataFrame(rows, "age int, name string")
    got = [json.loads(s) for s in df.toJSON().collect()]
    assert got == [{k: v for k, v in zip(["age", "name"], r) if v is not None} for r in rows]


def test_small_methods(spark):
    df = spark.createDataFrame([(1, 2)], "id long, i_x long")
    assert df.sparkSession is spark
    names = dir(df)
    assert "id" in names and "i_x" in names and names == sorted(names)
    assert type(df.na).__module__ == type(df.stat).__module__ == "minispark.sql.dataframe"
    assert df.drop(F.col("nope.x")).columns == ["id", "i_x"]
    assert df.withWatermark("id", "1 minute").collect() == df.collect()
    assert df._ipython_key_completions_() == ["id", "i_x"]
    assert spark.range(1).isLocal() is False
    schema = StructType([StructField("id", LongType(), False)])
    assert spark.createDataFrame([(1,)], schema).scalar is not None


def test_zip_projections_of_one_dataframe(spark):
    data = [(1, 2, 3), (4, 5, 6), (7, 8, 9)]
    df = spark.createDataFrame(data, ["a", "b", "c"])
    got = df.select("a").zip(df.select((df.b * 2).alias("b2")).withColumn("c", F.lit(0)))
    assert [tuple(r) for r in got.collect()] == [(a, 2 * b, 0) for a, b, _ in data]
    with pytest.raises(Exception, match="ZIP_PLANS_NOT_MERGEABLE"):
        df.select("a").zip(df.filter("a > 1").select("b"))


def test_repartition_by_id_uses_the_value_modulo(spark):
    df = spark.range(-5, 20).withColumn("p", F.when(F.col("id") == 3, None).otherwise(F.col("id")))
    parts = df.repartitionById(4, "p").rdd.glom().collect()
    assert len(parts) == 4
    for index, rows in enumerate(parts):
        assert all((0 if r.p is None else r.p % 4) == index for r in rows)
    assert sorted(r.id for p in parts for r in p) == list(range(-5, 20))


def test_case_when_skips_branches_no_row_takes(spark):
    df = spark.createDataFrame([("a", 2), ("b", None)], "name string, age int")
    never = F.when(F.lit(True), 1).otherwise(F.raise_error("unreachable")).alias("w")
    assert [r.w for r in df.select(never).collect()] == [1, 1]
    chain = F.when(df.age < 3, "young").when(df.age.isNull(), "none").otherwise("old")
    assert [r.c for r in df.select(chain.alias("c")).collect()] == ["young", "none"]


# Values printed by Apache Spark 4 itself (spark.range(0, n, 1, parts).select(rand(seed))).
_SPARK_RAND = {(0, 1): [0.7604953758285915, 0.5234194256885571, 0.0953472826424725,
                        0.3163249920547614],
               (2, 2): [0.5311207224659675, 0.2861372051669987, 0.25738143505962285,
                        0.6698885713796182]}
_SPARK_RANDN_7 = [-1.773755556110447, -0.32537852999017897, -0.12108592338857035,
                  1.7346662488921807, -1.5758974095572422]


def test_rand_and_randn_draw_sparks_values(spark):
    for (seed, parts), want in _SPARK_RAND.items():
        got = [r[0] for r in spark.range(0, 4, 1, parts).select(F.rand(seed)).collect()]
        assert got == want
    got = [r[0] for r in spark.range(0, 5, 1, 2).select(F.randn(7)).collect()]
    assert got == pytest.approx(_SPARK_RANDN_7, rel=1e-15)


@pytest.mark.parametrize("direction", ["backward", "forward", "nearest"])
def test_join_as_of_matches_pandas_merge_asof(spark, direction):
    rng = random.Random(7)
    left = sorted({rng.randrange(100) for _ in range(15)})
    right = sorted({rng.randrange(100) for _ in range(10)})
    ldf = spark.createDataFrame([(t, f"l{t}") for t in left], ["t", "lv"])
    rdf = spark.createDataFrame([(t, t * 10) for t in right], ["t", "rv"])
    got = ldf._joinAsOf(rdf, "t", "t", how="left", direction=direction, tolerance=F.lit(8))
    got = {r.lv: r.rv for r in got.select("lv", "rv").collect()}
    frame = pd.merge_asof(pd.DataFrame({"t": left, "lv": [f"l{t}" for t in left]}),
                          pd.DataFrame({"t": right, "rv": [t * 10 for t in right]}),
                          on="t", direction=direction, tolerance=8)
    want = {r.lv: None if pd.isna(r.rv) else int(r.rv) for r in frame.itertuples()}
    if direction == "nearest":  # ties may go either way; compare distances instead
        assert got.keys() == want.keys()
        for lv, rv in got.items():
            t = int(lv[1:])
            assert (rv is None) == (want[lv] is None)
            assert rv is None or abs(rv // 10 - t) == abs(want[lv] // 10 - t)
    else:
        assert got == want


def test_nearest_by_join_keeps_the_k_best(spark):
    users = [(1, 10.0), (2, 20.0), (3, 30.0)]
    items = [("A", 11.0), ("B", 22.0), ("C", 5.0), ("D", 29.0)]
    u = spark.createDataFrame(users, ["user_id", "score"])
    p = spark.createDataFrame(items, ["product", "pscore"])
    got = u.nearestByJoin(p, F.abs(u.score - p.pscore), 2, "exact", "distance")
    pairs = sorted((r.user_id, r.product) for r in got.collect())
    want = sorted((uid, name) for uid, s in users
                  for name, _ in sorted(items, key=lambda i: abs(s - i[1]))[:2])
    assert pairs == want


def test_multiset_operations_widen_types_and_check_arity(spark):
    a = spark.createDataFrame([(1, 2.0), (1, 2.0), (3, 4.0)], "x int, y double")
    b = spark.createDataFrame([(1.0, 2), (5.0, 6)], "p double, q int")
    assert a.exceptAll(b).dtypes == [("x", "double"), ("y", "double")]
    assert sorted(map(tuple, a.exceptAll(b).collect())) == [(1.0, 2.0), (3.0, 4.0)]
    assert [tuple(r) for r in a.intersectAll(b).collect()] == [(1.0, 2.0)]
    with pytest.raises(Exception, match="NUM_COLUMNS_MISMATCH"):
        a.exceptAll(spark.range(1))


def test_an_outer_column_without_an_enclosing_query_fails(spark):
    inner = spark.range(3).where(F.col("id") == F.col("c.id").outer())
    with pytest.raises(Exception, match="outer"):
        inner.collect()
