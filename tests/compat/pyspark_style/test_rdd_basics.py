"""Ordinary PySpark RDD tests: they import pyspark, never minispark."""
from operator import add

import pytest
from pyspark import SparkContext, StorageLevel, TaskContext
from pyspark.rdd import RDD, portable_hash


def tokenize(line):
    """Module-level, so tasks import this module (and its pyspark imports) by name."""
    return line.lower().split()


def test_word_count(sc):
    lines = ["to be or not", "to be", "Not so"]
    counts = sc.parallelize(lines, 2).flatMap(tokenize).map(lambda w: (w, 1)).reduceByKey(add)
    expected = {}
    for word in " ".join(lines).lower().split():
        expected[word] = expected.get(word, 0) + 1
    assert dict(counts.collect()) == expected


def test_the_context_and_rdds_are_pyspark_types(sc):
    rdd = sc.parallelize(range(10), 3).persist(StorageLevel.MEMORY_ONLY)
    assert isinstance(sc, SparkContext) and SparkContext.getOrCreate() is sc
    assert isinstance(rdd, RDD)
    assert rdd.getStorageLevel() == StorageLevel.MEMORY_ONLY
    assert rdd.sum() == sum(range(10))


def test_a_task_imports_pyspark_itself(sc):
    def describe(index, records):
        import pyspark
        from pyspark.taskcontext import TaskContext as InTask

        yield index, InTask.get().partitionId(), pyspark.TaskContext is InTask, sum(records)

    rows = sc.parallelize(range(12), 4).mapPartitionsWithIndex(describe).collect()
    assert rows == [(i, i, True, sum(range(3 * i, 3 * i + 3))) for i in range(4)]
    assert TaskContext.get() is None


def test_partition_by_portable_hash(sc):
    keys = [0, 1, 7, "spark", ("a", None), None]
    placed = sc.parallelize([(k, 1) for k in keys], 2).partitionBy(3, portable_hash).glom()
    for index, part in enumerate(placed.collect()):
        assert all(portable_hash(k) % 3 == index for k, _ in part)


def test_accumulators_and_broadcasts(sc):
    total = sc.accumulator(0)
    factor = sc.broadcast(3)
    sc.parallelize(range(5), 2).foreach(lambda x: total.add(x * factor.value))
    assert total.value == 3 * sum(range(5))
    with pytest.raises(Exception, match="VALUE_NOT_ACCESSIBLE"):
        sc.parallelize([1]).map(lambda x: total.value).collect()
