"""Accumulators: add-only shared variables, merged on the driver (pyspark.accumulators).

A task gets its own copy of each accumulator its closure references, starting
from zero; the copy's value travels back with the task's result and the
driver merges it once per successful task (once per partition for actions).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Generic, Iterator, TypeVar

T = TypeVar("T")


class AccumulatorParam(Generic[T]):
    """How to build a zero value and add two values of a custom type.

    >>> class ListParam(AccumulatorParam):
    ...     def zero(self, value): return []
    ...     def addInPlace(self, a, b): return a + b
    >>> ListParam().addInPlace([1], [2])
    [1, 2]
    """

    def zero(self, value: T) -> T:
        """A "zero" of the same shape as ``value``."""
        raise NotImplementedError

    def addInPlace(self, value1: T, value2: T) -> T:
        """Add ``value2`` to ``value1``; may modify and return ``value1``."""
        raise NotImplementedError


class AddingAccumulatorParam(AccumulatorParam[T]):
    """Numbers (and anything with ``+``) starting from a given zero."""

    def __init__(self, zero_value: T) -> None:
        self.zero_value = zero_value

    def zero(self, value: T) -> T:
        return self.zero_value

    def addInPlace(self, value1: T, value2: T) -> T:
        value1 += value2  # type: ignore[operator]
        return value1


INT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0)
FLOAT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0)
COMPLEX_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0j)

_capture = threading.local()


class Accumulator(Generic[T]):
    """A variable tasks can only add to; the driver reads ``value``.

    >>> acc = Accumulator(0, 10, INT_ACCUMULATOR_PARAM)
    >>> acc += 5
    >>> acc.value
    15
    """

    def __init__(self, aid: int, value: T, accum_param: AccumulatorParam[T]) -> None:
        self.aid = aid
        self._value = value
        self.accum_param = accum_param
        self._in_task = False

    @property
    def value(self) -> T:
        """The merged value; reading or setting it inside a task raises, as in PySpark.

        >>> acc = sc.accumulator(0)
        >>> sc.parallelize([1]).map(lambda x: acc.value).collect()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        minispark.common.errors.SparkException: ...
        """
        if self._in_task:
            raise _not_accessible()
        return self._value

    @value.setter
    def value(self, value: T) -> None:
        if self._in_task:
            raise _not_accessible()
        self._value = value

    def add(self, term: T) -> None:
        """Add ``term`` to this accumulator's value."""
        self._value = self.accum_param.addInPlace(self._value, term)

    def __iadd__(self, term: T) -> "Accumulator[T]":
        self.add(term)
        return self

    def _reset_for_task(self) -> None:
        self._value = self.accum_param.zero(self._zero_seed)

    def __reduce__(self):
        return (_task_copy, (self.aid, self.accum_param.zero(self._value), self.accum_param))

    def __str__(self) -> str:
        return str(self._value)

    def __repr__(self) -> str:
        return f"Accumulator<id={self.aid}, value={self._value}>"


def _not_accessible() -> RuntimeError:
    """PySpark's error (class ``VALUE_NOT_ACCESSIBLE``) for ``.value`` used in a task."""
    return RuntimeError("[VALUE_NOT_ACCESSIBLE] Value `Accumulator.value` cannot be accessed "
                        "inside tasks.")


def _task_copy(aid: int, zero: Any, accum_param: AccumulatorParam) -> Accumulator:
    """Unpickling an accumulator always makes a task-side copy starting at zero."""
    acc: Accumulator = Accumulator(aid, zero, accum_param)
    acc._in_task = True
    acc._zero_seed = zero
    captured = getattr(_capture, "found", None)
    if captured is not None:
        captured.append(acc)
    return acc


@contextmanager
def capture_task_accumulators() -> Iterator[list[Accumulator]]:
    """Collect the task-side accumulators created while unpickling a closure."""
    previous = getattr(_capture, "found", None)
    _capture.found = found = []
    try:
        yield found
    finally:
        _capture.found = previous
