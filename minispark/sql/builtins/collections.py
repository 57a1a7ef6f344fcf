"""Arrays, maps and structs: array, struct, named_struct, create_map, size, element_at..."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def _columnar(kernel: Any) -> Any:
    """``kernel`` of whole arrays called with arrays only: scalar arguments are repeated to
    the batch's length, and a call on scalars alone returns a scalar."""
    import functools

    @functools.wraps(kernel)
    def call(*args: Any) -> Any:
        values = [a for a in args if isinstance(a, (pa.Array, pa.Scalar))]
        n = length_of(*values)
        rows = 1 if n is None else n
        out = kernel(*[to_array(a, rows) if isinstance(a, (pa.Array, pa.Scalar)) else a
                       for a in args])
        return out[0] if n is None else out
    return call


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
    return (tuple(_field_name(a, i) for i, a in enumerate(args)),
            tuple(a.nullable for a in args))


def _struct_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return StructType([StructField(name, t, nullable) for name, t, nullable in
                       zip(options[0], arg_types, options[1])])


def _build_struct(values: Sequence[Any], names: Sequence[str]) -> Any:
    columns, n = _rows(values)
    out = pa.StructArray.from_arrays(columns, names=list(names))
    return out[0] if n is None else out


@scalar("struct", ["any"], _struct_type, min_args=0, max_args=None, null_intolerant=False,
        never_null=True, options_from_args=_struct_options)
def struct(*values_and_names: Any) -> Any:
    *values, names, _ = values_and_names
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
    return (tuple(names), tuple(a.nullable for a in args[1::2]))


def _named_struct_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return _struct_type(arg_types[1::2], options)


@scalar("named_struct", ["any"], _named_struct_type, min_args=2, max_args=None,
        null_intolerant=False, never_null=True, options_from_args=_named_struct_options)
def named_struct(*values_and_names: Any) -> Any:
    *values, names, _ = values_and_names
    return _build_struct(values[1::2], names)


def _dedup_policy(args: list[Expression]) -> tuple:
    """The session's ``spark.sql.mapKeyDedupPolicy``, read at analysis."""
    from minispark.sql.session import SparkSession

    session = SparkSession.getActiveSession()
    policy = session.conf.get("spark.sql.mapKeyDedupPolicy", "EXCEPTION") if session else None
    return (str(policy or "EXCEPTION").upper(),)


def _dedup(pairs: list, policy: str) -> list:
    """Map entries with each key once: the last wins, or an error (Spark's default)."""
    merged: dict = {}
    for key, value in pairs:
        seen = _hashable(key)
        if key is None:
            from minispark.errors import SparkRuntimeException

            raise SparkRuntimeException("NULL_MAP_KEY", "Cannot use null as map key.", {},
                                        "2200E")
        if seen in merged and policy != "LAST_WIN":
            from minispark.errors import SparkRuntimeException

            raise SparkRuntimeException(
                "DUPLICATED_MAP_KEY",
                f"Duplicate map key {key} was found, please check the input data. If you want "
                'to remove the duplicated keys, you can set "spark.sql.mapKeyDedupPolicy" to '
                '"LAST_WIN" so that the key inserted at last takes precedence.',
                {"key": str(key), "mapKeyDedupPolicy": '"spark.sql.mapKeyDedupPolicy"'},
                "23505")
        merged[seen] = (key, value)
    return list(merged.values())


