#!/usr/bin/env python
"""TPC-H Q1, Q3, Q5, Q6, Q10 and Q18 through SQL: minispark beside DuckDB, Polars and PySpark.

    python benchmarks/tpch_sf1.py                        # scale factor 1, every engine
    python benchmarks/tpch_sf1.py --sf 0.1 --engines minispark,duckdb --repeat 3
    python benchmarks/tpch_sf1.py --quick                # scale factor 0.01, a smoke run

Data: ``tpchgen-cli parquet -s SF`` (installed beside this interpreter or on the
PATH) writes one Parquet file per table into ``--data-dir`` (default
``/tmp/tpch-sf<SF>``), which is kept and reused by later runs.

Queries: the texts of ``tests/sql/tpch/q<N>.sql``, the ones the test suite
checks against DuckDB, run unchanged by every engine:

* minispark and PySpark: ``spark.sql(text).collect()`` over temporary views of
  ``spark.read.parquet`` (``--master``, default local[2]; ``--shuffle-partitions``
  sets ``spark.sql.shuffle.partitions`` for both, default: each engine's own);
* DuckDB: ``execute(text).fetchall()`` over ``read_parquet`` views, 2 threads;
* Polars: ``SQLContext.execute(text, eager=True)`` over ``scan_parquet`` frames,
  ``POLARS_MAX_THREADS=2``.

Each (engine, query) is measured in a fresh process (engines interleaved within
a query) that opens the session and registers the views, runs the query
``--warmup`` times untimed (default 1), then times one run of it; the table
shows the median over ``--repeat`` processes (default 1). Engines agree when
they return the same row count and the same sum of every numeric cell
rounded to 8 significant digits (DuckDB's answer is the reference).
An engine that is not importable is skipped with a note.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from common import (REPO, engine_env, machine_summary, markdown_table, name_list,
                    run_json_job, usable_engines)

QUERY_DIR = os.path.join(REPO, "tests", "sql", "tpch")
QUERIES = [1, 3, 5, 6, 10, 18]
ENGINES = ["minispark", "duckdb", "polars", "pyspark"]
TABLES = ("lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region")
THREADS = 2  # DuckDB's and Polars' threads: the two task slots of local[2]


# ---- the measured process -------------------------------------------------------------------

def query_text(number: int) -> str:
    """The SQL text of TPC-H query ``number`` as the test suite runs it."""
    with open(os.path.join(QUERY_DIR, f"q{number}.sql"), encoding="utf-8") as f:
        return f.read()


def spark_runner(engine: str, data: str, master: str, partitions: int | None):
    """A function running SQL text on minispark or PySpark (views registered), and a stop."""
    if engine == "pyspark":
        from pyspark.sql import SparkSession
    else:
        from minispark.sql import SparkSession
    builder = (SparkSession.builder.master(master).appName("tpch")
               .config("spark.ui.enabled", "false"))
    if partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions))
    spark = builder.getOrCreate()
    for table in TABLES:
        spark.read.parquet(os.path.join(data, f"{table}.parquet")).createOrReplaceTempView(table)
    return (lambda text: spark.sql(text).collect()), spark.stop


def duckdb_runner(data: str):
    """A function running SQL text on DuckDB over the Parquet files, and a stop."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO {THREADS}")
    for table in TABLES:
        path = os.path.join(data, f"{table}.parquet")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return (lambda text: con.execute(text).fetchall()), con.close


def polars_runner(data: str):
    """A function running SQL text in a Polars SQLContext over lazy Parquet scans, and a stop."""
    import polars as pl

    frames = {t: pl.scan_parquet(os.path.join(data, f"{t}.parquet")) for t in TABLES}
    ctx = pl.SQLContext(frames=frames)
    return (lambda text: ctx.execute(text, eager=True).rows()), (lambda: None)


def checksum(rows: list) -> list:
    """Row count and the sum of every numeric cell, to 8 significant digits."""
    total = sum(float(v) for row in rows for v in row
                if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool))
    return [len(rows), float(f"{total:.8g}")]


