"""The specialised merge loops give exactly what the general combineByKey loop gives."""
from __future__ import annotations

import operator

from hypothesis import given, settings
from hypothesis import strategies as st

from minispark.shuffle.aggregator import GROUP_BY_KEY, Aggregator, Merger, SpillPolicy
from minispark.shuffle.partitioner import identity

VALUES = st.one_of(st.just(1), st.just(True), st.just(1.0), st.integers(-3, 3),
                   st.floats(-2, 2, allow_nan=False))
RECORDS = st.lists(st.tuples(st.sampled_from("abcde"), VALUES), max_size=3000)


def reference(records, create, merge):
    out: dict = {}
    for key, value in records:
        out[key] = merge(out[key], value) if key in out else create(value)
    return out


def merged(records, agg, policy=None):
    merger = Merger(agg, policy or SpillPolicy())
    merger.merge_values(records)
    return dict(merger.items())


@settings(max_examples=60, deadline=None)
@given(RECORDS)
def test_adding_fast_paths_match_the_general_loop(records):
    expected = reference(records, identity, operator.add)
    result = merged(records, Aggregator(identity, operator.add, operator.add))
    assert result == expected
    assert {k: type(v) for k, v in result.items()} == {k: type(v) for k, v in expected.items()}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("xyz"), st.just(1)), min_size=1, max_size=5000))
def test_counting_ones_with_spills(records):
    policy = SpillPolicy(record_limit=2)
    result = merged(records, Aggregator(identity, operator.add, operator.add), policy)
    assert result == reference(records, identity, operator.add)


@settings(max_examples=30, deadline=None)
@given(RECORDS)
def test_grouping_fast_path_matches_the_general_loop(records):
    expected = reference(records, GROUP_BY_KEY.createCombiner, lambda c, v: c + [v])
    assert merged(records, GROUP_BY_KEY) == expected
