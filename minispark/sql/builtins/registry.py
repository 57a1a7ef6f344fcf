"""The function registry: every built-in function, its argument types and its kernel.

One definition per function serves both front doors: ``functions.upper(col)``
and SQL's ``UPPER(x)`` both become ``UnresolvedFunction("upper", ...)``; the
analyzer looks the name up here, casts the arguments to the types the
function declares (Spark's implicit casts) and gets the result type; the
executor calls the kernel on Arrow arrays.

Argument kinds: ``string``, ``double``, ``numeric``, ``integral``, ``long``,
``int``, ``boolean``, ``date``, ``timestamp``, ``binary``, ``array``, ``map``,
``struct``, ``any`` and ``same`` (all ``same`` arguments meet at one common type).

>>> lookup("upper").name, lookup("UPPER").result_type([StringType()], ())
('upper', StringType())
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from minispark.errors import AnalysisException
from minispark.sql.plan.expressions import Cast, Expression
from minispark.sql.plan.typecoercion import (
    common_type, is_atomic, is_integral, is_numeric, is_string,
)
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, DataType, DateType, DoubleType, IntegerType, LongType,
    MapType, NullType, StringType, StructType, TimestampType,
)

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def wrong_num_args(name: str, expected: str, count: int) -> AnalysisException:
    """Spark's error for calling ``name`` with ``count`` arguments (``expected``: "[1, 3]")."""
    return AnalysisException(
        "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
        f"The `{name}` requires {expected} parameters but the actual number is {count}. "
        "Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' "
        "for a fix.",
        {"functionName": f"`{name}`", "expectedNum": expected, "actualNum": str(count)}, "42605")


@dataclass
class FunctionSpec:
    """What the analyzer needs to resolve a call of one function."""

    name: str
    inputs: Sequence[str]
    result: Any  # a DataType, "same", "arg0" or a callable(arg_types, options)
    min_args: int
    max_args: int | None
    pretty: str | None = None
    aliases: tuple[str, ...] = ()
    coerce_args: Callable[[list[Expression]], list[Expression]] | None = None
    render_call: Callable[[str, list[str], tuple], str] | None = None
    #: Constant facts taken from the (coerced) arguments at analysis: field names, types.
    options_from_args: Callable[[list[Expression]], tuple] | None = None

    def result_type(self, arg_types: Sequence[DataType], options: tuple) -> DataType:
        result = self.result
        if isinstance(result, DataType):
            return result
        if result == "same":
            return common_type([t for t, kind in zip(arg_types, self._kinds(len(arg_types)))
                                if kind == "same"]) or NullType()
        if result == "arg0":
            return arg_types[0]
        return result(list(arg_types), options)

    def _kinds(self, count: int) -> list[str]:
        kinds = list(self.inputs[:count])
        while len(kinds) < count:
            kinds.append(self.inputs[-1] if self.inputs else "any")
        return kinds

    def coerce(self, args: list[Expression], call_sql: str) -> list[Expression]:
        """``args`` with the implicit casts this function's declared inputs ask for."""
        self.check_arity(len(args))
        if self.coerce_args is not None:
            return self.coerce_args(args)
        kinds = self._kinds(len(args))
        same = [a.data_type for a, k in zip(args, kinds) if k == "same"]
        target = common_type(same) if same else None
        if same and target is None:
            raise data_type_mismatch(
                call_sql, "DATA_DIFF_TYPES",
                f"Input to `{self.name}` should all be the same type, but it's "
                f"[{', '.join(type_sql(t) for t in same)}].")
        return [implicit_cast(a, k, i, call_sql, target) for i, (a, k) in
                enumerate(zip(args, kinds))]

    def check_arity(self, count: int) -> None:
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            expected = (str(self.min_args) if self.max_args == self.min_args else
                        f"> {self.min_args - 1}" if self.max_args is None else
                        f"[{self.min_args}, {self.max_args}]")
            raise wrong_num_args(self.name, expected, count)

    def render(self, display: str, arg_sqls: list[str], options: tuple,
               distinct: bool = False) -> str:
        if self.render_call is not None:
            return self.render_call(display, arg_sqls, options)
        prefix = "DISTINCT " if distinct else ""
        return f"{display}({prefix}{', '.join(arg_sqls)})"


@dataclass
class ScalarSpec(FunctionSpec):
    """A row-wise function: ``kernel(*arg_values, *options)`` on Arrow arrays or scalars."""

    kernel: Callable[..., Any] | None = None
    null_intolerant: bool = True
    always_nullable: bool = False
    never_null: bool = False
    deterministic: bool = True
    #: The kernel takes the session time zone as ``tz=``.
    timezone: bool = False
    #: The kernel takes the input batch itself (``input_file_name``: where the rows came from).
    takes_batch: bool = False

    def is_nullable(self, children: Sequence[Expression]) -> bool:
        if self.never_null:
            return False
        if self.always_nullable:
            return True
        if self.null_intolerant:
            return any(c.nullable for c in children)
        return all(c.nullable for c in children)


@dataclass
class AggregateSpec(FunctionSpec):
    """An aggregate; its partial/merge/final steps live in ``aggregator``."""

    aggregator: Any = None
    nullable_result: bool = True
    deterministic: bool = True


