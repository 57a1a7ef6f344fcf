"""``pyspark.core.status``: the same objects as ``minispark.status``."""
from minispark.status import SparkJobInfo, SparkStageInfo, StatusTracker  # noqa: F401
