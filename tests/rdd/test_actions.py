"""Actions against plain Python: element, aggregate, numeric and per-key results."""
from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter
from fractions import Fraction
from functools import reduce
from operator import add, mul

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark import StatCounter

from .helpers import (
    FAST, empty_rdds, ints_and_slices, nonempty_int_lists, pairs_and_slices, sliced,
)

nonempty_and_slices = sliced(nonempty_int_lists)
counts = st.integers(0, 30)


# -- fetching elements ---------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_collect_and_count(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert rdd.collect() == items
    assert rdd.count() == len(items)
    assert rdd.filter(lambda x: x > 0).count() == sum(1 for x in items if x > 0)


@FAST
@given(data=ints_and_slices, num=counts)
def test_first_and_take(sc, data, num):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert rdd.take(num) == items[:num]
    odd = [x for x in items if x % 2]
    assert rdd.filter(lambda x: x % 2).take(num) == odd[:num]
    if items:
        assert rdd.first() == items[0]
    else:
        with pytest.raises(ValueError):
            rdd.first()


def test_take_scans_many_sparse_partitions(sc):
    # the matches sit in the last few of 50 partitions: take() must widen its scan
    rdd = sc.parallelize(range(100), 50).filter(lambda x: x > 90)
    expected = [x for x in range(100) if x > 90]
    assert rdd.take(3) == expected[:3]
    assert rdd.take(100) == expected
    assert rdd.first() == expected[0]


@FAST
@given(data=ints_and_slices, num=counts)
def test_take_ordered_and_top(sc, data, num):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert rdd.takeOrdered(num) == sorted(items)[:num]
    assert rdd.takeOrdered(num, key=lambda x: -x) == sorted(items, reverse=True)[:num]
    assert rdd.top(num) == sorted(items, reverse=True)[:num]
    by_abs = rdd.top(num, key=abs)  # ties (x and -x) may come in either order
    assert [abs(x) for x in by_abs] == sorted(map(abs, items), reverse=True)[:num]
    assert Counter(by_abs) <= Counter(items)


