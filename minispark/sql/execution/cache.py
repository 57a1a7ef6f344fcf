"""Cached DataFrames: ``df.cache()`` keeps its batches, and every query that contains
that DataFrame's plan reads them instead of recomputing it (Spark's CacheManager).

A plan matches by identity: a DataFrame derived from a cached one holds the
cached plan object itself, as does a view created from it.
"""
from __future__ import annotations

from typing import Any

from minispark.sql.plan import logical as L
from minispark.storagelevel import StorageLevel


class CachedData:
    """One cached plan and, once a query has used it, its persisted RDD of batches."""

    def __init__(self, session: Any, plan: L.LogicalPlan, level: StorageLevel) -> None:
        self.session = session
        self.plan = plan
        self.level = level
        self._rdd: Any = None

    def rdd(self, ctx: Any) -> Any:
        if self._rdd is None:
            from minispark.sql.execution.query import QueryExecution

            query = QueryExecution(self.session, self.plan)
            query.with_cached_data = self.session._cache_manager.use_cached(  # type: ignore
                self.plan, exclude=self)
            self._rdd = query.rdd().persist(self.level)
        return self._rdd

    def level_string(self) -> str:
        level = self.level
        parts = [("Disk", level.useDisk), ("Memory", level.useMemory),
                 ("OffHeap", level.useOffHeap), ("Deserialized", level.deserialized)]
        used = " ".join(name for name, on in parts if on)
        return f"StorageLevel({used}, {level.replication} replicas)"

    def unpersist(self) -> None:
        if self._rdd is not None:
            self._rdd.unpersist()
            self._rdd = None


class CacheManager:
    """The session's cached plans."""

    def __init__(self) -> None:
        self.entries: list[CachedData] = []

    def lookup(self, plan: L.LogicalPlan) -> CachedData | None:
        for entry in self.entries:
            if entry.plan is plan:
                return entry
        return None

    def cache(self, session: Any, plan: L.LogicalPlan, level: StorageLevel) -> None:
        if self.lookup(plan) is None:
            self.entries.append(CachedData(session, plan, level))

    def uncache(self, plan: L.LogicalPlan) -> None:
        entry = self.lookup(plan)
        if entry is not None:
            entry.unpersist()
            self.entries.remove(entry)

    def clear(self) -> None:
        for entry in self.entries:
            entry.unpersist()
        self.entries.clear()

    def use_cached(self, plan: L.LogicalPlan, exclude: CachedData | None = None
                   ) -> L.LogicalPlan:
        """``plan`` with each cached sub-plan replaced by a scan of its cached data."""
        if not self.entries:
            return plan
        by_id = {id(e.plan): e for e in self.entries if e is not exclude}

        def rule(node: L.LogicalPlan) -> L.LogicalPlan:
            entry = by_id.get(id(node))
            if entry is not None:
                return L.InMemoryRelation(node.output, entry)
            return node
        return plan.transform_down(rule)