def _hashable(value: Any) -> Any:
    """``value`` usable as a dict key (arrays and structs as tuples)."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


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
        never_null=True, aliases=("create_map",), coerce_args=_coerce_map,
        options_from_args=_dedup_policy)
def create_map(*values_and_policy: Any) -> Any:
    *values, policy = values_and_policy
    out = _build_map(values)
    if len(values) > 2:  # keys may repeat: checked (or the last kept) row by row
        return rowwise(lambda pairs: _dedup(pairs, policy), out.type, out)
    return out


def _build_map(values: Sequence[Any]) -> Any:
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


def _order_key(value: Any) -> Any:
    """A sort key ordering values as Spark does: nulls first, NaN above every number,
    structs field by field, arrays element by element."""
    import math

    if value is None:
        return (0,)
    if isinstance(value, dict):
        return (1, tuple(_order_key(v) for v in value.values()))
    if isinstance(value, list):
        return (1, tuple(_order_key(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return (2,)
    return (1, value)


def _sorted_values(values: list, ascending: bool) -> list:
    present = [v for v in values if v is not None]
    nulls = [None] * (len(values) - len(present))
    present.sort(key=_order_key, reverse=not ascending)
    return nulls + present if ascending else present + nulls


def _sort_array_args(args: list[Expression]) -> list[Expression]:
    """The array and the direction (ascending unless given; Spark names it either way)."""
    from minispark.sql.builtins.registry import implicit_cast

    full = list(args) + [Literal(True, BooleanType())][len(args) - 1:]
    kinds = ("array", "boolean")
    return [implicit_cast(a, k, i, "sort_array") for i, (a, k) in enumerate(zip(full, kinds))]


@scalar("sort_array", ["array", "boolean"], first_type, min_args=1,
        coerce_args=_sort_array_args)
def sort_array(values: Any, ascending: Any) -> Any:
    return rowwise(_sorted_values, values.type, values, ascending)


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


def _void_keys(args: list[Expression]) -> tuple:
    t = args[0].data_type
    return (isinstance(t, MapType) and isinstance(t.keyType, NullType),)


def _map_part(values: pa.Array, field: int, void: bool) -> pa.Array:
    from minispark.sql.builtins.higher_order import build_lists, elements

    el = elements(values)
    if void and field == 0:  # MAP<VOID, VOID> stores placeholder keys (and is empty)
        part = pa.nulls(len(el.values), pa.null())
    elif len(el.values) == 0:
        part = pa.array([], (values.type.key_type, values.type.item_type)[field])
    else:
        part = pc.struct_field(el.values, [field])
    return build_lists(el.lengths, el.valid, part)


@scalar("map_keys", ["map"], lambda t, o: ArrayType(t[0].keyType, False),
        options_from_args=_void_keys)
@_columnar
def map_keys(values: Any, void: bool) -> Any:
    return _map_part(values, 0, void)


@scalar("map_values", ["map"], lambda t, o: ArrayType(t[0].valueType, True),
        options_from_args=_void_keys)
@_columnar
def map_values(values: Any, void: bool) -> Any:
    return _map_part(values, 1, void)


# ---- more array and map functions -----------------------------------------------------------


def _with_element(args: list[Expression]) -> list[Expression]:
    """``(array, value, ...)``: the array and the value cast to the type they meet at."""
    from minispark.sql.plan.expressions import Cast

    array_type, value = args[0].data_type, args[-1]
    element = array_type.elementType if isinstance(array_type, ArrayType) else NullType()
    target = common_type([element, value.data_type]) or element
    out = list(args)
    if isinstance(array_type, ArrayType) and target != element:
        out[0] = Cast(args[0], ArrayType(target, array_type.containsNull), implicit=True)
    if value.data_type != target:
        out[-1] = Cast(value, target, implicit=True)
    return out


def _array_with_value_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return ArrayType(arg_types[0].elementType, True)  # type: ignore[attr-defined]


def _splice(values: pa.Array, extra: Any, at_end: bool) -> pa.Array:
    """Each array with one value added at its start or end (null arrays stay null)."""
    from minispark.sql.builtins.higher_order import build_lists, elements

    el = elements(values)
    n = len(values)
    added = to_array(extra, n)
    lengths = np.where(el.valid, el.lengths + 1, 0)
    parents = np.repeat(np.arange(n), lengths)
    position = np.arange(len(parents)) - (np.cumsum(lengths) - lengths)[parents]
    new_at = el.lengths[parents] if at_end else np.zeros(len(parents), dtype=np.int64)
    old_starts = (np.cumsum(el.lengths) - el.lengths)[parents]
    old_index = old_starts + position - (position > new_at)
    index = np.where(position == new_at, len(el.values) + parents, old_index)
    pool = pa.concat_arrays([el.values.cast(added.type), added])
    return build_lists(lengths, el.valid, pool.take(pa.array(index)))


@scalar("array_append", ["array", "any"], _array_with_value_type, coerce_args=_with_element,
        null_intolerant=False)
@_columnar
def array_append(values: Any, value: Any) -> Any:
    return _splice(values, value, True)


@scalar("array_prepend", ["array", "any"], _array_with_value_type, coerce_args=_with_element,
        null_intolerant=False)
@_columnar
def array_prepend(values: Any, value: Any) -> Any:
    return _splice(values, value, False)


def _insert(items: list, position: int, value: Any) -> list:
    if position == 0:
        raise ArrayIndexOutOfBoundsException(
            "INVALID_INDEX_OF_ZERO", "The index 0 is invalid. An index shall be either < 0 or "
            "> 0 (the first element has index 1).", {}, "22003")
    if position > 0:
        padded = items + [None] * max(0, position - 1 - len(items))
        return padded[:position - 1] + [value] + padded[position - 1:]
    # -1 puts the value after the last element; beyond the start, nulls fill the gap.
    after = len(items) + position + 1
    if after < 0:
        return [value] + [None] * (-after) + items
    return items[:after] + [value] + items[after:]


def _with_insert_value(args: list[Expression]) -> list[Expression]:
    from minispark.sql.builtins.registry import implicit_cast

    coerced = _with_element([args[0], args[2]])
    return [coerced[0], implicit_cast(args[1], "int", 1, "array_insert"), coerced[1]]


@scalar("array_insert", ["array", "int", "any"], _array_with_value_type,
        coerce_args=_with_insert_value, always_nullable=True)
def array_insert(values: Any, position: Any, value: Any) -> Any:
    def run(items: Any, pos: Any, v: Any) -> Any:
        return None if items is None or pos is None else _insert(items, pos, v)
    return rowwise(run, values.type, values, position, value, nulls=False)


@scalar("array_compact", ["array"], first_type)
@_columnar
def array_compact(values: Any) -> Any:
    from minispark.sql.builtins.higher_order import build_lists, elements

    el = elements(values)
    keep = np.asarray(el.values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    lengths = np.bincount(el.parents[keep], minlength=len(values))
    return build_lists(lengths, el.valid, el.values.filter(pa.array(keep)))


@scalar("array_size", ["array"], IntegerType())
def array_size(values: Any) -> Any:
    return size(values)


@scalar("array_repeat", ["any", "int"], lambda t, o: ArrayType(t[0], True),
        null_intolerant=False, always_nullable=True)
@_columnar
def array_repeat(values: Any, counts: Any) -> Any:
    from minispark.sql.builtins.higher_order import build_lists

    rows = len(values)
    valid = np.asarray(counts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    lengths = np.maximum(np.asarray(pc.fill_null(counts, 0).to_numpy(zero_copy_only=False),
                                    dtype=np.int64), 0)
    return build_lists(lengths, valid, values.take(pa.array(np.repeat(np.arange(rows), lengths))))


def _zip_options(args: list[Expression]) -> tuple:
    names = [a.name if isinstance(a, (Alias, AttributeReference)) else
             a.field if isinstance(a, GetStructField) else str(i) for i, a in enumerate(args)]
    return (tuple(names),)


def _zip_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return ArrayType(StructType([StructField(name, t.elementType, True)  # type: ignore
                                 for name, t in zip(options[0], arg_types)]), False)


@scalar("arrays_zip", ["array"], _zip_type, min_args=1, max_args=None,
        options_from_args=_zip_options)
@_columnar
def arrays_zip(*arrays_and_names: Any) -> Any:
    from minispark.sql.builtins.higher_order import build_lists, elements, padded

    *arrays, names = arrays_and_names
    rows = len(arrays[0])
    parts = [elements(a) for a in arrays]
    lengths = np.max([p.lengths for p in parts], axis=0)
    valid = np.logical_and.reduce([p.valid for p in parts])
    fields = [padded(p, lengths) for p in parts]
    keep = pa.array(valid[np.repeat(np.arange(rows), lengths)])
    struct = pa.StructArray.from_arrays([f.filter(keep) for f in fields], names=list(names))
    return build_lists(np.where(valid, lengths, 0), valid, struct)


def _map_from_arrays_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    keys, values = arg_types
    return MapType(keys.elementType, values.elementType, True)  # type: ignore[attr-defined]


@scalar("map_from_arrays", ["array", "array"], _map_from_arrays_type)
@_columnar
def map_from_arrays(keys: Any, values: Any) -> Any:
    from minispark.errors import SparkRuntimeException
    from minispark.sql.builtins.higher_order import build_maps, elements

    k, v = elements(keys), elements(values)
    valid = k.valid & v.valid
    if (k.lengths[valid] != v.lengths[valid]).any():
        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE",
            "The key array and value array of MapData must have the same length.", {}, "22023")
    if k.values.null_count:
        raise SparkRuntimeException("NULL_MAP_KEY", "Cannot use null as map key.", {}, "2200E")
    keep = pa.array(valid[k.parents])
    return build_maps(np.where(valid, k.lengths, 0), valid, k.values.filter(keep),
                      v.values.filter(pa.array(valid[v.parents])))


@scalar("map_entries", ["map"], lambda t, o: ArrayType(StructType([
        StructField("key", t[0].keyType, False),
        StructField("value", t[0].valueType, t[0].valueContainsNull)]), False))
@_columnar
def map_entries(values: Any) -> Any:
    from minispark.sql.builtins.higher_order import build_lists, elements

    el = elements(values)
    return build_lists(el.lengths, el.valid, el.values)


def _map_key_arg(args: list[Expression]) -> list[Expression]:
    from minispark.sql.plan.expressions import Cast

    m = args[0].data_type
    key = m.keyType if isinstance(m, MapType) else args[1].data_type
    return [args[0], args[1] if args[1].data_type == key else Cast(args[1], key, implicit=True)]


@scalar("map_contains_key", ["map", "any"], BooleanType(), coerce_args=_map_key_arg)
def map_contains_key(values: Any, key: Any) -> Any:
    return rowwise(lambda pairs, k: any(pk == k for pk, _ in pairs), pa.bool_(), values, key)


def _map_concat_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    maps = [t for t in arg_types if isinstance(t, MapType)]
    if not maps:
        return MapType(StringType(), StringType(), True)
    keys = common_type([m.keyType for m in maps]) or maps[0].keyType
    values = common_type([m.valueType for m in maps]) or maps[0].valueType
    return MapType(keys, values, any(m.valueContainsNull for m in maps))


def _map_concat_options(args: list[Expression]) -> tuple:
    from minispark.sql.types import to_arrow_type

    for a in args:
        if not isinstance(a.data_type, MapType):
            from minispark.sql.builtins.registry import data_type_mismatch, type_sql

            raise data_type_mismatch(
                f"map_concat({', '.join(x.sql() for x in args)})", "MAP_CONCAT_DIFF_TYPES",
                f"The `map_concat` should all be of type map, but it's "
                f"[{', '.join(type_sql(x.data_type) for x in args)}].")
    # Maps are merged as Python values, so they need no cast to the common type.
    return _dedup_policy(args) + (to_arrow_type(_map_concat_type(
        [a.data_type for a in args], ())),)


@scalar("map_concat", ["any"], _map_concat_type, min_args=0, max_args=None,
        options_from_args=_map_concat_options, null_intolerant=True)
def map_concat(*maps_and_options: Any) -> Any:
    *maps, policy, out_type = maps_and_options
    if not maps:
        return pa.scalar([], out_type)
    return rowwise(lambda *ms: _dedup([p for m in ms for p in m], policy), out_type, *maps)


def _from_entries_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    entry = arg_types[0].elementType  # type: ignore[attr-defined]
    return MapType(entry.fields[0].dataType, entry.fields[1].dataType, True)


@scalar("map_from_entries", ["array"], _from_entries_type, options_from_args=_dedup_policy)
def map_from_entries(values: Any, policy: str) -> Any:
    entry = values.type.value_type
    out_type = pa.map_(entry.field(0).type, entry.field(1).type)

    def run(items: list) -> Any:
        if any(i is None for i in items):
            return None
        return _dedup([tuple(i.values()) for i in items], policy)
    return rowwise(run, out_type, values)


def _set_operation(combine: Any) -> Any:
    """A kernel of two arrays: ``combine`` on their distinct elements, in first-seen order."""
    def kernel(a: Any, b: Any) -> Any:
        out_type = a.type if not isinstance(a, pa.Scalar) or a.is_valid else b.type
        return rowwise(lambda x, y: list(dict.fromkeys(combine(x, y))), out_type, a, b)
    return kernel


def _coerce_arrays(args: list[Expression]) -> list[Expression]:
    from minispark.sql.plan.expressions import Cast

    target = common_type([a.data_type for a in args])
    return [a if target is None or a.data_type == target else Cast(a, target, implicit=True)
            for a in args]


for _name, _combine in {
        "array_union": lambda x, y: x + y,
        "array_intersect": lambda x, y: [v for v in x if v in y],
        "array_except": lambda x, y: [v for v in x if v not in y]}.items():
    scalar(_name, ["array", "array"], first_type, coerce_args=_coerce_arrays)(
        _set_operation(_combine))


def _get_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return arg_types[0].elementType  # type: ignore[attr-defined]


@scalar("get", ["array", "int"], _get_type, always_nullable=True)
def get(values: Any, index: Any) -> Any:
    return rowwise(lambda items, i: items[i] if 0 <= i < len(items) else None,
                   values.type.value_type, values, index)


@scalar("try_element_at", ["any", "any"], _element_type, always_nullable=True)
def try_element_at(container: Any, key: Any) -> Any:
    def run(c: Any, k: Any) -> Any:
        # Only an index past the end is forgiven: 0 is still an error, as in Spark.
        if isinstance(c, list) and not (c and isinstance(c[0], tuple)) and abs(k) > len(c):
            return None
        return _element_at(c, k)
    out_type = container.type.value_type if pa.types.is_list(container.type) else \
        container.type.item_type
    return rowwise(run, out_type, container, key)


def _str_to_map_args(args: list[Expression]) -> list[Expression]:
    """The text and both delimiters (``,`` and ``:`` unless given; named with them)."""
    from minispark.sql.builtins.registry import implicit_cast

    full = list(args) + [Literal(d, StringType()) for d in (",", ":")][len(args) - 1:]
    return [implicit_cast(a, "string", i, "str_to_map") for i, a in enumerate(full)]


@scalar("str_to_map", ["string", "string", "string"], MapType(StringType(), StringType(), True),
        min_args=1, options_from_args=_dedup_policy, coerce_args=_str_to_map_args)
def str_to_map(text: Any, pair_delim: Any, key_delim: Any, policy: str) -> Any:
    import re

    def split(value: str, pairs: str, kv: str) -> list:
        entries = [re.split(kv, p, maxsplit=1) for p in re.split(pairs, value)]
        return _dedup([(e[0], e[1] if len(e) > 1 else None) for e in entries], policy)
    return rowwise(split, pa.map_(pa.string(), pa.string()), text, pair_delim, key_delim)
