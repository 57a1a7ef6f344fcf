"""Fixtures as a PySpark project writes them; only the activate() line is minispark's.

``PYSPARK_STYLE_MASTER`` and ``PYSPARK_STYLE_BACKEND`` let minispark's own test
run this suite on each executor backend.
"""
import os

import minispark

minispark.activate()

import pytest  # noqa: E402
from pyspark import SparkConf, SparkContext  # noqa: E402


@pytest.fixture(scope="session")
def sc():
    conf = (SparkConf()
            .setMaster(os.environ.get("PYSPARK_STYLE_MASTER", "local[2]"))
            .setAppName("pyspark-style-tests")
            .set("minispark.executor.backend", os.environ.get("PYSPARK_STYLE_BACKEND", "process")))
    context = SparkContext(conf=conf)
    yield context
    context.stop()
