"""``pyspark.core.rdd`` (``pyspark.rdd``): the same objects as ``minispark.rdd``.

>>> from minispark.core.rdd import RDD, portable_hash
>>> RDD is __import__("minispark").RDD, portable_hash(None)
(True, 0)
"""
from minispark.rdd import (  # noqa: F401
    RDD, BoundedFloat, Partitioner, PipelinedRDD, RDDBarrier, ResultIterable, portable_hash,
)
