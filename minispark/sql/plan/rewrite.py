"""Plan rewrites shared by the analyzer and the optimizer."""
from __future__ import annotations

import copy

from minispark.sql.plan import logical as L
from minispark.sql.plan.expressions import Alias, AttributeReference, Expression


def fresh_ids(plan: L.LogicalPlan, clash: set[int]
              ) -> tuple[L.LogicalPlan, dict[int, AttributeReference]]:
    """``plan`` with new ids for the attributes in ``clash``, and old id -> new attribute.

    The second side of a self-join must not share attribute ids with the first,
    or a reference to one side's column would also match the other's.
    """
    mapping: dict[int, AttributeReference] = {}

    def remap(e: Expression) -> Expression:
        def rule(x: Expression) -> Expression:
            if isinstance(x, AttributeReference) and x.expr_id in mapping:
                new = mapping[x.expr_id]
                return AttributeReference(new.name, new.data_type, x.nullable, new.expr_id,
                                          x.qualifier)
            return x
        e = e.transform_up(rule)
        if isinstance(e, Alias) and e.expr_id in clash:
            renamed = Alias(e.child, e.name, None, e.metadata)
            mapping[e.expr_id] = renamed.to_attribute()
            return renamed
        return e

    def rule(node: L.LogicalPlan) -> L.LogicalPlan:
        if not node.children and hasattr(node, "_output"):
            outputs = []
            for a in node.output:
                if a.expr_id in clash:
                    new = a.new_instance()
                    mapping[a.expr_id] = new
                    outputs.append(new)
                else:
                    outputs.append(a)
            if any(a.expr_id in mapping for a in node.output):
                node = copy.copy(node)
                node._output = outputs  # type: ignore[attr-defined]
            return node
        return node.map_expressions(remap)

    return plan.transform_up(rule), mapping
