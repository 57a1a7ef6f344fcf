"""sample and randomSplit: subsets of the input, reproducible with a seed, about the right size."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import FAST, assert_same_items, ints_and_slices, num_slices

fractions = st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0])
seeds = st.integers(0, 10_000)


@FAST
@given(data=ints_and_slices, fraction=fractions, seed=seeds)
def test_sample_without_replacement_is_a_sub_multiset(sc, data, fraction, seed):
    items, n = data
    rdd = sc.parallelize(items, n)
    sample = rdd.sample(False, fraction, seed).collect()
    assert not Counter(sample) - Counter(items)
    # order within the input is kept (each partition is filtered in order)
    it = iter(items)
    assert all(any(x == y for y in it) for x in sample)
    assert rdd.sample(False, fraction, seed).collect() == sample  # reproducible
    if fraction == 0.0:
        assert sample == []
    if fraction == 1.0:
        assert sample == items


@FAST
@given(data=ints_and_slices, fraction=st.sampled_from([0.0, 0.5, 1.0, 2.5]), seed=seeds)
def test_sample_with_replacement_draws_from_input(sc, data, fraction, seed):
    items, n = data
    rdd = sc.parallelize(items, n)
    sample = rdd.sample(True, fraction, seed).collect()
    assert set(sample) <= set(items)
    assert rdd.sample(True, fraction, seed).collect() == sample
    if fraction == 0.0:
        assert sample == []


@pytest.mark.parametrize("with_replacement, fraction", [(False, 0.3), (True, 0.3), (True, 2.0)])
def test_sample_size_is_about_fraction(sc, with_replacement, fraction):
    size = 4000
    rdd = sc.parallelize(range(size), 4)
    counts = [rdd.sample(with_replacement, fraction, seed).count() for seed in (1, 2, 3)]
    expected = size * fraction
    sd = (expected * (1 if with_replacement else 1 - fraction)) ** 0.5
    for count in counts:
        assert abs(count - expected) < 6 * sd, (counts, expected)
    assert len(set(counts)) > 1  # different seeds, different samples


def test_sample_rejects_negative_fraction(sc):
    with pytest.raises(ValueError):
        sc.parallelize([1, 2]).sample(False, -0.1)


def test_sample_independent_of_partition_recomputation(sc):
    rdd = sc.parallelize(range(200), 5).sample(False, 0.5, 42)
    first = rdd.collect()
    assert rdd.count() == len(first)
    assert rdd.map(lambda x: x).collect() == first


@FAST
@given(data=ints_and_slices,
       weights=st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=1, max_size=4)
       .filter(lambda ws: sum(ws) > 0),
       seed=seeds)
def test_random_split_partitions_the_input(sc, data, weights, seed):
    items, n = data
    rdd = sc.parallelize(list(enumerate(items)), n)  # distinct elements
    splits = rdd.randomSplit(weights, seed)
    assert len(splits) == len(weights)
    parts = [s.collect() for s in splits]
    everything = [x for p in parts for x in p]
    assert_same_items(everything, enumerate(items))  # disjoint and complete
    for weight, part in zip(weights, parts):
        if weight == 0:
            assert part == []
    assert [s.collect() for s in rdd.randomSplit(weights, seed)] == parts  # reproducible
    for split in splits:
        assert split.getNumPartitions() == n


def test_random_split_sizes_follow_weights(sc):
    size = 6000
    parts = sc.parallelize(range(size), 3).randomSplit([1, 2, 3], 7)
    counts = [p.count() for p in parts]
    assert sum(counts) == size
    for count, share in zip(counts, (1 / 6, 2 / 6, 3 / 6)):
        expected = size * share
        assert abs(count - expected) < 6 * (expected * (1 - share)) ** 0.5, counts


@pytest.mark.parametrize("weights", [[1, -1], [0, 0], []])
def test_random_split_rejects_bad_weights(sc, weights):
    with pytest.raises(ValueError):
        sc.parallelize([1, 2]).randomSplit(weights, 1)


@FAST
@given(data=ints_and_slices, n2=num_slices, seed=seeds)
def test_sample_then_shuffle_keeps_the_sample(sc, data, n2, seed):
    items, n = data
    sampled = sc.parallelize(items, n).sample(False, 0.5, seed)
    direct = sampled.collect()
    assert sorted(sampled.repartition(n2).collect()) == sorted(direct)
