"""One measurement, run in a fresh interpreter: ``python bench_job.py ENGINE WORKLOAD DATA MASTER``.

``benchmarks/run.py`` starts this script once per (engine, workload), so
imports, JVM start-up and memory never carry over from one measurement to
the next. It prints one JSON object on its last line of stdout.

The Spark programs below use only the PySpark RDD API and are the same text
for both engines; the only difference is ``from minispark import
SparkContext`` versus ``from pyspark import SparkContext``. The ``python``
engine runs the best single-process program we know for the same answer.

Timing rules (identical for both Spark engines):

* ``startup``: import + ``SparkContext(master)`` + ``sc.parallelize([1]).count()``
  + ``sc.stop()``, measured inside the process from before the import.
* ``warmjob``: after one warm-up run, ``sc.parallelize(range(1000), 2)
  .map(lambda x: x * 2).sum()`` 20 times; the median is reported.
* data workloads: the context is created and a tiny job is run first (so
  executor / Python worker processes are up), then only the workload's
  action is timed.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from operator import add, itemgetter

WARM_REPEATS = 20


# ---- shared helpers ---------------------------------------------------------------

def parse_pair(line):
    """'k v' -> (int k, int v): the per-record parse both Spark engines run."""
    k, v = line.split()
    return int(k), int(v)


def text_chunks(path, size=1 << 24):
    """Large chunks of a text file, each ending at a line boundary (plain Python)."""
    with open(path, encoding="utf-8") as f:
        while True:
            chunk = f.read(size)
            if not chunk:
                return
            yield chunk + f.readline()


def read_pairs(path):
    """All (k, v) int pairs of a 'k v' file, parsed a chunk at a time (plain Python)."""
    for chunk in text_chunks(path):
        numbers = map(int, chunk.split())
        yield from zip(numbers, numbers)


def files(data):
    return (os.path.join(data, "text.txt"), os.path.join(data, "pairs.txt"),
            os.path.join(data, "dim.txt"))


# ---- the Spark programs (identical text for minispark and pyspark) --------------------

def spark_wordcount(sc, data):
    text, _, _ = files(data)
    return sc.textFile(text).flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add).count()


def spark_reducebykey(sc, data):
    _, pairs, _ = files(data)
    return sc.textFile(pairs).map(parse_pair).reduceByKey(add).count()


def spark_groupbykey(sc, data):
    _, pairs, _ = files(data)
    return sc.textFile(pairs).map(parse_pair).groupByKey().count()


def spark_sortbykey(sc, data):
    _, pairs, _ = files(data)
    return sc.textFile(pairs).map(parse_pair).sortByKey().count()


def spark_join(sc, data):
    _, pairs, dim = files(data)
    left = sc.textFile(pairs).map(parse_pair)
    right = sc.textFile(dim).map(parse_pair)
    return left.join(right).count()


# ---- the best single-process Python programs for the same answers --------------------

def python_wordcount(data):
    text, _, _ = files(data)
    counts = Counter()
    for chunk in text_chunks(text):
        counts.update(chunk.split())
    return len(counts)


def python_reducebykey(data):
    _, pairs, _ = files(data)
    sums = defaultdict(int)
    for k, v in read_pairs(pairs):
        sums[k] += v
    return len(sums)


def python_groupbykey(data):
    _, pairs, _ = files(data)
    groups = defaultdict(list)
    for k, v in read_pairs(pairs):
        groups[k].append(v)
    return len(groups)


def python_sortbykey(data):
    _, pairs, _ = files(data)
    records = list(read_pairs(pairs))
    records.sort(key=itemgetter(0))
    return len(records)


def python_join(data):
    _, pairs, dim = files(data)
    right = defaultdict(list)
    for k, w in read_pairs(dim):
        right[k].append(w)
    empty = ()
    rows = 0
    for k, v in read_pairs(pairs):
        for w in right.get(k, empty):
            _row = (k, (v, w))  # build the joined record, as the Spark engines do
            rows += 1
    return rows


# ---- drivers ----------------------------------------------------------------------

def _engine_context_class(engine):
    if engine == "minispark":
        from minispark import SparkContext
    elif engine == "pyspark":
        from pyspark import SparkContext
    else:
        raise SystemExit(f"unknown Spark engine {engine!r}")
    return SparkContext


def run_startup(engine, master):
    t0 = time.perf_counter()
    if engine == "minispark":
        from minispark import SparkContext
    else:
        from pyspark import SparkContext
    t_import = time.perf_counter()
    sc = SparkContext(master, "bench-startup")
    t_ctx = time.perf_counter()
    result = sc.parallelize([1]).count()
    t_job = time.perf_counter()
    sc.stop()
    t_stop = time.perf_counter()
    return t_stop - t0, result, {
        "import": t_import - t0, "context": t_ctx - t_import,
        "first_job": t_job - t_ctx, "stop": t_stop - t_job}


def _warm_once(sc):
    return sc.parallelize(range(1000), 2).map(lambda x: x * 2).sum()


def run_warmjob(engine, master):
    if engine == "python":
        def once():
            return sum(map(lambda x: x * 2, range(1000)))
        sc = None
    else:
        sc = _engine_context_class(engine)(master, "bench-warmjob")

        def once():
            return _warm_once(sc)
    try:
        once()
        times = []
        for _ in range(WARM_REPEATS):
            t = time.perf_counter()
            result = once()
            times.append(time.perf_counter() - t)
    finally:
        if sc is not None:
            sc.stop()
    return statistics.median(times), result, {"min": min(times), "max": max(times),
                                              "repeats": WARM_REPEATS}


def run_workload(engine, workload, data, master):
    if engine == "python":
        func = globals()[f"python_{workload}"]
        t = time.perf_counter()
        result = func(data)
        return time.perf_counter() - t, result, {}
    sc = _engine_context_class(engine)(master, f"bench-{workload}")
    try:
        t = time.perf_counter()
        sc.parallelize(range(4), 2).count()  # executors / Python workers up
        warmup = time.perf_counter() - t
        func = globals()[f"spark_{workload}"]
        t = time.perf_counter()
        result = func(sc, data)
        elapsed = time.perf_counter() - t
    finally:
        sc.stop()
    return elapsed, result, {"warmup_job": warmup}


def _cpu_seconds():
    """CPU time of this process and every child it has reaped (minispark's executors are
    reaped by ``sc.stop()``; PySpark's JVM is not, so for PySpark this is the driver only)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main(argv):
    engine, workload, data, master = argv[1:5]
    load_before = os.getloadavg()[0]
    if workload == "startup":
        if engine == "python":
            raise SystemExit("startup is only measured for Spark engines")
        seconds, result, extra = run_startup(engine, master)
    elif workload == "warmjob":
        seconds, result, extra = run_warmjob(engine, master)
    else:
        seconds, result, extra = run_workload(engine, workload, data, master)
    extra["load_before"] = load_before
    extra["load_after"] = os.getloadavg()[0]
    extra["cpu_seconds"] = _cpu_seconds()
    print(json.dumps({"engine": engine, "workload": workload, "seconds": seconds,
                      "result": result, "extra": extra}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
