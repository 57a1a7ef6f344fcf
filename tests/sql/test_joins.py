"""Joins of every type, broadcast and shuffled, against DuckDB on random data with nulls."""
from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.sql import Row
from minispark.sql import functions as F
from tests.sql.oracle import arrow_table, duck, same_rows

KEYS = st.one_of(st.none(), st.integers(0, 6))
LEFT = st.lists(st.tuples(KEYS, st.one_of(st.none(), st.sampled_from(["p", "q", "r"])),
                          st.integers(0, 9)), max_size=20)
RIGHT = st.lists(st.tuples(KEYS, st.one_of(st.none(), st.sampled_from(["p", "q", "z"])),
                           st.integers(0, 9)), max_size=20)
HOW = {"inner": "INNER JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL JOIN",
       "left_semi": "SEMI JOIN", "left_anti": "ANTI JOIN"}
SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _tables(left, right):
    l_table = arrow_table(left, ["k", "s", "a"], [pa.int64(), pa.string(), pa.int64()])
    r_table = arrow_table(right, ["k", "s", "b"], [pa.int64(), pa.string(), pa.int64()])
    return l_table, r_table


def _columns(how):
    return "l.k, l.s, l.a" + ("" if how in ("left_semi", "left_anti") else ", r.k, r.s, r.b")


@pytest.mark.parametrize("broadcast", [True, False])
@SETTINGS
@given(LEFT, RIGHT, st.sampled_from(sorted(HOW)))
def test_equi_joins_with_residual_conditions(spark, broadcast, left, right, how):
    if not broadcast:
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", -1)
    l_table, r_table = _tables(left, right)
    l, r = spark.createDataFrame(l_table), spark.createDataFrame(r_table)
    condition = (l.k == r.k) & (l.a <= r.b)
    ours = l.join(r, condition, how)
    expected = duck(f"SELECT {_columns(how)} FROM l {HOW[how]} r ON l.k = r.k AND l.a <= r.b",
                    l=l_table, r=r_table)
    same_rows(ours.collect(), expected)
    kind = ("BroadcastHashJoin" if broadcast and how != "full" else "ShuffledHashJoin")
    assert kind in ours._execution.physical.tree_string()


@SETTINGS
@given(LEFT, RIGHT, st.sampled_from(["inner", "left", "right", "full"]))
def test_using_columns(spark, left, right, how):
    l_table, r_table = _tables(left, right)
    l, r = spark.createDataFrame(l_table), spark.createDataFrame(r_table)
    ours = l.join(r, ["k", "s"], how)
    key = "coalesce(l.k, r.k), coalesce(l.s, r.s)" if how == "full" else (
        "r.k, r.s" if how == "right" else "l.k, l.s")
    expected = duck(f"SELECT {key}, l.a, r.b FROM l {HOW[how]} r USING (k, s)",
                    l=l_table, r=r_table)
    assert ours.columns == ["k", "s", "a", "b"]
    same_rows(ours.collect(), expected)


@SETTINGS
@given(LEFT, RIGHT)
def test_non_equi_and_cross_joins(spark, left, right):
    l_table, r_table = _tables(left, right)
    l, r = spark.createDataFrame(l_table), spark.createDataFrame(r_table)
    same_rows(l.crossJoin(r).collect(), duck("SELECT * FROM l CROSS JOIN r", l=l_table, r=r_table))
    same_rows(l.join(r, l.a < r.b, "left").collect(),
              duck("SELECT * FROM l LEFT JOIN r ON l.a < r.b", l=l_table, r=r_table))


def test_self_join_tells_the_sides_apart(spark):
    df = spark.createDataFrame([(1, "a"), (2, "b")], ["id", "v"])
    other = df.withColumnRenamed("v", "w")
    joined = df.join(other, df.id == other.id).select(df.v, other.w)
    assert sorted(joined.collect()) == [Row(v="a", w="a"), Row(v="b", w="b")]
    a, b = df.alias("a"), df.alias("b")
    pairs = a.join(b, F.col("a.id") < F.col("b.id")).select("a.v", "b.v").collect()
    assert [tuple(p) for p in pairs] == [("a", "b")]


def test_broadcast_hint_and_shuffled_partitions(spark):
    big = spark.range(100).withColumn("k", F.col("id") % 10)
    small = spark.createDataFrame([(i, f"n{i}") for i in range(10)], ["k", "name"])
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", -1)
    plan = big.join(F.broadcast(small), "k")._execution.physical.tree_string()
    assert "BroadcastHashJoin" in plan
    joined = big.join(small, "k")
    assert "ShuffledHashJoin" in joined._execution.physical.tree_string()
    assert joined.count() == 100
    assert joined.filter("name = 'n3'").count() == 10
