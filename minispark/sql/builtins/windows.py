"""Ranking and offset window functions: row_number, rank, dense_rank, percent_rank,
cume_dist, ntile, lag, lead. Their values are computed by the window operator; the
registry holds their argument rules, result types and the frames Spark names them with.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from minispark.sql.builtins.registry import FunctionSpec, register
from minispark.sql.plan.expressions import (
    CURRENT_ROW, UNBOUNDED_PRECEDING, Cast, Expression, Literal, WindowFrame,
)
from minispark.sql.types import DataType, DoubleType, IntegerType, NullType


@dataclass
class WindowFunctionSpec(FunctionSpec):
    """A function that only exists over a window (``rank() OVER (...)``)."""

    def frame(self, options: tuple) -> WindowFrame:
        if self.name == "cume_dist":
            return WindowFrame("range", UNBOUNDED_PRECEDING, CURRENT_ROW)
        if self.name in ("lag", "lead"):
            offset = options[0] if self.name == "lead" else -options[0]
            return WindowFrame("rows", offset, offset)
        return WindowFrame("rows", UNBOUNDED_PRECEDING, CURRENT_ROW)


def _ranking(name: str, result: DataType, pretty: str | None = None) -> None:
    register(WindowFunctionSpec(name=name, inputs=[], result=result, min_args=0, max_args=0,
                                pretty=pretty))


_ranking("row_number", IntegerType())
_ranking("rank", IntegerType(), "RANK")
_ranking("dense_rank", IntegerType(), "DENSE_RANK")
_ranking("percent_rank", DoubleType(), "PERCENT_RANK")
_ranking("cume_dist", DoubleType())


def _ntile_options(args: list[Expression]) -> tuple:
    bucket = args[0]
    if not isinstance(bucket, Literal) or not isinstance(bucket.value, int) or bucket.value <= 0:
        from minispark.sql.builtins.registry import data_type_mismatch

        raise data_type_mismatch("ntile", "VALUE_OUT_OF_RANGE",
                                 "The `buckets` must be a positive integer constant.")
    return (bucket.value,)


register(WindowFunctionSpec(name="ntile", inputs=["int"], result=IntegerType(), min_args=1,
                            max_args=1, options_from_args=_ntile_options))


def _offset_args(args: list[Expression]) -> list[Expression]:
    """``lag(x)`` as ``lag(x, 1, NULL)``, the default cast to the value's type."""
    value = args[0]
    offset = args[1] if len(args) > 1 else Literal(1, IntegerType())
    default = args[2] if len(args) > 2 else Literal(None, NullType())
    if not isinstance(offset, Literal) or not isinstance(offset.value, int):
        from minispark.sql.builtins.registry import data_type_mismatch

        raise data_type_mismatch("lag", "NON_FOLDABLE_INPUT",
                                 "the input `offset` should be a foldable integer expression.")
    if default.data_type != value.data_type:
        default = Cast(default, value.data_type, implicit=True)
    return [value, offset, default]


def _offset_options(args: list[Expression]) -> tuple:
    return (args[1].value,)  # type: ignore[attr-defined]


def _value_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return arg_types[0]


def _render_offset(display: str, args: list[str], options: tuple) -> str:
    return f"{display}({', '.join(args)})"


for _name in ("lag", "lead"):
    register(WindowFunctionSpec(name=_name, inputs=["any", "int", "any"], result=_value_type,
                                min_args=1, max_args=3, coerce_args=_offset_args,
                                options_from_args=_offset_options,
                                render_call=_render_offset))
