#!/usr/bin/env python
"""SQL spill: a GROUP BY over 5M distinct keys under a 256m ``spark.python.worker.memory``.

    python benchmarks/sql_spill.py                     # 5M rows, 5M keys, limit 256m
    python benchmarks/sql_spill.py --rows 10000000 --keys 5000000 --data-dir /tmp/spill-data
    python benchmarks/sql_spill.py --quick             # 200k rows and keys, limit 8m

Data (generated once, seeded, into a temporary folder removed at the end unless
``--data-dir`` is given): ``--files`` (4) Parquet files of ``--rows`` rows in all,
``k`` STRING, ``"k"`` and the key number zero-padded to ``--key-width`` (32)
characters, row i having key number (i * P) mod ``--keys`` for a P prime to it
(every key used when rows >= keys, in scattered order), and ``v`` BIGINT
uniform in 0..999.

Query, on minispark through ``spark.sql`` (``--master`` local[2]):
``SELECT k, SUM(v), COUNT(*), MIN(v), MAX(v) FROM t GROUP BY k`` with
``spark.sql.shuffle.partitions`` = ``--shuffle-partitions`` (1: one final
aggregation task holds every group, about 5M x 68 bytes of Arrow state, past
the limit, so it must spill).

Timed: ``spark.sql(text).toArrow()`` in a fresh process (the session is up
before, nothing is warmed up). Then, before the session stops, the process
reads the peak resident memory (``VmHWM`` of ``/proc/<pid>/status``) of every
executor the context holds and its own (the driver, which receives the 5M
result rows), and the spilled bytes summed over the tasks' metrics. Last it
checks the result exactly against numpy over the same Parquet files (every
key's sum, count, min and max).
"""
from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import sys
import tempfile
import time

from common import (add_quiet_options, engine_env, machine_summary, markdown_table,
                    run_json_job, wait_for_quiet)

QUERY = "SELECT k, SUM(v) AS total, COUNT(*) AS n, MIN(v) AS lo, MAX(v) AS hi FROM t GROUP BY k"


# ---- data -----------------------------------------------------------------------------------

def key_numbers(start: int, stop: int, keys: int):
    """The key number of rows ``start``..``stop``: (i * P) mod keys, P a prime to ``keys``."""
    import numpy as np

    step = 1_000_003  # a prime: coprime to keys unless it divides them
    while math.gcd(step, keys) != 1:
        step += 2
    return (np.arange(start, stop, dtype=np.int64) * step) % keys


def generate(folder: str, args: argparse.Namespace) -> None:
    """``args.files`` Parquet files of the ``k`` / ``v`` table described above."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(args.seed)
    per_file = -(-args.rows // args.files)
    for f in range(args.files):
        start, stop = f * per_file, min(args.rows, (f + 1) * per_file)
        digits = pc.utf8_lpad(pc.cast(pa.array(key_numbers(start, stop, args.keys)), pa.string()),
                              args.key_width - 1, "0")
        keys = pc.binary_join_element_wise("k", digits, "")
        values = pa.array(rng.integers(0, 1000, stop - start, dtype=np.int64))
        pq.write_table(pa.table({"k": keys, "v": values}),
                       os.path.join(folder, f"part-{f:03d}.parquet"))


def ensure_data(args: argparse.Namespace) -> None:
    """The data in ``args.data_dir``, generated unless a run with the same options made it."""
    marker = os.path.join(args.data_dir, f".rows-{args.rows}-keys-{args.keys}-width-"
                          f"{args.key_width}-files-{args.files}-seed-{args.seed}")
    if os.path.exists(marker):
        return
    shutil.rmtree(args.data_dir, ignore_errors=True)
    os.makedirs(args.data_dir)
    generate(args.data_dir, args)
    open(marker, "w").close()


# ---- the measured process -------------------------------------------------------------------

def vm_hwm(pid: int) -> int | None:
    """The peak resident set of process ``pid`` in bytes (VmHWM), None when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def executor_peaks(sc) -> dict[str, int | None]:
    """{executor id: peak RSS bytes} of the context's executor processes (empty if inline)."""
    backend = sc._backend
    if not hasattr(backend, "pid_of"):
        return {}
    return {e: vm_hwm(backend.pid_of(e)) for e in backend.executor_ids()}


def spill_listener():
    """A task-metrics listener that also counts executors lost during the job."""
    from minispark.scheduler.events import MetricsTotals

    class SpillTotals(MetricsTotals):
        """Task metrics summed, and executors removed (one killed by memory shows here)."""

        def __init__(self) -> None:
            super().__init__()
            self.lost: list[str] = []

        def on_executor_removed(self, event) -> None:
            self.lost.append(f"{event.executor_id}: {event.reason}")

    return SpillTotals()


def expected_groups(data: str):
    """Every key's (number, sum, count, min, max) from the Parquet files, sorted by key."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(data)
    ids, v = key_ids(table.column("k")), table.column("v").to_numpy()
    order = np.lexsort((v, ids))
    ids, v = ids[order], v[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return ids[starts], np.add.reduceat(v, starts), ends - starts, v[starts], v[ends - 1]


def key_ids(column):
    """The key numbers of ``k`` strings ("k000123" -> 123) as a numpy array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cast(pc.utf8_slice_codeunits(column, 1), pa.int64()).to_numpy()


