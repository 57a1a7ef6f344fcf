#!/usr/bin/env python
"""Iterative workloads over cached data: minispark vs PySpark vs single-process Python.

    python benchmarks/iterative.py                      # full size: 1M points, 100k edges
    python benchmarks/iterative.py --quick              # smoke test (~10 s without PySpark)
    python benchmarks/iterative.py --engines minispark,python --workloads pagerank

Workloads (``--workloads``, default all four), ``--iterations`` (10) each:

* ``lr``: logistic regression by batch gradient descent over ``--points``
  (1,000,000) points of 10 features, cached; per record, as Spark's example:
  ``points.map(lambda p: point_gradient(w.value, p)).reduce(add)``.
* ``lr-numpy``: the same descent, one numpy expression per partition
  (``mapPartitions``); the driver splits the matrix of rows ``[y, x1..x10]``
  into one block per partition (``np.array_split``), which is parallelized and
  cached, as ``examples/logistic_regression.py --numpy`` does.
* ``lr-rows`` (extra): the same, but every point is cached as its own row
  array (``parallelize(list(matrix))``) and each iteration stacks a
  partition's rows (``np.vstack``) before the numpy expression: the cost of
  caching a million small objects instead of a few matrices.
* ``pagerank``: PageRank over a ring of ``--edges / 5`` pages plus random
  extra edges (``--edges`` in all, minus duplicates); links hash-partitioned
  and cached; each iteration's ranks are cached and counted (the previous
  ranks unpersisted), so every iteration is one job.

The program text below is the same for minispark and PySpark (only the
import differs) and imports nothing but numpy; it follows
``examples/logistic_regression.py`` and ``examples/pagerank.py``. Each
engine generates identical data from the same seed in its driver (not timed),
in its own subprocess. The context and a tiny warm-up job are not timed.

Timing: ``first`` = ``parallelize`` (+ ``groupByKey`` for PageRank) and the
first iteration, i.e. everything from data in the driver to the first new
weights / ranks, including filling the cache (engines differ in what
``parallelize`` does eagerly, so it is counted in the first iteration);
``rest`` = the mean of iterations 2..K. Plain Python runs the per-record loop
over the same list of points, numpy over the whole matrix, and PageRank with
dicts; for it ``first`` is just its first iteration.

Before each measurement the script waits (at most ``--max-wait`` s) until no
other benchmark (``bench_job.py``) or JVM is running and the 1-minute load
average is below ``--max-load``; the load is recorded with every figure.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from operator import add

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

WORKLOADS = ["lr", "lr-numpy", "pagerank", "lr-rows"]
ENGINES = ["python", "minispark", "pyspark"]
D = 10

#: Targets from the issue.
TARGET_CACHED_SPEEDUP = 5.0          # a cached iteration >= 5x faster than the first
TARGET_VS_PYSPARK = {"lr": 0.5, "lr-numpy": 0.2, "lr-rows": 0.2, "pagerank": 0.2}


# ---- the program (same text for minispark and pyspark) --------------------------------

def generate_points(n, seed=42):
    """Points with D features and labels in {-1, 1} from a noisy linear rule."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, D))
    y = np.where(x @ rng.normal(size=D) + rng.normal(scale=0.5, size=n) > 0, 1.0, -1.0)
    return x, y


#: exp(z) is capped at exp(700): the weights grow without a step size (as in
#: Spark's example), and 1 / (1 + exp(700)) is already 0 to double precision.
MAX_EXPONENT = 700.0


def point_gradient(w, point):
    y, x = point
    return (1.0 / (1.0 + math.exp(min(-y * x.dot(w), MAX_EXPONENT))) - 1.0) * y * x


def block_gradient(w, x, y):
    return ((1.0 / (1.0 + np.exp(np.minimum(-y * (x @ w), MAX_EXPONENT))) - 1.0) * y) @ x


def partition_gradient(w, blocks):
    """Blocks of rows [y, x1..xD]: the gradient of each in one numpy expression."""
    total = np.zeros(D)
    for block in blocks:
        total += block_gradient(w, block[:, 1:], block[:, 0])
    return [total]


