"""Generators whose rows have several columns: ``inline``, ``stack``, ``json_tuple``.

Each becomes an ``inline`` :class:`Generator` over an array of structs: one output row
per struct, one column per field. ``stack(2, a, b, c)`` is the array
``[{col0: a, col1: b}, {col0: c, col1: NULL}]``; ``json_tuple(j, 'f1', 'f2')`` is
``[{c0: get_json_object(j, '$.f1'), c1: ...}]``.

>>> df = spark.createDataFrame([(1, 2, 3)], ["a", "b", "c"])
>>> df.selectExpr("stack(2, a, b, c)").collect()
[Row(col0=1, col1=2), Row(col0=3, col1=None)]
"""
from __future__ import annotations

import math
from collections.abc import Callable

from minispark.errors import AnalysisException
from minispark.sql.builtins.registry import data_type_mismatch, type_sql
from minispark.sql.plan.expressions import (
    Expression,
    Generator,
    Literal,
    UnresolvedFunction,
)
from minispark.sql.types import ArrayType, StringType, StructType

NAMES = ("inline", "inline_outer", "stack", "json_tuple")

Coerce = Callable[[Expression], Expression]


def resolve(e: UnresolvedFunction, coerce: Coerce) -> Generator:
    """The generator a call of one of :data:`NAMES` stands for (arguments resolved)."""
    name = e.name.lower()
    args = list(e.children)
    if name.startswith("inline"):
        return _inline(e, args, name == "inline_outer")
    if name == "stack":
        rows, prefix = _stack_rows(e, args), "col"
    else:
        rows, prefix = _json_tuple_row(e, args), "c"
    return Generator(_array_of_structs(rows, prefix, coerce), False, False, display=name,
                     inline=True)


def _arity_error(e: UnresolvedFunction, expected: str) -> AnalysisException:
    return AnalysisException(
        "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
        f"The `{e.name.lower()}` requires {expected} parameters but the actual number is "
        f"{len(e.children)}.", {"functionName": f"`{e.name.lower()}`",
                                "expectedNum": expected,
                                "actualNum": str(len(e.children))}, "42605")


def _inline(e: UnresolvedFunction, args: list[Expression], outer: bool) -> Generator:
    if len(args) != 1:
        raise _arity_error(e, "1")
    t = args[0].data_type
    if not (isinstance(t, ArrayType) and isinstance(t.elementType, StructType)):
        raise data_type_mismatch(
            e.sql(), "UNEXPECTED_INPUT_TYPE",
            f'The first parameter requires the "ARRAY<STRUCT>" type, however '
            f'"{args[0].sql()}" has the type {type_sql(t)}.')
    return Generator(args[0], False, outer, display=e.name.lower(), inline=True)


def _stack_rows(e: UnresolvedFunction, args: list[Expression]) -> list[list[Expression]]:
    if len(args) < 2:
        raise _arity_error(e, "> 1")
    count = args[0]
    if not isinstance(count, Literal) or not isinstance(count.value, int) or count.value < 1:
        raise data_type_mismatch(
            e.sql(), "NON_FOLDABLE_INPUT",
            'the input `n` should be a foldable "INT" expression; however, got '
            f'"{count.sql()}".')
    values = args[1:]
    n = count.value
    width = math.ceil(len(values) / n)
    padded = values + [Literal(None, values[0].data_type)] * (n * width - len(values))
    return [padded[r * width:(r + 1) * width] for r in range(n)]


def _json_tuple_row(e: UnresolvedFunction, args: list[Expression]) -> list[list[Expression]]:
    if len(args) < 2:
        raise _arity_error(e, "> 1")
    fields = args[1:]
    if not all(isinstance(f, Literal) and isinstance(f.value, str) for f in fields):
        raise data_type_mismatch(e.sql(), "NON_STRING_TYPE",
                                 "all arguments of the function `json_tuple` should be "
                                 "string literals.")
    return [[UnresolvedFunction("get_json_object", [args[0], Literal(f"$.{f.value}",
                                                                     StringType())])
             for f in fields]]


def _array_of_structs(rows: list[list[Expression]], prefix: str, coerce: Coerce
                      ) -> Expression:
    """``array(named_struct(col0, ...), ...)`` resolved (its parts already are)."""
    structs = []
    for row in rows:
        parts: list[Expression] = []
        for i, value in enumerate(row):
            if isinstance(value, UnresolvedFunction):
                value = coerce(value)
            parts += [Literal(f"{prefix}{i}", StringType()), value]
        structs.append(coerce(UnresolvedFunction("named_struct", parts)))
    return coerce(UnresolvedFunction("array", structs))
