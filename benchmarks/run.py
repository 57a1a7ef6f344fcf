#!/usr/bin/env python
"""Benchmark minispark against PySpark (when installed) and plain single-process Python.

    python benchmarks/run.py                    # full size: ~100 MB text, 5M pairs
    python benchmarks/run.py --quick            # smoke test, ~10-20 s
    python benchmarks/run.py --engines minispark,python --workloads wordcount,startup

Data is generated once (seeded, so every run sees the same bytes) into a
temporary directory and read by all engines from the same files:

* ``text.txt``: lines of 5-15 words (10 on average) drawn from a vocabulary of
  100,000 distinct lowercase words with Zipf frequencies (s = 1), about
  ``--text-mb`` MB (10^6 bytes).
* ``pairs.txt``: ``--pairs`` lines ``"k v"``, k uniform in [0, pairs/10)
  (about 10 values per key), v uniform in [0, 10^6).
* ``dim.txt``: one line ``"k w"`` for every key in [0, pairs/10), shuffled;
  ``join`` joins pairs with it, so the join yields exactly ``--pairs`` rows.

Every (engine, workload) pair runs in its own subprocess (``bench_job.py``);
see that file for exactly what is timed. PySpark is used when ``import
pyspark`` works in ``--pyspark-python`` (default: ``/tmp/pyspark-venv/bin/python``
if it exists, else this interpreter); minispark never imports it.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time

from common import (HERE, add_engine_options, engine_env, git_revision, machine_summary,
                    markdown_table, name_list, run_json_job, usable_engines)

JOB = os.path.join(HERE, "bench_job.py")

DATA_WORKLOADS = ["wordcount", "reducebykey", "groupbykey", "sortbykey", "join"]
ALL_WORKLOADS = DATA_WORKLOADS + ["startup", "warmjob"]
ALL_ENGINES = ["python", "minispark", "pyspark"]
VOCABULARY = 100_000
DATA_VERSION = 1

#: Targets from the issue: (metric, limit).
TARGET_STARTUP_S = 0.3
TARGET_WARMJOB_S = 0.050
TARGET_VS_PYSPARK = 0.3
TARGET_VS_PYTHON = 1.0


# ---- data ---------------------------------------------------------------------------

def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    out: list[str] = []
    while len(out) < size:
        word = "".join(rng.choices(letters, k=rng.randint(3, 10)))
        if word not in words:
            words.add(word)
            out.append(word)
    # Zipf's law of abbreviation, roughly: frequent words are short.
    out.sort(key=len)
    return out


def generate_text(path: str, megabytes: float, seed: int) -> int:
    import numpy as np

    rng = np.random.default_rng(seed)
    vocab = _vocabulary(random.Random(seed), VOCABULARY)
    weights = 1.0 / np.arange(1, VOCABULARY + 1, dtype=np.float64)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    target = int(megabytes * 1_000_000)
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        while written < target:
            lengths = rng.integers(5, 16, size=20_000)
            ranks = np.searchsorted(cdf, rng.random(int(lengths.sum())))
            words = [vocab[r] for r in ranks.tolist()]
            lines, pos = [], 0
            for n in lengths.tolist():
                lines.append(" ".join(words[pos:pos + n]))
                pos += n
            block = "\n".join(lines) + "\n"
            if written + len(block) > target:  # stop at the line that reaches the target
                keep = block.find("\n", target - written - 1) + 1
                block = block[:keep or len(block)]
            out.write(block)
            written += len(block)
    return written


def _write_pairs(path: str, keys, values) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        step = 500_000
        for i in range(0, len(keys), step):
            ks, vs = keys[i:i + step].tolist(), values[i:i + step].tolist()
            out.write("".join(f"{k} {v}\n" for k, v in zip(ks, vs)))


def generate_pairs(pairs_path: str, dim_path: str, count: int, seed: int) -> int:
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    key_range = max(1, count // 10)
    _write_pairs(pairs_path, rng.integers(0, key_range, size=count),
                 rng.integers(0, 1_000_000, size=count))
    _write_pairs(dim_path, rng.permutation(key_range), rng.integers(0, 1_000_000, size=key_range))
    return key_range


def prepare_data(folder: str, text_mb: float, pairs: int, seed: int) -> dict:
    """Generate the input files into ``folder`` unless a matching set is already there."""
    manifest_path = os.path.join(folder, "manifest.json")
    wanted = {"version": DATA_VERSION, "text_mb": text_mb, "pairs": pairs, "seed": seed}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        if all(manifest.get(k) == v for k, v in wanted.items()):
            print(f"# reusing data in {folder}", flush=True)
            return manifest
    os.makedirs(folder, exist_ok=True)
    t = time.perf_counter()
    text_bytes = generate_text(os.path.join(folder, "text.txt"), text_mb, seed)
    keys = generate_pairs(os.path.join(folder, "pairs.txt"), os.path.join(folder, "dim.txt"),
                          pairs, seed)
    manifest = dict(wanted, text_bytes=text_bytes, keys=keys,
                    pairs_bytes=os.path.getsize(os.path.join(folder, "pairs.txt")),
                    dim_bytes=os.path.getsize(os.path.join(folder, "dim.txt")))
    with open(manifest_path, "w") as f:
        json.dump(manifest, f)
    print(f"# generated data in {folder} in {time.perf_counter() - t:.1f} s: "
          f"text {text_bytes / 1e6:.1f} MB, pairs {pairs:,} ({manifest['pairs_bytes'] / 1e6:.1f} MB)"
          f", {keys:,} keys", flush=True)
    return manifest


# ---- engines ------------------------------------------------------------------------

def engine_command(engine: str, args: argparse.Namespace) -> tuple[list[str], dict]:
    """The command line (up to the job's arguments) and environment of ``bench_job.py``."""
    python, env = engine_env(engine, args.pyspark_python)
    if args.pyc_cache:
        # What an installed package gets: byte code compiled once, then reused. The cache
        # lives outside the source tree; the first (warm-up) run of an engine fills it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = args.pyc_cache
    return [python, JOB], env


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(seconds: float = 0.5) -> float | None:
    """How many cores other processes keep busy right now (sampled over ``seconds``).

    Called between measurements, when none of ours is running, so whatever
    is busy belongs to someone else. None where /proc/stat does not exist.
    """
    try:
        busy0, total0 = _cpu_times()
        time.sleep(seconds)
        busy1, total1 = _cpu_times()
    except OSError:
        return None
    if total1 == total0:
        return 0.0
    return (busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1)


def wait_until_quiet(args: argparse.Namespace) -> float | None:
    """Sample how busy the machine is; with --quiet-below, wait (bounded) for it to calm down."""
    busy = busy_cores()
    deadline = time.monotonic() + args.max_wait
    while (args.quiet_below is not None and busy is not None and busy > args.quiet_below
           and time.monotonic() < deadline):
        time.sleep(2)
        busy = busy_cores()
    return busy


def run_one(engine: str, workload: str, data: str, args: argparse.Namespace) -> dict:
    """One measurement (median of ``repeat`` runs) in fresh subprocesses."""
    records = [_run_once(engine, workload, data, args) for _ in range(args.repeat_of(workload))]
    good = [r for r in records if "error" not in r]
    if len(good) < len(records):
        return next(r for r in records if "error" in r)
    good.sort(key=lambda r: r["seconds"])
    record = dict(good[len(good) // 2])
    if len(good) > 1:
        record["all_seconds"] = [r["seconds"] for r in records]
        record["load"] = max(r["load"] for r in records)
        record["busy"] = max((r["busy"] for r in records if r["busy"] is not None), default=None)
    return record


def _run_once(engine: str, workload: str, data: str, args: argparse.Namespace) -> dict:
    command, env = engine_command(engine, args)
    command = [*command, engine, workload, data, args.master]
    busy = wait_until_quiet(args)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    record = {"engine": engine, "workload": workload,
              **run_json_job(command, env, args.timeout), "load": load, "busy": busy}
    if "error" not in record:
        record["process_wall"] = time.perf_counter() - t
    return record


# ---- report -------------------------------------------------------------------------

def _fmt_s(record: dict | None) -> str:
    if record is None:
        return "-"
    if "error" in record:
        return "FAIL"
    s = record["seconds"]
    if s < 0.001:
        return f"{s * 1000:.3f} ms"
    return f"{s * 1000:.1f} ms" if s < 0.1 else f"{s:.2f}"


def _ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or "error" in a or "error" in b or not b["seconds"]:
        return "-"
    return f"{a['seconds'] / b['seconds']:.2f}x"


def _target(workload: str, mini: dict | None, spark: dict | None, py: dict | None) -> str:
    if not mini or "error" in mini:
        return "-"
    s = mini["seconds"]
    if workload == "startup":
        return f"<{TARGET_STARTUP_S}s: " + ("met" if s < TARGET_STARTUP_S else "MISSED")
    if workload == "warmjob":
        return f"<{TARGET_WARMJOB_S * 1000:.0f}ms: " + ("met" if s < TARGET_WARMJOB_S else "MISSED")
    parts = []
    if spark and "error" not in spark:
        parts.append("<=0.3x pyspark: " + (
            "met" if s <= TARGET_VS_PYSPARK * spark["seconds"] else "MISSED"))
    if py and "error" not in py:
        parts.append("<=1x python: " + ("met" if s <= TARGET_VS_PYTHON * py["seconds"] else "MISSED"))
    return "; ".join(parts) or "-"


def render_table(results: dict, workloads: list[str]) -> str:
    header = ["workload", "python s", "minispark s", "pyspark s", "minispark/pyspark",
              "minispark/python", "load1 py/mini/spark", "busy py/mini/spark", "target"]
    rows = [header]
    for w in workloads:
        py, mini, spark = (results.get((e, w)) for e in ("python", "minispark", "pyspark"))
        loads = "/".join(f"{r['load']:.2f}" if r else "-" for r in (py, mini, spark))
        busy = "/".join(f"{r['busy']:.2f}" if r and r.get("busy") is not None else "-"
                        for r in (py, mini, spark))
        rows.append([w, _fmt_s(py), _fmt_s(mini), _fmt_s(spark), _ratio(mini, spark),
                     _ratio(mini, py), loads, busy, _target(w, mini, spark, py)])
    return markdown_table(rows)


def check_results(results: dict, workloads: list[str]) -> list[str]:
    """Every engine must compute the same answer; returns the disagreements."""
    problems = []
    for w in workloads:
        if w in ("startup", "warmjob"):
            continue
        answers = {e: r["result"] for (e, ww), r in results.items() if ww == w and "error" not in r}
        if len(set(answers.values())) > 1:
            problems.append(f"{w}: engines disagree: {answers}")
    return problems


# ---- main ---------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--text-mb", type=float, default=100.0, help="size of the text input (MB)")
    p.add_argument("--pairs", type=int, default=5_000_000, help="number of (k, v) pairs")
    p.add_argument("--workloads", default=",".join(ALL_WORKLOADS))
    p.add_argument("--quick", action="store_true",
                   help="small inputs (2 MB text, 100k pairs) for a smoke test")
    add_engine_options(p, ALL_ENGINES)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data-dir", help="generate into / reuse data from this folder (kept)")
    p.add_argument("--no-pyc-cache", dest="use_pyc_cache", action="store_false",
                   help="honour PYTHONDONTWRITEBYTECODE (byte code compiled on every import)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs per data workload; the median is reported (default 1: one run)")
    p.add_argument("--startup-repeat", type=int, default=None,
                   help="runs of the start-up measurement; the median is reported "
                        "(default 5, 1 with --quick)")
    p.add_argument("--quiet-below", type=float, default=None, metavar="CORES",
                   help="before each measurement wait until other processes use fewer than "
                        "CORES cores (sampled over 0.5 s), for at most --max-wait seconds")
    p.add_argument("--max-wait", type=float, default=300.0)
    args = p.parse_args(argv)
    args.repeat_of = lambda w: max(1, args.startup_repeat if w == "startup" else args.repeat)
    if args.quick:
        args.text_mb, args.pairs = 2.0, 100_000
    if args.startup_repeat is None:
        args.startup_repeat = 1 if args.quick else 5
    args.engines = name_list(p, args.engines, ALL_ENGINES, "engine")
    args.workloads = name_list(p, args.workloads, ALL_WORKLOADS, "workload")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engines, spark_version = usable_engines(args.engines, args.pyspark_python)
    owned_tmp = []
    args.pyc_cache = None
    if args.use_pyc_cache:
        args.pyc_cache = tempfile.mkdtemp(prefix="minispark-bench-pyc-")
        owned_tmp.append(args.pyc_cache)
    data = args.data_dir
    if data is None:
        data = tempfile.mkdtemp(prefix="minispark-bench-data-")
        owned_tmp.append(data)
    try:
        revision = git_revision()
        print(machine_summary(spark_version, revision) + f", master {args.master}", flush=True)
        manifest = prepare_data(data, args.text_mb, args.pairs, args.seed)
        if args.pyc_cache:  # fill the byte-code cache so start-up is not a first import
            for engine in engines:
                if engine != "python":
                    _run_once(engine, "startup", data, args)
        results: dict = {}
        for workload in args.workloads:
            for engine in engines:
                if engine == "python" and workload == "startup":
                    continue
                record = run_one(engine, workload, data, args)
                results[(engine, workload)] = record
                shown = record.get("error") or (
                    f"{record['seconds']:.3f} s, result {record['result']}, "
                    f"process {record['process_wall']:.2f} s")
                if "cpu_seconds" in record.get("extra", {}):
                    shown += f", CPU {record['extra']['cpu_seconds']:.2f} s"
                if "all_seconds" in record:
                    shown += " (runs: " + ", ".join(f"{s:.3f}" for s in record["all_seconds"]) + ")"
                busy = "?" if record.get("busy") is None else f"{record['busy']:.2f}"
                print(f"# {workload:<12} {engine:<10} load1 {record['load']:.2f} busy {busy}  "
                      f"{shown}", flush=True)
        print()
        print(f"Data: text {manifest['text_bytes'] / 1e6:.1f} MB, {args.pairs:,} pairs over "
              f"{manifest['keys']:,} keys; master {args.master}.\nload1 = 1-minute load average "
              f"when each measurement started; busy = cores other processes used in the 0.5 s "
              f"before it started.")
        print(render_table(results, args.workloads))
        for problem in check_results(results, args.workloads):
            print(f"WARNING: {problem}")
        startup = [results.get((e, "startup")) for e in engines]
        for r in startup:
            if r and "error" not in r:
                parts = ", ".join(f"{k} {v:.3f}" for k, v in r["extra"].items()
                                  if k in ("import", "context", "first_job", "stop"))
                print(f"startup {r['engine']}: {parts} s; whole process {r['process_wall']:.2f} s")
        revision_end = git_revision()
        if revision_end != revision:
            print(f"WARNING: minispark changed during the run ({revision} -> {revision_end})")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"manifest": manifest, "master": args.master,
                           "revision": revision, "revision_at_end": revision_end,
                           "pyspark": spark_version,
                           "results": [r for r in results.values()]}, f, indent=1)
        return 1 if any("error" in r for r in results.values()) else 0
    finally:
        for path in owned_tmp:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
