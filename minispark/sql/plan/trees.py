"""Immutable trees: what expressions and plan nodes share (children, rewriting, walking).

Rewrites return new nodes and leave the original untouched, so a DataFrame's
analyzed plan can be shared by every DataFrame derived from it. Walks use
explicit stacks, so a plan thousands of operators deep does not hit the
recursion limit.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T", bound="TreeNode")


class TreeNode:
    """A node with ``children`` (a tuple of nodes of the same family)."""

    children: tuple = ()

    def with_children(self: T, children: tuple) -> T:
        """A copy of this node with other children (the same node if they are the same)."""
        children = tuple(children)
        if len(children) == len(self.children) and all(
                a is b for a, b in zip(children, self.children)):
            return self
        node = copy.copy(self)
        node.children = children
        node._reset()
        return node

    def _reset(self) -> None:
        """Forget values cached from the old children (overridden where there are some)."""

    def transform_up(self: T, rule: Callable[[Any], Any]) -> T:
        """Apply ``rule`` to every node, children first; ``rule`` returns a node."""
        # Post-order without recursion: rebuild each node once its children are done. A
        # node object may occur several times (``x * x`` shares ``x``): it is done once.
        done: dict[int, Any] = {}
        stack: list[tuple[Any, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if not expanded:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.children))
                continue
            rebuilt = node.with_children(tuple(done.get(id(c), c) for c in node.children))
            done[id(node)] = rule(rebuilt)
        return done[id(self)]

    def transform_down(self: T, rule: Callable[[Any], Any]) -> T:
        """Apply ``rule`` to a node, then to the children of what it returned."""
        node = rule(self)
        children = tuple(child.transform_down(rule) for child in node.children)
        return node.with_children(children)

    def walk(self) -> Iterator[Any]:
        """Every node of the tree, parents before children."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find_all(self, kind: type | tuple[type, ...]) -> list:
        """Every node that is an instance of ``kind``."""
        return [node for node in self.walk() if isinstance(node, kind)]

    def exists(self, predicate: Callable[[Any], bool]) -> bool:
        """Whether some node satisfies ``predicate``."""
        return any(predicate(node) for node in self.walk())

    def simple_string(self) -> str:
        """One line describing this node (plans override it)."""
        return type(self).__name__

    def tree_string(self) -> str:
        """The tree as Spark prints plans: one node per line, ``+-`` before each child."""
        lines: list[str] = []
        stack: list[tuple[Any, str, str]] = [(self, "", "")]
        while stack:
            node, first, rest = stack.pop()
            lines.append(first + node.simple_string())
            kids = list(node.children)
            for i in range(len(kids) - 1, -1, -1):
                last = i == len(kids) - 1
                stack.append((kids[i], rest + ("+- " if last else ":- "),
                              rest + ("   " if last else ":  ")))
        return "\n".join(lines)
