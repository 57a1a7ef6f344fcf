#!/usr/bin/env python
"""DataFrame and SQL: a sales table in Parquet, minispark beside DuckDB and PySpark.

    python benchmarks/sql_sales.py                          # 5M rows, 3 repetitions
    python benchmarks/sql_sales.py --rows 1000000 --repeat 5 --engines minispark,duckdb
    python benchmarks/sql_sales.py --quick                  # 200k rows, one repetition

Data (generated once per run, seeded, into a temporary folder removed at the end
unless ``--data-dir`` is given): ``sales/`` is ``--files`` (4) Parquet files of
``--rows`` rows in all: ``region`` (20 strings), ``product`` (1000 strings, so
20k region x product groups), ``date`` (DATE over 2023-2024), ``qty`` (INT
1-50), ``price`` (DOUBLE); ``products.parquet`` has 1000 rows
(``product``, ``category`` of 25).

Queries, each through SQL text and through the DataFrame API (DuckDB: SQL only):

* ``agg``: ``SELECT region, product, SUM(qty * price), SUM(qty), COUNT(*)
  FROM sales GROUP BY region, product`` (20k rows);
* ``join``: sales of 2024-03-01..2024-08-31 with ``qty >= 10`` joined to the
  products of categories ``c00``..``c09``, ``GROUP BY category, region
  ORDER BY revenue`` (200 rows).

Every repetition starts one fresh process per engine (engines interleaved:
minispark, duckdb, pyspark, then again), which opens a session (local[2] for
minispark and PySpark, 2 threads for DuckDB), runs every query once untimed
(warm-up: file metadata, JIT, code paths) and then times each query's action
(``collect()`` / ``fetchall()``). The table shows the median over repetitions.
Results are checked across engines (row count and the total revenue).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

QUERIES = ["agg_sql", "agg_df", "join_sql", "join_df"]
ENGINES = ["minispark", "duckdb", "pyspark"]

AGG_SQL = """
SELECT region, product, SUM(qty * price) AS revenue, SUM(qty) AS units, COUNT(*) AS n
FROM sales GROUP BY region, product"""

JOIN_SQL = """
SELECT p.category, s.region, SUM(s.qty * s.price) AS revenue
FROM sales s JOIN products p ON s.product = p.product
WHERE s.date BETWEEN DATE '2024-03-01' AND DATE '2024-08-31' AND s.qty >= 10
  AND p.category < 'c10'
