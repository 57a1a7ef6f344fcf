"""Block manager: where replicas live, DataNode liveness, replication work.

Nothing here is persisted: like Hadoop, replica locations are rebuilt from
DataNode block reports after every NameNode start.  Every method is called
with the namesystem lock held.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from .config import HdfsConfig
from .namespace import Block, Namespace
from .placement import NodeInfo, PlacementPolicy

log = logging.getLogger("minispark.hdfs.blockmanager")
MAX_TRANSFERS_PER_NODE = 8  # dfs.namenode.replication.max-streams-hard-limit analogue


@dataclass
class DatanodeDescriptor:
    """The NameNode's view of one DataNode."""

    id: str
    host: str
    port: int
    http_port: int
    rack: str
    last_heartbeat: float = 0.0
    alive: bool = True
    capacity: int = 0
    used: int = 0
    remaining: int = 1 << 62
    blocks: set[int] = field(default_factory=set)
    commands: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """``host:port`` transfer address, Hadoop's DataNode "name"."""
        return f"{self.host}:{self.port}"

    def info(self) -> NodeInfo:
        """Placement view."""
        return NodeInfo(self.id, self.rack, self.remaining)

    def wire(self) -> dict[str, Any]:
        """What clients need to reach this node."""
        return {"id": self.id, "host": self.host, "port": self.port,
                "http_port": self.http_port, "rack": self.rack}

    def report(self, now: float) -> dict[str, Any]:
        """Entry of ``dfsadmin -report``-style output."""
        return dict(self.wire(), alive=self.alive, last_contact=round(now - self.last_heartbeat, 3),
                    capacity=self.capacity, used=self.used, remaining=self.remaining,
                    num_blocks=len(self.blocks))