def exact(result, data: str) -> bool:
    """Whether ``result`` (an Arrow table of the query) holds exactly numpy's groups."""
    import numpy as np

    ids = key_ids(result.column("k"))
    order = np.argsort(ids, kind="stable")
    got = [ids[order]] + [
        result.column(name).to_numpy()[order] for name in ("total", "n", "lo", "hi")]
    return all(len(g) == len(e) and np.array_equal(g, e)
               for g, e in zip(got, expected_groups(data)))


def job(args: argparse.Namespace) -> int:
    """Runs in the measured process; prints one JSON line."""
    import json

    from minispark.sql import SparkSession

    spark = (SparkSession.builder.master(args.master).appName("sql_spill")
             .config("spark.ui.enabled", "false")
             .config("spark.python.worker.memory", args.limit)
             .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
             .getOrCreate())
    totals = spill_listener()
    spark.sparkContext.addSparkListener(totals)
    spark.read.parquet(args.data_dir).createOrReplaceTempView("t")
    start = time.perf_counter()
    result = spark.sql(QUERY).toArrow()
    elapsed = time.perf_counter() - start
    peaks = executor_peaks(spark.sparkContext)
    spark.stop()
    print(json.dumps({"seconds": elapsed, "groups": result.num_rows,
                      "exact": exact(result, args.data_dir), "executor_peaks": peaks,
                      "driver_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "spilled": totals.totals.spilled_bytes, "lost": totals.lost}), flush=True)
    return 0


# ---- driver ---------------------------------------------------------------------------------

def mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.0f}"


def render(r: dict, args: argparse.Namespace) -> str:
    """The measurement as a one-row Markdown table."""
    header = ["rows", "keys", "limit", "time s", "exact", "executor peak RSS MiB",
              "driver peak MiB", "spilled MB", "executors lost", "load1"]
    peaks = r.get("executor_peaks", {})
    row = [f"{args.rows:,}", f"{args.keys:,}", args.limit,
           f"{r['seconds']:.1f}" if "seconds" in r else "FAIL",
           {True: "yes", False: "NO"}.get(r.get("exact"), "-"),
           ", ".join(mib(p) for p in peaks.values()) or "-", mib(r.get("driver_peak")),
           f"{r['spilled'] / 1e6:.0f}" if "spilled" in r else "-",
           str(len(r.get("lost", []))) if "lost" in r else "-", f"{r['load']:.2f}"]
    return markdown_table([header, row])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, help="default 5M (--quick: 200k)")
    p.add_argument("--keys", type=int, help="distinct keys, default 5M (--quick: 200k)")
    p.add_argument("--key-width", type=int, default=32, help="characters per key")
    p.add_argument("--files", type=int, default=4)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--limit", help="spark.python.worker.memory, default 256m (--quick: 8m)")
    p.add_argument("--shuffle-partitions", type=int, default=1)
    p.add_argument("--master", default="local[2]")
    p.add_argument("--data-dir", help="generate into / reuse this folder (kept)")
    p.add_argument("--quick", action="store_true", help="small defaults, no waiting")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds")
    p.add_argument("--job", action="store_true", help=argparse.SUPPRESS)
    add_quiet_options(p)
    args = p.parse_args(argv)
    rows, limit = (200_000, "8m") if args.quick else (5_000_000, "256m")
    args.rows, args.keys = args.rows or rows, args.keys or rows
    args.limit = args.limit or limit
    args.no_wait = args.no_wait or args.quick
    if args.no_wait:
        args.max_load = None
    return args


def measure(args: argparse.Namespace) -> dict:
    """The job in a fresh interpreter, after waiting for a quiet machine."""
    python, env = engine_env("minispark", "")
    state = wait_for_quiet(args.max_load, args.max_wait)
    command = [python, os.path.abspath(__file__), "--job", "--data-dir", args.data_dir,
               "--master", args.master, "--limit", args.limit,
               "--shuffle-partitions", str(args.shuffle_partitions)]
    return {**run_json_job(command, env, args.timeout), **state}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.job:
        return job(args)
    keep = args.data_dir is not None
    args.data_dir = os.path.abspath(args.data_dir or tempfile.mkdtemp(prefix="sql-spill-"))
    try:
        ensure_data(args)
        print(machine_summary("not used") + f", master {args.master}")
        print(f"# GROUP BY over {args.rows:,} rows, {args.keys:,} keys of {args.key_width} "
              f"characters, {args.files} Parquet files, spark.python.worker.memory={args.limit}, "
              f"spark.sql.shuffle.partitions={args.shuffle_partitions}", flush=True)
        record = measure(args)
    finally:
        if not keep:
            shutil.rmtree(args.data_dir, ignore_errors=True)
    if "error" in record:
        print(f"# FAILED: {record['error']}")
    elif record["lost"]:
        print("# executors lost: " + "; ".join(record["lost"]))
    print(render(record, args))
    return 0 if record.get("exact") else 1


if __name__ == "__main__":
    sys.exit(main())
