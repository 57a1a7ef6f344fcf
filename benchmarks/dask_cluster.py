"""Word count and join on a 2-worker Dask ``LocalCluster`` beside ``local[2]``, one run.

Issue 11's target: on one machine, the cluster backend costs at most 1.3x the
``local[2]`` time. Both masters run ``run.py``'s own workloads (the same
program text, data and measurement: a warm-up job, then the timed action, in
a fresh driver process each), so the ratio isolates what the cluster path
adds: executors started by Dask's worker plugin, TCP task traffic, and every
map output fetched through the block-transfer service.

    python benchmarks/dask_cluster.py                 # 100 MB text, 5M pairs, median of 3
    python benchmarks/dask_cluster.py --quick         # 2 MB, 100k pairs, one run
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

import dask
import distributed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the benchmark harness beside this script)
from common import markdown_table  # noqa: E402

WORKLOADS = ("wordcount", "join")
TARGET_RATIO = 1.3


def start_cluster(scratch: str) -> distributed.LocalCluster:
    """Two single-threaded worker processes on loopback: two executor slots, as local[2]."""
    dask.config.set({"temporary-directory": scratch})
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                    dashboard_address=None, host="127.0.0.1",
                                    local_directory=scratch, silence_logs=50)


def measure(master: str, data: str, args: argparse.Namespace, out: str) -> dict[str, dict]:
    """``run.py``'s minispark records for each workload on ``master``."""
    argv = ["--engines", "minispark", "--workloads", ",".join(WORKLOADS), "--master", master,
            "--data-dir", data, "--repeat", str(args.repeat), "--json", out]
    if args.quick:
        argv.append("--quick")
    run.main(argv)
    with open(out) as f:
        return {r["workload"]: r for r in json.load(f)["results"]}


def report(local: dict[str, dict], cluster: dict[str, dict]) -> str:
    rows = [["workload", "local[2] s", "dask 2 workers s", "dask / local", "target"]]
    for workload in WORKLOADS:
        a, b = local.get(workload, {}), cluster.get(workload, {})
        if "seconds" not in a or "seconds" not in b:
            rows.append([workload, str(a.get("seconds", "FAIL")), str(b.get("seconds", "FAIL")),
                         "-", "-"])
            continue
        ratio = b["seconds"] / a["seconds"]
        verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
        rows.append([workload, f"{a['seconds']:.2f}", f"{b['seconds']:.2f}", f"{ratio:.2f}x",
                     f"<={TARGET_RATIO}x: {verdict}"])
    return markdown_table(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2 MB of text, 100k pairs, one run")
    p.add_argument("--repeat", type=int, default=None, help="median of N runs (default 3)")
    args = p.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    scratch = tempfile.mkdtemp(prefix="minispark-bench-dask-")
    try:
        data = os.path.join(scratch, "data")
        local = measure("local[2]", data, args, os.path.join(scratch, "local.json"))
        with start_cluster(os.path.join(scratch, "dask")) as cluster:
            master = cluster.scheduler_address.replace("tcp://", "dask://")
            on_dask = measure(master, data, args, os.path.join(scratch, "dask.json"))
        print()
        print(report(local, on_dask))
        return 0 if all("seconds" in r for r in (*local.values(), *on_dask.values())) else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
