"""One way for every test module to run its own mini-HDFS cluster, always shut down."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest

from minispark.hdfs.config import small_config
from minispark.hdfs.minicluster import MiniDFSCluster


@contextmanager
def mini_dfs(tmp_path_factory: pytest.TempPathFactory, datanodes: int, block_size: int
             ) -> Iterator[MiniDFSCluster]:
    """A running cluster of ``datanodes`` DataNodes and small blocks, for one module."""
    cluster = MiniDFSCluster(num_datanodes=datanodes, base_dir=tmp_path_factory.mktemp("minidfs"),
                             config=small_config(block_size=block_size))
    try:
        yield cluster
    finally:
        cluster.shutdown()
