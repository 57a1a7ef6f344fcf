"""RDD.toDebugString: bytes, in the layout real PySpark 4 prints (checked against it).

Spark's rules: ``[name ]Type[id] at site [level]`` per node; narrow parents
under a bar centred below the ``(N)`` of their stage; ``+-(M)`` where a shuffle
opens a stage; a bar carried down past every parent but the last; the storage
level of the RDD asked, on every line; ``CachedPartitions`` under cached nodes.
"""
from __future__ import annotations

from operator import add

from minispark.common.units import format_size
from minispark.storagelevel import StorageLevel


def _lines(rdd) -> list[str]:
    text = rdd.toDebugString()
    assert isinstance(text, bytes)
    return text.decode().splitlines()


def test_a_named_rdd_shows_its_name_before_its_type(sc):
    rdd = sc.parallelize([1, 2], 2).setName("nums")
    assert repr(rdd).startswith(f"nums ParallelCollectionRDD[{rdd.id()}] at parallelize at ")
    assert _lines(rdd) == [f"(2) {rdd!r} []"]


def test_the_bar_sits_under_the_partition_count(sc):
    for n, bar in [(2, " |  "), (12, " |   "), (123, "  |   ")]:
        parent = sc.parallelize(range(3), n)
        child = parent.map(str)
        assert _lines(child) == [f"({n}) {child!r} []", f"{bar}{parent!r} []"]


def test_every_parent_but_the_last_keeps_the_bar_of_the_stage_above(sc):
    left = sc.parallelize([(1, 2)], 2)
    right = sc.parallelize([(1, 3)], 3)
    joined = left.join(right)  # minispark's join shuffles both sides into one JoinedRDD
    lines = _lines(joined)
    assert lines[0] == f"({joined.getNumPartitions()}) {joined!r} []"
    assert lines[1] == f" +-(2) {left!r} []"
    assert lines[2] == f" +-(3) {right!r} []"
    assert len(lines) == 3
    nested = sc.parallelize([(1, 1)], 2).map(lambda kv: kv).join(right)
    first, second = nested.dependencies[0].rdd, nested.dependencies[1].rdd
    grand = first.dependencies[0].rdd
    assert _lines(nested)[1:] == [f" +-(2) {first!r} []", f" |  |  {grand!r} []",
                                  f" +-(3) {second!r} []"]


def test_shuffles_indent_each_stage_one_step(sc):
    source = sc.parallelize([(i % 3, i) for i in range(9)], 2)
    regrouped = source.reduceByKey(add, 3).map(lambda kv: (kv[1] % 2, kv[0])).groupByKey(2)
    chain, node = [], regrouped
    while node is not None:  # each of these nodes has one parent
        chain.append(node)
        deps = node.dependencies
        node = deps[0].rdd if deps else None
    shuffled = [type(d).__name__ == "ShuffleDependency" for n in chain for d in n.dependencies]
    assert shuffled.count(True) == 2
    expected, prefix = [f"(2) {chain[0]!r} []"], " |  "
    for node, after_shuffle in zip(chain[1:], shuffled):
        if after_shuffle:
            expected.append(f"{prefix[:-3]}+-({node.getNumPartitions()}) {node!r} []")
            prefix = prefix[:-3] + "   |  "
        else:
            expected.append(f"{prefix}{node!r} []")
    assert _lines(regrouped) == expected
    assert expected[-1].startswith("    +-(2) ParallelCollectionRDD")


def test_the_storage_level_of_the_rdd_asked_shows_on_every_line(sc):
    base = sc.parallelize(range(6), 2)
    cached = base.map(lambda x: x * 2).persist(StorageLevel.MEMORY_AND_DISK)
    level = str(StorageLevel.MEMORY_AND_DISK)
    assert all(line.endswith(f" [{level}]") for line in _lines(cached))
    assert all(line.endswith(" []") for line in _lines(cached.map(str)))


def test_a_cached_node_is_followed_by_its_cached_partitions(sc):
    cached = sc.parallelize(range(100), 2).map(lambda x: x + 1).cache()
    assert cached.count() == 100
    info = next(i for i in sc.getRDDStorageInfo() if i.rdd_id == cached.id())
    cache_line = (f"CachedPartitions: {info.num_cached_partitions}; "
                  f"MemorySize: {format_size(info.memory_size)}; "
                  f"DiskSize: {format_size(info.disk_size)}")
    assert info.num_cached_partitions == 2
    # the first line's own bar, a space, then four more
    assert _lines(cached)[1] == " |       " + cache_line
    child = cached.map(str)
    assert _lines(child)[1:3] == [f" |  {cached!r} []", " |      " + cache_line]
    cached.unpersist()


def test_a_checkpointed_rdd_shows_the_checkpoint_instead_of_its_lineage(sc, tmp_path):
    sc.setCheckpointDir(str(tmp_path))
    rdd = sc.parallelize(range(4), 2).map(lambda x: x)
    rdd.checkpoint()
    assert len(_lines(rdd)) == 2  # lineage still there until an action writes it
    assert rdd.count() == 4
    assert _lines(rdd) == [f"(2) {rdd!r} []",
                           f" |  ReliableCheckpointRDD[{rdd.id()}] at {rdd.getCheckpointFile()} []"]
