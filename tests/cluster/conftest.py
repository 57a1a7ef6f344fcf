"""A 2-worker Dask ``LocalCluster`` on loopback, and a minispark context on it.

Both are module-scoped: starting them costs seconds on a shared 2-core
machine. Each Dask worker has one thread, so it hosts one executor process
(a child of the worker process), with its own local directory.
"""
from __future__ import annotations

import shutil
import tempfile
from typing import Iterator

import dask
import distributed
import pytest

from minispark import SparkConf, SparkContext
from tests.faults.procs import alive, wait_until

WORKERS = 2


def stop_active_context() -> None:
    """Only one context may be active: stop the shared one other tests left."""
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()


def start_cluster(n_workers: int, local_directory: str):
    """A LocalCluster of worker processes on 127.0.0.1, quiet and small, whose
    scratch files all go to ``local_directory``."""
    dask.config.set({"temporary-directory": local_directory})
    return distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                    dashboard_address=None, host="127.0.0.1",
                                    local_directory=local_directory, silence_logs=50)


def dask_master(cluster) -> str:
    """The ``dask://`` master URL of a cluster."""
    return cluster.scheduler_address.replace("tcp://", "dask://")


def registered_executors(sc: SparkContext, count: int, timeout: float = 60) -> list[str]:
    """Run tiny jobs until ``count`` executors have registered (registration is
    handled by the job loop); their ids."""
    def enough() -> bool:
        sc.parallelize([0], 1).count()
        return len(sc._backend.executor_ids()) >= count

    assert wait_until(enough, timeout), f"fewer than {count} executors registered"
    return sorted(sc._backend.executor_ids())


def executor_pids(sc: SparkContext) -> set[int]:
    """The OS process ids of the context's live executors."""
    return {sc._backend.pid_of(e) for e in sc._backend.executor_ids()}


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[object]:
    scratch = tempfile.mkdtemp(prefix="minispark-dask-test-")
    try:
        with start_cluster(WORKERS, scratch) as cluster:
            yield cluster
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def dask_sc(dask_cluster) -> Iterator[SparkContext]:
    """A context whose executors run on ``dask_cluster``; reducers fetch every map
    output over the block-transfer service, even from their own machine."""
    stop_active_context()
    conf = (SparkConf().set("minispark.shuffle.fetch.forceRemote", "true")
            .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s"))
    sc = SparkContext(dask_master(dask_cluster), "tests-dask", conf=conf)
    try:
        registered_executors(sc, WORKERS)
        yield sc
    finally:
        pids = executor_pids(sc)
        sc.stop()
    assert wait_until(lambda: not any(alive(p) for p in pids), 10), "executors outlived stop()"