def rows_gradient(w, rows):
    """One row [y, x1..xD] per point, stacked: the gradient in one numpy expression."""
    rows = list(rows)
    if not rows:
        return [np.zeros(D)]
    block = np.vstack(rows)
    return [block_gradient(w, block[:, 1:], block[:, 0])]


def generate_edges(edges, seed=9):
    """A ring of edges // 5 pages plus random extra edges: about ``edges`` in all."""
    n = max(2, edges // 5)
    rng = np.random.default_rng(seed)
    links = {(i, (i + 1) % n) for i in range(n)}
    extra = edges - n
    src, dst = rng.integers(0, n, extra), rng.integers(0, n, extra)
    links.update((int(a), int(b)) for a, b in zip(src.tolist(), dst.tolist()) if a != b)
    return sorted(links)


def contributions(neighbours_rank):
    neighbours, rank = neighbours_rank
    share = rank / len(neighbours)
    return ((page, share) for page in neighbours)


def spark_lr(sc, args, form, clock):
    """(setup time, time of each iteration, final weights); form: lr, lr-numpy, lr-rows."""
    x, y = generate_points(args.points)
    if form == "lr-numpy":
        data = np.array_split(np.column_stack([y, x]), args.partitions)
    elif form == "lr-rows":
        data = list(np.column_stack([y, x]))
    else:
        data = list(zip(y.tolist(), x))
    del x, y
    times = []
    t = clock()
    points = sc.parallelize(data, args.partitions).cache()
    setup = clock() - t
    w = np.zeros(D)
    for _ in range(args.iterations):
        t = clock()
        weights = sc.broadcast(w)
        if form == "lr-numpy":
            gradient = points.mapPartitions(lambda it: partition_gradient(weights.value, it))
        elif form == "lr-rows":
            gradient = points.mapPartitions(lambda it: rows_gradient(weights.value, it))
        else:
            gradient = points.map(lambda p: point_gradient(weights.value, p))
        w = w - gradient.reduce(add)
        weights.destroy()
        times.append(clock() - t)
    return setup, times, {"w": [float(v) for v in w]}


def spark_pagerank(sc, args, clock):
    edges = generate_edges(args.edges)
    p = args.partitions
    times = []
    t = clock()
    links = sc.parallelize(edges, p).groupByKey(p).mapValues(list).cache()
    ranks = links.mapValues(lambda _: 1.0)
    setup = clock() - t
    previous = None
    for _ in range(args.iterations):
        t = clock()
        contribs = links.join(ranks, p).values().flatMap(contributions)
        ranks = contribs.reduceByKey(add, p).mapValues(lambda r: 0.15 + 0.85 * r).cache()
        ranks.count()
        if previous is not None:
            previous.unpersist()
        previous = ranks
        times.append(clock() - t)
    final = ranks.collectAsMap()
    return setup, times, {"edges": len(edges), **rank_summary(final)}


def rank_summary(ranks):
    top = max(ranks, key=lambda page: ranks[page])
    return {"pages": len(ranks), "sum": float(sum(sorted(ranks.values()))),
            "top_page": int(top), "top_rank": float(ranks[top])}


# ---- the single-process Python programs ----------------------------------------------

def python_lr(args, vectorized, clock):
    x, y = generate_points(args.points)
    points = None if vectorized else list(zip(y.tolist(), x))
    w = np.zeros(D)
    times = []
    for _ in range(args.iterations):
        t = clock()
        if vectorized:
            gradient = block_gradient(w, x, y)
        else:
            gradient = np.zeros(D)
            for p in points:
                gradient += point_gradient(w, p)
        w = w - gradient
        times.append(clock() - t)
    return 0.0, times, {"w": [float(v) for v in w]}


def python_pagerank(args, clock):
    edges = generate_edges(args.edges)
    times = []
    t = clock()
    links = {}
    for a, b in edges:
        links.setdefault(a, []).append(b)
    ranks = dict.fromkeys(links, 1.0)
    setup = clock() - t
    for _ in range(args.iterations):
        t = clock()
        sums = {}
        get = sums.get
        for page, neighbours in links.items():
            share = ranks[page] / len(neighbours)
            for q in neighbours:
                sums[q] = get(q, 0.0) + share
        ranks = {q: 0.15 + 0.85 * s for q, s in sums.items()}
        times.append(clock() - t)
    return setup, times, {"edges": len(edges), **rank_summary(ranks)}


# ---- one measurement, in a fresh interpreter ------------------------------------------

def run_job(args):
    clock = time.perf_counter
    extra = {"load_before": os.getloadavg()[0]}
    if args.engine == "python":
        if args.workload == "pagerank":
            setup, times, result = python_pagerank(args, clock)
        else:
            setup, times, result = python_lr(args, args.workload != "lr", clock)
    else:
        if args.engine == "minispark":
            from minispark import SparkConf, SparkContext
        else:
            from pyspark import SparkConf, SparkContext
        conf = SparkConf()
        if args.backend:
            conf.set("minispark.executor.backend", args.backend)
        sc = SparkContext(args.master, f"bench-{args.workload}", conf=conf)
        try:
            t = clock()
            sc.parallelize(range(4), 2).count()  # executors / Python workers up
            extra["warmup_job"] = clock() - t
            profiler = None
            if args.profile:
                import cProfile
                profiler = cProfile.Profile(time.process_time)
                profiler.enable()
            if args.workload == "pagerank":
                setup, times, result = spark_pagerank(sc, args, clock)
            else:
                setup, times, result = spark_lr(sc, args, args.workload, clock)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
        finally:
            sc.stop()
    extra["load_after"] = os.getloadavg()[0]
    print(json.dumps({"engine": args.engine, "workload": args.workload, "setup": setup,
                      "iterations": times, "result": result, "extra": extra}), flush=True)
    return 0


# ---- waiting for a quiet machine ---------------------------------------------------------

def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def competing_processes() -> list[str]:
    """Other benchmark jobs or JVMs running on this machine (not started by us)."""
    mine = _descendants(os.getpid()) | {os.getpid()}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in mine:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if not argv or not argv[0]:
            continue
        exe = os.path.basename(argv[0].decode(errors="replace"))
        text = b" ".join(argv).decode(errors="replace")
        if exe == "java" or "bench_job.py" in text:
            found.append(f"{entry} {text[:80]}")
    return found


def wait_for_quiet(max_load: float | None, max_wait: float, log=print) -> dict:
    """Wait until no competing job runs and load1 < max_load (bounded); describe the state."""
    start = time.monotonic()
    waited_for = set()
    while max_load is not None and time.monotonic() - start < max_wait:
        others = competing_processes()
        load = os.getloadavg()[0]
        if not others and load < max_load:
            break
        reason = "other jobs" if others else "load"
        if reason not in waited_for:
            log(f"# waiting: {reason} (load1 {load:.2f}"
                + (f"; {others[0]}" if others else "") + ")")
            waited_for.add(reason)
        time.sleep(3)
    return {"load": os.getloadavg()[0], "waited": time.monotonic() - start,
            "quiet": max_load is None or (not competing_processes()
                                          and os.getloadavg()[0] < max_load)}


# ---- the driver ----------------------------------------------------------------------------

def default_pyspark_python() -> str:
    venv = "/tmp/pyspark-venv/bin/python"
    return venv if os.path.exists(venv) else sys.executable


def engine_env(engine: str, pyspark_python: str) -> tuple[str, dict]:
    env = dict(os.environ)
    if engine == "pyspark":
        env["PYSPARK_PYTHON"] = pyspark_python
        env["PYSPARK_DRIVER_PYTHON"] = pyspark_python
        return pyspark_python, env
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH")]))
    return sys.executable, env


def machine_summary(pyspark_python: str | None) -> str:
    version = None
    if pyspark_python:
        out = subprocess.run([pyspark_python, "-c", "import pyspark; print(pyspark.__version__)"],
                             capture_output=True, text=True)
        version = out.stdout.strip() if out.returncode == 0 else None
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = "unknown"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    u = platform.uname()
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                                "minispark"], cwd=REPO, capture_output=True, text=True).stdout
        rev += "+dirty" if dirty.strip() else ""
    except OSError:
        pass
    return (f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  {u.system} {u.release} {u.machine}, "
            f"{os.cpu_count()} CPUs, {mem:.1f} GiB, Python {platform.python_version()}, "
            f"numpy {np.__version__}, pyspark {version or 'not available'}, minispark at {rev}")