_REGISTRY: dict[str, FunctionSpec] = {}


def register(spec: FunctionSpec) -> FunctionSpec:
    for name in (spec.name, *spec.aliases):
        _REGISTRY[name.lower()] = spec
    return spec


def scalar(name: str, inputs: Sequence[str], result: Any, *, min_args: int | None = None,
           max_args: int | None = -1, pretty: str | None = None, aliases: tuple[str, ...] = (),
           **extra: Any) -> Callable[[Callable], Callable]:
    """Register the decorated kernel as the scalar function ``name``.

    ``max_args=None`` makes the last input kind repeat (variadic functions).
    """
    def wrap(kernel: Callable) -> Callable:
        low = len(inputs) if min_args is None else min_args
        high = len(inputs) if max_args == -1 else max_args
        register(ScalarSpec(name=name, inputs=list(inputs), result=result, min_args=low,
                            max_args=high, pretty=pretty, aliases=aliases, kernel=kernel,
                            **extra))
        return kernel
    return wrap


def lookup(name: str) -> FunctionSpec:
    """The function called ``name`` (any case); unknown names raise UNRESOLVED_ROUTINE."""
    spec = _REGISTRY.get(name.lower())
    if spec is None:
        raise unresolved_routine(name)
    return spec


def exists(name: str) -> bool:
    return name.lower() in _REGISTRY


def function_names() -> list[str]:
    return sorted(_REGISTRY)


def unresolved_routine(name: str) -> AnalysisException:
    close = difflib.get_close_matches(name.lower(), list(_REGISTRY), n=3)
    hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
    return AnalysisException(
        "UNRESOLVED_ROUTINE",
        f"Cannot resolve routine `{name}` on search path [`system`.`builtin`, "
        f"`system`.`session`, `spark_catalog`.`default`].{hint}",
        {"routineName": f"`{name}`"}, "42883")


def type_sql(data_type: DataType) -> str:
    return f'"{data_type.simpleString().upper()}"'


def data_type_mismatch(call_sql: str, sub: str, detail: str) -> AnalysisException:
    return AnalysisException(
        f"DATATYPE_MISMATCH.{sub}",
        f'Cannot resolve "{call_sql}" due to data type mismatch: {detail}',
        {"sqlExpr": f'"{call_sql}"'}, "42K09")


def _accepts(kind: str, t: DataType) -> DataType | None:
    """The type an argument of type ``t`` is cast to for ``kind``, or None if it cannot be."""
    if isinstance(t, NullType):
        return {"string": StringType(), "double": DoubleType(), "numeric": DoubleType(),
                "integral": LongType(), "long": LongType(), "int": IntegerType(),
                "boolean": BooleanType(), "date": DateType(), "timestamp": TimestampType(),
                "binary": BinaryType()}.get(kind, t)
    if kind == "string":
        return t if is_string(t) else (StringType() if is_atomic(t) else None)
    if kind == "double":
        return DoubleType() if is_numeric(t) or is_string(t) else None
    if kind == "numeric":
        return t if is_numeric(t) else (DoubleType() if is_string(t) else None)
    if kind in ("long", "int", "integral"):
        if is_integral(t) or is_string(t):
            return {"long": LongType(), "int": IntegerType()}.get(kind, t if is_integral(t)
                                                                  else LongType())
        return None
    simple = {"boolean": BooleanType, "binary": BinaryType, "array": ArrayType, "map": MapType,
              "struct": StructType}
    if kind in simple:
        if kind == "binary" and is_string(t):
            return BinaryType()
        return t if isinstance(t, simple[kind]) else None
    if kind == "date":
        return DateType() if isinstance(t, (DateType, TimestampType)) or is_string(t) else None
    if kind == "timestamp":
        return TimestampType() if isinstance(t, (DateType, TimestampType)) or is_string(
            t) else None
    return t


def implicit_cast(arg: Expression, kind: str, index: int, call_sql: str,
                  same_type: DataType | None = None) -> Expression:
    """``arg`` cast as argument ``index`` of kind ``kind`` needs, or a DATATYPE_MISMATCH."""
    t = arg.data_type
    target = same_type if kind == "same" else _accepts(kind, t)
    if target is None:
        wanted = {"string": '"STRING"', "double": '"DOUBLE"', "numeric": '"NUMERIC"',
                  "integral": '"INTEGRAL"', "long": '"BIGINT"', "int": '"INT"',
                  "boolean": '"BOOLEAN"', "array": '"ARRAY"', "map": '"MAP"',
                  "struct": '"STRUCT"', "date": '"DATE"', "timestamp": '"TIMESTAMP"',
                  "binary": '"BINARY"'}.get(kind, kind.upper())
        ordinal = _ORDINALS[index] if index < len(_ORDINALS) else f"{index + 1}th"
        raise data_type_mismatch(
            call_sql, "UNEXPECTED_INPUT_TYPE",
            f'The {ordinal} parameter requires the {wanted} type, however "{arg.sql()}" has '
            f"the type {type_sql(t)}.")
    return arg if target == t else Cast(arg, target, implicit=True)
