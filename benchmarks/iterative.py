#!/usr/bin/env python
"""Iterative workloads over cached data: minispark vs PySpark vs single-process Python.

    python benchmarks/iterative.py                      # full size: 1M points, 100k edges
    python benchmarks/iterative.py --quick              # smoke test (~10 s without PySpark)
    python benchmarks/iterative.py --engines minispark,python --workloads pagerank
    python benchmarks/iterative.py --source parallelize # data made in each driver instead

Workloads (``--workloads``, default all four), ``--iterations`` (10) each:

* ``lr``: logistic regression by batch gradient descent over ``--points``
  (1,000,000) points of 10 features, cached; per record, as Spark's example:
  ``lines.map(parse_point).cache()``, then per iteration
  ``points.map(lambda p: point_gradient(w.value, p)).reduce(add)``.
* ``lr-numpy``: the same descent, one numpy expression per partition
  (``mapPartitions``) over one matrix of rows ``[y, x1..x10]`` per partition,
  cached: ``lines.mapPartitions(read_point_batch)`` (``np.loadtxt`` of the
  partition's lines), as ``examples/src/main/python/logistic_regression.py``.
* ``lr-rows`` (extra): the same, but every point is cached as its own row
  array (``lines.map(parse_row)``) and each iteration stacks a partition's
  rows (``np.vstack``) before the numpy expression: the cost of caching a
  million small objects instead of a few matrices.
* ``pagerank``: PageRank over a ring of ``--edges / 5`` pages plus random
  extra edges (``--edges`` in all, minus duplicates), as ``pagerank.py``:
  ``lines.map(parse_neighbors).distinct(P).groupByKey(P).mapValues(list)``,
  hash-partitioned and cached; each iteration's ranks are cached and counted
  (the previous ranks unpersisted), so every iteration is one job.

Input (``--source``): ``text`` (the default) reads ``lines =
sc.textFile(path, --partitions)``, as Spark's examples do. The harness
writes the data once, not timed, into a temporary folder (removed at the
end): ``points.txt`` with one point a line ``y x1 .. x10`` (floats written
with ``repr``, so they parse back exactly) and ``edges.txt`` with one edge a
line ``src dst``. The engine's ``textFile`` decides the partitions of the
points (at least ``--partitions``; Hadoop's rule cuts local files at 32 MiB
blocks), and each measurement prints how many there were. ``parallelize``
is the earlier form: each engine generates the same data from the same seed
in its driver (not timed) and parallelizes it into ``--partitions`` slices
(``np.array_split`` blocks for lr-numpy, the sorted distinct edges grouped
by ``groupByKey`` for PageRank).

The program text below is the same for minispark and PySpark (only the
import differs) and needs nothing but numpy (the harness's helpers are in
``common.py``); every engine runs in its own subprocess. The context and a
tiny warm-up job are not timed. Plain Python reads the same files with the
same functions: ``parse_point`` per line, ``read_point_batch`` over all
lines (lr-numpy, lr-rows), a set of ``parse_neighbors`` (PageRank).

Timing: ``first`` = loading + caching + iteration 1, i.e. everything from
the input to the first new weights / ranks. With ``text`` loading is reading
and parsing the file for every engine, plain Python included; with
``parallelize`` it is ``parallelize`` (+ ``groupByKey`` for PageRank), and
for plain Python nothing (+ grouping the links by page for PageRank).
Engines differ in what they do eagerly, so loading is counted in the first
iteration. ``rest`` = the mean of iterations 2..K. Plain Python runs the
per-record loop over a list of points, numpy over the whole matrix (for
lr-numpy and lr-rows), and PageRank with dicts.

Before each measurement the script waits (at most ``--max-wait`` s) until no
other benchmark (``bench_job.py``) or JVM is running and the 1-minute load
average is below ``--max-load``; the load is recorded with every figure.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from operator import add

import numpy as np

from common import (add_engine_options, add_quiet_options, engine_env, machine_summary,
                    markdown_table, name_list, run_json_job, usable_engines, wait_for_quiet)

WORKLOADS = ["lr", "lr-numpy", "pagerank", "lr-rows"]
ENGINES = ["python", "minispark", "pyspark"]
SOURCES = ["text", "parallelize"]
POINTS_FILE, EDGES_FILE = "points.txt", "edges.txt"
D = 10

#: Targets from the issue.
TARGET_CACHED_SPEEDUP = 5.0          # a cached iteration >= 5x faster than the first
TARGET_VS_PYSPARK = {"lr": 0.5, "lr-numpy": 0.2, "lr-rows": 0.2, "pagerank": 0.2}


# ---- the data ------------------------------------------------------------------------------

def generate_points(n, seed=42):
    """Points with D features and labels in {-1, 1} from a noisy linear rule."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, D))
    y = np.where(x @ rng.normal(size=D) + rng.normal(scale=0.5, size=n) > 0, 1.0, -1.0)
    return x, y


