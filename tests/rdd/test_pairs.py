"""Key-value transformations (grouping, aggregation, joins) against plain-Python dicts."""
from __future__ import annotations

from collections import Counter, defaultdict
from operator import add

from hypothesis import given
from hypothesis import strategies as st

from minispark.resultiterable import ResultIterable

from .helpers import (
    FAST, assert_same_items, empty_rdds, expected_groups, groups_as_sorted_lists, int_pairs,
    ints_and_slices, num_slices, pairs_and_slices, sliced, str_pairs,
)

out_partitions = st.none() | num_slices


def _sum_by_key(pairs):
    totals: dict = defaultdict(int)
    for k, v in pairs:
        totals[k] += v
    return dict(totals)


@FAST
@given(data=pairs_and_slices, out=out_partitions)
def test_group_by_key(sc, data, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n).groupByKey(out)
    assert rdd.getNumPartitions() == (n if out is None else out)
    result = rdd.collect()
    assert all(isinstance(values, ResultIterable) for _, values in result)
    assert groups_as_sorted_lists(result) == expected_groups(pairs)


@FAST
@given(data=sliced(str_pairs), out=num_slices)
def test_group_by_key_string_keys_one_group_per_key(sc, data, out):
    # str hashes are salted per process: a key must still land in exactly one partition
    pairs, n = data
    grouped = sc.parallelize(pairs, n).groupByKey(out)
    per_partition = grouped.glom().collect()
    keys = [k for part in per_partition for k, _ in part]
    assert len(keys) == len(set(keys)) == len({k for k, _ in pairs})
    assert {k: sorted(v) for part in per_partition for k, v in part} == expected_groups(pairs)


@FAST
@given(data=ints_and_slices, out=out_partitions)
def test_group_by(sc, data, out):
    items, n = data
    result = sc.parallelize(items, n).groupBy(lambda x: x % 4, out).collect()
    assert groups_as_sorted_lists(result) == expected_groups((x % 4, x) for x in items)


@FAST
@given(data=pairs_and_slices, out=out_partitions)
def test_reduce_by_key(sc, data, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n).reduceByKey(add, out)
    assert rdd.getNumPartitions() == (n if out is None else out)
    result = rdd.collect()
    assert len(result) == len(dict(result))
    assert dict(result) == _sum_by_key(pairs)


@FAST
@given(data=pairs_and_slices)
def test_reduce_by_key_tuple_concatenation(sc, data):
    # value order within a key is not defined, so compare the collected values as multisets
    pairs, n = data
    result = dict(sc.parallelize(pairs, n).mapValues(lambda v: (v,))
                  .reduceByKey(lambda a, b: a + b).collect())
    assert {k: sorted(v) for k, v in result.items()} == expected_groups(pairs)


@FAST
@given(data=pairs_and_slices)
def test_reduce_by_key_locally(sc, data):
    pairs, n = data
    assert sc.parallelize(pairs, n).reduceByKeyLocally(add) == _sum_by_key(pairs)


@FAST
@given(data=pairs_and_slices, zero=st.integers(0, 3), out=out_partitions)
def test_fold_by_key(sc, data, zero, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n)
    sums = _sum_by_key(pairs)
    # zeroValue is folded in once per key per map partition holding the key (as in Spark)
    holding = Counter(k for part in rdd.glom().collect() for k in {k for k, _ in part})
    result = rdd.foldByKey(zero, add, out)
    assert result.getNumPartitions() == (n if out is None else out)
    assert dict(result.collect()) == {k: s + zero * holding[k] for k, s in sums.items()}
    # a mutable zero value is copied, never shared between keys or partitions: this
    # function mutates its accumulator in place
    def extend(acc, v):
        acc.extend(v if isinstance(v, list) else [v])
        return acc

    lists = rdd.foldByKey([], extend).collect()
    assert groups_as_sorted_lists(lists) == expected_groups(pairs)


