"""``minispark.activate()``: run code written for PySpark, imports unchanged.

After it, ``import pyspark``, ``from pyspark import SparkContext``,
``import pyspark.rdd`` and ``from pyspark.sql import ...`` give minispark's
own modules (the same objects: ``pyspark.SparkContext is
minispark.SparkContext``), in the driver and in every executor. A real pyspark
installed alongside is ignored from then on. Scripts run unchanged with
``python -m minispark.activation app.py [args]``.
"""
from __future__ import annotations

import os

from minispark.common import pyspark_alias
from minispark.context import SparkContext
from minispark.scheduler.process_backend import ProcessBackend


def activate() -> None:
    """Make ``pyspark`` imports resolve to minispark, here and in the executors.

    Call it before the code that imports pyspark (a test suite's
    ``conftest.py``, the top of a script). Executors started afterwards install
    the alias at start; those of a running context get a control message.
    Calling it again does no harm.

    It changes the whole process, so this example runs in a fresh one:

    >>> import subprocess, sys
    >>> script = ("import minispark; minispark.activate(); import pyspark; "
    ...           "print(pyspark.SparkContext is minispark.SparkContext)")
    >>> print(subprocess.run([sys.executable, "-c", script], capture_output=True,
    ...                      text=True).stdout.strip())
    True
    """
    pyspark_alias.install()
    os.environ[pyspark_alias.ENV_FLAG] = "1"
    ctx = SparkContext._active_spark_context
    if ctx is not None and not ctx._stopped:
        if isinstance(ctx._backend, ProcessBackend):
            ctx._backend.env[pyspark_alias.ENV_FLAG] = "1"  # executors it starts later
        ctx._backend.tell_all(("activate_pyspark",))
