"""Arrays, maps and structs: array, struct, named_struct, create_map, size, element_at..."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pyarrow as pa

from minispark.errors import ArrayIndexOutOfBoundsException
from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import first_type, rowwise
from minispark.sql.execution.kernels import length_of, list_lengths, to_array
from minispark.sql.plan.expressions import (
    Alias, AttributeReference, Expression, GetStructField, Literal,
)
from minispark.sql.plan.typecoercion import common_type
from minispark.sql.types import (
    ArrayType, BooleanType, DataType, IntegerType, LongType, MapType, NullType, StringType,
    StructField, StructType,
)


def _interleave(columns: Sequence[pa.Array], n: int) -> pa.Array:
    """Row-major values of ``columns``: row 0's values, then row 1's, ..."""
    k = len(columns)
    stacked = pa.concat_arrays(columns)
    order = (np.arange(n)[:, None] + np.arange(k)[None, :] * n).ravel()
    return stacked.take(pa.array(order))


def _rows(values: Sequence[Any]) -> tuple[list[pa.Array], int | None]:
    n = length_of(*values)
    return [to_array(v, 1 if n is None else n) for v in values], n


def _array_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return ArrayType(common_type(arg_types) or NullType(), True)


@scalar("array", ["same"], _array_type, min_args=0, max_args=None, null_intolerant=False,
        never_null=True)
def array(*values: Any) -> Any:
    columns, n = _rows(values)
    count = 1 if n is None else n
    if not columns:
        out = pa.array([[]] * count, pa.list_(pa.null()))
    else:
        offsets = pa.array(np.arange(0, count * len(columns) + 1, len(columns), dtype=np.int32))
        out = pa.ListArray.from_arrays(offsets, _interleave(columns, count))
    return out[0] if n is None else out


def _field_name(expr: Expression, index: int) -> str:
    if isinstance(expr, (Alias, AttributeReference)):
        return expr.name
    if isinstance(expr, GetStructField):
        return expr.field
    return f"col{index + 1}"


def _struct_options(args: list[Expression]) -> tuple:
    return (tuple(_field_name(a, i) for i, a in enumerate(args)),)


def _struct_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return StructType([StructField(name, t, True) for name, t in zip(options[0], arg_types)])


def _build_struct(values: Sequence[Any], names: Sequence[str]) -> Any:
    columns, n = _rows(values)
    out = pa.StructArray.from_arrays(columns, names=list(names))
    return out[0] if n is None else out


@scalar("struct", ["any"], _struct_type, min_args=0, max_args=None, null_intolerant=False,
        never_null=True, options_from_args=_struct_options)
def struct(*values_and_names: Any) -> Any:
    *values, names = values_and_names
    return _build_struct(values, names)


def _named_struct_options(args: list[Expression]) -> tuple:
    names = []
    for key in args[0::2]:
        if not isinstance(key, Literal) or not isinstance(key.value, str):
            from minispark.errors import AnalysisException
            raise AnalysisException("DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING",
                                    "Only foldable `STRING` expressions are allowed to appear at "
                                    "odd position.", {}, "42K09")
        names.append(key.value)
    return (tuple(names),)


def _named_struct_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return _struct_type(arg_types[1::2], options)


@scalar("named_struct", ["any"], _named_struct_type, min_args=2, max_args=None,
        null_intolerant=False, never_null=True, options_from_args=_named_struct_options)
def named_struct(*values_and_names: Any) -> Any:
    *values, names = values_and_names
    return _build_struct(values[1::2], names)


def _map_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    keys = common_type(arg_types[0::2]) or NullType()
    values = common_type(arg_types[1::2]) or NullType()
    return MapType(keys, values, True)


def _coerce_map(args: list[Expression]) -> list[Expression]:
    from minispark.sql.plan.expressions import Cast

    keys = common_type([a.data_type for a in args[0::2]])
    values = common_type([a.data_type for a in args[1::2]])
    out = []
    for i, a in enumerate(args):
        target = keys if i % 2 == 0 else values
        out.append(a if target is None or a.data_type == target else
                   Cast(a, target, implicit=True))
    return out


@scalar("map", ["any"], _map_type, min_args=0, max_args=None, null_intolerant=False,
        never_null=True, aliases=("create_map",), coerce_args=_coerce_map)
def create_map(*values: Any) -> Any:
    columns, n = _rows(values)
    count = 1 if n is None else n
    pairs = len(columns) // 2
    offsets = pa.array(np.arange(0, count * pairs + 1, max(pairs, 1), dtype=np.int32)
                       if pairs else np.zeros(count + 1, dtype=np.int32))
    keys = _interleave(columns[0::2], count) if pairs else pa.array([], pa.null())
    items = _interleave(columns[1::2], count) if pairs else pa.array([], pa.null())
    out = pa.MapArray.from_arrays(offsets, keys, items)
    return out[0] if n is None else out


@scalar("size", ["any"], IntegerType(), aliases=("cardinality",))
def size(values: Any) -> Any:
    if isinstance(values, pa.Scalar):
        return pa.scalar(None if not values.is_valid else len(values.as_py()), pa.int32())
    return list_lengths(values)


def _contains(items: list, value: Any) -> Any:
    if value in items:
        return True
    return None if any(i is None for i in items) else False


@scalar("array_contains", ["array", "any"], BooleanType(), always_nullable=True)
def array_contains(values: Any, value: Any) -> Any:
    return rowwise(_contains, pa.bool_(), values, value)


def _element_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    container = arg_types[0]
    return container.elementType if isinstance(container, ArrayType) else container.valueType


def _element_at(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    if isinstance(container, list) and container and isinstance(container[0], tuple):
        return dict(container).get(key)
    if key == 0:
        raise ArrayIndexOutOfBoundsException(
            "INVALID_INDEX_OF_ZERO", "The index 0 is invalid. An index shall be either < 0 or "
            "> 0 (the first element has index 1).", {}, "22003")
    if abs(key) > len(container):
        raise ArrayIndexOutOfBoundsException(
            "INVALID_ARRAY_INDEX_IN_ELEMENT_AT",
            f"The index {key} is out of bounds. The array has {len(container)} elements. Use "
            "`try_element_at` to tolerate accessing element at invalid index and return NULL "
            'instead. If necessary set "spark.sql.ansi.enabled" to "false" to bypass this '
            "error.", {"indexValue": str(key), "arraySize": str(len(container))}, "22003")
    return container[key - 1] if key > 0 else container[key]


@scalar("element_at", ["any", "any"], _element_type, always_nullable=True)
def element_at(container: Any, key: Any) -> Any:
    out_type = container.type.value_type if pa.types.is_list(container.type) else \
        container.type.item_type
    return rowwise(_element_at, out_type, container, key)


def _typeof_options(args: list[Expression]) -> tuple:
    return (args[0].data_type.simpleString(),)


@scalar("typeof", ["any"], StringType(), null_intolerant=False, never_null=True,
        options_from_args=_typeof_options)
def typeof(value: Any, name: str) -> Any:
    return pa.scalar(name, pa.string())


def _sorted_values(values: list, ascending: bool) -> list:
    import math

    present = [v for v in values if v is not None]
    nulls = [None] * (len(values) - len(present))
    present.sort(key=lambda v: (isinstance(v, float) and math.isnan(v), v),
                 reverse=not ascending)
    return nulls + present if ascending else present + nulls


@scalar("sort_array", ["array", "boolean"], first_type, min_args=1)
def sort_array(values: Any, ascending: Any = None) -> Any:
    order = pa.scalar(True) if ascending is None else ascending
    return rowwise(_sorted_values, values.type, values, order)


@scalar("array_sort", ["array"], first_type)
def array_sort(values: Any) -> Any:
    def run(items: list) -> list:
        ordered = _sorted_values(items, True)
        nulls = [v for v in ordered if v is None]
        return [v for v in ordered if v is not None] + nulls
    return rowwise(run, values.type, values)


@scalar("array_distinct", ["array"], first_type)
def array_distinct(values: Any) -> Any:
    return rowwise(lambda items: list(dict.fromkeys(items)), values.type, values)


def _extreme_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return arg_types[0].elementType  # type: ignore[attr-defined]


@scalar("array_max", ["array"], _extreme_type)
def array_max(values: Any) -> Any:
    present = rowwise(lambda items: max((v for v in items if v is not None), default=None),
                      values.type.value_type, values)
    return present


@scalar("array_min", ["array"], _extreme_type)
def array_min(values: Any) -> Any:
    return rowwise(lambda items: min((v for v in items if v is not None), default=None),
                   values.type.value_type, values)


@scalar("array_join", ["array", "string", "string"], StringType(), min_args=2)
def array_join(values: Any, sep: Any, null_replacement: Any = None) -> Any:
    def join(items: list, delimiter: str, replacement: Any = None) -> str:
        texts = [str(v) if v is not None else replacement for v in items]
        return delimiter.join(t for t in texts if t is not None)
    if null_replacement is None:
        return rowwise(join, pa.string(), values, sep)
    return rowwise(join, pa.string(), values, sep, null_replacement)


@scalar("array_position", ["array", "any"], LongType())
def array_position(values: Any, value: Any) -> Any:
    return rowwise(lambda items, v: items.index(v) + 1 if v in items else 0, pa.int64(),
                   values, value)


@scalar("array_remove", ["array", "any"], first_type)
def array_remove(values: Any, value: Any) -> Any:
    return rowwise(lambda items, v: [x for x in items if x != v], values.type, values, value)


@scalar("slice", ["array", "int", "int"], first_type)
def slice_(values: Any, start: Any, length: Any) -> Any:
    def cut(items: list, s: int, n: int) -> list:
        begin = s - 1 if s > 0 else len(items) + s
        return items[max(begin, 0):max(begin, 0) + n] if begin >= 0 or s < 0 else []
    return rowwise(cut, values.type, values, start, length)


def _flatten_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return arg_types[0].elementType  # type: ignore[attr-defined]


@scalar("flatten", ["array"], _flatten_type)
def flatten(values: Any) -> Any:
    return rowwise(lambda items: None if any(i is None for i in items) else
                   [x for inner in items for x in inner], values.type.value_type, values)


@scalar("sequence", ["long", "long", "long"], ArrayType(LongType(), False), min_args=2)
def sequence(start: Any, stop: Any, step: Any = None) -> Any:
    def build(a: int, b: int, s: Any = None) -> list:
        s = s if s is not None else (1 if b >= a else -1)
        return list(range(a, b + (1 if s > 0 else -1), s))
    if step is None:
        return rowwise(build, pa.list_(pa.int64()), start, stop)
    return rowwise(build, pa.list_(pa.int64()), start, stop, step)


@scalar("arrays_overlap", ["array", "array"], BooleanType(), always_nullable=True)
def arrays_overlap(a: Any, b: Any) -> Any:
    def overlap(x: list, y: list) -> Any:
        if set(v for v in x if v is not None) & set(v for v in y if v is not None):
            return True
        return None if (None in x or None in y) and x and y else False
    return rowwise(overlap, pa.bool_(), a, b)


@scalar("map_keys", ["map"], lambda t, o: ArrayType(t[0].keyType, False))
def map_keys(values: Any) -> Any:
    return rowwise(lambda pairs: [k for k, _ in pairs], pa.list_(values.type.key_type), values)


@scalar("map_values", ["map"], lambda t, o: ArrayType(t[0].valueType, True))
def map_values(values: Any) -> Any:
    return rowwise(lambda pairs: [v for _, v in pairs], pa.list_(values.type.item_type), values)
