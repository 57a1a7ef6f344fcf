"""Rack-aware block placement, as Hadoop's BlockPlacementPolicyDefault.

First replica on the writer's node (when the writer is a DataNode), second on
a node of another rack, third on another node of the second's rack; further
replicas anywhere, at most ``(replicas - 1) // racks + 2`` per rack.  When
some replicas already exist (re-replication) the same rules continue from
them.  Ties are broken at random, as Hadoop does, to spread load.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Sequence


@dataclass(frozen=True)
class NodeInfo:
    """What placement needs to know about a DataNode."""

    id: str
    rack: str
    remaining: int = 1 << 62


class PlacementPolicy:
    """Choose targets for new replicas of a block."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()

    def choose(self, count: int, candidates: Sequence[NodeInfo], existing: Sequence[NodeInfo] = (),
               writer: NodeInfo | None = None, block_size: int = 0,
               excluded: set[str] = frozenset()) -> list[NodeInfo]:
        """Up to ``count`` new targets, in pipeline order, avoiding ``existing`` and ``excluded``."""
        usable = [n for n in candidates if n.id not in excluded and n.remaining >= block_size]
        total = len(existing) + count
        racks = len({n.rack for n in usable} | {n.rack for n in existing}) or 1
        max_per_rack = (total - 1) // racks + 2
        chosen = list(existing)
        picked: list[NodeInfo] = []
        for _ in range(count):
            node = self._next(chosen, usable, writer, max_per_rack)
            if node is None:
                break
            chosen.append(node)
            picked.append(node)
        return picked

    def _next(self, chosen: list[NodeInfo], usable: list[NodeInfo], writer: NodeInfo | None,
              max_per_rack: int) -> NodeInfo | None:
        taken = {n.id for n in chosen}
        per_rack: dict[str, int] = {}
        for n in chosen:
            per_rack[n.rack] = per_rack.get(n.rack, 0) + 1
        free = [n for n in usable if n.id not in taken]
        if not free:
            return None
        if not chosen:
            if writer is not None and any(n.id == writer.id for n in free):
                return next(n for n in free if n.id == writer.id)
            return self.rng.choice(free)
        if len(chosen) == 1:
            return self._pick(free, lambda n: n.rack != chosen[0].rack)
        if len(chosen) == 2:
            if chosen[0].rack == chosen[1].rack:
                return self._pick(free, lambda n: n.rack != chosen[0].rack)
            return self._pick(free, lambda n: n.rack == chosen[1].rack)
        return self._pick(free, lambda n: per_rack.get(n.rack, 0) < max_per_rack)

    def _pick(self, free: list[NodeInfo], prefer: Callable[[NodeInfo], bool]) -> NodeInfo:
        good = [n for n in free if prefer(n)]
        return self.rng.choice(good or free)


def sort_by_distance(nodes: Sequence[NodeInfo], client: NodeInfo | None, client_rack: str,
                     rng: random.Random | None = None) -> list[NodeInfo]:
    """Closest first: the client's own node (0), its rack (2), elsewhere (4); ties shuffled."""
    rng = rng or random.Random()

    def distance(n: NodeInfo) -> int:
        if client is not None and n.id == client.id:
            return 0
        return 2 if n.rack == client_rack else 4

    shuffled = list(nodes)
    rng.shuffle(shuffled)
    return sorted(shuffled, key=distance)
