"""Which active job gets the next free task slot: FIFO, or FAIR with pools.

``spark.scheduler.mode=FIFO`` (the default) offers a slot to the jobs in
submission order: a later job only gets slots the earlier ones cannot use.
``FAIR`` groups jobs into pools (the job's ``spark.scheduler.pool`` local
property, else ``default``) and offers each slot to the neediest pool,
compared as Spark compares them: a pool below its ``minShare`` of running
tasks comes first (the lowest running/minShare ratio first), then the pool
with the fewest running tasks per unit of ``weight``, ties by name. Inside a
pool jobs go FIFO, or FAIR (fewest running tasks first) when the pool's
``schedulingMode`` says so. Pools, their weight, minShare and mode come from
``spark.scheduler.allocation.file`` (Spark's XML format); a pool it does not
name gets weight 1, minShare 0 and FIFO.
"""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Protocol, Sequence

DEFAULT_POOL = "default"
_MODES = ("FIFO", "FAIR")


class SchedulableJob(Protocol):
    id: int
    properties: dict[str, str]


@dataclass(frozen=True)
class Pool:
    """One pool's share of the slots."""

    name: str
    mode: str = "FIFO"
    weight: int = 1
    min_share: int = 0


def parse_mode(text: str) -> str:
    """``spark.scheduler.mode``, as Spark reads it (any case).

    >>> parse_mode("fair")
    'FAIR'
    """
    mode = text.strip().upper()
    if mode not in _MODES:
        raise ValueError("must be FIFO or FAIR")
    return mode


def load_pools(path: str | None) -> dict[str, Pool]:
    """The pools an allocation file declares (none when ``path`` is None).

    >>> import os, tempfile
    >>> xml = ('<allocations><pool name="etl"><schedulingMode>FAIR</schedulingMode>'
    ...        '<weight>2</weight><minShare>1</minShare></pool></allocations>')
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "pools.xml")
    ...     _ = open(path, "w").write(xml)
    ...     load_pools(path)
    {'etl': Pool(name='etl', mode='FAIR', weight=2, min_share=1)}
    """
    if path is None:
        return {}
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise ValueError(f"spark.scheduler.allocation.file {path!r} cannot be read: {exc}"
                         ) from exc
    pools = {}
    for node in root.iter("pool"):
        name = node.get("name")
        if not name:
            raise ValueError(f"spark.scheduler.allocation.file {path!r}: a <pool> has no name")
        try:
            pools[name] = Pool(name, parse_mode(node.findtext("schedulingMode", "FIFO")),
                               int(node.findtext("weight", "1")),
                               int(node.findtext("minShare", "0")))
        except ValueError as exc:
            raise ValueError(f"spark.scheduler.allocation.file {path!r}, pool {name!r}: {exc}"
                             ) from exc
    return pools


class JobOrder:
    """Orders the active jobs for one free slot, given each job's running tasks."""

    def __init__(self, mode: str = "FIFO", pools: dict[str, Pool] | None = None) -> None:
        self.mode = mode
        self.pools = dict(pools or {})

    def order(self, jobs: Sequence[SchedulableJob], running: dict[int, int]
              ) -> list[SchedulableJob]:
        """``jobs`` best first; ``running`` maps a job id to its running task count.

        >>> from types import SimpleNamespace as Job
        >>> a, b = Job(id=0, properties={}), Job(id=1, properties={"spark.scheduler.pool": "x"})
        >>> [j.id for j in JobOrder("FIFO").order([b, a], {0: 2})]
        [0, 1]
        >>> [j.id for j in JobOrder("FAIR").order([a, b], {0: 2})]
        [1, 0]
        """
        by_id = sorted(jobs, key=lambda j: j.id)
        if self.mode == "FIFO":
            return by_id
        members: dict[str, list[SchedulableJob]] = {}
        for job in by_id:
            members.setdefault(job.properties.get("spark.scheduler.pool") or DEFAULT_POOL,
                               []).append(job)
        load = {name: sum(running.get(j.id, 0) for j in group) for name, group in members.items()}
        ordered = []
        for name in sorted(members, key=lambda n: self._need(self._pool(n), load[n])):
            group = members[name]
            if self._pool(name).mode == "FAIR":
                group = sorted(group, key=lambda j: (running.get(j.id, 0), j.id))
            ordered.extend(group)
        return ordered

    def _pool(self, name: str) -> Pool:
        return self.pools.get(name) or Pool(name)

    @staticmethod
    def _need(pool: Pool, running: int) -> tuple:
        """Sort key: needy pools (below minShare) first, by share ratio, then by weight."""
        needy = running < pool.min_share
        if needy:
            return (0, running / max(pool.min_share, 1), pool.name)
        return (1, running / max(pool.weight, 1), pool.name)