@FAST
@given(data=pairs_and_slices, out=out_partitions)
def test_aggregate_by_key(sc, data, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n).aggregateByKey(
        (0, 0), lambda acc, v: (acc[0] + v, acc[1] + 1),
        lambda a, b: (a[0] + b[0], a[1] + b[1]), out)
    counts = Counter(k for k, _ in pairs)
    sums = _sum_by_key(pairs)
    assert dict(rdd.collect()) == {k: (sums[k], counts[k]) for k in counts}
    # a mutable zero value is not shared between keys or partitions
    sets = sc.parallelize(pairs, n).aggregateByKey(
        set(), lambda s, v: s.add(v) or s, lambda a, b: a | b).collect()
    assert dict(sets) == {k: set(vs) for k, vs in expected_groups(pairs).items()}


@FAST
@given(data=pairs_and_slices, out=out_partitions)
def test_combine_by_key(sc, data, out):
    pairs, n = data
    rdd = sc.parallelize(pairs, n).combineByKey(
        lambda v: [v], lambda c, v: c + [v], lambda a, b: a + b, out)
    assert rdd.getNumPartitions() == (n if out is None else out)
    result = rdd.collect()
    assert groups_as_sorted_lists(result) == expected_groups(pairs)


@FAST
@given(data=pairs_and_slices)
def test_count_by_key_and_collect_as_map(sc, data):
    pairs, n = data
    rdd = sc.parallelize(pairs, n)
    assert dict(rdd.countByKey()) == dict(Counter(k for k, _ in pairs))
    assert rdd.collectAsMap() == dict(pairs)  # the last value of a repeated key wins


@FAST
@given(data=pairs_and_slices, probe=st.integers(0, 30))
def test_lookup(sc, data, probe):
    pairs, n = data
    key = pairs[probe % len(pairs)][0] if pairs else "absent"
    rdd = sc.parallelize(pairs, n)
    expected = [v for k, v in pairs if k == key]
    assert rdd.lookup(key) == expected  # in partition order
    # with a partitioner only the key's partition is read
    partitioned = rdd.partitionBy(3)
    assert sorted(partitioned.lookup(key)) == sorted(expected)
    reduced = rdd.reduceByKey(add)
    assert reduced.lookup(key) == ([sum(expected)] if expected else [])
    assert rdd.lookup(("no", "such", "key")) == []


# -- joins and cogroup ----------------------------------------------------------------------------

# Few distinct keys so that joins match often.
join_keys = st.sampled_from(["a", "b", "é", "€x", ""])
join_pairs = sliced(st.lists(st.tuples(join_keys, st.integers(0, 9)), max_size=10))
int_join_pairs = sliced(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 9)), max_size=10))
join_inputs = st.one_of(st.tuples(join_pairs, join_pairs),
                        st.tuples(int_join_pairs, int_join_pairs))


def _join(xs, ys, keep_left, keep_right):
    """Plain-Python relational join of two pair lists."""
    right: dict = defaultdict(list)
    for k, w in ys:
        right[k].append(w)
    left_keys = {k for k, _ in xs}
    out = []
    for k, v in xs:
        if right.get(k):
            out += [(k, (v, w)) for w in right[k]]
        elif keep_left:
            out.append((k, (v, None)))
    if keep_right:
        out += [(k, (None, w)) for k, w in ys if k not in left_keys]
    return out


@FAST
@given(inputs=join_inputs, out=out_partitions)
def test_join(sc, inputs, out):
    (xs, n), (ys, m) = inputs
    rdd = sc.parallelize(xs, n).join(sc.parallelize(ys, m), out)
    assert rdd.getNumPartitions() == (n + m if out is None else out)
    assert_same_items(rdd.collect(), _join(xs, ys, False, False))


@FAST
@given(inputs=join_inputs)
def test_left_outer_join(sc, inputs):
    (xs, n), (ys, m) = inputs
    result = sc.parallelize(xs, n).leftOuterJoin(sc.parallelize(ys, m)).collect()
    assert_same_items(result, _join(xs, ys, True, False))


