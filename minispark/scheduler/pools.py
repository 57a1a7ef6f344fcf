"""Which active job gets the next free task slot: FIFO, or FAIR with pools;
and which of the job's pending tasks (:class:`PendingTasks`).

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

import heapq
import xml.etree.ElementTree as ElementTree
from collections import deque
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Iterable, Iterator, Protocol, Sequence

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


class PendingTask(Protocol):
    """What :class:`PendingTasks` reads of a task: where it would rather run, since when."""

    preferred: tuple[str, ...]
    queued_at: float


class _Entry:
    """One queued task; ``taken`` once picked or removed (the indexes drop it lazily)."""

    __slots__ = ("seq", "taken", "task")

    def __init__(self, seq: int, task: PendingTask) -> None:
        self.seq, self.task, self.taken = seq, task, False

    def __lt__(self, other: _Entry) -> bool:  # heap order: queue order
        return self.seq < other.seq


class PendingTasks:
    """One job's tasks waiting for a slot, indexed so a pick costs O(log n), not a scan.

    The tasks form one queue (``append``, ``appendleft``); :meth:`pick` gives an
    executor the first task in queue order that prefers it (it caches the
    partition), else the first that may run anywhere now: it prefers no
    executor, has waited ``locality_wait`` seconds, or every executor it
    prefers is gone (delay scheduling). Rather than scan the queue, tasks are
    kept by preferred executor, no-preference tasks in a FIFO, and tasks
    waiting for locality in a heap by age that releases them once their wait
    is over.

    >>> from types import SimpleNamespace as Task
    >>> q = PendingTasks()
    >>> q.append(Task(name="a", preferred=("e1",), queued_at=0.0))
    >>> q.append(Task(name="b", preferred=(), queued_at=0.0))
    >>> q.pick("e2", now=1.0, locality_wait=3.0).name, q.pick("e2", 1.0, 3.0)
    ('b', None)
    >>> q.pick("e2", now=3.0, locality_wait=3.0).name, len(q)
    ('a', 0)
    """

    def __init__(self) -> None:
        self._first = 0  # sequence numbers: appendleft counts down, append up
        self._next = 0
        self._size = 0
        self._by_executor: dict[str, deque[_Entry]] = {}
        self._anywhere: deque[_Entry] = deque()  # no preference, in queue order
        self._released: list[_Entry] = []  # heap by queue order: wait over or executors gone
        self._waiting: list[tuple[float, int, _Entry]] = []  # heap by age: locality wait
        self._ages: list[tuple[float, int, _Entry]] = []  # heap by age: every task
        self._alive: frozenset[str] | None = None
        self._alive_seen: frozenset[str] | None = None

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[PendingTask]:
        """The queued tasks in queue order (a full sort: for rare events only)."""
        entries = {e.seq: e for _, _, e in self._ages if not e.taken}
        return iter([entries[seq].task for seq in sorted(entries)])

    def append(self, task: PendingTask) -> None:
        """Queue ``task`` last."""
        self._add(_Entry(self._next, task), last=True)
        self._next += 1

    def appendleft(self, task: PendingTask) -> None:
        """Queue ``task`` first (a retried task goes before the others)."""
        self._first -= 1
        self._add(_Entry(self._first, task), last=False)

    def extend(self, tasks: Iterable[PendingTask]) -> None:
        """Queue ``tasks`` last, in order."""
        for task in tasks:
            self.append(task)

    def remove_if(self, predicate: Callable[[PendingTask], bool]) -> list[PendingTask]:
        """Drop the queued tasks ``predicate`` selects; return them in queue order."""
        dropped = [t for t in self if predicate(t)]
        chosen = {id(t) for t in dropped}
        for _, _, entry in self._ages:
            if not entry.taken and id(entry.task) in chosen:
                self._take(entry)
        return dropped

    def oldest(self) -> float | None:
        """When the task queued longest was queued (None when empty)."""
        ages = self._ages
        while ages and ages[0][2].taken:
            heapq.heappop(ages)
        return ages[0][0] if ages else None

    def pick(self, executor_id: str, now: float, locality_wait: float,
             alive: frozenset[str] | None = None) -> PendingTask | None:
        """Remove and return the task to run on ``executor_id`` (None if none may).

        ``alive`` names the live executors (None: all are).
        """
        local = self._by_executor.get(executor_id)
        if local:
            entry = _head(local)
            if entry is not None:
                return self._take(entry)
        self._release(now - locality_wait, alive)
        anywhere, released = _head(self._anywhere), self._released
        while released and released[0].taken:
            heapq.heappop(released)
        if released and (anywhere is None or released[0].seq < anywhere.seq):
            return self._take(heapq.heappop(released))
        return None if anywhere is None else self._take(anywhere)

    def _add(self, entry: _Entry, last: bool) -> None:
        task = entry.task
        self._size += 1
        heapq.heappush(self._ages, (task.queued_at, entry.seq, entry))
        if not task.preferred:
            (self._anywhere.append if last else self._anywhere.appendleft)(entry)
            return
        for executor_id in task.preferred:
            local = self._by_executor.setdefault(executor_id, deque())
            (local.append if last else local.appendleft)(entry)
        if self._alive is not None and self._alive.isdisjoint(task.preferred):
            heapq.heappush(self._released, entry)
        else:
            heapq.heappush(self._waiting, (task.queued_at, entry.seq, entry))

    def _release(self, queued_before: float, alive: frozenset[str] | None) -> None:
        """Move waiting tasks that may now run anywhere to ``_released``."""
        # The scheduler passes one set per round of offers: compare its contents once.
        if alive is not None and alive is not self._alive_seen:
            self._alive_seen = alive
            if alive != self._alive:  # executors came or went: rare
                self._alive = alive
                self._sort_waiting(alive)
        waiting = self._waiting
        while waiting and (waiting[0][2].taken or waiting[0][0] <= queued_before):
            entry = heapq.heappop(waiting)[2]
            if not entry.taken:
                heapq.heappush(self._released, entry)

    def _sort_waiting(self, alive: frozenset[str]) -> None:
        """Split the tasks with preferences again: those whose executors are all gone
        are released, the others wait (their wait is checked afresh)."""
        pending = [e for e in chain(self._released, (item[2] for item in self._waiting))
                   if not e.taken]
        self._released = [e for e in pending if alive.isdisjoint(e.task.preferred)]
        self._waiting = [(e.task.queued_at, e.seq, e) for e in pending
                         if not alive.isdisjoint(e.task.preferred)]
        heapq.heapify(self._released)
        heapq.heapify(self._waiting)

    def _take(self, entry: _Entry) -> PendingTask:
        entry.taken = True
        self._size -= 1
        return entry.task


def _head(entries: deque[_Entry]) -> _Entry | None:
    """The first entry not taken yet, dropping the taken ones before it."""
    while entries and entries[0].taken:
        entries.popleft()
    return entries[0] if entries else None
