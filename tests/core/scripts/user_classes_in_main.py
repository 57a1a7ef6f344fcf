"""A user's script whose records are instances of classes it defines at top level.

Run as ``python user_classes_in_main.py MASTER BACKEND``. Every record crosses
processes by one path (parallelize, shuffle, cache, collect, broadcast,
accumulator, pickle file); the script prints one JSON object, check name ->
[got, want], both computed here (want in plain Python), for the test to compare.
"""
import json
import os
import sys
import tempfile
from collections import namedtuple
from dataclasses import dataclass

from minispark import SparkConf, SparkContext, StorageLevel
from minispark.accumulators import AccumulatorParam

LogRecord = namedtuple("LogRecord", "host status size")


@dataclass(frozen=True)
class Hit:
    host: str
    size: int


@dataclass
class Totals:
    count: int = 0
    size: int = 0


class Visit:
    def __init__(self, host, size):
        self.host, self.size = host, size

    def __eq__(self, other):
        return type(other) is Visit and (self.host, self.size) == (other.host, other.size)

    def __hash__(self):
        return hash((self.host, self.size))

    def __repr__(self):
        return f"Visit({self.host!r}, {self.size})"


class TotalsParam(AccumulatorParam):
    def zero(self, value):
        return Totals()

    def addInPlace(self, a, b):
        return Totals(a.count + b.count, a.size + b.size)


def parse(line):
    host, status, size = line.split()
    return LogRecord(host, int(status), int(size))


def to_visit(line):
    record = parse(line)
    return Visit(record.host, record.size)


def add_totals(a, b):
    return Totals(a.count + b.count, a.size + b.size)


LINES = [f"h{i % 7} {404 if i % 5 == 0 else 200} {i * 3}" for i in range(300)]
RECORDS = [parse(line) for line in LINES]
checks = {}


def check(name, got, want, cls=None):
    checks[name] = [repr(got), repr(want)]
    if cls is not None:
        check_class(name, got, cls)


def check_class(name, items, cls):
    """Records that reach the driver are instances of its own class, not of a copy."""
    checks[name + " (driver's class)"] = [all(type(x) is cls for x in items), True]


def by_host(pairs):
    out = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def main(master, backend):
    conf = SparkConf().set("minispark.executor.backend", backend)
    sc = SparkContext(master, "user-classes", conf=conf)
    try:
        run_checks(sc)
    finally:
        sc.stop()
    print(json.dumps(checks))


def run_checks(sc):
    lines = sc.parallelize(LINES, 4)
    records = lines.map(parse)
    hits = [Hit(r.host, r.size) for r in RECORDS]
    check("parallelize", sc.parallelize(hits, 4).map(lambda h: h.size * 2).collect(),
          [h.size * 2 for h in hits])
    check("collect namedtuple", records.collect(), RECORDS, LogRecord)
    check("collect dataclass", records.map(lambda r: Hit(r.host, r.size)).collect(), hits, Hit)
    check("collect plain class", lines.map(to_visit).collect(), [to_visit(x) for x in LINES],
          Visit)
    grouped = sorted(records.map(lambda r: (r.host, r)).groupByKey(3).mapValues(sorted).collect())
    check("shuffle groupByKey namedtuple", grouped,
          sorted((k, sorted(v)) for k, v in by_host((r.host, r) for r in RECORDS).items()))
    check_class("shuffle groupByKey", [r for _, rs in grouped for r in rs], LogRecord)
    summed = sorted(records.map(lambda r: (r.host, Totals(1, r.size)))
                    .reduceByKey(add_totals, 3).collect())
    check("shuffle reduceByKey dataclass", summed,
          sorted((k, Totals(len(v), sum(v)))
                 for k, v in by_host((r.host, r.size) for r in RECORDS).items()))
    check_class("shuffle reduceByKey", [t for _, t in summed], Totals)
    check("shuffle sortBy plain class",
          lines.map(to_visit).sortBy(lambda v: (-v.size, v.host), numPartitions=3).collect(),
          sorted((to_visit(x) for x in LINES), key=lambda v: (-v.size, v.host)), Visit)
    for level in ("MEMORY_ONLY", "DISK_ONLY", "MEMORY_AND_DISK"):
        check_cache(sc, level)
    check_pickle_file(sc, records)
    table = sc.broadcast({h: Hit(h, i) for i, h in enumerate(sorted({r.host for r in RECORDS}))})
    check("broadcast", records.map(lambda r: table.value[r.host]).collect(),
          [table.value[r.host] for r in RECORDS], Hit)
    totals = sc.accumulator(Totals(), TotalsParam())
    records.foreach(lambda r: totals.add(Totals(1, r.size)))
    check("accumulator", totals.value, Totals(len(RECORDS), sum(r.size for r in RECORDS)))
    check_class("accumulator", [totals.value], Totals)


def check_cache(sc, level):
    computed = sc.accumulator(0)

    def visit(line):
        computed.add(1)
        return to_visit(line)

    cached = sc.parallelize(LINES, 4).map(visit).persist(getattr(StorageLevel, level))
    cached.count()
    check(f"cache {level}", cached.collect(), [to_visit(x) for x in LINES], Visit)
    check(f"cache {level} computed once", computed.value, len(LINES))
    cached.unpersist()


def check_pickle_file(sc, records):
    for batch_size, name in ((7, "pickle file namedtuple"), (0, "pickle file auto batches")):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "records")
            records.saveAsPickleFile(path, batchSize=batch_size)
            check(name, sorted(sc.pickleFile(path, 3).collect()), sorted(RECORDS), LogRecord)


if __name__ == "__main__":
    main(*sys.argv[1:])
