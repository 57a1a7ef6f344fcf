"""TPC-H Query 3 (shipping priority) in Spark SQL over generated Parquet tables.

    python examples/tpch_q3.py [N_CUSTOMERS] [--segment BUILDING] [--date 1995-03-15]

Generates TPC-H-shaped customer, orders and lineitem tables (numpy, seeded),
writes them as Parquet, runs Q3 with ``spark.sql`` and prints the ten most
valuable unshipped orders next to the same answer computed in plain Python.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import decimal
import os
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from minispark.sql import SparkSession

SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]
FIRST_DAY = datetime.date(1992, 1, 1)

Q3 = """
SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue,
       o_orderdate, o_shippriority
FROM customer, orders, lineitem
WHERE c_mktsegment = '{segment}'
  AND c_custkey = o_custkey
  AND l_orderkey = o_orderkey
  AND o_orderdate < date '{date}'
  AND l_shipdate > date '{date}'
GROUP BY l_orderkey, o_orderdate, o_shippriority
ORDER BY revenue DESC, o_orderdate
LIMIT 10
"""


def _money(cents: np.ndarray) -> pa.Array:
    return pa.array([decimal.Decimal(int(c)).scaleb(-2) for c in cents], pa.decimal128(15, 2))


def generate(customers: int, seed: int = 3) -> dict[str, pa.Table]:
    """customer, orders (10 per customer) and lineitem (1 to 7 per order), TPC-H typed."""
    rng = np.random.default_rng(seed)
    n_orders = customers * 10
    order_days = rng.integers(0, 2405, n_orders)  # 1992-01-01 .. 1998-08-02
    lines_per_order = rng.integers(1, 8, n_orders)
    n_lines = int(lines_per_order.sum())
    line_order = np.repeat(np.arange(1, n_orders + 1), lines_per_order)
    ship_days = np.repeat(order_days, lines_per_order) + rng.integers(1, 122, n_lines)
    return {
        "customer": pa.table({
            "c_custkey": pa.array(np.arange(1, customers + 1), pa.int64()),
            "c_mktsegment": pa.array([SEGMENTS[i] for i in rng.integers(0, 5, customers)]),
        }),
        "orders": pa.table({
            "o_orderkey": pa.array(np.arange(1, n_orders + 1), pa.int64()),
            "o_custkey": pa.array(rng.integers(1, customers + 1, n_orders), pa.int64()),
            "o_orderdate": pa.array([FIRST_DAY + datetime.timedelta(days=int(d))
                                     for d in order_days], pa.date32()),
            "o_shippriority": pa.array(np.zeros(n_orders, np.int32)),
        }),
        "lineitem": pa.table({
            "l_orderkey": pa.array(line_order, pa.int64()),
            "l_extendedprice": _money(rng.integers(90_000, 10_500_000, n_lines)),
            "l_discount": _money(rng.integers(0, 11, n_lines)),
            "l_shipdate": pa.array([FIRST_DAY + datetime.timedelta(days=int(d))
                                    for d in ship_days], pa.date32()),
        }),
    }


def q3_in_python(tables: dict[str, pa.Table], segment: str, date: datetime.date) -> list[tuple]:
    """Q3 with dicts and a Counter, over the same tables."""
    customer, orders, lineitem = (tables[t].to_pylist() for t in ("customer", "orders", "lineitem"))
    in_segment = {c["c_custkey"] for c in customer if c["c_mktsegment"] == segment}
    open_orders = {o["o_orderkey"]: o for o in orders
                   if o["o_custkey"] in in_segment and o["o_orderdate"] < date}
    revenue: collections.Counter = collections.Counter()
    for line in lineitem:
        if line["l_orderkey"] in open_orders and line["l_shipdate"] > date:
            revenue[line["l_orderkey"]] += line["l_extendedprice"] * (1 - line["l_discount"])
    rows = [(key, value, open_orders[key]["o_orderdate"], open_orders[key]["o_shippriority"])
            for key, value in revenue.items()]
    return sorted(rows, key=lambda r: (-r[1], r[2]))[:10]


def main(argv: list[str] | None = None) -> tuple[list[tuple], list[tuple]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", nargs="?", type=int, default=1500)
    parser.add_argument("--segment", default="BUILDING", choices=SEGMENTS)
    parser.add_argument("--date", default="1995-03-15", type=datetime.date.fromisoformat)
    args = parser.parse_args(argv)
    tables = generate(args.customers)
    with tempfile.TemporaryDirectory(prefix="tpch-q3-") as directory:
        spark = SparkSession.builder.master("local[2]").appName("TPCH-Q3").getOrCreate()
        try:
            spark.conf.set("spark.sql.shuffle.partitions", "4")
            for name, table in tables.items():
                path = os.path.join(directory, f"{name}.parquet")
                pq.write_table(table, path)
                spark.read.parquet(path).createOrReplaceTempView(name)
            result = [tuple(row) for row in
                      spark.sql(Q3.format(segment=args.segment, date=args.date)).collect()]
        finally:
            spark.stop()
    expected = q3_in_python(tables, args.segment, args.date)
    print("l_orderkey  revenue         o_orderdate  o_shippriority   (plain Python revenue)")
    for row, check in zip(result, expected):
        print(f"{row[0]:<11} {row[1]:<15} {row[2]}   {row[3]:<16} ({check[1]})")
    return result, expected


if __name__ == "__main__":
    main()
