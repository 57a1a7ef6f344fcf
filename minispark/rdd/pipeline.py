"""A chain of narrow per-partition steps fused into one function.

``rdd.map(f).filter(g).flatMap(h)`` becomes a single node holding a flat
list of steps. Element-wise steps run a batch at a time through C-level
``map``/``filter`` calls, so a chain of thousands of maps neither nests
thousands of generators nor recurses; a ``mapPartitions`` step receives
the iterator of everything before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator

MAP = "map"
FILTER = "filter"
FLAT_MAP = "flatMap"
PARTITION = "partition"
ELEMENTWISE = frozenset({MAP, FILTER, FLAT_MAP})
BATCH = 1024


@dataclass(frozen=True)
class Pipeline:
    """Steps as (kind, function); a PARTITION function takes (index, iterator).

    >>> p = Pipeline(((MAP, lambda x: x * 2),)).then(FILTER, lambda x: x > 2)
    >>> list(p(0, iter([1, 2, 3])))
    [4, 6]
    """

    steps: tuple[tuple[str, Callable], ...] = ()

    def then(self, kind: str, func: Callable) -> "Pipeline":
        """A new pipeline with one more step."""
        return Pipeline(self.steps + ((kind, func),))

    def __call__(self, index: int, iterator: Iterable[Any]) -> Iterator[Any]:
        return run_steps([(kind, func, index) for kind, func in self.steps], iterator)


def run_steps(steps: list[tuple[str, Callable, int]], iterator: Iterable[Any]) -> Iterator[Any]:
    """Apply (kind, function, partition index) steps in order to ``iterator``.

    Consecutive element-wise steps, even from different RDDs, run together
    in one batched loop, so their number does not deepen the call stack.
    """
    it = iter(iterator)
    for elementwise, group in _segments(steps):
        if elementwise:
            # C-level flattening: no Python frame is resumed per record
            it = chain.from_iterable(_run_batched(group, it))
        else:
            for _, func, index in group:
                it = iter(func(index, it))
    return it


def _segments(steps: list[tuple[str, Callable, int]]) -> list[tuple[bool, list]]:
    """Group consecutive element-wise steps so they run together per batch."""
    segments: list[tuple[bool, list]] = []
    for step in steps:
        elementwise = step[0] in ELEMENTWISE
        if segments and segments[-1][0] == elementwise:
            segments[-1][1].append(step)
        else:
            segments.append((elementwise, [step]))
    return segments


def _run_batched(steps: list[tuple[str, Callable, int]], it: Iterator[Any]) -> Iterator[list]:
    """Yield each input batch transformed by every step.

    Comprehensions, not ``map``/``filter``: a StopIteration raised by a user
    function would silently end those C iterators (dropping the rest of the
    batch); in a comprehension it propagates and fails the task, as in PySpark.
    """
    while True:
        batch = list(islice(it, BATCH))
        if not batch:
            return
        try:
            for kind, func, _ in steps:
                if kind == MAP:
                    batch = [func(x) for x in batch]
                elif kind == FILTER:
                    batch = [x for x in batch if func(x)]
                else:
                    batch = [y for x in batch for y in func(x)]
        except StopIteration as exc:
            raise RuntimeError("Caught StopIteration thrown from user's code; failing the task"
                               ) from exc
        yield batch
