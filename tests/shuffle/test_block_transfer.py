"""The network data plane: executors serve map outputs and cached blocks over an
authenticated block-transfer service, and reducers fetch what they cannot read."""
from __future__ import annotations

import collections
import os
import pickle
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from minispark.common import auth, serialization
from minispark.shuffle import reader
from minispark.shuffle.handle import MapLocation, ShuffleHandle
from minispark.shuffle.partitioner import Partitioner, portable_hash
from minispark.shuffle.transfer import (
    MAGIC, BlockTransferService, RangeFetcher, TransferClient, TransferError,
)
from minispark.shuffle.writer import write_map_output
from minispark.storage.block_manager import BlockManager
from minispark.storagelevel import StorageLevel

SECRET = b"s" * 32
FORCE_REMOTE = {"minispark.shuffle.fetch.forceRemote": "true"}


def _words(n: int = 20_000) -> list[str]:
    rng = random.Random(7)
    return [f"w{rng.randrange(300)}" for _ in range(n)]


def _task_metrics(recorder) -> list:
    return [e.metrics for e in recorder.of("TaskEnd") if e.succeeded]


# ---- end to end on local[2] --------------------------------------------------------


def test_word_count_reduce_by_key_and_join_are_exact_over_the_network(make_context,
                                                                      record_events):
    sc = make_context("local[2]", **FORCE_REMOTE)
    recorder = record_events(sc)
    words = _words()
    counts = dict(sc.parallelize(words, 4).map(lambda w: (w, 1))
                  .reduceByKey(lambda a, b: a + b, 3).collect())
    assert counts == collections.Counter(words)

    left = [(i % 50, i) for i in range(2_000)]
    right = [(i % 70, -i) for i in range(700)]
    joined = sc.parallelize(left, 3).join(sc.parallelize(right, 2), 4).collect()
    right_by_key = collections.defaultdict(list)
    for k, v in right:
        right_by_key[k].append(v)
    expected = [(k, (v, w)) for k, v in left for w in right_by_key[k]]
    assert sorted(joined) == sorted(expected)

    metrics = _task_metrics(recorder)
    assert sum(m.shuffle_remote_bytes_read for m in metrics) > 0
    assert sum(m.shuffle_local_bytes_read for m in metrics) == 0  # forced: all over TCP


def test_by_default_map_outputs_on_this_machine_are_read_from_disk(make_context, record_events):
    sc = make_context("local[2]")
    recorder = record_events(sc)
    words = _words(5_000)
    counts = dict(sc.parallelize(words, 4).map(lambda w: (w, 1)).reduceByKey(
        lambda a, b: a + b, 2).collect())
    assert counts == collections.Counter(words)
    metrics = _task_metrics(recorder)
    assert sum(m.shuffle_remote_bytes_read for m in metrics) == 0
    assert sum(m.shuffle_local_bytes_read for m in metrics) > 0


def test_a_corrupted_transfer_is_a_fetch_failure_and_the_job_stays_exact(make_context,
                                                                         record_events):
    sc = make_context("local[2]", **FORCE_REMOTE,
                      **{"spark.executorEnv.MINISPARK_TEST_CORRUPT_TRANSFERS": "1"})
    recorder = record_events(sc)
    words = _words(5_000)
    counts = dict(sc.parallelize(words, 4).map(lambda w: (w, 1)).reduceByKey(
        lambda a, b: a + b, 2).collect())
    assert counts == collections.Counter(words)
    failures = [e.info.failure_reason for e in recorder.of("StageCompleted")
                if e.info.failure_reason]
    assert failures and all("corrupted transfer" in f and "CRC-32" in f for f in failures)


