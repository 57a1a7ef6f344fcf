"""Element-wise and set transformations against the same computation in plain Python."""
from __future__ import annotations

from itertools import chain, product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark.common.errors import SparkException

from .helpers import (
    FAST, assert_same_items, empty_rdds, ints_and_slices, num_slices, pairs_and_slices,
    sliced,
)

# -- narrow, order-preserving ------------------------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_map(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n).map(lambda x: (x, x * x))
    assert rdd.getNumPartitions() == n
    assert rdd.collect() == [(x, x * x) for x in items]


@FAST
@given(data=ints_and_slices)
def test_flat_map(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n).flatMap(lambda x: range(x % 4))
    assert rdd.collect() == [y for x in items for y in range(x % 4)]
    # a generator result and a chain of narrow steps
    chained = (sc.parallelize(items, n).flatMap(lambda x: (x, -x) if x % 2 else ())
               .map(lambda x: x + 1).filter(lambda x: x > 0))
    assert chained.collect() == [v + 1 for x in items if x % 2 for v in (x, -x) if v + 1 > 0]


@FAST
@given(data=ints_and_slices)
def test_filter(sc, data):
    items, n = data
    assert sc.parallelize(items, n).filter(lambda x: x % 3 == 0).collect() == \
        [x for x in items if x % 3 == 0]


