"""Small PySpark surfaces: names importable where PySpark has them, Accumulator.value in
tasks, system properties, byte sizes printed as Spark prints them."""
from __future__ import annotations

import importlib

import pytest
from hypothesis import example, given, strategies as st

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


def test_system_properties_stand_in_for_java_s(monkeypatch, make_context):
    from minispark import SparkConf, SparkContext, conf as conf_module

    monkeypatch.setattr(conf_module, "_system_properties", dict(conf_module._system_properties))
    monkeypatch.setenv(conf_module.SUBMITTED_CONF_ENV, '{"spark.app.name": "submitted"}')
    assert SparkContext.getSystemProperty("SPARK_SUBMIT") == "true"  # as under spark-submit
    assert SparkContext.getSystemProperty("java.home") is None
    assert SparkContext.getSystemProperty("spark.app.name") == "submitted"
    SparkContext.setSystemProperty("spark.default.parallelism", 3)
    SparkContext.setSystemProperty("not.spark", "x")
    assert SparkContext.getSystemProperty("spark.default.parallelism") == "3"
    assert SparkContext.getSystemProperty("not.spark") == "x"
    loaded = SparkConf()
    assert (loaded.get("spark.default.parallelism"), loaded.get("not.spark")) == ("3", None)
    assert SparkConf(loadDefaults=False).get("spark.default.parallelism") is None
    assert make_context("local[2]", "inline").defaultParallelism == 3


@given(st.integers(0, 1 << 62))
@example(2304)  # 2.25 KiB: a tie, which a float's round-half-even prints 2.2
@example(9 << 19)
def test_sizes_print_as_spark_s_bytes_to_string(size):
    from fractions import Fraction

    from minispark.common.units import format_size

    units = [(name, 1 << (10 * i)) for i, name in enumerate(["B", "KiB", "MiB", "GiB", "TiB",
                                                             "PiB", "EiB"])]
    name, unit = next((n, u) for n, u in reversed(units) if size >= 2 * u or u == 1)
    tenths = int(Fraction(size, unit) * 10 + Fraction(1, 2))  # Java's HALF_UP to one decimal
    assert format_size(size) == f"{tenths // 10}.{tenths % 10} {name}"