GROUP BY p.category, s.region ORDER BY revenue"""


# ---- the measured program (same text for minispark and PySpark) ------------------------

def spark_queries(spark, F, data):
    """The four queries as functions returning rows; views registered for SQL."""
    sales = spark.read.parquet(os.path.join(data, "sales"))
    products = spark.read.parquet(os.path.join(data, "products.parquet"))
    sales.createOrReplaceTempView("sales")
    products.createOrReplaceTempView("products")

    def agg_df():
        return (sales.groupBy("region", "product")
                .agg(F.sum(F.col("qty") * F.col("price")).alias("revenue"),
                     F.sum("qty").alias("units"), F.count("*").alias("n")).collect())

    def join_df():
        s = sales.where((F.col("date") >= F.lit("2024-03-01").cast("date"))
                        & (F.col("date") <= F.lit("2024-08-31").cast("date"))
                        & (F.col("qty") >= 10))
        p = products.where(F.col("category") < "c10")
        return (s.join(p, "product").groupBy("category", "region")
                .agg(F.sum(F.col("qty") * F.col("price")).alias("revenue"))
                .orderBy("revenue").collect())

    return {"agg_sql": lambda: spark.sql(AGG_SQL).collect(), "agg_df": agg_df,
            "join_sql": lambda: spark.sql(JOIN_SQL).collect(), "join_df": join_df}


def duckdb_queries(data):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    sales = os.path.join(data, "sales", "*.parquet")
    con.execute(f"CREATE VIEW sales AS SELECT * FROM read_parquet('{sales}')")
    products = os.path.join(data, "products.parquet")
    con.execute(f"CREATE VIEW products AS SELECT * FROM read_parquet('{products}')")
    return {"agg_sql": lambda: con.execute(AGG_SQL).fetchall(),
            "join_sql": lambda: con.execute(JOIN_SQL).fetchall()}


def summary(rows):
    """Row count and total revenue (column 2 in every query), to 9 significant digits."""
    return [len(rows), float(f"{sum(r[2] for r in rows):.9g}")]


def job(engine, data, master, queries):
    """Runs in the measured process; prints one JSON line of times and result summaries."""
    if engine == "duckdb":
        fns = duckdb_queries(data)
        stop = None
    else:
        if engine == "pyspark":
            from pyspark.sql import SparkSession, functions as F
        else:
            from minispark.sql import SparkSession, functions as F
        spark = (SparkSession.builder.master(master).appName("sql_sales")
                 .config("spark.ui.enabled", "false").getOrCreate())
        fns = spark_queries(spark, F, data)
        stop = spark.stop
    out = {}
    for name in queries:
        if name not in fns:
            continue
        fns[name]()  # warm-up, untimed
        start = time.perf_counter()
        rows = fns[name]()
        elapsed = time.perf_counter() - start
        out[name] = {"seconds": elapsed, "check": summary(rows)}
    if stop is not None:
        stop()
    print(json.dumps(out), flush=True)


# ---- data -----------------------------------------------------------------------------------

def generate(folder, rows, files, seed):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    regions = pa.array([f"r{i:02d}" for i in range(20)])
    products = pa.array([f"p{i:04d}" for i in range(1000)])
    os.makedirs(os.path.join(folder, "sales"), exist_ok=True)
    start = np.datetime64("2023-01-01").astype("datetime64[D]").astype(np.int32)
    per_file = -(-rows // files)
    for f in range(files):
        n = min(per_file, rows - f * per_file)
        table = pa.table({
            "region": regions.take(pa.array(rng.integers(0, 20, n))),
            "product": products.take(pa.array(rng.integers(0, 1000, n))),
            "date": pa.array(start + rng.integers(0, 731, n).astype(np.int32), pa.date32()),
            "qty": pa.array(rng.integers(1, 51, n).astype(np.int32)),
            "price": pa.array(np.round(rng.uniform(1, 100, n), 2)),
        })
        pq.write_table(table, os.path.join(folder, "sales", f"part-{f:03d}.parquet"),
                       row_group_size=1 << 20)
    dim = pa.table({"product": products,
                    "category": pa.array([f"c{i % 25:02d}" for i in range(1000)])})
    pq.write_table(dim, os.path.join(folder, "products.parquet"))


# ---- driver ---------------------------------------------------------------------------------

def measure(args, engines, pyspark_python):
    from common import engine_env, run_json_job

    times = {e: {q: [] for q in QUERIES} for e in engines}
    checks = {}
    for rep in range(args.repeat):
        for engine in engines:  # interleaved: each repetition runs every engine once
            python, env = engine_env(engine, pyspark_python)
            if engine == "pyspark":
                env["PYTHONPATH"] = ""
            cmd = [python, os.path.abspath(__file__), "--job", engine, "--data-dir",
                   args.data_dir, "--master", args.master]
            result = run_json_job(cmd, env, args.timeout)
            if "error" in result:
                print(f"# {engine} failed: {result['error']}", flush=True)
                continue
            for q, r in result.items():
                times[engine][q].append(r["seconds"])
                checks.setdefault(q, {})[engine] = r["check"]
            print(f"# rep {rep + 1} {engine}: "
                  + ", ".join(f"{q} {r['seconds']:.2f}s" for q, r in result.items()), flush=True)
    return times, checks


def table(times, engines):
    from common import markdown_table

    def med(e, q):
        return statistics.median(times[e][q]) if times.get(e, {}).get(q) else None

    header = ["query"] + [f"{e} (s)" for e in engines]
    if "duckdb" in engines:
        header.append("minispark / duckdb")
    if "pyspark" in engines:
        header.append("minispark / pyspark")
    rows = [header]
    for q in QUERIES:
        ms = med("minispark", q)
        row = [q] + [f"{med(e, q):.2f}" if med(e, q) is not None else "-" for e in engines]
        duck = med("duckdb", q.replace("_df", "_sql"))
        if "duckdb" in engines:
            row.append(f"{ms / duck:.1f}x" if ms and duck else "-")
        if "pyspark" in engines:
            ps = med("pyspark", q)
            row.append(f"{ms / ps:.2f}x" if ms and ps else "-")
        rows.append(row)
    return markdown_table(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", help="generate into / reuse this folder (kept)")
    parser.add_argument("--quick", action="store_true", help="200k rows, one repetition")
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--pyspark-python", default="/work/pyspark-venv/bin/python")
    parser.add_argument("--timeout", type=float, default=900.0, help="per process, seconds")
    parser.add_argument("--json", help="also write the raw measurements to this file")
    args = parser.parse_args(argv)
    if args.job:
        return job(args.job, args.data_dir, args.master, QUERIES)

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from common import machine_summary, name_list, usable_engines

    if args.quick:
        args.rows, args.repeat = 200_000, 1
    engines, version = usable_engines(name_list(parser, args.engines, ENGINES, "engine"),
                                      args.pyspark_python)
    keep = args.data_dir is not None
    args.data_dir = os.path.abspath(args.data_dir or tempfile.mkdtemp(prefix="sales-"))
    marker = os.path.join(args.data_dir, f"rows-{args.rows}-files-{args.files}-{args.seed}")
    try:
        if not os.path.exists(marker):
            shutil.rmtree(args.data_dir, ignore_errors=True)
            generate(args.data_dir, args.rows, args.files, args.seed)
            open(marker, "w").close()
        print(machine_summary(version))
        print(f"# {args.rows} rows in {args.files} Parquet files, {args.master}, "
              f"median of {args.repeat} (engines interleaved)", flush=True)
        times, checks = measure(args, engines, args.pyspark_python)
    finally:
        if not keep:
            shutil.rmtree(args.data_dir, ignore_errors=True)
    for q, by_engine in checks.items():
        if len({json.dumps(c) for c in by_engine.values()}) > 1:
            print(f"# RESULTS DIFFER for {q}: {by_engine}")
    print(table(times, engines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"times": times, "checks": checks, "rows": args.rows}, f, indent=1)


if __name__ == "__main__":
    main()
