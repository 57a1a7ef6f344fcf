"""``rdd.histogram``: bucket boundaries from a count or a list, then counts per bucket."""
from __future__ import annotations

import bisect
import math
from typing import Any, Sequence


def _is_number_like(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def histogram(rdd: Any, buckets: int | Sequence[Any]) -> tuple[list, list[int]]:
    """Bucket boundaries and the count of elements in each bucket.

    All buckets are half-open ``[lo, hi)`` except the last, which includes
    its upper boundary; None and NaN are ignored, as are values outside.
    """
    if isinstance(buckets, bool) or not isinstance(buckets, (int, list, tuple)):
        raise TypeError("buckets should be a list or tuple or number(int or long)")
    if isinstance(buckets, int):
        bounds, evenly = _even_bounds(rdd.filter(_is_number_like), buckets)
        if len(bounds) == 2 and evenly is None:
            return bounds, [rdd.filter(_is_number_like).count()]
    else:
        bounds, evenly = _check_bounds(list(buckets)), None
        evenly = _even_step(bounds)
    lo, hi = bounds[0], bounds[-1]

    def count(it: Any) -> list[list[int]]:
        counts = [0] * len(bounds)
        for x in it:
            if not _is_number_like(x) or x < lo or x > hi:
                continue
            index = int((x - lo) / evenly) if evenly else bisect.bisect_right(bounds, x) - 1
            counts[index] += 1
        last = counts.pop()
        counts[-1] += last  # the last bucket is closed on the right
        return [counts]

    totals = rdd.mapPartitions(count).reduce(lambda a, b: [x + y for x, y in zip(a, b)])
    return (buckets if isinstance(buckets, (list, tuple)) else bounds), totals


def _even_bounds(numbers: Any, n: int) -> tuple[list, float | None]:
    if n < 1:
        raise ValueError("number of buckets must be >= 1")
    try:
        lo, hi = numbers.map(lambda x: (x, x)).reduce(
            lambda a, b: (min(a[0], b[0]), max(a[1], b[1])))
    except ValueError as exc:
        if "empty" in str(exc):
            raise ValueError("can not generate buckets from empty RDD") from None
        raise
    if lo == hi or n == 1:
        return [lo, hi], None
    try:
        step = (hi - lo) / n
    except TypeError:
        raise TypeError("Can not generate buckets with non-number in RDD") from None
    if math.isinf(step):
        raise ValueError("Can not generate buckets with infinite value")
    whole = int(step)
    step = whole if whole * n == hi - lo else (hi - lo) * 1.0 / n
    return [i * step + lo for i in range(n)] + [hi], step


def _check_bounds(bounds: list) -> list:
    if len(bounds) < 2:
        raise ValueError("buckets should have more than one value")
    if any(not _is_number_like(b) for b in bounds):
        raise ValueError("can not have None or NaN in buckets")
    if sorted(bounds) != bounds:
        raise ValueError("buckets should be sorted")
    if len(set(bounds)) != len(bounds):
        raise ValueError("buckets should not contain duplicated values")
    return bounds


def _even_step(bounds: list) -> float | None:
    try:
        steps = [b - a for a, b in zip(bounds, bounds[1:])]
    except TypeError:
        return None  # boundaries without "-" (e.g. strings) are searched, not computed
    if max(steps) - min(steps) < 1e-10:
        return (bounds[-1] - bounds[0]) / (len(bounds) - 1)
    return None
