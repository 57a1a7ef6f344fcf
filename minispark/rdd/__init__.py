"""The RDD abstraction: lineage nodes and every transformation and action.

``rdd.py`` (the public API) is imported first: the node types in
``nodes.py`` subclass its ``RDD`` and it refers back to them.

This package also stands for PySpark's ``pyspark.rdd`` module (an alias of
``pyspark.core.rdd`` in PySpark 4), so the names scripts import from there
resolve here: ``from minispark.rdd import RDD, portable_hash, BoundedFloat``.

>>> from minispark.rdd import BoundedFloat, PipelinedRDD, portable_hash
>>> portable_hash((None, 1)) & 0xffffffff, BoundedFloat(100.0, 0.95, 95.0, 105.0)
(219750521, 100.0)
>>> isinstance(sc.parallelize([1]).map(str), PipelinedRDD)
True
"""
from minispark.rdd.rdd import RDD  # noqa: F401
from minispark.rdd.approx import BoundedFloat  # noqa: F401
from minispark.rdd.barrier import RDDBarrier  # noqa: F401
from minispark.rdd.nodes import MapPartitionsRDD as PipelinedRDD  # noqa: F401
from minispark.resultiterable import ResultIterable  # noqa: F401
from minispark.shuffle.partitioner import Partitioner, portable_hash  # noqa: F401
