"""Files of many sizes round-trip byte for byte; namespace operations behave as HDFS."""
from __future__ import annotations

import pytest

from minispark.hdfs.errors import (AccessControlException, FileAlreadyExistsException,
                                   FileNotFoundException, PathIsNotEmptyDirectoryException)

from _hdfs_testutil import BLOCK, payload

SIZES = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 17, 10 * BLOCK]


@pytest.mark.parametrize("size", SIZES)
def test_put_get_roundtrip(client, tmp_path, size):
    data = payload(size, size)
    local = tmp_path / "in.bin"
    local.write_bytes(data)
    client.put(str(local), f"/rt/file_{size}")
    out = tmp_path / "out.bin"
    client.get(f"/rt/file_{size}", str(out))
    assert out.read_bytes() == data
    st = client.status(f"/rt/file_{size}")
    assert (st.length, st.replication, st.block_size) == (size, 3, BLOCK)
    blocks = client.block_locations(f"/rt/file_{size}")["blocks"]
    assert len(blocks) == -(-size // BLOCK)
    assert all(len(b["locs"]) == 3 for b in blocks)


def test_seek_and_partial_reads(client):
    data = payload(3 * BLOCK + 100, 7)
    client.write_bytes("/rt/seek", data)
    with client.open("/rt/seek") as f:
        f.seek(BLOCK - 10)
        assert f.read(20) == data[BLOCK - 10:BLOCK + 10]
        assert f.pread(2 * BLOCK + 5, 1000) == data[2 * BLOCK + 5:2 * BLOCK + 1005]
        assert f.tell() == BLOCK + 10
        f.seek(-50, 2)
        assert f.read() == data[-50:]


def test_append_continues_partial_chunk_and_block(client):
    first, second, third = payload(1000, 1), payload(BLOCK, 2), payload(77, 3)
    client.write_bytes("/rt/app", first)
    with client.append("/rt/app") as out:
        out.write(second)
    with client.append("/rt/app") as out:
        out.write(third)
    assert client.read_bytes("/rt/app") == first + second + third
    assert client.status("/rt/app").length == len(first + second + third)


def test_hflush_then_more_data(client):
    data = payload(BLOCK + 300, 4)
    with client.create("/rt/hflush") as out:
        out.write(data[:700])
        out.hflush()
        out.write(data[700:])
    assert client.read_bytes("/rt/hflush") == data


def test_create_existing_and_overwrite(client):
    client.write_bytes("/rt/x", b"one")
    with pytest.raises(FileAlreadyExistsException):
        client.write_bytes("/rt/x", b"two")
    client.write_bytes("/rt/x", b"three", overwrite=True)
    assert client.read_bytes("/rt/x") == b"three"


def test_namespace_operations(client):
    assert client.mkdirs("/ns/a/b/c")
    client.write_bytes("/ns/a/f1", b"12345")
    client.write_bytes("/ns/a/b/f2", b"1234567890")
    assert client.listdir("/ns/a") == ["b", "f1"]
    st = client.status("/ns/a")
    assert st.is_dir and oct(st.permission) == "0o755" and st.owner == client.user
    assert oct(client.status("/ns/a/f1").permission) == "0o644"
    summary = client.content_summary("/ns")
    assert (summary["length"], summary["file_count"], summary["directory_count"]) == (15, 2, 4)
    assert summary["space_consumed"] == 45
    # rename semantics: into an existing directory, refuse an existing file
    assert client.rename("/ns/a/f1", "/ns/a/b")
    assert client.listdir("/ns/a/b") == ["c", "f1", "f2"]
    assert not client.rename("/ns/a/b/f1", "/ns/a/b/f2")
    assert not client.rename("/ns/missing", "/ns/z")
    assert client.rename("/ns/a/b", "/ns/moved")
    assert client.read_bytes("/ns/moved/f1") == b"12345"
    with pytest.raises(PathIsNotEmptyDirectoryException):
        client.delete("/ns/moved")
    assert client.delete("/ns/moved", recursive=True)
    assert not client.exists("/ns/moved/f2")
    assert not client.delete("/ns/moved")
    with pytest.raises(FileNotFoundException):
        client.status("/ns/moved")
    with pytest.raises(FileNotFoundException):
        client.read_bytes("/ns/nothing")


def test_permissions_enforced_for_other_users(cluster, client):
    client.mkdirs("/private")
    client.set_permission("/private", 0o700)
    client.write_bytes("/private/secret", b"s")
    client.write_bytes("/public", b"p")
    with cluster.client(user="mallory") as other:
        with pytest.raises(AccessControlException, match="user=mallory"):
            other.read_bytes("/private/secret")
        with pytest.raises(AccessControlException):
            other.write_bytes("/private/new", b"x")
        with pytest.raises(AccessControlException):
            other.delete("/public")
        assert other.read_bytes("/public") == b"p"
        with pytest.raises(AccessControlException):
            other.set_permission("/public", 0o777)
    client.set_owner("/public", owner="mallory")
    assert client.status("/public").owner == "mallory"


def test_set_replication_adds_and_trims_replicas(cluster, client):
    client.write_bytes("/rt/rep", payload(2 * BLOCK, 9), replication=1)
    assert all(len(b["locs"]) == 1 for b in client.block_locations("/rt/rep")["blocks"])
    client.set_replication("/rt/rep", 3)
    client.wait_replication("/rt/rep", timeout=20)
    client.set_replication("/rt/rep", 2)
    client.wait_replication("/rt/rep", timeout=20)
    assert client.read_bytes("/rt/rep") == payload(2 * BLOCK, 9)


def test_fsck_healthy(client):
    client.write_bytes("/fsck/f", payload(BLOCK + 5))
    report = client.fsck("/fsck")
    assert report["status"] == "HEALTHY"
    assert (report["total_files"], report["total_blocks"], report["under_replicated"]) == (1, 2, 0)