def _wait_for_free_executors(sc, n: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(sc._backend.free_executors()) < n:
        assert time.monotonic() < deadline, "executors did not start"
        sc._backend.poll(0.05)  # the "ready" messages arrive through poll


def test_a_cached_block_is_fetched_from_the_executor_holding_it(make_context, record_events):
    sc = make_context("local[2]", **{"spark.locality.wait": "0"})
    computed = sc.accumulator(0)

    def count(x):
        computed.add(1)
        return x

    base = sc.parallelize(range(1_000), 1).map(count).cache()
    assert base.count() == 1_000 and computed.value == 1_000
    _wait_for_free_executors(sc, 2)
    recorder = record_events(sc)
    both = base.union(base).map(lambda x: x + 1).collect()
    assert sorted(both) == sorted([x + 1 for x in range(1_000)] * 2)
    assert {e.executor_id for e in recorder.of("TaskEnd")} == {"0", "1"}  # one read remotely
    assert computed.value == 1_000  # ... and nothing was recomputed


def test_a_failed_cached_block_fetch_means_recompute(tmp_path):
    bm = BlockManager("0", str(tmp_path), max_memory=10**6)
    calls = []

    def unreachable(address, block_id):
        calls.append(address)
        raise ConnectionRefusedError(f"{address} is gone")

    bm.fetch_remote = unreachable
    bm.remote_locations = {"rdd_1_0": [("127.0.0.1", 1), ("127.0.0.1", 2)]}
    assert bm.get("rdd_1_0") is None  # the caller recomputes from lineage
    assert calls == [("127.0.0.1", 1), ("127.0.0.1", 2)]


# ---- the service on its own ------------------------------------------------------


@pytest.fixture
def service(tmp_path):
    shuffle_dir = tmp_path / "shuffle"
    shuffle_dir.mkdir()
    handle = ShuffleHandle(5, Partitioner(3, portable_hash))
    records = [(f"k{i}", i) for i in range(3_000)]
    status = write_map_output(records, handle, 0, str(shuffle_dir), "0")
    reads: list[str] = []
    blocks = {"rdd_2_0": serialization.frame(serialization.dumps(list(range(50))))}

    def read_block(block_id):
        reads.append(block_id)
        return blocks.get(block_id)

    svc = BlockTransferService(str(shuffle_dir), read_block, SECRET)
    svc.records, svc.handle, svc.status, svc.reads = records, handle, status, reads
    yield svc
    svc.stop()


def test_fetching_ranges_and_blocks_from_the_service(service):
    client = TransferClient(SECRET)
    try:
        location = MapLocation(service.status.path, "0", service.address)
        remote = reader.RemoteReads(client, "1", "127.0.0.1", force_remote=True,
                                    max_bytes_in_flight=4096)
        got = []
        for r in range(3):
            inputs = reader.MapInputs([location], remote)
            got += list(reader.fetch_partition(service.handle, r, inputs))
            assert inputs.metrics.remote_bytes == service.status.sizes[r]
        assert sorted(got) == sorted(service.records)
        assert list(serialization.iter_records(client.block(service.address, "rdd_2_0", 7))) \
            == list(range(50))
        with pytest.raises(TransferError, match="not held"):
            client.block(service.address, "rdd_9_9")
    finally:
        client.close()


def test_a_missing_map_output_fetched_remotely_is_a_fetch_failure(service):
    client = TransferClient(SECRET)
    try:
        location = MapLocation(service.status.path, "0", service.address)
        os.unlink(service.status.path)
        inputs = reader.MapInputs([location], reader.RemoteReads(client, "1", "127.0.0.1"))
        with pytest.raises(reader.FetchFailedError) as info:
            list(reader.fetch_partition(service.handle, 0, inputs))
        assert (info.value.shuffle_id, info.value.map_index) == (5, 0)
    finally:
        client.close()


def test_a_client_with_the_wrong_secret_is_refused(service):
    client = TransferClient(b"w" * 32)
    try:
        with pytest.raises(auth.AuthenticationError, match="rejected"):
            client.block(service.address, "rdd_2_0")
    finally:
        client.close()
    assert service.reads == []  # nothing was served


class _Trap:
    """Unpickling this creates a file: proof that something was unpickled."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_nothing_is_read_or_unpickled_before_authentication(service, tmp_path):
    trap = str(tmp_path / "unpickled")
    payload = pickle.dumps(_Trap(trap))
    for garbage in (payload.ljust(64, b"\0")[:64], b"B" + b"\0" * 63, os.urandom(64)):
        with socket.create_connection(service.address, timeout=10) as sock:
            hello = auth.recv_exact(sock, len(MAGIC) + auth.NONCE_LEN)
            assert hello.startswith(MAGIC)
            sock.sendall(garbage + payload)
            assert sock.recv(1) == b"\x00"  # rejected ...
            assert _read_to_end(sock) == b""  # ... and hung up on
    assert not os.path.exists(trap)
    assert service.reads == []
    client = TransferClient(SECRET)  # the service still serves the rightful peers
    try:
        assert client.block(service.address, "rdd_2_0")
    finally:
        client.close()


def _read_to_end(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


# ---- the bound on bytes in flight ------------------------------------------------


class _FakeTransport:
    """Serves ranges from memory, slowly, and records the bytes requested at once."""

    def __init__(self, ranges: dict[int, bytes]) -> None:
        self.ranges = ranges
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.calls = 0

    def __call__(self, key, offset, most):
        with self.lock:
            self.in_flight += most
            self.peak = max(self.peak, self.in_flight)
            self.calls += 1
        time.sleep(0.0005)
        data = self.ranges[key]
        with self.lock:
            self.in_flight -= most
        return len(data), data[offset:offset + most]


@pytest.mark.parametrize("limit", [500, 5_000, 48 << 20])
def test_the_fetcher_bounds_bytes_in_flight_and_keeps_map_order(limit):
    rng = random.Random(limit)
    ranges = {i: os.urandom(rng.choice([0, 1, 37, 450, 2_000])) for i in range(40)}
    transport = _FakeTransport(ranges)
    with ThreadPoolExecutor(16) as pool:  # more threads than the bound lets work
        fetcher = RangeFetcher(list(ranges), transport, pool, limit)
        got = [fetcher.next_range() for _ in ranges]
    assert got == list(ranges.items())
    assert transport.peak <= limit
    assert fetcher.in_flight == 0
    if limit < 48 << 20:
        assert transport.peak > limit // 5  # several requests did run at once


def test_a_failed_chunk_surfaces_from_next_range():
    def fetch(key, offset, most):
        if key == 1:
            raise TransferError("corrupted transfer")
        return 3, b"abc"[offset:offset + most]

    with ThreadPoolExecutor(2) as pool:
        fetcher = RangeFetcher([0, 1], fetch, pool, 10)
        assert fetcher.next_range() == (0, b"abc")
        with pytest.raises(TransferError, match="corrupted"):
            fetcher.next_range()
