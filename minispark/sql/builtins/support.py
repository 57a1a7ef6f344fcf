"""Helpers the built-in kernels share: literal arguments, row-wise fallbacks, type rules."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import pyarrow as pa

from minispark.sql.execution.kernels import length_of, to_array
from minispark.sql.types import DataType, to_arrow_type


def literal(value: Any) -> Any:
    """The Python value of a scalar argument, or ``Ellipsis`` when it varies per row."""
    if isinstance(value, pa.Scalar):
        return value.as_py()
    return Ellipsis


def rowwise(func: Callable[..., Any], out_type: pa.DataType, *args: Any,
            nulls: bool = True) -> Any:
    """Apply ``func`` to Python values row by row (for functions Arrow has no kernel for).

    With ``nulls`` a null argument makes the result null without calling ``func``.
    """
    n = length_of(*args)
    rows = 1 if n is None else n
    columns = [[a.as_py()] * rows if isinstance(a, pa.Scalar) else to_array(a, rows).to_pylist()
               for a in args]
    out = []
    for values in zip(*columns):
        if nulls and any(v is None for v in values):
            out.append(None)
        else:
            out.append(func(*values))
    array = pa.array(out, out_type)
    return array[0] if n is None else array


def arrow_type_of(data_type: DataType) -> pa.DataType:
    return to_arrow_type(data_type)


def first_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return arg_types[0]


def levenshtein(a: str, b: str) -> int:
    """The edit distance of two strings (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
