"""A chain of narrow per-partition steps fused into one function.

``rdd.map(f).filter(g).flatMap(h)`` becomes a single node holding a flat
list of steps. Element-wise steps run a batch at a time through list
comprehensions, so a chain of thousands of maps neither nests thousands of
generators nor recurses; a flatMap's output goes on ``BATCH`` records at a
time, however many records one element expands to. A ``mapPartitions``
step receives the iterator of everything before it.
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
USER_STOP_ITERATION = "Caught StopIteration thrown from user's code; failing the task"


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


def _run_batched(steps: list[tuple[str, Callable, int]], it: Iterator[Any]
                 ) -> Iterator[Iterable[Any]]:
    """Yield the records transformed by every step, as lists of at most ``BATCH``
    records or, when a flatMap is the last step, as its lazy output.

    A flatMap step's output is cut into ``BATCH``-record pieces that each run
    through the later steps, so an element expanding to millions of records
    is never held as one list. Outputs still being cut wait on an explicit
    stack, so neither the call stack nor the generator chain deepens with
    the number of steps.
    """
    pending: list[tuple[int, Iterator[Any]]] = [(0, it)]  # (first step to run, its input)
    while pending:
        start, source = pending[-1]
        batch = list(islice(source, BATCH))
        if not batch:
            pending.pop()
            continue
        batch, flat = _run_until_flat_map(steps, start, batch)
        if flat is None:
            yield batch
        elif flat[0] == len(steps):
            yield flat[1]  # no later step: the caller flattens it as it goes
        else:
            pending.append(flat)


def _run_until_flat_map(steps: list[tuple[str, Callable, int]], start: int, batch: list
                        ) -> tuple[list, tuple[int, Iterator[Any]] | None]:
    """Run ``steps[start:]`` on ``batch`` up to the first flatMap.

    Returns the batch and None when every step ran, else the batch so far and
    (index of the step after the flatMap, the flatMap's lazy output).

    Comprehensions, not ``map``/``filter``: a StopIteration raised by a user
    function would silently end those C iterators (dropping the rest of the
    batch); in a comprehension it propagates and fails the task, as in PySpark.
    """
    try:
        for i in range(start, len(steps)):
            kind, func, _ = steps[i]
            if kind == MAP:
                batch = [func(x) for x in batch]
            elif kind == FILTER:
                batch = [x for x in batch if func(x)]
            else:
                return batch, (i + 1, chain.from_iterable(_calls(func, batch)))
    except StopIteration as exc:
        raise RuntimeError(USER_STOP_ITERATION) from exc
    return batch, None


def _calls(func: Callable, batch: list) -> Iterator[Any]:
    """``func(x)`` for each element, called only when the flattening reaches it."""
    try:
        for x in batch:
            yield func(x)
    except StopIteration as exc:
        raise RuntimeError(USER_STOP_ITERATION) from exc
