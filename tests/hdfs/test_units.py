"""In-process unit tests: edit log, fsimage/checkpoint, placement, block store, config."""
from __future__ import annotations

import random
import struct
import zlib

import pytest

from minispark.hdfs import fsimage
from minispark.hdfs.blockstore import META_HEADER, BlockStore, chunk_crcs
from minispark.hdfs.config import HdfsConfig
from minispark.hdfs.editlog import EditLog, list_segments, read_ops, recover_inprogress
from minispark.hdfs.errors import ChecksumException
from minispark.hdfs.namespace import Namespace
from minispark.hdfs.placement import NodeInfo, PlacementPolicy


def _mkdir(path: str, inode: int) -> dict:
    return {"op": "MKDIR", "path": path, "id": inode, "owner": "u", "group": "g", "perm": 0o755, "mtime": 1}


def test_edit_log_torn_tail_is_dropped_and_segments_named_by_txid(tmp_path):
    fsimage.save_image(tmp_path, Namespace(), 0)
    log = EditLog(tmp_path, 0)
    for i in range(5):
        log.sync(log.log(_mkdir(f"/d{i}", 16386 + i)))
    log.roll()
    log.sync(log.log(_mkdir("/d5", 16391)))
    # Crash mid-record: half a line at the end of the in-progress segment.
    inprogress = next(p for _, last, p in list_segments(tmp_path) if last is None)
    with open(inprogress, "ab") as f:
        f.write(b"deadbeef {\"op\":\"MKD")
    assert recover_inprogress(tmp_path) == 6
    names = sorted(p.name for _, _, p in list_segments(tmp_path))
    assert names == ["edits_0000000000000000001-0000000000000000005",
                     "edits_0000000000000000006-0000000000000000006"]
    txid, ns = fsimage.load_namespace(tmp_path)
    assert txid == 6 and sorted(ns.root.children) == [f"d{i}" for i in range(6)]


def test_checkpoint_keeps_two_images_and_needed_edits(tmp_path):
    fsimage.save_image(tmp_path, Namespace(), 0)
    log = EditLog(tmp_path, 0)
    inode = 16386
    for round_ in range(3):
        for _ in range(4):
            log.sync(log.log(_mkdir(f"/d{inode}", inode)))
            inode += 1
        end = log.roll()
        fsimage.checkpoint(tmp_path, end, retain=2)
    assert [t for t, _ in fsimage.list_images(tmp_path)] == [12, 8]
    assert all(first > 8 for first, _, _ in list_segments(tmp_path) if _ is not None)
    txid, ns = fsimage.load_namespace(tmp_path)
    assert txid == 12 and len(ns.root.children) == 12
    assert list(read_ops(tmp_path, 8)) and [op["txid"] for op in read_ops(tmp_path, 8)] == [9, 10, 11, 12]


def test_rack_aware_placement():
    nodes = [NodeInfo("a1", "/r1"), NodeInfo("a2", "/r1"), NodeInfo("b1", "/r2"), NodeInfo("b2", "/r2"),
             NodeInfo("c1", "/r3"), NodeInfo("c2", "/r3")]
    policy = PlacementPolicy(random.Random(1))
    for _ in range(50):
        first, second, third = policy.choose(3, nodes, writer=nodes[0])
        assert first.id == "a1"
        assert second.rack != first.rack
        assert third.rack == second.rack and third.id != second.id
    # Re-replication from two replicas on one rack goes to another rack.
    for _ in range(20):
        (extra,) = policy.choose(1, nodes, existing=[nodes[0], nodes[1]])
        assert extra.rack != "/r1"
    # Excluded and full nodes are never chosen.
    full = [NodeInfo("x", "/r1", remaining=10), NodeInfo("y", "/r2")]
    assert [n.id for n in policy.choose(2, full, block_size=100)] == ["y"]


def test_block_store_checksums_append_and_corruption(tmp_path):
    store = BlockStore(tmp_path, 512)
    data = bytes(random.Random(3).randbytes(3000))
    w = store.open_writer(7, 1001, "create")
    w.write(0, chunk_crcs(data[:1100], 512), data[:1100], verify=True)
    with pytest.raises(ChecksumException):
        w.write(1100, b"\0\0\0\0", data[1100:1200], verify=True)
    # continuing a partial chunk: the first piece only fills it up to the boundary
    first = 512 - 1100 % 512
    w.write(1100, chunk_crcs(data[1100:], 512, first), data[1100:], verify=True)
    w.finalize(sync=False)
    meta = store.finalized_paths(7, 1001)[1].read_bytes()
    crcs = struct.unpack(f"!{(len(meta) - META_HEADER.size) // 4}I", meta[META_HEADER.size:])
    assert list(crcs) == [zlib.crc32(data[i:i + 512]) for i in range(0, 3000, 512)]
    got = b"".join(d for _, _, d in store.read_chunks(7, 1001, 0, 3000, 1024))
    assert got == data
    path = store.finalized_paths(7, 1001)[0]
    raw = bytearray(path.read_bytes())
    raw[2000] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(ChecksumException):
        b"".join(d for _, _, d in store.read_chunks(7, 1001, 0, 3000, 1024))
    # A fresh store finds finalized replicas on disk.
    assert BlockStore(tmp_path, 512).get(7, 1001).length == 3000


def test_config_files_json_and_ini(tmp_path):
    cfg = HdfsConfig(block_size=1024, topology={"dn0": "/r1"})
    cfg.save(tmp_path / "c.json")
    assert HdfsConfig.load(tmp_path / "c.json") == cfg
    (tmp_path / "c.ini").write_text("[hdfs]\nblock_size = 2048\nheartbeat_interval = 0.5\n"
                                    "webhdfs_simple_auth = false\ntopology = {\"dn1\": \"/r2\"}\n")
    ini = HdfsConfig.load(tmp_path / "c.ini")
    assert (ini.block_size, ini.heartbeat_interval, ini.webhdfs_simple_auth, ini.rack_of("dn1")) == \
        (2048, 0.5, False, "/r2")
    assert HdfsConfig().dead_node_timeout == 630.0 and HdfsConfig().block_size == 128 * 1024 * 1024
    with pytest.raises(ValueError, match="unknown"):
        HdfsConfig.from_dict({"no_such_setting": 1})
