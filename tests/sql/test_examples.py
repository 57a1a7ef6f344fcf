"""The SQL examples run as a user would run them, each answer checked independently."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.core.test_examples import EXAMPLES, _load


@pytest.fixture(autouse=True)
def _no_shared_context():
    """Examples create their own session; stop the shared test context first."""
    from minispark import SparkContext

    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()


def test_log_analysis_over_mini_hdfs_matches_plain_python():
    before = os.environ.get("MINISPARK_HDFS_CONF")
    results, expected = _load("sql_log_analysis").main(["--lines", "3000"])
    assert results == expected
    assert sum(hits for _, hits, _ in results["status"]) == 3000
    assert os.environ.get("MINISPARK_HDFS_CONF") == before  # the example's cluster is gone


def test_tpch_q3_matches_plain_python():
    result, expected = _load("tpch_q3").main(["600"])
    assert len(result) == 10
    assert result == expected


def test_tpch_q3_runs_as_a_script():
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, "tpch_q3.py"), "300"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    rows = [line.split() for line in out.splitlines()[1:]]
    assert len(rows) == 10 and all(r[1] == r[4].strip("()") for r in rows)
