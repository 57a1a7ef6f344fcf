"""The 22 TPC-H queries through ``spark.sql``, checked against DuckDB on the same data.

The data is TPC-H at scale factor 0.01 in Parquet, made by ``tpchgen-cli`` (a test
dependency; it generates locally, nothing is downloaded). Both engines read the
same files and run the same query text from ``tests/sql/tpch/``. Rows compare in
order when the query has an ORDER BY (ties of the sort key may come in any order),
as multisets otherwise; numbers within a relative 1e-9, or half a unit of the last
digit of minispark's decimal result.
"""
from __future__ import annotations

import decimal
import math
import os
import shutil
import subprocess
import sysconfig
import tempfile
from typing import Any, Iterator

import duckdb
import pytest

from minispark.sql import SparkSession

QUERIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tpch")
TABLES = ("lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region")
SCALE = "0.01"


def tpchgen() -> str:
    """The ``tpchgen-cli`` executable installed beside this interpreter (or on PATH)."""
    beside = os.path.join(sysconfig.get_path("scripts"), "tpchgen-cli")
    found = beside if os.path.exists(beside) else shutil.which("tpchgen-cli")
    if found is None:
        raise RuntimeError("tpchgen-cli is missing: pip install -e '.[test]' installs it")
    return found


def generate(directory: str, scale: str = SCALE) -> dict[str, str]:
    """TPC-H tables as Parquet files in ``directory``: {table: path}."""
    subprocess.run([tpchgen(), "parquet", "-s", scale, "-o", directory],
                   check=True, capture_output=True, timeout=120)
    return {t: os.path.join(directory, f"{t}.parquet") for t in TABLES}


def query_text(number: int) -> str:
    with open(os.path.join(QUERIES, f"q{number}.sql"), encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def tpch_files() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="tpch-") as directory:
        yield generate(directory)


@pytest.fixture(scope="module")
def duck(tpch_files: dict[str, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for table, path in tpch_files.items():
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    yield con
    con.close()


@pytest.fixture(scope="module", params=["inline", "local[2]"])
def backend(request: pytest.FixtureRequest) -> str:
    """TPC-H runs on the in-driver backend and on two executor processes."""
    return request.param


@pytest.fixture
def tpch(spark: SparkSession, tpch_files: dict[str, str]) -> SparkSession:
    # A few shuffle partitions keep 0.01-scale stages small; a zero broadcast threshold
    # would force shuffled joins, which test_joins covers on its own data.
    spark.conf.set("spark.sql.shuffle.partitions", "4")
    for table, path in tpch_files.items():
        spark.read.parquet(path).createOrReplaceTempView(table)
    return spark


# The output columns each ORDER BY sorts on, in order (queries without one are absent).
ORDER_COLUMNS = {1: [0, 1], 2: [0, 2, 1, 3], 3: [1, 2], 4: [0], 5: [1], 7: [0, 1, 2], 8: [0],
                 9: [0, 1], 10: [2], 11: [1], 12: [0], 13: [1, 0], 15: [0], 16: [3, 0, 1, 2],
                 18: [4, 3], 20: [0], 21: [1, 0], 22: [0]}


def _close(actual: Any, expected: Any) -> bool:
    """Equal, or numbers within Spark's rounding: a decimal result carries its type's
    scale (``avg`` of decimal(15,2) is decimal(19,6)), DuckDB answers in doubles."""
    if isinstance(actual, decimal.Decimal) or isinstance(expected, (float, decimal.Decimal)):
        if actual is None or expected is None:
            return actual is expected
        exponent = actual.as_tuple().exponent if isinstance(actual, decimal.Decimal) else -15
        half_unit = 0.5 * 10.0 ** min(int(exponent), 0)
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=half_unit)
    return actual == expected


def _same(actual: list[tuple], expected: list[tuple], ordered: bool) -> bool:
    if not ordered:
        actual, expected = sorted(actual, key=_sort_key), sorted(expected, key=_sort_key)
    return len(actual) == len(expected) and all(
        len(a) == len(e) and all(_close(x, y) for x, y in zip(a, e))
        for a, e in zip(actual, expected))


def _sort_key(row: tuple) -> tuple:
    # Numbers sort by a coarse form, so rounding noise does not reorder rows.
    return tuple((v is None, f"{float(v):.6g}" if isinstance(v, (float, decimal.Decimal))
                  else str(v)) for v in row)


@pytest.mark.parametrize("number", range(1, 23))
def test_tpch_query_matches_duckdb(tpch: SparkSession, duck: duckdb.DuckDBPyConnection,
                                   number: int) -> None:
    text = query_text(number)
    df = tpch.sql(text)
    actual = [tuple(row) for row in df.collect()]
    expected = duck.execute(text).fetchall()
    assert df.columns == [d[0] for d in duck.description]
    assert actual, f"q{number} returns no rows at scale {SCALE}: the check would be vacuous"
    assert _same(actual, expected, ordered=False), \
        f"\nminispark: {actual[:10]}\nduckdb:    {expected[:10]}"
    if number in ORDER_COLUMNS:
        keys = ORDER_COLUMNS[number]
        assert _same([tuple(r[i] for i in keys) for r in actual],
                     [tuple(r[i] for i in keys) for r in expected], ordered=True), \
            f"q{number} rows come in another order than DuckDB's"


# Constructs the queries rely on, each checked alone on the same data.
CONSTRUCTS = [
    "SELECT count(*) FROM part WHERE p_type NOT LIKE 'MEDIUM POLISHED%'",
    "SELECT count(*) FROM orders WHERE o_orderdate >= date '1995-01-31' + interval '1' month"
    " AND o_orderdate < date '1996-02-29' + interval '1' year - interval '3' day",
    "SELECT extract(year FROM o_orderdate) AS y, extract(month FROM o_orderdate) AS m, count(*)"
    " FROM orders GROUP BY 1, 2",
    "SELECT sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) FROM lineitem",
    "SELECT count(*) FROM lineitem, part WHERE (p_partkey = l_partkey AND p_size < 5)"
    " OR (p_partkey = l_partkey AND l_quantity < 2)",
]


@pytest.mark.parametrize("text", CONSTRUCTS)
def test_tpch_constructs_match_duckdb(tpch: SparkSession, duck: duckdb.DuckDBPyConnection,
                                      text: str) -> None:
    actual = [tuple(row) for row in tpch.sql(text).collect()]
    assert _same(actual, duck.execute(text).fetchall(), ordered=False)
