"""Null handling and conditionals: coalesce, nvl, nvl2, nullif, if, isnull, isnotnull."""
from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from minispark.sql.builtins.registry import scalar
from minispark.sql.execution.kernels import equal, greater_equal, less_equal
from minispark.sql.types import BooleanType


@scalar("coalesce", ["same"], "same", min_args=1, max_args=None, null_intolerant=False)
def coalesce(*values: Any) -> Any:
    return values[0] if len(values) == 1 else pc.coalesce(*values)


@scalar("nvl", ["same", "same"], "same", null_intolerant=False, aliases=("ifnull",))
def nvl(a: Any, b: Any) -> Any:
    return pc.coalesce(a, b)


@scalar("nvl2", ["any", "same", "same"], "same", null_intolerant=False, always_nullable=True)
def nvl2(test: Any, if_set: Any, if_null: Any) -> Any:
    return pc.if_else(pc.is_valid(test), if_set, if_null)


@scalar("nullif", ["same", "same"], "same", always_nullable=True)
def nullif(a: Any, b: Any) -> Any:
    same = pc.fill_null(equal(a, b), False)
    return pc.if_else(same, pa.scalar(None, a.type), a)


def _render_if(display: str, args: list[str], options: tuple) -> str:
    return f"({display.upper()}({', '.join(args)}))"


@scalar("if", ["boolean", "same", "same"], "same", null_intolerant=False, always_nullable=True,
        render_call=_render_if, aliases=("iff",))
def if_(cond: Any, then: Any, otherwise: Any) -> Any:
    return pc.if_else(pc.fill_null(cond, False), then, otherwise)


def _render_null_test(word: str) -> Any:
    return lambda display, args, options: f"({args[0]} {word})"


@scalar("isnull", ["any"], BooleanType(), never_null=True,
        render_call=_render_null_test("IS NULL"))
def isnull(x: Any) -> Any:
    return pc.is_null(x)


@scalar("isnotnull", ["any"], BooleanType(), never_null=True,
        render_call=_render_null_test("IS NOT NULL"))
def isnotnull(x: Any) -> Any:
    return pc.is_valid(x)


@scalar("between", ["same", "same", "same"], BooleanType())
def between(value: Any, low: Any, high: Any) -> Any:
    return pc.and_kleene(greater_equal(value, low), less_equal(value, high))


@scalar("nullifzero", ["numeric"], "arg0", always_nullable=True)
def nullifzero(a: Any) -> Any:
    return pc.if_else(pc.fill_null(pc.equal(a, 0), False), pa.scalar(None, a.type), a)


@scalar("zeroifnull", ["numeric"], "arg0", null_intolerant=False, never_null=True)
def zeroifnull(a: Any) -> Any:
    return pc.fill_null(a, pa.scalar(0, a.type))
