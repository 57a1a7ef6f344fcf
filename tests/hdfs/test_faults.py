"""Injected faults: DataNodes killed mid-write and mid-read, corrupt replicas,
the NameNode killed with SIGKILL (before and after checkpoints), safe mode."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from minispark.hdfs.config import small_config
from minispark.hdfs.errors import SafeModeException
from minispark.hdfs.fsimage import list_images
from minispark.hdfs.minicluster import MiniDFSCluster

from _hdfs_testutil import BLOCK, payload


def _cluster(tmp_path: Path, n: int, **cfg) -> MiniDFSCluster:
    return MiniDFSCluster(num_datanodes=n, base_dir=tmp_path / "c", config=small_config(block_size=BLOCK, **cfg))


def _replica_nodes(client, path: str) -> list[set[str]]:
    return [{loc["id"] for loc in b["locs"]} for b in client.block_locations(path)["blocks"]]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("victim", [0, 1, 2])
def test_datanode_killed_mid_write_then_rereplicated(tmp_path, victim):
    data = payload(4 * BLOCK + 1234, victim)
    with _cluster(tmp_path, 4) as cluster, cluster.client() as client:
        with client.create("/w/file") as out:
            out.write(data[:BLOCK + BLOCK // 2])
            out.hflush()  # every byte so far acknowledged by the whole pipeline
            pipeline = out.pipeline
            assert len(pipeline) == 3
            killed = pipeline[victim]
            cluster.kill_datanode(cluster.datanode_index(killed))
            out.write(data[BLOCK + BLOCK // 2:])
            assert killed not in out.pipeline
        assert client.read_bytes("/w/file") == data
        # The NameNode notices the death, then restores 3 live replicas everywhere.
        cluster.wait_datanode_dead(cluster.datanode_index(killed))
        deadline = time.monotonic() + 30
        while True:
            nodes = _replica_nodes(client, "/w/file")
            if all(len(n) == 3 and killed not in n for n in nodes):
                break
            assert time.monotonic() < deadline, nodes
            time.sleep(0.1)
        # The dead node comes back with stale/extra replicas: they get trimmed to 3.
        cluster.start_datanode(cluster.datanode_index(killed))
        client.wait_replication("/w/file", timeout=30)
        assert client.read_bytes("/w/file") == data
        assert client.fsck("/")["status"] == "HEALTHY"


@pytest.mark.timeout(60)
def test_datanode_killed_mid_read(tmp_path):
    data = payload(4 * BLOCK, 11)
    with _cluster(tmp_path, 3) as cluster:
        with cluster.client() as writer:
            writer.write_bytes("/r/file", data)
        # client_host=dn0 makes dn0 the closest replica of every block: reads start there.
        with cluster.client(client_host="dn0") as client, client.open("/r/file") as f:
            head = f.read(BLOCK + 100)
            assert f.current_node == "dn0"
            cluster.kill_datanode(0)
            rest = f.read()
            assert f.failovers >= 1 and f.current_node != "dn0"
        assert head + rest == data


@pytest.mark.timeout(60)
def test_corrupt_replica_detected_never_returned_and_replaced(tmp_path):
    data = payload(2 * BLOCK + 10, 12)
    with _cluster(tmp_path, 3) as cluster:
        with cluster.client() as writer:
            writer.write_bytes("/c/file", data)
            block_id = writer.block_locations("/c/file")["blocks"][0]["b"][0]
        path = cluster.corrupt_block(block_id, 0, offset=1000, nbytes=4)
        with cluster.client(client_host="dn0") as client:
            with client.open("/c/file") as f:
                assert f.read() == data       # the corrupt bytes never reach the reader
                assert f.failovers == 1
            # dn0's bad replica is invalidated, then a good copy is made again.
            deadline = time.monotonic() + 30
            while not (path.exists() and path.read_bytes() == data[:BLOCK]
                       and len(_replica_nodes(client, "/c/file")[0]) == 3):
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert client.fsck("/")["status"] == "HEALTHY"


@pytest.mark.timeout(60)
def test_all_replicas_corrupt_is_an_error_not_bad_data(tmp_path):
    from minispark.hdfs.errors import BlockMissingException

    data = payload(BLOCK, 13)
    with _cluster(tmp_path, 2) as cluster, cluster.client() as client:
        client.write_bytes("/c/only", data, replication=2)
        block_id = client.block_locations("/c/only")["blocks"][0]["b"][0]
        for i in (0, 1):
            cluster.corrupt_block(block_id, i, offset=5)
        with pytest.raises(BlockMissingException):
            client.read_bytes("/c/only")
        assert client.fsck("/")["status"] == "CORRUPT"


def _write_many(client, prefix: str, count: int) -> dict[str, bytes]:
    files = {}
    for i in range(count):
        path = f"{prefix}/f{i}"
        files[path] = payload((i * 7919) % (3 * BLOCK), i)
        client.write_bytes(path, files[path])
    return files


def _check_files(client, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        assert client.read_bytes(path) == data, path


@pytest.mark.timeout(90)
def test_namenode_sigkill_loses_nothing_acknowledged(tmp_path):
    with _cluster(tmp_path, 3) as cluster:
        name_dir = Path(cluster.config.name_dir)
        with cluster.client() as client:
            files = _write_many(client, "/k1", 12)
            client.mkdirs("/k1/dir/sub")
            client.rename("/k1/f0", "/k1/dir/renamed")
            files["/k1/dir/renamed"] = files.pop("/k1/f0")
            client.delete("/k1/f1")
            del files["/k1/f1"]
            client.set_replication("/k1/f2", 2)
        cluster.kill_namenode()
        cluster.restart_namenode()
        with cluster.client() as client:
            _check_files(client, files)
            assert not client.exists("/k1/f1") and client.status("/k1/dir/sub").is_dir
            assert client.status("/k1/f2").replication == 2
            # After a checkpoint: the image holds the state, the new edits the rest.
            txid = client.nn.call("checkpoint")
            assert list_images(name_dir)[0][0] == txid
            files.update(_write_many(client, "/k2", 6))
            client.delete("/k1", recursive=True)
            files = {p: d for p, d in files.items() if not p.startswith("/k1")}
        cluster.kill_namenode()
        cluster.restart_namenode()
        with cluster.client() as client:
            _check_files(client, files)
            assert not client.exists("/k1")
            # More checkpoints: only the newest two images are kept.
            for i in range(3):
                client.mkdirs(f"/ck{i}")
                client.nn.call("checkpoint")
            assert len(list_images(name_dir)) == 2
        cluster.kill_namenode()
        cluster.restart_namenode()
        with cluster.client() as client:
            _check_files(client, files)
            assert all(client.exists(f"/ck{i}") for i in range(3))


@pytest.mark.timeout(60)
def test_automatic_checkpoint_every_n_transactions(tmp_path):
    with _cluster(tmp_path, 1, checkpoint_txns=10, replication=1) as cluster:
        name_dir = Path(cluster.config.name_dir)
        with cluster.client() as client:
            for i in range(25):
                client.mkdirs(f"/auto/d{i}")
            deadline = time.monotonic() + 10
            while list_images(name_dir)[0][0] < 20:
                assert time.monotonic() < deadline, list_images(name_dir)
                time.sleep(0.05)
        cluster.kill_namenode()
        cluster.restart_namenode()
        with cluster.client() as client:
            assert len(client.listdir("/auto")) == 25


@pytest.mark.timeout(60)
def test_safe_mode_until_blocks_reported(tmp_path):
    with _cluster(tmp_path, 2, replication=2) as cluster:
        with cluster.client() as client:
            client.write_bytes("/s/file", payload(2 * BLOCK, 3))
        for i in (0, 1):
            cluster.stop_datanode(i)
        cluster.restart_namenode(wait=False)
        with cluster.client() as client:
            assert client.safe_mode("get")
            with pytest.raises(SafeModeException, match="safe mode"):
                client.mkdirs("/s/new")
            assert client.status("/s/file").length == 2 * BLOCK  # reads still work
            cluster.start_datanode(0, wait=False)
            deadline = time.monotonic() + 20
            while client.safe_mode("get"):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            client.mkdirs("/s/new")
            assert client.read_bytes("/s/file") == payload(2 * BLOCK, 3)


@pytest.mark.timeout(60)
def test_rack_aware_placement_on_a_cluster(tmp_path):
    racks = ["/r1", "/r1", "/r2", "/r2"]
    cluster = MiniDFSCluster(num_datanodes=4, base_dir=tmp_path / "c", racks=racks,
                             config=small_config(block_size=BLOCK))
    with cluster, cluster.client(client_host="dn0") as client:
        client.write_bytes("/racks/f", payload(4 * BLOCK, 1))
        for block in client.block_locations("/racks/f")["blocks"]:
            locs = block["locs"]
            assert locs[0]["id"] == "dn0"  # writer's node, and closest for this reader
            assert sorted(loc["rack"] for loc in locs) == ["/r1", "/r2", "/r2"]
        assert client.fsck("/")["mis_replicated"] == 0
