"""``Window`` and ``WindowSpec``: how rows are partitioned, ordered and framed for ``over``.

>>> from minispark.sql import functions as F
>>> df = spark.createDataFrame([("a", 1), ("a", 2), ("b", 5)], ["k", "v"])
>>> w = Window.partitionBy("k").orderBy("v")
>>> df.select("k", "v", F.row_number().over(w).alias("n")).orderBy("k", "v").collect()
[Row(k='a', v=1, n=1), Row(k='a', v=2, n=2), Row(k='b', v=5, n=1)]
"""
from __future__ import annotations

from typing import Any

from minispark.sql.column import _column_arg
from minispark.sql.plan import expressions as E


def _flatten(cols: tuple) -> list:
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        return list(cols[0])
    return list(cols)


class WindowSpec:
    """A window's partitioning, ordering and frame; build one with :class:`Window`."""

    def __init__(self, partition: list[E.Expression] | None = None,
                 order: list[E.SortOrder] | None = None,
                 frame: E.WindowFrame | None = None) -> None:
        self._partition = list(partition or [])
        self._order = list(order or [])
        self._frame = frame

    def partitionBy(self, *cols: Any) -> "WindowSpec":
        """Rows with equal values of ``cols`` form one window partition."""
        return WindowSpec([_column_arg(c) for c in _flatten(cols)], self._order, self._frame)

    def orderBy(self, *cols: Any) -> "WindowSpec":
        """The order of rows within each partition."""
        orders = []
        for c in _flatten(cols):
            expr = _column_arg(c)
            orders.append(expr if isinstance(expr, E.SortOrder) else E.SortOrder(expr))
        return WindowSpec(self._partition, orders, self._frame)

    def rowsBetween(self, start: int, end: int) -> "WindowSpec":
        """A frame of rows from ``start`` to ``end`` relative to the current row."""
        return WindowSpec(self._partition, self._order, E.WindowFrame("rows", _bound(start),
                                                                      _bound(end)))

    def rangeBetween(self, start: int, end: int) -> "WindowSpec":
        """A frame of rows whose order value is within ``start``..``end`` of the current."""
        return WindowSpec(self._partition, self._order, E.WindowFrame("range", _bound(start),
                                                                      _bound(end)))


def _bound(value: int) -> int:
    if value <= Window._PRECEDING_THRESHOLD:
        return E.UNBOUNDED_PRECEDING
    if value >= Window._FOLLOWING_THRESHOLD:
        return E.UNBOUNDED_FOLLOWING
    return int(value)


class Window:
    """Entry points for window specifications (``Window.partitionBy("k").orderBy("v")``)."""

    unboundedPreceding: int = E.UNBOUNDED_PRECEDING
    unboundedFollowing: int = E.UNBOUNDED_FOLLOWING
    currentRow: int = E.CURRENT_ROW
    # Values this far out mean "unbounded", as in PySpark.
    _PRECEDING_THRESHOLD = -(1 << 63) + 1
    _FOLLOWING_THRESHOLD = (1 << 63) - 2

    @staticmethod
    def partitionBy(*cols: Any) -> WindowSpec:
        return WindowSpec().partitionBy(*cols)

    @staticmethod
    def orderBy(*cols: Any) -> WindowSpec:
        return WindowSpec().orderBy(*cols)

    @staticmethod
    def rowsBetween(start: int, end: int) -> WindowSpec:
        return WindowSpec().rowsBetween(start, end)

    @staticmethod
    def rangeBetween(start: int, end: int) -> WindowSpec:
        return WindowSpec().rangeBetween(start, end)