@FAST
@given(data=ints_and_slices)
def test_glom_and_map_partitions(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    parts = rdd.glom().collect()
    assert len(parts) == n
    assert list(chain.from_iterable(parts)) == items
    assert rdd.mapPartitions(lambda it: [sum(it)]).collect() == [sum(p) for p in parts]
    # mapPartitions may return any iterable, including a generator and an empty one
    assert rdd.mapPartitions(lambda it: (x * 2 for x in it)).collect() == [x * 2 for x in items]
    assert rdd.mapPartitions(lambda it: []).collect() == []


@FAST
@given(data=ints_and_slices)
def test_map_partitions_with_index(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    parts = rdd.glom().collect()
    got = rdd.mapPartitionsWithIndex(lambda i, it: [(i, list(it))]).collect()
    assert got == list(enumerate(parts))
    tagged = rdd.mapPartitionsWithIndex(lambda i, it: ((i, x) for x in it)).collect()
    assert tagged == [(i, x) for i, p in enumerate(parts) for x in p]


@FAST
@given(data=ints_and_slices)
def test_fused_steps_see_the_right_partition_index(sc, data):
    items, n = data
    rdd = (sc.parallelize(items, n).map(lambda x: x + 1)
           .mapPartitionsWithIndex(lambda i, it: ((i, x) for x in it))
           .filter(lambda p: p[1] % 2 == 0)
           .mapPartitionsWithIndex(lambda j, it: ((j, i, x) for i, x in it)))
    parts = sc.parallelize(items, n).glom().collect()
    assert rdd.collect() == [(i, i, x + 1) for i, p in enumerate(parts) for x in p
                             if (x + 1) % 2 == 0]


@FAST
@given(data=ints_and_slices)
def test_key_by_keys_values(sc, data):
    items, n = data
    keyed = sc.parallelize(items, n).keyBy(lambda x: x % 3)
    assert keyed.collect() == [(x % 3, x) for x in items]
    assert keyed.keys().collect() == [x % 3 for x in items]
    assert keyed.values().collect() == items


@FAST
@given(data=pairs_and_slices)
def test_map_values_and_flat_map_values(sc, data):
    pairs, n = data
    rdd = sc.parallelize(pairs, n)
    assert rdd.mapValues(lambda v: v * 10).collect() == [(k, v * 10) for k, v in pairs]
    assert rdd.flatMapValues(lambda v: range(v % 3)).collect() == \
        [(k, w) for k, v in pairs for w in range(v % 3)]


# -- set-like ------------------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices, out=st.none() | num_slices)
def test_distinct(sc, data, out):
    items, n = data
    rdd = sc.parallelize(items, n).distinct(out)
    result = rdd.collect()
    assert sorted(result) == sorted(set(items))
    assert rdd.getNumPartitions() == (n if out is None else out)


@FAST
@given(data=sliced(st.lists(st.text(alphabet="aé€b", max_size=2), max_size=20)))
def test_distinct_strings_across_processes(sc, data):
    items, n = data
    result = sc.parallelize(items, n).distinct(3).collect()
    assert len(result) == len(set(result))
    assert set(result) == set(items)


@FAST
@given(a=ints_and_slices, b=ints_and_slices)
def test_union(sc, a, b):
    (xs, n), (ys, m) = a, b
    rdd = sc.parallelize(xs, n).union(sc.parallelize(ys, m))
    assert rdd.getNumPartitions() == n + m
    assert rdd.collect() == xs + ys
    assert (sc.parallelize(xs, n) + sc.parallelize(ys, m)).collect() == xs + ys


@FAST
@given(a=ints_and_slices, b=ints_and_slices)
def test_intersection(sc, a, b):
    (xs, n), (ys, m) = a, b
    result = sc.parallelize(xs, n).intersection(sc.parallelize(ys, m)).collect()
    assert sorted(result) == sorted(set(xs) & set(ys))


@FAST
@given(a=ints_and_slices, b=ints_and_slices, out=st.none() | num_slices)
def test_subtract(sc, a, b, out):
    (xs, n), (ys, m) = a, b
    rdd = sc.parallelize(xs, n).subtract(sc.parallelize(ys, m), out)
    drop = set(ys)
    assert_same_items(rdd.collect(), [x for x in xs if x not in drop])  # duplicates kept
    if out is not None:
        assert rdd.getNumPartitions() == out


@FAST
@given(a=pairs_and_slices, b=pairs_and_slices)
def test_subtract_by_key(sc, a, b):
    (xs, n), (ys, m) = a, b
    result = sc.parallelize(xs, n).subtractByKey(sc.parallelize(ys, m)).collect()
    drop = {k for k, _ in ys}
    assert_same_items(result, [(k, v) for k, v in xs if k not in drop])


@FAST
@given(a=sliced(st.lists(st.integers(0, 9), max_size=8)),
       b=sliced(st.lists(st.text(alphabet="xy", max_size=2), max_size=8)))
def test_cartesian(sc, a, b):
    (xs, n), (ys, m) = a, b
    rdd = sc.parallelize(xs, n).cartesian(sc.parallelize(ys, m))
    assert rdd.getNumPartitions() == n * m
    assert_same_items(rdd.collect(), product(xs, ys))
    assert rdd.count() == len(xs) * len(ys)


def test_cartesian_with_empty(sc):
    rdd = sc.parallelize([1, 2], 2)
    assert rdd.cartesian(sc.emptyRDD()).collect() == []
    assert sc.emptyRDD().cartesian(rdd).collect() == []
    assert rdd.cartesian(sc.parallelize([], 3)).collect() == []


# -- zips -----------------------------------------------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_zip_same_partitioning(sc, data):
    items, n = data
    left = sc.parallelize(items, n)
    right = left.map(lambda x: str(x))
    assert left.zip(right).collect() == list(zip(items, map(str, items)))
    again = sc.parallelize([x * 2 for x in items], n)
    assert left.zip(again).collect() == [(x, x * 2) for x in items]


def test_zip_needs_same_number_of_partitions(sc):
    with pytest.raises(ValueError):
        sc.parallelize(range(4), 2).zip(sc.parallelize(range(4), 3))


def test_zip_needs_same_number_of_elements_per_partition(sc):
    left = sc.parallelize(range(4), 2)
    right = sc.parallelize(range(5), 2)
    with pytest.raises(SparkException):
        left.zip(right).collect()


@FAST
@given(data=ints_and_slices)
def test_zip_with_index(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n).zipWithIndex()
    assert rdd.collect() == [(x, i) for i, x in enumerate(items)]
    # after a filter the indices are still consecutive
    kept = [x for x in items if x % 2]
    assert sc.parallelize(items, n).filter(lambda x: x % 2).zipWithIndex().collect() == \
        [(x, i) for i, x in enumerate(kept)]


@FAST
@given(data=ints_and_slices)
def test_zip_with_unique_id(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    parts = rdd.glom().collect()
    result = rdd.zipWithUniqueId().collect()
    # element k of partition i gets k * n + i, as in Spark
    assert result == [(x, k * n + i) for i, p in enumerate(parts) for k, x in enumerate(p)]
    ids = [u for _, u in result]
    assert len(set(ids)) == len(ids)


def test_zips_of_empty_rdds(sc):
    for empty in empty_rdds(sc):
        assert empty.zipWithIndex().collect() == []
        assert empty.zipWithUniqueId().collect() == []
        assert empty.zip(empty).collect() == []


# -- pipe -----------------------------------------------------------------------------------------

pipe_lines = st.lists(st.text(alphabet="abcXY z0", max_size=6), max_size=15)


@FAST
@given(data=sliced(pipe_lines))
def test_pipe_cat(sc, data):
    lines, n = data
    assert sc.parallelize(lines, n).pipe("cat").collect() == lines


@FAST
@given(data=sliced(pipe_lines))
def test_pipe_tr(sc, data):
    lines, n = data
    assert sc.parallelize(lines, n).pipe("tr a-z A-Z").collect() == [s.upper() for s in lines]


@FAST
@given(data=ints_and_slices)
def test_pipe_writes_str_of_elements(sc, data):
    items, n = data
    assert sc.parallelize(items, n).pipe("cat").collect() == [str(x) for x in items]


def test_pipe_runs_once_per_partition_with_env(sc):
    rdd = sc.parallelize([], 3).pipe("printenv MS_PIPE_VAR", env={"MS_PIPE_VAR": "hello"})
    assert rdd.collect() == ["hello"] * 3
    counted = sc.parallelize(range(7), 2).pipe("wc -l").map(lambda s: int(s.strip()))
    assert counted.collect() == [len(p) for p in sc.parallelize(range(7), 2).glom().collect()]


def test_pipe_failing_command(sc):
    rdd = sc.parallelize(["a", "b"], 2)
    with pytest.raises(SparkException):
        rdd.pipe("false", checkCode=True).collect()
    # without checkCode the exit status is ignored
    assert rdd.pipe("false").collect() == []
    with pytest.raises(SparkException):
        rdd.pipe("sh -c 'cat; exit 3'", checkCode=True).collect()
    assert rdd.pipe("sh -c 'cat; exit 3'").collect() == ["a", "b"]
    assert sc.parallelize([1, 2, 3]).sum() == 6  # still usable


# -- user functions that raise StopIteration ------------------------------------------------------


def _stop_at_five(x):
    """A buggy user function: StopIteration must fail the task, never end a partition early."""
    if x == 5:
        raise StopIteration("user code raised StopIteration")
    return x


# PySpark wraps every user function in fail_on_stopiteration (SPARK-23754), so the job fails.
SILENTLY_TRUNCATED = {
    "map": lambda rdd: rdd.map(_stop_at_five),
    "flatMap": lambda rdd: rdd.flatMap(lambda x: [_stop_at_five(x)]),
    "filter": lambda rdd: rdd.filter(lambda x: _stop_at_five(x) >= 0),
    "keyBy": lambda rdd: rdd.keyBy(_stop_at_five),
    "mapValues": lambda rdd: rdd.map(lambda x: (x, x)).mapValues(_stop_at_five),
    "flatMapValues": lambda rdd: rdd.map(lambda x: (x, x)).flatMapValues(
        lambda v: [_stop_at_five(v)]),
    "groupBy": lambda rdd: rdd.groupBy(_stop_at_five),
    "sortBy": lambda rdd: rdd.sortBy(_stop_at_five),
}


@pytest.mark.parametrize("op", sorted(SILENTLY_TRUNCATED))
def test_stop_iteration_in_element_function_fails_the_job(sc, op):
    with pytest.raises(SparkException):
        SILENTLY_TRUNCATED[op](sc.parallelize(range(3000), 2)).collect()


def test_stop_iteration_elsewhere_fails_the_job(sc):
    rdd = sc.parallelize(range(20), 2)
    pairs = rdd.map(lambda x: (x % 3, x))
    stop2 = lambda a, b: _stop_at_five(a + b - a)  # noqa: E731 - raises when b == 5
    for action in (lambda: rdd.mapPartitions(lambda it: (_stop_at_five(x) for x in it)).collect(),
                   lambda: rdd.reduce(stop2),
                   lambda: rdd.fold(0, stop2),
                   lambda: rdd.aggregate(0, stop2, lambda a, b: a + b),
                   lambda: rdd.foreach(_stop_at_five),
                   lambda: pairs.reduceByKey(stop2).collect(),
                   lambda: pairs.combineByKey(_stop_at_five, stop2, stop2).collect()):
        with pytest.raises(SparkException):
            action()
    assert rdd.sum() == sum(range(20))
