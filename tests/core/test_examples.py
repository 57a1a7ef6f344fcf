"""Each example runs as a user would run it, and its answer is checked independently."""
from __future__ import annotations

import collections
import importlib.util
import math
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(autouse=True)
def _no_shared_context():
    """Examples create their own context; stop the shared test context first."""
    from minispark import SparkContext

    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()


def test_wordcount_matches_counter_over_the_bundled_file():
    module = _load("wordcount")
    counts = dict(module.main(["--top", "3"]))
    with open(module.DEFAULT_INPUT, encoding="utf-8") as f:
        expected = collections.Counter(f.read().split())
    assert counts == dict(expected)


def test_wordcount_runs_as_a_script():
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, "wordcount.py"), "--top", "1"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    with open(os.path.join(EXAMPLES, "data", "spark_paper.txt"), encoding="utf-8") as f:
        word, count = collections.Counter(f.read().split()).most_common(1)[0]
    assert out.splitlines()[0] == f"{word}: {count}"


def test_pi_is_close():
    assert abs(_load("pi").main(["3"]) - math.pi) < 0.02


def test_sort_matches_sorted(tmp_path):
    rng = np.random.default_rng(3)
    numbers = rng.integers(-1000, 1000, 500).tolist()
    path = tmp_path / "numbers.txt"
    path.write_text("\n".join(" ".join(map(str, numbers[i:i + 7])) for i in range(0, 500, 7)))
    assert _load("sort").main([str(path), "--partitions", "3"]) == sorted(numbers)


def test_matrix_multiply_matches_numpy():
    result, expected = _load("matrix_multiply").main(["7", "5", "4", "--seed", "11"])
    np.testing.assert_allclose(result, expected)
