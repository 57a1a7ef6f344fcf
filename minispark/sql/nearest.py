"""Joins that keep the best matches of each left row: ``nearestByJoin`` and ``_joinAsOf``.

Both number the left rows, join them with their candidate right rows, rank the
candidates of each left row with a window and keep the first ``k``.

>>> left = spark.createDataFrame([(1, "a"), (5, "b")], ["t", "l"])
>>> right = spark.createDataFrame([(0, 10), (4, 40), (9, 90)], ["t", "r"])
>>> left._joinAsOf(right, "t", "t").select("l", "r").sort("l").collect()
[Row(l='a', r=10), Row(l='b', r=40)]
"""
from __future__ import annotations

from typing import Any

from minispark.errors import PySparkValueError
from minispark.sql import functions as F
from minispark.sql.column import Column
from minispark.sql.window import Window

_ROW = "__left_row"
_RANK = "__match_rank"


def _best(left: Any, other: Any, condition: Any, how: str, order: list[Column], k: int
          ) -> Any:
    """Each left row joined with its ``k`` first candidates in ``order`` (all left rows kept
    with nulls when ``how`` is ``left``)."""
    numbered = left.withColumn(_ROW, F.monotonically_increasing_id())
    joined = numbered.join(other, condition, "left" if how == "left" else "inner")
    ranked = joined.withColumn(_RANK, F.row_number().over(
        Window.partitionBy(_ROW).orderBy(*order)))
    return ranked.filter(F.col(_RANK) <= k).drop(_ROW, _RANK)


def _column(df: Any, col: Any) -> Column:
    return df[col] if isinstance(col, str) else col


def nearest_by_join(left: Any, other: Any, ranking: Column, k: int, mode: str,
                    direction: str, how: str) -> Any:
    """Up to ``k`` right rows per left row, by ``ranking`` (smallest first for
    ``distance``, largest for ``similarity``)."""
    if not isinstance(k, int) or not 1 <= k <= 100000:
        raise PySparkValueError("VALUE_OUT_OF_BOUNDS", "numResults must be between 1 and "
                                f"100000, got {k}.", {})
    if mode not in ("approx", "exact"):
        raise PySparkValueError("VALUE_NOT_ALLOWED", f"mode must be 'approx' or 'exact', got "
                                f"'{mode}'.", {})
    if direction not in ("distance", "similarity"):
        raise PySparkValueError("VALUE_NOT_ALLOWED", "direction must be 'distance' or "
                                f"'similarity', got '{direction}'.", {})
    kind = how.lower().replace("_", "")
    if kind not in ("inner", "leftouter", "left"):
        raise PySparkValueError("VALUE_NOT_ALLOWED", f"joinType must be 'inner' or "
                                f"'leftouter', got '{how}'.", {})
    order = ranking.asc_nulls_last() if direction == "distance" else ranking.desc_nulls_last()
    return _best(left, other, F.lit(True), "left" if kind != "inner" else "inner", [order], k)


def join_as_of(left: Any, other: Any, left_key: Any, right_key: Any, on: Any, how: str | None,
               tolerance: Column | None, allow_exact: bool, direction: str) -> Any:
    """Each left row with the right row whose key is nearest before (``backward``), after
    (``forward``) or either side of (``nearest``) its own, among rows equal ``on``."""
    how = (how or "inner").lower()
    if how not in ("inner", "left", "leftouter", "left_outer"):
        raise PySparkValueError("VALUE_NOT_ALLOWED", f"how must be 'inner' or 'left', got "
                                f"'{how}'.", {})
    if direction not in ("backward", "forward", "nearest"):
        raise PySparkValueError("VALUE_NOT_ALLOWED", "direction must be 'backward', "
                                f"'forward' or 'nearest', got '{direction}'.", {})
    lkey, rkey = _column(left, left_key), _column(other, right_key)
    parts = [_on(left, other, c) for c in _list(on)]
    if direction == "backward":
        parts.append(rkey <= lkey if allow_exact else rkey < lkey)
        order = rkey.desc()
    elif direction == "forward":
        parts.append(rkey >= lkey if allow_exact else rkey > lkey)
        order = rkey.asc()
    else:
        if not allow_exact:
            parts.append(rkey != lkey)
        order = F.abs(lkey - rkey).asc()
    if tolerance is not None:
        parts.append(F.abs(lkey - rkey) <= tolerance)
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return _best(left, other, condition, "left" if how != "inner" else "inner", [order], 1)


def _list(on: Any) -> list:
    if on is None:
        return []
    return list(on) if isinstance(on, (list, tuple)) else [on]


def _on(left: Any, other: Any, c: Any) -> Column:
    """One ``on`` item: a column name both sides have (equal there), or a condition."""
    return left[c] == other[c] if isinstance(c, str) else c
