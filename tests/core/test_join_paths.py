"""Joins: the in-memory hash join and the spilling fallback give the relational answer."""
from __future__ import annotations

import collections
import os
import random

import pytest

from minispark.common.errors import SparkException
from minispark.scheduler.events import MetricsTotals

RNG = random.Random(11)
LEFT = [(RNG.randrange(400), RNG.randrange(100)) for _ in range(6_000)]
RIGHT = [(RNG.randrange(600), f"w{RNG.randrange(100)}") for _ in range(3_000)]
JOINS = {"join": (False, False), "leftOuterJoin": (True, False),
         "rightOuterJoin": (False, True), "fullOuterJoin": (True, True)}


def relational_join(xs, ys, left_outer, right_outer):
    """The join computed from scratch, with None for unmatched sides."""
    right = collections.defaultdict(list)
    for k, w in ys:
        right[k].append(w)
    left_keys = {k for k, _ in xs}
    out = [(k, (v, w)) for k, v in xs for w in right.get(k, [])]
    if left_outer:
        out += [(k, (v, None)) for k, v in xs if k not in right]
    if right_outer:
        out += [(k, (None, w)) for k, w in ys if k not in left_keys]
    return collections.Counter(out)


@pytest.fixture(params=["process", "inline"])
def spilling_sc(make_context, request):
    """Every merge spills once it holds 20 keys (checked every 1024 records)."""
    return make_context("local[2]", backend=request.param,
                        **{"spark.shuffle.spill.numElementsForceSpillThreshold": "20"})


@pytest.mark.parametrize("method", sorted(JOINS))
def test_joins_whose_right_side_spills_are_exact(spilling_sc, method):
    meter = MetricsTotals()
    spilling_sc.addSparkListener(meter)
    left, right = spilling_sc.parallelize(LEFT, 3), spilling_sc.parallelize(RIGHT, 2)
    result = getattr(left, method)(right, 2).collect()
    assert collections.Counter(result) == relational_join(LEFT, RIGHT, *JOINS[method])
    assert meter.totals.spilled_bytes > 0  # the right side's table spilled: the fallback ran
    spill_root = os.path.join(spilling_sc._app_dir, "spill")
    assert not os.path.exists(spill_root) or os.listdir(spill_root) == []


@pytest.mark.parametrize("method", sorted(JOINS))
def test_co_partitioned_joins_shuffle_neither_side(sc, method, record_events):
    left = sc.parallelize(LEFT, 3).partitionBy(4).cache()
    right = sc.parallelize(RIGHT, 2).partitionBy(4).cache()
    left.count(), right.count()
    joined = getattr(left, method)(right, 4)
    rec = record_events(sc)
    result = joined.collect()
    assert [e.info.is_shuffle_map for e in rec.of("StageSubmitted")] == [False]
    assert joined.partitioner == left.partitioner
    assert collections.Counter(result) == relational_join(LEFT, RIGHT, *JOINS[method])


def test_joining_records_that_are_not_pairs_names_the_record(sc):
    pairs = sc.parallelize([(1, "a")], 1)
    with pytest.raises(SparkException, match=r"\(key, value\) pairs.*\[1, 2, 3\]"):
        sc.parallelize([(1, "x"), [1, 2, 3]], 1).join(pairs).collect()
