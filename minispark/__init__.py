"""minispark: PySpark's API on a pure-Python engine. Change ``pyspark`` to ``minispark``.

>>> from minispark import SparkContext, SparkConf, StorageLevel

Code that says ``pyspark`` runs unchanged after :func:`activate`.
"""
from minispark.accumulators import Accumulator, AccumulatorParam
from minispark.activation import activate
from minispark.broadcast import Broadcast
from minispark.conf import SparkConf
from minispark.context import SparkContext, __version__
from minispark.files import SparkFiles
from minispark.rdd import RDD, RDDBarrier
from minispark.statcounter import StatCounter
from minispark.status import SparkJobInfo, SparkStageInfo, StatusTracker
from minispark.storagelevel import StorageLevel
from minispark.taskcontext import BarrierTaskContext, BarrierTaskInfo, TaskContext
from minispark.util import InheritableThread, inheritable_thread_target

__all__ = [
    "Accumulator", "AccumulatorParam", "BarrierTaskContext", "BarrierTaskInfo", "Broadcast",
    "RDD", "RDDBarrier", "SparkConf", "SparkContext",
    "SparkFiles", "SparkJobInfo", "SparkStageInfo", "StatCounter", "StatusTracker",
    "StorageLevel", "TaskContext", "InheritableThread", "inheritable_thread_target",
    "__version__", "activate",
]
