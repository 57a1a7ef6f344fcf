"""Small PySpark surfaces: names importable where PySpark has them, Accumulator.value in tasks."""
from __future__ import annotations

import importlib

import pytest

from minispark.common.errors import SparkException
from minispark.rdd.approx import BoundedFloat
from minispark.shuffle.partitioner import Partitioner, portable_hash

#: name -> the object it must be, in both ``pyspark.rdd`` and ``pyspark.core.rdd`` terms
RDD_MODULE_NAMES = {"portable_hash": portable_hash, "BoundedFloat": BoundedFloat,
                    "Partitioner": Partitioner}


@pytest.mark.parametrize("module", ["minispark.rdd", "minispark.core.rdd"])
def test_rdd_module_names_are_the_engine_s_own_objects(module):
    loaded = importlib.import_module(module)
    for name, obj in RDD_MODULE_NAMES.items():
        assert getattr(loaded, name) is obj, name
    assert loaded.RDD is importlib.import_module("minispark").RDD


def test_pipelined_rdd_is_the_fused_pipeline_node(sc):
    from minispark.rdd import PipelinedRDD

    source = sc.parallelize(range(4), 2)
    assert not isinstance(source, PipelinedRDD)
    mapped = source.map(lambda x: x + 1).filter(lambda x: x % 2)
    assert isinstance(mapped, PipelinedRDD)
    assert mapped.collect() == [x + 1 for x in range(4) if (x + 1) % 2]


def test_bounded_float_from_an_approximate_action(sc):
    from minispark.rdd import BoundedFloat as Exported

    result = sc.parallelize(range(10), 2).sumApprox(1000)
    assert isinstance(result, Exported) and result == sum(range(10))
    assert result.low <= result <= result.high


@pytest.mark.parametrize("use", ["read", "set"])
def test_accumulator_value_inside_a_task_raises_pyspark_s_error(sc, use):
    acc = sc.accumulator(3)

    def touch(x):
        if use == "read":
            return acc.value
        acc.value = x
        return x

    with pytest.raises(SparkException) as caught:
        sc.parallelize([1, 2], 2).map(touch).collect()
    message = "[VALUE_NOT_ACCESSIBLE] Value `Accumulator.value` cannot be accessed inside tasks."
    assert message in str(caught.value)
    assert "RuntimeError" in str(caught.value.__cause__)  # PySpark's error is a RuntimeError
    assert acc.value == 3  # the driver's value is untouched
    acc.value = 5
    assert acc.value == 5  # and the driver may still set it
