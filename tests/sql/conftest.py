"""The ``spark`` fixture: a SparkSession on each executor backend's shared context.

Each test gets a fresh session (its own temporary views, settings and cache)
on the context of its backend (``inline``, ``local[1]``, ``local[2]``, shared
with the RDD tests and stopped at the end of the run by the root conftest).
"""
from __future__ import annotations

from typing import Iterator

import pytest

from minispark.sql import SparkSession


@pytest.fixture
def spark(sc, tmp_path) -> Iterator[SparkSession]:
    """A SparkSession over ``sc``; its cached DataFrames are dropped after the test.

    Its warehouse (``saveAsTable``, ``CREATE TABLE``) is under ``tmp_path``, not the cwd."""
    session = SparkSession(sc, {"spark.sql.warehouse.dir": str(tmp_path / "spark-warehouse")})
    yield session
    session._cache_manager.clear()
