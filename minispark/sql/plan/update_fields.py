"""``Column.withField`` / ``Column.dropFields``: a struct with fields added, replaced or dropped.

Before analysis the struct's fields are unknown, so :class:`UpdateFields` records
the operations; once its children are resolved the analyzer's coercion step turns
it into ``named_struct`` over the kept fields (null where the struct is null).
"""
from __future__ import annotations

from typing import Sequence

from minispark.errors import AnalysisException
from minispark.sql import builtins
from minispark.sql.plan.expressions import (
    CaseWhen, Expression, GetStructField, IsNull, Literal, ScalarFunction, parse_attribute_name,
)
from minispark.sql.types import StructType

#: One operation: ("with", path, value index in the children) or ("drop", path, -1).
Operation = tuple[str, tuple[str, ...], int]


class UpdateFields(Expression):
    """``struct`` with ``operations`` applied in order; children: the struct, then values."""

    def __init__(self, struct: Expression, operations: Sequence[Operation],
                 values: Sequence[Expression] = ()) -> None:
        self.children = (struct, *values)
        self.operations = tuple(operations)

    @property
    def resolved(self) -> bool:
        return False  # always rewritten into named_struct by the analyzer

    def _params(self) -> tuple:
        return self.operations

    def with_field(self, name: str, value: Expression) -> "UpdateFields":
        """This update followed by setting ``name`` (a dotted path) to ``value``."""
        op = ("with", tuple(parse_attribute_name(name)), len(self.children))
        return UpdateFields(self.children[0], self.operations + (op,),
                            [*self.children[1:], value])

    def drop_fields(self, names: Sequence[str]) -> "UpdateFields":
        """This update followed by dropping ``names`` (dotted paths)."""
        ops = tuple(("drop", tuple(parse_attribute_name(n)), -1) for n in names)
        return UpdateFields(self.children[0], self.operations + ops, self.children[1:])

    def sql(self) -> str:
        parts = []
        for kind, path, index in self.operations:
            name = ".".join(path)
            parts.append(f"WithField({name}, {self.children[index].sql()})" if kind == "with"
                         else f"dropField({name})")
        return f"update_fields({self.children[0].sql()}, {', '.join(parts)})"

    def resolve(self) -> Expression:
        """The equivalent ``named_struct`` (children must be resolved)."""
        result = self.children[0]
        for kind, path, index in self.operations:
            value = self.children[index] if kind == "with" else None
            result = _apply(result, path, value)
        return result


def _fields(struct: Expression) -> list[tuple[str, Expression]]:
    t = struct.data_type
    if not isinstance(t, StructType):
        raise AnalysisException(
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            f'Cannot resolve "{struct.sql()}" due to data type mismatch: the input should be '
            f'of type STRUCT, got "{t.simpleString().upper()}".', {}, "42K09")
    return [(f.name, GetStructField(struct, f.name)) for f in t.fields]


def _apply(struct: Expression, path: tuple[str, ...], value: Expression | None) -> Expression:
    """``struct`` with the field at ``path`` set to ``value`` (dropped when None)."""
    fields = _fields(struct)
    head = path[0].lower()
    at = next((i for i, (n, _) in enumerate(fields) if n.lower() == head), None)
    if len(path) > 1:
        if at is None:
            if value is None:
                return struct
            raise AnalysisException("FIELD_NOT_FOUND", f"No such struct field `{path[0]}`.",
                                    {"fieldName": f"`{path[0]}`"}, "42704")
        fields[at] = (fields[at][0], _apply(fields[at][1], path[1:], value))
    elif value is None:
        fields = [f for i, f in enumerate(fields) if i != at]
        if not fields:
            raise AnalysisException(
                "DATATYPE_MISMATCH.CANNOT_DROP_ALL_FIELDS",
                f'Cannot resolve "{struct.sql()}": cannot drop all fields in struct.', {},
                "42K09")
    elif at is None:
        fields.append((path[0], value))
    else:
        fields[at] = (fields[at][0], value)
    return _named_struct(struct, fields)


def _named_struct(struct: Expression, fields: list[tuple[str, Expression]]) -> Expression:
    args: list[Expression] = []
    for name, expr in fields:
        args += [Literal.of(name), expr]
    spec = builtins.lookup("named_struct")
    built = ScalarFunction(spec, args, options=spec.options_from_args(args))
    if not struct.nullable:
        return built
    return CaseWhen([(IsNull(struct), Literal(None, built.data_type))], built)


def _register() -> None:
    """Let the analyzer turn an ``UpdateFields`` into its ``named_struct`` once resolved."""
    from minispark.sql.plan import analyzer

    analyzer._COERCIONS.setdefault(UpdateFields, lambda e: e.resolve())


_register()
