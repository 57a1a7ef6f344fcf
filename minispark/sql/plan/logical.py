"""Logical plan nodes: what a query computes, independent of how it runs.

Both front doors (DataFrame methods and SQL text) build these nodes; the
analyzer resolves their expressions, the optimizer rewrites them, and the
planner turns them into physical operators. Each node's ``output`` is the
list of attributes (columns with ids) it produces.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import pyarrow as pa

from minispark.sql.plan.expressions import (
    Alias, AttributeReference, Expression, NamedExpression, SortOrder, UnresolvedAttribute,
)
from minispark.sql.plan.trees import TreeNode
from minispark.sql.types import DataType, LongType, StructField, StructType

JOIN_TYPES = ("inner", "cross", "left_outer", "right_outer", "full_outer", "left_semi",
              "left_anti")
#: Spark's spellings of each join type, as ``DataFrame.join(how=...)`` accepts them.
JOIN_ALIASES = {
    "inner": "inner", "cross": "cross", "outer": "full_outer", "full": "full_outer",
    "fullouter": "full_outer", "full_outer": "full_outer", "left": "left_outer",
    "leftouter": "left_outer", "left_outer": "left_outer", "right": "right_outer",
    "rightouter": "right_outer", "right_outer": "right_outer", "semi": "left_semi",
    "leftsemi": "left_semi", "left_semi": "left_semi", "anti": "left_anti",
    "leftanti": "left_anti", "left_anti": "left_anti",
}


class LogicalPlan(TreeNode):
    """Base of every logical node."""

    @property
    def output(self) -> list[AttributeReference]:
        raise NotImplementedError(type(self).__name__)

    def expressions(self) -> list[Expression]:
        """The expressions this node itself holds (not its children's)."""
        return []

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "LogicalPlan":
        """A copy with ``f`` applied to each of this node's expressions."""
        return self

    @property
    def resolved(self) -> bool:
        return (all(c.resolved for c in self.children)
                and all(e.resolved for e in self.expressions()))

    def schema(self) -> StructType:
        return StructType([StructField(a.name, a.data_type, a.nullable) for a in self.output])

    def size_in_bytes(self) -> int | None:
        """An estimate for join planning; None means unknown (too big to broadcast)."""
        sizes = [c.size_in_bytes() for c in self.children]
        return None if any(s is None for s in sizes) else sum(sizes)  # type: ignore[arg-type]

    # ---- printing ------------------------------------------------------------

    def node_name(self) -> str:
        return type(self).__name__

    def argument_string(self) -> str:
        return ""

    def simple_string(self) -> str:
        args = self.argument_string()
        prefix = "" if self.resolved else "'"
        return f"{prefix}{self.node_name()} {args}".rstrip()


class LeafNode(LogicalPlan):
    children = ()


class UnaryNode(LogicalPlan):
    @property
    def child(self) -> LogicalPlan:
        return self.children[0]


class BinaryNode(LogicalPlan):
    @property
    def left(self) -> LogicalPlan:
        return self.children[0]

    @property
    def right(self) -> LogicalPlan:
        return self.children[1]


def join_output(join_type: str, left: list[AttributeReference],
                right: list[AttributeReference]) -> list[AttributeReference]:
    """The columns a join of ``join_type`` produces (outer sides become nullable)."""
    if join_type in ("left_semi", "left_anti"):
        return left
    if join_type in ("right_outer", "full_outer"):
        left = [a.with_nullability(True) for a in left]
    if join_type in ("left_outer", "full_outer"):
        right = [a.with_nullability(True) for a in right]
    return left + right


def describe(expr: Expression) -> str:
    """An expression as plans print it, attributes with their ids (``x#3``, ``n#4L``)."""
    return _Described.of(expr).sql()


class _Described(Expression):
    """A leaf standing for already-rendered text while an expression is printed."""

    children = ()

    def __init__(self, text: str) -> None:
        self.text = text

    def sql(self) -> str:
        return self.text

    @staticmethod
    def of(expr: Expression) -> Expression:
        def render(e: Expression) -> Expression:
            if isinstance(e, AttributeReference):
                return _Described(attribute_string(e))
            if isinstance(e, Alias):
                return _Described(f"{e.child.sql()} AS {e.name}#{e.expr_id}"
                                  f"{_type_suffix(e.child)}")
            if isinstance(e, UnresolvedAttribute):
                return _Described("'" + e.sql())
            return e
        return expr.transform_up(render)


def _type_suffix(expr: Expression) -> str:
    try:
        return "L" if isinstance(expr.data_type, LongType) else ""
    except TypeError:
        return ""


def attribute_string(attr: AttributeReference) -> str:
    return f"{attr.name}#{attr.expr_id}{_type_suffix(attr)}"


def _attrs(attrs: Sequence[AttributeReference]) -> str:
    return "[" + ", ".join(attribute_string(a) for a in attrs) + "]"


def _exprs(exprs: Sequence[Expression]) -> str:
    return "[" + ", ".join(describe(e) for e in exprs) + "]"


# ---- leaves ----------------------------------------------------------------------


class LocalRelation(LeafNode):
    """Rows held on the driver as one Arrow table (``createDataFrame`` from local data)."""

    def __init__(self, output: Sequence[AttributeReference], table: pa.Table) -> None:
        self._output = list(output)
        self.table = table

    @property
    def output(self) -> list[AttributeReference]:
        return self._output

    def size_in_bytes(self) -> int:
        return max(self.table.nbytes, 1)

    def argument_string(self) -> str:
        return _attrs(self._output)


class Range(LeafNode):
    """``spark.range``: ``id`` from start (inclusive) to end (exclusive) by step."""

    def __init__(self, start: int, end: int, step: int, num_slices: int,
                 output: Sequence[AttributeReference] | None = None) -> None:
        self.start, self.end, self.step, self.num_slices = start, end, step, num_slices
        self._output = list(output) if output else [
            AttributeReference("id", LongType(), False)]

    @property
    def output(self) -> list[AttributeReference]:
        return self._output

    def count(self) -> int:
        if self.step > 0:
            return max(0, (self.end - self.start + self.step - 1) // self.step)
        return max(0, (self.start - self.end - self.step - 1) // -self.step)

    def size_in_bytes(self) -> int:
        return max(8 * self.count(), 1)

    def argument_string(self) -> str:
        return (f"({self.start}, {self.end}, step={self.step}, "
                f"splits=Some({self.num_slices}))")


class LogicalRelation(LeafNode):
    """A data source (see :mod:`minispark.sql.plan.relation`) and the columns read from it."""

    def __init__(self, relation: Any, output: Sequence[AttributeReference]) -> None:
        self.relation = relation
        self._output = list(output)

    @property
    def output(self) -> list[AttributeReference]:
        return self._output

    def size_in_bytes(self) -> int | None:
        estimate = getattr(self.relation, "sizeInBytes", None)
        return estimate() if callable(estimate) else None

    def argument_string(self) -> str:
        describe_relation = getattr(self.relation, "simpleString", None)
        label = describe_relation() if callable(describe_relation) else type(self.relation).__name__
        return f"{label} {_attrs(self._output)}"

    def node_name(self) -> str:
        return "Relation"


class LogicalRDD(LeafNode):
    """An RDD whose records are Arrow record batches with ``output``'s columns."""

    def __init__(self, rdd: Any, output: Sequence[AttributeReference]) -> None:
        self.rdd = rdd
        self._output = list(output)

    @property
    def output(self) -> list[AttributeReference]:
        return self._output

    def size_in_bytes(self) -> None:
        return None

    def argument_string(self) -> str:
        return f"{_attrs(self._output)}, false"


class OneRowRelation(LeafNode):
    """The single empty row a ``SELECT`` without ``FROM`` reads."""

    @property
    def output(self) -> list[AttributeReference]:
        return []

    def size_in_bytes(self) -> int:
        return 1


class UnresolvedRelation(LeafNode):
    """A table or view named in SQL text, looked up by the analyzer."""

    def __init__(self, parts: Sequence[str]) -> None:
        self.parts = tuple(parts)

    @property
    def resolved(self) -> bool:
        return False

    @property
    def output(self) -> list[AttributeReference]:
        return []

    def argument_string(self) -> str:
        return "[" + ", ".join(self.parts) + "], [], false"

    def node_name(self) -> str:
        return "UnresolvedRelation"


class InMemoryRelation(LeafNode):
    """A cached DataFrame's data: its persisted batch RDD, built on first use."""

    def __init__(self, output: Sequence[AttributeReference], cache: Any) -> None:
        self._output = list(output)
        self.cache = cache

    @property
    def output(self) -> list[AttributeReference]:
        return self._output

    def size_in_bytes(self) -> int | None:
        return self.cache.plan.size_in_bytes()

    def argument_string(self) -> str:
        return f"{_attrs(self._output)}, {self.cache.level_string()}"


# ---- operators -------------------------------------------------------------------


class Project(UnaryNode):
    """``SELECT project_list FROM child``."""

    def __init__(self, project_list: Sequence[Expression], child: LogicalPlan) -> None:
        self.project_list = list(project_list)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return [e.to_attribute() for e in self.project_list]  # type: ignore[attr-defined]

    @property
    def resolved(self) -> bool:
        return super().resolved and all(isinstance(e, NamedExpression)
                                        for e in self.project_list)

    def expressions(self) -> list[Expression]:
        return list(self.project_list)

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Project":
        return Project([f(e) for e in self.project_list], self.child)

    def argument_string(self) -> str:
        return _exprs(self.project_list)


class Filter(UnaryNode):
    """Rows of ``child`` for which ``condition`` is true (not false, not null)."""

    def __init__(self, condition: Expression, child: LogicalPlan) -> None:
        self.condition = condition
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output

    def expressions(self) -> list[Expression]:
        return [self.condition]

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Filter":
        return Filter(f(self.condition), self.child)

    def argument_string(self) -> str:
        return describe(self.condition)


class Aggregate(UnaryNode):
    """``GROUP BY grouping`` computing ``aggregates`` (named; may mix keys and aggregates)."""

    def __init__(self, grouping: Sequence[Expression], aggregates: Sequence[Expression],
                 child: LogicalPlan) -> None:
        self.grouping = list(grouping)
        self.aggregates = list(aggregates)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return [e.to_attribute() for e in self.aggregates]  # type: ignore[attr-defined]

    @property
    def resolved(self) -> bool:
        return super().resolved and all(isinstance(e, NamedExpression) for e in self.aggregates)

    def expressions(self) -> list[Expression]:
        return self.grouping + self.aggregates

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Aggregate":
        return Aggregate([f(e) for e in self.grouping], [f(e) for e in self.aggregates],
                         self.child)

    def size_in_bytes(self) -> int | None:
        return 64 if not self.grouping else self.child.size_in_bytes()

    def argument_string(self) -> str:
        return f"{_exprs(self.grouping)}, {_exprs(self.aggregates)}"


class Sort(UnaryNode):
    """Rows ordered by ``order`` (globally, or within each partition)."""

    def __init__(self, order: Sequence[SortOrder], is_global: bool, child: LogicalPlan) -> None:
        self.order = list(order)
        self.is_global = is_global
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output

    def expressions(self) -> list[Expression]:
        return list(self.order)

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Sort":
        return Sort([f(e) for e in self.order], self.is_global, self.child)  # type: ignore[misc]

    def argument_string(self) -> str:
        return f"{_exprs(self.order)}, {str(self.is_global).lower()}"


class Limit(UnaryNode):
    """The first ``n`` rows (after skipping ``offset``)."""

    def __init__(self, n: int, child: LogicalPlan, offset: int = 0) -> None:
        self.n = n
        self.offset = offset
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output

    def size_in_bytes(self) -> int | None:
        child = self.child.size_in_bytes()
        width = sum(_width(a.data_type) for a in self.output) or 1
        cap = (self.n + self.offset) * width
        return cap if child is None else min(child, cap)

    def argument_string(self) -> str:
        return str(self.n) if not self.offset else f"{self.n}, offset={self.offset}"

    def node_name(self) -> str:
        return "GlobalLimit"


def _width(data_type: DataType) -> int:
    return 8 if data_type.simpleString() in ("bigint", "double", "timestamp") else 20


class Join(BinaryNode):
    """``left JOIN right ON condition`` of one of :data:`JOIN_TYPES`.

    ``using`` holds the column names of ``JOIN ... USING (...)`` / ``join(on=names)``
    until the analyzer turns them into a condition and a projection.
    """

    def __init__(self, left: LogicalPlan, right: LogicalPlan, join_type: str,
                 condition: Expression | None = None, using: Sequence[str] | None = None,
                 hint: str | None = None) -> None:
        self.children = (left, right)
        self.join_type = join_type
        self.condition = condition
        self.using = list(using) if using is not None else None
        self.hint = hint

    @property
    def output(self) -> list[AttributeReference]:
        return join_output(self.join_type, self.left.output, self.right.output)

    @property
    def resolved(self) -> bool:
        return super().resolved and self.using is None

    def expressions(self) -> list[Expression]:
        return [self.condition] if self.condition is not None else []

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Join":
        if self.condition is None:
            return self
        return Join(self.left, self.right, self.join_type, f(self.condition), self.using,
                    self.hint)

    def size_in_bytes(self) -> int | None:
        left, right = self.left.size_in_bytes(), self.right.size_in_bytes()
        if self.join_type in ("left_semi", "left_anti"):
            return left
        if left is None or right is None:
            return None
        return left * right

    def argument_string(self) -> str:
        kind = {"left_outer": "LeftOuter", "right_outer": "RightOuter",
                "full_outer": "FullOuter", "left_semi": "LeftSemi", "left_anti": "LeftAnti",
                "inner": "Inner", "cross": "Cross"}[self.join_type]
        cond = f", {describe(self.condition)}" if self.condition is not None else ""
        return f"{kind}{cond}"


class Union(LogicalPlan):
    """The rows of every child, matched by position (or by name before analysis)."""

    def __init__(self, children: Sequence[LogicalPlan], by_name: bool = False,
                 allow_missing: bool = False) -> None:
        self.children = tuple(children)
        self.by_name = by_name
        self.allow_missing = allow_missing

    @property
    def output(self) -> list[AttributeReference]:
        first = self.children[0].output
        nullable = [any(c.output[i].nullable for c in self.children) for i in range(len(first))]
        return [a.with_nullability(n) for a, n in zip(first, nullable)]

    @property
    def resolved(self) -> bool:
        return super().resolved and not self.by_name


class Distinct(UnaryNode):
    """The distinct rows of ``child``."""

    def __init__(self, child: LogicalPlan) -> None:
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output


class Deduplicate(UnaryNode):
    """One row per distinct combination of ``keys`` (``dropDuplicates``)."""

    def __init__(self, keys: Sequence[AttributeReference], child: LogicalPlan) -> None:
        self.keys = list(keys)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output

    def expressions(self) -> list[Expression]:
        return list(self.keys)

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Deduplicate":
        return Deduplicate([f(k) for k in self.keys], self.child)  # type: ignore[misc]

    def argument_string(self) -> str:
        return _exprs(self.keys)


class Generate(UnaryNode):
    """Each child row repeated once per element the generator yields, with the elements."""

    def __init__(self, generator: Expression, generator_output: Sequence[AttributeReference],
                 child: LogicalPlan) -> None:
        self.generator = generator
        self.generator_output = list(generator_output)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output + self.generator_output

    def expressions(self) -> list[Expression]:
        return [self.generator]

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Generate":
        return Generate(f(self.generator), self.generator_output, self.child)

    def argument_string(self) -> str:
        return f"{describe(self.generator)}, {_attrs(self.generator_output)}"


class Window(UnaryNode):
    """Window expressions over one partitioning and ordering, appended to the child's columns."""

    def __init__(self, window_expressions: Sequence[Expression], partition: Sequence[Expression],
                 order: Sequence[SortOrder], child: LogicalPlan) -> None:
        self.window_expressions = list(window_expressions)
        self.partition = list(partition)
        self.order = list(order)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output + [e.to_attribute()  # type: ignore[attr-defined]
                                    for e in self.window_expressions]

    def expressions(self) -> list[Expression]:
        return self.window_expressions + self.partition + list(self.order)

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Window":
        return Window([f(e) for e in self.window_expressions], [f(p) for p in self.partition],
                      [f(o) for o in self.order], self.child)  # type: ignore[misc]

    def argument_string(self) -> str:
        return (f"{_exprs(self.window_expressions)}, {_exprs(self.partition)}, "
                f"{_exprs(self.order)}")


class SubqueryAlias(UnaryNode):
    """Names ``child`` so its columns can be qualified (``t.x``)."""

    def __init__(self, alias: str, child: LogicalPlan) -> None:
        self.alias = alias
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return [a.with_qualifier((self.alias,)) for a in self.child.output]

    def argument_string(self) -> str:
        return self.alias


class Hint(UnaryNode):
    """A planner hint on a sub-plan (``broadcast``: join it by broadcasting it)."""

    def __init__(self, name: str, child: LogicalPlan) -> None:
        self.name = name
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output

    def argument_string(self) -> str:
        return self.name

    def node_name(self) -> str:
        return "ResolvedHint"


class RenameColumns(UnaryNode):
    """The child's columns under new names, by position (``toDF``, ``AS t(a, b)``)."""

    def __init__(self, names: Sequence[str], child: LogicalPlan) -> None:
        self.names = list(names)
        self.children = (child,)

    @property
    def resolved(self) -> bool:
        return False

    @property
    def output(self) -> list[AttributeReference]:
        return []


class Repartition(UnaryNode):
    """``repartition``/``coalesce``: ``num`` partitions, by round robin or by ``keys``."""

    def __init__(self, num: int | None, shuffle: bool, child: LogicalPlan,
                 keys: Sequence[Expression] = ()) -> None:
        self.num = num
        self.shuffle = shuffle
        self.keys = list(keys)
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output

    def expressions(self) -> list[Expression]:
        return list(self.keys)

    def map_expressions(self, f: Callable[[Expression], Expression]) -> "Repartition":
        return Repartition(self.num, self.shuffle, self.child, [f(k) for k in self.keys])

    def argument_string(self) -> str:
        return f"{self.num}, {str(self.shuffle).lower()}"


class Sample(UnaryNode):
    """A Bernoulli (or Poisson, with replacement) sample of ``child``'s rows."""

    def __init__(self, fraction: float, with_replacement: bool, seed: int,
                 child: LogicalPlan) -> None:
        self.fraction = fraction
        self.with_replacement = with_replacement
        self.seed = seed
        self.children = (child,)

    @property
    def output(self) -> list[AttributeReference]:
        return self.child.output

    def argument_string(self) -> str:
        return f"0.0, {self.fraction}, {str(self.with_replacement).lower()}, {self.seed}"


class SetOperation(BinaryNode):
    """``INTERSECT`` / ``EXCEPT`` [ALL] of two children with matching columns."""

    def __init__(self, left: LogicalPlan, right: LogicalPlan, kind: str, is_all: bool) -> None:
        self.children = (left, right)
        self.kind = kind
        self.is_all = is_all

    @property
    def output(self) -> list[AttributeReference]:
        return self.left.output

    def node_name(self) -> str:
        return self.kind.capitalize()

    def argument_string(self) -> str:
        return str(self.is_all).lower()
