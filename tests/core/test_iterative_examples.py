"""The iterative examples agree with the same computation in numpy."""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "examples")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_logistic_regression_per_record_and_numpy_forms(sc):
    lr = _load("logistic_regression")
    x, y = lr.generate(1500, seed=4)
    expected = lr.train_numpy(x, y, 6)
    for vectorized in (False, True):
        w = lr.train(sc, x, y, 6, vectorized, partitions=3)
        np.testing.assert_allclose(w, expected, rtol=1e-9, atol=1e-9)


def test_kmeans(sc):
    km = _load("kmeans")
    points = km.generate(1200, 3, seed=8)
    initial = points[:3].copy()
    np.testing.assert_allclose(km.kmeans(sc, points, initial, 15),
                               km.kmeans_numpy(points, initial, 15), rtol=1e-9)


def test_pagerank(sc):
    pr = _load("pagerank")
    edges = pr.generate(200, 600, seed=2)
    ranks = pr.pagerank(sc, edges, 8, partitions=3)
    expected = pr.pagerank_numpy(edges, 200, 8)
    np.testing.assert_allclose([ranks[i] for i in range(200)], expected, rtol=1e-9)


def test_transitive_closure(sc):
    tc = _load("transitive_closure")
    edges = tc.generate(25, 30, seed=6)
    assert tc.closure(sc, edges, partitions=3) == tc.closure_numpy(edges, 25)


@pytest.mark.parametrize("name, argv", [("logistic_regression", ["500", "3", "--numpy"]),
                                        ("kmeans", ["400", "3"]), ("pagerank", ["100", "3"]),
                                        ("transitive_closure", ["15", "20"])])
def test_examples_run_from_their_main(name, argv):
    from minispark import SparkContext

    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
    result, expected = _load(name).main(argv)
    if isinstance(result, dict):
        result = np.array([result[i] for i in range(len(expected))])
    if isinstance(result, set):
        assert result == expected
    else:
        np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-9)
