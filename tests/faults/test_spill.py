"""Wide operations past the memory limit spill to disk and still give exact results."""
from __future__ import annotations

import collections
import os
import random
from operator import add

import pytest

from minispark.scheduler.events import MetricsTotals


@pytest.fixture(params=["process", "inline"])
def spilling(request, make_context):
    """A context that spills whenever a task holds 50 keys (checked every 1024 records)."""
    sc = make_context("local[2]", backend=request.param,
                      **{"spark.shuffle.spill.numElementsForceSpillThreshold": "50"})
    meter = MetricsTotals()
    sc.addSparkListener(meter)
    return sc, meter


RNG = random.Random(5)
PAIRS = [(f"k{RNG.randrange(700)}", RNG.randrange(1000)) for _ in range(30_000)]
OTHER = [(f"k{RNG.randrange(900)}", RNG.random()) for _ in range(3_000)]


def grouped(pairs):
    groups = collections.defaultdict(list)
    for k, v in pairs:
        groups[k].append(v)
    return groups


def assert_spilled_and_cleaned(sc, meter):
    assert meter.totals.spilled_bytes > 0
    spill_root = os.path.join(sc._app_dir, "spill")
    assert not os.path.exists(spill_root) or os.listdir(spill_root) == []


def test_reduce_and_aggregate_by_key_spill(spilling):
    sc, meter = spilling
    rdd = sc.parallelize(PAIRS, 4)
    sums = collections.Counter()
    for k, v in PAIRS:
        sums[k] += v
    assert dict(rdd.reduceByKey(add, 3).collect()) == dict(sums)
    stats = rdd.aggregateByKey((0, 0), lambda a, v: (a[0] + v, a[1] + 1),
                               lambda a, b: (a[0] + b[0], a[1] + b[1]), 2).collectAsMap()
    assert stats == {k: (sum(vs), len(vs)) for k, vs in grouped(PAIRS).items()}
    assert_spilled_and_cleaned(sc, meter)


def test_group_by_key_spills(spilling):
    sc, meter = spilling
    result = sc.parallelize(PAIRS, 4).groupByKey(2).mapValues(sorted).collectAsMap()
    assert result == {k: sorted(vs) for k, vs in grouped(PAIRS).items()}
    assert_spilled_and_cleaned(sc, meter)


def test_sort_by_key_spills_sorted_runs(spilling):
    sc, meter = spilling
    ordered = sc.parallelize(PAIRS, 4).sortByKey(False, 3).collect()
    assert [k for k, _ in ordered] == sorted((k for k, _ in PAIRS), reverse=True)
    assert collections.Counter(ordered) == collections.Counter(PAIRS)
    assert_spilled_and_cleaned(sc, meter)


def test_join_spills(spilling):
    sc, meter = spilling
    joined = sc.parallelize(PAIRS, 4).join(sc.parallelize(OTHER, 2), 3).collect()
    right = grouped(OTHER)
    expected = [(k, (v, w)) for k, v in PAIRS for w in right.get(k, [])]
    assert collections.Counter(joined) == collections.Counter(expected)
    assert_spilled_and_cleaned(sc, meter)


def test_a_memory_limit_below_the_process_size_still_gives_exact_results(make_context):
    sc = make_context("local[2]", **{"spark.python.worker.memory": "1m"})
    meter = MetricsTotals()
    sc.addSparkListener(meter)
    result = sc.parallelize(PAIRS, 4).groupByKey(2).mapValues(len).collectAsMap()
    assert result == {k: len(vs) for k, vs in grouped(PAIRS).items()}
    assert meter.totals.spilled_bytes > 0