def job(args: argparse.Namespace) -> int:
    """Runs in the measured process: one query on one engine; prints one JSON line."""
    if args.job in ("minispark", "pyspark"):
        run, stop = spark_runner(args.job, args.data_dir, args.master, args.shuffle_partitions)
    elif args.job == "duckdb":
        run, stop = duckdb_runner(args.data_dir)
    else:
        run, stop = polars_runner(args.data_dir)
    text = query_text(args.query)
    for _ in range(args.warmup):
        run(text)
    start = time.perf_counter()
    rows = run(text)
    elapsed = time.perf_counter() - start
    stop()
    print(json.dumps({"seconds": elapsed, "check": checksum(rows)}), flush=True)
    return 0


# ---- data -----------------------------------------------------------------------------------

def tpchgen() -> str:
    """The ``tpchgen-cli`` executable beside this interpreter, else the one on the PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "tpchgen-cli")
    found = beside if os.path.exists(beside) else shutil.which("tpchgen-cli")
    if found is None:
        sys.exit("tpchgen-cli is missing: pip install tpchgen-cli")
    return found


def ensure_data(folder: str, sf: str) -> None:
    """TPC-H tables at scale ``sf`` as Parquet in ``folder``, unless a finished run is there."""
    marker = os.path.join(folder, f".complete-sf{sf}")
    if os.path.exists(marker):
        print(f"# reusing TPC-H sf {sf} in {folder}", flush=True)
        return
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    print(f"# generating TPC-H sf {sf} into {folder}", flush=True)
    start = time.perf_counter()
    subprocess.run([tpchgen(), "parquet", "-s", sf, "-o", folder], check=True)
    open(marker, "w").close()
    print(f"# generated in {time.perf_counter() - start:.1f} s", flush=True)


# ---- driver ---------------------------------------------------------------------------------

def module_version(module: str) -> str | None:
    """``module.__version__`` when it imports in this interpreter, else None."""
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def available(engines: list[str], pyspark_python: str) -> tuple[list[str], dict]:
    """The engines that can run (a note for each skipped one) and their versions."""
    engines, versions = list(engines), {}
    for module in ("duckdb", "polars"):
        if module in engines:
            versions[module] = module_version(module)
            if versions[module] is None:
                print(f"# {module} is not importable in {sys.executable}; skipping it")
                engines.remove(module)
    engines, versions["pyspark"] = usable_engines(engines, pyspark_python)
    return engines, versions


def measure_one(engine: str, number: int, args: argparse.Namespace) -> dict:
    """One fresh process timing query ``number`` on ``engine``: seconds and check, or error;
    with the 1-minute load average when it started (a busy machine shows there)."""
    python, env = engine_env(engine, args.pyspark_python)
    env["POLARS_MAX_THREADS"] = str(THREADS)
    command = [python, os.path.abspath(__file__), "--job", engine, "--query", str(number),
               "--data-dir", args.data_dir, "--master", args.master,
               "--warmup", str(args.warmup)]
    if args.shuffle_partitions is not None:
        command += ["--shuffle-partitions", str(args.shuffle_partitions)]
    load = os.getloadavg()[0]
    return {**run_json_job(command, env, args.timeout), "load": load}


def measure(args: argparse.Namespace, engines: list[str]) -> dict:
    """{(engine, query): [records]} over ``--repeat`` rounds, engines interleaved."""
    results: dict = {}
    for number in args.queries:
        for rep in range(args.repeat):
            for engine in engines:
                record = measure_one(engine, number, args)
                results.setdefault((engine, number), []).append(record)
                shown = (f"FAILED: {record['error']}" if "error" in record else
                         f"{record['seconds']:.2f} s, rows/checksum {record['check']}")
                print(f"# Q{number} rep {rep + 1} {engine} (load1 {record['load']:.2f}): "
                      f"{shown}", flush=True)
    return results


def median_seconds(records: list[dict] | None) -> float | None:
    """The median time of the successful records (None when none succeeded)."""
    times = [r["seconds"] for r in records or [] if "error" not in r]
    return statistics.median(times) if times else None


def agreement(results: dict, engines: list[str], number: int) -> str:
    """'ok' when every engine's answer matches DuckDB's (or each other's), else who differs."""
    checks = {e: r["check"] for e in engines for r in results.get((e, number), [])
              if "error" not in r}
    reference = checks.get("duckdb") or next(iter(checks.values()), None)
    wrong = [e for e, c in checks.items() if c != reference]
    return "DIFFERS: " + ", ".join(wrong) if wrong else ("ok" if checks else "-")


def ratio(a: float | None, b: float | None, digits: int) -> str:
    """``a / b`` as ``1.5x`` (``digits`` decimals), or '-' when either is missing."""
    return f"{a / b:.{digits}f}x" if a and b else "-"


def seconds(value: float | None) -> str:
    """A time in seconds, 3 decimals below 1 s; FAIL when there is none."""
    return "FAIL" if value is None else f"{value:.3f}" if value < 1 else f"{value:.2f}"


def render(results: dict, engines: list[str], queries: list[int]) -> str:
    """Per query: each engine's median seconds, minispark's ratios, whether answers agree."""
    header = ["query"] + [f"{e} s" for e in engines]
    header += [f"minispark/{e}" for e in ("duckdb", "pyspark") if e in engines] + ["answers"]
    rows = [header]
    for number in queries:
        med = {e: median_seconds(results.get((e, number))) for e in engines}
        row = [f"Q{number}"] + [seconds(med[e]) for e in engines]
        row += [ratio(med.get("minispark"), med[e], digits) for e, digits
                in (("duckdb", 1), ("pyspark", 2)) if e in engines]
        rows.append(row + [agreement(results, engines, number)])
    return markdown_table(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sf", default="1", help="TPC-H scale factor (default 1)")
    p.add_argument("--quick", action="store_true", help="scale factor 0.01")
    p.add_argument("--data-dir", help="Parquet tables, generated once (default /tmp/tpch-sf<SF>)")
    p.add_argument("--queries", default=",".join(map(str, QUERIES)))
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--master", default="local[2]")
    p.add_argument("--shuffle-partitions", type=int,
                   help="spark.sql.shuffle.partitions for minispark and PySpark")
    p.add_argument("--repeat", type=int, default=1, help="processes per (engine, query)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs before the timed one")
    p.add_argument("--pyspark-python", default="/work/pyspark-venv/bin/python")
    p.add_argument("--timeout", type=float, default=1800.0, help="per process, seconds")
    p.add_argument("--json", help="also write the raw measurements to this file")
    p.add_argument("--job", help=argparse.SUPPRESS)
    p.add_argument("--query", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.sf = "0.01"
    args.data_dir = os.path.abspath(args.data_dir or f"/tmp/tpch-sf{args.sf}")
    args.engines = name_list(p, args.engines, ENGINES, "engine")
    allowed = [str(q) for q in QUERIES]
    args.queries = [int(q) for q in name_list(p, args.queries, allowed, "query")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.job:
        return job(args)
    engines, versions = available(args.engines, args.pyspark_python)
    ensure_data(args.data_dir, args.sf)
    spark_version = versions["pyspark"] or ("not used" if "pyspark" not in args.engines else None)
    print(machine_summary(spark_version) + f", duckdb {versions.get('duckdb') or '-'}, "
          f"polars {versions.get('polars') or '-'}")
    print(f"# TPC-H sf {args.sf}, {args.master}, shuffle partitions "
          f"{args.shuffle_partitions or 'engine default'}, {args.warmup} warm-up run(s), "
          f"median of {args.repeat} process(es)", flush=True)
    results = measure(args, engines)
    print()
    print(render(results, engines, args.queries))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sf": args.sf, "versions": versions,
                       "results": [{"engine": e, "query": q, "runs": r}
                                   for (e, q), r in results.items()]}, f, indent=1)
    failed = any("error" in r for runs in results.values() for r in runs)
    differs = any(agreement(results, engines, q) != "ok" for q in args.queries)
    return 1 if failed or differs else 0


if __name__ == "__main__":
    sys.exit(main())
