"""RDD introspection: id, name, partitions, partitioner, context, toDebugString."""
from __future__ import annotations

import re
from operator import add

import pytest
from hypothesis import given

from .helpers import FAST, int_pairs, num_slices, sliced


def test_ids_are_unique_and_stable(sc):
    rdds = [sc.parallelize([1], 1), sc.range(3), sc.emptyRDD()]
    rdds += [rdds[0].map(str), rdds[1].filter(bool), rdds[0].union(rdds[1])]
    ids = [r.id() for r in rdds]
    assert len(set(ids)) == len(ids)
    assert all(isinstance(i, int) for i in ids)
    assert [r.id() for r in rdds] == ids


def test_name_and_set_name(sc):
    rdd = sc.parallelize([1, 2], 2)
    assert rdd.name() is None
    assert rdd.setName("numbers") is rdd
    assert rdd.name() == "numbers"
    assert "numbers" in rdd.toDebugString().decode()
    assert rdd.map(str).name() is None  # a child has its own name
    assert rdd.collect() == [1, 2]


@FAST
@given(data=sliced(int_pairs), out=num_slices)
def test_get_num_partitions_through_transformations(sc, data, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n)
    assert rdd.getNumPartitions() == n
    assert rdd.map(lambda kv: kv).getNumPartitions() == n
    assert rdd.filter(bool).getNumPartitions() == n
    assert rdd.reduceByKey(add, out).getNumPartitions() == out
    assert rdd.groupByKey().getNumPartitions() == n
    assert rdd.union(rdd).getNumPartitions() == 2 * n
    assert rdd.cartesian(rdd).getNumPartitions() == n * n
    assert rdd.coalesce(out).getNumPartitions() == min(out, n)
    assert rdd.repartition(out).getNumPartitions() == out
    assert rdd.join(rdd, out).getNumPartitions() == out


def test_partitioner(sc):
    pairs = sc.parallelize([(i % 5, i) for i in range(20)], 3)
    assert pairs.partitioner is None
    by_key = pairs.partitionBy(4)
    assert by_key.partitioner is not None
    assert by_key.partitioner.numPartitions == 4
    reduced = pairs.reduceByKey(add, 4)
    assert reduced.partitioner == by_key.partitioner  # same function, same count
    assert pairs.reduceByKey(add, 2).partitioner != by_key.partitioner
    # kept by key-preserving steps, dropped by map
    assert by_key.mapValues(str).partitioner == by_key.partitioner
    assert by_key.flatMapValues(lambda v: [v]).partitioner == by_key.partitioner
    assert by_key.filter(lambda kv: kv[1] > 3).partitioner == by_key.partitioner
    assert by_key.map(lambda kv: kv).partitioner is None
    assert by_key.map(lambda kv: kv, preservesPartitioning=True).partitioner == by_key.partitioner
    assert by_key.keys().partitioner is None
    assert pairs.sortByKey(numPartitions=2).partitioner is not None
    assert pairs.groupByKey(3).partitioner.numPartitions == 3
    assert pairs.join(pairs, 2).partitioner.numPartitions == 2


def test_context(sc):
    rdd = sc.parallelize([(1, 2)])
    for derived in (rdd, rdd.map(str), rdd.reduceByKey(add), rdd.union(sc.emptyRDD())):
        assert derived.context is sc


def _shuffle_lines(rdd):
    return [line for line in rdd.toDebugString().decode().splitlines()
            if line.lstrip().startswith("+-(")]


def test_to_debug_string_is_bytes_with_partition_counts(sc):
    rdd = sc.parallelize(range(10), 3).map(lambda x: x + 1)
    text = rdd.toDebugString()
    assert isinstance(text, bytes)
    lines = text.decode().splitlines()
    assert lines[0].startswith("(3) ")
    assert f"[{rdd.id()}]" in lines[0]
    assert not _shuffle_lines(rdd)
    assert all(line.startswith(" |  ") for line in lines[1:])


@pytest.mark.parametrize("build, shuffles", [
    (lambda sc: sc.parallelize([(1, 2)], 2), 0),
    (lambda sc: sc.parallelize([(1, 2)], 2).mapValues(str).filter(bool), 0),
    (lambda sc: sc.parallelize([(1, 2)], 2).reduceByKey(add), 1),
    (lambda sc: sc.parallelize([(1, 2)], 2).groupByKey().mapValues(list), 1),
    (lambda sc: sc.parallelize([(1, 2)], 2).reduceByKey(add).map(lambda kv: kv).groupByKey(3), 2),
    (lambda sc: sc.parallelize([(1, 2)], 2).join(sc.parallelize([(1, 3)], 1)), 2),
    (lambda sc: sc.parallelize([1], 2).repartition(3), 1),
    (lambda sc: sc.parallelize([1], 2).coalesce(1), 0),
    (lambda sc: sc.parallelize([1], 2).union(sc.parallelize([2]).distinct()), 1),
    (lambda sc: sc.parallelize([(1, 2)], 2).partitionBy(2).reduceByKey(add, 2), 1),
])
def test_to_debug_string_indents_at_shuffles(sc, build, shuffles):
    rdd = build(sc)
    text = rdd.toDebugString().decode()
    shuffle_lines = _shuffle_lines(rdd)
    assert len(shuffle_lines) == shuffles, text
    # each stage's lines sit one indentation step right of the line that opened it
    for line in shuffle_lines:
        assert re.match(r"^( {3})* \+-\(\d+\) ", line), line
    assert text.splitlines()[0].startswith(f"({rdd.getNumPartitions()}) ")
    assert rdd.collect() is not None  # the lineage still runs


def test_to_debug_string_nested_shuffles_indent_deeper(sc):
    rdd = (sc.parallelize([(i % 3, i) for i in range(9)], 2).map(lambda kv: kv)
           .reduceByKey(add, 2).map(lambda kv: (kv[1] % 2, kv[0])).groupByKey(3).mapValues(list))
    lines = rdd.toDebugString().decode().splitlines()
    assert len(_shuffle_lines(rdd)) == 2
    # Spark's layout for a chain: each shuffle opens "+-(n)" one step (3 spaces) further
    # right, and the narrow parents below it continue with " |  " at that depth
    assert lines[0].startswith("(3) ")
    depth = 0
    for line in lines[1:]:
        if "+-(" in line:
            depth += 1
            assert line.startswith("   " * (depth - 1) + " +-("), line
        else:
            assert line.startswith("   " * depth + " |  "), line
    assert depth == 2
    assert sorted((k, sorted(v)) for k, v in rdd.collect()) == \
        sorted((p, sorted(k for k in range(3) if sum(range(k, 9, 3)) % 2 == p))
               for p in {sum(range(k, 9, 3)) % 2 for k in range(3)})
