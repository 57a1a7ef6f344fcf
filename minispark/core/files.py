"""``pyspark.core.files``: the same objects as ``minispark.files``."""
from minispark.files import SparkFiles  # noqa: F401
