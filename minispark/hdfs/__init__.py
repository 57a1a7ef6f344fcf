"""mini-HDFS: a small, faithful HDFS (NameNode, DataNodes, client, WebHDFS).

Public entry points are imported lazily so that ``minispark dfs`` and the
daemons only load what they use::

    from minispark.hdfs import DFSClient, MiniDFSCluster, HdfsConfig
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DFSClient": "minispark.hdfs.client",
    "HdfsFileStatus": "minispark.hdfs.client",
    "HdfsConfig": "minispark.hdfs.config",
    "MiniDFSCluster": "minispark.hdfs.minicluster",
    "NameNode": "minispark.hdfs.namenode",
    "DataNode": "minispark.hdfs.datanode",
    "HdfsFileSystem": "minispark.hdfs.fs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'minispark.hdfs' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