def generate_edges(edges, seed=9):
    """A ring of edges // 5 pages plus random extra edges: about ``edges`` in all."""
    n = max(2, edges // 5)
    rng = np.random.default_rng(seed)
    links = {(i, (i + 1) % n) for i in range(n)}
    extra = edges - n
    src, dst = rng.integers(0, n, extra), rng.integers(0, n, extra)
    links.update((int(a), int(b)) for a, b in zip(src.tolist(), dst.tolist()) if a != b)
    return sorted(links)


def write_points(path, n, chunk=100_000):
    """``generate_points(n)`` as lines ``y x1 .. xD``.

    ``repr`` of a Python float is the shortest text that parses back to the
    same double, so every engine reads exactly the generated values.
    """
    x, y = generate_points(n)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        for start in range(0, n, chunk):
            rows = np.column_stack([y[start:start + chunk], x[start:start + chunk]]).tolist()
            f.write("".join(" ".join(map(repr, row)) + "\n" for row in rows))


def write_edges(path, edges):
    """``generate_edges(edges)`` as lines ``src dst``."""
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("".join(f"{a} {b}\n" for a, b in generate_edges(edges)))


def write_data(folder, args):
    """The text inputs of the chosen workloads (not timed); describes what it wrote."""
    t = time.perf_counter()
    written = []
    if any(w != "pagerank" for w in args.workloads):
        write_points(os.path.join(folder, POINTS_FILE), args.points)
        written.append(POINTS_FILE)
    if "pagerank" in args.workloads:
        write_edges(os.path.join(folder, EDGES_FILE), args.edges)
        written.append(EDGES_FILE)
    sizes = ", ".join(f"{name} {os.path.getsize(os.path.join(folder, name)) / 1e6:.1f} MB"
                      for name in written)
    return f"wrote {sizes} in {time.perf_counter() - t:.1f} s to {folder}"


# ---- the program (same text for minispark and pyspark) --------------------------------

#: exp(z) is capped at exp(700): the weights grow without a step size (as in
#: Spark's example), and 1 / (1 + exp(700)) is already 0 to double precision.
MAX_EXPONENT = 700.0


def parse_point(line):
    """``y x1 .. xD`` -> ``(y, array([x1 .. xD]))``, the point of Spark's per-record example."""
    values = [float(v) for v in line.split()]
    return values[0], np.array(values[1:])


def parse_row(line):
    """``y x1 .. xD`` -> ``array([y, x1 .. xD])``, one cached row per point (lr-rows)."""
    return np.array([float(v) for v in line.split()])


def read_point_batch(lines):
    """A partition's lines as one matrix of rows [y, x1..xD] (none for an empty partition).

    ``np.loadtxt`` parses in C, about twice as fast as ``float()`` per value,
    and rounds the same way (both give back exactly the written doubles).
    """
    lines = list(lines)
    return [np.loadtxt(lines, ndmin=2)] if lines else []


def parse_neighbors(line):
    """``src dst`` -> ``(src, dst)``."""
    src, dst = line.split()
    return int(src), int(dst)


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


def contributions(neighbours_rank):
    neighbours, rank = neighbours_rank
    share = rank / len(neighbours)
    return ((page, share) for page in neighbours)


def driver_points(n, form, partitions):
    """The points of ``form`` made in the driver, for ``parallelize``."""
    x, y = generate_points(n)
    if form == "lr-numpy":
        return np.array_split(np.column_stack([y, x]), partitions)
    if form == "lr-rows":
        return list(np.column_stack([y, x]))
    return list(zip(y.tolist(), x))


def points_loader(sc, args, form):
    """A function that defines the cached points of ``form`` (lazily; the caller times it).

    For ``parallelize`` the points are generated here, before the clock starts.
    """
    p = args.partitions
    if args.source == "text":
        path = os.path.join(args.data, POINTS_FILE)
        if form == "lr-numpy":
            return lambda: sc.textFile(path, p).mapPartitions(read_point_batch).cache()
        parse = parse_row if form == "lr-rows" else parse_point
        return lambda: sc.textFile(path, p).map(parse).cache()
    data = driver_points(args.points, form, p)
    return lambda: sc.parallelize(data, p).cache()


def links_loader(sc, args):
    """A function that defines the cached, hash-partitioned links (lazily; the caller times it)."""
    p = args.partitions
    if args.source == "text":
        path = os.path.join(args.data, EDGES_FILE)
        return lambda: (sc.textFile(path, p).map(parse_neighbors).distinct(p)
                        .groupByKey(p).mapValues(list).cache())
    edges = generate_edges(args.edges)
    return lambda: sc.parallelize(edges, p).groupByKey(p).mapValues(list).cache()


def descend(iterations, gradient, clock):
    """Batch gradient descent from zero weights: (time of each step, final weights)."""
    w = np.zeros(D)
    times = []
    for _ in range(iterations):
        t = clock()
        w = w - gradient(w)
        times.append(clock() - t)
    return times, [float(v) for v in w]


def spark_lr(sc, args, form, clock):
    """(setup time, time of each iteration, final weights, facts); form: lr, lr-numpy, lr-rows."""
    load = points_loader(sc, args, form)
    t = clock()
    points = load()
    setup = clock() - t

    def gradient(w):
        weights = sc.broadcast(w)
        if form == "lr-numpy":
            terms = points.mapPartitions(lambda it: partition_gradient(weights.value, it))
        elif form == "lr-rows":
            terms = points.mapPartitions(lambda it: rows_gradient(weights.value, it))
        else:
            terms = points.map(lambda p: point_gradient(weights.value, p))
        total = terms.reduce(add)
        weights.destroy()
        return total

    times, w = descend(args.iterations, gradient, clock)
    return setup, times, {"w": w}, {"partitions": points.getNumPartitions()}


def spark_pagerank(sc, args, clock):
    """(setup time, time of each iteration, rank summary, facts)."""
    load = links_loader(sc, args)
    p = args.partitions
    times = []
    t = clock()
    links = load()
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
    # counted from the cached links, so a text input shows it was read whole
    edges = links.values().map(len).sum()
    return (setup, times, {"edges": edges, **rank_summary(final)},
            {"partitions": links.getNumPartitions()})


def rank_summary(ranks):
    top = max(ranks, key=lambda page: ranks[page])
    return {"pages": len(ranks), "sum": float(sum(sorted(ranks.values()))),
            "top_page": int(top), "top_rank": float(ranks[top])}


# ---- the single-process Python programs ----------------------------------------------

def read_points(path, vectorized):
    """The text file's points: ``(x, y)`` matrices if vectorized, else ``parse_point``'s tuples."""
    with open(path) as f:
        if vectorized:
            (matrix,) = read_point_batch(f)
            return matrix[:, 1:], matrix[:, 0]
        return [parse_point(line) for line in f]


def read_edges(path):
    """The distinct edges of the text file, as ``distinct()`` gives them to the Spark program."""
    with open(path) as f:
        return {parse_neighbors(line) for line in f}


def python_points_loader(args, vectorized):
    """A function returning the points (the caller times it): ``(x, y)`` if vectorized, else
    a list of ``(y, x)``. For ``parallelize`` they are generated here, before the clock starts."""
    if args.source == "text":
        path = os.path.join(args.data, POINTS_FILE)
        return lambda: read_points(path, vectorized)
    x, y = generate_points(args.points)
    points = (x, y) if vectorized else list(zip(y.tolist(), x))
    return lambda: points


def python_edges_loader(args):
    """A function returning the edges (the caller times it); for ``parallelize`` they are
    generated here, before the clock starts."""
    if args.source == "text":
        path = os.path.join(args.data, EDGES_FILE)
        return lambda: read_edges(path)
    edges = generate_edges(args.edges)
    return lambda: edges


def python_lr(args, vectorized, clock):
    """Per record over a list of (y, x) points, or numpy over the whole matrix."""
    load = python_points_loader(args, vectorized)
    t = clock()
    points = load()
    setup = clock() - t

    def gradient(w):
        if vectorized:
            return block_gradient(w, *points)
        total = np.zeros(D)
        for p in points:
            total += point_gradient(w, p)
        return total

    times, w = descend(args.iterations, gradient, clock)
    return setup, times, {"w": w}, {}


def python_pagerank(args, clock):
    """PageRank with dicts: links grouped by page, ranks summed per page."""
    load = python_edges_loader(args)
    times = []
    t = clock()
    edges = load()
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
    return setup, times, {"edges": len(edges), **rank_summary(ranks)}, {}


# ---- one measurement, in a fresh interpreter ------------------------------------------

def run_job(args):
    clock = time.perf_counter
    extra = {"load_before": os.getloadavg()[0]}
    if args.engine == "python":
        if args.workload == "pagerank":
            setup, times, result, facts = python_pagerank(args, clock)
        else:
            setup, times, result, facts = python_lr(args, args.workload != "lr", clock)
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
                setup, times, result, facts = spark_pagerank(sc, args, clock)
            else:
                setup, times, result, facts = spark_lr(sc, args, args.workload, clock)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
        finally:
            sc.stop()
    extra.update(facts, load_after=os.getloadavg()[0])
    print(json.dumps({"engine": args.engine, "workload": args.workload, "setup": setup,
                      "iterations": times, "result": result, "extra": extra}), flush=True)
    return 0


# ---- the driver ----------------------------------------------------------------------------

def measure(engine: str, workload: str, args) -> dict:
    python, env = engine_env(engine, args.pyspark_python)
    state = wait_for_quiet(args.max_load, args.max_wait)
    command = [python, os.path.abspath(__file__), "--job", engine, workload,
               "--points", str(args.points), "--edges", str(args.edges),
               "--iterations", str(args.iterations), "--partitions", str(args.partitions),
               "--master", args.master, "--source", args.source]
    if args.data:
        command += ["--data", args.data]
    t = time.perf_counter()
    record = {"engine": engine, "workload": workload,
              **run_json_job(command, env, args.timeout), **state}
    if "error" in record:
        return record
    record["process_wall"] = time.perf_counter() - t
    times = record["iterations"]
    record["first"] = record["setup"] + times[0]
    record["rest"] = statistics.mean(times[1:]) if len(times) > 1 else float("nan")
    record["total"] = record["setup"] + sum(times)
    return record


def measure_all(args, engines: list[str]) -> dict:
    """Every (engine, workload) in turn; each one's line as it ends."""
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
            parts = r["extra"].get("partitions")
            print(f"# {workload:<9} {engine:<9} load1 {r['load']:.2f} "
                  f"(end {r['extra']['load_after']:.2f})  setup {r['setup']:.3f} s, "
                  f"iterations [{its}] s"
                  + (f", {parts} cached partitions" if parts else "")
                  + f", result {r['result']}", flush=True)
    return results


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
    return markdown_table(rows)


def legend(args) -> str:
    """What the table's columns mean for this run's --source."""
    if args.source == "text":
        first = ("reading + parsing the text file + caching + iteration 1, for every engine "
                 "(plain Python too)")
    else:
        first = ("parallelize/partitioning + iteration 1 (fills the cache); plain Python: "
                 "iteration 1 (+ grouping the links for pagerank)")
    return (f"first = {first}; rest = mean of iterations 2..{args.iterations}; total = first "
            f"+ the rest's sum; load1 = 1-minute load average when the measurement started.")


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
                        and r["edges"] == r0["edges"]
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
                   help="partitions of the cached points / links; for text points the "
                        "engine's textFile makes at least this many (default 4)")
    p.add_argument("--source", choices=SOURCES, default="text",
                   help="text: read files written by this script (default), as Spark's "
                        "examples; parallelize: generate in each engine's driver")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--quick", action="store_true",
                   help="50k points, 20k edges, 5 iterations, no waiting: a smoke test")
    add_engine_options(p, ENGINES)
    add_quiet_options(p)
    p.add_argument("--from-json", metavar="FILE",
                   help="print the table of a run saved with --json (measures nothing)")
    # one measurement (internal): --job ENGINE WORKLOAD [--data DIR]
    p.add_argument("--job", nargs=2, metavar=("ENGINE", "WORKLOAD"), help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--backend", help=argparse.SUPPRESS)
    p.add_argument("--profile", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.points, args.edges, args.iterations = 50_000, 20_000, 5
        args.no_wait = True
    if args.no_wait:
        args.max_load = None
    args.engines = name_list(p, args.engines, ENGINES, "engine")
    args.workloads = name_list(p, args.workloads, WORKLOADS, "workload")
    return args


def print_saved(path: str) -> int:
    """The table of a run saved with --json."""
    with open(path) as f:
        saved = json.load(f)
    results = {(r["engine"], r["workload"]): r for r in saved["results"]}
    print(saved.get("machine", ""))
    print(render_table(results, saved["args"]["workloads"], saved["args"]["engines"]))
    for problem in check_results(results, saved["args"]["workloads"]):
        print(f"WARNING: {problem}")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.job:
        args.engine, args.workload = args.job
        return run_job(args)
    if args.from_json:
        return print_saved(args.from_json)
    engines, spark_version = usable_engines(args.engines, args.pyspark_python)
    machine = machine_summary(spark_version)
    print(machine, flush=True)
    print(f"# {args.points:,} points x {D} features, {args.edges:,} edges requested, "
          f"{args.iterations} iterations, {args.partitions} partitions, source {args.source}, "
          f"master {args.master}", flush=True)
    # --data is the jobs' option: the harness only ever removes a folder it made itself
    args.data = tempfile.mkdtemp(prefix="minispark-iterative-") if args.source == "text" else None
    try:
        if args.data:
            print(f"# {write_data(args.data, args)}", flush=True)
        results = measure_all(args, engines)
    finally:
        if args.data:
            shutil.rmtree(args.data, ignore_errors=True)
    print()
    print(legend(args))
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
