"""``pyspark.core.rdd``: the same objects as ``minispark.rdd.rdd``."""
from minispark.rdd.rdd import RDD  # noqa: F401
