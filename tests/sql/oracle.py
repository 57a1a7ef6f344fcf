"""DuckDB as an independent engine to check DataFrame and SQL results against.

Rows from both sides are normalised (NaN and None made comparable, decimals
as floats) and compared as sorted lists unless the order itself is what a
test checks; floats match within a relative 1e-7.
"""
from __future__ import annotations

import decimal
import math
from typing import Any, Iterable, Sequence

import duckdb
import pyarrow as pa


def _value(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return ("nan",)
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (list, tuple)):
        return tuple(_value(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((_value(k), _value(x)) for k, x in v.items()))
    return v


def normal(rows: Iterable[Sequence[Any]]) -> list[tuple]:
    """Rows as comparable tuples."""
    return [tuple(_value(v) for v in row) for row in rows]


def _key(row: tuple) -> tuple:
    # Floats sort by a coarse form, so rounding noise does not reorder rows
    # (+ 0.0: -0.0 equals 0.0 and must sort with it).
    return tuple((v is None, str(type(v)), f"{v + 0.0:.4g}" if isinstance(v, float) else str(v))
                 for v in row)


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, (float, int)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9)
    if isinstance(b, float) and isinstance(a, int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def same_rows(actual: Iterable[Sequence[Any]], expected: Iterable[Sequence[Any]],
              ordered: bool = False) -> None:
    """Assert both hold the same rows (in the same order if ``ordered``), floats within
    a relative 1e-7 (independent engines round differently)."""
    a, e = normal(actual), normal(expected)
    if not ordered:
        a, e = sorted(a, key=_key), sorted(e, key=_key)
    assert len(a) == len(e) and all(_close(x, y) for x, y in zip(a, e)), \
        f"\nactual:   {a[:20]}\nexpected: {e[:20]}"


def duck(sql: str, **tables: Any) -> list[tuple]:
    """The rows of ``sql`` run by DuckDB over the given tables (pyarrow or pandas)."""
    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        return [tuple(r) for r in con.execute(sql).fetchall()]
    finally:
        con.close()


def arrow_table(rows: Sequence[Sequence[Any]], names: Sequence[str],
                types: Sequence[pa.DataType]) -> pa.Table:
    """Rows as an Arrow table (the same data handed to both engines)."""
    columns = list(zip(*rows)) if rows else [[] for _ in names]
    return pa.table({n: pa.array(list(c), t) for n, c, t in zip(names, columns, types)})