def measure(engine: str, workload: str, args) -> dict:
    python, env = engine_env(engine, args.pyspark_python)
    state = wait_for_quiet(args.max_load, args.max_wait)
    command = [python, os.path.abspath(__file__), "--job", engine, workload,
               "--points", str(args.points), "--edges", str(args.edges),
               "--iterations", str(args.iterations), "--partitions", str(args.partitions),
               "--master", args.master]
    t = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=args.timeout, cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return {"engine": engine, "workload": workload, "error": f"timeout {args.timeout}s",
                **state}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        return {"engine": engine, "workload": workload, **state,
                "error": f"exit code {proc.returncode}:\n{tail}"}
    record = json.loads(lines[-1])
    record.update(state, process_wall=time.perf_counter() - t)
    times = record["iterations"]
    record["first"] = record["setup"] + times[0]
    record["rest"] = statistics.mean(times[1:]) if len(times) > 1 else float("nan")
    record["total"] = record["setup"] + sum(times)
    return record


def _s(v: float) -> str:
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"


def render_table(results: dict, workloads: list[str], engines: list[str]) -> str:
    header = ["workload", "engine", "first (incl. cache)", "mean of rest", "total",
              "first/rest", "total vs pyspark", "rest vs pyspark", "load1", "targets"]
    rows = [header]
    for w in workloads:
        spark = results.get(("pyspark", w))
        for e in engines:
            r = results.get((e, w))
            if r is None:
                continue
            if "error" in r:
                rows.append([w, e, "FAIL", "", "", "", "", "", f"{r['load']:.2f}", ""])
                continue
            ratio = r["first"] / r["rest"] if r["rest"] else float("inf")
            ok = spark and "error" not in spark
            vs = r["total"] / spark["total"] if ok else None
            vs_rest = r["rest"] / spark["rest"] if ok else None
            targets = []
            if e == "minispark":
                targets.append(f"first/rest>={TARGET_CACHED_SPEEDUP:.0f}: "
                               + ("met" if ratio >= TARGET_CACHED_SPEEDUP else "MISSED"))
                if vs is not None:
                    targets.append(f"<={TARGET_VS_PYSPARK[w]}x pyspark: "
                                   + ("met" if vs <= TARGET_VS_PYSPARK[w] else "MISSED"))
            rows.append([w, e, _s(r["first"]), _s(r["rest"]), _s(r["total"]),
                         f"{ratio:.1f}x", "-" if vs is None else f"{vs:.2f}x",
                         "-" if vs_rest is None else f"{vs_rest:.2f}x",
                         f"{r['load']:.2f}", "; ".join(targets)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)) + " |" for r in rows]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def check_results(results: dict, workloads: list[str]) -> list[str]:
    """Every engine must reach the same weights / ranks (up to summation order)."""
    problems = []
    for w in workloads:
        good = {e: r["result"] for (e, ww), r in results.items() if ww == w and "error" not in r}
        if len(good) < 2:
            continue
        (e0, r0), *others = good.items()
        for e, r in others:
            if "w" in r0:
                diff = max(abs(a - b) for a, b in zip(r0["w"], r["w"]))
                scale = max(abs(a) for a in r0["w"]) or 1.0
                if diff > 1e-6 * scale:
                    problems.append(f"{w}: {e} weights differ from {e0}'s by {diff:.3g}")
            else:
                same = (r["pages"] == r0["pages"] and r["top_page"] == r0["top_page"]
                        and abs(r["sum"] - r0["sum"]) <= 1e-6 * abs(r0["sum"])
                        and abs(r["top_rank"] - r0["top_rank"]) <= 1e-9 * r0["top_rank"])
                if not same:
                    problems.append(f"{w}: {e} ranks {r} differ from {e0}'s {r0}")
    return problems


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--edges", type=int, default=100_000)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--partitions", type=int, default=4,
                   help="partitions of the cached points / links (default 4)")
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--master", default="local[2]")
    p.add_argument("--quick", action="store_true",
                   help="50k points, 20k edges, 5 iterations, no waiting: a smoke test")
    p.add_argument("--pyspark-python", default=default_pyspark_python())
    p.add_argument("--max-load", type=float, default=0.5,
                   help="wait before each measurement until load1 is below this and no "
                        "bench_job.py / java process runs (default 0.5)")
    p.add_argument("--max-wait", type=float, default=900.0, help="bound on each wait, s")
    p.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    p.add_argument("--timeout", type=float, default=3600.0)
    p.add_argument("--json", help="also write the raw measurements here")
    p.add_argument("--from-json", metavar="FILE",
                   help="print the table of a run saved with --json (measures nothing)")
    # one measurement (internal): --job ENGINE WORKLOAD
    p.add_argument("--job", nargs=2, metavar=("ENGINE", "WORKLOAD"), help=argparse.SUPPRESS)
    p.add_argument("--backend", help=argparse.SUPPRESS)
    p.add_argument("--profile", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.points, args.edges, args.iterations = 50_000, 20_000, 5
        args.no_wait = True
    if args.no_wait:
        args.max_load = None
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for e in args.engines:
        if e not in ENGINES:
            p.error(f"unknown engine {e!r}")
    for w in args.workloads:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w!r}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.job:
        args.engine, args.workload = args.job
        return run_job(args)
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        results = {(r["engine"], r["workload"]): r for r in saved["results"]}
        print(saved.get("machine", ""))
        print(render_table(results, saved["args"]["workloads"], saved["args"]["engines"]))
        for problem in check_results(results, saved["args"]["workloads"]):
            print(f"WARNING: {problem}")
        return 0
    engines = list(args.engines)
    if "pyspark" in engines:
        out = subprocess.run([args.pyspark_python, "-c", "import pyspark"], capture_output=True)
        if out.returncode != 0:
            print(f"# pyspark is not importable in {args.pyspark_python}; skipping it")
            engines.remove("pyspark")
    machine = machine_summary(args.pyspark_python if "pyspark" in engines else None)
    print(machine, flush=True)
    print(f"# {args.points:,} points x {D} features, {args.edges:,} edges requested, "
          f"{args.iterations} iterations, {args.partitions} partitions, master {args.master}",
          flush=True)
    results = {}
    for workload in args.workloads:
        for engine in engines:
            r = measure(engine, workload, args)
            results[(engine, workload)] = r
            if "error" in r:
                print(f"# {workload:<9} {engine:<9} load1 {r['load']:.2f}  {r['error']}",
                      flush=True)
                continue
            its = ", ".join(f"{t:.3f}" for t in r["iterations"])
            print(f"# {workload:<9} {engine:<9} load1 {r['load']:.2f} "
                  f"(end {r['extra']['load_after']:.2f})  setup {r['setup']:.3f} s, "
                  f"iterations [{its}] s, result {r['result']}", flush=True)
    print()
    print(f"first = parallelize/partitioning + iteration 1 (fills the cache); rest = mean of "
          f"iterations 2..{args.iterations}; total = first + the rest's sum; load1 = 1-minute "
          f"load average when the measurement started.")
    print(render_table(results, args.workloads, engines))
    problems = check_results(results, args.workloads)
    for problem in problems:
        print(f"WARNING: {problem}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "engines": engines,
                       "args": {k: v for k, v in vars(args).items() if k != "job"},
                       "results": list(results.values())}, f, indent=1)
    return 1 if problems or any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
