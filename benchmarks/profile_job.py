"""Profile one benchmark workload of minispark in a single process with cProfile.

    python benchmarks/profile_job.py wordcount --data DIR [--top 25] [--out file.prof]

``DIR`` is a data folder made by ``run.py --data-dir DIR``. The context uses
``minispark.executor.backend=inline``, so every task runs in this process and
the profile sees the map side, the shuffle and the reduce side of the same
program ``bench_job.py`` times. (Inline runs one task at a time, so the
CPU time is roughly the sum of what two executors would do in parallel.)
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import bench_job  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=["wordcount", "reducebykey", "groupbykey", "sortbykey",
                                        "join", "warmjob"])
    p.add_argument("--data", required=True)
    p.add_argument("--backend", default="inline", choices=["inline", "process"])
    p.add_argument("--master", default="local[2]")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--out", help="also save the raw profile here (for snakeviz etc.)")
    args = p.parse_args()

    from minispark import SparkConf, SparkContext

    conf = SparkConf().set("minispark.executor.backend", args.backend)
    sc = SparkContext(args.master, "profile", conf=conf)
    try:
        sc.parallelize(range(4), 2).count()
        # CPU time, not wall time: other processes on a shared machine then do not
        # inflate the numbers (shares stay comparable between runs).
        profiler = cProfile.Profile(time.process_time)
        t = time.perf_counter()
        cpu = time.process_time()
        profiler.enable()
        if args.workload == "warmjob":
            for _ in range(bench_job.WARM_REPEATS):
                result = bench_job._warm_once(sc)
        else:
            result = getattr(bench_job, f"spark_{args.workload}")(sc, args.data)
        profiler.disable()
        elapsed = time.perf_counter() - t
        cpu = time.process_time() - cpu
    finally:
        sc.stop()
    print(f"{args.workload}: result {result}, {elapsed:.2f} s wall / {cpu:.2f} s CPU of this "
          f"process under cProfile (backend {args.backend}), load1 {os.getloadavg()[0]:.2f}")
    if args.out:
        profiler.dump_stats(args.out)
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
