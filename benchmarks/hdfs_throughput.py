"""Put/get throughput of mini-HDFS against a plain local file copy.

    python benchmarks/hdfs_throughput.py --size-mb 512

Starts a 3-DataNode MiniDFSCluster (Hadoop's 128 MiB block size, 64 KiB
packets), writes a file of random bytes with replication 1 and 3, reads it
back, and prints MB/s and the ratio to ``shutil.copyfile`` of the same file.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minispark.hdfs.config import small_config  # noqa: E402
from minispark.hdfs.minicluster import MiniDFSCluster  # noqa: E402


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _make_input(path: Path, size: int) -> None:
    chunk = os.urandom(8 << 20)
    with open(path, "wb") as f:
        written = 0
        while written < size:
            n = min(len(chunk), size - written)
            f.write(chunk[:n])
            written += n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=512)
    parser.add_argument("--block-mb", type=int, default=128)
    args = parser.parse_args(argv)
    size = args.size_mb << 20
    mb = size / (1 << 20)
    with tempfile.TemporaryDirectory(prefix="hdfs-bench-") as tmp:
        tmp_path = Path(tmp)
        src = tmp_path / "input.bin"
        _make_input(src, size)
        copy_s = _timed(shutil.copyfile, src, tmp_path / "copy.bin")
        (tmp_path / "copy.bin").unlink()
        copy_rate = mb / copy_s
        rows = []
        config = small_config(block_size=args.block_mb << 20, packet_size=64 * 1024, socket_timeout=60.0)
        with MiniDFSCluster(num_datanodes=3, base_dir=tmp_path / "cluster", config=config) as cluster:
            with cluster.client() as client:
                for repl in (1, 3):
                    put_s = _timed(lambda: client.put(str(src), f"/bench/r{repl}", replication=repl))
                    dst = tmp_path / f"get{repl}.bin"
                    get_s = _timed(client.get, f"/bench/r{repl}", str(dst))
                    dst.unlink()
                    client.delete(f"/bench/r{repl}")
                    rows.append((repl, mb / put_s, mb / get_s))
        print(f"file size: {args.size_mb} MB, block size: {args.block_mb} MB, local copy: {copy_rate:.0f} MB/s")
        print(f"{'replication':>11} {'put MB/s':>9} {'put/copy':>9} {'get MB/s':>9} {'get/copy':>9}")
        for repl, put_rate, get_rate in rows:
            print(f"{repl:>11} {put_rate:>9.1f} {put_rate / copy_rate:>9.3f} {get_rate:>9.1f} "
                  f"{get_rate / copy_rate:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
