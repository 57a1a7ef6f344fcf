"""Higher-order functions: ``transform``, ``filter``, ``aggregate``, ``map_filter``...

A lambda is never called once per element: its body is compiled once and evaluated
over *all* the elements of a batch at a time. The arrays are flattened, the lambda's
parameters become columns of the flattened values (the element, its index...), the
outer columns the body reads are repeated once per element (``list_parent_indices``),
and the result is cut back into arrays with the original offsets.

Resolution: the analyzer hands each call whose arguments include a lambda to
:func:`resolve`, which types the lambda's parameters from the other arguments
(``x`` of ``transform(a, x -> ...)`` is ``a``'s element type) and then resolves the
body with the parameters in scope.

>>> df = spark.createDataFrame([([1, 2, 3],)], ["a"])
>>> out = df.selectExpr("transform(a, x -> x * 10)", "filter(a, (x, i) -> i > 0) AS f")
>>> out.columns[0]
'transform(a, lambdafunction((namedlambdavariable() * 10), namedlambdavariable()))'
>>> out.first()[:]
([10, 20, 30], [2, 3])
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import AnalysisException, SparkRuntimeException
from minispark.sql.builtins.registry import (
    data_type_mismatch,
    type_sql,
    unresolved_routine,
    wrong_num_args,
)
from minispark.sql.execution.kernels import list_lengths
from minispark.sql.plan.expressions import (
    Expression,
    HigherOrderFunction,
    LambdaFunction,
    LambdaVariable,
    UnresolvedAttribute,
    UnresolvedFunction,
    UnresolvedLambda,
)
from minispark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    IntegerType,
    MapType,
    NullType,
    to_arrow_type,
)

Param = tuple[DataType, bool]  # a lambda parameter's type and nullability


# ---- resolution ---------------------------------------------------------------------------


def takes_lambdas(e: UnresolvedFunction) -> bool:
    """Whether a call passes a lambda (so it is resolved here, not by the registry)."""
    return any(isinstance(c, UnresolvedLambda) for c in e.children)


def resolve(e: UnresolvedFunction, inputs: Sequence[Any],
            resolve_expression: Callable[[Expression, Sequence[Any]], Expression]
            ) -> Expression:
    """The call with its lambdas bound and resolved, or ``e`` while other args are not."""
    spec = _SPECS.get(e.name.lower())
    if spec is None:
        raise unresolved_routine(e.name)
    args = list(e.children)
    if not all(a.resolved for a in args if not isinstance(a, UnresolvedLambda)):
        return e
    spec.check_arity(len(args))
    args = spec.prepare(args, e.sql())
    if spec.name in ("aggregate", "reduce") and len(args) == 3:
        # Spark gives a fold without ``finish`` the identity (and names it so).
        args.append(UnresolvedLambda(UnresolvedAttribute(["id"]), ["id"]))
    bound: list[Expression] = []
    for a in args:
        if isinstance(a, UnresolvedLambda):
            params = spec.lambda_params(bound, len(bound))
            arities = spec.lambda_arities or (len(params),)
            a = _bind(a, params, arities, inputs, resolve_expression)
        bound.append(a)
    spec.check(bound, e.sql())
    return HigherOrderFunction(spec, bound, (e.display or e.name).lower())


def _bind(fn: UnresolvedLambda, params: Sequence[Param], arities: Sequence[int],
          inputs: Sequence[Any], resolve_expression: Callable[..., Expression]
          ) -> LambdaFunction:
    if len(fn.names) not in arities:
        raise AnalysisException(
            "INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH",
            f'Invalid lambda function call. A higher order function expects {max(arities)} '
            f"arguments, but got {len(fn.names)}.", {}, "42K0D")
    lowered = [n.lower() for n in fn.names]
    if len(set(lowered)) != len(lowered):
        raise AnalysisException(
            "INVALID_LAMBDA_FUNCTION_CALL.DUPLICATE_ARG_NAMES",
            "Invalid lambda function call. The lambda function has duplicate arguments "
            f"{', '.join(f'`{n}`' for n in fn.names)}.", {}, "42K0D")
    variables = [LambdaVariable(n, t, nullable) for n, (t, nullable) in zip(fn.names, params)]
    # Parameters shadow columns of the same name.
    scope = variables + [a for a in inputs if a.name.lower() not in lowered]
    return LambdaFunction(resolve_expression(fn.body, scope), variables)


# ---- specs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HigherOrderSpec:
    """How one higher-order function types its lambdas, its result, and evaluates."""

    name: str
    #: Which argument kinds it takes, in order: "array", "map", "any" or "lambda".
    inputs: tuple[str, ...]
    #: The parameters of the lambda at an argument index, from the arguments before it.
    lambda_params: Callable[[list[Expression], int], list[Param]]
    result: Callable[[Sequence[Expression]], DataType]
    evaluate: Callable[..., Any]
    min_args: int | None = None
    #: Accepted parameter counts of each lambda (default: exactly as many as typed).
    lambda_arities: tuple[int, ...] | None = None
    nullable_result: Callable[[Sequence[Expression]], bool] | None = None

    def check_arity(self, count: int) -> None:
        low = len(self.inputs) if self.min_args is None else self.min_args
        if low <= count <= len(self.inputs):
            return
        expected = str(low) if low == len(self.inputs) else f"[{low}, {len(self.inputs)}]"
        raise wrong_num_args(self.name, expected, count)

    def prepare(self, args: list[Expression], call_sql: str) -> list[Expression]:
        """The arguments checked against the container kinds this function takes."""
        from minispark.sql.builtins.registry import _ORDINALS

        for i, (a, kind) in enumerate(zip(args, self.inputs)):
            wanted = {"array": ArrayType, "map": MapType}.get(kind)
            if kind == "lambda" and not isinstance(a, UnresolvedLambda):
                raise data_type_mismatch(
                    call_sql, "UNEXPECTED_INPUT_TYPE",
                    f"The {_ORDINALS[i]} parameter requires a lambda function, however "
                    f'"{a.sql()}" is not one.')
            if wanted is not None and not isinstance(a.data_type, (wanted, NullType)):
                raise data_type_mismatch(
                    call_sql, "UNEXPECTED_INPUT_TYPE",
                    f'The {_ORDINALS[i]} parameter requires the "{kind.upper()}" type, however '
                    f'"{a.sql()}" has the type {type_sql(a.data_type)}.')
        return args

    def check(self, bound: list[Expression], call_sql: str) -> None:
        """Spark's type checks on the bound lambdas (a predicate must be boolean...)."""
        if self.name in ("filter", "exists", "forall", "map_filter"):
            body = bound[1]
            if not isinstance(body.data_type, (BooleanType, NullType)):
                raise data_type_mismatch(
                    call_sql, "UNEXPECTED_INPUT_TYPE",
                    'The second parameter requires the "BOOLEAN" type, however '
                    f'"{body.sql()}" has the type {type_sql(body.data_type)}.')
        if self.name == "array_sort" and not isinstance(bound[1].data_type, IntegerType):
            raise data_type_mismatch(
                call_sql, "UNEXPECTED_RETURN_TYPE",
                f'The `lambdafunction` requires return "INT" type, but the actual is '
                f"{type_sql(bound[1].data_type)} type.")
        if self.name in ("aggregate", "reduce") and not _same_type(bound[1].data_type,
                                                                   bound[2].data_type):
            raise data_type_mismatch(
                call_sql, "UNEXPECTED_INPUT_TYPE",
                f'The third parameter requires the {type_sql(bound[1].data_type)} type, '
                f'however "{bound[2].sql()}" has the type {type_sql(bound[2].data_type)}.')

    def result_type(self, children: Sequence[Expression]) -> DataType:
        return self.result(children)

    def is_nullable(self, children: Sequence[Expression]) -> bool:
        if self.nullable_result is not None:
            return self.nullable_result(children)
        return any(c.nullable for c in children if not isinstance(c, LambdaFunction))


