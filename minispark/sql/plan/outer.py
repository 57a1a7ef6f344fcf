"""``Column.outer()``: a column of the enclosing query, named inside a DataFrame subquery.

The DataFrame holding the subquery is built (and analyzed) before the outer query
exists, so :class:`OuterColumn` stays unresolved there; when the outer query
analyzes the subquery (``df.scalar()``, ``df.exists()``) the analyzer's coercion
step finds the name among the enclosing queries' columns and makes it an
``OuterReference``.
"""
from __future__ import annotations

from minispark.sql.plan.expressions import Expression, UnresolvedAttribute


class OuterColumn(Expression):
    """An unresolved column to take from an enclosing query (a leaf: the name waits)."""

    children = ()

    def __init__(self, column: Expression) -> None:
        self.column = column

    @property
    def resolved(self) -> bool:
        return False

    def _params(self) -> tuple:
        return (self.column.semantic_key(),)

    def sql(self) -> str:
        return f"outer({self.column.sql()})"

    def resolve(self) -> Expression:
        """The outer reference, once an enclosing query is in scope (else itself)."""
        from minispark.sql.plan import analyzer

        if not isinstance(self.column, UnresolvedAttribute):
            return self
        found = analyzer._resolve_outer(self.column)
        return self if found is None else found


def _register() -> None:
    from minispark.sql.plan import analyzer

    analyzer._COERCIONS.setdefault(OuterColumn, lambda e: e.resolve())


_register()
