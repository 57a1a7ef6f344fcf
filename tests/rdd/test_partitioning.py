"""Sorting and repartitioning: global order, partition counts, where keys land."""
from __future__ import annotations

from itertools import chain

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark.shuffle.partitioner import portable_hash

from .helpers import (
    FAST, assert_same_items, empty_rdds, int_pairs, ints_and_slices, num_slices,
    pairs_and_slices, sliced, str_pairs,
)

out_partitions = st.none() | num_slices


def _keys_in_order(pairs, reverse=False):
    return sorted((k for k, _ in pairs), reverse=reverse)


# -- sortBy / sortByKey -------------------------------------------------------------------------


@FAST
@given(data=pairs_and_slices, ascending=st.booleans(), out=out_partitions)
def test_sort_by_key(sc, data, ascending, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n).sortByKey(ascending, out)
    result = rdd.collect()
    # globally sorted by key; the order of equal keys is not defined
    assert [k for k, _ in result] == _keys_in_order(pairs, reverse=not ascending)
    assert_same_items(result, pairs)
    if pairs:
        assert rdd.getNumPartitions() == (n if out is None else out)
    # partition by partition: every key of partition i sorts before those of i + 1
    parts = [[k for k, _ in p] for p in rdd.glom().collect()]
    flat = list(chain.from_iterable(parts))
    assert flat == [k for k, _ in result]


@FAST
@given(data=sliced(st.lists(st.tuples(st.integers(-50, 50), st.integers(), ), max_size=40)),
       out=num_slices)
def test_sort_by_key_with_key_func(sc, data, out):
    pairs, n = data
    result = sc.parallelize(pairs, n).sortByKey(True, out, keyfunc=lambda k: (abs(k), k)).collect()
    assert [k for k, _ in result] == sorted((k for k, _ in pairs), key=lambda k: (abs(k), k))
    assert_same_items(result, pairs)


@FAST
@given(data=ints_and_slices, ascending=st.booleans(), out=out_partitions)
def test_sort_by(sc, data, ascending, out):
    items, n = data
    rdd = sc.parallelize(items, n)
    assert rdd.sortBy(lambda x: x, ascending, out).collect() == sorted(items, reverse=not ascending)
    by_mod = rdd.sortBy(lambda x: x % 5, ascending, out).collect()
    assert [x % 5 for x in by_mod] == sorted((x % 5 for x in items), reverse=not ascending)
    assert_same_items(by_mod, items)


@FAST
@given(data=sliced(st.lists(st.text(alphabet="aBé€z", max_size=4), max_size=25)))
def test_sort_by_strings(sc, data):
    items, n = data
    assert sc.parallelize(items, n).sortBy(lambda s: s, numPartitions=3).collect() == sorted(items)


def test_sort_by_key_large_input_samples_bounds(sc):
    # more rows than the sampler keeps (20 per partition), in a shuffled order
    items = [(i * 7919 % 1000, i) for i in range(1000)]
    rdd = sc.parallelize(items, 4).sortByKey(numPartitions=5)
    assert rdd.getNumPartitions() == 5
    assert rdd.keys().collect() == sorted(k for k, _ in items)
    sizes = rdd.glom().map(len).collect()
    assert sum(sizes) == 1000 and max(sizes) < 600  # range partitions are roughly balanced
    assert rdd.take(3) == sorted(items)[:3]
    assert rdd.first() == min(items)


def test_sort_of_empty_rdds(sc):
    for empty in empty_rdds(sc):
        assert empty.sortByKey().collect() == []
        assert empty.sortBy(lambda x: x, numPartitions=2).collect() == []


# -- partitionBy ----------------------------------------------------------------------------------


@FAST
@given(data=sliced(int_pairs), out=num_slices)
def test_partition_by_places_keys_by_hash(sc, data, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n).partitionBy(out)
    assert rdd.getNumPartitions() == out
    assert rdd.partitioner is not None and rdd.partitioner.numPartitions == out
    parts = rdd.glom().collect()
    for index, part in enumerate(parts):
        for k, _ in part:
            assert hash(k) % out == index  # ints hash to themselves, as in PySpark
    assert_same_items(chain.from_iterable(parts), pairs)