def _same_type(a: DataType, b: DataType) -> bool:
    return a.simpleString() == b.simpleString()


def _element(a: Expression) -> Param:
    t = a.data_type
    if isinstance(t, ArrayType):
        return t.elementType, t.containsNull
    return NullType(), True


def _entry(m: Expression) -> tuple[Param, Param]:
    t = m.data_type
    if isinstance(t, MapType):
        return (t.keyType, False), (t.valueType, t.valueContainsNull)
    return (NullType(), False), (NullType(), True)


_INDEX: Param = (IntegerType(), False)


def _element_params(before: list[Expression], index: int) -> list[Param]:
    return [_element(before[0]), _INDEX] if before else [(NullType(), True), _INDEX]


def _entry_params(before: list[Expression], index: int) -> list[Param]:
    return list(_entry(before[0])) if before else [(NullType(), False), (NullType(), True)]


def _fold_params(before: list[Expression], index: int) -> list[Param]:
    if index == 2:
        return [(before[1].data_type, True), _element(before[0])]
    return [(before[2].data_type, True)]


def _zip_params(before: list[Expression], index: int) -> list[Param]:
    if not before:
        return [(NullType(), True)] * 2
    return [(_element(before[0])[0], True), (_element(before[1])[0], True)]


def _map_zip_params(before: list[Expression], index: int) -> list[Param]:
    if not before:
        return [(NullType(), False), (NullType(), True), (NullType(), True)]
    key, left = _entry(before[0])
    return [key, (left[0], True), (_entry(before[1])[1][0], True)]


