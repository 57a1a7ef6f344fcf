"""Shared pieces of the RDD semantic tests: hypothesis strategies and comparisons.

Every semantic test computes its expected value in plain Python from the
same input it hands to minispark; these helpers only generate inputs and
compare results (in order, or as multisets where Spark leaves order open).
"""
from __future__ import annotations

import os
from collections import Counter
from typing import Any, Iterable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Each example runs real jobs, so few examples and no deadline.  ``RDD_MAX_EXAMPLES``
#: raises the count for a longer bug hunt; no example database is written.
FAST = settings(
    max_examples=int(os.environ.get("RDD_MAX_EXAMPLES", "15")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)

#: Partition counts: up to 6, often more than the number of elements (empty partitions).
num_slices = st.integers(min_value=1, max_value=6)

small_ints = st.integers(min_value=-30, max_value=30)
int_lists = st.lists(small_ints, max_size=25)
nonempty_int_lists = st.lists(small_ints, min_size=1, max_size=25)

#: Short string keys, some non-ASCII (hashing must agree across executor processes).
text_keys = st.text(alphabet="abcxyé€", min_size=0, max_size=3)
int_keys = st.integers(min_value=-5, max_value=8)

#: Pair lists use one key type per RDD (keys of mixed types don't sort).
str_pairs = st.lists(st.tuples(text_keys, small_ints), max_size=25)
int_pairs = st.lists(st.tuples(int_keys, small_ints), max_size=25)
pair_lists = st.one_of(str_pairs, int_pairs)


def sliced(data: st.SearchStrategy) -> st.SearchStrategy:
    """(data, numSlices) pairs."""
    return st.tuples(data, num_slices)


ints_and_slices = sliced(int_lists)
pairs_and_slices = sliced(pair_lists)


def multiset(items: Iterable[Any]) -> Counter:
    """A hashable-element multiset, for comparisons where order is not defined."""
    return Counter(items)


def assert_same_items(actual: Iterable[Any], expected: Iterable[Any]) -> None:
    """Same elements with the same multiplicities, in any order."""
    actual, expected = list(actual), list(expected)
    assert multiset(actual) == multiset(expected), (actual, expected)


def groups_as_sorted_lists(grouped: Iterable[tuple[Any, Iterable[Any]]]) -> dict:
    """{key: sorted values} from (key, iterable) pairs; fails on a repeated key."""
    out: dict = {}
    for key, values in grouped:
        assert key not in out, f"key {key!r} appears in more than one group"
        out[key] = sorted(values)
    return out


def expected_groups(pairs: Iterable[tuple[Any, Any]]) -> dict:
    """{key: sorted values} computed in plain Python."""
    out: dict = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return {k: sorted(v) for k, v in out.items()}


def empty_rdds(sc: Any) -> list:
    """The two kinds of empty RDD: no partitions, and three empty partitions."""
    return [sc.emptyRDD(), sc.parallelize([], 3)]
