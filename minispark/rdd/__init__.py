"""The RDD abstraction: lineage nodes and every transformation and action.

``rdd.py`` (the public API) is imported first: the node types in
``nodes.py`` subclass its ``RDD`` and it refers back to them.
"""
from minispark.rdd.rdd import RDD  # noqa: F401
from minispark.resultiterable import ResultIterable  # noqa: F401
from minispark.shuffle.partitioner import portable_hash  # noqa: F401
