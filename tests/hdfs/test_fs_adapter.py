"""minispark's FileSystem layer over mini-HDFS: text splits per block, line reader,
and the contract the output committer relies on."""
from __future__ import annotations

import random

import pytest

pytest.importorskip("minispark.fs.input")

from minispark.fs.input import read_text_split, text_splits  # noqa: E402
from minispark.fs.registry import get_filesystem  # noqa: E402

from _hdfs_testutil import BLOCK  # noqa: E402


def _text(lines: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "hdfs", "spark", "block", "ü-utf8"]
    out = []
    for i in range(lines):
        out.append(" ".join(rng.choice(words) for _ in range(rng.randint(0, 60))) + f" {i}")
    return ("\n".join(out) + "\n").encode()


def test_text_splits_one_per_block_and_lines_match_local(cluster, conf_env, tmp_path):
    data = _text(4000, 1)
    assert len(data) > 5 * BLOCK
    local = tmp_path / "words.txt"
    local.write_bytes(data)
    with cluster.client() as c:
        c.write_bytes("/adapter/in/words.txt", data)
        nblocks = len(c.block_locations("/adapter/in/words.txt")["blocks"])
    uri = f"{cluster.uri}/adapter/in"
    splits = text_splits(uri, 1)
    assert len(splits) == nblocks
    assert [s.start for s in splits] == [i * BLOCK for i in range(nblocks)]
    assert all(s.hosts for s in splits)
    lines = [line for s in splits for line in read_text_split(s)]
    assert lines == local.read_text(encoding="utf-8").splitlines()
    local_splits = text_splits(str(local), 1)
    local_lines = [line for s in local_splits for line in read_text_split(s)]
    assert lines == local_lines


def test_filesystem_contract(cluster, conf_env):
    fs = get_filesystem(f"{cluster.uri}/")
    base = f"{cluster.uri}/adapter/contract"
    with fs.create(base + "/a/b.txt") as f:
        f.write(b"hello")
    assert fs.exists(base + "/a") and fs.status(base + "/a").is_dir
    st = fs.status(base + "/a/b.txt")
    assert (st.path, st.length, st.is_dir, st.block_size) == (base + "/a/b.txt", 5, False, BLOCK)
    with pytest.raises(FileExistsError):
        fs.create(base + "/a/b.txt")
    with fs.open(base + "/a/b.txt") as f:
        f.seek(1)
        assert f.read() == b"ello"
    fs.mkdirs(base + "/c")
    with pytest.raises(FileExistsError):
        fs.rename(base + "/a/b.txt", base + "/c")
    fs.rename(base + "/a/b.txt", base + "/c/moved.txt")
    assert [s.name for s in fs.list_status(base + "/c")] == ["moved.txt"]
    assert [s.path for s in fs.glob(base + "/*/moved.*")] == [base + "/c/moved.txt"]
    with pytest.raises(FileNotFoundError):
        fs.status(base + "/nope")
    assert fs.delete(base, recursive=True) and not fs.exists(base)
    assert fs.default_block_size() == BLOCK
