"""A Dask master that cannot run jobs fails them with a clear error, never a hang,
and the driver's executor port admits only peers holding the secret."""
from __future__ import annotations

import pickle
import shutil
import socket
import tempfile
import threading
import time
from multiprocessing.connection import Connection

import pytest

from minispark import SparkConf, SparkContext
from minispark.common import auth
from minispark.context import parse_master
from minispark.scheduler.dask_backend import ClusterError
from minispark.scheduler.remote_worker import MAGIC
from tests.cluster.conftest import (dask_master, executor_pids, registered_executors,
                                    start_cluster, stop_active_context)
from tests.faults.procs import alive, wait_until


@pytest.fixture
def scratch():
    folder = tempfile.mkdtemp(prefix="minispark-dask-test-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _context(master: str, wait: str = "2s") -> SparkContext:
    stop_active_context()
    conf = SparkConf().set("spark.scheduler.maxRegisteredResourcesWaitingTime", wait)
    return SparkContext(master, "tests-dask-errors", conf=conf)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_malformed_dask_master_is_refused():
    with pytest.raises(ValueError, match="dask://HOST:PORT"):
        parse_master("dask://scheduler-without-port")


def test_an_unreachable_scheduler_fails_the_context_clearly():
    start = time.monotonic()
    with pytest.raises(ClusterError, match="Cannot reach the Dask scheduler at tcp://127.0.0.1"):
        _context(f"dask://127.0.0.1:{_free_port()}")
    assert time.monotonic() - start < 30
    assert SparkContext._active_spark_context is None


def test_no_executor_fails_the_job_and_strangers_are_turned_away(scratch):
    with start_cluster(0, scratch) as cluster:
        sc = _context(dask_master(cluster))
        try:
            backend = sc._backend
            host, port = backend._listener.getsockname()[:2]
            with socket.create_connection((host, port)) as stranger:
                with pytest.raises(auth.AuthenticationError, match="rejected our shared secret"):
                    auth.client_handshake(stranger, b"not the secret", MAGIC)
            start = time.monotonic()
            with pytest.raises(ClusterError, match="No minispark executor registered within 2 s"):
                sc.parallelize(range(4), 2).sum()
            assert time.monotonic() - start < 10
            assert backend.executor_ids() == []
        finally:
            sc.stop()


def test_an_executor_holding_the_secret_is_admitted(scratch):
    with start_cluster(0, scratch) as cluster:
        sc = _context(dask_master(cluster))
        try:
            host, port = sc._backend._listener.getsockname()[:2]
            sock = socket.create_connection((host, port))
            auth.client_handshake(sock, sc._backend.settings.auth_secret, MAGIC)
            conn = Connection(sock.detach())
            conn.send_bytes(pickle.dumps(("hello", "h", 1, "tcp://nowhere:1")))
            registered = wait_until(
                lambda: sc._backend.poll(0.1) is not None and sc._backend.executor_ids(), 10)
            assert registered == ["0"]
            assert pickle.loads(conn.recv_bytes())[:2] == ("init", "0")
            conn.close()
        finally:
            sc.stop()


def test_losing_the_whole_cluster_fails_the_running_job(scratch):
    cluster = start_cluster(1, scratch)
    try:
        sc = _context(dask_master(cluster), wait="5s")
        try:
            registered_executors(sc, 1)
            pids = executor_pids(sc)
            outcome: dict = {}

            def job():
                try:
                    sc.parallelize(range(2), 2).map(lambda x: time.sleep(60) or x).collect()
                except Exception as exc:  # noqa: BLE001 - what the test checks
                    outcome["error"] = exc

            thread = threading.Thread(target=job)
            thread.start()
            time.sleep(1)
            cluster.close()
            thread.join(30)
            assert not thread.is_alive()
            assert isinstance(outcome.get("error"), ClusterError), outcome
            assert wait_until(lambda: not any(alive(p) for p in pids), 10)
        finally:
            sc.stop()
    finally:
        cluster.close()