def _sort_params(before: list[Expression], index: int) -> list[Param]:
    element = _element(before[0]) if before else (NullType(), True)
    return [element, element]


def _array_of_body(children: Sequence[Expression]) -> DataType:
    body = children[-1]
    return ArrayType(body.data_type, body.nullable)


def _first(children: Sequence[Expression]) -> DataType:
    return children[0].data_type


def _fold_result(children: Sequence[Expression]) -> DataType:
    return children[-1].data_type


def _map_with_keys(children: Sequence[Expression]) -> DataType:
    t = children[0].data_type
    return MapType(children[1].data_type, t.valueType, t.valueContainsNull)


def _map_with_values(children: Sequence[Expression]) -> DataType:
    t = children[0].data_type
    return MapType(t.keyType, children[1].data_type, children[1].nullable)


def _map_zip_result(children: Sequence[Expression]) -> DataType:
    return MapType(children[0].data_type.keyType, children[2].data_type, True)


# ---- evaluation ---------------------------------------------------------------------------


class CompiledLambda:
    """A lambda body compiled once; called on columns of flattened elements.

    ``parents[i]`` is the batch row element ``i`` came from: the outer columns the
    body reads are taken from that row.
    """

    def __init__(self, fn: LambdaFunction, compiler: Any) -> None:
        from minispark.sql.execution.evaluator import compile_expression

        used = {getattr(n, "expr_id", None) for n in fn.body.walk()}
        outer = [a for a in compiler.inputs if a.expr_id in used]
        self.positions = [compiler.positions[a.expr_id] for a in outer]
        self.func = compile_expression(fn.body, outer + list(fn.variables), compiler.settings)
        self.out_type = to_arrow_type(fn.data_type)
        self.arity = len(fn.variables)

    def __call__(self, batch: pa.RecordBatch, parents: np.ndarray,
                 values: Sequence[pa.Array]) -> pa.Array:
        from minispark.sql.execution.evaluator import conform

        index = pa.array(parents, pa.int64())
        columns = [batch.column(p).take(index) for p in self.positions] + list(values)
        env = pa.RecordBatch.from_arrays(columns, names=[f"_{i}" for i in range(len(columns))])
        return conform(self.func(env), self.out_type, len(parents))


def compile_higher_order(compiler: Any, e: HigherOrderFunction) -> Callable[[pa.RecordBatch],
                                                                              Any]:
    """``f(batch)`` for a resolved higher-order call (the evaluator's handler)."""
    from minispark.sql.execution.evaluator import conform

    parts: list[Any] = []
    for a in e.children:
        if isinstance(a, LambdaFunction):
            parts.append(("lambda", CompiledLambda(a, compiler)))
        else:
            parts.append(("value", compiler.compile(a), to_arrow_type(a.data_type)))
    evaluate = e.spec.evaluate

    def run(batch: pa.RecordBatch) -> Any:
        n = batch.num_rows
        args = [p[1] if p[0] == "lambda" else conform(p[1](batch), p[2], n) for p in parts]
        return evaluate(batch, *args)
    return run