@FAST
@given(data=sliced(str_pairs), out=num_slices)
def test_partition_by_string_keys_same_in_every_process(sc, data, out):
    pairs, n = data
    parts = sc.parallelize(pairs, n).partitionBy(out).glom().collect()
    where = {}
    for index, part in enumerate(parts):
        for k, _ in part:
            assert where.setdefault(k, index) == index, f"key {k!r} in two partitions"
            assert index == portable_hash(k) % out  # the driver agrees with the executors
    assert_same_items(chain.from_iterable(parts), pairs)


@FAST
@given(data=sliced(int_pairs), out=num_slices)
def test_partition_by_custom_function(sc, data, out):
    pairs, n = data
    parts = sc.parallelize(pairs, n).partitionBy(out, lambda k: k * 3).glom().collect()
    assert [sorted(p) for p in parts] == \
        [sorted(kv for kv in pairs if (kv[0] * 3) % out == i) for i in range(out)]


def test_partition_by_same_partitioner_is_a_no_op(sc):
    once = sc.parallelize([(i, i) for i in range(10)], 3).partitionBy(4)
    assert once.partitionBy(4) is once
    assert once.partitionBy(5) is not once
    assert once.partitionBy(5).getNumPartitions() == 5


# -- repartition / coalesce -----------------------------------------------------------------------


@FAST
@given(data=ints_and_slices, out=num_slices)
def test_repartition(sc, data, out):
    items, n = data
    rdd = sc.parallelize(items, n).repartition(out)
    assert rdd.getNumPartitions() == out
    parts = rdd.glom().collect()
    assert len(parts) == out
    assert_same_items(chain.from_iterable(parts), items)
    assert rdd.partitioner is None


def test_repartition_spreads_elements(sc):
    parts = sc.parallelize(range(1000), 2).repartition(4).glom().collect()
    assert all(200 <= len(p) <= 300 for p in parts), [len(p) for p in parts]


@FAST
@given(data=ints_and_slices, out=num_slices)
def test_coalesce(sc, data, out):
    items, n = data
    rdd = sc.parallelize(items, n).coalesce(out)
    assert rdd.getNumPartitions() == min(out, n)
    parts = rdd.glom().collect()
    assert len(parts) == min(out, n)
    # no shuffle: merging neighbouring partitions keeps the order
    assert list(chain.from_iterable(parts)) == items


@FAST
@given(data=ints_and_slices, out=num_slices)
def test_coalesce_with_shuffle(sc, data, out):
    items, n = data
    rdd = sc.parallelize(items, n).coalesce(out, shuffle=True)
    assert rdd.getNumPartitions() == out
    assert_same_items(rdd.collect(), items)


def test_coalesce_rejects_non_positive(sc):
    with pytest.raises(ValueError):
        sc.parallelize([1, 2], 2).coalesce(0)


def test_coalesce_and_repartition_of_empty(sc):
    assert sc.emptyRDD().coalesce(3).getNumPartitions() == 0
    assert sc.emptyRDD().coalesce(3).collect() == []
    assert sc.parallelize([], 3).coalesce(2).getNumPartitions() == 2
    assert sc.parallelize([], 3).repartition(5).glom().collect() == [[]] * 5


# -- repartitionAndSortWithinPartitions -----------------------------------------------------------


@FAST
@given(data=sliced(int_pairs), out=num_slices, ascending=st.booleans())
def test_repartition_and_sort_within_partitions(sc, data, out, ascending):
    pairs, n = data
    rdd = sc.parallelize(pairs, n).repartitionAndSortWithinPartitions(
        out, lambda k: k % 2 + 7, ascending)
    assert rdd.getNumPartitions() == out
    parts = rdd.glom().collect()
    for index, part in enumerate(parts):
        keys = [k for k, _ in part]
        assert keys == sorted(keys, reverse=not ascending)
        assert all((k % 2 + 7) % out == index for k in keys)
    assert_same_items(chain.from_iterable(parts), pairs)


@FAST
@given(data=sliced(str_pairs), out=num_slices)
def test_repartition_and_sort_default_hash_and_keyfunc(sc, data, out):
    pairs, n = data
    parts = sc.parallelize(pairs, n).repartitionAndSortWithinPartitions(
        out, keyfunc=lambda k: (len(k), k)).glom().collect()
    for index, part in enumerate(parts):
        keys = [k for k, _ in part]
        assert keys == sorted(keys, key=lambda k: (len(k), k))
        assert all(portable_hash(k) % out == index for k in keys)
    assert_same_items(chain.from_iterable(parts), pairs)
