"""``pyspark.core.broadcast``: the same objects as ``minispark.broadcast``."""
from minispark.broadcast import Broadcast  # noqa: F401