@FAST
@given(data=ints_and_slices)
def test_to_local_iterator(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    iterator = rdd.toLocalIterator()
    assert iter(iterator) is iterator  # lazy: an iterator, not a list
    assert list(iterator) == items
    assert list(rdd.toLocalIterator(prefetchPartitions=True)) == items


@FAST
@given(data=ints_and_slices)
def test_is_empty(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert rdd.isEmpty() == (not items)
    assert rdd.filter(lambda x: x > 100).isEmpty()


# -- reductions -----------------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_reduce(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    if not items:
        with pytest.raises(ValueError):
            rdd.reduce(add)
        return
    assert rdd.reduce(add) == sum(items)
    assert rdd.reduce(max) == max(items)
    assert sorted(rdd.map(lambda x: [x]).reduce(add)) == sorted(items)


@FAST
@given(data=ints_and_slices, depth=st.integers(1, 4))
def test_tree_reduce(sc, data, depth):
    items, n = data
    rdd = sc.parallelize(items, n)
    if not items:
        with pytest.raises(ValueError):
            rdd.treeReduce(add, depth)
        return
    assert rdd.treeReduce(add, depth) == sum(items)
    assert rdd.treeReduce(min, depth) == min(items)


def test_tree_reduce_many_partitions(sc):
    for depth in (1, 2, 3, 5):
        rdd = sc.parallelize(range(-40, 60), 37)
        assert rdd.treeReduce(add, depth) == sum(range(-40, 60))
        assert rdd.treeAggregate(0, add, add, depth) == sum(range(-40, 60))
        assert rdd.treeAggregate(1, lambda a, x: a * (1 + x % 2), mul, depth) == \
            reduce(mul, (1 + x % 2 for x in range(-40, 60)))
    with pytest.raises(ValueError):
        sc.parallelize([1]).treeReduce(add, 0)


@FAST
@given(data=ints_and_slices)
def test_fold(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert rdd.fold(0, add) == sum(items)
    assert rdd.fold(1, mul) == math.prod(items)
    # zeroValue is used once per partition and once for the merge, as in Spark
    assert rdd.fold(1, add) == sum(items) + n + 1
    # a mutable zero value is not shared between partitions
    assert sorted(rdd.fold([], lambda acc, x: acc + (x if isinstance(x, list) else [x]))) == \
        sorted(items)


@FAST
@given(data=ints_and_slices)
def test_aggregate(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    seq = lambda acc, x: (acc[0] + x, acc[1] + 1)  # noqa: E731
    comb = lambda a, b: (a[0] + b[0], a[1] + b[1])  # noqa: E731
    assert rdd.aggregate((0, 0), seq, comb) == (sum(items), len(items))
    assert rdd.aggregate(set(), lambda s, x: s.add(x) or s, lambda a, b: a | b) == set(items)


@FAST
@given(data=ints_and_slices, depth=st.integers(1, 4))
def test_tree_aggregate(sc, data, depth):
    items, n = data
    rdd = sc.parallelize(items, n)
    seq = lambda acc, x: (acc[0] + x, acc[1] + 1)  # noqa: E731
    comb = lambda a, b: (a[0] + b[0], a[1] + b[1])  # noqa: E731
    assert rdd.treeAggregate((0, 0), seq, comb, depth) == (sum(items), len(items))
    assert rdd.treeAggregate(frozenset(), lambda s, x: s | {x}, lambda a, b: a | b, depth) \
        == frozenset(items)


# -- numeric --------------------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_sum(sc, data):
    items, n = data
    assert sc.parallelize(items, n).sum() == sum(items)
    floats = [x / 4 for x in items]
    assert sc.parallelize(floats, n).sum() == pytest.approx(sum(floats))


@FAST
@given(data=nonempty_and_slices)
def test_max_min(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert rdd.max() == max(items)
    assert rdd.min() == min(items)
    assert rdd.max(key=lambda x: -x) == max(items, key=lambda x: -x)
    assert abs(rdd.min(key=abs)) == min(map(abs, items))
    words = [str(x) for x in items]
    assert sc.parallelize(words, n).max() == max(words)


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@FAST
@given(data=nonempty_and_slices)
def test_mean_variance_stdev(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert _close(rdd.mean(), statistics.fmean(items))
    assert _close(rdd.variance(), statistics.pvariance(items))
    assert _close(rdd.stdev(), statistics.pstdev(items))
    if len(items) > 1:
        assert _close(rdd.sampleVariance(), statistics.variance(items))
        assert _close(rdd.sampleStdev(), statistics.stdev(items))
    else:
        assert math.isnan(rdd.sampleVariance())
        assert math.isnan(rdd.sampleStdev())


@FAST
@given(data=nonempty_and_slices)
def test_stats(sc, data):
    items, n = data
    floats = [x * 1.5 for x in items]
    stats = sc.parallelize(floats, n).stats()
    assert isinstance(stats, StatCounter)
    assert stats.count() == len(floats)
    assert _close(stats.mean(), statistics.fmean(floats))
    assert _close(stats.sum(), sum(floats))
    assert stats.max() == max(floats)
    assert stats.min() == min(floats)
    assert _close(stats.variance(), statistics.pvariance(floats))
    assert _close(stats.stdev(), statistics.pstdev(floats))
    as_dict = stats.asDict()
    assert as_dict["count"] == len(floats) and as_dict["max"] == max(floats)


def _exact_bucket_counts(items, lo, hi, n):
    """Counts of ``n`` equal-width buckets over [lo, hi], the last one closed (exact arithmetic)."""
    counts = [0] * n
    for x in items:
        if lo <= x <= hi:
            index = min(int(Fraction(x - lo) * n / Fraction(hi - lo)), n - 1)
            counts[index] += 1
    return counts


@FAST
@given(data=nonempty_and_slices, buckets=st.integers(1, 6))
def test_histogram_even_buckets(sc, data, buckets):
    items, n = data
    bounds, counts = sc.parallelize(items, n).histogram(buckets)
    lo, hi = min(items), max(items)
    assert bounds[0] == lo and bounds[-1] == hi
    assert sum(counts) == len(items)
    if lo == hi:
        assert (bounds, counts) == ([lo, hi], [len(items)])
        return
    assert len(bounds) == buckets + 1 and len(counts) == buckets
    for i, b in enumerate(bounds[:-1]):
        assert _close(b, lo + i * (hi - lo) / buckets)
    assert counts == _exact_bucket_counts(items, lo, hi, buckets)


@FAST
@given(data=ints_and_slices,
       bounds=st.lists(st.integers(-35, 35), min_size=2, max_size=6, unique=True).map(sorted))
def test_histogram_given_buckets(sc, data, bounds):
    items, n = data
    got_bounds, counts = sc.parallelize(items, n).histogram(bounds)
    assert got_bounds == bounds
    expected = [0] * (len(bounds) - 1)
    for x in items:
        if bounds[0] <= x <= bounds[-1]:
            expected[min(bisect_right(bounds, x) - 1, len(expected) - 1)] += 1
    assert counts == expected


def test_histogram_ignores_none_and_nan_and_checks_buckets(sc):
    numbers = [1, 2, 3, 10]
    rdd = sc.parallelize([1, None, float("nan"), 2, 3, 10], 3)
    assert rdd.histogram([0, 5, 10]) == ([0, 5, 10], _exact_bucket_counts(numbers, 0, 10, 2))
    assert rdd.histogram(3) == ([1, 4, 7, 10], _exact_bucket_counts(numbers, 1, 10, 3))
    for bad in ([1], [3, 1], [1, 1, 2], [0, None]):
        with pytest.raises(ValueError):
            rdd.histogram(bad)
    with pytest.raises(ValueError):
        rdd.histogram(0)
    words = ["ab", "ac", "b", "ba", "c", "z"]
    bounds = ["a", "b", "c"]
    expected = [sum(1 for w in words if lo <= w < hi) for lo, hi in zip(bounds, bounds[1:])]
    expected[-1] += words.count(bounds[-1])  # the last bucket is closed
    assert sc.parallelize(words, 2).histogram(bounds) == (bounds, expected)


# -- counting -------------------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_count_by_value(sc, data):
    items, n = data
    assert dict(sc.parallelize(items, n).countByValue()) == dict(Counter(items))
    words = [f"w{x % 4}é" for x in items]
    assert dict(sc.parallelize(words, n).countByValue()) == dict(Counter(words))


@FAST
@given(data=pairs_and_slices)
def test_count_by_key(sc, data):
    pairs, n = data
    assert dict(sc.parallelize(pairs, n).countByKey()) == dict(Counter(k for k, _ in pairs))


# -- side effects ---------------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_foreach_and_foreach_partition(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    total = sc.accumulator(0)
    rdd.foreach(lambda x: total.add(x))
    assert total.value == sum(items)
    partitions = sc.accumulator(0)
    elements = sc.accumulator(0)

    def visit(it):
        partitions.add(1)
        elements.add(sum(1 for _ in it))

    assert rdd.foreachPartition(visit) is None
    assert partitions.value == n
    assert elements.value == len(items)


def test_foreach_writes_files(sc, tmp_path):
    out = str(tmp_path)

    def write(it):
        import os
        import uuid

        with open(os.path.join(out, uuid.uuid4().hex), "w") as f:
            f.write("".join(f"{x}\n" for x in it))

    sc.parallelize(range(20), 4).foreachPartition(write)
    written = [int(line) for p in tmp_path.iterdir() for line in p.read_text().split()]
    assert sorted(written) == list(range(20))
    assert len(list(tmp_path.iterdir())) == 4


# -- takeSample -----------------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices, num=st.integers(0, 40), seed=st.integers(0, 1000))
def test_take_sample_without_replacement(sc, data, num, seed):
    items, n = data
    rdd = sc.parallelize(list(enumerate(items)), n)  # distinct elements
    sample = rdd.takeSample(False, num, seed)
    assert len(sample) == min(num, len(items))
    assert len(set(sample)) == len(sample)
    assert set(sample) <= set(enumerate(items))
    assert rdd.takeSample(False, num, seed) == sample  # same seed, same sample


@FAST
@given(data=ints_and_slices, num=st.integers(0, 40), seed=st.integers(0, 1000))
def test_take_sample_with_replacement(sc, data, num, seed):
    items, n = data
    sample = sc.parallelize(items, n).takeSample(True, num, seed)
    assert len(sample) == (num if items else 0)
    assert set(sample) <= set(items)
    assert sc.parallelize(items, n).takeSample(True, num, seed) == sample


def test_take_sample_negative(sc):
    with pytest.raises(ValueError):
        sc.parallelize([1, 2]).takeSample(False, -1)


# -- empty RDDs -----------------------------------------------------------------------------------

EMPTY_KINDS = ["emptyRDD", "parallelize([], 3)"]


@pytest.fixture(params=EMPTY_KINDS)
def empty(sc, request):
    return empty_rdds(sc)[EMPTY_KINDS.index(request.param)]


def test_empty_collect_count_take(empty):
    assert empty.collect() == []
    assert empty.count() == 0
    assert empty.take(5) == []
    assert list(empty.toLocalIterator()) == []
    assert empty.isEmpty()
    assert empty.glom().collect() == [[]] * empty.getNumPartitions()


def test_empty_first_and_reductions_raise(empty):
    with pytest.raises(ValueError):
        empty.first()
    with pytest.raises(ValueError):
        empty.reduce(add)
    with pytest.raises(ValueError):
        empty.treeReduce(add)
    with pytest.raises(ValueError):
        empty.max()
    with pytest.raises(ValueError):
        empty.min()
    with pytest.raises(ValueError):
        empty.histogram(3)  # no range to cut into buckets


def test_empty_folds_return_zero(empty):
    assert empty.fold(0, add) == 0
    assert empty.fold((), add) == ()
    assert empty.aggregate(0, add, add) == 0
    assert empty.aggregate(5, add, max) == 5
    assert empty.treeAggregate(0, add, add) == 0
    assert empty.treeAggregate(7, max, max) == 7
    assert empty.sum() == 0


def test_empty_counts_and_maps(empty):
    assert empty.collectAsMap() == {}
    assert empty.lookup("k") == []
    assert empty.takeSample(False, 3, 1) == []
    assert empty.takeSample(True, 3, 1) == []
    assert empty.foreach(lambda x: 1 / 0) is None
    assert empty.foreachPartition(lambda it: [1 / 0 for _ in it]) is None


def test_empty_partitions_stats_and_counts(sc):
    # Only with empty partitions: PySpark merges per-partition results with reduce(), which
    # raises ValueError on sc.emptyRDD() (no partitions) for these actions
    empty = sc.parallelize([], 3)
    assert dict(empty.countByValue()) == {}
    assert dict(empty.countByKey()) == {}
    assert empty.reduceByKeyLocally(add) == {}
    stats = empty.stats()
    assert stats.count() == 0
    assert math.isnan(empty.variance()) and math.isnan(empty.stdev())
    assert math.isnan(empty.sampleVariance()) and math.isnan(empty.sampleStdev())
    assert empty.takeOrdered(3) == []
    assert empty.top(3) == []
    assert empty.histogram([0, 1]) == ([0, 1], [0])


def test_empty_key_value_transformations(empty, sc):
    pairs = sc.parallelize([("a", 1)], 2)
    assert empty.groupByKey().collect() == []
    assert empty.reduceByKey(add).collect() == []
    assert empty.distinct().collect() == []
    assert empty.union(pairs).collect() == [("a", 1)]
    assert empty.subtract(pairs).collect() == []
    assert pairs.subtract(empty).collect() == [("a", 1)]
    assert empty.intersection(pairs).collect() == []
    assert empty.cogroup(pairs).mapValues(lambda g: tuple(map(list, g))).collect() == \
        [("a", ([], [1]))]
    assert empty.repartition(2).collect() == []
    assert empty.sample(False, 0.5, 1).collect() == []
    assert [r.collect() for r in empty.randomSplit([1, 1], 1)] == [[], []]
    assert empty.pipe("cat").collect() == []


def test_foreach_partition_runs_a_generator_function(sc):
    items = list(range(10))
    seen = sc.accumulator(0)

    def visit(it):
        for x in it:
            seen.add(x)
            yield x

    sc.parallelize(items, 3).foreachPartition(visit)
    assert seen.value == sum(items)