class BlockManager:
    """Replica map, DataNode registry and the replication/invalidation logic."""

    def __init__(self, config: HdfsConfig, namespace: Namespace, policy: PlacementPolicy) -> None:
        self.config = config
        self.ns = namespace
        self.policy = policy
        self.datanodes: dict[str, DatanodeDescriptor] = {}
        self.locations: dict[int, set[str]] = {}
        self.corrupt: dict[int, set[str]] = {}
        self.pending: dict[int, tuple[float, set[str], str]] = {}  # id -> (deadline, targets, source)
        self.invalidating: dict[int, set[str]] = {}  # replicas told to delete, not yet confirmed

    # ------------------------------------------------------------ datanodes
    def alive_nodes(self) -> list[DatanodeDescriptor]:
        """Live DataNodes."""
        return [d for d in self.datanodes.values() if d.alive]

    def register(self, dn_id: str, host: str, port: int, http_port: int) -> DatanodeDescriptor:
        """(Re-)register a DataNode; its replicas come with its next block report."""
        old = self.datanodes.get(dn_id)
        if old is not None:
            self._forget_replicas(old)
        rack = self.config.rack_of(dn_id, f"{host}:{port}", host)
        dn = DatanodeDescriptor(dn_id, host, port, http_port, rack, last_heartbeat=time.monotonic())
        self.datanodes[dn_id] = dn
        log.info("registered DataNode %s at %s:%d rack %s", dn_id, host, port, rack)
        return dn

    def heartbeat(self, dn_id: str, stats: dict[str, int]) -> list[dict[str, Any]] | None:
        """Record a heartbeat; returns queued commands, or ``None`` if the node must register."""
        dn = self.datanodes.get(dn_id)
        if dn is None or not dn.alive:
            return None
        dn.last_heartbeat = time.monotonic()
        dn.capacity = int(stats.get("capacity", 0))
        dn.used = int(stats.get("used", 0))
        dn.remaining = int(stats.get("remaining", dn.remaining))
        commands, dn.commands = dn.commands, []
        return commands

    def check_dead(self, now: float) -> list[str]:
        """Declare nodes silent for longer than the dead-node timeout dead."""
        dead = []
        for dn in self.alive_nodes():
            if now - dn.last_heartbeat > self.config.dead_node_timeout:
                dn.alive = False
                dn.commands.clear()
                self._forget_replicas(dn)
                dead.append(dn.id)
                log.warning("DataNode %s is dead (no heartbeat for %.1fs)", dn.id, now - dn.last_heartbeat)
        return dead

    def _forget_replicas(self, dn: DatanodeDescriptor) -> None:
        for block_id in dn.blocks:
            self.locations.get(block_id, set()).discard(dn.id)
            self.corrupt.get(block_id, set()).discard(dn.id)
        for holders in self.invalidating.values():
            holders.discard(dn.id)
        dn.blocks = set()

    # ------------------------------------------------------------ replicas
    def is_under_construction(self, block: Block) -> bool:
        """The last block of a file still being written."""
        f = block.file
        return f is not None and f.under_construction and bool(f.blocks) and f.blocks[-1] is block

    def live_locations(self, block_id: int) -> list[DatanodeDescriptor]:
        """Live, non-corrupt holders of a block."""
        return [self.datanodes[i] for i in self.locations.get(block_id, ()) if self.datanodes[i].alive]

    def _add_replica(self, dn: DatanodeDescriptor, block_id: int) -> None:
        self.locations.setdefault(block_id, set()).add(dn.id)
        dn.blocks.add(block_id)

    def _remove_replica(self, dn: DatanodeDescriptor, block_id: int) -> None:
        self.locations.get(block_id, set()).discard(dn.id)
        dn.blocks.discard(block_id)

    def invalidate(self, dn: DatanodeDescriptor, block_ids: Iterable[int], gs: int = -1) -> None:
        """Tell a DataNode (at its next heartbeat) to delete replicas.

        With ``gs`` >= 0 only replicas whose generation stamp is at most ``gs``
        are deleted, so a newer replica written meanwhile survives.
        """
        ids = list(block_ids)
        for block_id in ids:
            self._remove_replica(dn, block_id)
            self.invalidating.setdefault(block_id, set()).add(dn.id)
        if ids:
            dn.commands.append({"cmd": "invalidate", "blocks": [[i, gs] for i in ids]})

    def replica_reported(self, dn: DatanodeDescriptor, block_id: int, gs: int, length: int) -> None:
        """A finalized replica on ``dn``: accept it, or discard it if stale or orphaned."""
        block = self.ns.blocks.get(block_id)
        if block is None:
            self.invalidate(dn, [block_id])  # deleted while the node was away
            return
        if gs < block.gs:
            if self.is_under_construction(block):
                return  # pipeline recovery under way; judged once the block is complete
            log.info("stale replica %s gs %d on %s (current %d)", block_id, gs, dn.id, block.gs)
            self.invalidate(dn, [block_id], gs)
            return
        if gs > block.gs:
            return  # pipeline recovery racing with the NameNode's update; ignored
        if not self.is_under_construction(block) and length != block.num_bytes:
            self.mark_corrupt(block_id, dn.id, f"length {length} != {block.num_bytes}")
            return
        self._add_replica(dn, block_id)
        pending = self.pending.get(block_id)
        if pending is not None and dn.id in pending[1]:
            pending[1].discard(dn.id)
            if not pending[1]:
                del self.pending[block_id]

    def full_report(self, dn: DatanodeDescriptor, triples: list[list[int]]) -> None:
        """A full block report replaces everything the NameNode knew about ``dn``."""
        self._forget_replicas(dn)
        for block_id, gs, length in triples:
            self.replica_reported(dn, int(block_id), int(gs), int(length))

    def replica_deleted(self, dn: DatanodeDescriptor, block_id: int) -> None:
        """Incremental report: ``dn`` no longer holds a replica."""
        self._remove_replica(dn, block_id)
        self.corrupt.get(block_id, set()).discard(dn.id)
        holders = self.invalidating.get(block_id)
        if holders is not None:
            holders.discard(dn.id)
            if not holders:
                del self.invalidating[block_id]

    def mark_corrupt(self, block_id: int, dn_id: str, why: str) -> None:
        """A replica failed its checksum (or length) check: stop serving it, replace it."""
        dn = self.datanodes.get(dn_id)
        if dn is None or block_id not in self.ns.blocks:
            return
        log.warning("corrupt replica of block %d on %s: %s", block_id, dn_id, why)
        self._remove_replica(dn, block_id)
        self.corrupt.setdefault(block_id, set()).add(dn_id)
        dn.blocks.add(block_id)  # still on its disk until invalidated

    def blocks_removed(self, blocks: Iterable[Block]) -> None:
        """Blocks that left the namespace: delete every replica."""
        for block in blocks:
            holders = self.locations.pop(block.id, set()) | self.corrupt.pop(block.id, set())
            self.pending.pop(block.id, None)
            for dn_id in holders:
                dn = self.datanodes.get(dn_id)
                if dn is not None:
                    self.invalidate(dn, [block.id])

    def reset_locations(self, block_id: int) -> None:
        """Forget replicas of a block whose generation stamp was just bumped."""
        for dn_id in self.locations.pop(block_id, set()):
            dn = self.datanodes.get(dn_id)
            if dn is not None:
                dn.blocks.discard(block_id)

    # ------------------------------------------------------------ safe mode
    def safe_block_counts(self) -> tuple[int, int]:
        """(complete blocks with at least min replication, complete blocks)."""
        total = safe = 0
        for block in self.ns.blocks.values():
            if self.is_under_construction(block):
                continue
            total += 1
            if len(self.live_locations(block.id)) >= self.config.min_replication:
                safe += 1
        return safe, total

    # ------------------------------------------------------------ replication
    def compute_work(self, now: float) -> int:
        """Schedule re-replication, trimming and corrupt-replica removal; returns #actions."""
        for block_id, (deadline, _, _) in list(self.pending.items()):
            if now > deadline:
                del self.pending[block_id]  # timed out: will be rescheduled below
        actions = 0
        busy: dict[str, int] = {}
        for _, _, source in self.pending.values():
            busy[source] = busy.get(source, 0) + 1
        for block in list(self.ns.blocks.values()):
            if block.file is None or self.is_under_construction(block):
                continue
            actions += self._check_block(block, now, busy)
        return actions

    def _check_block(self, block: Block, now: float, busy: dict[str, int]) -> int:
        live = self.live_locations(block.id)
        expected = block.file.replication if block.file else 1
        bad = self.corrupt.get(block.id)
        if bad and live:
            # A good copy exists: delete the corrupt ones; re-replication replaces them.
            for dn_id in list(bad):
                dn = self.datanodes.get(dn_id)
                if dn is not None and dn.alive:
                    self.invalidate(dn, [block.id], block.gs)
                bad.discard(dn_id)
        if len(live) > expected:
            self._trim(block, live, expected)
            return 1
        if len(live) >= expected or not live or block.id in self.pending:
            return 0
        return self._replicate(block, live, expected, now, busy)

    def _replicate(self, block: Block, live: list[DatanodeDescriptor], expected: int, now: float,
                   busy: dict[str, int]) -> int:
        sources = [d for d in live if busy.get(d.id, 0) < MAX_TRANSFERS_PER_NODE]
        if not sources:
            return 0
        holders = ({d.id for d in live} | self.corrupt.get(block.id, set())
                   | self.invalidating.get(block.id, set()))
        targets = self.policy.choose(expected - len(live), [d.info() for d in self.alive_nodes()],
                                     existing=[d.info() for d in live], block_size=block.num_bytes,
                                     excluded=holders)
        if not targets:
            return 0
        source = min(sources, key=lambda d: busy.get(d.id, 0))
        busy[source.id] = busy.get(source.id, 0) + 1
        source.commands.append({"cmd": "transfer", "block": block.triple(),
                                "targets": [self.datanodes[t.id].wire() for t in targets]})
        self.pending[block.id] = (now + self.config.pending_replication_timeout,
                                  {t.id for t in targets}, source.id)
        log.info("replicating %s from %s to %s", block.name(), source.id, [t.id for t in targets])
        return 1

    def _trim(self, block: Block, live: list[DatanodeDescriptor], expected: int) -> None:
        # Hadoop removes from the rack holding most replicas, then the node with least space.
        live = list(live)
        while len(live) > expected:
            per_rack: dict[str, int] = {}
            for d in live:
                per_rack[d.rack] = per_rack.get(d.rack, 0) + 1
            victim = min(live, key=lambda d: (-per_rack[d.rack], d.remaining, d.id))
            live.remove(victim)
            self.invalidate(victim, [block.id], block.gs)
            log.info("trimming over-replicated %s on %s", block.name(), victim.id)
