"""Optimizer rules, physical choices and explain(); the data source protocol end to end."""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql import Row
from minispark.sql import functions as F
from minispark.sql.plan import logical as L
from minispark.sql.types import LongType, StringType, StructField, StructType


class FakeRelation:
    """A relation of three splits that fails when asked for more than a test allows.

    ``read`` runs in executor processes, so what the engine asked is checked
    there, by raising, rather than recorded.
    """

    def __init__(self, allowed_columns: set[str] | None = None,
                 required_filter: str | None = None) -> None:
        self.rows = [(i, f"name{i}", i % 3) for i in range(30)]
        self.allowed_columns = allowed_columns
        self.required_filter = required_filter

    def schema(self) -> StructType:
        return StructType([StructField("id", LongType()), StructField("name", StringType()),
                           StructField("grp", LongType())])

    def partitions(self) -> Sequence[Any]:
        return [0, 1, 2]

    def preferred_locations(self, split: Any) -> Sequence[str]:
        return (f"host{split}",)

    def read(self, split: Any, columns: Sequence[str] | None,
             filter: pc.Expression | None) -> Iterator[pa.RecordBatch]:
        names = list(columns) if columns is not None else self.schema().names
        if self.allowed_columns is not None and not set(names) <= self.allowed_columns:
            raise AssertionError(f"asked for columns {names}")
        if self.required_filter is not None and (
                filter is None or self.required_filter not in str(filter)):
            raise AssertionError(f"expected a pushed filter on {self.required_filter}, "
                                 f"got {filter}")
        rows = self.rows[split * 10:(split + 1) * 10]
        table = pa.table({"id": [r[0] for r in rows], "name": [r[1] for r in rows],
                          "grp": [r[2] for r in rows]})
        if filter is not None:
            table = table.filter(filter)
        if not names:
            yield pa.record_batch({"_": pa.nulls(table.num_rows)}).select([])
            return
        yield from table.select(names).to_batches()

    def sizeInBytes(self) -> int:
        return 1000

    def simpleString(self) -> str:
        return "Fake"


def test_relation_scan_prunes_columns_and_pushes_filters(spark):
    relation = FakeRelation(allowed_columns={"name", "grp", "id"}, required_filter="grp")
    df = spark.baseRelationToDataFrame(relation)
    got = df.filter((F.col("grp") == 1) & (F.col("id") > 20)).select("name").collect()
    assert got == [Row(name="name22"), Row(name="name25"), Row(name="name28")]
    narrow = spark.baseRelationToDataFrame(FakeRelation(allowed_columns={"name"}))
    assert narrow.select("name").count() == 30
    assert len(narrow.select("name").collect()) == 30
    plan = df.filter(F.col("id") > 20).select("name")._execution.physical.tree_string()
    assert "PushedFilters: [(id > 20)]" in plan
    assert df._batch_rdd().preferred_hosts(1) == ("host1",)


def test_count_reads_no_columns(spark):
    df = spark.baseRelationToDataFrame(FakeRelation(allowed_columns=set()))
    assert df.count() == 30


def test_filters_move_below_projections_and_joins(spark):
    left = spark.createDataFrame([(1, "a"), (2, "b")], ["k", "v"])
    right = spark.createDataFrame([(1, "x")], ["k", "w"])
    query = left.join(right, "k").withColumn("k2", F.col("k") * 2).filter(
        (F.col("k2") > 1) & (F.col("w") == "x"))
    optimized = query._execution.optimized
    joins = optimized.find_all(L.Join)
    assert len(joins) == 1
    join = joins[0]
    assert isinstance(join.left, L.Filter) and isinstance(join.right, L.Filter)
    assert "(k#" in join.left.condition.sql() or "k" in join.left.condition.sql()
    assert query.collect() == [Row(k=1, v="a", w="x", k2=2)]


def test_constant_folding_and_pruning(spark):
    df = spark.range(3).withColumn("c", F.lit(1) + F.lit(2)).select("c")
    optimized = df._execution.optimized
    project = optimized.find_all(L.Project)[0]
    assert "3 AS c" in L.describe(project.project_list[0])
    assert df.collect() == [Row(c=3)] * 3


def test_explain_prints_every_plan(spark, capsys):
    df = spark.createDataFrame([(1, "a")], ["k", "v"]).groupBy("v").count()
    df.explain()
    simple = capsys.readouterr().out
    assert simple.startswith("== Physical Plan ==\n")
    assert "HashAggregate" in simple and "Exchange" in simple
    df.explain(True)
    extended = capsys.readouterr().out
    for section in ("== Parsed Logical Plan ==", "== Analyzed Logical Plan ==",
                    "== Optimized Logical Plan ==", "== Physical Plan =="):
        assert section in extended
    assert "v: string, count: bigint" in extended
    df.explain(mode="formatted")
    assert "== Physical Plan ==" in capsys.readouterr().out


def test_cache_reuses_computed_batches(spark, sc, record_events):
    df = spark.range(50).withColumn("sq", F.col("id") * F.col("id")).cache()
    assert df.is_cached
    assert df.count() == 50
    recorder = record_events(sc)
    assert df.filter("id < 5").count() == 5
    plan = df.filter("id < 5")._execution.physical.tree_string()
    assert "InMemoryTableScan" in plan
    assert recorder.of("TaskEnd")
    df.unpersist()
    assert not df.is_cached
