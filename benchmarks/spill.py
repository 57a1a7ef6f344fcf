#!/usr/bin/env python
"""External spill: a groupByKey over ~5x the Python worker memory limit, minispark vs PySpark.

    python benchmarks/spill.py                       # 330 MB of values, limit 64m, 2 reducers
    python benchmarks/spill.py --quick               # 30 MB of values, limit 16m
    python benchmarks/spill.py --value-mb 160 --engines minispark

The job (the same text for both engines; only the import differs):

    pairs = sc.parallelize(range(M), M).flatMap(generate)     # M = --map-partitions
    pairs.groupByKey(R).map(summarise).reduce(combine)          # R = --reduce-partitions

``generate`` makes ``--value-mb`` MB of values: record j is
``(j % keys, "%0{W}d" % j)`` with W = ``--value-bytes`` (100) characters, so
there are value_mb * 10^6 / W records over ``--keys`` keys. ``summarise``
iterates every group and returns (groups, values, sum of int(value)); the
total must be exactly (keys, records, records * (records - 1) / 2).
``spark.python.worker.memory`` is ``--limit`` (64m) for both engines.

Timed: the action only (the context and a tiny warm-up job are not). Memory:
while the job runs this script samples, every 50 ms, ``/proc/<pid>/status``
(VmHWM = the kernel's peak resident set, VmRSS) of every process descending
from the job: minispark's executors (``python -m minispark.scheduler.worker``),
PySpark's Python workers (``pyspark.daemon`` and its forked workers) and the
JVM; the samples are split at the end of the map stage (from minispark's
listener / PySpark's REST API) into a map-side and a reduce-side peak.
Spilled bytes: for minispark the sum of the tasks' ``spilled_bytes``
(a ``MetricsTotals`` listener); for PySpark the stages' memory/disk bytes
spilled from its REST API (best effort). ``--json`` keeps the RSS timeline too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

from common import (add_engine_options, add_quiet_options, descendants, engine_env,
                    machine_summary, markdown_table, name_list, usable_engines, wait_for_quiet)

ENGINES = ["minispark", "pyspark"]


# ---- the job (same text for both engines) ---------------------------------------------

def spark_job(sc, args):
    records = int(args.value_mb * 1_000_000 // args.value_bytes)
    keys, width, maps = args.keys, args.value_bytes, args.map_partitions
    per_map = -(-records // maps)

    def generate(i):
        fmt = "%0" + str(width) + "d"
        for j in range(i * per_map, min(records, (i + 1) * per_map)):
            yield j % keys, fmt % j

    def summarise(kv):
        n = total = 0
        for v in kv[1]:
            n += 1
            total += int(v)
        return 1, n, total

    def combine(a, b):
        return a[0] + b[0], a[1] + b[1], a[2] + b[2]

    pairs = sc.parallelize(range(maps), maps).flatMap(generate)
    print("#timed-start", flush=True)
    start = time.time()
    t = time.perf_counter()
    result = pairs.groupByKey(args.reduce_partitions).map(summarise).reduce(combine)
    elapsed = time.perf_counter() - t
    print("#timed-end", flush=True)
    expected = (min(keys, records), records, records * (records - 1) // 2)
    return elapsed, list(result), list(expected), start


def pyspark_spilled(sc):
    """Memory/disk bytes spilled over all stages, from PySpark's REST API (or None)."""
    import urllib.request
    try:
        url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages"
        with urllib.request.urlopen(url, timeout=10) as f:
            stages = json.load(f)
        from datetime import datetime
        ends = []
        for s in stages:
            if s.get("completionTime"):
                end = datetime.strptime(s["completionTime"].replace("GMT", "+0000"),
                                        "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
                ends.append((s["stageId"], s.get("numTasks"), end))
        return {"memory": sum(s.get("memoryBytesSpilled", 0) for s in stages),
                "disk": sum(s.get("diskBytesSpilled", 0) for s in stages), "stage_ends": ends}
    except Exception as e:  # noqa: BLE001 - best effort
        return {"error": repr(e)}


def run_job(args):
    if args.engine == "minispark":
        from minispark import SparkConf, SparkContext
    else:
        from pyspark import SparkConf, SparkContext
    conf = SparkConf().set("spark.python.worker.memory", args.limit)
    sc = SparkContext(args.master, "bench-spill", conf=conf)
    totals = None
    try:
        stages = []
        if args.engine == "minispark":
            from minispark.scheduler.events import MetricsTotals, StageCompleted

            class Spills(MetricsTotals):
                """Spilled bytes, and when each stage ended (for the memory timeline)."""

                def on_event(self, event):
                    super().on_event(event)
                    if isinstance(event, StageCompleted):
                        stages.append((event.info.stage_id, event.info.is_shuffle_map,
                                       time.time()))

            totals = Spills()
            sc.addSparkListener(totals)
        sc.parallelize(range(4), 2).count()  # executors / Python workers up
        elapsed, result, expected, start = spark_job(sc, args)
        if totals is not None:
            spilled = {"disk": totals.totals.spilled_bytes}
        else:
            time.sleep(1)  # let the listener bus deliver the last task ends
            spilled = pyspark_spilled(sc)
    finally:
        sc.stop()
    print(json.dumps({"engine": args.engine, "seconds": elapsed, "result": result,
                      "expected": expected, "spilled": spilled, "start": start,
                      "map_partitions": args.map_partitions,
                      "stages_completed": [s for s in stages if s[2] >= start]}), flush=True)
    return 0


# ---- memory sampling --------------------------------------------------------------------

def _status(pid: int) -> dict | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return None
    kb = lambda name: int(fields.get(name, "0 kB").split()[0]) * 1024  # noqa: E731
    return {"hwm": kb("VmHWM"), "rss": kb("VmRSS"), "argv": argv}


def classify(argv: list[str]) -> str:
    text = " ".join(argv)
    if "minispark.scheduler.worker" in text:
        return "minispark executor"
    if "pyspark.daemon" in text or "pyspark.worker" in text:
        return "pyspark python worker"
    if argv and os.path.basename(argv[0]) == "java":
        return "jvm"
    return "other"


class Sampler(threading.Thread):
    """Peak memory of every descendant of ``root``, sampled every ``interval`` s."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.procs: dict[int, dict] = {}
        self.timeline: list[tuple[float, int, int]] = []
        self.timed = False
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            for pid in descendants(self.root):
                s = _status(pid)
                if s is None or not s["argv"]:
                    continue
                p = self.procs.setdefault(pid, {"kind": "other", "hwm": 0,
                                                "max_rss": 0, "rss_at_start": None,
                                                "in_timed_part": False})
                # again every time: the JVM starts as a shell script that execs java
                p["kind"] = classify(s["argv"])
                if p["kind"] != "other":
                    self.timeline.append((round(time.time(), 3), pid, s["rss"]))
                p["hwm"] = max(p["hwm"], s["hwm"])
                p["max_rss"] = max(p["max_rss"], s["rss"])
                if self.timed:
                    p["in_timed_part"] = True
                    if p["rss_at_start"] is None:
                        p["rss_at_start"] = s["rss"]
            self.stop_event.wait(self.interval)


def measure(engine: str, args) -> dict:
    python, env = engine_env(engine, args.pyspark_python)
    state = wait_for_quiet(args.max_load, args.max_wait)
    command = [python, os.path.abspath(__file__), "--job", engine, "--value-mb",
               str(args.value_mb), "--value-bytes", str(args.value_bytes), "--keys",
               str(args.keys), "--map-partitions", str(args.map_partitions),
               "--reduce-partitions", str(args.reduce_partitions), "--limit", args.limit,
               "--master", args.master]
    t = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tempfile.gettempdir())
    sampler = Sampler(proc.pid)
    sampler.start()
    stderr_lines: list[str] = []
    reader = threading.Thread(target=lambda: stderr_lines.extend(proc.stderr), daemon=True)
    reader.start()
    record = None
    for line in proc.stdout:
        if line.startswith("#timed-start"):
            sampler.timed = True
        elif line.startswith("#timed-end"):
            sampler.timed = False
        elif line.startswith("{"):
            record = json.loads(line)
    try:
        proc.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
    sampler.stop_event.set()
    sampler.join()
    reader.join(timeout=5)
    if proc.returncode != 0 or record is None:
        return {"engine": engine, **state, "error": f"exit code {proc.returncode}:\n"
                + "".join(stderr_lines[-15:])}
    record.update(state, process_wall=time.perf_counter() - t)
    record["timeline"] = sampler.timeline
    record["processes"] = sorted(
        ({"pid": pid, **p} for pid, p in sampler.procs.items() if p["kind"] != "other"),
        key=lambda p: (p["kind"], p["pid"]))
    return record


def map_stage_end(r: dict) -> float | None:
    """When the shuffle-map stage of the timed job ended (wall clock), if known."""
    ends = [t for _, is_map, t in r.get("stages_completed", []) if is_map]
    if not ends and isinstance(r.get("spilled"), dict):
        # PySpark (REST API): the map stage is the one with one task per map partition
        ends = [t for _, tasks, t in r["spilled"].get("stage_ends", [])
                if tasks == r.get("map_partitions") and t >= r.get("start", 0)]
    return ends[-1] if ends else None


def phase_peaks(r: dict, map_end: float) -> dict:
    """Per worker process: (max RSS sampled before the map stage ended, after it)."""
    kinds = {p["pid"]: p["kind"] for p in r["processes"]}
    out: dict = {}
    for t, pid, rss in r.get("timeline", []):
        if kinds.get(pid) in (None, "other") or t < r.get("start", 0):
            continue
        key = f"{kinds[pid]} {pid}"
        before, after = out.get(key, (0, 0))
        out[key] = (max(before, rss), after) if t <= map_end else (before, max(after, rss))
    return out


def _mb(n) -> str:
    return "-" if n is None else f"{n / 2**20:.0f}"


def render(results: list[dict], args) -> str:
    header = ["engine", "time", "exact", "workers (peak RSS MiB, VmHWM)", "max worker",
              "map side / reduce side", "JVM peak MiB", "spilled MB", "load1"]
    rows = [header]
    for r in results:
        if "error" in r:
            rows.append([r["engine"], "FAIL", "", "", "", "", "", "", f"{r['load']:.2f}"])
            continue
        workers = [p for p in r["processes"] if p["kind"] != "jvm" and p["in_timed_part"]]
        jvm = [p for p in r["processes"] if p["kind"] == "jvm"]
        spilled = r["spilled"]
        if "error" in spilled:
            spill = "?"
        elif "memory" in spilled:
            spill = f"{spilled['disk'] / 1e6:.0f} disk / {spilled['memory'] / 1e6:.0f} mem"
        else:
            spill = f"{spilled['disk'] / 1e6:.0f}"
        map_end = map_stage_end(r)
        phases = "-"
        if map_end is not None:
            peaks = [v for k, v in phase_peaks(r, map_end).items() if "jvm" not in k]
            phases = (f"{_mb(max(m for m, _ in peaks))} / {_mb(max(x for _, x in peaks))}"
                      if peaks else "-")
        rows.append([r["engine"], f"{r['seconds']:.1f} s",
                     "yes" if r["result"] == r["expected"] else "NO",
                     ", ".join(_mb(p["hwm"]) for p in workers) or "-",
                     _mb(max((p["hwm"] for p in workers), default=None)), phases,
                     _mb(max((p["hwm"] for p in jvm), default=None)) if jvm else "-",
                     spill, f"{r['load']:.2f}"])
    return markdown_table(rows)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--value-mb", type=float, default=330.0, help="MB (10^6) of values")
    p.add_argument("--value-bytes", type=int, default=100, help="characters per value")
    p.add_argument("--keys", type=int, default=100_000)
    p.add_argument("--map-partitions", type=int, default=8)
    p.add_argument("--reduce-partitions", type=int, default=2)
    p.add_argument("--limit", default="64m", help="spark.python.worker.memory")
    p.add_argument("--quick", action="store_true", help="30 MB of values, limit 16m, no waiting")
    add_engine_options(p, ENGINES)
    add_quiet_options(p)
    p.add_argument("--from-json", metavar="FILE",
                   help="print the table of a run saved with --json (measures nothing)")
    p.add_argument("--job", metavar="ENGINE", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.value_mb, args.limit, args.keys = 30.0, "16m", 10_000
        args.no_wait = True
    if args.no_wait:
        args.max_load = None
    args.engines = name_list(p, args.engines, ENGINES, "engine")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.job:
        args.engine = args.job
        return run_job(args)
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        print(saved.get("machine", ""))
        print(render(saved["results"], args))
        return 0
    engines, spark_version = usable_engines(args.engines, args.pyspark_python)
    machine = machine_summary(spark_version)
    print(machine, flush=True)
    records = int(args.value_mb * 1_000_000 // args.value_bytes)
    print(f"# groupByKey of {records:,} records ({args.value_mb:g} MB of {args.value_bytes}-char "
          f"values) over {args.keys:,} keys, {args.map_partitions} map / "
          f"{args.reduce_partitions} reduce partitions, spark.python.worker.memory={args.limit}, "
          f"master {args.master}", flush=True)
    results = []
    for engine in engines:
        r = measure(engine, args)
        results.append(r)
        if "error" in r:
            print(f"# {engine}: {r['error']}", flush=True)
            continue
        procs = "; ".join(f"{p['kind']} {p['pid']}: peak {_mb(p['hwm'])} MiB, "
                          f"rss at start {_mb(p['rss_at_start'])} MiB" for p in r["processes"])
        map_end = map_stage_end(r)
        if map_end is not None:
            for kind, (map_peak, reduce_peak) in phase_peaks(r, map_end).items():
                procs += f"; {kind}: max RSS {_mb(map_peak)} MiB map side, {_mb(reduce_peak)} reduce side"
        print(f"# {engine}: load1 {r['load']:.2f}, {r['seconds']:.2f} s, result {r['result']} "
              f"(expected {r['expected']}), spilled {r['spilled']}; {procs}", flush=True)
    print()
    print("Peak RSS = VmHWM of each Python worker process that was alive during the timed "
          "action (pyspark: the daemon and its forked workers); map side / reduce side = the "
          "highest RSS sampled (every 50 ms) before / after the map stage ended.")
    print(render(results, args))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "args": vars(args), "results": results}, f)
    bad = [r for r in results if "error" in r or r["result"] != r["expected"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
