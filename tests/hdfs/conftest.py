"""Fixtures for mini-HDFS tests: clusters are real processes, always reaped."""
from __future__ import annotations

from typing import Iterator

import pytest

from minispark.hdfs.config import small_config
from minispark.hdfs.minicluster import MiniDFSCluster

from _hdfs_testutil import BLOCK


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniDFSCluster]:
    """One 3-DataNode cluster shared by a test module (tests must not destroy it)."""
    base = tmp_path_factory.mktemp("minidfs")
    c = MiniDFSCluster(num_datanodes=3, base_dir=base, config=small_config(block_size=BLOCK))
    try:
        yield c
    finally:
        c.shutdown()


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

