"""Fixtures for mini-HDFS tests: clusters are real processes, always reaped."""
from __future__ import annotations

from typing import Iterator

import pytest

from minispark.hdfs.minicluster import MiniDFSCluster
from tests.minidfs import mini_dfs

from _hdfs_testutil import BLOCK


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniDFSCluster]:
    """One 3-DataNode cluster shared by a test module (tests must not destroy it)."""
    with mini_dfs(tmp_path_factory, datanodes=3, block_size=BLOCK) as c:
        yield c


@pytest.fixture()
def client(cluster: MiniDFSCluster):
    """A client of the module's cluster, closed after the test."""
    c = cluster.client()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture()
def conf_env(cluster: MiniDFSCluster, monkeypatch: pytest.MonkeyPatch) -> str:
    """$MINISPARK_HDFS_CONF pointing at the module cluster."""
    path = str(cluster.write_client_conf())
    monkeypatch.setenv("MINISPARK_HDFS_CONF", path)
    return path

