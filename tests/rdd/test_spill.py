"""Key-value operations give the same answers when shuffles and merges spill to disk.

A context with ``spark.shuffle.spill.numElementsForceSpillThreshold`` set very low
makes every map-side combine, reduce-side merge and sort spill; the results must
equal the plain-Python computation exactly as without spilling.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from operator import add

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark import SparkConf, SparkContext
from minispark.scheduler.events import MetricsTotals

from .helpers import FAST, assert_same_items

SPILL_BACKENDS = {"inline": ("local[2]", "inline"), "local[2]": ("local[2]", "process")}


@pytest.fixture(scope="module", params=list(SPILL_BACKENDS))
def spill_sc(request):
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()  # the shared context restarts for the next test that needs it
    master, backend = SPILL_BACKENDS[request.param]
    conf = (SparkConf().set("minispark.executor.backend", backend)
            .set("spark.shuffle.spill.numElementsForceSpillThreshold", "8"))
    ctx = SparkContext(master, "tests-spill", conf=conf)
    ctx._spill_meter = MetricsTotals()  # type: ignore[attr-defined]
    ctx.addSparkListener(ctx._spill_meter)  # type: ignore[attr-defined]
    yield ctx
    ctx.stop()


def _pairs(seed: int, size: int) -> list:
    """Many distinct keys (so merges hold many combiners) plus a few hot ones."""
    rng = random.Random(seed)
    hot = ["a", "b", "é€", ""]
    return [(rng.choice(hot) if rng.random() < 0.3 else f"k{rng.randrange(size)}",
             rng.randrange(-50, 50)) for _ in range(size)]


big_inputs = st.tuples(st.integers(0, 10**6), st.integers(1500, 3000), st.integers(1, 3))


def _groups(pairs):
    out = defaultdict(list)
    for k, v in pairs:
        out[k].append(v)
    return {k: sorted(v) for k, v in out.items()}


@FAST
@given(data=big_inputs, out=st.integers(1, 4))
def test_spilling_aggregations(spill_sc, data, out):
    seed, size, n = data
    pairs = _pairs(seed, size)
    rdd = spill_sc.parallelize(pairs, n)
    before = spill_sc._spill_meter.totals.spilled_bytes
    groups = _groups(pairs)
    grouped = rdd.groupByKey(out).mapValues(sorted).collect()
    assert len(grouped) == len(groups) and dict(grouped) == groups
    summed = rdd.reduceByKey(add, out).collect()
    assert len(summed) == len(groups) and dict(summed) == {k: sum(v) for k, v in groups.items()}
    combined = rdd.combineByKey(lambda v: [v], lambda c, v: c + [v], lambda a, b: a + b,
                                out).mapValues(sorted).collect()
    assert dict(combined) == groups
    assert sorted(rdd.keys().distinct(out).collect()) == sorted(groups)
    assert spill_sc._spill_meter.totals.spilled_bytes > before  # the spill paths really ran


@FAST
@given(data=big_inputs, out=st.integers(1, 4), ascending=st.booleans())
def test_spilling_sorts(spill_sc, data, out, ascending):
    seed, size, n = data
    pairs = _pairs(seed, size)
    rdd = spill_sc.parallelize(pairs, n)
    ordered = rdd.sortByKey(ascending, out).collect()
    assert [k for k, _ in ordered] == sorted((k for k, _ in pairs), reverse=not ascending)
    assert Counter(ordered) == Counter(pairs)
    parts = rdd.repartitionAndSortWithinPartitions(out, ascending=ascending).glom().collect()
    for part in parts:
        keys = [k for k, _ in part]
        assert keys == sorted(keys, reverse=not ascending)
    assert Counter(x for p in parts for x in p) == Counter(pairs)


@FAST
@given(data=big_inputs, out=st.integers(1, 4))
def test_spilling_cogroup_and_join(spill_sc, data, out):
    seed, size, n = data
    pairs = _pairs(seed, size)
    other = [(k, v * 2) for k, v in _pairs(seed + 1, size // 3)]
    left, right = spill_sc.parallelize(pairs, n), spill_sc.parallelize(other, 2)
    lg, rg = _groups(pairs), _groups(other)
    cogrouped = left.cogroup(right, out).mapValues(lambda g: (sorted(g[0]), sorted(g[1])))
    result = cogrouped.collect()
    assert len(result) == len(set(lg) | set(rg))
    assert dict(result) == {k: (lg.get(k, []), rg.get(k, [])) for k in set(lg) | set(rg)}
    # join the cold keys in full; count the hot-key product rather than listing it
    cold = left.filter(lambda kv: kv[0].startswith("k"))
    expected = [(k, (v, w)) for k, v in pairs if k.startswith("k") for w in rg.get(k, [])]
    assert_same_items(cold.join(right, out).collect(), expected)
    assert left.join(right, out).count() == sum(len(lg[k]) * len(rg[k]) for k in lg if k in rg)
