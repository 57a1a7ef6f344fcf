"""ResultIterable: the grouped values of groupByKey and cogroup (pyspark.resultiterable)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Iterator, TypeVar

T = TypeVar("T")


class ResultIterable(Iterable, Generic[T]):
    """A re-iterable collection of values with a length.

    >>> r = ResultIterable([1, 2, 3])
    >>> len(r), list(r), sum(r)
    (3, [1, 2, 3], 6)
    """

    def __init__(self, data: list[T]) -> None:
        self.data = data
        self.index = None
        self.maxindex = len(data)

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"ResultIterable({self.data!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResultIterable) and self.data == other.data

    __hash__ = None  # type: ignore[assignment]
