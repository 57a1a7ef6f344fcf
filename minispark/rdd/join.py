"""Joining one partition's records by key.

``join`` and the outer joins do not group both sides: they build a table of
the right side's values per key and stream the left side past it, so a left
record costs one dict lookup and no per-key lists or ``ResultIterable``
wrappers. When the right side does not fit in memory, the partition falls
back to pairs from cogrouped (spillable) lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Iterable, Iterator

from minispark.shuffle.aggregator import CHECK_EVERY, raise_if_not_pairs


@dataclass(frozen=True)
class JoinType:
    """Which unmatched records a join keeps, paired with None.

    >>> JoinType(left_outer=True, right_outer=False)  # leftOuterJoin
    JoinType(left_outer=True, right_outer=False)
    """

    left_outer: bool
    right_outer: bool


def hash_join(table: dict, left: Iterable[tuple], how: JoinType) -> Iterator[tuple]:
    """(k, (v, w)) for left records (k, v) and every w in ``table[k]``.

    >>> sorted(hash_join({1: ["a", "b"], 3: ["c"]}, [(1, "x"), (2, "y")], JoinType(True, True)))
    [(1, ('x', 'a')), (1, ('x', 'b')), (2, ('y', None)), (3, (None, 'c'))]
    """
    return chain.from_iterable(_probe_all(table, iter(left), how))


def _probe_all(table: dict, left: Iterator[tuple], how: JoinType) -> Iterator[list]:
    matched: set | None = set() if how.right_outer else None
    while chunk := list(islice(left, CHECK_EVERY)):
        try:
            yield _probe(table, chunk, how.left_outer, matched)
        except (TypeError, ValueError) as exc:
            raise_if_not_pairs(chunk, exc)
            raise
    if matched is not None:
        yield [(key, (None, w)) for key, values in table.items() if key not in matched
               for w in values]


def _probe(table: dict, chunk: list, left_outer: bool, matched: set | None) -> list:
    out: list = []
    append, get = out.append, table.get
    for key, v in chunk:
        values = get(key)
        if values is not None:
            for w in values:
                append((key, (v, w)))
        elif left_outer:
            append((key, (v, None)))
    if matched is not None:
        matched.update(key for key, _ in chunk if key in table)
    return out


def cogrouped_pairs(groups: Iterable[tuple[Any, list]], how: JoinType) -> Iterator[tuple]:
    """The join's pairs from (key, [left values, right values]) groups.

    >>> list(cogrouped_pairs([("a", [[1], [2, 3]]), ("b", [[4], []])], JoinType(False, False)))
    [('a', (1, 2)), ('a', (1, 3))]
    """
    for key, (lefts, rights) in groups:
        if not lefts:
            if not how.right_outer:
                continue
            lefts = [None]
        if not rights:
            if not how.left_outer:
                continue
            rights = [None]
        for v in lefts:
            for w in rights:
                yield (key, (v, w))