@dataclass
class Elements:
    """The flattened elements of a list (or map) array and where each came from."""

    values: pa.Array  # the elements (a map's entries as a struct of key and value)
    parents: np.ndarray  # the row of each element
    index: np.ndarray  # each element's 0-based position in its array
    lengths: np.ndarray  # each row's element count (0 for a null row)
    valid: np.ndarray  # False where the row's array is null


def elements(lists: pa.Array) -> Elements:
    """The elements of a list or map array, flattened, with their rows and positions."""
    n = len(lists)
    valid = ~np.asarray(lists.is_null().to_numpy(zero_copy_only=False), dtype=bool) if n \
        else np.zeros(0, dtype=bool)
    if pa.types.is_null(lists.type):
        return Elements(pa.array([], pa.null()), np.zeros(0, np.int64), np.zeros(0, np.int64),
                         np.zeros(n, np.int64), np.zeros(n, dtype=bool))
    lengths = np.asarray(pc.fill_null(list_lengths(lists), 0).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
    parents = np.repeat(np.arange(n, dtype=np.int64), lengths)
    starts = np.cumsum(lengths) - lengths
    index = np.arange(len(parents), dtype=np.int64) - starts[parents]
    if pa.types.is_map(lists.type):
        # A map's entries as one struct array, taken through its own offsets.
        entries = pa.StructArray.from_arrays([lists.keys, lists.items], ["key", "value"])
        offsets = lists.offsets.to_numpy()
        values = entries.take(pa.array(offsets[:-1][parents] + index))
    else:
        values = pc.list_flatten(lists)
    return Elements(values, parents, index, lengths, valid)


def _offsets(lengths: np.ndarray, valid: np.ndarray) -> pa.Array:
    """List offsets for ``lengths``, null where the row's array is null."""
    ends = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    mask = np.concatenate([~valid, [False]])
    return pa.array(ends, pa.int32(), mask=mask if (~valid).any() else None)


def build_lists(lengths: np.ndarray, valid: np.ndarray, values: pa.Array) -> pa.Array:
    """Arrays cut from ``values`` by ``lengths`` (null where not ``valid``)."""
    return pa.ListArray.from_arrays(_offsets(lengths, valid), values)


def build_maps(lengths: np.ndarray, valid: np.ndarray, keys: pa.Array, items: pa.Array
               ) -> pa.Array:
    """Maps cut from ``keys`` and ``items`` by ``lengths`` (null where not ``valid``)."""
    return pa.MapArray.from_arrays(_offsets(lengths, valid), keys, items)


def with_nulls(values: pa.Array, valid: np.ndarray) -> pa.Array:
    """``values`` with nulls where not ``valid``."""
    if valid.all():
        return values
    return pc.if_else(pa.array(valid), values, pa.scalar(None, values.type))


def _element_args(el: Elements, fn: CompiledLambda) -> list[pa.Array]:
    """The lambda's parameters: each element, and its index when it takes two."""
    args = [el.values]
    if fn.arity > 1:
        args.append(pa.array(el.index.astype(np.int32), pa.int32()))
    return args


def _transform(batch: pa.RecordBatch, lists: pa.Array, fn: CompiledLambda) -> pa.Array:
    el = elements(lists)
    out = fn(batch, el.parents, _element_args(el, fn))
    return build_lists(el.lengths, el.valid, out)


def _predicate_counts(batch: pa.RecordBatch, lists: pa.Array, fn: CompiledLambda
                      ) -> tuple[Elements, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: how many elements the predicate holds for, fails for, and is null for."""
    el = elements(lists)
    verdict = fn(batch, el.parents, _element_args(el, fn))
    n = len(lists)
    nulls = np.asarray(verdict.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    truth = np.asarray(pc.fill_null(verdict, False).to_numpy(zero_copy_only=False), dtype=bool)
    falsity = ~truth & ~nulls
    count = functools.partial(np.bincount, el.parents, minlength=n)
    return el, count(weights=truth) > 0, count(weights=falsity) > 0, count(weights=nulls) > 0


def _exists(batch: pa.RecordBatch, lists: pa.Array, fn: CompiledLambda) -> pa.Array:
    el, any_true, _, any_null = _predicate_counts(batch, lists, fn)
    # Three-valued: unknown when no element holds but some are null.
    mask = ~el.valid | (~any_true & any_null)
    return pa.array(any_true, pa.bool_(), mask=mask)


def _forall(batch: pa.RecordBatch, lists: pa.Array, fn: CompiledLambda) -> pa.Array:
    el, _, any_false, any_null = _predicate_counts(batch, lists, fn)
    mask = ~el.valid | (~any_false & any_null)
    return pa.array(~any_false, pa.bool_(), mask=mask)


def _filter(batch: pa.RecordBatch, lists: pa.Array, fn: CompiledLambda) -> pa.Array:
    el = elements(lists)
    verdict = fn(batch, el.parents, _element_args(el, fn))
    keep = np.asarray(pc.fill_null(verdict, False).to_numpy(zero_copy_only=False), dtype=bool)
    lengths = np.bincount(el.parents[keep], minlength=len(lists))
    return build_lists(lengths, el.valid, el.values.filter(pa.array(keep)))


def _scatter(base: pa.Array, rows: np.ndarray, new: pa.Array) -> pa.Array:
    """``base`` with the values at ``rows`` replaced by ``new``."""
    index = np.arange(len(base), dtype=np.int64)
    index[rows] = len(base) + np.arange(len(rows))
    return pa.concat_arrays([base, new.cast(base.type)]).take(pa.array(index))


def _aggregate(batch: pa.RecordBatch, lists: pa.Array, zero: pa.Array, merge: CompiledLambda,
               finish: CompiledLambda | None = None) -> pa.Array:
    el = elements(lists)
    starts = np.cumsum(el.lengths) - el.lengths
    acc = zero.cast(merge.out_type) if zero.type != merge.out_type else zero
    # Element k of every array at once: as many steps as the longest array is long.
    for k in range(int(el.lengths.max()) if len(el.lengths) else 0):
        rows = np.nonzero(el.lengths > k)[0]
        values = el.values.take(pa.array(starts[rows] + k))
        acc = _scatter(acc, rows, merge(batch, rows, [acc.take(pa.array(rows)), values]))
    if finish is None:
        return with_nulls(acc, el.valid)
    # ``finish`` runs only where there is an array (a null one stays null).
    rows = np.nonzero(el.valid)[0]
    done = finish(batch, rows, [acc.take(pa.array(rows))])
    return _scatter(pa.nulls(len(lists), done.type), rows, done)


def padded(el: Elements, lengths: np.ndarray) -> pa.Array:
    """Each row's elements padded with nulls to ``lengths``."""
    parents = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    position = np.arange(len(parents)) - (np.cumsum(lengths) - lengths)[parents]
    inside = position < el.lengths[parents]
    starts = np.cumsum(el.lengths) - el.lengths
    index = np.where(inside, starts[parents] + position, 0)
    if len(el.values) == 0:
        return pa.nulls(len(parents), el.values.type)
    picked = el.values.take(pa.array(index))
    return pc.if_else(pa.array(inside), picked, pa.scalar(None, picked.type))


def _zip_with(batch: pa.RecordBatch, left: pa.Array, right: pa.Array, fn: CompiledLambda
              ) -> pa.Array:
    a, b = elements(left), elements(right)
    lengths = np.maximum(a.lengths, b.lengths)
    parents = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    out = fn(batch, parents, [padded(a, lengths), padded(b, lengths)])
    valid = a.valid & b.valid
    keep = valid[parents]
    lengths = np.where(valid, lengths, 0)
    return build_lists(lengths, valid, out.filter(pa.array(keep)) if not keep.all() else out)


def _entries(maps: pa.Array) -> tuple[Elements, pa.Array, pa.Array]:
    el = elements(maps)
    if pa.types.is_null(maps.type):
        return el, el.values, el.values
    return el, pc.struct_field(el.values, [0]), pc.struct_field(el.values, [1])


def _transform_values(batch: pa.RecordBatch, maps: pa.Array, fn: CompiledLambda) -> pa.Array:
    el, keys, items = _entries(maps)
    return build_maps(el.lengths, el.valid, keys, fn(batch, el.parents, [keys, items]))


def _transform_keys(batch: pa.RecordBatch, maps: pa.Array, fn: CompiledLambda) -> pa.Array:
    el, keys, items = _entries(maps)
    new_keys = fn(batch, el.parents, [keys, items])
    if new_keys.null_count:
        raise SparkRuntimeException("NULL_MAP_KEY", "Cannot use null as map key.", {},
                                    "2200E")
    _check_unique_keys(new_keys, el.parents)
    return build_maps(el.lengths, el.valid, new_keys, items)


def _check_unique_keys(keys: pa.Array, parents: np.ndarray) -> None:
    seen: set = set()
    for entry in zip(parents.tolist(), keys.to_pylist()):
        if entry not in seen:
            seen.add(entry)
            continue
        key = entry[1]
        raise SparkRuntimeException(
            "DUPLICATED_MAP_KEY",
            f"Duplicate map key {key} was found, please check the input data. If you want to "
            'remove the duplicated keys, you can set "spark.sql.mapKeyDedupPolicy" to '
            '"LAST_WIN" so that the key inserted at last takes precedence.',
            {"key": str(key), "mapKeyDedupPolicy": '"spark.sql.mapKeyDedupPolicy"'}, "23505")


def _map_filter(batch: pa.RecordBatch, maps: pa.Array, fn: CompiledLambda) -> pa.Array:
    el, keys, items = _entries(maps)
    verdict = fn(batch, el.parents, [keys, items])
    keep = np.asarray(pc.fill_null(verdict, False).to_numpy(zero_copy_only=False), dtype=bool)
    lengths = np.bincount(el.parents[keep], minlength=len(maps))
    mask = pa.array(keep)
    return build_maps(lengths, el.valid, keys.filter(mask), items.filter(mask))


def _key_union(left: Elements, right: Elements, left_keys: list, right_keys: list
               ) -> tuple[np.ndarray, list[int], list[int], list[int]]:
    """Per row, the keys of both maps (left's order, then right's new ones): the row
    lengths and, per merged entry, the source positions in each map (-1 if absent)."""
    lengths, from_left, from_right, from_keys = [], [], [], []
    l_start = np.cumsum(left.lengths) - left.lengths
    r_start = np.cumsum(right.lengths) - right.lengths
    for row in range(len(left.lengths)):
        ls, rs = int(l_start[row]), int(r_start[row])
        lk = left_keys[ls:ls + int(left.lengths[row])]
        rk = right_keys[rs:rs + int(right.lengths[row])]
        r_pos = {k: rs + i for i, k in enumerate(rk)}
        l_pos = {k: ls + i for i, k in enumerate(lk)}
        merged = list(dict.fromkeys(lk + rk))
        lengths.append(len(merged) if left.valid[row] and right.valid[row] else 0)
        if not (left.valid[row] and right.valid[row]):
            continue
        for k in merged:
            from_left.append(l_pos.get(k, -1))
            from_right.append(r_pos.get(k, -1))
            from_keys.append(l_pos[k] if k in l_pos else -2 - r_pos[k])
    return np.asarray(lengths, dtype=np.int64), from_left, from_right, from_keys


def _take_or_null(values: pa.Array, positions: list[int]) -> pa.Array:
    index = np.asarray(positions, dtype=np.int64)
    present = index >= 0
    if len(values) == 0:
        return pa.nulls(len(index), values.type)
    picked = values.take(pa.array(np.where(present, index, 0)))
    return pc.if_else(pa.array(present), picked, pa.scalar(None, picked.type))


def _map_zip_with(batch: pa.RecordBatch, left: pa.Array, right: pa.Array, fn: CompiledLambda
                  ) -> pa.Array:
    (a, a_keys, a_items), (b, b_keys, b_items) = _entries(left), _entries(right)
    lengths, from_left, from_right, from_keys = _key_union(a, b, a_keys.to_pylist(),
                                                           b_keys.to_pylist())
    key_index = np.asarray(from_keys, dtype=np.int64)
    in_left = key_index >= 0
    keys = pc.if_else(pa.array(in_left),
                      _take_or_null(a_keys, list(np.where(in_left, key_index, -1))),
                      _take_or_null(b_keys.cast(a_keys.type),
                                    list(np.where(in_left, -1, -2 - key_index))))
    parents = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    items = fn(batch, parents, [keys, _take_or_null(a_items, from_left),
                                _take_or_null(b_items, from_right)])
    return build_maps(lengths, a.valid & b.valid, keys, items)


def _sort_with(batch: pa.RecordBatch, lists: pa.Array, fn: CompiledLambda) -> pa.Array:
    """``array_sort`` with a comparator: the comparator is evaluated over every pair of
    elements of each array in one call, then each array is sorted with those answers."""
    el = elements(lists)
    squares = el.lengths * el.lengths
    parents = np.repeat(np.arange(len(lists), dtype=np.int64), squares)
    pair = np.arange(len(parents)) - (np.cumsum(squares) - squares)[parents]
    starts = np.cumsum(el.lengths) - el.lengths
    size = el.lengths[parents]
    left = starts[parents] + pair // np.maximum(size, 1)
    right = starts[parents] + pair % np.maximum(size, 1)
    answers = fn(batch, parents, [el.values.take(pa.array(left)),
                                  el.values.take(pa.array(right))])
    if answers.null_count:
        raise SparkRuntimeException(
            "COMPARATOR_RETURNS_NULL", "The comparator has returned a NULL for a comparison "
            "between elements. It should return a negative integer for \"greater than\", 0 for "
            '"equal" and a positive integer for "less than".', {}, "22004")
    order = _sorted_positions(el, np.asarray(answers.to_numpy(zero_copy_only=False)),
                              np.cumsum(squares) - squares)
    return build_lists(el.lengths, el.valid, el.values.take(pa.array(order, pa.int64())))


def _sorted_positions(el: Elements, answers: np.ndarray, pair_starts: np.ndarray) -> list[int]:
    """The flattened positions of each row's elements in comparator order."""
    order: list[int] = []
    starts = np.cumsum(el.lengths) - el.lengths
    for row, size in enumerate(el.lengths.tolist()):
        base, first = int(pair_starts[row]), int(starts[row])

        def compare(i: int, j: int, base: int = base, size: int = size) -> int:
            return int(answers[base + i * size + j])
        ranked = sorted(range(size), key=functools.cmp_to_key(compare))
        order.extend(first + i for i in ranked)
    return order


def _spec(name: str, inputs: Sequence[str], params: Callable[[list[Expression], int],
                                                             list[Param]],
          result: Callable[[Sequence[Expression]], DataType], evaluate: Callable[..., Any],
          **extra: Any) -> HigherOrderSpec:
    return HigherOrderSpec(name, tuple(inputs), params, result, evaluate, **extra)


def _boolean(children: Sequence[Expression]) -> DataType:
    return BooleanType()


_SPECS: dict[str, HigherOrderSpec] = {s.name: s for s in [
    _spec("transform", ["array", "lambda"], _element_params, _array_of_body, _transform,
          lambda_arities=(1, 2)),
    _spec("filter", ["array", "lambda"], _element_params, _first, _filter,
          lambda_arities=(1, 2)),
    _spec("exists", ["array", "lambda"], _element_params, _boolean, _exists,
          lambda_arities=(1,)),
    _spec("forall", ["array", "lambda"], _element_params, _boolean, _forall,
          lambda_arities=(1,)),
    _spec("aggregate", ["array", "any", "lambda", "lambda"], _fold_params, _fold_result,
          _aggregate, min_args=3, nullable_result=lambda c: True),
    _spec("reduce", ["array", "any", "lambda", "lambda"], _fold_params, _fold_result,
          _aggregate, min_args=3, nullable_result=lambda c: True),
    _spec("zip_with", ["array", "array", "lambda"], _zip_params, _array_of_body, _zip_with,
          lambda_arities=(2,)),
    _spec("transform_keys", ["map", "lambda"], _entry_params, _map_with_keys,
          _transform_keys, lambda_arities=(2,)),
    _spec("transform_values", ["map", "lambda"], _entry_params, _map_with_values,
          _transform_values, lambda_arities=(2,)),
    _spec("map_filter", ["map", "lambda"], _entry_params, _first, _map_filter,
          lambda_arities=(2,)),
    _spec("map_zip_with", ["map", "map", "lambda"], _map_zip_params, _map_zip_result,
          _map_zip_with, lambda_arities=(3,)),
    _spec("array_sort", ["array", "lambda"], _sort_params, _first, _sort_with,
          lambda_arities=(2,)),
]}