@FAST
@given(inputs=join_inputs)
def test_right_outer_join(sc, inputs):
    (xs, n), (ys, m) = inputs
    result = sc.parallelize(xs, n).rightOuterJoin(sc.parallelize(ys, m)).collect()
    swapped = [(k, (v, w)) for k, (w, v) in _join(ys, xs, True, False)]
    assert_same_items(result, swapped)


@FAST
@given(inputs=join_inputs, out=out_partitions)
def test_full_outer_join(sc, inputs, out):
    (xs, n), (ys, m) = inputs
    result = sc.parallelize(xs, n).fullOuterJoin(sc.parallelize(ys, m), out).collect()
    assert_same_items(result, _join(xs, ys, True, True))


def test_join_with_empty_sides(sc):
    pairs = sc.parallelize([("a", 1), ("b", 2)], 2)
    for empty in empty_rdds(sc):
        assert pairs.join(empty).collect() == []
        assert empty.join(pairs).collect() == []
        assert sorted(pairs.leftOuterJoin(empty).collect()) == [("a", (1, None)), ("b", (2, None))]
        assert sorted(pairs.rightOuterJoin(empty).collect()) == []
        assert sorted(empty.fullOuterJoin(pairs).collect()) == [("a", (None, 1)), ("b", (None, 2))]


@FAST
@given(inputs=join_inputs, out=out_partitions)
def test_cogroup(sc, inputs, out):
    (xs, n), (ys, m) = inputs
    rdd = sc.parallelize(xs, n).cogroup(sc.parallelize(ys, m), out)
    assert rdd.getNumPartitions() == (n + m if out is None else out)
    result = rdd.collect()
    left, right = expected_groups(xs), expected_groups(ys)
    expected = {k: (left.get(k, []), right.get(k, [])) for k in set(left) | set(right)}
    got = {}
    for k, (vs, ws) in result:
        assert k not in got
        assert isinstance(vs, ResultIterable) and isinstance(ws, ResultIterable)
        got[k] = (sorted(vs), sorted(ws))
    assert got == expected


@FAST
@given(parts=st.lists(join_pairs, min_size=2, max_size=4))
def test_group_with(sc, parts):
    rdds = [sc.parallelize(xs, n) for xs, n in parts]
    result = rdds[0].groupWith(*rdds[1:]).collect()
    groups = [expected_groups(xs) for xs, _ in parts]
    keys = set().union(*groups)
    expected = {k: tuple(g.get(k, []) for g in groups) for k in keys}
    got = {k: tuple(sorted(v) for v in vs) for k, vs in result}
    assert len(got) == len(result)
    assert got == expected


@FAST
@given(data=sliced(int_pairs))
def test_copartitioned_join_and_cogroup_skip_the_shuffle(sc, data):
    pairs, n = data
    left = sc.parallelize(pairs, n).partitionBy(3)
    right = sc.parallelize([(k, -v) for k, v in pairs], 2).partitionBy(3)
    joined = left.join(right, 3)
    expected = _join(pairs, [(k, -v) for k, v in pairs], False, False)
    assert_same_items(joined.collect(), expected)
    # both parents already have the join's partitioner: two shuffles in all, not four
    assert joined.toDebugString().decode().count("+-(") == 2


@FAST
@given(data=pairs_and_slices)
def test_operations_on_already_partitioned_data(sc, data):
    pairs, n = data
    partitioned = sc.parallelize(pairs, n).partitionBy(4)
    assert dict(partitioned.reduceByKey(add, 4).collect()) == _sum_by_key(pairs)
    assert groups_as_sorted_lists(partitioned.groupByKey(4).collect()) == expected_groups(pairs)
    counts = Counter(k for k, _ in pairs)
    plus_one = partitioned.mapValues(lambda v: v + 1).reduceByKey(add, 4)
    assert plus_one.partitioner == partitioned.partitioner
    assert dict(plus_one.collect()) == {k: s + counts[k] for k, s in _sum_by_key(pairs).items()}


