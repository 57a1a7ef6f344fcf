"""``pyspark.core.context``: the same objects as ``minispark.context``."""
from minispark.context import SparkContext  # noqa: F401
