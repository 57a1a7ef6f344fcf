"""What the web UI, the event log and the console progress bar cost: all on versus all off.

``python benchmarks/ui_overhead.py [--mb 20] [--repeat 5] [--jobs 200]``

* word count: the benchmark suite's word count (``textFile -> flatMap -> map ->
  reduceByKey -> count``) over generated text, each repeat in a fresh
  ``local[2]`` context, the two configurations alternating so machine noise
  hits both alike; medians reported.
* per job: on a warm context, ``sc.parallelize(range(1000), 2).map(...).sum()``
  run ``--jobs`` times; the median job time of each configuration. This is
  repeated in ``--rounds`` fresh contexts, on and off alternating (ABAB...);
  the median of the rounds' medians is reported, with their range.

"On" is ``spark.ui.enabled=true`` (serving on a free port), ``spark.eventLog.enabled=true``
(to a temporary folder) and ``spark.ui.showConsoleProgress=true`` (drawn to /dev/null);
"off" turns all three off.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time

from minispark import SparkConf, SparkContext


def make_text(path: str, megabytes: int) -> None:
    rng = random.Random(42)
    vocabulary = [f"w{i}" for i in range(50000)]
    with open(path, "w") as f:
        written = 0
        while written < megabytes << 20:
            line = " ".join(rng.choices(vocabulary, k=rng.randint(5, 15))) + "\n"
            f.write(line)
            written += len(line)


def context(on: bool, log_dir: str) -> SparkContext:
    conf = SparkConf().set("spark.ui.enabled", str(on).lower()).set("spark.ui.port", "0")
    conf.set("spark.ui.showConsoleProgress", str(on).lower())
    conf.set("spark.eventLog.enabled", str(on).lower()).set("spark.eventLog.dir", log_dir)
    return SparkContext("local[2]", "ui-overhead", conf=conf)


def word_count(on: bool, path: str, log_dir: str) -> float:
    sc = context(on, log_dir)
    try:
        sc.parallelize([1]).count()
        start = time.perf_counter()
        sc.textFile(path).flatMap(str.split).map(lambda w: (w, 1)) \
            .reduceByKey(lambda a, b: a + b).count()
        return time.perf_counter() - start
    finally:
        sc.stop()


def per_job(on: bool, jobs: int, log_dir: str) -> float:
    sc = context(on, log_dir)
    try:
        rdd = sc.parallelize(range(1000), 2).map(lambda x: x * 2)
        rdd.sum()
        times = []
        for _ in range(jobs):
            start = time.perf_counter()
            rdd.sum()
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        sc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, open(os.devnull, "w") as devnull, \
            contextlib.redirect_stderr(devnull):
        text = os.path.join(work, "text.txt")
        make_text(text, args.mb)
        runs: dict[bool, list[float]] = {True: [], False: []}
        for i in range(args.repeat):
            for on in ((True, False) if i % 2 else (False, True)):
                runs[on].append(word_count(on, text, work))
        jobs: dict[bool, list[float]] = {True: [], False: []}
        for i in range(args.rounds):
            for on in ((True, False) if i % 2 else (False, True)):
                jobs[on].append(per_job(on, args.jobs, work) * 1000)
    off, on = statistics.median(runs[False]), statistics.median(runs[True])
    print(f"word count {args.mb} MB, median of {args.repeat}: off {off:.3f} s "
          f"{_spread(runs[False])}, on {on:.3f} s {_spread(runs[True])}, "
          f"overhead {100 * (on - off) / off:+.1f}%")
    off, on = statistics.median(jobs[False]), statistics.median(jobs[True])
    print(f"warm job, median of {args.rounds} rounds x {args.jobs} jobs: off {off:.2f} ms "
          f"{_spread(jobs[False])}, on {on:.2f} ms {_spread(jobs[True])}, "
          f"overhead {on - off:+.2f} ms")


def _spread(values: list[float]) -> str:
    return f"[{min(values):.3f}..{max(values):.3f}]"


if __name__ == "__main__":
    sys.exit(main())
