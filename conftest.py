"""Shared test fixtures: one SparkContext per executor backend, reused across tests.

Semantic tests take ``sc`` and run once per backend: ``inline`` (tasks in the
driver thread), ``local[1]`` and ``local[2]`` (executor processes). pytest
groups tests by the session-scoped ``backend`` parameter, so each context
starts once; a test that needs its own configuration uses ``make_context``,
which stops the shared one first (only one context may be active, as in
PySpark) and stops its own at teardown.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Callable, Iterator

import pytest
from _pytest.doctest import DoctestItem

from minispark import SparkConf, SparkContext
from minispark.scheduler.events import SparkListener

BACKENDS = {
    "inline": ("local[2]", "inline"),
    "local[1]": ("local[1]", "process"),
    "local[2]": ("local[2]", "process"),
}


def _context(key: str) -> SparkContext:
    active = SparkContext._active_spark_context
    if active is not None and getattr(active, "_test_key", None) == key:
        return active
    if active is not None:
        active.stop()
    master, backend = BACKENDS[key]
    # The web UI on a port the OS picks: test runs side by side never collide on 4040.
    conf = SparkConf().set("minispark.executor.backend", backend).set("spark.ui.port", "0")
    ctx = SparkContext(master, f"tests-{key}", conf=conf)
    ctx._test_key = key  # type: ignore[attr-defined]
    return ctx


@pytest.fixture(scope="session", params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    """The executor backend a semantic test runs on."""
    return request.param


@pytest.fixture
def sc(backend: str) -> SparkContext:
    """A running context on ``backend``, shared by the tests of that backend."""
    return _context(backend)


@pytest.fixture
def make_context() -> Iterator[Callable[..., SparkContext]]:
    """Build a dedicated context: ``make_context("local[2]", **{"spark.x": "y"})``."""
    made: list[SparkContext] = []

    def build(master: str = "local[2]", backend: str = "process", **settings: str
              ) -> SparkContext:
        active = SparkContext._active_spark_context
        if active is not None:
            active.stop()
        conf = SparkConf().set("minispark.executor.backend", backend).set("spark.ui.port", "0")
        for key, value in settings.items():
            conf.set(key, value)
        ctx = SparkContext(master, "tests-dedicated", conf=conf)
        made.append(ctx)
        return ctx

    yield build
    for ctx in made:
        ctx.stop()


class EventRecorder(SparkListener):
    """Keeps every scheduler event, for assertions on what ran."""

    def __init__(self) -> None:
        self.events: list = []

    def on_event(self, event: object) -> None:
        self.events.append(event)

    def of(self, name: str) -> list:
        """The recorded events of one type, e.g. ``of("TaskEnd")``."""
        return [e for e in self.events if type(e).__name__ == name]


@pytest.fixture
def record_events() -> Iterator[Callable[[SparkContext], EventRecorder]]:
    """``rec = record_events(sc)`` records sc's events until the test ends."""
    attached: list[tuple[SparkContext, EventRecorder]] = []

    def attach(ctx: SparkContext) -> EventRecorder:
        recorder = EventRecorder()
        ctx.addSparkListener(recorder)
        attached.append((ctx, recorder))
        return recorder

    yield attach
    for ctx, recorder in attached:
        ctx.removeSparkListener(recorder)


@pytest.fixture(autouse=True)
def _doctest_context(request: pytest.FixtureRequest) -> None:
    """Docstring examples use ``sc`` (local[2] executor processes) as PySpark's do,
    and ``spark``, a SparkSession on it."""
    if isinstance(request.node, DoctestItem):
        namespace = request.getfixturevalue("doctest_namespace")
        namespace["sc"] = _context("local[2]")
        if request.node.name.startswith("minispark.sql"):
            from minispark.sql import SparkSession

            namespace["spark"] = SparkSession(namespace["sc"])


def pytest_configure(config: pytest.Config) -> None:
    """Every temporary file of the run, ours and its subprocesses' (executors, a
    driver killed on purpose, doctests' mkdtemp), lives under one folder that
    is removed at the end, so a run leaves nothing in the system temp dir."""
    root = tempfile.mkdtemp(prefix="minispark-tests-")
    config.stash[_TMP_ROOT] = (root, os.environ.get("TMPDIR"), tempfile.tempdir)
    os.environ["TMPDIR"] = tempfile.tempdir = root


def pytest_unconfigure(config: pytest.Config) -> None:
    root, tmpdir, tempdir = config.stash[_TMP_ROOT]
    shutil.rmtree(root, ignore_errors=True)
    tempfile.tempdir = tempdir
    if tmpdir is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = tmpdir


_TMP_ROOT = pytest.StashKey[tuple]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
