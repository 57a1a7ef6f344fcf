"""Web access log analysis in SQL over a file on mini-HDFS.

    python examples/sql_log_analysis.py [--lines N] [--hdfs hdfs://host:port]

Writes a generated access log (common log format) to HDFS, reads it with
``spark.read.text``, parses each line with ``regexp_extract`` and aggregates
by status, path and hour in SQL. Without ``--hdfs`` (whose secret comes from
``$MINISPARK_HDFS_CONF``) it starts a MiniDFSCluster of its own for the run.
The same figures are computed in plain Python from the generated lines.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
from typing import Any, Iterator

import numpy as np

from minispark.hdfs.client import DFSClient
from minispark.sql import SparkSession

PATHS = ["/", "/index.html", "/login", "/api/orders", "/api/items", "/static/app.js",
         "/static/style.css", "/admin"]
STATUSES = [200, 200, 200, 200, 304, 404, 500, 301]
LOG_FILE = "/logs/access.log"

QUERIES = {
    "status": """
        SELECT status, count(*) AS hits, sum(bytes) AS bytes
        FROM requests GROUP BY status ORDER BY status""",
    "paths": """
        SELECT path, count(*) AS hits, sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors
        FROM requests GROUP BY path ORDER BY hits DESC, path LIMIT 5""",
    "hours": """
        SELECT hour, count(*) AS hits, count(DISTINCT ip) AS visitors
        FROM requests GROUP BY hour ORDER BY hour""",
}

# Patterns without backslashes, so the SQL text needs no escaping; a size of "-" counts 0.
PARSE = """
    SELECT regexp_extract(value, '^([^ ]+) ', 1) AS ip,
           int(regexp_extract(value, ':([0-9]{2}):[0-9]{2}:[0-9]{2} ', 1)) AS hour,
           regexp_extract(value, '"[A-Z]+ ([^ ]+) HTTP', 1) AS path,
           int(regexp_extract(value, '" ([0-9]{3}) ', 1)) AS status,
           coalesce(try_cast(regexp_extract(value, ' ([0-9-]+)$', 1) AS BIGINT), 0) AS bytes
    FROM log_lines"""


def generate(n: int, seed: int = 5) -> list[str]:
    """``n`` access log lines over one day, in common log format."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        ip = f"10.0.{rng.integers(0, 4)}.{rng.integers(1, 40)}"
        second = int(i * 86400 // n)
        stamp = f"12/Mar/2024:{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d} +0000"
        path, status = PATHS[rng.integers(len(PATHS))], STATUSES[rng.integers(len(STATUSES))]
        size = "-" if status == 304 else str(int(rng.integers(100, 50000)))
        lines.append(f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size}')
    return lines


def analyse(spark: SparkSession, uri: str) -> dict[str, list[tuple]]:
    """The query results over the log at ``uri``."""
    spark.read.text(uri).createOrReplaceTempView("log_lines")
    spark.sql(PARSE).createOrReplaceTempView("requests")
    return {name: [tuple(row) for row in spark.sql(q).collect()] for name, q in QUERIES.items()}


def analyse_in_python(lines: list[str]) -> dict[str, list[tuple]]:
    """The same figures from the lines with ``re`` and ``collections``."""
    pattern = re.compile(r'^(\S+) \S+ \S+ \[[^:]+:(\d\d):\d\d:\d\d [^]]+\] "\S+ (\S+) [^"]*" '
                         r'(\d{3}) (\d+|-)$')
    hits: collections.Counter = collections.Counter()
    size: collections.Counter = collections.Counter()
    path_hits: collections.Counter = collections.Counter()
    path_errors: collections.Counter = collections.Counter()
    hour_hits: collections.Counter = collections.Counter()
    visitors: dict[int, set] = collections.defaultdict(set)
    for line in lines:
        ip, hour, path, status, nbytes = pattern.match(line).groups()  # type: ignore[union-attr]
        status_code, hour_of_day = int(status), int(hour)
        hits[status_code] += 1
        size[status_code] += 0 if nbytes == "-" else int(nbytes)
        path_hits[path] += 1
        path_errors[path] += status_code >= 400
        hour_hits[hour_of_day] += 1
        visitors[hour_of_day].add(ip)
    top = sorted(path_hits, key=lambda p: (-path_hits[p], p))[:5]
    return {"status": [(s, hits[s], size[s]) for s in sorted(hits)],
            "paths": [(p, path_hits[p], path_errors[p]) for p in top],
            "hours": [(h, hour_hits[h], len(visitors[h])) for h in sorted(hour_hits)]}


@contextlib.contextmanager
def hdfs_cluster(uri: str | None) -> Iterator[str]:
    """The NameNode URI to use: ``uri``, or a MiniDFSCluster started (and stopped) here."""
    if uri is not None:
        yield uri
        return
    from minispark.hdfs.minicluster import MiniDFSCluster

    before = os.environ.get("MINISPARK_HDFS_CONF")
    with MiniDFSCluster(num_datanodes=2) as cluster:
        # Executors started below inherit the variable and find the cluster's secret.
        os.environ["MINISPARK_HDFS_CONF"] = str(cluster.write_client_conf())
        try:
            yield cluster.uri
        finally:
            if before is None:
                os.environ.pop("MINISPARK_HDFS_CONF", None)
            else:
                os.environ["MINISPARK_HDFS_CONF"] = before


def main(argv: list[str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--hdfs", default=None, help="an existing NameNode, hdfs://host:port")
    args = parser.parse_args(argv)
    lines = generate(args.lines)
    with hdfs_cluster(args.hdfs) as uri:
        with DFSClient.from_uri(uri) as client:
            client.write_bytes(LOG_FILE, ("\n".join(lines) + "\n").encode(), overwrite=True)
        spark = SparkSession.builder.master("local[2]").appName("SQLLogAnalysis").getOrCreate()
        try:
            results = analyse(spark, uri + LOG_FILE)
        finally:
            spark.stop()
    expected = analyse_in_python(lines)
    for name, rows in results.items():
        print(f"{name}: {'matches' if rows == expected[name] else 'DIFFERS FROM'} plain Python")
        for row in rows:
            print("   ", *row)
    return results, expected


if __name__ == "__main__":
    main()
