"""What travels to executors: closures once per executor, keys hashed alike everywhere."""
from __future__ import annotations

import os
import time
from operator import add

from minispark.shuffle.partitioner import portable_hash


class CountsUnpickling:
    """Appends a line to a file every time it is unpickled (i.e. shipped)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (_arrive, (self.path,))


def _arrive(path: str) -> CountsUnpickling:
    with open(path, "a") as f:
        f.write(f"{os.getpid()}\n")
    return CountsUnpickling(path)


def test_stage_closure_is_shipped_once_per_executor_not_per_task(make_context, tmp_path):
    sc = make_context("local[2]")
    log = str(tmp_path / "arrivals")
    marker = CountsUnpickling(log)
    result = sc.parallelize(range(40), 20).map(lambda x: (marker, x)[1] * 2).collect()
    assert result == [x * 2 for x in range(40)]
    with open(log) as f:
        arrivals = f.read().split()
    assert len(arrivals) <= 2 and len(set(arrivals)) == len(arrivals)


def test_string_keys_group_identically_in_every_process_whatever_the_hash_seed(make_context):
    sc = make_context("local[2]", **{"spark.executorEnv.PYTHONHASHSEED": "random"})
    seeds = set(sc.parallelize(range(8), 8)
                .map(lambda _: (time.sleep(0.1), os.getpid(), hash("spark"))[1:]).collect())
    assert len({h for _, h in seeds}) == 2, "executors should disagree on hash(str) here"
    words = [f"w{i % 37}" for i in range(2000)]
    counts = sc.parallelize(words, 8).map(lambda w: (w, 1)).reduceByKey(add, 5).collect()
    assert len(counts) == 37 and dict(counts) == {w: words.count(w) for w in set(words)}


def test_portable_hash_is_stable_for_common_key_types():
    assert portable_hash("abc") == portable_hash("abc") != portable_hash("abd")
    assert portable_hash(None) == 0 and portable_hash(12) == 12
    assert portable_hash(("a", 1)) == portable_hash(("a", 1))
    assert portable_hash(b"abc") == portable_hash(bytearray(b"abc"))