def test_mixed_type_values_and_none_keys(sc):
    pairs = [(None, 1), ("a", None), (None, 2), (("t", 1), "x"), (("t", 1), "y"), (3, [1])]
    grouped = sc.parallelize(pairs, 3).groupByKey(2).mapValues(list).collect()
    expected: dict = {}
    for k, v in pairs:
        expected.setdefault(k, []).append(v)
    assert len(grouped) == len(expected)
    assert {k: sorted(v, key=repr) for k, v in grouped} == \
        {k: sorted(v, key=repr) for k, v in expected.items()}


# Keys whose Python hash is salted per process (str, bytes, None before 3.12) nested in
# tuples and frozensets: each must still land in exactly one partition.
nested_keys = st.recursive(
    st.one_of(st.text(alphabet="aé€", max_size=2), st.binary(max_size=2), st.none(),
              st.integers(-3, 3)),
    lambda inner: st.one_of(st.tuples(inner, inner),
                            st.frozensets(st.text(alphabet="ab", max_size=2), max_size=2)),
    max_leaves=4)


@FAST
@given(data=sliced(st.lists(st.tuples(nested_keys, st.integers(0, 9)), max_size=20)),
       out=num_slices)
def test_group_by_key_nested_keys_one_group_per_key(sc, data, out):
    pairs, n = data
    result = sc.parallelize(pairs, n).groupByKey(out).mapValues(sorted).collect()
    assert len(result) == len({k for k, _ in pairs})
    assert dict(result) == expected_groups(pairs)
    assert dict(sc.parallelize(pairs, n).reduceByKey(add, out).collect()) == _sum_by_key(pairs)


@FAST
@given(data=pairs_and_slices)
def test_self_join_cogroup_union_and_zip(sc, data):
    pairs, n = data
    rdd = sc.parallelize(pairs, n)
    assert_same_items(rdd.join(rdd).collect(), _join(pairs, pairs, False, False))
    grouped = dict(rdd.cogroup(rdd).mapValues(lambda g: (sorted(g[0]), sorted(g[1]))).collect())
    assert grouped == {k: (v, v) for k, v in expected_groups(pairs).items()}
    assert rdd.union(rdd).collect() == pairs + pairs
    assert rdd.zip(rdd).collect() == list(zip(pairs, pairs))
    assert_same_items(rdd.cartesian(rdd).collect(), [(a, b) for a in pairs for b in pairs])
    reduced = rdd.reduceByKey(add)
    assert dict(reduced.union(reduced).reduceByKey(add).collect()) == \
        {k: 2 * v for k, v in _sum_by_key(pairs).items()}


@FAST
@given(data=sliced(int_pairs), ascending=st.booleans())
def test_lookup_on_range_partitioned(sc, data, ascending):
    pairs, n = data
    ordered = sc.parallelize(pairs, n).sortByKey(ascending, 3)
    for key in {k for k, _ in pairs} | {99}:
        assert sorted(ordered.lookup(key)) == sorted(v for k, v in pairs if k == key)


@FAST
@given(data=sliced(int_pairs))
def test_lookup_with_custom_partition_function(sc, data):
    pairs, n = data
    partitioned = sc.parallelize(pairs, n).partitionBy(3, lambda k: k * 7 + 1)
    for key in {k for k, _ in pairs}:
        assert sorted(partitioned.lookup(key)) == sorted(v for k, v in pairs if k == key)


def test_long_lineage(sc):
    rdd = sc.parallelize([("k", 1)], 1)
    for i in range(150):
        rdd = rdd.union(sc.parallelize([("k", 1)], 1))
        if i % 50 == 49:
            rdd = rdd.reduceByKey(add, 1)  # a shuffle now and then
    assert dict(rdd.reduceByKey(add).collect()) == {"k": 151}
    deep = sc.parallelize(range(10), 2)
    for i in range(300):
        deep = deep.map(lambda x: x + 1)
    assert deep.collect() == [x + 300 for x in range(10)]
