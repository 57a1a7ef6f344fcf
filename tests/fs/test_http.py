"""Reading over http:// through fsspec (read-only), from a server on loopback."""
from __future__ import annotations

import functools
import http.server
import io
import os
import re
import threading
from collections import Counter
from typing import Iterator

import pytest

from minispark.sql import SparkSession


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, object]]:
    """``tmp_path`` served over HTTP on a free loopback port; yields (base URL, folder)."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single byte ranges (``Range: bytes=a-b``), as real web servers serve."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if match is None or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        start = int(match.group(1))
        end = min(int(match.group(2) or size - 1), size - 1)
        with open(path, "rb") as stream:
            stream.seek(start)
            body = stream.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return io.BytesIO(body)


def test_text_file_over_http(make_context, served):
    base, folder = served
    lines = [f"word{i % 7} other{i % 3}" for i in range(5000)]
    (folder / "big.txt").write_text("\n".join(lines) + "\n")
    size = (folder / "big.txt").stat().st_size
    sc = make_context("local[2]", **{"spark.files.maxPartitionBytes": str(size // 4)})
    rdd = sc.textFile(f"{base}/big.txt", minPartitions=1)
    assert rdd.getNumPartitions() == 4
    assert rdd.collect() == lines
    counts = dict(rdd.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).collect())
    assert counts == Counter(w for line in lines for w in line.split())


def test_csv_over_http_and_writing_is_refused(make_context, served):
    base, folder = served
    rows = [(i, f"n{i}") for i in range(50)]
    (folder / "t.csv").write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in rows))
    spark = SparkSession(make_context("local[2]"))
    df = spark.read.csv(f"{base}/t.csv", header=True, inferSchema=True)
    assert sorted(tuple(r) for r in df.collect()) == rows
    with pytest.raises(PermissionError, match="http:// is read-only"):
        df.write.csv(f"{base}/out")
    with pytest.raises(PermissionError, match="http:// is read-only"):
        spark.sparkContext.parallelize([1]).saveAsTextFile(f"{base}/rdd-out")
    assert not (folder / "out").exists()
